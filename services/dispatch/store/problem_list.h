#pragma once
// The problem list and the responsibility list (问题清单、责任清单) of a city, or of one county of
// it: what each local government receives with its deadlines. Free functions over a transaction
// so that ducha-ctl (connected as ducha_operator, which may read the dispatch schema) and the
// service share one query. Read-only.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/db/db.h"

namespace ducha::dispatch {

// One problem (问题清单), as stored. Dates are YYYY-MM-DD in the campaign's zone.
struct ProblemRow {
  std::int64_t problem_id = 0;
  std::string title;
  std::string kind;  // verification | rectification
  std::int32_t jurisdiction = 0;
  std::int32_t city = 0;
  std::int32_t body_code = 0;
  std::string body_name;
  std::string body_kind;
  std::string channel;
  std::string category;
  std::string severity;
  bool listed = false;
  std::string received_day;
  std::string deadline;
  int report_count = 0;
  std::optional<std::string> group_id;
  std::optional<int> round;
};

// One responsible body (责任清单): how many problems it answers for and its nearest deadline.
struct ResponsibilityRow {
  std::int32_t body_code = 0;
  std::string body_name;
  std::string body_kind;
  int problems = 0;
  int listed = 0;
  std::string earliest_deadline;
  std::vector<std::int64_t> problem_ids;  // ascending
};

// Problems of `city` (a campaign jurisdiction code), or only those located in `county`,
// ordered by deadline, then problem id.
std::vector<ProblemRow> ListProblems(pqxx::transaction_base& tx, std::int32_t city,
                                     std::optional<std::int32_t> county = std::nullopt);

// The same problems grouped by responsible body, ordered by body code and kind.
std::vector<ResponsibilityRow> ListResponsibilities(
    pqxx::transaction_base& tx, std::int32_t city,
    std::optional<std::int32_t> county = std::nullopt);

}  // namespace ducha::dispatch
