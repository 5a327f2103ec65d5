#include "common/svc/runtime.h"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/log/log.h"

namespace ducha::svc {

[[noreturn]] void Die(const std::string& service, const std::string& message) {
  std::fprintf(stderr, "%s: %s\n", service.c_str(), message.c_str());
  std::fflush(stderr);
  std::exit(2);
}

Config LoadConfigOrExit(int argc, char** argv, const std::string& service) {
  std::string path;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--config" && i + 1 < argc) {
      path = argv[++i];
    } else if (arg.rfind("--config=", 0) == 0) {
      path = arg.substr(9);
    } else if (arg == "--help" || arg == "-h") {
      std::printf(
          "usage: ducha-%s --config FILE\n(settings may be overridden by DUCHA_<KEY> "
          "environment variables)\n",
          service.c_str());
      std::exit(0);
    } else {
      Die(service, "unknown argument '" + arg + "' (usage: ducha-" + service + " --config FILE)");
    }
  }
  if (path.empty()) {
    if (const char* env = std::getenv("DUCHA_CONFIG")) path = env;
  }
  if (path.empty()) Die(service, "no configuration: pass --config FILE or set DUCHA_CONFIG");
  auto config = Config::Load(path, Config::ProcessEnv());
  if (!config) Die(service, config.error().message);
  return std::move(config).value();
}

CommonSettings ReadCommon(Config& config, const std::string& service) {
  CommonSettings s;
  s.service = service;
  log::LogSettings log_settings;
  log_settings.level = config.String("log.level", "info");
  log_settings.json = config.Bool("log.json", false);
  if (!log::Init(log_settings)) {
    config.AddError("log.level", "unknown level '" + log_settings.level + "'");
  }
  s.db.url = config.RequiredString("db.url");
  s.db.application_name = "ducha-" + service;
  s.campaign_dir = config.RequiredString("campaign.dir");
  s.allow_plain = config.Bool("transport.allow_plain", false);
  const std::string key_file = config.String("transport.secret_key_file", "");
  if (s.allow_plain) {
    s.security.curve = false;
    if (!key_file.empty()) {
      config.AddError("transport.allow_plain",
                      "plain transport and a CURVE key file are mutually exclusive");
    }
  } else if (key_file.empty()) {
    config.AddError("transport.secret_key_file",
                    "is required (CURVE); plain TCP needs transport.allow_plain = true, for "
                    "development only");
  } else if (auto key = ReadSecretKeyFile(key_file)) {
    s.security.secret_key_z85 = *key;
  } else {
    config.AddError("transport.secret_key_file",
                    "'" + key_file + "' does not hold a 40-character Z85 secret key");
  }
  s.http_host = config.String("http.host", s.http_host);
  s.http_port = static_cast<int>(config.Int("http.port", -1, -1, 65535));
  const std::string clock = config.String("clock.source", "fleet");
  if (clock == "fleet") {
    s.fleet_clock = true;
  } else if (clock == "system") {
    s.fleet_clock = false;
  } else {
    config.AddError("clock.source", "must be 'fleet' or 'system', got '" + clock + "'");
  }
  return s;
}

std::optional<std::string> ReadSecretKeyFile(const std::string& path) {
  std::ifstream f(path);
  if (!f) return std::nullopt;
  std::stringstream ss;
  ss << f.rdbuf();
  std::string key = ss.str();
  while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
  std::size_t b = 0;
  while (b < key.size() && std::isspace(static_cast<unsigned char>(key[b]))) ++b;
  key = key.substr(b);
  if (!transport::IsZ85Key(key)) return std::nullopt;
  return key;
}

SignalWatcher::SignalWatcher(std::stop_source source) : source_(std::move(source)) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);
  thread_ = std::jthread([this, set](std::stop_token stop) {
    while (!stop.stop_requested()) {
      timespec timeout{0, 200'000'000};
      const int sig = sigtimedwait(&set, nullptr, &timeout);
      if (sig == SIGTERM || sig == SIGINT) {
        log::Get("svc")->info("received {}, stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
        source_.request_stop();
        return;
      }
    }
  });
}

SignalWatcher::~SignalWatcher() { thread_.request_stop(); }

}  // namespace ducha::svc
