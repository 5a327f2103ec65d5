// The bulletin's store against a real PostgreSQL: the four streams' events through ApplyBatch
// into the projection (dated facts, redelivery and replay harmless, poison parked), a week's
// bulletin generated once from the data as of its cut-off and regenerated identically, the send
// rows' protocol (claim, fail with backoff, recover an interrupted send with its Message-ID,
// resend), and the operators' command endpoint over CURVE with real ZeroMQ sockets.

#include <deque>
#include <fstream>
#include <sstream>
#include <thread>
#include <zmq.hpp>

#include "common/svc/command_server.h"
#include "common/transport/transport.h"
#include "common/transport/zap.h"
#include "proto/bulletin_codec.h"
#include "proto/common_codec.h"
#include "proto/registry.h"
#include "services/bulletin/core/numbers_json.h"
#include "services/bulletin/core/render.h"
#include "services/bulletin/core/round_report.h"
#include "services/bulletin/io/commands.h"
#include "tests/integration/bulletin/bulletin_fixture.h"

namespace ducha::bulletin::itest {
namespace {

namespace pb = proto::bulletin;

class BulletinStoreTest : public BulletinDbTest {
 protected:
  // A small week: three reports (one a duplicate), two problems of 长安区 assigned before it,
  // one overdue, one claimed and rectified during it; an escalation; a passed re-inspection.
  void SeedWeek() {
    Intake(Accepted(1, "2017-11-20T10:00:00+08:00"),
           Accepted(2, "2017-11-21T10:00:00+08:00", "130202"),
           Accepted(3, "2017-11-22T10:00:00+08:00", "130102", 1));
    a1_ = Assigned(101, "2017-11-01T09:00:00+08:00", "2017-11-15");
    a2_ = Assigned(102, "2017-11-01T09:00:00+08:00", "2017-11-20");
    Dispatch(a1_, a2_);
    Tracking(Claim(a2_, "2017-11-17T10:00:00+08:00", false), Escalated(a1_, 1, "2017-11-16"),
             Escalated(a1_, 2, "2017-11-21"), Rectified(a2_, "2017-11-22T10:00:00+08:00"));
    Review(Reinspected(9001, 102, true, "2017-11-22T10:00:00+08:00"));
  }

  bool Generate(int issue, Millis wall = 1000) {
    return conn_.Transact([&](pqxx::work& tx) {
      return GenerateBulletin(tx, Hebei(), HebeiWeeks().Issue(issue), ShippedLists(), kTestSend,
                              HebeiWeeks().Issue(issue).due, wall);
    });
  }

  Numbers Stored(int issue) {
    const auto stored =
        conn_.Read([&](pqxx::read_transaction& tx) { return LoadBulletin(tx, issue); });
    return *NumbersFromJson(stored->numbers);
  }

  std::string CurrentHash(int issue) {
    return conn_.Read([&](pqxx::read_transaction& tx) {
      const Week w = HebeiWeeks().Issue(issue);
      return Sha256Hex(NumbersToJson(ComputeNumbers(Hebei(), LoadProjection(tx, w.cutoff), w)));
    });
  }

