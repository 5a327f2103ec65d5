#include "services/tracking/core/actor.h"

#include <algorithm>

namespace ducha::tracking {

std::string_view ToString(ActorRole role) {
  switch (role) {
    case ActorRole::kBody:
      return "body";
    case ActorRole::kSupervisionCenter:
      return "supervision_center";
    case ActorRole::kReview:
      return "review";
  }
  return {};
}

bool Actor::InScope(DivisionCode code) const {
  return std::find(scope.begin(), scope.end(), code) != scope.end();
}

}  // namespace ducha::tracking
