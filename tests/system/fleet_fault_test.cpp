// Issue 3's system tests: reports flow from intake to dispatch through real processes while
// they are killed, the database crashes, and the consumer is paused. Afterwards the checker
// prints lost / duplicated / unexpected over the schemas; all three must be 0.
//
// DUCHA_FAULT_REPORTS (default 20000) and DUCHA_FAULT_SEED (default 1) scale and replay a run.

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <thread>

#include "tests/support/fleet.h"
#include "tests/support/test_cluster.h"

namespace ducha::testing {
namespace {

int Reports() {
  const char* v = std::getenv("DUCHA_FAULT_REPORTS");
  return v != nullptr ? std::atoi(v) : 20000;
}

std::uint64_t Seed() {
  const char* v = std::getenv("DUCHA_FAULT_SEED");
  return v != nullptr ? std::strtoull(v, nullptr, 10) : 1;
}

void Report(const std::string& name, const CheckResult& r) {
  std::printf("[%s] lost=%lld duplicated=%lld unexpected=%lld (%s)\n", name.c_str(),
              static_cast<long long>(r.lost), static_cast<long long>(r.duplicated),
              static_cast<long long>(r.unexpected), r.detail.c_str());
  std::fflush(stdout);
}

void ExpectClean(const CheckResult& r, int expected_receipts) {
  EXPECT_EQ(r.receipts, expected_receipts);
  EXPECT_EQ(r.lost, 0);
  EXPECT_EQ(r.duplicated, 0);
  EXPECT_EQ(r.unexpected, 0);
}

TEST(IntakeDispatchFaults, SigkillOfIntakeAndDispatchAtRandomMomentsLosesAndDoublesNothing) {
  Fleet fleet({"intake", "dispatch"});
  fleet.StartAll();
  ASSERT_TRUE(fleet.AwaitReady("intake")) << fleet.LogOf("intake");
  const int n = Reports();
  LoadDriver load(fleet, 8, Seed());
  std::atomic<bool> finished{false};
  int kills = 0;
  std::thread chaos([&] {
    std::mt19937_64 rng(Seed());
    while (!finished.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(800 + rng() % 1500));
      if (finished.load()) break;
      const std::string victim = rng() % 2 == 0 ? "intake" : "dispatch";
      fleet.Kill(victim);
      ++kills;
      std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 500));
      fleet.Start(victim);
    }
  });
  load.Run(n);
  finished = true;
  chaos.join();
  std::printf("SIGKILLs: %d\n", kills);
  ASSERT_TRUE(AwaitQuiescence(120000)) << fleet.LogOf("dispatch");
  const CheckResult r = CheckIntakeToDispatch(load.receipts());
  Report("sigkill", r);
  EXPECT_GE(kills, 3);
  EXPECT_EQ(load.gave_up(), 0);
  ExpectClean(r, n);
}

TEST(IntakeDispatchFaults, ADatabaseCrashMidRunLosesAndDoublesNothing) {
  Fleet fleet({"intake", "dispatch"});
  fleet.StartAll();
  ASSERT_TRUE(fleet.AwaitReady("intake")) << fleet.LogOf("intake");
  const int n = Reports() / 2;
  LoadDriver load(fleet, 8, Seed() + 1000);
  std::thread crash([&] {
    while (load.done().load() < n / 2) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    TestCluster::Get().Restart("immediate");
  });
  load.Run(n);
  crash.join();
  ASSERT_TRUE(AwaitQuiescence(120000)) << fleet.LogOf("dispatch");
  const CheckResult r = CheckIntakeToDispatch(load.receipts());
  Report("pg-restart", r);
  EXPECT_EQ(load.gave_up(), 0);
  ExpectClean(r, n);
}

TEST(IntakeDispatchFaults, PausingDispatchForTenSecondsOnlyDelaysIt) {
  Fleet fleet({"intake", "dispatch"});
  fleet.StartAll();
  ASSERT_TRUE(fleet.AwaitReady("intake")) << fleet.LogOf("intake");
  const int n = Reports() / 2;
  LoadDriver load(fleet, 8, Seed() + 2000);
  std::thread pause([&] {
    while (load.done().load() < n / 4) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    fleet.Pause("dispatch");
    std::this_thread::sleep_for(std::chrono::seconds(10));
    fleet.Resume("dispatch");
  });
  load.Run(n);
  pause.join();
  ASSERT_TRUE(AwaitQuiescence(120000)) << fleet.LogOf("dispatch");
  const CheckResult r = CheckIntakeToDispatch(load.receipts());
  Report("sigstop", r);
  EXPECT_EQ(load.gave_up(), 0);
  ExpectClean(r, n);
}

}  // namespace
}  // namespace ducha::testing
