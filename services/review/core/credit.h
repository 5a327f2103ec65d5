#pragma once
// The enterprise environmental credit rule (企业环境信用 12 分制), as campaign data
// (deploy/campaigns/<id>/credit.json): points per established violation by severity, for a
// failed re-inspection, and facts that score 12 at once; a rolling window; the colours green
// (0), yellow (≤ 6), red (7–11) and black (≥ 12: put forward for the blacklist). Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/base/time.h"

namespace ducha::review {

struct Colour {
  std::string name;  // green, yellow, red, black
  std::string display_name;
  int min_points = 0;
  std::optional<int> max_points;
};

class CreditRules {
 public:
  static constexpr int kBlack = 12;
  // Errors: malformed, missing_field, invalid_value (a negative point value, colours that do
  // not start at 0, leave a gap or overlap, or do not end in black at 12).
  static Result<CreditRules> Parse(std::string_view json_text);
  static Result<CreditRules> Load(const std::string& path);

  int version() const { return version_; }
  int window_days() const { return window_days_; }
  // Points for an established violation of this severity (general, serious, major); 0 if none.
  int ViolationPoints(std::string_view severity) const;
  int failed_reinspection_points() const { return failed_reinspection_points_; }
  bool ScoresBlackAtOnce(std::string_view fact) const;
  const Colour& ColourFor(int points) const;

 private:
  int version_ = 0;
  int window_days_ = 365;
  std::vector<std::pair<std::string, int>> violation_points_;
  int failed_reinspection_points_ = 0;
  std::vector<std::string> immediate_black_;
  std::vector<Colour> colours_;  // ascending, contiguous from 0
};

// One scored fact against an enterprise.
struct CreditEntry {
  timeutil::Millis at = 0;
  int points = 0;
  bool cleared = false;  // cleared by a verified rectification
};

// The points that count at `now`: not cleared and inside the window (at > now - window).
int CurrentPoints(const CreditRules& rules, const std::vector<CreditEntry>& entries,
                  timeutil::Millis now);

}  // namespace ducha::review
