#include "services/tracking/core/wire.h"

#include "proto/tracking_codec.h"

namespace ducha::tracking {
namespace {

namespace pt = proto::tracking;

std::string Date(Day day) { return timeutil::FormatDate(day); }

// Free text is bounded by the actions' schemas; the clamp only guards the events' limits.
std::string Clamp(const std::string& s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // UTF-8 boundary
  return s.substr(0, n);
}

template <typename M>
WireEvent Encoded(const M& m, std::int64_t problem_id) {
  return WireEvent{std::string(M::kType), pt::Encode(m, "problem-" + std::to_string(problem_id))};
}

struct ToWireVisitor {
  const LedgerEntry& entry;

  WireEvent operator()(const ProgressReported& e) const {
    pt::ProgressReported m;
    m.problem_id = e.problem_id;
    m.body = ToWire(e.body);
    m.text = Clamp(e.text, 8000);
    m.by = e.by;
    m.at = e.at;
    return Encoded(m, e.problem_id);
  }
  WireEvent operator()(const VerificationConcluded& e) const {
    pt::VerificationConcluded m;
    m.problem_id = e.problem_id;
    m.body = ToWire(e.body);
    m.substantiated = e.substantiated;
    if (!e.explanation.empty()) m.explanation = Clamp(e.explanation, 8000);
    if (e.rectification_deadline) m.rectification_deadline = Date(*e.rectification_deadline);
    m.by = e.by;
    m.at = e.at;
    return Encoded(m, e.problem_id);
  }
  WireEvent operator()(const RectificationClaimed& e) const {
    pt::RectificationClaimed m;
    m.problem_id = e.problem_id;
    m.body = ToWire(e.body);
    m.jurisdiction = std::to_string(e.jurisdiction);
    m.city = std::to_string(e.city);
    m.channel = entry.channel;
    m.category = entry.category;
    m.severity = entry.severity;
    m.listed = entry.listed;
    m.title = Clamp(entry.title, 400);
    m.reopen_count = entry.reopen_count;
    m.description = Clamp(e.description, 8000);
    m.evidence = e.evidence;
    m.deadline = Date(e.deadline);
    m.claimed_date = Date(e.claimed_day);
    m.late = e.late;
    m.by = e.by;
    m.at = e.at;
    return Encoded(m, e.problem_id);
  }
  WireEvent operator()(const ExtensionRequested& e) const {
    pt::ExtensionRequested m;
    m.problem_id = e.problem_id;
    m.body = ToWire(e.body);
    m.working_days = e.working_days;
    m.reason = Clamp(e.reason, 4000);
    m.deadline = Date(e.deadline);
    m.by = e.by;
    m.at = e.at;
    return Encoded(m, e.problem_id);
  }
  WireEvent operator()(const ExtensionDecided& e) const {
    pt::ExtensionDecided m;
    m.problem_id = e.problem_id;
    m.body = ToWire(e.body);
    m.approved = e.approved;
    m.working_days = e.working_days;
    m.reason = Clamp(e.reason, 4000);
    m.deadline = Date(e.deadline);
    m.extensions_used = e.extensions_used;
    m.by = e.by;
    m.at = e.at;
    return Encoded(m, e.problem_id);
  }
  WireEvent operator()(const Reopened& e) const {
    pt::Reopened m;
    m.problem_id = e.problem_id;
    m.body = ToWire(e.body);
    m.findings = Clamp(e.findings, 8000);
    m.deadline = Date(e.deadline);
    m.reopen_count = e.reopen_count;
    m.by = e.by;
    m.at = e.at;
    return Encoded(m, e.problem_id);
  }
  WireEvent operator()(const Rectified& e) const {
    pt::Rectified m;
    m.problem_id = e.problem_id;
    m.body = ToWire(e.body);
    if (!e.note.empty()) m.note = Clamp(e.note, 8000);
    m.by = e.by;
    m.at = e.at;
    return Encoded(m, e.problem_id);
  }
  WireEvent operator()(const DeadlineWarning& e) const {
    pt::DeadlineWarning m;
    m.problem_id = e.problem_id;
    m.body = ToWire(e.body);
    m.deadline_kind = e.deadline_kind;
    m.fraction = e.fraction;
    m.working_days_used = e.working_days_used;
    m.working_days_total = e.working_days_total;
    m.deadline = Date(e.deadline);
    m.due_date = Date(e.due_day);
    return Encoded(m, e.problem_id);
  }
  WireEvent operator()(const Overdue& e) const {
    pt::Overdue m;
    m.problem_id = e.problem_id;
    m.body = ToWire(e.body);
    m.deadline_kind = e.deadline_kind;
    m.deadline = Date(e.deadline);
    m.due_date = Date(e.due_day);
    return Encoded(m, e.problem_id);
  }
  WireEvent operator()(const Escalated& e) const {
    pt::Escalated m;
    m.problem_id = e.problem_id;
    m.body = ToWire(e.body);
    m.deadline_kind = e.deadline_kind;
    m.rung = e.rung;
    m.rung_name = e.rung_name;
    m.display_name = e.display_name;
    m.working_days_overdue = e.working_days_overdue;
    m.deadline = Date(e.deadline);
    m.due_date = Date(e.due_day);
    return Encoded(m, e.problem_id);
  }
};

}  // namespace

WireEvent ToWire(const Event& event, const LedgerEntry& entry) {
  return std::visit(ToWireVisitor{entry}, event);
}

pt::LedgerState ToWire(State state) {
  switch (state) {
    case State::kAwaitingVerification:
      return pt::LedgerState::kAwaitingVerification;
    case State::kInRectification:
      return pt::LedgerState::kInRectification;
    case State::kClaimed:
      return pt::LedgerState::kClaimed;
    case State::kClosedNotSubstantiated:
      return pt::LedgerState::kClosedNotSubstantiated;
    case State::kClosedRectified:
      return pt::LedgerState::kClosedRectified;
  }
  return pt::LedgerState::kInRectification;
}

proto::dispatch::Body ToWire(const Body& body) {
  return proto::dispatch::Body{std::to_string(body.code), body.name, body.kind};
}

}  // namespace ducha::tracking
