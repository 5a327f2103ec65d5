#pragma once
// The campaign's deadline policy: how many working days a city bureau has to verify a citizen
// report, how many a government has to rectify a problem, when a problem comes under listed
// supervision (挂牌督办), how overdue problems escalate, and the numbers intake and tracking
// share (duplicate radius, early-warning fractions, extensions). All of it is campaign data, so
// a new campaign changes the file, not the code.
//
// Built once by DeadlinePolicy::Create (which validates it) and immutable afterwards; every method
// is const and safe to call from any number of threads.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/result.h"

namespace ducha::campaign {

inline constexpr std::string_view kWildcard = "*";

// One row of the rectification table. Each of channel, category and severity is a fixed name
// (names.h) or "*". The first row matching a problem gives its deadline.
struct RectificationRule {
  std::string channel;
  std::string category;
  std::string severity;
  int working_days = 0;
};

struct ListingRule {
  std::vector<std::string> always_listed_channels;  // Listed from the first report.
  int listed_at_report_count = 0;        // A problem is listed once it has this many reports.
  int max_working_days_when_listed = 0;  // Caps the rectification deadline of a listed problem.
};

// One step of the overdue ladder: 催办, 督办, 通报, 问责候选.
struct EscalationRung {
  std::string name;          // reminder, supervision_notice, ...
  std::string display_name;  // 催办, 督办, ...
  int after_working_days_overdue = 0;
};

struct ExtensionPolicy {
  int max_per_problem = 0;
  int max_working_days_each = 0;
};

struct DeadlinePolicySpec {
  int verification_working_days = 0;
  std::vector<RectificationRule> rectification;
  ListingRule listing;
  double duplicate_radius_m = 0;
  std::vector<double> early_warning_fractions;  // Of the deadline used up; ascending, in (0,1).
  std::vector<EscalationRung> escalation;       // Ascending thresholds.
  ExtensionPolicy extensions;
};

class DeadlinePolicy {
 public:
  // Validates names against names.h, positive day counts, fractions in (0,1) and ascending,
  // rungs strictly ascending, and that the rectification table covers every
  // channel x category x severity (the first uncovered combination is reported). Error fields
  // point into campaign.json ("deadline_policy.rectification[2].channel").
  static Result<DeadlinePolicy> Create(DeadlinePolicySpec spec);

  const DeadlinePolicySpec& spec() const { return spec_; }

  int VerificationWorkingDays() const { return spec_.verification_working_days; }

  // Working days to rectify: the first matching rule, capped by the listing rule when `listed`.
  // Error "unknown_name" for a name outside names.h.
  Result<int> RectificationWorkingDays(std::string_view channel, std::string_view category,
                                       std::string_view severity, bool listed) const;

  // Whether the rules alone put a problem under listed supervision: its channel is always listed,
  // or it has reached the report count. (Operators may list any problem by hand besides.)
  Result<bool> IsListedByRule(std::string_view channel, int report_count) const;

  // The highest rung reached by a problem that is past its deadline by `working_days_overdue`
  // working days (Calendar::WorkingDaysBetween(deadline, today)); none below the first rung.
  // Call it only once the deadline has passed: a problem due today is not overdue.
  std::optional<EscalationRung> RungFor(int working_days_overdue) const;

  double DuplicateRadiusMetres() const { return spec_.duplicate_radius_m; }
  const std::vector<double>& EarlyWarningFractions() const { return spec_.early_warning_fractions; }
  const std::vector<EscalationRung>& Escalation() const { return spec_.escalation; }
  const ExtensionPolicy& Extensions() const { return spec_.extensions; }
  const ListingRule& Listing() const { return spec_.listing; }

 private:
  explicit DeadlinePolicy(DeadlinePolicySpec spec) : spec_(std::move(spec)) {}

  const RectificationRule* Match(std::string_view channel, std::string_view category,
                                 std::string_view severity) const;

  DeadlinePolicySpec spec_;
};

}  // namespace ducha::campaign
