// Block migration: moving legacy b_ssd volumes and unified snapshots to Block
// Storage (SBS). plan describes what would move and returns a validation key that apply must
// echo. scwd creates no b_ssd volume nor unified snapshot, so plans of local (l_ssd / scratch)
// resources are refused and apply never finds anything to move.
#include <boost/json.hpp>

#include "core/codec/validate.hpp"
#include "core/util/crypto.hpp"
#include "core/util/ids.hpp"
#include "products/instance/model.hpp"
#include "products/instance/network/network.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance::network {

namespace {

bool migratable(std::string_view volume_type) {
  return volume_type == "b_ssd" || volume_type == "unified";
}

json::array tags_of(const store::Record& r) {
  json::array tags;
  for (auto& t : r.tags) tags.push_back(json::string(t));
  return tags;
}

json::value field(const store::Record& r, std::string_view key) {
  auto it = r.body.find(key);
  return it != r.body.end() ? it->value() : json::value(nullptr);
}

json::object render_volume(const store::Record& v) {
  return json::object{{"id", v.id},
                      {"name", v.name},
                      {"export_uri", nullptr},
                      {"size", field(v, "size")},
                      {"volume_type", field(v, "volume_type")},
                      {"creation_date", ts(v.created_at)},
                      {"modification_date", ts(v.updated_at)},
                      {"organization", v.organization_id},
                      {"project", v.project_id},
                      {"tags", tags_of(v)},
                      {"server", field(v, "server")},
                      {"state", v.state},
                      {"zone", v.locality}};
}

json::object render_snapshot(const store::Record& s) {
  return json::object{{"id", s.id},
                      {"name", s.name},
                      {"organization", s.organization_id},
                      {"project", s.project_id},
                      {"tags", tags_of(s)},
                      {"volume_type", field(s, "volume_type")},
                      {"size", field(s, "size")},
                      {"state", s.state},
                      {"base_volume", field(s, "base_volume")},
                      {"creation_date", ts(s.created_at)},
                      {"modification_date", ts(s.updated_at)},
                      {"zone", s.locality},
                      {"error_reason", nullptr}};
}

struct Plan {
  std::optional<store::Record> volume;
  std::vector<store::Record> snapshots;
  std::string key;
};

// The plan of the volume (with its snapshots) or of one snapshot (with its base volume's other
// snapshots when the volume is migratable too).
Result<Plan> make_plan(store::Tx& tx, const Context& ctx, const std::optional<std::string>& vol,
                       const std::optional<std::string>& snap) {
  Plan p;
  if (vol) {
    auto v = load(tx, ctx, kVolumeKind, *vol, "instance_volume");
    if (!v) return api::fail(v.error());
    auto type = body_str(v->body, "volume_type").value_or("l_ssd");
    if (!migratable(type))
      return api::fail(ApiError::constraint(
          "volume_id",
          "volume of type " + type + " cannot be migrated, only b_ssd volumes can be migrated"));
    store::ListQuery q;
    q.kind = std::string(kSnapshotKind);
    q.filters.push_back({Column::kLocality, Op::kEq, {v->locality}, {}, false});
    q.filters.push_back({Column::kBody, Op::kEq, {v->id}, "base_volume.id", false});
    q.order.push_back({Column::kCreatedAt, false, {}});
    q.with_total = false;
    p.snapshots = tx.list(q).items;
    p.volume = std::move(*v);
  } else {
    auto s = load(tx, ctx, kSnapshotKind, *snap, "instance_snapshot");
    if (!s) return api::fail(s.error());
    auto type = body_str(s->body, "volume_type").value_or("l_ssd");
    if (!migratable(type))
      return api::fail(ApiError::constraint(
          "snapshot_id",
          "snapshot of type " + type +
              " cannot be migrated, only b_ssd and unified snapshots can be migrated"));
    p.snapshots.push_back(std::move(*s));
  }
  std::string material = p.volume ? p.volume->id + "@" + std::to_string(p.volume->version) : "";
  for (auto& s : p.snapshots) material += "|" + s.id + "@" + std::to_string(s.version);
  p.key = sha256_hex(material);
  return p;
}

struct Target {
  std::optional<std::string> volume, snapshot;
};

Result<Target> read_target(codec::BodyReader& b) {
  Target t;
  t.volume = b.str("volume_id");
  t.snapshot = b.str("snapshot_id");
  if (t.volume && t.snapshot) {
    b.add("volume_id", ArgReason::kConstraint, "only one of volume_id and snapshot_id may be set");
  } else if (!t.volume && !t.snapshot) {
    b.add("volume_id", ArgReason::kRequired, "one of volume_id or snapshot_id is required");
    b.add("snapshot_id", ArgReason::kRequired, "one of volume_id or snapshot_id is required");
  }
  return t;
}

Result<Response> plan(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto t = read_target(b);
  if (auto e = b.error()) return api::fail(*e);
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto p = make_plan(*tx, ctx, t->volume, t->snapshot);
  if (!p) return api::fail(p.error());
  json::array snaps;
  for (auto& s : p->snapshots) snaps.push_back(render_snapshot(s));
  return Response::json(
      200, json::object{{"volume",
                         p->volume ? json::value(render_volume(*p->volume)) : json::value(nullptr)},
                        {"snapshots", std::move(snaps)},
                        {"validation_key", p->key}});
}

Result<Response> apply(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto t = read_target(b);
  auto key = b.str("validation_key", true);
  if (auto e = b.error()) return api::fail(*e);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto p = make_plan(tx, ctx, t->volume, t->snapshot);
    if (!p) return api::fail(p.error());
    if (!constant_time_equal(p->key, *key))
      return api::fail(ApiError::constraint(
          "validation_key",
          "the validation key does not match the current migration plan; plan again"));
    // Unreachable while scwd holds no b_ssd / unified resources (see the file comment).
    return api::fail(ApiError::precondition_failed(
        "resource_not_usable", "legacy block volumes cannot be migrated on this platform"));
  });
}

Result<Response> check_quotas(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto org = b.str("organization");
  if (auto e = b.error()) return api::fail(*e);
  if (org && !org->empty()) {
    if (!is_uuid(*org))
      return api::fail(
          ApiError::invalid_argument("organization", ArgReason::kFormat, "invalid UUID"));
    if (to_lower(*org) != ctx.principal.organization_id)
      return api::fail(ApiError::permissions_denied({{"read", "instance_volume"}}));
  }
  // Nothing to migrate, hence nothing that could exceed a Block Storage quota.
  return Response::no_content();
}

}  // namespace

void register_block_migration(app::Registry& r) {
  const std::string base = "/instance/v1/zones/{zone}/block-migration";
  // Planning reads the volume or snapshot; applying migrates (changes) it.
  const std::vector<app::RefKind> vols = {kVolumeRef}, snaps = {kSnapshotRef};
  r.add("POST", base + "/plan", kRead, plan)
      .refs({app::body_ref("volume_id", app::Access::kRead, vols),
             app::body_ref("snapshot_id", app::Access::kRead, snaps)});
  r.add("POST", base + "/apply", kWrite, apply)
      .refs({app::body_ref("volume_id", app::Access::kWrite, vols),
             app::body_ref("snapshot_id", app::Access::kWrite, snaps)});
  r.add("POST", base + "/check-organization-quotas", kRead, check_quotas);
}

}  // namespace scwd::products::instance::network
