#pragma once
// Dispatch's domain (督查交办): who a problem goes to, by when, whether it is under listed
// supervision (挂牌督办), what a repeat report changes, and which operator changes are allowed.
// Every rule comes from the campaign (channels, jurisdictions, groups, rounds, calendar,
// deadline policy); this file holds none of the numbers.
//
// Pure: no sockets, no SQL, no clock reads — the time of a decision comes in as a value, so a
// replay on the simulated clock decides exactly what the live run decided. Dispatcher is
// immutable after construction and safe to use from any number of threads.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "common/base/result.h"
#include "common/base/time.h"
#include "common/campaign/campaign.h"
#include "proto/common.h"
#include "proto/dispatch.h"
#include "proto/intake.h"

namespace ducha::dispatch {

using campaign::Day;
using campaign::DivisionCode;

// The responsible body of a problem. `code` is the county's code for a county government and
// the campaign jurisdiction's (city's) code for a city government or city bureau.
struct Body {
  DivisionCode code = 0;
  std::string name;
  proto::dispatch::BodyKind kind = proto::dispatch::BodyKind::kCountyGovernment;

  friend bool operator==(const Body&, const Body&) = default;
};

// A new problem and its assignment (交办): the first report of a problem.
struct Assignment {
  std::int64_t problem_id = 0;  // the report id of its first report
  std::int64_t report_id = 0;
  proto::dispatch::AssignmentKind kind = proto::dispatch::AssignmentKind::kRectification;
  Body body;
  DivisionCode jurisdiction = 0;  // where the problem is (county, or city for city-wide)
  DivisionCode city = 0;          // its campaign jurisdiction
  proto::common::Channel channel = proto::common::Channel::kSupervisionGroup;
  proto::common::Category category = proto::common::Category::kOther;
  proto::common::Severity severity = proto::common::Severity::kGeneral;
  bool listed = false;
  std::optional<proto::dispatch::ListingReason> listing_reason;
  Day received_day = 0;  // the day the report was received, in the campaign's zone
  Day deadline = 0;
  timeutil::Millis assigned_at = 0;
  std::optional<std::string> supervising_group;  // none between rounds
  std::optional<int> round;                      // none between rounds
  std::string title;
};

// What dispatch knows about an assigned problem, as far as the rules need it.
struct ProblemSnapshot {
  std::int64_t problem_id = 0;
  proto::dispatch::AssignmentKind kind = proto::dispatch::AssignmentKind::kRectification;
  Body body;
  DivisionCode jurisdiction = 0;
  DivisionCode city = 0;
  proto::common::Channel channel = proto::common::Channel::kSupervisionGroup;
  int report_count = 1;
  bool listed = false;
  std::optional<proto::dispatch::ListingReason> listing_reason;
  Day deadline = 0;
};

// A change of an assigned problem, by an operator or by a rule; what the history records.
struct Change {
  std::int64_t problem_id = 0;
  proto::dispatch::ChangeKind kind = proto::dispatch::ChangeKind::kListed;
  std::string old_value;  // human-readable, for the history: "130102 county_government", ...
  std::string new_value;
  std::optional<Body> body;     // when reassigned
  std::optional<Day> deadline;  // when the deadline changed (listing may shorten it)
  bool listed = false;          // after the change
  std::optional<proto::dispatch::ListingReason> listing_reason;  // after the change
  std::string reason;
  std::string by;  // the operator's identity, or kByRule
  timeutil::Millis at = 0;
};

inline constexpr const char* kByRule = "rule";

// A repeat report added to its problem; with the listing it triggers, if it does.
struct SourceAdded {
  std::int64_t problem_id = 0;
  std::int64_t report_id = 0;
  proto::common::Channel channel = proto::common::Channel::kSupervisionGroup;
  int report_count = 0;  // after adding this report
  timeutil::Millis at = 0;
  std::optional<Change> listing;
};

using Decision = std::variant<Assignment, SourceAdded>;

// Applies a change to a snapshot (what the store persists and what later decisions see).
void ApplyChange(ProblemSnapshot& problem, const Change& change);
ProblemSnapshot SnapshotOf(const Assignment& a);

// "2017-11-21" for a day; the wire's and the history's date format.
std::string DateString(Day day);

class Dispatcher {
 public:
  explicit Dispatcher(const campaign::Campaign& campaign);

  // Decides what a report does. Without duplicate_of it opens a problem (an Assignment);
  // with it, `linked` must be the problem the report repeats and the result is SourceAdded.
  // `now` is the fleet clock at the decision. Errors (the event can never be applied):
  // unknown_jurisdiction, unknown_channel, unknown_problem (a repeat whose problem is
  // unknown), and the calendar's outside_calendar.
  Result<Decision> Decide(const proto::intake::ReportAccepted& report,
                          const ProblemSnapshot* linked, timeutil::Millis now) const;

  Result<Assignment> Assign(const proto::intake::ReportAccepted& report,
                            timeutil::Millis now) const;
  Result<SourceAdded> AddSource(const proto::intake::ReportAccepted& report,
                                const ProblemSnapshot& problem, timeutil::Millis now) const;

  // Operator commands, checked against the problem as it is now. `by` is the authenticated
  // identity. Errors: blank (reason), outside_jurisdiction, invalid_format, deadline_in_past,
  // outside_calendar, no_change. The caller answers unknown_problem when there is no snapshot.
  Result<Change> Reassign(const ProblemSnapshot& problem, const proto::dispatch::Reassign& command,
                          const std::string& by, timeutil::Millis now) const;
  Result<Change> ChangeDeadline(const ProblemSnapshot& problem,
                                const proto::dispatch::ChangeDeadline& command,
                                const std::string& by, timeutil::Millis now) const;
  Result<Change> SetListing(const ProblemSnapshot& problem,
                            const proto::dispatch::SetListing& command, const std::string& by,
                            timeutil::Millis now) const;

  // The bodies a problem at `jurisdiction` may be assigned to: the county's government (when
  // the code is a county), the city's government and the city's bureau.
  std::optional<Body> BodyFor(DivisionCode jurisdiction, proto::dispatch::BodyKind kind) const;

  Day DayOf(timeutil::Millis t) const;

 private:
  // The listing cap counted from `day`: the last day a problem listed on `day` may keep.
  Result<Day> ListingCap(Day day) const;

  const campaign::Campaign& campaign_;
};

Error UnknownProblem(std::int64_t problem_id);

}  // namespace ducha::dispatch
