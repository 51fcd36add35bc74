#include "core/codec/validate.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <boost/json/parse.hpp>
#include <deque>
#include <initializer_list>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace scwd::codec {
namespace {

namespace json = boost::json;
using api::ApiError;
using sdk::Field;
using sdk::FieldKind;
using sdk::Rules;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// (argument_name, reason, help_message) of every detail of an invalid_arguments error.
using Detail = std::tuple<std::string, std::string, std::string>;

std::vector<Detail> details(const ApiError& e) {
  EXPECT_EQ(e.status(), 400);
  EXPECT_EQ(e.type(), "invalid_arguments");
  std::vector<Detail> out;
  for (auto& d : e.body().at("details").as_array()) {
    auto& o = d.as_object();
    out.emplace_back(std::string(o.at("argument_name").as_string()),
                     std::string(o.at("reason").as_string()),
                     std::string(o.at("help_message").as_string()));
  }
  return out;
}

std::vector<Detail> details(const std::optional<ApiError>& e) {
  if (!e) return {};
  return details(*e);
}

// The detail of a value of the wrong JSON type, and of a required key missing.
Detail wrong_type(std::string argument, std::string_view expected) {
  return {std::move(argument), "format", "invalid type, expected " + std::string(expected)};
}
Detail required(std::string argument) {
  return {std::move(argument), "required", "required key not provided"};
}

// Number rules: at least `min`; at most `max` (besides `r`); below `limit` (besides `r`).
Rules at_least(double min) {
  return {.has_greater_than_or_equal = true, .greater_than_or_equal = min};
}
Rules at_most(double max, Rules r = {}) {
  r.has_less_than_or_equal = true;
  r.less_than_or_equal = max;
  return r;
}
Rules below(double limit, Rules r = {}) {
  r.has_less_than = true;
  r.less_than = limit;
  return r;
}

json::object obj(std::string_view text) { return json::parse(text).as_object(); }

constexpr std::array<std::string_view, 2> kOrder = {"created_at_asc", "created_at_desc"};
constexpr std::array<std::string_view, 3> kStates = {"running", "stopped", "starting"};

// --- parse_json_body ---

TEST(ParseJsonBody, EmptyAndWhitespaceAreEmptyObjects) {
  for (std::string_view body : {"", " ", "\n\t  \r\n"}) {
    auto r = parse_json_body(body);
    ASSERT_TRUE(r.has_value()) << "body '" << body << "'";
    EXPECT_TRUE(r->empty());
  }
}

TEST(ParseJsonBody, Object) {
  auto r = parse_json_body(R"(  {"name":"p","n":3}  )");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->at("name").as_string(), "p");
  EXPECT_EQ(r->at("n").as_int64(), 3);
}

TEST(ParseJsonBody, Malformed) {
  for (std::string_view body : {"{", "{\"a\":}", "{\"a\":1} x", "nul", "{'a':1}", "\x01"}) {
    auto r = parse_json_body(body);
    ASSERT_FALSE(r.has_value()) << "body '" << body << "'";
    auto d = details(r.error());
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(std::get<0>(d[0]), "body");
    EXPECT_EQ(std::get<1>(d[0]), "format");
    EXPECT_THAT(std::get<2>(d[0]), StartsWith("request body is not valid JSON"));
  }
}

TEST(ParseJsonBody, NonObject) {
  for (std::string_view body : {"[]", "[1,2]", "null", "3", "\"x\"", "true"}) {
    auto r = parse_json_body(body);
    ASSERT_FALSE(r.has_value()) << "body '" << body << "'";
    EXPECT_THAT(details(r.error()),
                ElementsAre(Detail{"body", "format", "request body must be a JSON object"}));
  }
}

// --- utf8_length / check_string_rules ---

TEST(Utf8Length, CountsRunes) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("h\xC3\xA9llo"), 5u);              // héllo
  EXPECT_EQ(utf8_length("\xE6\x97\xA5\xE6\x9C\xAC"), 2u);  // 日本
  EXPECT_EQ(utf8_length("\xF0\x9F\x98\x80!"), 2u);         // 😀!
}

