// ducha-ctl: the operator CLI. A client of the services and the one writer of the reference
// schema (identities, the fleet clock). Output is a human-readable table by default and JSON
// with --json, for scripts. This file dispatches; services/ctl/cli.h holds what the commands
// share, tracking_commands.h the commands for tracking and the case history, review_commands.h
// the commands for review.
//
//   ducha-ctl db bootstrap --admin-url URL        roles, schemas, reference schema (idempotent)
//   ducha-ctl keys create NAME --role R [--channels a,b] [--scope c,d] --out FILE
//   ducha-ctl keys list | keys revoke NAME [--key PUBLIC | --api-key-file FILE]
//   ducha-ctl keys api-key NAME --out FILE   an API key for the HTTP gateway (only its hash kept)
//   ducha-ctl clock show | clock set TIME | clock advance DURATION | clock off
//   ducha-ctl submit FILE.json --endpoint E --server-key FILE --key-file FILE [--plain]
//       (a report, or a group's visit when the file says "type": "intake.report_visit")
//   ducha-ctl problems --city CODE [--county CODE] [--responsibility] [--csv]
//   ducha-ctl dead-letters list [--service S] [--all] | dead-letters retry ID... --endpoint E
//   ducha-ctl act progress|verify|claim|extend|decide PROBLEM_ID ... --endpoint E ...
//       (a responsible body's or the supervision center's action on tracking's ledger)
//   ducha-ctl coverage --round N [--csv] [--gaps-only] --endpoint E ...
//   ducha-ctl daily-report --group G --date YYYY-MM-DD --endpoint E ...
//   ducha-ctl ranking import FILE.csv --priority N --endpoint E ...
//   ducha-ctl import tasks FILE.csv --endpoint E ...   the key-task list (重点任务清单)
//   ducha-ctl act task-progress TASK_ID --completed N --evidence R ...   a body's progress on one
//   ducha-ctl tasks [--city CODE] [--counties]   key-task completion and the tasks behind
//   ducha-ctl case PROBLEM_ID      a problem's history across dispatch, tracking and review
//   ducha-ctl review reinspect|opinion|decision ... --endpoint E ...
//       (the enforcement bureau's re-inspection results, a commissioner office's opinions and
//       the accountability decisions, to review's endpoint)
//   ducha-ctl blacklist confirm|delist ENTERPRISE --reason T --endpoint E ...
//   ducha-ctl review tasks | review what-if RULES.json | blacklist list | blacklist history E
//   ducha-ctl audit verify PROBLEM_ID | audit verify --all
//
// The database URL comes from --db-url or DUCHA_CTL_DB_URL (role ducha_ref for writes) and
// DUCHA_CTL_READ_URL (role ducha_operator for reads of the service schemas).

#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/auth/api_key.h"
#include "common/auth/identity.h"
#include "common/base/time.h"
#include "common/campaign/loader.h"
#include "common/db/db.h"
#include "common/db/migrate.h"
#include "common/log/log.h"
#include "common/ref/ref_store.h"
#include "common/stream/consumer.h"
#include "proto/admin_codec.h"
#include "services/ctl/cli.h"
#include "services/ctl/import_commands.h"
#include "services/ctl/json_msgpack.h"
#include "services/ctl/ops_commands.h"
#include "services/ctl/review_commands.h"
#include "services/ctl/tracking_commands.h"
#include "services/dispatch/store/problem_list.h"

