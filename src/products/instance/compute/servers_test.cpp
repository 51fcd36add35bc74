#include <gtest/gtest.h>

#include <set>

#include "products/instance/instance_test_env.hpp"
#include "products/instance/model.hpp"

namespace scwd::instance_test {
namespace {

json::object create(testing::TestApp& t, json::object body, int want = 201) {
  if (!body.contains("name")) body["name"] = "srv";
  if (!body.contains("commercial_type")) body["commercial_type"] = "DEV1-S";
  if (!body.contains("image") && !body.contains("volumes")) body["image"] = local_jammy();
  auto r = t.call("POST", kZ + "/servers", json::serialize(body));
  EXPECT_EQ(r.status, want) << r.raw.body;
  if (r.status != 201) return r.json.is_object() ? r.json.as_object() : json::object{};
  return r.json.as_object().at("server").as_object();
}

json::object get(testing::TestApp& t, const std::string& id) {
  auto r = t.call("GET", kZ + "/servers/" + id);
  EXPECT_EQ(r.status, 200) << r.raw.body;
  return r.status == 200 ? r.json.as_object().at("server").as_object() : json::object{};
}

int action(testing::TestApp& t, const std::string& id, std::string_view act,
           json::value* body_out = nullptr) {
  auto r = t.call("POST", kZ + "/servers/" + id + "/action",
                  json::serialize(json::object{{"action", act}}));
  if (body_out) *body_out = r.json;
  return r.status;
}

std::vector<std::string> strings(const json::value& v) {
  std::vector<std::string> out;
  for (auto& e : v.as_array()) out.emplace_back(e.as_string());
  return out;
}

TEST(InstanceServers, CreateFromLocalImageHasEveryKeyAndAFullLocalRoot) {
  testing::TestApp t;
  ASSERT_FALSE(local_jammy().empty());
  auto r = t.call("POST", kZ + "/servers",
                  json::serialize(json::object{
                      {"name", "web"}, {"commercial_type", "DEV1-S"}, {"image", local_jammy()}}));
  ASSERT_EQ(r.status, 201) << r.raw.body;
  auto& s = r.json.as_object().at("server").as_object();
  EXPECT_EQ(header(r.raw, "Location"),
            "http://127.0.0.1" + kZ + "/servers/" + std::string(s.at("id").as_string()));
  for (auto key : {"id",
                   "name",
                   "arch",
                   "commercial_type",
                   "boot_type",
                   "organization",
                   "project",
                   "hostname",
                   "image",
                   "volumes",
                   "tags",
                   "state",
                   "protected",
                   "state_detail",
                   "public_ip",
                   "public_ips",
                   "mac_address",
                   "routed_ip_enabled",
                   "ipv6",
                   "extra_networks",
                   "dynamic_ip_required",
                   "enable_ipv6",
                   "private_ip",
                   "creation_date",
                   "modification_date",
                   "bootscript",
                   "security_group",
                   "location",
                   "maintenances",
                   "allowed_actions",
                   "placement_group",
                   "private_nics",
                   "zone",
                   "filesystems",
                   "end_of_service",
                   "dns"})
    EXPECT_TRUE(s.contains(key)) << key;
  EXPECT_EQ(str(s, "state"), "stopped");
  EXPECT_EQ(str(s, "state_detail"), "");
  EXPECT_EQ(str(s, "hostname"), "web");
  EXPECT_TRUE(s.at("location").is_null());
  EXPECT_TRUE(s.at("public_ip").is_null());
  EXPECT_EQ(strings(s.at("allowed_actions")), (std::vector<std::string>{"poweron", "backup"}));
  EXPECT_EQ(str(s.at("security_group"), "name"), "Default security group");
  EXPECT_TRUE(str(s, "creation_date").ends_with("+00:00"));
  auto& root = obj(s.at("volumes"), "0");
  EXPECT_EQ(str(root, "volume_type"), "l_ssd");
  EXPECT_EQ(root.at("size").to_number<std::int64_t>(), 20'000'000'000);  // DEV1-S local max
  EXPECT_EQ(str(root, "name"), "Ubuntu 22.04 Jammy Jellyfish");
  EXPECT_EQ(str(root.at("server"), "id"), str(s, "id"));
  EXPECT_EQ(str(s.at("image"), "organization"), catalogue::kPublicOrganization);
  // The volume exists on its own, attached.
  auto v = t.call("GET", kZ + "/volumes/" + str(root, "id"));
  ASSERT_EQ(v.status, 200);
  EXPECT_EQ(str(obj(v.json, "volume").at("server"), "id"), str(s, "id"));
}

TEST(InstanceServers, CreateRefusesBadInputAndChangesNothing) {
  testing::TestApp t;
  auto none = t.call("POST", kZ + "/servers", R"({"name":"x"})");
  ASSERT_EQ(none.status, 400) << none.raw.body;
  std::set<std::string> args;
  for (auto& d : none.json.as_object().at("details").as_array()) {
    args.insert(str(d, "argument_name"));
    EXPECT_EQ(str(d, "reason"), "required");
  }
  EXPECT_EQ(args, (std::set<std::string>{"commercial_type", "image", "volumes"}));

  auto bad_type = create(t, {{"commercial_type", "NOPE-1"}}, 400);
  EXPECT_EQ(str(bad_type.at("details").as_array()[0], "argument_name"), "commercial_type");
  auto unknown = create(t, {{"image", new_uuid()}}, 404);
  EXPECT_EQ(str(unknown, "resource"), "instance_image");
  auto label = create(t, {{"image", "no_such_label"}}, 404);
  EXPECT_EQ(str(label, "resource"), "instance_image");
  // Local storage must fit DEV1-S (20 GB).
  create(t,
         {{"volumes",
           json::object{{"0", json::object{{"size", 30'000'000'000}, {"volume_type", "l_ssd"}}}}}},
         400);
  create(t,
         {{"image", local_jammy()},
          {"volumes",
           json::object{{"1", json::object{{"size", 15'000'000'000}, {"volume_type", "l_ssd"}}}}}},
         400);  // 15 GB extra leaves 5 GB for a 10 GB image
  auto ip = create(t, {{"public_ips", json::array{new_uuid()}}}, 404);
  EXPECT_EQ(str(ip, "resource"), "instance_ip");
  auto list = t.call("GET", kZ + "/servers");
  EXPECT_EQ(list.json.as_object().at("servers").as_array().size(), 0u);
  auto vols = t.call("GET", kZ + "/volumes");
  EXPECT_EQ(vols.json.as_object().at("volumes").as_array().size(), 0u);
}

TEST(InstanceServers, CreateWithExtraLocalVolumesSharesTheLocalStorage) {
  testing::TestApp t;
  auto s = create(t, {{"image", local_jammy()},
                      {"volumes", json::object{{"1", json::object{{"name", "data"},
                                                                  {"size", 5'000'000'000},
                                                                  {"volume_type", "l_ssd"}}}}}});
  auto& vols = s.at("volumes").as_object();
  ASSERT_EQ(vols.size(), 2u);
  EXPECT_EQ(vols.at("0").as_object().at("size").to_number<std::int64_t>(), 15'000'000'000);
  EXPECT_EQ(str(vols.at("1"), "name"), "data");
}

TEST(InstanceServers, PowerOnOffFollowsTheStateMachine) {
  testing::TestApp t;
  auto s = create(t, {});
  auto id = str(s, "id");
  json::value task;
  ASSERT_EQ(action(t, id, "poweron", &task), 202);
  EXPECT_EQ(str(task.at("task"), "description"), "server_batch_poweron");
  EXPECT_EQ(str(task.at("task"), "href_result"), "/servers/" + id);
  auto st = get(t, id);
  EXPECT_EQ(str(st, "state"), "starting");
  EXPECT_EQ(str(st, "state_detail"), "allocating node");
  EXPECT_TRUE(st.at("location").is_null());
  EXPECT_EQ(strings(st.at("allowed_actions")),
            (std::vector<std::string>{"stop_in_place", "backup"}));
  // Already starting.
  EXPECT_EQ(action(t, id, "poweron", &task), 409);
  EXPECT_EQ(str(task, "type"), "transient_state");
  advance(t, 5);
  st = get(t, id);
  EXPECT_EQ(str(st, "state_detail"), "provisioning node");
  EXPECT_TRUE(st.at("location").is_object());
  advance(t, 10);
  st = get(t, id);
  EXPECT_EQ(str(st, "state"), "running");
  EXPECT_EQ(str(st, "state_detail"), "booting kernel");
  ASSERT_TRUE(st.at("public_ip").is_object());
  EXPECT_TRUE(st.at("public_ip").as_object().at("dynamic").as_bool());
  EXPECT_EQ(st.at("public_ips").as_array().size(), 1u);
  EXPECT_EQ(str(obj(st, "location"), "zone_id"), "fr-par-1");
  // Running: no delete, no poweron.
  auto del = t.call("DELETE", kZ + "/servers/" + id);
  EXPECT_EQ(del.status, 400);
  EXPECT_EQ(str(del.json, "type"), "invalid_request_error");
  EXPECT_EQ(action(t, id, "poweron", &task), 400);
  ASSERT_EQ(action(t, id, "poweroff"), 202);
  st = get(t, id);
  EXPECT_EQ(str(st, "state"), "stopping");
  advance(t, 11);
  st = get(t, id);
  EXPECT_EQ(str(st, "state"), "stopped");
  EXPECT_TRUE(st.at("location").is_null());
  EXPECT_TRUE(st.at("public_ips").as_array().empty());
  // Stopped: terminate is refused (legacy error), delete works and keeps the volume.
  EXPECT_EQ(action(t, id, "terminate", &task), 400);
  auto vol = str(obj(st, "volumes").at("0"), "id");
  EXPECT_EQ(t.call("DELETE", kZ + "/servers/" + id).status, 204);
  EXPECT_EQ(t.call("GET", kZ + "/servers/" + id).status, 404);
  auto v = t.call("GET", kZ + "/volumes/" + vol);
  ASSERT_EQ(v.status, 200);
  EXPECT_TRUE(obj(v.json, "volume").at("server").is_null());
}

TEST(InstanceServers, StopInPlaceRebootAndTerminate) {
  testing::TestApp t;
  auto id = str(create(t, {{"dynamic_ip_required", false}}), "id");
  ASSERT_EQ(action(t, id, "poweron"), 202);
  advance(t, 20);
  EXPECT_TRUE(get(t, id).at("public_ips").as_array().empty());  // no dynamic IP wanted
  ASSERT_EQ(action(t, id, "stop_in_place"), 202);
  EXPECT_EQ(str(get(t, id), "state_detail"), "stopping in place");
  advance(t, 10);
  auto st = get(t, id);
  EXPECT_EQ(str(st, "state"), "stopped in place");
  EXPECT_TRUE(st.at("location").is_object());
  EXPECT_EQ(strings(st.at("allowed_actions")),
            (std::vector<std::string>{"poweron", "poweroff", "terminate", "reboot", "backup"}));
  ASSERT_EQ(action(t, id, "reboot"), 202);
  EXPECT_EQ(str(get(t, id), "state_detail"), "rebooting");
  advance(t, 15);
  EXPECT_EQ(str(get(t, id), "state"), "running");
  t.call("PATCH", kZ + "/servers/" + id + "/user_data/k", "v");
  auto vol = str(obj(get(t, id), "volumes").at("0"), "id");
  ASSERT_EQ(action(t, id, "terminate"), 202);
  st = get(t, id);
  EXPECT_EQ(str(st, "state_detail"), "terminating");
  EXPECT_TRUE(st.at("allowed_actions").as_array().empty());
  EXPECT_EQ(str(obj(st, "volumes").at("0"), "state"), "deleting");
  advance(t, 10);
  EXPECT_EQ(t.call("GET", kZ + "/servers/" + id).status, 404);
  EXPECT_EQ(t.call("GET", kZ + "/volumes/" + vol).status, 404);
}

TEST(InstanceServers, ProtectedServersCannotBeDeletedOrTerminated) {
  testing::TestApp t;
  auto id = str(create(t, {{"protected", true}}), "id");
  auto del = t.call("DELETE", kZ + "/servers/" + id);
  EXPECT_EQ(del.status, 412);
  EXPECT_EQ(str(del.json, "precondition"), "protected_resource");
  auto upd = t.call("PATCH", kZ + "/servers/" + id, R"({"protected":false})");
  ASSERT_EQ(upd.status, 200);
  EXPECT_EQ(t.call("DELETE", kZ + "/servers/" + id).status, 204);
}

TEST(InstanceServers, UpdateFields) {
  testing::TestApp t;
  auto id = str(create(t, {}), "id");
  auto r = t.call("PATCH", kZ + "/servers/" + id,
                  R"({"name":"renamed","tags":["a","b"],"boot_type":"rescue",)"
                  R"("dynamic_ip_required":false,"enable_ipv6":true})");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  auto& s = obj(r.json, "server");
  EXPECT_EQ(str(s, "name"), "renamed");
  EXPECT_EQ(str(s, "hostname"), "renamed");
  EXPECT_EQ(str(s, "boot_type"), "rescue");
  EXPECT_EQ(strings(s.at("tags")), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(s.at("dynamic_ip_required").as_bool());
  // The volume shows the new server name.
  auto v = t.call("GET", kZ + "/volumes/" + str(obj(s, "volumes").at("0"), "id"));
  EXPECT_EQ(str(obj(v.json, "volume").at("server"), "name"), "renamed");

  auto bad_pg = t.call("PATCH", kZ + "/servers/" + id, R"({"placement_group":"1111111"})");
  ASSERT_EQ(bad_pg.status, 400);
  auto& d = bad_pg.json.as_object().at("details").as_array()[0];
  EXPECT_EQ(str(d, "argument_name"), "placement_group");
  EXPECT_EQ(str(d, "reason"), "constraint");
  EXPECT_EQ(str(d, "help_message"), "not a valid value");
  auto no_pg = t.call("PATCH", kZ + "/servers/" + id,
                      R"({"placement_group":"11111111-1111-1111-1111-111111111111"})");
  ASSERT_EQ(no_pg.status, 404);
  EXPECT_EQ(str(no_pg.json, "resource"), "instance_placement_group");
  auto pg = t.call("POST", kZ + "/placement_groups", R"({"name":"pg"})");
  ASSERT_EQ(pg.status, 201) << pg.raw.body;
  auto pg_id = str(obj(pg.json, "placement_group"), "id");
  auto in = t.call("PATCH", kZ + "/servers/" + id, R"({"placement_group":")" + pg_id + R"("})");
  ASSERT_EQ(in.status, 200) << in.raw.body;
  EXPECT_EQ(str(obj(in.json, "server").at("placement_group"), "id"), pg_id);
  auto out = t.call("PATCH", kZ + "/servers/" + id, R"({"placement_group":null})");
  ASSERT_EQ(out.status, 200);
  EXPECT_TRUE(obj(out.json, "server").at("placement_group").is_null());

  // commercial_type: only stopped, and the local storage must fit.
  auto big = t.call("PATCH", kZ + "/servers/" + id, R"({"commercial_type":"DEV1-M"})");
  ASSERT_EQ(big.status, 200) << big.raw.body;
  EXPECT_EQ(str(obj(big.json, "server"), "commercial_type"), "DEV1-M");
  auto sbs_only = t.call("PATCH", kZ + "/servers/" + id, R"({"commercial_type":"PRO2-XXS"})");
  EXPECT_EQ(sbs_only.status, 400) << sbs_only.raw.body;
  ASSERT_EQ(action(t, id, "poweron"), 202);
  auto running = t.call("PATCH", kZ + "/servers/" + id, R"({"commercial_type":"DEV1-S"})");
  EXPECT_EQ(running.status, 400);
}

TEST(InstanceServers, VolumesMapReplaceAttachAndDetach) {
  testing::TestApp t;
  auto s = create(
      t, {{"volumes",
           json::object{{"0", json::object{{"size", 10'000'000'000}, {"volume_type", "l_ssd"}}}}}});
  auto id = str(s, "id");
  auto root = str(obj(s, "volumes").at("0"), "id");
  auto v = t.call("POST", kZ + "/volumes",
                  R"({"name":"extra","volume_type":"l_ssd","size":5000000000})");
  ASSERT_EQ(v.status, 201) << v.raw.body;
  auto extra = str(obj(v.json, "volume"), "id");
  auto att = t.call("POST", kZ + "/servers/" + id + "/attach-volume",
                    R"({"volume_id":")" + extra + R"("})");
  ASSERT_EQ(att.status, 200) << att.raw.body;
  EXPECT_EQ(str(obj(obj(att.json, "server"), "volumes").at("1"), "id"), extra);
  auto again = t.call("POST", kZ + "/servers/" + id + "/attach-volume",
                      R"({"volume_id":")" + extra + R"("})");
  EXPECT_EQ(again.status, 400);
  // In use: cannot be deleted.
  auto del = t.call("DELETE", kZ + "/volumes/" + extra);
  EXPECT_EQ(del.status, 412);
  auto det = t.call("POST", kZ + "/servers/" + id + "/detach-volume",
                    R"({"volume_id":")" + extra + R"("})");
  ASSERT_EQ(det.status, 200) << det.raw.body;
  EXPECT_EQ(obj(obj(det.json, "server"), "volumes").size(), 1u);
  auto not_att = t.call("POST", kZ + "/servers/" + id + "/detach-volume",
                        R"({"volume_id":"11111111-1111-1111-1111-111111111111"})");
  ASSERT_EQ(not_att.status, 400);
  EXPECT_EQ(str(not_att.json.as_object().at("details").as_array()[0], "help_message"),
            "Volume 11111111-1111-1111-1111-111111111111 is not attached to this server");
  // PATCH volumes replaces the map (the JS SDK's attachVolume / detachVolume).
  auto patch = t.call("PATCH", kZ + "/servers/" + id,
                      R"({"volumes":{"0":{"id":")" + root + R"(","name":"x"},"1":{"id":")" + extra +
                          R"(","name":")" + extra + R"("}}})");
  ASSERT_EQ(patch.status, 200) << patch.raw.body;
  EXPECT_EQ(obj(obj(patch.json, "server"), "volumes").size(), 2u);
  auto none = t.call("PATCH", kZ + "/servers/" + id, R"({"volumes":{}})");
  ASSERT_EQ(none.status, 200);
  EXPECT_TRUE(obj(obj(none.json, "server"), "volumes").empty());
  auto free_root = t.call("GET", kZ + "/volumes/" + root);
  EXPECT_TRUE(obj(free_root.json, "volume").at("server").is_null());
  // Local volumes only while stopped.
  t.call("PATCH", kZ + "/servers/" + id, R"({"volumes":{"0":{"id":")" + root + R"("}}})");
  ASSERT_EQ(action(t, id, "poweron"), 202);
  auto hot = t.call("POST", kZ + "/servers/" + id + "/attach-volume",
                    R"({"volume_id":")" + extra + R"("})");
  EXPECT_EQ(hot.status, 400);
}

TEST(InstanceServers, ListFiltersOrderAndPaging) {
  testing::TestApp t;
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(str(create(t, {{"name", "node-" + std::to_string(i)},
                                 {"tags", json::array{i == 1 ? "odd" : "even", "all"}}}),
                      "id"));
    advance(t, 1);
  }
  auto all = t.call("GET", kZ + "/servers?per_page=2");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(header(all.raw, "X-Total-Count"), "3");
  EXPECT_NE(header(all.raw, "Link").find("rel=\"next\""), std::string::npos);
  auto& first = all.json.as_object().at("servers").as_array();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(str(first[0], "id"), ids[2]);  // creation_date_desc by default
  auto asc = t.call("GET", kZ + "/servers?order=creation_date_asc");
  EXPECT_EQ(str(asc.json.as_object().at("servers").as_array()[0], "id"), ids[0]);
  auto by_name = t.call("GET", kZ + "/servers?name=node-1");
  EXPECT_EQ(header(by_name.raw, "X-Total-Count"), "1");
  auto by_tag = t.call("GET", kZ + "/servers?tags=even,all");
  EXPECT_EQ(header(by_tag.raw, "X-Total-Count"), "2");
  auto by_ids = t.call("GET", kZ + "/servers?servers=" + ids[0] + "," + ids[1]);
  EXPECT_EQ(header(by_ids.raw, "X-Total-Count"), "2");
  auto by_type = t.call("GET", kZ + "/servers?commercial_type=DEV1-M");
  EXPECT_EQ(header(by_type.raw, "X-Total-Count"), "0");
  ASSERT_EQ(action(t, ids[0], "poweron"), 202);
  auto starting = t.call("GET", kZ + "/servers?state=starting");
  EXPECT_EQ(header(starting.raw, "X-Total-Count"), "1");
  advance(t, 20);
  auto with_ip = t.call("GET", kZ + "/servers?without_ip=true");
  EXPECT_EQ(header(with_ip.raw, "X-Total-Count"), "2");
  auto other_zone = t.call("GET", "/instance/v1/zones/nl-ams-1/servers");
  EXPECT_EQ(header(other_zone.raw, "X-Total-Count"), "0");
  EXPECT_EQ(t.call("GET", "/instance/v1/zones/nl-ams-1/servers/" + ids[0]).status, 404);
  auto actions = t.call("GET", kZ + "/servers/" + ids[0] + "/action");
  EXPECT_EQ(strings(actions.json.at("actions")).front(), "poweroff");
}

TEST(InstanceServers, UserDataIsRawText) {
  testing::TestApp t;
  auto id = str(create(t, {}), "id");
  auto set = t.call("PATCH", kZ + "/servers/" + id + "/user_data/cloud-init", "#cloud-config\n");
  EXPECT_EQ(set.status, 204);
  t.call("PATCH", kZ + "/servers/" + id + "/user_data/alpha", "a");
  auto got = t.call("GET", kZ + "/servers/" + id + "/user_data/cloud-init");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.raw.content_type, "text/plain");
  EXPECT_EQ(got.raw.body, "#cloud-config\n");
  auto keys = t.call("GET", kZ + "/servers/" + id + "/user_data");
  EXPECT_EQ(strings(keys.json.at("user_data")), (std::vector<std::string>{"alpha", "cloud-init"}));
  auto missing = t.call("GET", kZ + "/servers/" + id + "/user_data/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.raw.content_type, "application/json");
  EXPECT_EQ(missing.json, json::parse(R"({"type":"not_found","message":"resource is not found",)"
                                      R"("resource":"instance_user_data","resource_id":"nope"})"));
  EXPECT_EQ(t.call("DELETE", kZ + "/servers/" + id + "/user_data/nope").json, missing.json);
  EXPECT_EQ(t.call("DELETE", kZ + "/servers/" + id + "/user_data/alpha").status, 204);
  EXPECT_EQ(t.call("GET", kZ + "/servers/" + id + "/user_data/alpha").status, 404);
  EXPECT_EQ(t.call("GET", kZ + "/servers/" + new_uuid() + "/user_data").status, 404);
}

// User data is bytes: gzip output, NULs and bytes that are not UTF-8 come back exactly, and the
// server keeps working (list, delete).
TEST(InstanceServers, UserDataIsBytes) {
  testing::TestApp t;
  auto id = str(create(t, {}), "id");
  std::string bytes("\x1f\x8b\x08\x00\xff\xfe\x00\x01\x80\xc3(\"\\\n", 14);
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  EXPECT_EQ(t.call("PATCH", kZ + "/servers/" + id + "/user_data/cloud-init", bytes).status, 204);
  for (int round = 0; round < 2; ++round) {  // create, then overwrite
    auto got = t.call("GET", kZ + "/servers/" + id + "/user_data/cloud-init");
    ASSERT_EQ(got.status, 200) << got.raw.body;
    EXPECT_EQ(got.raw.content_type, "text/plain");
    EXPECT_EQ(got.raw.body, bytes);
    bytes = std::string("\0\0\xff", 3);
    EXPECT_EQ(t.call("PATCH", kZ + "/servers/" + id + "/user_data/cloud-init", bytes).status, 204);
  }
  EXPECT_EQ(t.call("GET", kZ + "/servers/" + id + "/user_data/cloud-init").raw.body, bytes);
  EXPECT_EQ(t.call("PATCH", kZ + "/servers/" + id + "/user_data/empty", "").status, 204);
  EXPECT_EQ(t.call("GET", kZ + "/servers/" + id + "/user_data/empty").raw.body, "");
  auto keys = t.call("GET", kZ + "/servers/" + id + "/user_data");
  ASSERT_EQ(keys.status, 200) << keys.raw.body;
  EXPECT_EQ(strings(keys.json.at("user_data")), (std::vector<std::string>{"cloud-init", "empty"}));
  EXPECT_EQ(t.call("DELETE", kZ + "/servers/" + id).status, 204);
  EXPECT_EQ(t.call("GET", kZ + "/servers/" + id + "/user_data").status, 404);
}

// Records written before values were encoded hold the value as a JSON string, possibly with
// bytes that are not UTF-8 (what made every read fail): they still read back byte for byte.
TEST(InstanceServers, UserDataWrittenAsTextStillReads) {
  testing::TestApp t;
  auto id = str(create(t, {}), "id");
  ASSERT_EQ(t.call("PATCH", kZ + "/servers/" + id + "/user_data/old", "x").status, 204);
  const std::string legacy("#!\xff\xfe\x00gz", 7);
  {
    auto tx = t.store().begin(store::TxMode::kWrite);
    auto e = tx->get_by_key("instance.user_data", id + "/old");
    ASSERT_TRUE(e);
    e->body = json::object{{"value", legacy}};
    tx->update(*e);
    tx->commit();
  }
  auto got = t.call("GET", kZ + "/servers/" + id + "/user_data/old");
  ASSERT_EQ(got.status, 200) << got.raw.body;
  EXPECT_EQ(got.raw.body, legacy);
  EXPECT_EQ(t.call("GET", kZ + "/servers/" + id + "/user_data").status, 200);
  EXPECT_EQ(t.call("DELETE", kZ + "/servers/" + id).status, 204);
}

TEST(InstanceServers, BackupMakesAnImageAndSnapshots) {
  testing::TestApp t;
  auto id = str(create(t, {{"name", "db"}}), "id");
  json::value task;
  ASSERT_EQ(action(t, id, "backup", &task), 202);
  EXPECT_EQ(str(task.at("task"), "description"), "instance_backup");
  auto href = str(task.at("task"), "href_result");
  ASSERT_TRUE(href.starts_with("/images/"));
  auto img = t.call("GET", kZ + href);
  ASSERT_EQ(img.status, 200);
  auto& i = obj(img.json, "image");
  EXPECT_EQ(str(i, "state"), "creating");
  EXPECT_EQ(str(i, "from_server"), id);
  EXPECT_TRUE(str(i, "name").starts_with("image_db_"));
  auto snap = str(i.at("root_volume"), "id");
  EXPECT_EQ(str(i.at("root_volume"), "name"), str(i, "name") + "_snap_0");
  advance(t, 5);
  EXPECT_EQ(str(obj(t.call("GET", kZ + href).json, "image"), "state"), "available");
  EXPECT_EQ(t.call("GET", kZ + "/snapshots/" + snap).status, 200);
}

TEST(InstanceServers, CompatibleTypesKeepArchAndLocalStorage) {
  testing::TestApp t;
  auto id = str(create(t, {}), "id");
  auto r = t.call("GET", kZ + "/servers/" + id + "/compatible-types");
  ASSERT_EQ(r.status, 200);
  auto types = strings(r.json.at("compatible_types"));
  EXPECT_FALSE(types.empty());
  EXPECT_EQ(std::count(types.begin(), types.end(), "DEV1-S"), 0);
  EXPECT_EQ(std::count(types.begin(), types.end(), "DEV1-M"), 1);
  EXPECT_EQ(std::count(types.begin(), types.end(), "COPARM1-2C-8G"), 0);  // arm64
}

TEST(InstanceServers, QuotaRefusesAndCreatesNothing) {
  testing::TestApp t;
  t.config().quotas["instance_servers"] = 1;
  create(t, {});
  auto r = create(t, {}, 403);
  EXPECT_EQ(str(r, "type"), "quotas_exceeded");
  auto list = t.call("GET", kZ + "/servers");
  EXPECT_EQ(header(list.raw, "X-Total-Count"), "1");
  auto vols = t.call("GET", kZ + "/volumes");
  EXPECT_EQ(header(vols.raw, "X-Total-Count"), "1");
}

}  // namespace
}  // namespace scwd::instance_test
