#include "core/router/router.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <initializer_list>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace scwd::router {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;
using Kind = Match::Kind;

// Adds each of `routes` (method, path template, route) to `r`, in order.
struct Route {
  std::string_view method, path;
  int route;
};
void add_all(Router& r, std::initializer_list<Route> routes) {
  for (auto& [method, path, route] : routes) r.add(method, path, route);
}

// Every one of `paths` answers `kind` to GET.
void expect_kind(const Router& r, Kind kind, std::initializer_list<std::string_view> paths) {
  for (auto p : paths) EXPECT_EQ(r.match("GET", p).kind, kind) << p;
}

// The match of `method path`, which must find `route`.
Match found(const Router& r, std::string_view method, std::string_view path, int route) {
  auto m = r.match(method, path);
  EXPECT_EQ(m.kind, Kind::kFound) << method << " " << path;
  EXPECT_EQ(m.route, route) << method << " " << path;
  return m;
}

TEST(RouterSplit, DropsEmptySegments) {
  EXPECT_THAT(Router::split("/a/b/c"), ElementsAre("a", "b", "c"));
  EXPECT_THAT(Router::split("//a///b/"), ElementsAre("a", "b"));
  EXPECT_TRUE(Router::split("/").empty());
  EXPECT_TRUE(Router::split("").empty());
}

TEST(Router, MatchesLiteralTemplate) {
  Router r;
  add_all(r, {{"GET", "/account/v3/projects", 7}});
  auto m = found(r, "GET", "/account/v3/projects", 7);
  EXPECT_EQ(m.params.size(), 0u);
}

TEST(Router, ExtractsParams) {
  Router r;
  add_all(r, {{"GET", "/instance/v1/zones/{zone}/servers/{server_id}", 1}});
  auto m = found(r, "GET", "/instance/v1/zones/fr-par-1/servers/abc-123", 1);
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params["zone"], "fr-par-1");
  EXPECT_EQ(m.params["server_id"], "abc-123");
  ASSERT_NE(m.params.get("zone"), nullptr);
  EXPECT_EQ(*m.params.get("zone"), "fr-par-1");
  EXPECT_EQ(m.params.get("missing"), nullptr);
  EXPECT_EQ(m.params["missing"], "");
}

TEST(Router, ParamDoesNotMatchMissingSegment) {
  Router r;
  add_all(r, {{"GET", "/a/{id}", 1}});
  expect_kind(r, Kind::kNotFound, {"/a", "/a/", "/a/x/y"});
}

TEST(Router, LiteralWinsOverParam) {
  Router r;
  add_all(r, {{"GET", "/instance/v1/zones/{zone}/security_groups/{security_group_id}/rules", 1},
              {"GET", "/instance/v1/zones/{zone}/security_groups/default/rules", 2}});

  auto lit = found(r, "GET", "/instance/v1/zones/fr-par-1/security_groups/default/rules", 2);
  EXPECT_EQ(lit.params["zone"], "fr-par-1");
  EXPECT_EQ(lit.params.get("security_group_id"), nullptr);

  auto par = found(r, "GET", "/instance/v1/zones/fr-par-1/security_groups/sg-1/rules", 1);
  EXPECT_EQ(par.params["security_group_id"], "sg-1");
}

TEST(Router, LiteralWinsRegardlessOfRegistrationOrder) {
  Router r;
  add_all(r, {{"GET", "/sg/default/rules", 2}, {"GET", "/sg/{id}/rules", 1}});
  EXPECT_EQ(r.match("GET", "/sg/default/rules").route, 2);
  EXPECT_EQ(r.match("GET", "/sg/other/rules").route, 1);
}

TEST(Router, BacktracksFromLiteralToParam) {
  Router r;
  add_all(r, {{"GET", "/a/default/x", 1}, {"GET", "/a/{id}/y", 2}});
  auto m = found(r, "GET", "/a/default/y", 2);
  EXPECT_EQ(m.params["id"], "default");
  // No stale parameters from the abandoned branch.
  EXPECT_EQ(m.params.size(), 1u);
}

TEST(Router, LiteralWithoutTheMethodFallsBackToParamRoute) {
  Router r;
  add_all(r, {{"GET", "/sg/default/rules", 1},
              {"GET", "/sg/{security_group_id}/rules", 2},
              {"POST", "/sg/{security_group_id}/rules", 3}});
  auto get = found(r, "GET", "/sg/default/rules", 1);
  auto post = found(r, "POST", "/sg/default/rules", 3);
  EXPECT_EQ(post.params["security_group_id"], "default");
  auto del = r.match("DELETE", "/sg/default/rules");
  ASSERT_EQ(del.kind, Kind::kMethodNotAllowed);
  EXPECT_THAT(del.allowed, UnorderedElementsAre("GET"));
}

TEST(Router, MethodNotAllowedListsAllowedMethods) {
  Router r;
  add_all(r, {{"GET", "/p/{id}", 1}, {"PATCH", "/p/{id}", 2}, {"DELETE", "/p/{id}", 3}});
  auto m = r.match("POST", "/p/x");
  EXPECT_EQ(m.kind, Kind::kMethodNotAllowed);
  EXPECT_EQ(m.route, -1);
  EXPECT_THAT(m.allowed, UnorderedElementsAre("GET", "PATCH", "DELETE"));
}

TEST(Router, MethodIsCaseSensitive) {
  Router r;
  add_all(r, {{"GET", "/p", 1}});
  EXPECT_EQ(r.match("get", "/p").kind, Kind::kMethodNotAllowed);
}