  pd::ProblemAssigned a1_;
  pd::ProblemAssigned a2_;
};

TEST_F(BulletinStoreTest, AppliersKeepEveryFactWithItsFleetTimeAndARedeliveryChangesNothing) {
  SeedWeek();
  EXPECT_EQ(Q("SELECT count(*) FROM bulletin.report"), "3");
  EXPECT_EQ(Q("SELECT count(*) FROM bulletin.report WHERE duplicate"), "1");
  EXPECT_EQ(Q("SELECT city FROM bulletin.report WHERE report_id = 2"), "130200");
  EXPECT_EQ(Q("SELECT count(*) FROM bulletin.problem"), "2");
  EXPECT_EQ(Q("SELECT string_agg(what, ',' ORDER BY at, id) FROM bulletin.fact"),
            "escalated,claimed,escalated,rectified");
  // The clock's events are dated 00:00 of their due day in the campaign's zone.
  EXPECT_EQ(Q("SELECT min(at) FROM bulletin.fact WHERE what = 'escalated'"),
            std::to_string(At("2017-11-16T00:00:00+08:00")));
  EXPECT_EQ(Q("SELECT count(*) FROM bulletin.reinspection"), "1");

  // The same batch again (a lost acknowledgement): the cursor skips it.
  seq_["intake/reports"] = 0;
  Intake(Accepted(1, "2017-11-20T10:00:00+08:00"), Accepted(2, "2017-11-21T10:00:00+08:00"),
         Accepted(3, "2017-11-22T10:00:00+08:00", "130102", 1));
  // An operator's replay of the ledger from the start: the keys make it harmless.
  conn_.Transact([](pqxx::work& tx) { stream::SetCursor(tx, kSchema, "tracking", "ledger", 0); });
  seq_["tracking/ledger"] = 0;
  Tracking(Claim(a2_, "2017-11-17T10:00:00+08:00", false), Escalated(a1_, 1, "2017-11-16"),
           Escalated(a1_, 2, "2017-11-21"), Rectified(a2_, "2017-11-22T10:00:00+08:00"));
  EXPECT_EQ(Q("SELECT count(*) FROM bulletin.report"), "3");
  EXPECT_EQ(Q("SELECT count(*) FROM bulletin.fact"), "4");
  EXPECT_EQ(Q("SELECT count(*) FROM bulletin.dead_letter"), "0");
}

TEST_F(BulletinStoreTest, AnEventThatCannotBeAppliedIsParkedAndTheStreamMovesOn) {
  std::vector<stream::IncomingEvent> batch{
      Event(1, Accepted(1, "2017-11-20T10:00:00+08:00")),
      stream::IncomingEvent{2, "intake.report_accepted", "\x93\x01\x02"},
      Event(3, Accepted(3, "2017-11-20T10:00:00+08:00", "139999")),
      Event(4, Accepted(4, "2017-11-20T10:00:00+08:00"))};
  stream::ApplyBatch(conn_, Settings("intake", "reports"), batch, reports_.AsApplyFn(), stats_);
  EXPECT_EQ(Q("SELECT string_agg(report_id::text, ',' ORDER BY report_id) FROM bulletin.report"),
            "1,4");
  EXPECT_EQ(Q("SELECT string_agg(error_code, ',' ORDER BY seq) FROM bulletin.dead_letter"),
            "malformed,unknown_jurisdiction");
}

TEST_F(BulletinStoreTest, TheProjectionKeepsNothingOfTheReporter) {
  SeedWeek();
  ASSERT_TRUE(Generate(11));
  for (const char* table : {"report", "problem", "fact", "reinspection", "accountability",
                            "blacklist_change", "bulletin", "send"}) {
    const std::string rows = Q(std::string("SELECT coalesce(string_agg(t::text, '|'), '') FROM "
                                           "bulletin.") +
                               table + " t");
    EXPECT_EQ(rows.find(kReporterName), std::string::npos) << table;
    EXPECT_EQ(rows.find(kReporterPhone), std::string::npos) << table;
  }
}

pd::RosterRegistered Roster(const std::string& group, int version, std::int64_t members,
                            std::int64_t days) {
  pd::RosterRegistered r;
  r.group_id = group;
  r.round = 3;
  r.version = version;
  r.members = members;
  r.roles = pd::RoleCounts{1, 1, members - 3, 1};
  r.vehicles = 5;
  r.days_stationed = days;
  r.meal_rate_yuan = 100;
  r.meal_allowance_yuan = members * days * 100;
  r.registered_at = At("2017-11-19T10:00:00+08:00");
  return r;
}

pi::VisitReported WorkedVisit(std::int64_t id, const std::string& group, const char* county,
                              const char* city, std::vector<pi::VisitMethod> methods,
                              std::optional<pi::VisitMode> mode) {
  pi::VisitReported v;
  v.visit_id = id;
  v.integration = "group-tablets";
  v.submission_id = "V" + std::to_string(id);
  v.group_id = group;
  v.round = 3;
  v.county = county;
  v.city = city;
  v.visit_date = "2017-11-22";
  v.tasks = {pc::Category::kDust};
  v.problems_found = 1;
  v.received_at = At("2017-11-22T18:00:00+08:00");
  v.methods = std::move(methods);
  v.mode = mode;
  return v;
}

TEST_F(BulletinStoreTest, TheRoundReportShowsTheLatestRostersAndHowTheGroupsWorked) {
  // Two versions of SG5's roster (the second supersedes the first), CG1's, and a redelivery.
  Dispatch(Roster("SG5", 1, 30, 15), Roster("CG1", 1, 22, 15));
  Dispatch(Roster("SG5", 2, 26, 15));
  conn_.Transact(
      [](pqxx::work& tx) { stream::SetCursor(tx, kSchema, "dispatch", "assignments", 0); });
  seq_["dispatch/assignments"] = 0;
  Dispatch(Roster("SG5", 1, 30, 15), Roster("CG1", 1, 22, 15));
  EXPECT_EQ(Q("SELECT count(*) FROM bulletin.roster"), "3");
  Visits(WorkedVisit(1, "SG5", "130102", "130100", {pi::VisitMethod::kHear, pi::VisitMethod::kLook},
                     pi::VisitMode::kOpen),
         WorkedVisit(2, "CG1", "130638", "133100",
                     {pi::VisitMethod::kLook, pi::VisitMethod::kVisit}, pi::VisitMode::kCovert),
         WorkedVisit(3, "SG5", "130104", "130100", {}, std::nullopt));
  EXPECT_EQ(Q("SELECT string_agg(visit_id || '=' || array_to_string(methods, ',') || '/' || "
              "coalesce(mode, '-'), ' ' ORDER BY visit_id) FROM bulletin.visit"),
            "1=hear,look/open 2=look,visit/covert 3=/-");

  const campaign::Round& round3 = Hebei().rounds().at(2);
  ASSERT_TRUE(conn_.Transact([&](pqxx::work& tx) {
    return GenerateRoundReport(tx, Hebei(), round3, ShippedLists(), {}, kTestSend,
                               At("2017-12-05T08:00:00+08:00"), 1000);
  }));
  const auto stored = conn_.Read([](pqxx::read_transaction& tx) { return LoadRoundReport(tx, 3); });
  ASSERT_TRUE(stored.has_value());
  const auto n = RoundNumbersFromJson(stored->numbers);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->methods, (RoundMethods{3, 1, 1, 1, 1, 0, 2, 1}));
  EXPECT_EQ(n->logistics_total.members, 26 + 22);
  EXPECT_EQ(n->logistics_total.meal_allowance_yuan, (26 + 22) * 15 * 100);
  EXPECT_EQ(n->meal_rate_yuan, 100);
  const std::string text = RenderText(BuildRoundDocument(*n, Hebei(), "河北省大气办"));
  EXPECT_NE(text.find("后勤保障"), std::string::npos);
  EXPECT_NE(text.find("差旅费由派出单位承担"), std::string::npos);
  EXPECT_NE(text.find("39000"), std::string::npos) << "SG5's second version: 26 × 15 × 100";
  EXPECT_EQ(text.find("45000"), std::string::npos) << "not the superseded first version";
  EXPECT_NE(text.find("明查1次、暗访1次、未注明1次"), std::string::npos);
  EXPECT_EQ(Q("SELECT count(*) FROM bulletin.dead_letter"), "0");
}

TEST_F(BulletinStoreTest, AWeekIsGeneratedOnceWithItsNumbersAndTheFirstSendOfEveryList) {
  SeedWeek();
  ASSERT_TRUE(Generate(11));
  EXPECT_FALSE(Generate(11)) << "the second generation changes nothing";
  const Numbers n = Stored(11);
  EXPECT_EQ(n.issue, 11);
  EXPECT_EQ(n.week.received, 3);
  EXPECT_EQ(n.duplicates, 1);
  EXPECT_EQ(n.rectified, 1);
  EXPECT_EQ(n.week.standing.overdue, 1);
  EXPECT_EQ(n.week.standing.closed_on_time, 1);
  EXPECT_EQ(n.escalations[0].count, 0) << "the reminder came the week before";
  EXPECT_EQ(n.escalations[1].count, 1);
  EXPECT_EQ(n.reinspected_passed, 1);
  EXPECT_EQ(Q("SELECT numbers_hash FROM bulletin.bulletin WHERE issue = 11"),
            Sha256Hex(Q("SELECT numbers FROM bulletin.bulletin WHERE issue = 11")));
  EXPECT_EQ(Q("SELECT count(*) FROM bulletin.send WHERE issue = 11 AND send_no = 1 AND state = "
              "'pending'"),
            std::to_string(ShippedLists().lists.size()));
  EXPECT_EQ(Q("SELECT message_id FROM bulletin.send WHERE issue = 11 AND list = 'city-130100'"),
            "bulletin.hebei-2017-2018.11.city-130100.1@ducha.hebei.example");
  EXPECT_EQ(Q("SELECT array_to_string(recipients, ' ') FROM bulletin.send WHERE list = "
              "'city-130200'"),
            "secretary@ts.hebei.example mayor@ts.hebei.example");
}

TEST_F(BulletinStoreTest, RegeneratingLaterGivesTheSameNumbersAndALateFactIsDetected) {
  SeedWeek();
  ASSERT_TRUE(Generate(11));
  const std::string stored = Q("SELECT numbers_hash FROM bulletin.bulletin WHERE issue = 11");
  // Everything that happens from the cut-off on belongs to later weeks.
  Intake(Accepted(4, "2017-11-25T00:00:00+08:00"), Accepted(5, "2017-11-27T10:00:00+08:00"));
  Dispatch(Assigned(103, "2017-11-25T09:00:00+08:00", "2017-12-15"));
  Tracking(Claim(a1_, "2017-11-26T10:00:00+08:00", true),
           Rectified(a1_, "2017-11-28T10:00:00+08:00"));
  EXPECT_EQ(CurrentHash(11), stored);
  // A fact dated before the cut-off that arrives after the generation: the preview shows it.
  Intake(Accepted(6, "2017-11-24T23:00:00+08:00"));
  EXPECT_NE(CurrentHash(11), stored);
  EXPECT_EQ(Q("SELECT numbers_hash FROM bulletin.bulletin WHERE issue = 11"), stored);
}

TEST_F(BulletinStoreTest, MissingIssuesAreTheOnesNeverGeneratedOldestFirst) {
  ASSERT_TRUE(Generate(2));
  const auto missing = conn_.Read([](pqxx::read_transaction& tx) { return MissingIssues(tx, 4); });
  EXPECT_EQ(missing, (std::vector<int>{1, 3, 4}));
}

TEST_F(BulletinStoreTest, SendsGoOldestWeekFirstAndFailuresWaitForTheirBackoff) {
  ASSERT_TRUE(Generate(12));
  ASSERT_TRUE(Generate(11));
  auto claim = [&](Millis now) {
    return conn_.Transact([&](pqxx::work& tx) { return ClaimNextDue(tx, now); });
  };
  const auto first = claim(5000);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->issue, 11);
  EXPECT_EQ(first->list, "provincial");
  EXPECT_EQ(first->attempts, 1);
  EXPECT_EQ(first->titles.front(), "省委书记");
  conn_.Transact([&](pqxx::work& tx) { MarkFailed(tx, *first, "connection refused", 65000); });
  EXPECT_EQ(Q("SELECT state || ' ' || attempts || ' ' || last_error FROM bulletin.send_status "
              "WHERE issue = 11 AND list = 'provincial'"),
            "failed 1 connection refused");
  const auto second = claim(6000);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->list, "city-130100") << "the failed send waits for its next attempt";
  conn_.Transact([&](pqxx::work& tx) { MarkSent(tx, *second); });
  const auto retried = claim(65000);
  ASSERT_TRUE(retried.has_value());
  EXPECT_EQ(retried->list, "provincial");
  EXPECT_EQ(retried->attempts, 2);
  EXPECT_EQ(retried->message_id, first->message_id);
  const SendCounts c = conn_.Read([](pqxx::read_transaction& tx) { return CountSends(tx); });
  EXPECT_EQ(c.sent, 1);
  EXPECT_EQ(c.sending, 1);
  EXPECT_EQ(c.pending, static_cast<std::int64_t>(2 * ShippedLists().lists.size() - 2));
}

