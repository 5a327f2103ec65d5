#pragma once
// The ApplyFns of tracking's stream consumers (common/stream/consumer.h). Each applies a whole
// batch inside the consumer's transaction, set-based: decode every event, load the entries the
// batch touches in one query, decide in stream order with the pure Ledger, write once. An event
// that cannot be decoded or decided gets an Error and leaves no trace (the consumer parks it).
//
//  - AssignmentApplier follows dispatch's `assignments`: problem_assigned opens an entry,
//    source_added and problem_changed update it.
//  - ReinspectionApplier follows review's `reinspections`: a passed re-inspection closes the
//    problem as rectified, a failed one reopens it with a new deadline.
//  - VisitApplier follows intake's `visits`: the groups' visits, for the coverage matrix.
//
// One thread at a time per instance; the counters may be read from any thread.

#include <atomic>
#include <cstdint>
#include <span>
#include <vector>

#include "common/base/result.h"
#include "common/stream/consumer.h"
#include "common/stream/outbox.h"
#include "services/tracking/core/ledger.h"

namespace ducha::tracking {

struct ApplierStats {
  std::atomic<std::uint64_t> applied{0};
  std::atomic<std::uint64_t> rejected{0};  // handed back as errors (dead letters)
  std::atomic<std::uint64_t> events_emitted{0};
};

class AssignmentApplier {
 public:
  explicit AssignmentApplier(const Ledger& ledger);
  std::vector<Status> Apply(pqxx::transaction_base& tx,
                            std::span<const stream::IncomingEvent> events);
  stream::ApplyFn AsApplyFn();
  const ApplierStats& stats() const { return stats_; }

 private:
  const Ledger& ledger_;
  stream::Outbox outbox_;
  ApplierStats stats_;
};

class ReinspectionApplier {
 public:
  explicit ReinspectionApplier(const Ledger& ledger);
  std::vector<Status> Apply(pqxx::transaction_base& tx,
                            std::span<const stream::IncomingEvent> events);
  stream::ApplyFn AsApplyFn();
  const ApplierStats& stats() const { return stats_; }

 private:
  const Ledger& ledger_;
  stream::Outbox outbox_;
  ApplierStats stats_;
};

class VisitApplier {
 public:
  std::vector<Status> Apply(pqxx::transaction_base& tx,
                            std::span<const stream::IncomingEvent> events);
  stream::ApplyFn AsApplyFn();
  const ApplierStats& stats() const { return stats_; }

 private:
  ApplierStats stats_;
};

}  // namespace ducha::tracking