TEST(Router, NotFound) {
  Router r;
  add_all(r, {{"GET", "/a/b", 1}});
  auto m = r.match("GET", "/a/c");
  EXPECT_EQ(m.kind, Kind::kNotFound);
  EXPECT_EQ(m.route, -1);
  EXPECT_TRUE(m.allowed.empty());
  EXPECT_EQ(m.params.size(), 0u);
  // An intermediate node without methods is not a match.
  expect_kind(r, Kind::kNotFound, {"/a", "/", "/a/b/c"});
}

TEST(Router, NotFoundClearsParams) {
  Router r;
  add_all(r, {{"GET", "/z/{zone}/servers", 1}});
  auto m = r.match("GET", "/z/fr-par-1/volumes");
  EXPECT_EQ(m.kind, Kind::kNotFound);
  EXPECT_EQ(m.params.size(), 0u);
}

TEST(Router, PercentDecodesSegments) {
  Router r;
  add_all(r, {{"GET", "/buckets/{name}/objects/{key}", 1}});
  auto m = found(r, "GET", "/buckets/my%20bucket/objects/a%2Fb%2fc", 1);
  EXPECT_EQ(m.params["name"], "my bucket");
  // An encoded slash stays inside its segment.
  EXPECT_EQ(m.params["key"], "a/b/c");
}

TEST(Router, PlusIsNotSpaceInPaths) {
  Router r;
  add_all(r, {{"GET", "/x/{v}", 1}});
  auto m = found(r, "GET", "/x/a+b", 1);
  EXPECT_EQ(m.params["v"], "a+b");
}

TEST(Router, LiteralSegmentsMatchAfterDecoding) {
  Router r;
  add_all(r, {{"GET", "/a/default", 1}});
  found(r, "GET", "/a/%64efault", 1);
}

TEST(Router, BadPercentEncoding) {
  Router r;
  add_all(r, {{"GET", "/x/{v}", 1}});
  expect_kind(r, Kind::kBadPath, {"/x/%zz", "/x/%4", "/x/abc%", "/x/%g1"});
  // Bad encoding is reported even when no route would match.
  EXPECT_EQ(r.match("GET", "/nothing/%").kind, Kind::kBadPath);
}

TEST(Router, DuplicateRegistrationThrows) {
  Router r;
  add_all(r, {{"GET", "/a/{id}", 1}});
  EXPECT_THROW(r.add("GET", "/a/{id}", 2), std::invalid_argument);
  // Same shape, other parameter name: still the same route.
  EXPECT_THROW(r.add("GET", "/a/{other}", 3), std::invalid_argument);
  // Trailing slash makes no difference to the template either.
  EXPECT_THROW(r.add("GET", "/a/{id}/", 4), std::invalid_argument);
  // Another method on the same template is fine.
  EXPECT_NO_THROW(r.add("POST", "/a/{id}", 5));
  EXPECT_EQ(r.match("GET", "/a/1").route, 1);
  EXPECT_EQ(r.match("POST", "/a/1").route, 5);
}

TEST(Router, MalformedTemplatesThrow) {
  Router r;
  EXPECT_THROW(r.add("GET", "", 1), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "a/b", 1), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/a/b{c}", 1), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/a/{c", 1), std::invalid_argument);
  EXPECT_THROW(r.add("GET", "/a/c}", 1), std::invalid_argument);
}

TEST(Router, ParamAliasesOnSamePosition) {
  Router r;
  add_all(r, {{"PUT", "/z/{zone}/security_groups/{id}", 1},
              {"GET", "/z/{zone}/security_groups/{security_group_id}", 2},
              {"DELETE", "/z/{zone}/security_groups/{security_group_id}", 3}});

  // Each method finds its own route, and every alias of the position.
  for (auto [method, route] : {std::pair{"PUT", 1}, std::pair{"GET", 2}, std::pair{"DELETE", 3}}) {
    SCOPED_TRACE(method);
    auto m = found(r, method, "/z/nl-ams-1/security_groups/sg-42", route);
    ASSERT_EQ(m.kind, Kind::kFound);
    EXPECT_EQ(m.params["zone"], "nl-ams-1");
    EXPECT_EQ(m.params["id"], "sg-42");
    EXPECT_EQ(m.params["security_group_id"], "sg-42");
  }
}

TEST(Router, AliasRegisteredTwiceIsListedOnce) {
  Router r;
  add_all(r, {{"GET", "/a/{id}", 1}, {"POST", "/a/{id}", 2}});
  auto m = r.match("GET", "/a/x");
  ASSERT_EQ(m.kind, Kind::kFound);
  EXPECT_EQ(m.params.size(), 1u);
}

TEST(Router, TrailingAndRepeatedSlashes) {
  Router r;
  r.add("GET", "/account/v3/projects/", 1);  // template with a trailing slash
  r.add("GET", "/account/v3/projects/{project_id}", 2);
  EXPECT_EQ(r.match("GET", "/account/v3/projects").route, 1);
  EXPECT_EQ(r.match("GET", "/account/v3/projects/").route, 1);
  auto m = found(r, "GET", "/account/v3/projects/p1/", 2);
  EXPECT_EQ(m.params["project_id"], "p1");
  EXPECT_EQ(r.match("GET", "//account//v3/projects//p1").route, 2);
}

TEST(Router, RootRoute) {
  Router r;
  add_all(r, {{"GET", "/", 9}});
  EXPECT_EQ(r.match("GET", "/").route, 9);
  EXPECT_EQ(r.match("GET", "").route, 9);
  EXPECT_EQ(r.match("GET", "/x").kind, Kind::kNotFound);
}

TEST(ParamsTest, TruncateAndClear) {
  Params p;
  p.add("a", "1");
  p.add("b", "2");
  p.add("c", "3");
  p.truncate(1);
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p["a"], "1");
  EXPECT_EQ(p.get("b"), nullptr);
  p.clear();
  EXPECT_EQ(p.size(), 0u);
}

}  // namespace
}  // namespace scwd::router
