#include "services/tracking/store/ledger_store.h"

#include <algorithm>
#include <charconv>
#include <exception>
#include <stdexcept>
#include <string_view>
#include <thread>

#include "common/audit/chain.h"
#include "common/db/array.h"
#include "common/db/copy.h"
#include "services/tracking/core/wire.h"

namespace ducha::tracking {
namespace {

namespace pc = proto::common;
namespace pd = proto::dispatch;

// From tracking.ledger l JOIN tracking.ledger_clock c USING (problem_id). The clock repeats the
// state, the deadline and the body (migration 004); the ledger's are read.
constexpr const char* kColumns =
    "problem_id, l.kind, l.body_code, l.body_name, l.body_kind, l.jurisdiction, l.city, "
    "l.channel, l.category, l.severity, l.listed, l.title, l.report_count, l.supervising_group, "
    "l.round, l.state, l.assigned_day, l.deadline, l.deadline_started_day, l.extensions_used, "
    "l.pending_days, l.pending_reason, l.pending_by, l.pending_at, l.reopen_count, "
    "l.verification_explanation, array_to_string(c.warnings_sent, ','), c.overdue_notified, "
    "c.escalation_rung, c.history_head";

template <typename T>
T Expect(std::optional<T> v, const char* what, const std::string& text) {
  // The schema's CHECK constraints make this unreachable; a mismatch is a broken invariant.
  if (!v) {
    throw std::logic_error(std::string("tracking.ledger holds an unknown ") + what + " '" + text +
                           "'");
  }
  return *v;
}

std::vector<double> ParseFractions(std::string_view text) {
  std::vector<double> out;
  const char* p = text.data();
  const char* const end = p + text.size();
  while (p < end) {
    double v = 0;
    const auto r = std::from_chars(p, end, v);
    if (r.ec != std::errc()) {
      throw std::runtime_error("tracking.ledger_clock: bad warning fraction in '" +
                               std::string(text) + "'");
    }
    out.push_back(v);
    p = r.ptr < end && *r.ptr == ',' ? r.ptr + 1 : r.ptr;
  }
  return out;
}

// The shortest form that reads back as the same double.
std::string FractionsLiteral(const std::vector<double>& fractions) {
  std::string out = "{";
  for (std::size_t i = 0; i < fractions.size(); ++i) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, fractions[i]);
    if (i) out += ',';
    out.append(buf, r.ptr);
  }
  return out + "}";
}

LedgerEntry ReadEntry(const pqxx::row& row) {
  LedgerEntry e;
  e.problem_id = row[0].as<std::int64_t>();
  const auto kind = row[1].as<std::string>();
  e.kind = Expect(pd::ParseAssignmentKind(kind), "kind", kind);
  e.body.code = row[2].as<DivisionCode>();
  e.body.name = row[3].as<std::string>();
  const auto body_kind = row[4].as<std::string>();
  e.body.kind = Expect(pd::ParseBodyKind(body_kind), "body kind", body_kind);
  e.jurisdiction = row[5].as<DivisionCode>();
  e.city = row[6].as<DivisionCode>();
  const auto channel = row[7].as<std::string>();
  e.channel = Expect(pc::ParseChannel(channel), "channel", channel);
  const auto category = row[8].as<std::string>();
  e.category = Expect(pc::ParseCategory(category), "category", category);
  const auto severity = row[9].as<std::string>();
  e.severity = Expect(pc::ParseSeverity(severity), "severity", severity);
  e.listed = row[10].as<bool>();
  e.title = row[11].as<std::string>();
  e.report_count = row[12].as<int>();
  if (!row[13].is_null()) e.supervising_group = row[13].as<std::string>();
  if (!row[14].is_null()) e.round = row[14].as<int>();
  const auto state = row[15].as<std::string>();
  e.state = Expect(ParseState(state), "state", state);
  e.assigned_day = row[16].as<Day>();
  e.deadline = row[17].as<Day>();
  e.deadline_started_day = row[18].as<Day>();
  e.extensions_used = row[19].as<int>();
  if (!row[20].is_null()) {
    e.pending_extension = PendingExtension{row[20].as<int>(), row[21].as<std::string>(),
                                           row[22].as<std::string>(), row[23].as<std::int64_t>()};
  }
  e.reopen_count = row[24].as<int>();
  if (!row[25].is_null()) e.verification_explanation = row[25].as<std::string>();
  e.warnings_sent = ParseFractions(row[26].is_null() ? "" : row[26].as<std::string>());
  e.overdue_notified = row[27].as<bool>();
  e.escalation_rung = row[28].as<int>();
  return e;
}

