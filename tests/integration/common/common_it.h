#pragma once
// Helpers shared by the common/ integration tests: scratch schemas created with administrator
// rights (only the superuser may create arbitrary schemas), db::Connections on the throwaway
// cluster, and awaiting a condition with a deadline.

#include <chrono>
#include <functional>
#include <stop_token>
#include <string>
#include <thread>

#include "common/db/db.h"
#include "tests/support/test_cluster.h"

namespace ducha::testing {

// Drops and recreates `schema`, owned by the superuser.
inline void FreshSchema(const std::string& schema) {
  const std::string q = db::QuoteIdent(schema);
  TestCluster::Get().Exec("DROP SCHEMA IF EXISTS " + q + " CASCADE; CREATE SCHEMA " + q);
}

inline db::DbSettings AdminSettings(const std::string& name) {
  return db::DbSettings{TestCluster::Get().AdminUrl(), name};
}

// Polls `done` until it holds or `timeout` passes; true when it held. For state that offers no
// notification (a registry refreshed by another thread, a server coming back).
inline bool Eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

}  // namespace ducha::testing
