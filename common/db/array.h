#pragma once
// PostgreSQL array literals for bulk statements: a batch is sent as a few arrays and unnested in
// SQL, so a batch of N rows costs one round trip instead of N. Elements are quoted and escaped,
// so any text (including quotes, backslashes, braces and commas) round-trips exactly.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ducha::db {

class ArrayBuilder {
 public:
  void Add(std::string_view text);
  void AddNull();
  void AddOptional(const std::optional<std::string>& text) {
    if (text) {
      Add(std::string_view(*text));
    } else {
      AddNull();
    }
  }
  void AddInt(long long n) { AddRaw(std::to_string(n)); }
  // bytea elements, as \x-hex inside the array literal.
  void AddBytes(std::string_view bytes);
  std::string Finish() const { return out_ + "}"; }
  std::size_t size() const { return count_; }

 private:
  void AddRaw(const std::string& raw);
  void Sep();
  std::string out_ = "{";
  std::size_t count_ = 0;
};

}  // namespace ducha::db
