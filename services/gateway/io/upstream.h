#pragma once
// UpstreamClient: request/reply to one ducha endpoint (intake's or tracking's) over CURVE with
// the gateway's own identity (role gateway). Lazy Pirate: wait `timeout` for the reply, and on
// silence drop the socket (so a late reply can never answer the next request) and resend, up to
// `attempts` times; resending is safe because submissions carry their idempotency key and reads
// change nothing. Thread-safe: HTTP worker threads borrow a socket from a small pool, one request
// at a time per socket (a ZeroMQ socket moves between threads only under the pool's mutex).

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "common/base/result.h"
#include "common/transport/transport.h"

namespace ducha::gateway {

struct UpstreamSettings {
  std::string endpoint;
  transport::ClientSecurity security;
  std::chrono::milliseconds timeout{3000};
  int attempts = 2;
  int max_sockets = 8;
};

class UpstreamClient {
 public:
  UpstreamClient(UpstreamSettings settings, zmq::context_t& ctx);
  ~UpstreamClient();
  // The reply frame, or upstream_unavailable after every attempt timed out.
  Result<std::string> Call(const std::string& frame);

 private:
  std::unique_ptr<zmq::socket_t> Borrow();
  void Return(std::unique_ptr<zmq::socket_t> sock);

  UpstreamSettings settings_;
  zmq::context_t& ctx_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<zmq::socket_t>> idle_;
  int open_ = 0;
};

}  // namespace ducha::gateway