// What the sweep reads, all from tracking.ledger_clock: what Ledger::Sweep, Ledger::NextDueDay
// and the clock's events need (the state, the deadline, the body, the marks) and the history
// chain's head.
constexpr const char* kClockColumns =
    "problem_id, state, deadline, deadline_started_day, body_code, body_name, body_kind, "
    "array_to_string(warnings_sent, ','), overdue_notified, escalation_rung, history_head, "
    "xmin::text, ctid::text";

// An entry with only the clock's fields set: enough to sweep it and to write its marks
// (LedgerWork::Flush with marks_only), never to write the whole entry.
LedgerEntry ReadClockEntry(const pqxx::row& row) {
  LedgerEntry e;
  e.problem_id = row[0].as<std::int64_t>();
  const auto state = row[1].as<std::string>();
  e.state = Expect(ParseState(state), "state", state);
  e.deadline = row[2].as<Day>();
  e.deadline_started_day = row[3].as<Day>();
  e.body.code = row[4].as<DivisionCode>();
  e.body.name = row[5].as<std::string>();
  const auto body_kind = row[6].as<std::string>();
  e.body.kind = Expect(pd::ParseBodyKind(body_kind), "body kind", body_kind);
  e.warnings_sent = ParseFractions(row[7].is_null() ? "" : row[7].as<std::string>());
  e.overdue_notified = row[8].as<bool>();
  e.escalation_rung = row[9].as<int>();
  return e;
}

void AddBool(db::ArrayBuilder& a, bool v) { a.Add(v ? "t" : "f"); }

void AddNextDue(db::ArrayBuilder& a, const std::optional<Day>& day) {
  if (day) {
    a.AddInt(*day);
  } else {
    a.AddNull();
  }
}

}  // namespace

const char* ClockChanged::what() const noexcept {
  return "a swept entry changed between its read and its update";
}

LedgerWork::LedgerWork(pqxx::transaction_base& tx, const Ledger& ledger)
    : tx_(tx), ledger_(ledger) {}

void LedgerWork::Adopt(const pqxx::result& rows) {
  for (const auto& row : rows) {
    LedgerEntry e = ReadEntry(row);
    const std::int64_t id = e.problem_id;
    if (!row[29].is_null()) heads_[id] = row[29].as<std::string>();
    entries_.emplace(id, std::move(e));
  }
}

void LedgerWork::AdoptClock(const pqxx::result& rows) {
  for (const auto& row : rows) {
    LedgerEntry e = ReadClockEntry(row);
    const std::int64_t id = e.problem_id;
    if (!row[10].is_null()) heads_[id] = row[10].as<std::string>();
    versions_[id] = RowVersion{row[11].as<std::string>(), row[12].as<std::string>()};
    entries_.emplace(id, std::move(e));
  }
}

void LedgerWork::Load(std::span<const std::int64_t> ids) {
  db::ArrayBuilder wanted;
  for (std::int64_t id : ids) {
    if (!entries_.contains(id)) wanted.AddInt(id);
  }
  if (wanted.size() == 0) return;
  Adopt(
      tx_.exec_params(std::string("SELECT ") + kColumns +
                          " FROM tracking.ledger l JOIN tracking.ledger_clock c USING (problem_id) "
                          "WHERE l.problem_id = ANY($1::bigint[]) AND "
                          "c.problem_id = ANY($1::bigint[]) "
                          "ORDER BY problem_id FOR UPDATE",
                      wanted.Finish()));
}

const LedgerEntry* LedgerWork::Find(std::int64_t problem_id) const {
  const auto it = entries_.find(problem_id);
  return it == entries_.end() ? nullptr : &it->second;
}

void LedgerWork::Put(Decision decision) {
  const std::int64_t id = decision.entry.problem_id;
  for (const Event& ev : decision.events) {
    WireEvent w = ToWire(ev, decision.entry);
    events_.push_back(
        stream::OutgoingEvent{std::move(w.type), std::to_string(id), std::move(w.payload)});
  }
  entries_.insert_or_assign(id, std::move(decision.entry));
  dirty_[id] = true;
}

