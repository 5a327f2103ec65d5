#include "services/ctl/tracking_commands.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <stop_token>

#include "common/base/time.h"
#include "common/db/db.h"
#include "proto/common_codec.h"
#include "proto/tracking_codec.h"
#include "services/ctl/ranking_csv.h"
#include "services/review/store/review_store.h"
#include "services/tracking/core/key_task.h"
#include "services/tracking/store/ledger_store.h"

namespace ducha::ctl {

const char* const kTrackingUsage =
    "  act progress PROBLEM_ID --text T                 a body's progress (整改进展)\n"
    "  act verify PROBLEM_ID --substantiated yes|no [--explanation T]\n"
    "                                                   a city bureau's verification (核查结论)\n"
    "  act claim PROBLEM_ID --description T --evidence ref1,ref2\n"
    "                                                   a body's rectification claim (销号申请)\n"
    "  act extend PROBLEM_ID --days N --reason T        a body's extension request (延期申请)\n"
    "  act decide PROBLEM_ID --approve yes|no --reason T\n"
    "                                                   the supervision center's decision\n"
    "      act: --request-id ID is the idempotency key; by default a fresh one, printed on\n"
    "      stderr, that a retry of the same action passes again\n"
    "  coverage --round N [--csv] [--gaps-only]         county x task coverage (督察全覆盖)\n"
    "  daily-report --group G --date YYYY-MM-DD         a group's day (每日报送)\n"
    "  act task-progress TASK_ID --completed N --evidence ref1,ref2 [--note T]\n"
    "                                                   a body's progress on a key task "
    "(进展情况)\n"
    "  tasks [--city CODE] [--counties]                 key-task completion per city, special\n"
    "                                                   action (and county), and the tasks behind\n"
    "  ranking import FILE.csv --priority N             the air-quality ranking: a CSV file with\n"
    "      the header county,rank,pm25_change (6-digit county code; rank 1..1000, 1 = worst;\n"
    "      PM2.5 change in ug/m3 against last year, positive = worse); the N worst are priority\n"
    "      act, tasks, coverage, daily-report and ranking go to tracking's endpoint: [--endpoint "
    "E]\n"
    "      [--server-key FILE --key-file FILE | --plain] [--retries N] [--timeout-ms MS]\n"
    "  case PROBLEM_ID                                  a problem's history across dispatch,\n"
    "                                                   tracking and review, from the database\n";

namespace {

namespace pc = proto::common;
namespace pt = proto::tracking;

constexpr const char* kTrackingEndpoint = "tcp://127.0.0.1:7121";

constexpr const char* kActUsage =
    "act progress|verify|claim|extend|decide PROBLEM_ID ... --endpoint E --server-key FILE "
    "--key-file FILE [--request-id ID] (see ducha-ctl's usage)";

std::int64_t ProblemIdFrom(const Args& a, std::size_t index, const char* usage) {
  return IdArg(a, index, "PROBLEM_ID", usage);
}

// One line of a case's history.
struct Line {
  timeutil::Millis at = 0;
  std::string service;
  std::string what;
  std::string by;
  std::string detail;
};

std::string FormatDay(tracking::Day day) { return timeutil::FormatDate(day); }

// The plan's four methods (听、查、看、访).
const char* MethodName(proto::intake::VisitMethod m) {
  switch (m) {
    case proto::intake::VisitMethod::kHear:
      return "听";
    case proto::intake::VisitMethod::kCheck:
      return "查";
    case proto::intake::VisitMethod::kLook:
      return "看";
    case proto::intake::VisitMethod::kVisit:
      return "访";
  }
  return "?";
}

}  // namespace

// ---- act -------------------------------------------------------------------------------------

namespace {

// A body's progress on a key task (进展情况): the task id is not a problem id.
int ActTaskProgress(const Args& a) {
  const char* usage =
      "act task-progress TASK_ID --completed N --evidence ref1,ref2 [--note T] --endpoint E ...";
  if (a.positional.size() < 3) Fail("usage", usage);
  std::string request_id = a.Opt("request-id");
  const bool fresh = request_id.empty();
  if (fresh) request_id = FreshRequestId("task-progress");
  pt::ReportTaskProgress m;
  m.request_id = request_id;
  m.task_id = a.positional[2];
  const std::string completed = Required(a, "completed");
  char* end = nullptr;
  m.completed = std::strtod(completed.c_str(), &end);
  if (end == completed.c_str() || *end != '\0') Fail("usage", "--completed must be a number");
  if (!a.Flag("evidence")) Fail("usage", "--evidence ref1,ref2 is required");
  m.evidence = SplitList(a.Opt("evidence"));
  if (!a.Opt("note").empty()) m.note = a.Opt("note");
  if (fresh) {
    std::fprintf(stderr, "request id %s (pass --request-id %s to retry this action safely)\n",
                 request_id.c_str(), request_id.c_str());
  }
  const auto done = ExpectReply<pt::TaskProgressDone>(
      a, ServiceRequest(a, pt::Encode(m, request_id), kTrackingEndpoint));
  if (!done) return 1;
  if (a.json) return 0;
  std::cout << "task " << done->task_id << ": " << tracking::FormatQuantity(done->completed)
            << " of " << tracking::FormatQuantity(done->target) << " done, "
            << tracking::FormatQuantity(done->expected) << " expected by today"
            << (done->lagging ? " (behind its trajectory)" : "");
  if (done->replayed) std::cout << " (replayed: the answer already given to " << request_id << ")";
  std::cout << "\n";
  return 0;
}

}  // namespace

int Act(const Args& a) {
  if (a.positional.size() > 1 && a.positional[1] == "task-progress") return ActTaskProgress(a);
  if (a.positional.size() < 3) Fail("usage", kActUsage);
  const std::string& verb = a.positional[1];
  const std::int64_t problem_id = ProblemIdFrom(a, 2, kActUsage);
  std::string request_id = a.Opt("request-id");
  const bool fresh = request_id.empty();
  if (fresh) request_id = FreshRequestId(verb);
  std::string frame;
  if (verb == "progress") {
    pt::ReportProgress m;
    m.request_id = request_id;
    m.problem_id = problem_id;
    m.text = Required(a, "text");
    frame = pt::Encode(m, request_id);
  } else if (verb == "verify") {
    pt::ReportVerification m;
    m.request_id = request_id;
    m.problem_id = problem_id;
    m.substantiated = YesNo(a, "substantiated");
    if (!a.Opt("explanation").empty()) m.explanation = a.Opt("explanation");
    frame = pt::Encode(m, request_id);
  } else if (verb == "claim") {
    pt::ClaimRectified m;
    m.request_id = request_id;
    m.problem_id = problem_id;
    m.description = Required(a, "description");
    if (!a.Flag("evidence")) Fail("usage", "--evidence ref1,ref2 is required");
    m.evidence = SplitList(a.Opt("evidence"));
    frame = pt::Encode(m, request_id);
  } else if (verb == "extend") {
    pt::RequestExtension m;
    m.request_id = request_id;
    m.problem_id = problem_id;
    const auto days = ParseInt(Required(a, "days"));
    if (!days || *days < 1) Fail("usage", "--days must be a positive whole number of working days");
    m.working_days = *days;
    m.reason = Required(a, "reason");
    frame = pt::Encode(m, request_id);
  } else if (verb == "decide") {
    pt::DecideExtension m;
    m.request_id = request_id;
    m.problem_id = problem_id;
    m.approve = YesNo(a, "approve");
    m.reason = Required(a, "reason");
    frame = pt::Encode(m, request_id);
  } else {
    Fail("usage", kActUsage);
  }
  if (fresh) {
    std::fprintf(stderr, "request id %s (pass --request-id %s to retry this action safely)\n",
                 request_id.c_str(), request_id.c_str());
  }
  const auto done = ExpectReply<pt::ActionDone>(a, ServiceRequest(a, frame, kTrackingEndpoint));
  if (!done) return 1;
  if (a.json) return 0;
  std::cout << "problem " << done->problem_id << ": " << pt::ToString(done->state) << ", deadline "
            << done->deadline << ", extensions used " << done->extensions_used;
  if (done->replayed) std::cout << " (replayed: the answer already given to " << request_id << ")";
  std::cout << "\n";
  return 0;
}

// ---- coverage --------------------------------------------------------------------------------

int Coverage(const Args& a) {
  const auto round = ParseInt(a.Opt("round"));
  if (!round || *round < 1 || *round > 20) {
    Fail("usage", "coverage --round N (1..20) [--csv] [--gaps-only] --endpoint E ...");
  }
  pt::CoverageRequest req;
  req.round = *round;
  const auto c = ExpectReply<pt::Coverage>(
      a, ServiceRequest(a, pt::Encode(req, "ctl-coverage"), kTrackingEndpoint));
  if (!c) return 1;
  if (a.json) return 0;
  const bool csv = a.Flag("csv");
  const auto campaign = CampaignForNames(a);
  const Names names(campaign);

  std::vector<std::string> header;
  if (csv) {
    header = {"county", "county_name", "city",          "city_name",   "priority",
              "rank",   "visits",      "key_task_done", "tasks_behind"};
    for (pc::Category t : c->tasks) header.emplace_back(pc::ToString(t));
    header.emplace_back("groups");
  } else {
    header = {"CODE", "COUNTY", "CITY", "PRIO", "RANK", "VISITS", "TASKS"};
    for (std::size_t i = 0; i < c->tasks.size(); ++i) header.push_back(std::to_string(i + 1));
    header.emplace_back("GROUPS");
  }
  std::vector<std::vector<std::string>> table;
  std::vector<std::string> priority_not_visited;
  std::int64_t priority_total = 0;
  for (const pt::CoverageRow& r : c->counties) {
    if (r.priority) {
      ++priority_total;
      if (r.visits == 0) priority_not_visited.push_back(names.PlaceAndCode(r.county));
    }
    if (a.Flag("gaps-only") && r.missing.empty()) continue;
    std::string groups;
    for (const auto& g : r.groups) groups += (groups.empty() ? "" : " ") + g;
    std::vector<std::string> row;
    const std::string rank = r.rank ? std::to_string(*r.rank) : "";
    // Key tasks: mean completion, and how many are behind (重点任务).
    std::string done;
    std::string behind;
    if (r.task_completion) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%.0f%%", *r.task_completion * 100);
      done = buf;
      behind = std::to_string(r.tasks_behind.value_or(0));
    }
    if (csv) {
      row = {r.county,
             names.Place(r.county),
             r.city,
             names.Place(r.city),
             r.priority ? "yes" : "no",
             rank,
             std::to_string(r.visits),
             done,
             behind};
    } else {
      row = {r.county,
             names.Place(r.county),
             names.Place(r.city).empty() ? r.city : names.Place(r.city),
             r.priority ? "*" : "",
             rank,
             std::to_string(r.visits),
             done.empty() ? "" : done + (behind != "0" ? " (" + behind + " behind)" : "")};
    }
    for (pc::Category t : c->tasks) {
      const bool covered = std::find(r.covered.begin(), r.covered.end(), t) != r.covered.end();
      row.emplace_back(covered ? "\u2713" : "\u00B7");
    }
    row.push_back(groups);
    table.push_back(std::move(row));
  }

