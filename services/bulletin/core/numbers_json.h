#pragma once
// The numbers of a bulletin as JSON: what the store keeps for each generated bulletin, and what
// the sender renders from, so a bulletin sent on a retry or resent by an operator says exactly
// what was generated. The text is canonical (keys sorted, no spaces), so equal numbers give
// equal text and the same hash.

#include <string>
#include <string_view>

#include "common/base/result.h"
#include "services/bulletin/core/numbers.h"

namespace ducha::bulletin {

std::string NumbersToJson(const Numbers& n);
// Error invalid_format when the text is not a bulletin's numbers.
Result<Numbers> NumbersFromJson(std::string_view text);

}  // namespace ducha::bulletin
