// ducha-ctl as the enforcement bureau, a commissioner office and an operator run it, against
// real intake, dispatch, tracking and review processes: a claimed rectification becomes a
// re-inspection task, the bureau fails it, the office's verified opinion makes a quantified
// recommendation, a stricter rule table's what-if shows the change, the enterprise's credit and
// the blacklist's threshold, and review's hash-chained history verified before and after a
// superuser edits one of its lines.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/db/db.h"
#include "common/ref/ref_store.h"
#include "tests/support/ctl_runner.h"
#include "tests/support/fleet.h"
#include "tests/support/test_cluster.h"

namespace ducha::testing {
namespace {

constexpr const char* kEnterprise = "91130100MA07L7XT37";

std::string Q(const std::string& sql) { return TestCluster::Get().QueryValue(sql); }

std::string NthLine(const std::string& text, int n) {
  std::istringstream in(text);
  std::string line;
  for (int i = 0; i <= n && std::getline(in, line); ++i) {
  }
  return line;
}

// The index of the first line of `text` holding every needle, or -1 (tables align their columns
// with blanks, so a row is found by its cells, not by their spacing).
int LineWith(const std::string& text, const std::vector<std::string>& needles) {
  std::istringstream in(text);
  int index = 0;
  for (std::string line; std::getline(in, line); ++index) {
    bool all = true;
    for (const std::string& n : needles) all = all && Contains(line, n);
    if (all) return index;
  }
  return -1;
}

class CtlReviewTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fleet_ = std::make_unique<Fleet>(
        std::vector<std::string>{"intake", "dispatch", "tracking", "review", "bulletin"});
    ctl_ = std::make_unique<CtlRunner>(*fleet_);
    Register("operator-1", auth::Role::kOperator, {});
    // The secret keys of the people the fleet registered, for ducha-ctl's --key-file.
    WriteKey("integration", fleet_->integration_keys().secret_z85);
    for (const char* person : {"body", "bureau", "commissioner"}) {
      WriteKey(person, fleet_->KeysOf(person).secret_z85);
    }
    fleet_->StartAll();
    for (const char* s : {"intake", "dispatch", "tracking", "review", "bulletin"}) {
      if (!fleet_->AwaitReady(s)) {
        ADD_FAILURE() << s << " did not start:\n" << fleet_->LogOf(s);
        return;
      }
    }
    // A problem central media exposed in 长安区 (always listed, so always re-inspected), naming
    // an enterprise; the district claims it rectified.
    problem_ = Report("ctl-review-changan", "130102");
    if (problem_ == 0) return;
    const std::string id = std::to_string(problem_);
    if (!AwaitValue("SELECT state FROM tracking.ledger WHERE problem_id = " + id,
                    "in_rectification", 20000)) {
      ADD_FAILURE() << "tracking has no ledger entry:\n" << fleet_->LogOf("tracking");
      problem_ = 0;
      return;
    }
    const CtlResult claim = Ctl(Join({"act", "claim", id, "--description", "裸土已全部覆盖",
                                      "--evidence", "photo:claim-1.jpg", "--request-id", "t-claim"},
                                     As("body", "tracking")));
    if (claim.status != 0) {
      ADD_FAILURE() << "the claim failed: " << claim.out << claim.err;
      problem_ = 0;
      return;
    }
    if (!AwaitValue("SELECT state FROM review.task WHERE problem_id = " + id, "open", 20000)) {
      ADD_FAILURE() << "review made no open task:\n" << fleet_->LogOf("review");
      problem_ = 0;
      return;
    }
    task_ = std::stoll(Q("SELECT task_id FROM review.task WHERE problem_id = " + id));
    group_ = Q("SELECT group_id FROM review.task WHERE problem_id = " + id);
  }

  static void TearDownTestSuite() {
    ctl_.reset();
    fleet_.reset();
  }

  void SetUp() override {
    ASSERT_GT(problem_, 0) << "the fleet did not come up (see the suite's failure)";
  }

  static void WriteKey(const std::string& name, const std::string& secret) {
    ctl_->WriteKey(name, secret);
  }

  static void Register(const std::string& name, auth::Role role, std::vector<std::string> scope) {
    ctl_->Register(name, role, std::move(scope));
  }

  static CtlResult Ctl(const std::vector<std::string>& args) { return ctl_->Run(args); }

  static std::vector<std::string> As(const std::string& identity,
                                     const std::string& service = "review") {
    return ctl_->As(identity, service);
  }

