#include "services/bulletin/core/document.h"

#include <algorithm>
#include <charconv>

#include "services/bulletin/core/labels.h"

namespace ducha::bulletin {
namespace {

using std::to_string;

// "石家庄市（12个）、唐山市（8个）".
template <typename T, typename F>
std::string Enumerate(const std::vector<T>& items, F describe) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += "、";
    out += describe(items[i]);
  }
  return out;
}

std::string PermilleChange(std::int64_t delta) {
  if (delta == 0) return "持平";
  const std::int64_t a = delta > 0 ? delta : -delta;
  return (delta > 0 ? "上升" : "下降") + to_string(a / 10) + "." + to_string(a % 10) + "个百分点";
}

std::string StateName(const std::string& state) {
  if (state == "claimed") return "待复查";
  if (state == "closed") return "已办结";
  return "整改中";
}

const char* kNone = "本周无。";

// A reported quantity to two decimals at most: 12000, 9600.5.
std::string Quantity(double v) {
  char buf[400];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 2);
  if (ec != std::errc()) return "—";
  std::string out(buf, end);
  while (out.back() == '0') out.pop_back();
  if (out.back() == '.') out.pop_back();
  return out == "-0" ? "0" : out;
}

std::string Completion(const KeyTaskLine& l) { return l.tasks == 0 ? "—" : Permille(l.completion); }

std::vector<std::string> KeyTaskRow(std::string label, const KeyTaskLine& l) {
  return {std::move(label), to_string(l.tasks), to_string(l.done), to_string(l.behind),
          Completion(l)};
}

// 重点任务推进情况: completion per city and per special action as of the cut-off, and the tasks
// that fell behind during the week (each became a problem of channel key_task).
Section KeyTaskSection(const std::string& heading, const Numbers& n, const campaign::Campaign& c) {
  Section out{heading, {}};
  const KeyTaskNumbers& k = n.key_tasks;
  if (k.total.tasks == 0) {
    out.blocks.push_back(ParagraphBlock("尚未导入重点任务清单。"));
    return out;
  }
  out.blocks.push_back(ParagraphBlock(
      "截至" + MonthDay(n.cutoff_day) + "零时，全省重点任务" + to_string(k.total.tasks) +
      "项，已完成" + to_string(k.total.done) + "项，进度滞后" + to_string(k.total.behind) +
      "项，平均完成率" + Completion(k.total) + "。"));
  Table cities{{"市", "任务数", "已完成", "进度滞后", "平均完成率"}, {}, 1, true};
  for (const KeyTaskLine& l : k.cities) cities.rows.push_back(KeyTaskRow(PlaceName(c, l.city), l));
  cities.rows.push_back(KeyTaskRow("全省", k.total));
  out.blocks.push_back(TableBlock(std::move(cities)));
  Table actions{{"专项行动", "任务数", "已完成", "进度滞后", "平均完成率"}, {}, 1, true};
  for (const KeyTaskLine& l : k.actions) {
    actions.rows.push_back(KeyTaskRow(CategoryName(c, l.action), l));
  }
  actions.rows.push_back(KeyTaskRow("全省", k.total));
  out.blocks.push_back(TableBlock(std::move(actions)));
  if (k.total.lagging_new == 0) {
    out.blocks.push_back(ParagraphBlock("本周无新增进度滞后任务。"));
    return out;
  }
  out.blocks.push_back(ParagraphBlock("本周新增进度滞后任务" + to_string(k.total.lagging_new) +
                                      "项，已作为问题交办。"));
  Table lagging{
      {"任务编号", "属地", "专项行动", "滞后日期", "应完成", "已完成", "目标"}, {}, 4, false};
  for (const LaggingTaskLine& l : k.lagging_new) {
    lagging.rows.push_back({l.task_id, CountyWithCity(c, l.jurisdiction), CategoryName(c, l.action),
                            MonthDay(l.day), Quantity(l.expected), Quantity(l.completed),
                            Quantity(l.target)});
  }
  out.blocks.push_back(TableBlock(std::move(lagging)));
  return out;
}

}  // namespace

