#include <gtest/gtest.h>

#include "products/instance/network/network_test_util.hpp"

namespace scwd::instance_test {
namespace {

json::object create_sg(testing::TestApp& t, json::object body = {}) {
  if (!body.contains("name")) body["name"] = "web";
  return create_in(t, "security_groups", "security_group", body);
}

// A rule's body: its protocol, direction, action and ip_range, then the `extra` keys.
json::object rule_body(std::string_view protocol, std::string_view direction,
                       std::string_view action, std::string_view ip_range,
                       const json::object& extra = {}) {
  json::object r{
      {"protocol", protocol}, {"direction", direction}, {"action", action}, {"ip_range", ip_range}};
  for (auto& [k, v] : extra) r[k] = v;
  return r;
}

json::array rules_of(testing::TestApp& t, const std::string& sg) {
  return list_of(t, kZ + "/security_groups/" + sg + "/rules", "rules");
}

// POSTs a rule to `base` (a group's rules), expecting 201; the new rule.
json::value add_rule(testing::TestApp& t, const std::string& base, const json::object& body) {
  return call(t, "POST", base, body, 201).at("rule");
}

TEST(SecurityGroups, CreateGetDefaults) {
  testing::TestApp t;
  auto r = t.call("POST", kZ + "/security_groups", R"({"name":"web","tags":["a"]})");
  ASSERT_EQ(r.status, 201) << r.raw.body;
  auto& sg = r.json.as_object().at("security_group").as_object();
  auto id = str(sg, "id");
  EXPECT_NE(header(r.raw, "Location").find("/instance/v1/zones/fr-par-1/security_groups/" + id),
            std::string::npos);
  EXPECT_TRUE(sg.at("description").is_null());
  EXPECT_EQ(sg.at("stateful"), json::value(true));
  EXPECT_EQ(sg.at("enable_default_security"), json::value(true));
  EXPECT_EQ(sg.at("project_default"), json::value(false));
  EXPECT_EQ(sg.at("organization_default"), json::value(false));
  EXPECT_EQ(str(sg, "inbound_default_policy"), "accept");
  EXPECT_EQ(str(sg, "state"), "available");
  EXPECT_EQ(str(sg, "zone"), "fr-par-1");
  EXPECT_EQ(str(sg, "project"), t.identity().organization_id);
  EXPECT_TRUE(sg.at("servers").as_array().empty());
  EXPECT_EQ(sg.at("tags").as_array().size(), 1u);
  EXPECT_NE(str(sg, "creation_date").find("+00:00"), std::string::npos);

  auto got = call(t, "GET", kZ + "/security_groups/" + id, nullptr, 200);
  EXPECT_EQ(str(got.at("security_group"), "name"), "web");
  // Another zone does not see it.
  call(t, "GET", "/instance/v1/zones/nl-ams-1/security_groups/" + id, nullptr, 404);
}

TEST(SecurityGroups, BadInputAndUnknownIds) {
  testing::TestApp t;
  auto e = call(t, "POST", kZ + "/security_groups", json::object{{"description", "x"}}, 400);
  EXPECT_EQ(str(e, "type"), "invalid_arguments");
  call(t, "POST", kZ + "/security_groups",
       json::object{{"name", "x"}, {"inbound_default_policy", "reject"}}, 400);
  auto nf =
      call(t, "GET", kZ + "/security_groups/6a3c8ad2-6f0e-4f8f-9f7a-3f0c3c3b5a11", nullptr, 404);
  EXPECT_EQ(str(nf, "resource"), "instance_security_group");
  call(t, "GET", kZ + "/security_groups/not-a-uuid", nullptr, 404);
  call(t, "DELETE", kZ + "/security_groups/6a3c8ad2-6f0e-4f8f-9f7a-3f0c3c3b5a11", nullptr, 404);
  call(t, "PATCH", kZ + "/security_groups/6a3c8ad2-6f0e-4f8f-9f7a-3f0c3c3b5a11",
       json::object{{"name", "x"}}, 404);
  // Nothing was created by the refused calls.
  auto list = t.call("GET", kZ + "/security_groups");
  EXPECT_EQ(header(list.raw, "X-Total-Count"), "0");
}

TEST(SecurityGroups, ListFiltersAndPaging) {
  testing::TestApp t;
  create_sg(t, {{"name", "alpha-1"}, {"tags", json::array{"x", "y"}}});
  create_sg(t, {{"name", "alpha-2"}, {"tags", json::array{"x"}}});
  create_sg(t, {{"name", "beta"}, {"project_default", true}});
  auto all = t.call("GET", kZ + "/security_groups?per_page=2");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(header(all.raw, "X-Total-Count"), "3");
  EXPECT_NE(header(all.raw, "Link").find("rel=\"next\""), std::string::npos);
  EXPECT_EQ(all.json.at("security_groups").as_array().size(), 2u);
  expect_list_counts(t, "security_groups", {{"name=alpha", 2}, {"tags=x,y", 1}});
  auto def = list_of(t, kZ + "/security_groups?project_default=true", "security_groups");
  ASSERT_EQ(def.size(), 1u);
  EXPECT_EQ(str(def[0], "name"), "beta");
  auto proj = t.call("GET", kZ + "/security_groups?project=" + t.identity().organization_id);
  EXPECT_EQ(header(proj.raw, "X-Total-Count"), "3");
  call(t, "GET", kZ + "/security_groups?project=nope", nullptr, 400);
}

TEST(SecurityGroups, UpdateSetAndProjectDefault) {
  testing::TestApp t;
  auto a = create_sg(t, {{"name", "a"}, {"project_default", true}});
  auto b = create_sg(t, {{"name", "b"}, {"description", "desc"}});
  auto up = call(t, "PATCH", kZ + "/security_groups/" + str(b, "id"),
                 json::object{{"name", "b2"},
                              {"description", nullptr},
                              {"stateful", false},
                              {"inbound_default_policy", "drop"},
                              {"project_default", true},
                              {"tags", json::array{"t"}}},
                 200)
                .at("security_group");
  EXPECT_EQ(str(up, "name"), "b2");
  EXPECT_TRUE(up.at("description").is_null());
  EXPECT_EQ(up.at("stateful"), json::value(false));
  EXPECT_EQ(str(up, "inbound_default_policy"), "drop");
  EXPECT_EQ(up.at("project_default"), json::value(true));
  // The previous default lost the flag.
  auto old = call(t, "GET", kZ + "/security_groups/" + str(a, "id"), nullptr, 200);
  EXPECT_EQ(old.at("security_group").at("project_default"), json::value(false));

  auto set = call(t, "PUT", kZ + "/security_groups/" + str(a, "id"),
                  json::object{{"name", "full"},
                               {"description", "d"},
                               {"stateful", true},
                               {"inbound_default_policy", "accept"},
                               {"outbound_default_policy", "drop"},
                               {"enable_default_security", false},
                               {"project_default", false},
                               {"organization_default", false},
                               {"project", t.identity().organization_id},
                               {"organization", t.identity().organization_id},
                               {"tags", json::array{}}},
                  200)
                 .at("security_group");
  EXPECT_EQ(str(set, "name"), "full");
  EXPECT_EQ(str(set, "outbound_default_policy"), "drop");
  EXPECT_EQ(set.at("enable_default_security"), json::value(false));
  call(t, "PUT", kZ + "/security_groups/" + str(a, "id"), json::object{{"description", "x"}}, 400);
}

TEST(SecurityGroups, ChangesSyncThenSettle) {
  testing::TestApp t;
  auto id = str(create_sg(t, {{"name", "s"}, {"tags", json::array{"a"}}}), "id");
  // Same values: nothing to push, the group stays available.
  auto same = call(t, "PATCH", kZ + "/security_groups/" + id,
                   json::object{{"name", "s"}, {"tags", json::array{"a"}}}, 200);
  EXPECT_EQ(str(same.at("security_group"), "state"), "available");
  auto changed =
      call(t, "PATCH", kZ + "/security_groups/" + id, json::object{{"tags", json::array{}}}, 200);
  EXPECT_EQ(str(changed.at("security_group"), "state"), "syncing");
  auto r = t.call("POST", "/_scwd/clock/advance", R"({"seconds": 2})");
  ASSERT_EQ(r.status, 200) << r.raw.body;
  auto got = call(t, "GET", kZ + "/security_groups/" + id, nullptr, 200);
  EXPECT_EQ(str(got.at("security_group"), "state"), "available");
  EXPECT_TRUE(got.at("security_group").at("tags").as_array().empty());
}

TEST(SecurityGroups, DeleteConflictsWhileServersUseIt) {
  testing::TestApp t;
  auto sg = create_sg(t);
  auto id = str(sg, "id");
  ServerSpec spec;
  spec.security_group = id;
  spec.name = "web-1";
  auto s = insert_server(t, spec);
  auto got = call(t, "GET", kZ + "/security_groups/" + id, nullptr, 200).at("security_group");
  ASSERT_EQ(got.at("servers").as_array().size(), 1u);
  EXPECT_EQ(str(got.at("servers").as_array()[0], "name"), "web-1");
  auto e = call(t, "DELETE", kZ + "/security_groups/" + id, nullptr, 409);
  EXPECT_EQ(str(e, "type"), "conflict");
  EXPECT_EQ(str(e, "message"), "Group is in use. You cannot delete it.");
  t.store().write([&](store::Tx& tx) { return tx.remove(products::instance::kServerKind, s.id); });
  call(t, "POST", kZ + "/security_groups/" + id + "/rules",
       rule_body("TCP", "inbound", "accept", "0.0.0.0/0"), 201);
  call(t, "DELETE", kZ + "/security_groups/" + id, nullptr, 204);
  call(t, "GET", kZ + "/security_groups/" + id, nullptr, 404);
  // Its rules went with it.
  auto tx = t.store().begin(store::TxMode::kRead);
  store::ListQuery q;
  q.kind = std::string(products::instance::kSecurityGroupRuleKind);
  EXPECT_EQ(tx->count(q), 0);
}

TEST(SecurityGroups, Quota) {
  testing::TestApp t;
  t.config().quotas["instance_security_groups"] = 1;
  create_sg(t);
  auto e = call(t, "POST", kZ + "/security_groups", json::object{{"name", "two"}}, 403);
  EXPECT_EQ(str(e, "type"), "quotas_exceeded");
  EXPECT_EQ(str(e.at("details").as_array()[0], "resource"), "instance_security_groups");
}

TEST(SecurityGroupRules, DefaultRulesListedFirst) {
  testing::TestApp t;
  auto sg = create_sg(t);
  auto id = str(sg, "id");
  auto r = t.call("GET", kZ + "/security_groups/" + id + "/rules");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(header(r.raw, "X-Total-Count"), "");
  auto& rules = r.json.at("rules").as_array();
  ASSERT_EQ(rules.size(), 6u);
  EXPECT_EQ(str(rules[0], "id"), "11111111-2222-4333-8444-000000000001");
  EXPECT_EQ(rules[0].at("dest_port_from"), json::value(25));
  EXPECT_TRUE(rules[0].at("dest_port_to").is_null());
  EXPECT_EQ(rules[0].at("editable"), json::value(false));
  EXPECT_EQ(str(rules[3], "ip_range"), "::/0");
  EXPECT_EQ(str(rules[5], "action"), "drop");
  auto d = call(t, "GET", kZ + "/security_groups/default/rules", nullptr, 200);
  EXPECT_EQ(d.at("rules").as_array().size(), 6u);
  auto one =
      call(t, "GET", kZ + "/security_groups/" + id + "/rules/11111111-2222-4333-8444-000000000002",
           nullptr, 200);
  EXPECT_EQ(one.at("rule").at("dest_port_from"), json::value(465));
  call(t, "PATCH", kZ + "/security_groups/" + id + "/rules/11111111-2222-4333-8444-000000000002",
       json::object{{"action", "accept"}}, 400);
  call(t, "DELETE", kZ + "/security_groups/" + id + "/rules/11111111-2222-4333-8444-000000000002",
       nullptr, 400);
  call(t, "PATCH", kZ + "/security_groups/" + id, json::object{{"enable_default_security", false}},
       200);
  EXPECT_TRUE(rules_of(t, id).empty());
}

TEST(SecurityGroupRules, CreateNormalisesAndPositions) {
  testing::TestApp t;
  auto id = str(create_sg(t, {{"enable_default_security", false}}), "id");
  auto base = kZ + "/security_groups/" + id + "/rules";
  auto r = t.call("POST", base,
                  R"({"protocol":"TCP","direction":"inbound","action":"accept",)"
                  R"("ip_range":"8.8.8.8/32","dest_port_from":22,"dest_port_to":22})");
  ASSERT_EQ(r.status, 201) << r.raw.body;
  auto& rule = r.json.at("rule").as_object();
  EXPECT_EQ(str(rule, "ip_range"), "8.8.8.8");
  EXPECT_TRUE(rule.at("dest_port_to").is_null());
  EXPECT_EQ(rule.at("position"), json::value(1));
  EXPECT_EQ(rule.at("editable"), json::value(true));
  EXPECT_TRUE(rule.at("dest_ip_range").is_null());
  EXPECT_NE(header(r.raw, "Location").find("/rules/" + str(rule, "id")), std::string::npos);
  auto v6 = add_rule(t, base,
                     rule_body("UDP", "outbound", "drop", "2001:db8::1/128",
                               {{"dest_port_from", 1}, {"dest_port_to", 1024}}));
  EXPECT_EQ(str(v6, "ip_range"), "2001:db8::1");
  EXPECT_EQ(v6.at("dest_port_to"), json::value(1024));
  EXPECT_EQ(v6.at("position"), json::value(2));
  // Inserted at position 1: the others move down.
  auto first = add_rule(t, base,
                        rule_body("ICMP", "inbound", "accept", "10.0.0.0/8",
                                  {{"dest_port_from", 80}, {"position", 1}}));
  EXPECT_EQ(first.at("position"), json::value(1));
  EXPECT_TRUE(first.at("dest_port_from").is_null());  // ICMP has no ports
  EXPECT_EQ(str(first, "ip_range"), "10.0.0.0/8");
  auto rules = rules_of(t, id);
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(str(rules[0], "id"), str(first, "id"));
  EXPECT_EQ(str(rules[1], "id"), str(rule, "id"));
  EXPECT_EQ(rules[1].at("position"), json::value(2));
  EXPECT_EQ(rules[2].at("position"), json::value(3));
}

TEST(SecurityGroupRules, BadInputChangesNothing) {
  testing::TestApp t;
  auto id = str(create_sg(t, {{"enable_default_security", false}}), "id");
  auto base = kZ + "/security_groups/" + id + "/rules";
  auto good = rule_body("TCP", "inbound", "accept", "0.0.0.0/0");
  auto bad_range = good;
  bad_range["ip_range"] = "300.1.1.1/33";
  auto e = call(t, "POST", base, bad_range, 400);
  EXPECT_EQ(str(e.at("details").as_array()[0], "argument_name"), "ip_range");
  auto bad_proto = good;
  bad_proto["protocol"] = "SCTP";
  call(t, "POST", base, bad_proto, 400);
  auto bad_port = good;
  bad_port["dest_port_from"] = 70000;
  call(t, "POST", base, bad_port, 400);
  auto reversed = good;
  reversed["dest_port_from"] = 100;
  reversed["dest_port_to"] = 10;
  call(t, "POST", base, reversed, 400);
  call(t, "POST", base, json::object{{"protocol", "TCP"}}, 400);
  EXPECT_TRUE(rules_of(t, id).empty());
  call(t, "POST", kZ + "/security_groups/6a3c8ad2-6f0e-4f8f-9f7a-3f0c3c3b5a11/rules", good, 404);
  auto nf = call(t, "GET", base + "/6a3c8ad2-6f0e-4f8f-9f7a-3f0c3c3b5a11", nullptr, 404);
  EXPECT_EQ(str(nf, "resource"), "instance_security_group_rule");
}

TEST(SecurityGroupRules, UpdateGetDelete) {
  testing::TestApp t;
  auto id = str(create_sg(t, {{"enable_default_security", false}}), "id");
  auto base = kZ + "/security_groups/" + id + "/rules";
  auto a = add_rule(t, base,
                    rule_body("TCP", "inbound", "accept", "8.8.8.8/32",
                              {{"dest_port_from", 1}, {"dest_port_to", 1024}}));
  auto b = add_rule(t, base, rule_body("ANY", "outbound", "drop", "1.1.1.0/24"));
  auto up = call(t, "PATCH", base + "/" + str(a, "id"),
                 json::object{{"protocol", "UDP"},
                              {"direction", "outbound"},
                              {"ip_range", "1.1.1.1/32"},
                              {"dest_port_from", 22},
                              {"dest_port_to", 22}},
                 200)
                .at("rule");
  EXPECT_EQ(str(up, "protocol"), "UDP");
  EXPECT_EQ(str(up, "ip_range"), "1.1.1.1");
  EXPECT_EQ(up.at("dest_port_from"), json::value(22));
  EXPECT_TRUE(up.at("dest_port_to").is_null());
  EXPECT_EQ(str(up, "action"), "accept");  // untouched
  // Move it after b.
  auto moved = call(t, "PATCH", base + "/" + str(a, "id"), json::object{{"position", 2}}, 200);
  EXPECT_EQ(moved.at("rule").at("position"), json::value(2));
  auto got = call(t, "GET", base + "/" + str(b, "id"), nullptr, 200);
  EXPECT_EQ(got.at("rule").at("position"), json::value(1));
  // PATCH protocol ICMP drops the ports.
  auto icmp = call(t, "PATCH", base + "/" + str(a, "id"), json::object{{"protocol", "ICMP"}}, 200);
  EXPECT_TRUE(icmp.at("rule").at("dest_port_from").is_null());
  // PUT of one rule (SDK-private) replaces every field.
  auto put = call(t, "PUT", base + "/" + str(a, "id"),
                  rule_body("TCP", "inbound", "drop", "0.0.0.0/0",
                            {{"dest_port_from", 443}, {"position", 2}, {"editable", true}}),
                  200);
  EXPECT_EQ(put.at("rule").at("dest_port_from"), json::value(443));
  call(t, "PATCH", base + "/" + str(a, "id"), json::object{{"ip_range", "nope"}}, 400);
  call(t, "DELETE", base + "/" + str(b, "id"), nullptr, 204);
  call(t, "DELETE", base + "/" + str(b, "id"), nullptr, 404);
  auto rules = rules_of(t, id);
  ASSERT_EQ(rules.size(), 1u);
  EXPECT_EQ(rules[0].at("position"), json::value(1));
}

TEST(SecurityGroupRules, SetReplacesAll) {
  testing::TestApp t;
  auto id = str(create_sg(t), "id");
  auto base = kZ + "/security_groups/" + id + "/rules";
  auto keep = add_rule(
      t, base, rule_body("TCP", "inbound", "accept", "0.0.0.0/0", {{"dest_port_from", 80}}));
  auto drop = add_rule(
      t, base, rule_body("TCP", "inbound", "accept", "0.0.0.0/0", {{"dest_port_from", 443}}));
  // Go sends every key, with nulls, plus zone; the fixed default rules are ignored.
  json::array rules{json::object{{"id", nullptr},
                                 {"action", "drop"},
                                 {"protocol", "ANY"},
                                 {"direction", "inbound"},
                                 {"ip_range", "1.1.1.1/32"},
                                 {"dest_port_from", nullptr},
                                 {"dest_port_to", nullptr},
                                 {"position", 0},
                                 {"editable", nullptr},
                                 {"zone", "fr-par-1"}},
                    json::object{{"id", str(keep, "id")},
                                 {"action", "accept"},
                                 {"protocol", "TCP"},
                                 {"direction", "inbound"},
                                 {"ip_range", "0.0.0.0/0"},
                                 {"dest_port_from", 8080},
                                 {"dest_port_to", 8080},
                                 {"position", 0},
                                 {"editable", true},
                                 {"zone", "fr-par-1"}},
                    json::object{{"id", "11111111-2222-4333-8444-000000000001"},
                                 {"action", "drop"},
                                 {"protocol", "TCP"},
                                 {"direction", "outbound"},
                                 {"ip_range", "0.0.0.0/0"},
                                 {"dest_port_from", 25},
                                 {"position", 1},
                                 {"editable", false}}};
  auto out = call(t, "PUT", base, json::object{{"rules", rules}}, 200).at("rules").as_array();
  ASSERT_EQ(out.size(), 8u);  // 6 default + 2
  EXPECT_EQ(str(out[6], "ip_range"), "1.1.1.1");
  EXPECT_EQ(out[6].at("position"), json::value(1));
  EXPECT_EQ(str(out[7], "id"), str(keep, "id"));
  EXPECT_EQ(out[7].at("dest_port_from"), json::value(8080));
  EXPECT_TRUE(out[7].at("dest_port_to").is_null());
  EXPECT_EQ(out[7].at("position"), json::value(2));
  call(t, "GET", base + "/" + str(drop, "id"), nullptr, 404);
  EXPECT_EQ(rules_of(t, id).size(), 8u);
  // Unknown rule id: 404 and nothing changes.
  json::array unknown{json::object{{"id", "6a3c8ad2-6f0e-4f8f-9f7a-3f0c3c3b5a11"},
                                   {"action", "drop"},
                                   {"protocol", "ANY"},
                                   {"direction", "inbound"},
                                   {"ip_range", "1.1.1.1"}}};
  call(t, "PUT", base, json::object{{"rules", unknown}}, 404);
  EXPECT_EQ(rules_of(t, id).size(), 8u);
  // Empty list: only the default rules remain.
  auto cleared = call(t, "PUT", base, json::object{{"rules", json::array{}}}, 200);
  EXPECT_EQ(cleared.at("rules").as_array().size(), 6u);
}

}  // namespace
}  // namespace scwd::instance_test
