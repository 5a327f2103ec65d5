// The key-task list file (services/ctl/task_list_csv.h): a wrong header refuses the file, a row
// that does not parse is reported by its line while the others are kept, Chinese special-action
// names are read as the campaign gives them, and milestones are parsed.

#include "services/ctl/task_list_csv.h"

#include <gtest/gtest.h>

#include "tests/support/hebei_campaign.h"

namespace ducha::ctl {
namespace {

const char* kHeader =
    "task_id,jurisdiction,special_action,title,unit,target,start,deadline,source\n";

TEST(TaskListCsv, GoodRowsAreReadWithTheirLines) {
  const std::string text =
      std::string(kHeader) +
      "CA-1,130102,rural_clean_heating,气代煤,户,1000,2017-11-01,2017-12-29,方案\n"
      "\n"
      "CA-2,130102,燃煤小锅炉集中整治,\"淘汰锅炉, 10蒸吨以下\",台,40.5,2017-11-01,"
      "2017-12-29,方案\n";
  const TaskList list = ParseTaskList(text, &testing::HebeiCampaign());
  ASSERT_TRUE(list.problems.empty()) << list.problems.front().reason;
  ASSERT_EQ(list.rows.size(), 2u);
  EXPECT_EQ(list.rows[0].line, 2);
  EXPECT_EQ(list.rows[1].line, 4);
  EXPECT_EQ(list.rows[1].special_action, "small_coal_boilers");
  EXPECT_EQ(list.rows[1].title, "淘汰锅炉, 10蒸吨以下");
  EXPECT_DOUBLE_EQ(list.rows[1].target, 40.5);
}

TEST(TaskListCsv, AWrongHeaderRefusesTheWholeFile) {
  const TaskList list = ParseTaskList(
      "id,jurisdiction,special_action,title,unit,target,start,deadline,source\n"
      "CA-1,130102,dust,x,个,1,2017-11-01,2017-12-29,s\n",
      &testing::HebeiCampaign());
  EXPECT_TRUE(list.bad_header);
  EXPECT_TRUE(list.rows.empty());
  ASSERT_EQ(list.problems.size(), 1u);
  EXPECT_NE(list.problems[0].reason.find("unknown column 'id'"), std::string::npos)
      << list.problems[0].reason;
  EXPECT_NE(list.problems[0].reason.find("task_id"), std::string::npos) << list.problems[0].reason;
  EXPECT_TRUE(ParseTaskList("", nullptr).bad_header);
}

TEST(TaskListCsv, ABadRowIsReportedByItsLineAndTheOthersAreKept) {
  const std::string text = std::string(kHeader) +
                           "CA-1,130102,dust,x,个,abc,2017-11-01,2017-12-29,s\n"
                           "CA-2,1301,dust,x,个,3,2017-11-1,2017-12-29,s\n"
                           "CA-3,130102,dust,x,个,3\n"
                           "CA-4,130102,dust,x,个,3,2017-11-01,2017-12-29,s\n";
  const TaskList list = ParseTaskList(text, nullptr);
  ASSERT_EQ(list.rows.size(), 1u);
  EXPECT_EQ(list.rows[0].task_id, "CA-4");
  ASSERT_EQ(list.problems.size(), 3u);
  EXPECT_EQ(list.problems[0].line, 2);
  EXPECT_NE(list.problems[0].reason.find("target 'abc' is not a number"), std::string::npos);
  EXPECT_EQ(list.problems[1].line, 3);
  EXPECT_NE(list.problems[1].reason.find("not a 6-digit division code"), std::string::npos);
  EXPECT_NE(list.problems[1].reason.find("start '2017-11-1' is not YYYY-MM-DD"), std::string::npos);
  EXPECT_EQ(list.problems[2].line, 4);
  EXPECT_NE(list.problems[2].reason.find("expected 9 columns"), std::string::npos);
}

TEST(TaskListCsv, MilestonesAreOptionalAndChecked) {
  const std::string head =
      "task_id,jurisdiction,special_action,title,unit,target,start,deadline,source,milestones\n";
  const TaskList list = ParseTaskList(
      head +
          "A,130102,dust,x,个,3,2017-11-01,2017-12-29,s,2017-11-20:0.5;2017-12-10:0.8\n"
          "B,130102,dust,x,个,3,2017-11-01,2017-12-29,s,\n"
          "C,130102,dust,x,个,3,2017-11-01,2017-12-29,s,2017-11-20:1.5\n"
          "D,130102,dust,x,个,3,2017-11-01,2017-12-29,s,half by november\n",
      nullptr);
  ASSERT_EQ(list.rows.size(), 2u);
  ASSERT_EQ(list.rows[0].milestones.size(), 2u);
  EXPECT_EQ(list.rows[0].milestones[1].date, "2017-12-10");
  EXPECT_DOUBLE_EQ(list.rows[0].milestones[1].fraction, 0.8);
  EXPECT_TRUE(list.rows[1].milestones.empty());
  ASSERT_EQ(list.problems.size(), 2u);
  EXPECT_NE(list.problems[0].reason.find("between 0 and 1"), std::string::npos);
  EXPECT_NE(list.problems[1].reason.find("is not YYYY-MM-DD:fraction"), std::string::npos);
}

}  // namespace
}  // namespace ducha::ctl
