#include "services/intake/core/visit.h"

#include <algorithm>
#include <charconv>
#include <optional>

namespace ducha::intake {
namespace {

namespace pc = proto::common;

std::optional<campaign::DivisionCode> ParseCode(const std::string& s) {
  campaign::DivisionCode v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string Place(const campaign::Campaign& campaign, campaign::DivisionCode code) {
  const auto name = campaign.NameOf(code);
  return std::to_string(code) + (name ? " (" + std::string(*name) + ")" : std::string());
}

}  // namespace

Status CheckMethodsAndMode(const std::vector<proto::intake::VisitMethod>& methods,
                           const std::optional<proto::intake::VisitMode>& mode,
                           const campaign::Group& group) {
  namespace pi = proto::intake;
  for (std::size_t i = 1; i < methods.size(); ++i) {
    const auto end = methods.begin() + static_cast<std::ptrdiff_t>(i);
    if (std::find(methods.begin(), end, methods[i]) != end) {
      return MakeError(
          "duplicate_value", "methods",
          "method " + std::string(pi::ToString(methods[i])) + " is listed more than once");
    }
  }
  if (group.kind == campaign::GroupKind::kCovert && mode == pi::VisitMode::kOpen) {
    return MakeError("covert_group_open_mode", "mode",
                     "group " + group.id +
                         " is a covert group (暗查组) and reports covert work only: mode must be "
                         "covert (暗访), not open (明查)");
  }
  return OkStatus();
}

Status CheckVisit(const proto::intake::ReportVisit& v, const auth::Identity& who,
                  const campaign::Campaign& campaign) {
  if (who.role != auth::Role::kIntegration) {
    return MakeError("forbidden", "",
                     "identity '" + who.name + "' has role " +
                         std::string(auth::RoleName(who.role)) +
                         "; only integrations report visits");
  }
  const campaign::Group* group = campaign.FindGroup(v.group_id);
  if (group == nullptr) {
    return MakeError("unknown_group", "group_id",
                     "'" + v.group_id + "' is not a group of campaign " + campaign.info().id);
  }
  const int round_no = static_cast<int>(v.round);
  const campaign::Round* round = campaign.FindRound(round_no);
  if (round == nullptr) {
    return MakeError(
        "unknown_round", "round",
        "round " + std::to_string(v.round) + " is not part of campaign " + campaign.info().id);
  }
  // A group's findings arrive on its kind's channel; the same permission covers its visits.
  const pc::Channel channel = group->kind == campaign::GroupKind::kSupervision
                                  ? pc::Channel::kSupervisionGroup
                                  : pc::Channel::kCovertGroup;
  if (!who.MayUseChannel(pc::ToString(channel))) {
    return MakeError("channel_not_allowed", "group_id",
                     "integration '" + who.name + "' may not report for group " + v.group_id +
                         " (channel " + std::string(pc::ToString(channel)) + ")");
  }
  const auto county = ParseCode(v.county);
  if (!county || !campaign.IsCounty(*county)) {
    return MakeError(
        "unknown_jurisdiction", "county",
        "'" + v.county + "' is not a county-level unit of campaign " + campaign.info().id);
  }
  const auto city = campaign.JurisdictionOf(*county);
  const auto cities = campaign.JurisdictionsOf(v.group_id, round_no);
  if (!city || std::find(cities.begin(), cities.end(), *city) == cities.end()) {
    std::string stationed;
    for (const auto c : cities) stationed += (stationed.empty() ? "" : ", ") + Place(campaign, c);
    return MakeError("outside_group_scope", "county",
                     "county " + Place(campaign, *county) + " is outside the cities of group " +
                         v.group_id + " in round " + std::to_string(v.round) + ": " +
                         (stationed.empty() ? std::string("none") : stationed));
  }
  const auto day = timeutil::ParseDate(v.visit_date);
  if (!day || timeutil::FormatDate(*day) != v.visit_date) {
    return MakeError("invalid_format", "visit_date",
                     "'" + v.visit_date + "' is not a date (YYYY-MM-DD)");
  }
  if (!round->Contains(*day)) {
    return MakeError("outside_round", "visit_date",
                     "visit_date " + v.visit_date + " is outside round " + std::to_string(v.round) +
                         " (" + timeutil::FormatDate(round->from) + " to " +
                         timeutil::FormatDate(round->to) + ")");
  }
  if (v.tasks.empty()) {
    return MakeError("missing_field", "tasks", "field 'tasks' needs at least one task");
  }
  for (std::size_t i = 1; i < v.tasks.size(); ++i) {
    const auto end = v.tasks.begin() + static_cast<std::ptrdiff_t>(i);
    if (std::find(v.tasks.begin(), end, v.tasks[i]) != end) {
      return MakeError(
          "duplicate_value", "tasks",
          "task " + std::string(pc::ToString(v.tasks[i])) + " is listed more than once");
    }
  }
  if (v.methods.empty()) {
    return MakeError("missing_field", "methods",
                     "field 'methods' needs at least one method (hear, check, look, visit: "
                     "听、查、看、访)");
  }
  if (!v.mode) {
    return MakeError("missing_field", "mode",
                     "field 'mode' is required (open or covert: 明查、暗访)");
  }
  return CheckMethodsAndMode(v.methods, v.mode, *group);
}

Visit MakeVisit(proto::intake::ReportVisit v, const campaign::Campaign& campaign,
                std::string integration, std::string request_hash, timeutil::Millis received_at) {
  Visit out;
  out.integration = std::move(integration);
  out.request_hash = std::move(request_hash);
  out.received_at = received_at;
  out.county = ParseCode(v.county).value_or(0);
  out.city = campaign.JurisdictionOf(out.county).value_or(0);
  out.visit = std::move(v);
  return out;
}

proto::intake::VisitReported MakeVisitEvent(const Visit& v, std::int64_t visit_id) {
  proto::intake::VisitReported e;
  e.visit_id = visit_id;
  e.integration = v.integration;
  e.submission_id = v.visit.submission_id;
  e.group_id = v.visit.group_id;
  e.round = v.visit.round;
  e.county = v.visit.county;
  e.city = std::to_string(v.city);
  e.visit_date = v.visit.visit_date;
  e.tasks = v.visit.tasks;
  e.problems_found = v.visit.problems_found;
  e.note = v.visit.note;
  e.received_at = v.received_at;
  e.methods = v.visit.methods;
  e.mode = v.visit.mode;
  return e;
}

}  // namespace ducha::intake
