#include <gtest/gtest.h>

#include "core/router/router.hpp"
#include "products/ipam/ipam.hpp"
#include "products/vpc/model.hpp"
#include "products/vpc/net.hpp"
#include "products/vpc/vpc.hpp"
#include "testing/helpers.hpp"
#include "testing/test_env.hpp"

namespace scwd {
namespace {

namespace json = boost::json;
namespace vpc = products::vpc;
namespace net = products::vpc::net;

const std::string kR = "/vpc/v2/regions/fr-par";

TEST(VpcNet, ParsesFormatsAndComparesCidrs) {
  auto c = net::parse_cidr("172.16.4.0/22");
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->host_bits_set);
  EXPECT_EQ(net::format_cidr(*c), "172.16.4.0/22");
  EXPECT_EQ(net::size_v4(*c), 1024u);
  EXPECT_EQ(net::format_addr(net::nth_v4(*c, 2)), "172.16.4.2");
  EXPECT_EQ(net::format_addr(net::nth_v4(*c, 1023)), "172.16.7.255");
  EXPECT_TRUE(net::contains(*c, *net::parse_addr("172.16.7.1")));
  EXPECT_FALSE(net::contains(*c, *net::parse_addr("172.16.8.1")));
  EXPECT_TRUE(net::overlaps(*c, *net::parse_cidr("172.16.0.0/12")));
  EXPECT_FALSE(net::overlaps(*c, *net::parse_cidr("172.16.8.0/22")));
  EXPECT_TRUE(net::parse_cidr("10.0.0.1/24")->host_bits_set);
  EXPECT_FALSE(net::parse_cidr("10.0.0.0/33"));
  EXPECT_FALSE(net::parse_cidr("10.0.0.0"));
  EXPECT_FALSE(net::parse_cidr("nope/24"));
  auto v6 = net::parse_cidr("fd46:78ab:30b8:8364::/64");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->addr.v6);
  EXPECT_EQ(net::format_cidr(*v6), "fd46:78ab:30b8:8364::/64");
  EXPECT_TRUE(net::contains(*v6, *net::parse_addr("fd46:78ab:30b8:8364:1:2:3:4")));
  EXPECT_FALSE(net::overlaps(*v6, *c));
}

TEST(VpcModel, UlaPrefixIsStablePerProject) {
  auto a = vpc::ula_prefix("564aa517-68b0-4fd7-8c8c-d21c4bcdcbd5");
  EXPECT_EQ(a, vpc::ula_prefix("564aa517-68b0-4fd7-8c8c-d21c4bcdcbd5"));
  EXPECT_NE(a, vpc::ula_prefix("105bdce1-64c0-48ab-899d-868455867ecf"));
  EXPECT_EQ(a.rfind("fd", 0), 0u);
  EXPECT_TRUE(net::parse_addr(a + "::1"));
}

