// Tracking against a real PostgreSQL (throwaway cluster) and the shipped Hebei campaign:
// dispatch's events through the consumer's ApplyBatch, the sweep (each clock event once, a jump
// equal to day-by-day sweeps), review's re-inspection results, the groups' visits, coverage and
// the ranking, and the action endpoint over CURVE with real ZeroMQ sockets: scope, roles,
// idempotent retries and each kind of bad input.

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <zmq.hpp>

#include "common/campaign/loader.h"
#include "common/clock/clock.h"
#include "common/db/audit.h"
#include "common/db/migrate.h"
#include "common/stream/consumer.h"
#include "common/stream/outbox.h"
#include "common/transport/transport.h"
#include "common/transport/zap.h"
#include "proto/common_codec.h"
#include "proto/dispatch_codec.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"
#include "proto/review_codec.h"
#include "proto/tracking_codec.h"
#include "services/tracking/io/action_server.h"
#include "services/tracking/migrations.h"
#include "services/tracking/store/appliers.h"
#include "services/tracking/store/coverage.h"
#include "services/tracking/store/ledger_store.h"
#include "tests/support/hebei_campaign.h"
#include "tests/support/test_cluster.h"

namespace ducha::tracking {
namespace {

namespace pc = proto::common;
namespace pd = proto::dispatch;
namespace pi = proto::intake;
namespace pr = proto::review;
namespace pt = proto::tracking;
using testing::TestCluster;

timeutil::Millis At(const char* rfc3339) { return *timeutil::ParseRfc3339(rfc3339); }
Day D(const char* iso) { return *timeutil::ParseDate(iso); }

const campaign::Campaign& Hebei() { return ::ducha::testing::HebeiCampaign(); }

db::DbSettings TrackingDb() { return db::DbSettings{TestCluster::Get().UrlFor("tracking"), "t"}; }

// A general dust problem of 长安区 (130102), assigned to its government on Tuesday 21 November
// 2017 with fifteen working days (due 12 December).
pd::ProblemAssigned Assigned(std::int64_t id, const char* deadline = "2017-12-12",
                             const char* at = "2017-11-21T09:30:00+08:00") {
  pd::ProblemAssigned a;
  a.problem_id = id;
  a.report_id = id;
  a.kind = pd::AssignmentKind::kRectification;
  a.body = pd::Body{"130102", "长安区人民政府", pd::BodyKind::kCountyGovernment};
  a.jurisdiction = "130102";
  a.city = "130100";
  a.channel = pc::Channel::kSupervisionGroup;
  a.category = pc::Category::kDust;
  a.severity = pc::Severity::kGeneral;
  a.listed = false;
  a.deadline = deadline;
  a.assigned_at = At(at);
  a.supervising_group = "SG5";
  a.round = 3;
  a.title = "建筑工地扬尘 " + std::to_string(id);
  return a;
}

// A citizen report for the city bureau of 石家庄 to verify.
pd::ProblemAssigned Verification(std::int64_t id) {
  pd::ProblemAssigned a = Assigned(id, "2017-12-05");
  a.kind = pd::AssignmentKind::kVerification;
  a.body = pd::Body{"130100", "石家庄市环境保护局", pd::BodyKind::kCityBureau};
  a.channel = pc::Channel::kCitizenWeb;
  return a;
}

// Any generated message as the next event of a stream (Encode is found by argument lookup).
template <typename M>
stream::IncomingEvent Event(std::int64_t seq, const M& m) {
  return stream::IncomingEvent{seq, std::string(M::kType), Encode(m)};
}

class TrackingStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::stop_source stop;
    db::Connection conn(TrackingDb(), stop.get_token());
    db::Migrate(conn, kSchema, "outbox", stream::OutboxMigrations());
    db::Migrate(conn, kSchema, "inbox", stream::InboxMigrations());
    db::Migrate(conn, kSchema, "service", Migrations());
    db::Migrate(conn, kSchema, "audit", db::AuditMigrations());
  }

  void SetUp() override {
    TestCluster::Get().Exec(
        "TRUNCATE tracking.ledger, tracking.ledger_clock, tracking.history, "
        "tracking.action_request, tracking.visit, "
        "tracking.ranking, tracking.ranking_import, tracking.outbox, tracking.stream_head, "
        "tracking.stream_cursor, tracking.dead_letter, tracking.audit");
    settings_.schema = kSchema;
    settings_.producer = "dispatch";
    settings_.stream = "assignments";
    settings_.consumer = "tracking-test";
    next_seq_ = 1;
  }

  // Applies dispatch events as the next batch of the assignments stream.
  template <typename... M>
  void Dispatch(const M&... events) {
    std::vector<stream::IncomingEvent> batch;
    (batch.push_back(Event(next_seq_++, events)), ...);
    stream::ApplyBatch(conn_, settings_, batch, assignments_.AsApplyFn(), stats_);
  }

  void Review(std::int64_t seq, const pr::ReinspectionConcluded& m) {
    stream::StreamConsumerSettings s = settings_;
    s.producer = "review";
    s.stream = "reinspections";
    const std::vector<stream::IncomingEvent> batch{Event(seq, m)};
    stream::ApplyBatch(conn_, s, batch, reinspections_.AsApplyFn(), stats_);
  }

