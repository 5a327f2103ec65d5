// The intake service end to end: real PostgreSQL (throwaway cluster), real ZeroMQ sockets with
// CURVE and the ZAP handler, the shipped Hebei campaign, and a simulated clock.

#include <gtest/gtest.h>

#include <atomic>
#include <msgpack.hpp>
#include <set>
#include <thread>
#include <zmq.hpp>

#include "common/clock/clock.h"
#include "common/db/audit.h"
#include "common/db/migrate.h"
#include "common/stream/outbox.h"
#include "common/transport/transport.h"
#include "common/transport/zap.h"
#include "proto/common_codec.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"
#include "services/intake/io/intake_server.h"
#include "services/intake/migrations.h"
#include "tests/integration/intake/intake_test_support.h"
#include "tests/support/test_cluster.h"

namespace ducha::intake {
namespace {

namespace pc = proto::common;
namespace pi = proto::intake;
using testing::TestCluster;

using test::At;
using test::Client;
using test::Hebei;

pi::SubmitReport ValidReport(const std::string& id) {
  pi::SubmitReport r;
  r.submission_id = id;
  r.channel = pc::Channel::kCitizenHotline;
  r.jurisdiction = "130102";
  r.category = pc::Category::kDust;
  r.title = "建筑工地未落实扬尘防治措施";
  r.description = "长安区某建筑工地裸土未覆盖，车辆未冲洗，扬尘严重。";
  r.observed_at = At("2017-11-21T08:30:00+08:00");
  r.reported_at = At("2017-11-21T09:00:00+08:00");
  return r;
}

struct Reply {
  std::optional<pi::Receipt> receipt;
  std::optional<pc::ErrorReply> error;
  bool busy = false;
};

Reply Parse(const std::string& bytes) {
  Reply out;
  auto frame = proto::ParseMessage(bytes);
  EXPECT_TRUE(frame.ok()) << (frame.ok() ? "" : frame.error().message);
  if (!frame) return out;
  if (frame->type() == pi::Receipt::kType) {
    out.receipt = codec::DecodeAs<pi::Receipt>(*frame).value();
  } else if (frame->type() == pc::ErrorReply::kType) {
    out.error = codec::DecodeAs<pc::ErrorReply>(*frame).value();
  } else if (frame->type() == pc::BusyReply::kType) {
    out.busy = true;
  }
  return out;
}

class IntakeServiceTest : public ::testing::Test {
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
        "intake.stream_head, intake.audit CASCADE");
    server_keys_ = transport::GenerateKeyPair();
    client_keys_ = transport::GenerateKeyPair();
    auth::Registry::Snapshot snap;
    auth::Identity id{"web-platform-a", auth::Role::kIntegration, {}, {}};
    for (const auto& c : Hebei().channels()) id.channels.push_back(c.name);
    snap.identities.emplace(id.name, id);
    auth::Identity hotline{"hotline-only", auth::Role::kIntegration, {"citizen_hotline"}, {}};
    snap.identities.emplace(hotline.name, hotline);
    snap.key_to_identity.emplace(client_keys_.public_z85, id.name);
    hotline_keys_ = transport::GenerateKeyPair();
    snap.key_to_identity.emplace(hotline_keys_.public_z85, hotline.name);
    registry_.Replace(snap);

    zap_ = std::make_unique<transport::ZapHandler>(
        ctx_, [this](std::string_view mech, std::string_view key) -> std::optional<std::string> {
          if (mech != "CURVE") return std::nullopt;
          return registry_.IdentityForKey(key);
        });
    IntakeSettings settings;
    settings.endpoint = "tcp://127.0.0.1:0";
    settings.security.curve = true;
    settings.security.secret_key_z85 = server_keys_.secret_z85;
    settings.max_queue = max_queue_;
    server_ = std::make_unique<IntakeServer>(
        settings, ctx_, Hebei(), registry_, clock_,
        db::DbSettings{TestCluster::Get().UrlFor("intake"), "intake-test"});
    server_->Bind();
    endpoint_ = server_->BoundEndpoint();
    thread_ = std::jthread([this](std::stop_token st) { server_->Run(st); });
  }

