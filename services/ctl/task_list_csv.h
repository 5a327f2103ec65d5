#pragma once
// The air office's key-task list (重点任务清单) as a CSV file, read into the rows of
// tracking.import_tasks. The header names the columns, in any order:
//
//   task_id          the list's own id of the task (letters, digits, . _ : -; at most 48)
//   jurisdiction     the 6-digit code of the county-level unit or city that must do it
//   special_action   the special action: its name (rural_clean_heating, ...) or its Chinese
//                    name as the campaign gives it (农村清洁供暖, ...)
//   title            what must be done (任务名称)
//   unit             the target's unit (户, 台, 家, 座, 个)
//   target           the quantity due by the deadline
//   start, deadline  YYYY-MM-DD
//   source           the plan it comes from
//   milestones       optional: "YYYY-MM-DD:fraction;..." (e.g. 2017-10-31:0.5;2017-11-10:0.8),
//                    the configured trajectory; empty or absent: linear in working days
//
// A wrong header refuses the whole file (nothing is sent). A row that does not parse (a target
// that is not a number, a malformed date or milestone) is reported with its line and the other
// rows still go; whether a jurisdiction, special action or target is acceptable is tracking's to
// decide (unknown_special_action, negative_target, ...), also per row. Pure: no I/O.

#include <string>
#include <string_view>
#include <vector>

#include "common/campaign/campaign.h"
#include "proto/tracking.h"

namespace ducha::ctl {

inline constexpr std::size_t kTaskRowsPerMessage = 500;  // under tracking.import_tasks' 2000

struct TaskListProblem {
  int line = 0;
  std::string reason;
};

struct TaskList {
  std::vector<proto::tracking::KeyTaskRow> rows;
  std::vector<TaskListProblem> problems;
  bool bad_header = false;  // set: rows is empty and problems says why
};

TaskList ParseTaskList(std::string_view text, const campaign::Campaign* campaign);

}  // namespace ducha::ctl