// The details check_string_rules gives `value` (as argument `name`) of a string field with `rules`.
std::vector<api::ArgumentDetail> string_errors(const Rules& rules, std::string_view value,
                                               std::string_view name = "v") {
  Field f{"v", FieldKind::kString, false, {}, rules};
  std::vector<api::ArgumentDetail> out;
  check_string_rules(f, name, value, out);
  return out;
}

TEST(CheckStringRules, LengthIsInRunes) {
  Rules rules{.min_length = 2, .max_length = 3};
  EXPECT_TRUE(string_errors(rules, "\xC3\xA9\xC3\xA9", "name").empty());  // éé: 4 bytes, 2 runes
  EXPECT_TRUE(
      string_errors(rules, "\xC3\xA9\xC3\xA9\xC3\xA9", "name").empty());  // 6 bytes, 3 runes
  auto out = string_errors(rules, "\xC3\xA9", "name");                    // 2 bytes, 1 rune
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].argument_name, "name");
  EXPECT_EQ(out[0].reason, api::ArgReason::kConstraint);
  EXPECT_EQ(out[0].help_message, "value length must be at least 2 runes");
  out = string_errors(rules, "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9", "name.3");  // 4 runes
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].argument_name, "name.3");
  EXPECT_EQ(out[0].help_message, "value length must be at most 3 runes");
}

TEST(CheckStringRules, Pattern) {
  Rules rules{.pattern = "^[a-z][a-z0-9-]*$"};
  EXPECT_TRUE(string_errors(rules, "my-server-1").empty());
  auto out = string_errors(rules, "My Server");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].reason, api::ArgReason::kConstraint);
  EXPECT_EQ(out[0].help_message, "value must match the pattern ^[a-z][a-z0-9-]*$");
}

TEST(CheckStringRules, PatternIsASearchLikeJavaScriptTest) {
  Rules rules{.pattern = "[0-9]"};
  EXPECT_TRUE(string_errors(rules, "ab1cd").empty());
  EXPECT_EQ(string_errors(rules, "abcd").size(), 1u);
}

TEST(CheckStringRules, UncompilablePatternIsSkipped) {
  Rules rules{.pattern = "([a-z"};
  EXPECT_TRUE(string_errors(rules, "ANYTHING").empty());
  EXPECT_TRUE(string_errors(rules, "again").empty());  // the cached failure is reused
}

TEST(CheckStringRules, LengthIsCheckedBeforePattern) {
  auto out = string_errors({.max_length = 2, .pattern = "^[a-z]+$"}, "ABCD");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].help_message, "value length must be at most 2 runes");
}

// --- validate_query ---

http::Request query(std::vector<std::pair<std::string, std::string>> q) {
  http::Request r;
  r.method = "GET";
  r.query = std::move(q);
  return r;
}

// An operation of the "test" product on /test/v1/things.
sdk::Operation test_op(std::string_view method) {
  sdk::Operation op{};
  op.product = "test";
  op.method = method;
  op.path = "/test/v1/things";
  return op;
}

sdk::Operation op_with_query(std::span<const Field> fields) {
  auto op = test_op("GET");
  op.query = fields;
  return op;
}

// A GET operation whose one query field is `field` (kept for the life of the test program).
sdk::Operation op_with_query_field(const Field& field) {
  static std::deque<Field> kept;
  return op_with_query(std::span<const Field>(&kept.emplace_back(field), 1));
}

// Query field `key` of `op` accepts each of `good` and refuses each of `bad`, with one format
// detail `help`.
void expect_query_values(const sdk::Operation& op, const std::string& key,
                         std::initializer_list<std::string> good,
                         std::initializer_list<std::string> bad, const std::string& help) {
  for (auto& v : good) EXPECT_FALSE(validate_query(op, query({{key, v}}))) << v;
  for (auto& v : bad)
    EXPECT_THAT(details(validate_query(op, query({{key, v}}))),
                ElementsAre(Detail{key, "format", help}))
        << v;
}

TEST(ValidateQuery, IntKind) {
  expect_query_values(op_with_query_field({"page", FieldKind::kInt, false, {}, Rules{}}), "page",
                      {"3", "-3"}, {"abc", "1.5", "", "3x", " 3", "0x10"},
                      "value must be an integer");
}

