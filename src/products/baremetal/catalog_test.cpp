#include "products/baremetal/catalog.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "core/util/ids.hpp"
#include "testing/helpers.hpp"
#include "testing/test_env.hpp"

namespace scwd::products::baremetal {
namespace {

namespace json = boost::json;
using testing::str;

const Offer& offer_named(std::string_view name, std::string_view period = "hourly") {
  for (auto& o : offers())
    if (o.name == name && o.subscription_period == period) return o;
  throw std::runtime_error("no such offer");
}
const Os& os_named(std::string_view name, std::string_view version) {
  for (auto& o : oses())
    if (o.name == name && o.version == version) return o;
  throw std::runtime_error("no such OS");
}

TEST(BaremetalCatalog, IdsAreUniqueStableUuids) {
  std::set<std::string> ids;
  for (auto& o : offers()) {
    EXPECT_TRUE(is_uuid(o.id));
    EXPECT_TRUE(ids.insert(o.id).second) << o.name;
    EXPECT_FALSE(o.zones.empty()) << o.name;
  }
  for (auto& o : options()) EXPECT_TRUE(ids.insert(o.id).second) << o.name;
  for (auto& o : oses()) EXPECT_TRUE(ids.insert(o.id).second) << o.name << " " << o.version;
  auto& h = offer_named("EM-B220E-NVME");
  auto& m = offer_named("EM-B220E-NVME", "monthly");
  EXPECT_EQ(h.monthly_offer_id, m.id);
  EXPECT_TRUE(m.monthly_offer_id.empty());
  EXPECT_EQ(find_offer(h.id), &h);
  EXPECT_EQ(h.quota_name, "EM_B220E_NVMe");
}

TEST(BaremetalCatalog, HourlyOffersFirstThenByPrice) {
  auto& all = offers();
  for (std::size_t i = 1; i < all.size(); ++i) {
    auto& a = all[i - 1];
    auto& b = all[i];
    if (a.subscription_period == b.subscription_period)
      EXPECT_LE(a.price, b.price) << b.name;
    else
      EXPECT_EQ(b.subscription_period, "monthly");
  }
}

TEST(BaremetalCatalog, OsCompatibility) {
  auto& newest = offer_named("EM-I120E-NVME");
  auto& old = offer_named("EM-A410X-SSD");
  auto& small = offer_named("EM-A116X-SSD");
  auto& win = os_named("Windows", "2022 64BITS standard");
  auto& centos = os_named("CentOS", "7");
  auto& jammy = os_named("Ubuntu", "22.04 LTS (Jammy Jellyfish)");
  EXPECT_TRUE(compatible(newest, jammy));
  EXPECT_FALSE(compatible(newest, centos));  // kernel too old for the newest hardware
  EXPECT_TRUE(compatible(old, centos));
  EXPECT_TRUE(compatible(old, win));
  EXPECT_FALSE(compatible(small, win));  // no Windows licence sold with it
  auto& inc = small.incompatible_os_ids;
  EXPECT_NE(std::find(inc.begin(), inc.end(), win.id), inc.end());
  EXPECT_EQ(std::find(inc.begin(), inc.end(), jammy.id), inc.end());
  // Windows and ESXi cannot be partitioned; older offers have no custom partitioning at all.
  EXPECT_TRUE(custom_partitioning_refusal(old, jammy));
  EXPECT_TRUE(custom_partitioning_refusal(newest, win));
  EXPECT_FALSE(custom_partitioning_refusal(newest, jammy));
}

TEST(BaremetalCatalog, DefaultSchemaMirrorsTwoDisksAndValidates) {
  auto& offer = offer_named("EM-I210E-NVME");
  auto& os = os_named("Ubuntu", "22.04 LTS (Jammy Jellyfish)");
  auto schema = default_schema(offer, os);
  auto& disks = schema.at("disks").as_array();
  ASSERT_EQ(disks.size(), 2u);
  EXPECT_EQ(str(disks[0], "device"), "/dev/nvme0n1");
  EXPECT_EQ(disks[0].at("partitions").as_array().size(), 4u);
  EXPECT_EQ(schema.at("raids").as_array().size(), 2u);
  EXPECT_EQ(str(schema.at("raids").as_array()[1], "level"), "raid_level_1");
  auto root = disks[0].at("partitions").as_array()[3].at("size").as_int64();
  EXPECT_GT(root, 1'900'000'000'000);
  EXPECT_LT(root, offer.disks[0].capacity);
  EXPECT_EQ(validate_schema(schema, offer), std::nullopt);

  auto sata = default_schema(offer_named("EM-B211X-SATA"), os);
  EXPECT_EQ(str(sata.at("disks").as_array()[1], "device"), "/dev/sdb");
}

TEST(BaremetalCatalog, ValidateRefusesBadSchemas) {
  auto& offer = offer_named("EM-I210E-NVME");
  auto& os = os_named("Debian", "12 (Bookworm)");
  auto good = default_schema(offer, os);

  auto unknown_disk = good;
  unknown_disk["disks"].as_array()[1].as_object()["device"] = "/dev/nvme7n1";
  EXPECT_TRUE(validate_schema(unknown_disk, offer));

  auto too_big = good;
  too_big["disks"].as_array()[0].as_object()["partitions"].as_array()[3].as_object()["size"] =
      offer.disks[0].capacity;
  EXPECT_TRUE(validate_schema(too_big, offer));

  auto gap = good;
  gap["disks"].as_array()[0].as_object()["partitions"].as_array()[3].as_object()["number"] = 7;
  EXPECT_TRUE(validate_schema(gap, offer));

  auto no_root = good;
  no_root["filesystems"].as_array().pop_back();
  EXPECT_EQ(validate_schema(no_root, offer), "a filesystem must be mounted on /");

  auto twice = good;
  twice["filesystems"].as_array().push_back(
      json::object{{"device", "/dev/md1"}, {"format", "ext4"}, {"mountpoint", "/data"}});
  EXPECT_TRUE(validate_schema(twice, offer));

  // The rest of a disk for a last data partition, mirrored, is fine.
  auto data = good;
  auto& d0 = data["disks"].as_array()[0].as_object()["partitions"].as_array();
  d0[3].as_object()["size"] = 20'000'000'000;
  d0.push_back(json::object{
      {"label", "data"}, {"number", 5}, {"size", 0}, {"use_all_available_space", true}});
  auto& d1 = data["disks"].as_array()[1].as_object()["partitions"].as_array();
  d1[2].as_object()["size"] = 20'000'000'000;
  d1.push_back(json::object{
      {"label", "data"}, {"number", 4}, {"size", 0}, {"use_all_available_space", true}});
  data["raids"].as_array().push_back(
      json::object{{"name", "/dev/md2"},
                   {"level", "raid_level_1"},
                   {"devices", json::array{"/dev/nvme0n1p5", "/dev/nvme1n1p4"}}});
  data["filesystems"].as_array().push_back(
      json::object{{"device", "/dev/md2"}, {"format", "ext4"}, {"mountpoint", "/data"}});
  EXPECT_EQ(validate_schema(data, offer), std::nullopt);
}

TEST(BaremetalApi, OffersFiltersPagingAndErrors) {
  testing::TestApp t;
  // Without a period the list holds the hourly offers, all of a zone on the first page.
  auto all = t.call("GET", "/baremetal/v1/zones/fr-par-2/offers");
  ASSERT_EQ(all.status, 200) << all.raw.body;
  auto total = all.json.at("total_count").as_int64();
  EXPECT_GT(total, 20);
  EXPECT_EQ(static_cast<std::int64_t>(all.json.at("offers").as_array().size()), total);
  for (auto& o : all.json.at("offers").as_array())
    EXPECT_EQ(str(o, "subscription_period"), "hourly");
  auto unknown = t.call("GET",
                        "/baremetal/v1/zones/fr-par-2/offers?page=1&subscription_period="
                        "unknown_subscription_period");
  EXPECT_EQ(unknown.json.at("total_count").as_int64(), total);
  auto hourly =
      t.call("GET", "/baremetal/v1/zones/fr-par-2/offers?subscription_period=hourly&page_size=10");
  EXPECT_EQ(hourly.json.at("total_count").as_int64(), total);
  EXPECT_EQ(hourly.json.at("offers").as_array().size(), 10u);
  auto p3 = t.call("GET",
                   "/baremetal/v1/zones/fr-par-2/offers?subscription_period=hourly&page_size=10&"
                   "page=3");
  EXPECT_EQ(static_cast<std::int64_t>(p3.json.at("offers").as_array().size()),
            std::min<std::int64_t>(10, total - 20));
  auto monthly = t.call("GET", "/baremetal/v1/zones/fr-par-2/offers?subscription_period=monthly");
  EXPECT_GT(monthly.json.at("total_count").as_int64(), 0);
  for (auto& o : monthly.json.at("offers").as_array()) {
    EXPECT_EQ(str(o, "subscription_period"), "monthly");
    EXPECT_TRUE(o.at("price_per_hour").is_null());
  }
  auto named = t.call("GET", "/baremetal/v1/zones/fr-par-1/offers?name=EM-B220E-NVME");
  ASSERT_EQ(named.json.at("total_count").as_int64(), 1);
  auto first = named.json.at("offers").as_array()[0];
  EXPECT_EQ(str(first, "subscription_period"), "hourly");
  EXPECT_TRUE(first.at("price_per_month").is_null());
  EXPECT_EQ(first.at("price_per_hour").at("nanos").as_int64(), 333'000'000);
  EXPECT_EQ(str(first, "zone"), "fr-par-1");
  EXPECT_EQ(str(first, "monthly_offer_id"), offer_named("EM-B220E-NVME", "monthly").id);

  auto id = str(first, "id");
  auto one = t.call("GET", "/baremetal/v1/zones/fr-par-1/offers/" + id);
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(str(one.json, "name"), "EM-B220E-NVME");
  // The GPU offers are sold in fr-par-2 only.
  auto gpu = offer_named("EM-T220E-L40S").id;
  EXPECT_EQ(t.call("GET", "/baremetal/v1/zones/fr-par-1/offers/" + gpu).status, 404);
  auto missing =
      t.call("GET", "/baremetal/v1/zones/fr-par-1/offers/11111111-1111-4111-8111-111111111111");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(str(missing.json, "message"), "Not Found");
  EXPECT_EQ(t.call("GET", "/baremetal/v1/zones/fr-par-1/offers/nope").status, 400);
  EXPECT_EQ(t.call("GET", "/baremetal/v1/zones/fr-par-1/offers?page_size=101").status, 400);
  // No key, no catalogue.
  EXPECT_EQ(t.call("GET", "/baremetal/v1/zones/fr-par-1/offers", "", "").status, 401);
}

TEST(BaremetalApi, OptionsAndOs) {
  testing::TestApp t;
  auto all = t.call("GET", "/baremetal/v1/zones/fr-par-1/options");
  ASSERT_EQ(all.status, 200) << all.raw.body;
  EXPECT_EQ(all.json.at("total_count").as_int64(), static_cast<std::int64_t>(options().size()));
  auto small = offer_named("EM-A116X-SSD");
  auto for_offer = t.call("GET", "/baremetal/v1/zones/fr-par-1/options?offer_id=" + small.id);
  EXPECT_EQ(for_offer.json.at("total_count").as_int64(),
            static_cast<std::int64_t>(small.options.size()));
  auto pn = t.call("GET", "/baremetal/v1/zones/fr-par-1/options?name=private");
  ASSERT_EQ(pn.json.at("total_count").as_int64(), 1);
  auto pn_id = str(pn.json.at("options").as_array()[0], "id");
  auto one = t.call("GET", "/baremetal/v1/zones/fr-par-1/options/" + pn_id);
  ASSERT_EQ(one.status, 200);
  EXPECT_TRUE(one.json.as_object().contains("private_network"));
  EXPECT_EQ(
      t.call("GET", "/baremetal/v1/zones/fr-par-1/options/11111111-1111-4111-8111-111111111111")
          .status,
      404);

  auto os = t.call("GET", "/baremetal/v1/zones/fr-par-2/os?page_size=100");
  ASSERT_EQ(os.status, 200);
  EXPECT_EQ(os.json.at("total_count").as_int64(), static_cast<std::int64_t>(oses().size()));
  auto compatible_os = t.call("GET", "/baremetal/v1/zones/fr-par-2/os?page_size=100&offer_id=" +
                                         offer_named("EM-I120E-NVME").id);
  EXPECT_LT(compatible_os.json.at("total_count").as_int64(), os.json.at("total_count").as_int64());
  auto& win = os_named("Windows", "2022 64BITS standard");
  auto w = t.call("GET", "/baremetal/v1/zones/fr-par-2/os/" + win.id);
  ASSERT_EQ(w.status, 200);
  EXPECT_TRUE(w.json.at("license_required").as_bool());
  EXPECT_TRUE(w.json.at("password").at("required").as_bool());
  EXPECT_EQ(str(w.json, "zone"), "fr-par-2");
}

TEST(BaremetalApi, PartitioningSchemas) {
  testing::TestApp t;
  auto offer = offer_named("EM-I210E-NVME").id;
  auto jammy = os_named("Ubuntu", "22.04 LTS (Jammy Jellyfish)").id;
  auto base = std::string("/baremetal/v1/zones/fr-par-1/partitioning-schemas");
  auto def = t.call("GET", base + "/default?offer_id=" + offer + "&os_id=" + jammy);
  ASSERT_EQ(def.status, 200) << def.raw.body;
  EXPECT_EQ(def.json.at("disks").as_array().size(), 2u);
  json::object body{{"offer_id", offer}, {"os_id", jammy}, {"partitioning_schema", def.json}};
  auto ok = t.call("POST", base + "/validate", json::serialize(body));
  EXPECT_EQ(ok.status, 204) << ok.raw.body;
  body["partitioning_schema"].as_object()["filesystems"].as_array().clear();
  auto bad = t.call("POST", base + "/validate", json::serialize(body));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(str(bad.json, "type"), "invalid_arguments");

  auto old = offer_named("EM-L105X-SATA").id;
  auto unsupported = t.call("GET", base + "/default?offer_id=" + old + "&os_id=" + jammy);
  EXPECT_EQ(unsupported.status, 404);
  EXPECT_EQ(str(unsupported.json, "message"), "Custom Partitioning not supported");
  EXPECT_EQ(t.call("GET", base + "/default?os_id=" + jammy).status, 400);
}

}  // namespace
}  // namespace scwd::products::baremetal
