#include "services/demo/core/week_plan.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "common/base/time.h"

namespace ducha::demo {
namespace {

namespace pc = proto::common;
using campaign::Day;

// splitmix64: the same numbers on every platform and library (std's distributions are not).
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  // 0 .. n-1
  std::size_t Below(std::size_t n) { return static_cast<std::size_t>(Next() % n); }
  bool Percent(int p) { return static_cast<int>(Next() % 100) < p; }
  double Unit() { return static_cast<double>(Next() >> 11) / 9007199254740992.0; }
  template <typename T, std::size_t N>
  const T& Pick(const std::array<T, N>& a) {
    return a[Below(N)];
  }

 private:
  std::uint64_t state_;
};

std::uint64_t Mix(std::uint64_t seed, std::int64_t id, std::uint64_t salt) {
  Rng r(seed ^ (static_cast<std::uint64_t>(id) * 0x9E3779B97F4A7C15ULL) ^ salt);
  return r.Next();
}

namespace pi = proto::intake;

// How a group worked on one visit or finding (听查看访, 明查暗访), from a stream of numbers of its
// own (seed, item, salt), so that the rest of the plan draws the same numbers as before. A covert
// group works covertly, always; a supervision group mostly openly. Working covertly, nobody hears
// the officials' report: the methods are looking, visiting and now and then checking records.
void PlanHowWorked(std::uint64_t seed, std::int64_t item, std::uint64_t salt, bool covert_group,
                   std::vector<pi::VisitMethod>& methods, std::optional<pi::VisitMode>& mode) {
  Rng r(Mix(seed, item, salt));
  const bool covert = covert_group || r.Percent(20);
  mode = covert ? pi::VisitMode::kCovert : pi::VisitMode::kOpen;
  methods.clear();
  if (!covert && r.Percent(70)) methods.push_back(pi::VisitMethod::kHear);
  if (r.Percent(covert ? 20 : 75)) methods.push_back(pi::VisitMethod::kCheck);
  if (covert || r.Percent(85)) methods.push_back(pi::VisitMethod::kLook);
  if (r.Percent(covert ? 70 : 55)) methods.push_back(pi::VisitMethod::kVisit);
  if (methods.empty()) methods.push_back(pi::VisitMethod::kLook);
}

struct Topic {
  pc::Category category;
  std::array<const char*, 4> titles;
  std::array<const char*, 4> details;
};

// What inspectors and citizens found, per special action (专项行动).
const std::array<Topic, 8> kTopics = {{
    {pc::Category::kDust,
     {"建筑工地裸土未覆盖", "渣土车未密闭运输", "道路积尘严重", "搅拌站物料露天堆放"},
     {"现场裸土面积较大，未采取覆盖措施，大风天气扬尘明显。",
      "渣土运输车辆未苫盖，沿途遗撒，道路泥土较多。", "主干道两侧积尘较厚，未见洒水清扫作业。",
      "砂石物料露天堆放，未建设围挡和喷淋设施。"}},
    {pc::Category::kScatteredPollutingEnterprises,
     {"\"散乱污\"企业死灰复燃", "小作坊夜间生产", "取缔企业仍在生产", "无手续企业排放废气"},
     {"已列入取缔名单的企业夜间恢复生产，现场有明显异味。",
      "村内小作坊无任何治污设施，生产废气直排。", "企业已被断水断电，但自备发电机仍在生产。",
      "企业无环评手续，车间废气未经处理直接排放。"}},
    {pc::Category::kSmallCoalBoilers,
     {"燃煤小锅炉未拆除", "拆除锅炉后复用", "洗浴场所燃煤锅炉", "企业私设燃煤炉"},
     {"应于本年度拆除的燃煤小锅炉仍在使用，烟囱冒黑烟。", "已登记拆除的锅炉被重新安装使用。",
      "洗浴场所仍使用燃煤锅炉供热，未完成改造。", "企业车间内私设燃煤炉取暖，未纳入台账。"}},
    {pc::Category::kInferiorCoal,
     {"劣质散煤销售点", "流动车辆销售散煤", "煤场未落实质量检测", "农户囤积劣质煤"},
     {"村口有无照散煤销售点，煤质明显不达标。", "有流动车辆走村串户销售散煤。",
      "煤场未开展煤质抽检，销售台账不全。", "部分农户院内囤积大量散煤，来源不明。"}},
    {pc::Category::kRuralCleanHeating,
     {"气代煤改造进度滞后", "电代煤设备未通电", "改造户仍烧散煤", "燃气管网未接通"},
     {"计划改造户数完成不足一半，施工队已撤场。", "电采暖设备已安装但线路未改造，无法使用。",
      "已完成改造的农户仍在使用燃煤炉取暖。", "入户管道已安装，主管网尚未接通。"}},
    {pc::Category::kOpenPitMines,
     {"露天矿山违规开采", "停产矿山夜间作业", "矿山未落实抑尘措施", "矿山恢复治理滞后"},
     {"已责令停产的矿山仍有开采痕迹和运输车辆。", "夜间有矿山进行爆破和开采作业。",
      "矿区道路未硬化，运输扬尘严重。", "矿山生态修复工程进展缓慢。"}},
    {pc::Category::kTransport,
     {"重型柴油车冒黑烟", "非道路移动机械超标排放", "油品质量不达标", "货车绕行国道"},
     {"重型柴油货车冒黑烟行驶，未见执法检查。", "工地使用的挖掘机冒黑烟，无环保标志。",
      "加油站抽检油品硫含量超标。", "大量货车为逃避检查绕行县乡道路。"}},
    {pc::Category::kResponsibility,
     {"属地责任落实不到位", "问题整改台账不实", "网格化监管流于形式", "整改报告弄虚作假"},
     {"乡镇未按要求开展巡查，问题长期无人管。", "整改台账记载已完成，现场核查未整改。",
      "网格员未履职，巡查记录为补填。", "上报的整改材料与现场情况严重不符。"}},
}};

constexpr std::array<const char*, 8> kPlaces = {"城区东环路附近", "经济开发区",  "县城北关",
                                                "工业园区西侧",   "国道沿线",    "乡镇政府驻地",
                                                "城乡结合部",     "河道治理工地"};
constexpr std::array<const char*, 12> kSurnames = {"王", "李", "张", "刘", "陈", "杨",
                                                   "赵", "黄", "周", "吴", "徐", "孙"};
constexpr std::array<const char*, 10> kGivenNames = {"建国", "秀英", "志强", "丽华", "海涛",
                                                     "春梅", "国庆", "晓东", "玉兰", "永军"};

struct ChannelShare {
  pc::Channel channel;
  int percent;
};
// A week's mix of channels (the web platforms and the groups bring most).
constexpr std::array<ChannelShare, 9> kShares = {{{pc::Channel::kCitizenWeb, 33},
                                                  {pc::Channel::kCitizenHotline, 20},
                                                  {pc::Channel::kSupervisionGroup, 22},
                                                  {pc::Channel::kCovertGroup, 8},
                                                  {pc::Channel::kCentralMedia, 3},
                                                  {pc::Channel::kMinistrySupervision, 5},
                                                  {pc::Channel::kProvincialInspection, 5},
                                                  {pc::Channel::kEnforcementBureau, 2},
                                                  {pc::Channel::kInterviewFollowup, 2}}};

pc::Channel PickChannel(Rng& rng) {
  int roll = static_cast<int>(rng.Below(100));
  for (const auto& s : kShares) {
    if (roll < s.percent) return s.channel;
    roll -= s.percent;
  }
  return pc::Channel::kCitizenWeb;
}

bool IsCitizen(pc::Channel c) {
  return c == pc::Channel::kCitizenWeb || c == pc::Channel::kCitizenHotline;
}

std::string Digits(Rng& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += static_cast<char>('0' + rng.Below(10));
  return s;
}

}  // namespace

