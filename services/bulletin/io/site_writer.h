#pragma once
// SiteWriter: puts a generated site on disk atomically, for any web server to serve.
//
// Layout under the configured directory D:
//   D/releases/<hash>/...   one complete site per content hash (SHA-256 of paths and bytes)
//   D/current -> releases/<hash>   the site being served (a web server's root is D/current)
// A release is written into D/releases/.tmp-<hash>-<pid> and renamed into place once every file
// is written and synced; `current` is then switched by renaming a new symlink over it, so a
// reader sees the old site or the new one, never a mixture. An unchanged site (same hash as
// `current`) writes nothing. Older releases beyond the last `keep` are removed.
//
// Not thread-safe: one writer per directory (the publisher serialises).

#include <cstdint>
#include <string>

#include "common/base/result.h"
#include "services/bulletin/core/disclosure.h"

namespace ducha::bulletin {

struct WrittenSite {
  std::string hash;
  bool changed = false;
  std::int64_t files = 0;
  std::int64_t bytes = 0;
  std::string path;  // D/current
};

// SHA-256 of every file's path and bytes, in path order.
std::string SiteHash(const SiteFiles& files);

class SiteWriter {
 public:
  explicit SiteWriter(std::string dir, int keep = 3) : dir_(std::move(dir)), keep_(keep) {}
  // Error publish_failed with the path and the system's reason.
  Result<WrittenSite> Write(const SiteFiles& files);
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  int keep_;
};

}  // namespace ducha::bulletin
