// What ducha-ctl's review commands make of review's rows: the what-if of another rule table over
// the recorded recommendations, the enterprises' credit standing at an instant, and the verdict
// on a problem's hash chain.

#include "services/ctl/review_views.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace ducha::ctl {
namespace {

constexpr timeutil::Millis kDay = timeutil::kMillisPerDay;

// A table with the campaign's levels; `failed_points` for a failed re-inspection.
review::Rules Table(int version, int failed_points) {
  const std::string json = R"({"version": )" + std::to_string(version) + R"(, "facts": {
        "working_day_overdue": {"display_name": "逾期", "points_each": 1, "max_points": 10},
        "failed_reinspection": {"display_name": "复查未通过", "points_each": )" +
                           std::to_string(failed_points) + R"(},
        "perfunctory_claim": {"display_name": "敷衍整改", "points_each": 3},
        "listed_failed": {"display_name": "挂牌督办整改不到位", "points_each": 5}},
      "levels": [
        {"name": "reminder_talk", "display_name": "提醒谈话", "min_points": 5, "max_points": 9},
        {"name": "criticism_notice", "display_name": "通报批评", "min_points": 10, "max_points": 14},
        {"name": "interview", "display_name": "约谈", "min_points": 15}]})";
  auto r = review::Rules::Parse(json);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().field + ": " + r.error().message);
  return std::move(r).value();
}

// A case recorded under `rules`: its facts and the recommendation made then.
review::RecordedCase Recorded(std::int64_t problem_id, review::CaseFacts facts,
                              const review::Rules& rules) {
  review::RecordedCase c;
  c.problem_id = problem_id;
  c.facts = std::move(facts);
  auto made = review::Recommend(c.facts, true, rules);
  EXPECT_TRUE(made.ok());
  c.made = std::move(made).value();
  return c;
}

review::CaseFacts Facts(int failed, bool listed, std::set<std::string> verified, int overdue = 0) {
  review::CaseFacts f;
  f.failed_reinspections = failed;
  f.listed = listed;
  f.verified_facts = std::move(verified);
  f.working_days_overdue = overdue;
  return f;
}

TEST(CtlReviewWhatIf, TheTableTheCasesWereMadeUnderChangesNothing) {
  const review::Rules v1 = Table(1, 5);
  const std::vector<review::RecordedCase> cases = {
      Recorded(1, Facts(1, true, {"perfunctory_claim"}), v1),
      Recorded(2, Facts(1, false, {}, 3), v1)};
  const WhatIf w = RecomputeUnder(cases, v1);
  EXPECT_EQ(w.cases, 2u);
  EXPECT_TRUE(w.changed.empty());
  // Another version with the same figures changes nothing either.
  EXPECT_TRUE(RecomputeUnder(cases, Table(2, 5)).changed.empty());
}

TEST(CtlReviewWhatIf, AStricterTableListsTheCasesWhoseLevelOrPointsChange) {
  const review::Rules v1 = Table(1, 5);
  const std::vector<review::RecordedCase> cases = {
      // 5 + 5 + 3 = 13: 通报批评; at 10 per failure 18: 约谈.
      Recorded(7, Facts(1, true, {"perfunctory_claim"}), v1),
      // 5 + 3 = 8: 提醒谈话; at 10 per failure 13: 通报批评.
      Recorded(8, Facts(1, false, {"perfunctory_claim"}), v1),
      // Only verified facts: the failure's points do not matter.
      Recorded(9, Facts(0, false, {"perfunctory_claim"}, 2), v1)};
  ASSERT_EQ(cases[0].made.level, "criticism_notice");
  ASSERT_EQ(cases[0].made.points, 13);
  const WhatIf w = RecomputeUnder(cases, Table(2, 10));
  EXPECT_EQ(w.cases, 3u);
  ASSERT_EQ(w.changed.size(), 2u);
  EXPECT_EQ(w.changed[0].problem_id, 7);
  EXPECT_EQ(w.changed[0].made.points, 13);
  ASSERT_TRUE(w.changed[0].recomputed);
  EXPECT_EQ(w.changed[0].recomputed->level, "interview");
  EXPECT_EQ(w.changed[0].recomputed->points, 18);
  EXPECT_EQ(w.changed[0].recomputed->rule_version, 2);
  EXPECT_EQ(w.changed[1].problem_id, 8);
  EXPECT_EQ(w.changed[1].recomputed->level, "criticism_notice");
  EXPECT_EQ(LevelCell(*w.changed[0].recomputed), "约谈 interview");
}

