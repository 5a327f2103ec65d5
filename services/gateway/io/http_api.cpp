#include "services/gateway/io/http_api.h"

#include <httplib.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <thread>

#include "common/auth/api_key.h"
#include "common/log/log.h"
#include "proto/common_codec.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"
#include "proto/tracking_codec.h"
#include "services/gateway/core/open311.h"

namespace ducha::gateway {
namespace {

namespace pc = proto::common;
namespace pi = proto::intake;
namespace pt = proto::tracking;

constexpr const char* kJson = "application/json; charset=utf-8";

// An upstream answer: the wanted message, or the Open311 error (with Retry-After when busy).
template <typename M>
struct Answer {
  std::optional<M> message;
  ApiError error;
  std::int64_t retry_after_ms = 0;
};

template <typename M>
Answer<M> Decode(const Result<std::string>& reply) {
  Answer<M> a;
  if (!reply) {
    a.error = ApiError{503, "upstream_unavailable", "the service did not answer; retry later"};
    a.retry_after_ms = 1000;
    return a;
  }
  auto frame = proto::ParseMessage(*reply);
  if (!frame) {
    a.error = ApiError{502, "bad_upstream_reply", frame.error().message};
    return a;
  }
  if (frame->type() == M::kType) {
    auto m = codec::DecodeAs<M>(*frame);
    if (m) {
      a.message = std::move(m).value();
      return a;
    }
    a.error = ApiError{502, "bad_upstream_reply", m.error().message};
  } else if (frame->type() == pc::ErrorReply::kType) {
    auto e = codec::DecodeAs<pc::ErrorReply>(*frame);
    a.error = e ? FromUpstreamError(e->code, e->field.value_or(""), e->message)
                : ApiError{502, "bad_upstream_reply", e.error().message};
  } else if (frame->type() == pc::BusyReply::kType) {
    auto b = codec::DecodeAs<pc::BusyReply>(*frame);
    a.error = ApiError{503, "busy", "the service is at capacity; retry later with the same key"};
    a.retry_after_ms = b ? b->retry_after_ms : 1000;
  } else {
    a.error = ApiError{502, "bad_upstream_reply", "unexpected " + std::string(frame->type())};
  }
  return a;
}

}  // namespace

struct GatewayApi::Impl {
  ApiSettings settings;
  const campaign::Campaign& campaign;
  const auth::Registry& registry;
  const Clock& clock;
  UpstreamClient& intake;
  UpstreamClient& tracking;
  GatewayStats& stats;
  obs::Histogram& latency;
  RateLimiter limiter;
  httplib::Server server;
  std::thread thread;
  std::atomic<std::uint64_t> sequence{0};

  // The correlation id of an upstream request (in intake's and tracking's logs).
  std::string NewCorrelation() {
    return "gw-" + std::to_string(::getpid()) + "-" + std::to_string(sequence.fetch_add(1) + 1);
  }

  void Fail(httplib::Response& res, const ApiError& e, std::int64_t retry_after_ms = 0) {
    res.status = e.status;
    if (retry_after_ms > 0) {
      res.set_header("Retry-After", std::to_string((retry_after_ms + 999) / 1000));
    }
    res.set_content(ErrorBody(e), kJson);
    if (e.status >= 500) {
      stats.upstream_failures.fetch_add(1, std::memory_order_relaxed);
    } else {
      stats.refused.fetch_add(1, std::memory_order_relaxed);
    }
  }

  // The caller's integration identity, or the refusal already written to `res`.
  std::optional<Caller> Authenticate(const httplib::Request& req, httplib::Response& res) {
    std::string key = req.get_header_value("X-Api-Key");
    if (key.empty()) key = req.get_param_value("api_key");
    if (key.empty()) {
      Fail(res, {401, "missing_api_key", "an API key is required (header X-Api-Key)"});
      return std::nullopt;
    }
    std::optional<auth::Identity> who;
    if (auth::LooksLikeApiKey(key)) who = registry.FindByApiKeyHash(auth::HashApiKey(key));
    if (!who || who->role != auth::Role::kIntegration) {
      Fail(res, {403, "invalid_api_key", "the API key is not registered or has been revoked"});
      return std::nullopt;
    }
    const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::steady_clock::now().time_since_epoch())
                         .count();
    const auto d = limiter.Take(who->name, now);
    if (!d.allowed) {
      stats.rate_limited.fetch_add(1, std::memory_order_relaxed);
      Fail(res, {429, "rate_limited", "too many requests for this API key; retry later"},
           d.retry_after_ms);
      return std::nullopt;
    }
    return Caller{who->name, who->channels};
  }

