#include "tests/support/fleet.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>
#include <zmq.hpp>

#include "common/db/array.h"
#include "common/db/db.h"
#include "common/ref/ref_store.h"
#include "proto/common_codec.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"
#include "tests/support/test_cluster.h"

namespace ducha::testing {
namespace {

using SteadyClock = std::chrono::steady_clock;

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text << "\n";
}

std::string ReadText(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> CountyCodes() {
  std::vector<std::string> codes;
  std::ifstream f(SourceDir() + "/deploy/campaigns/hebei-2017-2018/counties.csv");
  std::string line;
  while (std::getline(f, line)) {
    if (line.empty() || line[0] == '#' || line[0] < '0' || line[0] > '9') continue;
    codes.push_back(line.substr(0, 6));
  }
  return codes;
}

}  // namespace

Fleet::Fleet(std::vector<std::string> services) : services_(std::move(services)) {
  TestCluster& pg = TestCluster::Get();
  char tmpl[] = "/tmp/ducha-fleet-XXXXXX";
  dir_ = mkdtemp(tmpl);
  // Empty workflow tables; keep migrations, so restarts are quick.
  pg.Exec(
      "DO $$ DECLARE t record; BEGIN FOR t IN SELECT schemaname, tablename FROM pg_tables WHERE "
      "schemaname IN ('intake','dispatch','tracking','review','bulletin') AND tablename <> "
      "'schema_migrations' LOOP EXECUTE format('TRUNCATE %I.%I CASCADE', t.schemaname, "
      "t.tablename); END LOOP; END $$;"
      "TRUNCATE ref.identity_key, ref.identity CASCADE;"
      "UPDATE ref.sim_clock SET enabled = true, now_ms = 1511316000000;");  // 2017-11-22 10:00+08
  intake_keys_ = transport::GenerateKeyPair();
  integration_keys_ = transport::GenerateKeyPair();
  std::stop_source stop;
  db::Connection ref(db::DbSettings{pg.UrlFor("ref"), "fleet-test"}, stop.get_token());
  ref.Transact([&](pqxx::work& w) {
    ref::NewIdentity integ{"load-integration", auth::Role::kIntegration, {}, {}, "system test"};
    for (const char* c : {"supervision_group", "covert_group", "citizen_web", "citizen_hotline",
                          "central_media", "ministry_supervision", "interview_followup",
                          "provincial_inspection", "enforcement_bureau"}) {
      integ.channels.push_back(c);
    }
    (void)ref::RegisterKey(w, integ, integration_keys_.public_z85);
    // The workflow's people: a body answering for every county and city, the supervision
    // center, the enforcement bureau and a commissioner office for every city.
    std::vector<std::string> places = CountyCodes();
    std::vector<std::string> cities;
    for (const char* c : {"130100", "130200", "130300", "130400", "130500", "130600", "130700",
                          "130800", "130900", "131000", "131100", "130181", "130682", "133100"}) {
      places.push_back(c);
      cities.push_back(c);
    }
    const std::vector<std::pair<ref::NewIdentity, std::string>> people = {
        {ref::NewIdentity{"fleet-body", auth::Role::kBody, {}, places, "system test"}, "body"},
        {ref::NewIdentity{"fleet-center", auth::Role::kSupervisionCenter, {}, {}, "system test"},
         "center"},
        {ref::NewIdentity{"fleet-bureau", auth::Role::kEnforcementBureau, {}, {}, "system test"},
         "bureau"},
        {ref::NewIdentity{"fleet-co", auth::Role::kCommissionerOffice, {}, cities, "system test"},
         "commissioner"},
    };
    for (const auto& [identity, role] : people) {
      people_[role] = transport::GenerateKeyPair();
      (void)ref::RegisterKey(w, identity, people_[role].public_z85);
    }
    for (const auto& s : services_) {
      keys_[s] = s == "intake" ? intake_keys_ : transport::GenerateKeyPair();
      // Tracking submits the key tasks that fall behind to intake, on channel key_task.
      std::vector<std::string> channels;
      if (s == "tracking") channels.emplace_back("key_task");
      (void)ref::RegisterKey(
          w, ref::NewIdentity{s, auth::Role::kService, std::move(channels), {}, "service"},
          keys_[s].public_z85);
    }
  });
  for (const auto& s : services_) {
    WriteText(dir_ + "/" + s + ".key", keys_[s].secret_z85);
    WriteText(dir_ + "/" + s + ".key.pub", keys_[s].public_z85);
    ports_[s + ".endpoint"] = FreePort();
    ports_[s + ".stream"] = FreePort();
    ports_[s + ".admin"] = FreePort();
    ports_[s + ".http"] = FreePort();
  }
  intake_endpoint_ = "tcp://127.0.0.1:" + std::to_string(ports_["intake.endpoint"]);
  if (std::find(services_.begin(), services_.end(), "bulletin") != services_.end()) {
    StartMailSink();
  }
  std::string fleet;
  for (const auto& s : services_) {
    WriteText(dir_ + "/" + s + ".conf", ConfigFor(s));
    fleet += s + " 127.0.0.1:" + std::to_string(ports_.at(s + ".http")) + "\n";
  }
  WriteText(fleet_file(), fleet);
}

Fleet::~Fleet() {
  for (auto& [name, pid] : pids_) {
    if (pid > 0) {
      kill(pid, SIGCONT);
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
  if (sink_pid_ > 0) {
    kill(sink_pid_, SIGKILL);
    waitpid(sink_pid_, nullptr, 0);
  }
}

// Debian's aiosmtpd with its Maildir handler, on a free port: the bulletin's mail lands in
// mail_dir()/new.
void Fleet::StartMailSink() {
  smtp_port_ = FreePort();
  const std::string log = dir_ + "/smtp.log";
  const pid_t pid = fork();
  if (pid == 0) {
    std::freopen(log.c_str(), "a", stderr);
    std::freopen(log.c_str(), "a", stdout);
    const std::string listen = "127.0.0.1:" + std::to_string(smtp_port_);
    const std::string maildir = mail_dir();
    execl("/usr/bin/python3", "/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", listen.c_str(),
          "-c", "aiosmtpd.handlers.Mailbox", maildir.c_str(), nullptr);
    _exit(127);
  }
  sink_pid_ = pid;
  const auto until = SteadyClock::now() + std::chrono::seconds(15);
  while (SteadyClock::now() < until && !std::filesystem::exists(mail_dir() + "/new")) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string Fleet::ConfigFor(const std::string& service) const {
  TestCluster& pg = TestCluster::Get();
  auto port = [&](const std::string& k) { return std::to_string(ports_.at(k)); };
  // A consumer reaches a producer's stream directly, or through the link's proxy.
  auto stream_port = [&](const std::string& consumer, const std::string& producer) {
    const auto link = proxies_.find({consumer, producer});
    return link != proxies_.end() ? std::to_string(link->second->port())
                                  : port(producer + ".stream");
  };
  std::string c = "[log]\nlevel = info\n[db]\nurl = " + pg.UrlFor(service) +
                  "\n[campaign]\ndir = " + SourceDir() +
                  "/deploy/campaigns/hebei-2017-2018\n[transport]\nsecret_key_file = " + dir_ +
                  "/" + service +
                  ".key\n[clock]\nsource = fleet\n[http]\nport = " + port(service + ".http") + "\n";
  if (service == "intake") {
    c += "[intake]\nendpoint = tcp://127.0.0.1:" + port("intake.endpoint") +
         "\nstream_endpoint = tcp://127.0.0.1:" + port("intake.stream") + "\n";
  } else if (service == "dispatch") {
    c += "[dispatch]\nendpoint = tcp://127.0.0.1:" + port("dispatch.stream") +
         "\nadmin_endpoint = tcp://127.0.0.1:" + port("dispatch.admin") +
         "\nintake_endpoint = tcp://127.0.0.1:" + stream_port(service, "intake") +
         "\nintake_server_key_file = " + dir_ + "/intake.key.pub\n";
  } else if (service == "tracking") {
    c += "[tracking]\nendpoint = tcp://127.0.0.1:" + port("tracking.admin") +
         "\nstream_endpoint = tcp://127.0.0.1:" + port("tracking.stream") +
         "\ndispatch_endpoint = tcp://127.0.0.1:" + stream_port(service, "dispatch") +
         "\ndispatch_server_key_file = " + dir_ + "/dispatch.key.pub" +
         "\nintake_endpoint = tcp://127.0.0.1:" + stream_port(service, "intake") +
         "\nintake_server_key_file = " + dir_ + "/intake.key.pub\nsweep_interval_ms = 200\n" +
         "task_interval_ms = 200\n";
    if (std::find(services_.begin(), services_.end(), "intake") != services_.end()) {
      // Key tasks that fall behind go to intake as tracking's own reports (channel key_task).
      c += "intake_submit_endpoint = tcp://127.0.0.1:" + port("intake.endpoint") + "\n";
    }
    if (std::find(services_.begin(), services_.end(), "review") != services_.end()) {
      c += "review_endpoint = tcp://127.0.0.1:" + stream_port(service, "review") +
           "\nreview_server_key_file = " + dir_ + "/review.key.pub\n";
    }
  } else if (service == "bulletin") {
    c += "[bulletin]\nendpoint = tcp://127.0.0.1:" + port("bulletin.admin") +
         "\nintake_endpoint = tcp://127.0.0.1:" + stream_port(service, "intake") +
         "\nintake_server_key_file = " + dir_ + "/intake.key.pub" +
         "\ndispatch_endpoint = tcp://127.0.0.1:" + stream_port(service, "dispatch") +
         "\ndispatch_server_key_file = " + dir_ + "/dispatch.key.pub" +
         "\ntracking_endpoint = tcp://127.0.0.1:" + stream_port(service, "tracking") +
         "\ntracking_server_key_file = " + dir_ + "/tracking.key.pub" +
         "\nretry_initial_ms = 200\nretry_max_ms = 2000\ndisclosure_dir = " + dir_ +
         "/site\nreports_dir = " + dir_ +
         "/reports\n[smtp]\nurl = smtp://127.0.0.1:" + std::to_string(smtp_port_) +
         "\nstarttls = none\nfrom = bulletin@ducha.hebei.example\n";
  } else if (service == "review") {
    c += "[review]\nendpoint = tcp://127.0.0.1:" + port("review.admin") +
         "\nstream_endpoint = tcp://127.0.0.1:" + port("review.stream") +
         "\ntracking_endpoint = tcp://127.0.0.1:" + stream_port(service, "tracking") +
         "\ntracking_server_key_file = " + dir_ + "/tracking.key.pub" +
         "\nintake_endpoint = tcp://127.0.0.1:" + stream_port(service, "intake") +
         "\nintake_server_key_file = " + dir_ + "/intake.key.pub" +
         "\ndispatch_endpoint = tcp://127.0.0.1:" + stream_port(service, "dispatch") +
         "\ndispatch_server_key_file = " + dir_ + "/dispatch.key.pub\nsample_rate = 0.5\n";
  }
  return c;
}

TcpProxy& Fleet::ProxyLink(const std::string& consumer, const std::string& producer) {
  auto proxy = std::make_unique<TcpProxy>(FreePort(), ports_.at(producer + ".stream"));
  TcpProxy& ref = *proxy;
  proxies_[{consumer, producer}] = std::move(proxy);
  WriteText(dir_ + "/" + consumer + ".conf", ConfigFor(consumer));
  return ref;
}

std::string Fleet::Endpoint(const std::string& service) const {
  const std::string key = service == "intake" ? "intake.endpoint" : service + ".admin";
  return "tcp://127.0.0.1:" + std::to_string(ports_.at(key));
}

const std::string& Fleet::PublicKey(const std::string& service) const {
  return keys_.at(service).public_z85;
}

void Fleet::Start(const std::string& service) {
  const std::string binary = BuildDir() + "/services/" + service + "/ducha-" + service;
  const std::string config = dir_ + "/" + service + ".conf";
  const std::string log = dir_ + "/" + service + ".log";
  const auto ns = netns_.find(service);
  const std::string netns = ns == netns_.end() ? "" : "/var/run/netns/" + ns->second;
  const pid_t pid = fork();
  if (pid == 0) {
    std::freopen(log.c_str(), "a", stderr);
    std::freopen(log.c_str(), "a", stdout);
    if (!netns.empty()) {
      const int fd = open(netns.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) {
        std::fprintf(stderr, "cannot enter %s: %s\n", netns.c_str(), std::strerror(errno));
        _exit(126);
      }
    }
    execl(binary.c_str(), binary.c_str(), "--config", config.c_str(), nullptr);
    _exit(127);
  }
  pids_[service] = pid;
}

void Fleet::RewriteConfig(const std::string& service, const std::string& from,
                          const std::string& to) {
  const std::string path = dir_ + "/" + service + ".conf";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string c = text.str();
  for (std::size_t at = c.find(from); at != std::string::npos; at = c.find(from, at + to.size())) {
    c.replace(at, from.size(), to);
  }
  WriteText(path, c);
}

void Fleet::StartAll() {
  for (const auto& s : services_) Start(s);
}

void Fleet::Kill(const std::string& service) {
  const pid_t pid = pids_[service];
  if (pid <= 0) return;
  kill(pid, SIGCONT);
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  pids_[service] = -1;
}

void Fleet::Stop(const std::string& service) {
  const pid_t pid = pids_[service];
  if (pid <= 0) return;
  kill(pid, SIGCONT);
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  pids_[service] = -1;
}

void Fleet::Pause(const std::string& service) { kill(pids_[service], SIGSTOP); }
void Fleet::Resume(const std::string& service) { kill(pids_[service], SIGCONT); }
bool Fleet::Running(const std::string& service) const {
  auto it = pids_.find(service);
  return it != pids_.end() && it->second > 0;
}

std::string Fleet::CommandEndpoint(const std::string& service) const {
  const std::string key = service == "intake" ? "intake.endpoint" : service + ".admin";
  return "tcp://127.0.0.1:" + std::to_string(ports_.at(key));
}

std::string Fleet::PublicKeyFile(const std::string& service) const {
  return dir_ + "/" + service + ".key.pub";
}

std::string Fleet::LogOf(const std::string& service) const {
  return ReadText(dir_ + "/" + service + ".log");
}

bool Fleet::AwaitReady(const std::string& service, int timeout_ms) {
  // Intake says it serves; bulletin, which serves no stream, that it runs; the others that their
  // stream server is up.
  const std::string needle = service == "intake"     ? "intake serving"
                             : service == "bulletin" ? "bulletin running"
                                                     : "stream server for";
  const auto until = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
  while (SteadyClock::now() < until) {
    if (LogOf(service).find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

LoadDriver::LoadDriver(const Fleet& fleet, int clients, std::uint64_t seed)
    : fleet_(fleet), clients_(clients), seed_(seed) {}

void LoadDriver::Run(int count) {
  namespace pc = proto::common;
  namespace pi = proto::intake;
  const std::vector<std::string> codes = CountyCodes();
  const pc::Channel channels[] = {pc::Channel::kCitizenHotline, pc::Channel::kCitizenWeb,
                                  pc::Channel::kCentralMedia, pc::Channel::kProvincialInspection,
                                  pc::Channel::kEnforcementBureau};
  const pc::Category categories[] = {pc::Category::kDust, pc::Category::kSmallCoalBoilers,
                                     pc::Category::kScatteredPollutingEnterprises,
                                     pc::Category::kTransport, pc::Category::kOther};
  // A few enterprises that many reports name: these become duplicates.
  const char* enterprises[] = {"91130100MA07L7XT37", "911302007468789824", "91130600MA0CQHR7XB"};
  // A run never outlasts its deadline: a fleet that cannot accept reports fails the test
  // (gave_up > 0) instead of hanging it.
  const auto run_deadline = SteadyClock::now() + std::chrono::seconds(300);
  std::vector<std::thread> threads;
  for (int t = 0; t < clients_; ++t) {
    threads.emplace_back([&, t] {
      zmq::context_t ctx;
      transport::ClientSecurity sec{true, fleet_.intake_public_key(), fleet_.integration_keys()};
      auto connect = [&] {
        zmq::socket_t s = transport::MakeClientSocket(ctx, zmq::socket_type::dealer, sec);
        s.connect(fleet_.intake_endpoint());
        return s;
      };
      zmq::socket_t sock = connect();
      for (int i = t; i < count; i += clients_) {
        std::mt19937_64 rng(seed_ + static_cast<std::uint64_t>(i));
        pi::SubmitReport r;
        r.submission_id = "load-" + std::to_string(seed_) + "-" + std::to_string(i);
        r.channel = channels[rng() % 5];
        if (r.channel == pc::Channel::kCitizenWeb) r.platform = "长城网";
        r.jurisdiction = codes[rng() % codes.size()];
        r.category = categories[rng() % 5];
        r.title = "系统测试问题 " + std::to_string(i);
        r.description = "负载测试生成的问题描述，编号 " + std::to_string(i) + "。";
        r.observed_at = 1511310000000;  // 2017-11-22 08:20+08
        r.reported_at = 1511312000000;
        r.location = pc::GeoPoint{36.5 + static_cast<double>(rng() % 50000) / 10000.0,
                                  114.0 + static_cast<double>(rng() % 50000) / 10000.0};
        if (rng() % 10 == 0) {
          r.enterprise = pc::Enterprise{"重复企业", std::string(enterprises[rng() % 3])};
        }
        const std::string frame = pi::Encode(r);
        const auto give_up = std::min(SteadyClock::now() + std::chrono::seconds(120), run_deadline);
        bool ok = false;
        while (!ok && SteadyClock::now() < give_up) {
          zmq::message_t m(frame.data(), frame.size());
          if (!sock.send(m, zmq::send_flags::dontwait)) {
            sock = connect();
            continue;
          }
          std::vector<zmq::pollitem_t> items{{sock.handle(), 0, ZMQ_POLLIN, 0}};
          if (transport::Poll(items, std::chrono::milliseconds(2000)) == 0) {
            sock = connect();  // Lazy Pirate: a fresh socket, the same submission
            continue;
          }
          std::vector<zmq::message_t> frames;
          transport::RecvMessage(sock, frames, 4);
          auto parsed = proto::ParseMessage(frames.back().to_string_view());
          if (!parsed) continue;
          if (parsed->type() == pi::Receipt::kType) {
            auto receipt = codec::DecodeAs<pi::Receipt>(*parsed);
            std::lock_guard lock(mu_);
            receipts_[r.submission_id] = receipt->report_id;
            ok = true;
          } else if (parsed->type() == pc::ErrorReply::kType) {
            auto err = codec::DecodeAs<pc::ErrorReply>(*parsed);
            if (err && err->code != "internal") {
              // Not a transient failure: retrying the same report cannot succeed.
              std::fprintf(stderr, "load driver: %s refused: %s %s\n", r.submission_id.c_str(),
                           err->code.c_str(), err->message.c_str());
              break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
          } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));  // busy
          }
        }
        if (!ok) gave_up_.fetch_add(1);
        done_.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
}

std::map<std::string, std::int64_t> LoadDriver::receipts() const {
  std::lock_guard lock(mu_);
  return receipts_;
}

bool AwaitQuiescence(int timeout_ms, bool tracking) {
  TestCluster& pg = TestCluster::Get();
  const auto until = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
  const std::string tracking_caught_up =
      tracking ? " AND (SELECT count(*) FROM dispatch.outbox WHERE seq IS NULL) = 0 AND "
                 "coalesce((SELECT last_seq FROM dispatch.stream_head WHERE stream = "
                 "'assignments'), 0) = coalesce((SELECT applied_seq FROM tracking.stream_cursor "
                 "WHERE producer = 'dispatch' AND stream = 'assignments'), 0)"
               : "";
  while (SteadyClock::now() < until) {
    const std::string v = pg.QueryValue(
        "SELECT (SELECT count(*) FROM intake.outbox WHERE seq IS NULL) = 0 AND "
        "coalesce((SELECT last_seq FROM intake.stream_head WHERE stream = 'reports'), 0) = "
        "coalesce((SELECT applied_seq FROM dispatch.stream_cursor WHERE producer = 'intake' AND "
        "stream = 'reports'), 0)" +
        tracking_caught_up);
    if (v == "t") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

CheckResult CheckIntakeToDispatch(const std::map<std::string, std::int64_t>& receipts) {
  CheckResult out;
  out.receipts = static_cast<std::int64_t>(receipts.size());
  pqxx::connection c{TestCluster::Get().AdminUrl()};
  pqxx::work w{c};
  db::ArrayBuilder subs, ids;
  for (const auto& [sub, id] : receipts) {
    subs.Add(sub);
    ids.AddInt(id);
  }
  w.exec("CREATE TEMP TABLE rc (sub text PRIMARY KEY, id bigint) ON COMMIT DROP");
  w.exec_params("INSERT INTO rc SELECT * FROM unnest($1::text[], $2::bigint[])", subs.Finish(),
                ids.Finish());
  auto count = [&](const std::string& sql) { return w.exec(sql)[0][0].as<std::int64_t>(); };
  // Lost: a receipt without its report, without its intake event, or without a dispatch
  // decision.
  const std::int64_t lost_report = count(
      "SELECT count(*) FROM rc WHERE NOT EXISTS (SELECT 1 FROM intake.report r WHERE "
      "r.report_id = rc.id AND r.submission_id = rc.sub)");
  const std::int64_t lost_event = count(
      "SELECT count(*) FROM rc WHERE NOT EXISTS (SELECT 1 FROM intake.outbox o WHERE o.key = "
      "rc.id::text)");
  const std::int64_t lost_decision = count(
      "SELECT count(*) FROM rc WHERE NOT EXISTS (SELECT 1 FROM dispatch.problem_source d WHERE "
      "d.report_id = rc.id)");
  // Duplicated: more than one report per submission, event per report, or decision per report.
  const std::int64_t dup_event = count(
      "SELECT count(*) FROM (SELECT key FROM intake.outbox GROUP BY key HAVING count(*) > 1) x");
  // A dispatch decision applied twice would emit its event twice: one problem_assigned per
  // problem, and one source_added per further report of it.
  // The events are counted per key in one pass: the outbox has no index on the key (outbox
  // migration 002), so a count per problem would scan it once for each.
  const std::int64_t dup_decision = count(
      "WITH ev AS (SELECT key, count(*) FILTER (WHERE type = 'dispatch.problem_assigned') AS "
      "assigned, count(*) FILTER (WHERE type = 'dispatch.source_added') AS added FROM "
      "dispatch.outbox GROUP BY key), "
      "src AS (SELECT problem_id, count(*) AS n FROM dispatch.problem_source GROUP BY problem_id) "
      "SELECT count(*) FROM dispatch.problem p LEFT JOIN ev ON ev.key = p.problem_id::text "
      "LEFT JOIN src ON src.problem_id = p.problem_id WHERE coalesce(ev.assigned, 0) <> 1 OR "
      "coalesce(ev.added, 0) <> coalesce(src.n, 0) - 1 OR p.report_count <> coalesce(src.n, 0)");
  // Unexpected: a report nobody got a receipt for, or a decision without a report.
  const std::int64_t unexpected_report = count(
      "SELECT count(*) FROM intake.report r WHERE NOT EXISTS (SELECT 1 FROM rc WHERE rc.id = "
      "r.report_id)");
  const std::int64_t unexpected_decision = count(
      "SELECT count(*) FROM dispatch.problem_source d WHERE NOT EXISTS (SELECT 1 FROM "
      "intake.report r WHERE r.report_id = d.report_id)");
  out.lost = lost_report + lost_event + lost_decision;
  out.duplicated = dup_event + dup_decision;
  out.unexpected = unexpected_report + unexpected_decision;
  std::ostringstream d;
  d << "receipts=" << out.receipts << " reports=" << count("SELECT count(*) FROM intake.report")
    << " decisions=" << count("SELECT count(*) FROM dispatch.problem_source")
    << " | lost: report=" << lost_report << " event=" << lost_event << " decision=" << lost_decision
    << " | duplicated: event=" << dup_event << " decision=" << dup_decision
    << " | unexpected: report=" << unexpected_report << " decision=" << unexpected_decision;
  out.detail = d.str();
  return out;
}

CheckResult CheckDispatchToTracking() {
  CheckResult out;
  pqxx::connection c{TestCluster::Get().AdminUrl()};
  pqxx::work w{c};
  auto count = [&](const std::string& sql) { return w.exec(sql)[0][0].as<std::int64_t>(); };
  // Lost: an assigned problem without its ledger entry.
  out.lost = count(
      "SELECT count(*) FROM dispatch.problem p WHERE NOT EXISTS (SELECT 1 FROM tracking.ledger l "
      "WHERE l.problem_id = p.problem_id)");
  // Duplicated: an event applied twice records its history line twice; every problem has one
  // 'assigned' line and one 'source_added' line per further report, and the same report count.
  out.duplicated = count(
      "SELECT count(*) FROM tracking.ledger l JOIN dispatch.problem p USING (problem_id) WHERE "
      "l.report_count <> p.report_count OR (SELECT count(*) FROM tracking.history h WHERE "
      "h.problem_id = l.problem_id AND h.what = 'assigned') <> 1 OR (SELECT count(*) FROM "
      "tracking.history h WHERE h.problem_id = l.problem_id AND h.what = 'source_added') <> "
      "p.report_count - 1");
  // Unexpected: a ledger entry dispatch never assigned.
  out.unexpected = count(
      "SELECT count(*) FROM tracking.ledger l WHERE NOT EXISTS (SELECT 1 FROM dispatch.problem p "
      "WHERE p.problem_id = l.problem_id)");
  std::ostringstream d;
  d << "problems=" << count("SELECT count(*) FROM dispatch.problem")
    << " ledger=" << count("SELECT count(*) FROM tracking.ledger");
  out.detail = d.str();
  return out;
}

CheckResult CheckClockEventsOnce() {
  CheckResult out;
  pqxx::connection c{TestCluster::Get().AdminUrl()};
  pqxx::work w{c};
  auto count = [&](const std::string& sql) { return w.exec(sql)[0][0].as<std::int64_t>(); };
  // Each mark on an entry was announced by exactly one event: as many warnings as fractions
  // sent, one overdue notice when notified, one escalation per rung reached.
  // The events are counted per key in one pass (the outbox has no index on the key).
  const std::string per_problem =
      "SELECT l.problem_id, cardinality(l.warnings_sent) AS w, l.overdue_notified::int AS o, "
      "l.escalation_rung AS r, coalesce(x.ew, 0) AS ew, coalesce(x.eo, 0) AS eo, "
      "coalesce(x.er, 0) AS er FROM tracking.ledger_clock l LEFT JOIN (SELECT key, "
      "count(*) FILTER (WHERE type = 'tracking.deadline_warning') AS ew, "
      "count(*) FILTER (WHERE type = 'tracking.overdue') AS eo, "
      "count(*) FILTER (WHERE type = 'tracking.escalated') AS er "
      "FROM tracking.outbox GROUP BY key) x ON x.key = l.problem_id::text";
  out.duplicated = count("SELECT count(*) FROM (" + per_problem +
                         ") t WHERE t.ew > t.w OR t.eo > t.o OR t.er > t.r");
  out.lost = count("SELECT count(*) FROM (" + per_problem +
                   ") t WHERE t.ew < t.w OR t.eo < t.o OR t.er < t.r");
  out.receipts = count(
      "SELECT count(*) FROM tracking.outbox WHERE type IN "
      "('tracking.deadline_warning', 'tracking.overdue', 'tracking.escalated')");
  out.detail = "clock events=" + std::to_string(out.receipts);
  return out;
}

CheckResult CheckBulletinsOnce(const std::string& mail_dir) {
  CheckResult out;
  pqxx::connection c{TestCluster::Get().AdminUrl()};
  pqxx::work w{c};
  std::map<std::string, int> expected;  // Message-ID -> deliveries seen
  for (const auto& row : w.exec("SELECT message_id FROM bulletin.send WHERE state = 'sent'")) {
    expected[row[0].as<std::string>()] = 0;
  }
  out.receipts = static_cast<std::int64_t>(expected.size());
  std::int64_t deliveries = 0;
  std::int64_t redelivered = 0;
  for (const auto& entry : std::filesystem::directory_iterator(mail_dir + "/new")) {
    std::ifstream f(entry.path());
    std::string line;
    while (std::getline(f, line) && !line.empty() && line != "\r") {
      if (line.rfind("Message-ID:", 0) != 0) continue;
      std::string id = line.substr(line.find('<') + 1);
      id = id.substr(0, id.find('>'));
      ++deliveries;
      const auto it = expected.find(id);
      if (it == expected.end()) {
        ++out.unexpected;
      } else if (++it->second > 1) {
        ++redelivered;
      }
      break;
    }
  }
  for (const auto& [id, seen] : expected) {
    if (seen == 0) ++out.lost;
  }
  // Two sends (two Message-IDs) of the same document (a week's bulletin, a round's report) to
  // the same list without an operator's resend.
  out.duplicated =
      w.exec(
           "SELECT count(*) FROM (SELECT document, issue, list FROM bulletin.send WHERE reason "
           "LIKE 'scheduled%' GROUP BY document, issue, list HAVING count(*) > 1) x")[0][0]
          .as<std::int64_t>();
  std::ostringstream d;
  d << "sends=" << out.receipts << " deliveries=" << deliveries
    << " redelivered with the same Message-ID (an interrupted send, deduplicable)=" << redelivered;
  out.detail = d.str();
  return out;
}

}  // namespace ducha::testing
