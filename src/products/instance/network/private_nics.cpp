// Instance private NICs:
//   v1       /instance/v1/zones/{zone}/servers/{server_id}/private_nics[/{private_nic_id}]
//   v2alpha1 /instance/v2alpha1/zones/{zone}/private-network-interfaces[/{id}] and
//            /servers/{server_id}/attach-private-network-interface, .../detach-...
// One record per NIC (kPrivateNicKind). Attaching books one IPv4 and one IPv6 IPAM address in
// the Private Network (unless the caller names pre-booked ones); on a running server the NIC is
// "syncing" (v2alpha1 "attaching") for a while, on a stopped server it is available at once
// (both seen in recordings).
#include "products/instance/private_nics.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <random>

#include "core/codec/validate.hpp"
#include "core/router/locality.hpp"
#include "core/util/ids.hpp"
#include "products/instance/compute/compute.hpp"
#include "products/ipam/ipam.hpp"
#include "products/prelude.hpp"
#include "products/vpc/vpc.hpp"

namespace scwd::products::instance {

namespace {

constexpr std::string_view kResource = "instance_private_nic";
constexpr std::string_view kServerResource = "instance_server";
// Hot-plugging a NIC into a running server took 44-88 s in the recordings (reference: 60-90 s).
constexpr Micros kAttachTime = 60 * kSecond;
// Every commercial type announces capabilities.private_network = 8.
constexpr std::int64_t kDefaultMaxNics = 8;

std::string nic_mac() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> byte(0, 255);
  char buf[24];
  std::snprintf(buf, sizeof buf, "02:00:00:%02x:%02x:%02x", byte(rng), byte(rng), byte(rng));
  return buf;
}

std::vector<std::string> str_array(const json::object& body, std::string_view key) {
  std::vector<std::string> out;
  auto it = body.find(key);
  if (it == body.end() || !it->value().is_array()) return out;
  for (auto& v : it->value().as_array())
    if (v.is_string()) out.emplace_back(v.as_string());
  return out;
}

std::string str_field(const json::object& body, std::string_view key) {
  auto it = body.find(key);
  if (it == body.end() || !it->value().is_string()) return {};
  return std::string(it->value().as_string());
}

std::string region_of(const store::Record& nic) {
  return std::string(locality::region_of_zone(nic.locality));
}

std::string nic_key(std::string_view server_id, std::string_view pn_id) {
  return std::string(server_id) + "/" + std::string(pn_id);
}

std::string v2_status(const store::Record& n) {
  if (n.state == "syncing") return "attaching";
  if (n.state.empty()) return "available";
  return n.state;
}

json::object render_v1(const store::Record& n) {
  json::object o;
  o["id"] = n.id;
  o["private_network_id"] = str_field(n.body, "private_network_id");
  o["server_id"] = n.parent_id;
  o["mac_address"] = str_field(n.body, "mac_address");
  o["state"] = n.state.empty() ? std::string("available") : n.state;
  o["creation_date"] = ts(n.created_at);
  o["modification_date"] = ts(n.updated_at);
  o["zone"] = n.locality;
  o["tags"] = json::value_from(n.tags);
  o["ipam_ip_ids"] = json::value_from(str_array(n.body, "ipam_ip_ids"));
  return o;
}

json::object render_v2(const store::Record& n) {
  json::object o;
  o["id"] = n.id;
  o["private_network_id"] = str_field(n.body, "private_network_id");
  o["project_id"] = n.project_id;
  o["server_id"] = n.parent_id;
  o["security_group_id"] = "";
  o["mac_address"] = str_field(n.body, "mac_address");
  o["status"] = v2_status(n);
  o["ip_ids"] = json::value_from(str_array(n.body, "ipam_ip_ids"));
  o["tags"] = json::value_from(n.tags);
  o["created_at"] = format_time(n.created_at);
  o["updated_at"] = format_time(n.updated_at);
  return o;
}

std::vector<store::Record> nics_of(store::Tx& tx, std::string_view server_id) {
  store::ListQuery q;
  q.kind = std::string(kPrivateNicKind);
  q.filters.push_back({Column::kParent, Op::kEq, {std::string(server_id)}, {}, false});
  q.order.push_back({Column::kCreatedAt, false, {}});
  q.with_total = false;
  return tx.list(q).items;
}

std::int64_t max_nics(const store::Record& server) {
  const auto* type =
      find_server_type(server.locality, scwd::str_of(server.body, "commercial_type"));
  if (!type) return kDefaultMaxNics;
  auto caps = type->json.find("capabilities");
  if (caps == type->json.end() || !caps->value().is_object()) return kDefaultMaxNics;
  auto pn = caps->value().as_object().find("private_network");
  if (pn == caps->value().as_object().end()) return kDefaultMaxNics;
  auto n = scwd::as_int(pn->value());
  return n && *n > 0 ? *n : kDefaultMaxNics;
}

// Frees the NIC's IPAM addresses: the ones it booked are released, the others detached.
void free_addresses(store::Tx& tx, const store::Record& nic, Micros now) {
  ipam::give_back(tx, region_of(nic), ipam::Held::of(nic.body), now);
}

void remove_nic(store::Tx& tx, const store::Record& nic, Micros now) {
  free_addresses(tx, nic, now);
  tx.remove(kPrivateNicKind, nic.id);
}

// Plugs `nic` into `server`: one NIC per (server, Private Network), at most the type's limit;
// "syncing" on a server that is not stopped, else available. The caller writes the NIC.
std::optional<ApiError> plug(store::Tx& tx, const Context& ctx, store::Record& nic,
                             const store::Record& server, Micros now) {
  auto pn_id = str_field(nic.body, "private_network_id");
  auto current = nics_of(tx, server.id);
  for (auto& other : current)
    if (other.id != nic.id && str_field(other.body, "private_network_id") == pn_id)
      return ApiError::already_exists(
          kResource, other.id,
          "server " + server.id + " already has a private NIC in private network " + pn_id);
  if (static_cast<std::int64_t>(current.size()) >= max_nics(server))
    return ApiError::constraint("private_network_id",
                                "server " + server.id + " already has the maximum of " +
                                    std::to_string(max_nics(server)) + " private NICs");
  nic.parent_id = server.id;
  nic.keys = {nic_key(server.id, pn_id)};
  nic.updated_at = now;
  if (server.state == "stopped") {
    lifecycle::Engine::cancel(nic);
    nic.state = "available";
  } else {
    ctx.svc.lifecycle.start(nic, now, {{"syncing", 0, {}}, {"available", kAttachTime, {}}});
  }
  return std::nullopt;
}

// A new NIC in `pn_id` for `server` (may be null: a detached v2alpha1 interface), owned by
// `owner`. ip_ids: pre-booked IPAM IPs to attach; empty: one IPv4 and one IPv6 are booked.
Result<store::Record> create_nic(store::Tx& tx, const Context& ctx, const store::Record* server,
                                 const app::Owner& owner, const std::string& pn_id,
                                 std::vector<std::string> tags,
                                 const std::vector<std::string>& ip_ids, Micros now) {
  auto region = std::string(locality::region_of_zone(ctx.zone()));
  auto pn = vpc::find_private_network(tx, ctx, region, pn_id);
  if (!pn) return api::fail(pn.error());
  store::Record n;
  n.kind = std::string(kPrivateNicKind);
  n.id = new_uuid();
  n.organization_id = owner.organization_id;
  n.project_id = owner.project_id;
  n.locality = std::string(ctx.zone());
  n.created_at = n.updated_at = now;
  n.tags = std::move(tags);
  n.state = "available";
  auto mac = nic_mac();
  n.body = json::object{{"private_network_id", pn->id},
                        {"mac_address", mac},
                        {"ipam_ip_ids", json::array{}},
                        {"booked_ip_ids", json::array{}}};
  if (server) {
    if (auto e = plug(tx, ctx, n, *server, now)) return api::fail(*e);
  }
  ipam::Resource res{"instance_private_nic", n.id, mac, server ? server->name : std::string()};
  auto held = ipam::take(tx, ctx, *pn, ip_ids, res, now, "ipam_ip_ids");
  if (!held) return api::fail(held.error());
  held->store_in(n.body);
  try {
    tx.insert(n);
  } catch (const store::DuplicateKey&) {
    return api::fail(ApiError::already_exists(
        kResource, n.id, "the server already has a private NIC in private network " + pn->id));
  }
  return n;
}

// A NIC of the caller in the request's zone (any server); not_found instance_private_nic.
Result<store::Record> load_nic(store::Tx& tx, const Context& ctx, std::string_view id) {
  return load(tx, ctx, kPrivateNicKind, id, kResource);
}

// ---- v1 ----

constexpr std::string_view kV1Base = "/instance/v1/zones/{zone}/servers/{server_id}/private_nics";

Result<store::Record> load_server(store::Tx& tx, const Context& ctx, std::string_view id) {
  return load(tx, ctx, kServerKind, id, kServerResource);
}

// The server of the path, then its NIC of the path.
Result<std::pair<store::Record, store::Record>> load_v1(store::Tx& tx, const Context& ctx) {
  auto s = load_server(tx, ctx, ctx.param("server_id"));
  if (!s) return api::fail(s.error());
  auto id = ctx.param("private_nic_id");
  auto n = load_nic(tx, ctx, id);
  if (!n || n->parent_id != s->id) return api::fail(ApiError::not_found(kResource, id));
  return std::pair{std::move(*s), std::move(*n)};
}

Result<Response> v1_list(Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto s = load_server(*tx, ctx, ctx.param("server_id"));
  if (!s) return api::fail(s.error());
  store::ListQuery q;
  q.kind = std::string(kPrivateNicKind);
  q.filters.push_back({Column::kParent, Op::kEq, {s->id}, {}, false});
  for (auto& t : ctx.query_all("tags", true))
    if (!t.empty()) q.tags_all.push_back(t);
  q.order.push_back({Column::kCreatedAt, false, {}});
  ctx.list_scoped = true;  // the server's project was authorized
  return compute::legacy_list(ctx, *tx, std::move(q), "private_nics",
                              "servers/" + s->id + "/private_nics",
                              [](const store::Record& n) { return render_v1(n); });
}

Result<Response> v1_create(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto pn = b.str("private_network_id", true);
  auto tags = b.strings("tags");
  auto ipam_ids = b.strings("ipam_ip_ids");
  auto ip_ids = b.strings("ip_ids");  // deprecated alias
  if (auto e = b.error()) return api::fail(*e);
  if (!is_uuid(*pn))
    return api::fail(
        ApiError::invalid_argument("private_network_id", ArgReason::kFormat, "invalid UUID"));
  std::vector<std::string> ids = ipam_ids.value_or(ip_ids.value_or(std::vector<std::string>{}));
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = load_server(tx, ctx, ctx.param("server_id"));
    if (!s) return api::fail(s.error());
    app::Owner owner{s->organization_id, s->project_id};
    auto n = create_nic(tx, ctx, &*s, owner, to_lower(*pn),
                        tags.value_or(std::vector<std::string>{}), ids, now);
    if (!n) return api::fail(n.error());
    return Response::json(201, json::object{{"private_nic", render_v1(*n)}});
  });
}

