#pragma once
// A campaign's reference data (who is inspected, by which group, in which round, on which working
// days, with which deadlines) and the queries every service asks of it. The data is versioned
// campaign data read from deploy/campaigns/<id>/ by LoadCampaign (loader.h), never code.
//
// Lifecycle: built once at start-up by Campaign::Create, which validates the whole spec and
// builds the indexes; immutable afterwards. Thread-safety: every method is const and pure, so
// any number of threads may query one Campaign concurrently.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/base/result.h"
#include "common/campaign/calendar.h"
#include "common/campaign/deadline_policy.h"

namespace ducha::campaign {

// A GB/T 2260 administrative division code (130102), or a campaign-local code for an area that had
// none (雄安新区 in 2017).
using DivisionCode = std::int32_t;

struct CampaignInfo {
  std::string id;              // "hebei-2017-2018"
  std::string name;            // The campaign's official Chinese name.
  std::string source;          // The document the campaign comes from.
  int version = 0;             // Bumped on any change to the campaign's files.
  int utc_offset_minutes = 0;  // The zone all Day values are in.
};

struct Bounds {
  double lat_min = 0;
  double lat_max = 0;
  double lon_min = 0;
  double lon_max = 0;

  bool Contains(double lat, double lon) const {
    return lat >= lat_min && lat <= lat_max && lon >= lon_min && lon <= lon_max;
  }
};

struct Province {
  DivisionCode code = 0;
  std::string name;
  Bounds bounds;  // Rough box for plausibility checks of reported locations.
};

struct Round {
  int number = 0;  // 1-based, consecutive.
  Day from = 0;    // Inclusive.
  Day to = 0;      // Inclusive.

  bool Contains(Day day) const { return day >= from && day <= to; }
};

// A campaign jurisdiction: one of the units problems are aggregated and assigned by (a prefecture
// city, a directly administered county-level city, or a new area).
struct Jurisdiction {
  DivisionCode code = 0;
  std::string name;        // 石家庄市
  std::string bureau;      // 石家庄市环境保护局: receives citizen reports to verify.
  std::string government;  // 石家庄市人民政府
  bool campaign_local_code = false;  // True when `code` is not a GB/T 2260 code.
  std::string note;
  std::vector<DivisionCode>
      counties;  // Filled by Campaign::Create from the county file, in file order.
};

// A county-level unit (县/市/区).
struct County {
  DivisionCode code = 0;
  std::string name;                  // 长安区
  DivisionCode prefecture_code = 0;  // Administrative parent; not always the jurisdiction.
  DivisionCode jurisdiction = 0;     // The campaign jurisdiction it belongs to.
  std::string government;            // 长安区人民政府
  double lat = 0;                    // Approximate county seat.
  double lon = 0;
};

// A county row as read from the county file, before its jurisdiction name is resolved.
struct CountyRow {
  int line = 0;  // 1-based line in the county file, for error messages.
  DivisionCode code = 0;
  std::string name;
  DivisionCode prefecture_code = 0;
  std::string jurisdiction_name;
  double lat = 0;
  double lon = 0;
};

enum class GroupKind { kSupervision, kCovert };

struct Group {
  std::string id;  // SG1..SG6, CG1..CG6
  GroupKind kind = GroupKind::kSupervision;
  std::string name;  // 第一督察组
  int min_members = 0;
  // Covert groups only: the jurisdictions whose enforcement staff form the group; the group never
  // inspects them (交叉互查).
  std::vector<DivisionCode> home_jurisdictions;
};

// The jurisdictions one group is stationed in during one round.
struct RoundAssignment {
  std::string group_id;
  int round = 0;
  std::vector<DivisionCode> jurisdictions;
};

struct GroupRules {
  int min_jurisdictions_per_group = 0;
  int max_jurisdictions_per_group = 0;
  bool assignments_are_illustrative = false;
  std::string note;
};

struct ChannelInfo {
  std::string name;          // A name from kChannelNames.
  std::string display_name;  // 群众网络举报
  bool citizen = false;      // Reports go to the city bureau for verification before rectification.
  bool group = false;        // Findings of a group: group_id and round are required.
  std::vector<std::string> platforms;  // Known web platforms (citizen_web).
};

struct CategoryInfo {
  std::string name;
  std::string display_name;
};

struct SeverityInfo {
  std::string name;
  std::string display_name;
};

// The air office's key-task lists (任务清单): which categories are special actions a task may
// belong to, and when a task counts as behind. A task is behind on a day when its reported
// progress is below (1 - lag_tolerance) of its expected progress, once grace_working_days have
// passed since its start; it then becomes a problem of channel key_task with lag_severity.
struct KeyTaskPolicy {
  std::vector<std::string> special_actions;  // category names
  double lag_tolerance = 0.1;                // 0 <= t < 1
  int grace_working_days = 0;
  std::string lag_severity;  // a severity name
  bool IsSpecialAction(std::string_view category) const;
};

// Everything a campaign's files say, as parsed and before cross-checks. Campaign::Create validates
// it; error fields name the place in campaign.json or the county file.
struct CampaignSpec {
  CampaignInfo info;
  Province province;
  std::vector<Round> rounds;
  std::vector<Jurisdiction> jurisdictions;
  std::string counties_file;  // File name, for error messages.
  std::vector<CountyRow> county_rows;
  std::string county_government_format;  // "{name}人民政府"
  std::map<DivisionCode, std::string> county_government_overrides;
  GroupRules group_rules;
  std::vector<Group> groups;
  std::vector<RoundAssignment> assignments;
  std::vector<ChannelInfo> channels;
  std::vector<CategoryInfo> categories;
  std::vector<SeverityInfo> severities;
  CalendarSpec calendar;
  DeadlinePolicySpec deadline_policy;
  KeyTaskPolicy key_tasks;
};

class Campaign {
 public:
  static Result<Campaign> Create(CampaignSpec spec);

