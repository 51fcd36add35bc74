// Instance volumes (l_ssd, scratch): create / get / list / update / delete, and the rendering
// of volumes inside servers (local volumes in full, SBS volumes as the short Block reference).
#include <boost/json.hpp>

#include "core/codec/validate.hpp"
#include "core/util/ids.hpp"
#include "products/block/block.hpp"
#include "products/instance/compute.hpp"

namespace scwd::products::instance::compute {

using api::ApiError;
using api::ArgReason;
using api::Result;
using app::Context;
using http::Response;
using store::Column;
using store::Op;

namespace {

constexpr std::string_view kResource = "instance_volume";

// /products/volumes constraints.
struct LocalType {
  std::string_view name;
  std::int64_t min;
  std::int64_t max;
};
constexpr LocalType kLocalTypes[] = {{"l_ssd", 1 * kGB, 800 * kGB},
                                     {"scratch", 1 * kGB, 60'000 * kGB}};

const LocalType* local_type(std::string_view name) {
  for (auto& t : kLocalTypes)
    if (t.name == name) return &t;
  return nullptr;
}

std::optional<ApiError> check_size(const LocalType& t, std::int64_t size, std::string_view arg) {
  if (size < t.min || size > t.max)
    return ApiError::invalid_argument(std::string(arg), ArgReason::kConstraint,
                                      "size must be between " + std::to_string(t.min) + " and " +
                                          std::to_string(t.max) + " bytes for " +
                                          std::string(t.name) + " volumes");
  return std::nullopt;
}

json::value server_summary_of(store::Tx& tx, const store::Record& v) {
  if (v.parent_id.empty()) return nullptr;
  if (auto s = tx.get(kServerKind, v.parent_id))
    return json::object{{"id", s->id}, {"name", s->name}};
  return value_of(v.body, "server");
}

Result<Response> create_volume(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto type = b.str("volume_type");
  auto size = b.integer("size");
  auto base = b.str("base_snapshot");
  auto tags = b.strings("tags");
  if (auto e = b.error()) return api::fail(*e);
  std::string vtype = type.value_or("l_ssd");
  if (vtype.empty() || vtype == "unknown_volume_type") vtype = "l_ssd";
  auto* lt = local_type(vtype);
  if (!lt)
    return api::fail(ApiError::invalid_argument(
        "volume_type", ArgReason::kConstraint,
        "volume type \"" + vtype +
            "\" cannot be created with the Instance API (l_ssd and scratch only; SBS volumes "
            "live in the Block Storage API)"));
  if (size && base)
    return api::fail(ApiError::invalid_argument("size", ArgReason::kConstraint,
                                                "only one of size and base_snapshot may be set"));
  if (!size && !base)
    return api::fail(ApiError::invalid_arguments(
        {{"size", ArgReason::kRequired, "required key not provided"},
         {"base_snapshot", ArgReason::kRequired, "required key not provided"}}));
  std::optional<std::string> base_id;
  if (base) {
    auto id = uuid_arg(*base, "base_snapshot");
    if (!id) return api::fail(id.error());
    base_id = *id;
  }
  if (size)
    if (auto e = check_size(*lt, *size, "size")) return api::fail(*e);
  auto now = ctx.now();
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto owner = owner_of(ctx, tx, ctx.body);
    if (!owner) return api::fail(owner.error());
    std::optional<store::Record> snap;
    std::int64_t vsize = size.value_or(0);
    if (base_id) {
      auto s = load(tx, ctx, kSnapshotKind, *base_id, "instance_snapshot");
      if (!s) return api::fail(s.error());
      if (s->state != "available")
        return api::fail(ApiError::transient_state("instance_snapshot", s->id, s->state));
      if (str_of(s->body, "volume_type") != vtype)
        return api::fail(
            ApiError::invalid_argument("volume_type", ArgReason::kConstraint,
                                       "the volume type must be the one of the snapshot (" +
                                           str_of(s->body, "volume_type") + ")"));
      vsize = int_of(s->body, "size");
      snap = std::move(*s);
    }
    auto v = insert_volume(tx, ctx, *owner, name.value_or(""), vtype, vsize,
                           tags.value_or(std::vector<std::string>{}), snap ? &*snap : nullptr, now);
    if (!v) return api::fail(v.error());
    return created(ctx, "volumes", v->id, json::object{{"volume", render_volume(tx, *v)}});
  });
}

Result<Response> get_volume(Context& ctx) {
  auto id = path_id(ctx, "volume_id");
  if (!id) return api::fail(id.error());
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto v = load(*tx, ctx, kVolumeKind, *id, kResource);
  if (!v) return api::fail(v.error());
  return Response::json(200, json::object{{"volume", render_volume(*tx, *v)}});
}

Result<Response> list_volumes(Context& ctx) {
  store::ListQuery q;
  q.kind = std::string(kVolumeKind);
  if (auto e = common_filters(ctx, q)) return api::fail(*e);
  if (auto* t = ctx.query("volume_type"); t && !t->empty())
    q.filters.push_back({Column::kBody, Op::kEq, {*t}, "volume_type", false});
  q.order.push_back({Column::kCreatedAt, true, {}});
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  return legacy_list(ctx, *tx, std::move(q), "volumes", "volumes",
                     [&](const store::Record& r) { return render_volume(*tx, r); });
}

Result<Response> update_volume(Context& ctx) {
  auto id = path_id(ctx, "volume_id");
  if (!id) return api::fail(id.error());
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto tags = b.strings("tags");
  auto size = b.integer("size");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto v = load(tx, ctx, kVolumeKind, *id, kResource);
    if (!v) return api::fail(v.error());
    if (size) {
      auto cur = int_of(v->body, "size");
      auto vtype = str_of(v->body, "volume_type");
      if (*size < cur)
        return api::fail(
            ApiError::invalid_argument("size", ArgReason::kConstraint, "a volume can only grow"));
      if (auto* lt = local_type(vtype))
        if (auto e = check_size(*lt, *size, "size")) return api::fail(*e);
      if (*size != cur && !v->parent_id.empty()) {
        auto s = tx.get(kServerKind, v->parent_id);
        if (s && s->state != "stopped")
          return api::fail(ApiError::legacy_invalid_request(
              "the server of this volume must be stopped to resize it"));
        if (s) {
          // The server's total local storage must still fit its type.
          std::int64_t total = *size - cur;
          for (auto& [key, slot] : server_slots(*s)) {
            auto t = str_of(slot, "volume_type");
            if (t != "l_ssd") continue;
            if (auto lv = tx.get(kVolumeKind, str_of(slot, "id")))
              total += int_of(lv->body, "size");
          }
          auto* type = find_server_type(ctx.zone(), str_of(s->body, "commercial_type"));
          if (type && vtype == "l_ssd" && total > type->local_max)
            return api::fail(ApiError::invalid_argument(
                "size", ArgReason::kConstraint,
                "the total size of local volumes (" + std::to_string(total) +
                    ") exceeds the maximum of the commercial type (" +
                    std::to_string(type->local_max) + ")"));
        }
      }
      v->body["size"] = *size;
    }
    if (name) v->name = *name;
    if (tags) v->tags = *tags;
    v->updated_at = ctx.now();
    tx.update(*v);
    return Response::json(200, json::object{{"volume", render_volume(tx, *v)}});
  });
}

