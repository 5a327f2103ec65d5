#pragma once
// admin.replay, as every service answers it: an operator moves one of the service's consumers
// back on its producer's stream, and the consumer applies the events from there again. Only
// consumers whose applying is idempotent accept it (a projection rebuilt after a fix, say); the
// others are refused with the reason, since applying their events twice would change state
// twice. The caller checks that the identity is an operator.

#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/db/db.h"
#include "proto/admin.h"

namespace ducha::svc {

struct FollowedStream {
  std::string producer;
  std::string stream;
  bool replayable = false;
  std::string why_not;  // when not replayable: what applying twice would do
};

// Refusals: unknown_stream (not followed here), not_replayable, beyond_position (from_seq past
// the next event the consumer would apply: that would skip events, not replay them).
Result<proto::admin::ReplayStarted> Replay(db::Connection& conn, const std::string& schema,
                                           const std::vector<FollowedStream>& followed,
                                           const proto::admin::Replay& command);

}  // namespace ducha::svc
