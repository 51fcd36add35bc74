#include <gtest/gtest.h>

#include "core/router/router.hpp"
#include "products/ipam/ipam.hpp"
#include "products/ipam/model.hpp"
#include "products/vpc/vpc.hpp"
#include "testing/helpers.hpp"
#include "testing/test_env.hpp"

namespace scwd {
namespace {

namespace json = boost::json;
namespace ipam = products::ipam;
namespace vpc = products::vpc;

const std::string kI = "/ipam/v1/regions/fr-par";

struct Fixture {
  testing::TestApp t;
  http::Request req;
  router::Params params;
  app::Principal principal;
  std::unique_ptr<app::Context> ctx;
  app::Owner owner;

  Fixture() {
    principal.organization_id = t.identity().organization_id;
    ctx = std::make_unique<app::Context>(req, params, nullptr, principal, t.app().services());
    owner = {t.identity().organization_id, t.identity().organization_id};
  }

  store::Record pn(store::Tx& tx, std::vector<std::string> subnets) {
    auto def = vpc::default_vpc(tx, owner, "fr-par", t.clock().now());
    vpc::NewPrivateNetwork n;
    n.name = "pn";
    n.subnets = std::move(subnets);
    return *vpc::create_private_network(tx, owner, def, n, t.clock().now());
  }

  ipam::Booking booking(const store::Record& pn) {
    ipam::Booking b;
    b.region = "fr-par";
    b.organization_id = owner.organization_id;
    b.project_id = owner.project_id;
    b.private_network_id = pn.id;
    return b;
  }
};

TEST(IpamContract, BooksFirstFreeAddressesAndHonoursChosenOnes) {
  Fixture f;
  auto tx = f.t.store().begin(store::TxMode::kWrite);
  auto pn = f.pn(*tx, {"10.0.0.0/28"});
  auto b = f.booking(pn);
  auto now = f.t.clock().now();
  std::vector<std::string> got;
  for (int i = 0; i < 12; ++i) {
    auto ip = ipam::book(*tx, *f.ctx, b, now);
    ASSERT_TRUE(ip) << i << " " << ip.error().serialize();
    got.push_back(ipam::plain_address(*ip));
    EXPECT_EQ(ip->body.at("address").as_string(), got.back() + "/28");
  }
  EXPECT_EQ(got.front(), "10.0.0.2");
  EXPECT_EQ(got.back(), "10.0.0.13");
  auto full = ipam::book(*tx, *f.ctx, b, now);
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().status(), 503);
  EXPECT_EQ(ipam::count_in_private_network(*tx, pn.id), 12);

  auto pn2 = f.pn(*tx, {"10.1.0.0/24"});
  auto b2 = f.booking(pn2);
  b2.address = "10.1.0.9";
  auto chosen = ipam::book(*tx, *f.ctx, b2, now);
  ASSERT_TRUE(chosen);
  EXPECT_EQ(ipam::plain_address(*chosen), "10.1.0.9");
  auto taken = ipam::book(*tx, *f.ctx, b2, now);
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().status(), 409);
  for (auto bad : {"10.1.0.0", "10.1.0.1", "10.1.0.254", "10.1.0.255", "10.2.0.5", "x"}) {
    b2.address = bad;
    auto r = ipam::book(*tx, *f.ctx, b2, now);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().status(), 400) << bad;
  }
  b2.address.reset();
  b2.project_id = new_uuid();
  EXPECT_FALSE(ipam::book(*tx, *f.ctx, b2, now));
  b2.project_id = f.owner.project_id;
  b2.private_network_id = new_uuid();
  auto missing = ipam::book(*tx, *f.ctx, b2, now);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().status(), 404);

  auto b6 = f.booking(pn2);
  b6.is_ipv6 = true;
  auto v6 = ipam::book(*tx, *f.ctx, b6, now);
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->body.at("is_ipv6").as_bool());
  std::string addr(v6->body.at("address").as_string());
  EXPECT_EQ(addr.substr(addr.size() - 3), "/64");
  EXPECT_EQ(addr.rfind(vpc::ula_prefix(f.owner.project_id) + ":", 0), 0u) << addr;
  EXPECT_EQ(v6->body.at("source").as_object().at("subnet_id"),
            json::value(vpc::subnets_of(pn2)[1].id));
}

