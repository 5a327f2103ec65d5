#include "services/bulletin/core/labels.h"

#include <cstdio>

namespace ducha::bulletin {

std::string PlaceName(const campaign::Campaign& c, DivisionCode code) {
  const auto name = c.NameOf(code);
  return name ? std::string(*name) : std::to_string(code);
}

std::string CountyWithCity(const campaign::Campaign& c, DivisionCode code) {
  if (c.IsCity(code)) return PlaceName(c, code);
  const auto city = c.JurisdictionOf(code);
  std::string out = PlaceName(c, code);
  if (city) out += "（" + PlaceName(c, *city) + "）";
  return out;
}

std::string ChannelName(const campaign::Campaign& c, std::string_view channel) {
  const campaign::ChannelInfo* info = c.FindChannel(channel);
  return info ? info->display_name : std::string(channel);
}

std::string CategoryName(const campaign::Campaign& c, std::string_view category) {
  const campaign::CategoryInfo* info = c.FindCategory(category);
  return info ? info->display_name : std::string(category);
}

std::string SeverityName(const campaign::Campaign& c, std::string_view severity) {
  const campaign::SeverityInfo* info = c.FindSeverity(severity);
  return info ? info->display_name : std::string(severity);
}

std::string VisitMethodName(std::string_view method) {
  if (method == "hear") return "听";
  if (method == "check") return "查";
  if (method == "look") return "看";
  if (method == "visit") return "访";
  return std::string(method);
}

std::string VisitModeName(std::string_view mode) {
  if (mode == "open") return "明查";
  if (mode == "covert") return "暗访";
  return std::string(mode);
}

std::string MonthDay(std::int64_t day) {
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  timeutil::CivilFromDays(day, y, m, d);
  return std::to_string(m) + "月" + std::to_string(d) + "日";
}

std::string FullDate(std::int64_t day) {
  int y = 0;
  unsigned m = 0;
  unsigned d = 0;
  timeutil::CivilFromDays(day, y, m, d);
  return std::to_string(y) + "年" + std::to_string(m) + "月" + std::to_string(d) + "日";
}

std::string Permille(std::int64_t permille) {
  return std::to_string(permille / 10) + "." + std::to_string(permille % 10) + "%";
}

std::string Rate(const Standing& s) {
  const auto r = OnTimePermille(s);
  return r ? Permille(*r) : "—";
}

std::string Signed(std::int64_t delta) {
  return delta > 0 ? "+" + std::to_string(delta) : std::to_string(delta);
}

std::string Change(std::int64_t delta, std::string_view unit) {
  if (delta == 0) return "持平";
  return (delta > 0 ? "增加" : "减少") + std::to_string(delta > 0 ? delta : -delta) +
         std::string(unit);
}

std::size_t DisplayWidth(std::string_view s) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    char32_t cp = b;
    std::size_t len = 1;
    if (b >= 0xf0) {
      len = 4;
      cp = b & 0x07u;
    } else if (b >= 0xe0) {
      len = 3;
      cp = b & 0x0fu;
    } else if (b >= 0xc0) {
      len = 2;
      cp = b & 0x1fu;
    }
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3fu);
    }
    i += len;
    const bool wide = (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
                      (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
                      (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
                      (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd);
    width += wide ? 2 : 1;
  }
  return width;
}

}  // namespace ducha::bulletin
