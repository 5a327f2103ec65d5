#pragma once
// Review's decisions (复查与问责), pure: which claims are re-inspected and by whom, whether a
// re-inspection result may be accepted, and the quantified accountability recommendation.
// No sockets, no SQL, no clock reads; every number comes from the campaign, the rule table or
// the service's settings.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/campaign/campaign.h"
#include "proto/review.h"
#include "services/review/core/rules.h"

namespace ducha::review {

using campaign::Day;
using campaign::DivisionCode;

struct SampleSettings {
  double rate = 0.3;          // share of unlisted claims re-inspected
  std::uint64_t seed = 2017;  // the draw is reproducible from (seed, problem, claim number)
};

// A rectification claim as review sees it (from tracking.rectification_claimed).
struct ClaimSeen {
  std::int64_t problem_id = 0;
  DivisionCode city = 0;
  DivisionCode jurisdiction = 0;
  bool listed = false;
  int reopen_count = 0;  // earlier failed re-inspections: each claim gets its own draw
  Day claimed_day = 0;
};

struct TaskPlan {
  proto::review::TaskReason reason = proto::review::TaskReason::kNotDrawn;
  double draw = 0;
  std::optional<std::string> group_id;  // the covert group to send (reinspected tasks only)
};

// The seeded draw in [0, 1) for a problem's n-th claim: splitmix64 over (seed, problem, n).
double Draw(std::uint64_t seed, std::int64_t problem_id, int claim_number);

// Listed: always; otherwise drawn when Draw(...) < rate. A task to re-inspect goes to the covert
// group stationed in the problem's city that day, if it is not from that city (交叉); otherwise
// to the first covert group of the campaign not from that city, chosen by problem id so the
// choice is reproducible.
TaskPlan PlanTask(const campaign::Campaign& campaign, const SampleSettings& sample,
                  const ClaimSeen& claim);

// A result names the covert group that re-inspected: it must be a covert group of the campaign
// and not one formed from the problem's city. Errors: unknown_group, not_covert, own_city (all
// on field group_id).
Status CheckReinspectingGroup(const campaign::Campaign& campaign, const std::string& group_id,
                              DivisionCode city);

// What review knows about a problem when the commissioner office rules on it.
struct CaseFacts {
  int working_days_overdue = 0;  // the highest rung threshold tracking reported reached
  int failed_reinspections = 0;
  bool listed = false;
  std::set<std::string> verified_facts;  // confirmed by the commissioner office
};

struct ScoredFact {
  std::string fact;
  int count = 0;
  int points = 0;

  friend bool operator==(const ScoredFact&, const ScoredFact&) = default;
};

struct Recommendation {
  std::string level;  // empty: below the lowest level (no recommendation)
  std::string display_name;
  int points = 0;
  std::vector<ScoredFact> facts;  // every fact with a count, in rule-table order
  int rule_version = 0;

  friend bool operator==(const Recommendation&, const Recommendation&) = default;
};

// A case as recommended: the problem, its facts then, and the recommendation made.
struct RecordedCase {
  std::int64_t problem_id = 0;
  CaseFacts facts;
  Recommendation made;
};

// The recommendation for a case under `rules`. Guard against blanket accountability: only for a
// verified failure (the office verified it and at least one re-inspection failed, or a verified
// fact); otherwise Error no_verified_failure. Verified facts must be known to the rule table's
// vocabulary (unknown_fact).
Result<Recommendation> Recommend(const CaseFacts& facts, bool verified, const Rules& rules);

}  // namespace ducha::review
