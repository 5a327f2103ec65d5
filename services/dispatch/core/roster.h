#pragma once
// Group rosters (督察组人员名单) and their logistics, checked against the campaign (pure: no
// sockets, no SQL). The rules' numbers are campaign data: each group's minimum size is in
// campaign.json (min_members); the unit types members may come from, the leader and aggregator
// counts, the meal allowance and the vehicles are in the campaign's rosters.json.
//
// A roster that breaks a rule is refused with an error naming the rule (the error code) and the
// member (the field, members[i], and the member's id in the message):
//   too_few_members       fewer members than the group's minimum
//   unknown_unit_type     a unit type the rules do not list
//   unit_type_not_allowed a unit type the rules do not allow for this kind of group
//   leaders               not exactly the rules' number of leaders
//   no_aggregator         fewer aggregators (专人汇总) than the rules ask for
//   home_city             a member inspecting their home city this round (回避)
//   member_repeated       a member listed twice on the roster
//   not_stationed         the group has no assignment in that round
// (A member listed by two groups of the same round is the store's check: it spans rosters.)

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/base/time.h"
#include "common/campaign/campaign.h"
#include "proto/dispatch.h"

namespace ducha::dispatch {

struct UnitType {
  std::string display_name;
  std::vector<campaign::GroupKind> groups;  // the kinds of group it may staff
};

class RosterRules {
 public:
  static Result<RosterRules> Parse(std::string_view json_text);
  static Result<RosterRules> Load(const std::string& path);

  int version() const { return version_; }
  const std::map<std::string, UnitType>& unit_types() const { return unit_types_; }
  int leaders() const { return leaders_; }
  int min_aggregators() const { return min_aggregators_; }
  const std::string& provincial_unit_city() const { return provincial_unit_city_; }
  int meal_allowance_yuan_per_person_day() const { return meal_allowance_; }
  int vehicles_per_group() const { return vehicles_per_group_; }

 private:
  int version_ = 0;
  std::map<std::string, UnitType> unit_types_;
  int leaders_ = 1;
  int min_aggregators_ = 1;
  std::string provincial_unit_city_;
  int meal_allowance_ = 0;
  int vehicles_per_group_ = 0;
};

struct Logistics {
  std::int64_t members = 0;
  std::int64_t vehicles = 0;
  std::int64_t days_stationed = 0;
  std::int64_t meal_allowance_yuan = 0;  // members × days × the daily rate
  std::int64_t meal_rate_yuan = 0;       // the daily rate per person (元/人/天)
  proto::dispatch::RoleCounts roles;     // members per role: counts, never who
};

// Checks the roster against the campaign and the rules; returns its logistics.
Result<Logistics> CheckRoster(const campaign::Campaign& campaign, const RosterRules& rules,
                              const proto::dispatch::SubmitRoster& roster);

// The event of a stored roster (dispatch.roster_registered): the group, round, version and the
// logistics — counts only. Members' personal details (names, units, ids) are restricted and
// this is where they stay behind: nothing of a member is copied.
proto::dispatch::RosterRegistered MakeRosterRegistered(const proto::dispatch::SubmitRoster& roster,
                                                       const Logistics& logistics,
                                                       std::int64_t version,
                                                       timeutil::Millis registered_at);

}  // namespace ducha::dispatch
