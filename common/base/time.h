#pragma once
// Time values on the wire and in the domain. The wire carries RFC 3339 strings with an explicit
// offset ("2017-11-21T09:30:00+08:00"); the domain works in milliseconds since the Unix epoch
// (UTC). Civil dates (deadlines, calendars) are days since 1970-01-01 in the campaign's zone.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ducha::timeutil {

using Millis = std::int64_t;  // Unix epoch milliseconds, UTC.

// Parses RFC 3339 ("YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)"). Rejects anything else.
std::optional<Millis> ParseRfc3339(std::string_view s);

// Formats as RFC 3339 in the given fixed offset (minutes east of UTC), seconds precision.
std::string FormatRfc3339(Millis t, int offset_minutes);

// Civil date helpers (proleptic Gregorian).
std::int64_t DaysFromCivil(int y, unsigned m, unsigned d);
void CivilFromDays(std::int64_t z, int& y, unsigned& m, unsigned& d);
// Parses "YYYY-MM-DD" into days since epoch.
std::optional<std::int64_t> ParseDate(std::string_view s);
std::string FormatDate(std::int64_t days);
// 0 = Monday … 6 = Sunday.
int Weekday(std::int64_t days);
// The civil day of `t` in a zone with the given offset.
std::int64_t DayOf(Millis t, int offset_minutes);
// Midnight starting `day` in a zone with the given offset, as epoch millis.
Millis StartOfDay(std::int64_t day, int offset_minutes);

constexpr Millis kMillisPerDay = 86'400'000;

}  // namespace ducha::timeutil
