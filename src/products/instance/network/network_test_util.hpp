// Test helpers shared by the network tests (security groups, IPs, placement groups).
#pragma once

#include <optional>
#include <string>

#include "products/instance/instance_test_env.hpp"
#include "products/instance/model.hpp"

namespace scwd::instance_test {

struct ServerSpec {
  std::string name = "srv";
  std::string state = "stopped";
  std::optional<std::string> security_group;  // id
  std::optional<std::string> placement_group;
  std::optional<std::string> hypervisor;  // location.hypervisor_id when placed
  std::string zone = "fr-par-1";
  bool dynamic_ip_required = true;
};

// A server record with the layout model.hpp documents, written directly into the store (these
// tests do not depend on the servers work).
inline store::Record insert_server(testing::TestApp& t, const ServerSpec& spec) {
  store::Record s;
  s.kind = std::string(products::instance::kServerKind);
  s.id = new_uuid();
  s.organization_id = t.identity().organization_id;
  s.project_id = t.identity().organization_id;
  s.locality = spec.zone;
  s.name = spec.name;
  s.state = spec.state;
  s.created_at = s.updated_at = t.clock().now();
  json::value location = nullptr;
  if (spec.hypervisor)
    location = json::object{{"zone_id", spec.zone},
                            {"platform_id", "14"},
                            {"cluster_id", "1"},
                            {"hypervisor_id", *spec.hypervisor},
                            {"node_id", "3"}};
  json::value sg = nullptr;
  if (spec.security_group) sg = json::object{{"id", *spec.security_group}, {"name", "sg"}};
  s.body =
      json::object{{"commercial_type", "DEV1-S"},
                   {"mac_address", "de:00:00:d0:70:87"},
                   {"dynamic_ip_required", spec.dynamic_ip_required},
                   {"location", location},
                   {"security_group", sg},
                   {"placement_group_id", spec.placement_group ? json::value(*spec.placement_group)
                                                               : json::value(nullptr)},
                   {"public_ip_ids", json::array{}}};
  t.store().write([&](store::Tx& tx) {
    tx.insert(s);
    return true;
  });
  return s;
}

inline std::optional<store::Record> get_record(testing::TestApp& t, std::string_view kind,
                                               std::string_view id) {
  auto tx = t.store().begin(store::TxMode::kRead);
  return tx->get(kind, id);
}

}  // namespace scwd::instance_test
