#include "services/ctl/review_commands.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <stop_token>

#include "common/base/time.h"
#include "common/db/db.h"
#include "proto/review_codec.h"
#include "services/ctl/review_views.h"
#include "services/dispatch/store/dispatch_store.h"
#include "services/review/core/credit.h"
#include "services/review/core/rules.h"
#include "services/review/store/review_store.h"
#include "services/tracking/store/ledger_store.h"

namespace ducha::ctl {

const char* const kReviewUsage =
    "  review reinspect TASK_ID --passed yes|no [--findings T] --group CGn\n"
    "                                                   the enforcement bureau's re-inspection\n"
    "                                                   result (复查暗访结果); findings when "
    "failed\n"
    "  review opinion PROBLEM_ID --verified yes|no [--facts a,b] [--units u1,u2]\n"
    "      [--officials n1,n2] --opinion T              a commissioner office's opinion\n"
    "                                                   (责任认定意见); facts: perfunctory_claim,\n"
    "                                                   false_claim, denied_then_substantiated\n"
    "  review decision PROBLEM_ID --decision T [--level L]\n"
    "                                                   the accountability taken (问责处理结果)\n"
    "  blacklist confirm ENTERPRISE --reason T          an operator puts an enterprise at 12\n"
    "                                                   points or more on the blacklist\n"
    "  blacklist delist ENTERPRISE --reason T           ... and takes it off below 12\n"
    "      review reinspect|opinion|decision and blacklist confirm|delist go to review's\n"
    "      endpoint: [--endpoint E] [--server-key FILE --key-file FILE | --plain]\n"
    "      [--request-id ID] [--retries N] [--timeout-ms MS]\n"
    "  review tasks [--state open|passed|failed|documents] [--csv]\n"
    "                                                   re-inspection tasks (复查任务)\n"
    "  review what-if RULES.json                        the recorded recommendations recomputed\n"
    "                                                   under another rule table\n"
    "  blacklist list [--all] [--credit-file FILE]      enterprises' credit at the fleet clock's\n"
    "                                                   now (企业环境信用); --all with green ones\n"
    "  blacklist history ENTERPRISE                     its colours and blacklist actions\n"
    "  audit verify PROBLEM_ID | audit verify --all [--service review|dispatch|tracking]\n"
    "                                                   a hash-chained history (审计链): review's\n"
    "                                                   decisions, dispatch's changes or\n"
    "                                                   tracking's ledger history;\n"
    "                                                   exit status 1 when a chain is broken\n";

namespace {

namespace pr = proto::review;

constexpr const char* kReviewEndpoint = "tcp://127.0.0.1:7131";
constexpr const char* kReviewCommandUsage =
    "review reinspect TASK_ID ... | review opinion PROBLEM_ID ... | review decision PROBLEM_ID "
    "... | review tasks | review what-if RULES.json (see ducha-ctl's usage)";
constexpr const char* kBlacklistUsage =
    "blacklist confirm|delist ENTERPRISE --reason T | blacklist list [--all] | blacklist history "
    "ENTERPRISE";
constexpr const char* kAuditUsage =
    "audit verify PROBLEM_ID | audit verify --all [--service review|dispatch|tracking]";

// ---- commands to review's endpoint ------------------------------------------------------------

// Checks the message against its schema before anything is sent: a refusal reads like the
// service's own (`error: code field: message`).
template <typename M>
bool Valid(const M& m) {
  const Status ok = pr::Validate(m);
  if (!ok) PrintError(ok.error().code, ok.error().field, ok.error().message);
  return ok.ok();
}

template <typename M>
std::optional<pr::Done> SendForDone(const Args& a, const M& m, const RequestId& rid) {
  if (!Valid(m)) return std::nullopt;
  Announce(rid);
  return ExpectReply<pr::Done>(a, ServiceRequest(a, pr::Encode(m, rid.id), kReviewEndpoint));
}

int PrintDone(const Args& a, const std::optional<pr::Done>& done, const RequestId& rid) {
  if (!done) return 1;
  if (a.json) return 0;
  std::cout << "problem " << done->problem_id;
  if (done->task_id) std::cout << ", task " << *done->task_id;
  std::cout << ": " << done->outcome;
  if (done->replayed) std::cout << " (replayed: the answer already given to " << rid.id << ")";
  std::cout << "\n";
  return 0;
}

int Reinspect(const Args& a) {
  constexpr const char* kUsage =
      "review reinspect TASK_ID --passed yes|no [--findings T] --group CGn --endpoint E ...";
  pr::ReportReinspection m;
  m.task_id = IdArg(a, 2, "TASK_ID", kUsage);
  m.passed = YesNo(a, "passed");
  if (!a.Opt("findings").empty()) m.findings = a.Opt("findings");
  m.group_id = Required(a, "group");
  const RequestId rid = RequestIdFor(a, "reinspect");
  m.request_id = rid.id;
  return PrintDone(a, SendForDone(a, m, rid), rid);
}

int Opinion(const Args& a) {
  constexpr const char* kUsage =
      "review opinion PROBLEM_ID --verified yes|no [--facts a,b] [--units u1,u2] "
      "[--officials n1,n2] --opinion T --endpoint E ...";
  pr::RecordOpinion m;
  m.problem_id = IdArg(a, 2, "PROBLEM_ID", kUsage);
  m.verified = YesNo(a, "verified");
  m.verified_facts = SplitList(a.Opt("facts"));
  m.responsible_units = SplitList(a.Opt("units"));
  m.responsible_officials = SplitList(a.Opt("officials"));
  m.opinion = Required(a, "opinion");
  const RequestId rid = RequestIdFor(a, "opinion");
  m.request_id = rid.id;
  return PrintDone(a, SendForDone(a, m, rid), rid);
}

int Decision(const Args& a) {
  constexpr const char* kUsage =
      "review decision PROBLEM_ID --decision T [--level L] --endpoint E ...";
  pr::RecordDecision m;
  m.problem_id = IdArg(a, 2, "PROBLEM_ID", kUsage);
  m.decision = Required(a, "decision");
  if (!a.Opt("level").empty()) m.level = a.Opt("level");
  const RequestId rid = RequestIdFor(a, "decision");
  m.request_id = rid.id;
  return PrintDone(a, SendForDone(a, m, rid), rid);
}

int ChangeListing(const Args& a, bool list) {
  if (a.positional.size() < 3) Fail("usage", kBlacklistUsage);
  const std::string& enterprise = a.positional[2];
  const std::string reason = Required(a, "reason");
  const RequestId rid = RequestIdFor(a, list ? "confirm" : "delist");
  std::string frame;
  if (list) {
    const pr::ConfirmBlacklist m{rid.id, enterprise, reason};
    if (!Valid(m)) return 1;
    frame = pr::Encode(m, rid.id);
  } else {
    const pr::Delist m{rid.id, enterprise, reason};
    if (!Valid(m)) return 1;
    frame = pr::Encode(m, rid.id);
  }
  Announce(rid);
  const auto done = ExpectReply<pr::CreditDone>(a, ServiceRequest(a, frame, kReviewEndpoint));
  if (!done) return 1;
  if (a.json) return 0;
  std::cout << "enterprise " << done->enterprise << ": " << done->points << " points, "
            << pr::ToString(done->colour) << ", "
            << (done->blacklisted ? "on the blacklist" : "not on the blacklist");
  if (done->replayed) std::cout << " (replayed: the answer already given to " << rid.id << ")";
  std::cout << "\n";
  return 0;
}

// ---- reads of review's schema -----------------------------------------------------------------

db::Connection ReadConnection(const Args& a, std::stop_source& stop) {
  return db::Connection(db::DbSettings{ReadUrl(a), "ducha-ctl"}, stop.get_token());
}

// The fleet clock's now (ref.sim_clock, as `clock show` reads it), or the system's when the
// simulation is off.
struct FleetNow {
  timeutil::Millis now = 0;
  bool simulated = false;
};

FleetNow ReadNow(pqxx::transaction_base& tx) {
  const pqxx::result r = tx.exec("SELECT enabled, now_ms FROM ref.sim_clock");
  if (!r.empty() && r[0][0].as<bool>()) return {r[0][1].as<timeutil::Millis>(), true};
  return {std::chrono::duration_cast<std::chrono::milliseconds>(
              std::chrono::system_clock::now().time_since_epoch())
              .count(),
          false};
}

int Tasks(const Args& a) {
  const std::string state = a.Opt("state");
  if (!state.empty() && state != "open" && state != "passed" && state != "failed" &&
      state != "documents") {
    Fail("usage", "review tasks [--state open|passed|failed|documents] [--csv]");
  }
  const auto campaign = CampaignForNames(a);
  const Names names(campaign);
  std::stop_source stop;
  db::Connection conn = ReadConnection(a, stop);
  const pqxx::result rows = conn.Read([&](pqxx::read_transaction& tx) {
    return tx.exec_params(
        "SELECT task_id, problem_id, claim_no, city, reason, draw, coalesce(group_id, ''), state, "
        "created_at FROM review.task WHERE $1 = '' OR state = $1 ORDER BY task_id",
        state);
  });
  const int zone = names.ZoneMinutes();
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : rows) {
      out.push_back({{"task_id", r[0].as<std::int64_t>()},
                     {"problem_id", r[1].as<std::int64_t>()},
                     {"claim_no", r[2].as<int>()},
                     {"city", r[3].as<std::string>()},
                     {"city_name", names.Place(r[3].as<std::int64_t>())},
                     {"reason", r[4].as<std::string>()},
                     {"draw", r[5].as<double>()},
                     {"group_id", r[6].as<std::string>()},
                     {"state", r[7].as<std::string>()},
                     {"created_at", timeutil::FormatRfc3339(r[8].as<timeutil::Millis>(), zone)}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  const bool csv = a.Flag("csv");
  std::vector<std::vector<std::string>> table;
  for (const auto& r : rows) {
    char draw[16];
    std::snprintf(draw, sizeof draw, "%.3f", r[5].as<double>());
    const std::string city = names.Place(r[3].as<std::int64_t>());
    std::vector<std::string> row{r[0].as<std::string>(), r[1].as<std::string>(),
                                 r[2].as<std::string>()};
    if (csv) {
      row.push_back(r[3].as<std::string>());
      row.push_back(city);
    } else {
      row.push_back(city.empty() ? r[3].as<std::string>() : city);
    }
    for (const std::string& v :
         {r[4].as<std::string>(), std::string(draw), r[6].as<std::string>(), r[7].as<std::string>(),
          timeutil::FormatRfc3339(r[8].as<timeutil::Millis>(), zone)}) {
      row.push_back(v);
    }
    table.push_back(std::move(row));
  }
  if (csv) {
    PrintTable({"task_id", "problem_id", "claim_no", "city", "city_name", "reason", "draw",
                "group_id", "state", "created_at"},
               table, true);
    return 0;
  }
  std::cout << "re-inspection tasks (复查任务)" << (state.empty() ? "" : ", " + state + " only")
            << ": " << rows.size() << "\n";
  PrintTable({"TASK", "PROBLEM", "CLAIM", "CITY", "REASON", "DRAW", "GROUP", "STATE", "CREATED"},
             table, false);
  return 0;
}

nlohmann::json RecommendationJson(const review::Recommendation& r) {
  nlohmann::json facts = nlohmann::json::array();
  for (const review::ScoredFact& f : r.facts) {
    facts.push_back({{"fact", f.fact}, {"count", f.count}, {"points", f.points}});
  }
  return {{"level", r.level.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.level)},
          {"display_name", r.display_name},
          {"points", r.points},
          {"rule_version", r.rule_version},
          {"facts", facts}};
}

int WhatIfCommand(const Args& a) {
  if (a.positional.size() < 3) Fail("usage", "review what-if RULES.json");
  const std::string& path = a.positional[2];
  const auto rules = review::Rules::Load(path);
  if (!rules) {
    PrintError(rules.error().code, rules.error().field, rules.error().message);
    return 1;
  }
  std::stop_source stop;
  db::Connection conn = ReadConnection(a, stop);
  const auto cases =
      conn.Read([&](pqxx::read_transaction& tx) { return review::LoadRecommendedCases(tx); });
  const WhatIf w = RecomputeUnder(cases, *rules);
  if (a.json) {
    nlohmann::json changes = nlohmann::json::array();
    for (const WhatIfRow& r : w.changed) {
      changes.push_back(
          {{"problem_id", r.problem_id},
           {"recorded", RecommendationJson(r.made)},
           {"under_file", r.recomputed ? RecommendationJson(*r.recomputed) : nullptr},
           {"error", r.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.error)}});
    }
    std::cout << nlohmann::json{{"rules_file", path},
                                {"rule_version", rules->version()},
                                {"cases", w.cases},
                                {"changed", w.changed.size()},
                                {"changes", changes}}
                     .dump(2)
              << "\n";
    return 0;
  }
  std::cout << "what-if: the recorded recommendations under " << path << " (rules v"
            << rules->version() << ")\n";
  if (!w.changed.empty()) {
    std::vector<std::vector<std::string>> table;
    for (const WhatIfRow& r : w.changed) {
      std::vector<std::string> row{std::to_string(r.problem_id), LevelCell(r.made),
                                   std::to_string(r.made.points),
                                   "v" + std::to_string(r.made.rule_version)};
      if (r.recomputed) {
        row.push_back(LevelCell(*r.recomputed));
        row.push_back(std::to_string(r.recomputed->points));
        row.push_back("v" + std::to_string(r.recomputed->rule_version));
      } else {
        row.push_back("refused: " + r.error);
      }
      table.push_back(std::move(row));
    }
    PrintTable(
        {"PROBLEM", "RECORDED LEVEL", "POINTS", "RULES", "LEVEL UNDER FILE", "POINTS", "RULES"},
        table, false);
  }
  std::cout << w.cases << " case(s), " << w.changed.size() << " would change\n";
  return 0;
}

// ---- blacklist list / history -----------------------------------------------------------------

review::CreditRules LoadCreditRules(const Args& a) {
  const std::string path = a.Opt("credit-file", CampaignDir(a) + "/credit.json");
  auto credit = review::CreditRules::Load(path);
  if (!credit) {
    Fail("bad_credit_rule", credit.error().field + ": " + credit.error().message +
                                " (use --credit-file FILE or --campaign DIR)");
  }
  return std::move(credit).value();
}

std::string ClockText(const FleetNow& now, int zone) {
  return timeutil::FormatRfc3339(now.now, zone) +
         (now.simulated ? " (fleet clock)" : " (system clock, the simulation is off)");
}

std::vector<review::CreditEntry> EntriesOf(pqxx::transaction_base& tx, const std::string& key) {
  std::vector<review::CreditEntry> out;
  for (const auto& r : tx.exec_params(
           "SELECT at, points, cleared_at IS NOT NULL FROM review.credit_entry WHERE enterprise = "
           "$1 ORDER BY id",
           key)) {
    out.push_back({r[0].as<timeutil::Millis>(), r[1].as<int>(), r[2].as<bool>()});
  }
  return out;
}

int BlacklistList(const Args& a) {
  const review::CreditRules credit = LoadCreditRules(a);
  const auto campaign = CampaignForNames(a);
  const Names names(campaign);
  struct Read {
    FleetNow now;
    std::vector<EnterpriseCredit> enterprises;
  };
  std::stop_source stop;
  db::Connection conn = ReadConnection(a, stop);
  const Read read = conn.Read([&](pqxx::read_transaction& tx) {
    Read out;
    out.now = ReadNow(tx);
    for (const auto& r :
         tx.exec("SELECT enterprise, name, blacklisted FROM review.enterprise ORDER BY 1")) {
      out.enterprises.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<bool>(),
                                 EntriesOf(tx, r[0].as<std::string>())});
    }
    return out;
  });
  const bool all = a.Flag("all");
  const std::vector<Standing> shown = Standings(credit, read.enterprises, read.now.now, all);
  const int zone = names.ZoneMinutes();
  if (a.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const Standing& s : shown) {
      list.push_back({{"enterprise", s.enterprise},
                      {"name", s.name},
                      {"points", s.points},
                      {"colour", s.colour},
                      {"blacklisted", s.blacklisted}});
    }
    std::cout << nlohmann::json{{"now", timeutil::FormatRfc3339(read.now.now, zone)},
                                {"simulated_clock", read.now.simulated},
                                {"credit_rule_version", credit.version()},
                                {"window_days", credit.window_days()},
                                {"enterprises", list}}
                     .dump(2)
              << "\n";
    return 0;
  }
  std::cout << "enterprise credit (企业环境信用) at " << ClockText(read.now, zone) << ", rule v"
            << credit.version() << ", window " << credit.window_days() << " days: " << shown.size()
            << " of " << read.enterprises.size() << " enterprise(s)"
            << (all ? "" : " (not green or on the blacklist; --all for every one)") << "\n";
  std::vector<std::vector<std::string>> table;
  for (const Standing& s : shown) {
    const std::string listing = s.blacklisted               ? "listed"
                                : s.points >= credit.kBlack ? "put forward (to confirm)"
                                                            : "";
    table.push_back({s.enterprise, s.name, std::to_string(s.points),
                     s.colour_display.empty() ? s.colour : s.colour + " " + s.colour_display,
                     listing});
  }
  PrintTable({"ENTERPRISE", "NAME", "POINTS", "COLOUR", "BLACKLIST"}, table, false);
  return 0;
}

