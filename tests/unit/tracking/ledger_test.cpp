// The ledger (台账) on the shipped Hebei 2017–2018 campaign: how dispatch's assignments open
// entries, what bodies, the supervision center and review may do to them, and what is refused.

#include <gtest/gtest.h>

#include "tests/unit/tracking/ledger_fixtures.h"

namespace ducha::tracking {
namespace {

using namespace ducha::tracking::testing;  // NOLINT(google-build-using-namespace)

class LedgerTest : public ::testing::Test {
 protected:
  LedgerEntry Rectifying() { return Open(ledger_, RectificationAssigned()); }
  LedgerEntry Verifying() { return Open(ledger_, VerificationAssigned()); }

  LedgerEntry Claimed(const char* day = "2017-12-08") {
    return Ok(ledger_.OnClaim(Rectifying(), Changan(), ClaimOf(), Morning(day))).entry;
  }

  static Claim ClaimOf() { return Claim{"裸土已全部覆盖", {"photo-1.jpg", "inspection-note-7"}}; }

  LedgerEntry Requested(const LedgerEntry& e, int days = 10) {
    return Ok(ledger_.OnExtensionRequest(e, Changan(), RequestExtension{days, "需停产改造"},
                                         Morning("2017-12-06")))
        .entry;
  }

  LedgerEntry Approved(const LedgerEntry& e, int days = 10) {
    return Ok(ledger_.OnExtensionDecision(Requested(e, days), Center(),
                                          DecideExtension{true, "同意延期"}, Morning("2017-12-07")))
        .entry;
  }

  static void ExpectError(const Result<Decision>& r, const char* code, const char* field) {
    ASSERT_FALSE(r.ok()) << "expected " << code;
    EXPECT_EQ(r.error().code, code) << r.error().message;
    EXPECT_EQ(r.error().field, field) << r.error().message;
    EXPECT_FALSE(r.error().message.empty());
  }

