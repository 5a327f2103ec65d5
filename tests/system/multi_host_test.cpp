// Two hosts, as far as the network goes: intake in one network namespace, dispatch in another,
// joined by a veth pair and talking over TCP with CURVE (PostgreSQL is reached over its Unix
// socket, as an existing server would be over the network). Reports go in from inside intake's
// namespace; the link is cut while they keep coming, then restored: dispatch catches up, and the
// checker finds nothing lost, doubled or unexpected. Needs root (ip netns); skipped, saying so,
// where network namespaces cannot be made.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "tests/support/fleet.h"
#include "tests/support/test_cluster.h"

namespace ducha::testing {
namespace {

int Sh(const std::string& cmd) {
  const int raw = std::system((cmd + " >/dev/null 2>&1").c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : 128;
}

// Two namespaces and the veth pair between them; removed (with the pair) on destruction.
class Hosts {
 public:
  Hosts() {
    const std::string tag = std::to_string(getpid() % 100000);
    a_ = "ducha-" + tag + "-a";
    b_ = "ducha-" + tag + "-b";
    const std::string va = "dv" + tag + "a";
    const std::string vb = "dv" + tag + "b";
    link_b_ = vb;
    ok_ = Sh("ip netns add " + a_) == 0 && Sh("ip netns add " + b_) == 0 &&
          Sh("ip link add " + va + " type veth peer name " + vb) == 0 &&
          Sh("ip link set " + va + " netns " + a_) == 0 &&
          Sh("ip link set " + vb + " netns " + b_) == 0 &&
          Sh("ip -n " + a_ + " addr add 10.213.0.1/24 dev " + va) == 0 &&
          Sh("ip -n " + b_ + " addr add 10.213.0.2/24 dev " + vb) == 0 &&
          Sh("ip -n " + a_ + " link set " + va + " up") == 0 &&
          Sh("ip -n " + b_ + " link set " + vb + " up") == 0 &&
          Sh("ip -n " + a_ + " link set lo up") == 0 && Sh("ip -n " + b_ + " link set lo up") == 0;
  }
  ~Hosts() {
    Sh("ip netns del " + a_);
    Sh("ip netns del " + b_);
  }
  bool ok() const { return ok_; }
  const std::string& a() const { return a_; }
  const std::string& b() const { return b_; }
  // Cuts or restores host b's side of the link.
  void Link(bool up) { Sh("ip -n " + b_ + " link set " + link_b_ + (up ? " up" : " down")); }

 private:
  std::string a_, b_, link_b_;
  bool ok_ = false;
};

std::string Q(const std::string& sql) { return TestCluster::Get().QueryValue(sql); }

bool AwaitValue(const std::string& sql, const std::string& want, int timeout_ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < until) {
    if (Q(sql) == want) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// `n` reports from inside host a, through intake's public contract (ducha-ctl import).
int Import(const Fleet& fleet, const Hosts& hosts, int first, int n, const std::string& port) {
  const std::string csv = fleet.dir() + "/list-" + std::to_string(first) + ".csv";
  {
    std::ofstream out(csv);
    out << "ref,jurisdiction,category,title,description,observed_at\n";
    for (int i = first; i < first + n; ++i) {
      out << "NS-" << i << ",130102,dust,工地扬尘" << i << ",裸土未覆盖 " << i
          << ",2017-11-21 09:00\n";
    }
  }
  std::ofstream(fleet.dir() + "/integration.key") << fleet.integration_keys().secret_z85;
  const std::string cmd = "ip netns exec " + hosts.a() + " env DUCHA_CAMPAIGN_DIR=" + SourceDir() +
                          "/deploy/campaigns/hebei-2017-2018 " + BuildDir() +
                          "/services/ctl/ducha-ctl import problems " + csv +
                          " --channel central_media --endpoint tcp://10.213.0.1:" + port +
                          " --server-key " + fleet.dir() + "/intake.key.pub --key-file " +
                          fleet.dir() + "/integration.key";
  return Sh(cmd);
}

TEST(MultiHost, ServicesOnTwoHostsResumeAfterTheLinkIsCutAndLoseNothing) {
  if (geteuid() != 0) GTEST_SKIP() << "network namespaces need root";
  Hosts hosts;
  if (!hosts.ok()) GTEST_SKIP() << "cannot create network namespaces and a veth pair here";

  Fleet fleet({"intake", "dispatch"});
  const std::string intake_port =
      fleet.Endpoint("intake").substr(fleet.Endpoint("intake").rfind(':') + 1);
  // Intake binds on host a's address; dispatch binds on host b's and reaches intake on host a.
  fleet.RewriteConfig("intake", "tcp://127.0.0.1:", "tcp://10.213.0.1:");
  fleet.RewriteConfig("dispatch",
                      "intake_endpoint = tcp://127.0.0.1:", "intake_endpoint = tcp://10.213.0.1:");
  fleet.RewriteConfig("dispatch", "tcp://127.0.0.1:", "tcp://10.213.0.2:");
  fleet.PlaceInNetns("intake", hosts.a());
  fleet.PlaceInNetns("dispatch", hosts.b());
  fleet.StartAll();
  ASSERT_TRUE(fleet.AwaitReady("intake")) << fleet.LogOf("intake");
  ASSERT_TRUE(fleet.AwaitReady("dispatch")) << fleet.LogOf("dispatch");

  ASSERT_EQ(Import(fleet, hosts, 1, 300, intake_port), 0) << fleet.LogOf("intake");
  ASSERT_TRUE(AwaitValue("SELECT count(*) FROM dispatch.problem_source", "300", 30000))
      << fleet.LogOf("dispatch");

  // Cut host b off; reports keep coming into intake on host a.
  hosts.Link(false);
  ASSERT_EQ(Import(fleet, hosts, 301, 300, intake_port), 0);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(Q("SELECT count(*) FROM dispatch.problem_source"), "300")
      << "dispatch cannot have fetched across a cut link";
  hosts.Link(true);
  EXPECT_TRUE(AwaitValue("SELECT count(*) FROM dispatch.problem_source", "600", 60000))
      << fleet.LogOf("dispatch");

  const auto lost =
      std::stoll(Q("SELECT count(*) FROM intake.report r WHERE NOT EXISTS (SELECT 1 "
                   "FROM dispatch.problem_source s WHERE s.report_id = r.report_id)"));
  // Applied twice, a report would make a second assignment event for its problem.
  const auto doubled =
      std::stoll(Q("SELECT count(*) FROM (SELECT key FROM dispatch.outbox WHERE type = "
                   "'dispatch.problem_assigned' GROUP BY key HAVING count(*) > 1) x"));
  const auto unexpected =
      std::stoll(Q("SELECT count(*) FROM dispatch.problem_source s WHERE NOT EXISTS (SELECT 1 FROM "
                   "intake.report r WHERE r.report_id = s.report_id)"));
  std::printf("[netns] lost=%lld duplicated=%lld unexpected=%lld (reports=%s)\n",
              static_cast<long long>(lost), static_cast<long long>(doubled),
              static_cast<long long>(unexpected), Q("SELECT count(*) FROM intake.report").c_str());
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(doubled, 0);
  EXPECT_EQ(unexpected, 0);
}

}  // namespace
}  // namespace ducha::testing
