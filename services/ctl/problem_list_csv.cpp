#include "services/ctl/problem_list_csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>

#include "common/base/time.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"
#include "services/ctl/csv.h"

namespace ducha::ctl {
namespace {

namespace pc = proto::common;

const std::vector<std::string> kRequired = {"ref",   "jurisdiction", "category",
                                            "title", "description",  "observed_at"};
const std::vector<std::string> kOptional = {"reported_at", "severity", "address", "enterprise",
                                            "credit_code", "group_id", "round",   "platform",
                                            "lat",         "lon",      "evidence"};

bool IsAsciiId(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  });
}

// RFC 3339, or a civil date (and time) in the campaign's zone.
std::optional<timeutil::Millis> ParseTime(std::string_view s, int zone_minutes) {
  if (auto t = timeutil::ParseRfc3339(s)) return t;
  if (s.size() != 10 && s.size() != 16) return std::nullopt;
  const auto day = timeutil::ParseDate(s.substr(0, 10));
  if (!day) return std::nullopt;
  timeutil::Millis t = timeutil::StartOfDay(*day, zone_minutes);
  if (s.size() == 16) {
    if (s[10] != ' ' && s[10] != 'T') return std::nullopt;
    if (s[13] != ':') return std::nullopt;
    int hh = 0;
    int mm = 0;
    const auto [hp, he] = std::from_chars(s.data() + 11, s.data() + 13, hh);
    const auto [mp, me] = std::from_chars(s.data() + 14, s.data() + 16, mm);
    if (he != std::errc() || me != std::errc() || hp != s.data() + 13 || mp != s.data() + 16 ||
        hh > 23 || mm > 59) {
      return std::nullopt;
    }
    t += (hh * 60 + mm) * 60'000;
  }
  return t;
}

std::optional<double> ParseNumber(const std::string& s) {
  double v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

template <typename E, typename Info>
std::optional<E> ByCodeOrName(const std::string& v, std::optional<E> (*parse)(std::string_view),
                              const std::vector<Info>& infos) {
  if (auto e = parse(v)) return e;
  for (const auto& i : infos) {
    if (i.display_name == v) return parse(i.name);
  }
  return std::nullopt;
}

constexpr std::optional<pc::Category> ParseCategoryFn(std::string_view s) {
  return pc::ParseCategory(s);
}
constexpr std::optional<pc::Severity> ParseSeverityFn(std::string_view s) {
  return pc::ParseSeverity(s);
}

}  // namespace

std::string ListSubmissionId(pc::Channel channel, std::string_view ref) {
  return "csv:" + std::string(pc::ToString(channel)) + ":" + std::string(ref);
}

