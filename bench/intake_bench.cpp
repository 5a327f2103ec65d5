// intake_bench: how many reports per second the real ducha-intake process commits, and how fast
// it answers, set beside what the same PostgreSQL cluster can do in the same run (a single-client
// pgbench of one durable single-row INSERT per transaction: the fsync-bound rate at which a
// naive one-commit-per-report service would acknowledge).
//
// The driver script (bench/run-intake-bench.sh) creates and destroys the throwaway cluster; this
// program sets it up (database, roles, ref schema, 64 integration identities with CURVE keys, the
// simulated fleet clock), starts ducha-intake as a child process, and then runs, in order:
//   1. pgbench, single client, for the limit;
//   2. a closed loop: 64 CURVE DEALER clients, each send -> await reply -> next;
//   3. an open loop at half the closed-loop rate, sends paced on a fixed schedule, latency
//      measured from the scheduled send time (so a stall is not hidden by sending less);
//   4. a profile pass (closed loop again, not part of the headline figures) that samples the
//      intake writer's backend in pg_stat_activity, to show where a batch spends its time.
// It then checks that intake.report holds exactly as many reports as the clients got receipts.
// Targets missed are printed as MISSED; the exit status is 0 unless the run itself failed.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "common/base/time.h"
#include "common/campaign/loader.h"
#include "common/db/db.h"
#include "common/db/migrate.h"
#include "common/log/log.h"
#include "common/ref/ref_store.h"
#include "common/transport/transport.h"
#include "proto/common_codec.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"

namespace ducha::bench {
namespace {

namespace pc = proto::common;
namespace pi = proto::intake;
using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

constexpr double kRatioTarget = 2.5;
constexpr double kHalfLoadP99TargetMs = 20.0;
constexpr auto kReplyTimeout = std::chrono::seconds(10);
// The fleet clock during the run, and the day the reports are about (round 3 of the campaign).
constexpr const char* kSimulatedNow = "2017-11-25T12:00:00+08:00";
constexpr const char* kReportDay = "2017-11-24T00:00:00+08:00";

struct Options {
  std::string pg_dir;
  std::string intake_binary;
  std::string campaign_dir;
  std::string work_dir;
  std::string pgbench = "/usr/lib/postgresql/15/bin/pgbench";
  int clients = 64;
  int warmup_s = 3;
  int duration_s = 20;
  int paced_s = 15;
  int pgbench_s = 10;
  int profile_s = 8;
};

[[noreturn]] void Fail(const std::string& message) {
  std::fprintf(stderr, "intake_bench: %s\n", message.c_str());
  std::exit(1);
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  auto int_arg = [](const std::string& v) {
    try {
      return std::stoi(v);
    } catch (const std::exception&) {
      Fail("not a number: " + v);
    }
  };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) Fail("missing value for " + arg);
    const std::string v = argv[++i];
    if (arg == "--pg-dir") {
      o.pg_dir = v;
    } else if (arg == "--intake") {
      o.intake_binary = v;
    } else if (arg == "--campaign") {
      o.campaign_dir = v;
    } else if (arg == "--work") {
      o.work_dir = v;
    } else if (arg == "--pgbench") {
      o.pgbench = v;
    } else if (arg == "--clients") {
      o.clients = int_arg(v);
    } else if (arg == "--warmup") {
      o.warmup_s = int_arg(v);
    } else if (arg == "--duration") {
      o.duration_s = int_arg(v);
    } else if (arg == "--paced") {
      o.paced_s = int_arg(v);
    } else if (arg == "--pgbench-seconds") {
      o.pgbench_s = int_arg(v);
    } else if (arg == "--profile") {
      o.profile_s = int_arg(v);
    } else {
      Fail("unknown argument " + arg);
    }
  }
  if (o.pg_dir.empty() || o.intake_binary.empty() || o.campaign_dir.empty() || o.work_dir.empty()) {
    Fail(
        "usage: intake_bench --pg-dir DIR --intake BIN --campaign DIR --work DIR [--clients N] "
        "[--warmup S] [--duration S] [--paced S] [--pgbench-seconds S] [--profile S (0: off)] "
        "[--pgbench PATH]");
  }
  if (o.clients < 1 || o.duration_s < 1 || o.paced_s < 1 || o.pgbench_s < 1) {
    Fail("clients and durations must be positive");
  }
  return o;
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

// The throwaway cluster made by deploy/local/pg.sh: connection strings for its roles.
class Cluster {
 public:
  explicit Cluster(std::string dir) : dir_(std::move(dir)) {
    const std::string port = ReadFile(dir_ + "/port");
    port_ = std::stoi(port);
  }
  std::string Url(const std::string& db, const std::string& user) const {
    return fmt::format("host={}/run port={} dbname={} user={}", dir_, port_, db, user);
  }
  std::string Admin() const { return Url("ducha", "postgres"); }
  const std::string& dir() const { return dir_; }
  int port() const { return port_; }

