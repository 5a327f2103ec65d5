// Review against a real PostgreSQL (throwaway cluster) and the shipped Hebei campaign and rule
// table: tracking's claims through the consumer's ApplyBatch (listed, sampled, not drawn), and
// the command endpoint over CURVE with real ZeroMQ sockets: re-inspection results, the
// commissioner office's opinion and the recommendation it triggers, the decision, every kind of
// bad input, idempotent retries, the restricted officials and the hash-chained history.

#include "services/review/store/review_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <thread>
#include <zmq.hpp>

#include "common/campaign/loader.h"
#include "common/clock/clock.h"
#include "common/db/audit.h"
#include "common/db/migrate.h"
#include "common/stream/consumer.h"
#include "common/stream/outbox.h"
#include "common/svc/command_server.h"
#include "common/transport/transport.h"
#include "common/transport/zap.h"
#include "proto/common_codec.h"
#include "proto/dispatch_codec.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"
#include "proto/review_codec.h"
#include "proto/tracking_codec.h"
#include "services/review/io/review_server.h"
#include "services/review/migrations.h"
#include "services/review/store/credit_store.h"
#include "tests/support/hebei_campaign.h"
#include "tests/support/test_cluster.h"

namespace ducha::review {
namespace {

namespace pc = proto::common;
namespace pr = proto::review;
namespace pt = proto::tracking;
using testing::TestCluster;

timeutil::Millis At(const char* rfc3339) { return *timeutil::ParseRfc3339(rfc3339); }

const campaign::Campaign& Hebei() { return ::ducha::testing::HebeiCampaign(); }

const Rules& Shipped() {
  static const auto* r = [] {
    auto x =
        Rules::Load(testing::SourceDir() + "/deploy/campaigns/hebei-2017-2018/accountability.json");
    if (!x) throw std::runtime_error(x.error().message);
    return new Rules(std::move(x).value());
  }();
  return *r;
}

const CreditRules& Credit() {
  static const auto* r = [] {
    auto x =
        CreditRules::Load(testing::SourceDir() + "/deploy/campaigns/hebei-2017-2018/credit.json");
    if (!x) throw std::runtime_error(x.error().message);
    return new CreditRules(std::move(x).value());
  }();
  return *r;
}

db::DbSettings ReviewDb() { return db::DbSettings{TestCluster::Get().UrlFor("review"), "t"}; }

pt::RectificationClaimed Claimed(std::int64_t id, bool listed, std::int64_t reopen_count = 0) {
  pt::RectificationClaimed c;
  c.problem_id = id;
  c.body = proto::dispatch::Body{"130102", "长安区人民政府",
                                 proto::dispatch::BodyKind::kCountyGovernment};
  c.jurisdiction = "130102";
  c.city = "130100";
  c.channel = pc::Channel::kSupervisionGroup;
  c.category = pc::Category::kDust;
  c.severity = pc::Severity::kGeneral;
  c.listed = listed;
  c.title = "工地扬尘";
  c.reopen_count = reopen_count;
  c.description = "已苫盖";
  c.evidence = {"doc://1"};
  c.deadline = "2017-12-12";
  c.claimed_date = "2017-11-28";
  c.late = false;
  c.by = "changan";
  c.at = At("2017-11-28T10:00:00+08:00");
  return c;
}

template <typename M>
stream::IncomingEvent Event(std::int64_t seq, const M& m) {
  return stream::IncomingEvent{seq, std::string(M::kType), Encode(m)};
}

proto::intake::ReportAccepted NamesEnterprise(std::int64_t id) {
  proto::intake::ReportAccepted report;
  report.report_id = id;
  report.integration = "groups";
  report.submission_id = "s" + std::to_string(id);
  report.channel = pc::Channel::kSupervisionGroup;
  report.jurisdiction = "130102";
  report.category = pc::Category::kScatteredPollutingEnterprises;
  report.severity = pc::Severity::kSerious;
  report.title = "散乱污企业";
  report.description = "d";
  report.observed_at = report.reported_at = report.received_at = At("2017-11-21T10:00:00+08:00");
  report.enterprise = pc::Enterprise{"石家庄某化工有限公司", std::string("91130100MA07L7XT37")};
  return report;
}

proto::dispatch::ProblemAssigned AssignedForRectification(std::int64_t id) {
  proto::dispatch::ProblemAssigned assigned;
  assigned.problem_id = id;
  assigned.report_id = id;
  assigned.kind = proto::dispatch::AssignmentKind::kRectification;
  assigned.body = proto::dispatch::Body{"130102", "长安区人民政府",
                                        proto::dispatch::BodyKind::kCountyGovernment};
  assigned.jurisdiction = "130102";
  assigned.city = "130100";
  assigned.channel = pc::Channel::kSupervisionGroup;
  assigned.category = pc::Category::kScatteredPollutingEnterprises;
  assigned.severity = pc::Severity::kSerious;
  assigned.listed = true;
  assigned.deadline = "2017-12-05";
  assigned.assigned_at = At("2017-11-21T10:00:05+08:00");
  assigned.title = "散乱污企业";
  return assigned;
}

class ReviewTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::stop_source stop;
    db::Connection conn(ReviewDb(), stop.get_token());
    db::Migrate(conn, kSchema, "outbox", stream::OutboxMigrations());
    db::Migrate(conn, kSchema, "inbox", stream::InboxMigrations());
    db::Migrate(conn, kSchema, "service", Migrations());
    db::Migrate(conn, kSchema, "audit", db::AuditMigrations());
  }

