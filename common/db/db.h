#pragma once
// PostgreSQL access for the adapters (store/ units). Domain code never includes this header.
//
// Connection owns one libpqxx connection, used by one thread at a time (libpqxx has no internal
// locking). Transact() runs a whole transaction and retries it from the start on the error
// classes that architecture.md lists: lost connections, serialization failures and deadlocks,
// in-doubt commits, and sql_error with an empty, 08* or 57P* SQLSTATE (libpqxx 6.4 reports a
// server crash mid-transaction that way). Every transaction given to Transact must therefore be
// idempotent: a retried in-doubt commit that had in fact committed must turn into a no-op, which
// our unique keys and cursor compare-and-set guarantee.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <pqxx/pqxx>
#include <stop_token>
#include <string>
#include <thread>

#include "common/log/log.h"

namespace ducha::db {

struct DbSettings {
  std::string url;               // libpq connection string
  std::string application_name;  // shows in pg_stat_activity
  std::chrono::milliseconds retry_initial{50};
  std::chrono::milliseconds retry_max{2000};
};

// Thrown out of Transact when the stop token fires while waiting to retry.
struct Stopped : std::runtime_error {
  Stopped() : std::runtime_error("stopped") {}
};

enum class ErrorKind { kRetryable, kPermanent };
ErrorKind Classify(const std::exception& e);

// Counters read by the metrics exporter; updated by the owning thread, read by any.
struct DbStats {
  std::atomic<std::uint64_t> transactions{0};
  std::atomic<std::uint64_t> retries{0};
  std::atomic<std::uint64_t> reconnects{0};
};

class Connection {
 public:
  Connection(DbSettings settings, std::stop_token stop);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Connects now, retrying with backoff until it works or stop is requested. A service calls
  // this at start so that an unreachable database gives a clear, repeated message.
  void ConnectWithRetry();

  // Runs fn(pqxx::work&) and commits; retries the whole transaction on retryable errors.
  // Permanent errors propagate to the caller.
  template <typename F>
  auto Transact(F&& fn) -> decltype(fn(std::declval<pqxx::work&>())) {
    auto backoff = settings_.retry_initial;
    for (;;) {
      try {
        pqxx::connection& c = Raw();
        pqxx::work w{c};
        if constexpr (std::is_void_v<decltype(fn(w))>) {
          fn(w);
          w.commit();
          stats_.transactions.fetch_add(1, std::memory_order_relaxed);
          return;
        } else {
          auto result = fn(w);
          w.commit();
          stats_.transactions.fetch_add(1, std::memory_order_relaxed);
          return result;
        }
      } catch (const Stopped&) {
        throw;
      } catch (const std::exception& e) {
        if (Classify(e) == ErrorKind::kPermanent) throw;
        OnRetryable(e, backoff);
      }
    }
  }

  // Like Transact, but for read-only work outside a write transaction.
  template <typename F>
  auto Read(F&& fn) -> decltype(fn(std::declval<pqxx::read_transaction&>())) {
    auto backoff = settings_.retry_initial;
    for (;;) {
      try {
        pqxx::read_transaction r{Raw()};
        return fn(r);
      } catch (const Stopped&) {
        throw;
      } catch (const std::exception& e) {
        if (Classify(e) == ErrorKind::kPermanent) throw;
        OnRetryable(e, backoff);
      }
    }
  }

  // The underlying connection, (re)connecting first if needed. Throws on failure.
  pqxx::connection& Raw();
  // Drops the connection; the next use reconnects.
  void Reset();
  const DbStats& stats() const { return stats_; }
  DbStats& mutable_stats() { return stats_; }
  const DbSettings& settings() const { return settings_; }

 private:
  void OnRetryable(const std::exception& e, std::chrono::milliseconds& backoff);
  void SleepOrStop(std::chrono::milliseconds d);

  DbSettings settings_;
  std::stop_token stop_;
  std::unique_ptr<pqxx::connection> conn_;
  DbStats stats_;
  std::shared_ptr<spdlog::logger> log_;
  std::chrono::steady_clock::time_point last_warn_{};
  std::uint64_t suppressed_warnings_ = 0;
};

// A readiness probe: connects and runs SELECT 1 once, without retrying. Never throws.
bool Ping(const std::string& url, std::string* why = nullptr);

// Quotes an identifier for SQL text (schema and role names in bootstrap and migrations).
std::string QuoteIdent(const std::string& ident);

}  // namespace ducha::db