  void TearDown() override {
    thread_.request_stop();
    thread_.join();
    server_.reset();
    zap_.reset();
  }

  Client NewClient() { return Client(ctx_, endpoint_, server_keys_.public_z85, client_keys_); }

  Reply Submit(Client& c, const pi::SubmitReport& r) {
    auto bytes = c.Request(pi::Encode(r, "corr-1"));
    EXPECT_TRUE(bytes.has_value()) << "no reply";
    return bytes ? Parse(*bytes) : Reply{};
  }

  std::string Count(const std::string& sql) { return TestCluster::Get().QueryValue(sql); }

  int max_queue_ = 8192;
  zmq::context_t ctx_;
  transport::KeyPair server_keys_, client_keys_, hotline_keys_;
  auth::Registry registry_;
  SimulatedClock clock_{At("2017-11-22T10:00:00+08:00")};
  std::unique_ptr<transport::ZapHandler> zap_;
  std::unique_ptr<IntakeServer> server_;
  std::string endpoint_;
  std::jthread thread_;
};

TEST_F(IntakeServiceTest, AcceptsAReportAndCommitsItWithItsEventBeforeReplying) {
  Client c = NewClient();
  const Reply r = Submit(c, ValidReport("sub-1"));
  ASSERT_TRUE(r.receipt) << (r.error ? r.error->message : "no receipt");
  EXPECT_EQ(r.receipt->outcome, pi::ReceiptOutcome::kNewProblem);
  EXPECT_EQ(r.receipt->receipt_no, ReceiptNo(r.receipt->report_id));
  const auto id = std::to_string(r.receipt->report_id);
  EXPECT_EQ(Count("SELECT count(*) FROM intake.report WHERE report_id = " + id), "1");
  EXPECT_EQ(Count("SELECT count(*) FROM intake.outbox WHERE key = '" + id + "'"), "1");
  EXPECT_EQ(Count("SELECT integration FROM intake.report WHERE report_id = " + id),
            "web-platform-a");
  EXPECT_EQ(Count("SELECT received || '/' || valid || '/' || merged || '/' || new_problems "
                  "FROM intake.funnel WHERE channel = 'citizen_hotline'"),
            "1/1/0/1");
}

TEST_F(IntakeServiceTest, ARetryWithTheSameSubmissionIdGetsTheSameReceiptAndNoSecondReport) {
  Client c = NewClient();
  const Reply first = Submit(c, ValidReport("sub-retry"));
  const Reply again = Submit(c, ValidReport("sub-retry"));
  ASSERT_TRUE(first.receipt && again.receipt);
  EXPECT_EQ(*first.receipt, *again.receipt);
  EXPECT_EQ(Count("SELECT count(*) FROM intake.report"), "1");
  EXPECT_EQ(Count("SELECT count(*) FROM intake.outbox"), "1");
  EXPECT_EQ(Count("SELECT replayed FROM intake.funnel WHERE channel = 'citizen_hotline'"), "1");
}

TEST_F(IntakeServiceTest, RacingRetriesOfOneSubmissionCreateExactlyOneReport) {
  constexpr int kClients = 8;
  std::vector<std::optional<pi::Receipt>> receipts(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      Client c = NewClient();
      const auto bytes = c.Request(pi::Encode(ValidReport("sub-race")));
      if (bytes) receipts[static_cast<std::size_t>(i)] = Parse(*bytes).receipt;
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : receipts) {
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->report_id, receipts[0]->report_id);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM intake.report"), "1");
}

TEST_F(IntakeServiceTest, ReusingASubmissionIdForDifferentContentIsAConflict) {
  Client c = NewClient();
  ASSERT_TRUE(Submit(c, ValidReport("sub-x")).receipt);
  auto changed = ValidReport("sub-x");
  changed.title = "另一个问题";
  const Reply r = Submit(c, changed);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, "idempotency_conflict");
  EXPECT_EQ(r.error->field, "submission_id");
  EXPECT_EQ(Count("SELECT count(*) FROM intake.report"), "1");
}

