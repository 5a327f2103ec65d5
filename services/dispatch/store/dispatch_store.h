#pragma once
// Dispatch's persistence, in the dispatch schema.
//
// ReportApplier is the ApplyFn of dispatch's consumer of intake's "reports" stream: it applies
// a whole batch inside the consumer's transaction (the cursor compare-and-set commits with it),
// set-based so that a replay of a million events runs at tens of thousands per second: decode
// everything, load the problems the batch touches in one query, decide in memory in stream
// order (a repeat of a problem opened earlier in the same batch sees it), then write problems,
// sources, history and the "assignments" outbox events with one statement each.
// An event that cannot be decoded or decided gets an Error and leaves no trace (the consumer
// parks it); a report already applied (a redelivery or a replay) is skipped.
//
// ApplyCommand applies one operator command in the caller's transaction.
//
// Used by one thread at a time per instance (the consumer thread, the admin thread); the
// counters may be read from any thread.

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "common/audit/chain.h"
#include "common/base/result.h"
#include "common/campaign/campaign.h"
#include "common/clock/clock.h"
#include "common/stream/consumer.h"
#include "common/stream/outbox.h"
#include "proto/dispatch.h"
#include "services/dispatch/core/dispatcher.h"

namespace ducha::dispatch {

inline constexpr const char* kAssignmentStream = "assignments";
inline constexpr const char* kSchema = "dispatch";

struct DispatchStats {
  std::atomic<std::uint64_t> assigned{0};
  std::atomic<std::uint64_t> sources_added{0};
  std::atomic<std::uint64_t> listed_by_rule{0};
  std::atomic<std::uint64_t> already_applied{0};
  std::atomic<std::uint64_t> rejected{0};  // events handed back as errors (dead letters)
  std::atomic<std::uint64_t> commands{0};
  std::atomic<std::uint64_t> commands_refused{0};
};

class ReportApplier {
 public:
  ReportApplier(const campaign::Campaign& campaign, const Clock& clock);

  std::vector<Status> Apply(pqxx::transaction_base& tx,
                            std::span<const stream::IncomingEvent> events);
  // A callable for StreamConsumer / ApplyBatch; `this` must outlive it.
  stream::ApplyFn AsApplyFn();

  const DispatchStats& stats() const { return stats_; }

 private:
  Dispatcher dispatcher_;
  const Clock& clock_;
  stream::Outbox outbox_;
  DispatchStats stats_;
};

// The problem's change history as hash-chain lines (common/audit), in order: the lines written
// since the chain began (migration 002).
std::vector<audit::AuditLine> LoadChangeChain(pqxx::transaction_base& tx, std::int64_t problem_id);

// The problem as stored; none when unknown. `for_update` locks the row until commit.
std::optional<ProblemSnapshot> LoadProblem(pqxx::transaction_base& tx, std::int64_t problem_id,
                                           bool for_update);

using Command = std::variant<proto::dispatch::Reassign, proto::dispatch::ChangeDeadline,
                             proto::dispatch::SetListing>;

struct CommandOutcome {
  std::int64_t problem_id = 0;
  std::int64_t history_id = 0;
};

// Checks the command against the locked problem, then updates it, records the history row and
// appends dispatch.problem_changed — or returns the Error and changes nothing.
Result<CommandOutcome> ApplyCommand(pqxx::transaction_base& tx, const Dispatcher& dispatcher,
                                    const Command& command, const std::string& by,
                                    timeutil::Millis now);

}  // namespace ducha::dispatch
