#pragma once
// Reads a campaign from its directory (deploy/campaigns/<id>/: campaign.json and the county CSV it
// names) and validates it completely, so a service either starts with a consistent campaign or
// refuses to start with an error naming the place to fix. The format is documented in
// deploy/campaigns/hebei-2017-2018/README.md.
//
// Stateless functions; safe to call from any thread.

#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/campaign/campaign.h"

namespace ducha::campaign {

// The campaign.json format this loader reads ("format_version").
inline constexpr int kCampaignFormatVersion = 1;

// Reads `dir`/campaign.json and the county file it names (relative to `dir`).
Result<Campaign> LoadCampaign(const std::string& dir);

// The same from in-memory texts; the county file name in the JSON is used only in messages.
Result<Campaign> ParseCampaign(std::string_view json, std::string_view counties_csv);

}  // namespace ducha::campaign
