#include "core/app/app.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <functional>
#include <stdexcept>
#include <string>

#include "core/auth/bootstrap.hpp"
#include "core/store/sqlite/sqlite_store.hpp"
#include "core/util/ids.hpp"
#include "products/products.hpp"
#include "testing/test_env.hpp"

namespace scwd::app {
namespace {

namespace json = boost::json;
using api::ApiError;
using ::testing::HasSubstr;

// A product module whose routes the test chooses.
class TestModule : public Module {
 public:
  explicit TestModule(std::function<void(Registry&)> routes) : routes_(std::move(routes)) {}
  std::string_view name() const override { return "test"; }
  void register_routes(Registry& r, Services&) override { routes_(r); }

 private:
  std::function<void(Registry&)> routes_;
};

constexpr Permission kRead{"Test", Access::kRead, "test_thing", false};
constexpr Permission kPublic{"", Access::kNone, "", true};

class AppTest : public ::testing::Test, protected testing::BareApp {
 protected:
  void SetUp() override {
    config_.body_limit = 4096;
    open();
  }

  void finalize_with(std::function<void(Registry&)> routes) {
    app_->add_module(std::make_unique<TestModule>(std::move(routes)));
    app_->finalize();
  }

  struct Reply {
    http::Response res;
    json::object body;
  };

  Reply call(std::string method, std::string target, std::string body = {},
             std::optional<std::string> token = std::nullopt) {
    http::Request req;
    req.method = std::move(method);
    req.target = std::move(target);
    EXPECT_TRUE(http::parse_target(req.target, req.path, req.query));
    req.headers.emplace_back("X-Auth-Token", token.value_or(identity_.secret_key));
    req.body = std::move(body);
    req.request_id = "req-" + new_uuid();
    last_request_id_ = req.request_id;
    Reply r{app_->handle(req), {}};
    if (!r.res.body.empty()) {
      EXPECT_EQ(r.res.content_type, "application/json");
      auto v = json::parse(r.res.body);
      if (v.is_object()) r.body = v.as_object();
    }
    return r;
  }

  // The only detail of an invalid_arguments answer.
  static void expect_invalid(const Reply& r, std::string_view argument, std::string_view reason) {
    EXPECT_EQ(r.res.status, 400) << r.res.body;
    ASSERT_EQ(r.body.at("type").as_string(), "invalid_arguments") << r.res.body;
    const auto& details = r.body.at("details").as_array();
    ASSERT_EQ(details.size(), 1u) << r.res.body;
    EXPECT_EQ(details[0].at("argument_name").as_string(), argument) << r.res.body;
    EXPECT_EQ(details[0].at("reason").as_string(), reason) << r.res.body;
  }

  const Route* route(std::string_view method, std::string_view path) const {
    for (auto& r : app_->routes())
      if (r.spec.method == method && r.spec.path == path) return &r;
    return nullptr;
  }

