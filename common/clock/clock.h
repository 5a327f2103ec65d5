#pragma once
// The injectable clock. Every rule that depends on time (deadlines, reminders, overdue, the weekly
// bulletin, round ends) reads a Clock, never the system time directly, so operators and tests can
// run the fleet on simulated time and get the same result as if the time had really passed.
// Implementations are thread-safe.

#include <atomic>
#include <cstdint>

#include "common/base/time.h"

namespace ducha {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual timeutil::Millis Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  timeutil::Millis Now() const override;
};

// Time that moves only when told to. Set() may only move forward: simulated time, like real
// time, never runs backwards, so anything scheduled "once" stays once.
class SimulatedClock final : public Clock {
 public:
  explicit SimulatedClock(timeutil::Millis start) : now_(start) {}
  timeutil::Millis Now() const override { return now_.load(std::memory_order_acquire); }
  // Returns false (and changes nothing) when `t` is earlier than now.
  bool Set(timeutil::Millis t);
  void Advance(timeutil::Millis delta);

 private:
  std::atomic<timeutil::Millis> now_;
};

}  // namespace ducha
