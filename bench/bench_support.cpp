#include "bench/bench_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>
#include <stdexcept>

#include "common/db/db.h"
#include "common/db/migrate.h"
#include "common/log/log.h"
#include "common/ref/ref_store.h"
#include "proto/common_codec.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"

namespace ducha::bench {
namespace {

namespace pc = proto::common;
namespace pi = proto::intake;

std::string& ProgramName() {
  static std::string name = "bench";
  return name;
}

}  // namespace

void SetProgramName(std::string name) { ProgramName() = std::move(name); }

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", ProgramName().c_str(), message.c_str());
  std::exit(1);
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream f(path);
  f << text;
  if (!f) Fail("cannot write " + path);
}

double Seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

double Percentile(std::vector<double>& v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto idx = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::min(v.size() - 1, idx == 0 ? 0 : idx - 1)];
}

std::string Verdict(bool met) { return met ? "MET" : "MISSED"; }

Cluster::Cluster(std::string dir) : dir_(std::move(dir)) {
  const std::string port = ReadFile(dir_ + "/port");
  port_ = std::stoi(port);
}

std::string Cluster::Url(const std::string& db, const std::string& user) const {
  return fmt::format("host={}/run port={} dbname={} user={}", dir_, port_, db, user);
}

std::string Cluster::Value(const std::string& sql) const {
  pqxx::connection c{Admin()};
  pqxx::nontransaction n{c};
  const pqxx::result r = n.exec(sql);
  if (r.empty() || r[0][0].is_null()) return {};
  return r[0][0].as<std::string>();
}

