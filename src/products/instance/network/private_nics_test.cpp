#include <gtest/gtest.h>

#include "products/catalogue/images.hpp"
#include "products/instance/private_nics.hpp"
#include "products/vpc/model.hpp"
#include "testing/helpers.hpp"
#include "testing/test_env.hpp"

namespace scwd {
namespace {

namespace json = boost::json;
using testing::advance;
using testing::str;
namespace vpc = products::vpc;

const std::string kZ = "/instance/v1/zones/fr-par-1";
const std::string kV2 = "/instance/v2alpha1/zones/fr-par-1";

// A Private Network in fr-par (IPv4 /22 + IPv6 /64), written straight to the store.
std::string make_pn(testing::TestApp& t, std::string region = "fr-par") {
  std::string id;
  t.store().write([&](store::Tx& tx) {
    store::Record v;
    v.id = new_uuid();
    v.locality = region;
    vpc::NewPrivateNetwork n;
    n.name = "pn";
    auto pn = vpc::create_private_network(
        tx, {t.identity().organization_id, t.identity().project_id}, v, n, t.clock().now());
    EXPECT_TRUE(pn.has_value());
    if (pn) id = pn->id;
    return true;
  });
  return id;
}

std::string make_server(testing::TestApp& t, std::string name = "srv") {
  auto* li = catalogue::resolve_label("ubuntu_jammy", "fr-par-1", "x86_64", "instance_local");
  EXPECT_NE(li, nullptr);
  auto r = t.call("POST", kZ + "/servers",
                  json::serialize(json::object{
                      {"name", name}, {"commercial_type", "DEV1-S"}, {"image", li ? li->id : ""}}));
  EXPECT_EQ(r.status, 201) << r.raw.body;
  return str(r.json.at("server"), "id");
}

json::array ipam_ips_of(testing::TestApp& t, const std::string& resource_id) {
  auto r = t.call("GET", "/ipam/v1/regions/fr-par/ips?resource_id=" + resource_id);
  EXPECT_EQ(r.status, 200) << r.raw.body;
  return r.status == 200 ? r.json.at("ips").as_array() : json::array{};
}

TEST(InstancePrivateNics, V1CreateBooksAddressesAndShowsOnTheServer) {
  testing::TestApp t;
  auto pn = make_pn(t);
  auto srv = make_server(t);
  auto r = t.call("POST", kZ + "/servers/" + srv + "/private_nics",
                  json::serialize(json::object{{"private_network_id", pn}, {"tags", {"a"}}}));
  ASSERT_EQ(r.status, 201) << r.raw.body;
  auto nic = r.json.at("private_nic").as_object();
  // Stopped server: available at once.
  EXPECT_EQ(nic.at("state"), "available");
  EXPECT_EQ(str(nic, "server_id"), srv);
  EXPECT_EQ(str(nic, "private_network_id"), pn);
  auto mac = str(nic, "mac_address");
  EXPECT_EQ(mac.substr(0, 9), "02:00:00:");
  ASSERT_EQ(nic.at("ipam_ip_ids").as_array().size(), 2u);
  for (auto key : {"id", "creation_date", "modification_date", "zone", "tags"})
    EXPECT_TRUE(nic.contains(key)) << key;

  auto ips = ipam_ips_of(t, str(nic, "id"));
  ASSERT_EQ(ips.size(), 2u);
  for (auto& ip : ips) {
    auto& res = ip.at("resource").as_object();
    EXPECT_EQ(res.at("type"), "instance_private_nic");
    EXPECT_EQ(res.at("name"), "srv");
    std::string upper = mac;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(res.at("mac_address"), json::value(upper));
  }

  auto s = t.call("GET", kZ + "/servers/" + srv);
  ASSERT_EQ(s.json.at("server").at("private_nics").as_array().size(), 1u);
  EXPECT_EQ(str(s.json.at("server").at("private_nics").as_array()[0], "id"), str(nic, "id"));

  // Same (server, PN) again: refused, nothing booked.
  auto dup = t.call("POST", kZ + "/servers/" + srv + "/private_nics",
                    json::serialize(json::object{{"private_network_id", pn}}));
  EXPECT_EQ(dup.status, 409) << dup.raw.body;
  auto all = t.call("GET", "/ipam/v1/regions/fr-par/ips");
  EXPECT_EQ(all.json.at("total_count").as_int64(), 2);

  // Rename the server: IPAM follows.
  auto up = t.call("PATCH", kZ + "/servers/" + srv, R"({"name":"renamed"})");
  ASSERT_EQ(up.status, 200) << up.raw.body;
  for (auto& ip : ipam_ips_of(t, str(nic, "id")))
    EXPECT_EQ(ip.at("resource").at("name"), "renamed");

  // Delete: the addresses go with it.
  auto del = t.call("DELETE", kZ + "/servers/" + srv + "/private_nics/" + str(nic, "id"));
  EXPECT_EQ(del.status, 204) << del.raw.body;
  EXPECT_TRUE(ipam_ips_of(t, str(nic, "id")).empty());
  auto gone = t.call("GET", kZ + "/servers/" + srv + "/private_nics/" + str(nic, "id"));
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.json.at("resource"), "instance_private_nic");
}

TEST(InstancePrivateNics, RunningServerSyncsThenAvailable) {
  testing::TestApp t;
  auto pn = make_pn(t);
  auto srv = make_server(t);
  ASSERT_EQ(t.call("POST", kZ + "/servers/" + srv + "/action", R"({"action":"poweron"})").status,
            202);
  advance(t, 30);
  auto r = t.call("POST", kV2 + "/private-network-interfaces",
                  json::serialize(json::object{{"private_network_id", pn},
                                               {"project_id", t.identity().project_id},
                                               {"server_id", srv},
                                               {"ip_ids", nullptr},
                                               {"tags", nullptr}}));
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.json.at("status"), "attaching");
  EXPECT_EQ(r.json.at("security_group_id"), "");
  EXPECT_EQ(r.json.at("ip_ids").as_array().size(), 2u);
  auto id = str(r.json, "id");
  auto v1 = t.call("GET", kZ + "/servers/" + srv + "/private_nics/" + id);
  EXPECT_EQ(v1.json.at("private_nic").at("state"), "syncing");
  advance(t, 120);
  auto g = t.call("GET", kV2 + "/private-network-interfaces/" + id);
  EXPECT_EQ(g.json.at("status"), "available");
  auto list =
      t.call("GET", kV2 + "/private-network-interfaces?order_by=created_at_desc&server_ids=" + srv +
                        "&project_id=" + t.identity().project_id);
  ASSERT_EQ(list.status, 200) << list.raw.body;
  EXPECT_EQ(list.json.at("total_count").as_int64(), 1);
  EXPECT_FALSE(list.json.as_object().contains("next_page_token"));

