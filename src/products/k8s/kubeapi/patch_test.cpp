#include "products/k8s/kubeapi/patch.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace scwd::products::k8s::kubeapi {
namespace {

namespace json = boost::json;

TEST(MergePatch, Rfc7386Examples) {
  auto doc = json::parse(R"({"a":"b","c":{"d":"e","f":"g"}})");
  auto out = merge_patch(doc, json::parse(R"({"a":"z","c":{"f":null}})"));
  EXPECT_EQ(out, json::parse(R"({"a":"z","c":{"d":"e"}})"));
  EXPECT_EQ(merge_patch(json::parse(R"({"a":[1,2]})"), json::parse(R"({"a":[3]})")),
            json::parse(R"({"a":[3]})"));
  EXPECT_EQ(merge_patch(json::parse(R"({"a":"b"})"), json::parse(R"(["c"])")),
            json::parse(R"(["c"])"));
  EXPECT_EQ(merge_patch(json::parse(R"({"e":null})"), json::parse(R"({"a":1})")),
            json::parse(R"({"e":null,"a":1})"));
}

TEST(StrategicMergePatch, DirectivesOfMaps) {
  std::string error;
  auto doc = json::parse(R"({"metadata":{"labels":{"a":"1","b":"2"}},"data":{"x":"1","y":"2"}})");
  auto replaced =
      strategic_merge_patch(doc, json::parse(R"({"data":{"$patch":"replace","z":"3"}})"), error);
  ASSERT_TRUE(replaced) << error;
  EXPECT_EQ(replaced->at("data"), json::parse(R"({"z":"3"})"));
  auto deleted = strategic_merge_patch(doc, json::parse(R"({"data":{"$patch":"delete"}})"), error);
  ASSERT_TRUE(deleted) << error;
  EXPECT_FALSE(deleted->as_object().contains("data"));
  auto retained = strategic_merge_patch(
      doc, json::parse(R"({"metadata":{"labels":{"$retainKeys":["a"],"a":"9"}}})"), error);
  ASSERT_TRUE(retained) << error;
  EXPECT_EQ(retained->at("metadata").at("labels"), json::parse(R"({"a":"9"})"));
  auto ordered = strategic_merge_patch(
      doc, json::parse(R"({"$setElementOrder/finalizers":["x"],"data":{"x":null}})"), error);
  ASSERT_TRUE(ordered) << error;
  EXPECT_EQ(ordered->at("data"), json::parse(R"({"y":"2"})"));
  EXPECT_FALSE(ordered->as_object().contains("$setElementOrder/finalizers"));
  EXPECT_FALSE(strategic_merge_patch(doc, json::parse(R"({"data":{"$patch":"shuffle"}})"), error));
}

TEST(JsonPatch, OperationsAndErrors) {
  auto doc = json::parse(R"({"a":{"b~c":1,"d/e":2},"l":[1,2,3]})");
  std::string error;
  bool bad = false;
  ASSERT_TRUE(json_patch(doc, json::parse(R"([
    {"op":"add","path":"/l/-","value":4},
    {"op":"remove","path":"/l/0"},
    {"op":"replace","path":"/a/b~0c","value":10},
    {"op":"move","from":"/a/d~1e","path":"/moved"},
    {"op":"copy","from":"/l","path":"/copy"},
    {"op":"test","path":"/copy/2","value":4}
  ])"),
                         error, bad))
      << error;
  EXPECT_EQ(doc, json::parse(R"({"a":{"b~c":10},"l":[2,3,4],"moved":2,"copy":[2,3,4]})"));

  auto before = doc;
  EXPECT_FALSE(json_patch(doc, json::parse(R"([{"op":"remove","path":"/nope"}])"), error, bad));
  EXPECT_FALSE(bad);
  EXPECT_FALSE(json_patch(doc, json::parse(R"([{"op":"jump","path":"/a"}])"), error, bad));
  EXPECT_TRUE(bad);
  EXPECT_FALSE(json_patch(doc, json::parse(R"({"op":"add"})"), error, bad));
  EXPECT_TRUE(bad);
  EXPECT_FALSE(
      json_patch(doc, json::parse(R"([{"op":"move","from":"/a","path":"/a/x"}])"), error, bad));
  EXPECT_FALSE(
      json_patch(doc, json::parse(R"([{"op":"add","path":"/l/9","value":1}])"), error, bad));
  EXPECT_EQ(doc, before);
}

}  // namespace
}  // namespace scwd::products::k8s::kubeapi
