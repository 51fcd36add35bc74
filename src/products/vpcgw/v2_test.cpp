#include <gtest/gtest.h>

#include "products/vpcgw/model.hpp"
#include "testing/helpers.hpp"
#include "testing/test_env.hpp"

namespace scwd {
namespace {

namespace json = boost::json;

const std::string kGw = "/vpc-gw/v2/zones/fr-par-1";

using namespace testing;  // the shared test helpers (str, num, advance, created_id)
bool has(const json::value& v, std::string_view key) { return v.as_object().contains(key); }

std::string create_gateway(testing::TestApp& t, const std::string& body = R"({"name":"gw",
    "type":"VPC-GW-S","enable_smtp":false,"enable_bastion":false})") {
  return created_id(t, kGw + "/gateways", body);
}

std::string create_pn(testing::TestApp& t, const std::string& region = "fr-par",
                      const std::string& subnet = "172.16.64.0/22") {
  return created_id(t, "/vpc/v2/regions/" + region + "/private-networks",
                    R"({"name":"pn","subnets":[")" + subnet + R"("]})");
}

TEST(VpcGwV2Types, ListsTheFourOffersInBps) {
  testing::TestApp t;
  auto r = t.call("GET", kGw + "/gateway-types");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  auto& types = r.json.as_object().at("types").as_array();
  ASSERT_EQ(types.size(), 4u);
  EXPECT_EQ(str(types[0], "name"), "VPC-GW-S");
  EXPECT_EQ(num(types[0], "bandwidth"), 100000000);
  EXPECT_EQ(str(types[3], "name"), "VPC-GW-XL");
  EXPECT_EQ(str(types[3], "zone"), "fr-par-1");
}

TEST(VpcGwV2Gateways, CreateAllocatesIpThenRuns) {
  testing::TestApp t;
  auto r = t.call("POST", kGw + "/gateways",
                  R"({"name":"gw","type":"VPC-GW-M","enable_smtp":false,"enable_bastion":true})");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(str(r.json, "status"), "allocating");
  EXPECT_EQ(num(r.json, "bandwidth"), 1000);
  EXPECT_EQ(num(r.json, "bastion_port"), 61000);
  EXPECT_FALSE(has(r.json, "version"));
  EXPECT_FALSE(has(r.json, "can_upgrade_to"));
  EXPECT_EQ(r.json.at("bastion_allowed_ips").as_array().size(), 1u);
  auto& ip = r.json.at("ipv4");
  auto addr = str(ip, "address");
  EXPECT_EQ(str(ip, "gateway_id"), str(r.json, "id"));
  EXPECT_NE(str(ip, "reverse").find(".instances.scw.cloud"), std::string::npos);
  auto id = str(r.json, "id");
  // A concurrent change while allocating is refused.
  auto busy = t.call("POST", kGw + "/gateways/" + id + "/refresh-ssh-keys", "{}");
  EXPECT_EQ(busy.status, 409) << busy.raw.body;
  EXPECT_EQ(str(busy.json, "type"), "transient_state");
  EXPECT_EQ(str(busy.json, "resource"), "gateway");
  advance(t, 15);
  auto got = t.call("GET", kGw + "/gateways/" + id);
  EXPECT_EQ(str(got.json, "status"), "running");
  EXPECT_EQ(str(got.json, "version"), std::string(products::vpcgw::kGatewayVersion));
  auto list = t.call("GET", kGw + "/gateways?types=VPC-GW-M&status=running");
  EXPECT_EQ(num(list.json, "total_count"), 1);
  auto none = t.call("GET", kGw + "/gateways?types=VPC-GW-L");
  EXPECT_EQ(num(none.json, "total_count"), 0);
  auto ips = t.call("GET", kGw + "/ips?is_free=false");
  EXPECT_EQ(num(ips.json, "total_count"), 1);
}

TEST(VpcGwV2Gateways, UnknownTypeAndIdsAreRefused) {
  testing::TestApp t;
  auto r = t.call("POST", kGw + "/gateways", R"({"name":"gw","type":"VPC-GW-XXL"})");
  EXPECT_EQ(r.status, 400) << r.raw.body;
  auto ips = t.call("GET", kGw + "/ips");
  EXPECT_EQ(num(ips.json, "total_count"), 0);  // nothing allocated
  auto missing = t.call("GET", kGw + "/gateways/11111111-1111-4111-8111-111111111111");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(str(missing.json, "resource"), "gateway");
}

