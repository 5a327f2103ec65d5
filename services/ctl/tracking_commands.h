#pragma once
// ducha-ctl's commands for the tracking service (跟踪整改) and the case history:
//
//   act progress|verify|claim|extend|decide PROBLEM_ID ...   a body's or the supervision
//                                         center's action on the ledger, over tracking's endpoint
//   coverage --round N [--csv] [--gaps-only]   the coverage matrix (督察全覆盖)
//   daily-report --group G --date D            a group's day (每日报送)
//   tasks [--city CODE]                        key-task completion and the tasks behind
//   ranking import FILE.csv --priority N       the monitoring division's ranking
//   case PROBLEM_ID                            a problem's history across dispatch, tracking and
//                                              review, read from the database as ducha_operator
//
// Each returns the process's exit status: 0 done, 1 refused (the error on stderr).

#include "services/ctl/cli.h"

namespace ducha::ctl {

int Act(const Args& a);
int Coverage(const Args& a);
int DailyReport(const Args& a);
// tasks [--city CODE] [--counties]: key-task completion (重点任务进展)
int Tasks(const Args& a);
int RankingImport(const Args& a);
int Case(const Args& a);

// The usage lines of these commands, for ducha-ctl's Usage().
extern const char* const kTrackingUsage;

}  // namespace ducha::ctl