TEST(CtlReviewWhatIf, PointsThatChangeWithinTheSameLevelAreAChangeToo) {
  const review::Rules v1 = Table(1, 5);
  const std::vector<review::RecordedCase> cases = {
      Recorded(3, Facts(1, true, {"perfunctory_claim"}), v1)};  // 13
  const WhatIf w = RecomputeUnder(cases, Table(2, 6));          // 14, still 通报批评
  ASSERT_EQ(w.changed.size(), 1u);
  EXPECT_EQ(w.changed[0].made.level, w.changed[0].recomputed->level);
  EXPECT_EQ(w.changed[0].recomputed->points, 14);
}

TEST(CtlReviewWhatIf, ACaseDroppingBelowTheLowestLevelIsShownAsSuch) {
  const std::vector<review::RecordedCase> cases = {
      Recorded(4, Facts(1, false, {}), Table(1, 5))};  // 5: 提醒谈话
  const WhatIf w = RecomputeUnder(cases, Table(2, 4));
  ASSERT_EQ(w.changed.size(), 1u);
  EXPECT_TRUE(w.changed[0].recomputed->level.empty());
  EXPECT_EQ(LevelCell(*w.changed[0].recomputed), "below the lowest level");
}

TEST(CtlReviewWhatIf, ACaseTheRecommendationRefusesIsListedWithTheReason) {
  review::RecordedCase c;
  c.problem_id = 5;
  c.made.level = "reminder_talk";
  c.made.points = 5;  // recorded, but its facts no longer hold a verified failure
  const WhatIf w = RecomputeUnder({c}, Table(1, 5));
  ASSERT_EQ(w.changed.size(), 1u);
  EXPECT_FALSE(w.changed[0].recomputed);
  EXPECT_EQ(w.changed[0].error.rfind("no_verified_failure: ", 0), 0u) << w.changed[0].error;
}

review::CreditRules Credit() {
  auto r = review::CreditRules::Parse(R"({"version": 1, "window_days": 365,
      "violation_points": {"general": 2, "serious": 4, "major": 6},
      "failed_reinspection_points": 3, "immediate_black_facts": ["false_claim"],
      "colours": [
        {"name": "green", "display_name": "绿色", "min_points": 0, "max_points": 0},
        {"name": "yellow", "display_name": "黄色", "min_points": 1, "max_points": 6},
        {"name": "red", "display_name": "红色", "min_points": 7, "max_points": 11},
        {"name": "black", "display_name": "黑色", "min_points": 12}]})");
  EXPECT_TRUE(r.ok());
  return std::move(r).value();
}