TEST(VpcContract, DefaultVpcPrivateNetworksAndSubnets) {
  testing::TestApp t;
  testing::Caller caller(t);
  auto& ctx = caller.ctx;
  const auto& owner = caller.owner;
  auto tx = t.store().begin(store::TxMode::kWrite);
  auto def = vpc::default_vpc(*tx, owner, "fr-par", t.clock().now());
  EXPECT_EQ(def.name, "default");
  EXPECT_EQ(def.tags, std::vector<std::string>{"default"});
  auto again = vpc::default_vpc(*tx, owner, "fr-par", t.clock().now());
  EXPECT_EQ(again.id, def.id);
  EXPECT_NE(vpc::default_vpc(*tx, owner, "nl-ams", t.clock().now()).id, def.id);

  vpc::NewPrivateNetwork n;
  n.name = "a";
  auto a = vpc::create_private_network(*tx, owner, def, n, t.clock().now());
  ASSERT_TRUE(a);
  auto b = vpc::create_private_network(*tx, owner, def, n, t.clock().now());
  ASSERT_TRUE(b);
  auto sa = vpc::subnets_of(*a);
  auto sb = vpc::subnets_of(*b);
  ASSERT_EQ(sa.size(), 2u);
  EXPECT_FALSE(sa[0].is_ipv6);
  EXPECT_TRUE(sa[1].is_ipv6);
  EXPECT_FALSE(net::overlaps(*net::parse_cidr(sa[0].cidr), *net::parse_cidr(sb[0].cidr)));
  EXPECT_EQ(sa[1].cidr.rfind(vpc::ula_prefix(owner.project_id) + ":", 0), 0u) << sa[1].cidr;
  EXPECT_EQ(vpc::private_network_count(*tx, def.id), 2);

  auto found = vpc::find_private_network(*tx, ctx, "fr-par", a->id);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, a->id);
  EXPECT_FALSE(vpc::find_private_network(*tx, ctx, "nl-ams", a->id));
  auto missing = vpc::find_private_network(*tx, ctx, "fr-par", "not-a-uuid");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().status(), 404);
  testing::Caller other(t, new_uuid());
  EXPECT_FALSE(vpc::find_private_network(*tx, other.ctx, "fr-par", a->id));

  auto by_subnet = vpc::find_by_subnet(*tx, "fr-par", sb[1].id);
  ASSERT_TRUE(by_subnet);
  EXPECT_EQ(by_subnet->id, b->id);
  EXPECT_FALSE(vpc::find_by_subnet(*tx, "nl-ams", sb[1].id));
  EXPECT_FALSE(vpc::find_by_subnet(*tx, "fr-par", new_uuid()));

  EXPECT_TRUE(vpc::removable_default_vpcs(*tx, owner.project_id).size() == 3u)
      << "the other regions' default VPCs are empty, the fr-par one holds Private Networks";

  // Requested CIDRs: kept, or refused with invalid_arguments.
  n.subnets = {"10.1.0.0/24", "fd00:1:2:3::/64"};
  auto c = vpc::create_private_network(*tx, owner, def, n, t.clock().now());
  ASSERT_TRUE(c);
  EXPECT_EQ(vpc::subnets_of(*c)[0].cidr, "10.1.0.0/24");
  EXPECT_EQ(vpc::subnets_of(*c)[1].cidr, "fd00:1:2:3::/64");
  for (auto bad : std::vector<std::vector<std::string>>{{"10.1.0.128/25"},
                                                        {"10.2.0.0/19"},
                                                        {"10.2.0.0/29"},
                                                        {"100.64.0.0/24"},
                                                        {"169.254.0.0/24"},
                                                        {"1.2.3.0/24"},
                                                        {"10.3.0.0/24", "10.4.0.0/24"},
                                                        {"fd00:1:2:4::/48"},
                                                        {"2001:db8::/64"}}) {
    n.subnets = bad;
    auto r = vpc::create_private_network(*tx, owner, def, n, t.clock().now());
    ASSERT_FALSE(r) << bad[0];
    EXPECT_EQ(r.error().status(), 400) << bad[0];
  }
}

TEST(VpcApi, PrivateNetworkLifecycleAndRefusals) {
  testing::TestApp t;
  auto pn = t.call("POST", kR + "/private-networks", R"({"name":"pn"})");
  ASSERT_EQ(pn.status, 200) << pn.raw.body;
  auto id = testing::str(pn.json, "id");
  auto vpcs = t.call("GET", kR + "/vpcs?is_default=true");
  ASSERT_EQ(vpcs.status, 200);
  auto& list = vpcs.json.as_object().at("vpcs").as_array();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(testing::str(list[0], "id"), testing::str(pn.json, "vpc_id"));
  EXPECT_EQ(list[0].as_object().at("private_network_count").as_int64(), 1);

  // Delete refused while an IPAM address is booked.
  auto ip = t.call("POST", "/ipam/v1/regions/fr-par/ips",
                   R"({"source":{"private_network_id":")" + id + R"("}})");
  ASSERT_EQ(ip.status, 200) << ip.raw.body;
  EXPECT_EQ(testing::str(ip.json, "address"), "172.16.0.2/22");
  auto del = t.call("DELETE", kR + "/private-networks/" + id);
  EXPECT_EQ(del.status, 412);
  EXPECT_EQ(testing::str(del.json, "help_message"), "Private Network must be empty to be deleted");
  auto vdel = t.call("DELETE", kR + "/vpcs/" + testing::str(pn.json, "vpc_id"));
  EXPECT_EQ(vdel.status, 412);
  ASSERT_EQ(
      t.call("DELETE", "/ipam/v1/regions/fr-par/ips/" + testing::str(ip.json, "id"), "{}").status,
      204);
  EXPECT_EQ(t.call("DELETE", kR + "/private-networks/" + id).status, 204);
  auto gone = t.call("GET", kR + "/private-networks/" + id);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(testing::str(gone.json, "resource"), "private_network");
  // The default VPC stays.
  EXPECT_EQ(t.call("DELETE", kR + "/vpcs/" + testing::str(pn.json, "vpc_id")).status, 412);
}

