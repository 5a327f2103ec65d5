#pragma once
// The coverage of the inspection work (督察全覆盖、无盲区、不漏项), the groups' daily reports
// (每日报送) and the monitoring division's air-quality ranking, from tracking's visit, ledger
// and ranking tables. Reads run in the caller's (read) transaction; the ranking import in the
// caller's write transaction.

#include <string>

#include "common/base/result.h"
#include "common/campaign/campaign.h"
#include "common/db/db.h"
#include "proto/tracking.h"

namespace ducha::tracking {

// Every county of the campaign against every task (the campaign's categories), for one round:
// the visits, the tasks checked and missing, the groups, and the priority flag and rank from the
// ranking. Rows: priority counties with gaps first (by rank), then the other counties with gaps,
// then the fully covered ones, each in campaign order. Error: unknown_round.
Result<proto::tracking::Coverage> Coverage(pqxx::transaction_base& tx,
                                           const campaign::Campaign& campaign, int round);

// A group's day: its visits and the problems assigned that day under its supervision from a
// group channel. Errors: unknown_group, invalid_format (date).
Result<proto::tracking::DailyReport> DailyReport(pqxx::transaction_base& tx,
                                                 const campaign::Campaign& campaign,
                                                 const std::string& group_id,
                                                 const std::string& date);

// Replaces the ranking. Every row's county must be a county-level unit of the campaign and
// appear once, or nothing changes: unknown_county / duplicate_value, naming the file line.
Result<proto::tracking::RankingImported> ImportRanking(
    pqxx::transaction_base& tx, const campaign::Campaign& campaign,
    const proto::tracking::ImportRanking& ranking, const std::string& by);

}  // namespace ducha::tracking
