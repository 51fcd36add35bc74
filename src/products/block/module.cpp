// Block Storage API (/block/v1alpha1 and /block/v1, zoned): volume types, volumes, snapshots.
// Both versions serve the same records; v1 adds a few keys (kms_key_id, public).
#include <boost/json.hpp>

#include "core/codec/validate.hpp"
#include "core/paging/paging.hpp"
#include "core/resource/named.hpp"
#include "core/resource/resource.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/block/block.hpp"
#include "products/block/model.hpp"
#include "products/catalogue/images.hpp"
#include "products/prelude.hpp"

namespace scwd::products::block {

namespace {

constexpr auto kVolume = permissions("BlockStorage", "volume");
constexpr auto kSnap = permissions("BlockStorage", "snapshot");

// The list default page size (the real API answers more than 20 items without page_size).
constexpr std::int64_t kDefaultPageSize = 50;

bool is_v1(const Context& ctx) { return ctx.req.path.rfind("/block/v1/", 0) == 0; }

json::object volume_view(const resource::View& view, const store::Record& r) {
  auto o = render_volume(r);
  if (is_v1(view.ctx)) o["kms_key_id"] = nullptr;
  return o;
}

json::object snapshot_view(const resource::View& view, const store::Record& r) {
  auto o = render_snapshot(
      r, r.parent_id.empty() ? nullptr : view.related.find(kVolumeKind, r.parent_id));
  if (is_v1(view.ctx)) o["public"] = bool_of(r.body, "public");
  return o;
}

// A Block kind served by v1alpha1 and v1 under zones/{zone}/<segment>: the conventional names
// (see resource::named), the Block page size and orders.
resource::Spec block_spec(std::string_view kind, std::string resource, std::string_view segment,
                          Permission read, Permission write) {
  auto s = resource::named(kind, std::move(resource),
                           "/block/v1alpha1/zones/{zone}/" + std::string(segment), read, write);
  s.collections.push_back("/block/v1/zones/{zone}/" + std::string(segment));
  s.default_page_size = kDefaultPageSize;
  return s;
}

bool stable(const store::Record& r) { return r.state == "available" || r.state == "in_use"; }

// A PATCH's name and tags (either kind).
struct Rename {
  explicit Rename(codec::BodyReader& b) : name(b.str("name")), tags(b.strings("tags")) {}
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> tags;