  void SetUp() override {
    TestCluster::Get().Exec(
        "TRUNCATE review.task, review.case_facts, review.opinion, review.responsible_official, "
        "review.recommendation, review.decision, review.action_request, review.history, "
        "review.problem_enterprise, review.violation, review.enterprise, review.credit_entry, "
        "review.credit_pending, review.colour_history, review.blacklist_history, "
        "review.credit_request, "
        "review.outbox, review.stream_head, review.stream_cursor, review.dead_letter, "
        "review.audit");
    settings_.schema = kSchema;
    settings_.producer = "tracking";
    settings_.stream = "ledger";
    settings_.consumer = "review-test";
  }

  void Ledger(std::vector<stream::IncomingEvent> batch) {
    stream::ApplyBatch(conn_, settings_, batch, applier_.AsApplyFn(), stats_);
  }

  std::string Q(const std::string& sql) { return TestCluster::Get().QueryValue(sql); }

  std::vector<std::string> Events() {
    return conn_.Read([](pqxx::read_transaction& r) {
      std::vector<std::string> out;
      for (const auto& row : r.exec("SELECT type FROM review.outbox ORDER BY seq NULLS LAST, id")) {
        out.push_back(row[0].as<std::string>());
      }
      return out;
    });
  }

  std::stop_source stop_;
  db::Connection conn_{ReviewDb(), stop_.get_token()};
  LedgerApplier applier_{Hebei(), SampleSettings{0.3, 2017}, Credit()};
  SourceApplier sources_{Credit()};
  stream::StreamConsumerSettings settings_;
  stream::StreamConsumerStats stats_;
};

TEST_F(ReviewTest, AListedClaimBecomesATaskForACovertGroupFromAnotherCity) {
  Ledger({Event(1, Claimed(1042, true))});
  EXPECT_EQ(Q("SELECT reason || ' ' || state FROM review.task"), "listed open");
  const std::string group = Q("SELECT group_id FROM review.task");
  EXPECT_TRUE(CheckReinspectingGroup(Hebei(), group, 130100).ok()) << group;
  EXPECT_EQ(Events(), std::vector<std::string>{"review.task_created"});
}

