#include "common/campaign/loader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "common/base/text.h"
#include "common/base/time.h"

namespace ducha::campaign {
namespace {

// ordered_json keeps the file's key order, so "the first" error is the first in the file.
using Json = nlohmann::ordered_json;

// Structure checks have dozens of early exits; a local exception keeps each of them one line. It
// never leaves this file: ParseSpec turns it back into an Error.
struct Failure {
  Error error;
};

[[noreturn]] void Fail(std::string code, std::string field, std::string message) {
  throw Failure{MakeError(std::move(code), std::move(field), std::move(message))};
}

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}

std::string At(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

// Rejects keys the format does not define: a misspelt optional key would otherwise be ignored
// and its default silently used.
void ExpectKeys(const Json& obj, const std::string& path,
                std::initializer_list<std::string_view> allowed) {
  for (const auto& [key, value] : obj.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      Fail("unknown_field", Join(path, key), "'" + key + "' is not part of the campaign format");
    }
  }
}

const Json& Object(const Json& value, const std::string& path) {
  if (!value.is_object()) Fail("wrong_type", path, "must be an object");
  return value;
}

const Json& Array(const Json& value, const std::string& path) {
  if (!value.is_array()) Fail("wrong_type", path, "must be an array");
  return value;
}

const Json& Field(const Json& obj, std::string_view key, const std::string& path) {
  const auto it = obj.find(key);
  if (it == obj.end()) Fail("missing_field", Join(path, key), "required");
  return *it;
}

std::string String(const Json& value, const std::string& path) {
  if (!value.is_string()) Fail("wrong_type", path, "must be a string");
  return value.get<std::string>();
}

std::int64_t Integer(const Json& value, const std::string& path, std::int64_t min,
                     std::int64_t max) {
  if (!value.is_number_integer()) Fail("wrong_type", path, "must be an integer");
  // Unsigned values above int64 range are out of any of our ranges anyway.
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
    Fail("invalid_value", path, "must be at most " + std::to_string(max));
  }
  const auto v = value.get<std::int64_t>();
  if (v < min || v > max) {
    Fail("invalid_value", path,
         "must lie between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return v;
}

int Int(const Json& value, const std::string& path) {
  return static_cast<int>(
      Integer(value, path, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
}

DivisionCode Code(const Json& value, const std::string& path) {
  if (!value.is_number_integer()) Fail("wrong_type", path, "a division code is an integer");
  if (value.is_number_unsigned() && value.get<std::uint64_t>() > 999999) {
    Fail("unknown_code", path, "a division code has six digits");
  }
  const auto v = value.get<std::int64_t>();
  if (v < 100000 || v > 999999) {
    Fail("unknown_code", path, std::to_string(v) + " is not a six-digit division code");
  }
  return static_cast<DivisionCode>(v);
}

double Number(const Json& value, const std::string& path) {
  if (!value.is_number()) Fail("wrong_type", path, "must be a number");
  return value.get<double>();
}

bool Bool(const Json& value, const std::string& path) {
  if (!value.is_boolean()) Fail("wrong_type", path, "must be true or false");
  return value.get<bool>();
}

Day Date(const Json& value, const std::string& path) {
  const std::string s = String(value, path);
  const auto day = timeutil::ParseDate(s);
  if (!day) Fail("invalid_value", path, "'" + s + "' is not a date YYYY-MM-DD");
  return *day;
}

std::string StringAt(const Json& obj, std::string_view key, const std::string& path) {
  return String(Field(obj, key, path), Join(path, key));
}

std::string OptionalString(const Json& obj, std::string_view key, const std::string& path) {
  return obj.contains(key) ? StringAt(obj, key, path) : std::string();
}

bool OptionalBool(const Json& obj, std::string_view key, const std::string& path) {
  return obj.contains(key) ? Bool(obj.at(key), Join(path, key)) : false;
}

std::vector<std::string> Strings(const Json& value, const std::string& path) {
  std::vector<std::string> out;
  const Json& array = Array(value, path);
  for (std::size_t i = 0; i < array.size(); ++i) out.push_back(String(array[i], At(path, i)));
  return out;
}

std::vector<DivisionCode> Codes(const Json& value, const std::string& path) {
  std::vector<DivisionCode> out;
  const Json& array = Array(value, path);
  for (std::size_t i = 0; i < array.size(); ++i) out.push_back(Code(array[i], At(path, i)));
  return out;
}

// Keys that are numbers in text ("2" for a round, "130102" for a county).
std::int64_t NumericKey(std::string_view key, const std::string& path) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), v);
  if (ec != std::errc() || end != key.data() + key.size() || key.empty()) {
    Fail("invalid_value", path, "'" + std::string(key) + "' is not a number");
  }
  return v;
}

Json ParseJson(std::string_view text) {
  // nlohmann keeps the last of two equal keys without a word; a hand-edited file with a group
  // listed twice must be an error instead. The callback sees every key of every object.
  struct Frame {
    std::set<std::string> keys;
    std::string last;
  };
  std::vector<Frame> frames;
  const auto path = [&frames] {
    std::string p;
    for (const Frame& f : frames) p = f.last.empty() ? p : Join(p, f.last);
    return p;
  };
  const Json::parser_callback_t callback = [&](int, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start:
        frames.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        if (!frames.empty()) frames.pop_back();
        break;
      case Json::parse_event_t::key: {
        const std::string key = parsed.get<std::string>();
        if (!frames.back().keys.insert(key).second) {
          frames.back().last.clear();
          Fail("duplicate", Join(path(), key), "key '" + key + "' appears twice");
        }
        frames.back().last = key;
        break;
      }
      default:
        break;
    }
    return true;
  };
  try {
    return Json::parse(text.begin(), text.end(), callback);
  } catch (const Json::parse_error& e) {
    // Position as line and column: what an operator's editor shows.
    const std::size_t end = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < end; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
        ++column;  // Count characters, not UTF-8 continuation bytes, as editors do.
      }
    }
    std::string detail = e.what();
    // Drop nlohmann's "[json.exception...] parse error at ...: " prefix; the position is above.
    if (const auto pos = detail.find(": "); pos != std::string::npos) detail.erase(0, pos + 2);
    Fail("malformed_json", "campaign.json",
         "not valid JSON at line " + std::to_string(line) + ", column " + std::to_string(column) +
             " (byte " + std::to_string(e.byte) + "): " + detail);
  }
}