Result<WeekPlan> PlanWeeks(const campaign::Campaign& c, const DemoSettings& s) {
  WeekPlan plan;
  const auto round = c.RoundAt(s.first_day);
  if (!round) {
    return MakeError("not_in_round", "first_day",
                     timeutil::FormatDate(s.first_day) + " is in no round of the campaign");
  }
  for (Day d = s.first_day; static_cast<int>(plan.days.size()) < s.working_days; ++d) {
    auto working = c.calendar().IsWorkingDay(d);
    if (!working) return working.error();
    if (*working) plan.days.push_back(d);
  }
  Rng rng(s.seed);
  const int zone = c.info().utc_offset_minutes;
  const auto& counties = c.counties();
  const std::size_t per_day =
      static_cast<std::size_t>(std::max(1, s.reports / std::max(1, s.working_days)));
  for (std::size_t di = 0; di < plan.days.size(); ++di) {
    const Day day = plan.days[di];
    const std::size_t today =
        di + 1 == plan.days.size() ? static_cast<std::size_t>(s.reports) - per_day * di : per_day;
    for (std::size_t k = 0; k < today; ++k) {
      DemoReport r;
      r.day = day;
      auto& m = r.report;
      // A duplicate repeats an earlier report's place and category, from another channel.
      const DemoReport* earlier = nullptr;
      if (!plan.reports.empty() && rng.Percent(s.duplicate_percent)) {
        earlier = &plan.reports[rng.Below(plan.reports.size())];
        r.repeats_earlier = true;
      }
      pc::Channel channel = PickChannel(rng);
      const campaign::County* county = earlier
                                           ? c.FindCounty(std::stoi(earlier->report.jurisdiction))
                                           : &counties[rng.Below(counties.size())];
      // The groups report only where they are stationed this round.
      std::optional<std::string_view> group;
      if (channel == pc::Channel::kSupervisionGroup) {
        group = c.SupervisionGroupFor(county->code, day);
      } else if (channel == pc::Channel::kCovertGroup) {
        group = c.CovertGroupFor(county->code, day);
      }
      if ((channel == pc::Channel::kSupervisionGroup || channel == pc::Channel::kCovertGroup) &&
          !group) {
        channel = pc::Channel::kProvincialInspection;
      }
      const Topic& topic = earlier ? *std::find_if(kTopics.begin(), kTopics.end(),
                                                   [&](const Topic& t) {
                                                     return t.category == earlier->report.category;
                                                   })
                                   : kTopics[rng.Below(kTopics.size())];
      const std::size_t which = rng.Below(4);
      m.submission_id =
          "demo-" + std::to_string(s.seed) + "-" + std::to_string(plan.reports.size());
      m.channel = channel;
      m.jurisdiction = std::to_string(county->code);
      m.category = topic.category;
      const std::size_t sev = rng.Below(100);
      m.severity = sev < 70 ? pc::Severity::kGeneral
                            : (sev < 92 ? pc::Severity::kSerious : pc::Severity::kMajor);
      const std::string place = rng.Pick(kPlaces);
      m.title = county->name + place + topic.titles[which];
      m.description = "在" + county->name + place + "，" + topic.details[which];
      const timeutil::Millis morning = timeutil::StartOfDay(day, zone) + 8LL * 3600 * 1000;
      m.observed_at = morning + static_cast<timeutil::Millis>(rng.Below(8 * 60)) * 60'000;
      m.reported_at = m.observed_at + static_cast<timeutil::Millis>(rng.Below(90)) * 60'000;
      if (earlier && earlier->report.location) {
        // Within about 100 m of the first report: the same problem, seen again.
        m.location = pc::GeoPoint{earlier->report.location->lat + (rng.Unit() - 0.5) * 0.001,
                                  earlier->report.location->lon + (rng.Unit() - 0.5) * 0.001};
      } else {
        m.location = pc::GeoPoint{county->lat + (rng.Unit() - 0.5) * 0.12,
                                  county->lon + (rng.Unit() - 0.5) * 0.12};
      }
      m.address = std::string(c.NameOf(county->jurisdiction).value_or("")) + county->name + place;
      if (topic.category == pc::Category::kScatteredPollutingEnterprises ||
          topic.category == pc::Category::kSmallCoalBoilers) {
        m.enterprise = pc::Enterprise{
            county->name + rng.Pick(kSurnames) + "氏" +
                (topic.category == pc::Category::kSmallCoalBoilers ? "洗浴中心" : "塑料制品厂"),
            std::nullopt};
      }
      if (IsCitizen(channel)) {
        r.sender = Sender::kWebPlatform;
        if (channel == pc::Channel::kCitizenWeb) {
          const auto* info = c.FindChannel("citizen_web");
          m.platform = info && !info->platforms.empty()
                           ? info->platforms[rng.Below(info->platforms.size())]
                           : std::string("长城网");
        }
        proto::intake::Reporter who;
        who.name = std::string(rng.Pick(kSurnames)) + rng.Pick(kGivenNames);
        who.phone = "138" + Digits(rng, 8);
        m.reporter = who;
      } else {
        r.sender = Sender::kGroups;
        if (group) {
          m.group_id = std::string(*group);
          m.round = round->number;
        }
        m.evidence = {"photo:demo/" + m.submission_id + ".jpg"};
        if (group) {
          PlanHowWorked(s.seed, static_cast<std::int64_t>(plan.reports.size()), 0x4E9047ULL,
                        channel == pc::Channel::kCovertGroup, m.methods, m.mode);
        }
      }
      plan.reports.push_back(std::move(r));
    }
    // Each supervision group registers a visit to some of its counties every working day, and so
    // does each covert group (always covertly). The covert groups' visits draw on numbers of their
    // own: the supervision groups' visits and the reports stay as they were before.
    Rng covert_rng(Mix(s.seed, static_cast<std::int64_t>(day), 0xC0BE47ULL));
    for (const auto& g : c.groups()) {
      const bool covert_group = g.kind == campaign::GroupKind::kCovert;
      Rng& vr = covert_group ? covert_rng : rng;
      for (campaign::DivisionCode j : c.JurisdictionsOf(g.id, round->number)) {
        const auto in = c.CountiesOf(j);
        if (in.empty()) continue;
        DemoVisit v;
        v.day = day;
        v.visit.submission_id =
            "demo-visit-" + std::to_string(s.seed) + "-" + std::to_string(plan.visits.size());
        v.visit.group_id = g.id;
        v.visit.round = round->number;
        v.visit.county = std::to_string(in[vr.Below(in.size())]);
        v.visit.visit_date = timeutil::FormatDate(day);
        for (const auto& t : kTopics) {
          if (vr.Percent(45)) v.visit.tasks.push_back(t.category);
        }
        if (v.visit.tasks.empty()) v.visit.tasks.push_back(pc::Category::kDust);
        v.visit.problems_found = static_cast<std::int64_t>(vr.Below(6));
        v.visit.note = "检查企业、工地和村庄点位" + std::to_string(3 + vr.Below(8)) + "处";
        PlanHowWorked(s.seed, static_cast<std::int64_t>(plan.visits.size()), 0x715175ULL,
                      covert_group, v.visit.methods, v.visit.mode);
        plan.visits.push_back(std::move(v));
      }
    }
  }
  return plan;
}

