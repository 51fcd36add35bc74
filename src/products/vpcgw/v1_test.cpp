#include <gtest/gtest.h>

#include <utility>

#include "core/resource/records.hpp"
#include "core/util/ids.hpp"
#include "products/ipam/ipam.hpp"
#include "products/vpc/vpc.hpp"
#include "products/vpcgw/dhcp.hpp"
#include "products/vpcgw/model.hpp"
#include "testing/helpers.hpp"
#include "testing/test_env.hpp"

namespace scwd {
namespace {

namespace json = boost::json;

const std::string kV1 = "/vpc-gw/v1/zones/fr-par-1";

using namespace testing;  // the shared test helpers (str, num, advance, created_id)

// The test app's owner, in its default project.
app::Owner owner_of(testing::TestApp& t) {
  return {t.identity().organization_id, t.identity().project_id};
}

// A Private Network record in fr-par, written directly in the store (vpc.hpp's layout), so the
// test does not depend on the VPC API.
std::string insert_private_network(testing::TestApp& t, const std::string& name,
                                   const std::string& cidr) {
  auto r = resource::new_record(products::vpc::kPrivateNetworkKind, owner_of(t), "fr-par",
                                t.clock().now());
  r.name = name;
  r.parent_id = new_uuid();
  r.body = json::object{
      {"subnets", json::array{json::object{{"id", new_uuid()},
                                           {"subnet", cidr},
                                           {"created_at", format_time(r.created_at)},
                                           {"updated_at", format_time(r.created_at)}}}},
      {"dhcp_enabled", true},
      {"default_route_propagation_enabled", false}};
  t.store().write([&](store::Tx& tx) {
    tx.insert(r);
    return true;
  });
  return r.id;
}

std::string create_gateway(testing::TestApp& t,
                           const std::string& body = R"({"type":"VPC-GW-S"})") {
  return created_id(t, kV1 + "/gateways", body);
}

TEST(VpcGwV1Dhcp, CreateAppliesDefaultsAndDurationStrings) {
  testing::TestApp t;
  auto r = t.call("POST", kV1 + "/dhcps", R"({"subnet":"192.168.1.0/24"})");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(str(r.json, "address"), "192.168.1.1");
  EXPECT_EQ(str(r.json, "pool_low"), "192.168.1.2");
  EXPECT_EQ(str(r.json, "pool_high"), "192.168.1.254");
  EXPECT_EQ(str(r.json, "valid_lifetime"), "3600s");
  EXPECT_EQ(str(r.json, "renew_timer"), "3000s");
  EXPECT_EQ(str(r.json, "rebind_timer"), "3060s");
  EXPECT_EQ(str(r.json, "dns_local_name"), "priv");
  EXPECT_TRUE(r.json.at("enable_dynamic").as_bool());
  EXPECT_TRUE(r.json.at("push_default_route").as_bool());
  EXPECT_EQ(str(r.json, "zone"), "fr-par-1");
  auto id = str(r.json, "id");

  auto upd = t.call("PATCH", kV1 + "/dhcps/" + id,
                    R"({"valid_lifetime":"7200.000000000s","rebind_timer":"7000s"})");
  ASSERT_EQ(upd.status, 200) << upd.raw.body;
  EXPECT_EQ(str(upd.json, "valid_lifetime"), "7200s");
  EXPECT_EQ(str(upd.json, "rebind_timer"), "7000s");

  // Timers out of order, an address outside the subnet: refused, nothing changes.
  EXPECT_EQ(t.call("PATCH", kV1 + "/dhcps/" + id, R"({"renew_timer":"6990s"})").status, 400);
  EXPECT_EQ(t.call("PATCH", kV1 + "/dhcps/" + id, R"({"address":"10.0.0.1"})").status, 400);
  EXPECT_EQ(t.call("POST", kV1 + "/dhcps", R"({"subnet":"nope"})").status, 400);
  EXPECT_EQ(t.call("POST", kV1 + "/dhcps", R"({})").status, 400);
  EXPECT_EQ(str(t.call("GET", kV1 + "/dhcps/" + id).json, "renew_timer"), "3000s");

  // A new subnet moves the addresses that no longer fit.
  auto moved = t.call("PATCH", kV1 + "/dhcps/" + id, R"({"subnet":"10.1.0.0/16"})");
  ASSERT_EQ(moved.status, 200) << moved.raw.body;
  EXPECT_EQ(str(moved.json, "address"), "10.1.0.1");
  EXPECT_EQ(str(moved.json, "pool_high"), "10.1.255.254");

  EXPECT_EQ(num(t.call("GET", kV1 + "/dhcps?has_address=10.1.3.4").json, "total_count"), 1);
  EXPECT_EQ(num(t.call("GET", kV1 + "/dhcps?has_address=10.2.3.4").json, "total_count"), 0);
  EXPECT_EQ(num(t.call("GET", kV1 + "/dhcps?address=10.1.0.1").json, "total_count"), 1);
  EXPECT_EQ(num(t.call("GET", "/vpc-gw/v1/zones/nl-ams-1/dhcps").json, "total_count"), 0);

  EXPECT_EQ(t.call("DELETE", kV1 + "/dhcps/" + id).status, 204);
  auto gone = t.call("GET", kV1 + "/dhcps/" + id);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(str(gone.json, "resource"), "dhcp");
}

TEST(VpcGwV1Dhcp, Slug) {
  EXPECT_EQ(products::vpcgw::dhcp::slug("My Network_1"), "my-network-1");
  EXPECT_EQ(products::vpcgw::dhcp::slug("--"), "priv");
}

TEST(VpcGwV1Gateways, CreateRendersV1ShapeAndBoots) {
  testing::TestApp t;
  auto r = t.call("POST", kV1 + "/gateways",
                  R"({"name":"gw","type":"VPC-GW-M","upstream_dns_servers":["1.1.1.1"]})");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  auto& o = r.json.as_object();
  EXPECT_EQ(str(o.at("type"), "name"), "VPC-GW-M");
  EXPECT_EQ(num(o.at("type"), "bandwidth"), 1000000000);
  EXPECT_TRUE(o.at("ip").is_object());
  EXPECT_FALSE(o.contains("ipv4"));
  EXPECT_FALSE(o.contains("bastion_allowed_ips"));
  EXPECT_FALSE(o.at("is_legacy").as_bool());
  EXPECT_FALSE(o.at("ip_mobility_enabled").as_bool());
  EXPECT_EQ(o.at("upstream_dns_servers").as_array()[0].as_string(), "1.1.1.1");
  auto id = str(r.json, "id");
  advance(t, 30);
  auto got = t.call("GET", kV1 + "/gateways/" + id);
  EXPECT_EQ(str(got.json, "status"), "running");
  EXPECT_TRUE(got.json.at("version").is_string());
  EXPECT_TRUE(got.json.at("ip_mobility_enabled").as_bool());
  // The same gateway through v2 once its routes exist.
  auto v2 = t.call("GET", "/vpc-gw/v2/zones/fr-par-1/gateways/" + id);
  if (v2.status != 501) {
    EXPECT_EQ(v2.status, 200) << v2.raw.body;
  }

  EXPECT_EQ(t.call("POST", kV1 + "/gateways", R"({"type":"VPC-GW-XXL"})").status, 400);
  EXPECT_EQ(t.call("GET", kV1 + "/gateways/" + new_uuid()).status, 404);

  auto upd = t.call("PATCH", kV1 + "/gateways/" + id, R"({"enable_bastion":true})");
  ASSERT_EQ(upd.status, 200) << upd.raw.body;
  EXPECT_EQ(str(upd.json, "status"), "configuring");
  EXPECT_EQ(t.call("PATCH", kV1 + "/gateways/" + id, R"({"enable_smtp":true})").status, 409);
  advance(t, 10);
  EXPECT_EQ(t.call("POST", kV1 + "/gateways/" + id + "/enable-ip-mobility", "{}").status, 204);
  EXPECT_TRUE(t.call("GET", kV1 + "/gateways/" + id).json.at("ip_mobility_enabled").as_bool());

  auto ip_id = str(got.json.at("ip"), "id");
  EXPECT_EQ(t.call("DELETE", kV1 + "/gateways/" + id).status, 204);
  advance(t, 10);
  EXPECT_EQ(t.call("GET", kV1 + "/gateways/" + id).status, 404);
  auto ip = t.call("GET", kV1 + "/ips/" + ip_id);
  ASSERT_EQ(ip.status, 200);
  EXPECT_TRUE(ip.json.at("gateway_id").is_null());
}

TEST(VpcGwV1Gateways, PatRulesUseUnknownAsBoth) {
  testing::TestApp t;
  auto gw = create_gateway(t);
  auto r = t.call(
      "POST", kV1 + "/pat-rules",
      R"({"gateway_id":")" + gw +
          R"(","public_port":2222,"private_ip":"192.168.1.10","private_port":22,"protocol":"unknown"})");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(str(r.json, "protocol"), "both");
  auto dup = t.call(
      "POST", kV1 + "/pat-rules",
      R"({"gateway_id":")" + gw +
          R"(","public_port":2222,"private_ip":"192.168.1.11","private_port":22,"protocol":"tcp"})");
  EXPECT_EQ(dup.status, 400);
  auto set = t.call(
      "PUT", kV1 + "/pat-rules",
      R"({"gateway_id":")" + gw +
          R"(","pat_rules":[{"public_port":80,"private_ip":"192.168.1.2","private_port":8080,"protocol":"tcp"}]})");
  ASSERT_EQ(set.status, 200) << set.raw.body;
  EXPECT_EQ(set.json.at("pat_rules").as_array().size(), 1u);
  EXPECT_EQ(num(t.call("GET", kV1 + "/pat-rules?protocol=unknown").json, "total_count"), 1);
  EXPECT_EQ(num(t.call("GET", kV1 + "/pat-rules?protocol=udp").json, "total_count"), 0);
}

