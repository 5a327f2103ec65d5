// Event streams end to end: a producer's outbox served by a real StreamServer over CURVE, real
// consumers applying into a real PostgreSQL, with cursors, long polls, dead letters and restarts.

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <zmq.hpp>

#include "common/db/migrate.h"
#include "common/stream/consumer.h"
#include "common/stream/outbox.h"
#include "common/stream/server.h"
#include "common/transport/zap.h"
#include "tests/support/test_cluster.h"

namespace ducha::stream {
namespace {

using testing::TestCluster;
using SteadyClock = std::chrono::steady_clock;

db::DbSettings Admin() { return db::DbSettings{TestCluster::Get().AdminUrl(), "stream-test"}; }

// Waits until `pred` holds (checked every 10 ms) or the timeout passes.
template <typename Pred>
bool Eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto until = SteadyClock::now() + timeout;
  while (SteadyClock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

class StreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TestCluster& pg = TestCluster::Get();
    pg.Exec(
        "DROP SCHEMA IF EXISTS t_prod CASCADE; DROP SCHEMA IF EXISTS t_cons CASCADE;"
        "CREATE SCHEMA t_prod; CREATE SCHEMA t_cons;"
        "CREATE TABLE t_cons.applied (consumer text, seq bigint, payload bytea, "
        "PRIMARY KEY (consumer, seq));");
    std::stop_source s;
    db::Connection conn(Admin(), s.get_token());
    db::Migrate(conn, "t_prod", "outbox", OutboxMigrations());
    db::Migrate(conn, "t_cons", "inbox", InboxMigrations());

    server_keys_ = transport::GenerateKeyPair();
    consumer_keys_ = transport::GenerateKeyPair();
    auth::Registry::Snapshot snap;
    snap.identities.emplace("dispatch", auth::Identity{"dispatch", auth::Role::kService, {}, {}});
    snap.identities.emplace("someone", auth::Identity{"someone", auth::Role::kIntegration, {}, {}});
    snap.key_to_identity.emplace(consumer_keys_.public_z85, "dispatch");
    integration_keys_ = transport::GenerateKeyPair();
    snap.key_to_identity.emplace(integration_keys_.public_z85, "someone");
    registry_.Replace(snap);
    zap_ = std::make_unique<transport::ZapHandler>(
        ctx_,
        [this](std::string_view, std::string_view key) { return registry_.IdentityForKey(key); });
  }

  void TearDown() override {
    consumers_.clear();  // jthreads: request stop and join
    server_thread_ = {};
    server_.reset();
    zap_.reset();
  }

  void StartServer() {
    StreamServerSettings s;
    s.endpoint = endpoint_.empty() ? "tcp://127.0.0.1:0" : endpoint_;
    s.schema = "t_prod";
    s.streams = {"events"};
    s.security.secret_key_z85 = server_keys_.secret_z85;
    s.sequence_interval = std::chrono::milliseconds(20);
    server_ = std::make_unique<StreamServer>(s, ctx_, registry_, Admin());
    server_->Bind();
    endpoint_ = server_->BoundEndpoint();
    server_thread_ = std::jthread([this](std::stop_token st) { server_->Run(st); });
  }

  StreamConsumerSettings ConsumerSettings(const std::string& name, int credit = 100) {
    StreamConsumerSettings c;
    c.schema = "t_cons";
    c.producer = "prod-" + name;  // one cursor per consumer in this shared scratch schema
    c.stream = "events";
    c.consumer = name;
    c.endpoint = endpoint_;
    c.security.server_public_z85 = server_keys_.public_z85;
    c.security.client = consumer_keys_;
    c.credit = credit;
    c.wait = std::chrono::milliseconds(1000);
    c.reply_margin = std::chrono::milliseconds(1000);
    c.backoff_initial = std::chrono::milliseconds(50);
    c.backoff_max = std::chrono::milliseconds(500);
    return c;
  }

