#include <gtest/gtest.h>

#include "products/k8s/catalog.hpp"
#include "testing/helpers.hpp"

namespace scwd {
namespace {

namespace json = boost::json;
using namespace testing;  // NOLINT: the shared test helpers (str, num, advance, created_id)

const std::string kR = "/k8s/v1/regions/fr-par";

TEST(KapsuleCatalog, UpgradesNodeTypesAndRootVolumes) {
  using namespace products::k8s;
  auto names = [](std::string_view from) {
    std::vector<std::string> out;
    for (auto* v : upgrades_from(from)) out.push_back(v->name);
    return out;
  };
  auto newest = versions().front().name;
  EXPECT_TRUE(names(newest).empty());
  EXPECT_EQ(names(versions()[1].name), std::vector<std::string>{newest});
  EXPECT_EQ(names("1.36.0"), std::vector<std::string>{"1.36.1"});  // a newer patch
  EXPECT_TRUE(names("1.30.1").empty());                            // two minors behind
  EXPECT_EQ(instance_type_of("fr-par-1", "pro2_xxs"), "PRO2-XXS");
  EXPECT_EQ(instance_type_of("fr-par-1", "DEV1-M"), "DEV1-M");
  EXPECT_EQ(instance_type_of("fr-par-1", "DEV1-S"), "");  // too small for a node
  EXPECT_EQ(instance_type_of("fr-par-1", "STARDUST1-S"), "");
  EXPECT_EQ(instance_type_of("fr-par-1", "nope"), "");
  EXPECT_EQ(pool_node_type("PRO2-XXS"), "pro2_xxs");
  auto dev = default_root_volume("fr-par-1", "dev1_m");
  EXPECT_EQ(dev.type, "l_ssd");
  EXPECT_EQ(dev.size, 40000000000);
  auto pro = default_root_volume("fr-par-1", "pro2_xxs");
  EXPECT_EQ(pro.type, "sbs_5k");
  EXPECT_EQ(pro.size, 20000000000);
  EXPECT_EQ(render_cluster_type(*find_cluster_type("kapsule-dedicated-4")).at("commitment_delay"),
            "2592000s");
}

TEST(Kapsule, ClusterWaitsForAPoolThenScalesAndGoes) {
  TestApp t;
  auto org = t.identity().organization_id;
  auto version = products::k8s::versions().front().name;
  auto cluster = created_id(t, kR + "/clusters",
                            R"({"project_id":")" + org + R"(","name":"unit","version":")" +
                                version + R"(","cni":"cilium"})");
  ASSERT_FALSE(cluster.empty());
  auto c = t.call("GET", kR + "/clusters/" + cluster);
  EXPECT_EQ(str(c.json, "status"), "creating");
  auto pn = str(c.json, "private_network_id");
  advance(t, 6);
  EXPECT_EQ(str(t.call("GET", kR + "/clusters/" + cluster).json, "status"), "pool_required");

  auto pool = created_id(t, kR + "/clusters/" + cluster + "/pools",
                         R"({"name":"default","node_type":"PRO2-XXS","size":2})");
  ASSERT_FALSE(pool.empty());
  auto nodes = t.call("GET", kR + "/clusters/" + cluster + "/nodes");
  ASSERT_EQ(num(nodes.json, "total_count"), 2);
  EXPECT_EQ(str(nodes.json.at("nodes").at(0), "status"), "creating");
  advance(t, 140);
  EXPECT_EQ(str(t.call("GET", kR + "/clusters/" + cluster).json, "status"), "ready");
  nodes = t.call("GET", kR + "/clusters/" + cluster + "/nodes");
  for (auto& n : nodes.json.at("nodes").as_array()) {
    EXPECT_EQ(str(n, "status"), "ready");
    EXPECT_EQ(str(n, "name").size(), 46u) << str(n, "name");
    EXPECT_EQ(str(n, "name").rfind("scw-unit-default-", 0), 0u);
  }
  // Each node holds an IPv4 and an IPv6 address of the Private Network, which therefore stays.
  auto ips = t.call("GET", "/ipam/v1/regions/fr-par/ips?private_network_id=" + pn);
  EXPECT_EQ(num(ips.json, "total_count"), 4);
  EXPECT_EQ(t.call("DELETE", "/vpc/v2/regions/fr-par/private-networks/" + pn).status, 412);

  auto down = t.call("PATCH", kR + "/pools/" + pool, R"({"size":1})");
  ASSERT_EQ(down.status, 200) << down.raw.body;
  EXPECT_EQ(str(down.json, "status"), "scaling");
  advance(t, 40);
  EXPECT_EQ(num(t.call("GET", kR + "/clusters/" + cluster + "/nodes").json, "total_count"), 1);
  EXPECT_EQ(num(t.call("GET", "/ipam/v1/regions/fr-par/ips?private_network_id=" + pn).json,
                "total_count"),
            2);

  auto gone = t.call("DELETE", kR + "/clusters/" + cluster + "?with_additional_resources=true");
  ASSERT_EQ(gone.status, 200) << gone.raw.body;
  EXPECT_EQ(str(gone.json, "status"), "deleting");
  advance(t, 15);
  EXPECT_EQ(t.call("GET", kR + "/clusters/" + cluster).status, 404);
  EXPECT_EQ(t.call("GET", kR + "/pools/" + pool).status, 404);
  EXPECT_EQ(t.call("GET", "/vpc/v2/regions/fr-par/private-networks/" + pn).status, 404);
}

TEST(Kapsule, BadInputChangesNothing) {
  TestApp t;
  auto org = t.identity().organization_id;
  auto version = products::k8s::versions().front().name;
  auto base = R"({"project_id":")" + org + R"(","name":"bad","version":")" + version + R"(")";
  EXPECT_EQ(t.call("POST", kR + "/clusters", base + R"(,"cni":"weave"})").status, 400);
  EXPECT_EQ(t.call("POST", kR + "/clusters", base + R"(,"cni":"cilium","type":"x"})").status, 400);
  EXPECT_EQ(
      t.call("POST", kR + "/clusters",
             base + R"(,"cni":"cilium","pools":[{"name":"p","node_type":"DEV1-S","size":1}]})")
          .status,
      400);
  EXPECT_EQ(num(t.call("GET", kR + "/clusters").json, "total_count"), 0);
  // Neither a cluster nor the Private Network it would have had.
  EXPECT_EQ(num(t.call("GET", "/vpc/v2/regions/fr-par/private-networks").json, "total_count"), 0);
}

}  // namespace
}  // namespace scwd
