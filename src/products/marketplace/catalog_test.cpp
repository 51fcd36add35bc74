#include "products/marketplace/catalog.hpp"

#include <gtest/gtest.h>

#include <set>

#include "core/router/locality.hpp"
#include "core/util/ids.hpp"
#include "products/catalogue/server_types.hpp"
#include "testing/helpers.hpp"

namespace scwd::products::marketplace {
namespace {

namespace json = boost::json;
using testing::header;
using testing::str;

TEST(MarketplaceCatalog, IdsAreUniqueStableUuids) {
  std::set<std::string> ids;
  for (auto& l : local_images()) {
    EXPECT_TRUE(is_uuid(l.id));
    EXPECT_TRUE(is_uuid(l.root_snapshot_id));
    EXPECT_EQ(l.id[14], '4');
    EXPECT_TRUE(ids.insert(l.id).second) << l.id;
    EXPECT_TRUE(ids.insert(l.root_snapshot_id).second);
    EXPECT_FALSE(l.compatible_commercial_types.empty());
  }
  for (auto& i : images()) EXPECT_TRUE(ids.insert(i.id).second);
  for (auto& v : versions()) EXPECT_TRUE(ids.insert(v.id).second);
  // Derived from names, not random: a known label always maps to the same ids.
  auto* a = resolve_label("ubuntu_jammy", "fr-par-1", "x86_64", "instance_sbs");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(find_local_image(a->id), a);
  EXPECT_EQ(find_by_root_snapshot(a->root_snapshot_id), a);
  EXPECT_EQ(find_local_image("00000000-0000-4000-8000-000000000000"), nullptr);
  EXPECT_EQ(find_by_root_snapshot(a->id), nullptr);
}

TEST(MarketplaceCatalog, CoreImagesInEveryZone) {
  for (auto label : {"ubuntu_jammy", "ubuntu_noble", "debian_bookworm"}) {
    for (auto zone : locality::zones()) {
      auto* sbs = resolve_label(label, zone, "x86_64", "instance_sbs");
      ASSERT_NE(sbs, nullptr) << label << " " << zone;
      EXPECT_EQ(sbs->root_size, 0);
      EXPECT_GT(sbs->snapshot_size, 0);
      EXPECT_EQ(sbs->label, label);
      EXPECT_EQ(sbs->zone, zone);
    }
    // Local (l_ssd) images exist where local-storage types are sold; arm64 where arm is sold.
    auto* local = resolve_label(label, "fr-par-1", "x86_64", "instance_local");
    ASSERT_NE(local, nullptr);
    EXPECT_EQ(local->root_size, 10'000'000'000);
    EXPECT_TRUE(is_compatible(*local, "DEV1-S"));
    EXPECT_FALSE(is_compatible(*local, "PRO2-XXS"));
    auto* arm = resolve_label(label, "fr-par-1", "arm64");
    ASSERT_NE(arm, nullptr);
    EXPECT_EQ(arm->type, "instance_sbs");
    EXPECT_TRUE(is_compatible(*arm, "COPARM1-2C-8G"));
    EXPECT_EQ(resolve_label(label, "it-mil-1", "x86_64", "instance_local"), nullptr);
  }
}

TEST(MarketplaceCatalog, ResolveLabelPreferences) {
  auto* any = resolve_label("ubuntu_noble", "fr-par-1");
  ASSERT_NE(any, nullptr);
  EXPECT_EQ(any->type, "instance_sbs");
  EXPECT_EQ(any->arch, "x86_64");
  EXPECT_EQ(resolve_label("ubuntu_noble", "fr-par-1", {}, "unknown_type"), any);
  auto* local = resolve_label("ubuntu_noble", "fr-par-1", {}, "instance_local");
  ASSERT_NE(local, nullptr);
  EXPECT_EQ(local->type, "instance_local");
  // The newest version wins.
  auto* img = find_image_by_label("ubuntu_noble");
  ASSERT_NE(img, nullptr);
  EXPECT_EQ(any->version_id, latest_version(img->id)->id);
  EXPECT_EQ(any->name, "Ubuntu 24.04 Noble Numbat");
  EXPECT_EQ(resolve_label("macos", "fr-par-1"), nullptr);
  EXPECT_EQ(resolve_label("ubuntu_noble", "xx-xxx-9"), nullptr);
  EXPECT_EQ(resolve_label("windows_server_2022", "fr-par-1", "arm64"), nullptr);
  auto* win = resolve_label("windows_server_2022", "fr-par-1");
  ASSERT_NE(win, nullptr);
  EXPECT_TRUE(is_compatible(*win, "POP2-2C-8G-WIN"));
  EXPECT_FALSE(is_compatible(*win, "DEV1-S"));
  auto* gpu = resolve_label("ubuntu_jammy_gpu_os_12", "fr-par-2");
  ASSERT_NE(gpu, nullptr);
  EXPECT_TRUE(is_compatible(*gpu, "L4-1-24G"));
  EXPECT_TRUE(is_compatible(*gpu, "H100-1-80G"));
}

TEST(MarketplaceCatalog, CompatibleTypesAreSoldInTheZone) {
  for (auto& l : local_images())
    for (auto& t : l.compatible_commercial_types) {
      auto* st = catalogue::find_server_type(l.zone, t);
      ASSERT_NE(st, nullptr) << l.label << " " << l.zone << " " << t;
      EXPECT_EQ(st->arch, l.arch);
      if (l.type == "instance_local") {
        EXPECT_GT(st->local_max, 0);
      }
    }
}

TEST(MarketplaceApi, ListImagesPagingAndOrder) {
  testing::TestApp t;
  auto p1 =
      t.call("GET", "/marketplace/v2/images?include_eol=false&order_by=name_asc&page=1", {}, "");
  ASSERT_EQ(p1.status, 200) << p1.raw.body;
  auto& o1 = p1.json.as_object();
  EXPECT_EQ(o1.at("total_count").as_int64(), 27);
  EXPECT_EQ(o1.at("images").as_array().size(), 20u);
  EXPECT_EQ(str(o1.at("images").as_array()[0], "label"), "almalinux_8");
  auto p2 = t.call("GET", "/marketplace/v2/images?order_by=name_asc&page=2");
  ASSERT_EQ(p2.status, 200);
  EXPECT_EQ(p2.json.as_object().at("images").as_array().size(), 7u);
  EXPECT_EQ(str(p2.json.as_object().at("images").as_array()[6], "label"), "wordpress");
  auto eol = t.call("GET", "/marketplace/v2/images?include_eol=true&page_size=100");
  EXPECT_EQ(eol.json.as_object().at("total_count").as_int64(), 28);
  auto desc = t.call("GET", "/marketplace/v2/images?order_by=name_desc&page_size=1");
  EXPECT_EQ(str(desc.json.as_object().at("images").as_array()[0], "label"), "wordpress");
  auto ml = t.call("GET", "/marketplace/v2/images?category=Machine%20Learning");
  EXPECT_EQ(ml.json.as_object().at("total_count").as_int64(), 2);
  auto arm = t.call("GET", "/marketplace/v2/images?arch=arm64&page_size=100");
  for (auto& i : arm.json.as_object().at("images").as_array())
    EXPECT_NE(str(i, "label"), "windows_server_2022");
  auto bad = t.call("GET", "/marketplace/v2/images?page_size=101");
  EXPECT_EQ(bad.status, 400);
  auto bad_order = t.call("GET", "/marketplace/v2/images?order_by=size_asc");
  EXPECT_EQ(bad_order.status, 400);
}

TEST(MarketplaceApi, LocalImagesByLabel) {
  testing::TestApp t;
  auto r = t.call("GET",
                  "/marketplace/v2/local-images?image_label=ubuntu_jammy&order_by=type_asc&type="
                  "unknown_type&zone=fr-par-1");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  auto& items = r.json.as_object().at("local_images").as_array();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(str(items[0], "type"), "instance_local");
  EXPECT_EQ(str(items[1], "arch"), "arm64");
  EXPECT_EQ(str(items[2], "arch"), "x86_64");
  EXPECT_EQ(r.json.as_object().at("total_count").as_int64(), 3);
  auto desc = t.call("GET",
                     "/marketplace/v2/local-images?image_label=ubuntu_jammy&order_by=type_desc&"
                     "zone=fr-par-1");
  EXPECT_EQ(str(desc.json.as_object().at("local_images").as_array()[0], "type"), "instance_sbs");
  auto sbs = t.call("GET",
                    "/marketplace/v2/local-images?image_label=ubuntu_jammy&type=instance_sbs&"
                    "zone=fr-par-1&arch=x86_64");
  ASSERT_EQ(sbs.json.as_object().at("local_images").as_array().size(), 1u);
  auto id = str(sbs.json.as_object().at("local_images").as_array()[0], "id");
  EXPECT_EQ(id, resolve_label("ubuntu_jammy", "fr-par-1", "x86_64", "instance_sbs")->id);
  auto one = t.call("GET", "/marketplace/v2/local-images/" + id);
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(str(one.json, "label"), "ubuntu_jammy");
  auto missing = t.call("GET",
                        "/marketplace/v2/local-images?image_label=macos&order_by=type_asc&"
                        "type=instance_sbs&zone=fr-par-1");
  ASSERT_EQ(missing.status, 404);
  EXPECT_EQ(str(missing.json, "type"), "not_found");
  EXPECT_EQ(str(missing.json, "resource"), "MarketplaceImage");
  EXPECT_EQ(str(missing.json, "resource_id"), "macos");
  EXPECT_EQ(str(missing.json, "message"), "resource is not found");
  auto two = t.call("GET", "/marketplace/v2/local-images?image_label=ubuntu_jammy&image_id=" +
                               find_image_by_label("ubuntu_jammy")->id);
  EXPECT_EQ(two.status, 400);
  auto all_zones = t.call("GET",
                          "/marketplace/v2/local-images?image_label=ubuntu_jammy&page=2&"
                          "page_size=5");
  ASSERT_EQ(all_zones.status, 200);
  EXPECT_EQ(all_zones.json.as_object().at("local_images").as_array().size(), 5u);
  EXPECT_GE(all_zones.json.as_object().at("total_count").as_int64(), 20);
}

TEST(MarketplaceApi, VersionsAndCategories) {
  testing::TestApp t;
  auto* img = find_image_by_label("debian_bookworm");
  auto r = t.call("GET", "/marketplace/v2/versions?image_id=" + img->id);
  ASSERT_EQ(r.status, 200) << r.raw.body;
  auto& vs = r.json.as_object().at("versions").as_array();
  ASSERT_EQ(vs.size(), 2u);
  auto latest = str(vs[1], "id");
  EXPECT_EQ(latest, latest_version(img->id)->id);
  auto d =
      t.call("GET", "/marketplace/v2/versions?image_id=" + img->id + "&order_by=created_at_desc");
  EXPECT_EQ(str(d.json.as_object().at("versions").as_array()[0], "id"), latest);
  auto v = t.call("GET", "/marketplace/v2/versions/" + latest);
  ASSERT_EQ(v.status, 200);
  EXPECT_FALSE(v.json.as_object().at("published_at").is_null());
  auto by_version = t.call(
      "GET", "/marketplace/v2/local-images?version_id=" + str(vs[0], "id") + "&zone=nl-ams-1");
  ASSERT_EQ(by_version.status, 200);
  EXPECT_EQ(by_version.json.as_object().at("total_count").as_int64(), 3);
  EXPECT_EQ(t.call("GET", "/marketplace/v2/versions").status, 400);
  EXPECT_EQ(t.call("GET", "/marketplace/v2/versions/" + new_uuid()).status, 404);
  EXPECT_EQ(t.call("GET", "/marketplace/v2/versions/nope").status, 400);
  EXPECT_EQ(t.call("GET", "/marketplace/v2/images/" + new_uuid()).status, 404);
  auto cats = t.call("GET", "/marketplace/v2/categories?page_size=2");
  ASSERT_EQ(cats.status, 200);
  EXPECT_EQ(cats.json.as_object().at("total_count").as_int64(), 4);
  auto& c = cats.json.as_object().at("categories").as_array();
  ASSERT_EQ(c.size(), 2u);
  auto cat = t.call("GET", "/marketplace/v2/categories/" + str(c[0], "id"));
  ASSERT_EQ(cat.status, 200);
  EXPECT_EQ(str(cat.json, "name"), "distribution");
  EXPECT_EQ(t.call("GET", "/marketplace/v2/categories/" + new_uuid()).status, 404);
  EXPECT_TRUE(header(cats, "X-Total-Count").empty());
}

}  // namespace
}  // namespace scwd::products::marketplace
