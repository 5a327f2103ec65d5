// ducha-ctl as operators, bodies and the supervision center run it, against real intake, dispatch
// and tracking processes: a body's actions on tracking's ledger (and the scope that bounds them),
// the ranking import (nothing is sent from a file with a bad row), the coverage matrix, a group's
// daily report, and a problem's history read from both schemas as ducha_operator.

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

#include "common/campaign/loader.h"
#include "common/db/db.h"
#include "common/ref/ref_store.h"
#include "tests/support/ctl_runner.h"
#include "tests/support/fleet.h"
#include "tests/support/test_cluster.h"

namespace ducha::testing {
namespace {

std::vector<std::string> Lines(const std::string& text, const std::string& sep = "\n") {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(sep, start);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(start, end - start));
    start = end + sep.size();
  }
  return out;
}

class CtlTrackingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fleet_ = std::make_unique<Fleet>(std::vector<std::string>{"intake", "dispatch", "tracking"});
    ctl_ = std::make_unique<CtlRunner>(*fleet_);
    // The identities the commands run as (the fleet registered the services and an integration).
    Register("changan-gov", auth::Role::kBody, {"130102"});  // 长安区人民政府
    Register("center-duty-1", auth::Role::kSupervisionCenter, {});
    Register("operator-1", auth::Role::kOperator, {});
    std::ofstream(fleet_->dir() + "/integration.key") << fleet_->integration_keys().secret_z85;
    fleet_->StartAll();
    for (const char* s : {"intake", "dispatch", "tracking"}) {
      if (!fleet_->AwaitReady(s)) {
        ADD_FAILURE() << s << " did not start:\n" << fleet_->LogOf(s);
        return;
      }
    }
    // Two problems a central medium reported (rectification, assigned to the county
    // governments): one in 长安区, one in 桥西区.
    changan_problem_ = Report("ctl-test-changan", "130102");
    qiaoxi_problem_ = Report("ctl-test-qiaoxi", "130104");
    if (!AwaitValue("SELECT count(*) FROM tracking.ledger", "2", 20000)) {
      ADD_FAILURE() << "tracking has no ledger entries:\n" << fleet_->LogOf("tracking");
      changan_problem_ = qiaoxi_problem_ = 0;
    }
  }

  static void TearDownTestSuite() {
    ctl_.reset();
    fleet_.reset();
  }

  void SetUp() override {
    ASSERT_GT(changan_problem_, 0) << "the fleet did not come up (see the suite's failure)";
  }

  static void Register(const std::string& name, auth::Role role, std::vector<std::string> scope) {
    ctl_->Register(name, role, std::move(scope));
  }

  static CtlResult Ctl(const std::vector<std::string>& args) { return ctl_->Run(args); }

  // The arguments that make a call to `service` as `identity`.
  static std::vector<std::string> As(const std::string& identity,
                                     const std::string& service = "tracking") {
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
        {"title", "工地扬尘未治理"},
        {"description", "测试：建筑工地裸土未覆盖，渣土车带泥上路。"},
        {"observed_at", "2017-11-22T08:00:00+08:00"},
        {"reported_at", "2017-11-22T09:00:00+08:00"}};
    const CtlResult r = Ctl(Join({"submit", file}, As("integration", "intake")));
    if (r.status != 0) {
      ADD_FAILURE() << "submit failed: " << r.out << r.err;
      return 0;
    }
    const std::string id = TestCluster::Get().QueryValue(
        "SELECT report_id FROM intake.report WHERE submission_id = '" + submission_id + "'");
    return id.empty() ? 0 : std::stoll(id);
  }

  static std::string Count(const std::string& sql) { return TestCluster::Get().QueryValue(sql); }

  static std::string WriteRanking(const std::string& name, const std::string& text) {
    return ctl_->WriteFile(name, text);
  }

  static inline std::unique_ptr<Fleet> fleet_;
  static inline std::unique_ptr<CtlRunner> ctl_;
  static inline std::int64_t changan_problem_ = 0;
  static inline std::int64_t qiaoxi_problem_ = 0;
};

