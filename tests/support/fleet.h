#pragma once
// A fleet of real service processes for system tests: keys registered in ref, a config file per
// service on free ports, fork/exec of the built binaries, and the faults operators fear —
// SIGKILL and restart, SIGSTOP/SIGCONT, a PostgreSQL crash — plus a load driver that submits
// reports the way an integration does (Lazy Pirate: resend the same submission_id until a
// receipt arrives) and records every receipt for the checker.

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "common/transport/transport.h"
#include "tests/support/tcp_proxy.h"

namespace ducha::testing {

class Fleet {
 public:
  // Starts nothing yet; registers keys and writes configs. Truncates the service schemas
  // (every table but schema_migrations) so each test starts from an empty workflow.
  explicit Fleet(std::vector<std::string> services);
  ~Fleet();

  // Routes `consumer`'s connection to `producer`'s stream through a TCP proxy the test can cut.
  // Call before starting the consumer.
  TcpProxy& ProxyLink(const std::string& consumer, const std::string& producer);

  void Start(const std::string& service);
  void StartAll();
  void Kill(const std::string& service);    // SIGKILL, reaped
  void Stop(const std::string& service);    // SIGTERM, waits (returns exit status)
  void Pause(const std::string& service);   // SIGSTOP
  void Resume(const std::string& service);  // SIGCONT
  bool Running(const std::string& service) const;
  pid_t Pid(const std::string& service) const { return pids_.at(service); }
  // Waits until the service's log says it is serving.
  bool AwaitReady(const std::string& service, int timeout_ms = 30000);

  const std::string& intake_endpoint() const { return intake_endpoint_; }
  const std::string& intake_public_key() const { return intake_keys_.public_z85; }
  const transport::KeyPair& integration_keys() const { return integration_keys_; }
  // The command endpoint of a service (intake's submission endpoint) and its public key.
  std::string Endpoint(const std::string& service) const;
  const std::string& PublicKey(const std::string& service) const;
  // The keys of the workflow's registered people: "body" (every county and city), "center"
  // (supervision center), "bureau" (enforcement bureau), "commissioner" (every city).
  const transport::KeyPair& KeysOf(const std::string& role) const { return people_.at(role); }
  // Where clients send commands to a service (intake's submissions, dispatch's admin endpoint,
  // tracking's actions), and the file holding its public key (ducha-ctl's --server-key).
  std::string CommandEndpoint(const std::string& service) const;
  std::string PublicKeyFile(const std::string& service) const;
  std::string LogOf(const std::string& service) const;
  const std::string& dir() const { return dir_; }
  // Each service's operations endpoint (/healthz, /readyz, /metrics), and the file naming them
  // all as `ducha-ctl status` reads it (NAME HOST:PORT per line).
  int HttpPort(const std::string& service) const { return ports_.at(service + ".http"); }
  std::string fleet_file() const { return dir_ + "/fleet"; }
  // For multi-host tests: the service runs in the named network namespace (/var/run/netns/NS,
  // entered between fork and exec), and its configuration file has `from` replaced by `to`
  // everywhere (an address, say).
  void PlaceInNetns(const std::string& service, const std::string& netns) {
    netns_[service] = netns;
  }
  void RewriteConfig(const std::string& service, const std::string& from, const std::string& to);
  // With bulletin in the fleet: the SMTP sink's Maildir.
  std::string mail_dir() const { return dir_ + "/mail"; }

 private:
  std::string ConfigFor(const std::string& service) const;
  void StartMailSink();
  pid_t sink_pid_ = -1;
  int smtp_port_ = 0;
  std::string dir_;
  std::vector<std::string> services_;
  std::map<std::string, pid_t> pids_;
  std::map<std::string, std::string> netns_;
  std::map<std::string, int> ports_;
  std::map<std::string, transport::KeyPair> keys_;
  std::map<std::string, transport::KeyPair> people_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<TcpProxy>> proxies_;
  transport::KeyPair intake_keys_;
  transport::KeyPair integration_keys_;
  std::string intake_endpoint_;
};

// Submits reports like an integration and remembers the receipts.
class LoadDriver {
 public:
  LoadDriver(const Fleet& fleet, int clients, std::uint64_t seed);
  // Submits `count` reports over `clients` threads; returns when every report has a receipt
  // (or `give_up_ms` passed for one of them). Thread-safe progress counter for chaos timing.
  void Run(int count);
  std::atomic<int>& done() { return done_; }
  // submission_id → report_id, from the receipts received.
  std::map<std::string, std::int64_t> receipts() const;
  int gave_up() const { return gave_up_.load(); }

 private:
  const Fleet& fleet_;
  int clients_;
  std::uint64_t seed_;
  std::atomic<int> done_{0};
  std::atomic<int> gave_up_{0};
  mutable std::mutex mu_;
  std::map<std::string, std::int64_t> receipts_;
};

// The Jepsen-style oracle over the schemas: every receipt has exactly one report, exactly one
// intake event and exactly one dispatch decision; nothing exists without a receipt.
struct CheckResult {
  std::int64_t receipts = 0;
  std::int64_t lost = 0;
  std::int64_t duplicated = 0;
  std::int64_t unexpected = 0;
  std::string detail;
};
CheckResult CheckIntakeToDispatch(const std::map<std::string, std::int64_t>& receipts);

// Dispatch's assignments against tracking's ledger: every problem has exactly one entry with
// its repeats applied once; no entry without a problem.
CheckResult CheckDispatchToTracking();

// The bulletins' exactly-once over the SMTP sink's Maildir: every send recorded as sent was
// delivered (lost), nothing was delivered that no send names (unexpected), and no week went to a
// list twice under two Message-IDs without an operator's resend (duplicated). An interrupted
// send delivered twice with the same Message-ID is counted in the detail.
CheckResult CheckBulletinsOnce(const std::string& mail_dir);

// The sweep's exactly-once: every warning, overdue notice and escalation recorded on an entry
// was emitted exactly once (receipts = the clock events counted).
CheckResult CheckClockEventsOnce();

// Waits until dispatch has applied everything intake has sequenced (and intake has sequenced
// everything it committed); with `tracking`, also until tracking has applied every assignment.
bool AwaitQuiescence(int timeout_ms, bool tracking = false);

}  // namespace ducha::testing
