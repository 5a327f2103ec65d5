// The outbox sequencer (common/stream): events are numbered gap-free in commit order, after
// commit, so a consumer that reads "after my cursor" never skips an event whose transaction
// committed late. The contrast test shows why: a reader of `id > last_id` over a BIGSERIAL
// taken at INSERT time does skip it.

#include "common/stream/outbox.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <pqxx/pqxx>
#include <set>
#include <thread>
#include <vector>

#include "tests/integration/common/common_it.h"

namespace ducha::stream {
namespace {

using testing::TestCluster;

constexpr char kStream[] = "reports";

// A producer schema with the outbox tables, fresh for each test.
class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::FreshSchema(schema_);
    db::Connection conn(testing::AdminSettings("outbox-migrate"), stop_.get_token());
    const auto report = db::Migrate(conn, schema_, "outbox", OutboxMigrations());
    ASSERT_EQ(report.applied, static_cast<int>(OutboxMigrations().size()));
  }

  db::Connection NewConnection(const std::string& name) {
    return db::Connection(testing::AdminSettings(name), stop_.get_token());
  }

  // One sequencer run in its own transaction; returns the new head.
  std::int64_t Sequence(db::Connection& conn, int max_rows = 1000) {
    return conn.Transact([&](pqxx::work& w) { return outbox_.Sequence(w, kStream, max_rows); });
  }

  std::vector<StoredEvent> ReadAfter(db::Connection& conn, std::int64_t after,
                                     int max_events = 1000) {
    return conn.Read([&](pqxx::read_transaction& r) {
      return outbox_.Read(r, kStream, after, max_events, 1 << 20);
    });
  }

  static std::vector<OutgoingEvent> One(const std::string& payload) {
    return {OutgoingEvent{"test.event", "key-" + payload, payload}};
  }

  std::stop_source stop_;
  const std::string schema_ = "t_outbox";
  Outbox outbox_{schema_};
};

// A consumer that owns its cursor: it reads after the cursor and advances it to the last seq it
// saw, recording what it saw and checking that seq numbers arrive contiguously.
struct Consumer {
  std::int64_t cursor = 0;
  std::vector<std::string> seen;  // payloads, in the order consumed
  std::vector<std::int64_t> seqs;

  void Take(const std::vector<StoredEvent>& batch) {
    for (const auto& e : batch) {
      seqs.push_back(e.seq);
      seen.push_back(e.payload);
      cursor = e.seq;
    }
  }
};

