#include "services/ctl/ops_commands.h"

#include <httplib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>

#include "common/campaign/loader.h"
#include "proto/admin_codec.h"
#include "proto/bulletin_codec.h"
#include "services/bulletin/core/recipients.h"
#include "services/ctl/fleet_status.h"
#include "services/dispatch/core/roster.h"
#include "services/review/core/credit.h"
#include "services/review/core/rules.h"

namespace ducha::ctl {

const char* const kOpsUsage =
    "  status [--fleet FILE]                            each service up and ready, its version,\n"
    "      stream lags and dead letters; FILE (or DUCHA_CTL_FLEET) has one line per service:\n"
    "      NAME HOST:PORT (its [http] address); exit status 1 unless every service is ready\n"
    "  bulletin status [--week YYYY-MM-DD]              the bulletins and their sends per list\n"
    "  bulletin preview WEEK [--html FILE]              a week's bulletin (督察快报) as it is or\n"
    "                                                   would be sent; WEEK is its Saturday\n"
    "  bulletin send WEEK                               deliver the week's pending or failing\n"
    "                                                   sends now, not at their next retry\n"
    "  bulletin resend WEEK --reason T [--list L]       send it again on purpose (补发)\n"
    "      bulletin preview|send|resend go to bulletin's endpoint: --endpoint E [--server-key "
    "FILE\n"
    "      --key-file FILE | --plain]\n"
    "  replay PRODUCER/STREAM --from SEQ                a consumer applies a stream again from\n"
    "                                                   SEQ (to the service's endpoint, as an\n"
    "                                                   operator); only idempotent consumers\n"
    "                                                   accept it, the others say why not\n"
    "  disclosure publish --reason T                    publish the public disclosure (信息公开)\n"
    "                                                   now, over bulletin's endpoint\n"
    "  campaign load DIR --to CAMPAIGNS_DIR             validate, then install as\n"
    "                                                   CAMPAIGNS_DIR/<id>-v<version> and point\n"
    "                                                   CAMPAIGNS_DIR/current at it\n"
    "  campaign validate DIR                            load a campaign directory and its rule\n"
    "                                                   tables (accountability, credit,\n"
    "                                                   rosters, recipients); exit 1 with every\n"
    "                                                   problem\n";

namespace {

struct Probe {
  FleetEntry where;
  bool up = false;
  bool ready = false;
  std::string version;
  std::string detail;
  MetricsSummary metrics;
};

Probe ProbeService(const FleetEntry& e) {
  Probe p;
  p.where = e;
  httplib::Client client(e.host, e.port);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(5, 0);
  if (auto r = client.Get("/healthz"); r && r->status == 200) {
    p.up = true;
    p.version = VersionFromHealth(r->body);
  } else {
    p.detail = r ? "healthz answered " + std::to_string(r->status)
                 : "no answer on " + e.host + ":" + std::to_string(e.port) + " (" +
                       httplib::to_string(r.error()) + ")";
    return p;
  }
  if (auto r = client.Get("/readyz"); r) {
    p.ready = r->status == 200;
    if (!p.ready) {
      std::string body = r->body;
      while (!body.empty() && body.back() == '\n') body.pop_back();
      p.detail = body;
    }
  }
  if (auto r = client.Get("/metrics"); r && r->status == 200) {
    p.metrics = SummariseMetrics(r->body);
  }
  return p;
}

std::string FleetFile(const Args& a) {
  std::string path = a.Opt("fleet");
  if (path.empty()) {
    const char* env = std::getenv("DUCHA_CTL_FLEET");
    if (env != nullptr) path = env;
  }
  if (path.empty()) path = "/etc/ducha/fleet";
  return path;
}

std::string DeadLetterText(const std::optional<std::int64_t>& n) {
  if (!n) return "-";
  if (*n < 0) return "unknown";
  return std::to_string(*n);
}

}  // namespace

int FleetStatus(const Args& a) {
  const std::string path = FleetFile(a);
  std::ifstream in(path);
  if (!in) Fail("io_error", "cannot read the fleet file " + path + " (--fleet or DUCHA_CTL_FLEET)");
  std::stringstream text;
  text << in.rdbuf();
  auto fleet = ParseFleet(text.str());
  if (!fleet)
    Fail(fleet.error().code, path + " " + fleet.error().field + ": " + fleet.error().message);
  std::vector<Probe> probes;
  for (const auto& e : *fleet) probes.push_back(ProbeService(e));
  bool all_ready = true;
  for (const auto& p : probes) all_ready = all_ready && p.ready;
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : probes) {
      nlohmann::json streams = nlohmann::json::array();
      for (const auto& s : p.metrics.streams) {
        streams.push_back({{"producer", s.producer},
                           {"stream", s.stream},
                           {"lag", s.lag},
                           {"connected", s.connected}});
      }
      nlohmann::json j = {{"service", p.where.service},
                          {"address", p.where.host + ":" + std::to_string(p.where.port)},
                          {"up", p.up},
                          {"ready", p.ready},
                          {"version", p.version},
                          {"streams", streams}};
      if (p.metrics.dead_letters) j["dead_letters"] = *p.metrics.dead_letters;
      if (!p.detail.empty()) j["detail"] = p.detail;
      out.push_back(j);
    }
    std::cout << out.dump(2) << "\n";
    return all_ready ? 0 : 1;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : probes) {
    std::string lags;
    for (const auto& s : p.metrics.streams) {
      if (!lags.empty()) lags += ' ';
      lags += s.producer + "/" + s.stream + "=" + std::to_string(s.lag);
      if (!s.connected) lags += "(disconnected)";
    }
    rows.push_back({p.where.service, p.up ? "up" : "DOWN",
                    p.ready ? "ready" : (p.up ? "NOT READY" : "-"),
                    p.version.empty() ? "-" : p.version, lags.empty() ? "-" : lags,
                    DeadLetterText(p.metrics.dead_letters), p.detail});
  }
  PrintTable({"SERVICE", "UP", "READY", "VERSION", "STREAM LAG", "DEAD LETTERS", "DETAIL"}, rows,
             false);
  return all_ready ? 0 : 1;
}

