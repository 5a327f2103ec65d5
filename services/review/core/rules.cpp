#include "services/review/core/rules.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace ducha::review {
namespace {

using Json = nlohmann::ordered_json;

Result<int> IntField(const Json& obj, const char* key, const std::string& where, int min_value) {
  const auto it = obj.find(key);
  if (it == obj.end())
    return MakeError("missing_field", where + "." + key, where + " needs " + key);
  if (!it->is_number_integer()) {
    return MakeError("invalid_value", where + "." + key, where + "." + key + " must be an integer");
  }
  const auto v = it->get<long long>();
  if (v < min_value || v > 1'000'000) {
    return MakeError("invalid_value", where + "." + key,
                     where + "." + key + " must be at least " + std::to_string(min_value));
  }
  return static_cast<int>(v);
}

Result<std::string> TextField(const Json& obj, const char* key, const std::string& where) {
  const auto it = obj.find(key);
  if (it == obj.end() || !it->is_string() || it->get<std::string>().empty()) {
    return MakeError("missing_field", where + "." + key, where + " needs a non-empty " + key);
  }
  return it->get<std::string>();
}

}  // namespace

bool IsVerifiedFact(std::string_view name) {
  return std::find(std::begin(kVerifiedFactNames), std::end(kVerifiedFactNames), name) !=
         std::end(kVerifiedFactNames);
}

Result<Rules> Rules::Parse(std::string_view json_text) {
  Json j;
  try {
    j = Json::parse(json_text);
  } catch (const std::exception& e) {
    return MakeError("malformed", "", std::string("the rule table is not JSON: ") + e.what());
  }
  if (!j.is_object()) return MakeError("malformed", "", "the rule table must be a JSON object");
  Rules r;
  auto version = IntField(j, "version", "rules", 1);
  if (!version) return version.error();
  r.version_ = *version;

  const auto facts = j.find("facts");
  if (facts == j.end() || !facts->is_object() || facts->empty()) {
    return MakeError("missing_field", "facts", "the rule table needs at least one fact");
  }
  for (const auto& [name, spec] : facts->items()) {
    const std::string where = "facts." + name;
    if (std::find(std::begin(kFactNames), std::end(kFactNames), name) == std::end(kFactNames)) {
      std::string known;
      for (std::string_view k : kFactNames) known += (known.empty() ? "" : ", ") + std::string(k);
      return MakeError("unknown_fact", where,
                       "'" + name + "' is not a fact review can establish (known: " + known + ")");
    }
    if (!spec.is_object()) return MakeError("malformed", where, where + " must be an object");
    FactRule f;
    f.name = name;
    auto display = TextField(spec, "display_name", where);
    if (!display) return display.error();
    f.display_name = *display;
    auto points = IntField(spec, "points_each", where, 0);
    if (!points) return points.error();
    f.points_each = *points;
    if (spec.contains("max_points")) {
      auto max = IntField(spec, "max_points", where, 0);
      if (!max) return max.error();
      f.max_points = *max;
    }
    r.facts_.push_back(std::move(f));
  }

  const auto levels = j.find("levels");
  if (levels == j.end() || !levels->is_array() || levels->empty()) {
    return MakeError("missing_field", "levels", "the rule table needs at least one level");
  }
  for (std::size_t i = 0; i < levels->size(); ++i) {
    const Json& spec = (*levels)[i];
    const std::string where = "levels[" + std::to_string(i) + "]";
    if (!spec.is_object()) return MakeError("malformed", where, where + " must be an object");
    Level l;
    auto name = TextField(spec, "name", where);
    if (!name) return name.error();
    l.name = *name;
    auto display = TextField(spec, "display_name", where);
    if (!display) return display.error();
    l.display_name = *display;
    auto min = IntField(spec, "min_points", where, 1);
    if (!min) return min.error();
    l.min_points = *min;
    if (spec.contains("max_points")) {
      auto max = IntField(spec, "max_points", where, 1);
      if (!max) return max.error();
      if (*max < l.min_points) {
        return MakeError("invalid_value", where + ".max_points",
                         where + ": max_points is below min_points");
      }
      l.max_points = *max;
    }
    for (std::size_t k = 0; k < r.levels_.size(); ++k) {
      const Level& o = r.levels_[k];
      const long long a_hi = l.max_points.value_or(1'000'000'000);
      const long long b_hi = o.max_points.value_or(1'000'000'000);
      if (l.min_points <= b_hi && o.min_points <= a_hi) {
        return MakeError("overlapping_levels", where,
                         where + " (" + l.name + ") overlaps levels[" + std::to_string(k) + "] (" +
                             o.name + ")");
      }
      if (l.name == o.name) {
        return MakeError("duplicate_value", where + ".name", "level '" + l.name + "' is repeated");
      }
    }
    r.levels_.push_back(std::move(l));
  }
  std::sort(r.levels_.begin(), r.levels_.end(),
            [](const Level& a, const Level& b) { return a.min_points < b.min_points; });
  return r;
}

Result<Rules> Rules::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return MakeError("not_found", "", "cannot read the rule table " + path);
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

const FactRule* Rules::FindFact(std::string_view name) const {
  for (const FactRule& f : facts_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const Level* Rules::LevelFor(int points) const {
  for (const Level& l : levels_) {
    if (points >= l.min_points && (!l.max_points || points <= *l.max_points)) return &l;
  }
  return nullptr;
}

}  // namespace ducha::review
