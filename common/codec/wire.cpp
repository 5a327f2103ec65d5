#include "common/codec/wire.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "common/base/text.h"
#include "common/base/time.h"

namespace ducha::codec::wire {
namespace {

// 0001-01-01T00:00:00Z .. 9999-12-31T23:59:59Z: what RFC 3339's four-digit year can carry.
constexpr std::int64_t kMinTimestamp = -62135596800000;
constexpr std::int64_t kMaxTimestamp = 253402300799999;
constexpr std::size_t kQuoteBytes = 64;

std::string Field(const Path& p) { return "field '" + p.ToString() + "'"; }

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

std::string_view TypeName(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::NIL:
      return "nil";
    case msgpack::type::BOOLEAN:
      return "a boolean";
    case msgpack::type::POSITIVE_INTEGER:
    case msgpack::type::NEGATIVE_INTEGER:
      return "an integer";
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      return "a float";
    case msgpack::type::STR:
      return "a string";
    case msgpack::type::BIN:
      return "binary";
    case msgpack::type::ARRAY:
      return "an array";
    case msgpack::type::MAP:
      return "a map";
    case msgpack::type::EXT:
      return "an extension value";
  }
  return "an unknown value";
}

bool IsAsciiIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

bool IsZ85Char(char c) {
  static constexpr std::string_view kZ85 =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
  return kZ85.find(c) != std::string_view::npos;
}

Status CheckFormat(std::string_view v, const Path& p, Format format) {
  bool ok = true;
  std::string_view what;
  switch (format) {
    case Format::kNone:
      return OkStatus();
    case Format::kAsciiId:
      ok = std::all_of(v.begin(), v.end(), IsAsciiIdChar);
      what = "must contain only A-Z a-z 0-9 . _ : -";
      break;
    case Format::kUscc:
      ok = text::IsValidCreditCode(v);
      what = "is not a valid unified social credit code (统一社会信用代码)";
      break;
    case Format::kDivisionCode:
      ok = v.size() == 6 &&
           std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
      what = "must be a 6-digit administrative division code (行政区划代码)";
      break;
    case Format::kZ85Key:
      ok = v.size() == 40 && std::all_of(v.begin(), v.end(), IsZ85Char);
      what = "must be a 40-character Z85 key";
      break;
  }
  if (ok) return OkStatus();
  return MakeError("invalid_format", p.ToString(), Field(p) + " " + std::string(what));
}

}  // namespace

void Path::AppendTo(std::string& out) const {
  if (parent_ == nullptr) return;
  parent_->AppendTo(out);
  if (is_index_) {
    out += '[';
    out += std::to_string(index_);
    out += ']';
    return;
  }
  if (!out.empty()) out += '.';
  out += name_;
}

std::string Path::ToString() const {
  std::string out;
  AppendTo(out);
  return out;
}

std::string Quote(std::string_view v) {
  std::string out = "'";
  const bool cut = v.size() > kQuoteBytes;
  const std::string_view shown = cut ? v.substr(0, kQuoteBytes) : v;
  if (text::IsValidUtf8(shown) || cut) {
    for (char c : shown) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f || (cut && u >= 0x80)) {
        out += '?';
      } else {
        out += c;
      }
    }
  } else {
    out += "<invalid UTF-8>";
  }
  out += cut ? "...'" : "'";
  return out;
}

Error MissingField(const Path& p) {
  return MakeError("missing_field", p.ToString(), Field(p) + " is required");
}

Error MissingFieldWhen(const Path& p, std::string_view condition) {
  return MakeError("missing_field", p.ToString(),
                   Field(p) + " is required when " + std::string(condition));
}

Error WrongType(const Path& p, std::string_view expected, const msgpack::object& got) {
  return MakeError(
      "wrong_type", p.ToString(),
      Field(p) + " must be " + std::string(expected) + ", got " + std::string(TypeName(got)));
}

Error UnknownField(const Path& p) {
  return MakeError("unknown_field", p.ToString(), "unknown field '" + p.ToString() + "'");
}

Error InvalidEnumValue(const Path& p) {
  return MakeError("invalid_enum", p.ToString(), Field(p) + " holds a value outside its enum");
}

Error InvalidEnum(const Path& p, std::string_view got, std::string_view expected) {
  return MakeError(
      "invalid_enum", p.ToString(),
      Field(p) + " has unknown value " + Quote(got) + "; expected one of " + std::string(expected));
}

Status CheckString(std::string_view v, const Path& p, const StringRule& rule) {
  if (!text::IsValidUtf8(v)) {
    return MakeError("invalid_utf8", p.ToString(), Field(p) + " is not valid UTF-8");
  }
  if (text::HasControlChars(v)) {
    return MakeError("invalid_text", p.ToString(),
                     Field(p) + " contains control characters (only tab, CR and LF are allowed)");
  }
  if (v.size() > rule.max_bytes) {
    return MakeError("too_long", p.ToString(),
                     Field(p) + " must be at most " + std::to_string(rule.max_bytes) +
                         " bytes, got " + std::to_string(v.size()));
  }
  const std::size_t chars = text::CodePointCount(v);
  if (chars < rule.min_chars) {
    return MakeError("too_short", p.ToString(),
                     rule.min_chars == 1
                         ? Field(p) + " must not be empty"
                         : Field(p) + " must be at least " + std::to_string(rule.min_chars) +
                               " characters, got " + std::to_string(chars));
  }
  if (rule.max_chars != 0 && chars > rule.max_chars) {
    return MakeError("too_long", p.ToString(),
                     Field(p) + " must be at most " + std::to_string(rule.max_chars) +
                         " characters, got " + std::to_string(chars));
  }
  return CheckFormat(v, p, rule.format);
}

