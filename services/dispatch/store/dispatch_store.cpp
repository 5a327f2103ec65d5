#include "services/dispatch/store/dispatch_store.h"

#include <map>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "common/audit/chain.h"
#include "common/db/array.h"
#include "common/stream/decode.h"
#include "proto/dispatch_codec.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"

namespace ducha::dispatch {
namespace {

namespace pc = proto::common;
namespace pd = proto::dispatch;
namespace pi = proto::intake;

// The columns LoadProblem and the batch load read, in this order (after any leading columns).
constexpr const char* kSnapshotColumns =
    "p.problem_id, p.kind, p.body_code, p.body_name, p.body_kind, p.jurisdiction, p.city, "
    "p.channel, p.report_count, p.listed, p.listing_reason, p.deadline - date '1970-01-01'";

template <typename T>
T Expect(std::optional<T> v, const char* what, const std::string& text) {
  // The schema's CHECK constraints make this unreachable; a mismatch is a broken invariant.
  if (!v)
    throw std::logic_error(std::string("dispatch.problem holds an unknown ") + what + " '" + text +
                           "'");
  return *v;
}

ProblemSnapshot ReadSnapshot(const pqxx::row& row, pqxx::row::size_type first) {
  ProblemSnapshot s;
  auto col = [&](int i) { return row[first + static_cast<pqxx::row::size_type>(i)]; };
  s.problem_id = col(0).as<std::int64_t>();
  const auto kind = col(1).as<std::string>();
  s.kind = Expect(pd::ParseAssignmentKind(kind), "kind", kind);
  s.body.code = col(2).as<DivisionCode>();
  s.body.name = col(3).as<std::string>();
  const auto body_kind = col(4).as<std::string>();
  s.body.kind = Expect(pd::ParseBodyKind(body_kind), "body kind", body_kind);
  s.jurisdiction = col(5).as<DivisionCode>();
  s.city = col(6).as<DivisionCode>();
  const auto channel = col(7).as<std::string>();
  s.channel = Expect(pc::ParseChannel(channel), "channel", channel);
  s.report_count = col(8).as<int>();
  s.listed = col(9).as<bool>();
  if (!col(10).is_null()) {
    const auto reason = col(10).as<std::string>();
    s.listing_reason = Expect(pd::ParseListingReason(reason), "listing reason", reason);
  }
  s.deadline = col(11).as<Day>();
  return s;
}

pd::Body WireBody(const Body& b) {
  pd::Body w;
  w.code = std::to_string(b.code);
  w.name = b.name;
  w.kind = b.kind;
  return w;
}

std::string EncodeAssigned(const Assignment& a) {
  pd::ProblemAssigned e;
  e.problem_id = a.problem_id;
  e.report_id = a.report_id;
  e.kind = a.kind;
  e.body = WireBody(a.body);
  e.jurisdiction = std::to_string(a.jurisdiction);
  e.city = std::to_string(a.city);
  e.channel = a.channel;
  e.category = a.category;
  e.severity = a.severity;
  e.listed = a.listed;
  e.listing_reason = a.listing_reason;
  e.deadline = DateString(a.deadline);
  e.assigned_at = a.assigned_at;
  e.supervising_group = a.supervising_group;
  if (a.round) e.round = *a.round;
  e.title = a.title;
  return pd::Encode(e, "problem-" + std::to_string(a.problem_id));
}

std::string EncodeSourceAdded(const SourceAdded& s) {
  pd::SourceAdded e;
  e.problem_id = s.problem_id;
  e.report_id = s.report_id;
  e.channel = s.channel;
  e.report_count = s.report_count;
  e.at = s.at;
  return pd::Encode(e, "problem-" + std::to_string(s.problem_id));
}

std::string EncodeChanged(const Change& c, std::int64_t history_id) {
  pd::ProblemChanged e;
  e.problem_id = c.problem_id;
  e.history_id = history_id;
  e.change = c.kind;
  if (c.body) e.body = WireBody(*c.body);
  if (c.deadline) e.deadline = DateString(*c.deadline);
  e.listed = c.listed;
  e.reason = c.reason.size() > 2000 ? c.reason.substr(0, 2000) : c.reason;
  e.by = c.by;
  e.at = c.at;
  return pd::Encode(e, "problem-" + std::to_string(c.problem_id));
}

void AddOptionalInt(db::ArrayBuilder& a, const std::optional<long long>& v) {
  if (v) {
    a.AddInt(*v);
  } else {
    a.AddNull();
  }
}

std::optional<std::string> ReasonName(const std::optional<pd::ListingReason>& r) {
  if (!r) return std::nullopt;
  return std::string(pd::ToString(*r));
}

// The chained text of a change: what it changed from and to, and why.
std::string ChainDetail(const Change& c) {
  return c.old_value + " -> " + c.new_value + ": " + c.reason;
}

// Writes history rows (ids taken from the sequence first, so the events can carry them) and
// returns the ids in the order of `changes`.
std::vector<std::int64_t> InsertHistory(pqxx::transaction_base& tx,
                                        const std::vector<Change>& changes) {
  std::vector<std::int64_t> ids;
  if (changes.empty()) return ids;
  const pqxx::result r =
      tx.exec_params("SELECT nextval('dispatch.change_history_id_seq') FROM generate_series(1, $1)",
                     static_cast<long long>(changes.size()));
  ids.reserve(changes.size());
  for (const auto& row : r) ids.push_back(row[0].as<std::int64_t>());
  // Each problem's chain continues from its last line (the problems are locked by the caller).
  std::map<std::int64_t, std::string> head;
  {
    db::ArrayBuilder problems;
    for (const Change& c : changes) problems.AddInt(static_cast<long long>(c.problem_id));
    for (const auto& row : tx.exec_params(
             "SELECT DISTINCT ON (problem_id) problem_id, hash FROM dispatch.change_history WHERE "
             "problem_id = ANY($1::bigint[]) AND hash IS NOT NULL ORDER BY problem_id, id DESC",
             problems.Finish())) {
      head[row[0].as<std::int64_t>()] = row[1].as<std::string>();
    }
  }
  db::ArrayBuilder id, problem, change, old_value, new_value, by, reason, at, prev_hash, hash;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const Change& c = changes[i];
    const auto [it, fresh] = head.try_emplace(c.problem_id, audit::kGenesisHash);
    const std::string line = ChainDetail(c);
    const std::string h = audit::LineHash(it->second, c.problem_id, c.at,
                                          std::string(pd::ToString(c.kind)), c.by, line);
    prev_hash.Add(it->second);
    hash.Add(h);
    it->second = h;
    id.AddInt(static_cast<long long>(ids[i]));
    problem.AddInt(static_cast<long long>(c.problem_id));
    change.Add(pd::ToString(c.kind));
    old_value.Add(c.old_value);
    new_value.Add(c.new_value);
    by.Add(c.by);
    reason.Add(c.reason);
    at.AddInt(static_cast<long long>(c.at));
  }
  tx.exec_params(
      "INSERT INTO dispatch.change_history (id, problem_id, change, old_value, new_value, by, "
      "reason, at, prev_hash, hash) SELECT id, pid, ch, ov, nv, who, why, to_timestamp(at / "
      "1000.0), ph, h FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], "
      "$6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[]) AS x(id, pid, ch, ov, nv, "
      "who, why, at, ph, h)",
      id.Finish(), problem.Finish(), change.Finish(), old_value.Finish(), new_value.Finish(),
      by.Finish(), reason.Finish(), at.Finish(), prev_hash.Finish(), hash.Finish());
  return ids;
}

}  // namespace

