#include "services/gateway/io/upstream.h"

namespace ducha::gateway {

UpstreamClient::UpstreamClient(UpstreamSettings settings, zmq::context_t& ctx)
    : settings_(std::move(settings)), ctx_(ctx) {}

UpstreamClient::~UpstreamClient() {
  std::lock_guard lock(mu_);
  idle_.clear();
}

std::unique_ptr<zmq::socket_t> UpstreamClient::Borrow() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !idle_.empty() || open_ < settings_.max_sockets; });
  if (!idle_.empty()) {
    auto sock = std::move(idle_.back());
    idle_.pop_back();
    return sock;
  }
  ++open_;
  lock.unlock();
  auto sock = std::make_unique<zmq::socket_t>(
      transport::MakeClientSocket(ctx_, zmq::socket_type::dealer, settings_.security));
  sock->connect(settings_.endpoint);
  return sock;
}

void UpstreamClient::Return(std::unique_ptr<zmq::socket_t> sock) {
  {
    std::lock_guard lock(mu_);
    if (sock) {
      idle_.push_back(std::move(sock));
    } else {
      --open_;
    }
  }
  cv_.notify_one();
}

Result<std::string> UpstreamClient::Call(const std::string& frame) {
  for (int attempt = 1; attempt <= settings_.attempts; ++attempt) {
    auto sock = Borrow();
    std::vector<zmq::message_t> out;
    out.emplace_back(frame.data(), frame.size());
    if (transport::SendMessage(*sock, out)) {
      std::vector<zmq::pollitem_t> items{{sock->handle(), 0, ZMQ_POLLIN, 0}};
      if (transport::Poll(items, settings_.timeout) > 0) {
        std::vector<zmq::message_t> frames;
        if (transport::RecvMessage(*sock, frames, 4) == transport::RecvStatus::kOk &&
            !frames.empty()) {
          std::string reply = frames.back().to_string();
          Return(std::move(sock));
          return reply;
        }
      }
    }
    // Silence or a broken exchange: this socket may still get the late reply, so drop it.
    sock.reset();
    Return(nullptr);
  }
  return MakeError("upstream_unavailable", "",
                   settings_.endpoint + " did not answer within " +
                       std::to_string(settings_.timeout.count()) + " ms (" +
                       std::to_string(settings_.attempts) + " attempts)");
}

}  // namespace ducha::gateway
