#pragma once
// Persistence of the key tasks (core/key_task.h): the imported lists, the bodies' progress, the
// daily lag sweep, and the reports a lagging task becomes, kept until intake has receipted them.
// Every change and the events it causes (tracking.task_defined, task_progress_reported,
// task_lagging, task_on_track on the ledger stream) commit in one transaction.

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/db/db.h"
#include "common/stream/outbox.h"
#include "services/tracking/core/actor.h"
#include "services/tracking/core/key_task.h"

namespace ducha::tracking {

// Each row is decided on its own (core CheckTaskRow): imported, updated (a changed definition;
// progress kept), unchanged, or rejected with its line and reason.
proto::tracking::TasksImported ImportTasks(pqxx::transaction_base& tx,
                                           const campaign::Campaign& campaign,
                                           const stream::Outbox& outbox,
                                           const proto::tracking::ImportTasks& request,
                                           const std::string& by, timeutil::Millis now);

// A body's progress report. Errors: unknown_task, out_of_scope (the body does not answer for
// the task's jurisdiction), blank (evidence), forbidden (not a body). A retry with the same
// request id returns the first answer with replayed = true and changes nothing.
Result<proto::tracking::TaskProgressDone> ReportTaskProgress(
    pqxx::transaction_base& tx, const campaign::Campaign& campaign, const stream::Outbox& outbox,
    const Actor& actor, const proto::tracking::ReportTaskProgress& request, timeutil::Millis now);

struct TaskSweepResult {
  int days = 0;  // days decided
  int fell_behind = 0;
  int caught_up = 0;
};

// Decides every day after the last one swept up to `today`, each with the progress reported by
// then (the first sweep decides only `today`). A task that falls behind gets a key_task_lag row
// holding the report for intake. Takes the sweep row's lock: one sweeper at a time.
TaskSweepResult SweepTasks(pqxx::transaction_base& tx, const campaign::Campaign& campaign,
                           const stream::Outbox& outbox, Day today, timeutil::Millis now);

struct UnsentLag {
  std::string submission_id;
  std::string report;  // encoded intake.submit_report
};
std::vector<UnsentLag> UnsentLagReports(pqxx::transaction_base& tx, int limit);
// Records intake's receipt for a lag report.
void MarkLagReportSent(pqxx::transaction_base& tx, const std::string& submission_id,
                       std::int64_t report_id, const std::string& receipt_no, timeutil::Millis now);

// Completion per city, county and special action, and the lagging tasks. Error:
// unknown_jurisdiction for a city that is not a campaign jurisdiction.
Result<proto::tracking::TaskSummary> TaskSummary(pqxx::transaction_base& tx,
                                                 const campaign::Campaign& campaign,
                                                 const std::optional<std::string>& city, Day today);

}  // namespace ducha::tracking