std::vector<std::string> Analysis(const Numbers& n, const campaign::Campaign& c) {
  std::vector<std::string> out;
  const WeekTotals& w = n.week;
  const std::int64_t closed = n.rectified + n.verified_not_substantiated;

  std::string p1 =
      "本周（" + MonthDay(n.first_day) + "至" + MonthDay(n.cutoff_day - 1) + "），全省共受理问题" +
      to_string(w.received) + "个，其中新问题" + to_string(w.new_problems) + "个、重复举报合并" +
      to_string(n.duplicates) + "个；交办问题" + to_string(w.assigned) + "个（交办核查" +
      to_string(n.assigned_verification) + "个、交办整改" + to_string(n.assigned_rectification) +
      "个）；办结问题" + to_string(closed) + "个，其中整改销号" + to_string(n.rectified) +
      "个、核查不属实" + to_string(n.verified_not_substantiated) + "个。";
  if (n.has_previous) {
    p1 += "与上周相比，受理问题" + Change(w.received - n.previous.received) + "，办结问题" +
          Change(w.closed - n.previous.closed) + "。";
  }
  out.push_back(std::move(p1));

  const Standing& s = w.standing;
  std::string p2 = "截至" + MonthDay(n.cutoff_day) + "零时，累计交办问题" +
                   to_string(n.assigned_total) + "个，未办结" + to_string(s.open) +
                   "个（其中待复查" + to_string(n.awaiting_reinspection) + "个），逾期未办结" +
                   to_string(s.overdue) + "个；累计办结" + to_string(s.closed) + "个，按期办结率" +
                   Rate(s);
  const auto rate = OnTimePermille(s);
  const auto previous_rate = OnTimePermille(n.previous.standing);
  if (n.has_previous) {
    p2 += "。与上周相比，逾期未办结问题" + Change(s.overdue - n.previous.standing.overdue);
    if (rate && previous_rate) p2 += "，按期办结率" + PermilleChange(*rate - *previous_rate);
  }
  p2 += "。";
  out.push_back(std::move(p2));

  if (s.overdue == 0) {
    out.push_back("截至" + MonthDay(n.cutoff_day) + "零时，全省无逾期未办结问题。");
  } else {
    std::string p3;
    std::vector<CityLine> by_overdue;
    for (const CityLine& l : n.cities) {
      if (l.standing.overdue > 0) by_overdue.push_back(l);
    }
    std::stable_sort(by_overdue.begin(), by_overdue.end(), [](const auto& a, const auto& b) {
      return a.standing.overdue > b.standing.overdue;
    });
    if (by_overdue.size() > 3) by_overdue.resize(3);
    p3 += "逾期未办结问题较多的市：" +
          Enumerate(by_overdue,
                    [&](const CityLine& l) {
                      return PlaceName(c, l.code) + "（" + to_string(l.standing.overdue) + "个）";
                    }) +
          "。";
    // Below the province's rate, lowest first.
    std::vector<CityLine> low;
    for (const CityLine& l : n.cities) {
      const auto r = OnTimePermille(l.standing);
      if (r && rate && *r < *rate) low.push_back(l);
    }
    std::stable_sort(low.begin(), low.end(), [](const auto& a, const auto& b) {
      return *OnTimePermille(a.standing) < *OnTimePermille(b.standing);
    });
    if (low.size() > 3) low.resize(3);
    if (!low.empty()) {
      p3 += "按期办结率低于全省水平的市：" +
            Enumerate(low,
                      [&](const CityLine& l) {
                        return PlaceName(c, l.code) + "（" + Rate(l.standing) + "）";
                      }) +
            "。";
    }
    if (n.has_previous) {
      std::vector<CityLine> rising;
      for (const CityLine& l : n.cities) {
        if (l.standing.overdue > l.previous.overdue) rising.push_back(l);
      }
      std::stable_sort(rising.begin(), rising.end(), [](const auto& a, const auto& b) {
        return a.standing.overdue - a.previous.overdue > b.standing.overdue - b.previous.overdue;
      });
      if (rising.size() > 3) rising.resize(3);
      if (!rising.empty()) {
        p3 += "逾期未办结问题比上周增加的市：" +
              Enumerate(rising,
                        [&](const CityLine& l) {
                          return PlaceName(c, l.code) + "（" +
                                 Change(l.standing.overdue - l.previous.overdue) + "）";
                        }) +
              "。";
      }
    }
    if (!n.worst_counties.empty()) {
      p3 += "逾期未办结问题较多的县（市、区）：" +
            Enumerate(n.worst_counties,
                      [&](const CountyLine& l) {
                        return CountyWithCity(c, l.code) + to_string(l.standing.overdue) + "个";
                      }) +
            "。";
    }
    p3 += "请上述市、县（市、区）党委、政府切实履行主体责任，加快整改进度，确保问题按期办结。";
    out.push_back(std::move(p3));
  }

  std::string p4;
  std::vector<RungCount> rungs;
  for (const RungCount& r : n.escalations) {
    if (r.count > 0) rungs.push_back(r);
  }
  if (!rungs.empty()) {
    p4 += "本周对逾期问题启动升级督办：" +
          Enumerate(rungs, [](const RungCount& r) { return r.name + to_string(r.count) + "个"; }) +
          "。";
  }
  if (n.listed_new > 0) p4 += "本周新增挂牌督办问题" + to_string(n.listed_new) + "个。";
  if (n.reopened > 0) p4 += "复查未通过、重新整改问题" + to_string(n.reopened) + "个。";
  if (!p4.empty()) out.push_back(std::move(p4));
  return out;
}