  // Terminate: the NIC and its addresses are gone.
  ASSERT_EQ(t.call("POST", kZ + "/servers/" + srv + "/action", R"({"action":"terminate"})").status,
            202);
  advance(t, 60);
  EXPECT_EQ(t.call("GET", kV2 + "/private-network-interfaces/" + id).status, 404);
  EXPECT_TRUE(ipam_ips_of(t, id).empty());
}

TEST(InstancePrivateNics, UserBookedAddressesAreDetachedNotReleased) {
  testing::TestApp t;
  auto pn = make_pn(t);
  auto srv = make_server(t);
  auto ip = t.call("POST", "/ipam/v1/regions/fr-par/ips",
                   json::serialize(json::object{{"project_id", t.identity().project_id},
                                                {"source", {{"private_network_id", pn}}},
                                                {"is_ipv6", false}}));
  ASSERT_EQ(ip.status, 200) << ip.raw.body;
  auto ip_id = str(ip.json, "id");
  auto r = t.call("POST", kZ + "/servers/" + srv + "/private_nics",
                  json::serialize(json::object{{"private_network_id", pn},
                                               {"ipam_ip_ids", json::array{json::value(ip_id)}}}));
  ASSERT_EQ(r.status, 201) << r.raw.body;
  auto nic = r.json.at("private_nic").as_object();
  ASSERT_EQ(nic.at("ipam_ip_ids").as_array().size(), 1u);
  EXPECT_EQ(nic.at("ipam_ip_ids").as_array()[0], json::value(ip_id));
  auto got = t.call("GET", "/ipam/v1/regions/fr-par/ips/" + ip_id);
  EXPECT_EQ(got.json.at("resource").at("id"), json::value(str(nic, "id")));
  // Deleting the server removes the NIC; the user's IP stays booked, detached.
  ASSERT_EQ(t.call("DELETE", kZ + "/servers/" + srv).status, 204);
  got = t.call("GET", "/ipam/v1/regions/fr-par/ips/" + ip_id);
  ASSERT_EQ(got.status, 200) << got.raw.body;
  EXPECT_TRUE(got.json.at("resource").is_null());
}

