#include "services/tracking/io/action_server.h"

#include <charconv>
#include <chrono>

#include "common/db/audit.h"
#include "common/log/log.h"
#include "common/svc/replay.h"
#include "proto/admin_codec.h"
#include "proto/common_codec.h"
#include "proto/registry.h"
#include "proto/tracking_codec.h"
#include "services/tracking/core/wire.h"
#include "services/tracking/store/coverage.h"
#include "services/tracking/store/key_task_store.h"
#include "services/tracking/store/ledger_store.h"
#include "services/tracking/store/status.h"

namespace ducha::tracking {
namespace {

namespace pc = proto::common;
namespace pt = proto::tracking;
using SteadyClock = std::chrono::steady_clock;

std::string EncodeError(const Error& e, std::string_view correlation) {
  pc::ErrorReply msg;
  msg.code = e.code;
  if (!e.field.empty()) msg.field = e.field;
  msg.message = e.message.size() > 1000 ? e.message.substr(0, 1000) : e.message;
  return pc::Encode(msg, correlation);
}

Error Forbidden(const auth::Identity& who, const std::string& what) {
  return MakeError("forbidden", "",
                   "identity '" + who.name + "' has role " + std::string(auth::RoleName(who.role)) +
                       "; " + what);
}

// The message's fields as an action; the problem and the request id are common to all.
template <typename M>
Result<ActionRequest> Decoded(const codec::Frame& frame, Action (*convert)(M&)) {
  auto m = codec::DecodeAs<M>(frame);
  if (!m) return m.error();
  ActionRequest r;
  r.request_id = m->request_id;
  r.problem_id = m->problem_id;
  r.action = convert(*m);
  return r;
}

Result<ActionRequest> DecodeAction(const codec::Frame& frame) {
  const std::string_view type = frame.type();
  if (type == pt::ReportProgress::kType) {
    return Decoded<pt::ReportProgress>(
        frame, [](pt::ReportProgress& m) -> Action { return Progress{std::move(m.text)}; });
  }
  if (type == pt::ReportVerification::kType) {
    return Decoded<pt::ReportVerification>(frame, [](pt::ReportVerification& m) -> Action {
      return VerificationResult{m.substantiated, m.explanation.value_or("")};
    });
  }
  if (type == pt::ClaimRectified::kType) {
    return Decoded<pt::ClaimRectified>(frame, [](pt::ClaimRectified& m) -> Action {
      return Claim{std::move(m.description), std::move(m.evidence)};
    });
  }
  if (type == pt::RequestExtension::kType) {
    return Decoded<pt::RequestExtension>(frame, [](pt::RequestExtension& m) -> Action {
      return RequestExtension{static_cast<int>(m.working_days), std::move(m.reason)};
    });
  }
  return Decoded<pt::DecideExtension>(frame, [](pt::DecideExtension& m) -> Action {
    return DecideExtension{m.approve, std::move(m.reason)};
  });
}

bool IsAction(std::string_view type) {
  return type == pt::ReportProgress::kType || type == pt::ReportVerification::kType ||
         type == pt::ClaimRectified::kType || type == pt::RequestExtension::kType ||
         type == pt::DecideExtension::kType;
}

std::string EncodeDone(const ActionOutcome& o, std::string_view correlation) {
  pt::ActionDone done;
  done.problem_id = o.problem_id;
  done.state = ToWire(o.state);
  done.deadline = timeutil::FormatDate(o.deadline);
  done.extensions_used = o.extensions_used;
  done.replayed = o.replayed;
  return pt::Encode(done, correlation);
}

}  // namespace

struct ActionServer::Pending {
  std::vector<zmq::message_t> route;  // routing id [+ empty delimiter]
  std::string correlation;
  SteadyClock::time_point received;
  std::optional<ActionRequest> action;  // set: decided in the batch
  std::string type;                     // the message type, for the audit record
  std::string reply;
  bool ok = false;
};

ActionServer::ActionServer(ActionSettings settings, zmq::context_t& ctx,
                           const campaign::Campaign& campaign, const Ledger& ledger,
                           const auth::Registry& registry, const Clock& clock, db::DbSettings db,
                           stream::ApplyFn retry)
    : settings_(std::move(settings)),
      ctx_(ctx),
      campaign_(campaign),
      ledger_(ledger),
      registry_(registry),
      clock_(clock),
      db_(std::move(db)),
      retry_(std::move(retry)) {}

void ActionServer::Bind() {
  router_ = transport::MakeServerSocket(ctx_, zmq::socket_type::router, settings_.security);
  router_.bind(settings_.endpoint);
}

std::string ActionServer::BoundEndpoint() { return transport::ConnectableEndpoint(router_); }

std::optional<auth::Identity> ActionServer::IdentityOf(const std::string& user_id) const {
  if (settings_.allow_plain && user_id == auth::kDevIdentity) {
    return auth::Identity{std::string(auth::kDevIdentity), auth::Role::kOperator, {}, {}};
  }
  return registry_.Find(user_id);
}

std::optional<Actor> ActionServer::ActorOf(const auth::Identity& identity) {
  if (identity.role == auth::Role::kSupervisionCenter) {
    return Actor{identity.name, ActorRole::kSupervisionCenter, {}};
  }
  if (identity.role != auth::Role::kBody) return std::nullopt;
  Actor actor{identity.name, ActorRole::kBody, {}};
  for (const std::string& s : identity.scope) {
    DivisionCode code = 0;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), code);
    if (ec == std::errc() && ptr == s.data() + s.size()) actor.scope.push_back(code);
  }
  return actor;
}

