#include "services/tracking/store/appliers.h"

#include <variant>

#include "common/db/array.h"
#include "common/stream/decode.h"
#include "proto/dispatch_codec.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"
#include "proto/review_codec.h"
#include "services/tracking/store/ledger_store.h"

namespace ducha::tracking {
namespace {

namespace pc = proto::common;
namespace pd = proto::dispatch;
namespace pi = proto::intake;
namespace pr = proto::review;

using AssignmentEvent =
    std::variant<std::monostate, pd::ProblemAssigned, pd::SourceAdded, pd::ProblemChanged>;

template <typename M, typename V>
Status DecodeInto(const codec::Frame& frame, V& out) {
  auto m = codec::DecodeAs<M>(frame);
  if (!m) return m.error();
  out = std::move(m).value();
  return OkStatus();
}

std::int64_t ProblemOf(const AssignmentEvent& e) {
  return std::visit(
      [](const auto& m) -> std::int64_t {
        if constexpr (requires { m.problem_id; }) {
          return m.problem_id;
        } else {
          return 0;
        }
      },
      e);
}

Error UnknownProblem(std::int64_t id) {
  return MakeError("unknown_problem", "problem_id",
                   "problem " + std::to_string(id) + " is not in the ledger");
}

template <typename Applier>
stream::ApplyFn Bind(Applier* self) {
  return [self](pqxx::transaction_base& tx, std::span<const stream::IncomingEvent> events) {
    return self->Apply(tx, events);
  };
}

void Count(ApplierStats& stats, const std::vector<Status>& out) {
  for (const Status& s : out) {
    (s ? stats.applied : stats.rejected).fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace

AssignmentApplier::AssignmentApplier(const Ledger& ledger) : ledger_(ledger), outbox_(kSchema) {}

stream::ApplyFn AssignmentApplier::AsApplyFn() { return Bind(this); }

std::vector<Status> AssignmentApplier::Apply(pqxx::transaction_base& tx,
                                             std::span<const stream::IncomingEvent> events) {
  std::vector<Status> out(events.size(), OkStatus());
  std::vector<AssignmentEvent> decoded(events.size());
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto frame = proto::ParseMessage(events[i].payload);
    if (!frame) {
      out[i] = frame.error();
      continue;
    }
    const std::string_view type = frame->type();
    if (type == pd::ProblemAssigned::kType) {
      out[i] = DecodeInto<pd::ProblemAssigned>(*frame, decoded[i]);
    } else if (type == pd::SourceAdded::kType) {
      out[i] = DecodeInto<pd::SourceAdded>(*frame, decoded[i]);
    } else if (type == pd::ProblemChanged::kType) {
      out[i] = DecodeInto<pd::ProblemChanged>(*frame, decoded[i]);
    }  // other known types are not tracking's concern
    if (out[i] && ProblemOf(decoded[i]) != 0) ids.push_back(ProblemOf(decoded[i]));
  }
  LedgerWork work(tx, ledger_);
  work.Load(ids);
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (!out[i] || std::holds_alternative<std::monostate>(decoded[i])) continue;
    const std::int64_t id = ProblemOf(decoded[i]);
    const LedgerEntry* entry = work.Find(id);
    Result<Decision> d = std::visit(
        [&](const auto& m) -> Result<Decision> {
          using M = std::decay_t<decltype(m)>;
          if constexpr (std::is_same_v<M, pd::ProblemAssigned>) {
            if (entry) {
              return MakeError("already_assigned", "problem_id",
                               "problem " + std::to_string(id) + " is already in the ledger");
            }
            return ledger_.OnAssigned(m);
          } else if constexpr (std::is_same_v<M, pd::SourceAdded>) {
            if (!entry) return UnknownProblem(id);
            return ledger_.OnSourceAdded(*entry, m);
          } else if constexpr (std::is_same_v<M, pd::ProblemChanged>) {
            if (!entry) return UnknownProblem(id);
            return ledger_.OnChanged(*entry, m);
          } else {
            return MakeError("internal", "", "no event");
          }
        },
        decoded[i]);
    if (!d) {
      out[i] = d.error();
      continue;
    }
    work.Put(std::move(d).value());
  }
  stats_.events_emitted.fetch_add(work.Flush(outbox_), std::memory_order_relaxed);
  Count(stats_, out);
  return out;
}

ReinspectionApplier::ReinspectionApplier(const Ledger& ledger)
    : ledger_(ledger), outbox_(kSchema) {}

stream::ApplyFn ReinspectionApplier::AsApplyFn() { return Bind(this); }

std::vector<Status> ReinspectionApplier::Apply(pqxx::transaction_base& tx,
                                               std::span<const stream::IncomingEvent> events) {
  std::vector<Status> out(events.size(), OkStatus());
  const auto decoded = stream::DecodeEventsOf<pr::ReinspectionConcluded>(events, out);
  std::vector<std::int64_t> ids;
  for (const auto& m : decoded) {
    if (m) ids.push_back(m->problem_id);
  }
  LedgerWork work(tx, ledger_);
  work.Load(ids);
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (!out[i] || !decoded[i]) continue;
    const pr::ReinspectionConcluded& m = *decoded[i];
    const LedgerEntry* entry = work.Find(m.problem_id);
    if (!entry) {
      out[i] = UnknownProblem(m.problem_id);
      continue;
    }
    const Actor review{m.by, ActorRole::kReview, {}};
    Result<Decision> d =
        m.passed ? ledger_.OnReinspectionPassed(*entry, review,
                                                ReinspectionPassed{m.findings.value_or("")}, m.at)
                 : ledger_.OnReinspectionFailed(*entry, review,
                                                ReinspectionFailed{m.findings.value_or("")}, m.at);
    if (!d) {
      out[i] = d.error();
      continue;
    }
    work.Put(std::move(d).value());
  }
  stats_.events_emitted.fetch_add(work.Flush(outbox_), std::memory_order_relaxed);
  Count(stats_, out);
  return out;
}

stream::ApplyFn VisitApplier::AsApplyFn() { return Bind(this); }

std::vector<Status> VisitApplier::Apply(pqxx::transaction_base& tx,
                                        std::span<const stream::IncomingEvent> events) {
  std::vector<Status> out(events.size(), OkStatus());
  db::ArrayBuilder id, group, round, county, city, day, tasks, found, note, methods, mode;
  const auto visits = stream::DecodeEventsOf<pi::VisitReported>(events, out);
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (!visits[i]) continue;
    const pi::VisitReported* m = &*visits[i];
    const auto visit_day = timeutil::ParseDate(m->visit_date);
    if (!visit_day) {
      out[i] = MakeError("invalid_format", "visit_date", "'" + m->visit_date + "' is not a date");
      continue;
    }
    id.AddInt(m->visit_id);
    group.Add(m->group_id);
    round.AddInt(m->round);
    county.Add(m->county);
    city.Add(m->city);
    day.AddInt(*visit_day);
    db::ArrayBuilder list;
    for (const auto task : m->tasks) list.Add(pc::ToString(task));
    tasks.Add(list.Finish());
    found.AddInt(m->problems_found);
    note.AddOptional(m->note);
    db::ArrayBuilder how;
    for (const auto method : m->methods) how.Add(pi::ToString(method));
    methods.Add(how.Finish());
    if (m->mode) {
      mode.Add(pi::ToString(*m->mode));
    } else {
      mode.AddNull();
    }
  }
  if (id.size() > 0) {
    // A redelivered visit (same id) changes nothing.
    tx.exec_params(
        "INSERT INTO tracking.visit (visit_id, group_id, round, county, city, visit_day, tasks, "
        "problems_found, note, methods, mode) SELECT i, g, r, c::int, ci::int, d, t::text[], f, "
        "n, hw::text[], md FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], "
        "$5::text[], $6::int[], $7::text[], $8::int[], $9::text[], $10::text[], $11::text[]) AS "
        "u(i, g, r, c, ci, d, t, f, n, hw, md) ON CONFLICT (visit_id) DO NOTHING",
        id.Finish(), group.Finish(), round.Finish(), county.Finish(), city.Finish(), day.Finish(),
        tasks.Finish(), found.Finish(), note.Finish(), methods.Finish(), mode.Finish());
  }
  Count(stats_, out);
  return out;
}

}  // namespace ducha::tracking