TEST(InstancePrivateNics, ErrorsChangeNothing) {
  testing::TestApp t;
  auto pn = make_pn(t);
  auto other_region = make_pn(t, "nl-ams");
  auto srv = make_server(t);
  auto base = kZ + "/servers/" + srv + "/private_nics";
  auto unknown = new_uuid();
  auto r = t.call("POST", kZ + "/servers/" + unknown + "/private_nics",
                  json::serialize(json::object{{"private_network_id", pn}}));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json.at("resource"), "instance_server");
  r = t.call("POST", base, json::serialize(json::object{{"private_network_id", unknown}}));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json.at("resource"), "private_network");
  r = t.call("POST", base, json::serialize(json::object{{"private_network_id", other_region}}));
  EXPECT_EQ(r.status, 404) << r.raw.body;
  r = t.call("POST", base, "{}");
  EXPECT_EQ(r.status, 400);
  r = t.call("POST", base,
             json::serialize(json::object{{"private_network_id", pn},
                                          {"ipam_ip_ids", json::array{json::value(unknown)}}}));
  EXPECT_EQ(r.status, 404) << r.raw.body;
  EXPECT_EQ(t.call("GET", base).json.at("private_nics").as_array().size(), 0u);
  EXPECT_EQ(t.call("GET", "/ipam/v1/regions/fr-par/ips").json.at("total_count").as_int64(), 0);
  EXPECT_EQ(t.call("GET", base + "/" + unknown).status, 404);
  EXPECT_EQ(t.call("GET", kV2 + "/private-network-interfaces/" + unknown).json.at("resource"),
            "instance_private_nic");
  EXPECT_EQ(t.call("DELETE", kV2 + "/private-network-interfaces/" + unknown).status, 404);
}

