#pragma once
// AdminServer: dispatch's command endpoint for the supervision center and operators (改派、调整
// 期限、挂牌/摘牌, 督察组名单). A ROUTER socket behind CURVE and the ZAP handler; the caller's
// identity is the ZAP User-Id, looked up in the Registry: only identities with role
// supervision_center or operator may change a problem, and the history records that identity, never
// a name from the message. Each command is decoded, checked and committed in its own transaction,
// and answered only after COMMIT with dispatch.command_done, or with common.error and no change.
//
// One thread: Run() owns the socket and the database connection and returns when stop is
// requested (commands are rare and short, so they are applied on the io thread).

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
#include "common/transport/transport.h"
#include "services/dispatch/core/dispatcher.h"
#include "services/dispatch/core/roster.h"
#include "services/dispatch/store/dispatch_store.h"

namespace ducha::dispatch {

struct AdminSettings {
  std::string endpoint = "tcp://127.0.0.1:7112";
  transport::ServerSecurity security;
  bool allow_plain = false;  // development: every plain client is the dev identity, an operator
  codec::Limits limits{.max_frame_bytes = 16u << 10};
};

struct AdminStats {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> done{0};
  std::atomic<std::uint64_t> refused{0};
};

class AdminServer {
 public:
  AdminServer(AdminSettings settings, zmq::context_t& ctx, const campaign::Campaign& campaign,
              const RosterRules& roster_rules, const auth::Registry& registry, const Clock& clock,
              db::DbSettings db);

  void Bind();
  std::string BoundEndpoint();
  void Run(std::stop_token stop);
  const AdminStats& stats() const { return stats_; }

  struct Reply {
    std::string payload;  // the encoded frame
    bool ok = false;      // command_done (else common.error)
  };

 private:
  // The reply to one request payload from the identity `user_id`.
  Reply Handle(const std::string& user_id, std::string_view payload, db::Connection& conn);
  std::optional<auth::Identity> IdentityOf(const std::string& user_id) const;

  // A group's roster (dispatch.submit_roster), checked against the campaign's roster rules.
  Reply SubmitRoster(const auth::Identity& who, const codec::Frame& frame,
                     const std::string& correlation, db::Connection& conn);
  // admin.replay: intake's reports stream applied again from a position (operators).
  Reply Replay(const auth::Identity& who, const codec::Frame& frame, const std::string& correlation,
               db::Connection& conn);
  Reply RetryDeadLetters(const auth::Identity& who, const codec::Frame& frame,
                         const std::string& correlation, db::Connection& conn);

  AdminSettings settings_;
  zmq::context_t& ctx_;
  Dispatcher dispatcher_;
  const campaign::Campaign& campaign_;
  const RosterRules& roster_rules_;
  // Re-applies parked intake events on operators' request; its own instance, so the admin
  // thread shares no state with the stream consumer's applier.
  ReportApplier retry_applier_;
  const auth::Registry& registry_;
  const Clock& clock_;
  db::DbSettings db_;
  zmq::socket_t router_;
  AdminStats stats_;
};

}  // namespace ducha::dispatch
