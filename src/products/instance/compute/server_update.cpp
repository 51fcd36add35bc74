// Instance server updates: the PATCH hook of the server Spec (commercial type, volumes, groups,
// IPs, plain fields) and the SDK-private PUT (_setServer, plain fields only).
#include <boost/json.hpp>
#include <map>
#include <set>

#include "core/codec/validate.hpp"
#include "core/util/ids.hpp"
#include "products/instance/compute/compute.hpp"
#include "products/instance/private_nics.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance::compute {

namespace {

// Replaces the server's volumes map (PATCH volumes): detaches what is gone, attaches what is new.
std::optional<ApiError> replace_volumes(store::Tx& tx, const Context& ctx, store::Record& s,
                                        const ServerType& type, const json::object& wanted,
                                        Micros now) {
  auto current = value_of(s.body, "volumes");
  json::object cur = current.is_object() ? current.as_object() : json::object{};
  std::map<std::string, json::object> cur_by_id;
  for (auto& kv : cur)
    if (kv.value().is_object())
      cur_by_id[str_of(kv.value().as_object(), "id")] = kv.value().as_object();
  json::object next;
  std::set<std::string> seen;
  std::vector<FoundVolume> to_attach;
  for (auto& kv : wanted) {
    std::string arg = "volumes." + std::string(kv.key());
    if (!numeric_key(kv.key()))
      return ApiError::constraint(arg, "volume keys must be \"0\", \"1\", ...");
    if (!kv.value().is_object())
      return ApiError::invalid_argument(arg, ArgReason::kFormat, "expected an object");
    auto& t = kv.value().as_object();
    auto id = str_of(t, "id");
    if (id.empty())
      return ApiError::invalid_argument(arg + ".id", ArgReason::kRequired,
                                        "required key not provided");
    if (!is_uuid(id))
      return ApiError::invalid_argument(arg + ".id", ArgReason::kFormat, "invalid UUID");
    id = to_lower(id);
    if (!seen.insert(id).second)
      return ApiError::constraint(arg + ".id", "a volume can only be attached once");
    bool boot = bool_of(t, "boot");
    if (auto it = cur_by_id.find(id); it != cur_by_id.end()) {
      json::object slot = it->second;
      if (t.contains("boot")) slot["boot"] = boot;
      next[kv.key()] = std::move(slot);
      continue;
    }
    auto f = find_volume(tx, ctx, id);
    if (!f) return ApiError::not_found("instance_volume", id);
    next[kv.key()] = json::object{{"id", f->id}, {"volume_type", f->type}, {"boot", boot}};
    to_attach.push_back(std::move(*f));
  }
  bool local_change = false;
  for (auto& [id, slot] : cur_by_id)
    if (!seen.count(id) && is_local_type(str_of(slot, "volume_type"))) local_change = true;
  for (auto& f : to_attach)
    if (f.local) local_change = true;
  if (local_change && s.state != "stopped")
    return ApiError::legacy_invalid_request(
        "the server must be stopped to attach or detach local volumes");
  if (auto e = check_local_fit(type, local_totals(tx, next), "volumes")) return e;
  for (auto& [id, slot] : cur_by_id)
    if (!seen.count(id)) detach_slot(tx, ctx, slot, s, now);
  for (auto& f : to_attach)
    if (auto e = attach_found(tx, ctx, f, s, now)) return e;
  s.body["volumes"] = std::move(next);
  return std::nullopt;
}

// Re-attaches exactly the given flexible IPs (PATCH public_ips), keeping the dynamic IP rules.
std::optional<ApiError> replace_ips(store::Tx& tx, const Context& ctx, store::Record& s,
                                    const std::vector<std::string>& ids, Micros now) {
  for (auto& id : ids)
    if (!is_uuid(id)) return ApiError::not_found("instance_ip", id);
  release_server_ips(tx, s, now, true);
  for (auto& id : ids)
    if (auto e = attach_ip(tx, ctx, to_lower(id), s, now)) return e;
  return std::nullopt;
}

// The dynamic IP follows dynamic_ip_required and the flexible IPv4s while the server runs.
void refresh_dynamic_ip(store::Tx& tx, const store::Record& s, Micros now) {
  if (s.state != "running" && s.state != "stopped in place") return;
  bool has_v4 = false, has_dynamic = false;
  for (auto& ip : server_ips(tx, s.id)) {
    if (bool_of(ip.body, "dynamic"))
      has_dynamic = true;
    else if (str_of(ip.body, "type", "routed_ipv4") == "routed_ipv4")
      has_v4 = true;
  }
  bool want = bool_of(s.body, "dynamic_ip_required", true) && !has_v4;
  if (want && !has_dynamic) allocate_dynamic_ip(tx, s, now);
  if (!want && has_dynamic) release_server_ips(tx, s, now, false);  // the dynamic IP only
}

}  // namespace

