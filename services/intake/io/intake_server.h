#pragma once
// IntakeServer: the integration endpoint. It accepts intake.submit_report (problem reports) and
// intake.report_visit (inspection groups' visits), and from the HTTP gateway (role gateway)
// reports on behalf of an integration (on_behalf_of) and intake.list_reports, that integration's
// own reports read back. Two threads:
//  - the io thread owns the ROUTER socket (CURVE, authenticated by the ZAP handler). It decodes
//    and checks each request (per-message failures are answered at once with {code, field,
//    message}), and queues valid reports and visits for the writer — or answers "busy, retry
//    after" when the queue is full, so overload never grows memory without bound;
//  - the writer thread owns the database connection. It takes whatever is queued (up to
//    max_batch, reports and visits alike), commits it as one transaction, and only then hands the
//    receipts back to the io thread over an inproc PAIR socket. Nothing is acknowledged before
//    its COMMIT.
// Run() blocks until stop is requested; then the io thread stops taking requests, the writer
// commits what is queued, its replies go out, and Run returns.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <variant>
#include <vector>
#include <zmq.hpp>

#include "common/auth/identity.h"
#include "common/campaign/campaign.h"
#include "common/clock/clock.h"
#include "common/codec/frame.h"
#include "common/db/db.h"
#include "common/obs/metrics.h"
#include "common/transport/transport.h"
#include "services/intake/core/submission.h"
#include "services/intake/core/visit.h"
#include "services/intake/store/intake_store.h"

namespace ducha::intake {

struct IntakeSettings {
  std::string endpoint = "tcp://127.0.0.1:7101";
  transport::ServerSecurity security;
  bool allow_plain = false;
  int max_batch = 256;
  int max_queue = 8192;
  int busy_retry_after_ms = 200;
  // A report is at most a few tens of KiB (its fields' limits), a visit far less; anything much
  // larger is refused before it is parsed.
  codec::Limits limits{.max_frame_bytes = 256u << 10};
  IntakeRules rules;
};

// Counters, read by the metrics exporter and by tests.
struct IntakeStats {
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> accepted_new{0};
  std::atomic<std::uint64_t> accepted_duplicate{0};
  std::atomic<std::uint64_t> visits_recorded{0};
  std::atomic<std::uint64_t> replays{0};  // reports and visits answered with an earlier receipt
  std::atomic<std::uint64_t> rejected{0};
  std::atomic<std::uint64_t> busy{0};
  std::atomic<std::uint64_t> batches{0};
  std::atomic<std::uint64_t> batch_items{0};
  std::atomic<std::uint64_t> queries{0};  // intake.list_reports answered (the gateway's reads)
};

class IntakeServer {
 public:
  IntakeServer(IntakeSettings settings, zmq::context_t& ctx, const campaign::Campaign& campaign,
               const auth::Registry& registry, const Clock& clock, db::DbSettings db);

  // Binds the endpoint (so the caller can run the CURVE self-test against it before Run).
  void Bind();
  std::string BoundEndpoint();
  void Run(std::stop_token stop);
  const IntakeStats& stats() const { return stats_; }
  // Time from a request's arrival to its reply being sent, for every reply.
  const obs::Histogram& reply_latency() const { return reply_latency_; }
  // Called on the writer thread after every commit that appended events (wakes the stream
  // server so consumers get them without waiting for its next poll). Set before Run.
  void OnCommit(std::function<void()> fn) { on_commit_ = std::move(fn); }

 private:
  struct Completed {
    std::vector<std::string> route;
    std::string correlation;
    std::variant<SubmitOutcome, RecordVisitOutcome> outcome;
    std::chrono::steady_clock::time_point arrived;
  };
  struct Pending {
    std::vector<std::string> route;  // routing frames up to and including any empty delimiter
    std::string correlation;
    std::chrono::steady_clock::time_point arrived;
    std::variant<Submission, Visit> item;
  };
  // Which rejection counters a refused request goes to: reports (and unreadable requests) feed
  // the reports' funnel by channel; visits count by code only.
  enum class RequestKind { kReport, kVisit };

  void HandleRequest(std::vector<zmq::message_t>& frames);
  void HandleReport(std::vector<std::string> route, const std::string& correlation,
                    proto::intake::SubmitReport report, const auth::Identity& identity);
  void HandleVisit(std::vector<std::string> route, const std::string& correlation,
                   proto::intake::ReportVisit visit, const auth::Identity& identity);
  // Queues a checked item for the writer, or answers busy when the queue is full.
  void Enqueue(Pending p);
  void Reply(const std::vector<std::string>& route, const std::string& payload);
  // Records a refusal for a role or channel for the audit (written with the next batch).
  void Audit(const auth::Identity& identity, const std::string& type,
             const std::string& submission_id, const Error& error);
  void RejectRequest(const std::vector<std::string>& route, const std::string& correlation,
                     const std::string& channel, const Error& error,
                     RequestKind kind = RequestKind::kReport);
  void WriterLoop(std::stop_token io_done);
  std::optional<auth::Identity> IdentityOf(const std::string& user_id) const;
  // The integration a gateway request acts for; refused unless the caller has role gateway.
  Result<auth::Identity> Principal(const auth::Identity& caller,
                                   const std::string& on_behalf_of) const;

  IntakeSettings settings_;
  zmq::context_t& ctx_;
  const campaign::Campaign& campaign_;
  const auth::Registry& registry_;
  const Clock& clock_;
  db::DbSettings db_;
  zmq::socket_t router_;
  std::string reply_endpoint_;
  IntakeStats stats_;
  obs::Histogram reply_latency_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  RejectionCounts rejected_;
  bool draining_ = false;
  std::atomic<bool> writer_done_{false};
  std::mutex done_mu_;
  std::deque<Completed> done_;
  std::function<void()> on_commit_;
  std::stop_source writer_abort_;
  db::Connection* query_conn_ = nullptr;  // the io thread's, valid during Run
};

}  // namespace ducha::intake
