#pragma once
// Shared by the bulletin's unit tests: the shipped Hebei campaign and small builders for the
// projection's facts.

#include <stdexcept>
#include <string>

#include "common/base/time.h"
#include "common/campaign/loader.h"
#include "services/bulletin/core/facts.h"
#include "services/bulletin/core/week.h"
#include "tests/support/hebei_campaign.h"

namespace ducha::bulletin::testing {

inline const campaign::Campaign& Hebei() { return ::ducha::testing::HebeiCampaign(); }

inline Millis At(const char* rfc3339) { return *timeutil::ParseRfc3339(rfc3339); }
inline std::int64_t D(const char* iso) { return *timeutil::ParseDate(iso); }

// The week of issue 11: 2017-11-18 .. 11-24, cut-off Saturday 2017-11-25 00:00 (+08:00).
inline Week Week47() { return (*WeekCalendar::Create(Hebei(), {})).Issue(11); }

inline ReportFact Report(std::int64_t id, const char* at, const char* channel = "citizen_web",
                         DivisionCode county = 130102, bool duplicate = false) {
  const auto city = Hebei().JurisdictionOf(county);
  return ReportFact{id, channel, county, city ? *city : 0, duplicate, At(at)};
}

// A general dust problem of `county`, assigned for rectification.
inline ProblemFact Problem(std::int64_t id, const char* assigned_at, const char* deadline,
                           DivisionCode county = 130102) {
  ProblemFact p;
  p.problem_id = id;
  p.jurisdiction = county;
  p.city = *Hebei().JurisdictionOf(county);
  p.channel = "supervision_group";
  p.category = "dust";
  p.severity = "general";
  p.deadline = D(deadline);
  p.assigned_at = At(assigned_at);
  return p;
}

inline Fact F(std::int64_t problem, const char* at, FactKind kind) {
  static std::int64_t order = 0;
  Fact f;
  f.problem_id = problem;
  f.at = At(at);
  f.kind = kind;
  f.order = ++order;
  return f;
}

inline Fact Claimed(std::int64_t problem, const char* at, const char* deadline, bool late) {
  Fact f = F(problem, at, FactKind::kClaimed);
  f.deadline = D(deadline);
  f.flag = late;
  return f;
}

}  // namespace ducha::bulletin::testing