TEST_F(OutboxTest, LateCommittingTransactionIsNumberedAfterAndReadExactlyOnce) {
  db::Connection sequencer = NewConnection("sequencer");
  db::Connection reader = NewConnection("reader");
  pqxx::connection producer1{TestCluster::Get().AdminUrl()};
  pqxx::connection producer2{TestCluster::Get().AdminUrl()};
  pqxx::connection observer{TestCluster::Get().AdminUrl()};  // the naive reader, for contrast
  const std::string table = db::QuoteIdent(schema_) + ".outbox";
  Consumer consumer;
  std::int64_t naive_last_id = 0;
  std::vector<std::string> naive_seen;
  auto naive_read = [&] {
    pqxx::read_transaction r{observer};
    for (const auto& row : r.exec_params(
             "SELECT id, payload FROM " + table + " WHERE id > $1 ORDER BY id", naive_last_id)) {
      naive_last_id = row[0].as<std::int64_t>();
      naive_seen.push_back(pqxx::binarystring(row[1]).str());
    }
  };

  // T1 appends A and stays open; T2 appends B after it and commits first.
  pqxx::work t1{producer1};
  outbox_.Append(t1, kStream, One("A"));
  const auto id_a = t1.exec1("SELECT currval(pg_get_serial_sequence('" + table + "', 'id'))")[0]
                        .as<std::int64_t>();
  {
    pqxx::work t2{producer2};
    outbox_.Append(t2, kStream, One("B"));
    t2.commit();
  }

  // The sequencer sees only B, which becomes seq 1; the reader sees exactly that.
  EXPECT_EQ(Sequence(sequencer), 1);
  {
    const auto batch = ReadAfter(reader, consumer.cursor);
    ASSERT_EQ(batch.size(), 1u);
    EXPECT_EQ(batch[0].seq, 1);
    EXPECT_EQ(batch[0].payload, "B");
    consumer.Take(batch);
  }
  EXPECT_EQ(consumer.cursor, 1);
  naive_read();
  ASSERT_EQ(naive_seen, std::vector<std::string>{"B"});
  EXPECT_GT(naive_last_id, id_a) << "A took its id before B; that is what makes A's commit late";

  // Nothing new until T1 commits: A is invisible, not lost.
  EXPECT_EQ(Sequence(sequencer), 1);
  EXPECT_TRUE(ReadAfter(reader, consumer.cursor).empty());

  t1.commit();

  // A is numbered after B, though its id is lower, and the reader after cursor 1 sees it as 2.
  EXPECT_EQ(Sequence(sequencer), 2);
  {
    const auto batch = ReadAfter(reader, consumer.cursor);
    ASSERT_EQ(batch.size(), 1u);
    EXPECT_EQ(batch[0].seq, 2);
    EXPECT_EQ(batch[0].payload, "A");
    consumer.Take(batch);
  }
  EXPECT_TRUE(ReadAfter(reader, consumer.cursor).empty());

  // The consumer saw both, each once, numbered 1..N without gaps, in commit order.
  EXPECT_EQ(consumer.seen, (std::vector<std::string>{"B", "A"}));
  EXPECT_EQ(consumer.seqs, (std::vector<std::int64_t>{1, 2}));
  // A reader starting from scratch sees the same history.
  const auto replay = ReadAfter(reader, 0);
  ASSERT_EQ(replay.size(), 2u);
  EXPECT_EQ(replay[0].payload, "B");
  EXPECT_EQ(replay[1].payload, "A");

  // Contrast: the naive `id > last_id` reader, following the same interleaving, never sees A.
  naive_read();
  EXPECT_EQ(naive_seen, std::vector<std::string>{"B"}) << "the naive reader skipped nothing?";
  pqxx::read_transaction check{observer};
  EXPECT_EQ(check.exec1("SELECT count(*) FROM " + table)[0].as<int>(), 2)
      << "A is committed, yet the naive reader's cursor is already past its id";
}

TEST_F(OutboxTest, ReaderNeverSeesPastTheCommittedHead) {
  db::Connection conn = NewConnection("head");
  conn.Transact([&](pqxx::work& w) { outbox_.Append(w, kStream, One("x")); });
  EXPECT_TRUE(ReadAfter(conn, 0).empty()) << "unsequenced rows are not readable";
  EXPECT_EQ(conn.Read([&](pqxx::read_transaction& r) { return outbox_.Pending(r, kStream); }), 1);
  EXPECT_EQ(Sequence(conn), 1);
  EXPECT_EQ(conn.Read([&](pqxx::read_transaction& r) { return outbox_.Pending(r, kStream); }), 0);
  EXPECT_EQ(conn.Read([&](pqxx::read_transaction& r) { return outbox_.Head(r, kStream); }), 1);
  EXPECT_EQ(ReadAfter(conn, 0).size(), 1u);
}

