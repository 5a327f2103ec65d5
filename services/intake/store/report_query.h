#pragma once
// Reads an integration's own reports back (intake.list_reports, for the HTTP gateway's Open311
// status reads). Scoped by the integration's name in the query itself; the reporter's contact is
// never read. Used on the io thread with its own read connection.

#include <cstdint>
#include <pqxx/pqxx>
#include <string>

#include "proto/intake.h"

namespace ducha::intake {

proto::intake::ReportList ListReports(pqxx::transaction_base& tx, const std::string& integration,
                                      const proto::intake::ListReports& query);

}  // namespace ducha::intake
