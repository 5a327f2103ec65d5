// Public disclosure as a pure function: the publication classes (reporters never, officials only
// with a decision, unknown fields never), when each item becomes public (the delay after
// verification; listed problems, decisions and the blacklist as they happen), and that the site
// is a deterministic function of the data.

#include "services/bulletin/core/disclosure.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "services/bulletin/core/publication.h"
#include "tests/unit/bulletin/fixtures.h"

namespace ducha::bulletin {
namespace {

using testing::At;
using testing::F;
using testing::Hebei;
using testing::Problem;

constexpr Millis kHour = 3'600'000;

DisclosureRules Rules() {
  DisclosureRules r;
  r.delay = 24 * kHour;
  return r;
}

Disclosure Disclose(const Projection& p, const char* as_of) {
  return ComputeDisclosure(Hebei(), p, Rules(), At(as_of));
}

std::vector<std::int64_t> Ids(const Disclosure& d) {
  std::vector<std::int64_t> ids;
  for (const DisclosedProblem& p : d.problems) ids.push_back(p.problem_id);
  return ids;
}

ProblemFact CitizenProblem(std::int64_t id, const char* at) {
  ProblemFact p = Problem(id, at, "2017-11-30");
  p.verification = true;
  p.channel = "citizen_web";
  return p;
}

Fact Verified(std::int64_t problem, const char* at, bool substantiated) {
  Fact f = F(problem, at, FactKind::kVerified);
  f.flag = substantiated;
  return f;
}

TEST(PublicationClasses, ReporterIdentityAndInternalNotesAreNeverDisclosed) {
  for (const char* field :
       {"report.reporter_name", "report.reporter_phone", "report.reporter_email",
        "report.contact_ref", "problem.title", "problem.description", "problem.address",
        "reinspection.findings", "opinion.text", "blacklist.reason", "operator.note"}) {
    EXPECT_EQ(ClassOf(field), PublicationClass::kNever) << field;
    EXPECT_FALSE(Disclosable(field, true)) << field;
  }
  EXPECT_EQ(ClassOf("a.field.nobody.classified"), PublicationClass::kNever) << "fail closed";
}

TEST(PublicationClasses, OfficialsAreDisclosedOnlyWithADecision) {
  EXPECT_EQ(ClassOf("opinion.responsible_officials"), PublicationClass::kAfterDecision);
  EXPECT_FALSE(Disclosable("decision.text", false));
  EXPECT_TRUE(Disclosable("decision.text", true));
  EXPECT_TRUE(Disclosable("problem.category", false));
  for (const FieldRule& r : FieldRules()) {
    EXPECT_EQ(r.field.find('.') != std::string_view::npos, true) << r.field;
    EXPECT_FALSE(r.why.empty()) << r.field;
  }
}

TEST(Disclosure, AProblemFoundByInspectionIsDisclosedOnlyAfterTheDelay) {
  Projection p;
  p.problems = {Problem(1, "2017-11-20T09:00:00+08:00", "2017-12-10")};
  EXPECT_TRUE(Disclose(p, "2017-11-21T08:59:00+08:00").problems.empty());
  const Disclosure d = Disclose(p, "2017-11-21T09:01:00+08:00");
  ASSERT_EQ(Ids(d), std::vector<std::int64_t>{1});
  EXPECT_EQ(d.problems[0].disclosed_at, At("2017-11-21T09:00:00+08:00"));
  EXPECT_EQ(d.updated, At("2017-11-21T09:00:00+08:00")) << "the data's time, not the moment's";
}

TEST(Disclosure, ACitizenReportIsDisclosedAfterItsVerificationAndNeverWhenNotSubstantiated) {
  Projection p;
  p.problems = {CitizenProblem(1, "2017-11-18T09:00:00+08:00"),
                CitizenProblem(2, "2017-11-18T09:00:00+08:00")};
  EXPECT_TRUE(Disclose(p, "2017-11-25T00:00:00+08:00").problems.empty()) << "not verified yet";
  p.facts = {Verified(1, "2017-11-21T10:00:00+08:00", true),
             Verified(2, "2017-11-21T10:00:00+08:00", false)};
  EXPECT_TRUE(Disclose(p, "2017-11-22T09:00:00+08:00").problems.empty());
  EXPECT_EQ(Ids(Disclose(p, "2017-11-22T11:00:00+08:00")), std::vector<std::int64_t>{1});
  EXPECT_EQ(Ids(Disclose(p, "2018-03-01T00:00:00+08:00")), std::vector<std::int64_t>{1});
}

TEST(Disclosure, ListedProblemsDecisionsAndTheBlacklistAreDisclosedAsTheyHappen) {
  Projection p;
  ProblemFact listed = Problem(1, "2017-11-20T09:00:00+08:00", "2017-12-10");
  listed.listed = true;
  listed.listing_reason = "operator";
  p.problems = {listed, Problem(2, "2017-11-20T09:00:00+08:00", "2017-12-10")};
  p.accountability = {
      AccountabilityFact{2, false, "interview", "约谈", At("2017-11-20T10:00:00+08:00"), ""},
      AccountabilityFact{2, true, "interview", "", At("2017-11-20T11:00:00+08:00"),
                         "约谈某区副区长"}};
  p.blacklist = {BlacklistFact{130100, true, At("2017-11-20T12:00:00+08:00"), "91130100MA07L7XT37",
                               "某化工有限公司", 12}};
  const Disclosure before = Disclose(p, "2017-11-20T10:30:00+08:00");
  EXPECT_EQ(Ids(before), std::vector<std::int64_t>{1}) << "listed at once; a recommendation "
                                                          "discloses nothing";
  const Disclosure after = Disclose(p, "2017-11-20T12:30:00+08:00");
  EXPECT_EQ(Ids(after), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(after.decision_count, 1u);
  ASSERT_EQ(after.blacklist.size(), 1u);
  const SiteFiles site = RenderSite(Hebei(), after, Rules());
  EXPECT_NE(site.at("decisions.html").find("约谈某区副区长"), std::string::npos);
  EXPECT_NE(site.at("blacklist.html").find("某化工有限公司"), std::string::npos);
  EXPECT_NE(site.at("listed.html").find("problem/1.html"), std::string::npos);
  const SiteFiles early = RenderSite(Hebei(), before, Rules());
  for (const auto& [path, bytes] : early) {
    EXPECT_EQ(bytes.find("约谈某区副区长"), std::string::npos) << path;
    EXPECT_EQ(bytes.find("约谈"), std::string::npos) << path << ": the recommendation's level";
  }
  // Taken off the blacklist: off the current list, kept in the changes.
  p.blacklist.push_back(BlacklistFact{130100, false, At("2017-12-20T12:00:00+08:00"),
                                      "91130100MA07L7XT37", "某化工有限公司", 0});
  const Disclosure later = Disclose(p, "2017-12-21T00:00:00+08:00");
  EXPECT_TRUE(later.blacklist.empty());
  EXPECT_EQ(later.blacklist_changes.size(), 2u);
}

TEST(Disclosure, TheSiteIsADeterministicFunctionOfTheDataWithEveryPageJsonAndTheFeed) {
  Projection p;
  for (int i = 1; i <= 30; ++i) {
    p.problems.push_back(
        Problem(i, "2017-11-20T09:00:00+08:00", "2017-11-22", i % 2 == 0 ? 130102 : 130202));
  }
  p.facts = {F(3, "2017-11-21T09:00:00+08:00", FactKind::kRectified)};
  const SiteFiles a = RenderSite(Hebei(), Disclose(p, "2017-11-25T00:00:00+08:00"), Rules());
  const SiteFiles b = RenderSite(Hebei(), Disclose(p, "2017-11-26T00:00:00+08:00"), Rules());
  EXPECT_EQ(a, b) << "nothing new between the two moments: the same bytes";
  for (const char* f :
       {"index.html", "listed.html", "blacklist.html", "decisions.html", "feed.atom",
        "data/problems.json", "data/blacklist.json", "data/decisions.json", "city/130100.html",
        "city/133100.html", "problem/1.html", "problem/30.html"}) {
    EXPECT_TRUE(a.contains(f)) << f;
  }
  EXPECT_EQ(a.size(), 30u + Hebei().jurisdictions().size() + 8u);
  EXPECT_NE(a.at("problem/3.html").find("已整改销号"), std::string::npos);
  EXPECT_NE(a.at("problem/4.html").find("逾期未整改"), std::string::npos);
  EXPECT_NE(a.at("index.html").find("<html lang=\"zh-CN\">"), std::string::npos);
  const std::string& feed = a.at("feed.atom");
  EXPECT_EQ(feed.find("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed "
                      "xmlns=\"http://www.w3.org/2005/Atom\""),
            0u);
  EXPECT_NE(feed.find("<updated>2017-11-21T01:00:00Z</updated>"), std::string::npos);
  std::size_t entries = 0;
  for (std::size_t at = feed.find("<entry>"); at != std::string::npos;
       at = feed.find("<entry>", at + 1)) {
    ++entries;
  }
  EXPECT_EQ(entries, 30u);
}

}  // namespace
}  // namespace ducha::bulletin

namespace ducha::bulletin {
namespace {

TEST(Disclosure, ASiteOfThreeThousandProblemsIsRenderedInSecondsWithAPagePerProblem) {
  Projection p;
  const auto counties = Hebei().counties();
  for (int i = 1; i <= 3000; ++i) {
    ProblemFact f = testing::Problem(i, "2017-11-20T09:00:00+08:00", "2017-12-20",
                                     counties[static_cast<std::size_t>(i) % counties.size()].code);
    f.listed = i % 50 == 0;
    p.problems.push_back(f);
  }
  const auto started = std::chrono::steady_clock::now();
  const SiteFiles site = RenderSite(
      Hebei(),
      ComputeDisclosure(Hebei(), p, DisclosureRules{}, testing::At("2017-11-25T00:00:00+08:00")),
      DisclosureRules{});
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  std::size_t bytes = 0;
  for (const auto& [path, text] : site) bytes += text.size();
  std::printf("[ measure ] 3000 problems: %zu files, %zu bytes, rendered in %lld ms\n", site.size(),
              bytes, static_cast<long long>(ms));
  EXPECT_EQ(site.size(), 3000u + Hebei().jurisdictions().size() + 8u);
  EXPECT_LT(ms, 30'000) << "even under the sanitizers";
}

}  // namespace
}  // namespace ducha::bulletin
