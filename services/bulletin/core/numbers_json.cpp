#include "services/bulletin/core/numbers_json.h"

#include <nlohmann/json.hpp>

namespace ducha::bulletin {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ChannelCount, channel, count)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RungCount, rung, name, count)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LevelCount, level, name, count)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Standing, open, overdue, closed, closed_on_time)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CityLine, code, received, assigned, closed_week, assigned_total,
                                   standing, previous)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CountyLine, code, city, standing)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(ListedLine, problem_id, jurisdiction, city, category, severity,
                                   state, deadline, overdue, new_this_week)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BlacklistLine, enterprise, name, city, added, points, day)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(KeyTaskLine, city, action, tasks, done, behind, completion,
                                   lagging_new)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LaggingTaskLine, task_id, jurisdiction, city, action, day,
                                   target, expected, completed)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(KeyTaskNumbers, total, cities, actions, lagging_new)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(WeekTotals, received, new_problems, assigned, closed, standing)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(
    Numbers, campaign_id, issue, first_day, cutoff_day, week, duplicates, channels,
    assigned_verification, assigned_rectification, verified_substantiated,
    verified_not_substantiated, claimed, claimed_late, rectified, reopened, extensions_requested,
    extensions_approved, extensions_refused, escalations, assigned_total, awaiting_reinspection,
    reinspected_passed, reinspected_failed, accepted_on_documents, recommendations, decisions,
    recommendation_levels, listed_open, listed_new, listed, blacklist_added, blacklist_removed,
    cities, worst_counties, has_previous, previous)

// The blacklist's lines, the credit changes and the key tasks came later: numbers stored before
// them read back with none, every other field stays required.
std::string NumbersToJson(const Numbers& n) {
  nlohmann::json j = n;
  j["blacklist_total"] = n.blacklist_total;
  j["blacklist_changes"] = n.blacklist_changes;
  j["credit_worsened"] = n.credit_worsened;
  // Only once tasks are imported, so a week without any keeps the hash it had before.
  if (n.key_tasks != KeyTaskNumbers{}) j["key_tasks"] = n.key_tasks;
  return j.dump();
}

Result<Numbers> NumbersFromJson(std::string_view text) {
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    Numbers n = j.get<Numbers>();
    n.blacklist_total = j.value("blacklist_total", std::int64_t{0});
    if (j.contains("blacklist_changes")) {
      n.blacklist_changes = j.at("blacklist_changes").get<std::vector<BlacklistLine>>();
    }
    n.credit_worsened = j.value("credit_worsened", std::int64_t{0});
    if (j.contains("key_tasks")) n.key_tasks = j.at("key_tasks").get<KeyTaskNumbers>();
    return n;
  } catch (const nlohmann::json::exception& e) {
    return MakeError("invalid_format", "numbers",
                     std::string("the stored numbers cannot be read: ") + e.what());
  }
}

}  // namespace ducha::bulletin