TEST_F(ReviewTest, AnUndrawnClaimIsAcceptedOnItsDocumentsAndTheDrawIsRecorded) {
  // Find a problem id the seeded draw does not pick at 30 %.
  std::int64_t id = 1;
  while (Draw(2017, id, 1) < 0.3) ++id;
  Ledger({Event(1, Claimed(id, false))});
  EXPECT_EQ(Q("SELECT reason || ' ' || state FROM review.task"), "not_drawn documents");
  EXPECT_EQ(Q("SELECT draw = " + std::to_string(Draw(2017, id, 1)) + "::float8 OR abs(draw - " +
              std::to_string(Draw(2017, id, 1)) + ") < 1e-6 FROM review.task"),
            "t");
  EXPECT_EQ(Events(),
            (std::vector<std::string>{"review.task_created", "review.reinspection_concluded"}));
}

TEST_F(ReviewTest, TheSameClaimTwiceMakesOneTaskAndAReopenedClaimItsOwn) {
  Ledger({Event(1, Claimed(1042, true)), Event(2, Claimed(1042, true)),
          Event(3, Claimed(1042, true, 1))});
  EXPECT_EQ(Q("SELECT string_agg(claim_no::text, ',' ORDER BY claim_no) FROM review.task"), "1,2");
}

TEST_F(ReviewTest, EscalationsRaiseTheWorkingDaysOverdueTheCaseCarries) {
  pt::Escalated e;
  e.problem_id = 1042;
  e.body = proto::dispatch::Body{"130102", "长安区人民政府",
                                 proto::dispatch::BodyKind::kCountyGovernment};
  e.deadline_kind = proto::dispatch::AssignmentKind::kRectification;
  e.rung = 2;
  e.rung_name = "supervision_notice";
  e.display_name = "督办";
  e.working_days_overdue = 3;
  e.deadline = "2017-12-12";
  e.due_date = "2017-12-15";
  pt::Escalated lower = e;
  lower.working_days_overdue = 0;
  Ledger({Event(1, e), Event(2, lower)});
  EXPECT_EQ(Q("SELECT working_days_overdue FROM review.case_facts"), "3");
}

// --- the command endpoint ----------------------------------------------------------------------

class ReviewServerTest : public ReviewTest {
 protected:
  void SetUp() override {
    ReviewTest::SetUp();
    Ledger({Event(1, Claimed(1042, true))});
    task_ = std::stoll(Q("SELECT task_id FROM review.task"));
    group_ = Q("SELECT group_id FROM review.task");
    server_keys_ = transport::GenerateKeyPair();
    auth::Registry::Snapshot snap;
    auto add = [&](const std::string& name, auth::Role role, std::vector<std::string> scope) {
      const transport::KeyPair keys = transport::GenerateKeyPair();
      snap.identities.emplace(name, auth::Identity{name, role, {}, std::move(scope)});
      snap.key_to_identity.emplace(keys.public_z85, name);
      keys_[name] = keys;
    };
    add("bureau", auth::Role::kEnforcementBureau, {});
    add("co-sjz", auth::Role::kCommissionerOffice, {"130100"});
    add("co-ts", auth::Role::kCommissionerOffice, {"130200"});
    add("changan", auth::Role::kBody, {"130102"});
    add("ops-1", auth::Role::kOperator, {});
    registry_.Replace(snap);
    zap_ = std::make_unique<transport::ZapHandler>(
        ctx_, [this](std::string_view mech, std::string_view key) -> std::optional<std::string> {
          if (mech != "CURVE") return std::nullopt;
          return registry_.IdentityForKey(key);
        });
    transport::ServerSecurity sec;
    sec.secret_key_z85 = server_keys_.secret_z85;
    server_ = std::make_unique<svc::CommandServer>(ctx_, sec, "tcp://127.0.0.1:0", "review.test");
    server_->Bind();
    endpoint_ = server_->BoundEndpoint();
    handler_ = std::make_unique<ReviewHandler>(Hebei(), Shipped(), Credit(), registry_, clock_,
                                               false, applier_.AsApplyFn());
    thread_ = std::jthread([this](std::stop_token st) {
      db::Connection conn(ReviewDb(), st);
      server_->Run(st, [&](const std::string& user, std::string_view frame) {
        return handler_->Handle(user, frame, conn);
      });
    });
  }
  void TearDown() override {
    thread_ = {};
    server_.reset();
    zap_.reset();
  }