void ReadInfo(const Json& root, CampaignSpec& spec) {
  const std::string path = "campaign";
  const Json& c = Object(Field(root, "campaign", ""), path);
  ExpectKeys(c, path, {"id", "name", "version", "utc_offset_minutes", "source"});
  spec.info.id = StringAt(c, "id", path);
  spec.info.name = StringAt(c, "name", path);
  spec.info.version = Int(Field(c, "version", path), Join(path, "version"));
  spec.info.utc_offset_minutes =
      Int(Field(c, "utc_offset_minutes", path), Join(path, "utc_offset_minutes"));
  spec.info.source = OptionalString(c, "source", path);

  const std::string ppath = "province";
  const Json& p = Object(Field(root, "province", ""), ppath);
  ExpectKeys(p, ppath, {"code", "name", "bounds", "note"});
  spec.province.code = Code(Field(p, "code", ppath), Join(ppath, "code"));
  spec.province.name = StringAt(p, "name", ppath);
  const std::string bpath = Join(ppath, "bounds");
  const Json& b = Object(Field(p, "bounds", ppath), bpath);
  ExpectKeys(b, bpath, {"lat_min", "lat_max", "lon_min", "lon_max"});
  spec.province.bounds.lat_min = Number(Field(b, "lat_min", bpath), Join(bpath, "lat_min"));
  spec.province.bounds.lat_max = Number(Field(b, "lat_max", bpath), Join(bpath, "lat_max"));
  spec.province.bounds.lon_min = Number(Field(b, "lon_min", bpath), Join(bpath, "lon_min"));
  spec.province.bounds.lon_max = Number(Field(b, "lon_max", bpath), Join(bpath, "lon_max"));
}

void ReadRounds(const Json& root, CampaignSpec& spec) {
  const Json& rounds = Array(Field(root, "rounds", ""), "rounds");
  for (std::size_t i = 0; i < rounds.size(); ++i) {
    const std::string path = At("rounds", i);
    const Json& r = Object(rounds[i], path);
    ExpectKeys(r, path, {"number", "from", "to"});
    spec.rounds.push_back(Round{Int(Field(r, "number", path), Join(path, "number")),
                                Date(Field(r, "from", path), Join(path, "from")),
                                Date(Field(r, "to", path), Join(path, "to"))});
  }
}

