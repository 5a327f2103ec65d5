#pragma once
// Shared by the tracking unit tests: the shipped Hebei campaign, problems as dispatch assigns
// them, the actors, and a compact spelling of events so expectations read as a timeline.

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "common/campaign/loader.h"
#include "services/tracking/core/ledger.h"
#include "tests/support/hebei_campaign.h"

namespace ducha::tracking::testing {

namespace pc = proto::common;
namespace pd = proto::dispatch;

inline const campaign::Campaign& Hebei() { return ::ducha::testing::HebeiCampaign(); }

inline timeutil::Millis At(const char* rfc3339) { return *timeutil::ParseRfc3339(rfc3339); }
inline Day D(const char* iso) { return *timeutil::ParseDate(iso); }
inline std::string Date(Day day) { return timeutil::FormatDate(day); }
// 10:00 in Beijing on `iso`.
inline timeutil::Millis Morning(const char* iso) {
  return timeutil::StartOfDay(D(iso), 480) + 10 * 3'600'000;
}

// A general dust problem of 长安区 (130102) found by a supervision group, assigned to its
// government on Tuesday 21 November 2017 with dispatch's deadline of fifteen working days.
inline pd::ProblemAssigned RectificationAssigned() {
  pd::ProblemAssigned a;
  a.problem_id = 100;
  a.report_id = 100;
  a.kind = pd::AssignmentKind::kRectification;
  a.body = pd::Body{"130102", "长安区人民政府", pd::BodyKind::kCountyGovernment};
  a.jurisdiction = "130102";
  a.city = "130100";
  a.channel = pc::Channel::kSupervisionGroup;
  a.category = pc::Category::kDust;
  a.severity = pc::Severity::kGeneral;
  a.listed = false;
  a.deadline = "2017-12-12";
  a.assigned_at = At("2017-11-21T09:30:05+08:00");
  a.supervising_group = "SG5";
  a.round = 3;
  a.title = "建筑工地扬尘";
  return a;
}

// A citizen web report of 桥西区 (130104), assigned to 石家庄市环境保护局 for verification on
// 21 November 2017, due in ten working days.
inline pd::ProblemAssigned VerificationAssigned() {
  pd::ProblemAssigned a = RectificationAssigned();
  a.problem_id = 1042;
  a.report_id = 1042;
  a.kind = pd::AssignmentKind::kVerification;
  a.body = pd::Body{"130100", "石家庄市环境保护局", pd::BodyKind::kCityBureau};
  a.jurisdiction = "130104";
  a.channel = pc::Channel::kCitizenWeb;
  a.category = pc::Category::kSmallCoalBoilers;
  a.deadline = "2017-12-05";
  a.title = "桥西区某小区燃煤锅炉冒黑烟";
  return a;
}

inline Actor Changan() { return Actor{"changan-gov", ActorRole::kBody, {130102}}; }
inline Actor Qiaoxi() { return Actor{"qiaoxi-gov", ActorRole::kBody, {130104}}; }
inline Actor ShijiazhuangBureau() { return Actor{"sjz-bureau", ActorRole::kBody, {130100}}; }
inline Actor Tangshan() { return Actor{"tangshan-gov", ActorRole::kBody, {130200, 130203}}; }
inline Actor Center() { return Actor{"center-1", ActorRole::kSupervisionCenter, {}}; }
inline Actor Review() { return Actor{"review", ActorRole::kReview, {}}; }

inline std::string ErrorText(const Error& e) { return e.code + " (" + e.field + "): " + e.message; }

// The decision, failing the test when it is an error.
inline Decision Ok(Result<Decision> r) {
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : ErrorText(r.error()));
  return r.ok() ? std::move(r).value() : Decision{};
}

inline LedgerEntry Open(const Ledger& ledger, const pd::ProblemAssigned& a) {
  return Ok(ledger.OnAssigned(a)).entry;
}

// One line per event: "warning 75% 2017-12-07", "overdue 2017-12-13",
// "escalated reminder 2017-12-13", "claimed", ...
inline std::string Spell(const Event& event) {
  return std::visit(
      [](const auto& e) -> std::string {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, DeadlineWarning>) {
          return "warning " + std::to_string(static_cast<int>(e.fraction * 100 + 0.5)) + "% " +
                 Date(e.due_day);
        } else if constexpr (std::is_same_v<T, Overdue>) {
          return "overdue " + Date(e.due_day);
        } else if constexpr (std::is_same_v<T, Escalated>) {
          return "escalated " + e.rung_name + " " + Date(e.due_day);
        } else if constexpr (std::is_same_v<T, ProgressReported>) {
          return "progress";
        } else if constexpr (std::is_same_v<T, VerificationConcluded>) {
          return e.substantiated ? "substantiated" : "not_substantiated";
        } else if constexpr (std::is_same_v<T, RectificationClaimed>) {
          return "claimed";
        } else if constexpr (std::is_same_v<T, ExtensionRequested>) {
          return "extension_requested";
        } else if constexpr (std::is_same_v<T, ExtensionDecided>) {
          return e.approved ? "extension_approved" : "extension_refused";
        } else if constexpr (std::is_same_v<T, Reopened>) {
          return "reopened";
        } else {
          static_assert(std::is_same_v<T, Rectified>);
          return "rectified";
        }
      },
      event);
}

inline std::vector<std::string> Spell(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const Event& e : events) out.push_back(Spell(e));
  return out;
}

// The only event of a decision, as T.
template <typename T>
const T& OnlyEvent(const Decision& d) {
  static const T kNone{};
  EXPECT_EQ(d.events.size(), 1u);
  if (d.events.size() != 1) return kNone;
  const T* e = std::get_if<T>(&d.events.front());
  EXPECT_NE(e, nullptr) << Spell(d.events.front());
  return e != nullptr ? *e : kNone;
}

}  // namespace ducha::tracking::testing
