// common/ref identities: registering keys, loading the registry, revoking a key or a whole
// identity, and the refresher that carries a revocation into a running service.

#include "common/ref/ref_store.h"

#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "tests/integration/common/common_it.h"

namespace ducha::ref {
namespace {

using testing::TestCluster;

const std::string kKey1(40, '1');
const std::string kKey2(40, '2');
const std::string kKey3(40, '3');

NewIdentity Portal(const std::string& name) {
  NewIdentity id;
  id.name = name;
  id.role = auth::Role::kIntegration;
  id.channels = {"web_portal", "wechat"};
  id.note = "test portal";
  return id;
}

class RefStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TestCluster::Get().Exec("TRUNCATE ref.identity_api_key, ref.identity_key, ref.identity");
  }

  // ref has one writer: these run as ducha_ref, like the operator CLI.
  Status Register(const NewIdentity& id, const std::string& key) {
    return ref_.Transact([&](pqxx::work& w) { return RegisterKey(w, id, key); });
  }
  Status RevokeIt(const std::string& identity, const std::string& key) {
    return ref_.Transact([&](pqxx::work& w) { return Revoke(w, identity, key); });
  }
  auth::Registry::Snapshot Load() {
    return ref_.Read([](pqxx::read_transaction& r) { return LoadIdentities(r); });
  }

  std::stop_source stop_;
  db::Connection ref_{db::DbSettings{TestCluster::Get().UrlFor("ref"), "ref-test"},
                      stop_.get_token()};
};

TEST_F(RefStoreTest, RegisteredKeysMapToTheirIdentity) {
  ASSERT_TRUE(Register(Portal("portal-a"), kKey1).ok());
  ASSERT_TRUE(Register(Portal("portal-a"), kKey2).ok());
  NewIdentity body;
  body.name = "shijiazhuang";
  body.role = auth::Role::kBody;
  body.scope = {"130100", "130102"};
  ASSERT_TRUE(Register(body, kKey3).ok());

  const auto snap = Load();
  EXPECT_EQ(snap.identities.size(), 2u);
  EXPECT_EQ(snap.key_to_identity.size(), 3u);
  EXPECT_EQ(snap.key_to_identity.at(kKey1), "portal-a");
  EXPECT_EQ(snap.key_to_identity.at(kKey2), "portal-a");
  EXPECT_EQ(snap.key_to_identity.at(kKey3), "shijiazhuang");
  const auth::Identity& portal = snap.identities.at("portal-a");
  EXPECT_EQ(portal.role, auth::Role::kIntegration);
  EXPECT_EQ(portal.channels, (std::vector<std::string>{"web_portal", "wechat"}));
  EXPECT_TRUE(portal.scope.empty());
  const auth::Identity& city = snap.identities.at("shijiazhuang");
  EXPECT_EQ(city.role, auth::Role::kBody);
  EXPECT_EQ(city.scope, (std::vector<std::string>{"130100", "130102"}));
  EXPECT_TRUE(city.channels.empty());
}

TEST_F(RefStoreTest, RegisteringTheSameKeyAgainIsANoOp) {
  ASSERT_TRUE(Register(Portal("portal-a"), kKey1).ok());
  EXPECT_TRUE(Register(Portal("portal-a"), kKey1).ok());
  EXPECT_EQ(Load().key_to_identity.size(), 1u);
}

TEST_F(RefStoreTest, KeyOfAnotherIdentityIsRefused) {
  ASSERT_TRUE(Register(Portal("portal-a"), kKey1).ok());
  const Status s = Register(Portal("portal-b"), kKey1);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "key_in_use");
  EXPECT_EQ(Load().key_to_identity.at(kKey1), "portal-a");
}

TEST_F(RefStoreTest, ExistingIdentityKeepsItsRole) {
  ASSERT_TRUE(Register(Portal("portal-a"), kKey1).ok());
  NewIdentity op = Portal("portal-a");
  op.role = auth::Role::kOperator;
  const Status s = Register(op, kKey2);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "role_mismatch");
}

