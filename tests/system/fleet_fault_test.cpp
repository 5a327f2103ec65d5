// The fault suite: reports flow from intake through dispatch to tracking's ledger through real
// processes while they are killed, the database crashes, and a consumer is paused; then the
// simulated clock runs six weeks while tracking is killed mid-sweep. Afterwards the checkers
// print lost / duplicated / unexpected over the schemas; all three must be 0, and every deadline
// warning, overdue notice and escalation must have been emitted exactly once.
//
// DUCHA_FAULT_REPORTS (default 20000) and DUCHA_FAULT_SEED (default 1) scale and replay a run.

#include <gtest/gtest.h>

#include <cstdlib>
#include <pqxx/pqxx>
#include <random>
#include <thread>
#include <zmq.hpp>

#include "common/audit/chain.h"
#include "common/db/db.h"
#include "proto/common_codec.h"
#include "proto/registry.h"
#include "proto/review_codec.h"
#include "proto/tracking_codec.h"
#include "services/tracking/store/ledger_store.h"
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
  return std::stoll(
      TestCluster::Get().QueryValue("SELECT count(*) FROM tracking.ledger_clock WHERE next_due_day "
                                    "<= (SELECT (now_ms + 28800000) / "
                                    "86400000 FROM ref.sim_clock)"));
}