void ReadJurisdictions(const Json& root, CampaignSpec& spec) {
  const Json& list = Array(Field(root, "jurisdictions", ""), "jurisdictions");
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string path = At("jurisdictions", i);
    const Json& j = Object(list[i], path);
    ExpectKeys(j, path, {"code", "name", "bureau", "government", "campaign_local_code", "note"});
    Jurisdiction out;
    out.code = Code(Field(j, "code", path), Join(path, "code"));
    out.name = StringAt(j, "name", path);
    out.bureau = StringAt(j, "bureau", path);
    out.government = StringAt(j, "government", path);
    out.campaign_local_code = OptionalBool(j, "campaign_local_code", path);
    out.note = OptionalString(j, "note", path);
    spec.jurisdictions.push_back(std::move(out));
  }

  const std::string path = "counties";
  const Json& c = Object(Field(root, "counties", ""), path);
  ExpectKeys(c, path, {"file", "government_name_format", "government_names"});
  spec.counties_file = StringAt(c, "file", path);
  // The file lives beside campaign.json; nothing may reach outside the campaign directory.
  if (spec.counties_file.empty() || spec.counties_file.find('/') != std::string::npos ||
      spec.counties_file.find('\\') != std::string::npos || spec.counties_file[0] == '.') {
    Fail("invalid_value", Join(path, "file"),
         "must be a plain file name in the campaign directory");
  }
  spec.county_government_format = StringAt(c, "government_name_format", path);
  if (c.contains("government_names")) {
    const std::string gpath = Join(path, "government_names");
    for (const auto& [key, value] : Object(c.at("government_names"), gpath).items()) {
      const std::string kpath = Join(gpath, key);
      const auto code = NumericKey(key, kpath);
      if (code < 100000 || code > 999999) Fail("unknown_code", kpath, "not a division code");
      spec.county_government_overrides[static_cast<DivisionCode>(code)] = String(value, kpath);
    }
  }
}

void ReadGroups(const Json& root, CampaignSpec& spec) {
  const std::string rpath = "group_rules";
  const Json& rules = Object(Field(root, "group_rules", ""), rpath);
  ExpectKeys(rules, rpath,
             {"min_jurisdictions_per_group", "max_jurisdictions_per_group",
              "assignments_are_illustrative", "note"});
  spec.group_rules.min_jurisdictions_per_group =
      Int(Field(rules, "min_jurisdictions_per_group", rpath),
          Join(rpath, "min_jurisdictions_per_group"));
  spec.group_rules.max_jurisdictions_per_group =
      Int(Field(rules, "max_jurisdictions_per_group", rpath),
          Join(rpath, "max_jurisdictions_per_group"));
  spec.group_rules.assignments_are_illustrative =
      OptionalBool(rules, "assignments_are_illustrative", rpath);
  spec.group_rules.note = OptionalString(rules, "note", rpath);

  const Json& groups = Object(Field(root, "groups", ""), "groups");
  for (const auto& [id, value] : groups.items()) {
    const std::string path = Join("groups", id);
    const Json& g = Object(value, path);
    ExpectKeys(g, path, {"kind", "name", "min_members", "home_jurisdictions", "rounds"});
    Group group;
    group.id = id;
    const std::string kind = StringAt(g, "kind", path);
    if (kind == "supervision") {
      group.kind = GroupKind::kSupervision;
    } else if (kind == "covert") {
      group.kind = GroupKind::kCovert;
    } else {
      Fail("invalid_value", Join(path, "kind"), "must be 'supervision' or 'covert'");
    }
    group.name = StringAt(g, "name", path);
    group.min_members = Int(Field(g, "min_members", path), Join(path, "min_members"));
    if (g.contains("home_jurisdictions")) {
      group.home_jurisdictions =
          Codes(g.at("home_jurisdictions"), Join(path, "home_jurisdictions"));
    }
    const std::string rounds_path = Join(path, "rounds");
    for (const auto& [key, codes] : Object(Field(g, "rounds", path), rounds_path).items()) {
      const std::string apath = Join(rounds_path, key);
      const auto round = NumericKey(key, apath);
      if (round < 1 || round > 1000) Fail("unknown_name", apath, "not a round number");
      spec.assignments.push_back(RoundAssignment{id, static_cast<int>(round), Codes(codes, apath)});
    }
    spec.groups.push_back(std::move(group));
  }
}

