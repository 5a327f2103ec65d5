#include "services/dispatch/store/problem_list.h"

#include <sstream>

namespace ducha::dispatch {
namespace {

// $2 is the county filter, NULL for the whole city.
constexpr const char* kWhere = " WHERE city = $1 AND ($2::int IS NULL OR jurisdiction = $2::int)";

pqxx::result Query(pqxx::transaction_base& tx, const std::string& sql, std::int32_t city,
                   std::optional<std::int32_t> county) {
  if (county) return tx.exec_params(sql, city, *county);
  return tx.exec_params(sql, city, nullptr);
}

std::vector<std::int64_t> ParseIds(const std::string& csv) {
  std::vector<std::int64_t> ids;
  std::stringstream in(csv);
  std::string item;
  while (std::getline(in, item, ',')) ids.push_back(std::stoll(item));
  return ids;
}

}  // namespace

std::vector<ProblemRow> ListProblems(pqxx::transaction_base& tx, std::int32_t city,
                                     std::optional<std::int32_t> county) {
  const pqxx::result r =
      Query(tx,
            std::string("SELECT problem_id, title, kind, jurisdiction, city, body_code, body_name, "
                        "body_kind, channel, category, severity, listed, received_day::text, "
                        "deadline::text, report_count, group_id, round FROM dispatch.problem") +
                kWhere + " ORDER BY deadline, problem_id",
            city, county);
  std::vector<ProblemRow> out;
  out.reserve(r.size());
  for (const auto& row : r) {
    ProblemRow p;
    p.problem_id = row[0].as<std::int64_t>();
    p.title = row[1].as<std::string>();
    p.kind = row[2].as<std::string>();
    p.jurisdiction = row[3].as<std::int32_t>();
    p.city = row[4].as<std::int32_t>();
    p.body_code = row[5].as<std::int32_t>();
    p.body_name = row[6].as<std::string>();
    p.body_kind = row[7].as<std::string>();
    p.channel = row[8].as<std::string>();
    p.category = row[9].as<std::string>();
    p.severity = row[10].as<std::string>();
    p.listed = row[11].as<bool>();
    p.received_day = row[12].as<std::string>();
    p.deadline = row[13].as<std::string>();
    p.report_count = row[14].as<int>();
    if (!row[15].is_null()) p.group_id = row[15].as<std::string>();
    if (!row[16].is_null()) p.round = row[16].as<int>();
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<ResponsibilityRow> ListResponsibilities(pqxx::transaction_base& tx, std::int32_t city,
                                                    std::optional<std::int32_t> county) {
  const pqxx::result r =
      Query(tx,
            std::string("SELECT body_code, body_name, body_kind, count(*), count(*) FILTER (WHERE "
                        "listed), min(deadline)::text, string_agg(problem_id::text, ',' ORDER BY "
                        "problem_id) FROM dispatch.problem") +
                kWhere + " GROUP BY body_code, body_name, body_kind ORDER BY body_code, body_kind",
            city, county);
  std::vector<ResponsibilityRow> out;
  out.reserve(r.size());
  for (const auto& row : r) {
    ResponsibilityRow b;
    b.body_code = row[0].as<std::int32_t>();
    b.body_name = row[1].as<std::string>();
    b.body_kind = row[2].as<std::string>();
    b.problems = row[3].as<int>();
    b.listed = row[4].as<int>();
    b.earliest_deadline = row[5].as<std::string>();
    b.problem_ids = ParseIds(row[6].as<std::string>());
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace ducha::dispatch
