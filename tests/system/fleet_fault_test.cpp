// The fault suite: reports flow from intake through dispatch to tracking's ledger through real
// processes while they are killed, the database crashes, and a consumer is paused; then the
// simulated clock runs six weeks while tracking is killed mid-sweep. Afterwards the checkers
// print lost / duplicated / unexpected over the schemas; all three must be 0, and every deadline
// warning, overdue notice and escalation must have been emitted exactly once.
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

// Days since 1970-01-01 in UTC+8 on the fleet clock, and the due entries not yet swept.
std::int64_t DueNotSwept() {
  return std::stoll(TestCluster::Get().QueryValue(
      "SELECT count(*) FROM tracking.ledger WHERE next_due_day <= (SELECT (now_ms + 28800000) / "
      "86400000 FROM ref.sim_clock)"));
}

TEST(FleetFaults, SigkillOfEveryServiceAtRandomMomentsLosesAndDoublesNothing) {
  Fleet fleet({"intake", "dispatch", "tracking"});
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
      const char* services[] = {"intake", "dispatch", "tracking"};
      const std::string victim = services[rng() % 3];
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
  ASSERT_TRUE(AwaitQuiescence(120000, /*tracking=*/true)) << fleet.LogOf("tracking");
  const CheckResult r = CheckIntakeToDispatch(load.receipts());
  Report("sigkill", r);
  EXPECT_GE(kills, 3);
  EXPECT_EQ(load.gave_up(), 0);
  ExpectClean(r, n);
  const CheckResult t = CheckDispatchToTracking();
  Report("sigkill dispatch->tracking", t);
  EXPECT_EQ(t.lost, 0);
  EXPECT_EQ(t.duplicated, 0);
  EXPECT_EQ(t.unexpected, 0);

  // Six weeks of simulated time, a day at a time, with tracking killed at random moments; every
  // problem passes its warnings, its deadline and the whole escalation ladder.
  std::mt19937_64 rng(Seed() + 7);
  int sweep_kills = 0;
  for (int day = 1; day <= 42; ++day) {
    TestCluster::Get().Exec("UPDATE ref.sim_clock SET now_ms = now_ms + 86400000");
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + rng() % 250));
    if (rng() % 5 == 0) {
      fleet.Kill("tracking");
      ++sweep_kills;
      fleet.Start("tracking");
    }
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (DueNotSwept() > 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(DueNotSwept(), 0) << fleet.LogOf("tracking");
  const CheckResult clock = CheckClockEventsOnce();
  std::printf("tracking SIGKILLs during the sweeps: %d\n", sweep_kills);
  Report("clock", clock);
  EXPECT_GT(clock.receipts, 0);
  EXPECT_EQ(clock.lost, 0);
  EXPECT_EQ(clock.duplicated, 0);
}

TEST(FleetFaults, ADatabaseCrashMidRunLosesAndDoublesNothing) {
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

TEST(FleetFaults, PausingDispatchForTenSecondsOnlyDelaysIt) {
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