TEST_F(IntakeServiceTest, ASecondReportAboutTheSameEnterpriseIsLinkedAsADuplicate) {
  Client c = NewClient();
  auto a = ValidReport("ent-1");
  a.enterprise = pc::Enterprise{"石家庄某化工有限公司", "91130100MA07L7XT37"};
  auto b = ValidReport("ent-2");
  b.channel = pc::Channel::kCitizenWeb;
  b.platform = "长城网";
  b.enterprise = a.enterprise;
  const Reply ra = Submit(c, a);
  const Reply rb = Submit(c, b);
  ASSERT_TRUE(ra.receipt && rb.receipt) << (rb.error ? rb.error->message : "");
  EXPECT_EQ(rb.receipt->outcome, pi::ReceiptOutcome::kDuplicate);
  EXPECT_EQ(rb.receipt->duplicate_of, ra.receipt->report_id);
  EXPECT_EQ(Count("SELECT channel FROM intake.report WHERE report_id = " +
                  std::to_string(rb.receipt->report_id)),
            "citizen_web");
  EXPECT_EQ(Count("SELECT merged FROM intake.funnel WHERE channel = 'citizen_web'"), "1");
}

TEST_F(IntakeServiceTest, ReportsOfTheSameCategoryNearbyAreDuplicatesAndFarOnesAreNot) {
  Client c = NewClient();
  auto a = ValidReport("geo-1");
  a.location = pc::GeoPoint{38.0400, 114.5400};
  auto near = ValidReport("geo-2");
  near.location = pc::GeoPoint{38.0420, 114.5410};  // about 240 m away
  auto far = ValidReport("geo-3");
  far.location = pc::GeoPoint{38.0600, 114.5400};  // about 2.2 km away
  auto other = ValidReport("geo-4");
  other.category = pc::Category::kSmallCoalBoilers;
  other.location = near.location;
  const Reply ra = Submit(c, a);
  const Reply rn = Submit(c, near);
  const Reply rf = Submit(c, far);
  const Reply ro = Submit(c, other);
  ASSERT_TRUE(ra.receipt && rn.receipt && rf.receipt && ro.receipt);
  EXPECT_EQ(rn.receipt->duplicate_of, ra.receipt->report_id);
  EXPECT_FALSE(rf.receipt->duplicate_of.has_value());
  EXPECT_FALSE(ro.receipt->duplicate_of.has_value());
}

TEST_F(IntakeServiceTest, TheReporterContactIsStoredApartAndNeverPutInTheEvent) {
  Client c = NewClient();
  auto r = ValidReport("contact-1");
  r.reporter = pi::Reporter{"王秘密举报人", "13912345678", std::nullopt};
  const Reply reply = Submit(c, r);
  ASSERT_TRUE(reply.receipt);
  const auto id = std::to_string(reply.receipt->report_id);
  EXPECT_EQ(Count("SELECT phone FROM intake.reporter_contact WHERE report_id = " + id),
            "13912345678");
  EXPECT_EQ(Count("SELECT count(*) FROM intake.outbox WHERE position('\\x3133393132333435363738'::"
                  "bytea in payload) > 0 OR position(convert_to('王秘密', 'UTF8') in payload) > 0"),
            "0");
  EXPECT_EQ(Count("SELECT count(*) FROM intake.report r JOIN intake.reporter_contact c USING "
                  "(contact_ref) WHERE r.report_id = " +
                  id),
            "1");
  // The operator role cannot read the contact table.
  EXPECT_EQ(Count("SELECT has_table_privilege('ducha_operator', 'intake.reporter_contact', "
                  "'SELECT')"),
            "f");
}

