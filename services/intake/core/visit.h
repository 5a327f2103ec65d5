#pragma once
// Intake's rules for inspection visits (走访): a group reports that it visited a county in a round
// and which tasks it checked at its inspection sites (督察点位); tracking turns the events into the
// coverage matrix (county × task, per round). What makes a visit acceptable beyond its schema
// lives here. Pure: no sockets, no SQL, no clock reads (time comes in as a value).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/auth/identity.h"
#include "common/base/result.h"
#include "common/base/time.h"
#include "common/campaign/campaign.h"
#include "proto/intake.h"

namespace ducha::intake {

// Checks a decoded, schema-valid visit against the campaign and the caller's identity: the group
// and round exist, the identity may use the group's channel (supervision_group or covert_group),
// the county is a county-level unit of a city the group is stationed in that round, the day lies
// within the round, there is at least one task and none twice, at least one method and none
// twice, and a mode that fits the group (CheckMethodsAndMode). Returns the first problem, naming
// the field.
// The rules of the working methods (听查看访) and the mode (明查暗访) of a group's visit or
// finding, once the schema has checked the values: no method twice (duplicate_value, methods),
// and a covert group (暗查组) reports covert work only (covert_group_open_mode, mode). Whether
// they must be present is the caller's rule.
Status CheckMethodsAndMode(const std::vector<proto::intake::VisitMethod>& methods,
                           const std::optional<proto::intake::VisitMode>& mode,
                           const campaign::Group& group);

Status CheckVisit(const proto::intake::ReportVisit& v, const auth::Identity& who,
                  const campaign::Campaign& campaign);

// A visit that passed CheckVisit, ready to be committed.
struct Visit {
  std::string integration;  // the authenticated identity
  proto::intake::ReportVisit visit;
  std::string request_hash;  // of the canonical encoding: a retry must match it
  timeutil::Millis received_at = 0;
  std::int32_t county = 0;
  std::int32_t city = 0;  // the county's campaign jurisdiction
};

// Builds the committable visit. Precondition: CheckVisit(v, ...) passed on the same campaign.
Visit MakeVisit(proto::intake::ReportVisit v, const campaign::Campaign& campaign,
                std::string integration, std::string request_hash, timeutil::Millis received_at);

// The event every recorded visit produces, once.
proto::intake::VisitReported MakeVisitEvent(const Visit& v, std::int64_t visit_id);

}  // namespace ducha::intake