Status CheckBin(std::string_view v, const Path& p, std::size_t max_bytes) {
  if (v.size() <= max_bytes) return OkStatus();
  return MakeError("too_long", p.ToString(),
                   Field(p) + " must be at most " + std::to_string(max_bytes) + " bytes, got " +
                       std::to_string(v.size()));
}

Status CheckInt(std::int64_t v, const Path& p, const IntRule& rule) {
  if (v >= rule.min && v <= rule.max) return OkStatus();
  constexpr auto kLow = std::numeric_limits<std::int64_t>::min();
  constexpr auto kHigh = std::numeric_limits<std::int64_t>::max();
  std::string bound;
  if (rule.min != kLow && rule.max != kHigh) {
    bound = "between " + std::to_string(rule.min) + " and " + std::to_string(rule.max);
  } else if (rule.min != kLow) {
    bound = "at least " + std::to_string(rule.min);
  } else {
    bound = "at most " + std::to_string(rule.max);
  }
  return MakeError("out_of_range", p.ToString(),
                   Field(p) + " must be " + bound + ", got " + std::to_string(v));
}

Status CheckFloat(double v, const Path& p, const FloatRule& rule) {
  if (!std::isfinite(v)) {
    return MakeError("out_of_range", p.ToString(), Field(p) + " must be a finite number");
  }
  if ((!rule.has_min || v >= rule.min) && (!rule.has_max || v <= rule.max)) return OkStatus();
  std::string bound;
  if (rule.has_min && rule.has_max) {
    bound = "between " + Num(rule.min) + " and " + Num(rule.max);
  } else if (rule.has_min) {
    bound = "at least " + Num(rule.min);
  } else {
    bound = "at most " + Num(rule.max);
  }
  return MakeError("out_of_range", p.ToString(),
                   Field(p) + " must be " + bound + ", got " + Num(v));
}

Status CheckTimestamp(std::int64_t v, const Path& p) {
  if (v >= kMinTimestamp && v <= kMaxTimestamp) return OkStatus();
  return MakeError("out_of_range", p.ToString(), Field(p) + " must be between years 0001 and 9999");
}

Status CheckItems(std::size_t n, const Path& p, std::size_t max_items) {
  if (n <= max_items) return OkStatus();
  return MakeError("too_many_items", p.ToString(),
                   Field(p) + " must have at most " + std::to_string(max_items) + " items, got " +
                       std::to_string(n));
}

Status RequireMap(const msgpack::object& o, const Path& p) {
  if (o.type != msgpack::type::MAP) return WrongType(p, "a map", o);
  return OkStatus();
}

Status FindFields(const msgpack::object& o, const Path& p, const std::string_view* names,
                  std::size_t count, bool allow_unknown, const msgpack::object** out) {
  if (Status s = RequireMap(o, p); !s.ok()) return s;
  for (std::size_t i = 0; i < count; ++i) out[i] = nullptr;
  // Keys are known to be unique strings (ParseFrame checked); maps hold at most Limits::map.
  for (std::uint32_t k = 0; k < o.via.map.size; ++k) {
    const msgpack::object_kv& kv = o.via.map.ptr[k];
    const std::string_view key(kv.key.via.str.ptr, kv.key.via.str.size);
    std::size_t i = 0;
    while (i < count && names[i] != key) ++i;
    if (i == count) {
      if (allow_unknown) continue;
      const Path at(p, key.size() <= kQuoteBytes ? key : key.substr(0, kQuoteBytes));
      return UnknownField(at);
    }
    if (kv.val.type != msgpack::type::NIL) out[i] = &kv.val;
  }
  return OkStatus();
}

Status ReadBool(const msgpack::object& o, const Path& p, bool& out) {
  if (o.type != msgpack::type::BOOLEAN) return WrongType(p, "a boolean", o);
  out = o.via.boolean;
  return OkStatus();
}

Status ReadInt(const msgpack::object& o, const Path& p, std::int64_t& out) {
  if (o.type == msgpack::type::NEGATIVE_INTEGER) {
    out = o.via.i64;
    return OkStatus();
  }
  if (o.type != msgpack::type::POSITIVE_INTEGER) return WrongType(p, "an integer", o);
  if (o.via.u64 > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return MakeError("out_of_range", p.ToString(),
                     Field(p) + " must fit in a signed 64-bit integer");
  }
  out = static_cast<std::int64_t>(o.via.u64);
  return OkStatus();
}

