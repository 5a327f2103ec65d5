#pragma once
// The groups' rosters in dispatch's schema (roster, roster_member), in the caller's transaction.
// A roster replaces the group's earlier one for the round (its version goes up); a member who is
// on another group's roster for the same round is refused, naming both. Every stored roster
// appends one dispatch.roster_registered event (counts only, no member's details) to the
// `assignments` stream in the same transaction.

#include <pqxx/pqxx>
#include <string>

#include "common/base/result.h"
#include "common/base/time.h"
#include "proto/dispatch.h"
#include "services/dispatch/core/roster.h"

namespace ducha::dispatch {

Result<proto::dispatch::RosterAccepted> StoreRoster(pqxx::transaction_base& tx,
                                                    const proto::dispatch::SubmitRoster& roster,
                                                    const Logistics& logistics, int rules_version,
                                                    const std::string& by,
                                                    timeutil::Millis registered_at);

}  // namespace ducha::dispatch
