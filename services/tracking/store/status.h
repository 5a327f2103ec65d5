#pragma once
// The ledger state of given problems, for the HTTP gateway's Open311 status reads
// (tracking.status_request). Read in the caller's read transaction; problems not (yet) in the
// ledger are left out.

#include <cstdint>
#include <pqxx/pqxx>
#include <vector>

#include "proto/tracking.h"

namespace ducha::tracking {

proto::tracking::StatusList ProblemStatuses(pqxx::transaction_base& tx,
                                            const std::vector<std::int64_t>& problem_ids);

}  // namespace ducha::tracking
