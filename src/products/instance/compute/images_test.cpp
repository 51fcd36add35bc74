#include <gtest/gtest.h>

#include "products/instance/instance_test_env.hpp"

namespace scwd::instance_test {
namespace {

TEST(InstanceImages, CreateFromSnapshotsGetUpdateDelete) {
  testing::TestApp t;
  auto root = snapshot(t, "root");
  auto extra = snapshot(t, "extra");
  auto r = t.call("POST", kZ + "/images",
                  R"({"name":"img","root_volume":")" + root +
                      R"(","arch":"x86_64","extra_volumes":{"1":{"id":")" + extra + R"("}}})");
  ASSERT_EQ(r.status, 201) << r.raw.body;
  auto& i = obj(r.json, "image");
  auto id = str(i, "id");
  EXPECT_EQ(header(r.raw, "Location"), "http://127.0.0.1" + kZ + "/images/" + id);
  for (auto key : {"id", "name", "organization", "project", "root_volume", "extra_volumes",
                   "public", "arch", "creation_date", "modification_date", "default_bootscript",
                   "from_server", "state", "tags", "zone"})
    EXPECT_TRUE(i.contains(key)) << key;
  EXPECT_EQ(str(i, "state"), "available");
  EXPECT_EQ(str(i.at("root_volume"), "id"), root);
  EXPECT_EQ(str(i.at("root_volume"), "name"), "root");
  EXPECT_EQ(str(i.at("root_volume"), "volume_type"), "l_ssd");
  EXPECT_EQ(str(obj(i, "extra_volumes").at("1"), "id"), extra);
  EXPECT_FALSE(i.at("public").as_bool());
  EXPECT_EQ(str(i, "from_server"), "");

  auto up = t.call("PATCH", kZ + "/images/" + id,
                   R"({"name":"img2","tags":["t"],"public":true,"extra_volumes":{}})");
  ASSERT_EQ(up.status, 200) << up.raw.body;
  EXPECT_EQ(str(obj(up.json, "image"), "name"), "img2");
  EXPECT_TRUE(obj(obj(up.json, "image"), "extra_volumes").empty());
  // In use by the image: the root snapshot cannot be deleted.
  EXPECT_EQ(t.call("DELETE", kZ + "/snapshots/" + root).status, 412);
  EXPECT_EQ(t.call("DELETE", kZ + "/images/" + id).status, 204);
  EXPECT_EQ(t.call("GET", kZ + "/images/" + id).status, 404);
  // The snapshots stay.
  EXPECT_EQ(t.call("GET", kZ + "/snapshots/" + root).status, 200);
  EXPECT_EQ(t.call("DELETE", kZ + "/snapshots/" + root).status, 204);
}

TEST(InstanceImages, CreateRefusesBadInput) {
  testing::TestApp t;
  auto root = snapshot(t, "root");
  EXPECT_EQ(t.call("POST", kZ + "/images", R"({"name":"x","arch":"x86_64"})").status, 400);
  EXPECT_EQ(
      t.call("POST", kZ + "/images", R"({"name":"x","root_volume":")" + root + R"("})").status,
      400);
  auto unknown = t.call("POST", kZ + "/images",
                        R"({"name":"x","arch":"x86_64","root_volume":")" + new_uuid() + R"("})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(str(unknown.json, "resource"), "instance_snapshot");
  t.config().quotas["instance_images"] = 0;
  auto q = t.call("POST", kZ + "/images",
                  R"({"name":"x","arch":"x86_64","root_volume":")" + root + R"("})");
  EXPECT_EQ(q.status, 403);
  EXPECT_EQ(str(q.json, "type"), "quotas_exceeded");
}

TEST(InstanceImages, PublicImagesAreListedAndReadable) {
  testing::TestApp t;
  auto* li = catalogue::resolve_label("ubuntu_jammy", "fr-par-1", "x86_64", "instance_local");
  ASSERT_NE(li, nullptr);
  auto got = t.call("GET", kZ + "/images/" + li->id);
  ASSERT_EQ(got.status, 200);
  auto& i = obj(got.json, "image");
  EXPECT_EQ(str(i, "organization"), catalogue::kPublicOrganization);
  EXPECT_TRUE(i.at("public").as_bool());
  EXPECT_EQ(str(i.at("root_volume"), "volume_type"), "l_ssd");
  EXPECT_EQ(str(i.at("root_volume"), "id"), li->root_snapshot_id);
  auto* sbs = catalogue::resolve_label("ubuntu_jammy", "fr-par-1", "x86_64", "instance_sbs");
  ASSERT_NE(sbs, nullptr);
  auto sbs_img = obj(t.call("GET", kZ + "/images/" + sbs->id).json, "image");
  EXPECT_EQ(str(sbs_img.at("root_volume"), "volume_type"), "sbs_snapshot");
  EXPECT_EQ(sbs_img.at("root_volume").as_object().at("size").to_number<std::int64_t>(), 0);
  // Another zone does not show it.
  EXPECT_EQ(t.call("GET", "/instance/v1/zones/nl-ams-1/images/" + li->id).status, 404);
  // Not ours to change.
  EXPECT_EQ(t.call("DELETE", kZ + "/images/" + li->id).status, 403);

  auto pub = t.call("GET", kZ + "/images?public=true&per_page=100");
  ASSERT_EQ(pub.status, 200);
  auto total = std::stoi(header(pub.raw, "X-Total-Count"));
  EXPECT_GT(total, 2);
  auto mine = t.call("GET", kZ + "/images?public=false");
  EXPECT_EQ(header(mine.raw, "X-Total-Count"), "0");
  auto named = t.call("GET", kZ + "/images?public=true&name=jammy&arch=arm64");
  for (auto& img : named.json.as_object().at("images").as_array()) {
    EXPECT_EQ(str(img, "arch"), "arm64");
    EXPECT_NE(str(img, "name").find("Jammy"), std::string::npos);
  }
  EXPECT_GE(named.json.as_object().at("images").as_array().size(), 1u);
  auto root = snapshot(t, "root");
  t.call("POST", kZ + "/images",
         R"({"name":"own","arch":"x86_64","root_volume":")" + root + R"(","tags":["k"]})");
  EXPECT_EQ(header(t.call("GET", kZ + "/images?public=false").raw, "X-Total-Count"), "1");
  EXPECT_EQ(header(t.call("GET", kZ + "/images?tags=k").raw, "X-Total-Count"), "1");
  EXPECT_EQ(header(t.call("GET", kZ + "/images").raw, "X-Total-Count"), std::to_string(total + 1));
  auto by_org =
      t.call("GET", kZ + "/images?organization=" + std::string(catalogue::kPublicOrganization));
  EXPECT_EQ(header(by_org.raw, "X-Total-Count"), std::to_string(total));
}

}  // namespace
}  // namespace scwd::instance_test
