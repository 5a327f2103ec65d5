#pragma once
// What the benchmarks share: the throwaway cluster made by deploy/local/pg.sh and the database
// set-up on it (roles, ref schema, CURVE identities, the simulated fleet clock), a service binary
// run as a child process, the single-client pgbench that gives the machine's limit, the CURVE
// load clients of ducha-intake (report maker, closed loop), and /proc and pg_stat readings.
//
// Everything here is used from the benchmark's main thread, except the load clients: each client
// thread owns its Client and ReportMaker, and RunClients merges their tallies after joining.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "common/base/time.h"
#include "common/campaign/campaign.h"
#include "common/transport/transport.h"
#include "proto/intake.h"

namespace ducha::bench {

using SteadyClock = std::chrono::steady_clock;
using TimePoint = SteadyClock::time_point;

inline constexpr auto kReplyTimeout = std::chrono::seconds(10);
// The fleet clock during a run, and the day the reports are about (round 3 of the campaign).
inline constexpr const char* kSimulatedNow = "2017-11-25T12:00:00+08:00";
inline constexpr const char* kReportDay = "2017-11-24T00:00:00+08:00";

// Fail() prefixes its message with this name ("intake_bench: ...") and exits 1.
void SetProgramName(std::string name);
[[noreturn]] void Fail(const std::string& message);

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& text);
double Seconds(SteadyClock::duration d);
// Sorts v; the q-quantile by the nearest-rank method (0 when v is empty).
double Percentile(std::vector<double>& v, double q);
std::string Verdict(bool met);

// The throwaway cluster made by deploy/local/pg.sh: connection strings for its roles.
class Cluster {
 public:
  explicit Cluster(std::string dir);
  std::string Url(const std::string& db, const std::string& user) const;
  std::string Admin() const { return Url("ducha", "postgres"); }
  const std::string& dir() const { return dir_; }
  int port() const { return port_; }

  // First column of the first row in database ducha as postgres; empty when none or NULL.
  std::string Value(const std::string& sql) const;
  void Exec(const std::string& sql) const;

 private:
  std::string dir_;
  int port_ = 0;
};

// A TCP port on 127.0.0.1 that was free a moment ago (the services' configs need fixed ones).
int FreePort();

// A service identity (role "service") to register beside the integrations.
struct ServiceIdentity {
  std::string name;
  std::string public_z85;
};

struct DatabaseSetUp {
  std::string dbname = "ducha";
  std::vector<std::string> services;  // schemas and roles to bootstrap
  int clients = 0;                    // integrations "bench-hotline-NN" (citizen_hotline)
  std::string note;                   // stored with each identity
  std::vector<ServiceIdentity> service_identities;
};

// Database, roles, ref schema, identities and the simulated clock (kSimulatedNow); returns the
// integrations' key pairs.
std::vector<transport::KeyPair> SetUpDatabase(const Cluster& pg, const DatabaseSetUp& setup);

// A service binary as a child process, output to `log`; SIGTERM on destruction (and if this
// program dies first).
class ServiceProcess {
 public:
  // `name` is for messages ("ducha-intake"); `ready_text` is the log line that says it serves.
  ServiceProcess(std::string name, const std::string& binary, const std::string& config,
                 std::string log, std::string ready_text);
  ~ServiceProcess() { Stop(); }
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Fails the run when the process exits or the ready line does not appear within `limit`.
  void WaitServing(std::chrono::seconds limit);
  // Fails the run when the process has exited.
  void CheckAlive();
  // SIGTERM, then SIGKILL after 10 s.
  void Stop();

 private:
  std::string name_;
  std::string log_path_;
  std::string ready_text_;
  pid_t pid_ = -1;
};

struct PgbenchResult {
  double tps = 0;
  double latency_ms = 0;
};

// The machine's limit: one client, one durable single-row INSERT per transaction, `seconds` long,
// in database ducha. The script file goes into `work_dir`.
PgbenchResult RunPgbench(const std::string& pgbench, int seconds, const std::string& work_dir,
                         const Cluster& pg);

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

  void Merge(const ClientTally& o);
  void NoteError(std::string what);
};

enum class ReplyKind { kReceipt, kDuplicate, kBusy, kError, kStale };

struct ReplyInfo {
  ReplyKind kind = ReplyKind::kError;
  std::string correlation;
  std::int64_t retry_after_ms = 0;
  std::string error;
};

// What ducha-intake answered: a receipt (or a duplicate's receipt), busy, or an error.
ReplyInfo Classify(const std::string& bytes);

// Makes valid citizen-hotline reports for one client: distinct submission ids, jurisdictions
// cycling through the campaign's county-level units, locations scattered up to ~25 km around the
// county seat and categories drawn at random, so only a few percent are duplicates.
class ReportMaker {
 public:
  // Seeded by phase and client, so each phase scatters its reports afresh instead of repeating
  // (and duplicating) the places of the one before.
  ReportMaker(const campaign::Campaign& campaign, const std::string& phase, int client);
  proto::intake::SubmitReport Make(std::uint64_t seq);

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
         transport::KeyPair keys);
  bool Send(const std::string& payload);
  // Waits up to `timeout` for one reply.
  std::optional<std::string> Receive(std::chrono::milliseconds timeout);

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
// Submission ids are "<phase>-<client>-<seq>".
ClientTally RunClosedLoop(const LoadContext& lc, int client, const std::string& phase,
                          TimePoint window_start, TimePoint window_end);

// Runs per_client(i) for i in [0, clients) on as many threads and merges their tallies.
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
std::uint64_t ProcessTicks(pid_t pid);

struct MachineTicks {
  std::uint64_t busy = 0;
  std::uint64_t total = 0;
};
MachineTicks ReadMachineTicks();

// Server-side counters around a phase: commits in the ducha database and WAL activity.
struct ServerCounters {
  double xact_commit = 0, wal_records = 0, wal_fpi = 0, wal_bytes = 0, wal_write = 0, wal_sync = 0,
         wal_sync_time_ms = 0;
  std::string wal_lsn;  // pg_current_wal_lsn(), for pg_waldump --stats over a phase
};
ServerCounters ReadServerCounters(const Cluster& pg, const std::string& dbname = "ducha");

}  // namespace ducha::bench
