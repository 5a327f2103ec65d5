#include "services/bulletin/io/commands.h"

#include "common/db/audit.h"
#include "common/log/log.h"
#include "common/svc/command_server.h"
#include "common/svc/replay.h"
#include "proto/admin_codec.h"
#include "proto/bulletin_codec.h"
#include "proto/registry.h"
#include "services/bulletin/core/numbers_json.h"
#include "services/bulletin/core/render.h"
#include "services/bulletin/store/appliers.h"

namespace ducha::bulletin {
namespace {

namespace pb = proto::bulletin;

std::string Refuse(const Error& e, std::string_view correlation) {
  return svc::ErrorFrame(e.code, e.field, e.message, correlation);
}

}  // namespace

BulletinCommands::BulletinCommands(const campaign::Campaign& campaign, const WeekCalendar& weeks,
                                   const Distribution& distribution, const auth::Registry& registry,
                                   bool allow_plain, db::DbSettings db, SendSettings send,
                                   const Clock& wall, stream::ApplyFn retry, std::stop_token stop)
    : campaign_(campaign),
      weeks_(weeks),
      distribution_(distribution),
      registry_(registry),
      allow_plain_(allow_plain),
      conn_(std::move(db), std::move(stop)),
      send_(std::move(send)),
      wall_(wall),
      retry_(std::move(retry)) {}

std::string BulletinCommands::Handle(const std::string& user_id, std::string_view bytes) {
  auto frame = proto::ParseMessage(bytes);
  if (!frame) {
    stats_.refused.fetch_add(1, std::memory_order_relaxed);
    return Refuse(frame.error(), "");
  }
  const std::string correlation(frame->id());
  std::optional<auth::Identity> who;
  if (allow_plain_ && user_id == auth::kDevIdentity) {
    who = auth::Identity{std::string(auth::kDevIdentity), auth::Role::kOperator, {}, {}};
  } else {
    who = registry_.Find(user_id);
  }
  auto refuse = [&](const Error& e) {
    stats_.refused.fetch_add(1, std::memory_order_relaxed);
    return Refuse(e, correlation);
  };
  if (!who) {
    return refuse(MakeError("unauthorized", "", "the client key is not registered or is revoked"));
  }
  const std::string_view type = frame->type();
  if (who->role != auth::Role::kOperator) {
    log::Get("audit")->warn("refused: identity={} type={} code=forbidden", who->name, type);
    const Error e = MakeError("forbidden", "",
                              "identity '" + who->name + "' has role " +
                                  std::string(auth::RoleName(who->role)) +
                                  "; only operators use the bulletin's commands");
    db::RecordRefusals(conn_, kSchema,
                       {db::Refusal{who->name, std::string(type), "", e.code, e.message}});
    return refuse(e);
  }

  if (type == pb::Preview::kType) {
    auto q = codec::DecodeAs<pb::Preview>(*frame);
    if (!q) return refuse(q.error());
    auto week = weeks_.ForName(q->week);
    if (!week) return refuse(week.error());
    struct Loaded {
      std::optional<StoredBulletin> stored;
      Numbers current;
    };
    const Loaded loaded = conn_.Read([&](pqxx::read_transaction& tx) {
      return Loaded{LoadBulletin(tx, week->issue),
                    ComputeNumbers(campaign_, LoadProjection(tx, week->cutoff), *week)};
    });
    Numbers shown = loaded.current;
    if (loaded.stored) {
      auto stored = NumbersFromJson(loaded.stored->numbers);
      if (!stored) return refuse(stored.error());
      shown = std::move(stored).value();
    }
    const Document doc = BuildDocument(shown, campaign_, distribution_.issuer);
    pb::PreviewReply reply;
    reply.week = week->Name();
    reply.issue = week->issue;
    reply.period_from = timeutil::FormatDate(week->first_day);
    reply.period_to = timeutil::FormatDate(week->cutoff_day - 1);
    reply.generated = loaded.stored.has_value();
    if (loaded.stored) reply.stored_hash = loaded.stored->hash;
    reply.current_hash = Sha256Hex(NumbersToJson(loaded.current));
    reply.subject = doc.subject;
    reply.text = RenderText(doc);
    reply.html = RenderHtml(doc);
    stats_.done.fetch_add(1, std::memory_order_relaxed);
    return pb::Encode(reply, correlation);
  }

  if (type == pb::Resend::kType) {
    auto q = codec::DecodeAs<pb::Resend>(*frame);
    if (!q) return refuse(q.error());
    auto week = weeks_.ForName(q->week);
    if (!week) return refuse(week.error());
    const std::string reason = who->name + ": " + q->reason;
    auto queued = conn_.Transact([&](pqxx::work& tx) {
      return QueueResend(tx, week->issue, q->list, reason, distribution_, send_, wall_.Now());
    });
    if (!queued) return refuse(queued.error());
    pb::ResendQueued reply;
    reply.week = week->Name();
    reply.issue = week->issue;
    for (const QueuedResend& r : *queued) {
      reply.sends.push_back(pb::QueuedSend{r.list, r.send_no, r.message_id});
      log::Get("audit")->info("{} queued resend {} of bulletin {} (week {}) to list {}: {}",
                              who->name, r.send_no, week->issue, week->Name(), r.list, q->reason);
    }
    stats_.done.fetch_add(1, std::memory_order_relaxed);
    return pb::Encode(reply, correlation);
  }

  if (type == pb::SendNow::kType) {
    auto q = codec::DecodeAs<pb::SendNow>(*frame);
    if (!q) return refuse(q.error());
    auto week = weeks_.ForName(q->week);
    if (!week) return refuse(week.error());
    auto due =
        conn_.Transact([&](pqxx::work& tx) { return MakeSendsDue(tx, week->issue, wall_.Now()); });
    if (!due) return refuse(due.error());
    pb::SendsDue reply;
    reply.week = week->Name();
    reply.issue = week->issue;
    for (const QueuedResend& r : *due) {
      reply.sends.push_back(pb::QueuedSend{r.list, r.send_no, r.message_id});
    }
    log::Get("audit")->info("{} made {} send(s) of bulletin {} (week {}) due now", who->name,
                            reply.sends.size(), week->issue, week->Name());
    stats_.done.fetch_add(1, std::memory_order_relaxed);
    return pb::Encode(reply, correlation);
  }

  if (type == pb::Publish::kType) {
    auto q = codec::DecodeAs<pb::Publish>(*frame);
    if (!q) return refuse(q.error());
    if (publisher_ == nullptr || fleet_ == nullptr || !publisher_->enabled()) {
      return refuse(MakeError("not_configured", "bulletin.disclosure_dir",
                              "public disclosure is off: bulletin.disclosure_dir is not set"));
    }
    log::Get("audit")->info("{} asked to publish the disclosure now: {}", who->name, q->reason);
    auto published = publisher_->Publish(conn_, fleet_->Now(), "operator " + who->name);
    if (!published) return refuse(published.error());
    pb::Published reply;
    reply.as_of = published->as_of;
    reply.content_hash = published->site.hash;
    reply.changed = published->site.changed;
    reply.files = published->site.files;
    reply.bytes = published->site.bytes;
    reply.problems = published->problems;
    reply.listed = published->listed;
    reply.blacklisted = published->blacklisted;
    reply.decisions = published->decisions;
    reply.path = published->site.path;
    stats_.done.fetch_add(1, std::memory_order_relaxed);
    return pb::Encode(reply, correlation);
  }

  if (type == proto::admin::RetryDeadLetters::kType) {
    auto q = codec::DecodeAs<proto::admin::RetryDeadLetters>(*frame);
    if (!q) return refuse(q.error());
    const auto [retried, resolved] = stream::RetryDeadLetters(conn_, kSchema, q->ids, retry_);
    log::Get("audit")->info("{} retried {} dead letters of the bulletin, {} resolved", who->name,
                            retried, resolved);
    proto::admin::DeadLettersRetried reply;
    reply.retried = retried;
    reply.resolved = resolved;
    stats_.done.fetch_add(1, std::memory_order_relaxed);
    return proto::admin::Encode(reply, correlation);
  }
  if (type == proto::admin::Replay::kType) {
    auto q = codec::DecodeAs<proto::admin::Replay>(*frame);
    if (!q) return refuse(q.error());
    // Every projection the bulletin keeps is keyed by its event (ON CONFLICT DO NOTHING), so any
    // of its streams can be applied again, e.g. after a fix to an applier.
    static const std::vector<svc::FollowedStream> kFollowed = {
        {"intake", "reports", true, ""},
        {"intake", "visits", true, ""},
        {"dispatch", "assignments", true, ""},
        {"tracking", "ledger", true, ""},
        {"review", "reinspections", true, ""}};
    auto started = svc::Replay(conn_, kSchema, kFollowed, *q);
    if (!started) return refuse(started.error());
    log::Get("audit")->info("{} replays {}/{} from {} ({} events)", who->name, q->producer,
                            q->stream, q->from_seq, started->events);
    stats_.done.fetch_add(1, std::memory_order_relaxed);
    return proto::admin::Encode(*started, correlation);
  }
  return refuse(
      MakeError("unexpected_type", "type", "bulletin does not accept " + std::string(type)));
}

}  // namespace ducha::bulletin
