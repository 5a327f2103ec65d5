#include "common/ref/ref_store.h"

#include <sstream>

#include "common/log/log.h"

namespace ducha::ref {
namespace {

std::vector<std::string> SplitCsv(const std::string& s) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, ',')) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

std::string JoinCsv(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out;
}

}  // namespace

auth::Registry::Snapshot LoadIdentities(pqxx::transaction_base& tx) {
  auth::Registry::Snapshot snap;
  const pqxx::result ids = tx.exec(
      "SELECT name, role, array_to_string(channels, ','), array_to_string(scope, ',') "
      "FROM ref.identity WHERE revoked_at IS NULL");
  for (const auto& row : ids) {
    auth::Identity id;
    id.name = row[0].as<std::string>();
    const auto role = auth::ParseRole(row[1].as<std::string>());
    if (!role) continue;
    id.role = *role;
    id.channels = SplitCsv(row[2].as<std::string>());
    id.scope = SplitCsv(row[3].as<std::string>());
    snap.identities.emplace(id.name, std::move(id));
  }
  const pqxx::result keys = tx.exec(
      "SELECT k.public_key, k.identity FROM ref.identity_key k JOIN ref.identity i "
      "ON i.name = k.identity WHERE k.revoked_at IS NULL AND i.revoked_at IS NULL");
  for (const auto& row : keys) {
    snap.key_to_identity.emplace(row[0].as<std::string>(), row[1].as<std::string>());
  }
  const pqxx::result api_keys = tx.exec(
      "SELECT k.key_hash, k.identity FROM ref.identity_api_key k JOIN ref.identity i "
      "ON i.name = k.identity WHERE k.revoked_at IS NULL AND i.revoked_at IS NULL");
  for (const auto& row : api_keys) {
    snap.api_key_hash_to_identity.emplace(row[0].as<std::string>(), row[1].as<std::string>());
  }
  return snap;
}

Status RegisterKey(pqxx::transaction_base& tx, const NewIdentity& identity,
                   const std::string& public_key_z85) {
  const pqxx::result existing = tx.exec_params(
      "SELECT role, revoked_at IS NOT NULL FROM ref.identity WHERE name = $1", identity.name);
  if (existing.empty()) {
    tx.exec_params(
        "INSERT INTO ref.identity (name, role, channels, scope, note) VALUES "
        "($1, $2, string_to_array($3, ','), string_to_array($4, ','), $5)",
        identity.name, std::string(auth::RoleName(identity.role)), JoinCsv(identity.channels),
        JoinCsv(identity.scope), identity.note);
  } else if (existing[0][1].as<bool>()) {
    return MakeError("identity_revoked", "identity",
                     "identity '" + identity.name + "' is revoked; choose a new name");
  } else if (existing[0][0].as<std::string>() != auth::RoleName(identity.role)) {
    return MakeError("role_mismatch", "role",
                     "identity '" + identity.name + "' already exists with role " +
                         existing[0][0].as<std::string>());
  }
  const pqxx::result key =
      tx.exec_params("SELECT identity FROM ref.identity_key WHERE public_key = $1", public_key_z85);
  if (!key.empty()) {
    if (key[0][0].as<std::string>() != identity.name) {
      return MakeError("key_in_use", "public_key", "this key already belongs to another identity");
    }
    return OkStatus();
  }
  tx.exec_params("INSERT INTO ref.identity_key (public_key, identity) VALUES ($1, $2)",
                 public_key_z85, identity.name);
  return OkStatus();
}

Status Revoke(pqxx::transaction_base& tx, const std::string& identity,
              const std::string& public_key_z85) {
  if (public_key_z85.empty()) {
    const pqxx::result r = tx.exec_params(
        "UPDATE ref.identity SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL",
        identity);
    tx.exec_params(
        "UPDATE ref.identity_key SET revoked_at = now() WHERE identity = $1 AND revoked_at IS NULL",
        identity);
    tx.exec_params(
        "UPDATE ref.identity_api_key SET revoked_at = now() WHERE identity = $1 AND "
        "revoked_at IS NULL",
        identity);
    if (r.affected_rows() == 0) {
      return MakeError("unknown_identity", "identity",
                       "no active identity named '" + identity + "'");
    }
    return OkStatus();
  }
  const pqxx::result r = tx.exec_params(
      "UPDATE ref.identity_key SET revoked_at = now() WHERE identity = $1 AND public_key = $2 "
      "AND revoked_at IS NULL",
      identity, public_key_z85);
  if (r.affected_rows() == 0) {
    return MakeError("unknown_key", "public_key",
                     "identity '" + identity + "' has no active key " + public_key_z85);
  }
  return OkStatus();
}

