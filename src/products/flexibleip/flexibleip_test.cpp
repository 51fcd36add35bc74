#include <gtest/gtest.h>

#include "core/util/ids.hpp"
#include "products/baremetal/servers.hpp"
#include "products/flexibleip/flexibleip.hpp"
#include "products/flexibleip/values.hpp"
#include "testing/helpers.hpp"

namespace scwd {
namespace {

namespace json = boost::json;
using namespace testing;  // NOLINT: the shared test helpers (str, num, advance, created_id)

const std::string kZ = "/flexible-ip/v1alpha1/zones/fr-par-1";

// An Elastic Metal server of the owner's organization, written as its product stores it.
std::string add_server(TestApp& t, const std::string& zone = "fr-par-1",
                       const std::string& status = "ready") {
  auto org = t.identity().organization_id;
  store::Record s{.kind = std::string(products::baremetal::kServerKind),
                  .id = new_uuid(),
                  .organization_id = org,
                  .project_id = org,
                  .locality = zone,
                  .name = "em",
                  .state = status,
                  .created_at = t.clock().now(),
                  .updated_at = t.clock().now()};
  s.body = {{"_mac", "B4:83:51:0F:77:8C"}, {"offer_name", "EM-A115X-SSD"}};
  auto tx = t.store().begin(store::TxMode::kWrite);
  tx->insert(s);
  tx->commit();
  return s.id;
}

std::string create_fip(TestApp& t, const std::string& body = R"({"description":""})") {
  return created_id(t, kZ + "/fips", body);
}

TestApp::Reply get(TestApp& t, const std::string& id) { return t.call("GET", kZ + "/fips/" + id); }

std::string attach_body(std::initializer_list<std::string> fips, const std::string& server) {
  json::array ids;
  for (auto& f : fips) ids.emplace_back(f);
  return json::serialize(json::object{{"fips_ids", ids}, {"server_id", server}});
}

TEST(FlexibleIpValues, ReversesMacsAndAddresses) {
  using namespace products::flexibleip;
  EXPECT_EQ(default_reverse("195.154.148.225"), "195-154-148-225.rev.poneytelecom.eu.");
  EXPECT_EQ(default_reverse("2001:bc8:702:6b7::/64"), "2001-bc8-702-6b7--.rev.poneytelecom.eu.");
  std::mt19937_64 rng(7);
  EXPECT_EQ(draw_mac("kvm", rng).substr(0, 9), "52:54:00:");
  EXPECT_EQ(draw_mac("xen", rng).substr(0, 9), "00:16:3e:");
  auto vmware = draw_mac("vmware", rng);
  EXPECT_EQ(vmware.substr(0, 9), "00:50:56:");
  EXPECT_LT(std::stoi(vmware.substr(9, 2), nullptr, 16), 0x40);
  for (std::string zone :
       {"fr-par-1", "fr-par-2", "nl-ams-1", "nl-ams-2", "pl-waw-2", "pl-waw-3"}) {
    auto a = draw_address(zone, false, rng);
    auto last = std::stoi(a.substr(a.rfind('.') + 1));
    EXPECT_TRUE(last > 1 && last < 255) << a;
    auto p = draw_address(zone, true, rng);
    EXPECT_EQ(p.rfind("2001:bc8:", 0), 0u) << p;
    EXPECT_EQ(p.substr(p.size() - 5), "::/64") << p;
  }
}

TEST(FlexibleIp, CreateGetListUpdateDelete) {
  TestApp t;
  auto id = create_fip(t, R"({"description":"web","tags":["a","b"],"is_ipv6":false})");
  auto r = get(t, id);
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(str(r.json, "status"), "ready");
  EXPECT_EQ(str(r.json, "zone"), "fr-par-1");
  EXPECT_EQ(str(r.json, "description"), "web");
  auto ip = str(r.json, "ip_address");
  EXPECT_TRUE(ip.rfind("195.154.", 0) == 0 || ip.rfind("62.210.", 0) == 0 ||
              ip.rfind("212.83.", 0) == 0)
      << ip;
  auto dashed = ip;
  std::replace(dashed.begin(), dashed.end(), '.', '-');
  EXPECT_EQ(str(r.json, "reverse"), dashed + ".rev.poneytelecom.eu.");
  EXPECT_TRUE(r.json.as_object().at("mac_address").is_null());
  EXPECT_TRUE(r.json.as_object().at("server_id").is_null());
  EXPECT_EQ(str(r.json, "project_id"), t.identity().organization_id);

  auto v6 = create_fip(t, R"({"description":"","is_ipv6":true})");
  auto r6 = get(t, v6);
  auto prefix = str(r6.json, "ip_address");
  EXPECT_EQ(prefix.substr(prefix.size() - 5), "::/64");
  auto rev6 = str(r6.json, "reverse");
  EXPECT_EQ(rev6.substr(rev6.size() - 23), "--.rev.poneytelecom.eu.") << rev6;

  auto list = t.call("GET", kZ + "/fips");
  ASSERT_EQ(list.status, 200) << list.raw.body;
  EXPECT_EQ(num(list.json, "total_count"), 2);
  auto tagged = t.call("GET", kZ + "/fips?tags=b&order_by=created_at_desc");
  EXPECT_EQ(num(tagged.json, "total_count"), 1);
  EXPECT_EQ(t.call("GET", "/flexible-ip/v1alpha1/zones/nl-ams-1/fips").json.at("total_count"), 0);
  auto paged = t.call("GET", kZ + "/fips?page=2&page_size=1");
  EXPECT_EQ(paged.json.at("flexible_ips").as_array().size(), 1u);
  EXPECT_EQ(t.call("GET", kZ + "/fips?page_size=101").status, 400);

  auto up = t.call("PATCH", kZ + "/fips/" + id,
                   R"({"description":"api","tags":["c"],"reverse":"api.example.com."})");
  ASSERT_EQ(up.status, 200) << up.raw.body;
  EXPECT_EQ(str(up.json, "reverse"), "api.example.com.");
  EXPECT_EQ(str(up.json, "description"), "api");
  auto bad = t.call("PATCH", kZ + "/fips/" + id, R"({"reverse":"not a name","description":"x"})");
  EXPECT_EQ(bad.status, 400) << bad.raw.body;
  EXPECT_EQ(str(bad.json, "type"), "invalid_arguments");
  EXPECT_EQ(str(get(t, id).json, "description"), "api");  // nothing changed
  auto reset = t.call("PATCH", kZ + "/fips/" + id, R"({"reverse":""})");
  EXPECT_EQ(str(reset.json, "reverse"), dashed + ".rev.poneytelecom.eu.");

  EXPECT_EQ(t.call("DELETE", kZ + "/fips/" + id).status, 204);
  // The released address is the platform's again: its id answers permissions_denied.
  auto gone = get(t, id);
  EXPECT_EQ(gone.status, 403) << gone.raw.body;
  EXPECT_EQ(str(gone.json, "type"), "permissions_denied");
  auto unknown = get(t, new_uuid());
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(str(unknown.json, "resource"), "flexible_ips");
  EXPECT_EQ(t.call("DELETE", kZ + "/fips/" + new_uuid() + "/mac").status, 404);
}

TEST(FlexibleIp, ARecreateInTheProjectGetsTheReleasedAddressBack) {
  TestApp t;
  auto id = create_fip(t);
  auto first = get(t, id);
  ASSERT_EQ(t.call("DELETE", kZ + "/fips/" + id).status, 204);
  advance(t, 60);
  auto v6 = create_fip(t, R"({"description":"","is_ipv6":true})");
  EXPECT_NE(v6, id);  // another family
  auto again = create_fip(t, R"({"description":"back"})");
  EXPECT_EQ(again, id);
  auto r = get(t, again);
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(str(r.json, "ip_address"), str(first.json, "ip_address"));
  EXPECT_EQ(str(r.json, "created_at"), str(first.json, "created_at"));
  EXPECT_EQ(str(r.json, "description"), "back");
  EXPECT_NE(create_fip(t), id);  // handed back once
}

TEST(FlexibleIp, CreateRefusesBadInputAndChangesNothing) {
  TestApp t;
  auto bad = t.call("POST", kZ + "/fips", R"({"description":"","reverse":"-x-"})");
  EXPECT_EQ(bad.status, 400) << bad.raw.body;
  auto server =
      t.call("POST", kZ + "/fips", R"({"description":"","server_id":")" + new_uuid() + R"("})");
  EXPECT_EQ(server.status, 404) << server.raw.body;
  auto mac = t.call("POST", kZ + "/fips", R"({"description":"","is_ipv6":"yes"})");
  EXPECT_EQ(mac.status, 400);
  EXPECT_EQ(num(t.call("GET", kZ + "/fips").json, "total_count"), 0);
}

TEST(FlexibleIp, CreateOnServerAttachesAfterUpdating) {
  TestApp t;
  auto server = add_server(t);
  auto id = create_fip(t, R"({"description":"","server_id":")" + server + R"("})");
  auto r = get(t, id);
  EXPECT_EQ(str(r.json, "status"), "updating");
  EXPECT_TRUE(r.json.as_object().at("server_id").is_null());
  advance(t, 3);
  r = get(t, id);
  EXPECT_EQ(str(r.json, "status"), "attached");
  EXPECT_EQ(str(r.json, "server_id"), server);
}

TEST(FlexibleIp, AttachAndDetachFollowTheClock) {
  TestApp t;
  auto server = add_server(t);
  auto a = create_fip(t), b = create_fip(t);
  auto at = t.call("POST", kZ + "/fips/attach", attach_body({a, b}, server));
  ASSERT_EQ(at.status, 200) << at.raw.body;
  EXPECT_EQ(num(at.json, "total_count"), 2);
  EXPECT_EQ(str(at.json.at("flexible_ips").as_array()[0], "status"), "updating");
  // Acting on an IP that is changing answers transient_state.
  auto busy = t.call("DELETE", kZ + "/fips/" + a);
  EXPECT_EQ(busy.status, 409) << busy.raw.body;
  EXPECT_EQ(str(busy.json, "type"), "transient_state");
  advance(t, 3);
  EXPECT_EQ(str(get(t, a).json, "status"), "attached");
  auto on = t.call("GET", kZ + "/fips?server_ids=" + server + "&status=attached");
  EXPECT_EQ(num(on.json, "total_count"), 2);
  EXPECT_EQ(num(t.call("GET", kZ + "/fips?status=ready").json, "total_count"), 0);
  // One server per IP.
  auto other = add_server(t);
  auto moved = t.call("POST", kZ + "/fips/attach", attach_body({a}, other));
  EXPECT_EQ(moved.status, 400) << moved.raw.body;

  auto de = t.call("POST", kZ + "/fips/detach", R"({"fips_ids":[")" + a + R"("]})");
  ASSERT_EQ(de.status, 200) << de.raw.body;
  EXPECT_EQ(str(de.json.at("flexible_ips").as_array()[0], "status"), "detaching");
  EXPECT_EQ(str(de.json.at("flexible_ips").as_array()[0], "server_id"), server);
  advance(t, 6);
  auto r = get(t, a);
  EXPECT_EQ(str(r.json, "status"), "ready");
  EXPECT_TRUE(r.json.as_object().at("server_id").is_null());
  // Detaching a detached IP answers it as it is.
  auto again = t.call("POST", kZ + "/fips/detach", R"({"fips_ids":[")" + a + R"("]})");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(str(again.json.at("flexible_ips").as_array()[0], "status"), "ready");

  // Deleting an attached IP detaches it first.
  EXPECT_EQ(t.call("DELETE", kZ + "/fips/" + b).status, 204);
  EXPECT_EQ(str(get(t, b).json, "status"), "detaching");
  advance(t, 6);
  EXPECT_EQ(get(t, b).status, 403);

  auto none = t.call("POST", kZ + "/fips/attach", attach_body({new_uuid()}, server));
  EXPECT_EQ(none.status, 404);
  auto nosrv = t.call("POST", kZ + "/fips/attach", attach_body({a}, new_uuid()));
  EXPECT_EQ(nosrv.status, 404);
  EXPECT_EQ(str(nosrv.json, "resource"), "server");
  auto empty =
      t.call("POST", kZ + "/fips/attach", R"({"fips_ids":[],"server_id":")" + server + R"("})");
  EXPECT_EQ(empty.status, 400);
}

TEST(FlexibleIp, VirtualMacsAndMacGroups) {
  TestApp t;
  auto server = add_server(t);
  auto a = create_fip(t), b = create_fip(t), c = create_fip(t);
  auto mac = t.call("POST", kZ + "/fips/" + a + "/mac", R"({"mac_type":"kvm"})");
  ASSERT_EQ(mac.status, 200) << mac.raw.body;
  auto& m = mac.json.at("mac_address");
  EXPECT_EQ(str(m, "mac_address").substr(0, 9), "52:54:00:");
  EXPECT_EQ(str(m, "status"), "ready");
  EXPECT_EQ(str(m, "mac_type"), "kvm");
  EXPECT_EQ(str(mac.json, "status"), "ready");
  auto twice = t.call("POST", kZ + "/fips/" + a + "/mac", R"({"mac_type":"xen"})");
  EXPECT_EQ(twice.status, 400);
  EXPECT_EQ(t.call("POST", kZ + "/fips/" + b + "/mac", R"({"mac_type":"unknown_type"})").status,
            400);
  // IPs of one request must share their MAC group.
  auto mixed = t.call("POST", kZ + "/fips/attach", attach_body({a, b}, server));
  EXPECT_EQ(mixed.status, 400) << mixed.raw.body;

  t.call("POST", kZ + "/fips/attach", attach_body({a}, server));
  t.call("POST", kZ + "/fips/attach", attach_body({b}, server));
  advance(t, 3);
  EXPECT_EQ(str(get(t, a).json.at("mac_address"), "status"), "used");
  // Duplicating needs both IPs on one server.
  auto off = t.call("POST", kZ + "/fips/" + c + "/mac/duplicate",
                    R"({"duplicate_from_fip_id":")" + a + R"("})");
  EXPECT_EQ(off.status, 400) << off.raw.body;
  auto dup = t.call("POST", kZ + "/fips/" + b + "/mac/duplicate",
                    R"({"duplicate_from_fip_id":")" + a + R"("})");
  ASSERT_EQ(dup.status, 200) << dup.raw.body;
  EXPECT_EQ(str(dup.json, "status"), "updating");
  EXPECT_EQ(str(dup.json.at("mac_address"), "id"), str(m, "id"));
  advance(t, 3);
  auto rb = get(t, b);
  EXPECT_EQ(str(rb.json, "status"), "attached");
  EXPECT_EQ(str(rb.json.at("mac_address"), "status"), "used");
  // a and b now form one group: they detach together.
  auto de = t.call("POST", kZ + "/fips/detach", R"({"fips_ids":[")" + a + R"(",")" + b + R"("]})");
  ASSERT_EQ(de.status, 200) << de.raw.body;
  advance(t, 6);
  EXPECT_EQ(str(get(t, a).json.at("mac_address"), "status"), "ready");

  // Moving answers the destination; the source keeps no MAC.
  auto mv = t.call("POST", kZ + "/fips/" + b + "/mac/move", R"({"dst_fip_id":")" + c + R"("})");
  ASSERT_EQ(mv.status, 200) << mv.raw.body;
  EXPECT_EQ(str(mv.json, "id"), c);
  EXPECT_EQ(str(mv.json.at("mac_address"), "id"), str(m, "id"));
  EXPECT_TRUE(get(t, b).json.as_object().at("mac_address").is_null());

  EXPECT_EQ(t.call("DELETE", kZ + "/fips/" + c + "/mac").status, 204);
  EXPECT_TRUE(get(t, c).json.as_object().at("mac_address").is_null());
  EXPECT_EQ(t.call("DELETE", kZ + "/fips/" + c + "/mac").status, 404);
}

TEST(FlexibleIp, DeletingTheMacOfAnAttachedIpPassesThroughDeleting) {
  TestApp t;
  auto server = add_server(t);
  auto a = create_fip(t, R"({"description":"","server_id":")" + server + R"("})");
  advance(t, 3);
  auto mac = t.call("POST", kZ + "/fips/" + a + "/mac", R"({"mac_type":"vmware"})");
  EXPECT_EQ(str(mac.json, "status"), "updating");
  EXPECT_EQ(str(mac.json.at("mac_address"), "status"), "updating");
  advance(t, 3);
  EXPECT_EQ(t.call("DELETE", kZ + "/fips/" + a + "/mac").status, 204);
  auto r = get(t, a);
  EXPECT_EQ(str(r.json, "status"), "updating");
  EXPECT_EQ(str(r.json.at("mac_address"), "status"), "deleting");
  advance(t, 3);
  r = get(t, a);
  EXPECT_EQ(str(r.json, "status"), "attached");
  EXPECT_TRUE(r.json.as_object().at("mac_address").is_null());
}

TEST(FlexibleIp, ServerDeletionDetachesItsIps) {
  TestApp t;
  auto server = add_server(t);
  auto a = create_fip(t, R"({"description":"","server_id":")" + server + R"("})");
  auto b = create_fip(t, R"({"description":"","server_id":")" + server + R"("})");
  advance(t, 3);
  t.call("DELETE", kZ + "/fips/" + b);  // detaching, to be deleted
  {
    auto tx = t.store().begin(store::TxMode::kWrite);
    auto s = tx->get(products::baremetal::kServerKind, server);
    ASSERT_TRUE(s);
    products::flexibleip::server_attachments().release_server(*tx, *s, t.clock().now());
    tx->commit();
  }
  auto r = get(t, a);
  EXPECT_EQ(str(r.json, "status"), "ready");
  EXPECT_TRUE(r.json.as_object().at("server_id").is_null());
  EXPECT_EQ(get(t, b).status, 403);
}

TEST(FlexibleIp, QuotaLimitsCreates) {
  TestApp t;
  t.config().quotas["flexible_ips"] = 1;
  create_fip(t);
  auto over = t.call("POST", kZ + "/fips", R"({"description":""})");
  EXPECT_EQ(over.status, 403) << over.raw.body;
  EXPECT_EQ(str(over.json, "type"), "quotas_exceeded");
}

}  // namespace
}  // namespace scwd
