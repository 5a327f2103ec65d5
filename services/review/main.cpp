// ducha-review: wires the review service together. Decisions live in core/ (the sample, the
// cross assignment of covert groups, the accountability rule table and the hash chain),
// persistence in store/, the command handler in io/; this file reads settings and starts the
// parts in order: the rule table (refused at start when invalid), database and migrations,
// identities and clock, the ZAP handler, then the reinspections stream server and the command
// endpoint (both self-tested against an unknown key), and the consumer of tracking's ledger.

#include <thread>
#include <zmq.hpp>

#include "common/db/audit.h"
#include "common/db/migrate.h"
#include "common/log/log.h"
#include "common/obs/http.h"
#include "common/ref/ref_store.h"
#include "common/stream/consumer.h"
#include "common/stream/outbox.h"
#include "common/stream/server.h"
#include "common/svc/command_server.h"
#include "common/svc/fleet.h"
#include "common/svc/runtime.h"
#include "common/svc/stream_metrics.h"
#include "common/transport/zap.h"
#include "services/review/io/review_server.h"
#include "services/review/migrations.h"
#include "services/review/store/credit_store.h"
#include "services/review/store/review_store.h"

int main(int argc, char** argv) {
  using namespace ducha;
  std::stop_source stop;
  svc::SignalWatcher signals(stop);
  Config config = svc::LoadConfigOrExit(argc, argv, "review");
  const svc::CommonSettings common = svc::ReadCommon(config, "review");

  stream::StreamServerSettings stream_settings;
  stream_settings.endpoint = config.String("review.stream_endpoint", "tcp://127.0.0.1:7132");
  stream_settings.schema = review::kSchema;
  stream_settings.streams = {review::kStream};
  stream_settings.security = common.security;
  stream_settings.allow_plain = common.allow_plain;
  const std::string command_endpoint = config.String("review.endpoint", "tcp://127.0.0.1:7131");
  const auto ledger = svc::ConsumerSettingsFrom(config, common, "tracking", "tracking", "ledger",
                                                "tcp://127.0.0.1:7122");
  review::SampleSettings sample;
  sample.rate = config.Double("review.sample_rate", 0.3, 0.0, 1.0);
  sample.seed = static_cast<std::uint64_t>(config.Int("review.sample_seed", 2017, 0, 1LL << 62));
  const std::string rules_file = config.String("review.rules_file", "");
  const std::string credit_file = config.String("review.credit_file", "");
  const auto reports = svc::ConsumerSettingsFrom(config, common, "intake", "intake", "reports",
                                                 "tcp://127.0.0.1:7102");
  const auto assignments = svc::ConsumerSettingsFrom(config, common, "dispatch", "dispatch",
                                                     "assignments", "tcp://127.0.0.1:7111");
  if (auto ok = config.Finish(); !ok) svc::Die("review", ok.error().message);

  auto log = log::Get("review");
  const campaign::Campaign active_campaign = svc::LoadCampaignOrDie(common);
  const auto rules = review::Rules::Load(
      rules_file.empty() ? common.campaign_dir + "/accountability.json" : rules_file);
  if (!rules) svc::Die("review", rules.error().field + ": " + rules.error().message);
  log->info("accountability rules v{}: {} facts, {} levels", rules->version(),
            rules->facts().size(), rules->levels().size());
  const auto credit = review::CreditRules::Load(
      credit_file.empty() ? common.campaign_dir + "/credit.json" : credit_file);
  if (!credit) svc::Die("review", credit.error().field + ": " + credit.error().message);

  try {
    db::Connection conn(common.db, stop.get_token());
    log->info("connecting to the database");
    conn.ConnectWithRetry();
    db::Migrate(conn, review::kSchema, "outbox", stream::OutboxMigrations());
    db::Migrate(conn, review::kSchema, "inbox", stream::InboxMigrations());
    db::Migrate(conn, review::kSchema, "service", review::Migrations());
    db::Migrate(conn, review::kSchema, "audit", db::AuditMigrations());

    auth::Registry registry;
    ref::IdentityRefresher identities(common.db, registry, std::chrono::seconds(2));
    identities.Start();
    const std::unique_ptr<Clock> clock = svc::MakeClock(common, stop.get_token());

    review::LedgerApplier applier(active_campaign, sample, *credit);
    review::SourceApplier sources(*credit);
    // A parked event is retried by the applier of its stream.
    const stream::ApplyFn retry = [&](pqxx::transaction_base& tx,
                                      std::span<const stream::IncomingEvent> events) {
      std::vector<Status> out;
      for (const stream::IncomingEvent& e : events) {
        const std::span<const stream::IncomingEvent> one(&e, 1);
        out.push_back(e.type.starts_with("tracking.") ? applier.Apply(tx, one).front()
                                                      : sources.Apply(tx, one).front());
      }
      return out;
    };
    review::ReviewHandler handler(active_campaign, *rules, *credit, registry, *clock,
                                  common.allow_plain, retry);

    zmq::context_t ctx;
    // The ZAP handler must be bound before any server socket exists (fail closed).
    transport::ZapHandler zap(ctx, svc::FleetAuthorizer(registry, common.allow_plain));
    stream::StreamServer stream_server(stream_settings, ctx, registry, common.db);
    stream_server.Bind();
    svc::CommandServer commands(ctx, common.security, command_endpoint, "review.commands");
    commands.Bind();
    const std::string stream_endpoint = stream_server.BoundEndpoint();
    const std::string commands_endpoint = commands.BoundEndpoint();
    if (!common.allow_plain) {
      const std::string server_public = transport::PublicKeyOf(common.security.secret_key_z85);
      for (const std::string& endpoint : {stream_endpoint, commands_endpoint}) {
        auto self_test = transport::SelfTestRejectsUnknownKey(ctx, endpoint, server_public, zap);
        if (!self_test) svc::Die("review", endpoint + ": " + self_test.error().message);
      }
      log->info("CURVE self-test passed on both endpoints: an unknown key is refused");
    }

    stream::StreamConsumer consumer(ledger, ctx, common.db, applier.AsApplyFn());
    stream::StreamConsumer report_consumer(reports, ctx, common.db, sources.AsApplyFn());
    stream::StreamConsumer assignment_consumer(assignments, ctx, common.db, sources.AsApplyFn());
    obs::Metrics metrics;
    svc::RegisterServerMetrics(metrics, stream_server, review::kStream);
    svc::RegisterConsumerMetrics(metrics, consumer, "tracking", "ledger");
    svc::RegisterConsumerMetrics(metrics, report_consumer, "intake", "reports");
    svc::RegisterConsumerMetrics(metrics, assignment_consumer, "dispatch", "assignments");
    svc::RegisterDeadLetterGauge(metrics, common.db.url, review::kSchema);
    {
      using K = obs::Metrics::Kind;
      auto v = [](const auto& a) { return [&a] { return static_cast<double>(a.load()); }; };
      metrics.Add(K::kCounter, "ducha_review_tasks_total",
                  "Rectification claims handed to review (复查任务).", {},
                  v(applier.stats().tasks));
      metrics.Add(K::kCounter, "ducha_review_accepted_on_documents_total",
                  "Claims not drawn for re-inspection, accepted on their documents.", {},
                  v(applier.stats().accepted_on_documents));
      metrics.Add(K::kCounter, "ducha_review_commands_total", "Commands, by result.",
                  {{"result", "done"}}, v(handler.stats().done));
      metrics.Add(K::kCounter, "ducha_review_commands_total", "Commands, by result.",
                  {{"result", "refused"}}, v(handler.stats().refused));
    }
    const auto http = svc::StartOperationsEndpoint(common, metrics, [&]() -> Status {
      if (!consumer.stats().connected.load()) {
        return MakeError("not_ready", "stream", "not connected to tracking's ledger stream");
      }
      if (!report_consumer.stats().connected.load() ||
          !assignment_consumer.stats().connected.load()) {
        return MakeError("not_ready", "stream", "not connected to intake's or dispatch's stream");
      }
      return OkStatus();
    });
    {
      std::jthread serve([&](std::stop_token) { stream_server.Run(stop.get_token()); });
      std::jthread command_thread([&](std::stop_token) {
        db::Connection command_conn(common.db, stop.get_token());
        commands.Run(stop.get_token(), [&](const std::string& user, std::string_view frame) {
          return handler.Handle(user, frame, command_conn);
        });
      });
      std::jthread follow([&](std::stop_token) { consumer.Run(stop.get_token()); });
      std::jthread follow_reports([&](std::stop_token) { report_consumer.Run(stop.get_token()); });
      std::jthread follow_assignments(
          [&](std::stop_token) { assignment_consumer.Run(stop.get_token()); });
      log->info("review running: reinspections on {}, commands on {}, following {}",
                stream_endpoint, commands_endpoint, ledger.endpoint);
    }  // the threads return once stop is requested, and are joined here
    identities.Stop();
  } catch (const db::Stopped&) {
    log->info("stopped before the database became available");
  }
  return 0;
}