TEST(VpcApi, VpcSwitchesAclAndRoutes) {
  testing::TestApp t;
  auto v = t.call("POST", kR + "/vpcs", R"({"name":"v","enable_routing":false})");
  ASSERT_EQ(v.status, 200) << v.raw.body;
  auto id = testing::str(v.json, "id");
  EXPECT_TRUE(v.json.as_object().at("routing_enabled").as_bool());
  EXPECT_EQ(t.call("POST", kR + "/vpcs/" + id + "/enable-routing", "{}").status, 200);
  EXPECT_EQ(t.call("POST", kR + "/vpcs/" + id + "/enable-custom-routes-propagation", "{}").status,
            200);

  auto acl = t.call("PUT", kR + "/vpcs/" + id + "/acl-rules",
                    R"({"is_ipv6":false,"default_policy":"drop","rules":[{"protocol":"TCP",
                    "source":"0.0.0.0/0","destination":"10.0.0.0/8","src_port_low":0,
                    "src_port_high":0,"dst_port_low":22,"dst_port_high":22,"action":"accept",
                    "description":"ssh"}]})");
  ASSERT_EQ(acl.status, 200) << acl.raw.body;
  auto rules = acl.json.as_object().at("rules").as_array();
  EXPECT_EQ(testing::str(rules[0], "description"), "(Rule scope: client) ssh");
  auto v4 = t.call("GET", kR + "/vpcs/" + id + "/acl-rules?is_ipv6=false");
  EXPECT_EQ(testing::str(v4.json, "default_policy"), "drop");
  auto v6 = t.call("GET", kR + "/vpcs/" + id + "/acl-rules?is_ipv6=true");
  EXPECT_TRUE(v6.json.as_object().at("rules").as_array().empty());
  auto bad = t.call("PUT", kR + "/vpcs/" + id + "/acl-rules",
                    R"({"is_ipv6":false,"default_policy":"drop","rules":[{"protocol":"TCP",
                    "source":"nope","destination":"10.0.0.0/8","action":"accept"}]})");
  EXPECT_EQ(bad.status, 400);

  auto pn = t.call("POST", kR + "/private-networks",
                   R"({"name":"pn","vpc_id":")" + id + R"(","subnets":["10.5.0.0/24"]})");
  ASSERT_EQ(pn.status, 200) << pn.raw.body;
  auto route = t.call("POST", kR + "/routes",
                      R"({"vpc_id":")" + id + R"(","destination":"192.168.0.0/24",
                      "nexthop_private_network_id":")" +
                          testing::str(pn.json, "id") + R"("})");
  ASSERT_EQ(route.status, 200) << route.raw.body;
  EXPECT_EQ(testing::str(route.json, "description"), "Custom route");
  EXPECT_EQ(testing::str(route.json, "type"), "custom");
  auto rl = t.call("GET", kR + "/routes-with-nexthop?vpc_id=" + id +
                              "&nexthop_resource_type=unknown_type&order_by=created_at_asc");
  ASSERT_EQ(rl.status, 200) << rl.raw.body;
  auto& routes = rl.json.as_object().at("routes").as_array();
  ASSERT_EQ(routes.size(), 3u);
  EXPECT_EQ(testing::str(routes[0].as_object().at("route"), "type"), "subnet");
  EXPECT_EQ(testing::str(routes[0].as_object().at("route"), "destination"), "10.5.0.0/24");
  EXPECT_EQ(testing::str(routes[2].as_object().at("route"), "type"), "custom");
  auto v6only = t.call("GET", kR + "/routes-with-nexthop?vpc_id=" + id + "&is_ipv6=true");
  EXPECT_EQ(v6only.json.as_object().at("total_count").as_int64(), 1);

  auto missing = t.call("GET", kR + "/routes/" + new_uuid());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(testing::str(missing.json, "resource"), "unknown");
  EXPECT_EQ(testing::str(missing.json, "resource_id"), "");
  EXPECT_EQ(t.call("DELETE", kR + "/routes/" + testing::str(route.json, "id")).status, 204);

  auto add = t.call("POST", kR + "/private-networks/" + testing::str(pn.json, "id") + "/subnets",
                    R"({"subnets":["10.6.0.0/24"]})");
  // Not implemented by the platform either: 501 "unimplemented endpoint".
  EXPECT_EQ(add.status, 501);
  EXPECT_EQ(testing::str(add.json, "message"), "unimplemented endpoint");
  EXPECT_EQ(t.call("DELETE", kR + "/private-networks/" + testing::str(pn.json, "id")).status, 204);
  EXPECT_EQ(t.call("DELETE", kR + "/vpcs/" + id).status, 204);
}

