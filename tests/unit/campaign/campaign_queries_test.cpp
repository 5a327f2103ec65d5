#include <gtest/gtest.h>

#include <map>
#include <set>

#include "common/campaign/campaign.h"
#include "tests/unit/campaign/campaign_test_util.h"

namespace ducha::campaign {
namespace {

using testing::D;
using testing::Shipped;

TEST(ShippedCampaign, LoadsWithItsIdentity) {
  const Campaign& c = Shipped();
  EXPECT_EQ(c.info().id, "hebei-2017-2018");
  EXPECT_EQ(c.info().name, "河北省2017—2018年秋冬季大气污染综合治理攻坚行动专项督察");
  EXPECT_GE(c.info().version, 1);
  EXPECT_EQ(c.info().utc_offset_minutes, 480);
  EXPECT_EQ(c.province().code, 130000);
}

TEST(ShippedCampaign, Has168CountyLevelUnitsIn14Jurisdictions) {
  EXPECT_EQ(Shipped().counties().size(), 168u);
  EXPECT_EQ(Shipped().jurisdictions().size(), 14u);
  std::size_t total = 0;
  for (const Jurisdiction& j : Shipped().jurisdictions()) total += j.counties.size();
  EXPECT_EQ(total, 168u);
}

TEST(ShippedCampaign, CountsCountyLevelUnitsPerJurisdiction) {
  const std::map<DivisionCode, std::size_t> expected = {
      {130100, 21}, {130200, 14}, {130300, 7},  {130400, 18}, {130500, 19},
      {130600, 20}, {130700, 16}, {130800, 11}, {130900, 16}, {131000, 10},
      {131100, 11}, {130682, 1},  {130181, 1},  {133100, 3}};
  for (const auto& [code, count] : expected) {
    EXPECT_EQ(Shipped().CountiesOf(code).size(), count) << *Shipped().NameOf(code);
  }
}

TEST(ShippedCampaign, PutsXiongAnCountiesInXiongAnNotInBaoding) {
  for (DivisionCode county : {130638, 130629, 130632}) {
    EXPECT_EQ(Shipped().JurisdictionOf(county), 133100);
    EXPECT_EQ(Shipped().FindCounty(county)->prefecture_code, 130600);
  }
  EXPECT_EQ(Shipped().BureauFor(130638), "雄安新区管理委员会");
}

TEST(ShippedCampaign, MarksTheXiongAnCodeAsCampaignLocal) {
  const Jurisdiction* xiongan = Shipped().FindJurisdiction(133100);
  ASSERT_NE(xiongan, nullptr);
  EXPECT_TRUE(xiongan->campaign_local_code);
  EXPECT_EQ(xiongan->name, "雄安新区");
  EXPECT_FALSE(Shipped().FindJurisdiction(130100)->campaign_local_code);
}

TEST(ShippedCampaign, TreatsDingzhouAndXinjiAsTheirOwnJurisdictionAndOnlyCounty) {
  for (DivisionCode code : {130682, 130181}) {
    EXPECT_TRUE(Shipped().IsCity(code));
    EXPECT_TRUE(Shipped().IsCounty(code));
    EXPECT_EQ(Shipped().JurisdictionOf(code), code);
    ASSERT_EQ(Shipped().CountiesOf(code).size(), 1u);
    EXPECT_EQ(Shipped().CountiesOf(code)[0], code);
  }
  EXPECT_EQ(Shipped().BureauFor(130682), "定州市环境保护局");
}

TEST(ShippedCampaign, NamesGovernmentsAndBureaus) {
  EXPECT_EQ(Shipped().NameOf(130102), "长安区");
  EXPECT_EQ(Shipped().GovernmentOf(130102), "长安区人民政府");
  EXPECT_EQ(Shipped().BureauFor(130102), "石家庄市环境保护局");
  EXPECT_EQ(Shipped().GovernmentOf(130100), "石家庄市人民政府");
  EXPECT_EQ(Shipped().JurisdictionOf(130102), 130100);
}

TEST(ShippedCampaign, KnowsOnlyJurisdictionAndCountyCodes) {
  EXPECT_TRUE(Shipped().IsKnownCode(130100));
  EXPECT_TRUE(Shipped().IsKnownCode(130102));
  EXPECT_TRUE(Shipped().IsKnownCode(133100));
  EXPECT_FALSE(Shipped().IsKnownCode(130000));  // The province itself.
  EXPECT_FALSE(Shipped().IsKnownCode(110101));  // Beijing.
  EXPECT_FALSE(Shipped().IsCounty(130100));
  EXPECT_FALSE(Shipped().JurisdictionOf(110101).has_value());
  EXPECT_TRUE(Shipped().CountiesOf(110100).empty());
  EXPECT_FALSE(Shipped().BureauFor(110101).has_value());
}

TEST(ShippedCampaign, FindsTheRoundOfADayInclusively) {
  EXPECT_EQ(Shipped().RoundAt(D("2017-09-14"))->number, 1);
  EXPECT_EQ(Shipped().RoundAt(D("2017-09-28"))->number, 1);
  EXPECT_EQ(Shipped().RoundAt(D("2017-11-30"))->number, 3);
  EXPECT_EQ(Shipped().RoundAt(D("2018-03-08"))->number, 5);
  EXPECT_FALSE(Shipped().RoundAt(D("2017-09-13")).has_value());
  EXPECT_FALSE(Shipped().RoundAt(D("2017-10-05")).has_value());
  EXPECT_FALSE(Shipped().RoundAt(D("2018-03-09")).has_value());
}

TEST(ShippedCampaign, FindsTheSupervisionGroupOfACountyInEachRound) {
  EXPECT_EQ(Shipped().SupervisionGroupFor(130102, D("2017-09-20")), "SG1");
  EXPECT_EQ(Shipped().SupervisionGroupFor(130102, D("2017-10-20")), "SG6");
  EXPECT_EQ(Shipped().SupervisionGroupFor(130100, D("2017-10-20")), "SG6");
  EXPECT_EQ(Shipped().SupervisionGroupFor(130638, D("2017-09-20")), "SG4");
}

TEST(ShippedCampaign, HasNoGroupBetweenRounds) {
  EXPECT_FALSE(Shipped().SupervisionGroupFor(130102, D("2017-10-05")).has_value());
  EXPECT_FALSE(Shipped().CovertGroupFor(130102, D("2017-10-05")).has_value());
}

TEST(ShippedCampaign, CoversEveryJurisdictionOnceByEachKindOfGroupInEveryRound) {
  for (const Round& round : Shipped().rounds()) {
    std::map<std::string, int> load;
    for (const Jurisdiction& j : Shipped().jurisdictions()) {
      const auto sg = Shipped().SupervisionGroupFor(j.code, round.from);
      const auto cg = Shipped().CovertGroupFor(j.code, round.to);
      ASSERT_TRUE(sg.has_value()) << j.name << " round " << round.number;
      ASSERT_TRUE(cg.has_value()) << j.name << " round " << round.number;
      ++load[std::string(*sg)];
      ++load[std::string(*cg)];
    }
    EXPECT_EQ(load.size(), 12u);
    for (const auto& [group, count] : load) {
      EXPECT_GE(count, 2) << group;
      EXPECT_LE(count, 3) << group;
    }
  }
}

TEST(ShippedCampaign, NeverSendsACovertGroupToItsHomeJurisdiction) {
  for (const Group& g : Shipped().groups()) {
    if (g.kind != GroupKind::kCovert) continue;
    const std::set<DivisionCode> home(g.home_jurisdictions.begin(), g.home_jurisdictions.end());
    for (const Round& r : Shipped().rounds()) {
      for (DivisionCode code : Shipped().JurisdictionsOf(g.id, r.number)) {
        EXPECT_FALSE(home.contains(code)) << g.id << " round " << r.number;
      }
    }
  }
}

TEST(ShippedCampaign, RotatesSupervisionGroupsBetweenRounds) {
  for (const Jurisdiction& j : Shipped().jurisdictions()) {
    for (std::size_t i = 1; i < Shipped().rounds().size(); ++i) {
      EXPECT_NE(Shipped().SupervisionGroupFor(j.code, Shipped().rounds()[i - 1].from),
                Shipped().SupervisionGroupFor(j.code, Shipped().rounds()[i].from))
          << j.name;
    }
  }
}

TEST(ShippedCampaign, DescribesGroupsWithTheirMinimumStrength) {
  const Group* sg = Shipped().FindGroup("SG3");
  ASSERT_NE(sg, nullptr);
  EXPECT_EQ(sg->name, "第三督察组");
  EXPECT_EQ(sg->min_members, 25);
  const Group* cg = Shipped().FindGroup("CG6");
  ASSERT_NE(cg, nullptr);
  EXPECT_EQ(cg->kind, GroupKind::kCovert);
  EXPECT_EQ(cg->min_members, 20);
  EXPECT_EQ(Shipped().FindGroup("SG7"), nullptr);
  EXPECT_TRUE(Shipped().group_rules().assignments_are_illustrative);
}

TEST(ShippedCampaign, DescribesChannelsCategoriesAndSeverities) {
  const ChannelInfo* web = Shipped().FindChannel("citizen_web");
  ASSERT_NE(web, nullptr);
  EXPECT_TRUE(web->citizen);
  EXPECT_FALSE(web->group);
  EXPECT_EQ(web->platforms.size(), 4u);
  EXPECT_TRUE(Shipped().FindChannel("citizen_hotline")->citizen);
  EXPECT_TRUE(Shipped().FindChannel("covert_group")->group);
  EXPECT_FALSE(Shipped().FindChannel("central_media")->citizen);
  EXPECT_EQ(Shipped().FindChannel("ministry_supervision")->display_name,
            "环保部强化督查/专项巡查交办");
  EXPECT_EQ(Shipped().FindCategory("scattered_polluting_enterprises")->display_name,
            "\"散乱污\"企业集中整治");
  EXPECT_EQ(Shipped().FindSeverity("serious")->display_name, "较重");
  EXPECT_EQ(Shipped().FindChannel("citizen_wechat"), nullptr);
}

TEST(ShippedCampaign, ChecksLocationsAgainstTheProvinceBox) {
  EXPECT_TRUE(Shipped().InsideProvince(38.04, 114.54));   // Shijiazhuang.
  EXPECT_FALSE(Shipped().InsideProvince(31.23, 121.47));  // Shanghai.
  for (const County& c : Shipped().counties()) {
    EXPECT_TRUE(Shipped().InsideProvince(c.lat, c.lon)) << c.name;
  }
}

}  // namespace
}  // namespace ducha::campaign
