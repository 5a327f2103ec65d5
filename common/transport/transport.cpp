#include "common/transport/transport.h"

#include <array>
#include <cerrno>

namespace ducha::transport {

KeyPair GenerateKeyPair() {
  std::array<char, 41> pub{};
  std::array<char, 41> sec{};
  if (zmq_curve_keypair(pub.data(), sec.data()) != 0) {
    throw zmq::error_t();
  }
  return KeyPair{std::string(pub.data(), 40), std::string(sec.data(), 40)};
}

bool IsZ85Key(const std::string& key) {
  if (key.size() != 40) return false;
  std::array<std::uint8_t, 32> raw{};
  return zmq_z85_decode(raw.data(), key.c_str()) != nullptr;
}

std::string PublicKeyOf(const std::string& secret_z85) {
  if (!IsZ85Key(secret_z85)) return {};
  std::array<char, 41> pub{};
  if (zmq_curve_public(pub.data(), secret_z85.c_str()) != 0) return {};
  return std::string(pub.data(), 40);
}

namespace {

void ApplyLimits(zmq::socket_t& s, const SocketLimits& limits) {
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::maxmsgsize, limits.max_message_bytes);
  s.set(zmq::sockopt::sndhwm, limits.send_hwm);
  s.set(zmq::sockopt::rcvhwm, limits.recv_hwm);
}

}  // namespace

zmq::socket_t MakeServerSocket(zmq::context_t& ctx, zmq::socket_type type,
                               const ServerSecurity& security, const SocketLimits& limits) {
  zmq::socket_t s(ctx, type);
  ApplyLimits(s, limits);
  if (type == zmq::socket_type::router) {
    s.set(zmq::sockopt::router_mandatory, 1);
    s.set(zmq::sockopt::router_handover, 1);
  }
  // The ZAP domain makes libzmq consult the ZAP handler for NULL-mechanism clients too, so a
  // plain connection is accepted only when the handler says so (development mode).
  s.set(zmq::sockopt::zap_domain, security.zap_domain);
  if (security.curve) {
    s.set(zmq::sockopt::curve_server, 1);
    s.set(zmq::sockopt::curve_secretkey, security.secret_key_z85);
  }
  return s;
}

zmq::socket_t MakeClientSocket(zmq::context_t& ctx, zmq::socket_type type,
                               const ClientSecurity& security, const SocketLimits& limits) {
  zmq::socket_t s(ctx, type);
  ApplyLimits(s, limits);
  s.set(zmq::sockopt::reconnect_ivl, 100);
  s.set(zmq::sockopt::reconnect_ivl_max, 5000);
  s.set(zmq::sockopt::heartbeat_ivl, 2000);
  s.set(zmq::sockopt::heartbeat_timeout, 6000);
  if (security.curve) {
    s.set(zmq::sockopt::curve_serverkey, security.server_public_z85);
    s.set(zmq::sockopt::curve_publickey, security.client.public_z85);
    s.set(zmq::sockopt::curve_secretkey, security.client.secret_z85);
  }
  return s;
}

RecvStatus RecvMessage(zmq::socket_t& sock, std::vector<zmq::message_t>& out,
                       std::size_t max_frames, zmq::recv_flags flags) {
  out.clear();
  bool too_many = false;
  for (;;) {
    zmq::message_t msg;
    const auto r = sock.recv(msg, out.empty() ? flags : zmq::recv_flags::none);
    if (!r) return RecvStatus::kNothing;  // only possible on the first frame (dontwait)
    const bool more = msg.more();
    if (out.size() < max_frames) {
      out.push_back(std::move(msg));
    } else {
      too_many = true;
    }
    if (!more) break;
  }
  return too_many ? RecvStatus::kTooManyFrames : RecvStatus::kOk;
}

bool SendMessage(zmq::socket_t& sock, std::vector<zmq::message_t>& frames) {
  try {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      auto flags = zmq::send_flags::dontwait;
      if (i + 1 < frames.size()) flags = flags | zmq::send_flags::sndmore;
      if (!sock.send(frames[i], flags)) return false;
    }
    return true;
  } catch (const zmq::error_t& e) {
    if (e.num() == EHOSTUNREACH || e.num() == EAGAIN) return false;
    throw;
  }
}

int Poll(std::vector<zmq::pollitem_t>& items, std::chrono::milliseconds timeout) {
  try {
    return zmq::poll(items, timeout);
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return 0;
    throw;
  }
}

std::string ConnectableEndpoint(zmq::socket_t& bound) {
  std::string ep = bound.get(zmq::sockopt::last_endpoint);
  const std::string any = "tcp://0.0.0.0:";
  if (ep.rfind(any, 0) == 0) ep = "tcp://127.0.0.1:" + ep.substr(any.size());
  return ep;
}

}  // namespace ducha::transport