void ReadNames(const Json& root, CampaignSpec& spec) {
  const Json& channels = Object(Field(root, "channels", ""), "channels");
  for (const auto& [name, value] : channels.items()) {
    const std::string path = Join("channels", name);
    const Json& c = Object(value, path);
    ExpectKeys(c, path, {"display_name", "citizen", "group", "platforms"});
    ChannelInfo info;
    info.name = name;
    info.display_name = StringAt(c, "display_name", path);
    info.citizen = Bool(Field(c, "citizen", path), Join(path, "citizen"));
    info.group = Bool(Field(c, "group", path), Join(path, "group"));
    if (c.contains("platforms"))
      info.platforms = Strings(c.at("platforms"), Join(path, "platforms"));
    spec.channels.push_back(std::move(info));
  }
  const auto read_display = [&root](std::string_view section, auto& out) {
    const std::string spath(section);
    for (const auto& [name, value] : Object(Field(root, section, ""), spath).items()) {
      const std::string path = Join(spath, name);
      const Json& e = Object(value, path);
      ExpectKeys(e, path, {"display_name"});
      out.push_back({name, StringAt(e, "display_name", path)});
    }
  };
  read_display("categories", spec.categories);
  read_display("severities", spec.severities);
}

void ReadCalendar(const Json& root, CampaignSpec& spec) {
  const std::string path = "calendar";
  const Json& c = Object(Field(root, "calendar", ""), path);
  ExpectKeys(c, path, {"from", "to", "sources", "holidays", "make_up_working_days"});
  spec.calendar.from = Date(Field(c, "from", path), Join(path, "from"));
  spec.calendar.to = Date(Field(c, "to", path), Join(path, "to"));
  if (c.contains("sources"))
    spec.calendar.sources = Strings(c.at("sources"), Join(path, "sources"));
  const std::string hpath = Join(path, "holidays");
  const Json& holidays = Array(Field(c, "holidays", path), hpath);
  for (std::size_t i = 0; i < holidays.size(); ++i) {
    const std::string ipath = At(hpath, i);
    const Json& h = Object(holidays[i], ipath);
    ExpectKeys(h, ipath, {"name", "from", "to"});
    spec.calendar.holidays.push_back(Holiday{StringAt(h, "name", ipath),
                                             Date(Field(h, "from", ipath), Join(ipath, "from")),
                                             Date(Field(h, "to", ipath), Join(ipath, "to"))});
  }
  const std::string mpath = Join(path, "make_up_working_days");
  const Json& make_up = Array(Field(c, "make_up_working_days", path), mpath);
  for (std::size_t i = 0; i < make_up.size(); ++i) {
    const std::string ipath = At(mpath, i);
    const Json& m = Object(make_up[i], ipath);
    ExpectKeys(m, ipath, {"name", "date"});
    spec.calendar.make_up_working_days.push_back(MakeUpWorkingDay{
        StringAt(m, "name", ipath), Date(Field(m, "date", ipath), Join(ipath, "date"))});
  }
}

