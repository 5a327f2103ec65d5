// The demo's generated weeks: reproducible from the seed, every channel, group reports only where
// the group is stationed, duplicates that intake will recognise, and bodies' conduct that has
// some fall behind.

#include "services/demo/core/week_plan.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "common/base/time.h"
#include "common/campaign/loader.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"
#include "services/dispatch/core/roster.h"
#include "services/intake/core/visit.h"
#include "tests/support/hebei_campaign.h"

namespace ducha::demo {
namespace {

namespace pc = proto::common;

const campaign::Campaign& Hebei() { return ::ducha::testing::HebeiCampaign(); }

DemoSettings Settings(std::uint64_t seed) {
  DemoSettings s;
  s.seed = seed;
  s.reports = 1000;
  s.first_day = *timeutil::ParseDate("2017-11-22");
  s.working_days = 8;
  return s;
}

TEST(WeekPlan, TheSameSeedGivesTheSameWeeksAndAnotherSeedOthers) {
  const auto a = PlanWeeks(Hebei(), Settings(7));
  const auto b = PlanWeeks(Hebei(), Settings(7));
  const auto c = PlanWeeks(Hebei(), Settings(8));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  ASSERT_EQ(a->reports.size(), 1000u);
  ASSERT_EQ(a->reports.size(), b->reports.size());
  for (std::size_t i = 0; i < a->reports.size(); ++i) {
    EXPECT_EQ(a->reports[i].report, b->reports[i].report) << i;
  }
  int differ = 0;
  for (std::size_t i = 0; i < a->reports.size(); ++i) {
    differ += a->reports[i].report.title != c->reports[i].report.title ? 1 : 0;
  }
  EXPECT_GT(differ, 500);
  EXPECT_EQ(ConductOf(7, 42).claims_after_working_days, ConductOf(7, 42).claims_after_working_days);
}

TEST(WeekPlan, EveryReportIsValidAndEveryChannelAndWorkingDayIsUsed) {
  const auto plan = PlanWeeks(Hebei(), Settings(2017));
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->days.size(), 8u);
  EXPECT_EQ(timeutil::FormatDate(plan->days[3]), "2017-11-27") << "the weekend is skipped";
  std::set<pc::Channel> channels;
  std::set<std::string> ids;
  for (const auto& r : plan->reports) {
    channels.insert(r.report.channel);
    EXPECT_TRUE(ids.insert(r.report.submission_id).second) << r.report.submission_id;
    // The contract's own validation, as intake applies it.
    auto frame = proto::ParseMessage(proto::intake::Encode(r.report, "t"));
    ASSERT_TRUE(frame.ok());
    const auto back = codec::DecodeAs<proto::intake::SubmitReport>(*frame);
    EXPECT_TRUE(back.ok()) << r.report.submission_id << ": " << back.error().field << " "
                           << back.error().message;
    EXPECT_EQ(r.sender == Sender::kWebPlatform,
              r.report.channel == pc::Channel::kCitizenWeb ||
                  r.report.channel == pc::Channel::kCitizenHotline);
    EXPECT_LE(r.report.observed_at, r.report.reported_at);
  }
  EXPECT_EQ(channels.size(), 9u);
  EXPECT_FALSE(plan->visits.empty());
}

TEST(WeekPlan, AGroupReportsOnlyWhereItIsStationedThatRound) {
  const auto plan = PlanWeeks(Hebei(), Settings(3));
  ASSERT_TRUE(plan.ok());
  int group_reports = 0;
  for (const auto& r : plan->reports) {
    if (r.report.channel != pc::Channel::kSupervisionGroup &&
        r.report.channel != pc::Channel::kCovertGroup) {
      continue;
    }
    ++group_reports;
    ASSERT_TRUE(r.report.group_id && r.report.round);
    const auto code = std::stoi(r.report.jurisdiction);
    const auto expected = r.report.channel == pc::Channel::kSupervisionGroup
                              ? Hebei().SupervisionGroupFor(code, r.day)
                              : Hebei().CovertGroupFor(code, r.day);
    EXPECT_EQ(expected, *r.report.group_id);
    EXPECT_EQ(*r.report.round, 3);
  }
  EXPECT_GT(group_reports, 200);
}

TEST(WeekPlan, APlannedDuplicateRepeatsAnEarlierReportsCategoryWithinFiveHundredMetres) {
  const auto plan = PlanWeeks(Hebei(), Settings(11));
  ASSERT_TRUE(plan.ok());
  int duplicates = 0;
  for (std::size_t i = 0; i < plan->reports.size(); ++i) {
    const auto& r = plan->reports[i];
    if (!r.repeats_earlier) continue;
    ++duplicates;
    bool near_earlier = false;
    for (std::size_t j = 0; j < i && !near_earlier; ++j) {
      const auto& e = plan->reports[j].report;
      near_earlier = e.category == r.report.category && e.jurisdiction == r.report.jurisdiction &&
                     std::abs(e.location->lat - r.report.location->lat) < 0.004 &&
                     std::abs(e.location->lon - r.report.location->lon) < 0.004;
    }
    EXPECT_TRUE(near_earlier) << r.report.submission_id;
  }
  EXPECT_GT(duplicates, 40);
  EXPECT_LT(duplicates, 130);
}

TEST(WeekPlan, SomeBodiesFallBehindAndMostReinspectionsPass) {
  int never = 0;
  int passes = 0;
  for (std::int64_t id = 1; id <= 1000; ++id) {
    never += ConductOf(2017, id).claims_after_working_days ? 0 : 1;
    passes += ReinspectionPasses(2017, id) ? 1 : 0;
  }
  EXPECT_GT(never, 250);
  EXPECT_LT(never, 420);
  EXPECT_GT(passes, 680);
  EXPECT_LT(passes, 820);
}

TEST(WeekPlan, EveryVisitAndGroupFindingSaysHowTheGroupWorkedAndCovertGroupsWorkCovertly) {
  namespace pi = proto::intake;
  const auto plan = PlanWeeks(Hebei(), Settings(5));
  ASSERT_TRUE(plan.ok());
  const auth::Identity tablets{
      "group-tablets", auth::Role::kIntegration, {"supervision_group", "covert_group"}, {}};
  std::map<pi::VisitMode, int> modes;
  std::set<pi::VisitMethod> methods;
  for (const auto& v : plan->visits) {
    const Status st = intake::CheckVisit(v.visit, tablets, Hebei());
    EXPECT_TRUE(st.ok()) << v.visit.submission_id << ": " << st.error().message;
    ASSERT_TRUE(v.visit.mode.has_value());
    ++modes[*v.visit.mode];
    methods.insert(v.visit.methods.begin(), v.visit.methods.end());
    if (Hebei().FindGroup(v.visit.group_id)->kind == campaign::GroupKind::kCovert) {
      EXPECT_EQ(*v.visit.mode, pi::VisitMode::kCovert) << v.visit.submission_id;
    }
  }
  EXPECT_GT(modes[pi::VisitMode::kOpen], 0);
  EXPECT_GT(modes[pi::VisitMode::kCovert], 0);
  EXPECT_EQ(methods.size(), 4u) << "听、查、看、访 all appear";
  int findings = 0;
  for (const auto& r : plan->reports) {
    const bool group = r.report.channel == pc::Channel::kSupervisionGroup ||
                       r.report.channel == pc::Channel::kCovertGroup;
    EXPECT_EQ(group, r.report.mode.has_value()) << r.report.submission_id;
    EXPECT_EQ(group, !r.report.methods.empty()) << r.report.submission_id;
    if (r.report.channel == pc::Channel::kCovertGroup) {
      ++findings;
      EXPECT_EQ(r.report.mode, pi::VisitMode::kCovert) << r.report.submission_id;
    }
  }
  EXPECT_GT(findings, 20);
  // The same seed gives the same methods and modes.
  const auto again = PlanWeeks(Hebei(), Settings(5));
  ASSERT_EQ(again->visits.size(), plan->visits.size());
  for (std::size_t i = 0; i < plan->visits.size(); ++i) {
    EXPECT_EQ(again->visits[i].visit, plan->visits[i].visit) << i;
  }
}

TEST(WeekPlan, AFirstDayOutsideEveryRoundIsRefused) {
  DemoSettings s = Settings(1);
  s.first_day = *timeutil::ParseDate("2017-11-01");
  const auto plan = PlanWeeks(Hebei(), s);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, "not_in_round");
}

TEST(WeekPlan, EveryGroupsRosterKeepsTheCampaignsRosterRules) {
  auto rules = dispatch::RosterRules::Load(std::string(DUCHA_CAMPAIGN_DIR) + "/rosters.json");
  ASSERT_TRUE(rules.ok()) << rules.error().message;
  std::vector<std::string> supervision;
  std::vector<std::string> covert;
  for (const auto& [name, unit] : rules->unit_types()) {
    for (const auto kind : unit.groups) {
      (kind == campaign::GroupKind::kCovert ? covert : supervision).push_back(name);
    }
  }
  const auto rosters = PlanRosters(Hebei(), Settings(5), supervision, covert);
  EXPECT_EQ(rosters.size(), 12u) << "six supervision and six covert groups";
  for (const auto& r : rosters) {
    const auto checked = dispatch::CheckRoster(Hebei(), *rules, r);
    EXPECT_TRUE(checked.ok()) << r.group_id << ": " << checked.error().code << " "
                              << checked.error().field << " " << checked.error().message;
  }
}

}  // namespace
}  // namespace ducha::demo