TEST_F(BulletinStoreTest, AnInterruptedSendIsRecoveredAsAmbiguousWithTheSameMessageId) {
  ASSERT_TRUE(Generate(11));
  const auto send = conn_.Transact([](pqxx::work& tx) { return ClaimNextDue(tx, 5000); });
  ASSERT_TRUE(send.has_value());
  // The process dies here, between `sending` and `sent`. At the next start:
  EXPECT_EQ(conn_.Transact([](pqxx::work& tx) { return RecoverInterrupted(tx); }), 1);
  EXPECT_EQ(conn_.Transact([](pqxx::work& tx) { return RecoverInterrupted(tx); }), 0);
  const auto again = conn_.Transact([](pqxx::work& tx) { return ClaimNextDue(tx, 5000); });
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->list, send->list);
  EXPECT_EQ(again->message_id, send->message_id);
  EXPECT_EQ(again->ambiguous, 1);
  EXPECT_EQ(again->attempts, 2);
}

TEST_F(BulletinStoreTest, AResendIsTheNextSendNumberWithANewMessageId) {
  ASSERT_TRUE(Generate(11));
  auto resend = [&](std::optional<std::string> list) {
    return conn_.Transact([&](pqxx::work& tx) {
      return QueueResend(tx, 11, list, "ops-1: 邮箱更换", ShippedLists(), kTestSend, 9000);
    });
  };
  const auto one = resend("city-130100");
  ASSERT_TRUE(one.ok()) << one.error().message;
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].send_no, 2);
  EXPECT_EQ((*one)[0].message_id, "bulletin.hebei-2017-2018.11.city-130100.2@ducha.hebei.example");
  const auto all = resend(std::nullopt);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), ShippedLists().lists.size());
  EXPECT_EQ(all->front().list, "provincial");
  EXPECT_EQ(all->front().send_no, 2);
  EXPECT_EQ((*all)[1].list, "city-130100");
  EXPECT_EQ((*all)[1].send_no, 3);
  EXPECT_EQ(Q("SELECT reason FROM bulletin.send WHERE list = 'city-130100' AND send_no = 2"),
            "resend: ops-1: 邮箱更换");
  EXPECT_EQ(resend("city-999999").error().code, "unknown_list");
  EXPECT_EQ(conn_
                .Transact([&](pqxx::work& tx) {
                  return QueueResend(tx, 12, std::nullopt, "r", ShippedLists(), kTestSend, 9000);
                })
                .error()
                .code,
            "not_generated");
}

