#include "products/baremetal/private_networks.hpp"

#include <gtest/gtest.h>

#include <set>

#include "products/baremetal/servers.hpp"
#include "products/vpc/vpc.hpp"
#include "testing/helpers.hpp"
#include "testing/test_env.hpp"

namespace scwd {
namespace {

namespace json = boost::json;
using testing::advance;
using testing::num;
using testing::str;
namespace baremetal = products::baremetal;
namespace vpc = products::vpc;

const std::string kV1 = "/baremetal/v1/zones/fr-par-2";
const std::string kV3 = "/baremetal/v3/zones/fr-par-2";
const std::string kIps = "/ipam/v1/regions/fr-par/ips";

// A Private Network (IPv4 /22 + IPv6 /64) of the owner's project, written straight to the store.
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

// A delivered metal server in fr-par-2 as servers.hpp lays it out, with the Private Network
// option (or none).
std::string make_server(testing::TestApp& t, std::string name = "metal", bool pn_option = true) {
  store::Record s;
  s.kind = std::string(baremetal::kServerKind);
  s.id = new_uuid();
  s.organization_id = t.identity().organization_id;
  s.project_id = t.identity().project_id;
  s.locality = "fr-par-2";
  s.name = std::move(name);
  s.state = "ready";
  s.created_at = s.updated_at = t.clock().now();
  json::array options;
  if (pn_option)
    options.push_back(json::object{{"id", "cd4158d7-2d65-49be-8803-c4b8ab6f760c"},
                                   {"name", "Private Network"},
                                   {"status", "option_status_enable"},
                                   {"manageable", true},
                                   {"expires_at", nullptr},
                                   {"private_network", {{"bandwidth_in_bps", 1000000000}}}});
  s.body =
      json::object{{"description", ""},    {"offer_id", new_uuid()}, {"options", options},
                   {"ips", json::array{}}, {"install", nullptr},     {"_mac", "B4:83:51:0F:77:8C"}};
  t.store().write([&](store::Tx& tx) {
    tx.insert(s);
    return true;
  });
  return s.id;
}

json::array ipam_ips_of(testing::TestApp& t, const std::string& resource_id) {
  auto r = t.call("GET", kIps + "?resource_id=" + resource_id);
  EXPECT_EQ(r.status, 200) << r.raw.body;
  return r.status == 200 ? r.json.at("ips").as_array() : json::array{};
}

std::int64_t booked_count(testing::TestApp& t) {
  return num(t.call("GET", kIps).json, "total_count");
}

json::array list(testing::TestApp& t, const std::string& base, const std::string& query = "") {
  auto r = t.call("GET", base + "/server-private-networks?" + query);
  EXPECT_EQ(r.status, 200) << r.raw.body;
  return r.status == 200 ? r.json.at("server_private_networks").as_array() : json::array{};
}

std::string v3_set(const std::string& pn, json::array ips = {}) {
  return json::serialize(
      json::object{{"per_private_network_ipam_ip_ids", json::object{{pn, std::move(ips)}}}});
}

// An IPv4 address the user books in the Private Network.
std::string book_ip(testing::TestApp& t, const std::string& pn) {
  auto r = t.call("POST", kIps,
                  json::serialize(json::object{{"project_id", t.identity().project_id},
                                               {"source", {{"private_network_id", pn}}},
                                               {"is_ipv6", false}}));
  EXPECT_EQ(r.status, 200) << r.raw.body;
  return r.status == 200 ? str(r.json, "id") : std::string();
}

TEST(BaremetalPrivateNetworks, V3SetBooksAddressesThenAttaches) {
  testing::TestApp t;
  auto pn = make_pn(t);
  auto srv = make_server(t);
  auto r = t.call("PUT", kV3 + "/servers/" + srv + "/private-networks", v3_set(pn));
  ASSERT_EQ(r.status, 200) << r.raw.body;
  auto& items = r.json.at("server_private_networks").as_array();
  ASSERT_EQ(items.size(), 1u);
  auto a = items[0].as_object();
  EXPECT_EQ(a.at("status"), "attaching");
  EXPECT_EQ(str(a, "server_id"), srv);
  EXPECT_EQ(str(a, "private_network_id"), pn);
  EXPECT_EQ(str(a, "project_id"), t.identity().project_id);
  auto vlan = a.at("vlan").as_int64();
  EXPECT_GE(vlan, 1024);
  EXPECT_LE(vlan, 4000);
  for (auto key : {"created_at", "updated_at"}) EXPECT_TRUE(a.contains(key)) << key;
  auto& ids = a.at("ipam_ip_ids").as_array();
  ASSERT_EQ(ids.size(), 2u);  // one IPv4, one IPv6

  // IPAM shows them under the attachment, with the server's hardware MAC and name.
  auto ips = ipam_ips_of(t, str(a, "id"));
  ASSERT_EQ(ips.size(), 2u);
  std::set<bool> families;
  for (auto& ip : ips) {
    auto& res = ip.at("resource").as_object();
    EXPECT_EQ(res.at("type"), "baremetal_private_nic");
    EXPECT_EQ(res.at("mac_address"), "B4:83:51:0F:77:8C");
    EXPECT_EQ(res.at("name"), "metal");
    families.insert(ip.at("is_ipv6").as_bool());
  }
  EXPECT_EQ(families.size(), 2u);
  auto first = t.call("GET", kIps + "/" + std::string(ids[0].as_string()));
  EXPECT_FALSE(first.json.at("is_ipv6").as_bool());  // IPv4 first

  advance(t, 2);
  auto v3 = list(t, kV3, "server_id=" + srv);
  ASSERT_EQ(v3.size(), 1u);
  EXPECT_EQ(v3[0].at("status"), "attached");
  EXPECT_EQ(v3[0].at("vlan").as_int64(), vlan);
  // v1 shows the same attachment without the IPAM ids.
  auto v1 = list(t, kV1, "private_network_id=" + pn);
  ASSERT_EQ(v1.size(), 1u);
  EXPECT_EQ(v1[0].at("id"), a.at("id"));
  EXPECT_EQ(v1[0].at("status"), "attached");
  EXPECT_FALSE(v1[0].as_object().contains("ipam_ip_ids"));
}

TEST(BaremetalPrivateNetworks, V1AddListDelete) {
  testing::TestApp t;
  auto pn = make_pn(t);
  auto pn2 = make_pn(t);
  auto srv = make_server(t);
  auto other = make_server(t, "other");
  auto base = kV1 + "/servers/" + srv + "/private-networks";
  auto r = t.call("POST", base, json::serialize(json::object{{"private_network_id", pn}}));
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.json.at("status"), "attaching");
  EXPECT_FALSE(r.json.as_object().contains("ipam_ip_ids"));
  auto id = str(r.json, "id");
  EXPECT_EQ(ipam_ips_of(t, id).size(), 2u);

