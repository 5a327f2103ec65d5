// Inspection visits (走访) through intake end to end: real PostgreSQL (throwaway cluster), real
// ZeroMQ sockets with CURVE and the ZAP handler, the shipped Hebei campaign, a simulated clock,
// and intake's stream server serving both of its streams, `reports` and `visits`, read back the
// way tracking reads them (stream.fetch).

#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <zmq.hpp>

#include "common/clock/clock.h"
#include "common/db/audit.h"
#include "common/db/migrate.h"
#include "common/stream/outbox.h"
#include "common/stream/server.h"
#include "common/transport/transport.h"
#include "common/transport/zap.h"
#include "proto/common_codec.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"
#include "proto/stream_codec.h"
#include "services/intake/io/intake_server.h"
#include "services/intake/migrations.h"
#include "tests/integration/intake/intake_test_support.h"
#include "tests/support/test_cluster.h"

namespace ducha::intake {
namespace {

namespace pc = proto::common;
namespace pi = proto::intake;
namespace ps = proto::stream;
using test::At;
using test::Client;
using test::Hebei;
using testing::TestCluster;

// SG1 is stationed in 邯郸市 and 邢台市 in round 3 (2017-11-20 to 2017-12-04); 魏县 is in 邯郸市.
pi::ReportVisit ValidVisit(const std::string& id) {
  pi::ReportVisit v;
  v.submission_id = id;
  v.group_id = "SG1";
  v.round = 3;
  v.county = "130434";
  v.visit_date = "2017-11-22";
  v.tasks = {pc::Category::kSmallCoalBoilers, pc::Category::kScatteredPollutingEnterprises,
             pc::Category::kDust};
  v.problems_found = 3;
  v.note = "走访3个村、2家企业（督察点位5个）";
  v.methods = {pi::VisitMethod::kHear, pi::VisitMethod::kCheck, pi::VisitMethod::kLook,
               pi::VisitMethod::kVisit};
  v.mode = pi::VisitMode::kOpen;
  return v;
}

pi::SubmitReport ValidReport(const std::string& id) {
  pi::SubmitReport r;
  r.submission_id = id;
  r.channel = pc::Channel::kSupervisionGroup;
  r.jurisdiction = "130434";
  r.category = pc::Category::kDust;
  r.title = "建筑工地未落实扬尘防治措施";
  r.description = "魏县某建筑工地裸土未覆盖。";
  r.observed_at = At("2017-11-22T08:30:00+08:00");
  r.reported_at = At("2017-11-22T09:00:00+08:00");
  r.group_id = "SG1";
  r.round = 3;
  return r;
}

struct VisitReply {
  std::optional<pi::VisitReceipt> receipt;
  std::optional<pc::ErrorReply> error;
};

VisitReply ParseVisitReply(const std::string& bytes) {
  VisitReply out;
  auto frame = proto::ParseMessage(bytes);
  EXPECT_TRUE(frame.ok()) << (frame.ok() ? "" : frame.error().message);
  if (!frame) return out;
  if (frame->type() == pi::VisitReceipt::kType) {
    out.receipt = codec::DecodeAs<pi::VisitReceipt>(*frame).value();
  } else if (frame->type() == pc::ErrorReply::kType) {
    out.error = codec::DecodeAs<pc::ErrorReply>(*frame).value();
  } else {
    ADD_FAILURE() << "unexpected reply " << frame->type();
  }
  return out;
}

template <typename Pred>
bool Eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pred();
}

class VisitServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    TestCluster& pg = TestCluster::Get();
    std::stop_source stop;
    db::Connection conn(db::DbSettings{pg.UrlFor("intake"), "intake-test"}, stop.get_token());
    db::Migrate(conn, "intake", "outbox", stream::OutboxMigrations());
    db::Migrate(conn, "intake", "service", Migrations());
    db::Migrate(conn, "intake", "audit", db::AuditMigrations());
  }

  void SetUp() override {
    TestCluster::Get().Exec(
        "TRUNCATE intake.report, intake.report_evidence, intake.reporter_contact, intake.visit, "
        "intake.visit_task, intake.funnel, intake.rejection_daily, intake.outbox, "
        "intake.stream_head CASCADE");
    server_keys_ = transport::GenerateKeyPair();
    tablet_keys_ = transport::GenerateKeyPair();
    supervision_only_keys_ = transport::GenerateKeyPair();
    tracking_keys_ = transport::GenerateKeyPair();
    auth::Registry::Snapshot snap;
    auto add = [&](auth::Identity id, const transport::KeyPair& keys) {
      snap.key_to_identity.emplace(keys.public_z85, id.name);
      snap.identities.emplace(id.name, std::move(id));
    };
    add({"group-tablets", auth::Role::kIntegration, {"supervision_group", "covert_group"}, {}},
        tablet_keys_);
    add({"sg-tablets", auth::Role::kIntegration, {"supervision_group"}, {}},
        supervision_only_keys_);
    add({"tracking", auth::Role::kService, {}, {}}, tracking_keys_);
    hotline_keys_ = transport::GenerateKeyPair();
    add({"hotline-desk", auth::Role::kIntegration, {"citizen_hotline"}, {}}, hotline_keys_);
    registry_.Replace(snap);

    zap_ = std::make_unique<transport::ZapHandler>(
        ctx_, [this](std::string_view mech, std::string_view key) -> std::optional<std::string> {
          if (mech != "CURVE") return std::nullopt;
          return registry_.IdentityForKey(key);
        });
    const db::DbSettings db{TestCluster::Get().UrlFor("intake"), "intake-test"};
    IntakeSettings settings;
    settings.endpoint = "tcp://127.0.0.1:0";
    settings.security.curve = true;
    settings.security.secret_key_z85 = server_keys_.secret_z85;
    server_ = std::make_unique<IntakeServer>(settings, ctx_, Hebei(), registry_, clock_, db);
    server_->Bind();
    endpoint_ = server_->BoundEndpoint();

    stream::StreamServerSettings ss;
    ss.endpoint = "tcp://127.0.0.1:0";
    ss.schema = "intake";
    ss.streams = {kReportStream, kVisitStream};
    ss.security = settings.security;
    streams_ = std::make_unique<stream::StreamServer>(ss, ctx_, registry_, db);
    streams_->Bind();
    stream_endpoint_ = streams_->BoundEndpoint();
    server_->OnCommit([this] { streams_->Wake(); });

    stream_thread_ = std::jthread([this](std::stop_token st) { streams_->Run(st); });
    thread_ = std::jthread([this](std::stop_token st) { server_->Run(st); });
  }

  void TearDown() override {
    thread_.request_stop();
    thread_.join();
    stream_thread_.request_stop();
    stream_thread_.join();
    server_.reset();
    streams_.reset();
    zap_.reset();
  }

  Client NewClient(const transport::KeyPair& keys) {
    return Client(ctx_, endpoint_, server_keys_.public_z85, keys);
  }
  Client Tablets() { return NewClient(tablet_keys_); }

  VisitReply Report(Client& c, const pi::ReportVisit& v) {
    auto bytes = c.Request(pi::Encode(v, "visit-" + v.submission_id));
    EXPECT_TRUE(bytes.has_value()) << "no reply";
    return bytes ? ParseVisitReply(*bytes) : VisitReply{};
  }

  // The events of `stream` after seq 0, fetched as a consumer does, once `want` are there.
  std::vector<ps::StreamEvent> ReadStream(const std::string& stream, std::size_t want) {
    Client consumer(ctx_, stream_endpoint_, server_keys_.public_z85, tracking_keys_);
    std::vector<ps::StreamEvent> events;
    Eventually([&] {
      ps::Fetch f;
      f.stream = stream;
      f.consumer = "tracking";
      f.after_seq = 0;
      f.max_events = 1000;
      f.wait_ms = 0;
      const auto bytes = consumer.Request(ps::Encode(f));
      if (!bytes) return false;
      auto frame = proto::ParseMessage(*bytes);
      if (!frame || frame->type() != ps::Batch::kType) return false;
      auto batch = codec::DecodeAs<ps::Batch>(*frame);
      if (!batch) return false;
      EXPECT_EQ(batch->stream, stream);
      events = std::move(batch->events);
      return events.size() >= want;
    });
    return events;
  }

  static pi::VisitReported DecodeVisitEvent(const ps::StreamEvent& e) {
    EXPECT_EQ(e.type, pi::VisitReported::kType);
    auto frame = proto::ParseMessage(e.payload);
    EXPECT_TRUE(frame.ok());
    if (!frame) return {};
    auto event = codec::DecodeAs<pi::VisitReported>(*frame);
    EXPECT_TRUE(event.ok()) << (event.ok() ? "" : event.error().message);
    return event ? *event : pi::VisitReported{};
  }

  std::string Query(const std::string& sql) { return TestCluster::Get().QueryValue(sql); }

  zmq::context_t ctx_;
  transport::KeyPair server_keys_, tablet_keys_, supervision_only_keys_, tracking_keys_,
      hotline_keys_;
  auth::Registry registry_;
  SimulatedClock clock_{At("2017-11-22T18:00:00+08:00")};
  std::unique_ptr<transport::ZapHandler> zap_;
  std::unique_ptr<IntakeServer> server_;
  std::unique_ptr<stream::StreamServer> streams_;
  std::string endpoint_, stream_endpoint_;
  std::jthread stream_thread_, thread_;
};

