// ducha-bulletin: wires the bulletin service together. Numbers, documents and renderings live in
// core/, the projection and the sends in store/, SMTP, the scheduler and the command endpoint in
// io/; this file reads settings and starts the parts in order: the campaign and its recipient
// lists (refused at once when invalid), database and migrations, identities and clocks, the ZAP
// handler, the command endpoint (self-tested against an unknown key), the consumers of intake's
// reports, dispatch's assignments, tracking's ledger and (when configured) review's
// reinspections, and the scheduler/sender. SIGTERM stops them all; each returns within its poll
// interval, its current transaction or its current SMTP transaction.

#include <fstream>
#include <sstream>
#include <thread>
#include <zmq.hpp>

#include "common/db/audit.h"
#include "common/db/migrate.h"
#include "common/log/log.h"
#include "common/obs/http.h"
#include "common/ref/ref_store.h"
#include "common/stream/consumer.h"
#include "common/stream/outbox.h"
#include "common/svc/command_server.h"
#include "common/svc/fleet.h"
#include "common/svc/runtime.h"
#include "common/svc/stream_metrics.h"
#include "common/transport/zap.h"
#include "services/bulletin/core/recipients.h"
#include "services/bulletin/core/week.h"
#include "services/bulletin/io/commands.h"
#include "services/bulletin/io/mailer.h"
#include "services/bulletin/io/runner.h"
#include "services/bulletin/migrations.h"
#include "services/bulletin/store/appliers.h"

namespace {

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ducha;
  using namespace ducha::bulletin;
  std::stop_source stop;
  svc::SignalWatcher signals(stop);
  Config config = svc::LoadConfigOrExit(argc, argv, "bulletin");
  const svc::CommonSettings common = svc::ReadCommon(config, "bulletin");

  const std::string endpoint = config.String("bulletin.endpoint", "tcp://127.0.0.1:7141");
  const auto reports = svc::ConsumerSettingsFrom(config, common, "intake", "intake", "reports",
                                                 "tcp://127.0.0.1:7102");
  // The groups' visits (intake's `visits`, on the same endpoint): the round report's coverage.
  const auto visits = svc::ConsumerSettingsFrom(config, common, "intake", "intake", "visits",
                                                "tcp://127.0.0.1:7102");
  const auto assignments = svc::ConsumerSettingsFrom(config, common, "dispatch", "dispatch",
                                                     "assignments", "tcp://127.0.0.1:7111");
  const auto ledger = svc::ConsumerSettingsFrom(config, common, "tracking", "tracking", "ledger",
                                                "tcp://127.0.0.1:7122");
  // Review's stream is followed once review runs: an empty endpoint leaves it out, and the
  // bulletin's re-inspection and accountability sections say 本周无.
  const bool follow_review = !config.String("bulletin.review_endpoint", "").empty();
  const auto reinspections =
      follow_review
          ? svc::ConsumerSettingsFrom(config, common, "review", "review", "reinspections", "")
          : stream::StreamConsumerSettings{};

