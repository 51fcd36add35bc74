// Instance volumes (l_ssd, scratch): create / get / list / update / delete.
#include <boost/json.hpp>

#include "core/codec/validate.hpp"
#include "core/resource/records.hpp"
#include "core/util/ids.hpp"
#include "products/block/block.hpp"
#include "products/instance/compute/compute.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance::compute {

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
    return ApiError::constraint(std::string(arg), "size must be between " + std::to_string(t.min) +
                                                      " and " + std::to_string(t.max) +
                                                      " bytes for " + std::string(t.name) +
                                                      " volumes");
  return std::nullopt;
}

// {"id","name"} of the server a volume is attached to (its record when still there).
json::value server_summary_of(const store::Record& v, const store::Record* server) {
  if (v.parent_id.empty()) return nullptr;
  if (server) return json::object{{"id", server->id}, {"name", server->name}};
  return value_of(v.body, "server");
}

// The fields of a new volume record (its owner, id and times already set).
void fill_volume(store::Record& v, std::string name, std::string volume_type, std::int64_t size,
                 std::vector<std::string> tags, const store::Record* base_snapshot) {
  v.name = std::move(name);
  v.state = "available";
  v.tags = std::move(tags);
  v.body = json::object{{"volume_type", volume_type}, {"size", size}, {"server", nullptr}};
  if (base_snapshot) v.body["base_snapshot"] = base_snapshot->id;
}

struct VolumeIn {
  std::optional<std::string> name, volume_type, base_snapshot;
  std::optional<std::int64_t> size;
  std::optional<std::vector<std::string>> tags;
};
BOOST_DESCRIBE_STRUCT(VolumeIn, (), (name, volume_type, size, base_snapshot, tags))

std::optional<ApiError> create_volume(Context& ctx, store::Tx& tx, store::Record& v) {
  auto in = codec::read<VolumeIn>(ctx.body);
  if (!in) return in.error();
  auto& [name, type, base, size, tags] = *in;  // declaration order
  std::string vtype = type.value_or("l_ssd");
  if (vtype.empty() || vtype == "unknown_volume_type") vtype = "l_ssd";
  auto* lt = local_type(vtype);
  if (!lt)
    return ApiError::constraint(
        "volume_type",
        "volume type \"" + vtype +
            "\" cannot be created with the Instance API (l_ssd and scratch only; SBS volumes "
            "live in the Block Storage API)");
  if (size && base)
    return ApiError::constraint("size", "only one of size and base_snapshot may be set");
  if (!size && !base)
    return ApiError::invalid_arguments(
        {{"size", ArgReason::kRequired, "required key not provided"},
         {"base_snapshot", ArgReason::kRequired, "required key not provided"}});
  std::optional<store::Record> snap;
  if (base) {
    auto id = uuid_arg(*base, "base_snapshot");
    if (!id) return id.error();
    auto s = load(tx, ctx, kSnapshotKind, *id, "instance_snapshot");
    if (!s) return s.error();
    if (s->state != "available")
      return ApiError::transient_state("instance_snapshot", s->id, s->state);
    if (str_of(s->body, "volume_type") != vtype)
      return ApiError::constraint("volume_type",
                                  "the volume type must be the one of the snapshot (" +
                                      str_of(s->body, "volume_type") + ")");
    snap = std::move(*s);
  }
  if (size)
    if (auto e = check_size(*lt, *size, "size")) return e;
  fill_volume(v, name.value_or(""), vtype, snap ? int_of(snap->body, "size") : *size,
              tags.value_or(std::vector<std::string>{}), snap ? &*snap : nullptr);
  return std::nullopt;
}

struct VolumePatch {
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::int64_t> size;
};
BOOST_DESCRIBE_STRUCT(VolumePatch, (), (name, tags, size))

