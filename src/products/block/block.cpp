// Block Storage model: volume types, records, lifecycle and the contract used by Instance.
#include "products/block/block.hpp"

#include <algorithm>
#include <boost/json.hpp>

#include "core/resource/records.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "core/util/money.hpp"
#include "products/block/model.hpp"
#include "products/catalogue/images.hpp"
#include "products/prelude.hpp"

namespace scwd::products::block {

namespace {

constexpr std::string_view kStorageClass = "sbs";
constexpr std::string_view kServerRef = "instance_server";

json::array& references(store::Record& r) {
  auto& v = r.body["references"];
  if (!v.is_array()) v = json::array{};
  return v.as_array();
}

bool has_attachment(const store::Record& r) {
  auto it = r.body.find("references");
  return it != r.body.end() && it->value().is_array() && !it->value().as_array().empty();
}

json::array references_of(const store::Record& r) {
  auto v = value_of(r.body, "references");
  return v.is_array() ? v.as_array() : json::array{};
}

json::object money(std::int32_t nanos) { return money_json(std::int64_t{nanos}); }

}  // namespace

// --- volume types ---

const std::vector<VolumeType>& volume_types() {
  // Prices in EUR per GB per hour (public price list: 5K ~0.086, 15K ~0.107 EUR/GB/month,
  // snapshots ~0.032 EUR/GB/month).
  static const std::vector<VolumeType> kTypes = {
      {"sbs_15k", 15000, 147000, 44000},
      {"sbs_5k", 5000, 118000, 44000},
  };
  return kTypes;
}

const VolumeType* type_for_iops(std::int64_t iops) {
  for (auto& t : volume_types())
    if (t.iops == iops) return &t;
  return nullptr;
}

json::object render_volume_type(const VolumeType& t) {
  return json::object{{"type", t.type},
                      {"pricing", money(t.price_nanos)},
                      {"snapshot_pricing", money(t.snapshot_price_nanos)},
                      {"specs", json::object{{"perf_iops", t.iops}, {"class", kStorageClass}}}};
}

// --- loading ---

std::optional<store::Record> load(store::Tx& tx, std::string_view kind, std::string_view zone,
                                  std::string_view id) {
  if (!is_uuid(id)) return std::nullopt;
  auto r = tx.get(kind, to_lower(id));
  if (!r || r->locality != zone) return std::nullopt;
  return r;
}

void on_volume_enter(store::Tx&, store::Record& r, const lifecycle::Step& step, Micros at) {
  if (step.state != "available") return;
  if (step.detail == "created") {
    // The real API keeps updated_at at the creation time when creation completes.
    r.updated_at = r.created_at;
  } else {
    r.updated_at = at;
  }
  if (auto it = r.body.find("_update"); it != r.body.end()) {
    if (it->value().is_object()) {
      auto& u = it->value().as_object();
      if (auto s = u.find("size"); s != u.end() && s->value().is_int64())
        r.body["size"] = s->value().as_int64();
      if (auto p = u.find("perf_iops"); p != u.end() && p->value().is_int64()) {
        if (auto* t = type_for_iops(p->value().as_int64())) {
          r.body["perf_iops"] = t->iops;
          r.body["type"] = t->type;
        }
      }
    }
    r.body.erase("_update");
  }
  if (has_attachment(r)) r.state = "in_use";
}

// --- rendering ---

json::object render_volume(const store::Record& r) {
  json::object o;
  o["id"] = r.id;
  o["name"] = r.name;
  o["type"] = str_of(r.body, "type");
  o["size"] = int_of(r.body, "size");
  o["project_id"] = r.project_id;
  o["created_at"] = format_time(r.created_at);
  o["updated_at"] = format_time(r.updated_at);
  o["references"] = references_of(r);
  o["parent_snapshot_id"] = value_of(r.body, "parent_snapshot_id");
  o["status"] = r.state;
  o["tags"] = strings_json(r.tags);
  o["specs"] =
      json::object{{"perf_iops", int_of(r.body, "perf_iops", 5000)}, {"class", kStorageClass}};
  o["last_detached_at"] = value_of(r.body, "last_detached_at");
  o["zone"] = r.locality;
  return o;
}

json::object render_snapshot(const store::Record& r, const store::Record* parent) {
  json::object o;
  o["id"] = r.id;
  o["name"] = r.name;
  o["parent_volume"] = nullptr;
  if (parent)
    o["parent_volume"] = json::object{{"id", parent->id},
                                      {"name", parent->name},
                                      {"type", str_of(parent->body, "type")},
                                      {"status", parent->state}};
  o["size"] = int_of(r.body, "size");
  o["project_id"] = r.project_id;
  o["created_at"] = format_time(r.created_at);
  o["updated_at"] = format_time(r.updated_at);
  o["references"] = references_of(r);
  o["status"] = r.state;
  o["tags"] = strings_json(r.tags);
  o["class"] = kStorageClass;
  o["zone"] = r.locality;
  return o;
}

// --- new records ---

void make_snapshot(const app::Context& ctx, const store::Record& volume, store::Record& s) {
  s.parent_id = volume.id;
  s.body = json::object{{"size", int_of(volume.body, "size")}, {"references", json::array{}}};
  ctx.svc.lifecycle.start(s, s.created_at,
                          {{"creating", 0, ""}, {"available", kSnapshotAfter, "created"}});
}

std::optional<ApiError> make_volume(store::Tx& tx, const app::Context& ctx, const NewVolume& v,
                                    store::Record& r) {
  const auto* type = type_for_iops(v.iops);
  if (!type) return ApiError::constraint("perf_iops", "perf_iops must be 5000 or 15000");
  std::int64_t size = v.size;
  json::value parent = nullptr;
  if (v.snapshot_id) {
    std::int64_t base = 0;
    auto id = to_lower(*v.snapshot_id);
    if (auto s = ctx.svc.lifecycle.load(tx, kSnapshotKind, id);
        s && s->locality == r.locality && s->organization_id == r.organization_id) {
      if (s->state != "available" && s->state != "in_use")
        return ApiError::transient_state("snapshot", s->id, s->state);
      base = int_of(s->body, "size");
    } else if (const auto* img = catalogue::find_by_root_snapshot(id);
               img && img->zone == r.locality) {
      base = img->root_size > 0 ? img->root_size : kPublicRootSize;
    } else {
      return ApiError::not_found("snapshot", id);
    }
    if (size == 0) size = base;
    if (size < base)
      return ApiError::constraint("size", "size must be greater or equal to the snapshot size");
    parent = id;
  }
  if (size < kMinSize || size > kMaxSize)
    return ApiError::constraint("size", "size must be between 5 GB and 10 TB");
  if (size % kGB != 0) return ApiError::constraint("size", "size must be a multiple of 1 GB");
  if (auto e = quota::check(tx, ctx.svc.config, kVolumeQuota, r.organization_id)) return e;
  r.name = v.name;
  r.tags = v.tags;
  r.body = json::object{{"type", type->type},           {"size", size},
                        {"perf_iops", type->iops},      {"references", json::array{}},
                        {"parent_snapshot_id", parent}, {"last_detached_at", nullptr}};
  if (v.ready)
    r.state = "available";
  else
    ctx.svc.lifecycle.start(r, r.created_at,
                            {{"creating", 0, ""}, {"available", kCreateAfter, "created"}});
  return std::nullopt;
}

// --- the contract ---

namespace {}  // namespace

api::Result<store::Record> create_volume(store::Tx& tx, const app::Context& ctx,
                                         const app::Owner& owner, std::string_view zone,
                                         const NewVolume& v) {
  auto r = resource::new_record(kVolumeKind, owner, zone, ctx.now());
  if (auto e = make_volume(tx, ctx, v, r)) return api::fail(*e);
  tx.insert(r);
  return r;
}

std::optional<store::Record> find_volume(store::Tx& tx, std::string_view zone,
                                         std::string_view id) {
  return load(tx, kVolumeKind, zone, id);
}

namespace {

// `resource_id` (a `type`) uses `r` (`ref_type`: exclusive, link): a new reference, and an
// available record now in use.
void add_reference(store::Record& r, std::string_view type, std::string_view resource_id,
                   std::string_view ref_type, Micros now) {
  references(r).push_back(json::object{{"id", new_uuid()},
                                       {"product_resource_type", type},
                                       {"product_resource_id", resource_id},
                                       {"created_at", format_time(now)},
                                       {"type", ref_type},
                                       {"status", "attached"}});
  if (r.state == "available") r.state = "in_use";
}

bool drop_reference(store::Record& r, std::string_view resource_id) {
  auto& refs = references(r);
  auto before = refs.size();
  refs.erase(std::remove_if(refs.begin(), refs.end(),
                            [&](const json::value& v) {
                              return v.as_object().at("product_resource_id") ==
                                     json::value(resource_id);
                            }),
             refs.end());
  return refs.size() != before;
}

bool has_reference(store::Record& r, std::string_view resource_id) {
  for (auto& ref : references(r))
    if (ref.as_object().at("product_resource_id") == json::value(resource_id)) return true;
  return false;
}

}  // namespace

std::optional<api::ApiError> attach(store::Tx& tx, std::string_view zone,
                                    std::string_view volume_id, std::string_view server_id,
                                    Micros now) {
  auto r = load(tx, kVolumeKind, zone, volume_id);
  if (!r) return ApiError::not_found("volume", volume_id);
  if (has_reference(*r, server_id)) return std::nullopt;
  for (auto& ref : references(*r)) {
    auto& o = ref.as_object();
    return ApiError::precondition_failed(
        "resource_still_in_use", "volume " + r->id + " is already attached to " +
                                     std::string(o["product_resource_type"].as_string()) + " " +
                                     std::string(o["product_resource_id"].as_string()));
  }
  add_reference(*r, kServerRef, server_id, "exclusive", now);
  r->updated_at = std::max(r->updated_at, now);
  tx.update(*r);
  return std::nullopt;
}

void detach(store::Tx& tx, std::string_view zone, std::string_view volume_id,
            std::string_view server_id, Micros now) {
  auto r = load(tx, kVolumeKind, zone, volume_id);
  if (!r || !drop_reference(*r, server_id)) return;
  if (references(*r).empty()) {
    if (r->state == "in_use") r->state = "available";
    r->body["last_detached_at"] = format_time(now);
  }
  r->updated_at = std::max(r->updated_at, now);
  tx.update(*r);
}

std::optional<store::Record> find_snapshot(store::Tx& tx, std::string_view zone,
                                           std::string_view id) {
  return load(tx, kSnapshotKind, zone, id);
}

std::optional<api::ApiError> link_snapshot(store::Tx& tx, std::string_view zone,
                                           std::string_view snapshot_id, std::string_view image_id,
                                           Micros now) {
  auto r = load(tx, kSnapshotKind, zone, snapshot_id);
  if (!r) return ApiError::not_found("snapshot", snapshot_id);
  if (has_reference(*r, image_id)) return std::nullopt;
  add_reference(*r, "instance_image", image_id, "link", now);
  tx.update(*r);
  return std::nullopt;
}

void unlink_snapshot(store::Tx& tx, std::string_view zone, std::string_view snapshot_id,
                     std::string_view image_id, Micros) {
  auto r = load(tx, kSnapshotKind, zone, snapshot_id);
  if (!r || !drop_reference(*r, image_id)) return;
  if (references(*r).empty() && r->state == "in_use") r->state = "available";
  tx.update(*r);
}

void on_snapshot_enter(store::Tx&, store::Record& s, const lifecycle::Step& step, Micros) {
  // Creation completing keeps updated_at at the creation time.
  if (step.detail == "created") s.updated_at = s.created_at;
  if (step.state == "available" && has_attachment(s)) s.state = "in_use";
}

api::Result<store::Record> create_snapshot(store::Tx& tx, const app::Context& ctx,
                                           const store::Record& volume, std::string name,
                                           Micros now) {
  if (auto e = quota::check(tx, ctx.svc.config, kSnapshotQuota, volume.organization_id))
    return api::fail(*e);
  auto s = resource::new_record(kSnapshotKind, {volume.organization_id, volume.project_id},
                                volume.locality, now);
  s.name = std::move(name);
  make_snapshot(ctx, volume, s);
  tx.insert(s);
  return s;
}

std::string instance_state(const store::Record& volume) {
  const auto& s = volume.state;
  if (s == "creating") return "attaching";
  if (s == "resizing" || s == "updating") return "resizing";
  if (s == "snapshotting") return "snapshotting";
  if (s == "error" || s == "locked") return "error";
  return "available";
}

}  // namespace scwd::products::block