  std::optional<ApiError> check() const {
    if (name && name->empty()) return ApiError::constraint("name", "name must not be empty");
    return std::nullopt;
  }
  // True when the record changed.
  bool apply(store::Record& r) const {
    bool changed = false;
    if (name && *name != r.name) {
      r.name = *name;
      changed = true;
    }
    if (tags && *tags != r.tags) {
      r.tags = *tags;
      changed = true;
    }
    return changed;
  }
};

// --- volume types (a static catalogue) ---

Result<Response> list_volume_types(Context& ctx) {
  auto page = paging::read(ctx.req, "page_size", kDefaultPageSize);
  if (!page) return api::fail(page.error());
  const auto& all = volume_types();
  json::array items;
  for (std::int64_t i = page->offset();
       i < static_cast<std::int64_t>(all.size()) && i < page->offset() + page->size; ++i)
    items.push_back(render_volume_type(all[static_cast<std::size_t>(i)]));
  return Response::json(200, paging::list_body("volume_types", std::move(items),
                                               static_cast<std::int64_t>(all.size())));
}

// --- volumes ---

// The volumes used by a resource (an Instance server): its id is inside the references.
bool used_by(const store::Record& volume, std::string_view resource_id) {
  auto refs = value_of(volume.body, "references");
  if (!refs.is_array()) return false;
  auto id = json::value(to_lower(resource_id));
  for (auto& ref : refs.as_array())
    if (ref.is_object() && value_of(ref.as_object(), "product_resource_id") == id) return true;
  return false;
}

std::optional<ApiError> create_volume_record(Context& ctx, store::Tx& tx, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name", true);
  auto tags = b.strings("tags");
  auto iops = b.integer("perf_iops");
  const auto* empty = b.object("from_empty");
  const auto* snap = b.object("from_snapshot");
  if (auto e = b.error()) return e;
  NewVolume v;
  v.name = *name;
  if (tags) v.tags = *tags;
  if (empty && snap)
    return ApiError::constraint("from_snapshot",
                                "only one of from_empty and from_snapshot can be specified");
  if (!empty && !snap)
    return ApiError::invalid_argument("from_empty", ArgReason::kRequired,
                                      "one of from_empty or from_snapshot is required");
  if (empty) {
    codec::BodyReader eb(*empty, "from_empty");
    auto size = eb.integer("size", true);
    if (auto e = eb.error()) return e;
    v.size = *size;
    if (v.size <= 0) return ApiError::constraint("from_empty.size", "size must be greater than 0");
  } else {
    codec::BodyReader sb(*snap, "from_snapshot");
    auto sid = sb.uuid("snapshot_id", true);
    auto size = sb.integer("size");
    if (auto e = sb.error()) return e;
    v.snapshot_id = *sid;
    v.size = size.value_or(0);
    if (v.size < 0)
      return ApiError::constraint("from_snapshot.size", "size must be greater than 0");
  }
  if (iops && !type_for_iops(*iops))
    return ApiError::constraint("perf_iops", "perf_iops must be 5000 or 15000");
  if (iops) {
    v.iops = *iops;
  } else if (v.snapshot_id) {
    // A volume takes the IOPS class of the snapshot's source volume by default.
    if (auto s = tx.get(kSnapshotKind, to_lower(*v.snapshot_id)))
      if (auto i = s->body.find("perf_iops"); i != s->body.end() && i->value().is_int64())
        v.iops = i->value().as_int64();
  }
  return make_volume(tx, ctx, v, r);
}

std::optional<ApiError> delete_volume_check(Context&, store::Tx&, const store::Record& r) {
  if (r.state == "in_use")
    return ApiError::precondition_failed("resource_still_in_use",
                                         "volume is in use; detach it from its server first");
  if (!stable(r)) return ApiError::transient_state("volume", r.id, r.state);
  return std::nullopt;
}

std::shared_ptr<const resource::Spec> volume_spec() {
  auto s = block_spec(kVolumeKind, "volume", "volumes", kVolume.read, kVolume.write);
  s.render = volume_view;
  s.filters = {resource::body_eq("volume_type", "type"), resource::uuids("volume_ids", Column::kId),
               resource::matching("product_resource_id", used_by)};
  s.list_refs.not_refs = {"product_resource_id"};  // a filter on what uses the volume
  s.create = create_volume_record;
  s.organization_field = {};  // a volume names its project only
  // A volume made from a snapshot copies the snapshot's data: read on its project.
  s.create_refs.refs = {app::body_ref("from_snapshot.snapshot_id", Access::kRead, {kSnapshotRef})};
  s.can_delete = delete_volume_check;
  return std::make_shared<const resource::Spec>(std::move(s));
}

// A change of size or IOPS goes through `updating` (applied when it completes) and leaves
// updated_at to that step; a change of name or tags is immediate. Nothing changed, nothing
// written.
Result<Response> update_volume(const resource::Spec& spec, Context& ctx) {
  codec::BodyReader b(ctx.body);
  Rename rename(b);
  auto size = b.integer("size");
  auto iops = b.integer("perf_iops");
  if (auto e = b.error()) return api::fail(*e);
  if (auto e = rename.check()) return api::fail(*e);
  if (iops && !type_for_iops(*iops))
    return api::fail(ApiError::constraint("perf_iops", "perf_iops must be 5000 or 15000"));
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = resource::load(ctx, tx, spec, true);
    if (!r) return api::fail(r.error());
    bool changed = rename.apply(*r);
    json::object update;
    auto cur_size = int_of(r->body, "size");
    if (size && *size != cur_size) {
      if (*size < cur_size)
        return api::fail(
            ApiError::constraint("size", "the size of a volume can only be increased"));
      if (*size > kMaxSize)
        return api::fail(ApiError::constraint("size", "size must be at most 10 TB"));
      if (*size % kGB != 0)
        return api::fail(ApiError::constraint("size", "size must be a multiple of 1 GB"));
      update["size"] = *size;
    }
    if (iops && *iops != int_of(r->body, "perf_iops")) update["perf_iops"] = *iops;
    if (!update.empty()) {
      if (!stable(*r)) return api::fail(ApiError::transient_state("volume", r->id, r->state));
      r->body["_update"] = std::move(update);
      ctx.svc.lifecycle.start(*r, ctx.now(),
                              {{"updating", 0, ""}, {"available", kUpdateAfter, "updated"}});
    } else if (changed) {
      r->updated_at = ctx.now();
    }
    if (changed || r->body.contains("_update")) tx.update(*r);
    return Response::json(200, resource::answer(ctx, tx, spec, *r));
  });
}

