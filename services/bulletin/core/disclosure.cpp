#include "services/bulletin/core/disclosure.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "services/bulletin/core/labels.h"
#include "services/bulletin/core/publication.h"
#include "services/bulletin/core/render.h"

namespace ducha::bulletin {
namespace {

using nlohmann::json;
using std::to_string;

constexpr std::size_t kFeedEntries = 200;
constexpr std::size_t kIndexLatest = 20;

std::string StatusName(const std::string& status) {
  if (status == "rectified") return "已整改销号";
  if (status == "claimed") return "已报整改、待复查";
  if (status == "overdue") return "逾期未整改";
  return "整改中";
}

std::string ReasonName(const std::string& reason) {
  if (reason.empty()) return "—";
  if (reason == "channel") return "中央媒体曝光等重点来源";
  if (reason == "report_count") return "多次举报";
  if (reason == "operator") return "督查中心挂牌";
  return reason;
}

std::string DateText(Millis at, int offset) { return FullDate(timeutil::DayOf(at, offset)); }
std::string IsoDay(Millis at, int offset) {
  return timeutil::FormatDate(timeutil::DayOf(at, offset));
}

// The fields of one problem that its publication classes allow, as label/value pairs for the
// pages and as key/value pairs for the JSON. Every value goes through Disclosable().
class Fields {
 public:
  explicit Fields(bool decided) : decided_(decided) {}
  void Add(std::string_view field, std::string label, std::string text, json value) {
    if (!Disclosable(field, decided_)) return;
    rows_.emplace_back(std::move(label), std::move(text));
    json_[std::string(field.substr(field.find('.') + 1))] = std::move(value);
  }
  const std::vector<std::pair<std::string, std::string>>& rows() const { return rows_; }
  const json& as_json() const { return json_; }

