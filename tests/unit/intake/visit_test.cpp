// Intake's rules for inspection visits (走访) on the shipped Hebei 2017–2018 campaign: which
// group may report a visit to which county, in which round, on which day, with which tasks, and
// how it worked (听查看访, 明查暗访).

#include "services/intake/core/visit.h"

#include <gtest/gtest.h>

#include "common/campaign/loader.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"
#include "tests/support/hebei_campaign.h"

namespace ducha::intake {
namespace {

namespace pc = proto::common;
namespace pi = proto::intake;

const campaign::Campaign& Hebei() { return ::ducha::testing::HebeiCampaign(); }

auth::Identity Tablets(std::vector<std::string> channels = {"supervision_group", "covert_group"}) {
  return auth::Identity{"group-tablets", auth::Role::kIntegration, std::move(channels), {}};
}

// SG1 is stationed in 邯郸市 (130400) and 邢台市 (130500) in round 3 (2017-11-20 to 2017-12-04);
// 魏县 (130434) is a county of 邯郸市.
pi::ReportVisit ValidVisit() {
  pi::ReportVisit v;
  v.submission_id = "SG1-R3-V0007";
  v.group_id = "SG1";
  v.round = 3;
  v.county = "130434";
  v.visit_date = "2017-11-22";
  v.tasks = {pc::Category::kSmallCoalBoilers, pc::Category::kDust};
  v.problems_found = 2;
  v.methods = {pi::VisitMethod::kHear, pi::VisitMethod::kLook};
  v.mode = pi::VisitMode::kOpen;
  return v;
}

Error Refusal(const pi::ReportVisit& v, const auth::Identity& who = Tablets()) {
  const Status st = CheckVisit(v, who, Hebei());
  EXPECT_FALSE(st.ok()) << "accepted";
  return st.ok() ? Error{} : st.error();
}

TEST(CheckVisit, AcceptsASupervisionGroupVisitToACountyOfOneOfItsCitiesInTheRound) {
  const Status st = CheckVisit(ValidVisit(), Tablets(), Hebei());
  EXPECT_TRUE(st.ok()) << st.error().message;
}

TEST(CheckVisit, AcceptsACovertGroupVisitToACountyOfTheNewAreaItIsStationedIn) {
  // CG1 covers 保定市, 定州市 and 雄安新区 in round 3; 雄县 belongs to 雄安新区, not 保定市.
  pi::ReportVisit v = ValidVisit();
  v.group_id = "CG1";
  v.county = "130638";
  v.visit_date = "2017-11-28";
  v.mode = pi::VisitMode::kCovert;
  const Status st = CheckVisit(v, Tablets({"covert_group"}), Hebei());
  EXPECT_TRUE(st.ok()) << st.error().message;
}

TEST(CheckVisit, AcceptsTheFirstAndLastDayOfTheRound) {
  pi::ReportVisit v = ValidVisit();
  v.visit_date = "2017-11-20";
  EXPECT_TRUE(CheckVisit(v, Tablets(), Hebei()).ok());
  v.visit_date = "2017-12-04";
  EXPECT_TRUE(CheckVisit(v, Tablets(), Hebei()).ok());
}

TEST(CheckVisit, RefusesAGroupTheCampaignDoesNotHave) {
  pi::ReportVisit v = ValidVisit();
  v.group_id = "SG9";
  const Error e = Refusal(v);
  EXPECT_EQ(e.code, "unknown_group");
  EXPECT_EQ(e.field, "group_id");
  EXPECT_NE(e.message.find("SG9"), std::string::npos) << e.message;
}

TEST(CheckVisit, RefusesARoundTheCampaignDoesNotHave) {
  pi::ReportVisit v = ValidVisit();
  v.round = 6;
  const Error e = Refusal(v);
  EXPECT_EQ(e.code, "unknown_round");
  EXPECT_EQ(e.field, "round");
}

TEST(CheckVisit, RefusesASupervisionGroupVisitFromAnIntegrationWithoutThatChannel) {
  const Error e = Refusal(ValidVisit(), Tablets({"covert_group", "citizen_hotline"}));
  EXPECT_EQ(e.code, "channel_not_allowed");
  EXPECT_EQ(e.field, "group_id");
  EXPECT_NE(e.message.find("supervision_group"), std::string::npos) << e.message;
}

TEST(CheckVisit, RefusesACovertGroupVisitFromAnIntegrationWithOnlyTheSupervisionChannel) {
  pi::ReportVisit v = ValidVisit();
  v.group_id = "CG1";
  v.county = "130638";
  const Error e = Refusal(v, Tablets({"supervision_group"}));
  EXPECT_EQ(e.code, "channel_not_allowed");
  EXPECT_EQ(e.field, "group_id");
  EXPECT_NE(e.message.find("covert_group"), std::string::npos) << e.message;
}

TEST(CheckVisit, RefusesAnIdentityThatIsNotAnIntegration) {
  auth::Identity body{"handan-gov", auth::Role::kBody, {"supervision_group"}, {"130400"}};
  const Error e = Refusal(ValidVisit(), body);
  EXPECT_EQ(e.code, "forbidden");
}

TEST(CheckVisit, RefusesACodeThatIsNotACountyOfTheCampaign) {
  pi::ReportVisit v = ValidVisit();
  v.county = "110101";  // Beijing
  Error e = Refusal(v);
  EXPECT_EQ(e.code, "unknown_jurisdiction");
  EXPECT_EQ(e.field, "county");
  v.county = "130400";  // 邯郸市 itself: a city, not a county-level unit
  e = Refusal(v);
  EXPECT_EQ(e.code, "unknown_jurisdiction");
  EXPECT_EQ(e.field, "county");
}

TEST(CheckVisit, RefusesACountyOutsideTheGroupsCitiesForTheRoundAndNamesThem) {
  pi::ReportVisit v = ValidVisit();
  v.county = "130104";  // 桥西区, 石家庄市: SG1's city in round 1, not in round 3
  const Error e = Refusal(v);
  EXPECT_EQ(e.code, "outside_group_scope");
  EXPECT_EQ(e.field, "county");
  for (const char* part :
       {"130104", "桥西区", "SG1", "round 3", "130400", "邯郸市", "130500", "邢台市"}) {
    EXPECT_NE(e.message.find(part), std::string::npos) << part << " missing in: " << e.message;
  }
  v.round = 1;
  v.visit_date = "2017-09-20";
  EXPECT_TRUE(CheckVisit(v, Tablets(), Hebei()).ok());
}

TEST(CheckVisit, RefusesADayOutsideTheRound) {
  pi::ReportVisit v = ValidVisit();
  v.visit_date = "2017-11-19";
  Error e = Refusal(v);
  EXPECT_EQ(e.code, "outside_round");
  EXPECT_EQ(e.field, "visit_date");
  EXPECT_NE(e.message.find("2017-11-20 to 2017-12-04"), std::string::npos) << e.message;
  v.visit_date = "2017-12-05";
  e = Refusal(v);
  EXPECT_EQ(e.code, "outside_round");
  EXPECT_EQ(e.field, "visit_date");
}

TEST(CheckVisit, RefusesADayThatDoesNotExist) {
  pi::ReportVisit v = ValidVisit();
  v.visit_date = "2017-11-31";
  const Error e = Refusal(v);
  EXPECT_EQ(e.code, "invalid_format");
  EXPECT_EQ(e.field, "visit_date");
}

TEST(CheckVisit, RefusesAVisitWithoutTasks) {
  pi::ReportVisit v = ValidVisit();
  v.tasks.clear();
  const Error e = Refusal(v);
  EXPECT_EQ(e.code, "missing_field");
  EXPECT_EQ(e.field, "tasks");
}

TEST(CheckVisit, RefusesATaskListedTwice) {
  pi::ReportVisit v = ValidVisit();
  v.tasks = {pc::Category::kDust, pc::Category::kInferiorCoal, pc::Category::kDust};
  const Error e = Refusal(v);
  EXPECT_EQ(e.code, "duplicate_value");
  EXPECT_EQ(e.field, "tasks");
  EXPECT_NE(e.message.find("dust"), std::string::npos) << e.message;
}

TEST(CheckVisit, RefusesAVisitWithoutMethods) {
  pi::ReportVisit v = ValidVisit();
  v.methods.clear();
  const Error e = Refusal(v);
  EXPECT_EQ(e.code, "missing_field");
  EXPECT_EQ(e.field, "methods");
  EXPECT_NE(e.message.find("听、查、看、访"), std::string::npos) << e.message;
}

TEST(CheckVisit, RefusesAMethodListedTwice) {
  pi::ReportVisit v = ValidVisit();
  v.methods = {pi::VisitMethod::kLook, pi::VisitMethod::kCheck, pi::VisitMethod::kLook};
  const Error e = Refusal(v);
  EXPECT_EQ(e.code, "duplicate_value");
  EXPECT_EQ(e.field, "methods");
  EXPECT_NE(e.message.find("look"), std::string::npos) << e.message;
}

TEST(CheckVisit, RefusesAVisitWithoutMode) {
  pi::ReportVisit v = ValidVisit();
  v.mode.reset();
  const Error e = Refusal(v);
  EXPECT_EQ(e.code, "missing_field");
  EXPECT_EQ(e.field, "mode");
}

TEST(CheckVisit, RefusesAnOpenVisitOfACovertGroup) {
  pi::ReportVisit v = ValidVisit();
  v.group_id = "CG1";
  v.county = "130638";
  v.mode = pi::VisitMode::kOpen;
  const Error e = Refusal(v, Tablets({"covert_group"}));
  EXPECT_EQ(e.code, "covert_group_open_mode");
  EXPECT_EQ(e.field, "mode");
  EXPECT_NE(e.message.find("CG1"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("暗查组"), std::string::npos) << e.message;
}

TEST(CheckVisit, AcceptsACovertVisitOfASupervisionGroup) {
  pi::ReportVisit v = ValidVisit();
  v.mode = pi::VisitMode::kCovert;
  EXPECT_TRUE(CheckVisit(v, Tablets(), Hebei()).ok());
}

TEST(CheckVisit, AnUnknownMethodOrModeIsTheSchemasRefusal) {
  // What intake decodes first: the contract refuses names outside the enums, at the item.
  const std::string frame = pi::Encode(ValidVisit(), "x");
  auto bytes = frame;
  const auto at = bytes.find("hear");
  ASSERT_NE(at, std::string::npos);
  bytes.replace(at, 4, "talk");
  auto parsed = proto::ParseMessage(bytes);
  ASSERT_TRUE(parsed.ok());
  const auto back = codec::DecodeAs<pi::ReportVisit>(*parsed);
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().code, "invalid_enum");
  EXPECT_EQ(back.error().field, "methods[0]");
}

TEST(MakeVisitEvent, CarriesTheVisitWithTheCountysCampaignCity) {
  pi::ReportVisit v = ValidVisit();
  v.group_id = "CG1";
  v.county = "130638";  // 雄县: administratively 保定市, in the campaign 雄安新区
  v.note = "走访2个村";
  v.mode = pi::VisitMode::kCovert;
  const Visit visit = MakeVisit(v, Hebei(), "group-tablets", "hash", 1'511'341'924'000);
  EXPECT_EQ(visit.county, 130638);
  EXPECT_EQ(visit.city, 133100);
  const pi::VisitReported e = MakeVisitEvent(visit, 57);
  EXPECT_EQ(e.visit_id, 57);
  EXPECT_EQ(e.integration, "group-tablets");
  EXPECT_EQ(e.submission_id, v.submission_id);
  EXPECT_EQ(e.group_id, "CG1");
  EXPECT_EQ(e.round, 3);
  EXPECT_EQ(e.county, "130638");
  EXPECT_EQ(e.city, "133100");
  EXPECT_EQ(e.visit_date, "2017-11-22");
  EXPECT_EQ(e.tasks, v.tasks);
  EXPECT_EQ(e.problems_found, 2);
  EXPECT_EQ(e.note, v.note);
  EXPECT_EQ(e.received_at, 1'511'341'924'000);
  EXPECT_EQ(e.methods, v.methods);
  EXPECT_EQ(e.mode, pi::VisitMode::kCovert);
  const Status valid = pi::Validate(e);
  EXPECT_TRUE(valid.ok()) << valid.error().message;
}

}  // namespace
}  // namespace ducha::intake
