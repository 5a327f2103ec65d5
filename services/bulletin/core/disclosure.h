#pragma once
// Public disclosure (信息公开): what the public may see as of a moment, and the static site that
// shows it. Pure functions of the projection, the rules and the moment.
//
// When (DisclosureRules):
//  - a problem found by inspection (assigned for rectification at once) is verified when it is
//    assigned; a citizen report's problem when the city bureau verifies it as substantiated
//    (one verified as not substantiated is never disclosed); either is disclosed `delay` after
//    its verification;
//  - a listed problem (挂牌督办) is disclosed when it is listed, an accountability decision when
//    it is recorded (with its problem), a blacklist change when it happens: "as they happen";
//  - nothing dated at or after the moment counts.
// What: only fields the publication classes allow (publication.h); the projection itself holds
// nothing about reporters.
//
// The site (RenderSite) is a map of relative path → bytes: index.html, city/<code>.html,
// problem/<id>.html, listed.html, blacklist.html, decisions.html, feed.atom and data/*.json.
// Equal disclosures give byte-identical files: nothing depends on the moment of rendering except
// through the data (the feed's `updated` is the latest disclosure's time), maps are ordered, and
// the JSON's keys are sorted.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/campaign/campaign.h"
#include "services/bulletin/core/facts.h"

namespace ducha::bulletin {

struct DisclosureRules {
  Millis delay = 24 * 3'600'000LL;  // after verification, for problems found or verified
  std::string title;                // the site's title; empty: from the campaign's name
  std::string base_url;  // absolute URL the site is served at, for the feed; may be empty
};

struct DecisionLine {
  std::int64_t problem_id = 0;
  std::string level;  // rule-table name, may be empty
  std::string text;   // after_decision: shown because the decision is disclosed
  Millis at = 0;
};

struct DisclosedProblem {
  std::int64_t problem_id = 0;
  DivisionCode jurisdiction = 0;
  DivisionCode city = 0;
  std::string channel;
  std::string category;
  std::string severity;
  std::int64_t assigned_day = 0;
  std::int64_t verified_day = 0;
  Millis disclosed_at = 0;
  std::int64_t deadline = 0;  // in force at the moment
  std::string status;         // open, overdue, claimed, rectified
  bool listed = false;
  Millis listed_at = 0;  // when listed (0 if not)
  std::string listing_reason;
  std::vector<DecisionLine> decisions;  // recorded before the moment
};

struct BlacklistEntry {
  std::string enterprise;
  std::string name;
  DivisionCode city = 0;
  int points = 0;
  bool added = true;
  Millis at = 0;
};

struct Disclosure {
  std::string campaign_id;
  Millis as_of = 0;
  Millis updated = 0;                             // the latest disclosure time among the items
  std::vector<DisclosedProblem> problems;         // by id
  std::vector<BlacklistEntry> blacklist;          // on the list at the moment, by name
  std::vector<BlacklistEntry> blacklist_changes;  // every change, oldest first
  std::size_t listed_count = 0;
  std::size_t decision_count = 0;
};

Disclosure ComputeDisclosure(const campaign::Campaign& campaign, const Projection& projection,
                             const DisclosureRules& rules, Millis as_of);

using SiteFiles = std::map<std::string, std::string>;  // relative path → bytes
SiteFiles RenderSite(const campaign::Campaign& campaign, const Disclosure& disclosure,
                     const DisclosureRules& rules);

}  // namespace ducha::bulletin