TEST_F(BulletinStoreTest, OperatorsReadTheSendsThroughTheView) {
  ASSERT_TRUE(Generate(11));
  pqxx::connection c{TestCluster::Get().UrlFor("operator")};
  pqxx::nontransaction n{c};
  const auto r = n.exec("SELECT count(*), min(week) FROM bulletin.send_status");
  EXPECT_EQ(r[0][0].as<std::size_t>(), ShippedLists().lists.size());
  EXPECT_EQ(r[0][1].as<std::string>(), "2017-11-25");
}

// --- the command endpoint --------------------------------------------------------------------

class BulletinCommandsTest : public BulletinStoreTest {
 protected:
  void SetUp() override {
    BulletinStoreTest::SetUp();
    server_keys_ = transport::GenerateKeyPair();
    auth::Registry::Snapshot snap;
    auto add = [&](const std::string& name, auth::Role role) {
      const transport::KeyPair keys = transport::GenerateKeyPair();
      snap.identities.emplace(name, auth::Identity{name, role, {}, {}});
      snap.key_to_identity.emplace(keys.public_z85, name);
      keys_[name] = keys;
    };
    add("ops-1", auth::Role::kOperator);
    add("changan", auth::Role::kBody);
    registry_.Replace(snap);
    zap_ = std::make_unique<transport::ZapHandler>(
        ctx_, [this](std::string_view mech, std::string_view key) -> std::optional<std::string> {
          if (mech != "CURVE") return std::nullopt;
          return registry_.IdentityForKey(key);
        });
    transport::ServerSecurity security;
    security.secret_key_z85 = server_keys_.secret_z85;
    server_ = std::make_unique<svc::CommandServer>(ctx_, security, "tcp://127.0.0.1:0",
                                                   "bulletin.commands");
    server_->Bind();
    endpoint_ = server_->BoundEndpoint();
    commands_ = std::make_unique<BulletinCommands>(Hebei(), HebeiWeeks(), ShippedLists(), registry_,
                                                   false, BulletinDb(), kTestSend, wall_,
                                                   reports_.AsApplyFn(), stop_.get_token());
    thread_ = std::jthread([this](std::stop_token st) {
      server_->Run(st, [this](const std::string& user, std::string_view frame) {
        return commands_->Handle(user, frame);
      });
    });
  }
  void TearDown() override {
    thread_ = {};
    server_.reset();
    zap_.reset();
  }