TEST_F(IntakeServiceTest, AnIntegrationMayOnlySubmitOnItsOwnChannels) {
  Client c(ctx_, endpoint_, server_keys_.public_z85, hotline_keys_);
  auto r = ValidReport("chan-1");
  r.channel = pc::Channel::kCentralMedia;
  const Reply reply = Submit(c, r);
  ASSERT_TRUE(reply.error);
  EXPECT_EQ(reply.error->code, "channel_not_allowed");
  EXPECT_EQ(reply.error->field, "channel");
  // The refusal is audited with the authenticated identity (written with the writer's batch).
  for (int i = 0; i < 50 && Count("SELECT count(*) FROM intake.audit") == "0"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(Count("SELECT action || ' ' || target || ' ' || code FROM intake.audit"),
            "intake.submit_report submission chan-1 channel_not_allowed");
}

TEST_F(IntakeServiceTest, AnUnknownCurveKeyNeverReachesTheService) {
  Client c(ctx_, endpoint_, server_keys_.public_z85, transport::GenerateKeyPair());
  EXPECT_FALSE(c.Request(pi::Encode(ValidReport("k-1")), std::chrono::milliseconds(700)));
  EXPECT_GE(zap_->denied(), 1u);
  EXPECT_EQ(Count("SELECT count(*) FROM intake.report"), "0");
}

TEST_F(IntakeServiceTest, ARevokedKeyIsRefusedWithoutARestart) {
  Client c = NewClient();
  ASSERT_TRUE(Submit(c, ValidReport("rev-1")).receipt);
  registry_.Replace(auth::Registry::Snapshot{});  // what the refresher does after a revocation
  // The existing connection is refused by identity; a new one is refused by the ZAP handler.
  const Reply r = Submit(c, ValidReport("rev-2"));
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, "unauthorized");
  Client fresh = NewClient();
  EXPECT_FALSE(fresh.Request(pi::Encode(ValidReport("rev-3")), std::chrono::milliseconds(700)));
  EXPECT_EQ(Count("SELECT count(*) FROM intake.report"), "1");
}

// --- Bad input: each case gets an error naming the problem; the service keeps serving and
// nothing already accepted changes. ---

std::string PackEnvelope(const std::function<void(msgpack::packer<msgpack::sbuffer>&)>& body,
                         const std::string& type = "intake.submit_report", unsigned major = 1) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(3);
  pk.pack(std::string("type"));
  pk.pack(type);
  pk.pack(std::string("v"));
  pk.pack_array(2);
  pk.pack(major);
  pk.pack(0u);
  pk.pack(std::string("body"));
  body(pk);
  return std::string(buf.data(), buf.size());
}

// The canonical encoding of a valid report with one field replaced by raw msgpack.
std::string WithField(const std::string& name,
                      const std::function<void(msgpack::packer<msgpack::sbuffer>&)>& value) {
  const std::string valid = pi::Encode(ValidReport("bad-1"));
  msgpack::object_handle oh = msgpack::unpack(valid.data(), valid.size());
  const msgpack::object& env = oh.get();
  const msgpack::object* body = nullptr;
  for (std::uint32_t i = 0; i < env.via.map.size; ++i) {
    if (env.via.map.ptr[i].key.as<std::string>() == "body") body = &env.via.map.ptr[i].val;
  }
  return PackEnvelope([&](msgpack::packer<msgpack::sbuffer>& pk) {
    bool replaced = false;
    std::uint32_t n = body->via.map.size;
    bool present = false;
    for (std::uint32_t i = 0; i < n; ++i) {
      if (body->via.map.ptr[i].key.as<std::string>() == name) present = true;
    }
    pk.pack_map(present ? n : n + 1);
    for (std::uint32_t i = 0; i < n; ++i) {
      const auto key = body->via.map.ptr[i].key.as<std::string>();
      pk.pack(key);
      if (key == name) {
        value(pk);
        replaced = true;
      } else {
        pk.pack(body->via.map.ptr[i].val);
      }
    }
    if (!replaced) {
      pk.pack(name);
      value(pk);
    }
  });
}

std::string WithoutField(const std::string& name) {
  const std::string valid = pi::Encode(ValidReport("bad-1"));
  msgpack::object_handle oh = msgpack::unpack(valid.data(), valid.size());
  const msgpack::object& env = oh.get();
  const msgpack::object* body = nullptr;
  for (std::uint32_t i = 0; i < env.via.map.size; ++i) {
    if (env.via.map.ptr[i].key.as<std::string>() == "body") body = &env.via.map.ptr[i].val;
  }
  return PackEnvelope([&](msgpack::packer<msgpack::sbuffer>& pk) {
    pk.pack_map(body->via.map.size - 1);
    for (std::uint32_t i = 0; i < body->via.map.size; ++i) {
      if (body->via.map.ptr[i].key.as<std::string>() == name) continue;
      pk.pack(body->via.map.ptr[i].key);
      pk.pack(body->via.map.ptr[i].val);
    }
  });
}

