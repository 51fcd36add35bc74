// Elastic Metal servers (baremetal v1, zonal).
#include "products/baremetal/servers.hpp"

#include "core/lifecycle/lifecycle.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/prelude.hpp"

namespace scwd::products::baremetal {

std::optional<store::Record> find_server(store::Tx& tx, const app::Context& ctx,
                                         std::string_view zone, std::string_view id) {
  if (!is_uuid(id)) return std::nullopt;
  auto r = tx.get(kServerKind, to_lower(id));
  if (!r || r->organization_id != ctx.principal.organization_id || r->locality != zone)
    return std::nullopt;
  if (lifecycle::Engine::view(*r, ctx.now()) && r->state == lifecycle::kDeleted)
    return std::nullopt;
  return r;
}

std::string hardware_mac(const store::Record& server) { return str_of(server.body, "_mac"); }

bool has_private_network_option(const store::Record& server) {
  auto* opts = server.body.if_contains("options");
  if (!opts || !opts->is_array()) return false;
  for (auto& o : opts->get_array()) {
    if (!o.is_object() || !o.get_object().contains("private_network")) continue;
    auto status = str_of(o.get_object(), "status");
    if (status == "option_status_enable" || status == "option_status_enabling") return true;
  }
  return false;
}

}  // namespace scwd::products::baremetal
