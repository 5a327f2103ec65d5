// libFuzzer target: every generated decoder and validator. A frame that parses as a known type is
// decoded as that type (proto::VisitMessageType, generated, so no type can be missed); a message
// that decodes must then validate, encode, parse, decode to an equal value, and encode to the
// same bytes again (the canonical encoding is a fixed point). Any break aborts with the reason.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/codec/frame.h"
#include "proto/any_decode.h"
#include "proto/registry.h"

namespace {

using ducha::Result;
using ducha::Status;
using ducha::codec::Frame;
using ducha::codec::Tag;

[[noreturn]] void Fail(std::string_view type, const char* what) {
  std::fprintf(stderr, "fuzz_messages: %.*s: invariant broken: %s\n", static_cast<int>(type.size()),
               type.data(), what);
  std::abort();
}

template <typename M>
Status RoundTrip(const Frame& frame, Tag<M> tag) {
  Result<M> first = Decode(frame, tag);
  if (!first.ok()) return first.error();
  if (!Validate(*first).ok()) Fail(M::kType, "Decode accepted a message Validate rejects");

  const std::string bytes = Encode(*first, frame.id());
  // What we encode must be readable by ourselves, whatever limit the input came in under.
  ducha::codec::Limits unbounded;
  unbounded.max_frame_bytes = std::numeric_limits<std::size_t>::max();
  Result<Frame> reparsed = ducha::proto::ParseMessage(bytes, unbounded);
  if (!reparsed.ok()) Fail(M::kType, "an encoded message does not parse");
  if (reparsed->type() != M::kType || reparsed->major() != M::kMajor ||
      reparsed->minor() != M::kMinor || reparsed->id() != frame.id()) {
    Fail(M::kType, "the envelope changed in a round trip");
  }
  Result<M> second = Decode(*reparsed, tag);
  if (!second.ok()) Fail(M::kType, "an encoded message does not decode");
  if (!(*second == *first)) Fail(M::kType, "decode(encode(m)) differs from m");
  if (Encode(*second, reparsed->id()) != bytes) Fail(M::kType, "encoding is not canonical");
  return ducha::OkStatus();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Result<Frame> frame = ducha::proto::ParseMessage(bytes);
  if (!frame.ok()) return 0;
  const Status any = ducha::proto::DecodeAny(*frame);
  const Status round_trip =
      ducha::proto::VisitMessageType(*frame, [&](auto tag) { return RoundTrip(*frame, tag); });
  if (any.ok() != round_trip.ok() || (!any.ok() && !(any.error() == round_trip.error()))) {
    Fail(frame->type(), "DecodeAny and the typed decoder disagree");
  }
  return 0;
}