std::string ActionServer::HandleQuery(const auth::Identity& who, const codec::Frame& frame,
                                      const std::string& correlation, db::Connection& conn,
                                      bool& ok) {
  ok = false;
  const std::string_view type = frame.type();
  const bool operator_role = who.role == auth::Role::kOperator;
  const bool reader = operator_role || who.role == auth::Role::kSupervisionCenter;
  if (type == pt::CoverageRequest::kType || type == pt::DailyReportRequest::kType) {
    if (!reader) {
      return EncodeError(Forbidden(who, "only the supervision center and operators read it"),
                         correlation);
    }
    if (type == pt::CoverageRequest::kType) {
      auto q = codec::DecodeAs<pt::CoverageRequest>(frame);
      if (!q) return EncodeError(q.error(), correlation);
      auto c = conn.Read([&](pqxx::read_transaction& tx) {
        return Coverage(tx, campaign_, static_cast<int>(q->round));
      });
      if (!c) return EncodeError(c.error(), correlation);
      ok = true;
      return pt::Encode(*c, correlation);
    }
    auto q = codec::DecodeAs<pt::DailyReportRequest>(frame);
    if (!q) return EncodeError(q.error(), correlation);
    auto r = conn.Read([&](pqxx::read_transaction& tx) {
      return DailyReport(tx, campaign_, q->group_id, q->date);
    });
    if (!r) return EncodeError(r.error(), correlation);
    ok = true;
    return pt::Encode(*r, correlation);
  }
  if (type == pt::TaskSummaryRequest::kType) {
    if (!reader) {
      return EncodeError(Forbidden(who, "only the supervision center and operators read it"),
                         correlation);
    }
    auto q = codec::DecodeAs<pt::TaskSummaryRequest>(frame);
    if (!q) return EncodeError(q.error(), correlation);
    const Day today = ledger_.DayOf(clock_.Now());
    auto r = conn.Read(
        [&](pqxx::read_transaction& tx) { return TaskSummary(tx, campaign_, q->city, today); });
    if (!r) return EncodeError(r.error(), correlation);
    ok = true;
    return pt::Encode(*r, correlation);
  }
  if (type == pt::ReportTaskProgress::kType) {
    const auto actor = ActorOf(who);
    if (!actor || actor->role != ActorRole::kBody) {
      return EncodeError(Forbidden(who, "only responsible bodies report progress on key tasks"),
                         correlation);
    }
    auto q = codec::DecodeAs<pt::ReportTaskProgress>(frame);
    if (!q) return EncodeError(q.error(), correlation);
    const stream::Outbox outbox(kSchema);
    const timeutil::Millis now = clock_.Now();
    auto r = conn.Transact(
        [&](pqxx::work& tx) { return ReportTaskProgress(tx, campaign_, outbox, *actor, *q, now); });
    if (!r) return EncodeError(r.error(), correlation);
    ok = true;
    return pt::Encode(*r, correlation);
  }
  if (type == pt::StatusRequest::kType) {
    // The gateway asks only for problems that intake said belong to the integration it serves
    // (intake.list_reports is scoped by the integration); operators may read any.
    if (!operator_role && who.role != auth::Role::kGateway) {
      return EncodeError(Forbidden(who, "only the gateway and operators read it"), correlation);
    }
    auto q = codec::DecodeAs<pt::StatusRequest>(frame);
    if (!q) return EncodeError(q.error(), correlation);
    auto r =
        conn.Read([&](pqxx::read_transaction& tx) { return ProblemStatuses(tx, q->problem_ids); });
    ok = true;
    return pt::Encode(r, correlation);
  }
  if (type == proto::admin::Replay::kType) {
    if (!operator_role) return EncodeError(Forbidden(who, "only operators do it"), correlation);
    auto q = codec::DecodeAs<proto::admin::Replay>(frame);
    if (!q) return EncodeError(q.error(), correlation);
    static const std::vector<svc::FollowedStream> kFollowed = {
        {"dispatch", "assignments", false,
         "an assignment opens a ledger entry and every change adds a line to its hash-chained "
         "history, so applying them twice would refuse or record them twice"},
        // Visits are keyed by their id (ON CONFLICT DO NOTHING).
        {"intake", "visits", true, ""},
        {"review", "reinspections", false,
         "a re-inspection's conclusion closes or reopens the problem, so applying it twice would "
         "reopen it twice"}};
    auto started = svc::Replay(conn, kSchema, kFollowed, *q);
    if (!started) return EncodeError(started.error(), correlation);
    log::Get("tracking.actions")
        ->info("{} replays {}/{} from {} ({} events)", who.name, q->producer, q->stream,
               q->from_seq, started->events);
    ok = true;
    return proto::admin::Encode(*started, correlation);
  }
  if (type == pt::ImportTasks::kType) {
    if (!operator_role) return EncodeError(Forbidden(who, "only operators do it"), correlation);
    auto q = codec::DecodeAs<pt::ImportTasks>(frame);
    if (!q) return EncodeError(q.error(), correlation);
    const stream::Outbox outbox(kSchema);
    const timeutil::Millis now = clock_.Now();
    auto r = conn.Transact(
        [&](pqxx::work& tx) { return ImportTasks(tx, campaign_, outbox, *q, who.name, now); });
    log::Get("tracking.actions")
        ->info("{} imported tasks from '{}': {} new, {} updated, {} unchanged, {} rejected",
               who.name, q->source, r.imported, r.updated, r.unchanged, r.rejected);
    ok = true;
    return pt::Encode(r, correlation);
  }
  if (type == pt::ImportRanking::kType || type == proto::admin::RetryDeadLetters::kType) {
    if (!operator_role) return EncodeError(Forbidden(who, "only operators do it"), correlation);
    if (type == pt::ImportRanking::kType) {
      auto q = codec::DecodeAs<pt::ImportRanking>(frame);
      if (!q) return EncodeError(q.error(), correlation);
      auto r =
          conn.Transact([&](pqxx::work& tx) { return ImportRanking(tx, campaign_, *q, who.name); });
      if (!r) return EncodeError(r.error(), correlation);
      log::Get("tracking.actions")
          ->info("{} imported the ranking '{}': {} counties, {} priority", who.name, q->source,
                 r->rows, r->priority);
      ok = true;
      return pt::Encode(*r, correlation);
    }
    auto q = codec::DecodeAs<proto::admin::RetryDeadLetters>(frame);
    if (!q) return EncodeError(q.error(), correlation);
    const auto [retried, resolved] = stream::RetryDeadLetters(conn, kSchema, q->ids, retry_);
    log::Get("tracking.actions")
        ->info("{} retried {} dead letters, {} resolved", who.name, retried, resolved);
    proto::admin::DeadLettersRetried reply;
    reply.retried = retried;
    reply.resolved = resolved;
    ok = true;
    return proto::admin::Encode(reply, correlation);
  }
  return EncodeError(
      MakeError("unexpected_type", "type", "tracking does not accept " + std::string(type)),
      correlation);
}

