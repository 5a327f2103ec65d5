#include "services/ctl/ranking_csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace ducha::ctl {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Splits one line on commas; a field in double quotes may hold commas and "" for a quote.
std::vector<std::string> Fields(std::string_view line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"' && Trim(cur).empty()) {
      cur.clear();
      quoted = true;
    } else if (c == ',') {
      out.emplace_back(Trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.emplace_back(Trim(cur));
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  return out;
}

bool IsDivisionCode(std::string_view s) {
  return s.size() == 6 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The reason a data row does not parse; empty when it does (then `row` is filled).
std::string ParseRow(const std::vector<std::string>& f, proto::tracking::RankingRow& row) {
  if (f.size() != 3) {
    return "expected 3 columns (county,rank,pm25_change), found " + std::to_string(f.size());
  }
  std::string reasons;
  auto add = [&](const std::string& r) { reasons += (reasons.empty() ? "" : "; ") + r; };
  if (!IsDivisionCode(f[0])) add("county '" + f[0] + "' is not a 6-digit division code");
  std::int64_t rank = 0;
  const auto [rp, rec] = std::from_chars(f[1].data(), f[1].data() + f[1].size(), rank);
  if (f[1].empty() || rec != std::errc() || rp != f[1].data() + f[1].size()) {
    add("rank '" + f[1] + "' is not a whole number");
  } else if (rank < 1) {
    add("rank " + f[1] + " is below 1 (1 = worst)");
  } else if (rank > 1000) {
    add("rank " + f[1] + " is above 1000");
  }
  std::string_view change_text = f[2];
  if (!change_text.empty() && change_text.front() == '+') change_text.remove_prefix(1);
  double change = 0;
  const auto [cp, cec] =
      std::from_chars(change_text.data(), change_text.data() + change_text.size(), change);
  if (change_text.empty() || cec != std::errc() || cp != change_text.data() + change_text.size() ||
      !std::isfinite(change)) {
    add("pm25_change '" + f[2] + "' is not a number");
  } else if (change < -1000 || change > 1000) {
    add("pm25_change " + f[2] + " is outside -1000..1000");
  }
  if (!reasons.empty()) return reasons;
  row.county = f[0];
  row.rank = rank;
  row.pm25_change = change;
  return {};
}

}  // namespace

RankingCsv ParseRankingCsv(std::string_view text) {
  RankingCsv out;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  bool header_seen = false;
  bool too_many = false;
  int line_no = 0;
  int last_line = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = Trim(text.substr(start, end - start));
    ++line_no;
    start = end + 1;
    if (line.empty()) {
      if (end == text.size()) break;
      continue;
    }
    last_line = line_no;
    const std::vector<std::string> f = Fields(line);
    if (!header_seen) {
      header_seen = true;
      if (f.size() == 3 && Lower(f[0]) == "county" && Lower(f[1]) == "rank" &&
          Lower(f[2]) == "pm25_change") {
        continue;
      }
      out.problems.push_back(
          {line_no, "the first line must be the header county,rank,pm25_change"});
      // A file without its header may still start with data: check the line as a row too.
    }
    proto::tracking::RankingRow row;
    row.line = line_no;
    if (std::string reason = ParseRow(f, row); !reason.empty()) {
      out.problems.push_back({line_no, std::move(reason)});
      continue;
    }
    if (out.rows.size() == kMaxRankingRows) {
      if (!too_many) {
        out.problems.push_back({line_no, "more than " + std::to_string(kMaxRankingRows) +
                                             " rows (one import holds at most that many)"});
      }
      too_many = true;
      continue;
    }
    out.rows.push_back(std::move(row));
  }
  if (out.rows.empty() && out.problems.empty()) {
    out.problems.push_back({std::max(last_line, 1), "the file holds no rows"});
  }
  return out;
}

}  // namespace ducha::ctl
