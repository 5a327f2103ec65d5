// The committed, human-readable contract must be exactly what the schemas render to, so the
// document integrators read cannot drift from the code services run.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace ducha {
namespace {

std::string Slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// ctest sets both variables (ducha_test); a bare run of the binary must say so, not pass.
std::filesystem::path Env(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr) ADD_FAILURE() << name << " is not set; run this test through ctest";
  return v != nullptr ? v : ".";
}

TEST(ContractDoc, CommittedContractMatchesTheSchemas) {
  const auto committed = Env("DUCHA_SOURCE_DIR") / "proto-schemas" / "CONTRACT.md";
  const auto generated = Env("DUCHA_BUILD_DIR") / "gen" / "proto" / "CONTRACT.md";
  ASSERT_TRUE(std::filesystem::exists(generated)) << generated;
  ASSERT_TRUE(std::filesystem::exists(committed))
      << committed << " is missing; run proto-schemas/gen/protogen.py --write-docs";
  EXPECT_TRUE(Slurp(committed) == Slurp(generated))
      << "proto-schemas/CONTRACT.md is out of date; run proto-schemas/gen/protogen.py "
         "--write-docs and commit it";
}

}  // namespace
}  // namespace ducha