TEST(FleetFaults, SigkillOfEveryServiceAtRandomMomentsLosesAndDoublesNothing) {
  Fleet fleet({"intake", "dispatch", "tracking", "bulletin"});
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
      const char* services[] = {"intake", "dispatch", "tracking", "bulletin"};
      const std::string victim = services[rng() % 4];
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
      const std::string victim = rng() % 2 == 0 ? "tracking" : "bulletin";
      fleet.Kill(victim);
      ++sweep_kills;
      fleet.Start(victim);
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
  // Every problem's history is an intact hash chain, although tracking was killed mid-write.
  {
    std::stop_source stop;
    db::Connection conn(db::DbSettings{TestCluster::Get().AdminUrl(), "fault-test"},
                        stop.get_token());
    const auto broken = conn.Read([](pqxx::read_transaction& tx) {
      int count = 0;
      for (const auto& row : tx.exec("SELECT problem_id FROM tracking.ledger")) {
        if (audit::VerifyChain(tracking::LoadHistoryChain(tx, row[0].as<std::int64_t>()))) {
          ++count;
        }
      }
      return count;
    });
    EXPECT_EQ(broken, 0) << "broken history chains";
  }

  // Every Saturday the clock passed has its bulletin, mailed once to every list, although
  // bulletin was killed along the way (day 0, 1970-01-01, was a Thursday).
  const std::string all_sent =
      "SELECT CASE WHEN coalesce(max(cutoff_day), 0) >= (SELECT d - ((d - 2) % 7) FROM (SELECT "
      "((now_ms + 28800000) / 86400000)::int AS d FROM ref.sim_clock) t) AND NOT EXISTS (SELECT "
      "1 FROM bulletin.send WHERE state <> 'sent') THEN 0 ELSE 1 END FROM bulletin.bulletin";
  const auto mail_until = std::chrono::steady_clock::now() + std::chrono::seconds(180);
  while (std::stoll(TestCluster::Get().QueryValue(all_sent)) != 0 &&
         std::chrono::steady_clock::now() < mail_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(std::stoll(TestCluster::Get().QueryValue(all_sent)), 0) << fleet.LogOf("bulletin");
  const CheckResult mail = CheckBulletinsOnce(fleet.mail_dir());
  Report("bulletins", mail);
  EXPECT_GT(mail.receipts, 0);
  EXPECT_EQ(mail.lost, 0);
  EXPECT_EQ(mail.duplicated, 0);
  EXPECT_EQ(mail.unexpected, 0);
}

// One request, Lazy Pirate: resent with the same bytes (and so the same request id) on a fresh
// socket until a reply comes; the reply's type and the error code if it is one.
struct Reply {
  std::string type;
  std::string code;
};
Reply Ask(const Fleet& fleet, const std::string& service, const std::string& role,
          const std::string& payload) {
  zmq::context_t ctx;
  for (int attempt = 0; attempt < 60; ++attempt) {
    zmq::socket_t sock = transport::MakeClientSocket(
        ctx, zmq::socket_type::dealer,
        transport::ClientSecurity{true, fleet.PublicKey(service), fleet.KeysOf(role)});
    sock.connect(fleet.Endpoint(service));
    zmq::message_t m(payload.data(), payload.size());
    (void)sock.send(m, zmq::send_flags::none);
    std::vector<zmq::pollitem_t> items{{sock.handle(), 0, ZMQ_POLLIN, 0}};
    if (transport::Poll(items, std::chrono::milliseconds(1500)) == 0) continue;
    std::vector<zmq::message_t> frames;
    transport::RecvMessage(sock, frames, 4);
    auto frame = proto::ParseMessage(frames.back().to_string());
    if (!frame) return {"unparsable", frame.error().code};
    Reply r{std::string(frame->type()), ""};
    if (r.type == proto::common::ErrorReply::kType) {
      r.code = codec::DecodeAs<proto::common::ErrorReply>(*frame)->code;
    }
    return r;
  }
  return {"timeout", "timeout"};
}

std::int64_t Count(const std::string& sql) {
  return std::stoll(TestCluster::Get().QueryValue(sql));
}

bool AwaitZero(const std::string& sql, int seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (Count(sql) == 0) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Count(sql) == 0;
}

// The whole loop past assignment: bodies verify and claim, review draws and sends covert groups,
// the bureau reports, tracking closes or reopens — while tracking and review are killed.
TEST(FleetFaults, ClaimsReinspectionsAndReopeningsSurviveKilledServices) {
  Fleet fleet({"intake", "dispatch", "tracking", "review"});
  fleet.StartAll();
  ASSERT_TRUE(fleet.AwaitReady("intake")) << fleet.LogOf("intake");
  LoadDriver load(fleet, 4, Seed() + 3000);
  load.Run(300);
  ASSERT_TRUE(AwaitQuiescence(60000, /*tracking=*/true)) << fleet.LogOf("tracking");

  std::atomic<bool> finished{false};
  int kills = 0;
  std::thread chaos([&] {
    std::mt19937_64 rng(Seed() + 4000);
    while (!finished.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(700 + rng() % 900));
      if (finished.load()) break;
      const std::string victim = rng() % 2 == 0 ? "tracking" : "review";
      fleet.Kill(victim);
      ++kills;
      std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 300));
      fleet.Start(victim);
    }
  });

  namespace pt = proto::tracking;
  namespace pr = proto::review;
  pqxx::connection admin{TestCluster::Get().AdminUrl()};
  std::vector<std::pair<std::int64_t, std::string>> entries;
  {
    pqxx::work w{admin};
    for (const auto& row : w.exec("SELECT problem_id, state FROM tracking.ledger ORDER BY 1")) {
      entries.emplace_back(row[0].as<std::int64_t>(), row[1].as<std::string>());
    }
  }
  int refused = 0;
  for (const auto& [id, state] : entries) {
    const std::string n = std::to_string(id);
    if (state == "awaiting_verification") {
      const Reply v = Ask(fleet, "tracking", "body",
                          pt::Encode(pt::ReportVerification{"v-" + n, id, true, "属实"}));
      if (v.type != pt::ActionDone::kType) ++refused;
    }
    const Reply c = Ask(fleet, "tracking", "body",
                        pt::Encode(pt::ClaimRectified{"c-" + n, id, "已整改", {"doc://" + n}}));
    if (c.type != pt::ActionDone::kType) ++refused;
  }
  EXPECT_EQ(refused, 0);
  const auto claims = static_cast<std::int64_t>(entries.size());
  // Review has a task for every claim (and only one).
  ASSERT_TRUE(AwaitZero("SELECT " + std::to_string(claims) + " - count(*) FROM review.task", 60))
      << fleet.LogOf("review");

  // The bureau reports every open task: every third one fails.
  std::vector<std::pair<std::int64_t, std::string>> open;
  {
    pqxx::work w{admin};
    for (const auto& row :
         w.exec("SELECT task_id, group_id FROM review.task WHERE state = 'open' ORDER BY 1")) {
      open.emplace_back(row[0].as<std::int64_t>(), row[1].as<std::string>());
    }
  }
  ASSERT_FALSE(open.empty());
  int failed = 0;
  for (const auto& [task, group] : open) {
    const bool pass = task % 3 != 0;
    if (!pass) ++failed;
    const Reply r = Ask(fleet, "review", "bureau",
                        pr::Encode(pr::ReportReinspection{
                            "r-" + std::to_string(task), task, pass,
                            pass ? std::optional<std::string>() : std::string("仍未整改"), group}));
    EXPECT_EQ(r.type, pr::Done::kType) << r.code;
  }
  finished = true;
  chaos.join();
  std::printf("claims=%lld tasks reinspected=%zu failed=%d kills=%d\n",
              static_cast<long long>(claims), open.size(), failed, kills);

  // Tracking has applied everything review emitted.
  ASSERT_TRUE(AwaitZero(
      "SELECT coalesce((SELECT last_seq FROM review.stream_head WHERE stream = 'reinspections'), "
      "0) - coalesce((SELECT applied_seq FROM tracking.stream_cursor WHERE producer = 'review'), "
      "0) + (SELECT count(*) FROM review.outbox WHERE seq IS NULL)",
      60))
      << fleet.LogOf("tracking");
  // Exactly one task per claim; every conclusion applied exactly once; states agree.
  EXPECT_EQ(Count("SELECT count(*) FROM (SELECT problem_id, claim_no FROM review.task GROUP BY 1, "
                  "2 HAVING count(*) > 1) x"),
            0);
  EXPECT_EQ(Count("SELECT count(*) FROM tracking.ledger WHERE state = 'in_rectification' AND "
                  "reopen_count = 1"),
            failed);
  EXPECT_EQ(Count("SELECT count(*) FROM tracking.ledger WHERE state = 'closed_rectified'"),
            claims - failed);
  EXPECT_EQ(Count("SELECT count(*) FROM tracking.history WHERE what = 'reopened'"), failed);
  EXPECT_EQ(Count("SELECT count(*) FROM tracking.history WHERE what = 'rectified'"),
            claims - failed);
  EXPECT_EQ(Count("SELECT count(*) FROM tracking.dead_letter"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM review.dead_letter"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM review.case_facts WHERE referred"), failed);
  // Enterprise credit: every established violation of a named enterprise scored exactly once.
  ASSERT_TRUE(AwaitZero(
      "SELECT count(*) FROM review.violation v JOIN review.problem_enterprise p USING "
      "(problem_id) WHERE v.established_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
      "review.credit_entry c WHERE c.problem_id = v.problem_id AND c.reason = 'violation')",
      30));
  std::printf("enterprises scored: %lld, credit entries: %lld\n",
              static_cast<long long>(Count("SELECT count(DISTINCT enterprise) FROM "
                                           "review.credit_entry")),
              static_cast<long long>(Count("SELECT count(*) FROM review.credit_entry")));
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

