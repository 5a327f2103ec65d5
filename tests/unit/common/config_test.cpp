// common/config: a file of key = value lines with sections, environment overrides, and a refusal
// that lists every problem at once.

#include "common/config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>

namespace ducha {
namespace {

using ::testing::HasSubstr;

Config MustParse(std::string_view text, std::map<std::string, std::string> env = {}) {
  auto r = Config::Parse(text, "test.conf", std::move(env));
  if (!r) ADD_FAILURE() << r.error().message;
  return r ? std::move(r).value() : Config::Parse("", "empty").value();
}

TEST(Config, SectionHeadersPrefixTheKeysThatFollow) {
  Config c = MustParse(
      "top = 1\n"
      "[intake]\n"
      "endpoint = tcp://127.0.0.1:5555\n"
      "[ db ]\n"
      "url = host=/tmp dbname=ducha\n");
  EXPECT_EQ(c.Int("top", 0, 0, 10), 1);
  EXPECT_EQ(c.String("intake.endpoint", ""), "tcp://127.0.0.1:5555");
  EXPECT_EQ(c.String("db.url", ""), "host=/tmp dbname=ducha");
  EXPECT_TRUE(c.Finish().ok());
}

TEST(Config, IgnoresCommentsBlankLinesAndStripsQuotes) {
  Config c = MustParse(
      "# a comment\n"
      "; another\n"
      "\n"
      "   name   =   \"  padded value  \"  \n"
      "empty =\n");
  EXPECT_EQ(c.String("name", ""), "  padded value  ");
  EXPECT_EQ(c.String("empty", "fallback"), "");
  EXPECT_TRUE(c.Finish().ok());
}

TEST(Config, EnvironmentOverridesTheFile) {
  Config c =
      MustParse("[intake]\nendpoint = tcp://file:1\nmax-batch = 10\n",
                {{"DUCHA_INTAKE_ENDPOINT", "tcp://env:2"}, {"DUCHA_INTAKE_MAX_BATCH", "20"}});
  EXPECT_EQ(c.String("intake.endpoint", ""), "tcp://env:2");
  EXPECT_EQ(c.Int("intake.max-batch", 0, 1, 100), 20);
  EXPECT_TRUE(c.Finish().ok());
}

TEST(Config, EnvironmentSuppliesAKeyAbsentFromTheFile) {
  Config c = MustParse("", {{"DUCHA_DB_URL", "dbname=x"}});
  EXPECT_TRUE(c.Has("db.url"));
  EXPECT_EQ(c.RequiredString("db.url"), "dbname=x");
  EXPECT_TRUE(c.Finish().ok());
}

TEST(Config, EnvNameUpperCasesAndReplacesDotsAndDashes) {
  EXPECT_EQ(Config::EnvName("intake.endpoint"), "DUCHA_INTAKE_ENDPOINT");
  EXPECT_EQ(Config::EnvName("db.retry-max-ms"), "DUCHA_DB_RETRY_MAX_MS");
}

TEST(Config, FallbacksApplyWhenAKeyIsAbsent) {
  Config c = MustParse("");
  EXPECT_EQ(c.String("a", "x"), "x");
  EXPECT_EQ(c.Int("b", 7, 0, 10), 7);
  EXPECT_EQ(c.Double("c", 0.5, 0, 1), 0.5);
  EXPECT_TRUE(c.Bool("d", true));
  EXPECT_EQ(c.List("e", {"p", "q"}), (std::vector<std::string>{"p", "q"}));
  EXPECT_TRUE(c.Finish().ok());
}

TEST(Config, ParsesTypedValues) {
  Config c = MustParse(
      "n = -42\n"
      "d = 2.5\n"
      "b1 = yes\nb2 = off\nb3 = 1\nb4 = false\n"
      "list = a, b ,, c\n");
  EXPECT_EQ(c.Int("n", 0, -100, 100), -42);
  EXPECT_DOUBLE_EQ(c.Double("d", 0, 0, 10), 2.5);
  EXPECT_TRUE(c.Bool("b1", false));
  EXPECT_FALSE(c.Bool("b2", true));
  EXPECT_TRUE(c.Bool("b3", false));
  EXPECT_FALSE(c.Bool("b4", true));
  EXPECT_EQ(c.List("list", {}), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(c.Finish().ok());
}

TEST(Config, UnknownKeyIsRefusedWithItsLine) {
  Config c = MustParse("[intake]\nendpoint = tcp://x:1\nendpiont = tcp://typo:1\n");
  EXPECT_EQ(c.String("intake.endpoint", ""), "tcp://x:1");
  const Status s = c.Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "bad_config");
  EXPECT_THAT(s.error().message, HasSubstr("test.conf:3: unknown setting 'intake.endpiont'"));
  EXPECT_THAT(s.error().message, ::testing::Not(HasSubstr("'intake.endpoint'")));
}

TEST(Config, BadValuesAreAllListedTogether) {
  Config c = MustParse(
      "workers = many\n"
      "verbose = maybe\n"
      "port = 70000\n"
      "ratio = 1.5x\n"
      "limit = 99999999999999999999\n"
      "typo = 1\n");
  EXPECT_EQ(c.Int("workers", 4, 1, 64), 4);  // the fallback, after recording the error
  EXPECT_TRUE(c.Bool("verbose", true));
  EXPECT_EQ(c.Int("port", 0, 0, 65535), 0);
  c.Double("ratio", 1.0, 0.0, 10.0);
  c.Int("limit", 0, 0, 100);
  c.RequiredString("db.url");
  c.AddError("port", "conflicts with something");
  const Status s = c.Finish();
  ASSERT_FALSE(s.ok());
  const std::string& m = s.error().message;
  EXPECT_THAT(m, HasSubstr("workers: 'many' is not an integer"));
  EXPECT_THAT(m, HasSubstr("verbose: 'maybe' is not a boolean"));
  EXPECT_THAT(m, HasSubstr("port: must be between 0 and 65535, got 70000"));
  EXPECT_THAT(m, HasSubstr("ratio: '1.5x' is not a number"));
  EXPECT_THAT(m, HasSubstr("limit: '99999999999999999999' is not an integer"));
  EXPECT_THAT(m, HasSubstr("db.url: is required"));
  EXPECT_THAT(m, HasSubstr("DUCHA_DB_URL"));
  EXPECT_THAT(m, HasSubstr("port: conflicts with something"));
  EXPECT_THAT(m, HasSubstr("unknown setting 'typo'"));
}

TEST(Config, BadValueFromTheEnvironmentIsReportedToo) {
  Config c = MustParse("port = 80\n", {{"DUCHA_PORT", "eighty"}});
  c.Int("port", 0, 1, 65535);
  const Status s = c.Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("port: 'eighty' is not an integer"));
}

TEST(Config, RangeIsInclusiveAndChecksBothEnds) {
  Config c = MustParse("lo = 1\nhi = 64\nbelow = 0\nabove = 65\nneg = -0.1\n");
  EXPECT_EQ(c.Int("lo", 0, 1, 64), 1);
  EXPECT_EQ(c.Int("hi", 0, 1, 64), 64);
  c.Int("below", 0, 1, 64);
  c.Int("above", 0, 1, 64);
  c.Double("neg", 0, 0, 1);
  const Status s = c.Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("below: must be between 1 and 64, got 0"));
  EXPECT_THAT(s.error().message, HasSubstr("above: must be between 1 and 64, got 65"));
  EXPECT_THAT(s.error().message, HasSubstr("neg: must be between"));
  EXPECT_THAT(s.error().message, ::testing::Not(HasSubstr("lo:")));
  EXPECT_THAT(s.error().message, ::testing::Not(HasSubstr("hi:")));
}

