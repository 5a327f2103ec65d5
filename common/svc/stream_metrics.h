#pragma once
// Prometheus metrics for the event streams a service produces and follows, shared by every
// service's main(): stream head and fetches on the producer side; applied seq, lag, dead
// letters, redeliveries and reconnects on the consumer side (the alert rules in
// deploy/prometheus/ use these names).

#include <string>

#include "common/config/config.h"
#include "common/obs/metrics.h"
#include "common/stream/consumer.h"
#include "common/stream/server.h"
#include "common/svc/runtime.h"

namespace ducha::svc {

// Settings of a consumer of `producer`'s `stream`, read from the service's section:
// <prefix>_endpoint (default `default_endpoint`), <prefix>_credit, and with CURVE
// <prefix>_server_key_file, the producer's public key (the service's own key is its client key).
// Problems go to `config`'s error list, so Finish() reports them with every other one.
stream::StreamConsumerSettings ConsumerSettingsFrom(Config& config, const CommonSettings& common,
                                                    const std::string& prefix,
                                                    const std::string& producer,
                                                    const std::string& stream,
                                                    const std::string& default_endpoint);

// One call per stream the server serves; its series carry the label stream=<name>.
void RegisterServerMetrics(obs::Metrics& m, const stream::StreamServer& server,
                           const std::string& stream);
void RegisterConsumerMetrics(obs::Metrics& m, const stream::StreamConsumer& consumer,
                             const std::string& producer, const std::string& stream);
// Unresolved dead letters in `schema`, read from the database at scrape time.
void RegisterDeadLetterGauge(obs::Metrics& m, const std::string& db_url, const std::string& schema);

}  // namespace ducha::svc
