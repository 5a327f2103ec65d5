#include "common/stream/outbox.h"

#include "common/db/array.h"

namespace ducha::stream {

Outbox::Outbox(std::string schema) : schema_(db::QuoteIdent(schema)) {}

void Outbox::Append(pqxx::transaction_base& tx, const std::string& stream,
                    const std::vector<OutgoingEvent>& events) const {
  if (events.empty()) return;
  db::ArrayBuilder types, keys, payloads;
  for (const auto& e : events) {
    types.Add(e.type);
    keys.Add(e.key);
    payloads.AddBytes(e.payload);
  }
  tx.exec_params("INSERT INTO " + schema_ +
                     ".outbox (stream, type, key, payload) "
                     "SELECT $1, t, k, p FROM unnest($2::text[], $3::text[], $4::bytea[]) "
                     "WITH ORDINALITY AS x(t, k, p, n) ORDER BY n",
                 stream, types.Finish(), keys.Finish(), payloads.Finish());
}

void Outbox::AppendNumbered(pqxx::transaction_base& tx, const std::string& stream,
                            const std::vector<OutgoingEvent>& events) const {
  if (events.empty()) return;
  db::ArrayBuilder types, keys, payloads;
  for (const auto& e : events) {
    types.Add(e.type);
    keys.Add(e.key);
    payloads.AddBytes(e.payload);
  }
  // One statement: reserve the next numbers on the head row (creating it on first use) and
  // insert the numbered rows. The row lock is held until the caller commits, so numbers become
  // visible in commit order without gaps. Unnumbered rows from Append need not go first: the
  // sequencer also numbers above the head under the same lock, so every visible number is
  // final whichever path assigned it.
  tx.exec_params("WITH h AS (INSERT INTO " + schema_ +
                     ".stream_head AS sh (stream, last_seq) VALUES ($1, $5) "
                     "ON CONFLICT (stream) DO UPDATE SET last_seq = sh.last_seq + $5, "
                     "updated_at = now() RETURNING sh.last_seq - $5 AS base) "
                     "INSERT INTO " +
                     schema_ +
                     ".outbox (stream, seq, type, key, payload, sequenced_at) "
                     "SELECT $1, h.base + x.n, x.t, x.k, x.p, now() FROM h, "
                     "unnest($2::text[], $3::text[], $4::bytea[]) WITH ORDINALITY AS x(t, k, p, n)",
                 stream, types.Finish(), keys.Finish(), payloads.Finish(),
                 static_cast<long long>(events.size()));
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
