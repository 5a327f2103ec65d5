// The key tasks (重点任务) through the real ledger applier and store against a real PostgreSQL:
// tracking's four task events encoded with the generated codec and applied through ApplyBatch,
// applied again (an operator's replay and a direct second application) without changing a row
// or the numbers, poison parked, and the week's bulletin generated with its section.

#include <fstream>
#include <sstream>

#include "services/bulletin/core/labels.h"
#include "services/bulletin/core/numbers_json.h"
#include "services/bulletin/core/render.h"
#include "tests/integration/bulletin/bulletin_fixture.h"

namespace ducha::bulletin::itest {
namespace {

pt::TaskDefined Defined(const char* id, const char* county, pc::Category action, double target,
                        std::int64_t version, const char* at) {
  pt::TaskDefined d;
  d.task_id = id;
  d.jurisdiction = county;
  d.city = std::to_string(*Hebei().JurisdictionOf(std::stoi(county)));
  d.special_action = action;
  d.title = "农村“气代煤”改造";
  d.unit = "户";
  d.target = target;
  d.start = "2017-09-01";
  d.deadline = "2017-12-31";
  d.version = version;
  d.at = At(at);
  return d;
}

pt::TaskProgressReported Reported(const pt::TaskDefined& d, double completed, const char* at) {
  pt::TaskProgressReported r;
  r.task_id = d.task_id;
  r.jurisdiction = d.jurisdiction;
  r.city = d.city;
  r.special_action = d.special_action;
  r.target = d.target;
  r.completed = completed;
  r.expected = d.target / 2;
  r.as_of = timeutil::FormatDate(timeutil::DayOf(At(at), 480));
  r.evidence = {"evidence-ref-1"};
  r.by = "changan-gov";
  r.at = At(at);
  return r;
}

pt::TaskLagging Lagging(const pt::TaskDefined& d, std::int64_t episode, double completed,
                        const char* day) {
  pt::TaskLagging l;
  l.task_id = d.task_id;
  l.jurisdiction = d.jurisdiction;
  l.city = d.city;
  l.special_action = d.special_action;
  l.target = d.target;
  l.expected = d.target / 2;
  l.completed = completed;
  l.episode = episode;
  l.submission_id = "task:" + d.task_id + ":" + std::to_string(episode);
  l.due_date = day;
  return l;
}

pt::TaskOnTrack OnTrack(const pt::TaskDefined& d, std::int64_t episode, double completed,
                        const char* day) {
  pt::TaskOnTrack o;
  o.task_id = d.task_id;
  o.jurisdiction = d.jurisdiction;
  o.episode = episode;
  o.expected = d.target / 2;
  o.completed = completed;
  o.due_date = day;
  return o;
}

class BulletinKeyTaskTest : public BulletinDbTest {
 protected:
  // Week 47 (cut-off 2017-11-25): 长安区's heating task, re-targeted by version 2 and done;
  // 路南区's boiler task at 25%, behind since 11-21; 路北区's behind on 11-14 and caught up on
  // 11-20; a task imported after the cut-off.
  void Seed() {
    sjz1_ = Defined("SJZ-QDM-01", "130102", pc::Category::kRuralCleanHeating, 12000, 1,
                    "2017-11-01T09:00:00+08:00");
    sjz2_ = Defined("SJZ-QDM-01", "130102", pc::Category::kRuralCleanHeating, 10000, 2,
                    "2017-11-10T09:00:00+08:00");
    ts1_ = Defined("TS-GL-01", "130202", pc::Category::kSmallCoalBoilers, 40, 1,
                   "2017-11-01T09:00:00+08:00");
    ts2_ = Defined("TS-GL-02", "130203", pc::Category::kSmallCoalBoilers, 20, 1,
                   "2017-11-01T09:00:00+08:00");
    late_ = Defined("TS-GL-03", "130203", pc::Category::kSmallCoalBoilers, 20, 1,
                    "2017-11-27T09:00:00+08:00");
    Tracking(sjz1_, sjz2_, ts1_, ts2_, late_);
    Tracking(Reported(sjz2_, 10000, "2017-11-20T10:00:00+08:00"),
             Reported(ts1_, 10, "2017-11-19T10:00:00+08:00"),
             Reported(ts2_, 20, "2017-11-19T10:00:00+08:00"), Lagging(ts2_, 1, 5, "2017-11-14"),
             OnTrack(ts2_, 1, 20, "2017-11-20"), Lagging(ts1_, 1, 10, "2017-11-21"));
  }

