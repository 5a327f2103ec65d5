// tracking_bench: the tracking service's two targets on a throwaway PostgreSQL cluster, each set
// beside what the same cluster can do in the same run.
//
// The driver script (bench/run-tracking-bench.sh) creates and destroys the cluster; this program
// sets it up (database, roles, ref schema, the tracking schema migrated as ducha_tracking) and
// then runs, in order:
//   1. the ledger: N (1,000,000) dispatch.problem_assigned events of the shipped campaign's
//      counties, assigned over the 20 working days before the bench day, applied through
//      tracking's AssignmentApplier (stream::ApplyBatch, as the consumer does), so N problems
//      are open. The same events are first run through the pure Ledger in memory, which gives
//      what every sweep below must emit;
//   2. the sweep: a catch-up sweep up to the day before the bench day (not timed against the
//      target: it puts the ledger into the state a daily sweeper would have left), VACUUM
//      ANALYZE and CHECKPOINT, then the measured step: the clock advances one working day and
//      the sweep runs for that day as ducha-tracking's Sweeper runs it (SweepDueParallel, one
//      connection per worker; --sweep-workers, 2 as the service's default). Each chunk size asked
//      for is first tried on its own copy of the database (CREATE DATABASE ... TEMPLATE), so every
//      try starts from the same state; the best one then sweeps the real database. A second sweep
//      of the same day, and a jump of several working days, follow. The run checks that every clock
//      event was emitted exactly once (decoding every event of the ledger stream) and reports the
//      peak RSS of this process (VmHWM, reset before each sweep) against its RSS before;
//   3. pgbench, single client, one durable single-row INSERT per transaction, after a
//      CHECKPOINT, for the limit;
//   4. the bodies: a real tracking::ActionServer in this process (real ZeroMQ, CURVE, the ZAP
//      handler) on a simulated clock, and 200 responsible bodies, each a thread with its own
//      CURVE key and DEALER socket, scoped to one county, sending tracking.report_progress about
//      open problems of their county in a closed loop. Every reply must be tracking.action_done,
//      and tracking.history must hold exactly one 'progress' line per reply.
// Targets missed are printed as MISSED; the exit status is 0 unless the run itself failed.

#include <malloc.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <pqxx/pqxx>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>
#include <zmq.hpp>

#include "bench/bench_support.h"
#include "common/auth/identity.h"
#include "common/base/time.h"
#include "common/campaign/loader.h"
#include "common/clock/clock.h"
#include "common/db/db.h"
#include "common/db/migrate.h"
#include "common/log/log.h"
#include "common/stream/consumer.h"
#include "common/stream/outbox.h"
#include "common/transport/transport.h"
#include "common/transport/zap.h"
#include "proto/common_codec.h"
#include "proto/dispatch_codec.h"
#include "proto/registry.h"
#include "proto/tracking_codec.h"
#include "services/tracking/core/ledger.h"
#include "services/tracking/io/action_server.h"
#include "services/tracking/migrations.h"
#include "services/tracking/store/appliers.h"
#include "services/tracking/store/ledger_store.h"

namespace ducha::bench {
namespace {

namespace pc = proto::common;
namespace pd = proto::dispatch;
namespace pt = proto::tracking;
using tracking::Day;

constexpr double kSweepTargetSeconds = 5.0;
// The measured sweep day (a Tuesday, so the day before is a working day and its deadlines fall
// due), and how many working days before it the problems were assigned on.
constexpr const char* kBenchDay = "2017-12-19";
constexpr int kAssignmentDays = 20;
// A sweep's memory is flat when its peak grows by no more than a fixed allowance plus, per
// entry of one chunk, a bound for the entry and for the most events one entry can emit (the
// campaign's warnings, the overdue notice and the escalation rungs): about 1-2 KiB for the row
// read and written, and 3-4 KiB per event held as an outgoing event, a history line and their
// statement arrays. Growth with the entries due, not with the chunk, exceeds it on a large
// ledger.
constexpr std::int64_t kFlatKibPerEntry = 4;
constexpr std::int64_t kFlatKibPerEvent = 4;
constexpr std::int64_t kFlatKibAllowance = 16 * 1024;
constexpr const char* kSweepApp = "tracking-bench-sweep";
constexpr const char* kActionsApp = "tracking-bench-actions";

struct Options {
  std::string pg_dir;
  std::string campaign_dir;
  std::string work_dir;
  std::string pgbench = "/usr/lib/postgresql/15/bin/pgbench";
  std::int64_t problems = 1'000'000;
  int load_batch = 5000;
  std::vector<int> chunks = {2000, 10000};
  int jump_days = 5;
  int sweep_workers = 2;  // ducha-tracking's tracking.sweep_workers default
  int clients = 200;
  int warmup_s = 3;
  int duration_s = 20;
  int pgbench_s = 10;
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

std::vector<int> ParseList(const std::string& v) {
  std::vector<int> out;
  std::stringstream in(v);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(static_cast<int>(ParseInt(item)));
  return out;
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  if (const char* n = std::getenv("DUCHA_TRACKING_BENCH_PROBLEMS")) o.problems = ParseInt(n);
  if (const char* s = std::getenv("DUCHA_TRACKING_BENCH_SECONDS")) {
    o.duration_s = static_cast<int>(ParseInt(s));
  }
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) Fail("missing value for " + arg);
    const std::string v = argv[++i];
    if (arg == "--pg-dir") {
      o.pg_dir = v;
    } else if (arg == "--campaign") {
      o.campaign_dir = v;
    } else if (arg == "--work") {
      o.work_dir = v;
    } else if (arg == "--pgbench") {
      o.pgbench = v;
    } else if (arg == "--problems") {
      o.problems = ParseInt(v);
    } else if (arg == "--load-batch") {
      o.load_batch = static_cast<int>(ParseInt(v));
    } else if (arg == "--chunks") {
      o.chunks = ParseList(v);
    } else if (arg == "--jump-days") {
      o.jump_days = static_cast<int>(ParseInt(v));
    } else if (arg == "--sweep-workers") {
      o.sweep_workers = static_cast<int>(ParseInt(v));
    } else if (arg == "--clients") {
      o.clients = static_cast<int>(ParseInt(v));
    } else if (arg == "--warmup") {
      o.warmup_s = static_cast<int>(ParseInt(v));
    } else if (arg == "--duration") {
      o.duration_s = static_cast<int>(ParseInt(v));
    } else if (arg == "--pgbench-seconds") {
      o.pgbench_s = static_cast<int>(ParseInt(v));
    } else {
      Fail("unknown argument " + arg);
    }
  }
  if (o.pg_dir.empty() || o.campaign_dir.empty() || o.work_dir.empty()) {
    Fail(
        "usage: tracking_bench --pg-dir DIR --campaign DIR --work DIR [--problems N] "
        "[--load-batch N] [--chunks N,N,...] [--jump-days N] [--sweep-workers N] [--clients N] "
        "[--warmup S] "
        "[--duration S] [--pgbench-seconds S] [--pgbench PATH]");
  }
  if (o.problems < 1000 || o.load_batch < 1 || o.chunks.empty() || o.jump_days < 1 ||
      o.sweep_workers < 1 || o.clients < 1 || o.duration_s < 1 || o.pgbench_s < 1 ||
      o.warmup_s < 0) {
    Fail("problems must be at least 1000, and counts and durations positive");
  }
  for (int c : o.chunks) {
    if (c < 10) Fail("a sweep chunk must be at least 10 entries");
  }
  return o;
}

// SplitMix64: a cheap generator seeded per problem, so any problem can be made again alike.
class Mix {
 public:
  explicit Mix(std::uint64_t seed) : s_(seed) {}
  std::uint64_t Next() {
    std::uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::size_t Below(std::size_t n) { return static_cast<std::size_t>(Next() % n); }

 private:
  std::uint64_t s_;
};

// Realistic dispatch.problem_assigned events, as dispatch's rules make them: the campaign's nine
// channels in a plausible mix, its county-level units, a mix of severities; citizen reports go to
// the city bureau to verify within the policy's verification days, everything else to the county
// (or directly administered city) government to rectify within the policy's days for its
// channel, category, severity and listing (5, 7, 10 or 15 working days). Problem ids follow the
// assignment time: the problems of each of the assignment days are consecutive.
class ProblemMaker {
 public:
  ProblemMaker(const campaign::Campaign& campaign, std::vector<Day> days, std::int64_t problems)
      : campaign_(campaign), days_(std::move(days)), problems_(problems) {}

