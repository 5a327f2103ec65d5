#pragma once
// COPY ... FROM STDIN in text format, for bulk inserts. A batch of N rows is one statement whose
// data is streamed: no array literals for the client to build and the server to parse and
// unnest (which spilled to disk at larger batches), and the rows go as one buffer, not a copy
// and a message per row. Each field is escaped as COPY's text format requires, so any text
// (tabs, line ends, backslashes, UTF-8) and any bytes round-trip exactly.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "common/db/db.h"

namespace ducha::db {

class CopyBatch {
 public:
  // The fields of the current row, in the table's column order given to Write.
  CopyBatch& Text(std::string_view text);
  CopyBatch& Int(long long n);
  CopyBatch& Bytes(std::string_view bytes);  // bytea, as \x-hex
  CopyBatch& Null();
  // Ends the current row.
  void EndRow();

  // Room for about `bytes` of COPY text, so a large batch is not copied as it grows.
  void Reserve(std::size_t bytes) { data_.reserve(bytes); }
  std::size_t rows() const { return rows_; }
  // The COPY text of the rows ended so far (and of the row being built).
  std::string_view text() const { return data_; }

  // Appends the rows to `table`'s `columns` in one COPY inside `tx`; the batch is empty again
  // afterwards. Does nothing when there are no rows.
  void Write(pqxx::transaction_base& tx, const std::string& table,
             const std::vector<std::string>& columns);

 private:
  void Sep();
  std::string data_;
  std::size_t rows_ = 0;
  bool row_started_ = false;
};

}  // namespace ducha::db
