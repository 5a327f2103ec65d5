#include "services/dispatch/core/roster.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace ducha::dispatch {
namespace {

namespace pd = proto::dispatch;
using Json = nlohmann::ordered_json;

Result<int> Count(const Json& j, const std::string& key, int min, int max) {
  if (!j.contains(key)) return MakeError("missing_field", key, key + " is missing");
  if (!j.at(key).is_number_integer() || j.at(key).get<long long>() < min ||
      j.at(key).get<long long>() > max) {
    return MakeError(
        "invalid_value", key,
        key + " must be a whole number " + std::to_string(min) + ".." + std::to_string(max));
  }
  return static_cast<int>(j.at(key).get<long long>());
}

std::string Who(const pd::RosterMember& m) { return m.member_id + " (" + m.home_unit + ")"; }

Error Broken(const std::string& code, std::size_t index, const std::string& message) {
  return MakeError(code, "members[" + std::to_string(index) + "]", message);
}

}  // namespace

Result<RosterRules> RosterRules::Parse(std::string_view json_text) {
  Json j;
  try {
    j = Json::parse(json_text);
  } catch (const std::exception& e) {
    return MakeError("malformed", "", std::string("the roster rules are not JSON: ") + e.what());
  }
  if (!j.is_object()) return MakeError("malformed", "", "the roster rules must be an object");
  RosterRules r;
  auto version = Count(j, "version", 1, 1000000);
  if (!version) return version.error();
  r.version_ = *version;
  if (!j.contains("unit_types") || !j["unit_types"].is_object() || j["unit_types"].empty()) {
    return MakeError("missing_field", "unit_types", "unit_types is missing or empty");
  }
  for (const auto& [name, t] : j["unit_types"].items()) {
    const std::string where = "unit_types." + name;
    if (!t.is_object() || !t.contains("display_name") || !t["display_name"].is_string() ||
        !t.contains("groups") || !t["groups"].is_array() || t["groups"].empty()) {
      return MakeError("invalid_value", where, where + " needs display_name and groups");
    }
    UnitType u;
    u.display_name = t["display_name"].get<std::string>();
    for (const auto& g : t["groups"]) {
      const std::string kind = g.is_string() ? g.get<std::string>() : "";
      if (kind == "supervision") {
        u.groups.push_back(campaign::GroupKind::kSupervision);
      } else if (kind == "covert") {
        u.groups.push_back(campaign::GroupKind::kCovert);
      } else {
        return MakeError("invalid_value", where + ".groups",
                         "groups are supervision or covert, not '" + kind + "'");
      }
    }
    r.unit_types_.emplace(name, std::move(u));
  }
  auto leaders = Count(j, "leaders", 1, 10);
  if (!leaders) return leaders.error();
  r.leaders_ = *leaders;
  auto aggregators = Count(j, "min_aggregators", 0, 10);
  if (!aggregators) return aggregators.error();
  r.min_aggregators_ = *aggregators;
  auto meal = Count(j, "meal_allowance_yuan_per_person_day", 0, 10000);
  if (!meal) return meal.error();
  r.meal_allowance_ = *meal;
  auto vehicles = Count(j, "vehicles_per_group", 0, 50);
  if (!vehicles) return vehicles.error();
  r.vehicles_per_group_ = *vehicles;
  if (!j.contains("provincial_unit_city") || !j["provincial_unit_city"].is_string()) {
    return MakeError("missing_field", "provincial_unit_city", "provincial_unit_city is missing");
  }
  r.provincial_unit_city_ = j["provincial_unit_city"].get<std::string>();
  return r;
}

Result<RosterRules> RosterRules::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return MakeError("io_error", "", "cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  auto r = Parse(text.str());
  if (!r) return MakeError(r.error().code, r.error().field, path + ": " + r.error().message);
  return r;
}

