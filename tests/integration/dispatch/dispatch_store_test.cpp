// Dispatch against a real PostgreSQL (throwaway cluster) and the shipped Hebei campaign: intake's
// events applied through the consumer's ApplyBatch (cursor compare-and-set, dead letters),
// operator commands, the problem and responsibility lists, and the command endpoint over CURVE.

#include "services/dispatch/store/dispatch_store.h"

#include <gtest/gtest.h>

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
#include "proto/admin_codec.h"
#include "proto/common_codec.h"
#include "proto/dispatch_codec.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"
#include "services/dispatch/io/admin_server.h"
#include "services/dispatch/migrations.h"
#include "services/dispatch/store/problem_list.h"
#include "tests/support/hebei_campaign.h"
#include "tests/support/test_cluster.h"

namespace ducha::dispatch {
namespace {

namespace pc = proto::common;
namespace pd = proto::dispatch;
namespace pi = proto::intake;
using testing::TestCluster;

timeutil::Millis At(const char* rfc3339) { return *timeutil::ParseRfc3339(rfc3339); }

const campaign::Campaign& Hebei() { return ::ducha::testing::HebeiCampaign(); }

const RosterRules& Rosters() {
  static const auto* r = [] {
    auto x =
        RosterRules::Load(testing::SourceDir() + "/deploy/campaigns/hebei-2017-2018/rosters.json");
    if (!x) throw std::runtime_error(x.error().message);
    return new RosterRules(std::move(x).value());
  }();
  return *r;
}

db::DbSettings DispatchDb() { return db::DbSettings{TestCluster::Get().UrlFor("dispatch"), "t"}; }

pi::ReportAccepted Report(std::int64_t id, pc::Channel channel, const char* jurisdiction,
                          std::optional<std::int64_t> duplicate_of = std::nullopt) {
  pi::ReportAccepted r;
  r.report_id = id;
  r.integration = "web-platform-a";
  r.submission_id = "s" + std::to_string(id);
  r.channel = channel;
  if (channel == pc::Channel::kCitizenWeb) r.platform = "长城网";
  r.jurisdiction = jurisdiction;
  r.category = pc::Category::kDust;
  r.severity = pc::Severity::kGeneral;
  r.title = "工地扬尘 " + std::to_string(id);
  r.description = "裸土未覆盖";
  r.observed_at = At("2017-11-22T08:00:00+08:00");
  r.reported_at = At("2017-11-22T08:30:00+08:00");
  r.received_at = At("2017-11-22T08:30:01+08:00");
  r.duplicate_of = duplicate_of;
  return r;
}

stream::IncomingEvent Event(std::int64_t seq, const pi::ReportAccepted& r) {
  return stream::IncomingEvent{seq, std::string(pi::ReportAccepted::kType), pi::Encode(r)};
}

class DispatchStoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::stop_source stop;
    db::Connection conn(DispatchDb(), stop.get_token());
    db::Migrate(conn, "dispatch", "outbox", stream::OutboxMigrations());
    db::Migrate(conn, "dispatch", "inbox", stream::InboxMigrations());
    db::Migrate(conn, "dispatch", "service", Migrations());
    db::Migrate(conn, "dispatch", "audit", db::AuditMigrations());
  }

  void SetUp() override {
    TestCluster::Get().Exec(
        "TRUNCATE dispatch.problem, dispatch.problem_source, dispatch.change_history, "
        "dispatch.outbox, dispatch.stream_head, dispatch.stream_cursor, dispatch.dead_letter, "
        "dispatch.audit, dispatch.roster, dispatch.roster_member CASCADE");
    settings_.schema = "dispatch";
    settings_.producer = "intake";
    settings_.stream = "reports";
    settings_.consumer = "dispatch-test";
  }

  std::int64_t Apply(const std::vector<stream::IncomingEvent>& events) {
    return stream::ApplyBatch(conn_, settings_, events, apply_, consumer_stats_);
  }

  std::string Q(const std::string& sql) { return TestCluster::Get().QueryValue(sql); }

  // The outbox events of the assignments stream, decoded, in order.
  std::vector<std::string> OutboxTypes() {
    return conn_.Read([](pqxx::read_transaction& r) {
      std::vector<std::string> out;
      for (const auto& row : r.exec("SELECT type FROM dispatch.outbox WHERE stream = "
                                    "'assignments' ORDER BY id")) {
        out.push_back(row[0].as<std::string>());
      }
      return out;
    });
  }

  template <typename M>
  M OutboxEvent(int n) {
    const std::string bytes = conn_.Read([&](pqxx::read_transaction& r) {
      return pqxx::binarystring(
                 r.exec_params1("SELECT payload FROM dispatch.outbox WHERE "
                                "stream = 'assignments' ORDER BY id OFFSET $1 LIMIT 1",
                                n)[0])
          .str();
    });
    auto frame = proto::ParseMessage(bytes);
    EXPECT_TRUE(frame.ok());
    auto m = codec::DecodeAs<M>(*frame);
    EXPECT_TRUE(m.ok()) << (m.ok() ? "" : m.error().message);
    return *m;
  }