Result<Response> v1_get(Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto p = load_v1(*tx, ctx);
  if (!p) return api::fail(p.error());
  return Response::json(200, json::object{{"private_nic", render_v1(p->second)}});
}

Result<Response> v1_update(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto tags = b.strings("tags");
  if (auto e = b.error()) return api::fail(*e);
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto p = load_v1(tx, ctx);
    if (!p) return api::fail(p.error());
    auto& n = p->second;
    if (tags) {
      n.tags = *tags;
      n.updated_at = now;
      tx.update(n);
    }
    // The SDKs read a bare PrivateNIC here (UpdatePrivateNIC returns PrivateNIC).
    return Response::json(200, render_v1(n));
  });
}

Result<Response> v1_delete(Context& ctx) {
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto p = load_v1(tx, ctx);
    if (!p) return api::fail(p.error());
    remove_nic(tx, p->second, now);
    return Response::no_content();
  });
}

// ---- v2alpha1 ----

Result<Response> v2_list_nics(Context& ctx) {
  auto list = v2_list(ctx, kPrivateNicKind);
  if (!list) return api::fail(list.error());
  auto& q = list->query;
  if (auto e = ctx.uuid_filter(q, "server_ids", Column::kParent)) return api::fail(*e);
  if (auto e = ctx.uuid_filter(q, "private_network_ids", Column::kBody, "private_network_id"))
    return api::fail(*e);
  return v2_list_answer(ctx, *list, "private_network_interfaces", render_v2);
}

