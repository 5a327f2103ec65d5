// db::Migrate: versioned, checksummed migrations per schema and component.

#include "common/db/migrate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "common/stream/outbox.h"
#include "tests/integration/common/common_it.h"

namespace ducha::db {
namespace {

using ::testing::HasSubstr;
using testing::TestCluster;

std::vector<Migration> Service() {
  return {
      {1, "init", "CREATE TABLE report (id text PRIMARY KEY)"},
      {2, "status", "ALTER TABLE report ADD COLUMN status text NOT NULL DEFAULT 'new'"},
  };
}

class MigrateTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::FreshSchema("t_migrate"); }
  std::stop_source stop_;
  Connection conn_{testing::AdminSettings("migrate-test"), stop_.get_token()};
};

TEST_F(MigrateTest, AppliesPendingMigrationsInTheTargetSchema) {
  const MigrationReport r = Migrate(conn_, "t_migrate", "service", Service());
  EXPECT_EQ(r.applied, 2);
  EXPECT_EQ(r.current_version, 2);
  EXPECT_EQ(TestCluster::Get().QueryValue(
                "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM "
                "information_schema.columns WHERE table_schema = 't_migrate' AND "
                "table_name = 'report'"),
            "id,status");
  EXPECT_EQ(TestCluster::Get().QueryValue("SELECT to_regclass('public.report')"), "");
}

TEST_F(MigrateTest, ApplyingTwiceAppliesNothingTheSecondTime) {
  ASSERT_EQ(Migrate(conn_, "t_migrate", "service", Service()).applied, 2);
  const MigrationReport again = Migrate(conn_, "t_migrate", "service", Service());
  EXPECT_EQ(again.applied, 0);
  EXPECT_EQ(again.current_version, 2);
  EXPECT_EQ(TestCluster::Get().QueryValue("SELECT count(*) FROM t_migrate.schema_migrations"), "2");
}

TEST_F(MigrateTest, OnlyTheNewMigrationIsAppliedWhenOneIsAdded) {
  ASSERT_EQ(Migrate(conn_, "t_migrate", "service", Service()).applied, 2);
  auto more = Service();
  more.push_back({3, "index", "CREATE INDEX report_status ON report (status)"});
  const MigrationReport r = Migrate(conn_, "t_migrate", "service", more);
  EXPECT_EQ(r.applied, 1);
  EXPECT_EQ(r.current_version, 3);
}

TEST_F(MigrateTest, ChangedAppliedMigrationIsRefusedByName) {
  ASSERT_EQ(Migrate(conn_, "t_migrate", "service", Service()).applied, 2);
  auto edited = Service();
  edited[1].sql = "ALTER TABLE report ADD COLUMN status text NOT NULL DEFAULT 'open'";
  edited.push_back({3, "later", "CREATE TABLE later (x int)"});
  try {
    Migrate(conn_, "t_migrate", "service", edited);
    FAIL() << "an edited migration was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("service/002_status"));
    EXPECT_THAT(e.what(), HasSubstr("t_migrate"));
    EXPECT_THAT(e.what(), HasSubstr("changed after it was applied"));
  }
  // Nothing after the refused migration ran.
  EXPECT_EQ(TestCluster::Get().QueryValue("SELECT to_regclass('t_migrate.later')"), "");
}

TEST_F(MigrateTest, FailingMigrationIsNotRecordedAndLeavesNothingBehind) {
  const std::vector<Migration> broken = {
      {1, "half", "CREATE TABLE half (x int); INSERT INTO no_such_table VALUES (1)"}};
  EXPECT_THROW(Migrate(conn_, "t_migrate", "service", broken), pqxx::sql_error);
  EXPECT_EQ(TestCluster::Get().QueryValue("SELECT to_regclass('t_migrate.half')"), "");
  // Version 1 was not recorded: the corrected migration applies.
  const std::vector<Migration> fixed = {{1, "half", "CREATE TABLE half (x int)"}};
  EXPECT_EQ(Migrate(conn_, "t_migrate", "service", fixed).applied, 1);
}

TEST_F(MigrateTest, ComponentsWithTheSameVersionNumbersDoNotCollide) {
  ASSERT_EQ(stream::OutboxMigrations().front().version, 1);
  ASSERT_EQ(stream::InboxMigrations().front().version, 1);
  EXPECT_EQ(Migrate(conn_, "t_migrate", "service", Service()).applied, 2);
  EXPECT_EQ(Migrate(conn_, "t_migrate", "outbox", stream::OutboxMigrations()).applied,
            static_cast<int>(stream::OutboxMigrations().size()));
  EXPECT_EQ(Migrate(conn_, "t_migrate", "inbox", stream::InboxMigrations()).applied,
            static_cast<int>(stream::InboxMigrations().size()));
  EXPECT_EQ(TestCluster::Get().QueryValue("SELECT count(*) FROM t_migrate.schema_migrations "
                                          "WHERE version = 1"),
            "3");
  EXPECT_EQ(Migrate(conn_, "t_migrate", "service", Service()).applied, 0);
  EXPECT_EQ(Migrate(conn_, "t_migrate", "outbox", stream::OutboxMigrations()).applied, 0);
  EXPECT_EQ(Migrate(conn_, "t_migrate", "inbox", stream::InboxMigrations()).applied, 0);
  EXPECT_NE(TestCluster::Get().QueryValue("SELECT to_regclass('t_migrate.outbox')"), "");
  EXPECT_NE(TestCluster::Get().QueryValue("SELECT to_regclass('t_migrate.stream_cursor')"), "");
}

TEST_F(MigrateTest, SameComponentInAnotherSchemaIsTrackedSeparately) {
  testing::FreshSchema("t_migrate_other");
  EXPECT_EQ(Migrate(conn_, "t_migrate", "service", Service()).applied, 2);
  EXPECT_EQ(Migrate(conn_, "t_migrate_other", "service", Service()).applied, 2);
  EXPECT_NE(TestCluster::Get().QueryValue("SELECT to_regclass('t_migrate_other.report')"), "");
}

TEST_F(MigrateTest, ServiceRoleMigratesItsOwnSchema) {
  // Migrate runs as the schema's owner in production; that role has just enough rights.
  std::stop_source stop;
  Connection intake(DbSettings{TestCluster::Get().UrlFor("intake"), "migrate-intake"},
                    stop.get_token());
  const std::vector<Migration> m = {{1, "probe", "CREATE TABLE migrate_probe (x int)"}};
  EXPECT_EQ(Migrate(intake, "intake", "t_common_probe", m).applied, 1);
  EXPECT_EQ(Migrate(intake, "intake", "t_common_probe", m).applied, 0);
  EXPECT_EQ(TestCluster::Get().QueryValue(
                "SELECT tableowner FROM pg_tables WHERE schemaname = 'intake' AND "
                "tablename = 'migrate_probe'"),
            "ducha_intake");
}

}  // namespace
}  // namespace ducha::db