  void Submit(const httplib::Request& req, httplib::Response& res) {
    const auto caller = Authenticate(req, res);
    if (!caller) return;
    std::string submission_id = req.get_header_value("Idempotency-Key");
    if (submission_id.empty()) {
      // Without a key a retry may become a second report; intake's duplicate detection is then
      // the only guard. Integrations are told to send one.
      submission_id = "gw:" + auth::GenerateApiKey().substr(0, 32);
    } else if (!ValidIdempotencyKey(submission_id)) {
      Fail(res, {400, "invalid_idempotency_key",
                 "Idempotency-Key must be 1..64 characters of A-Z a-z 0-9 . _ : -"});
      return;
    }
    // GeoReport v2's own form encoding, or a JSON body.
    const bool form =
        req.get_header_value("Content-Type").starts_with("application/x-www-form-urlencoded");
    auto mapped = MapServiceRequest(form ? FormToJson(req.params) : req.body, *caller, campaign,
                                    clock.Now(), submission_id);
    if (auto* e = std::get_if<ApiError>(&mapped)) {
      Fail(res, *e);
      return;
    }
    const auto& report = std::get<pi::SubmitReport>(mapped);
    const auto answer = Decode<pi::Receipt>(intake.Call(pi::Encode(report, NewCorrelation())));
    if (!answer.message) {
      Fail(res, answer.error, answer.retry_after_ms);
      return;
    }
    stats.submitted.fetch_add(1, std::memory_order_relaxed);
    res.status = 200;  // Open311 answers a realtime service's POST with 200 and the id
    res.set_content(ReceiptBody(*answer.message), kJson);
  }

  // The caller's reports (by ids or a page) joined with their problems' ledger state.
  void Read(const httplib::Request& req, httplib::Response& res, std::optional<std::int64_t> one) {
    const auto caller = Authenticate(req, res);
    if (!caller) return;
    ListQuery q;
    if (one) {
      q.ids = {*one};
    } else {
      auto parsed = ParseListQuery(req.params);
      if (auto* e = std::get_if<ApiError>(&parsed)) {
        Fail(res, *e);
        return;
      }
      q = std::get<ListQuery>(parsed);
    }
    pi::ListReports list;
    list.on_behalf_of = caller->name;
    list.report_ids = q.ids;
    if (q.ids.empty()) list.after_report_id = q.after;
    list.limit = q.ids.empty() ? q.page_size : static_cast<std::int64_t>(q.ids.size());
    const auto reports = Decode<pi::ReportList>(intake.Call(pi::Encode(list, NewCorrelation())));
    if (!reports.message) {
      Fail(res, reports.error, reports.retry_after_ms);
      return;
    }
    if (one && reports.message->reports.empty()) {
      Fail(res, {404, "unknown_service_request_id",
                 "no request " + std::to_string(*one) + " from this integration"});
      return;
    }
    std::map<std::int64_t, pt::ProblemStatus> statuses;
    if (!reports.message->reports.empty()) {
      pt::StatusRequest sq;
      for (const auto& r : reports.message->reports) sq.problem_ids.push_back(r.problem_id);
      const auto st = Decode<pt::StatusList>(tracking.Call(pt::Encode(sq, NewCorrelation())));
      if (!st.message) {
        Fail(res, st.error, st.retry_after_ms);
        return;
      }
      for (auto& s : st.message->problems) statuses.emplace(s.problem_id, std::move(s));
    }
    std::vector<std::string> out;
    for (const auto& r : reports.message->reports) {
      const auto it = statuses.find(r.problem_id);
      const pt::ProblemStatus* status = it == statuses.end() ? nullptr : &it->second;
      if (q.open && StatusOf(status).open != *q.open) continue;
      out.push_back(RequestJson(r, status, campaign));
    }
    if (!one && reports.message->more && !reports.message->reports.empty()) {
      const auto last = reports.message->reports.back().report_id;
      std::string next =
          "/requests?after=" + std::to_string(last) + "&page_size=" + std::to_string(q.page_size);
      if (q.open) next += *q.open ? "&status=open" : "&status=closed";
      res.set_header("Link", "<" + next + ">; rel=\"next\"");
    }
    stats.reads.fetch_add(1, std::memory_order_relaxed);
    res.set_content(RequestArray(out), kJson);
  }
};