  Result<CommandOutcome> Command(const dispatch::Command& c, const std::string& by = "center-1") {
    return conn_.Transact(
        [&](pqxx::work& w) { return ApplyCommand(w, Dispatcher(Hebei()), c, by, clock_.Now()); });
  }

  std::stop_source stop_;
  db::Connection conn_{DispatchDb(), stop_.get_token()};
  SimulatedClock clock_{At("2017-11-22T10:00:00+08:00")};
  ReportApplier applier_{Hebei(), clock_};
  stream::ApplyFn apply_ = applier_.AsApplyFn();
  stream::StreamConsumerSettings settings_;
  stream::StreamConsumerStats consumer_stats_;
};

TEST_F(DispatchStoreTest, AppliesNewReportsAsAssignmentsWithTheirEventsAndAdvancesTheCursor) {
  const auto seq = Apply({Event(1, Report(101, pc::Channel::kCitizenWeb, "130104")),
                          Event(2, Report(102, pc::Channel::kSupervisionGroup, "130102")),
                          Event(3, Report(103, pc::Channel::kProvincialInspection, "130100"))});
  EXPECT_EQ(seq, 3);
  EXPECT_EQ(Q("SELECT applied_seq FROM dispatch.stream_cursor WHERE producer = 'intake'"), "3");
  EXPECT_EQ(Q("SELECT kind || ' ' || body_kind || ' ' || body_name || ' ' || deadline || ' ' || "
              "group_id || ' ' || round FROM dispatch.problem WHERE problem_id = 101"),
            "verification city_bureau 石家庄市环境保护局 2017-12-06 SG5 3");
  EXPECT_EQ(Q("SELECT body_name FROM dispatch.problem WHERE problem_id = 102"), "长安区人民政府");
  EXPECT_EQ(Q("SELECT body_kind FROM dispatch.problem WHERE problem_id = 103"), "city_government");
  EXPECT_EQ(Q("SELECT count(*) FROM dispatch.problem_source"), "3");
  EXPECT_EQ(OutboxTypes(), std::vector<std::string>(3, "dispatch.problem_assigned"));
  const auto e = OutboxEvent<pd::ProblemAssigned>(0);
  EXPECT_EQ(e.problem_id, 101);
  EXPECT_EQ(e.kind, pd::AssignmentKind::kVerification);
  EXPECT_EQ(e.body.code, "130100");
  EXPECT_EQ(e.city, "130100");
  EXPECT_EQ(e.deadline, "2017-12-06");
  EXPECT_EQ(e.assigned_at, clock_.Now());
  EXPECT_EQ(e.supervising_group, std::optional<std::string>("SG5"));
  EXPECT_EQ(applier_.stats().assigned.load(), 3u);
}

TEST_F(DispatchStoreTest, ARepeatInTheSameBatchIsAddedToTheProblemOpenedBeforeIt) {
  Apply({Event(1, Report(201, pc::Channel::kSupervisionGroup, "130102")),
         Event(2, Report(202, pc::Channel::kCitizenHotline, "130102", 201))});
  EXPECT_EQ(Q("SELECT count(*) FROM dispatch.problem"), "1");
  EXPECT_EQ(Q("SELECT report_count FROM dispatch.problem WHERE problem_id = 201"), "2");
  EXPECT_EQ(Q("SELECT problem_id || ' ' || channel FROM dispatch.problem_source "
              "WHERE report_id = 202"),
            "201 citizen_hotline");
  EXPECT_EQ(OutboxTypes(),
            (std::vector<std::string>{"dispatch.problem_assigned", "dispatch.source_added"}));
  const auto added = OutboxEvent<pd::SourceAdded>(1);
  EXPECT_EQ(added.problem_id, 201);
  EXPECT_EQ(added.report_count, 2);
}

TEST_F(DispatchStoreTest, TheThirdReportListsTheProblemShortensItsDeadlineAndRecordsTheRule) {
  Apply({Event(1, Report(301, pc::Channel::kSupervisionGroup, "130102"))});
  EXPECT_EQ(Q("SELECT deadline FROM dispatch.problem WHERE problem_id = 301"), "2017-12-13");
  Apply({Event(2, Report(302, pc::Channel::kCitizenWeb, "130102", 301))});
  EXPECT_EQ(Q("SELECT listed FROM dispatch.problem WHERE problem_id = 301"), "f");
  Apply({Event(3, Report(303, pc::Channel::kCitizenHotline, "130102", 302))});
  EXPECT_EQ(Q("SELECT report_count || ' ' || listed || ' ' || listing_reason || ' ' || deadline "
              "FROM dispatch.problem WHERE problem_id = 301"),
            "3 true report_count 2017-12-01");
  EXPECT_EQ(Q("SELECT change || ' ' || by || ' ' || old_value || ' -> ' || new_value "
              "FROM dispatch.change_history WHERE problem_id = 301"),
            "listed rule unlisted, deadline 2017-12-13 -> listed, deadline 2017-12-01");
  EXPECT_EQ(OutboxTypes().back(), "dispatch.problem_changed");
  const auto changed = OutboxEvent<pd::ProblemChanged>(3);
  EXPECT_EQ(changed.change, pd::ChangeKind::kListed);
  EXPECT_EQ(changed.by, "rule");
  EXPECT_EQ(changed.deadline, std::optional<std::string>("2017-12-01"));
  EXPECT_EQ(std::to_string(changed.history_id), Q("SELECT id FROM dispatch.change_history"));
}

