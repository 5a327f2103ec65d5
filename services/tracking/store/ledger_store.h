#pragma once
// Tracking's persistence of the ledger, in the tracking schema.
//
// LedgerWork is one unit of work inside the caller's transaction: it loads the entries a batch
// touches in one query (locked, in ascending problem order, so concurrent units never deadlock),
// lets the caller decide in memory with the pure Ledger (services/tracking/core/ledger.h), and
// then writes every changed entry, its new history lines (COPY) and the events with one statement
// each (events to the `ledger` stream of tracking's outbox, numbered in commit order). Entries are
// loaded without their history, so the history of a decided entry holds exactly the new lines.
//
// Every entry is written with its next due day (Ledger::NextDueDay), kept with the clock's marks
// and a copy of what the clock reads of the entry (state, deadline, body) in the narrow
// tracking.ledger_clock: the sweep reads only that table, and only the entries due, a chunk at a
// time, in (next_due_day, problem_id) order, one transaction per chunk, so a crash mid-sweep
// leaves every chunk either swept (marks and events committed together) or not, and the next
// sweep finishes the rest: each warning is emitted exactly once. It reads without locks and
// updates only the row versions it read; a chunk in which an action changed an entry meanwhile
// is swept again with its rows locked.
//
// Not thread-safe: one LedgerWork per transaction. SweepDue opens its own transactions.

#include <atomic>
#include <cstdint>
#include <exception>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/audit/chain.h"
#include "common/base/result.h"
#include "common/db/db.h"
#include "common/stream/outbox.h"
#include "services/tracking/core/ledger.h"

namespace ducha::tracking {

inline constexpr const char* kSchema = "tracking";
inline constexpr const char* kLedgerStream = "ledger";

// A sweep's unit found an entry changed (by an action) after it read it unlocked; the unit's
// transaction is abandoned and the unit is swept again with its rows locked.
struct ClockChanged : std::exception {
  const char* what() const noexcept override;
};

class LedgerWork {
 public:
  LedgerWork(pqxx::transaction_base& tx, const Ledger& ledger);

  // Loads and locks the entries not loaded yet; unknown ids are simply absent.
  void Load(std::span<const std::int64_t> ids);
  // The entry as loaded or as last put; null when unknown.
  const LedgerEntry* Find(std::int64_t problem_id) const;
  // Takes a decision: its entry replaces the current one, its events are queued.
  void Put(Decision decision);

  // Writes the entries put, their new history lines and their events. `marks_only` writes only
  // the clock's marks and the next due day (what a sweep changes), for entries read by the
  // sweep (from the clock alone, with their row versions, possibly unlocked): it throws
  // ClockChanged, before writing anything else, when a row is no longer the version read.
  // Returns the events written.
  std::size_t Flush(const stream::Outbox& outbox, bool marks_only = false);

  std::size_t loaded() const { return entries_.size(); }

 private:
  void Adopt(const pqxx::result& rows);
  // Adopts the sweep's entries, read from tracking.ledger_clock alone (see ledger_store.cpp).
  void AdoptClock(const pqxx::result& rows);

  pqxx::transaction_base& tx_;
  const Ledger& ledger_;
  std::unordered_map<std::int64_t, LedgerEntry> entries_;
  std::map<std::int64_t, bool> dirty_;  // ordered: rows are written in problem order
  std::unordered_map<std::int64_t, std::string> heads_;  // each history chain's last hash
  struct RowVersion {
    std::string xmin, ctid;
  };
  std::unordered_map<std::int64_t, RowVersion> versions_;  // the sweep's clock rows, as read
  std::vector<stream::OutgoingEvent> events_;

  friend struct SweepAccess;
};

// The problem's history as hash-chain lines (common/audit), in order, since the chain began.
std::vector<audit::AuditLine> LoadHistoryChain(pqxx::transaction_base& tx, std::int64_t problem_id);

// The entry with its full history, for the case lookup; none when unknown.
std::optional<LedgerEntry> LoadCase(pqxx::transaction_base& tx, std::int64_t problem_id);

struct SweepStats {
  std::int64_t entries = 0;  // entries that emitted something
  std::int64_t events = 0;
  std::int64_t chunks = 0;
  std::int64_t retried = 0;  // chunks swept again, locked, because an action changed an entry
};

// Emits everything due on `today` for every entry whose next due day has come, `chunk` entries
// per transaction. The entries are read without locks and updated only if unchanged (their
// xmin): an action that changed one in between makes that chunk run again with its rows locked
// (FOR UPDATE, as the actions lock them), so the two never decide on the same entry at once.
// Error: outside_calendar when the calendar does not cover `today`.
Result<SweepStats> SweepDue(db::Connection& conn, const Ledger& ledger,
                            const stream::Outbox& outbox, Day today, int chunk = 2000);

// The same with one worker thread per connection (at least one), each sweeping the entries
// whose problem_id % workers is its number; they meet only on the ledger stream's head row at
// the end of each chunk's transaction. Throws what a worker threw (the chunks already swept stay
// committed; the next sweep finishes the rest).
Result<SweepStats> SweepDueParallel(std::span<db::Connection* const> conns, const Ledger& ledger,
                                    const stream::Outbox& outbox, Day today, int chunk);

}  // namespace ducha::tracking
