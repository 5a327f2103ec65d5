// Key tasks (重点任务清单) end to end, with the real ducha-ctl against real intake, dispatch and
// tracking processes: the operator imports a task list (every bad row reported by its line, the
// good rows in, a second import changing nothing, a wrong header sending nothing); the tasks
// behind their trajectory become problems of channel key_task that go through intake and dispatch
// into tracking's ledger like any other; bodies report progress only on their own tasks; catching
// up ends a lag and falling behind again is a second problem; the summary shows completion.
//
// The tests run in order on one fleet, as an operator's day would: each states what it needs.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/ctl_runner.h"
#include "tests/support/fleet.h"
#include "tests/support/test_cluster.h"

namespace ducha::testing {
namespace {

std::string Q(const std::string& sql) { return TestCluster::Get().QueryValue(sql); }

constexpr const char* kHeader =
    "task_id,jurisdiction,special_action,title,unit,target,start,deadline,source,milestones\n";

// Three good tasks (two of 长安区, one of 桥西区) and five bad rows.
std::string TaskFile() {
  return std::string(kHeader) +
         "CA-QDM-1,130102,rural_clean_heating,农村“气代煤”改造,户,1000,2017-11-01,2017-12-29,"
         "攻坚行动方案,\n"
         "CA-GL-1,130102,燃煤小锅炉集中整治,燃煤小锅炉淘汰,台,40,2017-11-01,2017-12-29,"
         "\"“1+18”方案\",2017-11-20:0.5\n"
         "QX-YC-1,130104,dust,建筑工地扬尘治理达标,个,30,2017-11-01,2017-12-29,目标责任书,\n"
         "BAD-1,130102,space_heating,采暖,户,10,2017-11-01,2017-12-29,方案,\n"
         "BAD-2,130102,responsibility,责任落实,项,10,2017-11-01,2017-12-29,方案,\n"
         "BAD-3,130102,dust,道路扬尘,公里,-5,2017-11-01,2017-12-29,方案,\n"
         "BAD-4,130102,dust,道路扬尘,公里,many,2017-11-01,2017-12-29,方案,\n"
         "CA-QDM-1,130102,rural_clean_heating,重复,户,9,2017-11-01,2017-12-29,方案,\n";
}

class CtlKeyTasksTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fleet_ = std::make_unique<Fleet>(std::vector<std::string>{"intake", "dispatch", "tracking"});
    ctl_ = std::make_unique<CtlRunner>(*fleet_);
    ctl_->Register("changan-gov", auth::Role::kBody, {"130102"});  // 长安区人民政府
    ctl_->Register("qiaoxi-gov", auth::Role::kBody, {"130104"});   // 桥西区人民政府
    ctl_->Register("center-duty-1", auth::Role::kSupervisionCenter);
    ctl_->Register("operator-1", auth::Role::kOperator);
    fleet_->StartAll();
    for (const char* s : {"intake", "dispatch", "tracking"}) {
      if (!fleet_->AwaitReady(s)) {
        ADD_FAILURE() << s << " did not start:\n" << fleet_->LogOf(s);
        return;
      }
    }
    ready_ = true;
  }

  static void TearDownTestSuite() {
    ctl_.reset();
    fleet_.reset();
  }

  void SetUp() override { ASSERT_TRUE(ready_) << "the fleet did not come up"; }

  static CtlResult Ctl(const std::vector<std::string>& args, const std::string& identity) {
    return ctl_->Run(Join(args, ctl_->As(identity, "tracking")));
  }

  static inline std::unique_ptr<Fleet> fleet_;
  static inline std::unique_ptr<CtlRunner> ctl_;
  static inline bool ready_ = false;
};

TEST_F(CtlKeyTasksTest, ImportingReportsEveryBadRowByLineAndImportingAgainChangesNothing) {
  const std::string file = ctl_->WriteFile("tasks.csv", TaskFile());
  const CtlResult first =
      Ctl({"import", "tasks", file, "--source", "省大气办任务清单"}, "operator-1");
  EXPECT_EQ(first.status, 1) << first.out << first.err;  // rows were rejected
  EXPECT_TRUE(Contains(first.out,
                       "imported 3 new tasks, 0 updated, 0 duplicates (unchanged), "
                       "5 rejected"))
      << first.out << first.err;
  EXPECT_TRUE(Contains(first.err,
                       ":5: rejected: unknown_special_action special_action: line 5: "
                       "'space_heating' is not a special action"))
      << first.err;
  EXPECT_TRUE(Contains(first.err, ":6: rejected: not_a_special_action")) << first.err;
  EXPECT_TRUE(Contains(first.err,
                       ":7: rejected: negative_target target: line 7: target -5 is "
                       "negative"))
      << first.err;
  EXPECT_TRUE(Contains(first.err, ":8: rejected: target 'many' is not a number")) << first.err;
  EXPECT_TRUE(Contains(first.err, ":9: rejected: duplicate_task task_id")) << first.err;
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.key_task"), "3");
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.key_task WHERE task_id LIKE 'BAD%'"), "0");
  EXPECT_EQ(Q("SELECT target FROM tracking.key_task WHERE task_id = 'CA-QDM-1'"), "1000");
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.outbox WHERE type = 'tracking.task_defined'"), "3");

  const CtlResult again = Ctl({"import", "tasks", file}, "operator-1");
  EXPECT_TRUE(Contains(again.out,
                       "imported 0 new tasks, 0 updated, 3 duplicates (unchanged), "
                       "5 rejected"))
      << again.out << again.err;
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.outbox WHERE type = 'tracking.task_defined'"), "3");

  // A revised target updates its task (version 2) and nothing else.
  const std::string revised = ctl_->WriteFile(
      "tasks-revised.csv", std::string(kHeader) +
                               "CA-QDM-1,130102,rural_clean_heating,农村“气代煤”改造,户,1200,"
                               "2017-11-01,2017-12-29,攻坚行动方案,\n");
  const CtlResult update = Ctl({"import", "tasks", revised}, "operator-1");
  EXPECT_EQ(update.status, 0) << update.out << update.err;
  EXPECT_TRUE(Contains(update.out, "imported 0 new tasks, 1 updated, 0 duplicates")) << update.out;
  EXPECT_EQ(Q("SELECT target || ' v' || version FROM tracking.key_task WHERE task_id = "
              "'CA-QDM-1'"),
            "1200 v2");
}

