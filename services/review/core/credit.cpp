#include "services/review/core/credit.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "services/review/core/rules.h"

namespace ducha::review {
namespace {

using Json = nlohmann::ordered_json;

Result<int> NonNegative(const Json& j, const std::string& key, const std::string& where) {
  if (!j.contains(key)) return MakeError("missing_field", where, where + " is missing");
  if (!j.at(key).is_number_integer() || j.at(key).get<long long>() < 0 ||
      j.at(key).get<long long>() > 100000) {
    return MakeError("invalid_value", where, where + " must be a non-negative integer");
  }
  return static_cast<int>(j.at(key).get<long long>());
}

}  // namespace

Result<CreditRules> CreditRules::Parse(std::string_view json_text) {
  Json j;
  try {
    j = Json::parse(json_text);
  } catch (const std::exception& e) {
    return MakeError("malformed", "", std::string("the credit rule is not JSON: ") + e.what());
  }
  if (!j.is_object()) return MakeError("malformed", "", "the credit rule must be an object");
  CreditRules r;
  auto version = NonNegative(j, "version", "version");
  if (!version) return version.error();
  r.version_ = *version;
  auto window = NonNegative(j, "window_days", "window_days");
  if (!window) return window.error();
  if (*window < 1) return MakeError("invalid_value", "window_days", "window_days must be >= 1");
  r.window_days_ = *window;
  if (!j.contains("violation_points") || !j["violation_points"].is_object()) {
    return MakeError("missing_field", "violation_points", "violation_points is missing");
  }
  for (const auto& [severity, v] : j["violation_points"].items()) {
    if (severity != "general" && severity != "serious" && severity != "major") {
      return MakeError("invalid_value", "violation_points." + severity,
                       "'" + severity + "' is not a severity (general, serious, major)");
    }
    auto p = NonNegative(j["violation_points"], severity, "violation_points." + severity);
    if (!p) return p.error();
    r.violation_points_.emplace_back(severity, *p);
  }
  auto failed = NonNegative(j, "failed_reinspection_points", "failed_reinspection_points");
  if (!failed) return failed.error();
  r.failed_reinspection_points_ = *failed;
  if (j.contains("immediate_black_facts")) {
    for (const auto& f : j["immediate_black_facts"]) {
      if (!f.is_string() || !IsVerifiedFact(f.get<std::string>())) {
        return MakeError("invalid_value", "immediate_black_facts",
                         "immediate_black_facts lists facts the commissioner office verifies");
      }
      r.immediate_black_.push_back(f.get<std::string>());
    }
  }
  if (!j.contains("colours") || !j["colours"].is_array() || j["colours"].empty()) {
    return MakeError("missing_field", "colours", "colours is missing");
  }
  int next = 0;
  const auto& colours = j["colours"];
  for (std::size_t i = 0; i < colours.size(); ++i) {
    const std::string where = "colours[" + std::to_string(i) + "]";
    const Json& c = colours[i];
    if (!c.is_object() || !c.contains("name") || !c.contains("display_name")) {
      return MakeError("missing_field", where, where + " needs name and display_name");
    }
    Colour colour{c["name"].get<std::string>(), c["display_name"].get<std::string>(), 0, {}};
    auto min = NonNegative(c, "min_points", where + ".min_points");
    if (!min) return min.error();
    if (*min != next) {
      return MakeError(
          "invalid_value", where + ".min_points",
          where + " must start at " + std::to_string(next) + " (colours are contiguous from 0)");
    }
    colour.min_points = *min;
    if (c.contains("max_points")) {
      auto max = NonNegative(c, "max_points", where + ".max_points");
      if (!max) return max.error();
      if (*max < *min) return MakeError("invalid_value", where + ".max_points", "max < min");
      colour.max_points = *max;
      next = *max + 1;
    } else if (i + 1 != colours.size()) {
      return MakeError("invalid_value", where, "only the last colour may be open-ended");
    }
    r.colours_.push_back(std::move(colour));
  }
  if (r.colours_.back().max_points || r.colours_.back().min_points != kBlack) {
    return MakeError("invalid_value", "colours",
                     "the last colour must start at 12 points and have no upper bound (black)");
  }
  return r;
}

Result<CreditRules> CreditRules::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return MakeError("not_found", "", "cannot read the credit rule " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  auto r = Parse(ss.str());
  if (!r) {
    Error e = r.error();
    e.message = path + ": " + e.message;
    return e;
  }
  return r;
}

int CreditRules::ViolationPoints(std::string_view severity) const {
  for (const auto& [name, points] : violation_points_) {
    if (name == severity) return points;
  }
  return 0;
}

bool CreditRules::ScoresBlackAtOnce(std::string_view fact) const {
  return std::find(immediate_black_.begin(), immediate_black_.end(), fact) !=
         immediate_black_.end();
}

const Colour& CreditRules::ColourFor(int points) const {
  for (const Colour& c : colours_) {
    if (points >= c.min_points && (!c.max_points || points <= *c.max_points)) return c;
  }
  return colours_.back();
}

int CurrentPoints(const CreditRules& rules, const std::vector<CreditEntry>& entries,
                  timeutil::Millis now) {
  const timeutil::Millis from =
      now - static_cast<timeutil::Millis>(rules.window_days()) * 86'400'000;
  int total = 0;
  for (const CreditEntry& e : entries) {
    if (!e.cleared && e.at > from && e.at <= now) total += e.points;
  }
  return total;
}

}  // namespace ducha::review
