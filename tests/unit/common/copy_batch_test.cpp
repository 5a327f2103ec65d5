// db::CopyBatch: the text format COPY reads. What the server makes of it is checked in
// tests/integration/common/copy_roundtrip_test.cpp.

#include <gtest/gtest.h>

#include <string>

#include "common/db/copy.h"

namespace ducha::db {
namespace {

using namespace std::string_literals;

TEST(CopyBatch, FieldsAreTabSeparatedAndRowsEndWithALineEnd) {
  CopyBatch b;
  b.Int(1).Text("a").Int(-42).EndRow();
  b.Text("").Null().Int(0).EndRow();
  EXPECT_EQ(b.rows(), 2u);
  EXPECT_EQ(b.text(), "1\ta\t-42\n\t\\N\t0\n");
}

TEST(CopyBatch, EscapesOnlyWhatCopyTextFormatReads) {
  CopyBatch b;
  b.Text("tab\there").Text("new\nline").Text("cr\rlf").Text(R"(back\slash)").EndRow();
  EXPECT_EQ(b.text(), "tab\\there\tnew\\nline\tcr\\rlf\tback\\\\slash\n");
}

TEST(CopyBatch, LeavesUtf8QuotesAndTheWordNullAlone) {
  CopyBatch b;
  b.Text("扬尘污染，\"群众\"举报").Text("NULL").Text("\\N").EndRow();
  // "\N" the text is escaped, so only Null() writes the null marker.
  EXPECT_EQ(b.text(), "扬尘污染，\"群众\"举报\tNULL\t\\\\N\n");
}

TEST(CopyBatch, BytesAreHexWithTheBackslashDoubledForCopy) {
  CopyBatch b;
  b.Bytes("\x00\x01\xab\xff"s).Bytes("").EndRow();
  EXPECT_EQ(b.text(), "\\\\x0001abff\t\\\\x\n");
}

TEST(CopyBatch, ExtremeIntegers) {
  CopyBatch b;
  b.Int(9223372036854775807LL).Int(-9223372036854775807LL - 1).EndRow();
  EXPECT_EQ(b.text(), "9223372036854775807\t-9223372036854775808\n");
}

}  // namespace
}  // namespace ducha::db
