#include <gtest/gtest.h>

#include <set>

#include "products/instance/network/network_test_util.hpp"

namespace scwd::instance_test {
namespace {

namespace instance = products::instance;

json::object create_ip(testing::TestApp& t, const json::object& body = {}) {
  return create_in(t, "ips", "ip", body);
}

TEST(Ips, CreateRoutedV4AndV6) {
  testing::TestApp t;
  auto r = t.call("POST", kZ + "/ips", R"({"tags":["a"]})");
  ASSERT_EQ(r.status, 201) << r.raw.body;
  auto& ip = r.json.at("ip").as_object();
  EXPECT_EQ(str(ip, "type"), "routed_ipv4");
  EXPECT_EQ(str(ip, "state"), "detached");
  EXPECT_TRUE(ip.at("prefix").is_null());
  EXPECT_TRUE(ip.at("server").is_null());
  EXPECT_TRUE(ip.at("reverse").is_null());
  EXPECT_EQ(str(ip, "zone"), "fr-par-1");
  EXPECT_EQ(ip.at("tags").as_array().size(), 1u);
  auto addr = str(ip, "address");
  bool scaleway_range = addr.rfind("51.15.", 0) == 0 || addr.rfind("163.172.", 0) == 0 ||
                        addr.rfind("51.158.", 0) == 0 || addr.rfind("212.47.", 0) == 0;
  EXPECT_TRUE(scaleway_range) << addr;
  EXPECT_NE(header(r.raw, "Location").find("/ips/" + str(ip, "id")), std::string::npos);

  auto v6 = create_ip(t, {{"type", "routed_ipv6"}});
  EXPECT_TRUE(v6.at("address").is_null());
  auto prefix = str(v6, "prefix");
  EXPECT_EQ(prefix.rfind("2001:bc8:71", 0), 0u) << prefix;
  EXPECT_EQ(prefix.substr(prefix.size() - 5), "::/64");

  auto ams = call(t, "POST", "/instance/v1/zones/pl-waw-1/ips", json::object{}, 201);
  EXPECT_EQ(str(ams.at("ip"), "address").rfind("151.115.", 0), 0u);
}

TEST(Ips, AddressesAreUnique) {
  testing::TestApp t;
  std::set<std::string> seen;
  for (int i = 0; i < 30; ++i) seen.insert(str(create_ip(t), "address"));
  EXPECT_EQ(seen.size(), 30u);
}

TEST(Ips, GetByIdOrAddress) {
  testing::TestApp t;
  auto ip = create_ip(t);
  auto by_id = call(t, "GET", kZ + "/ips/" + str(ip, "id"), nullptr, 200);
  EXPECT_EQ(str(by_id.at("ip"), "address"), str(ip, "address"));
  auto by_addr = call(t, "GET", kZ + "/ips/" + str(ip, "address"), nullptr, 200);
  EXPECT_EQ(str(by_addr.at("ip"), "id"), str(ip, "id"));
  auto nf = call(t, "GET", kZ + "/ips/51.15.242.82", nullptr, 404);
  EXPECT_EQ(str(nf, "resource"), "instance_ip");
  EXPECT_EQ(str(nf, "resource_id"), "51.15.242.82/32");
  auto nf2 = call(t, "GET", kZ + "/ips/0c265f34-84f7-42bf-937e-c8c5e704e559", nullptr, 404);
  EXPECT_EQ(str(nf2, "resource_id"), "0c265f34-84f7-42bf-937e-c8c5e704e559");
  call(t, "GET", kZ + "/ips/garbage", nullptr, 404);
  // An address inside a routed IPv6 prefix finds the prefix.
  auto v6 = create_ip(t, {{"type", "routed_ipv6"}});
  auto prefix = str(v6, "prefix");
  auto host = prefix.substr(0, prefix.size() - 3) + "1";
  auto by_v6 = call(t, "GET", kZ + "/ips/" + host, nullptr, 200);
  EXPECT_EQ(str(by_v6.at("ip"), "id"), str(v6, "id"));
  // Zone-scoped.
  call(t, "GET", "/instance/v1/zones/fr-par-2/ips/" + str(ip, "id"), nullptr, 404);
}

TEST(Ips, ListFilters) {
  testing::TestApp t;
  auto a = create_ip(t, {{"tags", json::array{"x"}}});
  create_ip(t, {{"type", "routed_ipv6"}, {"tags", json::array{"x", "y"}}});
  create_ip(t);
  auto all = t.call("GET", kZ + "/ips?per_page=2");
  EXPECT_EQ(header(all.raw, "X-Total-Count"), "3");
  EXPECT_EQ(all.json.at("ips").as_array().size(), 2u);
  expect_list_counts(t, "ips", {{"type=routed_ipv6", 1}, {"tags=x", 2}, {"tags=x,y", 1}});
  auto named = list_of(t, kZ + "/ips?name=" + str(a, "address"), "ips");
  ASSERT_EQ(named.size(), 1u);
  EXPECT_EQ(str(named[0], "id"), str(a, "id"));
  auto proj = t.call("GET", kZ + "/ips?project=" + t.identity().organization_id);
  EXPECT_EQ(header(proj.raw, "X-Total-Count"), "3");
  auto other = t.call("GET", "/instance/v1/zones/nl-ams-1/ips");
  EXPECT_EQ(header(other.raw, "X-Total-Count"), "0");
}

TEST(Ips, AttachDetachThroughPatch) {
  testing::TestApp t;
  auto s = insert_server(t, {.name = "web"});
  auto ip = create_ip(t);
  auto id = str(ip, "id");
  auto up = call(t, "PATCH", kZ + "/ips/" + id, json::object{{"server", s.id}}, 200).at("ip");
  EXPECT_EQ(str(up, "state"), "attached");
  EXPECT_EQ(str(up.at("server"), "id"), s.id);
  EXPECT_EQ(str(up.at("server"), "name"), "web");
  {
    auto tx = t.store().begin(store::TxMode::kRead);
    auto ips = instance::server_ips(*tx, s.id);
    ASSERT_EQ(ips.size(), 1u);
    auto entry = instance::render_server_ip(ips[0]);
    EXPECT_EQ(str(entry, "address"), str(ip, "address"));
    EXPECT_EQ(str(entry, "family"), "inet");
    EXPECT_EQ(str(entry, "netmask"), "32");
    EXPECT_EQ(str(entry, "gateway"), "62.210.0.1");
    EXPECT_EQ(entry.at("dynamic"), json::value(false));
    EXPECT_EQ(str(entry, "state"), "attached");
  }
  auto det =
      call(t, "PATCH", kZ + "/ips/" + str(ip, "address"), json::object{{"server", nullptr}}, 200)
          .at("ip");
  EXPECT_EQ(str(det, "state"), "detached");
  EXPECT_TRUE(det.at("server").is_null());
  // Unknown server: 404 and the IP is unchanged.
  auto e = call(t, "PATCH", kZ + "/ips/" + id,
                json::object{{"server", "0c265f34-84f7-42bf-937e-c8c5e704e559"}}, 404);
  EXPECT_EQ(str(e, "resource"), "instance_server");
  // Create already attached.
  auto at = create_ip(t, {{"server", s.id}});
  EXPECT_EQ(str(at, "state"), "attached");
  call(t, "POST", kZ + "/ips", json::object{{"server", "0c265f34-84f7-42bf-937e-c8c5e704e559"}},
       404);
}

TEST(Ips, V6OnServerUsesSlaacAddress) {
  testing::TestApp t;
  auto s = insert_server(t, {.name = "v6"});
  auto ip = create_ip(t, {{"type", "routed_ipv6"}, {"server", s.id}});
  auto tx = t.store().begin(store::TxMode::kRead);
  auto ips = instance::server_ips(*tx, s.id);
  ASSERT_EQ(ips.size(), 1u);
  auto entry = instance::render_server_ip(ips[0]);
  auto prefix = str(ip, "prefix");
  auto net = prefix.substr(0, prefix.size() - 5);  // "2001:bc8:710:xxxx"
  EXPECT_EQ(str(entry, "address"), net + ":dc00:ff:fed0:7087");
  EXPECT_EQ(str(entry, "gateway"), "fe80::dc00:ff:fed0:7088");
  EXPECT_EQ(str(entry, "family"), "inet6");
  EXPECT_EQ(str(entry, "netmask"), "64");
  EXPECT_EQ(str(entry, "provisioning_mode"), "slaac");
}

TEST(Ips, ReverseTagsAndBadInput) {
  testing::TestApp t;
  auto id = str(create_ip(t), "id");
  auto up = call(t, "PATCH", kZ + "/ips/" + id,
                 json::object{{"reverse", "www.example.com"}, {"tags", json::array{"z"}}}, 200);
  EXPECT_EQ(str(up.at("ip"), "reverse"), "www.example.com");
  EXPECT_EQ(up.at("ip").at("tags").as_array().size(), 1u);
  auto e = call(t, "PATCH", kZ + "/ips/" + id, json::object{{"reverse", "not a host!"}}, 400);
  EXPECT_EQ(str(e.at("details").as_array()[0], "argument_name"), "reverse");
  EXPECT_EQ(
      str(e.at("details").as_array()[0], "help_message").rfind("Your reverse must resolve", 0), 0u);
  auto reset = call(t, "PATCH", kZ + "/ips/" + id, json::object{{"reverse", nullptr}}, 200);
  EXPECT_TRUE(reset.at("ip").at("reverse").is_null());
  call(t, "PATCH", kZ + "/ips/" + id, json::object{{"type", "routed_ipv6"}}, 400);
  call(t, "POST", kZ + "/ips", json::object{{"type", "nat"}}, 400);
  call(t, "POST", kZ + "/ips", json::object{{"type", "bogus"}}, 400);
  call(t, "POST", kZ + "/ips", json::object{{"project", "not-a-uuid"}}, 400);
  call(t, "PATCH", kZ + "/ips/0c265f34-84f7-42bf-937e-c8c5e704e559",
       json::object{{"tags", json::array{}}}, 404);
  auto list = t.call("GET", kZ + "/ips");
  EXPECT_EQ(header(list.raw, "X-Total-Count"), "1");
}

TEST(Ips, DeleteAndReleaseToIpam) {
  testing::TestApp t;
  auto s = insert_server(t, {.name = "web"});
  auto a = create_ip(t, {{"server", s.id}});
  call(t, "DELETE", kZ + "/ips/" + str(a, "address"), nullptr, 204);
  call(t, "GET", kZ + "/ips/" + str(a, "id"), nullptr, 404);
  {
    auto tx = t.store().begin(store::TxMode::kRead);
    EXPECT_TRUE(instance::server_ips(*tx, s.id).empty());
  }
  call(t, "DELETE", kZ + "/ips/" + str(a, "id"), nullptr, 404);
  auto b = create_ip(t);
  call(t, "POST", kZ + "/ips/" + str(b, "id") + "/release-to-ipam", json::object{}, 204);
  call(t, "GET", kZ + "/ips/" + str(b, "id"), nullptr, 404);
  call(t, "POST", kZ + "/ips/" + str(b, "id") + "/release-to-ipam", json::object{}, 404);
  call(t, "POST", kZ + "/ips/xyz/release-to-ipam", json::object{}, 400);
}

TEST(Ips, Quota) {
  testing::TestApp t;
  t.config().quotas["instance_ips"] = 2;
  create_ip(t);
  create_ip(t);
  auto e = call(t, "POST", kZ + "/ips", json::object{}, 403);
  EXPECT_EQ(str(e, "type"), "quotas_exceeded");
  EXPECT_EQ(e.at("details").as_array()[0].at("quota"), json::value(2));
}

TEST(Ips, DynamicIpContract) {
  testing::TestApp t;
  auto s = insert_server(t, {.name = "dyn", .state = "running"});
  auto flex = create_ip(t, {{"type", "routed_ipv6"}, {"server", s.id}});
  store::Record dyn;
  t.store().write([&](store::Tx& tx) {
    dyn = instance::allocate_dynamic_ip(tx, s, t.clock().now());
    // Idempotent: a second call returns the same IP.
    EXPECT_EQ(instance::allocate_dynamic_ip(tx, s, t.clock().now()).id, dyn.id);
    return true;
  });
  {
    auto tx = t.store().begin(store::TxMode::kRead);
    auto ips = instance::server_ips(*tx, s.id);
    ASSERT_EQ(ips.size(), 2u);
    EXPECT_EQ(ips[0].id, dyn.id);  // dynamic first
    auto entry = instance::render_server_ip(ips[0]);
    EXPECT_EQ(entry.at("dynamic"), json::value(true));
    EXPECT_EQ(str(entry, "family"), "inet");
  }
  // The dynamic IP is not a flexible IP: not listed, not modifiable, visible by id.
  auto list = t.call("GET", kZ + "/ips");
  EXPECT_EQ(header(list.raw, "X-Total-Count"), "1");
  call(t, "GET", kZ + "/ips/" + dyn.id, nullptr, 200);
  call(t, "PATCH", kZ + "/ips/" + dyn.id, json::object{{"tags", json::array{}}}, 400);
  call(t, "DELETE", kZ + "/ips/" + dyn.id, nullptr, 400);

  // Attaching a flexible IPv4 to the running server replaces its dynamic IP.
  auto v4 = create_ip(t);
  call(t, "PATCH", kZ + "/ips/" + str(v4, "id"), json::object{{"server", s.id}}, 200);
  EXPECT_FALSE(get_record(t, instance::kIpKind, dyn.id));
  // Detaching it brings a dynamic IP back.
  call(t, "PATCH", kZ + "/ips/" + str(v4, "id"), json::object{{"server", nullptr}}, 200);
  {
    auto tx = t.store().begin(store::TxMode::kRead);
    auto ips = instance::server_ips(*tx, s.id);
    ASSERT_EQ(ips.size(), 2u);
    EXPECT_EQ(instance::render_server_ip(ips[0]).at("dynamic"), json::value(true));
  }
  // Power-off: the dynamic IP goes, flexible IPs stay; delete: flexible IPs are detached.
  t.store().write([&](store::Tx& tx) {
    instance::release_server_ips(tx, s, t.clock().now(), false);
    return true;
  });
  {
    auto tx = t.store().begin(store::TxMode::kRead);
    auto ips = instance::server_ips(*tx, s.id);
    ASSERT_EQ(ips.size(), 1u);
    EXPECT_EQ(ips[0].id, str(flex, "id"));
  }
  t.store().write([&](store::Tx& tx) {
    instance::release_server_ips(tx, s, t.clock().now(), true);
    return true;
  });
  auto after = call(t, "GET", kZ + "/ips/" + str(flex, "id"), nullptr, 200).at("ip");
  EXPECT_EQ(str(after, "state"), "detached");
  EXPECT_TRUE(after.at("server").is_null());
}

}  // namespace
}  // namespace scwd::instance_test
