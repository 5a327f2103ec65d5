#pragma once
// Pure views of review's data for ducha-ctl's review commands, shared with their unit test: the
// recorded recommendations recomputed under another rule table (what-if), the enterprises'
// credit standing at a given instant, and the verdict on one problem's hash chain. No I/O: the
// commands read the rows, these decide what they mean.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/base/time.h"
#include "services/review/core/audit.h"
#include "services/review/core/credit.h"
#include "services/review/core/reviewer.h"
#include "services/review/core/rules.h"
// review::RecordedCase, as review::LoadRecommendedCases reads it.

namespace ducha::ctl {

// One recorded case whose recommendation differs under another rule table.
struct WhatIfRow {
  std::int64_t problem_id = 0;
  review::Recommendation made;  // as recorded
  // Under the other table; none when Recommend refuses the case (`error` says why).
  std::optional<review::Recommendation> recomputed;
  std::string error;
};

struct WhatIf {
  std::size_t cases = 0;
  std::vector<WhatIfRow> changed;  // the level or the points differ, in the order of `cases`
};

// Recomputes every case with review::Recommend under `rules` (each was verified: a
// recommendation is only made on a verified opinion) and keeps the cases whose level or points
// change. A different rule version alone is no change.
WhatIf RecomputeUnder(const std::vector<review::RecordedCase>& cases, const review::Rules& rules);

// A recommendation's level in one cell: 通报批评 criticism_notice, or "below the lowest level".
std::string LevelCell(const review::Recommendation& r);

// The rows of one enterprise, as read from review's schema.
struct EnterpriseCredit {
  std::string enterprise;
  std::string name;
  bool blacklisted = false;
  std::vector<review::CreditEntry> entries;
};

struct Standing {
  std::string enterprise;
  std::string name;
  int points = 0;  // counting at the instant asked (review::CurrentPoints)
  std::string colour;
  std::string colour_display;
  bool blacklisted = false;
};

// Each enterprise's points counting at `now` and their colour, most points first (then by key).
// Without `all`, only the enterprises that are not green or are on the blacklist.
std::vector<Standing> Standings(const review::CreditRules& credit,
                                const std::vector<EnterpriseCredit>& enterprises,
                                timeutil::Millis now, bool all);

// The colour's display name (黄色) by its rule name; the name itself when the rule has none.
std::string ColourDisplayName(const review::CreditRules& credit, const std::string& colour);

struct ChainVerdict {
  std::optional<review::ChainBreak> broken;  // none: intact
  // `chain of problem 12: 6 lines, intact`, or
  // `chain of problem 12: 6 lines, broken at line 40: line 40 was changed after it was written`.
  std::string text;
};

// review::VerifyChain over one problem's lines (in id order).
ChainVerdict VerifyProblemChain(std::int64_t problem_id,
                                const std::vector<review::AuditLine>& lines);

}  // namespace ducha::ctl