  std::string Q(const std::string& sql) { return TestCluster::Get().QueryValue(sql); }

  // The ledger stream's events as "type problem due_date", in stream order.
  std::vector<std::string> LedgerEvents() {
    return conn_.Read([](pqxx::read_transaction& r) {
      std::vector<std::string> out;
      for (const auto& row :
           r.exec("SELECT type, payload FROM tracking.outbox WHERE stream = 'ledger' ORDER BY "
                  "seq NULLS LAST, id")) {
        const std::string bytes = pqxx::binarystring(row[1]).str();
        auto frame = proto::ParseMessage(bytes);
        std::string line = row[0].as<std::string>();
        if (frame) line += " " + std::string(frame->id());
        if (auto w = codec::DecodeAs<pt::DeadlineWarning>(*frame); w.ok()) {
          line += " " + std::to_string(w->fraction) + " " + w->due_date;
        } else if (auto o = codec::DecodeAs<pt::Overdue>(*frame); o.ok()) {
          line += " " + o->due_date;
        } else if (auto e = codec::DecodeAs<pt::Escalated>(*frame); e.ok()) {
          line += " " + e->rung_name + " " + e->due_date;
        }
        out.push_back(line);
      }
      return out;
    });
  }

  Result<SweepStats> Sweep(const char* day, int chunk = 7) {
    return SweepDue(conn_, ledger_, stream::Outbox(kSchema), D(day), chunk);
  }

  std::stop_source stop_;
  db::Connection conn_{TrackingDb(), stop_.get_token()};
  Ledger ledger_{Hebei()};
  AssignmentApplier assignments_{ledger_};
  ReinspectionApplier reinspections_{ledger_};
  VisitApplier visits_;
  stream::StreamConsumerSettings settings_;
  stream::StreamConsumerStats stats_;
  std::int64_t next_seq_ = 1;
};

// --- dispatch's events ---------------------------------------------------------------------------

TEST_F(TrackingStoreTest, AssignmentsOpenEntriesAndRepeatsAndListingsUpdateThem) {
  pd::SourceAdded repeat{101, 150, pc::Channel::kCitizenHotline, 2, At("2017-11-22T10:00:00Z")};
  pd::ProblemChanged listed;
  listed.problem_id = 101;
  listed.history_id = 3;
  listed.change = pd::ChangeKind::kListed;
  listed.listed = true;
  listed.reason = "多次举报";
  listed.by = "rule";
  listed.at = At("2017-11-22T10:00:00Z");
  Dispatch(Assigned(101), Verification(102), repeat, listed);

  EXPECT_EQ(Q("SELECT count(*) FROM tracking.ledger"), "2");
  EXPECT_EQ(Q("SELECT state || ' ' || report_count || ' ' || listed FROM tracking.ledger WHERE "
              "problem_id = 101"),
            "in_rectification 2 true");
  EXPECT_EQ(Q("SELECT state FROM tracking.ledger WHERE problem_id = 102"), "awaiting_verification");
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.history WHERE problem_id = 101"), "3");
  // The first warning of a 15-working-day deadline from 21 November: the 12th working day.
  EXPECT_EQ(Q("SELECT to_char(date '1970-01-01' + next_due_day, 'YYYY-MM-DD') FROM "
              "tracking.ledger_clock WHERE problem_id = 101"),
            "2017-12-07");
  EXPECT_TRUE(LedgerEvents().empty()) << "dispatch's facts emit nothing";
}

TEST_F(TrackingStoreTest, AnEventForAProblemNotInTheLedgerIsParkedAndTheRestApplies) {
  Dispatch(pd::SourceAdded{999, 1000, pc::Channel::kCitizenWeb, 2, At("2017-11-22T10:00:00Z")},
           Assigned(101));
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.ledger"), "1");
  EXPECT_EQ(Q("SELECT error_code FROM tracking.dead_letter"), "unknown_problem");
  EXPECT_EQ(Q("SELECT applied_seq FROM tracking.stream_cursor"), "2");
}

TEST_F(TrackingStoreTest, RedeliveringABatchChangesNothing) {
  const std::vector<stream::IncomingEvent> batch{Event(1, Assigned(101)), Event(2, Assigned(102))};
  stream::ApplyBatch(conn_, settings_, batch, assignments_.AsApplyFn(), stats_);
  stream::ApplyBatch(conn_, settings_, batch, assignments_.AsApplyFn(), stats_);
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.ledger"), "2");
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.history"), "2");
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.dead_letter"), "0");
}

// --- the clock -----------------------------------------------------------------------------------

TEST_F(TrackingStoreTest, ASweepEmitsWhatIsDueOnceAndAgainTheSameDayNothing) {
  Dispatch(Assigned(101));
  ASSERT_TRUE(Sweep("2017-12-06").ok());
  EXPECT_TRUE(LedgerEvents().empty()) << "11 of 15 working days used: no warning yet";
  const auto swept = Sweep("2017-12-07");
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(swept->events, 1);
  EXPECT_EQ(LedgerEvents(),
            std::vector<std::string>{"tracking.deadline_warning problem-101 0.750000 2017-12-07"});
  EXPECT_EQ(Sweep("2017-12-07")->events, 0);
  EXPECT_EQ(LedgerEvents().size(), 1u);
}