Result<Response> delete_volume(Context& ctx) {
  auto id = path_id(ctx, "volume_id");
  if (!id) return api::fail(id.error());
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto v = load(tx, ctx, kVolumeKind, *id, kResource);
    if (!v) return api::fail(v.error());
    if (!v->parent_id.empty() && tx.get(kServerKind, v->parent_id))
      return api::fail(ApiError::precondition_failed(
          "resource_still_in_use",
          "volume is attached to server " + v->parent_id + "; detach it first"));
    tx.remove(kVolumeKind, v->id);
    return Response::no_content();
  });
}

}  // namespace

json::object render_volume(store::Tx& tx, const store::Record& v) {
  json::object o;
  o["id"] = v.id;
  o["name"] = v.name;
  o["volume_type"] = str_of(v.body, "volume_type", "l_ssd");
  o["export_uri"] = nullptr;
  o["organization"] = v.organization_id;
  o["project"] = v.project_id;
  o["server"] = server_summary_of(tx, v);
  o["size"] = int_of(v.body, "size");
  o["state"] = v.state.empty() ? "available" : v.state;
  o["creation_date"] = ts(v.created_at);
  o["modification_date"] = ts(v.updated_at);
  o["tags"] = json::value_from(v.tags);
  o["zone"] = v.locality;
  return o;
}

