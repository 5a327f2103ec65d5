#include "services/review/store/credit_store.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <variant>

#include "common/stream/outbox.h"
#include "proto/dispatch_codec.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"
#include "proto/review_codec.h"
#include "services/review/store/review_store.h"

namespace ducha::review {
namespace {

namespace pd = proto::dispatch;
namespace pi = proto::intake;
namespace pr = proto::review;

pr::CreditColour ColourEnum(const std::string& name) {
  return pr::ParseCreditColour(name).value_or(pr::CreditColour::kGreen);
}

struct EnterpriseRow {
  std::string key;
  std::string name;
  std::string colour;
  bool blacklisted = false;
};

std::optional<EnterpriseRow> LoadEnterprise(pqxx::transaction_base& tx, const std::string& key) {
  const pqxx::result r = tx.exec_params(
      "SELECT enterprise, name, colour, blacklisted FROM review.enterprise WHERE enterprise = $1 "
      "FOR UPDATE",
      key);
  if (r.empty()) return std::nullopt;
  return EnterpriseRow{r[0][0].as<std::string>(), r[0][1].as<std::string>(),
                       r[0][2].as<std::string>(), r[0][3].as<bool>()};
}

int Points(pqxx::transaction_base& tx, const CreditRules& credit, const std::string& key,
           timeutil::Millis now) {
  std::vector<CreditEntry> entries;
  for (const auto& row : tx.exec_params(
           "SELECT at, points, cleared_at IS NOT NULL FROM review.credit_entry WHERE enterprise = "
           "$1",
           key)) {
    entries.push_back(CreditEntry{row[0].as<std::int64_t>(), row[1].as<int>(), row[2].as<bool>()});
  }
  return CurrentPoints(credit, entries, now);
}

// Recomputes the colour; a change is recorded in the history and emitted.
void Rescore(pqxx::transaction_base& tx, const CreditRules& credit, const std::string& key,
             std::int64_t problem_id, const std::string& reason, timeutil::Millis now) {
  auto e = LoadEnterprise(tx, key);
  if (!e) return;
  const int points = Points(tx, credit, key, now);
  const Colour& colour = credit.ColourFor(points);
  if (colour.name == e->colour) return;
  tx.exec_params("UPDATE review.enterprise SET colour = $2 WHERE enterprise = $1", key,
                 colour.name);
  tx.exec_params(
      "INSERT INTO review.colour_history (enterprise, colour, points, reason, at) VALUES ($1, $2, "
      "$3, $4, $5)",
      key, colour.name, points, reason, now);
  pr::CreditChanged changed;
  changed.enterprise = key;
  changed.name = e->name;
  changed.points = points;
  changed.colour = ColourEnum(colour.name);
  changed.previous = ColourEnum(e->colour);
  changed.problem_id = problem_id;
  changed.reason = reason;
  changed.at = now;
  stream::Outbox(kSchema).AppendNumbered(
      tx, kStream,
      {stream::OutgoingEvent{std::string(pr::CreditChanged::kType), key,
                             pr::Encode(changed, "enterprise")}});
}

// The advisory-lock space of review's credit steps (the first key of the two-key form).
constexpr int kCreditLockSpace = 0x72637264;  // "rcrd"

// One decoded event of the source streams: a report naming an enterprise, or an assignment.
using SourceFact = std::variant<std::monostate, pi::ReportAccepted, pd::ProblemAssigned>;

// Serialises, per problem, the steps that join a problem's enterprise with its facts: the
// enterprise (intake's reports) and the facts (dispatch, tracking, the bureau) arrive in separate
// transactions, and without the lock each could commit without seeing the other (write skew under
// READ COMMITTED), leaving a fact never scored. Whoever takes the lock second sees the first's
// rows, since the first's writes precede its lock and commit before the lock is released.
void LockProblems(pqxx::transaction_base& tx, std::vector<std::int64_t> ids) {
  if (ids.empty()) return;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::string array = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) array += ',';
    array += std::to_string(ids[i]);
  }
  array += '}';
  // Ascending order, so that two batches cannot deadlock on each other.
  tx.exec_params(
      "SELECT pg_advisory_xact_lock($1::int, k) FROM (SELECT DISTINCT (x % 2147483647)::int AS k "
      "FROM unnest($2::bigint[]) x ORDER BY 1) s",
      kCreditLockSpace, array);
}