namespace ducha::ctl {
namespace {

// The gateway is stateless: its role only reads ref (identities, API keys, the fleet clock).
constexpr const char* kServices[] = {"intake", "dispatch", "tracking",
                                     "review", "bulletin", "gateway"};

int DbBootstrap(const Args& a) {
  const std::string admin = a.Opt("admin-url");
  if (admin.empty()) Fail("usage", "db bootstrap needs --admin-url URL (a superuser)");
  const std::string dbname = a.Opt("db", "ducha");
  db::EnsureDatabase(admin + " dbname=postgres", dbname);
  db::Bootstrap(admin + " dbname=" + dbname,
                std::vector<std::string>(std::begin(kServices), std::end(kServices)));
  std::stop_source stop;
  db::Connection ref(db::DbSettings{admin + " dbname=" + dbname + " user=ducha_ref", "ducha-ctl"},
                     stop.get_token());
  const auto report = db::Migrate(ref, "ref", "ref", ref::RefMigrations());
  if (a.json) {
    std::cout << nlohmann::json{{"database", dbname}, {"ref_migrations_applied", report.applied}}
              << "\n";
  } else {
    std::cout << "database " << dbname
              << ": roles and schemas ready (ref migrations applied: " << report.applied << ")\n";
  }
  return 0;
}

void WriteFile(const std::string& path, const std::string& text, mode_t mode) {
  std::ofstream f(path, std::ios::trunc);
  if (!f) Fail("io_error", "cannot write " + path);
  f << text << "\n";
  f.close();
  ::chmod(path.c_str(), mode);
}

int KeysCreate(const Args& a) {
  if (a.positional.size() < 3) Fail("usage", "keys create NAME --role ROLE --out FILE");
  ref::NewIdentity id;
  id.name = a.positional[2];
  const auto role = auth::ParseRole(a.Opt("role"));
  if (!role) {
    Fail("invalid_role",
         "--role must be one of integration, body, enforcement_bureau, "
         "commissioner_office, supervision_center, operator, service, gateway");
  }
  id.role = *role;
  id.channels = SplitList(a.Opt("channels"));
  id.scope = SplitList(a.Opt("scope"));
  id.note = a.Opt("note");
  const std::string out = a.Opt("out");
  if (out.empty()) Fail("usage", "keys create needs --out FILE (the secret key is written there)");
  const auto keys = transport::GenerateKeyPair();
  std::stop_source stop;
  db::Connection conn(db::DbSettings{DbUrl(a), "ducha-ctl"}, stop.get_token());
  const ducha::Status st =
      conn.Transact([&](pqxx::work& w) { return ref::RegisterKey(w, id, keys.public_z85); });
  if (!st) Fail(st.error().code, st.error().message);
  WriteFile(out, keys.secret_z85, 0600);
  WriteFile(out + ".pub", keys.public_z85, 0644);
  if (a.json) {
    std::cout << nlohmann::json{{"identity", id.name},
                                {"public_key", keys.public_z85},
                                {"secret_key_file", out}}
              << "\n";
  } else {
    std::cout << "identity " << id.name << " (" << auth::RoleName(id.role) << "): public key "
              << keys.public_z85 << ", secret key in " << out << "\n";
  }
  return 0;
}

int KeysList(const Args& a) {
  std::stop_source stop;
  db::Connection conn(db::DbSettings{DbUrl(a), "ducha-ctl"}, stop.get_token());
  const pqxx::result r = conn.Read([](pqxx::read_transaction& t) {
    return t.exec(
        "SELECT i.name, i.role, array_to_string(i.channels, ','), array_to_string(i.scope, ','), "
        "coalesce(k.public_key, ''), (i.revoked_at IS NOT NULL OR k.revoked_at IS NOT NULL), "
        "k.created_at "
        "FROM ref.identity i LEFT JOIN ref.identity_key k ON k.identity = i.name "
        // The gateway's API keys, by a prefix of their hash (the keys are never stored).
        "UNION ALL SELECT i.name, i.role, array_to_string(i.channels, ','), "
        "array_to_string(i.scope, ','), 'api-key sha256:' || left(a.key_hash, 12), "
        "(i.revoked_at IS NOT NULL OR a.revoked_at IS NOT NULL), a.created_at "
        "FROM ref.identity i JOIN ref.identity_api_key a ON a.identity = i.name "
        "ORDER BY 1, 7");
  });
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : r) {
    rows.push_back({{"identity", row[0].as<std::string>()},
                    {"role", row[1].as<std::string>()},
                    {"channels", row[2].as<std::string>()},
                    {"scope", row[3].as<std::string>()},
                    {"public_key", row[4].as<std::string>()},
                    {"revoked", row[5].as<bool>()}});
  }
  if (a.json) {
    std::cout << rows.dump(2) << "\n";
    return 0;
  }
  std::printf("%-28s %-20s %-8s %-40s\n", "IDENTITY", "ROLE", "STATE", "PUBLIC KEY");
  for (const auto& row : rows) {
    std::printf("%-28s %-20s %-8s %-40s\n", row["identity"].get<std::string>().c_str(),
                row["role"].get<std::string>().c_str(),
                row["revoked"].get<bool>() ? "revoked" : "active",
                row["public_key"].get<std::string>().c_str());
  }
  return 0;
}

std::string ReadApiKeyFile(const std::string& path) {
  std::ifstream f(path);
  std::string key;
  if (!f || !(f >> key) || !auth::LooksLikeApiKey(key)) {
    Fail("bad_api_key_file", path + " does not hold an API key (64 hex characters)");
  }
  return key;
}

// An API key for the HTTP gateway, for an existing identity (the same identity as its CURVE
// keys). The key is written to --out (mode 0600) and never stored; ref keeps its SHA-256.
int KeysApiKey(const Args& a) {
  if (a.positional.size() < 3) Fail("usage", "keys api-key NAME --out FILE");
  const std::string name = a.positional[2];
  const std::string out = a.Opt("out");
  if (out.empty()) Fail("usage", "keys api-key needs --out FILE (the API key is written there)");
  const std::string key = auth::GenerateApiKey();
  const std::string hash = auth::HashApiKey(key);
  std::stop_source stop;
  db::Connection conn(db::DbSettings{DbUrl(a), "ducha-ctl"}, stop.get_token());
  const ducha::Status st =
      conn.Transact([&](pqxx::work& w) { return ref::RegisterApiKey(w, name, hash); });
  if (!st) Fail(st.error().code, st.error().message);
  WriteFile(out, key, 0600);
  if (a.json) {
    std::cout << nlohmann::json{{"identity", name}, {"api_key_sha256", hash}, {"api_key_file", out}}
              << "\n";
  } else {
    std::cout << "identity " << name << ": API key in " << out << " (sha256 " << hash.substr(0, 12)
              << "…, revoke with keys revoke " << name << " --api-key-file " << out << ")\n";
  }
  return 0;
}

int KeysRevoke(const Args& a) {
  if (a.positional.size() < 3) {
    Fail("usage", "keys revoke NAME [--key PUBLIC | --api-key-file FILE]");
  }
  std::stop_source stop;
  db::Connection conn(db::DbSettings{DbUrl(a), "ducha-ctl"}, stop.get_token());
  if (const std::string file = a.Opt("api-key-file"); !file.empty()) {
    const std::string hash = auth::HashApiKey(ReadApiKeyFile(file));
    const ducha::Status st =
        conn.Transact([&](pqxx::work& w) { return ref::RevokeApiKey(w, a.positional[2], hash); });
    if (!st) Fail(st.error().code, st.error().message);
    std::cout << "revoked API key sha256 " << hash.substr(0, 12) << "… of " << a.positional[2]
              << " (the gateway drops it within seconds, without a restart)\n";
    return 0;
  }
  const ducha::Status st =
      conn.Transact([&](pqxx::work& w) { return ref::Revoke(w, a.positional[2], a.Opt("key")); });
  if (!st) Fail(st.error().code, st.error().message);
  std::cout << "revoked "
            << (a.Opt("key").empty() ? "identity " + a.positional[2] : "key " + a.Opt("key"))
            << " (services drop it within seconds, without a restart)\n";
  return 0;
}

std::optional<timeutil::Millis> ParseDuration(const std::string& s) {
  if (s.size() < 2) return std::nullopt;
  const char unit = s.back();
  char* end = nullptr;
  const double n = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() - 1 || n < 0) return std::nullopt;
  const double ms = unit == 's'   ? 1000.0
                    : unit == 'm' ? 60'000.0
                    : unit == 'h' ? 3'600'000.0
                    : unit == 'd' ? 86'400'000.0
                                  : -1;
  if (ms < 0) return std::nullopt;
  return static_cast<timeutil::Millis>(n * ms);
}

