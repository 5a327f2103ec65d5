#pragma once
// ducha-ctl's commands for the review service (复查与问责, 企业环境信用):
//
//   review reinspect TASK_ID ...         the enforcement bureau's re-inspection result
//   review opinion PROBLEM_ID ...        a commissioner office's responsibility opinion
//   review decision PROBLEM_ID ...       the accountability actually taken
//   blacklist confirm|delist ENTERPRISE  an operator's blacklist change
//                                        (these go to review's endpoint as the caller's key)
//   review tasks [--state S] [--csv]     the re-inspection tasks
//   review what-if RULES.json            the recorded recommendations under another rule table
//   blacklist list [--all]               the enterprises' credit now
//   blacklist history ENTERPRISE         an enterprise's colours and blacklist actions
//   audit verify PROBLEM_ID | --all      review's hash-chained history, checked link by link
//                                        (these read the database as ducha_operator)
//
// Each returns the process's exit status: 0 done, 1 refused (the error on stderr) or, for audit
// verify, a broken chain.

#include "services/ctl/cli.h"

namespace ducha::ctl {

int Review(const Args& a);
int Blacklist(const Args& a);
int Audit(const Args& a);

// The usage lines of these commands, for ducha-ctl's Usage().
extern const char* const kReviewUsage;

}  // namespace ducha::ctl