Result<Response> v2_create(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto pn = b.str("private_network_id", true);
  auto project = b.str("project_id");
  auto server_in = b.str("server_id");
  b.str("security_group_id");
  auto ip_ids = b.strings("ip_ids");
  auto tags = b.strings("tags");
  if (auto e = b.error()) return api::fail(*e);
  if (!is_uuid(*pn))
    return api::fail(
        ApiError::invalid_argument("private_network_id", ArgReason::kFormat, "invalid UUID"));
  if (project && !project->empty() && !is_uuid(*project))
    return api::fail(ApiError::invalid_argument("project_id", ArgReason::kFormat, "invalid UUID"));
  std::string server_id = server_in.value_or("");
  if (!server_id.empty() && !is_uuid(server_id))
    return api::fail(ApiError::invalid_argument("server_id", ArgReason::kFormat, "invalid UUID"));
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    std::optional<store::Record> server;
    app::Owner owner;
    if (!server_id.empty()) {
      auto s = load_server(tx, ctx, server_id);
      if (!s) return api::fail(s.error());
      if (auto e = ctx.authorize_project(s->project_id)) return api::fail(*e);
      if (project && !project->empty() && to_lower(*project) != s->project_id)
        return api::fail(ApiError::constraint(
            "project_id", "project_id must be the project of the server (" + s->project_id + ")"));
      owner = {s->organization_id, s->project_id};
      server = std::move(*s);
    } else {
      std::optional<std::string> p;
      if (project && !project->empty()) p = to_lower(*project);
      auto o = app::resolve_owner(ctx, tx, p, std::nullopt);
      if (!o) return api::fail(o.error());
      owner = std::move(*o);
    }
    auto n = create_nic(tx, ctx, server ? &*server : nullptr, owner, to_lower(*pn),
                        tags.value_or(std::vector<std::string>{}),
                        ip_ids.value_or(std::vector<std::string>{}), now);
    if (!n) return api::fail(n.error());
    return Response::json(200, render_v2(*n));
  });
}