TEST_F(TrackingStoreTest, AJumpOfTheClockEmitsExactlyWhatDayByDaySweepsEmit) {
  // 60 problems with deadlines from 0 to 29 working days, swept day by day across the Spring
  // Festival, then the same problems swept once at the end.
  auto open_all = [this] {
    std::vector<stream::IncomingEvent> batch;
    for (int i = 0; i < 60; ++i) {
      const auto deadline = Hebei().calendar().AddWorkingDays(D("2018-01-29"), i % 30);
      batch.push_back(Event(next_seq_++, Assigned(200 + i, timeutil::FormatDate(*deadline).c_str(),
                                                  "2018-01-29T09:00:00+08:00")));
    }
    stream::ApplyBatch(conn_, settings_, batch, assignments_.AsApplyFn(), stats_);
  };
  open_all();
  for (Day day = D("2018-01-29"); day <= D("2018-04-20"); ++day) {
    ASSERT_TRUE(SweepDue(conn_, ledger_, stream::Outbox(kSchema), day, 7).ok());
  }
  std::vector<std::string> daily = LedgerEvents();
  const std::string daily_marks =
      Q("SELECT string_agg(problem_id || ':' || array_to_string(warnings_sent, ',') || ':' || "
        "overdue_notified || ':' || escalation_rung, ' ' ORDER BY problem_id) FROM "
        "tracking.ledger_clock");

  SetUp();
  open_all();
  const auto jump = Sweep("2018-04-20");
  ASSERT_TRUE(jump.ok());
  std::vector<std::string> once = LedgerEvents();
  // Stream order differs (day by day is ordered by day; a jump by problem), the set may not.
  std::sort(daily.begin(), daily.end());
  std::sort(once.begin(), once.end());
  EXPECT_EQ(daily, once);
  EXPECT_EQ(once.size(), static_cast<std::size_t>(jump->events));
  // 2 warnings (except the 0-day deadlines), overdue and 4 rungs for every problem.
  EXPECT_EQ(jump->events, 60 * 7 - 2 * 2);
  EXPECT_EQ(daily_marks, Q("SELECT string_agg(problem_id || ':' || array_to_string(warnings_sent, "
                           "',') || ':' || overdue_notified || ':' || escalation_rung, ' ' ORDER "
                           "BY problem_id) FROM tracking.ledger_clock"));
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.ledger_clock WHERE next_due_day IS NOT NULL"), "0");
}

TEST_F(TrackingStoreTest, ALargeSweepNumbersItsEventsAfterTheHeadWithoutGapsAndChainsTheHistory) {
  // 300 problems all overdue on one day: one chunk appends more than 900 events and copies their
  // history lines in, between single-event appends.
  Dispatch(Assigned(1));
  ASSERT_EQ(Sweep("2017-12-07")->events, 1);  // the 75 % warning
  std::vector<stream::IncomingEvent> batch;
  for (int i = 0; i < 300; ++i) batch.push_back(Event(next_seq_++, Assigned(1000 + i)));
  stream::ApplyBatch(conn_, settings_, batch, assignments_.AsApplyFn(), stats_);
  const auto swept = Sweep("2017-12-13", 1000);
  ASSERT_TRUE(swept.ok());
  EXPECT_EQ(swept->chunks, 1);
  EXPECT_EQ(swept->entries, 301);
  EXPECT_GE(swept->events, 301 + 300 * 2);  // 2 warnings and the overdue notice each
  const Actor changan{"changan", ActorRole::kBody, {130102}};
  const std::vector<ActionRequest> claim{
      {changan, "c1", 1, Claim{"已苫盖", {"doc://1"}}, At("2017-12-13T10:00:00+08:00")}};
  ASSERT_TRUE(conn_
                  .Transact([&](pqxx::work& tx) {
                    return ApplyActions(tx, ledger_, stream::Outbox(kSchema), claim);
                  })[0]
                  .ok());
  const std::int64_t total = 1 + swept->events + 1;
  const std::string head = Q("SELECT last_seq FROM tracking.stream_head WHERE stream = 'ledger'");
  EXPECT_EQ(head, std::to_string(total));
  EXPECT_EQ(Q("SELECT count(*) || ' ' || min(seq) || ' ' || max(seq) || ' ' || count(DISTINCT "
              "seq) || ' ' || count(sequenced_at) FROM tracking.outbox WHERE stream = 'ledger'"),
            head + " 1 " + head + " " + head + " " + head);
  const auto events = LedgerEvents();
  ASSERT_EQ(events.size(), static_cast<std::size_t>(total));
  EXPECT_EQ(events.front(), "tracking.deadline_warning problem-1 0.750000 2017-12-07");
  EXPECT_EQ(events.back(), "tracking.rectification_claimed problem-1");
  for (std::int64_t id : {std::int64_t{1}, std::int64_t{1000}, std::int64_t{1299}}) {
    const auto lines =
        conn_.Read([id](pqxx::read_transaction& tx) { return LoadHistoryChain(tx, id); });
    EXPECT_EQ(audit::VerifyChain(lines), std::nullopt) << id;
    EXPECT_GE(lines.size(), 4u) << id;
  }
}

