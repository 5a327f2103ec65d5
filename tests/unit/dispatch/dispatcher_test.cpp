// The dispatch rules (督查交办) on the shipped Hebei 2017–2018 campaign: who a problem goes to, by
// when, under which group, when it is listed (挂牌督办), and which operator changes are refused.

#include "services/dispatch/core/dispatcher.h"

#include <gtest/gtest.h>

#include "common/campaign/loader.h"
#include "tests/support/hebei_campaign.h"

namespace ducha::dispatch {
namespace {

namespace pc = proto::common;
namespace pd = proto::dispatch;
namespace pi = proto::intake;

const campaign::Campaign& Hebei() { return ::ducha::testing::HebeiCampaign(); }

timeutil::Millis At(const char* rfc3339) { return *timeutil::ParseRfc3339(rfc3339); }
Day D(const char* iso) { return *timeutil::ParseDate(iso); }

pi::ReportAccepted Report(std::int64_t id, pc::Channel channel, const char* jurisdiction,
                          const char* received_at) {
  pi::ReportAccepted r;
  r.report_id = id;
  r.integration = "test";
  r.submission_id = "s" + std::to_string(id);
  r.channel = channel;
  if (channel == pc::Channel::kCitizenWeb) r.platform = "长城网";
  r.jurisdiction = jurisdiction;
  r.category = pc::Category::kDust;
  r.severity = pc::Severity::kGeneral;
  r.title = "建筑工地扬尘";
  r.description = "裸土未覆盖";
  r.observed_at = At(received_at) - 3'600'000;
  r.reported_at = At(received_at) - 60'000;
  r.received_at = At(received_at);
  return r;
}

pi::ReportAccepted Repeat(std::int64_t id, std::int64_t of, pc::Channel channel,
                          const char* received_at) {
  pi::ReportAccepted r = Report(id, channel, "130102", received_at);
  r.duplicate_of = of;
  return r;
}

class DispatcherTest : public ::testing::Test {
 protected:
  Assignment Assign(const pi::ReportAccepted& r) {
    auto a = dispatcher_.Assign(r, r.received_at + 1000);
    EXPECT_TRUE(a.ok()) << (a.ok() ? "" : a.error().code + ": " + a.error().message);
    return a.ok() ? *a : Assignment{};
  }

  // A rectification problem of 长安区 (130102) from a supervision group, due 2017-12-12.
  ProblemSnapshot ChanganProblem(int report_count = 1) {
    ProblemSnapshot p;
    p.problem_id = 100;
    p.kind = pd::AssignmentKind::kRectification;
    p.body = Body{130102, "长安区人民政府", pd::BodyKind::kCountyGovernment};
    p.jurisdiction = 130102;
    p.city = 130100;
    p.channel = pc::Channel::kSupervisionGroup;
    p.report_count = report_count;
    p.deadline = D("2017-12-12");
    return p;
  }