Result<Response> v2_get(Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto n = load_nic(*tx, ctx, ctx.param("private_network_interface_id"));
  if (!n) return api::fail(n.error());
  return Response::json(200, render_v2(*n));
}

Result<Response> v2_update(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto tags = b.strings("tags");
  if (auto e = b.error()) return api::fail(*e);
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto n = load_nic(tx, ctx, ctx.param("private_network_interface_id"));
    if (!n) return api::fail(n.error());
    if (tags) {
      n->tags = *tags;
      n->updated_at = now;
      tx.update(*n);
    }
    return Response::json(200, render_v2(*n));
  });
}

Result<Response> v2_delete(Context& ctx) {
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto n = load_nic(tx, ctx, ctx.param("private_network_interface_id"));
    if (!n) return api::fail(n.error());
    remove_nic(tx, *n, now);
    return Response::no_content();
  });
}

// The v2alpha1 Server object (the answer of attach / detach).
json::object render_v2_server(store::Tx& tx, const store::Record& s) {
  json::object o;
  o["id"] = s.id;
  o["name"] = s.name;
  o["project_id"] = s.project_id;
  o["tags"] = json::value_from(s.tags);
  o["server_type"] = scwd::str_of(s.body, "commercial_type");
  auto pg = scwd::str_of(s.body, "placement_group_id");
  o["placement_group_id"] = pg.empty() ? json::value(nullptr) : json::value(pg);
  std::string status = s.state;
  if (s.state == "running")
    status = "started";
  else if (s.state == "stopped in place")
    status = "paused";
  else if (s.state == "stopping" && scwd::str_of(s.body, "state_detail") == "stopping in place")
    status = "pausing";
  o["status"] = status;
  json::array volumes;
  json::value boot = nullptr;
  for (auto& [key, slot] : compute::server_slots(s)) {
    auto type = scwd::str_of(slot, "volume_type");
    if (type == "sbs_volume") type = "sbs";
    volumes.push_back(json::object{{"id", scwd::str_of(slot, "id")}, {"volume_type", type}});
    if (key == "0" || (boot.is_null() && scwd::bool_of(slot, "boot")))
      boot = json::value(scwd::str_of(slot, "id"));
  }
  o["volumes"] = std::move(volumes);
  o["filesystems"] = json::array{};
  auto arch = scwd::str_of(s.body, "arch", "x86_64");
  o["architecture"] = arch == "arm64" || arch == "arm" ? "aarch64" : "x86_64";
  o["created_at"] = format_time(s.created_at);
  o["updated_at"] = format_time(s.updated_at);
  json::array nics;
  for (auto& n : nics_of(tx, s.id))
    nics.push_back(json::object{{"id", n.id},
                                {"private_network_id", str_field(n.body, "private_network_id")},
                                {"mac_address", str_field(n.body, "mac_address")},
                                {"status", v2_status(n)},
                                {"ip_ids", json::value_from(str_array(n.body, "ipam_ip_ids"))},
                                {"security_group_id", ""}});
  o["private_network_interfaces"] = std::move(nics);
  o["rescue_mode"] = scwd::str_of(s.body, "boot_type") == "rescue";
  o["boot_volume_id"] = std::move(boot);
  o["status_detail"] = scwd::str_of(s.body, "state_detail");
  o["windows_rdp_password"] = nullptr;
  o["public_network_interface"] = nullptr;
  o["zone"] = s.locality;
  return o;
}

