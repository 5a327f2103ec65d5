#include "services/ctl/review_views.h"

#include <algorithm>

namespace ducha::ctl {

WhatIf RecomputeUnder(const std::vector<review::RecordedCase>& cases, const review::Rules& rules) {
  WhatIf out;
  out.cases = cases.size();
  for (const review::RecordedCase& c : cases) {
    WhatIfRow row;
    row.problem_id = c.problem_id;
    row.made = c.made;
    auto rec = review::Recommend(c.facts, true, rules);
    if (!rec) {
      row.error = rec.error().code + ": " + rec.error().message;
      out.changed.push_back(std::move(row));
      continue;
    }
    if (rec->level == c.made.level && rec->points == c.made.points) continue;
    row.recomputed = std::move(rec).value();
    out.changed.push_back(std::move(row));
  }
  return out;
}

std::string LevelCell(const review::Recommendation& r) {
  if (r.level.empty()) return "below the lowest level";
  return r.display_name.empty() ? r.level : r.display_name + " " + r.level;
}

std::vector<Standing> Standings(const review::CreditRules& credit,
                                const std::vector<EnterpriseCredit>& enterprises,
                                timeutil::Millis now, bool all) {
  std::vector<Standing> out;
  for (const EnterpriseCredit& e : enterprises) {
    const int points = review::CurrentPoints(credit, e.entries, now);
    const review::Colour& colour = credit.ColourFor(points);
    // The lowest colour (green: no points counting) is left out unless asked for.
    const bool lowest = colour.min_points == 0;
    if (!all && lowest && !e.blacklisted) continue;
    out.push_back(
        Standing{e.enterprise, e.name, points, colour.name, colour.display_name, e.blacklisted});
  }
  std::sort(out.begin(), out.end(), [](const Standing& x, const Standing& y) {
    return x.points != y.points ? x.points > y.points : x.enterprise < y.enterprise;
  });
  return out;
}

std::string ColourDisplayName(const review::CreditRules& credit, const std::string& colour) {
  // The colours are contiguous from 0 and end open at black (CreditRules::Parse), so every
  // colour is the colour of some total from 0 to the black threshold.
  for (int points = 0; points <= review::CreditRules::kBlack; ++points) {
    const review::Colour& c = credit.ColourFor(points);
    if (c.name == colour) return c.display_name;
  }
  return colour;
}

ChainVerdict VerifyProblemChain(std::int64_t problem_id,
                                const std::vector<review::AuditLine>& lines) {
  ChainVerdict v;
  v.broken = review::VerifyChain(lines);
  v.text = "chain of problem " + std::to_string(problem_id) + ": " + std::to_string(lines.size()) +
           (lines.size() == 1 ? " line, " : " lines, ");
  if (v.broken) {
    v.text += "broken at line " + std::to_string(v.broken->id) + ": " + v.broken->reason;
  } else {
    v.text += "intact";
  }
  return v;
}

}  // namespace ducha::ctl
