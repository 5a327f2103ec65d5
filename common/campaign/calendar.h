#pragma once
// The campaign's working-day calendar: Saturdays and Sundays are rest days unless listed as
// make-up working days (调休), public holidays are rest days, everything else is a working day.
// Deadlines are counted in working days, so a date outside the covered range is an error rather
// than a guess: a deadline computed from a calendar that does not know the holidays would be
// silently wrong.
//
// Built once by Calendar::Create (which validates the entries) and immutable afterwards; every
// method is const and safe to call from any number of threads.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace ducha::campaign {

using Day = std::int64_t;  // Days since 1970-01-01 in the campaign's zone (common/base/time.h).

struct Holiday {
  std::string name;  // 元旦, 春节, ...
  Day from = 0;      // Inclusive.
  Day to = 0;        // Inclusive.
};

struct MakeUpWorkingDay {
  std::string name;  // The holiday it makes up for.
  Day day = 0;
};

struct CalendarSpec {
  Day from = 0;                      // First covered day, inclusive.
  Day to = 0;                        // Last covered day, inclusive.
  std::vector<std::string> sources;  // The notices the entries come from.
  std::vector<Holiday> holidays;
  std::vector<MakeUpWorkingDay> make_up_working_days;
};

class Calendar {
 public:
  // Validates the spec: from <= to, every entry inside the range and well ordered, no day listed
  // twice, no day both a holiday and a make-up day, make-up days only on weekends. Error fields
  // point into campaign.json ("calendar.holidays[3].to").
  static Result<Calendar> Create(CalendarSpec spec);

  Day from() const { return spec_.from; }
  Day to() const { return spec_.to; }
  const CalendarSpec& spec() const { return spec_; }

  bool Covers(Day day) const { return day >= spec_.from && day <= spec_.to; }

  // Error "outside_calendar" when `day` is not covered.
  Result<bool> IsWorkingDay(Day day) const;

  // The name of the holiday `day` falls in, if any (no error outside the range: just none).
  std::optional<std::string_view> HolidayName(Day day) const;

  // The deadline `n` working days after `start`: the n-th working day strictly after `start`
  // (the start day itself never counts, whether or not it is a working day). n == 0 yields
  // `start`. Errors: n < 0 ("invalid_value"); start or the deadline outside the range
  // ("outside_calendar").
  Result<Day> AddWorkingDays(Day start, int n) const;

  // The number of working days in (a, b]: WorkingDaysBetween(s, AddWorkingDays(s, n)) == n.
  // Negative when b < a (minus the working days in (b, a]). Both days must be covered.
  Result<int> WorkingDaysBetween(Day a, Day b) const;

 private:
  explicit Calendar(CalendarSpec spec);

  std::size_t Index(Day day) const { return static_cast<std::size_t>(day - spec_.from); }
  Error OutsideError(Day day) const;

  CalendarSpec spec_;
  std::vector<bool> working_;       // Per covered day.
  std::vector<int> working_up_to_;  // Working days in [from, day], per covered day.
  std::vector<int> holiday_index_;  // Index into spec_.holidays, -1 for none, per day.
};

}  // namespace ducha::campaign
