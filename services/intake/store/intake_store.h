#pragma once
// IntakeStore: commits batches of accepted submissions to the intake schema — reports, evidence,
// confidential contacts, visits, the outbox events and the funnel counters — in one transaction
// per batch (group commit), retried whole on connection loss. Reports' events go to the
// `reports` stream, visits' events to the `visits` stream. Idempotency is decided here, inside
// the transaction: a report or visit whose (integration, submission_id) is already stored gets
// the stored receipt back, and nothing new is written for it.
//
// Used by the intake writer thread only (it owns the connection).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/base/result.h"
#include "common/campaign/campaign.h"
#include "common/db/audit.h"
#include "common/db/db.h"
#include "common/stream/outbox.h"
#include "proto/intake.h"
#include "services/intake/core/submission.h"
#include "services/intake/core/visit.h"

namespace ducha::intake {

inline constexpr const char* kReportStream = "reports";
inline constexpr const char* kVisitStream = "visits";

struct SubmitOutcome {
  std::optional<proto::intake::Receipt> receipt;
  std::optional<Error> error;
  bool replay = false;  // an earlier commit already holds this submission
};

struct RecordVisitOutcome {
  std::optional<proto::intake::VisitReceipt> receipt;
  std::optional<Error> error;
  bool replay = false;  // an earlier commit already holds this visit
};

// Rejected requests since the last batch. Every rejection counts by error code; report requests
// (and requests that could not be read as any message) also count in the reports' funnel, by
// channel.
struct RejectionCounts {
  std::map<std::pair<std::string, std::string>, std::int64_t> reports;  // (channel or "", code)
  std::map<std::string, std::int64_t> visits;                           // by code
  // Refusals for a role or channel (forbidden, channel_not_allowed), with the identity: the
  // audit record (intake.audit).
  std::vector<db::Refusal> audited;

  bool empty() const { return reports.empty() && visits.empty() && audited.empty(); }
};

// The outcomes of one batch, in the order of its reports and of its visits.
struct BatchOutcome {
  std::vector<SubmitOutcome> reports;
  std::vector<RecordVisitOutcome> visits;
};

class IntakeStore {
 public:
  IntakeStore(db::Connection& conn, const campaign::Campaign& campaign);

  // `now` dates the rejection counters (the fleet clock at the time of the batch).
  BatchOutcome CommitBatch(const std::vector<Submission>& reports, const std::vector<Visit>& visits,
                           const RejectionCounts& rejected, timeutil::Millis now);

  // Reports that tracking has closed are no longer duplicate targets.
  void MarkClosed(pqxx::transaction_base& tx, std::int64_t report_id);

 private:
  std::vector<SubmitOutcome> CommitIn(pqxx::transaction_base& tx,
                                      const std::vector<Submission>& batch,
                                      const RejectionCounts& rejected, timeutil::Millis now);
  std::vector<RecordVisitOutcome> CommitVisitsIn(pqxx::transaction_base& tx,
                                                 const std::vector<Visit>& visits);

  db::Connection& conn_;
  const campaign::Campaign& campaign_;
  stream::Outbox outbox_;
};

}  // namespace ducha::intake
