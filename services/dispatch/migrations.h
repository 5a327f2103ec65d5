#pragma once
// dispatch's own schema migrations (services/dispatch/migrations/*.sql, embedded at build time).

#include <vector>

#include "common/db/migrate.h"

namespace ducha::dispatch {
std::vector<db::Migration> Migrations();
}  // namespace ducha::dispatch