std::size_t LedgerWork::Flush(const stream::Outbox& outbox, bool marks_only) {
  if (dirty_.empty()) return 0;
  db::CopyBatch lines;  // the new history lines: about one per entry, rarely above 512 bytes
  lines.Reserve(dirty_.size() * 512);
  db::ArrayBuilder head;
  db::ArrayBuilder id, warnings, overdue, rung, next_due, xmin, ctid;
  db::ArrayBuilder kind, body_code, body_name, body_kind, jurisdiction, city, channel, category,
      severity, listed, title, report_count, group, round, state, assigned_day, deadline, started,
      extensions, p_days, p_reason, p_by, p_at, reopen, explanation;
  for (const auto& [problem_id, unused] : dirty_) {
    LedgerEntry& e = entries_.at(problem_id);
    // Each new line continues the problem's hash chain from its head.
    std::string& chain = heads_.try_emplace(problem_id, audit::kGenesisHash).first->second;
    for (const HistoryEntry& h : e.history) {
      lines.Int(problem_id).Int(h.at).Text(h.what).Text(h.by).Text(h.detail).Text(chain);
      chain = audit::LineHash(chain, problem_id, h.at, h.what, h.by, h.detail);
      lines.Text(chain).EndRow();
    }
    head.Add(chain);
    e.history.clear();
    id.AddInt(problem_id);
    warnings.Add(FractionsLiteral(e.warnings_sent));
    AddBool(overdue, e.overdue_notified);
    rung.AddInt(e.escalation_rung);
    AddNextDue(next_due, ledger_.NextDueDay(e));
    if (marks_only) {
      const RowVersion& v = versions_.at(problem_id);
      xmin.Add(v.xmin);
      ctid.Add(v.ctid);
      continue;
    }
    kind.Add(pd::ToString(e.kind));
    body_code.AddInt(e.body.code);
    body_name.Add(e.body.name);
    body_kind.Add(pd::ToString(e.body.kind));
    jurisdiction.AddInt(e.jurisdiction);
    city.AddInt(e.city);
    channel.Add(pc::ToString(e.channel));
    category.Add(pc::ToString(e.category));
    severity.Add(pc::ToString(e.severity));
    AddBool(listed, e.listed);
    title.Add(e.title);
    report_count.AddInt(e.report_count);
    group.AddOptional(e.supervising_group);
    if (e.round) {
      round.AddInt(*e.round);
    } else {
      round.AddNull();
    }
    state.Add(ToString(e.state));
    assigned_day.AddInt(e.assigned_day);
    deadline.AddInt(e.deadline);
    started.AddInt(e.deadline_started_day);
    extensions.AddInt(e.extensions_used);
    if (e.pending_extension) {
      p_days.AddInt(e.pending_extension->working_days);
      p_reason.Add(e.pending_extension->reason);
      p_by.Add(e.pending_extension->by);
      p_at.AddInt(e.pending_extension->at);
    } else {
      p_days.AddNull();
      p_reason.AddNull();
      p_by.AddNull();
      p_at.AddNull();
    }
    reopen.AddInt(e.reopen_count);
    explanation.AddOptional(e.verification_explanation);
  }
  dirty_.clear();

  if (marks_only) {
    // Only the row versions read, found by their ctid (no index lookup) and checked by problem
    // and xmin: a row an action changed in between is left alone (its ctid is the old version,
    // which the update skips), and the whole unit is refused before anything else is written.
    const std::size_t expected = id.size();
    const pqxx::result r = tx_.exec_params(
        "UPDATE tracking.ledger_clock c SET warnings_sent = u.w::float8[], overdue_notified = "
        "u.o, escalation_rung = u.r, next_due_day = u.n, history_head = u.h "
        "FROM unnest($1::bigint[], $2::text[], $3::bool[], $4::int[], $5::int[], $6::text[], "
        "$7::xid[], $8::tid[]) AS u(id, w, o, r, n, h, x, t) "
        "WHERE c.ctid = u.t AND c.problem_id = u.id AND c.xmin = u.x",
        id.Finish(), warnings.Finish(), overdue.Finish(), rung.Finish(), next_due.Finish(),
        head.Finish(), xmin.Finish(), ctid.Finish());
    if (static_cast<std::size_t>(r.affected_rows()) != expected) throw ClockChanged();
  } else {
    // The clock's copy of the state, the deadline and the body (migration 004) is written with
    // the ledger row, so the two never differ.
    tx_.exec_params(
        "INSERT INTO tracking.ledger_clock (problem_id, warnings_sent, overdue_notified, "
        "escalation_rung, next_due_day, history_head, state, deadline, deadline_started_day, "
        "body_code, body_name, body_kind) SELECT id, w::float8[], o, r, n, h, st, dl, sd, bc, bn, "
        "bk FROM unnest($1::bigint[], $2::text[], $3::bool[], $4::int[], $5::int[], $6::text[], "
        "$7::text[], $8::int[], $9::int[], $10::int[], $11::text[], $12::text[]) "
        "AS u(id, w, o, r, n, h, st, dl, sd, bc, bn, bk) ON CONFLICT (problem_id) DO UPDATE SET "
        "warnings_sent = excluded.warnings_sent, overdue_notified = excluded.overdue_notified, "
        "escalation_rung = excluded.escalation_rung, next_due_day = excluded.next_due_day, "
        "history_head = excluded.history_head, state = excluded.state, deadline = "
        "excluded.deadline, deadline_started_day = excluded.deadline_started_day, body_code = "
        "excluded.body_code, body_name = excluded.body_name, body_kind = excluded.body_kind",
        id.Finish(), warnings.Finish(), overdue.Finish(), rung.Finish(), next_due.Finish(),
        head.Finish(), state.Finish(), deadline.Finish(), started.Finish(), body_code.Finish(),
        body_name.Finish(), body_kind.Finish());
    tx_.exec_params(
        "INSERT INTO tracking.ledger (problem_id, kind, body_code, body_name, body_kind, "
        "jurisdiction, city, channel, category, severity, listed, title, report_count, "
        "supervising_group, round, state, assigned_day, deadline, deadline_started_day, "
        "extensions_used, pending_days, pending_reason, pending_by, pending_at, reopen_count, "
        "verification_explanation) "
        "SELECT id, k, bc, bn, bk, j, c, ch, ca, se, li, ti, rc, g, ro, st, ad, dl, sd, ex, pd, "
        "pr, "
        "pb, pa, re, ve FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::text[], "
        "$6::int[], $7::int[], $8::text[], $9::text[], $10::text[], $11::bool[], $12::text[], "
        "$13::int[], $14::text[], $15::int[], $16::text[], $17::int[], $18::int[], $19::int[], "
        "$20::int[], $21::int[], $22::text[], $23::text[], $24::bigint[], $25::int[], "
        "$26::text[]) AS u(id, k, bc, bn, bk, j, c, ch, ca, se, li, ti, rc, g, ro, st, ad, dl, sd, "
        "ex, pd, pr, pb, pa, re, ve) "
        "ON CONFLICT (problem_id) DO UPDATE SET kind = excluded.kind, "
        "body_code = excluded.body_code, body_name = excluded.body_name, body_kind = "
        "excluded.body_kind, jurisdiction = excluded.jurisdiction, city = excluded.city, "
        "channel = excluded.channel, category = excluded.category, severity = "
        "excluded.severity, listed = excluded.listed, title = excluded.title, report_count = "
        "excluded.report_count, supervising_group = excluded.supervising_group, round = "
        "excluded.round, state = excluded.state, assigned_day = excluded.assigned_day, "
        "deadline = excluded.deadline, deadline_started_day = excluded.deadline_started_day, "
        "extensions_used = excluded.extensions_used, pending_days = excluded.pending_days, "
        "pending_reason = excluded.pending_reason, pending_by = excluded.pending_by, "
        "pending_at = excluded.pending_at, reopen_count = excluded.reopen_count, "
        "verification_explanation = excluded.verification_explanation, updated_at = now()",
        id.Finish(), kind.Finish(), body_code.Finish(), body_name.Finish(), body_kind.Finish(),
        jurisdiction.Finish(), city.Finish(), channel.Finish(), category.Finish(),
        severity.Finish(), listed.Finish(), title.Finish(), report_count.Finish(), group.Finish(),
        round.Finish(), state.Finish(), assigned_day.Finish(), deadline.Finish(), started.Finish(),
        extensions.Finish(), p_days.Finish(), p_reason.Finish(), p_by.Finish(), p_at.Finish(),
        reopen.Finish(), explanation.Finish());
  }
  // COPY: no array literals to build and parse, no tuplestore for unnest (which spilled to disk
  // at the larger chunk sizes). Measured with bench/tracking_bench.
  static const std::vector<std::string> kHistoryColumns{"problem_id", "at",        "what", "by",
                                                        "detail",     "prev_hash", "hash"};
  lines.Write(tx_, "tracking.history", kHistoryColumns);
  // Last: the stream's head row stays locked only from here to the caller's commit.
  const std::size_t written = events_.size();
  if (!events_.empty()) outbox.AppendNumbered(tx_, kLedgerStream, events_);
  events_.clear();
  return written;
}