int BlacklistHistory(const Args& a) {
  if (a.positional.size() < 3) Fail("usage", "blacklist history ENTERPRISE");
  const std::string& key = a.positional[2];
  const review::CreditRules credit = LoadCreditRules(a);
  const auto campaign = CampaignForNames(a);
  const Names names(campaign);
  struct Event {
    timeutil::Millis at = 0;
    std::string what;
    int points = 0;
    std::string reason;
    std::string by;
  };
  struct Read {
    FleetNow now;
    std::optional<EnterpriseCredit> enterprise;
    std::vector<Event> events;
  };
  std::stop_source stop;
  db::Connection conn = ReadConnection(a, stop);
  const Read read = conn.Read([&](pqxx::read_transaction& tx) {
    Read out;
    out.now = ReadNow(tx);
    const pqxx::result e = tx.exec_params(
        "SELECT name, blacklisted FROM review.enterprise WHERE enterprise = $1", key);
    if (e.empty()) return out;
    out.enterprise =
        EnterpriseCredit{key, e[0][0].as<std::string>(), e[0][1].as<bool>(), EntriesOf(tx, key)};
    for (const auto& r : tx.exec_params(
             "SELECT at, colour, points, reason FROM review.colour_history WHERE enterprise = $1 "
             "ORDER BY id",
             key)) {
      const std::string colour = r[1].as<std::string>();
      out.events.push_back({r[0].as<timeutil::Millis>(),
                            "colour " + colour + " " + ColourDisplayName(credit, colour),
                            r[2].as<int>(), r[3].as<std::string>(), "review"});
    }
    for (const auto& r :
         tx.exec_params("SELECT at, action, points, reason, by FROM review.blacklist_history WHERE "
                        "enterprise = $1 ORDER BY id",
                        key)) {
      out.events.push_back({r[0].as<timeutil::Millis>(), r[1].as<std::string>(), r[2].as<int>(),
                            r[3].as<std::string>(), r[4].as<std::string>()});
    }
    return out;
  });
  if (!read.enterprise) {
    Fail("unknown_enterprise", "'" + key + "' is not an enterprise named in any problem");
  }
  std::vector<Event> events = read.events;
  // Time order; on a tie the colour change before the blacklist action it allowed.
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& x, const Event& y) { return x.at < y.at; });
  const std::vector<Standing> now = Standings(credit, {*read.enterprise}, read.now.now, true);
  const Standing& s = now.front();
  const int zone = names.ZoneMinutes();
  if (a.json) {
    nlohmann::json history = nlohmann::json::array();
    for (const Event& e : events) {
      history.push_back({{"at", timeutil::FormatRfc3339(e.at, zone)},
                         {"what", e.what},
                         {"points", e.points},
                         {"reason", e.reason},
                         {"by", e.by}});
    }
    std::cout << nlohmann::json{{"enterprise", s.enterprise},
                                {"name", s.name},
                                {"now", timeutil::FormatRfc3339(read.now.now, zone)},
                                {"points", s.points},
                                {"colour", s.colour},
                                {"blacklisted", s.blacklisted},
                                {"history", history}}
                     .dump(2)
              << "\n";
    return 0;
  }
  std::cout << "enterprise " << s.enterprise << " " << s.name << ": " << s.points << " points at "
            << ClockText(read.now, zone) << ", " << s.colour << " " << s.colour_display << ", "
            << (s.blacklisted ? "on the blacklist" : "not on the blacklist") << "\n";
  std::vector<std::vector<std::string>> table;
  for (const Event& e : events) {
    table.push_back(
        {timeutil::FormatRfc3339(e.at, zone), e.what, std::to_string(e.points), e.reason, e.by});
  }
  PrintTable({"TIME", "WHAT", "POINTS", "REASON", "BY"}, table, false);
  return 0;
}

}  // namespace

