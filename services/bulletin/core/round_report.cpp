#include "services/bulletin/core/round_report.h"

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "services/bulletin/core/labels.h"

namespace ducha::bulletin {
namespace {

using std::to_string;

std::string Share(std::int64_t part, std::int64_t whole) {
  if (whole == 0) return "—";
  return Permille(part * 1000 / whole);
}

void AddStanding(RoundStanding& to, const RoundStanding& s) {
  to.received += s.received;
  to.closed += s.closed;
  to.claimed += s.claimed;
  to.open += s.open;
  to.overdue += s.overdue;
  to.recommendations += s.recommendations;
  to.decisions += s.decisions;
}

void AddMethods(RoundMethods& to, const RoundMethods& m) {
  to.visits += m.visits;
  to.open += m.open;
  to.covert += m.covert;
  to.unspecified += m.unspecified;
  to.hear += m.hear;
  to.check += m.check;
  to.look += m.look;
  to.visit += m.visit;
}

RoundMethods MethodsOf(const VisitFact& v) {
  RoundMethods m;
  m.visits = 1;
  if (v.mode == "open") {
    m.open = 1;
  } else if (v.mode == "covert") {
    m.covert = 1;
  } else {
    m.unspecified = 1;
  }
  for (const std::string& method : v.methods) {
    if (method == "hear") m.hear = 1;
    if (method == "check") m.check = 1;
    if (method == "look") m.look = 1;
    if (method == "visit") m.visit = 1;
  }
  return m;
}

void AddCoverage(RoundCoverage& to, const RoundCoverage& c) {
  to.visits += c.visits;
  to.problems_found += c.problems_found;
  to.counties += c.counties;
  to.counties_visited += c.counties_visited;
  to.cells += c.cells;
  to.cells_covered += c.cells_covered;
}

}  // namespace

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RoundStanding, received, closed, claimed, open, overdue,
                                   recommendations, decisions)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RoundCoverage, visits, problems_found, counties,
                                   counties_visited, cells, cells_covered)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RoundCityLine, code, group_id, coverage, standing, unvisited)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(RoundGroupLine, group_id, cities, coverage, standing)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RoundMethods, visits, open, covert, unspecified,
                                                hear, check, look, visit)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RoundLogisticsLine, group_id, registered, version,
                                                members, vehicles, days_stationed, person_days,
                                                meal_allowance_yuan, methods)

// The figures of the first version are required; those added since (how the groups worked, the
// logistics) default to empty, so that reports stored before still read back.
void to_json(nlohmann::json& j, const RoundNumbers& n) {
  j = nlohmann::json{{"campaign_id", n.campaign_id},
                     {"round", n.round},
                     {"first_day", n.first_day},
                     {"last_day", n.last_day},
                     {"cutoff_day", n.cutoff_day},
                     {"coverage", n.coverage},
                     {"standing", n.standing},
                     {"reinspected_passed", n.reinspected_passed},
                     {"reinspected_failed", n.reinspected_failed},
                     {"blacklist_added", n.blacklist_added},
                     {"groups", n.groups},
                     {"cities", n.cities},
                     {"methods", n.methods},
                     {"logistics", n.logistics},
                     {"logistics_total", n.logistics_total},
                     {"meal_rate_yuan", n.meal_rate_yuan}};
}

void from_json(const nlohmann::json& j, RoundNumbers& n) {
  j.at("campaign_id").get_to(n.campaign_id);
  j.at("round").get_to(n.round);
  j.at("first_day").get_to(n.first_day);
  j.at("last_day").get_to(n.last_day);
  j.at("cutoff_day").get_to(n.cutoff_day);
  j.at("coverage").get_to(n.coverage);
  j.at("standing").get_to(n.standing);
  j.at("reinspected_passed").get_to(n.reinspected_passed);
  j.at("reinspected_failed").get_to(n.reinspected_failed);
  j.at("blacklist_added").get_to(n.blacklist_added);
  j.at("groups").get_to(n.groups);
  j.at("cities").get_to(n.cities);
  n.methods = j.value("methods", RoundMethods{});
  n.logistics = j.value("logistics", std::vector<RoundLogisticsLine>{});
  n.logistics_total = j.value("logistics_total", RoundLogisticsLine{});
  n.meal_rate_yuan = j.value("meal_rate_yuan", std::int64_t{0});
}