Status RegisterApiKey(pqxx::transaction_base& tx, const std::string& identity,
                      const std::string& key_hash) {
  const pqxx::result existing =
      tx.exec_params("SELECT revoked_at IS NOT NULL FROM ref.identity WHERE name = $1", identity);
  if (existing.empty()) {
    return MakeError("unknown_identity", "identity",
                     "no identity named '" + identity + "'; create it with keys create first");
  }
  if (existing[0][0].as<bool>()) {
    return MakeError("identity_revoked", "identity", "identity '" + identity + "' is revoked");
  }
  tx.exec_params("INSERT INTO ref.identity_api_key (key_hash, identity) VALUES ($1, $2)", key_hash,
                 identity);
  return OkStatus();
}

Status RevokeApiKey(pqxx::transaction_base& tx, const std::string& identity,
                    const std::string& key_hash) {
  const pqxx::result r = tx.exec_params(
      "UPDATE ref.identity_api_key SET revoked_at = now() WHERE identity = $1 AND key_hash = $2 "
      "AND revoked_at IS NULL",
      identity, key_hash);
  if (r.affected_rows() == 0) {
    return MakeError("unknown_key", "api_key",
                     "identity '" + identity + "' has no active API key with that hash");
  }
  return OkStatus();
}

IdentityRefresher::IdentityRefresher(db::DbSettings settings, auth::Registry& registry,
                                     std::chrono::milliseconds period)
    : settings_(std::move(settings)), registry_(registry), period_(period) {}

IdentityRefresher::~IdentityRefresher() { Stop(); }

void IdentityRefresher::Start() {
  {
    std::stop_source once;
    db::Connection conn(settings_, once.get_token());
    registry_.Replace(conn.Read([](pqxx::read_transaction& r) { return LoadIdentities(r); }));
  }
  thread_ = std::jthread([this](std::stop_token stop) {
    auto log = log::Get("ref.identities");
    db::Connection conn(settings_, stop);
    while (!stop.stop_requested()) {
      const auto until = std::chrono::steady_clock::now() + period_;
      while (!stop.stop_requested() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      try {
        registry_.Replace(conn.Read([](pqxx::read_transaction& r) { return LoadIdentities(r); }));
      } catch (const db::Stopped&) {
        return;
      } catch (const std::exception& e) {
        log->error("reloading identities failed: {}", e.what());
      }
    }
  });
}

void IdentityRefresher::Stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

FleetClock::FleetClock(db::DbSettings settings, std::chrono::milliseconds refresh,
                       std::stop_token stop)
    : settings_(std::move(settings)), refresh_(refresh) {
  {
    db::Connection first(settings_, stop);
    Refresh(first);
  }
  thread_ = std::jthread([this](std::stop_token st) {
    db::Connection conn(settings_, st);
    while (!st.stop_requested()) {
      const auto until = std::chrono::steady_clock::now() + refresh_;
      while (!st.stop_requested() && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      try {
        Refresh(conn);
      } catch (const db::Stopped&) {
        return;
      } catch (const std::exception& e) {
        // Keep the last known value; the next round retries.
        log::Get("ref.clock")->warn("reading the fleet clock failed: {}", e.what());
      }
    }
  });
}

FleetClock::~FleetClock() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void FleetClock::Refresh(db::Connection& conn) {
  const auto row = conn.Read([](pqxx::read_transaction& r) {
    return r.exec("SELECT enabled, now_ms FROM ref.sim_clock")[0];
  });
  sim_now_.store(row[1].as<timeutil::Millis>(), std::memory_order_release);
  enabled_.store(row[0].as<bool>(), std::memory_order_release);
}

timeutil::Millis FleetClock::Now() const {
  return enabled_.load(std::memory_order_acquire) ? sim_now_.load(std::memory_order_acquire)
                                                  : system_.Now();
}

Status SetSimulatedClock(pqxx::transaction_base& tx, bool enabled, timeutil::Millis now) {
  const pqxx::result r = tx.exec("SELECT enabled, now_ms FROM ref.sim_clock FOR UPDATE");
  if (enabled && r[0][0].as<bool>() && now < r[0][1].as<timeutil::Millis>()) {
    return MakeError("clock_backwards", "now",
                     "the simulated clock only moves forward (it reads " +
                         timeutil::FormatRfc3339(r[0][1].as<timeutil::Millis>(), 480) + ")");
  }
  tx.exec_params("UPDATE ref.sim_clock SET enabled = $1, now_ms = $2, updated_at = now()", enabled,
                 now);
  return OkStatus();
}

}  // namespace ducha::ref
