#include "services/review/store/review_store.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "common/db/array.h"
#include "common/stream/outbox.h"
#include "proto/registry.h"
#include "proto/review_codec.h"
#include "proto/tracking_codec.h"
#include "services/review/store/credit_store.h"

namespace ducha::review {
namespace {

namespace pr = proto::review;
namespace pt = proto::tracking;

// libpqxx 6.4 binds NULL from a null const char*, not from std::optional.
const char* Nullable(const std::optional<std::string>& v) { return v ? v->c_str() : nullptr; }

std::optional<DivisionCode> ParseCode(const std::string& s) {
  DivisionCode v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size() || v <= 0) return std::nullopt;
  return v;
}

template <typename M>
stream::OutgoingEvent Out(const M& m, std::int64_t problem_id) {
  return stream::OutgoingEvent{std::string(M::kType), std::to_string(problem_id),
                               pr::Encode(m, "problem-" + std::to_string(problem_id))};
}

void Emit(pqxx::transaction_base& tx, const std::vector<stream::OutgoingEvent>& events) {
  if (!events.empty()) stream::Outbox(kSchema).AppendNumbered(tx, kStream, events);
}

std::string TextArray(const std::vector<std::string>& items) {
  db::ArrayBuilder a;
  for (const std::string& s : items) a.Add(s);
  return a.Finish();
}

// A stored answer to (identity, request id), replayed.
std::optional<pr::Done> Answered(pqxx::transaction_base& tx, const std::string& who,
                                 const std::string& request_id) {
  const pqxx::result r = tx.exec_params(
      "SELECT problem_id, task_id, outcome FROM review.action_request WHERE identity = $1 AND "
      "request_id = $2",
      who, request_id);
  if (r.empty()) return std::nullopt;
  pr::Done d;
  d.problem_id = r[0][0].as<std::int64_t>();
  if (!r[0][1].is_null()) d.task_id = r[0][1].as<std::int64_t>();
  d.outcome = r[0][2].as<std::string>();
  d.replayed = true;
  return d;
}

pr::Done Answer(pqxx::transaction_base& tx, const std::string& who, const std::string& request_id,
                std::int64_t problem_id, std::optional<std::int64_t> task_id,
                const std::string& outcome) {
  const std::optional<std::string> task =
      task_id ? std::optional<std::string>(std::to_string(*task_id)) : std::nullopt;
  tx.exec_params(
      "INSERT INTO review.action_request (identity, request_id, problem_id, task_id, outcome) "
      "VALUES ($1, $2, $3, $4::bigint, $5)",
      who, request_id, problem_id, Nullable(task), outcome);
  pr::Done d;
  d.problem_id = problem_id;
  d.task_id = task_id;
  d.outcome = outcome;
  d.replayed = false;
  return d;
}

Error Forbidden(const auth::Identity& who, const std::string& what) {
  return MakeError("forbidden", "",
                   "identity '" + who.name + "' has role " + std::string(auth::RoleName(who.role)) +
                       "; " + what);
}

bool InScope(const auth::Identity& who, DivisionCode city) {
  const std::string code = std::to_string(city);
  for (const std::string& s : who.scope) {
    if (s == code) return true;
  }
  return false;
}

struct Case {
  DivisionCode city = 0;
  CaseFacts facts;
  bool referred = false;
};

std::optional<Case> LoadCase(pqxx::transaction_base& tx, std::int64_t problem_id) {
  const pqxx::result r = tx.exec_params(
      "SELECT coalesce(city, 0), listed, working_days_overdue, failed_reinspections, referred "
      "FROM review.case_facts WHERE problem_id = $1 FOR UPDATE",
      problem_id);
  if (r.empty()) return std::nullopt;
  Case c;
  c.city = r[0][0].as<DivisionCode>();
  c.facts.listed = r[0][1].as<bool>();
  c.facts.working_days_overdue = r[0][2].as<int>();
  c.facts.failed_reinspections = r[0][3].as<int>();
  c.referred = r[0][4].as<bool>();
  return c;
}

std::string FactsJson(const std::vector<ScoredFact>& facts) {
  nlohmann::json j = nlohmann::json::array();
  for (const ScoredFact& f : facts) {
    j.push_back({{"fact", f.fact}, {"count", f.count}, {"points", f.points}});
  }
  return j.dump();
}

std::string CaseFactsJson(const CaseFacts& f) {
  nlohmann::json j;
  j["working_days_overdue"] = f.working_days_overdue;
  j["failed_reinspections"] = f.failed_reinspections;
  j["listed"] = f.listed;
  j["verified_facts"] = std::vector<std::string>(f.verified_facts.begin(), f.verified_facts.end());
  return j.dump();
}

}  // namespace

