#include "services/tracking/store/actions.h"

#include <map>
#include <utility>

#include "common/db/array.h"
#include "services/tracking/store/ledger_store.h"

namespace ducha::tracking {
namespace {

using Key = std::pair<std::string, std::string>;  // (identity, request id)

struct Decide {
  const Ledger& ledger;
  const LedgerEntry& entry;
  const Actor& actor;
  timeutil::Millis now;

  Result<Decision> operator()(const Progress& a) const {
    return ledger.OnProgress(entry, actor, a, now);
  }
  Result<Decision> operator()(const VerificationResult& a) const {
    return ledger.OnVerificationResult(entry, actor, a, now);
  }
  Result<Decision> operator()(const Claim& a) const { return ledger.OnClaim(entry, actor, a, now); }
  Result<Decision> operator()(const RequestExtension& a) const {
    return ledger.OnExtensionRequest(entry, actor, a, now);
  }
  Result<Decision> operator()(const DecideExtension& a) const {
    return ledger.OnExtensionDecision(entry, actor, a, now);
  }
};

ActionOutcome OutcomeOf(const LedgerEntry& e) {
  return ActionOutcome{e.problem_id, e.state, e.deadline, e.extensions_used, false};
}

}  // namespace

std::vector<Result<ActionOutcome>> ApplyActions(pqxx::transaction_base& tx, const Ledger& ledger,
                                                const stream::Outbox& outbox,
                                                std::span<const ActionRequest> requests) {
  std::vector<Result<ActionOutcome>> out;
  out.reserve(requests.size());

  // Answers given before (a retry after a lost reply).
  std::map<Key, ActionOutcome> answered;
  {
    db::ArrayBuilder who, rid;
    for (const ActionRequest& r : requests) {
      who.Add(r.actor.name);
      rid.Add(r.request_id);
    }
    const pqxx::result rows = tx.exec_params(
        "SELECT a.identity, a.request_id, a.problem_id, a.state, a.deadline, a.extensions_used "
        "FROM tracking.action_request a JOIN unnest($1::text[], $2::text[]) AS k(w, r) "
        "ON a.identity = k.w AND a.request_id = k.r",
        who.Finish(), rid.Finish());
    for (const auto& row : rows) {
      const auto state = ParseState(row[3].as<std::string>());
      answered[{row[0].as<std::string>(), row[1].as<std::string>()}] =
          ActionOutcome{row[2].as<std::int64_t>(), state.value_or(State::kInRectification),
                        row[4].as<Day>(), row[5].as<int>(), true};
    }
  }

  std::vector<std::int64_t> ids;
  for (const ActionRequest& r : requests) {
    if (!answered.contains({r.actor.name, r.request_id})) ids.push_back(r.problem_id);
  }
  LedgerWork work(tx, ledger);
  work.Load(ids);

  db::ArrayBuilder a_who, a_rid, a_pid, a_state, a_deadline, a_ext;
  for (const ActionRequest& r : requests) {
    const Key key{r.actor.name, r.request_id};
    if (const auto it = answered.find(key); it != answered.end()) {
      ActionOutcome replay = it->second;
      replay.replayed = true;
      out.emplace_back(replay);
      continue;
    }
    const LedgerEntry* entry = work.Find(r.problem_id);
    if (!entry) {
      out.emplace_back(
          MakeError("unknown_problem", "problem_id",
                    "problem " + std::to_string(r.problem_id) + " is not in the ledger"));
      continue;
    }
    Result<Decision> d = std::visit(Decide{ledger, *entry, r.actor, r.now}, r.action);
    if (!d) {
      out.emplace_back(d.error());
      continue;
    }
    const ActionOutcome outcome = OutcomeOf(d->entry);
    work.Put(std::move(d).value());
    answered[key] = outcome;
    a_who.Add(r.actor.name);
    a_rid.Add(r.request_id);
    a_pid.AddInt(outcome.problem_id);
    a_state.Add(ToString(outcome.state));
    a_deadline.AddInt(outcome.deadline);
    a_ext.AddInt(outcome.extensions_used);
    out.emplace_back(outcome);
  }
  if (a_who.size() > 0) {
    tx.exec_params(
        "INSERT INTO tracking.action_request (identity, request_id, problem_id, state, deadline, "
        "extensions_used) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], "
        "$5::int[], $6::int[])",
        a_who.Finish(), a_rid.Finish(), a_pid.Finish(), a_state.Finish(), a_deadline.Finish(),
        a_ext.Finish());
  }
  work.Flush(outbox);
  return out;
}

}  // namespace ducha::tracking
