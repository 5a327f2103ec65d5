#pragma once
// CSV as spreadsheets and other departments' systems write it (RFC 4180): fields separated by
// commas, a field in double quotes may hold commas, line breaks and "" for a quote; CRLF or LF
// line ends; an optional UTF-8 byte-order mark; blank lines skipped; unquoted fields trimmed of
// blanks. Each record keeps the line it starts on, so a bad row is reported by its line. Pure.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ducha::ctl {

struct CsvRecord {
  int line = 0;  // 1-based line of the file where the record starts
  std::vector<std::string> fields;
};

struct CsvText {
  std::vector<CsvRecord> records;
  // Set when a quoted field is still open at the end of the file (its record is dropped).
  int unterminated_quote_line = 0;
};

CsvText ReadCsv(std::string_view text);

// ASCII lower case (header names).
std::string AsciiLower(std::string_view s);

// A header row read against the columns a file may have: each column's index by its lower-case
// name, or (in `problem`) every unknown, repeated or missing column, e.g. "unknown column 'x';
// the required column 'ref' is missing". Columns may come in any order.
struct CsvHeader {
  std::map<std::string, std::size_t> columns;
  std::string problem;  // empty when the header is good
};
CsvHeader ReadHeader(const CsvRecord& head, const std::vector<std::string>& required,
                     const std::vector<std::string>& optional);

// A data record read against its header: its fields by column name ("" for a column the file
// does not have) and the reasons it is bad, joined with "; ". `bad_shape` is set (with its reason)
// when the record has another number of fields than the header: nothing else can be read then.
class CsvRow {
 public:
  CsvRow(const CsvRecord& head, const CsvRecord& record, const CsvHeader& header);
  bool bad_shape() const { return bad_shape_; }
  std::string Get(const std::string& column) const;
  void Problem(const std::string& reason);
  // "<column> is empty" for each of these columns that is.
  void RequireNonEmpty(const std::vector<std::string>& columns);
  int line() const { return record_.line; }
  const std::string& problems() const { return problems_; }

 private:
  const CsvRecord& record_;
  const CsvHeader& header_;
  bool bad_shape_ = false;
  std::string problems_;
};

}  // namespace ducha::ctl
