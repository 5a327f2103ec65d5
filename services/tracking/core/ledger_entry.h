#pragma once
// One problem's line in the ledger (台账): who answers for it, by when, under which group,
// whether it is listed, what the clock has already announced, and everything that happened to
// it. A plain value: the Ledger (ledger.h) computes the next value from the current one, and the
// store persists it; nothing here reads a clock or knows about storage.
//
// States and the allowed transitions (anything else is refused with wrong_state):
//
//   dispatch.problem_assigned, kind verification ──▶ awaiting_verification
//   dispatch.problem_assigned, kind rectification ─▶ in_rectification
//
//   awaiting_verification ──VerificationResult{substantiated}────▶ in_rectification
//                                  (a new deadline from the policy, counted from that day)
//   awaiting_verification ──VerificationResult{not substantiated}─▶ closed_not_substantiated
//   in_rectification ──────Claim───────────────────────────────────▶ claimed
//   claimed ───────────────ReinspectionPassed───────────────────────▶ closed_rectified
//   claimed ───────────────ReinspectionFailed (reopening)───────────▶ in_rectification
//                                  (a new deadline from the policy, counted from that day;
//                                   reopen_count + 1)
//
//   awaiting_verification, in_rectification (the open states, where a deadline runs):
//     Progress, RequestExtension, DecideExtension and the time-driven events (Sweep) keep the
//     state; an approved extension moves the deadline.
//   claimed: the claim stops the clock. No warnings, no overdue, no escalation, no extensions.
//   closed_not_substantiated, closed_rectified: terminal. Only dispatch's facts (a repeat report,
//     a reassignment, a listing) are still recorded, for disclosure.
//
// Reopening is a transition, not a state: a reopened problem obeys exactly the rules of
// in_rectification, so a separate state would only duplicate them. reopen_count and the history
// tell that it was reopened.
//
// The marks (warnings_sent, overdue_notified, escalation_rung) belong to the current deadline:
// every change of the deadline (substantiation, reopening, an approved extension, a deadline
// change or listing cap from dispatch) clears them, and the clock then announces what is due
// against the new deadline, each once.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/time.h"
#include "common/campaign/campaign.h"
#include "proto/common.h"
#include "proto/dispatch.h"

namespace ducha::tracking {

using campaign::Day;
using campaign::DivisionCode;

enum class State {
  kAwaitingVerification,    // the city bureau verifies a citizen report (核查)
  kInRectification,         // the body rectifies by the deadline (限期整改)
  kClaimed,                 // rectification claimed, awaiting re-inspection (复查)
  kClosedNotSubstantiated,  // verification found nothing; kept with the explanation
  kClosedRectified,         // re-inspection confirmed the rectification
};

std::string_view ToString(State state);
std::optional<State> ParseState(std::string_view name);
// A deadline runs: awaiting_verification or in_rectification.
bool IsOpen(State state);
bool IsClosed(State state);

// The responsible body (责任单位), as dispatch assigned it.
struct Body {
  DivisionCode code = 0;
  std::string name;
  proto::dispatch::BodyKind kind = proto::dispatch::BodyKind::kCountyGovernment;

  friend bool operator==(const Body&, const Body&) = default;
};

// One line of an entry's history.
struct HistoryEntry {
  timeutil::Millis at = 0;  // on the fleet clock; midnight of the due day for the clock's events
  std::string what;         // assigned, claimed, early_warning, escalated, ... (stable names)
  std::string by;           // the actor's name, dispatch's `by`, or kByClock
  std::string detail;       // human-readable

  friend bool operator==(const HistoryEntry&, const HistoryEntry&) = default;
};

inline constexpr const char* kByClock = "clock";
inline constexpr const char* kByDispatch = "dispatch";

// An extension request waiting for the supervision center's decision.
struct PendingExtension {
  int working_days = 0;
  std::string reason;
  std::string by;
  timeutil::Millis at = 0;

  friend bool operator==(const PendingExtension&, const PendingExtension&) = default;
};

struct LedgerEntry {
  std::int64_t problem_id = 0;
  proto::dispatch::AssignmentKind kind = proto::dispatch::AssignmentKind::kRectification;
  Body body;
  DivisionCode jurisdiction = 0;  // where the problem is (county, or city for city-wide)
  DivisionCode city = 0;          // its campaign jurisdiction
  proto::common::Channel channel = proto::common::Channel::kSupervisionGroup;
  proto::common::Category category = proto::common::Category::kOther;
  proto::common::Severity severity = proto::common::Severity::kGeneral;
  bool listed = false;
  std::string title;
  int report_count = 1;
  std::optional<std::string> supervising_group;
  std::optional<int> round;

  State state = State::kInRectification;
  Day assigned_day = 0;
  Day deadline = 0;              // the last day of the current deadline, inclusive
  Day deadline_started_day = 0;  // the day the current deadline counts from (warning fractions)
  int extensions_used = 0;       // approved extensions, over the problem's whole life
  std::optional<PendingExtension> pending_extension;
  int reopen_count = 0;
  // The verification's explanation, kept for disclosure (and the finding of a substantiated one).
  std::optional<std::string> verification_explanation;

  // What the clock has announced against the current deadline.
  std::vector<double> warnings_sent;  // the early-warning fractions emitted, ascending
  bool overdue_notified = false;
  int escalation_rung = 0;  // rungs emitted: 0 none, i = policy().Escalation()[i - 1] reached

  std::vector<HistoryEntry> history;

  friend bool operator==(const LedgerEntry&, const LedgerEntry&) = default;
};

}  // namespace ducha::tracking