TEST(IpamContract, AttachDetachRenameRelease) {
  Fixture f;
  auto tx = f.t.store().begin(store::TxMode::kWrite);
  auto pn = f.pn(*tx, {});
  auto now = f.t.clock().now();
  auto ip = ipam::book(*tx, *f.ctx, f.booking(pn), now);
  ASSERT_TRUE(ip);
  ipam::Resource nic{"instance_private_nic", new_uuid(), "02:00:00:aa:bb:cc", "srv"};
  auto a = ipam::attach(*tx, "fr-par", ip->id, pn.id, nic, now);
  ASSERT_TRUE(a);
  auto& res = a->body.at("resource").as_object();
  EXPECT_EQ(res.at("mac_address"), json::value("02:00:00:AA:BB:CC"));
  EXPECT_EQ(res.at("type"), json::value("instance_private_nic"));
  // Same resource again is fine; another resource or another PN is refused.
  EXPECT_TRUE(ipam::attach(*tx, "fr-par", ip->id, pn.id, nic, now));
  ipam::Resource other = nic;
  other.id = new_uuid();
  EXPECT_FALSE(ipam::attach(*tx, "fr-par", ip->id, pn.id, other, now));
  EXPECT_FALSE(ipam::attach(*tx, "fr-par", ip->id, new_uuid(), nic, now));
  auto missing = ipam::attach(*tx, "fr-par", new_uuid(), "", nic, now);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().status(), 404);

  ipam::rename_resource(*tx, nic.id, "renamed", now);
  EXPECT_EQ(ipam::find(*tx, "fr-par", ip->id)->body.at("resource").as_object().at("name"),
            json::value("renamed"));
  ipam::detach(*tx, "fr-par", ip->id, now);
  EXPECT_TRUE(ipam::find(*tx, "fr-par", ip->id)->body.at("resource").is_null());
  EXPECT_FALSE(ipam::find(*tx, "nl-ams", ip->id));
  ipam::release(*tx, "fr-par", ip->id);
  EXPECT_FALSE(ipam::find(*tx, "fr-par", ip->id));
  ipam::release(*tx, "fr-par", ip->id);  // no-op
  ipam::detach(*tx, "fr-par", ip->id, now);
  EXPECT_EQ(ipam::count_in_private_network(*tx, pn.id), 0);
}

TEST(IpamApi, BookCustomResourceListAndRelease) {
  testing::TestApp t;
  auto pn = t.call("POST", "/vpc/v2/regions/fr-par/private-networks", R"({"name":"pn"})");
  ASSERT_EQ(pn.status, 200);
  auto pn_id = testing::str(pn.json, "id");
  auto ip = t.call("POST", kI + "/ips",
                   R"({"source":{"private_network_id":")" + pn_id +
                       R"("},"resource":{"mac_address":"bc:24:11:74:d0:5a"},"tags":["x"]})");
  ASSERT_EQ(ip.status, 200) << ip.raw.body;
  auto id = testing::str(ip.json, "id");
  auto& res = ip.json.as_object().at("resource").as_object();
  EXPECT_EQ(res.at("id"), json::value(id));
  EXPECT_EQ(res.at("type"), json::value("custom"));
  EXPECT_EQ(res.at("mac_address"), json::value("BC:24:11:74:D0:5A"));
  EXPECT_TRUE(res.at("name").is_null());

  auto list = t.call("GET", kI + "/ips?resource_type=custom&attached=true&tags=x");
  EXPECT_EQ(list.json.as_object().at("total_count").as_int64(), 1);
  list = t.call("GET", kI + "/ips?mac_address=bc:24:11:74:d0:5a&is_ipv6=false");
  EXPECT_EQ(list.json.as_object().at("total_count").as_int64(), 1);
  list = t.call("GET", kI + "/ips?is_ipv6=true");
  EXPECT_EQ(list.json.as_object().at("total_count").as_int64(), 0);

  auto moved = t.call("POST", kI + "/ips/" + id + "/move",
                      R"({"from_resource":{"mac_address":"bc:24:11:74:d0:5a"}})");
  ASSERT_EQ(moved.status, 200) << moved.raw.body;
  EXPECT_TRUE(moved.json.as_object().at("resource").is_null());
  auto bad = t.call("POST", kI + "/ips", R"({"source":{"zonal":"fr-par-1"}})");
  EXPECT_EQ(bad.status, 400);
  auto set = t.call("POST", kI + "/ip-sets/release", R"({"ip_ids":[")" + id + R"("]})");
  EXPECT_EQ(set.status, 204) << set.raw.body;
  auto gone = t.call("GET", kI + "/ips/" + id);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(testing::str(gone.json, "resource"), "ip");
}

