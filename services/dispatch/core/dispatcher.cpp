#include "services/dispatch/core/dispatcher.h"

#include <algorithm>
#include <charconv>

namespace ducha::dispatch {
namespace {

namespace pc = proto::common;
namespace pd = proto::dispatch;

std::optional<DivisionCode> ParseCode(const std::string& s) {
  DivisionCode v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

bool IsBlank(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

Status CheckReason(const std::string& reason) {
  if (IsBlank(reason)) {
    return MakeError("blank", "reason", "a change needs a reason: field 'reason' is blank");
  }
  return OkStatus();
}

std::string Describe(const Body& b) {
  return std::to_string(b.code) + " " + std::string(pd::ToString(b.kind)) + " " + b.name;
}

std::string ListingState(bool listed, Day deadline) {
  return std::string(listed ? "listed" : "unlisted") + ", deadline " + DateString(deadline);
}

}  // namespace

std::string DateString(Day day) { return timeutil::FormatDate(day); }

Error UnknownProblem(std::int64_t problem_id) {
  return MakeError("unknown_problem", "problem_id",
                   "no problem " + std::to_string(problem_id) + " has been assigned");
}

ProblemSnapshot SnapshotOf(const Assignment& a) {
  ProblemSnapshot s;
  s.problem_id = a.problem_id;
  s.kind = a.kind;
  s.body = a.body;
  s.jurisdiction = a.jurisdiction;
  s.city = a.city;
  s.channel = a.channel;
  s.report_count = 1;
  s.listed = a.listed;
  s.listing_reason = a.listing_reason;
  s.deadline = a.deadline;
  return s;
}

void ApplyChange(ProblemSnapshot& problem, const Change& change) {
  if (change.body) problem.body = *change.body;
  if (change.deadline) problem.deadline = *change.deadline;
  problem.listed = change.listed;
  problem.listing_reason = change.listing_reason;
}

Dispatcher::Dispatcher(const campaign::Campaign& campaign) : campaign_(campaign) {}

Day Dispatcher::DayOf(timeutil::Millis t) const {
  return timeutil::DayOf(t, campaign_.info().utc_offset_minutes);
}

Result<Day> Dispatcher::ListingCap(Day day) const {
  return campaign_.calendar().AddWorkingDays(
      day, campaign_.policy().Listing().max_working_days_when_listed);
}

std::optional<Body> Dispatcher::BodyFor(DivisionCode jurisdiction, pd::BodyKind kind) const {
  const auto city = campaign_.JurisdictionOf(jurisdiction);
  if (!city) return std::nullopt;
  const campaign::Jurisdiction* j = campaign_.FindJurisdiction(*city);
  switch (kind) {
    case pd::BodyKind::kCountyGovernment: {
      const campaign::County* county = campaign_.FindCounty(jurisdiction);
      if (county == nullptr) return std::nullopt;
      return Body{county->code, county->government, kind};
    }
    case pd::BodyKind::kCityGovernment:
      return Body{j->code, j->government, kind};
    case pd::BodyKind::kCityBureau:
      return Body{j->code, j->bureau, kind};
  }
  return std::nullopt;
}

Result<Assignment> Dispatcher::Assign(const proto::intake::ReportAccepted& report,
                                      timeutil::Millis now) const {
  const auto code = ParseCode(report.jurisdiction);
  if (!code || !campaign_.IsKnownCode(*code)) {
    return MakeError("unknown_jurisdiction", "jurisdiction",
                     "'" + report.jurisdiction +
                         "' is not a county-level unit or city of campaign " + campaign_.info().id);
  }
  const std::string channel(pc::ToString(report.channel));
  const campaign::ChannelInfo* info = campaign_.FindChannel(channel);
  if (info == nullptr) {
    return MakeError("unknown_channel", "channel",
                     "channel " + channel + " is not part of campaign " + campaign_.info().id);
  }
  const campaign::DeadlinePolicy& policy = campaign_.policy();
  const auto listed = policy.IsListedByRule(channel, 1);
  if (!listed) return listed.error();

  Assignment a;
  a.problem_id = report.report_id;
  a.report_id = report.report_id;
  a.jurisdiction = *code;
  a.city = *campaign_.JurisdictionOf(*code);
  a.channel = report.channel;
  a.category = report.category;
  a.severity = report.severity;
  a.listed = *listed;
  if (a.listed) {
    const auto& always = policy.Listing().always_listed_channels;
    a.listing_reason = std::find(always.begin(), always.end(), channel) != always.end()
                           ? pd::ListingReason::kChannel
                           : pd::ListingReason::kReportCount;
  }
  a.received_day = DayOf(report.received_at);
  a.assigned_at = now;
  a.title = report.title;
  if (auto group = campaign_.SupervisionGroupFor(*code, a.received_day)) {
    a.supervising_group = std::string(*group);
  }
  if (auto round = campaign_.RoundAt(a.received_day)) a.round = round->number;

  const campaign::Calendar& calendar = campaign_.calendar();
  if (info->citizen) {
    // Citizen reports are verified by the city's environmental bureau before anyone is asked
    // to rectify them.
    a.kind = pd::AssignmentKind::kVerification;
    a.body = *BodyFor(*code, pd::BodyKind::kCityBureau);
    auto deadline = calendar.AddWorkingDays(a.received_day, policy.VerificationWorkingDays());
    if (!deadline) return deadline.error();
    a.deadline = *deadline;
    if (a.listed) {
      auto cap = ListingCap(a.received_day);
      if (!cap) return cap.error();
      a.deadline = std::min(a.deadline, *cap);
    }
  } else {
    a.kind = pd::AssignmentKind::kRectification;
    a.body = campaign_.IsCity(*code) ? *BodyFor(*code, pd::BodyKind::kCityGovernment)
                                     : *BodyFor(*code, pd::BodyKind::kCountyGovernment);
    const auto days = policy.RectificationWorkingDays(channel, pc::ToString(report.category),
                                                      pc::ToString(report.severity), a.listed);
    if (!days) return days.error();
    auto deadline = calendar.AddWorkingDays(a.received_day, *days);
    if (!deadline) return deadline.error();
    a.deadline = *deadline;
  }
  return a;
}

Result<SourceAdded> Dispatcher::AddSource(const proto::intake::ReportAccepted& report,
                                          const ProblemSnapshot& problem,
                                          timeutil::Millis now) const {
  const campaign::DeadlinePolicy& policy = campaign_.policy();
  SourceAdded s;
  s.problem_id = problem.problem_id;
  s.report_id = report.report_id;
  s.channel = report.channel;
  s.report_count = problem.report_count + 1;
  s.at = now;
  if (problem.listed) return s;

  // A repeat report lists the problem when it comes on an always-listed channel, or when it is
  // the one that brings the count to the threshold. Only the crossing lists: a problem an
  // operator took off the list stays off when more reports arrive.
  const std::string channel(pc::ToString(report.channel));
  const std::string problem_channel(pc::ToString(problem.channel));
  const auto& always = policy.Listing().always_listed_channels;
  const bool by_channel = std::find(always.begin(), always.end(), channel) != always.end();
  const auto before = policy.IsListedByRule(problem_channel, problem.report_count);
  if (!before) return before.error();
  const auto after = policy.IsListedByRule(problem_channel, s.report_count);
  if (!after) return after.error();
  const bool by_count = !*before && *after;
  if (!by_channel && !by_count) return s;

  const Day day = DayOf(report.received_at);
  auto cap = ListingCap(day);
  if (!cap) return cap.error();
  Change c;
  c.problem_id = problem.problem_id;
  c.kind = pd::ChangeKind::kListed;
  c.listed = true;
  c.listing_reason = by_channel ? pd::ListingReason::kChannel : pd::ListingReason::kReportCount;
  const Day deadline = std::min(problem.deadline, *cap);
  if (deadline != problem.deadline) c.deadline = deadline;
  c.old_value = ListingState(false, problem.deadline);
  c.new_value = ListingState(true, deadline);
  c.reason = by_channel ? "report " + std::to_string(report.report_id) + " came on channel " +
                              channel + ", which is always listed"
                        : "report " + std::to_string(report.report_id) + " is report number " +
                              std::to_string(s.report_count) + " of the problem (listed at " +
                              std::to_string(policy.Listing().listed_at_report_count) + " reports)";
  c.by = kByRule;
  c.at = now;
  s.listing = std::move(c);
  return s;
}

Result<Decision> Dispatcher::Decide(const proto::intake::ReportAccepted& report,
                                    const ProblemSnapshot* linked, timeutil::Millis now) const {
  if (report.duplicate_of) {
    if (linked == nullptr) return UnknownProblem(*report.duplicate_of);
    auto s = AddSource(report, *linked, now);
    if (!s) return s.error();
    return Decision(std::move(s).value());
  }
  auto a = Assign(report, now);
  if (!a) return a.error();
  return Decision(std::move(a).value());
}

Result<Change> Dispatcher::Reassign(const ProblemSnapshot& problem, const pd::Reassign& command,
                                    const std::string& by, timeutil::Millis now) const {
  if (auto ok = CheckReason(command.reason); !ok) return ok.error();
  const auto code = ParseCode(command.body_code);
  const auto body = BodyFor(problem.jurisdiction, command.body_kind);
  if (!code || !body || body->code != *code) {
    return MakeError("outside_jurisdiction", "body_code",
                     "the " + std::string(pd::ToString(command.body_kind)) + " of " +
                         command.body_code + " is not a body of problem " +
                         std::to_string(problem.problem_id) + "'s jurisdiction " +
                         std::to_string(problem.jurisdiction) +
                         " (its county's government, its city's government or its city's "
                         "bureau)");
  }
  if (*body == problem.body) {
    return MakeError(
        "no_change", "body_code",
        "problem " + std::to_string(problem.problem_id) + " is already assigned to " + body->name);
  }
  Change c;
  c.problem_id = problem.problem_id;
  c.kind = pd::ChangeKind::kReassigned;
  c.old_value = Describe(problem.body);
  c.new_value = Describe(*body);
  c.body = *body;
  c.listed = problem.listed;
  c.listing_reason = problem.listing_reason;
  c.reason = command.reason;
  c.by = by;
  c.at = now;
  return c;
}

Result<Change> Dispatcher::ChangeDeadline(const ProblemSnapshot& problem,
                                          const pd::ChangeDeadline& command, const std::string& by,
                                          timeutil::Millis now) const {
  if (auto ok = CheckReason(command.reason); !ok) return ok.error();
  const auto day = timeutil::ParseDate(command.deadline);
  if (!day || DateString(*day) != command.deadline) {
    return MakeError("invalid_format", "deadline",
                     "'" + command.deadline + "' is not a date (YYYY-MM-DD)");
  }
  const Day today = DayOf(now);
  if (*day < today) {
    return MakeError("deadline_in_past", "deadline",
                     "deadline " + command.deadline + " is before today (" + DateString(today) +
                         " on the fleet clock)");
  }
  if (!campaign_.calendar().Covers(*day)) {
    return MakeError("outside_calendar", "deadline",
                     "deadline " + command.deadline + " is outside the campaign calendar (" +
                         DateString(campaign_.calendar().from()) + " to " +
                         DateString(campaign_.calendar().to()) + ")");
  }
  if (*day == problem.deadline) {
    return MakeError(
        "no_change", "deadline",
        "problem " + std::to_string(problem.problem_id) + " is already due on " + command.deadline);
  }
  Change c;
  c.problem_id = problem.problem_id;
  c.kind = pd::ChangeKind::kDeadlineChanged;
  c.old_value = DateString(problem.deadline);
  c.new_value = command.deadline;
  c.deadline = *day;
  c.listed = problem.listed;
  c.listing_reason = problem.listing_reason;
  c.reason = command.reason;
  c.by = by;
  c.at = now;
  return c;
}

Result<Change> Dispatcher::SetListing(const ProblemSnapshot& problem, const pd::SetListing& command,
                                      const std::string& by, timeutil::Millis now) const {
  if (auto ok = CheckReason(command.reason); !ok) return ok.error();
  if (command.listed == problem.listed) {
    return MakeError("no_change", "listed",
                     "problem " + std::to_string(problem.problem_id) + " is already " +
                         (problem.listed ? "listed" : "not listed"));
  }
  Change c;
  c.problem_id = problem.problem_id;
  c.kind = command.listed ? pd::ChangeKind::kListed : pd::ChangeKind::kUnlisted;
  c.listed = command.listed;
  Day deadline = problem.deadline;
  if (command.listed) {
    // Listing by hand caps the deadline like listing by rule; unlisting never extends it.
    c.listing_reason = pd::ListingReason::kOperator;
    auto cap = ListingCap(DayOf(now));
    if (!cap) return cap.error();
    deadline = std::min(deadline, *cap);
    if (deadline != problem.deadline) c.deadline = deadline;
  }
  c.old_value = ListingState(problem.listed, problem.deadline);
  c.new_value = ListingState(command.listed, deadline);
  c.reason = command.reason;
  c.by = by;
  c.at = now;
  return c;
}

}  // namespace ducha::dispatch