Status ReadFloat(const msgpack::object& o, const Path& p, double& out) {
  switch (o.type) {
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      out = o.via.f64;
      return OkStatus();
    // Integral numbers are accepted: many encoders write 39.0 as 39.
    case msgpack::type::POSITIVE_INTEGER:
      out = static_cast<double>(o.via.u64);
      return OkStatus();
    case msgpack::type::NEGATIVE_INTEGER:
      out = static_cast<double>(o.via.i64);
      return OkStatus();
    default:
      return WrongType(p, "a number", o);
  }
}

Status ReadStr(const msgpack::object& o, const Path& p, std::string& out) {
  if (o.type != msgpack::type::STR) return WrongType(p, "a string", o);
  out.assign(o.via.str.ptr, o.via.str.size);
  return OkStatus();
}

Status ReadBin(const msgpack::object& o, const Path& p, std::string& out) {
  if (o.type != msgpack::type::BIN) return WrongType(p, "binary", o);
  out.assign(o.via.bin.ptr, o.via.bin.size);
  return OkStatus();
}

Status ReadTimestamp(const msgpack::object& o, const Path& p, std::int64_t& out) {
  if (o.type != msgpack::type::STR) return WrongType(p, "an RFC 3339 timestamp string", o);
  const std::string_view v(o.via.str.ptr, o.via.str.size);
  const auto t = timeutil::ParseRfc3339(v);
  if (!t) {
    return MakeError("invalid_format", p.ToString(),
                     Field(p) +
                         " must be an RFC 3339 timestamp such as "
                         "2017-11-21T09:30:00+08:00, got " +
                         Quote(v));
  }
  out = *t;
  return OkStatus();
}

Status ReadEnumName(const msgpack::object& o, const Path& p, std::string_view& out) {
  if (o.type != msgpack::type::STR) return WrongType(p, "a string (an enum name)", o);
  out = std::string_view(o.via.str.ptr, o.via.str.size);
  return OkStatus();
}

Status ExpectType(const Frame& frame, std::string_view type, std::uint32_t major) {
  if (frame.type() != type) {
    return MakeError("unexpected_type", "type",
                     "expected message type " + std::string(type) + ", got " + Quote(frame.type()));
  }
  if (frame.major() != major) {
    return MakeError("unsupported_version", "v",
                     "message type " + std::string(type) + " version " +
                         std::to_string(frame.major()) +
                         " is not supported; this service reads version " + std::to_string(major));
  }
  return OkStatus();
}

Writer::Writer() : packer_(buffer_) {}

void Writer::Envelope(std::string_view type, std::uint32_t major, std::uint32_t minor,
                      std::string_view id, std::uint32_t body_fields) {
  packer_.pack_map(id.empty() ? 3 : 4);
  Str("type");
  Str(type);
  Str("v");
  packer_.pack_array(2);
  packer_.pack_uint32(major);
  packer_.pack_uint32(minor);
  if (!id.empty()) {
    Str("id");
    Str(id);
  }
  Str("body");
  packer_.pack_map(body_fields);
}

void Writer::Map(std::size_t n) { packer_.pack_map(static_cast<std::uint32_t>(n)); }
void Writer::Array(std::size_t n) { packer_.pack_array(static_cast<std::uint32_t>(n)); }

void Writer::Str(std::string_view v) {
  const auto n = static_cast<std::uint32_t>(v.size());
  packer_.pack_str(n);
  packer_.pack_str_body(v.data(), n);
}

void Writer::Bin(std::string_view v) {
  const auto n = static_cast<std::uint32_t>(v.size());
  packer_.pack_bin(n);
  packer_.pack_bin_body(v.data(), n);
}

void Writer::Int(std::int64_t v) { packer_.pack_int64(v); }
// Always float64 (0xcb, big-endian IEEE 754): msgpack-c 4.1's pack_double writes a double with an
// integral value (-3.0) as an integer, which is not the canonical encoding.
void Writer::Float(double v) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof bits);
  char out[9];
  out[0] = static_cast<char>(0xcb);
  for (int i = 0; i < 8; ++i) out[1 + i] = static_cast<char>((bits >> (56 - 8 * i)) & 0xff);
  buffer_.write(out, sizeof out);
}
void Writer::Bool(bool v) {
  if (v) {
    packer_.pack_true();
  } else {
    packer_.pack_false();
  }
}
void Writer::Timestamp(std::int64_t millis) {
  // Decoders keep milliseconds, so writing whole seconds only would change a value on its way
  // through a service (found by tests/fuzz). Whole seconds stay as they were: "...:00Z".
  std::string text = timeutil::FormatRfc3339(millis, 0);
  const std::int64_t ms = (millis % 1000 + 1000) % 1000;
  if (ms != 0) {
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, ".%03lld", static_cast<long long>(ms));
    text.insert(text.size() - 1, fraction);  // before the 'Z'
  }
  Str(text);
}

std::string Writer::Take() {
  std::string out(buffer_.data(), buffer_.size());
  buffer_.clear();
  return out;
}

}  // namespace ducha::codec::wire