  codec::Frame Ask(const std::string& who, const std::string& payload) {
    zmq::socket_t sock = transport::MakeClientSocket(
        ctx_, zmq::socket_type::dealer,
        transport::ClientSecurity{true, server_keys_.public_z85, keys_.at(who)});
    sock.connect(endpoint_);
    zmq::message_t m(payload.data(), payload.size());
    sock.send(m, zmq::send_flags::none);
    std::vector<zmq::pollitem_t> items{{sock.handle(), 0, ZMQ_POLLIN, 0}};
    EXPECT_GT(transport::Poll(items, std::chrono::seconds(20)), 0);
    std::vector<zmq::message_t> frames;
    transport::RecvMessage(sock, frames, 4);
    replies_.push_back(frames.empty() ? "" : frames.back().to_string());
    auto parsed = proto::ParseMessage(replies_.back());
    EXPECT_TRUE(parsed.ok());
    return std::move(parsed).value();
  }

  Error ErrorOf(const codec::Frame& f) {
    EXPECT_EQ(f.type(), pc::ErrorReply::kType);
    const auto e = codec::DecodeAs<pc::ErrorReply>(f);
    return e ? MakeError(e->code, e->field.value_or(""), e->message) : e.error();
  }

  SimulatedClock wall_{100'000};
  zmq::context_t ctx_;
  transport::KeyPair server_keys_;
  std::map<std::string, transport::KeyPair> keys_;
  auth::Registry registry_;
  std::unique_ptr<transport::ZapHandler> zap_;
  std::unique_ptr<svc::CommandServer> server_;
  std::unique_ptr<BulletinCommands> commands_;
  std::string endpoint_;
  std::jthread thread_;
  std::deque<std::string> replies_;  // the frames refer to them
};

TEST_F(BulletinCommandsTest, AnOperatorPreviewsAGeneratedWeekWithMatchingHashes) {
  SeedWeek();
  ASSERT_TRUE(Generate(11));
  const auto f = Ask("ops-1", pb::Encode(pb::Preview{"2017-11-25"}, "p-1"));
  ASSERT_EQ(f.type(), pb::PreviewReply::kType);
  EXPECT_EQ(f.id(), "p-1");
  const auto r = codec::DecodeAs<pb::PreviewReply>(f);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->issue, 11);
  EXPECT_EQ(r->period_from, "2017-11-18");
  EXPECT_EQ(r->period_to, "2017-11-24");
  EXPECT_TRUE(r->generated);
  EXPECT_EQ(r->stored_hash, r->current_hash);
  EXPECT_NE(r->text.find("本周受理问题3个"), std::string::npos) << r->text.substr(0, 600);
  EXPECT_NE(r->html.find("cid:chart"), std::string::npos);
  EXPECT_EQ(r->subject.find("督察快报 第11期"), 0u);
}