  ScheduleSettings schedule;
  schedule.send_hour = static_cast<int>(config.Int("bulletin.send_hour", 9, 0, 23));
  schedule.weeks_after_last_round =
      static_cast<int>(config.Int("bulletin.weeks_after_last_round", 4, 0, 520));
  RunnerSettings runner_settings;
  runner_settings.interval =
      std::chrono::milliseconds(config.Int("bulletin.check_interval_ms", 1000, 50, 600'000));
  runner_settings.retry_initial =
      std::chrono::milliseconds(config.Int("bulletin.retry_initial_ms", 30'000, 10, 86'400'000));
  runner_settings.retry_max =
      std::chrono::milliseconds(config.Int("bulletin.retry_max_ms", 3'600'000, 10, 86'400'000));
  if (runner_settings.retry_max < runner_settings.retry_initial) {
    config.AddError("bulletin.retry_max_ms", "must not be below bulletin.retry_initial_ms");
  }
  const bool require_caught_up = config.Bool("bulletin.require_caught_up", true);
  runner_settings.round_report_hour =
      static_cast<int>(config.Int("bulletin.round_report_hour", 9, 0, 23));
  runner_settings.reports_dir = config.String("bulletin.reports_dir", "");
  // Public disclosure (信息公开): off unless a directory is configured.
  PublishSettings publish;
  publish.dir = config.String("bulletin.disclosure_dir", "");
  publish.rules.delay = config.Int("bulletin.disclosure_delay_hours", 24, 0, 24 * 90) * 3'600'000LL;
  publish.rules.title = config.String("bulletin.disclosure_title", "");
  publish.rules.base_url = config.String("bulletin.disclosure_base_url", "");
  const auto publish_interval = std::chrono::milliseconds(
      config.Int("bulletin.publish_interval_ms", 600'000, 50, 86'400'000));
  std::string recipients_file = config.String("bulletin.recipients_file", "");
  if (recipients_file.empty()) recipients_file = common.campaign_dir + "/recipients.json";

  SmtpSettings smtp;
  smtp.url = config.RequiredString("smtp.url");
  if (!smtp.url.empty() && !smtp.url.starts_with("smtp://") && !smtp.url.starts_with("smtps://")) {
    config.AddError("smtp.url", "must start with smtp:// or smtps://, got '" + smtp.url + "'");
  }
  const std::string starttls = config.String("smtp.starttls", "required");
  if (starttls == "none") {
    smtp.starttls = StartTls::kNone;
  } else if (starttls == "try") {
    smtp.starttls = StartTls::kTry;
  } else if (starttls == "required") {
    smtp.starttls = StartTls::kRequired;
  } else {
    config.AddError("smtp.starttls", "must be none, try or required, got '" + starttls + "'");
  }
  smtp.username = config.String("smtp.username", "");
  const std::string password_file = config.String("smtp.password_file", "");
  if (!smtp.username.empty() && password_file.empty()) {
    config.AddError("smtp.password_file", "is required with smtp.username");
  } else if (!password_file.empty()) {
    auto password = ReadFile(password_file);
    if (!password) {
      config.AddError("smtp.password_file", "cannot read '" + password_file + "'");
    } else {
      while (!password->empty() && (password->back() == '\n' || password->back() == '\r')) {
        password->pop_back();
      }
      smtp.password = std::move(*password);
    }
  }
  smtp.from = config.RequiredString("smtp.from");
  if (!smtp.from.empty() && !IsPlainAddress(smtp.from)) {
    config.AddError("smtp.from", "'" + smtp.from + "' is not a plain address (local@domain.tld)");
  }
  smtp.from_name = config.String("smtp.from_name", "督察快报");
  smtp.ca_file = config.String("smtp.ca_file", "");
  smtp.connect_timeout =
      std::chrono::milliseconds(config.Int("smtp.connect_timeout_ms", 10'000, 100, 300'000));
  smtp.timeout = std::chrono::milliseconds(config.Int("smtp.timeout_ms", 60'000, 100, 600'000));
  if (auto ok = config.Finish(); !ok) svc::Die("bulletin", ok.error().message);

  auto log = log::Get("bulletin");
  const campaign::Campaign active_campaign = svc::LoadCampaignOrDie(common);
  const auto recipients_text = ReadFile(recipients_file);
  if (!recipients_text) svc::Die("bulletin", "cannot read the recipient lists " + recipients_file);
  auto parsed = ParseRecipients(*recipients_text, active_campaign);
  if (!parsed) {
    svc::Die("bulletin",
             recipients_file + ": " + parsed.error().field + ": " + parsed.error().message);
  }
  const Distribution distribution = std::move(parsed).value();
  auto calendar = WeekCalendar::Create(active_campaign, schedule);
  if (!calendar) svc::Die("bulletin", calendar.error().message);
  const WeekCalendar weeks = std::move(calendar).value();
  runner_settings.send.campaign_id = active_campaign.info().id;
  runner_settings.send.mail_domain = smtp.from.substr(smtp.from.find('@') + 1);
  for (const std::string& list : runner_settings.round_lists) {
    if (distribution.Find(list) == nullptr) {
      svc::Die("bulletin", recipients_file + ": the round reports' list '" + list + "' is missing");
    }
  }
  log->info("{} recipient lists from {}; bulletins {} .. {}, due Saturdays at {:02d}:00",
            distribution.lists.size(), recipients_file, weeks.Issue(1).Name(),
            weeks.Issue(weeks.issues()).Name(), schedule.send_hour);

  try {
    db::Connection conn(common.db, stop.get_token());
    log->info("connecting to the database");
    conn.ConnectWithRetry();
    db::Migrate(conn, kSchema, "inbox", stream::InboxMigrations());
    db::Migrate(conn, kSchema, "service", Migrations());
    db::Migrate(conn, kSchema, "audit", db::AuditMigrations());

    auth::Registry registry;
    ref::IdentityRefresher identities(common.db, registry, std::chrono::seconds(2));
    identities.Start();
    const std::unique_ptr<Clock> fleet_clock = svc::MakeClock(common, stop.get_token());
    const SystemClock wall_clock;

    ReportApplier report_applier(active_campaign);
    AssignmentApplier assignment_applier;
    LedgerApplier ledger_applier(active_campaign.info().utc_offset_minutes);
    ReviewApplier review_applier(&active_campaign);
    VisitApplier visit_applier;
    // A parked event is retried by the applier of its stream.
    const stream::ApplyFn retry = [&](pqxx::transaction_base& tx,
                                      std::span<const stream::IncomingEvent> events) {
      std::vector<Status> out;
      for (const stream::IncomingEvent& e : events) {
        const std::span<const stream::IncomingEvent> one(&e, 1);
        std::vector<Status> s;
        if (e.type == "intake.visit_reported") {
          s = visit_applier.Apply(tx, one);
        } else if (e.type.starts_with("intake.")) {
          s = report_applier.Apply(tx, one);
        } else if (e.type.starts_with("dispatch.")) {
          s = assignment_applier.Apply(tx, one);
        } else if (e.type.starts_with("tracking.")) {
          s = ledger_applier.Apply(tx, one);
        } else {
          s = review_applier.Apply(tx, one);
        }
        out.push_back(s.front());
      }
      return out;
    };

    zmq::context_t ctx;
    // The ZAP handler must be bound before any server socket exists (fail closed).
    transport::ZapHandler zap(ctx, svc::FleetAuthorizer(registry, common.allow_plain));
    svc::CommandServer command_server(ctx, common.security, endpoint, "bulletin.commands");
    command_server.Bind();
    const std::string command_endpoint = command_server.BoundEndpoint();
    if (!common.allow_plain) {
      const std::string server_public = transport::PublicKeyOf(common.security.secret_key_z85);
      auto self_test =
          transport::SelfTestRejectsUnknownKey(ctx, command_endpoint, server_public, zap);
      if (!self_test) svc::Die("bulletin", command_endpoint + ": " + self_test.error().message);
      log->info("CURVE self-test passed: an unknown key is refused");
    }
    BulletinCommands commands(active_campaign, weeks, distribution, registry, common.allow_plain,
                              common.db, runner_settings.send, wall_clock, retry, stop.get_token());

    stream::StreamConsumer report_consumer(reports, ctx, common.db, report_applier.AsApplyFn());
    stream::StreamConsumer visit_consumer(visits, ctx, common.db, visit_applier.AsApplyFn());
    stream::StreamConsumer assignment_consumer(assignments, ctx, common.db,
                                               assignment_applier.AsApplyFn());
    stream::StreamConsumer ledger_consumer(ledger, ctx, common.db, ledger_applier.AsApplyFn());
    std::unique_ptr<stream::StreamConsumer> review_consumer;
    if (follow_review) {
      review_consumer = std::make_unique<stream::StreamConsumer>(reinspections, ctx, common.db,
                                                                 review_applier.AsApplyFn());
    }
    std::vector<const stream::StreamConsumer*> consumers{&report_consumer, &visit_consumer,
                                                         &assignment_consumer, &ledger_consumer};
    if (review_consumer) consumers.push_back(review_consumer.get());
    const auto caught_up = [&consumers, require_caught_up] {
      if (!require_caught_up) return true;
      for (const stream::StreamConsumer* c : consumers) {
        if (!c->stats().connected.load() || c->Lag() > 0) return false;
      }
      return true;
    };

    const SmtpMailer mailer(smtp);
    BulletinRunner runner(runner_settings, active_campaign, weeks, distribution, *fleet_clock,
                          wall_clock, mailer, caught_up);
    DisclosurePublisher publisher(publish, active_campaign);
    if (publisher.enabled()) {
      runner.SetPublisher(&publisher, publish_interval);
      commands.EnablePublish(&publisher, fleet_clock.get());
      log->info("public disclosure to {}/current every {} ms, {} h after verification", publish.dir,
                publish_interval.count(), publish.rules.delay / 3'600'000);
    }

    obs::Metrics metrics;
    svc::RegisterConsumerMetrics(metrics, report_consumer, "intake", "reports");
    svc::RegisterConsumerMetrics(metrics, visit_consumer, "intake", "visits");
    svc::RegisterConsumerMetrics(metrics, assignment_consumer, "dispatch", "assignments");
    svc::RegisterConsumerMetrics(metrics, ledger_consumer, "tracking", "ledger");
    if (review_consumer) {
      svc::RegisterConsumerMetrics(metrics, *review_consumer, "review", "reinspections");
    }
    svc::RegisterDeadLetterGauge(metrics, common.db.url, kSchema);
    {
      using K = obs::Metrics::Kind;
      auto v = [](const auto& a) { return [&a] { return static_cast<double>(a.load()); }; };
      const RunnerStats& rs = runner.stats();
      metrics.Add(K::kCounter, "ducha_bulletin_generated_total",
                  "Weekly bulletins generated (numbers stored, sends queued).", {},
                  v(rs.generated));
      metrics.Add(K::kGauge, "ducha_bulletin_last_generated_issue",
                  "The last bulletin generated by this process (第N期).", {}, v(rs.last_generated));
      metrics.Add(K::kGauge, "ducha_bulletin_waiting_for_streams",
                  "1 while a due bulletin waits for the streams to catch up.", {},
                  [&rs] { return rs.waiting_for_streams.load() ? 1.0 : 0.0; });
      metrics.Add(K::kCounter, "ducha_bulletin_sent_total",
                  "Bulletin mails accepted by the SMTP server.", {}, v(rs.sent));
      metrics.Add(K::kGauge, "ducha_bulletin_last_sent_timestamp_seconds",
                  "When the last bulletin mail was accepted (the start, until one is).", {},
                  v(rs.last_sent_seconds));
      metrics.Add(K::kCounter, "ducha_bulletin_send_failures_total",
                  "Failed SMTP attempts (each is retried with backoff).", {},
                  v(rs.failed_attempts));
      metrics.Add(K::kCounter, "ducha_bulletin_ambiguous_sends_total",
                  "Sends interrupted mid-send and sent again with the same Message-ID.", {},
                  v(rs.ambiguous));
      metrics.Add(K::kGauge, "ducha_bulletin_sends", "Sends by state.", {{"state", "pending"}},
                  v(rs.pending));
      metrics.Add(K::kGauge, "ducha_bulletin_sends", "Sends by state.", {{"state", "failed"}},
                  v(rs.failed));
      metrics.Add(K::kGauge, "ducha_bulletin_sends", "Sends by state.", {{"state", "sent"}},
                  v(rs.sent_total));
      const CommandStats& cs = commands.stats();
      metrics.Add(K::kCounter, "ducha_bulletin_commands_total", "Operator commands, by result.",
                  {{"result", "done"}}, v(cs.done));
      metrics.Add(K::kCounter, "ducha_bulletin_commands_total", "Operator commands, by result.",
                  {{"result", "refused"}}, v(cs.refused));
      metrics.Add(K::kCounter, "ducha_bulletin_events_applied_total",
                  "Events applied to the bulletin's projection.", {{"stream", "reports"}},
                  v(report_applier.stats().applied));
      metrics.Add(K::kCounter, "ducha_bulletin_events_applied_total",
                  "Events applied to the bulletin's projection.", {{"stream", "assignments"}},
                  v(assignment_applier.stats().applied));
      metrics.Add(K::kCounter, "ducha_bulletin_events_applied_total",
                  "Events applied to the bulletin's projection.", {{"stream", "ledger"}},
                  v(ledger_applier.stats().applied));
      metrics.Add(K::kCounter, "ducha_bulletin_events_applied_total",
                  "Events applied to the bulletin's projection.", {{"stream", "reinspections"}},
                  v(review_applier.stats().applied));
      metrics.Add(K::kCounter, "ducha_bulletin_events_applied_total",
                  "Events applied to the bulletin's projection.", {{"stream", "visits"}},
                  v(visit_applier.stats().applied));
      const PublishStats& ps = publisher.stats();
      metrics.Add(K::kCounter, "ducha_bulletin_disclosure_publications_total",
                  "Disclosure publications run (scheduled and asked for).", {}, v(ps.publications));
      metrics.Add(K::kCounter, "ducha_bulletin_disclosure_changes_total",
                  "Disclosure publications that switched the site to a new release.", {},
                  v(ps.changed));
      metrics.Add(K::kCounter, "ducha_bulletin_disclosure_failures_total",
                  "Disclosure publications that failed.", {}, v(ps.failures));
      metrics.Add(K::kGauge, "ducha_bulletin_disclosed_problems",
                  "Problems disclosed by the last publication.", {}, v(ps.problems));
      metrics.Add(K::kGauge, "ducha_bulletin_disclosure_bytes", "Size of the site published last.",
                  {}, v(ps.bytes));
    }
    const auto http = svc::StartOperationsEndpoint(common, metrics, [&]() -> Status {
      for (const stream::StreamConsumer* c : consumers) {
        if (!c->stats().connected.load()) {
          return MakeError("not_ready", "stream", "not connected to every followed stream");
        }
      }
      return OkStatus();
    });
    {
      std::jthread serve([&](std::stop_token) {
        command_server.Run(stop.get_token(), [&](const std::string& user, std::string_view frame) {
          return commands.Handle(user, frame);
        });
      });
      std::jthread follow_intake([&](std::stop_token) { report_consumer.Run(stop.get_token()); });
      std::jthread follow_visits([&](std::stop_token) { visit_consumer.Run(stop.get_token()); });
      std::jthread follow_dispatch(
          [&](std::stop_token) { assignment_consumer.Run(stop.get_token()); });
      std::jthread follow_tracking([&](std::stop_token) { ledger_consumer.Run(stop.get_token()); });
      std::jthread follow_review_thread([&](std::stop_token) {
        if (review_consumer) review_consumer->Run(stop.get_token());
      });
      std::jthread schedule_thread(
          [&](std::stop_token) { runner.Run(common.db, stop.get_token()); });
      log->info("bulletin running: commands on {}, following {} (reports, visits), {} and {}{}",
                command_endpoint, reports.endpoint, assignments.endpoint, ledger.endpoint,
                follow_review ? " and " + reinspections.endpoint : std::string());
    }  // the threads return once stop is requested, and are joined here
    identities.Stop();
  } catch (const db::Stopped&) {
    log->info("stopped before the database became available");
  }
  return 0;
}