namespace {

int BulletinStatus(const Args& a) {
  pqxx::connection c{ReadUrl(a)};
  pqxx::read_transaction r{c};
  const std::string week = a.Opt("week");
  const pqxx::result rows = r.exec_params(
      "SELECT issue, week, list, send_no, state, attempts, ambiguous, coalesce(last_error, ''), "
      "coalesce(to_char(sent_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI'), ''), "
      "to_char(next_attempt_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS'), "
      "recipients, reason FROM bulletin.send_status WHERE $1 = '' OR week = $1 "
      "ORDER BY issue, list, send_no",
      week);
  if (a.json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& row : rows) {
      out.push_back({{"issue", row[0].as<int>()},
                     {"week", row[1].as<std::string>()},
                     {"list", row[2].as<std::string>()},
                     {"send_no", row[3].as<int>()},
                     {"state", row[4].as<std::string>()},
                     {"attempts", row[5].as<int>()},
                     {"ambiguous", row[6].as<int>()},
                     {"last_error", row[7].as<std::string>()},
                     {"sent_at", row[8].as<std::string>()},
                     {"next_attempt_at", row[9].as<std::string>()},
                     {"recipients", row[10].as<int>()},
                     {"reason", row[11].as<std::string>()}});
    }
    std::cout << out.dump(2) << "\n";
  } else {
    std::vector<std::vector<std::string>> table;
    for (const auto& row : rows) {
      const std::string state = row[4].as<std::string>();
      table.push_back(
          {"第" + row[0].as<std::string>() + "期", row[1].as<std::string>(),
           row[2].as<std::string>(), row[3].as<std::string>(), state, row[5].as<std::string>(),
           row[10].as<std::string>(),
           state == "sent" ? row[8].as<std::string>() : "next " + row[9].as<std::string>(),
           row[7].as<std::string>()});
    }
    PrintTable(
        {"ISSUE", "WEEK", "LIST", "SEND", "STATE", "TRIES", "TO", "SENT (UTC+8)", "LAST ERROR"},
        table, false);
  }
  // Exit 1 while a send is failing, so that a script (or a cron check) notices.
  for (const auto& row : rows) {
    if (row[4].as<std::string>() == "failed") return 1;
  }
  return 0;
}

