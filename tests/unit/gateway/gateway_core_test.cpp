// The gateway's domain: Open311 JSON to intake.submit_report, the status mapping, paging and
// errors, and the per-key token bucket. Pure functions on the shipped campaign; no sockets.

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "common/campaign/loader.h"
#include "services/gateway/core/open311.h"
#include "services/gateway/core/rate_limiter.h"
#include "tests/support/hebei_campaign.h"

namespace ducha::gateway {
namespace {

namespace pc = proto::common;
namespace pi = proto::intake;
namespace pt = proto::tracking;
using Json = nlohmann::json;

const campaign::Campaign& Hebei() { return ::ducha::testing::HebeiCampaign(); }

const Caller kWeb{"changchengwang", {"citizen_web"}};
constexpr timeutil::Millis kNow = 1511316000000;  // 2017-11-22T02:00:00Z

ApiError ErrorOf(std::string_view body, const Caller& caller = kWeb) {
  auto r = MapServiceRequest(body, caller, Hebei(), kNow, "k1");
  EXPECT_TRUE(std::holds_alternative<ApiError>(r)) << body;
  return std::holds_alternative<ApiError>(r) ? std::get<ApiError>(r) : ApiError{};
}

TEST(Open311, ServiceListHasEveryCampaignCategoryWithChineseNamesAndAttributes) {
  const Json list = Json::parse(ServiceList(Hebei()));
  ASSERT_EQ(list.size(), Hebei().categories().size());
  const Json& first = list.at(0);
  EXPECT_EQ(first["service_code"], Hebei().categories().front().name);
  EXPECT_EQ(first["service_name"], Hebei().categories().front().display_name);
  EXPECT_EQ(first["type"], "realtime");
  EXPECT_EQ(first["attributes"].at(0)["code"], "severity");
  EXPECT_EQ(first["attributes"].at(0)["values"].size(), 3u);
  EXPECT_FALSE(ServiceDefinition(Hebei(), "no_such_thing"));
}

TEST(Open311, AFullRequestMapsOntoSubmitReportOnBehalfOfTheIntegration) {
  const auto r = MapServiceRequest(
      R"({"service_code": "small_coal_boilers", "jurisdiction_id": "130104", "lat": "38.0428",
          "long": 114.5149, "address_string": "桥西区中华南大街", "description": "锅炉冒黑烟\n每天早上",
          "media_url": "https://example.org/1.jpg", "email": "w@example.org", "phone": "13800000000",
          "first_name": "女士", "last_name": "王", "platform": "长城网", "requested_datetime": "2017-11-22T09:30:00+08:00", "attributes": {"severity": "serious"}})",
      kWeb, Hebei(), kNow, "cw-1");
  ASSERT_TRUE(std::holds_alternative<pi::SubmitReport>(r));
  const auto& s = std::get<pi::SubmitReport>(r);
  EXPECT_EQ(s.submission_id, "cw-1");
  EXPECT_EQ(s.on_behalf_of, "changchengwang");
  EXPECT_EQ(s.channel, pc::Channel::kCitizenWeb);
  EXPECT_EQ(s.platform, "长城网");
  EXPECT_EQ(s.category, pc::Category::kSmallCoalBoilers);
  EXPECT_EQ(s.title, "锅炉冒黑烟");
  ASSERT_TRUE(s.location);
  EXPECT_DOUBLE_EQ(s.location->lat, 38.0428);
  EXPECT_EQ(s.evidence, std::vector<std::string>{"https://example.org/1.jpg"});
  EXPECT_EQ(s.severity, pc::Severity::kSerious);
  ASSERT_TRUE(s.reporter);
  EXPECT_EQ(s.reporter->email, "w@example.org");
  EXPECT_EQ(s.reporter->phone, "13800000000");
  EXPECT_EQ(s.reporter->name, "王女士");
  EXPECT_EQ(s.reported_at, kNow - 30 * 60 * 1000);  // 09:30+08:00, half an hour before now
  EXPECT_EQ(s.observed_at, s.reported_at);
}

TEST(Open311, BadInputsGetTheirOpen311ErrorAndStatus) {
  EXPECT_EQ(ErrorOf("{not json").code, "malformed_json");
  EXPECT_EQ(ErrorOf("[1,2]").status, 400);
  const ApiError unknown = ErrorOf(R"({"service_code": "karaoke", "jurisdiction_id": "130104",
                                       "address_string": "x", "description": "d"})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.code, "unknown_service_code");
  EXPECT_EQ(
      ErrorOf(R"({"service_code": "dust", "jurisdiction_id": "130104", "description": "d"})").code,
      "missing_field");
  EXPECT_EQ(ErrorOf(R"({"service_code": "dust", "jurisdiction_id": "130104", "lat": "north",
                        "long": 1, "description": "d"})")
                .code,
            "invalid_value");
  // An integration on several channels must say which.
  EXPECT_EQ(ErrorOf(R"({"service_code": "dust", "jurisdiction_id": "130104",
                        "address_string": "x", "description": "d"})",
                    Caller{"desk", {"citizen_hotline", "citizen_web"}})
                .code,
            "missing_field");
  EXPECT_EQ(ErrorOf(R"({"service_code": "dust", "jurisdiction_id": "130104",
                        "address_string": "x", "description": "d", "platform": "长城网",
                        "requested_datetime": "yesterday"})")
                .code,
            "invalid_value");
  EXPECT_EQ(FromUpstreamError("idempotency_conflict", "submission_id", "m").status, 409);
  EXPECT_EQ(FromUpstreamError("unknown_jurisdiction", "jurisdiction", "m").status, 400);
  const Json body = Json::parse(ErrorBody({429, "rate_limited", "slow down"}));
  EXPECT_EQ(body, Json::parse(R"([{"code": "rate_limited", "description": "slow down"}])"));
}

