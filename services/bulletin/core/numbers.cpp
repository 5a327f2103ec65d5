#include "services/bulletin/core/numbers.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "common/campaign/names.h"

namespace ducha::bulletin {
namespace {

enum class State { kAwaitingVerification, kInRectification, kClaimed, kClosed };

// A problem as it stood at a cut-off, after every fact dated before it.
struct ProblemState {
  const ProblemFact* problem = nullptr;
  State state = State::kInRectification;
  std::int64_t deadline = 0;
  bool listed = false;
  bool claim_late = false;
  bool on_time = false;  // when closed
};

bool InWindow(Millis at, Millis start, Millis end) { return at >= start && at < end; }

// The facts in time order (ties: the order they were stored).
std::vector<const Fact*> Sorted(const std::vector<Fact>& facts) {
  std::vector<const Fact*> out;
  out.reserve(facts.size());
  for (const Fact& f : facts) out.push_back(&f);
  std::stable_sort(out.begin(), out.end(), [](const Fact* a, const Fact* b) {
    return a->at != b->at ? a->at < b->at : a->order < b->order;
  });
  return out;
}

class Folder {
 public:
  Folder(const Projection& p, const std::vector<const Fact*>& sorted, int offset)
      : projection_(p), sorted_(sorted), offset_(offset) {
    for (const ProblemFact& pf : p.problems) problems_.emplace(pf.problem_id, &pf);
  }

  const ProblemFact* Find(std::int64_t id) const {
    const auto it = problems_.find(id);
    return it == problems_.end() ? nullptr : it->second;
  }

  // Every problem assigned before `cutoff`, as it stood then, in problem id order.
  std::map<std::int64_t, ProblemState> StatesAt(Millis cutoff) const {
    std::map<std::int64_t, ProblemState> out;
    for (const ProblemFact& pf : projection_.problems) {
      if (pf.assigned_at >= cutoff) continue;
      ProblemState s;
      s.problem = &pf;
      s.state = pf.verification ? State::kAwaitingVerification : State::kInRectification;
      s.deadline = pf.deadline;
      s.listed = pf.listed;
      out.emplace(pf.problem_id, s);
    }
    for (const Fact* f : sorted_) {
      if (f->at >= cutoff) break;
      const auto it = out.find(f->problem_id);
      if (it == out.end()) continue;
      Apply(it->second, *f);
    }
    return out;
  }

 private:
  void Apply(ProblemState& s, const Fact& f) const {
    switch (f.kind) {
      case FactKind::kChanged:
        if (f.deadline) s.deadline = *f.deadline;
        if (f.listed) s.listed = *f.listed;
        break;
      case FactKind::kVerified:
        if (f.flag) {
          s.state = State::kInRectification;
          if (f.deadline) s.deadline = *f.deadline;
        } else {
          s.state = State::kClosed;
          s.on_time = timeutil::DayOf(f.at, offset_) <= s.deadline;
        }
        break;
      case FactKind::kClaimed:
        s.state = State::kClaimed;
        s.claim_late = f.flag;
        if (f.deadline) s.deadline = *f.deadline;
        break;
      case FactKind::kRectified:
        s.state = State::kClosed;
        s.on_time = !s.claim_late;
        break;
      case FactKind::kReopened:
        s.state = State::kInRectification;
        s.claim_late = false;
        if (f.deadline) s.deadline = *f.deadline;
        break;
      case FactKind::kExtensionDecided:
        if (f.flag && f.deadline) s.deadline = *f.deadline;
        break;
      case FactKind::kExtensionRequested:
      case FactKind::kOverdue:
      case FactKind::kEscalated:
        break;
    }
  }

