// db::ArrayBuilder through a real server: what we build, PostgreSQL unnests to exactly the
// values we started from.

#include <gtest/gtest.h>

#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "common/db/array.h"
#include "tests/integration/common/common_it.h"

namespace ducha::db {
namespace {

using testing::TestCluster;
using namespace std::string_literals;

std::vector<std::optional<std::string>> UnnestText(const std::string& literal) {
  pqxx::connection c{TestCluster::Get().AdminUrl()};
  pqxx::read_transaction r{c};
  const pqxx::result res = r.exec_params(
      "SELECT t FROM unnest($1::text[]) WITH ORDINALITY AS x(t, n) ORDER BY n", literal);
  std::vector<std::optional<std::string>> out;
  for (const auto& row : res) {
    out.push_back(row[0].is_null() ? std::nullopt
                                   : std::optional<std::string>(row[0].as<std::string>()));
  }
  return out;
}

TEST(ArrayRoundTrip, TextWithEveryAwkwardCharacterComesBackExactly) {
  const std::vector<std::optional<std::string>> values = {
      "plain",
      "",
      std::nullopt,
      "NULL",
      "null",
      R"(say "hi")",
      R"(back\slash)",
      R"(\)",
      R"(\\")",
      R"(")",
      "{braces}",
      "}",
      "{",
      "a,b,c",
      ",",
      "  leading and trailing spaces  ",
      " ",
      "tab\there",
      "new\nline",
      "cr\rlf",
      "it's",
      "$1 and $$dollar$$",
      "{\"nested\",\"array\"}",
      "\x01\x1f\x7f",
      "扬尘污染，\"群众\"举报：{石家庄}\\长安区",
      "建筑工地未落实扬尘防治措施",
      "😀 emoji",
      std::nullopt,
      "last",
  };
  ArrayBuilder b;
  for (const auto& v : values) b.AddOptional(v);
  ASSERT_EQ(b.size(), values.size());
  EXPECT_EQ(UnnestText(b.Finish()), values);
}

TEST(ArrayRoundTrip, EmptyArrayUnnestsToNothing) {
  EXPECT_TRUE(UnnestText(ArrayBuilder{}.Finish()).empty());
}

TEST(ArrayRoundTrip, OnlyNullsStayNulls) {
  ArrayBuilder b;
  b.AddNull();
  b.AddNull();
  EXPECT_EQ(UnnestText(b.Finish()),
            (std::vector<std::optional<std::string>>{std::nullopt, std::nullopt}));
}

TEST(ArrayRoundTrip, ByteaWithAll256ByteValuesComesBackExactly) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::vector<std::string> values = {all, "", "\0"s, "\\x00"s, "\"{},\\"};
  for (int i = 255; i >= 0; --i) values.push_back(std::string(1, static_cast<char>(i)));
  ArrayBuilder b;
  for (const auto& v : values) b.AddBytes(v);

  pqxx::connection c{TestCluster::Get().AdminUrl()};
  pqxx::read_transaction r{c};
  const pqxx::result res = r.exec_params(
      "SELECT p, length(p) FROM unnest($1::bytea[]) WITH ORDINALITY AS x(p, n) ORDER BY n",
      b.Finish());
  ASSERT_EQ(res.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const pqxx::binarystring got(res[static_cast<pqxx::result::size_type>(i)][0]);
    EXPECT_EQ(got.str(), values[i]) << "element " << i;
    EXPECT_EQ(res[static_cast<pqxx::result::size_type>(i)][1].as<std::size_t>(), values[i].size());
  }
}

TEST(ArrayRoundTrip, ParallelArraysZipRowByRow) {
  // The outbox's bulk insert shape: several arrays unnested together stay aligned.
  ArrayBuilder names, ids, blobs;
  for (int i = 0; i < 100; ++i) {
    names.Add("名字," + std::to_string(i) + "\"}");
    ids.AddInt(-i);
    blobs.AddBytes(std::string(static_cast<std::size_t>(i), static_cast<char>(i)));
  }
  pqxx::connection c{TestCluster::Get().AdminUrl()};
  pqxx::read_transaction r{c};
  const pqxx::result res = r.exec_params(
      "SELECT t, i, length(p), n FROM unnest($1::text[], $2::bigint[], $3::bytea[]) "
      "WITH ORDINALITY AS x(t, i, p, n) ORDER BY n",
      names.Finish(), ids.Finish(), blobs.Finish());
  ASSERT_EQ(res.size(), 100u);
  for (int i = 0; i < 100; ++i) {
    const auto row = res[static_cast<pqxx::result::size_type>(i)];
    EXPECT_EQ(row[0].as<std::string>(), "名字," + std::to_string(i) + "\"}");
    EXPECT_EQ(row[1].as<long long>(), -i);
    EXPECT_EQ(row[2].as<int>(), i);
  }
}

}  // namespace
}  // namespace ducha::db
