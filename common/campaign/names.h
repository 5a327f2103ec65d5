#pragma once
// The channel, category and severity names fixed by the message contract. A campaign file gives
// each a display name and a policy, but can neither add nor drop one: a message carrying a name
// the campaign does not know would have no deadline. These arrays are the single list in C++;
// the contract check compares them with the enums generated from proto-schemas/.

#include <algorithm>
#include <array>
#include <string_view>

namespace ducha::campaign {

inline constexpr std::array<std::string_view, 10> kChannelNames = {
    "supervision_group",  "covert_group",          "citizen_web",
    "citizen_hotline",    "central_media",         "ministry_supervision",
    "interview_followup", "provincial_inspection", "enforcement_bureau",
    "key_task",
};

inline constexpr std::array<std::string_view, 9> kCategoryNames = {
    "rural_clean_heating",
    "small_coal_boilers",
    "inferior_coal",
    "scattered_polluting_enterprises",
    "open_pit_mines",
    "dust",
    "transport",
    "responsibility",
    "other",
};

inline constexpr std::array<std::string_view, 3> kSeverityNames = {"general", "serious", "major"};

template <std::size_t N>
constexpr bool IsOneOf(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

constexpr bool IsChannelName(std::string_view name) { return IsOneOf(kChannelNames, name); }
constexpr bool IsCategoryName(std::string_view name) { return IsOneOf(kCategoryNames, name); }
constexpr bool IsSeverityName(std::string_view name) { return IsOneOf(kSeverityNames, name); }

}  // namespace ducha::campaign