void ReadPolicy(const Json& root, CampaignSpec& spec) {
  const std::string path = "deadline_policy";
  const Json& p = Object(Field(root, "deadline_policy", ""), path);
  ExpectKeys(p, path,
             {"verification_working_days", "rectification", "listing", "duplicate_radius_m",
              "early_warning_fractions", "escalation", "extensions"});
  DeadlinePolicySpec& out = spec.deadline_policy;
  out.verification_working_days =
      Int(Field(p, "verification_working_days", path), Join(path, "verification_working_days"));

  const std::string rpath = Join(path, "rectification");
  const Json& rules = Array(Field(p, "rectification", path), rpath);
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const std::string ipath = At(rpath, i);
    const Json& r = Object(rules[i], ipath);
    ExpectKeys(r, ipath, {"channel", "category", "severity", "working_days"});
    out.rectification.push_back(
        RectificationRule{StringAt(r, "channel", ipath), StringAt(r, "category", ipath),
                          StringAt(r, "severity", ipath),
                          Int(Field(r, "working_days", ipath), Join(ipath, "working_days"))});
  }

  const std::string lpath = Join(path, "listing");
  const Json& l = Object(Field(p, "listing", path), lpath);
  ExpectKeys(l, lpath,
             {"always_listed_channels", "listed_at_report_count", "max_working_days_when_listed"});
  out.listing.always_listed_channels =
      Strings(Field(l, "always_listed_channels", lpath), Join(lpath, "always_listed_channels"));
  out.listing.listed_at_report_count =
      Int(Field(l, "listed_at_report_count", lpath), Join(lpath, "listed_at_report_count"));
  out.listing.max_working_days_when_listed = Int(Field(l, "max_working_days_when_listed", lpath),
                                                 Join(lpath, "max_working_days_when_listed"));

  out.duplicate_radius_m =
      Number(Field(p, "duplicate_radius_m", path), Join(path, "duplicate_radius_m"));
  const std::string fpath = Join(path, "early_warning_fractions");
  const Json& fractions = Array(Field(p, "early_warning_fractions", path), fpath);
  for (std::size_t i = 0; i < fractions.size(); ++i) {
    out.early_warning_fractions.push_back(Number(fractions[i], At(fpath, i)));
  }

  const std::string epath = Join(path, "escalation");
  const Json& rungs = Array(Field(p, "escalation", path), epath);
  for (std::size_t i = 0; i < rungs.size(); ++i) {
    const std::string ipath = At(epath, i);
    const Json& r = Object(rungs[i], ipath);
    ExpectKeys(r, ipath, {"name", "display_name", "after_working_days_overdue"});
    out.escalation.push_back(EscalationRung{StringAt(r, "name", ipath),
                                            StringAt(r, "display_name", ipath),
                                            Int(Field(r, "after_working_days_overdue", ipath),
                                                Join(ipath, "after_working_days_overdue"))});
  }

  const std::string xpath = Join(path, "extensions");
  const Json& x = Object(Field(p, "extensions", path), xpath);
  ExpectKeys(x, xpath, {"max_per_problem", "max_working_days_each"});
  out.extensions.max_per_problem =
      Int(Field(x, "max_per_problem", xpath), Join(xpath, "max_per_problem"));
  out.extensions.max_working_days_each =
      Int(Field(x, "max_working_days_each", xpath), Join(xpath, "max_working_days_each"));
}

void ReadKeyTasks(const Json& root, CampaignSpec& spec) {
  const std::string path = "key_tasks";
  const Json& k = Object(Field(root, "key_tasks", ""), path);
  ExpectKeys(k, path,
             {"note", "special_actions", "lag_tolerance", "grace_working_days", "lag_severity"});
  KeyTaskPolicy& out = spec.key_tasks;
  out.special_actions = Strings(Field(k, "special_actions", path), Join(path, "special_actions"));
  out.lag_tolerance = Number(Field(k, "lag_tolerance", path), Join(path, "lag_tolerance"));
  out.grace_working_days =
      Int(Field(k, "grace_working_days", path), Join(path, "grace_working_days"));
  out.lag_severity = StringAt(k, "lag_severity", path);
}

