#include <gtest/gtest.h>

#include "core/auth/bootstrap.hpp"
#include "core/util/crypto.hpp"
#include "testing/test_env.hpp"

namespace scwd::admin {
namespace {

namespace json = boost::json;

std::string str(const json::value& v, std::string_view k) {
  return std::string(v.at(k).as_string());
}

json::value denied(std::string_view resource) {
  return json::parse(R"({"type":"permissions_denied","message":"insufficient permissions",)"
                     R"("details":[{"action":"admin","resource":")" +
                     std::string(resource) + R"("}]})");
}

// The operator creates a tenant; the tenant's key works and is its Owner's, not the operator's.
TEST(AdminPlane, OperatorCreatesAnOrganization) {
  testing::TestApp t;
  auto r = t.call("POST", "/_scwd/organizations", R"({"name":"acme"})");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  auto org = str(r.json, "organization_id");
  EXPECT_EQ(str(r.json, "project_id"), org);
  EXPECT_EQ(str(r.json, "email"), "owner@" + org + ".scwd.local");
  auto secret = str(r.json, "secret_key");
  auto who = t.call("GET", "/_scwd/whoami", {}, secret);
  ASSERT_EQ(who.status, 200) << who.raw.body;
  EXPECT_EQ(str(who.json, "organization_id"), org);
  EXPECT_EQ(str(who.json, "bearer_id"), str(r.json, "user_id"));
  EXPECT_TRUE(who.json.at("owner").as_bool());
  EXPECT_FALSE(who.json.at("operator").as_bool());
  EXPECT_TRUE(t.call("GET", "/_scwd/whoami").json.at("operator").as_bool());

  // Stored like the bootstrap's: the key's hash only, the Owner user, the default project.
  auto tx = t.store().begin(store::TxMode::kRead);
  auto key = tx->get(auth::kApiKeyKind, str(r.json, "access_key"));
  ASSERT_TRUE(key);
  EXPECT_EQ(key->organization_id, org);
  EXPECT_EQ(json::serialize(key->body).find(secret), std::string::npos);
  EXPECT_EQ(str(key->body, "secret_hash"), hash_secret(secret));
  auto user = tx->get(auth::kUserKind, str(r.json, "user_id"));
  ASSERT_TRUE(user);
  EXPECT_EQ(str(user->body, "type"), "owner");
  auto project = tx->get(auth::kProjectKind, org);
  ASSERT_TRUE(project);
  EXPECT_EQ(project->organization_id, org);
  EXPECT_EQ(auth::operator_organization(*tx), t.identity().organization_id);
}

TEST(AdminPlane, OrganizationInputIsChecked) {
  testing::TestApp t;
  EXPECT_EQ(t.call("POST", "/_scwd/organizations", R"({})").status, 400);
  EXPECT_EQ(t.call("POST", "/_scwd/organizations", R"({"name":""})").status, 400);
  EXPECT_EQ(t.call("POST", "/_scwd/organizations", R"({"name":"a","email":"nope"})").status, 400);
  EXPECT_EQ(t.call("POST", "/_scwd/organizations", R"({"name":"a","email":"a@b.c"})").status, 200);
  auto dup = t.call("POST", "/_scwd/organizations", R"({"name":"b","email":"A@B.C"})");
  EXPECT_EQ(dup.status, 409) << dup.raw.body;
  // The bootstrap Owner's email is taken too; nothing of the refused organization remains.
  EXPECT_EQ(
      t.call("POST", "/_scwd/organizations", R"({"name":"c","email":"owner@scwd.local"})").status,
      409);
  auto tx = t.store().begin(store::TxMode::kRead);
  store::ListQuery q;
  q.kind = std::string(auth::kOrganizationKind);
  EXPECT_EQ(tx->list(q).items.size(), 2u);
}

TEST(AdminPlane, TenantOwnerIsRefusedTheOperatorCalls) {
  testing::TestApp t;
  auto r = t.call("POST", "/_scwd/organizations", R"({"name":"acme"})");
  auto secret = str(r.json, "secret_key");
  auto offset = [&] { return t.call("GET", "/_scwd/clock").json.at("offset_seconds"); };
  auto before = offset();
  for (auto [method, path, body] : std::initializer_list<std::array<const char*, 3>>{
           {"POST", "/_scwd/clock/advance", R"({"seconds":60})"},
           {"POST", "/_scwd/clock/advance", "not json"},
           {"GET", "/_scwd/clock", ""},
           {"GET", "/_scwd/routes", ""},
           {"POST", "/_scwd/organizations", R"({"name":"x"})"},
           {"GET", "/_scwd/unknown", ""},
           {"PUT", "/_scwd/whoami", ""}}) {
    auto res = t.call(method, path, body, secret);
    EXPECT_EQ(res.status, 403) << method << " " << path;
    EXPECT_EQ(res.json, denied("scwd_operator")) << method << " " << path;
  }
  EXPECT_EQ(offset(), before);
  // The operator learns that a path is unknown.
  EXPECT_EQ(t.call("GET", "/_scwd/unknown").status, 404);
  EXPECT_EQ(t.call("PUT", "/_scwd/whoami").status, 405);
}

TEST(AdminPlane, ExplainIsScopedToTheCallersOrganization) {
  testing::TestApp t;
  auto r = t.call("POST", "/_scwd/organizations", R"({"name":"acme"})");
  auto secret = str(r.json, "secret_key");
  auto ak = str(r.json, "access_key");
  auto org = str(r.json, "organization_id");
  auto explain = [&](const std::string& key, const std::string& token) {
    return t.call("GET",
                  "/_scwd/iam/explain?access_key=" + key + "&path=/account/v3/projects/" + org, {},
                  token);
  };
  auto own = explain(ak, secret);
  ASSERT_EQ(own.status, 200) << own.raw.body;
  EXPECT_TRUE(own.json.at("allowed").as_bool());
  // The operator's key, from the tenant: the answer of a key that does not exist.
  auto other = explain(t.identity().access_key, secret);
  auto none = explain("SCWAAAAAAAAAAAAAAAAA", secret);
  ASSERT_EQ(other.status, 200);
  other.json.as_object()["access_key"] = "";
  none.json.as_object()["access_key"] = "";
  EXPECT_EQ(other.json, none.json);
  EXPECT_EQ(str(other.json.at("error"), "reason"), "not_found");
  // The operator explains the tenant's key.
  auto op = explain(ak, "<owner>");
  EXPECT_TRUE(op.json.at("allowed").as_bool());
  EXPECT_EQ(str(op.json, "bearer_id"), str(r.json, "user_id"));
}

// A member of the operator's organization is not the operator.
TEST(AdminPlane, OnlyTheOwnerOfTheFirstOrganizationOperates) {
  testing::TestApp t;
  auto app = t.call("POST", "/iam/v1alpha1/applications",
                    R"({"name":"a","organization_id":")" + t.identity().organization_id + "\"}");
  ASSERT_EQ(app.status, 200) << app.raw.body;
  auto key = t.call("POST", "/iam/v1alpha1/api-keys",
                    R"({"application_id":")" + str(app.json, "id") + R"("})");
  ASSERT_EQ(key.status, 200) << key.raw.body;
  auto res =
      t.call("POST", "/_scwd/clock/advance", R"({"seconds":1})", str(key.json, "secret_key"));
  EXPECT_EQ(res.status, 403);
  EXPECT_EQ(res.json, denied("scwd_admin"));
  EXPECT_EQ(t.call("POST", "/_scwd/clock/advance", R"({"seconds":1})").status, 200);
}

}  // namespace
}  // namespace scwd::admin
