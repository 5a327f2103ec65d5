#include "common/db/audit.h"

#include "common/db/array.h"

namespace ducha::db {

bool IsAuditedRefusal(const std::string& code) {
  return code == "forbidden" || code == "out_of_scope" || code == "own_city" ||
         code == "unauthorized" || code == "channel_not_allowed";
}

void RecordRefusals(Connection& conn, const std::string& schema,
                    const std::vector<Refusal>& refusals) {
  if (refusals.empty()) return;
  conn.Transact([&](pqxx::work& tx) { InsertRefusals(tx, schema, refusals); });
}

void InsertRefusals(pqxx::transaction_base& tx, const std::string& schema,
                    const std::vector<Refusal>& refusals) {
  if (refusals.empty()) return;
  ArrayBuilder who, action, target, code, reason;
  for (const Refusal& r : refusals) {
    who.Add(r.identity);
    action.Add(r.action);
    target.Add(r.target);
    code.Add(r.code);
    reason.Add(r.reason.size() > 1000 ? r.reason.substr(0, 1000) : r.reason);
  }
  tx.exec_params("INSERT INTO " + tx.quote_name(schema) +
                     ".audit (identity, action, target, code, reason) SELECT * FROM "
                     "unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])",
                 who.Finish(), action.Finish(), target.Finish(), code.Finish(), reason.Finish());
}

}  // namespace ducha::db