void InsertEntry(pqxx::transaction_base& tx, const CreditRules& credit, const std::string& key,
                 std::int64_t problem_id, const std::string& reason, int points,
                 timeutil::Millis at) {
  const pqxx::result inserted = tx.exec_params(
      "INSERT INTO review.credit_entry (enterprise, problem_id, reason, points, at) VALUES ($1, "
      "$2, $3, $4, $5) ON CONFLICT (problem_id, reason) DO NOTHING RETURNING id",
      key, problem_id, reason, points, at);
  if (!inserted.empty()) Rescore(tx, credit, key, problem_id, reason, at);
}

// Scores `points` for the problem's enterprise once per (problem, reason). Until review knows the
// enterprise, the fact waits in credit_pending. The caller holds the problem's lock.
void Score(pqxx::transaction_base& tx, const CreditRules& credit, std::int64_t problem_id,
           const std::string& reason, int points, timeutil::Millis at) {
  if (points <= 0) return;
  const pqxx::result pe = tx.exec_params(
      "SELECT enterprise FROM review.problem_enterprise WHERE problem_id = $1", problem_id);
  if (pe.empty()) {
    tx.exec_params(
        "INSERT INTO review.credit_pending (problem_id, reason, points, at) VALUES ($1, $2, $3, "
        "$4) ON CONFLICT (problem_id, reason) DO NOTHING",
        problem_id, reason, points, at);
    return;
  }
  InsertEntry(tx, credit, pe[0][0].as<std::string>(), problem_id, reason, points, at);
}

void ClearEntries(pqxx::transaction_base& tx, const CreditRules& credit, std::int64_t problem_id,
                  timeutil::Millis at) {
  const pqxx::result r = tx.exec_params(
      "UPDATE review.credit_entry SET cleared_at = $2 WHERE problem_id = $1 AND cleared_at IS NULL "
      "RETURNING enterprise",
      problem_id, at);
  if (!r.empty()) {
    Rescore(tx, credit, r[0][0].as<std::string>(), problem_id, "rectified", at);
  }
}

// The enterprise has just become known: the facts that waited for it are scored now, in the
// order they happened, and cleared if their problem was rectified meanwhile.
void ScorePending(pqxx::transaction_base& tx, const CreditRules& credit, const std::string& key,
                  std::int64_t problem_id) {
  const pqxx::result waiting = tx.exec_params(
      "DELETE FROM review.credit_pending WHERE problem_id = $1 RETURNING reason, points, at, "
      "cleared_at",
      problem_id);
  std::vector<std::tuple<timeutil::Millis, std::string, int>> facts;
  std::optional<timeutil::Millis> cleared;
  for (const auto& row : waiting) {
    facts.emplace_back(row[2].as<std::int64_t>(), row[0].as<std::string>(), row[1].as<int>());
    if (!row[3].is_null()) {
      cleared = std::max(cleared.value_or(0), row[3].as<std::int64_t>());
    }
  }
  std::sort(facts.begin(), facts.end());
  for (const auto& [at, reason, points] : facts) {
    InsertEntry(tx, credit, key, problem_id, reason, points, at);
  }
  if (cleared) ClearEntries(tx, credit, problem_id, *cleared);
}

void ScoreViolationIfReady(pqxx::transaction_base& tx, const CreditRules& credit,
                           std::int64_t problem_id) {
  const pqxx::result v = tx.exec_params(
      "SELECT v.severity, v.established_at FROM review.violation v JOIN review.problem_enterprise "
      "p USING (problem_id) WHERE v.problem_id = $1 AND v.established_at IS NOT NULL",
      problem_id);
  if (v.empty()) return;
  Score(tx, credit, problem_id, "violation", credit.ViolationPoints(v[0][0].as<std::string>()),
        v[0][1].as<std::int64_t>());
}

Error Forbidden(const auth::Identity& who) {
  return MakeError("forbidden", "",
                   "identity '" + who.name + "' has role " + std::string(auth::RoleName(who.role)) +
                       "; only operators confirm blacklist changes");
}

