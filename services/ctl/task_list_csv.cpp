#include "services/ctl/task_list_csv.h"

#include <charconv>
#include <cmath>
#include <map>

#include "common/base/time.h"
#include "services/ctl/csv.h"

namespace ducha::ctl {
namespace {

const std::vector<std::string> kRequired = {"task_id", "jurisdiction", "special_action",
                                            "title",   "unit",         "target",
                                            "start",   "deadline",     "source"};
const std::vector<std::string> kOptional = {"milestones"};

std::optional<double> Number(std::string_view s) {
  double v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

// "2017-10-31:0.5;2017-11-10:0.8" → milestones, or the reason it does not parse.
std::string ParseMilestones(const std::string& text, std::vector<proto::tracking::Milestone>& out) {
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(';', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    const std::size_t colon = item.find(':');
    const std::string date = item.substr(0, colon);
    const auto fraction = colon == std::string::npos
                              ? std::nullopt
                              : Number(std::string_view(item).substr(colon + 1));
    if (!timeutil::ParseDate(date) || !fraction) {
      return "milestone '" + item + "' is not YYYY-MM-DD:fraction";
    }
    if (*fraction < 0 || *fraction > 1) {
      return "milestone '" + item + "': the fraction must be between 0 and 1";
    }
    out.push_back(proto::tracking::Milestone{date, *fraction});
  }
  return {};
}

}  // namespace

TaskList ParseTaskList(std::string_view text, const campaign::Campaign* campaign) {
  TaskList out;
  const CsvText csv = ReadCsv(text);
  if (csv.records.empty()) {
    out.bad_header = true;
    out.problems.push_back({1, "the file is empty: the header is missing"});
    return out;
  }
  const CsvRecord& head = csv.records.front();
  const CsvHeader header = ReadHeader(head, kRequired, kOptional);
  if (!header.problem.empty()) {
    out.bad_header = true;
    out.problems.push_back({head.line, "header: " + header.problem});
    return out;
  }
  std::map<std::string, std::string> by_display_name;
  if (campaign != nullptr) {
    for (const campaign::CategoryInfo& c : campaign->categories()) {
      by_display_name[c.display_name] = c.name;
    }
  }
  for (std::size_t r = 1; r < csv.records.size(); ++r) {
    CsvRow in(head, csv.records[r], header);
    if (in.bad_shape()) {
      out.problems.push_back({in.line(), in.problems()});
      continue;
    }
    auto get = [&](const char* name) { return in.Get(name); };
    auto add = [&](const std::string& why) { in.Problem(why); };
    in.RequireNonEmpty(kRequired);
    proto::tracking::KeyTaskRow row;
    row.line = in.line();
    row.task_id = get("task_id");
    if (row.task_id.size() > 48) add("task_id is longer than 48 characters");
    row.jurisdiction = get("jurisdiction");
    if (!row.jurisdiction.empty() && row.jurisdiction.size() != 6) {
      add("jurisdiction '" + row.jurisdiction + "' is not a 6-digit division code");
    }
    row.special_action = get("special_action");
    if (const auto it = by_display_name.find(row.special_action); it != by_display_name.end()) {
      row.special_action = it->second;
    }
    row.title = get("title");
    row.unit = get("unit");
    row.source = get("source");
    const std::string target = get("target");
    if (!target.empty()) {
      if (const auto v = Number(target)) {
        row.target = *v;
      } else {
        add("target '" + target + "' is not a number");
      }
    }
    row.start = get("start");
    row.deadline = get("deadline");
    for (const char* k : {"start", "deadline"}) {
      const std::string v = get(k);
      if (!v.empty() && !timeutil::ParseDate(v))
        add(std::string(k) + " '" + v + "' is not YYYY-MM-DD");
    }
    if (const std::string why = ParseMilestones(get("milestones"), row.milestones); !why.empty()) {
      add(why);
    }
    if (!in.problems().empty()) {
      out.problems.push_back({in.line(), in.problems()});
      continue;
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

}  // namespace ducha::ctl