  // Submits one report through ducha-ctl submit; returns its problem (the report's id).
  static std::int64_t Report(const std::string& submission_id, const std::string& county) {
    const std::string file = fleet_->dir() + "/" + submission_id + ".json";
    std::ofstream(file) << nlohmann::json{
        {"submission_id", submission_id},
        {"channel", "central_media"},
        {"jurisdiction", county},
        {"category", "dust"},
        {"severity", "serious"},
        {"title", "央媒曝光：搅拌站扬尘"},
        {"description", "测试：混凝土搅拌站露天堆料未苫盖，扬尘严重。"},
        {"observed_at", "2017-11-22T08:00:00+08:00"},
        {"reported_at", "2017-11-22T09:00:00+08:00"},
        {"enterprise", {{"name", "石家庄某建材有限公司"}, {"credit_code", kEnterprise}}}};
    const CtlResult r = Ctl(Join({"submit", file}, As("integration", "intake")));
    if (r.status != 0) {
      ADD_FAILURE() << "submit failed: " << r.out << r.err;
      return 0;
    }
    const std::string id =
        Q("SELECT report_id FROM intake.report WHERE submission_id = '" + submission_id + "'");
    return id.empty() ? 0 : std::stoll(id);
  }

  static std::string WriteFile(const std::string& name, const std::string& text) {
    return ctl_->WriteFile(name, text);
  }

  // The campaign's rule table with the failed re-inspection's points changed.
  static std::string RulesWithFailedPoints(const std::string& name, int points) {
    auto rules = nlohmann::ordered_json::parse(
        ReadAll(SourceDir() + "/deploy/campaigns/hebei-2017-2018/accountability.json"));
    rules["version"] = 2;
    rules["facts"]["failed_reinspection"]["points_each"] = points;
    return WriteFile(name, rules.dump(2));
  }

  static inline std::unique_ptr<Fleet> fleet_;
  static inline std::unique_ptr<CtlRunner> ctl_;
  static inline std::int64_t problem_ = 0;
  static inline std::int64_t task_ = 0;
  static inline std::string group_;
};

