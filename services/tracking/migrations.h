#pragma once
// tracking's own schema migrations (services/tracking/migrations/*.sql, embedded at build time).

#include <vector>

#include "common/db/migrate.h"

namespace ducha::tracking {
std::vector<db::Migration> TrackingMigrations();
inline std::vector<db::Migration> Migrations() { return TrackingMigrations(); }
}  // namespace ducha::tracking