TEST_F(CtlTrackingTest, ABodysProgressIsAnsweredWithTheStateAndARetryIsReplayed) {
  const auto id = std::to_string(changan_problem_);
  const auto args = Join({"act", "progress", id, "--text", "已责令停工，裸土已覆盖一半",
                          "--request-id", "t-progress-1"},
                         As("changan-gov"));
  const CtlResult first = Ctl(args);
  ASSERT_EQ(first.status, 0) << first.out << first.err;
  EXPECT_TRUE(Contains(first.out, "problem " + id + ": in_rectification, deadline 2017-"))
      << first.out;
  EXPECT_FALSE(Contains(first.out, "replayed")) << first.out;

  const CtlResult retry = Ctl(args);
  ASSERT_EQ(retry.status, 0) << retry.out << retry.err;
  EXPECT_TRUE(Contains(retry.out, "replayed")) << retry.out;
  EXPECT_EQ(Count("SELECT count(*) FROM tracking.history WHERE problem_id = " + id +
                  " AND what = 'progress' AND detail = '已责令停工，裸土已覆盖一半'"),
            "1");
}

TEST_F(CtlTrackingTest, WithoutARequestIdAFreshOneIsPrintedAndJsonGivesTheReply) {
  const CtlResult r =
      Ctl(Join({"--json", "act", "progress", std::to_string(changan_problem_), "--text", "已停工"},
               As("changan-gov")));
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(Contains(r.err, "request id ctl-progress-")) << r.err;
  const auto reply = nlohmann::json::parse(r.out);
  EXPECT_EQ(reply["type"], "tracking.action_done");
  EXPECT_EQ(reply["body"]["state"], "in_rectification");
  EXPECT_EQ(reply["body"]["problem_id"], changan_problem_);
}

TEST_F(CtlTrackingTest, ABodyActingOutsideItsScopeExitsOneWithOutOfScopeAndChangesNothing) {
  const auto id = std::to_string(qiaoxi_problem_);
  const CtlResult r =
      Ctl(Join({"act", "progress", id, "--text", "不是我们的问题"}, As("changan-gov")));
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_TRUE(Contains(r.err, "error: out_of_scope problem_id: changan-gov does not answer for"))
      << r.err;
  EXPECT_EQ(Count("SELECT count(*) FROM tracking.history WHERE problem_id = " + id +
                  " AND what = 'progress'"),
            "0");
}

TEST_F(CtlTrackingTest, TheSupervisionCenterApprovesTheExtensionABodyAskedFor) {
  const auto id = std::to_string(changan_problem_);
  const CtlResult ask = Ctl(
      Join({"act", "extend", id, "--days", "5", "--reason", "设备采购周期长"}, As("changan-gov")));
  ASSERT_EQ(ask.status, 0) << ask.out << ask.err;
  EXPECT_TRUE(Contains(ask.out, "extensions used 0")) << ask.out;
  const CtlResult decide =
      Ctl(Join({"act", "decide", id, "--approve", "yes", "--reason", "同意延期5个工作日"},
               As("center-duty-1")));
  ASSERT_EQ(decide.status, 0) << decide.out << decide.err;
  EXPECT_TRUE(Contains(decide.out, "in_rectification")) << decide.out;
  EXPECT_TRUE(Contains(decide.out, "extensions used 1")) << decide.out;
  // A body may not decide: the role is refused before anything is decided.
  const CtlResult body_decides = Ctl(
      Join({"act", "decide", id, "--approve", "yes", "--reason", "自己批准"}, As("changan-gov")));
  EXPECT_EQ(body_decides.status, 1);
  EXPECT_TRUE(Contains(body_decides.err, "error: forbidden")) << body_decides.err;
}

TEST_F(CtlTrackingTest, ARankingFileWithABadRowIsRefusedNamingTheLineAndNothingIsSent) {
  const std::string before = Count("SELECT count(*) FROM tracking.ranking_import");
  const std::string file = WriteRanking("ranking-bad.csv",
                                        "county,rank,pm25_change\n"
                                        "130102,1,12.5\n"
                                        "130104,x,3.0\n"
                                        "130105,3\n");
  const CtlResult r = Ctl(Join({"ranking", "import", file, "--priority", "1"}, As("operator-1")));
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_TRUE(Contains(r.err, "ranking-bad.csv:3: rank 'x' is not a whole number")) << r.err;
  EXPECT_TRUE(Contains(r.err, "ranking-bad.csv:4: expected 3 columns")) << r.err;
  EXPECT_TRUE(Contains(r.err, "error: bad_ranking_file: 2 line(s)")) << r.err;
  EXPECT_EQ(Count("SELECT count(*) FROM tracking.ranking_import"), before);
}