TEST_F(VisitServiceTest, RecordsAVisitWithItsEventOnTheVisitsStreamBeforeReplying) {
  Client c = Tablets();
  const VisitReply r = Report(c, ValidVisit("SG1-R3-V0001"));
  ASSERT_TRUE(r.receipt) << (r.error ? r.error->code + ": " + r.error->message : "no receipt");
  EXPECT_EQ(r.receipt->outcome, pi::VisitOutcome::kRecorded);
  EXPECT_EQ(r.receipt->accepted_at, clock_.Now());
  const auto id = std::to_string(r.receipt->visit_id);
  // Committed before the reply: visible now, without waiting.
  EXPECT_EQ(Query("SELECT integration || '/' || submission_id || '/' || group_id || '/' || round "
                  "|| '/' || county || '/' || city || '/' || visit_date || '/' || problems_found "
                  "FROM intake.visit WHERE visit_id = " +
                  id),
            "group-tablets/SG1-R3-V0001/SG1/3/130434/130400/2017-11-22/3");
  EXPECT_EQ(Query("SELECT string_agg(task, ',' ORDER BY n) FROM intake.visit_task WHERE visit_id "
                  "= " +
                  id),
            "small_coal_boilers,scattered_polluting_enterprises,dust");
  EXPECT_EQ(Query("SELECT array_to_string(methods, ',') || '/' || mode FROM intake.visit WHERE "
                  "visit_id = " +
                  id),
            "hear,check,look,visit/open");
  EXPECT_EQ(Query("SELECT count(*) FROM intake.outbox WHERE stream = 'visits' AND key = '" + id +
                  "' AND type = 'intake.visit_reported'"),
            "1");
  EXPECT_EQ(Query("SELECT count(*) FROM intake.outbox WHERE stream = 'reports'"), "0");
  // A visit is not a report: the reports' funnel does not see it.
  EXPECT_EQ(Query("SELECT count(*) FROM intake.funnel"), "0");
  EXPECT_EQ(server_->stats().visits_recorded.load(), 1u);

  const auto events = ReadStream(kVisitStream, 1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].seq, 1);
  const pi::VisitReported e = DecodeVisitEvent(events[0]);
  const pi::ReportVisit sent = ValidVisit("SG1-R3-V0001");
  EXPECT_EQ(e.visit_id, r.receipt->visit_id);
  EXPECT_EQ(e.integration, "group-tablets");
  EXPECT_EQ(e.submission_id, sent.submission_id);
  EXPECT_EQ(e.group_id, "SG1");
  EXPECT_EQ(e.round, 3);
  EXPECT_EQ(e.county, "130434");
  EXPECT_EQ(e.city, "130400");
  EXPECT_EQ(e.visit_date, "2017-11-22");
  EXPECT_EQ(e.tasks, sent.tasks);
  EXPECT_EQ(e.problems_found, 3);
  EXPECT_EQ(e.note, sent.note);
  EXPECT_EQ(e.received_at, clock_.Now());
  EXPECT_EQ(e.methods, sent.methods);
  EXPECT_EQ(e.mode, pi::VisitMode::kOpen);
  EXPECT_TRUE(Eventually([&] { return streams_->stats(kVisitStream).head_seq.load() == 1; }));
  EXPECT_EQ(streams_->stats(kReportStream).head_seq.load(), 0);
}

