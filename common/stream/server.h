#pragma once
// StreamServer: the producer side of consumer-pulled event streams (architecture.md, "Delivery").
//
// A consumer sends stream.fetch{stream, consumer, after_seq, max_events, wait_ms}; the server
// answers stream.batch with at most max_events events after after_seq — at once when there are
// any, otherwise when new events are sequenced or after wait_ms with an empty batch, which is
// the heartbeat. Holding no per-consumer buffers (a parked request is a routing id and a
// deadline), a slow consumer costs the producer nothing: its backlog stays in the outbox table.
// The next fetch is the acknowledgement; fetches are reads, so resending one is always safe.
//
// The server also runs the streams' sequencer (Outbox::Sequence), so numbering happens in one
// place per producer. One server may serve several streams of its producer (intake serves
// `reports` and `visits`); each has its own head and counters. Run() owns the socket and its own
// database connection; Wake() may be called from any thread after a commit that appended events,
// to cut latency.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "common/auth/identity.h"
#include "common/db/db.h"
#include "common/stream/outbox.h"
#include "common/transport/transport.h"

namespace ducha::stream {

struct StreamServerSettings {
  std::string endpoint;              // where consumers connect
  std::string schema;                // the producer's schema (outbox lives there)
  std::vector<std::string> streams;  // stream names this server serves (at least one)
  transport::ServerSecurity security;
  bool allow_plain = false;
  int max_events_per_batch = 1000;          // caps a consumer's requested credit
  std::size_t max_batch_bytes = 768 << 10;  // keeps a batch under the frame limit
  std::chrono::milliseconds sequence_interval{50};
  std::chrono::milliseconds max_wait{30000};
};

// The counters of one served stream.
struct StreamServerStats {
  std::atomic<std::uint64_t> fetches{0};  // fetches naming this stream
  std::atomic<std::uint64_t> events_sent{0};
  std::atomic<std::uint64_t> heartbeats{0};
  std::atomic<std::uint64_t> rejected{0};
  std::atomic<std::int64_t> head_seq{0};
  std::atomic<std::int64_t> unsequenced{0};
};

class StreamServer {
 public:
  // `registry` authorises consumers: only identities with role "service" (or the development
  // identity when allow_plain) may fetch.
  // Throws std::invalid_argument when settings.streams is empty.
  StreamServer(StreamServerSettings settings, zmq::context_t& ctx, const auth::Registry& registry,
               db::DbSettings db);
  void Bind();
  std::string BoundEndpoint();
  void Run(std::stop_token stop);
  void Wake() { wake_.store(true, std::memory_order_release); }
  // The counters of a served stream (std::out_of_range for any other name). A fetch refused
  // before it names a served stream (unauthorised, malformed, unknown stream) counts as rejected
  // on the first stream of settings.streams.
  const StreamServerStats& stats(std::string_view stream) const;
  // The first stream's counters: the only stream's, for a single-stream producer.
  const StreamServerStats& stats() const { return stats(settings_.streams.front()); }

 private:
  struct Parked;
  StreamServerStats& MutableStats(std::string_view stream);
  StreamServerSettings settings_;
  zmq::context_t& ctx_;
  const auth::Registry& registry_;
  db::DbSettings db_;
  zmq::socket_t router_;
  std::atomic<bool> wake_{true};
  std::map<std::string, StreamServerStats, std::less<>> stats_;  // keys fixed at construction
};

}  // namespace ducha::stream