TEST_F(DispatchStoreTest, APoisonEventIsParkedWhileTheRestOfTheBatchApplies) {
  const auto seq =
      Apply({Event(1, Report(401, pc::Channel::kSupervisionGroup, "130102")),
             stream::IncomingEvent{2, std::string(pi::ReportAccepted::kType), "\xc1 not msgpack"},
             Event(3, Report(403, pc::Channel::kSupervisionGroup, "130104"))});
  EXPECT_EQ(seq, 3);
  EXPECT_EQ(Q("SELECT string_agg(problem_id::text, ',' ORDER BY problem_id) "
              "FROM dispatch.problem"),
            "401,403");
  EXPECT_EQ(Q("SELECT seq || ' ' || error_code FROM dispatch.dead_letter"), "2 malformed");
  EXPECT_EQ(applier_.stats().rejected.load(), 1u);
}

TEST_F(DispatchStoreTest, ARepeatOfAProblemDispatchNeverSawIsParked) {
  Apply({Event(1, Report(501, pc::Channel::kCitizenWeb, "130102", 499))});
  EXPECT_EQ(Q("SELECT error_code FROM dispatch.dead_letter WHERE seq = 1"), "unknown_problem");
  EXPECT_EQ(Q("SELECT count(*) FROM dispatch.problem_source"), "0");
}

TEST_F(DispatchStoreTest, RedeliveringOrReplayingTheSameBatchChangesNothing) {
  const std::vector<stream::IncomingEvent> batch = {
      Event(1, Report(601, pc::Channel::kSupervisionGroup, "130102")),
      Event(2, Report(602, pc::Channel::kCitizenWeb, "130102", 601)),
      Event(3, Report(603, pc::Channel::kCitizenWeb, "130102", 601))};
  Apply(batch);
  const std::string state =
      "SELECT report_count || ' ' || listed || ' ' || deadline || ' ' || "
      "(SELECT count(*) FROM dispatch.problem_source) || ' ' || "
      "(SELECT count(*) FROM dispatch.change_history) || ' ' || "
      "(SELECT count(*) FROM dispatch.outbox) FROM dispatch.problem";
  const std::string before = Q(state);
  EXPECT_EQ(before, "3 true 2017-12-01 3 1 4");
  // Redelivery: the cursor's compare-and-set skips it.
  EXPECT_EQ(Apply(batch), 3);
  EXPECT_EQ(Q(state), before);
  // An operator's replay from the start: the applier recognises every report.
  conn_.Transact([&](pqxx::work& w) { stream::SetCursor(w, "dispatch", "intake", "reports", 0); });
  EXPECT_EQ(Apply(batch), 3);
  EXPECT_EQ(Q(state), before);
  EXPECT_EQ(applier_.stats().already_applied.load(), 3u);
}

// --- Operator commands ------------------------------------------------------------------------

class DispatchCommandTest : public DispatchStoreTest {
 protected:
  void SetUp() override {
    DispatchStoreTest::SetUp();
    Apply({Event(1, Report(701, pc::Channel::kSupervisionGroup, "130102"))});
  }
  std::string History() { return Q("SELECT count(*) FROM dispatch.change_history"); }
  std::string Outbox() { return Q("SELECT count(*) FROM dispatch.outbox"); }
  std::string Problem() {
    return Q(
        "SELECT body_code || ' ' || body_kind || ' ' || deadline || ' ' || listed "
        "FROM dispatch.problem WHERE problem_id = 701");
  }
  void ExpectRefused(const dispatch::Command& c, const std::string& code) {
    const std::string problem = Problem();
    const auto r = Command(c);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_EQ(Problem(), problem);
    EXPECT_EQ(History(), "0");
    EXPECT_EQ(Outbox(), "1");
  }
};

