#pragma once
// The key tasks' loop: every interval, decides the lag of every key task for the day on the
// fleet clock (store SweepTasks), then sends the reports of tasks that fell behind to intake
// (channel key_task), as tracking's own service identity, until intake has receipted each. A
// report is written in the same transaction as the decision and resent unchanged with its
// stable submission id, so a crash, a timeout or intake being down delays it and never loses or
// doubles it: intake's idempotency turns a resend into the first receipt.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stop_token>
#include <string>

#include "common/campaign/campaign.h"
#include "common/clock/clock.h"
#include "common/db/db.h"
#include "common/transport/transport.h"

namespace ducha::tracking {

struct TaskWorkerSettings {
  std::chrono::milliseconds interval{1000};
  // intake's request endpoint; empty: reports wait in tracking.key_task_lag.
  std::string intake_endpoint;
  transport::ClientSecurity intake_security;
  std::chrono::milliseconds timeout{5000};
};

struct TaskWorkerStats {
  std::atomic<std::uint64_t> fell_behind{0};
  std::atomic<std::uint64_t> caught_up{0};
  std::atomic<std::uint64_t> submitted{0};  // receipted by intake
  std::atomic<std::uint64_t> refused{0};    // intake answered with an error (kept, retried)
  std::atomic<std::int64_t> unsent{0};      // reports waiting after the last pass
};

class TaskWorker {
 public:
  TaskWorker(TaskWorkerSettings settings, const campaign::Campaign& campaign, const Clock& clock,
             db::DbSettings db);
  void Run(std::stop_token stop);
  // One pass (sweep, then send): for tests and for Run.
  void Pass(db::Connection& conn);
  const TaskWorkerStats& stats() const { return stats_; }

 private:
  TaskWorkerSettings settings_;
  const campaign::Campaign& campaign_;
  const Clock& clock_;
  db::DbSettings db_;
  TaskWorkerStats stats_;
};

}  // namespace ducha::tracking
