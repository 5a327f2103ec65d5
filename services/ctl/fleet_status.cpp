#include "services/ctl/fleet_status.h"

#include <charconv>
#include <map>

namespace ducha::ctl {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    out.push_back(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

// A sample line `name{k="v",...} value`: its name, labels and value; none for other lines.
struct Sample {
  std::string_view name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

std::optional<Sample> ParseSample(std::string_view line) {
  line = Trim(line);
  if (line.empty() || line.front() == '#') return std::nullopt;
  Sample s;
  std::size_t i = line.find_first_of("{ ");
  if (i == std::string_view::npos) return std::nullopt;
  s.name = line.substr(0, i);
  if (line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      const auto eq = line.find('=', i);
      if (eq == std::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
        return std::nullopt;
      }
      std::string key(Trim(line.substr(i, eq - i)));
      std::string value;
      std::size_t j = eq + 2;
      for (; j < line.size() && line[j] != '"'; ++j) {
        if (line[j] == '\\' && j + 1 < line.size()) ++j;
        value += line[j];
      }
      if (j >= line.size()) return std::nullopt;
      s.labels.emplace(std::move(key), std::move(value));
      i = j + 1;
      if (i < line.size() && line[i] == ',') ++i;
    }
    if (i >= line.size()) return std::nullopt;
    ++i;
  }
  std::string_view rest = Trim(line.substr(i));
  rest = rest.substr(0, rest.find(' '));  // an optional timestamp follows
  try {
    s.value = std::stod(std::string(rest));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return s;
}

}  // namespace

Result<std::vector<FleetEntry>> ParseFleet(std::string_view text) {
  std::vector<FleetEntry> out;
  int line_no = 0;
  for (std::string_view line : Lines(text)) {
    ++line_no;
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;
    const auto sp = line.find_first_of(" \t");
    const std::string where = "line " + std::to_string(line_no);
    if (sp == std::string_view::npos) {
      return MakeError("bad_fleet", where,
                       "expected NAME HOST:PORT, got '" + std::string(line) + "'");
    }
    FleetEntry e;
    e.service = std::string(line.substr(0, sp));
    const std::string_view addr = Trim(line.substr(sp));
    const auto colon = addr.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      return MakeError("bad_fleet", where, "'" + std::string(addr) + "' is not HOST:PORT");
    }
    e.host = std::string(addr.substr(0, colon));
    const std::string_view port = addr.substr(colon + 1);
    const auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), e.port);
    if (ec != std::errc() || p != port.data() + port.size() || e.port < 1 || e.port > 65535) {
      return MakeError("bad_fleet", where, "port '" + std::string(port) + "' is not 1..65535");
    }
    out.push_back(std::move(e));
  }
  if (out.empty()) return MakeError("bad_fleet", "", "the fleet file names no service");
  return out;
}

MetricsSummary SummariseMetrics(std::string_view text) {
  MetricsSummary out;
  std::map<std::pair<std::string, std::string>, std::size_t> index;
  auto entry = [&](const Sample& s) -> StreamLag& {
    const auto key = std::make_pair(s.labels.count("producer") ? s.labels.at("producer") : "",
                                    s.labels.count("stream") ? s.labels.at("stream") : "");
    auto it = index.find(key);
    if (it == index.end()) {
      it = index.emplace(key, out.streams.size()).first;
      out.streams.push_back(StreamLag{key.first, key.second, 0, false});
    }
    return out.streams[it->second];
  };
  for (std::string_view line : Lines(text)) {
    const auto s = ParseSample(line);
    if (!s) continue;
    if (s->name == "ducha_stream_consumer_lag") {
      entry(*s).lag = static_cast<std::int64_t>(s->value);
    } else if (s->name == "ducha_stream_consumer_connected") {
      entry(*s).connected = s->value >= 1;
    } else if (s->name == "ducha_stream_dead_letters_unresolved") {
      const auto n = static_cast<std::int64_t>(s->value);
      out.dead_letters = n < 0 ? -1 : out.dead_letters.value_or(0) + n;
    }
  }
  return out;
}

std::string VersionFromHealth(std::string_view body) {
  body = Trim(body);
  while (!body.empty() && body.back() == '\n') body.remove_suffix(1);
  if (body.substr(0, 3) != "ok ") return "";
  body.remove_prefix(3);
  const auto sp = body.find(' ');
  if (sp == std::string_view::npos) return "";
  return std::string(Trim(body.substr(sp + 1)));
}

}  // namespace ducha::ctl
