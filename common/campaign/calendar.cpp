#include "common/campaign/calendar.h"

#include <algorithm>
#include <utility>

#include "common/base/time.h"

namespace ducha::campaign {
namespace {

std::string Date(Day day) { return timeutil::FormatDate(day); }

bool IsWeekend(Day day) { return timeutil::Weekday(day) >= 5; }

}  // namespace

Result<Calendar> Calendar::Create(CalendarSpec spec) {
  if (spec.from > spec.to) {
    return MakeError(
        "invalid_value", "calendar.to",
        "calendar ends (" + Date(spec.to) + ") before it starts (" + Date(spec.from) + ")");
  }
  // Which entry first claimed each day, so a second claim can name both places.
  std::vector<std::string> claimed(static_cast<std::size_t>(spec.to - spec.from + 1));
  const auto claim = [&](Day day, const std::string& place) -> Status {
    auto& owner = claimed[static_cast<std::size_t>(day - spec.from)];
    if (!owner.empty()) {
      return MakeError("duplicate", place, Date(day) + " is already listed by " + owner);
    }
    owner = place;
    return OkStatus();
  };
  for (std::size_t i = 0; i < spec.holidays.size(); ++i) {
    const Holiday& h = spec.holidays[i];
    const std::string place = "calendar.holidays[" + std::to_string(i) + "]";
    if (h.name.empty()) return MakeError("missing_field", place + ".name", "holiday has no name");
    if (h.from > h.to) {
      return MakeError(
          "invalid_value", place + ".to",
          h.name + " ends (" + Date(h.to) + ") before it starts (" + Date(h.from) + ")");
    }
    if (h.from < spec.from || h.to > spec.to) {
      return MakeError("outside_calendar", place,
                       h.name + " " + Date(h.from) + ".." + Date(h.to) +
                           " is outside the calendar's range " + Date(spec.from) + ".." +
                           Date(spec.to));
    }
    for (Day d = h.from; d <= h.to; ++d) {
      if (auto s = claim(d, place); !s) return s.error();
    }
  }
  for (std::size_t i = 0; i < spec.make_up_working_days.size(); ++i) {
    const MakeUpWorkingDay& m = spec.make_up_working_days[i];
    const std::string place = "calendar.make_up_working_days[" + std::to_string(i) + "]";
    if (m.name.empty()) {
      return MakeError("missing_field", place + ".name", "make-up working day has no name");
    }
    if (m.day < spec.from || m.day > spec.to) {
      return MakeError("outside_calendar", place,
                       Date(m.day) + " is outside the calendar's range " + Date(spec.from) + ".." +
                           Date(spec.to));
    }
    if (!IsWeekend(m.day)) {
      return MakeError("invalid_value", place,
                       Date(m.day) +
                           " is not a Saturday or Sunday, so it cannot be a make-up "
                           "working day");
    }
    if (auto s = claim(m.day, place); !s) return s.error();
  }
  return Calendar(std::move(spec));
}

Calendar::Calendar(CalendarSpec spec) : spec_(std::move(spec)) {
  const auto n = static_cast<std::size_t>(spec_.to - spec_.from + 1);
  working_.assign(n, false);
  working_up_to_.assign(n, 0);
  holiday_index_.assign(n, -1);
  for (Day d = spec_.from; d <= spec_.to; ++d) working_[Index(d)] = !IsWeekend(d);
  for (std::size_t i = 0; i < spec_.holidays.size(); ++i) {
    for (Day d = spec_.holidays[i].from; d <= spec_.holidays[i].to; ++d) {
      working_[Index(d)] = false;
      holiday_index_[Index(d)] = static_cast<int>(i);
    }
  }
  for (const MakeUpWorkingDay& m : spec_.make_up_working_days) working_[Index(m.day)] = true;
  int count = 0;
  for (std::size_t i = 0; i < n; ++i) {
    count += working_[i] ? 1 : 0;
    working_up_to_[i] = count;
  }
}

Error Calendar::OutsideError(Day day) const {
  return MakeError(
      "outside_calendar", "day",
      Date(day) + " is outside the campaign calendar " + Date(spec_.from) + ".." + Date(spec_.to));
}

Result<bool> Calendar::IsWorkingDay(Day day) const {
  if (!Covers(day)) return OutsideError(day);
  return static_cast<bool>(working_[Index(day)]);
}

std::optional<std::string_view> Calendar::HolidayName(Day day) const {
  if (!Covers(day)) return std::nullopt;
  const int i = holiday_index_[Index(day)];
  if (i < 0) return std::nullopt;
  return spec_.holidays[static_cast<std::size_t>(i)].name;
}

Result<Day> Calendar::AddWorkingDays(Day start, int n) const {
  if (n < 0) {
    return MakeError("invalid_value", "n", "cannot add a negative number of working days");
  }
  if (!Covers(start)) return OutsideError(start);
  if (n == 0) return start;
  // The deadline is the first day whose running count reaches count(start) + n.
  const int target = working_up_to_[Index(start)] + n;
  const auto it = std::lower_bound(working_up_to_.begin(), working_up_to_.end(), target);
  if (it == working_up_to_.end()) {
    return MakeError("outside_calendar", "n",
                     std::to_string(n) + " working days after " + Date(start) +
                         " fall beyond the campaign calendar, which ends " + Date(spec_.to));
  }
  return spec_.from + (it - working_up_to_.begin());
}

Result<int> Calendar::WorkingDaysBetween(Day a, Day b) const {
  if (!Covers(a)) return OutsideError(a);
  if (!Covers(b)) return OutsideError(b);
  return working_up_to_[Index(b)] - working_up_to_[Index(a)];
}

}  // namespace ducha::campaign
