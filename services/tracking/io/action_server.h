#pragma once
// ActionServer: tracking's endpoint for the responsible bodies, the supervision center and
// operators. A ROUTER socket behind CURVE and the ZAP handler; the caller is the ZAP User-Id's
// identity (common/auth), never a name from the message:
//
//   tracking.report_progress, report_verification, claim_rectified, request_extension
//                                        role body, on problems in its scope
//   tracking.decide_extension            role supervision_center
//   tracking.coverage_request, daily_report_request
//                                        roles supervision_center, operator
//   tracking.status_request             roles gateway, operator (the HTTP gateway's status reads)
//   tracking.report_task_progress        role body, on key tasks of its jurisdictions
//   tracking.task_summary_request        roles supervision_center, operator
//   tracking.import_ranking, import_tasks, admin.retry_dead_letters
//                                        role operator
//
// Group commit: every action waiting on the socket (up to max_batch) is decided and committed in
// one transaction (store/actions.h), and each caller is answered only after that COMMIT, with
// tracking.action_done or common.error. Queries run in their own read transaction. A refusal
// for a role or scope is logged on the `audit` logger with the identity and the problem.
//
// One thread: Run() owns the socket and the database connection.

#include <atomic>
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "common/auth/identity.h"
#include "common/campaign/campaign.h"
#include "common/clock/clock.h"
#include "common/codec/frame.h"
#include "common/db/db.h"
#include "common/obs/metrics.h"
#include "common/stream/consumer.h"
#include "common/transport/transport.h"
#include "services/tracking/core/ledger.h"
#include "services/tracking/store/actions.h"

namespace ducha::tracking {

struct ActionSettings {
  std::string endpoint = "tcp://127.0.0.1:7121";
  transport::ServerSecurity security;
  bool allow_plain = false;  // development: every plain client is the dev identity, an operator
  int max_batch = 256;
  codec::Limits limits{.max_frame_bytes = 256u << 10};
};

struct ActionStats {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> done{0};
  std::atomic<std::uint64_t> refused{0};
  std::atomic<std::uint64_t> batches{0};
};

class ActionServer {
 public:
  // `retry` re-applies parked events of every consumer (operators' dead-letter retry).
  ActionServer(ActionSettings settings, zmq::context_t& ctx, const campaign::Campaign& campaign,
               const Ledger& ledger, const auth::Registry& registry, const Clock& clock,
               db::DbSettings db, stream::ApplyFn retry);

  void Bind();
  std::string BoundEndpoint();
  void Run(std::stop_token stop);
  const ActionStats& stats() const { return stats_; }
  // Latency from receipt to reply of an action, in seconds.
  obs::Histogram& latency() { return latency_; }

  // The identity a ZAP User-Id stands for, and the Actor it acts as (none: not a tracking role).
  std::optional<auth::Identity> IdentityOf(const std::string& user_id) const;
  static std::optional<Actor> ActorOf(const auth::Identity& identity);

 private:
  struct Pending;
  void Serve(std::vector<Pending>& pending, db::Connection& conn);
  // Non-action requests: answered at once.
  std::string HandleQuery(const auth::Identity& who, const codec::Frame& frame,
                          const std::string& correlation, db::Connection& conn, bool& ok);

  ActionSettings settings_;
  zmq::context_t& ctx_;
  const campaign::Campaign& campaign_;
  const Ledger& ledger_;
  const auth::Registry& registry_;
  const Clock& clock_;
  db::DbSettings db_;
  stream::ApplyFn retry_;
  zmq::socket_t router_;
  ActionStats stats_;
  obs::Histogram latency_;
};

}  // namespace ducha::tracking