  std::string last_request_id_;
};

// Echoes what the handler saw.
api::Result<http::Response> echo(Context& ctx) {
  json::object params;
  for (auto& [k, v] : ctx.params.items()) params[k] = v;
  return http::Response::json(200, json::object{{"params", params},
                                                {"body", ctx.body},
                                                {"principal", ctx.principal.bearer_id},
                                                {"owner", ctx.principal.owner},
                                                {"has_op", ctx.op != nullptr}});
}

TEST(AppHelpers, NormalizeTemplate) {
  EXPECT_EQ(normalize_template("/a/{x}/b/{long_name}"), "/a/{}/b/{}");
  EXPECT_EQ(normalize_template("/instance/v1/zones/{zone}/security_groups/{id}"),
            normalize_template("/instance/v1/zones/{zone}/security_groups/{security_group_id}"));
  EXPECT_EQ(normalize_template("/plain/path"), "/plain/path");
  EXPECT_EQ(normalize_template(""), "");
  EXPECT_NE(normalize_template("/a/{x}"), normalize_template("/a/x"));
}

TEST(AppHelpers, OperationTitle) {
  EXPECT_EQ(operation_title("listClusters"), "ListClusters");
  EXPECT_EQ(operation_title("createProject"), "CreateProject");
  EXPECT_EQ(operation_title("Already"), "Already");
  EXPECT_EQ(operation_title("x"), "X");
  EXPECT_EQ(operation_title(""), "");
}

TEST_F(AppTest, RouteWithoutPermissionIsRejectedAtFinalize) {
  app_->add_module(std::make_unique<TestModule>(
      [](Registry& r) { r.add("GET", "/scwdtest/v1/nothing", Permission{}, echo); }));
  try {
    app_->finalize();
    FAIL() << "finalize() accepted a route without a permission";
  } catch (const std::logic_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/scwdtest/v1/nothing"));
    EXPECT_THAT(e.what(), HasSubstr("no permission"));
  }
}

TEST(AppHelpers, ReferenceFields) {
  for (auto f : {"volume_id", "ipam_ip_ids", "public_ips", "server", "from_snapshot", "volumes",
                 "placement_group", "security_group", "resource", "access_key"})
    EXPECT_TRUE(is_reference_field(f)) << f;
  for (auto f : {"name", "tags", "size", "id_like", "ids", "description", "validation_key"})
    EXPECT_FALSE(is_reference_field(f)) << f;
  for (auto f : {"project_id", "project", "organization_id", "organization", "project_ids"})
    EXPECT_TRUE(is_target_field(f)) << f;
  EXPECT_FALSE(is_target_field("volume_id"));
}

// The k8s cluster routes (published, not served by scwd) have an id field in their query
// (private_network_id) and body (private_network_id): registering them without saying what it
// is fails, naming every undeclared field.
TEST_F(AppTest, RouteWithAnUndeclaredIdFieldIsRejectedAtFinalize) {
  app_->add_module(std::make_unique<TestModule>([](Registry& r) {
    r.add("GET", "/k8s/v1/regions/{region}/clusters", kRead, echo);
    r.add("POST", "/k8s/v1/regions/{region}/clusters", kRead, echo);
  }));
  try {
    app_->finalize();
    FAIL() << "finalize() accepted routes with undeclared id fields";
  } catch (const std::logic_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("GET /k8s/v1/regions/{region}/clusters (test): field query "
                                    "private_network_id"));
    EXPECT_THAT(e.what(), HasSubstr("POST /k8s/v1/regions/{region}/clusters (test): field body "
                                    "private_network_id"));
    // project_id / organization_id are targets the authorizer already handles.
    EXPECT_THAT(e.what(), ::testing::Not(HasSubstr("project_id")));
  }
}

TEST_F(AppTest, DeclaredReferencesAndNotReferencesPassFinalize) {
  finalize_with([](Registry& r) {
    r.add("GET", "/k8s/v1/regions/{region}/clusters", kRead, echo).not_refs({"private_network_id"});
    r.add("POST", "/k8s/v1/regions/{region}/clusters", kRead, echo)
        .refs({body_ref("private_network_id", Access::kWrite,
                        {{"vpc.private_network", "VPC", "private_network"}})});
  });
  const Route* rt = route("POST", "/k8s/v1/regions/{region}/clusters");
  ASSERT_NE(rt, nullptr);
  ASSERT_EQ(rt->spec.references.size(), 1u);
  EXPECT_EQ(rt->spec.references[0].field, "private_network_id");
  EXPECT_EQ(rt->spec.references[0].access, Access::kWrite);
}

// Every product route of this build declares its references (the real modules finalize).
TEST_F(AppTest, EveryProductRouteDeclaresItsReferences) {
  for (auto f : products::all()) app_->add_module(f());
  EXPECT_NO_THROW(app_->finalize());
  std::size_t declared = 0;
  for (auto& r : app_->routes()) declared += r.spec.references.size();
  EXPECT_GT(declared, 40u);
}

TEST_F(AppTest, RouteRegisteredTwiceIsRejectedAtFinalize) {
  app_->add_module(std::make_unique<TestModule>([](Registry& r) {
    r.add("GET", "/scwdtest/v1/things/{id}", kRead, echo);
    r.add("GET", "/scwdtest/v1/things/{thing_id}", kRead, echo);
  }));
  EXPECT_THROW(app_->finalize(), std::logic_error);
}

TEST_F(AppTest, PublishedOperationWithoutHandlerAnswers501) {
  finalize_with([](Registry&) {});
  auto r = call("GET", "/k8s/v1/regions/fr-par/clusters");
  EXPECT_EQ(r.res.status, 501) << r.res.body;
  EXPECT_EQ(r.body.at("type").as_string(), "not_implemented");
  EXPECT_EQ(r.body.at("operation").as_string(), "ListClusters");
  EXPECT_THAT(std::string(r.body.at("message").as_string()), HasSubstr("ListClusters"));

  auto create = call("POST", "/k8s/v1/regions/nl-ams/clusters", "{not json");
  EXPECT_EQ(create.res.status, 501) << create.res.body;
  EXPECT_EQ(create.body.at("operation").as_string(), "CreateCluster");

  const Route* rt = route("GET", "/k8s/v1/regions/{region}/clusters");
  ASSERT_NE(rt, nullptr);
  EXPECT_FALSE(rt->implemented);
  ASSERT_NE(rt->op, nullptr);
  EXPECT_EQ(rt->op->name, "listClusters");
  EXPECT_EQ(app_->operations_served(), 0u);
  EXPECT_GT(app_->operations_published(), 100u);
  EXPECT_TRUE(app_->products_served().empty());
}

TEST_F(AppTest, UnimplementedOperationsStillRequireAuthentication) {
  finalize_with([](Registry&) {});
  auto r = call("GET", "/k8s/v1/regions/fr-par/clusters", "", new_uuid());
  EXPECT_EQ(r.res.status, 401);
  EXPECT_EQ(r.body.at("type").as_string(), "denied_authentication");
  EXPECT_EQ(r.body.at("reason").as_string(), "not_found");
}

TEST_F(AppTest, ImplementedOperationTakesItsNameAndRulesFromTheCatalog) {
  finalize_with([](Registry& r) {
    r.add("GET", "/k8s/v1/regions/{region}/clusters", kRead, echo).not_refs({"private_network_id"});
  });
  const Route* rt = route("GET", "/k8s/v1/regions/{region}/clusters");
  ASSERT_NE(rt, nullptr);
  EXPECT_TRUE(rt->implemented);
  ASSERT_NE(rt->op, nullptr);
  EXPECT_EQ(rt->spec.operation, "ListClusters");
  EXPECT_EQ(app_->operations_served(), 1u);
  EXPECT_THAT(app_->products_served(), ::testing::ElementsAre("k8s/v1"));

  auto ok = call("GET", "/k8s/v1/regions/fr-par/clusters?page=2&status=ready");
  EXPECT_EQ(ok.res.status, 200) << ok.res.body;
  EXPECT_EQ(ok.body.at("params").at("region").as_string(), "fr-par");
  EXPECT_TRUE(ok.body.at("has_op").as_bool());

  // page must be > 0 and an integer, status one of the enum (catalog rules)
  expect_invalid(call("GET", "/k8s/v1/regions/fr-par/clusters?page=0"), "page", "constraint");
  expect_invalid(call("GET", "/k8s/v1/regions/fr-par/clusters?page=x"), "page", "format");
  expect_invalid(call("GET", "/k8s/v1/regions/fr-par/clusters?status=sleepy"), "status",
                 "constraint");
}

TEST_F(AppTest, BodyOfAnImplementedOperationIsValidatedByTheCatalog) {
  finalize_with([](Registry& r) {
    r.add("POST", "/k8s/v1/regions/{region}/clusters", kRead, echo)
        .not_refs({"private_network_id"});
  });
  auto ok = call("POST", "/k8s/v1/regions/fr-par/clusters", R"({"name":"c1","cni":"cilium"})");
  EXPECT_EQ(ok.res.status, 200) << ok.res.body;
  EXPECT_EQ(ok.body.at("body").at("name").as_string(), "c1");
  expect_invalid(call("POST", "/k8s/v1/regions/fr-par/clusters", R"({"name":""})"), "name",
                 "constraint");
  expect_invalid(call("POST", "/k8s/v1/regions/fr-par/clusters", R"({"cni":"flannel-ish"})"), "cni",
                 "constraint");
  expect_invalid(call("POST", "/k8s/v1/regions/fr-par/clusters", R"({"tags":"a"})"), "tags",
                 "format");
}

TEST_F(AppTest, UnknownPathIs404Json) {
  finalize_with([](Registry&) {});
  auto r = call("GET", "/nope/v1/things");
  EXPECT_EQ(r.res.status, 404);
  EXPECT_EQ(r.body.at("type").as_string(), "not_found");
  EXPECT_EQ(r.body.at("resource").as_string(), "endpoint");
  EXPECT_EQ(r.body.at("resource_id").as_string(), "/nope/v1/things");
  // No authentication is needed to learn that a path does not exist.
  auto anon = call("GET", "/nope/v1/things", "", "");
  EXPECT_EQ(anon.res.status, 404);
}

TEST_F(AppTest, AnApiScwdDoesNotServeAnswers501NamingIt) {
  finalize_with([](Registry&) {});
  auto r = call("POST", "/lb/v1/zones/fr-par-1/lbs", R"({"name":"x"})");
  EXPECT_EQ(r.res.status, 501) << r.res.body;
  EXPECT_EQ(r.body.at("type").as_string(), "not_implemented");
  EXPECT_EQ(r.body.at("api").as_string(), "lb/v1");
  EXPECT_THAT(std::string(r.body.at("message").as_string()),
              HasSubstr("Load Balancer API (lb/v1) is not served by scwd: POST /lb/v1/zones"));
  // Only whole segments match: an unknown API that shares a prefix is still an unknown path.
  EXPECT_EQ(call("GET", "/lb/v10/zones/fr-par-1/lbs").res.status, 404);
  EXPECT_EQ(call("GET", "/lbx/v1/zones/fr-par-1/lbs").res.status, 404);
}

TEST_F(AppTest, WrongMethodIs405WithAllow) {
  finalize_with([](Registry& r) {
    r.add("GET", "/scwdtest/v1/zones/{zone}/things", kRead, echo);
    r.add("POST", "/scwdtest/v1/zones/{zone}/things", kRead, echo);
  });
  auto r = call("PUT", "/scwdtest/v1/zones/fr-par-1/things");
  EXPECT_EQ(r.res.status, 405);
  EXPECT_EQ(r.body.at("type").as_string(), "method_not_allowed");
  std::string allow;
  for (auto& [k, v] : r.res.headers)
    if (k == "Allow") allow = v;
  EXPECT_EQ(allow, "GET, POST");
}

TEST_F(AppTest, BadPercentEncodingInPathIs400) {
  finalize_with([](Registry& r) { r.add("GET", "/scwdtest/v1/things/{id}", kRead, echo); });
  expect_invalid(call("GET", "/scwdtest/v1/things/%zz"), "path", "format");
}

TEST_F(AppTest, BadZoneOrRegionIs400) {
  finalize_with([](Registry& r) {
    r.add("GET", "/scwdtest/v1/zones/{zone}/things", kRead, echo);
    r.add("GET", "/scwdtest/v1/regions/{region}/things", kRead, echo);
  });
  EXPECT_EQ(call("GET", "/scwdtest/v1/zones/fr-par-1/things").res.status, 200);
  EXPECT_EQ(call("GET", "/scwdtest/v1/regions/it-mil/things").res.status, 200);
  expect_invalid(call("GET", "/scwdtest/v1/zones/fr-par/things"), "zone", "format");
  expect_invalid(call("GET", "/scwdtest/v1/zones/FR-PAR-1/things"), "zone", "format");
  expect_invalid(call("GET", "/scwdtest/v1/zones/de-fra-1/things"), "zone", "constraint");
  expect_invalid(call("GET", "/scwdtest/v1/regions/fr-par-1/things"), "region", "format");
  expect_invalid(call("GET", "/scwdtest/v1/regions/de-fra/things"), "region", "constraint");
  // Catalog routes as well, and before the 501.
  expect_invalid(call("GET", "/k8s/v1/regions/mars/clusters"), "region", "format");
}

TEST_F(AppTest, MalformedJsonBodyIs400) {
  finalize_with([](Registry& r) {
    r.add("POST", "/scwdtest/v1/things", kRead, echo);
    r.add("PATCH", "/scwdtest/v1/things", kRead, echo);
  });
  expect_invalid(call("POST", "/scwdtest/v1/things", "{\"a\":"), "body", "format");
  expect_invalid(call("PATCH", "/scwdtest/v1/things", "[1,2]"), "body", "format");
  // An empty body is an empty object.
  auto empty = call("POST", "/scwdtest/v1/things", "");
  EXPECT_EQ(empty.res.status, 200) << empty.res.body;
  EXPECT_TRUE(empty.body.at("body").as_object().empty());
  auto ok = call("POST", "/scwdtest/v1/things", R"({"a":1})");
  EXPECT_EQ(ok.body.at("body").at("a").as_int64(), 1);
}

TEST_F(AppTest, HandlerSeesParamsAndPrincipal) {
  finalize_with([](Registry& r) {
    r.add("GET", "/scwdtest/v1/zones/{zone}/things/{thing_id}", kRead, echo);
  });
  auto r = call("GET", "/scwdtest/v1/zones/nl-ams-2/things/a%20b");
  ASSERT_EQ(r.res.status, 200) << r.res.body;
  EXPECT_EQ(r.body.at("params").at("zone").as_string(), "nl-ams-2");
  EXPECT_EQ(r.body.at("params").at("thing_id").as_string(), "a b");
  EXPECT_EQ(r.body.at("principal").as_string(), identity_.user_id);
  EXPECT_TRUE(r.body.at("owner").as_bool());
  EXPECT_FALSE(r.body.at("has_op").as_bool());
  EXPECT_EQ(r.res.principal_id, identity_.user_id);
  const Route* rt = route("GET", "/scwdtest/v1/zones/{zone}/things/{thing_id}");
  ASSERT_NE(rt, nullptr);
  EXPECT_EQ(rt->op, nullptr);
  EXPECT_EQ(rt->spec.operation, "GET /scwdtest/v1/zones/{zone}/things/{thing_id}");
}

TEST_F(AppTest, AuthenticationIsRequiredUnlessPublic) {
  finalize_with([](Registry& r) {
    r.add("GET", "/scwdtest/v1/private", kRead, echo);
    r.add("GET", "/scwdtest/v1/public", kPublic, echo);
  });
  auto denied = call("GET", "/scwdtest/v1/private", "", "");
  EXPECT_EQ(denied.res.status, 401);
  EXPECT_EQ(denied.body.at("method").as_string(), "api_key");
  EXPECT_EQ(denied.body.at("reason").as_string(), "invalid_argument");
  auto open = call("GET", "/scwdtest/v1/public", "", "");
  EXPECT_EQ(open.res.status, 200) << open.res.body;
  EXPECT_EQ(open.body.at("principal").as_string(), "");
}

TEST_F(AppTest, HandlerErrorsAreRendered) {
  finalize_with([](Registry& r) {
    r.add("GET", "/scwdtest/v1/fail", kRead, [](Context&) -> api::Result<http::Response> {
      return api::fail(ApiError::not_found("test_thing", "t-1"));
    });
  });
  auto r = call("GET", "/scwdtest/v1/fail");
  EXPECT_EQ(r.res.status, 404);
  EXPECT_EQ(r.body, json::parse(R"({"type":"not_found","message":"resource is not found",
                            "resource":"test_thing","resource_id":"t-1"})")
                        .as_object());
}

