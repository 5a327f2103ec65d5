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
// The server also runs the stream's sequencer (Outbox::Sequence), so numbering happens in one
// place per producer. Run() owns the socket and its own database connection; Wake() may be
// called from any thread after a commit that appended events, to cut latency.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stop_token>
#include <string>
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
  std::vector<std::string> streams;  // stream names this server serves
  transport::ServerSecurity security;
  bool allow_plain = false;
  int max_events_per_batch = 1000;          // caps a consumer's requested credit
  std::size_t max_batch_bytes = 768 << 10;  // keeps a batch under the frame limit
  std::chrono::milliseconds sequence_interval{50};
  std::chrono::milliseconds max_wait{30000};
};

struct StreamServerStats {
  std::atomic<std::uint64_t> fetches{0};
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
  StreamServer(StreamServerSettings settings, zmq::context_t& ctx, const auth::Registry& registry,
               db::DbSettings db);
  void Bind();
  std::string BoundEndpoint();
  void Run(std::stop_token stop);
  void Wake() { wake_.store(true, std::memory_order_release); }
  const StreamServerStats& stats() const { return stats_; }

 private:
  struct Parked;
  StreamServerSettings settings_;
  zmq::context_t& ctx_;
  const auth::Registry& registry_;
  db::DbSettings db_;
  zmq::socket_t router_;
  std::atomic<bool> wake_{true};
  StreamServerStats stats_;
};

}  // namespace ducha::stream
