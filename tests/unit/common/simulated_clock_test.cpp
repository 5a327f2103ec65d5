// common/clock: simulated time moves only forward.

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>
#include <vector>

#include "common/clock/clock.h"

namespace ducha {
namespace {

constexpr timeutil::Millis kStart = 1'511'227'800'000;  // 2017-11-21T09:30:00+08:00

TEST(SimulatedClock, StartsWhereItIsTold) {
  SimulatedClock c(kStart);
  EXPECT_EQ(c.Now(), kStart);
  EXPECT_EQ(c.Now(), kStart);  // and stays there
}

TEST(SimulatedClock, SetMovesForward) {
  SimulatedClock c(kStart);
  EXPECT_TRUE(c.Set(kStart + 1000));
  EXPECT_EQ(c.Now(), kStart + 1000);
  EXPECT_TRUE(c.Set(kStart + 1000));  // setting the current time is not going backwards
  EXPECT_EQ(c.Now(), kStart + 1000);
}

TEST(SimulatedClock, SetRefusesToGoBackwards) {
  SimulatedClock c(kStart);
  EXPECT_FALSE(c.Set(kStart - 1));
  EXPECT_EQ(c.Now(), kStart);
  ASSERT_TRUE(c.Set(kStart + timeutil::kMillisPerDay));
  EXPECT_FALSE(c.Set(kStart));
  EXPECT_EQ(c.Now(), kStart + timeutil::kMillisPerDay);
}

TEST(SimulatedClock, AdvanceIgnoresNegativeAndZeroSteps) {
  SimulatedClock c(kStart);
  c.Advance(-5000);
  EXPECT_EQ(c.Now(), kStart);
  c.Advance(0);
  EXPECT_EQ(c.Now(), kStart);
  c.Advance(7 * timeutil::kMillisPerDay);
  EXPECT_EQ(c.Now(), kStart + 7 * timeutil::kMillisPerDay);
}

TEST(SimulatedClock, NeverGoesBackwardsUnderConcurrentSetsAndAdvances) {
  SimulatedClock c(kStart);
  std::atomic<bool> done{false};
  std::atomic<int> backwards{0};
  std::thread reader([&] {
    timeutil::Millis last = c.Now();
    while (!done.load()) {
      const timeutil::Millis now = c.Now();
      if (now < last) backwards.fetch_add(1);
      last = now;
    }
  });
  std::vector<std::thread> writers;
  std::atomic<timeutil::Millis> highest_accepted{kStart};
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&, w] {
      std::mt19937_64 rng(static_cast<std::uint64_t>(w) + 1);
      std::uniform_int_distribution<timeutil::Millis> jitter(-50'000, 50'000);
      for (int i = 0; i < 20'000; ++i) {
        if (i % 4 == 0) {
          c.Advance(jitter(rng));
        } else {
          const timeutil::Millis t = c.Now() + jitter(rng);
          if (c.Set(t)) {
            timeutil::Millis h = highest_accepted.load();
            while (t > h && !highest_accepted.compare_exchange_weak(h, t)) {
            }
          }
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  done.store(true);
  reader.join();
  EXPECT_EQ(backwards.load(), 0);
  EXPECT_GE(c.Now(), highest_accepted.load());
}

}  // namespace
}  // namespace ducha
