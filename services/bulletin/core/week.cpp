#include "services/bulletin/core/week.h"

#include <algorithm>

namespace ducha::bulletin {
namespace {
constexpr int kSaturday = 5;  // timeutil::Weekday: 0 = Monday
constexpr Millis kHour = 3'600'000;
}  // namespace

Day NextSaturdayAfter(Day day) {
  const int wd = timeutil::Weekday(day);
  const int ahead = (kSaturday - wd + 7) % 7;
  return day + (ahead == 0 ? 7 : ahead);
}

Result<WeekCalendar> WeekCalendar::Create(const campaign::Campaign& campaign, ScheduleSettings s) {
  const auto& rounds = campaign.rounds();
  if (rounds.empty()) return MakeError("no_rounds", "rounds", "the campaign has no rounds");
  return Create(campaign.info().utc_offset_minutes, rounds.front().from, rounds.back().to, s);
}

Result<WeekCalendar> WeekCalendar::Create(int utc_offset_minutes, Day campaign_start,
                                          Day campaign_end, ScheduleSettings s) {
  if (s.send_hour < 0 || s.send_hour > 23) {
    return MakeError("invalid_value", "send_hour", "the send hour must be 0..23");
  }
  if (s.weeks_after_last_round < 0 || s.weeks_after_last_round > 520) {
    return MakeError("invalid_value", "weeks_after_last_round", "must be 0..520");
  }
  if (campaign_end < campaign_start) {
    return MakeError("invalid_value", "rounds", "the campaign ends before it starts");
  }
  const Day first = NextSaturdayAfter(campaign_start);
  const Day last = NextSaturdayAfter(campaign_end) + 7 * Day{s.weeks_after_last_round};
  const int issues = static_cast<int>((last - first) / 7 + 1);
  return WeekCalendar(utc_offset_minutes, first, issues, s.send_hour);
}

Week WeekCalendar::Issue(int n) const {
  Week w;
  w.issue = n;
  w.cutoff_day = first_cutoff_ + 7 * Day{n - 1};
  w.first_day = w.cutoff_day - 7;
  w.start = timeutil::StartOfDay(w.first_day, offset_);
  w.cutoff = timeutil::StartOfDay(w.cutoff_day, offset_);
  w.due = w.cutoff + kHour * send_hour_;
  return w;
}

std::optional<Week> WeekCalendar::ForCutoffDay(Day cutoff_day) const {
  if (cutoff_day < first_cutoff_ || (cutoff_day - first_cutoff_) % 7 != 0) return std::nullopt;
  const Day n = (cutoff_day - first_cutoff_) / 7 + 1;
  if (n > issues_) return std::nullopt;
  return Issue(static_cast<int>(n));
}

Result<Week> WeekCalendar::ForName(std::string_view name) const {
  const auto day = timeutil::ParseDate(name);
  if (!day) {
    return MakeError("invalid_format", "week",
                     "'" + std::string(name) + "' is not a date (YYYY-MM-DD)");
  }
  auto w = ForCutoffDay(*day);
  if (!w) {
    return MakeError("unknown_week", "week",
                     std::string(name) + " is not the Saturday of one of the campaign's " +
                         std::to_string(issues_) + " bulletins (" + Issue(1).Name() + " .. " +
                         Issue(issues_).Name() + ")");
  }
  return *w;
}

int WeekCalendar::LastDue(Millis now) const {
  const Millis first_due = Issue(1).due;
  if (now < first_due) return 0;
  const Millis week = 7 * timeutil::kMillisPerDay;
  const Millis n = (now - first_due) / week + 1;
  return static_cast<int>(std::min<Millis>(n, issues_));
}

}  // namespace ducha::bulletin