// --- history -----------------------------------------------------------------------------------

void AppendHistory(pqxx::transaction_base& tx, std::int64_t problem_id, timeutil::Millis at,
                   const std::string& what, const std::string& by, const std::string& detail) {
  // One writer per problem's chain at a time, until commit.
  tx.exec_params("SELECT pg_advisory_xact_lock(hashtext('review.history'), ($1 % 2147483647)::int)",
                 problem_id);
  const pqxx::result last = tx.exec_params(
      "SELECT hash FROM review.history WHERE problem_id = $1 ORDER BY id DESC LIMIT 1", problem_id);
  const std::string prev = last.empty() ? kGenesisHash : last[0][0].as<std::string>();
  const std::string hash = LineHash(prev, problem_id, at, what, by, detail);
  tx.exec_params(
      "INSERT INTO review.history (problem_id, at, what, by, detail, prev_hash, hash) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7)",
      problem_id, at, what, by, detail, prev, hash);
}

std::vector<AuditLine> LoadHistory(pqxx::transaction_base& tx, std::int64_t problem_id) {
  std::vector<AuditLine> out;
  for (const auto& row : tx.exec_params(
           "SELECT id, problem_id, at, what, by, detail, prev_hash, hash FROM review.history "
           "WHERE problem_id = $1 ORDER BY id",
           problem_id)) {
    out.push_back(AuditLine{row[0].as<std::int64_t>(), row[1].as<std::int64_t>(),
                            row[2].as<std::int64_t>(), row[3].as<std::string>(),
                            row[4].as<std::string>(), row[5].as<std::string>(),
                            row[6].as<std::string>(), row[7].as<std::string>()});
  }
  return out;
}

// --- tracking's ledger -------------------------------------------------------------------------

LedgerApplier::LedgerApplier(const campaign::Campaign& campaign, SampleSettings sample,
                             const CreditRules& credit)
    : campaign_(campaign), sample_(sample), credit_(credit) {}

stream::ApplyFn LedgerApplier::AsApplyFn() {
  return [this](pqxx::transaction_base& tx, std::span<const stream::IncomingEvent> events) {
    return Apply(tx, events);
  };
}

