#pragma once
// The events tracking emits, as domain values. The store writes them to tracking's outbox in
// the transaction that writes the entry; a later step maps each to its proto-schemas message.
// Review consumes RectificationClaimed; the bulletin and the notifier consume the rest.
//
// The clock's events (DeadlineWarning, Overdue, Escalated) carry the day real time produces them
// (`due_day`), never the day a sweep happened to notice them, so a simulated clock that jumps
// emits exactly what a day-by-day run emits.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "services/tracking/core/ledger_entry.h"

namespace ducha::tracking {

// Which deadline a time event is about: the verification's or the rectification's.
using DeadlineKind = proto::dispatch::AssignmentKind;

struct ProgressReported {
  std::int64_t problem_id = 0;
  Body body;
  std::string text;
  std::string by;
  timeutil::Millis at = 0;

  friend bool operator==(const ProgressReported&, const ProgressReported&) = default;
};

// The city bureau's verification result (核查结论). When substantiated, the problem now has a
// rectification deadline.
struct VerificationConcluded {
  std::int64_t problem_id = 0;
  Body body;
  bool substantiated = false;
  std::string explanation;
  std::optional<Day> rectification_deadline;  // when substantiated
  std::string by;
  timeutil::Millis at = 0;

  friend bool operator==(const VerificationConcluded&, const VerificationConcluded&) = default;
};

// A body claims the problem rectified (整改销号申请); review schedules the re-inspection.
struct RectificationClaimed {
  std::int64_t problem_id = 0;
  Body body;
  DivisionCode jurisdiction = 0;
  DivisionCode city = 0;
  std::string description;
  std::vector<std::string> evidence;  // references to the evidence (files, documents)
  Day deadline = 0;
  Day claimed_day = 0;
  bool late = false;  // claimed after the deadline
  std::string by;
  timeutil::Millis at = 0;

  friend bool operator==(const RectificationClaimed&, const RectificationClaimed&) = default;
};

struct ExtensionRequested {
  std::int64_t problem_id = 0;
  Body body;
  int working_days = 0;
  std::string reason;
  Day deadline = 0;  // the deadline the request would extend
  std::string by;
  timeutil::Millis at = 0;

  friend bool operator==(const ExtensionRequested&, const ExtensionRequested&) = default;
};

struct ExtensionDecided {
  std::int64_t problem_id = 0;
  Body body;
  bool approved = false;
  int working_days = 0;  // as requested
  std::string reason;    // the supervision center's
  Day deadline = 0;      // after the decision (moved when approved)
  int extensions_used = 0;
  std::string by;
  timeutil::Millis at = 0;

  friend bool operator==(const ExtensionDecided&, const ExtensionDecided&) = default;
};

// A failed re-inspection sent the problem back (复查未通过): rectification starts again.
struct Reopened {
  std::int64_t problem_id = 0;
  Body body;
  std::string findings;
  Day deadline = 0;  // the new one
  int reopen_count = 0;
  std::string by;
  timeutil::Millis at = 0;

  friend bool operator==(const Reopened&, const Reopened&) = default;
};

// Re-inspection confirmed the rectification (整改销号).
struct Rectified {
  std::int64_t problem_id = 0;
  Body body;
  std::string note;
  std::string by;
  timeutil::Millis at = 0;

  friend bool operator==(const Rectified&, const Rectified&) = default;
};

// `fraction` of the working days to the deadline are used up (临期预警).
struct DeadlineWarning {
  std::int64_t problem_id = 0;
  Body body;
  DeadlineKind deadline_kind = DeadlineKind::kRectification;
  double fraction = 0;
  int working_days_used = 0;   // on due_day
  int working_days_total = 0;  // from deadline_started_day to the deadline
  Day deadline = 0;
  Day due_day = 0;

  friend bool operator==(const DeadlineWarning&, const DeadlineWarning&) = default;
};

// The deadline has passed (逾期): due the day after the deadline.
struct Overdue {
  std::int64_t problem_id = 0;
  Body body;
  DeadlineKind deadline_kind = DeadlineKind::kRectification;
  Day deadline = 0;
  Day due_day = 0;

  friend bool operator==(const Overdue&, const Overdue&) = default;
};

// An overdue problem reached a rung of the campaign's escalation ladder (催办, 督办, 通报,
// 问责候选).
struct Escalated {
  std::int64_t problem_id = 0;
  Body body;
  DeadlineKind deadline_kind = DeadlineKind::kRectification;
  int rung = 0;  // 1-based position on the ladder
  std::string rung_name;
  std::string display_name;
  int working_days_overdue = 0;  // the rung's threshold, reached on due_day
  Day deadline = 0;
  Day due_day = 0;

  friend bool operator==(const Escalated&, const Escalated&) = default;
};

using Event =
    std::variant<ProgressReported, VerificationConcluded, RectificationClaimed, ExtensionRequested,
                 ExtensionDecided, Reopened, Rectified, DeadlineWarning, Overdue, Escalated>;

}  // namespace ducha::tracking