ReportApplier::ReportApplier(const campaign::Campaign& campaign, const Clock& clock)
    : dispatcher_(campaign), clock_(clock), outbox_(kSchema) {}

stream::ApplyFn ReportApplier::AsApplyFn() {
  return [this](pqxx::transaction_base& tx, std::span<const stream::IncomingEvent> events) {
    return Apply(tx, events);
  };
}

std::vector<Status> ReportApplier::Apply(pqxx::transaction_base& tx,
                                         std::span<const stream::IncomingEvent> events) {
  std::vector<Status> out(events.size(), OkStatus());
  const timeutil::Millis now = clock_.Now();

  // 1. Decode. Other known event types of the reports stream are not dispatch's business.
  const auto reports = stream::DecodeEventsOf<pi::ReportAccepted>(events, out);
  db::ArrayBuilder wanted;
  for (const auto& report : reports) {
    if (!report) continue;
    wanted.AddInt(static_cast<long long>(report->report_id));
    if (report->duplicate_of) wanted.AddInt(static_cast<long long>(*report->duplicate_of));
  }

  // 2. The problems this batch touches: those of its reports (already applied?) and of the
  //    reports its duplicates repeat, locked against concurrent operator changes.
  std::unordered_map<std::int64_t, std::int64_t> problem_of_report;
  std::unordered_map<std::int64_t, ProblemSnapshot> problems;
  if (wanted.size() > 0) {
    // One primary-key probe per id, forced by the LATERAL subqueries: a plain join lets the
    // planner hash the whole problem_source table, which grows with every batch.
    const pqxx::result r = tx.exec_params(
        std::string("SELECT s.report_id, p.* FROM unnest($1::bigint[]) AS r(id) "
                    "CROSS JOIN LATERAL (SELECT report_id, problem_id FROM "
                    "dispatch.problem_source WHERE report_id = r.id LIMIT 1) s "
                    "CROSS JOIN LATERAL (SELECT ") +
            kSnapshotColumns +
            " FROM dispatch.problem p WHERE p.problem_id = s.problem_id FOR UPDATE) p",
        wanted.Finish());
    for (const auto& row : r) {
      ProblemSnapshot s = ReadSnapshot(row, 1);
      problem_of_report[row[0].as<std::int64_t>()] = s.problem_id;
      problems.emplace(s.problem_id, std::move(s));
    }
  }

  // 3. Decide in stream order.
  struct Source {
    std::int64_t report_id;
    std::int64_t problem_id;
    pc::Channel channel;
  };
  struct Pending {
    enum class Kind { kAssigned, kSourceAdded, kChanged } kind;
    std::size_t index;  // into fresh, added or changes
  };
  std::vector<Assignment> fresh;
  std::vector<SourceAdded> added;
  std::vector<Change> changes;
  std::vector<Source> sources;
  std::vector<Pending> pending;
  std::unordered_set<std::int64_t> fresh_ids;
  std::unordered_set<std::int64_t> updated;  // stored problems whose row changes
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (!reports[i]) continue;
    const pi::ReportAccepted& r = *reports[i];
    if (problem_of_report.contains(r.report_id)) {
      stats_.already_applied.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    const ProblemSnapshot* linked = nullptr;
    if (r.duplicate_of) {
      if (auto it = problem_of_report.find(*r.duplicate_of); it != problem_of_report.end()) {
        linked = &problems.at(it->second);
      }
    }
    auto decision = dispatcher_.Decide(r, linked, now);
    if (!decision) {
      out[i] = decision.error();
      continue;
    }
    if (auto* a = std::get_if<Assignment>(&*decision)) {
      problems[a->problem_id] = SnapshotOf(*a);
      problem_of_report[r.report_id] = a->problem_id;
      fresh_ids.insert(a->problem_id);
      sources.push_back({r.report_id, a->problem_id, r.channel});
      pending.push_back({Pending::Kind::kAssigned, fresh.size()});
      fresh.push_back(std::move(*a));
    } else {
      auto& s = std::get<SourceAdded>(*decision);
      ProblemSnapshot& p = problems.at(s.problem_id);
      p.report_count = s.report_count;
      problem_of_report[r.report_id] = s.problem_id;
      if (!fresh_ids.contains(s.problem_id)) updated.insert(s.problem_id);
      sources.push_back({r.report_id, s.problem_id, r.channel});
      pending.push_back({Pending::Kind::kSourceAdded, added.size()});
      if (s.listing) {
        ApplyChange(p, *s.listing);
        pending.push_back({Pending::Kind::kChanged, changes.size()});
        changes.push_back(*s.listing);
      }
      added.push_back(std::move(s));
    }
  }

  // 4. Write, one statement per table.
  if (!fresh.empty()) {
    db::ArrayBuilder id, kind, bcode, bname, bkind, jur, city, chan, cat, sev, listed, lreason,
        recv, deadline, grp, round, count, title;
    for (const Assignment& a : fresh) {
      const ProblemSnapshot& now_state = problems.at(a.problem_id);  // after this batch
      id.AddInt(static_cast<long long>(a.problem_id));
      kind.Add(pd::ToString(a.kind));
      bcode.AddInt(a.body.code);
      bname.Add(a.body.name);
      bkind.Add(pd::ToString(a.body.kind));
      jur.AddInt(a.jurisdiction);
      city.AddInt(a.city);
      chan.Add(pc::ToString(a.channel));
      cat.Add(pc::ToString(a.category));
      sev.Add(pc::ToString(a.severity));
      listed.Add(now_state.listed ? "true" : "false");
      lreason.AddOptional(ReasonName(now_state.listing_reason));
      recv.AddInt(static_cast<long long>(a.received_day));
      deadline.AddInt(static_cast<long long>(now_state.deadline));
      grp.AddOptional(a.supervising_group);
      AddOptionalInt(round, a.round ? std::optional<long long>(*a.round) : std::nullopt);
      count.AddInt(now_state.report_count);
      title.Add(a.title);
    }
    tx.exec_params(
        "INSERT INTO dispatch.problem (problem_id, kind, body_code, body_name, body_kind, "
        "jurisdiction, city, channel, category, severity, listed, listing_reason, received_day, "
        "deadline, group_id, round, report_count, title, created_at, updated_at) "
        "SELECT id, kind, bcode, bname, bkind, jur, city, chan, cat, sev, listed, lreason, "
        "date '1970-01-01' + recv, date '1970-01-01' + deadline, grp, rnd, cnt, title, "
        "to_timestamp($19 / 1000.0), to_timestamp($19 / 1000.0) "
        "FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::text[], $6::int[], "
        "$7::int[], $8::text[], $9::text[], $10::text[], $11::bool[], $12::text[], $13::int[], "
        "$14::int[], $15::text[], $16::int[], $17::int[], $18::text[]) "
        "AS x(id, kind, bcode, bname, bkind, jur, city, chan, cat, sev, listed, lreason, recv, "
        "deadline, grp, rnd, cnt, title) "
        "ON CONFLICT (problem_id) DO NOTHING",
        id.Finish(), kind.Finish(), bcode.Finish(), bname.Finish(), bkind.Finish(), jur.Finish(),
        city.Finish(), chan.Finish(), cat.Finish(), sev.Finish(), listed.Finish(), lreason.Finish(),
        recv.Finish(), deadline.Finish(), grp.Finish(), round.Finish(), count.Finish(),
        title.Finish(), static_cast<long long>(now));
  }
  if (!updated.empty()) {
    db::ArrayBuilder id, count, listed, lreason, deadline;
    for (const std::int64_t pid : updated) {
      const ProblemSnapshot& p = problems.at(pid);
      id.AddInt(static_cast<long long>(pid));
      count.AddInt(p.report_count);
      listed.Add(p.listed ? "true" : "false");
      lreason.AddOptional(ReasonName(p.listing_reason));
      deadline.AddInt(static_cast<long long>(p.deadline));
    }
    tx.exec_params(
        "UPDATE dispatch.problem p SET report_count = u.cnt, listed = u.listed, "
        "listing_reason = u.lreason, deadline = date '1970-01-01' + u.deadline, "
        "updated_at = to_timestamp($6 / 1000.0) "
        "FROM unnest($1::bigint[], $2::int[], $3::bool[], $4::text[], $5::int[]) "
        "AS u(id, cnt, listed, lreason, deadline) WHERE p.problem_id = u.id",
        id.Finish(), count.Finish(), listed.Finish(), lreason.Finish(), deadline.Finish(),
        static_cast<long long>(now));
  }
  if (!sources.empty()) {
    db::ArrayBuilder rid, pid, chan;
    for (const Source& s : sources) {
      rid.AddInt(static_cast<long long>(s.report_id));
      pid.AddInt(static_cast<long long>(s.problem_id));
      chan.Add(pc::ToString(s.channel));
    }
    tx.exec_params(
        "INSERT INTO dispatch.problem_source (report_id, problem_id, channel, added_at) "
        "SELECT rid, pid, chan, to_timestamp($4 / 1000.0) "
        "FROM unnest($1::bigint[], $2::bigint[], $3::text[]) AS x(rid, pid, chan) "
        "ON CONFLICT (report_id) DO NOTHING",
        rid.Finish(), pid.Finish(), chan.Finish(), static_cast<long long>(now));
  }
  const std::vector<std::int64_t> history_ids = InsertHistory(tx, changes);

  std::vector<stream::OutgoingEvent> outgoing;
  outgoing.reserve(pending.size());
  for (const Pending& p : pending) {
    switch (p.kind) {
      case Pending::Kind::kAssigned: {
        const Assignment& a = fresh[p.index];
        outgoing.push_back({std::string(pd::ProblemAssigned::kType), std::to_string(a.problem_id),
                            EncodeAssigned(a)});
        break;
      }
      case Pending::Kind::kSourceAdded: {
        const SourceAdded& s = added[p.index];
        outgoing.push_back({std::string(pd::SourceAdded::kType), std::to_string(s.problem_id),
                            EncodeSourceAdded(s)});
        break;
      }
      case Pending::Kind::kChanged: {
        const Change& c = changes[p.index];
        outgoing.push_back({std::string(pd::ProblemChanged::kType), std::to_string(c.problem_id),
                            EncodeChanged(c, history_ids[p.index])});
        break;
      }
    }
  }
  outbox_.AppendNumbered(tx, kAssignmentStream, outgoing);

  stats_.assigned.fetch_add(fresh.size(), std::memory_order_relaxed);
  stats_.sources_added.fetch_add(added.size(), std::memory_order_relaxed);
  stats_.listed_by_rule.fetch_add(changes.size(), std::memory_order_relaxed);
  for (const Status& s : out) {
    if (!s) stats_.rejected.fetch_add(1, std::memory_order_relaxed);
  }
  return out;
}