void ActionServer::Serve(std::vector<Pending>& pending, db::Connection& conn) {
  std::vector<ActionRequest> batch;
  std::vector<std::size_t> index;
  for (std::size_t i = 0; i < pending.size(); ++i) {
    if (pending[i].action) {
      batch.push_back(*pending[i].action);
      index.push_back(i);
    }
  }
  if (batch.empty()) return;
  const timeutil::Millis now = clock_.Now();
  for (ActionRequest& r : batch) r.now = now;
  const stream::Outbox outbox(kSchema);
  const auto results =
      conn.Transact([&](pqxx::work& tx) { return ApplyActions(tx, ledger_, outbox, batch); });
  stats_.batches.fetch_add(1, std::memory_order_relaxed);
  auto audit = log::Get("audit");
  std::vector<db::Refusal> refusals;
  for (std::size_t k = 0; k < results.size(); ++k) {
    Pending& p = pending[index[k]];
    if (results[k]) {
      p.reply = EncodeDone(*results[k], p.correlation);
      p.ok = true;
      continue;
    }
    const Error& e = results[k].error();
    if (db::IsAuditedRefusal(e.code)) {
      audit->warn("refused: identity={} problem={} code={} reason={}", batch[k].actor.name,
                  batch[k].problem_id, e.code, e.message);
      refusals.push_back(db::Refusal{batch[k].actor.name, p.type,
                                     "problem " + std::to_string(batch[k].problem_id), e.code,
                                     e.message});
    }
    p.reply = EncodeError(e, p.correlation);
  }
  db::RecordRefusals(conn, kSchema, refusals);
}

