// libFuzzer target: the envelope parser (codec::ParseFrame) on arbitrary bytes, with the default
// limits, with intake's (a 256 KiB frame) and with tight ones. Beyond "never crashes, never
// allocates without bound", it checks that a frame's size limit is the only thing telling the
// first two apart, and that tightening the unpack limits never turns a rejection into acceptance.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "common/base/result.h"
#include "common/codec/frame.h"
#include "proto/registry.h"

namespace {

using ducha::Result;
using ducha::codec::Frame;
using ducha::codec::Limits;

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "fuzz_envelope: invariant broken: %s\n", what);
  std::abort();
}

// Every accepted frame has an envelope a service can log and route without further checks.
void CheckAccepted(const Frame& f) {
  if (f.type().empty() || f.type().size() > 64) Fail("accepted a frame with a bad type length");
  if (f.id().size() > 64) Fail("accepted a frame with an id over 64 bytes");
  static_cast<void>(ducha::codec::CheckKnown(f, ducha::proto::KnownMessages()));
}

bool SameOutcome(const Result<Frame>& a, const Result<Frame>& b) {
  if (a.ok() != b.ok()) return false;
  if (!a.ok()) return a.error() == b.error();
  return a->type() == b->type() && a->major() == b->major() && a->minor() == b->minor() &&
         a->id() == b->id();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  const Result<Frame> by_default = ducha::codec::ParseFrame(bytes);
  if (by_default.ok()) CheckAccepted(*by_default);

  const Limits intake{.max_frame_bytes = 256u << 10};
  const Result<Frame> by_intake = ducha::codec::ParseFrame(bytes, intake);
  if (by_intake.ok()) CheckAccepted(*by_intake);
  if (size <= intake.max_frame_bytes && !SameOutcome(by_default, by_intake)) {
    Fail("intake's limits and the defaults disagree on a frame within both size limits");
  }

  const Limits tight{
      .max_frame_bytes = 4096, .array = 4, .map = 4, .str = 16, .bin = 16, .depth = 3};
  const Result<Frame> by_tight = ducha::codec::ParseFrame(bytes, tight);
  if (by_tight.ok()) {
    CheckAccepted(*by_tight);
    if (!by_default.ok()) Fail("tight limits accepted a frame the default limits reject");
  }
  return 0;
}