std::optional<LedgerEntry> LoadCase(pqxx::transaction_base& tx, std::int64_t problem_id) {
  const pqxx::result r = tx.exec_params(std::string("SELECT ") + kColumns +
                                            " FROM tracking.ledger l JOIN tracking.ledger_clock c "
                                            "USING (problem_id) WHERE problem_id = $1",
                                        problem_id);
  if (r.empty()) return std::nullopt;
  LedgerEntry e = ReadEntry(r[0]);
  for (const auto& row : tx.exec_params("SELECT at, what, by, detail FROM tracking.history "
                                        "WHERE problem_id = $1 ORDER BY id",
                                        problem_id)) {
    e.history.push_back(HistoryEntry{row[0].as<std::int64_t>(), row[1].as<std::string>(),
                                     row[2].as<std::string>(), row[3].as<std::string>()});
  }
  return e;
}

struct SweepAccess {
  static void AdoptClock(LedgerWork& work, const pqxx::result& rows) { work.AdoptClock(rows); }
  static std::vector<std::int64_t> Ids(const LedgerWork& work) {
    std::vector<std::int64_t> ids;
    ids.reserve(work.entries_.size());
    for (const auto& [id, unused] : work.entries_) ids.push_back(id);
    std::sort(ids.begin(), ids.end());
    return ids;
  }
};