// A Private Network `name` (`cidr`) and a gateway that has finished booting: {pn, gw}.
std::pair<std::string, std::string> network_and_booted_gateway(testing::TestApp& t,
                                                               const std::string& name,
                                                               const std::string& cidr) {
  auto pn = insert_private_network(t, name, cidr);
  auto gw = create_gateway(t);
  advance(t, 30);
  return {pn, gw};
}

// A gateway network of `gw` in `pn`, masquerading, with a new DHCP configuration of `subnet`.
testing::TestApp::Reply dhcp_network(testing::TestApp& t, const std::string& gw,
                                     const std::string& pn, const std::string& subnet) {
  return t.call("POST", kV1 + "/gateway-networks",
                R"({"gateway_id":")" + gw + R"(","private_network_id":")" + pn +
                    R"(","enable_masquerade":true,"dhcp":{"subnet":")" + subnet + R"("}})");
}

TEST(VpcGwV1Networks, DhcpModeEntriesAndCleanup) {
  testing::TestApp t;
  auto [pn, gw] = network_and_booted_gateway(t, "My Net", "172.16.0.0/22");
  auto r = dhcp_network(t, gw, pn, "192.168.10.0/24");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(str(r.json, "status"), "created");
  EXPECT_EQ(str(r.json.at("dhcp"), "dns_local_name"), "my-net");
  EXPECT_TRUE(r.json.at("ipam_config").is_null());
  EXPECT_TRUE(r.json.at("enable_dhcp").as_bool());
  EXPECT_TRUE(t.call("GET", kV1 + "/gateways/" + gw).json.at("is_legacy").as_bool());
  auto gn = str(r.json, "id");
  auto dhcp_id = str(r.json.at("dhcp"), "id");
  advance(t, 30);
  auto ready = t.call("GET", kV1 + "/gateway-networks/" + gn);
  EXPECT_EQ(str(ready.json, "status"), "ready");
  EXPECT_TRUE(ready.json.at("mac_address").is_string());

  auto e = t.call("POST", kV1 + "/dhcp-entries",
                  R"({"gateway_network_id":")" + gn +
                      R"(","mac_address":"AA:BB:CC:DD:EE:FF","ip_address":"192.168.10.50"})");
  ASSERT_EQ(e.status, 200) << e.raw.body;
  EXPECT_EQ(str(e.json, "mac_address"), "aa:bb:cc:dd:ee:ff");
  EXPECT_EQ(str(e.json, "type"), "reservation");
  EXPECT_EQ(t.call("POST", kV1 + "/dhcp-entries",
                   R"({"gateway_network_id":")" + gn +
                       R"(","mac_address":"aa:bb:cc:dd:ee:01","ip_address":"10.0.0.5"})")
                .status,
            400);
  auto set = t.call(
      "PUT", kV1 + "/dhcp-entries",
      R"({"gateway_network_id":")" + gn +
          R"(","dhcp_entries":[{"mac_address":"aa:bb:cc:dd:ee:ff","ip_address":"192.168.10.60"},{"mac_address":"aa:bb:cc:dd:ee:02","ip_address":"192.168.10.61"}]})");
  ASSERT_EQ(set.status, 200) << set.raw.body;
  EXPECT_EQ(set.json.at("dhcp_entries").as_array().size(), 2u);
  EXPECT_EQ(num(t.call("GET", kV1 + "/dhcp-entries?type=unknown&order_by=ip_address_desc").json,
                "total_count"),
            2);
  EXPECT_EQ(
      num(t.call("GET", kV1 + "/dhcp-entries?mac_address=AA:BB:CC:DD:EE:FF").json, "total_count"),
      1);

  // The DHCP configuration is in use; the gateway network filters by it.
  EXPECT_EQ(t.call("DELETE", kV1 + "/dhcps/" + dhcp_id).status, 412);
  EXPECT_EQ(num(t.call("GET", kV1 + "/gateway-networks?dhcp_id=" + dhcp_id).json, "total_count"),
            1);
  EXPECT_EQ(
      num(t.call("GET", kV1 + "/gateway-networks?enable_masquerade=false").json, "total_count"), 0);

  // IPAM networks cannot join a DHCP-mode gateway.
  auto pn2 = insert_private_network(t, "other", "172.16.4.0/22");
  auto mixed =
      t.call("POST", kV1 + "/gateway-networks",
             R"({"gateway_id":")" + gw + R"(","private_network_id":")" + pn2 +
                 R"(","enable_masquerade":true,"ipam_config":{"push_default_route":true}})");
  EXPECT_EQ(mixed.status, 400) << mixed.raw.body;

  EXPECT_EQ(t.call("DELETE", kV1 + "/gateway-networks/" + gn + "?cleanup_dhcp=true").status, 204);
  EXPECT_EQ(str(t.call("GET", kV1 + "/gateway-networks/" + gn).json, "status"), "detaching");
  EXPECT_EQ(t.call("GET", kV1 + "/dhcps/" + dhcp_id).status, 404);
  EXPECT_EQ(num(t.call("GET", kV1 + "/dhcp-entries").json, "total_count"), 0);
  advance(t, 10);
  EXPECT_EQ(t.call("GET", kV1 + "/gateway-networks/" + gn).status, 404);
}

