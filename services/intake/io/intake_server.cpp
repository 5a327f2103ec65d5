#include "services/intake/io/intake_server.h"

#include <chrono>
#include <thread>
#include <utility>
#include <variant>

#include "common/codec/frame.h"
#include "common/db/audit.h"
#include "common/log/log.h"
#include "proto/common_codec.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"
#include "services/intake/store/report_query.h"

namespace ducha::intake {
namespace {

namespace pc = proto::common;
namespace pi = proto::intake;

std::string Fnv1a(std::string_view bytes) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return fmt::format("{:016x}", h);
}

std::string EncodeError(const Error& e, const std::string& correlation);

std::string EncodeOutcome(const std::variant<SubmitOutcome, RecordVisitOutcome>& outcome,
                          const std::string& correlation) {
  return std::visit(
      [&](const auto& o) {
        return o.error ? EncodeError(*o.error, correlation) : pi::Encode(*o.receipt, correlation);
      },
      outcome);
}

std::string EncodeError(const Error& e, const std::string& correlation) {
  pc::ErrorReply msg;
  msg.code = e.code;
  if (!e.field.empty()) msg.field = e.field;
  msg.message = e.message.size() > 1000 ? e.message.substr(0, 1000) : e.message;
  return pc::Encode(msg, correlation);
}

}  // namespace

IntakeServer::IntakeServer(IntakeSettings settings, zmq::context_t& ctx,
                           const campaign::Campaign& campaign, const auth::Registry& registry,
                           const Clock& clock, db::DbSettings db)
    : settings_(std::move(settings)),
      ctx_(ctx),
      campaign_(campaign),
      registry_(registry),
      clock_(clock),
      db_(std::move(db)),
      reply_endpoint_(fmt::format("inproc://intake-replies-{}", static_cast<void*>(this))) {}

void IntakeServer::Bind() {
  router_ = transport::MakeServerSocket(ctx_, zmq::socket_type::router, settings_.security);
  router_.bind(settings_.endpoint);
}

std::string IntakeServer::BoundEndpoint() { return transport::ConnectableEndpoint(router_); }

std::optional<auth::Identity> IntakeServer::IdentityOf(const std::string& user_id) const {
  if (settings_.allow_plain && user_id == auth::kDevIdentity) {
    auth::Identity dev;
    dev.name = std::string(auth::kDevIdentity);
    dev.role = auth::Role::kIntegration;
    for (const auto& c : campaign_.channels()) dev.channels.push_back(c.name);
    return dev;
  }
  return registry_.Find(user_id);
}

void IntakeServer::Reply(const std::vector<std::string>& route, const std::string& payload) {
  std::vector<zmq::message_t> frames;
  frames.reserve(route.size() + 1);
  for (const auto& r : route) frames.emplace_back(r.data(), r.size());
  frames.emplace_back(payload.data(), payload.size());
  // A client that went away cannot be answered; its retry will get the same receipt.
  transport::SendMessage(router_, frames);
}

void IntakeServer::Audit(const auth::Identity& identity, const std::string& type,
                         const std::string& submission_id, const Error& error) {
  if (!db::IsAuditedRefusal(error.code)) return;
  log::Get("audit")->warn("refused: identity={} type={} code={} reason={}", identity.name, type,
                          error.code, error.message);
  std::lock_guard lock(mu_);
  rejected_.audited.push_back(
      db::Refusal{identity.name, type, "submission " + submission_id, error.code, error.message});
}

void IntakeServer::RejectRequest(const std::vector<std::string>& route,
                                 const std::string& correlation, const std::string& channel,
                                 const Error& error, RequestKind kind) {
  stats_.rejected.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(mu_);
    if (kind == RequestKind::kVisit) {
      ++rejected_.visits[error.code];
    } else {
      ++rejected_.reports[{channel, error.code}];
    }
  }
  Reply(route, EncodeError(error, correlation));
}

