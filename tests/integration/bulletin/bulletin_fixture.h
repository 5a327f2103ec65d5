#pragma once
// The bulletin's integration fixture: a real PostgreSQL (the throwaway cluster of
// tests/support), the bulletin schema migrated and emptied before each test, and helpers that
// feed encoded events of intake's, dispatch's, tracking's and review's streams through the
// consumer's ApplyBatch into the service's appliers, exactly as the consumers do.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include "common/campaign/loader.h"
#include "common/db/audit.h"
#include "common/db/migrate.h"
#include "common/stream/consumer.h"
#include "common/stream/outbox.h"
#include "proto/dispatch_codec.h"
#include "proto/intake_codec.h"
#include "proto/review_codec.h"
#include "proto/tracking_codec.h"
#include "services/bulletin/migrations.h"
#include "services/bulletin/store/appliers.h"
#include "services/bulletin/store/bulletin_store.h"
#include "tests/support/hebei_campaign.h"
#include "tests/support/test_cluster.h"

namespace ducha::bulletin::itest {

namespace pc = proto::common;
namespace pd = proto::dispatch;
namespace pi = proto::intake;
namespace pr = proto::review;
namespace pt = proto::tracking;
using ducha::testing::TestCluster;

inline timeutil::Millis At(const char* rfc3339) { return *timeutil::ParseRfc3339(rfc3339); }
inline std::int64_t D(const char* iso) { return *timeutil::ParseDate(iso); }

inline const campaign::Campaign& Hebei() { return ::ducha::testing::HebeiCampaign(); }

// The weeks on the Hebei calendar (issue 11 has the cut-off 2017-11-25, issue 12 2017-12-02).
inline const WeekCalendar& HebeiWeeks() {
  static const WeekCalendar w = *WeekCalendar::Create(Hebei(), {});
  return w;
}

// The shipped recipient lists (deploy/campaigns/hebei-2017-2018/recipients.json).
inline const Distribution& ShippedLists() {
  static const Distribution d = [] {
    std::ifstream in(::ducha::testing::SourceDir() +
                     "/deploy/campaigns/hebei-2017-2018/recipients.json");
    std::stringstream s;
    s << in.rdbuf();
    return *ParseRecipients(s.str(), Hebei());
  }();
  return d;
}

inline const SendSettings kTestSend{"hebei-2017-2018", "ducha.hebei.example"};

inline db::DbSettings BulletinDb() {
  return db::DbSettings{TestCluster::Get().UrlFor("bulletin"), "bulletin-test"};
}

// A reporter who must never appear in anything the bulletin produces.
inline constexpr const char* kReporterName = "张秀兰";
inline constexpr const char* kReporterPhone = "13912345678";

// A citizen's web report of 长安区 (or `county`), with the reporter's name and phone written into
// every free-text field an integration could put them in.
inline pi::ReportAccepted Accepted(std::int64_t id, const char* received_at,
                                   const char* county = "130102",
                                   std::optional<std::int64_t> duplicate_of = std::nullopt) {
  pi::ReportAccepted r;
  r.report_id = id;
  r.integration = "web-a";
  r.submission_id = std::string("sub-") + kReporterPhone + "-" + std::to_string(id);
  r.channel = pc::Channel::kCitizenWeb;
  r.platform = "长城网";
  r.jurisdiction = county;
  r.category = pc::Category::kSmallCoalBoilers;
  r.severity = pc::Severity::kGeneral;
  r.title = std::string("举报人") + kReporterName + "反映燃煤锅炉冒黑烟";
  r.description =
      std::string("我是") + kReporterName + "，电话" + kReporterPhone + "，村东锅炉每天冒黑烟";
  r.observed_at = At(received_at) - 3'600'000;
  r.reported_at = At(received_at) - 60'000;
  r.received_at = At(received_at);
  r.address = std::string(kReporterName) + "家隔壁";
  r.evidence = {std::string("photo-") + kReporterPhone + ".jpg"};
  r.contact_ref = 7000 + id;
  r.duplicate_of = duplicate_of;
  return r;
}

inline pd::Body BodyOf(const std::string& county) {
  return pd::Body{county, std::string(*Hebei().GovernmentOf(std::stoi(county))),
                  Hebei().IsCity(std::stoi(county)) ? pd::BodyKind::kCityGovernment
                                                    : pd::BodyKind::kCountyGovernment};
}

inline pd::ProblemAssigned Assigned(std::int64_t id, const char* assigned_at, const char* deadline,
                                    const std::string& county = "130102") {
  pd::ProblemAssigned a;
  a.problem_id = id;
  a.report_id = id;
  a.kind = pd::AssignmentKind::kRectification;
  a.body = BodyOf(county);
  a.jurisdiction = county;
  a.city = std::to_string(*Hebei().JurisdictionOf(std::stoi(county)));
  a.channel = pc::Channel::kCitizenWeb;
  a.category = pc::Category::kSmallCoalBoilers;
  a.severity = pc::Severity::kGeneral;
  a.listed = false;
  a.deadline = deadline;
  a.assigned_at = At(assigned_at);
  a.title = std::string("举报人") + kReporterName + "反映燃煤锅炉冒黑烟";
  return a;
}

inline pt::RectificationClaimed Claim(const pd::ProblemAssigned& a, const char* at, bool late) {
  pt::RectificationClaimed c;
  c.problem_id = a.problem_id;
  c.body = a.body;
  c.jurisdiction = a.jurisdiction;
  c.city = a.city;
  c.channel = a.channel;
  c.category = a.category;
  c.severity = a.severity;
  c.listed = a.listed;
  c.title = a.title;
  c.reopen_count = 0;
  c.description = "锅炉已拆除";
  c.evidence = {"doc-1"};
  c.deadline = a.deadline;
  c.claimed_date = timeutil::FormatDate(timeutil::DayOf(At(at), 480));
  c.late = late;
  c.by = "changan";
  c.at = At(at);
  return c;
}

inline pt::Rectified Rectified(const pd::ProblemAssigned& a, const char* at) {
  return pt::Rectified{a.problem_id, a.body, std::nullopt, "review", At(at)};
}

inline pt::Escalated Escalated(const pd::ProblemAssigned& a, int rung, const char* due_date) {
  pt::Escalated e;
  e.problem_id = a.problem_id;
  e.body = a.body;
  e.deadline_kind = pd::AssignmentKind::kRectification;
  e.rung = rung;
  e.rung_name = rung == 1 ? "reminder" : "supervision_notice";
  e.display_name = rung == 1 ? "催办" : "督办";
  e.working_days_overdue = rung == 1 ? 0 : 3;
  e.deadline = a.deadline;
  e.due_date = due_date;
  return e;
}

inline pr::ReinspectionConcluded Reinspected(std::int64_t task, std::int64_t problem, bool passed,
                                             const char* at) {
  pr::ReinspectionConcluded r;
  r.problem_id = problem;
  r.task_id = task;
  r.passed = passed;
  r.method = pr::Method::kReinspected;
  if (!passed) r.findings = "仍在使用";
  r.group_id = "CG2";
  r.by = "enforcement-1";
  r.at = At(at);
  return r;
}

template <typename M>
stream::IncomingEvent Event(std::int64_t seq, const M& m) {
  return stream::IncomingEvent{seq, std::string(M::kType), Encode(m)};
}

class BulletinDbTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::stop_source stop;
    db::Connection conn(BulletinDb(), stop.get_token());
    db::Migrate(conn, kSchema, "inbox", stream::InboxMigrations());
    db::Migrate(conn, kSchema, "service", Migrations());
    db::Migrate(conn, kSchema, "audit", db::AuditMigrations());
  }

  void SetUp() override {
    TestCluster::Get().Exec(
        "TRUNCATE bulletin.report, bulletin.problem, bulletin.fact, bulletin.reinspection, "
        "bulletin.accountability, bulletin.blacklist_change, bulletin.send, bulletin.bulletin, "
        "bulletin.stream_cursor, bulletin.dead_letter, bulletin.audit, bulletin.credit_change, "
        "bulletin.visit, bulletin.round_report, bulletin.publication, bulletin.roster, "
        "bulletin.key_task, bulletin.key_task_progress, bulletin.key_task_status");
    seq_.clear();
  }

  stream::StreamConsumerSettings Settings(const std::string& producer, const std::string& s) {
    stream::StreamConsumerSettings settings;
    settings.schema = kSchema;
    settings.producer = producer;
    settings.stream = s;
    settings.consumer = "bulletin-test";
    return settings;
  }

  // Applies the messages as the next batch of a producer's stream.
  template <typename... M>
  void Feed(const std::string& producer, const std::string& s, stream::ApplyFn apply,
            const M&... messages) {
    std::int64_t& next = seq_[producer + "/" + s];
    std::vector<stream::IncomingEvent> batch;
    (batch.push_back(Event(++next, messages)), ...);
    stream::ApplyBatch(conn_, Settings(producer, s), batch, apply, stats_);
  }
  template <typename... M>
  void Intake(const M&... m) {
    Feed("intake", "reports", reports_.AsApplyFn(), m...);
  }
  template <typename... M>
  void Dispatch(const M&... m) {
    Feed("dispatch", "assignments", assignments_.AsApplyFn(), m...);
  }
  template <typename... M>
  void Tracking(const M&... m) {
    Feed("tracking", "ledger", ledger_.AsApplyFn(), m...);
  }
  template <typename... M>
  void Review(const M&... m) {
    Feed("review", "reinspections", review_.AsApplyFn(), m...);
  }
  template <typename... M>
  void Visits(const M&... m) {
    Feed("intake", "visits", visits_.AsApplyFn(), m...);
  }

  std::string Q(const std::string& sql) { return TestCluster::Get().QueryValue(sql); }

  std::stop_source stop_;
  db::Connection conn_{BulletinDb(), stop_.get_token()};
  ReportApplier reports_{Hebei()};
  AssignmentApplier assignments_;
  LedgerApplier ledger_{480};
  ReviewApplier review_{&Hebei()};
  VisitApplier visits_;
  stream::StreamConsumerStats stats_;
  std::map<std::string, std::int64_t> seq_;
};

}  // namespace ducha::bulletin::itest
