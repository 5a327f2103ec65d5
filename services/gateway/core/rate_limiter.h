#pragma once
// RateLimiter: a token bucket per API identity. Each identity may burst `burst` requests and
// then `per_second` on average; a refused request learns how long until a token is back
// (HTTP 429 Retry-After). Time is passed in (steady milliseconds), so tests need no sleeps.
// Thread-safe (one mutex); the map holds one bucket per identity that has called, and only
// authenticated identities reach it, so it is bounded by the registered integrations.

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ducha::gateway {

struct RateLimitSettings {
  double per_second = 5.0;  // sustained rate per identity
  double burst = 20.0;      // bucket size
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimitSettings settings) : settings_(settings) {}

  struct Decision {
    bool allowed = false;
    std::int64_t retry_after_ms = 0;  // when refused: until one token is back
  };
  Decision Take(const std::string& identity, std::int64_t now_ms);

 private:
  struct Bucket {
    double tokens = 0;
    std::int64_t at_ms = 0;
  };
  RateLimitSettings settings_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace ducha::gateway
