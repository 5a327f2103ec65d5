// The ledger's clock on the shipped Hebei 2017–2018 campaign: early warnings at 75% and 90% of
// the working days, overdue the day after the deadline, the escalation ladder (催办, 督办, 通报,
// 问责候选), each once, and the same result whether the clock moves a day at a time or jumps.

#include <gtest/gtest.h>

#include <random>

#include "tests/unit/tracking/ledger_fixtures.h"

namespace ducha::tracking {
namespace {

using namespace ducha::tracking::testing;  // NOLINT(google-build-using-namespace)

class SweepTest : public ::testing::Test {
 protected:
  // A rectification problem assigned on `start` (10:00 Beijing) and due on `deadline`.
  LedgerEntry Due(const char* start, const char* deadline) {
    auto a = RectificationAssigned();
    a.assigned_at = Morning(start);
    a.deadline = deadline;
    return Open(ledger_, a);
  }

  std::vector<std::string> SweepOn(LedgerEntry& e, const char* day) {
    const Decision d = Ok(ledger_.Sweep(e, D(day)));
    e = d.entry;
    return Spell(d.events);
  }

  // Sweeps every day in [from, to] and returns "day: event" for each event.
  std::vector<std::string> DayByDay(LedgerEntry& e, const char* from, const char* to) {
    std::vector<std::string> out;
    for (Day day = D(from); day <= D(to); ++day) {
      const Decision d = Ok(ledger_.Sweep(e, day));
      for (const std::string& s : Spell(d.events)) out.push_back(Date(day) + ": " + s);
      e = d.entry;
    }
    return out;
  }

  using Strings = std::vector<std::string>;

