#pragma once
// Small text checks used at every trust boundary: UTF-8 validity, code-point length, and the
// GB 32100-2015 unified social credit code (统一社会信用代码) check digit.

#include <cstddef>
#include <string_view>

namespace ducha::text {

// True if `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Number of Unicode code points in a valid UTF-8 string.
std::size_t CodePointCount(std::string_view s);

// True if `code` is an 18-character unified social credit code whose check digit is correct.
bool IsValidCreditCode(std::string_view code);

// True if `s` contains ASCII control characters other than tab, newline and carriage return.
bool HasControlChars(std::string_view s);

}  // namespace ducha::text
