// The monitoring division's ranking file as ducha-ctl reads it: what parses, and every row that
// does not, with its line and reason (the command then sends nothing).

#include "services/ctl/ranking_csv.h"

#include <gtest/gtest.h>

namespace ducha::ctl {
namespace {

TEST(RankingCsv, ParsesEveryRowWithItsLineNumber) {
  const RankingCsv csv = ParseRankingCsv(
      "county,rank,pm25_change\n"
      "130102,1,12.5\n"
      "\n"
      "130104,2,-3.0\n");
  ASSERT_TRUE(csv.problems.empty());
  ASSERT_EQ(csv.rows.size(), 2u);
  EXPECT_EQ(csv.rows[0].line, 2);
  EXPECT_EQ(csv.rows[0].county, "130102");
  EXPECT_EQ(csv.rows[0].rank, 1);
  EXPECT_DOUBLE_EQ(csv.rows[0].pm25_change, 12.5);
  EXPECT_EQ(csv.rows[1].line, 4);  // the blank line still counts
  EXPECT_DOUBLE_EQ(csv.rows[1].pm25_change, -3.0);
}

TEST(RankingCsv, AcceptsAnExcelExportWithByteOrderMarkCrlfQuotesAndBlanks) {
  const RankingCsv csv = ParseRankingCsv(
      "\xEF\xBB\xBF"
      "County, Rank ,PM25_change\r\n"
      "\"130102\", 1 ,+12.5\r\n");
  ASSERT_TRUE(csv.problems.empty()) << csv.problems[0].reason;
  ASSERT_EQ(csv.rows.size(), 1u);
  EXPECT_EQ(csv.rows[0].county, "130102");
  EXPECT_DOUBLE_EQ(csv.rows[0].pm25_change, 12.5);
}

TEST(RankingCsv, ReportsEveryBadRowWithItsLineAndReason) {
  const RankingCsv csv = ParseRankingCsv(
      "county,rank,pm25_change\n"
      "130102,1,12.5\n"
      "130104,x,3.0\n"
      "130105,3\n"
      "130107,0,1\n"
      "13010,4,abc\n"
      "130108,5,nan\n");
  ASSERT_EQ(csv.problems.size(), 5u);
  EXPECT_EQ(csv.problems[0].line, 3);
  EXPECT_NE(csv.problems[0].reason.find("rank 'x' is not a whole number"), std::string::npos);
  EXPECT_EQ(csv.problems[1].line, 4);
  EXPECT_NE(csv.problems[1].reason.find("expected 3 columns"), std::string::npos);
  EXPECT_EQ(csv.problems[2].line, 5);
  EXPECT_NE(csv.problems[2].reason.find("below 1"), std::string::npos);
  EXPECT_EQ(csv.problems[3].line, 6);
  EXPECT_NE(csv.problems[3].reason.find("6-digit"), std::string::npos);
  EXPECT_NE(csv.problems[3].reason.find("pm25_change 'abc'"), std::string::npos);
  EXPECT_EQ(csv.problems[4].line, 7);
  EXPECT_NE(csv.problems[4].reason.find("not a number"), std::string::npos);
  EXPECT_EQ(csv.rows.size(), 1u);
}

TEST(RankingCsv, RequiresTheHeader) {
  const RankingCsv csv = ParseRankingCsv("130102,1,12.5\n");
  ASSERT_EQ(csv.problems.size(), 1u);
  EXPECT_EQ(csv.problems[0].line, 1);
  EXPECT_NE(csv.problems[0].reason.find("header"), std::string::npos);
}

TEST(RankingCsv, AFileWithoutRowsIsAProblem) {
  EXPECT_EQ(ParseRankingCsv("county,rank,pm25_change\n").problems.size(), 1u);
  EXPECT_EQ(ParseRankingCsv("").problems.size(), 1u);
}

TEST(RankingCsv, RefusesMoreRowsThanOneImportHoldsOnce) {
  std::string text = "county,rank,pm25_change\n";
  for (std::size_t i = 0; i < kMaxRankingRows + 5; ++i) text += "130102,1,0\n";
  const RankingCsv csv = ParseRankingCsv(text);
  ASSERT_EQ(csv.problems.size(), 1u);
  EXPECT_EQ(csv.problems[0].line, static_cast<int>(kMaxRankingRows) + 2);
}

}  // namespace
}  // namespace ducha::ctl