CampaignSpec ParseSpec(std::string_view text) {
  const Json root = ParseJson(text);
  Object(root, "");
  ExpectKeys(root, "",
             {"format_version", "campaign", "province", "rounds", "jurisdictions", "counties",
              "group_rules", "groups", "channels", "categories", "severities", "calendar",
              "deadline_policy", "key_tasks"});
  const int format = Int(Field(root, "format_version", ""), "format_version");
  if (format != kCampaignFormatVersion) {
    Fail("invalid_value", "format_version",
         "this build reads format " + std::to_string(kCampaignFormatVersion) + ", not " +
             std::to_string(format));
  }
  CampaignSpec spec;
  ReadInfo(root, spec);
  ReadRounds(root, spec);
  ReadJurisdictions(root, spec);
  ReadGroups(root, spec);
  ReadNames(root, spec);
  ReadCalendar(root, spec);
  ReadPolicy(root, spec);
  ReadKeyTasks(root, spec);
  return spec;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(Trim(line.substr(start, comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

DivisionCode CsvCode(std::string_view field, const std::string& place) {
  int v = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  if (field.size() != 6 || ec != std::errc() || end != field.data() + field.size() || v < 100000) {
    Fail("unknown_code", place, "'" + std::string(field) + "' is not a six-digit division code");
  }
  return v;
}

double CsvNumber(std::string_view field, const std::string& place) {
  double v = 0;
  const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
  if (field.empty() || ec != std::errc() || end != field.data() + field.size() ||
      !std::isfinite(v)) {
    Fail("invalid_value", place, "'" + std::string(field) + "' is not a number");
  }
  return v;
}

// The county file: '#' lines are comments, the first other line names the columns (extra columns
// are ignored), fields are separated by commas and never quoted.
std::vector<CountyRow> ParseCounties(std::string_view csv, const std::string& file) {
  if (!text::IsValidUtf8(csv)) Fail("malformed_csv", file, "not valid UTF-8");
  if (csv.starts_with("\xEF\xBB\xBF")) csv.remove_prefix(3);
  static constexpr std::string_view kColumns[] = {
      "county_code", "county_name", "prefecture_code", "campaign_jurisdiction", "lat", "lon"};
  std::vector<std::size_t> column_index;
  std::size_t column_count = 0;
  std::vector<CountyRow> rows;
  int line_number = 0;
  std::size_t pos = 0;
  while (pos < csv.size()) {
    const std::size_t nl = csv.find('\n', pos);
    const std::string_view line =
        Trim(csv.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
    pos = nl == std::string_view::npos ? csv.size() : nl + 1;
    ++line_number;
    if (line.empty() || line.front() == '#') continue;
    const std::string place = file + ":" + std::to_string(line_number);
    if (line.find('"') != std::string_view::npos) {
      Fail("malformed_csv", place, "quoted fields are not supported");
    }
    const auto fields = SplitFields(line);
    if (column_index.empty()) {
      for (std::string_view column : kColumns) {
        const auto it = std::find(fields.begin(), fields.end(), column);
        if (it == fields.end()) {
          Fail("malformed_csv", place, "header lacks column '" + std::string(column) + "'");
        }
        column_index.push_back(static_cast<std::size_t>(it - fields.begin()));
      }
      column_count = fields.size();
      continue;
    }
    if (fields.size() != column_count) {
      Fail("malformed_csv", place,
           "expected " + std::to_string(column_count) + " fields, found " +
               std::to_string(fields.size()));
    }
    const auto field = [&](std::size_t c) { return fields[column_index[c]]; };
    const auto at = [&](std::size_t c) { return place + "." + std::string(kColumns[c]); };
    CountyRow row;
    row.line = line_number;
    row.code = CsvCode(field(0), at(0));
    row.name = std::string(field(1));
    row.prefecture_code = CsvCode(field(2), at(2));
    row.jurisdiction_name = std::string(field(3));
    row.lat = CsvNumber(field(4), at(4));
    row.lon = CsvNumber(field(5), at(5));
    rows.push_back(std::move(row));
  }
  if (column_index.empty()) Fail("malformed_csv", file, "no header line");
  return rows;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return MakeError("io_error", path, "cannot open " + path);
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) return MakeError("io_error", path, "cannot read " + path);
  return out.str();
}

// Parses campaign.json, then asks `read_counties` for the county file it names.
Result<Campaign> Build(
    std::string_view json,
    const std::function<Result<std::string>(const std::string&)>& read_counties) {
  try {
    CampaignSpec spec = ParseSpec(json);
    const auto csv = read_counties(spec.counties_file);
    if (!csv) return csv.error();
    spec.county_rows = ParseCounties(*csv, spec.counties_file);
    return Campaign::Create(std::move(spec));
  } catch (const Failure& f) {
    return f.error;
  }
}

}  // namespace

Result<Campaign> ParseCampaign(std::string_view json, std::string_view counties_csv) {
  return Build(json, [counties_csv](const std::string&) -> Result<std::string> {
    return std::string(counties_csv);
  });
}

Result<Campaign> LoadCampaign(const std::string& dir) {
  const auto json = ReadFile(dir + "/campaign.json");
  if (!json) return json.error();
  // ParseSpec has already refused a file name that would leave the directory.
  return Build(*json, [&dir](const std::string& file) { return ReadFile(dir + "/" + file); });
}

}  // namespace ducha::campaign