TEST(IpamApi, AttachDetachReversesAndAddressesOfResources) {
  testing::TestApp t;
  auto pn = t.call("POST", "/vpc/v2/regions/fr-par/private-networks", R"({"name":"pn"})");
  auto ip = t.call("POST", kI + "/ips",
                   R"({"source":{"private_network_id":")" + testing::str(pn.json, "id") + R"("}})");
  ASSERT_EQ(ip.status, 200) << ip.raw.body;
  auto id = testing::str(ip.json, "id");
  const std::string mac = R"({"resource":{"mac_address":"02:00:00:00:00:01","name":"n"}})";
  auto att = t.call("POST", kI + "/ips/" + id + "/attach", mac);
  ASSERT_EQ(att.status, 200) << att.raw.body;
  EXPECT_EQ(testing::str(testing::obj(att.json, "resource"), "name"), "n");
  EXPECT_EQ(t.call("POST", kI + "/ips/" + id + "/attach", mac).status, 412);

  {
    auto tx = t.app().services().store.begin(store::TxMode::kRead);
    auto found = ipam::attached_to(*tx, {id, new_uuid()});
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].id, id);
    EXPECT_EQ(found[0].private_network_id, testing::str(pn.json, "id"));
    ASSERT_TRUE(found[0].resource);
    EXPECT_EQ(found[0].resource->type, "custom");
    EXPECT_EQ(found[0].resource->name, "n");
    EXPECT_EQ(found[0].address.find('/'), std::string::npos);
    EXPECT_TRUE(ipam::attached_to(*tx, {}).empty());
  }

  auto rev = t.call("PATCH", kI + "/ips/" + id,
                    R"({"reverses":[{"hostname":"h.example","address":"1.2.3.4"}],"tags":["t"]})");
  ASSERT_EQ(rev.status, 200) << rev.raw.body;
  EXPECT_EQ(rev.json.as_object().at("reverses").as_array().size(), 1u);
  EXPECT_EQ(rev.json.as_object().at("tags").as_array().size(), 1u);
  EXPECT_EQ(t.call("PATCH", kI + "/ips/" + id, R"({"reverses":[1]})").status, 400);
  auto det = t.call("POST", kI + "/ips/" + id + "/detach",
                    R"({"resource":{"mac_address":"02:00:00:00:00:02"}})");
  EXPECT_EQ(det.status, 400);
  det = t.call("POST", kI + "/ips/" + id + "/detach", mac);
  ASSERT_EQ(det.status, 200) << det.raw.body;
  EXPECT_TRUE(det.json.as_object().at("resource").is_null());
  EXPECT_EQ(t.call("DELETE", kI + "/ips/" + id).status, 204);
  EXPECT_EQ(t.call("GET", kI + "/ips/not-a-uuid").status, 400);
}

}  // namespace
}  // namespace scwd
