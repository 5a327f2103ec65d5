#pragma once
// The responsible bodies' and the supervision center's actions on the ledger, applied as one
// batch in the caller's transaction (the action server collects every request waiting on its
// socket and commits them together, replying only after COMMIT).
//
// Idempotent by the caller's request id: the first successful answer to (identity, request_id)
// is stored with the change, and a retry — in a later batch or the same one — gets that answer
// (replayed = true) and changes nothing. A refused action stores nothing, so a retry is decided
// again.

#include <cstdint>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "common/base/result.h"
#include "common/stream/outbox.h"
#include "services/tracking/core/ledger.h"

namespace ducha::tracking {

using Action = std::variant<Progress, VerificationResult, Claim, RequestExtension, DecideExtension>;

struct ActionRequest {
  Actor actor;             // from the authenticated identity
  std::string request_id;  // the caller's idempotency key
  std::int64_t problem_id = 0;
  Action action;
  timeutil::Millis now = 0;  // fleet clock
};

struct ActionOutcome {
  std::int64_t problem_id = 0;
  State state = State::kInRectification;
  Day deadline = 0;
  int extensions_used = 0;
  bool replayed = false;
};

// One result per request, in order. Errors: unknown_problem, and the Ledger's (ledger.h).
std::vector<Result<ActionOutcome>> ApplyActions(pqxx::transaction_base& tx, const Ledger& ledger,
                                                const stream::Outbox& outbox,
                                                std::span<const ActionRequest> requests);

}  // namespace ducha::tracking