TEST_F(VisitServiceTest, ARetryGetsTheSameVisitIdAsAlreadyRecordedAndWritesNothingNew) {
  Client c = Tablets();
  const VisitReply first = Report(c, ValidVisit("SG1-R3-V0002"));
  clock_.Advance(60'000);
  const VisitReply again = Report(c, ValidVisit("SG1-R3-V0002"));
  ASSERT_TRUE(first.receipt && again.receipt);
  EXPECT_EQ(first.receipt->outcome, pi::VisitOutcome::kRecorded);
  EXPECT_EQ(again.receipt->outcome, pi::VisitOutcome::kAlreadyRecorded);
  EXPECT_EQ(again.receipt->visit_id, first.receipt->visit_id);
  EXPECT_EQ(again.receipt->accepted_at, first.receipt->accepted_at);
  EXPECT_EQ(Query("SELECT count(*) FROM intake.visit"), "1");
  EXPECT_EQ(Query("SELECT count(*) FROM intake.visit_task"), "3");
  EXPECT_EQ(Query("SELECT count(*) FROM intake.outbox WHERE stream = 'visits'"), "1");
  EXPECT_EQ(server_->stats().visits_recorded.load(), 1u);
  EXPECT_EQ(server_->stats().replays.load(), 1u);
}

TEST_F(VisitServiceTest, RacingRetriesOfOneVisitRecordItOnce) {
  constexpr int kClients = 6;
  std::vector<std::optional<pi::VisitReceipt>> receipts(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      Client c = Tablets();
      const auto bytes = c.Request(pi::Encode(ValidVisit("SG1-R3-race")));
      if (bytes) receipts[static_cast<std::size_t>(i)] = ParseVisitReply(*bytes).receipt;
    });
  }
  for (auto& t : threads) t.join();
  int recorded = 0;
  for (const auto& r : receipts) {
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->visit_id, receipts[0]->visit_id);
    recorded += r->outcome == pi::VisitOutcome::kRecorded ? 1 : 0;
  }
  EXPECT_EQ(recorded, 1);
  EXPECT_EQ(Query("SELECT count(*) FROM intake.visit"), "1");
  EXPECT_EQ(Query("SELECT count(*) FROM intake.outbox WHERE stream = 'visits'"), "1");
}