std::vector<Status> LedgerApplier::Apply(pqxx::transaction_base& tx,
                                         std::span<const stream::IncomingEvent> events) {
  std::vector<Status> out(events.size(), OkStatus());
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto frame = proto::ParseMessage(events[i].payload);
    if (!frame) {
      out[i] = frame.error();
      continue;
    }
    if (frame->type() == pt::Escalated::kType) {
      auto m = codec::DecodeAs<pt::Escalated>(*frame);
      if (!m) {
        out[i] = m.error();
        continue;
      }
      // Only the rectification deadline counts as overdue rectification.
      if (m->deadline_kind != proto::dispatch::AssignmentKind::kRectification) continue;
      tx.exec_params(
          "INSERT INTO review.case_facts (problem_id, working_days_overdue) VALUES ($1, $2) "
          "ON CONFLICT (problem_id) DO UPDATE SET working_days_overdue = "
          "greatest(review.case_facts.working_days_overdue, excluded.working_days_overdue)",
          m->problem_id, m->working_days_overdue);
      continue;
    }
    if (frame->type() == pt::VerificationConcluded::kType) {
      auto m = codec::DecodeAs<pt::VerificationConcluded>(*frame);
      if (!m) {
        out[i] = m.error();
        continue;
      }
      if (m->substantiated) EstablishViolation(tx, credit_, m->problem_id, m->at);
      continue;
    }
    if (frame->type() != pt::RectificationClaimed::kType) continue;
    auto m = codec::DecodeAs<pt::RectificationClaimed>(*frame);
    if (!m) {
      out[i] = m.error();
      continue;
    }
    const auto city = ParseCode(m->city);
    const auto jurisdiction = ParseCode(m->jurisdiction);
    const auto claimed = timeutil::ParseDate(m->claimed_date);
    if (!city || !jurisdiction || !claimed) {
      out[i] = MakeError("invalid_format", "city", "the claim's city, place or date do not parse");
      continue;
    }
    ClaimSeen claim{
        m->problem_id, *city, *jurisdiction, m->listed, static_cast<int>(m->reopen_count),
        *claimed};
    const TaskPlan plan = PlanTask(campaign_, sample_, claim);
    const pqxx::result task = tx.exec_params(
        "INSERT INTO review.task (problem_id, claim_no, city, jurisdiction, listed, reason, draw, "
        "sample_rate, seed, group_id, state, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
        "$9, $10, $11, $12) ON CONFLICT (problem_id, claim_no) DO NOTHING RETURNING task_id",
        m->problem_id, claim.reopen_count + 1, claim.city, claim.jurisdiction, claim.listed,
        std::string(pr::ToString(plan.reason)), plan.draw, sample_.rate,
        static_cast<long long>(sample_.seed), Nullable(plan.group_id),
        plan.reason == pr::TaskReason::kNotDrawn ? "documents" : "open", m->at);
    if (task.empty()) continue;  // this claim already has its task
    const std::int64_t task_id = task[0][0].as<std::int64_t>();
    tx.exec_params(
        "INSERT INTO review.case_facts (problem_id, city, jurisdiction, listed) VALUES ($1, $2, "
        "$3, $4) ON CONFLICT (problem_id) DO UPDATE SET city = excluded.city, jurisdiction = "
        "excluded.jurisdiction, listed = excluded.listed",
        m->problem_id, claim.city, claim.jurisdiction, claim.listed);

    std::vector<stream::OutgoingEvent> emit;
    pr::TaskCreated created;
    created.task_id = task_id;
    created.problem_id = m->problem_id;
    created.city = m->city;
    created.jurisdiction = m->jurisdiction;
    created.listed = m->listed;
    created.reason = plan.reason;
    created.draw = plan.draw;
    created.sample_rate = sample_.rate;
    created.seed = static_cast<std::int64_t>(sample_.seed);
    created.group_id = plan.group_id;
    created.at = m->at;
    emit.push_back(Out(created, m->problem_id));
    std::string detail = "claim " + std::to_string(claim.reopen_count + 1) + ": " +
                         std::string(pr::ToString(plan.reason)) + " (draw " +
                         std::to_string(plan.draw) + ", rate " + std::to_string(sample_.rate) +
                         ", seed " + std::to_string(sample_.seed) + ")";
    if (plan.group_id) detail += ", sent to " + *plan.group_id;
    AppendHistory(tx, m->problem_id, m->at, "task_created", "review", detail);
    stats_.tasks.fetch_add(1, std::memory_order_relaxed);
    if (plan.reason == pr::TaskReason::kNotDrawn) {
      pr::ReinspectionConcluded done;
      done.problem_id = m->problem_id;
      done.task_id = task_id;
      done.passed = true;
      done.method = pr::Method::kDocuments;
      done.by = "review";
      done.at = m->at;
      emit.push_back(Out(done, m->problem_id));
      AppendHistory(tx, m->problem_id, m->at, "accepted_on_documents", "review",
                    "not drawn for re-inspection; the claim is accepted on its documents");
      stats_.accepted_on_documents.fetch_add(1, std::memory_order_relaxed);
    }
    Emit(tx, emit);
  }
  for (const Status& s : out) {
    if (!s) stats_.rejected.fetch_add(1, std::memory_order_relaxed);
  }
  return out;
}

// --- commands ----------------------------------------------------------------------------------

