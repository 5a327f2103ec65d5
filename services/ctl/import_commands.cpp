#include "services/ctl/import_commands.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <pqxx/pqxx>
#include <sstream>

#include "common/transport/pipeline.h"
#include "proto/dispatch_codec.h"
#include "proto/intake_codec.h"
#include "proto/tracking_codec.h"
#include "services/ctl/problem_list_csv.h"
#include "services/ctl/roster_csv.h"
#include "services/ctl/task_list_csv.h"

namespace ducha::ctl {

const char* const kImportUsage =
    "  import problems FILE.csv --channel C [--window N] [--dry-run]\n"
    "                                                   a problem list (交办问题清单) through\n"
    "      intake, one submission per row (id csv:<channel>:<ref>: importing again changes\n"
    "      nothing); header ref,jurisdiction,category,title,description,observed_at plus any of\n"
    "      reported_at,severity,address,enterprise,credit_code,group_id,round,platform,lat,lon,\n"
    "      evidence; --endpoint E --server-key FILE --key-file FILE (the integration's key);\n"
    "      exit status 1 when a row was rejected (the good rows still go in)\n"
    "  import tasks FILE.csv [--source S] [--dry-run]   a key-task list (重点任务清单) to\n"
    "      tracking (--endpoint E, default tcp://127.0.0.1:7121; an operator's key): header\n"
    "      task_id,jurisdiction,special_action,title,unit,target,start,deadline,source and\n"
    "      optionally milestones (YYYY-MM-DD:fraction;...); importing again changes nothing, a\n"
    "      changed row updates its task; summary of new, updated, duplicates and rejected\n"
    "  roster import FILE.csv --group G --round N --vehicles N [--days N]\n"
    "                                                   a group's roster (督察组人员名单) for a\n"
    "      round, to dispatch's admin endpoint (--endpoint E --server-key FILE --key-file FILE);\n"
    "      header member_id,name,home_unit,unit_type,home_city,role (role: 组长, 副组长, 组员,\n"
    "      专人汇总); dispatch checks the campaign's roster rules and answers with the logistics\n"
    "  roster list [--round N]                          the rosters and their logistics (车辆,\n"
    "                                                   驻点天数, 餐费补助), without names\n";

namespace {

namespace pc = proto::common;
namespace pi = proto::intake;
namespace pt = proto::tracking;

// A progress bar on stderr, redrawn at most every 100 ms, only on a terminal.
class Progress {
 public:
  explicit Progress(std::size_t total) : total_(total), tty_(isatty(STDERR_FILENO) == 1) {}
  void Update(std::size_t done, bool force = false) {
    if (!tty_ || total_ == 0) return;
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    constexpr std::size_t kWidth = 40;
    const std::size_t filled = done * kWidth / total_;
    std::string bar(filled, '#');
    bar.append(kWidth - filled, '.');
    std::fprintf(stderr, "\r[%s] %zu/%zu rows", bar.c_str(), done, total_);
    if (done == total_) std::fputc('\n', stderr);
    std::fflush(stderr);
  }

