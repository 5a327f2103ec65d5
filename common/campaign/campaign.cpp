#include "common/campaign/campaign.h"

#include <algorithm>
#include <set>

#include "common/base/time.h"
#include "common/campaign/names.h"

namespace ducha::campaign {
namespace {

constexpr DivisionCode kMinCode = 100000;
constexpr DivisionCode kMaxCode = 999999;

std::string Date(Day day) { return timeutil::FormatDate(day); }
std::string Str(DivisionCode code) { return std::to_string(code); }

bool InProvince(DivisionCode code, DivisionCode province) {
  return code >= kMinCode && code <= kMaxCode && code / 10000 == province / 10000;
}

std::string GroupPlace(const RoundAssignment& a) {
  return "groups." + a.group_id + ".rounds." + std::to_string(a.round);
}

Status CheckNonEmpty(const std::string& value, const std::string& field) {
  if (!value.empty()) return OkStatus();
  return MakeError("missing_field", field, "must not be empty");
}

Status CheckInfo(const CampaignInfo& info, const Province& province) {
  if (auto s = CheckNonEmpty(info.id, "campaign.id"); !s) return s;
  if (auto s = CheckNonEmpty(info.name, "campaign.name"); !s) return s;
  if (info.version < 1) return MakeError("invalid_value", "campaign.version", "must be at least 1");
  // Real zones lie between UTC-12 and UTC+14.
  if (info.utc_offset_minutes < -720 || info.utc_offset_minutes > 840) {
    return MakeError("invalid_value", "campaign.utc_offset_minutes",
                     "must lie between -720 and 840");
  }
  if (province.code < kMinCode || province.code > kMaxCode || province.code % 10000 != 0) {
    return MakeError("invalid_value", "province.code",
                     "a province code has six digits ending in 0000, not " + Str(province.code));
  }
  if (auto s = CheckNonEmpty(province.name, "province.name"); !s) return s;
  const Bounds& b = province.bounds;
  if (!(b.lat_min >= -90 && b.lat_min < b.lat_max && b.lat_max <= 90)) {
    return MakeError("invalid_value", "province.bounds", "need -90 <= lat_min < lat_max <= 90");
  }
  if (!(b.lon_min >= -180 && b.lon_min < b.lon_max && b.lon_max <= 180)) {
    return MakeError("invalid_value", "province.bounds", "need -180 <= lon_min < lon_max <= 180");
  }
  return OkStatus();
}

Status CheckRounds(const std::vector<Round>& rounds, const Calendar& calendar) {
  if (rounds.empty()) return MakeError("missing_field", "rounds", "a campaign has rounds");
  for (std::size_t i = 0; i < rounds.size(); ++i) {
    const Round& r = rounds[i];
    const std::string place = "rounds[" + std::to_string(i) + "]";
    if (r.number != static_cast<int>(i) + 1) {
      return MakeError("out_of_order", place + ".number",
                       "rounds are numbered 1, 2, ... in order; expected " + std::to_string(i + 1) +
                           ", found " + std::to_string(r.number));
    }
    if (r.from > r.to) {
      return MakeError("invalid_value", place + ".to",
                       "round " + std::to_string(r.number) + " ends (" + Date(r.to) +
                           ") before it starts (" + Date(r.from) + ")");
    }
    if (i > 0 && r.from <= rounds[i - 1].to) {
      return MakeError("overlap", place + ".from",
                       "round " + std::to_string(r.number) + " starts " + Date(r.from) +
                           ", not after round " + std::to_string(rounds[i - 1].number) + " ends (" +
                           Date(rounds[i - 1].to) + ")");
    }
    if (!calendar.Covers(r.from) || !calendar.Covers(r.to)) {
      return MakeError("outside_calendar", place,
                       "round " + std::to_string(r.number) + " " + Date(r.from) + ".." +
                           Date(r.to) + " is outside the calendar " + Date(calendar.from()) + ".." +
                           Date(calendar.to()));
    }
  }
  return OkStatus();
}

Status CheckJurisdictions(const std::vector<Jurisdiction>& jurisdictions, DivisionCode province) {
  if (jurisdictions.empty()) {
    return MakeError("missing_field", "jurisdictions", "a campaign has jurisdictions");
  }
  std::set<DivisionCode> codes;
  std::set<std::string> names;
  for (std::size_t i = 0; i < jurisdictions.size(); ++i) {
    const Jurisdiction& j = jurisdictions[i];
    const std::string place = "jurisdictions[" + std::to_string(i) + "]";
    if (!InProvince(j.code, province)) {
      return MakeError("unknown_code", place + ".code",
                       Str(j.code) + " is not a division code of province " + Str(province));
    }
    if (!codes.insert(j.code).second) {
      return MakeError("duplicate", place + ".code", Str(j.code) + " is listed twice");
    }
    if (auto s = CheckNonEmpty(j.name, place + ".name"); !s) return s;
    if (!names.insert(j.name).second) {
      return MakeError("duplicate", place + ".name", j.name + " is listed twice");
    }
    if (auto s = CheckNonEmpty(j.bureau, place + ".bureau"); !s) return s;
    if (auto s = CheckNonEmpty(j.government, place + ".government"); !s) return s;
  }
  return OkStatus();
}

// Resolves county rows to counties and fills each jurisdiction's county list.
Result<std::vector<County>> BuildCounties(const CampaignSpec& spec,
                                          std::vector<Jurisdiction>& jurisdictions) {
  std::map<std::string, std::size_t> by_name;
  for (std::size_t i = 0; i < jurisdictions.size(); ++i) by_name[jurisdictions[i].name] = i;
  std::set<DivisionCode> local_codes;
  for (const Jurisdiction& j : jurisdictions) {
    if (j.campaign_local_code) local_codes.insert(j.code);
  }
  if (spec.county_government_format.find("{name}") == std::string::npos) {
    return MakeError("invalid_value", "counties.government_name_format",
                     "must contain {name}, replaced by the county's name");
  }
  if (spec.county_rows.empty()) {
    return MakeError("missing_field", spec.counties_file, "the county file has no rows");
  }
  std::vector<County> counties;
  std::set<DivisionCode> seen;
  for (const CountyRow& row : spec.county_rows) {
    const std::string place = spec.counties_file + ":" + std::to_string(row.line);
    const DivisionCode province = spec.province.code;
    if (!InProvince(row.code, province)) {
      return MakeError("unknown_code", place + ".county_code",
                       Str(row.code) + " is not a division code of province " + Str(province));
    }
    if (row.code % 100 == 0) {
      return MakeError("unknown_code", place + ".county_code",
                       Str(row.code) + " ends in 00, so it is not a county-level code");
    }
    if (local_codes.contains(row.code)) {
      return MakeError("duplicate", place + ".county_code",
                       Str(row.code) + " is also a campaign-local jurisdiction code");
    }
    if (row.prefecture_code != row.code / 100 * 100) {
      return MakeError(
          "unknown_code", place + ".prefecture_code",
          "county " + Str(row.code) + " cannot belong to prefecture " + Str(row.prefecture_code));
    }
    if (!seen.insert(row.code).second) {
      return MakeError("duplicate", place + ".county_code", Str(row.code) + " is listed twice");
    }
    if (auto s = CheckNonEmpty(row.name, place + ".county_name"); !s) return s.error();
    const auto j = by_name.find(row.jurisdiction_name);
    if (j == by_name.end()) {
      return MakeError("unknown_name", place + ".campaign_jurisdiction",
                       "'" + row.jurisdiction_name + "' is not a jurisdiction of campaign.json");
    }
    if (!spec.province.bounds.Contains(row.lat, row.lon)) {
      return MakeError("invalid_value", place + ".lat",
                       "county seat of " + row.name + " (" + std::to_string(row.lat) + ", " +
                           std::to_string(row.lon) + ") is outside the province bounds");
    }
    County county;
    county.code = row.code;
    county.name = row.name;
    county.prefecture_code = row.prefecture_code;
    county.jurisdiction = jurisdictions[j->second].code;
    county.lat = row.lat;
    county.lon = row.lon;
    if (const auto o = spec.county_government_overrides.find(row.code);
        o != spec.county_government_overrides.end()) {
      county.government = o->second;
    } else {
      county.government = spec.county_government_format;
      county.government.replace(county.government.find("{name}"), 6, row.name);
    }
    jurisdictions[j->second].counties.push_back(row.code);
    counties.push_back(std::move(county));
  }
  for (const auto& [code, name] : spec.county_government_overrides) {
    if (!seen.contains(code)) {
      return MakeError("unknown_code", "counties.government_names." + Str(code),
                       Str(code) + " is not a county of " + spec.counties_file);
    }
    if (name.empty()) {
      return MakeError("missing_field", "counties.government_names." + Str(code),
                       "must not be empty");
    }
  }
  for (std::size_t i = 0; i < jurisdictions.size(); ++i) {
    if (jurisdictions[i].counties.empty()) {
      return MakeError(
          "uncovered", "jurisdictions[" + std::to_string(i) + "]",
          jurisdictions[i].name + " has no county-level unit in " + spec.counties_file);
    }
  }
  return counties;
}

template <typename Info, std::size_t N>
Status CheckNamedEntries(const std::vector<Info>& entries,
                         const std::array<std::string_view, N>& fixed, const std::string& section) {
  std::set<std::string> seen;
  for (const Info& e : entries) {
    const std::string place = section + "." + e.name;
    if (!IsOneOf(fixed, e.name)) {
      return MakeError("unknown_name", place,
                       "'" + e.name + "' is not one of the names fixed by the message contract");
    }
    if (!seen.insert(e.name).second) {
      return MakeError("duplicate", place, "'" + e.name + "' is listed twice");
    }
    if (auto s = CheckNonEmpty(e.display_name, place + ".display_name"); !s) return s;
  }
  for (std::string_view name : fixed) {
    if (!seen.contains(std::string(name))) {
      return MakeError("missing_field", section + "." + std::string(name),
                       "every name of the message contract needs an entry");
    }
  }
  return OkStatus();
}

Status CheckChannels(const std::vector<ChannelInfo>& channels) {
  if (auto s = CheckNamedEntries(channels, kChannelNames, "channels"); !s) return s;
  for (const ChannelInfo& c : channels) {
    if (c.citizen && c.group) {
      return MakeError("invalid_value", "channels." + c.name,
                       "a channel cannot be both a citizen and a group channel");
    }
    if (!c.platforms.empty() && !c.citizen) {
      return MakeError("invalid_value", "channels." + c.name + ".platforms",
                       "only citizen channels have report platforms");
    }
  }
  return OkStatus();
}

Status CheckGroups(const CampaignSpec& spec, const std::set<DivisionCode>& jurisdiction_codes) {
  const GroupRules& rules = spec.group_rules;
  if (rules.min_jurisdictions_per_group < 1 ||
      rules.max_jurisdictions_per_group < rules.min_jurisdictions_per_group) {
    return MakeError("invalid_value", "group_rules",
                     "need 1 <= min_jurisdictions_per_group <= max_jurisdictions_per_group");
  }
  if (spec.groups.empty()) return MakeError("missing_field", "groups", "a campaign has groups");
  std::set<std::string> ids;
  for (const Group& g : spec.groups) {
    const std::string place = "groups." + g.id;
    if (auto s = CheckNonEmpty(g.id, "groups"); !s) return s;
    if (!ids.insert(g.id).second) return MakeError("duplicate", place, g.id + " is listed twice");
    if (auto s = CheckNonEmpty(g.name, place + ".name"); !s) return s;
    if (g.min_members < 1) {
      return MakeError("invalid_value", place + ".min_members", "must be at least 1");
    }
    if (g.kind == GroupKind::kCovert && g.home_jurisdictions.empty()) {
      return MakeError("missing_field", place + ".home_jurisdictions",
                       "a covert group needs the jurisdictions its staff come from");
    }
    if (g.kind == GroupKind::kSupervision && !g.home_jurisdictions.empty()) {
      return MakeError("invalid_value", place + ".home_jurisdictions",
                       "only covert groups have home jurisdictions");
    }
    for (DivisionCode code : g.home_jurisdictions) {
      if (!jurisdiction_codes.contains(code)) {
        return MakeError("unknown_code", place + ".home_jurisdictions",
                         Str(code) + " is not a campaign jurisdiction");
      }
    }
  }
  return OkStatus();
}

Status CheckAssignments(const CampaignSpec& spec,
                        const std::set<DivisionCode>& jurisdiction_codes) {
  const int round_count = static_cast<int>(spec.rounds.size());
  const auto min = spec.group_rules.min_jurisdictions_per_group;
  const auto max = spec.group_rules.max_jurisdictions_per_group;
  std::map<std::string, const Group*> groups;
  for (const Group& g : spec.groups) groups[g.id] = &g;
  std::set<std::pair<std::string, int>> seen;
  // (kind, round, jurisdiction) -> the group already covering it.
  std::map<std::tuple<GroupKind, int, DivisionCode>, std::string> covered;
  for (const RoundAssignment& a : spec.assignments) {
    const std::string place = GroupPlace(a);
    const auto g = groups.find(a.group_id);
    if (g == groups.end()) return MakeError("unknown_name", place, a.group_id + " is not a group");
    const Group& group = *g->second;
    if (a.round < 1 || a.round > round_count) {
      return MakeError("unknown_name", place,
                       "round " + std::to_string(a.round) + " is not a round of the campaign");
    }
    if (!seen.insert({a.group_id, a.round}).second) {
      return MakeError("duplicate", place, "round assigned twice");
    }
    for (DivisionCode code : a.jurisdictions) {
      if (!jurisdiction_codes.contains(code)) {
        return MakeError("unknown_code", place, Str(code) + " is not a campaign jurisdiction");
      }
      if (group.kind == GroupKind::kCovert &&
          std::find(group.home_jurisdictions.begin(), group.home_jurisdictions.end(), code) !=
              group.home_jurisdictions.end()) {
        return MakeError("own_jurisdiction", place,
                         group.id + " would inspect " + Str(code) +
                             ", one of its home jurisdictions; covert groups cross-inspect");
      }
      auto [it, inserted] = covered.try_emplace({group.kind, a.round, code}, group.id);
      if (!inserted) {
        return MakeError("duplicate", place,
                         Str(code) + " is already assigned to " + it->second + " in round " +
                             std::to_string(a.round));
      }
    }
    const auto size = static_cast<int>(a.jurisdictions.size());
    if (size < min || size > max) {
      return MakeError("invalid_value", place,
                       group.id + " has " + std::to_string(size) + " jurisdictions in round " +
                           std::to_string(a.round) + "; a group covers " + std::to_string(min) +
                           " to " + std::to_string(max));
    }
  }
  for (const Group& g : spec.groups) {
    for (int r = 1; r <= round_count; ++r) {
      if (!seen.contains({g.id, r})) {
        return MakeError("missing_field", "groups." + g.id + ".rounds." + std::to_string(r),
                         g.id + " has no assignment for round " + std::to_string(r));
      }
    }
  }
  // Every jurisdiction is inspected in every round, once by each kind of group that exists.
  for (const GroupKind kind : {GroupKind::kSupervision, GroupKind::kCovert}) {
    const bool any = std::any_of(spec.groups.begin(), spec.groups.end(),
                                 [kind](const Group& g) { return g.kind == kind; });
    if (!any) continue;
    const char* kind_name = kind == GroupKind::kSupervision ? "supervision" : "covert";
    for (int r = 1; r <= round_count; ++r) {
      for (const Jurisdiction& j : spec.jurisdictions) {
        if (!covered.contains({kind, r, j.code})) {
          return MakeError("uncovered", "rounds[" + std::to_string(r - 1) + "]",
                           j.name + " (" + Str(j.code) + ") has no " + kind_name +
                               " group in round " + std::to_string(r));
        }
      }
    }
  }
  return OkStatus();
}

template <typename T>
const T* FindByName(const std::vector<T>& items, std::string_view name) {
  const auto it =
      std::find_if(items.begin(), items.end(), [name](const T& i) { return i.name == name; });
  return it == items.end() ? nullptr : &*it;
}

Status CheckKeyTasks(const KeyTaskPolicy& k) {
  const std::string path = "key_tasks";
  if (k.special_actions.empty()) {
    return MakeError("missing_field", path + ".special_actions", "at least one special action");
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < k.special_actions.size(); ++i) {
    const std::string& a = k.special_actions[i];
    const std::string place = path + ".special_actions[" + std::to_string(i) + "]";
    if (!IsCategoryName(a)) {
      return MakeError("unknown_name", place, "'" + a + "' is not a category of the contract");
    }
    if (!seen.insert(a).second) return MakeError("duplicate", place, "'" + a + "' twice");
  }
  if (!(k.lag_tolerance >= 0.0 && k.lag_tolerance < 1.0)) {
    return MakeError("invalid_value", path + ".lag_tolerance", "must be in [0, 1)");
  }
  if (k.grace_working_days < 0) {
    return MakeError("invalid_value", path + ".grace_working_days", "must not be negative");
  }
  if (!IsSeverityName(k.lag_severity)) {
    return MakeError("unknown_name", path + ".lag_severity",
                     "'" + k.lag_severity + "' is not a severity of the contract");
  }
  return OkStatus();
}

}  // namespace

bool KeyTaskPolicy::IsSpecialAction(std::string_view category) const {
  return std::find(special_actions.begin(), special_actions.end(), category) !=
         special_actions.end();
}

Result<Campaign> Campaign::Create(CampaignSpec spec) {
  if (auto s = CheckInfo(spec.info, spec.province); !s) return s.error();
  auto calendar = Calendar::Create(std::move(spec.calendar));
  if (!calendar) return calendar.error();
  if (auto s = CheckRounds(spec.rounds, *calendar); !s) return s.error();
  if (auto s = CheckJurisdictions(spec.jurisdictions, spec.province.code); !s) return s.error();
  std::vector<Jurisdiction> jurisdictions = spec.jurisdictions;
  auto counties = BuildCounties(spec, jurisdictions);
  if (!counties) return counties.error();
  spec.jurisdictions = std::move(jurisdictions);
  if (auto s = CheckChannels(spec.channels); !s) return s.error();
  if (auto s = CheckNamedEntries(spec.categories, kCategoryNames, "categories"); !s) {
    return s.error();
  }
  if (auto s = CheckNamedEntries(spec.severities, kSeverityNames, "severities"); !s) {
    return s.error();
  }
  std::set<DivisionCode> jurisdiction_codes;
  for (const Jurisdiction& j : spec.jurisdictions) jurisdiction_codes.insert(j.code);
  if (auto s = CheckGroups(spec, jurisdiction_codes); !s) return s.error();
  if (auto s = CheckAssignments(spec, jurisdiction_codes); !s) return s.error();
  if (auto s = CheckKeyTasks(spec.key_tasks); !s) return s.error();
  auto policy = DeadlinePolicy::Create(std::move(spec.deadline_policy));
  if (!policy) return policy.error();
  return Campaign(std::move(spec), std::move(*counties), std::move(*calendar), std::move(*policy));
}

Campaign::Campaign(CampaignSpec spec, std::vector<County> counties, Calendar calendar,
                   DeadlinePolicy policy)
    : info_(std::move(spec.info)),
      province_(std::move(spec.province)),
      rounds_(std::move(spec.rounds)),
      jurisdictions_(std::move(spec.jurisdictions)),
      counties_(std::move(counties)),
      group_rules_(std::move(spec.group_rules)),
      groups_(std::move(spec.groups)),
      assignments_(std::move(spec.assignments)),
      channels_(std::move(spec.channels)),
      categories_(std::move(spec.categories)),
      severities_(std::move(spec.severities)),
      calendar_(std::move(calendar)),
      policy_(std::move(policy)),
      key_tasks_(std::move(spec.key_tasks)) {
  for (std::size_t i = 0; i < jurisdictions_.size(); ++i) {
    jurisdiction_index_[jurisdictions_[i].code] = i;
  }
  for (std::size_t i = 0; i < counties_.size(); ++i) county_index_[counties_[i].code] = i;
  for (const RoundAssignment& a : assignments_) {
    const Group* g = FindGroup(a.group_id);
    const auto gi = static_cast<std::size_t>(g - groups_.data());
    for (DivisionCode code : a.jurisdictions) group_by_round_[{g->kind, a.round, code}] = gi;
  }
}

const Jurisdiction* Campaign::FindJurisdiction(DivisionCode code) const {
  const auto it = jurisdiction_index_.find(code);
  return it == jurisdiction_index_.end() ? nullptr : &jurisdictions_[it->second];
}

const County* Campaign::FindCounty(DivisionCode code) const {
  const auto it = county_index_.find(code);
  return it == county_index_.end() ? nullptr : &counties_[it->second];
}

std::optional<DivisionCode> Campaign::JurisdictionOf(DivisionCode code) const {
  if (IsCity(code)) return code;
  if (const County* c = FindCounty(code)) return c->jurisdiction;
  return std::nullopt;
}

std::span<const DivisionCode> Campaign::CountiesOf(DivisionCode jurisdiction) const {
  const Jurisdiction* j = FindJurisdiction(jurisdiction);
  if (j == nullptr) return {};
  return j->counties;
}

std::optional<std::string_view> Campaign::NameOf(DivisionCode code) const {
  if (const County* c = FindCounty(code)) return c->name;
  if (const Jurisdiction* j = FindJurisdiction(code)) return j->name;
  return std::nullopt;
}

std::optional<std::string_view> Campaign::GovernmentOf(DivisionCode code) const {
  if (const County* c = FindCounty(code)) return c->government;
  if (const Jurisdiction* j = FindJurisdiction(code)) return j->government;
  return std::nullopt;
}

std::optional<std::string_view> Campaign::BureauFor(DivisionCode code) const {
  const auto j = JurisdictionOf(code);
  if (!j) return std::nullopt;
  return FindJurisdiction(*j)->bureau;
}

std::optional<Round> Campaign::RoundAt(Day day) const {
  for (const Round& r : rounds_) {
    if (r.Contains(day)) return r;
  }
  return std::nullopt;
}

const Round* Campaign::FindRound(int number) const {
  if (number < 1 || number > static_cast<int>(rounds_.size())) return nullptr;
  return &rounds_[static_cast<std::size_t>(number - 1)];
}

const Group* Campaign::FindGroup(std::string_view id) const {
  const auto it =
      std::find_if(groups_.begin(), groups_.end(), [id](const Group& g) { return g.id == id; });
  return it == groups_.end() ? nullptr : &*it;
}

std::optional<std::string_view> Campaign::GroupFor(GroupKind kind, DivisionCode code,
                                                   Day day) const {
  const auto round = RoundAt(day);
  const auto jurisdiction = JurisdictionOf(code);
  if (!round || !jurisdiction) return std::nullopt;
  const auto it = group_by_round_.find({kind, round->number, *jurisdiction});
  if (it == group_by_round_.end()) return std::nullopt;
  return groups_[it->second].id;
}

std::optional<std::string_view> Campaign::SupervisionGroupFor(DivisionCode code, Day day) const {
  return GroupFor(GroupKind::kSupervision, code, day);
}

std::optional<std::string_view> Campaign::CovertGroupFor(DivisionCode code, Day day) const {
  return GroupFor(GroupKind::kCovert, code, day);
}

std::span<const DivisionCode> Campaign::JurisdictionsOf(std::string_view group_id,
                                                        int round) const {
  for (const RoundAssignment& a : assignments_) {
    if (a.group_id == group_id && a.round == round) return a.jurisdictions;
  }
  return {};
}

const ChannelInfo* Campaign::FindChannel(std::string_view name) const {
  return FindByName(channels_, name);
}

const CategoryInfo* Campaign::FindCategory(std::string_view name) const {
  return FindByName(categories_, name);
}

const SeverityInfo* Campaign::FindSeverity(std::string_view name) const {
  return FindByName(severities_, name);
}

}  // namespace ducha::campaign
