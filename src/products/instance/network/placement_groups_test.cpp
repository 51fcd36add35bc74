#include <gtest/gtest.h>

#include "products/instance/network/network_test_util.hpp"

namespace scwd::instance_test {
namespace {

namespace instance = products::instance;

json::object create_pg(testing::TestApp& t, json::object body = {}) {
  if (!body.contains("name")) body["name"] = "pg";
  return create_in(t, "placement_groups", "placement_group", body);
}

json::array members(testing::TestApp& t, const std::string& pg) {
  return list_of(t, kZ + "/placement_groups/" + pg + "/servers", "servers");
}

TEST(PlacementGroups, CreateGetDefaults) {
  testing::TestApp t;
  auto r = t.call("POST", kZ + "/placement_groups", R"({"name":"spread","tags":["a"]})");
  ASSERT_EQ(r.status, 201) << r.raw.body;
  auto& pg = r.json.at("placement_group").as_object();
  EXPECT_EQ(str(pg, "policy_mode"), "optional");
  EXPECT_EQ(str(pg, "policy_type"), "max_availability");
  EXPECT_EQ(pg.at("policy_respected"), json::value(true));
  EXPECT_EQ(str(pg, "zone"), "fr-par-1");
  EXPECT_EQ(str(pg, "organization"), t.identity().organization_id);
  EXPECT_NE(header(r.raw, "Location").find("/placement_groups/" + str(pg, "id")),
            std::string::npos);
  auto got = call(t, "GET", kZ + "/placement_groups/" + str(pg, "id"), nullptr, 200);
  EXPECT_EQ(str(got.at("placement_group"), "name"), "spread");
  auto ll = create_pg(t, {{"policy_type", "low_latency"}, {"policy_mode", "enforced"}});
  EXPECT_EQ(str(ll, "policy_type"), "low_latency");
  EXPECT_EQ(str(ll, "policy_mode"), "enforced");
}

TEST(PlacementGroups, ErrorsAndQuota) {
  testing::TestApp t;
  call(t, "POST", kZ + "/placement_groups",
       json::object{{"name", "x"}, {"policy_type", "everywhere"}}, 400);
  auto nf =
      call(t, "GET", kZ + "/placement_groups/6a3c8ad2-6f0e-4f8f-9f7a-3f0c3c3b5a11", nullptr, 404);
  EXPECT_EQ(str(nf, "resource"), "instance_placement_group");
  call(t, "PATCH", kZ + "/placement_groups/1111111", json::object{{"name", "x"}}, 404);
  call(t, "DELETE", kZ + "/placement_groups/6a3c8ad2-6f0e-4f8f-9f7a-3f0c3c3b5a11", nullptr, 404);
  t.config().quotas["instance_placement_groups"] = 1;
  create_pg(t);
  auto q = call(t, "POST", kZ + "/placement_groups", json::object{{"name", "two"}}, 403);
  EXPECT_EQ(str(q, "type"), "quotas_exceeded");
}

TEST(PlacementGroups, ListUpdateSetDelete) {
  testing::TestApp t;
  auto a = create_pg(t, {{"name", "front"}, {"tags", json::array{"x"}}});
  create_pg(t, {{"name", "back"}});
  auto all = t.call("GET", kZ + "/placement_groups");
  EXPECT_EQ(header(all.raw, "X-Total-Count"), "2");
  auto named = t.call("GET", kZ + "/placement_groups?name=fro");
  EXPECT_EQ(named.json.at("placement_groups").as_array().size(), 1u);
  auto tagged = t.call("GET", kZ + "/placement_groups?tags=x");
  EXPECT_EQ(tagged.json.at("placement_groups").as_array().size(), 1u);
  auto id = str(a, "id");
  auto up = call(t, "PATCH", kZ + "/placement_groups/" + id,
                 json::object{{"name", "front2"}, {"policy_type", "low_latency"}}, 200)
                .at("placement_group");
  EXPECT_EQ(str(up, "name"), "front2");
  EXPECT_EQ(str(up, "policy_type"), "low_latency");
  EXPECT_EQ(up.at("tags").as_array().size(), 1u);
  auto set = call(t, "PUT", kZ + "/placement_groups/" + id,
                  json::object{{"name", "full"},
                               {"organization", t.identity().organization_id},
                               {"project", t.identity().organization_id},
                               {"policy_mode", "enforced"},
                               {"policy_type", "max_availability"},
                               {"tags", json::array{}}},
                  200)
                 .at("placement_group");
  EXPECT_EQ(str(set, "policy_mode"), "enforced");
  EXPECT_TRUE(set.at("tags").as_array().empty());
  call(t, "PUT", kZ + "/placement_groups/" + id, json::object{{"policy_mode", "optional"}}, 400);
  call(t, "DELETE", kZ + "/placement_groups/" + id, nullptr, 204);
  call(t, "GET", kZ + "/placement_groups/" + id, nullptr, 404);
}

TEST(PlacementGroups, ServersAndPolicyRespected) {
  testing::TestApp t;
  auto pg = create_pg(t);
  auto id = str(pg, "id");
  auto s1 = insert_server(t, {.name = "s1", .state = "running", .hypervisor = "101"});
  auto s2 = insert_server(t, {.name = "s2", .state = "running", .hypervisor = "101"});
  auto s3 = insert_server(t, {.name = "s3"});
  auto r = t.call("PUT", kZ + "/placement_groups/" + id + "/servers",
                  json::serialize(json::object{{"servers", json::array{s1.id, s3.id}}}));
  ASSERT_EQ(r.status, 200) << r.raw.body;
  auto& out = r.json.at("servers").as_array();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].at("policy_respected"), json::value(true));
  EXPECT_EQ(get_record(t, instance::kServerKind, s1.id)->body.at("placement_group_id"),
            json::value(id));
  // Two members on one hypervisor break max_availability.
  call(t, "PATCH", kZ + "/placement_groups/" + id + "/servers",
       json::object{{"servers", json::array{s1.id, s2.id, s3.id}}}, 200);
  auto m = members(t, id);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].at("policy_respected"), json::value(false));
  EXPECT_EQ(m[2].at("policy_respected"), json::value(true));  // s3 is not placed
  auto got = call(t, "GET", kZ + "/placement_groups/" + id, nullptr, 200).at("placement_group");
  EXPECT_EQ(got.at("policy_respected"), json::value(false));
  // ... and respect low_latency.
  call(t, "PATCH", kZ + "/placement_groups/" + id, json::object{{"policy_type", "low_latency"}},
       200);
  got = call(t, "GET", kZ + "/placement_groups/" + id, nullptr, 200).at("placement_group");
  EXPECT_EQ(got.at("policy_respected"), json::value(true));
  auto listing = t.call("GET", kZ + "/placement_groups/" + id + "/servers");
  EXPECT_EQ(header(listing.raw, "X-Total-Count"), "3");
  call(t, "PUT", kZ + "/placement_groups/" + id + "/servers",
       json::object{{"servers", json::array{s1.id}}}, 200);
  EXPECT_TRUE(get_record(t, instance::kServerKind, s2.id)->body.at("placement_group_id").is_null());
  // Deleting a group with members works (recorded): they leave it.
  call(t, "DELETE", kZ + "/placement_groups/" + id, nullptr, 204);
  EXPECT_TRUE(get_record(t, instance::kServerKind, s1.id)->body.at("placement_group_id").is_null());
}

