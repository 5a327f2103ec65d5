#include "common/svc/fleet.h"

#include "common/campaign/loader.h"
#include "common/log/log.h"
#include "common/ref/ref_store.h"

namespace ducha::svc {

campaign::Campaign LoadCampaignOrDie(const CommonSettings& common) {
  auto campaign = campaign::LoadCampaign(common.campaign_dir);
  if (!campaign) {
    Die(common.service, "campaign " + common.campaign_dir + ": " + campaign.error().field + ": " +
                            campaign.error().message);
  }
  auto log = log::Get(common.service);
  log->info("campaign {} version {} loaded", campaign->info().id, campaign->info().version);
  if (common.allow_plain) {
    log->warn("transport.allow_plain is set: clients are NOT authenticated (development only)");
  }
  return std::move(campaign).value();
}

std::unique_ptr<Clock> MakeClock(const CommonSettings& common, std::stop_token stop) {
  if (common.fleet_clock) {
    return std::make_unique<ref::FleetClock>(common.db, std::chrono::milliseconds(200),
                                             std::move(stop));
  }
  return std::make_unique<SystemClock>();
}

transport::Authorizer FleetAuthorizer(const auth::Registry& registry, bool allow_plain) {
  return [&registry, allow_plain](std::string_view mechanism,
                                  std::string_view key) -> std::optional<std::string> {
    if (mechanism == "NULL") {
      return allow_plain ? std::optional<std::string>(auth::kDevIdentity) : std::nullopt;
    }
    return registry.IdentityForKey(key);
  };
}

std::unique_ptr<obs::HttpServer> StartOperationsEndpoint(const CommonSettings& common,
                                                         const obs::Metrics& metrics,
                                                         std::function<Status()> ready_more) {
  auto http = std::make_unique<obs::HttpServer>(
      obs::HttpSettings{common.http_host, common.http_port}, metrics,
      [url = common.db.url, ready_more = std::move(ready_more)]() -> Status {
        std::string why;
        if (!db::Ping(url, &why)) {
          return MakeError("not_ready", "db", "database unreachable: " + why);
        }
        return ready_more();
      },
      common.service, DUCHA_VERSION);
  if (auto port = http->Start(); !port) {
    Die(common.service, port.error().message);
  } else if (*port > 0) {
    log::Get(common.service)
        ->info("operations endpoint on http://{}:{}/metrics", common.http_host, *port);
  }
  return http;
}

}  // namespace ducha::svc
