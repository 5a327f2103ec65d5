// The recipient lists: the shipped file is valid and complete; an unknown city, a missing city,
// a county of another city, a bad address or an unknown key are refused with their place.

#include "services/bulletin/core/recipients.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/unit/bulletin/fixtures.h"

namespace ducha::bulletin {
namespace {

using testing::Hebei;

std::string Shipped() {
  std::ifstream in(std::string(DUCHA_CAMPAIGN_DIR) + "/recipients.json");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Error Refusal(const nlohmann::json& j) {
  auto r = ParseRecipients(j.dump(), Hebei());
  EXPECT_FALSE(r.ok());
  return r.ok() ? Error{} : r.error();
}

TEST(Recipients, TheShippedListsCoverTheProvinceAndEveryCityWithPlaceholderAddresses) {
  auto d = ParseRecipients(Shipped(), Hebei());
  ASSERT_TRUE(d.ok()) << d.error().field << ": " << d.error().message;
  ASSERT_EQ(d->lists.size(), 1u + 14u + 2u);
  EXPECT_EQ(d->lists[0].id, "provincial");
  EXPECT_EQ(d->lists[1].id, "city-130100");
  EXPECT_EQ(d->lists[2].id, "county-130102") << "a county follows its city";
  ASSERT_NE(d->Find("city-133100"), nullptr);
  EXPECT_EQ(d->Find("city-133100")->name, "雄安新区党委、政府主要负责人");
  EXPECT_EQ(d->Find("city-130200")->recipients.size(), 2u);
  EXPECT_FALSE(d->issuer.empty());
  for (const RecipientList& l : d->lists) {
    for (const Recipient& r : l.recipients) {
      EXPECT_TRUE(r.address.ends_with(".example")) << r.address << " must stay a placeholder";
    }
  }
}

TEST(Recipients, AnUnknownCityIsRefused) {
  auto j = nlohmann::json::parse(Shipped());
  j["cities"][3]["code"] = 139900;
  const Error e = Refusal(j);
  EXPECT_EQ(e.code, "unknown_city");
  EXPECT_EQ(e.field, "cities[3].code");
}

TEST(Recipients, EveryCityNeedsAList) {
  auto j = nlohmann::json::parse(Shipped());
  j["cities"].erase(5);
  const Error e = Refusal(j);
  EXPECT_EQ(e.code, "missing_city");
  EXPECT_NE(e.message.find("保定市"), std::string::npos) << e.message;
}

TEST(Recipients, ACountyMustBelongToItsCity) {
  auto j = nlohmann::json::parse(Shipped());
  j["cities"][1]["counties"] = {{{"code", 130102}, {"recipients", j["cities"][0]["recipients"]}}};
  EXPECT_EQ(Refusal(j).code, "wrong_city");
  j["cities"][1]["counties"][0]["code"] = 130199;
  EXPECT_EQ(Refusal(j).code, "unknown_county");
}

TEST(Recipients, AddressesMustBePlainAndUniqueInAList) {
  auto j = nlohmann::json::parse(Shipped());
  j["cities"][2]["recipients"][0]["address"] = "Mayor <mayor@qhd.hebei.example>";
  EXPECT_EQ(Refusal(j).code, "invalid_address");
  j["cities"][2]["recipients"][0]["address"] = j["cities"][2]["recipients"][1]["address"];
  EXPECT_EQ(Refusal(j).code, "duplicate");
  j["cities"][2]["recipients"] = nlohmann::json::array();
  EXPECT_EQ(Refusal(j).code, "invalid_value");
}

TEST(Recipients, AMisspeltKeyIsRefused) {
  auto j = nlohmann::json::parse(Shipped());
  j["provincal"] = j["provincial"];
  const Error e = Refusal(j);
  EXPECT_EQ(e.code, "unknown_field");
  EXPECT_EQ(e.field, "provincal");
  EXPECT_EQ(ParseRecipients("{", Hebei()).error().code, "invalid_json");
}

TEST(Recipients, PlainAddresses) {
  EXPECT_TRUE(IsPlainAddress("mayor@sjz.hebei.example"));
  EXPECT_TRUE(IsPlainAddress("a.b-c+d@x-y.example"));
  EXPECT_FALSE(IsPlainAddress("mayor@localhost"));
  EXPECT_FALSE(IsPlainAddress("two@at@x.example"));
  EXPECT_FALSE(IsPlainAddress("space in@x.example"));
  EXPECT_FALSE(IsPlainAddress("crlf\r\n@x.example"));
  EXPECT_FALSE(IsPlainAddress("市长@x.example"));
  EXPECT_FALSE(IsPlainAddress("a@-x.example"));
  EXPECT_FALSE(IsPlainAddress("a@x..example"));
}

}  // namespace
}  // namespace ducha::bulletin
