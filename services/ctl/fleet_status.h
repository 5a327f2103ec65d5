#pragma once
// What `ducha-ctl status` makes of a service's operations endpoint (pure: no I/O): the fleet file
// naming each service's HTTP address, the /healthz line, and the Prometheus text of /metrics
// reduced to what an operator checks first (stream lags, dead letters).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace ducha::ctl {

// One line per service: `NAME HOST:PORT` (the service's [http] address); blank lines and lines
// starting with '#' are ignored.
struct FleetEntry {
  std::string service;
  std::string host;
  int port = 0;
};
Result<std::vector<FleetEntry>> ParseFleet(std::string_view text);

// One consumer's position, from ducha_stream_consumer_lag and ducha_stream_consumer_connected.
struct StreamLag {
  std::string producer;
  std::string stream;
  std::int64_t lag = 0;
  bool connected = false;
};

struct MetricsSummary {
  std::vector<StreamLag> streams;  // in the order they appear
  // ducha_stream_dead_letters_unresolved; none when the service does not export it, -1 when
  // the service could not count them (its database is unreachable).
  std::optional<std::int64_t> dead_letters;
};
// Reads the samples we need from Prometheus text format 0.0.4; other lines are ignored.
MetricsSummary SummariseMetrics(std::string_view text);

// "ok intake 0.1.0" (the /healthz body) -> "0.1.0"; empty when it does not have that shape.
std::string VersionFromHealth(std::string_view body);

}  // namespace ducha::ctl