  bool Generate(int issue) {
    return conn_.Transact([&](pqxx::work& tx) {
      return GenerateBulletin(tx, Hebei(), HebeiWeeks().Issue(issue), ShippedLists(), kTestSend,
                              HebeiWeeks().Issue(issue).due, 1000);
    });
  }

  Numbers Stored(int issue) {
    const auto stored =
        conn_.Read([&](pqxx::read_transaction& tx) { return LoadBulletin(tx, issue); });
    return *NumbersFromJson(stored->numbers);
  }

  std::string StoredHash(int issue) {
    return conn_.Read([&](pqxx::read_transaction& tx) { return LoadBulletin(tx, issue)->hash; });
  }

  std::string CurrentHash(int issue) {
    return conn_.Read([&](pqxx::read_transaction& tx) {
      const Week w = HebeiWeeks().Issue(issue);
      return Sha256Hex(NumbersToJson(ComputeNumbers(Hebei(), LoadProjection(tx, w.cutoff), w)));
    });
  }

  std::string Rows() {
    return Q(
        "SELECT (SELECT count(*) FROM bulletin.key_task) || '/' || (SELECT count(*) FROM "
        "bulletin.key_task_progress) || '/' || (SELECT count(*) FROM "
        "bulletin.key_task_status)");
  }