// A network partition: the links dispatch -> intake and tracking -> dispatch go through TCP
// proxies that are cut twice mid-run (connections closed, new ones refused) and restored.
TEST(FleetFaults, CuttingTheLinksBetweenServicesOnlyDelaysTheFlow) {
  Fleet fleet({"intake", "dispatch", "tracking"});
  TcpProxy& intake_link = fleet.ProxyLink("dispatch", "intake");
  TcpProxy& dispatch_link = fleet.ProxyLink("tracking", "dispatch");
  fleet.StartAll();
  ASSERT_TRUE(fleet.AwaitReady("intake")) << fleet.LogOf("intake");
  const int n = Reports() / 2;
  LoadDriver load(fleet, 8, Seed() + 5000);
  std::thread cut([&] {
    for (int round = 1; round <= 2; ++round) {
      while (load.done().load() < n * round / 3) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      intake_link.Cut();
      dispatch_link.Cut();
      std::this_thread::sleep_for(std::chrono::seconds(3));
      intake_link.Restore();
      dispatch_link.Restore();
    }
  });
  load.Run(n);
  cut.join();
  ASSERT_TRUE(AwaitQuiescence(120000, /*tracking=*/true)) << fleet.LogOf("tracking");
  std::printf("links: intake %d connections (%d cut), dispatch %d (%d cut)\n",
              intake_link.accepted(), intake_link.severed(), dispatch_link.accepted(),
              dispatch_link.severed());
  EXPECT_GE(intake_link.severed() + dispatch_link.severed(), 2);
  const CheckResult r = CheckIntakeToDispatch(load.receipts());
  Report("link-cut", r);
  EXPECT_EQ(load.gave_up(), 0);
  ExpectClean(r, n);
  const CheckResult t = CheckDispatchToTracking();
  Report("link-cut dispatch->tracking", t);
  EXPECT_EQ(t.lost + t.duplicated + t.unexpected, 0);
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
