#include "services/tracking/store/coverage.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <unordered_map>

#include "common/base/time.h"
#include "common/db/array.h"

namespace ducha::tracking {
namespace {

namespace pc = proto::common;
namespace pt = proto::tracking;

std::optional<campaign::DivisionCode> ParseCode(const std::string& s) {
  campaign::DivisionCode v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

std::vector<pc::Category> Tasks(const campaign::Campaign& campaign) {
  std::vector<pc::Category> tasks;
  for (const campaign::CategoryInfo& c : campaign.categories()) {
    if (auto cat = pc::ParseCategory(c.name)) tasks.push_back(*cat);
  }
  return tasks;
}

// "{a,b}" as text[] output → names.
std::vector<std::string> TextArray(const std::string& literal) {
  std::vector<std::string> out;
  if (literal.size() < 2) return out;
  std::string inner = literal.substr(1, literal.size() - 2);
  std::size_t start = 0;
  while (start < inner.size()) {
    std::size_t end = inner.find(',', start);
    if (end == std::string::npos) end = inner.size();
    out.push_back(inner.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

Result<pt::Coverage> Coverage(pqxx::transaction_base& tx, const campaign::Campaign& campaign,
                              int round) {
  if (!campaign.FindRound(round)) {
    return MakeError("unknown_round", "round",
                     "round " + std::to_string(round) + " is not a round of the campaign");
  }
  const std::vector<pc::Category> tasks = Tasks(campaign);

  struct Seen {
    int visits = 0;
    std::set<pc::Category> covered;
    std::set<std::string> groups;
  };
  std::unordered_map<campaign::DivisionCode, Seen> seen;
  for (const auto& row : tx.exec_params(
           "SELECT county, tasks, group_id FROM tracking.visit WHERE round = $1", round)) {
    Seen& s = seen[row[0].as<campaign::DivisionCode>()];
    ++s.visits;
    for (const std::string& t : TextArray(row[1].as<std::string>())) {
      if (auto cat = pc::ParseCategory(t)) s.covered.insert(*cat);
    }
    s.groups.insert(row[2].as<std::string>());
  }
  struct Rank {
    int rank = 0;
    bool priority = false;
  };
  std::unordered_map<campaign::DivisionCode, Rank> ranks;
  for (const auto& row : tx.exec("SELECT county, rank, priority FROM tracking.ranking")) {
    ranks[row[0].as<campaign::DivisionCode>()] = Rank{row[1].as<int>(), row[2].as<bool>()};
  }

  // Key-task completion of each county (tasks of a county-level unit; a city's own tasks are in
  // the task summary).
  struct Tasks {
    int count = 0;
    int behind = 0;
    double completion = 0;
  };
  std::unordered_map<campaign::DivisionCode, Tasks> key_tasks;
  for (const auto& row : tx.exec(
           "SELECT jurisdiction, least(completed / target, 1.0), lagging FROM tracking.key_task")) {
    Tasks& t = key_tasks[row[0].as<campaign::DivisionCode>()];
    ++t.count;
    t.completion += row[1].as<double>();
    t.behind += row[2].as<bool>() ? 1 : 0;
  }

  pt::Coverage out;
  out.round = round;
  out.tasks = tasks;
  for (const campaign::County& county : campaign.counties()) {
    pt::CoverageRow row;
    row.county = std::to_string(county.code);
    row.city = std::to_string(county.jurisdiction);
    const auto r = ranks.find(county.code);
    row.priority = r != ranks.end() && r->second.priority;
    if (r != ranks.end()) row.rank = r->second.rank;
    if (const auto k = key_tasks.find(county.code); k != key_tasks.end()) {
      row.task_completion = k->second.completion / k->second.count;
      row.tasks_behind = k->second.behind;
    }
    const auto s = seen.find(county.code);
    for (pc::Category t : tasks) {
      const bool covered = s != seen.end() && s->second.covered.contains(t);
      (covered ? row.covered : row.missing).push_back(t);
    }
    if (s != seen.end()) {
      row.visits = s->second.visits;
      row.groups.assign(s->second.groups.begin(), s->second.groups.end());
      ++out.counties_visited;
    }
    out.cells_covered += static_cast<std::int64_t>(row.covered.size());
    out.cells_total += static_cast<std::int64_t>(tasks.size());
    out.counties.push_back(std::move(row));
  }
  // Priority gaps first (worst rank first), then other gaps, then the covered; stable, so the
  // campaign's order holds within each group.
  auto bucket = [](const pt::CoverageRow& r) {
    if (r.missing.empty()) return 2;
    return r.priority ? 0 : 1;
  };
  std::stable_sort(out.counties.begin(), out.counties.end(),
                   [&](const pt::CoverageRow& a, const pt::CoverageRow& b) {
                     if (bucket(a) != bucket(b)) return bucket(a) < bucket(b);
                     if (bucket(a) == 0) return a.rank.value_or(0) < b.rank.value_or(0);
                     return false;
                   });
  return out;
}

Result<pt::DailyReport> DailyReport(pqxx::transaction_base& tx, const campaign::Campaign& campaign,
                                    const std::string& group_id, const std::string& date) {
  if (!campaign.FindGroup(group_id)) {
    return MakeError("unknown_group", "group_id",
                     "'" + group_id + "' is not a group of the campaign");
  }
  const auto day = timeutil::ParseDate(date);
  if (!day || timeutil::FormatDate(*day) != date) {
    return MakeError("invalid_format", "date", "'" + date + "' is not a date (YYYY-MM-DD)");
  }
  pt::DailyReport out;
  out.group_id = group_id;
  out.date = date;
  for (const auto& row : tx.exec_params(
           "SELECT county, tasks, problems_found, methods, mode FROM tracking.visit WHERE "
           "group_id = $1 AND "
           "visit_day = $2 ORDER BY visit_id",
           group_id, static_cast<long long>(*day))) {
    pt::VisitLine v;
    v.county = std::to_string(row[0].as<campaign::DivisionCode>());
    for (const std::string& t : TextArray(row[1].as<std::string>())) {
      if (auto cat = pc::ParseCategory(t)) v.tasks.push_back(*cat);
    }
    v.problems_found = row[2].as<int>();
    for (const std::string& h : TextArray(row[3].as<std::string>())) {
      if (auto method = proto::intake::ParseVisitMethod(h)) v.methods.push_back(*method);
    }
    if (!row[4].is_null()) v.mode = proto::intake::ParseVisitMode(row[4].as<std::string>());
    out.problems_found += v.problems_found;
    out.visits.push_back(std::move(v));
  }
  for (const auto& row : tx.exec_params(
           "SELECT problem_id, jurisdiction, category, severity, title FROM tracking.ledger "
           "WHERE supervising_group = $1 AND assigned_day = $2 AND channel IN "
           "('supervision_group', 'covert_group') ORDER BY problem_id LIMIT 5000",
           group_id, static_cast<long long>(*day))) {
    pt::FiledProblem p;
    p.problem_id = row[0].as<std::int64_t>();
    p.county = std::to_string(row[1].as<campaign::DivisionCode>());
    p.category = pc::ParseCategory(row[2].as<std::string>()).value_or(pc::Category::kOther);
    p.severity = pc::ParseSeverity(row[3].as<std::string>()).value_or(pc::Severity::kGeneral);
    p.title = row[4].as<std::string>();
    out.filed.push_back(std::move(p));
  }
  return out;
}

Result<pt::RankingImported> ImportRanking(pqxx::transaction_base& tx,
                                          const campaign::Campaign& campaign,
                                          const pt::ImportRanking& ranking, const std::string& by) {
  std::set<campaign::DivisionCode> seen;
  std::vector<std::pair<campaign::DivisionCode, const pt::RankingRow*>> rows;
  for (std::size_t i = 0; i < ranking.rows.size(); ++i) {
    const pt::RankingRow& r = ranking.rows[i];
    const std::string field = "rows[" + std::to_string(i) + "].county";
    const std::string where = "line " + std::to_string(r.line) + ": ";
    const auto code = ParseCode(r.county);
    if (!code || !campaign.IsCounty(*code)) {
      return MakeError("unknown_county", field,
                       where + "'" + r.county + "' is not a county-level unit of the campaign");
    }
    if (!seen.insert(*code).second) {
      return MakeError("duplicate_value", field,
                       where + "county " + r.county + " is ranked more than once");
    }
    rows.emplace_back(*code, &r);
  }
  // The worst first: by rank, then by the larger PM2.5 increase.
  std::vector<std::size_t> order(rows.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (rows[a].second->rank != rows[b].second->rank) {
      return rows[a].second->rank < rows[b].second->rank;
    }
    return rows[a].second->pm25_change > rows[b].second->pm25_change;
  });
  const auto priority_count =
      std::min<std::size_t>(rows.size(), static_cast<std::size_t>(ranking.priority_count));
  std::vector<bool> priority(rows.size(), false);
  for (std::size_t i = 0; i < priority_count; ++i) priority[order[i]] = true;

  db::ArrayBuilder county, rank, change, prio;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    county.AddInt(rows[i].first);
    rank.AddInt(rows[i].second->rank);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", rows[i].second->pm25_change);
    change.Add(buf);
    prio.Add(priority[i] ? "t" : "f");
  }
  tx.exec("DELETE FROM tracking.ranking");
  tx.exec_params(
      "INSERT INTO tracking.ranking (county, rank, pm25_change, priority) "
      "SELECT * FROM unnest($1::int[], $2::int[], $3::float8[], $4::bool[])",
      county.Finish(), rank.Finish(), change.Finish(), prio.Finish());
  tx.exec_params(
      "INSERT INTO tracking.ranking_import (source, rows, priority, by) VALUES ($1, $2, $3, $4)",
      ranking.source, static_cast<long long>(rows.size()), static_cast<long long>(priority_count),
      by);
  pt::RankingImported out;
  out.rows = static_cast<std::int64_t>(rows.size());
  out.priority = static_cast<std::int64_t>(priority_count);
  return out;
}

}  // namespace ducha::tracking
