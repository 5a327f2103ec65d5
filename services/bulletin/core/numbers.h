#pragma once
// The numbers of one week's bulletin (督察快报), computed from the projection as of the week's
// cut-off: a pure function, so regenerating a bulletin later from the same facts gives the same
// numbers. Everything dated at or after the cut-off is ignored.
//
// Definitions (the bulletin's footnote repeats them):
//  - "this week" counts what happened in [cut-off − 7 days, cut-off);
//  - open (未办结): assigned before the cut-off and not closed by it (closed = rectification
//    confirmed by re-inspection, or the citizen report verified as not substantiated); a problem
//    claimed rectified and awaiting re-inspection is open but no longer the body's to act on;
//  - overdue (逾期未办结): open, not claimed, and its deadline in force at the cut-off passed
//    before the cut-off (deadline day < cut-off day);
//  - closed on time (按期办结): closed, and the body's closing act — the rectification claim
//    that was confirmed, or the not-substantiated verification — came on or before its deadline;
//  - on-time rate (按期办结率) = closed on time / (closed + overdue): open-and-overdue problems
//    lower it, open problems still within their deadline do not count yet.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/campaign/campaign.h"
#include "services/bulletin/core/facts.h"
#include "services/bulletin/core/week.h"

namespace ducha::bulletin {

struct ChannelCount {
  std::string channel;  // contract name
  std::int64_t count = 0;
  friend bool operator==(const ChannelCount&, const ChannelCount&) = default;
};

struct RungCount {
  int rung = 0;
  std::string name;  // the rung's Chinese name (催办, 督办, ...)
  std::int64_t count = 0;
  friend bool operator==(const RungCount&, const RungCount&) = default;
};

struct LevelCount {
  std::string level;
  std::string name;
  std::int64_t count = 0;
  friend bool operator==(const LevelCount&, const LevelCount&) = default;
};

// The figures compared week over week, and the status part of a city's or county's line.
struct Standing {
  std::int64_t open = 0;
  std::int64_t overdue = 0;
  std::int64_t closed = 0;
  std::int64_t closed_on_time = 0;
  friend bool operator==(const Standing&, const Standing&) = default;
};

struct CityLine {
  DivisionCode code = 0;
  std::int64_t received = 0;  // this week
  std::int64_t assigned = 0;  // this week
  std::int64_t closed_week = 0;
  std::int64_t assigned_total = 0;  // as of the cut-off
  Standing standing;                // as of the cut-off
  Standing previous;                // as of the previous cut-off
  friend bool operator==(const CityLine&, const CityLine&) = default;
};

struct CountyLine {
  DivisionCode code = 0;
  DivisionCode city = 0;
  Standing standing;
  friend bool operator==(const CountyLine&, const CountyLine&) = default;
};

struct ListedLine {
  std::int64_t problem_id = 0;
  DivisionCode jurisdiction = 0;
  DivisionCode city = 0;
  std::string category;
  std::string severity;
  std::string state;          // open, claimed, closed
  std::int64_t deadline = 0;  // Day
  bool overdue = false;
  bool new_this_week = false;  // listed during the week
  friend bool operator==(const ListedLine&, const ListedLine&) = default;
};

// A blacklist change of the week (黑名单变动): the enterprise by its registered name and code.
struct BlacklistLine {
  std::string enterprise;
  std::string name;
  DivisionCode city = 0;  // 0 when unknown
  bool added = true;      // false: taken off
  int points = 0;
  std::int64_t day = 0;  // Day
  friend bool operator==(const BlacklistLine&, const BlacklistLine&) = default;
};

// The key tasks (重点任务) of one city, of one special action, or of the province, as of the
// cut-off. Only tasks defined before the cut-off count, each by its latest version then.
struct KeyTaskLine {
  DivisionCode city = 0;  // the per-city lines; 0 otherwise
  std::string action;     // the per-special-action lines (category name); empty otherwise
  std::int64_t tasks = 0;
  std::int64_t done = 0;    // latest reported completed >= target
  std::int64_t behind = 0;  // the latest of lagging / on track before the cut-off is lagging
  // Mean completion in per mille: each task's latest completed / target, capped at 1 (a task
  // with no progress counts 0); 0 when there are no tasks.
  std::int64_t completion = 0;
  std::int64_t lagging_new = 0;  // tasks that fell behind during the week
  friend bool operator==(const KeyTaskLine&, const KeyTaskLine&) = default;
};

// A task that fell behind during the week (本周新增进度滞后), as of its latest lag in the week.
struct LaggingTaskLine {
  std::string task_id;
  DivisionCode jurisdiction = 0;
  DivisionCode city = 0;
  std::string action;
  std::int64_t day = 0;  // Day it fell behind
  double target = 0;
  double expected = 0;
  double completed = 0;
  friend bool operator==(const LaggingTaskLine&, const LaggingTaskLine&) = default;
};

struct KeyTaskNumbers {
  KeyTaskLine total;                // the province
  std::vector<KeyTaskLine> cities;  // every campaign jurisdiction, campaign order
  // Every campaign category that is a special action (campaign.key_tasks()), campaign order.
  std::vector<KeyTaskLine> actions;
  std::vector<LaggingTaskLine> lagging_new;  // task id order; at most kMaxListedLines
  friend bool operator==(const KeyTaskNumbers&, const KeyTaskNumbers&) = default;
};

// The week's totals that the week-over-week comparison uses.
struct WeekTotals {
  std::int64_t received = 0;
  std::int64_t new_problems = 0;
  std::int64_t assigned = 0;
  std::int64_t closed = 0;  // closed during the week
  Standing standing;        // as of the cut-off
  friend bool operator==(const WeekTotals&, const WeekTotals&) = default;
};

struct Numbers {
  std::string campaign_id;
  int issue = 0;
  std::int64_t first_day = 0;
  std::int64_t cutoff_day = 0;