  pd::ProblemAssigned Make(std::int64_t id) const {
    static constexpr std::array<const char*, 6> kTitles = {
        "燃煤小锅炉仍在使用", "企业夜间偷排废气", "工地裸土未覆盖，扬尘严重",
        "散煤销售点仍在营业", "露天矿山违规开采", "渣土车未苫盖沿路遗撒"};
    // Per mille of problems by channel, and by severity.
    static constexpr std::array<std::pair<pc::Channel, int>, 9> kChannels = {{
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
    static constexpr std::array<std::pair<pc::Severity, int>, 3> kSeverities = {{
        {pc::Severity::kGeneral, 600},
        {pc::Severity::kSerious, 300},
        {pc::Severity::kMajor, 100},
    }};
    Mix rng(static_cast<std::uint64_t>(id) * 0x2545f4914f6cdd1dULL + 20171219);
    const auto day_index =
        static_cast<std::size_t>((id - 1) * static_cast<std::int64_t>(days_.size()) / problems_);
    const Day day = days_[std::min(day_index, days_.size() - 1)];
    const auto& counties = campaign_.counties();
    const campaign::County& county = counties[rng.Below(counties.size())];

    pd::ProblemAssigned a;
    a.problem_id = id;
    a.report_id = id;
    int pick = static_cast<int>(rng.Below(1000));
    for (const auto& [channel, share] : kChannels) {
      a.channel = channel;
      if (pick < share) break;
      pick -= share;
    }
    pick = static_cast<int>(rng.Below(1000));
    for (const auto& [severity, share] : kSeverities) {
      a.severity = severity;
      if (pick < share) break;
      pick -= share;
    }
    a.category = pc::kCategoryValues[rng.Below(pc::kCategoryValues.size())];
    a.jurisdiction = std::to_string(county.code);
    a.city = std::to_string(county.jurisdiction);
    a.assigned_at = timeutil::StartOfDay(day, campaign_.info().utc_offset_minutes) +
                    static_cast<std::int64_t>(8 * 3600 + 1800 + rng.Below(9 * 3600)) * 1000;
    a.title = fmt::format("{}：{}", county.name, kTitles[rng.Below(kTitles.size())]);
    if (auto group = campaign_.SupervisionGroupFor(county.code, day)) {
      a.supervising_group = std::string(*group);
    }
    if (auto round = campaign_.RoundAt(day)) a.round = round->number;

    const std::string channel(pc::ToString(a.channel));
    const campaign::ChannelInfo* info = campaign_.FindChannel(channel);
    if (info == nullptr) Fail("campaign has no channel " + channel);
    const campaign::DeadlinePolicy& policy = campaign_.policy();
    int working_days = 0;
    if (info->citizen) {
      a.kind = pd::AssignmentKind::kVerification;
      a.body = pd::Body{std::to_string(county.jurisdiction),
                        std::string(campaign_.BureauFor(county.code).value_or("")),
                        pd::BodyKind::kCityBureau};
      working_days = policy.VerificationWorkingDays();
    } else {
      a.kind = pd::AssignmentKind::kRectification;
      a.body = pd::Body{std::to_string(county.code),
                        std::string(campaign_.GovernmentOf(county.code).value_or("")),
                        campaign_.IsCity(county.code) ? pd::BodyKind::kCityGovernment
                                                      : pd::BodyKind::kCountyGovernment};
      const auto listed = policy.IsListedByRule(channel, 1);
      if (!listed) Fail("listing rule: " + listed.error().message);
      a.listed = *listed;
      if (a.listed) a.listing_reason = pd::ListingReason::kChannel;
      const auto days = policy.RectificationWorkingDays(channel, pc::ToString(a.category),
                                                        pc::ToString(a.severity), a.listed);
      if (!days) Fail("deadline policy: " + days.error().message);
      working_days = *days;
    }
    const auto deadline = campaign_.calendar().AddWorkingDays(day, working_days);
    if (!deadline) Fail("deadline: " + deadline.error().message);
    a.deadline = timeutil::FormatDate(*deadline);
    return a;
  }

 private:
  const campaign::Campaign& campaign_;
  std::vector<Day> days_;
  std::int64_t problems_;
};

// What a sweep emits, by kind of clock event.
struct EventCounts {
  std::int64_t entries = 0;  // entries with at least one event
  std::int64_t warnings = 0;
  std::int64_t overdue = 0;
  std::int64_t escalated = 0;
  std::int64_t events() const { return warnings + overdue + escalated; }
};

void CountEvents(const std::vector<tracking::Event>& events, EventCounts& c) {
  if (!events.empty()) ++c.entries;
  for (const tracking::Event& e : events) {
    if (std::holds_alternative<tracking::DeadlineWarning>(e)) ++c.warnings;
    if (std::holds_alternative<tracking::Overdue>(e)) ++c.overdue;
    if (std::holds_alternative<tracking::Escalated>(e)) ++c.escalated;
  }
}

// What the pure Ledger decides for the same problems and days: the reference every sweep of the
// store is checked against.
struct Expected {
  EventCounts catch_up, day, jump;
  std::int64_t verification = 0, rectification = 0, listed = 0;
  std::map<int, std::int64_t> deadline_days;  // working days to the deadline -> problems
};

Expected ExpectedSweeps(const ProblemMaker& maker, const tracking::Ledger& ledger,
                        const campaign::Campaign& campaign, std::int64_t problems, Day catch_up,
                        Day day, Day jump) {
  Expected ex;
  for (std::int64_t id = 1; id <= problems; ++id) {
    const pd::ProblemAssigned a = maker.Make(id);
    auto opened = ledger.OnAssigned(a);
    if (!opened) {
      Fail("the ledger refuses problem " + std::to_string(id) + ": " + opened.error().message);
    }
    tracking::LedgerEntry entry = std::move(opened->entry);
    (a.kind == pd::AssignmentKind::kVerification ? ex.verification : ex.rectification) += 1;
    if (a.listed) ++ex.listed;
    ++ex.deadline_days[campaign.calendar()
                           .WorkingDaysBetween(entry.deadline_started_day, entry.deadline)
                           .value()];
    for (const auto& [on, counts] :
         {std::pair{catch_up, &ex.catch_up}, std::pair{day, &ex.day}, std::pair{jump, &ex.jump}}) {
      auto swept = ledger.Sweep(entry, on);
      if (!swept) Fail("pure sweep: " + swept.error().message);
      CountEvents(swept->events, *counts);
      entry = std::move(swept->entry);
    }
  }
  return ex;
}

// Loads the ledger as tracking's consumer of dispatch's assignments would: ApplyBatch (cursor
// compare-and-set, dead letters) with the AssignmentApplier, one transaction per batch.
struct Load {
  std::int64_t events = 0;
  std::int64_t batches = 0;
  double apply_s = 0;  // inside ApplyBatch
  double total_s = 0;  // with making and encoding the events
  std::int64_t ledger_rows = 0, open_rows = 0, dead_letters = 0;
};

Load LoadLedger(const Options& o, const Cluster& pg, db::Connection& conn,
                const ProblemMaker& maker, tracking::AssignmentApplier& applier) {
  Load out;
  stream::StreamConsumerSettings settings;
  settings.schema = tracking::kSchema;
  settings.producer = "dispatch";
  settings.stream = "assignments";
  settings.consumer = "tracking-bench";
  stream::StreamConsumerStats stats;
  const stream::ApplyFn apply = applier.AsApplyFn();
  const TimePoint start = SteadyClock::now();
  double last_note = 0;
  for (std::int64_t first = 1; first <= o.problems; first += o.load_batch) {
    const std::int64_t last = std::min(o.problems, first + o.load_batch - 1);
    std::vector<stream::IncomingEvent> batch;
    batch.reserve(static_cast<std::size_t>(last - first + 1));
    for (std::int64_t id = first; id <= last; ++id) {
      batch.push_back(stream::IncomingEvent{id, std::string(pd::ProblemAssigned::kType),
                                            pd::Encode(maker.Make(id))});
    }
    const TimePoint t0 = SteadyClock::now();
    const std::int64_t applied = stream::ApplyBatch(conn, settings, batch, apply, stats);
    out.apply_s += Seconds(SteadyClock::now() - t0);
    if (applied != last) Fail(fmt::format("the load stopped at event {} of {}", applied, last));
    ++out.batches;
    out.events = last;
    const double t = Seconds(SteadyClock::now() - start);
    if (t - last_note >= 15) {
      fmt::print("tracking_bench:   {} of {} problems applied ({:.0f}/s)\n", last, o.problems,
                 static_cast<double>(last) / out.apply_s);
      std::fflush(stdout);
      last_note = t;
    }
  }
  out.total_s = Seconds(SteadyClock::now() - start);
  out.ledger_rows = std::stoll(pg.Value("SELECT count(*) FROM tracking.ledger"));
  out.open_rows = std::stoll(
      pg.Value("SELECT count(*) FROM tracking.ledger WHERE state IN ('awaiting_verification', "
               "'in_rectification')"));
  out.dead_letters = std::stoll(pg.Value("SELECT count(*) FROM tracking.dead_letter"));
  return out;
}

// Resident set of a process, in KiB, from /proc/<pid>/status: peak (VmHWM), current (VmRSS)
// and its private anonymous part (RssAnon; a backend's VmRSS also counts shared buffers).
struct Memory {
  std::int64_t hwm_kib = 0;
  std::int64_t rss_kib = 0;
  std::int64_t anon_kib = 0;
};

Memory MemoryOf(const std::string& pid) {
  std::istringstream in(ReadFile("/proc/" + pid + "/status"));
  std::string line;
  Memory m;
  while (std::getline(in, line)) {
    auto value = [&] { return std::stoll(line.substr(line.find(':') + 1)); };
    if (line.rfind("VmHWM:", 0) == 0) m.hwm_kib = value();
    if (line.rfind("VmRSS:", 0) == 0) m.rss_kib = value();
    if (line.rfind("RssAnon:", 0) == 0) m.anon_kib = value();
  }
  return m;
}

// Resets the peak (VmHWM) to the current RSS (Linux: "5" to /proc/<pid>/clear_refs).
bool ResetPeak(const std::string& pid) {
  std::ofstream f("/proc/" + pid + "/clear_refs");
  f << "5";
  f.flush();
  return static_cast<bool>(f);
}

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double TicksToSeconds(std::uint64_t ticks) {
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Samples the database backends of one application_name in one database every `period` on its
// own thread (connected to database postgres, so its queries count in no figure of the one
// sampled): per busy backend, the statement it runs (named by the first label whose needle it
// contains) and what it waits on. A backend "idle in transaction" waits for its client: the
// client's own work (reading rows, deciding, encoding) and the round trip.
class StatementProfile {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;  // (needle, label)

  StatementProfile(const Cluster& pg, const std::string& dbname, std::string application,
                   Labels labels, std::chrono::milliseconds period)
      : labels_(std::move(labels)),
        thread_([this, url = pg.Url("postgres", "postgres"), dbname,
                 application = std::move(application),
                 period](std::stop_token stop) { Loop(stop, url, dbname, application, period); }) {
    while (!ready_.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

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
  std::string Statement(const std::string& q) const {
    for (const auto& [needle, name] : labels_) {
      if (q.find(needle) != std::string::npos) return name;
    }
    std::string s = q.substr(0, 50);
    std::replace(s.begin(), s.end(), '\n', ' ');
    return s;
  }

  void Loop(std::stop_token stop, const std::string& url, const std::string& dbname,
            const std::string& application, std::chrono::milliseconds period) {
    pqxx::connection c{url};
    c.prepare("sample",
              "SELECT state, coalesce(wait_event_type || ':' || wait_event, ''), query "
              "FROM pg_stat_activity WHERE application_name = $1 AND datname = $2");
    ready_ = true;
    while (!stop.stop_requested()) {
      {
        pqxx::nontransaction n{c};
        const pqxx::result r = n.exec_prepared("sample", application, dbname);
        for (const auto& row : r) {
          const std::string state = row[0].is_null() ? "" : row[0].as<std::string>();
          if (state == "idle") continue;
          const std::string wait = row[1].as<std::string>();
          const std::string stmt = Statement(row[2].is_null() ? "" : row[2].as<std::string>());
          std::string label;
          if (state == "idle in transaction") {
            label = "idle in transaction (client work + round trip)";
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

  Labels labels_;
  std::atomic<bool> ready_{false};
  std::map<std::string, int> counts_;
  int samples_ = 0;
  std::jthread thread_;
};

const StatementProfile::Labels& SweepLabels() {
  static const StatementProfile::Labels labels = {
      {"FROM tracking.ledger_clock WHERE problem_id", "select due entries"},
      {"FROM tracking.ledger_clock WHERE next_due_day", "select the due window"},
      {"\"tracking\".stream_head", "append events (outbox, numbered)"},
      {"\"tracking\".outbox", "append events (outbox, numbered)"},
      {"UPDATE tracking.ledger_clock", "update marks (ledger_clock)"},
      {"INSERT INTO tracking.history", "insert history"},
      {"COPY tracking.history", "insert history (COPY)"},
      {"COMMIT", "COMMIT"},
      {"BEGIN", "BEGIN"},
  };
  return labels;
}

// PostgreSQL 15 publishes a backend's statistics (commits, WAL) at most once a second, or after
// 10 s of idleness: this makes the backend behind `conn` publish them now, so that the counters
// read next include all it did.
void FlushStats(db::Connection& conn) {
  conn.Read([](pqxx::read_transaction& r) { r.exec("SELECT pg_stat_force_next_flush()"); });
}

std::int64_t LedgerHead(db::Connection& conn) {
  return conn.Read([](pqxx::read_transaction& r) {
    return stream::Outbox(tracking::kSchema).Head(r, tracking::kLedgerStream);
  });
}

// The sweep's connections, one per worker, as ducha-tracking's Sweeper opens them.
class SweepConnections {
 public:
  SweepConnections(const Cluster& pg, const std::string& dbname, int workers) : db_(dbname) {
    for (int w = 0; w < workers; ++w) {
      owned_.push_back(std::make_unique<db::Connection>(
          db::DbSettings{pg.Url(dbname, "ducha_tracking"), kSweepApp}, std::stop_token{}));
      all_.push_back(owned_.back().get());
    }
  }
  const std::string& db() const { return db_; }
  std::span<db::Connection* const> all() const { return all_; }
  db::Connection& first() { return *owned_.front(); }
  int workers() const { return static_cast<int>(all_.size()); }
  // Closes them all (CREATE DATABASE needs its template without sessions); the next use
  // reconnects.
  void Reset() {
    for (auto& c : owned_) c->Reset();
  }
  std::vector<pid_t> Backends() {
    std::vector<pid_t> out;
    for (auto& c : owned_) out.push_back(c->Raw().backendpid());
    return out;
  }
  void FlushAllStats() {
    for (auto& c : owned_) FlushStats(*c);
  }

 private:
  std::string db_;
  std::vector<std::unique_ptr<db::Connection>> owned_;
  std::vector<db::Connection*> all_;
};

// One timed sweep (SweepDueParallel over the workers' connections; one worker is SweepDue),
// with what it cost.
struct SweepRun {
  std::string db;
  Day day = 0;
  int chunk = 0;
  int workers = 0;
  std::int64_t rows_due = 0;  // next_due_day <= day before the sweep
  tracking::SweepStats stats;
  double seconds = 0;
  std::int64_t head_before = 0, head_after = 0;
  Memory self_before, self_after;  // this process; its peak was reset just before the sweep
  std::int64_t backend_anon_before_kib = 0, backend_anon_after_kib = 0, backend_hwm_kib = 0;
  bool peak_reset = false;
  double client_cpu_s = 0;   // this process: rows read, decisions, events encoded
  double backend_cpu_s = 0;  // the workers' PostgreSQL backends
  ServerCounters c0, c1;
  std::vector<std::pair<double, std::string>> profile;
  int profile_samples = 0;

  double events_per_s() const {
    return seconds > 0 ? static_cast<double>(stats.events) / seconds : 0;
  }
  std::int64_t growth_kib() const { return self_after.hwm_kib - self_before.rss_kib; }
};

SweepRun TimedSweep(const Cluster& pg, SweepConnections& conns, const tracking::Ledger& ledger,
                    Day day, int chunk) {
  SweepRun run;
  run.db = conns.db();
  run.day = day;
  run.chunk = chunk;
  run.workers = conns.workers();
  run.rows_due = conns.first().Read([&](pqxx::read_transaction& r) {
    return r
        .exec_params1("SELECT count(*) FROM tracking.ledger_clock WHERE next_due_day <= $1",
                      static_cast<long long>(day))[0]
        .as<std::int64_t>();
  });
  run.head_before = LedgerHead(conns.first());
  const std::vector<pid_t> backends = conns.Backends();
  StatementProfile profile(pg, run.db, kSweepApp, SweepLabels(), std::chrono::milliseconds(10));
  conns.FlushAllStats();
  run.c0 = ReadServerCounters(pg, run.db);
  // Freed heap goes back to the system first, so the peak shows what this sweep holds, not
  // what an earlier phase left allocated for reuse.
  malloc_trim(0);
  run.peak_reset = ResetPeak("self");
  run.self_before = MemoryOf("self");
  std::uint64_t backend_ticks = 0;
  for (pid_t b : backends) {
    ResetPeak(std::to_string(b));  // for the details only: needs the right to write to its /proc
    run.backend_anon_before_kib += MemoryOf(std::to_string(b)).anon_kib;
    backend_ticks += ProcessTicks(b);
  }
  const double cpu0 = ProcessCpuSeconds();
  const TimePoint t0 = SteadyClock::now();
  const auto swept = tracking::SweepDueParallel(conns.all(), ledger,
                                                stream::Outbox(tracking::kSchema), day, chunk);
  run.seconds = Seconds(SteadyClock::now() - t0);
  run.client_cpu_s = ProcessCpuSeconds() - cpu0;
  std::uint64_t backend_ticks_after = 0;
  for (pid_t b : backends) {
    backend_ticks_after += ProcessTicks(b);
    const Memory m = MemoryOf(std::to_string(b));
    run.backend_anon_after_kib += m.anon_kib;
    run.backend_hwm_kib = std::max(run.backend_hwm_kib, m.hwm_kib);
  }
  run.backend_cpu_s = TicksToSeconds(backend_ticks_after - backend_ticks);
  run.self_after = MemoryOf("self");
  std::tie(run.profile, run.profile_samples) = profile.Finish();
  if (!swept) Fail("SweepDue(" + timeutil::FormatDate(day) + "): " + swept.error().message);
  run.stats = *swept;
  conns.FlushAllStats();
  run.c1 = ReadServerCounters(pg, run.db);
  run.head_after = LedgerHead(conns.first());
  return run;
}

// CREATE DATABASE copies a template only while nobody else is connected to it; autovacuum may
// be, for a moment.
void CloneDatabase(const Cluster& pg, const std::string& from, const std::string& to) {
  pqxx::connection c{pg.Url("postgres", "postgres")};
  for (int attempt = 0;; ++attempt) {
    try {
      pqxx::nontransaction n{c};
      n.exec("CREATE DATABASE " + to + " TEMPLATE " + from + " STRATEGY = FILE_COPY");
      return;
    } catch (const pqxx::sql_error& e) {
      if (attempt >= 50 || std::string(e.what()).find("being accessed") == std::string::npos) {
        throw;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
}

void DropDatabase(const Cluster& pg, const std::string& name) {
  pqxx::connection c{pg.Url("postgres", "postgres")};
  pqxx::nontransaction n{c};
  n.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

// Every clock event of the ledger stream, decoded: how many of each kind, and how many repeat
// the (problem, kind, fraction or rung) of an earlier one.
struct ClockEvents {
  std::int64_t rows = 0;  // all events of the ledger stream
  EventCounts counts;
  std::int64_t other = 0;
  std::int64_t undecodable = 0;
  std::int64_t duplicates = 0;
  std::string first_duplicate;
};

ClockEvents DecodeClockEvents(const Cluster& pg, const std::vector<double>& fractions) {
  ClockEvents out;
  pqxx::connection c{pg.Admin()};
  pqxx::nontransaction n{c};
  const std::int64_t head = n.exec(
                                 "SELECT coalesce(max(last_seq), 0) FROM tracking.stream_head "
                                 "WHERE stream = 'ledger'")[0][0]
                                .as<std::int64_t>();
  // (problem id << 8) | what: 1.. the warning's fraction index, 64 overdue, 128 + rung.
  std::vector<std::uint64_t> keys;
  keys.reserve(static_cast<std::size_t>(head));
  constexpr std::int64_t kPage = 50'000;
  for (std::int64_t from = 0; from < head; from += kPage) {
    const pqxx::result rows = n.exec_params(
        "SELECT type, payload FROM tracking.outbox WHERE stream = 'ledger' AND seq > $1 AND "
        "seq <= $2",
        from, from + kPage);
    for (const auto& row : rows) {
      ++out.rows;
      const std::string type = row[0].as<std::string>();
      const bool warning = type == pt::DeadlineWarning::kType;
      const bool overdue = type == pt::Overdue::kType;
      const bool escalated = type == pt::Escalated::kType;
      if (!warning && !overdue && !escalated) {
        ++out.other;
        continue;
      }
      const pqxx::binarystring bytes(row[1]);
      auto frame = proto::ParseMessage(bytes.str());
      if (!frame) {
        ++out.undecodable;
        continue;
      }
      std::int64_t problem = 0;
      std::uint64_t what = 0;
      if (warning) {
        auto w = codec::DecodeAs<pt::DeadlineWarning>(*frame);
        const auto it =
            w ? std::find(fractions.begin(), fractions.end(), w->fraction) : fractions.end();
        if (it == fractions.end()) {
          ++out.undecodable;
          continue;
        }
        problem = w->problem_id;
        what = 1 + static_cast<std::uint64_t>(it - fractions.begin());
        ++out.counts.warnings;
      } else if (overdue) {
        auto d = codec::DecodeAs<pt::Overdue>(*frame);
        if (!d) {
          ++out.undecodable;
          continue;
        }
        problem = d->problem_id;
        what = 64;
        ++out.counts.overdue;
      } else {
        auto e = codec::DecodeAs<pt::Escalated>(*frame);
        if (!e || e->rung < 1 || e->rung > 100) {
          ++out.undecodable;
          continue;
        }
        problem = e->problem_id;
        what = 128 + static_cast<std::uint64_t>(e->rung);
        ++out.counts.escalated;
      }
      keys.push_back((static_cast<std::uint64_t>(problem) << 8) | what);
    }
  }
  std::sort(keys.begin(), keys.end());
  for (std::size_t i = 1; i < keys.size(); ++i) {
    if (keys[i] != keys[i - 1]) continue;
    if (out.duplicates == 0) {
      out.first_duplicate = fmt::format("problem {} event code {}", keys[i] >> 8, keys[i] & 0xff);
    }
    ++out.duplicates;
  }
  return out;
}

// The bodies' closed loop against the in-process ActionServer.
struct Bodies {
  ClientTally tally;
  double rate = 0;
  std::int64_t progress_rows = 0;    // tracking.history 'progress' lines added
  std::int64_t action_requests = 0;  // tracking.action_request rows added
  std::int64_t progress_events = 0;  // tracking.progress_reported events added
  std::uint64_t batches_window = 0;  // ActionServer commits during the window
  std::uint64_t done_window = 0;
  std::int64_t problems_per_body_min = 0, problems_per_body_max = 0;
  double process_cpu = 0, machine_busy = 0;
  ServerCounters c0, c1;
};

std::int64_t Count(const Cluster& pg, const std::string& sql) { return std::stoll(pg.Value(sql)); }

// One body: its own CURVE key and DEALER socket; progress on its problems in turn, each request
// with its own request id; the next one after the reply.
ClientTally BodyLoop(zmq::context_t& ctx, const std::string& endpoint,
                     const std::string& server_public, const transport::KeyPair& keys, int body,
                     const std::vector<std::int64_t>& problems, TimePoint window_start,
                     TimePoint window_end) {
  ClientTally t;
  Client c(ctx, endpoint, server_public, keys);
  std::uint64_t seq = 0;
  while (SteadyClock::now() < window_end) {
    const std::string corr = fmt::format("{}-{}", body, seq);
    pt::ReportProgress m;
    m.request_id = fmt::format("bench-{:03}-{}", body, seq);
    m.problem_id = problems[seq % problems.size()];
    m.text = fmt::format("第{}次进展：已停工整改，正在清理现场", seq + 1);
    ++seq;
    const std::string payload = pt::Encode(m, corr);
    const TimePoint sent_at = SteadyClock::now();
    ++t.sent;
    if (!c.Send(payload)) {
      t.NoteError("send failed");
      continue;
    }
    std::optional<codec::Frame> reply;
    std::string bytes;
    const auto deadline = sent_at + kReplyTimeout;
    while (!reply && SteadyClock::now() < deadline) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
      auto got = c.Receive(std::max(left, std::chrono::milliseconds(1)));
      if (!got) continue;
      bytes = std::move(*got);
      auto frame = proto::ParseMessage(bytes);
      if (!frame) {
        t.NoteError("unparseable reply: " + frame.error().message);
        break;
      }
      if (frame->id() == corr || frame->id().empty()) reply = std::move(frame).value();
    }
    const TimePoint done = SteadyClock::now();
    if (!reply) {
      if (done >= deadline)
        t.NoteError("timeout after " + std::to_string(kReplyTimeout.count()) + " s");
      continue;
    }
    if (reply->type() == pc::ErrorReply::kType) {
      auto e = codec::DecodeAs<pc::ErrorReply>(*reply);
      t.NoteError(e ? e->code + ": " + e->message : "error reply");
      continue;
    }
    if (reply->type() != pt::ActionDone::kType || !codec::DecodeAs<pt::ActionDone>(*reply)) {
      t.NoteError("unexpected reply " + std::string(reply->type()));
      continue;
    }
    ++t.receipts;
    if (sent_at >= window_start && done <= window_end) {
      ++t.receipts_window;
      t.latencies_ms.push_back(std::chrono::duration<double, std::milli>(done - sent_at).count());
    }
  }
  return t;
}

Bodies RunBodies(const Options& o, const Cluster& pg, const campaign::Campaign& campaign,
                 const tracking::Ledger& ledger, tracking::AssignmentApplier& applier, Day day) {
  Bodies b;
  // Open problems of every county, the newest first (up to 32 each).
  std::map<std::int32_t, std::vector<std::int64_t>> by_county;
  {
    pqxx::connection c{pg.Admin()};
    pqxx::nontransaction n{c};
    const pqxx::result rows = n.exec(
        "SELECT jurisdiction, problem_id FROM (SELECT jurisdiction, problem_id, row_number() "
        "OVER (PARTITION BY jurisdiction ORDER BY problem_id DESC) AS rn FROM tracking.ledger "
        "WHERE state IN ('awaiting_verification', 'in_rectification')) x WHERE rn <= 32");
    for (const auto& row : rows) {
      by_county[row[0].as<std::int32_t>()].push_back(row[1].as<std::int64_t>());
    }
  }
  const auto& counties = campaign.counties();
  std::vector<transport::KeyPair> keys;
  std::vector<std::vector<std::int64_t>> problems;
  auth::Registry registry;
  {
    auth::Registry::Snapshot snap;
    for (int i = 0; i < o.clients; ++i) {
      const campaign::County& county = counties[static_cast<std::size_t>(i) % counties.size()];
      const auto it = by_county.find(county.code);
      if (it == by_county.end()) {
        Fail(fmt::format("county {} ({}) has no open problem in the ledger; raise --problems",
                         county.code, county.name));
      }
      problems.push_back(it->second);
      keys.push_back(transport::GenerateKeyPair());
      const std::string name = fmt::format("bench-body-{:03}-{}", i, county.code);
      snap.identities.emplace(
          name, auth::Identity{name, auth::Role::kBody, {}, {std::to_string(county.code)}});
      snap.key_to_identity.emplace(keys.back().public_z85, name);
    }
    registry.Replace(std::move(snap));
  }
  b.problems_per_body_min = b.problems_per_body_max = static_cast<std::int64_t>(problems[0].size());
  for (const auto& p : problems) {
    b.problems_per_body_min =
        std::min(b.problems_per_body_min, static_cast<std::int64_t>(p.size()));
    b.problems_per_body_max =
        std::max(b.problems_per_body_max, static_cast<std::int64_t>(p.size()));
  }

  const std::int64_t progress0 =
      Count(pg, "SELECT count(*) FROM tracking.history WHERE what = 'progress'");
  const std::int64_t requests0 = Count(pg, "SELECT count(*) FROM tracking.action_request");
  const std::int64_t events0 =
      Count(pg, "SELECT count(*) FROM tracking.outbox WHERE type = 'tracking.progress_reported'");

  const transport::KeyPair server_keys = transport::GenerateKeyPair();
  SimulatedClock clock(timeutil::StartOfDay(day, campaign.info().utc_offset_minutes) +
                       10 * 3600 * 1000);
  zmq::context_t server_ctx(1);
  // Bound before the server socket exists (fail closed), as ducha-tracking does.
  transport::ZapHandler zap(
      server_ctx,
      [&registry](std::string_view mech, std::string_view key) -> std::optional<std::string> {
        if (mech != "CURVE") return std::nullopt;
        return registry.IdentityForKey(key);
      });
  tracking::ActionSettings settings;
  settings.endpoint = "tcp://127.0.0.1:0";
  settings.security.secret_key_z85 = server_keys.secret_z85;
  tracking::ActionServer server(settings, server_ctx, campaign, ledger, registry, clock,
                                db::DbSettings{pg.Url("ducha", "ducha_tracking"), kActionsApp},
                                applier.AsApplyFn());
  server.Bind();
  const std::string endpoint = server.BoundEndpoint();
  std::jthread serving([&server](std::stop_token stop) { server.Run(stop); });

  zmq::context_t client_ctx(2);
  const TimePoint start = SteadyClock::now();
  const TimePoint window = start + std::chrono::seconds(o.warmup_s);
  const TimePoint end = window + std::chrono::seconds(o.duration_s);
  std::jthread marker([&] {
    std::this_thread::sleep_until(window);
    b.c0 = ReadServerCounters(pg);
    const std::uint64_t batches0 = server.stats().batches.load();
    const std::uint64_t done0 = server.stats().done.load();
    const std::uint64_t ticks0 = ProcessTicks(getpid());
    const MachineTicks m0 = ReadMachineTicks();
    std::this_thread::sleep_until(end);
    const MachineTicks m1 = ReadMachineTicks();
    b.process_cpu = 100.0 * TicksToSeconds(ProcessTicks(getpid()) - ticks0) / o.duration_s;
    b.machine_busy = m1.total > m0.total ? 100.0 * static_cast<double>(m1.busy - m0.busy) /
                                               static_cast<double>(m1.total - m0.total)
                                         : 0;
    b.batches_window = server.stats().batches.load() - batches0;
    b.done_window = server.stats().done.load() - done0;
    b.c1 = ReadServerCounters(pg);
  });
  b.tally = RunClients(o.clients, [&](int i) {
    const auto k = static_cast<std::size_t>(i);
    return BodyLoop(client_ctx, endpoint, server_keys.public_z85, keys[k], i, problems[k], window,
                    end);
  });
  marker.join();
  serving.request_stop();
  serving.join();
  b.rate = static_cast<double>(b.tally.receipts_window) / o.duration_s;
  b.progress_rows =
      Count(pg, "SELECT count(*) FROM tracking.history WHERE what = 'progress'") - progress0;
  b.action_requests = Count(pg, "SELECT count(*) FROM tracking.action_request") - requests0;
  b.progress_events = Count(pg,
                            "SELECT count(*) FROM tracking.outbox WHERE type = "
                            "'tracking.progress_reported'") -
                      events0;
  return b;
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
  // Full-page images are the first change of a page after a checkpoint; the LSNs let
  // pg_waldump --stats=record show which relations and records the WAL went to.
  fmt::print(
      "              WAL {:.0f} MiB in {:.0f} records, {:.0f} full-page images; LSN {} .. {}\n",
      (b.wal_bytes - a.wal_bytes) / 1048576.0, b.wal_records - a.wal_records, b.wal_fpi - a.wal_fpi,
      a.wal_lsn, b.wal_lsn);
}

double MiB(std::int64_t kib) { return static_cast<double>(kib) / 1024.0; }

// The most clock events one entry can emit: every warning, the overdue notice, every rung.
int MaxEventsPerEntry(const campaign::DeadlinePolicy& policy) {
  return static_cast<int>(policy.EarlyWarningFractions().size() + 1 + policy.Escalation().size());
}

// Each worker holds one chunk at a time.
std::int64_t FlatLimitKib(const SweepRun& r, int max_events) {
  return kFlatKibAllowance + static_cast<std::int64_t>(r.workers) * r.chunk *
                                 (kFlatKibPerEntry + kFlatKibPerEvent * max_events);
}

void PrintSweep(const char* name, const SweepRun& r, int max_events, bool with_profile) {
  fmt::print(
      "  {:<11} {} on {} (chunk {}, {} workers): {} entries due, {} emitted {} events in {} "
      "chunks ({} swept again locked), {:.2f} s ({:.0f} events/s, {:.0f} entries/s)\n",
      name, timeutil::FormatDate(r.day), r.db, r.chunk, r.workers, r.rows_due, r.stats.entries,
      r.stats.events, r.stats.chunks, r.stats.retried, r.seconds, r.events_per_s(),
      r.seconds > 0 ? static_cast<double>(r.rows_due) / r.seconds : 0.0);
  fmt::print(
      "              CPU: this process {:.2f} s (rows read, decisions, events encoded), the "
      "workers' PostgreSQL backends {:.2f} s, in {:.2f} s wall\n",
      r.client_cpu_s, r.backend_cpu_s, r.seconds);
  PrintCounters(r.c0, r.c1, r.seconds);
  fmt::print(
      "              memory: this process RSS {:.1f} MiB before, peak {:.1f} MiB during (growth "
      "{:.1f} MiB, flat limit for {} x chunk {} {:.1f} MiB){}; backends private {:.1f} -> {:.1f} "
      "MiB, largest peak RSS {:.1f} MiB\n",
      MiB(r.self_before.rss_kib), MiB(r.self_after.hwm_kib), MiB(r.growth_kib()), r.workers,
      r.chunk, MiB(FlatLimitKib(r, max_events)),
      r.peak_reset ? "" : " (peak NOT reset: growth is since start)",
      MiB(r.backend_anon_before_kib), MiB(r.backend_anon_after_kib), MiB(r.backend_hwm_kib));
  if (!with_profile) return;
  fmt::print(
      "              where the backends' time went, {} samples every 10 ms (% of samples; with "
      "several workers the shares add up to more than 100):\n",
      r.profile_samples);
  for (const auto& [share, label] : r.profile) {
    if (share >= 0.5) fmt::print("      {:5.1f}%  {}\n", share, label);
  }
}

std::string Describe(const EventCounts& c) {
  return fmt::format("{} events ({} warnings, {} overdue, {} escalations) for {} entries",
                     c.events(), c.warnings, c.overdue, c.escalated, c.entries);
}

int Run(const Options& o) {
  log::LogSettings quiet;
  quiet.level = "warn";
  log::Init(quiet);
  const Cluster pg(o.pg_dir);
  auto campaign = campaign::LoadCampaign(o.campaign_dir);
  if (!campaign) Fail("campaign: " + campaign.error().field + ": " + campaign.error().message);
  const tracking::Ledger ledger(*campaign);
  const campaign::Calendar& calendar = campaign->calendar();
  const int max_events = MaxEventsPerEntry(campaign->policy());

  // The days: assignments on the working days before the bench day, a catch-up sweep up to the
  // day before it, the measured day, and the jump.
  const Day today = *timeutil::ParseDate(kBenchDay);
  const Day yesterday = today - 1;
  const auto jump = calendar.AddWorkingDays(today, o.jump_days);
  if (!jump) Fail("jump: " + jump.error().message);
  std::vector<Day> days;
  for (Day d = today - 1; static_cast<int>(days.size()) < kAssignmentDays; --d) {
    if (calendar.IsWorkingDay(d).value()) days.insert(days.begin(), d);
  }
  const ProblemMaker maker(*campaign, days, o.problems);

  fmt::print("tracking_bench: setting up the cluster on port {}\n", pg.port());
  DatabaseSetUp setup;
  setup.services = {"tracking"};
  setup.note = "tracking_bench";
  SetUpDatabase(pg, setup);
  db::Connection conn(db::DbSettings{pg.Url("ducha", "ducha_tracking"), "tracking-bench-load"},
                      std::stop_token{});
  db::Migrate(conn, tracking::kSchema, "outbox", stream::OutboxMigrations());
  db::Migrate(conn, tracking::kSchema, "inbox", stream::InboxMigrations());
  db::Migrate(conn, tracking::kSchema, "service", tracking::Migrations());

  fmt::print(
      "tracking_bench: {} problems assigned {} .. {} ({} working days); the pure Ledger's sweeps "
      "of {}, {} and {} (the reference)\n",
      o.problems, timeutil::FormatDate(days.front()), timeutil::FormatDate(days.back()),
      days.size(), timeutil::FormatDate(yesterday), timeutil::FormatDate(today),
      timeutil::FormatDate(*jump));
  std::fflush(stdout);
  const TimePoint expect_start = SteadyClock::now();
  const Expected ex = ExpectedSweeps(maker, ledger, *campaign, o.problems, yesterday, today, *jump);
  const double expect_s = Seconds(SteadyClock::now() - expect_start);

  fmt::print("tracking_bench: loading the ledger through the AssignmentApplier, {} per batch\n",
             o.load_batch);
  std::fflush(stdout);
  tracking::AssignmentApplier applier(ledger);
  const Load load = LoadLedger(o, pg, conn, maker, applier);

  conn.Reset();
  SweepConnections sweepers(pg, "ducha", o.sweep_workers);
  const int largest = *std::max_element(o.chunks.begin(), o.chunks.end());
  fmt::print("tracking_bench: catch-up sweep of {} (chunk {}, {} workers)\n",
             timeutil::FormatDate(yesterday), largest, o.sweep_workers);
  std::fflush(stdout);
  const SweepRun catch_up = TimedSweep(pg, sweepers, ledger, yesterday, largest);
  // The state autovacuum would leave the tables in, and a clean start for WAL.
  const TimePoint vacuum_start = SteadyClock::now();
  pg.Exec(
      "VACUUM ANALYZE tracking.ledger, tracking.ledger_clock, tracking.history, tracking.outbox");
  pg.Exec("CHECKPOINT");
  const double vacuum_s = Seconds(SteadyClock::now() - vacuum_start);
  const std::string db_size = pg.Value("SELECT pg_size_pretty(pg_database_size('ducha'))");

  // Each chunk size on its own copy of the same state.
  std::vector<SweepRun> trials;
  double clone_s = 0;
  int best = o.chunks.front();
  if (o.chunks.size() > 1) {
    sweepers.Reset();
    for (int chunk : o.chunks) {
      const std::string copy = fmt::format("ducha_sweep_{}", chunk);
      fmt::print("tracking_bench: chunk {} on a copy of the database ({})\n", chunk, copy);
      std::fflush(stdout);
      const TimePoint c0 = SteadyClock::now();
      CloneDatabase(pg, "ducha", copy);
      clone_s += Seconds(SteadyClock::now() - c0);
      {
        SweepConnections trial(pg, copy, o.sweep_workers);
        trials.push_back(TimedSweep(pg, trial, ledger, today, chunk));
      }
      DropDatabase(pg, copy);
    }
    const auto fastest = std::min_element(
        trials.begin(), trials.end(),
        [](const SweepRun& a, const SweepRun& b) { return a.seconds < b.seconds; });
    best = fastest->chunk;
  }

  fmt::print("tracking_bench: the measured sweep: {} (chunk {}, {} workers)\n",
             timeutil::FormatDate(today), best, o.sweep_workers);
  std::fflush(stdout);
  const SweepRun day = TimedSweep(pg, sweepers, ledger, today, best);
  const SweepRun again = TimedSweep(pg, sweepers, ledger, today, best);
  fmt::print("tracking_bench: jump of {} working days to {} (chunk {}, {} workers)\n", o.jump_days,
             timeutil::FormatDate(*jump), best, o.sweep_workers);
  std::fflush(stdout);
  const SweepRun jumped = TimedSweep(pg, sweepers, ledger, *jump, best);

  fmt::print("tracking_bench: decoding every event of the ledger stream\n");
  std::fflush(stdout);
  const std::int64_t outbox_rows =
      Count(pg, "SELECT count(*) FROM tracking.outbox WHERE stream = 'ledger'");
  const ClockEvents decoded = DecodeClockEvents(pg, campaign->policy().EarlyWarningFractions());
  const std::int64_t reported =
      catch_up.stats.events + day.stats.events + again.stats.events + jumped.stats.events;

  fmt::print("tracking_bench: pgbench, 1 client, single-row INSERT per transaction, {} s\n",
             o.pgbench_s);
  std::fflush(stdout);
  pg.Exec("CHECKPOINT");
  const PgbenchResult limit = RunPgbench(o.pgbench, o.pgbench_s, o.work_dir, pg);

  fmt::print(
      "tracking_bench: {} bodies reporting progress to an in-process ActionServer, {} s warm-up "
      "+ {} s measured\n",
      o.clients, o.warmup_s, o.duration_s);
  std::fflush(stdout);
  Bodies bodies = RunBodies(o, pg, *campaign, ledger, applier, *jump);

  // --- verdicts ---
  auto matches = [](const SweepRun& r, const EventCounts& e) {
    return r.stats.events == e.events() && r.stats.entries == e.entries &&
           r.head_after - r.head_before == r.stats.events;
  };
  const bool day_exact = matches(day, ex.day);
  const bool catch_up_exact = matches(catch_up, ex.catch_up);
  const bool jump_exact = matches(jumped, ex.jump);
  const bool again_zero = again.stats.events == 0 && again.head_after == again.head_before;
  const bool decoded_exact =
      decoded.duplicates == 0 && decoded.undecodable == 0 && decoded.other == 0 &&
      decoded.rows == reported && outbox_rows == reported &&
      decoded.counts.warnings == ex.catch_up.warnings + ex.day.warnings + ex.jump.warnings &&
      decoded.counts.overdue == ex.catch_up.overdue + ex.day.overdue + ex.jump.overdue &&
      decoded.counts.escalated == ex.catch_up.escalated + ex.day.escalated + ex.jump.escalated;
  const bool exactly_once =
      day_exact && catch_up_exact && jump_exact && again_zero && decoded_exact;
  const bool day_flat = day.peak_reset && day.growth_kib() <= FlatLimitKib(day, max_events);
  const bool jump_flat =
      jumped.peak_reset && jumped.growth_kib() <= FlatLimitKib(jumped, max_events);
  const auto receipts = static_cast<std::int64_t>(bodies.tally.receipts);
  const bool bodies_consistent = bodies.progress_rows == receipts &&
                                 bodies.action_requests == receipts &&
                                 bodies.progress_events == receipts;
  const double p50 = Percentile(bodies.tally.latencies_ms, 0.50);
  const double p99 = Percentile(bodies.tally.latencies_ms, 0.99);

  fmt::print("\n== tracking_bench: details ==\n");
  fmt::print("  load average at the end: {} (other work on the machine skews every figure)\n",
             ReadFile("/proc/loadavg").substr(0, 14));
  {
    std::string mix;
    for (const auto& [wd, n] : ex.deadline_days) mix += fmt::format(" {} wd: {};", wd, n);
    fmt::print(
        "  ledger      {} problems: {} to verify, {} to rectify ({} listed); deadlines{} "
        "reference computed in {:.1f} s\n",
        o.problems, ex.verification, ex.rectification, ex.listed, mix, expect_s);
  }
  fmt::print(
      "              loaded in {} batches: {:.1f} s inside ApplyBatch ({:.0f} problems/s), "
      "{:.1f} s with making and encoding the events; ledger rows {}, open {}, dead letters {}\n",
      load.batches, load.apply_s, static_cast<double>(load.events) / load.apply_s, load.total_s,
      load.ledger_rows, load.open_rows, load.dead_letters);
  PrintSweep("catch-up", catch_up, max_events, true);
  fmt::print("              expected (pure Ledger): {}\n", Describe(ex.catch_up));
  fmt::print("              then VACUUM ANALYZE + CHECKPOINT in {:.1f} s; database size {}\n",
             vacuum_s, db_size);
  if (!trials.empty()) {
    fmt::print(
        "  chunk tries, each on a fresh copy of the same state ({:.1f} s copying in all); the "
        "fastest, chunk {}, sweeps the real database:\n",
        clone_s, best);
    for (const SweepRun& t : trials) PrintSweep("try", t, max_events, true);
  }
  PrintSweep("day", day, max_events, true);
  fmt::print("              expected (pure Ledger): {}\n", Describe(ex.day));
  PrintSweep("same day", again, max_events, false);
  PrintSweep("jump", jumped, max_events, true);
  fmt::print("              expected (pure Ledger): {}\n", Describe(ex.jump));
  fmt::print(
      "  events      ledger stream: {} rows; the sweeps reported {}; decoded: {} warnings, {} "
      "overdue, {} escalations, {} other, {} undecodable, {} repeated (problem, kind, fraction "
      "or rung){}\n",
      outbox_rows, reported, decoded.counts.warnings, decoded.counts.overdue,
      decoded.counts.escalated, decoded.other, decoded.undecodable, decoded.duplicates,
      decoded.duplicates > 0 ? ", first: " + decoded.first_duplicate : "");
  fmt::print("  pgbench     {:.1f} tps, mean latency {:.3f} ms (1 client, 1 row per commit)\n",
             limit.tps, limit.latency_ms);
  fmt::print(
      "  bodies      sent {}  replies action_done {}  errors {}  progress/s {:.1f}  p50 {:.2f} ms  "
      "p99 {:.2f} ms; {}..{} open problems per body\n",
      bodies.tally.sent, bodies.tally.receipts, bodies.tally.errors, bodies.rate, p50, p99,
      bodies.problems_per_body_min, bodies.problems_per_body_max);
  for (const auto& err : bodies.tally.error_samples) fmt::print("      error: {}\n", err);
  fmt::print("              ActionServer commits in the window {} (mean {:.1f} actions each)\n",
             bodies.batches_window,
             bodies.batches_window > 0 ? static_cast<double>(bodies.done_window) /
                                             static_cast<double>(bodies.batches_window)
                                       : 0.0);
  PrintCounters(bodies.c0, bodies.c1, o.duration_s);
  fmt::print(
      "              CPU (% of one core): this process (server + {} clients) {:.0f}; machine "
      "{:.0f}% busy over {} cores\n",
      o.clients, bodies.process_cpu, bodies.machine_busy, std::thread::hardware_concurrency());
  fmt::print(
      "              added: history 'progress' lines {}, action_request rows {}, "
      "progress_reported events {}\n",
      bodies.progress_rows, bodies.action_requests, bodies.progress_events);

  fmt::print("\n== tracking_bench: summary ==\n");
  fmt::print("  {:<54} {:>12}   {}\n", "figure", "value", "target");
  fmt::print("  {:<54} {:>12}\n", "open problems in the ledger", load.open_rows);
  fmt::print("  {:<54} {:>12.0f}\n", "ledger load, problems applied/s (ApplyBatch)",
             static_cast<double>(load.events) / load.apply_s);
  fmt::print("  {:<54} {:>12}\n",
             fmt::format("sweep {} (+1 working day): entries due", timeutil::FormatDate(today)),
             day.rows_due);
  fmt::print("  {:<54} {:>12}\n", "  events emitted", day.stats.events);
  fmt::print("  {:<54} {:>12.2f}   <= {:.1f}  {}\n",
             fmt::format("  sweep time, s ({} workers, chunk {}{})", o.sweep_workers, best,
                         trials.empty() ? "" : ", fastest tried"),
             day.seconds, kSweepTargetSeconds, Verdict(day.seconds <= kSweepTargetSeconds));
  fmt::print("  {:<54} {:>12.2f}   <= 1.00\n", "  ratio sweep time / 5 s target",
             day.seconds / kSweepTargetSeconds);
  fmt::print("  {:<54} {:>12.0f}\n", "  events/s", day.events_per_s());
  fmt::print("  {:<54} {:>12.2f}\n", "  CPU, s (this process + the workers' backends)",
             day.client_cpu_s + day.backend_cpu_s);
  fmt::print("  {:<54} {:>12.1f}   <= {:.1f}  {}\n", "  peak RSS growth during the sweep, MiB",
             MiB(day.growth_kib()), MiB(FlatLimitKib(day, max_events)), Verdict(day_flat));
  fmt::print("  {:<54} {:>12}   0      {}\n", "  second sweep of the same day: events",
             again.stats.events, Verdict(again_zero));
  fmt::print("  {:<54} {:>12}\n",
             fmt::format("jump +{} working days to {}: entries due", o.jump_days,
                         timeutil::FormatDate(*jump)),
             jumped.rows_due);
  fmt::print("  {:<54} {:>12}\n", "  events emitted", jumped.stats.events);
  fmt::print("  {:<54} {:>12.2f}   <= {:.1f}  {}\n", "  sweep time, s", jumped.seconds,
             kSweepTargetSeconds, Verdict(jumped.seconds <= kSweepTargetSeconds));
  fmt::print("  {:<54} {:>12.2f}   <= 1.00\n", "  ratio sweep time / 5 s target",
             jumped.seconds / kSweepTargetSeconds);
  fmt::print("  {:<54} {:>12.0f}\n", "  events/s", jumped.events_per_s());
  fmt::print("  {:<54} {:>12.2f}\n", "  CPU, s (this process + the workers' backends)",
             jumped.client_cpu_s + jumped.backend_cpu_s);
  fmt::print("  {:<54} {:>12.1f}   <= {:.1f}  {}\n", "  peak RSS growth during the sweep, MiB",
             MiB(jumped.growth_kib()), MiB(FlatLimitKib(jumped, max_events)), Verdict(jump_flat));
  fmt::print("  {:<54} {:>12}   0      {}\n", "repeated clock events in the ledger stream",
             decoded.duplicates, Verdict(decoded.duplicates == 0));
  fmt::print("  {:<54} {:>12}   {}  {}\n", "clock events in the stream = reported = pure Ledger",
             decoded.rows, ex.catch_up.events() + ex.day.events() + ex.jump.events(),
             Verdict(exactly_once));
  fmt::print("  {:<54} {:>12.1f}\n", "pgbench single-row tps (limit, same run)", limit.tps);
  fmt::print("  {:<54} {:>12.1f}\n",
             fmt::format("progress reports/s ({} bodies, closed loop)", o.clients), bodies.rate);
  fmt::print("  {:<54} {:>12.2f}\n", "ratio progress reports/s / pgbench", bodies.rate / limit.tps);
  fmt::print("  {:<54} {:>12.2f}\n", "progress reply p50, ms", p50);
  fmt::print("  {:<54} {:>12.2f}\n", "progress reply p99, ms", p99);
  fmt::print("  {:<54} {:>12}   0      {}\n", "progress errors", bodies.tally.errors,
             Verdict(bodies.tally.errors == 0));
  fmt::print("  {:<54} {:>12}   {}  {}\n", "history 'progress' lines = replies",
             bodies.progress_rows, receipts, Verdict(bodies_consistent));
  return 0;
}

}  // namespace
}  // namespace ducha::bench

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  ducha::bench::SetProgramName("tracking_bench");
  const ducha::bench::Options o = ducha::bench::ParseOptions(argc, argv);
  try {
    return ducha::bench::Run(o);
  } catch (const std::exception& e) {
    ducha::bench::Fail(e.what());
  }
}