TEST_F(TrackingStoreTest, TheClocksCopyOfStateDeadlineAndBodyFollowsTheLedger) {
  // The sweep reads the state, the deadline and the body from tracking.ledger_clock alone
  // (migration 004): every write of an entry keeps them equal to the ledger's.
  Dispatch(Assigned(101), Verification(102));
  const Actor changan{"changan", ActorRole::kBody, {130102}};
  const Actor bureau{"sjz-bureau", ActorRole::kBody, {130100}};
  const std::vector<ActionRequest> actions{
      {changan, "c1", 101, Claim{"已苫盖", {"doc://1"}}, At("2017-11-30T10:00:00+08:00")},
      {bureau, "v1", 102, VerificationResult{true, ""}, At("2017-11-30T11:00:00+08:00")}};
  const auto done = conn_.Transact(
      [&](pqxx::work& tx) { return ApplyActions(tx, ledger_, stream::Outbox(kSchema), actions); });
  ASSERT_TRUE(done[0].ok() && done[1].ok());
  Review(1,
         pr::ReinspectionConcluded{101, 7, false, pr::Method::kReinspected, "仍有裸土未覆盖", "CG2",
                                   "enforcement-bureau", At("2017-12-04T10:00:00+08:00")});
  ASSERT_TRUE(Sweep("2018-01-10").ok());
  const char* differ =
      "SELECT count(*) FROM tracking.ledger l JOIN tracking.ledger_clock c USING (problem_id) "
      "WHERE (l.state, l.deadline, l.deadline_started_day, l.body_code, l.body_name, "
      "l.body_kind) IS DISTINCT FROM (c.state, c.deadline, c.deadline_started_day, c.body_code, "
      "c.body_name, c.body_kind)";
  EXPECT_EQ(Q(differ), "0");
  EXPECT_EQ(Q("SELECT string_agg(state || ' ' || deadline, ',' ORDER BY problem_id) FROM "
              "tracking.ledger_clock"),
            Q("SELECT string_agg(state || ' ' || deadline, ',' ORDER BY problem_id) FROM "
              "tracking.ledger"));
  EXPECT_EQ(Q("SELECT string_agg(state, ',' ORDER BY problem_id) FROM tracking.ledger_clock"),
            "in_rectification,in_rectification");
}

TEST_F(TrackingStoreTest, AnEntryAnActionChangesUnderTheSweepIsSweptAgainLockedAndNotWarned) {
  // The sweep reads the clock rows without locking them and updates only the versions it read.
  // Here an action (a claim on 101, in its own transaction) holds 101's rows while the sweep
  // runs: the sweep reads the old version, waits in its update, and after the claim commits
  // finds 101 changed. The chunk is swept again with its rows locked, and the claimed entry,
  // no longer open, gets no warning; 102, untouched, gets its warning exactly once.
  Dispatch(Assigned(101), Assigned(102));
  pqxx::connection action_conn{TrackingDb().url};
  pqxx::work action_tx{action_conn};
  const Actor changan{"changan", ActorRole::kBody, {130102}};
  const std::vector<ActionRequest> claim{
      {changan, "c1", 101, Claim{"已苫盖", {"doc://1"}}, At("2017-12-06T10:00:00+08:00")}};
  ASSERT_TRUE(ApplyActions(action_tx, ledger_, stream::Outbox(kSchema), claim)[0].ok());

  Result<SweepStats> swept = SweepStats{};
  std::thread sweeper([&] { swept = Sweep("2017-12-07"); });
  // Until the sweep's update waits for 101's row lock (its unlocked read has gone through).
  bool waiting = false;
  for (int i = 0; i < 500 && !waiting; ++i) {
    waiting = Q("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query "
                "LIKE 'UPDATE tracking.ledger_clock%'") == "1";
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  action_tx.commit();
  sweeper.join();
  ASSERT_TRUE(waiting) << "the sweep never waited for the action's lock";
  ASSERT_TRUE(swept.ok()) << swept.error().message;
  EXPECT_EQ(swept->retried, 1);
  EXPECT_EQ(swept->events, 1);
  const auto events = LedgerEvents();
  EXPECT_EQ(std::count(events.begin(), events.end(),
                       "tracking.deadline_warning problem-102 0.750000 2017-12-07"),
            1);
  for (const auto& e : events) EXPECT_EQ(e.find("deadline_warning problem-101"), std::string::npos);
  EXPECT_EQ(Q("SELECT state || ' ' || coalesce(next_due_day::text, 'none') FROM "
              "tracking.ledger_clock WHERE problem_id = 101"),
            Q("SELECT state FROM tracking.ledger WHERE problem_id = 101") + " none");
  EXPECT_EQ(Sweep("2017-12-07")->events, 0);
}

TEST_F(TrackingStoreTest, ADayOutsideTheCalendarIsRefusedAndChangesNothing) {
  Dispatch(Assigned(101));
  const auto swept = Sweep("2030-01-01");
  ASSERT_FALSE(swept.ok());
  EXPECT_EQ(swept.error().code, "outside_calendar");
  EXPECT_TRUE(LedgerEvents().empty());
}

// --- review's results ----------------------------------------------------------------------------

TEST_F(TrackingStoreTest, AFailedReinspectionReopensWithANewDeadlineAndAStrayResultIsParked) {
  Dispatch(Assigned(101));
  const Actor changan{"changan", ActorRole::kBody, {130102}};
  const std::vector<ActionRequest> claim{
      {changan, "c1", 101, Claim{"已苫盖", {"doc://1"}}, At("2017-11-30T10:00:00+08:00")}};
  const auto claimed = conn_.Transact(
      [&](pqxx::work& tx) { return ApplyActions(tx, ledger_, stream::Outbox(kSchema), claim); });
  ASSERT_TRUE(claimed[0].ok());
  EXPECT_EQ(claimed[0]->state, State::kClaimed);

  Review(1,
         pr::ReinspectionConcluded{101, 7, false, pr::Method::kReinspected, "仍有裸土未覆盖", "CG2",
                                   "enforcement-bureau", At("2017-12-04T10:00:00+08:00")});
  EXPECT_EQ(Q("SELECT state || ' ' || reopen_count FROM tracking.ledger WHERE problem_id = 101"),
            "in_rectification 1");
  // Fifteen working days from Monday 4 December.
  EXPECT_EQ(Q("SELECT to_char(date '1970-01-01' + deadline, 'YYYY-MM-DD') FROM tracking.ledger"),
            "2017-12-25");
  const auto events = LedgerEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0], "tracking.rectification_claimed problem-101");
  EXPECT_EQ(events[1], "tracking.reopened problem-101");

  // A result for a problem not awaiting re-inspection is parked, not applied.
  Review(2, pr::ReinspectionConcluded{101, 8, true, pr::Method::kReinspected, std::nullopt, "CG2",
                                      "enforcement-bureau", At("2017-12-05T10:00:00+08:00")});
  EXPECT_EQ(Q("SELECT error_code FROM tracking.dead_letter"), "wrong_state");
}

