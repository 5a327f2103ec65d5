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
//    counted when dated within the round: [00:00 of its first day, the cut-off).

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