Result<Logistics> CheckRoster(const campaign::Campaign& c, const RosterRules& rules,
                              const pd::SubmitRoster& roster) {
  const campaign::Group* group = c.FindGroup(roster.group_id);
  if (!group) {
    return MakeError("unknown_group", "group_id",
                     "'" + roster.group_id + "' is not a group of the campaign");
  }
  const campaign::Round* round = c.FindRound(static_cast<int>(roster.round));
  const auto inspected = c.JurisdictionsOf(roster.group_id, static_cast<int>(roster.round));
  if (!round || inspected.empty()) {
    return MakeError("not_stationed", "round",
                     group->name + " has no assignment in round " + std::to_string(roster.round));
  }
  if (static_cast<int>(roster.members.size()) < group->min_members) {
    return MakeError("too_few_members", "members",
                     group->name + " needs at least " + std::to_string(group->min_members) +
                         " members; the roster has " + std::to_string(roster.members.size()));
  }
  std::set<std::string> ids;
  int leaders = 0;
  int aggregators = 0;
  for (std::size_t i = 0; i < roster.members.size(); ++i) {
    const pd::RosterMember& m = roster.members[i];
    if (!ids.insert(m.member_id).second) {
      return Broken("member_repeated", i, "member " + m.member_id + " is listed twice");
    }
    const auto unit = rules.unit_types().find(m.unit_type);
    if (unit == rules.unit_types().end()) {
      std::string known;
      for (const auto& [name, unused] : rules.unit_types())
        known += (known.empty() ? "" : ", ") + name;
      return Broken(
          "unknown_unit_type", i,
          "member " + Who(m) + ": unit type '" + m.unit_type + "' is not one of " + known);
    }
    if (std::find(unit->second.groups.begin(), unit->second.groups.end(), group->kind) ==
        unit->second.groups.end()) {
      return Broken(
          "unit_type_not_allowed", i,
          "member " + Who(m) + ": " + unit->second.display_name + " does not staff " +
              (group->kind == campaign::GroupKind::kCovert ? "covert groups (暗查组)"
                                                           : "supervision groups (督察组)"));
    }
    if (m.home_city != rules.provincial_unit_city()) {
      const auto city = std::stoi(m.home_city);
      if (!c.FindJurisdiction(city)) {
        return Broken("unknown_city", i,
                      "member " + Who(m) + ": home city " + m.home_city +
                          " is not a jurisdiction of the campaign (or " +
                          rules.provincial_unit_city() + " for a provincial unit)");
      }
      if (std::find(inspected.begin(), inspected.end(), city) != inspected.end()) {
        return Broken("home_city", i,
                      "member " + Who(m) + " would inspect their home city " +
                          std::string(c.NameOf(city).value_or(m.home_city)) + " in round " +
                          std::to_string(roster.round) + " (回避)");
      }
    }
    if (m.role == pd::MemberRole::kLeader) ++leaders;
    if (m.role == pd::MemberRole::kAggregator) ++aggregators;
  }
  pd::RoleCounts roles;
  for (const pd::RosterMember& m : roster.members) {
    switch (m.role) {
      case pd::MemberRole::kLeader:
        ++roles.leader;
        break;
      case pd::MemberRole::kDeputy:
        ++roles.deputy;
        break;
      case pd::MemberRole::kMember:
        ++roles.member;
        break;
      case pd::MemberRole::kAggregator:
        ++roles.aggregator;
        break;
    }
  }
  if (leaders != rules.leaders()) {
    return MakeError("leaders", "members",
                     group->name + " needs " + std::to_string(rules.leaders()) +
                         " leader(s) (组长); the roster has " + std::to_string(leaders));
  }
  if (aggregators < rules.min_aggregators()) {
    return MakeError("no_aggregator", "members",
                     group->name + " needs at least " + std::to_string(rules.min_aggregators()) +
                         " member(s) compiling the daily report (专人汇总); the roster has " +
                         std::to_string(aggregators));
  }
  Logistics l;
  l.members = static_cast<std::int64_t>(roster.members.size());
  l.vehicles = roster.vehicles;
  l.days_stationed = roster.days_stationed ? *roster.days_stationed : (round->to - round->from + 1);
  l.meal_rate_yuan = rules.meal_allowance_yuan_per_person_day();
  l.meal_allowance_yuan = l.members * l.days_stationed * l.meal_rate_yuan;
  l.roles = roles;
  return l;
}

pd::RosterRegistered MakeRosterRegistered(const pd::SubmitRoster& roster,
                                          const Logistics& logistics, std::int64_t version,
                                          timeutil::Millis registered_at) {
  pd::RosterRegistered e;
  e.group_id = roster.group_id;
  e.round = roster.round;
  e.version = version;
  e.members = logistics.members;
  e.roles = logistics.roles;
  e.vehicles = logistics.vehicles;
  e.days_stationed = logistics.days_stationed;
  e.meal_allowance_yuan = logistics.meal_allowance_yuan;
  e.meal_rate_yuan = logistics.meal_rate_yuan;
  e.registered_at = registered_at;
  return e;
}

}  // namespace ducha::dispatch
