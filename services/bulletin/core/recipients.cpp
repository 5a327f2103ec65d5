#include "services/bulletin/core/recipients.h"

#include <nlohmann/json.hpp>
#include <set>

namespace ducha::bulletin {
namespace {

using nlohmann::json;

Status OnlyKeys(const json& object, const std::string& where,
                std::initializer_list<std::string_view> allowed) {
  if (!object.is_object()) return MakeError("invalid_value", where, "must be an object");
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || key == a;
    if (!known) {
      return MakeError("unknown_field", where.empty() ? key : where + "." + key,
                       "unknown key '" + key + "'");
    }
  }
  return OkStatus();
}

Result<std::string> NonEmptyString(const json& object, const std::string& key,
                                   const std::string& where) {
  const std::string field = where.empty() ? key : where + "." + key;
  if (!object.contains(key)) return MakeError("missing_field", field, "'" + key + "' is required");
  const json& v = object.at(key);
  if (!v.is_string() || v.get<std::string>().empty()) {
    return MakeError("invalid_value", field, "must be a non-empty string");
  }
  return v.get<std::string>();
}

Result<std::vector<Recipient>> ReadRecipients(const json& object, const std::string& where) {
  const std::string field = where + ".recipients";
  if (!object.contains("recipients")) {
    return MakeError("missing_field", field, "'recipients' is required");
  }
  const json& list = object.at("recipients");
  if (!list.is_array() || list.empty() || list.size() > 100) {
    return MakeError("invalid_value", field, "must be a list of 1..100 recipients");
  }
  std::vector<Recipient> out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = field + "[" + std::to_string(i) + "]";
    if (auto ok = OnlyKeys(list[i], at, {"title", "address"}); !ok) return ok.error();
    auto title = NonEmptyString(list[i], "title", at);
    if (!title) return title.error();
    auto address = NonEmptyString(list[i], "address", at);
    if (!address) return address.error();
    if (!IsPlainAddress(*address)) {
      return MakeError("invalid_address", at + ".address",
                       "'" + *address + "' is not a plain address (local@domain.tld)");
    }
    if (!seen.insert(*address).second) {
      return MakeError("duplicate", at + ".address", *address + " is listed twice");
    }
    out.push_back(Recipient{std::move(title).value(), std::move(address).value()});
  }
  return out;
}

Result<campaign::DivisionCode> ReadCode(const json& object, const std::string& where) {
  if (!object.contains("code")) {
    return MakeError("missing_field", where + ".code", "'code' is required");
  }
  const json& v = object.at("code");
  if (!v.is_number_integer()) {
    return MakeError("invalid_value", where + ".code", "must be a division code (integer)");
  }
  return static_cast<campaign::DivisionCode>(v.get<std::int64_t>());
}

}  // namespace

const RecipientList* Distribution::Find(std::string_view id) const {
  for (const RecipientList& l : lists) {
    if (l.id == id) return &l;
  }
  return nullptr;
}

bool IsPlainAddress(std::string_view a) {
  if (a.size() < 5 || a.size() > 254) return false;
  const auto at = a.find('@');
  if (at == std::string_view::npos || at == 0 || a.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  const std::string_view local = a.substr(0, at);
  const std::string_view domain = a.substr(at + 1);
  if (local.size() > 64) return false;
  for (const char ch : local) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-' || ch == '+';
    if (!ok) return false;
  }
  if (local.front() == '.' || local.back() == '.') return false;
  if (domain.find('.') == std::string_view::npos) return false;
  std::size_t label = 0;
  for (std::size_t i = 0; i <= domain.size(); ++i) {
    if (i == domain.size() || domain[i] == '.') {
      if (label == 0 || label > 63) return false;
      if (domain[i - 1] == '-' || domain[i - label] == '-') return false;
      label = 0;
      continue;
    }
    const char ch = domain[i];
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '-';
    if (!ok) return false;
    ++label;
  }
  return true;
}

