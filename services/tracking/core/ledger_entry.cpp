#include "services/tracking/core/ledger_entry.h"

#include <array>

namespace ducha::tracking {
namespace {

constexpr std::array kStates = {State::kAwaitingVerification, State::kInRectification,
                                State::kClaimed, State::kClosedNotSubstantiated,
                                State::kClosedRectified};

}  // namespace

std::string_view ToString(State state) {
  switch (state) {
    case State::kAwaitingVerification:
      return "awaiting_verification";
    case State::kInRectification:
      return "in_rectification";
    case State::kClaimed:
      return "claimed";
    case State::kClosedNotSubstantiated:
      return "closed_not_substantiated";
    case State::kClosedRectified:
      return "closed_rectified";
  }
  return {};
}

std::optional<State> ParseState(std::string_view name) {
  for (State s : kStates) {
    if (ToString(s) == name) return s;
  }
  return std::nullopt;
}

bool IsOpen(State state) {
  return state == State::kAwaitingVerification || state == State::kInRectification;
}

bool IsClosed(State state) {
  return state == State::kClosedNotSubstantiated || state == State::kClosedRectified;
}

}  // namespace ducha::tracking