int BulletinPreview(const Args& a) {
  const std::string usage = "bulletin preview WEEK [--html FILE] --endpoint E ...";
  if (a.positional.size() < 3) Fail("usage", usage);
  proto::bulletin::Preview q;
  q.week = a.positional[2];
  const std::string reply =
      ServiceRequest(a, proto::bulletin::Encode(q, "ctl-preview"), Required(a, "endpoint"));
  const auto m = ExpectReply<proto::bulletin::PreviewReply>(a, reply);
  if (!m) return 1;
  if (const std::string html = a.Opt("html"); !html.empty()) {
    std::ofstream out(html);
    out << m->html;
    if (!out) Fail("io_error", "cannot write " + html);
  }
  if (a.json) return 0;
  std::cout << m->subject << "\n"
            << "第" << m->issue << "期 " << m->period_from << " .. " << m->period_to << ", "
            << (m->generated ? "generated" : "not generated yet (computed now)") << "\n";
  if (m->generated && m->stored_hash && *m->stored_hash != m->current_hash) {
    std::cout << "note: the data as of the cut-off now gives other numbers than were sent "
                 "(facts dated before the cut-off arrived after it)\n";
  }
  std::cout << "\n" << m->text << "\n";
  return 0;
}

int BulletinResend(const Args& a) {
  const std::string usage = "bulletin resend WEEK --reason T [--list L] --endpoint E ...";
  if (a.positional.size() < 3) Fail("usage", usage);
  proto::bulletin::Resend q;
  q.week = a.positional[2];
  q.reason = Required(a, "reason");
  if (const std::string list = a.Opt("list"); !list.empty()) q.list = list;
  const std::string reply =
      ServiceRequest(a, proto::bulletin::Encode(q, "ctl-resend"), Required(a, "endpoint"));
  const auto m = ExpectReply<proto::bulletin::ResendQueued>(a, reply);
  if (!m) return 1;
  if (a.json) return 0;
  std::cout << "第" << m->issue << "期 (" << m->week << "): " << m->sends.size()
            << " send(s) queued\n";
  for (const auto& s : m->sends) {
    std::cout << "  " << s.list << " send " << s.send_no << " " << s.message_id << "\n";
  }
  return 0;
}

int DisclosurePublish(const Args& a) {
  proto::bulletin::Publish q;
  q.reason = Required(a, "reason");
  const std::string reply =
      ServiceRequest(a, proto::bulletin::Encode(q, "ctl-publish"), Required(a, "endpoint"));
  const auto m = ExpectReply<proto::bulletin::Published>(a, reply);
  if (!m) return 1;
  if (a.json) return 0;
  std::cout << (m->changed ? "published" : "unchanged (the site already holds these files)") << ": "
            << m->path << "\n  " << m->problems << " problems, " << m->listed << " listed, "
            << m->decisions << " decisions, " << m->blacklisted << " enterprises on the blacklist; "
            << m->files << " files, " << m->bytes << " bytes, sha256 "
            << m->content_hash.substr(0, 16) << "\n";
  return 0;
}