// --- snapshots ---

std::optional<ApiError> create_snapshot_record(Context& ctx, store::Tx& tx, store::Record& s) {
  codec::BodyReader b(ctx.body);
  auto volume_id = b.uuid("volume_id", true);
  auto name = b.str("name", true);
  auto tags = b.strings("tags");
  auto pub = b.boolean("public");
  if (auto e = b.error()) return e;
  auto v = ctx.svc.lifecycle.load(tx, kVolumeKind, to_lower(*volume_id));
  if (!v || v->locality != ctx.zone() || v->organization_id != ctx.principal.organization_id)
    return ApiError::not_found("volume", to_lower(*volume_id));
  if (!stable(*v)) return ApiError::transient_state("volume", v->id, v->state);
  if (auto e = quota::check(tx, ctx.svc.config, kSnapshotQuota, s.organization_id)) return e;
  s.name = *name;
  s.tags = tags.value_or(std::vector<std::string>{});
  make_snapshot(ctx, *v, s);
  s.body["perf_iops"] = value_of(v->body, "perf_iops");
  if (pub) s.body["public"] = *pub;
  return std::nullopt;
}

std::optional<ApiError> delete_snapshot_check(Context&, store::Tx&, const store::Record& r) {
  if (r.state == "in_use")
    return ApiError::precondition_failed("resource_still_in_use",
                                         "snapshot is in use by an image; delete the image first");
  if (r.state != "available" && r.state != "error")
    return ApiError::transient_state("snapshot", r.id, r.state);
  return std::nullopt;
}

// The root snapshots of public images belong to Scaleway's organization: the real API answers
// permissions_denied for them.
std::optional<ApiError> public_snapshot(const Context&, std::string_view id, bool write) {
  if (!catalogue::find_by_root_snapshot(id)) return std::nullopt;
  return ApiError::permissions_denied({{write ? "write" : "read", "snapshot"}});
}

std::shared_ptr<const resource::Spec> snapshot_spec() {
  auto s = block_spec(kSnapshotKind, "snapshot", "snapshots", kSnap.read, kSnap.write);
  s.missing = public_snapshot;
  s.render = snapshot_view;
  s.related = {
      {std::string(kVolumeKind),
       [](const store::Record& r, std::vector<std::string>& ids) { ids.push_back(r.parent_id); }}};
  s.filters = {resource::uuids("volume_id", Column::kParent)};
  s.list_refs.not_refs = {"volume_id"};  // a filter of the (scoped) list
  s.create = create_snapshot_record;
  s.organization_field = {};
  // A snapshot copies the volume's data: read on the volume's project.
  s.create_refs.refs = {app::body_ref("volume_id", Access::kRead, {kVolumeRef})};
  s.can_delete = delete_snapshot_check;
  return std::make_shared<const resource::Spec>(std::move(s));
}

