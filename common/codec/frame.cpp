#include "common/codec/frame.h"

#include <algorithm>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "common/codec/wire.h"

namespace ducha::codec {
namespace {

// Our own recursion below follows the unpacked tree; cap it even if a caller raises the limit.
constexpr std::size_t kMaxWalkDepth = 32;
constexpr std::size_t kMaxIdBytes = 64;
constexpr std::size_t kMaxTypeBytes = 64;

Error Shape(std::string field, std::string message) {
  return MakeError("wrong_shape", std::move(field), std::move(message));
}

bool IsAsciiId(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  });
}

std::string_view StrOf(const msgpack::object& o) { return {o.via.str.ptr, o.via.str.size}; }

// Rejects what msgpack-c would silently accept: non-string keys and duplicate keys (where the
// first occurrence would win in one decoder and the last in another).
Status CheckKeys(const msgpack::object& o, const wire::Path& path, std::size_t depth) {
  if (depth > kMaxWalkDepth) {
    return MakeError("limit_exceeded", path.ToString(), "message nests too deeply");
  }
  if (o.type == msgpack::type::ARRAY) {
    for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
      const wire::Path item(path, i);
      if (Status s = CheckKeys(o.via.array.ptr[i], item, depth + 1); !s.ok()) return s;
    }
    return OkStatus();
  }
  if (o.type != msgpack::type::MAP) return OkStatus();
  std::vector<std::string_view> keys;
  keys.reserve(o.via.map.size);
  for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
    const msgpack::object& key = o.via.map.ptr[i].key;
    if (key.type != msgpack::type::STR) {
      return Shape(path.ToString(), "map keys must be strings");
    }
    keys.push_back(StrOf(key));
  }
  std::sort(keys.begin(), keys.end());
  if (auto dup = std::adjacent_find(keys.begin(), keys.end()); dup != keys.end()) {
    const wire::Path at(path, *dup);
    return Shape(at.ToString(), "duplicate key " + wire::Quote(*dup));
  }
  for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
    const wire::Path child(path, StrOf(o.via.map.ptr[i].key));
    if (Status s = CheckKeys(o.via.map.ptr[i].val, child, depth + 1); !s.ok()) return s;
  }
  return OkStatus();
}

bool ReadU32(const msgpack::object& o, std::uint32_t& out) {
  if (o.type != msgpack::type::POSITIVE_INTEGER || o.via.u64 > 0xffffffffu) return false;
  out = static_cast<std::uint32_t>(o.via.u64);
  return true;
}

Status ReadEnvelope(Frame::Impl& f) {
  const msgpack::object& top = f.handle.get();
  if (top.type != msgpack::type::MAP) {
    return Shape("", "a frame must be a msgpack map (the envelope {type, v, id, body})");
  }
  const msgpack::object* type = nullptr;
  const msgpack::object* version = nullptr;
  const msgpack::object* id = nullptr;
  const msgpack::object* body = nullptr;
  std::vector<std::string_view> seen;
  for (std::uint32_t i = 0; i < top.via.map.size; ++i) {
    const msgpack::object_kv& kv = top.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR) return Shape("", "envelope keys must be strings");
    const std::string_view key = StrOf(kv.key);
    const msgpack::object** slot = key == "type"   ? &type
                                   : key == "v"    ? &version
                                   : key == "id"   ? &id
                                   : key == "body" ? &body
                                                   : nullptr;
    if (slot == nullptr) {
      // The envelope is closed: a new top-level key would be a new wire format, not a minor.
      return Shape("", "unknown envelope key " + wire::Quote(key) + "; expected type, v, id, body");
    }
    if (*slot != nullptr) return Shape(std::string(key), "duplicate key " + wire::Quote(key));
    *slot = &kv.val;
  }
  if (type == nullptr) return Shape("type", "envelope field 'type' is required");
  if (type->type != msgpack::type::STR || type->via.str.size == 0 ||
      type->via.str.size > kMaxTypeBytes || !IsAsciiId(StrOf(*type))) {
    return Shape("type",
                 "envelope field 'type' must be a message type name such as "
                 "'intake.submit_report'");
  }
  f.type = StrOf(*type);
  if (version == nullptr) return Shape("v", "envelope field 'v' is required");
  if (version->type != msgpack::type::ARRAY || version->via.array.size != 2 ||
      !ReadU32(version->via.array.ptr[0], f.major) ||
      !ReadU32(version->via.array.ptr[1], f.minor)) {
    return Shape("v", "envelope field 'v' must be [major, minor], two unsigned integers");
  }
  if (id != nullptr) {
    if (id->type != msgpack::type::STR || id->via.str.size > kMaxIdBytes ||
        !IsAsciiId(StrOf(*id))) {
      return Shape("id",
                   "envelope field 'id' must be at most 64 characters of A-Z a-z 0-9 . _ : -");
    }
    f.id = StrOf(*id);
  }
  if (body == nullptr) return Shape("body", "envelope field 'body' is required");
  if (body->type != msgpack::type::MAP) return Shape("body", "envelope field 'body' must be a map");
  f.body = body;
  return CheckKeys(*body, wire::Path(), 0);
}