TEST_F(RefStoreTest, RevokingOneKeyKeepsTheIdentityAndItsOtherKeys) {
  ASSERT_TRUE(Register(Portal("portal-a"), kKey1).ok());
  ASSERT_TRUE(Register(Portal("portal-a"), kKey2).ok());
  ASSERT_TRUE(RevokeIt("portal-a", kKey1).ok());
  const auto snap = Load();
  EXPECT_EQ(snap.key_to_identity.count(kKey1), 0u);
  EXPECT_EQ(snap.key_to_identity.at(kKey2), "portal-a");
  EXPECT_EQ(snap.identities.count("portal-a"), 1u);

  const Status again = RevokeIt("portal-a", kKey1);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, "unknown_key");
}

TEST_F(RefStoreTest, RevokingAnIdentityRevokesAllItsKeysForGood) {
  ASSERT_TRUE(Register(Portal("portal-a"), kKey1).ok());
  ASSERT_TRUE(Register(Portal("portal-a"), kKey2).ok());
  ASSERT_TRUE(Register(Portal("portal-b"), kKey3).ok());
  ASSERT_TRUE(RevokeIt("portal-a", "").ok());
  const auto snap = Load();
  EXPECT_EQ(snap.identities.count("portal-a"), 0u);
  EXPECT_EQ(snap.key_to_identity.count(kKey1), 0u);
  EXPECT_EQ(snap.key_to_identity.count(kKey2), 0u);
  EXPECT_EQ(snap.key_to_identity.at(kKey3), "portal-b");

  // A revoked name is not reused, and cannot be revoked twice.
  const Status reuse = Register(Portal("portal-a"), std::string(40, '4'));
  ASSERT_FALSE(reuse.ok());
  EXPECT_EQ(reuse.error().code, "identity_revoked");
  const Status twice = RevokeIt("portal-a", "");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, "unknown_identity");
}

TEST_F(RefStoreTest, RevokingAnUnknownIdentityIsAnError) {
  const Status s = RevokeIt("nobody", "");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, "unknown_identity");
}

TEST_F(RefStoreTest, RefresherPicksUpRevocationsAndNewKeysWithinAFewPeriods) {
  ASSERT_TRUE(Register(Portal("portal-a"), kKey1).ok());
  ASSERT_TRUE(Register(Portal("portal-b"), kKey2).ok());

  constexpr auto kPeriod = std::chrono::milliseconds(100);
  constexpr auto kAFewPeriods = 30 * kPeriod;  // generous: the CI machine is shared
  auth::Registry registry;
  // The refresher reads ref as a service would.
  IdentityRefresher refresher(db::DbSettings{TestCluster::Get().UrlFor("intake"), "refresher"},
                              registry, kPeriod);
  refresher.Start();
  // Start() loads before returning.
  EXPECT_EQ(registry.IdentityForKey(kKey1), "portal-a");
  EXPECT_EQ(registry.IdentityForKey(kKey2), "portal-b");

  ASSERT_TRUE(RevokeIt("portal-a", "").ok());
  EXPECT_TRUE(testing::Eventually([&] { return !registry.IdentityForKey(kKey1).has_value(); },
                                  kAFewPeriods))
      << "revoked key still accepted";
  EXPECT_FALSE(registry.Find("portal-a"));
  EXPECT_EQ(registry.IdentityForKey(kKey2), "portal-b");

  ASSERT_TRUE(RevokeIt("portal-b", kKey2).ok());
  ASSERT_TRUE(Register(Portal("portal-b"), kKey3).ok());
  EXPECT_TRUE(
      testing::Eventually([&] { return registry.IdentityForKey(kKey3).has_value(); }, kAFewPeriods))
      << "new key not picked up";
  EXPECT_FALSE(registry.IdentityForKey(kKey2));
  EXPECT_TRUE(registry.Find("portal-b"));
  refresher.Stop();
}

}  // namespace
}  // namespace ducha::ref