TEST_F(AppTest, ExceptionsInHandlersAre500WithTheRequestId) {
  finalize_with([](Registry& r) {
    r.add("GET", "/scwdtest/v1/boom", kRead,
          [](Context&) -> api::Result<http::Response> { throw std::runtime_error("kaboom"); });
    r.add("GET", "/scwdtest/v1/race", kRead,
          [](Context&) -> api::Result<http::Response> { throw store::Conflict("stale"); });
  });
  auto r = call("GET", "/scwdtest/v1/boom");
  EXPECT_EQ(r.res.status, 500);
  EXPECT_EQ(r.res.content_type, "application/json");
  EXPECT_EQ(r.body.at("type").as_string(), "internal_error");
  EXPECT_EQ(r.body.at("message").as_string(), "internal error, request id " + last_request_id_);
  EXPECT_THAT(r.res.body, ::testing::Not(HasSubstr("kaboom")));  // no internals leak

  auto race = call("GET", "/scwdtest/v1/race");
  EXPECT_EQ(race.res.status, 409);
  EXPECT_EQ(race.body.at("type").as_string(), "conflict");
}

TEST_F(AppTest, AuthorizerDecides) {
  finalize_with([](Registry& r) { r.add("GET", "/scwdtest/v1/things", kRead, echo); });
  std::string seen_family;
  app_->set_authorizer([&](Context&, const Permission& p) -> std::optional<ApiError> {
    seen_family = std::string(p.family);
    return ApiError::permissions_denied({{"read", std::string(p.resource)}});
  });
  auto r = call("GET", "/scwdtest/v1/things");
  EXPECT_EQ(r.res.status, 403);
  EXPECT_EQ(r.body.at("type").as_string(), "permissions_denied");
  EXPECT_EQ(r.body.at("details").at(0).at("resource").as_string(), "test_thing");
  EXPECT_EQ(seen_family, "Test");
}