void IntakeServer::HandleRequest(std::vector<zmq::message_t>& frames) {
  stats_.requests.fetch_add(1, std::memory_order_relaxed);
  // Frames: routing id, [empty delimiter from REQ clients], payload.
  std::vector<std::string> route;
  for (std::size_t i = 0; i + 1 < frames.size(); ++i) route.push_back(frames[i].to_string());
  if (frames.size() == 3 && frames[1].size() != 0) {
    RejectRequest({route.front()}, "", "",
                  MakeError("malformed", "", "a request is one frame (after routing)"));
    return;
  }
  zmq::message_t& body = frames.back();
  std::string user_id;
  try {
    user_id = body.gets("User-Id");
  } catch (const zmq::error_t&) {
    user_id.clear();
  }
  const auto identity = IdentityOf(user_id);
  if (!identity) {
    RejectRequest(route, "", "",
                  MakeError("unauthorized", "", "the client key is not registered or is revoked"));
    return;
  }
  auto frame = proto::ParseMessage(body.to_string_view(), settings_.limits);
  if (!frame) {
    RejectRequest(route, "", "", frame.error());
    return;
  }
  const std::string correlation(frame->id());
  if (frame->type() == pi::SubmitReport::kType) {
    auto report = codec::DecodeAs<pi::SubmitReport>(*frame);
    if (!report) {
      RejectRequest(route, correlation, "", report.error());
      return;
    }
    HandleReport(std::move(route), correlation, std::move(report).value(), *identity);
  } else if (frame->type() == pi::ListReports::kType) {
    auto query = codec::DecodeAs<pi::ListReports>(*frame);
    if (!query) {
      RejectRequest(route, correlation, "", query.error());
      return;
    }
    auto principal = Principal(*identity, query->on_behalf_of);
    if (!principal) {
      Audit(*identity, std::string(pi::ListReports::kType), query->on_behalf_of, principal.error());
      RejectRequest(route, correlation, "", principal.error());
      return;
    }
    stats_.queries.fetch_add(1, std::memory_order_relaxed);
    try {
      const auto list = query_conn_->Read(
          [&](pqxx::read_transaction& tx) { return ListReports(tx, principal->name, *query); });
      Reply(route, pi::Encode(list, correlation));
    } catch (const std::exception& e) {
      // A permanent database error: answer it, so the gateway need not wait for its timeout.
      log::Get("intake.io")->error("listing reports for {} failed: {}", principal->name, e.what());
      Reply(route, EncodeError(MakeError("internal", "", "the reports could not be read; retry"),
                               correlation));
    }
  } else if (frame->type() == pi::ReportVisit::kType) {
    auto visit = codec::DecodeAs<pi::ReportVisit>(*frame);
    if (!visit) {
      RejectRequest(route, correlation, "", visit.error(), RequestKind::kVisit);
      return;
    }
    HandleVisit(std::move(route), correlation, std::move(visit).value(), *identity);
  } else {
    RejectRequest(
        route, correlation, "",
        MakeError("unexpected_type", "type",
                  "intake accepts " + std::string(pi::SubmitReport::kType) + ", " +
                      std::string(pi::ReportVisit::kType) + " and " +
                      std::string(pi::ListReports::kType) + ", not " + std::string(frame->type())));
  }
}

Result<auth::Identity> IntakeServer::Principal(const auth::Identity& caller,
                                               const std::string& on_behalf_of) const {
  if (caller.role != auth::Role::kGateway) {
    return MakeError("forbidden", "on_behalf_of",
                     "identity '" + caller.name + "' has role " +
                         std::string(auth::RoleName(caller.role)) +
                         "; only the gateway acts on behalf of an integration");
  }
  auto principal = registry_.Find(on_behalf_of);
  if (!principal || principal->role != auth::Role::kIntegration) {
    return MakeError("unknown_identity", "on_behalf_of",
                     "no active integration named '" + on_behalf_of + "'");
  }
  return *std::move(principal);
}

void IntakeServer::HandleReport(std::vector<std::string> route, const std::string& correlation,
                                pi::SubmitReport report, const auth::Identity& caller) {
  const std::string channel(pc::ToString(report.channel));
  const timeutil::Millis now = clock_.Now();
  // The gateway submits for an integration: the report, its channels and its idempotency key
  // are the integration's, exactly as if it had come over its own CURVE key.
  auth::Identity identity = caller;
  if (report.on_behalf_of) {
    auto principal = Principal(caller, *report.on_behalf_of);
    if (!principal) {
      Audit(caller, std::string(pi::SubmitReport::kType), report.submission_id, principal.error());
      RejectRequest(route, correlation, channel, principal.error());
      return;
    }
    identity = std::move(principal).value();
  }
  if (auto ok = CheckSubmission(report, identity, campaign_, now, settings_.rules); !ok) {
    Audit(identity, std::string(pi::SubmitReport::kType), report.submission_id, ok.error());
    RejectRequest(route, correlation, channel, ok.error());
    return;
  }
  Submission s;
  s.integration = identity.name;
  s.received_at = now;
  s.jurisdiction = std::stoi(report.jurisdiction);
  s.severity = report.severity.value_or(pc::Severity::kGeneral);
  s.request_hash = Fnv1a(pi::Encode(report));
  s.report = std::move(report);
  Enqueue(Pending{std::move(route), correlation, std::chrono::steady_clock::now(), std::move(s)});
}

