// Every example in proto-schemas/*.json against the generated codecs: valid ones round-trip to
// the committed golden bytes, invalid ones fail with the declared code and field.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "proto/contract_examples.h"
#include "proto/registry.h"

namespace ducha {
namespace proto::contract {

// Names the example in failure messages instead of dumping its bytes.
void PrintTo(const Example& e, std::ostream* os) { *os << e.type << " example " << e.name; }

}  // namespace proto::contract

namespace {

using proto::contract::Example;

// ctest sets DUCHA_SOURCE_DIR (ducha_test); a bare run of the binary must not pass by accident.
std::filesystem::path GoldenDir() {
  const char* src = std::getenv("DUCHA_SOURCE_DIR");
  if (src == nullptr) ADD_FAILURE() << "DUCHA_SOURCE_DIR is not set; run this test through ctest";
  return std::filesystem::path(src != nullptr ? src : ".") / "proto-schemas" / "golden";
}

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

// The golden file's hex digits with the line breaks removed.
std::string ReadGoldenHex(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string out;
  for (char c; in.get(c);) {
    if (std::isxdigit(static_cast<unsigned char>(c)) != 0) out += c;
  }
  return out;
}

std::vector<Example> Select(bool valid) {
  std::vector<Example> out;
  for (const Example& e : proto::contract::Examples()) {
    if (e.valid == valid) out.push_back(e);
  }
  return out;
}

std::string TestName(const testing::TestParamInfo<Example>& info) {
  std::string name = std::string(info.param.type) + "_" + std::string(info.param.name);
  std::replace_if(
      name.begin(), name.end(),
      [](char c) { return std::isalnum(static_cast<unsigned char>(c)) == 0; }, '_');
  return name;
}

class ValidExample : public testing::TestWithParam<Example> {};

TEST_P(ValidExample, DecodesValidatesAndReencodesToTheSameBytes) {
  const Example& e = GetParam();
  Result<codec::Frame> frame = proto::ParseMessage(e.bytes);
  ASSERT_TRUE(frame.ok()) << frame.error().code << " " << frame.error().field << ": "
                          << frame.error().message;
  Result<std::string> again = proto::contract::RoundTrip(*frame);
  ASSERT_TRUE(again.ok()) << again.error().code << " " << again.error().field << ": "
                          << again.error().message;
  EXPECT_EQ(ToHex(*again), ToHex(e.bytes)) << "the C++ encoder and the generator disagree";
}

TEST_P(ValidExample, MatchesCommittedGoldenBytes) {
  const Example& e = GetParam();
  const std::filesystem::path path = GoldenDir() / std::string(e.golden_file);
  ASSERT_TRUE(std::filesystem::exists(path))
      << path << " is missing; run proto-schemas/gen/protogen.py --write-golden and commit it";
  EXPECT_EQ(ReadGoldenHex(path), ToHex(e.bytes))
      << "the encoding of " << e.type << " example " << e.name << " changed; if that is "
      << "intended (a new major version?), run protogen.py --write-golden and commit";
}

INSTANTIATE_TEST_SUITE_P(Schemas, ValidExample, testing::ValuesIn(Select(true)), TestName);

class InvalidExample : public testing::TestWithParam<Example> {};

TEST_P(InvalidExample, IsRejectedWithTheDeclaredCodeAndField) {
  const Example& e = GetParam();
  Error error;
  if (Result<codec::Frame> frame = proto::ParseMessage(e.bytes); !frame.ok()) {
    error = frame.error();
  } else if (Result<std::string> again = proto::contract::RoundTrip(*frame); !again.ok()) {
    error = again.error();
  } else {
    FAIL() << "example was accepted";
  }
  EXPECT_EQ(error.code, e.expect_code) << error.message;
  EXPECT_EQ(error.field, e.expect_field) << error.message;
  EXPECT_FALSE(error.message.empty());
}

INSTANTIATE_TEST_SUITE_P(Schemas, InvalidExample, testing::ValuesIn(Select(false)), TestName);

TEST(ContractExamples, CoverEveryConstraintKind) {
  const std::set<std::string, std::less<>> required = {
      "missing_field",  "wrong_type",    "out_of_range",  "invalid_enum",
      "invalid_utf8",   "invalid_text",  "too_long",      "too_short",
      "too_many_items", "unknown_field", "invalid_format"};
  std::set<std::string, std::less<>> covered;
  for (const Example& e : proto::contract::Examples()) {
    if (!e.valid) covered.emplace(e.expect_code);
  }
  for (const std::string& code : required) {
    EXPECT_TRUE(covered.contains(code)) << "no invalid example in proto-schemas/ expects " << code;
  }
}

TEST(ContractExamples, EveryMessageHasAValidExample) {
  for (const codec::MessageInfo& m : proto::KnownMessages()) {
    const auto examples = proto::contract::Examples();
    EXPECT_TRUE(std::any_of(examples.begin(), examples.end(), [&](const Example& e) {
      return e.valid && e.type == m.type;
    })) << m.type;
  }
}

TEST(ContractExamples, GoldenFolderHoldsNoStaleFiles) {
  std::set<std::string, std::less<>> expected;
  for (const Example& e : proto::contract::Examples()) {
    if (e.valid) expected.emplace(e.golden_file);
  }
  ASSERT_TRUE(std::filesystem::is_directory(GoldenDir())) << GoldenDir();
  for (const auto& entry : std::filesystem::directory_iterator(GoldenDir())) {
    EXPECT_TRUE(expected.contains(entry.path().filename().string()))
        << entry.path() << " belongs to no example; run protogen.py --write-golden";
  }
}

}  // namespace
}  // namespace ducha