  std::string summary =
      "round " + std::to_string(c->round) + ": " + std::to_string(c->counties_visited) + " of " +
      std::to_string(c->counties.size()) + " counties visited, " +
      std::to_string(c->cells_covered) + " of " + std::to_string(c->cells_total) +
      " county x task cells covered; priority counties not visited: " +
      std::to_string(priority_not_visited.size()) + " of " + std::to_string(priority_total);
  if (!priority_not_visited.empty()) {
    summary += " (";
    for (std::size_t i = 0; i < priority_not_visited.size(); ++i) {
      summary += (i ? ", " : "") + priority_not_visited[i];
    }
    summary += ")";
  }
  if (csv) {
    PrintTable(header, table, true);
    std::cout.flush();
    std::fprintf(stderr, "%s\n", summary.c_str());  // stdout stays pure CSV
    return 0;
  }
  std::string title = "coverage of round " + std::to_string(c->round);
  if (names.campaign()) {
    if (const auto* rd = names.campaign()->FindRound(static_cast<int>(c->round))) {
      title += " (" + timeutil::FormatDate(rd->from) + " .. " + timeutil::FormatDate(rd->to) + ")";
    }
  }
  std::cout << title << (a.Flag("gaps-only") ? ", counties with gaps only" : "")
            << "  (* priority county; \u2713 task checked, \u00B7 not yet)\n";
  PrintTable(header, table, false);
  std::cout << "tasks:";
  for (std::size_t i = 0; i < c->tasks.size(); ++i) {
    std::cout << "  " << i + 1 << " " << names.Category(pc::ToString(c->tasks[i]));
  }
  std::cout << "\n" << summary << "\n";
  return 0;
}

