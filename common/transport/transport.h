#pragma once
// ZeroMQ helpers shared by every service's io/ adapters: sockets made safe by default (linger 0,
// a maximum message size, ROUTER_MANDATORY so unroutable replies fail loudly instead of vanishing),
// CURVE set-up, whole-message receive that never leaves stray frames on a socket, and an EINTR-safe
// poll. Sockets are not thread-safe: each is used only by the thread that created it.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>
#include <zmq.hpp>

namespace ducha::transport {

struct KeyPair {
  std::string public_z85;
  std::string secret_z85;
};
KeyPair GenerateKeyPair();
// The Z85 public key that belongs to a Z85 secret key; empty when the secret is not valid Z85.
std::string PublicKeyOf(const std::string& secret_z85);
bool IsZ85Key(const std::string& key);

// How a server endpoint authenticates clients. CURVE is the default; plain TCP (the NULL
// mechanism) only with the explicit development flag, and then every client maps to one
// development identity through the ZAP handler.
struct ServerSecurity {
  bool curve = true;
  std::string secret_key_z85;
  std::string zap_domain = "ducha";
};

struct ClientSecurity {
  bool curve = true;
  std::string server_public_z85;
  KeyPair client;
};

struct SocketLimits {
  std::int64_t max_message_bytes = (1 << 20) + (64 << 10);
  int send_hwm = 10000;
  int recv_hwm = 10000;
};

zmq::socket_t MakeServerSocket(zmq::context_t& ctx, zmq::socket_type type,
                               const ServerSecurity& security, const SocketLimits& limits = {});
zmq::socket_t MakeClientSocket(zmq::context_t& ctx, zmq::socket_type type,
                               const ClientSecurity& security, const SocketLimits& limits = {});

enum class RecvStatus { kOk, kNothing, kTooManyFrames };

// Receives one whole multipart message. If it has more than `max_frames` frames, the rest are
// received and discarded (so the socket stays in step) and kTooManyFrames is returned with the
// first `max_frames` frames in `out`.
RecvStatus RecvMessage(zmq::socket_t& sock, std::vector<zmq::message_t>& out,
                       std::size_t max_frames, zmq::recv_flags flags = zmq::recv_flags::dontwait);

// Sends the frames as one message without blocking. Returns false when the peer is gone
// (ROUTER_MANDATORY: host unreachable) or its queue is full; the caller decides what that means.
bool SendMessage(zmq::socket_t& sock, std::vector<zmq::message_t>& frames);

// zmq::poll that treats EINTR as "nothing happened".
int Poll(std::vector<zmq::pollitem_t>& items, std::chrono::milliseconds timeout);

// The address a local client can connect to for a bound socket ("tcp://0.0.0.0:5555" becomes
// "tcp://127.0.0.1:5555").
std::string ConnectableEndpoint(zmq::socket_t& bound);

}  // namespace ducha::transport
