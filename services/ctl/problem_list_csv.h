#pragma once
// The problem lists other departments hand the groups (交办问题清单), as CSV files, read into
// intake.submit_report messages. Each row becomes one submission on the list's channel, with the
// stable submission id csv:<channel>:<ref>, so that importing the same file again changes
// nothing (intake answers a resubmission with its first receipt). The format:
//
//   ref,jurisdiction,category,title,description,observed_at[,optional columns]   the header
//
//   ref           the list's own number for the problem (ASCII letters, digits, . _ : -)
//   jurisdiction  6-digit county code, or the city's code for a city-wide problem
//   category      the category's code (dust) or its name in the campaign (扬尘污染 ...)
//   title, description
//   observed_at   RFC 3339, or YYYY-MM-DD or YYYY-MM-DD HH:MM in the campaign's zone (UTC+8)
//   optional:     reported_at (default observed_at), severity (code or name), address,
//                 enterprise, credit_code, group_id, round, platform, lat, lon, evidence
//                 (references separated by ';')
//
// Columns may come in any order; an unknown column is refused (a misspelt header would
// otherwise drop data silently). Every bad row is reported with its line and reason, and the
// good rows still go in. Pure: no I/O.

#include <string>
#include <string_view>
#include <vector>

#include "common/campaign/campaign.h"
#include "proto/intake.h"

namespace ducha::ctl {

struct ProblemListRow {
  int line = 0;
  proto::intake::SubmitReport report;
};

struct ListProblem {
  int line = 0;
  std::string reason;
};

struct ProblemList {
  std::vector<ProblemListRow> rows;
  std::vector<ListProblem> problems;  // bad rows; a bad header leaves `rows` empty
};

// The stable submission id of a row: csv:<channel>:<ref>.
std::string ListSubmissionId(proto::common::Channel channel, std::string_view ref);

ProblemList ParseProblemList(std::string_view text, proto::common::Channel channel,
                             const campaign::Campaign& campaign);

}  // namespace ducha::ctl
