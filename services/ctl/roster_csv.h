#pragma once
// A group's roster (督察组人员名单) as a CSV file, read into dispatch.submit_roster's members:
//
//   member_id,name,home_unit,unit_type,home_city,role      the header (any order, all required)
//   P1001,张三,省环保厅大气处,environment_department,130000,组长
//
// role is leader, deputy, member or aggregator, or 组长, 副组长, 组员, 专人汇总; home_city is the
// campaign jurisdiction's code, or 130000 for a provincial unit. Every bad row is reported with
// its line. Whether the roster keeps the campaign's rules is dispatch's to decide. Pure.

#include <string_view>
#include <vector>

#include "proto/dispatch.h"
#include "services/ctl/problem_list_csv.h"

namespace ducha::ctl {

struct RosterCsv {
  std::vector<proto::dispatch::RosterMember> members;
  std::vector<ListProblem> problems;
};

RosterCsv ParseRosterCsv(std::string_view text);

}  // namespace ducha::ctl