  template <typename R = pr::Done>
  Result<R> Send(const std::string& who, const std::string& payload) {
    zmq::socket_t sock = transport::MakeClientSocket(
        ctx_, zmq::socket_type::dealer,
        transport::ClientSecurity{true, server_keys_.public_z85, keys_.at(who)});
    sock.connect(endpoint_);
    zmq::message_t m(payload.data(), payload.size());
    sock.send(m, zmq::send_flags::none);
    std::vector<zmq::pollitem_t> items{{sock.handle(), 0, ZMQ_POLLIN, 0}};
    if (transport::Poll(items, std::chrono::seconds(10)) == 0) {
      return MakeError("timeout", "", "no reply");
    }
    std::vector<zmq::message_t> frames;
    transport::RecvMessage(sock, frames, 4);
    auto frame = proto::ParseMessage(frames.back().to_string());
    if (!frame) return frame.error();
    if (frame->type() == pc::ErrorReply::kType) {
      const auto e = codec::DecodeAs<pc::ErrorReply>(*frame);
      return MakeError(e->code, e->field.value_or(""), e->message);
    }
    return codec::DecodeAs<R>(*frame);
  }

  Result<pr::Done> Fail(const std::string& request_id = "eb-1") {
    return Send("bureau", pr::Encode(pr::ReportReinspection{request_id, task_, false,
                                                            "锅炉仍在使用", group_}));
  }

  Result<pr::Done> Opinion(const std::string& who, const std::string& request_id = "co-1") {
    return Send(who, pr::Encode(pr::RecordOpinion{request_id,
                                                  1042,
                                                  true,
                                                  {"perfunctory_claim"},
                                                  {"长安区人民政府"},
                                                  {"张三丰"},
                                                  "整改敷衍，建议约谈"}));
  }

  SimulatedClock clock_{At("2017-12-04T10:00:00+08:00")};
  std::int64_t task_ = 0;
  std::string group_;
  zmq::context_t ctx_;
  transport::KeyPair server_keys_;
  std::map<std::string, transport::KeyPair> keys_;
  auth::Registry registry_;
  std::unique_ptr<transport::ZapHandler> zap_;
  std::unique_ptr<svc::CommandServer> server_;
  std::unique_ptr<ReviewHandler> handler_;
  std::string endpoint_;
  std::jthread thread_;
};

TEST_F(ReviewServerTest, AFailedReinspectionReopensAndRefersTheProblem) {
  const auto done = Fail();
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->outcome, "reopened");
  EXPECT_EQ(Events(),
            (std::vector<std::string>{"review.task_created", "review.reinspection_concluded",
                                      "review.referred"}));
  EXPECT_EQ(Q("SELECT failed_reinspections || ' ' || referred FROM review.case_facts"), "1 true");
}