// --- visits, coverage, ranking -------------------------------------------------------------------

pi::VisitReported Visit(std::int64_t id, const char* group, const char* county, const char* city,
                        const char* date, std::vector<pc::Category> tasks, int found) {
  pi::VisitReported v;
  v.visit_id = id;
  v.integration = "sg-terminal";
  v.submission_id = "v" + std::to_string(id);
  v.group_id = group;
  v.round = 3;
  v.county = county;
  v.city = city;
  v.visit_date = date;
  v.tasks = std::move(tasks);
  v.problems_found = found;
  v.received_at = At("2017-11-21T20:00:00+08:00");
  return v;
}

TEST_F(TrackingStoreTest, CoverageShowsTheGapsWithUnvisitedPriorityCountiesFirst) {
  stream::StreamConsumerSettings s = settings_;
  s.producer = "intake";
  s.stream = "visits";
  const std::vector<stream::IncomingEvent> batch{
      Event(1, Visit(1, "SG5", "130102", "130100", "2017-11-21",
                     {pc::Category::kDust, pc::Category::kSmallCoalBoilers}, 2)),
      Event(2, [] {
        // How the group worked, as intake's visit_reported carries it since 1.1.
        auto v = Visit(2, "SG5", "130104", "130100", "2017-11-21", {pc::Category::kDust}, 0);
        v.methods = {pi::VisitMethod::kHear, pi::VisitMethod::kLook};
        v.mode = pi::VisitMode::kOpen;
        return v;
      }())};
  stream::ApplyBatch(conn_, s, batch, visits_.AsApplyFn(), stats_);
  stream::ApplyBatch(conn_, s, batch, visits_.AsApplyFn(), stats_);  // redelivered: no change
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.visit"), "2");

  pt::ImportRanking ranking;
  ranking.source = "监测处 2017-11";
  ranking.priority_count = 2;
  ranking.rows = {{2, "130104", 5, 1.0}, {3, "130105", 1, 9.5}, {4, "130102", 2, 3.0}};
  const auto imported =
      conn_.Transact([&](pqxx::work& tx) { return ImportRanking(tx, Hebei(), ranking, "ops-1"); });
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  EXPECT_EQ(imported->priority, 2);

  const auto coverage =
      conn_.Read([&](pqxx::read_transaction& tx) { return Coverage(tx, Hebei(), 3); });
  ASSERT_TRUE(coverage.ok());
  EXPECT_EQ(coverage->counties.size(), Hebei().counties().size());
  EXPECT_EQ(coverage->counties_visited, 2);
  EXPECT_EQ(coverage->cells_covered, 3);
  // 新华区 (130105): rank 1, priority, not visited: first. 长安区 (130102): rank 2, priority, gaps.
  EXPECT_EQ(coverage->counties[0].county, "130105");
  EXPECT_TRUE(coverage->counties[0].priority);
  EXPECT_EQ(coverage->counties[0].visits, 0);
  EXPECT_EQ(coverage->counties[1].county, "130102");
  EXPECT_EQ(coverage->counties[1].covered.size(), 2u);
  EXPECT_EQ(coverage->counties[1].groups, std::vector<std::string>{"SG5"});
  EXPECT_FALSE(coverage->counties[2].priority);

  const auto unknown =
      conn_.Read([&](pqxx::read_transaction& tx) { return Coverage(tx, Hebei(), 9); });
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "unknown_round");

  Dispatch(Assigned(101));
  const auto daily = conn_.Read(
      [&](pqxx::read_transaction& tx) { return DailyReport(tx, Hebei(), "SG5", "2017-11-21"); });
  ASSERT_TRUE(daily.ok());
  ASSERT_EQ(daily->visits.size(), 2u);
  EXPECT_EQ(daily->problems_found, 2);
  EXPECT_TRUE(daily->visits[0].methods.empty());  // a visit from before 1.1: none recorded
  EXPECT_FALSE(daily->visits[0].mode);
  EXPECT_EQ(daily->visits[1].methods,
            (std::vector<pi::VisitMethod>{pi::VisitMethod::kHear, pi::VisitMethod::kLook}));
  EXPECT_EQ(daily->visits[1].mode, pi::VisitMode::kOpen);
  ASSERT_EQ(daily->filed.size(), 1u);
  EXPECT_EQ(daily->filed[0].problem_id, 101);
}