 private:
  bool decided_;
  std::vector<std::pair<std::string, std::string>> rows_;
  json json_ = json::object();
};

Fields ProblemFields(const campaign::Campaign& c, const DisclosedProblem& p) {
  const int offset = c.info().utc_offset_minutes;
  Fields f(!p.decisions.empty());
  f.Add("problem.id", "问题编号", to_string(p.problem_id), p.problem_id);
  f.Add("problem.city", "所属市", PlaceName(c, p.city), to_string(p.city));
  f.Add("problem.jurisdiction", "属地", CountyWithCity(c, p.jurisdiction),
        to_string(p.jurisdiction));
  const auto body = c.GovernmentOf(p.jurisdiction);
  f.Add("problem.responsible_body", "责任单位", body ? std::string(*body) : "—",
        body ? std::string(*body) : "");
  f.Add("problem.source", "问题来源", ChannelName(c, p.channel), p.channel);
  f.Add("problem.category", "问题类别", CategoryName(c, p.category), p.category);
  f.Add("problem.severity", "严重程度", SeverityName(c, p.severity), p.severity);
  f.Add("problem.assigned_on", "交办日期", FullDate(p.assigned_day),
        timeutil::FormatDate(p.assigned_day));
  if (p.verified_day != 0) {
    f.Add("problem.verified_on", "核实日期", FullDate(p.verified_day),
          timeutil::FormatDate(p.verified_day));
  }
  f.Add("problem.disclosed_on", "公开日期", DateText(p.disclosed_at, offset),
        IsoDay(p.disclosed_at, offset));
  f.Add("problem.deadline", "整改期限", FullDate(p.deadline), timeutil::FormatDate(p.deadline));
  f.Add("problem.status", "整改状态", StatusName(p.status), p.status);
  f.Add("problem.listed", "挂牌督办", p.listed ? "是" : "否", p.listed);
  if (p.listed) {
    f.Add("problem.listing_reason", "挂牌原因", ReasonName(p.listing_reason), p.listing_reason);
  }
  return f;
}

json DecisionJson(const DecisionLine& d, int offset) {
  json j = json::object();
  if (Disclosable("decision.level", true)) j["level"] = d.level;
  if (Disclosable("decision.day", true)) j["day"] = IsoDay(d.at, offset);
  if (Disclosable("decision.text", true)) j["text"] = d.text;
  j["problem_id"] = d.problem_id;
  return j;
}

json BlacklistJson(const BlacklistEntry& b, int offset) {
  json j = json::object();
  if (Disclosable("blacklist.enterprise", false) && !b.enterprise.starts_with("name:")) {
    j["enterprise"] = b.enterprise;
  }
  if (Disclosable("blacklist.name", false)) j["name"] = b.name;
  if (Disclosable("blacklist.city", false)) j["city"] = b.city == 0 ? "" : to_string(b.city);
  if (Disclosable("blacklist.points", false)) j["points"] = b.points;
  if (Disclosable("blacklist.day", false)) j["day"] = IsoDay(b.at, offset);
  j["change"] = b.added ? "listed" : "delisted";
  return j;
}

// --- HTML -----------------------------------------------------------------------------------

constexpr const char* kStyle =
    "body{font-family:'Noto Sans CJK SC','WenQuanYi Micro Hei','Microsoft YaHei',sans-serif;"
    "margin:24px auto;max-width:1000px;color:#212121;line-height:1.6;padding:0 16px}"
    "h1{color:#b71c1c;font-size:26px;border-bottom:3px solid #b71c1c;padding-bottom:6px}"
    "h2{font-size:19px;margin-top:24px}table{border-collapse:collapse;width:100%;font-size:14px}"
    "th,td{border:1px solid #9e9e9e;padding:4px 8px;text-align:left}th{background:#eeeeee}"
    "nav a{margin-right:14px}.note{color:#616161;font-size:13px}";

std::string Page(const std::string& site_title, const std::string& title, const std::string& up,
                 const std::string& body) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
      EscapeHtml(title) + " - " + EscapeHtml(site_title) + "</title>\n<link rel=\"alternate\" " +
      "type=\"application/atom+xml\" href=\"" + up + "feed.atom\" title=\"" +
      EscapeHtml(site_title) + "\">\n<style>" + kStyle +
      "</style>\n</head>\n<body>\n<nav><a href=\"" + up + "index.html\">首页</a><a href=\"" + up +
      "listed.html\">挂牌督办</a><a href=\"" + up + "decisions.html\">问责处理</a><a href=\"" + up +
      "blacklist.html\">黑名单</a><a href=\"" + up + "feed.atom\">订阅</a></nav>\n<h1>" +
      EscapeHtml(title) + "</h1>\n" + body +
      "<p class=\"note\">举报人信息依法保密，不予公开。</p>\n</body>\n</html>\n";
  return out;
}

std::string HtmlTable(const std::vector<std::string>& header,
                      const std::vector<std::vector<std::string>>& rows,
                      const std::vector<std::string>& links = {}) {
  std::string out = "<table>\n<tr>";
  for (const std::string& h : header) out += "<th>" + EscapeHtml(h) + "</th>";
  out += "</tr>\n";
  for (std::size_t r = 0; r < rows.size(); ++r) {
    out += "<tr>";
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      out += "<td>";
      if (c == 0 && r < links.size() && !links[r].empty()) {
        out += "<a href=\"" + EscapeHtml(links[r]) + "\">" + EscapeHtml(rows[r][c]) + "</a>";
      } else {
        out += EscapeHtml(rows[r][c]);
      }
      out += "</td>";
    }
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string Paragraph(const std::string& text) { return "<p>" + EscapeHtml(text) + "</p>\n"; }

std::vector<std::string> ProblemRow(const campaign::Campaign& c, const DisclosedProblem& p) {
  return {to_string(p.problem_id),     CountyWithCity(c, p.jurisdiction),
          CategoryName(c, p.category), SeverityName(c, p.severity),
          ChannelName(c, p.channel),   FullDate(p.deadline),
          StatusName(p.status)};
}
const std::vector<std::string> kProblemHeader = {"问题编号", "属地",     "问题类别", "严重程度",
                                                 "问题来源", "整改期限", "整改状态"};

std::string ProblemTable(const campaign::Campaign& c,
                         const std::vector<const DisclosedProblem*>& ps, const std::string& up) {
  if (ps.empty()) return Paragraph("暂无。");
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> links;
  for (const DisclosedProblem* p : ps) {
    rows.push_back(ProblemRow(c, *p));
    links.push_back(up + "problem/" + to_string(p->problem_id) + ".html");
  }
  return HtmlTable(kProblemHeader, rows, links);
}

std::string BlacklistTable(const campaign::Campaign& c, const std::vector<BlacklistEntry>& list,
                           bool with_change) {
  if (list.empty()) return Paragraph("暂无。");
  const int offset = c.info().utc_offset_minutes;
  std::vector<std::string> header = {"企业名称", "统一社会信用代码", "所在地", "信用记分", "日期"};
  if (with_change) header.push_back("变动");
  std::vector<std::vector<std::string>> rows;
  for (const BlacklistEntry& b : list) {
    std::vector<std::string> row = {b.name, b.enterprise.starts_with("name:") ? "—" : b.enterprise,
                                    b.city == 0 ? "—" : PlaceName(c, b.city), to_string(b.points),
                                    DateText(b.at, offset)};
    if (with_change) row.push_back(b.added ? "列入黑名单" : "移出黑名单");
    rows.push_back(std::move(row));
  }
  return HtmlTable(header, rows);
}

std::string XmlEscape(std::string_view s) { return EscapeHtml(s); }

struct FeedEntry {
  Millis at = 0;
  std::string id;
  std::string title;
  std::string link;
  std::string summary;
};

}  // namespace

Disclosure ComputeDisclosure(const campaign::Campaign& campaign, const Projection& projection,
                             const DisclosureRules& rules, Millis as_of) {
  const int offset = campaign.info().utc_offset_minutes;
  Disclosure d;
  d.campaign_id = campaign.info().id;
  d.as_of = as_of;
  std::map<std::int64_t, std::vector<const Fact*>> facts;
  for (const Fact& f : projection.facts) {
    if (f.at < as_of) facts[f.problem_id].push_back(&f);
  }
  std::map<std::int64_t, std::vector<DecisionLine>> decisions;
  for (const AccountabilityFact& a : projection.accountability) {
    if (a.decision && a.at < as_of) {
      decisions[a.problem_id].push_back(DecisionLine{a.problem_id, a.level, a.decision_text, a.at});
    }
  }
  const std::int64_t today = timeutil::DayOf(as_of, offset);
  for (const ProblemFact& pf : projection.problems) {
    if (pf.assigned_at >= as_of) continue;
    DisclosedProblem p;
    p.problem_id = pf.problem_id;
    p.jurisdiction = pf.jurisdiction;
    p.city = pf.city;
    p.channel = pf.channel;
    p.category = pf.category;
    p.severity = pf.severity;
    p.assigned_day = timeutil::DayOf(pf.assigned_at, offset);
    p.deadline = pf.deadline;
    p.listed = pf.listed;
    p.listed_at = pf.listed ? pf.assigned_at : 0;
    p.listing_reason = pf.listing_reason;
    p.status = "open";
    std::optional<Millis> verified;
    if (!pf.verification) verified = pf.assigned_at;  // found by inspection: verified as found
    bool unsubstantiated = false;
    auto it = facts.find(pf.problem_id);
    if (it != facts.end()) {
      for (const Fact* f : it->second) {
        switch (f->kind) {
          case FactKind::kChanged:
            if (f->deadline) p.deadline = *f->deadline;
            if (f->listed) {
              if (*f->listed && !p.listed) p.listed_at = f->at;
              p.listed = *f->listed;
              if (!p.listed) p.listed_at = 0;
            }
            break;
          case FactKind::kVerified:
            if (f->flag) {
              if (!verified) verified = f->at;
              if (f->deadline) p.deadline = *f->deadline;
            } else {
              unsubstantiated = true;
            }
            break;
          case FactKind::kClaimed:
            p.status = "claimed";
            break;
          case FactKind::kRectified:
            p.status = "rectified";
            break;
          case FactKind::kReopened:
            p.status = "open";
            if (f->deadline) p.deadline = *f->deadline;
            break;
          case FactKind::kExtensionDecided:
            if (f->flag && f->deadline) p.deadline = *f->deadline;
            break;
          default:
            break;
        }
      }
    }
    if (unsubstantiated) continue;  // not a problem: never disclosed
    if (auto dit = decisions.find(pf.problem_id); dit != decisions.end()) {
      p.decisions = dit->second;
    }
    std::optional<Millis> when;
    auto consider = [&when](Millis t) { when = when ? std::min(*when, t) : t; };
    if (verified) {
      p.verified_day = timeutil::DayOf(*verified, offset);
      if (*verified + rules.delay < as_of) consider(*verified + rules.delay);
    }
    if (p.listed) consider(p.listed_at);
    if (!p.decisions.empty()) consider(p.decisions.front().at);
    if (!when) continue;
    p.disclosed_at = *when;
    if (p.status == "open" && p.deadline < today) p.status = "overdue";
    d.updated = std::max(d.updated, p.disclosed_at);
    if (p.listed) {
      ++d.listed_count;
      d.updated = std::max(d.updated, p.listed_at);
    }
    for (const DecisionLine& line : p.decisions) d.updated = std::max(d.updated, line.at);
    d.decision_count += p.decisions.size();
    d.problems.push_back(std::move(p));
  }
  std::sort(d.problems.begin(), d.problems.end(),
            [](const auto& a, const auto& b) { return a.problem_id < b.problem_id; });
  std::map<std::string, BlacklistEntry> current;
  for (const BlacklistFact& b : projection.blacklist) {
    if (b.at >= as_of) continue;
    BlacklistEntry e{b.enterprise, b.name, b.city, b.points, b.added, b.at};
    d.blacklist_changes.push_back(e);
    d.updated = std::max(d.updated, b.at);
    if (b.added) {
      current[b.enterprise] = e;
    } else {
      current.erase(b.enterprise);
    }
  }
  for (auto& [key, e] : current) d.blacklist.push_back(e);
  std::sort(d.blacklist.begin(), d.blacklist.end(), [](const auto& a, const auto& b) {
    return std::tie(a.name, a.enterprise) < std::tie(b.name, b.enterprise);
  });
  if (d.updated == 0 && !campaign.rounds().empty()) {
    d.updated = timeutil::StartOfDay(campaign.rounds().front().from, offset);
  }
  return d;
}

SiteFiles RenderSite(const campaign::Campaign& c, const Disclosure& d,
                     const DisclosureRules& rules) {
  const int offset = c.info().utc_offset_minutes;
  const std::string site = rules.title.empty() ? c.info().name + "信息公开" : rules.title;
  SiteFiles files;
  std::vector<const DisclosedProblem*> all;
  std::map<DivisionCode, std::vector<const DisclosedProblem*>> by_city;
  std::vector<const DisclosedProblem*> listed;
  for (const DisclosedProblem& p : d.problems) {
    all.push_back(&p);
    by_city[p.city].push_back(&p);
    if (p.listed) listed.push_back(&p);
  }

  // Problems: a page each, and the JSON.
  json problems = json::array();
  for (const DisclosedProblem& p : d.problems) {
    const Fields f = ProblemFields(c, p);
    json j = f.as_json();
    std::string body = HtmlTable({"项目", "内容"}, [&] {
      std::vector<std::vector<std::string>> rows;
      for (const auto& [label, text] : f.rows()) rows.push_back({label, text});
      return rows;
    }());
    if (!p.decisions.empty()) {
      body += "<h2>问责处理情况</h2>\n";
      json dj = json::array();
      for (const DecisionLine& line : p.decisions) {
        body += Paragraph(DateText(line.at, offset) + "：" + line.text);
        dj.push_back(DecisionJson(line, offset));
      }
      j["decisions"] = std::move(dj);
    }
    problems.push_back(std::move(j));
    files["problem/" + to_string(p.problem_id) + ".html"] =
        Page(site,
             "问题" + to_string(p.problem_id) + "：" + CountyWithCity(c, p.jurisdiction) +
                 CategoryName(c, p.category) + "问题",
             "../", body);
  }

  // Cities.
  std::vector<std::vector<std::string>> city_rows;
  std::vector<std::string> city_links;
  for (const campaign::Jurisdiction& j : c.jurisdictions()) {
    const auto& ps = by_city[j.code];
    std::size_t open = 0, overdue = 0, done = 0, listed_n = 0;
    for (const DisclosedProblem* p : ps) {
      if (p->status == "rectified") {
        ++done;
      } else {
        ++open;
      }
      if (p->status == "overdue") ++overdue;
      if (p->listed) ++listed_n;
    }
    city_rows.push_back({j.name, to_string(ps.size()), to_string(done), to_string(open),
                         to_string(overdue), to_string(listed_n)});
    city_links.push_back("city/" + to_string(j.code) + ".html");
    files["city/" + to_string(j.code) + ".html"] =
        Page(site, j.name + "公开问题", "../",
             Paragraph(j.name + "已公开问题" + to_string(ps.size()) + "个，其中已整改销号" +
                       to_string(done) + "个、逾期未整改" + to_string(overdue) + "个。") +
                 ProblemTable(c, ps, "../"));
  }

  // Listed, decisions, blacklist.
  files["listed.html"] = Page(
      site, "挂牌督办问题", "",
      Paragraph("挂牌督办问题" + to_string(listed.size()) + "个。") + ProblemTable(c, listed, ""));
  std::string decisions_body;
  json decisions = json::array();
  {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> links;
    for (const DisclosedProblem& p : d.problems) {
      for (const DecisionLine& line : p.decisions) {
        rows.push_back({to_string(p.problem_id), CountyWithCity(c, p.jurisdiction),
                        DateText(line.at, offset), line.text});
        links.push_back("problem/" + to_string(p.problem_id) + ".html");
        decisions.push_back(DecisionJson(line, offset));
      }
    }
    decisions_body = rows.empty()
                         ? Paragraph("暂无。")
                         : HtmlTable({"问题编号", "属地", "日期", "处理结果"}, rows, links);
  }
  files["decisions.html"] = Page(site, "问责处理结果", "", decisions_body);
  files["blacklist.html"] =
      Page(site, "环境违法企业黑名单", "",
           Paragraph("列入黑名单企业" + to_string(d.blacklist.size()) + "家。") +
               BlacklistTable(c, d.blacklist, false) + "<h2>变动记录</h2>\n" +
               BlacklistTable(c, d.blacklist_changes, true));

  // The index.
  std::vector<const DisclosedProblem*> latest = all;
  std::stable_sort(latest.begin(), latest.end(), [](const auto* a, const auto* b) {
    return std::tie(b->disclosed_at, b->problem_id) < std::tie(a->disclosed_at, a->problem_id);
  });
  if (latest.size() > kIndexLatest) latest.resize(kIndexLatest);
  files["index.html"] =
      Page(site, site, "",
           Paragraph("截至" + DateText(d.updated, offset) + "，已公开问题" + to_string(all.size()) +
                     "个，挂牌督办" + to_string(listed.size()) + "个，问责处理" +
                     to_string(d.decision_count) + "起，黑名单企业" +
                     to_string(d.blacklist.size()) + "家。") +
               "<h2>各市公开情况</h2>\n" +
               HtmlTable({"市", "已公开", "已整改销号", "未销号", "逾期未整改", "挂牌督办"},
                         city_rows, city_links) +
               "<h2>最新公开问题</h2>\n" + ProblemTable(c, latest, "") +
               "<p class=\"note\">数据：<a href=\"data/problems.json\">问题</a> · <a "
               "href=\"data/decisions.json\">问责处理</a> · <a "
               "href=\"data/blacklist.json\">黑名单</a></p>\n");

  // JSON.
  json blacklist = json::object();
  blacklist["current"] = json::array();
  blacklist["changes"] = json::array();
  for (const BlacklistEntry& b : d.blacklist)
    blacklist["current"].push_back(BlacklistJson(b, offset));
  for (const BlacklistEntry& b : d.blacklist_changes) {
    blacklist["changes"].push_back(BlacklistJson(b, offset));
  }
  auto wrap = [&](const char* key, json value) {
    json j = json::object();
    j["campaign"] = d.campaign_id;
    j["updated"] = timeutil::FormatRfc3339(d.updated, offset);
    j[key] = std::move(value);
    return j.dump(1) + "\n";
  };
  files["data/problems.json"] = wrap("problems", std::move(problems));
  files["data/decisions.json"] = wrap("decisions", std::move(decisions));
  files["data/blacklist.json"] = wrap("blacklist", std::move(blacklist));

  // The Atom feed: the latest disclosures of every kind.
  std::vector<FeedEntry> entries;
  // Entry ids never change: the tag's date is the campaign's first year, not the feed's.
  const std::string year =
      c.rounds().empty() ? "2017" : timeutil::FormatDate(c.rounds().front().from).substr(0, 4);
  const std::string tag = "tag:ducha," + year + ":" + d.campaign_id + ":disclosure:";
  for (const DisclosedProblem& p : d.problems) {
    const std::string link = "problem/" + to_string(p.problem_id) + ".html";
    const std::string what = CountyWithCity(c, p.jurisdiction) + CategoryName(c, p.category);
    entries.push_back({p.disclosed_at, tag + "problem/" + to_string(p.problem_id),
                       "公开问题" + to_string(p.problem_id) + "：" + what, link,
                       StatusName(p.status) + "，整改期限" + FullDate(p.deadline)});
    if (p.listed) {
      entries.push_back({p.listed_at, tag + "listed/" + to_string(p.problem_id),
                         "挂牌督办问题" + to_string(p.problem_id) + "：" + what, link,
                         "挂牌原因：" + ReasonName(p.listing_reason)});
    }
    for (std::size_t i = 0; i < p.decisions.size(); ++i) {
      entries.push_back({p.decisions[i].at,
                         tag + "decision/" + to_string(p.problem_id) + "/" + to_string(i + 1),
                         "问责处理：问题" + to_string(p.problem_id) + "（" + what + "）", link,
                         p.decisions[i].text});
    }
  }
  for (std::size_t i = 0; i < d.blacklist_changes.size(); ++i) {
    const BlacklistEntry& b = d.blacklist_changes[i];
    entries.push_back({b.at, tag + "blacklist/" + to_string(i + 1),
                       (b.added ? "列入黑名单：" : "移出黑名单：") + b.name, "blacklist.html",
                       "信用记分" + to_string(b.points) + "分"});
  }
  std::sort(entries.begin(), entries.end(), [](const FeedEntry& a, const FeedEntry& b) {
    return std::tie(b.at, b.id) < std::tie(a.at, a.id);
  });
  if (entries.size() > kFeedEntries) entries.resize(kFeedEntries);
  const std::string base = rules.base_url.empty() || rules.base_url.ends_with('/')
                               ? rules.base_url
                               : rules.base_url + "/";
  std::string feed =
      "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"" +
      (base.empty() ? std::string() : " xml:base=\"" + XmlEscape(base) + "\"") + ">\n<title>" +
      XmlEscape(site) + "</title>\n<id>" + tag + "feed</id>\n<updated>" +
      timeutil::FormatRfc3339(d.updated, 0) + "</updated>\n<author><name>" +
      XmlEscape(c.info().name) + "</name></author>\n<link rel=\"self\" href=\"feed.atom\"/>\n" +
      "<link rel=\"alternate\" href=\"index.html\"/>\n";
  for (const FeedEntry& e : entries) {
    feed += "<entry>\n<id>" + XmlEscape(e.id) + "</id>\n<title>" + XmlEscape(e.title) +
            "</title>\n<updated>" + timeutil::FormatRfc3339(e.at, 0) + "</updated>\n<link href=\"" +
            XmlEscape(e.link) + "\"/>\n<summary>" + XmlEscape(e.summary) + "</summary>\n</entry>\n";
  }
  files["feed.atom"] = feed + "</feed>\n";
  return files;
}

}  // namespace ducha::bulletin