  // The same network again: refused in the platform's bare shape, nothing booked.
  auto dup = t.call("POST", base, json::serialize(json::object{{"private_network_id", pn}}));
  EXPECT_EQ(dup.status, 409) << dup.raw.body;
  EXPECT_TRUE(dup.json.as_object().contains("message"));
  EXPECT_FALSE(dup.json.as_object().contains("type"));
  EXPECT_EQ(booked_count(t), 2);

  // A second network gets another VLAN; another server joins the first network too.
  auto second = t.call("POST", base, json::serialize(json::object{{"private_network_id", pn2}}));
  ASSERT_EQ(second.status, 200) << second.raw.body;
  EXPECT_NE(second.json.at("vlan"), r.json.at("vlan"));
  ASSERT_EQ(t.call("POST", kV1 + "/servers/" + other + "/private-networks",
                   json::serialize(json::object{{"private_network_id", pn}}))
                .status,
            200);
  EXPECT_EQ(list(t, kV1).size(), 3u);
  EXPECT_EQ(list(t, kV1, "server_id=" + srv).size(), 2u);
  EXPECT_EQ(list(t, kV1, "private_network_id=" + pn).size(), 2u);
  EXPECT_EQ(list(t, kV1, "project_id=" + t.identity().project_id).size(), 3u);
  EXPECT_EQ(list(t, kV1, "project_id=" + new_uuid()).size(), 0u);
  auto desc = list(t, kV1, "server_id=" + srv + "&order_by=created_at_desc");
  ASSERT_EQ(desc.size(), 2u);
  EXPECT_EQ(desc[0].at("private_network_id"), json::value(pn2));
  auto paged = t.call("GET", kV1 + "/server-private-networks?page_size=1&page=2");
  EXPECT_EQ(num(paged.json, "total_count"), 3);
  EXPECT_EQ(paged.json.at("server_private_networks").as_array().size(), 1u);

