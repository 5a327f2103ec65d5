// The week's numbers as a pure function of the projection and the cut-off: what counts in the
// week, what is open, overdue and closed on time at the cut-off, per city and county, and that
// nothing dated at or after the cut-off changes them.

#include "services/bulletin/core/numbers.h"

#include <gtest/gtest.h>

#include "services/bulletin/core/numbers_json.h"
#include "services/bulletin/core/render.h"
#include "tests/unit/bulletin/fixtures.h"

namespace ducha::bulletin {
namespace {

using testing::At;
using testing::Claimed;
using testing::D;
using testing::F;
using testing::Hebei;
using testing::Problem;
using testing::Report;
using testing::Week47;

Numbers Compute(const Projection& p) { return ComputeNumbers(Hebei(), p, Week47()); }

const CityLine& City(const Numbers& n, DivisionCode code) {
  for (const CityLine& l : n.cities) {
    if (l.code == code) return l;
  }
  throw std::runtime_error("no city " + std::to_string(code));
}

std::int64_t Channel(const Numbers& n, const std::string& name) {
  for (const ChannelCount& c : n.channels) {
    if (c.channel == name) return c.count;
  }
  return -1;
}

TEST(BulletinNumbers, CountsTheWeeksReportsByChannelWithNewProblemsAndDuplicates) {
  Projection p;
  p.reports = {
      Report(1, "2017-11-17T23:59:59+08:00"),                               // the week before
      Report(2, "2017-11-18T00:00:00+08:00"),                               // first instant
      Report(3, "2017-11-20T10:00:00+08:00", "citizen_hotline"),            //
      Report(4, "2017-11-21T10:00:00+08:00", "citizen_web", 130202, true),  // a duplicate
      Report(5, "2017-11-24T23:59:59+08:00", "supervision_group", 130202),  // last instant
      Report(6, "2017-11-25T00:00:00+08:00"),                               // the cut-off
  };
  const Numbers n = Compute(p);
  EXPECT_EQ(n.week.received, 4);
  EXPECT_EQ(n.week.new_problems, 3);
  EXPECT_EQ(n.duplicates, 1);
  EXPECT_EQ(Channel(n, "citizen_web"), 2);
  EXPECT_EQ(Channel(n, "citizen_hotline"), 1);
  EXPECT_EQ(Channel(n, "supervision_group"), 1);
  EXPECT_EQ(Channel(n, "central_media"), 0);
  EXPECT_EQ(n.channels.size(), 10u) << "every channel is listed, zeros included";
  EXPECT_EQ(City(n, 130100).received, 2);
  EXPECT_EQ(City(n, 130200).received, 2);
  EXPECT_EQ(n.previous.received, 1);
}

TEST(BulletinNumbers, OverdueIsOpenUnclaimedAndPastItsDeadlineBeforeTheCutoff) {
  Projection p;
  p.problems = {
      Problem(1, "2017-11-01T09:00:00+08:00", "2017-11-20"),  // overdue
      Problem(2, "2017-11-01T09:00:00+08:00", "2017-11-24"),  // its last day was Friday: overdue
      Problem(3, "2017-11-01T09:00:00+08:00", "2017-11-25"),  // due on the cut-off day: not yet
      Problem(4, "2017-11-01T09:00:00+08:00", "2017-11-20"),  // claimed in time: not the body's
      Problem(5, "2017-11-01T09:00:00+08:00", "2017-11-20"),  // closed
  };
  p.facts = {Claimed(4, "2017-11-19T10:00:00+08:00", "2017-11-20", false),
             Claimed(5, "2017-11-15T10:00:00+08:00", "2017-11-20", false),
             F(5, "2017-11-16T10:00:00+08:00", FactKind::kRectified)};
  const Numbers n = Compute(p);
  EXPECT_EQ(n.week.standing.open, 4);
  EXPECT_EQ(n.week.standing.overdue, 2);
  EXPECT_EQ(n.week.standing.closed, 1);
  EXPECT_EQ(n.awaiting_reinspection, 1);
  EXPECT_EQ(n.assigned_total, 5);
}

TEST(BulletinNumbers, OnTimeRateIsClosedOnTimeOverClosedPlusOverdue) {
  Projection p;
  p.problems = {
      Problem(1, "2017-11-01T09:00:00+08:00", "2017-11-20"),  // rectified, claimed in time
      Problem(2, "2017-11-01T09:00:00+08:00", "2017-11-20"),  // rectified, claimed late
      Problem(3, "2017-11-01T09:00:00+08:00", "2017-11-20"),  // open and overdue
      Problem(4, "2017-11-01T09:00:00+08:00", "2017-12-20"),  // open in time: not counted
  };
  p.facts = {Claimed(1, "2017-11-19T10:00:00+08:00", "2017-11-20", false),
             F(1, "2017-11-22T10:00:00+08:00", FactKind::kRectified),
             Claimed(2, "2017-11-21T10:00:00+08:00", "2017-11-20", true),
             F(2, "2017-11-23T10:00:00+08:00", FactKind::kRectified)};
  const Numbers n = Compute(p);
  EXPECT_EQ(n.week.standing.closed, 2);
  EXPECT_EQ(n.week.standing.closed_on_time, 1);
  EXPECT_EQ(n.week.standing.overdue, 1);
  EXPECT_EQ(OnTimePermille(n.week.standing), 333);  // 1 / (2 + 1)
  EXPECT_EQ(n.rectified, 2);
  EXPECT_EQ(n.claimed, 2);
  EXPECT_EQ(n.claimed_late, 1);
  EXPECT_EQ(n.week.closed, 2);
  EXPECT_FALSE(OnTimePermille(Standing{}).has_value());
}

TEST(BulletinNumbers, AVerificationDecidesClosureOrAStartsRectificationWithItsDeadline) {
  Projection p;
  ProblemFact late = Problem(1, "2017-11-01T09:00:00+08:00", "2017-11-15");
  late.verification = true;
  ProblemFact in_time = Problem(2, "2017-11-01T09:00:00+08:00", "2017-11-30");
  in_time.verification = true;
  ProblemFact substantiated = Problem(3, "2017-11-01T09:00:00+08:00", "2017-11-15");
  substantiated.verification = true;
  ProblemFact waiting = Problem(4, "2017-11-01T09:00:00+08:00", "2017-11-15");
  waiting.verification = true;
  p.problems = {late, in_time, substantiated, waiting};
  Fact not_late = F(1, "2017-11-20T10:00:00+08:00", FactKind::kVerified);
  Fact not_in_time = F(2, "2017-11-20T10:00:00+08:00", FactKind::kVerified);
  Fact yes = F(3, "2017-11-10T10:00:00+08:00", FactKind::kVerified);
  yes.flag = true;
  yes.deadline = D("2017-12-01");
  p.facts = {not_late, not_in_time, yes};
  const Numbers n = Compute(p);
  EXPECT_EQ(n.verified_not_substantiated, 2);
  EXPECT_EQ(n.verified_substantiated, 0) << "problem 3 was verified the week before";
  EXPECT_EQ(n.week.standing.closed, 2);
  EXPECT_EQ(n.week.standing.closed_on_time, 1);
  EXPECT_EQ(n.week.standing.overdue, 1) << "problem 4's verification is overdue; 3 is in time";
  EXPECT_EQ(n.week.standing.open, 2);
}

TEST(BulletinNumbers, ApprovedExtensionsAndReopeningMoveTheDeadline) {
  Projection p;
  p.problems = {Problem(1, "2017-11-01T09:00:00+08:00", "2017-11-20"),
                Problem(2, "2017-11-01T09:00:00+08:00", "2017-11-20"),
                Problem(3, "2017-11-01T09:00:00+08:00", "2017-11-20")};
  Fact approved = F(1, "2017-11-17T10:00:00+08:00", FactKind::kExtensionDecided);
  approved.flag = true;
  approved.deadline = D("2017-12-04");
  Fact refused = F(2, "2017-11-17T10:00:00+08:00", FactKind::kExtensionDecided);
  refused.flag = false;
  refused.deadline = D("2017-11-20");
  Fact reopened = F(3, "2017-11-22T10:00:00+08:00", FactKind::kReopened);
  reopened.deadline = D("2017-11-29");
  p.facts = {F(1, "2017-11-16T10:00:00+08:00", FactKind::kExtensionRequested), approved,
             F(2, "2017-11-20T10:00:00+08:00", FactKind::kExtensionRequested), refused,
             Claimed(3, "2017-11-19T10:00:00+08:00", "2017-11-20", false),     reopened};
  const Numbers n = Compute(p);
  EXPECT_EQ(n.week.standing.overdue, 1) << "only the problem whose extension was refused";
  EXPECT_EQ(n.reopened, 1);
  EXPECT_EQ(n.extensions_requested, 1);
  EXPECT_EQ(n.extensions_approved, 0);
  EXPECT_EQ(n.extensions_refused, 0);
  EXPECT_EQ(n.previous.standing.overdue, 0);
}

TEST(BulletinNumbers, NothingDatedAtOrAfterTheCutoffChangesTheNumbers) {
  Projection p;
  p.reports = {Report(1, "2017-11-20T10:00:00+08:00")};
  p.problems = {Problem(1, "2017-11-01T09:00:00+08:00", "2017-11-20"),
                Problem(2, "2017-11-20T09:00:00+08:00", "2017-12-11")};
  p.facts = {Claimed(2, "2017-11-22T10:00:00+08:00", "2017-12-11", false)};
  const Numbers before = Compute(p);

  Projection later = p;
  later.reports.push_back(Report(2, "2017-11-25T00:00:00+08:00"));
  later.problems.push_back(Problem(3, "2017-11-25T09:00:00+08:00", "2017-12-15"));
  later.facts.push_back(Claimed(1, "2017-11-25T00:00:00+08:00", "2017-11-20", true));
  later.facts.push_back(F(2, "2017-11-26T10:00:00+08:00", FactKind::kRectified));
  later.reinspections.push_back(ReinspectionFact{9, 2, true, true, At("2017-11-26T10:00:00Z")});
  later.blacklist.push_back(BlacklistFact{130100, true, At("2017-11-27T10:00:00Z"),
                                          "91130100MA07L7XT37", "某化工有限公司", 12});
  EXPECT_EQ(Compute(later), before);
  EXPECT_EQ(NumbersToJson(Compute(later)), NumbersToJson(before));
}

TEST(BulletinNumbers, CitiesAreTheCampaignsAndTheWorstCountiesAreTheMostOverdue) {
  Projection p;
  std::int64_t id = 0;
  auto add = [&](DivisionCode county, int overdue, int open_in_time) {
    for (int i = 0; i < overdue; ++i) {
      p.problems.push_back(Problem(++id, "2017-11-01T09:00:00+08:00", "2017-11-10", county));
    }
    for (int i = 0; i < open_in_time; ++i) {
      p.problems.push_back(Problem(++id, "2017-11-01T09:00:00+08:00", "2017-12-10", county));
    }
  };
  add(130102, 3, 0);  // 长安区
  add(130104, 1, 2);  // 桥西区
  add(130202, 3, 1);  // 路南区: as overdue as 长安区, more open
  add(130203, 2, 0);
  add(130204, 1, 0);
  add(130638, 1, 0);  // 雄县, in 雄安新区
  add(130100, 5, 0);  // city-wide problems of 石家庄: not a county
  const Numbers n = Compute(p);
  ASSERT_EQ(n.cities.size(), Hebei().jurisdictions().size());
  EXPECT_EQ(n.cities.front().code, 130100);
  EXPECT_EQ(City(n, 130100).standing.overdue, 9);
  EXPECT_EQ(City(n, 130100).standing.open, 11);
  EXPECT_EQ(City(n, 130200).standing.overdue, 6);
  EXPECT_EQ(City(n, 133100).standing.overdue, 1);
  ASSERT_EQ(n.worst_counties.size(), 5u);
  std::vector<DivisionCode> order;
  for (const CountyLine& l : n.worst_counties) order.push_back(l.code);
  // Ties on overdue and rate go to the county with more open problems, then to the lower code.
  EXPECT_EQ(order, (std::vector<DivisionCode>{130202, 130102, 130203, 130104, 130204}));
  EXPECT_EQ(n.worst_counties[0].city, 130200);
}

TEST(BulletinNumbers, ListedProblemsAndNewListingsOfTheWeek) {
  Projection p;
  ProblemFact listed_before = Problem(1, "2017-11-01T09:00:00+08:00", "2017-11-10");
  listed_before.listed = true;
  ProblemFact listed_now = Problem(2, "2017-11-20T09:00:00+08:00", "2017-11-29");
  listed_now.listed = true;
  listed_now.channel = "central_media";
  p.problems = {listed_before, listed_now, Problem(3, "2017-11-01T09:00:00+08:00", "2017-12-10"),
                Problem(4, "2017-11-01T09:00:00+08:00", "2017-12-10")};
  Fact third_report = F(3, "2017-11-21T09:00:00+08:00", FactKind::kChanged);
  third_report.listed = true;
  Fact unlisted = F(4, "2017-11-10T09:00:00+08:00", FactKind::kChanged);
  unlisted.listed = true;
  Fact relisted = F(4, "2017-11-11T09:00:00+08:00", FactKind::kChanged);
  relisted.listed = false;
  p.facts = {third_report, unlisted, relisted};
  const Numbers n = Compute(p);
  EXPECT_EQ(n.listed_open, 3);
  EXPECT_EQ(n.listed_new, 2);
  ASSERT_EQ(n.listed.size(), 3u);
  EXPECT_TRUE(n.listed[0].new_this_week);
  EXPECT_FALSE(n.listed[2].new_this_week);
  EXPECT_TRUE(n.listed[2].overdue);
}

TEST(BulletinNumbers, EscalationsAreCountedByRungOfTheCampaignsLadder) {
  Projection p;
  p.problems = {Problem(1, "2017-11-01T09:00:00+08:00", "2017-11-10")};
  Fact reminder = F(1, "2017-11-13T00:00:00+08:00", FactKind::kEscalated);
  reminder.rung = 1;
  Fact notice = F(1, "2017-11-16T00:00:00+08:00", FactKind::kEscalated);
  notice.rung = 2;
  Fact listing = F(1, "2017-11-20T00:00:00+08:00", FactKind::kEscalated);
  listing.rung = 3;
  p.facts = {reminder, notice, listing};
  const Numbers n = Compute(p);
  ASSERT_EQ(n.escalations.size(), 4u);
  EXPECT_EQ(n.escalations[0].name, "催办");
  EXPECT_EQ(n.escalations[0].count, 0);
  EXPECT_EQ(n.escalations[2].name, "通报");
  EXPECT_EQ(n.escalations[2].count, 1);
}

TEST(BulletinNumbers, ReviewsFactsFillTheReinspectionAccountabilityAndBlacklistSections) {
  Projection p;
  p.reinspections = {ReinspectionFact{1, 10, true, true, At("2017-11-20T10:00:00+08:00")},
                     ReinspectionFact{2, 11, false, true, At("2017-11-21T10:00:00+08:00")},
                     ReinspectionFact{3, 12, true, false, At("2017-11-22T10:00:00+08:00")},
                     ReinspectionFact{4, 13, true, true, At("2017-11-10T10:00:00+08:00")}};
  p.accountability = {
      AccountabilityFact{11, false, "interview", "约谈", At("2017-11-22T10:00:00+08:00"), ""},
      AccountabilityFact{12, false, "interview", "约谈", At("2017-11-23T10:00:00+08:00"), ""},
      AccountabilityFact{13, true, "", "", At("2017-11-23T10:00:00+08:00"), "约谈"}};
  p.blacklist = {BlacklistFact{130200, true, At("2017-11-10T10:00:00+08:00"), "E2", "乙公司", 12},
                 BlacklistFact{130100, true, At("2017-11-22T10:00:00+08:00"), "E1", "甲公司", 13},
                 BlacklistFact{130200, false, At("2017-11-23T10:00:00+08:00"), "E2", "乙公司", 4},
                 BlacklistFact{130300, true, At("2017-11-26T10:00:00+08:00"), "E3", "丙公司", 12}};
  p.credit = {
      CreditFact{"E1", "甲公司", 13, "black", "red", 130100, At("2017-11-21T10:00:00+08:00")},
      CreditFact{"E4", "丁公司", 3, "yellow", "green", 130100, At("2017-11-21T10:00:00+08:00")}};
  const Numbers n = Compute(p);
  EXPECT_EQ(n.reinspected_passed, 1);
  EXPECT_EQ(n.reinspected_failed, 1);
  EXPECT_EQ(n.accepted_on_documents, 1);
  EXPECT_EQ(n.recommendations, 2);
  EXPECT_EQ(n.decisions, 1);
  ASSERT_EQ(n.recommendation_levels.size(), 1u);
  EXPECT_EQ(n.recommendation_levels[0].name, "约谈");
  EXPECT_EQ(n.blacklist_added, 1);
  EXPECT_EQ(n.blacklist_removed, 1);
  EXPECT_EQ(n.blacklist_total, 1) << "甲 on, 乙 off again; 丙 comes after the cut-off";
  ASSERT_EQ(n.blacklist_changes.size(), 2u);
  EXPECT_EQ(n.blacklist_changes[0],
            (BlacklistLine{"E1", "甲公司", 130100, true, 13, D("2017-11-22")}));
  EXPECT_FALSE(n.blacklist_changes[1].added);
  EXPECT_EQ(n.credit_worsened, 1);
  EXPECT_EQ(*NumbersFromJson(NumbersToJson(n)), n);
  const std::string text = RenderText(BuildDocument(n, Hebei(), "x"));
  EXPECT_NE(text.find("甲公司"), std::string::npos) << "the week's changes are listed";
  EXPECT_NE(text.find("移出"), std::string::npos);
  EXPECT_EQ(Compute(Projection{}).recommendations, 0);
}

TEST(BulletinNumbers, TheFirstIssueHasNoPreviousWeek) {
  const Numbers n =
      ComputeNumbers(Hebei(), Projection{}, (*WeekCalendar::Create(Hebei(), {})).Issue(1));
  EXPECT_FALSE(n.has_previous);
  EXPECT_TRUE(Compute(Projection{}).has_previous);
}

TEST(BulletinNumbersJson, RoundTripsExactlyAndRefusesOtherText) {
  Projection p;
  p.reports = {Report(1, "2017-11-20T10:00:00+08:00")};
  p.problems = {Problem(1, "2017-11-01T09:00:00+08:00", "2017-11-20", 130202)};
  const Numbers n = Compute(p);
  const std::string json = NumbersToJson(n);
  auto back = NumbersFromJson(json);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, n);
  EXPECT_EQ(NumbersToJson(*back), json);
  EXPECT_EQ(NumbersFromJson("{\"issue\": 1}").error().code, "invalid_format");
  EXPECT_EQ(NumbersFromJson("not json").error().code, "invalid_format");
}

}  // namespace
}  // namespace ducha::bulletin
