#pragma once
// Prometheus metrics for the event streams a service produces and follows, shared by every
// service's main(): stream head and fetches on the producer side; applied seq, lag, dead
// letters, redeliveries and reconnects on the consumer side (the alert rules in
// deploy/prometheus/ use these names).

#include <string>

#include "common/obs/metrics.h"
#include "common/stream/consumer.h"
#include "common/stream/server.h"

namespace ducha::svc {

void RegisterServerMetrics(obs::Metrics& m, const stream::StreamServer& server,
                           const std::string& stream);
void RegisterConsumerMetrics(obs::Metrics& m, const stream::StreamConsumer& consumer,
                             const std::string& producer, const std::string& stream);
// Unresolved dead letters in `schema`, read from the database at scrape time.
void RegisterDeadLetterGauge(obs::Metrics& m, const std::string& db_url, const std::string& schema);

}  // namespace ducha::svc