TEST_F(BulletinCommandsTest, APreviewOfAWeekNotGeneratedIsComputedAndNotStored) {
  SeedWeek();
  const auto r =
      codec::DecodeAs<pb::PreviewReply>(Ask("ops-1", pb::Encode(pb::Preview{"2017-11-25"})));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->generated);
  EXPECT_FALSE(r->stored_hash.has_value());
  EXPECT_EQ(Q("SELECT count(*) FROM bulletin.bulletin"), "0");
  EXPECT_EQ(ErrorOf(Ask("ops-1", pb::Encode(pb::Preview{"2017-11-24"}))).code, "unknown_week");
}

TEST_F(BulletinCommandsTest, AnOperatorResendsAndOthersAreRefused) {
  ASSERT_TRUE(Generate(11));
  pb::Resend resend{"2017-11-25", "city-130200", "邮箱更换后补发"};
  const auto r = codec::DecodeAs<pb::ResendQueued>(Ask("ops-1", pb::Encode(resend)));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->sends.size(), 1u);
  EXPECT_EQ(r->sends[0].send_no, 2);
  EXPECT_EQ(Q("SELECT state || ' ' || next_attempt_at FROM bulletin.send WHERE list = "
              "'city-130200' AND send_no = 2"),
            "pending 100000");
  EXPECT_EQ(ErrorOf(Ask("changan", pb::Encode(resend))).code, "forbidden");
  EXPECT_EQ(Q("SELECT identity || ' ' || action || ' ' || code FROM bulletin.audit"),
            "changan bulletin.resend forbidden");
  EXPECT_EQ(Q("SELECT count(*) FROM bulletin.send WHERE send_no = 2"), "1");
  pb::Resend unknown{"2017-12-02", std::nullopt, "r"};
  EXPECT_EQ(ErrorOf(Ask("ops-1", pb::Encode(unknown))).code, "not_generated");
  EXPECT_EQ(commands_->stats().refused.load(), 2u);
}

}  // namespace
}  // namespace ducha::bulletin::itest