TEST(VpcGwV2Gateways, DeleteKeepsOrDeletesIp) {
  testing::TestApp t;
  auto a = create_gateway(t);
  auto b = create_gateway(t);
  advance(t, 15);
  auto d = t.call("DELETE", kGw + "/gateways/" + a + "?delete_ip=false");
  ASSERT_EQ(d.status, 200) << d.raw.body;
  EXPECT_EQ(str(d.json, "status"), "deleting");
  auto d2 = t.call("DELETE", kGw + "/gateways/" + b + "?delete_ip=true");
  ASSERT_EQ(d2.status, 200);
  advance(t, 5);
  EXPECT_EQ(t.call("GET", kGw + "/gateways/" + a).status, 404);
  auto free = t.call("GET", kGw + "/ips?is_free=true");
  EXPECT_EQ(num(free.json, "total_count"), 1);
  EXPECT_EQ(num(t.call("GET", kGw + "/ips").json, "total_count"), 1);
  // The free IP can be reused by a new gateway.
  auto ip_id = str(free.json.at("ips").as_array()[0], "id");
  auto c = t.call("POST", kGw + "/gateways", R"({"type":"VPC-GW-S","ip_id":")" + ip_id + "\"}");
  ASSERT_EQ(c.status, 200) << c.raw.body;
  EXPECT_EQ(str(c.json.at("ipv4"), "id"), ip_id);
  // An attached IP cannot be used twice nor deleted.
  auto dup = t.call("POST", kGw + "/gateways", R"({"type":"VPC-GW-S","ip_id":")" + ip_id + "\"}");
  EXPECT_EQ(dup.status, 400) << dup.raw.body;
  auto del = t.call("DELETE", kGw + "/ips/" + ip_id);
  EXPECT_EQ(del.status, 412) << del.raw.body;
}

TEST(VpcGwV2Gateways, UpgradeBastionAndRefresh) {
  testing::TestApp t;
  auto id = create_gateway(t);
  advance(t, 15);
  auto up = t.call("POST", kGw + "/gateways/" + id + "/upgrade", R"({"type":"VPC-GW-L"})");
  ASSERT_EQ(up.status, 200) << up.raw.body;
  EXPECT_EQ(str(up.json, "type"), "VPC-GW-L");
  EXPECT_EQ(num(up.json, "bandwidth"), 3000);
  advance(t, 1);
  EXPECT_EQ(str(t.call("GET", kGw + "/gateways/" + id).json, "status"), "configuring");
  EXPECT_EQ(t.call("POST", kGw + "/gateways/" + id + "/upgrade", "{}").status, 409);
  advance(t, 10);
  auto bad = t.call("POST", kGw + "/gateways/" + id + "/upgrade", R"({"type":"nope"})");
  EXPECT_EQ(bad.status, 400);

  auto add = t.call("POST", kGw + "/gateways/" + id + "/bastion-allowed-ips",
                    R"({"ip_range":"10.0.0.0/24"})");
  ASSERT_EQ(add.status, 200) << add.raw.body;
  EXPECT_EQ(add.json.at("ip_ranges").as_array().size(), 2u);
  advance(t, 2);
  auto del = t.call("DELETE", kGw + "/gateways/" + id + "/bastion-allowed-ips/10.0.0.0%2F24");
  EXPECT_EQ(del.status, 204) << del.raw.body;
  advance(t, 2);
  auto set = t.call("PUT", kGw + "/gateways/" + id + "/bastion-allowed-ips",
                    R"({"ip_ranges":["192.168.1.0/24","1.2.3.4/32"]})");
  ASSERT_EQ(set.status, 200) << set.raw.body;
  EXPECT_EQ(set.json.at("ip_ranges").as_array().size(), 2u);
  advance(t, 2);
  auto bad_range = t.call("POST", kGw + "/gateways/" + id + "/bastion-allowed-ips",
                          R"({"ip_range":"not-a-cidr"})");
  EXPECT_EQ(bad_range.status, 400);

  auto patch = t.call("PATCH", kGw + "/gateways/" + id,
                      R"({"enable_bastion":true,"bastion_port":59999,"name":"renamed"})");
  ASSERT_EQ(patch.status, 200) << patch.raw.body;
  EXPECT_EQ(str(patch.json, "status"), "running");
  EXPECT_EQ(num(patch.json, "bastion_port"), 59999);
  EXPECT_EQ(str(patch.json, "name"), "renamed");
  advance(t, 2);
  auto refresh = t.call("POST", kGw + "/gateways/" + id + "/refresh-ssh-keys", "{}");
  ASSERT_EQ(refresh.status, 200);
  advance(t, 1);
  EXPECT_EQ(str(t.call("GET", kGw + "/gateways/" + id).json, "status"), "configuring");
  advance(t, 10);
  EXPECT_EQ(str(t.call("GET", kGw + "/gateways/" + id).json, "status"), "running");
}

