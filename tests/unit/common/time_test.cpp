// common/base/time: RFC 3339 on the wire, civil dates in the domain.

#include "common/base/time.h"

#include <gtest/gtest.h>

namespace ducha::timeutil {
namespace {

constexpr Millis kNov21At0130Utc = 1'511'227'800'000;  // 2017-11-21T01:30:00Z

TEST(Rfc3339, ParsesUtcAndOffsetsToTheSameInstant) {
  EXPECT_EQ(ParseRfc3339("2017-11-21T01:30:00Z"), kNov21At0130Utc);
  EXPECT_EQ(ParseRfc3339("2017-11-21T01:30:00z"), kNov21At0130Utc);
  EXPECT_EQ(ParseRfc3339("2017-11-21T09:30:00+08:00"), kNov21At0130Utc);
  EXPECT_EQ(ParseRfc3339("2017-11-20T20:30:00-05:00"), kNov21At0130Utc);
  EXPECT_EQ(ParseRfc3339("2017-11-21T07:00:00+05:30"), kNov21At0130Utc);
  EXPECT_EQ(ParseRfc3339("2017-11-21T01:30:00+00:00"), kNov21At0130Utc);
  EXPECT_EQ(ParseRfc3339("2017-11-21 09:30:00+08:00"), kNov21At0130Utc);
}

TEST(Rfc3339, OffsetCrossesMidnightIntoThePreviousDay) {
  // 00:30 in Beijing on Jan 1st is still the previous year in UTC.
  EXPECT_EQ(ParseRfc3339("2018-01-01T00:30:00+08:00"), ParseRfc3339("2017-12-31T16:30:00Z"));
}

TEST(Rfc3339, KeepsMillisecondsAndTruncatesFinerFractions) {
  EXPECT_EQ(ParseRfc3339("2017-11-21T01:30:00.5Z"), kNov21At0130Utc + 500);
  EXPECT_EQ(ParseRfc3339("2017-11-21T01:30:00.05Z"), kNov21At0130Utc + 50);
  EXPECT_EQ(ParseRfc3339("2017-11-21T01:30:00.123Z"), kNov21At0130Utc + 123);
  EXPECT_EQ(ParseRfc3339("2017-11-21T01:30:00.123999999Z"), kNov21At0130Utc + 123);
  EXPECT_EQ(ParseRfc3339("2017-11-21T09:30:00.250+08:00"), kNov21At0130Utc + 250);
}

TEST(Rfc3339, RejectsMalformedFractions) {
  EXPECT_FALSE(ParseRfc3339("2017-11-21T01:30:00.Z"));
  EXPECT_FALSE(ParseRfc3339("2017-11-21T01:30:00.1234567890Z"));
  EXPECT_FALSE(ParseRfc3339("2017-11-21T01:30:00,5Z"));
}

TEST(Rfc3339, RejectsDatesThatDoNotExist) {
  EXPECT_FALSE(ParseRfc3339("2017-02-29T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("1900-02-29T00:00:00Z"));  // divisible by 100, not a leap year
  EXPECT_FALSE(ParseRfc3339("2017-04-31T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2017-13-01T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2017-00-10T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2017-11-00T00:00:00Z"));
  EXPECT_EQ(ParseRfc3339("2016-02-29T23:59:59Z"), 1'456'790'399'000);
  EXPECT_TRUE(ParseRfc3339("2000-02-29T00:00:00Z"));  // divisible by 400, a leap year
}

TEST(Rfc3339, RejectsTimesOutOfRange) {
  EXPECT_FALSE(ParseRfc3339("2017-11-21T24:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2017-11-21T23:60:00Z"));
  EXPECT_FALSE(ParseRfc3339("2017-11-21T23:59:60Z"));
  EXPECT_FALSE(ParseRfc3339("2017-11-21T09:30:00+24:00"));
  EXPECT_FALSE(ParseRfc3339("2017-11-21T09:30:00+08:60"));
}

TEST(Rfc3339, RejectsEverythingButTheOneFormat) {
  EXPECT_FALSE(ParseRfc3339(""));
  EXPECT_FALSE(ParseRfc3339("2017-11-21"));
  EXPECT_FALSE(ParseRfc3339("2017-11-21T09:30:00"));  // no offset: ambiguous
  EXPECT_FALSE(ParseRfc3339("2017-11-21T09:30Z"));
  EXPECT_FALSE(ParseRfc3339("2017-11-21T09:30:00+0800"));
  EXPECT_FALSE(ParseRfc3339("2017-11-21T09:30:00+08"));
  EXPECT_FALSE(ParseRfc3339("2017-11-21T09:30:00+08:0"));
  EXPECT_FALSE(ParseRfc3339("2017-11-21T09:30:00Z "));
  EXPECT_FALSE(ParseRfc3339(" 2017-11-21T09:30:00Z"));
  EXPECT_FALSE(ParseRfc3339("2017-11-21T09:30:00ZZ"));
  EXPECT_FALSE(ParseRfc3339("2017/11/21T09:30:00Z"));
  EXPECT_FALSE(ParseRfc3339("2017-11-21X09:30:00Z"));
  EXPECT_FALSE(ParseRfc3339("2017-11-2aT09:30:00Z"));
  EXPECT_FALSE(ParseRfc3339("+017-11-21T09:30:00Z"));
}

TEST(Rfc3339, FormatsInTheRequestedOffset) {
  EXPECT_EQ(FormatRfc3339(kNov21At0130Utc, 0), "2017-11-21T01:30:00Z");
  EXPECT_EQ(FormatRfc3339(kNov21At0130Utc, 480), "2017-11-21T09:30:00+08:00");
  EXPECT_EQ(FormatRfc3339(kNov21At0130Utc, -300), "2017-11-20T20:30:00-05:00");
  EXPECT_EQ(FormatRfc3339(kNov21At0130Utc, 330), "2017-11-21T07:00:00+05:30");
  EXPECT_EQ(FormatRfc3339(kNov21At0130Utc, -570), "2017-11-20T16:00:00-09:30");
}

TEST(Rfc3339, FormatsSecondsPrecisionTruncatingMilliseconds) {
  EXPECT_EQ(FormatRfc3339(kNov21At0130Utc + 999, 480), "2017-11-21T09:30:00+08:00");
}

TEST(Rfc3339, FormatsInstantsBeforeTheEpoch) {
  EXPECT_EQ(FormatRfc3339(-1000, 0), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(-1, 0), "1969-12-31T23:59:59Z");
  EXPECT_EQ(ParseRfc3339("1969-12-31T23:59:59Z"), -1000);
}

TEST(Rfc3339, FormatThenParseRoundTripsWholeSecondsInEveryOffset) {
  for (const int offset : {0, 480, -300, 330, -720, 840}) {
    for (Millis t = -86'400'000LL * 400; t < 86'400'000LL * 20'000;
         t += 86'400'000LL * 37 + 3'601'000) {
      const auto s = FormatRfc3339(t, offset);
      EXPECT_EQ(ParseRfc3339(s), t) << s;
    }
  }
}

TEST(CivilDate, KnownDaysSinceTheEpoch) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(2017, 11, 21), 17491);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(1600, 1, 1), -135140);
}

TEST(CivilDate, DaysToCivilAndBackRoundTripsOverCenturies) {
  int prev_y = 0;
  unsigned prev_m = 0, prev_d = 0;
  CivilFromDays(-200'001, prev_y, prev_m, prev_d);
  for (std::int64_t z = -200'000; z <= 200'000; ++z) {
    int y = 0;
    unsigned m = 0, d = 0;
    CivilFromDays(z, y, m, d);
    ASSERT_EQ(DaysFromCivil(y, m, d), z);
    ASSERT_GE(m, 1u);
    ASSERT_LE(m, 12u);
    ASSERT_GE(d, 1u);
    ASSERT_LE(d, 31u);
    // Consecutive days: either the next day of the month or the first of the next month.
    if (d != 1) {
      ASSERT_EQ(y, prev_y);
      ASSERT_EQ(m, prev_m);
      ASSERT_EQ(d, prev_d + 1);
    }
    prev_y = y;
    prev_m = m;
    prev_d = d;
  }
}

TEST(CivilDate, FormatThenParseRoundTrips) {
  for (std::int64_t z = DaysFromCivil(1900, 1, 1); z <= DaysFromCivil(2100, 12, 31); ++z) {
    ASSERT_EQ(ParseDate(FormatDate(z)), z) << FormatDate(z);
  }
  EXPECT_EQ(FormatDate(17491), "2017-11-21");
  EXPECT_EQ(FormatDate(-1), "1969-12-31");
  EXPECT_EQ(FormatDate(*ParseDate("0001-01-01")), "0001-01-01");
  EXPECT_EQ(FormatDate(*ParseDate("9999-12-31")), "9999-12-31");
  EXPECT_EQ(FormatDate(*ParseDate("2000-02-29")), "2000-02-29");
}

TEST(CivilDate, ParseRefusesImpossibleAndMalformedDates) {
  EXPECT_FALSE(ParseDate("2017-02-29"));
  EXPECT_TRUE(ParseDate("2016-02-29"));
  EXPECT_FALSE(ParseDate("2017-06-31"));
  EXPECT_FALSE(ParseDate("2017-6-30"));
  EXPECT_FALSE(ParseDate("2017-06-30 "));
  EXPECT_FALSE(ParseDate("20170630"));
  EXPECT_FALSE(ParseDate(""));
}

TEST(CivilDate, WeekdayIsZeroForMonday) {
  EXPECT_EQ(Weekday(DaysFromCivil(1970, 1, 1)), 3);    // Thursday
  EXPECT_EQ(Weekday(DaysFromCivil(1969, 12, 31)), 2);  // Wednesday, before the epoch
  EXPECT_EQ(Weekday(DaysFromCivil(2017, 11, 21)), 1);  // Tuesday
  EXPECT_EQ(Weekday(DaysFromCivil(2018, 2, 16)), 4);   // Friday, Spring Festival 2018
  EXPECT_EQ(Weekday(DaysFromCivil(2017, 11, 20)), 0);  // Monday
  EXPECT_EQ(Weekday(DaysFromCivil(2017, 11, 26)), 6);  // Sunday
  EXPECT_EQ(Weekday(DaysFromCivil(1600, 1, 1)), 5);    // Saturday
}

TEST(CivilDate, DayOfAndStartOfDayFollowTheZoneOffset) {
  // 01:30 UTC on Nov 21 is 09:30 in Beijing (same day) and 20:30 on Nov 20 in New York.
  EXPECT_EQ(DayOf(kNov21At0130Utc, 480), 17491);
  EXPECT_EQ(DayOf(kNov21At0130Utc, -300), 17490);
  EXPECT_EQ(DayOf(-1, 0), -1);
  EXPECT_EQ(StartOfDay(17491, 480), *ParseRfc3339("2017-11-21T00:00:00+08:00"));
  EXPECT_EQ(DayOf(StartOfDay(17491, 480), 480), 17491);
  EXPECT_EQ(DayOf(StartOfDay(17491, 480) - 1, 480), 17490);
}

}  // namespace
}  // namespace ducha::timeutil