std::vector<proto::dispatch::SubmitRoster> PlanRosters(
    const campaign::Campaign& c, const DemoSettings& s,
    const std::vector<std::string>& supervision_unit_types,
    const std::vector<std::string>& covert_unit_types) {
  namespace pd = proto::dispatch;
  std::vector<pd::SubmitRoster> out;
  const auto round = c.RoundAt(s.first_day);
  if (!round || supervision_unit_types.empty() || covert_unit_types.empty()) return out;
  constexpr std::array<const char*, 6> kUnits = {"省环保厅大气处", "省住建厅",
                                                 "省工信厅",       "省环境监察专员办公室",
                                                 "省环境监测中心", "省公安厅"};
  Rng rng(s.seed ^ 0x5057E5ULL);
  int next_id = 1;
  for (const auto& g : c.groups()) {
    const auto inspected = c.JurisdictionsOf(g.id, round->number);
    if (inspected.empty()) continue;
    pd::SubmitRoster r;
    r.group_id = g.id;
    r.round = round->number;
    r.vehicles = 5;
    const bool covert = g.kind == campaign::GroupKind::kCovert;
    const auto& types = covert ? covert_unit_types : supervision_unit_types;
    // Covert groups draw on the enforcement staff of cities they do not inspect.
    std::vector<campaign::DivisionCode> homes = g.home_jurisdictions;
    for (const auto& j :
         homes.empty() ? c.jurisdictions() : std::vector<campaign::Jurisdiction>{}) {
      if (std::find(inspected.begin(), inspected.end(), j.code) == inspected.end()) {
        homes.push_back(j.code);
      }
    }
    const int n = g.min_members + static_cast<int>(rng.Below(4));
    for (int i = 0; i < n; ++i) {
      pd::RosterMember m;
      m.member_id = "M" + std::to_string(round->number) + "-" + std::to_string(next_id++);
      m.name = std::string(kSurnames[rng.Below(kSurnames.size())]) +
               kGivenNames[rng.Below(kGivenNames.size())];
      m.unit_type = types[rng.Below(types.size())];
      if (covert) {
        const auto home = homes[rng.Below(homes.size())];
        m.home_city = std::to_string(home);
        m.home_unit = std::string(c.NameOf(home).value_or("")) + "环境执法支队";
      } else {
        m.home_city = "130000";
        m.home_unit = kUnits[rng.Below(kUnits.size())];
      }
      m.role = i == 0 ? pd::MemberRole::kLeader
                      : (i == 1 ? pd::MemberRole::kDeputy
                                : (i == 2 ? pd::MemberRole::kAggregator : pd::MemberRole::kMember));
      r.members.push_back(std::move(m));
    }
    out.push_back(std::move(r));
  }
  return out;
}

