#include "common/svc/command_server.h"

#include "common/db/db.h"
#include "common/log/log.h"
#include "proto/common_codec.h"

namespace ducha::svc {

std::string ErrorFrame(const std::string& code, const std::string& field,
                       const std::string& message, std::string_view correlation) {
  proto::common::ErrorReply msg;
  msg.code = code;
  if (!field.empty()) msg.field = field;
  msg.message = message.size() > 1000 ? message.substr(0, 1000) : message;
  return proto::common::Encode(msg, correlation);
}

CommandServer::CommandServer(zmq::context_t& ctx, transport::ServerSecurity security,
                             std::string endpoint, std::string log_name)
    : ctx_(ctx),
      security_(std::move(security)),
      endpoint_(std::move(endpoint)),
      log_name_(std::move(log_name)) {}

void CommandServer::Bind() {
  router_ = transport::MakeServerSocket(ctx_, zmq::socket_type::router, security_);
  router_.bind(endpoint_);
}

std::string CommandServer::BoundEndpoint() { return transport::ConnectableEndpoint(router_); }

void CommandServer::Run(std::stop_token stop, const Handler& handle) {
  auto log = log::Get(log_name_);
  log->info("{} serving on {}", log_name_, BoundEndpoint());
  std::vector<zmq::message_t> frames;
  try {
    while (!stop.stop_requested()) {
      std::vector<zmq::pollitem_t> items{{router_.handle(), 0, ZMQ_POLLIN, 0}};
      if (transport::Poll(items, std::chrono::milliseconds(100)) == 0) continue;
      const auto st = transport::RecvMessage(router_, frames, 3);
      if (st == transport::RecvStatus::kNothing) continue;
      std::string reply;
      if (st == transport::RecvStatus::kTooManyFrames || frames.size() < 2 ||
          (frames.size() == 3 && frames[1].size() != 0)) {
        reply = ErrorFrame("malformed", "", "a request is one frame (after routing)");
        frames.resize(1);
      } else {
        std::string user_id;
        try {
          user_id = frames.back().gets("User-Id");
        } catch (const zmq::error_t&) {
          user_id.clear();
        }
        try {
          reply = handle(user_id, frames.back().to_string_view());
        } catch (const db::Stopped&) {
          throw;
        } catch (const std::exception& e) {
          log->error("request failed: {}", e.what());
          reply = ErrorFrame("internal", "", "the request could not be served; retry");
        }
        frames.pop_back();
      }
      frames.emplace_back(reply.data(), reply.size());
      transport::SendMessage(router_, frames);
    }
  } catch (const db::Stopped&) {
    // stopping while the database was away
  }
  log->info("{} stopped", log_name_);
}

}  // namespace ducha::svc
