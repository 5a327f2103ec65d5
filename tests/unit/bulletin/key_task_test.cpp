// The key tasks' completion in the weekly bulletin (重点任务推进情况): per city and per special
// action as of the cut-off (the latest version of each task, its latest progress, its latest
// lagging / on-track turn), the tasks that fell behind during the week, the section in every
// rendering, and the numbers' JSON.

#include <gtest/gtest.h>

#include "services/bulletin/core/document.h"
#include "services/bulletin/core/labels.h"
#include "services/bulletin/core/numbers.h"
#include "services/bulletin/core/numbers_json.h"
#include "services/bulletin/core/render.h"
#include "tests/unit/bulletin/fixtures.h"

namespace ducha::bulletin {
namespace {

using testing::At;
using testing::D;
using testing::Hebei;
using testing::Week47;

const char* kIssuer = "河北省大气污染防治工作领导小组办公室";

// Week 47: [2017-11-18, 2017-11-25), cut-off 2017-11-25 00:00 (+08:00).
KeyTaskFact Task(const char* id, int version, DivisionCode county, const char* action,
                 double target, const char* at = "2017-11-01T09:00:00+08:00") {
  return KeyTaskFact{id,     version, county,          *Hebei().JurisdictionOf(county),
                     action, target,  D("2017-09-01"), D("2017-12-31"),
                     At(at)};
}

KeyTaskProgressFact Progress(const char* id, double completed, const char* at) {
  static std::int64_t order = 0;
  return KeyTaskProgressFact{id, completed, completed, D("2017-11-20"), At(at), ++order};
}

KeyTaskStatusFact Turn(const char* id, bool lagging, int episode, const char* day) {
  return KeyTaskStatusFact{
      id, lagging, episode, 100, 50, D(day), At((std::string(day) + "T00:00:00+08:00").c_str())};
}

KeyTaskNumbers Compute(const Projection& p) {
  return ComputeNumbers(Hebei(), p, Week47()).key_tasks;
}

const KeyTaskLine& City(const KeyTaskNumbers& n, DivisionCode code) {
  for (const KeyTaskLine& l : n.cities) {
    if (l.city == code) return l;
  }
  throw std::runtime_error("no city " + std::to_string(code));
}

const KeyTaskLine& Action(const KeyTaskNumbers& n, const std::string& action) {
  for (const KeyTaskLine& l : n.actions) {
    if (l.action == action) return l;
  }
  throw std::runtime_error("no action " + action);
}

// 石家庄: two heating tasks, one done (over its target), one at 25%; 唐山: a boiler task at 25%,
// behind since the week's Tuesday, and one with no progress at all.
Projection Sample() {
  Projection p;
  p.key_tasks = {Task("SJZ-QDM-01", 1, 130102, "rural_clean_heating", 12000),
                 Task("SJZ-QDM-02", 1, 130104, "rural_clean_heating", 400),
                 Task("TS-GL-01", 1, 130202, "small_coal_boilers", 40),
                 Task("TS-GL-02", 1, 130203, "small_coal_boilers", 30)};
  p.key_task_progress = {Progress("SJZ-QDM-01", 12500, "2017-11-20T10:00:00+08:00"),
                         Progress("SJZ-QDM-02", 100, "2017-11-20T10:00:00+08:00"),
                         Progress("TS-GL-01", 10, "2017-11-19T10:00:00+08:00")};
  p.key_task_status = {Turn("TS-GL-01", true, 1, "2017-11-21")};
  return p;
}

TEST(BulletinKeyTasks, CountsTasksDoneBehindAndMeanCompletionPerCityAndSpecialAction) {
  const KeyTaskNumbers n = Compute(Sample());
  EXPECT_EQ(n.total.tasks, 4);
  EXPECT_EQ(n.total.done, 1);
  EXPECT_EQ(n.total.behind, 1);
  // (1 capped + 0.25 + 0.25 + 0) / 4 = 37.5%.
  EXPECT_EQ(n.total.completion, 375);

  ASSERT_EQ(n.cities.size(), Hebei().jurisdictions().size()) << "every city, zeros included";
  EXPECT_EQ(n.cities.front().city, Hebei().jurisdictions().front().code) << "campaign order";
  EXPECT_EQ(City(n, 130100).tasks, 2);
  EXPECT_EQ(City(n, 130100).done, 1);
  EXPECT_EQ(City(n, 130100).behind, 0);
  EXPECT_EQ(City(n, 130100).completion, 625);
  EXPECT_EQ(City(n, 130200).tasks, 2);
  EXPECT_EQ(City(n, 130200).behind, 1);
  EXPECT_EQ(City(n, 130200).completion, 125) << "a task with no progress counts 0";
  EXPECT_EQ(City(n, 130300).tasks, 0);
  EXPECT_EQ(City(n, 130300).completion, 0);

  ASSERT_EQ(n.actions.size(), Hebei().key_tasks().special_actions.size());
  EXPECT_EQ(n.actions.front().action, "rural_clean_heating");
  EXPECT_EQ(Action(n, "rural_clean_heating").tasks, 2);
  EXPECT_EQ(Action(n, "small_coal_boilers").behind, 1);
  EXPECT_EQ(Action(n, "dust").tasks, 0);
  for (const KeyTaskLine& l : n.actions) {
    EXPECT_TRUE(Hebei().key_tasks().IsSpecialAction(l.action)) << l.action;
  }
}

TEST(BulletinKeyTasks, AHigherVersionSupersedesAndOnlyVersionsBeforeTheCutoffCount) {
  Projection p;
  p.key_tasks = {
      Task("SJZ-QDM-01", 2, 130102, "rural_clean_heating", 10000, "2017-11-10T09:00:00+08:00"),
      Task("SJZ-QDM-01", 1, 130102, "rural_clean_heating", 12000),
      // v3 raises the target again, but only after the cut-off.
      Task("SJZ-QDM-01", 3, 130102, "rural_clean_heating", 20000, "2017-11-25T00:00:00+08:00"),
      // Imported after the cut-off: not a task of this week's bulletin yet.
      Task("TS-GL-01", 1, 130202, "small_coal_boilers", 50, "2017-11-26T09:00:00+08:00")};
  p.key_task_progress = {Progress("SJZ-QDM-01", 10000, "2017-11-20T10:00:00+08:00"),
                         Progress("TS-GL-01", 50, "2017-11-20T10:00:00+08:00")};
  const KeyTaskNumbers n = Compute(p);
  EXPECT_EQ(n.total.tasks, 1);
  EXPECT_EQ(n.total.done, 1) << "10000 of version 2's 10000";
  EXPECT_EQ(n.total.completion, 1000);
  EXPECT_EQ(City(n, 130200).tasks, 0);
}

TEST(BulletinKeyTasks, TheLatestProgressAndTurnBeforeTheCutoffDecide) {
  Projection p;
  p.key_tasks = {Task("A", 1, 130102, "dust", 100), Task("B", 1, 130102, "dust", 100),
                 Task("C", 1, 130102, "dust", 100)};
  p.key_task_progress = {Progress("A", 30, "2017-11-10T10:00:00+08:00"),
                         Progress("A", 60, "2017-11-20T10:00:00+08:00"),
                         Progress("A", 100, "2017-11-25T00:00:00+08:00"),  // at the cut-off
                         Progress("B", 50, "2017-11-20T10:00:00+08:00")};
  p.key_task_status = {// A fell behind and caught up: not behind.
                       Turn("A", true, 1, "2017-11-13"), Turn("A", false, 1, "2017-11-20"),
                       // B caught up and fell behind again on the same day: behind (episode 2).
                       Turn("B", true, 1, "2017-11-14"), Turn("B", false, 1, "2017-11-22"),
                       Turn("B", true, 2, "2017-11-22"),
                       // C falls behind only on the cut-off day.
                       Turn("C", true, 1, "2017-11-25")};
  const KeyTaskNumbers n = Compute(p);
  EXPECT_EQ(n.total.tasks, 3);
  EXPECT_EQ(n.total.done, 0) << "A's 100 came at the cut-off";
  EXPECT_EQ(n.total.behind, 1);
  EXPECT_EQ(n.total.completion, 367);  // (0.6 + 0.5 + 0) / 3
  EXPECT_EQ(Action(n, "dust").behind, 1);
}

TEST(BulletinKeyTasks, TheWeeksNewLagsAreTheTasksThatFellBehindDuringTheWeek) {
  Projection p;
  p.key_tasks = {Task("A", 1, 130102, "dust", 100), Task("B", 1, 130202, "dust", 100),
                 Task("C", 1, 130202, "transport", 100), Task("D", 1, 130202, "transport", 100)};
  p.key_task_status = {
      Turn("A", true, 1, "2017-11-17"),  // the week before: behind, but not new
      Turn("B", true, 1, "2017-11-18"),  // first day of the week
      Turn("B", false, 1, "2017-11-20"), Turn("B", true, 2, "2017-11-23"),   // one task, twice
      Turn("C", true, 1, "2017-11-21"),  Turn("C", false, 1, "2017-11-23"),  // new, caught up
      Turn("D", true, 1, "2017-11-25")};                                     // the cut-off
  const KeyTaskNumbers n = Compute(p);
  EXPECT_EQ(n.total.lagging_new, 2);
  EXPECT_EQ(n.total.behind, 2) << "A and B";
  EXPECT_EQ(City(n, 130200).lagging_new, 2);
  EXPECT_EQ(City(n, 130100).lagging_new, 0);
  EXPECT_EQ(Action(n, "transport").lagging_new, 1);
  ASSERT_EQ(n.lagging_new.size(), 2u);
  EXPECT_EQ(n.lagging_new[0].task_id, "B");
  EXPECT_EQ(n.lagging_new[0].day, D("2017-11-23")) << "its latest lag in the week";
  EXPECT_EQ(n.lagging_new[0].city, 130200);
  EXPECT_EQ(n.lagging_new[0].target, 100);
  EXPECT_EQ(n.lagging_new[1].task_id, "C");
}

TEST(BulletinKeyTasks, WithoutTasksThereAreNoLinesAndTheJsonIsUnchanged) {
  const Numbers n = ComputeNumbers(Hebei(), Projection{}, Week47());
  EXPECT_EQ(n.key_tasks, KeyTaskNumbers{});
  EXPECT_EQ(NumbersToJson(n).find("key_tasks"), std::string::npos)
      << "a week without tasks keeps the hash it had before key tasks existed";
}

TEST(BulletinKeyTasks, TheNumbersRoundTripThroughJson) {
  Projection p = Sample();
  p.key_tasks.push_back(Task("X", 1, 130102, "dust", 1234.5));
  p.key_task_status.push_back(Turn("X", true, 1, "2017-11-22"));
  const Numbers n = ComputeNumbers(Hebei(), p, Week47());
  const std::string json = NumbersToJson(n);
  auto back = NumbersFromJson(json);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->key_tasks, n.key_tasks);
  EXPECT_EQ(*back, n);
  EXPECT_EQ(NumbersToJson(*back), json);
  const std::string text = RenderText(BuildDocument(*back, Hebei(), kIssuer));
  EXPECT_NE(text.find("本周新增进度滞后任务2项"), std::string::npos) << text;
  EXPECT_NE(text.find("1234.5"), std::string::npos) << "a fractional target as reported";
}

TEST(BulletinKeyTasksDocument, TheSectionHasTheCityAndSpecialActionTablesAndTheWeeksLags) {
  const Numbers n = ComputeNumbers(Hebei(), Sample(), Week47());
  const Document doc = BuildDocument(n, Hebei(), kIssuer);
  ASSERT_FALSE(doc.sections.empty());
  const Section& s = doc.sections.back();
  EXPECT_EQ(s.heading, "十、重点任务推进情况");
  EXPECT_EQ(doc.sections[doc.sections.size() - 2].heading.rfind("九、", 0), 0u)
      << "numbered after the sections before it";

  const std::string text = RenderText(doc);
  EXPECT_NE(
      text.find("截至11月25日零时，全省重点任务4项，已完成1项，进度滞后1项，平均完成率37.5%。"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("本周新增进度滞后任务1项，已作为问题交办。"), std::string::npos);
  std::vector<const Table*> tables;
  for (const Block& b : s.blocks) {
    if (b.kind == Block::Kind::kTable) tables.push_back(&b.table);
  }
  ASSERT_EQ(tables.size(), 3u);
  const std::vector<std::string> header{"市", "任务数", "已完成", "进度滞后", "平均完成率"};
  EXPECT_EQ(tables[0]->header, header);
  EXPECT_EQ(tables[0]->rows.size(), Hebei().jurisdictions().size() + 1);
  const std::vector<std::string> sjz{"石家庄市", "2", "1", "0", "62.5%"};
  EXPECT_EQ(tables[0]->rows[0], sjz);
  const std::vector<std::string> province{"全省", "4", "1", "1", "37.5%"};
  EXPECT_EQ(tables[0]->rows.back(), province);
  EXPECT_EQ(tables[1]->header[0], "专项行动");
  const std::vector<std::string> heating{CategoryName(Hebei(), "rural_clean_heating"), "2", "1",
                                         "0", "62.5%"};
  EXPECT_EQ(tables[1]->rows[0], heating);
  EXPECT_EQ(heating[0], "农村清洁供暖") << "the campaign's display name";
  const std::vector<std::string> dust{"扬尘污染综合整治", "0", "0", "0", "—"};
  EXPECT_NE(std::find(tables[1]->rows.begin(), tables[1]->rows.end(), dust), tables[1]->rows.end());
  const std::vector<std::string> lag{
      "TS-GL-01", "路南区（唐山市）", "燃煤小锅炉集中整治", "11月21日", "100", "50", "40"};
  ASSERT_EQ(tables[2]->rows.size(), 1u);
  EXPECT_EQ(tables[2]->rows[0], lag);

  const std::string html = RenderHtml(doc);
  EXPECT_NE(html.find("十、重点任务推进情况"), std::string::npos);
  EXPECT_NE(html.find("本周新增进度滞后任务1项"), std::string::npos);
  EXPECT_NE(html.find("燃煤小锅炉集中整治"), std::string::npos);
  EXPECT_EQ(RenderText(BuildDocument(n, Hebei(), kIssuer)), text) << "deterministic";
}

TEST(BulletinKeyTasksDocument, WithoutAnImportedListTheSectionSaysSo) {
  const Document doc =
      BuildDocument(ComputeNumbers(Hebei(), Projection{}, Week47()), Hebei(), kIssuer);
  const std::string text = RenderText(doc);
  EXPECT_NE(text.find("十、重点任务推进情况\n\n  尚未导入重点任务清单。"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("进度滞后任务"), std::string::npos);
}

TEST(BulletinKeyTasksDocument, AWeekWithoutNewLagsSaysSo) {
  Projection p = Sample();
  p.key_task_status = {Turn("TS-GL-01", true, 1, "2017-11-14")};
  const std::string text =
      RenderText(BuildDocument(ComputeNumbers(Hebei(), p, Week47()), Hebei(), kIssuer));
  EXPECT_NE(text.find("本周无新增进度滞后任务。"), std::string::npos) << text;
  EXPECT_NE(text.find("进度滞后1项"), std::string::npos) << "still behind at the cut-off";
}

TEST(BulletinKeyTasksDocument, ThePdfCarriesTheSection) {
  auto rendered = RenderNumbers(ComputeNumbers(Hebei(), Sample(), Week47()), Hebei(), kIssuer);
  ASSERT_TRUE(rendered.ok()) << rendered.error().message;
  EXPECT_EQ(rendered->pdf.substr(0, 5), "%PDF-");
  EXPECT_NE(rendered->text.find("重点任务推进情况"), std::string::npos);
}

}  // namespace
}  // namespace ducha::bulletin
