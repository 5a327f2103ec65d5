#include "services/intake/core/submission.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "services/intake/core/visit.h"

namespace ducha::intake {
namespace {

namespace pc = proto::common;

bool IsBlank(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

std::optional<std::int32_t> ParseCode(const std::string& s) {
  std::int32_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

}  // namespace

Status CheckSubmission(const proto::intake::SubmitReport& r, const auth::Identity& who,
                       const campaign::Campaign& campaign, timeutil::Millis now,
                       const IntakeRules& rules) {
  const std::string channel(pc::ToString(r.channel));
  // A service submits only on the channels its identity lists: tracking, for instance, reports
  // the key tasks that fall behind (channel key_task).
  if (who.role != auth::Role::kIntegration &&
      !(who.role == auth::Role::kService && !who.channels.empty())) {
    return MakeError("forbidden", "",
                     "identity '" + who.name + "' has role " +
                         std::string(auth::RoleName(who.role)) +
                         "; only integrations submit reports");
  }
  if (!who.MayUseChannel(channel)) {
    return MakeError("channel_not_allowed", "channel",
                     "integration '" + who.name + "' may not submit on channel " + channel);
  }
  const campaign::ChannelInfo* info = campaign.FindChannel(channel);
  if (info == nullptr) {
    return MakeError("unknown_channel", "channel",
                     "channel " + channel + " is not part of campaign " + campaign.info().id);
  }
  if (IsBlank(r.title)) return MakeError("blank", "title", "field 'title' is blank");
  if (IsBlank(r.description)) {
    return MakeError("blank", "description", "field 'description' is blank");
  }

  const auto code = ParseCode(r.jurisdiction);
  if (!code || !campaign.IsKnownCode(*code)) {
    return MakeError("unknown_jurisdiction", "jurisdiction",
                     "'" + r.jurisdiction + "' is not a county-level unit or city of campaign " +
                         campaign.info().id);
  }

  if (r.channel == pc::Channel::kCitizenWeb) {
    if (!r.platform || IsBlank(*r.platform)) {
      return MakeError("missing_field", "platform",
                       "field 'platform' is required on channel citizen_web (the web platform's "
                       "name)");
    }
    if (!info->platforms.empty() && std::find(info->platforms.begin(), info->platforms.end(),
                                              *r.platform) == info->platforms.end()) {
      return MakeError("unknown_platform", "platform",
                       "'" + *r.platform + "' is not a reporting platform of this campaign");
    }
  }

  if (!info->group) {
    // How a group worked (听查看访, 明查暗访) describes group findings only.
    if (!r.methods.empty()) {
      return MakeError("field_not_allowed", "methods",
                       "field 'methods' is allowed only on the group channels (supervision_group, "
                       "covert_group), not on " +
                           channel);
    }
    if (r.mode) {
      return MakeError("field_not_allowed", "mode",
                       "field 'mode' is allowed only on the group channels (supervision_group, "
                       "covert_group), not on " +
                           channel);
    }
  }
  if (info->group) {
    if (!r.group_id) {
      return MakeError("missing_field", "group_id",
                       "field 'group_id' is required on channel " + channel);
    }
    if (!r.round) {
      return MakeError("missing_field", "round", "field 'round' is required on channel " + channel);
    }
    const campaign::Group* group = campaign.FindGroup(*r.group_id);
    const auto want = r.channel == pc::Channel::kSupervisionGroup
                          ? campaign::GroupKind::kSupervision
                          : campaign::GroupKind::kCovert;
    if (group == nullptr || group->kind != want) {
      return MakeError("unknown_group", "group_id",
                       "'" + *r.group_id + "' is not a " +
                           (want == campaign::GroupKind::kSupervision ? "supervision" : "covert") +
                           " group of this campaign");
    }
    if (campaign.FindRound(static_cast<int>(*r.round)) == nullptr) {
      return MakeError("unknown_round", "round",
                       "round " + std::to_string(*r.round) + " is not part of this campaign");
    }
    const auto city = campaign.JurisdictionOf(*code);
    const auto cities = campaign.JurisdictionsOf(*r.group_id, static_cast<int>(*r.round));
    if (!city || std::find(cities.begin(), cities.end(), *city) == cities.end()) {
      return MakeError("outside_group_assignment", "jurisdiction",
                       "group " + *r.group_id + " is not stationed in " + r.jurisdiction +
                           " in round " + std::to_string(*r.round));
    }
    if (Status st = CheckMethodsAndMode(r.methods, r.mode, *group); !st) return st;
  }

  const int offset = campaign.info().utc_offset_minutes;
  const timeutil::Millis campaign_start =
      timeutil::StartOfDay(campaign.rounds().front().from, offset);
  if (r.reported_at > now + rules.max_clock_skew_ms) {
    return MakeError(
        "in_future", "reported_at",
        "reported_at " + timeutil::FormatRfc3339(r.reported_at, offset) + " is in the future");
  }
  if (r.observed_at > now + rules.max_clock_skew_ms) {
    return MakeError(
        "in_future", "observed_at",
        "observed_at " + timeutil::FormatRfc3339(r.observed_at, offset) + " is in the future");
  }
  if (r.reported_at < campaign_start) {
    return MakeError("before_campaign", "reported_at",
                     "reported_at is before the campaign began (" +
                         timeutil::FormatDate(campaign.rounds().front().from) + ")");
  }
  if (r.observed_at < campaign_start) {
    return MakeError("before_campaign", "observed_at",
                     "observed_at is before the campaign began (" +
                         timeutil::FormatDate(campaign.rounds().front().from) + ")");
  }
  if (r.observed_at > r.reported_at) {
    return MakeError("out_of_order", "observed_at", "observed_at is later than reported_at");
  }
  if (r.location && !campaign.InsideProvince(r.location->lat, r.location->lon)) {
    return MakeError("outside_province", "location",
                     "location is outside " + campaign.province().name);
  }
  return OkStatus();
}

DuplicateKey KeyOf(const Submission& s, std::int64_t report_id) {
  DuplicateKey k;
  k.report_id = report_id;
  k.category = std::string(pc::ToString(s.report.category));
  if (s.report.location) {
    k.lat = s.report.location->lat;
    k.lon = s.report.location->lon;
  }
  if (s.report.enterprise && s.report.enterprise->credit_code) {
    k.credit_code = *s.report.enterprise->credit_code;
  }
  return k;
}

double DistanceMeters(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kEarthRadius = 6371000.0;
  constexpr double kRad = 3.14159265358979323846 / 180.0;
  const double dlat = (lat2 - lat1) * kRad;
  const double dlon = (lon2 - lon1) * kRad;
  const double a =
      std::sin(dlat / 2) * std::sin(dlat / 2) +
      std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadius * std::asin(std::min(1.0, std::sqrt(a)));
}

bool IsDuplicate(const DuplicateKey& incoming, const DuplicateKey& original, double radius_m) {
  if (!incoming.credit_code.empty() && incoming.credit_code == original.credit_code) return true;
  if (incoming.category != original.category) return false;
  if (!incoming.lat || !original.lat) return false;
  return DistanceMeters(*incoming.lat, *incoming.lon, *original.lat, *original.lon) <= radius_m;
}

std::string ReceiptNo(std::int64_t report_id) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "DC-%08lld", static_cast<long long>(report_id));
  return buf;
}

bool HasContact(const proto::intake::SubmitReport& r) {
  return r.reporter && (r.reporter->name || r.reporter->phone || r.reporter->email);
}

proto::intake::ReportAccepted MakeAcceptedEvent(const Submission& s, std::int64_t report_id,
                                                std::optional<std::int64_t> duplicate_of,
                                                std::optional<std::int64_t> contact_ref) {
  const auto& r = s.report;
  proto::intake::ReportAccepted e;
  e.report_id = report_id;
  e.integration = s.integration;
  e.submission_id = r.submission_id;
  e.channel = r.channel;
  e.platform = r.platform;
  e.jurisdiction = r.jurisdiction;
  e.category = r.category;
  e.severity = s.severity;
  e.title = r.title;
  e.description = r.description;
  e.observed_at = r.observed_at;
  e.reported_at = r.reported_at;
  e.received_at = s.received_at;
  e.location = r.location;
  e.address = r.address;
  e.enterprise = r.enterprise;
  e.evidence = r.evidence;
  e.contact_ref = contact_ref;
  e.group_id = r.group_id;
  e.round = r.round;
  e.duplicate_of = duplicate_of;
  e.methods = r.methods;
  e.mode = r.mode;
  return e;
}

}  // namespace ducha::intake
