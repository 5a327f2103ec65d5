#pragma once
// The ApplyFns of the bulletin's stream consumers (common/stream/consumer.h): they keep the
// projection the numbers are computed from (services/bulletin/migrations/001_init.sql). Each
// applies a whole batch inside the consumer's transaction with one statement per table, keeping
// every fact with its fleet-clock time. A redelivered or replayed event changes nothing (keys on
// the report, the problem, the task, or the event's stream position).
//
//  - ReportApplier follows intake's `reports`: channel, place, time and the duplicate mark of
//    each accepted report — never its text, its reporter reference or anything else.
//  - AssignmentApplier follows dispatch's `assignments`: problems as assigned, deadline and
//    listing changes, and every version of the groups' rosters as counts (members per role,
//    vehicles, days stationed, meal allowance) — the event has no member's details.
//  - LedgerApplier follows tracking's `ledger`: verification, claims, rectification, reopening,
//    extensions, overdue notices and escalations; and the key tasks (重点任务): every version of
//    a task (keyed by task and version), its progress reports (by stream position) and its
//    lagging / on-track turns (by task, episode and kind) — never a title, evidence or identity.
//  - ReviewApplier follows review's `reinspections`: re-inspection results, accountability
//    recommendations and decisions (with the decision's text, disclosed only as a decision),
//    credit colour changes and the blacklist (enterprise code, registered name, points; never
//    the operator's reason).
//  - VisitApplier follows intake's `visits`: group, round, county, day, tasks, the number of
//    problems found, the methods (听查看访) and the mode (明查暗访) — never the note.
// An event that cannot be decoded gets an Error and leaves no trace (the consumer parks it);
// event types the bulletin does not count are accepted and ignored.
//
// One thread at a time per instance; the counters may be read from any thread.

#include <atomic>
#include <cstdint>
#include <span>
#include <vector>

#include "common/base/result.h"
#include "common/campaign/campaign.h"
#include "common/stream/consumer.h"

namespace ducha::bulletin {

inline constexpr const char* kSchema = "bulletin";

struct ApplierStats {
  std::atomic<std::uint64_t> applied{0};
  std::atomic<std::uint64_t> rejected{0};  // handed back as errors (dead letters)
};

class ReportApplier {
 public:
  explicit ReportApplier(const campaign::Campaign& campaign) : campaign_(campaign) {}
  std::vector<Status> Apply(pqxx::transaction_base& tx,
                            std::span<const stream::IncomingEvent> events);
  stream::ApplyFn AsApplyFn();
  const ApplierStats& stats() const { return stats_; }

 private:
  const campaign::Campaign& campaign_;
  ApplierStats stats_;
};

class AssignmentApplier {
 public:
  std::vector<Status> Apply(pqxx::transaction_base& tx,
                            std::span<const stream::IncomingEvent> events);
  stream::ApplyFn AsApplyFn();
  const ApplierStats& stats() const { return stats_; }

 private:
  ApplierStats stats_;
};

class LedgerApplier {
 public:
  // The clock's events carry a due day; they are dated 00:00 of it in the campaign's zone.
  explicit LedgerApplier(int utc_offset_minutes) : offset_(utc_offset_minutes) {}
  std::vector<Status> Apply(pqxx::transaction_base& tx,
                            std::span<const stream::IncomingEvent> events);
  stream::ApplyFn AsApplyFn();
  const ApplierStats& stats() const { return stats_; }

 private:
  int offset_;
  ApplierStats stats_;
};

class ReviewApplier {
 public:
  // With the campaign, an enterprise's city is read from the division code inside its unified
  // social credit code; without it (or for other keys) from the problem that coloured it.
  explicit ReviewApplier(const campaign::Campaign* campaign = nullptr) : campaign_(campaign) {}
  std::vector<Status> Apply(pqxx::transaction_base& tx,
                            std::span<const stream::IncomingEvent> events);
  stream::ApplyFn AsApplyFn();
  const ApplierStats& stats() const { return stats_; }

 private:
  const campaign::Campaign* campaign_;
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

}  // namespace ducha::bulletin