TEST(VpcGwV2PatRules, CreateUpdateSetDelete) {
  testing::TestApp t;
  auto gw = create_gateway(t);
  advance(t, 15);
  auto rule = [&](int pub, const std::string& proto) {
    return t.call("POST", kGw + "/pat-rules",
                  R"({"gateway_id":")" + gw + R"(","public_port":)" + std::to_string(pub) +
                      R"(,"private_ip":"192.168.1.10","private_port":22,"protocol":")" + proto +
                      "\"}");
  };
  auto a = rule(2222, "tcp");
  ASSERT_EQ(a.status, 200) << a.raw.body;
  EXPECT_EQ(str(a.json, "protocol"), "tcp");
  EXPECT_EQ(rule(2222, "udp").status, 200);
  auto dup = rule(2222, "both");
  EXPECT_EQ(dup.status, 400) << dup.raw.body;
  auto bad_ip = t.call("POST", kGw + "/pat-rules",
                       R"({"gateway_id":")" + gw +
                           R"(","public_port":80,"private_ip":"fd00::1","private_port":80})");
  EXPECT_EQ(bad_ip.status, 400);
  auto id = str(a.json, "id");
  auto up = t.call("PATCH", kGw + "/pat-rules/" + id, R"({"private_port":2022})");
  ASSERT_EQ(up.status, 200) << up.raw.body;
  EXPECT_EQ(num(up.json, "private_port"), 2022);
  EXPECT_EQ(num(up.json, "public_port"), 2222);
  auto list = t.call("GET", kGw + "/pat-rules?gateway_ids=" + gw + "&protocol=tcp");
  EXPECT_EQ(num(list.json, "total_count"), 1);
  auto set = t.call(
      "PUT", kGw + "/pat-rules",
      R"({"gateway_id":")" + gw +
          R"(","pat_rules":[{"public_port":2222,"private_ip":"192.168.1.11","private_port":22,"protocol":"both"},
          {"public_port":8080,"private_ip":"192.168.1.12","private_port":80,"protocol":"tcp"}]})");
  ASSERT_EQ(set.status, 200) << set.raw.body;
  auto& rules = set.json.at("pat_rules").as_array();
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(str(rules[0], "id"), id);  // public_port is the key: updated in place
  EXPECT_EQ(str(rules[0], "private_ip"), "192.168.1.11");
  EXPECT_EQ(num(t.call("GET", kGw + "/pat-rules").json, "total_count"), 2);
  EXPECT_EQ(t.call("DELETE", kGw + "/pat-rules/" + id).status, 204);
  EXPECT_EQ(t.call("GET", kGw + "/pat-rules/" + id).status, 404);
  // Deleting the gateway deletes its rules.
  t.call("DELETE", kGw + "/gateways/" + gw);
  advance(t, 5);
  EXPECT_EQ(num(t.call("GET", kGw + "/pat-rules").json, "total_count"), 0);
}

