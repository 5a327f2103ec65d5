#include "services/tracking/core/ledger.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <initializer_list>
#include <utility>

namespace ducha::tracking {
namespace {

namespace pc = proto::common;
namespace pd = proto::dispatch;

std::string Date(Day day) { return timeutil::FormatDate(day); }

std::string Id(const LedgerEntry& e) { return "problem " + std::to_string(e.problem_id); }

std::optional<DivisionCode> ParseCode(const std::string& s) {
  DivisionCode v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

Result<DivisionCode> Code(const std::string& s, const char* field) {
  if (auto code = ParseCode(s)) return *code;
  return MakeError("invalid_format", field, "'" + s + "' is not a division code");
}

bool IsBlank(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

Status NotBlank(const std::string& value, const std::string& field, const std::string& what) {
  if (IsBlank(value)) return MakeError("blank", field, what + ": field '" + field + "' is blank");
  return OkStatus();
}

std::string Describe(const Body& b) {
  return b.name + " (" + std::to_string(b.code) + " " + std::string(pd::ToString(b.kind)) + ")";
}

Result<Body> BodyOf(const pd::Body& b) {
  auto code = Code(b.code, "body.code");
  if (!code) return code.error();
  return Body{*code, b.name, b.kind};
}

Status CheckRole(const Actor& actor, ActorRole role, const char* action) {
  if (actor.role == role) return OkStatus();
  return MakeError("forbidden", "",
                   std::string(action) + " is for the " + std::string(ToString(role)) + " role; " +
                       actor.name + " acts as " + std::string(ToString(actor.role)));
}

// A body acts only on problems of its own: the problem's place or the body it was given to.
Status CheckBody(const LedgerEntry& e, const Actor& actor, const char* action) {
  if (auto ok = CheckRole(actor, ActorRole::kBody, action); !ok) return ok;
  if (actor.InScope(e.jurisdiction) || actor.InScope(e.body.code)) return OkStatus();
  return MakeError("out_of_scope", "problem_id",
                   actor.name + " does not answer for " + Id(e) + " (jurisdiction " +
                       std::to_string(e.jurisdiction) + ", body " + Describe(e.body) + ")");
}

Status CheckState(const LedgerEntry& e, std::initializer_list<State> allowed, const char* action) {
  if (std::find(allowed.begin(), allowed.end(), e.state) != allowed.end()) return OkStatus();
  std::string names;
  for (State s : allowed) names += (names.empty() ? "" : " or ") + std::string(ToString(s));
  return MakeError("wrong_state", "problem_id",
                   std::string(action) + " needs a problem " + names + "; " + Id(e) + " is " +
                       std::string(ToString(e.state)));
}

Status CheckProblem(const LedgerEntry& e, std::int64_t problem_id) {
  if (e.problem_id == problem_id) return OkStatus();
  return MakeError("wrong_problem", "problem_id",
                   "the event is about problem " + std::to_string(problem_id) + ", not " + Id(e));
}

void Record(LedgerEntry& e, timeutil::Millis at, std::string what, std::string by,
            std::string detail) {
  e.history.push_back(HistoryEntry{at, std::move(what), std::move(by), std::move(detail)});
}

// The clock's marks belong to one deadline; a new deadline starts them afresh.
void ClearMarks(LedgerEntry& e) {
  e.warnings_sent.clear();
  e.overdue_notified = false;
  e.escalation_rung = 0;
}

void StartDeadline(LedgerEntry& e, Day start, Day deadline) {
  e.deadline_started_day = start;
  e.deadline = deadline;
  ClearMarks(e);
}

// The working days that must be used before the warning at `fraction` is due (documented on
// Ledger::Sweep). The tolerance absorbs binary rounding: 0.9 × 10 is 9.000000000000002.
int WarningThreshold(double fraction, int total) {
  const double x = std::ceil(fraction * static_cast<double>(total) - 1e-9);
  return std::clamp(static_cast<int>(x), 1, total);
}

constexpr std::int64_t kMaxReportCount = 1'000'000;

int Percent(double fraction) { return static_cast<int>(std::lround(fraction * 100)); }

}  // namespace

Ledger::Ledger(const campaign::Campaign& campaign) : campaign_(campaign) {}

Result<Day> Ledger::DeadlineAfter(Day start, int working_days) const {
  const campaign::Calendar& calendar = campaign_.calendar();
  auto deadline = calendar.AddWorkingDays(start, working_days);
  if (deadline) return deadline;
  return MakeError(deadline.error().code, "deadline",
                   "a deadline " + std::to_string(working_days) + " working days after " +
                       Date(start) + " cannot be set: " + deadline.error().message);
}

Day Ledger::DayOf(timeutil::Millis t) const {
  return timeutil::DayOf(t, campaign_.info().utc_offset_minutes);
}

Result<Decision> Ledger::OnAssigned(const pd::ProblemAssigned& event) const {
  auto body = BodyOf(event.body);
  if (!body) return body.error();
  auto jurisdiction = Code(event.jurisdiction, "jurisdiction");
  if (!jurisdiction) return jurisdiction.error();
  auto city = Code(event.city, "city");
  if (!city) return city.error();
  const auto deadline = timeutil::ParseDate(event.deadline);
  if (!deadline || Date(*deadline) != event.deadline) {
    return MakeError("invalid_format", "deadline",
                     "'" + event.deadline + "' is not a date (YYYY-MM-DD)");
  }
  const campaign::Calendar& calendar = campaign_.calendar();
  const Day assigned_day = DayOf(event.assigned_at);
  for (const auto& [day, field] :
       {std::pair{assigned_day, "assigned_at"}, std::pair{*deadline, "deadline"}}) {
    if (!calendar.Covers(day)) {
      return MakeError("outside_calendar", field,
                       Date(day) + " is outside the campaign calendar (" + Date(calendar.from()) +
                           " to " + Date(calendar.to()) + ")");
    }
  }

  Decision d;
  LedgerEntry& e = d.entry;
  e.problem_id = event.problem_id;
  e.kind = event.kind;
  e.body = *body;
  e.jurisdiction = *jurisdiction;
  e.city = *city;
  e.channel = event.channel;
  e.category = event.category;
  e.severity = event.severity;
  e.listed = event.listed;
  e.title = event.title;
  e.report_count = 1;
  e.supervising_group = event.supervising_group;
  if (event.round) e.round = static_cast<int>(*event.round);
  e.state = event.kind == pd::AssignmentKind::kVerification ? State::kAwaitingVerification
                                                            : State::kInRectification;
  e.assigned_day = assigned_day;
  StartDeadline(e, assigned_day, *deadline);
  Record(e, event.assigned_at, "assigned", kByDispatch,
         std::string(pd::ToString(event.kind)) + " by " + Describe(e.body) + ", deadline " +
             event.deadline + (e.listed ? ", listed" : ""));
  return d;
}

Result<Decision> Ledger::OnSourceAdded(const LedgerEntry& entry,
                                       const pd::SourceAdded& event) const {
  if (auto ok = CheckProblem(entry, event.problem_id); !ok) return ok.error();
  Decision d{entry, {}};
  // Redelivered or reordered repeats never lower the count.
  const auto count = std::clamp<std::int64_t>(event.report_count, 1, kMaxReportCount);
  d.entry.report_count = std::max(entry.report_count, static_cast<int>(count));
  Record(d.entry, event.at, "source_added", kByDispatch,
         "report " + std::to_string(event.report_id) + " on channel " +
             std::string(pc::ToString(event.channel)) + ", report " +
             std::to_string(event.report_count) + " of the problem");
  return d;
}

Result<Decision> Ledger::OnChanged(const LedgerEntry& entry,
                                   const pd::ProblemChanged& event) const {
  if (auto ok = CheckProblem(entry, event.problem_id); !ok) return ok.error();
  if (event.change == pd::ChangeKind::kReassigned && !event.body) {
    return MakeError("missing_field", "body", "a reassignment must name the new body");
  }
  if (event.change == pd::ChangeKind::kDeadlineChanged && !event.deadline) {
    return MakeError("missing_field", "deadline", "a deadline change must name the new deadline");
  }
  std::optional<Body> body;
  if (event.body) {
    auto b = BodyOf(*event.body);
    if (!b) return b.error();
    body = *b;
  }
  std::optional<Day> deadline;
  if (event.deadline) {
    deadline = timeutil::ParseDate(*event.deadline);
    if (!deadline || Date(*deadline) != *event.deadline) {
      return MakeError("invalid_format", "deadline",
                       "'" + *event.deadline + "' is not a date (YYYY-MM-DD)");
    }
    if (!campaign_.calendar().Covers(*deadline)) {
      return MakeError("outside_calendar", "deadline",
                       *event.deadline + " is outside the campaign calendar");
    }
  }

  Decision d{entry, {}};
  LedgerEntry& e = d.entry;
  std::string detail = event.reason;
  if (body) {
    detail += "; body " + Describe(e.body) + " -> " + Describe(*body);
    e.body = *body;
  }
  if (e.listed != event.listed) detail += event.listed ? "; listed" : "; unlisted";
  e.listed = event.listed;
  if (deadline && *deadline != e.deadline) {
    if (IsOpen(e.state)) {
      detail += "; deadline " + Date(e.deadline) + " -> " + Date(*deadline);
      e.deadline = *deadline;
      ClearMarks(e);
    } else {
      detail += "; deadline " + Date(*deadline) + " not applied: the problem is " +
                std::string(ToString(e.state));
    }
  }
  Record(e, event.at, std::string(pd::ToString(event.change)), event.by, std::move(detail));
  return d;
}

Result<Decision> Ledger::OnProgress(const LedgerEntry& entry, const Actor& actor,
                                    const Progress& action, timeutil::Millis now) const {
  if (auto ok = CheckBody(entry, actor, "a progress report"); !ok) return ok.error();
  if (auto ok = CheckState(entry, {State::kAwaitingVerification, State::kInRectification},
                           "a progress report");
      !ok) {
    return ok.error();
  }
  if (auto ok = NotBlank(action.text, "text", "a progress report needs its text"); !ok) {
    return ok.error();
  }
  Decision d{entry, {}};
  Record(d.entry, now, "progress", actor.name, action.text);
  d.events.push_back(ProgressReported{entry.problem_id, entry.body, action.text, actor.name, now});
  return d;
}

Result<Decision> Ledger::OnVerificationResult(const LedgerEntry& entry, const Actor& actor,
                                              const VerificationResult& action,
                                              timeutil::Millis now) const {
  if (auto ok = CheckBody(entry, actor, "a verification result"); !ok) return ok.error();
  if (auto ok = CheckState(entry, {State::kAwaitingVerification}, "a verification result"); !ok) {
    return ok.error();
  }
  if (!action.substantiated) {
    if (auto ok = NotBlank(action.explanation, "explanation",
                           "a report found not substantiated needs the explanation disclosed");
        !ok) {
      return ok.error();
    }
  }
  Decision d{entry, {}};
  LedgerEntry& e = d.entry;
  const Day today = DayOf(now);
  VerificationConcluded ev{
      e.problem_id, e.body, action.substantiated, action.explanation, std::nullopt,
      actor.name,   now};
  if (!IsBlank(action.explanation)) e.verification_explanation = action.explanation;
  e.pending_extension.reset();
  if (action.substantiated) {
    const auto days = campaign_.policy().RectificationWorkingDays(
        pc::ToString(e.channel), pc::ToString(e.category), pc::ToString(e.severity), e.listed);
    if (!days) return days.error();
    const auto deadline = DeadlineAfter(today, *days);
    if (!deadline) return deadline.error();
    e.state = State::kInRectification;
    StartDeadline(e, today, *deadline);
    ev.rectification_deadline = *deadline;
    Record(e, now, "verified_substantiated", actor.name,
           "rectification deadline " + Date(*deadline) + " (" + std::to_string(*days) +
               " working days)" + (IsBlank(action.explanation) ? "" : "; " + action.explanation));
  } else {
    e.state = State::kClosedNotSubstantiated;
    Record(e, now, "verified_not_substantiated", actor.name, action.explanation);
  }
  d.events.push_back(std::move(ev));
  return d;
}

Result<Decision> Ledger::OnClaim(const LedgerEntry& entry, const Actor& actor, const Claim& action,
                                 timeutil::Millis now) const {
  if (auto ok = CheckBody(entry, actor, "a rectification claim"); !ok) return ok.error();
  if (auto ok = CheckState(entry, {State::kInRectification}, "a rectification claim"); !ok) {
    return ok.error();
  }
  if (auto ok = NotBlank(action.description, "description",
                         "a rectification claim needs its description");
      !ok) {
    return ok.error();
  }
  if (action.evidence.empty()) {
    return MakeError("blank", "evidence",
                     "a rectification claim needs at least one evidence "
                     "reference: field 'evidence' is empty");
  }
  for (std::size_t i = 0; i < action.evidence.size(); ++i) {
    const std::string field = "evidence[" + std::to_string(i) + "]";
    if (auto ok = NotBlank(action.evidence[i], field, "an evidence reference cannot be empty");
        !ok) {
      return ok.error();
    }
  }
  Decision d{entry, {}};
  LedgerEntry& e = d.entry;
  const Day today = DayOf(now);
  std::string detail =
      action.description + " (" + std::to_string(action.evidence.size()) + " evidence references)";
  if (e.pending_extension) {
    detail += "; the pending extension request lapses";
    e.pending_extension.reset();
  }
  e.state = State::kClaimed;
  Record(e, now, "claimed", actor.name, std::move(detail));
  d.events.push_back(RectificationClaimed{e.problem_id, e.body, e.jurisdiction, e.city,
                                          action.description, action.evidence, e.deadline, today,
                                          today > e.deadline, actor.name, now});
  return d;
}

Result<Decision> Ledger::OnExtensionRequest(const LedgerEntry& entry, const Actor& actor,
                                            const RequestExtension& action,
                                            timeutil::Millis now) const {
  if (auto ok = CheckBody(entry, actor, "an extension request"); !ok) return ok.error();
  if (auto ok = CheckState(entry, {State::kAwaitingVerification, State::kInRectification},
                           "an extension request");
      !ok) {
    return ok.error();
  }
  if (entry.pending_extension) {
    return MakeError("wrong_state", "problem_id",
                     Id(entry) + " already has an extension request waiting for a decision");
  }
  const campaign::ExtensionPolicy& policy = campaign_.policy().Extensions();
  if (entry.extensions_used >= policy.max_per_problem) {
    return MakeError("extension_cap", "problem_id",
                     Id(entry) + " has had " + std::to_string(entry.extensions_used) +
                         " extensions; the campaign allows " +
                         std::to_string(policy.max_per_problem) + " per problem");
  }
  if (auto ok = NotBlank(action.reason, "reason", "an extension request needs a reason"); !ok) {
    return ok.error();
  }
  if (action.working_days < 1) {
    return MakeError(
        "invalid_value", "working_days",
        "an extension is at least one working day, not " + std::to_string(action.working_days));
  }
  if (action.working_days > policy.max_working_days_each) {
    return MakeError("extension_too_long", "working_days",
                     std::to_string(action.working_days) +
                         " working days is longer than the campaign allows for one extension (" +
                         std::to_string(policy.max_working_days_each) + ")");
  }
  Decision d{entry, {}};
  d.entry.pending_extension = PendingExtension{action.working_days, action.reason, actor.name, now};
  Record(d.entry, now, "extension_requested", actor.name,
         std::to_string(action.working_days) + " working days: " + action.reason);
  d.events.push_back(ExtensionRequested{entry.problem_id, entry.body, action.working_days,
                                        action.reason, entry.deadline, actor.name, now});
  return d;
}

Result<Decision> Ledger::OnExtensionDecision(const LedgerEntry& entry, const Actor& actor,
                                             const DecideExtension& action,
                                             timeutil::Millis now) const {
  if (auto ok = CheckRole(actor, ActorRole::kSupervisionCenter, "deciding an extension"); !ok) {
    return ok.error();
  }
  if (auto ok = CheckState(entry, {State::kAwaitingVerification, State::kInRectification},
                           "deciding an extension");
      !ok) {
    return ok.error();
  }
  if (!entry.pending_extension) {
    return MakeError("wrong_state", "problem_id",
                     Id(entry) + " has no extension request waiting for a decision");
  }
  if (auto ok = NotBlank(action.reason, "reason", "an extension decision needs a reason"); !ok) {
    return ok.error();
  }
  const PendingExtension request = *entry.pending_extension;
  Decision d{entry, {}};
  LedgerEntry& e = d.entry;
  e.pending_extension.reset();
  if (action.approve) {
    const int cap = campaign_.policy().Extensions().max_per_problem;
    if (e.extensions_used >= cap) {
      return MakeError("extension_cap", "problem_id",
                       Id(entry) + " has had " + std::to_string(e.extensions_used) +
                           " extensions; the campaign allows " + std::to_string(cap));
    }
    const auto deadline = DeadlineAfter(e.deadline, request.working_days);
    if (!deadline) return deadline.error();
    Record(e, now, "extension_approved", actor.name,
           std::to_string(request.working_days) + " working days, deadline " + Date(e.deadline) +
               " -> " + Date(*deadline) + ": " + action.reason);
    e.deadline = *deadline;
    ClearMarks(e);
    ++e.extensions_used;
  } else {
    Record(e, now, "extension_refused", actor.name,
           std::to_string(request.working_days) + " working days: " + action.reason);
  }
  d.events.push_back(ExtensionDecided{e.problem_id, e.body, action.approve, request.working_days,
                                      action.reason, e.deadline, e.extensions_used, actor.name,
                                      now});
  return d;
}

Result<Decision> Ledger::OnReinspectionFailed(const LedgerEntry& entry, const Actor& actor,
                                              const ReinspectionFailed& action,
                                              timeutil::Millis now) const {
  if (auto ok = CheckRole(actor, ActorRole::kReview, "a re-inspection result"); !ok) {
    return ok.error();
  }
  if (auto ok = CheckState(entry, {State::kClaimed}, "a re-inspection result"); !ok) {
    return ok.error();
  }
  if (auto ok = NotBlank(action.findings, "findings", "a failed re-inspection needs its findings");
      !ok) {
    return ok.error();
  }
  Decision d{entry, {}};
  LedgerEntry& e = d.entry;
  const Day today = DayOf(now);
  const auto days = campaign_.policy().RectificationWorkingDays(
      pc::ToString(e.channel), pc::ToString(e.category), pc::ToString(e.severity), e.listed);
  if (!days) return days.error();
  const auto deadline = DeadlineAfter(today, *days);
  if (!deadline) return deadline.error();
  e.state = State::kInRectification;
  StartDeadline(e, today, *deadline);
  ++e.reopen_count;
  Record(e, now, "reopened", actor.name,
         "new deadline " + Date(*deadline) + " (" + std::to_string(*days) +
             " working days): " + action.findings);
  d.events.push_back(
      Reopened{e.problem_id, e.body, action.findings, *deadline, e.reopen_count, actor.name, now});
  return d;
}

Result<Decision> Ledger::OnReinspectionPassed(const LedgerEntry& entry, const Actor& actor,
                                              const ReinspectionPassed& action,
                                              timeutil::Millis now) const {
  if (auto ok = CheckRole(actor, ActorRole::kReview, "a re-inspection result"); !ok) {
    return ok.error();
  }
  if (auto ok = CheckState(entry, {State::kClaimed}, "a re-inspection result"); !ok) {
    return ok.error();
  }
  Decision d{entry, {}};
  d.entry.state = State::kClosedRectified;
  Record(d.entry, now, "rectified", actor.name, action.note);
  d.events.push_back(Rectified{entry.problem_id, entry.body, action.note, actor.name, now});
  return d;
}

Result<Decision> Ledger::Sweep(const LedgerEntry& entry, Day today) const {
  const campaign::Calendar& calendar = campaign_.calendar();
  if (!calendar.Covers(today)) {
    return MakeError("outside_calendar", "today",
                     Date(today) + " is outside the campaign calendar (" + Date(calendar.from()) +
                         " to " + Date(calendar.to()) + ")");
  }
  Decision d{entry, {}};
  if (!IsOpen(entry.state)) return d;
  LedgerEntry& e = d.entry;
  const int offset = campaign_.info().utc_offset_minutes;
  const DeadlineKind kind = e.state == State::kAwaitingVerification ? DeadlineKind::kVerification
                                                                    : DeadlineKind::kRectification;
  const std::string deadline_text =
      " (" + std::string(pd::ToString(kind)) + " deadline " + Date(e.deadline) + ")";

  const auto total = calendar.WorkingDaysBetween(e.deadline_started_day, e.deadline);
  if (!total) return total.error();
  const auto used = calendar.WorkingDaysBetween(e.deadline_started_day, today);
  if (!used) return used.error();
  if (*total > 0) {
    for (double fraction : campaign_.policy().EarlyWarningFractions()) {
      if (std::find(e.warnings_sent.begin(), e.warnings_sent.end(), fraction) !=
          e.warnings_sent.end()) {
        continue;
      }
      const int threshold = WarningThreshold(fraction, *total);
      if (*used < threshold) continue;
      const auto due = calendar.AddWorkingDays(e.deadline_started_day, threshold);
      if (!due) return due.error();
      d.events.push_back(DeadlineWarning{e.problem_id, e.body, kind, fraction, threshold, *total,
                                         e.deadline, *due});
      e.warnings_sent.push_back(fraction);
      std::sort(e.warnings_sent.begin(), e.warnings_sent.end());
      Record(e, timeutil::StartOfDay(*due, offset), "early_warning", kByClock,
             std::to_string(Percent(fraction)) +
                 "% of the time used: " + std::to_string(threshold) + " of " +
                 std::to_string(*total) + " working days" + deadline_text);
    }
  }

  if (today <= e.deadline) return d;
  if (!e.overdue_notified) {
    d.events.push_back(Overdue{e.problem_id, e.body, kind, e.deadline, e.deadline + 1});
    e.overdue_notified = true;
    Record(e, timeutil::StartOfDay(e.deadline + 1, offset), "overdue", kByClock,
           "the deadline has passed" + deadline_text);
  }
  const auto overdue = calendar.WorkingDaysBetween(e.deadline, today);
  if (!overdue) return overdue.error();
  const std::vector<campaign::EscalationRung>& ladder = campaign_.policy().Escalation();
  while (static_cast<std::size_t>(e.escalation_rung) < ladder.size()) {
    const campaign::EscalationRung& rung = ladder[static_cast<std::size_t>(e.escalation_rung)];
    if (*overdue < rung.after_working_days_overdue) break;
    const auto reached = calendar.AddWorkingDays(e.deadline, rung.after_working_days_overdue);
    if (!reached) return reached.error();
    const Day due = std::max(e.deadline + 1, *reached);
    ++e.escalation_rung;
    d.events.push_back(Escalated{e.problem_id, e.body, kind, e.escalation_rung, rung.name,
                                 rung.display_name, rung.after_working_days_overdue, e.deadline,
                                 due});
    Record(e, timeutil::StartOfDay(due, offset), "escalated", kByClock,
           rung.display_name + " (" + rung.name +
               "): " + std::to_string(rung.after_working_days_overdue) + " working days overdue" +
               deadline_text);
  }
  return d;
}

std::optional<Day> Ledger::NextDueDay(const LedgerEntry& e) const {
  if (!IsOpen(e.state)) return std::nullopt;
  const campaign::Calendar& calendar = campaign_.calendar();
  std::optional<Day> next;
  auto consider = [&next](Day day) {
    if (!next || day < *next) next = day;
  };
  // Mirrors Sweep: a warning is due on the threshold-th working day after the start, the overdue
  // notice the day after the deadline, the next rung when its working days overdue are reached.
  const auto total = calendar.WorkingDaysBetween(e.deadline_started_day, e.deadline);
  if (total && *total > 0) {
    for (double fraction : campaign_.policy().EarlyWarningFractions()) {
      if (std::find(e.warnings_sent.begin(), e.warnings_sent.end(), fraction) !=
          e.warnings_sent.end()) {
        continue;
      }
      if (auto due =
              calendar.AddWorkingDays(e.deadline_started_day, WarningThreshold(fraction, *total))) {
        consider(*due);
      }
    }
  }
  if (!e.overdue_notified) {
    consider(e.deadline + 1);
  } else {
    const std::vector<campaign::EscalationRung>& ladder = campaign_.policy().Escalation();
    if (static_cast<std::size_t>(e.escalation_rung) < ladder.size()) {
      const campaign::EscalationRung& rung = ladder[static_cast<std::size_t>(e.escalation_rung)];
      if (auto reached = calendar.AddWorkingDays(e.deadline, rung.after_working_days_overdue)) {
        consider(std::max(e.deadline + 1, *reached));
      }
    }
  }
  if (next && !calendar.Covers(*next)) return std::nullopt;
  return next;
}

}  // namespace ducha::tracking
