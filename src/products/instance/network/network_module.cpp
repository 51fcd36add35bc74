// The "network" part of Instance v1 as its own module: security groups, flexible IPs, placement
// groups, dashboard and block migration (the servers/volumes/... routes are the "instance"
// module's). Shared helpers of these files live here too.
#include <boost/json.hpp>
#include <memory>

#include "core/util/ids.hpp"
#include "products/instance/model.hpp"
#include "products/instance/network/network.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance::network {

json::value server_summary(store::Tx& tx, std::string_view server_id) {
  auto s = tx.get(kServerKind, server_id);
  if (!s) return nullptr;
  return json::object{{"id", s->id}, {"name", s->name}};
}

std::optional<std::string> body_str(const json::object& body, std::string_view key) {
  auto it = body.find(key);
  if (it == body.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().get_string());
}

bool body_bool(const json::object& body, std::string_view key, bool def) {
  auto it = body.find(key);
  if (it == body.end() || !it->value().is_bool()) return def;
  return it->value().get_bool();
}

std::optional<ApiError> owner_filters(app::Context& ctx, store::ListQuery& q) {
  ctx.scope(q);
  q.filters.push_back(
      {store::Column::kOrganization, store::Op::kEq, {ctx.principal.organization_id}, {}, false});
  for (auto [param, column] : {std::pair{"organization", store::Column::kOrganization},
                               std::pair{"project", store::Column::kProject}}) {
    auto* v = ctx.query(param);
    if (!v || v->empty()) continue;
    if (!is_uuid(*v)) return ApiError::invalid_argument(param, ArgReason::kFormat, "invalid UUID");
    q.filters.push_back({column, store::Op::kEq, {to_lower(*v)}, {}, false});
  }
  for (auto& t : ctx.query_all("tags", true))
    if (!t.empty()) q.tags_all.push_back(t);
  return std::nullopt;
}

namespace {

class NetworkModule final : public app::Module {
 public:
  std::string_view name() const override { return "instance-network"; }
  void register_routes(app::Registry& r, app::Services&) override {
    register_security_groups(r);
    register_ips(r);
    register_placement_groups(r);
    register_dashboard(r);
    register_block_migration(r);
  }
};

}  // namespace

std::unique_ptr<app::Module> make_network_module() { return std::make_unique<NetworkModule>(); }

}  // namespace scwd::products::instance::network