std::optional<ApiError> update_server(Context& ctx, store::Tx& tx, store::Record& s) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto boot = b.enumeration("boot_type", {"local", "bootscript", "rescue"});
  auto tags = b.strings("tags");
  auto* volumes = b.object("volumes");
  auto dyn = b.boolean("dynamic_ip_required");
  auto routed = b.boolean("routed_ip_enabled");
  auto ips = b.strings("public_ips");
  auto ipv6 = b.boolean("enable_ipv6");
  auto prot = b.boolean("protected");
  auto* sg = b.object("security_group");
  auto ct = b.str("commercial_type");
  auto admin_key = b.str("admin_password_encryption_ssh_key_id");
  bool pg_set = b.has("placement_group");
  bool pg_null = b.is_null("placement_group");
  std::optional<std::string> pg;
  if (pg_set && !pg_null) pg = b.str("placement_group");
  if (auto e = b.error()) return e;
  if (pg && !is_uuid(*pg)) return ApiError::constraint("placement_group", "not a valid value");
  if (routed && !*routed)
    return ApiError::constraint("routed_ip_enabled", "routed IPs cannot be disabled once enabled");
  auto now = ctx.now();
  const auto* type = find_server_type(ctx.zone(), str_of(s.body, "commercial_type"));
  if (ct && *ct != str_of(s.body, "commercial_type")) {
    const auto* nt = find_server_type(ctx.zone(), *ct);
    if (!nt)
      return ApiError::constraint(
          "commercial_type",
          "commercial type \"" + *ct + "\" is not available in zone " + std::string(ctx.zone()));
    if (s.state != "stopped")
      return ApiError::legacy_invalid_request(
          "the server must be stopped to change its commercial type");
    if (nt->arch != str_of(s.body, "arch"))
      return ApiError::constraint(
          "commercial_type",
          "commercial type " + nt->name + " has another architecture (" + nt->arch + ")");
    auto cur_vols = value_of(s.body, "volumes");
    if (auto e = check_local_fit(
            *nt, local_totals(tx, cur_vols.is_object() ? cur_vols.as_object() : json::object{}),
            "commercial_type"))
      return e;
    s.body["commercial_type"] = nt->name;
    type = nt;
  }
  if (volumes) {
    if (!type) return ApiError::constraint("commercial_type", "unknown commercial type");
    if (auto e = replace_volumes(tx, ctx, s, *type, *volumes, now)) return e;
  }
  if (sg) {
    auto sid = str_of(*sg, "id");
    auto u = uuid_arg(sid, "security_group.id");
    if (!u) return u.error();
    auto ref = security_group_ref(tx, ctx, *u);
    if (!ref) return ref.error();
    s.body["security_group"] = std::move(*ref);
  }
  if (pg_set) {
    if (pg) {
      auto pgj = placement_group_json(tx, ctx, to_lower(*pg));
      if (!pgj) return pgj.error();
      s.body["placement_group_id"] = to_lower(*pg);
    } else {
      s.body["placement_group_id"] = nullptr;
    }
  }
  if (name) s.name = *name;
  if (boot) s.body["boot_type"] = *boot;
  if (tags) s.tags = *tags;
  if (dyn) s.body["dynamic_ip_required"] = *dyn;
  if (ipv6) s.body["enable_ipv6"] = *ipv6;
  if (prot) s.body["protected"] = *prot;
  if (admin_key && admin_key->empty()) s.body.erase("admin_password_encryption_ssh_key_id");
  if (admin_key && !admin_key->empty()) s.body["admin_password_encryption_ssh_key_id"] = *admin_key;
  s.updated_at = now;
  tx.update(s);
  if (name) rename_server_private_nics(tx, s, now);
  if (ips) {
    if (auto e = replace_ips(tx, ctx, s, *ips, now)) return e;
  }
  if (ips || dyn) refresh_dynamic_ip(tx, s, now);
  return std::nullopt;
}

// The SDK-private PUT (_setServer): a full Server object; its writable plain fields are applied
// (name, tags, boot_type, dynamic_ip_required, enable_ipv6, protected), the rest is read-only
// or has its own operation (volumes, IPs, groups, actions) and is ignored.
Result<Response> set_server(Context& ctx, const resource::Spec& spec) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto boot = b.enumeration("boot_type", {"local", "bootscript", "rescue"});
  auto tags = b.strings("tags");
  auto dyn = b.boolean("dynamic_ip_required");
  auto ipv6 = b.boolean("enable_ipv6");
  auto prot = b.boolean("protected");
  if (auto e = b.error()) return api::fail(*e);
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = resource::load(ctx, tx, spec, true);
    if (!s) return api::fail(s.error());
    if (name && !name->empty()) s->name = *name;
    if (boot) s->body["boot_type"] = *boot;
    if (tags) s->tags = *tags;
    if (dyn) s->body["dynamic_ip_required"] = *dyn;
    if (ipv6) s->body["enable_ipv6"] = *ipv6;
    if (prot) s->body["protected"] = *prot;
    s->updated_at = now;
    tx.update(*s);
    if (name && !name->empty()) rename_server_private_nics(tx, *s, now);
    if (dyn) refresh_dynamic_ip(tx, *s, now);
    return Response::json(200, resource::answer(ctx, tx, spec, *s));
  });
}

}  // namespace scwd::products::instance::compute
