#pragma once
// The bulletin's persistence, in the bulletin schema: the projection as of a cut-off, the
// generated bulletins, and their sends with the exactly-once protocol.
//
// Sends (one row per bulletin × recipient list × send number):
//   pending ──claim──▶ sending ──SMTP accepted──▶ sent
//      ▲                  │
//      └──── failed ◀─────┘ (SMTP refused or unreachable: next attempt after a backoff)
// `sending` is committed before the SMTP transaction starts and `sent` after it ends, each in
// its own transaction. A row still `sending` when the service starts was interrupted: the mail
// may or may not have been accepted. RecoverInterrupted puts it back to pending, counted in
// `ambiguous`, and it is sent again with the SAME Message-ID, so a receiver that already has it
// can drop the copy. SMTP has no idempotency; this is as close to exactly once as it allows, and
// the number of distinct Message-IDs per (week, list, send) is exactly one.
//
// Functions take the caller's transaction; each is one short statement or a few. Thread-safety
// is the connection's: one transaction per thread.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/db/db.h"
#include "services/bulletin/core/facts.h"
#include "services/bulletin/core/numbers.h"
#include "services/bulletin/core/recipients.h"
#include "services/bulletin/core/round_report.h"
#include "services/bulletin/core/week.h"

namespace ducha::bulletin {

// Every row of the projection dated before `cutoff`.
Projection LoadProjection(pqxx::transaction_base& tx, Millis cutoff);

struct StoredBulletin {
  int issue = 0;
  std::int64_t cutoff_day = 0;
  std::string numbers;  // JSON
  std::string hash;     // SHA-256 of numbers, hex
  Millis generated_at = 0;
};

std::optional<StoredBulletin> LoadBulletin(pqxx::transaction_base& tx, int issue);
// The highest issue generated so far, 0 when none.
int LastGenerated(pqxx::transaction_base& tx);
// The issues up to `up_to` that have not been generated, oldest first.
std::vector<int> MissingIssues(pqxx::transaction_base& tx, int up_to);

std::string Sha256Hex(std::string_view bytes);

// The Message-ID of a send, without angle brackets: the same for every attempt of that send.
// `document` is "bulletin" (issue = 第N期) or "round" (issue = the round).
std::string MessageId(const std::string& campaign_id, int issue, const std::string& list,
                      int send_no, const std::string& domain,
                      const std::string& document = "bulletin");

struct SendSettings {
  std::string campaign_id;
  std::string mail_domain;  // the right-hand side of Message-IDs
};

// Computes the week's numbers from the projection as of its cut-off and stores them with the
// first send of every list, in the caller's transaction. Returns false, changing nothing, when
// the week was generated before.
bool GenerateBulletin(pqxx::transaction_base& tx, const campaign::Campaign& campaign,
                      const Week& week, const Distribution& distribution,
                      const SendSettings& settings, Millis fleet_now, Millis wall_now);

struct SendRow {
  std::string document = "bulletin";  // or "round"
  int issue = 0;
  std::string list;
  int send_no = 0;
  std::string state;
  std::vector<std::string> recipients;
  std::vector<std::string> titles;
  int attempts = 0;  // including the one just claimed
  int ambiguous = 0;
  Millis next_attempt_at = 0;
  std::string last_error;
  std::string message_id;
};

// The round report (轮次报告) of `round`, computed from the projection as of the round's cut-off
// and stored with the first send to each of `lists` (the provincial committee and government),
// in the caller's transaction. False, changing nothing, when it was generated before.
bool GenerateRoundReport(pqxx::transaction_base& tx, const campaign::Campaign& campaign,
                         const campaign::Round& round, const Distribution& distribution,
                         const std::vector<std::string>& lists, const SendSettings& settings,
                         Millis fleet_now, Millis wall_now);

struct StoredRoundReport {
  int round = 0;
  std::string numbers;  // JSON
  std::string hash;
  Millis generated_at = 0;
};
std::optional<StoredRoundReport> LoadRoundReport(pqxx::transaction_base& tx, int round);
// The rounds among `due` not generated yet, in order.
std::vector<int> MissingRounds(pqxx::transaction_base& tx, const std::vector<int>& due);

// Sends found `sending` (interrupted mid-send) go back to pending with ambiguous + 1. Call once
// at start, before any send is claimed. Returns how many.
int RecoverInterrupted(pqxx::transaction_base& tx);

// Claims the next send due at `wall_now` (pending, or failed with its next attempt due): oldest
// bulletin first, lists in recipients.json order. The row is `sending` once the caller commits.
std::optional<SendRow> ClaimNextDue(pqxx::transaction_base& tx, Millis wall_now);
void MarkSent(pqxx::transaction_base& tx, const SendRow& send);
void MarkFailed(pqxx::transaction_base& tx, const SendRow& send, const std::string& error,
                Millis next_attempt_at);

struct QueuedResend {
  std::string list;
  int send_no = 0;
  std::string message_id;
};

// An operator's resend: the next send number of the week for `list` (or for every list the week
// was sent to), pending now, to the list's current recipients. Errors: not_generated,
// unknown_list.
Result<std::vector<QueuedResend>> QueueResend(pqxx::transaction_base& tx, int issue,
                                              const std::optional<std::string>& list,
                                              const std::string& reason,
                                              const Distribution& distribution,
                                              const SendSettings& settings, Millis wall_now);

// The week's weekly-bulletin sends still pending or failing, made due at `wall_now` (an
// operator's "send now"): each keeps its send number and Message-ID. not_generated when the
// week has no bulletin yet.
Result<std::vector<QueuedResend>> MakeSendsDue(pqxx::transaction_base& tx, int issue,
                                               Millis wall_now);

// A publication of the disclosure site that changed it.
void RecordPublication(pqxx::transaction_base& tx, Millis as_of, const std::string& hash,
                       std::int64_t files, std::int64_t bytes, const std::string& trigger);

struct SendCounts {
  std::int64_t pending = 0;
  std::int64_t sending = 0;
  std::int64_t sent = 0;
  std::int64_t failed = 0;
  std::int64_t last_sent_at = 0;  // epoch seconds (database time) of the last send; 0 if none
};
SendCounts CountSends(pqxx::transaction_base& tx);

}  // namespace ducha::bulletin