TEST_F(CtlReviewTest, AFailedReinspectionAVerifiedOpinionAndTheirChainThroughTheCli) {
  const std::string id = std::to_string(problem_);
  const std::string task = std::to_string(task_);

  // The open task, with its city's name, listed, and the covert group sent.
  const CtlResult tasks = Ctl({"review", "tasks", "--state", "open"});
  ASSERT_EQ(tasks.status, 0) << tasks.out << tasks.err;
  const int row =
      LineWith(tasks.out, {" " + id + " ", "石家庄市", " listed ", " " + group_ + " ", " open "});
  ASSERT_GE(row, 0) << tasks.out;
  EXPECT_EQ(NthLine(tasks.out, row).rfind(task + " ", 0), 0u) << tasks.out;

  // Before any re-inspection failed there is nothing for the office to rule on.
  const CtlResult early = Ctl(Join(
      {"review", "opinion", id, "--verified", "yes", "--opinion", "整改敷衍"}, As("commissioner")));
  EXPECT_EQ(early.status, 1);
  EXPECT_TRUE(Contains(early.err, "error: not_referred problem_id: ")) << early.err;

  // Refusals name the code and the field: the role, the kind of group, the missing findings.
  const CtlResult office = Ctl(Join(
      {"review", "reinspect", task, "--passed", "no", "--findings", "仍在使用", "--group", group_},
      As("commissioner")));
  EXPECT_EQ(office.status, 1);
  EXPECT_TRUE(Contains(office.err, "error: forbidden: ")) << office.err;
  const CtlResult supervision = Ctl(Join(
      {"review", "reinspect", task, "--passed", "no", "--findings", "仍在使用", "--group", "SG1"},
      As("bureau")));
  EXPECT_EQ(supervision.status, 1);
  EXPECT_TRUE(Contains(supervision.err, "error: not_covert group_id: SG1 is a supervision group"))
      << supervision.err;
  const CtlResult no_findings =
      Ctl(Join({"review", "reinspect", task, "--passed", "no", "--group", group_}, As("bureau")));
  EXPECT_EQ(no_findings.status, 1);
  EXPECT_TRUE(Contains(no_findings.err, "error: missing_field findings: ")) << no_findings.err;
  EXPECT_EQ(Q("SELECT state FROM review.task WHERE task_id = " + task), "open");

  // The bureau's covert group finds the yard still uncovered; a retry is replayed.
  const auto reinspect = Join({"review", "reinspect", task, "--passed", "no", "--findings",
                               "料堆仍未苫盖", "--group", group_, "--request-id", "t-reinspect-1"},
                              As("bureau"));
  const CtlResult failed = Ctl(reinspect);
  ASSERT_EQ(failed.status, 0) << failed.out << failed.err;
  EXPECT_EQ(failed.out, "problem " + id + ", task " + task + ": reopened\n");
  const CtlResult retry = Ctl(reinspect);
  ASSERT_EQ(retry.status, 0) << retry.out << retry.err;
  EXPECT_TRUE(Contains(retry.out, "reopened (replayed: the answer already given to t-reinspect-1)"))
      << retry.out;
  EXPECT_EQ(Q("SELECT count(*) FROM review.history WHERE problem_id = " + id +
              " AND what = 'reinspection_failed'"),
            "1");
  const CtlResult failed_tasks = Ctl({"review", "tasks", "--state", "failed", "--csv"});
  ASSERT_EQ(failed_tasks.status, 0) << failed_tasks.err;
  EXPECT_TRUE(Contains(failed_tasks.out, "\xEF\xBB\xBFtask_id,problem_id,claim_no,city,city_name,"))
      << failed_tasks.out;
  EXPECT_TRUE(Contains(failed_tasks.out, task + "," + id + ",1,130100,石家庄市,listed,"))
      << failed_tasks.out;

  // The office verifies it: 5 (failed) + 5 (listed and failed) + 3 (perfunctory) = 13, 通报批评.
  const CtlResult opinion = Ctl(Join(
      {"--json", "review", "opinion", id, "--verified", "yes", "--facts", "perfunctory_claim",
       "--units", "长安区人民政府", "--officials", "某某某", "--opinion", "整改敷衍，建议通报批评"},
      As("commissioner")));
  ASSERT_EQ(opinion.status, 0) << opinion.out << opinion.err;
  EXPECT_TRUE(Contains(opinion.err, "request id ctl-opinion-")) << opinion.err;
  const auto done = nlohmann::json::parse(opinion.out);
  EXPECT_EQ(done["type"], "review.done");
  EXPECT_EQ(done["body"]["outcome"], "recommended");
  EXPECT_EQ(Q("SELECT level || ' ' || points FROM review.recommendation WHERE problem_id = " + id),
            "criticism_notice 13");

  // The case's timeline has review's lines beside dispatch's and tracking's.
  const CtlResult c = Ctl({"case", id});
  ASSERT_EQ(c.status, 0) << c.out << c.err;
  EXPECT_TRUE(Contains(c.out, "  review    ")) << c.out;
  EXPECT_GE(
      LineWith(c.out, {" review ", " reinspection_failed ", " fleet-bureau ", "料堆仍未苫盖"}), 0)
      << c.out;
  EXPECT_GE(LineWith(c.out, {" review ", " recommended ",
                             "通报批评 (criticism_notice), 13 points under rules v1"}),
            0)
      << c.out;
  const int claimed = LineWith(c.out, {" tracking ", " fleet-body "});
  const int task_created = LineWith(c.out, {" review ", " task_created ", " review "});
  EXPECT_GE(claimed, 0) << c.out;
  EXPECT_LT(claimed, task_created) << c.out;

  // What-if: the campaign's own table changes nothing; a stricter one raises the level.
  const CtlResult same = Ctl(
      {"review", "what-if", SourceDir() + "/deploy/campaigns/hebei-2017-2018/accountability.json"});
  ASSERT_EQ(same.status, 0) << same.out << same.err;
  EXPECT_TRUE(Contains(same.out, "1 case(s), 0 would change")) << same.out;
  const std::string stricter = RulesWithFailedPoints("stricter.json", 10);
  const CtlResult what_if = Ctl({"review", "what-if", stricter});
  ASSERT_EQ(what_if.status, 0) << what_if.out << what_if.err;
  EXPECT_GE(LineWith(what_if.out, {id + " ", "通报批评 criticism_notice", " 13 ", " v1 ",
                                   "约谈 interview", " 18 ", " v2"}),
            0)
      << what_if.out;
  EXPECT_TRUE(Contains(what_if.out, "1 case(s), 1 would change")) << what_if.out;
  const CtlResult what_if_json = Ctl({"--json", "review", "what-if", stricter});
  ASSERT_EQ(what_if_json.status, 0) << what_if_json.err;
  const auto w = nlohmann::json::parse(what_if_json.out);
  EXPECT_EQ(w["cases"], 1);
  ASSERT_EQ(w["changes"].size(), 1u);
  EXPECT_EQ(w["changes"][0]["problem_id"], problem_);
  EXPECT_EQ(w["changes"][0]["recorded"]["level"], "criticism_notice");
  EXPECT_EQ(w["changes"][0]["under_file"]["level"], "interview");
  EXPECT_EQ(w["changes"][0]["under_file"]["points"], 18);

  // The decision taken, at a level of the table.
  const CtlResult unknown_level = Ctl(Join(
      {"review", "decision", id, "--decision", "约谈", "--level", "scolding"}, As("commissioner")));
  EXPECT_EQ(unknown_level.status, 1);
  EXPECT_TRUE(Contains(unknown_level.err, "error: unknown_level level: ")) << unknown_level.err;
  const CtlResult decision = Ctl(Join({"review", "decision", id, "--decision",
                                       "市政府对长安区政府通报批评", "--level", "criticism_notice"},
                                      As("commissioner")));
  ASSERT_EQ(decision.status, 0) << decision.out << decision.err;
  EXPECT_EQ(decision.out, "problem " + id + ": decision_recorded\n");

  // The enterprise: 4 (a serious violation) + 3 (the failed re-inspection) = 7, red.
  const CtlResult list = Ctl({"blacklist", "list"});
  ASSERT_EQ(list.status, 0) << list.out << list.err;
  EXPECT_TRUE(Contains(list.out, "at 2017-11-22T10:00:00+08:00 (fleet clock)")) << list.out;
  EXPECT_GE(LineWith(list.out, {kEnterprise, "石家庄某建材有限公司", " 7 ", " red 红色"}), 0)
      << list.out;
  const CtlResult history = Ctl({"blacklist", "history", kEnterprise});
  ASSERT_EQ(history.status, 0) << history.out << history.err;
  EXPECT_TRUE(Contains(history.out, "7 points at 2017-11-22T10:00:00+08:00")) << history.out;
  EXPECT_LT(history.out.find("colour yellow 黄色"), history.out.find("colour red 红色"))
      << history.out;
  EXPECT_NE(history.out.find("colour red 红色"), std::string::npos) << history.out;

  // The chain holds, as many lines as review wrote.
  const std::string count = Q("SELECT count(*) FROM review.history WHERE problem_id = " + id);
  const CtlResult intact = Ctl({"audit", "verify", id});
  ASSERT_EQ(intact.status, 0) << intact.out << intact.err;
  EXPECT_EQ(intact.out, "chain of problem " + id + ": " + count + " lines, intact\n");
  const CtlResult all = Ctl({"audit", "verify", "--all"});
  EXPECT_EQ(all.status, 0) << all.out << all.err;
  EXPECT_TRUE(Contains(all.out, "1 chain(s) verified: 1 intact, 0 broken")) << all.out;

  // A superuser edits the opinion's line: the chain breaks there, and the command says so.
  const std::string edited = Q("SELECT id FROM review.history WHERE problem_id = " + id +
                               " AND what = 'opinion_recorded'");
  ASSERT_FALSE(edited.empty());
  TestCluster::Get().Exec("UPDATE review.history SET detail = 'verified: 整改到位' WHERE id = " +
                          edited);
  const CtlResult broken = Ctl({"audit", "verify", id});
  EXPECT_EQ(broken.status, 1) << broken.out << broken.err;
  EXPECT_EQ(broken.out, "chain of problem " + id + ": " + count + " lines, broken at line " +
                            edited + ": line " + edited + " was changed after it was written\n");
  const CtlResult broken_all = Ctl({"--json", "audit", "verify", "--all"});
  EXPECT_EQ(broken_all.status, 1);
  const auto verdicts = nlohmann::json::parse(broken_all.out);
  ASSERT_EQ(verdicts.size(), 1u);
  EXPECT_EQ(verdicts[0]["intact"], false);
  EXPECT_EQ(verdicts[0]["broken_line"], std::stoll(edited));
}

