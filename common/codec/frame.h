#pragma once
// The envelope of every ducha message, parsed from one ZeroMQ frame. This header is
// msgpack-free on purpose: services and domain code hold Frames without paying for msgpack's
// headers; only common/codec and the generated decoders see the msgpack object tree.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "common/base/result.h"

namespace ducha::codec {

// Hard ceilings applied while a frame is unpacked, before anything is allocated for it.
// The per-field limits of proto-schemas/ are checked later, by the generated decoders; these
// only make sure hostile bytes cannot make the unpacker allocate or nest without bound.
struct Limits {
  std::size_t max_frame_bytes = (1u << 20) + (64u << 10);
  std::size_t array = 10000;  // elements in one array
  std::size_t map = 256;      // entries in one map
  std::size_t str = 1u << 20;
  std::size_t bin = 1u << 20;
  std::size_t ext = 0;  // we never use ext types
  std::size_t depth = 8;
};

// Selects a decoder by message type: Decode(frame, Tag<intake::SubmitReport>{}).
template <typename M>
struct Tag {};

// One parsed message frame: owns the unpacked msgpack tree (an arena) and exposes the envelope.
// The body stays opaque until a generated Decode turns it into a typed message. Move-only; not
// thread-safe, like any value.
class Frame {
 public:
  struct Impl;

  explicit Frame(std::unique_ptr<Impl> impl);
  Frame(Frame&&) noexcept;
  Frame& operator=(Frame&&) noexcept;
  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;
  ~Frame();

  std::string_view type() const;
  std::uint32_t major() const;
  std::uint32_t minor() const;
  std::string_view id() const;  // correlation id; empty when the sender gave none

  // For common/codec and generated code only.
  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// Parses and checks the envelope {type, v, id?, body}. Never throws. Error codes: too_large,
// malformed, limit_exceeded, wrong_shape (field names the envelope key at fault).
Result<Frame> ParseFrame(std::string_view bytes, const Limits& limits = {});

// What a service knows about one message type; the generated registry lists them all.
struct MessageInfo {
  std::string_view type;
  std::uint32_t major;
  std::uint32_t minor;
  bool extensible;
};

// Checks a parsed frame against the known types: unknown_type, or unsupported_version when the
// major differs. A newer minor of a known major passes (minors only add optional fields).
Status CheckKnown(const Frame& frame, std::span<const MessageInfo> known);

// Decodes a frame as message type M, found by argument-dependent lookup in M's namespace.
template <typename M>
auto DecodeAs(const Frame& frame) {
  return Decode(frame, Tag<M>{});
}

}  // namespace ducha::codec