  Dispatcher dispatcher_{Hebei()};
  const timeutil::Millis now_ = At("2017-11-22T10:00:00+08:00");
};

// --- Assignment -------------------------------------------------------------------------------

TEST_F(DispatcherTest, AssignsCitizenWebReportToCityBureauForVerification) {
  const Assignment a =
      Assign(Report(1042, pc::Channel::kCitizenWeb, "130104", "2017-11-21T09:30:00+08:00"));
  EXPECT_EQ(a.problem_id, 1042);
  EXPECT_EQ(a.kind, pd::AssignmentKind::kVerification);
  EXPECT_EQ(a.body, (Body{130100, "石家庄市环境保护局", pd::BodyKind::kCityBureau}));
  EXPECT_EQ(a.jurisdiction, 130104);
  EXPECT_EQ(a.city, 130100);
  // Ten working days after Tuesday 21 November.
  EXPECT_EQ(DateString(a.deadline), "2017-12-05");
  EXPECT_FALSE(a.listed);
}

TEST_F(DispatcherTest, AssignsCitizenHotlineReportToCityBureauForVerification) {
  const Assignment a =
      Assign(Report(7, pc::Channel::kCitizenHotline, "130203", "2017-11-21T09:30:00+08:00"));
  EXPECT_EQ(a.kind, pd::AssignmentKind::kVerification);
  EXPECT_EQ(a.body, (Body{130200, "唐山市环境保护局", pd::BodyKind::kCityBureau}));
}

TEST_F(DispatcherTest, AssignsGroupFindingToCountyGovernmentForRectification) {
  const Assignment a =
      Assign(Report(8, pc::Channel::kSupervisionGroup, "130102", "2017-11-21T09:30:00+08:00"));
  EXPECT_EQ(a.kind, pd::AssignmentKind::kRectification);
  EXPECT_EQ(a.body, (Body{130102, "长安区人民政府", pd::BodyKind::kCountyGovernment}));
  // A general problem: fifteen working days.
  EXPECT_EQ(DateString(a.deadline), "2017-12-12");
}

TEST_F(DispatcherTest, AssignsCityWideProblemToCityGovernment) {
  const Assignment a =
      Assign(Report(9, pc::Channel::kProvincialInspection, "130100", "2017-11-21T09:30:00+08:00"));
  EXPECT_EQ(a.body, (Body{130100, "石家庄市人民政府", pd::BodyKind::kCityGovernment}));
  EXPECT_EQ(a.jurisdiction, 130100);
  EXPECT_EQ(a.city, 130100);
}

TEST_F(DispatcherTest, RectificationDeadlineFollowsSeverity) {
  auto r = Report(10, pc::Channel::kCovertGroup, "130102", "2017-11-21T09:30:00+08:00");
  r.severity = pc::Severity::kMajor;
  EXPECT_EQ(DateString(Assign(r).deadline), "2017-11-28");  // five working days
  r.severity = pc::Severity::kSerious;
  EXPECT_EQ(DateString(Assign(r).deadline), "2017-12-05");  // ten working days
}

TEST_F(DispatcherTest, VerificationDeadlineSkipsTheNationalDayHolidayAndCountsItsMakeUpSaturday) {
  // Received Friday 29 September 2017: Saturday 30 September is a make-up working day, 1–8
  // October are the National Day and Mid-Autumn holiday.
  const Assignment a =
      Assign(Report(11, pc::Channel::kCitizenHotline, "130102", "2017-09-29T16:00:00+08:00"));
  EXPECT_EQ(DateString(a.deadline), "2017-10-19");
}

TEST_F(DispatcherTest, RectificationDeadlineSkipsTheSpringFestivalHoliday) {
  // Received Monday 12 February 2018; 15–21 February are the Spring Festival holiday and
  // Saturday 24 February is a make-up working day.
  auto r = Report(12, pc::Channel::kSupervisionGroup, "130102", "2018-02-12T10:00:00+08:00");
  r.severity = pc::Severity::kMajor;
  EXPECT_EQ(DateString(Assign(r).deadline), "2018-02-24");
}

TEST_F(DispatcherTest, DeadlineCountsFromTheReceivedDayInChinaStandardTime) {
  // 16:30 UTC on 20 November is already 21 November in Beijing.
  const Assignment a =
      Assign(Report(13, pc::Channel::kCitizenWeb, "130104", "2017-11-20T16:30:00Z"));
  EXPECT_EQ(DateString(a.received_day), "2017-11-21");
  EXPECT_EQ(DateString(a.deadline), "2017-12-05");
}

TEST_F(DispatcherTest, RecordsTheSupervisingGroupAndRoundOfTheReceivedDay) {
  const Assignment a =
      Assign(Report(14, pc::Channel::kCitizenWeb, "130104", "2017-11-21T09:30:00+08:00"));
  EXPECT_EQ(a.supervising_group, std::optional<std::string>("SG5"));
  EXPECT_EQ(a.round, std::optional<int>(3));
}

TEST_F(DispatcherTest, BetweenRoundsNoGroupSupervisesAndNoRoundIsRecorded) {
  const Assignment a =
      Assign(Report(15, pc::Channel::kCitizenWeb, "130104", "2017-11-06T09:30:00+08:00"));
  EXPECT_EQ(a.supervising_group, std::nullopt);
  EXPECT_EQ(a.round, std::nullopt);
  EXPECT_EQ(a.body.name, "石家庄市环境保护局");
}

TEST_F(DispatcherTest, DingzhouProblemGoesToDingzhouNotToBaoding) {
  const Assignment a =
      Assign(Report(16, pc::Channel::kSupervisionGroup, "130682", "2017-11-21T09:30:00+08:00"));
  EXPECT_EQ(a.body, (Body{130682, "定州市人民政府", pd::BodyKind::kCityGovernment}));
  EXPECT_EQ(a.city, 130682);
  EXPECT_EQ(a.supervising_group, std::optional<std::string>("SG2"));
  const Assignment citizen =
      Assign(Report(17, pc::Channel::kCitizenHotline, "130682", "2017-11-21T09:30:00+08:00"));
  EXPECT_EQ(citizen.body, (Body{130682, "定州市环境保护局", pd::BodyKind::kCityBureau}));
}

TEST_F(DispatcherTest, XinjiCitizenReportGoesToXinjiBureauNotToShijiazhuang) {
  const Assignment a =
      Assign(Report(18, pc::Channel::kCitizenWeb, "130181", "2017-11-21T09:30:00+08:00"));
  EXPECT_EQ(a.body, (Body{130181, "辛集市环境保护局", pd::BodyKind::kCityBureau}));
  EXPECT_EQ(a.city, 130181);
}

TEST_F(DispatcherTest, XiongCountyBelongsToXionganNewArea) {
  const Assignment county =
      Assign(Report(19, pc::Channel::kSupervisionGroup, "130638", "2017-11-21T09:30:00+08:00"));
  EXPECT_EQ(county.body, (Body{130638, "雄县人民政府", pd::BodyKind::kCountyGovernment}));
  EXPECT_EQ(county.city, 133100);
  // The management committee also receives what would go to a city bureau.
  const Assignment citizen =
      Assign(Report(20, pc::Channel::kCitizenHotline, "130638", "2017-11-21T09:30:00+08:00"));
  EXPECT_EQ(citizen.body, (Body{133100, "雄安新区管理委员会", pd::BodyKind::kCityBureau}));
}

TEST_F(DispatcherTest, CentralMediaProblemIsListedFromTheStartWithTheCappedDeadline) {
  const Assignment a =
      Assign(Report(21, pc::Channel::kCentralMedia, "130638", "2017-11-06T10:00:00+08:00"));
  EXPECT_TRUE(a.listed);
  EXPECT_EQ(a.listing_reason, pd::ListingReason::kChannel);
  // Ten working days for central media, capped at seven when listed.
  EXPECT_EQ(DateString(a.deadline), "2017-11-15");
}

TEST_F(DispatcherTest, MinistrySupervisionProblemIsListedFromTheStart) {
  const Assignment a =
      Assign(Report(22, pc::Channel::kMinistrySupervision, "130102", "2017-11-21T09:30:00+08:00"));
  EXPECT_TRUE(a.listed);
  EXPECT_EQ(DateString(a.deadline), "2017-11-30");
}

TEST_F(DispatcherTest, OtherChannelsAreNotListedOnTheFirstReport) {
  EXPECT_FALSE(
      Assign(Report(23, pc::Channel::kEnforcementBureau, "130102", "2017-11-21T09:30:00+08:00"))
          .listed);
}

TEST_F(DispatcherTest, UnknownJurisdictionCannotBeAssigned) {
  auto a = dispatcher_.Assign(
      Report(24, pc::Channel::kSupervisionGroup, "110101", "2017-11-21T09:30:00+08:00"), now_);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, "unknown_jurisdiction");
  EXPECT_EQ(a.error().field, "jurisdiction");
}

TEST_F(DispatcherTest, ReportWhoseDeadlineFallsOutsideTheCalendarCannotBeAssigned) {
  auto a = dispatcher_.Assign(
      Report(25, pc::Channel::kSupervisionGroup, "130102", "2018-12-28T09:30:00+08:00"), now_);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().code, "outside_calendar");
}