  const CampaignInfo& info() const { return info_; }
  const Province& province() const { return province_; }
  const std::vector<Round>& rounds() const { return rounds_; }
  const std::vector<Jurisdiction>& jurisdictions() const { return jurisdictions_; }
  const std::vector<County>& counties() const { return counties_; }
  const GroupRules& group_rules() const { return group_rules_; }
  const std::vector<Group>& groups() const { return groups_; }
  const std::vector<RoundAssignment>& assignments() const { return assignments_; }
  const std::vector<ChannelInfo>& channels() const { return channels_; }
  const std::vector<CategoryInfo>& categories() const { return categories_; }
  const std::vector<SeverityInfo>& severities() const { return severities_; }
  const Calendar& calendar() const { return calendar_; }
  const DeadlinePolicy& policy() const { return policy_; }
  const KeyTaskPolicy& key_tasks() const { return key_tasks_; }

  // Places. A code is known when it is a campaign jurisdiction or a county-level unit (the
  // province's own code is not: nothing is assigned to the province). 定州 and 辛集 are both.
  bool IsKnownCode(DivisionCode code) const { return IsCity(code) || IsCounty(code); }
  bool IsCity(DivisionCode code) const { return jurisdiction_index_.contains(code); }
  bool IsCounty(DivisionCode code) const { return county_index_.contains(code); }
  const Jurisdiction* FindJurisdiction(DivisionCode code) const;
  const County* FindCounty(DivisionCode code) const;
  // The campaign jurisdiction of a county or city code (itself for a city); none if unknown.
  // 雄县 (130638) gives 雄安新区 (133100), not its administrative parent 保定市.
  std::optional<DivisionCode> JurisdictionOf(DivisionCode code) const;
  // The county-level units of a jurisdiction, in file order; empty if unknown.
  std::span<const DivisionCode> CountiesOf(DivisionCode jurisdiction) const;
  std::optional<std::string_view> NameOf(DivisionCode code) const;
  // The government a problem at `code` is assigned to: the county's for a county code, the
  // jurisdiction's for a city code.
  std::optional<std::string_view> GovernmentOf(DivisionCode code) const;
  // The city environmental bureau responsible for `code` (the jurisdiction's bureau).
  std::optional<std::string_view> BureauFor(DivisionCode code) const;
  bool InsideProvince(double lat, double lon) const { return province_.bounds.Contains(lat, lon); }

  // Rounds and groups. None between rounds.
  std::optional<Round> RoundAt(Day day) const;
  const Round* FindRound(int number) const;
  const Group* FindGroup(std::string_view id) const;
  // The group stationed in the jurisdiction of `code` (county or city) on `day`.
  std::optional<std::string_view> SupervisionGroupFor(DivisionCode code, Day day) const;
  std::optional<std::string_view> CovertGroupFor(DivisionCode code, Day day) const;
  // The jurisdictions of a group in a round; empty if the group or round is unknown.
  std::span<const DivisionCode> JurisdictionsOf(std::string_view group_id, int round) const;

  // Names fixed by the contract, with the campaign's display names; null if unknown.
  const ChannelInfo* FindChannel(std::string_view name) const;
  const CategoryInfo* FindCategory(std::string_view name) const;
  const SeverityInfo* FindSeverity(std::string_view name) const;

 private:
  Campaign(CampaignSpec spec, std::vector<County> counties, Calendar calendar,
           DeadlinePolicy policy);

  std::optional<std::string_view> GroupFor(GroupKind kind, DivisionCode code, Day day) const;

  CampaignInfo info_;
  Province province_;
  std::vector<Round> rounds_;
  std::vector<Jurisdiction> jurisdictions_;
  std::vector<County> counties_;
  GroupRules group_rules_;
  std::vector<Group> groups_;
  std::vector<RoundAssignment> assignments_;
  std::vector<ChannelInfo> channels_;
  std::vector<CategoryInfo> categories_;
  std::vector<SeverityInfo> severities_;
  Calendar calendar_;
  DeadlinePolicy policy_;
  KeyTaskPolicy key_tasks_;

  std::unordered_map<DivisionCode, std::size_t> jurisdiction_index_;
  std::unordered_map<DivisionCode, std::size_t> county_index_;
  // (kind, round, jurisdiction) -> index into groups_.
  std::map<std::tuple<GroupKind, int, DivisionCode>, std::size_t> group_by_round_;
};

}  // namespace ducha::campaign
