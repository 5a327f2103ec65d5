#pragma once
// Result<T> and Error: how per-message failures travel as values (CONTRIBUTING.md, "Errors").
// An Error carries a stable English code (snake_case, part of the contract), the offending field
// (dotted path, empty when the whole message is at fault) and a human message.

#include <string>
#include <utility>
#include <variant>

namespace ducha {

struct Error {
  std::string code;
  std::string field;
  std::string message;

  friend bool operator==(const Error&, const Error&) = default;
};

inline Error MakeError(std::string code, std::string field, std::string message) {
  return Error{std::move(code), std::move(field), std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Status is a Result with no value.
struct Ok {};
using Status = Result<Ok>;
inline Status OkStatus() { return Ok{}; }

}  // namespace ducha