TEST(Config, DoubleRefusesNotANumber) {
  // strtod accepts "nan", and every comparison with NaN is false, so a plain range check would
  // let it through.
  Config c = MustParse("ratio = nan\nscale = inf\n");
  c.Double("ratio", 0.5, 0.0, 1.0);
  c.Double("scale", 1.0, 0.0, 100.0);
  const Status s = c.Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("ratio:"));
  EXPECT_THAT(s.error().message, HasSubstr("scale:"));
}

TEST(Config, RequiredStringRefusesAnEmptyValue) {
  Config c = MustParse("db.url =\n");
  EXPECT_EQ(c.RequiredString("db.url"), "");
  const Status s = c.Finish();
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().message, HasSubstr("db.url: is required"));
}

TEST(Config, DuplicateKeyIsRefusedAtParse) {
  const auto r = Config::Parse("[db]\nurl = a\n[other]\nx = 1\n[db]\nurl = b\n", "dup.conf");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("dup.conf:6: duplicate key 'db.url'"));
}

TEST(Config, SyntaxErrorsAreAllListedAtParse) {
  const auto r = Config::Parse("[broken\njust words\n= value\n[]\nok = 1\n", "syn.conf");
  ASSERT_FALSE(r.ok());
  const std::string& m = r.error().message;
  EXPECT_THAT(m, HasSubstr("syn.conf:1: malformed section header"));
  EXPECT_THAT(m, HasSubstr("syn.conf:2: expected 'key = value'"));
  EXPECT_THAT(m, HasSubstr("syn.conf:3: empty key"));
  EXPECT_THAT(m, HasSubstr("syn.conf:4: malformed section header"));
}

TEST(Config, LoadReadsAFileAndNamesAMissingOne) {
  const std::string path = ::testing::TempDir() + "/ducha_config_test.conf";
  {
    std::ofstream f(path);
    f << "[intake]\nworkers = 3\n";
  }
  auto r = Config::Load(path, {{"DUCHA_INTAKE_WORKERS", "5"}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->Int("intake.workers", 1, 1, 10), 5);
  EXPECT_EQ(r->source(), path);
  std::remove(path.c_str());

  const auto missing = Config::Load(path + ".absent");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr(path + ".absent"));
}

}  // namespace
}  // namespace ducha