// ---- review ------------------------------------------------------------------------------------

int Review(const Args& a) {
  const std::string sub = a.positional.size() > 1 ? a.positional[1] : "";
  if (sub == "reinspect") return Reinspect(a);
  if (sub == "opinion") return Opinion(a);
  if (sub == "decision") return Decision(a);
  if (sub == "tasks") return Tasks(a);
  if (sub == "what-if") return WhatIfCommand(a);
  Fail("usage", kReviewCommandUsage);
}

// ---- blacklist ---------------------------------------------------------------------------------

int Blacklist(const Args& a) {
  const std::string sub = a.positional.size() > 1 ? a.positional[1] : "";
  if (sub == "confirm") return ChangeListing(a, true);
  if (sub == "delist") return ChangeListing(a, false);
  if (sub == "list") return BlacklistList(a);
  if (sub == "history") return BlacklistHistory(a);
  Fail("usage", kBlacklistUsage);
}

// ---- audit -------------------------------------------------------------------------------------

int Audit(const Args& a) {
  if (a.positional.size() < 2 || a.positional[1] != "verify") Fail("usage", kAuditUsage);
  const bool all = a.Flag("all");
  std::optional<std::int64_t> one;
  if (!all) one = IdArg(a, 2, "PROBLEM_ID", kAuditUsage);
  const std::string service = a.Opt("service", "review");
  if (service != "review" && service != "dispatch" && service != "tracking") {
    Fail("usage", kAuditUsage);
  }
  const bool dispatch = service == "dispatch";
  const bool tracking = service == "tracking";
  std::stop_source stop;
  db::Connection conn = ReadConnection(a, stop);
  // Every chain asked for, read in one transaction.
  const auto chains = conn.Read([&](pqxx::read_transaction& tx) {
    std::vector<std::pair<std::int64_t, std::vector<review::AuditLine>>> out;
    std::vector<std::int64_t> problems;
    if (one) {
      problems.push_back(*one);
    } else {
      for (const auto& r :
           tx.exec(dispatch ? "SELECT DISTINCT problem_id FROM dispatch.change_history WHERE hash "
                              "IS NOT NULL ORDER BY 1"
                   : tracking ? "SELECT DISTINCT problem_id FROM tracking.history WHERE hash IS "
                                "NOT NULL ORDER BY 1"
                              : "SELECT DISTINCT problem_id FROM review.history ORDER BY 1")) {
        problems.push_back(r[0].as<std::int64_t>());
      }
    }
    for (std::int64_t p : problems) {
      out.emplace_back(p, dispatch   ? dispatch::LoadChangeChain(tx, p)
                          : tracking ? tracking::LoadHistoryChain(tx, p)
                                     : review::LoadHistory(tx, p));
    }
    return out;
  });
  if (one && chains.front().second.empty()) {
    Fail("unknown_problem",
         service + "'s history has no chained line for problem " + std::to_string(*one));
  }
  std::size_t broken = 0;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [problem_id, lines] : chains) {
    const ChainVerdict v = VerifyProblemChain(problem_id, lines);
    if (v.broken) ++broken;
    if (a.json) {
      out.push_back({{"problem_id", problem_id},
                     {"lines", lines.size()},
                     {"intact", !v.broken},
                     {"broken_line", v.broken ? nlohmann::json(v.broken->id) : nullptr},
                     {"reason", v.broken ? nlohmann::json(v.broken->reason) : nullptr}});
    } else {
      std::cout << v.text << "\n";
    }
  }
  if (a.json) {
    std::cout << out.dump(2) << "\n";
  } else if (all) {
    std::cout << chains.size() << " chain(s) verified: " << chains.size() - broken << " intact, "
              << broken << " broken\n";
  }
  return broken == 0 ? 0 : 1;
}

}  // namespace ducha::ctl