TEST_F(CtlKeyTasksTest, AFileWithAWrongHeaderSendsNothingAndABodyMayNotImport) {
  const std::string before = Q("SELECT count(*) FROM tracking.outbox");
  const std::string file =
      ctl_->WriteFile("tasks-bad-header.csv",
                      "id,jurisdiction,special_action,title,unit,target,start,deadline,source\n"
                      "NEW-1,130102,dust,道路扬尘,公里,5,2017-11-01,2017-12-29,方案\n");
  const CtlResult r = Ctl({"import", "tasks", file}, "operator-1");
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(Contains(r.err, "unknown column 'id'")) << r.err;
  EXPECT_TRUE(Contains(r.err, "bad_header")) << r.err;
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.key_task WHERE task_id = 'NEW-1'"), "0");

  const std::string good = ctl_->WriteFile(
      "tasks-by-body.csv",
      std::string(kHeader) + "NEW-2,130102,dust,道路扬尘,公里,5,2017-11-01,2017-12-29,方案,\n");
  const CtlResult body = Ctl({"import", "tasks", good}, "changan-gov");
  EXPECT_NE(body.status, 0);
  EXPECT_TRUE(Contains(body.err, "forbidden")) << body.err;
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.key_task WHERE task_id = 'NEW-2'"), "0");
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.outbox"), before);
}

TEST_F(CtlKeyTasksTest, TasksBehindTheirTrajectoryBecomeProblemsOfChannelKeyTask) {
  ASSERT_EQ(Q("SELECT count(*) FROM tracking.key_task"), "3");
  // On 2017-11-22 nothing has been reported for tasks that started on 2017-11-01: all three are
  // behind, and each becomes a report to intake, a problem in dispatch and a ledger entry.
  ASSERT_TRUE(
      AwaitValue("SELECT count(*) FROM tracking.ledger WHERE channel = 'key_task'", "3", 30000))
      << fleet_->LogOf("tracking");
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.key_task_lag WHERE submitted_at IS NOT NULL"), "3");
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.outbox WHERE type = 'tracking.task_lagging'"), "3");
  EXPECT_EQ(Q("SELECT string_agg(submission_id, ',' ORDER BY submission_id) FROM intake.report "
              "WHERE channel = 'key_task'"),
            "task:CA-GL-1:1,task:CA-QDM-1:1,task:QX-YC-1:1");
  EXPECT_EQ(Q("SELECT l.body_name || '/' || l.kind || '/' || l.category || '/' || l.severity FROM "
              "tracking.ledger l JOIN intake.report r ON r.report_id = l.problem_id WHERE "
              "r.submission_id = 'task:QX-YC-1:1'"),
            "桥西区人民政府/rectification/dust/serious");
  EXPECT_EQ(Q("SELECT title FROM intake.report WHERE submission_id = 'task:CA-GL-1:1'"),
            "长安区重点任务进度滞后：燃煤小锅炉淘汰");
  EXPECT_TRUE(
      Contains(Q("SELECT description FROM intake.report WHERE submission_id = 'task:CA-GL-1:1'"),
               "应完成20台（50%），实际完成0台（0%）"));
}

