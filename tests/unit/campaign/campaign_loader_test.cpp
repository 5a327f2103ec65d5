#include <gtest/gtest.h>

#include "common/campaign/loader.h"
#include "tests/unit/campaign/campaign_test_util.h"

namespace ducha::campaign {
namespace {

using testing::FailsWith;
using testing::Json;
using testing::ParseMutated;
using testing::ParseWithCsv;
using testing::ReplaceOnce;
using testing::ShippedCsv;
using testing::ShippedJson;

TEST(CampaignLoader, ParsesTheShippedFilesFromMemory) {
  const auto campaign = ParseCampaign(ShippedJson(), ShippedCsv());
  ASSERT_TRUE(campaign.ok()) << campaign.error().field << ": " << campaign.error().message;
  EXPECT_EQ(campaign->counties().size(), 168u);
}

TEST(CampaignLoader, ReportsAMissingCampaignDirectory) {
  EXPECT_TRUE(FailsWith(LoadCampaign("/nonexistent/campaign"), "io_error",
                        "/nonexistent/campaign/campaign.json"));
}

TEST(CampaignLoader, RejectsMalformedJsonWithItsPosition) {
  const std::string broken = ReplaceOnce(ShippedJson(), "\"version\": 1,", "\"version\": 1");
  const auto campaign = ParseCampaign(broken, ShippedCsv());
  ASSERT_TRUE(FailsWith(campaign, "malformed_json", "campaign.json"));
  // The parser stops after the key that follows the missing comma.
  EXPECT_NE(campaign.error().message.find("at line 7, column 24"), std::string::npos)
      << campaign.error().message;
}

TEST(CampaignLoader, RejectsAKeyListedTwice) {
  const std::string twice = ReplaceOnce(ShippedJson(), "\"SG2\": {", "\"SG1\": {");
  EXPECT_TRUE(FailsWith(ParseCampaign(twice, ShippedCsv()), "duplicate", "groups.SG1"));
}

TEST(CampaignLoader, RejectsAMissingSection) {
  EXPECT_TRUE(
      FailsWith(ParseMutated([](Json& j) { j.erase("calendar"); }), "missing_field", "calendar"));
  EXPECT_TRUE(FailsWith(
      ParseMutated([](Json& j) { j["deadline_policy"].erase("verification_working_days"); }),
      "missing_field", "deadline_policy.verification_working_days"));
}

TEST(CampaignLoader, RejectsAMisspeltKey) {
  EXPECT_TRUE(
      FailsWith(ParseMutated([](Json& j) { j["deadline_policy"]["extentions"] = Json::object(); }),
                "unknown_field", "deadline_policy.extentions"));
}

TEST(CampaignLoader, RejectsAnotherFormatVersion) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) { j["format_version"] = 2; }), "invalid_value",
                        "format_version"));
}

TEST(CampaignLoader, RejectsAValueOfTheWrongType) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) { j["campaign"]["version"] = "1"; }), "wrong_type",
                        "campaign.version"));
}

TEST(CampaignLoader, RejectsAMalformedDate) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) { j["rounds"][0]["from"] = "2017-9-14"; }),
                        "invalid_value", "rounds[0].from"));
}

TEST(CampaignLoader, RejectsAnUnknownJurisdictionInAnAssignment) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) {
                          j["groups"]["SG3"]["rounds"]["2"] = {130600, 130682, 139900};
                        }),
                        "unknown_code", "groups.SG3.rounds.2"));
}

TEST(CampaignLoader, RejectsAnUnknownHomeJurisdiction) {
  EXPECT_TRUE(
      FailsWith(ParseMutated([](Json& j) { j["groups"]["CG2"]["home_jurisdictions"] = {110100}; }),
                "unknown_code", "groups.CG2.home_jurisdictions"));
}

TEST(CampaignLoader, RejectsAnOverrideForAnUnknownCounty) {
  EXPECT_TRUE(FailsWith(
      ParseMutated([](Json& j) { j["counties"]["government_names"]["130199"] = "某区人民政府"; }),
      "unknown_code", "counties.government_names.130199"));
}

TEST(CampaignLoader, RejectsACountiesFileOutsideTheCampaignDirectory) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) { j["counties"]["file"] = "../secret.csv"; }),
                        "invalid_value", "counties.file"));
}

TEST(CampaignLoader, RejectsACountyRowWithAMalformedCode) {
  EXPECT_TRUE(FailsWith(ParseWithCsv(ReplaceOnce(ShippedCsv(), "130102,长安区", "13010X,长安区")),
                        "unknown_code", "counties.csv:6.county_code"));
}

