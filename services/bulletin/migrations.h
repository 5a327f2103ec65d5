#pragma once
// bulletin's own schema migrations (services/bulletin/migrations/*.sql, embedded at build time).

#include <vector>

#include "common/db/migrate.h"

namespace ducha::bulletin {
std::vector<db::Migration> BulletinMigrations();
inline std::vector<db::Migration> Migrations() { return BulletinMigrations(); }
}  // namespace ducha::bulletin