// ---- daily-report ----------------------------------------------------------------------------

int DailyReport(const Args& a) {
  pt::DailyReportRequest req;
  req.group_id = a.Opt("group");
  req.date = a.Opt("date");
  if (req.group_id.empty() || req.date.empty()) {
    Fail("usage", "daily-report --group G --date YYYY-MM-DD --endpoint E ...");
  }
  const auto r = ExpectReply<pt::DailyReport>(
      a, ServiceRequest(a, pt::Encode(req, "ctl-daily-report"), kTrackingEndpoint));
  if (!r) return 1;
  if (a.json) return 0;
  const auto campaign = CampaignForNames(a);
  const Names names(campaign);
  std::cout << names.Group(r->group_id) << ", " << r->date << ": " << r->visits.size()
            << " visit(s), " << r->problems_found << " problem(s) found, " << r->filed.size()
            << " problem(s) filed\n";
  if (r->visits.empty()) {
    std::cout << "visits: none reported\n";
  } else {
    std::cout << "visits:\n";
    std::vector<std::vector<std::string>> table;
    for (const pt::VisitLine& v : r->visits) {
      std::string tasks;
      for (pc::Category t : v.tasks) {
        tasks += (tasks.empty() ? "" : ", ") + names.Category(pc::ToString(t));
      }
      // How the group worked (听、查、看、访) and whether openly (明查) or covertly (暗访).
      std::string how;
      for (proto::intake::VisitMethod m : v.methods) how += MethodName(m);
      if (v.mode)
        how += (how.empty() ? "" : " ") +
               std::string(*v.mode == proto::intake::VisitMode::kCovert ? "暗访" : "明查");
      table.push_back(
          {v.county, names.Place(v.county), std::to_string(v.problems_found), how, tasks});
    }
    PrintTable({"CODE", "COUNTY", "FOUND", "HOW", "TASKS"}, table, false);
  }
  if (r->filed.empty()) {
    std::cout << "filed: none\n";
  } else {
    std::cout << "filed:\n";
    std::vector<std::vector<std::string>> table;
    for (const pt::FiledProblem& p : r->filed) {
      table.push_back({std::to_string(p.problem_id), names.PlaceAndCode(p.county),
                       names.Category(pc::ToString(p.category)),
                       names.Severity(pc::ToString(p.severity)), p.title});
    }
    PrintTable({"ID", "PLACE", "CATEGORY", "SEVERITY", "TITLE"}, table, false);
  }
  return 0;
}