TEST(CtlReviewCredit, PointsCountInsideTheWindowUnclearedAndTheGreenOnesOnlyWithAll) {
  const review::CreditRules credit = Credit();
  const timeutil::Millis now = 1000 * kDay;
  const std::vector<EnterpriseCredit> enterprises = {
      // 4 + 3 counting, 6 cleared, 12 out of the window: 7, red.
      {"E-RED",
       "红企业",
       false,
       {{now - 10 * kDay, 4}, {now - kDay, 3}, {now - 2 * kDay, 6, true}, {now - 400 * kDay, 12}}},
      // Everything cleared: green, but on the blacklist, so shown.
      {"E-LISTED", "名单企业", true, {{now - kDay, 12, true}}},
      {"E-GREEN", "绿企业", false, {}},
      {"E-BLACK", "黑企业", false, {{now - kDay, 12}}},
      // A fact scored after `now` does not count yet.
      {"E-LATER", "以后企业", false, {{now + kDay, 4}}}};
  const std::vector<Standing> shown = Standings(credit, enterprises, now, false);
  ASSERT_EQ(shown.size(), 3u);
  EXPECT_EQ(shown[0].enterprise, "E-BLACK");
  EXPECT_EQ(shown[0].colour, "black");
  EXPECT_EQ(shown[1].enterprise, "E-RED");
  EXPECT_EQ(shown[1].points, 7);
  EXPECT_EQ(shown[1].colour, "red");
  EXPECT_EQ(shown[1].colour_display, "红色");
  EXPECT_EQ(shown[2].enterprise, "E-LISTED");
  EXPECT_EQ(shown[2].points, 0);
  EXPECT_TRUE(shown[2].blacklisted);

  const std::vector<Standing> every = Standings(credit, enterprises, now, true);
  ASSERT_EQ(every.size(), 5u);
  // The ones with 0 points by key.
  EXPECT_EQ(every[2].enterprise, "E-GREEN");
  EXPECT_EQ(every[3].enterprise, "E-LATER");
  EXPECT_EQ(every[3].colour, "green");
  EXPECT_EQ(every[4].enterprise, "E-LISTED");
}

TEST(CtlReviewCredit, AColoursDisplayNameComesFromTheRule) {
  const review::CreditRules credit = Credit();
  EXPECT_EQ(ColourDisplayName(credit, "yellow"), "黄色");
  EXPECT_EQ(ColourDisplayName(credit, "black"), "黑色");
  EXPECT_EQ(ColourDisplayName(credit, "purple"), "purple");
}

std::vector<review::AuditLine> Chain(std::int64_t problem_id, int n) {
  std::vector<review::AuditLine> lines;
  std::string prev = review::kGenesisHash;
  for (int i = 0; i < n; ++i) {
    review::AuditLine l;
    l.id = 100 + i;
    l.problem_id = problem_id;
    l.at = 1511316000000 + i * 1000;
    l.what = "line" + std::to_string(i);
    l.by = "review";
    l.detail = "detail " + std::to_string(i);
    l.prev_hash = prev;
    l.hash = review::LineHash(prev, problem_id, l.at, l.what, l.by, l.detail);
    prev = l.hash;
    lines.push_back(l);
  }
  return lines;
}

TEST(CtlReviewAudit, AnIntactChainSaysHowManyLines) {
  EXPECT_EQ(VerifyProblemChain(12, Chain(12, 3)).text, "chain of problem 12: 3 lines, intact");
  EXPECT_EQ(VerifyProblemChain(12, Chain(12, 1)).text, "chain of problem 12: 1 line, intact");
  EXPECT_FALSE(VerifyProblemChain(12, Chain(12, 3)).broken);
}

TEST(CtlReviewAudit, AnEditedLineIsNamedAsTheFirstBrokenLink) {
  std::vector<review::AuditLine> lines = Chain(12, 4);
  lines[1].detail += " (edited)";
  const ChainVerdict v = VerifyProblemChain(12, lines);
  ASSERT_TRUE(v.broken);
  EXPECT_EQ(v.broken->id, 101);
  EXPECT_EQ(v.text,
            "chain of problem 12: 4 lines, broken at line 101: line 101 was changed after it was "
            "written");
}

TEST(CtlReviewAudit, ARemovedLineBreaksTheLinkOfTheLineAfterIt) {
  std::vector<review::AuditLine> lines = Chain(12, 4);
  lines.erase(lines.begin() + 2);
  const ChainVerdict v = VerifyProblemChain(12, lines);
  ASSERT_TRUE(v.broken);
  EXPECT_EQ(v.broken->id, 103);
  EXPECT_NE(v.text.find("broken at line 103: line 103 does not follow"), std::string::npos)
      << v.text;
}

}  // namespace
}  // namespace ducha::ctl