  // Received this week (受理).
  WeekTotals week;
  std::int64_t duplicates = 0;         // merged into an earlier report (重复举报合并)
  std::vector<ChannelCount> channels;  // every channel, contract order

  // Handled this week (办理).
  std::int64_t assigned_verification = 0;
  std::int64_t assigned_rectification = 0;
  std::int64_t verified_substantiated = 0;
  std::int64_t verified_not_substantiated = 0;
  std::int64_t claimed = 0;
  std::int64_t claimed_late = 0;
  std::int64_t rectified = 0;
  std::int64_t reopened = 0;
  std::int64_t extensions_requested = 0;
  std::int64_t extensions_approved = 0;
  std::int64_t extensions_refused = 0;
  std::vector<RungCount> escalations;  // every rung of the campaign's ladder

  // As of the cut-off (截至): week.standing, plus:
  std::int64_t assigned_total = 0;
  std::int64_t awaiting_reinspection = 0;  // claimed, not yet confirmed

  // Re-inspection this week (复查).
  std::int64_t reinspected_passed = 0;
  std::int64_t reinspected_failed = 0;
  std::int64_t accepted_on_documents = 0;

  // Accountability this week (问责).
  std::int64_t recommendations = 0;
  std::int64_t decisions = 0;
  std::vector<LevelCount> recommendation_levels;

  // Listed supervision (挂牌督办).
  std::int64_t listed_open = 0;    // as of the cut-off
  std::int64_t listed_new = 0;     // this week
  std::vector<ListedLine> listed;  // open or newly listed; at most kMaxListedLines
  // Blacklist this week (黑名单).
  std::int64_t blacklist_added = 0;
  std::int64_t blacklist_removed = 0;
  std::int64_t blacklist_total = 0;              // on the blacklist as of the cut-off
  std::vector<BlacklistLine> blacklist_changes;  // the week's, in order; at most kMaxListedLines
  std::int64_t credit_worsened = 0;              // enterprises turned red or black this week

  std::vector<CityLine> cities;            // every campaign jurisdiction, campaign order
  std::vector<CountyLine> worst_counties;  // at most kWorstCounties, most overdue first

  bool has_previous = false;  // issue > 1
  WeekTotals previous;

  KeyTaskNumbers key_tasks;  // 重点任务推进情况; no tasks: none imported yet

  friend bool operator==(const Numbers&, const Numbers&) = default;
};

inline constexpr std::size_t kWorstCounties = 5;
inline constexpr std::size_t kMaxListedLines = 30;

// The week's numbers, with the week before's totals (same projection, the previous cut-off) for
// the week-over-week comparison when the week is not the first.
Numbers ComputeNumbers(const campaign::Campaign& campaign, const Projection& projection,
                       const Week& week);

// The key tasks' completion as of the week's cut-off, and the tasks that fell behind during the
// week [start, cut-off). Part of ComputeNumbers. Empty (no lines) when no task was defined
// before the cut-off.
KeyTaskNumbers ComputeKeyTaskNumbers(const campaign::Campaign& campaign,
                                     const Projection& projection, const Week& week);

// The on-time rate in per mille (按期办结率), none when nothing is closed or overdue.
std::optional<std::int64_t> OnTimePermille(const Standing& s);

}  // namespace ducha::bulletin