// ---- tasks -------------------------------------------------------------------------------------

int Tasks(const Args& a) {
  pt::TaskSummaryRequest req;
  if (!a.Opt("city").empty()) req.city = a.Opt("city");
  const auto r = ExpectReply<pt::TaskSummary>(
      a, ServiceRequest(a, pt::Encode(req, "ctl-tasks"), kTrackingEndpoint));
  if (!r) return 1;
  if (a.json) return 0;
  const auto campaign = CampaignForNames(a);
  const Names names(campaign);
  auto pct = [](double v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f%%", v * 100);
    return std::string(buf);
  };
  auto table = [&](const char* title, const char* what,
                   const std::vector<pt::TaskCompletionLine>& lines) {
    std::cout << title << ":\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& l : lines) {
      rows.push_back({l.key, l.name, std::to_string(l.tasks), std::to_string(l.done),
                      std::to_string(l.lagging), pct(l.completion)});
    }
    PrintTable({what, "NAME", "TASKS", "DONE", "BEHIND", "COMPLETION"}, rows, false);
  };
  std::cout << "key tasks on " << r->day << ": " << r->tasks << " tasks, " << r->done << " done, "
            << r->lagging << " behind their trajectory\n";
  table("by city", "CODE", r->by_city);
  table("by special action", "ACTION", r->by_action);
  if (a.Flag("counties")) table("by county", "CODE", r->by_county);
  if (!r->lagging_tasks.empty()) {
    std::cout << "behind (longest first):\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& l : r->lagging_tasks) {
      rows.push_back({l.task_id, names.PlaceAndCode(l.jurisdiction),
                      names.Category(pc::ToString(l.special_action)), l.title,
                      tracking::FormatQuantity(l.completed) + "/" +
                          tracking::FormatQuantity(l.expected) + "/" +
                          tracking::FormatQuantity(l.target) + " " + l.unit,
                      l.since, l.submission_id});
    }
    PrintTable({"TASK", "PLACE", "ACTION", "TITLE", "DONE/EXPECTED/TARGET", "SINCE", "PROBLEM"},
               rows, false);
  }
  return 0;
}