 private:
  std::size_t total_;
  bool tty_;
  std::chrono::steady_clock::time_point last_{};
};

struct Outcome {
  int line = 0;
  std::string what;  // new, duplicate, rejected
  std::int64_t report_id = 0;
  std::string detail;  // the receipt number, or the refusal
};

int ImportProblems(const Args& a) {
  const std::string usage = "import problems FILE.csv --channel C --endpoint E ...";
  if (a.positional.size() < 3) Fail("usage", usage);
  const std::string path = a.positional[2];
  const auto channel = pc::ParseChannel(Required(a, "channel"));
  if (!channel) {
    Fail("usage", "--channel must be one of " + std::string(pc::kChannelNames));
  }
  const auto c = CampaignForNames(a);
  if (!c) Fail("no_campaign", "the campaign is needed to read categories (--campaign DIR)");
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail("io_error", "cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  const ProblemList list = ParseProblemList(text.str(), *channel, *c);

  std::vector<Outcome> outcomes;
  for (const auto& p : list.problems) outcomes.push_back({p.line, "rejected", 0, p.reason});
  if (!a.Flag("dry-run") && !list.rows.empty()) {
    const auto window = ParseInt(a.Opt("window", "32"));
    if (!window || *window < 1 || *window > 1000) Fail("usage", "--window must be 1..1000");
    const auto timeout_ms = ParseInt(a.Opt("timeout-ms", "10000"));
    if (!timeout_ms || *timeout_ms < 1) Fail("usage", "--timeout-ms must be a positive number");
    std::vector<std::string> frames;
    std::vector<std::string> ids;
    for (const auto& row : list.rows) {
      ids.push_back("imp-" + std::to_string(row.line));
      frames.push_back(pi::Encode(row.report, ids.back()));
    }
    Progress progress(frames.size());
    transport::PipelineSettings settings;
    settings.window = static_cast<std::size_t>(*window);
    settings.timeout = std::chrono::milliseconds(*timeout_ms);
    const auto sent =
        transport::PipelineRequests(Required(a, "endpoint"), SecurityFrom(a), frames, ids, settings,
                                    [&](std::size_t done) { progress.Update(done); });
    if (!sent) Fail(sent.error().code, sent.error().message);
    progress.Update(frames.size(), true);
    const std::vector<std::string>& replies = *sent;
    for (std::size_t i = 0; i < replies.size(); ++i) {
      const int line = list.rows[i].line;
      auto frame = proto::ParseMessage(replies[i]);
      if (frame && frame->type() == pi::Receipt::kType) {
        if (auto r = codec::DecodeAs<pi::Receipt>(*frame)) {
          const bool dup = r->outcome == pi::ReceiptOutcome::kDuplicate;
          outcomes.push_back(
              {line, dup ? "duplicate" : "new", r->report_id,
               r->receipt_no + (dup && r->duplicate_of
                                    ? " (duplicate of " + std::to_string(*r->duplicate_of) + ")"
                                    : "")});
          continue;
        }
      }
      if (frame && frame->type() == pc::ErrorReply::kType) {
        if (auto e = codec::DecodeAs<pc::ErrorReply>(*frame)) {
          outcomes.push_back({line, "rejected", 0,
                              e->code + (e->field ? " " + *e->field : "") + ": " + e->message});
          continue;
        }
      }
      outcomes.push_back({line, "rejected", 0, "unreadable reply"});
    }
  }
  std::sort(outcomes.begin(), outcomes.end(),
            [](const Outcome& x, const Outcome& y) { return x.line < y.line; });
  int fresh = 0;
  int dups = 0;
  int rejected = 0;
  for (const auto& o : outcomes) {
    if (o.what == "new") ++fresh;
    if (o.what == "duplicate") ++dups;
    if (o.what == "rejected") ++rejected;
  }
  const bool dry = a.Flag("dry-run");
  if (a.json) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& o : outcomes) {
      nlohmann::json j{{"line", o.line}, {"outcome", o.what}, {"detail", o.detail}};
      if (o.report_id > 0) j["report_id"] = o.report_id;
      rows.push_back(j);
    }
    std::cout << nlohmann::json{{"file", path},         {"channel", pc::ToString(*channel)},
                                {"dry_run", dry},       {"valid_rows", list.rows.size()},
                                {"imported", fresh},    {"duplicates", dups},
                                {"rejected", rejected}, {"rows", rows}}
                     .dump(2)
              << "\n";
  } else {
    for (const auto& o : outcomes) {
      if (o.what == "rejected") {
        std::cerr << path << ":" << o.line << ": rejected: " << o.detail << "\n";
      }
    }
    if (dry) {
      std::cout << path << ": " << list.rows.size() << " rows valid, " << rejected
                << " rejected (dry run: nothing sent)\n";
    } else {
      std::cout << path << ": imported " << fresh << " new, " << dups
                << " duplicates (merged into earlier problems), " << rejected << " rejected\n";
    }
  }
  return rejected == 0 ? 0 : 1;
}

}  // namespace