TEST_F(VisitServiceTest, ReusingASubmissionIdForADifferentVisitIsAConflict) {
  Client c = Tablets();
  ASSERT_TRUE(Report(c, ValidVisit("SG1-R3-V0003")).receipt);
  auto changed = ValidVisit("SG1-R3-V0003");
  changed.problems_found = 4;
  const VisitReply r = Report(c, changed);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, "idempotency_conflict");
  EXPECT_EQ(r.error->field, "submission_id");
  EXPECT_EQ(Query("SELECT problems_found FROM intake.visit"), "3");
  EXPECT_EQ(Query("SELECT count(*) FROM intake.outbox"), "1");
}

struct BadVisit {
  std::string name;
  pi::ReportVisit visit;
  std::string code;
  std::string field;
  bool supervision_only = false;  // sent by an integration allowed supervision_group only
};

std::vector<BadVisit> BadVisits() {
  std::vector<BadVisit> cases;
  auto with = [](auto change) {
    pi::ReportVisit v = ValidVisit("bad-1");
    change(v);
    return v;
  };
  cases.push_back(
      {"unknown group", with([](auto& v) { v.group_id = "SG7"; }), "unknown_group", "group_id"});
  cases.push_back({"unknown round", with([](auto& v) { v.round = 9; }), "unknown_round", "round"});
  cases.push_back({"covert group without the covert_group channel", with([](auto& v) {
                     v.group_id = "CG1";
                     v.county = "130638";
                   }),
                   "channel_not_allowed", "group_id", true});
  cases.push_back({"not a county of the campaign", with([](auto& v) { v.county = "110101"; }),
                   "unknown_jurisdiction", "county"});
  cases.push_back({"a city code, not a county", with([](auto& v) { v.county = "130400"; }),
                   "unknown_jurisdiction", "county"});
  cases.push_back({"county outside the group's cities in the round",
                   with([](auto& v) { v.county = "130104"; }), "outside_group_scope", "county"});
  cases.push_back({"day before the round", with([](auto& v) { v.visit_date = "2017-11-19"; }),
                   "outside_round", "visit_date"});
  cases.push_back({"day that does not exist", with([](auto& v) { v.visit_date = "2017-11-31"; }),
                   "invalid_format", "visit_date"});
  cases.push_back({"no task", with([](auto& v) { v.tasks.clear(); }), "missing_field", "tasks"});
  cases.push_back({"task twice", with([](auto& v) {
                     v.tasks = {pc::Category::kDust, pc::Category::kDust};
                   }),
                   "duplicate_value", "tasks"});
  cases.push_back({"date not in YYYY-MM-DD", with([](auto& v) { v.visit_date = "2017/11/22"; }),
                   "invalid_format", "visit_date"});
  cases.push_back({"problems_found out of range", with([](auto& v) { v.problems_found = -1; }),
                   "out_of_range", "problems_found"});
  cases.push_back(
      {"no method", with([](auto& v) { v.methods.clear(); }), "missing_field", "methods"});
  cases.push_back({"method twice", with([](auto& v) {
                     v.methods = {pi::VisitMethod::kLook, pi::VisitMethod::kLook};
                   }),
                   "duplicate_value", "methods"});
  cases.push_back({"no mode", with([](auto& v) { v.mode.reset(); }), "missing_field", "mode"});
  cases.push_back({"open visit of a covert group", with([](auto& v) {
                     v.group_id = "CG1";
                     v.county = "130638";
                     v.mode = pi::VisitMode::kOpen;
                   }),
                   "covert_group_open_mode", "mode"});
  return cases;
}