TEST(ValidateQuery, NumberRules) {
  static const std::array<Field, 4> fields = {
      Field{"page", FieldKind::kInt, false, {}, at_least(1)},
      Field{"page_size", FieldKind::kInt, false, {}, at_most(100, at_least(1))},
      Field{"gt", FieldKind::kInt, false, {}, Rules{.has_greater_than = true, .greater_than = 0}},
      Field{"lt", FieldKind::kFloat, false, {}, Rules{.has_less_than = true, .less_than = 2.5}},
  };
  auto op = op_with_query(fields);
  EXPECT_FALSE(validate_query(
      op,
      query(
          {{"page", "1"}, {"page_size", "1"}, {"page_size", "100"}, {"gt", "1"}, {"lt", "2.4"}})));
  EXPECT_THAT(
      details(validate_query(op, query({{"page", "0"}}))),
      ElementsAre(Detail{"page", "constraint", "value must be greater than or equal to 1"}));
  EXPECT_THAT(
      details(validate_query(op, query({{"page_size", "101"}}))),
      ElementsAre(Detail{"page_size", "constraint", "value must be less than or equal to 100"}));
  EXPECT_THAT(
      details(validate_query(op, query({{"page_size", "0"}}))),
      ElementsAre(Detail{"page_size", "constraint", "value must be greater than or equal to 1"}));
  EXPECT_THAT(details(validate_query(op, query({{"gt", "0"}}))),
              ElementsAre(Detail{"gt", "constraint", "value must be greater than 0"}));
  auto lt = details(validate_query(op, query({{"lt", "2.5"}})));
  ASSERT_EQ(lt.size(), 1u);
  EXPECT_EQ(std::get<0>(lt[0]), "lt");
  EXPECT_EQ(std::get<1>(lt[0]), "constraint");
  EXPECT_THAT(std::get<2>(lt[0]), StartsWith("value must be less than 2.5"));
}

TEST(ValidateQuery, FloatKind) {
  expect_query_values(op_with_query_field({"ratio", FieldKind::kFloat, false, {}, Rules{}}),
                      "ratio", {"1.5", "-2"}, {"x", "1.5x", ""}, "value must be a number");
}

TEST(ValidateQuery, BoolKind) {
  expect_query_values(op_with_query_field({"archived", FieldKind::kBool, false, {}, Rules{}}),
                      "archived", {"true", "false", "1", "0"}, {"yes", "TRUE", "", "2"},
                      "value must be a boolean");
}

TEST(ValidateQuery, EnumKind) {
  auto op = op_with_query_field({"order_by", FieldKind::kEnum, false, kOrder, Rules{}});
  EXPECT_FALSE(validate_query(op, query({{"order_by", "created_at_desc"}})));
  EXPECT_THAT(details(validate_query(op, query({{"order_by", "name_asc"}}))),
              ElementsAre(Detail{"order_by", "constraint",
                                 "value must be one of: created_at_asc, created_at_desc"}));
}

TEST(ValidateQuery, DateKind) {
  auto op = op_with_query_field({"since", FieldKind::kDate, false, {}, Rules{}});
  EXPECT_FALSE(validate_query(op, query({{"since", "2024-05-01T10:00:00Z"}})));
  EXPECT_FALSE(validate_query(op, query({{"since", "2024-05-01T10:00:00.123+02:00"}})));
  EXPECT_THAT(details(validate_query(op, query({{"since", "yesterday"}}))),
              ElementsAre(Detail{"since", "format", "value must be a RFC 3339 date"}));
}

TEST(ValidateQuery, StringRules) {
  auto op = op_with_query_field(
      {"name", FieldKind::kString, false, {}, {.min_length = 1, .max_length = 4}});
  EXPECT_FALSE(validate_query(op, query({{"name", "abcd"}})));
  EXPECT_FALSE(validate_query(op, query({{"name", "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"}})));
  EXPECT_THAT(details(validate_query(op, query({{"name", "abcde"}}))),
              ElementsAre(Detail{"name", "constraint", "value length must be at most 4 runes"}));
  EXPECT_THAT(details(validate_query(op, query({{"name", ""}}))),
              ElementsAre(Detail{"name", "constraint", "value length must be at least 1 runes"}));
}

