#pragma once
// What the intake integration tests share: the shipped Hebei campaign, RFC 3339 times, and a
// CURVE DEALER client that sends one request and waits for its reply.

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "common/base/time.h"
#include "common/campaign/campaign.h"
#include "common/campaign/loader.h"
#include "common/transport/transport.h"
#include "tests/support/hebei_campaign.h"
#include "tests/support/test_cluster.h"

namespace ducha::intake::test {

inline timeutil::Millis At(const char* rfc3339) { return *timeutil::ParseRfc3339(rfc3339); }

inline const campaign::Campaign& Hebei() { return ::ducha::testing::HebeiCampaign(); }

class Client {
 public:
  Client(zmq::context_t& ctx, const std::string& endpoint, const std::string& server_public,
         transport::KeyPair keys)
      : sock_(transport::MakeClientSocket(
            ctx, zmq::socket_type::dealer,
            transport::ClientSecurity{true, server_public, std::move(keys)})) {
    sock_.connect(endpoint);
  }
  std::optional<std::string> Request(const std::string& payload,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    zmq::message_t m(payload.data(), payload.size());
    if (!sock_.send(m, zmq::send_flags::none)) return std::nullopt;
    return Await(timeout);
  }
  std::optional<std::string> Await(std::chrono::milliseconds timeout) {
    std::vector<zmq::pollitem_t> items{{sock_.handle(), 0, ZMQ_POLLIN, 0}};
    if (transport::Poll(items, timeout) == 0) return std::nullopt;
    std::vector<zmq::message_t> frames;
    if (transport::RecvMessage(sock_, frames, 8) == transport::RecvStatus::kNothing) {
      return std::nullopt;
    }
    return frames.back().to_string();
  }
  zmq::socket_t& socket() { return sock_; }

 private:
  zmq::socket_t sock_;
};

}  // namespace ducha::intake::test
