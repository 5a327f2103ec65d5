// ducha-dispatch: wires the dispatch service together. Decisions live in core/, persistence in
// store/, the command endpoint in io/; this file reads settings and starts the parts in order:
// database and migrations, identities and clock, the ZAP handler, then the assignments stream
// server, the admin endpoint (both self-tested against an unknown key) and the consumer of
// intake's reports. SIGTERM stops them all; each returns within its poll interval or its
// current transaction.

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
#include "common/svc/fleet.h"
#include "common/svc/runtime.h"
#include "common/svc/stream_metrics.h"
#include "common/transport/zap.h"
#include "services/dispatch/io/admin_server.h"
#include "services/dispatch/migrations.h"
#include "services/dispatch/store/dispatch_store.h"

int main(int argc, char** argv) {
  using namespace ducha;
  std::stop_source stop;
  svc::SignalWatcher signals(stop);
  Config config = svc::LoadConfigOrExit(argc, argv, "dispatch");
  const svc::CommonSettings common = svc::ReadCommon(config, "dispatch");

  stream::StreamServerSettings stream_settings;
  stream_settings.endpoint = config.String("dispatch.endpoint", "tcp://127.0.0.1:7111");
  stream_settings.schema = dispatch::kSchema;
  stream_settings.streams = {dispatch::kAssignmentStream};
  stream_settings.security = common.security;
  stream_settings.allow_plain = common.allow_plain;

  dispatch::AdminSettings admin_settings;
  admin_settings.endpoint = config.String("dispatch.admin_endpoint", admin_settings.endpoint);
  admin_settings.security = common.security;
  admin_settings.allow_plain = common.allow_plain;
  const std::string roster_rules_file = config.String("dispatch.roster_rules", "");

  const stream::StreamConsumerSettings consumer = svc::ConsumerSettingsFrom(
      config, common, "intake", "intake", "reports", "tcp://127.0.0.1:7102");
  if (auto ok = config.Finish(); !ok) svc::Die("dispatch", ok.error().message);

  auto log = log::Get("dispatch");
  const campaign::Campaign active_campaign = svc::LoadCampaignOrDie(common);
  const auto roster_rules = dispatch::RosterRules::Load(
      roster_rules_file.empty() ? common.campaign_dir + "/rosters.json" : roster_rules_file);
  if (!roster_rules) {
    svc::Die("dispatch", roster_rules.error().field + ": " + roster_rules.error().message);
  }

  try {
    db::Connection conn(common.db, stop.get_token());
    log->info("connecting to the database");
    conn.ConnectWithRetry();
    db::Migrate(conn, dispatch::kSchema, "outbox", stream::OutboxMigrations());
    db::Migrate(conn, dispatch::kSchema, "inbox", stream::InboxMigrations());
    db::Migrate(conn, dispatch::kSchema, "service", dispatch::Migrations());
    db::Migrate(conn, dispatch::kSchema, "audit", db::AuditMigrations());

    auth::Registry registry;
    ref::IdentityRefresher identities(common.db, registry, std::chrono::seconds(2));
    identities.Start();
    const std::unique_ptr<Clock> clock = svc::MakeClock(common, stop.get_token());

    zmq::context_t ctx;
    // The ZAP handler must be bound before any server socket exists (fail closed).
    transport::ZapHandler zap(ctx, svc::FleetAuthorizer(registry, common.allow_plain));
    stream::StreamServer stream_server(stream_settings, ctx, registry, common.db);
    stream_server.Bind();
    dispatch::AdminServer admin(admin_settings, ctx, active_campaign, *roster_rules, registry,
                                *clock, common.db);
    admin.Bind();
    const std::string stream_endpoint = stream_server.BoundEndpoint();
    const std::string admin_endpoint = admin.BoundEndpoint();
    if (!common.allow_plain) {
      const std::string server_public = transport::PublicKeyOf(common.security.secret_key_z85);
      for (const std::string& endpoint : {stream_endpoint, admin_endpoint}) {
        auto self_test = transport::SelfTestRejectsUnknownKey(ctx, endpoint, server_public, zap);
        if (!self_test) svc::Die("dispatch", endpoint + ": " + self_test.error().message);
      }
      log->info("CURVE self-test passed on both endpoints: an unknown key is refused");
    }

    dispatch::ReportApplier applier(active_campaign, *clock);
    stream::StreamConsumer reports(consumer, ctx, common.db, applier.AsApplyFn());
    obs::Metrics metrics;
    svc::RegisterServerMetrics(metrics, stream_server, dispatch::kAssignmentStream);
    svc::RegisterConsumerMetrics(metrics, reports, "intake", "reports");
    svc::RegisterDeadLetterGauge(metrics, common.db.url, dispatch::kSchema);
    {
      using K = obs::Metrics::Kind;
      auto v = [](const auto& a) { return [&a] { return static_cast<double>(a.load()); }; };
      const auto& st = applier.stats();
      metrics.Add(K::kCounter, "ducha_dispatch_assigned_total", "Problems assigned (交办).", {},
                  v(st.assigned));
      metrics.Add(K::kCounter, "ducha_dispatch_sources_added_total",
                  "Repeat reports added to an assigned problem.", {}, v(st.sources_added));
      metrics.Add(K::kCounter, "ducha_dispatch_listed_by_rule_total",
                  "Problems put under listed supervision (挂牌督办) by a campaign rule.", {},
                  v(st.listed_by_rule));
      metrics.Add(K::kCounter, "ducha_dispatch_rejected_events_total",
                  "Intake events that could not be applied (parked).", {}, v(st.rejected));
      const auto& as = admin.stats();
      metrics.Add(K::kCounter, "ducha_dispatch_commands_total", "Operator commands, by result.",
                  {{"result", "done"}}, v(as.done));
      metrics.Add(K::kCounter, "ducha_dispatch_commands_total", "Operator commands, by result.",
                  {{"result", "refused"}}, v(as.refused));
    }
    const auto http = svc::StartOperationsEndpoint(common, metrics, [&]() -> Status {
      if (!reports.stats().connected.load()) {
        return MakeError("not_ready", "stream", "not connected to intake's reports stream");
      }
      return OkStatus();
    });
    {
      std::jthread serve([&](std::stop_token) { stream_server.Run(stop.get_token()); });
      std::jthread commands([&](std::stop_token) { admin.Run(stop.get_token()); });
      std::jthread consume([&](std::stop_token) { reports.Run(stop.get_token()); });
      log->info("dispatch running: assignments on {}, commands on {}, following {}",
                stream_endpoint, admin_endpoint, consumer.endpoint);
    }  // the threads return once stop is requested, and are joined here
    identities.Stop();
  } catch (const db::Stopped&) {
    log->info("stopped before the database became available");
  }
  return 0;
}
