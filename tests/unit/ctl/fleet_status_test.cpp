// What `ducha-ctl status` reads from a service's operations endpoint: the fleet file, the
// /healthz line and the Prometheus text of /metrics.

#include "services/ctl/fleet_status.h"

#include <gtest/gtest.h>

namespace ducha::ctl {
namespace {

TEST(FleetFile, NamesEachServiceWithItsHttpAddress) {
  const auto fleet = ParseFleet(
      "# the local fleet\n"
      "intake 127.0.0.1:9101\n"
      "\n"
      "dispatch\tapp2.ducha.internal:9102\r\n");
  ASSERT_TRUE(fleet.ok()) << fleet.error().message;
  ASSERT_EQ(fleet->size(), 2u);
  EXPECT_EQ((*fleet)[0].service, "intake");
  EXPECT_EQ((*fleet)[0].host, "127.0.0.1");
  EXPECT_EQ((*fleet)[0].port, 9101);
  EXPECT_EQ((*fleet)[1].host, "app2.ducha.internal");
  EXPECT_EQ((*fleet)[1].port, 9102);
}

TEST(FleetFile, EachBadLineIsNamedWithItsNumber) {
  const auto no_address = ParseFleet("intake 127.0.0.1:9101\ndispatch\n");
  ASSERT_FALSE(no_address.ok());
  EXPECT_EQ(no_address.error().code, "bad_fleet");
  EXPECT_EQ(no_address.error().field, "line 2");
  EXPECT_EQ(ParseFleet("intake 127.0.0.1\n").error().message, "'127.0.0.1' is not HOST:PORT");
  EXPECT_EQ(ParseFleet("intake 127.0.0.1:70000\n").error().message, "port '70000' is not 1..65535");
  EXPECT_EQ(ParseFleet("intake 127.0.0.1:91x\n").error().message, "port '91x' is not 1..65535");
  EXPECT_EQ(ParseFleet("# nothing\n\n").error().message, "the fleet file names no service");
}

TEST(Metrics, LagsPerStreamAndDeadLettersAreRead) {
  const auto m = SummariseMetrics(
      "# HELP ducha_stream_consumer_lag Events the producer has that are not applied.\n"
      "# TYPE ducha_stream_consumer_lag gauge\n"
      "ducha_stream_consumer_lag{producer=\"dispatch\",stream=\"assignments\"} 17\n"
      "ducha_stream_consumer_lag{producer=\"intake\",stream=\"visits\"} 0\n"
      "ducha_stream_consumer_connected{producer=\"dispatch\",stream=\"assignments\"} 1\n"
      "ducha_stream_consumer_connected{producer=\"intake\",stream=\"visits\"} 0\n"
      "ducha_stream_dead_letters_unresolved{schema=\"tracking\"} 3\n"
      "ducha_messages_in_total{type=\"a\\\"b\"} 12 1700000000000\n");
  ASSERT_EQ(m.streams.size(), 2u);
  EXPECT_EQ(m.streams[0].producer, "dispatch");
  EXPECT_EQ(m.streams[0].stream, "assignments");
  EXPECT_EQ(m.streams[0].lag, 17);
  EXPECT_TRUE(m.streams[0].connected);
  EXPECT_EQ(m.streams[1].lag, 0);
  EXPECT_FALSE(m.streams[1].connected);
  ASSERT_TRUE(m.dead_letters.has_value());
  EXPECT_EQ(*m.dead_letters, 3);
}

TEST(Metrics, AnUncountableDeadLetterGaugeReadsAsUnknownAndNoGaugeAsNone) {
  EXPECT_EQ(
      *SummariseMetrics("ducha_stream_dead_letters_unresolved{schema=\"x\"} -1\n").dead_letters,
      -1);
  const auto none = SummariseMetrics("garbage line\nducha_stream_consumer_lag{producer=\"a\" 5\n");
  EXPECT_FALSE(none.dead_letters.has_value());
  EXPECT_TRUE(none.streams.empty()) << "a sample with broken labels is skipped";
}

TEST(Health, TheVersionComesFromTheHealthLine) {
  EXPECT_EQ(VersionFromHealth("ok intake 0.1.0\n"), "0.1.0");
  EXPECT_EQ(VersionFromHealth("fine\n"), "");
  EXPECT_EQ(VersionFromHealth("ok intake"), "");
}

}  // namespace
}  // namespace ducha::ctl
