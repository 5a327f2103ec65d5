#pragma once
// Key tasks (重点任务清单): the air office's quantitative tasks for each city and county —
// households switched to gas or electric heating, boilers removed, enterprises closed — each with a
// special action, a unit, a target and a deadline. Bodies report cumulative progress; a task whose
// progress falls below its trajectory by more than the campaign's tolerance is behind, and being
// behind is itself a problem: tracking submits it to intake on channel key_task, so it is
// assigned and tracked like any other problem.
//
// Pure: no SQL, no sockets, no clock. Rows are checked one by one (a bad row refuses only
// itself), the trajectory is evaluated for a given day, and the lag decision takes the state
// before and returns the state after with what to emit.
//
// Trajectory. Without milestones the expected quantity grows linearly in working days (the
// campaign calendar) from 0 on `start` to `target` on `deadline`. With milestones it is a step
// function: the largest milestone fraction whose date has come (0 before the first), and the
// whole target from the deadline on. After the deadline the whole target is expected.

#include <optional>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/base/time.h"
#include "common/campaign/campaign.h"
#include "proto/intake.h"
#include "proto/tracking.h"

namespace ducha::tracking {

using campaign::Day;
using campaign::DivisionCode;

struct Milestone {
  Day date = 0;
  double fraction = 0;
};

struct KeyTask {
  std::string task_id;
  DivisionCode jurisdiction = 0;
  DivisionCode city = 0;
  std::string special_action;  // a category name
  std::string title;
  std::string unit;
  double target = 0;
  Day start = 0;
  Day deadline = 0;
  std::vector<Milestone> milestones;  // ascending dates, non-decreasing fractions
  std::string source;

  // Same definition (what an import compares to decide "unchanged").
  bool SameAs(const KeyTask& other) const;
};

// Checks one row against the campaign: a known jurisdiction, a special action of the campaign's
// key_tasks policy, a positive target, start <= deadline inside the calendar, milestones inside
// [start, deadline] in order. Error codes: unknown_jurisdiction, unknown_special_action,
// not_a_special_action, negative_target, invalid_value, invalid_format, outside_calendar, blank.
// Messages name the line.
Result<KeyTask> CheckTaskRow(const proto::tracking::KeyTaskRow& row,
                             const campaign::Campaign& campaign);

// The quantity the trajectory expects done by the end of `day`.
double ExpectedOn(const KeyTask& task, Day day, const campaign::Calendar& calendar);

// A task's share of its target reached, capped at 1.
double CompletionOf(const KeyTask& task, double completed);

// Where a task stands on the lag question, as stored between days.
struct LagState {
  bool lagging = false;
  int episodes = 0;  // times it has fallen behind so far
};

struct LagStep {
  LagState after;
  bool fell_behind = false;  // emit task_lagging and submit a problem (episode = after.episodes)
  bool caught_up = false;    // emit task_on_track
  double expected = 0;
};

// The decision for `day`, given the progress reported by then. A task whose target is reached
// is never behind; no task is judged before the policy's grace working days after its start.
LagStep DecideLag(const KeyTask& task, double completed, Day day, LagState before,
                  const campaign::Campaign& campaign);

// The submission id of the problem an episode becomes (stable: a resend is the same report).
std::string LagSubmissionId(const std::string& task_id, int episode);

// The report tracking submits to intake when a task falls behind: channel key_task, the task's
// jurisdiction and special action, the policy's severity, and a Chinese title and description
// saying what was expected and what was done.
proto::intake::SubmitReport LagReport(const KeyTask& task, int episode, double expected,
                                      double completed, Day day, timeutil::Millis now,
                                      const campaign::Campaign& campaign);

// Numbers as officials read them: no trailing zeros ("12000", "12.5").
std::string FormatQuantity(double v);

}  // namespace ducha::tracking
