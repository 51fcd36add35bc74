#include "core/api/error.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <string>

namespace scwd::api {
namespace {

namespace json = boost::json;

// Compares the serialized error with the expected JSON text as parsed objects, key by key, so
// that key order does not matter but every key, type and value does.
void ExpectJson(const ApiError& e, int status, std::string_view expected) {
  EXPECT_EQ(e.status(), status);
  json::value got = json::parse(e.serialize());
  json::value want = json::parse(expected);
  ASSERT_TRUE(got.is_object()) << e.serialize();
  ASSERT_TRUE(want.is_object());
  const auto& g = got.as_object();
  const auto& w = want.as_object();
  for (const auto& kv : w) {
    auto it = g.find(kv.key());
    if (it == g.end()) {
      ADD_FAILURE() << "missing key '" << kv.key() << "' in " << e.serialize();
      continue;
    }
    EXPECT_EQ(it->value(), kv.value())
        << "key '" << kv.key() << "': got " << json::serialize(it->value()) << ", want "
        << json::serialize(kv.value());
  }
  for (const auto& kv : g)
    EXPECT_TRUE(w.contains(kv.key())) << "unexpected key '" << kv.key() << "' in " << e.serialize();
  // body() is the same object as the serialized text
  EXPECT_EQ(json::value(e.body()), got);
  // type() reads the discriminator
  EXPECT_EQ(e.type(), w.at("type").as_string());
}

TEST(ArgReason, ToString) {
  EXPECT_EQ(to_string(ArgReason::kRequired), "required");
  EXPECT_EQ(to_string(ArgReason::kFormat), "format");
  EXPECT_EQ(to_string(ArgReason::kConstraint), "constraint");
  EXPECT_EQ(to_string(ArgReason::kUnknown), "unknown");
}

TEST(ApiError, InvalidArguments) {
  // The documented shape of a validation error
  ExpectJson(ApiError::invalid_arguments(
                 {{"commercial_type", ArgReason::kRequired, "required key not provided"},
                  {"project_id", ArgReason::kFormat, "value must be a valid UUID"},
                  {"name", ArgReason::kConstraint, "too long"},
                  {"x", ArgReason::kUnknown, ""}}),
             400,
             R"js({"type":"invalid_arguments","message":"invalid argument(s)","details":[
               {"argument_name":"commercial_type","reason":"required",
                "help_message":"required key not provided"},
               {"argument_name":"project_id","reason":"format",
                "help_message":"value must be a valid UUID"},
               {"argument_name":"name","reason":"constraint","help_message":"too long"},
               {"argument_name":"x","reason":"unknown","help_message":""}]})js");
}

TEST(ApiError, InvalidArgumentsEmptyDetails) {
  ExpectJson(ApiError::invalid_arguments({}), 400,
             R"js({"type":"invalid_arguments","message":"invalid argument(s)","details":[]})js");
}

TEST(ApiError, InvalidArgumentSingle) {
  ExpectJson(
      ApiError::invalid_argument("project_id", ArgReason::kFormat, "value must be a valid UUID"),
      400,
      R"js({"details":[{"argument_name":"project_id","help_message":"value must be a valid UUID",
          "reason":"format"}],"message":"invalid argument(s)","type":"invalid_arguments"})js");
}

TEST(ApiError, NotFound) {
  ExpectJson(ApiError::not_found("instance_server", "11111111-2222-3333-4444-555555555555"), 404,
             R"js({"type":"not_found","message":"resource is not found",
                 "resource":"instance_server",
                 "resource_id":"11111111-2222-3333-4444-555555555555"})js");
}

TEST(ApiError, DeniedAuthentication) {
  ExpectJson(ApiError::denied_authentication("api_key", "not_found"), 401,
             R"js({"message":"authentication is denied","method":"api_key","reason":"not_found",
                 "type":"denied_authentication"})js");
  ExpectJson(ApiError::denied_authentication("jwt", "expired"), 401,
             R"js({"message":"authentication is denied","method":"jwt","reason":"expired",
                 "type":"denied_authentication"})js");
}

TEST(ApiError, PermissionsDenied) {
  ExpectJson(ApiError::permissions_denied({{"read", "api_key"}, {"write", "instance_volume"}}), 403,
             R"js({"details":[{"action":"read","resource":"api_key"},
                            {"action":"write","resource":"instance_volume"}],
                 "message":"insufficient permissions","type":"permissions_denied"})js");
}

TEST(ApiError, QuotasExceeded) {
  QuotaDetail project_scoped{"instance_volume", 10, 10, "", "p-1"};
  QuotaDetail org_scoped{"projects", 25, 26, "o-1", ""};
  QuotaDetail unscoped{"ssh_keys", 5, 5, "", ""};
  ExpectJson(ApiError::quotas_exceeded({project_scoped, org_scoped, unscoped}), 403,
             R"js({"type":"quotas_exceeded","message":"quota(s) exceeded for this resource",
                 "details":[
                   {"resource":"instance_volume","quota":10,"current":10,"project_id":"p-1"},
                   {"resource":"projects","quota":25,"current":26,"organization_id":"o-1"},
                   {"resource":"ssh_keys","quota":5,"current":5}]})js");
  // quota and current must be JSON numbers (the JS SDK requires it)
  auto e = ApiError::quotas_exceeded({project_scoped});
  const auto& d = e.body().at("details").as_array().at(0).as_object();
  EXPECT_TRUE(d.at("quota").is_int64());
  EXPECT_TRUE(d.at("current").is_int64());
}