Millis RoundCutoff(const campaign::Campaign& campaign, const campaign::Round& round) {
  return timeutil::StartOfDay(round.to + 1, campaign.info().utc_offset_minutes);
}

RoundNumbers ComputeRoundNumbers(const campaign::Campaign& c, const Projection& p,
                                 const campaign::Round& round) {
  const int offset = c.info().utc_offset_minutes;
  const Millis start = timeutil::StartOfDay(round.from, offset);
  const Millis cutoff = RoundCutoff(c, round);
  RoundNumbers n;
  n.campaign_id = c.info().id;
  n.round = round.number;
  n.first_day = round.from;
  n.last_day = round.to;
  n.cutoff_day = round.to + 1;

  // Which supervision group was stationed in each city this round.
  std::map<DivisionCode, std::string> stationed;
  for (const campaign::RoundAssignment& a : c.assignments()) {
    if (a.round != round.number) continue;
    const campaign::Group* g = c.FindGroup(a.group_id);
    if (g == nullptr || g->kind != campaign::GroupKind::kSupervision) continue;
    for (const DivisionCode city : a.jurisdictions) stationed[city] = a.group_id;
  }

  // Coverage from the round's visits.
  std::map<DivisionCode, std::set<std::string>> covered;  // county → tasks checked
  std::map<DivisionCode, RoundCoverage> city_visits;      // visits and problems found
  std::map<std::string, RoundMethods> group_methods;      // how each group worked
  for (const VisitFact& v : p.visits) {
    if (v.round != round.number) continue;
    covered[v.county].insert(v.tasks.begin(), v.tasks.end());
    RoundCoverage& cv = city_visits[v.city];
    ++cv.visits;
    cv.problems_found += v.problems_found;
    const RoundMethods m = MethodsOf(v);
    AddMethods(group_methods[v.group_id], m);
    AddMethods(n.methods, m);
  }
  std::set<std::string> tasks;
  for (const campaign::CategoryInfo& cat : c.categories()) tasks.insert(cat.name);

  // The round's problems, as they stand at the cut-off.
  struct State {
    bool closed = false;
    bool claimed = false;
    std::int64_t deadline = 0;
  };
  std::map<std::int64_t, State> states;
  std::map<std::int64_t, const ProblemFact*> problems;
  for (const ProblemFact& pf : p.problems) {
    if (pf.round != round.number || pf.assigned_at >= cutoff) continue;
    problems[pf.problem_id] = &pf;
    states[pf.problem_id].deadline = pf.deadline;
  }
  for (const Fact& f : p.facts) {
    auto it = states.find(f.problem_id);
    if (it == states.end() || f.at >= cutoff) continue;
    State& s = it->second;
    switch (f.kind) {
      case FactKind::kChanged:
        if (f.deadline) s.deadline = *f.deadline;
        break;
      case FactKind::kVerified:
        if (!f.flag) s.closed = true;
        if (f.deadline) s.deadline = *f.deadline;
        break;
      case FactKind::kClaimed:
        s.claimed = true;
        break;
      case FactKind::kRectified:
        s.closed = true;
        s.claimed = false;
        break;
      case FactKind::kReopened:
        s.claimed = false;
        if (f.deadline) s.deadline = *f.deadline;
        break;
      case FactKind::kExtensionDecided:
        if (f.flag && f.deadline) s.deadline = *f.deadline;
        break;
      default:
        break;
    }
  }
  std::map<DivisionCode, RoundStanding> by_city;
  std::map<std::string, RoundStanding> by_group;
  for (const auto& [id, pf] : problems) {
    const State& s = states[id];
    RoundStanding one;
    one.received = 1;
    if (s.closed) {
      one.closed = 1;
    } else {
      one.open = 1;
      if (s.claimed) {
        one.claimed = 1;
      } else if (s.deadline < n.cutoff_day) {
        one.overdue = 1;
      }
    }
    AddStanding(by_city[pf->city], one);
    if (!pf->supervising_group.empty()) AddStanding(by_group[pf->supervising_group], one);
  }
  // Accountability, re-inspection and the blacklist dated within the round.
  std::map<std::int64_t, const ProblemFact*> all;
  for (const ProblemFact& pf : p.problems) all[pf.problem_id] = &pf;
  for (const AccountabilityFact& a : p.accountability) {
    if (a.at < start || a.at >= cutoff) continue;
    RoundStanding one;
    (a.decision ? one.decisions : one.recommendations) = 1;
    const auto it = all.find(a.problem_id);
    if (it != all.end()) {
      AddStanding(by_city[it->second->city], one);
      if (!it->second->supervising_group.empty()) {
        AddStanding(by_group[it->second->supervising_group], one);
      }
    } else {
      AddStanding(n.standing, one);  // a problem the projection does not know: province only
    }
  }
  for (const ReinspectionFact& r : p.reinspections) {
    if (r.at < start || r.at >= cutoff || !r.on_site) continue;
    ++(r.passed ? n.reinspected_passed : n.reinspected_failed);
  }
  for (const BlacklistFact& b : p.blacklist) {
    if (b.at >= start && b.at < cutoff && b.added) ++n.blacklist_added;
  }

  for (const campaign::Jurisdiction& j : c.jurisdictions()) {
    RoundCityLine line;
    line.code = j.code;
    if (auto it = stationed.find(j.code); it != stationed.end()) line.group_id = it->second;
    line.coverage = city_visits[j.code];
    for (const DivisionCode county : c.CountiesOf(j.code)) {
      ++line.coverage.counties;
      line.coverage.cells += static_cast<std::int64_t>(tasks.size());
      const auto it = covered.find(county);
      if (it == covered.end()) {
        line.unvisited.push_back(county);
        continue;
      }
      ++line.coverage.counties_visited;
      for (const std::string& t : it->second) {
        if (tasks.contains(t)) ++line.coverage.cells_covered;
      }
    }
    line.standing = by_city[j.code];
    AddCoverage(n.coverage, line.coverage);
    AddStanding(n.standing, line.standing);
    n.cities.push_back(std::move(line));
  }
  for (const campaign::Group& g : c.groups()) {
    if (g.kind != campaign::GroupKind::kSupervision) continue;
    RoundGroupLine line;
    line.group_id = g.id;
    for (const RoundCityLine& city : n.cities) {
      if (city.group_id != g.id) continue;
      line.cities.push_back(city.code);
      AddCoverage(line.coverage, city.coverage);
    }
    line.standing = by_group[g.id];
    n.groups.push_back(std::move(line));
  }

  // Logistics: every group stationed this round or with a roster for it, campaign order.
  std::map<std::string, const RosterFact*> rosters;
  for (const RosterFact& r : p.rosters) {
    if (r.round != round.number || r.registered_at >= cutoff) continue;
    const RosterFact*& kept = rosters[r.group_id];
    if (kept == nullptr || r.version > kept->version) kept = &r;
  }
  std::set<std::string> active;
  for (const campaign::RoundAssignment& a : c.assignments()) {
    if (a.round == round.number && !a.jurisdictions.empty()) active.insert(a.group_id);
  }
  std::set<std::int64_t> rates;
  for (const campaign::Group& g : c.groups()) {
    const auto roster = rosters.find(g.id);
    const auto worked = group_methods.find(g.id);
    if (!active.contains(g.id) && roster == rosters.end() && worked == group_methods.end()) {
      continue;
    }
    RoundLogisticsLine line;
    line.group_id = g.id;
    if (roster != rosters.end()) {
      const RosterFact& r = *roster->second;
      line.registered = true;
      line.version = r.version;
      line.members = r.members;
      line.vehicles = r.vehicles;
      line.days_stationed = r.days_stationed;
      line.person_days = r.members * r.days_stationed;
      line.meal_allowance_yuan = r.meal_allowance_yuan;
      rates.insert(r.meal_rate_yuan);
    }
    if (worked != group_methods.end()) line.methods = worked->second;
    RoundLogisticsLine& t = n.logistics_total;
    t.registered = t.registered || line.registered;
    t.members += line.members;
    t.vehicles += line.vehicles;
    t.person_days += line.person_days;
    t.meal_allowance_yuan += line.meal_allowance_yuan;
    AddMethods(t.methods, line.methods);
    n.logistics.push_back(std::move(line));
  }
  if (rates.size() == 1) n.meal_rate_yuan = *rates.begin();
  return n;
}

