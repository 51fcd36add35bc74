// Instance snapshots (of l_ssd volumes, or imported from Object Storage): create / get / list /
// update / delete / export.
#include <algorithm>
#include <boost/json.hpp>

#include "core/codec/validate.hpp"
#include "core/resource/records.hpp"
#include "core/util/ids.hpp"
#include "products/block/block.hpp"
#include "products/instance/compute/compute.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance::compute {

namespace {

constexpr std::string_view kResource = "instance_snapshot";
// An imported QCOW2 whose size was not given shows as 1 GiB (observed).
constexpr std::int64_t kImportDefaultSize = 1'073'741'824;

// Hot snapshots (volume of a running server) take a while; roughly 1 s per 2 GB, 10..25 s.
Micros hot_snapshot_duration(std::int64_t size) {
  return std::clamp<Micros>(10 * kSecond + size / (2 * kGB) * kSecond, 10 * kSecond, 25 * kSecond);
}

std::string region_of(std::string_view zone) {
  auto last = zone.rfind('-');
  return std::string(last == std::string_view::npos ? zone : zone.substr(0, last));
}

struct SnapshotIn {
  std::optional<std::string> name, volume_id, volume_type;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::string> bucket, key;
  std::optional<std::int64_t> size;
};
BOOST_DESCRIBE_STRUCT(SnapshotIn, (), (name, volume_id, volume_type, tags, bucket, key, size))

Result<Response> create_snapshot(Context& ctx) {
  auto in = codec::read<SnapshotIn>(ctx.body);
  if (!in) return api::fail(in.error());
  auto& [name, volume_id, volume_type, tags, bucket, key, size] = *in;  // declaration order
  std::string vtype = volume_type.value_or("");
  if (vtype == "unknown_volume_type") vtype.clear();
  if (!vtype.empty() && vtype != "l_ssd")
    return api::fail(ApiError::constraint(
        "volume_type",
        "snapshots of type \"" + vtype + "\" cannot be created any more; use l_ssd"));
  bool import = !volume_id && (bucket || key);
  if (!volume_id && !import)
    return api::fail(
        ApiError::invalid_argument("volume_id", ArgReason::kRequired, "required key not provided"));
  if (import) {
    std::vector<api::ArgumentDetail> missing;
    if (!bucket || bucket->empty())
      missing.push_back({"bucket", ArgReason::kRequired, "required key not provided"});
    if (!key || key->empty())
      missing.push_back({"key", ArgReason::kRequired, "required key not provided"});
    if (!missing.empty()) return api::fail(ApiError::invalid_arguments(std::move(missing)));
    if (size && (*size < 1 * kGB / 1000 || *size > 800 * kGB))
      return api::fail(ApiError::constraint("size", "size is out of the allowed range"));
  }
  std::string vid;
  if (volume_id) {
    auto id = uuid_arg(*volume_id, "volume_id");
    if (!id) return api::fail(id.error());
    vid = *id;
  }
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto owner = owner_of(ctx, tx, ctx.body);
    if (!owner) return api::fail(owner.error());
    store::Record snap;
    if (import) {
      if (auto e = quota::check(tx, ctx.svc.config, kSnapshotQuota, owner->organization_id))
        return api::fail(*e);
      snap.kind = std::string(kSnapshotKind);
      snap.id = new_uuid();
      snap.organization_id = owner->organization_id;
      snap.project_id = owner->project_id;
      snap.locality = std::string(ctx.zone());
      snap.name = name.value_or("");
      snap.created_at = snap.updated_at = now;
      snap.tags = tags.value_or(std::vector<std::string>{});
      snap.body = json::object{{"volume_type", "l_ssd"},
                               {"size", size.value_or(kImportDefaultSize)},
                               {"base_volume", nullptr},
                               {"import", json::object{{"bucket", *bucket}, {"key", *key}}}};
      // No object storage behind this server: the object is taken as readable and the import
      // completes after a realistic delay.
      ctx.svc.lifecycle.start(snap, now, {{"importing", 0, {}}, {"available", 12 * kSecond, {}}});
      tx.insert(snap);
    } else {
      auto v = load(tx, ctx, kVolumeKind, vid, "instance_volume");
      if (!v) return api::fail(v.error());
      if (str_of(v->body, "volume_type") == "scratch")
        return api::fail(
            ApiError::constraint("volume_id", "scratch volumes cannot be snapshotted"));
      auto s = snapshot_volume(tx, ctx, *owner, *v, name.value_or(""),
                               tags.value_or(std::vector<std::string>{}), now);
      if (!s) return api::fail(s.error());
      snap = std::move(*s);
    }
    json::object body{
        {"snapshot", render_snapshot(tx, snap)},
        {"task", task_json(ctx, "volume_snapshot", "/snapshots", "snapshots/" + snap.id, now)}};
    return Response::json(201, body);
  });
}

