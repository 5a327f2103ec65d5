// CSV as other departments' spreadsheets write it: quoted fields with commas, quotes and line
// breaks, CRLF, a byte-order mark, blank lines; each record with the line it starts on.

#include "services/ctl/csv.h"

#include <gtest/gtest.h>

namespace ducha::ctl {
namespace {

TEST(Csv, QuotedFieldsKeepCommasQuotesAndLineBreaksAndRecordsKeepTheirLine) {
  const CsvText csv = ReadCsv(
      "\xEF\xBB\xBF"
      "a, b ,c\r\n"
      "\r\n"
      "\"1,5\",\"他说\"\"整改了\"\"\",\"第一行\n第二行\"\n"
      "x,,\n");
  ASSERT_EQ(csv.records.size(), 3u);
  EXPECT_EQ(csv.records[0].line, 1);
  EXPECT_EQ(csv.records[0].fields, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(csv.records[1].line, 3);
  EXPECT_EQ(csv.records[1].fields,
            (std::vector<std::string>{"1,5", "他说\"整改了\"", "第一行\n第二行"}));
  EXPECT_EQ(csv.records[2].line, 5) << "the line after a record with a line break in it";
  EXPECT_EQ(csv.records[2].fields, (std::vector<std::string>{"x", "", ""}));
  EXPECT_EQ(csv.unterminated_quote_line, 0);
}

TEST(Csv, AQuoteLeftOpenIsReportedWithTheLineItStarts) {
  const CsvText csv = ReadCsv("a,b\n1,\"never closed\n2,3\n");
  ASSERT_EQ(csv.records.size(), 1u);
  EXPECT_EQ(csv.unterminated_quote_line, 2);
}

TEST(Csv, TheLastLineNeedsNoLineEnd) {
  const CsvText csv = ReadCsv("a,b\n1,2");
  ASSERT_EQ(csv.records.size(), 2u);
  EXPECT_EQ(csv.records[1].fields, (std::vector<std::string>{"1", "2"}));
}

}  // namespace
}  // namespace ducha::ctl
