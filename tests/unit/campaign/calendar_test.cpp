#include "common/campaign/calendar.h"

#include <gtest/gtest.h>

#include "common/base/time.h"
#include "tests/unit/campaign/campaign_test_util.h"

namespace ducha::campaign {
namespace {

using testing::D;
using testing::Shipped;

const Calendar& Cal() { return Shipped().calendar(); }

bool Working(std::string_view iso) {
  const auto r = Cal().IsWorkingDay(D(iso));
  EXPECT_TRUE(r.ok()) << iso;
  return r.ok() && *r;
}

std::string Deadline(std::string_view start, int n) {
  const auto r = Cal().AddWorkingDays(D(start), n);
  if (!r) return "error: " + r.error().code;
  return timeutil::FormatDate(*r);
}

TEST(Calendar, CoversTheCampaignYears) {
  EXPECT_EQ(Cal().from(), D("2017-01-01"));
  EXPECT_EQ(Cal().to(), D("2018-12-31"));
}

TEST(Calendar, TreatsMondayAfterNationalDayAsWorkingDay) { EXPECT_TRUE(Working("2017-10-09")); }

TEST(Calendar, TreatsNationalDayWeekdayAsHoliday) {
  EXPECT_FALSE(Working("2017-10-05"));
  EXPECT_EQ(Cal().HolidayName(D("2017-10-05")), "国庆节、中秋节");
}

TEST(Calendar, TreatsMakeUpSaturdayBeforeNationalDayAsWorkingDay) {
  EXPECT_TRUE(Working("2017-09-30"));
}

TEST(Calendar, TreatsMakeUpSaturdayAfterSpringFestival2018AsWorkingDay) {
  EXPECT_TRUE(Working("2018-02-24"));
  EXPECT_TRUE(Working("2018-02-11"));  // A Sunday.
}

TEST(Calendar, TreatsOrdinaryWeekendAsRestDay) {
  EXPECT_FALSE(Working("2017-10-14"));
  EXPECT_FALSE(Working("2017-10-15"));
  EXPECT_TRUE(Working("2017-10-13"));
}

TEST(Calendar, TreatsNewYearSpanningTwoYearsAsHoliday) {
  EXPECT_FALSE(Working("2018-01-01"));
  EXPECT_EQ(Cal().HolidayName(D("2017-12-30")), "元旦");
  EXPECT_TRUE(Working("2018-01-02"));
}

TEST(Calendar, DoesNotCountTheStartDay) {
  EXPECT_EQ(Deadline("2017-10-09", 1), "2017-10-10");
  EXPECT_EQ(Deadline("2017-10-13", 1), "2017-10-16");  // Friday to Monday.
}

TEST(Calendar, GivesTheStartDayForZeroWorkingDays) {
  EXPECT_EQ(Deadline("2017-10-14", 0), "2017-10-14");
}

TEST(Calendar, CountsAcrossNationalDay2017) {
  // 09-29 Fri, 09-30 make-up Sat, then nothing until Monday 10-09.
  EXPECT_EQ(Deadline("2017-09-28", 2), "2017-09-30");
  EXPECT_EQ(Deadline("2017-09-28", 3), "2017-10-09");
  EXPECT_EQ(Deadline("2017-09-28", 10), "2017-10-18");
}

TEST(Calendar, CountsFromTheNextWorkingDayWhenStartingOnAHoliday) {
  EXPECT_EQ(Deadline("2017-10-01", 1), "2017-10-09");
}

TEST(Calendar, CountsAcrossSpringFestival2018) {
  // From Friday 02-09: 02-11 (make-up Sunday), 02-12..02-14, holiday 02-15..02-21, 02-22, 02-23,
  // 02-24 (make-up Saturday), 02-26.
  EXPECT_EQ(Deadline("2018-02-09", 1), "2018-02-11");
  EXPECT_EQ(Deadline("2018-02-09", 5), "2018-02-22");
  EXPECT_EQ(Deadline("2018-02-09", 7), "2018-02-24");
  EXPECT_EQ(Deadline("2018-02-09", 8), "2018-02-26");
}

TEST(Calendar, CountsWorkingDaysBetweenAsTheInverseOfAdding) {
  for (Day start = D("2017-09-01"); start <= D("2018-03-31"); start += 3) {
    for (int n : {0, 1, 5, 10, 15}) {
      const auto deadline = Cal().AddWorkingDays(start, n);
      ASSERT_TRUE(deadline.ok());
      const auto between = Cal().WorkingDaysBetween(start, *deadline);
      ASSERT_TRUE(between.ok());
      EXPECT_EQ(*between, n) << timeutil::FormatDate(start) << " + " << n;
    }
  }
}

TEST(Calendar, CountsWorkingDaysBetweenNegativelyWhenReversed) {
  const auto forward = Cal().WorkingDaysBetween(D("2017-09-28"), D("2017-10-18"));
  const auto backward = Cal().WorkingDaysBetween(D("2017-10-18"), D("2017-09-28"));
  ASSERT_TRUE(forward.ok());
  ASSERT_TRUE(backward.ok());
  EXPECT_EQ(*forward, 10);
  EXPECT_EQ(*backward, -10);
}

TEST(Calendar, RejectsDayOutsideItsRange) {
  const auto before = Cal().IsWorkingDay(D("2016-12-31"));
  ASSERT_FALSE(before.ok());
  EXPECT_EQ(before.error().code, "outside_calendar");
  EXPECT_FALSE(Cal().IsWorkingDay(D("2019-01-01")).ok());
  EXPECT_FALSE(Cal().WorkingDaysBetween(D("2018-12-01"), D("2019-01-02")).ok());
}

TEST(Calendar, RejectsDeadlineFallingBeyondItsRange) {
  EXPECT_EQ(Deadline("2018-12-20", 30), "error: outside_calendar");
  EXPECT_EQ(Deadline("2018-12-28", 1), "2018-12-31");
}

TEST(Calendar, RejectsNegativeWorkingDays) {
  EXPECT_EQ(Deadline("2017-10-09", -1), "error: invalid_value");
}

TEST(Calendar, RejectsSpecWithADayListedTwice) {
  CalendarSpec spec;
  spec.from = D("2017-01-01");
  spec.to = D("2017-12-31");
  spec.holidays = {{"劳动节", D("2017-04-29"), D("2017-05-01")},
                   {"劳动节", D("2017-05-01"), D("2017-05-01")}};
  const auto calendar = Calendar::Create(spec);
  ASSERT_FALSE(calendar.ok());
  EXPECT_EQ(calendar.error().code, "duplicate");
  EXPECT_EQ(calendar.error().field, "calendar.holidays[1]");
}

}  // namespace
}  // namespace ducha::campaign
