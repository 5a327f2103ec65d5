#include "services/review/io/review_server.h"

#include "common/db/audit.h"
#include "common/log/log.h"
#include "common/svc/command_server.h"
#include "common/svc/replay.h"
#include "proto/admin_codec.h"
#include "proto/registry.h"
#include "proto/review_codec.h"
#include "services/review/store/credit_store.h"
#include "services/review/store/review_store.h"

namespace ducha::review {
namespace {

namespace pr = proto::review;

std::string Refusal(const Error& e, std::string_view correlation) {
  return svc::ErrorFrame(e.code, e.field, e.message, correlation);
}

}  // namespace

ReviewHandler::ReviewHandler(const campaign::Campaign& campaign, const Rules& rules,
                             const CreditRules& credit, const auth::Registry& registry,
                             const Clock& clock, bool allow_plain, stream::ApplyFn retry)
    : campaign_(campaign),
      rules_(rules),
      credit_(credit),
      registry_(registry),
      clock_(clock),
      allow_plain_(allow_plain),
      retry_(std::move(retry)) {}

std::optional<auth::Identity> ReviewHandler::IdentityOf(const std::string& user_id) const {
  if (allow_plain_ && user_id == auth::kDevIdentity) {
    return auth::Identity{std::string(auth::kDevIdentity), auth::Role::kOperator, {}, {}};
  }
  return registry_.Find(user_id);
}

std::string ReviewHandler::Handle(const std::string& user_id, std::string_view payload,
                                  db::Connection& conn) {
  auto frame = proto::ParseMessage(payload, codec::Limits{.max_frame_bytes = 64u << 10});
  if (!frame) {
    stats_.refused.fetch_add(1, std::memory_order_relaxed);
    return Refusal(frame.error(), "");
  }
  const std::string correlation(frame->id());
  const auto who = IdentityOf(user_id);
  if (!who) {
    stats_.refused.fetch_add(1, std::memory_order_relaxed);
    return Refusal(MakeError("unauthorized", "", "the client key is not registered or is revoked"),
                   correlation);
  }
  const std::string_view type = frame->type();
  if (type == proto::admin::RetryDeadLetters::kType) {
    if (who->role != auth::Role::kOperator) {
      const Error e = MakeError("forbidden", "", "only operators retry dead letters");
      db::RecordRefusals(conn, kSchema,
                         {db::Refusal{who->name, std::string(type), "", e.code, e.message}});
      return Refusal(e, correlation);
    }
    auto q = codec::DecodeAs<proto::admin::RetryDeadLetters>(*frame);
    if (!q) return Refusal(q.error(), correlation);
    const auto [retried, resolved] = stream::RetryDeadLetters(conn, kSchema, q->ids, retry_);
    proto::admin::DeadLettersRetried reply;
    reply.retried = retried;
    reply.resolved = resolved;
    return proto::admin::Encode(reply, correlation);
  }
  if (type == proto::admin::Replay::kType) {
    if (who->role != auth::Role::kOperator) {
      const Error e = MakeError("forbidden", "", "only operators replay a stream");
      db::RecordRefusals(conn, kSchema,
                         {db::Refusal{who->name, std::string(type), "", e.code, e.message}});
      return Refusal(e, correlation);
    }
    auto q = codec::DecodeAs<proto::admin::Replay>(*frame);
    if (!q) return Refusal(q.error(), correlation);
    static const std::vector<svc::FollowedStream> kFollowed = {
        {"tracking", "ledger", false,
         "its events append to each problem's hash-chained history and count failed "
         "re-inspections, so applying them twice would record them twice"},
        // The enterprise and violation facts are keyed by problem (ON CONFLICT DO NOTHING).
        {"intake", "reports", true, ""},
        {"dispatch", "assignments", true, ""}};
    auto started = svc::Replay(conn, kSchema, kFollowed, *q);
    if (!started) return Refusal(started.error(), correlation);
    log::Get("review")->info("{} replays {}/{} from {} ({} events)", who->name, q->producer,
                             q->stream, q->from_seq, started->events);
    return proto::admin::Encode(*started, correlation);
  }
  if (type == pr::ConfirmBlacklist::kType || type == pr::Delist::kType) {
    const CreditContext cctx{credit_, *who, clock_.Now()};
    Result<pr::CreditDone> r = MakeError("internal", "", "");
    if (type == pr::ConfirmBlacklist::kType) {
      auto cmd = codec::DecodeAs<pr::ConfirmBlacklist>(*frame);
      r = cmd ? conn.Transact([&](pqxx::work& tx) { return ConfirmBlacklist(tx, cctx, *cmd); })
              : Result<pr::CreditDone>(cmd.error());
    } else {
      auto cmd = codec::DecodeAs<pr::Delist>(*frame);
      r = cmd ? conn.Transact([&](pqxx::work& tx) { return Delist(tx, cctx, *cmd); })
              : Result<pr::CreditDone>(cmd.error());
    }
    if (!r) {
      stats_.refused.fetch_add(1, std::memory_order_relaxed);
      if (db::IsAuditedRefusal(r.error().code)) {
        log::Get("audit")->warn("refused: identity={} type={} code={}", who->name, type,
                                r.error().code);
        db::RecordRefusals(
            conn, kSchema,
            {db::Refusal{who->name, std::string(type), "", r.error().code, r.error().message}});
      }
      return Refusal(r.error(), correlation);
    }
    stats_.done.fetch_add(1, std::memory_order_relaxed);
    log::Get("review")->info("{} by {}: {} blacklisted={}", type, who->name, r->enterprise,
                             r->blacklisted);
    return pr::Encode(*r, correlation);
  }
  const CommandContext ctx{campaign_, rules_, credit_, *who, clock_.Now()};
  Result<pr::Done> done =
      MakeError("unexpected_type", "type", "review does not accept " + std::string(type));
  if (type == pr::ReportReinspection::kType) {
    auto cmd = codec::DecodeAs<pr::ReportReinspection>(*frame);
    done = cmd ? conn.Transact([&](pqxx::work& tx) { return ReportReinspection(tx, ctx, *cmd); })
               : Result<pr::Done>(cmd.error());
  } else if (type == pr::RecordOpinion::kType) {
    auto cmd = codec::DecodeAs<pr::RecordOpinion>(*frame);
    done = cmd ? conn.Transact([&](pqxx::work& tx) { return RecordOpinion(tx, ctx, *cmd); })
               : Result<pr::Done>(cmd.error());
  } else if (type == pr::RecordDecision::kType) {
    auto cmd = codec::DecodeAs<pr::RecordDecision>(*frame);
    done = cmd ? conn.Transact([&](pqxx::work& tx) { return RecordDecision(tx, ctx, *cmd); })
               : Result<pr::Done>(cmd.error());
  }
  if (!done) {
    stats_.refused.fetch_add(1, std::memory_order_relaxed);
    const Error& e = done.error();
    if (db::IsAuditedRefusal(e.code)) {
      log::Get("audit")->warn("refused: identity={} type={} code={} reason={}", who->name, type,
                              e.code, e.message);
      db::RecordRefusals(conn, kSchema,
                         {db::Refusal{who->name, std::string(type), "", e.code, e.message}});
    }
    return Refusal(e, correlation);
  }
  stats_.done.fetch_add(1, std::memory_order_relaxed);
  log::Get("review")->info("{} by {}: problem {} {}", type, who->name, done->problem_id,
                           done->outcome);
  return pr::Encode(*done, correlation);
}

}  // namespace ducha::review
