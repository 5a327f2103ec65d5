#include "services/gateway/core/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace ducha::gateway {

RateLimiter::Decision RateLimiter::Take(const std::string& identity, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = buckets_.try_emplace(identity, Bucket{settings_.burst, now_ms});
  Bucket& b = it->second;
  if (!fresh && now_ms > b.at_ms) {
    const double refill = static_cast<double>(now_ms - b.at_ms) / 1000.0 * settings_.per_second;
    b.tokens = std::min(settings_.burst, b.tokens + refill);
    b.at_ms = now_ms;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return {true, 0};
  }
  const double wait_s = (1.0 - b.tokens) / settings_.per_second;
  return {false, std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(wait_s * 1000.0)))};
}

}  // namespace ducha::gateway