TEST(VpcGwV2Ips, CreateUpdateReverseAndAttach) {
  testing::TestApp t;
  auto r = t.call("POST", kGw + "/ips", R"({"tags":["a"]})");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  auto id = str(r.json, "id");
  EXPECT_FALSE(has(r.json, "gateway_id"));
  auto rev = str(r.json, "reverse");
  auto up = t.call("PATCH", kGw + "/ips/" + id, R"({"reverse":"gw.example.com"})");
  ASSERT_EQ(up.status, 200) << up.raw.body;
  EXPECT_EQ(str(up.json, "reverse"), "gw.example.com");
  EXPECT_EQ(num(t.call("GET", kGw + "/ips?reverse=example").json, "total_count"), 1);
  auto reset = t.call("PATCH", kGw + "/ips/" + id, R"({"reverse":""})");
  EXPECT_EQ(str(reset.json, "reverse"), rev);
  auto gw = create_gateway(t);
  advance(t, 15);
  auto attach = t.call("PATCH", kGw + "/ips/" + id, R"({"gateway_id":")" + gw + "\"}");
  ASSERT_EQ(attach.status, 200) << attach.raw.body;
  EXPECT_EQ(str(attach.json, "gateway_id"), gw);
  EXPECT_EQ(str(t.call("GET", kGw + "/gateways/" + gw).json.at("ipv4"), "id"), id);
  EXPECT_EQ(num(t.call("GET", kGw + "/ips?is_free=true").json, "total_count"), 1);  // old one
  auto detach = t.call("PATCH", kGw + "/ips/" + id, R"({"gateway_id":""})");
  ASSERT_EQ(detach.status, 200);
  EXPECT_FALSE(has(detach.json, "gateway_id"));
  EXPECT_FALSE(has(t.call("GET", kGw + "/gateways/" + gw).json, "ipv4"));
  EXPECT_EQ(t.call("DELETE", kGw + "/ips/" + id).status, 204);
  EXPECT_EQ(t.call("GET", kGw + "/ips/" + id).status, 404);
}

TEST(VpcGwV2Networks, AttachBooksIpamAndBlocksConcurrentChanges) {
  testing::TestApp t;
  auto gw = create_gateway(t);
  auto pn = create_pn(t);
  auto pn2 = create_pn(t, "fr-par", "172.16.68.0/22");
  auto pn_ams = create_pn(t, "nl-ams", "172.16.72.0/22");
  ASSERT_FALSE(pn.empty());
  auto body = [&](const std::string& p) {
    return R"({"gateway_id":")" + gw + R"(","private_network_id":")" + p +
           R"(","enable_masquerade":false,"push_default_route":true})";
  };
  // While allocating: 409.
  auto early = t.call("POST", kGw + "/gateway-networks", body(pn));
  EXPECT_EQ(early.status, 409) << early.raw.body;
  advance(t, 15);
  auto wrong_region = t.call("POST", kGw + "/gateway-networks", body(pn_ams));
  EXPECT_EQ(wrong_region.status, 404) << wrong_region.raw.body;
  auto r = t.call("POST", kGw + "/gateway-networks", body(pn));
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(str(r.json, "status"), "created");
  EXPECT_TRUE(r.json.at("masquerade_enabled").as_bool());  // push_default_route enables it
  EXPECT_FALSE(has(r.json, "mac_address"));
  auto gn = str(r.json, "id");
  auto ipam_id = str(r.json, "ipam_ip_id");
  auto ipam = t.call("GET", "/ipam/v1/regions/fr-par/ips/" + ipam_id);
  ASSERT_EQ(ipam.status, 200) << ipam.raw.body;
  EXPECT_EQ(str(ipam.json, "address"), "172.16.64.2/22");
  EXPECT_EQ(str(ipam.json.at("resource"), "type"), "vpc_gateway_network");
  EXPECT_EQ(str(ipam.json.at("resource"), "id"), gn);
  auto g = t.call("GET", kGw + "/gateways/" + gw);
  EXPECT_EQ(str(g.json, "status"), "configuring");
  auto second = t.call("POST", kGw + "/gateway-networks", body(pn2));
  EXPECT_EQ(second.status, 409);
  EXPECT_EQ(str(second.json, "current_state"), "configuring");
  // The Private Network cannot be deleted while attached.
  EXPECT_EQ(t.call("DELETE", "/vpc/v2/regions/fr-par/private-networks/" + pn).status, 412);
  advance(t, 15);
  auto ready = t.call("GET", kGw + "/gateway-networks/" + gn);
  EXPECT_EQ(str(ready.json, "status"), "ready");
  EXPECT_EQ(str(ready.json, "mac_address").substr(0, 8), "02:00:00");
  EXPECT_EQ(str(t.call("GET", kGw + "/gateways/" + gw).json, "status"), "running");
  auto dup = t.call("POST", kGw + "/gateway-networks", body(pn));
  EXPECT_EQ(dup.status, 400) << dup.raw.body;
  auto by_pn = t.call("GET", kGw + "/gateways?private_network_ids=" + pn);
  EXPECT_EQ(num(by_pn.json, "total_count"), 1);
  EXPECT_EQ(
      num(t.call("GET", kGw + "/gateway-networks?masquerade_enabled=true").json, "total_count"), 1);
  EXPECT_EQ(
      num(t.call("GET", kGw + "/gateway-networks?masquerade_enabled=false").json, "total_count"),
      0);
  auto patch = t.call("PATCH", kGw + "/gateway-networks/" + gn, R"({"push_default_route":false})");
  ASSERT_EQ(patch.status, 200) << patch.raw.body;
  EXPECT_EQ(str(patch.json, "status"), "configuring");
  advance(t, 10);
  auto del = t.call("DELETE", kGw + "/gateway-networks/" + gn);
  ASSERT_EQ(del.status, 200) << del.raw.body;
  EXPECT_EQ(str(del.json, "status"), "detaching");
  advance(t, 10);
  EXPECT_EQ(t.call("GET", kGw + "/gateway-networks/" + gn).status, 404);
  EXPECT_EQ(t.call("GET", "/ipam/v1/regions/fr-par/ips/" + ipam_id).status, 404);
  EXPECT_EQ(t.call("DELETE", "/vpc/v2/regions/fr-par/private-networks/" + pn).status, 204);
}