TEST_F(ReviewServerTest, EachBadResultIsRefusedAndChangesNothing) {
  const auto unknown =
      Send("bureau",
           pr::Encode(pr::ReportReinspection{"eb-9", task_ + 100, true, std::nullopt, group_}));
  EXPECT_EQ(unknown.error().code, "unknown_task");
  // A covert group formed from 石家庄 re-inspecting a 石家庄 problem.
  std::string own;
  for (const campaign::Group& g : Hebei().groups()) {
    for (auto code : g.home_jurisdictions) {
      if (code == 130100) own = g.id;
    }
  }
  ASSERT_FALSE(own.empty());
  const auto own_city =
      Send("bureau", pr::Encode(pr::ReportReinspection{"eb-8", task_, true, std::nullopt, own}));
  EXPECT_EQ(own_city.error().code, "own_city");
  const auto body =
      Send("changan", pr::Encode(pr::ReportReinspection{"b-1", task_, true, std::nullopt, group_}));
  EXPECT_EQ(body.error().code, "forbidden");
  EXPECT_EQ(Q("SELECT string_agg(identity || ' ' || code, ', ' ORDER BY id) FROM review.audit"),
            "bureau own_city, changan forbidden");
  const auto no_findings = Send(
      "bureau", pr::Encode(pr::ReportReinspection{"eb-7", task_, false, std::nullopt, group_}));
  EXPECT_EQ(no_findings.error().code, "missing_field");
  EXPECT_EQ(Q("SELECT state FROM review.task"), "open");
  EXPECT_EQ(Events().size(), 1u);

  ASSERT_TRUE(Fail().ok());
  const auto second = Fail("eb-2");
  EXPECT_EQ(second.error().code, "already_concluded");
  const auto retry = Fail("eb-1");
  ASSERT_TRUE(retry.ok());
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ(Events().size(), 3u);
}

TEST_F(ReviewServerTest, AVerifiedOpinionMakesAnExplainedRecommendationAndADecisionFollows) {
  EXPECT_EQ(Opinion("co-sjz").error().code, "not_referred");
  ASSERT_TRUE(Fail().ok());
  EXPECT_EQ(Opinion("co-ts").error().code, "out_of_scope");
  const auto done = Opinion("co-sjz");
  ASSERT_TRUE(done.ok()) << done.error().message;
  EXPECT_EQ(done->outcome, "recommended");
  // failed 5 + listed failed 5 + perfunctory 3 = 13: 通报批评.
  EXPECT_EQ(Q("SELECT level || ' ' || points || ' v' || rule_version FROM review.recommendation"),
            "criticism_notice 13 v1");
  EXPECT_EQ(Q("SELECT jsonb_array_length(facts) FROM review.recommendation"), "3");
  const auto events = Events();
  EXPECT_EQ(events.back(), "review.recommendation_made");
  // The officials are stored apart and not readable by the operator role.
  EXPECT_EQ(Q("SELECT name FROM review.responsible_official"), "张三丰");
  EXPECT_EQ(Q("SELECT has_table_privilege('ducha_operator', 'review.responsible_official', "
              "'SELECT')"),
            "f");
  EXPECT_EQ(Q("SELECT count(*) FROM review.outbox WHERE position(convert_to('张三丰', 'UTF8') in "
              "payload) > 0"),
            "0");

  const auto decision =
      Send("co-sjz", pr::Encode(pr::RecordDecision{"co-3", 1042, "对长安区政府通报批评",
                                                   std::string("criticism_notice")}));
  ASSERT_TRUE(decision.ok()) << decision.error().message;
  EXPECT_EQ(Events().back(), "review.decision_recorded");
  const auto unknown_level =
      Send("co-sjz", pr::Encode(pr::RecordDecision{"co-4", 1042, "x", std::string("banishment")}));
  EXPECT_EQ(unknown_level.error().code, "unknown_level");
}

TEST_F(ReviewServerTest, TheHistoryIsAHashChainThatShowsTampering) {
  ASSERT_TRUE(Fail().ok());
  ASSERT_TRUE(Opinion("co-sjz").ok());
  auto lines = conn_.Read([](pqxx::read_transaction& tx) { return LoadHistory(tx, 1042); });
  ASSERT_EQ(lines.size(), 4u);  // task, failed, opinion, recommendation
  EXPECT_EQ(VerifyChain(lines), std::nullopt);
  TestCluster::Get().Exec(
      "UPDATE review.history SET detail = 'passed' WHERE what = 'reinspection_failed'");
  lines = conn_.Read([](pqxx::read_transaction& tx) { return LoadHistory(tx, 1042); });
  const auto broken = VerifyChain(lines);
  ASSERT_TRUE(broken.has_value());
  EXPECT_EQ(broken->index, 1u);
}

