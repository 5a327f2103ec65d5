#pragma once
// How the bulletin writes names, dates and figures, in Chinese: campaign display names for
// places, channels, categories and severities (from the campaign's data, never code), dates as
// 11月18日, rates as 85.7%. Pure functions.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/campaign/campaign.h"
#include "services/bulletin/core/numbers.h"

namespace ducha::bulletin {

std::string PlaceName(const campaign::Campaign& c, DivisionCode code);
// 长安区（石家庄市）; a city code gives the city's own name.
std::string CountyWithCity(const campaign::Campaign& c, DivisionCode code);
std::string ChannelName(const campaign::Campaign& c, std::string_view channel);
std::string CategoryName(const campaign::Campaign& c, std::string_view category);
std::string SeverityName(const campaign::Campaign& c, std::string_view severity);
// The groups' working methods and modes (intake.VisitMethod, intake.VisitMode), the plan's own
// fixed terms: hear 听, check 查, look 看, visit 访; open 明查, covert 暗访. An unknown name is
// returned as given.
std::string VisitMethodName(std::string_view method);
std::string VisitModeName(std::string_view mode);

std::string MonthDay(std::int64_t day);  // 11月18日
std::string FullDate(std::int64_t day);  // 2017年11月25日
// 85.7%, or — when there is nothing to rate.
std::string Rate(const Standing& s);
std::string Permille(std::int64_t permille);  // 85.7%
// +3, -2, 0.
std::string Signed(std::int64_t delta);
// 增加3个, 减少2个, 持平.
std::string Change(std::int64_t delta, std::string_view unit = "个");

// Display width of UTF-8 text in a fixed-width terminal (CJK characters count 2).
std::size_t DisplayWidth(std::string_view utf8);

}  // namespace ducha::bulletin
