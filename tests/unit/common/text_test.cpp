// common/base/text: UTF-8 validation and the unified social credit code check digit.

#include "common/base/text.h"

#include <gtest/gtest.h>

#include <string>

namespace ducha::text {
namespace {

using namespace std::string_literals;

TEST(Utf8, AcceptsAsciiChineseAndFourByteCharacters) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii, with punctuation {}\"\\"));
  EXPECT_TRUE(IsValidUtf8("建筑工地未落实扬尘防治措施"));
  EXPECT_TRUE(IsValidUtf8("\xF0\x9F\x98\x80"));  // U+1F600
  EXPECT_TRUE(IsValidUtf8("a\0b"s));             // NUL is a valid code point
}

TEST(Utf8, AcceptsTheBoundaryCodePoints) {
  EXPECT_TRUE(IsValidUtf8("\x7F"));              // U+007F, last one-byte
  EXPECT_TRUE(IsValidUtf8("\xC2\x80"));          // U+0080, first two-byte
  EXPECT_TRUE(IsValidUtf8("\xDF\xBF"));          // U+07FF
  EXPECT_TRUE(IsValidUtf8("\xE0\xA0\x80"));      // U+0800, first three-byte
  EXPECT_TRUE(IsValidUtf8("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
  EXPECT_TRUE(IsValidUtf8("\xEE\x80\x80"));      // U+E000, just above them
  EXPECT_TRUE(IsValidUtf8("\xEF\xBF\xBF"));      // U+FFFF
  EXPECT_TRUE(IsValidUtf8("\xF0\x90\x80\x80"));  // U+10000, first four-byte
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));  // U+10FFFF, the last code point
}

TEST(Utf8, RejectsOverlongEncodings) {
  EXPECT_FALSE(IsValidUtf8("\xC0\x80"));          // NUL in two bytes
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // '/' in two bytes (path traversal classic)
  EXPECT_FALSE(IsValidUtf8("\xC1\xBF"));          // U+007F in two bytes
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\x80"));      // NUL in three bytes
  EXPECT_FALSE(IsValidUtf8("\xE0\x9F\xBF"));      // U+07FF in three bytes
  EXPECT_FALSE(IsValidUtf8("\xF0\x80\x80\x80"));  // NUL in four bytes
  EXPECT_FALSE(IsValidUtf8("\xF0\x8F\xBF\xBF"));  // U+FFFF in four bytes
}

TEST(Utf8, RejectsSurrogates) {
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));              // U+D800
  EXPECT_FALSE(IsValidUtf8("\xED\xBF\xBF"));              // U+DFFF
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\xBD\xED\xB8\x80"));  // a CESU-8 surrogate pair
}

TEST(Utf8, RejectsCodePointsAboveTheUnicodeRange) {
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(IsValidUtf8("\xF5\x80\x80\x80"));
  EXPECT_FALSE(IsValidUtf8("\xF8\x88\x80\x80\x80"));  // old five-byte form
  EXPECT_FALSE(IsValidUtf8("\xFE"));
  EXPECT_FALSE(IsValidUtf8("\xFF"));
}

TEST(Utf8, RejectsTruncatedSequences) {
  EXPECT_FALSE(IsValidUtf8("\xE4\xB8"));      // 中 without its last byte
  EXPECT_FALSE(IsValidUtf8("abc\xE4"));       // lead byte at the very end
  EXPECT_FALSE(IsValidUtf8("\xF0\x9F\x98"));  // emoji without its last byte
  EXPECT_FALSE(
      IsValidUtf8("\xE4\xB8"
                  "abc"));  // continuation replaced by ASCII
  EXPECT_FALSE(IsValidUtf8("\xC3"));
}

TEST(Utf8, RejectsStrayContinuationBytes) {
  EXPECT_FALSE(IsValidUtf8("\x80"));
  EXPECT_FALSE(
      IsValidUtf8("a\xBF"
                  "b"));
  EXPECT_FALSE(IsValidUtf8("\xE4\xB8\xAD\x80"));  // 中 followed by a stray continuation
}

TEST(Utf8, CountsCodePointsNotBytes) {
  EXPECT_EQ(CodePointCount(""), 0u);
  EXPECT_EQ(CodePointCount("abc"), 3u);
  EXPECT_EQ(CodePointCount("中文abc"), 5u);
  EXPECT_EQ(CodePointCount("\xF0\x9F\x98\x80"), 1u);
}

TEST(ControlChars, AllowsTabNewlineAndCarriageReturnOnly) {
  EXPECT_FALSE(HasControlChars("line one\r\n\tline two 中文"));
  EXPECT_TRUE(HasControlChars("bell\a"));
  EXPECT_TRUE(HasControlChars("nul\0inside"s));
  EXPECT_TRUE(HasControlChars("escape\x1B[31m"));
  EXPECT_TRUE(HasControlChars("delete\x7F"));
}

// Real, published codes: their check characters were computed by the issuing authority, not by
// the code under test.
TEST(CreditCode, AcceptsPublishedCodesWithCorrectCheckCharacter) {
  EXPECT_TRUE(IsValidCreditCode("91350100M000100Y43"));
  EXPECT_TRUE(IsValidCreditCode("914403001922038216"));
  EXPECT_TRUE(IsValidCreditCode("9144030071526726XG"));
  EXPECT_TRUE(IsValidCreditCode("91110000600037341L"));
  EXPECT_TRUE(IsValidCreditCode("91330100716105852F"));
}

TEST(CreditCode, RejectsAWrongCheckCharacter) {
  EXPECT_FALSE(IsValidCreditCode("91350100M000100Y44"));
  EXPECT_FALSE(IsValidCreditCode("9144030071526726XH"));
  EXPECT_FALSE(IsValidCreditCode("914403001922038210"));
}

TEST(CreditCode, RejectsASingleChangedDigitInTheBody) {
  // The check character catches every single-character substitution.
  const std::string good = "91330100716105852F";
  static constexpr std::string_view kAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  for (std::size_t i = 0; i < 17; ++i) {
    for (char c : kAlphabet) {
      if (c == good[i]) continue;
      std::string bad = good;
      bad[i] = c;
      EXPECT_FALSE(IsValidCreditCode(bad)) << bad;
    }
  }
}

TEST(CreditCode, RejectsWrongLengthAndCharactersOutsideTheAlphabet) {
  EXPECT_FALSE(IsValidCreditCode(""));
  EXPECT_FALSE(IsValidCreditCode("91330100716105852"));    // 17
  EXPECT_FALSE(IsValidCreditCode("91330100716105852FF"));  // 19
  EXPECT_FALSE(IsValidCreditCode("9135010OM000100Y43"));   // letter O is not in the alphabet
  EXPECT_FALSE(IsValidCreditCode("91350100I000100Y43"));   // nor is I
  EXPECT_FALSE(IsValidCreditCode("91350100m000100Y43"));   // lower case
  EXPECT_FALSE(IsValidCreditCode("9144030071526726xg"));
}

}  // namespace
}  // namespace ducha::text