Result<pr::Done> ReportReinspection(pqxx::transaction_base& tx, const CommandContext& ctx,
                                    const pr::ReportReinspection& cmd) {
  if (ctx.who.role != auth::Role::kEnforcementBureau) {
    return Forbidden(ctx.who, "only the enforcement bureau reports re-inspections");
  }
  if (auto done = Answered(tx, ctx.who.name, cmd.request_id)) return *done;
  const pqxx::result r = tx.exec_params(
      "SELECT problem_id, city, state FROM review.task WHERE task_id = $1 FOR UPDATE", cmd.task_id);
  if (r.empty()) {
    return MakeError("unknown_task", "task_id",
                     "task " + std::to_string(cmd.task_id) + " does not exist");
  }
  const auto problem_id = r[0][0].as<std::int64_t>();
  const auto city = r[0][1].as<DivisionCode>();
  const auto state = r[0][2].as<std::string>();
  if (state != "open") {
    return MakeError(
        "already_concluded", "task_id",
        "task " + std::to_string(cmd.task_id) + " is already concluded (" + state + ")");
  }
  if (auto ok = CheckReinspectingGroup(ctx.campaign, cmd.group_id, city); !ok) return ok.error();
  const std::string findings = cmd.findings.value_or("");
  if (!cmd.passed && findings.find_first_not_of(" \t\r\n") == std::string::npos) {
    return MakeError("missing_field", "findings", "a failed re-inspection needs its findings");
  }
  tx.exec_params(
      "UPDATE review.task SET state = $2, concluded_at = $3, concluded_by = $4, result_group = "
      "$5, findings = $6 WHERE task_id = $1",
      cmd.task_id, cmd.passed ? "passed" : "failed", ctx.now, ctx.who.name, cmd.group_id,
      Nullable(cmd.findings));
  std::vector<stream::OutgoingEvent> emit;
  pr::ReinspectionConcluded done;
  done.problem_id = problem_id;
  done.task_id = cmd.task_id;
  done.passed = cmd.passed;
  done.method = pr::Method::kReinspected;
  done.findings = cmd.findings;
  done.group_id = cmd.group_id;
  done.by = ctx.who.name;
  done.at = ctx.now;
  emit.push_back(Out(done, problem_id));
  if (cmd.passed) {
    ClearOnRectified(tx, ctx.credit, problem_id, ctx.now);
  } else {
    ScoreFailedReinspection(tx, ctx.credit, problem_id, cmd.task_id, ctx.now);
    tx.exec_params(
        "INSERT INTO review.case_facts (problem_id, city, failed_reinspections, referred) VALUES "
        "($1, $2, 1, true) ON CONFLICT (problem_id) DO UPDATE SET failed_reinspections = "
        "review.case_facts.failed_reinspections + 1, referred = true",
        problem_id, city);
    pr::Referred referred;
    referred.problem_id = problem_id;
    referred.task_id = cmd.task_id;
    referred.city = std::to_string(city);
    referred.findings = cmd.findings;
    referred.at = ctx.now;
    emit.push_back(Out(referred, problem_id));
  }
  AppendHistory(tx, problem_id, ctx.now, cmd.passed ? "reinspection_passed" : "reinspection_failed",
                ctx.who.name,
                "task " + std::to_string(cmd.task_id) + " by " + cmd.group_id +
                    (findings.empty() ? "" : ": " + findings));
  Emit(tx, emit);
  return Answer(tx, ctx.who.name, cmd.request_id, problem_id, cmd.task_id,
                cmd.passed ? "rectified" : "reopened");
}