std::optional<ApiError> update_volume(Context& ctx, store::Tx& tx, store::Record& v) {
  auto in = codec::read<VolumePatch>(ctx.body);
  if (!in) return in.error();
  auto& [name, tags, size] = *in;
  if (size) {
    auto cur = int_of(v.body, "size");
    auto vtype = str_of(v.body, "volume_type");
    if (*size < cur) return ApiError::constraint("size", "a volume can only grow");
    if (auto* lt = local_type(vtype))
      if (auto e = check_size(*lt, *size, "size")) return e;
    if (*size != cur && !v.parent_id.empty()) {
      auto s = tx.get(kServerKind, v.parent_id);
      if (s && s->state != "stopped")
        return ApiError::legacy_invalid_request(
            "the server of this volume must be stopped to resize it");
      if (s) {
        // The server's total local storage must still fit its type.
        std::int64_t total = *size - cur;
        for (auto& [key, slot] : server_slots(*s)) {
          auto t = str_of(slot, "volume_type");
          if (t != "l_ssd") continue;
          if (auto lv = tx.get(kVolumeKind, str_of(slot, "id"))) total += int_of(lv->body, "size");
        }
        auto* type = find_server_type(ctx.zone(), str_of(s->body, "commercial_type"));
        if (type && vtype == "l_ssd" && total > type->local_max)
          return ApiError::constraint("size", "the total size of local volumes (" +
                                                  std::to_string(total) +
                                                  ") exceeds the maximum of the commercial type (" +
                                                  std::to_string(type->local_max) + ")");
      }
    }
    v.body["size"] = *size;
  }
  if (name) v.name = *name;
  if (tags) v.tags = *tags;
  return std::nullopt;
}

std::optional<ApiError> volume_detached(Context&, store::Tx& tx, const store::Record& v) {
  if (!v.parent_id.empty() && tx.get(kServerKind, v.parent_id))
    return ApiError::precondition_failed(
        "resource_still_in_use",
        "volume is attached to server " + v.parent_id + "; detach it first");
  return std::nullopt;
}

}  // namespace

json::object render_volume(const store::Record& v, const store::Record* server) {
  json::object o;
  o["id"] = v.id;
  o["name"] = v.name;
  o["volume_type"] = str_of(v.body, "volume_type", "l_ssd");
  o["export_uri"] = nullptr;
  o["organization"] = v.organization_id;
  o["project"] = v.project_id;
  o["server"] = server_summary_of(v, server);
  o["size"] = int_of(v.body, "size");
  o["state"] = v.state.empty() ? "available" : v.state;
  o["creation_date"] = ts(v.created_at);
  o["modification_date"] = ts(v.updated_at);
  o["tags"] = json::value_from(v.tags);
  o["zone"] = v.locality;
  return o;
}

Result<store::Record> insert_volume(store::Tx& tx, const Context& ctx, const app::Owner& owner,
                                    std::string name, std::string volume_type, std::int64_t size,
                                    std::vector<std::string> tags,
                                    const store::Record* base_snapshot, Micros now) {
  if (auto e = quota::check(tx, ctx.svc.config, kVolumeQuota, owner.organization_id))
    return api::fail(*e);
  auto v = resource::new_record(kVolumeKind, owner, ctx.zone(), now);
  fill_volume(v, std::move(name), std::move(volume_type), size, std::move(tags), base_snapshot);
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
  auto spec =
      v1_spec(kVolumeKind, std::string(kResource), "volume_id", "volumes", "volume", "volumes");
  spec.bad_id = resource::BadId::kInvalidArgument;
  spec.bad_id_help = "not a valid value";
  spec.bad_id_reason = ArgReason::kConstraint;
  spec.render = [](const resource::View& view, const store::Record& v) {
    return render_volume(
        v, v.parent_id.empty() ? nullptr : view.related.find(kServerKind, v.parent_id));
  };
  spec.related = {
      {std::string(kServerKind),
       [](const store::Record& v, std::vector<std::string>& ids) { ids.push_back(v.parent_id); }}};
  spec.filters.push_back(resource::body_eq("volume_type"));
  spec.orders = {{"created_at_desc", Column::kCreatedAt, true}};
  spec.create = create_volume;
  spec.quota = kVolumeQuota;
  // A volume made from a snapshot copies its data.
  spec.create_refs = {
      {app::body_ref("base_snapshot", app::Access::kRead, {kSnapshotRef, block::kSnapshotRef})}};
  spec.update = update_volume;
  spec.can_delete = volume_detached;
  resource::add_resource(r, std::move(spec));
}

}  // namespace scwd::products::instance::compute
