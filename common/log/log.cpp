#include "common/log/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>

namespace ducha::log {
namespace {

// %* in the JSON pattern: the message, escaped for a JSON string.
class JsonEscapedMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm& /*tm*/,
              spdlog::memory_buf_t& dest) override {
    for (char c : msg.payload) {
      switch (c) {
        case '"':
          dest.append(std::string_view("\\\""));
          break;
        case '\\':
          dest.append(std::string_view("\\\\"));
          break;
        case '\n':
          dest.append(std::string_view("\\n"));
          break;
        case '\r':
          dest.append(std::string_view("\\r"));
          break;
        case '\t':
          dest.append(std::string_view("\\t"));
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            fmt::format_to(std::back_inserter(dest), "\\u{:04x}", static_cast<int>(c));
          } else {
            dest.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

struct State {
  std::mutex mu;
  std::shared_ptr<spdlog::sinks::stderr_sink_mt> sink =
      std::make_shared<spdlog::sinks::stderr_sink_mt>();
  spdlog::level::level_enum level = spdlog::level::info;
  bool json = false;
};

State& GetState() {
  static State* state = new State();  // intentionally leaked: loggers outlive static destructors
  return *state;
}

std::unique_ptr<spdlog::formatter> MakeFormatter(bool json) {
  auto f = std::make_unique<spdlog::pattern_formatter>();
  if (json) {
    f->add_flag<JsonEscapedMessage>('*').set_pattern(
        R"({"ts":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","logger":"%n","pid":%P,"msg":"%*"})");
  } else {
    f->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%-5l%$ [%n] %v");
  }
  return f;
}

}  // namespace

bool Init(const LogSettings& settings) {
  State& st = GetState();
  std::lock_guard lock(st.mu);
  const auto level = spdlog::level::from_str(settings.level);
  if (level == spdlog::level::off && settings.level != "off") return false;
  st.level = level;
  st.json = settings.json;
  st.sink->set_formatter(MakeFormatter(st.json));
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) { l->set_level(level); });
  return true;
}

std::shared_ptr<spdlog::logger> Get(const std::string& name) {
  State& st = GetState();
  std::lock_guard lock(st.mu);
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = std::make_shared<spdlog::logger>(name, st.sink);
  logger->set_level(st.level);
  logger->flush_on(spdlog::level::warn);
  if (!st.json) st.sink->set_formatter(MakeFormatter(false));
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace ducha::log
