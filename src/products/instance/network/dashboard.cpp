// GET /dashboard: counts of the caller's Instance resources in a zone.
#include <boost/json.hpp>
#include <map>

#include "core/util/ids.hpp"
#include "products/instance/model.hpp"
#include "products/instance/network/network.hpp"
#include "products/instance/private_nics.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance::network {

namespace {

Result<Response> get_dashboard(Context& ctx) {
  store::ListQuery base;
  base.filters.push_back({Column::kLocality, Op::kEq, {std::string(ctx.zone())}, {}, false});
  if (auto e = owner_filters(ctx, base)) return api::fail(*e);
  base.with_total = false;
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto all = [&](std::string_view kind) {
    auto q = base;
    q.kind = std::string(kind);
    return tx->list(q).items;
  };
  auto count = [&](std::string_view kind) {
    auto q = base;
    q.kind = std::string(kind);
    return tx->count(q);
  };

  std::int64_t servers = 0, running = 0;
  std::map<std::string, std::int64_t> by_type;
  for (auto& s : all(kServerKind)) {
    ++servers;
    if (s.state == "running") ++running;
    ++by_type[body_str(s.body, "commercial_type").value_or("")];
  }
  std::int64_t volumes = 0, l_ssd = 0, l_ssd_size = 0, scratch = 0, b_ssd = 0, b_ssd_size = 0;
  for (auto& v : all(kVolumeKind)) {
    ++volumes;
    auto type = body_str(v.body, "volume_type").value_or("l_ssd");
    std::int64_t size = 0;
    if (auto it = v.body.find("size"); it != v.body.end() && it->value().is_number())
      size = it->value().to_number<std::int64_t>();
    if (type == "l_ssd") {
      ++l_ssd;
      l_ssd_size += size;
    } else if (type == "scratch") {
      ++scratch;
    } else if (type == "b_ssd") {
      ++b_ssd;
      b_ssd_size += size;
    }
  }
  std::int64_t ips = 0, unused = 0;
  for (auto& ip : all(kIpKind)) {
    ++ips;
    if (ip.parent_id.empty()) ++unused;
  }
  json::object types;
  for (auto& [t, n] : by_type) types[t] = n;

  json::object d;
  d["volumes_count"] = volumes;
  d["running_servers_count"] = running;
  d["servers_by_types"] = std::move(types);
  d["images_count"] = count(kImageKind);
  d["snapshots_count"] = count(kSnapshotKind);
  d["servers_count"] = servers;
  d["ips_count"] = ips;
  d["security_groups_count"] = count(kSecurityGroupKind);
  d["ips_unused"] = unused;
  d["volumes_l_ssd_count"] = l_ssd;
  d["volumes_l_ssd_total_size"] = l_ssd_size;
  d["volumes_scratch_count"] = scratch;
  d["volumes_b_ssd_count"] = b_ssd;
  d["volumes_b_ssd_total_size"] = b_ssd_size;
  d["private_nics_count"] = count(kPrivateNicKind);
  d["placement_groups_count"] = count(kPlacementGroupKind);
  return Response::json(200, json::object{{"dashboard", std::move(d)}});
}

}  // namespace

void register_dashboard(app::Registry& r) {
  r.add("GET", "/instance/v1/zones/{zone}/dashboard", kRead, get_dashboard);
}

}  // namespace scwd::products::instance::network
