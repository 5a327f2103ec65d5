// db::CopyBatch through a real server: what we build, COPY stores as exactly the values we
// started from, row by row and in order.

#include <gtest/gtest.h>

#include <optional>
#include <pqxx/pqxx>
#include <stop_token>
#include <string>
#include <vector>

#include "common/db/copy.h"
#include "tests/integration/common/common_it.h"

namespace ducha::db {
namespace {

using testing::TestCluster;
using namespace std::string_literals;

class CopyRoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::FreshSchema("t_copy");
    TestCluster::Get().Exec(
        "CREATE TABLE t_copy.t (id bigserial PRIMARY KEY, n bigint, t text, b bytea)");
  }

  void Copy(CopyBatch& batch) {
    Connection conn(testing::AdminSettings("copy-roundtrip"), stop_.get_token());
    conn.Transact([&](pqxx::work& tx) { batch.Write(tx, "t_copy.t", {"n", "t", "b"}); });
  }

  struct Row {
    std::optional<long long> n;
    std::optional<std::string> t;
    std::optional<std::string> b;
    bool operator==(const Row&) const = default;
  };

  std::vector<Row> Rows() {
    pqxx::connection c{TestCluster::Get().AdminUrl()};
    pqxx::read_transaction r{c};
    std::vector<Row> out;
    for (const auto& row : r.exec("SELECT n, t, b FROM t_copy.t ORDER BY id")) {
      Row x;
      if (!row[0].is_null()) x.n = row[0].as<long long>();
      if (!row[1].is_null()) x.t = row[1].as<std::string>();
      if (!row[2].is_null()) x.b = pqxx::binarystring(row[2]).str();
      out.push_back(x);
    }
    return out;
  }

  std::stop_source stop_;
};

TEST_F(CopyRoundTrip, TextWithEveryAwkwardCharacterComesBackExactly) {
  const std::vector<std::string> texts = {"plain",
                                          "",
                                          "NULL",
                                          "\\N",
                                          "\\.",
                                          ".",
                                          R"(back\slash)",
                                          R"(\)",
                                          "tab\there",
                                          "new\nline",
                                          "cr\rlf",
                                          "\r\n",
                                          "\t",
                                          "'quotes' and \"quotes\"",
                                          "{braces},commas",
                                          "\x01\x1f\x7f",
                                          "扬尘污染，\"群众\"举报：{石家庄}\\长安区",
                                          "😀 emoji",
                                          "  spaces  "};
  CopyBatch b;
  std::vector<Row> want;
  long long n = 0;
  for (const auto& t : texts) {
    b.Int(n).Text(t).Null().EndRow();
    want.push_back(Row{n, t, std::nullopt});
    ++n;
  }
  ASSERT_EQ(b.rows(), texts.size());
  Copy(b);
  EXPECT_EQ(Rows(), want);
  EXPECT_EQ(b.rows(), 0u);  // written and emptied
}

TEST_F(CopyRoundTrip, BytesWithAll256ValuesComeBackExactly) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::vector<std::string> values = {all, "", "\0"s, "\\x00"s, "\\\n\t\r"s};
  for (int i = 255; i >= 0; --i) values.push_back(std::string(1, static_cast<char>(i)));
  CopyBatch b;
  std::vector<Row> want;
  for (const auto& v : values) {
    b.Null().Null().Bytes(v).EndRow();
    want.push_back(Row{std::nullopt, std::nullopt, v});
  }
  Copy(b);
  EXPECT_EQ(Rows(), want);
}

TEST_F(CopyRoundTrip, ALargeBatchKeepsItsOrder) {
  // Larger than libpq's send buffer and one COPY message: the rows arrive whole and in order.
  CopyBatch b;
  std::vector<Row> want;
  for (long long i = 0; i < 20000; ++i) {
    const std::string t = "第" + std::to_string(i) + "行\t";
    const std::string bytes(static_cast<std::size_t>(i % 300), static_cast<char>(i));
    b.Int(-i).Text(t).Bytes(bytes).EndRow();
    want.push_back(Row{-i, t, bytes});
  }
  Copy(b);
  EXPECT_EQ(Rows(), want);
}

TEST_F(CopyRoundTrip, ALongRowAmongShortOnesArrivesWhole) {
  // Longer than libpq's send buffer on its own.
  std::string big;
  for (int i = 0; i < 100000; ++i) big.push_back(static_cast<char>(i * 7));
  const std::string long_text(70000, 'x');
  CopyBatch b;
  b.Int(1).Text("before").Null().EndRow();
  b.Int(2).Text(long_text).Bytes(big).EndRow();
  b.Int(3).Text("after\n").Bytes("\n"s).EndRow();
  Copy(b);
  EXPECT_EQ(Rows(), (std::vector<Row>{
                        {1, "before", std::nullopt}, {2, long_text, big}, {3, "after\n", "\n"s}}));
}

TEST_F(CopyRoundTrip, AnEmptyBatchWritesNothing) {
  CopyBatch b;
  Copy(b);
  EXPECT_TRUE(Rows().empty());
}

}  // namespace
}  // namespace ducha::db
