#include "common/clock/clock.h"

#include <chrono>

namespace ducha {

timeutil::Millis SystemClock::Now() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool SimulatedClock::Set(timeutil::Millis t) {
  timeutil::Millis cur = now_.load(std::memory_order_acquire);
  while (t >= cur) {
    if (now_.compare_exchange_weak(cur, t, std::memory_order_acq_rel)) return true;
  }
  return false;
}

void SimulatedClock::Advance(timeutil::Millis delta) {
  if (delta > 0) now_.fetch_add(delta, std::memory_order_acq_rel);
}

}  // namespace ducha
