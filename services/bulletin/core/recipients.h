#pragma once
// Who receives the bulletin (发送范围): the provincial leaders, and the party and government heads
// of every campaign jurisdiction (and of the counties listed), one recipient list each. Read
// from the campaign's recipients.json (deploy/campaigns/<id>/recipients.json; format in
// services/bulletin/README.md) and validated completely against the campaign: every
// jurisdiction has a list, an unknown city or county code is refused, a county must belong to
// its city, every address is a plain ASCII address. Each list gets each week's bulletin once.
//
// Immutable values; ParseRecipients is pure.

#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/campaign/campaign.h"

namespace ducha::bulletin {

struct Recipient {
  std::string title;    // 石家庄市委书记
  std::string address;  // secretary@sjz.hebei.example
};

struct RecipientList {
  std::string id;                    // provincial, city-130100, county-130102
  std::string name;                  // 石家庄市党委、政府主要负责人
  campaign::DivisionCode place = 0;  // 0 for the provincial list
  std::vector<Recipient> recipients;
};

struct Distribution {
  std::string issuer;                // who issues the bulletin (署名)
  std::vector<RecipientList> lists;  // provincial, then each city followed by its counties

  const RecipientList* Find(std::string_view id) const;
};

inline constexpr int kRecipientsFormatVersion = 1;

// Errors name the place to fix: invalid_json, unknown_field, missing_field, invalid_value,
// unknown_city, unknown_county, wrong_city, duplicate, missing_city, invalid_address.
Result<Distribution> ParseRecipients(std::string_view json, const campaign::Campaign& campaign);

// A plain ASCII address: local@domain.tld, no display name, no spaces or control characters.
bool IsPlainAddress(std::string_view address);

}  // namespace ducha::bulletin