int Clock(const Args& a) {
  const std::string verb = a.positional.size() > 1 ? a.positional[1] : "show";
  std::stop_source stop;
  db::Connection conn(db::DbSettings{DbUrl(a), "ducha-ctl"}, stop.get_token());
  if (verb == "set" || verb == "advance" || verb == "off") {
    const Status st = conn.Transact([&](pqxx::work& w) -> Status {
      const auto row = w.exec("SELECT enabled, now_ms FROM ref.sim_clock")[0];
      const timeutil::Millis cur = row[1].as<timeutil::Millis>();
      if (verb == "off") return ref::SetSimulatedClock(w, false, cur);
      if (a.positional.size() < 3)
        return MakeError("usage", "", "clock " + verb + " needs a value");
      if (verb == "set") {
        const auto t = timeutil::ParseRfc3339(a.positional[2]);
        if (!t) return MakeError("invalid_time", "", "'" + a.positional[2] + "' is not RFC 3339");
        return ref::SetSimulatedClock(w, true, *t);
      }
      const auto d = ParseDuration(a.positional[2]);
      if (!d) return MakeError("invalid_duration", "", "use e.g. 90s, 15m, 6h, 2d");
      if (!row[0].as<bool>()) {
        return MakeError("clock_off", "", "the simulated clock is off; 'clock set' it first");
      }
      return ref::SetSimulatedClock(w, true, cur + *d);
    });
    if (!st) Fail(st.error().code, st.error().message);
  } else if (verb != "show") {
    Fail("usage", "clock show | set TIME | advance DURATION | off");
  }
  const auto row = conn.Read([](pqxx::read_transaction& t) {
    return t.exec("SELECT enabled, now_ms FROM ref.sim_clock")[0];
  });
  const bool enabled = row[0].as<bool>();
  const std::string now = timeutil::FormatRfc3339(row[1].as<timeutil::Millis>(), 480);
  if (a.json) {
    std::cout << nlohmann::json{{"simulated", enabled}, {"now", enabled ? now : ""}} << "\n";
  } else {
    std::cout << (enabled ? "simulated clock: " + now
                          : std::string("system clock (simulation off)"))
              << "\n";
  }
  return 0;
}