std::optional<pr::CreditDone> Answered(pqxx::transaction_base& tx, const CreditContext& ctx,
                                       const std::string& request_id) {
  const pqxx::result r = tx.exec_params(
      "SELECT enterprise FROM review.credit_request WHERE identity = $1 AND request_id = $2",
      ctx.who.name, request_id);
  if (r.empty()) return std::nullopt;
  const std::string key = r[0][0].as<std::string>();
  const auto e = LoadEnterprise(tx, key);
  pr::CreditDone d;
  d.enterprise = key;
  d.points = Points(tx, ctx.credit, key, ctx.now);
  d.colour = ColourEnum(ctx.credit.ColourFor(static_cast<int>(d.points)).name);
  d.blacklisted = e && e->blacklisted;
  d.replayed = true;
  return d;
}

Result<pr::CreditDone> ChangeListing(pqxx::transaction_base& tx, const CreditContext& ctx,
                                     const std::string& request_id, const std::string& key,
                                     const std::string& reason, bool list) {
  if (ctx.who.role != auth::Role::kOperator) return Forbidden(ctx.who);
  if (auto done = Answered(tx, ctx, request_id)) return *done;
  auto e = LoadEnterprise(tx, key);
  if (!e) {
    return MakeError("unknown_enterprise", "enterprise",
                     "'" + key + "' is not an enterprise named in any problem");
  }
  const int points = Points(tx, ctx.credit, key, ctx.now);
  if (list && e->blacklisted) {
    return MakeError("no_change", "enterprise", e->name + " is already on the blacklist");
  }
  if (list && points < CreditRules::kBlack) {
    return MakeError(
        "below_threshold", "enterprise",
        e->name + " has " + std::to_string(points) + " points; the blacklist needs 12 or more");
  }
  if (!list && !e->blacklisted) {
    return MakeError("not_blacklisted", "enterprise", e->name + " is not on the blacklist");
  }
  if (!list && points >= CreditRules::kBlack) {
    return MakeError("above_threshold", "enterprise",
                     e->name + " still has " + std::to_string(points) +
                         " points counting; it can leave the blacklist below 12");
  }
  tx.exec_params("UPDATE review.enterprise SET blacklisted = $2 WHERE enterprise = $1", key, list);
  tx.exec_params(
      "INSERT INTO review.blacklist_history (enterprise, action, points, reason, by, at) VALUES "
      "($1, $2, $3, $4, $5, $6)",
      key, list ? "listed" : "delisted", points, reason, ctx.who.name, ctx.now);
  tx.exec_params(
      "INSERT INTO review.credit_request (identity, request_id, enterprise) VALUES ($1, $2, $3)",
      ctx.who.name, request_id, key);
  std::string payload;
  std::string type;
  if (list) {
    pr::Blacklisted b{key, e->name, points, reason, ctx.who.name, ctx.now};
    type = pr::Blacklisted::kType;
    payload = pr::Encode(b, "enterprise");
  } else {
    pr::Delisted b{key, e->name, points, reason, ctx.who.name, ctx.now};
    type = pr::Delisted::kType;
    payload = pr::Encode(b, "enterprise");
  }
  stream::Outbox(kSchema).AppendNumbered(tx, kStream, {stream::OutgoingEvent{type, key, payload}});
  pr::CreditDone d;
  d.enterprise = key;
  d.points = points;
  d.colour = ColourEnum(ctx.credit.ColourFor(points).name);
  d.blacklisted = list;
  d.replayed = false;
  return d;
}

}  // namespace

stream::ApplyFn SourceApplier::AsApplyFn() {
  return [this](pqxx::transaction_base& tx, std::span<const stream::IncomingEvent> events) {
    return Apply(tx, events);
  };
}

