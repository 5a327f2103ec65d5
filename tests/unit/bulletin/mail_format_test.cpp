// The mail's header formats: RFC 2047 encoded words that decode back to the UTF-8 text and
// stay within 75 characters, RFC 5322 dates in the campaign's zone, base64, CRLF line ends.

#include <gtest/gtest.h>

#include "services/bulletin/io/mailer.h"
#include "tests/unit/bulletin/fixtures.h"

namespace ducha::bulletin {
namespace {

std::string Unbase64(const std::string& in) {
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : in) {
    if (c == '=') break;
    buffer = (buffer << 6) | static_cast<unsigned>(kAlphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  return out;
}

TEST(MailFormat, Base64MatchesRfc4648) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
}

TEST(MailFormat, ChineseHeadersAreEncodedWordsThatDecodeBack) {
  const std::string subject =
      "督察快报 第11期（11月18日—11月24日）河北省2017—2018年秋冬季大气污染综合治理攻坚行动专项督察";
  const std::string encoded = EncodeHeaderText(subject);
  std::string decoded;
  std::size_t pos = 0;
  int words = 0;
  while ((pos = encoded.find("=?UTF-8?B?", pos)) != std::string::npos) {
    const std::size_t end = encoded.find("?=", pos + 10);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end + 2 - pos, 75u) << "an encoded word is at most 75 characters";
    decoded += Unbase64(encoded.substr(pos + 10, end - pos - 10));
    pos = end + 2;
    ++words;
  }
  EXPECT_GT(words, 1);
  EXPECT_EQ(decoded, subject) << "words are cut between characters, never inside one";
  EXPECT_EQ(EncodeHeaderText("Weekly bulletin 11"), "Weekly bulletin 11");
  EXPECT_EQ(FormatMailbox("市长", "mayor@sjz.hebei.example"),
            "=?UTF-8?B?" + Base64("市长") + "?= <mayor@sjz.hebei.example>");
}

TEST(MailFormat, DatesAreRfc5322InTheCampaignZone) {
  EXPECT_EQ(FormatMailDate(testing::At("2017-11-25T09:00:00+08:00"), 480),
            "Sat, 25 Nov 2017 09:00:00 +0800");
  EXPECT_EQ(FormatMailDate(testing::At("2017-11-25T01:02:03Z"), 0),
            "Sat, 25 Nov 2017 01:02:03 +0000");
}

TEST(MailFormat, LineEndsBecomeCrlfOnce) { EXPECT_EQ(ToCrlf("a\nb\r\nc\n"), "a\r\nb\r\nc\r\n"); }

}  // namespace
}  // namespace ducha::bulletin
