// Key tasks (services/tracking/core/key_task.h) against the shipped Hebei campaign: each bad row
// is refused with its own code and line, the trajectory (linear in working days, or milestones)
// gives the expected quantity, the lag decision respects the grace period and the tolerance and
// numbers its episodes, and the report a lagging task becomes says what was expected and done.

#include "services/tracking/core/key_task.h"

#include <gtest/gtest.h>

#include "common/base/time.h"
#include "tests/support/hebei_campaign.h"

namespace ducha::tracking {
namespace {

namespace pt = proto::tracking;
using testing::HebeiCampaign;

Day D(const char* s) { return *timeutil::ParseDate(s); }

pt::KeyTaskRow Row() {
  pt::KeyTaskRow r;
  r.line = 7;
  r.task_id = "CA-QDM-1";
  r.jurisdiction = "130102";  // 长安区
  r.special_action = "rural_clean_heating";
  r.title = "农村“气代煤”改造";
  r.unit = "户";
  r.target = 1000;
  r.start = "2017-11-01";
  r.deadline = "2017-12-29";
  r.source = "2017—2018年秋冬季攻坚行动方案";
  return r;
}

KeyTask Task() { return *CheckTaskRow(Row(), HebeiCampaign()); }

TEST(KeyTaskRow, AGoodRowBecomesATaskOfItsCity) {
  const auto t = CheckTaskRow(Row(), HebeiCampaign());
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_EQ(t->jurisdiction, 130102);
  EXPECT_EQ(t->city, 130100);
  EXPECT_EQ(t->start, D("2017-11-01"));
  EXPECT_EQ(t->deadline, D("2017-12-29"));
}

void ExpectRefused(pt::KeyTaskRow row, const std::string& code, const std::string& field) {
  const auto t = CheckTaskRow(row, HebeiCampaign());
  ASSERT_FALSE(t) << "accepted a row that should be refused with " << code;
  EXPECT_EQ(t.error().code, code) << t.error().message;
  EXPECT_EQ(t.error().field, field);
  EXPECT_NE(t.error().message.find("line 7: "), std::string::npos) << t.error().message;
}

TEST(KeyTaskRow, EachKindOfBadRowIsRefusedWithItsOwnCodeAndLine) {
  auto r = Row();
  r.special_action = "space_heating";
  ExpectRefused(r, "unknown_special_action", "special_action");
  r = Row();
  r.special_action = "responsibility";  // a category, not one of the seven special actions
  ExpectRefused(r, "not_a_special_action", "special_action");
  r = Row();
  r.target = -5;
  ExpectRefused(r, "negative_target", "target");
  r = Row();
  r.target = 0;
  ExpectRefused(r, "invalid_value", "target");
  r = Row();
  r.jurisdiction = "110101";  // Beijing: not in the campaign
  ExpectRefused(r, "unknown_jurisdiction", "jurisdiction");
  r = Row();
  r.deadline = "2017-10-01";
  ExpectRefused(r, "invalid_value", "deadline");
  r = Row();
  r.start = "2017-11-1";
  ExpectRefused(r, "invalid_format", "start");
  r = Row();
  r.deadline = "2019-06-30";  // past the campaign calendar
  ExpectRefused(r, "outside_calendar", "deadline");
  r = Row();
  r.title = "  ";
  ExpectRefused(r, "blank", "title");
  r = Row();
  r.milestones = {{"2017-12-01", 0.6}, {"2017-11-20", 0.8}};
  ExpectRefused(r, "invalid_value", "milestones[1].date");
  r = Row();
  r.milestones = {{"2017-11-20", 0.6}, {"2017-12-01", 0.4}};
  ExpectRefused(r, "invalid_value", "milestones[1].fraction");
}

TEST(KeyTaskTrajectory, LinearInWorkingDaysFromStartToDeadline) {
  const KeyTask t = Task();
  const auto& cal = HebeiCampaign().calendar();
  EXPECT_DOUBLE_EQ(ExpectedOn(t, D("2017-10-20"), cal), 0);
  EXPECT_DOUBLE_EQ(ExpectedOn(t, D("2017-11-01"), cal), 0);
  EXPECT_DOUBLE_EQ(ExpectedOn(t, D("2017-12-29"), cal), 1000);
  EXPECT_DOUBLE_EQ(ExpectedOn(t, D("2018-01-15"), cal), 1000);
  const double total = *cal.WorkingDaysBetween(D("2017-11-01"), D("2017-12-29"));
  const double used = *cal.WorkingDaysBetween(D("2017-11-01"), D("2017-11-22"));
  EXPECT_DOUBLE_EQ(ExpectedOn(t, D("2017-11-22"), cal), 1000 * used / total);
  // A weekend adds nothing: Saturday and the Friday before expect the same.
  EXPECT_DOUBLE_EQ(ExpectedOn(t, D("2017-11-25"), cal), ExpectedOn(t, D("2017-11-24"), cal));
}

TEST(KeyTaskTrajectory, MilestonesAreStepsAndTheDeadlineWantsTheWholeTarget) {
  auto r = Row();
  r.milestones = {{"2017-11-20", 0.5}, {"2017-12-10", 0.8}};
  const KeyTask t = *CheckTaskRow(r, HebeiCampaign());
  const auto& cal = HebeiCampaign().calendar();
  EXPECT_DOUBLE_EQ(ExpectedOn(t, D("2017-11-19"), cal), 0);
  EXPECT_DOUBLE_EQ(ExpectedOn(t, D("2017-11-20"), cal), 500);
  EXPECT_DOUBLE_EQ(ExpectedOn(t, D("2017-12-09"), cal), 500);
  EXPECT_DOUBLE_EQ(ExpectedOn(t, D("2017-12-10"), cal), 800);
  EXPECT_DOUBLE_EQ(ExpectedOn(t, D("2017-12-29"), cal), 1000);
}

TEST(KeyTaskLag, NotJudgedInTheGracePeriodThenBehindBeyondTheToleranceOnce) {
  const KeyTask t = Task();
  const auto& c = HebeiCampaign();
  // 2017-11-03 is the 2nd working day after the start: inside the 5-day grace.
  LagStep s = DecideLag(t, 0, D("2017-11-03"), {}, c);
  EXPECT_FALSE(s.fell_behind);
  // 2017-11-22: well past the grace. Just within the 10 % tolerance is not behind.
  const double expected = ExpectedOn(t, D("2017-11-22"), c.calendar());
  s = DecideLag(t, expected * 0.91, D("2017-11-22"), {}, c);
  EXPECT_FALSE(s.fell_behind);
  EXPECT_FALSE(s.after.lagging);
  s = DecideLag(t, expected * 0.5, D("2017-11-22"), {}, c);
  EXPECT_TRUE(s.fell_behind);
  EXPECT_EQ(s.after.episodes, 1);
  EXPECT_DOUBLE_EQ(s.expected, expected);
  // Still behind the next day: no second episode.
  const LagStep again = DecideLag(t, expected * 0.5, D("2017-11-23"), s.after, c);
  EXPECT_FALSE(again.fell_behind);
  EXPECT_TRUE(again.after.lagging);
  // Caught up, then behind again: episode 2.
  const LagStep up = DecideLag(t, 1000, D("2017-11-24"), again.after, c);
  EXPECT_TRUE(up.caught_up);
  EXPECT_FALSE(up.after.lagging);
  const LagStep down = DecideLag(t, 10, D("2017-11-27"), up.after, c);
  EXPECT_TRUE(down.fell_behind);
  EXPECT_EQ(down.after.episodes, 2);
}

TEST(KeyTaskLag, AReachedTargetIsNeverBehindAndAPassedDeadlineIsJudgedAtOnce) {
  auto r = Row();
  r.start = "2017-12-27";
  r.deadline = "2017-12-28";  // shorter than the grace period
  const KeyTask t = *CheckTaskRow(r, HebeiCampaign());
  EXPECT_TRUE(DecideLag(t, 800, D("2017-12-28"), {}, HebeiCampaign()).fell_behind);
  EXPECT_FALSE(DecideLag(t, 950, D("2017-12-28"), {}, HebeiCampaign()).fell_behind);  // tolerance
  EXPECT_FALSE(DecideLag(t, 1000, D("2017-12-28"), {}, HebeiCampaign()).fell_behind);
  EXPECT_FALSE(DecideLag(t, 1500, D("2018-01-10"), {}, HebeiCampaign()).fell_behind);
}

TEST(KeyTaskReport, TheLagBecomesAKeyTaskReportSayingWhatWasExpectedAndDone) {
  const KeyTask t = Task();
  const auto now = *timeutil::ParseRfc3339("2017-11-22T02:00:00Z");
  const auto r = LagReport(t, 2, 333.3333, 120, D("2017-11-22"), now, HebeiCampaign());
  EXPECT_EQ(r.submission_id, "task:CA-QDM-1:2");
  EXPECT_EQ(r.channel, proto::common::Channel::kKeyTask);
  EXPECT_EQ(r.jurisdiction, "130102");
  EXPECT_EQ(r.category, proto::common::Category::kRuralCleanHeating);
  EXPECT_EQ(r.severity, proto::common::Severity::kSerious);
  EXPECT_EQ(r.title, "长安区重点任务进度滞后：农村“气代煤”改造");
  EXPECT_NE(r.description.find("目标1000户"), std::string::npos) << r.description;
  EXPECT_NE(r.description.find("截至2017-11-22应完成333.33户（33.3%）"), std::string::npos)
      << r.description;
  EXPECT_NE(r.description.find("实际完成120户（12%）"), std::string::npos) << r.description;
  EXPECT_NE(r.description.find("（第2次）"), std::string::npos) << r.description;
  EXPECT_LE(r.observed_at, r.reported_at);
}

TEST(KeyTaskReport, ALongTitleIsCutToFitTheReportsLimit) {
  auto row = Row();
  row.title = std::string();
  for (int i = 0; i < 100; ++i) row.title += "治";
  const KeyTask t = *CheckTaskRow(row, HebeiCampaign());
  const auto r = LagReport(t, 1, 1, 0, D("2017-11-22"), 0, HebeiCampaign());
  // 长安区 (3) + 重点任务进度滞后： (9) + 60 characters of the title, 3 bytes each.
  EXPECT_EQ(r.title.size(), (3 + 9 + 60) * 3u);
}

TEST(KeyTaskNumbers, QuantitiesHaveNoTrailingZeros) {
  EXPECT_EQ(FormatQuantity(12000), "12000");
  EXPECT_EQ(FormatQuantity(12.5), "12.5");
  EXPECT_EQ(FormatQuantity(0.333333), "0.33");
  EXPECT_EQ(FormatQuantity(-0.001), "0");
}

}  // namespace
}  // namespace ducha::tracking
