#include "services/dispatch/io/admin_server.h"

#include "common/db/audit.h"
#include "common/log/log.h"
#include "common/stream/consumer.h"
#include "common/svc/replay.h"
#include "proto/admin_codec.h"
#include "proto/common_codec.h"
#include "proto/dispatch_codec.h"
#include "proto/registry.h"
#include "services/dispatch/store/roster_store.h"

namespace ducha::dispatch {
namespace {

namespace pc = proto::common;
namespace pd = proto::dispatch;

std::string EncodeError(const Error& e, std::string_view correlation) {
  pc::ErrorReply msg;
  msg.code = e.code;
  if (!e.field.empty()) msg.field = e.field;
  msg.message = e.message.size() > 1000 ? e.message.substr(0, 1000) : e.message;
  return pc::Encode(msg, correlation);
}

AdminServer::Reply Refuse(const Error& e, std::string_view correlation) {
  return AdminServer::Reply{EncodeError(e, correlation), false};
}

template <typename M>
Result<Command> DecodeCommand(const codec::Frame& frame) {
  auto m = codec::DecodeAs<M>(frame);
  if (!m) return m.error();
  return Command(std::move(m).value());
}

}  // namespace

AdminServer::AdminServer(AdminSettings settings, zmq::context_t& ctx,
                         const campaign::Campaign& campaign, const RosterRules& roster_rules,
                         const auth::Registry& registry, const Clock& clock, db::DbSettings db)
    : settings_(std::move(settings)),
      ctx_(ctx),
      dispatcher_(campaign),
      campaign_(campaign),
      roster_rules_(roster_rules),
      retry_applier_(campaign, clock),
      registry_(registry),
      clock_(clock),
      db_(std::move(db)) {}

void AdminServer::Bind() {
  router_ = transport::MakeServerSocket(ctx_, zmq::socket_type::router, settings_.security);
  router_.bind(settings_.endpoint);
}

std::string AdminServer::BoundEndpoint() { return transport::ConnectableEndpoint(router_); }

std::optional<auth::Identity> AdminServer::IdentityOf(const std::string& user_id) const {
  if (settings_.allow_plain && user_id == auth::kDevIdentity) {
    return auth::Identity{std::string(auth::kDevIdentity), auth::Role::kOperator, {}, {}};
  }
  return registry_.Find(user_id);
}

AdminServer::Reply AdminServer::RetryDeadLetters(const auth::Identity& who,
                                                 const codec::Frame& frame,
                                                 const std::string& correlation,
                                                 db::Connection& conn) {
  if (who.role != auth::Role::kOperator) {
    db::RecordRefusals(conn, kSchema,
                       {db::Refusal{who.name, std::string(frame.type()), "", "forbidden",
                                    "only operators retry dead letters"}});
    return Refuse(
        MakeError("forbidden", "",
                  "identity '" + who.name + "' has role " + std::string(auth::RoleName(who.role)) +
                      "; only operators retry dead letters"),
        correlation);
  }
  auto request = codec::DecodeAs<proto::admin::RetryDeadLetters>(frame);
  if (!request) return Refuse(request.error(), correlation);
  const auto [retried, resolved] =
      stream::RetryDeadLetters(conn, kSchema, request->ids, retry_applier_.AsApplyFn());
  log::Get("dispatch.admin")
      ->info("{} retried {} dead letters, {} resolved", who.name, retried, resolved);
  proto::admin::DeadLettersRetried reply;
  reply.retried = retried;
  reply.resolved = resolved;
  return Reply{proto::admin::Encode(reply, correlation), true};
}

AdminServer::Reply AdminServer::SubmitRoster(const auth::Identity& who, const codec::Frame& frame,
                                             const std::string& correlation, db::Connection& conn) {
  auto roster = codec::DecodeAs<pd::SubmitRoster>(frame);
  if (!roster) return Refuse(roster.error(), correlation);
  const auto logistics = CheckRoster(campaign_, roster_rules_, *roster);
  if (!logistics) return Refuse(logistics.error(), correlation);
  const timeutil::Millis now = clock_.Now();
  const auto stored = conn.Transact([&](pqxx::work& w) {
    return StoreRoster(w, *roster, *logistics, roster_rules_.version(), who.name, now);
  });
  if (!stored) return Refuse(stored.error(), correlation);
  stats_.done.fetch_add(1, std::memory_order_relaxed);
  log::Get("dispatch.admin")
      ->info("roster of {} for round {} (version {}, {} members) by {}", stored->group_id,
             stored->round, stored->version, stored->members, who.name);
  return Reply{pd::Encode(*stored, correlation), true};
}

AdminServer::Reply AdminServer::Replay(const auth::Identity& who, const codec::Frame& frame,
                                       const std::string& correlation, db::Connection& conn) {
  if (who.role != auth::Role::kOperator) {
    db::RecordRefusals(conn, kSchema,
                       {db::Refusal{who.name, std::string(frame.type()), "", "forbidden",
                                    "only operators replay a stream"}});
    return Refuse(
        MakeError("forbidden", "",
                  "identity '" + who.name + "' has role " + std::string(auth::RoleName(who.role)) +
                      "; only operators replay a stream"),
        correlation);
  }
  auto request = codec::DecodeAs<proto::admin::Replay>(frame);
  if (!request) return Refuse(request.error(), correlation);
  // A report already applied is recognised and skipped (its problem_source row), so intake's
  // stream can be applied again.
  static const std::vector<svc::FollowedStream> kFollowed = {{"intake", "reports", true, ""}};
  auto started = svc::Replay(conn, kSchema, kFollowed, *request);
  if (!started) return Refuse(started.error(), correlation);
  log::Get("dispatch.admin")
      ->info("{} replays {}/{} from {} ({} events)", who.name, request->producer, request->stream,
             request->from_seq, started->events);
  return Reply{proto::admin::Encode(*started, correlation), true};
}

AdminServer::Reply AdminServer::Handle(const std::string& user_id, std::string_view payload,
                                       db::Connection& conn) {
  auto frame = proto::ParseMessage(payload, settings_.limits);
  if (!frame) return Refuse(frame.error(), "");
  const std::string correlation(frame->id());
  const auto who = IdentityOf(user_id);
  if (!who) {
    return Refuse(MakeError("unauthorized", "", "the client key is not registered or is revoked"),
                  correlation);
  }
  if (frame->type() == proto::admin::RetryDeadLetters::kType) {
    return RetryDeadLetters(*who, *frame, correlation, conn);
  }
  if (frame->type() == proto::admin::Replay::kType) return Replay(*who, *frame, correlation, conn);
  if (who->role != auth::Role::kSupervisionCenter && who->role != auth::Role::kOperator) {
    db::RecordRefusals(conn, kSchema,
                       {db::Refusal{who->name, std::string(frame->type()), "", "forbidden",
                                    "only the supervision center and operators change "
                                    "assignments"}});
    return Refuse(MakeError("forbidden", "",
                            "identity '" + who->name + "' has role " +
                                std::string(auth::RoleName(who->role)) +
                                "; only the supervision center and operators change "
                                "assignments"),
                  correlation);
  }
  if (frame->type() == pd::SubmitRoster::kType)
    return SubmitRoster(*who, *frame, correlation, conn);
  Result<Command> command = MakeError(
      "unexpected_type", "type",
      "dispatch accepts dispatch.reassign, dispatch.change_deadline, dispatch.set_listing and "
      "dispatch.submit_roster, "
      "not " +
          std::string(frame->type()));
  if (frame->type() == pd::Reassign::kType) {
    command = DecodeCommand<pd::Reassign>(*frame);
  } else if (frame->type() == pd::ChangeDeadline::kType) {
    command = DecodeCommand<pd::ChangeDeadline>(*frame);
  } else if (frame->type() == pd::SetListing::kType) {
    command = DecodeCommand<pd::SetListing>(*frame);
  }
  if (!command) return Refuse(command.error(), correlation);
  const timeutil::Millis now = clock_.Now();
  const Result<CommandOutcome> outcome = conn.Transact(
      [&](pqxx::work& w) { return ApplyCommand(w, dispatcher_, *command, who->name, now); });
  if (!outcome) return Refuse(outcome.error(), correlation);
  stats_.done.fetch_add(1, std::memory_order_relaxed);
  log::Get("dispatch.admin")
      ->info("problem {} changed by {} (history {})", outcome->problem_id, who->name,
             outcome->history_id);
  pd::CommandDone done;
  done.problem_id = outcome->problem_id;
  done.history_id = outcome->history_id;
  return Reply{pd::Encode(done, correlation), true};
}

void AdminServer::Run(std::stop_token stop) {
  auto log = log::Get("dispatch.admin");
  db::Connection conn(db_, stop);
  log->info("dispatch admin serving on {}", BoundEndpoint());
  std::vector<zmq::message_t> frames;
  try {
    while (!stop.stop_requested()) {
      std::vector<zmq::pollitem_t> items{{router_.handle(), 0, ZMQ_POLLIN, 0}};
      if (transport::Poll(items, std::chrono::milliseconds(100)) == 0) continue;
      const auto st = transport::RecvMessage(router_, frames, 3);
      if (st == transport::RecvStatus::kNothing) continue;
      stats_.requests.fetch_add(1, std::memory_order_relaxed);
      // Frames: routing id, [empty delimiter from REQ clients], payload.
      Reply reply;
      if (st == transport::RecvStatus::kTooManyFrames || frames.size() < 2 ||
          (frames.size() == 3 && frames[1].size() != 0)) {
        reply = Refuse(MakeError("malformed", "", "a request is one frame (after routing)"), "");
        frames.resize(1);
      } else {
        std::string user_id;
        try {
          user_id = frames.back().gets("User-Id");
        } catch (const zmq::error_t&) {
          user_id.clear();
        }
        try {
          reply = Handle(user_id, frames.back().to_string_view(), conn);
        } catch (const db::Stopped&) {
          throw;
        } catch (const std::exception& e) {
          // Nothing was committed; the operator may retry.
          log->error("command failed: {}", e.what());
          reply = Refuse(MakeError("internal", "", "the command could not be applied; retry"), "");
        }
        frames.pop_back();
      }
      if (!reply.ok) stats_.refused.fetch_add(1, std::memory_order_relaxed);
      frames.emplace_back(reply.payload.data(), reply.payload.size());
      transport::SendMessage(router_, frames);
    }
  } catch (const db::Stopped&) {
    // stopping while the database was away
  }
  log->info("dispatch admin stopped");
}

}  // namespace ducha::dispatch