TEST(VpcApi, ConnectorsPeerAndIngressRules) {
  testing::TestApp t;
  auto a = t.call("POST", kR + "/vpcs", R"({"name":"a"})");
  auto b = t.call("POST", kR + "/vpcs", R"({"name":"b"})");
  auto ida = testing::str(a.json, "id"), idb = testing::str(b.json, "id");
  auto ab = t.call("POST", kR + "/vpc-connectors",
                   R"({"vpc_id":")" + ida + R"(","target_vpc_id":")" + idb + R"("})");
  ASSERT_EQ(ab.status, 200) << ab.raw.body;
  EXPECT_EQ(testing::str(ab.json, "status"), "orphan");
  EXPECT_FALSE(ab.json.as_object().contains("peer_info"));
  auto ba = t.call("POST", kR + "/vpc-connectors",
                   R"({"vpc_id":")" + idb + R"(","target_vpc_id":")" + ida + R"("})");
  EXPECT_EQ(testing::str(ba.json, "status"), "peered");
  EXPECT_EQ(testing::str(ba.json.as_object().at("peer_info"), "vpc_name"), "a");
  auto self = t.call("POST", kR + "/vpc-connectors",
                     R"({"vpc_id":")" + ida + R"(","target_vpc_id":")" + ida + R"("})");
  EXPECT_EQ(self.status, 400);
  auto missing = t.call("GET", kR + "/vpc-connectors/" + new_uuid());
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(testing::str(missing.json, "resource"), "vpc_connector");

  auto pn = t.call("POST", kR + "/private-networks",
                   R"({"name":"pn","vpc_id":")" + ida + R"(","subnets":["10.7.0.0/24"]})");
  auto rule = t.call("POST", kR + "/ingress-rules",
                     R"({"vpc_id":")" + ida +
                         R"(","source":"10.0.0.0/24","nexthop_resource_ip":"10.7.0.2",
                         "nexthop_private_network_id":")" +
                         testing::str(pn.json, "id") + R"("})");
  ASSERT_EQ(rule.status, 200) << rule.raw.body;
  EXPECT_FALSE(rule.json.as_object().at("is_ipv6").as_bool());
  auto list = t.call("GET", kR + "/ingress-rules?vpc_id=" + ida + "&is_ipv6=false");
  EXPECT_EQ(list.json.as_object().at("total_count").as_int64(), 1);
  auto bad = t.call("POST", kR + "/ingress-rules",
                    R"({"vpc_id":")" + ida +
                        R"(","source":"nope","nexthop_resource_ip":"10.7.0.2",
                        "nexthop_private_network_id":")" +
                        testing::str(pn.json, "id") + R"("})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(t.call("DELETE", kR + "/private-networks/" + testing::str(pn.json, "id")).status, 204);
  // Deleting the VPC takes its connectors and rules along.
  EXPECT_EQ(t.call("DELETE", kR + "/vpcs/" + ida).status, 204);
  EXPECT_EQ(t.call("GET", kR + "/vpc-connectors/" + testing::str(ab.json, "id")).status, 404);
  EXPECT_EQ(t.call("GET", kR + "/ingress-rules/" + testing::str(rule.json, "id")).status, 404);
  EXPECT_EQ(testing::str(t.call("GET", kR + "/vpc-connectors/" + testing::str(ba.json, "id")).json,
                         "status"),
            "orphan");
}