  // Delete: detaching with its addresses given back at once, then gone.
  auto del = t.call("DELETE", base + "/" + pn);
  EXPECT_EQ(del.status, 204) << del.raw.body;
  auto leaving = list(t, kV3, "server_id=" + srv + "&private_network_id=" + pn);
  ASSERT_EQ(leaving.size(), 1u);
  EXPECT_EQ(leaving[0].at("status"), "detaching");
  EXPECT_TRUE(leaving[0].at("ipam_ip_ids").as_array().empty());
  EXPECT_TRUE(ipam_ips_of(t, id).empty());
  auto again = t.call("DELETE", base + "/" + pn);
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(again.json.at("message"), "Not Found");
  advance(t, 2);
  EXPECT_EQ(list(t, kV1, "server_id=" + srv).size(), 1u);
  // Joining again after leaving is a new attachment.
  auto back = t.call("POST", base, json::serialize(json::object{{"private_network_id", pn}}));
  ASSERT_EQ(back.status, 200) << back.raw.body;
  EXPECT_NE(str(back.json, "id"), id);
}

TEST(BaremetalPrivateNetworks, PrivateNetworkHoldingAServerCannotBeDeleted) {
  testing::TestApp t;
  auto pn = make_pn(t);
  auto srv = make_server(t);
  ASSERT_EQ(t.call("PUT", kV3 + "/servers/" + srv + "/private-networks", v3_set(pn)).status, 200);
  auto refused = t.call("DELETE", "/vpc/v2/regions/fr-par/private-networks/" + pn);
  EXPECT_EQ(refused.status, 412) << refused.raw.body;
  EXPECT_EQ(refused.json.at("precondition"), "resource_still_in_use");
  ASSERT_EQ(t.call("DELETE", kV3 + "/servers/" + srv + "/private-networks/" + pn).status, 204);
  EXPECT_EQ(t.call("DELETE", "/vpc/v2/regions/fr-par/private-networks/" + pn).status, 204);
}

TEST(BaremetalPrivateNetworks, SetReplacesTheWholeSet) {
  testing::TestApp t;
  auto a = make_pn(t);
  auto b = make_pn(t);
  auto srv = make_server(t);
  auto path = kV1 + "/servers/" + srv + "/private-networks";
  auto both = t.call("PUT", path,
                     json::serialize(json::object{{"private_network_ids", json::array{
                                                                              json::value(a),
                                                                              json::value(b),
                                                                          }}}));
  ASSERT_EQ(both.status, 200) << both.raw.body;
  ASSERT_EQ(both.json.at("server_private_networks").as_array().size(), 2u);
  advance(t, 2);
  auto before = list(t, kV3, "server_id=" + srv + "&private_network_id=" + b);
  ASSERT_EQ(before.size(), 1u);

  // Only b: a leaves, b stays as it was (same attachment, addresses and status).
  auto only_b =
      t.call("PUT", path,
             json::serialize(json::object{{"private_network_ids", json::array{json::value(b)}}}));
  ASSERT_EQ(only_b.status, 200) << only_b.raw.body;
  auto& items = only_b.json.at("server_private_networks").as_array();
  ASSERT_EQ(items.size(), 2u);
  for (auto& it : items) {
    if (it.at("private_network_id") == json::value(a)) {
      EXPECT_EQ(it.at("status"), "detaching");
    } else {
      EXPECT_EQ(it.at("id"), before[0].at("id"));
      EXPECT_EQ(it.at("status"), "attached");
    }
  }
  EXPECT_EQ(booked_count(t), 2);
  advance(t, 2);
  EXPECT_EQ(list(t, kV1, "server_id=" + srv).size(), 1u);

  // The empty set leaves them all, and needs no option.
  auto none = t.call("PUT", kV3 + "/servers/" + srv + "/private-networks",
                     R"({"per_private_network_ipam_ip_ids":{}})");
  ASSERT_EQ(none.status, 200) << none.raw.body;
  EXPECT_EQ(none.json.at("server_private_networks").at(0).at("status"), "detaching");
  EXPECT_EQ(booked_count(t), 0);
}

TEST(BaremetalPrivateNetworks, UserBookedAddressesAreAttachedThenDetachedNotReleased) {
  testing::TestApp t;
  auto pn = make_pn(t);
  auto srv = make_server(t);
  auto ip7 = book_ip(t, pn);
  auto ip9 = book_ip(t, pn);
  auto r = t.call("POST", kV3 + "/servers/" + srv + "/private-networks",
                  json::serialize(json::object{{"private_network_id", pn},
                                               {"ipam_ip_ids", json::array{json::value(ip7)}}}));
  ASSERT_EQ(r.status, 200) << r.raw.body;
  auto id = str(r.json, "id");
  ASSERT_EQ(r.json.at("ipam_ip_ids").as_array().size(), 1u);
  EXPECT_EQ(t.call("GET", kIps + "/" + ip7).json.at("resource").at("id"), json::value(id));

  // The v3 filter by IPAM id.
  EXPECT_EQ(list(t, kV3, "ipam_ip_ids=" + ip7).size(), 1u);
  EXPECT_EQ(list(t, kV3, "ipam_ip_ids=" + ip9).size(), 0u);

  // PUT the same network with both addresses: the attachment keeps its id and takes the new one.
  auto two = t.call("PUT", kV3 + "/servers/" + srv + "/private-networks",
                    v3_set(pn, json::array{json::value(ip7), json::value(ip9)}));
  ASSERT_EQ(two.status, 200) << two.raw.body;
  auto& a = two.json.at("server_private_networks").at(0).as_object();
  EXPECT_EQ(str(a, "id"), id);
  EXPECT_EQ(a.at("ipam_ip_ids").as_array().size(), 2u);
  EXPECT_EQ(t.call("GET", kIps + "/" + ip9).json.at("resource").at("id"), json::value(id));
  EXPECT_EQ(list(t, kV3, "ipam_ip_ids=" + ip9).size(), 1u);

  // Leaving: the user's addresses stay booked, attached to nothing.
  ASSERT_EQ(t.call("DELETE", kV3 + "/servers/" + srv + "/private-networks/" + pn).status, 204);
  for (auto& ip : {ip7, ip9}) {
    auto got = t.call("GET", kIps + "/" + ip);
    ASSERT_EQ(got.status, 200) << got.raw.body;
    EXPECT_TRUE(got.json.at("resource").is_null());
  }
}

TEST(BaremetalPrivateNetworks, TheServerNeedsThePrivateNetworkOption) {
  testing::TestApp t;
  auto pn = make_pn(t);
  auto srv = make_server(t, "bare", false);
  auto r = t.call("POST", kV1 + "/servers/" + srv + "/private-networks",
                  json::serialize(json::object{{"private_network_id", pn}}));
  EXPECT_EQ(r.status, 412) << r.raw.body;
  EXPECT_TRUE(r.json.as_object().contains("message"));
  EXPECT_FALSE(r.json.as_object().contains("type"));
  r = t.call("PUT", kV3 + "/servers/" + srv + "/private-networks", v3_set(pn));
  EXPECT_EQ(r.status, 412) << r.raw.body;
  EXPECT_EQ(booked_count(t), 0);
  EXPECT_TRUE(list(t, kV3).empty());
}

TEST(BaremetalPrivateNetworks, ErrorsChangeNothing) {
  testing::TestApp t;
  auto pn = make_pn(t);
  auto elsewhere = make_pn(t, "nl-ams");
  auto other_pn = make_pn(t);
  auto srv = make_server(t);
  auto unknown = new_uuid();
  auto v1 = kV1 + "/servers/" + srv + "/private-networks";
  auto v3 = kV3 + "/servers/" + srv + "/private-networks";
  auto add = [](const std::string& id) {
    return json::serialize(json::object{{"private_network_id", id}});
  };

  auto r = t.call("POST", kV1 + "/servers/" + unknown + "/private-networks", add(pn));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json.at("message"), "Not Found");
  // A server of another zone is not found in this one.
  r = t.call("POST", "/baremetal/v1/zones/fr-par-1/servers/" + srv + "/private-networks", add(pn));
  EXPECT_EQ(r.status, 404);
  r = t.call("POST", v1, add(unknown));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.json.at("resource"), "private_network");
  r = t.call("POST", v1, add(elsewhere));  // another region's network
  EXPECT_EQ(r.status, 404) << r.raw.body;
  r = t.call("POST", v1, "{}");
  EXPECT_EQ(r.status, 400) << r.raw.body;
  r = t.call("POST", v1, add("not-a-uuid"));
  EXPECT_EQ(r.status, 400) << r.raw.body;
  // An address of another network, an unknown one, a malformed one.
  auto foreign = book_ip(t, other_pn);
  for (auto& ip : {foreign, unknown, std::string("nope")}) {
    r = t.call("POST", v3,
               json::serialize(json::object{{"private_network_id", pn},
                                            {"ipam_ip_ids", json::array{json::value(ip)}}}));
    EXPECT_GE(r.status, 400) << ip;
    EXPECT_LT(r.status, 500) << r.raw.body;
  }
  // PUT: malformed map keys, values, a missing set; one bad network spoils the whole set.
  for (auto body :
       {std::string(R"({"per_private_network_ipam_ip_ids":{"x":[]}})"),
        R"({"per_private_network_ipam_ip_ids":{")" + pn + R"(":"a"}})",
        R"({"per_private_network_ipam_ip_ids":{")" + pn + R"(":[1]}})", std::string("{}"),
        R"({"per_private_network_ipam_ip_ids":{")" + pn + R"(":[],")" + unknown + R"(":[]}})"}) {
    r = t.call("PUT", v3, body);
    EXPECT_GE(r.status, 400) << body;
    EXPECT_LT(r.status, 500) << r.raw.body;
  }
  r = t.call("PUT", v1, R"({"private_network_ids":["nope"]})");
  EXPECT_EQ(r.status, 400) << r.raw.body;
  r = t.call("PUT", v1, "{}");
  EXPECT_EQ(r.status, 400) << r.raw.body;
  r = t.call("DELETE", v1 + "/" + pn);
  EXPECT_EQ(r.status, 404);
  r = t.call("GET", kV3 + "/server-private-networks?ipam_ip_ids=nope");
  EXPECT_EQ(r.status, 400) << r.raw.body;

  EXPECT_TRUE(list(t, kV3).empty());
  EXPECT_EQ(booked_count(t), 1);  // the foreign address alone
  EXPECT_TRUE(t.call("GET", kIps + "/" + foreign).json.at("resource").is_null());
}

