#pragma once
// Review's persistence, in the review schema.
//
// LedgerApplier is the ApplyFn of review's consumer of tracking's `ledger` stream: a claim
// becomes a re-inspection task (or is accepted on its documents when not drawn), an escalation
// raises the working days overdue the case carries, a substantiated verification establishes
// the violation for enterprise credit (store/credit_store.h). The commands (re-inspection results,
// opinions, decisions) each run in the caller's transaction. Every change writes its events to
// the `reinspections` stream of review's outbox and a line to the problem's hash-chained
// history in the same transaction. Errors change nothing.

#include <atomic>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/auth/identity.h"
#include "common/base/result.h"
#include "common/base/time.h"
#include "common/campaign/campaign.h"
#include "common/stream/consumer.h"
#include "proto/review.h"
#include "services/review/core/audit.h"
#include "services/review/core/credit.h"
#include "services/review/core/reviewer.h"

namespace ducha::review {

inline constexpr const char* kSchema = "review";
inline constexpr const char* kStream = "reinspections";

struct ReviewStats {
  std::atomic<std::uint64_t> tasks{0};
  std::atomic<std::uint64_t> accepted_on_documents{0};
  std::atomic<std::uint64_t> rejected{0};
};

class LedgerApplier {
 public:
  LedgerApplier(const campaign::Campaign& campaign, SampleSettings sample,
                const CreditRules& credit);
  std::vector<Status> Apply(pqxx::transaction_base& tx,
                            std::span<const stream::IncomingEvent> events);
  stream::ApplyFn AsApplyFn();
  const ReviewStats& stats() const { return stats_; }

 private:
  const campaign::Campaign& campaign_;
  SampleSettings sample_;
  const CreditRules& credit_;
  ReviewStats stats_;
};

struct CommandContext {
  const campaign::Campaign& campaign;
  const Rules& rules;
  const CreditRules& credit;
  auth::Identity who;
  timeutil::Millis now = 0;
};

// Idempotent by (identity, request id): a retry returns the first reply with replayed = true.
Result<proto::review::Done> ReportReinspection(pqxx::transaction_base& tx,
                                               const CommandContext& ctx,
                                               const proto::review::ReportReinspection& cmd);
Result<proto::review::Done> RecordOpinion(pqxx::transaction_base& tx, const CommandContext& ctx,
                                          const proto::review::RecordOpinion& cmd);
Result<proto::review::Done> RecordDecision(pqxx::transaction_base& tx, const CommandContext& ctx,
                                           const proto::review::RecordDecision& cmd);

// Appends a line to the problem's chain (serialised per problem by a transaction lock).
void AppendHistory(pqxx::transaction_base& tx, std::int64_t problem_id, timeutil::Millis at,
                   const std::string& what, const std::string& by, const std::string& detail);
std::vector<AuditLine> LoadHistory(pqxx::transaction_base& tx, std::int64_t problem_id);

// Every case with a recommendation, with its facts as recommended, for a what-if.
std::vector<RecordedCase> LoadRecommendedCases(pqxx::transaction_base& tx);

}  // namespace ducha::review
