#include "common/svc/stream_metrics.h"

#include <pqxx/pqxx>

#include "common/db/db.h"

namespace ducha::svc {
namespace {

template <typename A>
std::function<double()> Read(const A& atomic) {
  return [&atomic] { return static_cast<double>(atomic.load()); };
}

}  // namespace

void RegisterServerMetrics(obs::Metrics& m, const stream::StreamServer& server,
                           const std::string& stream) {
  using K = obs::Metrics::Kind;
  const auto& s = server.stats(stream);
  const obs::Metrics::Labels l{{"stream", stream}};
  m.Add(K::kGauge, "ducha_stream_head_seq", "Last sequenced event of the stream.", l,
        Read(s.head_seq));
  m.Add(K::kCounter, "ducha_stream_fetches_total", "Fetches served.", l, Read(s.fetches));
  m.Add(K::kCounter, "ducha_stream_events_sent_total", "Events sent to consumers.", l,
        Read(s.events_sent));
  m.Add(K::kCounter, "ducha_stream_heartbeats_total", "Empty long-poll answers.", l,
        Read(s.heartbeats));
  m.Add(K::kCounter, "ducha_stream_rejected_total", "Fetches refused.", l, Read(s.rejected));
}

void RegisterConsumerMetrics(obs::Metrics& m, const stream::StreamConsumer& consumer,
                             const std::string& producer, const std::string& stream) {
  using K = obs::Metrics::Kind;
  const auto& s = consumer.stats();
  const obs::Metrics::Labels l{{"producer", producer}, {"stream", stream}};
  m.Add(K::kGauge, "ducha_stream_consumer_applied_seq", "Last applied event.", l,
        Read(s.applied_seq));
  m.Add(K::kGauge, "ducha_stream_consumer_lag", "Events the producer has that are not applied.", l,
        [&consumer] { return static_cast<double>(consumer.Lag()); });
  m.Add(K::kGauge, "ducha_stream_consumer_connected", "1 while the producer answers.", l,
        [&s] { return s.connected.load() ? 1.0 : 0.0; });
  m.Add(K::kCounter, "ducha_stream_consumer_events_applied_total", "Events applied.", l,
        Read(s.events_applied));
  m.Add(K::kCounter, "ducha_stream_consumer_redelivered_total",
        "Events received again and skipped by the cursor.", l, Read(s.duplicates_skipped));
  m.Add(K::kCounter, "ducha_stream_consumer_dead_lettered_total", "Events parked.", l,
        Read(s.dead_lettered));
  m.Add(K::kCounter, "ducha_stream_consumer_reconnects_total", "Lost fetches (Lazy Pirate).", l,
        Read(s.reconnects));
}

void RegisterDeadLetterGauge(obs::Metrics& m, const std::string& db_url,
                             const std::string& schema) {
  m.Add(obs::Metrics::Kind::kGauge, "ducha_stream_dead_letters_unresolved",
        "Parked events waiting for an operator.", {{"schema", schema}}, [db_url, schema] {
          try {
            pqxx::connection c{db_url + " connect_timeout=2"};
            pqxx::nontransaction n{c};
            return n
                .exec("SELECT count(*) FROM " + db::QuoteIdent(schema) +
                      ".dead_letter WHERE resolved_at IS NULL")[0][0]
                .as<double>();
          } catch (const std::exception&) {
            return -1.0;  // unknown: the database is unreachable (readiness says so too)
          }
        });
}

stream::StreamConsumerSettings ConsumerSettingsFrom(Config& config, const CommonSettings& common,
                                                    const std::string& prefix,
                                                    const std::string& producer,
                                                    const std::string& stream,
                                                    const std::string& default_endpoint) {
  stream::StreamConsumerSettings consumer;
  consumer.schema = common.service;
  consumer.producer = producer;
  consumer.stream = stream;
  consumer.consumer = common.service;
  const std::string section = common.service + ".";
  consumer.endpoint = config.String(section + prefix + "_endpoint", default_endpoint);
  consumer.credit = static_cast<int>(config.Int(section + prefix + "_credit", 1000, 1, 10000));
  const std::string key_option = section + prefix + "_server_key_file";
  const std::string key_file = config.String(key_option, "");
  if (common.allow_plain) {
    consumer.security.curve = false;
  } else if (key_file.empty()) {
    config.AddError(key_option,
                    "required with CURVE: the file holding " + producer + "'s public key");
  } else if (auto key = ReadSecretKeyFile(key_file); !key) {
    config.AddError(key_option, "'" + key_file + "' does not hold a Z85 key (40 characters)");
  } else {
    // transport.secret_key_file is the service's key both as a server and as a client.
    consumer.security.server_public_z85 = *key;
    consumer.security.client = {transport::PublicKeyOf(common.security.secret_key_z85),
                                common.security.secret_key_z85};
  }
  return consumer;
}

}  // namespace ducha::svc
