#include "services/gateway/core/open311.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

namespace ducha::gateway {
namespace {

namespace pc = proto::common;
namespace pi = proto::intake;
namespace pt = proto::tracking;
using Json = nlohmann::json;

ApiError Bad(std::string code, std::string description) {
  return ApiError{400, std::move(code), std::move(description)};
}

// A string field, if present; a non-string is an error.
std::variant<std::optional<std::string>, ApiError> OptString(const Json& obj, const char* name) {
  const auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return std::optional<std::string>{};
  if (!it->is_string()) return Bad("invalid_value", std::string(name) + " must be a string");
  std::string s = it->get<std::string>();
  if (s.empty()) return std::optional<std::string>{};
  return std::optional<std::string>{std::move(s)};
}

// Open311 sends lat/long as form strings; JSON clients send numbers. Both are accepted.
std::variant<std::optional<double>, ApiError> OptNumber(const Json& obj, const char* name) {
  const auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return std::optional<double>{};
  if (it->is_number()) return std::optional<double>{it->get<double>()};
  if (it->is_string()) {
    const std::string s = it->get<std::string>();
    double v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec == std::errc() && end == s.data() + s.size() && std::isfinite(v)) {
      return std::optional<double>{v};
    }
  }
  return Bad("invalid_value", std::string(name) + " must be a number");
}

// The first line of the description, cut to 100 characters (UTF-8 aware): the report's title
// when the integration sends none.
std::string TitleFrom(const std::string& description) {
  const std::string line = description.substr(0, description.find('\n'));
  std::size_t chars = 0;
  std::size_t i = 0;
  while (i < line.size() && chars < 100) {
    const auto c = static_cast<unsigned char>(line[i]);
    i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    ++chars;
  }
  return line.substr(0, std::min(i, line.size()));
}

Json Attributes(const campaign::Campaign& campaign) {
  Json severities = Json::array();
  for (const auto& s : campaign.severities()) {
    severities.push_back({{"key", s.name}, {"name", s.display_name}});
  }
  return Json::array({
      {{"variable", true},
       {"code", "severity"},
       {"datatype", "singlevaluelist"},
       {"required", false},
       {"datatype_description", "严重程度"},
       {"order", 1},
       {"description", "举报人对问题严重程度的判断（默认一般）"},
       {"values", severities}},
      {{"variable", true},
       {"code", "title"},
       {"datatype", "string"},
       {"required", false},
       {"datatype_description", "不超过100字"},
       {"order", 2},
       {"description", "标题（缺省取问题描述的第一行）"}},
      {{"variable", true},
       {"code", "enterprise_name"},
       {"datatype", "string"},
       {"required", false},
       {"datatype_description", "企业名称"},
       {"order", 3},
       {"description", "涉事企业名称"}},
      {{"variable", true},
       {"code", "credit_code"},
       {"datatype", "string"},
       {"required", false},
       {"datatype_description", "18位统一社会信用代码"},
       {"order", 4},
       {"description", "涉事企业统一社会信用代码（需同时提供企业名称）"}},
  });
}

std::string DateTime(timeutil::Millis t, const campaign::Campaign& campaign) {
  return timeutil::FormatRfc3339(t, campaign.info().utc_offset_minutes);
}

}  // namespace

std::string ErrorBody(const ApiError& error) {
  return Json::array({{{"code", error.code}, {"description", error.description}}}).dump();
}

std::string ServiceList(const campaign::Campaign& campaign) {
  Json out = Json::array();
  for (const auto& c : campaign.categories()) {
    out.push_back({{"service_code", c.name},
                   {"service_name", c.display_name},
                   {"description", c.display_name + "（" + campaign.info().name + "）"},
                   {"metadata", true},
                   {"type", "realtime"},
                   {"keywords", c.name},
                   {"group", "大气污染防治"},
                   {"attributes", Attributes(campaign)}});
  }
  return out.dump();
}

