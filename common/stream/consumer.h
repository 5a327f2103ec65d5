#pragma once
// StreamConsumer: the consumer side. Follows one producer's stream from the cursor kept in the
// consumer's own schema (stream_cursor), pulling at most `credit` events at a time with a
// long-poll wait. Each batch is applied in ONE transaction together with the cursor advance
// (compare-and-set from the batch's first seq - 1), so a redelivered event is skipped and a
// crash between apply and acknowledgement changes nothing. A lost reply or a dead producer is
// handled Lazy-Pirate style: after a timeout the socket is closed and reopened with backoff,
// and the same fetch is sent again.
//
// Poison events — ones the handler says can never be applied, or that fail with a permanent
// database error even alone — are parked in dead_letter with their reason, and the stream moves
// on. Operators list them and ask for a retry; RetryDeadLetters re-applies them.
//
// One consumer thread per followed (producer, stream); several may run in one service, each
// with its own connection.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <stop_token>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "common/base/result.h"
#include "common/db/db.h"
#include "common/transport/transport.h"

namespace ducha::stream {

struct IncomingEvent {
  std::int64_t seq = 0;
  std::string type;
  std::string payload;  // the complete encoded frame
};

// Applies events inside the consumer's transaction. Return one Status per event: OkStatus when
// applied, an Error when the event can never be applied (it is then parked; the handler must not
// have written anything for it). Throw for infrastructure failures: the whole transaction is
// rolled back and retried.
using ApplyFn = std::function<std::vector<Status>(pqxx::transaction_base& tx,
                                                  std::span<const IncomingEvent> events)>;

struct StreamConsumerSettings {
  std::string schema;    // the consumer's own schema (stream_cursor, dead_letter)
  std::string producer;  // e.g. "intake"
  std::string stream;    // e.g. "reports"
  std::string consumer;  // this consumer's name, for the producer's logs
  std::string endpoint;  // the producer's StreamServer
  transport::ClientSecurity security;
  int credit = 500;                              // max events per fetch
  std::chrono::milliseconds wait{2000};          // long-poll wait asked of the producer
  std::chrono::milliseconds reply_margin{3000};  // extra time before a fetch counts as lost
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{5000};
};

struct StreamConsumerStats {
  std::atomic<std::uint64_t> batches{0};
  std::atomic<std::uint64_t> events_applied{0};
  std::atomic<std::uint64_t> duplicates_skipped{0};
  std::atomic<std::uint64_t> dead_lettered{0};
  std::atomic<std::uint64_t> reconnects{0};
  std::atomic<std::int64_t> applied_seq{0};
  std::atomic<std::int64_t> producer_head{0};
  std::atomic<bool> connected{false};
  std::atomic<std::int64_t> last_reply_ms{0};  // steady-clock ms of the last reply
};

class StreamConsumer {
 public:
  StreamConsumer(StreamConsumerSettings settings, zmq::context_t& ctx, db::DbSettings db,
                 ApplyFn apply);
  // Blocks until stop is requested.
  void Run(std::stop_token stop);
  const StreamConsumerStats& stats() const { return stats_; }
  std::int64_t Lag() const { return stats_.producer_head.load() - stats_.applied_seq.load(); }

 private:
  StreamConsumerSettings settings_;
  zmq::context_t& ctx_;
  db::DbSettings db_;
  ApplyFn apply_;
  StreamConsumerStats stats_;
};

// Applies a batch with the cursor compare-and-set, parking poison events. Exposed for tests and
// for replay tools; StreamConsumer uses it. Returns the new applied seq.
std::int64_t ApplyBatch(db::Connection& conn, const StreamConsumerSettings& settings,
                        std::span<const IncomingEvent> events, const ApplyFn& apply,
                        StreamConsumerStats& stats);

// Dead letters: list, and retry (re-apply and mark resolved, or record the new failure).
struct DeadLetter {
  std::int64_t id = 0;
  std::string producer;
  std::string stream;
  std::int64_t seq = 0;
  std::string type;
  std::string error_code;
  std::string reason;
  std::string parked_at;
  int attempts = 0;
  bool resolved = false;
};
std::vector<DeadLetter> ListDeadLetters(pqxx::transaction_base& tx, const std::string& schema,
                                        bool include_resolved);
// Returns (retried, resolved).
std::pair<int, int> RetryDeadLetters(db::Connection& conn, const std::string& schema,
                                     const std::vector<std::int64_t>& ids, const ApplyFn& apply);

// Moves a consumer's cursor (operators' replay from a position). The caller must make sure
// re-applying is harmless for its handler (idempotent effects).
void SetCursor(pqxx::transaction_base& tx, const std::string& schema, const std::string& producer,
               const std::string& stream, std::int64_t applied_seq);

}  // namespace ducha::stream