  // A handler that records each event once per consumer; payload "poison" can never be applied.
  static ApplyFn Recorder(const std::string& name, std::chrono::milliseconds delay = {}) {
    return [name, delay](pqxx::transaction_base& tx, std::span<const IncomingEvent> events) {
      if (delay.count() > 0) std::this_thread::sleep_for(delay);
      std::vector<Status> out;
      for (const auto& e : events) {
        if (e.payload == "poison") {
          out.push_back(MakeError("poison", "payload", "this event can never be applied"));
          continue;
        }
        tx.exec_params("INSERT INTO t_cons.applied VALUES ($1, $2, $3)", name, e.seq,
                       pqxx::binarystring(e.payload));
        out.push_back(OkStatus());
      }
      return out;
    };
  }

  void Produce(int transactions, int per_tx, const std::string& prefix = "e") {
    std::stop_source s;
    db::Connection conn(Admin(), s.get_token());
    Outbox outbox("t_prod");
    for (int t = 0; t < transactions; ++t) {
      std::vector<OutgoingEvent> events;
      for (int i = 0; i < per_tx; ++i) {
        events.push_back({"test.event", "k", prefix + std::to_string(t) + "-" + std::to_string(i)});
      }
      conn.Transact([&](pqxx::work& w) { outbox.Append(w, "events", events); });
    }
    if (server_) server_->Wake();
  }

  std::string Query(const std::string& sql) { return TestCluster::Get().QueryValue(sql); }

  struct Running {
    std::unique_ptr<StreamConsumer> consumer;
    std::jthread thread;
    explicit Running(std::unique_ptr<StreamConsumer> c)
        : consumer(std::move(c)), thread([this](std::stop_token st) { consumer->Run(st); }) {}
  };

  zmq::context_t ctx_;
  transport::KeyPair server_keys_, consumer_keys_, integration_keys_;
  auth::Registry registry_;
  std::unique_ptr<transport::ZapHandler> zap_;
  std::unique_ptr<StreamServer> server_;
  std::jthread server_thread_;
  std::string endpoint_;
  std::vector<std::unique_ptr<Running>> consumers_;

