// Instance servers: the server kind (get, list, PATCH, delete, attach / detach volume and
// filesystem as record actions) and the rendering of the Server object from the record and its
// prefetched relations. Create, updates, volumes and actions live in the server_*.cpp files.
#include <algorithm>
#include <boost/json.hpp>

#include "core/util/ids.hpp"
#include "products/block/block.hpp"
#include "products/instance/compute/compute.hpp"
#include "products/instance/private_nics.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance::compute {

namespace {

bool mine(const resource::View& v, const store::Record* r) {
  return r && r->locality == v.ctx.zone() && r->organization_id == v.ctx.principal.organization_id;
}

// The image the server booted from: a public image of the zone, one of the caller's images, or
// the copy the server kept of an image since deleted.
json::value image_of(const resource::View& v, const store::Record& s) {
  auto id = str_of(s.body, "image_id");
  if (id.empty()) return nullptr;
  if (is_uuid(id)) {
    if (auto* li = catalogue::find_local_image(to_lower(id)); li && li->zone == v.ctx.zone())
      return render_public_image(*li);
    if (auto* img = v.related.find(kImageKind, to_lower(id)); mine(v, img))
      return render_image(*img);
  }
  auto stored = value_of(s.body, "image");
  return stored.is_object() ? stored : json::value(nullptr);
}

// The entry of the `volumes` map for one slot: local volumes in full, Block volumes as the short
// reference.
json::object slot_json(const resource::View& v, const store::Record& s, const json::object& slot) {
  auto id = str_of(slot, "id");
  auto type = str_of(slot, "volume_type");
  bool boot = bool_of(slot, "boot");
  if (is_local_type(type)) {
    json::object o;
    o["boot"] = boot;
    if (auto* vol = v.related.find(kVolumeKind, id)) {
      const store::Record* server = nullptr;
      if (!vol->parent_id.empty())
        server = vol->parent_id == s.id ? &s : v.related.find(kServerKind, vol->parent_id);
      for (auto& kv : render_volume(*vol, server)) o[kv.key()] = kv.value();
      if (str_of(s.body, "state_detail") == "terminating") o["state"] = "deleting";
    } else {
      o["id"] = id;
      o["volume_type"] = type;
      o["zone"] = s.locality;
    }
    return o;
  }
  json::object o{{"boot", boot}, {"volume_type", type}, {"id", id}};
  if (auto* vol = v.related.find(block::kVolumeKind, id); vol && vol->locality == s.locality)
    o["state"] = block::instance_state(*vol);
  o["zone"] = s.locality;
  return o;
}

json::object render_server(const resource::View& v, const store::Record& s) {
  const auto& ctx = v.ctx;
  json::object o;
  o["id"] = s.id;
  o["name"] = s.name;
  o["arch"] = str_of(s.body, "arch", "x86_64");
  o["commercial_type"] = str_of(s.body, "commercial_type");
  o["boot_type"] = str_of(s.body, "boot_type", "local");
  o["organization"] = s.organization_id;
  o["project"] = s.project_id;
  o["hostname"] = s.name;
  o["image"] = image_of(v, s);
  json::object volumes;
  for (auto& [key, slot] : server_slots(s)) volumes[key] = slot_json(v, s, slot);
  o["volumes"] = std::move(volumes);
  o["tags"] = json::value_from(s.tags);
  o["state"] = s.state;
  o["protected"] = bool_of(s.body, "protected");
  o["state_detail"] = str_of(s.body, "state_detail");
  // The dynamic IP first, then the flexible ones by creation.
  auto attached = v.related.children(kIpKind, s.id);
  std::stable_sort(attached.begin(), attached.end(), [](auto* a, auto* b) {
    return bool_of(a->body, "dynamic") && !bool_of(b->body, "dynamic");
  });
  json::array ips;
  for (auto* ip : attached) ips.push_back(render_server_ip(*ip));
  o["public_ip"] = ips.empty() ? json::value(nullptr) : ips.front();
  o["public_ips"] = std::move(ips);
  o["mac_address"] = str_of(s.body, "mac_address");
  o["routed_ip_enabled"] = bool_of(s.body, "routed_ip_enabled", true);
  o["ipv6"] = nullptr;
  o["extra_networks"] = json::array{};
  o["dynamic_ip_required"] = bool_of(s.body, "dynamic_ip_required", true);
  o["enable_ipv6"] = bool_of(s.body, "enable_ipv6");
  o["private_ip"] = nullptr;
  o["creation_date"] = ts(s.created_at);
  o["modification_date"] = ts(s.updated_at);
  o["bootscript"] = nullptr;
  auto sg = value_of(s.body, "security_group");
  o["security_group"] = sg.is_object() ? sg : json::value(nullptr);
  o["location"] = value_of(s.body, "location");
  auto maint = value_of(s.body, "maintenances");
  o["maintenances"] = maint.is_array() ? maint : json::value(json::array{});
  o["allowed_actions"] = allowed_actions(s);
  json::value pg = nullptr;
  if (auto pid = str_of(s.body, "placement_group_id"); !pid.empty())
    if (auto* p = v.related.find(kPlacementGroupKind, pid); mine(v, p))
      pg = placement_group_summary(*p);
  o["placement_group"] = std::move(pg);
  json::array nics;
  for (auto* n : v.related.children(kPrivateNicKind, s.id)) nics.push_back(render_server_nic(*n));
  o["private_nics"] = std::move(nics);
  o["zone"] = s.locality;
  o["filesystems"] = render_filesystems(s, ctx.now(), filesystem_attach_time(ctx));
  const auto* type = find_server_type(s.locality, str_of(s.body, "commercial_type"));
  o["end_of_service"] = type ? type->end_of_service : false;
  o["dns"] = s.id + ".pub.instances.scw.cloud";
  // Shown once set, and always for Windows offers (which need it to encrypt the password).
  auto key = value_of(s.body, "admin_password_encryption_ssh_key_id");
  if (key.is_string() || str_of(s.body, "commercial_type").ends_with("-WIN"))
    o["admin_password_encryption_ssh_key_id"] = key;
  return o;
}

// The ids of the server's volumes of one family (local or Block).
void slot_ids(const store::Record& s, bool local, std::vector<std::string>& ids) {
  for (auto& [key, slot] : server_slots(s))
    if (is_local_type(str_of(slot, "volume_type")) == local) ids.push_back(str_of(slot, "id"));
}

std::optional<ApiError> server_stopped(Context&, store::Tx&, const store::Record& s) {
  if (bool_of(s.body, "protected"))
    return ApiError::precondition_failed("protected_resource",
                                         "the server is protected; set protected to false first");
  if (s.state != "stopped")
    return ApiError::legacy_invalid_request("server should be stopped (current state: " + s.state +
                                            ")");
  return std::nullopt;
}

// Volumes detached, IPs released, NICs and user data deleted.
std::optional<ApiError> release_server(Context& ctx, store::Tx& tx, const store::Record& s) {
  auto now = ctx.now();
  for (auto& [key, slot] : server_slots(s)) detach_slot(tx, ctx, slot, s, now);
  release_server_ips(tx, s, now, true);
  remove_server_private_nics(tx, s, now);
  delete_user_data(tx, s.id);
  return std::nullopt;
}

// Explicit rather than declared: the list orders by `order` (not `order_by`), and with_ip,
// without_ip and private_ip filter on the servers' IPs and NICs after the query.
Result<Response> list_servers(const resource::Spec& spec, Context& ctx) {
  auto page = paging::read_legacy(ctx.req);
  if (!page) return api::fail(page.error());
  auto order = paging::order(ctx.req,
                             {{"creation_date_desc", Column::kCreatedAt, true},
                              {"creation_date_asc", Column::kCreatedAt, false},
                              {"modification_date_desc", Column::kUpdatedAt, true},
                              {"modification_date_asc", Column::kUpdatedAt, false}},
                             "order");
  if (!order) return api::fail(order.error());
  store::ListQuery q;
  q.kind = std::string(kServerKind);
  if (auto e = common_filters(ctx, q)) return api::fail(*e);
  q.filters.push_back({Column::kLocality, Op::kEq, {std::string(ctx.zone())}, {}, false});
  q.filters.push_back({Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
  if (auto* v = ctx.query("commercial_type"); v && !v->empty())
    q.filters.push_back({Column::kBody, Op::kEq, {*v}, "commercial_type", false});
  if (auto* v = ctx.query("state"); v && !v->empty())
    q.filters.push_back({Column::kState, Op::kEq, {*v}, {}, false});
  if (auto ids = ctx.query_all("servers", true); !ids.empty()) {
    for (auto& id : ids) id = to_lower(id);
    q.filters.push_back({Column::kId, Op::kIn, ids, {}, false});
  }
  auto tx = ctx.store().begin(store::TxMode::kRead);
  // private_ip / with_ip match the IPAM addresses of the servers' private NICs too.
  bool none = false;
  std::optional<std::string> private_ip = ctx.query_opt("private_ip");
  if (private_ip && private_ip->empty()) private_ip.reset();
  auto pns = ctx.query_all("private_networks", true);
  if (auto* v = ctx.query("private_network"); v && !v->empty()) pns.push_back(*v);
  std::erase(pns, std::string());
  auto mac = ctx.query_opt("private_nic_mac_address").value_or("");
  if (!pns.empty() || !mac.empty()) {
    auto ids = servers_with_private_nics(*tx, ctx.zone(), ctx.principal.organization_id, pns, mac);
    if (ids.empty())
      none = true;
    else
      q.filters.push_back({Column::kId, Op::kIn, ids, {}, false});
  }
  std::optional<std::string> with_ip = ctx.query_opt("with_ip");
  if (with_ip && with_ip->empty()) with_ip.reset();
  std::optional<bool> without_ip;
  if (auto* v = ctx.query("without_ip"); v && !v->empty()) without_ip = (*v == "true");
  q.order = std::move(*order);

  std::vector<store::Record> items;
  std::int64_t total = 0;
  if (none) {
    // nothing
  } else if (with_ip || without_ip || private_ip) {
    q.with_total = false;
    for (auto& s : tx->list(q).items) {
      auto ips = server_ips(*tx, s.id);
      if (without_ip && *without_ip != ips.empty()) continue;
      if (private_ip && !server_has_private_ip(*tx, s, *private_ip)) continue;
      if (with_ip) {
        bool match = std::any_of(ips.begin(), ips.end(), [&](const store::Record& ip) {
          return str_of(ip.body, "address") == *with_ip || ip.id == *with_ip;
        });
        if (!match && !server_has_private_ip(*tx, s, *with_ip)) continue;
      }
      items.push_back(std::move(s));
    }
    total = static_cast<std::int64_t>(items.size());
    std::vector<store::Record> slice;
    for (std::int64_t i = page->offset(); i < total && i < page->offset() + page->size; ++i)
      slice.push_back(std::move(items[static_cast<std::size_t>(i)]));
    items = std::move(slice);
  } else {
    paging::apply(q, *page);
    auto res = tx->list(q);
    items = std::move(res.items);
    total = res.total;
  }
  auto pre = resource::prefetch(*tx, spec, items);
  resource::View view{ctx, pre};
  json::array out;
  for (auto& s : items) out.push_back(spec.render(view, s));
  auto res = Response::json(200, json::object{{"servers", std::move(out)}});
  paging::legacy_headers(res, ctx.req, "servers", *page, total);
  return res;
}

// The SSH key only encrypts the admin password (read).
app::Reference ssh_key_ref() {
  return app::body_ref("admin_password_encryption_ssh_key_id", app::Access::kRead,
                       {{"iam.ssh_key", "SSHKeys", "ssh_key"}});
}

std::shared_ptr<const resource::Spec> make_spec() {
  using app::Access;
  using app::body_ref;
  auto spec = v1_spec(kServerKind, "instance_server", "server_id", "servers", "server", "");
  spec.bad_id = resource::BadId::kInvalidArgument;
  spec.bad_id_help = "not a valid value";
  spec.bad_id_reason = ArgReason::kConstraint;
  spec.render = render_server;
  auto ids_of = [](std::string_view field) {
    return [field = std::string(field)](const store::Record& s, std::vector<std::string>& ids) {
      ids.push_back(to_lower(str_of(s.body, field)));
    };
  };
  spec.related = {
      {std::string(kImageKind), ids_of("image_id")},
      {std::string(kVolumeKind),
       [](const store::Record& s, std::vector<std::string>& ids) { slot_ids(s, true, ids); }},
      // The servers of volumes attached elsewhere than the server rendered (inconsistent data).
      {std::string(kServerKind),
       [](const store::Record& v, std::vector<std::string>& ids) { ids.push_back(v.parent_id); },
       "", std::string(kVolumeKind)},
      {std::string(block::kVolumeKind),
       [](const store::Record& s, std::vector<std::string>& ids) { slot_ids(s, false, ids); }},
      {std::string(kIpKind)},
      {std::string(kPlacementGroupKind), ids_of("placement_group_id")},
      {std::string(kPrivateNicKind)},
  };
  spec.update = update_server;
  // What a change uses of other resources: the volumes, IPs and groups it takes are changed.
  const app::Reference volume_id =
      body_ref("volume_id", Access::kWrite, {kVolumeRef, block::kVolumeRef});
  spec.update_refs = {
      {body_ref("volumes.*.id", Access::kWrite, {kVolumeRef, block::kVolumeRef}),
       body_ref("public_ips", Access::kWrite, {kIpRef}),
       body_ref("placement_group", Access::kWrite, {kPlacementGroupRef}),
       body_ref("security_group.id", Access::kWrite, {kSecurityGroupRef}), ssh_key_ref()},
      {"private_nics"}};  // ignored: NICs are managed by their own routes
  spec.can_delete = server_stopped;
  spec.on_delete = release_server;
  spec.actions = {
      {"POST", "attach-volume", attach_volume, {{volume_id}}},
      {"POST", "detach-volume", detach_volume, {{volume_id}}},
      // File Storage is not served: a filesystem is no record that could be authorized.
      {"POST", "attach-filesystem", attach_filesystem, {{}, {"filesystem_id"}}},
      {"POST", "detach-filesystem", detach_filesystem, {{}, {"filesystem_id"}}},
  };
  return std::make_shared<const resource::Spec>(std::move(spec));
}

const std::shared_ptr<const resource::Spec>& spec_ptr() {
  static const auto spec = make_spec();
  return spec;
}

}  // namespace

const resource::Spec& server_spec() { return *spec_ptr(); }

json::array allowed_actions(const store::Record& s) {
  const auto& st = s.state;
  auto detail = str_of(s.body, "state_detail");
  if (st == "stopped") return {"poweron", "backup"};
  if (st == "starting") return {"stop_in_place", "backup"};
  if (st == "running") return {"poweroff", "terminate", "reboot", "stop_in_place", "backup"};
  if (st == "stopping") {
    if (detail == "terminating") return {};
    return {"stop_in_place", "backup"};
  }
  if (st == "stopped in place") return {"poweron", "poweroff", "terminate", "reboot", "backup"};
  return {};
}

void register_servers(app::Registry& r) {
  const auto& spec = spec_ptr();
  resource::add_resource(r, spec);
  const std::string base = spec->collections.front();
  using app::Access;
  using app::body_ref;
  // What a server uses of other resources: its image and the snapshots its volumes start from
  // are copied (read); the volumes, IPs and groups it takes are changed (write).
  r.add("POST", base, kWrite, create_server)
      .refs(
          {body_ref("image", Access::kRead, {kImageRef}),
           body_ref("volumes.*.id", Access::kWrite, {kVolumeRef, block::kVolumeRef}),
           body_ref("volumes.*.base_snapshot", Access::kRead, {kSnapshotRef, block::kSnapshotRef}),
           body_ref("security_group", Access::kWrite, {kSecurityGroupRef}),
           body_ref("placement_group", Access::kWrite, {kPlacementGroupRef}),
           body_ref("public_ip", Access::kWrite, {kIpRef}),
           body_ref("public_ips", Access::kWrite, {kIpRef}), ssh_key_ref()});
  // Filters of the (scoped) list.
  r.add("GET", base, kRead, [spec](Context& ctx) {
     return list_servers(*spec, ctx);
   }).not_refs({"private_network", "private_networks", "servers"});
  // The PUT form only changes name, boot type, tags and flags; the rest is ignored.
  auto put = std::make_shared<resource::Spec>(*spec);
  put->id_param = "id";
  r.add("PUT", base + "/{id}", kWrite, [put](Context& ctx) { return set_server(ctx, *put); })
      .not_refs({"image", "placement_group", "security_group", "public_ip", "public_ips", "volumes",
                 "private_nics", "admin_password_encryption_ssh_key_id"});
  r.add("GET", base + "/{server_id}/compatible-types", kRead, compatible_types);
}

}  // namespace scwd::products::instance::compute
