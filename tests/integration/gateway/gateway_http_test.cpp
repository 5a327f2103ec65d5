// The gateway as a process in front of real intake, dispatch and tracking processes, driven by
// the real curl: every bad input gets its Open311 error and HTTP status, and a report submitted
// over HTTP flows through intake → dispatch → tracking and reads back as its status changes.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <zmq.hpp>

#include "common/auth/api_key.h"
#include "common/db/db.h"
#include "common/ref/ref_store.h"
#include "proto/common_codec.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"
#include "proto/tracking_codec.h"
#include "tests/support/fleet.h"
#include "tests/support/test_cluster.h"

namespace ducha::testing {
namespace {

using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

struct HttpReply {
  int status = 0;
  double seconds = 0;  // curl's time_total: connect, request, answer
  std::string headers;
  std::string body;
};

std::string Slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class GatewayHttpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fleet_ = new Fleet({"intake", "dispatch", "tracking"});
    TestCluster& pg = TestCluster::Get();
    gateway_keys_ = transport::GenerateKeyPair();
    web_key_ = auth::GenerateApiKey();
    burst_key_ = auth::GenerateApiKey();
    revoked_key_ = auth::GenerateApiKey();
    timed_key_ = auth::GenerateApiKey();
    std::stop_source stop;
    db::Connection ref(db::DbSettings{pg.UrlFor("ref"), "gateway-test"}, stop.get_token());
    ref.Transact([&](pqxx::work& w) {
      (void)ref::RegisterKey(w, ref::NewIdentity{"gateway", auth::Role::kGateway, {}, {}, "test"},
                             gateway_keys_.public_z85);
      for (const char* name : {"web-portal", "burst-portal", "revoked-portal", "timed-portal"}) {
        (void)ref::RegisterKey(
            w, ref::NewIdentity{name, auth::Role::kIntegration, {"citizen_web"}, {}, "test"},
            transport::GenerateKeyPair().public_z85);
      }
      (void)ref::RegisterApiKey(w, "web-portal", auth::HashApiKey(web_key_));
      (void)ref::RegisterApiKey(w, "burst-portal", auth::HashApiKey(burst_key_));
      (void)ref::RegisterApiKey(w, "revoked-portal", auth::HashApiKey(revoked_key_));
      (void)ref::RegisterApiKey(w, "timed-portal", auth::HashApiKey(timed_key_));
    });
    fleet_->StartAll();
    for (const char* s : {"intake", "dispatch", "tracking"}) ASSERT_TRUE(fleet_->AwaitReady(s));

    const std::string dir = fleet_->dir();
    std::ofstream(dir + "/gateway.key") << gateway_keys_.secret_z85 << "\n";
    port_ = FreePort();
    ops_port_ = FreePort();
    std::ofstream(dir + "/gateway.conf")
        << "[log]\nlevel = info\n[db]\nurl = " << pg.UrlFor("gateway")
        << "\n[campaign]\ndir = " << SourceDir()
        << "/deploy/campaigns/hebei-2017-2018\n[transport]\nsecret_key_file = " << dir
        << "/gateway.key\n[clock]\nsource = fleet\n[http]\nport = " << ops_port_
        << "\n[gateway]\nport = " << port_
        << "\nmax_body_bytes = 16384\nrate_per_second = 5\nrate_burst = 10\n"
        << "intake_endpoint = " << fleet_->CommandEndpoint("intake")
        << "\nintake_server_key_file = " << fleet_->PublicKeyFile("intake")
        << "\ntracking_endpoint = " << fleet_->CommandEndpoint("tracking")
        << "\ntracking_server_key_file = " << fleet_->PublicKeyFile("tracking") << "\n";
    gateway_pid_ = fork();
    if (gateway_pid_ == 0) {
      const std::string log = dir + "/gateway.log";
      std::freopen(log.c_str(), "a", stderr);
      std::freopen(log.c_str(), "a", stdout);
      const std::string bin = BuildDir() + "/services/gateway/ducha-gateway";
      const std::string conf = dir + "/gateway.conf";
      execl(bin.c_str(), bin.c_str(), "--config", conf.c_str(), nullptr);
      _exit(127);
    }
    const auto until = SteadyClock::now() + std::chrono::seconds(30);
    while (SteadyClock::now() < until && Curl({"/services"}).status != 200) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  static void TearDownTestSuite() {
    if (gateway_pid_ > 0) {
      kill(gateway_pid_, SIGTERM);
      waitpid(gateway_pid_, nullptr, 0);
    }
    delete fleet_;
  }

