#pragma once
// The producer side of an event stream, in the producer's own schema.
//
// Append() writes events inside the caller's business transaction (the transactional outbox).
// Sequence() numbers committed, unnumbered rows in a transaction of its own: it locks the stream's
// head row, so only one sequencer runs at a time, and everything it numbers becomes visible at
// once with the new head. A reader that sees head H therefore sees every event 1..H, whatever
// order the producing transactions committed in. Read() returns events after a cursor, at most up
// to the committed head.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/db/db.h"
#include "common/db/migrate.h"

namespace ducha::stream {

std::vector<db::Migration> OutboxMigrations();
std::vector<db::Migration> InboxMigrations();

struct OutgoingEvent {
  std::string type;     // message type, e.g. "intake.report_accepted"
  std::string key;      // the aggregate it concerns (report id), for operators' case lookup
  std::string payload;  // the complete encoded frame
};

struct StoredEvent {
  std::int64_t seq = 0;
  std::string type;
  std::string payload;
};

class Outbox {
 public:
  // `schema` is the producer's schema (the table is <schema>.outbox).
  explicit Outbox(std::string schema);

  // Appends in the caller's transaction; one round trip for the whole vector. The rows are
  // numbered later by the sequencer, so any number of transactions may append concurrently.
  void Append(pqxx::transaction_base& tx, const std::string& stream,
              const std::vector<OutgoingEvent>& events) const;

  // Appends and numbers in the caller's transaction: takes the stream's head row lock (held
  // until the caller commits), so numbering is gap-free and in commit order without a second
  // write of every row. For a producer's main writer, which appends at the end of its
  // transaction; concurrent appenders wait on the head row for each other's commit.
  void AppendNumbered(pqxx::transaction_base& tx, const std::string& stream,
                      const std::vector<OutgoingEvent>& events) const;

  // Numbers up to `max_rows` committed rows; returns the new head. Run in its own transaction.
  std::int64_t Sequence(pqxx::transaction_base& tx, const std::string& stream, int max_rows) const;

  std::int64_t Head(pqxx::transaction_base& tx, const std::string& stream) const;
  // Unsequenced rows waiting for the sequencer (a lag figure for operators).
  std::int64_t Pending(pqxx::transaction_base& tx, const std::string& stream) const;

  // Events with seq > after, in order, at most max_events and about max_bytes of payload.
  std::vector<StoredEvent> Read(pqxx::transaction_base& tx, const std::string& stream,
                                std::int64_t after, int max_events, std::size_t max_bytes) const;

 private:
  std::string schema_;
};

}  // namespace ducha::stream