struct BadCase {
  std::string name;
  std::string bytes;
  std::string code;
  std::string field;  // empty: not checked
};

std::vector<BadCase> BadCases() {
  std::vector<BadCase> cases;
  cases.push_back({"not msgpack", "\xc1\xc1 this is not msgpack", "malformed", ""});
  cases.push_back(
      {"wrong shape (top-level array)", std::string("\x93\x01\x02\x03"), "wrong_shape", ""});
  cases.push_back({"array32 declaring 4 billion elements", std::string("\xdd\xff\xff\xff\xff", 5),
                   "limit_exceeded", ""});
  cases.push_back({"missing required field", WithoutField("title"), "missing_field", "title"});
  cases.push_back(
      {"wrong type", WithField("title", [](auto& pk) { pk.pack(42); }), "wrong_type", "title"});
  cases.push_back({"out-of-range enum",
                   WithField("channel", [](auto& pk) { pk.pack(std::string("carrier_pigeon")); }),
                   "invalid_enum", "channel"});
  cases.push_back({"enum as an integer", WithField("category", [](auto& pk) { pk.pack(99); }),
                   "wrong_type", "category"});
  cases.push_back({"invalid UTF-8",
                   WithField("description",
                             [](auto& pk) {
                               const std::string bad = "\xe5\xb7\xa5\xff\xfe";
                               pk.pack_str(static_cast<std::uint32_t>(bad.size()));
                               pk.pack_str_body(bad.data(), static_cast<std::uint32_t>(bad.size()));
                             }),
                   "invalid_utf8", "description"});
  cases.push_back({"unknown jurisdiction",
                   WithField("jurisdiction", [](auto& pk) { pk.pack(std::string("110101")); }),
                   "unknown_jurisdiction", "jurisdiction"});
  cases.push_back({"date in the future",
                   WithField("reported_at",
                             [](auto& pk) { pk.pack(std::string("2017-12-25T09:00:00+08:00")); }),
                   "in_future", "reported_at"});
  cases.push_back({"date before the campaign",
                   WithField("observed_at",
                             [](auto& pk) { pk.pack(std::string("2017-08-01T09:00:00+08:00")); }),
                   "before_campaign", "observed_at"});
  cases.push_back({"invalid credit code",
                   WithField("enterprise",
                             [](auto& pk) {
                               pk.pack_map(2);
                               pk.pack(std::string("name"));
                               pk.pack(std::string("某企业"));
                               pk.pack(std::string("credit_code"));
                               pk.pack(std::string("91130100MA07L7XT3X"));
                             }),
                   "invalid_format", "enterprise.credit_code"});
  cases.push_back({"too many evidence items",
                   WithField("evidence",
                             [](auto& pk) {
                               pk.pack_array(21);
                               for (int i = 0; i < 21; ++i) pk.pack("photo-" + std::to_string(i));
                             }),
                   "too_many_items", "evidence"});
  cases.push_back({"unknown field", WithField("colour", [](auto& pk) { pk.pack(1); }),
                   "unknown_field", "colour"});
  cases.push_back({"unknown message type",
                   PackEnvelope([](auto& pk) { pk.pack_map(0); }, "intake.teleport"),
                   "unknown_type", ""});
  cases.push_back({"unknown major version",
                   PackEnvelope([](auto& pk) { pk.pack_map(0); }, "intake.submit_report", 2),
                   "unsupported_version", ""});
  cases.push_back({"frame over the size limit", std::string(512u << 10, 'x'), "too_large", ""});
  return cases;
}

