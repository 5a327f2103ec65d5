#pragma once
// intake's own schema migrations (services/intake/migrations/*.sql, embedded at build time).

#include <vector>

#include "common/db/migrate.h"

namespace ducha::intake {
std::vector<db::Migration> Migrations();
}  // namespace ducha::intake