TEST(PlacementGroups, PlaceInGroupFollowsThePolicy) {
  testing::TestApp t;
  auto spread = str(create_pg(t), "id");
  auto close = str(create_pg(t, {{"policy_type", "low_latency"}}), "id");
  insert_server(t,
                {.name = "a", .state = "running", .placement_group = spread, .hypervisor = "101"});
  insert_server(t,
                {.name = "b", .state = "running", .placement_group = close, .hypervisor = "250"});
  auto s = insert_server(t, {.name = "new", .placement_group = spread});
  auto c = insert_server(t, {.name = "new2", .placement_group = close});
  auto lone = insert_server(t, {.name = "lone"});
  auto tx = t.store().begin(store::TxMode::kRead);
  json::object loc{{"zone_id", "fr-par-1"}, {"hypervisor_id", "101"}, {"cluster_id", "9"}};
  instance::place_in_group(*tx, s, loc);
  EXPECT_EQ(str(loc, "hypervisor_id"), "102");  // 101 is taken by another member
  json::object loc2{{"hypervisor_id", "101"}};
  instance::place_in_group(*tx, c, loc2);
  EXPECT_EQ(str(loc2, "hypervisor_id"), "250");  // next to the placed member
  json::object loc3{{"hypervisor_id", "101"}};
  instance::place_in_group(*tx, lone, loc3);
  EXPECT_EQ(str(loc3, "hypervisor_id"), "101");
}

TEST(PlacementGroups, ServersBadInput) {
  testing::TestApp t;
  auto id = str(create_pg(t), "id");
  auto s = insert_server(t, {.name = "s"});
  call(t, "PUT", kZ + "/placement_groups/" + id + "/servers",
       json::object{{"servers", json::array{"nope"}}}, 400);
  auto nf = call(
      t, "PUT", kZ + "/placement_groups/" + id + "/servers",
      json::object{{"servers", json::array{s.id, "0c265f34-84f7-42bf-937e-c8c5e704e559"}}}, 404);
  EXPECT_EQ(str(nf, "resource"), "instance_server");
  EXPECT_TRUE(members(t, id).empty());  // nothing changed
  call(t, "PUT", kZ + "/placement_groups/" + id + "/servers", json::object{}, 400);
  call(t, "GET", kZ + "/placement_groups/0c265f34-84f7-42bf-937e-c8c5e704e559/servers", nullptr,
       404);
  json::array many;
  for (int i = 0; i < 21; ++i) many.push_back(json::string(new_uuid()));
  call(t, "PUT", kZ + "/placement_groups/" + id + "/servers", json::object{{"servers", many}}, 400);
}

