#include "common/svc/replay.h"

#include <algorithm>

#include "common/stream/consumer.h"

namespace ducha::svc {

Result<proto::admin::ReplayStarted> Replay(db::Connection& conn, const std::string& schema,
                                           const std::vector<FollowedStream>& followed,
                                           const proto::admin::Replay& command) {
  const auto it = std::find_if(followed.begin(), followed.end(), [&](const FollowedStream& f) {
    return f.producer == command.producer && f.stream == command.stream;
  });
  const std::string name = command.producer + "/" + command.stream;
  if (it == followed.end()) {
    std::string known;
    for (const auto& f : followed)
      known += (known.empty() ? "" : ", ") + f.producer + "/" + f.stream;
    return MakeError("unknown_stream", "stream",
                     schema + " does not follow " + name + " (it follows " +
                         (known.empty() ? std::string("no stream") : known) + ")");
  }
  if (!it->replayable) {
    return MakeError("not_replayable", "stream",
                     schema + " cannot replay " + name + ": " + it->why_not);
  }
  return conn.Transact([&](pqxx::work& w) -> Result<proto::admin::ReplayStarted> {
    const pqxx::result r =
        w.exec_params("SELECT applied_seq FROM " + db::QuoteIdent(schema) +
                          ".stream_cursor WHERE producer = $1 AND stream = $2 FOR UPDATE",
                      command.producer, command.stream);
    const std::int64_t applied = r.empty() ? 0 : r[0][0].as<std::int64_t>();
    if (command.from_seq > applied + 1) {
      return MakeError("beyond_position", "from_seq",
                       schema + " has applied " + name + " up to " + std::to_string(applied) +
                           "; a replay starts at " + std::to_string(applied + 1) +
                           " at the latest (starting later would skip events)");
    }
    stream::SetCursor(w, schema, command.producer, command.stream, command.from_seq - 1);
    proto::admin::ReplayStarted out;
    out.producer = command.producer;
    out.stream = command.stream;
    out.from_seq = command.from_seq;
    out.previous_applied_seq = applied;
    out.events = applied - command.from_seq + 1;
    return out;
  });
}

}  // namespace ducha::svc
