#pragma once
// The events of one message type in a consumer's batch, decoded: what every applier that follows
// a single event type did first with its own copy of the loop. Header-only.

#include <optional>
#include <span>
#include <vector>

#include "common/base/result.h"
#include "common/codec/frame.h"
#include "common/stream/consumer.h"
#include "proto/registry.h"

namespace ducha::stream {

// One optional per event, set for each event of type M. An event that does not parse, or is an
// M that does not decode, gets its error in `statuses` (so it is parked); events of other types
// stay OK and unset (not this applier's to apply).
template <typename M>
std::vector<std::optional<M>> DecodeEventsOf(std::span<const IncomingEvent> events,
                                             std::vector<Status>& statuses) {
  std::vector<std::optional<M>> out(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto frame = proto::ParseMessage(events[i].payload);
    if (!frame) {
      statuses[i] = frame.error();
      continue;
    }
    if (frame->type() != M::kType) continue;
    auto m = codec::DecodeAs<M>(*frame);
    if (!m) {
      statuses[i] = m.error();
      continue;
    }
    out[i] = std::move(m).value();
  }
  return out;
}

}  // namespace ducha::stream
