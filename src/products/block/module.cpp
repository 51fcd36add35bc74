// Block Storage API (/block/v1alpha1 and /block/v1, zoned): volume types, volumes, snapshots.
// Both versions serve the same records; v1 adds a few keys (kms_key_id, public).
#include <boost/json.hpp>

#include "core/codec/validate.hpp"
#include "core/paging/paging.hpp"
#include "core/util/ids.hpp"
#include "products/block/block.hpp"
#include "products/block/model.hpp"
#include "products/marketplace/catalog.hpp"

namespace scwd::products::block {

namespace json = boost::json;
using api::ApiError;
using api::ArgReason;
using api::Result;
using app::Access;
using app::Context;
using app::Permission;
using http::Response;
using store::Column;
using store::Op;

namespace {

constexpr Permission kRead{"BlockStorage", Access::kRead, "volume"};
constexpr Permission kWrite{"BlockStorage", Access::kWrite, "volume"};
constexpr Permission kSnapRead{"BlockStorage", Access::kRead, "snapshot"};
constexpr Permission kSnapWrite{"BlockStorage", Access::kWrite, "snapshot"};

// The list default page size (the real API answers more than 20 items without page_size).
constexpr std::int64_t kDefaultPageSize = 50;

bool is_v1(const Context& ctx) { return ctx.req.path.rfind("/block/v1/", 0) == 0; }

json::object volume_view(const Context& ctx, const store::Record& r) {
  auto o = render_volume(r);
  if (is_v1(ctx)) o["kms_key_id"] = nullptr;
  return o;
}

json::object snapshot_view(const Context& ctx, store::Tx& tx, const store::Record& r) {
  auto o = render_snapshot(tx, r);
  if (is_v1(ctx)) {
    auto it = r.body.find("public");
    o["public"] = it != r.body.end() && it->value().is_bool() ? it->value().as_bool() : false;
  }
  return o;
}

Result<std::string> path_id(Context& ctx, std::string_view name) {
  auto v = ctx.param(name);
  if (!is_uuid(v))
    return api::fail(
        ApiError::invalid_argument(std::string(name), ArgReason::kFormat, "invalid UUID"));
  return to_lower(v);
}

// A record of the caller's organization in the request's zone; not_found otherwise. The root
// snapshots of public images belong to Scaleway's organization: the real API answers
// permissions_denied for them.
Result<store::Record> load_owned(Context& ctx, store::Tx& tx, std::string_view kind,
                                 std::string_view resource, const std::string& id, bool write) {
  auto r = load(tx, kind, ctx.zone(), id, ctx.now(), write);
  if (!r || r->organization_id != ctx.principal.organization_id) {
    if (kind == kSnapshotKind && marketplace::find_by_root_snapshot(id))
      return api::fail(
          ApiError::permissions_denied({{write ? "write" : "read", std::string(resource)}}));
    return api::fail(ApiError::not_found(resource, id));
  }
  return std::move(*r);
}

Result<std::vector<store::Order>> list_order(Context& ctx) {
  return paging::order(ctx.req, {{"created_at_asc", Column::kCreatedAt, false},
                                 {"created_at_desc", Column::kCreatedAt, true},
                                 {"name_asc", Column::kName, false},
                                 {"name_desc", Column::kName, true}});
}

std::vector<std::string> query_tags(Context& ctx) {
  std::vector<std::string> out;
  for (auto& t : ctx.query_all("tags", false))
    if (!t.empty()) out.push_back(t);
  return out;
}

// --- volume types ---

Result<Response> list_volume_types(Context& ctx) {
  auto page = paging::read(ctx.req, "page_size", kDefaultPageSize);
  if (!page) return api::fail(page.error());
  const auto& all = volume_types();
  json::array items;
  for (std::int64_t i = page->offset();
       i < static_cast<std::int64_t>(all.size()) && i < page->offset() + page->size; ++i)
    items.push_back(render_volume_type(all[static_cast<std::size_t>(i)], ctx.zone()));
  return Response::json(200, paging::list_body("volume_types", std::move(items),
                                               static_cast<std::int64_t>(all.size())));
}

// --- volumes ---

// What both lists share: the organization filter check, paging, order_by, and a query of the
// kind in the zone, the caller's organization and readable projects, filtered on project_id
// and name.
struct ListStart {
  paging::Page page;
  store::ListQuery q;
  std::vector<store::Order> order;
};
Result<ListStart> start_list(Context& ctx, const app::Permission& perm, std::string_view kind) {
  if (auto e = ctx.check_organization_filter(perm.resource)) return api::fail(*e);
  auto page = paging::read(ctx.req, "page_size", kDefaultPageSize);
  if (!page) return api::fail(page.error());
  auto order = list_order(ctx);
  if (!order) return api::fail(order.error());
  ListStart l{*page, {}, std::move(*order)};
  auto& q = l.q;
  q.kind = std::string(kind);
  q.filters.push_back({Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
  q.filters.push_back({Column::kLocality, Op::kEq, {std::string(ctx.zone())}, {}, false});
  ctx.scope(q);
  if (auto e = ctx.uuid_filter(q, "project_id", Column::kProject)) return api::fail(*e);
  if (auto* name = ctx.query("name"); name && !name->empty())
    q.filters.push_back({Column::kName, Op::kContains, {*name}, {}, false});
  return l;
}

Result<Response> list_volumes(Context& ctx) {
  auto l = start_list(ctx, kRead, kVolumeKind);
  if (!l) return api::fail(l.error());
  auto& q = l->q;
  if (auto* t = ctx.query("volume_type"); t && !t->empty())
    q.filters.push_back({Column::kBody, Op::kEq, {*t}, "type", false});
  if (auto ids = ctx.query_all("volume_ids", true); !ids.empty()) {
    for (auto& id : ids) {
      if (!is_uuid(id))
        return api::fail(
            ApiError::invalid_argument("volume_ids", ArgReason::kFormat, "invalid UUID"));
      id = to_lower(id);
    }
    q.filters.push_back({Column::kId, Op::kIn, ids, {}, false});
  }
  q.tags_any = query_tags(ctx);
  q.order = std::move(l->order);
  std::string resource_id;
  if (auto* p = ctx.query("product_resource_id"); p && !p->empty()) resource_id = to_lower(*p);
  // The product_resource_id filter looks into the references: filter here, then page.
  if (resource_id.empty()) paging::apply(q, l->page);
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto res = tx->list(q);
  std::vector<store::Record> items = std::move(res.items);
  std::int64_t total = res.total;
  if (!resource_id.empty()) {
    std::vector<store::Record> kept;
    for (auto& r : items) {
      auto it = r.body.find("references");
      if (it == r.body.end() || !it->value().is_array()) continue;
      for (auto& ref : it->value().as_array())
        if (ref.as_object().at("product_resource_id") == json::value(resource_id)) {
          kept.push_back(std::move(r));
          break;
        }
    }
    total = static_cast<std::int64_t>(kept.size());
    std::vector<store::Record> paged;
    for (auto i = l->page.offset(); i < total && i < l->page.offset() + l->page.size; ++i)
      paged.push_back(std::move(kept[static_cast<std::size_t>(i)]));
    items = std::move(paged);
  }
  json::array out;
  for (auto& r : items) out.push_back(volume_view(ctx, r));
  return Response::json(200, paging::list_body("volumes", std::move(out), total));
}

Result<Response> create_volume_handler(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name", true);
  auto project = b.str("project_id");
  auto tags = b.strings("tags");
  auto iops = b.integer("perf_iops");
  const auto* empty = b.object("from_empty");
  const auto* snap = b.object("from_snapshot");
  if (auto e = b.error()) return api::fail(*e);
  NewVolume v;
  v.name = *name;
  if (tags) v.tags = *tags;
  if (empty && snap)
    return api::fail(
        ApiError::invalid_argument("from_snapshot", ArgReason::kConstraint,
                                   "only one of from_empty and from_snapshot can be specified"));
  if (!empty && !snap)
    return api::fail(ApiError::invalid_argument("from_empty", ArgReason::kRequired,
                                                "one of from_empty or from_snapshot is required"));
  if (empty) {
    codec::BodyReader eb(*empty, "from_empty");
    auto size = eb.integer("size", true);
    if (auto e = eb.error()) return api::fail(*e);
    v.size = *size;
    if (v.size <= 0)
      return api::fail(ApiError::invalid_argument("from_empty.size", ArgReason::kConstraint,
                                                  "size must be greater than 0"));
  } else {
    codec::BodyReader sb(*snap, "from_snapshot");
    auto sid = sb.uuid("snapshot_id", true);
    auto size = sb.integer("size");
    if (auto e = sb.error()) return api::fail(*e);
    v.snapshot_id = *sid;
    v.size = size.value_or(0);
    if (v.size < 0)
      return api::fail(ApiError::invalid_argument("from_snapshot.size", ArgReason::kConstraint,
                                                  "size must be greater than 0"));
  }
  if (iops && !type_for_iops(*iops))
    return api::fail(ApiError::invalid_argument("perf_iops", ArgReason::kConstraint,
                                                "perf_iops must be 5000 or 15000"));
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto owner = app::resolve_owner(ctx, tx, project, std::nullopt, "project_id", "organization_id",
                                    "volume");
    if (!owner) return api::fail(owner.error());
    NewVolume nv = v;
    if (iops) {
      nv.iops = *iops;
    } else if (nv.snapshot_id) {
      // A volume takes the IOPS class of the snapshot's source volume by default.
      if (auto s = tx.get(kSnapshotKind, to_lower(*nv.snapshot_id))) {
        auto it = s->body.find("perf_iops");
        if (it != s->body.end() && it->value().is_int64()) nv.iops = it->value().as_int64();
      }
    }
    auto r = create_volume(tx, ctx, *owner, ctx.zone(), nv);
    if (!r) return api::fail(r.error());
    return Response::json(200, volume_view(ctx, *r));
  });
}

Result<Response> get_volume(Context& ctx) {
  auto id = path_id(ctx, "volume_id");
  if (!id) return api::fail(id.error());
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto r = load_owned(ctx, *tx, kVolumeKind, "volume", *id, false);
  if (!r) return api::fail(r.error());
  return Response::json(200, volume_view(ctx, *r));
}

bool stable(const store::Record& r) { return r.state == "available" || r.state == "in_use"; }

Result<Response> update_volume(Context& ctx) {
  auto id = path_id(ctx, "volume_id");
  if (!id) return api::fail(id.error());
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto size = b.integer("size");
  auto tags = b.strings("tags");
  auto iops = b.integer("perf_iops");
  if (auto e = b.error()) return api::fail(*e);
  if (name && name->empty())
    return api::fail(
        ApiError::invalid_argument("name", ArgReason::kConstraint, "name must not be empty"));
  if (iops && !type_for_iops(*iops))
    return api::fail(ApiError::invalid_argument("perf_iops", ArgReason::kConstraint,
                                                "perf_iops must be 5000 or 15000"));
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_owned(ctx, tx, kVolumeKind, "volume", *id, true);
    if (!r) return api::fail(r.error());
    auto now = ctx.now();
    bool changed = false;
    if (name && *name != r->name) {
      r->name = *name;
      changed = true;
    }
    if (tags && *tags != r->tags) {
      r->tags = *tags;
      changed = true;
    }
    json::object update;
    auto cur_size = r->body["size"].to_number<std::int64_t>();
    if (size && *size != cur_size) {
      if (*size < cur_size)
        return api::fail(ApiError::invalid_argument("size", ArgReason::kConstraint,
                                                    "the size of a volume can only be increased"));
      if (*size > kMaxSize)
        return api::fail(ApiError::invalid_argument("size", ArgReason::kConstraint,
                                                    "size must be at most 10 TB"));
      if (*size % kGB != 0)
        return api::fail(ApiError::invalid_argument("size", ArgReason::kConstraint,
                                                    "size must be a multiple of 1 GB"));
      update["size"] = *size;
    }
    if (iops && *iops != r->body["perf_iops"].to_number<std::int64_t>())
      update["perf_iops"] = *iops;
    if (!update.empty()) {
      if (!stable(*r)) return api::fail(ApiError::transient_state("volume", r->id, r->state));
      r->body["_update"] = std::move(update);
      ctx.svc.lifecycle.start(*r, now,
                              {{"updating", 0, ""}, {"available", kUpdateAfter, "updated"}});
    } else if (changed) {
      r->updated_at = now;
    }
    if (changed || r->body.contains("_update")) tx.update(*r);
    return Response::json(200, volume_view(ctx, *r));
  });
}