  // Runs the real curl: `args` are the path and any extra curl arguments.
  static HttpReply Curl(std::vector<std::string> args) {
    const std::string dir = fleet_->dir();
    std::string cmd =
        "curl -s -S -o " + dir + "/body -D " + dir +
        "/headers -w '%{http_code} %{time_total}' 'http://127.0.0.1:" + std::to_string(port_) +
        args.front() + "'";
    for (std::size_t i = 1; i < args.size(); ++i) cmd += " '" + args[i] + "'";
    FILE* p = popen(cmd.c_str(), "r");
    char buf[64] = {};
    const std::size_t n = std::fread(buf, 1, sizeof buf - 1, p);
    pclose(p);
    HttpReply r;
    std::istringstream out(std::string(buf, n));
    out >> r.status >> r.seconds;
    r.body = Slurp(dir + "/body");
    r.headers = Slurp(dir + "/headers");
    return r;
  }

  static HttpReply Post(const std::string& key, const std::string& body,
                        const std::string& idempotency_key = "") {
    const std::string file = fleet_->dir() + "/post.json";
    std::ofstream(file, std::ios::trunc) << body;
    std::vector<std::string> args{"/requests.json", "-H", "Content-Type: application/json",
                                  "--data-binary", "@" + file};
    if (!key.empty()) args.insert(args.end(), {"-H", "X-Api-Key: " + key});
    if (!idempotency_key.empty()) {
      args.insert(args.end(), {"-H", "Idempotency-Key: " + idempotency_key});
    }
    return Curl(args);
  }

  // Sends one request over CURVE with `client` keys to a service's command endpoint; returns the
  // reply's type, or "common.error:<code>" for a refusal.
  static std::string Ask(const std::string& service, const transport::KeyPair& client,
                         const std::string& frame) {
    zmq::context_t ctx;
    transport::ClientSecurity sec;
    sec.server_public_z85 = fleet_->PublicKey(service);
    sec.client = client;
    zmq::socket_t sock = transport::MakeClientSocket(ctx, zmq::socket_type::dealer, sec);
    sock.connect(fleet_->CommandEndpoint(service));
    zmq::message_t m(frame.data(), frame.size());
    (void)sock.send(m, zmq::send_flags::none);
    std::vector<zmq::pollitem_t> items{{sock.handle(), 0, ZMQ_POLLIN, 0}};
    if (transport::Poll(items, std::chrono::seconds(10)) <= 0) return "<no reply>";
    std::vector<zmq::message_t> frames;
    transport::RecvMessage(sock, frames, 4);
    auto parsed = proto::ParseMessage(frames.back().to_string_view());
    if (!parsed) return "<unparsable reply>";
    if (parsed->type() == proto::common::ErrorReply::kType) {
      auto e = codec::DecodeAs<proto::common::ErrorReply>(*parsed);
      return "common.error:" + (e ? e->code : std::string("?"));
    }
    return std::string(parsed->type());
  }
  // An action on tracking's ledger as the fleet's responsible body.
  static std::string SendAction(const std::string& frame) {
    return Ask("tracking", fleet_->KeysOf("body"), frame);
  }

  static std::string ErrorCode(const HttpReply& r) {
    const Json j = Json::parse(r.body, nullptr, false);
    if (!j.is_array() || j.empty()) return "<no Open311 error body: " + r.body + ">";
    return j.at(0).value("code", "");
  }