TEST_F(AppTest, ErrorResponses) {
  finalize_with([](Registry&) {});
  auto too_large = app_->error_response(413, "r1");
  EXPECT_EQ(too_large.status, 413);
  EXPECT_THAT(too_large.body, HasSubstr("4096"));
  EXPECT_EQ(app_->error_response(431, "r1").status, 431);
  auto bad = app_->error_response(400, "r1");
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("invalid_arguments"));
  auto framing = app_->error_response(400, "r1", "Content-Length must be given once");
  EXPECT_THAT(framing.body, HasSubstr("malformed HTTP request: Content-Length must be given once"));
  auto coding = app_->error_response(501, "r1", "transfer coding 'gzip' is not implemented");
  EXPECT_EQ(coding.status, 501);
  EXPECT_THAT(coding.body, HasSubstr("\"type\":\"not_implemented\""));
  EXPECT_THAT(coding.body, HasSubstr("'gzip'"));
  auto full = app_->error_response(503, "r1", "too many connections");
  EXPECT_EQ(full.status, 503);
  EXPECT_EQ(full.content_type, "application/json");
  EXPECT_THAT(full.body, HasSubstr("\"type\":\"service_unavailable\""));
  auto other = app_->error_response(500, "r-77");
  EXPECT_EQ(other.status, 500);
  EXPECT_THAT(other.body, HasSubstr("r-77"));
}