TEST_F(TrackingStoreTest, ARankingWithAnUnknownCountyIsRefusedWholeWithItsLine) {
  pt::ImportRanking ranking;
  ranking.source = "bad.csv";
  ranking.priority_count = 1;
  ranking.rows = {{2, "130102", 1, 1.0}, {3, "139999", 2, 1.0}};
  const auto r =
      conn_.Transact([&](pqxx::work& tx) { return ImportRanking(tx, Hebei(), ranking, "ops-1"); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "unknown_county");
  EXPECT_EQ(r.error().field, "rows[1].county");
  EXPECT_NE(r.error().message.find("line 3"), std::string::npos);
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.ranking"), "0");

  ranking.rows = {{2, "130102", 1, 1.0}, {3, "130102", 2, 1.0}};
  const auto twice =
      conn_.Transact([&](pqxx::work& tx) { return ImportRanking(tx, Hebei(), ranking, "ops-1"); });
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, "duplicate_value");
}

// --- the action endpoint -------------------------------------------------------------------------

class ActionServerTest : public TrackingStoreTest {
 protected:
  void SetUp() override {
    TrackingStoreTest::SetUp();
    Dispatch(Assigned(101), Verification(102));
    server_keys_ = transport::GenerateKeyPair();
    auth::Registry::Snapshot snap;
    auto add = [&](const std::string& name, auth::Role role, std::vector<std::string> scope) {
      const transport::KeyPair keys = transport::GenerateKeyPair();
      snap.identities.emplace(name, auth::Identity{name, role, {}, std::move(scope)});
      snap.key_to_identity.emplace(keys.public_z85, name);
      keys_[name] = keys;
    };
    add("changan", auth::Role::kBody, {"130102"});
    add("qiaoxi", auth::Role::kBody, {"130104"});
    add("sjz-bureau", auth::Role::kBody, {"130100"});
    add("center-1", auth::Role::kSupervisionCenter, {});
    add("ops-1", auth::Role::kOperator, {});
    add("web-a", auth::Role::kIntegration, {});
    registry_.Replace(snap);
    zap_ = std::make_unique<transport::ZapHandler>(
        ctx_, [this](std::string_view mech, std::string_view key) -> std::optional<std::string> {
          if (mech != "CURVE") return std::nullopt;
          return registry_.IdentityForKey(key);
        });
    ActionSettings s;
    s.endpoint = "tcp://127.0.0.1:0";
    s.security.secret_key_z85 = server_keys_.secret_z85;
    server_ = std::make_unique<ActionServer>(s, ctx_, Hebei(), ledger_, registry_, clock_,
                                             TrackingDb(), assignments_.AsApplyFn());
    server_->Bind();
    endpoint_ = server_->BoundEndpoint();
    thread_ = std::jthread([this](std::stop_token st) { server_->Run(st); });
  }
  void TearDown() override {
    thread_ = {};
    server_.reset();
    zap_.reset();
  }

  // Sends one request as `who` and returns the reply frame's bytes.
  std::string Send(const std::string& who, const std::string& payload) {
    zmq::socket_t sock = transport::MakeClientSocket(
        ctx_, zmq::socket_type::dealer,
        transport::ClientSecurity{true, server_keys_.public_z85, keys_.at(who)});
    sock.connect(endpoint_);
    zmq::message_t m(payload.data(), payload.size());
    sock.send(m, zmq::send_flags::none);
    std::vector<zmq::pollitem_t> items{{sock.handle(), 0, ZMQ_POLLIN, 0}};
    if (transport::Poll(items, std::chrono::seconds(10)) == 0) return "";
    std::vector<zmq::message_t> frames;
    transport::RecvMessage(sock, frames, 4);
    return frames.empty() ? "" : frames.back().to_string();
  }