TEST(ApiError, TransientState) {
  ExpectJson(ApiError::transient_state("instance_server", "s-1", "starting"), 409,
             R"js({"type":"transient_state","message":"resource is in a transient state",
                 "resource":"instance_server","resource_id":"s-1","current_state":"starting"})js");
}

TEST(ApiError, Locked) {
  ExpectJson(ApiError::locked("instance_server", "s-1"), 423,
             R"js({"type":"locked","message":"resource is locked","resource":"instance_server",
                 "resource_id":"s-1"})js");
}

TEST(ApiError, PreconditionFailed) {
  ExpectJson(
      ApiError::precondition_failed("protected_resource", "cannot delete a protected secret"), 412,
      R"js({"help_message":"cannot delete a protected secret",
                 "message":"precondition is not respected","precondition":"protected_resource",
                 "type":"precondition_failed"})js");
  // help_message must stay a string even when empty (JS requires a string)
  ExpectJson(ApiError::precondition_failed("resource_still_in_use", ""), 412,
             R"js({"help_message":"","message":"precondition is not respected",
                 "precondition":"resource_still_in_use","type":"precondition_failed"})js");
}

TEST(ApiError, AlreadyExists) {
  ExpectJson(ApiError::already_exists("group", "g-1", "name taken"), 409,
             R"js({"help_message":"name taken","message":"resource already exists",
                 "resource":"group","resource_id":"g-1","type":"already_exists"})js");
}

TEST(ApiError, OutOfStock) {
  ExpectJson(ApiError::out_of_stock("instance_server"), 503,
             R"js({"type":"out_of_stock","message":"resource is out of stock",
                 "resource":"instance_server"})js");
}

TEST(ApiError, Expired) {
  ExpectJson(ApiError::expired("account_token", "t-1", "2017-01-15T01:30:15.01Z"), 410,
             R"js({"type":"expired","message":"resource has expired","resource":"account_token",
                 "resource_id":"t-1","expired_since":"2017-01-15T01:30:15.01Z"})js");
}

TEST(ApiError, TooManyRequests) {
  ExpectJson(ApiError::too_many_requests("slow down", 3, 60, 13), 429,
             R"js({"type":"too_many_requests","message":"too many requests",
                 "help_message":"slow down","limit":{"quota":3,"window_seconds":60},
                 "reset_seconds":13})js");
}

TEST(ApiError, LegacyShapes) {
  ExpectJson(ApiError::legacy_invalid_request("server should be running"), 400,
             R"js({"type":"invalid_request_error","message":"server should be running"})js");
  ExpectJson(ApiError::unknown_resource(R"js(Security group "abc" not found)js"), 404,
             R"js({"type":"unknown_resource","message":"Security group \"abc\" not found"})js");
  ExpectJson(ApiError::conflict("Group is in use. You cannot delete it."), 409,
             R"js({"type":"conflict","message":"Group is in use. You cannot delete it."})js");
}

TEST(ApiError, RouteNotFound) {
  ExpectJson(ApiError::route_not_found("GET", "/nope/v1/x"), 404,
             R"js({"type":"not_found","message":"no such endpoint: GET /nope/v1/x",
                 "resource":"endpoint","resource_id":"/nope/v1/x"})js");
}

TEST(ApiError, MethodNotAllowed) {
  ExpectJson(ApiError::method_not_allowed("PUT", "/account/v3/projects"), 405,
             R"js({"type":"method_not_allowed",
                 "message":"method PUT is not allowed on /account/v3/projects"})js");
}

TEST(ApiError, NotImplemented) {
  ExpectJson(ApiError::not_implemented("ListClusters", "GET", "/k8s/v1/regions/{region}/clusters"),
             501,
             R"js({"type":"not_implemented","operation":"ListClusters",
                 "message":"operation ListClusters (GET /k8s/v1/regions/{region}/clusters) is not implemented by scwd yet"})js");
}

TEST(ApiError, TransportErrors) {
  ExpectJson(ApiError::payload_too_large(1048576), 413,
             R"js({"type":"request_entity_too_large",
                 "message":"request body is larger than 1048576 bytes"})js");
  ExpectJson(ApiError::headers_too_large(), 431,
             R"js({"type":"request_header_fields_too_large",
                 "message":"request header fields are too large"})js");
  ExpectJson(
      ApiError::unsupported_media_type("text/xml"), 415,
      R"js({"type":"unsupported_media_type","message":"unsupported content type: text/xml"})js");
  ExpectJson(ApiError::internal("req-42"), 500,
             R"js({"type":"internal_error","message":"internal error, request id req-42"})js");
  ExpectJson(ApiError::unavailable("store is closed"), 503,
             R"js({"type":"service_unavailable","message":"store is closed"})js");
}

TEST(ApiError, EscapesStringsInJson) {
  auto e = ApiError::not_found("x\"y", "a\\b\n");
  auto v = json::parse(e.serialize());
  EXPECT_EQ(v.at("resource").as_string(), "x\"y");
  EXPECT_EQ(v.at("resource_id").as_string(), "a\\b\n");
}

TEST(ApiError, TypeOfCustomBody) {
  ApiError typed(418, json::object{{"type", "teapot"}});
  EXPECT_EQ(typed.type(), "teapot");
  ApiError untyped(500, json::object{{"message", "x"}});
  EXPECT_EQ(untyped.type(), "");
  ApiError non_string(500, json::object{{"type", 3}});
  EXPECT_EQ(non_string.type(), "");
}

TEST(ApiError, ResultAndFail) {
  Result<int> ok = 3;
  EXPECT_TRUE(ok.has_value());
  Result<int> bad = fail(ApiError::locked("r", "i"));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().status(), 423);
  EXPECT_EQ(bad.error().type(), "locked");
}

}  // namespace
}  // namespace scwd::api