Result<pr::Done> RecordOpinion(pqxx::transaction_base& tx, const CommandContext& ctx,
                               const pr::RecordOpinion& cmd) {
  if (ctx.who.role != auth::Role::kCommissionerOffice) {
    return Forbidden(ctx.who, "only commissioner offices record responsibility opinions");
  }
  if (auto done = Answered(tx, ctx.who.name, cmd.request_id)) return *done;
  auto c = LoadCase(tx, cmd.problem_id);
  if (!c) {
    return MakeError("unknown_problem", "problem_id",
                     "problem " + std::to_string(cmd.problem_id) + " has no review case");
  }
  if (!InScope(ctx.who, c->city)) {
    return MakeError(
        "out_of_scope", "problem_id",
        ctx.who.name + " is not the commissioner office of city " + std::to_string(c->city));
  }
  if (!c->referred) {
    return MakeError("not_referred", "problem_id",
                     "problem " + std::to_string(cmd.problem_id) +
                         " was not referred: no re-inspection of it failed");
  }
  for (const std::string& f : cmd.verified_facts) {
    if (!IsVerifiedFact(f)) {
      return MakeError("unknown_fact", "verified_facts",
                       "'" + f +
                           "' is not a fact the commissioner office verifies "
                           "(perfunctory_claim, false_claim, denied_then_substantiated)");
    }
    c->facts.verified_facts.insert(f);
  }
  const pqxx::result op = tx.exec_params(
      "INSERT INTO review.opinion (problem_id, verified, verified_facts, responsible_units, "
      "opinion, by, at) VALUES ($1, $2, $3::text[], $4::text[], $5, $6, $7) RETURNING id",
      cmd.problem_id, cmd.verified, TextArray(cmd.verified_facts), TextArray(cmd.responsible_units),
      cmd.opinion, ctx.who.name, ctx.now);
  const auto opinion_id = op[0][0].as<std::int64_t>();
  for (const std::string& name : cmd.responsible_officials) {
    tx.exec_params(
        "INSERT INTO review.responsible_official (opinion_id, problem_id, name) VALUES ($1, $2, "
        "$3)",
        opinion_id, cmd.problem_id, name);
  }
  std::vector<stream::OutgoingEvent> emit;
  pr::OpinionRecorded recorded;
  recorded.problem_id = cmd.problem_id;
  recorded.verified = cmd.verified;
  recorded.verified_facts = cmd.verified_facts;
  recorded.responsible_units = cmd.responsible_units;
  recorded.opinion = cmd.opinion;
  recorded.by = ctx.who.name;
  recorded.at = ctx.now;
  emit.push_back(Out(recorded, cmd.problem_id));
  AppendHistory(tx, cmd.problem_id, ctx.now, "opinion_recorded", ctx.who.name,
                std::string(cmd.verified ? "verified" : "not verified") + ": " + cmd.opinion);
  std::string outcome = "opinion_recorded";
  if (cmd.verified) {
    for (const std::string& f : cmd.verified_facts) {
      ScoreVerifiedFact(tx, ctx.credit, cmd.problem_id, f, ctx.now);
    }
    auto rec = Recommend(c->facts, true, ctx.rules);
    if (!rec) return rec.error();
    tx.exec_params(
        "INSERT INTO review.recommendation (problem_id, level, display_name, points, facts, "
        "rule_version, opinion_id, at, case_facts) VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, "
        "$8, $9::jsonb)",
        cmd.problem_id, rec->level.empty() ? nullptr : rec->level.c_str(),
        rec->display_name.empty() ? nullptr : rec->display_name.c_str(), rec->points,
        FactsJson(rec->facts), rec->rule_version, opinion_id, ctx.now, CaseFactsJson(c->facts));
    std::string detail = std::to_string(rec->points) + " points under rules v" +
                         std::to_string(rec->rule_version) + ":";
    for (const ScoredFact& f : rec->facts) {
      detail += " " + f.fact + " x" + std::to_string(f.count) + " = " + std::to_string(f.points);
    }
    if (rec->level.empty()) {
      outcome = "no_recommendation";
      AppendHistory(tx, cmd.problem_id, ctx.now, "below_lowest_level", "review", detail);
    } else {
      outcome = "recommended";
      pr::RecommendationMade made;
      made.problem_id = cmd.problem_id;
      made.level = rec->level;
      made.display_name = rec->display_name;
      made.points = rec->points;
      for (const ScoredFact& f : rec->facts) made.facts.push_back({f.fact, f.count, f.points});
      made.rule_version = rec->rule_version;
      made.at = ctx.now;
      emit.push_back(Out(made, cmd.problem_id));
      AppendHistory(tx, cmd.problem_id, ctx.now, "recommended", "review",
                    rec->display_name + " (" + rec->level + "), " + detail);
    }
  }
  Emit(tx, emit);
  return Answer(tx, ctx.who.name, cmd.request_id, cmd.problem_id, std::nullopt, outcome);
}