// ---- ranking import --------------------------------------------------------------------------

int RankingImport(const Args& a) {
  constexpr const char* kUsage =
      "ranking import FILE.csv --priority N --endpoint E ... (header county,rank,pm25_change)";
  if (a.positional.size() < 3 || a.positional[1] != "import") Fail("usage", kUsage);
  const std::string& path = a.positional[2];
  const auto priority = ParseInt(a.Opt("priority"));
  if (!priority || *priority < 0 || *priority > 1000) {
    Fail("usage", "--priority N (0..1000): how many of the worst-ranked counties are priority");
  }
  const std::string text = ReadText(path);
  const RankingCsv csv = ParseRankingCsv(text);
  if (!csv.problems.empty()) {
    for (const RankingCsvProblem& p : csv.problems) {
      std::fprintf(stderr, "%s:%d: %s\n", path.c_str(), p.line, p.reason.c_str());
    }
    Fail("bad_ranking_file", std::to_string(csv.problems.size()) + " line(s) of " + path +
                                 " do not parse; nothing was sent");
  }
  pt::ImportRanking req;
  std::string source =
      path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
  // At most 200 characters; cut at a character boundary.
  if (source.size() > 200) {
    std::size_t cut = 200;
    while (cut > 0 && (static_cast<unsigned char>(source[cut]) & 0xC0) == 0x80) --cut;
    source.resize(cut);
  }
  req.source = source;
  req.priority_count = *priority;
  req.rows = csv.rows;
  const auto r = ExpectReply<pt::RankingImported>(
      a, ServiceRequest(a, pt::Encode(req, "ctl-ranking-import"), kTrackingEndpoint));
  if (!r) return 1;
  if (a.json) return 0;
  std::cout << "imported the ranking " << source << ": " << r->rows << " counties, " << r->priority
            << " priority\n";
  return 0;
}

// ---- case ------------------------------------------------------------------------------------

