#pragma once
// Logging: one named spdlog logger per module ("intake.io", "db", "stream.consumer"), all writing
// to one shared stderr sink, as human-readable lines or as JSON lines for log shippers.
// Thread-safe. Call Init() once at start, before threads; Get() may be called any time.

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace ducha::log {

struct LogSettings {
  std::string level = "info";  // trace, debug, info, warn, error, critical, off
  bool json = false;           // one JSON object per line
};

// Returns false (and leaves defaults) when the level name is unknown.
bool Init(const LogSettings& settings);
std::shared_ptr<spdlog::logger> Get(const std::string& name);

}  // namespace ducha::log
