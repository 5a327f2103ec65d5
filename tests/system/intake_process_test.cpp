// The ducha-intake binary as operators run it: configuration refused clearly at start, an
// unreachable database reported and retried with backoff, and SIGTERM stopping it promptly.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "common/transport/transport.h"
#include "tests/support/test_cluster.h"

namespace ducha {
namespace {

std::string Binary() { return testing::BuildDir() + "/services/intake/ducha-intake"; }

struct Process {
  pid_t pid = -1;
  std::string log;
};

Process Start(const std::string& config_text, const std::string& tag) {
  char dir_tmpl[] = "/tmp/ducha-proc-XXXXXX";
  const std::string dir = mkdtemp(dir_tmpl);
  const std::string config = dir + "/" + tag + ".conf";
  std::ofstream(config) << config_text;
  Process p;
  p.log = dir + "/" + tag + ".log";
  p.pid = fork();
  if (p.pid == 0) {
    std::freopen(p.log.c_str(), "w", stderr);
    std::freopen(p.log.c_str(), "a", stdout);
    execl(Binary().c_str(), Binary().c_str(), "--config", config.c_str(), nullptr);
    _exit(127);
  }
  return p;
}

std::string ReadAll(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Waits for the process to exit; returns its exit status, or -1 on timeout.
int WaitExit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return -1;
}

bool AwaitLog(const std::string& path, const std::string& needle,
              std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (ReadAll(path).find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// A bare HTTP/1.0 GET on 127.0.0.1: enough to read the operations endpoint in a test.
std::string HttpGet(int port, const std::string& path) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return {};
  }
  const std::string req = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
  (void)!::write(fd, req.data(), req.size());
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;)
    out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

std::string KeyFile(const std::string& secret) {
  char tmpl[] = "/tmp/ducha-key-XXXXXX";
  const int fd = mkstemp(tmpl);
  const std::string s = secret + "\n";
  (void)!write(fd, s.data(), s.size());
  close(fd);
  return tmpl;
}

TEST(IntakeProcess, RefusesABadConfigurationListingEveryProblem) {
  Process p = Start(
      "[db]\nurl = host=/nonexistent\n[intake]\nmax_batch = lots\nendpoit = tcp://x\n"
      "[transport]\nsecret_key_file = /nonexistent/key\n",
      "bad");
  EXPECT_EQ(WaitExit(p.pid, std::chrono::seconds(10)), 2);
  const std::string log = ReadAll(p.log);
  EXPECT_NE(log.find("intake.max_batch: 'lots' is not an integer"), std::string::npos) << log;
  EXPECT_NE(log.find("unknown setting 'intake.endpoit'"), std::string::npos) << log;
  EXPECT_NE(log.find("campaign.dir: is required"), std::string::npos) << log;
  EXPECT_NE(log.find("transport.secret_key_file"), std::string::npos) << log;
}

TEST(IntakeProcess, ReportsAnUnreachableDatabaseRetriesAndStopsOnSigterm) {
  const int port = testing::FreePort();  // nothing listens there
  const std::string key = KeyFile(transport::GenerateKeyPair().secret_z85);
  Process p =
      Start("[db]\nurl = host=127.0.0.1 port=" + std::to_string(port) +
                " dbname=ducha user=ducha_intake\n[campaign]\ndir = " + testing::SourceDir() +
                "/deploy/campaigns/hebei-2017-2018\n[transport]\nsecret_key_file = " + key + "\n",
            "nodb");
  ASSERT_TRUE(AwaitLog(p.log, "database unavailable", std::chrono::seconds(10))) << ReadAll(p.log);
  EXPECT_EQ(WaitExit(p.pid, std::chrono::milliseconds(500)), -1) << "it must keep retrying";
  const auto t0 = std::chrono::steady_clock::now();
  kill(p.pid, SIGTERM);
  EXPECT_EQ(WaitExit(p.pid, std::chrono::seconds(5)), 0) << ReadAll(p.log);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(IntakeProcess, PassesTheCurveSelfTestServesMetricsAndDrainsOnSigterm) {
  testing::TestCluster& pg = testing::TestCluster::Get();
  const int http_port = testing::FreePort();
  const std::string key = KeyFile(transport::GenerateKeyPair().secret_z85);
  Process p =
      Start("[db]\nurl = " + pg.UrlFor("intake") + "\n[campaign]\ndir = " + testing::SourceDir() +
                "/deploy/campaigns/hebei-2017-2018\n[transport]\nsecret_key_file = " + key +
                "\n[intake]\nendpoint = tcp://127.0.0.1:" + std::to_string(testing::FreePort()) +
                "\nstream_endpoint = tcp://127.0.0.1:" + std::to_string(testing::FreePort()) +
                "\n[log]\njson = true\n[http]\nport = " + std::to_string(http_port) + "\n",
            "serve");
  ASSERT_TRUE(AwaitLog(p.log, "intake serving", std::chrono::seconds(20))) << ReadAll(p.log);
  const std::string log = ReadAll(p.log);
  EXPECT_NE(log.find("CURVE self-test passed"), std::string::npos) << log;
  EXPECT_NE(log.find("\"logger\":\"intake.io\""), std::string::npos) << "JSON lines: " << log;
  EXPECT_NE(HttpGet(http_port, "/healthz").find("200 OK"), std::string::npos);
  EXPECT_NE(HttpGet(http_port, "/readyz").find("ready"), std::string::npos);
  const std::string metrics = HttpGet(http_port, "/metrics");
  EXPECT_NE(metrics.find("# TYPE ducha_intake_requests_total counter"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("ducha_intake_reply_seconds_bucket{le=\"+Inf\"}"), std::string::npos);
  EXPECT_NE(metrics.find("ducha_stream_head_seq{stream=\"reports\"}"), std::string::npos);
  kill(p.pid, SIGTERM);
  EXPECT_EQ(WaitExit(p.pid, std::chrono::seconds(5)), 0) << ReadAll(p.log);
}

}  // namespace
}  // namespace ducha