TEST_F(IntakeServiceTest, EachKindOfBadInputGetsANamedErrorAndChangesNothing) {
  Client c = NewClient();
  const Reply accepted = Submit(c, ValidReport("before-bad"));
  ASSERT_TRUE(accepted.receipt);
  const std::string before =
      Count("SELECT count(*) || '/' || max(request_hash) FROM intake.report");
  for (const BadCase& bad : BadCases()) {
    SCOPED_TRACE(bad.name);
    const auto bytes = c.Request(bad.bytes);
    ASSERT_TRUE(bytes.has_value()) << "no reply";
    const Reply r = Parse(*bytes);
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->code, bad.code) << r.error->message;
    if (!bad.field.empty()) {
      EXPECT_EQ(r.error->field.value_or(""), bad.field) << r.error->message;
    }
    EXPECT_FALSE(r.error->message.empty());
  }
  EXPECT_EQ(Count("SELECT count(*) || '/' || max(request_hash) FROM intake.report"), before);
  // Still serving.
  EXPECT_TRUE(Submit(c, ValidReport("after-bad")).receipt);
  // Rejections are counted, by code.
  EXPECT_EQ(Count("SELECT count(DISTINCT code) >= 10 FROM intake.rejection_daily"), "t");
}

TEST_F(IntakeServiceTest, AFrameBeyondTheTransportLimitIsDroppedAndOthersAreStillServed) {
  Client big = NewClient();
  EXPECT_FALSE(big.Request(std::string(3u << 20, 'x'), std::chrono::milliseconds(700)));
  Client c = NewClient();
  EXPECT_TRUE(Submit(c, ValidReport("after-big")).receipt);
}

TEST_F(IntakeServiceTest, AMessageWithTooManyFramesIsRejectedAndTheSocketStaysInStep) {
  Client c = NewClient();
  zmq::message_t a(std::string_view("one")), b(std::string_view("two")),
      d(std::string_view("three"));
  c.socket().send(a, zmq::send_flags::sndmore);
  c.socket().send(b, zmq::send_flags::sndmore);
  c.socket().send(d, zmq::send_flags::none);
  const auto bytes = c.Await(std::chrono::seconds(5));
  ASSERT_TRUE(bytes);
  EXPECT_EQ(Parse(*bytes).error->code, "malformed");
  EXPECT_TRUE(Submit(c, ValidReport("after-frames")).receipt);
}

TEST_F(IntakeServiceTest, SubmissionsThroughADatabaseCrashAreNeitherLostNorDoubled) {
  constexpr int kReports = 300;
  std::atomic<int> sent{0};
  std::map<std::string, std::int64_t> receipts;
  std::mutex mu;
  std::thread crasher([&] {
    while (sent.load() < kReports / 3) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    TestCluster::Get().Restart("immediate");
  });
  {
    Client c = NewClient();
    for (int i = 0; i < kReports; ++i) {
      auto r = ValidReport("crash-" + std::to_string(i));
      r.location = pc::GeoPoint{37.0 + i * 0.01, 114.5};  // spread out: no duplicates
      // Lazy Pirate: retry the same submission id until a receipt arrives.
      for (int attempt = 0; attempt < 100; ++attempt) {
        auto bytes = c.Request(pi::Encode(r), std::chrono::milliseconds(3000));
        if (!bytes) {
          c = NewClient();  // a timed-out DEALER may still get the late reply: start afresh
          continue;
        }
        const Reply reply = Parse(*bytes);
        if (reply.receipt) {
          std::lock_guard lock(mu);
          receipts[r.submission_id] = reply.receipt->report_id;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      sent.fetch_add(1);
    }
  }
  crasher.join();
  EXPECT_EQ(receipts.size(), static_cast<std::size_t>(kReports));
  EXPECT_EQ(Count("SELECT count(*) FROM intake.report WHERE submission_id LIKE 'crash-%'"),
            std::to_string(kReports));
  EXPECT_EQ(Count("SELECT count(*) FROM intake.outbox"), std::to_string(kReports));
  // Every receipt names the stored report for its submission.
  int mismatched = 0;
  for (const auto& [sub, id] : receipts) {
    if (Count("SELECT report_id FROM intake.report WHERE submission_id = '" + sub + "'") !=
        std::to_string(id)) {
      ++mismatched;
    }
  }
  EXPECT_EQ(mismatched, 0);
}

}  // namespace
}  // namespace ducha::intake
