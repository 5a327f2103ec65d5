#include "services/ctl/csv.h"

#include <algorithm>

namespace ducha::ctl {
namespace {

std::string Trimmed(const std::string& s) {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return s.substr(b, e - b);
}

}  // namespace

CsvText ReadCsv(std::string_view text) {
  CsvText out;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  int line = 1;
  CsvRecord rec;
  rec.line = 1;
  std::string cur;
  bool quoted = false;      // inside a quoted field
  bool was_quoted = false;  // the current field was quoted (kept as written, not trimmed)
  bool any = false;         // the record has a character other than blanks
  auto end_field = [&] {
    rec.fields.push_back(was_quoted ? cur : Trimmed(cur));
    cur.clear();
    was_quoted = false;
  };
  auto end_record = [&] {
    end_field();
    if (any) out.records.push_back(std::move(rec));
    rec = CsvRecord{};
    any = false;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        cur += c;
      }
      continue;
    }
    if (c == '"' && Trimmed(cur).empty() && !was_quoted) {
      cur.clear();
      quoted = true;
      was_quoted = true;
      any = true;
    } else if (c == ',') {
      end_field();
      any = true;
    } else if (c == '\n') {
      end_record();
      ++line;
      rec.line = line;
    } else if (c == '\r') {
      // CRLF: the '\n' ends the record.
    } else {
      if (c != ' ' && c != '\t') any = true;
      if (!was_quoted) cur += c;  // text after a closing quote is dropped
    }
  }
  if (quoted) {
    out.unterminated_quote_line = rec.line;
  } else {
    end_record();
  }
  return out;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

CsvHeader ReadHeader(const CsvRecord& head, const std::vector<std::string>& required,
                     const std::vector<std::string>& optional) {
  CsvHeader out;
  auto add = [&](const std::string& why) {
    out.problem += (out.problem.empty() ? "" : "; ") + why;
  };
  auto listed = [](const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  for (std::size_t i = 0; i < head.fields.size(); ++i) {
    const std::string name = AsciiLower(head.fields[i]);
    if (!listed(required, name) && !listed(optional, name)) {
      add("unknown column '" + head.fields[i] + "'");
    } else if (!out.columns.emplace(name, i).second) {
      add("column '" + name + "' appears twice");
    }
  }
  for (const std::string& k : required) {
    if (!out.columns.count(k)) add("the required column '" + k + "' is missing");
  }
  return out;
}

CsvRow::CsvRow(const CsvRecord& head, const CsvRecord& record, const CsvHeader& header)
    : record_(record), header_(header) {
  if (record.fields.size() != head.fields.size()) {
    bad_shape_ = true;
    Problem("expected " + std::to_string(head.fields.size()) + " columns as in the header, found " +
            std::to_string(record.fields.size()));
  }
}

std::string CsvRow::Get(const std::string& column) const {
  const auto it = header_.columns.find(column);
  if (bad_shape_ || it == header_.columns.end()) return {};
  return record_.fields[it->second];
}

void CsvRow::Problem(const std::string& reason) {
  problems_ += (problems_.empty() ? "" : "; ") + reason;
}

void CsvRow::RequireNonEmpty(const std::vector<std::string>& columns) {
  for (const std::string& c : columns) {
    if (Get(c).empty()) Problem(c + " is empty");
  }
}

}  // namespace ducha::ctl
