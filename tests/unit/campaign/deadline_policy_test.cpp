#include "common/campaign/deadline_policy.h"

#include <gtest/gtest.h>

#include "common/campaign/names.h"
#include "tests/unit/campaign/campaign_test_util.h"

namespace ducha::campaign {
namespace {

using testing::Shipped;

const DeadlinePolicy& Policy() { return Shipped().policy(); }

int Days(std::string_view channel, std::string_view category, std::string_view severity,
         bool listed = false) {
  const auto r = Policy().RectificationWorkingDays(channel, category, severity, listed);
  EXPECT_TRUE(r.ok()) << channel << "/" << category << "/" << severity;
  return r.ok() ? *r : -1;
}

static_assert(IsChannelName("citizen_hotline"));
static_assert(!IsChannelName("citizen_wechat"));
static_assert(IsCategoryName("scattered_polluting_enterprises"));
static_assert(IsSeverityName("major") && !IsSeverityName("critical"));

TEST(DeadlinePolicy, GivesCityBureausTenWorkingDaysToVerifyCitizenReports) {
  EXPECT_EQ(Policy().VerificationWorkingDays(), 10);
}

TEST(DeadlinePolicy, GivesMajorProblemsFiveWorkingDaysWhateverTheChannel) {
  EXPECT_EQ(Days("supervision_group", "dust", "major"), 5);
  EXPECT_EQ(Days("central_media", "inferior_coal", "major"), 5);
}

TEST(DeadlinePolicy, GivesSeriousProblemsTenWorkingDays) {
  EXPECT_EQ(Days("citizen_web", "small_coal_boilers", "serious"), 10);
}

TEST(DeadlinePolicy, GivesCentralMediaAndMinistryProblemsTenWorkingDaysEvenWhenGeneral) {
  EXPECT_EQ(Days("central_media", "dust", "general"), 10);
  EXPECT_EQ(Days("ministry_supervision", "transport", "general"), 10);
}

TEST(DeadlinePolicy, GivesOtherGeneralProblemsFifteenWorkingDays) {
  EXPECT_EQ(Days("citizen_hotline", "other", "general"), 15);
  EXPECT_EQ(Days("covert_group", "open_pit_mines", "general"), 15);
}

TEST(DeadlinePolicy, CapsListedProblemsAtSevenWorkingDays) {
  EXPECT_EQ(Days("citizen_hotline", "other", "general", true), 7);
  EXPECT_EQ(Days("central_media", "dust", "major", true), 5);
}

TEST(DeadlinePolicy, RejectsNamesOutsideTheContractInLookups) {
  const auto r = Policy().RectificationWorkingDays("citizen_wechat", "dust", "general", false);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "unknown_name");
  EXPECT_EQ(r.error().field, "channel");
  EXPECT_FALSE(Policy().RectificationWorkingDays("citizen_web", "noise", "general", false).ok());
  EXPECT_FALSE(Policy().IsListedByRule("citizen_wechat", 1).ok());
}

TEST(DeadlinePolicy, ListsCentralMediaAndMinistryProblemsFromTheFirstReport) {
  EXPECT_TRUE(*Policy().IsListedByRule("central_media", 1));
  EXPECT_TRUE(*Policy().IsListedByRule("ministry_supervision", 1));
  EXPECT_FALSE(*Policy().IsListedByRule("citizen_web", 1));
}

TEST(DeadlinePolicy, ListsAProblemAtItsThirdReport) {
  EXPECT_FALSE(*Policy().IsListedByRule("citizen_hotline", 2));
  EXPECT_TRUE(*Policy().IsListedByRule("citizen_hotline", 3));
}

TEST(DeadlinePolicy, ClimbsTheEscalationLadderWithWorkingDaysOverdue) {
  const auto rung = [](int overdue) {
    const auto r = Policy().RungFor(overdue);
    return r ? r->name : std::string("none");
  };
  EXPECT_EQ(rung(-1), "none");
  EXPECT_EQ(rung(0), "reminder");
  EXPECT_EQ(rung(2), "reminder");
  EXPECT_EQ(rung(3), "supervision_notice");
  EXPECT_EQ(rung(5), "bulletin_listing");
  EXPECT_EQ(rung(9), "bulletin_listing");
  EXPECT_EQ(rung(10), "accountability_candidate");
  EXPECT_EQ(Policy().RungFor(3)->display_name, "督办");
}

TEST(DeadlinePolicy, CarriesTheNumbersIntakeAndTrackingShare) {
  EXPECT_EQ(Policy().DuplicateRadiusMetres(), 500.0);
  EXPECT_EQ(Policy().EarlyWarningFractions(), (std::vector<double>{0.75, 0.9}));
  EXPECT_EQ(Policy().Extensions().max_per_problem, 2);
  EXPECT_EQ(Policy().Extensions().max_working_days_each, 10);
}

DeadlinePolicySpec MinimalSpec() {
  DeadlinePolicySpec spec;
  spec.verification_working_days = 10;
  spec.listing = {{}, 3, 7};
  spec.duplicate_radius_m = 500;
  spec.escalation = {{"reminder", "催办", 0}};
  spec.extensions = {2, 10};
  return spec;
}

TEST(DeadlinePolicy, AppliesTheFirstMatchingRule) {
  DeadlinePolicySpec spec = MinimalSpec();
  spec.rectification = {{"citizen_web", "*", "*", 3}, {"*", "*", "*", 8}};
  const auto specific_first = DeadlinePolicy::Create(spec);
  ASSERT_TRUE(specific_first.ok());
  EXPECT_EQ(*specific_first->RectificationWorkingDays("citizen_web", "dust", "general", false), 3);
  EXPECT_EQ(*specific_first->RectificationWorkingDays("citizen_hotline", "dust", "general", false),
            8);

  spec.rectification = {{"*", "*", "*", 8}, {"citizen_web", "*", "*", 3}};
  const auto wildcard_first = DeadlinePolicy::Create(spec);
  ASSERT_TRUE(wildcard_first.ok());
  EXPECT_EQ(*wildcard_first->RectificationWorkingDays("citizen_web", "dust", "general", false), 8);
}

TEST(DeadlinePolicy, ReportsTheFirstUncoveredCombination) {
  DeadlinePolicySpec spec = MinimalSpec();
  spec.rectification = {
      {"*", "*", "general", 15}, {"*", "*", "serious", 10}, {"supervision_group", "*", "major", 5}};
  const auto policy = DeadlinePolicy::Create(spec);
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.error().code, "uncovered");
  EXPECT_EQ(policy.error().message,
            "no rule matches channel 'covert_group', category 'rural_clean_heating', severity "
            "'major'");
}

}  // namespace
}  // namespace ducha::campaign