  Ledger ledger_{Hebei()};
};

// --- Opening entries from dispatch's events ---------------------------------------------------

TEST_F(LedgerTest, ARectificationAssignmentOpensAnEntryInRectificationWithDispatchsDeadline) {
  const Decision d = Ok(ledger_.OnAssigned(RectificationAssigned()));
  const LedgerEntry& e = d.entry;
  EXPECT_TRUE(d.events.empty());
  EXPECT_EQ(e.problem_id, 100);
  EXPECT_EQ(e.kind, pd::AssignmentKind::kRectification);
  EXPECT_EQ(e.state, State::kInRectification);
  EXPECT_EQ(e.body, (Body{130102, "长安区人民政府", pd::BodyKind::kCountyGovernment}));
  EXPECT_EQ(e.jurisdiction, 130102);
  EXPECT_EQ(e.city, 130100);
  EXPECT_EQ(e.channel, pc::Channel::kSupervisionGroup);
  EXPECT_EQ(e.category, pc::Category::kDust);
  EXPECT_EQ(e.severity, pc::Severity::kGeneral);
  EXPECT_FALSE(e.listed);
  EXPECT_EQ(e.title, "建筑工地扬尘");
  EXPECT_EQ(e.report_count, 1);
  EXPECT_EQ(e.supervising_group, std::optional<std::string>("SG5"));
  EXPECT_EQ(e.round, std::optional<int>(3));
  EXPECT_EQ(Date(e.assigned_day), "2017-11-21");
  EXPECT_EQ(Date(e.deadline), "2017-12-12");
  EXPECT_EQ(Date(e.deadline_started_day), "2017-11-21");
  EXPECT_EQ(e.extensions_used, 0);
  EXPECT_TRUE(e.warnings_sent.empty());
  EXPECT_FALSE(e.overdue_notified);
  EXPECT_EQ(e.escalation_rung, 0);
  ASSERT_EQ(e.history.size(), 1u);
  EXPECT_EQ(e.history[0].what, "assigned");
  EXPECT_EQ(e.history[0].by, "dispatch");
  EXPECT_EQ(e.history[0].at, At("2017-11-21T09:30:05+08:00"));
  EXPECT_EQ(e.history[0].detail,
            "rectification by 长安区人民政府 (130102 county_government), deadline 2017-12-12");
}

TEST_F(LedgerTest, AVerificationAssignmentOpensAnEntryAwaitingVerification) {
  const LedgerEntry e = Verifying();
  EXPECT_EQ(e.state, State::kAwaitingVerification);
  EXPECT_EQ(e.kind, pd::AssignmentKind::kVerification);
  EXPECT_EQ(e.body, (Body{130100, "石家庄市环境保护局", pd::BodyKind::kCityBureau}));
  EXPECT_EQ(Date(e.deadline), "2017-12-05");
}

TEST_F(LedgerTest, TheAssignedDayIsTheDayInChinaStandardTime) {
  auto a = RectificationAssigned();
  a.assigned_at = At("2017-11-20T16:30:00Z");  // already 21 November in Beijing
  EXPECT_EQ(Date(Open(ledger_, a).assigned_day), "2017-11-21");
}

TEST_F(LedgerTest, AnAssignmentWithAnUnparsableCodeCannotBeApplied) {
  auto a = RectificationAssigned();
  a.body.code = "13O102";
  ExpectError(ledger_.OnAssigned(a), "invalid_format", "body.code");
  a = RectificationAssigned();
  a.jurisdiction = "";
  ExpectError(ledger_.OnAssigned(a), "invalid_format", "jurisdiction");
  a = RectificationAssigned();
  a.city = "-130100";
  ExpectError(ledger_.OnAssigned(a), "invalid_format", "city");
}

TEST_F(LedgerTest, AnAssignmentWithAnImpossibleDeadlineCannotBeApplied) {
  auto a = RectificationAssigned();
  a.deadline = "2017-02-30";
  ExpectError(ledger_.OnAssigned(a), "invalid_format", "deadline");
}

TEST_F(LedgerTest, AnAssignmentOutsideTheCampaignCalendarCannotBeApplied) {
  auto a = RectificationAssigned();
  a.deadline = "2019-01-10";
  ExpectError(ledger_.OnAssigned(a), "outside_calendar", "deadline");
  a = RectificationAssigned();
  a.assigned_at = At("2016-12-30T10:00:00+08:00");
  ExpectError(ledger_.OnAssigned(a), "outside_calendar", "assigned_at");
}

TEST_F(LedgerTest, StatesAndRolesHaveStableNames) {
  for (State s : {State::kAwaitingVerification, State::kInRectification, State::kClaimed,
                  State::kClosedNotSubstantiated, State::kClosedRectified}) {
    EXPECT_EQ(ParseState(ToString(s)), s);
  }
  EXPECT_EQ(ToString(State::kClaimed), "claimed");
  EXPECT_EQ(ParseState("reopened"), std::nullopt);
  EXPECT_TRUE(IsOpen(State::kAwaitingVerification));
  EXPECT_TRUE(IsOpen(State::kInRectification));
  EXPECT_FALSE(IsOpen(State::kClaimed));
  EXPECT_FALSE(IsClosed(State::kClaimed));
  EXPECT_TRUE(IsClosed(State::kClosedNotSubstantiated));
  EXPECT_TRUE(IsClosed(State::kClosedRectified));
  EXPECT_EQ(ToString(ActorRole::kBody), "body");
  EXPECT_EQ(ToString(ActorRole::kSupervisionCenter), "supervision_center");
  EXPECT_EQ(ToString(ActorRole::kReview), "review");
}

// --- Dispatch's later events ------------------------------------------------------------------

TEST_F(LedgerTest, ARepeatReportRaisesTheCountAndIsRecorded) {
  const pd::SourceAdded s{100, 1107, pc::Channel::kCitizenHotline, 2,
                          At("2017-11-22T11:10:00+08:00")};
  const Decision d = Ok(ledger_.OnSourceAdded(Rectifying(), s));
  EXPECT_TRUE(d.events.empty());
  EXPECT_EQ(d.entry.report_count, 2);
  EXPECT_EQ(d.entry.history.back().what, "source_added");
  EXPECT_EQ(d.entry.history.back().detail,
            "report 1107 on channel citizen_hotline, report 2 of the problem");
}

TEST_F(LedgerTest, AnOlderRepeatArrivingLateNeverLowersTheCount) {
  LedgerEntry e = Rectifying();
  e.report_count = 4;
  const pd::SourceAdded s{100, 1107, pc::Channel::kCitizenHotline, 2, At("2017-11-22T11:10:00Z")};
  EXPECT_EQ(Ok(ledger_.OnSourceAdded(e, s)).entry.report_count, 4);
}

TEST_F(LedgerTest, ARepeatOfAClosedProblemIsStillRecorded) {
  const LedgerEntry closed =
      Ok(ledger_.OnReinspectionPassed(Claimed(), Review(), {}, Morning("2017-12-11"))).entry;
  const pd::SourceAdded s{100, 1200, pc::Channel::kCitizenWeb, 2, Morning("2017-12-12")};
  const Decision d = Ok(ledger_.OnSourceAdded(closed, s));
  EXPECT_EQ(d.entry.state, State::kClosedRectified);
  EXPECT_EQ(d.entry.report_count, 2);
}

TEST_F(LedgerTest, AReassignmentGivesTheEntryItsNewBody) {
  pd::ProblemChanged c;
  c.problem_id = 100;
  c.history_id = 10;
  c.change = pd::ChangeKind::kReassigned;
  c.body = pd::Body{"130100", "石家庄市人民政府", pd::BodyKind::kCityGovernment};
  c.reason = "问题涉及多个区，改由市政府牵头";
  c.by = "center-duty-1";
  c.at = Morning("2017-11-24");
  const Decision d = Ok(ledger_.OnChanged(Rectifying(), c));
  EXPECT_TRUE(d.events.empty());
  EXPECT_EQ(d.entry.body, (Body{130100, "石家庄市人民政府", pd::BodyKind::kCityGovernment}));
  EXPECT_EQ(Date(d.entry.deadline), "2017-12-12");
  const HistoryEntry& h = d.entry.history.back();
  EXPECT_EQ(h.what, "reassigned");
  EXPECT_EQ(h.by, "center-duty-1");
  EXPECT_EQ(h.at, Morning("2017-11-24"));
  EXPECT_EQ(h.detail,
            "问题涉及多个区，改由市政府牵头; body 长安区人民政府 (130102 county_government) -> "
            "石家庄市人民政府 (130100 city_government)");
}

TEST_F(LedgerTest, ADeadlineChangeMovesTheDeadlineAndRestartsTheClocksAnnouncements) {
  const LedgerEntry warned = Ok(ledger_.Sweep(Rectifying(), D("2017-12-07"))).entry;
  ASSERT_EQ(warned.warnings_sent, std::vector<double>{0.75});
  pd::ProblemChanged c;
  c.problem_id = 100;
  c.change = pd::ChangeKind::kDeadlineChanged;
  c.deadline = "2017-12-20";
  c.reason = "需停产改造";
  c.by = "center-duty-1";
  c.at = Morning("2017-12-07");
  const LedgerEntry e = Ok(ledger_.OnChanged(warned, c)).entry;
  EXPECT_EQ(Date(e.deadline), "2017-12-20");
  EXPECT_EQ(Date(e.deadline_started_day), "2017-11-21");
  EXPECT_TRUE(e.warnings_sent.empty());
  EXPECT_EQ(e.history.back().detail, "需停产改造; deadline 2017-12-12 -> 2017-12-20");
}

TEST_F(LedgerTest, ADeadlineChangeOnAClaimedProblemIsRecordedButNotApplied) {
  pd::ProblemChanged c;
  c.problem_id = 100;
  c.change = pd::ChangeKind::kDeadlineChanged;
  c.deadline = "2017-12-20";
  c.reason = "r";
  c.by = "center-duty-1";
  const LedgerEntry e = Ok(ledger_.OnChanged(Claimed(), c)).entry;
  EXPECT_EQ(Date(e.deadline), "2017-12-12");
  EXPECT_EQ(e.history.back().detail, "r; deadline 2017-12-20 not applied: the problem is claimed");
}

TEST_F(LedgerTest, ListingFollowsDispatchWithItsCappedDeadline) {
  pd::ProblemChanged c;
  c.problem_id = 100;
  c.change = pd::ChangeKind::kListed;
  c.listed = true;
  c.deadline = "2017-12-01";
  c.reason = "third report";
  c.by = "rule";
  const LedgerEntry e = Ok(ledger_.OnChanged(Rectifying(), c)).entry;
  EXPECT_TRUE(e.listed);
  EXPECT_EQ(Date(e.deadline), "2017-12-01");
  EXPECT_EQ(e.history.back().what, "listed");
  c.change = pd::ChangeKind::kUnlisted;
  c.listed = false;
  c.deadline.reset();
  EXPECT_FALSE(Ok(ledger_.OnChanged(e, c)).entry.listed);
}

TEST_F(LedgerTest, ADispatchEventAboutAnotherProblemCannotBeApplied) {
  pd::ProblemChanged c;
  c.problem_id = 101;
  c.change = pd::ChangeKind::kListed;
  c.listed = true;
  ExpectError(ledger_.OnChanged(Rectifying(), c), "wrong_problem", "problem_id");
  ExpectError(ledger_.OnSourceAdded(Rectifying(), pd::SourceAdded{101, 2, {}, 2, 0}),
              "wrong_problem", "problem_id");
}

TEST_F(LedgerTest, AnIncompleteOrMalformedChangeCannotBeApplied) {
  pd::ProblemChanged c;
  c.problem_id = 100;
  c.change = pd::ChangeKind::kReassigned;
  ExpectError(ledger_.OnChanged(Rectifying(), c), "missing_field", "body");
  c.change = pd::ChangeKind::kDeadlineChanged;
  ExpectError(ledger_.OnChanged(Rectifying(), c), "missing_field", "deadline");
  c.deadline = "2017/12/20";
  ExpectError(ledger_.OnChanged(Rectifying(), c), "invalid_format", "deadline");
  c.deadline = "2019-03-01";
  ExpectError(ledger_.OnChanged(Rectifying(), c), "outside_calendar", "deadline");
  c.change = pd::ChangeKind::kReassigned;
  c.deadline.reset();
  c.body = pd::Body{"x", "某政府", pd::BodyKind::kCityGovernment};
  ExpectError(ledger_.OnChanged(Rectifying(), c), "invalid_format", "body.code");
}

// --- Who may act ------------------------------------------------------------------------------

TEST_F(LedgerTest, ABodyReportsProgressOnItsProblem) {
  const Decision d =
      Ok(ledger_.OnProgress(Rectifying(), Changan(), Progress{"已覆盖80%"}, Morning("2017-11-28")));
  EXPECT_EQ(d.entry.state, State::kInRectification);
  const auto& p = OnlyEvent<ProgressReported>(d);
  EXPECT_EQ(p.problem_id, 100);
  EXPECT_EQ(p.text, "已覆盖80%");
  EXPECT_EQ(p.by, "changan-gov");
  EXPECT_EQ(p.at, Morning("2017-11-28"));
  EXPECT_EQ(d.entry.history.back().what, "progress");
  EXPECT_EQ(d.entry.history.back().by, "changan-gov");
}

TEST_F(LedgerTest, ABodyCannotReportOnAProblemOutsideItsScope) {
  const LedgerEntry e = Rectifying();
  const timeutil::Millis now = Morning("2017-11-28");
  ExpectError(ledger_.OnProgress(e, Tangshan(), Progress{"x"}, now), "out_of_scope", "problem_id");
  ExpectError(ledger_.OnProgress(e, Qiaoxi(), Progress{"x"}, now), "out_of_scope", "problem_id");
  ExpectError(ledger_.OnClaim(e, Tangshan(), ClaimOf(), now), "out_of_scope", "problem_id");
  ExpectError(ledger_.OnExtensionRequest(e, Tangshan(), RequestExtension{5, "r"}, now),
              "out_of_scope", "problem_id");
  ExpectError(ledger_.OnVerificationResult(Verifying(), Tangshan(), {true, ""}, now),
              "out_of_scope", "problem_id");
}

TEST_F(LedgerTest, ABodyActsWhenTheProblemsJurisdictionIsInItsScope) {
  // 桥西区's government answers for a problem at 130104 even though the city bureau verifies it.
  EXPECT_TRUE(
      ledger_.OnProgress(Verifying(), Qiaoxi(), Progress{"配合核查"}, Morning("2017-11-22")).ok());
}

TEST_F(LedgerTest, ABodyActsWhenItIsTheAssignedBody) {
  // The city bureau's scope is the city (130100); the problem is at 130104.
  EXPECT_TRUE(ledger_
                  .OnProgress(Verifying(), ShijiazhuangBureau(), Progress{"已派员核查"},
                              Morning("2017-11-22"))
                  .ok());
}

TEST_F(LedgerTest, OnlyBodiesReportProgressVerifyClaimAndRequestExtensions) {
  const timeutil::Millis now = Morning("2017-11-28");
  for (const Actor& a : {Center(), Review()}) {
    ExpectError(ledger_.OnProgress(Rectifying(), a, Progress{"x"}, now), "forbidden", "");
    ExpectError(ledger_.OnVerificationResult(Verifying(), a, {true, ""}, now), "forbidden", "");
    ExpectError(ledger_.OnClaim(Rectifying(), a, ClaimOf(), now), "forbidden", "");
    ExpectError(ledger_.OnExtensionRequest(Rectifying(), a, {5, "r"}, now), "forbidden", "");
  }
}

TEST_F(LedgerTest, OnlyTheSupervisionCenterDecidesExtensions) {
  const LedgerEntry e = Requested(Rectifying());
  for (const Actor& a : {Changan(), Review()}) {
    ExpectError(ledger_.OnExtensionDecision(e, a, {true, "同意"}, Morning("2017-12-07")),
                "forbidden", "");
  }
}

TEST_F(LedgerTest, OnlyReviewReportsReinspectionResults) {
  for (const Actor& a : {Changan(), Center()}) {
    ExpectError(ledger_.OnReinspectionPassed(Claimed(), a, {}, Morning("2017-12-11")), "forbidden",
                "");
    ExpectError(ledger_.OnReinspectionFailed(Claimed(), a, {"仍有裸土"}, Morning("2017-12-11")),
                "forbidden", "");
  }
}

TEST_F(LedgerTest, ProgressNeedsTextAndAnOpenProblem) {
  ExpectError(ledger_.OnProgress(Rectifying(), Changan(), Progress{" \n"}, Morning("2017-11-28")),
              "blank", "text");
  ExpectError(ledger_.OnProgress(Claimed(), Changan(), Progress{"x"}, Morning("2017-12-09")),
              "wrong_state", "problem_id");
}

// --- Verification -----------------------------------------------------------------------------

TEST_F(LedgerTest, ASubstantiatedReportEntersRectificationWithTheDeadlineFromThePolicy) {
  const Decision d = Ok(ledger_.OnVerificationResult(Verifying(), ShijiazhuangBureau(),
                                                     {true, "经核查属实"}, Morning("2017-11-27")));
  const LedgerEntry& e = d.entry;
  EXPECT_EQ(e.state, State::kInRectification);
  // citizen_web, general: fifteen working days from Monday 27 November.
  EXPECT_EQ(Date(e.deadline), "2017-12-18");
  EXPECT_EQ(Date(e.deadline_started_day), "2017-11-27");
  EXPECT_EQ(e.verification_explanation, std::optional<std::string>("经核查属实"));
  const auto& v = OnlyEvent<VerificationConcluded>(d);
  EXPECT_TRUE(v.substantiated);
  EXPECT_EQ(v.rectification_deadline, D("2017-12-18"));
  EXPECT_EQ(v.by, "sjz-bureau");
  EXPECT_EQ(e.history.back().what, "verified_substantiated");
  EXPECT_EQ(e.history.back().detail,
            "rectification deadline 2017-12-18 (15 working days); 经核查属实");
}

TEST_F(LedgerTest, ASubstantiatedListedReportGetsTheListedCap) {
  LedgerEntry e = Verifying();
  e.listed = true;
  const Decision d =
      Ok(ledger_.OnVerificationResult(e, ShijiazhuangBureau(), {true, ""}, Morning("2017-11-27")));
  // Seven working days under listed supervision.
  EXPECT_EQ(Date(d.entry.deadline), "2017-12-06");
  EXPECT_EQ(d.entry.verification_explanation, std::nullopt);
}

TEST_F(LedgerTest, ARectificationDeadlineStartedBeforeNationalDaySkipsTheHoliday) {
  auto a = VerificationAssigned();
  a.assigned_at = Morning("2017-09-20");
  a.deadline = "2017-10-10";
  const Decision d = Ok(ledger_.OnVerificationResult(Open(ledger_, a), ShijiazhuangBureau(),
                                                     {true, ""}, Morning("2017-09-29")));
  // Saturday 30 September is a make-up working day; 1–8 October are holidays.
  EXPECT_EQ(Date(d.entry.deadline), "2017-10-26");
}

TEST_F(LedgerTest, SubstantiationClearsWhatTheClockAnnouncedForTheVerificationDeadline) {
  const LedgerEntry overdue = Ok(ledger_.Sweep(Verifying(), D("2017-12-07"))).entry;
  ASSERT_TRUE(overdue.overdue_notified);
  const LedgerEntry e = Ok(ledger_.OnVerificationResult(overdue, ShijiazhuangBureau(), {true, ""},
                                                        Morning("2017-12-07")))
                            .entry;
  EXPECT_TRUE(e.warnings_sent.empty());
  EXPECT_FALSE(e.overdue_notified);
  EXPECT_EQ(e.escalation_rung, 0);
}

TEST_F(LedgerTest, AReportNotSubstantiatedIsClosedWithItsExplanation) {
  const Decision d = Ok(ledger_.OnVerificationResult(Verifying(), ShijiazhuangBureau(),
                                                     {false, "现场为燃气锅炉，无冒黑烟现象"},
                                                     Morning("2017-11-24")));
  EXPECT_EQ(d.entry.state, State::kClosedNotSubstantiated);
  EXPECT_EQ(d.entry.verification_explanation,
            std::optional<std::string>("现场为燃气锅炉，无冒黑烟现象"));
  const auto& v = OnlyEvent<VerificationConcluded>(d);
  EXPECT_FALSE(v.substantiated);
  EXPECT_EQ(v.explanation, "现场为燃气锅炉，无冒黑烟现象");
  EXPECT_EQ(v.rectification_deadline, std::nullopt);
  EXPECT_EQ(d.entry.history.back().what, "verified_not_substantiated");
}

TEST_F(LedgerTest, AReportNotSubstantiatedNeedsAnExplanation) {
  ExpectError(ledger_.OnVerificationResult(Verifying(), ShijiazhuangBureau(), {false, "  "},
                                           Morning("2017-11-24")),
              "blank", "explanation");
}

TEST_F(LedgerTest, OnlyAProblemAwaitingVerificationTakesAVerificationResult) {
  ExpectError(
      ledger_.OnVerificationResult(Rectifying(), Changan(), {true, ""}, Morning("2017-11-24")),
      "wrong_state", "problem_id");
  const LedgerEntry closed =
      Ok(ledger_.OnVerificationResult(Verifying(), ShijiazhuangBureau(), {false, "不属实"},
                                      Morning("2017-11-24")))
          .entry;
  ExpectError(
      ledger_.OnVerificationResult(closed, ShijiazhuangBureau(), {true, ""}, Morning("2017-11-27")),
      "wrong_state", "problem_id");
}

TEST_F(LedgerTest, ASubstantiatedDeadlineBeyondTheCalendarIsRefused) {
  auto a = VerificationAssigned();
  a.assigned_at = Morning("2018-12-14");
  a.deadline = "2018-12-28";
  ExpectError(ledger_.OnVerificationResult(Open(ledger_, a), ShijiazhuangBureau(), {true, ""},
                                           Morning("2018-12-20")),
              "outside_calendar", "deadline");
}

// --- Claims -----------------------------------------------------------------------------------

TEST_F(LedgerTest, AClaimSendsTheProblemToReview) {
  const Decision d = Ok(ledger_.OnClaim(Rectifying(), Changan(), ClaimOf(), Morning("2017-12-08")));
  EXPECT_EQ(d.entry.state, State::kClaimed);
  const auto& c = OnlyEvent<RectificationClaimed>(d);
  EXPECT_EQ(c.problem_id, 100);
  EXPECT_EQ(c.body.code, 130102);
  EXPECT_EQ(c.jurisdiction, 130102);
  EXPECT_EQ(c.city, 130100);
  EXPECT_EQ(c.description, "裸土已全部覆盖");
  EXPECT_EQ(c.evidence, (std::vector<std::string>{"photo-1.jpg", "inspection-note-7"}));
  EXPECT_EQ(Date(c.deadline), "2017-12-12");
  EXPECT_EQ(Date(c.claimed_day), "2017-12-08");
  EXPECT_FALSE(c.late);
  EXPECT_EQ(c.by, "changan-gov");
  EXPECT_EQ(d.entry.history.back().what, "claimed");
}

TEST_F(LedgerTest, AClaimAfterTheDeadlineIsMarkedLate) {
  const Decision d = Ok(ledger_.OnClaim(Rectifying(), Changan(), ClaimOf(), Morning("2017-12-13")));
  EXPECT_TRUE(OnlyEvent<RectificationClaimed>(d).late);
}

TEST_F(LedgerTest, AClaimOnAClosedProblemIsRefused) {
  const LedgerEntry rectified =
      Ok(ledger_.OnReinspectionPassed(Claimed(), Review(), {}, Morning("2017-12-11"))).entry;
  ExpectError(ledger_.OnClaim(rectified, Changan(), ClaimOf(), Morning("2017-12-12")),
              "wrong_state", "problem_id");
  const LedgerEntry not_substantiated =
      Ok(ledger_.OnVerificationResult(Verifying(), ShijiazhuangBureau(), {false, "不属实"},
                                      Morning("2017-11-24")))
          .entry;
  ExpectError(
      ledger_.OnClaim(not_substantiated, ShijiazhuangBureau(), ClaimOf(), Morning("2017-11-27")),
      "wrong_state", "problem_id");
}

TEST_F(LedgerTest, AClaimBeforeVerificationOrASecondClaimIsRefused) {
  ExpectError(ledger_.OnClaim(Verifying(), ShijiazhuangBureau(), ClaimOf(), Morning("2017-11-24")),
              "wrong_state", "problem_id");
  ExpectError(ledger_.OnClaim(Claimed(), Changan(), ClaimOf(), Morning("2017-12-09")),
              "wrong_state", "problem_id");
}

TEST_F(LedgerTest, AClaimNeedsADescriptionAndEvidence) {
  const timeutil::Millis now = Morning("2017-12-08");
  ExpectError(ledger_.OnClaim(Rectifying(), Changan(), Claim{"", {"a"}}, now), "blank",
              "description");
  ExpectError(ledger_.OnClaim(Rectifying(), Changan(), Claim{"已整改", {}}, now), "blank",
              "evidence");
  ExpectError(ledger_.OnClaim(Rectifying(), Changan(), Claim{"已整改", {"a", " "}}, now), "blank",
              "evidence[1]");
}

TEST_F(LedgerTest, AClaimLetsAPendingExtensionRequestLapse) {
  const Decision d =
      Ok(ledger_.OnClaim(Requested(Rectifying()), Changan(), ClaimOf(), Morning("2017-12-08")));
  EXPECT_EQ(d.entry.pending_extension, std::nullopt);
  EXPECT_EQ(d.entry.history.back().detail,
            "裸土已全部覆盖 (2 evidence references); the pending extension request lapses");
  ExpectError(ledger_.OnExtensionDecision(d.entry, Center(), {true, "同意"}, Morning("2017-12-09")),
              "wrong_state", "problem_id");
}

// --- Extensions -------------------------------------------------------------------------------

TEST_F(LedgerTest, AnExtensionRequestWaitsForTheSupervisionCenter) {
  const Decision d = Ok(ledger_.OnExtensionRequest(Rectifying(), Changan(), {10, "需停产改造"},
                                                   Morning("2017-12-06")));
  EXPECT_EQ(Date(d.entry.deadline), "2017-12-12");
  ASSERT_TRUE(d.entry.pending_extension.has_value());
  EXPECT_EQ(*d.entry.pending_extension,
            (PendingExtension{10, "需停产改造", "changan-gov", Morning("2017-12-06")}));
  const auto& r = OnlyEvent<ExtensionRequested>(d);
  EXPECT_EQ(r.working_days, 10);
  EXPECT_EQ(r.reason, "需停产改造");
  EXPECT_EQ(Date(r.deadline), "2017-12-12");
}

TEST_F(LedgerTest, AnApprovedExtensionMovesTheDeadlineByWorkingDays) {
  const Decision d = Ok(ledger_.OnExtensionDecision(Requested(Rectifying()), Center(),
                                                    {true, "同意延期"}, Morning("2017-12-07")));
  EXPECT_EQ(Date(d.entry.deadline), "2017-12-26");
  EXPECT_EQ(Date(d.entry.deadline_started_day), "2017-11-21");
  EXPECT_EQ(d.entry.extensions_used, 1);
  EXPECT_EQ(d.entry.pending_extension, std::nullopt);
  const auto& x = OnlyEvent<ExtensionDecided>(d);
  EXPECT_TRUE(x.approved);
  EXPECT_EQ(Date(x.deadline), "2017-12-26");
  EXPECT_EQ(x.extensions_used, 1);
  EXPECT_EQ(x.by, "center-1");
  EXPECT_EQ(d.entry.history.back().detail,
            "10 working days, deadline 2017-12-12 -> 2017-12-26: 同意延期");
}

TEST_F(LedgerTest, ARefusedExtensionKeepsTheDeadlineAndDoesNotCount) {
  const Decision d = Ok(ledger_.OnExtensionDecision(Requested(Rectifying()), Center(),
                                                    {false, "理由不充分"}, Morning("2017-12-07")));
  EXPECT_EQ(Date(d.entry.deadline), "2017-12-12");
  EXPECT_EQ(d.entry.extensions_used, 0);
  EXPECT_EQ(d.entry.pending_extension, std::nullopt);
  EXPECT_FALSE(OnlyEvent<ExtensionDecided>(d).approved);
  EXPECT_EQ(d.entry.history.back().what, "extension_refused");
}

TEST_F(LedgerTest, ExtensionsAreCappedPerProblem) {
  const LedgerEntry twice = Approved(Approved(Rectifying()));
  EXPECT_EQ(twice.extensions_used, 2);
  EXPECT_EQ(Date(twice.deadline), "2018-01-10");
  ExpectError(ledger_.OnExtensionRequest(twice, Changan(), {1, "再延期"}, Morning("2017-12-20")),
              "extension_cap", "problem_id");
}

TEST_F(LedgerTest, AnApprovalBeyondTheCapIsRefused) {
  // A request made before the cap was reached cannot be approved once it is.
  LedgerEntry e = Requested(Rectifying());
  e.extensions_used = 2;
  ExpectError(ledger_.OnExtensionDecision(e, Center(), {true, "同意"}, Morning("2017-12-07")),
              "extension_cap", "problem_id");
}

TEST_F(LedgerTest, AnExtensionLongerThanTheCampaignAllowsIsRefused) {
  const timeutil::Millis now = Morning("2017-12-06");
  ExpectError(ledger_.OnExtensionRequest(Rectifying(), Changan(), {11, "r"}, now),
              "extension_too_long", "working_days");
  ExpectError(ledger_.OnExtensionRequest(Rectifying(), Changan(), {0, "r"}, now), "invalid_value",
              "working_days");
}

TEST_F(LedgerTest, ExtensionRequestsAndDecisionsNeedAReason) {
  ExpectError(ledger_.OnExtensionRequest(Rectifying(), Changan(), {5, ""}, Morning("2017-12-06")),
              "blank", "reason");
  ExpectError(ledger_.OnExtensionDecision(Requested(Rectifying()), Center(), {false, "\t"},
                                          Morning("2017-12-07")),
              "blank", "reason");
}

TEST_F(LedgerTest, OneExtensionRequestAtATime) {
  ExpectError(ledger_.OnExtensionRequest(Requested(Rectifying()), Changan(), {3, "r"},
                                         Morning("2017-12-06")),
              "wrong_state", "problem_id");
}

TEST_F(LedgerTest, DecidingWithoutAPendingRequestIsRefused) {
  ExpectError(
      ledger_.OnExtensionDecision(Rectifying(), Center(), {true, "同意"}, Morning("2017-12-07")),
      "wrong_state", "problem_id");
}

TEST_F(LedgerTest, AClaimedProblemCannotBeExtended) {
  ExpectError(ledger_.OnExtensionRequest(Claimed(), Changan(), {3, "r"}, Morning("2017-12-09")),
              "wrong_state", "problem_id");
}

TEST_F(LedgerTest, AVerificationDeadlineCanBeExtended) {
  const LedgerEntry requested =
      Ok(ledger_.OnExtensionRequest(Verifying(), ShijiazhuangBureau(), {2, "举报人联系不上"},
                                    Morning("2017-12-01")))
          .entry;
  const LedgerEntry e =
      Ok(ledger_.OnExtensionDecision(requested, Center(), {true, "同意"}, Morning("2017-12-01")))
          .entry;
  EXPECT_EQ(e.state, State::kAwaitingVerification);
  EXPECT_EQ(Date(e.deadline), "2017-12-07");
}

TEST_F(LedgerTest, AnApprovedExtensionOfAnOverdueProblemStartsTheOverdueClockAgain) {
  const LedgerEntry overdue = Ok(ledger_.Sweep(Rectifying(), D("2017-12-15"))).entry;
  ASSERT_TRUE(overdue.overdue_notified);
  ASSERT_EQ(overdue.escalation_rung, 2);
  const LedgerEntry extended = Approved(overdue);
  EXPECT_FALSE(extended.overdue_notified);
  EXPECT_EQ(extended.escalation_rung, 0);
  // 18 of the 25 working days to 2017-12-26 are used: nothing is due yet.
  EXPECT_TRUE(Ok(ledger_.Sweep(extended, D("2017-12-15"))).events.empty());
  // Against the new deadline the warnings come after 19 and 23 working days, and the problem is
  // overdue again from 27 December.
  EXPECT_EQ(Spell(Ok(ledger_.Sweep(extended, D("2017-12-27"))).events),
            (std::vector<std::string>{"warning 75% 2017-12-18", "warning 90% 2017-12-22",
                                      "overdue 2017-12-27", "escalated reminder 2017-12-27"}));
}

// --- Re-inspection ----------------------------------------------------------------------------

TEST_F(LedgerTest, APassedReinspectionClosesTheProblem) {
  const Decision d =
      Ok(ledger_.OnReinspectionPassed(Claimed(), Review(), {"复查确认"}, Morning("2017-12-11")));
  EXPECT_EQ(d.entry.state, State::kClosedRectified);
  const auto& r = OnlyEvent<Rectified>(d);
  EXPECT_EQ(r.note, "复查确认");
  EXPECT_EQ(r.by, "review");
  EXPECT_EQ(d.entry.history.back().what, "rectified");
}

TEST_F(LedgerTest, AFailedReinspectionReopensTheProblemWithANewDeadlineFromThePolicy) {
  const LedgerEntry claimed = Ok(ledger_.Sweep(Claimed("2017-12-08"), D("2017-12-08"))).entry;
  const Decision d = Ok(ledger_.OnReinspectionFailed(claimed, Review(), {"仍有大面积裸土未覆盖"},
                                                     Morning("2017-12-15")));
  const LedgerEntry& e = d.entry;
  EXPECT_EQ(e.state, State::kInRectification);
  // Fifteen working days from Friday 15 December, over the New Year holiday.
  EXPECT_EQ(Date(e.deadline), "2018-01-08");
  EXPECT_EQ(Date(e.deadline_started_day), "2017-12-15");
  EXPECT_EQ(e.reopen_count, 1);
  EXPECT_TRUE(e.warnings_sent.empty());
  EXPECT_FALSE(e.overdue_notified);
  const auto& r = OnlyEvent<Reopened>(d);
  EXPECT_EQ(r.findings, "仍有大面积裸土未覆盖");
  EXPECT_EQ(Date(r.deadline), "2018-01-08");
  EXPECT_EQ(r.reopen_count, 1);
  EXPECT_EQ(e.history.back().what, "reopened");
  EXPECT_EQ(e.history.back().detail,
            "new deadline 2018-01-08 (15 working days): 仍有大面积裸土未覆盖");
}

TEST_F(LedgerTest, AReopeningJustBeforeTheSpringFestivalCountsOnlyWorkingDays) {
  auto a = RectificationAssigned();
  a.assigned_at = Morning("2018-01-22");
  a.deadline = "2018-02-09";
  const LedgerEntry claimed =
      Ok(ledger_.OnClaim(Open(ledger_, a), Changan(), ClaimOf(), Morning("2018-02-07"))).entry;
  const LedgerEntry e =
      Ok(ledger_.OnReinspectionFailed(claimed, Review(), {"复查发现反弹"}, Morning("2018-02-12")))
          .entry;
  // 15–21 February are holidays; Saturday 24 February is a make-up working day.
  EXPECT_EQ(Date(e.deadline), "2018-03-09");
}

TEST_F(LedgerTest, AReopenedProblemCanBeClaimedAgainAndKeepsItsExtensionCount) {
  const LedgerEntry extended = Approved(Rectifying());
  const LedgerEntry claimed =
      Ok(ledger_.OnClaim(extended, Changan(), ClaimOf(), Morning("2017-12-20"))).entry;
  const LedgerEntry reopened =
      Ok(ledger_.OnReinspectionFailed(claimed, Review(), {"未整改到位"}, Morning("2017-12-22")))
          .entry;
  EXPECT_EQ(reopened.extensions_used, 1);
  const Decision again = Ok(ledger_.OnClaim(reopened, Changan(), ClaimOf(), Morning("2018-01-03")));
  EXPECT_EQ(again.entry.state, State::kClaimed);
  const LedgerEntry twice =
      Ok(ledger_.OnReinspectionFailed(again.entry, Review(), {"仍未整改"}, Morning("2018-01-03")))
          .entry;
  EXPECT_EQ(twice.reopen_count, 2);
  EXPECT_EQ(Date(twice.deadline), "2018-01-24");
}

TEST_F(LedgerTest, ReinspectionResultsApplyOnlyToClaimedProblems) {
  ExpectError(ledger_.OnReinspectionFailed(Rectifying(), Review(), {"x"}, Morning("2017-12-11")),
              "wrong_state", "problem_id");
  ExpectError(ledger_.OnReinspectionPassed(Verifying(), Review(), {}, Morning("2017-12-11")),
              "wrong_state", "problem_id");
  const LedgerEntry rectified =
      Ok(ledger_.OnReinspectionPassed(Claimed(), Review(), {}, Morning("2017-12-11"))).entry;
  ExpectError(ledger_.OnReinspectionFailed(rectified, Review(), {"x"}, Morning("2017-12-12")),
              "wrong_state", "problem_id");
}

TEST_F(LedgerTest, AFailedReinspectionNeedsItsFindings) {
  ExpectError(ledger_.OnReinspectionFailed(Claimed(), Review(), {""}, Morning("2017-12-11")),
              "blank", "findings");
}

// --- A whole life -----------------------------------------------------------------------------

TEST_F(LedgerTest, TheHistoryRecordsEveryStepOfACitizenReportsLife) {
  LedgerEntry e = Verifying();
  e = Ok(ledger_.OnProgress(e, ShijiazhuangBureau(), {"已派员核查"}, Morning("2017-11-22"))).entry;
  e = Ok(ledger_.OnVerificationResult(e, ShijiazhuangBureau(), {true, "属实"},
                                      Morning("2017-11-27")))
          .entry;
  e = Ok(ledger_.Sweep(e, D("2017-12-15"))).entry;
  e = Ok(ledger_.OnClaim(e, ShijiazhuangBureau(), ClaimOf(), Morning("2017-12-15"))).entry;
  e = Ok(ledger_.OnReinspectionFailed(e, Review(), {"仍冒黑烟"}, Morning("2017-12-20"))).entry;
  e = Ok(ledger_.OnClaim(e, ShijiazhuangBureau(), ClaimOf(), Morning("2017-12-28"))).entry;
  e = Ok(ledger_.OnReinspectionPassed(e, Review(), {}, Morning("2018-01-02"))).entry;
  std::vector<std::string> whats;
  for (const HistoryEntry& h : e.history) whats.push_back(h.what);
  EXPECT_EQ(whats, (std::vector<std::string>{"assigned", "progress", "verified_substantiated",
                                             "early_warning", "early_warning", "claimed",
                                             "reopened", "claimed", "rectified"}));
  EXPECT_EQ(e.state, State::kClosedRectified);
}

}  // namespace
}  // namespace ducha::tracking
