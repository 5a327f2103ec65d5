#include "services/tracking/io/task_worker.h"

#include <condition_variable>
#include <mutex>

#include "common/log/log.h"
#include "common/transport/pipeline.h"
#include "proto/common_codec.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"
#include "services/tracking/store/key_task_store.h"
#include "services/tracking/store/ledger_store.h"

namespace ducha::tracking {

TaskWorker::TaskWorker(TaskWorkerSettings settings, const campaign::Campaign& campaign,
                       const Clock& clock, db::DbSettings db)
    : settings_(std::move(settings)), campaign_(campaign), clock_(clock), db_(std::move(db)) {}

void TaskWorker::Pass(db::Connection& conn) {
  auto log = log::Get("tracking.tasks");
  const stream::Outbox outbox(kSchema);
  const timeutil::Millis now = clock_.Now();
  const Day today = timeutil::DayOf(now, campaign_.info().utc_offset_minutes);
  const TaskSweepResult swept =
      conn.Transact([&](pqxx::work& tx) { return SweepTasks(tx, campaign_, outbox, today, now); });
  stats_.fell_behind.fetch_add(static_cast<std::uint64_t>(swept.fell_behind));
  stats_.caught_up.fetch_add(static_cast<std::uint64_t>(swept.caught_up));
  if (swept.fell_behind + swept.caught_up > 0) {
    log->info("key tasks on {}: {} fell behind, {} caught up ({} days decided)",
              timeutil::FormatDate(today), swept.fell_behind, swept.caught_up, swept.days);
  }

  const auto unsent =
      conn.Read([&](pqxx::read_transaction& tx) { return UnsentLagReports(tx, 200); });
  stats_.unsent.store(static_cast<std::int64_t>(unsent.size()));
  if (unsent.empty() || settings_.intake_endpoint.empty()) return;
  std::vector<std::string> frames, ids;
  for (const UnsentLag& u : unsent) {
    frames.push_back(u.report);
    ids.push_back(u.submission_id);
  }
  transport::PipelineSettings pipeline;
  pipeline.window = 16;
  pipeline.timeout = settings_.timeout;
  pipeline.rounds = 1;
  const auto replies = transport::PipelineRequests(
      settings_.intake_endpoint, settings_.intake_security, frames, ids, pipeline);
  if (!replies) {
    log->warn("cannot reach intake at {} for {} key-task reports: {}; retrying",
              settings_.intake_endpoint, unsent.size(), replies.error().message);
    return;
  }
  std::int64_t left = 0;
  for (std::size_t i = 0; i < unsent.size(); ++i) {
    auto frame = proto::ParseMessage((*replies)[i]);
    if (frame && frame->type() == proto::intake::Receipt::kType) {
      if (auto receipt = codec::DecodeAs<proto::intake::Receipt>(*frame)) {
        conn.Transact([&](pqxx::work& tx) {
          MarkLagReportSent(tx, unsent[i].submission_id, receipt->report_id, receipt->receipt_no,
                            clock_.Now());
          return 0;
        });
        stats_.submitted.fetch_add(1);
        log->info("key-task report {} receipted by intake: report {} ({})", unsent[i].submission_id,
                  receipt->report_id, receipt->receipt_no);
        continue;
      }
    }
    ++left;
    stats_.refused.fetch_add(1);
    std::string why = frame ? std::string(frame->type()) : frame.error().message;
    if (frame && frame->type() == proto::common::ErrorReply::kType) {
      if (auto e = codec::DecodeAs<proto::common::ErrorReply>(*frame)) {
        why = e->code + ": " + e->message;
      }
    }
    log->error("intake did not receipt key-task report {}: {}; it stays queued",
               unsent[i].submission_id, why);
  }
  stats_.unsent.store(left);
}

void TaskWorker::Run(std::stop_token stop) {
  auto log = log::Get("tracking.tasks");
  std::mutex mu;
  std::condition_variable_any wake;
  try {
    db::Connection conn(db_, stop);
    while (!stop.stop_requested()) {
      try {
        Pass(conn);
      } catch (const db::Stopped&) {
        throw;
      } catch (const std::exception& e) {
        log->error("key-task pass failed: {}", e.what());
      }
      std::unique_lock lock(mu);
      wake.wait_for(lock, stop, settings_.interval, [] { return false; });
    }
  } catch (const db::Stopped&) {
    // stopping while the database was away
  }
  log->info("key-task worker stopped");
}

}  // namespace ducha::tracking
