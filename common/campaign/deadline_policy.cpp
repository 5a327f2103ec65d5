#include "common/campaign/deadline_policy.h"

#include <algorithm>
#include <set>
#include <utility>

#include "common/campaign/names.h"

namespace ducha::campaign {
namespace {

bool Matches(std::string_view pattern, std::string_view name) {
  return pattern == kWildcard || pattern == name;
}

Status CheckPattern(std::string_view value, bool known, const std::string& field,
                    std::string_view what) {
  if (value == kWildcard || known) return OkStatus();
  return MakeError("unknown_name", field,
                   "unknown " + std::string(what) + " '" + std::string(value) + "'");
}

Status CheckNames(std::string_view channel, std::string_view category, std::string_view severity) {
  if (!IsChannelName(channel)) {
    return MakeError("unknown_name", "channel", "unknown channel '" + std::string(channel) + "'");
  }
  if (!IsCategoryName(category)) {
    return MakeError("unknown_name", "category",
                     "unknown category '" + std::string(category) + "'");
  }
  if (!IsSeverityName(severity)) {
    return MakeError("unknown_name", "severity",
                     "unknown severity '" + std::string(severity) + "'");
  }
  return OkStatus();
}

Status CheckPositive(int value, const std::string& field) {
  if (value > 0) return OkStatus();
  return MakeError("invalid_value", field, "must be a positive number of working days");
}

}  // namespace

Result<DeadlinePolicy> DeadlinePolicy::Create(DeadlinePolicySpec spec) {
  const std::string root = "deadline_policy";
  if (auto s = CheckPositive(spec.verification_working_days, root + ".verification_working_days");
      !s) {
    return s.error();
  }
  if (spec.rectification.empty()) {
    return MakeError("missing_field", root + ".rectification", "no rectification rules");
  }
  for (std::size_t i = 0; i < spec.rectification.size(); ++i) {
    const RectificationRule& r = spec.rectification[i];
    const std::string place = root + ".rectification[" + std::to_string(i) + "]";
    if (auto s = CheckPattern(r.channel, IsChannelName(r.channel), place + ".channel", "channel");
        !s) {
      return s.error();
    }
    if (auto s =
            CheckPattern(r.category, IsCategoryName(r.category), place + ".category", "category");
        !s) {
      return s.error();
    }
    if (auto s =
            CheckPattern(r.severity, IsSeverityName(r.severity), place + ".severity", "severity");
        !s) {
      return s.error();
    }
    if (auto s = CheckPositive(r.working_days, place + ".working_days"); !s) return s.error();
  }

  std::set<std::string> listed;
  for (std::size_t i = 0; i < spec.listing.always_listed_channels.size(); ++i) {
    const std::string& c = spec.listing.always_listed_channels[i];
    const std::string place = root + ".listing.always_listed_channels[" + std::to_string(i) + "]";
    if (!IsChannelName(c)) return MakeError("unknown_name", place, "unknown channel '" + c + "'");
    if (!listed.insert(c).second) {
      return MakeError("duplicate", place, "channel '" + c + "' is listed twice");
    }
  }
  if (spec.listing.listed_at_report_count < 1) {
    return MakeError("invalid_value", root + ".listing.listed_at_report_count",
                     "must be at least 1");
  }
  if (auto s = CheckPositive(spec.listing.max_working_days_when_listed,
                             root + ".listing.max_working_days_when_listed");
      !s) {
    return s.error();
  }
  if (!(spec.duplicate_radius_m > 0)) {
    return MakeError("invalid_value", root + ".duplicate_radius_m", "must be a positive distance");
  }
  for (std::size_t i = 0; i < spec.early_warning_fractions.size(); ++i) {
    const double f = spec.early_warning_fractions[i];
    const std::string place = root + ".early_warning_fractions[" + std::to_string(i) + "]";
    if (!(f > 0.0 && f < 1.0)) {
      return MakeError("invalid_value", place,
                       "an early-warning fraction must lie strictly between 0 and 1");
    }
    if (i > 0 && !(f > spec.early_warning_fractions[i - 1])) {
      return MakeError("out_of_order", place, "early-warning fractions must be ascending");
    }
  }
  if (spec.escalation.empty()) {
    return MakeError("missing_field", root + ".escalation", "no escalation rungs");
  }
  std::set<std::string> rung_names;
  for (std::size_t i = 0; i < spec.escalation.size(); ++i) {
    const EscalationRung& r = spec.escalation[i];
    const std::string place = root + ".escalation[" + std::to_string(i) + "]";
    if (r.name.empty()) return MakeError("missing_field", place + ".name", "rung has no name");
    if (!rung_names.insert(r.name).second) {
      return MakeError("duplicate", place + ".name", "rung '" + r.name + "' appears twice");
    }
    if (r.after_working_days_overdue < 0) {
      return MakeError("invalid_value", place + ".after_working_days_overdue",
                       "must not be negative");
    }
    if (i > 0 &&
        r.after_working_days_overdue <= spec.escalation[i - 1].after_working_days_overdue) {
      return MakeError("out_of_order", place + ".after_working_days_overdue",
                       "rung '" + r.name + "' must come strictly later than '" +
                           spec.escalation[i - 1].name + "'");
    }
  }
  if (spec.extensions.max_per_problem < 0) {
    return MakeError("invalid_value", root + ".extensions.max_per_problem", "must not be negative");
  }
  if (auto s = CheckPositive(spec.extensions.max_working_days_each,
                             root + ".extensions.max_working_days_each");
      !s) {
    return s.error();
  }

  DeadlinePolicy policy(std::move(spec));
  // Every combination a message can carry must get a deadline; report the first gap in the
  // fixed order of names.h so the message is stable.
  for (std::string_view channel : kChannelNames) {
    for (std::string_view category : kCategoryNames) {
      for (std::string_view severity : kSeverityNames) {
        if (policy.Match(channel, category, severity) == nullptr) {
          return MakeError("uncovered", root + ".rectification",
                           "no rule matches channel '" + std::string(channel) + "', category '" +
                               std::string(category) + "', severity '" + std::string(severity) +
                               "'");
        }
      }
    }
  }
  return policy;
}

const RectificationRule* DeadlinePolicy::Match(std::string_view channel, std::string_view category,
                                               std::string_view severity) const {
  for (const RectificationRule& r : spec_.rectification) {
    if (Matches(r.channel, channel) && Matches(r.category, category) &&
        Matches(r.severity, severity)) {
      return &r;
    }
  }
  return nullptr;
}

Result<int> DeadlinePolicy::RectificationWorkingDays(std::string_view channel,
                                                     std::string_view category,
                                                     std::string_view severity, bool listed) const {
  if (auto s = CheckNames(channel, category, severity); !s) return s.error();
  const RectificationRule* rule = Match(channel, category, severity);
  if (rule == nullptr) {
    // Create() proved the table complete; reaching this means the invariant broke.
    return MakeError("uncovered", "", "no rectification rule matches");
  }
  return listed ? std::min(rule->working_days, spec_.listing.max_working_days_when_listed)
                : rule->working_days;
}

Result<bool> DeadlinePolicy::IsListedByRule(std::string_view channel, int report_count) const {
  if (!IsChannelName(channel)) {
    return MakeError("unknown_name", "channel", "unknown channel '" + std::string(channel) + "'");
  }
  const auto& always = spec_.listing.always_listed_channels;
  if (std::find(always.begin(), always.end(), channel) != always.end()) return true;
  return report_count >= spec_.listing.listed_at_report_count;
}

std::optional<EscalationRung> DeadlinePolicy::RungFor(int working_days_overdue) const {
  std::optional<EscalationRung> reached;
  for (const EscalationRung& r : spec_.escalation) {
    if (working_days_overdue >= r.after_working_days_overdue) reached = r;
  }
  return reached;
}

}  // namespace ducha::campaign