TEST(BaremetalPrivateNetworks, RemovingTheServerFreesEverything) {
  testing::TestApp t;
  auto pn = make_pn(t);
  auto pn2 = make_pn(t);
  auto srv = make_server(t);
  auto mine = book_ip(t, pn2);
  auto put =
      t.call("PUT", kV3 + "/servers/" + srv + "/private-networks",
             json::serialize(json::object{
                 {"per_private_network_ipam_ip_ids",
                  json::object{{pn, json::array{}}, {pn2, json::array{json::value(mine)}}}}}));
  ASSERT_EQ(put.status, 200) << put.raw.body;
  EXPECT_EQ(booked_count(t), 3);
  t.store().write([&](store::Tx& tx) {
    auto s = tx.get(baremetal::kServerKind, srv);
    EXPECT_TRUE(s.has_value());
    if (s) baremetal::remove_server_private_networks(tx, *s, t.clock().now());
    return true;
  });
  EXPECT_TRUE(list(t, kV3).empty());
  EXPECT_EQ(booked_count(t), 1);
  EXPECT_TRUE(t.call("GET", kIps + "/" + mine).json.at("resource").is_null());
  EXPECT_EQ(t.call("DELETE", "/vpc/v2/regions/fr-par/private-networks/" + pn).status, 204);
}

