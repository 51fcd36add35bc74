#include <gtest/gtest.h>

#include "products/instance/instance_test_env.hpp"

namespace scwd::instance_test {
namespace {

TEST(InstanceSnapshots, CreateFromADetachedVolumeIsAvailableAtOnce) {
  testing::TestApp t;
  auto vol = volume(t, "base");
  auto r = t.call("POST", kZ + "/snapshots",
                  R"({"name":"snap","volume_id":")" + vol + R"(","tags":["a"]})");
  ASSERT_EQ(r.status, 201) << r.raw.body;
  EXPECT_EQ(header(r.raw, "Location"), "");
  auto& s = obj(r.json, "snapshot");
  for (auto key :
       {"id", "name", "volume_type", "creation_date", "modification_date", "organization",
        "project", "size", "state", "base_volume", "tags", "zone", "error_details"})
    EXPECT_TRUE(s.contains(key)) << key;
  EXPECT_EQ(str(s, "state"), "available");
  EXPECT_EQ(str(s.at("base_volume"), "id"), vol);
  EXPECT_EQ(str(s.at("base_volume"), "name"), "base");
  auto& task = obj(r.json, "task");
  EXPECT_EQ(str(task, "href_from"), "/snapshots");
  EXPECT_EQ(str(task, "href_result"), "snapshots/" + str(s, "id"));
  auto id = str(s, "id");
  auto up = t.call("PATCH", kZ + "/snapshots/" + id, R"({"name":"renamed","tags":[]})");
  ASSERT_EQ(up.status, 200);
  EXPECT_EQ(str(obj(up.json, "snapshot"), "name"), "renamed");
  EXPECT_EQ(header(t.call("GET", kZ + "/snapshots?base_volume_id=" + vol).raw, "X-Total-Count"),
            "1");
  EXPECT_EQ(header(t.call("GET", kZ + "/snapshots?name=ren").raw, "X-Total-Count"), "1");
  // The base volume gone: base_volume null.
  EXPECT_EQ(t.call("DELETE", kZ + "/volumes/" + vol).status, 204);
  EXPECT_TRUE(
      obj(t.call("GET", kZ + "/snapshots/" + id).json, "snapshot").at("base_volume").is_null());
  EXPECT_EQ(t.call("DELETE", kZ + "/snapshots/" + id).status, 204);
  auto gone = t.call("DELETE", kZ + "/snapshots/" + id);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(str(gone.json, "resource"), "instance_snapshot");
}

TEST(InstanceSnapshots, HotSnapshotOfARunningServerTakesAWhile) {
  testing::TestApp t;
  auto image = local_jammy();
  ASSERT_FALSE(image.empty());
  auto s = t.call("POST", kZ + "/servers",
                  R"({"name":"s","commercial_type":"DEV1-S","image":")" + image + R"("})");
  ASSERT_EQ(s.status, 201) << s.raw.body;
  auto sid = str(obj(s.json, "server"), "id");
  auto vol = str(obj(obj(s.json, "server"), "volumes").at("0"), "id");
  ASSERT_EQ(t.call("POST", kZ + "/servers/" + sid + "/action", R"({"action":"poweron"})").status,
            202);
  advance(t, 20);
  auto r = t.call("POST", kZ + "/snapshots", R"({"name":"hot","volume_id":")" + vol + R"("})");
  ASSERT_EQ(r.status, 201);
  auto id = str(obj(r.json, "snapshot"), "id");
  EXPECT_EQ(str(obj(r.json, "snapshot"), "state"), "snapshotting");
  auto busy = t.call("DELETE", kZ + "/snapshots/" + id);
  EXPECT_EQ(busy.status, 409);
  EXPECT_EQ(str(busy.json, "type"), "transient_state");
  advance(t, 30);
  EXPECT_EQ(str(obj(t.call("GET", kZ + "/snapshots/" + id).json, "snapshot"), "state"),
            "available");
}

TEST(InstanceSnapshots, ExportAndImport) {
  testing::TestApp t;
  auto vol = volume(t);
  auto s = t.call("POST", kZ + "/snapshots", R"({"name":"s","volume_id":")" + vol + R"("})");
  auto id = str(obj(s.json, "snapshot"), "id");
  auto ex = t.call("POST", kZ + "/snapshots/" + id + "/export",
                   R"({"bucket":"my-bucket","key":"disk.qcow2"})");
  ASSERT_EQ(ex.status, 202) << ex.raw.body;
  EXPECT_EQ(str(obj(ex.json, "task"), "href_result"),
            "https://s3.fr-par.scw.cloud/my-bucket/disk.qcow2");
  EXPECT_EQ(str(obj(t.call("GET", kZ + "/snapshots/" + id).json, "snapshot"), "state"),
            "exporting");
  EXPECT_EQ(
      t.call("POST", kZ + "/snapshots/" + id + "/export", R"({"bucket":"b","key":"k"})").status,
      409);
  advance(t, 16);
  EXPECT_EQ(str(obj(t.call("GET", kZ + "/snapshots/" + id).json, "snapshot"), "state"),
            "available");
  EXPECT_EQ(t.call("POST", kZ + "/snapshots/" + id + "/export", R"({"bucket":"b"})").status, 400);

  auto im = t.call("POST", kZ + "/snapshots",
                   R"({"name":"imp","volume_type":"l_ssd","bucket":"b","key":"k.qcow2"})");
  ASSERT_EQ(im.status, 201) << im.raw.body;
  auto& snap = obj(im.json, "snapshot");
  EXPECT_EQ(str(snap, "state"), "importing");
  EXPECT_TRUE(snap.at("base_volume").is_null());
  EXPECT_EQ(snap.at("size").to_number<std::int64_t>(), 1073741824);
  advance(t, 13);
  EXPECT_EQ(str(obj(t.call("GET", kZ + "/snapshots/" + str(snap, "id")).json, "snapshot"), "state"),
            "available");
}

TEST(InstanceSnapshots, BadInputAndQuota) {
  testing::TestApp t;
  EXPECT_EQ(t.call("POST", kZ + "/snapshots", R"({"name":"x"})").status, 400);
  auto unknown =
      t.call("POST", kZ + "/snapshots", R"({"name":"x","volume_id":")" + new_uuid() + R"("})");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(str(unknown.json, "resource"), "instance_volume");
  t.config().quotas["instance_snapshots"] = 1;
  expect_quota_of_one(t, "snapshots", R"({"name":"s","volume_id":")" + volume(t) + R"("})");
}

}  // namespace
}  // namespace scwd::instance_test
