#include <gtest/gtest.h>

#include "testing/helpers.hpp"

namespace scwd {
namespace {

namespace json = boost::json;
using testing::str;

TEST(AccountProjects, CreateGetListDelete) {
  testing::TestApp t;
  auto created = t.call("POST", "/account/v3/projects", R"({"name":"alpha","description":"d"})");
  ASSERT_EQ(created.status, 200) << created.raw.body;
  auto id = str(created.json, "id");
  EXPECT_TRUE(created.json.as_object().at("qualification").is_null());
  auto got = t.call("GET", "/account/v3/projects/" + id);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(str(got.json, "name"), "alpha");
  EXPECT_EQ(str(got.json.as_object().at("qualification"), "architecture_type"),
            "unknown_architecture_type");
  auto list = t.call("GET", "/account/v3/projects?name=alp");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json.as_object().at("total_count").as_int64(), 1);
  EXPECT_EQ(t.call("DELETE", "/account/v3/projects/" + id).status, 204);
  auto gone = t.call("GET", "/account/v3/projects/" + id);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(str(gone.json, "resource"), "project_id");
}

TEST(AccountProjects, DefaultProjectCannotBeDeleted) {
  testing::TestApp t;
  auto r = t.call("DELETE", "/account/v3/projects/" + t.identity().organization_id);
  ASSERT_EQ(r.status, 412);
  EXPECT_EQ(str(r.json, "type"), "precondition_failed");
  EXPECT_EQ(str(r.json, "precondition"), "resource_still_in_use");
}

TEST(AccountProjects, ProjectHoldingAResourceCannotBeDeletedUntilItIsGone) {
  testing::TestApp t;
  auto created = t.call("POST", "/account/v3/projects", R"({"name":"busy"})");
  auto id = str(created.json, "id");
  // A resource of any other product placed in the project.
  store::Record res;
  res.kind = "test.widget";
  res.id = new_uuid();
  res.organization_id = t.identity().organization_id;
  res.project_id = id;
  res.created_at = res.updated_at = t.clock().now();
  {
    auto tx = t.store().begin(store::TxMode::kWrite);
    tx->insert(res);
    tx->commit();
  }
  auto r = t.call("DELETE", "/account/v3/projects/" + id);
  ASSERT_EQ(r.status, 412) << r.raw.body;
  EXPECT_EQ(str(r.json, "precondition"), "resource_still_in_use");
  EXPECT_NE(str(r.json, "help_message").find("1 resource"), std::string::npos);
  EXPECT_EQ(t.call("GET", "/account/v3/projects/" + id).status, 200);
  {
    auto tx = t.store().begin(store::TxMode::kWrite);
    ASSERT_TRUE(tx->remove("test.widget", res.id));
    tx->commit();
  }
  EXPECT_EQ(t.call("DELETE", "/account/v3/projects/" + id).status, 204);
}

TEST(AccountProjects, QuotaExceededCreatesNothing) {
  testing::TestApp t;
  t.config().quota_projects = 2;  // the default project counts
  ASSERT_EQ(t.call("POST", "/account/v3/projects", R"({"name":"one"})").status, 200);
  auto r = t.call("POST", "/account/v3/projects", R"({"name":"two"})");
  ASSERT_EQ(r.status, 403) << r.raw.body;
  EXPECT_EQ(str(r.json, "type"), "quotas_exceeded");
  auto detail = r.json.as_object().at("details").as_array().at(0).as_object();
  EXPECT_EQ(detail.at("quota").as_int64(), 2);
  EXPECT_EQ(detail.at("current").as_int64(), 2);
  EXPECT_EQ(t.call("GET", "/account/v3/projects").json.as_object().at("total_count").as_int64(), 2);
}

TEST(AccountProjects, BadInputChangesNothing) {
  testing::TestApp t;
  auto before = t.call("GET", "/account/v3/projects").json.as_object().at("total_count").as_int64();
  for (const char* body :
       {R"({"name":""})", R"({"name":"x/y"})", R"({"name":42})", R"({"nam)", R"([1,2])",
        R"({"name":"ok","description":7})", R"({"name":"ok","organization_id":"not-a-uuid"})"}) {
    auto r = t.call("POST", "/account/v3/projects", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.raw.body;
    EXPECT_EQ(str(r.json, "type"), "invalid_arguments") << body;
  }
  EXPECT_EQ(t.call("GET", "/account/v3/projects").json.as_object().at("total_count").as_int64(),
            before);
}

TEST(AccountProjects, OtherOrganizationIsDenied) {
  testing::TestApp t;
  auto r = t.call("POST", "/account/v3/projects",
                  R"({"name":"x","organization_id":"11111111-1111-4111-8111-111111111111"})");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(str(r.json, "type"), "permissions_denied");
}

TEST(AccountContracts, CreateCheckValidate) {
  testing::TestApp t;
  auto c = t.call("POST", "/account/v3/contract-signatures",
                  R"({"contract_type":"global","contract_name":"tos","validated":false})");
  ASSERT_EQ(c.status, 200) << c.raw.body;
  EXPECT_TRUE(c.json.as_object().at("signed_at").is_null());
  auto id = str(c.json, "id");
  auto check = [&](const char* body) {
    auto r = t.call("POST", "/account/v3/contract-signatures/check", body);
    EXPECT_EQ(r.status, 200);
    return std::make_pair(r.json.as_object().at("created").as_bool(),
                          r.json.as_object().at("validated").as_bool());
  };
  EXPECT_EQ(check(R"({"contract_name":"tos"})"), std::make_pair(true, false));
  EXPECT_EQ(check(R"({"contract_name":"tos","contract_type":"k8s"})"),
            std::make_pair(false, false));
  ASSERT_EQ(t.call("POST", "/account/v3/contract-signatures/" + id + "/validate", "{}").status,
            200);
  EXPECT_EQ(check(R"({"contract_name":"tos","contract_type":"global"})"),
            std::make_pair(true, true));
  auto again = t.call("POST", "/account/v3/contract-signatures",
                      R"({"contract_type":"global","contract_name":"tos"})");
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(str(again.json, "type"), "already_exists");
  auto pdf = t.call("GET", "/account/v3/contract-signatures/" + id + "/download?dl=1");
  EXPECT_EQ(pdf.status, 200);
  EXPECT_EQ(pdf.raw.content_type, "application/pdf");
  EXPECT_EQ(pdf.raw.body.rfind("%PDF-", 0), 0u);
}

}  // namespace
}  // namespace scwd