void IntakeServer::HandleVisit(std::vector<std::string> route, const std::string& correlation,
                               pi::ReportVisit visit, const auth::Identity& identity) {
  if (auto ok = CheckVisit(visit, identity, campaign_); !ok) {
    Audit(identity, std::string(pi::ReportVisit::kType), visit.submission_id, ok.error());
    RejectRequest(route, correlation, "", ok.error(), RequestKind::kVisit);
    return;
  }
  std::string hash = Fnv1a(pi::Encode(visit));
  Visit v = MakeVisit(std::move(visit), campaign_, identity.name, std::move(hash), clock_.Now());
  Enqueue(Pending{std::move(route), correlation, std::chrono::steady_clock::now(), std::move(v)});
}

void IntakeServer::Enqueue(Pending p) {
  {
    std::lock_guard lock(mu_);
    if (static_cast<int>(queue_.size()) >= settings_.max_queue) {
      stats_.busy.fetch_add(1, std::memory_order_relaxed);
      pc::BusyReply busy;
      busy.retry_after_ms = settings_.busy_retry_after_ms;
      busy.message = "intake is at capacity; retry with the same submission_id";
      const auto payload = pc::Encode(busy, p.correlation);
      // Reply outside the lock would be nicer, but the socket is ours and the call cannot block.
      Reply(p.route, payload);
      return;
    }
    queue_.push_back(std::move(p));
  }
  cv_.notify_one();
}

void IntakeServer::Run(std::stop_token stop) {
  auto log = log::Get("intake.io");
  zmq::socket_t replies(ctx_, zmq::socket_type::pair);
  replies.set(zmq::sockopt::linger, 0);
  replies.bind(reply_endpoint_);
  std::stop_source io_done;
  std::jthread writer([this, token = io_done.get_token()](std::stop_token) { WriterLoop(token); });
  // The gateway's reads (intake.list_reports) run here, on their own connection, made on first
  // use; they are short indexed reads of one integration's reports.
  db::Connection query_conn(db_, stop);
  query_conn_ = &query_conn;

  std::vector<zmq::message_t> frames;
  // The writer hands over outcomes and rings once; replies are encoded and sent here, so the
  // writer can start its next transaction right after COMMIT.
  auto pump_replies = [&] {
    while (transport::RecvMessage(replies, frames, 1) != transport::RecvStatus::kNothing) {
    }
    std::deque<Completed> done;
    {
      std::lock_guard lock(done_mu_);
      done.swap(done_);
    }
    const auto now = std::chrono::steady_clock::now();
    for (const Completed& c : done) {
      Reply(c.route, EncodeOutcome(c.outcome, c.correlation));
      reply_latency_.Observe(std::chrono::duration<double>(now - c.arrived).count());
    }
  };
  log->info("intake serving on {}", BoundEndpoint());
  while (!stop.stop_requested()) {
    std::vector<zmq::pollitem_t> items{{router_.handle(), 0, ZMQ_POLLIN, 0},
                                       {replies.handle(), 0, ZMQ_POLLIN, 0}};
    transport::Poll(items, std::chrono::milliseconds(100));
    pump_replies();
    if ((items[0].revents & ZMQ_POLLIN) != 0) {
      // Bounded burst so replies keep flowing under load.
      for (int n = 0; n < 256; ++n) {
        const auto st = transport::RecvMessage(router_, frames, 3);
        if (st == transport::RecvStatus::kNothing) break;
        try {
          if (st == transport::RecvStatus::kTooManyFrames || frames.size() < 2) {
            std::vector<std::string> route{frames.front().to_string()};
            RejectRequest(route, "", "",
                          MakeError("malformed", "", "a request is one frame (after routing)"));
            continue;
          }
          HandleRequest(frames);
        } catch (const std::exception& e) {
          // One bad message never takes the service down.
          log->error("request failed: {}", e.what());
        }
      }
    }
  }
  // Drain: the writer commits what is queued, then stops; its replies still go out. If the
  // database does not come back within the grace period the writer is aborted: what it held was
  // not committed, and the integrations' retries (same submission ids) will be.
  {
    std::lock_guard lock(mu_);
    draining_ = true;
  }
  io_done.request_stop();
  cv_.notify_all();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(4);
  while (!writer_done_.load()) {
    if (std::chrono::steady_clock::now() > deadline) writer_abort_.request_stop();
    std::vector<zmq::pollitem_t> items{{replies.handle(), 0, ZMQ_POLLIN, 0}};
    transport::Poll(items, std::chrono::milliseconds(20));
    pump_replies();
  }
  writer.join();
  pump_replies();
  log->info("intake stopped");
}