std::vector<Status> SourceApplier::Apply(pqxx::transaction_base& tx,
                                         std::span<const stream::IncomingEvent> events) {
  std::vector<Status> out(events.size(), OkStatus());
  // Decode the whole batch first: its problems are locked together, in ascending order.
  std::vector<SourceFact> facts(events.size());
  std::vector<std::int64_t> problems;
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto frame = proto::ParseMessage(events[i].payload);
    if (!frame) {
      out[i] = frame.error();
      continue;
    }
    if (frame->type() == pi::ReportAccepted::kType) {
      auto m = codec::DecodeAs<pi::ReportAccepted>(*frame);
      if (!m) {
        out[i] = m.error();
        continue;
      }
      // A problem's enterprise is its first report's; a duplicate names the same problem.
      if (!m->enterprise || m->duplicate_of) continue;
      problems.push_back(m->report_id);
      facts[i] = std::move(*m);
    } else if (frame->type() == pd::ProblemAssigned::kType) {
      auto m = codec::DecodeAs<pd::ProblemAssigned>(*frame);
      if (!m) {
        out[i] = m.error();
        continue;
      }
      problems.push_back(m->problem_id);
      facts[i] = std::move(*m);
    }
  }
  LockProblems(tx, std::move(problems));
  for (const auto& fact : facts) {
    if (const auto* m = std::get_if<pi::ReportAccepted>(&fact)) {
      const std::string key =
          m->enterprise->credit_code ? *m->enterprise->credit_code : "name:" + m->enterprise->name;
      tx.exec_params(
          "INSERT INTO review.problem_enterprise (problem_id, enterprise, name) VALUES ($1, $2, "
          "$3) ON CONFLICT (problem_id) DO NOTHING",
          m->report_id, key, m->enterprise->name);
      tx.exec_params(
          "INSERT INTO review.enterprise (enterprise, name) VALUES ($1, $2) ON CONFLICT "
          "(enterprise) DO NOTHING",
          key, m->enterprise->name);
      ScorePending(tx, credit_, key, m->report_id);
      ScoreViolationIfReady(tx, credit_, m->report_id);
    } else if (const auto* a = std::get_if<pd::ProblemAssigned>(&fact)) {
      // A rectification is an established violation; a citizen report waits for verification.
      const bool established = a->kind == pd::AssignmentKind::kRectification;
      tx.exec_params(
          "INSERT INTO review.violation (problem_id, severity, kind, established_at) VALUES ($1, "
          "$2, $3, $4) ON CONFLICT (problem_id) DO NOTHING",
          a->problem_id, std::string(proto::common::ToString(a->severity)),
          std::string(pd::ToString(a->kind)),
          established ? std::optional<std::string>(std::to_string(a->assigned_at))
                      : std::optional<std::string>());
      ScoreViolationIfReady(tx, credit_, a->problem_id);
    }
  }
  return out;
}

void EstablishViolation(pqxx::transaction_base& tx, const CreditRules& credit,
                        std::int64_t problem_id, timeutil::Millis at) {
  LockProblems(tx, {problem_id});
  tx.exec_params(
      "UPDATE review.violation SET established_at = $2 WHERE problem_id = $1 AND established_at "
      "IS NULL",
      problem_id, at);
  ScoreViolationIfReady(tx, credit, problem_id);
}

void ScoreFailedReinspection(pqxx::transaction_base& tx, const CreditRules& credit,
                             std::int64_t problem_id, std::int64_t task_id, timeutil::Millis at) {
  LockProblems(tx, {problem_id});
  Score(tx, credit, problem_id, "failed_reinspection:" + std::to_string(task_id),
        credit.failed_reinspection_points(), at);
}

void ScoreVerifiedFact(pqxx::transaction_base& tx, const CreditRules& credit,
                       std::int64_t problem_id, const std::string& fact, timeutil::Millis at) {
  if (credit.ScoresBlackAtOnce(fact)) {
    LockProblems(tx, {problem_id});
    Score(tx, credit, problem_id, "fact:" + fact, CreditRules::kBlack, at);
  }
}

void ClearOnRectified(pqxx::transaction_base& tx, const CreditRules& credit,
                      std::int64_t problem_id, timeutil::Millis at) {
  LockProblems(tx, {problem_id});
  tx.exec_params(
      "UPDATE review.credit_pending SET cleared_at = $2 WHERE problem_id = $1 AND cleared_at IS "
      "NULL",
      problem_id, at);
  ClearEntries(tx, credit, problem_id, at);
}

Result<pr::CreditDone> ConfirmBlacklist(pqxx::transaction_base& tx, const CreditContext& ctx,
                                        const pr::ConfirmBlacklist& cmd) {
  return ChangeListing(tx, ctx, cmd.request_id, cmd.enterprise, cmd.reason, true);
}

Result<pr::CreditDone> Delist(pqxx::transaction_base& tx, const CreditContext& ctx,
                              const pr::Delist& cmd) {
  return ChangeListing(tx, ctx, cmd.request_id, cmd.enterprise, cmd.reason, false);
}

}  // namespace ducha::review
