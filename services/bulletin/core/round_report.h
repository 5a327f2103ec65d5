#pragma once
// The round report (轮次督察报告): at the end of each round of the campaign, a report for the
// provincial committee and government on the round's coverage, problems, rectification and
// accountability, per supervision group and per city. Its figures are a pure function of the
// projection as of the round's cut-off — 00:00 (campaign zone) of the day after the round's last
// day — so regenerating it later gives the same report.
//
// Definitions (the report's notes repeat them):
//  - coverage (督察覆盖): the campaign's county × task matrix of the round, as tracking's
//    coverage view counts it from the groups' visits (intake's visits stream): a county is
//    visited when a group reported a visit to it in the round, a cell (county, task) is covered
//    when a visit in the round checked that task there; a group's cells are those of the cities
//    it was stationed in that round;
//  - the round's problems are the problems received during the round (dispatch's round), per
//    city and per supervising group; their state is taken at the cut-off: closed (rectified, or
//    a citizen report not substantiated), awaiting re-inspection, open, and overdue (open, not
//    claimed, deadline before the cut-off day);
//  - re-inspections, accountability recommendations and decisions, and blacklist additions are
//    counted when dated within the round: [00:00 of its first day, the cut-off);
//  - how the groups worked (督察方式): the round's visits by mode (明查 open, 暗访 covert) and by
//    method (听、查、看、访; a visit may use several), per group and in all; visits recorded
//    before intake 1.1 have neither and count as unspecified;
//  - logistics (后勤保障): per group, the latest version of its roster for the round registered
//    before the cut-off (dispatch's roster event: counts, never a member's details) — members,
//    vehicles, days stationed and the meal allowance (members × days × the daily rate); travel
//    costs are borne by the members' home units and are not counted.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/campaign/campaign.h"
#include "services/bulletin/core/document.h"
#include "services/bulletin/core/facts.h"

namespace ducha::bulletin {

struct RoundStanding {
  std::int64_t received = 0;  // problems received in the round
  std::int64_t closed = 0;
  std::int64_t claimed = 0;  // awaiting re-inspection
  std::int64_t open = 0;     // not closed (including claimed)
  std::int64_t overdue = 0;
  std::int64_t recommendations = 0;
  std::int64_t decisions = 0;
  friend bool operator==(const RoundStanding&, const RoundStanding&) = default;
};

struct RoundCoverage {
  std::int64_t visits = 0;
  std::int64_t problems_found = 0;  // as the groups reported on their visits
  std::int64_t counties = 0;
  std::int64_t counties_visited = 0;
  std::int64_t cells = 0;  // counties × tasks
  std::int64_t cells_covered = 0;
  friend bool operator==(const RoundCoverage&, const RoundCoverage&) = default;
};

struct RoundCityLine {
  DivisionCode code = 0;
  std::string group_id;  // the supervision group stationed there this round, may be empty
  RoundCoverage coverage;
  RoundStanding standing;
  std::vector<DivisionCode> unvisited;  // counties no group visited this round
  friend bool operator==(const RoundCityLine&, const RoundCityLine&) = default;
};

struct RoundGroupLine {
  std::string group_id;
  std::vector<DivisionCode> cities;
  RoundCoverage coverage;
  RoundStanding standing;
  friend bool operator==(const RoundGroupLine&, const RoundGroupLine&) = default;
};

// Visits by mode and by method (a visit may use several methods).
struct RoundMethods {
  std::int64_t visits = 0;
  std::int64_t open = 0;
  std::int64_t covert = 0;
  std::int64_t unspecified = 0;  // no mode reported (visits recorded before intake 1.1)
  std::int64_t hear = 0;
  std::int64_t check = 0;
  std::int64_t look = 0;
  std::int64_t visit = 0;
  friend bool operator==(const RoundMethods&, const RoundMethods&) = default;
};

// One group's roster and visits in the round. Totals use an empty group_id.
struct RoundLogisticsLine {
  std::string group_id;
  bool registered = false;  // a roster was registered before the cut-off
  std::int64_t version = 0;
  std::int64_t members = 0;
  std::int64_t vehicles = 0;
  std::int64_t days_stationed = 0;  // 0 in the totals
  std::int64_t person_days = 0;     // members × days stationed
  std::int64_t meal_allowance_yuan = 0;
  RoundMethods methods;
  friend bool operator==(const RoundLogisticsLine&, const RoundLogisticsLine&) = default;
};

struct RoundNumbers {
  std::string campaign_id;
  int round = 0;
  std::int64_t first_day = 0;
  std::int64_t last_day = 0;
  std::int64_t cutoff_day = 0;  // last_day + 1
  RoundCoverage coverage;
  RoundStanding standing;
  std::int64_t reinspected_passed = 0;
  std::int64_t reinspected_failed = 0;
  std::int64_t blacklist_added = 0;
  std::vector<RoundGroupLine> groups;  // supervision groups, campaign order
  std::vector<RoundCityLine> cities;   // every campaign jurisdiction, campaign order
  RoundMethods methods;                // every visit of the round
  // Every group (supervision and covert, campaign order) stationed in the round or with a roster
  // for it, and the totals.
  std::vector<RoundLogisticsLine> logistics;
  RoundLogisticsLine logistics_total;
  std::int64_t meal_rate_yuan = 0;  // the rosters' daily rate when they agree, 0 otherwise
  friend bool operator==(const RoundNumbers&, const RoundNumbers&) = default;
};

// The cut-off of a round: 00:00 of the day after its last day, in the campaign's zone.
Millis RoundCutoff(const campaign::Campaign& campaign, const campaign::Round& round);

RoundNumbers ComputeRoundNumbers(const campaign::Campaign& campaign, const Projection& projection,
                                 const campaign::Round& round);

// Canonical JSON (keys sorted, no spaces): equal figures give equal text.
std::string RoundNumbersToJson(const RoundNumbers& n);
Result<RoundNumbers> RoundNumbersFromJson(std::string_view text);

// The report as a document: the same renderers as the weekly bulletin draw it (HTML, text, PDF).
Document BuildRoundDocument(const RoundNumbers& n, const campaign::Campaign& campaign,
                            const std::string& issuer);

}  // namespace ducha::bulletin