  Result<pt::ActionDone> Act(const std::string& who, const std::string& payload) {
    const std::string reply = Send(who, payload);
    auto frame = proto::ParseMessage(reply);
    if (!frame) return frame.error();
    if (frame->type() == pc::ErrorReply::kType) {
      const auto e = codec::DecodeAs<pc::ErrorReply>(*frame);
      return MakeError(e->code, e->field.value_or(""), e->message);
    }
    return codec::DecodeAs<pt::ActionDone>(*frame);
  }

  std::string History(std::int64_t id) {
    return Q("SELECT string_agg(what, ',' ORDER BY id) FROM tracking.history WHERE problem_id = " +
             std::to_string(id));
  }

  SimulatedClock clock_{At("2017-11-23T10:00:00+08:00")};
  zmq::context_t ctx_;
  transport::KeyPair server_keys_;
  std::map<std::string, transport::KeyPair> keys_;
  auth::Registry registry_;
  std::unique_ptr<transport::ZapHandler> zap_;
  std::unique_ptr<ActionServer> server_;
  std::string endpoint_;
  std::jthread thread_;
};

TEST_F(ActionServerTest, ABodyReportsProgressAndClaimsAndTheClaimGoesToReview) {
  const auto progress =
      Act("changan", pt::Encode(pt::ReportProgress{"p-1", 101, "已停工整改"}, "m1"));
  ASSERT_TRUE(progress.ok()) << progress.error().message;
  EXPECT_EQ(progress->state, pt::LedgerState::kInRectification);
  EXPECT_EQ(progress->deadline, "2017-12-12");
  const auto claim = Act(
      "changan", pt::Encode(pt::ClaimRectified{"c-1", 101, "已全部苫盖", {"doc://changan/1.jpg"}}));
  ASSERT_TRUE(claim.ok()) << claim.error().message;
  EXPECT_EQ(claim->state, pt::LedgerState::kClaimed);
  EXPECT_EQ(History(101), "assigned,progress,claimed");
  const auto events = LedgerEvents();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1], "tracking.rectification_claimed problem-101");
  EXPECT_EQ(server_->stats().done.load(), 2u);
}

TEST_F(ActionServerTest, TheHistoryIsAHashChainAcrossActionsAndSweeps) {
  ASSERT_TRUE(Act("changan", pt::Encode(pt::ReportProgress{"p-c", 101, "已停工"})).ok());
  ASSERT_TRUE(Sweep("2017-12-20").ok());  // warnings and the overdue notice, in one chunk
  ASSERT_TRUE(Act("changan", pt::Encode(pt::RequestExtension{"x-c", 101, 3, "设备"})).ok());
  auto lines = conn_.Read([](pqxx::read_transaction& tx) { return LoadHistoryChain(tx, 101); });
  ASSERT_GE(lines.size(), 5u);  // assigned, progress, 2 warnings, overdue, ..., requested
  EXPECT_EQ(lines.front().prev_hash, audit::kGenesisHash);
  EXPECT_EQ(audit::VerifyChain(lines), std::nullopt);
  TestCluster::Get().Exec("DELETE FROM tracking.history WHERE what = 'progress'");
  lines = conn_.Read([](pqxx::read_transaction& tx) { return LoadHistoryChain(tx, 101); });
  const auto broken = audit::VerifyChain(lines);
  ASSERT_TRUE(broken.has_value());
  EXPECT_EQ(broken->index, 1u);
}

TEST_F(ActionServerTest, HistoryTextWithTabsNewlinesAndBackslashesIsKeptExactlyInTheChain) {
  // The history is copied in as COPY text lines: the separators and the escape character in a
  // body's free text must come back unchanged, and the chain must verify.
  const std::string text = "已停工\t第二列\\N\n下一行\r\\\\结束";
  ASSERT_TRUE(Act("changan", pt::Encode(pt::ReportProgress{"p-t", 101, text})).ok());
  const auto entry = conn_.Read([](pqxx::read_transaction& tx) { return LoadCase(tx, 101); });
  ASSERT_TRUE(entry.has_value());
  ASSERT_EQ(entry->history.size(), 2u);
  EXPECT_EQ(entry->history[1].detail, text);
  const auto lines =
      conn_.Read([](pqxx::read_transaction& tx) { return LoadHistoryChain(tx, 101); });
  EXPECT_EQ(audit::VerifyChain(lines), std::nullopt);
}

TEST_F(ActionServerTest, ARetryWithTheSameRequestIdGetsTheFirstAnswerAndChangesNothing) {
  const std::string payload = pt::Encode(pt::ReportProgress{"p-7", 101, "已停工"});
  const auto first = Act("changan", payload);
  const auto again = Act("changan", payload);
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_FALSE(first->replayed);
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(History(101), "assigned,progress");
  EXPECT_EQ(LedgerEvents().size(), 1u);
}