GatewayApi::GatewayApi(ApiSettings settings, const campaign::Campaign& campaign,
                       const auth::Registry& registry, const Clock& clock, UpstreamClient& intake,
                       UpstreamClient& tracking)
    : impl_(new Impl{settings,
                     campaign,
                     registry,
                     clock,
                     intake,
                     tracking,
                     stats_,
                     latency_,
                     RateLimiter(settings.rate),
                     {},
                     {}}) {}

GatewayApi::~GatewayApi() { Stop(); }

Result<int> GatewayApi::Start() {
  Impl& im = *impl_;
  auto& s = im.server;
  s.set_payload_max_length(im.settings.max_body_bytes);
  s.set_pre_routing_handler([&im](const httplib::Request&, httplib::Response&) {
    im.stats.requests.fetch_add(1, std::memory_order_relaxed);
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Every error httplib answers itself (413 oversize, 404 unknown path, 400 bad request line)
  // gets Open311's error body too; our own errors already have theirs.
  s.set_error_handler([&im](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    ApiError e{res.status, "http_error", "the request could not be served"};
    if (res.status == 413) {
      e = {413, "body_too_large",
           "the body exceeds " + std::to_string(im.settings.max_body_bytes) + " bytes"};
    } else if (res.status == 404) {
      e = {404, "not_found", "no such resource (see GET /services and /requests)"};
    } else if (res.status == 400) {
      e = {400, "bad_request", "the HTTP request is malformed"};
    }
    res.set_content(ErrorBody(e), kJson);
    im.stats.refused.fetch_add(1, std::memory_order_relaxed);
  });
  auto timed = [&im](auto fn) {
    return [&im, fn](const httplib::Request& req, httplib::Response& res) {
      const auto start = std::chrono::steady_clock::now();
      try {
        fn(req, res);
      } catch (const std::exception& e) {
        log::Get("gateway.http")->error("{} {} failed: {}", req.method, req.path, e.what());
        im.Fail(res, {500, "internal", "the request failed; retry later"});
      }
      im.latency.Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    };
  };
  s.Get(R"(/services(?:\.json)?)", timed([&im](const httplib::Request&, httplib::Response& res) {
          res.set_content(ServiceList(im.campaign), kJson);
        }));
  s.Get(R"(/services/([A-Za-z0-9_]+)(?:\.json)?)",
        timed([&im](const httplib::Request& req, httplib::Response& res) {
          const auto def = ServiceDefinition(im.campaign, req.matches[1].str());
          if (!def) {
            im.Fail(res, {404, "unknown_service_code",
                          "no service with service_code '" + req.matches[1].str() + "'"});
            return;
          }
          res.set_content(*def, kJson);
        }));
  s.Post(R"(/requests(?:\.json)?)", timed([&im](const httplib::Request& req,
                                                httplib::Response& res) { im.Submit(req, res); }));
  s.Get(R"(/requests(?:\.json)?)",
        timed([&im](const httplib::Request& req, httplib::Response& res) {
          im.Read(req, res, std::nullopt);
        }));
  s.Get(R"(/requests/([^/.]+)(?:\.json)?)",
        timed([&im](const httplib::Request& req, httplib::Response& res) {
          const auto id = ParseRequestId(req.matches[1].str());
          if (!id) {
            im.Fail(res, {404, "unknown_service_request_id", "no such service_request_id"});
            return;
          }
          im.Read(req, res, id);
        }));
  int port = im.settings.port;
  if (port == 0) {
    port = s.bind_to_any_port(im.settings.host);
    if (port < 0) return MakeError("http_bind_failed", "gateway.port", "cannot bind any port");
  } else if (!s.bind_to_port(im.settings.host, port)) {
    return MakeError("http_bind_failed", "gateway.port",
                     "cannot bind " + im.settings.host + ":" + std::to_string(port));
  }
  im.thread = std::thread([&im] { im.server.listen_after_bind(); });
  return port;
}

void GatewayApi::Stop() {
  if (impl_ && impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
}

}  // namespace ducha::gateway
