#pragma once
// The events tracking emits, as proto-schemas messages (tracking.json): the ledger stream's
// payloads. Pure mapping, with the entry after the decision for the fields an event leaves out
// (a claim carries the problem's place, channel, category, listing and title, which review needs
// to schedule the re-inspection).

#include <string>

#include "proto/tracking.h"
#include "services/tracking/core/events.h"
#include "services/tracking/core/ledger_entry.h"

namespace ducha::tracking {

struct WireEvent {
  std::string type;     // e.g. tracking.overdue
  std::string payload;  // the encoded frame
};

WireEvent ToWire(const Event& event, const LedgerEntry& entry);

proto::tracking::LedgerState ToWire(State state);
proto::dispatch::Body ToWire(const Body& body);

}  // namespace ducha::tracking