TEST_F(VisitServiceTest, EachBadVisitGetsItsErrorAndNothingIsWritten) {
  Client c = Tablets();
  Client supervision_only = NewClient(supervision_only_keys_);
  for (const BadVisit& bad : BadVisits()) {
    SCOPED_TRACE(bad.name);
    const VisitReply r = Report(bad.supervision_only ? supervision_only : c, bad.visit);
    ASSERT_TRUE(r.error.has_value()) << "accepted";
    EXPECT_EQ(r.error->code, bad.code) << r.error->message;
    EXPECT_EQ(r.error->field.value_or(""), bad.field) << r.error->message;
    EXPECT_FALSE(r.error->message.empty());
  }
  EXPECT_EQ(Query("SELECT count(*) FROM intake.visit"), "0");
  EXPECT_EQ(Query("SELECT count(*) FROM intake.visit_task"), "0");
  EXPECT_EQ(Query("SELECT count(*) FROM intake.outbox"), "0");
  EXPECT_EQ(server_->stats().rejected.load(), BadVisits().size());
  // Still serving; the rejections are counted by code (flushed with the next batch), and not in
  // the reports' funnel.
  ASSERT_TRUE(Report(c, ValidVisit("after-bad")).receipt);
  EXPECT_EQ(Query("SELECT count(DISTINCT code) FROM intake.rejection_daily WHERE code IN "
                  "('unknown_group', 'unknown_round', 'channel_not_allowed', "
                  "'unknown_jurisdiction', 'outside_group_scope', 'outside_round', "
                  "'invalid_format', 'missing_field', 'duplicate_value', 'out_of_range')"),
            "10");
  EXPECT_EQ(Query("SELECT coalesce(sum(count), 0) FROM intake.rejection_daily"),
            std::to_string(BadVisits().size()));
  EXPECT_EQ(Query("SELECT count(*) FROM intake.funnel"), "0");
  EXPECT_EQ(Query("SELECT count(*) FROM intake.visit"), "1");
}

