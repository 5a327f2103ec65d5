#pragma once
// What every service's main() does the same way: read the configuration file (with environment
// overrides), set up logging, turn SIGTERM/SIGINT into a stop request, read CURVE keys, and build
// database settings. Kept out of the services' cores: only main() and io/ use it.

#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>

#include "common/config/config.h"
#include "common/db/db.h"
#include "common/transport/transport.h"

namespace ducha::svc {

struct CommonSettings {
  std::string service;
  db::DbSettings db;
  transport::ServerSecurity security;
  bool allow_plain = false;  // development only: plain TCP, every client the dev identity
  std::string campaign_dir;
  bool fleet_clock = true;  // read time from ref.sim_clock (simulated when enabled there)
  std::string http_host = "127.0.0.1";
  int http_port = -1;  // operations endpoint (/healthz, /readyz, /metrics); -1: off
};

// Reads the settings every service has: log.level, log.json, db.url, campaign.dir,
// transport.allow_plain, transport.secret_key_file, clock.source.
CommonSettings ReadCommon(Config& config, const std::string& service);

// Parses "--config FILE" (or DUCHA_CONFIG) and loads it; prints usage and exits 2 when missing.
Config LoadConfigOrExit(int argc, char** argv, const std::string& service);

// Prints the problem and exits with status 2 (bad configuration or start-up invariant).
[[noreturn]] void Die(const std::string& service, const std::string& message);

// Blocks SIGTERM/SIGINT/SIGPIPE in the calling thread (call first in main, before any thread
// starts, so every thread inherits the mask) and starts a thread that waits for SIGTERM/SIGINT
// and requests stop on `source`.
class SignalWatcher {
 public:
  explicit SignalWatcher(std::stop_source source);
  ~SignalWatcher();

 private:
  std::stop_source source_;
  std::jthread thread_;
};

// Reads a Z85 secret key (40 characters, surrounding whitespace ignored) from a file.
std::optional<std::string> ReadSecretKeyFile(const std::string& path);

}  // namespace ducha::svc
