#include <gtest/gtest.h>

#include "core/router/router.hpp"
#include "products/block/block.hpp"
#include "products/catalogue/images.hpp"
#include "testing/helpers.hpp"

namespace scwd {
namespace {

namespace json = boost::json;
using namespace testing;  // the shared test helpers (str, num, advance, created_id)

const std::string kV1 = "/block/v1/zones/fr-par-1";
const std::string kV1a = "/block/v1alpha1/zones/fr-par-1";

std::string create_volume(testing::TestApp& t, const std::string& body,
                          const std::string& base = kV1) {
  return created_id(t, base + "/volumes", body);
}

TEST(BlockVolumeTypes, ListsBothSbsTypes) {
  testing::TestApp t;
  auto r = t.call("GET", kV1 + "/volume-types");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(num(r.json, "total_count"), 2);
  auto& types = r.json.as_object().at("volume_types").as_array();
  ASSERT_EQ(types.size(), 2u);
  EXPECT_EQ(str(types[0], "type"), "sbs_15k");
  EXPECT_EQ(num(types[0].as_object().at("specs"), "perf_iops"), 15000);
  EXPECT_EQ(str(types[1].as_object().at("pricing"), "currency_code"), "EUR");
  auto page2 = t.call("GET", kV1 + "/volume-types?page=2&page_size=1");
  ASSERT_EQ(page2.status, 200);
  EXPECT_EQ(str(page2.json.as_object().at("volume_types").as_array()[0], "type"), "sbs_5k");
}

TEST(BlockVolumes, CreateWaitsThenIsAvailableInBothVersions) {
  testing::TestApp t;
  auto id = create_volume(t, R"({"name":"v","perf_iops":5000,"from_empty":{"size":20000000000}})");
  auto got = t.call("GET", kV1 + "/volumes/" + id);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(str(got.json, "status"), "creating");
  EXPECT_EQ(str(got.json, "type"), "sbs_5k");
  EXPECT_TRUE(got.json.as_object().at("kms_key_id").is_null());
  EXPECT_TRUE(got.json.as_object().at("parent_snapshot_id").is_null());
  advance(t, 6);
  auto alpha = t.call("GET", kV1a + "/volumes/" + id);
  ASSERT_EQ(alpha.status, 200);
  EXPECT_EQ(str(alpha.json, "status"), "available");
  EXPECT_FALSE(alpha.json.as_object().contains("kms_key_id"));
  EXPECT_EQ(str(alpha.json, "updated_at"), str(alpha.json, "created_at"));
  EXPECT_EQ(num(alpha.json, "size"), 20000000000);
}

TEST(BlockVolumes, CreateValidatesInput) {
  testing::TestApp t;
  auto none = t.call("POST", kV1 + "/volumes", R"({"name":"v"})");
  EXPECT_EQ(none.status, 400) << none.raw.body;
  auto small = t.call("POST", kV1 + "/volumes", R"({"name":"v","from_empty":{"size":1000}})");
  EXPECT_EQ(small.status, 400);
  auto iops = t.call("POST", kV1 + "/volumes",
                     R"({"name":"v","perf_iops":7,"from_empty":{"size":5000000000}})");
  EXPECT_EQ(iops.status, 400);
  auto unknown = t.call("POST", kV1 + "/volumes",
                        R"({"name":"v","from_snapshot":{"snapshot_id":")" + new_uuid() + R"("}})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(str(unknown.json, "resource"), "snapshot");
  auto list = t.call("GET", kV1 + "/volumes");
  EXPECT_EQ(num(list.json, "total_count"), 0);
}

TEST(BlockVolumes, UpdateIopsSwitchesTypeAfterUpdating) {
  testing::TestApp t;
  auto id = create_volume(t, R"({"name":"v","from_empty":{"size":20000000000}})");
  auto early = t.call("PATCH", kV1 + "/volumes/" + id, R"({"perf_iops":15000})");
  EXPECT_EQ(early.status, 409) << early.raw.body;
  EXPECT_EQ(str(early.json, "type"), "transient_state");
  advance(t, 6);
  auto r = t.call("PATCH", kV1 + "/volumes/" + id,
                  R"({"perf_iops":15000,"size":30000000000,"name":"w","tags":["a"]})");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(str(r.json, "status"), "updating");
  EXPECT_EQ(str(r.json, "type"), "sbs_5k");
  EXPECT_EQ(str(r.json, "name"), "w");
  advance(t, 7);
  auto got = t.call("GET", kV1 + "/volumes/" + id);
  EXPECT_EQ(str(got.json, "status"), "available");
  EXPECT_EQ(str(got.json, "type"), "sbs_15k");
  EXPECT_EQ(num(got.json.as_object().at("specs"), "perf_iops"), 15000);
  EXPECT_EQ(num(got.json, "size"), 30000000000);
  auto shrink = t.call("PATCH", kV1 + "/volumes/" + id, R"({"size":20000000000})");
  EXPECT_EQ(shrink.status, 400);
}

TEST(BlockVolumes, ListFilters) {
  testing::TestApp t;
  create_volume(t, R"({"name":"alpha","tags":["x"],"from_empty":{"size":5000000000}})");
  create_volume(t, R"({"name":"beta","tags":["y"],"from_empty":{"size":5000000000}})");
  create_volume(t, R"({"name":"gamma","from_empty":{"size":5000000000}})",
                "/block/v1/zones/nl-ams-1");
  auto all = t.call("GET", kV1 + "/volumes?order_by=name_desc");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(num(all.json, "total_count"), 2);
  EXPECT_EQ(str(all.json.as_object().at("volumes").as_array()[0], "name"), "beta");
  EXPECT_EQ(num(t.call("GET", kV1 + "/volumes?name=alp").json, "total_count"), 1);
  EXPECT_EQ(num(t.call("GET", kV1 + "/volumes?tags=y").json, "total_count"), 1);
  EXPECT_EQ(num(t.call("GET", kV1 + "/volumes?project_id=" + t.identity().organization_id).json,
                "total_count"),
            2);
  EXPECT_EQ(
      num(t.call("GET", kV1 + "/volumes?product_resource_id=" + new_uuid()).json, "total_count"),
      0);
  EXPECT_EQ(t.call("GET", kV1 + "/volumes?organization_id=" + new_uuid()).status, 403);
  auto paged = t.call("GET", kV1 + "/volumes?page=2&page_size=1");
  EXPECT_EQ(paged.json.as_object().at("volumes").as_array().size(), 1u);
}

TEST(BlockSnapshots, LifecycleAndVolumeFromSnapshot) {
  testing::TestApp t;
  auto vid =
      create_volume(t, R"({"name":"base","perf_iops":15000,"from_empty":{"size":20000000000}})");
  auto early = t.call("POST", kV1 + "/snapshots", R"({"name":"s","volume_id":")" + vid + R"("})");
  EXPECT_EQ(early.status, 409);
  advance(t, 6);
  auto s = t.call("POST", kV1 + "/snapshots",
                  R"({"name":"s","volume_id":")" + vid + R"(","tags":["t"]})");
  ASSERT_EQ(s.status, 200) << s.raw.body;
  auto sid = str(s.json, "id");
  EXPECT_EQ(str(s.json, "status"), "creating");
  EXPECT_EQ(str(s.json.as_object().at("parent_volume"), "id"), vid);
  EXPECT_EQ(num(s.json, "size"), 20000000000);
  EXPECT_FALSE(s.json.as_object().at("public").as_bool());
  EXPECT_EQ(t.call("DELETE", kV1 + "/snapshots/" + sid).status, 409);
  advance(t, 6);
  auto got = t.call("GET", kV1a + "/snapshots/" + sid);
  EXPECT_EQ(str(got.json, "status"), "available");
  EXPECT_FALSE(got.json.as_object().contains("public"));
  EXPECT_EQ(num(t.call("GET", kV1 + "/snapshots?volume_id=" + vid).json, "total_count"), 1);
  EXPECT_EQ(num(t.call("GET", kV1 + "/snapshots?tags=nope").json, "total_count"), 0);
  auto upd = t.call("PATCH", kV1 + "/snapshots/" + sid, R"({"name":"renamed","tags":[]})");
  EXPECT_EQ(str(upd.json, "name"), "renamed");
  // From the snapshot, bigger, inheriting the 15k class.
  auto v2 = t.call(
      "POST", kV1 + "/volumes",
      R"({"name":"copy","from_snapshot":{"snapshot_id":")" + sid + R"(","size":30000000000}})");
  ASSERT_EQ(v2.status, 200) << v2.raw.body;
  EXPECT_EQ(str(v2.json, "parent_snapshot_id"), sid);
  EXPECT_EQ(str(v2.json, "type"), "sbs_15k");
  auto smaller =
      t.call("POST", kV1 + "/volumes",
             R"({"name":"c","from_snapshot":{"snapshot_id":")" + sid + R"(","size":10000000000}})");
  EXPECT_EQ(smaller.status, 400);
  // Deleting the volume leaves the snapshot without parent.
  EXPECT_EQ(t.call("DELETE", kV1 + "/volumes/" + vid).status, 204);
  EXPECT_EQ(t.call("GET", kV1 + "/volumes/" + vid).status, 404);
  EXPECT_TRUE(
      t.call("GET", kV1 + "/snapshots/" + sid).json.as_object().at("parent_volume").is_null());
  EXPECT_EQ(t.call("DELETE", kV1 + "/snapshots/" + sid).status, 204);
  EXPECT_EQ(t.call("DELETE", kV1 + "/snapshots/" + sid).status, 404);
}

TEST(BlockSnapshots, ObjectStorageIsNotAvailable) {
  testing::TestApp t;
  auto imp = t.call("POST", kV1 + "/snapshots/import-from-object-storage",
                    R"({"bucket":"b","key":"k.qcow2","name":"n"})");
  EXPECT_EQ(imp.status, 404) << imp.raw.body;
  EXPECT_EQ(str(imp.json, "resource"), "bucket");
  auto s3 = t.call("POST", kV1a + "/snapshots/import-from-s3",
                   R"({"bucket":"b","key":"k.qcow2","name":"n"})");
  EXPECT_EQ(s3.status, 404);
  auto exp = t.call("POST", kV1 + "/snapshots/" + new_uuid() + "/export-to-object-storage",
                    R"({"bucket":"b","key":"k"})");
  EXPECT_EQ(exp.status, 404);
  EXPECT_EQ(str(exp.json, "resource"), "snapshot");
}

TEST(BlockQuota, VolumesPerOrganization) {
  testing::TestApp t;
  t.config().quotas["block_volumes"] = 1;
  create_volume(t, R"({"name":"a","from_empty":{"size":5000000000}})");
  auto r = t.call("POST", kV1 + "/volumes", R"({"name":"b","from_empty":{"size":5000000000}})");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(str(r.json, "type"), "quotas_exceeded");
}

// The contract used by Instance: attach / detach / instance_state / create_snapshot.
// Some seconds later, the record at `path` (v1) is in use by `id`, a `type`, through one
// reference of `ref_type`.
void expect_used(testing::TestApp& t, const std::string& path, std::string_view type,
                 const std::string& id, std::string_view ref_type) {
  advance(t, 6);
  auto got = t.call("GET", kV1 + path);
  EXPECT_EQ(str(got.json, "status"), "in_use");
  auto& ref = got.json.as_object().at("references").as_array().at(0);
  EXPECT_EQ(str(ref, "product_resource_type"), type);
  EXPECT_EQ(str(ref, "product_resource_id"), id);
  EXPECT_EQ(str(ref, "type"), ref_type);
  EXPECT_EQ(str(ref, "status"), "attached");
}

TEST(BlockContract, AttachDetachAndInstanceView) {
  testing::TestApp t;
  auto id = create_volume(t, R"({"name":"v","from_empty":{"size":10000000000}})");
  auto server = new_uuid();
  auto other = new_uuid();
  auto& store = t.store();
  auto now = t.clock().now();
  {
    auto tx = store.begin(store::TxMode::kWrite);
    EXPECT_FALSE(products::block::attach(*tx, "fr-par-1", id, server, now));
    auto v = products::block::find_volume(*tx, "fr-par-1", id);
    ASSERT_TRUE(v);
    EXPECT_EQ(v->state, "creating");
    EXPECT_EQ(products::block::instance_state(*v), "attaching");
    auto busy = products::block::attach(*tx, "fr-par-1", id, other, now);
    ASSERT_TRUE(busy);
    EXPECT_EQ(busy->status(), 412);
    EXPECT_TRUE(products::block::attach(*tx, "fr-par-1", new_uuid(), server, now));
    tx->commit();
  }
  expect_used(t, "/volumes/" + id, "instance_server", server, "exclusive");
  EXPECT_EQ(num(t.call("GET", kV1 + "/volumes?product_resource_id=" + server).json, "total_count"),
            1);
  auto del = t.call("DELETE", kV1 + "/volumes/" + id);
  EXPECT_EQ(del.status, 412);
  EXPECT_EQ(str(del.json, "precondition"), "resource_still_in_use");
  {
    auto tx = store.begin(store::TxMode::kWrite);
    auto v = products::block::find_volume(*tx, "fr-par-1", id);
    ASSERT_TRUE(v);
    EXPECT_EQ(products::block::instance_state(*v), "available");
    products::block::detach(*tx, "fr-par-1", id, server, t.clock().now());
    tx->commit();
  }
  auto got = t.call("GET", kV1 + "/volumes/" + id);
  EXPECT_EQ(str(got.json, "status"), "available");
  EXPECT_TRUE(got.json.as_object().at("last_detached_at").is_string());
  EXPECT_TRUE(got.json.as_object().at("references").as_array().empty());
}

TEST(BlockContract, CreateVolumeAndSnapshotFromInstance) {
  testing::TestApp t;
  testing::Caller caller(t);
  auto& ctx = caller.ctx;
  const auto& owner = caller.owner;
  std::string vid, sid;
  {
    auto tx = t.store().begin(store::TxMode::kWrite);
    products::block::NewVolume nv;
    nv.name = "Ubuntu_sbs_volume_0";
    nv.size = 10'000'000'000;
    auto v = products::block::create_volume(*tx, ctx, owner, "fr-par-2", nv);
    ASSERT_TRUE(v) << v.error().serialize();
    vid = v->id;
    EXPECT_EQ(v->state, "creating");
    nv.ready = true;
    auto ready = products::block::create_volume(*tx, ctx, owner, "fr-par-2", nv);
    ASSERT_TRUE(ready);
    EXPECT_EQ(ready->state, "available");
    EXPECT_FALSE(products::block::attach(*tx, "fr-par-2", ready->id, new_uuid(), t.clock().now()));
    EXPECT_EQ(products::block::find_volume(*tx, "fr-par-2", ready->id)->state, "in_use");
    nv.snapshot_id = new_uuid();
    auto missing = products::block::create_volume(*tx, ctx, owner, "fr-par-2", nv);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().status(), 404);
    auto s = products::block::create_snapshot(*tx, ctx, *v, "backup", t.clock().now());
    ASSERT_TRUE(s);
    sid = s->id;
    tx->commit();
  }
  auto s = t.call("GET", "/block/v1/zones/fr-par-2/snapshots/" + sid);
  ASSERT_EQ(s.status, 200) << s.raw.body;
  EXPECT_EQ(num(s.json, "size"), 10000000000);
  EXPECT_EQ(str(s.json.as_object().at("parent_volume"), "id"), vid);
  EXPECT_EQ(t.call("GET", kV1 + "/snapshots/" + sid).status, 404);  // other zone
}

TEST(BlockContract, SnapshotLinkedToAnImageIsInUse) {
  testing::TestApp t;
  auto vid = create_volume(t, R"({"name":"v","from_empty":{"size":10000000000}})");
  advance(t, 6);
  auto s = t.call("POST", kV1 + "/snapshots", R"({"name":"s","volume_id":")" + vid + R"("})");
  auto sid = str(s.json, "id");
  auto image = new_uuid();
  {
    auto tx = t.store().begin(store::TxMode::kWrite);
    EXPECT_FALSE(products::block::link_snapshot(*tx, "fr-par-1", sid, image, t.clock().now()));
    EXPECT_TRUE(products::block::link_snapshot(*tx, "fr-par-1", new_uuid(), image, 0));
    tx->commit();
  }
  expect_used(t, "/snapshots/" + sid, "instance_image", image, "link");
  auto del = t.call("DELETE", kV1 + "/snapshots/" + sid);
  EXPECT_EQ(del.status, 412);
  // A volume can still be made from it.
  EXPECT_EQ(t.call("POST", kV1 + "/volumes",
                   R"({"name":"c","from_snapshot":{"snapshot_id":")" + sid + R"("}})")
                .status,
            200);
  {
    auto tx = t.store().begin(store::TxMode::kWrite);
    auto found = products::block::find_snapshot(*tx, "fr-par-1", sid);
    ASSERT_TRUE(found);
    products::block::unlink_snapshot(*tx, "fr-par-1", sid, image, t.clock().now());
    tx->commit();
  }
  EXPECT_EQ(str(t.call("GET", kV1 + "/snapshots/" + sid).json, "status"), "available");
  EXPECT_EQ(t.call("DELETE", kV1 + "/snapshots/" + sid).status, 204);
}

TEST(BlockVolumes, FromAPublicImageRootSnapshot) {
  testing::TestApp t;
  const auto* img =
      catalogue::resolve_label("ubuntu_jammy", "fr-par-1", "x86_64", "instance_sbs");
  ASSERT_NE(img, nullptr);
  auto r = t.call(
      "POST", kV1 + "/volumes",
      R"({"name":"root","from_snapshot":{"snapshot_id":")" + img->root_snapshot_id + R"("}})");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(num(r.json, "size"), 10000000000);
  EXPECT_EQ(str(r.json, "parent_snapshot_id"), img->root_snapshot_id);
  EXPECT_EQ(str(r.json, "type"), "sbs_5k");
  // The public snapshot itself belongs to Scaleway.
  auto pub = t.call("GET", kV1 + "/snapshots/" + img->root_snapshot_id);
  EXPECT_EQ(pub.status, 403) << pub.raw.body;
  EXPECT_EQ(str(pub.json, "type"), "permissions_denied");
  EXPECT_EQ(t.call("DELETE", kV1 + "/snapshots/" + img->root_snapshot_id).status, 403);
  // Another zone's public snapshot is unknown here.
  auto other = t.call(
      "POST", "/block/v1/zones/nl-ams-1/volumes",
      R"({"name":"root","from_snapshot":{"snapshot_id":")" + img->root_snapshot_id + R"("}})");
  EXPECT_EQ(other.status, 404);
}

}  // namespace
}  // namespace scwd
