#pragma once
// The demo's generated weeks of round 3 (pure: no sockets, no SQL, no clock): every report the
// integrations send, every visit the groups register, what each responsible body does with each
// problem and how each re-inspection turns out, all derived from one seed, so that a run can be
// reproduced exactly. The reports are in Chinese, from every channel, with the duplicates a real
// week has (a second report of the same place, from another channel, a little later).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/campaign/campaign.h"
#include "proto/dispatch.h"
#include "proto/intake.h"

namespace ducha::demo {

struct DemoSettings {
  std::uint64_t seed = 2017;
  int reports = 3000;           // over all the working days
  campaign::Day first_day = 0;  // a working day of the round (Monday 2017-11-20 in the demo)
  int working_days = 10;        // two working weeks: the second ends on the bulletin's Friday
  int duplicate_percent = 8;    // reports that repeat an earlier one's place and category
};

// Which of the demo's two integrations sends a report: the inspection groups' system, or the
// web platform that collects citizens' reports.
enum class Sender { kGroups, kWebPlatform };

struct DemoReport {
  campaign::Day day = 0;
  Sender sender = Sender::kGroups;
  bool repeats_earlier = false;  // planned as a duplicate of an earlier report
  proto::intake::SubmitReport report;
};

struct DemoVisit {
  campaign::Day day = 0;
  proto::intake::ReportVisit visit;
};

struct WeekPlan {
  std::vector<campaign::Day> days;  // the working days, in order
  std::vector<DemoReport> reports;  // in the order they are sent
  std::vector<DemoVisit> visits;
};

// Fails (as a campaign error) when the settings do not fit the campaign: first_day not a working
// day of a round, or too few working days left in the calendar.
Result<WeekPlan> PlanWeeks(const campaign::Campaign& campaign, const DemoSettings& settings);

// What a responsible body does with one of its problems, decided by the seed and the problem:
// a city bureau's verification (most citizen reports are substantiated), a progress report the
// next working day, and a rectification claim some working days after assignment, or none in
// the demo's time (the bodies that fall behind and go overdue).
struct BodyConduct {
  bool substantiated = true;
  bool reports_progress = false;
  std::optional<int> claims_after_working_days;  // counted from the assignment's day
};
BodyConduct ConductOf(std::uint64_t seed, std::int64_t problem_id);

// The groups' rosters for the round of `first_day` (督察组人员名单): every supervision and covert
// group, a few members above its minimum, from the unit types that may staff it, none from a
// city the group inspects, with a leader, a deputy and an aggregator; five vehicles each.
std::vector<proto::dispatch::SubmitRoster> PlanRosters(
    const campaign::Campaign& campaign, const DemoSettings& settings,
    const std::vector<std::string>& supervision_unit_types,
    const std::vector<std::string>& covert_unit_types);

// Whether the enforcement bureau's covert re-inspection finds the claim true (most do); `claim`
// names the claim (the driver uses problem id × 16 + claim number), not the task, whose number
// depends on commit order.
bool ReinspectionPasses(std::uint64_t seed, std::int64_t claim);

// Chinese text for the bodies' and the bureau's reports.
std::string ProgressText(std::uint64_t seed, std::int64_t problem_id);
std::string ClaimText(std::uint64_t seed, std::int64_t problem_id);
std::string FindingsText(std::uint64_t seed, std::int64_t problem_id);

}  // namespace ducha::demo
