// dispatch_bench: how fast ducha-dispatch turns intake's accepted reports into committed dispatch
// decisions, set beside what the same PostgreSQL cluster can do in the same run (a single-client
// pgbench of one durable single-row INSERT per transaction).
//
// The driver script (bench/run-dispatch-bench.sh) creates and destroys the throwaway cluster; this
// program sets it up (database, roles, ref schema, 64 integration identities and dispatch's
// service identity with CURVE keys, the simulated fleet clock) and then runs, in order:
//   1. pgbench, single client, for the limit;
//   2. end to end: ducha-intake and ducha-dispatch as child processes, 64 closed-loop CURVE
//      clients submitting reports; every second it samples intake's stream head and dispatch's
//      cursor (the lag). Afterwards it takes each report's decision time from dispatch.outbox
//      (the created_at of the problem_assigned or source_added event for that report) and
//      compares it with intake.report.committed_at;
//   3. replay: a fresh database whose intake outbox gets N realistic intake.report_accepted
//      events (about 10% repeats of earlier reports) written straight in and sequenced, then a
//      fresh ducha-dispatch (behind a ducha-intake serving that outbox) is timed until its
//      cursor reaches N; its peak RSS comes from /proc/<pid>/status (VmHWM).
// It then checks that dispatch made exactly one decision per report in both phases.
// Targets missed are printed as MISSED; the exit status is 0 unless the run itself failed.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
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
#include "common/base/text.h"
#include "common/base/time.h"
#include "common/campaign/loader.h"
#include "common/db/db.h"
#include "common/db/migrate.h"
#include "common/log/log.h"
#include "common/stream/outbox.h"
#include "proto/common_codec.h"
#include "proto/dispatch_codec.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"

namespace ducha::bench {
namespace {

namespace pc = proto::common;
namespace pd = proto::dispatch;
namespace pi = proto::intake;

constexpr double kRatioTarget = 1.25;
constexpr double kReplayTarget = 20000;
// Dispatch keeps up when it is never more than this many seconds of input behind intake.
constexpr double kMaxLagSeconds = 2.0;
constexpr const char* kReplayDb = "ducha_replay";

struct Options {
  std::string pg_dir;
  std::string intake_binary;
  std::string dispatch_binary;
  std::string campaign_dir;
  std::string work_dir;
  std::string pgbench = "/usr/lib/postgresql/15/bin/pgbench";
  int clients = 64;
  int warmup_s = 3;
  int duration_s = 60;
  int pgbench_s = 10;
  std::int64_t replay_events = 1'000'000;
};

std::int64_t ParseInt(const std::string& v) {
  try {
    std::size_t used = 0;
    const long long n = std::stoll(v, &used);
    if (used != v.size()) throw std::invalid_argument(v);
    return n;
  } catch (const std::exception&) {
    Fail("not a number: " + v);
  }
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  if (const char* s = std::getenv("DUCHA_DISPATCH_BENCH_SECONDS")) {
    o.duration_s = static_cast<int>(ParseInt(s));
  }
  if (const char* n = std::getenv("DUCHA_REPLAY_EVENTS")) o.replay_events = ParseInt(n);
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) Fail("missing value for " + arg);
    const std::string v = argv[++i];
    if (arg == "--pg-dir") {
      o.pg_dir = v;
    } else if (arg == "--intake") {
      o.intake_binary = v;
    } else if (arg == "--dispatch") {
      o.dispatch_binary = v;
    } else if (arg == "--campaign") {
      o.campaign_dir = v;
    } else if (arg == "--work") {
      o.work_dir = v;
    } else if (arg == "--pgbench") {
      o.pgbench = v;
    } else if (arg == "--clients") {
      o.clients = static_cast<int>(ParseInt(v));
    } else if (arg == "--warmup") {
      o.warmup_s = static_cast<int>(ParseInt(v));
    } else if (arg == "--duration") {
      o.duration_s = static_cast<int>(ParseInt(v));
    } else if (arg == "--pgbench-seconds") {
      o.pgbench_s = static_cast<int>(ParseInt(v));
    } else if (arg == "--replay-events") {
      o.replay_events = ParseInt(v);
    } else {
      Fail("unknown argument " + arg);
    }
  }
  if (o.pg_dir.empty() || o.intake_binary.empty() || o.dispatch_binary.empty() ||
      o.campaign_dir.empty() || o.work_dir.empty()) {
    Fail(
        "usage: dispatch_bench --pg-dir DIR --intake BIN --dispatch BIN --campaign DIR --work DIR "
        "[--clients N] [--warmup S] [--duration S] [--pgbench-seconds S] [--replay-events N "
        "(0: no replay)] [--pgbench PATH]");
  }
  if (o.clients < 1 || o.duration_s < 1 || o.pgbench_s < 1 || o.warmup_s < 0 ||
      o.replay_events < 0) {
    Fail("clients and durations must be positive");
  }
  return o;
}