// --- Repeat reports and listing ---------------------------------------------------------------

TEST_F(DispatcherTest, RepeatReportIsAddedToItsProblemNotAssignedAgain) {
  const ProblemSnapshot p = ChanganProblem();
  auto d = dispatcher_.Decide(
      Repeat(200, 100, pc::Channel::kCitizenHotline, "2017-11-22T09:00:00+08:00"), &p, now_);
  ASSERT_TRUE(d.ok());
  const auto* s = std::get_if<SourceAdded>(&*d);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->problem_id, 100);
  EXPECT_EQ(s->report_id, 200);
  EXPECT_EQ(s->channel, pc::Channel::kCitizenHotline);
  EXPECT_EQ(s->report_count, 2);
  EXPECT_EQ(s->at, now_);
  EXPECT_FALSE(s->listing.has_value());
}

TEST_F(DispatcherTest, TheThirdReportListsTheProblemAndCapsItsDeadline) {
  const ProblemSnapshot p = ChanganProblem(2);
  auto s = dispatcher_.AddSource(
      Repeat(201, 100, pc::Channel::kCitizenWeb, "2017-11-22T09:00:00+08:00"), p, now_);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->report_count, 3);
  ASSERT_TRUE(s->listing.has_value());
  const Change& c = *s->listing;
  EXPECT_EQ(c.kind, pd::ChangeKind::kListed);
  EXPECT_TRUE(c.listed);
  EXPECT_EQ(c.listing_reason, pd::ListingReason::kReportCount);
  EXPECT_EQ(c.by, "rule");
  // Seven working days after 22 November is earlier than 12 December.
  ASSERT_TRUE(c.deadline.has_value());
  EXPECT_EQ(DateString(*c.deadline), "2017-12-01");
  EXPECT_EQ(c.old_value, "unlisted, deadline 2017-12-12");
  EXPECT_EQ(c.new_value, "listed, deadline 2017-12-01");
}