void Cluster::Exec(const std::string& sql) const {
  pqxx::connection c{Admin()};
  pqxx::nontransaction n{c};
  n.exec(sql);
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    Fail("no free port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::vector<transport::KeyPair> SetUpDatabase(const Cluster& pg, const DatabaseSetUp& setup) {
  db::EnsureDatabase(pg.Url("postgres", "postgres"), setup.dbname);
  {
    // Times each WAL fsync (pg_stat_wal.wal_sync_time) for the details; costs two clock reads.
    pqxx::connection c{pg.Url("postgres", "postgres")};
    pqxx::nontransaction n{c};
    n.exec("ALTER SYSTEM SET track_wal_io_timing = on");
    n.exec("SELECT pg_reload_conf()");
  }
  db::Bootstrap(pg.Url(setup.dbname, "postgres"), setup.services);
  // Set-up is never cancelled: a token without a source cannot be stopped.
  db::Connection ref(db::DbSettings{pg.Url(setup.dbname, "ducha_ref"), "bench-setup"},
                     std::stop_token{});
  db::Migrate(ref, "ref", "ref", ref::RefMigrations());
  std::vector<transport::KeyPair> keys;
  for (int i = 0; i < setup.clients; ++i) keys.push_back(transport::GenerateKeyPair());
  ref.Transact([&](pqxx::work& w) {
    for (int i = 0; i < setup.clients; ++i) {
      ref::NewIdentity id;
      id.name = fmt::format("bench-hotline-{:02}", i);
      id.role = auth::Role::kIntegration;
      id.channels = {"citizen_hotline"};
      id.note = setup.note;
      if (auto ok = ref::RegisterKey(w, id, keys[static_cast<std::size_t>(i)].public_z85); !ok) {
        throw std::runtime_error("registering " + id.name + ": " + ok.error().message);
      }
    }
    for (const ServiceIdentity& service : setup.service_identities) {
      const ref::NewIdentity id{service.name, auth::Role::kService, {}, {}, setup.note};
      if (auto ok = ref::RegisterKey(w, id, service.public_z85); !ok) {
        throw std::runtime_error("registering " + id.name + ": " + ok.error().message);
      }
    }
    if (auto ok = ref::SetSimulatedClock(w, true, *timeutil::ParseRfc3339(kSimulatedNow)); !ok) {
      throw std::runtime_error("setting the simulated clock: " + ok.error().message);
    }
  });
  return keys;
}

ServiceProcess::ServiceProcess(std::string name, const std::string& binary,
                               const std::string& config, std::string log, std::string ready_text)
    : name_(std::move(name)), log_path_(std::move(log)), ready_text_(std::move(ready_text)) {
  std::fflush(nullptr);  // or the child's copy of unwritten output is written twice
  pid_ = fork();
  if (pid_ < 0) Fail("fork failed");
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    std::FILE* out = std::freopen(log_path_.c_str(), "w", stdout);
    if (out == nullptr || dup2(fileno(stdout), 2) < 0) _exit(127);
    execl(binary.c_str(), binary.c_str(), "--config", config.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
}

void ServiceProcess::WaitServing(std::chrono::seconds limit) {
  const auto deadline = SteadyClock::now() + limit;
  while (SteadyClock::now() < deadline) {
    if (ReadFile(log_path_).find(ready_text_) != std::string::npos) return;
    CheckAlive();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Fail(name_ + " did not start serving within the limit:\n" + ReadFile(log_path_));
}

void ServiceProcess::CheckAlive() {
  if (pid_ <= 0) Fail(name_ + " is not running");
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    Fail(name_ + " exited during start-up:\n" + ReadFile(log_path_));
  }
}

void ServiceProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  const auto deadline = SteadyClock::now() + std::chrono::seconds(10);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (SteadyClock::now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
}

PgbenchResult RunPgbench(const std::string& pgbench, int seconds, const std::string& work_dir,
                         const Cluster& pg) {
  pg.Exec(
      "CREATE TABLE IF NOT EXISTS public.bench_single_row (id bigserial PRIMARY KEY, "
      "payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())");
  const std::string script = work_dir + "/single_row_insert.sql";
  WriteFile(script,
            "INSERT INTO public.bench_single_row (payload) VALUES "
            "('one durable row per transaction');\n");
  const std::string cmd =
      fmt::format("'{}' -n -c 1 -j 1 -T {} -f '{}' -h '{}/run' -p {} -U postgres ducha 2>&1",
                  pgbench, seconds, script, pg.dir(), pg.port());
  std::FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) Fail("cannot run " + cmd);
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  if (pclose(p) != 0) Fail("pgbench failed:\n" + out);
  PgbenchResult r;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("tps = ", 0) == 0) r.tps = std::stod(line.substr(6));
    if (line.rfind("latency average = ", 0) == 0) r.latency_ms = std::stod(line.substr(18));
  }
  if (r.tps <= 0) Fail("no tps in pgbench output:\n" + out);
  return r;
}

void ClientTally::Merge(const ClientTally& o) {
  sent += o.sent;
  receipts += o.receipts;
  receipts_window += o.receipts_window;
  duplicates += o.duplicates;
  busy += o.busy;
  errors += o.errors;
  late_sends += o.late_sends;
  latencies_ms.insert(latencies_ms.end(), o.latencies_ms.begin(), o.latencies_ms.end());
  by_second.insert(by_second.end(), o.by_second.begin(), o.by_second.end());
  from_send_ms.insert(from_send_ms.end(), o.from_send_ms.begin(), o.from_send_ms.end());
  for (const auto& e : o.error_samples) {
    if (error_samples.size() < 5) error_samples.push_back(e);
  }
}

void ClientTally::NoteError(std::string what) {
  ++errors;
  if (error_samples.size() < 5) error_samples.push_back(std::move(what));
}

