// fleet_soak: the soak run of issue #8 — the fleet (intake, dispatch, tracking, review) under a
// steady load for a given number of minutes, sampling every service's resident memory and the
// stream lags every 30 s, then judging: memory flat (the last third's peak within 10 % of the
// middle third's, after a warm-up third) and no growth in lag (the last third's worst lag no
// worse than the middle third's plus one fetch's worth). Not a CI test: run it with
// deploy/local/soak.sh [minutes] [reports per second] on an optimised build.

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/fleet.h"
#include "tests/support/test_cluster.h"

namespace {

using namespace ducha::testing;
using Clock = std::chrono::steady_clock;

long RssKiB(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
  }
  return -1;
}

long long Lag(const std::string& producer_schema, const std::string& stream,
              const std::string& consumer_schema) {
  return std::stoll(TestCluster::Get().QueryValue(
      "SELECT coalesce((SELECT last_seq FROM " + producer_schema + ".stream_head WHERE stream = '" +
      stream + "'), 0) - coalesce((SELECT applied_seq FROM " + consumer_schema +
      ".stream_cursor WHERE producer = '" + producer_schema + "' AND stream = '" + stream +
      "'), 0)"));
}

struct Sample {
  double minute = 0;
  std::map<std::string, long> rss;
  long long lag_reports = 0;
  long long lag_assignments = 0;
  long long lag_ledger = 0;
  int submitted = 0;
};

}  // namespace

int main(int argc, char** argv) {
  const double minutes = argc > 1 ? std::atof(argv[1]) : 30;
  const int rate = argc > 2 ? std::atoi(argv[2]) : 100;
  const std::vector<std::string> services = {"intake", "dispatch", "tracking", "review"};
  Fleet fleet(services);
  fleet.StartAll();
  if (!fleet.AwaitReady("intake")) {
    std::fprintf(stderr, "intake did not start:\n%s\n", fleet.LogOf("intake").c_str());
    return 2;
  }
  std::printf("soak: %.1f min at %d reports/s; sampling every 30 s\n", minutes, rate);
  std::printf("%6s %9s %9s %9s %9s %8s %8s %8s %9s\n", "min", "intake", "dispatch", "tracking",
              "review", "lag rep", "lag asg", "lag led", "submitted");
  std::vector<Sample> samples;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double, std::ratio<60>>(minutes);
  auto next_sample = start + std::chrono::seconds(30);
  int second = 0;
  int submitted = 0;
  int gave_up = 0;
  while (Clock::now() < end) {
    const auto tick = Clock::now();
    LoadDriver load(fleet, 4, 1'000'000 + static_cast<std::uint64_t>(second++));
    load.Run(rate);
    submitted += rate;
    gave_up += load.gave_up();
    if (Clock::now() >= next_sample) {
      Sample s;
      s.minute = std::chrono::duration<double, std::ratio<60>>(Clock::now() - start).count();
      for (const auto& name : services) s.rss[name] = RssKiB(fleet.Pid(name));
      s.lag_reports = Lag("intake", "reports", "dispatch");
      s.lag_assignments = Lag("dispatch", "assignments", "tracking");
      s.lag_ledger = Lag("tracking", "ledger", "review");
      s.submitted = submitted;
      std::printf("%6.1f %8ldK %8ldK %8ldK %8ldK %8lld %8lld %8lld %9d\n", s.minute,
                  s.rss["intake"], s.rss["dispatch"], s.rss["tracking"], s.rss["review"],
                  s.lag_reports, s.lag_assignments, s.lag_ledger, s.submitted);
      std::fflush(stdout);
      samples.push_back(s);
      next_sample += std::chrono::seconds(30);
    }
    std::this_thread::sleep_until(tick + std::chrono::seconds(1));
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("submitted %d reports in %.0f s (%.1f/s achieved), %d gave up\n", submitted, elapsed,
              static_cast<double>(submitted) / elapsed, gave_up);
  if (samples.size() < 6) {
    std::printf("too short to judge (need at least 3 minutes)\n");
    return 0;
  }
  const std::size_t third = samples.size() / 3;
  bool ok = gave_up == 0;
  for (const auto& name : services) {
    long middle = 0;
    long last = 0;
    for (std::size_t i = third; i < 2 * third; ++i) middle = std::max(middle, samples[i].rss[name]);
    for (std::size_t i = 2 * third; i < samples.size(); ++i) {
      last = std::max(last, samples[i].rss[name]);
    }
    const double growth =
        middle > 0 ? 100.0 * static_cast<double>(last - middle) / static_cast<double>(middle) : 0;
    const bool flat = last <= middle * 11 / 10;
    ok = ok && flat;
    std::printf("memory %-8s middle third peak %ld KiB, last third peak %ld KiB (%+.1f %%): %s\n",
                name.c_str(), middle, last, growth, flat ? "flat" : "GROWING");
  }
  auto worst = [&](std::size_t from, std::size_t to) {
    long long w = 0;
    for (std::size_t i = from; i < to; ++i) {
      w = std::max({w, samples[i].lag_reports, samples[i].lag_assignments, samples[i].lag_ledger});
    }
    return w;
  };
  const long long lag_middle = worst(third, 2 * third);
  const long long lag_last = worst(2 * third, samples.size());
  const bool lag_ok = lag_last <= lag_middle + 1000;
  ok = ok && lag_ok;
  std::printf("lag: middle third worst %lld events, last third worst %lld: %s\n", lag_middle,
              lag_last, lag_ok ? "no growth" : "GROWING");
  std::printf("soak %s\n", ok ? "PASSED" : "FAILED");
  return ok ? 0 : 1;
}
