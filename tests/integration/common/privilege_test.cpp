// Least privilege (architecture.md, "Ownership"): a service role writes only its own schema,
// reads the reference data and writes none of it; the operator role reads and never writes.
// Bootstrapped by TestCluster exactly as db::Bootstrap does it in production.

#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <string>

#include "tests/integration/common/common_it.h"

namespace ducha {
namespace {

using testing::TestCluster;

// Runs one statement as the given role in a transaction of its own and commits.
void RunAs(const std::string& url, const std::string& sql) {
  pqxx::connection c{url};
  pqxx::work w{c};
  w.exec(sql);
  w.commit();
}

class PrivilegeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Tables created by their owners, so the bootstrap's default privileges apply to them.
    RunAs(TestCluster::Get().UrlFor("dispatch"),
          "DROP TABLE IF EXISTS dispatch.t_priv; CREATE TABLE dispatch.t_priv (id int, note text); "
          "INSERT INTO dispatch.t_priv VALUES (1, 'dispatch owns this')");
  }
  static void TearDownTestSuite() {
    RunAs(TestCluster::Get().UrlFor("dispatch"), "DROP TABLE IF EXISTS dispatch.t_priv");
  }

  const std::string intake_ = TestCluster::Get().UrlFor("intake");
  const std::string operator_ = TestCluster::Get().UrlFor("operator");
};

TEST_F(PrivilegeTest, ServiceWritesItsOwnSchema) {
  // The positive control: the same statements succeed in the role's own schema.
  EXPECT_NO_THROW(RunAs(intake_,
                        "DROP TABLE IF EXISTS intake.t_priv_own; "
                        "CREATE TABLE intake.t_priv_own (id int); "
                        "INSERT INTO intake.t_priv_own VALUES (1); "
                        "UPDATE intake.t_priv_own SET id = 2; DELETE FROM intake.t_priv_own; "
                        "DROP TABLE intake.t_priv_own"));
}

TEST_F(PrivilegeTest, ServiceCannotInsertIntoAnotherServicesSchema) {
  EXPECT_THROW(RunAs(intake_, "INSERT INTO dispatch.t_priv VALUES (2, 'forged')"),
               pqxx::insufficient_privilege);
}

TEST_F(PrivilegeTest, ServiceCannotUpdateOrDeleteInAnotherServicesSchema) {
  EXPECT_THROW(RunAs(intake_, "UPDATE dispatch.t_priv SET note = 'forged'"),
               pqxx::insufficient_privilege);
  EXPECT_THROW(RunAs(intake_, "DELETE FROM dispatch.t_priv"), pqxx::insufficient_privilege);
  EXPECT_EQ(TestCluster::Get().QueryValue("SELECT note FROM dispatch.t_priv WHERE id = 1"),
            "dispatch owns this");
}

TEST_F(PrivilegeTest, ServiceCannotCreateTablesInAnotherServicesSchema) {
  EXPECT_THROW(RunAs(intake_, "CREATE TABLE dispatch.t_intruder (x int)"),
               pqxx::insufficient_privilege);
  EXPECT_THROW(RunAs(intake_, "CREATE TABLE public.t_intruder (x int)"),
               pqxx::insufficient_privilege);
}

TEST_F(PrivilegeTest, ServiceCannotReadAnotherServicesSchema) {
  EXPECT_THROW(RunAs(intake_, "SELECT * FROM dispatch.t_priv"), pqxx::insufficient_privilege);
}

TEST_F(PrivilegeTest, ServiceReadsReferenceData) {
  pqxx::connection c{intake_};
  pqxx::read_transaction r{c};
  EXPECT_NO_THROW(r.exec("SELECT count(*) FROM ref.identity"));
  EXPECT_NO_THROW(r.exec("SELECT count(*) FROM ref.identity_key"));
  EXPECT_EQ(r.exec1("SELECT count(*) FROM ref.sim_clock")[0].as<int>(), 1);
}

TEST_F(PrivilegeTest, ServiceCannotWriteReferenceData) {
  EXPECT_THROW(
      RunAs(intake_, "INSERT INTO ref.identity (name, role) VALUES ('forged', 'operator')"),
      pqxx::insufficient_privilege);
  EXPECT_THROW(RunAs(intake_, "UPDATE ref.sim_clock SET enabled = true"),
               pqxx::insufficient_privilege);
  EXPECT_THROW(RunAs(intake_, "DELETE FROM ref.identity_key"), pqxx::insufficient_privilege);
  EXPECT_THROW(RunAs(intake_, "CREATE TABLE ref.t_intruder (x int)"), pqxx::insufficient_privilege);
}

TEST_F(PrivilegeTest, OperatorReadsServiceSchemasButCannotWrite) {
  {
    pqxx::connection c{operator_};
    pqxx::read_transaction r{c};
    EXPECT_EQ(r.exec1("SELECT note FROM dispatch.t_priv WHERE id = 1")[0].as<std::string>(),
              "dispatch owns this");
    EXPECT_NO_THROW(r.exec("SELECT count(*) FROM ref.identity"));
  }
  EXPECT_THROW(RunAs(operator_, "INSERT INTO dispatch.t_priv VALUES (3, 'operator')"),
               pqxx::insufficient_privilege);
  EXPECT_THROW(RunAs(operator_, "UPDATE dispatch.t_priv SET note = 'x'"),
               pqxx::insufficient_privilege);
  EXPECT_THROW(RunAs(operator_, "INSERT INTO ref.identity (name, role) VALUES ('x', 'operator')"),
               pqxx::insufficient_privilege);
  EXPECT_THROW(RunAs(operator_, "CREATE TABLE dispatch.t_intruder (x int)"),
               pqxx::insufficient_privilege);
}

}  // namespace
}  // namespace ducha
