#pragma once
// GatewayApi: the Open311 GeoReport v2 HTTP endpoint (cpp-httplib from Debian). Each request is
// authenticated by its API key (header X-Api-Key, or the api_key parameter of Open311), whose
// SHA-256 the registry maps to an identity of role integration — the same identity as its CURVE
// keys, revoked the same way. Then the per-identity rate limit, then the mapping (core/open311.h)
// and one or two upstream calls with the gateway's own CURVE identity: intake (submit on behalf
// of the integration, or list its reports) and tracking (the ledger state of those reports'
// problems). The gateway keeps no state of its own.
//
//   GET  /services[.json]                  categories with attributes (no key needed)
//   GET  /services/{code}[.json]           one service definition
//   POST /requests[.json]                  submit; Idempotency-Key header = submission id
//   GET  /requests[.json]                  the caller's requests: status, page_size, after
//   GET  /requests/{id}[.json]             one of the caller's requests
//
// Threads: httplib's worker pool calls the handlers; everything they share is thread-safe.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "common/auth/identity.h"
#include "common/base/result.h"
#include "common/campaign/campaign.h"
#include "common/clock/clock.h"
#include "common/obs/metrics.h"
#include "services/gateway/core/rate_limiter.h"
#include "services/gateway/io/upstream.h"

namespace ducha::gateway {

struct ApiSettings {
  std::string host = "127.0.0.1";
  int port = 8311;  // 0: any free port
  std::size_t max_body_bytes = 64 << 10;
  RateLimitSettings rate;
};

struct GatewayStats {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> submitted{0};
  std::atomic<std::uint64_t> reads{0};
  std::atomic<std::uint64_t> refused{0};  // answered 4xx
  std::atomic<std::uint64_t> rate_limited{0};
  std::atomic<std::uint64_t> upstream_failures{0};  // answered 5xx
};

class GatewayApi {
 public:
  GatewayApi(ApiSettings settings, const campaign::Campaign& campaign,
             const auth::Registry& registry, const Clock& clock, UpstreamClient& intake,
             UpstreamClient& tracking);
  ~GatewayApi();
  // Binds (port 0: a free one) and starts serving on its own thread; returns the port.
  Result<int> Start();
  void Stop();
  const GatewayStats& stats() const { return stats_; }
  const obs::Histogram& latency() const { return latency_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  GatewayStats stats_;
  obs::Histogram latency_;
};

}  // namespace ducha::gateway
