#pragma once
// IntakeStore: commits batches of accepted submissions to the intake schema — reports, evidence,
// confidential contacts, the outbox events and the funnel counters — in one transaction per
// batch (group commit), retried whole on connection loss. Idempotency is decided here, inside the
// transaction: a submission whose (integration, submission_id) is already stored gets the stored
// receipt back, and nothing new is written for it.
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
#include "common/db/db.h"
#include "common/stream/outbox.h"
#include "proto/intake.h"
#include "services/intake/core/submission.h"

namespace ducha::intake {

inline constexpr const char* kReportStream = "reports";

struct SubmitOutcome {
  std::optional<proto::intake::Receipt> receipt;
  std::optional<Error> error;
  bool replay = false;  // an earlier commit already holds this submission
};

// Rejected requests since the last batch, by (channel or "", error code).
using RejectionCounts = std::map<std::pair<std::string, std::string>, std::int64_t>;

class IntakeStore {
 public:
  IntakeStore(db::Connection& conn, const campaign::Campaign& campaign);

  // `now` dates the rejection counters (the fleet clock at the time of the batch).
  std::vector<SubmitOutcome> CommitBatch(const std::vector<Submission>& batch,
                                         const RejectionCounts& rejected, timeutil::Millis now);

  // Reports that tracking has closed are no longer duplicate targets.
  void MarkClosed(pqxx::transaction_base& tx, std::int64_t report_id);

 private:
  std::vector<SubmitOutcome> CommitIn(pqxx::transaction_base& tx,
                                      const std::vector<Submission>& batch,
                                      const RejectionCounts& rejected, timeutil::Millis now);

  db::Connection& conn_;
  const campaign::Campaign& campaign_;
  stream::Outbox outbox_;
};

}  // namespace ducha::intake
