#pragma once
// The audit record of refused actions, in each service's own schema (<schema>.audit, component
// "audit" of Migrate). A service's command endpoint records every refusal for a role or a scope
// (forbidden, out_of_scope, ...) with the authenticated identity, in a transaction of its own,
// so the record survives whatever the refused request did not do.

#include <string>
#include <vector>

#include "common/db/db.h"
#include "common/db/migrate.h"

namespace ducha::db {

std::vector<Migration> AuditMigrations();

struct Refusal {
  std::string identity;
  std::string action;
  std::string target;
  std::string code;
  std::string reason;
};

// True for the error codes that are audited: a caller acting beyond its role or scope.
bool IsAuditedRefusal(const std::string& code);

// Writes the refusals in the caller's transaction.
void InsertRefusals(pqxx::transaction_base& tx, const std::string& schema,
                    const std::vector<Refusal>& refusals);

// Writes the refusals in one transaction of their own (retried like any other).
void RecordRefusals(Connection& conn, const std::string& schema,
                    const std::vector<Refusal>& refusals);

}  // namespace ducha::db
