#pragma once
// The runtime under the generated encoders, decoders and validators of gen/proto/. Internal:
// only common/codec and generated .cpp files include it, because it pulls in msgpack. Every
// rule here is the single implementation of one constraint kind of proto-schemas/README.md.

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <msgpack.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/codec/frame.h"

namespace ducha::codec {

struct Frame::Impl {
  msgpack::object_handle handle;
  std::string_view type;  // views into handle's zone
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::string_view id;
  const msgpack::object* body = nullptr;
};

namespace wire {

// Where a value sits in a message body ("location.lat", "evidence[3]"). A chain of stack
// nodes, rendered to text only when an error is reported, so decoding pays nothing for it.
class Path {
 public:
  Path() = default;
  Path(const Path& parent, std::string_view name) : parent_(&parent), name_(name) {}
  Path(const Path& parent, std::size_t index) : parent_(&parent), index_(index), is_index_(true) {}
  Path(const Path&) = delete;
  Path& operator=(const Path&) = delete;

  std::string ToString() const;

 private:
  void AppendTo(std::string& out) const;

  const Path* parent_ = nullptr;
  std::string_view name_;
  std::size_t index_ = 0;
  bool is_index_ = false;
};

// Renders untrusted text for an error message: short, printable, never raw bytes.
std::string Quote(std::string_view v);

// Error constructors shared by decoders and validators, so every message reads the same way.
Error MissingField(const Path& p);
Error WrongType(const Path& p, std::string_view expected, const msgpack::object& got);
Error UnknownField(const Path& p);
// A field that is optional in general but required by a rule, e.g. "channel is citizen_web".
Error MissingFieldWhen(const Path& p, std::string_view condition);

enum class Format : std::uint8_t { kNone, kAsciiId, kUscc, kDivisionCode, kZ85Key };

struct StringRule {
  std::size_t max_bytes = 0;
  std::size_t min_chars = 0;
  std::size_t max_chars = 0;  // 0: no limit in code points
  Format format = Format::kNone;
};

struct IntRule {
  std::int64_t min = std::numeric_limits<std::int64_t>::min();
  std::int64_t max = std::numeric_limits<std::int64_t>::max();
};

struct FloatRule {
  bool has_min = false;
  double min = 0;
  bool has_max = false;
  double max = 0;
};

Status CheckString(std::string_view v, const Path& p, const StringRule& rule);
Status CheckBin(std::string_view v, const Path& p, std::size_t max_bytes);
Status CheckInt(std::int64_t v, const Path& p, const IntRule& rule);
Status CheckFloat(double v, const Path& p, const FloatRule& rule);
Status CheckTimestamp(std::int64_t v, const Path& p);
Status CheckItems(std::size_t n, const Path& p, std::size_t max_items);
// An enum member holding a value outside its declaration (a cast from a bad integer).
Error InvalidEnumValue(const Path& p);

// Finds the named fields of one body or struct map. Nil values count as absent. Unknown keys
// fail with unknown_field unless allow_unknown (extensible messages).
Status FindFields(const msgpack::object& o, const Path& p, const std::string_view* names,
                  std::size_t count, bool allow_unknown, const msgpack::object** out);

template <std::size_t N>
Status FindFields(const msgpack::object& o, const Path& p,
                  const std::array<std::string_view, N>& names, bool allow_unknown,
                  std::array<const msgpack::object*, N>& out) {
  return FindFields(o, p, names.data(), N, allow_unknown, out.data());
}

Status ReadBool(const msgpack::object& o, const Path& p, bool& out);
Status ReadInt(const msgpack::object& o, const Path& p, std::int64_t& out);
Status ReadFloat(const msgpack::object& o, const Path& p, double& out);
Status ReadStr(const msgpack::object& o, const Path& p, std::string& out);
Status ReadBin(const msgpack::object& o, const Path& p, std::string& out);
Status ReadTimestamp(const msgpack::object& o, const Path& p, std::int64_t& out);
Status ReadEnumName(const msgpack::object& o, const Path& p, std::string_view& out);
Error InvalidEnum(const Path& p, std::string_view got, std::string_view expected);
Status RequireMap(const msgpack::object& o, const Path& p);

template <typename T, typename ReadElem>
Status ReadList(const msgpack::object& o, const Path& p, std::vector<T>& out, ReadElem read) {
  if (o.type != msgpack::type::ARRAY) return WrongType(p, "an array", o);
  out.clear();
  out.resize(o.via.array.size);  // bounded by Limits::array at unpack time
  for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
    const Path item(p, i);
    if (Status s = read(o.via.array.ptr[i], item, out[i]); !s.ok()) return s;
  }
  return OkStatus();
}

// Checks the envelope of a frame against the message type a decoder expects.
Status ExpectType(const Frame& frame, std::string_view type, std::uint32_t major);

// Appends canonical msgpack (proto-schemas/README.md, "Canonical encoding").
class Writer {
 public:
  Writer();

  // Starts the envelope; the caller then writes exactly `body_fields` key/value pairs.
  void Envelope(std::string_view type, std::uint32_t major, std::uint32_t minor,
                std::string_view id, std::uint32_t body_fields);
  void Map(std::size_t n);
  void Array(std::size_t n);
  void Str(std::string_view v);
  void Bin(std::string_view v);
  void Int(std::int64_t v);
  void Float(double v);
  void Bool(bool v);
  void Timestamp(std::int64_t millis);

  std::string Take();

 private:
  msgpack::sbuffer buffer_;
  msgpack::packer<msgpack::sbuffer> packer_;
};

}  // namespace wire
}  // namespace ducha::codec
