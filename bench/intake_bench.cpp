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

#include "bench/bench_support.h"
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
constexpr double kRatioTarget = 2.5;
constexpr double kHalfLoadP99TargetMs = 20.0;

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
  DatabaseSetUp setup;
  setup.services = {"intake"};
  setup.clients = o.clients;
  setup.note = "intake_bench";
  const std::vector<transport::KeyPair> keys = SetUpDatabase(pg, setup);
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

  ServiceProcess intake("ducha-intake", o.intake_binary, o.work_dir + "/intake.conf",
                        o.work_dir + "/intake.log", "intake serving on");
  WriteFile(o.work_dir + "/intake.pid", std::to_string(intake.pid()) + "\n");
  intake.WaitServing(std::chrono::seconds(60));
  fmt::print("intake_bench: ducha-intake (pid {}) serving on {}\n", intake.pid(), endpoint);

  fmt::print("intake_bench: pgbench, 1 client, single-row INSERT per transaction, {} s\n",
             o.pgbench_s);
  const PgbenchResult limit = RunPgbench(o.pgbench, o.pgbench_s, o.work_dir, pg);

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
  ducha::bench::SetProgramName("intake_bench");
  const ducha::bench::Options o = ducha::bench::ParseOptions(argc, argv);
  try {
    return ducha::bench::Run(o);
  } catch (const std::exception& e) {
    ducha::bench::Fail(e.what());
  }
}
