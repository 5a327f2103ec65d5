#include "services/ctl/json_msgpack.h"

#include <msgpack.hpp>

namespace ducha::ctl {
namespace {

void Pack(msgpack::packer<msgpack::sbuffer>& pk, const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      pk.pack_nil();
      break;
    case nlohmann::json::value_t::boolean:
      pk.pack(j.get<bool>());
      break;
    case nlohmann::json::value_t::number_integer:
      pk.pack(j.get<std::int64_t>());
      break;
    case nlohmann::json::value_t::number_unsigned:
      pk.pack(j.get<std::uint64_t>());
      break;
    case nlohmann::json::value_t::number_float:
      pk.pack(j.get<double>());
      break;
    case nlohmann::json::value_t::string:
      pk.pack(j.get<std::string>());
      break;
    case nlohmann::json::value_t::array:
      pk.pack_array(static_cast<std::uint32_t>(j.size()));
      for (const auto& e : j) Pack(pk, e);
      break;
    case nlohmann::json::value_t::object:
      pk.pack_map(static_cast<std::uint32_t>(j.size()));
      for (auto it = j.begin(); it != j.end(); ++it) {
        pk.pack(it.key());
        Pack(pk, it.value());
      }
      break;
    default:
      pk.pack_nil();
  }
}

nlohmann::json ToJson(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::NIL:
      return nullptr;
    case msgpack::type::BOOLEAN:
      return o.via.boolean;
    case msgpack::type::POSITIVE_INTEGER:
      return o.via.u64;
    case msgpack::type::NEGATIVE_INTEGER:
      return o.via.i64;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      return o.via.f64;
    case msgpack::type::STR:
      return std::string(o.via.str.ptr, o.via.str.size);
    case msgpack::type::BIN: {
      static constexpr char kHex[] = "0123456789abcdef";
      std::string hex;
      for (std::uint32_t i = 0; i < o.via.bin.size; ++i) {
        const auto b = static_cast<unsigned char>(o.via.bin.ptr[i]);
        hex += kHex[b >> 4];
        hex += kHex[b & 0xF];
      }
      return hex;
    }
    case msgpack::type::ARRAY: {
      nlohmann::json a = nlohmann::json::array();
      for (std::uint32_t i = 0; i < o.via.array.size; ++i) a.push_back(ToJson(o.via.array.ptr[i]));
      return a;
    }
    case msgpack::type::MAP: {
      nlohmann::json m = nlohmann::json::object();
      for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
        const auto& kv = o.via.map.ptr[i];
        const std::string key = kv.key.type == msgpack::type::STR
                                    ? std::string(kv.key.via.str.ptr, kv.key.via.str.size)
                                    : ToJson(kv.key).dump();
        m[key] = ToJson(kv.val);
      }
      return m;
    }
    default:
      return nullptr;
  }
}

}  // namespace

std::string EnvelopeFromJson(std::string_view type, unsigned major, unsigned minor,
                             const std::string& id, const nlohmann::json& body) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(id.empty() ? 3 : 4);
  pk.pack(std::string("type"));
  pk.pack(std::string(type));
  pk.pack(std::string("v"));
  pk.pack_array(2);
  pk.pack(major);
  pk.pack(minor);
  if (!id.empty()) {
    pk.pack(std::string("id"));
    pk.pack(id);
  }
  pk.pack(std::string("body"));
  Pack(pk, body);
  return std::string(buf.data(), buf.size());
}

nlohmann::json FrameToJson(std::string_view frame) {
  msgpack::unpack_limit limits(10000, 1000, 1u << 20, 1u << 20, 0, 16);
  std::size_t off = 0;
  msgpack::object_handle oh =
      msgpack::unpack(frame.data(), frame.size(), off, nullptr, nullptr, limits);
  return ToJson(oh.get());
}

}  // namespace ducha::ctl