  static Fleet* fleet_;
  static transport::KeyPair gateway_keys_;
  static std::string web_key_, burst_key_, revoked_key_, timed_key_;
  static int port_;
  static int ops_port_;
  static pid_t gateway_pid_;
};

Fleet* GatewayHttpTest::fleet_ = nullptr;
transport::KeyPair GatewayHttpTest::gateway_keys_;
std::string GatewayHttpTest::web_key_;
std::string GatewayHttpTest::burst_key_;
std::string GatewayHttpTest::revoked_key_;
std::string GatewayHttpTest::timed_key_;
int GatewayHttpTest::port_ = 0;
int GatewayHttpTest::ops_port_ = 0;
pid_t GatewayHttpTest::gateway_pid_ = -1;

constexpr const char* kReport =
    R"({"service_code": "small_coal_boilers", "jurisdiction_id": "130104", "lat": 38.0428,
        "long": 114.5149, "address_string": "石家庄市桥西区中华南大街", "description":
        "锅炉房烟囱每天早上冒黑烟", "media_url": "https://example.org/p/1.jpg",
        "platform": "长城网", "requested_datetime": "2017-11-22T09:55:00+08:00", "email": "secret.reporter@example.org", "phone": "13912345678"})";

TEST_F(GatewayHttpTest, ServicesListTheCampaignCategoriesInChinese) {
  const HttpReply r = Curl({"/services.json"});
  ASSERT_EQ(r.status, 200) << r.body;
  const Json j = Json::parse(r.body);
  ASSERT_FALSE(j.empty());
  EXPECT_EQ(j.at(0)["service_name"], "农村清洁供暖");
}

TEST_F(GatewayHttpTest, ServesHealthReadinessAndMetricsLikeEveryService) {
  const std::string base =
      "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:" + std::to_string(ops_port_);
  for (const char* path : {"/healthz", "/readyz", "/metrics"}) {
    FILE* p = popen((base + path).c_str(), "r");
    char buf[8] = {};
    const std::size_t n = std::fread(buf, 1, sizeof buf - 1, p);
    pclose(p);
    EXPECT_EQ(std::string(buf, n), "200") << path;
  }
  FILE* p =
      popen(("curl -s http://127.0.0.1:" + std::to_string(ops_port_) + "/metrics").c_str(), "r");
  std::string metrics;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) metrics.append(buf, n);
  pclose(p);
  EXPECT_NE(metrics.find("ducha_gateway_requests_total"), std::string::npos);
  EXPECT_NE(metrics.find("ducha_gateway_request_seconds_bucket"), std::string::npos);
}

TEST_F(GatewayHttpTest, EachBadInputGetsItsOpen311ErrorAndStatus) {
  HttpReply r = Post("", kReport);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(ErrorCode(r), "missing_api_key");
  r = Post(std::string(64, 'a'), kReport);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorCode(r), "invalid_api_key");
  r = Post(web_key_, R"({"service_code": "dust", )");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorCode(r), "malformed_json");
  r = Post(web_key_, R"({"service_code": "karaoke", "jurisdiction_id": "130104",
                         "address_string": "x", "description": "d"})");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(ErrorCode(r), "unknown_service_code");
  r = Post(web_key_, "{\"description\": \"" + std::string(20000, 'x') + "\"}");
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(ErrorCode(r), "body_too_large");
  // intake's own validation comes back as an Open311 error too.
  r = Post(web_key_, R"({"service_code": "dust", "jurisdiction_id": "999999",
                         "address_string": "x", "description": "d"})");
  EXPECT_EQ(r.status, 400) << r.body;
}

TEST_F(GatewayHttpTest, AKeyOverItsRateLimitGets429WithRetryAfter) {
  int ok = 0;
  HttpReply limited;
  for (int i = 0; i < 14 && limited.status == 0; ++i) {
    const HttpReply r = Curl({"/requests.json", "-H", "X-Api-Key: " + burst_key_});
    if (r.status == 200) {
      ++ok;
    } else {
      limited = r;
    }
  }
  std::printf("rate limit (burst 10, 5/s): %d requests answered, then %d %s\n", ok, limited.status,
              limited.headers.find("Retry-After: 1") != std::string::npos ? "with Retry-After: 1"
                                                                          : "without Retry-After");
  EXPECT_GE(ok, 9);  // the burst of 10, less what refilled meanwhile
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(ErrorCode(limited), "rate_limited");
  EXPECT_NE(limited.headers.find("Retry-After: 1"), std::string::npos) << limited.headers;
  // Another key is not affected.
  EXPECT_EQ(Curl({"/requests.json", "-H", "X-Api-Key: " + web_key_}).status, 200);
}

