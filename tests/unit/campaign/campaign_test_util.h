#pragma once
// Shared helpers for the campaign tests: the shipped Hebei campaign, and a way to build a variant
// of it with one mutation so each validation test states only what it breaks.

#include <gtest/gtest.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/campaign/campaign.h"

namespace ducha::campaign::testing {

using Json = nlohmann::ordered_json;

// The texts of deploy/campaigns/hebei-2017-2018/.
const std::string& ShippedJson();
const std::string& ShippedCsv();

// The shipped campaign, loaded through LoadCampaign once per test binary.
const Campaign& Shipped();

// Parses the shipped campaign.json after `mutate` has changed it.
Result<Campaign> ParseMutated(const std::function<void(Json&)>& mutate);

// Parses the shipped campaign.json with the given county file text.
Result<Campaign> ParseWithCsv(const std::string& csv);

// `text` with the single occurrence of `from` replaced by `to` (fails the test otherwise).
std::string ReplaceOnce(std::string text, std::string_view from, std::string_view to);

// Passes when `result` failed with exactly this error code and field.
::testing::AssertionResult FailsWith(const Result<Campaign>& result, std::string_view code,
                                     std::string_view field);

// The day of an ISO date, for readable tests.
Day D(std::string_view iso);

}  // namespace ducha::campaign::testing