Result<Response> delete_volume(Context& ctx) {
  auto id = path_id(ctx, "volume_id");
  if (!id) return api::fail(id.error());
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_owned(ctx, tx, kVolumeKind, "volume", *id, true);
    if (!r) return api::fail(r.error());
    if (r->state == "in_use")
      return api::fail(ApiError::precondition_failed(
          "resource_still_in_use", "volume is in use; detach it from its server first"));
    if (!stable(*r)) return api::fail(ApiError::transient_state("volume", r->id, r->state));
    tx.remove(kVolumeKind, r->id);
    return Response::no_content();
  });
}

// --- snapshots ---

Result<Response> list_snapshots(Context& ctx) {
  auto l = start_list(ctx, kSnapRead, kSnapshotKind);
  if (!l) return api::fail(l.error());
  auto& q = l->q;
  if (auto e = ctx.uuid_filter(q, "volume_id", Column::kParent)) return api::fail(*e);
  q.tags_any = query_tags(ctx);
  q.order = std::move(l->order);
  paging::apply(q, l->page);
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto res = tx->list(q);
  json::array out;
  for (auto& r : res.items) out.push_back(snapshot_view(ctx, *tx, r));
  return Response::json(200, paging::list_body("snapshots", std::move(out), res.total));
}

Result<Response> get_snapshot(Context& ctx) {
  auto id = path_id(ctx, "snapshot_id");
  if (!id) return api::fail(id.error());
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto r = load_owned(ctx, *tx, kSnapshotKind, "snapshot", *id, false);
  if (!r) return api::fail(r.error());
  return Response::json(200, snapshot_view(ctx, *tx, *r));
}