ProblemList ParseProblemList(std::string_view text, pc::Channel channel,
                             const campaign::Campaign& campaign) {
  ProblemList out;
  const CsvText csv = ReadCsv(text);
  if (csv.records.empty()) {
    out.problems.push_back({1, "the file holds no header and no rows"});
    return out;
  }
  // The header: every required column, known optional ones, nothing else, each once.
  const CsvRecord& head = csv.records.front();
  const CsvHeader header = ReadHeader(head, kRequired, kOptional);
  if (!header.problem.empty()) {
    out.problems.push_back({head.line, "header: " + header.problem});
    return out;
  }
  const int zone = campaign.info().utc_offset_minutes;
  std::map<std::string, int> first_line_of_ref;
  for (std::size_t r = 1; r < csv.records.size(); ++r) {
    CsvRow in(head, csv.records[r], header);
    if (in.bad_shape()) {
      out.problems.push_back({in.line(), in.problems()});
      continue;
    }
    auto get = [&](const char* name) { return in.Get(name); };
    auto add = [&](const std::string& why) { in.Problem(why); };
    in.RequireNonEmpty(kRequired);
    proto::intake::SubmitReport m;
    m.channel = channel;
    const std::string ref = get("ref");
    const std::string id = ListSubmissionId(channel, ref);
    if (!ref.empty() && !IsAsciiId(ref)) {
      add("ref '" + ref + "' may hold only ASCII letters, digits and . _ : -");
    } else if (id.size() > 64) {
      add("ref '" + ref + "' is longer than " + std::to_string(64 - (id.size() - ref.size())) +
          " characters");
    } else if (!ref.empty()) {
      const auto [it, fresh] = first_line_of_ref.emplace(ref, in.line());
      if (!fresh) add("ref '" + ref + "' repeats line " + std::to_string(it->second));
    }
    m.submission_id = id;
    m.jurisdiction = get("jurisdiction");
    if (const std::string c = get("category"); !c.empty()) {
      if (auto cat = ByCodeOrName(c, &ParseCategoryFn, campaign.categories())) {
        m.category = *cat;
      } else {
        add("category '" + c + "' is not a category of the campaign");
      }
    }
    if (const std::string s = get("severity"); !s.empty()) {
      if (auto sev = ByCodeOrName(s, &ParseSeverityFn, campaign.severities())) {
        m.severity = *sev;
      } else {
        add("severity '" + s + "' is not a severity of the campaign");
      }
    }
    m.title = get("title");
    m.description = get("description");
    if (const std::string t = get("observed_at"); !t.empty()) {
      if (auto at = ParseTime(t, zone)) {
        m.observed_at = *at;
      } else {
        add("observed_at '" + t + "' is not RFC 3339, YYYY-MM-DD or YYYY-MM-DD HH:MM");
      }
    }
    m.reported_at = m.observed_at;
    if (const std::string t = get("reported_at"); !t.empty()) {
      if (auto at = ParseTime(t, zone)) {
        m.reported_at = *at;
      } else {
        add("reported_at '" + t + "' is not RFC 3339, YYYY-MM-DD or YYYY-MM-DD HH:MM");
      }
    }
    if (const std::string v = get("address"); !v.empty()) m.address = v;
    if (const std::string v = get("platform"); !v.empty()) m.platform = v;
    if (const std::string v = get("group_id"); !v.empty()) m.group_id = v;
    if (const std::string v = get("round"); !v.empty()) {
      if (auto n = ParseNumber(v); n && *n == std::floor(*n) && *n >= 1 && *n <= 100) {
        m.round = static_cast<std::int64_t>(*n);
      } else {
        add("round '" + v + "' is not a round number");
      }
    }
    const std::string name = get("enterprise");
    const std::string code = get("credit_code");
    if (!name.empty()) {
      m.enterprise = pc::Enterprise{name, code.empty() ? std::nullopt : std::optional(code)};
    } else if (!code.empty()) {
      add("credit_code is given without the enterprise's name");
    }
    const std::string lat = get("lat");
    const std::string lon = get("lon");
    if (!lat.empty() || !lon.empty()) {
      const auto la = ParseNumber(lat);
      const auto lo = ParseNumber(lon);
      if (!la || !lo) {
        add("lat and lon must both be decimal degrees");
      } else {
        m.location = pc::GeoPoint{*la, *lo};
      }
    }
    if (const std::string ev = get("evidence"); !ev.empty()) {
      std::size_t start = 0;
      while (start <= ev.size()) {
        const std::size_t end = std::min(ev.find(';', start), ev.size());
        std::string one = ev.substr(start, end - start);
        while (!one.empty() && one.front() == ' ') one.erase(one.begin());
        while (!one.empty() && one.back() == ' ') one.pop_back();
        if (!one.empty()) m.evidence.push_back(std::move(one));
        start = end + 1;
      }
    }
    if (in.problems().empty()) {
      // The contract's own validation (lengths, formats, the channel's required fields), as
      // intake would apply it: a row that would be refused is reported here, by its line.
      const std::string frame = proto::intake::Encode(m, "csv");
      auto parsed = proto::ParseMessage(frame);
      if (!parsed) {
        add(parsed.error().message);
      } else if (auto back = codec::DecodeAs<proto::intake::SubmitReport>(*parsed); !back) {
        add(back.error().field + ": " + back.error().message);
      }
    }
    if (!in.problems().empty()) {
      out.problems.push_back({in.line(), in.problems()});
      continue;
    }
    out.rows.push_back(ProblemListRow{in.line(), std::move(m)});
  }
  if (csv.unterminated_quote_line > 0) {
    out.problems.push_back({csv.unterminated_quote_line, "a quoted field is never closed"});
  }
  return out;
}

}  // namespace ducha::ctl