std::optional<ProblemSnapshot> LoadProblem(pqxx::transaction_base& tx, std::int64_t problem_id,
                                           bool for_update) {
  const pqxx::result r = tx.exec_params(std::string("SELECT ") + kSnapshotColumns +
                                            " FROM dispatch.problem p WHERE p.problem_id = $1" +
                                            (for_update ? " FOR UPDATE" : ""),
                                        problem_id);
  if (r.empty()) return std::nullopt;
  return ReadSnapshot(r[0], 0);
}

Result<CommandOutcome> ApplyCommand(pqxx::transaction_base& tx, const Dispatcher& dispatcher,
                                    const Command& command, const std::string& by,
                                    timeutil::Millis now) {
  const std::int64_t problem_id = std::visit([](const auto& c) { return c.problem_id; }, command);
  const auto problem = LoadProblem(tx, problem_id, /*for_update=*/true);
  if (!problem) return UnknownProblem(problem_id);
  const Result<Change> change = std::visit(
      [&](const auto& c) -> Result<Change> {
        using T = std::decay_t<decltype(c)>;
        if constexpr (std::is_same_v<T, pd::Reassign>) {
          return dispatcher.Reassign(*problem, c, by, now);
        } else if constexpr (std::is_same_v<T, pd::ChangeDeadline>) {
          return dispatcher.ChangeDeadline(*problem, c, by, now);
        } else {
          return dispatcher.SetListing(*problem, c, by, now);
        }
      },
      command);
  if (!change) return change.error();
  ProblemSnapshot after = *problem;
  ApplyChange(after, *change);
  const std::optional<std::string> listing_reason = ReasonName(after.listing_reason);
  tx.exec_params(
      "UPDATE dispatch.problem SET body_code = $2, body_name = $3, body_kind = $4, "
      "deadline = date '1970-01-01' + $5::int, listed = $6, listing_reason = $7, "
      "updated_at = to_timestamp($8 / 1000.0) WHERE problem_id = $1",
      problem_id, after.body.code, after.body.name, std::string(pd::ToString(after.body.kind)),
      static_cast<long long>(after.deadline), after.listed,
      listing_reason ? listing_reason->c_str() : nullptr, static_cast<long long>(now));
  const std::vector<std::int64_t> ids = InsertHistory(tx, {*change});
  stream::Outbox(kSchema).Append(tx, kAssignmentStream,
                                 {{std::string(pd::ProblemChanged::kType),
                                   std::to_string(problem_id), EncodeChanged(*change, ids[0])}});
  return CommandOutcome{problem_id, ids[0]};
}

std::vector<audit::AuditLine> LoadChangeChain(pqxx::transaction_base& tx, std::int64_t problem_id) {
  std::vector<audit::AuditLine> out;
  for (const auto& row : tx.exec_params(
           "SELECT id, problem_id, (extract(epoch FROM at) * 1000)::bigint, change, by, "
           "old_value || ' -> ' || new_value || ': ' || reason, prev_hash, hash FROM "
           "dispatch.change_history WHERE problem_id = $1 AND hash IS NOT NULL ORDER BY id",
           problem_id)) {
    out.push_back(audit::AuditLine{row[0].as<std::int64_t>(), row[1].as<std::int64_t>(),
                                   row[2].as<std::int64_t>(), row[3].as<std::string>(),
                                   row[4].as<std::string>(), row[5].as<std::string>(),
                                   row[6].as<std::string>(), row[7].as<std::string>()});
  }
  return out;
}

}  // namespace ducha::dispatch
