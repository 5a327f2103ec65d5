#pragma once
// dispatch's own schema migrations (services/dispatch/migrations/*.sql, embedded at build time).
// The embedded function has a service-specific name because cmake/embed_sql.py names its output
// file after the function, and intake's is already gen/migrations/Migrations.cpp.

#include <vector>

#include "common/db/migrate.h"

namespace ducha::dispatch {
std::vector<db::Migration> DispatchMigrations();
inline std::vector<db::Migration> Migrations() { return DispatchMigrations(); }
}  // namespace ducha::dispatch
