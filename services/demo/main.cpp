// ducha-demo: drives the fleet through generated working days of round 3 on the simulated
// clock, only through the public interfaces: the integrations submit reports and visits to
// intake, the responsible bodies act on tracking's endpoint, the enforcement bureau reports
// re-inspections to review's. It observes (never writes) the services' tables as ducha_operator
// to learn which re-inspection tasks exist, as `ducha-ctl review tasks` does, and waits for the
// fleet to catch up before each day's actions. The clock is moved through ref (ducha_ref), as
// `ducha-ctl clock set` does. Everything it sends follows from --seed.
//
//   ducha-demo --campaign DIR --seed N --reports N --first-day YYYY-MM-DD --days N
//     --ref-url URL --read-url URL
//     --intake E --intake-key PUB --groups-key K --web-key K
//     --tracking E --tracking-key PUB --bodies-key K --review E --review-key PUB --bureau-key K
//     [--dispatch ADMIN --dispatch-key PUB --operator-key K]   the groups' rosters first

#include <algorithm>
#include <cstdio>
#include <map>
#include <pqxx/pqxx>
#include <set>
#include <stop_token>
#include <thread>

#include "common/base/time.h"
#include "common/campaign/loader.h"
#include "common/db/db.h"
#include "common/log/log.h"
#include "common/ref/ref_store.h"
#include "common/transport/pipeline.h"
#include "proto/common_codec.h"
#include "proto/dispatch_codec.h"
#include "proto/intake_codec.h"
#include "proto/registry.h"
#include "proto/review_codec.h"
#include "proto/tracking_codec.h"
#include "services/ctl/cli.h"
#include "services/demo/core/week_plan.h"
#include "services/dispatch/core/roster.h"

namespace ducha::demo {
namespace {

namespace pc = proto::common;
namespace pi = proto::intake;
namespace pt = proto::tracking;
namespace pr = proto::review;
using ctl::Args;
using ctl::Fail;

transport::ClientSecurity Security(const Args& a, const std::string& server_key,
                                   const std::string& key) {
  Args one;
  one.options["server-key"] = ctl::Required(a, server_key);
  one.options["key-file"] = ctl::Required(a, key);
  return ctl::SecurityFrom(one);
}

// Sends the frames (ids "<prefix>-<i>") and returns each reply's type and, for an error, its code.
struct Answer {
  std::string type;
  std::string code;
  std::string frame;
};
std::vector<Answer> Send(const std::string& endpoint, const transport::ClientSecurity& sec,
                         const std::vector<std::string>& frames,
                         const std::vector<std::string>& ids) {
  if (frames.empty()) return {};
  transport::PipelineSettings settings;
  settings.window = 64;
  settings.timeout = std::chrono::seconds(20);
  auto replies = transport::PipelineRequests(endpoint, sec, frames, ids, settings);
  if (!replies) Fail(replies.error().code, replies.error().message);
  std::vector<Answer> out;
  for (auto& r : *replies) {
    Answer a;
    auto f = proto::ParseMessage(r);
    if (f) {
      a.type = std::string(f->type());
      if (a.type == pc::ErrorReply::kType) {
        if (auto e = codec::DecodeAs<pc::ErrorReply>(*f)) a.code = e->code;
      }
    }
    a.frame = std::move(r);
    out.push_back(std::move(a));
  }
  return out;
}

struct Tally {
  std::map<std::string, int> counts;
  void Add(const std::string& what) { ++counts[what]; }
};

class Driver {
 public:
  Driver(const Args& a, const campaign::Campaign& c) : a_(a), c_(c) {
    seed_ = static_cast<std::uint64_t>(ctl::ParseInt(a.Opt("seed", "2017")).value_or(2017));
    groups_ = Security(a, "intake-key", "groups-key");
    web_ = Security(a, "intake-key", "web-key");
    bodies_ = Security(a, "tracking-key", "bodies-key");
    bureau_ = Security(a, "review-key", "bureau-key");
  }

