#pragma once
// Service configuration: a file of `key = value` lines ("[section]" headers prefix the keys that
// follow with "section."), with environment overrides: key "intake.endpoint" is overridden by
// DUCHA_INTAKE_ENDPOINT. Values are read through typed getters that collect every problem, so a
// bad configuration is refused at start with all its errors at once; keys in the file that no
// getter asked for are errors too (a typo must not silently fall back to a default).
// Not thread-safe; used once at start.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace ducha {

class Config {
 public:
  // `env` maps variable names to values; pass Config::ProcessEnv() in services.
  static Result<Config> Parse(std::string_view text, std::string source,
                              std::map<std::string, std::string> env = {});
  static Result<Config> Load(const std::string& path, std::map<std::string, std::string> env = {});
  static std::map<std::string, std::string> ProcessEnv();
  static std::string EnvName(std::string_view key);

  std::string String(const std::string& key, const std::string& fallback);
  std::string RequiredString(const std::string& key);
  std::int64_t Int(const std::string& key, std::int64_t fallback, std::int64_t min,
                   std::int64_t max);
  double Double(const std::string& key, double fallback, double min, double max);
  bool Bool(const std::string& key, bool fallback);
  std::vector<std::string> List(const std::string& key, const std::vector<std::string>& fallback);

  // Records a problem found by the caller's own validation (e.g. two settings that conflict).
  void AddError(const std::string& key, const std::string& message);
  bool Has(const std::string& key) const;

  // OK when every value parsed and every key in the file was used; otherwise one Error whose
  // message lists every problem, one per line.
  Status Finish() const;
  const std::string& source() const { return source_; }

 private:
  const std::string* Lookup(const std::string& key);

  std::string source_;
  std::map<std::string, std::string> values_;
  std::map<std::string, int> lines_;
  std::map<std::string, std::string> env_;
  std::set<std::string> used_;
  std::vector<std::string> errors_;
  std::string env_value_;
};

}  // namespace ducha