TEST(ValidateQuery, RepeatedValuesCommaJoinedOrRepeatedKeys) {
  static const std::array<Field, 2> fields = {
      Field{"states", FieldKind::kEnum, true, kStates, Rules{}},
      Field{"ids", FieldKind::kInt, true, {}, Rules{}},
  };
  auto op = op_with_query(fields);
  EXPECT_FALSE(validate_query(op, query({{"states", "running,stopped"}, {"states", "starting"}})));
  EXPECT_FALSE(validate_query(op, query({{"ids", "1,2,3"}, {"ids", "4"}})));
  // Empty parts and empty values are skipped.
  EXPECT_FALSE(validate_query(op, query({{"ids", "1,,2,"}, {"ids", ""}, {"states", ""}})));
  EXPECT_THAT(details(validate_query(op, query({{"ids", "1,x,3,y"}}))),
              ElementsAre(Detail{"ids", "format", "value must be an integer"},
                          Detail{"ids", "format", "value must be an integer"}));
  EXPECT_THAT(details(validate_query(op, query({{"states", "running,paused"}}))),
              ElementsAre(Detail{"states", "constraint",
                                 "value must be one of: running, stopped, starting"}));
}

// A route may declare a query field itself (RouteSpec::query): newer clients send enum values
// (or parameters) the pinned catalogue does not list. The declaration replaces the catalogue's
// field of that name; the other fields are still checked.
TEST(ValidateQuery, DeclaredFieldsReplaceTheCatalogues) {
  static const std::array<std::string_view, 3> kStates = {"running", "stopped", "starting"};
  static const std::array<std::string_view, 4> kNewer = {"running", "stopped", "starting",
                                                         "paused"};
  static const std::array<std::string_view, 2> kKinds = {"a", "b"};
  static const std::array<Field, 2> fields = {
      Field{"states", FieldKind::kEnum, true, kStates, Rules{}},
      Field{"page", FieldKind::kInt, false, {}, Rules{}},
  };
  const std::vector<Field> declared = {Field{"states", FieldKind::kEnum, true, kNewer, Rules{}},
                                       Field{"kinds", FieldKind::kEnum, true, kKinds, Rules{}}};
  auto op = op_with_query(fields);
  EXPECT_TRUE(validate_query(op, query({{"states", "paused"}})));
  EXPECT_FALSE(validate_query(op, query({{"states", "paused,running"}, {"kinds", "b"}}), declared));
  EXPECT_THAT(details(validate_query(
                  op, query({{"states", "asleep"}, {"kinds", "a,c"}, {"page", "x"}}), declared)),
              ElementsAre(Detail{"states", "constraint",
                                 "value must be one of: running, stopped, starting, paused"},
                          Detail{"kinds", "constraint", "value must be one of: a, b"},
                          Detail{"page", "format", "value must be an integer"}));
}

TEST(ValidateQuery, RepeatedStringsAreNotSplit) {
  static const std::array<Field, 1> fields = {
      Field{"tags", FieldKind::kString, true, {}, Rules{.max_length = 3}},
  };
  auto op = op_with_query(fields);
  EXPECT_FALSE(validate_query(op, query({{"tags", "abc"}, {"tags", ""}})));
  // A comma may be part of a string value: "a,bc" is one 4-rune value.
  EXPECT_THAT(details(validate_query(op, query({{"tags", "a,bc"}}))),
              ElementsAre(Detail{"tags", "constraint", "value length must be at most 3 runes"}));
}

TEST(ValidateQuery, BoolSpellingsOfGoParseBoolAreCanonicalized) {
  static const std::array<Field, 2> fields = {
      Field{"archived", FieldKind::kBool, false, {}, Rules{}},
      Field{"name", FieldKind::kString, false, {}, Rules{}},
  };
  auto op = op_with_query(fields);
  for (auto [in, want] : std::vector<std::pair<std::string, std::string>>{{"True", "true"},
                                                                          {"TRUE", "true"},
                                                                          {"t", "true"},
                                                                          {"T", "true"},
                                                                          {"1", "true"},
                                                                          {"False", "false"},
                                                                          {"FALSE", "false"},
                                                                          {"f", "false"},
                                                                          {"F", "false"},
                                                                          {"0", "false"},
                                                                          {"true", "true"},
                                                                          {"yes", "yes"}}) {
    SCOPED_TRACE(in);
    auto req = query({{"archived", in}, {"name", "True"}});
    canonicalize_query_bools(op, req);
    EXPECT_EQ(req.query[0].second, want);
    EXPECT_EQ(req.query[1].second, "True");  // only boolean fields are touched
  }
}