TEST_F(GatewayHttpTest, ARevokedKeyIsRefusedWithoutARestart) {
  // The operator's tool issues and revokes the key; ref keeps only its hash.
  const std::string ctl = "DUCHA_CTL_DB_URL='" + TestCluster::Get().UrlFor("ref") + "' " +
                          BuildDir() + "/services/ctl/ducha-ctl keys ";
  const std::string key_file = fleet_->dir() + "/revoked-portal.api-key";
  ASSERT_EQ(std::system((ctl + "api-key revoked-portal --out " + key_file + " >/dev/null").c_str()),
            0);
  std::string key;
  std::ifstream(key_file) >> key;
  ASSERT_EQ(key.size(), 64u);
  // keys list shows it by a prefix of its hash, never the key.
  FILE* list = popen((ctl + "list --json").c_str(), "r");
  std::string listed;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, list)) > 0;) listed.append(buf, n);
  pclose(list);
  EXPECT_NE(listed.find("api-key sha256:" + auth::HashApiKey(key).substr(0, 12)), std::string::npos)
      << listed;
  EXPECT_EQ(listed.find(key), std::string::npos);
  EXPECT_EQ(TestCluster::Get().QueryValue("SELECT count(*) FROM ref.identity_api_key WHERE "
                                          "key_hash = '" +
                                          key + "'"),
            "0");
  HttpReply r;
  auto until = SteadyClock::now() + std::chrono::seconds(10);
  do {  // the gateway picks the new key up within its 2 s refresh
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    r = Curl({"/requests.json", "-H", "X-Api-Key: " + key});
  } while (r.status == 403 && SteadyClock::now() < until);
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(std::system(
                (ctl + "revoke revoked-portal --api-key-file " + key_file + " >/dev/null").c_str()),
            0);
  until = SteadyClock::now() + std::chrono::seconds(10);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    r = Curl({"/requests.json", "-H", "X-Api-Key: " + key});
  } while (r.status == 200 && SteadyClock::now() < until);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorCode(r), "invalid_api_key");
  // The identity's other key still works: only the one key was revoked.
  EXPECT_EQ(Curl({"/requests.json", "-H", "X-Api-Key: " + revoked_key_}).status, 200);
}

