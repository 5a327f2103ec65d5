#pragma once
// A TCP proxy for fault tests: forwards every connection on a local port to an upstream port,
// and can cut the link (close every connection and refuse new ones by closing them at once)
// and restore it. `tc netem` does not work in the sandbox; this is how a network partition
// between two services is made. One thread; poll()-driven.

#include <atomic>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace ducha::testing {

class TcpProxy {
 public:
  // Listens on 127.0.0.1:listen_port and forwards to 127.0.0.1:upstream_port.
  TcpProxy(int listen_port, int upstream_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  void Cut();
  void Restore();
  int port() const { return listen_port_; }
  // Connections forwarded so far, and connections closed by a cut.
  int accepted() const { return accepted_.load(); }
  int severed() const { return severed_.load(); }

 private:
  void Run();

  int listen_port_;
  int upstream_port_;
  int listen_fd_ = -1;
  std::atomic<bool> cut_{false};
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> severed_{0};
  std::thread thread_;
};

}  // namespace ducha::testing