// Name, tags and (v1) public; updated_at moves only when something changed.
Result<Response> update_snapshot(const resource::Spec& spec, Context& ctx) {
  codec::BodyReader b(ctx.body);
  Rename rename(b);
  auto pub = b.boolean("public");
  if (auto e = b.error()) return api::fail(*e);
  if (auto e = rename.check()) return api::fail(*e);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = resource::load(ctx, tx, spec, true);
    if (!r) return api::fail(r.error());
    bool changed = rename.apply(*r);
    if (pub && is_v1(ctx)) {
      r->body["public"] = *pub;
      changed = true;
    }
    if (changed) {
      r->updated_at = ctx.now();
      tx.update(*r);
    }
    return Response::json(200, resource::answer(ctx, tx, spec, *r));
  });
}

// No Object Storage backs this server: every bucket is unknown.
ApiError no_bucket(const std::string& bucket) { return ApiError::not_found("bucket", bucket); }

Result<Response> import_snapshot(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto bucket = b.str("bucket", true);
  auto key = b.str("key", true);
  auto name = b.str("name", true);
  auto project = b.str("project_id");
  b.strings("tags");
  auto size = b.integer("size");
  if (auto e = b.error()) return api::fail(*e);
  if (size && (*size < kMinSize || *size > kMaxSize))
    return api::fail(ApiError::constraint("size", "size must be between 5 GB and 10 TB"));
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto owner = app::resolve_owner(ctx, *tx, project, std::nullopt, "project_id", "organization_id",
                                  "snapshot");
  if (!owner) return api::fail(owner.error());
  return api::fail(no_bucket(*bucket));
}

Result<Response> export_snapshot(const resource::Spec& spec, Context& ctx) {
  auto id = resource::path_id(ctx, spec);
  if (!id) return api::fail(id.error());
  auto in = codec::read<ExportTarget>(ctx.body);
  if (!in) return api::fail(in.error());
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto r = resource::load(ctx, *tx, spec);
  if (!r) return api::fail(r.error());
  if (!stable(*r)) return api::fail(ApiError::transient_state("snapshot", r->id, r->state));
  return api::fail(no_bucket(*in->bucket.value));
}

class BlockModule final : public app::Module {
 public:
  std::string_view name() const override { return "block"; }
  void register_routes(app::Registry& r, app::Services& svc) override {
    svc.lifecycle.on_enter(std::string(kVolumeKind), on_volume_enter);
    svc.lifecycle.on_enter(std::string(kSnapshotKind), on_snapshot_enter);
    declare_meters();
    auto volumes = volume_spec();
    auto snapshots = snapshot_spec();
    resource::add_resource(r, volumes);
    resource::add_resource(r, snapshots);
    auto with = [](std::shared_ptr<const resource::Spec> spec,
                   Result<Response> (*fn)(const resource::Spec&, Context&)) {
      return [spec, fn](Context& ctx) { return fn(*spec, ctx); };
    };
    for (std::string v : {"v1alpha1", "v1"}) {
      std::string base = "/block/" + v + "/zones/{zone}";
      r.add("GET", base + "/volume-types", kVolume.read, list_volume_types);
      r.add("PATCH", base + "/volumes/{volume_id}", kVolume.write, with(volumes, update_volume));
      r.add("PATCH", base + "/snapshots/{snapshot_id}", kSnap.write,
            with(snapshots, update_snapshot));
      r.add("POST", base + "/snapshots/import-from-object-storage", kSnap.write, import_snapshot);
      r.add("POST", base + "/snapshots/{snapshot_id}/export-to-object-storage", kSnap.write,
            with(snapshots, export_snapshot));
    }
    r.add("POST", "/block/v1alpha1/zones/{zone}/snapshots/import-from-s3", kSnap.write,
          import_snapshot);
  }
};

}  // namespace

std::unique_ptr<app::Module> make_module() { return std::make_unique<BlockModule>(); }

}  // namespace scwd::products::block
