#pragma once
// Versioned SQL migrations per schema, and the one-time bootstrap of roles and schemas.
//
// Migrate() runs as the schema's own role (its owner). It takes a transaction-scoped advisory
// lock so two instances starting together do not race, applies each pending migration in its
// own transaction, and records version, name and checksum in <schema>.schema_migrations. A
// recorded migration whose text has changed since is refused: the database and the code would
// disagree about what the schema is.
//
// Bootstrap() runs once with administrator rights (the local runner, CI, or a DBA in production):
// it creates one login role per service, ducha_<service>, owning schema <service>, with no rights
// anywhere else; the reference schema "ref" owned by ducha_ref and readable by every service; and
// ducha_operator, which may read every service schema except what a migration explicitly revokes.

#include <string>
#include <vector>

#include "common/db/db.h"

namespace ducha::db {

struct Migration {
  int version = 0;
  std::string name;
  std::string sql;
};

struct MigrationReport {
  int applied = 0;
  int current_version = 0;
};

// `component` names the set: a service's own migrations use "service"; shared mechanisms that
// put tables into every schema (the stream outbox, the consumer cursors) use their own name, so
// their versions never collide with the service's.
MigrationReport Migrate(Connection& conn, const std::string& schema, const std::string& component,
                        const std::vector<Migration>& migrations);

// Creates the database if it does not exist (connects to the maintenance db "postgres").
void EnsureDatabase(const std::string& admin_url_maintenance, const std::string& dbname);

// Roles and schemas for the given services (idempotent). `admin_url` points at the ducha db.
void Bootstrap(const std::string& admin_url, const std::vector<std::string>& services);

std::string RoleFor(const std::string& service);

}  // namespace ducha::db
