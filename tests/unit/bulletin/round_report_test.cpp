// The round report (轮次报告) as a pure function of the projection as of the round's cut-off:
// the county × task coverage per city and per supervision group, the round's problems and their
// state at the cut-off, accountability within the round; the same figures from the stored JSON,
// and the document every format is drawn from.

#include "services/bulletin/core/round_report.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace ducha::bulletin