  Ledger ledger_{Hebei()};
};

// --- Early warnings ---------------------------------------------------------------------------

TEST_F(SweepTest, NoWarningBeforeThreeQuartersOfTheWorkingDaysAreUsed) {
  const LedgerEntry e = Due("2017-11-21", "2017-12-12");     // fifteen working days
  const Decision d = Ok(ledger_.Sweep(e, D("2017-12-06")));  // eleven used
  EXPECT_TRUE(d.events.empty());
  EXPECT_EQ(d.entry, e);
}

TEST_F(SweepTest, WarnsWhenThreeQuartersOfTheWorkingDaysAreUsed) {
  const Decision d = Ok(ledger_.Sweep(Due("2017-11-21", "2017-12-12"), D("2017-12-07")));
  const auto& w = OnlyEvent<DeadlineWarning>(d);
  EXPECT_EQ(w.problem_id, 100);
  EXPECT_EQ(w.body.name, "长安区人民政府");
  EXPECT_EQ(w.deadline_kind, DeadlineKind::kRectification);
  EXPECT_EQ(w.fraction, 0.75);
  // 0.75 × 15 = 11.25: the warning comes once twelve working days are used.
  EXPECT_EQ(w.working_days_used, 12);
  EXPECT_EQ(w.working_days_total, 15);
  EXPECT_EQ(Date(w.deadline), "2017-12-12");
  EXPECT_EQ(Date(w.due_day), "2017-12-07");
  EXPECT_EQ(d.entry.warnings_sent, std::vector<double>{0.75});
  const HistoryEntry& h = d.entry.history.back();
  EXPECT_EQ(h.what, "early_warning");
  EXPECT_EQ(h.by, "clock");
  EXPECT_EQ(h.at, timeutil::StartOfDay(D("2017-12-07"), 480));
  EXPECT_EQ(h.detail,
            "75% of the time used: 12 of 15 working days (rectification deadline 2017-12-12)");
}

TEST_F(SweepTest, WarnsAgainWhenNinetyPercentAreUsedAndNotOverTheWeekend) {
  LedgerEntry e = Due("2017-11-21", "2017-12-12");
  EXPECT_EQ(DayByDay(e, "2017-11-21", "2017-12-12"),
            (Strings{"2017-12-07: warning 75% 2017-12-07", "2017-12-11: warning 90% 2017-12-11"}));
  EXPECT_EQ(e.warnings_sent, (std::vector<double>{0.75, 0.9}));
}

TEST_F(SweepTest, WarningThresholdsRoundUpSoAWarningIsNeverEarly) {
  // Ten working days: 0.75 × 10 = 7.5 rounds up to 8; 0.9 × 10 is 9 even though the binary
  // product is 9.000000000000002.
  LedgerEntry e = Due("2017-11-21", "2017-12-05");
  const Decision d = Ok(ledger_.Sweep(e, D("2017-12-04")));
  EXPECT_EQ(Spell(d.events), (Strings{"warning 75% 2017-12-01", "warning 90% 2017-12-04"}));
  EXPECT_EQ(std::get<DeadlineWarning>(d.events[0]).working_days_used, 8);
  EXPECT_EQ(std::get<DeadlineWarning>(d.events[1]).working_days_used, 9);
}

TEST_F(SweepTest, AnExactFractionWarnsOnThatDay) {
  // Twenty working days: 15 and 18.
  LedgerEntry e = Due("2017-11-21", "2017-12-19");
  EXPECT_EQ(DayByDay(e, "2017-11-21", "2017-12-19"),
            (Strings{"2017-12-12: warning 75% 2017-12-12", "2017-12-15: warning 90% 2017-12-15"}));
}

TEST_F(SweepTest, ADeadlineWithNoWorkingDayToRunHasNoEarlyWarnings) {
  LedgerEntry e = Due("2017-12-12", "2017-12-12");
  EXPECT_EQ(
      DayByDay(e, "2017-12-12", "2017-12-13"),
      (Strings{"2017-12-13: overdue 2017-12-13", "2017-12-13: escalated reminder 2017-12-13"}));
}

TEST_F(SweepTest, WarningsSkipTheNationalDayHoliday) {
  // From Friday 29 September 2017: Saturday 30 September is a make-up working day, 1–8 October
  // are holidays; fifteen working days end on 26 October.
  LedgerEntry e = Due("2017-09-29", "2017-10-26");
  EXPECT_TRUE(SweepOn(e, "2017-10-08").empty());
  EXPECT_EQ(
      DayByDay(e, "2017-10-09", "2017-10-27"),
      (Strings{"2017-10-23: warning 75% 2017-10-23", "2017-10-25: warning 90% 2017-10-25",
               "2017-10-27: overdue 2017-10-27", "2017-10-27: escalated reminder 2017-10-27"}));
}

// --- Overdue and escalation -------------------------------------------------------------------

TEST_F(SweepTest, AProblemDueTodayIsNotOverdueButIsTheDayAfter) {
  LedgerEntry e = Due("2017-11-21", "2017-12-12");
  SweepOn(e, "2017-12-11");
  EXPECT_TRUE(SweepOn(e, "2017-12-12").empty());
  const Decision d = Ok(ledger_.Sweep(e, D("2017-12-13")));
  ASSERT_EQ(d.events.size(), 2u);
  const auto& o = std::get<Overdue>(d.events[0]);
  EXPECT_EQ(o.problem_id, 100);
  EXPECT_EQ(o.deadline_kind, DeadlineKind::kRectification);
  EXPECT_EQ(Date(o.deadline), "2017-12-12");
  EXPECT_EQ(Date(o.due_day), "2017-12-13");
  EXPECT_TRUE(d.entry.overdue_notified);
  // The first rung (催办) has a threshold of 0 working days: due with the overdue notice.
  const auto& r = std::get<Escalated>(d.events[1]);
  EXPECT_EQ(r.rung, 1);
  EXPECT_EQ(r.rung_name, "reminder");
  EXPECT_EQ(r.display_name, "催办");
  EXPECT_EQ(d.entry.escalation_rung, 1);
}

TEST_F(SweepTest, EachRungIsReachedOnItsWorkingDayOverdue) {
  LedgerEntry e = Due("2017-11-21", "2017-12-12");
  SweepOn(e, "2017-12-12");
  EXPECT_EQ(DayByDay(e, "2017-12-13", "2018-01-31"),
            (Strings{"2017-12-13: overdue 2017-12-13", "2017-12-13: escalated reminder 2017-12-13",
                     "2017-12-15: escalated supervision_notice 2017-12-15",
                     "2017-12-19: escalated bulletin_listing 2017-12-19",
                     "2017-12-26: escalated accountability_candidate 2017-12-26"}));
  EXPECT_EQ(e.escalation_rung, 4);
}

TEST_F(SweepTest, AnEscalationCarriesItsRung) {
  LedgerEntry e = Due("2017-11-21", "2017-12-12");
  SweepOn(e, "2017-12-14");
  const Decision d = Ok(ledger_.Sweep(e, D("2017-12-15")));
  const auto& r = OnlyEvent<Escalated>(d);
  EXPECT_EQ(r.rung, 2);
  EXPECT_EQ(r.rung_name, "supervision_notice");
  EXPECT_EQ(r.display_name, "督办");
  EXPECT_EQ(r.working_days_overdue, 3);
  EXPECT_EQ(Date(r.due_day), "2017-12-15");
  EXPECT_EQ(
      d.entry.history.back().detail,
      "督办 (supervision_notice): 3 working days overdue (rectification deadline 2017-12-12)");
}

TEST_F(SweepTest, OverdueAcrossTheSpringFestivalCountsOnlyWorkingDays) {
  // Due Wednesday 14 February 2018; 15–21 February are holidays, Saturday 24 February is a
  // make-up working day.
  LedgerEntry e = Due("2018-01-24", "2018-02-14");
  SweepOn(e, "2018-02-14");
  EXPECT_EQ(DayByDay(e, "2018-02-15", "2018-03-31"),
            (Strings{"2018-02-15: overdue 2018-02-15", "2018-02-15: escalated reminder 2018-02-15",
                     "2018-02-24: escalated supervision_notice 2018-02-24",
                     "2018-02-27: escalated bulletin_listing 2018-02-27",
                     "2018-03-06: escalated accountability_candidate 2018-03-06"}));
}

TEST_F(SweepTest, AJumpEmitsEverythingCrossedInTheOrderRealTimeWould) {
  const Decision d = Ok(ledger_.Sweep(Due("2017-11-21", "2017-12-12"), D("2018-01-15")));
  EXPECT_EQ(Spell(d.events),
            (Strings{"warning 75% 2017-12-07", "warning 90% 2017-12-11", "overdue 2017-12-13",
                     "escalated reminder 2017-12-13", "escalated supervision_notice 2017-12-15",
                     "escalated bulletin_listing 2017-12-19",
                     "escalated accountability_candidate 2017-12-26"}));
  EXPECT_EQ(d.entry.history.size(), 8u);
  EXPECT_EQ(d.entry.history.back().at, timeutil::StartOfDay(D("2017-12-26"), 480));
}

TEST_F(SweepTest, SweepingTheResultAgainOnTheSameDayEmitsNothing) {
  const Decision first = Ok(ledger_.Sweep(Due("2017-11-21", "2017-12-12"), D("2017-12-20")));
  ASSERT_FALSE(first.events.empty());
  const Decision again = Ok(ledger_.Sweep(first.entry, D("2017-12-20")));
  EXPECT_TRUE(again.events.empty());
  EXPECT_EQ(again.entry, first.entry);
}

TEST_F(SweepTest, AnOverdueVerificationWarnsAndEscalatesToo) {
  const Decision d = Ok(ledger_.Sweep(Open(ledger_, VerificationAssigned()), D("2017-12-06")));
  EXPECT_EQ(Spell(d.events), (Strings{"warning 75% 2017-12-01", "warning 90% 2017-12-04",
                                      "overdue 2017-12-06", "escalated reminder 2017-12-06"}));
  EXPECT_EQ(std::get<Overdue>(d.events[2]).deadline_kind, DeadlineKind::kVerification);
  EXPECT_EQ(d.entry.history.back().detail,
            "催办 (reminder): 0 working days overdue (verification deadline 2017-12-05)");
}

TEST_F(SweepTest, AClaimStopsTheClock) {
  const LedgerEntry claimed = Ok(ledger_.OnClaim(Due("2017-11-21", "2017-12-12"), Changan(),
                                                 Claim{"已整改", {"photo"}}, Morning("2017-12-01")))
                                  .entry;
  const Decision d = Ok(ledger_.Sweep(claimed, D("2018-01-15")));
  EXPECT_TRUE(d.events.empty());
  EXPECT_EQ(d.entry, claimed);
}

TEST_F(SweepTest, ClosedProblemsHaveNoTimeEvents) {
  for (State s : {State::kClosedNotSubstantiated, State::kClosedRectified}) {
    LedgerEntry e = Due("2017-11-21", "2017-12-12");
    e.state = s;
    EXPECT_TRUE(Ok(ledger_.Sweep(e, D("2018-01-15"))).events.empty()) << ToString(s);
  }
}

TEST_F(SweepTest, ASweepOnADayOutsideTheCalendarIsAnError) {
  auto r = ledger_.Sweep(Due("2017-11-21", "2017-12-12"), D("2019-01-01"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "outside_calendar");
  EXPECT_EQ(r.error().field, "today");
}

// --- The store's index: the next day a sweep has anything to do ---------------------------------

// NextDueDay lets the store sweep only the entries that are due. It must be exact: a sweep before
// it emits nothing (or an entry would be skipped too long), a sweep on it emits something, and
// after a sweep the next due day is later (or none).
TEST_F(SweepTest, NextDueDayIsExactlyTheFirstDayASweepEmits) {
  std::mt19937 rng(20171128);
  auto uniform = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const campaign::Calendar& calendar = Hebei().calendar();
  int checked_due_days = 0;
  for (int i = 0; i < 300; ++i) {
    auto a = uniform(0, 2) == 0 ? VerificationAssigned() : RectificationAssigned();
    const Day start = D("2017-09-01") + uniform(0, 240);
    const auto deadline = calendar.AddWorkingDays(start, uniform(0, 25));
    ASSERT_TRUE(deadline.ok());
    a.problem_id = i + 1;
    a.assigned_at = timeutil::StartOfDay(start, 480) + uniform(0, 86'399) * 1000LL;
    a.deadline = Date(*deadline);
    LedgerEntry entry = Open(ledger_, a);
    SCOPED_TRACE("problem " + std::to_string(i) + " from " + Date(start) + " due " +
                 Date(*deadline));
    const Day end = std::min(start + 90, calendar.to());
    for (Day day = start; day <= end; ++day) {
      const std::optional<Day> next = ledger_.NextDueDay(entry);
      const Decision d = Ok(ledger_.Sweep(entry, day));
      if (!next || day < *next) {
        ASSERT_TRUE(d.events.empty()) << Date(day);
      } else {
        ASSERT_EQ(day, *next) << "an entry due earlier was not swept on its day";
        ASSERT_FALSE(d.events.empty()) << Date(day);
        ++checked_due_days;
      }
      entry = d.entry;
      if (const auto after = ledger_.NextDueDay(entry)) {
        EXPECT_GT(*after, day);
      }
    }
    // Fully escalated after 90 days: nothing left to announce.
    if (end == start + 90) {
      EXPECT_EQ(ledger_.NextDueDay(entry), std::nullopt);
    }
  }
  EXPECT_GT(checked_due_days, 1000);
  EXPECT_EQ(
      ledger_.NextDueDay(Ok(ledger_.OnClaim(Due("2017-11-21", "2017-12-12"), Changan(),
                                            Claim{"已整改", {"photo"}}, Morning("2017-11-22")))
                             .entry),
      std::nullopt);
}

// --- Simulated time equals real time -----------------------------------------------------------

// Many random problems (start day, working days to the deadline, kind, a claim now and then),
// each followed over a random span: a sweep every day, a sweep at random strides and a single
// sweep at the end must emit the same events and leave the same entry, and sweeping any result
// again on its day emits nothing.
TEST_F(SweepTest, DayByDayRandomStridesAndOneJumpEmitTheSameEventsEachOnce) {
  std::mt19937 rng(20171121);
  auto uniform = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const campaign::Calendar& calendar = Hebei().calendar();
  int emitted = 0;
  int fully_escalated = 0;
  for (int i = 0; i < 400; ++i) {
    auto a = uniform(0, 2) == 0 ? VerificationAssigned() : RectificationAssigned();
    const Day start = D("2017-09-01") + uniform(0, 240);
    const auto deadline = calendar.AddWorkingDays(start, uniform(0, 25));
    ASSERT_TRUE(deadline.ok());
    a.problem_id = i + 1;
    a.assigned_at = timeutil::StartOfDay(start, 480) + uniform(0, 86'399) * 1000LL;
    a.deadline = Date(*deadline);
    LedgerEntry entry = Open(ledger_, a);
    if (entry.state == State::kInRectification && uniform(0, 9) == 0) {
      entry = Ok(ledger_.OnClaim(entry, Changan(), Claim{"已整改", {"photo"}},
                                 timeutil::StartOfDay(start, 480)))
                  .entry;
    }
    const Day from = start - uniform(0, 3);
    const Day end = start + uniform(0, 70);
    SCOPED_TRACE("problem " + std::to_string(i) + " from " + Date(start) + " due " +
                 Date(*deadline) + " swept to " + Date(end));

    LedgerEntry daily = entry;
    std::vector<Event> daily_events;
    for (Day day = from; day <= end; ++day) {
      const Decision d = Ok(ledger_.Sweep(daily, day));
      daily_events.insert(daily_events.end(), d.events.begin(), d.events.end());
      daily = d.entry;
      ASSERT_TRUE(Ok(ledger_.Sweep(daily, day)).events.empty()) << Date(day);
    }

    LedgerEntry strided = entry;
    std::vector<Event> strided_events;
    for (Day day = from + uniform(0, 9);; day += uniform(1, 9)) {
      const Decision d = Ok(ledger_.Sweep(strided, std::min(day, end)));
      strided_events.insert(strided_events.end(), d.events.begin(), d.events.end());
      strided = d.entry;
      if (day >= end) break;
    }

    const Decision jump = Ok(ledger_.Sweep(entry, end));
    EXPECT_EQ(Spell(daily_events), Spell(jump.events));
    EXPECT_EQ(daily_events, jump.events);
    EXPECT_EQ(daily, jump.entry);
    EXPECT_EQ(strided_events, jump.events);
    EXPECT_EQ(strided, jump.entry);
    EXPECT_TRUE(Ok(ledger_.Sweep(jump.entry, end)).events.empty());

    for (const Event& ev : jump.events) {
      std::visit(
          [&](const auto& e) {
            if constexpr (requires { e.due_day; }) {
              EXPECT_LE(e.due_day, end);
            }
          },
          ev);
    }
    if (entry.state == State::kClaimed) {
      EXPECT_TRUE(jump.events.empty());
    }
    emitted += static_cast<int>(jump.events.size());
    if (jump.entry.escalation_rung == 4) ++fully_escalated;
  }
  // The walk reaches every kind of event, not only a few warnings.
  EXPECT_GT(emitted, 1000);
  EXPECT_GT(fully_escalated, 50);
}

}  // namespace
}  // namespace ducha::tracking