TEST(ValidateQuery, UnknownParametersAreIgnoredAndErrorsCollected) {
  static const std::array<Field, 2> fields = {
      Field{"page", FieldKind::kInt, false, {}, Rules{}},
      Field{"archived", FieldKind::kBool, false, {}, Rules{}},
  };
  auto op = op_with_query(fields);
  EXPECT_FALSE(validate_query(op, query({{"whatever", "x"}, {"Page", "x"}})));
  EXPECT_THAT(details(validate_query(op, query({{"archived", "maybe"}, {"page", "p"}}))),
              ElementsAre(Detail{"archived", "format", "value must be a boolean"},
                          Detail{"page", "format", "value must be an integer"}));
}

// --- validate_body ---

sdk::Operation op_with_body(std::span<const Field> fields) {
  auto op = test_op("POST");
  op.body = fields;
  op.body_kind = "json";
  return op;
}

const std::array<Field, 10>& body_fields() {
  static const std::array<Field, 10> fields = {
      Field{"name", FieldKind::kString, false, {}, Rules{.min_length = 1, .max_length = 5}},
      Field{"size", FieldKind::kInt, false, {}, below(1000, at_least(1))},
      Field{"ratio", FieldKind::kFloat, false, {}, Rules{}},
      Field{"enabled", FieldKind::kBool, false, {}, Rules{}},
      Field{"state", FieldKind::kEnum, false, kStates, Rules{}},
      Field{"expires_at", FieldKind::kDate, false, {}, Rules{}},
      Field{"spec", FieldKind::kObject, false, {}, Rules{}},
      Field{"labels", FieldKind::kMap, false, {}, Rules{}},
      Field{"blob", FieldKind::kAny, false, {}, Rules{}},
      Field{"tags", FieldKind::kString, true, {}, Rules{.max_length = 3}},
  };
  return fields;
}