std::optional<std::string> ServiceDefinition(const campaign::Campaign& campaign,
                                             std::string_view service_code) {
  if (campaign.FindCategory(service_code) == nullptr) return std::nullopt;
  return Json{{"service_code", service_code}, {"attributes", Attributes(campaign)}}.dump();
}

bool ValidIdempotencyKey(std::string_view key) {
  if (key.empty() || key.size() > 64) return false;
  for (char c : key) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string FormToJson(const std::multimap<std::string, std::string>& params) {
  Json out = Json::object();
  for (const auto& [key, value] : params) {
    if (key == "api_key") continue;
    if (key.starts_with("attribute[") && key.ends_with("]")) {
      out["attributes"][key.substr(10, key.size() - 11)] = value;
      continue;
    }
    if (key == "lat" || key == "long") {
      char* end = nullptr;
      const double v = std::strtod(value.c_str(), &end);
      if (!value.empty() && end == value.c_str() + value.size() && std::isfinite(v)) {
        out[key] = v;
        continue;
      }
    }
    out[key] = value;
  }
  return out.dump();
}

std::variant<pi::SubmitReport, ApiError> MapServiceRequest(std::string_view body,
                                                           const Caller& caller,
                                                           const campaign::Campaign& campaign,
                                                           timeutil::Millis now,
                                                           const std::string& submission_id) {
  Json in = Json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (in.is_discarded()) return Bad("malformed_json", "the body is not valid JSON");
  if (!in.is_object()) return Bad("malformed_json", "the body must be a JSON object");

#define DUCHA_TAKE(var, expr)                               \
  auto var##_v = (expr);                                    \
  if (auto* e = std::get_if<ApiError>(&var##_v)) return *e; \
  auto var = std::get<0>(std::move(var##_v))
  DUCHA_TAKE(service_code, OptString(in, "service_code"));
  DUCHA_TAKE(jurisdiction, OptString(in, "jurisdiction_id"));
  DUCHA_TAKE(description, OptString(in, "description"));
  DUCHA_TAKE(address, OptString(in, "address_string"));
  DUCHA_TAKE(media_url, OptString(in, "media_url"));
  DUCHA_TAKE(email, OptString(in, "email"));
  DUCHA_TAKE(phone, OptString(in, "phone"));
  DUCHA_TAKE(first_name, OptString(in, "first_name"));
  DUCHA_TAKE(last_name, OptString(in, "last_name"));
  DUCHA_TAKE(channel_name, OptString(in, "channel"));
  DUCHA_TAKE(platform, OptString(in, "platform"));
  DUCHA_TAKE(requested, OptString(in, "requested_datetime"));
  DUCHA_TAKE(lat, OptNumber(in, "lat"));
  DUCHA_TAKE(lon, OptNumber(in, "long"));

  if (!service_code) return Bad("missing_field", "service_code is required");
  const auto category = pc::ParseCategory(*service_code);
  if (!category || campaign.FindCategory(*service_code) == nullptr) {
    return ApiError{404, "unknown_service_code",
                    "no service with service_code '" + *service_code + "' (see GET /services)"};
  }
  if (!jurisdiction) {
    return Bad("missing_field", "jurisdiction_id (the 6-digit county or city code) is required");
  }
  if (!description) return Bad("missing_field", "description is required");
  if (lat.has_value() != lon.has_value()) {
    return Bad("missing_field", "lat and long go together");
  }
  if (!lat && !address) {
    return Bad("missing_field", "a location is required: lat and long, or address_string");
  }

  // The channel: the integration's only one, or the one it names among its own.
  std::string channel;
  if (channel_name) {
    channel = *channel_name;
  } else if (caller.channels.size() == 1) {
    channel = caller.channels.front();
  } else {
    return Bad("missing_field", "channel is required: this integration submits on several");
  }
  const auto parsed_channel = pc::ParseChannel(channel);
  if (!parsed_channel) return Bad("invalid_value", "unknown channel '" + channel + "'");

  pi::SubmitReport r;
  r.submission_id = submission_id;
  r.on_behalf_of = caller.name;
  r.channel = *parsed_channel;
  r.platform = platform;  // intake requires one of the campaign's platforms for citizen_web
  r.jurisdiction = *jurisdiction;
  r.category = *category;
  r.description = *description;
  // When the citizen filed it with the platform. A client that retries must send the same body,
  // this time included: intake answers a retry only when its content is the same.
  r.reported_at = now;
  if (requested) {
    const auto t = timeutil::ParseRfc3339(*requested);
    if (!t) {
      return Bad("invalid_value", "requested_datetime must be ISO 8601 with a time zone");
    }
    r.reported_at = *t;
  }
  r.observed_at = r.reported_at;
  if (lat) r.location = pc::GeoPoint{*lat, *lon};
  r.address = address;
  if (media_url) r.evidence.push_back(*media_url);

  const auto attrs = in.find("attributes");
  std::optional<std::string> title;
  std::optional<std::string> enterprise_name;
  std::optional<std::string> credit_code;
  if (attrs != in.end() && !attrs->is_null()) {
    if (!attrs->is_object()) return Bad("invalid_value", "attributes must be an object");
    DUCHA_TAKE(severity, OptString(*attrs, "severity"));
    DUCHA_TAKE(t, OptString(*attrs, "title"));
    DUCHA_TAKE(en, OptString(*attrs, "enterprise_name"));
    DUCHA_TAKE(cc, OptString(*attrs, "credit_code"));
    if (severity) {
      r.severity = pc::ParseSeverity(*severity);
      if (!r.severity) return Bad("invalid_value", "unknown severity '" + *severity + "'");
    }
    title = t;
    enterprise_name = en;
    credit_code = cc;
  }
#undef DUCHA_TAKE
  r.title = title ? *title : TitleFrom(*description);
  if (enterprise_name) {
    r.enterprise = pc::Enterprise{*enterprise_name, credit_code};
  } else if (credit_code) {
    return Bad("missing_field", "attributes.credit_code needs attributes.enterprise_name");
  }
  if (email || phone || first_name || last_name) {
    pi::Reporter reporter;
    if (first_name || last_name) {
      reporter.name = last_name.value_or("") + first_name.value_or("");
    }
    reporter.phone = phone;
    reporter.email = email;
    r.reporter = std::move(reporter);
  }
  return r;
}

ApiError FromUpstreamError(const std::string& code, const std::string& field,
                           const std::string& message) {
  int status = 400;
  if (code == "forbidden" || code == "unauthorized") status = 403;
  if (code == "idempotency_conflict") status = 409;
  return ApiError{status, code, field.empty() ? message : field + ": " + message};
}

std::string ReceiptBody(const pi::Receipt& receipt) {
  std::string notice = "已受理，受理编号 " + receipt.receipt_no;
  if (receipt.duplicate_of) {
    notice += "；与已受理的问题 " + std::to_string(*receipt.duplicate_of) + " 合并办理";
  }
  return Json::array({{{"service_request_id", std::to_string(receipt.report_id)},
                       {"service_notice", notice},
                       {"account_id", nullptr}}})
      .dump();
}

std::optional<std::int64_t> ParseRequestId(std::string_view s) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 1) return std::nullopt;
  return v;
}

std::variant<ListQuery, ApiError> ParseListQuery(
    const std::multimap<std::string, std::string>& params) {
  ListQuery q;
  for (const auto& [key, value] : params) {
    if (key == "status") {
      if (value == "open") {
        q.open = true;
      } else if (value == "closed") {
        q.open = false;
      } else {
        return Bad("invalid_value", "status must be open or closed");
      }
    } else if (key == "page_size") {
      const auto n = ParseRequestId(value);
      if (!n || *n > 100) return Bad("invalid_value", "page_size must be 1..100");
      q.page_size = static_cast<int>(*n);
    } else if (key == "after") {
      const auto n = value == "0" ? std::optional<std::int64_t>(0) : ParseRequestId(value);
      if (!n) return Bad("invalid_value", "after must be a service_request_id");
      q.after = *n;
    } else if (key == "service_request_id") {
      std::size_t start = 0;
      while (start <= value.size()) {
        const std::size_t comma = std::min(value.find(',', start), value.size());
        const auto id = ParseRequestId(std::string_view(value).substr(start, comma - start));
        if (!id) return Bad("invalid_value", "service_request_id must list request ids");
        q.ids.push_back(*id);
        if (q.ids.size() > 100) return Bad("invalid_value", "at most 100 service_request_id");
        start = comma + 1;
      }
    }
  }
  return q;
}

RequestStatus StatusOf(const pt::ProblemStatus* status) {
  if (status == nullptr) return {true, "FOR_TRIAGE", "已受理，待交办"};
  switch (status->state) {
    case pt::LedgerState::kAwaitingVerification:
      return {true, "INVESTIGATING", "已交办，核查中"};
    case pt::LedgerState::kInRectification:
      return {true, "IN_PROGRESS", status->reopen_count > 0 ? "复查未通过，重新整改中" : "整改中"};
    case pt::LedgerState::kClaimed:
      return {true, "ACTION_SCHEDULED", "已申报整改完成，待复查"};
    case pt::LedgerState::kClosedNotSubstantiated:
      return {false, "NO_FURTHER_ACTION", "经核查不属实，已办结"};
    case pt::LedgerState::kClosedRectified:
      return {false, "FIXED", "整改完成，已销号"};
  }
  return {true, "IN_PROGRESS", ""};
}

std::string RequestJson(const pi::ReportSummary& report, const pt::ProblemStatus* status,
                        const campaign::Campaign& campaign) {
  const RequestStatus st = StatusOf(status);
  const auto* category = campaign.FindCategory(pc::ToString(report.category));
  Json j{{"service_request_id", std::to_string(report.report_id)},
         {"status", st.open ? "open" : "closed"},
         {"extended_status", st.extended},
         {"status_notes", st.notes},
         {"service_name", category != nullptr ? category->display_name : ""},
         {"service_code", pc::ToString(report.category)},
         {"description", report.description},
         {"agency_responsible", status != nullptr ? status->body_name : ""},
         {"requested_datetime", DateTime(report.received_at, campaign)},
         {"address", report.address.value_or("")},
         {"jurisdiction_id", report.jurisdiction},
         {"problem_id", std::to_string(report.problem_id)}};
  if (report.location) {
    j["lat"] = report.location->lat;
    j["long"] = report.location->lon;
  }
  if (!report.evidence.empty()) j["media_url"] = report.evidence.front();
  if (status != nullptr) {
    j["updated_datetime"] = DateTime(std::max(status->updated_at, report.received_at), campaign);
    std::string notice = "责任主体：" + status->body_name + "；办理时限 " + status->deadline;
    if (status->extensions_used > 0) {
      notice += "（已延期 " + std::to_string(status->extensions_used) + " 次）";
    }
    if (status->extension_pending) notice += "；延期申请待审批";
    j["service_notice"] = notice;
    // The deadline is inclusive: the end of that day in the campaign's zone.
    if (const auto day = timeutil::ParseDate(status->deadline)) {
      const int offset = campaign.info().utc_offset_minutes;
      j["expected_datetime"] = DateTime(timeutil::StartOfDay(*day + 1, offset) - 1000, campaign);
    }
  } else {
    j["updated_datetime"] = DateTime(report.received_at, campaign);
    j["service_notice"] = "已受理，等待交办";
    j["expected_datetime"] = nullptr;
  }
  return j.dump();
}

std::string RequestArray(const std::vector<std::string>& requests) {
  std::string out = "[";
  for (std::size_t i = 0; i < requests.size(); ++i) {
    if (i > 0) out += ',';
    out += requests[i];
  }
  return out + "]";
}

}  // namespace ducha::gateway
