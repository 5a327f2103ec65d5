#include "tests/support/ctl_runner.h"

#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>
#include <stop_token>
#include <thread>

#include "common/db/db.h"
#include "common/ref/ref_store.h"
#include "common/transport/transport.h"
#include "tests/support/test_cluster.h"

namespace ducha::testing {
std::string ReadAll(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void CtlRunner::Register(const std::string& name, auth::Role role, std::vector<std::string> scope,
                         std::vector<std::string> channels) const {
  const transport::KeyPair keys = transport::GenerateKeyPair();
  std::stop_source stop;
  db::Connection ref(db::DbSettings{TestCluster::Get().UrlFor("ref"), "ctl-test"},
                     stop.get_token());
  ref.Transact([&](pqxx::work& w) {
    (void)ref::RegisterKey(
        w, ref::NewIdentity{name, role, std::move(channels), std::move(scope), "ctl test"},
        keys.public_z85);
  });
  WriteKey(name, keys.secret_z85);
}

void CtlRunner::WriteKey(const std::string& name, const std::string& secret) const {
  std::ofstream(fleet_.dir() + "/" + name + ".key") << secret;
}

CtlResult CtlRunner::Run(const std::vector<std::string>& args) const {
  static int n = 0;
  const std::string base = fleet_.dir() + "/ctl-" + std::to_string(++n);
  std::string cmd =
      "DUCHA_CAMPAIGN_DIR=" + ShellQuote(SourceDir() + "/deploy/campaigns/hebei-2017-2018") +
      " DUCHA_CTL_READ_URL=" + ShellQuote(TestCluster::Get().UrlFor("operator")) + " " +
      ShellQuote(BuildDir() + "/services/ctl/ducha-ctl");
  for (const std::string& a : args) cmd += " " + ShellQuote(a);
  cmd += " >" + base + ".out 2>" + base + ".err";
  const int raw = std::system(cmd.c_str());
  CtlResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128;
  r.out = ReadAll(base + ".out");
  r.err = ReadAll(base + ".err");
  return r;
}

std::vector<std::string> CtlRunner::As(const std::string& identity,
                                       const std::string& service) const {
  return {"--endpoint",   fleet_.CommandEndpoint(service),
          "--server-key", fleet_.PublicKeyFile(service),
          "--key-file",   fleet_.dir() + "/" + identity + ".key",
          "--timeout-ms", "10000"};
}

std::string CtlRunner::WriteFile(const std::string& name, const std::string& text) const {
  const std::string path = fleet_.dir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::vector<std::string> Join(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

bool AwaitValue(const std::string& sql, const std::string& want, int timeout_ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < until) {
    if (TestCluster::Get().QueryValue(sql) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace ducha::testing
