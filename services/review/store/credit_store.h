#pragma once
// Enterprise credit (企业环境信用) in the review schema: which enterprise a problem names (from
// intake's reports), when its violation is established (dispatch's assignment, or tracking's
// substantiated verification), the points each fact scores under the credit rule, the colours
// and their history, and the operator-confirmed blacklist. Every function runs in the caller's
// transaction; colour changes and blacklist actions go to the reinspections stream as events.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/auth/identity.h"
#include "common/base/result.h"
#include "common/stream/consumer.h"
#include "proto/review.h"
#include "services/review/core/credit.h"

namespace ducha::review {

// The ApplyFn for intake's reports and dispatch's assignments (one instance per consumer).
class SourceApplier {
 public:
  explicit SourceApplier(const CreditRules& credit) : credit_(credit) {}
  std::vector<Status> Apply(pqxx::transaction_base& tx,
                            std::span<const stream::IncomingEvent> events);
  stream::ApplyFn AsApplyFn();

 private:
  const CreditRules& credit_;
};

// Facts from the workflow, each scored once (by problem and reason).
void EstablishViolation(pqxx::transaction_base& tx, const CreditRules& credit,
                        std::int64_t problem_id, timeutil::Millis at);
void ScoreFailedReinspection(pqxx::transaction_base& tx, const CreditRules& credit,
                             std::int64_t problem_id, std::int64_t task_id, timeutil::Millis at);
void ScoreVerifiedFact(pqxx::transaction_base& tx, const CreditRules& credit,
                       std::int64_t problem_id, const std::string& fact, timeutil::Millis at);
// A verified rectification clears the problem's points; the colour history stays.
void ClearOnRectified(pqxx::transaction_base& tx, const CreditRules& credit,
                      std::int64_t problem_id, timeutil::Millis at);

struct CreditContext {
  const CreditRules& credit;
  auth::Identity who;
  timeutil::Millis now = 0;
};
Result<proto::review::CreditDone> ConfirmBlacklist(pqxx::transaction_base& tx,
                                                   const CreditContext& ctx,
                                                   const proto::review::ConfirmBlacklist& cmd);
Result<proto::review::CreditDone> Delist(pqxx::transaction_base& tx, const CreditContext& ctx,
                                         const proto::review::Delist& cmd);

}  // namespace ducha::review