int Case(const Args& a) {
  const std::int64_t id = ProblemIdFrom(a, 1, "case PROBLEM_ID");
  const auto campaign = CampaignForNames(a);
  const Names names(campaign);
  std::stop_source stop;
  db::Connection conn(db::DbSettings{ReadUrl(a), "ducha-ctl"}, stop.get_token());

  struct Read {
    std::optional<pqxx::row> problem;
    pqxx::result sources;
    pqxx::result changes;
    std::optional<tracking::LedgerEntry> entry;
    std::vector<review::AuditLine> review_lines;
  };
  // One read transaction over the three schemas.
  const Read read = conn.Read([&](pqxx::read_transaction& tx) {
    Read out;
    const pqxx::result p = tx.exec_params(
        "SELECT kind, body_code, body_name, body_kind, jurisdiction, city, channel, category, "
        "severity, listed, coalesce(listing_reason, ''), received_day::text, deadline::text, "
        "coalesce(group_id, ''), coalesce(round, 0), report_count, title, "
        "(extract(epoch FROM created_at) * 1000)::bigint FROM dispatch.problem "
        "WHERE problem_id = $1",
        id);
    if (!p.empty()) out.problem = p[0];
    out.sources = tx.exec_params(
        "SELECT report_id, channel, (extract(epoch FROM added_at) * 1000)::bigint "
        "FROM dispatch.problem_source WHERE problem_id = $1 ORDER BY added_at, report_id",
        id);
    out.changes = tx.exec_params(
        "SELECT change, old_value, new_value, by, reason, (extract(epoch FROM at) * 1000)::bigint "
        "FROM dispatch.change_history WHERE problem_id = $1 ORDER BY id",
        id);
    out.entry = tracking::LoadCase(tx, id);
    // Review's history, once review has created its schema's tables.
    if (tx.exec("SELECT to_regclass('review.history') IS NOT NULL")[0][0].as<bool>()) {
      out.review_lines = review::LoadHistory(tx, id);
    }
    return out;
  });
  if (!read.problem && !read.entry) {
    Fail("unknown_problem", "no problem " + std::to_string(id) + " in dispatch or tracking");
  }

  std::vector<Line> lines;
  nlohmann::json out{
      {"problem_id", id}, {"dispatch", nullptr}, {"tracking", nullptr}, {"review", nullptr}};
  std::string title;
  std::string dispatch_summary;
  if (read.problem) {
    const pqxx::row& p = *read.problem;
    const std::string kind = p[0].as<std::string>();
    const std::string body =
        p[2].as<std::string>() + " (" + p[1].as<std::string>() + " " + p[3].as<std::string>() + ")";
    const std::string place = p[4].as<std::string>();
    const bool listed = p[9].as<bool>();
    const std::string group = p[13].as<std::string>();
    title = p[16].as<std::string>();
    dispatch_summary = kind + " by " + body + "; at " + names.PlaceAndCode(place) + "; " +
                       names.Channel(p[6].as<std::string>()) + ", " +
                       names.Category(p[7].as<std::string>()) + ", " +
                       names.Severity(p[8].as<std::string>()) + "; received " +
                       p[11].as<std::string>() + ", deadline " + p[12].as<std::string>() + "; " +
                       std::to_string(p[15].as<int>()) + " report(s)" +
                       (group.empty() ? std::string()
                                      : "; group " + group + ", round " + p[14].as<std::string>()) +
                       (listed ? "; listed (挂牌督办): " + p[10].as<std::string>() : std::string());
    lines.push_back({p[17].as<timeutil::Millis>(), "dispatch", "assigned", "dispatch",
                     kind + " to " + body + ", deadline " + p[12].as<std::string>()});
    for (const auto& s : read.sources) {
      const bool first = s[0].as<std::int64_t>() == id;
      lines.push_back(
          {s[2].as<timeutil::Millis>(), "dispatch", first ? "report" : "repeat_report", "intake",
           "report " + s[0].as<std::string>() + " via " + names.Channel(s[1].as<std::string>()) +
               (first ? " (the first report)" : " (a repeat, added to the problem)")});
    }
    for (const auto& c : read.changes) {
      lines.push_back({c[5].as<timeutil::Millis>(), "dispatch", c[0].as<std::string>(),
                       c[3].as<std::string>(),
                       c[1].as<std::string>() + " -> " + c[2].as<std::string>() + ": " +
                           c[4].as<std::string>()});
    }
    out["dispatch"] = {{"kind", kind},
                       {"body_code", p[1].as<std::int64_t>()},
                       {"body_name", p[2].as<std::string>()},
                       {"body_kind", p[3].as<std::string>()},
                       {"jurisdiction", p[4].as<std::int64_t>()},
                       {"city", p[5].as<std::int64_t>()},
                       {"channel", p[6].as<std::string>()},
                       {"category", p[7].as<std::string>()},
                       {"severity", p[8].as<std::string>()},
                       {"listed", listed},
                       {"listing_reason", p[10].as<std::string>()},
                       {"received_day", p[11].as<std::string>()},
                       {"deadline", p[12].as<std::string>()},
                       {"group_id", group},
                       {"round", p[14].as<int>()},
                       {"report_count", p[15].as<int>()},
                       {"title", title}};
  }
  std::string tracking_summary;
  if (read.entry) {
    const tracking::LedgerEntry& e = *read.entry;
    if (title.empty()) title = e.title;
    std::string warnings;
    for (double f : e.warnings_sent) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%g", f);
      warnings += (warnings.empty() ? "" : ", ") + std::string(buf);
    }
    tracking_summary = std::string(tracking::ToString(e.state)) + "; assigned " +
                       FormatDay(e.assigned_day) + ", deadline " + FormatDay(e.deadline) +
                       " (counted from " + FormatDay(e.deadline_started_day) +
                       "); extensions used " + std::to_string(e.extensions_used);
    if (e.pending_extension) {
      tracking_summary += "; pending extension of " +
                          std::to_string(e.pending_extension->working_days) +
                          " working day(s) asked by " + e.pending_extension->by;
    }
    if (e.reopen_count > 0) tracking_summary += "; reopened " + std::to_string(e.reopen_count);
    if (!warnings.empty()) tracking_summary += "; warnings sent at " + warnings;
    if (e.overdue_notified) tracking_summary += "; overdue";
    if (e.escalation_rung > 0) {
      tracking_summary += "; escalation rung " + std::to_string(e.escalation_rung);
    }
    for (const tracking::HistoryEntry& h : e.history) {
      lines.push_back({h.at, "tracking", h.what, h.by, h.detail});
    }
    out["tracking"] = {{"state", tracking::ToString(e.state)},
                       {"assigned_day", FormatDay(e.assigned_day)},
                       {"deadline", FormatDay(e.deadline)},
                       {"deadline_started_day", FormatDay(e.deadline_started_day)},
                       {"extensions_used", e.extensions_used},
                       {"pending_extension_days",
                        e.pending_extension ? nlohmann::json(e.pending_extension->working_days)
                                            : nlohmann::json(nullptr)},
                       {"reopen_count", e.reopen_count},
                       {"warnings_sent", e.warnings_sent},
                       {"overdue_notified", e.overdue_notified},
                       {"escalation_rung", e.escalation_rung},
                       {"body_name", e.body.name},
                       {"title", e.title}};
  }
  std::string review_summary = "no lines yet (no rectification claim reached review)";
  if (!read.review_lines.empty()) {
    review_summary = std::to_string(read.review_lines.size()) +
                     " line(s); the latest: " + read.review_lines.back().what + " by " +
                     read.review_lines.back().by;
    out["review"] = {{"lines", read.review_lines.size()},
                     {"latest", read.review_lines.back().what}};
  }
  for (const review::AuditLine& h : read.review_lines) {
    lines.push_back({h.at, "review", h.what, h.by, h.detail});
  }
  // Time order; on a tie dispatch's line, then tracking's, then review's (each follows the
  // events of the one before).
  std::stable_sort(lines.begin(), lines.end(),
                   [](const Line& x, const Line& y) { return x.at < y.at; });
  const int zone = names.ZoneMinutes();
  if (a.json) {
    nlohmann::json history = nlohmann::json::array();
    for (const Line& l : lines) {
      history.push_back({{"at", timeutil::FormatRfc3339(l.at, zone)},
                         {"service", l.service},
                         {"what", l.what},
                         {"by", l.by},
                         {"detail", l.detail}});
    }
    out["history"] = history;
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::cout << "problem " << id << ": " << title << "\n";
  std::cout << "  dispatch  "
            << (read.problem ? dispatch_summary : std::string("no problem row (not assigned)"))
            << "\n";
  std::cout << "  tracking  "
            << (read.entry ? tracking_summary
                           : std::string("no ledger entry yet (the assignment is not applied)"))
            << "\n";
  std::cout << "  review    " << review_summary << "\n";
  std::vector<std::vector<std::string>> table;
  for (const Line& l : lines) {
    table.push_back({timeutil::FormatRfc3339(l.at, zone), l.service, l.what, l.by, l.detail});
  }
  PrintTable({"TIME", "SERVICE", "WHAT", "BY", "DETAIL"}, table, false);
  return 0;
}

}  // namespace ducha::ctl