void ActionServer::Run(std::stop_token stop) {
  auto log = log::Get("tracking.actions");
  db::Connection conn(db_, stop);
  log->info("tracking actions serving on {}", BoundEndpoint());
  std::vector<zmq::message_t> frames;
  std::vector<Pending> pending;
  try {
    while (!stop.stop_requested()) {
      std::vector<zmq::pollitem_t> items{{router_.handle(), 0, ZMQ_POLLIN, 0}};
      if (transport::Poll(items, std::chrono::milliseconds(100)) == 0) continue;
      pending.clear();
      // Everything waiting now, up to max_batch, is one batch (group commit).
      while (pending.size() < static_cast<std::size_t>(settings_.max_batch)) {
        const auto st = transport::RecvMessage(router_, frames, 3);
        if (st == transport::RecvStatus::kNothing) break;
        stats_.requests.fetch_add(1, std::memory_order_relaxed);
        Pending p;
        p.received = SteadyClock::now();
        if (st == transport::RecvStatus::kTooManyFrames || frames.size() < 2 ||
            (frames.size() == 3 && frames[1].size() != 0)) {
          p.reply =
              EncodeError(MakeError("malformed", "", "a request is one frame (after routing)"), "");
          frames.resize(1);
          p.route = std::move(frames);
          pending.push_back(std::move(p));
          continue;
        }
        std::string user_id;
        try {
          user_id = frames.back().gets("User-Id");
        } catch (const zmq::error_t&) {
          user_id.clear();
        }
        const std::string payload = frames.back().to_string();
        frames.pop_back();
        p.route = std::move(frames);
        try {
          auto frame = proto::ParseMessage(payload, settings_.limits);
          if (!frame) {
            p.reply = EncodeError(frame.error(), "");
          } else {
            p.correlation = std::string(frame->id());
            p.type = std::string(frame->type());
            const auto who = IdentityOf(user_id);
            if (!who) {
              p.reply = EncodeError(
                  MakeError("unauthorized", "", "the client key is not registered or is revoked"),
                  p.correlation);
            } else if (IsAction(frame->type())) {
              const auto actor = ActorOf(*who);
              auto request = DecodeAction(*frame);
              if (!actor) {
                const Error e = Forbidden(*who,
                                          "only bodies and the supervision center act on "
                                          "the ledger");
                log::Get("audit")->warn("refused: identity={} type={} code=forbidden", who->name,
                                        frame->type());
                db::RecordRefusals(conn, kSchema,
                                   {db::Refusal{who->name, p.type, "", e.code, e.message}});
                p.reply = EncodeError(e, p.correlation);
              } else if (!request) {
                p.reply = EncodeError(request.error(), p.correlation);
              } else {
                request->actor = *actor;
                p.action = std::move(request).value();
              }
            } else {
              p.reply = HandleQuery(*who, *frame, p.correlation, conn, p.ok);
              if (!p.ok) {
                auto refused = proto::ParseMessage(p.reply);
                if (refused) {
                  auto e = codec::DecodeAs<pc::ErrorReply>(*refused);
                  if (e && db::IsAuditedRefusal(e->code)) {
                    db::RecordRefusals(conn, kSchema,
                                       {db::Refusal{who->name, p.type, "", e->code, e->message}});
                  }
                }
              }
            }
          }
        } catch (const db::Stopped&) {
          throw;
        } catch (const std::exception& e) {
          log->error("request failed: {}", e.what());
          p.reply = EncodeError(MakeError("internal", "", "the request could not be served; retry"),
                                p.correlation);
        }
        pending.push_back(std::move(p));
      }
      try {
        Serve(pending, conn);
      } catch (const db::Stopped&) {
        throw;
      } catch (const std::exception& e) {
        // Nothing was committed; every caller may retry with the same request id.
        log->error("action batch failed: {}", e.what());
        for (Pending& p : pending) {
          if (p.action && p.reply.empty()) {
            p.reply = EncodeError(
                MakeError("internal", "", "the action could not be applied; retry"), p.correlation);
          }
        }
      }
      for (Pending& p : pending) {
        (p.ok ? stats_.done : stats_.refused).fetch_add(1, std::memory_order_relaxed);
        if (p.action) {
          latency_.Observe(std::chrono::duration<double>(SteadyClock::now() - p.received).count());
        }
        p.route.emplace_back(p.reply.data(), p.reply.size());
        transport::SendMessage(router_, p.route);
      }
    }
  } catch (const db::Stopped&) {
    // stopping while the database was away
  }
  log->info("tracking actions stopped");
}

}  // namespace ducha::tracking