// attach: the NIC must be detached; detach: the NIC must be on this server.
Result<Response> v2_plug(Context& ctx, bool attach) {
  codec::BodyReader b(ctx.body);
  auto nic_id = b.str("private_network_interface_id", true);
  if (auto e = b.error()) return api::fail(*e);
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = load_server(tx, ctx, ctx.param("server_id"));
    if (!s) return api::fail(s.error());
    auto n = load_nic(tx, ctx, *nic_id);
    if (!n) return api::fail(n.error());
    if (attach) {
      if (n->parent_id == s->id) return Response::json(200, render_v2_server(tx, *s));
      if (!n->parent_id.empty())
        return api::fail(ApiError::precondition_failed(
            "resource_not_usable",
            "the private network interface is attached to server " + n->parent_id));
      if (n->project_id != s->project_id)
        return api::fail(ApiError::constraint(
            "private_network_interface_id",
            "the private network interface and the server are in different projects"));
      if (auto e = plug(tx, ctx, *n, *s, now)) return api::fail(*e);
      tx.update(*n);
      ipam::rename_resource(tx, n->id, s->name, now);
    } else {
      if (n->parent_id != s->id)
        return api::fail(ApiError::precondition_failed(
            "resource_not_usable",
            "the private network interface is not attached to server " + s->id));
      lifecycle::Engine::cancel(*n);
      n->parent_id.clear();
      n->keys.clear();
      n->state = "available";
      n->updated_at = now;
      tx.update(*n);
    }
    s->updated_at = now;
    tx.update(*s);
    return Response::json(200, render_v2_server(tx, *s));
  });
}

Result<Response> v2_attach(Context& ctx) { return v2_plug(ctx, true); }
Result<Response> v2_detach(Context& ctx) { return v2_plug(ctx, false); }

}  // namespace

json::object render_server_nic(const store::Record& nic) { return render_v1(nic); }

void remove_server_private_nics(store::Tx& tx, const store::Record& server, Micros now) {
  for (auto& n : nics_of(tx, server.id)) remove_nic(tx, n, now);
}

