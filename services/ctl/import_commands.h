#pragma once
// ducha-ctl's imports of the lists other departments hand the groups:
//
//   import problems FILE.csv --channel C   a problem list (services/ctl/problem_list_csv.h), one
//                                          submission per row through intake's public contract,
//                                          as the integration whose key is --key-file
//
// The rows go in a window of requests in flight on one CURVE connection (every submission is
// idempotent by its stable id, so a lost reply is answered by sending it again); a progress bar
// on a terminal; at the end a summary: new problems, duplicates merged, rejected rows (each with
// its line and reason). Exit status 0 when every row went in, 1 when any row was rejected (the
// good rows went in all the same), 2 for usage errors.

#include "services/ctl/cli.h"

namespace ducha::ctl {

int Import(const Args& a);
// roster import FILE.csv --group G --round N --vehicles N [--days N] | roster list [--round N]
int Roster(const Args& a);

extern const char* const kImportUsage;

}  // namespace ducha::ctl
