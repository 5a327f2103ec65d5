#include "common/db/copy.h"

#include <charconv>
#include <pqxx/tablewriter>

namespace ducha::db {

void CopyBatch::Sep() {
  if (row_started_) data_ += '\t';
  row_started_ = true;
}

CopyBatch& CopyBatch::Text(std::string_view text) {
  Sep();
  // Only the column separator, line ends and the escape character need escaping; everything
  // else, UTF-8 included, goes as it is.
  std::size_t from = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '\\' && c != '\t' && c != '\n' && c != '\r') continue;
    data_.append(text.substr(from, i - from));
    data_ += '\\';
    data_ += c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : '\\';
    from = i + 1;
  }
  data_.append(text.substr(from));
  return *this;
}

CopyBatch& CopyBatch::Int(long long n) {
  Sep();
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, n);
  data_.append(buf, r.ptr);
  return *this;
}

CopyBatch& CopyBatch::Bytes(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  Sep();
  // COPY reads "\\" as one backslash, so bytea's hex form \x... is written \\x...
  const std::size_t at = data_.size();
  data_.resize(at + 3 + 2 * bytes.size());
  char* out = data_.data() + at;
  *out++ = '\\';
  *out++ = '\\';
  *out++ = 'x';
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    *out++ = kHex[b >> 4];
    *out++ = kHex[b & 0xF];
  }
  return *this;
}

CopyBatch& CopyBatch::Null() {
  Sep();
  data_ += "\\N";
  return *this;
}

void CopyBatch::EndRow() {
  data_ += '\n';
  ++rows_;
  row_started_ = false;
}

void CopyBatch::Write(pqxx::transaction_base& tx, const std::string& table,
                      const std::vector<std::string>& columns) {
  if (rows_ == 0) return;
  // COPY's data is a byte stream, so all rows go as one "line": libpqxx adds the last line end
  // (hence it is dropped here), and the server splits the rows. tablewriter is the 6.4
  // interface that takes whole lines; it is marked deprecated in favour of stream_to, which has
  // no such call yet (and escapes field by field, byte by byte).
  data_.pop_back();
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  pqxx::tablewriter copy(tx, table, columns.begin(), columns.end());
#pragma GCC diagnostic pop
  copy.write_raw_line(data_);
  copy.complete();
  data_.clear();
  rows_ = 0;
}

}  // namespace ducha::db