Result<pr::Done> RecordDecision(pqxx::transaction_base& tx, const CommandContext& ctx,
                                const pr::RecordDecision& cmd) {
  if (ctx.who.role != auth::Role::kCommissionerOffice && ctx.who.role != auth::Role::kOperator) {
    return Forbidden(ctx.who, "only commissioner offices and operators record decisions");
  }
  if (auto done = Answered(tx, ctx.who.name, cmd.request_id)) return *done;
  auto c = LoadCase(tx, cmd.problem_id);
  if (!c) {
    return MakeError("unknown_problem", "problem_id",
                     "problem " + std::to_string(cmd.problem_id) + " has no review case");
  }
  if (ctx.who.role == auth::Role::kCommissionerOffice && !InScope(ctx.who, c->city)) {
    return MakeError(
        "out_of_scope", "problem_id",
        ctx.who.name + " is not the commissioner office of city " + std::to_string(c->city));
  }
  const pqxx::result rec = tx.exec_params(
      "SELECT count(*) FROM review.recommendation WHERE problem_id = $1 AND level IS NOT NULL",
      cmd.problem_id);
  if (rec[0][0].as<int>() == 0) {
    return MakeError("no_recommendation", "problem_id",
                     "problem " + std::to_string(cmd.problem_id) +
                         " has no accountability recommendation to decide on");
  }
  if (cmd.level) {
    bool known = false;
    for (const Level& l : ctx.rules.levels()) known = known || l.name == *cmd.level;
    if (!known) {
      return MakeError("unknown_level", "level",
                       "'" + *cmd.level + "' is not a level of the rule table");
    }
  }
  tx.exec_params(
      "INSERT INTO review.decision (problem_id, decision, level, by, at) VALUES ($1, $2, $3, $4, "
      "$5)",
      cmd.problem_id, cmd.decision, Nullable(cmd.level), ctx.who.name, ctx.now);
  pr::DecisionRecorded d;
  d.problem_id = cmd.problem_id;
  d.decision = cmd.decision;
  d.level = cmd.level;
  d.by = ctx.who.name;
  d.at = ctx.now;
  Emit(tx, {Out(d, cmd.problem_id)});
  AppendHistory(tx, cmd.problem_id, ctx.now, "decision_recorded", ctx.who.name, cmd.decision);
  return Answer(tx, ctx.who.name, cmd.request_id, cmd.problem_id, std::nullopt,
                "decision_recorded");
}

std::vector<RecordedCase> LoadRecommendedCases(pqxx::transaction_base& tx) {
  // The case's facts as they stood when the recommendation was made (case_facts), so a what-if
  // over the same table changes nothing; rows from before that column use the case as it is.
  std::vector<RecordedCase> out;
  for (const auto& row :
       tx.exec("SELECT DISTINCT ON (r.problem_id) r.problem_id, coalesce(r.case_facts, "
               "jsonb_build_object('working_days_overdue', c.working_days_overdue, "
               "'failed_reinspections', c.failed_reinspections, 'listed', c.listed, "
               "'verified_facts', to_jsonb(o.verified_facts)))::text, coalesce(r.level, ''), "
               "coalesce(r.display_name, ''), r.points, r.rule_version, r.facts::text FROM "
               "review.recommendation r JOIN review.case_facts c USING (problem_id) JOIN "
               "review.opinion o ON o.id = r.opinion_id ORDER BY r.problem_id, r.id DESC")) {
    RecordedCase c;
    c.problem_id = row[0].as<std::int64_t>();
    const auto f = nlohmann::json::parse(row[1].as<std::string>());
    c.facts.working_days_overdue = f.at("working_days_overdue").get<int>();
    c.facts.failed_reinspections = f.at("failed_reinspections").get<int>();
    c.facts.listed = f.at("listed").get<bool>();
    for (const auto& v : f.at("verified_facts"))
      c.facts.verified_facts.insert(v.get<std::string>());
    c.made.level = row[2].as<std::string>();
    c.made.display_name = row[3].as<std::string>();
    c.made.points = row[4].as<int>();
    c.made.rule_version = row[5].as<int>();
    for (const auto& s : nlohmann::json::parse(row[6].as<std::string>())) {
      c.made.facts.push_back(ScoredFact{s.at("fact").get<std::string>(), s.at("count").get<int>(),
                                        s.at("points").get<int>()});
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace ducha::review
