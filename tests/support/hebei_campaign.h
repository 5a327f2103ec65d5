#pragma once
// The shipped Hebei 2017–2018 campaign (deploy/campaigns/hebei-2017-2018), loaded once per test
// binary from the source tree: every test target gets DUCHA_CAMPAIGN_DIR from ducha_test().

#include <stdexcept>
#include <string>

#include "common/campaign/loader.h"

namespace ducha::testing {

inline const campaign::Campaign& HebeiCampaign() {
  static const auto* c = [] {
    auto r = campaign::LoadCampaign(DUCHA_CAMPAIGN_DIR);
    if (!r) throw std::runtime_error("the shipped campaign does not load: " + r.error().message);
    return new campaign::Campaign(std::move(r).value());
  }();
  return *c;
}

}  // namespace ducha::testing