double NowEpochMs() {
  return std::chrono::duration<double, std::milli>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Keys and endpoints of one intake + dispatch pair, and their config files in the work dir.
struct Fleet {
  transport::KeyPair intake_keys = transport::GenerateKeyPair();
  transport::KeyPair dispatch_keys = transport::GenerateKeyPair();
  std::string intake_endpoint;
  std::string stream_endpoint;
};

// Writes <prefix>-intake.conf and <prefix>-dispatch.conf for database `dbname`, on fresh ports.
Fleet WriteConfigs(const Options& o, const Cluster& pg, const std::string& dbname,
                   const std::string& prefix, const Fleet& keys) {
  Fleet f = keys;
  f.intake_endpoint = fmt::format("tcp://127.0.0.1:{}", FreePort());
  f.stream_endpoint = fmt::format("tcp://127.0.0.1:{}", FreePort());
  WriteFile(o.work_dir + "/intake.key", f.intake_keys.secret_z85 + "\n");
  WriteFile(o.work_dir + "/intake.key.pub", f.intake_keys.public_z85 + "\n");
  WriteFile(o.work_dir + "/dispatch.key", f.dispatch_keys.secret_z85 + "\n");
  WriteFile(o.work_dir + "/" + prefix + "-intake.conf",
            fmt::format("log.level = info\n"
                        "db.url = {}\n"
                        "campaign.dir = {}\n"
                        "transport.secret_key_file = {}/intake.key\n"
                        "clock.source = fleet\n"
                        "intake.endpoint = {}\n"
                        "intake.stream_endpoint = {}\n",
                        pg.Url(dbname, "ducha_intake"), o.campaign_dir, o.work_dir,
                        f.intake_endpoint, f.stream_endpoint));
  WriteFile(o.work_dir + "/" + prefix + "-dispatch.conf",
            fmt::format("log.level = info\n"
                        "db.url = {}\n"
                        "campaign.dir = {}\n"
                        "transport.secret_key_file = {}/dispatch.key\n"
                        "clock.source = fleet\n"
                        "dispatch.endpoint = tcp://127.0.0.1:{}\n"
                        "dispatch.admin_endpoint = tcp://127.0.0.1:{}\n"
                        "dispatch.intake_endpoint = {}\n"
                        "dispatch.intake_server_key_file = {}/intake.key.pub\n",
                        pg.Url(dbname, "ducha_dispatch"), o.campaign_dir, o.work_dir, FreePort(),
                        FreePort(), f.stream_endpoint, o.work_dir));
  return f;
}

// Intake's stream head and dispatch's cursor, read in one snapshot of database `dbname`. The
// cursor is 0 until dispatch has created its table and row.
struct StreamPosition {
  std::int64_t head = 0;
  std::int64_t cursor = 0;
};

class PositionReader {
 public:
  PositionReader(const Cluster& pg, const std::string& dbname)
      : conn_(pg.Url(dbname, "postgres")) {}
  StreamPosition Read() {
    pqxx::nontransaction n{conn_};
    StreamPosition p;
    p.head = n.exec(
                  "SELECT coalesce(max(last_seq), 0) FROM intake.stream_head "
                  "WHERE stream = 'reports'")[0][0]
                 .as<std::int64_t>();
    // A statement naming a missing table fails at parse time, so look first.
    if (!cursor_exists_) {
      cursor_exists_ = !n.exec("SELECT to_regclass('dispatch.stream_cursor')")[0][0].is_null();
    }
    if (cursor_exists_) {
      p.cursor = n.exec(
                      "SELECT coalesce(max(applied_seq), 0) FROM dispatch.stream_cursor "
                      "WHERE producer = 'intake' AND stream = 'reports'")[0][0]
                     .as<std::int64_t>();
    }
    return p;
  }

 private:
  pqxx::connection conn_;
  bool cursor_exists_ = false;
};

// Samples the stream position every second on its own thread, from construction to Finish().
class LagSampler {
 public:
  struct Sample {
    double t = 0;  // seconds since the sampler started
    StreamPosition at;
  };

  LagSampler(const Cluster& pg, const std::string& dbname)
      : start_(SteadyClock::now()),
        thread_([this, &pg, dbname](std::stop_token stop) { Loop(stop, pg, dbname); }) {}

  std::vector<Sample> Finish() {
    thread_.request_stop();
    thread_.join();
    return samples_;
  }

 private:
  void Loop(std::stop_token stop, const Cluster& pg, const std::string& dbname) {
    PositionReader reader(pg, dbname);
    auto next = SteadyClock::now();
    while (!stop.stop_requested()) {
      samples_.push_back(Sample{Seconds(SteadyClock::now() - start_), reader.Read()});
      next += std::chrono::seconds(1);
      while (!stop.stop_requested() && SteadyClock::now() < next) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }

  TimePoint start_;
  std::vector<Sample> samples_;
  std::jthread thread_;
};

// Samples the database backends of one service (by application_name) every `period` on its own
// thread: per busy backend, the statement it runs and what it waits on. Shows where a batch
// spends its time; a backend that is "idle in transaction" waits for the service itself.
class ActivityProfile {
 public:
  ActivityProfile(const Cluster& pg, const std::string& dbname, std::string application,
                  std::chrono::milliseconds period)
      : thread_([this, url = pg.Url(dbname, "postgres"), application = std::move(application),
                 period](std::stop_token stop) { Loop(stop, url, application, period); }) {}

  // (share of samples in %, label), largest first; and the number of samples taken.
  std::pair<std::vector<std::pair<double, std::string>>, int> Finish() {
    thread_.request_stop();
    thread_.join();
    std::vector<std::pair<double, std::string>> out;
    for (const auto& [label, n] : counts_) {
      out.emplace_back(100.0 * n / std::max(1, samples_), label);
    }
    std::sort(out.rbegin(), out.rend());
    return {out, samples_};
  }

 private:
  static std::string Statement(const std::string& q) {
    static const std::array<std::pair<const char*, const char*>, 16> kKnown = {{
        {"FROM dispatch.problem_source s JOIN", "load touched problems"},
        {"INSERT INTO dispatch.problem ", "insert problems"},
        {"UPDATE dispatch.problem ", "update problems"},
        {"INSERT INTO dispatch.problem_source", "insert sources"},
        {"change_history_id_seq", "history ids"},
        {"INSERT INTO dispatch.change_history", "insert history"},
        {"INSERT INTO \"dispatch\".outbox", "append assignments outbox"},
        {"\"dispatch\".stream_head", "sequence assignments (head)"},
        {"UPDATE \"dispatch\".outbox", "sequence assignments (number rows)"},
        {"WITH pending AS", "sequence assignments (number rows)"},
        {"\"dispatch\".stream_cursor", "cursor lock / advance"},
        {"\"dispatch\".dead_letter", "dead letters"},
        {"sim_clock", "fleet clock read"},
        {"ref.identity", "identity refresh"},
        {"COMMIT", "COMMIT"},
        {"BEGIN", "BEGIN"},
    }};
    for (const auto& [needle, name] : kKnown) {
      if (q.find(needle) != std::string::npos) return name;
    }
    std::string s = q.substr(0, 50);
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
  }

  void Loop(std::stop_token stop, const std::string& url, const std::string& application,
            std::chrono::milliseconds period) {
    pqxx::connection c{url};
    c.prepare("sample",
              "SELECT state, coalesce(wait_event_type || ':' || wait_event, ''), query "
              "FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()");
    while (!stop.stop_requested()) {
      {
        pqxx::nontransaction n{c};
        const pqxx::result r = n.exec_prepared("sample", application);
        for (const auto& row : r) {
          const std::string state = row[0].is_null() ? "" : row[0].as<std::string>();
          if (state == "idle") continue;
          const std::string wait = row[1].as<std::string>();
          const std::string stmt = Statement(row[2].is_null() ? "" : row[2].as<std::string>());
          std::string label;
          if (state == "idle in transaction") {
            label = "idle in transaction (service work + round trip)";
          } else if (!wait.empty()) {
            label = stmt + " waiting on " + wait;
          } else {
            label = stmt + " on CPU";
          }
          ++counts_[label];
        }
        ++samples_;
      }
      std::this_thread::sleep_for(period);
    }
  }

  std::map<std::string, int> counts_;
  int samples_ = 0;
  std::jthread thread_;
};

// Peak and current resident set of a process, in KiB, from /proc/<pid>/status.
struct Memory {
  std::int64_t hwm_kib = 0;
  std::int64_t rss_kib = 0;
};

Memory MemoryOf(pid_t pid) {
  std::istringstream in(ReadFile(fmt::format("/proc/{}/status", pid)));
  std::string line;
  Memory m;
  while (std::getline(in, line)) {
    auto value = [&] { return std::stoll(line.substr(line.find(':') + 1)); };
    if (line.rfind("VmHWM:", 0) == 0) m.hwm_kib = value();
    if (line.rfind("VmRSS:", 0) == 0) m.rss_kib = value();
  }
  return m;
}

// CPU use of a process over an interval, as a percentage of one core.
class CpuOf {
 public:
  explicit CpuOf(pid_t pid) : pid_(pid), ticks_(ProcessTicks(pid)), start_(SteadyClock::now()) {}
  double Percent() const {
    const double wall = Seconds(SteadyClock::now() - start_);
    return 100.0 * static_cast<double>(ProcessTicks(pid_) - ticks_) /
           static_cast<double>(sysconf(_SC_CLK_TCK)) / wall;
  }

 private:
  pid_t pid_;
  std::uint64_t ticks_;
  TimePoint start_;
};

// When each report's decision was committed: the created_at (dispatch's transaction time, wall
// clock) of its problem_assigned event (key = problem id = report id) or of the source_added
// event that names it (decoded, since that event's key is the problem's id).
std::unordered_map<std::int64_t, double> DecisionTimes(const Cluster& pg) {
  std::unordered_map<std::int64_t, double> at;
  pqxx::connection c{pg.Admin()};
  pqxx::nontransaction n{c};
  const pqxx::result assigned = n.exec(
      "SELECT key::bigint, extract(epoch FROM created_at) * 1000 FROM dispatch.outbox "
      "WHERE type = 'dispatch.problem_assigned'");
  for (const auto& row : assigned) at[row[0].as<std::int64_t>()] = row[1].as<double>();
  const pqxx::result added = n.exec(
      "SELECT payload, extract(epoch FROM created_at) * 1000 FROM dispatch.outbox "
      "WHERE type = 'dispatch.source_added'");
  for (const auto& row : added) {
    const pqxx::binarystring bytes(row[0]);
    auto frame = proto::ParseMessage(bytes.str());
    if (!frame) Fail("undecodable dispatch.source_added: " + frame.error().message);
    auto event = codec::DecodeAs<pd::SourceAdded>(*frame);
    if (!event) Fail("undecodable dispatch.source_added: " + event.error().message);
    at[event->report_id] = row[1].as<double>();
  }
  return at;
}

// Dead letters by error code, with one reason each: "code × n (reason)".
std::vector<std::string> DeadLetterReasons(pqxx::transaction_base& tx) {
  std::vector<std::string> out;
  const pqxx::result r = tx.exec(
      "SELECT error_code, count(*), min(reason) FROM dispatch.dead_letter GROUP BY error_code "
      "ORDER BY count(*) DESC");
  for (const auto& row : r) {
    out.push_back(fmt::format("{} x {} (e.g. {})", row[0].as<std::string>(),
                              row[1].as<std::int64_t>(), row[2].as<std::string>().substr(0, 200)));
  }
  return out;
}

// Dispatch's batches, from the assignments outbox: every event written by one consumer
// transaction carries that transaction's now(), so its decisions (problem_assigned and
// source_added events) grouped by created_at are the batches.
struct DispatchBatches {
  std::int64_t batches = 0;
  double mean = 0, p50 = 0, p90 = 0, max = 0;
};

DispatchBatches BatchesOf(pqxx::transaction_base& tx, double from_ms, double to_ms) {
  const auto r = tx.exec_params(
      "SELECT count(*), coalesce(avg(k), 0), "
      "coalesce(percentile_cont(0.5) WITHIN GROUP (ORDER BY k), 0), "
      "coalesce(percentile_cont(0.9) WITHIN GROUP (ORDER BY k), 0), coalesce(max(k), 0) "
      "FROM (SELECT count(*) AS k FROM dispatch.outbox WHERE type IN "
      "('dispatch.problem_assigned', 'dispatch.source_added') "
      "AND created_at >= to_timestamp($1 / 1000.0) AND created_at < to_timestamp($2 / 1000.0) "
      "GROUP BY created_at) b",
      from_ms, to_ms)[0];
  return DispatchBatches{r[0].as<std::int64_t>(), r[1].as<double>(), r[2].as<double>(),
                         r[3].as<double>(), r[4].as<double>()};
}

struct EndToEnd {
  ClientTally tally;
  double receipts_per_s = 0;   // intake's receipts completed in the window
  double decisions_per_s = 0;  // dispatch decisions committed in the window
  double cursor_per_s = 0;     // dispatch cursor advance over the window, per second
  std::int64_t decisions_window = 0;
  std::int64_t latency_reports = 0;  // reports committed in the window with a decision
  std::int64_t latency_new = 0;      // of which opened a problem
  std::vector<double> latency_ms;    // receipt (intake commit) to decision, those reports
  std::vector<double> latency_new_ms;
  std::int64_t max_lag = 0;
  std::int64_t final_lag = 0;
  std::vector<LagSampler::Sample> samples;
  double drain_s = 0;  // after the window, until dispatch had decided every report
  std::int64_t reports = 0, duplicates = 0, decisions = 0, problems = 0, dead_letters = 0;
  std::int64_t head = 0, cursor = 0;
  double intake_cpu = 0, dispatch_cpu = 0, bench_cpu = 0, machine_busy = 0;
  ServerCounters c0, c1;
  DispatchBatches batches;
  std::vector<std::string> dead_letter_reasons;
};

EndToEnd RunEndToEnd(const Options& o, const Cluster& pg, const campaign::Campaign& campaign,
                     const std::vector<transport::KeyPair>& keys, const Fleet& fleet,
                     ServiceProcess& intake, ServiceProcess& dispatch) {
  EndToEnd e;
  zmq::context_t ctx(2);
  const LoadContext lc{ctx, campaign, fleet.intake_endpoint, fleet.intake_keys.public_z85, keys};
  const TimePoint start = SteadyClock::now();
  const TimePoint window = start + std::chrono::seconds(o.warmup_s);
  const TimePoint end = window + std::chrono::seconds(o.duration_s);
  double window_ms = 0, end_ms = 0;
  std::optional<LagSampler> sampler;
  std::optional<CpuOf> intake_cpu, dispatch_cpu;
  std::jthread marker([&] {
    std::this_thread::sleep_until(window);
    window_ms = NowEpochMs();
    sampler.emplace(pg, "ducha");
    e.c0 = ReadServerCounters(pg);
    intake_cpu.emplace(intake.pid());
    dispatch_cpu.emplace(dispatch.pid());
    const CpuOf bench_cpu(getpid());
    const MachineTicks m0 = ReadMachineTicks();
    std::this_thread::sleep_until(end);
    const MachineTicks m1 = ReadMachineTicks();
    e.bench_cpu = bench_cpu.Percent();
    e.machine_busy = m1.total > m0.total ? 100.0 * static_cast<double>(m1.busy - m0.busy) /
                                               static_cast<double>(m1.total - m0.total)
                                         : 0;
    end_ms = NowEpochMs();
    e.samples = sampler->Finish();
    e.c1 = ReadServerCounters(pg);
    e.intake_cpu = intake_cpu->Percent();
    e.dispatch_cpu = dispatch_cpu->Percent();
  });
  e.tally = RunClients(o.clients, [&](int i) { return RunClosedLoop(lc, i, "e", window, end); });
  marker.join();
  e.receipts_per_s = static_cast<double>(e.tally.receipts_window) / o.duration_s;

  // Let dispatch catch up with everything intake acknowledged, then read the outcome.
  intake.CheckAlive();
  dispatch.CheckAlive();
  const std::int64_t reports = std::stoll(pg.Value("SELECT count(*) FROM intake.report"));
  PositionReader reader(pg, "ducha");
  const TimePoint drain_start = SteadyClock::now();
  StreamPosition pos = reader.Read();
  while ((pos.head < reports || pos.cursor < pos.head) &&
         SteadyClock::now() - drain_start < std::chrono::seconds(120)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    pos = reader.Read();
  }
  e.drain_s = Seconds(SteadyClock::now() - drain_start);
  e.head = pos.head;
  e.cursor = pos.cursor;
  e.reports = reports;
  e.duplicates =
      std::stoll(pg.Value("SELECT count(*) FROM intake.report WHERE duplicate_of IS NOT NULL"));
  e.decisions = std::stoll(pg.Value("SELECT count(*) FROM dispatch.problem_source"));
  e.problems = std::stoll(pg.Value("SELECT count(*) FROM dispatch.problem"));
  e.dead_letters = std::stoll(pg.Value("SELECT count(*) FROM dispatch.dead_letter"));

  for (const auto& s : e.samples) {
    e.max_lag = std::max(e.max_lag, s.at.head - s.at.cursor);
  }
  if (!e.samples.empty()) {
    const auto& last = e.samples.back();
    const auto& first = e.samples.front();
    e.final_lag = last.at.head - last.at.cursor;
    if (last.t > first.t) {
      e.cursor_per_s = static_cast<double>(last.at.cursor - first.at.cursor) / (last.t - first.t);
    }
  }

  const std::unordered_map<std::int64_t, double> decided = DecisionTimes(pg);
  for (const auto& [report, ms] : decided) {
    if (ms >= window_ms && ms < end_ms) ++e.decisions_window;
  }
  e.decisions_per_s = static_cast<double>(e.decisions_window) / ((end_ms - window_ms) / 1000.0);
  pqxx::connection c{pg.Admin()};
  pqxx::nontransaction n{c};
  e.batches = BatchesOf(n, window_ms, end_ms);
  e.dead_letter_reasons = DeadLetterReasons(n);
  const pqxx::result committed = n.exec_params(
      "SELECT report_id, extract(epoch FROM committed_at) * 1000, duplicate_of IS NULL "
      "FROM intake.report WHERE committed_at >= to_timestamp($1 / 1000.0) "
      "AND committed_at < to_timestamp($2 / 1000.0)",
      window_ms, end_ms);
  for (const auto& row : committed) {
    auto it = decided.find(row[0].as<std::int64_t>());
    if (it == decided.end()) continue;
    const double ms = it->second - row[1].as<double>();
    e.latency_ms.push_back(ms);
    ++e.latency_reports;
    if (row[2].as<bool>()) {
      e.latency_new_ms.push_back(ms);
      ++e.latency_new;
    }
  }
  return e;
}

// Realistic intake.report_accepted events for the replay: the campaign's channels in a plausible
// mix, its county-level units, received during round 3 (2017-11-20 .. 24), about 10% of them
// repeats (duplicate_of) of a recent original, as intake would have judged them.
class EventMaker {
 public:
  EventMaker(const campaign::Campaign& campaign, std::uint64_t seed)
      : campaign_(campaign), rng_(seed), round_start_(*timeutil::ParseRfc3339(kRoundStart)) {
    // 200 enterprises with valid unified social credit codes: the check character is the one of
    // the 31 that IsValidCreditCode accepts (decoding an event verifies it).
    static constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    for (int i = 0; i < 200; ++i) {
      const std::string stem = fmt::format("91130100MA{:07}", 1000000 + i * 4099);
      for (const char check : kAlphabet) {
        if (text::IsValidCreditCode(stem + check)) {
          credit_codes_.push_back(stem + check);
          break;
        }
      }
    }
    if (credit_codes_.empty()) Fail("no valid credit code");
  }

  pi::ReportAccepted Make(std::int64_t report_id) {
    static constexpr std::array<const char*, 6> kTitles = {
        "燃煤小锅炉仍在使用", "企业夜间偷排废气", "工地裸土未覆盖，扬尘严重",
        "散煤销售点仍在营业", "露天矿山违规开采", "渣土车未苫盖沿路遗撒"};
    static constexpr std::array<const char*, 4> kPlatforms = {"长城网", "河北新闻网",
                                                              "新华网河北频道", "河北环境保护网"};
    // Per mille of reports by channel.
    static constexpr std::array<std::pair<pc::Channel, int>, 9> kMix = {{
        {pc::Channel::kCitizenHotline, 350},
        {pc::Channel::kCitizenWeb, 250},
        {pc::Channel::kSupervisionGroup, 150},
        {pc::Channel::kCovertGroup, 80},
        {pc::Channel::kCentralMedia, 50},
        {pc::Channel::kMinistrySupervision, 40},
        {pc::Channel::kProvincialInspection, 40},
        {pc::Channel::kInterviewFollowup, 20},
        {pc::Channel::kEnforcementBureau, 20},
    }};
    const auto& counties = campaign_.counties();
    pi::ReportAccepted e;
    e.report_id = report_id;
    int pick = static_cast<int>(rng_() % 1000);
    for (const auto& [channel, share] : kMix) {
      e.channel = channel;
      if (pick < share) break;
      pick -= share;
    }
    const bool repeat = !originals_.empty() && rng_() % 10 == 0;
    const auto& county = counties[rng_() % counties.size()];
    e.integration = fmt::format("replay-{}", pc::ToString(e.channel));
    e.submission_id = fmt::format("r-{}", report_id);
    if (e.channel == pc::Channel::kCitizenWeb) e.platform = kPlatforms[rng_() % kPlatforms.size()];
    e.jurisdiction = std::to_string(county.code);
    e.category = pc::kCategoryValues[rng_() % pc::kCategoryValues.size()];
    e.severity = pc::kSeverityValues[rng_() % pc::kSeverityValues.size()];
    e.title = kTitles[rng_() % kTitles.size()];
    e.description = fmt::format("{}：{}，请核查处理。（回放 {}）", county.name, e.title, report_id);
    // Received in stream order over five days, observed and reported shortly before.
    e.received_at = round_start_ + (report_id % 1'000'000) * 432 + 8 * 3600 * 1000;
    e.reported_at = e.received_at - static_cast<std::int64_t>(rng_() % 3600) * 1000;
    e.observed_at = e.reported_at - static_cast<std::int64_t>(rng_() % (6 * 3600)) * 1000;
    e.location = pc::GeoPoint{county.lat + static_cast<double>(rng_() % 4000) / 10000.0 - 0.2,
                              county.lon + static_cast<double>(rng_() % 4000) / 10000.0 - 0.2};
    e.address = county.name + "某村";
    if (rng_() % 5 == 0) {
      e.enterprise = pc::Enterprise{"某建材有限公司", credit_codes_[rng_() % credit_codes_.size()]};
    }
    if (rng_() % 2 == 0) e.evidence = {fmt::format("evidence://replay/{}/1", report_id)};
    if (rng_() % 4 == 0) e.contact_ref = report_id;
    if (const auto* info = campaign_.FindChannel(pc::ToString(e.channel)); info && info->group) {
      e.group_id = "SG1";
      e.round = 3;
    }
    if (repeat) {
      // A repeat of one of the last 50,000 originals, as intake's duplicate search would find.
      const std::size_t back = std::min<std::size_t>(originals_.size(), 50'000);
      e.duplicate_of = originals_[originals_.size() - 1 - rng_() % back];
    } else {
      originals_.push_back(report_id);
    }
    return e;
  }

 private:
  static constexpr const char* kRoundStart = "2017-11-20T00:00:00+08:00";
  const campaign::Campaign& campaign_;
  std::mt19937_64 rng_;
  timeutil::Millis round_start_;
  std::vector<std::int64_t> originals_;
  std::vector<std::string> credit_codes_;
};

struct Replay {
  std::int64_t events = 0;
  std::int64_t duplicates = 0;
  std::int64_t payload_bytes = 0;
  double load_s = 0;
  double sequence_s = 0;
  double start_s = 0;    // spawn until the first batch was applied
  double elapsed_s = 0;  // spawn until the cursor reached the last event
  double applied_s = 0;  // first applied batch until the last
  double events_per_s = 0;
  Memory memory;
  double dispatch_cpu = 0, intake_cpu = 0, machine_busy = 0;
  std::int64_t decisions = 0, problems = 0, history = 0, dead_letters = 0, assignments = 0;
  std::int64_t cursor = 0;
  ServerCounters c0, c1;
  std::vector<std::pair<double, std::string>> profile;
  int profile_samples = 0;
  std::vector<std::pair<double, std::int64_t>> progress;  // (s since spawn, cursor)
  DispatchBatches batches;
  std::vector<std::string> dead_letter_reasons;
};

Replay RunReplay(const Options& o, const Cluster& pg, const campaign::Campaign& campaign,
                 const Fleet& keys) {
  Replay out;
  out.events = o.replay_events;
  DatabaseSetUp setup;
  setup.dbname = kReplayDb;
  setup.services = {"intake", "dispatch"};
  setup.note = "dispatch_bench (replay)";
  setup.service_identities = {{"dispatch", keys.dispatch_keys.public_z85}};
  SetUpDatabase(pg, setup);
  const Fleet fleet = WriteConfigs(o, pg, kReplayDb, "replay", keys);

  // The outbox as intake creates it; then the events, 10,000 per multi-row INSERT (the same
  // Outbox::Append intake uses, one transaction each), then numbered as intake's sequencer would.
  db::Connection conn(db::DbSettings{pg.Url(kReplayDb, "ducha_intake"), "dispatch-bench-load"},
                      std::stop_token{});
  db::Migrate(conn, "intake", "outbox", stream::OutboxMigrations());
  const stream::Outbox outbox("intake");
  EventMaker maker(campaign, 20171120);
  const TimePoint load_start = SteadyClock::now();
  constexpr std::int64_t kChunk = 10'000;
  for (std::int64_t first = 1; first <= o.replay_events; first += kChunk) {
    std::vector<stream::OutgoingEvent> events;
    const std::int64_t last = std::min(o.replay_events, first + kChunk - 1);
    events.reserve(static_cast<std::size_t>(last - first + 1));
    for (std::int64_t id = first; id <= last; ++id) {
      const pi::ReportAccepted e = maker.Make(id);
      if (e.duplicate_of) ++out.duplicates;
      char receipt[32];
      std::snprintf(receipt, sizeof receipt, "DC-%08lld", static_cast<long long>(id));
      events.push_back(stream::OutgoingEvent{std::string(pi::ReportAccepted::kType),
                                             std::to_string(id), pi::Encode(e, receipt)});
      out.payload_bytes += static_cast<std::int64_t>(events.back().payload.size());
    }
    conn.Transact([&](pqxx::work& w) { outbox.Append(w, "reports", events); });
  }
  out.load_s = Seconds(SteadyClock::now() - load_start);
  const TimePoint seq_start = SteadyClock::now();
  std::int64_t head = 0;
  while (head < o.replay_events) {
    const std::int64_t before = head;
    head = conn.Transact([&](pqxx::work& w) { return outbox.Sequence(w, "reports", 50'000); });
    if (head == before) Fail(fmt::format("sequencing stopped at {} of {}", head, o.replay_events));
  }
  out.sequence_s = Seconds(SteadyClock::now() - seq_start);
  // What autovacuum would have done to an outbox written over days, and a clean start for WAL.
  {
    pqxx::connection c{pg.Url(kReplayDb, "postgres")};
    pqxx::nontransaction n{c};
    n.exec("VACUUM ANALYZE intake.outbox");
    n.exec("CHECKPOINT");
  }

  ServiceProcess intake("ducha-intake (replay)", o.intake_binary,
                        o.work_dir + "/replay-intake.conf", o.work_dir + "/replay-intake.log",
                        "intake serving on");
  WriteFile(o.work_dir + "/replay-intake.pid", std::to_string(intake.pid()) + "\n");
  intake.WaitServing(std::chrono::seconds(60));
  PositionReader reader(pg, kReplayDb);
  // Intake's stream server numbers nothing new here, but wait until it has read the head.
  out.c0 = ReadServerCounters(pg, kReplayDb);
  const MachineTicks m0 = ReadMachineTicks();
  CpuOf intake_cpu(intake.pid());
  const TimePoint spawn = SteadyClock::now();
  ServiceProcess dispatch("ducha-dispatch (replay)", o.dispatch_binary,
                          o.work_dir + "/replay-dispatch.conf", o.work_dir + "/replay-dispatch.log",
                          "dispatch running");
  WriteFile(o.work_dir + "/replay-dispatch.pid", std::to_string(dispatch.pid()) + "\n");
  CpuOf dispatch_cpu(dispatch.pid());
  ActivityProfile profile(pg, kReplayDb, "ducha-dispatch", std::chrono::milliseconds(20));
  std::optional<double> first_applied;
  StreamPosition pos;
  double last_note = 0;
  const auto limit = std::chrono::seconds(600);
  for (;;) {
    pos = reader.Read();
    const double t = Seconds(SteadyClock::now() - spawn);
    if (!first_applied && pos.cursor > 0) first_applied = t;
    if (t - last_note >= 1.0) {
      out.progress.emplace_back(t, pos.cursor);
      last_note = t;
    }
    if (pos.cursor >= o.replay_events) break;
    if (SteadyClock::now() - spawn > limit) {
      Fail(fmt::format("replay: dispatch reached only {} of {} events in {} s", pos.cursor,
                       o.replay_events, limit.count()));
    }
    dispatch.CheckAlive();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  out.elapsed_s = Seconds(SteadyClock::now() - spawn);
  out.cursor = pos.cursor;
  out.start_s = first_applied.value_or(out.elapsed_s);
  out.applied_s = out.elapsed_s - out.start_s;
  out.events_per_s = static_cast<double>(o.replay_events) / out.elapsed_s;
  out.memory = MemoryOf(dispatch.pid());
  out.dispatch_cpu = dispatch_cpu.Percent();
  out.intake_cpu = intake_cpu.Percent();
  std::tie(out.profile, out.profile_samples) = profile.Finish();
  const MachineTicks m1 = ReadMachineTicks();
  out.machine_busy = m1.total > m0.total ? 100.0 * static_cast<double>(m1.busy - m0.busy) /
                                               static_cast<double>(m1.total - m0.total)
                                         : 0;
  out.c1 = ReadServerCounters(pg, kReplayDb);
  dispatch.Stop();
  intake.Stop();

  pqxx::connection c{pg.Url(kReplayDb, "postgres")};
  pqxx::nontransaction n{c};
  auto count = [&](const char* sql) { return n.exec(sql)[0][0].as<std::int64_t>(); };
  out.decisions = count("SELECT count(*) FROM dispatch.problem_source");
  out.problems = count("SELECT count(*) FROM dispatch.problem");
  out.history = count("SELECT count(*) FROM dispatch.change_history");
  out.dead_letters = count("SELECT count(*) FROM dispatch.dead_letter");
  out.assignments = count("SELECT count(*) FROM dispatch.outbox");
  out.batches = BatchesOf(n, 0, 1e15);
  out.dead_letter_reasons = DeadLetterReasons(n);
  return out;
}

void PrintCounters(const ServerCounters& a, const ServerCounters& b, double seconds) {
  fmt::print(
      "              commits/s {:.1f}  WAL fsyncs/s {:.1f} (mean {:.2f} ms each)  WAL {:.0f} "
      "KiB/s\n",
      (b.xact_commit - a.xact_commit) / seconds, (b.wal_sync - a.wal_sync) / seconds,
      b.wal_sync > a.wal_sync
          ? (b.wal_sync_time_ms - a.wal_sync_time_ms) / (b.wal_sync - a.wal_sync)
          : 0.0,
      (b.wal_bytes - a.wal_bytes) / 1024.0 / seconds);
}

void PrintBatches(const DispatchBatches& b) {
  fmt::print(
      "              dispatch batches {} of mean {:.1f} decisions (p50 {:.0f}, p90 {:.0f}, max "
      "{:.0f})\n",
      b.batches, b.mean, b.p50, b.p90, b.max);
}

int Run(const Options& o) {
  log::LogSettings quiet;
  quiet.level = "warn";
  log::Init(quiet);
  const Cluster pg(o.pg_dir);
  auto campaign = campaign::LoadCampaign(o.campaign_dir);
  if (!campaign) Fail("campaign: " + campaign.error().field + ": " + campaign.error().message);

  fmt::print("dispatch_bench: setting up the cluster on port {} ({} integrations)\n", pg.port(),
             o.clients);
  Fleet keys;
  DatabaseSetUp setup;
  setup.services = {"intake", "dispatch"};
  setup.clients = o.clients;
  setup.note = "dispatch_bench";
  setup.service_identities = {{"dispatch", keys.dispatch_keys.public_z85}};
  const std::vector<transport::KeyPair> client_keys = SetUpDatabase(pg, setup);
  const Fleet fleet = WriteConfigs(o, pg, "ducha", "e2e", keys);

  fmt::print("dispatch_bench: pgbench, 1 client, single-row INSERT per transaction, {} s\n",
             o.pgbench_s);
  const PgbenchResult limit = RunPgbench(o.pgbench, o.pgbench_s, o.work_dir, pg);

  EndToEnd e2e;
  {
    ServiceProcess intake("ducha-intake", o.intake_binary, o.work_dir + "/e2e-intake.conf",
                          o.work_dir + "/e2e-intake.log", "intake serving on");
    WriteFile(o.work_dir + "/e2e-intake.pid", std::to_string(intake.pid()) + "\n");
    intake.WaitServing(std::chrono::seconds(60));
    ServiceProcess dispatch("ducha-dispatch", o.dispatch_binary, o.work_dir + "/e2e-dispatch.conf",
                            o.work_dir + "/e2e-dispatch.log", "dispatch running");
    WriteFile(o.work_dir + "/e2e-dispatch.pid", std::to_string(dispatch.pid()) + "\n");
    dispatch.WaitServing(std::chrono::seconds(60));
    fmt::print(
        "dispatch_bench: end to end, ducha-intake (pid {}) + ducha-dispatch (pid {}), {} clients, "
        "{} s warm-up + {} s measured\n",
        intake.pid(), dispatch.pid(), o.clients, o.warmup_s, o.duration_s);
    e2e = RunEndToEnd(o, pg, *campaign, client_keys, fleet, intake, dispatch);
    dispatch.Stop();
    intake.Stop();
  }

  Replay replay;
  if (o.replay_events > 0) {
    fmt::print(
        "dispatch_bench: replay, {} intake.report_accepted events into a fresh outbox ({}), "
        "then a fresh ducha-dispatch\n",
        o.replay_events, kReplayDb);
    replay = RunReplay(o, pg, *campaign, keys);
  }

  const double ratio = e2e.decisions_per_s / limit.tps;
  const double lag_budget = std::max(1.0, kMaxLagSeconds * e2e.receipts_per_s);
  const auto receipts = static_cast<std::int64_t>(e2e.tally.receipts);
  const bool e2e_consistent = e2e.decisions == receipts && e2e.reports == receipts &&
                              e2e.cursor == e2e.head && e2e.dead_letters == 0;
  const bool replay_consistent = replay.decisions == replay.events &&
                                 replay.cursor == replay.events && replay.dead_letters == 0;

  fmt::print("\n== dispatch_bench: details ==\n");
  fmt::print("  load average at the end: {} (other work on the machine skews every figure)\n",
             ReadFile("/proc/loadavg").substr(0, 14));
  fmt::print("  pgbench     {:.1f} tps, mean latency {:.3f} ms (1 client, 1 row per commit)\n",
             limit.tps, limit.latency_ms);
  fmt::print(
      "  end to end  sent {}  receipts {} (duplicates {})  busy {}  errors {}  intake "
      "receipts/s {:.1f}  reply p50 {:.2f} ms  p99 {:.2f} ms\n",
      e2e.tally.sent, e2e.tally.receipts, e2e.tally.duplicates, e2e.tally.busy, e2e.tally.errors,
      e2e.receipts_per_s, Percentile(e2e.tally.latencies_ms, 0.50),
      Percentile(e2e.tally.latencies_ms, 0.99));
  for (const auto& err : e2e.tally.error_samples) fmt::print("      error: {}\n", err);
  fmt::print(
      "              dispatch decisions in the window {} ({:.1f}/s); cursor advance {:.1f}/s; "
      "caught up {:.2f} s after the window\n",
      e2e.decisions_window, e2e.decisions_per_s, e2e.cursor_per_s, e2e.drain_s);
  fmt::print(
      "              receipt-to-decision latency over {} reports committed in the window: p50 "
      "{:.1f} ms, p99 {:.1f} ms; new problems only ({}): p50 {:.1f} ms, p99 {:.1f} ms\n",
      e2e.latency_reports, Percentile(e2e.latency_ms, 0.50), Percentile(e2e.latency_ms, 0.99),
      e2e.latency_new, Percentile(e2e.latency_new_ms, 0.50), Percentile(e2e.latency_new_ms, 0.99));
  {
    std::string line;
    for (const auto& s : e2e.samples) line += fmt::format(" {}", s.at.head - s.at.cursor);
    fmt::print("              lag (intake head - dispatch cursor) each second:{}\n", line);
  }
  PrintCounters(e2e.c0, e2e.c1, o.duration_s);
  PrintBatches(e2e.batches);
  for (const auto& r : e2e.dead_letter_reasons) fmt::print("      dead letters: {}\n", r);
  fmt::print(
      "              CPU (% of one core): ducha-intake {:.0f}, ducha-dispatch {:.0f}, clients "
      "{:.0f}; machine {:.0f}% busy over {} cores\n",
      e2e.intake_cpu, e2e.dispatch_cpu, e2e.bench_cpu, e2e.machine_busy,
      std::thread::hardware_concurrency());
  if (o.replay_events > 0) {
    fmt::print(
        "  replay      {} events ({} repeats, {:.0f} bytes each on average): written in {:.1f} "
        "s, sequenced in {:.1f} s\n",
        replay.events, replay.duplicates,
        static_cast<double>(replay.payload_bytes) / static_cast<double>(replay.events),
        replay.load_s, replay.sequence_s);
    fmt::print(
        "              dispatch: first batch applied {:.2f} s after spawn, last {:.2f} s "
        "({:.0f} events/s between them)\n",
        replay.start_s, replay.elapsed_s,
        replay.applied_s > 0 ? static_cast<double>(replay.events) / replay.applied_s : 0.0);
    {
      std::string line;
      std::int64_t prev = 0;
      for (const auto& [t, cursor] : replay.progress) {
        line += fmt::format(" {}", cursor - prev);
        prev = cursor;
      }
      fmt::print("              events applied each second:{}\n", line);
    }
    PrintCounters(replay.c0, replay.c1, replay.elapsed_s);
    PrintBatches(replay.batches);
    for (const auto& r : replay.dead_letter_reasons) fmt::print("      dead letters: {}\n", r);
    fmt::print(
        "              CPU (% of one core): ducha-dispatch {:.0f}, ducha-intake (serving) {:.0f}; "
        "machine {:.0f}% busy over {} cores\n",
        replay.dispatch_cpu, replay.intake_cpu, replay.machine_busy,
        std::thread::hardware_concurrency());
    fmt::print(
        "              dispatch rows: problems {}, sources {}, history {}, assignments events "
        "{}, dead letters {}; RSS at the end {:.1f} MiB\n",
        replay.problems, replay.decisions, replay.history, replay.assignments, replay.dead_letters,
        static_cast<double>(replay.memory.rss_kib) / 1024.0);
    fmt::print(
        "  profile     ducha-dispatch's backends during the replay, {} samples every 20 ms "
        "(% of samples; several backends can be busy at once):\n",
        replay.profile_samples);
    for (const auto& [share, label] : replay.profile) {
      if (share >= 0.5) fmt::print("      {:5.1f}%  {}\n", share, label);
    }
  }

  fmt::print("\n== dispatch_bench: summary ==\n");
  fmt::print("  {:<50} {:>12}   {}\n", "figure", "value", "target");
  fmt::print("  {:<50} {:>12.1f}\n", "pgbench single-row tps (limit, same run)", limit.tps);
  fmt::print("  {:<50} {:>12.1f}\n", "intake receipts/s (closed loop, same window)",
             e2e.receipts_per_s);
  fmt::print("  {:<50} {:>12.1f}\n", "end-to-end dispatch decisions committed/s",
             e2e.decisions_per_s);
  fmt::print("  {:<50} {:>12.2f}   >= {:.2f}  {}\n", "ratio end-to-end / pgbench", ratio,
             kRatioTarget, Verdict(ratio >= kRatioTarget));
  fmt::print("  {:<50} {:>12}   <= {:.0f} ({:.0f} s of input)  {}\n",
             "dispatch lag, max over the window (events)", e2e.max_lag, lag_budget, kMaxLagSeconds,
             Verdict(!e2e.samples.empty() && static_cast<double>(e2e.max_lag) <= lag_budget));
  fmt::print("  {:<50} {:>12}\n", "dispatch lag at the end of the window (events)", e2e.final_lag);
  fmt::print("  {:<50} {:>12.1f}\n", "receipt-to-decision p50, ms (all reports)",
             Percentile(e2e.latency_ms, 0.50));
  fmt::print("  {:<50} {:>12.1f}\n", "receipt-to-decision p99, ms (all reports)",
             Percentile(e2e.latency_ms, 0.99));
  fmt::print("  {:<50} {:>12}\n", "receipts received by the clients", receipts);
  fmt::print("  {:<50} {:>12}   equal  {}\n", "e2e reports committed (intake.report)", e2e.reports,
             Verdict(e2e.reports == receipts));
  fmt::print("  {:<50} {:>12}   equal  {}\n", "e2e dispatch decisions (problem_source)",
             e2e.decisions, Verdict(e2e.decisions == receipts));
  fmt::print("  {:<50} {:>12}   0      {}\n", "e2e dead letters", e2e.dead_letters,
             Verdict(e2e.dead_letters == 0));
  fmt::print("  {:<50} {:>12}\n", "e2e of which repeats (duplicate_of) / problems",
             fmt::format("{} / {}", e2e.duplicates, e2e.problems));
  if (o.replay_events > 0) {
    fmt::print("  {:<50} {:>12.0f}   >= {:.0f}  {}\n", "replay events/s (spawn to last event)",
               replay.events_per_s, kReplayTarget, Verdict(replay.events_per_s >= kReplayTarget));
    fmt::print("  {:<50} {:>12.2f}\n", "replay time, s", replay.elapsed_s);
    fmt::print("  {:<50} {:>12.1f}\n", "dispatch peak RSS during the replay, MiB (VmHWM)",
               static_cast<double>(replay.memory.hwm_kib) / 1024.0);
    fmt::print("  {:<50} {:>12}   {}  {}\n", "replay dispatch decisions (problem_source)",
               replay.decisions, replay.events, Verdict(replay_consistent));
  }
  fmt::print("  {:<50} {:>12}\n", "consistency (decisions = receipts / events)",
             (e2e_consistent && (o.replay_events == 0 || replay_consistent)) ? "MET" : "MISSED");
  return 0;
}

}  // namespace
}  // namespace ducha::bench

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  ducha::bench::SetProgramName("dispatch_bench");
  const ducha::bench::Options o = ducha::bench::ParseOptions(argc, argv);
  try {
    return ducha::bench::Run(o);
  } catch (const std::exception& e) {
    ducha::bench::Fail(e.what());
  }
}
