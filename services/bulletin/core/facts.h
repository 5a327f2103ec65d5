#pragma once
// The projection the bulletin is computed from, as plain values: what the store loads from the
// bulletin schema (every row dated before a cut-off) and what the numbers are a pure function of.
// No text written by a reporter reaches these types: intake's reports are reduced to channel,
// place, time and the duplicate mark.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/base/time.h"
#include "common/campaign/campaign.h"

namespace ducha::bulletin {

using campaign::DivisionCode;
using timeutil::Millis;

// intake.report_accepted.
struct ReportFact {
  std::int64_t report_id = 0;
  std::string channel;  // contract name (common.Channel)
  DivisionCode jurisdiction = 0;
  DivisionCode city = 0;
  bool duplicate = false;
  Millis received_at = 0;
};

// dispatch.problem_assigned, as first assigned.
struct ProblemFact {
  std::int64_t problem_id = 0;
  bool verification = false;  // assigned for verification (a citizen report), not rectification
  DivisionCode jurisdiction = 0;
  DivisionCode city = 0;
  std::string channel;
  std::string category;
  std::string severity;
  bool listed = false;
  std::string listing_reason;
  std::int64_t deadline = 0;  // Day, inclusive
  Millis assigned_at = 0;
  std::string supervising_group;  // the group stationed in the city then, may be empty
  int round = 0;                  // the round it was received in, 0 between rounds
};

enum class FactKind {
  kChanged,             // dispatch.problem_changed: deadline and/or listing
  kVerified,            // flag: substantiated; deadline: the rectification deadline
  kClaimed,             // flag: late; deadline: the deadline concerned
  kRectified,           // re-inspection confirmed: closed
  kReopened,            // re-inspection failed; deadline: the new one
  kExtensionRequested,  //
  kExtensionDecided,    // flag: approved; deadline: after the decision
  kOverdue,             // the clock's overdue notice (at: 00:00 of its due day)
  kEscalated,           // rung, rung_name (at: 00:00 of its due day)
};

// A dated fact about a problem. `order` breaks ties of `at` (the order the facts were stored).
struct Fact {
  std::int64_t problem_id = 0;
  Millis at = 0;
  FactKind kind = FactKind::kChanged;
  std::optional<std::int64_t> deadline;
  std::optional<bool> listed;
  bool flag = false;
  int rung = 0;
  std::string rung_name;
  std::int64_t order = 0;
};

// review.reinspection_concluded.
struct ReinspectionFact {
  std::int64_t task_id = 0;
  std::int64_t problem_id = 0;
  bool passed = false;
  bool on_site = true;  // false: accepted on its documents (书面审核)
  Millis at = 0;
};

// review.recommendation_made / decision_recorded.
struct AccountabilityFact {
  std::int64_t problem_id = 0;
  bool decision = false;   // false: a recommendation
  std::string level;       // rule-table name, may be empty
  std::string level_name;  // Chinese, may be empty
  Millis at = 0;
  std::string decision_text;  // a decision's text (处理决定): disclosed only with the decision
};

// An enterprise added to or removed from the blacklist (review.blacklisted / delisted).
struct BlacklistFact {
  DivisionCode city = 0;  // 0 when unknown
  bool added = true;
  Millis at = 0;
  std::string enterprise;  // unified social credit code, or name:<registered name>
  std::string name;        // registered name (企业名称)
  int points = 0;
};

// review.credit_changed: an enterprise's colour under the 12-point rule.
struct CreditFact {
  std::string enterprise;
  std::string name;
  int points = 0;
  std::string colour;    // green, yellow, red, black
  std::string previous;  // the colour before
  DivisionCode city = 0;
  Millis at = 0;
};

// intake.visit_reported: a group's visit to a county (走访), for the round's coverage.
struct VisitFact {
  std::int64_t visit_id = 0;
  std::string group_id;
  int round = 0;
  DivisionCode county = 0;
  DivisionCode city = 0;
  std::int64_t day = 0;
  std::vector<std::string> tasks;  // category contract names
  int problems_found = 0;
  std::vector<std::string> methods;  // hear, check, look, visit (intake.VisitMethod); may be empty
  std::string mode;                  // open, covert (intake.VisitMode); empty before intake 1.1
};

// dispatch.roster_registered: a group's roster for a round as counts (no member's details), the
// latest version registered before the cut-off.
struct RosterFact {
  std::string group_id;
  int round = 0;
  int version = 0;
  std::int64_t members = 0;
  std::int64_t leaders = 0;
  std::int64_t deputies = 0;
  std::int64_t ordinary_members = 0;
  std::int64_t aggregators = 0;
  std::int64_t vehicles = 0;
  std::int64_t days_stationed = 0;
  std::int64_t meal_allowance_yuan = 0;
  std::int64_t meal_rate_yuan = 0;  // per person per day
  Millis registered_at = 0;
};

// tracking.task_defined: one version of a key task (重点任务) of the air office's lists. A higher
// version supersedes a lower one. The task's title is not kept (the bulletin counts tasks).
struct KeyTaskFact {
  std::string task_id;
  int version = 0;
  DivisionCode jurisdiction = 0;
  DivisionCode city = 0;
  std::string special_action;  // category contract name
  double target = 0;
  std::int64_t start = 0;     // Day
  std::int64_t deadline = 0;  // Day
  Millis at = 0;
};

// tracking.task_progress_reported: the cumulative quantity done (进展情况). `order` breaks ties
// of `at` (the stream's order).
struct KeyTaskProgressFact {
  std::string task_id;
  double completed = 0;
  double expected = 0;
  std::int64_t as_of = 0;  // Day
  Millis at = 0;
  std::int64_t order = 0;
};

// tracking.task_lagging (lagging) or tracking.task_on_track (not): a task fell behind its
// trajectory, or caught up, on `day`; dated 00:00 of that day in the campaign's zone.
struct KeyTaskStatusFact {
  std::string task_id;
  bool lagging = true;
  int episode = 0;
  double expected = 0;
  double completed = 0;
  std::int64_t day = 0;  // Day
  Millis at = 0;
};

struct Projection {
  std::vector<ReportFact> reports;
  std::vector<ProblemFact> problems;
  std::vector<Fact> facts;
  std::vector<ReinspectionFact> reinspections;
  std::vector<AccountabilityFact> accountability;
  std::vector<BlacklistFact> blacklist;
  std::vector<CreditFact> credit;
  std::vector<VisitFact> visits;
  std::vector<RosterFact> rosters;     // one per group and round: the latest version
  std::vector<KeyTaskFact> key_tasks;  // every version defined before the cut-off
  std::vector<KeyTaskProgressFact> key_task_progress;
  std::vector<KeyTaskStatusFact> key_task_status;
};

}  // namespace ducha::bulletin