void IntakeServer::WriterLoop(std::stop_token io_done) {
  auto log = log::Get("intake.writer");
  zmq::socket_t replies(ctx_, zmq::socket_type::pair);
  replies.set(zmq::sockopt::linger, 0);
  replies.connect(reply_endpoint_);
  struct Done {
    std::atomic<bool>& flag;
    ~Done() { flag = true; }
  } done{writer_done_};
  db::Connection conn(db_, writer_abort_.get_token());
  IntakeStore store(conn, campaign_);
  auto last_flush = std::chrono::steady_clock::now();
  for (;;) {
    std::vector<Pending> batch;
    RejectionCounts rejected;
    {
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(500),
                   [&] { return !queue_.empty() || io_done.stop_requested(); });
      const bool stopping = io_done.stop_requested();
      const bool flush_due =
          stopping || std::chrono::steady_clock::now() - last_flush > std::chrono::seconds(1);
      if (queue_.empty() && (rejected_.empty() || !flush_due)) {
        if (stopping) return;
        continue;
      }
      while (!queue_.empty() && static_cast<int>(batch.size()) < settings_.max_batch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      std::swap(rejected, rejected_);
    }
    // Reports and visits go to the store separately; `slot[i]` is item i's index among its kind.
    std::vector<Submission> reports;
    std::vector<Visit> visits;
    std::vector<std::size_t> slot(batch.size());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (auto* s = std::get_if<Submission>(&batch[i].item)) {
        slot[i] = reports.size();
        reports.push_back(std::move(*s));
      } else {
        slot[i] = visits.size();
        visits.push_back(std::get<Visit>(std::move(batch[i].item)));
      }
    }
    BatchOutcome outcomes;
    try {
      outcomes = store.CommitBatch(reports, visits, rejected, clock_.Now());
    } catch (const db::Stopped&) {
      log->warn("stopping with {} uncommitted submissions; their retries will be accepted",
                batch.size());
      return;
    } catch (const std::exception& e) {
      // A permanent database error: nothing was committed. Answer each with an error so the
      // integrations retry later with the same ids; never acknowledge what is not durable.
      log->error("committing a batch of {} failed: {}", batch.size(), e.what());
      const Error internal =
          MakeError("internal", "", "the request could not be stored; retry later");
      outcomes.reports.assign(reports.size(), SubmitOutcome{std::nullopt, internal, false});
      outcomes.visits.assign(visits.size(), RecordVisitOutcome{std::nullopt, internal, false});
    }
    last_flush = std::chrono::steady_clock::now();
    if (on_commit_ && !batch.empty()) on_commit_();
    stats_.batches.fetch_add(1, std::memory_order_relaxed);
    stats_.batch_items.fetch_add(batch.size(), std::memory_order_relaxed);
    {
      std::lock_guard lock(done_mu_);
      for (std::size_t i = 0; i < batch.size(); ++i) {
        std::variant<SubmitOutcome, RecordVisitOutcome> outcome;
        if (std::holds_alternative<Submission>(batch[i].item)) {
          SubmitOutcome& o = outcomes.reports[slot[i]];
          if (o.error) {
            stats_.rejected.fetch_add(1, std::memory_order_relaxed);
          } else if (o.replay) {
            stats_.replays.fetch_add(1, std::memory_order_relaxed);
          } else if (o.receipt->duplicate_of) {
            stats_.accepted_duplicate.fetch_add(1, std::memory_order_relaxed);
          } else {
            stats_.accepted_new.fetch_add(1, std::memory_order_relaxed);
          }
          outcome = std::move(o);
        } else {
          RecordVisitOutcome& o = outcomes.visits[slot[i]];
          if (o.error) {
            stats_.rejected.fetch_add(1, std::memory_order_relaxed);
          } else if (o.replay) {
            stats_.replays.fetch_add(1, std::memory_order_relaxed);
          } else {
            stats_.visits_recorded.fetch_add(1, std::memory_order_relaxed);
          }
          outcome = std::move(o);
        }
        done_.push_back(Completed{std::move(batch[i].route), std::move(batch[i].correlation),
                                  std::move(outcome), batch[i].arrived});
      }
    }
    if (!batch.empty()) {
      zmq::message_t ring(0);
      (void)replies.send(ring, zmq::send_flags::dontwait);  // the io thread also polls
    }
  }
}

}  // namespace ducha::intake
