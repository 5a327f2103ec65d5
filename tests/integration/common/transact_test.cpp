// db::Connection::Transact and db::Classify: a whole transaction is retried across a database
// crash, and only the errors that a retry can cure are retried.

#include <gtest/gtest.h>

#include <atomic>
#include <pqxx/pqxx>
#include <stdexcept>
#include <thread>

#include "common/db/db.h"
#include "tests/integration/common/common_it.h"

namespace ducha::db {
namespace {

using testing::TestCluster;

TEST(Classify, ConnectionLossAndInDoubtCommitAreRetryable) {
  EXPECT_EQ(Classify(pqxx::broken_connection("server closed the connection")),
            ErrorKind::kRetryable);
  EXPECT_EQ(Classify(pqxx::in_doubt_error("commit outcome unknown")), ErrorKind::kRetryable);
}

TEST(Classify, SqlErrorWithEmptySqlStateIsRetryable) {
  // How libpqxx 6.4 reports a server crash in the middle of a transaction.
  EXPECT_EQ(Classify(pqxx::sql_error("server closed the connection unexpectedly", "SELECT 1")),
            ErrorKind::kRetryable);
  EXPECT_EQ(Classify(pqxx::sql_error("terminating connection", "SELECT 1", "")),
            ErrorKind::kRetryable);
}

TEST(Classify, ConnectionAndShutdownSqlStatesAreRetryable) {
  for (const char* state : {"08006", "08003", "57P01", "57P02", "57P03", "40001", "40P01"}) {
    EXPECT_EQ(Classify(pqxx::sql_error("x", "q", state)), ErrorKind::kRetryable) << state;
  }
  EXPECT_EQ(Classify(pqxx::serialization_failure("x")), ErrorKind::kRetryable);
  EXPECT_EQ(Classify(pqxx::deadlock_detected("x")), ErrorKind::kRetryable);
}

TEST(Classify, ConstraintAndSyntaxErrorsArePermanent) {
  EXPECT_EQ(Classify(pqxx::unique_violation("duplicate key", "INSERT")), ErrorKind::kPermanent);
  EXPECT_EQ(Classify(pqxx::unique_violation("duplicate key", "INSERT", "23505")),
            ErrorKind::kPermanent);
  EXPECT_EQ(Classify(pqxx::syntax_error("syntax error at or near", "SELEC 1")),
            ErrorKind::kPermanent);
  EXPECT_EQ(Classify(pqxx::insufficient_privilege("permission denied", "INSERT")),
            ErrorKind::kPermanent);
  EXPECT_EQ(Classify(pqxx::sql_error("x", "q", "23505")), ErrorKind::kPermanent);
  EXPECT_EQ(Classify(pqxx::sql_error("x", "q", "42601")), ErrorKind::kPermanent);
  EXPECT_EQ(Classify(std::runtime_error("a bug of ours")), ErrorKind::kPermanent);
}

TEST(Classify, ErrorsThrownByARealServerAreClassifiedByWhatTheyMean) {
  pqxx::connection c{TestCluster::Get().AdminUrl()};
  auto error_of = [&](const std::string& sql) -> ErrorKind {
    try {
      pqxx::work w{c};
      w.exec(sql);
      w.commit();
    } catch (const std::exception& e) {
      return Classify(e);
    }
    ADD_FAILURE() << "did not fail: " << sql;
    return ErrorKind::kRetryable;
  };
  EXPECT_EQ(error_of("SELEC 1"), ErrorKind::kPermanent);
  EXPECT_EQ(error_of("SELECT * FROM no_such_table_anywhere"), ErrorKind::kPermanent);
  EXPECT_EQ(error_of("SELECT 1/0"), ErrorKind::kPermanent);
  EXPECT_EQ(error_of("CREATE TEMP TABLE u (k int PRIMARY KEY); INSERT INTO u VALUES (1), (1)"),
            ErrorKind::kPermanent);
}

TEST(Classify, ServerCrashMidTransactionIsRetryable) {
  pqxx::connection c{TestCluster::Get().AdminUrl()};
  pqxx::work w{c};
  w.exec("SELECT 1");
  TestCluster::Get().Restart("immediate");
  try {
    w.exec("SELECT 2");
    FAIL() << "the transaction survived a server crash";
  } catch (const std::exception& e) {
    EXPECT_EQ(Classify(e), ErrorKind::kRetryable) << typeid(e).name() << ": " << e.what();
  }
}

class TransactTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::FreshSchema("t_transact");
    TestCluster::Get().Exec("CREATE TABLE t_transact.done (k int PRIMARY KEY)");
  }
  std::stop_source stop_;
};

