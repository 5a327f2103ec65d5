#include "common/base/time.h"

#include <cstdio>

namespace ducha::timeutil {
namespace {

bool Digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29u : kDays[m - 1];
}

}  // namespace

std::int64_t DaysFromCivil(int y, unsigned m, unsigned d) {
  // Howard Hinnant's algorithm.
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? static_cast<unsigned>(-3) : 9u)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void CivilFromDays(std::int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0));
}

std::optional<std::int64_t> ParseDate(std::string_view s) {
  int y = 0, mo = 0, d = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (!Digits(s, 0, 4, y) || !Digits(s, 5, 2, mo) || !Digits(s, 8, 2, d)) return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 ||
      static_cast<unsigned>(d) > DaysInMonth(y, static_cast<unsigned>(mo))) {
    return std::nullopt;
  }
  return DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
}

std::string FormatDate(std::int64_t days) {
  int y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(days, y, m, d);
  if (y < 0 || y > 9999) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", y, m, d);
    return buf;
  }
  // By hand: this runs for every event and history line a sweep writes, and snprintf was a
  // twentieth of the sweep's client time (bench/tracking_bench).
  std::string out = "0000-00-00";
  auto put = [&out](std::size_t at, unsigned v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) {
      out[at + static_cast<std::size_t>(i)] = static_cast<char>('0' + v % 10);
    }
  };
  put(0, static_cast<unsigned>(y), 4);
  put(5, m, 2);
  put(8, d, 2);
  return out;
}

int Weekday(std::int64_t days) {
  // 1970-01-01 was a Thursday (3 when Monday is 0).
  const std::int64_t w = (days + 3) % 7;
  return static_cast<int>(w < 0 ? w + 7 : w);
}

std::int64_t DayOf(Millis t, int offset_minutes) {
  const Millis local = t + static_cast<Millis>(offset_minutes) * 60'000;
  return local >= 0 ? local / kMillisPerDay : (local - kMillisPerDay + 1) / kMillisPerDay;
}

Millis StartOfDay(std::int64_t day, int offset_minutes) {
  return day * kMillisPerDay - static_cast<Millis>(offset_minutes) * 60'000;
}

std::optional<Millis> ParseRfc3339(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (s.size() < 20) return std::nullopt;
  if (!Digits(s, 0, 4, y) || s[4] != '-' || !Digits(s, 5, 2, mo) || s[7] != '-' ||
      !Digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !Digits(s, 11, 2, h) || s[13] != ':' || !Digits(s, 14, 2, mi) || s[16] != ':' ||
      !Digits(s, 17, 2, se)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 ||
      static_cast<unsigned>(d) > DaysInMonth(y, static_cast<unsigned>(mo)) || h > 23 || mi > 59 ||
      se > 59) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  Millis frac = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::size_t digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 3) frac = frac * 10 + (s[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0 || digits > 9) return std::nullopt;
    for (std::size_t k = digits; k < 3; ++k) frac *= 10;
  }
  if (pos >= s.size()) return std::nullopt;
  int offset = 0;
  if (s[pos] == 'Z' || s[pos] == 'z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    int oh = 0, om = 0;
    if (!Digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const Millis local = days * kMillisPerDay + ((h * 60 + mi) * 60 + se) * Millis{1000} + frac;
  return local - static_cast<Millis>(offset) * 60'000;
}

std::string FormatRfc3339(Millis t, int offset_minutes) {
  const Millis local = t + static_cast<Millis>(offset_minutes) * 60'000;
  const std::int64_t day = DayOf(t, offset_minutes);
  const Millis in_day = local - day * kMillisPerDay;
  const auto secs = in_day / 1000;
  int y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(day, y, m, d);
  char buf[64];
  if (offset_minutes == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lldZ", y, m, d,
                  static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                  static_cast<long long>(secs % 60));
  } else {
    const int off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld%c%02d:%02d", y, m, d,
                  static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                  static_cast<long long>(secs % 60), offset_minutes < 0 ? '-' : '+', off / 60,
                  off % 60);
  }
  return buf;
}

}  // namespace ducha::timeutil
