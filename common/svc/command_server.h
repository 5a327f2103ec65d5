#pragma once
// CommandServer: the request/reply loop every service's command endpoint shares. A ROUTER socket
// behind CURVE (and the ZAP handler the service bound first); each request is one frame (after
// the routing id and an optional empty delimiter from REQ clients), handed with the caller's
// ZAP User-Id to the service's handler, whose reply frame goes back to that caller. A request
// of the wrong shape gets common.error (malformed) without reaching the handler; a handler that
// throws gets common.error (internal) — nothing was committed, the caller may retry — and the
// loop keeps serving. Requests are served one at a time, on the thread that calls Run().

#include <functional>
#include <stop_token>
#include <string>
#include <string_view>
#include <zmq.hpp>

#include "common/transport/transport.h"

namespace ducha::svc {

class CommandServer {
 public:
  // Returns the encoded reply frame for one request frame from `user_id`.
  using Handler = std::function<std::string(const std::string& user_id, std::string_view frame)>;

  CommandServer(zmq::context_t& ctx, transport::ServerSecurity security, std::string endpoint,
                std::string log_name);
  void Bind();
  std::string BoundEndpoint();
  // Serves until stop is requested (checked every 100 ms). db::Stopped from the handler ends it.
  void Run(std::stop_token stop, const Handler& handle);

 private:
  zmq::context_t& ctx_;
  transport::ServerSecurity security_;
  std::string endpoint_;
  std::string log_name_;
  zmq::socket_t router_;
};

// common.error as a reply frame, the message cut to 1000 bytes.
std::string ErrorFrame(const std::string& code, const std::string& field,
                       const std::string& message, std::string_view correlation = {});

}  // namespace ducha::svc
