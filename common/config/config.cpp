#include "common/config/config.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

extern char** environ;

namespace ducha {
namespace {

std::string fmt_line(const std::string& source, int line, const std::string& what) {
  return source + ":" + std::to_string(line) + ": " + what;
}

std::string Trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

std::string Config::EnvName(std::string_view key) {
  std::string out = "DUCHA_";
  for (char c : key) {
    out += (c == '.' || c == '-') ? '_'
                                  : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::map<std::string, std::string> Config::ProcessEnv() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    if (kv.substr(0, 6) != "DUCHA_") continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

Result<Config> Config::Parse(std::string_view text, std::string source,
                             std::map<std::string, std::string> env) {
  Config c;
  c.source_ = std::move(source);
  c.env_ = std::move(env);
  std::string section;
  int line_no = 0;
  std::istringstream in{std::string(text)};
  std::string raw;
  std::vector<std::string> errors;
  while (std::getline(in, raw)) {
    ++line_no;
    std::string line = Trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      if (line.back() != ']' || line.size() < 3) {
        errors.push_back(fmt_line(c.source_, line_no, "malformed section header"));
        continue;
      }
      section = Trim(std::string_view(line).substr(1, line.size() - 2));
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos) {
      errors.push_back(fmt_line(c.source_, line_no, "expected 'key = value'"));
      continue;
    }
    std::string key = Trim(std::string_view(line).substr(0, eq));
    std::string value = Trim(std::string_view(line).substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    if (key.empty()) {
      errors.push_back(fmt_line(c.source_, line_no, "empty key"));
      continue;
    }
    if (!section.empty()) key = section + "." + key;
    if (c.values_.count(key) != 0) {
      errors.push_back(fmt_line(c.source_, line_no, "duplicate key '" + key + "'"));
      continue;
    }
    c.values_[key] = value;
    c.lines_[key] = line_no;
  }
  if (!errors.empty()) {
    std::string msg;
    for (const auto& e : errors) msg += e + "\n";
    msg.pop_back();
    return MakeError("bad_config", "", msg);
  }
  return c;
}

Result<Config> Config::Load(const std::string& path, std::map<std::string, std::string> env) {
  std::ifstream f(path);
  if (!f) return MakeError("bad_config", "", "cannot read configuration file " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return Parse(ss.str(), path, std::move(env));
}

const std::string* Config::Lookup(const std::string& key) {
  used_.insert(key);
  auto e = env_.find(EnvName(key));
  if (e != env_.end()) {
    env_value_ = e->second;
    return &env_value_;
  }
  auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

bool Config::Has(const std::string& key) const {
  return values_.count(key) != 0 || env_.count(EnvName(key)) != 0;
}

void Config::AddError(const std::string& key, const std::string& message) {
  errors_.push_back(key + ": " + message);
}

std::string Config::String(const std::string& key, const std::string& fallback) {
  const std::string* v = Lookup(key);
  return v ? *v : fallback;
}

std::string Config::RequiredString(const std::string& key) {
  const std::string* v = Lookup(key);
  if (v == nullptr || v->empty()) {
    AddError(key, "is required (set it in " + source_ + " or in " + EnvName(key) + ")");
    return {};
  }
  return *v;
}

std::int64_t Config::Int(const std::string& key, std::int64_t fallback, std::int64_t min,
                         std::int64_t max) {
  const std::string* v = Lookup(key);
  if (v == nullptr) return fallback;
  errno = 0;
  char* end = nullptr;
  const long long n = std::strtoll(v->c_str(), &end, 10);
  if (v->empty() || end == nullptr || *end != '\0' || errno == ERANGE) {
    AddError(key, "'" + *v + "' is not an integer");
    return fallback;
  }
  if (n < min || n > max) {
    AddError(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                      ", got " + *v);
    return fallback;
  }
  return n;
}

double Config::Double(const std::string& key, double fallback, double min, double max) {
  const std::string* v = Lookup(key);
  if (v == nullptr) return fallback;
  char* end = nullptr;
  const double d = std::strtod(v->c_str(), &end);
  if (v->empty() || end == nullptr || *end != '\0') {
    AddError(key, "'" + *v + "' is not a number");
    return fallback;
  }
  if (!(d >= min && d <= max)) {  // written so that NaN ("nan" parses) fails the check too
    AddError(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                      ", got " + *v);
    return fallback;
  }
  return d;
}

bool Config::Bool(const std::string& key, bool fallback) {
  const std::string* v = Lookup(key);
  if (v == nullptr) return fallback;
  if (*v == "true" || *v == "yes" || *v == "on" || *v == "1") return true;
  if (*v == "false" || *v == "no" || *v == "off" || *v == "0") return false;
  AddError(key, "'" + *v + "' is not a boolean (true/false)");
  return fallback;
}

std::vector<std::string> Config::List(const std::string& key,
                                      const std::vector<std::string>& fallback) {
  const std::string* v = Lookup(key);
  if (v == nullptr) return fallback;
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(*v);
  while (std::getline(in, item, ',')) {
    item = Trim(item);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

Status Config::Finish() const {
  std::vector<std::string> problems = errors_;
  for (const auto& [key, value] : values_) {
    if (used_.count(key) == 0) {
      problems.push_back(fmt_line(source_, lines_.at(key), "unknown setting '" + key + "'"));
    }
  }
  if (problems.empty()) return OkStatus();
  std::string msg = "invalid configuration (" + source_ + "):";
  for (const auto& p : problems) msg += "\n  " + p;
  return MakeError("bad_config", "", msg);
}

}  // namespace ducha