TEST(VpcGwModel, ReverseAndTypes) {
  EXPECT_EQ(products::vpcgw::default_reverse("212.47.248.243"),
            "243-248-47-212.instances.scw.cloud");
  auto s = products::vpcgw::find_gateway_type("fr-par-1", "VPC-GW-S");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->bandwidth_bps, 100000000);
  EXPECT_FALSE(products::vpcgw::find_gateway_type("fr-par-1", "VPC-GW-XXL"));
  EXPECT_EQ(products::vpcgw::gateway_types("nl-ams-1").size(), 4u);
}

TEST(VpcGwV2Gateways, ListFiltersOtherOrganizationAndLegacy) {
  testing::TestApp t;
  create_gateway(t);
  auto other =
      t.call("GET", kGw + "/gateways?organization_id=11111111-1111-4111-8111-111111111111");
  EXPECT_EQ(other.status, 403) << other.raw.body;
  auto all = t.call("GET", kGw + "/gateways?include_legacy=true&order_by=name_desc&page_size=1");
  ASSERT_EQ(all.status, 200) << all.raw.body;
  EXPECT_EQ(num(all.json, "total_count"), 1);
  auto bad = t.call("GET", kGw + "/gateways?include_legacy=maybe");
  EXPECT_EQ(bad.status, 400);
  auto elsewhere = t.call("GET", "/vpc-gw/v2/zones/nl-ams-1/gateways");
  EXPECT_EQ(num(elsewhere.json, "total_count"), 0);
}

TEST(VpcGwV2Gateways, QuotaRefusesAndChangesNothing) {
  testing::TestApp t;
  t.config().quotas["vpcgw_gateways"] = 1;
  create_gateway(t);
  auto r = t.call("POST", kGw + "/gateways", R"({"type":"VPC-GW-S"})");
  EXPECT_EQ(r.status, 403) << r.raw.body;
  EXPECT_EQ(str(r.json, "type"), "quotas_exceeded");
  EXPECT_EQ(num(t.call("GET", kGw + "/ips").json, "total_count"), 1);
}

}  // namespace
}  // namespace scwd
