#pragma once
// BulletinRunner: the bulletin's scheduler and sender, one thread.
//
// Every `interval` it (1) generates every week that is due on the fleet clock (Saturday at the
// send hour, campaign zone) and not generated yet, oldest first — which also catches up every
// week missed while the service was down — and (2) sends every send that is due, oldest week
// first, one SMTP transaction at a time. A week is generated only while the projection is
// caught up with its producers (every consumer connected, lag 0), so a lagging stream delays
// the bulletin instead of leaving facts out of it.
//
// Sending follows store/bulletin_store.h: `sending` committed before SMTP, `sent` after;
// interrupted sends found at start are sent again with the same Message-ID (counted as
// ambiguous). A refused or failed delivery is retried after an exponential backoff
// (retry_initial × 2^(attempts−1), at most retry_max), with the attempts and the last error on
// the row (bulletin.send_status) and in the metrics. A send in progress finishes (bounded by the
// SMTP timeout) before a stop request ends the loop.
//
// With a publisher it also publishes the public disclosure every `publish_interval` (wall
// clock), as of the fleet clock's now; an unchanged site is left as it is.
//
// Stats are atomics, readable from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "common/campaign/campaign.h"
#include "common/clock/clock.h"
#include "common/db/db.h"
#include "services/bulletin/core/recipients.h"
#include "services/bulletin/core/render.h"
#include "services/bulletin/core/week.h"
#include "services/bulletin/io/mailer.h"
#include "services/bulletin/io/publisher.h"
#include "services/bulletin/store/bulletin_store.h"

namespace ducha::bulletin {

struct RunnerSettings {
  std::chrono::milliseconds interval{1000};
  // Round reports (轮次报告): due at this hour (campaign zone) of the day after a round's last
  // day; mailed to these lists; saved (HTML, chart, PDF, text) into reports_dir when set.
  int round_report_hour = 9;
  std::vector<std::string> round_lists{"provincial"};
  std::string reports_dir;
  std::chrono::milliseconds retry_initial{30'000};
  std::chrono::milliseconds retry_max{3'600'000};
  SendSettings send;
};

struct RunnerStats {
  std::atomic<std::uint64_t> generated{0};
  std::atomic<std::uint64_t> sent{0};
  std::atomic<std::uint64_t> failed_attempts{0};
  std::atomic<std::uint64_t> ambiguous{0};  // interrupted sends sent again
  std::atomic<bool> waiting_for_streams{false};
  std::atomic<std::int64_t> last_generated{0};
  std::atomic<std::uint64_t> rounds_generated{0};
  std::atomic<std::uint64_t> rounds_saved{0};
  // From the last pass: sends by state.
  std::atomic<std::int64_t> pending{0};
  std::atomic<std::int64_t> failed{0};
  std::atomic<std::int64_t> sent_total{0};
  // Wall-clock seconds of the last accepted send (the process's start until one is).
  std::atomic<std::int64_t> last_sent_seconds{0};
};

class BulletinRunner {
 public:
  // `caught_up` tells whether every consumer has applied everything its producer had.
  BulletinRunner(RunnerSettings settings, const campaign::Campaign& campaign,
                 const WeekCalendar& weeks, const Distribution& distribution, const Clock& fleet,
                 const Clock& wall, const SmtpMailer& mailer, std::function<bool()> caught_up);

  // Puts interrupted sends back to pending (ambiguous); once, before the first Step.
  int Recover(db::Connection& conn);
  // Generates what is due; returns the weeks generated (round reports: GenerateRounds).
  int Generate(db::Connection& conn);
  // Generates every round report that is due and saves the files of every generated one that
  // is missing on disk; returns the reports generated.
  int GenerateRounds(db::Connection& conn);
  // Sends what is due until nothing is or stop is requested; returns the sends attempted.
  int SendDue(db::Connection& conn, std::stop_token stop = {});
  // Publishes the disclosure when `publish_interval` has passed since the last run (or never
  // ran). Returns whether it published.
  bool PublishIfDue(db::Connection& conn);
  void SetPublisher(DisclosurePublisher* publisher, std::chrono::milliseconds interval) {
    publisher_ = publisher;
    publish_interval_ = interval;
  }
  // Recover, then Generate and SendDue every interval until stop.
  void Run(db::DbSettings db, std::stop_token stop);

  const RunnerStats& stats() const { return stats_; }

 private:
  Result<Rendered> RenderIssue(pqxx::transaction_base& tx, int issue);
  Result<Rendered> RenderRound(pqxx::transaction_base& tx, int round);
  Status SaveRound(int round, const Rendered& rendered, const std::string& html_for_disk);
  void RefreshCounts(db::Connection& conn);

  RunnerSettings settings_;
  const campaign::Campaign& campaign_;
  const WeekCalendar& weeks_;
  const Distribution& distribution_;
  const Clock& fleet_;
  const Clock& wall_;
  const SmtpMailer& mailer_;
  std::function<bool()> caught_up_;
  RunnerStats stats_;
  // The last rendering, by issue and numbers hash: every list of a week gets the same bytes.
  int cached_issue_ = 0;
  std::string cached_hash_;
  std::optional<Rendered> cached_;
  std::chrono::steady_clock::time_point last_wait_log_{};
  DisclosurePublisher* publisher_ = nullptr;
  std::chrono::milliseconds publish_interval_{600'000};
  std::optional<std::chrono::steady_clock::time_point> last_publish_;
};

}  // namespace ducha::bulletin
