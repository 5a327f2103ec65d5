// The key tasks' completion (重点任务推进情况) as of a week's cut-off: each task by its latest
// version, its latest progress and its latest lagging / on-track turn dated before the cut-off.

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include "services/bulletin/core/numbers.h"

namespace ducha::bulletin {
namespace {

// Where one task stands at the cut-off.
struct TaskState {
  const KeyTaskFact* definition = nullptr;
  const KeyTaskProgressFact* progress = nullptr;
  const KeyTaskStatusFact* status = nullptr;
  const KeyTaskStatusFact* lag_this_week = nullptr;  // the latest lag dated in the week
};

// Status turns in the order they happened: by time, then episode, a lag before the catch-up of
// the same episode.
auto StatusKey(const KeyTaskStatusFact& f) { return std::make_tuple(f.at, f.episode, !f.lagging); }

double Ratio(const TaskState& t) {
  const double target = t.definition->target;
  const double completed = t.progress == nullptr ? 0 : t.progress->completed;
  if (target <= 0) return 1;
  return std::min(1.0, std::max(0.0, completed / target));
}

// Sums of one line; the mean is taken at the end so every line is computed the same way.
struct Accumulator {
  KeyTaskLine line;
  double ratio_sum = 0;

  void Add(const TaskState& t) {
    ++line.tasks;
    const double completed = t.progress == nullptr ? 0 : t.progress->completed;
    if (completed >= t.definition->target) ++line.done;
    if (t.status != nullptr && t.status->lagging) ++line.behind;
    if (t.lag_this_week != nullptr) ++line.lagging_new;
    ratio_sum += Ratio(t);
  }

  KeyTaskLine Finish() {
    if (line.tasks > 0) {
      line.completion =
          std::llround(ratio_sum * 1000.0 / static_cast<double>(line.tasks));  // per mille
    }
    return line;
  }
};

}  // namespace

KeyTaskNumbers ComputeKeyTaskNumbers(const campaign::Campaign& campaign, const Projection& p,
                                     const Week& week) {
  std::map<std::string, TaskState> tasks;  // task id order
  for (const KeyTaskFact& d : p.key_tasks) {
    if (d.at >= week.cutoff) continue;
    TaskState& t = tasks[d.task_id];
    if (t.definition == nullptr || d.version > t.definition->version ||
        (d.version == t.definition->version && d.at > t.definition->at)) {
      t.definition = &d;
    }
  }
  for (const KeyTaskProgressFact& r : p.key_task_progress) {
    if (r.at >= week.cutoff) continue;
    const auto it = tasks.find(r.task_id);
    if (it == tasks.end()) continue;
    const KeyTaskProgressFact*& latest = it->second.progress;
    if (latest == nullptr || std::tie(r.at, r.order) > std::tie(latest->at, latest->order)) {
      latest = &r;
    }
  }
  for (const KeyTaskStatusFact& s : p.key_task_status) {
    if (s.at >= week.cutoff) continue;
    const auto it = tasks.find(s.task_id);
    if (it == tasks.end()) continue;
    TaskState& t = it->second;
    if (t.status == nullptr || StatusKey(s) > StatusKey(*t.status)) t.status = &s;
    if (s.lagging && s.at >= week.start &&
        (t.lag_this_week == nullptr || StatusKey(s) > StatusKey(*t.lag_this_week))) {
      t.lag_this_week = &s;
    }
  }
  KeyTaskNumbers n;
  if (tasks.empty()) return n;  // no list imported yet: no lines at all

  Accumulator total;
  std::vector<Accumulator> cities;
  std::map<DivisionCode, std::size_t> city_index;
  for (const campaign::Jurisdiction& j : campaign.jurisdictions()) {
    city_index.emplace(j.code, cities.size());
    cities.emplace_back().line.city = j.code;
  }
  std::vector<Accumulator> actions;
  std::map<std::string, std::size_t, std::less<>> action_index;
  for (const campaign::CategoryInfo& c : campaign.categories()) {
    if (!campaign.key_tasks().IsSpecialAction(c.name)) continue;
    action_index.emplace(c.name, actions.size());
    actions.emplace_back().line.action = c.name;
  }

  for (const auto& [id, t] : tasks) {
    const KeyTaskFact& d = *t.definition;
    total.Add(t);
    if (const auto c = city_index.find(d.city); c != city_index.end()) cities[c->second].Add(t);
    if (const auto a = action_index.find(d.special_action); a != action_index.end()) {
      actions[a->second].Add(t);
    }
    if (t.lag_this_week != nullptr && n.lagging_new.size() < kMaxListedLines) {
      const KeyTaskStatusFact& s = *t.lag_this_week;
      n.lagging_new.push_back(LaggingTaskLine{id, d.jurisdiction, d.city, d.special_action, s.day,
                                              d.target, s.expected, s.completed});
    }
  }
  n.total = total.Finish();
  for (Accumulator& a : cities) n.cities.push_back(a.Finish());
  for (Accumulator& a : actions) n.actions.push_back(a.Finish());
  return n;
}

}  // namespace ducha::bulletin