  std::string Value(const std::string& sql) const {
    pqxx::connection c{Admin()};
    pqxx::nontransaction n{c};
    const pqxx::result r = n.exec(sql);
    if (r.empty() || r[0][0].is_null()) return {};
    return r[0][0].as<std::string>();
  }
  void Exec(const std::string& sql) const {
    pqxx::connection c{Admin()};
    pqxx::nontransaction n{c};
    n.exec(sql);
  }

 private:
  std::string dir_;
  int port_ = 0;
};

// A TCP port on 127.0.0.1 that was free a moment ago (the service's config needs a fixed one).
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

// Database, roles, ref schema, identities and clock; returns the clients' key pairs.
std::vector<transport::KeyPair> SetUpDatabase(const Cluster& pg, int clients) {
  db::EnsureDatabase(pg.Url("postgres", "postgres"), "ducha");
  {
    // Times each WAL fsync (pg_stat_wal.wal_sync_time) for the details; costs two clock reads.
    pqxx::connection c{pg.Url("postgres", "postgres")};
    pqxx::nontransaction n{c};
    n.exec("ALTER SYSTEM SET track_wal_io_timing = on");
    n.exec("SELECT pg_reload_conf()");
  }
  db::Bootstrap(pg.Admin(), {"intake"});
  // Set-up is never cancelled: a token without a source cannot be stopped.
  db::Connection ref(db::DbSettings{pg.Url("ducha", "ducha_ref"), "intake-bench"},
                     std::stop_token{});
  db::Migrate(ref, "ref", "ref", ref::RefMigrations());
  std::vector<transport::KeyPair> keys;
  for (int i = 0; i < clients; ++i) keys.push_back(transport::GenerateKeyPair());
  ref.Transact([&](pqxx::work& w) {
    for (int i = 0; i < clients; ++i) {
      ref::NewIdentity id;
      id.name = fmt::format("bench-hotline-{:02}", i);
      id.role = auth::Role::kIntegration;
      id.channels = {"citizen_hotline"};
      id.note = "intake_bench";
      if (auto ok = ref::RegisterKey(w, id, keys[static_cast<std::size_t>(i)].public_z85); !ok) {
        throw std::runtime_error("registering " + id.name + ": " + ok.error().message);
      }
    }
    if (auto ok = ref::SetSimulatedClock(w, true, *timeutil::ParseRfc3339(kSimulatedNow)); !ok) {
      throw std::runtime_error("setting the simulated clock: " + ok.error().message);
    }
  });
  return keys;
}

// ducha-intake as a child process; SIGTERM on destruction (and if this program dies first).
class IntakeProcess {
 public:
  IntakeProcess(const std::string& binary, const std::string& config, const std::string& log) {
    log_path_ = log;
    std::fflush(nullptr);  // or the child's copy of unwritten output is written twice
    pid_ = fork();
    if (pid_ < 0) Fail("fork failed");
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      std::FILE* out = std::freopen(log.c_str(), "w", stdout);
      if (out == nullptr || dup2(fileno(stdout), 2) < 0) _exit(127);
      execl(binary.c_str(), binary.c_str(), "--config", config.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
  }
  ~IntakeProcess() { Stop(); }
  IntakeProcess(const IntakeProcess&) = delete;
  IntakeProcess& operator=(const IntakeProcess&) = delete;

  pid_t pid() const { return pid_; }

  void WaitServing(std::chrono::seconds limit) {
    const auto deadline = SteadyClock::now() + limit;
    while (SteadyClock::now() < deadline) {
      if (ReadFile(log_path_).find("intake serving on") != std::string::npos) return;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        Fail("ducha-intake exited during start-up:\n" + ReadFile(log_path_));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    Fail("ducha-intake did not start serving within the limit:\n" + ReadFile(log_path_));
  }

  void Stop() {
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

 private:
  std::string log_path_;
  pid_t pid_ = -1;
};

struct PgbenchResult {
  double tps = 0;
  double latency_ms = 0;
};

PgbenchResult RunPgbench(const Options& o, const Cluster& pg) {
  pg.Exec(
      "CREATE TABLE IF NOT EXISTS public.bench_single_row (id bigserial PRIMARY KEY, "
      "payload text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())");
  const std::string script = o.work_dir + "/single_row_insert.sql";
  WriteFile(script,
            "INSERT INTO public.bench_single_row (payload) VALUES "
            "('one durable row per transaction');\n");
  const std::string cmd =
      fmt::format("'{}' -n -c 1 -j 1 -T {} -f '{}' -h '{}/run' -p {} -U postgres ducha 2>&1",
                  o.pgbench, o.pgbench_s, script, pg.dir(), pg.port());
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

// Everything one client observed; merged after the phase.
struct ClientTally {
  std::uint64_t sent = 0;
  std::uint64_t receipts = 0;         // every receipt, whenever it arrived
  std::uint64_t receipts_window = 0;  // receipts that completed inside the measured window
  std::uint64_t duplicates = 0;       // receipts with outcome "duplicate"
  std::uint64_t busy = 0;
  std::uint64_t errors = 0;  // error replies, undecodable replies, timeouts
  std::uint64_t late_sends = 0;
  std::vector<double> latencies_ms;
  std::vector<std::pair<int, double>> by_second;  // open loop: (second of the schedule, latency)
  std::vector<double> from_send_ms;  // open loop: latency from the actual (maybe late) send
  std::vector<std::string> error_samples;

  void Merge(const ClientTally& o) {
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
  void NoteError(std::string what) {
    ++errors;
    if (error_samples.size() < 5) error_samples.push_back(std::move(what));
  }
};

enum class ReplyKind { kReceipt, kDuplicate, kBusy, kError, kStale };

struct ReplyInfo {
  ReplyKind kind = ReplyKind::kError;
  std::string correlation;
  std::int64_t retry_after_ms = 0;
  std::string error;
};

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

// Makes valid citizen-hotline reports for one client: distinct submission ids, jurisdictions
// cycling through the campaign's county-level units, locations scattered up to ~25 km around the
// county seat and categories drawn at random, so only a few percent are duplicates.
class ReportMaker {
 public:
  // Seeded by phase and client, so each phase scatters its reports afresh instead of repeating
  // (and duplicating) the places of the one before.
  ReportMaker(const campaign::Campaign& campaign, const std::string& phase, int client)
      : campaign_(campaign),
        phase_(phase),
        client_(client),
        rng_(std::hash<std::string>{}(phase) ^ (0x5eed0000u + static_cast<std::uint64_t>(client))),
        day_start_(*timeutil::ParseRfc3339(kReportDay)) {}

  pi::SubmitReport Make(std::uint64_t seq) {
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

 private:
  const campaign::Campaign& campaign_;
  std::string phase_;
  int client_;
  std::mt19937_64 rng_;
  timeutil::Millis day_start_;
};

// One integration: a CURVE DEALER with its own key. Used by one thread.
class Client {
 public:
  Client(zmq::context_t& ctx, const std::string& endpoint, const std::string& server_public,
         transport::KeyPair keys)
      : sock_(transport::MakeClientSocket(
            ctx, zmq::socket_type::dealer,
            transport::ClientSecurity{true, server_public, std::move(keys)})) {
    sock_.connect(endpoint);
  }
  bool Send(const std::string& payload) {
    zmq::message_t m(payload.data(), payload.size());
    return sock_.send(m, zmq::send_flags::none).has_value();
  }
  // Waits up to `timeout` for one reply.
  std::optional<std::string> Receive(std::chrono::milliseconds timeout) {
    std::vector<zmq::pollitem_t> items{{sock_.handle(), 0, ZMQ_POLLIN, 0}};
    if (transport::Poll(items, timeout) == 0) return std::nullopt;
    if (transport::RecvMessage(sock_, frames_, 4) == transport::RecvStatus::kNothing) {
      return std::nullopt;
    }
    return frames_.back().to_string();
  }

 private:
  zmq::socket_t sock_;
  std::vector<zmq::message_t> frames_;
};

struct LoadContext {
  zmq::context_t& ctx;
  const campaign::Campaign& campaign;
  std::string endpoint;
  std::string server_public;
  const std::vector<transport::KeyPair>& keys;
};

// Closed loop: send, await the reply, next. A busy reply is retried after its delay with the
// same submission (what an integration must do). Latencies and the rate count only requests sent
// at or after `window_start` and answered by `window_end`; the loop stops sending at window_end.
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

// Open loop: sends on a fixed schedule (one every `interval`, this client's first at `first`),
// whatever the replies do; latency runs from the scheduled send time. Outstanding requests are
// awaited for up to the reply timeout after the last send.
ClientTally RunPaced(const LoadContext& lc, int client, TimePoint first, TimePoint end,
                     SteadyClock::duration interval) {
  ClientTally t;
  Client c(lc.ctx, lc.endpoint, lc.server_public, lc.keys[static_cast<std::size_t>(client)]);
  ReportMaker maker(lc.campaign, "p", client);
  struct Sent {
    TimePoint scheduled, actual;
  };
  std::unordered_map<std::string, Sent> outstanding;
  std::uint64_t seq = 0;
  TimePoint next = first;
  const TimePoint give_up = end + kReplyTimeout;
  for (;;) {
    TimePoint now = SteadyClock::now();
    if (next < end && now >= next) {
      const std::string corr = fmt::format("{}-{}", client, seq);
      const std::string payload = pi::Encode(maker.Make(seq++), corr);
      if (now - next > std::chrono::milliseconds(1)) ++t.late_sends;
      ++t.sent;
      if (c.Send(payload)) {
        outstanding.emplace(corr, Sent{next, SteadyClock::now()});
      } else {
        t.NoteError("send failed");
      }
      next += interval;
      continue;
    }
    if (next >= end && (outstanding.empty() || now >= give_up)) break;
    const TimePoint wake = next < end ? next : give_up;
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(wake - now);
    auto bytes = c.Receive(std::max(wait, std::chrono::milliseconds(0)));
    if (!bytes) continue;
    const TimePoint done = SteadyClock::now();
    ReplyInfo info = Classify(*bytes);
    auto it = outstanding.find(info.correlation);
    if (it == outstanding.end()) {
      t.NoteError("reply with unknown correlation '" + info.correlation + "'");
      continue;
    }
    const TimePoint scheduled = it->second.scheduled;
    const TimePoint actual = it->second.actual;
    outstanding.erase(it);
    switch (info.kind) {
      case ReplyKind::kBusy:
        ++t.busy;
        continue;
      case ReplyKind::kError:
      case ReplyKind::kStale:
        t.NoteError(info.error);
        continue;
      case ReplyKind::kDuplicate:
        ++t.duplicates;
        [[fallthrough]];
      case ReplyKind::kReceipt:
        ++t.receipts;
        ++t.receipts_window;
        t.latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(done - scheduled).count());
        t.by_second.emplace_back(
            static_cast<int>(
                std::chrono::duration_cast<std::chrono::seconds>(scheduled - first).count()),
            t.latencies_ms.back());
        t.from_send_ms.push_back(std::chrono::duration<double, std::milli>(done - actual).count());
        break;
    }
  }
  for (std::size_t i = 0; i < outstanding.size(); ++i) t.NoteError("no reply (timeout)");
  return t;
}

template <typename F>
ClientTally RunClients(int clients, F&& per_client) {
  std::vector<ClientTally> tallies(static_cast<std::size_t>(clients));
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < clients; ++i) {
      threads.emplace_back([&, i] { tallies[static_cast<std::size_t>(i)] = per_client(i); });
    }
  }
  ClientTally all;
  for (const auto& t : tallies) all.Merge(t);
  return all;
}

// CPU time (user + system, in clock ticks) of a process or of the whole machine.
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

struct MachineTicks {
  std::uint64_t busy = 0;
  std::uint64_t total = 0;
};

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

// Where CPU went during one phase, as a percentage of one core.
struct CpuUse {
  double intake = 0, writer_backend = 0, bench = 0, machine_busy = 0;
  int cores = 1;
};

class CpuMeter {
 public:
  CpuMeter(pid_t intake, std::optional<int> backend)
      : intake_(intake), backend_(backend), start_(SteadyClock::now()) {
    i0_ = ProcessTicks(intake_);
    b0_ = backend_ ? ProcessTicks(*backend_) : 0;
    s0_ = ProcessTicks(getpid());
    m0_ = ReadMachineTicks();
  }
  CpuUse Finish() const {
    const double ticks_per_s = static_cast<double>(sysconf(_SC_CLK_TCK));
    const double wall = Seconds(SteadyClock::now() - start_);
    auto pct = [&](std::uint64_t a, std::uint64_t b) {
      return 100.0 * static_cast<double>(b - a) / ticks_per_s / wall;
    };
    CpuUse u;
    u.intake = pct(i0_, ProcessTicks(intake_));
    u.writer_backend = backend_ ? pct(b0_, ProcessTicks(*backend_)) : 0;
    u.bench = pct(s0_, ProcessTicks(getpid()));
    const MachineTicks m1 = ReadMachineTicks();
    u.cores = static_cast<int>(std::thread::hardware_concurrency());
    u.machine_busy = m1.total > m0_.total ? 100.0 * static_cast<double>(m1.busy - m0_.busy) /
                                                static_cast<double>(m1.total - m0_.total)
                                          : 0;
    return u;
  }

 private:
  pid_t intake_;
  std::optional<int> backend_;
  TimePoint start_;
  std::uint64_t i0_ = 0, b0_ = 0, s0_ = 0;
  MachineTicks m0_;
};

// Server-side counters around a phase: commits in the ducha database and WAL activity.
struct ServerCounters {
  double xact_commit = 0, wal_records = 0, wal_bytes = 0, wal_write = 0, wal_sync = 0,
         wal_sync_time_ms = 0;
};

ServerCounters ReadServerCounters(const Cluster& pg) {
  pqxx::connection c{pg.Url("postgres", "postgres")};
  pqxx::nontransaction n{c};
  ServerCounters s;
  s.xact_commit =
      n.exec("SELECT xact_commit FROM pg_stat_database WHERE datname = 'ducha'")[0][0].as<double>();
  const auto w = n.exec(
      "SELECT wal_records, wal_bytes, wal_write, wal_sync, wal_sync_time FROM pg_stat_wal")[0];
  s.wal_records = w[0].as<double>();
  s.wal_bytes = w[1].as<double>();
  s.wal_write = w[2].as<double>();
  s.wal_sync = w[3].as<double>();
  s.wal_sync_time_ms = w[4].as<double>();
  return s;
}

// Samples the intake writer's backend in pg_stat_activity on its own thread: which statement it
// runs, what it waits on, or whether it sits idle waiting for the intake process.
class ActivitySampler {
 public:
  ActivitySampler(const Cluster& pg, int backend_pid, std::chrono::milliseconds period)
      : thread_([this, url = pg.Url("postgres", "postgres"), backend_pid,
                 period](std::stop_token stop) { Loop(stop, url, backend_pid, period); }) {}

  std::map<std::string, int> Finish() {
    thread_.request_stop();
    thread_.join();
    return counts_;
  }

 private:
  static std::string Statement(const std::string& q) {
    static const std::array<std::pair<const char*, const char*>, 11> kKnown = {{
        {"SELECT r.integration", "idempotency lookup"},
        {"SELECT nextval", "id allocation"},
        {"SELECT b.n", "duplicate search"},
        {"INSERT INTO intake.report_evidence", "insert evidence"},
        {"INSERT INTO intake.reporter_contact", "insert contacts"},
        {"INSERT INTO intake.report ", "insert reports"},
        {"INSERT INTO intake.funnel", "funnel upsert"},
        {"INSERT INTO intake.rejection_daily", "rejections upsert"},
        {"COMMIT", "COMMIT"},
        {"BEGIN", "BEGIN"},
        {"SELECT enabled", "fleet clock read"},
    }};
    for (const auto& [prefix, name] : kKnown) {
      if (q.find(prefix) != std::string::npos) return name;
    }
    if (q.find("outbox") != std::string::npos || q.find("stream_head") != std::string::npos) {
      return "outbox append";
    }
    return q.substr(0, 40);
  }

  void Loop(std::stop_token stop, const std::string& url, int pid,
            std::chrono::milliseconds period) {
    pqxx::connection c{url};
    c.prepare("sample",
              "SELECT state, coalesce(wait_event_type || ':' || wait_event, ''), query "
              "FROM pg_stat_activity WHERE pid = $1");
    while (!stop.stop_requested()) {
      std::string label;
      {
        pqxx::nontransaction n{c};
        const pqxx::result r = n.exec_prepared("sample", pid);
        if (r.empty()) {
          label = "backend gone";
        } else {
          const std::string state = r[0][0].is_null() ? "" : r[0][0].as<std::string>();
          const std::string wait = r[0][1].as<std::string>();
          const std::string stmt = Statement(r[0][2].is_null() ? "" : r[0][2].as<std::string>());
          if (state == "idle") {
            label = "idle (no transaction open: waiting for intake)";
          } else if (state == "idle in transaction") {
            label = "idle in transaction (between statements: intake work + round trip)";
          } else if (!wait.empty()) {
            label = stmt + " waiting on " + wait;
          } else {
            label = stmt + " on CPU";
          }
        }
      }
      ++counts_[label];
      std::this_thread::sleep_for(period);
    }
  }

  std::map<std::string, int> counts_;
  std::jthread thread_;
};

// The writer's connection is the one whose current or last statement touches the report tables;
// polled for a while, since at any one moment it may be showing BEGIN or COMMIT.
std::optional<int> FindWriterBackend(const Cluster& pg) {
  for (int attempt = 0; attempt < 400; ++attempt) {
    const std::string v = pg.Value(
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'ducha-intake' AND "
        "(query LIKE '%intake.report%' OR query LIKE '%intake.funnel%' OR query LIKE "
        "'%report_id_seq%') ORDER BY backend_start LIMIT 1");
    if (!v.empty()) return std::stoi(v);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return std::nullopt;
}

struct BatchStats {
  std::int64_t reports = 0, batches = 0;
  double mean = 0, p50 = 0, p90 = 0, max = 0;
};

BatchStats BatchesOf(const Cluster& pg, const std::string& phase) {
  pqxx::connection c{pg.Admin()};
  pqxx::nontransaction n{c};
  const auto r = n.exec_params(
      "SELECT coalesce(sum(k), 0), count(*), coalesce(avg(k), 0), "
      "coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY k), 0), "
      "coalesce(percentile_cont(0.9) WITHIN GROUP (ORDER BY k), 0), coalesce(max(k), 0) "
      "FROM (SELECT count(*) AS k FROM intake.report WHERE submission_id LIKE $1 "
      "GROUP BY committed_at) b",
      phase + "-%")[0];
  return BatchStats{r[0].as<std::int64_t>(), r[1].as<std::int64_t>(), r[2].as<double>(),
                    r[3].as<double>(),       r[4].as<double>(),       r[5].as<double>()};
}

std::string Verdict(bool met) { return met ? "MET" : "MISSED"; }

void PrintTally(const char* name, ClientTally& t, double window_s) {
  const double p50 = Percentile(t.latencies_ms, 0.50);
  const double p99 = Percentile(t.latencies_ms, 0.99);
  const double max = t.latencies_ms.empty() ? 0 : t.latencies_ms.back();
  fmt::print(
      "  {:<11} sent {:>7}  receipts {:>7} (duplicates {})  busy {}  errors {}  "
      "accepted/s {:>8.1f}  p50 {:.2f} ms  p99 {:.2f} ms  max {:.2f} ms\n",
      name, t.sent, t.receipts, t.duplicates, t.busy, t.errors,
      static_cast<double>(t.receipts_window) / window_s, p50, p99, max);
  for (const auto& e : t.error_samples) fmt::print("      error: {}\n", e);
}

void PrintCounters(const char* name, const ServerCounters& a, const ServerCounters& b,
                   double seconds, const CpuUse& cpu, const BatchStats& batches) {
  fmt::print(
      "  {:<11} commits/s {:>7.1f}  WAL fsyncs/s {:>7.1f} (mean {:.2f} ms each)  WAL {:.0f} "
      "KiB/s\n",
      name, (b.xact_commit - a.xact_commit) / seconds, (b.wal_sync - a.wal_sync) / seconds,
      b.wal_sync > a.wal_sync
          ? (b.wal_sync_time_ms - a.wal_sync_time_ms) / (b.wal_sync - a.wal_sync)
          : 0.0,
      (b.wal_bytes - a.wal_bytes) / 1024.0 / seconds);
  fmt::print(
      "  {:<11} intake batches {} of mean {:.1f} reports (p50 {:.0f}, p90 {:.0f}, max {:.0f})\n",
      "", batches.batches, batches.mean, batches.p50, batches.p90, batches.max);
  fmt::print(
      "  {:<11} CPU (% of one core): ducha-intake {:.0f}, its writer's backend {:.0f}, "
      "clients {:.0f}; machine {:.0f}% busy over {} cores\n",
      "", cpu.intake, cpu.writer_backend, cpu.bench, cpu.machine_busy, cpu.cores);
}

int Run(const Options& o) {
  log::LogSettings quiet;
  quiet.level = "warn";
  log::Init(quiet);
  const Cluster pg(o.pg_dir);
  auto campaign = campaign::LoadCampaign(o.campaign_dir);
  if (!campaign) Fail("campaign: " + campaign.error().field + ": " + campaign.error().message);

  fmt::print("intake_bench: setting up the cluster on port {} ({} integrations)\n", pg.port(),
             o.clients);
  const std::vector<transport::KeyPair> keys = SetUpDatabase(pg, o.clients);
  const transport::KeyPair server = transport::GenerateKeyPair();
  WriteFile(o.work_dir + "/server.key", server.secret_z85 + "\n");
  const std::string endpoint = fmt::format("tcp://127.0.0.1:{}", FreePort());
  // Newer intake binaries also serve the reports stream; keep it off the fixed default port. Set
  // through the environment, which a binary without that setting simply never reads.
  setenv("DUCHA_INTAKE_STREAM_ENDPOINT", fmt::format("tcp://127.0.0.1:{}", FreePort()).c_str(), 1);
  WriteFile(o.work_dir + "/intake.conf",
            fmt::format("log.level = info\n"
                        "db.url = {}\n"
                        "campaign.dir = {}\n"
                        "transport.secret_key_file = {}/server.key\n"
                        "clock.source = fleet\n"
                        "intake.endpoint = {}\n",
                        pg.Url("ducha", "ducha_intake"), o.campaign_dir, o.work_dir, endpoint));

  IntakeProcess intake(o.intake_binary, o.work_dir + "/intake.conf", o.work_dir + "/intake.log");
  WriteFile(o.work_dir + "/intake.pid", std::to_string(intake.pid()) + "\n");
  intake.WaitServing(std::chrono::seconds(60));
  fmt::print("intake_bench: ducha-intake (pid {}) serving on {}\n", intake.pid(), endpoint);

  fmt::print("intake_bench: pgbench, 1 client, single-row INSERT per transaction, {} s\n",
             o.pgbench_s);
  const PgbenchResult limit = RunPgbench(o, pg);

  zmq::context_t ctx(2);
  const LoadContext lc{ctx, *campaign, endpoint, server.public_z85, keys};

  fmt::print("intake_bench: closed loop, {} clients, {} s warm-up + {} s measured\n", o.clients,
             o.warmup_s, o.duration_s);
  const TimePoint c_start = SteadyClock::now();
  const TimePoint c_window = c_start + std::chrono::seconds(o.warmup_s);
  const TimePoint c_end = c_window + std::chrono::seconds(o.duration_s);
  std::optional<ServerCounters> c0;
  std::optional<CpuMeter> c_cpu;
  std::optional<int> writer;
  std::jthread marker([&] {
    std::this_thread::sleep_until(c_window);
    writer = FindWriterBackend(pg);
    c0 = ReadServerCounters(pg);
    c_cpu.emplace(intake.pid(), writer);
  });
  ClientTally closed =
      RunClients(o.clients, [&](int i) { return RunClosedLoop(lc, i, "m", c_window, c_end); });
  marker.join();
  const ServerCounters c1 = ReadServerCounters(pg);
  const CpuUse closed_cpu = c_cpu->Finish();
  const double closed_rate = static_cast<double>(closed.receipts_window) / o.duration_s;

  const double half_rate = closed_rate / 2;
  fmt::print("intake_bench: open loop at {:.1f} reports/s (half the closed-loop rate), {} s\n",
             half_rate, o.paced_s);
  ClientTally paced;
  ServerCounters p0, p1;
  CpuUse paced_cpu;
  double paced_window = static_cast<double>(o.paced_s);
  if (half_rate > 0) {
    const auto interval = std::chrono::duration_cast<SteadyClock::duration>(
        std::chrono::duration<double>(static_cast<double>(o.clients) / half_rate));
    const TimePoint p_start = SteadyClock::now() + std::chrono::milliseconds(500);
    const TimePoint p_end = p_start + std::chrono::seconds(o.paced_s);
    p0 = ReadServerCounters(pg);
    CpuMeter meter(intake.pid(), writer);
    paced = RunClients(o.clients, [&](int i) {
      return RunPaced(lc, i, p_start + interval * i / o.clients, p_end, interval);
    });
    p1 = ReadServerCounters(pg);
    paced_cpu = meter.Finish();
  }

  std::map<std::string, int> profile;
  ClientTally profiled;
  if (o.profile_s > 0 && writer) {
    fmt::print("intake_bench: profile pass, closed loop, {} s, sampling the writer's backend\n",
               o.profile_s);
    ActivitySampler sampler(pg, *writer, std::chrono::milliseconds(5));
    const TimePoint x_start = SteadyClock::now();
    const TimePoint x_end = x_start + std::chrono::seconds(o.profile_s);
    profiled =
        RunClients(o.clients, [&](int i) { return RunClosedLoop(lc, i, "x", x_start, x_end); });
    profile = sampler.Finish();
  }

  intake.Stop();
  const std::int64_t stored = std::stoll(pg.Value("SELECT count(*) FROM intake.report"));
  const std::int64_t stored_dups =
      std::stoll(pg.Value("SELECT count(*) FROM intake.report WHERE duplicate_of IS NOT NULL"));
  const auto receipts =
      static_cast<std::int64_t>(closed.receipts + paced.receipts + profiled.receipts);
  const BatchStats closed_batches = BatchesOf(pg, "m");
  const BatchStats paced_batches = BatchesOf(pg, "p");

  const double ratio = closed_rate / limit.tps;
  const double paced_p99 = Percentile(paced.latencies_ms, 0.99);
  const bool counts_match = stored == receipts;

  fmt::print("\n== intake_bench: details ==\n");
  fmt::print("  load average at the end: {} (other work on the machine skews every figure)\n",
             ReadFile("/proc/loadavg").substr(0, 14));
  fmt::print("  pgbench     {:.1f} tps, mean latency {:.3f} ms (1 client, 1 row per commit)\n",
             limit.tps, limit.latency_ms);
  PrintTally("closed loop", closed, o.duration_s);
  PrintCounters("", c0.value_or(ServerCounters{}), c1, o.duration_s, closed_cpu, closed_batches);
  PrintTally("half load", paced, paced_window);
  fmt::print(
      "  {:<11} sends behind schedule by > 1 ms: {} (the clients' own lag); from the actual send: "
      "p50 {:.2f} ms, p99 {:.2f} ms\n",
      "", paced.late_sends, Percentile(paced.from_send_ms, 0.50),
      Percentile(paced.from_send_ms, 0.99));
  {
    std::map<int, std::vector<double>> seconds;
    for (const auto& [sec, ms] : paced.by_second) seconds[sec].push_back(ms);
    std::string line;
    for (auto& [sec, v] : seconds) line += fmt::format(" {:.0f}", Percentile(v, 0.99));
    fmt::print("  {:<11} p99 per second of the schedule, ms:{}\n", "", line);
  }
  PrintCounters("", p0, p1, paced_window, paced_cpu, paced_batches);
  if (!profile.empty()) {
    int total = 0;
    for (const auto& [k, v] : profile) total += v;
    fmt::print("  profile     writer backend, {} samples every 5 ms ({} receipts, {:.1f}/s):\n",
               total, profiled.receipts,
               static_cast<double>(profiled.receipts) / static_cast<double>(o.profile_s));
    std::vector<std::pair<int, std::string>> sorted;
    for (const auto& [k, v] : profile) sorted.emplace_back(v, k);
    std::sort(sorted.rbegin(), sorted.rend());
    for (const auto& [v, k] : sorted) {
      fmt::print("      {:5.1f}%  {}\n", 100.0 * v / total, k);
    }
  }

  fmt::print("\n== intake_bench: summary ==\n");
  fmt::print("  {:<44} {:>12}   {}\n", "figure", "value", "target");
  fmt::print("  {:<44} {:>12.1f}\n", "pgbench single-row tps (limit, same run)", limit.tps);
  fmt::print("  {:<44} {:>12.1f}\n", "intake accepted reports/s (closed loop)", closed_rate);
  fmt::print("  {:<44} {:>12.2f}   >= {:.1f}  {}\n", "ratio intake / pgbench", ratio, kRatioTarget,
             Verdict(ratio >= kRatioTarget));
  fmt::print("  {:<44} {:>12.2f}\n", "closed-loop p50 reply latency, ms",
             Percentile(closed.latencies_ms, 0.50));
  fmt::print("  {:<44} {:>12.2f}\n", "closed-loop p99 reply latency, ms",
             Percentile(closed.latencies_ms, 0.99));
  fmt::print("  {:<44} {:>12}\n", "closed-loop busy replies / errors",
             fmt::format("{} / {}", closed.busy, closed.errors));
  fmt::print("  {:<44} {:>12.1f}\n", "half-load offered reports/s", half_rate);
  fmt::print("  {:<44} {:>12.2f}\n", "half-load p50 reply latency, ms",
             Percentile(paced.latencies_ms, 0.50));
  fmt::print("  {:<44} {:>12.2f}   <= {:.0f}  {}\n", "half-load p99 reply latency, ms", paced_p99,
             kHalfLoadP99TargetMs,
             Verdict(!paced.latencies_ms.empty() && paced_p99 <= kHalfLoadP99TargetMs));
  fmt::print("  {:<44} {:>12}\n", "half-load busy replies / errors",
             fmt::format("{} / {}", paced.busy, paced.errors));
  fmt::print("  {:<44} {:>12}\n", "receipts received by the clients (all phases)", receipts);
  fmt::print("  {:<44} {:>12}   equal  {}\n", "reports committed (count(*) intake.report)", stored,
             counts_match ? "MET" : "MISSED (data lost or unacknowledged)");
  fmt::print("  {:<44} {:>12}\n", "of which duplicates (duplicate_of set)", stored_dups);
  return 0;
}

}  // namespace
}  // namespace ducha::bench

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  const ducha::bench::Options o = ducha::bench::ParseOptions(argc, argv);
  try {
    return ducha::bench::Run(o);
  } catch (const std::exception& e) {
    ducha::bench::Fail(e.what());
  }
}