// An IPAM address attached to a NIC in the Private Network, written directly in the store.
std::string insert_nic_ip(testing::TestApp& t, const std::string& pn, const std::string& address,
                          const std::string& mac, const std::string& name) {
  auto r = resource::new_record(products::ipam::kIpKind, owner_of(t), "fr-par", t.clock().now());
  r.parent_id = pn;
  r.body = json::object{{"address", address},
                        {"is_ipv6", false},
                        {"source", json::object{{"subnet_id", new_uuid()}}},
                        {"resource", json::object{{"type", "instance_private_nic"},
                                                  {"id", new_uuid()},
                                                  {"mac_address", mac},
                                                  {"name", name}}},
                        {"reverses", json::array{}},
                        {"zone", nullptr}};
  t.store().write([&](store::Tx& tx) {
    tx.insert(r);
    return true;
  });
  return r.id;
}

TEST(VpcGwV1Networks, LeasesComeFromIpamAndBecomeReservations) {
  testing::TestApp t;
  auto [pn, gw] = network_and_booted_gateway(t, "leases", "172.16.20.0/22");
  auto r = dhcp_network(t, gw, pn, "192.168.30.0/24");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  auto gn = str(r.json, "id");
  auto lease_id = insert_nic_ip(t, pn, "172.16.20.5/22", "02:00:00:AA:BB:CC", "web-1");
  auto list = t.call("GET", kV1 + "/dhcp-entries?gateway_network_id=" + gn);
  ASSERT_EQ(list.status, 200) << list.raw.body;
  ASSERT_EQ(num(list.json, "total_count"), 1);
  auto& lease = list.json.at("dhcp_entries").as_array().at(0);
  EXPECT_EQ(str(lease, "id"), lease_id);
  EXPECT_EQ(str(lease, "type"), "lease");
  EXPECT_EQ(str(lease, "hostname"), "web-1");
  EXPECT_EQ(str(lease, "mac_address"), "02:00:00:aa:bb:cc");
  EXPECT_EQ(str(lease, "ip_address"), "172.16.20.5");
  EXPECT_EQ(str(t.call("GET", kV1 + "/dhcp-entries/" + lease_id).json, "type"), "lease");
  EXPECT_EQ(t.call("DELETE", kV1 + "/dhcp-entries/" + lease_id).status, 400);
  auto upd = t.call("PATCH", kV1 + "/dhcp-entries/" + lease_id, R"({"ip_address":"192.168.30.9"})");
  ASSERT_EQ(upd.status, 200) << upd.raw.body;
  EXPECT_EQ(str(upd.json, "id"), lease_id);
  EXPECT_EQ(str(upd.json, "type"), "reservation");
  auto again = t.call("GET", kV1 + "/dhcp-entries?gateway_network_id=" + gn);
  EXPECT_EQ(num(again.json, "total_count"), 1);
  EXPECT_EQ(str(again.json.at("dhcp_entries").as_array().at(0), "type"), "reservation");
  EXPECT_EQ(t.call("DELETE", kV1 + "/dhcp-entries/" + lease_id).status, 204);
  EXPECT_EQ(str(t.call("GET", kV1 + "/dhcp-entries/" + lease_id).json, "type"), "lease");
}

