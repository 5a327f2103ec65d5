// A group's roster as a CSV file: roles by code or Chinese name, every bad row with its line, and
// a header checked before any row.

#include "services/ctl/roster_csv.h"

#include <gtest/gtest.h>

namespace ducha::ctl {
namespace {

namespace pd = proto::dispatch;

TEST(RosterCsv, MembersAreReadWithTheirRolesInEitherLanguage) {
  const RosterCsv r = ParseRosterCsv(
      "member_id,name,home_unit,unit_type,home_city,role\n"
      "P1,张三,省环保厅大气处,environment_department,130000,组长\n"
      "P2,李四,省住建厅,provincial_department,130200,aggregator\n");
  ASSERT_TRUE(r.problems.empty()) << r.problems[0].reason;
  ASSERT_EQ(r.members.size(), 2u);
  EXPECT_EQ(r.members[0].role, pd::MemberRole::kLeader);
  EXPECT_EQ(r.members[1].role, pd::MemberRole::kAggregator);
  EXPECT_EQ(r.members[1].home_city, "130200");
}

TEST(RosterCsv, EachBadRowAndABadHeaderAreNamed) {
  const RosterCsv rows = ParseRosterCsv(
      "member_id,name,home_unit,unit_type,home_city,role\n"
      "P1,张三,省环保厅大气处,environment_department,130000,队长\n"
      "P2,,省住建厅,provincial_department,130200,组员\n"
      "P3,王五\n");
  ASSERT_EQ(rows.problems.size(), 3u);
  EXPECT_EQ(rows.problems[0].line, 2);
  EXPECT_NE(rows.problems[0].reason.find("role '队长'"), std::string::npos);
  EXPECT_EQ(rows.problems[1].reason, "name is empty");
  EXPECT_EQ(rows.problems[2].reason, "expected 6 columns as in the header, found 2");
  const RosterCsv header = ParseRosterCsv("member_id,name,unit,unit_type,home_city,role\n");
  ASSERT_EQ(header.problems.size(), 1u);
  EXPECT_EQ(header.problems[0].reason,
            "header: unknown column 'unit'; the required column 'home_unit' is missing");
}

}  // namespace
}  // namespace ducha::ctl