// What `submit` can send. A file holds one message body as JSON, with the field names of
// CONTRACT.md; an optional top-level "type" names the message (neither body has a field of that
// name) and is removed before sending. Without it the file is a report.
constexpr const char* kSubmitReport = "intake.submit_report";
constexpr const char* kReportVisit = "intake.report_visit";

int Submit(const Args& a) {
  if (a.positional.size() < 2) Fail("usage", "submit FILE.json --endpoint E ...");
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(ReadText(a.positional[1]));
  } catch (const std::exception& e) {
    Fail("malformed_json", a.positional[1] + ": " + e.what());
  }
  if (!body.is_object()) Fail("malformed_json", a.positional[1] + ": not a JSON object");
  std::string message_type = kSubmitReport;
  if (const auto it = body.find("type"); it != body.end()) {
    if (!it->is_string() || (*it != kSubmitReport && *it != kReportVisit)) {
      Fail("usage", a.positional[1] + ": \"type\" must be \"" + kSubmitReport + "\" or \"" +
                        kReportVisit + "\"");
    }
    message_type = it->get<std::string>();
    body.erase(it);
  }
  const std::string frame = EnvelopeFromJson(message_type, 1, 0, a.Opt("id", "ctl-submit"), body);
  const nlohmann::json reply = FrameToJson(ServiceRequest(a, frame, "tcp://127.0.0.1:7101"));
  const std::string type = reply.value("type", "");
  const bool receipt = type == "intake.receipt" || type == "intake.visit_receipt";
  if (a.json) {
    std::cout << reply.dump(2) << "\n";
  } else if (type == "intake.receipt") {
    const auto& b = reply["body"];
    std::cout << "accepted: report " << b["report_id"] << " (" << b["receipt_no"].get<std::string>()
              << "), " << b["outcome"].get<std::string>();
    if (b.contains("duplicate_of")) std::cout << " of report " << b["duplicate_of"];
    std::cout << "\n";
  } else if (type == "intake.visit_receipt") {
    const auto& b = reply["body"];
    std::cout << "accepted: visit " << b["visit_id"] << ", " << b["outcome"].get<std::string>()
              << "\n";
  } else {
    std::cout << type << ": " << reply["body"].dump() << "\n";
  }
  return receipt ? 0 : 1;
}

