// The round report (轮次报告) as a pure function of the projection as of the round's cut-off:
// the county × task coverage per city and per supervision group, the round's problems and their
// state at the cut-off, accountability within the round; the same figures from the stored JSON,
// and the document every format is drawn from.

#include "services/bulletin/core/round_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "services/bulletin/core/render.h"
#include "tests/unit/bulletin/fixtures.h"

namespace ducha::bulletin {
namespace {

using testing::At;
using testing::Claimed;
using testing::D;
using testing::F;
using testing::Hebei;
using testing::Problem;

const campaign::Round& Round3() { return Hebei().rounds().at(2); }  // 2017-11-20 .. 12-04

VisitFact Visit(std::int64_t id, DivisionCode county, std::vector<std::string> tasks,
                int round = 3) {
  VisitFact v;
  v.visit_id = id;
  v.group_id = "SG5";
  v.round = round;
  v.county = county;
  v.city = *Hebei().JurisdictionOf(county);
  v.day = D("2017-11-22");
  v.tasks = std::move(tasks);
  v.problems_found = 1;
  return v;
}

ProblemFact RoundProblem(std::int64_t id, const char* at, const char* deadline) {
  ProblemFact p = Problem(id, at, deadline);
  p.round = 3;
  p.supervising_group = "SG5";
  return p;
}

const RoundCityLine& City(const RoundNumbers& n, DivisionCode code) {
  for (const RoundCityLine& l : n.cities) {
    if (l.code == code) return l;
  }
  throw std::runtime_error("no city");
}

TEST(RoundReport, CoverageCountsTheRoundsVisitsPerCountyAndTaskForTheStationedGroup) {
  Projection p;
  p.visits = {Visit(1, 130102, {"dust", "small_coal_boilers"}), Visit(2, 130102, {"dust"}),
              Visit(3, 130104, {"dust"}), Visit(4, 130105, {"dust"}, 2)};
  const RoundNumbers n = ComputeRoundNumbers(Hebei(), p, Round3());
  const RoundCityLine& sjz = City(n, 130100);
  EXPECT_EQ(sjz.group_id, "SG5");
  const auto counties = static_cast<std::int64_t>(Hebei().CountiesOf(130100).size());
  const auto tasks = static_cast<std::int64_t>(Hebei().categories().size());
  EXPECT_EQ(sjz.coverage.counties, counties);
  EXPECT_EQ(sjz.coverage.counties_visited, 2) << "round 2's visit does not count";
  EXPECT_EQ(sjz.coverage.cells, counties * tasks);
  EXPECT_EQ(sjz.coverage.cells_covered, 3);
  EXPECT_EQ(sjz.coverage.visits, 3);
  EXPECT_EQ(static_cast<std::int64_t>(sjz.unvisited.size()), counties - 2);
  const RoundGroupLine& sg5 = n.groups.at(4);
  EXPECT_EQ(sg5.group_id, "SG5");
  EXPECT_EQ(sg5.cities, (std::vector<DivisionCode>{130100, 130181}));
  EXPECT_EQ(sg5.coverage.cells_covered, 3);
  EXPECT_EQ(n.coverage.counties, static_cast<std::int64_t>(Hebei().counties().size()));
}

TEST(RoundReport, TheRoundsProblemsStandAsAtTheCutoffAndLaterFactsDoNotCount) {
  Projection p;
  p.problems = {RoundProblem(1, "2017-11-21T09:00:00+08:00", "2017-11-28"),
                RoundProblem(2, "2017-11-21T09:00:00+08:00", "2017-12-20"),
                RoundProblem(3, "2017-11-21T09:00:00+08:00", "2017-11-30"),
                RoundProblem(4, "2017-11-21T09:00:00+08:00", "2017-11-30"),
                Problem(5, "2017-11-10T09:00:00+08:00", "2017-11-30")};  // another round
  p.facts = {F(3, "2017-11-29T09:00:00+08:00", FactKind::kRectified),
             Claimed(4, "2017-11-29T09:00:00+08:00", "2017-11-30", false),
             F(1, "2017-12-05T09:00:00+08:00", FactKind::kRectified)};  // after the cut-off
  p.accountability = {
      AccountabilityFact{1, false, "interview", "约谈", At("2017-12-01T10:00:00+08:00"), ""},
      AccountabilityFact{1, true, "interview", "", At("2017-12-06T10:00:00+08:00"), "x"}};
  const RoundNumbers n = ComputeRoundNumbers(Hebei(), p, Round3());
  const RoundStanding& s = City(n, 130100).standing;
  EXPECT_EQ(s.received, 4);
  EXPECT_EQ(s.closed, 1);
  EXPECT_EQ(s.open, 3);
  EXPECT_EQ(s.claimed, 1);
  EXPECT_EQ(s.overdue, 1) << "problem 1: deadline 11-28, closed only after the cut-off";
  EXPECT_EQ(s.recommendations, 1);
  EXPECT_EQ(s.decisions, 0);
  EXPECT_EQ(n.groups.at(4).standing, s);
  EXPECT_EQ(n.cutoff_day, D("2017-12-05"));
  EXPECT_EQ(RoundCutoff(Hebei(), Round3()), At("2017-12-05T00:00:00+08:00"));
  // The stored form gives the same figures.
  const std::string json = RoundNumbersToJson(n);
  EXPECT_EQ(*RoundNumbersFromJson(json), n);
  EXPECT_EQ(RoundNumbersToJson(ComputeRoundNumbers(Hebei(), p, Round3())), json);
  EXPECT_FALSE(RoundNumbersFromJson("{\"round\": 1}").ok());
}

TEST(RoundReport, TheDocumentNamesGroupsCitiesAndGapsAndRendersToPdf) {
  Projection p;
  p.visits = {Visit(1, 130102, {"dust"})};
  p.problems = {RoundProblem(1, "2017-11-21T09:00:00+08:00", "2017-11-28")};
  const RoundNumbers n = ComputeRoundNumbers(Hebei(), p, Round3());
  const Document doc = BuildRoundDocument(n, Hebei(), "河北省大气办");
  EXPECT_EQ(doc.subject, "督察轮次报告 第3轮（11月20日—12月4日）");
  const std::string text = RenderText(doc);
  EXPECT_NE(text.find("第五督察组"), std::string::npos);
  EXPECT_NE(text.find("石家庄市"), std::string::npos);
  EXPECT_NE(text.find("未走访县区"), std::string::npos);
  EXPECT_NE(text.find("桥西区"), std::string::npos) << "an unvisited county of 石家庄";
  const auto rendered = RenderAll(doc, "2017-12-05T00:00:00+08:00");
  ASSERT_TRUE(rendered.ok());
  EXPECT_EQ(rendered->pdf.substr(0, 5), "%PDF-");
  EXPECT_EQ(rendered->png.substr(1, 3), "PNG");
}

VisitFact Worked(std::int64_t id, const std::string& group, DivisionCode county,
                 std::vector<std::string> methods, const std::string& mode) {
  VisitFact v = Visit(id, county, {"dust"});
  v.group_id = group;
  v.methods = std::move(methods);
  v.mode = mode;
  return v;
}

RosterFact Roster(const std::string& group, int version, std::int64_t members, std::int64_t days,
                  const char* at = "2017-11-19T10:00:00+08:00") {
  RosterFact r;
  r.group_id = group;
  r.round = 3;
  r.version = version;
  r.members = members;
  r.leaders = 1;
  r.aggregators = 1;
  r.ordinary_members = members - 2;
  r.vehicles = 5;
  r.days_stationed = days;
  r.meal_rate_yuan = 100;
  r.meal_allowance_yuan = members * days * 100;
  r.registered_at = At(at);
  return r;
}

const RoundLogisticsLine& Line(const RoundNumbers& n, const std::string& group) {
  for (const RoundLogisticsLine& l : n.logistics) {
    if (l.group_id == group) return l;
  }
  throw std::runtime_error("no group " + group);
}

TEST(RoundReport, VisitsAreCountedByModeAndByMethodPerGroupAndInAll) {
  Projection p;
  // SG5 is stationed in 石家庄市 in round 3; CG1 in 保定市, 定州市 and 雄安新区.
  p.visits = {Worked(1, "SG5", 130102, {"hear", "check", "look"}, "open"),
              Worked(2, "SG5", 130104, {"look", "visit"}, "covert"),
              Worked(3, "CG1", 130638, {"look", "visit"}, "covert"),
              Worked(4, "SG5", 130104, {}, "")};  // recorded before intake 1.1
  const RoundNumbers n = ComputeRoundNumbers(Hebei(), p, Round3());
  EXPECT_EQ(n.methods, (RoundMethods{4, 1, 2, 1, 1, 1, 3, 2}));
  EXPECT_EQ(Line(n, "SG5").methods, (RoundMethods{3, 1, 1, 1, 1, 1, 2, 1}));
  EXPECT_EQ(Line(n, "CG1").methods, (RoundMethods{1, 0, 1, 0, 0, 0, 1, 1}));
  EXPECT_EQ(n.logistics_total.methods, n.methods);
}

TEST(RoundReport, LogisticsTakeEachGroupsLatestRosterBeforeTheCutoff) {
  Projection p;
  p.rosters = {Roster("SG5", 1, 30, 15), Roster("SG5", 2, 26, 15), Roster("CG1", 1, 22, 10),
               // registered after the round's cut-off (2017-12-05 00:00): not in this report
               Roster("SG1", 1, 27, 15, "2017-12-06T09:00:00+08:00")};
  const RoundNumbers n = ComputeRoundNumbers(Hebei(), p, Round3());
  const RoundLogisticsLine& sg5 = Line(n, "SG5");
  EXPECT_TRUE(sg5.registered);
  EXPECT_EQ(sg5.version, 2);
  EXPECT_EQ(sg5.members, 26);
  EXPECT_EQ(sg5.vehicles, 5);
  EXPECT_EQ(sg5.days_stationed, 15);
  EXPECT_EQ(sg5.meal_allowance_yuan, 26 * 15 * 100);
  EXPECT_EQ(Line(n, "CG1").meal_allowance_yuan, 22 * 10 * 100);
  EXPECT_FALSE(Line(n, "SG1").registered) << "stationed, but its roster came after the cut-off";
  EXPECT_EQ(n.logistics_total.members, 26 + 22);
  EXPECT_EQ(n.logistics_total.vehicles, 10);
  EXPECT_EQ(n.logistics_total.person_days, 26 * 15 + 22 * 10);
  EXPECT_EQ(n.logistics_total.meal_allowance_yuan, (26 * 15 + 22 * 10) * 100);
  EXPECT_EQ(n.meal_rate_yuan, 100);
  EXPECT_EQ(*RoundNumbersFromJson(RoundNumbersToJson(n)), n);
}

TEST(RoundReport, AReportStoredBeforeTheLogisticsSectionStillReadsBack) {
  Projection p;
  p.visits = {Visit(1, 130102, {"dust"})};
  const RoundNumbers n = ComputeRoundNumbers(Hebei(), p, Round3());
  auto old = nlohmann::json::parse(RoundNumbersToJson(n));
  for (const char* key : {"methods", "logistics", "logistics_total", "meal_rate_yuan"}) {
    old.erase(key);
  }
  const auto back = RoundNumbersFromJson(old.dump());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->coverage, n.coverage);
  EXPECT_TRUE(back->logistics.empty());
}

TEST(RoundReport, TheDocumentShowsLogisticsAndHowTheGroupsWorkedInEveryFormat) {
  Projection p;
  p.visits = {Worked(1, "SG5", 130102, {"hear", "check", "look"}, "open"),
              Worked(2, "CG1", 130638, {"look", "visit"}, "covert")};
  p.rosters = {Roster("SG5", 1, 26, 15), Roster("CG1", 1, 22, 15)};
  const RoundNumbers n = ComputeRoundNumbers(Hebei(), p, Round3());
  const Document doc = BuildRoundDocument(n, Hebei(), "河北省大气办");
  const std::string text = RenderText(doc);
  const std::string html = RenderHtml(doc);
  for (const std::string* out : {&text, &html}) {
    EXPECT_NE(out->find("后勤保障"), std::string::npos);
    EXPECT_NE(out->find("伙食补助"), std::string::npos);
    EXPECT_NE(out->find("100元/人/天"), std::string::npos);
    EXPECT_NE(out->find("差旅费由派出单位承担"), std::string::npos);
    EXPECT_NE(out->find("39000"), std::string::npos) << "SG5: 26 × 15 × 100";
    EXPECT_NE(out->find("72000"), std::string::npos) << "the total: 48 × 15 × 100";
    EXPECT_NE(out->find("督察方式"), std::string::npos);
    EXPECT_NE(out->find("明查1次、暗访1次"), std::string::npos);
    EXPECT_NE(out->find("听1次、查1次、看2次、访1次"), std::string::npos);
    EXPECT_NE(out->find("第一暗查组"), std::string::npos);
  }
  const auto rendered = RenderAll(doc, "2017-12-05T00:00:00+08:00");
  ASSERT_TRUE(rendered.ok());
  EXPECT_EQ(rendered->pdf.substr(0, 5), "%PDF-");
}

}  // namespace
}  // namespace ducha::bulletin