int BulletinSendNow(const Args& a) {
  if (a.positional.size() < 3) Fail("usage", "bulletin send WEEK --endpoint E ...");
  proto::bulletin::SendNow q;
  q.week = a.positional[2];
  const std::string reply =
      ServiceRequest(a, proto::bulletin::Encode(q, "ctl-send"), Required(a, "endpoint"));
  const auto m = ExpectReply<proto::bulletin::SendsDue>(a, reply);
  if (!m) return 1;
  if (a.json) return 0;
  if (m->sends.empty()) {
    std::cout << "第" << m->issue << "期 (" << m->week << "): every list has its mail\n";
    return 0;
  }
  std::cout << "第" << m->issue << "期 (" << m->week << "): " << m->sends.size()
            << " send(s) due now\n";
  for (const auto& s : m->sends) {
    std::cout << "  " << s.list << " send " << s.send_no << " " << s.message_id << "\n";
  }
  return 0;
}

}  // namespace

int ReplayCommand(const Args& a) {
  const std::string usage =
      "replay PRODUCER/STREAM --from SEQ --endpoint E --server-key FILE "
      "--key-file FILE";
  if (a.positional.size() < 2) Fail("usage", usage);
  const std::string which = a.positional[1];
  const auto slash = which.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == which.size()) {
    Fail("usage", "name the stream as PRODUCER/STREAM (e.g. intake/reports), not '" + which + "'");
  }
  const auto from = ParseInt(Required(a, "from"));
  if (!from || *from < 1) Fail("usage", "--from must be a positive event number");
  proto::admin::Replay q;
  q.producer = which.substr(0, slash);
  q.stream = which.substr(slash + 1);
  q.from_seq = *from;
  const std::string reply =
      ServiceRequest(a, proto::admin::Encode(q, "ctl-replay"), Required(a, "endpoint"));
  const auto m = ExpectReply<proto::admin::ReplayStarted>(a, reply);
  if (!m) return 1;
  if (!a.json) {
    std::cout << m->producer << "/" << m->stream << ": replaying from " << m->from_seq
              << " (the consumer was at " << m->previous_applied_seq << "; " << m->events
              << " events to apply again)\n";
  }
  return 0;
}

int DisclosureCommand(const Args& a) {
  const std::string verb = a.positional.size() > 1 ? a.positional[1] : "";
  if (verb == "publish") return DisclosurePublish(a);
  Fail("usage", "disclosure publish --reason T --endpoint E ...");
}

int BulletinCommand(const Args& a) {
  const std::string verb = a.positional.size() > 1 ? a.positional[1] : "";
  if (verb == "status") return BulletinStatus(a);
  if (verb == "preview") return BulletinPreview(a);
  if (verb == "resend") return BulletinResend(a);
  if (verb == "send") return BulletinSendNow(a);
  Fail("usage",
       "bulletin status | bulletin preview WEEK | bulletin send WEEK | bulletin resend WEEK "
       "--reason T");
}

