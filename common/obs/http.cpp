#include "common/obs/http.h"

#include <httplib.h>

namespace ducha::obs {

struct HttpServer::Impl {
  HttpSettings settings;
  const Metrics& metrics;
  std::function<Status()> ready;
  std::string service;
  std::string version;
  httplib::Server server;
  std::thread thread;
};

HttpServer::HttpServer(HttpSettings settings, const Metrics& metrics, std::function<Status()> ready,
                       std::string service, std::string version)
    : impl_(new Impl{std::move(settings),
                     metrics,
                     std::move(ready),
                     std::move(service),
                     std::move(version),
                     {},
                     {}}) {}

HttpServer::~HttpServer() { Stop(); }

Result<int> HttpServer::Start() {
  if (impl_->settings.port < 0) return -1;
  Impl& im = *impl_;
  im.server.Get("/healthz", [&im](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok " + im.service + " " + im.version + "\n", "text/plain");
  });
  im.server.Get("/readyz", [&im](const httplib::Request&, httplib::Response& res) {
    const Status st = im.ready();
    if (st) {
      res.set_content("ready\n", "text/plain");
    } else {
      res.status = 503;
      res.set_content("not ready: " + st.error().message + "\n", "text/plain");
    }
  });
  im.server.Get("/metrics", [&im](const httplib::Request&, httplib::Response& res) {
    res.set_content(im.metrics.Render(), "text/plain; version=0.0.4");
  });
  int port = im.settings.port;
  if (port == 0) {
    port = im.server.bind_to_any_port(im.settings.host);
    if (port < 0) return MakeError("http_bind_failed", "http.port", "cannot bind any port");
  } else if (!im.server.bind_to_port(im.settings.host, port)) {
    return MakeError("http_bind_failed", "http.port",
                     "cannot bind " + im.settings.host + ":" + std::to_string(port));
  }
  im.thread = std::thread([&im] { im.server.listen_after_bind(); });
  return port;
}

void HttpServer::Stop() {
  if (impl_ && impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
}

}  // namespace ducha::obs