TEST_F(DispatchCommandTest, ReassignmentUpdatesTheProblemRecordsWhoWhenWhyAndEmitsAnEvent) {
  const auto r = Command(pd::Reassign{701, "130100", pd::BodyKind::kCityGovernment, "跨区问题"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(Problem(), "130100 city_government 2017-12-13 false");
  EXPECT_EQ(Q("SELECT change || ' ' || by || ' ' || reason || ' ' || (at = '2017-11-22 "
              "10:00:00+08') FROM dispatch.change_history WHERE id = " +
              std::to_string(r->history_id)),
            "reassigned center-1 跨区问题 true");
  const auto e = OutboxEvent<pd::ProblemChanged>(1);
  EXPECT_EQ(e.change, pd::ChangeKind::kReassigned);
  EXPECT_EQ(e.history_id, r->history_id);
  ASSERT_TRUE(e.body.has_value());
  EXPECT_EQ(e.body->name, "石家庄市人民政府");
  EXPECT_EQ(e.by, "center-1");
}

TEST_F(DispatchCommandTest, DeadlineChangeAndListingAreRecorded) {
  ASSERT_TRUE(Command(pd::ChangeDeadline{701, "2017-12-20", "需停产改造"}).ok());
  ASSERT_TRUE(Command(pd::SetListing{701, true, "群众反映强烈"}).ok());
  EXPECT_EQ(Problem(), "130102 county_government 2017-12-01 true");
  EXPECT_EQ(Q("SELECT string_agg(change, ',' ORDER BY id) FROM dispatch.change_history"),
            "deadline_changed,listed");
  EXPECT_EQ(Q("SELECT listing_reason FROM dispatch.problem"), "operator");
  ASSERT_TRUE(Command(pd::SetListing{701, false, "已核实"}).ok());
  EXPECT_EQ(Q("SELECT listing_reason IS NULL FROM dispatch.problem"), "t");
}

TEST_F(DispatchCommandTest, TheChangeHistoryIsAHashChainThatShowsTampering) {
  ASSERT_TRUE(
      Command(pd::Reassign{701, "130100", pd::BodyKind::kCityGovernment, "市政府牵头"}).ok());
  ASSERT_TRUE(Command(pd::SetListing{701, true, "挂牌督办"}).ok());
  auto lines = conn_.Read([](pqxx::read_transaction& tx) { return LoadChangeChain(tx, 701); });
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].prev_hash, audit::kGenesisHash);
  EXPECT_EQ(lines[1].prev_hash, lines[0].hash);
  EXPECT_EQ(audit::VerifyChain(lines), std::nullopt);
  TestCluster::Get().Exec("UPDATE dispatch.change_history SET by = 'someone-else' WHERE id = " +
                          std::to_string(lines[0].id));
  lines = conn_.Read([](pqxx::read_transaction& tx) { return LoadChangeChain(tx, 701); });
  const auto broken = audit::VerifyChain(lines);
  ASSERT_TRUE(broken.has_value());
  EXPECT_EQ(broken->index, 0u);
}

TEST_F(DispatchCommandTest, RefusesAnUnknownProblem) {
  ExpectRefused(pd::SetListing{999, true, "r"}, "unknown_problem");
}

TEST_F(DispatchCommandTest, RefusesABodyOutsideTheJurisdictionTree) {
  ExpectRefused(pd::Reassign{701, "130200", pd::BodyKind::kCityGovernment, "r"},
                "outside_jurisdiction");
}

TEST_F(DispatchCommandTest, RefusesADeadlineBeforeTheFleetClocksDay) {
  ExpectRefused(pd::ChangeDeadline{701, "2017-11-21", "r"}, "deadline_in_past");
}

TEST_F(DispatchCommandTest, RefusesAnEmptyReason) {
  ExpectRefused(pd::ChangeDeadline{701, "2017-12-20", ""}, "blank");
}

// --- Problem and responsibility lists ---------------------------------------------------------

TEST_F(DispatchStoreTest, ListsAProblemsCitysAndCountysProblemsAndResponsibilities) {
  auto serious = Report(803, pc::Channel::kCovertGroup, "130102");
  serious.severity = pc::Severity::kMajor;
  Apply({Event(1, Report(801, pc::Channel::kSupervisionGroup, "130102")),
         Event(2, Report(802, pc::Channel::kCitizenWeb, "130104")), Event(3, serious),
         Event(4, Report(804, pc::Channel::kSupervisionGroup, "130203"))});
  // As the CLI does it: connected as ducha_operator.
  std::stop_source stop;
  db::Connection op(db::DbSettings{TestCluster::Get().UrlFor("operator"), "ctl"}, stop.get_token());
  const auto city = op.Read([](pqxx::read_transaction& r) { return ListProblems(r, 130100); });
  ASSERT_EQ(city.size(), 3u);
  EXPECT_EQ(city[0].problem_id, 803);  // earliest deadline first
  EXPECT_EQ(city[0].deadline, "2017-11-29");
  EXPECT_EQ(city[1].problem_id, 802);
  EXPECT_EQ(city[2].problem_id, 801);
  EXPECT_EQ(city[2].body_name, "长安区人民政府");
  EXPECT_EQ(city[2].group_id, std::optional<std::string>("SG5"));
  const auto county =
      op.Read([](pqxx::read_transaction& r) { return ListProblems(r, 130100, 130102); });
  ASSERT_EQ(county.size(), 2u);
  const auto bodies =
      op.Read([](pqxx::read_transaction& r) { return ListResponsibilities(r, 130100); });
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0].body_name, "石家庄市环境保护局");
  EXPECT_EQ(bodies[0].problem_ids, std::vector<std::int64_t>{802});
  EXPECT_EQ(bodies[1].body_name, "长安区人民政府");
  EXPECT_EQ(bodies[1].problems, 2);
  EXPECT_EQ(bodies[1].earliest_deadline, "2017-11-29");
  EXPECT_EQ(bodies[1].problem_ids, (std::vector<std::int64_t>{801, 803}));
}

