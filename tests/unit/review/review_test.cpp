// Review's pure decisions on the shipped Hebei campaign and rule table: the rule table's
// validation, the seeded sample, the cross assignment of covert groups, the quantified
// accountability recommendation with its guard, and the hash chain.

#include <gtest/gtest.h>

#include <cstdlib>

#include "common/base/time.h"
#include "common/campaign/loader.h"
#include "services/review/core/audit.h"
#include "services/review/core/credit.h"
#include "services/review/core/reviewer.h"
#include "services/review/core/rules.h"
#include "tests/support/hebei_campaign.h"

namespace ducha::review {
namespace {

namespace pr = proto::review;

const campaign::Campaign& Hebei() { return ::ducha::testing::HebeiCampaign(); }

const Rules& Shipped() {
  static const Rules r = [] {
    auto x = Rules::Load(std::string(DUCHA_CAMPAIGN_DIR) + "/accountability.json");
    if (!x) {
      ADD_FAILURE() << x.error().message;
      std::abort();
    }
    return std::move(x).value();
  }();
  return r;
}

// --- the rule table ------------------------------------------------------------------------------

TEST(Rules, TheShippedTableLoadsWithItsVersionFactsAndLevels) {
  EXPECT_EQ(Shipped().version(), 1);
  EXPECT_EQ(Shipped().facts().size(), 7u);
  ASSERT_EQ(Shipped().levels().size(), 4u);
  EXPECT_EQ(Shipped().LevelFor(4), nullptr);
  EXPECT_EQ(Shipped().LevelFor(5)->name, "reminder_talk");
  EXPECT_EQ(Shipped().LevelFor(24)->display_name, "约谈");
  EXPECT_EQ(Shipped().LevelFor(1000)->name, "disciplinary_referral");
}

TEST(Rules, AnUnknownFactTypeIsRefusedByName) {
  const auto r = Rules::Parse(R"({"version": 2, "facts": {"late_by_feel": {"display_name": "x",
      "points_each": 1}}, "levels": [{"name": "a", "display_name": "甲", "min_points": 1}]})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "unknown_fact");
  EXPECT_EQ(r.error().field, "facts.late_by_feel");
}

TEST(Rules, OverlappingLevelsAreRefused) {
  const auto r = Rules::Parse(R"({"version": 2,
      "facts": {"failed_reinspection": {"display_name": "复查未通过", "points_each": 5}},
      "levels": [{"name": "a", "display_name": "甲", "min_points": 1, "max_points": 10},
                 {"name": "b", "display_name": "乙", "min_points": 10}]})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "overlapping_levels");
  EXPECT_EQ(r.error().field, "levels[1]");
}

TEST(Rules, MalformedAndIncompleteTablesAreRefused) {
  EXPECT_EQ(Rules::Parse("{not json").error().code, "malformed");
  EXPECT_EQ(Rules::Parse(R"({"facts": {}, "levels": []})").error().code, "missing_field");
  EXPECT_EQ(Rules::Parse(R"({"version": 1, "facts": {"failed_reinspection": {"display_name": "x",
      "points_each": -1}}, "levels": [{"name": "a", "display_name": "甲", "min_points": 1}]})")
                .error()
                .code,
            "invalid_value");
}

// --- the sample and the covert groups ------------------------------------------------------------

TEST(Sample, TheDrawIsReproducibleAndRoughlyUniform) {
  EXPECT_EQ(Draw(2017, 1042, 1), Draw(2017, 1042, 1));
  EXPECT_NE(Draw(2017, 1042, 1), Draw(2017, 1042, 2)) << "each claim gets its own draw";
  EXPECT_NE(Draw(2017, 1042, 1), Draw(2018, 1042, 1));
  int below = 0;
  for (int i = 1; i <= 10000; ++i) {
    const double d = Draw(7, i, 1);
    ASSERT_GE(d, 0.0);
    ASSERT_LT(d, 1.0);
    if (d < 0.3) ++below;
  }
  EXPECT_NEAR(below, 3000, 200);
}

ClaimSeen Claim(std::int64_t id, bool listed, const char* day = "2017-11-28") {
  return ClaimSeen{id, 130100, 130102, listed, 0, *timeutil::ParseDate(day)};
}