Result<Distribution> ParseRecipients(std::string_view text, const campaign::Campaign& campaign) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {
    return MakeError("invalid_json", "", e.what());
  }
  if (auto ok = OnlyKeys(root, "", {"format_version", "note", "issuer", "provincial", "cities"});
      !ok) {
    return ok.error();
  }
  if (!root.contains("format_version") || !root.at("format_version").is_number_integer() ||
      root.at("format_version").get<int>() != kRecipientsFormatVersion) {
    return MakeError("invalid_value", "format_version",
                     "this build reads format_version " + std::to_string(kRecipientsFormatVersion));
  }
  Distribution d;
  auto issuer = NonEmptyString(root, "issuer", "");
  if (!issuer) return issuer.error();
  d.issuer = std::move(issuer).value();

  if (!root.contains("provincial")) {
    return MakeError("missing_field", "provincial", "'provincial' is required");
  }
  const json& provincial = root.at("provincial");
  if (auto ok = OnlyKeys(provincial, "provincial", {"name", "recipients"}); !ok) {
    return ok.error();
  }
  auto leaders = ReadRecipients(provincial, "provincial");
  if (!leaders) return leaders.error();
  RecipientList province{"provincial", "省委、省政府有关领导", 0, std::move(leaders).value()};
  if (provincial.contains("name")) {
    auto name = NonEmptyString(provincial, "name", "provincial");
    if (!name) return name.error();
    province.name = std::move(name).value();
  }
  d.lists.push_back(std::move(province));

  if (!root.contains("cities") || !root.at("cities").is_array()) {
    return MakeError("missing_field", "cities", "'cities' (a list) is required");
  }
  const json& cities = root.at("cities");
  std::set<campaign::DivisionCode> seen_cities;
  std::set<campaign::DivisionCode> seen_counties;
  for (std::size_t i = 0; i < cities.size(); ++i) {
    const std::string at = "cities[" + std::to_string(i) + "]";
    if (auto ok = OnlyKeys(cities[i], at, {"code", "recipients", "counties"}); !ok) {
      return ok.error();
    }
    auto code = ReadCode(cities[i], at);
    if (!code) return code.error();
    const campaign::Jurisdiction* city = campaign.FindJurisdiction(*code);
    if (city == nullptr) {
      return MakeError("unknown_city", at + ".code",
                       std::to_string(*code) + " is not a jurisdiction of the campaign");
    }
    if (!seen_cities.insert(*code).second) {
      return MakeError("duplicate", at + ".code", city->name + " is listed twice");
    }
    auto heads = ReadRecipients(cities[i], at);
    if (!heads) return heads.error();
    d.lists.push_back(RecipientList{"city-" + std::to_string(*code),
                                    city->name + "党委、政府主要负责人", *code,
                                    std::move(heads).value()});
    if (!cities[i].contains("counties")) continue;
    const json& counties = cities[i].at("counties");
    if (!counties.is_array()) {
      return MakeError("invalid_value", at + ".counties", "must be a list");
    }
    for (std::size_t k = 0; k < counties.size(); ++k) {
      const std::string cat = at + ".counties[" + std::to_string(k) + "]";
      if (auto ok = OnlyKeys(counties[k], cat, {"code", "recipients"}); !ok) return ok.error();
      auto county_code = ReadCode(counties[k], cat);
      if (!county_code) return county_code.error();
      const campaign::County* county = campaign.FindCounty(*county_code);
      if (county == nullptr) {
        return MakeError(
            "unknown_county", cat + ".code",
            std::to_string(*county_code) + " is not a county-level unit of the campaign");
      }
      if (county->jurisdiction != *code) {
        return MakeError("wrong_city", cat + ".code",
                         county->name + " belongs to " +
                             std::string(campaign.NameOf(county->jurisdiction).value_or("?")) +
                             ", not " + city->name);
      }
      if (county->code == city->code) {
        return MakeError(
            "duplicate", cat + ".code",
            city->name + " is its own county-level unit: its heads are the city's list");
      }
      if (!seen_counties.insert(*county_code).second) {
        return MakeError("duplicate", cat + ".code", county->name + " is listed twice");
      }
      auto county_heads = ReadRecipients(counties[k], cat);
      if (!county_heads) return county_heads.error();
      d.lists.push_back(RecipientList{"county-" + std::to_string(*county_code),
                                      county->name + "党委、政府主要负责人", *county_code,
                                      std::move(county_heads).value()});
    }
  }
  for (const campaign::Jurisdiction& j : campaign.jurisdictions()) {
    if (!seen_cities.contains(j.code)) {
      return MakeError("missing_city", "cities",
                       j.name + " (" + std::to_string(j.code) +
                           ") has no recipient list: the bulletin goes to every city's heads");
    }
  }
  return d;
}

}  // namespace ducha::bulletin