json::object render_server_volume(store::Tx& tx, std::string_view zone, const json::object& slot,
                                  std::string_view server_state) {
  auto id = str_of(slot, "id");
  auto type = str_of(slot, "volume_type");
  bool boot = bool_of(slot, "boot");
  if (type == "l_ssd" || type == "scratch") {
    json::object o;
    o["boot"] = boot;
    if (auto v = tx.get(kVolumeKind, id)) {
      for (auto& kv : render_volume(tx, *v)) o[kv.key()] = kv.value();
      if (server_state == "terminating") o["state"] = "deleting";
    } else {
      o["id"] = id;
      o["volume_type"] = type;
      o["zone"] = zone;
    }
    return o;
  }
  json::object o{{"boot", boot}, {"volume_type", type}, {"id", id}};
  if (auto v = block::find_volume(tx, zone, id)) o["state"] = block::instance_state(*v);
  o["zone"] = zone;
  return o;
}

Result<store::Record> insert_volume(store::Tx& tx, const Context& ctx, const app::Owner& owner,
                                    std::string name, std::string volume_type, std::int64_t size,
                                    std::vector<std::string> tags,
                                    const store::Record* base_snapshot, Micros now) {
  if (auto e = quota::check(tx, ctx.svc.config, kVolumeQuota, owner.organization_id))
    return api::fail(*e);
  store::Record v;
  v.kind = std::string(kVolumeKind);
  v.id = new_uuid();
  v.organization_id = owner.organization_id;
  v.project_id = owner.project_id;
  v.locality = std::string(ctx.zone());
  v.name = std::move(name);
  v.state = "available";
  v.created_at = v.updated_at = now;
  v.tags = std::move(tags);
  v.body = json::object{{"volume_type", volume_type}, {"size", size}, {"server", nullptr}};
  if (base_snapshot) v.body["base_snapshot"] = base_snapshot->id;
  tx.insert(v);
  return v;
}

void set_volume_server(store::Tx& tx, store::Record& volume, const store::Record* server,
                       Micros now) {
  if (server) {
    volume.parent_id = server->id;
    volume.body["server"] = json::object{{"id", server->id}, {"name", server->name}};
  } else {
    volume.parent_id.clear();
    volume.body["server"] = nullptr;
  }
  volume.updated_at = now;
  tx.update(volume);
}

void register_volumes(app::Registry& r) {
  const std::string base = "/instance/v1/zones/{zone}/volumes";
  // A volume made from a snapshot copies its data.
  r.add("POST", base, kWrite, create_volume)
      .refs({app::body_ref("base_snapshot", app::Access::kRead,
                           {kSnapshotRef, block::kSnapshotRef})});
  r.add("GET", base, kRead, list_volumes);
  r.add("GET", base + "/{volume_id}", kRead, get_volume);
  r.add("PATCH", base + "/{volume_id}", kWrite, update_volume);
  r.add("DELETE", base + "/{volume_id}", kWrite, delete_volume);
}

}  // namespace scwd::products::instance::compute
