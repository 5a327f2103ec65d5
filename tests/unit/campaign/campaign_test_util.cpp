#include "tests/unit/campaign/campaign_test_util.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/base/time.h"
#include "common/campaign/loader.h"

namespace ducha::campaign::testing {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

const std::string& ShippedJson() {
  static const std::string text = Read(std::string(DUCHA_CAMPAIGN_DIR) + "/campaign.json");
  return text;
}

const std::string& ShippedCsv() {
  static const std::string text = Read(std::string(DUCHA_CAMPAIGN_DIR) + "/counties.csv");
  return text;
}

const Campaign& Shipped() {
  static const Campaign campaign = [] {
    auto loaded = LoadCampaign(DUCHA_CAMPAIGN_DIR);
    if (!loaded) {
      ADD_FAILURE() << "shipped campaign does not load: " << loaded.error().code << " at "
                    << loaded.error().field << ": " << loaded.error().message;
      std::abort();
    }
    return std::move(loaded).value();
  }();
  return campaign;
}

Result<Campaign> ParseMutated(const std::function<void(Json&)>& mutate) {
  Json json = Json::parse(ShippedJson());
  mutate(json);
  return ParseCampaign(json.dump(), ShippedCsv());
}

Result<Campaign> ParseWithCsv(const std::string& csv) { return ParseCampaign(ShippedJson(), csv); }

std::string ReplaceOnce(std::string text, std::string_view from, std::string_view to) {
  const auto pos = text.find(from);
  EXPECT_NE(pos, std::string::npos) << "'" << from << "' not found";
  EXPECT_EQ(text.find(from, pos + 1), std::string::npos) << "'" << from << "' found twice";
  if (pos != std::string::npos) text.replace(pos, from.size(), to);
  return text;
}

::testing::AssertionResult FailsWith(const Result<Campaign>& result, std::string_view code,
                                     std::string_view field) {
  if (result.ok()) return ::testing::AssertionFailure() << "loaded, expected " << code;
  const Error& e = result.error();
  if (e.code == code && e.field == field) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected " << code << " at '" << field << "', got "
                                       << e.code << " at '" << e.field << "': " << e.message;
}

Day D(std::string_view iso) {
  const auto day = timeutil::ParseDate(iso);
  EXPECT_TRUE(day.has_value()) << iso;
  return day.value_or(0);
}

}  // namespace ducha::campaign::testing