Result<Response> create_snapshot_handler(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto volume_id = b.uuid("volume_id", true);
  auto name = b.str("name", true);
  auto project = b.str("project_id");
  auto tags = b.strings("tags");
  auto pub = b.boolean("public");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto owner = app::resolve_owner(ctx, tx, project, std::nullopt, "project_id", "organization_id",
                                    "snapshot");
    if (!owner) return api::fail(owner.error());
    auto v = load_owned(ctx, tx, kVolumeKind, "volume", to_lower(*volume_id), true);
    if (!v) return api::fail(v.error());
    if (!stable(*v)) return api::fail(ApiError::transient_state("volume", v->id, v->state));
    auto s =
        insert_snapshot(tx, ctx, owner->organization_id, owner->project_id, std::string(ctx.zone()),
                        *name, tags.value_or(std::vector<std::string>{}),
                        v->body["size"].to_number<std::int64_t>(), v->id, ctx.now());
    if (!s) return api::fail(s.error());
    s->body["perf_iops"] = v->body["perf_iops"];
    if (pub) s->body["public"] = *pub;
    tx.update(*s);
    return Response::json(200, snapshot_view(ctx, tx, *s));
  });
}

Result<Response> update_snapshot(Context& ctx) {
  auto id = path_id(ctx, "snapshot_id");
  if (!id) return api::fail(id.error());
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto tags = b.strings("tags");
  auto pub = b.boolean("public");
  if (auto e = b.error()) return api::fail(*e);
  if (name && name->empty())
    return api::fail(
        ApiError::invalid_argument("name", ArgReason::kConstraint, "name must not be empty"));
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_owned(ctx, tx, kSnapshotKind, "snapshot", *id, true);
    if (!r) return api::fail(r.error());
    bool changed = false;
    if (name && *name != r->name) {
      r->name = *name;
      changed = true;
    }
    if (tags && *tags != r->tags) {
      r->tags = *tags;
      changed = true;
    }
    if (pub && is_v1(ctx)) {
      r->body["public"] = *pub;
      changed = true;
    }
    if (changed) {
      r->updated_at = ctx.now();
      tx.update(*r);
    }
    return Response::json(200, snapshot_view(ctx, tx, *r));
  });
}