TEST(Open311, IdempotencyKeysAreIntakeSubmissionIds) {
  EXPECT_TRUE(ValidIdempotencyKey("cw:88123-a.b_c"));
  EXPECT_FALSE(ValidIdempotencyKey(""));
  EXPECT_FALSE(ValidIdempotencyKey("with space"));
  EXPECT_FALSE(ValidIdempotencyKey(std::string(65, 'a')));
}

TEST(Open311, LedgerStatesMapToOpenOrClosedWithAnExtendedStatus) {
  EXPECT_EQ(StatusOf(nullptr).extended, "FOR_TRIAGE");
  pt::ProblemStatus s;
  s.state = pt::LedgerState::kInRectification;
  EXPECT_TRUE(StatusOf(&s).open);
  EXPECT_EQ(StatusOf(&s).extended, "IN_PROGRESS");
  s.state = pt::LedgerState::kClaimed;
  EXPECT_EQ(StatusOf(&s).extended, "ACTION_SCHEDULED");
  s.state = pt::LedgerState::kClosedRectified;
  EXPECT_FALSE(StatusOf(&s).open);
  EXPECT_EQ(StatusOf(&s).extended, "FIXED");
  s.state = pt::LedgerState::kClosedNotSubstantiated;
  EXPECT_FALSE(StatusOf(&s).open);
}

TEST(Open311, ARequestCarriesAgencyDeadlineAndDatetimesInTheCampaignZone) {
  pi::ReportSummary r;
  r.report_id = 7;
  r.problem_id = 7;
  r.category = pc::Category::kDust;
  r.jurisdiction = "130104";
  r.description = "d";
  r.received_at = kNow;
  pt::ProblemStatus s;
  s.problem_id = 7;
  s.state = pt::LedgerState::kInRectification;
  s.body_name = "桥西区人民政府";
  s.deadline = "2017-12-12";
  s.updated_at = kNow + 3600000;
  const Json j = Json::parse(RequestJson(r, &s, Hebei()));
  EXPECT_EQ(j["status"], "open");
  EXPECT_EQ(j["agency_responsible"], "桥西区人民政府");
  EXPECT_EQ(j["requested_datetime"], "2017-11-22T10:00:00+08:00");
  EXPECT_EQ(j["updated_datetime"], "2017-11-22T11:00:00+08:00");
  EXPECT_EQ(j["expected_datetime"], "2017-12-12T23:59:59+08:00");
  const Json waiting = Json::parse(RequestJson(r, nullptr, Hebei()));
  EXPECT_EQ(waiting["extended_status"], "FOR_TRIAGE");
  EXPECT_TRUE(waiting["expected_datetime"].is_null());
}

TEST(Open311, ListQueryValidatesStatusAndPaging) {
  auto q = ParseListQuery({{"status", "closed"}, {"page_size", "10"}, {"after", "42"}});
  ASSERT_TRUE(std::holds_alternative<ListQuery>(q));
  EXPECT_EQ(std::get<ListQuery>(q).open, false);
  EXPECT_EQ(std::get<ListQuery>(q).page_size, 10);
  EXPECT_EQ(std::get<ListQuery>(q).after, 42);
  EXPECT_TRUE(std::holds_alternative<ApiError>(ParseListQuery({{"status", "pending"}})));
  EXPECT_TRUE(std::holds_alternative<ApiError>(ParseListQuery({{"page_size", "1000"}})));
  auto ids = ParseListQuery({{"service_request_id", "3,5"}});
  ASSERT_TRUE(std::holds_alternative<ListQuery>(ids));
  EXPECT_EQ(std::get<ListQuery>(ids).ids, (std::vector<std::int64_t>{3, 5}));
}

TEST(RateLimiter, AKeyBurstsThenWaitsForTokensAndKeysAreIndependent) {
  RateLimiter limiter({.per_second = 2.0, .burst = 3.0});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Take("a", 1000).allowed);
  const auto refused = limiter.Take("a", 1000);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_ms, 500);
  EXPECT_TRUE(limiter.Take("b", 1000).allowed);
  EXPECT_FALSE(limiter.Take("a", 1400).allowed);
  EXPECT_TRUE(limiter.Take("a", 1500).allowed);
  // Idle time refills up to the burst, never beyond.
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Take("a", 100000).allowed);
  EXPECT_FALSE(limiter.Take("a", 100000).allowed);
}

TEST(Open311Form, FormParametersBecomeTheJsonBodyWithAttributesAndNumbers) {
  const std::multimap<std::string, std::string> form = {{"api_key", "k"},
                                                        {"service_code", "dust"},
                                                        {"lat", "38.04"},
                                                        {"long", "north"},
                                                        {"description", "扬尘"},
                                                        {"attribute[severity]", "serious"},
                                                        {"attribute[title]", "工地"}};
  const auto j = nlohmann::json::parse(FormToJson(form));
  EXPECT_FALSE(j.contains("api_key")) << "the key is the caller's, not a field";
  EXPECT_EQ(j["service_code"], "dust");
  EXPECT_TRUE(j["lat"].is_number());
  EXPECT_DOUBLE_EQ(j["lat"].get<double>(), 38.04);
  EXPECT_TRUE(j["long"].is_string()) << "left as text, so the mapping refuses it";
  EXPECT_EQ(j["attributes"]["severity"], "serious");
  EXPECT_EQ(j["attributes"]["title"], "工地");
}

}  // namespace
}  // namespace ducha::gateway
