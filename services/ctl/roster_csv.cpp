#include "services/ctl/roster_csv.h"

#include <algorithm>
#include <map>
#include <optional>

#include "services/ctl/csv.h"

namespace ducha::ctl {
namespace {

namespace pd = proto::dispatch;

const std::vector<std::string> kColumns = {"member_id", "name",      "home_unit",
                                           "unit_type", "home_city", "role"};

std::optional<pd::MemberRole> Role(const std::string& v) {
  if (auto r = pd::ParseMemberRole(v)) return r;
  static const std::map<std::string, pd::MemberRole> kChinese = {
      {"组长", pd::MemberRole::kLeader},
      {"副组长", pd::MemberRole::kDeputy},
      {"组员", pd::MemberRole::kMember},
      {"成员", pd::MemberRole::kMember},
      {"专人汇总", pd::MemberRole::kAggregator}};
  const auto it = kChinese.find(v);
  if (it == kChinese.end()) return std::nullopt;
  return it->second;
}

}  // namespace

RosterCsv ParseRosterCsv(std::string_view text) {
  RosterCsv out;
  const CsvText csv = ReadCsv(text);
  if (csv.records.empty()) {
    out.problems.push_back({1, "the file holds no header and no rows"});
    return out;
  }
  const CsvRecord& head = csv.records.front();
  const CsvHeader header = ReadHeader(head, kColumns, {});
  if (!header.problem.empty()) {
    out.problems.push_back({head.line, "header: " + header.problem});
    return out;
  }
  for (std::size_t r = 1; r < csv.records.size(); ++r) {
    CsvRow in(head, csv.records[r], header);
    if (in.bad_shape()) {
      out.problems.push_back({in.line(), in.problems()});
      continue;
    }
    auto get = [&](const std::string& k) { return in.Get(k); };
    in.RequireNonEmpty(kColumns);
    pd::RosterMember m;
    m.member_id = get("member_id");
    m.name = get("name");
    m.home_unit = get("home_unit");
    m.unit_type = get("unit_type");
    m.home_city = get("home_city");
    if (const std::string role = get("role"); !role.empty()) {
      if (auto parsed = Role(role)) {
        m.role = *parsed;
      } else {
        in.Problem("role '" + role +
                   "' is not leader, deputy, member or aggregator (组长, 副组长, 组员, 专人汇总)");
      }
    }
    if (!in.problems().empty()) {
      out.problems.push_back({in.line(), in.problems()});
      continue;
    }
    out.members.push_back(std::move(m));
  }
  if (csv.unterminated_quote_line > 0) {
    out.problems.push_back({csv.unterminated_quote_line, "a quoted field is never closed"});
  }
  return out;
}

}  // namespace ducha::ctl