TEST_F(CtlTrackingTest, ARankingWithACodeThatIsNoCountyOfTheCampaignGetsUnknownCounty) {
  const std::string before = Count("SELECT count(*) FROM tracking.ranking_import");
  const std::string file = WriteRanking("ranking-unknown.csv",
                                        "county,rank,pm25_change\n"
                                        "130102,1,12.5\n"
                                        "110101,2,3.0\n");  // 北京市东城区
  const CtlResult r = Ctl(Join({"ranking", "import", file, "--priority", "1"}, As("operator-1")));
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_TRUE(Contains(r.err, "error: unknown_county rows[1].county: line 3: '110101'")) << r.err;
  EXPECT_EQ(Count("SELECT count(*) FROM tracking.ranking_import"), before);
}

TEST_F(CtlTrackingTest, AGoodRankingIsImportedWithItsPriorityCounties) {
  const std::string file = WriteRanking("ranking-2017-11.csv",
                                        "county,rank,pm25_change\n"
                                        "130102,1,12.5\n"
                                        "130104,2,-3.0\n"
                                        "130105,3,1.5\n");
  const CtlResult r = Ctl(Join({"ranking", "import", file, "--priority", "2"}, As("operator-1")));
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out, "imported the ranking ranking-2017-11.csv: 3 counties, 2 priority"))
      << r.out;
  EXPECT_EQ(Count("SELECT string_agg(county::text, ',' ORDER BY county) FROM tracking.ranking "
                  "WHERE priority"),
            "130102,130104");
  EXPECT_EQ(Count("SELECT source FROM tracking.ranking_import ORDER BY id DESC LIMIT 1"),
            "ranking-2017-11.csv");
}

TEST_F(CtlTrackingTest, CoverageAsCsvHasAHeaderAndOneLinePerCountyOfTheCampaign) {
  const auto campaign = campaign::LoadCampaign(SourceDir() + "/deploy/campaigns/hebei-2017-2018");
  ASSERT_TRUE(campaign.ok());
  const CtlResult r = Ctl(Join({"coverage", "--round", "3", "--csv"}, As("operator-1")));
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  std::vector<std::string> lines = Lines(r.out, "\r\n");
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0].rfind("\xEF\xBB\xBF"
                           "county,county_name,city,city_name,priority,rank,visits,",
                           0),
            0u)
      << lines[0];
  EXPECT_EQ(lines.size(), campaign->counties().size() + 1);
  bool changan = false;
  for (const std::string& l : lines) {
    if (l.rfind("130102,长安区,130100,石家庄市,", 0) == 0) changan = true;
  }
  EXPECT_TRUE(changan) << r.out;
  EXPECT_TRUE(Contains(r.err, "round 3: ")) << r.err;  // the summary, off the CSV

  // A round the campaign does not have is the service's refusal, not a crash.
  const CtlResult unknown = Ctl(Join({"coverage", "--round", "9"}, As("operator-1")));
  EXPECT_EQ(unknown.status, 1);
  EXPECT_TRUE(Contains(unknown.err, "error: unknown_round round:")) << unknown.err;
  // Only the supervision center and operators read it.
  const CtlResult body = Ctl(Join({"coverage", "--round", "3"}, As("changan-gov")));
  EXPECT_EQ(body.status, 1);
  EXPECT_TRUE(Contains(body.err, "error: forbidden")) << body.err;
}

TEST_F(CtlTrackingTest, ADailyReportNamesTheGroupAndAnUnknownGroupIsRefused) {
  const CtlResult r =
      Ctl(Join({"daily-report", "--group", "SG1", "--date", "2017-11-22"}, As("center-duty-1")));
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out, "SG1 第一督察组, 2017-11-22: ")) << r.out;
  const CtlResult unknown =
      Ctl(Join({"daily-report", "--group", "SG9", "--date", "2017-11-22"}, As("center-duty-1")));
  EXPECT_EQ(unknown.status, 1);
  EXPECT_TRUE(Contains(unknown.err, "error: unknown_group group_id:")) << unknown.err;
}