TEST_F(GatewayHttpTest, AReportFlowsThroughTheFleetAndItsStatusReadsBackAsItChanges) {
  const HttpReply posted = Post(web_key_, kReport, "portal-0001");
  ASSERT_EQ(posted.status, 200) << posted.body;
  const std::string id = Json::parse(posted.body).at(0)["service_request_id"];
  std::printf("POST /requests -> intake COMMIT -> receipt, curl time_total: %.1f ms\n",
              posted.seconds * 1000);
  // A retry with the same Idempotency-Key gets the same request, not a second one.
  const HttpReply again = Post(web_key_, kReport, "portal-0001");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Json::parse(again.body).at(0)["service_request_id"], id);
  // The same key with other content is a conflict, not a second report.
  const HttpReply other = Post(web_key_,
                               R"({"service_code": "dust", "jurisdiction_id": "130104",
                                   "address_string": "x", "description": "另一件事",
                                   "platform": "长城网"})",
                               "portal-0001");
  EXPECT_EQ(other.status, 409) << other.body;
  EXPECT_EQ(ErrorCode(other), "idempotency_conflict");

  // Assigned by dispatch, in tracking's ledger: a citizen report is verified first.
  Json req;
  const auto until = SteadyClock::now() + std::chrono::seconds(30);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    const HttpReply r = Curl({"/requests/" + id + ".json", "-H", "X-Api-Key: " + web_key_});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.body.find("secret.reporter"), std::string::npos);
    EXPECT_EQ(r.body.find("13912345678"), std::string::npos);
    req = Json::parse(r.body).at(0);
  } while (req["extended_status"] == "FOR_TRIAGE" && SteadyClock::now() < until);
  EXPECT_EQ(req["status"], "open");
  EXPECT_EQ(req["extended_status"], "INVESTIGATING");
  EXPECT_FALSE(req["agency_responsible"].get<std::string>().empty());
  EXPECT_TRUE(req["expected_datetime"].is_string());
  EXPECT_EQ(req["media_url"], "https://example.org/p/1.jpg");
  const std::string problem_id = req["problem_id"];

  // An hour later on the fleet clock the city bureau verifies it (tracking's action endpoint,
  // the body's own key); the services read the fleet clock every 200 ms.
  TestCluster::Get().Exec("UPDATE ref.sim_clock SET now_ms = now_ms + 3600000");
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  proto::tracking::ReportVerification v;
  v.request_id = "verify-" + problem_id;
  v.problem_id = std::stoll(problem_id);
  v.substantiated = true;
  v.explanation = "经核查属实";
  ASSERT_EQ(SendAction(proto::tracking::Encode(v, "t1")), "tracking.action_done");
  const HttpReply after = Curl({"/requests/" + id, "-H", "X-Api-Key: " + web_key_});
  ASSERT_EQ(after.status, 200) << after.body;
  const Json changed = Json::parse(after.body).at(0);
  EXPECT_EQ(changed["status"], "open");
  EXPECT_EQ(changed["extended_status"], "IN_PROGRESS");
  EXPECT_EQ(changed["updated_datetime"], "2017-11-22T11:00:00+08:00");
  EXPECT_NE(changed["expected_datetime"], nullptr);

  // The body claims it rectified: awaiting the unannounced re-inspection.
  proto::tracking::ClaimRectified claim;
  claim.request_id = "claim-" + problem_id;
  claim.problem_id = v.problem_id;
  claim.description = "已拆除燃煤锅炉，改用电采暖";
  claim.evidence = {"photo:qiaoxi/boiler-removed.jpg"};
  ASSERT_EQ(SendAction(proto::tracking::Encode(claim, "t2")), "tracking.action_done");
  const Json claimed =
      Json::parse(Curl({"/requests/" + id, "-H", "X-Api-Key: " + web_key_}).body).at(0);
  EXPECT_EQ(claimed["status"], "open");
  EXPECT_EQ(claimed["extended_status"], "ACTION_SCHEDULED");

  // The list shows it, filtered by status; another integration's key does not see it.
  const HttpReply open_list = Curl({"/requests.json?status=open", "-H", "X-Api-Key: " + web_key_});
  ASSERT_EQ(open_list.status, 200);
  EXPECT_NE(open_list.body.find("\"service_request_id\":\"" + id + "\""), std::string::npos);
  EXPECT_EQ(open_list.body.find("secret.reporter"), std::string::npos);
  const HttpReply closed_list =
      Curl({"/requests.json?status=closed", "-H", "X-Api-Key: " + web_key_});
  EXPECT_EQ(closed_list.body, "[]");
  EXPECT_EQ(Curl({"/requests/" + id, "-H", "X-Api-Key: " + burst_key_}).status, 404);

  // A figure for the report, not a target (timing targets live in bench/): ten reads in a row on
  // a key of their own (its burst); the list is empty, so only intake is asked.
  std::vector<double> ms;
  for (int i = 0; i < 10; ++i) {
    const HttpReply r = Curl({"/requests.json", "-H", "X-Api-Key: " + timed_key_});
    ASSERT_EQ(r.status, 200) << r.body;
    ms.push_back(r.seconds * 1000);
  }
  std::sort(ms.begin(), ms.end());
  std::printf(
      "GET /requests (empty, intake only) curl time_total: min %.1f, median %.1f, max %.1f ms\n",
      ms.front(), ms[5], ms.back());
  ms.clear();
  for (int i = 0; i < 10; ++i) {
    const HttpReply r = Curl({"/requests/" + id + ".json", "-H", "X-Api-Key: " + web_key_});
    if (r.status != 200) break;  // web-portal's burst may be spent by the polls above
    ms.push_back(r.seconds * 1000);
  }
  if (!ms.empty()) {
    std::sort(ms.begin(), ms.end());
    std::printf(
        "GET /requests/{id} (intake + tracking) curl time_total: min %.1f, median %.1f ms "
        "(%zu reads)\n",
        ms.front(), ms[ms.size() / 2], ms.size());
  }
}