TEST_F(VisitServiceTest, AnUnknownMethodIsRefusedAtTheItemAndNothingIsWritten) {
  Client c = Tablets();
  std::string frame = pi::Encode(ValidVisit("bad-method"), "bad-method");
  const auto at = frame.find("hear");
  ASSERT_NE(at, std::string::npos);
  frame.replace(at, 4, "talk");
  const auto bytes = c.Request(frame);
  ASSERT_TRUE(bytes.has_value());
  const VisitReply r = ParseVisitReply(*bytes);
  ASSERT_TRUE(r.error.has_value()) << "accepted";
  EXPECT_EQ(r.error->code, "invalid_enum");
  EXPECT_EQ(r.error->field.value_or(""), "methods[0]");
  EXPECT_EQ(Query("SELECT count(*) FROM intake.visit"), "0");
  EXPECT_EQ(Query("SELECT count(*) FROM intake.outbox"), "0");
}

// Group findings (reports on the group channels) carry the same two fields, optionally.
TEST_F(VisitServiceTest, AGroupFindingKeepsItsMethodsAndModeAndBadOnesChangeNothing) {
  Client tablets = Tablets();
  Client hotline = NewClient(hotline_keys_);
  auto request = [](Client& c, const pi::SubmitReport& r) {
    const auto bytes = c.Request(pi::Encode(r, "r-" + r.submission_id));
    EXPECT_TRUE(bytes.has_value());
    auto frame = proto::ParseMessage(bytes.value_or(""));
    EXPECT_TRUE(frame.ok());
    return frame ? std::string(frame->type()) + ":" +
                       (frame->type() == pc::ErrorReply::kType
                            ? codec::DecodeAs<pc::ErrorReply>(*frame)->code + "@" +
                                  codec::DecodeAs<pc::ErrorReply>(*frame)->field.value_or("")
                            : std::string())
                 : std::string();
  };
  // CG1 covers 雄安新区 in round 3; 雄县 is one of its counties.
  pi::SubmitReport covert = ValidReport("CG1-F1");
  covert.channel = pc::Channel::kCovertGroup;
  covert.group_id = "CG1";
  covert.jurisdiction = "130638";
  covert.methods = {pi::VisitMethod::kLook, pi::VisitMethod::kVisit};
  covert.mode = pi::VisitMode::kCovert;

  pi::SubmitReport open_covert = covert;
  open_covert.submission_id = "CG1-F2";
  open_covert.mode = pi::VisitMode::kOpen;
  pi::SubmitReport twice = covert;
  twice.submission_id = "CG1-F3";
  twice.methods = {pi::VisitMethod::kLook, pi::VisitMethod::kLook};
  pi::SubmitReport citizen = ValidReport("hl-1");
  citizen.channel = pc::Channel::kCitizenHotline;
  citizen.group_id.reset();
  citizen.round.reset();
  pi::SubmitReport citizen_methods = citizen;
  citizen_methods.methods = {pi::VisitMethod::kLook};
  pi::SubmitReport citizen_mode = citizen;
  citizen_mode.submission_id = "hl-2";
  citizen_mode.mode = pi::VisitMode::kOpen;

  EXPECT_EQ(request(tablets, open_covert), "common.error:covert_group_open_mode@mode");
  EXPECT_EQ(request(tablets, twice), "common.error:duplicate_value@methods");
  EXPECT_EQ(request(hotline, citizen_methods), "common.error:field_not_allowed@methods");
  EXPECT_EQ(request(hotline, citizen_mode), "common.error:field_not_allowed@mode");
  EXPECT_EQ(Query("SELECT count(*) FROM intake.report"), "0");
  EXPECT_EQ(Query("SELECT count(*) FROM intake.outbox"), "0");

  EXPECT_EQ(request(tablets, covert), "intake.receipt:");
  EXPECT_EQ(request(hotline, citizen), "intake.receipt:");
  EXPECT_EQ(Query("SELECT string_agg(submission_id || '=' || array_to_string(methods, ',') || '/' "
                  "|| coalesce(mode, '-'), ' ' ORDER BY report_id) FROM intake.report"),
            "CG1-F1=look,visit/covert hl-1=/-");
  const auto events = ReadStream(kReportStream, 2);
  ASSERT_EQ(events.size(), 2u);
  auto frame = proto::ParseMessage(events[0].payload);
  ASSERT_TRUE(frame.ok());
  const auto accepted = codec::DecodeAs<pi::ReportAccepted>(*frame);
  ASSERT_TRUE(accepted.ok());
  EXPECT_EQ(accepted->methods, covert.methods);
  EXPECT_EQ(accepted->mode, pi::VisitMode::kCovert);
}