Result<Response> delete_snapshot(Context& ctx) {
  auto id = path_id(ctx, "snapshot_id");
  if (!id) return api::fail(id.error());
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_owned(ctx, tx, kSnapshotKind, "snapshot", *id, true);
    if (!r) return api::fail(r.error());
    if (r->state == "in_use")
      return api::fail(ApiError::precondition_failed(
          "resource_still_in_use", "snapshot is in use by an image; delete the image first"));
    if (r->state != "available" && r->state != "error")
      return api::fail(ApiError::transient_state("snapshot", r->id, r->state));
    tx.remove(kSnapshotKind, r->id);
    return Response::no_content();
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
    return api::fail(ApiError::invalid_argument("size", ArgReason::kConstraint,
                                                "size must be between 5 GB and 10 TB"));
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto owner = app::resolve_owner(ctx, *tx, project, std::nullopt, "project_id", "organization_id",
                                  "snapshot");
  if (!owner) return api::fail(owner.error());
  return api::fail(no_bucket(*bucket));
}

Result<Response> export_snapshot(Context& ctx) {
  auto id = path_id(ctx, "snapshot_id");
  if (!id) return api::fail(id.error());
  codec::BodyReader b(ctx.body);
  auto bucket = b.str("bucket", true);
  auto key = b.str("key", true);
  if (auto e = b.error()) return api::fail(*e);
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto r = load_owned(ctx, *tx, kSnapshotKind, "snapshot", *id, false);
  if (!r) return api::fail(r.error());
  if (r->state != "available" && r->state != "in_use")
    return api::fail(ApiError::transient_state("snapshot", r->id, r->state));
  return api::fail(no_bucket(*bucket));
}