int CampaignCommand(const Args& a) {
  const std::string verb = a.positional.size() > 1 ? a.positional[1] : "";
  if ((verb != "validate" && verb != "load") || a.positional.size() < 3) {
    Fail("usage", "campaign validate DIR | campaign load DIR --to CAMPAIGNS_DIR");
  }
  const std::string to = verb == "load" ? Required(a, "to") : "";
  const std::string dir = a.positional[2];
  auto c = campaign::LoadCampaign(dir);
  if (!c) {
    PrintError(c.error().code, c.error().field, c.error().message);
    return 1;
  }
  int problems = 0;
  nlohmann::json tables = nlohmann::json::object();
  auto check = [&](const std::string& file, auto load) {
    const std::string path = dir + "/" + file;
    if (!std::ifstream(path)) {
      tables[file] = "absent";
      return;
    }
    const Status st = load(path);
    if (st) {
      tables[file] = "valid";
    } else {
      ++problems;
      tables[file] = st.error().code + " " + st.error().field + ": " + st.error().message;
      PrintError(st.error().code, file + (st.error().field.empty() ? "" : ":" + st.error().field),
                 st.error().message);
    }
  };
  check("accountability.json", [](const std::string& p) -> Status {
    auto r = review::Rules::Load(p);
    if (!r) return r.error();
    return OkStatus();
  });
  check("credit.json", [](const std::string& p) -> Status {
    auto r = review::CreditRules::Load(p);
    if (!r) return r.error();
    return OkStatus();
  });
  check("rosters.json", [](const std::string& p) -> Status {
    auto r = dispatch::RosterRules::Load(p);
    if (!r) return r.error();
    return OkStatus();
  });
  check("recipients.json", [&](const std::string& p) -> Status {
    std::ifstream in(p);
    std::stringstream text;
    text << in.rdbuf();
    auto r = bulletin::ParseRecipients(text.str(), *c);
    if (!r) return r.error();
    return OkStatus();
  });
  const auto& info = c->info();
  std::size_t days = 0;
  for (const auto& r : c->rounds()) days += static_cast<std::size_t>(r.to - r.from + 1);
  if (a.json) {
    std::cout << nlohmann::json{{"id", info.id},
                                {"name", info.name},
                                {"version", info.version},
                                {"rounds", c->rounds().size()},
                                {"round_days", days},
                                {"jurisdictions", c->jurisdictions().size()},
                                {"counties", c->counties().size()},
                                {"groups", c->groups().size()},
                                {"channels", c->channels().size()},
                                {"categories", c->categories().size()},
                                {"tables", tables},
                                {"valid", problems == 0}}
                     .dump(2)
              << "\n";
  } else {
    std::cout << info.name << " (" << info.id << ", version " << info.version << ")\n"
              << "  " << c->rounds().size() << " rounds (" << days << " days), "
              << c->jurisdictions().size() << " jurisdictions, " << c->counties().size()
              << " counties, " << c->groups().size() << " groups, " << c->channels().size()
              << " channels, " << c->categories().size() << " categories\n";
    for (const auto& [file, verdict] : tables.items()) {
      std::cout << "  " << file << ": " << verdict.get<std::string>() << "\n";
    }
    std::cout << (problems == 0 ? "valid\n" : "NOT valid\n");
  }
  if (problems != 0) return 1;
  if (verb == "load") {
    // Installed side by side: CAMPAIGNS_DIR/<id>-v<version>/, and CAMPAIGNS_DIR/current, the
    // directory the services are configured with, swapped to it atomically (a symlink renamed
    // over the old one), so a service starting meanwhile reads one whole campaign or the other.
    namespace fs = std::filesystem;
    const fs::path root(to);
    const std::string release = info.id + "-v" + std::to_string(info.version);
    const fs::path target = root / release;
    std::error_code ec;
    fs::create_directories(root, ec);
    if (ec) Fail("io_error", "cannot create " + root.string() + ": " + ec.message());
    if (fs::exists(target)) {
      Fail("already_loaded", target.string() + " exists: bump the campaign's version for a change");
    }
    const fs::path staging = root / (".staging-" + release);
    fs::remove_all(staging, ec);
    fs::copy(dir, staging, fs::copy_options::recursive, ec);
    if (ec) Fail("io_error", "cannot copy " + dir + ": " + ec.message());
    fs::rename(staging, target, ec);
    if (ec) Fail("io_error", "cannot install " + target.string() + ": " + ec.message());
    const fs::path link = root / ".current-new";
    fs::remove(link, ec);
    fs::create_directory_symlink(release, link, ec);
    if (!ec) fs::rename(link, root / "current", ec);
    if (ec) Fail("io_error", "cannot point current at " + release + ": " + ec.message());
    if (!a.json) {
      std::cout << "loaded into " << target.string() << "; " << (root / "current").string()
                << " -> " << release
                << "\nrestart the services (systemctl restart 'ducha@*') to take it up\n";
    }
  }
  return 0;
}

}  // namespace ducha::ctl