TEST(CampaignLoader, RejectsACountyRowOutsideItsPrefecture) {
  EXPECT_TRUE(FailsWith(
      ParseWithCsv(ReplaceOnce(ShippedCsv(), "130102,长安区,130100", "130102,长安区,130200")),
      "unknown_code", "counties.csv:6.prefecture_code"));
}

TEST(CampaignLoader, RejectsACountyRowOfAnotherProvince) {
  EXPECT_TRUE(FailsWith(
      ParseWithCsv(ReplaceOnce(ShippedCsv(), "130102,长安区,130100", "110102,长安区,110100")),
      "unknown_code", "counties.csv:6.county_code"));
}

TEST(CampaignLoader, RejectsACountyRowWithCoordinatesOutsideTheProvince) {
  EXPECT_TRUE(
      FailsWith(ParseWithCsv(ReplaceOnce(ShippedCsv(), "长安区,130100,石家庄市,38.04,114.54",
                                         "长安区,130100,石家庄市,31.23,121.47")),
                "invalid_value", "counties.csv:6.lat"));
}

TEST(CampaignLoader, RejectsACountyRowWithANonNumericCoordinate) {
  EXPECT_TRUE(FailsWith(
      ParseWithCsv(ReplaceOnce(ShippedCsv(), "石家庄市,38.04,114.54", "石家庄市,38.04,114.5E")),
      "invalid_value", "counties.csv:6.lon"));
}

TEST(CampaignLoader, RejectsACountyRowOfAnUnknownJurisdiction) {
  EXPECT_TRUE(FailsWith(ParseWithCsv(ReplaceOnce(ShippedCsv(), "130102,长安区,130100,石家庄市",
                                                 "130102,长安区,130100,石家庄")),
                        "unknown_name", "counties.csv:6.campaign_jurisdiction"));
}

TEST(CampaignLoader, RejectsACountyListedTwice) {
  EXPECT_TRUE(FailsWith(ParseWithCsv(ReplaceOnce(ShippedCsv(), "130104,桥西区", "130102,桥西区")),
                        "duplicate", "counties.csv:7.county_code"));
}

TEST(CampaignLoader, RejectsACountyRowWithMissingFields) {
  EXPECT_TRUE(
      FailsWith(ParseWithCsv(ReplaceOnce(ShippedCsv(), "石家庄市,38.04,114.54", "石家庄市,38.04")),
                "malformed_csv", "counties.csv:6"));
}

TEST(CampaignLoader, RejectsAJurisdictionWithoutCounties) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) {
                          j["jurisdictions"].push_back({{"code", 139900},
                                                        {"name", "某新区"},
                                                        {"bureau", "某新区环境保护局"},
                                                        {"government", "某新区管理委员会"}});
                        }),
                        "uncovered", "jurisdictions[14]"));
}

TEST(CampaignLoader, RejectsARoundEndingBeforeItStarts) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) { j["rounds"][2]["to"] = "2017-11-19"; }),
                        "invalid_value", "rounds[2].to"));
}

TEST(CampaignLoader, RejectsOverlappingRounds) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) { j["rounds"][1]["from"] = "2017-09-28"; }),
                        "overlap", "rounds[1].from"));
}

TEST(CampaignLoader, RejectsRoundsOutOfOrder) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) { std::swap(j["rounds"][0], j["rounds"][1]); }),
                        "out_of_order", "rounds[0].number"));
}

TEST(CampaignLoader, RejectsARoundOutsideTheCalendar) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) {
                          j["rounds"][4]["from"] = "2019-02-23";
                          j["rounds"][4]["to"] = "2019-03-08";
                        }),
                        "outside_calendar", "rounds[4]"));
}

TEST(CampaignLoader, RejectsAJurisdictionAssignedToTwoSupervisionGroupsInARound) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) {
                          j["groups"]["SG2"]["rounds"]["1"] = {130200, 130300, 130100};
                        }),
                        "duplicate", "groups.SG2.rounds.1"));
}

TEST(CampaignLoader, RejectsAJurisdictionLeftWithoutASupervisionGroup) {
  const auto campaign = ParseMutated([](Json& j) {
    j["groups"]["SG4"]["rounds"]["1"] = {130600, 130682};
  });
  ASSERT_TRUE(FailsWith(campaign, "uncovered", "rounds[0]"));
  EXPECT_NE(campaign.error().message.find("雄安新区"), std::string::npos);
}

TEST(CampaignLoader, RejectsCovertGroupAssignedToItsHomeCity) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) {
                          j["groups"]["CG1"]["rounds"]["2"] = {130100, 130181};
                        }),
                        "own_jurisdiction", "groups.CG1.rounds.2"));
}