TEST_F(VisitServiceTest, ReportsAndVisitsSentTogetherLandOnTheirOwnStreamsOncePerItem) {
  constexpr int kPerKind = 20;
  std::vector<std::optional<pi::VisitReceipt>> visits(kPerKind);
  std::vector<bool> reported(kPerKind, false);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      Client c = Tablets();
      for (int i = t; i < kPerKind; i += 2) {
        const auto n = static_cast<std::size_t>(i);
        auto v = ValidVisit("mix-v" + std::to_string(i));
        v.visit_date = "2017-11-" + std::to_string(20 + i % 10);
        const auto vb = c.Request(pi::Encode(v));
        if (vb) visits[n] = ParseVisitReply(*vb).receipt;
        const auto rb = c.Request(pi::Encode(ValidReport("mix-r" + std::to_string(i))));
        if (rb) {
          auto frame = proto::ParseMessage(*rb);
          reported[n] = frame.ok() && frame->type() == pi::Receipt::kType;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::int64_t> visit_ids;
  for (int i = 0; i < kPerKind; ++i) {
    const auto n = static_cast<std::size_t>(i);
    ASSERT_TRUE(visits[n].has_value()) << "visit " << i;
    ASSERT_TRUE(reported[n]) << "report " << i;
    visit_ids.insert(visits[n]->visit_id);
  }
  ASSERT_EQ(visit_ids.size(), static_cast<std::size_t>(kPerKind));

  const auto visit_events = ReadStream(kVisitStream, kPerKind);
  ASSERT_EQ(visit_events.size(), static_cast<std::size_t>(kPerKind));
  std::set<std::int64_t> seen;
  for (std::size_t k = 0; k < visit_events.size(); ++k) {
    EXPECT_EQ(visit_events[k].seq, static_cast<std::int64_t>(k + 1));
    const pi::VisitReported e = DecodeVisitEvent(visit_events[k]);
    EXPECT_TRUE(seen.insert(e.visit_id).second) << "visit " << e.visit_id << " published twice";
    EXPECT_EQ(e.submission_id.rfind("mix-v", 0), 0u) << e.submission_id;
    EXPECT_EQ(e.city, "130400");
  }
  EXPECT_EQ(seen, visit_ids);
  const auto report_events = ReadStream(kReportStream, kPerKind);
  ASSERT_EQ(report_events.size(), static_cast<std::size_t>(kPerKind));
  for (const auto& e : report_events) EXPECT_EQ(e.type, pi::ReportAccepted::kType);
  EXPECT_TRUE(Eventually([&] {
    return streams_->stats(kVisitStream).head_seq.load() == kPerKind &&
           streams_->stats(kReportStream).head_seq.load() == kPerKind;
  }));
  EXPECT_EQ(Query("SELECT count(*) FROM intake.visit"), std::to_string(kPerKind));
  EXPECT_EQ(Query("SELECT count(*) FROM intake.report"), std::to_string(kPerKind));
}

}  // namespace
}  // namespace ducha::intake