TEST_F(OutboxTest, SequencerTransactionThatRollsBackBurnsNoNumbers) {
  db::Connection conn = NewConnection("rollback");
  conn.Transact([&](pqxx::work& w) {
    outbox_.Append(w, kStream, {{"t", "k", "one"}, {"t", "k", "two"}, {"t", "k", "three"}});
  });
  {
    pqxx::work w{conn.Raw()};
    EXPECT_EQ(outbox_.Sequence(w, kStream, 100), 3);
    w.abort();
  }
  EXPECT_EQ(conn.Read([&](pqxx::read_transaction& r) { return outbox_.Head(r, kStream); }), 0);
  EXPECT_EQ(conn.Read([&](pqxx::read_transaction& r) { return outbox_.Pending(r, kStream); }), 3);
  EXPECT_TRUE(ReadAfter(conn, 0).empty());

  EXPECT_EQ(Sequence(conn), 3);
  const auto events = ReadAfter(conn, 0);
  ASSERT_EQ(events.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(events[i].seq, static_cast<std::int64_t>(i) + 1);
  EXPECT_EQ(events[0].payload, "one");
  EXPECT_EQ(events[2].payload, "three");
}

TEST_F(OutboxTest, SequencerNumbersAtMostMaxRowsPerRun) {
  db::Connection conn = NewConnection("batch");
  std::vector<OutgoingEvent> five;
  for (int i = 0; i < 5; ++i) five.push_back({"t", "k", std::to_string(i)});
  conn.Transact([&](pqxx::work& w) { outbox_.Append(w, kStream, five); });
  EXPECT_EQ(Sequence(conn, 2), 2);
  EXPECT_EQ(Sequence(conn, 2), 4);
  EXPECT_EQ(Sequence(conn, 2), 5);
  EXPECT_EQ(Sequence(conn, 2), 5);
  const auto events = ReadAfter(conn, 0);
  ASSERT_EQ(events.size(), 5u);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(events[static_cast<std::size_t>(i)].payload, std::to_string(i));
}

TEST_F(OutboxTest, ConcurrentAppendersWithARunningSequencerAreReadExactlyOnceInOrder) {
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 500;
  constexpr int kTotal = kProducers * kPerProducer;
  std::atomic<int> producers_done{0};
  std::atomic<bool> sequencer_failed{false};

  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      db::Connection conn = NewConnection("producer-" + std::to_string(p));
      for (int i = 0; i < kPerProducer; ++i) {
        conn.Transact([&](pqxx::work& w) {
          outbox_.Append(w, kStream, One(std::to_string(p) + ":" + std::to_string(i)));
        });
      }
      producers_done.fetch_add(1);
    });
  }
  std::thread sequencer([&] {
    try {
      db::Connection conn = NewConnection("sequencer");
      for (;;) {
        const bool last_round = producers_done.load() == kProducers;
        const std::int64_t head = Sequence(conn, 100);
        if (last_round && head == kTotal) return;
        if (last_round && head > kTotal) {
          sequencer_failed = true;
          return;
        }
      }
    } catch (...) {
      sequencer_failed = true;
    }
  });

  // The reader follows along while producers and sequencer run.
  db::Connection reader = NewConnection("reader");
  Consumer consumer;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
  while (consumer.seen.size() < static_cast<std::size_t>(kTotal) && !sequencer_failed &&
         std::chrono::steady_clock::now() < deadline) {
    consumer.Take(ReadAfter(reader, consumer.cursor, 97));
  }
  for (auto& t : producers) t.join();
  sequencer.join();
  ASSERT_FALSE(sequencer_failed);
  // Anything read beyond kTotal would be a duplicate; read once more to catch it.
  consumer.Take(ReadAfter(reader, consumer.cursor));

  ASSERT_EQ(consumer.seen.size(), static_cast<std::size_t>(kTotal));
  for (std::size_t i = 0; i < consumer.seqs.size(); ++i) {
    ASSERT_EQ(consumer.seqs[i], static_cast<std::int64_t>(i) + 1) << "gap or repeat at " << i;
  }
  EXPECT_EQ(std::set<std::string>(consumer.seen.begin(), consumer.seen.end()).size(),
            static_cast<std::size_t>(kTotal))
      << "an event was read twice";
  // Each producer committed its events one after another, so they appear in that order.
  std::map<int, int> next;
  for (const auto& payload : consumer.seen) {
    const auto colon = payload.find(':');
    const int p = std::stoi(payload.substr(0, colon));
    const int i = std::stoi(payload.substr(colon + 1));
    ASSERT_EQ(i, next[p]) << "producer " << p << " out of order";
    ++next[p];
  }
  for (int p = 0; p < kProducers; ++p) EXPECT_EQ(next[p], kPerProducer);
}

}  // namespace
}  // namespace ducha::stream
