#include "tests/support/tcp_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ducha::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// Sends everything or fails (the peer is gone).
bool SendAll(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        pollfd p{fd, POLLOUT, 0};
        poll(&p, 1, 1000);
        continue;
      }
      return false;
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace

TcpProxy::TcpProxy(int listen_port, int upstream_port)
    : listen_port_(listen_port), upstream_port_(upstream_port) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const sockaddr_in a = Loopback(listen_port_);
  if (bind(listen_fd_, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0 ||
      listen(listen_fd_, 64) != 0) {
    const std::string why = std::strerror(errno);
    close(listen_fd_);
    throw std::runtime_error("tcp proxy cannot listen on " + std::to_string(listen_port_) + ": " +
                             why);
  }
  thread_ = std::thread([this] { Run(); });
}

TcpProxy::~TcpProxy() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  close(listen_fd_);
}

void TcpProxy::Cut() { cut_ = true; }
void TcpProxy::Restore() { cut_ = false; }

void TcpProxy::Run() {
  std::vector<std::pair<int, int>> links;  // (client, upstream)
  auto close_link = [&](std::size_t i) {
    close(links[i].first);
    close(links[i].second);
    links.erase(links.begin() + static_cast<std::ptrdiff_t>(i));
  };
  char buf[64 * 1024];
  while (!stop_) {
    if (cut_ && !links.empty()) {
      severed_ += static_cast<int>(links.size());
      while (!links.empty()) close_link(links.size() - 1);
    }
    std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
    for (const auto& [c, u] : links) {
      fds.push_back({c, POLLIN, 0});
      fds.push_back({u, POLLIN, 0});
    }
    if (poll(fds.data(), fds.size(), 50) <= 0) continue;
    const std::size_t polled = links.size();  // a link accepted below was not polled yet
    if (fds[0].revents & POLLIN) {
      const int client = accept(listen_fd_, nullptr, nullptr);
      if (client >= 0) {
        if (cut_) {
          close(client);  // the link is down: the connection dies at once
        } else {
          const int upstream = socket(AF_INET, SOCK_STREAM, 0);
          const sockaddr_in a = Loopback(upstream_port_);
          if (connect(upstream, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
            close(upstream);
            close(client);
          } else {
            const int one = 1;
            setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            setsockopt(upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            links.emplace_back(client, upstream);
            ++accepted_;
          }
        }
      }
    }
    // Walk backwards so closing a link keeps the remaining indexes valid.
    for (std::size_t k = polled; k-- > 0;) {
      const pollfd& pc = fds[1 + 2 * k];
      const pollfd& pu = fds[2 + 2 * k];
      bool dead = false;
      for (const auto& [from, to] :
           {std::pair{pc, links[k].second}, std::pair{pu, links[k].first}}) {
        if (dead || !(from.revents & (POLLIN | POLLHUP | POLLERR))) continue;
        const ssize_t r = recv(from.fd, buf, sizeof buf, 0);
        if (r <= 0 || !SendAll(to, buf, static_cast<std::size_t>(r))) dead = true;
      }
      if (dead) close_link(k);
    }
  }
  while (!links.empty()) close_link(links.size() - 1);
}

}  // namespace ducha::testing