TEST(Sample, ListedClaimsAreAlwaysReinspectedAndTheRestByTheDraw) {
  const SampleSettings sample{0.3, 2017};
  int sampled = 0;
  int not_drawn = 0;
  for (int i = 1; i <= 200; ++i) {
    const TaskPlan listed = PlanTask(Hebei(), sample, Claim(i, true));
    EXPECT_EQ(listed.reason, pr::TaskReason::kListed);
    EXPECT_TRUE(listed.group_id.has_value());
    const TaskPlan plan = PlanTask(Hebei(), sample, Claim(i, false));
    EXPECT_EQ(plan.draw, Draw(2017, i, 1));
    if (plan.reason == pr::TaskReason::kSampled) {
      EXPECT_LT(plan.draw, 0.3);
      EXPECT_TRUE(plan.group_id.has_value());
      ++sampled;
    } else {
      EXPECT_EQ(plan.reason, pr::TaskReason::kNotDrawn);
      EXPECT_FALSE(plan.group_id.has_value());
      ++not_drawn;
    }
  }
  EXPECT_GT(sampled, 30);
  EXPECT_GT(not_drawn, 100);
  EXPECT_EQ(PlanTask(Hebei(), SampleSettings{1.0, 1}, Claim(5, false)).reason,
            pr::TaskReason::kSampled);
  EXPECT_EQ(PlanTask(Hebei(), SampleSettings{0.0, 1}, Claim(5, false)).reason,
            pr::TaskReason::kNotDrawn);
}

TEST(CovertGroups, ATaskNeverGoesToAGroupFromTheProblemsCity) {
  for (const campaign::Jurisdiction& city : Hebei().jurisdictions()) {
    for (const char* day : {"2017-09-20", "2017-11-28", "2017-12-25"}) {
      ClaimSeen c{1, city.code, city.code, true, 0, *timeutil::ParseDate(day)};
      const TaskPlan plan = PlanTask(Hebei(), SampleSettings{}, c);
      ASSERT_TRUE(plan.group_id.has_value()) << city.name;
      EXPECT_TRUE(CheckReinspectingGroup(Hebei(), *plan.group_id, city.code).ok())
          << city.name << " " << day << " -> " << *plan.group_id;
    }
  }
}

TEST(CovertGroups, AGroupReportingOnItsOwnCityIsRefused) {
  // Find a covert group and one of its home cities.
  const campaign::Group* covert = nullptr;
  for (const campaign::Group& g : Hebei().groups()) {
    if (g.kind == campaign::GroupKind::kCovert && !g.home_jurisdictions.empty()) covert = &g;
  }
  ASSERT_NE(covert, nullptr);
  const Status own = CheckReinspectingGroup(Hebei(), covert->id, covert->home_jurisdictions[0]);
  ASSERT_FALSE(own.ok());
  EXPECT_EQ(own.error().code, "own_city");
  EXPECT_EQ(own.error().field, "group_id");
  EXPECT_EQ(CheckReinspectingGroup(Hebei(), "SG1", 130100).error().code, "not_covert");
  EXPECT_EQ(CheckReinspectingGroup(Hebei(), "XX9", 130100).error().code, "unknown_group");
}

// --- quantified accountability -------------------------------------------------------------------

TEST(Accountability, EveryContributingFactIsListedWithItsPointsAndTheRuleVersion) {
  CaseFacts f;
  f.working_days_overdue = 13;  // capped at 10 points
  f.failed_reinspections = 2;
  f.listed = true;
  f.verified_facts = {"perfunctory_claim"};
  const auto r = Recommend(f, true, Shipped());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->rule_version, 1);
  const std::vector<ScoredFact> expected = {{"working_day_overdue", 13, 10},
                                            {"failed_reinspection", 2, 10},
                                            {"perfunctory_claim", 1, 3},
                                            {"listed_failed", 1, 5},
                                            {"repeated_problem", 1, 4}};
  EXPECT_EQ(r->facts, expected);
  EXPECT_EQ(r->points, 32);
  EXPECT_EQ(r->level, "disciplinary_referral");
}

TEST(Accountability, NoBlanketAccountabilityWithoutAVerifiedFailure) {
  CaseFacts f;
  f.working_days_overdue = 10;
  EXPECT_EQ(Recommend(f, true, Shipped()).error().code, "no_verified_failure")
      << "overdue alone is not a verified failure";
  f.failed_reinspections = 1;
  EXPECT_EQ(Recommend(f, false, Shipped()).error().code, "no_verified_failure")
      << "the office did not verify it";
  EXPECT_TRUE(Recommend(f, true, Shipped()).ok());
}

TEST(Accountability, ATotalBelowTheLowestLevelRecommendsNothing) {
  CaseFacts f;
  f.verified_facts = {"perfunctory_claim"};
  const auto r = Recommend(f, true, Shipped());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->points, 3);
  EXPECT_TRUE(r->level.empty());
}

TEST(Accountability, AWhatIfOverAChangedTableChangesTheLevel) {
  CaseFacts f;
  f.failed_reinspections = 1;
  f.working_days_overdue = 5;
  const auto before = Recommend(f, true, Shipped());
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->level, "criticism_notice");  // 5 + 5
  const auto stricter = Rules::Parse(R"({"version": 2,
      "facts": {"failed_reinspection": {"display_name": "复查未通过", "points_each": 10},
                "working_day_overdue": {"display_name": "逾期", "points_each": 1}},
      "levels": [{"name": "interview", "display_name": "约谈", "min_points": 15}]})");
  ASSERT_TRUE(stricter.ok());
  const auto after = Recommend(f, true, *stricter);
  EXPECT_EQ(after->level, "interview");
  EXPECT_EQ(after->rule_version, 2);
}

