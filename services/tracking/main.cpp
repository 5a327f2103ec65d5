// ducha-tracking: wires the tracking service together. Decisions live in core/, persistence in
// store/, the endpoints and the sweeper in io/; this file reads settings and starts the parts in
// order: database and migrations, identities and clock, the ZAP handler, then the ledger stream
// server and the action endpoint (both self-tested against an unknown key), the consumers of
// dispatch's assignments, intake's visits and (when configured) review's re-inspections, the
// sweeper and the key tasks' worker. SIGTERM stops them all; each returns within its poll
// interval or its current transaction.

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
#include "services/tracking/io/action_server.h"
#include "services/tracking/io/sweeper.h"
#include "services/tracking/io/task_worker.h"
#include "services/tracking/migrations.h"
#include "services/tracking/store/appliers.h"
#include "services/tracking/store/ledger_store.h"

int main(int argc, char** argv) {
  using namespace ducha;
  std::stop_source stop;
  svc::SignalWatcher signals(stop);
  Config config = svc::LoadConfigOrExit(argc, argv, "tracking");
  const svc::CommonSettings common = svc::ReadCommon(config, "tracking");

  stream::StreamServerSettings stream_settings;
  stream_settings.endpoint = config.String("tracking.stream_endpoint", "tcp://127.0.0.1:7122");
  stream_settings.schema = tracking::kSchema;
  stream_settings.streams = {tracking::kLedgerStream};
  stream_settings.security = common.security;
  stream_settings.allow_plain = common.allow_plain;

  tracking::ActionSettings action_settings;
  action_settings.endpoint = config.String("tracking.endpoint", action_settings.endpoint);
  action_settings.max_batch = static_cast<int>(config.Int("tracking.max_batch", 256, 1, 5000));
  action_settings.security = common.security;
  action_settings.allow_plain = common.allow_plain;

  const auto assignments = svc::ConsumerSettingsFrom(config, common, "dispatch", "dispatch",
                                                     "assignments", "tcp://127.0.0.1:7111");
  const auto visits = svc::ConsumerSettingsFrom(config, common, "intake", "intake", "visits",
                                                "tcp://127.0.0.1:7102");
  // Review's stream is followed once review runs: an empty endpoint leaves it out.
  const bool follow_review = !config.String("tracking.review_endpoint", "").empty();
  const auto reinspections =
      follow_review
          ? svc::ConsumerSettingsFrom(config, common, "review", "review", "reinspections", "")
          : stream::StreamConsumerSettings{};
  const auto sweep_interval =
      std::chrono::milliseconds(config.Int("tracking.sweep_interval_ms", 1000, 50, 3'600'000));
  const int sweep_chunk = static_cast<int>(config.Int("tracking.sweep_chunk", 2000, 10, 100000));
  const int sweep_workers = static_cast<int>(config.Int("tracking.sweep_workers", 2, 1, 16));
  // Key tasks that fall behind become reports to intake's request endpoint, sent as tracking's
  // own identity (which needs channel key_task); intake's key is the one its stream uses.
  tracking::TaskWorkerSettings task_settings;
  task_settings.intake_endpoint = config.String("tracking.intake_submit_endpoint", "");
  task_settings.intake_security = visits.security;
  task_settings.interval =
      std::chrono::milliseconds(config.Int("tracking.task_interval_ms", 1000, 50, 3'600'000));
  if (auto ok = config.Finish(); !ok) svc::Die("tracking", ok.error().message);

  auto log = log::Get("tracking");
  const campaign::Campaign active_campaign = svc::LoadCampaignOrDie(common);
  const tracking::Ledger ledger(active_campaign);

  try {
    db::Connection conn(common.db, stop.get_token());
    log->info("connecting to the database");
    conn.ConnectWithRetry();
    db::Migrate(conn, tracking::kSchema, "outbox", stream::OutboxMigrations());
    db::Migrate(conn, tracking::kSchema, "inbox", stream::InboxMigrations());
    db::Migrate(conn, tracking::kSchema, "service", tracking::Migrations());
    db::Migrate(conn, tracking::kSchema, "audit", db::AuditMigrations());

    auth::Registry registry;
    ref::IdentityRefresher identities(common.db, registry, std::chrono::seconds(2));
    identities.Start();
    const std::unique_ptr<Clock> clock = svc::MakeClock(common, stop.get_token());

    tracking::AssignmentApplier assignment_applier(ledger);
    tracking::VisitApplier visit_applier;
    tracking::ReinspectionApplier reinspection_applier(ledger);
    // A parked event is retried by the applier of its stream.
    const stream::ApplyFn retry = [&](pqxx::transaction_base& tx,
                                      std::span<const stream::IncomingEvent> events) {
      std::vector<Status> out;
      for (const stream::IncomingEvent& e : events) {
        const std::span<const stream::IncomingEvent> one(&e, 1);
        std::vector<Status> s;
        if (e.type.starts_with("intake.")) {
          s = visit_applier.Apply(tx, one);
        } else if (e.type.starts_with("review.")) {
          s = reinspection_applier.Apply(tx, one);
        } else {
          s = assignment_applier.Apply(tx, one);
        }
        out.push_back(s.front());
      }
      return out;
    };

    zmq::context_t ctx;
    // The ZAP handler must be bound before any server socket exists (fail closed).
    transport::ZapHandler zap(ctx, svc::FleetAuthorizer(registry, common.allow_plain));
    stream::StreamServer stream_server(stream_settings, ctx, registry, common.db);
    stream_server.Bind();
    tracking::ActionServer actions(action_settings, ctx, active_campaign, ledger, registry, *clock,
                                   common.db, retry);
    actions.Bind();
    const std::string stream_endpoint = stream_server.BoundEndpoint();
    const std::string action_endpoint = actions.BoundEndpoint();
    if (!common.allow_plain) {
      const std::string server_public = transport::PublicKeyOf(common.security.secret_key_z85);
      for (const std::string& endpoint : {stream_endpoint, action_endpoint}) {
        auto self_test = transport::SelfTestRejectsUnknownKey(ctx, endpoint, server_public, zap);
        if (!self_test) svc::Die("tracking", endpoint + ": " + self_test.error().message);
      }
      log->info("CURVE self-test passed on both endpoints: an unknown key is refused");
    }

    stream::StreamConsumer assignment_consumer(assignments, ctx, common.db,
                                               assignment_applier.AsApplyFn());
    stream::StreamConsumer visit_consumer(visits, ctx, common.db, visit_applier.AsApplyFn());
    std::unique_ptr<stream::StreamConsumer> review_consumer;
    if (follow_review) {
      review_consumer = std::make_unique<stream::StreamConsumer>(reinspections, ctx, common.db,
                                                                 reinspection_applier.AsApplyFn());
    }
    tracking::Sweeper sweeper(ledger, *clock, common.db, sweep_interval, sweep_chunk,
                              sweep_workers);
    tracking::TaskWorker task_worker(task_settings, active_campaign, *clock, common.db);
    if (task_settings.intake_endpoint.empty()) {
      log->warn(
          "tracking.intake_submit_endpoint is not set: lagging key tasks are recorded but "
          "not submitted to intake");
    }

    obs::Metrics metrics;
    svc::RegisterServerMetrics(metrics, stream_server, tracking::kLedgerStream);
    svc::RegisterConsumerMetrics(metrics, assignment_consumer, "dispatch", "assignments");
    svc::RegisterConsumerMetrics(metrics, visit_consumer, "intake", "visits");
    if (review_consumer) {
      svc::RegisterConsumerMetrics(metrics, *review_consumer, "review", "reinspections");
    }
    svc::RegisterDeadLetterGauge(metrics, common.db.url, tracking::kSchema);
    {
      using K = obs::Metrics::Kind;
      auto v = [](const auto& a) { return [&a] { return static_cast<double>(a.load()); }; };
      const auto& as = actions.stats();
      metrics.Add(K::kCounter, "ducha_tracking_actions_total",
                  "Body and supervision-center requests, by result.", {{"result", "done"}},
                  v(as.done));
      metrics.Add(K::kCounter, "ducha_tracking_actions_total",
                  "Body and supervision-center requests, by result.", {{"result", "refused"}},
                  v(as.refused));
      metrics.AddHistogram("ducha_tracking_action_seconds",
                           "Time from receiving an action to answering it after COMMIT.", {},
                           actions.latency());
      const auto& ss = sweeper.stats();
      metrics.Add(K::kCounter, "ducha_tracking_clock_events_total",
                  "Deadline warnings, overdue notices and escalations emitted by the sweeper.", {},
                  v(ss.events));
      metrics.Add(K::kGauge, "ducha_tracking_swept_day",
                  "The last day swept (days since 1970-01-01, campaign zone).", {}, v(ss.last_day));
      metrics.Add(K::kCounter, "ducha_tracking_assignment_events_total",
                  "Dispatch events applied to the ledger.", {},
                  v(assignment_applier.stats().applied));
      metrics.Add(K::kCounter, "ducha_tracking_visits_total", "Group visits recorded.", {},
                  v(visit_applier.stats().applied));
      const auto& ts = task_worker.stats();
      metrics.Add(K::kCounter, "ducha_tracking_key_tasks_fell_behind_total",
                  "Key tasks that fell behind their trajectory.", {}, v(ts.fell_behind));
      metrics.Add(K::kCounter, "ducha_tracking_key_task_reports_total",
                  "Reports of lagging key tasks receipted by intake.", {}, v(ts.submitted));
      metrics.Add(K::kGauge, "ducha_tracking_key_task_reports_unsent",
                  "Reports of lagging key tasks not yet receipted by intake.", {}, v(ts.unsent));
    }
    const auto http = svc::StartOperationsEndpoint(common, metrics, [&]() -> Status {
      if (!assignment_consumer.stats().connected.load()) {
        return MakeError("not_ready", "stream", "not connected to dispatch's assignments stream");
      }
      if (!visit_consumer.stats().connected.load()) {
        return MakeError("not_ready", "stream", "not connected to intake's visits stream");
      }
      if (review_consumer && !review_consumer->stats().connected.load()) {
        return MakeError("not_ready", "stream", "not connected to review's reinspections stream");
      }
      return OkStatus();
    });
    {
      std::jthread serve([&](std::stop_token) { stream_server.Run(stop.get_token()); });
      std::jthread act([&](std::stop_token) { actions.Run(stop.get_token()); });
      std::jthread follow_dispatch(
          [&](std::stop_token) { assignment_consumer.Run(stop.get_token()); });
      std::jthread follow_intake([&](std::stop_token) { visit_consumer.Run(stop.get_token()); });
      std::jthread follow_review_thread([&](std::stop_token) {
        if (review_consumer) review_consumer->Run(stop.get_token());
      });
      std::jthread sweep([&](std::stop_token) { sweeper.Run(stop.get_token()); });
      std::jthread tasks([&](std::stop_token) { task_worker.Run(stop.get_token()); });
      log->info("tracking running: ledger on {}, actions on {}, following {} and {}",
                stream_endpoint, action_endpoint, assignments.endpoint, visits.endpoint);
    }  // the threads return once stop is requested, and are joined here
    identities.Stop();
  } catch (const db::Stopped&) {
    log->info("stopped before the database became available");
  }
  return 0;
}