TEST_F(DispatcherTest, ListingKeepsADeadlineAlreadyEarlierThanTheCap) {
  ProblemSnapshot p = ChanganProblem(2);
  p.deadline = D("2017-11-24");
  auto s = dispatcher_.AddSource(
      Repeat(202, 100, pc::Channel::kCitizenWeb, "2017-11-22T09:00:00+08:00"), p, now_);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s->listing.has_value());
  EXPECT_FALSE(s->listing->deadline.has_value());
}

TEST_F(DispatcherTest, TheSecondReportDoesNotList) {
  auto s =
      dispatcher_.AddSource(Repeat(203, 100, pc::Channel::kCitizenWeb, "2017-11-22T09:00:00+08:00"),
                            ChanganProblem(1), now_);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->listing.has_value());
}

TEST_F(DispatcherTest, ARepeatOnAnAlwaysListedChannelListsTheProblem) {
  auto s = dispatcher_.AddSource(
      Repeat(204, 100, pc::Channel::kCentralMedia, "2017-11-22T09:00:00+08:00"), ChanganProblem(1),
      now_);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s->listing.has_value());
  EXPECT_EQ(s->listing->listing_reason, pd::ListingReason::kChannel);
}

TEST_F(DispatcherTest, AListedProblemOnlyGainsTheSource) {
  ProblemSnapshot p = ChanganProblem(5);
  p.listed = true;
  auto s = dispatcher_.AddSource(
      Repeat(205, 100, pc::Channel::kCentralMedia, "2017-11-22T09:00:00+08:00"), p, now_);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->report_count, 6);
  EXPECT_FALSE(s->listing.has_value());
}