  pt::TaskDefined sjz1_, sjz2_, ts1_, ts2_, late_;
};

TEST_F(BulletinKeyTaskTest, TheLedgersTaskEventsAreKeptAndApplyingThemTwiceChangesNothing) {
  Seed();
  EXPECT_EQ(Rows(), "5/3/3");
  EXPECT_EQ(Q("SELECT target FROM bulletin.key_task WHERE task_id = 'SJZ-QDM-01' AND version = 2"),
            "10000");
  EXPECT_EQ(Q("SELECT string_agg(kind || ':' || episode, ',' ORDER BY at, kind) FROM "
              "bulletin.key_task_status WHERE task_id = 'TS-GL-02'"),
            "lagging:1,on_track:1");
  // The lag is dated 00:00 of its day in the campaign's zone.
  EXPECT_EQ(Q("SELECT at FROM bulletin.key_task_status WHERE task_id = 'TS-GL-01'"),
            std::to_string(At("2017-11-21T00:00:00+08:00")));
  EXPECT_EQ(Q("SELECT count(*) FROM bulletin.dead_letter"), "0");
  ASSERT_TRUE(Generate(11));
  const std::string hash = StoredHash(11);

  // An operator's replay of the ledger from the start: the keys make it harmless.
  conn_.Transact([](pqxx::work& tx) { stream::SetCursor(tx, kSchema, "tracking", "ledger", 0); });
  seq_["tracking/ledger"] = 0;
  Seed();
  EXPECT_EQ(Rows(), "5/3/3");
  // The same events applied once more by the applier itself, bypassing the consumer's cursor.
  std::vector<stream::IncomingEvent> again{
      Event(1, sjz2_), Event(6, Reported(sjz2_, 10000, "2017-11-20T10:00:00+08:00")),
      Event(11, Lagging(ts1_, 1, 10, "2017-11-21")), Event(10, OnTrack(ts2_, 1, 20, "2017-11-20"))};
  const auto statuses = conn_.Transact([&](pqxx::work& tx) { return ledger_.Apply(tx, again); });
  for (const Status& s : statuses) EXPECT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(Rows(), "5/3/3");
  EXPECT_EQ(CurrentHash(11), hash) << "the numbers the data gives are those generated";
  EXPECT_EQ(Q("SELECT count(*) FROM bulletin.dead_letter"), "0");
}

TEST_F(BulletinKeyTaskTest, TheWeeksBulletinReportsTheKeyTasksAsOfItsCutoff) {
  Seed();
  ASSERT_TRUE(Generate(11));
  const Numbers n = Stored(11);
  const KeyTaskNumbers& k = n.key_tasks;
  EXPECT_EQ(k.total.tasks, 3) << "TS-GL-03 was imported after the cut-off";
  EXPECT_EQ(k.total.done, 2) << "SJZ-QDM-01 against version 2's target, and TS-GL-02";
  EXPECT_EQ(k.total.behind, 1) << "TS-GL-02 caught up";
  EXPECT_EQ(k.total.completion, 750);  // (1 + 0.25 + 1) / 3
  EXPECT_EQ(k.total.lagging_new, 1) << "TS-GL-02 fell behind the week before";
  ASSERT_EQ(k.lagging_new.size(), 1u);
  EXPECT_EQ(k.lagging_new[0].task_id, "TS-GL-01");
  EXPECT_EQ(k.cities[0].city, 130100);
  EXPECT_EQ(k.cities[0].completion, 1000);
  EXPECT_EQ(k.cities[1].city, 130200);
  EXPECT_EQ(k.cities[1].tasks, 2);
  EXPECT_EQ(k.cities[1].behind, 1);

  auto rendered = RenderNumbers(n, Hebei(), "督查中心");
  ASSERT_TRUE(rendered.ok()) << rendered.error().message;
  const std::string& text = rendered->text;
  const auto at = text.find("十、重点任务推进情况");
  ASSERT_NE(at, std::string::npos) << text;
  EXPECT_GT(at, text.find("九、")) << "after the sections before it";
  EXPECT_NE(text.find("全省重点任务3项，已完成2项，进度滞后1项，平均完成率75.0%。"),
            std::string::npos)
      << text.substr(at);
  EXPECT_NE(text.find("本周新增进度滞后任务1项，已作为问题交办。"), std::string::npos);
  EXPECT_NE(text.find(CategoryName(Hebei(), "small_coal_boilers")), std::string::npos);
  EXPECT_NE(rendered->html.find("重点任务推进情况"), std::string::npos);
  // Neither the task's title, nor the evidence, nor who reported it is kept or shown.
  for (const std::string* s : {&rendered->text, &rendered->html}) {
    EXPECT_EQ(s->find("气代煤"), std::string::npos);
    EXPECT_EQ(s->find("evidence-ref-1"), std::string::npos);
    EXPECT_EQ(s->find("changan-gov"), std::string::npos);
  }
  for (const char* table : {"key_task", "key_task_progress", "key_task_status"}) {
    const std::string rows = Q(std::string("SELECT coalesce(string_agg(t::text, '|'), '') FROM "
                                           "bulletin.") +
                               table + " t");
    EXPECT_EQ(rows.find("气代煤"), std::string::npos) << table;
    EXPECT_EQ(rows.find("evidence-ref-1"), std::string::npos) << table;
    EXPECT_EQ(rows.find("changan-gov"), std::string::npos) << table;
  }
}

TEST_F(BulletinKeyTaskTest, ABulletinBeforeAnyTaskIsImportedSaysSo) {
  ASSERT_TRUE(Generate(11));
  const Numbers n = Stored(11);
  EXPECT_EQ(n.key_tasks, KeyTaskNumbers{});
  const auto rendered = RenderNumbers(n, Hebei(), "督查中心");
  ASSERT_TRUE(rendered.ok());
  EXPECT_NE(rendered->text.find("十、重点任务推进情况\n\n  尚未导入重点任务清单。"),
            std::string::npos);
}

TEST_F(BulletinKeyTaskTest, ATaskEventThatCannotBeAppliedIsParked) {
  const pt::TaskDefined d = Defined("SJZ-QDM-01", "130102", pc::Category::kRuralCleanHeating, 12000,
                                    1, "2017-11-01T09:00:00+08:00");
  pt::TaskDefined bad_code = d;
  bad_code.task_id = "BAD-1";
  bad_code.city = "13x100";
  std::vector<stream::IncomingEvent> batch{
      Event(1, d), stream::IncomingEvent{2, "tracking.task_lagging", "\x93\x01\x02"},
      Event(3, Lagging(d, 1, 10, "2017-11-31")), Event(4, bad_code),
      Event(5, Lagging(d, 1, 10, "2017-11-21"))};
  stream::ApplyBatch(conn_, Settings("tracking", "ledger"), batch, ledger_.AsApplyFn(), stats_);
  EXPECT_EQ(Rows(), "1/0/1");
  EXPECT_EQ(Q("SELECT count(*) FROM bulletin.dead_letter"), "3");
}

}  // namespace
}  // namespace ducha::bulletin::itest