TEST_F(CtlTrackingTest, ACaseListsDispatchsAndTrackingsLinesInTimeOrder) {
  const auto id = std::to_string(changan_problem_);
  const CtlResult act =
      Ctl(Join({"act", "progress", id, "--text", "渣土车已冲洗上路", "--request-id", "t-case-1"},
               As("changan-gov")));
  ASSERT_EQ(act.status, 0) << act.err;
  const CtlResult r = Ctl({"case", id});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(Contains(r.out, "problem " + id + ": 工地扬尘未治理")) << r.out;
  EXPECT_TRUE(Contains(r.out, "  dispatch  rectification by 长安区人民政府 (130102")) << r.out;
  EXPECT_TRUE(Contains(r.out, "  tracking  in_rectification; assigned 2017-11-22")) << r.out;
  std::size_t dispatch_assigned = std::string::npos;
  std::size_t tracking_progress = std::string::npos;
  const std::vector<std::string> lines = Lines(r.out);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (Contains(lines[i], " dispatch ") && Contains(lines[i], " assigned ") &&
        dispatch_assigned == std::string::npos) {
      dispatch_assigned = i;
    }
    if (Contains(lines[i], " tracking ") && Contains(lines[i], " progress ") &&
        Contains(lines[i], "渣土车已冲洗上路")) {
      tracking_progress = i;
    }
  }
  ASSERT_NE(dispatch_assigned, std::string::npos) << r.out;
  ASSERT_NE(tracking_progress, std::string::npos) << r.out;
  EXPECT_LT(dispatch_assigned, tracking_progress) << r.out;
  EXPECT_TRUE(Contains(lines[tracking_progress], "changan-gov")) << r.out;

  const CtlResult unknown = Ctl({"case", "999999999"});
  EXPECT_EQ(unknown.status, 1);
  EXPECT_TRUE(Contains(unknown.err, "error: unknown_problem")) << unknown.err;
}

TEST_F(CtlTrackingTest, TheOperatorRoleReadsTrackingsTablesButStillNotReporterContacts) {
  for (const char* table : {"tracking.ledger", "tracking.history", "tracking.visit",
                            "tracking.ranking", "dispatch.problem", "dispatch.change_history"}) {
    EXPECT_EQ(Count(std::string("SELECT has_table_privilege('ducha_operator', '") + table +
                    "', 'SELECT')"),
              "t")
        << table;
  }
  EXPECT_EQ(Count("SELECT has_table_privilege('ducha_operator', 'intake.reporter_contact', "
                  "'SELECT')"),
            "f");
  EXPECT_EQ(Count("SELECT has_table_privilege('ducha_operator', 'tracking.ledger', 'INSERT')"),
            "f");
}

TEST_F(CtlTrackingTest, StatusShowsEveryServiceReadyWithItsStreamsAndADownOneFailsIt) {
  // Ready first: on a loaded machine a consumer may be between a lost fetch and its reconnect,
  // and status rightly shows that service not ready.
  for (const char* s : {"intake", "dispatch", "tracking"}) {
    ASSERT_TRUE(fleet_->AwaitReady(s)) << fleet_->LogOf(s);
  }
  const CtlResult ok = Ctl({"status", "--fleet", fleet_->fleet_file()});
  ASSERT_EQ(ok.status, 0) << ok.out << ok.err;
  const auto lines = Lines(ok.out);
  ASSERT_EQ(lines.size(), 4u) << ok.out;  // the header and three services
  EXPECT_TRUE(Contains(lines[1], "intake") && Contains(lines[1], "ready")) << ok.out;
  EXPECT_TRUE(Contains(lines[2], "dispatch") && Contains(lines[2], "intake/reports=0")) << ok.out;
  EXPECT_TRUE(Contains(lines[3], "tracking") && Contains(lines[3], "dispatch/assignments=0") &&
              Contains(lines[3], "0.1.0"))
      << ok.out;

  const CtlResult json = Ctl({"--json", "status", "--fleet", fleet_->fleet_file()});
  ASSERT_EQ(json.status, 0) << json.err;
  const auto parsed = nlohmann::json::parse(json.out);
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_EQ(parsed[2]["service"], "tracking");
  EXPECT_EQ(parsed[2]["dead_letters"], 0);
  EXPECT_TRUE(parsed[2]["ready"].get<bool>());

  fleet_->Kill("dispatch");
  const CtlResult down = Ctl({"status", "--fleet", fleet_->fleet_file()});
  EXPECT_EQ(down.status, 1) << down.out;
  EXPECT_TRUE(Contains(Lines(down.out)[2], "DOWN")) << down.out;
  fleet_->Start("dispatch");
  ASSERT_TRUE(fleet_->AwaitReady("dispatch")) << fleet_->LogOf("dispatch");

  const std::string bad = WriteRanking("fleet-bad", "intake 127.0.0.1\n");
  const CtlResult refused = Ctl({"status", "--fleet", bad});
  EXPECT_EQ(refused.status, 1);
  EXPECT_TRUE(Contains(refused.err, "bad_fleet")) << refused.err;
  EXPECT_TRUE(Contains(refused.err, "line 1")) << refused.err;
}

