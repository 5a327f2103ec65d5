// How a group worked on a finding (听查看访, 明查暗访) on intake's report submission, on the
// shipped Hebei 2017–2018 campaign: optional on the wire, allowed only on the group channels, no
// method twice, and a covert group (暗查组) reports covert findings only.

#include <gtest/gtest.h>

#include "common/campaign/loader.h"
#include "services/intake/core/submission.h"
#include "tests/support/hebei_campaign.h"

namespace ducha::intake {
namespace {

namespace pc = proto::common;
namespace pi = proto::intake;

const campaign::Campaign& Hebei() { return ::ducha::testing::HebeiCampaign(); }

constexpr timeutil::Millis kObserved = 1'511'872'200'000;  // 2017-11-28T12:30:00Z
constexpr timeutil::Millis kReported = 1'511'874'600'000;  // 2017-11-28T13:10:00Z
constexpr timeutil::Millis kNow = 1'511'877'600'000;       // 2017-11-28T14:00:00Z

auth::Identity Integration(std::vector<std::string> channels) {
  return auth::Identity{"it", auth::Role::kIntegration, std::move(channels), {}};
}

// CG1 covers 保定市, 定州市 and 雄安新区 in round 3; 雄县 (130638) belongs to 雄安新区.
pi::SubmitReport CovertFinding() {
  pi::SubmitReport r;
  r.submission_id = "CG1-R3-0007";
  r.channel = pc::Channel::kCovertGroup;
  r.jurisdiction = "130638";
  r.category = pc::Category::kInferiorCoal;
  r.title = "散煤销售点仍在经营";
  r.description = "夜间暗访发现村内散煤销售点仍在销售劣质煤。";
  r.observed_at = kObserved;
  r.reported_at = kReported;
  r.group_id = "CG1";
  r.round = 3;
  r.methods = {pi::VisitMethod::kLook, pi::VisitMethod::kVisit};
  r.mode = pi::VisitMode::kCovert;
  return r;
}

pi::SubmitReport HotlineReport() {
  pi::SubmitReport r;
  r.submission_id = "hl-1";
  r.channel = pc::Channel::kCitizenHotline;
  r.jurisdiction = "130104";
  r.category = pc::Category::kDust;
  r.title = "工地扬尘";
  r.description = "工地未覆盖。";
  r.observed_at = kObserved;
  r.reported_at = kReported;
  return r;
}

Status Check(const pi::SubmitReport& r, const auth::Identity& who) {
  return CheckSubmission(r, who, Hebei(), kNow, IntakeRules{});
}

TEST(GroupFinding, ACovertGroupsCovertFindingWithItsMethodsIsAccepted) {
  const Status st = Check(CovertFinding(), Integration({"covert_group"}));
  EXPECT_TRUE(st.ok()) << st.error().message;
}

TEST(GroupFinding, MethodsAndModeStayOptionalOnTheGroupChannels) {
  pi::SubmitReport r = CovertFinding();
  r.methods.clear();
  r.mode.reset();
  const Status st = Check(r, Integration({"covert_group"}));
  EXPECT_TRUE(st.ok()) << st.error().message;
}

TEST(GroupFinding, AnOpenFindingOfACovertGroupIsRefused) {
  pi::SubmitReport r = CovertFinding();
  r.mode = pi::VisitMode::kOpen;
  const Status st = Check(r, Integration({"covert_group"}));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "covert_group_open_mode");
  EXPECT_EQ(st.error().field, "mode");
  EXPECT_NE(st.error().message.find("CG1"), std::string::npos) << st.error().message;
}

TEST(GroupFinding, AMethodListedTwiceIsRefused) {
  pi::SubmitReport r = CovertFinding();
  r.methods = {pi::VisitMethod::kVisit, pi::VisitMethod::kVisit};
  const Status st = Check(r, Integration({"covert_group"}));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "duplicate_value");
  EXPECT_EQ(st.error().field, "methods");
}

TEST(GroupFinding, MethodsOnACitizenChannelAreRefusedNamingTheField) {
  pi::SubmitReport r = HotlineReport();
  r.methods = {pi::VisitMethod::kLook};
  const Status st = Check(r, Integration({"citizen_hotline"}));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "field_not_allowed");
  EXPECT_EQ(st.error().field, "methods");
  EXPECT_NE(st.error().message.find("citizen_hotline"), std::string::npos) << st.error().message;
}

TEST(GroupFinding, AModeOnACitizenChannelIsRefusedNamingTheField) {
  pi::SubmitReport r = HotlineReport();
  r.mode = pi::VisitMode::kCovert;
  const Status st = Check(r, Integration({"citizen_hotline"}));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, "field_not_allowed");
  EXPECT_EQ(st.error().field, "mode");
}

TEST(GroupFinding, TheAcceptedEventCarriesMethodsAndMode) {
  Submission s;
  s.integration = "it";
  s.report = CovertFinding();
  s.received_at = kNow;
  const pi::ReportAccepted e = MakeAcceptedEvent(s, 77, std::nullopt, std::nullopt);
  EXPECT_EQ(e.methods, s.report.methods);
  EXPECT_EQ(e.mode, pi::VisitMode::kCovert);
}

}  // namespace
}  // namespace ducha::intake