TEST_F(DispatcherTest, AProblemAnOperatorUnlistedStaysUnlistedOnItsFourthReport) {
  const ProblemSnapshot p = ChanganProblem(3);  // listed at three, then unlisted by hand
  auto s = dispatcher_.AddSource(
      Repeat(206, 100, pc::Channel::kCitizenWeb, "2017-11-22T09:00:00+08:00"), p, now_);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->listing.has_value());
}

TEST_F(DispatcherTest, ARepeatOfAnUnknownProblemCannotBeApplied) {
  auto d = dispatcher_.Decide(
      Repeat(207, 99, pc::Channel::kCitizenWeb, "2017-11-22T09:00:00+08:00"), nullptr, now_);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, "unknown_problem");
}

// --- Operator commands ------------------------------------------------------------------------

pd::Reassign ReassignTo(const char* code, pd::BodyKind kind, const char* reason = "跨区问题") {
  pd::Reassign r;
  r.problem_id = 100;
  r.body_code = code;
  r.body_kind = kind;
  r.reason = reason;
  return r;
}

TEST_F(DispatcherTest, ReassignsToTheCitysGovernmentRecordingWhoAndWhy) {
  auto c = dispatcher_.Reassign(
      ChanganProblem(), ReassignTo("130100", pd::BodyKind::kCityGovernment), "center-1", now_);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->kind, pd::ChangeKind::kReassigned);
  EXPECT_EQ(c->body, (Body{130100, "石家庄市人民政府", pd::BodyKind::kCityGovernment}));
  EXPECT_EQ(c->by, "center-1");
  EXPECT_EQ(c->reason, "跨区问题");
  EXPECT_EQ(c->at, now_);
  EXPECT_EQ(c->old_value, "130102 county_government 长安区人民政府");
  EXPECT_EQ(c->new_value, "130100 city_government 石家庄市人民政府");
}

TEST_F(DispatcherTest, ReassignsToTheCitysBureau) {
  auto c = dispatcher_.Reassign(ChanganProblem(), ReassignTo("130100", pd::BodyKind::kCityBureau),
                                "center-1", now_);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->body->name, "石家庄市环境保护局");
}

TEST_F(DispatcherTest, RefusesAnotherCountyOfTheSameCity) {
  auto c = dispatcher_.Reassign(
      ChanganProblem(), ReassignTo("130104", pd::BodyKind::kCountyGovernment), "center-1", now_);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "outside_jurisdiction");
  EXPECT_EQ(c.error().field, "body_code");
}

TEST_F(DispatcherTest, RefusesAnotherCitysGovernment) {
  auto c = dispatcher_.Reassign(
      ChanganProblem(), ReassignTo("130200", pd::BodyKind::kCityGovernment), "center-1", now_);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "outside_jurisdiction");
}

TEST_F(DispatcherTest, RefusesACountyGovernmentForACityWideProblem) {
  ProblemSnapshot p = ChanganProblem();
  p.jurisdiction = 130100;
  p.body = Body{130100, "石家庄市人民政府", pd::BodyKind::kCityGovernment};
  auto c = dispatcher_.Reassign(p, ReassignTo("130100", pd::BodyKind::kCountyGovernment),
                                "center-1", now_);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "outside_jurisdiction");
}

TEST_F(DispatcherTest, RefusesReassigningToTheSameBody) {
  auto c = dispatcher_.Reassign(
      ChanganProblem(), ReassignTo("130102", pd::BodyKind::kCountyGovernment), "center-1", now_);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "no_change");
}

TEST_F(DispatcherTest, EveryCommandNeedsAReason) {
  auto r = dispatcher_.Reassign(ChanganProblem(),
                                ReassignTo("130100", pd::BodyKind::kCityGovernment, " \t"),
                                "center-1", now_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "blank");
  EXPECT_EQ(r.error().field, "reason");
  pd::ChangeDeadline d{100, "2017-12-20", ""};
  auto dc = dispatcher_.ChangeDeadline(ChanganProblem(), d, "center-1", now_);
  ASSERT_FALSE(dc.ok());
  EXPECT_EQ(dc.error().code, "blank");
  pd::SetListing l{100, true, "\n"};
  auto sl = dispatcher_.SetListing(ChanganProblem(), l, "center-1", now_);
  ASSERT_FALSE(sl.ok());
  EXPECT_EQ(sl.error().code, "blank");
}

