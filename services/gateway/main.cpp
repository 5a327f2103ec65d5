// ducha-gateway: the HTTP gateway for integrations that speak Open311 GeoReport v2 (issue #9).
// Stateless: it maps HTTP+JSON onto intake's contract and tracking's status query, calling both
// over CURVE with its own identity (role gateway). API keys resolve to the integrations'
// identities through ref (refreshed every two seconds, so revocation needs no restart). This file
// only reads settings and starts the parts in order.

#include <zmq.hpp>

#include "common/log/log.h"
#include "common/obs/metrics.h"
#include "common/ref/ref_store.h"
#include "common/svc/fleet.h"
#include "common/svc/runtime.h"
#include "services/gateway/io/http_api.h"
#include "services/gateway/io/upstream.h"

namespace {

void RegisterMetrics(ducha::obs::Metrics& m, const ducha::gateway::GatewayApi& api) {
  using ducha::obs::Metrics;
  const auto& st = api.stats();
  const auto c = Metrics::Kind::kCounter;
  auto v = [](const auto& atomic) {
    return [&atomic] { return static_cast<double>(atomic.load()); };
  };
  m.Add(c, "ducha_gateway_requests_total", "HTTP requests received.", {}, v(st.requests));
  m.Add(c, "ducha_gateway_submitted_total", "Reports accepted by intake through the gateway.", {},
        v(st.submitted));
  m.Add(c, "ducha_gateway_reads_total", "Status reads answered.", {}, v(st.reads));
  m.Add(c, "ducha_gateway_refused_total", "Requests answered 4xx.", {}, v(st.refused));
  m.Add(c, "ducha_gateway_rate_limited_total", "Requests answered 429.", {}, v(st.rate_limited));
  m.Add(c, "ducha_gateway_upstream_failures_total", "Requests answered 5xx.", {},
        v(st.upstream_failures));
  m.AddHistogram("ducha_gateway_request_seconds", "Time to answer an API request.", {},
                 api.latency());
}

// gateway.<name>_endpoint and gateway.<name>_server_key_file: an upstream reached with the
// gateway's own key (transport.secret_key_file).
ducha::gateway::UpstreamSettings UpstreamFrom(ducha::Config& config,
                                              const ducha::svc::CommonSettings& common,
                                              const std::string& name,
                                              const std::string& default_endpoint) {
  ducha::gateway::UpstreamSettings u;
  u.endpoint = config.String("gateway." + name + "_endpoint", default_endpoint);
  u.timeout = std::chrono::milliseconds(config.Int("gateway.upstream_timeout_ms", 3000, 50, 60000));
  u.attempts = static_cast<int>(config.Int("gateway.upstream_attempts", 2, 1, 10));
  const std::string option = "gateway." + name + "_server_key_file";
  const std::string file = config.String(option, "");
  if (common.allow_plain) {
    u.security.curve = false;
  } else if (file.empty()) {
    config.AddError(option, "required with CURVE: the file holding " + name + "'s public key");
  } else if (auto key = ducha::svc::ReadSecretKeyFile(file); !key) {
    config.AddError(option, "'" + file + "' does not hold a Z85 key (40 characters)");
  } else {
    u.security.server_public_z85 = *key;
    u.security.client = {ducha::transport::PublicKeyOf(common.security.secret_key_z85),
                         common.security.secret_key_z85};
  }
  return u;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ducha;
  std::stop_source stop;
  svc::SignalWatcher signals(stop);
  Config config = svc::LoadConfigOrExit(argc, argv, "gateway");
  const svc::CommonSettings common = svc::ReadCommon(config, "gateway");
  gateway::ApiSettings api;
  api.host = config.String("gateway.host", api.host);
  api.port = static_cast<int>(config.Int("gateway.port", api.port, 0, 65535));
  api.max_body_bytes =
      static_cast<std::size_t>(config.Int("gateway.max_body_bytes", 64 << 10, 1024, 1 << 20));
  api.rate.per_second = config.Double("gateway.rate_per_second", 5.0, 0.01, 100000.0);
  api.rate.burst = config.Double("gateway.rate_burst", 20.0, 1.0, 100000.0);
  const auto intake_up = UpstreamFrom(config, common, "intake", "tcp://127.0.0.1:7101");
  const auto tracking_up = UpstreamFrom(config, common, "tracking", "tcp://127.0.0.1:7121");
  if (auto ok = config.Finish(); !ok) svc::Die("gateway", ok.error().message);

  auto log = log::Get("gateway");
  const campaign::Campaign active_campaign = svc::LoadCampaignOrDie(common);
  try {
    auth::Registry registry;
    ref::IdentityRefresher identities(common.db, registry, std::chrono::seconds(2));
    identities.Start();
    const std::unique_ptr<Clock> clock = svc::MakeClock(common, stop.get_token());
    zmq::context_t ctx;
    gateway::UpstreamClient intake(intake_up, ctx);
    gateway::UpstreamClient tracking(tracking_up, ctx);
    gateway::GatewayApi server(api, active_campaign, registry, *clock, intake, tracking);
    const auto port = server.Start();
    if (!port) svc::Die("gateway", port.error().message);
    obs::Metrics metrics;
    RegisterMetrics(metrics, server);
    const auto http = svc::StartOperationsEndpoint(common, metrics);
    log->info("gateway serving Open311 on http://{}:{} (intake {}, tracking {})", api.host, *port,
              intake_up.endpoint, tracking_up.endpoint);
    while (!stop.stop_requested()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    server.Stop();
    identities.Stop();
    log->info("gateway stopped");
  } catch (const db::Stopped&) {
    log->info("stopped before the database became available");
  }
  return 0;
}
