#pragma once
// Who acts on a ledger entry, as the domain needs to know it: the authenticated identity's name
// (recorded as `by`), its role and, for a body, the division codes it answers for. The io layer
// builds an Actor from the identity the ZAP handler authenticated (common/auth), never from a
// field of the message, so the domain can check authority without depending on the transport.

#include <string>
#include <string_view>
#include <vector>

#include "common/campaign/campaign.h"

namespace ducha::tracking {

using campaign::DivisionCode;

enum class ActorRole {
  kBody,               // a city or county government, or a city environmental bureau (责任单位)
  kSupervisionCenter,  // 省环境保护督查中心: decides extension requests
  kReview,             // the review service, relaying the re-inspection (复查) results
};

std::string_view ToString(ActorRole role);

struct Actor {
  std::string name;
  ActorRole role = ActorRole::kBody;
  std::vector<DivisionCode> scope;  // kBody only: the codes it answers for

  bool InScope(DivisionCode code) const;
};

}  // namespace ducha::tracking