// --- The command endpoint ---------------------------------------------------------------------

class AdminServerTest : public DispatchStoreTest {
 protected:
  void SetUp() override {
    DispatchStoreTest::SetUp();
    Apply({Event(1, Report(901, pc::Channel::kSupervisionGroup, "130102"))});
    server_keys_ = transport::GenerateKeyPair();
    center_keys_ = transport::GenerateKeyPair();
    body_keys_ = transport::GenerateKeyPair();
    auth::Registry::Snapshot snap;
    snap.identities.emplace("center-1",
                            auth::Identity{"center-1", auth::Role::kSupervisionCenter, {}, {}});
    snap.identities.emplace("changan",
                            auth::Identity{"changan", auth::Role::kBody, {}, {"130102"}});
    snap.key_to_identity.emplace(center_keys_.public_z85, "center-1");
    snap.key_to_identity.emplace(body_keys_.public_z85, "changan");
    operator_keys_ = transport::GenerateKeyPair();
    snap.identities.emplace("ops-1", auth::Identity{"ops-1", auth::Role::kOperator, {}, {}});
    snap.key_to_identity.emplace(operator_keys_.public_z85, "ops-1");
    registry_.Replace(snap);
    zap_ = std::make_unique<transport::ZapHandler>(
        ctx_, [this](std::string_view mech, std::string_view key) -> std::optional<std::string> {
          if (mech != "CURVE") return std::nullopt;
          return registry_.IdentityForKey(key);
        });
    AdminSettings s;
    s.endpoint = "tcp://127.0.0.1:0";
    s.security.secret_key_z85 = server_keys_.secret_z85;
    server_ =
        std::make_unique<AdminServer>(s, ctx_, Hebei(), Rosters(), registry_, clock_, DispatchDb());
    server_->Bind();
    endpoint_ = server_->BoundEndpoint();
    thread_ = std::jthread([this](std::stop_token st) { server_->Run(st); });
  }
  void TearDown() override {
    thread_ = {};
    server_.reset();
    zap_.reset();
  }

  // Sends one command with the given client key and returns the reply frame.
  std::string Send(const transport::KeyPair& keys, const std::string& payload) {
    zmq::socket_t sock =
        transport::MakeClientSocket(ctx_, zmq::socket_type::dealer,
                                    transport::ClientSecurity{true, server_keys_.public_z85, keys});
    sock.connect(endpoint_);
    zmq::message_t m(payload.data(), payload.size());
    sock.send(m, zmq::send_flags::none);
    std::vector<zmq::pollitem_t> items{{sock.handle(), 0, ZMQ_POLLIN, 0}};
    if (transport::Poll(items, std::chrono::seconds(10)) == 0) return "";
    std::vector<zmq::message_t> frames;
    transport::RecvMessage(sock, frames, 4);
    return frames.empty() ? "" : frames.back().to_string();
  }

  zmq::context_t ctx_;
  transport::KeyPair server_keys_, center_keys_, body_keys_, operator_keys_;
  auth::Registry registry_;
  std::unique_ptr<transport::ZapHandler> zap_;
  std::unique_ptr<AdminServer> server_;
  std::string endpoint_;
  std::jthread thread_;
};

TEST_F(AdminServerTest, TheSupervisionCenterReassignsAndTheHistoryNamesItsAuthenticatedIdentity) {
  const std::string reply =
      Send(center_keys_,
           pd::Encode(pd::Reassign{901, "130100", pd::BodyKind::kCityBureau, "先行核查"}, "op-1"));
  auto frame = proto::ParseMessage(reply);
  ASSERT_TRUE(frame.ok());
  ASSERT_EQ(frame->type(), pd::CommandDone::kType);
  EXPECT_EQ(frame->id(), "op-1");
  const auto done = codec::DecodeAs<pd::CommandDone>(*frame);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->problem_id, 901);
  EXPECT_EQ(
      Q("SELECT by FROM dispatch.change_history WHERE id = " + std::to_string(done->history_id)),
      "center-1");
  EXPECT_EQ(server_->stats().done.load(), 1u);
}

