#include "services/review/core/reviewer.h"

#include <algorithm>

namespace ducha::review {
namespace {

std::uint64_t SplitMix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

double Draw(std::uint64_t seed, std::int64_t problem_id, int claim_number) {
  std::uint64_t h = SplitMix(seed);
  h = SplitMix(h ^ static_cast<std::uint64_t>(problem_id));
  h = SplitMix(h ^ static_cast<std::uint64_t>(claim_number));
  return static_cast<double>(h >> 11) * 0x1.0p-53;  // 53 random bits in [0, 1)
}

TaskPlan PlanTask(const campaign::Campaign& campaign, const SampleSettings& sample,
                  const ClaimSeen& claim) {
  namespace pr = proto::review;
  TaskPlan plan;
  plan.draw = Draw(sample.seed, claim.problem_id, claim.reopen_count + 1);
  if (claim.listed) {
    plan.reason = pr::TaskReason::kListed;
  } else if (plan.draw < sample.rate) {
    plan.reason = pr::TaskReason::kSampled;
  } else {
    plan.reason = pr::TaskReason::kNotDrawn;
    return plan;
  }
  auto from_city = [&](const campaign::Group& g) {
    return std::find(g.home_jurisdictions.begin(), g.home_jurisdictions.end(), claim.city) !=
           g.home_jurisdictions.end();
  };
  if (auto stationed = campaign.CovertGroupFor(claim.jurisdiction, claim.claimed_day)) {
    const campaign::Group* g = campaign.FindGroup(*stationed);
    if (g != nullptr && !from_city(*g)) {
      plan.group_id = std::string(*stationed);
      return plan;
    }
  }
  std::vector<const campaign::Group*> eligible;
  for (const campaign::Group& g : campaign.groups()) {
    if (g.kind == campaign::GroupKind::kCovert && !from_city(g)) eligible.push_back(&g);
  }
  if (!eligible.empty()) {
    plan.group_id = eligible[static_cast<std::size_t>(claim.problem_id) % eligible.size()]->id;
  }
  return plan;
}

Status CheckReinspectingGroup(const campaign::Campaign& campaign, const std::string& group_id,
                              DivisionCode city) {
  const campaign::Group* g = campaign.FindGroup(group_id);
  if (g == nullptr) {
    return MakeError("unknown_group", "group_id",
                     "'" + group_id + "' is not a group of the campaign");
  }
  if (g->kind != campaign::GroupKind::kCovert) {
    return MakeError(
        "not_covert", "group_id",
        group_id + " is a supervision group; re-inspections are done by covert groups");
  }
  if (std::find(g->home_jurisdictions.begin(), g->home_jurisdictions.end(), city) !=
      g->home_jurisdictions.end()) {
    const auto name = campaign.NameOf(city);
    return MakeError("own_city", "group_id",
                     group_id + " is formed from " + std::string(name.value_or("")) + " (" +
                         std::to_string(city) +
                         ") and may not re-inspect its own city's problems (交叉复查)");
  }
  return OkStatus();
}

Result<Recommendation> Recommend(const CaseFacts& facts, bool verified, const Rules& rules) {
  for (const std::string& f : facts.verified_facts) {
    if (!IsVerifiedFact(f)) {
      return MakeError("unknown_fact", "verified_facts",
                       "'" + f +
                           "' is not a fact the commissioner office verifies "
                           "(perfunctory_claim, false_claim, denied_then_substantiated)");
    }
  }
  if (!verified || (facts.failed_reinspections == 0 && facts.verified_facts.empty())) {
    return MakeError("no_verified_failure", "verified",
                     "a recommendation needs a verified failure: the office's verification of a "
                     "failed re-inspection or of a verified fact (no blanket accountability)");
  }
  Recommendation r;
  r.rule_version = rules.version();
  for (const FactRule& rule : rules.facts()) {
    int count = 0;
    if (rule.name == "working_day_overdue") {
      count = facts.working_days_overdue;
    } else if (rule.name == "failed_reinspection") {
      count = facts.failed_reinspections;
    } else if (rule.name == "listed_failed") {
      count = facts.listed && facts.failed_reinspections > 0 ? 1 : 0;
    } else if (rule.name == "repeated_problem") {
      count = std::max(0, facts.failed_reinspections - 1);
    } else {
      count = facts.verified_facts.contains(rule.name) ? 1 : 0;
    }
    if (count <= 0) continue;
    int points = count * rule.points_each;
    if (rule.max_points) points = std::min(points, *rule.max_points);
    r.facts.push_back(ScoredFact{rule.name, count, points});
    r.points += points;
  }
  if (const Level* level = rules.LevelFor(r.points)) {
    r.level = level->name;
    r.display_name = level->display_name;
  }
  return r;
}

}  // namespace ducha::review