BodyConduct ConductOf(std::uint64_t seed, std::int64_t problem_id) {
  Rng r(Mix(seed, problem_id, 0xB0D7));
  BodyConduct out;
  out.substantiated = r.Percent(85);
  out.reports_progress = r.Percent(60);
  // Two thirds claim within the demo's days, some of them after their deadline; the rest fall
  // behind and go overdue.
  if (r.Percent(67)) out.claims_after_working_days = 2 + static_cast<int>(r.Below(7));
  return out;
}

bool ReinspectionPasses(std::uint64_t seed, std::int64_t claim) {
  Rng r(Mix(seed, claim, 0x7A5C));
  return r.Percent(75);
}

std::string ProgressText(std::uint64_t seed, std::int64_t problem_id) {
  static constexpr std::array<const char*, 4> kTexts = {
      "已责令立即停止违法行为，正在制定整改方案。", "已组织人员现场整改，完成约一半。",
      "已约谈相关负责人，整改工作正在推进。", "已落实网格员每日巡查，整改进行中。"};
  Rng r(Mix(seed, problem_id, 0x9A0));
  return kTexts[r.Below(kTexts.size())];
}

std::string ClaimText(std::uint64_t seed, std::int64_t problem_id) {
  static constexpr std::array<const char*, 4> kTexts = {
      "问题已全部整改到位，现场已恢复。", "违法设施已拆除，企业已断水断电。",
      "裸土已全部覆盖，出入口已安装冲洗设施。", "已完成改造并建立长效监管机制。"};
  Rng r(Mix(seed, problem_id, 0xC1A));
  return kTexts[r.Below(kTexts.size())];
}

std::string FindingsText(std::uint64_t seed, std::int64_t problem_id) {
  static constexpr std::array<const char*, 3> kTexts = {"暗访发现问题仍然存在，整改不到位。",
                                                        "现场整改敷衍，仅做表面处理。",
                                                        "企业已恢复生产，整改报告与实际不符。"};
  Rng r(Mix(seed, problem_id, 0xF1D));
  return kTexts[r.Below(kTexts.size())];
}

}  // namespace ducha::demo