namespace {

// One partition (problem_id % modulus == remainder) of the due entries.
Result<SweepStats> SweepPartition(db::Connection& conn, const Ledger& ledger,
                                  const stream::Outbox& outbox, Day today, int chunk, int modulus,
                                  int remainder) {
  SweepStats stats;
  Day after_day = std::numeric_limits<std::int32_t>::min();
  std::int64_t after_id = 0;
  for (;;) {
    struct Chunk {
      std::size_t rows = 0;
      std::int64_t entries = 0;
      std::int64_t events = 0;
      Day last_day = 0;
      std::int64_t last_id = 0;
      bool full = false;  // the window was full: there may be more
      std::optional<Error> error;
    };
    // Unlocked first; locked when the unlocked try found an entry changed under it.
    bool locked = false;
    const auto sweep_chunk = [&](pqxx::work& tx) {
      Chunk out;
      LedgerWork work(tx, ledger);
      // A window of the due index, in order (workers x chunk entries), of which this worker
      // keeps its own; a filter on the partition inside one query made the planner sort the
      // whole due set on every chunk (measured with bench/tracking_bench).
      const pqxx::result window = tx.exec_params(
          "SELECT problem_id, next_due_day FROM tracking.ledger_clock WHERE next_due_day <= $1 "
          "AND (next_due_day, problem_id) > ($2, $3) ORDER BY next_due_day, problem_id LIMIT $4",
          static_cast<long long>(today), static_cast<long long>(after_day),
          static_cast<long long>(after_id), static_cast<long long>(chunk) * modulus);
      out.rows = window.size();
      if (window.empty()) return out;
      out.last_day = window.back()[1].as<Day>();
      out.last_id = window.back()[0].as<std::int64_t>();
      out.full =
          window.size() == static_cast<std::size_t>(chunk) * static_cast<std::size_t>(modulus);
      db::ArrayBuilder mine;
      for (const auto& row : window) {
        const auto id = row[0].as<std::int64_t>();
        if (id % modulus == remainder) mine.AddInt(id);
      }
      if (mine.size() == 0) return out;
      const std::string ids = mine.Finish();
      // Only the clock's rows, and only those still due (an action may have moved one since the
      // window was read): reading the wide ledger rows as well made this select the largest
      // part of the sweep's database time at 1,000,000 problems. Unlocked, because locking
      // every row (a WAL record each, and the page's full image after a checkpoint) cost more
      // than the rare retry: the update in Flush takes only rows still as read. Measured with
      // bench/tracking_bench.
      const pqxx::result rows =
          tx.exec_params(std::string("SELECT ") + kClockColumns +
                             " FROM tracking.ledger_clock WHERE problem_id = ANY($1::bigint[]) AND "
                             "next_due_day <= $2 ORDER BY problem_id" +
                             (locked ? " FOR UPDATE" : ""),
                         ids, static_cast<long long>(today));
      SweepAccess::AdoptClock(work, rows);
      for (std::int64_t id : SweepAccess::Ids(work)) {
        auto d = ledger.Sweep(*work.Find(id), today);
        if (!d) {
          out.error = d.error();
          return out;
        }
        if (!d->events.empty()) ++out.entries;
        // Entries with nothing due still get their next due day rewritten (it moved past today).
        work.Put(std::move(d).value());
      }
      out.events = static_cast<std::int64_t>(work.Flush(outbox, /*marks_only=*/true));
      return out;
    };
    Chunk c;
    try {
      c = conn.Transact(sweep_chunk);
    } catch (const ClockChanged&) {
      ++stats.retried;
      locked = true;
      c = conn.Transact(sweep_chunk);
    }
    if (c.error) return *c.error;
    stats.entries += c.entries;
    stats.events += c.events;
    if (c.rows == 0) break;
    ++stats.chunks;
    after_day = c.last_day;
    after_id = c.last_id;
    if (!c.full) break;
  }
  return stats;
}

}  // namespace