void rename_server_private_nics(store::Tx& tx, const store::Record& server, Micros now) {
  for (auto& n : nics_of(tx, server.id)) ipam::rename_resource(tx, n.id, server.name, now);
}

std::vector<std::string> servers_with_private_nics(store::Tx& tx, std::string_view zone,
                                                   std::string_view organization_id,
                                                   const std::vector<std::string>& pn_ids,
                                                   std::string_view mac_address) {
  store::ListQuery q;
  q.kind = std::string(kPrivateNicKind);
  q.filters.push_back({Column::kLocality, Op::kEq, {std::string(zone)}, {}, false});
  q.filters.push_back({Column::kOrganization, Op::kEq, {std::string(organization_id)}, {}, false});
  q.filters.push_back({Column::kParent, Op::kNe, {""}, {}, false});
  if (!pn_ids.empty()) {
    std::vector<std::string> ids;
    for (auto& id : pn_ids) ids.push_back(to_lower(id));
    q.filters.push_back({Column::kBody, Op::kIn, ids, "private_network_id", false});
  }
  if (!mac_address.empty())
    q.filters.push_back({Column::kBody, Op::kEq, {to_lower(mac_address)}, "mac_address", false});
  q.with_total = false;
  std::vector<std::string> out;
  for (auto& n : tx.list(q).items)
    if (std::find(out.begin(), out.end(), n.parent_id) == out.end()) out.push_back(n.parent_id);
  return out;
}

bool server_has_private_ip(store::Tx& tx, const store::Record& server, std::string_view address) {
  for (auto& n : nics_of(tx, server.id)) {
    auto region = region_of(n);
    for (auto& id : str_array(n.body, "ipam_ip_ids")) {
      if (id == address) return true;
      if (auto ip = ipam::find(tx, region, id); ip && ipam::plain_address(*ip) == address)
        return true;
    }
  }
  return false;
}

void register_private_nics(app::Registry& r) {
  const std::string v1(kV1Base);
  using app::Access;
  using app::body_ref;
  // A NIC plugs the server into the Private Network and takes the IPAM addresses given.
  const app::Reference pn =
      body_ref("private_network_id", Access::kWrite, {vpc::kPrivateNetworkRef});
  r.add("GET", v1, kRead, v1_list);
  r.add("POST", v1, kWrite, v1_create)
      .refs({pn, body_ref("ipam_ip_ids", Access::kWrite, {ipam::kIpRef}),
             body_ref("ip_ids", Access::kWrite, {ipam::kIpRef})});
  r.add("GET", v1 + "/{private_nic_id}", kRead, v1_get);
  r.add("PATCH", v1 + "/{private_nic_id}", kWrite, v1_update);
  r.add("DELETE", v1 + "/{private_nic_id}", kWrite, v1_delete);
  const std::string v2 = std::string(kV2Zone) + "/private-network-interfaces";
  r.add("GET", v2, kRead, v2_list_nics);
  r.add("POST", v2, kWrite, v2_create)
      .refs({pn, body_ref("server_id", Access::kWrite, {kServerRef}),
             body_ref("ip_ids", Access::kWrite, {ipam::kIpRef})})
      .not_refs({"security_group_id"});  // accepted and ignored
  r.add("GET", v2 + "/{private_network_interface_id}", kRead, v2_get);
  r.add("PATCH", v2 + "/{private_network_interface_id}", kWrite, v2_update);
  r.add("DELETE", v2 + "/{private_network_interface_id}", kWrite, v2_delete);
  const std::string servers = std::string(kV2Zone) + "/servers/{server_id}";
  r.add("POST", servers + "/attach-private-network-interface", kWrite, v2_attach)
      .refs({body_ref("private_network_interface_id", Access::kWrite, {kPrivateNicRef})});
  r.add("POST", servers + "/detach-private-network-interface", kWrite, v2_detach)
      .refs({body_ref("private_network_interface_id", Access::kWrite, {kPrivateNicRef})});
}

}  // namespace scwd::products::instance