TEST_F(AdminServerTest, AResponsibleBodyMayNotChangeItsOwnAssignment) {
  const std::string reply =
      Send(body_keys_, pd::Encode(pd::ChangeDeadline{901, "2018-01-31", "想延期"}, "op-2"));
  auto frame = proto::ParseMessage(reply);
  ASSERT_TRUE(frame.ok());
  ASSERT_EQ(frame->type(), pc::ErrorReply::kType);
  EXPECT_EQ(codec::DecodeAs<pc::ErrorReply>(*frame)->code, "forbidden");
  EXPECT_EQ(Q("SELECT count(*) FROM dispatch.change_history"), "0");
  EXPECT_EQ(Q("SELECT identity || ' ' || action || ' ' || code FROM dispatch.audit"),
            "changan dispatch.change_deadline forbidden");
}

TEST_F(AdminServerTest, AnInvalidCommandIsAnsweredWithTheFieldAtFault) {
  const std::string reply = Send(center_keys_, pd::Encode(pd::SetListing{901, true, ""}, "op-3"));
  auto frame = proto::ParseMessage(reply);
  ASSERT_TRUE(frame.ok());
  ASSERT_EQ(frame->type(), pc::ErrorReply::kType);
  const auto error = codec::DecodeAs<pc::ErrorReply>(*frame);
  EXPECT_EQ(error->code, "too_short");
  EXPECT_EQ(error->field, std::optional<std::string>("reason"));
}

namespace pa = proto::admin;

TEST_F(AdminServerTest, AnOperatorRetriesParkedEventsOnceTheirCauseIsFixed) {
  // A repeat report of problem 950 arrives before 950 itself: it is parked (unknown problem).
  Apply({Event(2, Report(951, pc::Channel::kCitizenHotline, "130102", 950)),
         Event(3, Report(952, pc::Channel::kCitizenHotline, "130102", 950))});
  ASSERT_EQ(Q("SELECT count(*) FROM dispatch.dead_letter WHERE resolved_at IS NULL"), "2");
  const std::string ids =
      Q("SELECT string_agg(id::text, ',' ORDER BY id) FROM dispatch.dead_letter");
  const auto comma = ids.find(',');
  const std::vector<std::int64_t> parked{std::stoll(ids.substr(0, comma)),
                                         std::stoll(ids.substr(comma + 1))};

  // Only operators may retry.
  auto refused = proto::ParseMessage(Send(center_keys_, pa::Encode(pa::RetryDeadLetters{parked})));
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ(codec::DecodeAs<pc::ErrorReply>(*refused)->code, "forbidden");

  // Retried too early, they stay parked, with the attempt counted.
  auto early = proto::ParseMessage(Send(operator_keys_, pa::Encode(pa::RetryDeadLetters{parked})));
  ASSERT_TRUE(early.ok());
  ASSERT_EQ(early->type(), pa::DeadLettersRetried::kType);
  EXPECT_EQ(codec::DecodeAs<pa::DeadLettersRetried>(*early)->retried, 2);
  EXPECT_EQ(codec::DecodeAs<pa::DeadLettersRetried>(*early)->resolved, 0);

  // Once the original report has been applied, the retry resolves both.
  Apply({Event(4, Report(950, pc::Channel::kCitizenHotline, "130102"))});
  auto later = proto::ParseMessage(Send(operator_keys_, pa::Encode(pa::RetryDeadLetters{parked})));
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(codec::DecodeAs<pa::DeadLettersRetried>(*later)->resolved, 2);
  EXPECT_EQ(Q("SELECT report_count FROM dispatch.problem WHERE problem_id = 950"), "3");
  EXPECT_EQ(Q("SELECT count(*) FROM dispatch.dead_letter WHERE resolved_at IS NULL"), "0");
  EXPECT_EQ(Q("SELECT min(attempts) FROM dispatch.dead_letter"), "3");
}

// --- Group rosters (督察组人员名单) -----------------------------------------------------------

// SG5 is stationed in 石家庄 (130100) and 辛集 (130181) in round 3: a roster of `n` members from
// provincial units, a leader and an aggregator among them.
pd::SubmitRoster Sg5Roster(int n, const std::string& id_prefix = "P") {
  pd::SubmitRoster r;
  r.group_id = "SG5";
  r.round = 3;
  r.vehicles = 5;
  for (int i = 1; i <= n; ++i) {
    pd::RosterMember m;
    m.member_id = id_prefix + std::to_string(1000 + i);
    m.name = "成员" + std::to_string(i);
    m.home_unit = i % 2 == 0 ? "省环保厅大气处" : "省住建厅";
    m.unit_type = i % 2 == 0 ? "environment_department" : "provincial_department";
    m.home_city = "130000";
    m.role = i == 1 ? pd::MemberRole::kLeader
                    : (i == 2 ? pd::MemberRole::kAggregator : pd::MemberRole::kMember);
    r.members.push_back(std::move(m));
  }
  return r;
}

