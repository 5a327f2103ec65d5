#include "services/ctl/ranking_csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

#include "services/ctl/csv.h"

namespace ducha::ctl {
namespace {

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
  const CsvText csv = ReadCsv(text);
  bool header_seen = false;
  bool too_many = false;
  int last_line = 0;
  for (const CsvRecord& rec : csv.records) {
    const std::vector<std::string>& f = rec.fields;
    last_line = rec.line;
    if (!header_seen) {
      header_seen = true;
      if (f.size() == 3 && AsciiLower(f[0]) == "county" && AsciiLower(f[1]) == "rank" &&
          AsciiLower(f[2]) == "pm25_change") {
        continue;
      }
      out.problems.push_back(
          {rec.line, "the first line must be the header county,rank,pm25_change"});
      // A file without its header may still start with data: check the line as a row too.
    }
    proto::tracking::RankingRow row;
    row.line = rec.line;
    if (std::string reason = ParseRow(f, row); !reason.empty()) {
      out.problems.push_back({rec.line, std::move(reason)});
      continue;
    }
    if (out.rows.size() == kMaxRankingRows) {
      if (!too_many) {
        out.problems.push_back({rec.line, "more than " + std::to_string(kMaxRankingRows) +
                                              " rows (one import holds at most that many)"});
      }
      too_many = true;
      continue;
    }
    out.rows.push_back(std::move(row));
  }
  if (csv.unterminated_quote_line > 0) {
    out.problems.push_back({csv.unterminated_quote_line, "a quoted field is never closed"});
  }
  if (out.rows.empty() && out.problems.empty()) {
    out.problems.push_back({std::max(last_line, 1), "the file holds no rows"});
  }
  return out;
}

}  // namespace ducha::ctl