TEST_F(TransactTest, PermanentErrorPropagatesWithoutRetrying) {
  Connection conn(testing::AdminSettings("transact-permanent"), stop_.get_token());
  conn.Transact([](pqxx::work& w) { w.exec("INSERT INTO t_transact.done VALUES (1)"); });
  EXPECT_THROW(
      conn.Transact([](pqxx::work& w) { w.exec("INSERT INTO t_transact.done VALUES (1)"); }),
      pqxx::unique_violation);
  EXPECT_EQ(conn.stats().retries.load(), 0u);
  EXPECT_EQ(conn.stats().transactions.load(), 1u);
}

TEST_F(TransactTest, ThrowingBodyRollsBackItsWork) {
  Connection conn(testing::AdminSettings("transact-rollback"), stop_.get_token());
  EXPECT_THROW(conn.Transact([](pqxx::work& w) {
    w.exec("INSERT INTO t_transact.done VALUES (7)");
    throw std::logic_error("domain refused");
  }),
               std::logic_error);
  EXPECT_EQ(TestCluster::Get().QueryValue("SELECT count(*) FROM t_transact.done"), "0");
}

TEST_F(TransactTest, StopRequestEndsTheRetryLoop) {
  std::stop_source stop;
  Connection conn(DbSettings{"host=/nonexistent-ducha-socket-dir port=1 dbname=x", "stopped"},
                  stop.get_token());
  std::atomic<bool> attempted{false};
  std::thread stopper([&] {
    testing::Eventually([&] { return conn.stats().retries.load() > 0; }, std::chrono::seconds(10));
    attempted = true;
    stop.request_stop();
  });
  EXPECT_THROW(conn.Transact([](pqxx::work& w) { w.exec("SELECT 1"); }), Stopped);
  stopper.join();
  EXPECT_TRUE(attempted);
}

TEST_F(TransactTest, EveryCallSucceedsExactlyOnceAcrossADatabaseCrash) {
  const std::string started_before =
      TestCluster::Get().QueryValue("SELECT pg_postmaster_start_time()");
  Connection conn(testing::AdminSettings("transact-crash"), stop_.get_token());
  std::atomic<int> calls{0};
  std::atomic<bool> restarted{false};
  std::thread crasher([&] {
    // Crash once the loop is well under way.
    for (int seen = calls.load(); seen < 20; seen = calls.load()) calls.wait(seen);
    TestCluster::Get().Restart("immediate");
    restarted = true;
  });

  int calls_after_restart = 0;
  int k = 0;
  while (calls_after_restart < 20) {
    const bool was_restarted = restarted.load();
    conn.Transact([&](pqxx::work& w) {
      w.exec_params("INSERT INTO t_transact.done (k) VALUES ($1) ON CONFLICT DO NOTHING", k);
    });
    ++k;
    calls.fetch_add(1);
    calls.notify_all();
    if (was_restarted) ++calls_after_restart;
  }
  crasher.join();

  EXPECT_NE(TestCluster::Get().QueryValue("SELECT pg_postmaster_start_time()"), started_before)
      << "the server was not restarted";
  EXPECT_EQ(TestCluster::Get().QueryValue("SELECT count(*) FROM t_transact.done"),
            std::to_string(k));
  EXPECT_EQ(TestCluster::Get().QueryValue("SELECT max(k) FROM t_transact.done"),
            std::to_string(k - 1));
  EXPECT_GT(conn.stats().retries.load(), 0u) << "no call saw the crash";
  EXPECT_GE(conn.stats().transactions.load(), static_cast<std::uint64_t>(k));
}

}  // namespace
}  // namespace ducha::db