TEST_F(CtlTrackingTest, CampaignValidateLoadsTheShippedCampaignAndNamesABrokenTable) {
  const std::string shipped = SourceDir() + "/deploy/campaigns/hebei-2017-2018";
  const CtlResult ok = Ctl({"campaign", "validate", shipped});
  ASSERT_EQ(ok.status, 0) << ok.out << ok.err;
  EXPECT_TRUE(Contains(ok.out, "hebei-2017-2018")) << ok.out;
  EXPECT_TRUE(Contains(ok.out, "credit.json: valid")) << ok.out;
  EXPECT_TRUE(Contains(ok.out, "\nvalid\n")) << ok.out;

  // A copy whose credit table lost its colours.
  const std::string copy = fleet_->dir() + "/campaign-copy";
  std::filesystem::create_directories(copy);
  for (const char* f :
       {"campaign.json", "counties.csv", "accountability.json", "recipients.json"}) {
    std::filesystem::copy_file(shipped + "/" + f, copy + "/" + f,
                               std::filesystem::copy_options::overwrite_existing);
  }
  std::ofstream(copy + "/credit.json") << R"({"version": 1})";
  const CtlResult broken = Ctl({"campaign", "validate", copy});
  EXPECT_EQ(broken.status, 1) << broken.out;
  EXPECT_TRUE(Contains(broken.err, "credit.json")) << broken.err;
  EXPECT_TRUE(Contains(broken.out, "NOT valid")) << broken.out;

  // Loading installs the campaign beside earlier ones and points current at it; the same
  // version twice is refused, and a broken campaign is never installed.
  const std::string campaigns = fleet_->dir() + "/campaigns";
  const CtlResult load = Ctl({"campaign", "load", shipped, "--to", campaigns});
  ASSERT_EQ(load.status, 0) << load.out << load.err;
  EXPECT_TRUE(Contains(load.out, "-> hebei-2017-2018-v1")) << load.out;
  EXPECT_TRUE(std::filesystem::exists(campaigns + "/current/campaign.json"));
  EXPECT_TRUE(std::filesystem::is_symlink(campaigns + "/current"));
  const CtlResult twice = Ctl({"campaign", "load", shipped, "--to", campaigns});
  EXPECT_EQ(twice.status, 1);
  EXPECT_TRUE(Contains(twice.err, "already_loaded")) << twice.err;
  const CtlResult broken_load = Ctl({"campaign", "load", copy, "--to", fleet_->dir() + "/c2"});
  EXPECT_EQ(broken_load.status, 1);
  EXPECT_FALSE(std::filesystem::exists(fleet_->dir() + "/c2/current"));

  const CtlResult missing = Ctl({"campaign", "validate", fleet_->dir() + "/no-such-campaign"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_TRUE(Contains(missing.err, "error: ")) << missing.err;
}

TEST_F(CtlTrackingTest, AProblemListIsImportedThroughIntakeOnceWithEachBadRowNamed) {
  std::string csv = "ref,jurisdiction,category,title,description,observed_at,enterprise\n";
  for (int i = 1; i <= 150; ++i) {
    // Every row a different enterprise, so that intake sees 150 distinct problems.
    csv += "MEE-" + std::to_string(i) + ",130102,dust,工地扬尘" + std::to_string(i) +
           ",\"部督查交办：裸土未覆盖, 编号" + std::to_string(i) +
           "\",2017-11-21 09:" + (i % 60 < 10 ? "0" : "") + std::to_string(i % 60) + ",某建筑公司" +
           std::to_string(i) + "\n";
  }
  csv += "MEE-bad-1,130102,dust,t,d,yesterday,\n";   // line 152: refused before sending
  csv += "MEE-bad-2,999999,dust,t,d,2017-11-21,\n";  // line 153: refused by intake
  const std::string file = WriteRanking("ministry-list.csv", csv);
  const std::string before = Count("SELECT count(*) FROM intake.report");
  const auto import = Join({"import", "problems", file, "--channel", "ministry_supervision"},
                           As("integration", "intake"));
  const CtlResult first = Ctl(import);
  EXPECT_EQ(first.status, 1) << "a row was rejected: " << first.out << first.err;
  EXPECT_TRUE(Contains(first.out,
                       "imported 150 new, 0 duplicates (merged into earlier problems), "
                       "2 rejected"))
      << first.out << first.err;
  EXPECT_TRUE(Contains(first.err, "ministry-list.csv:152: rejected: observed_at 'yesterday'"))
      << first.err;
  EXPECT_TRUE(Contains(first.err, "ministry-list.csv:153: rejected: ")) << first.err;
  EXPECT_EQ(std::stoll(Count("SELECT count(*) FROM intake.report")) - std::stoll(before), 150);
  EXPECT_EQ(Count("SELECT count(*) FROM intake.report WHERE submission_id LIKE "
                  "'csv:ministry_supervision:MEE-%'"),
            "150");

  // The same file again: intake answers each row with its first receipt; nothing changes.
  const CtlResult again = Ctl(Join(import, {"--json"}));
  EXPECT_EQ(again.status, 1);
  const auto summary = nlohmann::json::parse(again.out);
  EXPECT_EQ(summary["imported"], 150);
  EXPECT_EQ(summary["rejected"], 2);
  EXPECT_EQ(std::stoll(Count("SELECT count(*) FROM intake.report")) - std::stoll(before), 150);
  // And every row reaches dispatch like any other report.
  EXPECT_TRUE(
      AwaitValue("SELECT count(*) FROM dispatch.problem p JOIN intake.report r ON "
                 "r.report_id = p.problem_id WHERE r.submission_id LIKE 'csv:%'",
                 "150", 20000));
}

TEST_F(CtlTrackingTest, AGroupsRosterIsImportedToDispatchAndARuleBreakingOneIsRefused) {
  auto roster = [&](const std::string& name, const std::string& shijiazhuang_member_city) {
    std::string csv = "member_id,name,home_unit,unit_type,home_city,role\n";
    for (int i = 1; i <= 26; ++i) {
      csv += "R" + std::to_string(i) + ",成员" + std::to_string(i) + ",省环保厅大气处," +
             "environment_department," + (i == 7 ? shijiazhuang_member_city : "130000") + "," +
             (i == 1 ? "组长" : (i == 2 ? "专人汇总" : "组员")) + "\n";
    }
    return WriteRanking(name, csv);
  };
  const auto to_dispatch = As("operator-1", "dispatch");
  const CtlResult ok = Ctl(Join({"roster", "import", roster("sg5.csv", "130200"), "--group", "SG5",
                                 "--round", "3", "--vehicles", "5"},
                                to_dispatch));
  ASSERT_EQ(ok.status, 0) << ok.out << ok.err;
  EXPECT_TRUE(Contains(ok.out,
                       "SG5 round 3: roster version 1, 26 members, 5 vehicles, 15 days "
                       "stationed, meal allowance 39000 yuan"))
      << ok.out;
  const CtlResult list = Ctl({"roster", "list", "--round", "3"});
  ASSERT_EQ(list.status, 0) << list.err;
  EXPECT_TRUE(Contains(list.out, "第五督察组")) << list.out;
  EXPECT_TRUE(Contains(list.out, "39000")) << list.out;
  EXPECT_FALSE(Contains(list.out, "成员1")) << "names are restricted";

  // A member from 石家庄 on the group inspecting 石家庄: refused, naming the member.
  const CtlResult home = Ctl(Join({"roster", "import", roster("sg5-bad.csv", "130100"), "--group",
                                   "SG5", "--round", "3", "--vehicles", "5"},
                                  to_dispatch));
  EXPECT_EQ(home.status, 1);
  EXPECT_TRUE(Contains(home.err, "home_city members[6]")) << home.err;
  EXPECT_TRUE(Contains(home.err, "R7")) << home.err;
  EXPECT_EQ(Count("SELECT version FROM dispatch.roster WHERE group_id = 'SG5'"), "1");

  // A file with a wrong header: nothing is sent.
  const CtlResult header =
      Ctl(Join({"roster", "import", WriteRanking("bad-header.csv", "id,name\nR1,x\n"), "--group",
                "SG5", "--round", "3", "--vehicles", "5"},
               to_dispatch));
  EXPECT_EQ(header.status, 1);
  EXPECT_TRUE(Contains(header.err, "bad-header.csv:1: rejected: header:")) << header.err;
  EXPECT_EQ(Count("SELECT version FROM dispatch.roster WHERE group_id = 'SG5'"), "1");
}

}  // namespace
}  // namespace ducha::testing