TEST_F(CtlReviewTest, TheBlacklistNeedsTwelvePointsAndAnOperator) {
  const CtlResult below =
      Ctl(Join({"blacklist", "confirm", kEnterprise, "--reason", "扬尘严重"}, As("operator-1")));
  EXPECT_EQ(below.status, 1) << below.out << below.err;
  EXPECT_TRUE(Contains(below.err, "error: below_threshold enterprise: 石家庄某建材有限公司 has "))
      << below.err;
  EXPECT_TRUE(Contains(below.err, "the blacklist needs 12 or more")) << below.err;
  const CtlResult delist =
      Ctl(Join({"blacklist", "delist", kEnterprise, "--reason", "信用修复"}, As("operator-1")));
  EXPECT_EQ(delist.status, 1);
  EXPECT_TRUE(Contains(delist.err, "error: not_blacklisted enterprise: ")) << delist.err;
  const CtlResult unknown =
      Ctl(Join({"blacklist", "confirm", "name:不存在的企业", "--reason", "x"}, As("operator-1")));
  EXPECT_EQ(unknown.status, 1);
  EXPECT_TRUE(Contains(unknown.err, "error: unknown_enterprise enterprise: ")) << unknown.err;
  const CtlResult bureau =
      Ctl(Join({"blacklist", "confirm", kEnterprise, "--reason", "x"}, As("bureau")));
  EXPECT_EQ(bureau.status, 1);
  EXPECT_TRUE(Contains(bureau.err, "error: forbidden: ")) << bureau.err;
  EXPECT_EQ(Q("SELECT count(*) FROM review.blacklist_history"), "0");
  const CtlResult history = Ctl({"blacklist", "history", "name:不存在的企业"});
  EXPECT_EQ(history.status, 1);
  EXPECT_TRUE(Contains(history.err, "error: unknown_enterprise: ")) << history.err;
}

