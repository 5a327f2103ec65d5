#include "services/tracking/io/sweeper.h"

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "common/log/log.h"
#include "services/tracking/store/ledger_store.h"

namespace ducha::tracking {

Sweeper::Sweeper(const Ledger& ledger, const Clock& clock, db::DbSettings db,
                 std::chrono::milliseconds interval, int chunk, int workers)
    : ledger_(ledger),
      clock_(clock),
      db_(std::move(db)),
      interval_(interval),
      chunk_(chunk),
      workers_(workers) {}

void Sweeper::Run(std::stop_token stop) {
  auto log = log::Get("tracking.sweep");
  const stream::Outbox outbox(kSchema);
  std::mutex mu;
  std::condition_variable_any wake;
  try {
    std::vector<std::unique_ptr<db::Connection>> owned;
    std::vector<db::Connection*> conns;
    for (int w = 0; w < std::max(1, workers_); ++w) {
      owned.push_back(std::make_unique<db::Connection>(db_, stop));
      conns.push_back(owned.back().get());
    }
    while (!stop.stop_requested()) {
      const Day today = ledger_.DayOf(clock_.Now());
      const auto started = std::chrono::steady_clock::now();
      try {
        const auto swept = SweepDueParallel(conns, ledger_, outbox, today, chunk_);
        if (!swept) {
          log->error("cannot sweep {}: {}", timeutil::FormatDate(today), swept.error().message);
        } else {
          stats_.sweeps.fetch_add(1, std::memory_order_relaxed);
          stats_.last_day.store(today, std::memory_order_relaxed);
          if (swept->events > 0) {
            const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count();
            stats_.events.fetch_add(static_cast<std::uint64_t>(swept->events),
                                    std::memory_order_relaxed);
            stats_.last_duration_us.store(us, std::memory_order_relaxed);
            log->info("swept {}: {} events for {} problems in {} ms", timeutil::FormatDate(today),
                      swept->events, swept->entries, us / 1000);
          }
        }
      } catch (const db::Stopped&) {
        throw;
      } catch (const std::exception& e) {
        // Each chunk commits or not as a whole; the next sweep picks up what is left.
        log->error("sweep failed: {}", e.what());
      }
      std::unique_lock lock(mu);
      wake.wait_for(lock, stop, interval_, [] { return false; });
    }
  } catch (const db::Stopped&) {
    // stopping while the database was away
  }
  log->info("sweeper stopped");
}

}  // namespace ducha::tracking
