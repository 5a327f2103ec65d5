#include "tests/support/test_cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <pqxx/pqxx>
#include <stdexcept>

#include "common/db/db.h"
#include "common/db/migrate.h"
#include "common/ref/ref_store.h"

namespace ducha::testing {
namespace {

std::string Run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("cannot run " + cmd);
  char buf[512];
  while (fgets(buf, sizeof buf, p) != nullptr) out += buf;
  const int rc = pclose(p);
  if (rc != 0) throw std::runtime_error("command failed (" + std::to_string(rc) + "): " + cmd);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

const std::vector<std::string>& Services() {
  static const std::vector<std::string> kServices = {"intake", "dispatch", "tracking",
                                                     "review", "bulletin", "gateway"};
  return kServices;
}

}  // namespace

std::string SourceDir() {
  const char* s = std::getenv("DUCHA_SOURCE_DIR");
  return s != nullptr ? s : DUCHA_TEST_SOURCE_DIR;
}

std::string BuildDir() {
  const char* s = std::getenv("DUCHA_BUILD_DIR");
  return s != nullptr ? s : DUCHA_TEST_BUILD_DIR;
}

std::string PgTool() { return SourceDir() + "/deploy/local/pg.sh"; }

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

TestCluster& TestCluster::Get() {
  static TestCluster* cluster = [] {
    auto* c = new TestCluster();
    std::atexit([] { delete &TestCluster::Get(); });
    return c;
  }();
  return *cluster;
}

TestCluster::TestCluster() {
  char tmpl[] = "/tmp/ducha-test-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  port_ = FreePort();
  Run(PgTool() + " init " + dir_ + " " + std::to_string(port_) + " >/dev/null");
  Run(PgTool() + " start " + dir_ + " >/dev/null");
  const std::string maint =
      "host=" + dir_ + "/run port=" + std::to_string(port_) + " dbname=postgres user=postgres";
  db::EnsureDatabase(maint, "ducha");
  db::Bootstrap(AdminUrl(), Services());
  std::stop_source stop;
  db::Connection ref(db::DbSettings{UrlFor("ref"), "test-ref"}, stop.get_token());
  db::Migrate(ref, "ref", "ref", ref::RefMigrations());
}

TestCluster::~TestCluster() {
  try {
    Run(PgTool() + " destroy " + dir_ + " >/dev/null 2>&1");
  } catch (...) {
    // Best effort at exit.
  }
}

std::string TestCluster::AdminUrl() const {
  return "host=" + dir_ + "/run port=" + std::to_string(port_) + " dbname=ducha user=postgres";
}

std::string TestCluster::UrlFor(const std::string& service) const {
  return "host=" + dir_ + "/run port=" + std::to_string(port_) + " dbname=ducha user=ducha_" +
         service;
}

void TestCluster::Restart(const std::string& mode) const {
  Run(PgTool() + " restart " + dir_ + " " + mode + " >/dev/null");
}
void TestCluster::Stop(const std::string& mode) const {
  Run(PgTool() + " stop " + dir_ + " " + mode + " >/dev/null");
}
void TestCluster::Start() const { Run(PgTool() + " start " + dir_ + " >/dev/null"); }

void TestCluster::Exec(const std::string& sql) const {
  pqxx::connection c{AdminUrl()};
  pqxx::nontransaction n{c};
  n.exec(sql);
}

std::string TestCluster::QueryValue(const std::string& sql) const {
  pqxx::connection c{AdminUrl()};
  pqxx::nontransaction n{c};
  const pqxx::result r = n.exec(sql);
  if (r.empty() || r[0][0].is_null()) return {};
  return r[0][0].as<std::string>();
}

}  // namespace ducha::testing
