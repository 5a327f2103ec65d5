#pragma once
// Tracking's domain (跟踪整改): keeps each assigned problem's ledger entry from assignment to the
// confirmed rectification, decides what every body, supervision-center and review action does
// to it, and which deadline warnings, overdue notices and escalations the clock owes it. Every
// number (verification and rectification working days, warning fractions, the escalation
// ladder, the extension caps, the calendar) comes from the campaign.
//
// Pure: no sockets, no SQL, no clock reads. The time of an action comes in as a value (`now`
// on the fleet clock) and the clock's events are computed for a given day, so a replay or a
// simulated clock decides exactly what the live run decided. Ledger is immutable after
// construction and safe to use from any number of threads.
//
// Every decision returns the entry after it and the events to emit, or an Error and no change.
// Who may do what (anything else: forbidden; a body outside its scope: out_of_scope):
//
//   action               actor                 states
//   Progress             body, in scope        awaiting_verification, in_rectification
//   VerificationResult   body, in scope        awaiting_verification
//   Claim                body, in scope        in_rectification
//   RequestExtension     body, in scope        awaiting_verification, in_rectification
//   DecideExtension      supervision center    open, with a pending request
//   ReinspectionFailed   review                claimed
//   ReinspectionPassed   review                claimed
//
// A body is in scope when the problem's jurisdiction or its body's code is in the actor's scope.
// Checks run in that order: role, scope, state (with the pending request and the extension cap),
// then the action's fields.

#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/base/time.h"
#include "common/campaign/campaign.h"
#include "proto/dispatch.h"
#include "services/tracking/core/actor.h"
#include "services/tracking/core/events.h"
#include "services/tracking/core/ledger_entry.h"

namespace ducha::tracking {

// A progress update (进展报告).
struct Progress {
  std::string text;
};

// The city bureau's verification of a citizen report (核查结论). The explanation is required
// when not substantiated: it is what the disclosure shows.
struct VerificationResult {
  bool substantiated = false;
  std::string explanation;
};

// The claim that the problem is rectified, with references to the evidence (at least one).
struct Claim {
  std::string description;
  std::vector<std::string> evidence;
};

struct RequestExtension {
  int working_days = 0;
  std::string reason;
};

// The supervision center's decision on the pending extension request; a reason either way.
struct DecideExtension {
  bool approve = false;
  std::string reason;
};

// Re-inspection (复查) found the problem still there.
struct ReinspectionFailed {
  std::string findings;
};

struct ReinspectionPassed {
  std::string note;  // optional
};

struct Decision {
  LedgerEntry entry;
  std::vector<Event> events;
};

class Ledger {
 public:
  explicit Ledger(const campaign::Campaign& campaign);

  // --- dispatch's events (the `assignments` stream) -------------------------------------------
  // These are facts already committed by dispatch: they are recorded in every state and emit
  // nothing. Errors mean the event can never be applied (the consumer parks it): invalid_format
  // (a code or date that does not parse), outside_calendar (a day the calendar does not cover),
  // missing_field (a reassignment without its body), wrong_problem (the event is about another
  // problem than `entry`).

  // Opens the entry: awaiting_verification for a verification, in_rectification otherwise, with
  // dispatch's deadline counted from the day of assignment.
  Result<Decision> OnAssigned(const proto::dispatch::ProblemAssigned& event) const;
  // A repeat report: the count and the history.
  Result<Decision> OnSourceAdded(const LedgerEntry& entry,
                                 const proto::dispatch::SourceAdded& event) const;
  // Reassigned (new body), deadline changed, listed or unlisted. Body and listing follow dispatch
  // in every state; a new deadline applies only while a deadline runs (the open states) and
  // clears the clock's marks; otherwise the history notes it was not applied.
  Result<Decision> OnChanged(const LedgerEntry& entry,
                             const proto::dispatch::ProblemChanged& event) const;

  // --- actions ---------------------------------------------------------------------------------
  // Errors: forbidden, out_of_scope, wrong_state, blank (the field named), and as noted.

