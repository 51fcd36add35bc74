// The volumes of a server: the existing ones it may use (Instance local or Block), attach and
// detach (record actions), the local storage a commercial type accepts, compatible types.
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <set>

#include "core/codec/validate.hpp"
#include "core/util/ids.hpp"
#include "products/block/block.hpp"
#include "products/instance/compute/compute.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance::compute {

bool is_local_type(std::string_view t) { return t == "l_ssd" || t == "scratch"; }

bool numeric_key(std::string_view k) {
  if (k.empty() || k.size() > 3) return false;
  return std::all_of(k.begin(), k.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int key_num(std::string_view k) { return std::atoi(std::string(k).c_str()); }

std::optional<FoundVolume> find_volume(store::Tx& tx, const Context& ctx, std::string_view id) {
  if (!is_uuid(id)) return std::nullopt;
  auto lid = to_lower(id);
  if (auto v = tx.get(kVolumeKind, lid);
      v && v->locality == ctx.zone() && v->organization_id == ctx.principal.organization_id) {
    FoundVolume f{v->id, str_of(v->body, "volume_type", "l_ssd"), int_of(v->body, "size"), {}};
    f.local = std::move(*v);
    return f;
  }
  if (auto v = block::find_volume(tx, ctx.zone(), lid);
      v && v->organization_id == ctx.principal.organization_id)
    return FoundVolume{v->id, "sbs_volume", int_of(v->body, "size"), {}};
  return std::nullopt;
}

std::optional<ApiError> attach_found(store::Tx& tx, const Context& ctx, FoundVolume& f,
                                     const store::Record& server, Micros now) {
  if (f.local) {
    if (!f.local->parent_id.empty() && f.local->parent_id != server.id &&
        tx.get(kServerKind, f.local->parent_id))
      return ApiError::constraint(
          "volumes", "volume " + f.id + " is already attached to server " + f.local->parent_id);
    set_volume_server(tx, *f.local, &server, now);
    return std::nullopt;
  }
  return block::attach(tx, ctx.zone(), f.id, server.id, now);
}

void detach_slot(store::Tx& tx, const Context& ctx, const json::object& slot,
                 const store::Record& server, Micros now) {
  auto id = str_of(slot, "id");
  if (is_local_type(str_of(slot, "volume_type"))) {
    if (auto v = tx.get(kVolumeKind, id); v && v->parent_id == server.id)
      set_volume_server(tx, *v, nullptr, now);
  } else {
    block::detach(tx, ctx.zone(), id, server.id, now);
  }
}

LocalTotals local_totals(store::Tx& tx, const json::object& volumes) {
  LocalTotals t;
  for (auto& kv : volumes) {
    if (!kv.value().is_object()) continue;
    auto& slot = kv.value().as_object();
    auto type = str_of(slot, "volume_type");
    if (!is_local_type(type)) continue;
    std::int64_t size = 0;
    if (auto v = tx.get(kVolumeKind, str_of(slot, "id"))) size = int_of(v->body, "size");
    if (type == "l_ssd") {
      t.l_ssd += size;
      ++t.l_ssd_count;
    } else {
      t.scratch += size;
    }
  }
  return t;
}

std::optional<ApiError> check_local_fit(const ServerType& type, const LocalTotals& t,
                                        std::string_view arg) {
  if (t.l_ssd_count > 0 && type.local_max == 0)
    return ApiError::constraint(std::string(arg), "commercial type " + type.name +
                                                      " does not support local volumes (l_ssd)");
  if (t.l_ssd > type.local_max || (t.l_ssd_count > 0 && t.l_ssd < type.local_min))
    return ApiError::constraint(std::string(arg),
                                "the total size of local volumes must be between " +
                                    std::to_string(type.local_min) + " and " +
                                    std::to_string(type.local_max) + " bytes for commercial type " +
                                    type.name + " (got " + std::to_string(t.l_ssd) + ")");
  if (t.scratch > type.scratch_max)
    return ApiError::constraint(
        std::string(arg),
        "the total size of scratch volumes exceeds the scratch storage of commercial type " +
            type.name);
  return std::nullopt;
}

std::vector<std::pair<std::string, json::object>> server_slots(const store::Record& s) {
  std::vector<std::pair<std::string, json::object>> out;
  auto v = value_of(s.body, "volumes");
  if (!v.is_object()) return out;
  for (auto& kv : v.as_object())
    if (kv.value().is_object()) out.emplace_back(std::string(kv.key()), kv.value().as_object());
  std::sort(out.begin(), out.end(),
            [](auto& a, auto& b) { return key_num(a.first) < key_num(b.first); });
  return out;
}

std::optional<ApiError> attach_volume(Context& ctx, store::Tx& tx, store::Record& s) {
  codec::BodyReader b(ctx.body);
  auto vid = b.str("volume_id", true);
  auto vtype = b.str("volume_type");
  auto boot = b.boolean("boot");
  if (auto e = b.error()) return e;
  auto u = uuid_arg(*vid, "volume_id");
  if (!u) return u.error();
  auto f = find_volume(tx, ctx, *u);
  if (!f) return ApiError::not_found("instance_volume", *u);
  if (vtype && !vtype->empty() && *vtype != "unknown_volume_type" && *vtype != f->type &&
      !(*vtype == "b_ssd" && f->type == "l_ssd"))
    return ApiError::constraint("volume_type",
                                "volume " + f->id + " is of type " + f->type + ", not " + *vtype);
  auto slots = server_slots(s);
  for (auto& [k, slot] : slots)
    if (str_of(slot, "id") == f->id)
      return ApiError::constraint("volume_id",
                                  "Volume " + f->id + " is already attached to this server");
  if (f->local && s.state != "stopped")
    return ApiError::legacy_invalid_request("the server must be stopped to attach a local volume");
  int next = 0;
  std::set<int> used;
  for (auto& [k, slot] : slots) used.insert(key_num(k));
  while (used.count(next)) ++next;
  auto vols = value_of(s.body, "volumes");
  json::object map = vols.is_object() ? vols.as_object() : json::object{};
  map[std::to_string(next)] =
      json::object{{"id", f->id}, {"volume_type", f->type}, {"boot", boot.value_or(false)}};
  const auto* type = find_server_type(ctx.zone(), str_of(s.body, "commercial_type"));
  if (type)
    if (auto e = check_local_fit(*type, local_totals(tx, map), "volume_id")) return e;
  if (auto e = attach_found(tx, ctx, *f, s, ctx.now())) return e;
  s.body["volumes"] = std::move(map);
  return std::nullopt;
}

std::optional<ApiError> detach_volume(Context& ctx, store::Tx& tx, store::Record& s) {
  codec::BodyReader b(ctx.body);
  auto vid = b.str("volume_id", true);
  if (auto e = b.error()) return e;
  auto want = to_lower(*vid);
  auto vols = value_of(s.body, "volumes");
  json::object map = vols.is_object() ? vols.as_object() : json::object{};
  std::string found_key;
  for (auto& kv : map)
    if (kv.value().is_object() && str_of(kv.value().as_object(), "id") == want)
      found_key = std::string(kv.key());
  if (found_key.empty())
    return ApiError::constraint("volume_id", "Volume " + *vid + " is not attached to this server");
  auto slot = map[found_key].as_object();
  if (is_local_type(str_of(slot, "volume_type")) && s.state != "stopped")
    return ApiError::legacy_invalid_request("the server must be stopped to detach a local volume");
  detach_slot(tx, ctx, slot, s, ctx.now());
  map.erase(found_key);
  s.body["volumes"] = std::move(map);
  return std::nullopt;
}

// The commercial types the server may switch to (its architecture, its local storage fitting).
Result<Response> compatible_types(Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto s = resource::load(ctx, *tx, server_spec());
  if (!s) return api::fail(s.error());
  const auto* cur = find_server_type(ctx.zone(), str_of(s->body, "commercial_type"));
  auto vols = value_of(s->body, "volumes");
  auto totals = local_totals(*tx, vols.is_object() ? vols.as_object() : json::object{});
  std::vector<const ServerType*> out;
  for (const auto* t : server_types(ctx.zone())) {
    if (cur && t->name == cur->name) continue;
    if (t->end_of_service) continue;
    if (t->arch != str_of(s->body, "arch")) continue;
    if (check_local_fit(*t, totals, "commercial_type")) continue;
    out.push_back(t);
  }
  if (cur && cur->end_of_service) {
    // The best match first: closest in CPUs and memory.
    auto distance = [&](const ServerType* t) {
      return std::fabs(
                 std::log2(static_cast<double>(std::max(1, t->ncpus)) / std::max(1, cur->ncpus))) +
             std::fabs(std::log2(static_cast<double>(std::max<std::int64_t>(1, t->ram)) /
                                 static_cast<double>(std::max<std::int64_t>(1, cur->ram))));
    };
    std::stable_sort(out.begin(), out.end(), [&](const ServerType* a, const ServerType* b) {
      return distance(a) < distance(b);
    });
  }
  json::array names;
  for (auto* t : out) names.push_back(json::value(t->name));
  return Response::json(200, json::object{{"compatible_types", std::move(names)}});
}

}  // namespace scwd::products::instance::compute
