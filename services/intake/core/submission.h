#pragma once
// Intake's domain: what makes a report acceptable beyond its schema, and when a new report is a
// duplicate of an open one. Pure: no sockets, no SQL, no clock reads (time comes in as a value).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/auth/identity.h"
#include "common/base/result.h"
#include "common/base/time.h"
#include "common/campaign/campaign.h"
#include "proto/intake.h"

namespace ducha::intake {

struct IntakeRules {
  // How far ahead of the fleet clock a reported or observed time may be (integrations' clocks
  // drift); anything later is "in the future".
  timeutil::Millis max_clock_skew_ms = 5 * 60 * 1000;
};

// Checks a decoded, schema-valid submission against the campaign and the caller's identity.
// Returns the first problem, naming the field.
Status CheckSubmission(const proto::intake::SubmitReport& r, const auth::Identity& who,
                       const campaign::Campaign& campaign, timeutil::Millis now,
                       const IntakeRules& rules);

// A submission that passed every check, ready to be committed.
struct Submission {
  std::string integration;  // the authenticated identity
  proto::intake::SubmitReport report;
  std::string request_hash;  // of the canonical encoding: a retry must match it
  timeutil::Millis received_at = 0;
  std::int32_t jurisdiction = 0;
  proto::common::Severity severity = proto::common::Severity::kGeneral;
};

// What duplicate detection compares: an open original report, or an earlier item of the batch.
struct DuplicateKey {
  std::int64_t report_id = 0;
  std::string category;
  std::optional<double> lat;
  std::optional<double> lon;
  std::string credit_code;
};

DuplicateKey KeyOf(const Submission& s, std::int64_t report_id);

// Great-circle distance in metres.
double DistanceMeters(double lat1, double lon1, double lat2, double lon2);

// Same enterprise (credit code), or same category within `radius_m`.
bool IsDuplicate(const DuplicateKey& incoming, const DuplicateKey& original, double radius_m);

// The integration-facing receipt number for a report id ("DC-00001234").
std::string ReceiptNo(std::int64_t report_id);

// The event every accepted report produces. The reporter's contact never goes in; only
// `contact_ref` does.
proto::intake::ReportAccepted MakeAcceptedEvent(const Submission& s, std::int64_t report_id,
                                                std::optional<std::int64_t> duplicate_of,
                                                std::optional<std::int64_t> contact_ref);

bool HasContact(const proto::intake::SubmitReport& r);

}  // namespace ducha::intake