TEST_F(AdminServerTest, AGroupsRosterIsStoredWithItsLogisticsAndNamesStayRestricted) {
  const std::string reply = Send(operator_keys_, pd::Encode(Sg5Roster(26), "r-1"));
  auto frame = proto::ParseMessage(reply);
  ASSERT_TRUE(frame.ok());
  ASSERT_EQ(frame->type(), pd::RosterAccepted::kType) << reply;
  const auto accepted = codec::DecodeAs<pd::RosterAccepted>(*frame);
  EXPECT_EQ(accepted->version, 1);
  EXPECT_EQ(accepted->members, 26);
  EXPECT_EQ(accepted->days_stationed, 15) << "round 3: 2017-11-20 .. 12-04";
  EXPECT_EQ(accepted->meal_allowance_yuan, 26 * 15 * 100);
  EXPECT_EQ(Q("SELECT count(*) FROM dispatch.roster_member WHERE group_id = 'SG5'"), "26");
  EXPECT_EQ(Q("SELECT submitted_by FROM dispatch.roster"), "ops-1");

  // A replacement bumps the version and replaces the members.
  auto smaller = Sg5Roster(25);
  smaller.days_stationed = 10;
  const auto again = proto::ParseMessage(Send(center_keys_, pd::Encode(smaller, "r-2")));
  ASSERT_EQ(again->type(), pd::RosterAccepted::kType);
  EXPECT_EQ(codec::DecodeAs<pd::RosterAccepted>(*again)->version, 2);
  EXPECT_EQ(codec::DecodeAs<pd::RosterAccepted>(*again)->meal_allowance_yuan, 25 * 10 * 100);
  EXPECT_EQ(Q("SELECT count(*) FROM dispatch.roster_member"), "25");

  // Operators read the roster, but not the members' names.
  pqxx::connection op{TestCluster::Get().UrlFor("operator")};
  pqxx::work w{op};
  EXPECT_EQ(
      w.exec1("SELECT count(*) FROM dispatch.roster_member WHERE role = 'leader'")[0].as<int>(), 1);
  EXPECT_THROW(w.exec("SELECT name FROM dispatch.roster_member"), pqxx::insufficient_privilege);
}

// Where the roster events are among the assignments stream's events (the fixture's problem is
// there too).
std::vector<int> RosterEventsAt(const std::vector<std::string>& types) {
  std::vector<int> at;
  for (std::size_t i = 0; i < types.size(); ++i) {
    if (types[i] == pd::RosterRegistered::kType) at.push_back(static_cast<int>(i));
  }
  return at;
}

TEST_F(AdminServerTest, EachAcceptedRosterIsOneLogisticsEventWithCountsAndNoMembersDetails) {
  ASSERT_TRUE(RosterEventsAt(OutboxTypes()).empty());
  auto roster = Sg5Roster(26);
  roster.members[3].role = pd::MemberRole::kDeputy;
  ASSERT_EQ(proto::ParseMessage(Send(operator_keys_, pd::Encode(roster, "r-1")))->type(),
            pd::RosterAccepted::kType);
  const auto once = RosterEventsAt(OutboxTypes());
  ASSERT_EQ(once.size(), 1u);
  const auto first = OutboxEvent<pd::RosterRegistered>(once[0]);
  EXPECT_EQ(first.group_id, "SG5");
  EXPECT_EQ(first.round, 3);
  EXPECT_EQ(first.version, 1);
  EXPECT_EQ(first.members, 26);
  EXPECT_EQ(first.roles.leader, 1);
  EXPECT_EQ(first.roles.deputy, 1);
  EXPECT_EQ(first.roles.aggregator, 1);
  EXPECT_EQ(first.roles.member, 23);
  EXPECT_EQ(first.vehicles, 5);
  EXPECT_EQ(first.days_stationed, 15);
  EXPECT_EQ(first.meal_rate_yuan, 100);
  EXPECT_EQ(first.meal_allowance_yuan, 26 * 15 * 100);
  EXPECT_EQ(first.registered_at, clock_.Now());
  // Nothing of a member travels: no name, no unit, no staff number, in any event's bytes.
  EXPECT_EQ(Q("SELECT count(*) FROM dispatch.outbox WHERE position(convert_to('成员', 'UTF8') IN "
              "payload) > 0 OR position(convert_to('省环保厅', 'UTF8') IN payload) > 0 OR "
              "position(convert_to('P1001', 'UTF8') IN payload) > 0"),
            "0");

  // A new version supersedes the first: one more event, with the new version's figures.
  auto smaller = Sg5Roster(25);
  smaller.days_stationed = 10;
  ASSERT_EQ(proto::ParseMessage(Send(center_keys_, pd::Encode(smaller, "r-2")))->type(),
            pd::RosterAccepted::kType);
  const auto twice = RosterEventsAt(OutboxTypes());
  ASSERT_EQ(twice.size(), 2u);
  const auto second = OutboxEvent<pd::RosterRegistered>(twice[1]);
  EXPECT_EQ(second.version, 2);
  EXPECT_EQ(second.members, 25);
  EXPECT_EQ(second.meal_allowance_yuan, 25 * 10 * 100);

  // A refused roster changes nothing and publishes nothing.
  ASSERT_EQ(proto::ParseMessage(Send(operator_keys_, pd::Encode(Sg5Roster(3), "r-3")))->type(),
            pc::ErrorReply::kType);
  EXPECT_EQ(RosterEventsAt(OutboxTypes()).size(), 2u);
  EXPECT_EQ(Q("SELECT version FROM dispatch.roster WHERE group_id = 'SG5'"), "2");
}

