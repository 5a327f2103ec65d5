#pragma once
// Review's command endpoint (svc::CommandServer): the enforcement bureau's re-inspection results
// (review.report_reinspection), the commissioner offices' opinions and the local decisions
// (review.record_opinion, review.record_decision), operators' blacklist confirmations
// (review.confirm_blacklist, review.delist) and dead-letter retries. The
// caller is the ZAP User-Id's identity; each command commits in its own transaction and is
// answered after COMMIT with review.done or common.error. Refusals for a role or scope are
// logged on the `audit` logger.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/auth/identity.h"
#include "common/campaign/campaign.h"
#include "common/clock/clock.h"
#include "common/db/db.h"
#include "common/stream/consumer.h"
#include "services/review/core/credit.h"
#include "services/review/core/rules.h"

namespace ducha::review {

struct ReviewServerStats {
  std::atomic<std::uint64_t> done{0};
  std::atomic<std::uint64_t> refused{0};
};

class ReviewHandler {
 public:
  ReviewHandler(const campaign::Campaign& campaign, const Rules& rules, const CreditRules& credit,
                const auth::Registry& registry, const Clock& clock, bool allow_plain,
                stream::ApplyFn retry);
  // The reply frame to one request frame; uses `conn` for its transaction.
  std::string Handle(const std::string& user_id, std::string_view payload, db::Connection& conn);
  const ReviewServerStats& stats() const { return stats_; }

 private:
  std::optional<auth::Identity> IdentityOf(const std::string& user_id) const;

  const campaign::Campaign& campaign_;
  const Rules& rules_;
  const CreditRules& credit_;
  const auth::Registry& registry_;
  const Clock& clock_;
  bool allow_plain_;
  stream::ApplyFn retry_;
  ReviewServerStats stats_;
};

}  // namespace ducha::review