TEST(VpcGwV1Networks, MigrateToV2MovesDhcpNetworksToIpam) {
  testing::TestApp t;
  auto [pn, gw] = network_and_booted_gateway(t, "net", "172.16.8.0/22");
  auto d = t.call("POST", kV1 + "/dhcps", R"({"subnet":"192.168.1.0/24"})");
  ASSERT_EQ(d.status, 200) << d.raw.body;
  auto r = t.call("POST", kV1 + "/gateway-networks",
                  R"({"gateway_id":")" + gw + R"(","private_network_id":")" + pn +
                      R"(","enable_masquerade":true,"dhcp_id":")" + str(d.json, "id") + R"("})");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  advance(t, 30);
  EXPECT_EQ(t.call("POST", kV1 + "/gateways/" + gw + "/migrate-to-v2", "{}").status, 204);
  auto got = t.call("GET", kV1 + "/gateways/" + gw);
  ASSERT_EQ(got.status, 200);
  EXPECT_FALSE(got.json.at("is_legacy").as_bool());
  auto& gn = got.json.at("gateway_networks").as_array().at(0);
  EXPECT_TRUE(gn.at("dhcp").is_null());
  ASSERT_TRUE(gn.at("ipam_config").is_object()) << json::serialize(gn);
  EXPECT_TRUE(gn.at("ipam_config").at("push_default_route").as_bool());
  // Static / DHCP configurations are refused on an IPAM-mode gateway.
  auto pn2 = insert_private_network(t, "net2", "172.16.12.0/22");
  advance(t, 30);
  auto legacy = t.call("POST", kV1 + "/gateway-networks",
                       R"({"gateway_id":")" + gw + R"(","private_network_id":")" + pn2 +
                           R"(","enable_masquerade":true,"address":"192.168.2.1/24"})");
  EXPECT_EQ(legacy.status, 400) << legacy.raw.body;
}

}  // namespace
}  // namespace scwd
