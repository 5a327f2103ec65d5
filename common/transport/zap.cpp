#include "common/transport/zap.h"

#include <array>
#include <future>
#include <vector>

#include "common/log/log.h"
#include "common/transport/transport.h"

namespace ducha::transport {

ZapHandler::ZapHandler(zmq::context_t& ctx, Authorizer authorizer)
    : ctx_(ctx), authorizer_(std::move(authorizer)) {
  std::promise<void> bound;
  auto ready = bound.get_future();
  thread_ = std::thread([this, &bound] {
    zmq::socket_t rep(ctx_, zmq::socket_type::rep);
    rep.set(zmq::sockopt::linger, 0);
    try {
      rep.bind("inproc://zeromq.zap.01");
    } catch (...) {
      bound.set_exception(std::current_exception());
      return;
    }
    bound.set_value();
    Serve(rep);
  });
  ready.get();  // rethrows when the bind failed (e.g. a second handler in this context)
}

ZapHandler::~ZapHandler() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ZapHandler::Serve(zmq::socket_t& rep) {
  auto log = log::Get("transport.zap");
  std::vector<zmq::message_t> frames;
  while (!stop_) {
    std::vector<zmq::pollitem_t> items{{rep.handle(), 0, ZMQ_POLLIN, 0}};
    if (Poll(items, std::chrono::milliseconds(100)) == 0) continue;
    if (RecvMessage(rep, frames, 16) == RecvStatus::kNothing) continue;
    // Request: version, request id, domain, address, routing id, mechanism, credentials...
    std::string request_id = frames.size() > 1 ? frames[1].to_string() : std::string();
    std::optional<std::string> user;
    std::string mechanism;
    if (frames.size() >= 6 && frames[0].to_string_view() == "1.0") {
      mechanism = frames[5].to_string();
      try {
        if (mechanism == "CURVE" && frames.size() == 7 && frames[6].size() == 32) {
          std::array<char, 41> z85{};
          zmq_z85_encode(z85.data(), static_cast<const std::uint8_t*>(frames[6].data()), 32);
          const std::string_view key(z85.data(), 40);
          user = authorizer_(mechanism, key);
          std::lock_guard lock(watch_mu_);
          if (!watched_key_.empty() && key == watched_key_) watched_verdict_ = user.has_value();
        } else if (mechanism == "NULL" && frames.size() == 6) {
          user = authorizer_(mechanism, std::string_view());
        }
      } catch (const std::exception& e) {
        log->error("authorizer failed, denying: {}", e.what());
        user.reset();
      }
    }
    if (user) {
      allowed_.fetch_add(1);
    } else {
      denied_.fetch_add(1);
      log->warn("denied a {} client", mechanism.empty() ? "malformed" : mechanism);
    }
    std::vector<zmq::message_t> reply;
    reply.emplace_back(std::string_view("1.0"));
    reply.emplace_back(request_id);
    reply.emplace_back(std::string_view(user ? "200" : "400"));
    reply.emplace_back(std::string_view(user ? "OK" : "access denied"));
    reply.emplace_back(user ? *user : std::string());
    reply.emplace_back();
    for (std::size_t i = 0; i < reply.size(); ++i) {
      rep.send(reply[i], i + 1 < reply.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
  }
}

void ZapHandler::WatchKey(const std::string& public_key_z85) {
  std::lock_guard lock(watch_mu_);
  watched_key_ = public_key_z85;
  watched_verdict_.reset();
}

std::optional<bool> ZapHandler::VerdictOnWatchedKey() const {
  std::lock_guard lock(watch_mu_);
  return watched_verdict_;
}

Status SelfTestRejectsUnknownKey(zmq::context_t& ctx, const std::string& endpoint,
                                 const std::string& server_public_z85, ZapHandler& zap,
                                 std::chrono::milliseconds timeout) {
  ClientSecurity sec;
  sec.curve = true;
  sec.server_public_z85 = server_public_z85;
  sec.client = GenerateKeyPair();
  zap.WatchKey(sec.client.public_z85);
  zmq::socket_t probe = MakeClientSocket(ctx, zmq::socket_type::dealer, sec);
  probe.connect(endpoint);
  zmq::message_t ping(std::string_view("self-test"));
  (void)probe.send(ping, zmq::send_flags::dontwait);
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (const auto verdict = zap.VerdictOnWatchedKey()) {
      if (*verdict) {
        return MakeError("auth_self_test_failed", "",
                         "the ZAP handler accepted a random CURVE key; refusing to serve");
      }
      return OkStatus();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return MakeError("auth_self_test_failed", "",
                   "a random CURVE key was not refused by the ZAP handler within " +
                       std::to_string(timeout.count()) + " ms; refusing to serve");
}

}  // namespace ducha::transport