TEST_F(AdminServerTest, EachRosterThatBreaksARuleIsRefusedNamingTheRuleAndTheMember) {
  struct Case {
    std::string name;
    pd::SubmitRoster roster;
    std::string code;
    std::string field;
    std::string mentions;
  };
  std::vector<Case> cases;
  cases.push_back({"too few", Sg5Roster(24), "too_few_members", "members", "at least 25"});
  {
    auto r = Sg5Roster(26);
    r.members[6].home_city = "130100";  // a 石家庄 member inspecting 石家庄
    cases.push_back({"home city", r, "home_city", "members[6]", "P1007"});
  }
  {
    auto r = Sg5Roster(26);
    r.members[3].unit_type = "enforcement";
    cases.push_back({"covert unit", r, "unit_type_not_allowed", "members[3]", "P1004"});
  }
  {
    auto r = Sg5Roster(26);
    r.members[4].unit_type = "private_company";
    cases.push_back({"unknown unit", r, "unknown_unit_type", "members[4]", "private_company"});
  }
  {
    auto r = Sg5Roster(26);
    r.members[5].role = pd::MemberRole::kLeader;
    cases.push_back({"two leaders", r, "leaders", "members", "has 2"});
  }
  {
    auto r = Sg5Roster(26);
    r.members[1].role = pd::MemberRole::kMember;
    cases.push_back({"no aggregator", r, "no_aggregator", "members", "专人汇总"});
  }
  {
    auto r = Sg5Roster(26);
    r.members[9].member_id = r.members[8].member_id;
    cases.push_back({"twice", r, "member_repeated", "members[9]", "P1009"});
  }
  {
    auto r = Sg5Roster(26);
    r.round = 9;
    cases.push_back({"no such round", r, "not_stationed", "round", "round 9"});
  }
  for (const auto& c : cases) {
    auto frame = proto::ParseMessage(Send(operator_keys_, pd::Encode(c.roster, "bad")));
    ASSERT_TRUE(frame.ok()) << c.name;
    ASSERT_EQ(frame->type(), pc::ErrorReply::kType) << c.name;
    const auto e = codec::DecodeAs<pc::ErrorReply>(*frame);
    EXPECT_EQ(e->code, c.code) << c.name;
    EXPECT_EQ(e->field.value_or(""), c.field) << c.name;
    EXPECT_NE(e->message.find(c.mentions), std::string::npos) << c.name << ": " << e->message;
  }
  EXPECT_EQ(Q("SELECT count(*) FROM dispatch.roster"), "0") << "nothing was stored";
  EXPECT_TRUE(RosterEventsAt(OutboxTypes()).empty()) << "nor published";

  // A responsible body submits no roster.
  auto forbidden = proto::ParseMessage(Send(body_keys_, pd::Encode(Sg5Roster(26), "b")));
  EXPECT_EQ(codec::DecodeAs<pc::ErrorReply>(*forbidden)->code, "forbidden");
}

TEST_F(AdminServerTest, AMemberOnTwoGroupsRostersOfTheSameRoundIsRefused) {
  ASSERT_EQ(proto::ParseMessage(Send(operator_keys_, pd::Encode(Sg5Roster(26), "a")))->type(),
            pd::RosterAccepted::kType);
  // SG6 is in 邯郸 and 唐山 in round 3; one of its members is already on SG5's roster.
  auto sg6 = Sg5Roster(26, "Q");
  sg6.group_id = "SG6";
  sg6.members[12].member_id = "P1003";
  auto frame = proto::ParseMessage(Send(operator_keys_, pd::Encode(sg6, "b")));
  ASSERT_EQ(frame->type(), pc::ErrorReply::kType);
  const auto e = codec::DecodeAs<pc::ErrorReply>(*frame);
  EXPECT_EQ(e->code, "member_in_two_groups");
  EXPECT_EQ(e->field.value_or(""), "members[12]");
  EXPECT_NE(e->message.find("P1003"), std::string::npos) << e->message;
  EXPECT_NE(e->message.find("SG5"), std::string::npos) << e->message;
  EXPECT_EQ(Q("SELECT count(*) FROM dispatch.roster WHERE group_id = 'SG6'"), "0");
}

}  // namespace
}  // namespace ducha::dispatch