TEST(Dashboard, CountsFromTheStore) {
  testing::TestApp t;
  call(t, "POST", kZ + "/security_groups", json::object{{"name", "a"}}, 201);
  call(t, "POST", kZ + "/placement_groups", json::object{{"name", "a"}}, 201);
  auto s = insert_server(t, {.name = "r", .state = "running", .hypervisor = "7"});
  insert_server(t, {.name = "s"});
  call(t, "POST", kZ + "/ips", json::object{{"server", s.id}}, 201);
  call(t, "POST", kZ + "/ips", json::object{}, 201);
  auto d = call(t, "GET", kZ + "/dashboard", nullptr, 200).at("dashboard");
  EXPECT_EQ(d.at("servers_count"), json::value(2));
  EXPECT_EQ(d.at("running_servers_count"), json::value(1));
  EXPECT_EQ(d.at("servers_by_types").at("DEV1-S"), json::value(2));
  EXPECT_EQ(d.at("ips_count"), json::value(2));
  EXPECT_EQ(d.at("ips_unused"), json::value(1));
  EXPECT_EQ(d.at("security_groups_count"), json::value(1));
  EXPECT_EQ(d.at("placement_groups_count"), json::value(1));
  EXPECT_EQ(d.at("volumes_b_ssd_count"), json::value(0));
  EXPECT_TRUE(d.as_object().contains("volumes_l_ssd_total_size"));
  auto other = call(t, "GET", "/instance/v1/zones/nl-ams-1/dashboard", nullptr, 200);
  EXPECT_EQ(other.at("dashboard").at("servers_count"), json::value(0));
  call(t, "GET", kZ + "/dashboard?project=nope", nullptr, 400);
}

TEST(BlockMigration, PlanApplyAndQuotas) {
  testing::TestApp t;
  auto e = call(t, "POST", kZ + "/block-migration/plan", json::object{}, 400);
  EXPECT_EQ(str(e, "type"), "invalid_arguments");
  auto nf = call(t, "POST", kZ + "/block-migration/plan",
                 json::object{{"volume_id", "0c265f34-84f7-42bf-937e-c8c5e704e559"}}, 404);
  EXPECT_EQ(str(nf, "resource"), "instance_volume");
  auto nfs = call(t, "POST", kZ + "/block-migration/plan",
                  json::object{{"snapshot_id", "0c265f34-84f7-42bf-937e-c8c5e704e559"}}, 404);
  EXPECT_EQ(str(nfs, "resource"), "instance_snapshot");
  call(t, "POST", kZ + "/block-migration/plan",
       json::object{{"volume_id", "0c265f34-84f7-42bf-937e-c8c5e704e559"},
                    {"snapshot_id", "0c265f34-84f7-42bf-937e-c8c5e704e559"}},
       400);
  // A local volume cannot be migrated.
  store::Record v;
  v.kind = std::string(instance::kVolumeKind);
  v.id = new_uuid();
  v.organization_id = v.project_id = t.identity().organization_id;
  v.locality = "fr-par-1";
  v.name = "local";
  v.state = "available";
  v.body = json::object{{"volume_type", "l_ssd"}, {"size", 20000000000}};
  t.store().write([&](store::Tx& tx) {
    tx.insert(v);
    return true;
  });
  auto local =
      call(t, "POST", kZ + "/block-migration/plan", json::object{{"volume_id", v.id}}, 400);
  EXPECT_EQ(str(local.at("details").as_array()[0], "argument_name"), "volume_id");
  call(t, "POST", kZ + "/block-migration/apply", json::object{{"volume_id", v.id}}, 400);
  call(t, "POST", kZ + "/block-migration/apply",
       json::object{{"volume_id", v.id}, {"validation_key", "k"}}, 400);
  // A legacy b_ssd volume (none is ever created by scwd) gets a plan whose key apply checks.
  v.body["volume_type"] = "b_ssd";
  t.store().write([&](store::Tx& tx) {
    tx.update(v);
    return true;
  });
  auto plan = call(t, "POST", kZ + "/block-migration/plan", json::object{{"volume_id", v.id}}, 200);
  EXPECT_EQ(str(plan.at("volume"), "id"), v.id);
  EXPECT_TRUE(plan.at("snapshots").as_array().empty());
  auto key = str(plan, "validation_key");
  auto wrong = call(t, "POST", kZ + "/block-migration/apply",
                    json::object{{"volume_id", v.id}, {"validation_key", "bad"}}, 400);
  EXPECT_EQ(str(wrong.at("details").as_array()[0], "argument_name"), "validation_key");
  call(t, "POST", kZ + "/block-migration/apply",
       json::object{{"volume_id", v.id}, {"validation_key", key}}, 412);
  call(t, "POST", kZ + "/block-migration/check-organization-quotas",
       json::object{{"organization", t.identity().organization_id}}, 204);
  call(t, "POST", kZ + "/block-migration/check-organization-quotas",
       json::object{{"organization", "0c265f34-84f7-42bf-937e-c8c5e704e559"}}, 403);
}

}  // namespace
}  // namespace scwd::instance_test
