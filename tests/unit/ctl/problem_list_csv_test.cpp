// A problem list (交办问题清单) as a CSV file: each good row a submission with a stable id, each
// bad row its line and reason, and the header checked before anything is read.

#include "services/ctl/problem_list_csv.h"

#include <gtest/gtest.h>

#include "common/base/time.h"
#include "common/campaign/loader.h"
#include "tests/support/hebei_campaign.h"

namespace ducha::ctl {
namespace {

namespace pc = proto::common;

const campaign::Campaign& Hebei() { return ::ducha::testing::HebeiCampaign(); }

constexpr const char* kHeader = "ref,jurisdiction,category,title,description,observed_at";

TEST(ProblemList, GoodRowsBecomeSubmissionsWithStableIdsOnTheListsChannel) {
  const std::string text = std::string(kHeader) +
                           ",severity,enterprise,credit_code,evidence\n"
                           "ZY-2017-031,130102,dust,工地扬尘,\"裸土未覆盖, 渣土车带泥上路\","
                           "2017-11-21 09:30,较重,,,photo:1.jpg; photo:2.jpg\n"
                           "ZY-2017-032,130104,扬尘污染综合整治,搅拌站扬尘,未密闭,"
                           "2017-11-21T10:00:00+08:00,serious,某建材厂,91130100MA07L7XT37,\n";
  const ProblemList list = ParseProblemList(text, pc::Channel::kCentralMedia, Hebei());
  ASSERT_TRUE(list.problems.empty()) << list.problems[0].line << ": " << list.problems[0].reason;
  ASSERT_EQ(list.rows.size(), 2u);
  const auto& first = list.rows[0].report;
  EXPECT_EQ(list.rows[0].line, 2);
  EXPECT_EQ(first.submission_id, "csv:central_media:ZY-2017-031");
  EXPECT_EQ(first.channel, pc::Channel::kCentralMedia);
  EXPECT_EQ(first.category, pc::Category::kDust);
  EXPECT_EQ(first.severity, pc::Severity::kSerious) << "by its name in the campaign (较重)";
  EXPECT_EQ(first.description, "裸土未覆盖, 渣土车带泥上路");
  EXPECT_EQ(first.observed_at, *timeutil::ParseRfc3339("2017-11-21T09:30:00+08:00"));
  EXPECT_EQ(first.reported_at, first.observed_at);
  EXPECT_EQ(first.evidence, (std::vector<std::string>{"photo:1.jpg", "photo:2.jpg"}));
  EXPECT_FALSE(first.enterprise.has_value());
  const auto& second = list.rows[1].report;
  EXPECT_EQ(second.category, pc::Category::kDust) << "by its name in the campaign";
  ASSERT_TRUE(second.enterprise.has_value());
  EXPECT_EQ(second.enterprise->credit_code, "91130100MA07L7XT37");
  EXPECT_EQ(ListSubmissionId(pc::Channel::kCentralMedia, "ZY-2017-032"), second.submission_id);
}

TEST(ProblemList, EachBadRowIsReportedWithItsLineAndTheGoodRowsStay) {
  const std::string text = std::string(kHeader) +
                           "\n"
                           "A1,130102,dust,t,d,2017-11-21\n"
                           "A2,130102,no_such_category,t,d,2017-11-21\n"
                           "A3,130102,dust,t,d,21/11/2017\n"
                           "A1,130102,dust,t,d,2017-11-21\n"
                           "A 5,130102,dust,t,d,2017-11-21\n"
                           "A6,130102,dust,,d,2017-11-21\n"
                           "A7,13010,dust,t,d,2017-11-21\n"
                           "A8,130102,dust\n"
                           "A9,130102,dust,t,d,2017-11-22\n";
  const ProblemList list = ParseProblemList(text, pc::Channel::kCentralMedia, Hebei());
  ASSERT_EQ(list.rows.size(), 2u);
  EXPECT_EQ(list.rows[0].line, 2);
  EXPECT_EQ(list.rows[1].line, 10);
  ASSERT_EQ(list.problems.size(), 7u);
  EXPECT_EQ(list.problems[0].line, 3);
  EXPECT_EQ(list.problems[0].reason,
            "category 'no_such_category' is not a category of the campaign");
  EXPECT_EQ(list.problems[1].line, 4);
  EXPECT_NE(list.problems[1].reason.find("observed_at '21/11/2017'"), std::string::npos);
  EXPECT_EQ(list.problems[2].reason, "ref 'A1' repeats line 2");
  EXPECT_NE(list.problems[3].reason.find("ref 'A 5' may hold only"), std::string::npos);
  EXPECT_EQ(list.problems[4].reason, "title is empty");
  EXPECT_NE(list.problems[5].reason.find("jurisdiction"), std::string::npos)
      << "the contract's own check: " << list.problems[5].reason;
  EXPECT_EQ(list.problems[6].reason, "expected 6 columns as in the header, found 3");
}

TEST(ProblemList, AHeaderWithAMisspeltOrMissingColumnIsRefusedBeforeAnyRow) {
  const ProblemList list = ParseProblemList(
      "ref,jurisdiction,categry,title,description,observed_at,title\n"
      "A1,130102,dust,t,d,2017-11-21,t\n",
      pc::Channel::kCentralMedia, Hebei());
  EXPECT_TRUE(list.rows.empty());
  ASSERT_EQ(list.problems.size(), 1u);
  EXPECT_EQ(list.problems[0].line, 1);
  EXPECT_EQ(list.problems[0].reason,
            "header: unknown column 'categry'; column 'title' appears twice; the required "
            "column 'category' is missing");
  EXPECT_EQ(ParseProblemList("", pc::Channel::kCentralMedia, Hebei()).problems[0].reason,
            "the file holds no header and no rows");
}

TEST(ProblemList, AGroupChannelNeedsItsGroupAndRoundAsIntakeWould) {
  const ProblemList list = ParseProblemList(
      std::string(kHeader) + ",group_id,round\nG1,130102,dust,t,d,2017-11-21,SG1,3\n",
      pc::Channel::kSupervisionGroup, Hebei());
  ASSERT_EQ(list.rows.size(), 1u) << list.problems[0].reason;
  EXPECT_EQ(list.rows[0].report.group_id, "SG1");
  EXPECT_EQ(list.rows[0].report.round, 3);
}

}  // namespace
}  // namespace ducha::ctl
