// The bulletin's weeks on the Hebei calendar: Saturday cut-offs at 00:00 UTC+8, issue numbers,
// the due hour, the range of issues.

#include "services/bulletin/core/week.h"

#include <gtest/gtest.h>

#include "tests/unit/bulletin/fixtures.h"

namespace ducha::bulletin {
namespace {

using testing::At;
using testing::D;
using testing::Hebei;

WeekCalendar Calendar(ScheduleSettings s = {}) { return *WeekCalendar::Create(Hebei(), s); }

TEST(WeekCalendar, IssueOneIsTheFirstSaturdayAfterTheFirstRoundStarts) {
  // Round 1 starts Thursday 2017-09-14.
  const Week w = Calendar().Issue(1);
  EXPECT_EQ(w.Name(), "2017-09-16");
  EXPECT_EQ(w.first_day, D("2017-09-09"));
  EXPECT_EQ(w.start, At("2017-09-09T00:00:00+08:00"));
  EXPECT_EQ(w.cutoff, At("2017-09-16T00:00:00+08:00"));
  EXPECT_EQ(w.due, At("2017-09-16T09:00:00+08:00"));
}

TEST(WeekCalendar, TheCutoffIsSaturdayMidnightInTheCampaignZoneNotUtc) {
  const Week w = Calendar().Issue(11);
  EXPECT_EQ(w.Name(), "2017-11-25");
  EXPECT_EQ(timeutil::Weekday(w.cutoff_day), 5);
  EXPECT_EQ(w.cutoff, At("2017-11-24T16:00:00Z"));
  EXPECT_EQ(w.cutoff - w.start, 7 * timeutil::kMillisPerDay);
}

TEST(WeekCalendar, TheLastIssueComesTheConfiguredWeeksAfterTheLastRound) {
  // Round 5 ends Thursday 2018-03-08: its week is issued 2018-03-10, then four more.
  const WeekCalendar c = Calendar();
  EXPECT_EQ(c.Issue(c.issues()).Name(), "2018-04-07");
  EXPECT_EQ(c.issues(), 30);
  EXPECT_EQ(Calendar({9, 0}).Issue(Calendar({9, 0}).issues()).Name(), "2018-03-10");
}

TEST(WeekCalendar, AWeekIsDueAtTheSendHourOfItsSaturday) {
  const WeekCalendar c = Calendar({.send_hour = 9});
  EXPECT_EQ(c.LastDue(At("2017-09-16T08:59:59+08:00")), 0);
  EXPECT_EQ(c.LastDue(At("2017-09-16T09:00:00+08:00")), 1);
  EXPECT_EQ(c.LastDue(At("2017-11-25T08:00:00+08:00")), 10);
  EXPECT_EQ(c.LastDue(At("2017-11-25T09:00:00+08:00")), 11);
  EXPECT_EQ(Calendar({.send_hour = 18}).LastDue(At("2017-11-25T09:00:00+08:00")), 10);
}

TEST(WeekCalendar, NothingIsDueAfterTheLastIssue) {
  EXPECT_EQ(Calendar().LastDue(At("2030-01-01T00:00:00Z")), 30);
}

TEST(WeekCalendar, AWeekIsNamedByItsSaturday) {
  const WeekCalendar c = Calendar();
  EXPECT_EQ(c.ForName("2017-11-25")->issue, 11);
  EXPECT_EQ(c.ForName("2017-11-24").error().code, "unknown_week");  // a Friday
  EXPECT_EQ(c.ForName("2017-09-09").error().code, "unknown_week");  // before issue 1
  EXPECT_EQ(c.ForName("2018-04-14").error().code, "unknown_week");  // after the last
  EXPECT_EQ(c.ForName("2017-13-01").error().code, "invalid_format");
}

TEST(WeekCalendar, ACampaignStartingOnSaturdayIsCoveredByTheNextSaturday) {
  const auto c = WeekCalendar::Create(480, D("2017-11-18"), D("2017-11-20"), {9, 0});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->Issue(1).Name(), "2017-11-25");
  EXPECT_EQ(c->issues(), 1);
}

TEST(WeekCalendar, RefusesAnHourOutsideTheDay) {
  EXPECT_EQ(WeekCalendar::Create(Hebei(), {.send_hour = 24}).error().code, "invalid_value");
}

}  // namespace
}  // namespace ducha::bulletin
