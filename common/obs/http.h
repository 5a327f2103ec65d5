#pragma once
// The operations HTTP endpoint every service serves (cpp-httplib, from Debian):
//   /healthz  200 while the process runs its loops (liveness)
//   /readyz   200 when the readiness check passes (database reachable, streams connected),
//             503 with the reason otherwise
//   /metrics  Prometheus text format
// Runs on its own thread; Start() binds (port 0 picks a free port), Stop() joins.

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "common/base/result.h"
#include "common/obs/metrics.h"

namespace ducha::obs {

struct HttpSettings {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port; -1: disabled
};

class HttpServer {
 public:
  HttpServer(HttpSettings settings, const Metrics& metrics, std::function<Status()> ready,
             std::string service, std::string version);
  ~HttpServer();
  // Returns the bound port, or an error when the address is in use.
  Result<int> Start();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ducha::obs
