#pragma once
// Open311 GeoReport v2 ⇄ ducha's contract, as pure functions: the service list from the
// campaign, a POST /requests body (JSON) to intake.submit_report, intake's receipt to the POST
// answer, an integration's reports (intake.report_list) joined with tracking's ledger state
// (tracking.status_list) to Open311 requests, the query parameters of GET /requests, and every
// refusal as Open311's error array [{"code", "description"}] with its HTTP status. No sockets, no
// SQL; the io layer moves the bytes.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/base/time.h"
#include "common/campaign/campaign.h"
#include "proto/intake.h"
#include "proto/tracking.h"

namespace ducha::gateway {

// A refusal: the HTTP status and one Open311 error.
struct ApiError {
  int status = 400;
  std::string code;
  std::string description;
};
// [{"code": ..., "description": ...}]
std::string ErrorBody(const ApiError& error);

// The integration a request comes from (resolved from its API key).
struct Caller {
  std::string name;
  std::vector<std::string> channels;
};

// GET /services: one service per campaign category (service_code = category name, Chinese
// service_name), type realtime, with metadata and its attributes inline.
std::string ServiceList(const campaign::Campaign& campaign);
// GET /services/{code}: the service definition (attributes), or nothing for an unknown code.
std::optional<std::string> ServiceDefinition(const campaign::Campaign& campaign,
                                             std::string_view service_code);

// The Idempotency-Key header becomes intake's submission_id: 1..64 of [A-Za-z0-9._:-].
bool ValidIdempotencyKey(std::string_view key);

// POST /requests: a JSON object with service_code, jurisdiction_id (6-digit division code), lat
// and long and/or address_string, description, optional media_url, email, phone, first_name,
// last_name, channel (when the integration has several), platform, requested_datetime (when the
// citizen filed it; default now — a client that retries with its Idempotency-Key must send it,
// as intake accepts a retry only with the same content), and attributes {severity, title,
// enterprise_name, credit_code}. Errors: 400 malformed_json / missing_field /
// invalid_value, 404 unknown_service_code. The reporter's contact goes only into the
// confidential reporter struct.
std::variant<proto::intake::SubmitReport, ApiError> MapServiceRequest(
    std::string_view body, const Caller& caller, const campaign::Campaign& campaign,
    timeutil::Millis now, const std::string& submission_id);

// GeoReport v2 clients POST application/x-www-form-urlencoded parameters: the same fields as
// the JSON body, with attribute[code]=value for the attributes. Turns them into that JSON body
// (lat and long as numbers when they are numbers; api_key is the caller's key, not a field).
std::string FormToJson(const std::multimap<std::string, std::string>& params);

// intake's common.error to an Open311 error (400; 403 for forbidden and unauthorized; 409 for
// an idempotency key reused with other content).
ApiError FromUpstreamError(const std::string& code, const std::string& field,
                           const std::string& message);

// The POST answer: [{"service_request_id", "service_notice", "account_id": null}].
std::string ReceiptBody(const proto::intake::Receipt& receipt);

// GET /requests parameters: status=open|closed, page_size (1..100, default 50), after (a report
// id: the next page starts after it), service_request_id (comma list, overrides the others).
// The status filter applies to the page intake returned, so a filtered page may hold fewer than
// page_size requests; the Link header still leads to the next one.
struct ListQuery {
  std::optional<bool> open;
  int page_size = 50;
  std::int64_t after = 0;
  std::vector<std::int64_t> ids;
};
std::variant<ListQuery, ApiError> ParseListQuery(
    const std::multimap<std::string, std::string>& params);
// A path's service_request_id.
std::optional<std::int64_t> ParseRequestId(std::string_view s);

// Where an Open311 request stands: open/closed plus the extended status (mySociety's
// vocabulary) and a Chinese note.
struct RequestStatus {
  bool open = true;
  std::string extended;
  std::string notes;
};
RequestStatus StatusOf(const proto::tracking::ProblemStatus* status);

// One Open311 request (JSON object) from intake's summary and tracking's state (null when the
// problem is not in the ledger yet). Never carries the reporter's contact: intake never sends it.
std::string RequestJson(const proto::intake::ReportSummary& report,
                        const proto::tracking::ProblemStatus* status,
                        const campaign::Campaign& campaign);
// A JSON array of RequestJson objects.
std::string RequestArray(const std::vector<std::string>& requests);

}  // namespace ducha::gateway