TEST(BaremetalPrivateNetworks, RenamedServerAndServerBeingDeleted) {
  testing::TestApp t;
  auto pn = make_pn(t);
  auto srv = make_server(t);
  auto r = t.call("PUT", kV3 + "/servers/" + srv + "/private-networks", v3_set(pn));
  ASSERT_EQ(r.status, 200) << r.raw.body;
  auto id = str(r.json.at("server_private_networks").at(0), "id");
  t.store().write([&](store::Tx& tx) {
    auto s = tx.get(baremetal::kServerKind, srv);
    EXPECT_TRUE(s.has_value());
    if (!s) return false;
    s->name = "renamed";
    s->state = "deleting";
    tx.update(*s);
    baremetal::rename_server_private_networks(tx, *s, t.clock().now());
    return true;
  });
  for (auto& ip : ipam_ips_of(t, id)) EXPECT_EQ(ip.at("resource").at("name"), "renamed");
  // A server on its way out joins nothing more (its networks were let go of already).
  auto pn2 = make_pn(t);
  auto late = t.call("POST", kV3 + "/servers/" + srv + "/private-networks",
                     json::serialize(json::object{{"private_network_id", pn2}}));
  EXPECT_EQ(late.status, 409) << late.raw.body;
  EXPECT_EQ(booked_count(t), 2);
}

}  // namespace
}  // namespace scwd
