// Block Storage model: volume types, records, lifecycle and the contract used by Instance.
#include "products/block/block.hpp"

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>

#include "core/util/ids.hpp"
#include "products/block/model.hpp"
#include "products/marketplace/catalog.hpp"

namespace scwd::products::block {

namespace json = boost::json;
using api::ApiError;
using api::ArgReason;

namespace {

std::atomic<lifecycle::Engine*> g_engine{nullptr};
std::atomic<Clock*> g_clock{nullptr};

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

json::value body_or_null(const store::Record& r, std::string_view key) {
  auto it = r.body.find(key);
  return it != r.body.end() ? it->value() : json::value(nullptr);
}

std::int64_t body_int(const store::Record& r, std::string_view key, std::int64_t dflt = 0) {
  auto it = r.body.find(key);
  if (it == r.body.end()) return dflt;
  if (it->value().is_int64()) return it->value().as_int64();
  if (it->value().is_uint64()) return static_cast<std::int64_t>(it->value().as_uint64());
  return dflt;
}

std::string body_str(const store::Record& r, std::string_view key) {
  auto it = r.body.find(key);
  if (it == r.body.end() || !it->value().is_string()) return {};
  return std::string(it->value().as_string());
}

json::object money(std::int32_t nanos) {
  return json::object{{"currency_code", "EUR"}, {"units", 0}, {"nanos", nanos}};
}

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

json::object render_volume_type(const VolumeType& t, std::string_view zone) {
  (void)zone;
  return json::object{{"type", t.type},
                      {"pricing", money(t.price_nanos)},
                      {"snapshot_pricing", money(t.snapshot_price_nanos)},
                      {"specs", json::object{{"perf_iops", t.iops}, {"class", kStorageClass}}}};
}

// --- engine and loading ---

void set_runtime(lifecycle::Engine* e, Clock* clock) {
  g_engine.store(e);
  g_clock.store(clock);
}
lifecycle::Engine* engine() { return g_engine.load(); }
Micros clock_now() {
  auto* c = g_clock.load();
  return c ? c->now() : system_now();
}

std::optional<store::Record> load(store::Tx& tx, std::string_view kind, std::string_view zone,
                                  std::string_view id, Micros now, bool write) {
  if (!is_uuid(id)) return std::nullopt;
  auto r = tx.get(kind, to_lower(id));
  if (!r || r->locality != zone) return std::nullopt;
  auto* e = engine();
  if (e && r->due_at && *r->due_at <= now && e->settle(tx, *r, now)) {
    if (r->state == lifecycle::kDeleted) {
      if (write) tx.remove(r->kind, r->id);
      return std::nullopt;
    }
    if (write) tx.update(*r);
  }
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
  o["type"] = body_str(r, "type");
  o["size"] = body_int(r, "size");
  o["project_id"] = r.project_id;
  o["created_at"] = format_time(r.created_at);
  o["updated_at"] = format_time(r.updated_at);
  o["references"] = body_or_null(r, "references");
  if (!o["references"].is_array()) o["references"] = json::array{};
  o["parent_snapshot_id"] = body_or_null(r, "parent_snapshot_id");
  o["status"] = r.state;
  json::array tags;
  for (auto& t : r.tags) tags.emplace_back(t);
  o["tags"] = std::move(tags);
  o["specs"] =
      json::object{{"perf_iops", body_int(r, "perf_iops", 5000)}, {"class", kStorageClass}};
  o["last_detached_at"] = body_or_null(r, "last_detached_at");
  o["zone"] = r.locality;
  return o;
}

json::object render_snapshot(store::Tx& tx, const store::Record& r) {
  json::object o;
  o["id"] = r.id;
  o["name"] = r.name;
  json::value parent = nullptr;
  if (!r.parent_id.empty()) {
    if (auto v = tx.get(kVolumeKind, r.parent_id)) {
      parent = json::object{
          {"id", v->id}, {"name", v->name}, {"type", body_str(*v, "type")}, {"status", v->state}};
    }
  }
  o["parent_volume"] = std::move(parent);
  o["size"] = body_int(r, "size");
  o["project_id"] = r.project_id;
  o["created_at"] = format_time(r.created_at);
  o["updated_at"] = format_time(r.updated_at);
  o["references"] = body_or_null(r, "references");
  if (!o["references"].is_array()) o["references"] = json::array{};
  o["status"] = r.state;
  json::array tags;
  for (auto& t : r.tags) tags.emplace_back(t);
  o["tags"] = std::move(tags);
  o["class"] = kStorageClass;
  o["zone"] = r.locality;
  return o;
}

// --- inserts ---

api::Result<store::Record> insert_snapshot(store::Tx& tx, const app::Context& ctx,
                                           std::string organization, std::string project,
                                           std::string zone, std::string name,
                                           std::vector<std::string> tags, std::int64_t size,
                                           std::string parent_volume_id, Micros now) {
  if (auto e = quota::check(tx, ctx.svc.config, kSnapshotQuota, organization)) return api::fail(*e);
  store::Record s;
  s.kind = std::string(kSnapshotKind);
  s.id = new_uuid();
  s.organization_id = std::move(organization);
  s.project_id = std::move(project);
  s.locality = std::move(zone);
  s.name = std::move(name);
  s.parent_id = std::move(parent_volume_id);
  s.tags = std::move(tags);
  s.created_at = s.updated_at = now;
  s.body = json::object{{"size", size}, {"references", json::array{}}};
  ctx.svc.lifecycle.start(s, now, {{"creating", 0, ""}, {"available", kSnapshotAfter, "created"}});
  tx.insert(s);
  return s;
}

// --- the contract ---

api::Result<store::Record> create_volume(store::Tx& tx, const app::Context& ctx,
                                         const app::Owner& owner, std::string_view zone,
                                         const NewVolume& v) {
  const auto* type = type_for_iops(v.iops);
  if (!type)
    return api::fail(ApiError::invalid_argument("perf_iops", ArgReason::kConstraint,
                                                "perf_iops must be 5000 or 15000"));
  auto now = ctx.now();
  std::int64_t size = v.size;
  json::value parent = nullptr;
  if (v.snapshot_id) {
    std::int64_t base = 0;
    auto id = to_lower(*v.snapshot_id);
    if (auto s = load(tx, kSnapshotKind, zone, id, now, true);
        s && s->organization_id == owner.organization_id) {
      if (s->state != "available" && s->state != "in_use")
        return api::fail(ApiError::transient_state("snapshot", s->id, s->state));
      base = body_int(*s, "size");
    } else if (const auto* img = marketplace::find_by_root_snapshot(id); img && img->zone == zone) {
      base = img->root_size > 0 ? img->root_size : kPublicRootSize;
    } else {
      return api::fail(ApiError::not_found("snapshot", id));
    }
    if (size == 0) size = base;
    if (size < base)
      return api::fail(ApiError::invalid_argument(
          "size", ArgReason::kConstraint, "size must be greater or equal to the snapshot size"));
    parent = id;
  }
  if (size < kMinSize || size > kMaxSize)
    return api::fail(ApiError::invalid_argument("size", ArgReason::kConstraint,
                                                "size must be between 5 GB and 10 TB"));
  if (size % kGB != 0)
    return api::fail(ApiError::invalid_argument("size", ArgReason::kConstraint,
                                                "size must be a multiple of 1 GB"));
  if (auto e = quota::check(tx, ctx.svc.config, kVolumeQuota, owner.organization_id))
    return api::fail(*e);
  store::Record r;
  r.kind = std::string(kVolumeKind);
  r.id = new_uuid();
  r.organization_id = owner.organization_id;
  r.project_id = owner.project_id;
  r.locality = std::string(zone);
  r.name = v.name;
  r.tags = v.tags;
  r.created_at = r.updated_at = now;
  r.body = json::object{{"type", type->type},           {"size", size},
                        {"perf_iops", type->iops},      {"references", json::array{}},
                        {"parent_snapshot_id", parent}, {"last_detached_at", nullptr}};
  if (v.ready)
    r.state = "available";
  else
    ctx.svc.lifecycle.start(r, now, {{"creating", 0, ""}, {"available", kCreateAfter, "created"}});
  tx.insert(r);
  return r;
}

std::optional<store::Record> find_volume(store::Tx& tx, std::string_view zone,
                                         std::string_view id) {
  return load(tx, kVolumeKind, zone, id, clock_now(), false);
}

namespace {

json::object new_reference(std::string_view type, std::string_view resource_id,
                           std::string_view ref_type, Micros now) {
  return json::object{{"id", new_uuid()},
                      {"product_resource_type", type},
                      {"product_resource_id", resource_id},
                      {"created_at", format_time(now)},
                      {"type", ref_type},
                      {"status", "attached"}};
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
  auto r = load(tx, kVolumeKind, zone, volume_id, now, true);
  if (!r) return ApiError::not_found("volume", volume_id);
  if (has_reference(*r, server_id)) return std::nullopt;
  for (auto& ref : references(*r)) {
    auto& o = ref.as_object();
    return ApiError::precondition_failed(
        "resource_still_in_use", "volume " + r->id + " is already attached to " +
                                     std::string(o["product_resource_type"].as_string()) + " " +
                                     std::string(o["product_resource_id"].as_string()));
  }
  references(*r).push_back(new_reference(kServerRef, server_id, "exclusive", now));
  if (r->state == "available") r->state = "in_use";
  r->updated_at = std::max(r->updated_at, now);
  tx.update(*r);
  return std::nullopt;
}

void detach(store::Tx& tx, std::string_view zone, std::string_view volume_id,
            std::string_view server_id, Micros now) {
  auto r = load(tx, kVolumeKind, zone, volume_id, now, true);
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
  return load(tx, kSnapshotKind, zone, id, clock_now(), false);
}

std::optional<api::ApiError> link_snapshot(store::Tx& tx, std::string_view zone,
                                           std::string_view snapshot_id, std::string_view image_id,
                                           Micros now) {
  auto r = load(tx, kSnapshotKind, zone, snapshot_id, now, true);
  if (!r) return ApiError::not_found("snapshot", snapshot_id);
  if (has_reference(*r, image_id)) return std::nullopt;
  references(*r).push_back(new_reference("instance_image", image_id, "link", now));
  if (r->state == "available") r->state = "in_use";
  tx.update(*r);
  return std::nullopt;
}

void unlink_snapshot(store::Tx& tx, std::string_view zone, std::string_view snapshot_id,
                     std::string_view image_id, Micros now) {
  auto r = load(tx, kSnapshotKind, zone, snapshot_id, now, true);
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
  return insert_snapshot(tx, ctx, volume.organization_id, volume.project_id, volume.locality,
                         std::move(name), {}, body_int(volume, "size"), volume.id, now);
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