// PATCH, and the SDK-private PUT (_setSnapshot, a full Snapshot whose writable fields are
// name and tags; the rest is read-only and ignored).
std::optional<ApiError> update_snapshot(Context& ctx, store::Tx&, store::Record& s) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto tags = b.strings("tags");
  if (auto e = b.error()) return e;
  if (name) s.name = *name;
  if (tags) s.tags = *tags;
  return std::nullopt;
}

// Images whose root or extra volumes use this snapshot.
bool used_by_image(store::Tx& tx, const Context& ctx, std::string_view snapshot_id) {
  store::ListQuery q;
  q.kind = std::string(kImageKind);
  q.filters.push_back({Column::kLocality, Op::kEq, {std::string(ctx.zone())}, {}, false});
  q.filters.push_back({Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
  q.with_total = false;
  for (auto& img : tx.list(q).items) {
    if (auto rv = img.body.find("root_volume");
        rv != img.body.end() && rv->value().is_object() &&
        str_of(rv->value().as_object(), "id") == snapshot_id)
      return true;
    if (auto ev = img.body.find("extra_volumes"); ev != img.body.end() && ev->value().is_object())
      for (auto& kv : ev->value().as_object())
        if (kv.value().is_object() && str_of(kv.value().as_object(), "id") == snapshot_id)
          return true;
  }
  return false;
}

std::optional<ApiError> snapshot_unused(Context& ctx, store::Tx& tx, const store::Record& s) {
  if (s.state != "available" && s.state != "error" && s.state != "invalid_data")
    return ApiError::transient_state(kResource, s.id, s.state);
  if (used_by_image(tx, ctx, s.id))
    return ApiError::precondition_failed("resource_still_in_use",
                                         "snapshot is used by an image; delete the image first");
  return std::nullopt;
}

json::object render(const store::Record& s, const store::Record* base_volume) {
  json::object o;
  o["id"] = s.id;
  o["name"] = s.name;
  o["volume_type"] = str_of(s.body, "volume_type", "l_ssd");
  o["creation_date"] = ts(s.created_at);
  o["modification_date"] = ts(s.updated_at);
  o["organization"] = s.organization_id;
  o["project"] = s.project_id;
  o["size"] = int_of(s.body, "size");
  o["state"] = s.state.empty() ? "available" : s.state;
  json::value base = value_of(s.body, "base_volume");
  // null once the volume is gone; its current name otherwise.
  if (base.is_object())
    base = base_volume
               ? json::value(json::object{{"id", base_volume->id}, {"name", base_volume->name}})
               : json::value(nullptr);
  o["base_volume"] = std::move(base);
  o["tags"] = json::value_from(s.tags);
  o["zone"] = s.locality;
  o["error_details"] = nullptr;
  return o;
}

std::string base_volume_id(const store::Record& s) {
  auto base = value_of(s.body, "base_volume");
  return base.is_object() ? str_of(base.as_object(), "id") : std::string();
}

Result<Response> export_snapshot(const resource::Spec& spec, Context& ctx) {
  auto id = resource::path_id(ctx, spec);
  if (!id) return api::fail(id.error());
  auto in = codec::read<block::ExportTarget>(ctx.body);
  if (!in) return api::fail(in.error());
  auto &bucket = in->bucket.value, &key = in->key.value;
  if (bucket->empty() || key->empty()) {
    std::vector<api::ArgumentDetail> d;
    if (bucket->empty()) d.push_back({"bucket", ArgReason::kRequired, "required key not provided"});
    if (key->empty()) d.push_back({"key", ArgReason::kRequired, "required key not provided"});
    return api::fail(ApiError::invalid_arguments(std::move(d)));
  }
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = load(tx, ctx, kSnapshotKind, *id, kResource);
    if (!s) return api::fail(s.error());
    if (s->state != "available")
      return api::fail(ApiError::transient_state(kResource, s->id, s->state));
    // No object storage behind this server: the export is accepted as the real API does (it
    // answers before writing the object) and the snapshot is back to available afterwards.
    s->body["export"] = json::object{{"bucket", *bucket}, {"key", *key}};
    ctx.svc.lifecycle.start(*s, now, {{"exporting", 0, {}}, {"available", 15 * kSecond, {}}});
    s->updated_at = now;
    tx.update(*s);
    auto href = "https://s3." + region_of(ctx.zone()) + ".scw.cloud/" + *bucket + "/" + *key;
    return Response::json(
        202, json::object{{"task", task_json(ctx, "snapshot_export",
                                             "/snapshots/" + s->id + "/export", href, now)}});
  });
}

}  // namespace