// Lists render every item from one batch of relations: Private Network counts, peers, next hops.
TEST(VpcApi, ListsRenderRelationsOfThePage) {
  testing::TestApp t;
  auto a = t.call("POST", kR + "/vpcs", R"({"name":"alpha"})");
  auto b = t.call("POST", kR + "/vpcs", R"({"name":"bravo"})");
  auto ida = testing::str(a.json, "id"), idb = testing::str(b.json, "id");
  for (auto* body : {R"({"name":"p1","vpc_id":"A","subnets":["10.8.0.0/24"]})",
                     R"({"name":"p2","vpc_id":"A","subnets":["10.9.0.0/24"]})"}) {
    std::string s = body;
    s.replace(s.find("\"A\""), 3, "\"" + ida + "\"");
    ASSERT_EQ(t.call("POST", kR + "/private-networks", s).status, 200);
  }
  auto vpcs = t.call("GET", kR + "/vpcs?name=alpha&order_by=name_asc");
  ASSERT_EQ(vpcs.status, 200) << vpcs.raw.body;
  auto& items = vpcs.json.as_object().at("vpcs").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(testing::num(items[0], "private_network_count"), 2);

  t.call("POST", kR + "/vpc-connectors",
         R"({"vpc_id":")" + ida + R"(","target_vpc_id":")" + idb + R"("})");
  t.call("POST", kR + "/vpc-connectors",
         R"({"vpc_id":")" + idb + R"(","target_vpc_id":")" + ida + R"("})");
  auto conns = t.call("GET", kR + "/vpc-connectors?order_by=created_at_asc");
  ASSERT_EQ(conns.status, 200) << conns.raw.body;
  auto& cs = conns.json.as_object().at("vpc_connectors").as_array();
  ASSERT_EQ(cs.size(), 2u);
  EXPECT_EQ(testing::str(cs[0], "status"), "peered");
  EXPECT_EQ(testing::str(testing::obj(cs[0], "peer_info"), "vpc_name"), "bravo");
  EXPECT_EQ(testing::str(testing::obj(cs[1], "peer_info"), "vpc_name"), "alpha");

  // Malformed ids: the connector's 404 names the id lower-cased, the route's names nothing.
  auto conn = t.call("GET", kR + "/vpc-connectors/NOT-AN-ID");
  EXPECT_EQ(conn.status, 404);
  EXPECT_EQ(testing::str(conn.json, "resource_id"), "not-an-id");
  auto route = t.call("GET", kR + "/routes/not-an-id");
  EXPECT_EQ(route.status, 404);
  EXPECT_EQ(testing::str(route.json, "resource"), "unknown");
  auto rule = t.call("PATCH", kR + "/ingress-rules/" + new_uuid(), "{}");
  EXPECT_EQ(rule.status, 404);
  EXPECT_EQ(testing::str(rule.json, "resource"), "unknown");
}

// Default VPCs come with the project (a write), so that listing VPCs never has to create one.
TEST(VpcApi, DefaultVpcsComeWithTheProject) {
  testing::TestApp t;
  auto defaults_of = [&](const std::string& project) {
    store::ListQuery q;
    q.kind = "vpc.vpc";
    q.filters.push_back({store::Column::kProject, store::Op::kEq, {project}, {}, false});
    q.filters.push_back({store::Column::kBody, store::Op::kEq, {true}, "is_default"});
    return t.store().begin(store::TxMode::kRead)->list(q).items.size();
  };
  EXPECT_EQ(defaults_of(t.identity().organization_id), 4u);  // the bootstrapped project
  auto p = t.call("POST", "/account/v3/projects", R"({"name":"with-defaults"})");
  ASSERT_EQ(p.status, 200) << p.raw.body;
  auto project = testing::str(p.json, "id");
  EXPECT_EQ(defaults_of(project), 4u);
  auto list = t.call("GET", "/vpc/v2/regions/nl-ams/vpcs?project_id=" + project);
  ASSERT_EQ(list.status, 200) << list.raw.body;
  ASSERT_EQ(testing::num(list.json, "total_count"), 1);
  EXPECT_EQ(t.call("DELETE", "/account/v3/projects/" + project).status, 204);
  EXPECT_EQ(defaults_of(project), 0u);
}

}  // namespace
}  // namespace scwd
