// The CLI plumbing the commands share: numbers from the command line, and tables that line up in
// a terminal with Chinese in them.

#include "services/ctl/cli.h"

#include <gtest/gtest.h>

namespace ducha::ctl {
namespace {

TEST(CtlCli, ParseIntTakesOnlyWholeNumbers) {
  EXPECT_EQ(ParseInt("42"), 42);
  EXPECT_EQ(ParseInt("-3"), -3);
  EXPECT_FALSE(ParseInt(""));
  EXPECT_FALSE(ParseInt("12x"));
  EXPECT_FALSE(ParseInt("1.5"));
  EXPECT_FALSE(ParseInt(" 1"));
}

TEST(CtlCli, ChineseTakesTwoColumnsAndTheMatrixMarksOne) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("长安区"), 6u);
  EXPECT_EQ(DisplayWidth("（督察）"), 8u);  // full-width parentheses
  EXPECT_EQ(DisplayWidth("\u2713"), 1u);    // ✓
  EXPECT_EQ(DisplayWidth("\u00B7"), 1u);    // ·
  EXPECT_EQ(DisplayWidth("SG1 第一督察组"), 14u);
}

TEST(CtlCli, CsvFieldsAreQuotedOnlyWhenTheyMustBe) {
  EXPECT_EQ(CsvField("长安区"), "长安区");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("\"散乱污\"企业"), "\"\"\"散乱污\"\"企业\"");
}

TEST(CtlCli, ParseArgsSeparatesFlagsOptionsAndPositionals) {
  const char* argv[] = {"ducha-ctl", "--json", "coverage",    "--round",
                        "3",         "--csv",  "--gaps-only", "--endpoint=tcp://h:1"};
  const Args a = ParseArgs(8, const_cast<char**>(argv));
  EXPECT_TRUE(a.json);
  ASSERT_EQ(a.positional.size(), 1u);
  EXPECT_EQ(a.positional[0], "coverage");
  EXPECT_EQ(a.Opt("round"), "3");
  EXPECT_TRUE(a.Flag("csv"));
  EXPECT_TRUE(a.Flag("gaps-only"));
  EXPECT_EQ(a.Opt("endpoint"), "tcp://h:1");
}

TEST(CtlCli, AFreshRequestIdIsAnAsciiIdWithinSixtyFourBytesAndAGivenOneIsKept) {
  const char* none[] = {"ducha-ctl", "review", "opinion", "12"};
  const RequestId fresh = RequestIdFor(ParseArgs(4, const_cast<char**>(none)), "opinion");
  EXPECT_TRUE(fresh.fresh);
  EXPECT_EQ(fresh.id.rfind("ctl-opinion-", 0), 0u) << fresh.id;
  EXPECT_LE(fresh.id.size(), 64u);
  EXPECT_EQ(fresh.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-"), std::string::npos)
      << fresh.id;
  EXPECT_NE(fresh.id, RequestIdFor(ParseArgs(4, const_cast<char**>(none)), "opinion").id);

  const char* given[] = {"ducha-ctl", "review", "opinion", "12", "--request-id", "co-7"};
  const RequestId kept = RequestIdFor(ParseArgs(6, const_cast<char**>(given)), "opinion");
  EXPECT_FALSE(kept.fresh);
  EXPECT_EQ(kept.id, "co-7");
}

}  // namespace
}  // namespace ducha::ctl