  void SetClock(campaign::Day day, int hour) {
    const timeutil::Millis t =
        timeutil::StartOfDay(day, c_.info().utc_offset_minutes) + hour * 3'600'000LL;
    std::stop_source stop;
    db::Connection conn(db::DbSettings{ctl::Required(a_, "ref-url"), "ducha-demo"},
                        stop.get_token());
    const Status st =
        conn.Transact([&](pqxx::work& w) { return ref::SetSimulatedClock(w, true, t); });
    if (!st) Fail(st.error().code, st.error().message);
    // The services read the fleet clock every second or so.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  }

  std::string Q(const std::string& sql) {
    pqxx::connection conn{ctl::Required(a_, "read-url")};
    pqxx::read_transaction r{conn};
    const auto res = r.exec(sql);
    return res.empty() || res[0][0].is_null() ? "" : res[0][0].as<std::string>();
  }

  // Until tracking has an entry for every problem we know of (dispatch assigned it).
  void AwaitLedger() {
    if (problems_.empty()) return;
    const std::string want = std::to_string(problems_.size());
    std::string ids;
    for (const auto& [id, unused] : problems_) ids += (ids.empty() ? "" : ",") + std::to_string(id);
    for (int i = 0; i < 600; ++i) {
      if (Q("SELECT count(*) FROM tracking.ledger WHERE problem_id IN (" + ids + ")") == want) {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::fprintf(stderr, "warning: tracking has not every problem after 60 s; going on\n");
  }

  void SubmitDay(const WeekPlan& plan, campaign::Day day) {
    for (Sender who : {Sender::kGroups, Sender::kWebPlatform}) {
      std::vector<std::string> frames;
      std::vector<std::string> ids;
      std::vector<const DemoReport*> sent;
      for (const auto& r : plan.reports) {
        if (r.day != day || r.sender != who) continue;
        ids.push_back("r-" + r.report.submission_id);
        frames.push_back(pi::Encode(r.report, ids.back()));
        sent.push_back(&r);
      }
      const auto answers =
          Send(ctl::Required(a_, "intake"), who == Sender::kGroups ? groups_ : web_, frames, ids);
      for (std::size_t i = 0; i < answers.size(); ++i) {
        if (answers[i].type != pi::Receipt::kType) {
          tally_.Add("reports refused (" + answers[i].code + ")");
          continue;
        }
        auto f = proto::ParseMessage(answers[i].frame);
        auto receipt = codec::DecodeAs<pi::Receipt>(*f);
        if (receipt->outcome == pi::ReceiptOutcome::kDuplicate) {
          tally_.Add("reports merged as duplicates");
        } else {
          tally_.Add("reports: new problems");
          const bool citizen = sent[i]->report.channel == pc::Channel::kCitizenWeb ||
                               sent[i]->report.channel == pc::Channel::kCitizenHotline;
          problems_[receipt->report_id] = Problem{day, citizen, citizen, false};
        }
      }
    }
    std::vector<std::string> frames;
    std::vector<std::string> ids;
    for (const auto& v : plan.visits) {
      if (v.day != day) continue;
      ids.push_back("v-" + v.visit.submission_id);
      frames.push_back(pi::Encode(v.visit, ids.back()));
    }
    for (const auto& ans : Send(ctl::Required(a_, "intake"), groups_, frames, ids)) {
      tally_.Add(ans.type == pi::VisitReceipt::kType ? "visits registered"
                                                     : "visits refused (" + ans.code + ")");
    }
  }

  // The bodies' actions due on `day`, the `index`-th working day.
  void ActDay(const std::vector<campaign::Day>& days, std::size_t index) {
    const campaign::Day day = days[index];
    std::vector<std::string> frames;
    std::vector<std::string> ids;
    std::vector<std::pair<std::int64_t, std::string>> what;
    auto working_days_since = [&](campaign::Day from) {
      int n = 0;
      for (std::size_t i = 0; i <= index; ++i) n += days[i] > from ? 1 : 0;
      return n;
    };
    for (auto& [id, p] : problems_) {
      if (p.day >= day || p.claimed) continue;
      const BodyConduct conduct = ConductOf(seed_, id);
      const int age = working_days_since(p.day);
      const std::string n = std::to_string(id);
      if (p.awaiting_verification) {
        // The city bureau verifies a citizen report the next working day.
        ids.push_back("verify-" + n);
        frames.push_back(pt::Encode(
            pt::ReportVerification{
                ids.back(), id, conduct.substantiated,
                conduct.substantiated
                    ? std::optional<std::string>("经现场核查，反映问题属实。")
                    : std::optional<std::string>("经现场核查，未发现反映的问题，群众反映不属实。")},
            ids.back()));
        what.emplace_back(id, "verification");
        p.awaiting_verification = false;
        if (!conduct.substantiated) p.claimed = true;  // closed as not substantiated
        continue;
      }
      if (age == 1 + (p.citizen ? 1 : 0) && conduct.reports_progress) {
        ids.push_back("progress-" + n);
        frames.push_back(
            pt::Encode(pt::ReportProgress{ids.back(), id, ProgressText(seed_, id)}, ids.back()));
        what.emplace_back(id, "progress");
      }
      if (conduct.claims_after_working_days &&
          age >= *conduct.claims_after_working_days + (p.citizen ? 1 : 0)) {
        ids.push_back("claim-" + n);
        frames.push_back(pt::Encode(
            pt::ClaimRectified{
                ids.back(), id, ClaimText(seed_, id), {"photo:demo/claim-" + n + ".jpg"}},
            ids.back()));
        what.emplace_back(id, "claim");
        p.claimed = true;
      }
    }
    const auto answers = Send(ctl::Required(a_, "tracking"), bodies_, frames, ids);
    for (std::size_t i = 0; i < answers.size(); ++i) {
      tally_.Add(answers[i].type == pt::ActionDone::kType
                     ? "body actions: " + what[i].second
                     : "body actions refused (" + what[i].second + ", " + answers[i].code + ")");
    }
  }

  // Until review has applied everything tracking has published (the claims become tasks), so
  // that the day's task list, and with it the run, does not depend on timing.
  void AwaitReview() {
    for (int i = 0; i < 600; ++i) {
      if (Q("SELECT coalesce((SELECT last_seq FROM tracking.stream_head WHERE stream = 'ledger'), "
            "0) - coalesce((SELECT applied_seq FROM review.stream_cursor WHERE producer = "
            "'tracking' AND stream = 'ledger'), 0) + (SELECT count(*) FROM tracking.outbox WHERE "
            "seq IS NULL)") == "0") {
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::fprintf(stderr, "warning: review has not caught up with tracking after 60 s; going on\n");
  }

  // The bureau reports every open re-inspection task; whether the claim holds is decided by the
  // seed and the problem, not by the task's number (which depends on commit order).
  void ReinspectDay() {
    AwaitReview();
    std::vector<std::string> frames;
    std::vector<std::string> ids;
    std::vector<bool> passes;
    pqxx::connection conn{ctl::Required(a_, "read-url")};
    pqxx::read_transaction r{conn};
    for (const auto& row :
         r.exec("SELECT task_id, group_id, problem_id, claim_no FROM review.task WHERE state = "
                "'open' ORDER BY problem_id, claim_no")) {
      const auto task = row[0].as<std::int64_t>();
      if (reported_.count(task)) continue;
      reported_.insert(task);
      const auto problem = row[2].as<std::int64_t>();
      const bool pass = ReinspectionPasses(seed_, problem * 16 + row[3].as<std::int64_t>());
      ids.push_back("reinspect-" + std::to_string(task));
      frames.push_back(pr::Encode(
          pr::ReportReinspection{ids.back(), task, pass,
                                 pass ? std::optional<std::string>()
                                      : std::optional<std::string>(FindingsText(seed_, problem)),
                                 row[1].as<std::string>()},
          ids.back()));
      passes.push_back(pass);
    }
    const auto answers = Send(ctl::Required(a_, "review"), bureau_, frames, ids);
    for (std::size_t i = 0; i < answers.size(); ++i) {
      tally_.Add(answers[i].type == pr::Done::kType
                     ? (passes[i] ? "re-inspections passed" : "re-inspections failed")
                     : "re-inspections refused (" + answers[i].code + ")");
    }
  }

  // The groups' rosters for the round, from the operator, to dispatch's admin endpoint.
  void SubmitRosters(const DemoSettings& s) {
    auto rules = dispatch::RosterRules::Load(ctl::CampaignDir(a_) + "/rosters.json");
    if (!rules) Fail(rules.error().code, rules.error().message);
    std::vector<std::string> supervision;
    std::vector<std::string> covert;
    for (const auto& [name, unit] : rules->unit_types()) {
      for (const auto kind : unit.groups) {
        (kind == campaign::GroupKind::kCovert ? covert : supervision).push_back(name);
      }
    }
    std::vector<std::string> frames;
    std::vector<std::string> ids;
    for (const auto& r : PlanRosters(c_, s, supervision, covert)) {
      ids.push_back("roster-" + r.group_id);
      frames.push_back(proto::dispatch::Encode(r, ids.back()));
    }
    long long allowance = 0;
    for (const auto& ans : Send(ctl::Required(a_, "dispatch"),
                                Security(a_, "dispatch-key", "operator-key"), frames, ids)) {
      if (ans.type != proto::dispatch::RosterAccepted::kType) {
        tally_.Add("rosters refused (" + ans.code + ")");
        continue;
      }
      tally_.Add("rosters registered");
      auto f = proto::ParseMessage(ans.frame);
      allowance += codec::DecodeAs<proto::dispatch::RosterAccepted>(*f)->meal_allowance_yuan;
    }
    std::printf("  rosters of %zu groups, meal allowance %lld yuan in all (餐费补助)\n",
                frames.size(), allowance);
  }

  int Run() {
    DemoSettings s;
    s.seed = seed_;
    s.reports = static_cast<int>(ctl::ParseInt(a_.Opt("reports", "3000")).value_or(3000));
    s.working_days = static_cast<int>(ctl::ParseInt(a_.Opt("days", "10")).value_or(10));
    const auto first = timeutil::ParseDate(a_.Opt("first-day", "2017-11-20"));
    if (!first) Fail("usage", "--first-day must be YYYY-MM-DD");
    s.first_day = *first;
    auto plan = PlanWeeks(c_, s);
    if (!plan) Fail(plan.error().code, plan.error().message);
    std::size_t covert_visits = 0;
    for (const auto& v : plan->visits) {
      covert_visits += v.visit.mode == pi::VisitMode::kCovert ? 1u : 0u;
    }
    std::printf(
        "demo: seed %llu, %zu reports and %zu visits (明查 %zu, 暗访 %zu) over %zu working days "
        "from %s\n",
        static_cast<unsigned long long>(seed_), plan->reports.size(), plan->visits.size(),
        plan->visits.size() - covert_visits, covert_visits, plan->days.size(),
        timeutil::FormatDate(s.first_day).c_str());
    if (!a_.Opt("dispatch").empty()) SubmitRosters(s);
    for (std::size_t i = 0; i < plan->days.size(); ++i) {
      const campaign::Day day = plan->days[i];
      // Evening of the day: everything observed that day can be reported.
      SetClock(day, 18);
      const auto t0 = std::chrono::steady_clock::now();
      SubmitDay(*plan, day);
      AwaitLedger();
      ActDay(plan->days, i);
      ReinspectDay();
      std::printf("  %s: %lld ms (problems so far %zu)\n", timeutil::FormatDate(day).c_str(),
                  static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             std::chrono::steady_clock::now() - t0)
                                             .count()),
                  problems_.size());
      std::fflush(stdout);
    }
    for (const auto& [what, n] : tally_.counts) std::printf("  %-60s %d\n", what.c_str(), n);
    return 0;
  }

 private:
  struct Problem {
    campaign::Day day = 0;
    bool citizen = false;
    bool awaiting_verification = false;
    bool claimed = false;
  };
  const Args& a_;
  const campaign::Campaign& c_;
  std::uint64_t seed_ = 2017;
  transport::ClientSecurity groups_, web_, bodies_, bureau_;
  std::map<std::int64_t, Problem> problems_;
  std::set<std::int64_t> reported_;
  Tally tally_;
};

}  // namespace
}  // namespace ducha::demo

int main(int argc, char** argv) {
  using namespace ducha;
  log::Init({"warn", false});
  const ctl::Args a = ctl::ParseArgs(argc, argv);
  try {
    auto c = campaign::LoadCampaign(ctl::CampaignDir(a));
    if (!c) ctl::Fail(c.error().code, c.error().message);
    demo::Driver driver(a, *c);
    return driver.Run();
  } catch (const std::exception& e) {
    ctl::Fail("failed", e.what());
  }
}