int RosterImport(const Args& a) {
  if (a.positional.size() < 3) {
    Fail("usage", "roster import FILE.csv --group G --round N --vehicles N [--days N]");
  }
  const std::string path = a.positional[2];
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail("io_error", "cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  const RosterCsv csv = ParseRosterCsv(text.str());
  if (!csv.problems.empty()) {
    for (const auto& p : csv.problems) {
      std::cerr << path << ":" << p.line << ": rejected: " << p.reason << "\n";
    }
    Fail("bad_roster_file", path + ": nothing was sent");
  }
  proto::dispatch::SubmitRoster roster;
  roster.group_id = Required(a, "group");
  const auto round = ParseInt(Required(a, "round"));
  const auto vehicles = ParseInt(Required(a, "vehicles"));
  if (!round || !vehicles) Fail("usage", "--round and --vehicles are whole numbers");
  roster.round = *round;
  roster.vehicles = *vehicles;
  if (const std::string days = a.Opt("days"); !days.empty()) {
    const auto d = ParseInt(days);
    if (!d) Fail("usage", "--days is a whole number");
    roster.days_stationed = *d;
  }
  roster.members = csv.members;
  const std::string reply =
      ServiceRequest(a, proto::dispatch::Encode(roster, "ctl-roster"), Required(a, "endpoint"));
  const auto m = ExpectReply<proto::dispatch::RosterAccepted>(a, reply);
  if (!m) return 1;
  if (!a.json) {
    std::cout << m->group_id << " round " << m->round << ": roster version " << m->version << ", "
              << m->members << " members, " << m->vehicles << " vehicles, " << m->days_stationed
              << " days stationed, meal allowance " << m->meal_allowance_yuan
              << " yuan (餐费补助)\n";
  }
  return 0;
}

int RosterList(const Args& a) {
  pqxx::connection c{ReadUrl(a)};
  pqxx::read_transaction r{c};
  const std::string round = a.Opt("round");
  const pqxx::result rows = r.exec_params(
      "SELECT r.group_id, r.round, r.version, r.members, r.vehicles, r.days_stationed, "
      "r.meal_allowance_yuan, (SELECT count(*) FROM dispatch.roster_member m WHERE m.group_id = "
      "r.group_id AND m.round = r.round AND m.role = 'aggregator'), r.submitted_by FROM "
      "dispatch.roster r WHERE $1 = '' OR r.round::text = $1 ORDER BY r.round, r.group_id",
      round);
  const auto campaign = CampaignForNames(a);
  const Names names(campaign);
  std::vector<std::vector<std::string>> table;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& row : rows) {
    const std::string group = row[0].as<std::string>();
    table.push_back({names.Group(group), row[1].as<std::string>(), row[2].as<std::string>(),
                     row[3].as<std::string>(), row[7].as<std::string>(), row[4].as<std::string>(),
                     row[5].as<std::string>(), row[6].as<std::string>(), row[8].as<std::string>()});
    out.push_back({{"group", group},
                   {"round", row[1].as<int>()},
                   {"version", row[2].as<int>()},
                   {"members", row[3].as<int>()},
                   {"aggregators", row[7].as<int>()},
                   {"vehicles", row[4].as<int>()},
                   {"days_stationed", row[5].as<int>()},
                   {"meal_allowance_yuan", row[6].as<long long>()},
                   {"submitted_by", row[8].as<std::string>()}});
  }
  if (a.json) {
    std::cout << out.dump(2) << "\n";
  } else {
    PrintTable({"GROUP", "ROUND", "VERSION", "MEMBERS", "AGGREGATORS", "VEHICLES", "DAYS",
                "MEALS (YUAN)", "BY"},
               table, a.Flag("csv"));
  }
  return 0;
}

int Roster(const Args& a) {
  const std::string verb = a.positional.size() > 1 ? a.positional[1] : "";
  if (verb == "import") return RosterImport(a);
  if (verb == "list") return RosterList(a);
  Fail("usage", "roster import FILE.csv --group G --round N --vehicles N | roster list");
}

