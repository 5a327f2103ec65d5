// ducha-intake: wires the intake service together. Integrations submit problem reports
// (intake.submit_report) and the groups' visits (intake.report_visit) on one endpoint; consumers
// follow the `reports` and `visits` streams on the stream endpoint. All decisions live in core/,
// persistence in store/, sockets in io/; this file only reads settings and starts the parts in
// order.

#include <zmq.hpp>

#include "common/db/audit.h"
#include "common/db/migrate.h"
#include "common/log/log.h"
#include "common/obs/http.h"
#include "common/obs/metrics.h"
#include "common/ref/ref_store.h"
#include "common/stream/outbox.h"
#include "common/stream/server.h"
#include "common/svc/fleet.h"
#include "common/svc/runtime.h"
#include "common/svc/stream_metrics.h"
#include "common/transport/zap.h"
#include "services/intake/io/intake_server.h"
#include "services/intake/migrations.h"

namespace {

void RegisterMetrics(ducha::obs::Metrics& m, const ducha::intake::IntakeServer& server,
                     const ducha::stream::StreamServer& streams) {
  using ducha::obs::Metrics;
  const auto& st = server.stats();
  const auto c = Metrics::Kind::kCounter;
  auto v = [](const auto& atomic) {
    return [&atomic] { return static_cast<double>(atomic.load()); };
  };
  m.Add(c, "ducha_intake_requests_total", "Requests received on the integration endpoint.", {},
        v(st.requests));
  m.Add(c, "ducha_intake_reports_accepted_total", "Reports committed, by outcome.",
        {{"outcome", "new_problem"}}, v(st.accepted_new));
  m.Add(c, "ducha_intake_reports_accepted_total", "Reports committed, by outcome.",
        {{"outcome", "duplicate"}}, v(st.accepted_duplicate));
  m.Add(c, "ducha_intake_visits_recorded_total", "Visits committed (first submissions only).", {},
        v(st.visits_recorded));
  m.Add(c, "ducha_intake_replays_total", "Retries answered with an earlier receipt.", {},
        v(st.replays));
  m.Add(c, "ducha_intake_rejected_total", "Requests answered with an error.", {}, v(st.rejected));
  m.Add(c, "ducha_intake_busy_total", "Requests answered 'busy, retry after'.", {}, v(st.busy));
  m.Add(c, "ducha_intake_report_queries_total",
        "intake.list_reports answered (the HTTP gateway's status reads).", {}, v(st.queries));
  m.Add(c, "ducha_intake_batches_total", "Group-commit transactions.", {}, v(st.batches));
  m.Add(c, "ducha_intake_batch_items_total", "Submissions in group-commit transactions.", {},
        v(st.batch_items));
  m.AddHistogram("ducha_intake_reply_seconds", "Time from request to reply after COMMIT.", {},
                 server.reply_latency());
  ducha::svc::RegisterServerMetrics(m, streams, ducha::intake::kReportStream);
  ducha::svc::RegisterServerMetrics(m, streams, ducha::intake::kVisitStream);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ducha;
  std::stop_source stop;
  svc::SignalWatcher signals(stop);
  Config config = svc::LoadConfigOrExit(argc, argv, "intake");
  const svc::CommonSettings common = svc::ReadCommon(config, "intake");
  intake::IntakeSettings settings;
  settings.endpoint = config.String("intake.endpoint", settings.endpoint);
  settings.max_batch = static_cast<int>(config.Int("intake.max_batch", 256, 1, 4096));
  settings.max_queue = static_cast<int>(config.Int("intake.max_queue", 8192, 16, 1'000'000));
  settings.busy_retry_after_ms =
      static_cast<int>(config.Int("intake.busy_retry_after_ms", 200, 1, 60000));
  settings.rules.max_clock_skew_ms = config.Int("intake.max_clock_skew_ms", 300000, 0, 86400000);
  settings.security = common.security;
  stream::StreamServerSettings stream_settings;
  stream_settings.endpoint = config.String("intake.stream_endpoint", "tcp://127.0.0.1:7102");
  stream_settings.schema = "intake";
  stream_settings.streams = {intake::kReportStream, intake::kVisitStream};
  stream_settings.security = common.security;
  stream_settings.allow_plain = common.allow_plain;
  settings.allow_plain = common.allow_plain;
  if (auto ok = config.Finish(); !ok) svc::Die("intake", ok.error().message);

  auto log = log::Get("intake");
  const campaign::Campaign active_campaign = svc::LoadCampaignOrDie(common);

  try {
    db::Connection conn(common.db, stop.get_token());
    log->info("connecting to the database");
    conn.ConnectWithRetry();
    db::Migrate(conn, "intake", "outbox", stream::OutboxMigrations());
    db::Migrate(conn, "intake", "service", intake::Migrations());
    db::Migrate(conn, "intake", "audit", db::AuditMigrations());

    auth::Registry registry;
    ref::IdentityRefresher identities(common.db, registry, std::chrono::seconds(2));
    identities.Start();
    const std::unique_ptr<Clock> clock = svc::MakeClock(common, stop.get_token());

    zmq::context_t ctx;
    // The ZAP handler must be bound before the server socket exists (fail closed).
    transport::ZapHandler zap(ctx, svc::FleetAuthorizer(registry, common.allow_plain));
    intake::IntakeServer server(settings, ctx, active_campaign, registry, *clock, common.db);
    server.Bind();
    stream::StreamServer streams(stream_settings, ctx, registry, common.db);
    streams.Bind();
    server.OnCommit([&streams] { streams.Wake(); });
    if (!common.allow_plain) {
      auto self_test = transport::SelfTestRejectsUnknownKey(
          ctx, server.BoundEndpoint(), transport::PublicKeyOf(common.security.secret_key_z85), zap);
      if (!self_test) svc::Die("intake", self_test.error().message);
      log->info("CURVE self-test passed: an unknown key is refused");
    }
    obs::Metrics metrics;
    RegisterMetrics(metrics, server, streams);
    const auto http = svc::StartOperationsEndpoint(common, metrics);
    std::jthread stream_thread([&](std::stop_token) { streams.Run(stop.get_token()); });
    server.Run(stop.get_token());
    stream_thread.join();
    identities.Stop();
  } catch (const db::Stopped&) {
    log->info("stopped before the database became available");
  }
  return 0;
}