std::string RoundNumbersToJson(const RoundNumbers& n) {
  const nlohmann::json j = n;
  return j.dump();
}

Result<RoundNumbers> RoundNumbersFromJson(std::string_view text) {
  try {
    return nlohmann::json::parse(text).get<RoundNumbers>();
  } catch (const nlohmann::json::exception& e) {
    return MakeError("invalid_format", "numbers",
                     std::string("the stored round report cannot be read: ") + e.what());
  }
}

Document BuildRoundDocument(const RoundNumbers& n, const campaign::Campaign& c,
                            const std::string& issuer) {
  Document d;
  d.title = "督察轮次报告";
  d.campaign = c.info().name;
  d.issue = "第" + to_string(n.round) + "轮";
  d.issuer = issuer;
  d.date = FullDate(n.cutoff_day);
  d.period = "督察时段：" + FullDate(n.first_day) + "至" + MonthDay(n.last_day) + "；数据截至" +
             MonthDay(n.cutoff_day) + "零时（北京时间）";
  d.subject =
      d.title + " " + d.issue + "（" + MonthDay(n.first_day) + "—" + MonthDay(n.last_day) + "）";
  const RoundCoverage& cv = n.coverage;
  const RoundStanding& st = n.standing;

  Section summary{"一、总体情况", {}};
  summary.blocks.push_back(ParagraphBlock(
      "本轮督察自" + MonthDay(n.first_day) + "至" + MonthDay(n.last_day) + "，各督察组走访" +
      to_string(cv.visits) + "次，覆盖县（市、区）" + to_string(cv.counties_visited) + "个，占" +
      to_string(cv.counties) + "个的" + Share(cv.counties_visited, cv.counties) +
      "；县区×督察事项覆盖" + to_string(cv.cells_covered) + "项，占" + to_string(cv.cells) +
      "项的" + Share(cv.cells_covered, cv.cells) + "。"));
  summary.blocks.push_back(ParagraphBlock(
      "本轮受理并交办问题" + to_string(st.received) + "个，截至" + MonthDay(n.cutoff_day) +
      "零时已办结" + to_string(st.closed) + "个，未办结" + to_string(st.open) + "个（其中待复查" +
      to_string(st.claimed) + "个、逾期未办结" + to_string(st.overdue) + "个）。本轮复查暗访通过" +
      to_string(n.reinspected_passed) + "个、未通过" + to_string(n.reinspected_failed) +
      "个；提出问责建议" + to_string(st.recommendations) + "件，作出问责处理" +
      to_string(st.decisions) + "件；新增黑名单企业" + to_string(n.blacklist_added) + "家。"));
  const RoundMethods& how = n.methods;
  if (how.visits > 0) {
    summary.blocks.push_back(ParagraphBlock(
        "按督察方式，" + VisitModeName("open") + to_string(how.open) + "次、" +
        VisitModeName("covert") + to_string(how.covert) + "次" +
        (how.unspecified > 0 ? "、未注明" + to_string(how.unspecified) + "次" : std::string()) +
        "；按工作方法，" + VisitMethodName("hear") + to_string(how.hear) + "次、" +
        VisitMethodName("check") + to_string(how.check) + "次、" + VisitMethodName("look") +
        to_string(how.look) + "次、" + VisitMethodName("visit") + to_string(how.visit) + "次。"));
  }
  std::vector<std::string> behind;
  for (const RoundCityLine& l : n.cities) {
    if (!l.unvisited.empty() && !l.group_id.empty()) behind.push_back(PlaceName(c, l.code));
  }
  if (!behind.empty()) {
    std::string names;
    for (std::size_t i = 0; i < behind.size(); ++i) names += (i ? "、" : "") + behind[i];
    summary.blocks.push_back(
        ParagraphBlock("督察组进驻但仍有县区未走访的市：" + names + "，下轮应优先补齐。"));
  }
  d.sections.push_back(std::move(summary));

  Section groups{"二、各督察组情况", {}};
  Table gt{{"督察组", "进驻市", "走访次数", "县区覆盖", "事项覆盖率", "交办问题", "已办结",
            "逾期未办结", "问责建议", "问责处理"},
           {},
           2,
           false};
  for (const RoundGroupLine& g : n.groups) {
    const campaign::Group* info = c.FindGroup(g.group_id);
    std::string cities;
    for (std::size_t i = 0; i < g.cities.size(); ++i) {
      cities += (i ? "、" : "") + PlaceName(c, g.cities[i]);
    }
    gt.rows.push_back(
        {info ? info->name : g.group_id, cities.empty() ? "—" : cities,
         to_string(g.coverage.visits),
         to_string(g.coverage.counties_visited) + "/" + to_string(g.coverage.counties),
         Share(g.coverage.cells_covered, g.coverage.cells), to_string(g.standing.received),
         to_string(g.standing.closed), to_string(g.standing.overdue),
         to_string(g.standing.recommendations), to_string(g.standing.decisions)});
  }
  groups.blocks.push_back(TableBlock(std::move(gt)));
  d.sections.push_back(std::move(groups));

  Section cities{"三、各市情况", {}};
  Table ct{{"市", "督察组", "县区覆盖", "事项覆盖率", "交办问题", "已办结", "待复查", "逾期未办结",
            "问责建议", "问责处理"},
           {},
           2,
           true};
  for (const RoundCityLine& l : n.cities) {
    const campaign::Group* g = l.group_id.empty() ? nullptr : c.FindGroup(l.group_id);
    ct.rows.push_back(
        {PlaceName(c, l.code), g ? g->name : "—",
         to_string(l.coverage.counties_visited) + "/" + to_string(l.coverage.counties),
         Share(l.coverage.cells_covered, l.coverage.cells), to_string(l.standing.received),
         to_string(l.standing.closed), to_string(l.standing.claimed), to_string(l.standing.overdue),
         to_string(l.standing.recommendations), to_string(l.standing.decisions)});
  }
  ct.rows.push_back({"合计", "", to_string(cv.counties_visited) + "/" + to_string(cv.counties),
                     Share(cv.cells_covered, cv.cells), to_string(st.received),
                     to_string(st.closed), to_string(st.claimed), to_string(st.overdue),
                     to_string(st.recommendations), to_string(st.decisions)});
  cities.blocks.push_back(TableBlock(std::move(ct)));
  cities.blocks.push_back(Block{Block::Kind::kChart, {}, {}});
  d.sections.push_back(std::move(cities));

  Section gaps{"四、未走访县区", {}};
  Table ut{{"市", "未走访县（市、区）"}, {}, 2, false};
  for (const RoundCityLine& l : n.cities) {
    if (l.unvisited.empty() || l.group_id.empty()) continue;
    std::string names;
    for (std::size_t i = 0; i < l.unvisited.size(); ++i) {
      names += (i ? "、" : "") + PlaceName(c, l.unvisited[i]);
    }
    ut.rows.push_back({PlaceName(c, l.code), names});
  }
  if (ut.rows.empty()) {
    gaps.blocks.push_back(ParagraphBlock("本轮督察组进驻的市，县区已全部走访。"));
  } else {
    gaps.blocks.push_back(TableBlock(std::move(ut)));
  }
  d.sections.push_back(std::move(gaps));

  auto group_name = [&c](const std::string& id) {
    const campaign::Group* g = c.FindGroup(id);
    return g ? g->name : id;
  };
  Section methods{"五、督察方式", {}};
  Table mt{{"督察组", "走访次数", VisitModeName("open"), VisitModeName("covert"),
            VisitMethodName("hear"), VisitMethodName("check"), VisitMethodName("look"),
            VisitMethodName("visit")},
           {},
           1,
           true};
  auto method_row = [](std::string label, const RoundMethods& m) {
    return std::vector<std::string>{std::move(label),    to_string(m.visits), to_string(m.open),
                                    to_string(m.covert), to_string(m.hear),   to_string(m.check),
                                    to_string(m.look),   to_string(m.visit)};
  };
  for (const RoundLogisticsLine& l : n.logistics) {
    mt.rows.push_back(method_row(group_name(l.group_id), l.methods));
  }
  mt.rows.push_back(method_row("合计", n.logistics_total.methods));
  methods.blocks.push_back(TableBlock(std::move(mt)));
  if (how.unspecified > 0) {
    methods.blocks.push_back(ParagraphBlock("另有" + to_string(how.unspecified) +
                                            "次走访未报送督察方式（明查、暗访）及工作方法。"));
  }
  d.sections.push_back(std::move(methods));

  Section logistics{"六、后勤保障", {}};
  const RoundLogisticsLine& lt = n.logistics_total;
  Table lg{{"督察组", "人数", "车辆", "驻点天数", "伙食补助（元）"}, {}, 1, true};
  std::vector<std::string> missing;
  for (const RoundLogisticsLine& l : n.logistics) {
    if (!l.registered) {
      missing.push_back(group_name(l.group_id));
      lg.rows.push_back({group_name(l.group_id), "—", "—", "—", "—"});
      continue;
    }
    lg.rows.push_back({group_name(l.group_id), to_string(l.members), to_string(l.vehicles),
                       to_string(l.days_stationed), to_string(l.meal_allowance_yuan)});
  }
  lg.rows.push_back({"合计", to_string(lt.members), to_string(lt.vehicles), "—",
                     to_string(lt.meal_allowance_yuan)});
  logistics.blocks.push_back(TableBlock(std::move(lg)));
  logistics.blocks.push_back(ParagraphBlock(
      "本轮各组共" + to_string(lt.members) + "人、公务车辆" + to_string(lt.vehicles) + "辆，驻点" +
      to_string(lt.person_days) + "人·天，伙食补助" + to_string(lt.meal_allowance_yuan) + "元" +
      (n.meal_rate_yuan > 0 ? "（" + to_string(n.meal_rate_yuan) + "元/人/天）" : std::string()) +
      "。差旅费由派出单位承担。"));
  if (!missing.empty()) {
    std::string names;
    for (std::size_t i = 0; i < missing.size(); ++i) names += (i ? "、" : "") + missing[i];
    logistics.blocks.push_back(ParagraphBlock("截至数据截止时未报送人员名单的组：" + names + "。"));
  }
  d.sections.push_back(std::move(logistics));

  d.notes = {
      "覆盖情况按各督察组报送的走访记录统计：县区覆盖为本轮有走访记录的县区数／县区总数；"
      "事项覆盖率为本轮走访中检查过的（县区，督察事项）组合占全部组合的比例。",
      "交办问题为本轮督察期间受理的问题；办结、待复查、逾期未办结均为" + MonthDay(n.cutoff_day) +
          "零时的状态。逾期未办结指未办结、未申请销号且办结期限早于该日的问题。",
      "复查、问责建议与处理、黑名单按本轮督察期间的日期统计。",
      "督察方式按各组报送的走访记录统计；一次走访可采用多种工作方法（听、查、看、访），"
      "按方法分列的次数之和可大于走访次数。",
      "后勤保障按各组截至数据截止时最新报送的人员名单统计：伙食补助＝人数×驻点天数×每人每天标准；"
      "差旅费由派出单位承担，不在此列。名单只统计人数，不含成员个人信息。",
      "本报告按问题编号、属地和类别统计，不含举报内容及举报人任何信息。",
  };
  std::vector<CityStanding> bars;
  for (const RoundCityLine& l : n.cities) {
    bars.push_back(
        CityStanding{PlaceName(c, l.code), l.standing.open, l.standing.overdue, l.standing.closed});
  }
  d.chart =
      CityStandingChart("本轮各市问题办理情况（截至" + MonthDay(n.cutoff_day) + "零时）", bars);
  return d;
}

}  // namespace ducha::bulletin