ReplyInfo Classify(const std::string& bytes) {
  ReplyInfo out;
  auto frame = proto::ParseMessage(bytes);
  if (!frame) {
    out.error = "unparseable reply: " + frame.error().message;
    return out;
  }
  out.correlation = std::string(frame->id());
  if (frame->type() == pi::Receipt::kType) {
    auto r = codec::DecodeAs<pi::Receipt>(*frame);
    if (!r) {
      out.error = "undecodable receipt: " + r.error().message;
      return out;
    }
    out.kind =
        r->outcome == pi::ReceiptOutcome::kDuplicate ? ReplyKind::kDuplicate : ReplyKind::kReceipt;
  } else if (frame->type() == pc::BusyReply::kType) {
    out.kind = ReplyKind::kBusy;
    if (auto b = codec::DecodeAs<pc::BusyReply>(*frame)) out.retry_after_ms = b->retry_after_ms;
  } else if (frame->type() == pc::ErrorReply::kType) {
    auto e = codec::DecodeAs<pc::ErrorReply>(*frame);
    out.error = e ? e->code + ": " + e->message : "error reply";
  } else {
    out.error = "unexpected reply type " + std::string(frame->type());
  }
  return out;
}

ReportMaker::ReportMaker(const campaign::Campaign& campaign, const std::string& phase, int client)
    : campaign_(campaign),
      phase_(phase),
      client_(client),
      rng_(std::hash<std::string>{}(phase) ^ (0x5eed0000u + static_cast<std::uint64_t>(client))),
      day_start_(*timeutil::ParseRfc3339(kReportDay)) {}

pi::SubmitReport ReportMaker::Make(std::uint64_t seq) {
  static constexpr std::array<const char*, 4> kTitles = {
      "燃煤小锅炉仍在使用", "企业夜间偷排废气", "工地裸土未覆盖，扬尘严重", "散煤销售点仍在营业"};
  const auto& counties = campaign_.counties();
  const auto& county = counties[(static_cast<std::size_t>(client_) * 7 + seq) % counties.size()];
  std::uniform_real_distribution<double> dlat(-0.22, 0.22), dlon(-0.28, 0.28);
  std::uniform_int_distribution<std::int64_t> seconds(0, 20 * 3600), delay(60, 3 * 3600);
  pi::SubmitReport r;
  r.submission_id = fmt::format("{}-{:02}-{}", phase_, client_, seq);
  r.channel = pc::Channel::kCitizenHotline;
  r.jurisdiction = std::to_string(county.code);
  r.category = pc::kCategoryValues[rng_() % pc::kCategoryValues.size()];
  r.severity = pc::kSeverityValues[rng_() % pc::kSeverityValues.size()];
  r.title = kTitles[rng_() % kTitles.size()];
  r.description = fmt::format("{}群众来电反映：{}，请核查处理。（编号 {}）", county.name, r.title,
                              r.submission_id);
  r.observed_at = day_start_ + seconds(rng_) * 1000;
  r.reported_at = r.observed_at + delay(rng_) * 1000;
  pc::GeoPoint at{county.lat + dlat(rng_), county.lon + dlon(rng_)};
  if (!campaign_.InsideProvince(at.lat, at.lon)) at = pc::GeoPoint{county.lat, county.lon};
  r.location = at;
  r.address = county.name + "某村";
  if (seq % 2 == 0) r.evidence = {fmt::format("hotline://recording/{}", r.submission_id)};
  if (seq % 4 == 0) r.reporter = pi::Reporter{"王先生", "13800000000", std::nullopt};
  return r;
}

Client::Client(zmq::context_t& ctx, const std::string& endpoint, const std::string& server_public,
               transport::KeyPair keys)
    : sock_(transport::MakeClientSocket(
          ctx, zmq::socket_type::dealer,
          transport::ClientSecurity{true, server_public, std::move(keys)})) {
  sock_.connect(endpoint);
}

bool Client::Send(const std::string& payload) {
  zmq::message_t m(payload.data(), payload.size());
  return sock_.send(m, zmq::send_flags::none).has_value();
}

std::optional<std::string> Client::Receive(std::chrono::milliseconds timeout) {
  std::vector<zmq::pollitem_t> items{{sock_.handle(), 0, ZMQ_POLLIN, 0}};
  if (transport::Poll(items, timeout) == 0) return std::nullopt;
  if (transport::RecvMessage(sock_, frames_, 4) == transport::RecvStatus::kNothing) {
    return std::nullopt;
  }
  return frames_.back().to_string();
}