  Result<Decision> OnProgress(const LedgerEntry& entry, const Actor& actor, const Progress& action,
                              timeutil::Millis now) const;
  // Substantiated: in_rectification, with RectificationWorkingDays(channel, category, severity,
  // listed) working days counted from the day of the result. The body stays the city bureau;
  // the supervision center reassigns through dispatch when a government should rectify.
  // Errors besides: outside_calendar.
  Result<Decision> OnVerificationResult(const LedgerEntry& entry, const Actor& actor,
                                        const VerificationResult& action,
                                        timeutil::Millis now) const;
  // A claim stops the clock and drops a pending extension request.
  Result<Decision> OnClaim(const LedgerEntry& entry, const Actor& actor, const Claim& action,
                           timeutil::Millis now) const;
  // Errors besides: wrong_state when a request is already pending, invalid_value (fewer than 1
  // working day), extension_too_long (more than Extensions().max_working_days_each),
  // extension_cap (Extensions().max_per_problem approved already).
  Result<Decision> OnExtensionRequest(const LedgerEntry& entry, const Actor& actor,
                                      const RequestExtension& action, timeutil::Millis now) const;
  // Approval moves the deadline by the requested working days from the current deadline and
  // clears the clock's marks. Errors besides: extension_cap, outside_calendar.
  Result<Decision> OnExtensionDecision(const LedgerEntry& entry, const Actor& actor,
                                       const DecideExtension& action, timeutil::Millis now) const;
  // Reopens: in_rectification with a new deadline from the policy counted from the day of the
  // result, the clock's marks cleared, extensions_used kept (the cap is per problem). Errors
  // besides: outside_calendar.
  Result<Decision> OnReinspectionFailed(const LedgerEntry& entry, const Actor& actor,
                                        const ReinspectionFailed& action,
                                        timeutil::Millis now) const;
  Result<Decision> OnReinspectionPassed(const LedgerEntry& entry, const Actor& actor,
                                        const ReinspectionPassed& action,
                                        timeutil::Millis now) const;

  // --- the clock -------------------------------------------------------------------------------
  // The time-driven events due for `entry` on `today` that it has not had yet, in the order real
  // time produces them, and the entry with them recorded. Only the open states have any:
  //
  //  - early warning at each fraction f of EarlyWarningFractions(), once: due on the first day
  //    when used >= ceil(f × total), where used = WorkingDaysBetween(started, today) and total =
  //    WorkingDaysBetween(started, deadline) (ceil with a 1e-9 tolerance, so 0.9 × 10 is 9
  //    working days, not 10). Never before f of the time is really used; with total = 15, the
  //    0.75 warning comes after 12 working days and the 0.9 after 14. A deadline with no working
  //    day after its start (total <= 0) has no early warnings.
  //  - overdue, once: due the day after the deadline (a problem due today is not overdue).
  //  - each escalation rung, once, in ladder order: due when overdue and WorkingDaysBetween(
  //    deadline, today) >= its threshold; a threshold of 0 is due with the overdue notice.
  //
  // A sweep that jumps several days emits every event crossed, each with its own due_day, so
  // sweeping day by day and sweeping once at the end give the same events and the same entry;
  // sweeping the returned entry again on the same day gives nothing. Error: outside_calendar
  // when `today` is not covered.
  Result<Decision> Sweep(const LedgerEntry& entry, Day today) const;

  // The first day on which Sweep(entry, day) has something to emit: none for an entry with no
  // deadline running, or when every remaining event falls outside the calendar. Exact, so the
  // store sweeps only the entries due (Sweep(entry, d) is empty for every d < NextDueDay and not
  // empty on it), and after Sweep(entry, today) the next due day is after today.
  std::optional<Day> NextDueDay(const LedgerEntry& entry) const;

  Day DayOf(timeutil::Millis t) const;

 private:
  // The day `working_days` after `start` on the campaign calendar; errors name the deadline.
  Result<Day> DeadlineAfter(Day start, int working_days) const;

  const campaign::Campaign& campaign_;
};

}  // namespace ducha::tracking