TEST_F(GatewayHttpTest, OnlyTheGatewayMayActOnBehalfOfAnIntegrationOrReadItsStatus) {
  // An integration's own CURVE key cannot submit for another integration, nor list its reports.
  proto::intake::SubmitReport report;
  report.submission_id = "impersonation-1";
  report.on_behalf_of = "web-portal";
  report.channel = proto::common::Channel::kCitizenHotline;
  report.jurisdiction = "130104";
  report.category = proto::common::Category::kDust;
  report.title = "t";
  report.description = "d";
  report.observed_at = 1511315000000;
  report.reported_at = 1511315000000;
  EXPECT_EQ(Ask("intake", fleet_->integration_keys(), proto::intake::Encode(report)),
            "common.error:forbidden");
  proto::intake::ListReports list;
  list.on_behalf_of = "web-portal";
  list.limit = 10;
  EXPECT_EQ(Ask("intake", fleet_->integration_keys(), proto::intake::Encode(list)),
            "common.error:forbidden");
  // The gateway may, but only for an active integration.
  list.on_behalf_of = "gateway";
  EXPECT_EQ(Ask("intake", gateway_keys_, proto::intake::Encode(list)),
            "common.error:unknown_identity");
  list.on_behalf_of = "web-portal";
  EXPECT_EQ(Ask("intake", gateway_keys_, proto::intake::Encode(list)), "intake.report_list");
  // Tracking's status query: the gateway yes, a responsible body no.
  proto::tracking::StatusRequest status;
  status.problem_ids = {1};
  EXPECT_EQ(Ask("tracking", gateway_keys_, proto::tracking::Encode(status)),
            "tracking.status_list");
  EXPECT_EQ(Ask("tracking", fleet_->KeysOf("body"), proto::tracking::Encode(status)),
            "common.error:forbidden");
}

// GeoReport v2 clients post form parameters, with the key as api_key and attribute[code]=value.
TEST_F(GatewayHttpTest, AFormEncodedPostIsAcceptedAsOpen311ClientsSendIt) {
  // The web platform's key shares its rate limit with the other tests: like any client, wait
  // as long as Retry-After says when the gateway answers 429.
  const auto until_not_limited = [](const std::vector<std::string>& args) {
    HttpReply r = Curl(args);
    for (int i = 0; i < 5 && r.status == 429; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1100));
      r = Curl(args);
    }
    return r;
  };
  const HttpReply r = until_not_limited({"/requests.json",
                                         "-H",
                                         "Idempotency-Key: form-0001",
                                         "--data-urlencode",
                                         "api_key=" + web_key_,
                                         "--data-urlencode",
                                         "service_code=dust",
                                         "--data-urlencode",
                                         "jurisdiction_id=130104",
                                         "--data-urlencode",
                                         "lat=38.0401",
                                         "--data-urlencode",
                                         "long=114.4983",
                                         "--data-urlencode",
                                         "description=工地夜间施工扬尘",
                                         "--data-urlencode",
                                         "platform=长城网",
                                         "--data-urlencode",
                                         "requested_datetime=2017-11-22T08:30:00+08:00",
                                         "--data-urlencode",
                                         "attribute[severity]=serious"});
  ASSERT_EQ(r.status, 200) << r.body << r.headers;
  const std::string id = Json::parse(r.body).at(0)["service_request_id"];
  EXPECT_EQ(TestCluster::Get().QueryValue(
                "SELECT category || ' ' || severity || ' ' || (lat IS NOT NULL)::text FROM "
                "intake.report WHERE report_id = " +
                id),
            "dust serious true");
  // A form with a latitude that is no number is refused like the JSON body would be.
  const HttpReply bad = until_not_limited(
      {"/requests.json", "--data-urlencode", "api_key=" + web_key_, "--data-urlencode",
       "service_code=dust", "--data-urlencode", "jurisdiction_id=130104", "--data-urlencode",
       "lat=north", "--data-urlencode", "long=114.5", "--data-urlencode", "description=x",
       "--data-urlencode", "platform=长城网"});
  EXPECT_EQ(bad.status, 400) << bad.body;
}

}  // namespace
}  // namespace ducha::testing
