#pragma once
// The quantified accountability rule table (量化问责规则): points per fact and the
// recommendation level for a total, versioned campaign data (deploy/campaigns/<id>/
// accountability.json), never code. Parse validates the whole file: every fact is one review
// knows how to establish, every level's range is well formed and no two levels overlap.
//
// Immutable after Parse; any number of threads may read it.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace ducha::review {

// The facts review can establish, by their rule-table names. Automatic ones come from the
// streams (working days overdue from tracking's escalations; failed re-inspections); verified
// ones are confirmed by the commissioner office's opinion.
inline constexpr std::string_view kFactNames[] = {
    "working_day_overdue", "failed_reinspection", "perfunctory_claim",         "false_claim",
    "listed_failed",       "repeated_problem",    "denied_then_substantiated",
};
// The facts only the commissioner office can establish (verified_facts of an opinion).
inline constexpr std::string_view kVerifiedFactNames[] = {"perfunctory_claim", "false_claim",
                                                          "denied_then_substantiated"};

bool IsVerifiedFact(std::string_view name);

struct FactRule {
  std::string name;
  std::string display_name;
  int points_each = 0;
  std::optional<int> max_points;  // a cap on the fact's total, if any
};

struct Level {
  std::string name;
  std::string display_name;
  int min_points = 0;
  std::optional<int> max_points;  // none: no upper bound
};

class Rules {
 public:
  // Errors name the place: unknown_fact (facts.<name>), overlapping_levels (levels[i]),
  // invalid_value, missing_field, malformed (not JSON).
  static Result<Rules> Parse(std::string_view json_text);
  static Result<Rules> Load(const std::string& path);

  int version() const { return version_; }
  const std::vector<FactRule>& facts() const { return facts_; }
  const std::vector<Level>& levels() const { return levels_; }
  const FactRule* FindFact(std::string_view name) const;
  // The level a total falls in; none below the lowest.
  const Level* LevelFor(int points) const;

 private:
  int version_ = 0;
  std::vector<FactRule> facts_;
  std::vector<Level> levels_;  // ascending by min_points
};

}  // namespace ducha::review