int Problems(const Args& a) {
  const std::string city_arg = a.Opt("city");
  if (city_arg.empty())
    Fail("usage", "problems --city CODE [--county CODE] [--responsibility] [--csv]");
  auto campaign = campaign::LoadCampaign(CampaignDir(a));
  if (!campaign) Fail("bad_campaign", campaign.error().message + " (use --campaign DIR)");
  const auto city = static_cast<std::int32_t>(std::stol(city_arg));
  if (!campaign->IsCity(city)) Fail("unknown_jurisdiction", city_arg + " is not a campaign city");
  std::optional<std::int32_t> county;
  if (!a.Opt("county").empty()) {
    county = static_cast<std::int32_t>(std::stol(a.Opt("county")));
    if (campaign->JurisdictionOf(*county) != city) {
      Fail("unknown_jurisdiction", a.Opt("county") + " is not a county of " + city_arg);
    }
  }
  auto name = [&](std::int32_t code) {
    const auto n = campaign->NameOf(code);
    return n ? std::string(*n) : std::to_string(code);
  };
  auto channel = [&](const std::string& c) {
    const auto* info = campaign->FindChannel(c);
    return info ? info->display_name : c;
  };
  auto category = [&](const std::string& c) {
    const auto* info = campaign->FindCategory(c);
    return info ? info->display_name : c;
  };
  std::stop_source stop;
  db::Connection conn(db::DbSettings{ReadUrl(a), "ducha-ctl"}, stop.get_token());
  const std::string title = name(city) + (county ? name(*county) : std::string());
  if (a.Flag("responsibility")) {
    const auto rows = conn.Read(
        [&](pqxx::read_transaction& r) { return dispatch::ListResponsibilities(r, city, county); });
    if (a.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& row : rows) {
        out.push_back({{"body_code", row.body_code},
                       {"body_name", row.body_name},
                       {"body_kind", row.body_kind},
                       {"problems", row.problems},
                       {"listed", row.listed},
                       {"earliest_deadline", row.earliest_deadline},
                       {"problem_ids", row.problem_ids}});
      }
      std::cout << out.dump(2) << "\n";
      return 0;
    }
    std::vector<std::vector<std::string>> table;
    for (const auto& row : rows) {
      std::string ids;
      for (auto id : row.problem_ids) ids += (ids.empty() ? "" : " ") + std::to_string(id);
      table.push_back({row.body_name, std::to_string(row.problems), std::to_string(row.listed),
                       row.earliest_deadline, ids});
    }
    if (!a.Flag("csv")) std::cout << title << " 责任清单\n";
    PrintTable({"责任单位", "问题数", "挂牌督办", "最近整改期限", "问题编号"}, table,
               a.Flag("csv"));
    return 0;
  }
  const auto rows =
      conn.Read([&](pqxx::read_transaction& r) { return dispatch::ListProblems(r, city, county); });
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : rows) {
      out.push_back({{"problem_id", p.problem_id},
                     {"title", p.title},
                     {"kind", p.kind},
                     {"jurisdiction", p.jurisdiction},
                     {"body_name", p.body_name},
                     {"channel", p.channel},
                     {"category", p.category},
                     {"listed", p.listed},
                     {"received_day", p.received_day},
                     {"deadline", p.deadline},
                     {"report_count", p.report_count},
                     {"group_id", p.group_id.value_or("")}});
    }
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> table;
  for (const auto& p : rows) {
    table.push_back({std::to_string(p.problem_id), p.title, name(p.jurisdiction), p.body_name,
                     p.kind == "verification" ? "核查" : "整改", channel(p.channel),
                     category(p.category), p.listed ? "是" : "", p.received_day, p.deadline,
                     std::to_string(p.report_count), p.group_id.value_or("")});
  }
  if (!a.Flag("csv")) std::cout << title << " 问题清单 (" << rows.size() << " 个问题)\n";
  PrintTable({"编号", "问题", "所在地", "责任单位", "类型", "来源", "类别", "挂牌督办", "交办日期",
              "期限", "举报次数", "督察组"},
             table, a.Flag("csv"));
  return 0;
}

int DeadLetters(const Args& a) {
  const std::string verb = a.positional.size() > 1 ? a.positional[1] : "list";
  const std::string service = a.Opt("service", "dispatch");
  if (verb == "list") {
    std::stop_source stop;
    db::Connection conn(db::DbSettings{ReadUrl(a), "ducha-ctl"}, stop.get_token());
    const auto rows = conn.Read([&](pqxx::read_transaction& r) {
      return stream::ListDeadLetters(r, service, a.Flag("all"));
    });
    if (a.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& d : rows) {
        out.push_back({{"id", d.id},
                       {"producer", d.producer},
                       {"stream", d.stream},
                       {"seq", d.seq},
                       {"type", d.type},
                       {"error_code", d.error_code},
                       {"reason", d.reason},
                       {"parked_at", d.parked_at},
                       {"attempts", d.attempts},
                       {"resolved", d.resolved}});
      }
      std::cout << out.dump(2) << "\n";
      return 0;
    }
    std::vector<std::vector<std::string>> table;
    for (const auto& d : rows) {
      table.push_back({std::to_string(d.id), d.producer + "/" + d.stream, std::to_string(d.seq),
                       d.type, d.error_code, d.parked_at, std::to_string(d.attempts),
                       d.resolved ? "resolved" : "parked", d.reason});
    }
    PrintTable({"ID", "STREAM", "SEQ", "TYPE", "CODE", "PARKED AT", "TRIES", "STATE", "REASON"},
               table, false);
    return 0;
  }
  if (verb != "retry" || a.positional.size() < 3) {
    Fail("usage",
         "dead-letters list [--service S] [--all] | dead-letters retry ID... --endpoint E "
         "--server-key FILE --key-file FILE");
  }
  proto::admin::RetryDeadLetters req;
  for (std::size_t i = 2; i < a.positional.size(); ++i)
    req.ids.push_back(std::stoll(a.positional[i]));
  const nlohmann::json reply = AdminRequest(a, proto::admin::Encode(req, "ctl-retry"));
  if (a.json) {
    std::cout << reply.dump(2) << "\n";
  } else if (reply.value("type", "") == "admin.dead_letters_retried") {
    std::cout << "retried " << reply["body"]["retried"] << ", resolved "
              << reply["body"]["resolved"] << "\n";
  } else {
    std::cout << reply.dump() << "\n";
  }
  return reply.value("type", "") == "admin.dead_letters_retried" ? 0 : 1;
}

