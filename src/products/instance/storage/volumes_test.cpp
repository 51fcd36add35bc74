#include <gtest/gtest.h>

#include "products/instance/instance_test_env.hpp"

namespace scwd::instance_test {
namespace {

TEST(InstanceVolumes, CreateGetUpdateDelete) {
  testing::TestApp t;
  auto r = t.call("POST", kZ + "/volumes",
                  R"({"name":"data","volume_type":"l_ssd","size":20000000000,"tags":["x"]})");
  ASSERT_EQ(r.status, 201) << r.raw.body;
  auto& v = obj(r.json, "volume");
  auto id = str(v, "id");
  EXPECT_EQ(header(r.raw, "Location"), "http://127.0.0.1" + kZ + "/volumes/" + id);
  for (auto key : {"id", "name", "volume_type", "export_uri", "organization", "project", "server",
                   "size", "state", "creation_date", "modification_date", "tags", "zone"})
    EXPECT_TRUE(v.contains(key)) << key;
  EXPECT_EQ(str(v, "state"), "available");
  EXPECT_TRUE(v.at("server").is_null());
  EXPECT_TRUE(v.at("export_uri").is_null());
  EXPECT_EQ(str(v, "project"), str(v, "organization"));

  auto up =
      t.call("PATCH", kZ + "/volumes/" + id, R"({"name":"renamed","tags":[],"size":30000000000})");
  ASSERT_EQ(up.status, 200) << up.raw.body;
  EXPECT_EQ(str(obj(up.json, "volume"), "name"), "renamed");
  EXPECT_EQ(obj(up.json, "volume").at("size").to_number<std::int64_t>(), 30'000'000'000);
  EXPECT_EQ(t.call("PATCH", kZ + "/volumes/" + id, R"({"size":1000000000})").status, 400);

  auto got = t.call("GET", kZ + "/volumes/" + id);
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(str(obj(got.json, "volume"), "name"), "renamed");
  EXPECT_EQ(t.call("DELETE", kZ + "/volumes/" + id).status, 204);
  auto gone = t.call("GET", kZ + "/volumes/" + id);
  ASSERT_EQ(gone.status, 404);
  EXPECT_EQ(str(gone.json, "resource"), "instance_volume");
  EXPECT_EQ(str(gone.json, "resource_id"), id);
}

TEST(InstanceVolumes, CreateRefusesBadInput) {
  testing::TestApp t;
  EXPECT_EQ(t.call("POST", kZ + "/volumes", R"({"name":"v","volume_type":"l_ssd"})").status, 400);
  EXPECT_EQ(
      t.call("POST", kZ + "/volumes", R"({"name":"v","volume_type":"l_ssd","size":100})").status,
      400);
  EXPECT_EQ(
      t.call("POST", kZ + "/volumes", R"({"name":"v","volume_type":"b_ssd","size":20000000000})")
          .status,
      400);
  EXPECT_EQ(t.call("POST", kZ + "/volumes",
                   R"({"name":"v","volume_type":"sbs_volume","size":20000000000})")
                .status,
            400);
  auto snap =
      t.call("POST", kZ + "/volumes", R"({"name":"v","base_snapshot":")" + new_uuid() + R"("})");
  EXPECT_EQ(snap.status, 404);
  EXPECT_EQ(str(snap.json, "resource"), "instance_snapshot");
  EXPECT_EQ(t.call("GET", kZ + "/volumes/not-a-uuid").status, 400);
  EXPECT_EQ(t.call("GET", kZ + "/volumes/" + new_uuid()).status, 404);
  auto list = t.call("GET", kZ + "/volumes");
  EXPECT_EQ(header(list.raw, "X-Total-Count"), "0");
}

TEST(InstanceVolumes, ScratchAndFromSnapshotAndListFilters) {
  testing::TestApp t;
  auto a = t.call("POST", kZ + "/volumes",
                  R"({"name":"alpha","volume_type":"l_ssd","size":10000000000,"tags":["t1"]})");
  ASSERT_EQ(a.status, 201);
  auto scratch = t.call("POST", kZ + "/volumes",
                        R"({"name":"scr","volume_type":"scratch","size":20000000000})");
  ASSERT_EQ(scratch.status, 201) << scratch.raw.body;
  auto s = t.call("POST", kZ + "/snapshots",
                  R"({"name":"s","volume_id":")" + str(obj(a.json, "volume"), "id") + R"("})");
  ASSERT_EQ(s.status, 201) << s.raw.body;
  auto from =
      t.call("POST", kZ + "/volumes",
             R"({"name":"copy","base_snapshot":")" + str(obj(s.json, "snapshot"), "id") + R"("})");
  ASSERT_EQ(from.status, 201) << from.raw.body;
  EXPECT_EQ(obj(from.json, "volume").at("size").to_number<std::int64_t>(), 10'000'000'000);
  EXPECT_EQ(header(t.call("GET", kZ + "/volumes").raw, "X-Total-Count"), "3");
  EXPECT_EQ(header(t.call("GET", kZ + "/volumes?volume_type=scratch").raw, "X-Total-Count"), "1");
  EXPECT_EQ(header(t.call("GET", kZ + "/volumes?name=alp").raw, "X-Total-Count"), "1");
  EXPECT_EQ(header(t.call("GET", kZ + "/volumes?tags=t1").raw, "X-Total-Count"), "1");
  EXPECT_EQ(header(t.call("GET", kZ + "/volumes?per_page=2&page=2").raw, "X-Total-Count"), "3");
  // scratch volumes cannot be snapshotted
  auto snap_scratch =
      t.call("POST", kZ + "/snapshots",
             R"({"name":"s","volume_id":")" + str(obj(scratch.json, "volume"), "id") + R"("})");
  EXPECT_EQ(snap_scratch.status, 400);
}

TEST(InstanceVolumes, QuotaRefusesAndCreatesNothing) {
  testing::TestApp t;
  t.config().quotas["instance_volumes"] = 1;
  expect_quota_of_one(t, "volumes", R"({"name":"v","volume_type":"l_ssd","size":10000000000})");
}

}  // namespace
}  // namespace scwd::instance_test
