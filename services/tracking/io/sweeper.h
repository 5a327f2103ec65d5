#pragma once
// The sweeper: every interval, reads the day on the fleet clock and sweeps the ledger for it
// (store SweepDue), so the early warnings, overdue notices and escalations come on the day real
// time — or the simulated clock, however far it jumps — reaches them, each once.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stop_token>

#include "common/clock/clock.h"
#include "common/db/db.h"
#include "services/tracking/core/ledger.h"

namespace ducha::tracking {

struct SweeperStats {
  std::atomic<std::uint64_t> sweeps{0};
  std::atomic<std::uint64_t> events{0};
  std::atomic<std::int64_t> last_day{0};          // days since 1970-01-01, campaign zone
  std::atomic<std::int64_t> last_duration_us{0};  // of the last sweep that emitted anything
};

class Sweeper {
 public:
  Sweeper(const Ledger& ledger, const Clock& clock, db::DbSettings db,
          std::chrono::milliseconds interval, int chunk, int workers);
  void Run(std::stop_token stop);
  const SweeperStats& stats() const { return stats_; }

 private:
  const Ledger& ledger_;
  const Clock& clock_;
  db::DbSettings db_;
  std::chrono::milliseconds interval_;
  int chunk_;
  int workers_;
  SweeperStats stats_;
};

}  // namespace ducha::tracking