TEST(InstancePrivateNics, AtMostEightPerServerAndServerFilters) {
  testing::TestApp t;
  auto srv = make_server(t);
  auto other = make_server(t, "other");
  std::vector<std::string> pns;
  std::string first_mac;
  for (int i = 0; i < 9; ++i) {
    pns.push_back(make_pn(t));
    auto r = t.call("POST", kZ + "/servers/" + srv + "/private_nics",
                    json::serialize(json::object{{"private_network_id", pns.back()}}));
    EXPECT_EQ(r.status, i < 8 ? 201 : 400) << i << r.raw.body;
    if (i == 0) first_mac = str(r.json.at("private_nic"), "mac_address");
  }
  auto list = t.call("GET", kZ + "/servers?private_network=" + pns[0]);
  ASSERT_EQ(list.status, 200) << list.raw.body;
  ASSERT_EQ(list.json.at("servers").as_array().size(), 1u);
  EXPECT_EQ(str(list.json.at("servers").as_array()[0], "id"), srv);
  list = t.call("GET", kZ + "/servers?private_networks=" + pns[8] + "," + new_uuid());
  EXPECT_EQ(list.json.at("servers").as_array().size(), 0u);
  list = t.call("GET", kZ + "/servers?private_nic_mac_address=" + first_mac);
  EXPECT_EQ(list.json.at("servers").as_array().size(), 1u);
  list = t.call("GET", kZ + "/servers");
  EXPECT_EQ(list.json.at("servers").as_array().size(), 2u);
  auto nics = t.call("GET", kZ + "/servers/" + srv + "/private_nics?per_page=1");
  ASSERT_EQ(nics.status, 200);
  auto nic_id = str(nics.json.at("private_nics").as_array()[0], "id");
  auto ips = ipam_ips_of(t, nic_id);
  ASSERT_FALSE(ips.empty());
  auto addr = str(ips[0], "address");
  addr = addr.substr(0, addr.find('/'));
  list = t.call("GET", kZ + "/servers?private_ip=" + addr);
  ASSERT_EQ(list.json.at("servers").as_array().size(), 1u);
  EXPECT_EQ(str(list.json.at("servers").as_array()[0], "id"), srv);
  list = t.call("GET", kZ + "/servers?with_ip=" + addr);
  EXPECT_EQ(list.json.at("servers").as_array().size(), 1u);
  list = t.call("GET", kZ + "/servers?private_ip=10.1.2.3");
  EXPECT_EQ(list.json.at("servers").as_array().size(), 0u);
  auto d = t.call("GET", kZ + "/dashboard");
  EXPECT_EQ(d.json.at("dashboard").at("private_nics_count").as_int64(), 8);
  (void)other;
}

TEST(InstancePrivateNics, V2DetachedInterfaceAttachAndDetach) {
  testing::TestApp t;
  auto pn = make_pn(t);
  auto srv = make_server(t);
  auto r =
      t.call("POST", kV2 + "/private-network-interfaces",
             json::serialize(json::object{{"private_network_id", pn}, {"ip_ids", json::array{}}}));
  ASSERT_EQ(r.status, 200) << r.raw.body;
  auto id = str(r.json, "id");
  EXPECT_EQ(r.json.at("server_id"), "");
  auto a = t.call("POST", kV2 + "/servers/" + srv + "/attach-private-network-interface",
                  json::serialize(json::object{{"private_network_interface_id", id}}));
  ASSERT_EQ(a.status, 200) << a.raw.body;
  EXPECT_EQ(a.json.at("private_network_interfaces").as_array().size(), 1u);
  EXPECT_EQ(a.json.at("status"), "stopped");
  auto p = t.call("PATCH", kV2 + "/private-network-interfaces/" + id, R"({"tags":["x","y"]})");
  ASSERT_EQ(p.status, 200) << p.raw.body;
  EXPECT_EQ(p.json.at("tags").as_array().size(), 2u);
  EXPECT_EQ(p.json.at("server_id"), json::value(srv));
  auto d = t.call("POST", kV2 + "/servers/" + srv + "/detach-private-network-interface",
                  json::serialize(json::object{{"private_network_interface_id", id}}));
  ASSERT_EQ(d.status, 200) << d.raw.body;
  EXPECT_EQ(d.json.at("private_network_interfaces").as_array().size(), 0u);
  d = t.call("POST", kV2 + "/servers/" + srv + "/detach-private-network-interface",
             json::serialize(json::object{{"private_network_interface_id", id}}));
  EXPECT_EQ(d.status, 412) << d.raw.body;
  EXPECT_EQ(t.call("DELETE", kV2 + "/private-network-interfaces/" + id).status, 204);
  EXPECT_TRUE(ipam_ips_of(t, id).empty());
}

}  // namespace
}  // namespace scwd