// --- enterprise credit and the blacklist ---------------------------------------------------------

TEST_F(ReviewServerTest, CreditPointsColoursAndAnOperatorConfirmedBlacklist) {
  // 1042 names an enterprise (intake) and is a serious problem assigned for rectification
  // (dispatch): an established violation, 4 points, yellow.
  const proto::intake::ReportAccepted report = NamesEnterprise(1042);
  const proto::dispatch::ProblemAssigned assigned = AssignedForRectification(1042);
  stream::StreamConsumerSettings s = settings_;
  s.producer = "dispatch";
  s.stream = "assignments";
  const std::vector<stream::IncomingEvent> a{Event(1, assigned)};
  stream::ApplyBatch(conn_, s, a, sources_.AsApplyFn(), stats_);
  EXPECT_EQ(Q("SELECT count(*) FROM review.credit_entry"), "0") << "no enterprise known yet";
  s.producer = "intake";
  s.stream = "reports";
  const std::vector<stream::IncomingEvent> r{Event(1, report)};
  stream::ApplyBatch(conn_, s, r, sources_.AsApplyFn(), stats_);
  const std::string key = "91130100MA07L7XT37";
  EXPECT_EQ(Q("SELECT colour FROM review.enterprise"), "yellow");

  const auto confirm = [&](const std::string& id) {
    return Send<pr::CreditDone>("ops-1",
                                pr::Encode(pr::ConfirmBlacklist{id, key, "12分，列入黑名单"}));
  };
  auto early = confirm("b-0");
  EXPECT_EQ(early.error().code, "below_threshold");

  // A failed re-inspection (+3: red), then the office verifies a false claim (12 at once).
  ASSERT_TRUE(Fail().ok());
  EXPECT_EQ(Q("SELECT colour FROM review.enterprise"), "red");
  ASSERT_TRUE(Send("co-sjz", pr::Encode(pr::RecordOpinion{
                                 "co-9", 1042, true, {"false_claim"}, {}, {}, "虚假整改"}))
                  .ok());
  EXPECT_EQ(Q("SELECT colour FROM review.enterprise"), "black");
  EXPECT_EQ(Q("SELECT blacklisted FROM review.enterprise"), "f") << "an operator confirms it";
  EXPECT_EQ(Send("changan", pr::Encode(pr::ConfirmBlacklist{"x", key, "r"})).error().code,
            "forbidden");
  const auto listed =
      Send<pr::CreditDone>("ops-1", pr::Encode(pr::ConfirmBlacklist{"b-1", key, "12分以上"}));
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  // (a listing is an action of its own, not a replay of the refused request b-0)
  EXPECT_TRUE(listed->blacklisted);
  EXPECT_EQ(Send("ops-1", pr::Encode(pr::ConfirmBlacklist{"b-2", key, "again"})).error().code,
            "no_change");
  EXPECT_EQ(Send("ops-1", pr::Encode(pr::Delist{"d-0", key, "too early"})).error().code,
            "above_threshold");

  // The re-inspection of the second claim passes: the points clear, the colour history stays.
  Ledger({Event(2, Claimed(1042, true, 1))});
  const std::string task2 = Q("SELECT task_id FROM review.task WHERE claim_no = 2");
  const std::string group2 = Q("SELECT group_id FROM review.task WHERE claim_no = 2");
  ASSERT_TRUE(Send("bureau", pr::Encode(pr::ReportReinspection{"eb-p", std::stoll(task2), true,
                                                               std::nullopt, group2}))
                  .ok());
  EXPECT_EQ(Q("SELECT colour FROM review.enterprise"), "green");
  EXPECT_EQ(Q("SELECT string_agg(colour, ',' ORDER BY id) FROM review.colour_history"),
            "yellow,red,black,green");
  const auto delisted =
      Send<pr::CreditDone>("ops-1", pr::Encode(pr::Delist{"d-1", key, "整改到位，信用修复"}));
  ASSERT_TRUE(delisted.ok()) << delisted.error().message;
  EXPECT_FALSE(delisted->blacklisted);
  const auto events = Events();
  EXPECT_EQ(std::count(events.begin(), events.end(), "review.credit_changed"), 4);
  EXPECT_EQ(std::count(events.begin(), events.end(), "review.blacklisted"), 1);
  EXPECT_EQ(std::count(events.begin(), events.end(), "review.delisted"), 1);
}

