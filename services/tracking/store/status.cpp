#include "services/tracking/store/status.h"

#include <string>

#include "common/base/time.h"

namespace ducha::tracking {

namespace pt = proto::tracking;

pt::StatusList ProblemStatuses(pqxx::transaction_base& tx,
                               const std::vector<std::int64_t>& problem_ids) {
  pt::StatusList out;
  if (problem_ids.empty()) return out;
  std::string ids = "{";
  for (std::size_t i = 0; i < problem_ids.size(); ++i) {
    if (i > 0) ids += ',';
    ids += std::to_string(problem_ids[i]);
  }
  ids += '}';
  // The times come from the history (fleet clock): the assignment and the last change.
  const pqxx::result rows = tx.exec_params(
      "SELECT l.problem_id, l.state, l.kind, l.body_name, l.deadline, l.extensions_used, "
      "l.reopen_count, l.pending_days IS NOT NULL, "
      "coalesce((SELECT min(h.at) FROM tracking.history h WHERE h.problem_id = l.problem_id "
      "AND h.what = 'assigned'), 0), "
      "coalesce((SELECT max(h.at) FROM tracking.history h WHERE h.problem_id = l.problem_id), 0) "
      "FROM tracking.ledger l WHERE l.problem_id = ANY($1::bigint[]) ORDER BY l.problem_id",
      ids);
  for (const auto& row : rows) {
    const auto state = pt::ParseLedgerState(row[1].as<std::string>());
    if (!state) continue;
    pt::ProblemStatus s;
    s.problem_id = row[0].as<std::int64_t>();
    s.state = *state;
    s.kind = row[2].as<std::string>();
    s.body_name = row[3].as<std::string>();
    s.deadline = timeutil::FormatDate(row[4].as<std::int64_t>());
    s.extensions_used = row[5].as<std::int64_t>();
    s.reopen_count = row[6].as<std::int64_t>();
    s.extension_pending = row[7].as<bool>();
    s.assigned_at = row[8].as<std::int64_t>();
    s.updated_at = row[9].as<std::int64_t>();
    out.problems.push_back(std::move(s));
  }
  return out;
}

}  // namespace ducha::tracking
