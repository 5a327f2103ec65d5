#pragma once
// The bulletin's weeks (督察快报的期次). Every Saturday at 00:00 in the campaign's zone is a
// cut-off; the bulletin issued that day covers the seven days before it, [cut-off − 7 days,
// cut-off), and is due at the configured hour of that Saturday. Issue 1 is the first Saturday
// after the campaign's first round starts; the last issue is `weeks_after_last_round` Saturdays
// after the first cut-off that covers the end of the last round, so rectification after the last
// round is still reported.
//
// Built once at start from the campaign; immutable and pure afterwards (thread-safe).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/base/time.h"
#include "common/campaign/campaign.h"

namespace ducha::bulletin {

using Day = std::int64_t;  // days since 1970-01-01 in the campaign's zone
using timeutil::Millis;

struct Week {
  int issue = 0;       // 第N期, from 1
  Day first_day = 0;   // first day covered (a Saturday)
  Day cutoff_day = 0;  // the Saturday it is issued; covered: [first_day, cutoff_day)
  Millis start = 0;    // 00:00 of first_day
  Millis cutoff = 0;   // 00:00 of cutoff_day: facts before it count
  Millis due = 0;      // when it is sent: cutoff + send_hour

  std::string Name() const { return timeutil::FormatDate(cutoff_day); }  // "2017-11-25"
  friend bool operator==(const Week&, const Week&) = default;
};

struct ScheduleSettings {
  int send_hour = 9;               // 0..23, campaign zone
  int weeks_after_last_round = 4;  // issues after the one covering the last round's end
};

class WeekCalendar {
 public:
  // Error invalid_value for an hour out of range or a negative tail; a campaign without rounds
  // has no weeks (error no_rounds).
  static Result<WeekCalendar> Create(const campaign::Campaign& campaign, ScheduleSettings s);
  // The same from the values themselves (tests, tools).
  static Result<WeekCalendar> Create(int utc_offset_minutes, Day campaign_start, Day campaign_end,
                                     ScheduleSettings s);

  int issues() const { return issues_; }
  // Issue n, 1 <= n <= issues().
  Week Issue(int n) const;
  // The week issued on `cutoff_day`, when it is one of the campaign's.
  std::optional<Week> ForCutoffDay(Day cutoff_day) const;
  // The week named "YYYY-MM-DD" (its Saturday). Errors: invalid_format, unknown_week.
  Result<Week> ForName(std::string_view name) const;
  // The highest issue due at `now` (due <= now), 0 when none is due yet.
  int LastDue(Millis now) const;
  int utc_offset_minutes() const { return offset_; }

 private:
  WeekCalendar(int offset, Day first_cutoff, int issues, int send_hour)
      : offset_(offset), first_cutoff_(first_cutoff), issues_(issues), send_hour_(send_hour) {}

  int offset_;
  Day first_cutoff_;
  int issues_;
  int send_hour_;
};

// The first Saturday strictly after `day`.
Day NextSaturdayAfter(Day day);

}  // namespace ducha::bulletin
