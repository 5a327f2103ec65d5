#include "services/intake/store/report_query.h"

#include <map>

#include "proto/common.h"

namespace ducha::intake {
namespace {

namespace pc = proto::common;
namespace pi = proto::intake;

std::string JoinIds(const std::vector<std::int64_t>& ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i]);
  }
  return out + "}";
}

}  // namespace

pi::ReportList ListReports(pqxx::transaction_base& tx, const std::string& integration,
                           const pi::ListReports& query) {
  const auto limit = static_cast<std::size_t>(query.limit);
  constexpr const char* kColumns =
      "SELECT report_id, coalesce(duplicate_of, report_id), submission_id, channel, jurisdiction, "
      "category, description, address, lat, lon, "
      "(extract(epoch FROM received_at) * 1000)::bigint FROM intake.report WHERE integration = $1 ";
  const pqxx::result rows =
      query.report_ids.empty()
          ? tx.exec_params(
                std::string(kColumns) + "AND report_id > $2 ORDER BY report_id LIMIT $3::int + 1",
                integration, query.after_report_id.value_or(0), static_cast<int>(limit))
          : tx.exec_params(std::string(kColumns) +
                               "AND report_id = ANY($2::bigint[]) ORDER BY report_id LIMIT $3",
                           integration, JoinIds(query.report_ids), static_cast<int>(limit));
  pi::ReportList out;
  out.more = rows.size() > limit;
  std::string ids;
  for (const auto& row : rows) {
    if (out.reports.size() == limit) break;
    pi::ReportSummary r;
    r.report_id = row[0].as<std::int64_t>();
    r.problem_id = row[1].as<std::int64_t>();
    r.submission_id = row[2].as<std::string>();
    r.channel = pc::ParseChannel(row[3].as<std::string>()).value_or(pc::Channel::kCitizenWeb);
    r.jurisdiction = row[4].as<std::string>();
    r.category = pc::ParseCategory(row[5].as<std::string>()).value_or(pc::Category::kOther);
    r.description = row[6].as<std::string>();
    if (!row[7].is_null()) r.address = row[7].as<std::string>();
    if (!row[8].is_null() && !row[9].is_null()) {
      r.location = pc::GeoPoint{row[8].as<double>(), row[9].as<double>()};
    }
    r.received_at = row[10].as<std::int64_t>();
    if (!ids.empty()) ids += ',';
    ids += std::to_string(r.report_id);
    out.reports.push_back(std::move(r));
  }
  if (!out.reports.empty()) {
    const pqxx::result evidence =
        tx.exec("SELECT report_id, reference FROM intake.report_evidence WHERE report_id IN (" +
                ids + ") ORDER BY report_id, n");
    std::map<std::int64_t, std::vector<std::string>> by_report;
    for (const auto& row : evidence) {
      by_report[row[0].as<std::int64_t>()].push_back(row[1].as<std::string>());
    }
    for (auto& r : out.reports) {
      if (auto it = by_report.find(r.report_id); it != by_report.end()) r.evidence = it->second;
    }
  }
  return out;
}

}  // namespace ducha::intake
