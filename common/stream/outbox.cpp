#include "common/stream/outbox.h"

#include "common/db/copy.h"

namespace ducha::stream {

Outbox::Outbox(std::string schema) : schema_(db::QuoteIdent(schema)) {}

namespace {

const std::vector<std::string>& AppendColumns() {
  static const std::vector<std::string> columns{"stream", "type", "key", "payload"};
  return columns;
}

const std::vector<std::string>& NumberedColumns() {
  static const std::vector<std::string> columns{"stream", "seq",     "type",
                                                "key",    "payload", "sequenced_at"};
  return columns;
}

// About the COPY text of `events` (payloads in hex), so the batch is allocated once.
std::size_t CopyBytes(const std::string& stream, const std::vector<OutgoingEvent>& events) {
  std::size_t bytes = 0;
  for (const auto& e : events) {
    bytes += stream.size() + e.type.size() + e.key.size() + 2 * e.payload.size() + 8;
  }
  return bytes;
}

}  // namespace

// Rows go in by COPY, in the vector's order (ids are assigned in that order): no array literals
// for the client to build and the server to parse and unnest. Measured with
// bench/tracking_bench, where the outbox append was the largest part of the sweep's time.
void Outbox::Append(pqxx::transaction_base& tx, const std::string& stream,
                    const std::vector<OutgoingEvent>& events) const {
  if (events.empty()) return;
  db::CopyBatch rows;
  rows.Reserve(CopyBytes(stream, events));
  for (const auto& e : events) {
    rows.Text(stream).Text(e.type).Text(e.key).Bytes(e.payload).EndRow();
  }
  rows.Write(tx, schema_ + ".outbox", AppendColumns());
}

void Outbox::AppendNumbered(pqxx::transaction_base& tx, const std::string& stream,
                            const std::vector<OutgoingEvent>& events) const {
  if (events.empty()) return;
  // First the numbers: reserve them on the head row (creating it on first use). The row lock is
  // held until the caller commits, so numbers become visible in commit order without gaps.
  // Unnumbered rows from Append need not go first: the sequencer also numbers above the head
  // under the same lock, so every visible number is final whichever path assigned it. now() is
  // the transaction's time, returned as text in this session's format for COPY to read back.
  const auto n = static_cast<long long>(events.size());
  const pqxx::row head = tx.exec_params1(
      "INSERT INTO " + schema_ +
          ".stream_head AS sh (stream, last_seq) VALUES ($1, $2) "
          "ON CONFLICT (stream) DO UPDATE SET last_seq = sh.last_seq + $2, updated_at = now() "
          "RETURNING sh.last_seq - $2, now()",
      stream, n);
  const auto base = head[0].as<long long>();
  const auto now = head[1].as<std::string>();
  db::CopyBatch rows;
  rows.Reserve(CopyBytes(stream, events) + events.size() * (now.size() + 22));
  long long seq = base;
  for (const auto& e : events) {
    rows.Text(stream).Int(++seq).Text(e.type).Text(e.key).Bytes(e.payload).Text(now).EndRow();
  }
  rows.Write(tx, schema_ + ".outbox", NumberedColumns());
}

std::int64_t Outbox::Sequence(pqxx::transaction_base& tx, const std::string& stream,
                              int max_rows) const {
  tx.exec_params("INSERT INTO " + schema_ +
                     ".stream_head (stream) VALUES ($1) ON CONFLICT (stream) DO NOTHING",
                 stream);
  const auto head = tx.exec_params1("SELECT last_seq FROM " + schema_ +
                                        ".stream_head WHERE stream = $1 FOR UPDATE",
                                    stream)[0]
                        .as<std::int64_t>();
  // Under the head lock, this statement's snapshot sees every row committed before it, and
  // none of them is numbered by anyone else.
  const pqxx::result r = tx.exec_params(
      "WITH pending AS (SELECT id FROM " + schema_ +
          ".outbox WHERE stream = $1 AND seq IS NULL ORDER BY id LIMIT $3 FOR UPDATE), "
          "numbered AS (SELECT id, $2::bigint + row_number() OVER (ORDER BY id) AS seq "
          "FROM pending) "
          "UPDATE " +
          schema_ +
          ".outbox o SET seq = n.seq, sequenced_at = now() FROM numbered n WHERE o.id = n.id "
          "RETURNING n.seq",
      stream, head, max_rows);
  const auto new_head = head + static_cast<std::int64_t>(r.size());
  if (!r.empty()) {
    tx.exec_params("UPDATE " + schema_ +
                       ".stream_head SET last_seq = $2, updated_at = now() WHERE stream = $1",
                   stream, new_head);
  }
  return new_head;
}

std::int64_t Outbox::Head(pqxx::transaction_base& tx, const std::string& stream) const {
  const pqxx::result r =
      tx.exec_params("SELECT last_seq FROM " + schema_ + ".stream_head WHERE stream = $1", stream);
  return r.empty() ? 0 : r[0][0].as<std::int64_t>();
}

std::int64_t Outbox::Pending(pqxx::transaction_base& tx, const std::string& stream) const {
  return tx
      .exec_params1("SELECT count(*) FROM " + schema_ + ".outbox WHERE stream = $1 AND seq IS NULL",
                    stream)[0]
      .as<std::int64_t>();
}

std::vector<StoredEvent> Outbox::Read(pqxx::transaction_base& tx, const std::string& stream,
                                      std::int64_t after, int max_events,
                                      std::size_t max_bytes) const {
  const pqxx::result r = tx.exec_params(
      "SELECT seq, type, payload FROM " + schema_ +
          ".outbox WHERE stream = $1 AND seq > $2 AND seq <= (SELECT coalesce(max(last_seq), 0) "
          "FROM " +
          schema_ + ".stream_head WHERE stream = $1) ORDER BY seq LIMIT $3",
      stream, after, max_events);
  std::vector<StoredEvent> out;
  out.reserve(r.size());
  std::size_t bytes = 0;
  for (const auto& row : r) {
    StoredEvent e;
    e.seq = row[0].as<std::int64_t>();
    e.type = row[1].as<std::string>();
    const pqxx::binarystring b(row[2]);
    e.payload = b.str();
    bytes += e.payload.size();
    out.push_back(std::move(e));
    if (bytes >= max_bytes) break;
  }
  return out;
}

}  // namespace ducha::stream
