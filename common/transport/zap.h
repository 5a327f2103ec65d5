#pragma once
// ZapHandler: the ZeroMQ Authentication Protocol (RFC 27) handler for one context. libzmq 4.3.4
// accepts ANY CURVE client when no handler is bound at inproc://zeromq.zap.01, so the handler is
// bound in the constructor — before the caller creates its server sockets — and fails closed:
// a request it cannot parse, an unknown mechanism, or a key the authorizer does not know is
// denied. The authenticated identity reaches the application as the message's "User-Id"
// property; authorisation uses that, never a field in the message.
//
// Lifecycle: construct first, destroy after the server sockets are closed. Serves on its own
// thread; the authorizer is called on that thread and must be thread-safe.

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <zmq.hpp>

#include "common/base/result.h"

namespace ducha::transport {

// Returns the identity name for an allowed client, nullopt to deny. `mechanism` is "CURVE" (with
// the client's Z85 public key) or "NULL" (plain, development mode only; key empty).
using Authorizer = std::function<std::optional<std::string>(std::string_view mechanism,
                                                            std::string_view client_key_z85)>;

class ZapHandler {
 public:
  ZapHandler(zmq::context_t& ctx, Authorizer authorizer);
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  std::uint64_t allowed() const { return allowed_.load(); }
  std::uint64_t denied() const { return denied_.load(); }

  // For the start-up self-test: watch one key and report the handler's verdict on it, whatever
  // other clients connect meanwhile. Nullopt until the key has been seen.
  void WatchKey(const std::string& public_key_z85);
  std::optional<bool> VerdictOnWatchedKey() const;

 private:
  void Serve(zmq::socket_t& rep);

  zmq::context_t& ctx_;
  Authorizer authorizer_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> allowed_{0};
  std::atomic<std::uint64_t> denied_{0};
  mutable std::mutex watch_mu_;
  std::string watched_key_;
  std::optional<bool> watched_verdict_;
  std::thread thread_;
};

// Start-up self-test: a client with a freshly generated (so certainly unknown) key connects to
// the bound CURVE endpoint and must be refused by the handler within `timeout`. A service that
// fails it refuses to start: its endpoint would accept anyone.
Status SelfTestRejectsUnknownKey(zmq::context_t& ctx, const std::string& endpoint,
                                 const std::string& server_public_z85, ZapHandler& zap,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(3));

}  // namespace ducha::transport