class BlockModule final : public app::Module {
 public:
  std::string_view name() const override { return "block"; }
  void register_routes(app::Registry& r, app::Services& svc) override {
    set_runtime(&svc.lifecycle, &svc.clock);
    svc.lifecycle.on_enter(std::string(kVolumeKind), on_volume_enter);
    svc.lifecycle.on_enter(std::string(kSnapshotKind), on_snapshot_enter);
    for (std::string v : {"v1alpha1", "v1"}) {
      std::string base = "/block/" + v + "/zones/{zone}";
      r.add("GET", base + "/volume-types", kRead, list_volume_types);
      r.add("GET", base + "/volumes", kRead, list_volumes)
          .not_refs({"product_resource_id"});  // a filter on what uses the volume
      // A volume made from a snapshot copies the snapshot's data: read on its project.
      r.add("POST", base + "/volumes", kWrite, create_volume_handler)
          .refs({app::body_ref("from_snapshot.snapshot_id", Access::kRead, {kSnapshotRef})});
      r.add("GET", base + "/volumes/{volume_id}", kRead, get_volume);
      r.add("PATCH", base + "/volumes/{volume_id}", kWrite, update_volume);
      r.add("DELETE", base + "/volumes/{volume_id}", kWrite, delete_volume);
      r.add("GET", base + "/snapshots", kSnapRead, list_snapshots)
          .not_refs({"volume_id"});  // a filter of the (scoped) list
      // A snapshot copies the volume's data: read on the volume's project.
      r.add("POST", base + "/snapshots", kSnapWrite, create_snapshot_handler)
          .refs({app::body_ref("volume_id", Access::kRead, {kVolumeRef})});
      r.add("GET", base + "/snapshots/{snapshot_id}", kSnapRead, get_snapshot);
      r.add("PATCH", base + "/snapshots/{snapshot_id}", kSnapWrite, update_snapshot);
      r.add("DELETE", base + "/snapshots/{snapshot_id}", kSnapWrite, delete_snapshot);
      r.add("POST", base + "/snapshots/import-from-object-storage", kSnapWrite, import_snapshot);
      r.add("POST", base + "/snapshots/{snapshot_id}/export-to-object-storage", kSnapWrite,
            export_snapshot);
    }
    r.add("POST", "/block/v1alpha1/zones/{zone}/snapshots/import-from-s3", kSnapWrite,
          import_snapshot);
  }
};

}  // namespace

std::unique_ptr<app::Module> make_module() { return std::make_unique<BlockModule>(); }

}  // namespace scwd::products::block
