#pragma once
// ducha-ctl's commands for running the fleet:
//
//   status [--fleet FILE]             each service up and ready, its version, its streams' lags
//                                     and its dead letters, from the services' operations
//                                     endpoints (/healthz, /readyz, /metrics); exit 1 unless
//                                     every service is ready
//   bulletin status [--week D]        each week's bulletin and its sends per list, from the
//                                     database (the alert DuchaBulletinOverdue points here)
//   bulletin preview WEEK [--html F]  a week's bulletin (督察快报) as it is or would be sent
//   bulletin resend WEEK --reason T [--list L]
//                                     a new send on purpose (补发), over bulletin's endpoint
//   campaign validate DIR             loads a campaign directory with every rule table in it
//                                     and prints what it holds, or every problem it has
//
// Each returns the process's exit status: 0 done, 1 refused or not healthy.

#include "services/ctl/cli.h"

namespace ducha::ctl {

int FleetStatus(const Args& a);
int BulletinCommand(const Args& a);
int CampaignCommand(const Args& a);
// disclosure publish --reason T: the site, JSON and Atom regenerated and swapped in now
int DisclosureCommand(const Args& a);
// replay PRODUCER/STREAM --from SEQ: admin.replay to the service's endpoint
int ReplayCommand(const Args& a);

extern const char* const kOpsUsage;

}  // namespace ducha::ctl