Document BuildDocument(const Numbers& n, const campaign::Campaign& c, const std::string& issuer) {
  Document d;
  d.title = "督察快报";
  d.campaign = c.info().name;
  d.issue = "第" + to_string(n.issue) + "期";
  d.issuer = issuer;
  d.date = FullDate(n.cutoff_day);
  d.period = "统计时段：" + FullDate(n.first_day) + "至" + MonthDay(n.cutoff_day - 1) +
             "（数据截至" + FullDate(n.cutoff_day) + "零时）";
  d.subject = d.title + " " + d.issue + "（" + MonthDay(n.first_day) + "—" +
              MonthDay(n.cutoff_day - 1) + "）" + c.info().name;
  const WeekTotals& w = n.week;
  const Standing& s = w.standing;

  // 一、综述
  Section summary{"一、本周综述", {}};
  for (std::string& p : Analysis(n, c)) summary.blocks.push_back(ParagraphBlock(std::move(p)));
  d.sections.push_back(std::move(summary));

  // 二、受理
  Section received{"二、问题受理情况", {}};
  received.blocks.push_back(ParagraphBlock(
      "本周受理问题" + to_string(w.received) + "个，其中新问题" + to_string(w.new_problems) +
      "个，重复举报合并" + to_string(n.duplicates) + "个。按来源渠道："));
  Table channels{{"来源渠道", "受理数"}, {}, 1, true};
  for (const ChannelCount& ch : n.channels) {
    channels.rows.push_back({ChannelName(c, ch.channel), to_string(ch.count)});
  }
  channels.rows.push_back({"合计", to_string(w.received)});
  received.blocks.push_back(TableBlock(std::move(channels)));
  d.sections.push_back(std::move(received));

  // 三、交办与办理
  Section handled{"三、交办与办理情况", {}};
  Table week{{"事项", "本周", "上周", "变化"}, {}, 1, false};
  auto row = [&](const std::string& label, std::int64_t now, std::int64_t before) {
    week.rows.push_back({label, to_string(now), n.has_previous ? to_string(before) : "—",
                         n.has_previous ? Signed(now - before) : "—"});
  };
  row("受理问题", w.received, n.previous.received);
  row("其中新问题", w.new_problems, n.previous.new_problems);
  row("交办问题", w.assigned, n.previous.assigned);
  row("办结问题", w.closed, n.previous.closed);
  handled.blocks.push_back(TableBlock(std::move(week)));
  Table detail{{"本周办理", "数量"}, {}, 1, false};
  auto line = [&](const std::string& label, std::int64_t v) {
    detail.rows.push_back({label, to_string(v)});
  };
  line("交办核查（群众举报）", n.assigned_verification);
  line("交办整改", n.assigned_rectification);
  line("核查属实", n.verified_substantiated);
  line("核查不属实", n.verified_not_substantiated);
  line("申请整改销号", n.claimed);
  line("其中逾期申请", n.claimed_late);
  line("整改销号（复查确认）", n.rectified);
  line("复查未通过、重新整改", n.reopened);
  line("申请延期", n.extensions_requested);
  line("批准延期", n.extensions_approved);
  line("不予延期", n.extensions_refused);
  handled.blocks.push_back(TableBlock(std::move(detail)));
  Table standing{{"截至本周", "本周", "上周", "变化"}, {}, 1, false};
  auto stand = [&](const std::string& label, std::int64_t now, std::int64_t before) {
    standing.rows.push_back({label, to_string(now), n.has_previous ? to_string(before) : "—",
                             n.has_previous ? Signed(now - before) : "—"});
  };
  stand("未办结", s.open, n.previous.standing.open);
  stand("逾期未办结", s.overdue, n.previous.standing.overdue);
  stand("累计办结", s.closed, n.previous.standing.closed);
  stand("其中按期办结", s.closed_on_time, n.previous.standing.closed_on_time);
  const auto rate = OnTimePermille(s);
  const auto previous_rate = OnTimePermille(n.previous.standing);
  standing.rows.push_back({"按期办结率", Rate(s), n.has_previous ? Rate(n.previous.standing) : "—",
                           rate && previous_rate ? PermilleChange(*rate - *previous_rate) : "—"});
  handled.blocks.push_back(TableBlock(std::move(standing)));
  d.sections.push_back(std::move(handled));

  // 四、逾期与升级督办
  Section overdue{"四、逾期问题与升级督办", {}};
  overdue.blocks.push_back(ParagraphBlock("截至" + MonthDay(n.cutoff_day) + "零时，逾期未办结问题" +
                                          to_string(s.overdue) + "个。本周升级督办情况："));
  Table rungs{{"督办层级", "本周新增"}, {}, 1, false};
  for (const RungCount& r : n.escalations) rungs.rows.push_back({r.name, to_string(r.count)});
  overdue.blocks.push_back(TableBlock(std::move(rungs)));
  d.sections.push_back(std::move(overdue));

  // 五、复查 (from review)
  Section reinspection{"五、复查情况", {}};
  if (n.reinspected_passed + n.reinspected_failed + n.accepted_on_documents == 0) {
    reinspection.blocks.push_back(ParagraphBlock(kNone));
  } else {
    Table t{{"复查结果", "数量"}, {}, 1, true};
    t.rows.push_back({"现场复查通过", to_string(n.reinspected_passed)});
    t.rows.push_back({"现场复查未通过", to_string(n.reinspected_failed)});
    t.rows.push_back({"书面审核通过", to_string(n.accepted_on_documents)});
    t.rows.push_back(
        {"合计", to_string(n.reinspected_passed + n.reinspected_failed + n.accepted_on_documents)});
    reinspection.blocks.push_back(TableBlock(std::move(t)));
  }
  d.sections.push_back(std::move(reinspection));

  // 六、问责 (from review)
  Section accountability{"六、问责情况", {}};
  if (n.recommendations + n.decisions == 0) {
    accountability.blocks.push_back(ParagraphBlock(kNone));
  } else {
    accountability.blocks.push_back(
        ParagraphBlock("本周提出问责建议" + to_string(n.recommendations) + "件，作出问责决定" +
                       to_string(n.decisions) + "件。"));
    if (!n.recommendation_levels.empty()) {
      Table t{{"问责建议", "件数"}, {}, 1, false};
      for (const LevelCount& l : n.recommendation_levels) {
        t.rows.push_back({l.name, to_string(l.count)});
      }
      accountability.blocks.push_back(TableBlock(std::move(t)));
    }
  }
  d.sections.push_back(std::move(accountability));

  // 七、挂牌督办与黑名单
  Section listed{"七、挂牌督办与黑名单", {}};
  listed.blocks.push_back(ParagraphBlock(
      "截至" + MonthDay(n.cutoff_day) + "零时，挂牌督办未办结问题" + to_string(n.listed_open) +
      "个，本周新增挂牌督办" + to_string(n.listed_new) + "个。"));
  if (!n.listed.empty()) {
    Table t{{"问题编号", "属地", "类别", "严重程度", "状态", "办结期限"}, {}, 5, false};
    for (const ListedLine& l : n.listed) {
      std::string state = StateName(l.state);
      if (l.overdue) state = "逾期未办结";
      if (l.new_this_week) state += "（本周新增）";
      t.rows.push_back({to_string(l.problem_id), CountyWithCity(c, l.jurisdiction),
                        CategoryName(c, l.category), SeverityName(c, l.severity), state,
                        MonthDay(l.deadline)});
    }
    listed.blocks.push_back(TableBlock(std::move(t)));
  }
  if (n.blacklist_added + n.blacklist_removed == 0) {
    listed.blocks.push_back(ParagraphBlock(std::string("黑名单：") + kNone + "截至" +
                                           MonthDay(n.cutoff_day) + "零时黑名单企业" +
                                           to_string(n.blacklist_total) + "家。"));
  } else {
    listed.blocks.push_back(ParagraphBlock("黑名单：本周新增企业" + to_string(n.blacklist_added) +
                                           "家，移出" + to_string(n.blacklist_removed) +
                                           "家；截至" + MonthDay(n.cutoff_day) + "零时黑名单企业" +
                                           to_string(n.blacklist_total) + "家。"));
    Table t{{"企业名称", "统一社会信用代码", "所在地", "变动", "信用记分", "日期"}, {}, 4, false};
    for (const BlacklistLine& l : n.blacklist_changes) {
      const bool by_name = l.enterprise.starts_with("name:");
      t.rows.push_back({l.name, by_name ? "—" : l.enterprise,
                        l.city == 0 ? "—" : PlaceName(c, l.city), l.added ? "列入" : "移出",
                        to_string(l.points), MonthDay(l.day)});
    }
    listed.blocks.push_back(TableBlock(std::move(t)));
  }
  if (n.credit_worsened > 0) {
    listed.blocks.push_back(ParagraphBlock("企业环境信用：本周信用等级降为红色或黑色的企业" +
                                           to_string(n.credit_worsened) + "家。"));
  }
  d.sections.push_back(std::move(listed));

  // 八、各市情况
  Section cities{"八、各市情况", {}};
  Table t{{"市", "本周受理", "本周交办", "本周办结", "累计交办", "未办结", "逾期未办结",
           "逾期较上周", "累计办结", "按期办结率"},
          {},
          1,
          true};
  Standing total;
  std::int64_t sum_received = 0, sum_assigned = 0, sum_closed_week = 0, sum_assigned_total = 0,
               previous_overdue = 0;
  for (const CityLine& l : n.cities) {
    t.rows.push_back({PlaceName(c, l.code), to_string(l.received), to_string(l.assigned),
                      to_string(l.closed_week), to_string(l.assigned_total),
                      to_string(l.standing.open), to_string(l.standing.overdue),
                      n.has_previous ? Signed(l.standing.overdue - l.previous.overdue) : "—",
                      to_string(l.standing.closed), Rate(l.standing)});
    sum_received += l.received;
    sum_assigned += l.assigned;
    sum_closed_week += l.closed_week;
    sum_assigned_total += l.assigned_total;
    previous_overdue += l.previous.overdue;
    total.open += l.standing.open;
    total.overdue += l.standing.overdue;
    total.closed += l.standing.closed;
    total.closed_on_time += l.standing.closed_on_time;
  }
  t.rows.push_back({"全省", to_string(sum_received), to_string(sum_assigned),
                    to_string(sum_closed_week), to_string(sum_assigned_total),
                    to_string(total.open), to_string(total.overdue),
                    n.has_previous ? Signed(total.overdue - previous_overdue) : "—",
                    to_string(total.closed), Rate(total)});
  cities.blocks.push_back(TableBlock(std::move(t)));
  cities.blocks.push_back(Block{Block::Kind::kChart, {}, {}});
  d.sections.push_back(std::move(cities));

  // 九、县（市、区）
  Section counties{"九、逾期未办结问题较多的县（市、区）", {}};
  if (n.worst_counties.empty()) {
    counties.blocks.push_back(
        ParagraphBlock("截至" + MonthDay(n.cutoff_day) + "零时，各县（市、区）无逾期未办结问题。"));
  } else {
    Table wt{{"排名", "县（市、区）", "所属市", "未办结", "逾期未办结", "累计办结", "按期办结率"},
             {},
             3,
             false};
    for (std::size_t i = 0; i < n.worst_counties.size(); ++i) {
      const CountyLine& l = n.worst_counties[i];
      wt.rows.push_back({to_string(i + 1), PlaceName(c, l.code), PlaceName(c, l.city),
                         to_string(l.standing.open), to_string(l.standing.overdue),
                         to_string(l.standing.closed), Rate(l.standing)});
    }
    counties.blocks.push_back(TableBlock(std::move(wt)));
  }
  d.sections.push_back(std::move(counties));

  // 十、重点任务
  d.sections.push_back(KeyTaskSection("十、重点任务推进情况", n, c));

  d.notes = {
      "统计时段为出刊日前七日（" + MonthDay(n.first_day) + "零时至" + MonthDay(n.cutoff_day) +
          "零时，北京时间）；“截至”各项为出刊日零时的状态。",
      "办结：整改经复查确认销号，或群众举报经核查不属实；申请整改销号、待复查的问题仍计入未办结。",
      "逾期未办结：未办结、未申请销号，且办结期限（含批准的延期）早于出刊日的问题。",
      "按期办结率 = 按期办结数 ÷（累计办结数 + 逾期未办结数）。按期办结指经确认的整改销号申请、"
      "或核查不属实结论在办结期限内作出；逾期未办结问题拉低按期办结率，尚在期限内的未办结问题不计入"
      "。",
      "复查、问责、黑名单各项来自复查问责系统；本周无相关数据时显示“本周无”。",
      "重点任务按省大气办任务清单统计，以出刊日零时前的最新版本为准。完成率 = 最新报送的累计完成量 "
      "÷ 目标量（超过目标按100%计，未报送进展按0计），平均完成率为各任务完成率的算术平均；已完成"
      "指累计完成量达到目标量；进度滞后指出刊日零时前最近一次判定为滞后、尚未恢复的任务。",
      "本快报按问题编号、属地和类别统计，不含举报内容及举报人任何信息。",
  };

  std::vector<CityStanding> bars;
  for (const CityLine& l : n.cities) {
    bars.push_back(
        CityStanding{PlaceName(c, l.code), l.standing.open, l.standing.overdue, l.standing.closed});
  }
  d.chart = CityStandingChart("各市问题办理情况（截至" + MonthDay(n.cutoff_day) + "零时）", bars);
  return d;
}

}  // namespace ducha::bulletin