TEST(Accountability, AnUnknownVerifiedFactIsRefused) {
  CaseFacts f;
  f.verified_facts = {"bad_attitude"};
  EXPECT_EQ(Recommend(f, true, Shipped()).error().code, "unknown_fact");
}

// --- the hash chain ------------------------------------------------------------------------------

std::vector<AuditLine> Chain(int n) {
  std::vector<AuditLine> lines;
  std::string prev = kGenesisHash;
  for (int i = 1; i <= n; ++i) {
    AuditLine l{i, 1042, 1000L * i, "what" + std::to_string(i), "by", "detail 细节", prev, ""};
    l.hash = LineHash(l.prev_hash, l.problem_id, l.at, l.what, l.by, l.detail);
    prev = l.hash;
    lines.push_back(l);
  }
  return lines;
}

TEST(Audit, AnIntactChainVerifies) { EXPECT_EQ(VerifyChain(Chain(5)), std::nullopt); }

TEST(Audit, AnEditedLineIsTheFirstBrokenLink) {
  auto lines = Chain(5);
  lines[2].detail = "改过的";
  const auto broken = VerifyChain(lines);
  ASSERT_TRUE(broken.has_value());
  EXPECT_EQ(broken->index, 2u);
  EXPECT_EQ(broken->id, 3);
}

TEST(Audit, ARemovedLineBreaksTheChainWhereItWas) {
  auto lines = Chain(5);
  lines.erase(lines.begin() + 1);
  const auto broken = VerifyChain(lines);
  ASSERT_TRUE(broken.has_value());
  EXPECT_EQ(broken->id, 3);
}

TEST(Audit, TheLineHashIsSha256OfTheLengthPrefixedFields) {
  // Computed independently: sha256(b"64:" + b"0" * 64 + b";2:42;13:1512000000000;"
  // b"13:early_warning;5:clock;" + len-prefixed UTF-8 detail), with Python's hashlib.
  EXPECT_EQ(
      LineHash(kGenesisHash, 42, 1512000000000, "early_warning", "clock", "整改期限过半（1/2）"),
      "4e299ff260b7de2f29fbc3bdc5ee1a851f410943820cbb25832602f61408cf96");
}

TEST(Audit, FieldBoundariesAreUnambiguous) {
  EXPECT_NE(LineHash("p", 1, 2, "ab", "c", "d"), LineHash("p", 1, 2, "a", "bc", "d"));
}

// --- enterprise credit ---------------------------------------------------------------------------

TEST(Credit, TheShippedRuleHasTheFourColoursOfTheTwelvePointRule) {
  auto c = CreditRules::Load(std::string(DUCHA_CAMPAIGN_DIR) + "/credit.json");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->ColourFor(0).name, "green");
  EXPECT_EQ(c->ColourFor(6).name, "yellow");
  EXPECT_EQ(c->ColourFor(7).name, "red");
  EXPECT_EQ(c->ColourFor(11).name, "red");
  EXPECT_EQ(c->ColourFor(12).name, "black");
  EXPECT_EQ(c->ViolationPoints("major"), 6);
  EXPECT_TRUE(c->ScoresBlackAtOnce("false_claim"));
  EXPECT_FALSE(c->ScoresBlackAtOnce("perfunctory_claim"));
}

TEST(Credit, PointsCountOverTheRollingWindowAndClearAfterRectification) {
  auto c = CreditRules::Load(std::string(DUCHA_CAMPAIGN_DIR) + "/credit.json");
  ASSERT_TRUE(c.ok());
  const timeutil::Millis day = 86'400'000;
  const timeutil::Millis now = 400 * day;
  const std::vector<CreditEntry> entries = {{now - 30 * day, 4, false},
                                            {now - 364 * day, 3, false},
                                            {now - 366 * day, 6, false},
                                            {now - 10 * day, 5, true}};
  EXPECT_EQ(CurrentPoints(*c, entries, now), 7);
}

TEST(Credit, ColoursWithAGapOrWithoutBlackAtTwelveAreRefused) {
  const auto gap = CreditRules::Parse(R"({"version": 1, "window_days": 365,
      "violation_points": {"general": 1}, "failed_reinspection_points": 1,
      "colours": [{"name": "green", "display_name": "绿", "min_points": 0, "max_points": 0},
                  {"name": "black", "display_name": "黑", "min_points": 5}]})");
  ASSERT_FALSE(gap.ok());
  EXPECT_EQ(gap.error().field, "colours[1].min_points");
  const auto no_black = CreditRules::Parse(R"({"version": 1, "window_days": 365,
      "violation_points": {"general": 1}, "failed_reinspection_points": 1,
      "colours": [{"name": "green", "display_name": "绿", "min_points": 0}]})");
  ASSERT_FALSE(no_black.ok());
  EXPECT_EQ(no_black.error().code, "invalid_value");
}

}  // namespace
}  // namespace ducha::review
