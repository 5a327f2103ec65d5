#include "services/bulletin/store/bulletin_store.h"

#include <sodium.h>

#include <algorithm>
#include <map>

#include "common/db/array.h"
#include "services/bulletin/core/numbers_json.h"

namespace ducha::bulletin {
namespace {

std::vector<std::string> TextArray(const pqxx::field& f) {
  std::vector<std::string> out;
  if (f.is_null()) return out;
  auto parser = f.as_array();
  for (auto item = parser.get_next(); item.first != pqxx::array_parser::done;
       item = parser.get_next()) {
    if (item.first == pqxx::array_parser::string_value) out.push_back(item.second);
  }
  return out;
}

std::string ArrayLiteral(const std::vector<std::string>& items) {
  db::ArrayBuilder b;
  for (const std::string& s : items) b.Add(s);
  return b.Finish();
}

FactKind KindOf(const std::string& what) {
  static const std::map<std::string, FactKind> kinds = {
      {"changed", FactKind::kChanged},
      {"verified", FactKind::kVerified},
      {"claimed", FactKind::kClaimed},
      {"rectified", FactKind::kRectified},
      {"reopened", FactKind::kReopened},
      {"extension_requested", FactKind::kExtensionRequested},
      {"extension_decided", FactKind::kExtensionDecided},
      {"overdue", FactKind::kOverdue},
      {"escalated", FactKind::kEscalated},
  };
  return kinds.at(what);  // the table's CHECK allows nothing else
}

SendRow ReadSend(const pqxx::row& r) {
  SendRow s;
  s.document = r[11].as<std::string>();
  s.issue = r[0].as<int>();
  s.list = r[1].as<std::string>();
  s.send_no = r[2].as<int>();
  s.state = r[3].as<std::string>();
  s.recipients = TextArray(r[4]);
  s.titles = TextArray(r[5]);
  s.attempts = r[6].as<int>();
  s.ambiguous = r[7].as<int>();
  s.next_attempt_at = r[8].as<Millis>();
  s.last_error = r[9].is_null() ? "" : r[9].as<std::string>();
  s.message_id = r[10].as<std::string>();
  return s;
}

constexpr const char* kSendColumns =
    "issue, list, send_no, state, recipients, titles, attempts, ambiguous, next_attempt_at, "
    "last_error, message_id";

void InsertSend(pqxx::transaction_base& tx, int issue, const std::string& list, int send_no,
                int ordinal, const std::vector<std::string>& recipients,
                const std::vector<std::string>& titles, Millis due, const std::string& message_id,
                const std::string& reason, const std::string& document = "bulletin") {
  tx.exec_params(
      "INSERT INTO bulletin.send (document, issue, list, send_no, state, ordinal, recipients, "
      "titles, next_attempt_at, message_id, reason) VALUES ($10, $1, $2, $3, 'pending', $4, "
      "$5::text[], $6::text[], $7, $8, $9)",
      issue, list, send_no, ordinal, ArrayLiteral(recipients), ArrayLiteral(titles), due,
      message_id, reason, document);
}

}  // namespace

Projection LoadProjection(pqxx::transaction_base& tx, Millis cutoff) {
  Projection p;
  for (const auto& r :
       tx.exec_params("SELECT report_id, channel, jurisdiction, city, duplicate, received_at FROM "
                      "bulletin.report WHERE received_at < $1 ORDER BY report_id",
                      cutoff)) {
    p.reports.push_back(ReportFact{r[0].as<std::int64_t>(), r[1].as<std::string>(),
                                   r[2].as<DivisionCode>(), r[3].as<DivisionCode>(),
                                   r[4].as<bool>(), r[5].as<Millis>()});
  }
  for (const auto& r : tx.exec_params(
           "SELECT problem_id, kind, jurisdiction, city, channel, category, severity, listed, "
           "listing_reason, deadline, assigned_at, coalesce(supervising_group, ''), "
           "coalesce(round, 0) FROM bulletin.problem WHERE assigned_at < $1 ORDER BY problem_id",
           cutoff)) {
    ProblemFact f;
    f.problem_id = r[0].as<std::int64_t>();
    f.verification = r[1].as<std::string>() == "verification";
    f.jurisdiction = r[2].as<DivisionCode>();
    f.city = r[3].as<DivisionCode>();
    f.channel = r[4].as<std::string>();
    f.category = r[5].as<std::string>();
    f.severity = r[6].as<std::string>();
    f.listed = r[7].as<bool>();
    f.listing_reason = r[8].is_null() ? "" : r[8].as<std::string>();
    f.deadline = r[9].as<std::int64_t>();
    f.assigned_at = r[10].as<Millis>();
    f.supervising_group = r[11].as<std::string>();
    f.round = r[12].as<int>();
    p.problems.push_back(std::move(f));
  }
  for (const auto& r : tx.exec_params(
           "SELECT id, problem_id, at, what, deadline, listed, flag, rung, rung_name FROM "
           "bulletin.fact WHERE at < $1 ORDER BY at, id",
           cutoff)) {
    Fact f;
    f.order = r[0].as<std::int64_t>();
    f.problem_id = r[1].as<std::int64_t>();
    f.at = r[2].as<Millis>();
    f.kind = KindOf(r[3].as<std::string>());
    if (!r[4].is_null()) f.deadline = r[4].as<std::int64_t>();
    if (!r[5].is_null()) f.listed = r[5].as<bool>();
    f.flag = !r[6].is_null() && r[6].as<bool>();
    f.rung = r[7].is_null() ? 0 : r[7].as<int>();
    f.rung_name = r[8].is_null() ? "" : r[8].as<std::string>();
    p.facts.push_back(std::move(f));
  }
  for (const auto& r : tx.exec_params(
           "SELECT task_id, problem_id, passed, on_site, at FROM bulletin.reinspection WHERE "
           "at < $1 ORDER BY task_id",
           cutoff)) {
    p.reinspections.push_back(ReinspectionFact{r[0].as<std::int64_t>(), r[1].as<std::int64_t>(),
                                               r[2].as<bool>(), r[3].as<bool>(),
                                               r[4].as<Millis>()});
  }
  for (const auto& r : tx.exec_params(
           "SELECT problem_id, kind, level, level_name, at, coalesce(decision_text, '') FROM "
           "bulletin.accountability WHERE at < $1 ORDER BY producer, stream, seq",
           cutoff)) {
    p.accountability.push_back(AccountabilityFact{
        r[0].as<std::int64_t>(), r[1].as<std::string>() == "decision",
        r[2].is_null() ? "" : r[2].as<std::string>(), r[3].is_null() ? "" : r[3].as<std::string>(),
        r[4].as<Millis>(), r[5].as<std::string>()});
  }
  for (const auto& r : tx.exec_params(
           "SELECT city, added, at, enterprise, name, points FROM bulletin.blacklist_change "
           "WHERE at < $1 ORDER BY at, producer, stream, seq",
           cutoff)) {
    p.blacklist.push_back(BlacklistFact{r[0].as<DivisionCode>(), r[1].as<bool>(), r[2].as<Millis>(),
                                        r[3].as<std::string>(), r[4].as<std::string>(),
                                        r[5].as<int>()});
  }
  for (const auto& r :
       tx.exec_params("SELECT enterprise, name, points, colour, previous, city, at FROM "
                      "bulletin.credit_change WHERE at < $1 ORDER BY at, producer, stream, seq",
                      cutoff)) {
    p.credit.push_back(CreditFact{r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<int>(),
                                  r[3].as<std::string>(), r[4].as<std::string>(),
                                  r[5].as<DivisionCode>(), r[6].as<Millis>()});
  }
  for (const auto& r : tx.exec_params(
           "SELECT visit_id, group_id, round, county, city, visit_day, tasks, problems_found, "
           "methods, coalesce(mode, '') FROM bulletin.visit WHERE received_at < $1 ORDER BY "
           "visit_id",
           cutoff)) {
    VisitFact v;
    v.visit_id = r[0].as<std::int64_t>();
    v.group_id = r[1].as<std::string>();
    v.round = r[2].as<int>();
    v.county = r[3].as<DivisionCode>();
    v.city = r[4].as<DivisionCode>();
    v.day = r[5].as<std::int64_t>();
    v.tasks = TextArray(r[6]);
    v.problems_found = r[7].as<int>();
    v.methods = TextArray(r[8]);
    v.mode = r[9].as<std::string>();
    p.visits.push_back(std::move(v));
  }
  // The latest version of each group's roster for a round, as registered before the cut-off.
  for (const auto& r : tx.exec_params(
           "SELECT DISTINCT ON (group_id, round) group_id, round, version, members, leaders, "
           "deputies, ordinary_members, aggregators, vehicles, days_stationed, "
           "meal_allowance_yuan, meal_rate_yuan, registered_at FROM bulletin.roster WHERE "
           "registered_at < $1 ORDER BY group_id, round, version DESC",
           cutoff)) {
    RosterFact f;
    f.group_id = r[0].as<std::string>();
    f.round = r[1].as<int>();
    f.version = r[2].as<int>();
    f.members = r[3].as<std::int64_t>();
    f.leaders = r[4].as<std::int64_t>();
    f.deputies = r[5].as<std::int64_t>();
    f.ordinary_members = r[6].as<std::int64_t>();
    f.aggregators = r[7].as<std::int64_t>();
    f.vehicles = r[8].as<std::int64_t>();
    f.days_stationed = r[9].as<std::int64_t>();
    f.meal_allowance_yuan = r[10].as<std::int64_t>();
    f.meal_rate_yuan = r[11].as<std::int64_t>();
    f.registered_at = r[12].as<Millis>();
    p.rosters.push_back(std::move(f));
  }
  // The key tasks: every version defined before the cut-off (the numbers take the highest), the
  // progress reports and the lagging / on-track turns.
  for (const auto& r : tx.exec_params(
           "SELECT task_id, version, jurisdiction, city, special_action, target, start_day, "
           "deadline, at FROM bulletin.key_task WHERE at < $1 ORDER BY task_id, version",
           cutoff)) {
    p.key_tasks.push_back(
        KeyTaskFact{r[0].as<std::string>(), r[1].as<int>(), r[2].as<DivisionCode>(),
                    r[3].as<DivisionCode>(), r[4].as<std::string>(), r[5].as<double>(),
                    r[6].as<std::int64_t>(), r[7].as<std::int64_t>(), r[8].as<Millis>()});
  }
  for (const auto& r : tx.exec_params(
           "SELECT task_id, completed, expected, as_of, at, seq FROM bulletin.key_task_progress "
           "WHERE at < $1 ORDER BY at, producer, stream, seq",
           cutoff)) {
    p.key_task_progress.push_back(KeyTaskProgressFact{r[0].as<std::string>(), r[1].as<double>(),
                                                      r[2].as<double>(), r[3].as<std::int64_t>(),
                                                      r[4].as<Millis>(), r[5].as<std::int64_t>()});
  }
  for (const auto& r : tx.exec_params(
           "SELECT task_id, kind = 'lagging', episode, expected, completed, day, at FROM "
           "bulletin.key_task_status WHERE at < $1 ORDER BY at, task_id, episode, kind",
           cutoff)) {
    p.key_task_status.push_back(KeyTaskStatusFact{
        r[0].as<std::string>(), r[1].as<bool>(), r[2].as<int>(), r[3].as<double>(),
        r[4].as<double>(), r[5].as<std::int64_t>(), r[6].as<Millis>()});
  }
  return p;
}

std::optional<StoredBulletin> LoadBulletin(pqxx::transaction_base& tx, int issue) {
  const auto r = tx.exec_params(
      "SELECT issue, cutoff_day, numbers, numbers_hash, generated_at FROM bulletin.bulletin "
      "WHERE issue = $1",
      issue);
  if (r.empty()) return std::nullopt;
  return StoredBulletin{r[0][0].as<int>(), r[0][1].as<std::int64_t>(), r[0][2].as<std::string>(),
                        r[0][3].as<std::string>(), r[0][4].as<Millis>()};
}

int LastGenerated(pqxx::transaction_base& tx) {
  const auto r = tx.exec("SELECT coalesce(max(issue), 0) FROM bulletin.bulletin");
  return r[0][0].as<int>();
}

std::vector<int> MissingIssues(pqxx::transaction_base& tx, int up_to) {
  std::vector<int> out;
  for (const auto& r : tx.exec_params(
           "SELECT n FROM generate_series(1, $1::int) AS n WHERE NOT EXISTS (SELECT 1 FROM "
           "bulletin.bulletin b WHERE b.issue = n) ORDER BY n",
           up_to)) {
    out.push_back(r[0].as<int>());
  }
  return out;
}

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

std::string MessageId(const std::string& campaign_id, int issue, const std::string& list,
                      int send_no, const std::string& domain, const std::string& document) {
  return document + "." + campaign_id + "." + std::to_string(issue) + "." + list + "." +
         std::to_string(send_no) + "@" + domain;
}

bool GenerateBulletin(pqxx::transaction_base& tx, const campaign::Campaign& campaign,
                      const Week& week, const Distribution& distribution,
                      const SendSettings& settings, Millis fleet_now, Millis wall_now) {
  if (!tx.exec_params("SELECT 1 FROM bulletin.bulletin WHERE issue = $1", week.issue).empty()) {
    return false;
  }
  const Numbers numbers = ComputeNumbers(campaign, LoadProjection(tx, week.cutoff), week);
  const std::string json = NumbersToJson(numbers);
  const auto inserted = tx.exec_params(
      "INSERT INTO bulletin.bulletin (issue, cutoff_day, cutoff_at, numbers, numbers_hash, "
      "generated_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (issue) DO NOTHING",
      week.issue, week.cutoff_day, week.cutoff, json, Sha256Hex(json), fleet_now);
  if (inserted.affected_rows() == 0) return false;
  for (std::size_t i = 0; i < distribution.lists.size(); ++i) {
    const RecipientList& l = distribution.lists[i];
    std::vector<std::string> addresses, titles;
    for (const Recipient& r : l.recipients) {
      addresses.push_back(r.address);
      titles.push_back(r.title);
    }
    InsertSend(tx, week.issue, l.id, 1, static_cast<int>(i), addresses, titles, wall_now,
               MessageId(settings.campaign_id, week.issue, l.id, 1, settings.mail_domain),
               "scheduled");
  }
  return true;
}

bool GenerateRoundReport(pqxx::transaction_base& tx, const campaign::Campaign& campaign,
                         const campaign::Round& round, const Distribution& distribution,
                         const std::vector<std::string>& lists, const SendSettings& settings,
                         Millis fleet_now, Millis wall_now) {
  const Millis cutoff = RoundCutoff(campaign, round);
  const RoundNumbers numbers = ComputeRoundNumbers(campaign, LoadProjection(tx, cutoff), round);
  const std::string json = RoundNumbersToJson(numbers);
  const auto inserted = tx.exec_params(
      "INSERT INTO bulletin.round_report (round, cutoff_at, numbers, numbers_hash, generated_at) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (round) DO NOTHING",
      round.number, cutoff, json, Sha256Hex(json), fleet_now);
  if (inserted.affected_rows() == 0) return false;
  for (std::size_t i = 0; i < distribution.lists.size(); ++i) {
    const RecipientList& l = distribution.lists[i];
    if (std::find(lists.begin(), lists.end(), l.id) == lists.end()) continue;
    std::vector<std::string> addresses, titles;
    for (const Recipient& r : l.recipients) {
      addresses.push_back(r.address);
      titles.push_back(r.title);
    }
    InsertSend(
        tx, round.number, l.id, 1, static_cast<int>(i), addresses, titles, wall_now,
        MessageId(settings.campaign_id, round.number, l.id, 1, settings.mail_domain, "round"),
        "scheduled round report", "round");
  }
  return true;
}

std::optional<StoredRoundReport> LoadRoundReport(pqxx::transaction_base& tx, int round) {
  const auto r = tx.exec_params(
      "SELECT round, numbers, numbers_hash, generated_at FROM bulletin.round_report WHERE "
      "round = $1",
      round);
  if (r.empty()) return std::nullopt;
  return StoredRoundReport{r[0][0].as<int>(), r[0][1].as<std::string>(), r[0][2].as<std::string>(),
                           r[0][3].as<Millis>()};
}

std::vector<int> MissingRounds(pqxx::transaction_base& tx, const std::vector<int>& due) {
  std::vector<int> out;
  for (const int round : due) {
    if (tx.exec_params("SELECT 1 FROM bulletin.round_report WHERE round = $1", round).empty()) {
      out.push_back(round);
    }
  }
  return out;
}

int RecoverInterrupted(pqxx::transaction_base& tx) {
  const auto r = tx.exec(
      "UPDATE bulletin.send SET state = 'pending', ambiguous = ambiguous + 1 WHERE state = "
      "'sending'");
  return static_cast<int>(r.affected_rows());
}

std::optional<SendRow> ClaimNextDue(pqxx::transaction_base& tx, Millis wall_now) {
  const auto r = tx.exec_params(
      std::string("UPDATE bulletin.send s SET state = 'sending', attempts = s.attempts + 1 FROM "
                  "(SELECT document, issue, list, send_no FROM bulletin.send WHERE state IN "
                  "('pending', 'failed') AND next_attempt_at <= $1 ORDER BY document, issue, "
                  "send_no, ordinal LIMIT 1 FOR UPDATE SKIP LOCKED) d WHERE s.document = "
                  "d.document AND s.issue = d.issue AND s.list = d.list AND s.send_no = d.send_no "
                  "RETURNING ") +
          "s.issue, s.list, s.send_no, s.state, s.recipients, s.titles, s.attempts, s.ambiguous, "
          "s.next_attempt_at, s.last_error, s.message_id, s.document",
      wall_now);
  if (r.empty()) return std::nullopt;
  return ReadSend(r[0]);
}

void MarkSent(pqxx::transaction_base& tx, const SendRow& send) {
  tx.exec_params(
      "UPDATE bulletin.send SET state = 'sent', sent_at = now(), last_error = NULL WHERE issue = "
      "$1 AND list = $2 AND send_no = $3 AND state = 'sending' AND document = $4",
      send.issue, send.list, send.send_no, send.document);
}

void MarkFailed(pqxx::transaction_base& tx, const SendRow& send, const std::string& error,
                Millis next_attempt_at) {
  tx.exec_params(
      "UPDATE bulletin.send SET state = 'failed', last_error = $4, next_attempt_at = $5 WHERE "
      "issue = $1 AND list = $2 AND send_no = $3 AND state = 'sending' AND document = $6",
      send.issue, send.list, send.send_no, error.substr(0, 2000), next_attempt_at, send.document);
}

Result<std::vector<QueuedResend>> MakeSendsDue(pqxx::transaction_base& tx, int issue,
                                               Millis wall_now) {
  if (tx.exec_params("SELECT 1 FROM bulletin.bulletin WHERE issue = $1", issue).empty()) {
    return MakeError("not_generated", "week",
                     "bulletin " + std::to_string(issue) + " has not been generated yet");
  }
  std::vector<QueuedResend> out;
  for (const auto& row : tx.exec_params(
           "UPDATE bulletin.send SET next_attempt_at = $2 WHERE document = 'bulletin' AND issue = "
           "$1 AND state IN ('pending', 'failed') RETURNING list, send_no, message_id",
           issue, wall_now)) {
    out.push_back(
        QueuedResend{row[0].as<std::string>(), row[1].as<int>(), row[2].as<std::string>()});
  }
  std::sort(out.begin(), out.end(),
            [](const QueuedResend& a, const QueuedResend& b) { return a.list < b.list; });
  return out;
}

Result<std::vector<QueuedResend>> QueueResend(pqxx::transaction_base& tx, int issue,
                                              const std::optional<std::string>& list,
                                              const std::string& reason,
                                              const Distribution& distribution,
                                              const SendSettings& settings, Millis wall_now) {
  if (tx.exec_params("SELECT 1 FROM bulletin.bulletin WHERE issue = $1", issue).empty()) {
    return MakeError("not_generated", "week",
                     "bulletin " + std::to_string(issue) + " has not been generated yet");
  }
  struct Target {
    std::string list;
    int ordinal = 0;
    std::vector<std::string> addresses;
    std::vector<std::string> titles;
  };
  std::vector<Target> targets;
  auto current = [&](const std::string& id) -> std::optional<Target> {
    for (std::size_t i = 0; i < distribution.lists.size(); ++i) {
      const RecipientList& l = distribution.lists[i];
      if (l.id != id) continue;
      Target t{id, static_cast<int>(i), {}, {}};
      for (const Recipient& r : l.recipients) {
        t.addresses.push_back(r.address);
        t.titles.push_back(r.title);
      }
      return t;
    }
    return std::nullopt;
  };
  if (list) {
    auto t = current(*list);
    if (!t) {
      return MakeError("unknown_list", "list", "'" + *list + "' is not a recipient list");
    }
    targets.push_back(std::move(*t));
  } else {
    // Every list the week went to; to its current recipients, or as last sent if it was dropped.
    for (const auto& r : tx.exec_params(
             "SELECT DISTINCT ON (list) list, ordinal, recipients, titles FROM bulletin.send "
             "WHERE issue = $1 AND document = 'bulletin' ORDER BY list, send_no DESC",
             issue)) {
      const std::string id = r[0].as<std::string>();
      auto t = current(id);
      targets.push_back(t ? std::move(*t)
                          : Target{id, r[1].as<int>(), TextArray(r[2]), TextArray(r[3])});
    }
    std::sort(targets.begin(), targets.end(),
              [](const Target& a, const Target& b) { return a.ordinal < b.ordinal; });
  }
  std::vector<QueuedResend> out;
  for (const Target& t : targets) {
    const int send_no =
        tx.exec_params(
              "SELECT coalesce(max(send_no), 0) + 1 FROM bulletin.send WHERE issue = $1 "
              "AND list = $2 AND document = 'bulletin'",
              issue, t.list)[0][0]
            .as<int>();
    const std::string id =
        MessageId(settings.campaign_id, issue, t.list, send_no, settings.mail_domain);
    InsertSend(tx, issue, t.list, send_no, t.ordinal, t.addresses, t.titles, wall_now, id,
               "resend: " + reason);
    out.push_back(QueuedResend{t.list, send_no, id});
  }
  return out;
}

void RecordPublication(pqxx::transaction_base& tx, Millis as_of, const std::string& hash,
                       std::int64_t files, std::int64_t bytes, const std::string& trigger) {
  tx.exec_params(
      "INSERT INTO bulletin.publication (as_of, content_hash, files, bytes, trigger) VALUES ($1, "
      "$2, $3, $4, $5)",
      as_of, hash, files, bytes, trigger.substr(0, 500));
}

SendCounts CountSends(pqxx::transaction_base& tx) {
  SendCounts c;
  for (const auto& r : tx.exec("SELECT state, count(*) FROM bulletin.send GROUP BY state")) {
    const std::string state = r[0].as<std::string>();
    const std::int64_t n = r[1].as<std::int64_t>();
    if (state == "pending") c.pending = n;
    if (state == "sending") c.sending = n;
    if (state == "sent") c.sent = n;
    if (state == "failed") c.failed = n;
  }
  c.last_sent_at = tx.exec(
                         "SELECT coalesce(extract(epoch FROM max(sent_at))::bigint, 0) FROM "
                         "bulletin.send")[0][0]
                       .as<std::int64_t>();
  return c;
}

}  // namespace ducha::bulletin