Error LimitExceeded(std::string message) {
  return MakeError("limit_exceeded", "", std::move(message));
}

}  // namespace

Frame::Frame(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Frame::Frame(Frame&&) noexcept = default;
Frame& Frame::operator=(Frame&&) noexcept = default;
Frame::~Frame() = default;

std::string_view Frame::type() const { return impl_->type; }
std::uint32_t Frame::major() const { return impl_->major; }
std::uint32_t Frame::minor() const { return impl_->minor; }
std::string_view Frame::id() const { return impl_->id; }

Result<Frame> ParseFrame(std::string_view bytes, const Limits& limits) {
  if (bytes.size() > limits.max_frame_bytes) {
    return MakeError("too_large", "",
                     "frame of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                         std::to_string(limits.max_frame_bytes) + " bytes");
  }
  if (bytes.empty()) return MakeError("malformed", "", "empty frame");
  try {
    auto impl = std::make_unique<Frame::Impl>();
    std::size_t offset = 0;
    // No reference function: str/bin are copied into the handle's zone, so the Frame never
    // points into the caller's buffer (a zmq::message_t that is about to be reused).
    impl->handle = msgpack::unpack(bytes.data(), bytes.size(), offset, nullptr, nullptr,
                                   msgpack::unpack_limit(limits.array, limits.map, limits.str,
                                                         limits.bin, limits.ext, limits.depth));
    if (offset != bytes.size()) {
      return MakeError(
          "malformed", "",
          std::to_string(bytes.size() - offset) + " trailing bytes after the msgpack object");
    }
    if (Status s = ReadEnvelope(*impl); !s.ok()) return s.error();
    return Frame(std::move(impl));
  } catch (const msgpack::array_size_overflow&) {
    return LimitExceeded("an array exceeds the limit of " + std::to_string(limits.array) +
                         " elements");
  } catch (const msgpack::map_size_overflow&) {
    return LimitExceeded("a map exceeds the limit of " + std::to_string(limits.map) + " entries");
  } catch (const msgpack::str_size_overflow&) {
    return LimitExceeded("a string exceeds the limit of " + std::to_string(limits.str) + " bytes");
  } catch (const msgpack::bin_size_overflow&) {
    return LimitExceeded("a binary value exceeds the limit of " + std::to_string(limits.bin) +
                         " bytes");
  } catch (const msgpack::ext_size_overflow&) {
    return LimitExceeded("extension types are not allowed");
  } catch (const msgpack::depth_size_overflow&) {
    return LimitExceeded("nesting exceeds the limit of " + std::to_string(limits.depth) +
                         " levels");
  } catch (const msgpack::insufficient_bytes&) {
    return MakeError("malformed", "", "truncated msgpack");
  } catch (const std::bad_alloc&) {
    return LimitExceeded("frame needs more memory than is available");
  } catch (const std::exception& e) {
    return MakeError("malformed", "", std::string("not valid msgpack: ") + e.what());
  }
}

Status CheckKnown(const Frame& frame, std::span<const MessageInfo> known) {
  const auto it = std::find_if(known.begin(), known.end(),
                               [&](const MessageInfo& m) { return m.type == frame.type(); });
  if (it == known.end()) {
    return MakeError("unknown_type", "type", "unknown message type " + wire::Quote(frame.type()));
  }
  if (it->major != frame.major()) {
    return MakeError(
        "unsupported_version", "v",
        "message type " + std::string(frame.type()) + " version " + std::to_string(frame.major()) +
            " is not supported; this service reads version " + std::to_string(it->major));
  }
  return OkStatus();
}

}  // namespace ducha::codec
