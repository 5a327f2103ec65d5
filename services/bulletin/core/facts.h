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
};

}  // namespace ducha::bulletin