  // Wraps StartConsumer so the thread starts after the object is in place.
  StreamConsumer& Run(StreamConsumerSettings s, ApplyFn apply) {
    consumers_.push_back(std::make_unique<Running>(
        std::make_unique<StreamConsumer>(s, ctx_, Admin(), std::move(apply))));
    return *consumers_.back()->consumer;
  }
};

TEST_F(StreamTest, AConsumerAppliesEveryEventExactlyOnceInSeqOrder) {
  StartServer();
  Produce(20, 50);
  StreamConsumer& c = Run(ConsumerSettings("a"), Recorder("a"));
  ASSERT_TRUE(Eventually([&] { return c.stats().applied_seq.load() == 1000; }));
  EXPECT_EQ(Query("SELECT count(*) FROM t_cons.applied WHERE consumer = 'a'"), "1000");
  EXPECT_EQ(Query("SELECT min(seq) || '-' || max(seq) FROM t_cons.applied"), "1-1000");
  EXPECT_EQ(Query("SELECT applied_seq FROM t_cons.stream_cursor WHERE producer = 'prod-a'"),
            "1000");
  EXPECT_EQ(c.Lag(), 0);
}

TEST_F(StreamTest, EventsNumberedAtAppendAndBySequencerInterleaveWithoutGapsOrRepeats) {
  StartServer();
  std::stop_source s;
  db::Connection conn(Admin(), s.get_token());
  Outbox outbox("t_prod");
  for (int round = 0; round < 20; ++round) {
    conn.Transact([&](pqxx::work& w) {
      outbox.Append(w, "events", {{"test.event", "k", "seq-" + std::to_string(round)}});
    });
    conn.Transact([&](pqxx::work& w) {
      outbox.AppendNumbered(w, "events",
                            {{"test.event", "k", "num-" + std::to_string(round) + "-a"},
                             {"test.event", "k", "num-" + std::to_string(round) + "-b"}});
    });
  }
  server_->Wake();
  StreamConsumer& c = Run(ConsumerSettings("mix"), Recorder("mix"));
  ASSERT_TRUE(Eventually([&] { return c.stats().applied_seq.load() == 60; }));
  EXPECT_EQ(Query("SELECT count(*) || '/' || count(DISTINCT payload) || '/' || min(seq) || '/' || "
                  "max(seq) FROM t_cons.applied WHERE consumer = 'mix'"),
            "60/60/1/60");
  EXPECT_EQ(Query("SELECT count(*) FROM t_prod.outbox WHERE seq IS NULL"), "0");
}

TEST_F(StreamTest, TheLongPollDeliversANewEventWithoutWaitingForItsTimeout) {
  StartServer();
  auto settings = ConsumerSettings("lp");
  settings.wait = std::chrono::milliseconds(10000);
  StreamConsumer& c = Run(settings, Recorder("lp"));
  // The first fetch is answered at once (empty stream: wait, then heartbeat) — wait until the
  // consumer has connected and its fetch is parked at the producer.
  ASSERT_TRUE(Eventually([&] { return server_->stats().fetches.load() >= 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto t0 = SteadyClock::now();
  Produce(1, 1);
  ASSERT_TRUE(Eventually([&] { return c.stats().applied_seq.load() == 1; }));
  EXPECT_LT(SteadyClock::now() - t0, std::chrono::milliseconds(2000))
      << "delivered by the wake-up, not the 10 s poll timeout";
}

TEST_F(StreamTest, TwoConsumersEachFollowAtTheirOwnPace) {
  StartServer();
  Produce(10, 100);
  StreamConsumer& fast = Run(ConsumerSettings("fast", 500), Recorder("fast"));
  StreamConsumer& slow =
      Run(ConsumerSettings("slow", 10), Recorder("slow", std::chrono::milliseconds(5)));
  ASSERT_TRUE(Eventually([&] { return fast.stats().applied_seq.load() == 1000; }));
  EXPECT_LT(slow.stats().applied_seq.load(), 1000) << "the slow one is still catching up";
  ASSERT_TRUE(Eventually([&] { return slow.stats().applied_seq.load() == 1000; },
                         std::chrono::seconds(60)));
  EXPECT_EQ(Query("SELECT count(*) FROM t_cons.applied WHERE consumer = 'slow'"), "1000");
  EXPECT_EQ(Query("SELECT count(DISTINCT seq) FROM t_cons.applied WHERE consumer = 'fast'"),
            "1000");
}

TEST_F(StreamTest, APoisonEventIsParkedWithItsReasonAndTheStreamMovesOnThenRetried) {
  StartServer();
  {
    std::stop_source s;
    db::Connection conn(Admin(), s.get_token());
    Outbox outbox("t_prod");
    conn.Transact([&](pqxx::work& w) {
      outbox.Append(w, "events",
                    {{"test.event", "k", "ok-1"},
                     {"test.event", "k", "poison"},
                     {"test.event", "k", "ok-2"}});
    });
  }
  server_->Wake();
  StreamConsumer& c = Run(ConsumerSettings("p"), Recorder("p"));
  ASSERT_TRUE(Eventually([&] { return c.stats().applied_seq.load() == 3; }));
  EXPECT_EQ(Query("SELECT count(*) FROM t_cons.applied WHERE consumer = 'p'"), "2");
  EXPECT_EQ(Query("SELECT seq || ':' || error_code || ':' || reason FROM t_cons.dead_letter"),
            "2:poison:payload: this event can never be applied");
  EXPECT_EQ(c.stats().dead_lettered.load(), 1u);

  // The operator fixes the cause and retries: the event is applied and the letter resolved.
  std::stop_source s;
  db::Connection conn(Admin(), s.get_token());
  const auto letters =
      conn.Read([](pqxx::read_transaction& r) { return ListDeadLetters(r, "t_cons", false); });
  ASSERT_EQ(letters.size(), 1u);
  ApplyFn fixed = [](pqxx::transaction_base& tx, std::span<const IncomingEvent> events) {
    for (const auto& e : events) {
      tx.exec_params("INSERT INTO t_cons.applied VALUES ('p', $1, $2)", e.seq,
                     pqxx::binarystring(e.payload));
    }
    return std::vector<Status>(events.size(), OkStatus());
  };
  EXPECT_EQ(RetryDeadLetters(conn, "t_cons", {letters[0].id}, fixed), std::make_pair(1, 1));
  EXPECT_EQ(Query("SELECT count(*) FROM t_cons.applied WHERE consumer = 'p'"), "3");
  EXPECT_EQ(Query("SELECT count(*) FROM t_cons.dead_letter WHERE resolved_at IS NULL"), "0");
}

TEST_F(StreamTest, APermanentDatabaseErrorParksOnlyTheEventThatCausesIt) {
  StartServer();
  Produce(1, 5);
  TestCluster::Get().Exec(
      "ALTER TABLE t_cons.applied ADD CONSTRAINT no_third CHECK (seq <> 3 OR consumer <> 'q')");
  StreamConsumer& c = Run(ConsumerSettings("q"), Recorder("q"));
  ASSERT_TRUE(Eventually([&] { return c.stats().applied_seq.load() == 5; }));
  EXPECT_EQ(Query("SELECT string_agg(seq::text, ',' ORDER BY seq) FROM t_cons.applied WHERE "
                  "consumer = 'q'"),
            "1,2,4,5");
  EXPECT_EQ(Query("SELECT seq || ':' || error_code FROM t_cons.dead_letter"), "3:apply_failed");
}

TEST_F(StreamTest, ARestartedConsumerResumesFromItsCursorAndRedeliveryChangesNothing) {
  StartServer();
  Produce(10, 100);
  auto settings = ConsumerSettings("r", 50);
  {
    Running first(std::make_unique<StreamConsumer>(settings, ctx_, Admin(), Recorder("r")));
    ASSERT_TRUE(Eventually([&] { return first.consumer->stats().applied_seq.load() >= 300; }));
  }  // stopped mid-stream
  // Redelivering an applied batch is a no-op (the cursor compare-and-set skips it).
  std::stop_source s;
  db::Connection conn(Admin(), s.get_token());
  StreamConsumerStats stats;
  std::vector<IncomingEvent> again{{1, "test.event", "dup"}, {2, "test.event", "dup"}};
  ApplyBatch(conn, settings, again, Recorder("r"), stats);
  EXPECT_EQ(stats.duplicates_skipped.load(), 2u);

  StreamConsumer& second = Run(settings, Recorder("r"));
  ASSERT_TRUE(Eventually([&] { return second.stats().applied_seq.load() == 1000; }));
  EXPECT_EQ(Query("SELECT count(*) || '/' || count(DISTINCT seq) FROM t_cons.applied WHERE "
                  "consumer = 'r'"),
            "1000/1000");
}

TEST_F(StreamTest, AConsumerStartedBeforeItsProducerCatchesUpOnceItAppears) {
  // Reserve the endpoint first so the consumer can be pointed at it.
  endpoint_ = "tcp://127.0.0.1:" + std::to_string(testing::FreePort());
  StreamConsumer& c = Run(ConsumerSettings("early"), Recorder("early"));
  Produce(1, 10);
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_EQ(c.stats().applied_seq.load(), 0);
  StartServer();
  ASSERT_TRUE(Eventually([&] { return c.stats().applied_seq.load() == 10; }));
}

TEST_F(StreamTest, OnlyServicesMayFetchAndUnknownStreamsAreRefused) {
  StartServer();
  Produce(1, 3);
  auto settings = ConsumerSettings("intruder");
  settings.security.client = integration_keys_;
  StreamConsumer& intruder = Run(settings, Recorder("intruder"));
  auto unknown = ConsumerSettings("lost");
  unknown.stream = "nope";
  StreamConsumer& lost = Run(unknown, Recorder("lost"));
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  EXPECT_EQ(intruder.stats().applied_seq.load(), 0);
  EXPECT_EQ(lost.stats().applied_seq.load(), 0);
  EXPECT_GE(server_->stats().rejected.load(), 2u);
}

}  // namespace
}  // namespace ducha::stream