TEST_F(CtlKeyTasksTest, ABodyReportsOnlyOnItsOwnKnownTasks) {
  const std::string before = Q("SELECT count(*) FROM tracking.key_task_progress");
  const CtlResult other =
      Ctl({"act", "task-progress", "QX-YC-1", "--completed", "30", "--evidence", "doc://x"},
          "changan-gov");
  EXPECT_EQ(other.status, 1);
  EXPECT_TRUE(Contains(other.err,
                       "error: out_of_scope task_id: identity 'changan-gov' does not "
                       "answer for 130104"))
      << other.err;
  const CtlResult unknown =
      Ctl({"act", "task-progress", "NO-SUCH", "--completed", "1", "--evidence", "doc://x"},
          "changan-gov");
  EXPECT_EQ(unknown.status, 1);
  EXPECT_TRUE(Contains(unknown.err, "error: unknown_task")) << unknown.err;
  const CtlResult center =
      Ctl({"act", "task-progress", "CA-GL-1", "--completed", "1", "--evidence", "doc://x"},
          "center-duty-1");
  EXPECT_EQ(center.status, 1);
  EXPECT_TRUE(Contains(center.err, "error: forbidden")) << center.err;
  const CtlResult negative =
      Ctl({"act", "task-progress", "CA-GL-1", "--completed", "-3", "--evidence", "doc://x"},
          "changan-gov");
  EXPECT_EQ(negative.status, 1);
  EXPECT_TRUE(Contains(negative.err, "out_of_range completed")) << negative.err;
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.key_task_progress"), before);
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.audit WHERE identity = 'changan-gov' AND "
              "code = 'out_of_scope'"),
            "1");
}

TEST_F(CtlKeyTasksTest, CatchingUpEndsTheLagAndFallingBehindAgainIsASecondProblem) {
  ASSERT_EQ(Q("SELECT lagging FROM tracking.key_task WHERE task_id = 'CA-QDM-1'"), "t");
  const std::vector<std::string> progress = {"act",
                                             "task-progress",
                                             "CA-QDM-1",
                                             "--completed",
                                             "600",
                                             "--evidence",
                                             "doc://chang-an/qdm-1122.pdf",
                                             "--request-id",
                                             "kt-progress-1"};
  const CtlResult first = Ctl(progress, "changan-gov");
  ASSERT_EQ(first.status, 0) << first.out << first.err;
  EXPECT_TRUE(Contains(first.out, "task CA-QDM-1: 600 of 1200 done")) << first.out;
  EXPECT_FALSE(Contains(first.out, "behind")) << first.out;
  const CtlResult retry = Ctl(progress, "changan-gov");
  ASSERT_EQ(retry.status, 0) << retry.out << retry.err;
  EXPECT_TRUE(Contains(retry.out, "replayed")) << retry.out;
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.key_task_progress"), "1");
  ASSERT_TRUE(
      AwaitValue("SELECT lagging FROM tracking.key_task WHERE task_id = 'CA-QDM-1'", "f", 10000));
  EXPECT_EQ(Q("SELECT count(*) FROM tracking.outbox WHERE type = 'tracking.task_on_track'"), "1");

  // Three weeks on, 600 of 1200 is behind again: a second episode, a second problem.
  TestCluster::Get().Exec("UPDATE ref.sim_clock SET now_ms = 1513303200000");  // 12-15 10:00+08
  ASSERT_TRUE(
      AwaitValue("SELECT count(*) FROM intake.report WHERE submission_id = "
                 "'task:CA-QDM-1:2'",
                 "1", 30000))
      << fleet_->LogOf("tracking");
  EXPECT_EQ(Q("SELECT lag_episodes FROM tracking.key_task WHERE task_id = 'CA-QDM-1'"), "2");
  EXPECT_TRUE(
      AwaitValue("SELECT count(*) FROM tracking.ledger WHERE channel = 'key_task'", "4", 30000));
}

TEST_F(CtlKeyTasksTest, TheSummaryShowsCompletionAndTheTasksBehindToTheCenterNotToABody) {
  const CtlResult r = Ctl({"tasks", "--counties"}, "center-duty-1");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out, "key tasks on 2017-12-15: 3 tasks, 0 done, 3 behind")) << r.out;
  EXPECT_TRUE(Contains(r.out, "石家庄市")) << r.out;
  EXPECT_TRUE(Contains(r.out, "农村清洁供暖")) << r.out;
  EXPECT_TRUE(Contains(r.out, "长安区")) << r.out;
  EXPECT_TRUE(Contains(r.out, "600/")) << r.out;
  EXPECT_TRUE(Contains(r.out, "task:CA-QDM-1:2")) << r.out;
  const CtlResult city = Ctl({"tasks", "--city", "130200"}, "operator-1");  // 唐山: no tasks
  ASSERT_EQ(city.status, 0) << city.out << city.err;
  EXPECT_TRUE(Contains(city.out, "0 tasks")) << city.out;
  const CtlResult bad = Ctl({"tasks", "--city", "130102"}, "operator-1");  // a county
  EXPECT_EQ(bad.status, 1);
  EXPECT_TRUE(Contains(bad.err, "unknown_jurisdiction")) << bad.err;
  // The coverage view carries each county's completion: 长安区 has 600/1200 and 0/40, both behind.
  const CtlResult coverage = Ctl({"coverage", "--round", "3", "--csv"}, "operator-1");
  ASSERT_EQ(coverage.status, 0) << coverage.out << coverage.err;
  EXPECT_TRUE(Contains(coverage.out, "130102,长安区,130100,石家庄市,no,,0,25%,2,")) << coverage.out;
  const CtlResult body = Ctl({"tasks"}, "changan-gov");
  EXPECT_EQ(body.status, 1);
  EXPECT_TRUE(Contains(body.err, "forbidden")) << body.err;
}

}  // namespace
}  // namespace ducha::testing
