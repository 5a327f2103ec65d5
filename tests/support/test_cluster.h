#pragma once
// A throwaway PostgreSQL cluster for integration tests: created in a fresh temporary directory on
// a free port with deploy/local/pg.sh, bootstrapped with every service's role and schema and the
// reference schema, and destroyed when the test binary exits. One per test binary (initdb takes a
// couple of seconds); tests isolate themselves by truncating what they use.

#include <string>
#include <vector>

namespace ducha::testing {

class TestCluster {
 public:
  // Started on first use; stopped and removed at exit.
  static TestCluster& Get();

  std::string AdminUrl() const;                          // superuser, database "ducha"
  std::string UrlFor(const std::string& service) const;  // role ducha_<service>
  const std::string& dir() const { return dir_; }
  int port() const { return port_; }

  // pg_ctl restart/stop/start with the given mode ("immediate" = crash + WAL recovery).
  void Restart(const std::string& mode = "immediate") const;
  void Stop(const std::string& mode = "fast") const;
  void Start() const;

  // Runs SQL as superuser (test set-up and assertions).
  void Exec(const std::string& sql) const;
  std::string QueryValue(const std::string& sql) const;

  ~TestCluster();

 private:
  TestCluster();
  std::string dir_;
  int port_ = 0;
};

// Path to deploy/local/pg.sh in the source tree.
std::string PgTool();
std::string SourceDir();
std::string BuildDir();
int FreePort();

}  // namespace ducha::testing
