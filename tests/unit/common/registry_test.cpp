// common/auth: the registry that maps an authenticated key to an identity.

#include <gtest/gtest.h>

#include "common/auth/identity.h"

namespace ducha::auth {
namespace {

constexpr char kKeyA[] = "A000000000000000000000000000000000000000";
constexpr char kKeyA2[] = "A200000000000000000000000000000000000000";
constexpr char kKeyB[] = "B000000000000000000000000000000000000000";

Identity Portal(std::string name) {
  Identity id;
  id.name = std::move(name);
  id.role = Role::kIntegration;
  id.channels = {"web_portal", "wechat"};
  return id;
}

Registry::Snapshot TwoPortals() {
  Registry::Snapshot s;
  s.identities.emplace("portal-a", Portal("portal-a"));
  s.identities.emplace("portal-b", Portal("portal-b"));
  s.key_to_identity.emplace(kKeyA, "portal-a");
  s.key_to_identity.emplace(kKeyA2, "portal-a");
  s.key_to_identity.emplace(kKeyB, "portal-b");
  return s;
}

TEST(Registry, StartsEmpty) {
  Registry r;
  EXPECT_EQ(r.size(), 0u);
  EXPECT_FALSE(r.IdentityForKey(kKeyA));
  EXPECT_FALSE(r.Find("portal-a"));
}

TEST(Registry, MapsEachKeyToItsIdentity) {
  Registry r;
  r.Replace(TwoPortals());
  EXPECT_EQ(r.size(), 2u);
  EXPECT_EQ(r.IdentityForKey(kKeyA), "portal-a");
  EXPECT_EQ(r.IdentityForKey(kKeyA2), "portal-a");
  EXPECT_EQ(r.IdentityForKey(kKeyB), "portal-b");
  EXPECT_FALSE(r.IdentityForKey("C000000000000000000000000000000000000000"));
  const auto id = r.Find("portal-b");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->name, "portal-b");
  EXPECT_EQ(id->role, Role::kIntegration);
}

TEST(Registry, RevokedIdentityIsAbsentAfterReplace) {
  Registry r;
  r.Replace(TwoPortals());
  Registry::Snapshot next = TwoPortals();
  next.identities.erase("portal-a");
  next.key_to_identity.erase(kKeyA);
  next.key_to_identity.erase(kKeyA2);
  r.Replace(std::move(next));
  EXPECT_FALSE(r.Find("portal-a"));
  EXPECT_FALSE(r.IdentityForKey(kKeyA));
  EXPECT_FALSE(r.IdentityForKey(kKeyA2));
  EXPECT_EQ(r.IdentityForKey(kKeyB), "portal-b");
  EXPECT_EQ(r.size(), 1u);
}

TEST(Registry, RevokedKeyIsAbsentWhileItsIdentityStays) {
  Registry r;
  r.Replace(TwoPortals());
  Registry::Snapshot next = TwoPortals();
  next.key_to_identity.erase(kKeyA);
  r.Replace(std::move(next));
  EXPECT_FALSE(r.IdentityForKey(kKeyA));
  EXPECT_EQ(r.IdentityForKey(kKeyA2), "portal-a");
  EXPECT_TRUE(r.Find("portal-a"));
}

TEST(Registry, FoundIdentityIsACopyThatOutlivesAReplace) {
  Registry r;
  r.Replace(TwoPortals());
  const auto before = r.Find("portal-a");
  r.Replace({});
  ASSERT_TRUE(before);
  EXPECT_EQ(before->name, "portal-a");
  EXPECT_TRUE(before->MayUseChannel("wechat"));
  EXPECT_EQ(r.size(), 0u);
}

TEST(Identity, MayUseOnlyItsOwnChannels) {
  const Identity id = Portal("portal-a");
  EXPECT_TRUE(id.MayUseChannel("web_portal"));
  EXPECT_TRUE(id.MayUseChannel("wechat"));
  EXPECT_FALSE(id.MayUseChannel("citizen_hotline"));
  EXPECT_FALSE(id.MayUseChannel(""));
  EXPECT_FALSE(id.MayUseChannel("web"));  // no prefix matching
  EXPECT_FALSE(Identity{}.MayUseChannel("web_portal"));
}

TEST(Role, NamesRoundTripAndUnknownNamesAreRefused) {
  for (const Role r :
       {Role::kIntegration, Role::kBody, Role::kEnforcementBureau, Role::kCommissionerOffice,
        Role::kSupervisionCenter, Role::kOperator, Role::kService}) {
    EXPECT_EQ(ParseRole(RoleName(r)), r) << RoleName(r);
  }
  EXPECT_EQ(RoleName(Role::kEnforcementBureau), "enforcement_bureau");
  EXPECT_FALSE(ParseRole("admin"));
  EXPECT_FALSE(ParseRole("Operator"));
  EXPECT_FALSE(ParseRole(""));
}

}  // namespace
}  // namespace ducha::auth
