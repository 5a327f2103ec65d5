#include "common/db/array.h"

namespace ducha::db {

void ArrayBuilder::Sep() {
  if (count_++ > 0) out_ += ',';
}

void ArrayBuilder::Add(std::string_view text) {
  Sep();
  out_ += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') out_ += '\\';
    out_ += c;
  }
  out_ += '"';
}

void ArrayBuilder::AddNull() {
  Sep();
  out_ += "NULL";
}

void ArrayBuilder::AddRaw(const std::string& raw) {
  Sep();
  out_ += raw;
}

void ArrayBuilder::AddBytes(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  Sep();
  out_ += "\"\\\\x";
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out_ += kHex[b >> 4];
    out_ += kHex[b & 0xF];
  }
  out_ += '"';
}

}  // namespace ducha::db
