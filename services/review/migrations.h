#pragma once
// review's own schema migrations (services/review/migrations/*.sql, embedded at build time).

#include <vector>

#include "common/db/migrate.h"

namespace ducha::review {
std::vector<db::Migration> ReviewMigrations();
inline std::vector<db::Migration> Migrations() { return ReviewMigrations(); }
}  // namespace ducha::review
