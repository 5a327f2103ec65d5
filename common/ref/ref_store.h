#pragma once
// The reference schema "ref": its migrations, and the reads and writes of identities and of the
// fleet's simulated clock. ref has one writer (ducha_ref, used by the operator CLI and by test
// set-up); services only read it.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "common/auth/identity.h"
#include "common/base/result.h"
#include "common/clock/clock.h"
#include "common/db/db.h"
#include "common/db/migrate.h"

namespace ducha::ref {

std::vector<db::Migration> RefMigrations();

auth::Registry::Snapshot LoadIdentities(pqxx::transaction_base& tx);

struct NewIdentity {
  std::string name;
  auth::Role role = auth::Role::kIntegration;
  std::vector<std::string> channels;
  std::vector<std::string> scope;
  std::string note;
};
// Creates the identity if it does not exist and registers the key for it.
Status RegisterKey(pqxx::transaction_base& tx, const NewIdentity& identity,
                   const std::string& public_key_z85);
// Revokes one key, or with an empty key every key of the identity and the identity itself.
Status Revoke(pqxx::transaction_base& tx, const std::string& identity,
              const std::string& public_key_z85);

// Registers an API key (by its SHA-256, auth::HashApiKey) for an existing, active identity.
Status RegisterApiKey(pqxx::transaction_base& tx, const std::string& identity,
                      const std::string& key_hash);
// Revokes one API key of an identity (revoking the identity revokes all of them).
Status RevokeApiKey(pqxx::transaction_base& tx, const std::string& identity,
                    const std::string& key_hash);

// Keeps a Registry in step with ref.identity: loads once at Start() (retrying until the database
// answers) and then every `period` on its own thread with its own connection.
class IdentityRefresher {
 public:
  IdentityRefresher(db::DbSettings settings, auth::Registry& registry,
                    std::chrono::milliseconds period);
  ~IdentityRefresher();
  void Start();
  void Stop();

 private:
  db::DbSettings settings_;
  auth::Registry& registry_;
  std::chrono::milliseconds period_;
  std::jthread thread_;
};

// The fleet clock: reads ref.sim_clock; when enabled it is the simulated time, otherwise the
// system time. A background thread refreshes it every `refresh`, so Now() never touches the
// database and is safe on a hot path. The constructor reads once, retrying until the database
// answers or `stop` is requested (then it throws db::Stopped).
class FleetClock final : public Clock {
 public:
  FleetClock(db::DbSettings settings, std::chrono::milliseconds refresh, std::stop_token stop = {});
  ~FleetClock() override;
  timeutil::Millis Now() const override;

 private:
  void Refresh(db::Connection& conn);

  db::DbSettings settings_;
  std::chrono::milliseconds refresh_;
  SystemClock system_;
  std::atomic<bool> enabled_{false};
  std::atomic<timeutil::Millis> sim_now_{0};
  std::jthread thread_;
};

Status SetSimulatedClock(pqxx::transaction_base& tx, bool enabled, timeutil::Millis now);

}  // namespace ducha::ref
