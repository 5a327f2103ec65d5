#pragma once
// The monitoring division's county air-quality ranking (空气质量排名) as a CSV file, read into the
// rows of tracking.import_ranking. The format:
//
//   county,rank,pm25_change          the header, first (a UTF-8 byte-order mark is allowed)
//   130102,1,12.5                    one row per county: its 6-digit division code, its rank
//   130104,2,-3.0                    (1 = worst, at most 1000) and the change in PM2.5 (μg/m³)
//                                    against the same period last year (positive = worse)
//
// Blank lines are skipped; fields may be quoted and padded with blanks; CRLF line ends are fine.
// Whether a code is a county of the campaign, and whether it appears once, is tracking's to
// decide (unknown_county, duplicate_value, naming the line). Pure: no I/O.

#include <string>
#include <string_view>
#include <vector>

#include "proto/tracking.h"

namespace ducha::ctl {

inline constexpr std::size_t kMaxRankingRows = 1000;  // tracking.import_ranking's limit

struct RankingCsvProblem {
  int line = 0;  // 1-based line of the file
  std::string reason;
};

struct RankingCsv {
  std::vector<proto::tracking::RankingRow> rows;  // each with its line
  std::vector<RankingCsvProblem> problems;        // empty: every row parsed
};

// Every row that does not parse is reported, not only the first.
RankingCsv ParseRankingCsv(std::string_view text);

}  // namespace ducha::ctl