TEST(ValidateBody, ValidBodyPasses) {
  auto op = op_with_body(body_fields());
  EXPECT_FALSE(validate_body(op, obj(R"({
    "name": "srv", "size": 10, "ratio": 0.5, "enabled": true, "state": "running",
    "expires_at": "2030-01-01T00:00:00Z", "spec": {"a": 1}, "labels": {"k": "v"},
    "blob": [1, "x"], "tags": ["a", "bc"], "unknown": 42})")));
  // Integral doubles are integers; ints are numbers.
  EXPECT_FALSE(validate_body(op, obj(R"({"size": 10.0, "ratio": 3})")));
  EXPECT_FALSE(validate_body(op, obj("{}")));
}

TEST(ValidateBody, NullAlwaysPasses) {
  auto op = op_with_body(body_fields());
  EXPECT_FALSE(validate_body(op, obj(R"({
    "name": null, "size": null, "ratio": null, "enabled": null, "state": null,
    "expires_at": null, "spec": null, "labels": null, "blob": null, "tags": null})")));
  // null elements inside a repeated field pass as well
  EXPECT_FALSE(validate_body(op, obj(R"({"tags": ["a", null]})")));
}

TEST(ValidateBody, WrongTypes) {
  auto op = op_with_body(body_fields());
  EXPECT_THAT(details(validate_body(op, obj(R"({
    "name": 3, "size": "10", "ratio": "x", "enabled": "true", "state": 1,
    "expires_at": 5, "spec": [], "labels": "k=v", "blob": "anything", "tags": "a"})"))),
              ElementsAre(wrong_type("name", "string"), wrong_type("size", "integer"),
                          wrong_type("ratio", "number"), wrong_type("enabled", "boolean"),
                          wrong_type("state", "string"), wrong_type("expires_at", "string"),
                          wrong_type("spec", "object"), wrong_type("labels", "object"),
                          wrong_type("tags", "array")));
}

TEST(ValidateBody, NonIntegralNumberIsNotAnInteger) {
  auto op = op_with_body(body_fields());
  EXPECT_THAT(details(validate_body(op, obj(R"({"size": 10.5})"))),
              ElementsAre(wrong_type("size", "integer")));
  EXPECT_THAT(details(validate_body(op, obj(R"({"size": true})"))),
              ElementsAre(wrong_type("size", "integer")));
}

TEST(ValidateBody, IntegersPast64BitsAreOutOfRange) {
  auto op = op_with_body(body_fields());
  for (std::string_view text :
       {R"({"size": 18446744073709551616})", R"({"size": -9223372036854775809})",
        R"({"size": 1e300})", R"({"size": -1e300})"}) {
    EXPECT_THAT(details(validate_body(op, obj(text))),
                ElementsAre(Detail{"size", "format", "value is out of range of a 64-bit integer"}))
        << text;
  }
  static const std::array<Field, 1> counts = {Field{"counts", FieldKind::kInt, true, {}, Rules{}}};
  EXPECT_THAT(
      details(validate_body(op_with_body(counts), obj(R"({"counts": [1, 18446744073709551616]})"))),
      ElementsAre(Detail{"counts.1", "format", "value is out of range of a 64-bit integer"}));
  // The 64-bit extremes themselves are integers.
  static const std::array<Field, 1> any_int = {Field{"n", FieldKind::kInt, false, {}, Rules{}}};
  EXPECT_FALSE(validate_body(op_with_body(any_int), obj(R"({"n": -9223372036854775808})")));
  EXPECT_FALSE(validate_body(op_with_body(any_int), obj(R"({"n": 18446744073709551615})")));
}

TEST(ParseJsonBody, NumbersPastADoubleAreRefused) {
  // Read as infinities by the parser: refused wherever they are, declared field or not.
  const std::vector<std::string> bodies = {R"({"a": 1e400})", R"({"a": -1e400})",
                                           R"({"x": {"y": [1, 1e309]}})",
                                           "{\"a\": 1" + std::string(400, '0') + "}"};
  for (const auto& body : bodies) {
    auto r = parse_json_body(body);
    ASSERT_FALSE(r.has_value()) << body;
    EXPECT_THAT(details(r.error()),
                ElementsAre(Detail{"body", "format",
                                   "request body has a number out of range of a double"}));
  }
  EXPECT_TRUE(parse_json_body(R"({"a": 1e308, "b": -1.7976931348623157e308})").has_value());
}

TEST(ValidateBody, Rules) {
  auto op = op_with_body(body_fields());
  EXPECT_THAT(
      details(validate_body(op, obj(R"({"name": "", "size": 0, "state": "paused",
                                         "expires_at": "2030-01-01"})"))),
      ElementsAre(Detail{"name", "constraint", "value length must be at least 1 runes"},
                  Detail{"size", "constraint", "value must be greater than or equal to 1"},
                  Detail{"state", "constraint", "value must be one of: running, stopped, starting"},
                  Detail{"expires_at", "format", "value must be a RFC 3339 date"}));
  EXPECT_THAT(details(validate_body(op, obj(R"({"name": "abcdef", "size": 1000})"))),
              ElementsAre(Detail{"name", "constraint", "value length must be at most 5 runes"},
                          Detail{"size", "constraint", "value must be less than 1000"}));
  // 5 runes of two bytes each pass max_length 5
  EXPECT_FALSE(validate_body(op, obj("{\"name\": \"\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\"}")));
  // A huge unsigned integer is still an integer, and still checked against the rules.
  EXPECT_THAT(details(validate_body(op, obj(R"({"size": 18446744073709551615})"))),
              ElementsAre(Detail{"size", "constraint", "value must be less than 1000"}));
}

TEST(ValidateBody, RepeatedElementsAreNamedByIndex) {
  static const std::array<Field, 2> fields = {
      Field{"tags", FieldKind::kString, true, {}, Rules{.max_length = 3}},
      Field{"ports", FieldKind::kInt, true, {}, at_most(65535)},
  };
  auto op = op_with_body(fields);
  EXPECT_FALSE(validate_body(op, obj(R"({"tags": [], "ports": [22, 443]})")));
  EXPECT_THAT(
      details(validate_body(op, obj(R"({"tags": ["ok", 3, "toolong"],
                                                 "ports": [80, 70000, "x"]})"))),
      ElementsAre(wrong_type("tags.1", "string"),
                  Detail{"tags.2", "constraint", "value length must be at most 3 runes"},
                  Detail{"ports.1", "constraint", "value must be less than or equal to 65535"},
                  wrong_type("ports.2", "integer")));
  EXPECT_THAT(details(validate_body(op, obj(R"({"ports": {"a": 1}})"))),
              ElementsAre(wrong_type("ports", "array")));
}

// --- BodyReader ---

TEST(BodyReader, Strings) {
  auto o = obj(R"({"name": "x", "n": 3, "nul": null})");
  BodyReader b(o);
  EXPECT_EQ(b.str("name"), "x");
  EXPECT_EQ(b.str("missing"), std::nullopt);
  EXPECT_EQ(b.str("nul"), std::nullopt);
  EXPECT_TRUE(b.ok());
  EXPECT_FALSE(b.error());
  EXPECT_EQ(b.str("n"), std::nullopt);
  EXPECT_FALSE(b.ok());
  EXPECT_THAT(details(b.error()), ElementsAre(wrong_type("n", "string")));
}

TEST(BodyReader, RequiredMissingOrNull) {
  auto o = obj(R"({"nul": null, "name": "x"})");
  BodyReader b(o);
  EXPECT_EQ(b.str("name", true), "x");
  EXPECT_EQ(b.str("missing", true), std::nullopt);
  EXPECT_EQ(b.str("nul", true), std::nullopt);
  EXPECT_FALSE(b.uuid("id", true));
  EXPECT_FALSE(b.boolean("flag", true));
  EXPECT_FALSE(b.integer("count", true));
  EXPECT_FALSE(b.strings("list", true));
  EXPECT_FALSE(b.enumeration("e", {"a"}, true));
  EXPECT_EQ(b.object("o", true), nullptr);
  EXPECT_THAT(details(b.error()),
              ElementsAre(required("missing"), required("nul"), required("id"), required("flag"),
                          required("count"), required("list"), required("e"), required("o")));
}

TEST(BodyReader, Uuid) {
  auto o = obj(R"({"a": "6F1C2A84-1D2B-4C3E-9F00-0123456789AB", "b": "not-a-uuid",
                   "c": 12, "d": "6f1c2a84-1d2b-4c3e-9f00-0123456789ab"})");
  BodyReader b(o);
  EXPECT_EQ(b.uuid("a"), "6f1c2a84-1d2b-4c3e-9f00-0123456789ab");  // lowercased
  EXPECT_EQ(b.uuid("d"), "6f1c2a84-1d2b-4c3e-9f00-0123456789ab");
  EXPECT_TRUE(b.ok());
  EXPECT_EQ(b.uuid("b"), std::nullopt);
  EXPECT_EQ(b.uuid("c"), std::nullopt);
  // A wrong type is reported once, not also as a bad UUID.
  EXPECT_THAT(details(b.error()), ElementsAre(Detail{"b", "format", "value must be a valid UUID"},
                                              wrong_type("c", "string")));
}

TEST(BodyReader, BooleanAndInteger) {
  json::object o = obj(R"({"t": true, "f": false, "s": "true", "i": 42, "neg": -7,
                            "d": 4.0, "str": "5", "big": 18446744073709551615})");
  o["u"] = std::uint64_t{9};
  BodyReader b(o);
  EXPECT_EQ(b.boolean("t"), true);
  EXPECT_EQ(b.boolean("f"), false);
  EXPECT_EQ(b.integer("i"), 42);
  EXPECT_EQ(b.integer("neg"), -7);
  EXPECT_EQ(b.integer("u"), 9);
  EXPECT_EQ(b.integer("missing"), std::nullopt);
  EXPECT_TRUE(b.ok());
  EXPECT_EQ(b.boolean("s"), std::nullopt);
  EXPECT_EQ(b.boolean("i"), std::nullopt);
  EXPECT_EQ(b.integer("d"), std::nullopt);
  EXPECT_EQ(b.integer("str"), std::nullopt);
  EXPECT_EQ(b.integer("big"), std::nullopt);
  EXPECT_THAT(details(b.error()),
              ElementsAre(wrong_type("s", "boolean"), wrong_type("i", "boolean"),
                          wrong_type("d", "integer"), wrong_type("str", "integer"),
                          wrong_type("big", "integer")));
}

TEST(BodyReader, StringList) {
  auto o = obj(R"({"ok": ["a", "b"], "empty": [], "mixed": ["a", 1], "scalar": "a"})");
  BodyReader b(o);
  EXPECT_EQ(b.strings("ok"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(b.strings("empty"), std::vector<std::string>{});
  EXPECT_TRUE(b.ok());
  EXPECT_EQ(b.strings("mixed"), std::nullopt);
  EXPECT_EQ(b.strings("scalar"), std::nullopt);
  EXPECT_THAT(details(b.error()), ElementsAre(wrong_type("mixed", "array of strings"),
                                              wrong_type("scalar", "array of strings")));
}

TEST(BodyReader, Enumeration) {
  auto o = obj(R"({"a": "asc", "b": "sideways", "c": 1})");
  BodyReader b(o);
  EXPECT_EQ(b.enumeration("a", {"asc", "desc"}), "asc");
  EXPECT_EQ(b.enumeration("b", {"asc", "desc"}), std::nullopt);
  EXPECT_EQ(b.enumeration("c", {"asc", "desc"}), std::nullopt);
  EXPECT_THAT(details(b.error()),
              ElementsAre(Detail{"b", "constraint", "value must be one of: asc, desc"},
                          wrong_type("c", "string")));
}

TEST(BodyReader, Object) {
  auto o = obj(R"({"spec": {"k": "v"}, "arr": [], "nul": null})");
  BodyReader b(o);
  const json::object* spec = b.object("spec");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->at("k").as_string(), "v");
  EXPECT_EQ(b.object("nul"), nullptr);
  EXPECT_EQ(b.object("missing"), nullptr);
  EXPECT_TRUE(b.ok());
  EXPECT_EQ(b.object("arr"), nullptr);
  EXPECT_THAT(details(b.error()), ElementsAre(wrong_type("arr", "object")));
}

TEST(BodyReader, HasAndIsNull) {
  auto o = obj(R"({"a": null, "b": 0})");
  BodyReader b(o);
  EXPECT_TRUE(b.has("a"));
  EXPECT_TRUE(b.is_null("a"));
  EXPECT_TRUE(b.has("b"));
  EXPECT_FALSE(b.is_null("b"));
  EXPECT_FALSE(b.has("c"));
  EXPECT_FALSE(b.is_null("c"));
}

TEST(BodyReader, PrefixNamesNestedArguments) {
  auto outer = obj(R"({"rules": [{"action": 3, "port": "x"}]})");
  const json::object& rule = outer.at("rules").as_array().at(0).as_object();
  BodyReader b(rule, "rules.0");
  EXPECT_FALSE(b.str("action"));
  EXPECT_FALSE(b.integer("port"));
  EXPECT_FALSE(b.uuid("security_group_id", true));
  b.add("protocol", api::ArgReason::kConstraint, "custom");
  EXPECT_THAT(details(b.error()), ElementsAre(wrong_type("rules.0.action", "string"),
                                              wrong_type("rules.0.port", "integer"),
                                              required("rules.0.security_group_id"),
                                              Detail{"rules.0.protocol", "constraint", "custom"}));
}

TEST(BodyReader, ErrorIsAnInvalidArgumentsError) {
  auto o = obj("{}");
  BodyReader b(o);
  b.add("x", api::ArgReason::kUnknown, "h");
  auto e = b.error();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status(), 400);
  EXPECT_THAT(e->serialize(), HasSubstr("\"invalid argument(s)\""));
  EXPECT_THAT(details(e), ElementsAre(Detail{"x", "unknown", "h"}));
}

}  // namespace
}  // namespace scwd::codec
