#pragma once
// BulletinCommands: the handler of the bulletin's command endpoint (a svc::CommandServer: ROUTER
// behind CURVE and the ZAP handler). Operators only; the caller is the ZAP User-Id's identity,
// never a name from the message:
//
//   bulletin.preview {week}              the week's bulletin as text and HTML: the stored one
//                                        when generated, else computed now; with the hash of
//                                        the stored numbers and of the numbers the data gives now
//   bulletin.resend {week, list?, reason} a new send (next send_no, new Message-ID) per list;
//                                        logged on the audit logger
//   bulletin.publish {reason}            publishes the public disclosure now (as of the fleet
//                                        clock's now); logged on the audit logger
//   admin.retry_dead_letters {ids}       re-applies parked events of any followed stream
//
// One thread: Handle() is called by the server's Run() thread, which owns the connection.

#include <atomic>
#include <cstdint>
#include <stop_token>
#include <string>
#include <string_view>

#include "common/auth/identity.h"
#include "common/campaign/campaign.h"
#include "common/clock/clock.h"
#include "common/db/db.h"
#include "common/stream/consumer.h"
#include "services/bulletin/core/recipients.h"
#include "services/bulletin/core/week.h"
#include "services/bulletin/io/publisher.h"
#include "services/bulletin/store/bulletin_store.h"

namespace ducha::bulletin {

struct CommandStats {
  std::atomic<std::uint64_t> done{0};
  std::atomic<std::uint64_t> refused{0};
};

class BulletinCommands {
 public:
  BulletinCommands(const campaign::Campaign& campaign, const WeekCalendar& weeks,
                   const Distribution& distribution, const auth::Registry& registry,
                   bool allow_plain, db::DbSettings db, SendSettings send, const Clock& wall,
                   stream::ApplyFn retry, std::stop_token stop);

  // bulletin.publish publishes with `publisher` as of `fleet`'s now; without it, not_configured.
  void EnablePublish(DisclosurePublisher* publisher, const Clock* fleet) {
    publisher_ = publisher;
    fleet_ = fleet;
  }

  // One request frame from `user_id` (the ZAP User-Id); returns the reply frame.
  std::string Handle(const std::string& user_id, std::string_view frame);
  const CommandStats& stats() const { return stats_; }

 private:
  const campaign::Campaign& campaign_;
  const WeekCalendar& weeks_;
  const Distribution& distribution_;
  const auth::Registry& registry_;
  bool allow_plain_;
  db::Connection conn_;
  SendSettings send_;
  const Clock& wall_;
  stream::ApplyFn retry_;
  DisclosurePublisher* publisher_ = nullptr;
  const Clock* fleet_ = nullptr;
  CommandStats stats_;
};

}  // namespace ducha::bulletin
