#include "common/transport/pipeline.h"

#include <deque>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/codec/frame.h"
#include "common/log/log.h"
#include "proto/common.h"
#include "proto/registry.h"

namespace ducha::transport {

Result<std::vector<std::string>> PipelineRequests(
    const std::string& endpoint, const ClientSecurity& security,
    const std::vector<std::string>& frames, const std::vector<std::string>& ids,
    const PipelineSettings& settings, const std::function<void(std::size_t)>& progress) {
  auto log = log::Get("transport.pipeline");
  zmq::context_t ctx;
  std::vector<std::string> replies(frames.size());
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < ids.size(); ++i) index.emplace(ids[i], i);
  std::deque<std::size_t> waiting;
  for (std::size_t i = 0; i < frames.size(); ++i) waiting.push_back(i);
  std::size_t done = 0;
  int silent_rounds = 0;
  while (done < frames.size()) {
    zmq::socket_t sock = MakeClientSocket(ctx, zmq::socket_type::dealer, security);
    sock.connect(endpoint);
    std::unordered_set<std::size_t> in_flight;
    auto last_reply = std::chrono::steady_clock::now();
    bool lost = false;
    while (done < frames.size() && !lost) {
      while (in_flight.size() < settings.window && !waiting.empty()) {
        const std::size_t i = waiting.front();
        zmq::message_t m(frames[i].data(), frames[i].size());
        if (!sock.send(m, zmq::send_flags::dontwait)) break;
        waiting.pop_front();
        in_flight.insert(i);
      }
      std::vector<zmq::pollitem_t> items{{sock.handle(), 0, ZMQ_POLLIN, 0}};
      if (Poll(items, std::chrono::milliseconds(100)) == 0) {
        if (std::chrono::steady_clock::now() - last_reply > settings.timeout) lost = true;
        continue;
      }
      std::vector<zmq::message_t> parts;
      if (RecvMessage(sock, parts, 8) != RecvStatus::kOk) continue;
      last_reply = std::chrono::steady_clock::now();
      silent_rounds = 0;
      std::string reply = parts.back().to_string();
      auto frame = proto::ParseMessage(reply);
      if (!frame) continue;
      const auto it = index.find(std::string(frame->id()));
      if (it == index.end() || in_flight.erase(it->second) == 0) continue;  // late or unknown
      if (frame->type() == proto::common::BusyReply::kType) {
        waiting.push_back(it->second);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        continue;
      }
      replies[it->second] = std::move(reply);
      ++done;
      if (progress) progress(done);
    }
    if (lost) {
      if (++silent_rounds >= settings.rounds) {
        return MakeError("timeout", "", "no answer from " + endpoint);
      }
      log->warn("no reply from {} within {} ms; sending the {} unanswered requests again", endpoint,
                settings.timeout.count(), in_flight.size());
      for (std::size_t i : in_flight) waiting.push_front(i);
    }
  }
  return replies;
}

}  // namespace ducha::transport