namespace {

int ImportTasks(const Args& a) {
  if (a.positional.size() < 3) Fail("usage", "import tasks FILE.csv --endpoint E ...");
  const std::string path = a.positional[2];
  const auto campaign = CampaignForNames(a);
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail("io_error", "cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  const TaskList list = ParseTaskList(text.str(), campaign ? &*campaign : nullptr);
  if (list.bad_header) {
    for (const auto& p : list.problems)
      std::cerr << path << ":" << p.line << ": " << p.reason << "\n";
    Fail("bad_header", path + ": the header is wrong; nothing was sent");
  }
  struct Row {
    int line = 0;
    std::string task_id, result, detail;
  };
  std::vector<Row> rows;
  for (const auto& p : list.problems) rows.push_back({p.line, "", "rejected", p.reason});
  const bool dry = a.Flag("dry-run");
  if (!dry && !list.rows.empty()) {
    std::vector<std::string> frames, ids;
    const std::string source = a.Opt("source", path);
    for (std::size_t i = 0; i < list.rows.size(); i += kTaskRowsPerMessage) {
      pt::ImportTasks m;
      m.source = source.substr(0, 200);
      const std::size_t end = std::min(list.rows.size(), i + kTaskRowsPerMessage);
      m.rows.assign(list.rows.begin() + static_cast<std::ptrdiff_t>(i),
                    list.rows.begin() + static_cast<std::ptrdiff_t>(end));
      ids.push_back("tasks-" + std::to_string(i));
      frames.push_back(pt::Encode(m, ids.back()));
    }
    Progress progress(list.rows.size());
    transport::PipelineSettings settings;
    settings.window = 1;  // one part at a time: a task listed in two parts is decided in order
    const auto endpoint = a.Opt("endpoint", "tcp://127.0.0.1:7121");
    const auto sent = transport::PipelineRequests(
        endpoint, SecurityFrom(a), frames, ids, settings, [&](std::size_t done) {
          progress.Update(std::min(list.rows.size(), done * kTaskRowsPerMessage));
        });
    if (!sent) Fail(sent.error().code, sent.error().message);
    progress.Update(list.rows.size(), true);
    for (const std::string& reply : *sent) {
      auto frame = proto::ParseMessage(reply);
      if (frame && frame->type() == pt::TasksImported::kType) {
        if (auto r = codec::DecodeAs<pt::TasksImported>(*frame)) {
          for (const auto& o : r->outcomes) {
            std::string detail;
            if (o.code)
              detail = *o.code + (o.field ? " " + *o.field : "") + ": " + o.message.value_or("");
            rows.push_back(
                {static_cast<int>(o.line), o.task_id, std::string(pt::ToString(o.result)), detail});
          }
          continue;
        }
      }
      std::string why = "unreadable reply";
      if (frame && frame->type() == pc::ErrorReply::kType) {
        if (auto e = codec::DecodeAs<pc::ErrorReply>(*frame)) why = e->code + ": " + e->message;
      }
      Fail("refused", path + ": tracking refused the import: " + why);
    }
  }
  std::sort(rows.begin(), rows.end(), [](const Row& x, const Row& y) { return x.line < y.line; });
  std::map<std::string, int> counts;
  for (const Row& r : rows) ++counts[r.result];
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const Row& r : rows) {
      out.push_back(
          {{"line", r.line}, {"task_id", r.task_id}, {"result", r.result}, {"detail", r.detail}});
    }
    std::cout << nlohmann::json{{"file", path},
                                {"dry_run", dry},
                                {"valid_rows", list.rows.size()},
                                {"imported", counts["imported"]},
                                {"updated", counts["updated"]},
                                {"duplicates", counts["unchanged"]},
                                {"rejected", counts["rejected"]},
                                {"rows", out}}
                     .dump(2)
              << "\n";
  } else {
    for (const Row& r : rows) {
      if (r.result == "rejected")
        std::cerr << path << ":" << r.line << ": rejected: " << r.detail << "\n";
    }
    if (dry) {
      std::cout << path << ": " << list.rows.size() << " rows valid, " << counts["rejected"]
                << " rejected (dry run: nothing sent)\n";
    } else {
      std::cout << path << ": imported " << counts["imported"] << " new tasks, "
                << counts["updated"] << " updated, " << counts["unchanged"]
                << " duplicates (unchanged), " << counts["rejected"] << " rejected\n";
    }
  }
  return counts["rejected"] == 0 ? 0 : 1;
}

}  // namespace

int Import(const Args& a) {
  const std::string what = a.positional.size() > 1 ? a.positional[1] : "";
  if (what == "problems") return ImportProblems(a);
  if (what == "tasks") return ImportTasks(a);
  Fail("usage", "import problems FILE.csv --channel C ... | import tasks FILE.csv ...");
}

}  // namespace ducha::ctl