TEST_F(CtlReviewTest, ABadRuleTableIsRefusedWithTheFieldAndMessage) {
  const CtlResult unknown = Ctl({"review", "what-if", WriteFile("unknown-fact.json", R"({
      "version": 2, "facts": {"late_by_feel": {"display_name": "凭感觉", "points_each": 1}},
      "levels": [{"name": "a", "display_name": "甲", "min_points": 1}]})")});
  EXPECT_EQ(unknown.status, 1);
  EXPECT_TRUE(Contains(unknown.err, "error: unknown_fact facts.late_by_feel: ")) << unknown.err;
  EXPECT_TRUE(unknown.out.empty()) << unknown.out;
  const CtlResult overlap = Ctl({"review", "what-if", WriteFile("overlap.json", R"({
      "version": 2, "facts": {"failed_reinspection": {"display_name": "复查未通过",
      "points_each": 5}}, "levels": [
        {"name": "a", "display_name": "甲", "min_points": 1, "max_points": 10},
        {"name": "b", "display_name": "乙", "min_points": 8}]})")});
  EXPECT_EQ(overlap.status, 1);
  EXPECT_TRUE(Contains(overlap.err, "error: overlapping_levels levels[1]: ")) << overlap.err;
  const CtlResult missing = Ctl({"review", "what-if", fleet_->dir() + "/no-such-rules.json"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_TRUE(Contains(missing.err, "error: not_found: cannot read the rule table")) << missing.err;
}

TEST_F(CtlReviewTest, AnAuditOfAProblemReviewNeverSawIsUnknown) {
  const CtlResult r = Ctl({"audit", "verify", "999999999"});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(Contains(r.err, "error: unknown_problem: ")) << r.err;
  const CtlResult usage = Ctl({"review", "tasks", "--state", "closed"});
  EXPECT_EQ(usage.status, 1);
  EXPECT_TRUE(Contains(usage.err, "error: usage: ")) << usage.err;
}

TEST_F(CtlReviewTest, TheOperatorRoleReadsReviewsTablesButNeverTheOfficialsNames) {
  for (const char* table :
       {"review.history", "review.task", "review.recommendation", "review.opinion",
        "review.case_facts", "review.enterprise", "review.credit_entry", "review.colour_history",
        "review.blacklist_history"}) {
    EXPECT_EQ(
        Q(std::string("SELECT has_table_privilege('ducha_operator', '") + table + "', 'SELECT')"),
        "t")
        << table;
  }
  EXPECT_EQ(Q("SELECT has_table_privilege('ducha_operator', 'review.responsible_official', "
              "'SELECT')"),
            "f");
  for (const char* write : {"INSERT", "UPDATE", "DELETE"}) {
    EXPECT_EQ(Q(std::string("SELECT has_table_privilege('ducha_operator', 'review.history', '") +
                write + "')"),
              "f")
        << write;
  }
}

// The bulletin's operator commands: a week's bulletin previewed and its sends listed, a resend on
// purpose, and the public disclosure published now.
TEST_F(CtlReviewTest, AnOperatorPreviewsResendsAndPublishesThroughTheBulletinsEndpoint) {
  const auto to_bulletin = [&] {
    return std::vector<std::string>{"--endpoint",   fleet_->CommandEndpoint("bulletin"),
                                    "--server-key", fleet_->PublicKeyFile("bulletin"),
                                    "--key-file",   fleet_->dir() + "/operator-1.key",
                                    "--timeout-ms", "20000"};
  };
  auto with = [](std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  // The fleet clock is Wednesday 2017-11-22: the bulletin of Saturday 11-18 is due and goes out.
  ASSERT_TRUE(
      AwaitValue("SELECT count(*) FROM bulletin.send_status WHERE week = '2017-11-18' "
                 "AND list = 'provincial' AND state = 'sent'",
                 "1", 60000))
      << fleet_->LogOf("bulletin");
  const std::string html = fleet_->dir() + "/preview.html";
  const CtlResult preview =
      Ctl(with({"bulletin", "preview", "2017-11-18", "--html", html}, to_bulletin()));
  ASSERT_EQ(preview.status, 0) << preview.out << preview.err;
  EXPECT_TRUE(Contains(preview.out, "期 2017-11-11 .. 2017-11-17, generated")) << preview.out;
  std::ifstream page(html);
  std::stringstream page_text;
  page_text << page.rdbuf();
  EXPECT_TRUE(Contains(page_text.str(), "<html")) << "the HTML was saved";

  const CtlResult status = Ctl({"bulletin", "status", "--week", "2017-11-18"});
  ASSERT_EQ(status.status, 0) << status.out << status.err;
  EXPECT_GE(LineWith(status.out, {"2017-11-18", "provincial", "sent"}), 1) << status.out;

  const CtlResult resend = Ctl(
      with({"bulletin", "resend", "2017-11-18", "--list", "provincial", "--reason", "领导要求补发"},
           to_bulletin()));
  ASSERT_EQ(resend.status, 0) << resend.out << resend.err;
  EXPECT_TRUE(Contains(resend.out, "1 send(s) queued")) << resend.out;
  EXPECT_TRUE(Contains(resend.out, "provincial send 2")) << resend.out;
  EXPECT_TRUE(
      AwaitValue("SELECT state FROM bulletin.send_status WHERE week = '2017-11-18' AND "
                 "list = 'provincial' AND send_no = 2",
                 "sent", 30000));

  // A send that failed waits for its next retry; `bulletin send` makes it due now.
  TestCluster::Get().Exec(
      "UPDATE bulletin.send SET state = 'failed', last_error = 'smtp down', next_attempt_at = "
      "9999999999999 WHERE document = 'bulletin' AND list = 'city-130100' AND send_no = 1 AND "
      "issue = (SELECT issue FROM bulletin.send_status WHERE week = '2017-11-18' LIMIT 1)");
  const CtlResult failing = Ctl({"bulletin", "status", "--week", "2017-11-18"});
  EXPECT_EQ(failing.status, 1) << "a failing send makes the status exit 1";
  const CtlResult now = Ctl(with({"bulletin", "send", "2017-11-18"}, to_bulletin()));
  ASSERT_EQ(now.status, 0) << now.out << now.err;
  EXPECT_TRUE(Contains(now.out, "1 send(s) due now")) << now.out;
  EXPECT_TRUE(Contains(now.out, "city-130100 send 1")) << now.out;
  EXPECT_TRUE(
      AwaitValue("SELECT state FROM bulletin.send_status WHERE week = '2017-11-18' AND "
                 "list = 'city-130100' AND send_no = 1",
                 "sent", 30000));
  const CtlResult nothing = Ctl(with({"bulletin", "send", "2017-11-18"}, to_bulletin()));
  EXPECT_TRUE(Contains(nothing.out, "every list has its mail")) << nothing.out;
  const CtlResult future = Ctl(with({"bulletin", "send", "2018-03-31"}, to_bulletin()));
  EXPECT_EQ(future.status, 1);
  EXPECT_TRUE(Contains(future.err, "error: not_generated")) << future.err;

  // Not an operator: refused, with the stable code.
  const CtlResult refused =
      Ctl({"bulletin", "resend", "2017-11-18", "--reason", "x", "--endpoint",
           fleet_->CommandEndpoint("bulletin"), "--server-key", fleet_->PublicKeyFile("bulletin"),
           "--key-file", fleet_->dir() + "/body.key"});
  EXPECT_EQ(refused.status, 1);
  EXPECT_TRUE(Contains(refused.err, "error: forbidden")) << refused.err;

  const CtlResult published =
      Ctl(with({"disclosure", "publish", "--reason", "测试发布"}, to_bulletin()));
  ASSERT_EQ(published.status, 0) << published.out << published.err;
  EXPECT_TRUE(Contains(published.out, fleet_->dir() + "/site")) << published.out;
  EXPECT_TRUE(std::filesystem::exists(fleet_->dir() + "/site/current/index.html"));
}

// An operator replays a stream into a consumer whose applying is idempotent (the bulletin's
// projection): it is applied again and nothing changes. A consumer that is not idempotent says
// why it refuses, and a replay cannot skip events.
TEST_F(CtlReviewTest, AReplayReappliesAnIdempotentConsumersStreamAndOthersRefuseItSayingWhy) {
  auto as_operator = [&](const std::string& service) {
    return std::vector<std::string>{"--endpoint",   fleet_->CommandEndpoint(service),
                                    "--server-key", fleet_->PublicKeyFile(service),
                                    "--key-file",   fleet_->dir() + "/operator-1.key",
                                    "--timeout-ms", "20000"};
  };
  auto with = [](std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  const std::string head = "SELECT last_seq FROM intake.stream_head WHERE stream = 'reports'";
  const std::string cursor =
      "SELECT applied_seq FROM bulletin.stream_cursor WHERE producer = "
      "'intake' AND stream = 'reports'";
  ASSERT_TRUE(AwaitValue(cursor, TestCluster::Get().QueryValue(head), 30000));
  const std::string reports = TestCluster::Get().QueryValue("SELECT count(*) FROM bulletin.report");
  ASSERT_NE(reports, "0");

  const CtlResult replay =
      Ctl(with({"replay", "intake/reports", "--from", "1"}, as_operator("bulletin")));
  ASSERT_EQ(replay.status, 0) << replay.out << replay.err;
  EXPECT_TRUE(Contains(replay.out, "intake/reports: replaying from 1")) << replay.out;
  // The idle stream's consumer notices the moved cursor at its next heartbeat and catches up.
  EXPECT_TRUE(AwaitValue(cursor, TestCluster::Get().QueryValue(head), 30000))
      << fleet_->LogOf("bulletin");
  EXPECT_TRUE(Contains(fleet_->LogOf("bulletin"), "(a replay); fetching from there"));
  EXPECT_EQ(TestCluster::Get().QueryValue("SELECT count(*) FROM bulletin.report"), reports);
  EXPECT_EQ(TestCluster::Get().QueryValue("SELECT count(*) FROM bulletin.dead_letter"), "0");

  const CtlResult unsafe =
      Ctl(with({"replay", "dispatch/assignments", "--from", "1"}, as_operator("tracking")));
  EXPECT_EQ(unsafe.status, 1);
  EXPECT_TRUE(Contains(unsafe.err,
                       "error: not_replayable stream: tracking cannot replay "
                       "dispatch/assignments: an assignment opens a ledger entry"))
      << unsafe.err;
  const CtlResult skipping =
      Ctl(with({"replay", "intake/reports", "--from", "999999"}, as_operator("dispatch")));
  EXPECT_EQ(skipping.status, 1);
  EXPECT_TRUE(Contains(skipping.err, "error: beyond_position from_seq")) << skipping.err;
  const CtlResult unknown =
      Ctl(with({"replay", "intake/visits", "--from", "1"}, as_operator("review")));
  EXPECT_TRUE(Contains(unknown.err,
                       "error: unknown_stream stream: review does not follow "
                       "intake/visits"))
      << unknown.err;
  const CtlResult not_operator =
      Ctl({"replay", "intake/reports", "--from", "1", "--endpoint",
           fleet_->CommandEndpoint("bulletin"), "--server-key", fleet_->PublicKeyFile("bulletin"),
           "--key-file", fleet_->dir() + "/body.key"});
  EXPECT_TRUE(Contains(not_operator.err, "error: forbidden")) << not_operator.err;
}

}  // namespace
}  // namespace ducha::testing
