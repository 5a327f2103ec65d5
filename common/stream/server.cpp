#include "common/stream/server.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "common/log/log.h"
#include "proto/common_codec.h"
#include "proto/registry.h"
#include "proto/stream_codec.h"

namespace ducha::stream {
namespace {

namespace pc = proto::common;
namespace ps = proto::stream;
using Clock = std::chrono::steady_clock;

}  // namespace

struct StreamServer::Parked {
  std::vector<std::string> route;
  std::string correlation;
  std::string stream;
  std::int64_t after = 0;
  int max_events = 0;
  Clock::time_point deadline;
};

StreamServer::StreamServer(StreamServerSettings settings, zmq::context_t& ctx,
                           const auth::Registry& registry, db::DbSettings db)
    : settings_(std::move(settings)), ctx_(ctx), registry_(registry), db_(std::move(db)) {
  if (settings_.streams.empty()) {
    throw std::invalid_argument("a stream server for " + settings_.schema +
                                " must serve at least one stream");
  }
  for (const auto& s : settings_.streams) stats_.try_emplace(s);
}

const StreamServerStats& StreamServer::stats(std::string_view stream) const {
  const auto it = stats_.find(stream);
  if (it == stats_.end()) {
    throw std::out_of_range("stream server serves no stream named '" + std::string(stream) + "'");
  }
  return it->second;
}

StreamServerStats& StreamServer::MutableStats(std::string_view stream) {
  const auto it = stats_.find(stream);
  return it == stats_.end() ? stats_.find(settings_.streams.front())->second : it->second;
}

void StreamServer::Bind() {
  router_ = transport::MakeServerSocket(ctx_, zmq::socket_type::router, settings_.security);
  router_.bind(settings_.endpoint);
}

std::string StreamServer::BoundEndpoint() { return transport::ConnectableEndpoint(router_); }

void StreamServer::Run(std::stop_token stop) {
  auto log = log::Get("stream.server");
  db::Connection conn(db_, stop);
  const Outbox outbox(settings_.schema);
  std::vector<Parked> parked;
  std::map<std::string, std::int64_t> heads;
  for (const auto& s : settings_.streams) heads[s] = -1;
  auto last_sequence = Clock::now() - settings_.sequence_interval;

  auto send = [&](const std::vector<std::string>& route, const std::string& payload) {
    std::vector<zmq::message_t> frames;
    for (const auto& r : route) frames.emplace_back(r.data(), r.size());
    frames.emplace_back(payload.data(), payload.size());
    transport::SendMessage(router_, frames);  // a vanished consumer simply fetches again
  };
  // `stream` is the fetch's stream when known (otherwise the first stream is charged).
  auto send_error = [&](const std::vector<std::string>& route, const std::string& correlation,
                        const Error& e, std::string_view stream = {}) {
    MutableStats(stream).rejected.fetch_add(1, std::memory_order_relaxed);
    pc::ErrorReply msg;
    msg.code = e.code;
    if (!e.field.empty()) msg.field = e.field;
    msg.message = e.message;
    send(route, pc::Encode(msg, correlation));
  };
  // Answers a fetch from the outbox; returns false when there is nothing to send yet.
  auto answer = [&](const std::vector<std::string>& route, const std::string& correlation,
                    const std::string& stream, std::int64_t after, int max_events,
                    bool empty_ok) -> bool {
    std::vector<StoredEvent> events;
    if (after < heads[stream]) {
      events = conn.Read([&](pqxx::read_transaction& r) {
        return outbox.Read(r, stream, after, max_events, settings_.max_batch_bytes);
      });
    }
    if (events.empty() && !empty_ok) return false;
    ps::Batch batch;
    batch.stream = stream;
    batch.head_seq = std::max<std::int64_t>(heads[stream], 0);
    batch.events.reserve(events.size());
    for (auto& e : events) {
      ps::StreamEvent se;
      se.seq = e.seq;
      se.type = std::move(e.type);
      se.payload = std::move(e.payload);
      batch.events.push_back(std::move(se));
    }
    StreamServerStats& st = MutableStats(stream);
    if (batch.events.empty()) {
      st.heartbeats.fetch_add(1, std::memory_order_relaxed);
    } else {
      st.events_sent.fetch_add(batch.events.size(), std::memory_order_relaxed);
    }
    send(route, ps::Encode(batch, correlation));
    return true;
  };
  auto sequence = [&] {
    for (const auto& s : settings_.streams) {
      const std::int64_t before = heads[s];
      std::int64_t head = std::max<std::int64_t>(before, 0);
      for (;;) {
        constexpr int kChunk = 5000;
        const std::int64_t prev = head;
        head = conn.Transact([&](pqxx::work& w) { return outbox.Sequence(w, s, kChunk); });
        if (head - prev < kChunk) break;
      }
      heads[s] = head;
      MutableStats(s).head_seq.store(head, std::memory_order_relaxed);
      if (head > before) {
        // Wake the consumers parked on this stream.
        for (auto it = parked.begin(); it != parked.end();) {
          if (it->stream == s && it->after < head) {
            answer(it->route, it->correlation, it->stream, it->after, it->max_events, true);
            it = parked.erase(it);
          } else {
            ++it;
          }
        }
      }
    }
    last_sequence = Clock::now();
  };

  auto handle = [&](std::vector<zmq::message_t>& frames) {
    std::vector<std::string> route;
    for (std::size_t i = 0; i + 1 < frames.size(); ++i) route.push_back(frames[i].to_string());
    zmq::message_t& body = frames.back();
    std::string user;
    try {
      user = body.gets("User-Id");
    } catch (const zmq::error_t&) {
      user.clear();
    }
    const bool dev = settings_.allow_plain && user == auth::kDevIdentity;
    const auto who = registry_.Find(user);
    if (!dev && (!who || who->role != auth::Role::kService)) {
      send_error(route, "",
                 MakeError("unauthorized", "", "only registered services may read streams"));
      return;
    }
    auto frame = proto::ParseMessage(body.to_string_view());
    if (!frame) {
      send_error(route, "", frame.error());
      return;
    }
    const std::string correlation(frame->id());
    auto fetch = codec::DecodeAs<ps::Fetch>(*frame);
    if (!fetch) {
      send_error(route, correlation, fetch.error());
      return;
    }
    if (heads.count(fetch->stream) == 0) {
      send_error(route, correlation,
                 MakeError("unknown_stream", "stream",
                           "this producer serves no stream named '" + fetch->stream + "'"));
      return;
    }
    MutableStats(fetch->stream).fetches.fetch_add(1, std::memory_order_relaxed);
    if (heads[fetch->stream] >= 0 && fetch->after_seq > heads[fetch->stream]) {
      send_error(route, correlation,
                 MakeError("cursor_ahead", "after_seq",
                           fmt::format("cursor {} is beyond the stream's head {}; the consumer "
                                       "and producer databases disagree",
                                       fetch->after_seq, heads[fetch->stream])),
                 fetch->stream);
      log->error("consumer {} is ahead of stream {}: {} > {}", fetch->consumer, fetch->stream,
                 fetch->after_seq, heads[fetch->stream]);
      return;
    }
    const int max_events =
        static_cast<int>(std::min<std::int64_t>(fetch->max_events, settings_.max_events_per_batch));
    const bool no_wait = fetch->wait_ms == 0 || parked.size() >= 4096;
    if (answer(route, correlation, fetch->stream, fetch->after_seq, max_events, no_wait)) return;
    const auto wait = std::min<std::chrono::milliseconds>(std::chrono::milliseconds(fetch->wait_ms),
                                                          settings_.max_wait);
    parked.push_back(Parked{std::move(route), correlation, fetch->stream, fetch->after_seq,
                            max_events, Clock::now() + wait});
  };

  log->info("stream server for {} on {}", settings_.schema, BoundEndpoint());
  std::vector<zmq::message_t> frames;
  while (!stop.stop_requested()) {
    try {
      if (wake_.exchange(false, std::memory_order_acq_rel) ||
          Clock::now() - last_sequence >= settings_.sequence_interval) {
        sequence();
      }
      const auto now = Clock::now();
      for (auto it = parked.begin(); it != parked.end();) {
        if (it->deadline <= now) {
          answer(it->route, it->correlation, it->stream, it->after, it->max_events, true);
          it = parked.erase(it);
        } else {
          ++it;
        }
      }
      std::vector<zmq::pollitem_t> items{{router_.handle(), 0, ZMQ_POLLIN, 0}};
      transport::Poll(items, std::chrono::milliseconds(10));
      if ((items[0].revents & ZMQ_POLLIN) == 0) continue;
      for (int n = 0; n < 64; ++n) {
        const auto st = transport::RecvMessage(router_, frames, 3);
        if (st == transport::RecvStatus::kNothing) break;
        if (st == transport::RecvStatus::kTooManyFrames || frames.size() < 2 ||
            (frames.size() == 3 && frames[1].size() != 0)) {
          send_error({frames.front().to_string()}, "",
                     MakeError("malformed", "", "a fetch is one frame (after routing)"));
          continue;
        }
        handle(frames);
      }
    } catch (const db::Stopped&) {
      break;
    } catch (const std::exception& e) {
      log->error("stream server: {}", e.what());
    }
  }
  log->info("stream server for {} stopped", settings_.schema);
}

}  // namespace ducha::stream