ClientTally RunClosedLoop(const LoadContext& lc, int client, const std::string& phase,
                          TimePoint window_start, TimePoint window_end) {
  ClientTally t;
  Client c(lc.ctx, lc.endpoint, lc.server_public, lc.keys[static_cast<std::size_t>(client)]);
  ReportMaker maker(lc.campaign, phase, client);
  std::uint64_t seq = 0;
  while (SteadyClock::now() < window_end) {
    const std::string corr = fmt::format("{}-{}", client, seq);
    const std::string payload = pi::Encode(maker.Make(seq++), corr);
    for (;;) {
      const TimePoint sent_at = SteadyClock::now();
      ++t.sent;
      if (!c.Send(payload)) {
        t.NoteError("send failed");
        break;
      }
      std::optional<ReplyInfo> reply;
      const auto deadline = sent_at + kReplyTimeout;
      while (!reply && SteadyClock::now() < deadline) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
        auto bytes = c.Receive(std::max(left, std::chrono::milliseconds(1)));
        if (!bytes) continue;
        ReplyInfo info = Classify(*bytes);
        if (info.correlation == corr || info.correlation.empty()) reply = std::move(info);
      }
      const TimePoint done = SteadyClock::now();
      if (!reply) {
        t.NoteError("timeout after " + std::to_string(kReplyTimeout.count()) + " s");
        break;
      }
      if (reply->kind == ReplyKind::kBusy) {
        ++t.busy;
        std::this_thread::sleep_for(std::chrono::milliseconds(reply->retry_after_ms));
        if (SteadyClock::now() >= window_end) break;
        continue;
      }
      if (reply->kind == ReplyKind::kError) {
        t.NoteError(reply->error);
        break;
      }
      ++t.receipts;
      if (reply->kind == ReplyKind::kDuplicate) ++t.duplicates;
      if (sent_at >= window_start && done <= window_end) {
        ++t.receipts_window;
        t.latencies_ms.push_back(std::chrono::duration<double, std::milli>(done - sent_at).count());
      }
      break;
    }
  }
  return t;
}

std::uint64_t ProcessTicks(pid_t pid) {
  const std::string stat = ReadFile(fmt::format("/proc/{}/stat", pid));
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close + 2));
  std::string field;
  std::uint64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return utime + stime;
}

MachineTicks ReadMachineTicks() {
  std::istringstream in(ReadFile("/proc/stat"));
  std::string cpu;
  in >> cpu;
  MachineTicks m;
  std::uint64_t v = 0;
  for (int i = 0; i < 8 && in >> v; ++i) {
    m.total += v;
    if (i != 3 && i != 4) m.busy += v;  // idle, iowait
  }
  return m;
}

ServerCounters ReadServerCounters(const Cluster& pg, const std::string& dbname) {
  pqxx::connection c{pg.Url("postgres", "postgres")};
  pqxx::nontransaction n{c};
  ServerCounters s;
  s.xact_commit =
      n.exec_params1("SELECT xact_commit FROM pg_stat_database WHERE datname = $1", dbname)[0]
          .as<double>();
  const auto w = n.exec(
      "SELECT wal_records, wal_bytes, wal_write, wal_sync, wal_sync_time, wal_fpi, "
      "pg_current_wal_lsn()::text FROM pg_stat_wal")[0];
  s.wal_records = w[0].as<double>();
  s.wal_bytes = w[1].as<double>();
  s.wal_write = w[2].as<double>();
  s.wal_sync = w[3].as<double>();
  s.wal_sync_time_ms = w[4].as<double>();
  s.wal_fpi = w[5].as<double>();
  s.wal_lsn = w[6].as<std::string>();
  return s;
}

}  // namespace ducha::bench