TEST(CampaignLoader, RejectsAGroupWithTooFewJurisdictions) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) { j["groups"]["SG1"]["rounds"]["1"] = {130100}; }),
                        "invalid_value", "groups.SG1.rounds.1"));
}

TEST(CampaignLoader, RejectsAGroupWithTooManyJurisdictions) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) {
                          j["groups"]["SG1"]["rounds"]["1"] = {130100, 130181, 130200, 130300};
                        }),
                        "invalid_value", "groups.SG1.rounds.1"));
}

TEST(CampaignLoader, RejectsAGroupWithoutAnAssignmentForARound) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) { j["groups"]["SG3"]["rounds"].erase("4"); }),
                        "missing_field", "groups.SG3.rounds.4"));
}

TEST(CampaignLoader, RejectsAnAssignmentToAnUnknownRound) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) {
                          j["groups"]["SG1"]["rounds"]["6"] = {130100, 130181};
                        }),
                        "unknown_name", "groups.SG1.rounds.6"));
}

TEST(CampaignLoader, RejectsAChannelNameOutsideTheContract) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) {
                          j["channels"]["citizen_wechat"] = {
                              {"display_name", "微信举报"}, {"citizen", true}, {"group", false}};
                        }),
                        "unknown_name", "channels.citizen_wechat"));
}

TEST(CampaignLoader, RejectsACategoryOfTheContractLeftOut) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) { j["categories"].erase("dust"); }),
                        "missing_field", "categories.dust"));
}

TEST(CampaignLoader, RejectsAnUnknownSeverityInARule) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) {
                          j["deadline_policy"]["rectification"][0]["severity"] = "critical";
                        }),
                        "unknown_name", "deadline_policy.rectification[0].severity"));
}

TEST(CampaignLoader, RejectsAnUnknownAlwaysListedChannel) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) {
                          j["deadline_policy"]["listing"]["always_listed_channels"][1] = "cctv";
                        }),
                        "unknown_name", "deadline_policy.listing.always_listed_channels[1]"));
}

TEST(CampaignLoader, RejectsAPolicyLeavingACombinationUncovered) {
  const auto campaign = ParseMutated([](Json& j) {
    auto& rules = j["deadline_policy"]["rectification"];
    rules.erase(rules.size() - 1);  // The catch-all for general problems.
  });
  ASSERT_TRUE(FailsWith(campaign, "uncovered", "deadline_policy.rectification"));
  EXPECT_EQ(campaign.error().message,
            "no rule matches channel 'supervision_group', category 'rural_clean_heating', "
            "severity 'general'");
}

TEST(CampaignLoader, RejectsADayListedAsHolidayAndMakeUpDay) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) {
                          j["calendar"]["make_up_working_days"].push_back(
                              {{"name", "国庆节、中秋节"}, {"date", "2017-10-07"}});
                        }),
                        "duplicate", "calendar.make_up_working_days[11]"));
}

TEST(CampaignLoader, RejectsAMakeUpDayOnAWeekday) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) {
                          j["calendar"]["make_up_working_days"][0]["date"] = "2017-01-23";
                        }),
                        "invalid_value", "calendar.make_up_working_days[0]"));
}

TEST(CampaignLoader, RejectsAHolidayOutsideTheCalendarRange) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) {
                          j["calendar"]["holidays"].push_back(
                              {{"name", "元旦"}, {"from", "2019-01-01"}, {"to", "2019-01-01"}});
                        }),
                        "outside_calendar", "calendar.holidays[13]"));
}

TEST(CampaignLoader, RejectsEscalationRungsOutOfOrder) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) {
                          j["deadline_policy"]["escalation"][2]["after_working_days_overdue"] = 2;
                        }),
                        "out_of_order",
                        "deadline_policy.escalation[2].after_working_days_overdue"));
}

TEST(CampaignLoader, RejectsEarlyWarningFractionsOutsideZeroAndOne) {
  EXPECT_TRUE(FailsWith(ParseMutated([](Json& j) {
                          j["deadline_policy"]["early_warning_fractions"] = {0.75, 1.0};
                        }),
                        "invalid_value", "deadline_policy.early_warning_fractions[1]"));
  EXPECT_TRUE(FailsWith(
      ParseMutated([](Json& j) { j["deadline_policy"]["early_warning_fractions"] = {0.0}; }),
      "invalid_value", "deadline_policy.early_warning_fractions[0]"));
}

TEST(CampaignLoader, RejectsANonPositiveDeadline) {
  EXPECT_TRUE(FailsWith(
      ParseMutated([](Json& j) { j["deadline_policy"]["rectification"][0]["working_days"] = 0; }),
      "invalid_value", "deadline_policy.rectification[0].working_days"));
}

}  // namespace
}  // namespace ducha::campaign