Result<SweepStats> SweepDue(db::Connection& conn, const Ledger& ledger,
                            const stream::Outbox& outbox, Day today, int chunk) {
  return SweepPartition(conn, ledger, outbox, today, chunk, 1, 0);
}

Result<SweepStats> SweepDueParallel(std::span<db::Connection* const> conns, const Ledger& ledger,
                                    const stream::Outbox& outbox, Day today, int chunk) {
  const int workers = static_cast<int>(conns.size());
  if (workers == 1) return SweepDue(*conns[0], ledger, outbox, today, chunk);
  std::vector<Result<SweepStats>> results(static_cast<std::size_t>(workers), SweepStats{});
  std::vector<std::exception_ptr> failures(static_cast<std::size_t>(workers));
  {
    std::vector<std::jthread> threads;
    for (int w = 0; w < workers; ++w) {
      threads.emplace_back([&, w] {
        try {
          results[static_cast<std::size_t>(w)] = SweepPartition(
              *conns[static_cast<std::size_t>(w)], ledger, outbox, today, chunk, workers, w);
        } catch (...) {
          failures[static_cast<std::size_t>(w)] = std::current_exception();
        }
      });
    }
  }
  for (const std::exception_ptr& f : failures) {
    if (f) std::rethrow_exception(f);
  }
  SweepStats total;
  for (const auto& r : results) {
    if (!r) return r.error();
    total.entries += r->entries;
    total.events += r->events;
    total.chunks += r->chunks;
    total.retried += r->retried;
  }
  return total;
}

std::vector<audit::AuditLine> LoadHistoryChain(pqxx::transaction_base& tx,
                                               std::int64_t problem_id) {
  std::vector<audit::AuditLine> out;
  for (const auto& row : tx.exec_params(
           "SELECT id, problem_id, at, what, by, detail, prev_hash, hash FROM tracking.history "
           "WHERE problem_id = $1 AND hash IS NOT NULL ORDER BY id",
           problem_id)) {
    out.push_back(audit::AuditLine{row[0].as<std::int64_t>(), row[1].as<std::int64_t>(),
                                   row[2].as<std::int64_t>(), row[3].as<std::string>(),
                                   row[4].as<std::string>(), row[5].as<std::string>(),
                                   row[6].as<std::string>(), row[7].as<std::string>()});
  }
  return out;
}

}  // namespace ducha::tracking