TEST(HostDispatch, PrefixHandlersComeFirstAndStopsRunUntilRemoved) {
  HostDispatch d;
  std::vector<std::string> asked;
  auto handler = [&asked](std::string name, bool claims) {
    return [&asked, name, claims](http::Request&) -> std::optional<http::Staged> {
      asked.push_back(name);
      if (!claims) return std::nullopt;
      return http::Staged(http::Response::raw(200, "text/plain", name));
    };
  };
  int a = 0, b = 0;
  d.add(&a, handler("host", false));
  d.add_first(&b, handler("prefix-1", false));
  d.add_first(&a, handler("prefix-2", true));
  http::Request req;
  auto s = d.dispatch(req);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->response.body, "prefix-2");
  EXPECT_EQ(asked, (std::vector<std::string>{"prefix-1", "prefix-2"}));
  int stops = 0;
  d.on_stop(&a, [&stops] { ++stops; });
  d.stop();
  EXPECT_EQ(stops, 1);
  d.remove(&a);
  asked.clear();
  EXPECT_FALSE(d.dispatch(req));
  EXPECT_EQ(asked, (std::vector<std::string>{"prefix-1"}));
  d.add_first(&a, handler("prefix-3", false));
  asked.clear();
  d.dispatch(req);
  EXPECT_EQ(asked, (std::vector<std::string>{"prefix-1", "prefix-3"}));
  d.stop();
  EXPECT_EQ(stops, 1) << "removed with its owner";
}

}  // namespace
}  // namespace scwd::app