// The enterprise (intake's reports) and the violation (dispatch's assignments) arrive in separate
// transactions. The second to commit must see the first, however they interleave: here the report
// is applied but not yet committed when the assignment's batch starts.
TEST_F(ReviewTest, AViolationAndItsEnterpriseMeetWhenTheyArriveConcurrently) {
  pqxx::connection other{TestCluster::Get().UrlFor("review")};
  auto open = std::make_unique<pqxx::work>(other);
  const std::vector<stream::IncomingEvent> r{Event(1, NamesEnterprise(3042))};
  for (const auto& status : sources_.Apply(*open, r)) ASSERT_TRUE(status.ok());

  std::atomic<bool> applied{false};
  std::thread assignment([&] {
    stream::StreamConsumerSettings s = settings_;
    s.producer = "dispatch";
    s.stream = "assignments";
    const std::vector<stream::IncomingEvent> a{Event(1, AssignedForRectification(3042))};
    stream::ApplyBatch(conn_, s, a, sources_.AsApplyFn(), stats_);
    applied = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(applied.load()) << "the assignment waits for the report's transaction";
  open->commit();
  open.reset();
  assignment.join();
  EXPECT_EQ(Q("SELECT count(*) FROM review.credit_entry WHERE problem_id = 3042 AND reason = "
              "'violation'"),
            "1");
  EXPECT_EQ(Q("SELECT colour FROM review.enterprise"), "yellow");
}

// A fact scored before review has read the problem's enterprise waits, and is scored (and cleared
// if the problem was rectified meanwhile) when the enterprise arrives.
TEST_F(ReviewTest, AFactScoredBeforeTheEnterpriseIsKnownWaitsForIt) {
  conn_.Transact([&](pqxx::work& tx) {
    ScoreFailedReinspection(tx, Credit(), 4042, 7, At("2017-12-01T10:00:00+08:00"));
    ScoreFailedReinspection(tx, Credit(), 4043, 8, At("2017-12-01T10:00:00+08:00"));
    ClearOnRectified(tx, Credit(), 4043, At("2017-12-08T10:00:00+08:00"));
  });
  EXPECT_EQ(Q("SELECT count(*) FROM review.credit_entry"), "0");
  EXPECT_EQ(Q("SELECT count(*) FROM review.credit_pending"), "2");
  stream::StreamConsumerSettings s = settings_;
  s.producer = "intake";
  s.stream = "reports";
  proto::intake::ReportAccepted other = NamesEnterprise(4043);
  other.enterprise = pc::Enterprise{"某建材厂", std::nullopt};
  const std::vector<stream::IncomingEvent> r{Event(1, NamesEnterprise(4042)), Event(2, other)};
  stream::ApplyBatch(conn_, s, r, sources_.AsApplyFn(), stats_);
  EXPECT_EQ(Q("SELECT count(*) FROM review.credit_pending"), "0");
  EXPECT_EQ(Q("SELECT points || ':' || (cleared_at IS NULL) FROM review.credit_entry WHERE "
              "problem_id = 4042 AND reason = 'failed_reinspection:7'"),
            "3:true");
  EXPECT_EQ(Q("SELECT (cleared_at IS NOT NULL)::text FROM review.credit_entry WHERE problem_id = "
              "4043"),
            "true");
  EXPECT_EQ(Q("SELECT colour FROM review.enterprise WHERE name = '某建材厂'"), "green");
}

}  // namespace
}  // namespace ducha::review
