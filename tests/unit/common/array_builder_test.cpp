// common/db ArrayBuilder: the text of PostgreSQL array literals. The round trip through a real
// server is in tests/integration/common/array_roundtrip_test.cpp; these pin the exact quoting.

#include <gtest/gtest.h>

#include <string>

#include "common/db/array.h"

namespace ducha::db {
namespace {

using namespace std::string_literals;

std::string One(std::string_view text) {
  ArrayBuilder b;
  b.Add(text);
  return b.Finish();
}

TEST(ArrayBuilder, EmptyBuilderIsTheEmptyArray) {
  ArrayBuilder b;
  EXPECT_EQ(b.Finish(), "{}");
  EXPECT_EQ(b.size(), 0u);
}

TEST(ArrayBuilder, QuotesEveryTextElement) {
  EXPECT_EQ(One("plain"), R"({"plain"})");
  EXPECT_EQ(One(" padded "), R"({" padded "})");
}

TEST(ArrayBuilder, EscapesDoubleQuotesAndBackslashes) {
  EXPECT_EQ(One(R"(say "hi")"), R"({"say \"hi\""})");
  EXPECT_EQ(One(R"(C:\dir\)"), R"({"C:\\dir\\"})");
  EXPECT_EQ(One(R"(\")"), R"({"\\\""})");
}

TEST(ArrayBuilder, LeavesBracesAndCommasInsideTheQuotes) {
  EXPECT_EQ(One("{a,b}"), R"({"{a,b}"})");
  EXPECT_EQ(One(","), R"({","})");
  EXPECT_EQ(One("}"), R"({"}"})");
}

TEST(ArrayBuilder, EmptyStringIsQuotedAndDistinctFromNull) {
  ArrayBuilder b;
  b.Add("");
  b.AddNull();
  b.Add("NULL");
  EXPECT_EQ(b.Finish(), R"({"",NULL,"NULL"})");
  EXPECT_EQ(b.size(), 3u);
}

TEST(ArrayBuilder, AddOptionalWritesNullForAnEmptyOptional) {
  ArrayBuilder b;
  b.AddOptional(std::nullopt);
  b.AddOptional(std::string("x"));
  EXPECT_EQ(b.Finish(), R"({NULL,"x"})");
}

TEST(ArrayBuilder, PassesMultibyteTextThroughUnchanged) {
  EXPECT_EQ(One("扬尘，「督察」"), "{\"扬尘，「督察」\"}");
}

TEST(ArrayBuilder, IntegersAreUnquoted) {
  ArrayBuilder b;
  b.AddInt(0);
  b.AddInt(-5);
  b.AddInt(9'223'372'036'854'775'807LL);
  EXPECT_EQ(b.Finish(), "{0,-5,9223372036854775807}");
}

TEST(ArrayBuilder, BytesAreHexWithAnEscapedBackslash) {
  ArrayBuilder b;
  b.AddBytes("\x00\x7f\x80\xff"s);
  b.AddBytes("");
  EXPECT_EQ(b.Finish(), R"({"\\x007f80ff","\\x"})");
}

TEST(ArrayBuilder, SeparatesElementsWithCommas) {
  ArrayBuilder b;
  b.Add("a");
  b.AddNull();
  b.AddInt(3);
  b.AddBytes("\x01");
  EXPECT_EQ(b.Finish(), R"({"a",NULL,3,"\\x01"})");
  EXPECT_EQ(b.size(), 4u);
}

}  // namespace
}  // namespace ducha::db