TEST_F(DispatcherTest, ChangesTheDeadline) {
  pd::ChangeDeadline cmd{100, "2017-12-20", "需停产改造"};
  auto c = dispatcher_.ChangeDeadline(ChanganProblem(), cmd, "center-1", now_);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, pd::ChangeKind::kDeadlineChanged);
  EXPECT_EQ(c->deadline, D("2017-12-20"));
  EXPECT_EQ(c->old_value, "2017-12-12");
  EXPECT_EQ(c->new_value, "2017-12-20");
}

TEST_F(DispatcherTest, ADeadlineOfTodayIsAllowed) {
  pd::ChangeDeadline cmd{100, "2017-11-22", "立即整改"};
  EXPECT_TRUE(dispatcher_.ChangeDeadline(ChanganProblem(), cmd, "center-1", now_).ok());
}

TEST_F(DispatcherTest, RefusesADeadlineBeforeTodayOnTheFleetClock) {
  pd::ChangeDeadline cmd{100, "2017-11-21", "r"};
  auto c = dispatcher_.ChangeDeadline(ChanganProblem(), cmd, "center-1", now_);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "deadline_in_past");
  EXPECT_EQ(c.error().field, "deadline");
}

TEST_F(DispatcherTest, RefusesADeadlineThatIsNotADate) {
  pd::ChangeDeadline cmd{100, "2017-02-30", "r"};
  auto c = dispatcher_.ChangeDeadline(ChanganProblem(), cmd, "center-1", now_);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "invalid_format");
}

TEST_F(DispatcherTest, RefusesADeadlineOutsideTheCampaignCalendar) {
  pd::ChangeDeadline cmd{100, "2019-01-10", "r"};
  auto c = dispatcher_.ChangeDeadline(ChanganProblem(), cmd, "center-1", now_);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "outside_calendar");
}

TEST_F(DispatcherTest, ListingByHandCapsTheDeadlineFromToday) {
  pd::SetListing cmd{100, true, "群众反映强烈"};
  auto c = dispatcher_.SetListing(ChanganProblem(), cmd, "center-1", now_);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, pd::ChangeKind::kListed);
  EXPECT_EQ(c->listing_reason, pd::ListingReason::kOperator);
  EXPECT_EQ(c->deadline, D("2017-12-01"));
}

TEST_F(DispatcherTest, UnlistingKeepsTheDeadline) {
  ProblemSnapshot p = ChanganProblem(3);
  p.listed = true;
  p.listing_reason = pd::ListingReason::kReportCount;
  pd::SetListing cmd{100, false, "已核实为一般问题"};
  auto c = dispatcher_.SetListing(p, cmd, "center-1", now_);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, pd::ChangeKind::kUnlisted);
  EXPECT_FALSE(c->listed);
  EXPECT_EQ(c->listing_reason, std::nullopt);
  EXPECT_FALSE(c->deadline.has_value());
}

TEST_F(DispatcherTest, RefusesListingAListedProblem) {
  ProblemSnapshot p = ChanganProblem();
  p.listed = true;
  pd::SetListing cmd{100, true, "r"};
  auto c = dispatcher_.SetListing(p, cmd, "center-1", now_);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, "no_change");
}

TEST_F(DispatcherTest, ApplyingAChangeUpdatesTheSnapshot) {
  ProblemSnapshot p = ChanganProblem(2);
  auto s = dispatcher_.AddSource(
      Repeat(208, 100, pc::Channel::kCitizenWeb, "2017-11-22T09:00:00+08:00"), p, now_);
  ASSERT_TRUE(s.ok() && s->listing);
  ApplyChange(p, *s->listing);
  EXPECT_TRUE(p.listed);
  EXPECT_EQ(DateString(p.deadline), "2017-12-01");
}

}  // namespace
}  // namespace ducha::dispatch
