#pragma once
// Many idempotent requests to one service, with a window of them in flight on one DEALER
// socket: a bulk import or a demo driver sends thousands, and one round trip each would make the
// network latency the import's speed. Replies are matched to requests by the envelope's id. A
// reply that does not come within the timeout is asked for again on a fresh socket (Lazy Pirate:
// every request sent this way must be safe to repeat); common.busy is retried after a pause.

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/transport/transport.h"

namespace ducha::transport {

struct PipelineSettings {
  std::size_t window = 32;
  std::chrono::milliseconds timeout{10000};  // without any reply, before sending again
  int rounds = 3;                            // silent rounds before giving up
};

// `frames[i]` must carry the envelope id `ids[i]` (unique). Returns the reply frame of each
// request, in order, or "timeout" after `rounds` rounds without any reply. `progress(done)` is
// called after every reply.
Result<std::vector<std::string>> PipelineRequests(
    const std::string& endpoint, const ClientSecurity& security,
    const std::vector<std::string>& frames, const std::vector<std::string>& ids,
    const PipelineSettings& settings, const std::function<void(std::size_t)>& progress = {});

}  // namespace ducha::transport