TEST_F(ActionServerTest, ABodyActingOutsideItsScopeIsRefusedAndNothingChanges) {
  const auto r = Act("qiaoxi", pt::Encode(pt::ReportProgress{"p-1", 101, "不是我的问题"}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "out_of_scope");
  // The refusal is audited with the authenticated identity.
  EXPECT_EQ(Q("SELECT identity || ' ' || action || ' ' || target || ' ' || code FROM "
              "tracking.audit"),
            "qiaoxi tracking.report_progress problem 101 out_of_scope");
  EXPECT_EQ(History(101), "assigned");
  EXPECT_TRUE(LedgerEvents().empty());
}

TEST_F(ActionServerTest, AClaimOnAClosedProblemIsRefused) {
  const auto closed = Act(
      "sjz-bureau", pt::Encode(pt::ReportVerification{"v-1", 102, false, "经核查，举报不属实"}));
  ASSERT_TRUE(closed.ok()) << closed.error().message;
  EXPECT_EQ(closed->state, pt::LedgerState::kClosedNotSubstantiated);
  const auto claim =
      Act("sjz-bureau", pt::Encode(pt::ClaimRectified{"c-1", 102, "已整改", {"doc://1"}}));
  ASSERT_FALSE(claim.ok());
  EXPECT_EQ(claim.error().code, "wrong_state");
  EXPECT_EQ(History(102), "assigned,verified_not_substantiated");
  EXPECT_EQ(Q("SELECT verification_explanation FROM tracking.ledger WHERE problem_id = 102"),
            "经核查，举报不属实");
}

TEST_F(ActionServerTest, ExtensionsAreDecidedByTheCenterAndCappedPerProblem) {
  for (int i = 1; i <= 2; ++i) {
    const std::string n = std::to_string(i);
    const auto asked =
        Act("changan", pt::Encode(pt::RequestExtension{"x-" + n, 101, 5, "设备采购周期长"}));
    ASSERT_TRUE(asked.ok()) << asked.error().message;
    const auto self_approved =
        Act("changan", pt::Encode(pt::DecideExtension{"d-self-" + n, 101, true, "自批"}));
    ASSERT_FALSE(self_approved.ok());
    EXPECT_EQ(self_approved.error().code, "forbidden");
    const auto decided =
        Act("center-1", pt::Encode(pt::DecideExtension{"d-" + n, 101, true, "同意"}));
    ASSERT_TRUE(decided.ok()) << decided.error().message;
    EXPECT_EQ(decided->extensions_used, i);
  }
  EXPECT_EQ(Q("SELECT to_char(date '1970-01-01' + deadline, 'YYYY-MM-DD') FROM tracking.ledger "
              "WHERE problem_id = 101"),
            "2017-12-26");
  const auto third = Act("changan", pt::Encode(pt::RequestExtension{"x-3", 101, 5, "再延一次"}));
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.error().code, "extension_cap");
  const auto too_long =
      Act("changan", pt::Encode(pt::RequestExtension{"x-4", 101, 30, "很长的延期"}));
  ASSERT_FALSE(too_long.ok());
}

TEST_F(ActionServerTest, RolesOutsideTrackingAndBadFramesAreRefusedAndTheServerKeepsServing) {
  const auto integration = Act("web-a", pt::Encode(pt::ReportProgress{"p-1", 101, "t"}));
  ASSERT_FALSE(integration.ok());
  EXPECT_EQ(integration.error().code, "forbidden");
  EXPECT_EQ(Q("SELECT identity || ' ' || code FROM tracking.audit"), "web-a forbidden");
  const auto unknown = Act("changan", pt::Encode(pt::ReportProgress{"p-1", 999, "t"}));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, "unknown_problem");
  const auto garbage = Act("changan", std::string("\x81\xa4type", 6));
  ASSERT_FALSE(garbage.ok());
  const auto body_reads = Send("changan", pt::Encode(pt::CoverageRequest{3}));
  auto frame = proto::ParseMessage(body_reads);
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(codec::DecodeAs<pc::ErrorReply>(*frame)->code, "forbidden");
  // Still serving.
  EXPECT_TRUE(Act("changan", pt::Encode(pt::ReportProgress{"p-2", 101, "t"})).ok());
  const auto coverage = proto::ParseMessage(Send("center-1", pt::Encode(pt::CoverageRequest{3})));
  ASSERT_TRUE(coverage.ok());
  EXPECT_EQ(coverage->type(), pt::Coverage::kType);
  EXPECT_EQ(History(101), "assigned,progress");
}

TEST_F(ActionServerTest, ManyBodiesAtOnceAreCommittedInBatchesAndEachAnsweredOnce) {
  std::vector<std::jthread> bodies;
  std::atomic<int> ok{0};
  for (int i = 0; i < 20; ++i) {
    bodies.emplace_back([&, i] {
      if (Act("changan", pt::Encode(pt::ReportProgress{"many-" + std::to_string(i), 101, "进展"}))
              .ok()) {
        ++ok;
      }
    });
  }
  bodies.clear();
  EXPECT_EQ(ok.load(), 20);
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.history WHERE what = 'progress'"), "20");
  EXPECT_LE(server_->stats().batches.load(), 20u);
}

}  // namespace
}  // namespace ducha::tracking
