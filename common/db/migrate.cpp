#include "common/db/migrate.h"

#include <cstdint>
#include <stdexcept>

namespace ducha::db {
namespace {

std::string Checksum(const std::string& text) {
  std::uint64_t h = 1469598103934665603ULL;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return fmt::format("{:016x}", h);
}

}  // namespace

std::string RoleFor(const std::string& service) { return "ducha_" + service; }

MigrationReport Migrate(Connection& conn, const std::string& schema, const std::string& component,
                        const std::vector<Migration>& migrations) {
  auto log = log::Get("db.migrate");
  const std::string table = QuoteIdent(schema) + ".schema_migrations";
  MigrationReport report;
  for (const Migration& m : migrations) {
    const bool applied = conn.Transact([&](pqxx::work& w) {
      w.exec_params("SELECT pg_advisory_xact_lock(hashtext($1))", "ducha.migrate." + schema);
      w.exec("CREATE TABLE IF NOT EXISTS " + table +
             " (component text NOT NULL, version int NOT NULL, name text NOT NULL,"
             " checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),"
             " PRIMARY KEY (component, version))");
      const pqxx::result r =
          w.exec_params("SELECT checksum FROM " + table + " WHERE component = $1 AND version = $2",
                        component, m.version);
      if (!r.empty()) {
        if (r[0][0].as<std::string>() != Checksum(m.sql)) {
          throw std::runtime_error(fmt::format(
              "migration {}/{:03d}_{} of schema {} was changed after it was applied; write a new "
              "migration instead of editing an applied one",
              component, m.version, m.name, schema));
        }
        return false;
      }
      w.exec("SET LOCAL search_path TO " + QuoteIdent(schema));
      w.exec(m.sql);
      w.exec_params(
          "INSERT INTO " + table + " (component, version, name, checksum) VALUES ($1, $2, $3, $4)",
          component, m.version, m.name, Checksum(m.sql));
      return true;
    });
    if (applied) {
      ++report.applied;
      log->info("schema {}: applied migration {}/{:03d}_{}", schema, component, m.version, m.name);
    }
    report.current_version = m.version;
  }
  return report;
}

void EnsureDatabase(const std::string& admin_url_maintenance, const std::string& dbname) {
  pqxx::connection c{admin_url_maintenance};
  pqxx::nontransaction n{c};
  const pqxx::result r = n.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", dbname);
  if (r.empty()) n.exec("CREATE DATABASE " + QuoteIdent(dbname) + " ENCODING 'UTF8'");
}

void Bootstrap(const std::string& admin_url, const std::vector<std::string>& services) {
  pqxx::connection c{admin_url};
  pqxx::work w{c};
  w.exec_params("SELECT pg_advisory_xact_lock(hashtext($1))", std::string("ducha.bootstrap"));
  auto ensure_role = [&](const std::string& role, bool login) {
    const pqxx::result r = w.exec_params("SELECT 1 FROM pg_roles WHERE rolname = $1", role);
    if (r.empty()) {
      w.exec("CREATE ROLE " + QuoteIdent(role) + (login ? " LOGIN" : " NOLOGIN"));
    }
  };
  w.exec("REVOKE ALL ON SCHEMA public FROM PUBLIC");
  w.exec("REVOKE ALL ON DATABASE " + QuoteIdent(c.dbname()) + " FROM PUBLIC");
  ensure_role("ducha_operator", true);
  ensure_role("ducha_ref", true);
  w.exec("GRANT CONNECT ON DATABASE " + QuoteIdent(c.dbname()) + " TO ducha_operator, ducha_ref");
  w.exec("CREATE SCHEMA IF NOT EXISTS ref AUTHORIZATION ducha_ref");
  w.exec("REVOKE ALL ON SCHEMA ref FROM PUBLIC");
  for (const std::string& s : services) {
    const std::string role = RoleFor(s);
    ensure_role(role, true);
    w.exec("GRANT CONNECT ON DATABASE " + QuoteIdent(c.dbname()) + " TO " + QuoteIdent(role));
    w.exec("CREATE SCHEMA IF NOT EXISTS " + QuoteIdent(s) + " AUTHORIZATION " + QuoteIdent(role));
    w.exec("REVOKE ALL ON SCHEMA " + QuoteIdent(s) + " FROM PUBLIC");
    w.exec("ALTER ROLE " + QuoteIdent(role) + " SET search_path TO " + QuoteIdent(s));
    // Every service reads the reference data (campaign, identities, clock); only ducha_ref
    // writes it.
    w.exec("GRANT USAGE ON SCHEMA ref TO " + QuoteIdent(role));
    w.exec("ALTER DEFAULT PRIVILEGES FOR ROLE ducha_ref IN SCHEMA ref GRANT SELECT ON TABLES TO " +
           QuoteIdent(role));
    w.exec("GRANT SELECT ON ALL TABLES IN SCHEMA ref TO " + QuoteIdent(role));
    // Operators read every service schema (the CLI's case history); write nothing.
    w.exec("GRANT USAGE ON SCHEMA " + QuoteIdent(s) + " TO ducha_operator");
    w.exec("ALTER DEFAULT PRIVILEGES FOR ROLE " + QuoteIdent(role) + " IN SCHEMA " + QuoteIdent(s) +
           " GRANT SELECT ON TABLES TO ducha_operator");
  }
  w.exec("GRANT USAGE ON SCHEMA ref TO ducha_operator");
  w.exec(
      "ALTER DEFAULT PRIVILEGES FOR ROLE ducha_ref IN SCHEMA ref GRANT SELECT ON TABLES TO "
      "ducha_operator");
  w.commit();
}

}  // namespace ducha::db
