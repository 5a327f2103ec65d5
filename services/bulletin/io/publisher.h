#pragma once
// DisclosurePublisher: publishes the public disclosure (信息公开). Loads the projection as of a
// moment (the fleet clock's now), computes what may be disclosed (core/disclosure.h), renders
// the site, its JSON and its Atom feed, writes them atomically (io/site_writer.h) and records a
// publication that changed the site in bulletin.publication. The runner calls it on its
// schedule, the command endpoint when an operator asks; a mutex serialises the two.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

#include "common/base/result.h"
#include "common/campaign/campaign.h"
#include "common/db/db.h"
#include "services/bulletin/core/disclosure.h"
#include "services/bulletin/io/site_writer.h"

namespace ducha::bulletin {

struct PublishSettings {
  std::string dir;  // empty: disclosure is off
  DisclosureRules rules;
};

struct Published {
  Millis as_of = 0;
  WrittenSite site;
  std::int64_t problems = 0;
  std::int64_t listed = 0;
  std::int64_t blacklisted = 0;
  std::int64_t decisions = 0;
};

struct PublishStats {
  std::atomic<std::uint64_t> publications{0};  // runs, changed or not
  std::atomic<std::uint64_t> changed{0};       // runs that switched the site
  std::atomic<std::uint64_t> failures{0};
  std::atomic<std::int64_t> problems{0};  // disclosed, as of the last run
  std::atomic<std::int64_t> bytes{0};
};

class DisclosurePublisher {
 public:
  DisclosurePublisher(PublishSettings settings, const campaign::Campaign& campaign)
      : settings_(std::move(settings)), campaign_(campaign), writer_(settings_.dir) {}

  bool enabled() const { return !settings_.dir.empty(); }
  // Errors: not_configured, publish_failed. Database failures throw.
  Result<Published> Publish(db::Connection& conn, Millis as_of, const std::string& trigger);
  const PublishStats& stats() const { return stats_; }

 private:
  PublishSettings settings_;
  const campaign::Campaign& campaign_;
  SiteWriter writer_;
  std::mutex mu_;
  PublishStats stats_;
};

}  // namespace ducha::bulletin