json::object render_snapshot(store::Tx& tx, const store::Record& s) {
  std::optional<store::Record> base;
  if (auto id = base_volume_id(s); !id.empty()) base = tx.get(kVolumeKind, id);
  return render(s, base ? &*base : nullptr);
}

Result<store::Record> snapshot_volume(store::Tx& tx, const Context& ctx, const app::Owner& owner,
                                      const store::Record& volume, std::string name,
                                      std::vector<std::string> tags, Micros now) {
  if (auto e = quota::check(tx, ctx.svc.config, kSnapshotQuota, owner.organization_id))
    return api::fail(*e);
  auto snap = resource::new_record(kSnapshotKind, owner, ctx.zone(), now);
  snap.name = std::move(name);
  snap.tags = std::move(tags);
  auto size = int_of(volume.body, "size");
  snap.body = json::object{{"volume_type", str_of(volume.body, "volume_type", "l_ssd")},
                           {"size", size},
                           {"base_volume", json::object{{"id", volume.id}, {"name", volume.name}}}};
  bool hot = false;
  if (!volume.parent_id.empty())
    if (auto s = tx.get(kServerKind, volume.parent_id)) hot = s->state != "stopped";
  if (hot)
    ctx.svc.lifecycle.start(
        snap, now, {{"snapshotting", 0, {}}, {"available", hot_snapshot_duration(size), {}}});
  else
    snap.state = "available";
  tx.insert(snap);
  return snap;
}

void register_snapshots(app::Registry& r) {
  auto snapshots = v1_spec(kSnapshotKind, std::string(kResource), "snapshot_id", "snapshots",
                           "snapshot", "snapshots");
  snapshots.bad_id = resource::BadId::kInvalidArgument;
  snapshots.bad_id_help = "not a valid value";
  snapshots.bad_id_reason = ArgReason::kConstraint;
  snapshots.render = [](const resource::View& v, const store::Record& s) {
    return render(s, v.related.find(kVolumeKind, base_volume_id(s)));
  };
  snapshots.related = {
      {std::string(kVolumeKind), [](const store::Record& s, std::vector<std::string>& ids) {
         ids.push_back(base_volume_id(s));
       }}};
  snapshots.filters.push_back(resource::uuids("base_volume_id", Column::kBody, "base_volume.id"));
  snapshots.orders = {{"created_at_desc", Column::kCreatedAt, true}};
  snapshots.list_refs = {{}, {"base_volume_id"}};  // a list filter
  snapshots.update = update_snapshot;
  snapshots.can_delete = snapshot_unused;
  auto spec = std::make_shared<const resource::Spec>(std::move(snapshots));
  resource::add_resource(r, spec);
  const std::string base = spec->collections.front();
  // Creates answer the snapshot with its task, without a Location.
  r.add("POST", base, kWrite, create_snapshot)
      .refs({app::body_ref("volume_id", app::Access::kRead, {kVolumeRef, block::kVolumeRef})});
  r.add("PUT", base + "/{snapshot_id}", kWrite, [spec](Context& ctx) -> Result<Response> {
     return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
       auto s = resource::load(ctx, tx, *spec, true);
       if (!s) return api::fail(s.error());
       if (auto e = update_snapshot(ctx, tx, *s)) return api::fail(*e);
       s->updated_at = ctx.now();
       tx.update(*s);
       return Response::json(200, resource::answer(ctx, tx, *spec, *s));
     });
   }).not_refs({"base_volume"});  // the PUT form only changes name and tags
  r.add("POST", base + "/{snapshot_id}/export", kWrite,
        [spec](Context& ctx) { return export_snapshot(*spec, ctx); });
}

}  // namespace scwd::products::instance::compute
