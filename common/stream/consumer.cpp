#include "common/stream/consumer.h"

#include <algorithm>
#include <thread>

#include "common/log/log.h"
#include "proto/common_codec.h"
#include "proto/registry.h"
#include "proto/stream_codec.h"

namespace ducha::stream {
namespace {

namespace pc = proto::common;
namespace ps = proto::stream;
using SteadyClock = std::chrono::steady_clock;

// The batch does not continue the cursor: the consumer must fetch again from its cursor.
struct Gap : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string Table(const std::string& schema, const char* table) {
  return db::QuoteIdent(schema) + "." + table;
}

std::int64_t LockCursor(pqxx::transaction_base& tx, const StreamConsumerSettings& s) {
  tx.exec_params("INSERT INTO " + Table(s.schema, "stream_cursor") +
                     " (producer, stream) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                 s.producer, s.stream);
  return tx
      .exec_params1("SELECT applied_seq FROM " + Table(s.schema, "stream_cursor") +
                        " WHERE producer = $1 AND stream = $2 FOR UPDATE",
                    s.producer, s.stream)[0]
      .as<std::int64_t>();
}

std::int64_t ReadCursor(db::Connection& conn, const StreamConsumerSettings& s) {
  return conn.Read([&](pqxx::read_transaction& r) {
    const pqxx::result row =
        r.exec_params("SELECT applied_seq FROM " + Table(s.schema, "stream_cursor") +
                          " WHERE producer = $1 AND stream = $2",
                      s.producer, s.stream);
    return row.empty() ? std::int64_t{0} : row[0][0].as<std::int64_t>();
  });
}

void AdvanceCursor(pqxx::transaction_base& tx, const StreamConsumerSettings& s, std::int64_t seq) {
  tx.exec_params("UPDATE " + Table(s.schema, "stream_cursor") +
                     " SET applied_seq = $3, updated_at = now() WHERE producer = $1 AND "
                     "stream = $2",
                 s.producer, s.stream, seq);
}

void Park(pqxx::transaction_base& tx, const StreamConsumerSettings& s, const IncomingEvent& e,
          const std::string& code, const std::string& reason) {
  tx.exec_params("INSERT INTO " + Table(s.schema, "dead_letter") +
                     " (producer, stream, seq, type, payload, error_code, reason) "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                 s.producer, s.stream, e.seq, e.type, pqxx::binarystring(e.payload), code,
                 reason.substr(0, 2000));
}

struct Applied {
  std::int64_t applied_seq = 0;
  std::uint64_t applied = 0;
  std::uint64_t skipped = 0;
  std::uint64_t parked = 0;
};

// One transaction: lock the cursor, skip what was applied already, apply the rest, park what
// the handler refuses, advance the cursor.
Applied ApplyIn(pqxx::transaction_base& tx, const StreamConsumerSettings& s,
                std::span<const IncomingEvent> events, const ApplyFn& apply) {
  Applied out;
  const std::int64_t cursor = LockCursor(tx, s);
  out.applied_seq = cursor;
  std::size_t first = 0;
  while (first < events.size() && events[first].seq <= cursor) ++first;
  out.skipped = first;
  const auto rest = events.subspan(first);
  if (rest.empty()) return out;
  if (rest.front().seq != cursor + 1) {
    throw Gap(fmt::format("batch starts at {} but the cursor is at {}", rest.front().seq, cursor));
  }
  for (std::size_t i = 1; i < rest.size(); ++i) {
    if (rest[i].seq != rest[i - 1].seq + 1) throw Gap("batch is not contiguous");
  }
  const std::vector<Status> results = apply(tx, rest);
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (i < results.size() && !results[i].ok()) {
      const Error& e = results[i].error();
      Park(tx, s, rest[i], e.code, e.field.empty() ? e.message : e.field + ": " + e.message);
      ++out.parked;
    } else {
      ++out.applied;
    }
  }
  AdvanceCursor(tx, s, rest.back().seq);
  out.applied_seq = rest.back().seq;
  return out;
}

void Count(StreamConsumerStats& stats, const Applied& a) {
  stats.events_applied.fetch_add(a.applied, std::memory_order_relaxed);
  stats.duplicates_skipped.fetch_add(a.skipped, std::memory_order_relaxed);
  stats.dead_lettered.fetch_add(a.parked, std::memory_order_relaxed);
  stats.applied_seq.store(a.applied_seq, std::memory_order_relaxed);
}

}  // namespace

std::int64_t ApplyBatch(db::Connection& conn, const StreamConsumerSettings& settings,
                        std::span<const IncomingEvent> events, const ApplyFn& apply,
                        StreamConsumerStats& stats) {
  auto log = log::Get("stream.consumer");
  try {
    const Applied a =
        conn.Transact([&](pqxx::work& w) { return ApplyIn(w, settings, events, apply); });
    Count(stats, a);
    stats.batches.fetch_add(1, std::memory_order_relaxed);
    return a.applied_seq;
  } catch (const Gap& g) {
    log->warn("{} from {}/{}: {}; fetching again from the cursor", settings.consumer,
              settings.producer, settings.stream, g.what());
    return conn.Transact([&](pqxx::work& w) { return LockCursor(w, settings); });
  } catch (const db::Stopped&) {
    throw;
  } catch (const std::exception& batch_error) {
    // A permanent failure somewhere in the batch: apply one event at a time so that only the
    // event that cannot be applied is parked.
    log->warn("{}: batch of {} failed ({}); isolating the failing event", settings.consumer,
              events.size(), batch_error.what());
  }
  std::int64_t applied_seq = 0;
  for (const IncomingEvent& e : events) {
    const std::span<const IncomingEvent> one(&e, 1);
    try {
      const Applied a =
          conn.Transact([&](pqxx::work& w) { return ApplyIn(w, settings, one, apply); });
      Count(stats, a);
      applied_seq = a.applied_seq;
    } catch (const Gap&) {
      return conn.Transact([&](pqxx::work& w) { return LockCursor(w, settings); });
    } catch (const db::Stopped&) {
      throw;
    } catch (const std::exception& ex) {
      if (db::Classify(ex) == db::ErrorKind::kRetryable) throw;
      log->error("{}: parking event {} of {}/{} ({}): {}", settings.consumer, e.seq,
                 settings.producer, settings.stream, e.type, ex.what());
      applied_seq = conn.Transact([&](pqxx::work& w) {
        const std::int64_t cursor = LockCursor(w, settings);
        if (cursor >= e.seq) return cursor;
        if (cursor + 1 != e.seq) throw Gap("gap while parking");
        Park(w, settings, e, "apply_failed", ex.what());
        AdvanceCursor(w, settings, e.seq);
        return e.seq;
      });
      stats.dead_lettered.fetch_add(1, std::memory_order_relaxed);
      stats.applied_seq.store(applied_seq, std::memory_order_relaxed);
    }
  }
  stats.batches.fetch_add(1, std::memory_order_relaxed);
  return applied_seq;
}

StreamConsumer::StreamConsumer(StreamConsumerSettings settings, zmq::context_t& ctx,
                               db::DbSettings db, ApplyFn apply)
    : settings_(std::move(settings)), ctx_(ctx), db_(std::move(db)), apply_(std::move(apply)) {}

void StreamConsumer::Run(std::stop_token stop) {
  auto log = log::Get("stream.consumer");
  db::Connection conn(db_, stop);
  try {
    std::int64_t applied = conn.Transact([&](pqxx::work& w) { return LockCursor(w, settings_); });
    stats_.applied_seq.store(applied);
    auto backoff = settings_.backoff_initial;
    auto sleep = [&](std::chrono::milliseconds d) {
      const auto until = SteadyClock::now() + d;
      while (!stop.stop_requested() && SteadyClock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    };
    log->info("{} following {}/{} at {} from seq {}", settings_.consumer, settings_.producer,
              settings_.stream, settings_.endpoint, applied);
    std::uint64_t fetch_no = 0;
    while (!stop.stop_requested()) {
      zmq::socket_t sock =
          transport::MakeClientSocket(ctx_, zmq::socket_type::dealer, settings_.security);
      sock.connect(settings_.endpoint);
      // Fetch on this socket until a reply is lost; then start a new socket (Lazy Pirate).
      // While a batch is applied, the fetch for the next one is already on its way, so the
      // round trip to the producer overlaps the database work.
      std::string correlation;
      bool in_flight = false;
      auto send_fetch = [&](std::int64_t after) {
        ps::Fetch fetch;
        fetch.stream = settings_.stream;
        fetch.consumer = settings_.consumer;
        fetch.after_seq = after;
        fetch.max_events = settings_.credit;
        fetch.wait_ms = settings_.wait.count();
        correlation = fmt::format("{}-{}", settings_.consumer, ++fetch_no);
        const std::string payload = ps::Encode(fetch, correlation);
        zmq::message_t m(payload.data(), payload.size());
        in_flight = sock.send(m, zmq::send_flags::dontwait).has_value();
        return in_flight;
      };
      while (!stop.stop_requested()) {
        if (!in_flight && !send_fetch(applied)) break;
        const auto deadline = SteadyClock::now() + settings_.wait + settings_.reply_margin;
        std::vector<zmq::message_t> frames;
        bool got = false;
        while (!stop.stop_requested() && SteadyClock::now() < deadline) {
          std::vector<zmq::pollitem_t> items{{sock.handle(), 0, ZMQ_POLLIN, 0}};
          if (transport::Poll(items, std::chrono::milliseconds(100)) == 0) continue;
          if (transport::RecvMessage(sock, frames, 4) == transport::RecvStatus::kNothing) continue;
          auto frame = proto::ParseMessage(frames.back().to_string_view());
          if (frame && frame->id() != correlation) continue;  // a late reply to an old fetch
          got = true;
          break;
        }
        if (stop.stop_requested()) break;
        in_flight = false;
        if (!got) {
          stats_.connected.store(false);
          stats_.reconnects.fetch_add(1, std::memory_order_relaxed);
          log->warn("{}: no answer from {} within {} ms; reconnecting in {} ms", settings_.consumer,
                    settings_.endpoint, (settings_.wait + settings_.reply_margin).count(),
                    backoff.count());
          break;
        }
        stats_.last_reply_ms.store(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       SteadyClock::now().time_since_epoch())
                                       .count());
        auto frame = proto::ParseMessage(frames.back().to_string_view());
        if (!frame) {
          log->error("{}: undecodable reply: {}", settings_.consumer, frame.error().message);
          sleep(backoff);
          continue;
        }
        if (frame->type() == pc::ErrorReply::kType) {
          auto err = codec::DecodeAs<pc::ErrorReply>(*frame);
          log->error("{}: producer refused the fetch: {}", settings_.consumer,
                     err ? err->code + ": " + err->message : std::string("unreadable error"));
          sleep(backoff);
          backoff = std::min(backoff * 2, settings_.backoff_max);
          continue;
        }
        auto batch = codec::DecodeAs<ps::Batch>(*frame);
        if (!batch) {
          log->error("{}: bad batch: {}", settings_.consumer, batch.error().message);
          sleep(backoff);
          continue;
        }
        stats_.connected.store(true);
        backoff = settings_.backoff_initial;
        stats_.producer_head.store(batch->head_seq, std::memory_order_relaxed);
        if (batch->events.empty()) {  // the heartbeat
          // An operator's replay moves the cursor back; on an idle stream no batch would show
          // it (a busy one finds it as a gap), so each heartbeat reads the cursor again.
          const std::int64_t cursor = ReadCursor(conn, settings_);
          if (cursor != applied) {
            log->info("{}: the cursor on {}/{} moved from {} to {} (a replay); fetching from there",
                      settings_.consumer, settings_.producer, settings_.stream, applied, cursor);
            applied = cursor;
            stats_.applied_seq.store(applied, std::memory_order_relaxed);
          }
          continue;
        }
        std::vector<IncomingEvent> events;
        events.reserve(batch->events.size());
        for (auto& e : batch->events) {
          events.push_back(IncomingEvent{e.seq, std::move(e.type), std::move(e.payload)});
        }
        const std::int64_t expected = events.back().seq;
        if (!send_fetch(expected)) break;
        applied = ApplyBatch(conn, settings_, events, apply_, stats_);
        if (applied != expected) break;  // the prefetch asked from the wrong place: start afresh
      }
      if (!stop.stop_requested()) {
        sleep(backoff);
        backoff = std::min(backoff * 2, settings_.backoff_max);
      }
    }
  } catch (const db::Stopped&) {
    // stopping while waiting for the database
  }
  log->info("{} stopped at seq {}", settings_.consumer, stats_.applied_seq.load());
}

std::vector<DeadLetter> ListDeadLetters(pqxx::transaction_base& tx, const std::string& schema,
                                        bool include_resolved) {
  const pqxx::result r = tx.exec(
      "SELECT id, producer, stream, seq, type, error_code, reason, "
      "to_char(parked_at, 'YYYY-MM-DD\"T\"HH24:MI:SSOF'), attempts, "
      "resolved_at IS NOT NULL FROM " +
      Table(schema, "dead_letter") +
      (include_resolved ? std::string() : std::string(" WHERE resolved_at IS NULL")) +
      " ORDER BY id");
  std::vector<DeadLetter> out;
  for (const auto& row : r) {
    DeadLetter d;
    d.id = row[0].as<std::int64_t>();
    d.producer = row[1].as<std::string>();
    d.stream = row[2].as<std::string>();
    d.seq = row[3].as<std::int64_t>();
    d.type = row[4].as<std::string>();
    d.error_code = row[5].as<std::string>();
    d.reason = row[6].as<std::string>();
    d.parked_at = row[7].as<std::string>();
    d.attempts = row[8].as<int>();
    d.resolved = row[9].as<bool>();
    out.push_back(std::move(d));
  }
  return out;
}

std::pair<int, int> RetryDeadLetters(db::Connection& conn, const std::string& schema,
                                     const std::vector<std::int64_t>& ids, const ApplyFn& apply) {
  int retried = 0, resolved = 0;
  const std::string table = Table(schema, "dead_letter");
  for (const std::int64_t id : ids) {
    std::string failure;
    bool ok = false;
    bool found = false;
    try {
      std::tie(found, ok, failure) =
          conn.Transact([&](pqxx::work& w) -> std::tuple<bool, bool, std::string> {
            const pqxx::result r =
                w.exec_params("SELECT seq, type, payload FROM " + table +
                                  " WHERE id = $1 AND resolved_at IS NULL FOR UPDATE",
                              id);
            if (r.empty()) return {false, false, ""};
            IncomingEvent e{r[0][0].as<std::int64_t>(), r[0][1].as<std::string>(),
                            pqxx::binarystring(r[0][2]).str()};
            const auto results = apply(w, std::span<const IncomingEvent>(&e, 1));
            if (!results.empty() && !results[0].ok()) {
              const Error& err = results[0].error();
              w.exec_params("UPDATE " + table +
                                " SET attempts = attempts + 1, last_retry_at = now(), "
                                "error_code = $2, reason = $3 WHERE id = $1",
                            id, err.code, err.message);
              return {true, false, err.message};
            }
            w.exec_params("UPDATE " + table +
                              " SET attempts = attempts + 1, last_retry_at = now(), "
                              "resolved_at = now() WHERE id = $1",
                          id);
            return {true, true, ""};
          });
    } catch (const db::Stopped&) {
      throw;
    } catch (const std::exception& ex) {
      found = true;
      failure = ex.what();
      conn.Transact([&](pqxx::work& w) {
        w.exec_params("UPDATE " + table +
                          " SET attempts = attempts + 1, last_retry_at = now(), "
                          "error_code = 'apply_failed', reason = $2 WHERE id = $1",
                      id, failure.substr(0, 2000));
      });
    }
    if (!found) continue;
    ++retried;
    if (ok) ++resolved;
  }
  return {retried, resolved};
}

void SetCursor(pqxx::transaction_base& tx, const std::string& schema, const std::string& producer,
               const std::string& stream, std::int64_t applied_seq) {
  tx.exec_params("INSERT INTO " + Table(schema, "stream_cursor") +
                     " (producer, stream, applied_seq) VALUES ($1, $2, $3) "
                     "ON CONFLICT (producer, stream) DO UPDATE SET applied_seq = $3, "
                     "updated_at = now()",
                 producer, stream, applied_seq);
}

}  // namespace ducha::stream
