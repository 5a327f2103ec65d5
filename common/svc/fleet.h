#pragma once
// The start-up parts every service's main() assembles the same way: the campaign (refused at
// once when invalid), the clock (the fleet's simulated clock or the system clock), and the ZAP
// authorizer (registered keys; the development identity only with transport.allow_plain).

#include <functional>
#include <memory>
#include <stop_token>

#include "common/auth/identity.h"
#include "common/campaign/campaign.h"
#include "common/clock/clock.h"
#include "common/obs/http.h"
#include "common/obs/metrics.h"
#include "common/svc/runtime.h"
#include "common/transport/zap.h"

namespace ducha::svc {

// Loads common.campaign_dir; on error prints it and exits with status 2.
campaign::Campaign LoadCampaignOrDie(const CommonSettings& common);

// The fleet clock (ref.sim_clock, refreshed in the background) or the system clock.
std::unique_ptr<Clock> MakeClock(const CommonSettings& common, std::stop_token stop);

// Who a connecting client is: a registered CURVE key's identity, or with allow_plain the
// development identity for plain (NULL-mechanism) clients; anyone else is refused.
transport::Authorizer FleetAuthorizer(const auth::Registry& registry, bool allow_plain);

// Starts the operations endpoint (/healthz, /readyz, /metrics) on common.http_port when set.
// Ready means the database answers and `ready_more` (the service's own streams) passes.
// Exits with status 2 when the port cannot be bound.
std::unique_ptr<obs::HttpServer> StartOperationsEndpoint(
    const CommonSettings& common, const obs::Metrics& metrics,
    std::function<Status()> ready_more = [] { return OkStatus(); });

}  // namespace ducha::svc
