#pragma once
// Metrics in the Prometheus text format. The core keeps plain counter structs
// (IntakeStats{accepted, rejected, ...}); a service registers a reader lambda per metric here,
// so domain code never sees this module. Latency goes into Histogram, a fixed-bucket,
// lock-free histogram. Registration happens at start; Render() may run on any thread.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

namespace ducha::obs {

class Histogram {
 public:
  // Upper bounds in seconds: 0.5 ms .. 10 s.
  static constexpr std::array<double, 14> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};
  void Observe(double seconds);
  struct Snapshot {
    std::array<std::uint64_t, kBounds.size() + 1> buckets{};  // cumulative counts per bound
    std::uint64_t count = 0;
    double sum = 0;
  };
  Snapshot Read() const;

 private:
  std::array<std::atomic<std::uint64_t>, kBounds.size() + 1> counts_{};
  std::atomic<std::uint64_t> sum_micros_{0};
};

class Metrics {
 public:
  enum class Kind { kCounter, kGauge };
  // `labels` like {{"stream", "reports"}}.
  using Labels = std::vector<std::pair<std::string, std::string>>;
  void Add(Kind kind, const std::string& name, const std::string& help, Labels labels,
           std::function<double()> read);
  void AddHistogram(const std::string& name, const std::string& help, Labels labels,
                    const Histogram& histogram);
  std::string Render() const;

 private:
  struct Entry {
    Kind kind;
    std::string name;
    std::string help;
    Labels labels;
    std::function<double()> read;
    const Histogram* histogram = nullptr;
  };
  mutable std::mutex mu_;
  std::vector<Entry> entries_;
};

}  // namespace ducha::obs