  const Projection& projection_;
  const std::vector<const Fact*>& sorted_;
  int offset_;
  std::unordered_map<std::int64_t, const ProblemFact*> problems_;
};

bool Overdue(const ProblemState& s, Day cutoff_day) {
  return s.state != State::kClosed && s.state != State::kClaimed && s.deadline < cutoff_day;
}

void Add(Standing& out, const ProblemState& s, Day cutoff_day) {
  if (s.state == State::kClosed) {
    ++out.closed;
    if (s.on_time) ++out.closed_on_time;
    return;
  }
  ++out.open;
  if (Overdue(s, cutoff_day)) ++out.overdue;
}

bool Closes(const Fact& f) {
  return f.kind == FactKind::kRectified || (f.kind == FactKind::kVerified && !f.flag);
}

// The totals of the week [start, cutoff).
WeekTotals Totals(const Projection& p, const Folder& folder, const std::vector<const Fact*>& facts,
                  Millis start, Millis cutoff, Day cutoff_day) {
  WeekTotals t;
  for (const ReportFact& r : p.reports) {
    if (!InWindow(r.received_at, start, cutoff)) continue;
    ++t.received;
    if (!r.duplicate) ++t.new_problems;
  }
  for (const ProblemFact& pf : p.problems) {
    if (InWindow(pf.assigned_at, start, cutoff)) ++t.assigned;
  }
  for (const Fact* f : facts) {
    if (InWindow(f->at, start, cutoff) && Closes(*f) && folder.Find(f->problem_id) != nullptr) {
      ++t.closed;
    }
  }
  for (const auto& [id, s] : folder.StatesAt(cutoff)) Add(t.standing, s, cutoff_day);
  return t;
}

// Worst first: most overdue, then the lower on-time rate, then more open, then the code.
bool Worse(const CountyLine& a, const CountyLine& b) {
  if (a.standing.overdue != b.standing.overdue) return a.standing.overdue > b.standing.overdue;
  const auto ra = OnTimePermille(a.standing).value_or(1000);
  const auto rb = OnTimePermille(b.standing).value_or(1000);
  if (ra != rb) return ra < rb;
  if (a.standing.open != b.standing.open) return a.standing.open > b.standing.open;
  return a.code < b.code;
}

}  // namespace

std::optional<std::int64_t> OnTimePermille(const Standing& s) {
  const std::int64_t denominator = s.closed + s.overdue;
  if (denominator == 0) return std::nullopt;
  return (s.closed_on_time * 1000 + denominator / 2) / denominator;
}

Numbers ComputeNumbers(const campaign::Campaign& campaign, const Projection& p, const Week& week) {
  const int offset = campaign.info().utc_offset_minutes;
  const std::vector<const Fact*> facts = Sorted(p.facts);
  const Folder folder(p, facts, offset);
  const Millis start = week.start;
  const Millis cutoff = week.cutoff;

  Numbers n;
  n.campaign_id = campaign.info().id;
  n.issue = week.issue;
  n.first_day = week.first_day;
  n.cutoff_day = week.cutoff_day;
  n.week = Totals(p, folder, facts, start, cutoff, week.cutoff_day);
  n.has_previous = week.issue > 1;
  if (n.has_previous) {
    n.previous =
        Totals(p, folder, facts, start - 7 * timeutil::kMillisPerDay, start, week.first_day);
  }

  // Cities, in campaign order.
  std::map<DivisionCode, std::size_t> city_index;
  for (const campaign::Jurisdiction& j : campaign.jurisdictions()) {
    city_index.emplace(j.code, n.cities.size());
    CityLine line;
    line.code = j.code;
    n.cities.push_back(line);
  }
  auto city = [&](DivisionCode code) -> CityLine* {
    const auto it = city_index.find(code);
    return it == city_index.end() ? nullptr : &n.cities[it->second];
  };

  // Received.
  std::map<std::string, std::int64_t> by_channel;
  for (const ReportFact& r : p.reports) {
    if (!InWindow(r.received_at, start, cutoff)) continue;
    ++by_channel[r.channel];
    if (r.duplicate) ++n.duplicates;
    if (CityLine* c = city(r.city)) ++c->received;
  }
  for (std::string_view name : campaign::kChannelNames) {
    const auto it = by_channel.find(std::string(name));
    n.channels.push_back(ChannelCount{std::string(name), it == by_channel.end() ? 0 : it->second});
  }

  // Assigned.
  for (const ProblemFact& pf : p.problems) {
    if (pf.assigned_at >= cutoff) continue;
    ++n.assigned_total;
    if (CityLine* c = city(pf.city)) ++c->assigned_total;
    if (pf.assigned_at < start) continue;
    ++(pf.verification ? n.assigned_verification : n.assigned_rectification);
    if (CityLine* c = city(pf.city)) ++c->assigned;
  }

  // What happened to them this week.
  const auto& ladder = campaign.policy().Escalation();
  for (std::size_t i = 0; i < ladder.size(); ++i) {
    n.escalations.push_back(RungCount{static_cast<int>(i + 1), ladder[i].display_name, 0});
  }
  std::map<std::int64_t, bool> listed_during_week;  // problem -> became listed this week
  for (const ProblemFact& pf : p.problems) {
    if (pf.listed && InWindow(pf.assigned_at, start, cutoff)) {
      listed_during_week[pf.problem_id] = true;
    }
  }
  std::map<std::int64_t, bool> listed_before;  // as of the start, for listing changes
  for (const auto& [id, s] : folder.StatesAt(start)) listed_before[id] = s.listed;
  for (const Fact* f : facts) {
    if (f->at >= cutoff) break;
    const ProblemFact* pf = folder.Find(f->problem_id);
    if (pf == nullptr || pf->assigned_at >= cutoff) continue;
    if (f->kind == FactKind::kChanged && f->listed) {
      bool& was = listed_before[f->problem_id];
      if (f->at >= start && *f->listed && !was) listed_during_week[f->problem_id] = true;
      was = *f->listed;
    }
    if (f->at < start) continue;
    switch (f->kind) {
      case FactKind::kVerified:
        ++(f->flag ? n.verified_substantiated : n.verified_not_substantiated);
        break;
      case FactKind::kClaimed:
        ++n.claimed;
        if (f->flag) ++n.claimed_late;
        break;
      case FactKind::kRectified:
        ++n.rectified;
        break;
      case FactKind::kReopened:
        ++n.reopened;
        break;
      case FactKind::kExtensionRequested:
        ++n.extensions_requested;
        break;
      case FactKind::kExtensionDecided:
        ++(f->flag ? n.extensions_approved : n.extensions_refused);
        break;
      case FactKind::kEscalated:
        if (f->rung >= 1 && static_cast<std::size_t>(f->rung) <= n.escalations.size()) {
          ++n.escalations[static_cast<std::size_t>(f->rung - 1)].count;
        } else {
          n.escalations.push_back(RungCount{f->rung, f->rung_name, 1});
        }
        break;
      case FactKind::kChanged:
      case FactKind::kOverdue:
        break;
    }
    if (Closes(*f)) {
      if (CityLine* c = city(pf->city)) ++c->closed_week;
    }
  }

  // Standing as of the cut-off, and the week before, per city and per county.
  std::map<DivisionCode, CountyLine> counties;
  const auto now = folder.StatesAt(cutoff);
  for (const auto& [id, s] : now) {
    if (CityLine* c = city(s.problem->city)) Add(c->standing, s, week.cutoff_day);
    if (campaign.IsCounty(s.problem->jurisdiction)) {
      CountyLine& line = counties[s.problem->jurisdiction];
      line.code = s.problem->jurisdiction;
      line.city = s.problem->city;
      Add(line.standing, s, week.cutoff_day);
    }
    if (s.state == State::kClaimed) ++n.awaiting_reinspection;
    const bool open = s.state != State::kClosed;
    const bool is_new = listed_during_week.contains(id);
    if (s.listed && open) ++n.listed_open;
    if (is_new) ++n.listed_new;
    if ((s.listed && open) || is_new) {
      ListedLine l;
      l.problem_id = id;
      l.jurisdiction = s.problem->jurisdiction;
      l.city = s.problem->city;
      l.category = s.problem->category;
      l.severity = s.problem->severity;
      l.state = !open ? "closed" : (s.state == State::kClaimed ? "claimed" : "open");
      l.deadline = s.deadline;
      l.overdue = Overdue(s, week.cutoff_day);
      l.new_this_week = is_new;
      n.listed.push_back(std::move(l));
    }
  }
  if (n.has_previous) {
    for (const auto& [id, s] : folder.StatesAt(start)) {
      if (CityLine* c = city(s.problem->city)) Add(c->previous, s, week.first_day);
    }
  }
  std::stable_sort(n.listed.begin(), n.listed.end(), [](const ListedLine& a, const ListedLine& b) {
    if (a.new_this_week != b.new_this_week) return a.new_this_week;
    if (a.overdue != b.overdue) return a.overdue;
    return a.problem_id < b.problem_id;
  });
  if (n.listed.size() > kMaxListedLines) n.listed.resize(kMaxListedLines);

  std::vector<CountyLine> ranked;
  for (const auto& [code, line] : counties) {
    if (line.standing.overdue > 0) ranked.push_back(line);
  }
  std::sort(ranked.begin(), ranked.end(), Worse);
  if (ranked.size() > kWorstCounties) ranked.resize(kWorstCounties);
  n.worst_counties = std::move(ranked);

  // Review: re-inspections, accountability; the blacklist.
  for (const ReinspectionFact& r : p.reinspections) {
    if (!InWindow(r.at, start, cutoff)) continue;
    if (!r.on_site) {
      ++n.accepted_on_documents;
    } else {
      ++(r.passed ? n.reinspected_passed : n.reinspected_failed);
    }
  }
  std::map<std::string, LevelCount> levels;
  for (const AccountabilityFact& a : p.accountability) {
    if (!InWindow(a.at, start, cutoff)) continue;
    if (a.decision) {
      ++n.decisions;
      continue;
    }
    ++n.recommendations;
    LevelCount& l = levels[a.level];
    l.level = a.level;
    if (l.name.empty()) l.name = a.level_name.empty() ? a.level : a.level_name;
    ++l.count;
  }
  for (auto& [level, count] : levels) n.recommendation_levels.push_back(count);
  std::map<std::string, bool> on_list;
  for (const BlacklistFact& b : p.blacklist) {
    if (b.at >= cutoff) continue;
    on_list[b.enterprise] = b.added;
    if (!InWindow(b.at, start, cutoff)) continue;
    ++(b.added ? n.blacklist_added : n.blacklist_removed);
    if (n.blacklist_changes.size() < kMaxListedLines) {
      n.blacklist_changes.push_back(
          BlacklistLine{b.enterprise, b.name, b.city, b.added, b.points,
                        timeutil::DayOf(b.at, campaign.info().utc_offset_minutes)});
    }
  }
  for (const auto& [enterprise, listed] : on_list) n.blacklist_total += listed ? 1 : 0;
  for (const CreditFact& f : p.credit) {
    if (!InWindow(f.at, start, cutoff)) continue;
    if (f.colour == "red" || f.colour == "black") ++n.credit_worsened;
  }
  n.key_tasks = ComputeKeyTaskNumbers(campaign, p, week);
  return n;
}

}  // namespace ducha::bulletin
