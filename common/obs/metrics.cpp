#include "common/obs/metrics.h"

#include <cmath>
#include <map>
#include <sstream>

namespace ducha::obs {
namespace {

std::string LabelText(const Metrics::Labels& labels, const std::string& extra = {}) {
  if (labels.empty() && extra.empty()) return {};
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ',';
    first = false;
    out += k + "=\"";
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  if (!extra.empty()) {
    if (!first) out += ',';
    out += extra;
  }
  return out + "}";
}

std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

}  // namespace

void Histogram::Observe(double seconds) {
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    s.buckets[i] = running;
  }
  s.count = running;
  s.sum = static_cast<double>(sum_micros_.load(std::memory_order_relaxed)) / 1e6;
  return s;
}

void Metrics::Add(Kind kind, const std::string& name, const std::string& help, Labels labels,
                  std::function<double()> read) {
  std::lock_guard lock(mu_);
  entries_.push_back(Entry{kind, name, help, std::move(labels), std::move(read), nullptr});
}

void Metrics::AddHistogram(const std::string& name, const std::string& help, Labels labels,
                           const Histogram& histogram) {
  std::lock_guard lock(mu_);
  entries_.push_back(Entry{Kind::kCounter, name, help, std::move(labels), nullptr, &histogram});
}

std::string Metrics::Render() const {
  std::lock_guard lock(mu_);
  // Group by name so each family has one HELP/TYPE header.
  std::map<std::string, std::vector<const Entry*>> families;
  for (const auto& e : entries_) families[e.name].push_back(&e);
  std::string out;
  for (const auto& [name, list] : families) {
    const Entry& head = *list.front();
    out += "# HELP " + name + " " + head.help + "\n";
    out += "# TYPE " + name + " " +
           (head.histogram != nullptr     ? "histogram"
            : head.kind == Kind::kCounter ? "counter"
                                          : "gauge") +
           "\n";
    for (const Entry* e : list) {
      if (e->histogram != nullptr) {
        const auto snap = e->histogram->Read();
        for (std::size_t i = 0; i < Histogram::kBounds.size(); ++i) {
          out += name + "_bucket" +
                 LabelText(e->labels, "le=\"" + Number(Histogram::kBounds[i]) + "\"") + " " +
                 std::to_string(snap.buckets[i]) + "\n";
        }
        out += name + "_bucket" + LabelText(e->labels, "le=\"+Inf\"") + " " +
               std::to_string(snap.count) + "\n";
        out += name + "_sum" + LabelText(e->labels) + " " + Number(snap.sum) + "\n";
        out += name + "_count" + LabelText(e->labels) + " " + std::to_string(snap.count) + "\n";
      } else {
        out += name + LabelText(e->labels) + " " + Number(e->read()) + "\n";
      }
    }
  }
  return out;
}

}  // namespace ducha::obs