int Usage() {
  std::puts(
      "usage: ducha-ctl [--json] COMMAND ...\n"
      "  db bootstrap --admin-url URL [--db NAME]\n"
      "  keys create NAME --role ROLE [--channels a,b] [--scope c,d] --out FILE\n"
      "  keys list\n"
      "  keys revoke NAME [--key PUBLIC | --api-key-file FILE]\n"
      "  keys api-key NAME --out FILE   (an API key for the HTTP gateway; only its hash is kept)\n"
      "  clock show | clock set TIME | clock advance DURATION | clock off\n"
      "  submit FILE.json [--endpoint E] [--server-key FILE --key-file FILE | --plain]\n"
      "      FILE holds a report's body (intake.submit_report); with a top-level\n"
      "      \"type\": \"intake.report_visit\" it holds a group's visit (走访) instead\n"
      "  problems --city CODE [--county CODE] [--responsibility] [--csv]   问题清单 / 责任清单\n"
      "  dead-letters list [--service S] [--all]\n"
      "  dead-letters retry ID... --endpoint ADMIN --server-key FILE --key-file FILE");
  std::fputs(kTrackingUsage, stdout);
  std::fputs(kReviewUsage, stdout);
  std::fputs(kOpsUsage, stdout);
  std::fputs(kImportUsage, stdout);
  std::puts(
      "database: --db-url URL, or DUCHA_CTL_DB_URL (role ducha_ref, for keys and clock) and\n"
      "DUCHA_CTL_READ_URL (role ducha_operator, for problems, dead letters, case, review tasks\n"
      "and what-if, blacklist list and history, audit verify)\n"
      "campaign (names in the output): --campaign DIR, or DUCHA_CAMPAIGN_DIR, or\n"
      "deploy/campaigns/hebei-2017-2018 in the current directory");
  return 2;
}

}  // namespace
}  // namespace ducha::ctl

int main(int argc, char** argv) {
  using namespace ducha::ctl;
  ducha::log::Init({"warn", false});
  const Args a = ParseArgs(argc, argv);
  if (a.positional.empty()) return Usage();
  const std::string& cmd = a.positional[0];
  const std::string sub = a.positional.size() > 1 ? a.positional[1] : "";
  try {
    if (cmd == "db" && sub == "bootstrap") return DbBootstrap(a);
    if (cmd == "keys" && sub == "create") return KeysCreate(a);
    if (cmd == "keys" && sub == "list") return KeysList(a);
    if (cmd == "keys" && sub == "revoke") return KeysRevoke(a);
    if (cmd == "keys" && sub == "api-key") return KeysApiKey(a);
    if (cmd == "clock") return Clock(a);
    if (cmd == "submit") return Submit(a);
    if (cmd == "problems") return Problems(a);
    if (cmd == "dead-letters") return DeadLetters(a);
    if (cmd == "act") return Act(a);
    if (cmd == "coverage") return Coverage(a);
    if (cmd == "daily-report") return DailyReport(a);
    if (cmd == "tasks") return Tasks(a);
    if (cmd == "ranking") return RankingImport(a);
    if (cmd == "case") return Case(a);
    if (cmd == "review") return Review(a);
    if (cmd == "blacklist") return Blacklist(a);
    if (cmd == "audit") return Audit(a);
    if (cmd == "status") return FleetStatus(a);
    if (cmd == "bulletin") return BulletinCommand(a);
    if (cmd == "campaign") return CampaignCommand(a);
    if (cmd == "import") return Import(a);
    if (cmd == "roster") return Roster(a);
    if (cmd == "disclosure") return DisclosureCommand(a);
    if (cmd == "replay") return ReplayCommand(a);
  } catch (const std::exception& e) {
    Fail("failed", e.what());
  }
  return Usage();
}
