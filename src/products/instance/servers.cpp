// Instance servers: create (image by id or label, root and extra volumes, IPs, security and
// placement groups), get, list, update, delete, attach / detach volume, compatible types, and
// the rendering of the Server object.
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "core/codec/validate.hpp"
#include "core/util/ids.hpp"
#include "products/block/block.hpp"
#include "products/instance/compute.hpp"
#include "products/instance/private_nics.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance::compute {

namespace {

constexpr std::string_view kResource = "instance_server";

bool is_local_type(std::string_view t) { return t == "l_ssd" || t == "scratch"; }

std::string mac_address() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> byte(0, 255);
  char buf[24];
  std::snprintf(buf, sizeof buf, "de:00:00:%02x:%02x:%02x", byte(rng), byte(rng), byte(rng));
  return buf;
}

bool numeric_key(std::string_view k) {
  if (k.empty() || k.size() > 3) return false;
  return std::all_of(k.begin(), k.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int key_num(std::string_view k) { return std::atoi(std::string(k).c_str()); }

// An existing volume a server may use: an Instance local volume or a Block (SBS) volume of the
// caller in the zone.
struct FoundVolume {
  std::string id;
  std::string type;  // l_ssd | scratch | sbs_volume
  std::int64_t size = 0;
  std::optional<store::Record> local;
};

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

// Attaches a volume to a server record (already inserted); errors when it is in use elsewhere.
std::optional<ApiError> attach_found(store::Tx& tx, const Context& ctx, FoundVolume& f,
                                     const store::Record& server, Micros now) {
  if (f.local) {
    if (!f.local->parent_id.empty() && f.local->parent_id != server.id &&
        tx.get(kServerKind, f.local->parent_id))
      return ApiError::invalid_argument(
          "volumes", ArgReason::kConstraint,
          "volume " + f.id + " is already attached to server " + f.local->parent_id);
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

// Total local (l_ssd) and scratch storage of a set of slots.
struct LocalTotals {
  std::int64_t l_ssd = 0;
  std::int64_t scratch = 0;
  int l_ssd_count = 0;
};

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
    return ApiError::invalid_argument(
        std::string(arg), ArgReason::kConstraint,
        "commercial type " + type.name + " does not support local volumes (l_ssd)");
  if (t.l_ssd > type.local_max || (t.l_ssd_count > 0 && t.l_ssd < type.local_min))
    return ApiError::invalid_argument(
        std::string(arg), ArgReason::kConstraint,
        "the total size of local volumes must be between " + std::to_string(type.local_min) +
            " and " + std::to_string(type.local_max) + " bytes for commercial type " + type.name +
            " (got " + std::to_string(t.l_ssd) + ")");
  if (t.scratch > type.scratch_max)
    return ApiError::invalid_argument(
        std::string(arg), ArgReason::kConstraint,
        "the total size of scratch volumes exceeds the scratch storage of commercial type " +
            type.name);
  return std::nullopt;
}

json::value image_of(store::Tx& tx, const Context& ctx, const store::Record& s) {
  auto id = str_of(s.body, "image_id");
  if (id.empty()) return nullptr;
  if (auto img = find_image(tx, ctx, id)) return img->json;
  auto stored = value_of(s.body, "image");
  return stored.is_object() ? stored : json::value(nullptr);
}

// ---- create ----

struct CreateInput {
  std::string name;
  std::string commercial_type;
  std::optional<std::string> image;
  const json::object* volumes = nullptr;
  bool dynamic_ip_required = true;
  bool enable_ipv6 = false;
  std::string boot_type = "local";
  std::vector<std::string> tags;
  std::optional<std::string> security_group;
  std::optional<std::string> placement_group;
  std::vector<std::string> public_ips;
  std::optional<std::string> admin_key;
  bool is_protected = false;
};

Result<CreateInput> read_create(const Context& ctx) {
  codec::BodyReader b(ctx.body);
  CreateInput in;
  auto name = b.str("name");
  auto ct = b.str("commercial_type");
  in.image = b.str("image");
  in.volumes = b.object("volumes");
  auto dyn = b.boolean("dynamic_ip_required");
  auto ipv6 = b.boolean("enable_ipv6");
  b.boolean("routed_ip_enabled");
  auto boot = b.enumeration("boot_type", {"local", "bootscript", "rescue"});
  auto tags = b.strings("tags");
  in.security_group = b.str("security_group");
  in.placement_group = b.str("placement_group");
  auto ip = b.str("public_ip");
  auto ips = b.strings("public_ips");
  in.admin_key = b.str("admin_password_encryption_ssh_key_id");
  auto prot = b.boolean("protected");
  if (auto e = b.error()) return api::fail(*e);
  std::vector<api::ArgumentDetail> missing;
  if (!ct || ct->empty())
    missing.push_back({"commercial_type", ArgReason::kRequired, "required key not provided"});
  if ((!in.image || in.image->empty()) && !in.volumes) {
    missing.push_back({"image", ArgReason::kRequired, "required key not provided"});
    missing.push_back({"volumes", ArgReason::kRequired, "required key not provided"});
  }
  if (!name) missing.push_back({"name", ArgReason::kRequired, "required key not provided"});
  if (!missing.empty()) return api::fail(ApiError::invalid_arguments(std::move(missing)));
  if (in.image && in.image->empty()) in.image.reset();
  in.name = *name;
  in.commercial_type = *ct;
  in.dynamic_ip_required = dyn.value_or(true);
  in.enable_ipv6 = ipv6.value_or(false);
  in.boot_type = boot.value_or("local");
  in.tags = tags.value_or(std::vector<std::string>{});
  if (ip && !ip->empty()) in.public_ips.push_back(*ip);
  if (ips)
    for (auto& i : *ips)
      if (std::find(in.public_ips.begin(), in.public_ips.end(), i) == in.public_ips.end())
        in.public_ips.push_back(i);
  in.is_protected = prot.value_or(false);
  if (in.volumes)
    for (auto& kv : *in.volumes) {
      if (!numeric_key(kv.key()))
        return api::fail(ApiError::invalid_argument("volumes." + std::string(kv.key()),
                                                    ArgReason::kConstraint,
                                                    "volume keys must be \"0\", \"1\", ..."));
      if (!kv.value().is_object())
        return api::fail(ApiError::invalid_argument("volumes." + std::string(kv.key()),
                                                    ArgReason::kFormat, "expected an object"));
    }
  return in;
}

// A volume the server will have once created: either an existing one (attached after insert),
// a new local one (inserted after the server), or a new SBS one (created by Block).
struct PlannedVolume {
  std::string key;
  std::string type;  // l_ssd | scratch | sbs_volume
  bool boot = false;
  // existing
  std::optional<FoundVolume> existing;
  // new
  std::string name;
  std::int64_t size = 0;  // 0 = from the snapshot (sbs) / computed (local root)
  std::optional<std::string> snapshot_id;
  const store::Record* local_snapshot = nullptr;
  std::optional<store::Record> local_snapshot_rec;
  std::int64_t min_size = 0;  // local root: the image's root size
  bool auto_size = false;     // local root sized to what the type leaves
};

Result<Response> create_server(Context& ctx) {
  auto in = read_create(ctx);
  if (!in) return api::fail(in.error());
  const auto* type = find_server_type(ctx.zone(), in->commercial_type);
  if (!type)
    return api::fail(ApiError::invalid_argument("commercial_type", ArgReason::kConstraint,
                                                "commercial type \"" + in->commercial_type +
                                                    "\" is not available in zone " +
                                                    std::string(ctx.zone())));
  auto now = ctx.now();
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto owner = owner_of(ctx, tx, ctx.body);
    if (!owner) return api::fail(owner.error());
    if (auto e = quota::check(tx, ctx.svc.config, kServerQuota, owner->organization_id))
      return api::fail(*e);

    // The image, by id or by label.
    std::optional<ImageView> image;
    if (in->image) {
      if (is_uuid(*in->image)) {
        image = find_image(tx, ctx, *in->image);
      } else if (auto* li = marketplace::resolve_label(
                     *in->image, ctx.zone(), type->arch,
                     type->local_max > 0 ? std::string_view{} : std::string_view{"instance_sbs"})) {
        image = find_image(tx, ctx, li->id);
      }
      if (!image) return api::fail(ApiError::not_found("instance_image", *in->image));
      if (image->arch != type->arch)
        return api::fail(ApiError::invalid_argument("image", ArgReason::kConstraint,
                                                    "image architecture " + image->arch +
                                                        " does not match commercial type " +
                                                        type->name + " (" + type->arch + ")"));
    }

    // Plan the volumes.
    std::map<int, PlannedVolume> plan;
    json::object templates = in->volumes ? *in->volumes : json::object{};
    bool has_local_storage = type->local_max > 0;
    for (auto& kv : templates) {
      std::string key(kv.key());
      std::string arg = "volumes." + key;
      const auto& t = kv.value().as_object();
      PlannedVolume p;
      p.key = key;
      p.boot = bool_of(t, "boot");
      auto vtype = str_of(t, "volume_type");
      auto size = int_of(t, "size");
      auto id = str_of(t, "id");
      auto base = str_of(t, "base_snapshot");
      if (!id.empty()) {
        auto f = find_volume(tx, ctx, id);
        if (!f) return api::fail(ApiError::not_found("instance_volume", id));
        p.type = f->type;
        p.existing = std::move(*f);
      } else if (!base.empty()) {
        auto bid = uuid_arg(base, arg + ".base_snapshot");
        if (!bid) return api::fail(bid.error());
        if (auto s = tx.get(kSnapshotKind, *bid);
            s && s->locality == ctx.zone() && s->organization_id == ctx.principal.organization_id) {
          if (!vtype.empty() && vtype != "l_ssd")
            return api::fail(
                ApiError::invalid_argument(arg + ".volume_type", ArgReason::kConstraint,
                                           "a volume made from an l_ssd snapshot must be l_ssd"));
          if (s->state != "available")
            return api::fail(ApiError::transient_state("instance_snapshot", s->id, s->state));
          p.type = "l_ssd";
          p.size = std::max(size, int_of(s->body, "size"));
          p.local_snapshot_rec = std::move(*s);
        } else if (auto bs = block::find_snapshot(tx, ctx.zone(), *bid);
                   bs && bs->organization_id == ctx.principal.organization_id) {
          if (!vtype.empty() && vtype != "sbs_volume")
            return api::fail(ApiError::invalid_argument(
                arg + ".volume_type", ArgReason::kConstraint,
                "a volume made from a Block snapshot must be sbs_volume"));
          p.type = "sbs_volume";
          p.size = size;
          p.snapshot_id = *bid;
        } else {
          return api::fail(ApiError::not_found("instance_snapshot", *bid));
        }
        p.name = str_of(t, "name", in->name + "-" + key);
      } else if (key == "0" && image) {
        continue;  // the root volume from the image, planned below
      } else {
        if (size <= 0)
          return api::fail(ApiError::invalid_argument(arg + ".size", ArgReason::kRequired,
                                                      "required key not provided"));
        p.type = vtype.empty() ? (has_local_storage ? "l_ssd" : "sbs_volume") : vtype;
        if (p.type != "l_ssd" && p.type != "scratch" && p.type != "sbs_volume")
          return api::fail(
              ApiError::invalid_argument(arg + ".volume_type", ArgReason::kConstraint,
                                         "volume type \"" + p.type + "\" is not supported"));
        p.size = size;
        p.name = str_of(t, "name", in->name + "-" + key);
      }
      plan[key_num(key)] = std::move(p);
    }
    if (image) {
      // Root volume (slot "0") from the image's root snapshot, unless given explicitly.
      if (!plan.count(0)) {
        const json::object* t = nullptr;
        if (auto it = templates.find("0"); it != templates.end()) t = &it->value().as_object();
        PlannedVolume p;
        p.key = "0";
        p.boot = t ? bool_of(*t, "boot") : false;
        auto want = t ? str_of(*t, "volume_type") : std::string();
        auto size = t ? int_of(*t, "size") : 0;
        auto root_type = str_of(image->root_volume, "volume_type");
        auto root_id = str_of(image->root_volume, "id");
        if (root_type == "l_ssd") {
          if (want == "sbs_volume" || (want.empty() && !has_local_storage))
            return api::fail(ApiError::invalid_argument(
                want.empty() ? "image" : "volumes.0.volume_type", ArgReason::kConstraint,
                "image " + image->id + " has a local (l_ssd) root volume" +
                    (has_local_storage ? std::string()
                                       : "; commercial type " + type->name +
                                             " has no local storage (use an instance_sbs image)")));
          p.type = "l_ssd";
          p.name = str_of(image->root_volume, "name", image->name);
          if (t && t->contains("name")) p.name = str_of(*t, "name", p.name);
          p.min_size = int_of(image->root_volume, "size");
          p.size = size;
          p.auto_size = size <= 0;
          if (auto s = tx.get(kSnapshotKind, root_id)) p.local_snapshot_rec = std::move(*s);
        } else {
          if (want == "l_ssd" || want == "scratch")
            return api::fail(ApiError::invalid_argument(
                "volumes.0.volume_type", ArgReason::kConstraint,
                "image " + image->id +
                    " has a Block (sbs) root volume: the root volume must be "
                    "sbs_volume"));
          p.type = "sbs_volume";
          p.name = image->name + "_sbs_volume_0";
          p.size = size;
          p.snapshot_id = root_id;
        }
        plan[0] = std::move(p);
      }
      // Extra volumes of the image, where the request does not set that slot.
      for (auto& kv : image->extra_volumes) {
        if (!numeric_key(kv.key()) || !kv.value().is_object()) continue;
        int k = key_num(kv.key());
        if (plan.count(k)) continue;
        const auto& ref = kv.value().as_object();
        PlannedVolume p;
        p.key = std::string(kv.key());
        auto rtype = str_of(ref, "volume_type");
        auto rid = str_of(ref, "id");
        if (rtype == "l_ssd") {
          auto s = tx.get(kSnapshotKind, rid);
          if (!s) continue;
          p.type = "l_ssd";
          p.name = image->name + "_" + p.key;
          p.size = int_of(s->body, "size");
          p.local_snapshot_rec = std::move(*s);
        } else {
          p.type = "sbs_volume";
          p.name = image->name + "_sbs_volume_" + p.key;
          p.snapshot_id = rid;
        }
        plan[k] = std::move(p);
      }
    } else if (!plan.count(0)) {
      return api::fail(ApiError::invalid_argument(
          "volumes.0", ArgReason::kRequired,
          "a boot volume (key \"0\") is required when no image is given"));
    }

    // Local storage must fit the commercial type.
    std::int64_t fixed_local = 0, scratch = 0;
    int l_ssd_count = 0;
    PlannedVolume* auto_root = nullptr;
    for (auto& [k, p] : plan) {
      std::int64_t size = p.existing ? p.existing->size : p.size;
      if (p.type == "l_ssd") {
        ++l_ssd_count;
        if (p.auto_size)
          auto_root = &p;
        else
          fixed_local += size;
        if (!p.existing && !p.auto_size && size < 1 * kGB)
          return api::fail(ApiError::invalid_argument("volumes." + p.key + ".size",
                                                      ArgReason::kConstraint,
                                                      "l_ssd volumes must be at least 1 GB"));
      } else if (p.type == "scratch") {
        scratch += size;
      }
      if (!p.existing && p.min_size > 0 && !p.auto_size && p.size < p.min_size)
        return api::fail(
            ApiError::invalid_argument("volumes." + p.key + ".size", ArgReason::kConstraint,
                                       "the root volume must be at least as large as the image (" +
                                           std::to_string(p.min_size) + " bytes)"));
    }
    if (auto_root) {
      auto_root->size = type->local_max - fixed_local;
      if (auto_root->size < auto_root->min_size || auto_root->size < 1 * kGB)
        return api::fail(ApiError::invalid_argument(
            "volumes", ArgReason::kConstraint,
            "the image needs " + std::to_string(auto_root->min_size) +
                " bytes of local storage; commercial type " + type->name + " has " +
                std::to_string(type->local_max - fixed_local) + " left"));
    }
    LocalTotals totals{fixed_local + (auto_root ? auto_root->size : 0), scratch, l_ssd_count};
    if (auto e = check_local_fit(*type, totals, "volumes")) return api::fail(*e);
    if (scratch > 0 && type->scratch_max == 0)
      return api::fail(
          ApiError::invalid_argument("volumes", ArgReason::kConstraint,
                                     "commercial type " + type->name + " has no scratch storage"));

    // Security group and placement group.
    json::object sg;
    if (in->security_group && !in->security_group->empty()) {
      auto id = uuid_arg(*in->security_group, "security_group");
      if (!id) return api::fail(id.error());
      auto ref = security_group_ref(tx, ctx, *id);
      if (!ref) return api::fail(ref.error());
      sg = std::move(*ref);
    } else {
      auto ref = default_security_group(tx, ctx, *owner, ctx.zone());
      if (!ref) return api::fail(ref.error());
      sg = std::move(*ref);
    }
    json::value pg_id = nullptr;
    if (in->placement_group && !in->placement_group->empty()) {
      if (!is_uuid(*in->placement_group))
        return api::fail(ApiError::invalid_argument("placement_group", ArgReason::kConstraint,
                                                    "not a valid value"));
      auto pg = placement_group_json(tx, ctx, to_lower(*in->placement_group));
      if (!pg) return api::fail(pg.error());
      pg_id = to_lower(*in->placement_group);
    }

    // The server.
    store::Record s;
    s.kind = std::string(kServerKind);
    s.id = new_uuid();
    s.organization_id = owner->organization_id;
    s.project_id = owner->project_id;
    s.locality = std::string(ctx.zone());
    s.name = in->name;
    s.state = "stopped";
    s.created_at = s.updated_at = now;
    s.tags = in->tags;
    s.body = json::object{{"commercial_type", type->name},
                          {"arch", type->arch},
                          {"boot_type", in->boot_type},
                          {"image_id", image ? json::value(image->id) : json::value(nullptr)},
                          {"image", image ? json::value(image->json) : json::value(nullptr)},
                          {"volumes", json::object{}},
                          {"dynamic_ip_required", in->dynamic_ip_required},
                          {"routed_ip_enabled", true},
                          {"enable_ipv6", in->enable_ipv6},
                          {"protected", in->is_protected},
                          {"state_detail", ""},
                          {"mac_address", mac_address()},
                          {"location", nullptr},
                          {"security_group", sg},
                          {"placement_group_id", pg_id},
                          {"public_ip_ids", json::array{}},
                          {"private_nics", json::array{}},
                          {"filesystems", json::array{}},
                          {"maintenances", json::array{}}};
    if (in->admin_key && !in->admin_key->empty())
      s.body["admin_password_encryption_ssh_key_id"] = *in->admin_key;
    tx.insert(s);

    // Create and attach the volumes.
    json::object slots;
    for (auto& [k, p] : plan) {
      std::string vid;
      if (p.existing) {
        if (auto e = attach_found(tx, ctx, *p.existing, s, now)) return api::fail(*e);
        vid = p.existing->id;
      } else if (p.type == "sbs_volume") {
        block::NewVolume nv;
        nv.name = p.name;
        nv.size = p.size;
        nv.snapshot_id = p.snapshot_id;
        auto v = block::create_volume(tx, ctx, *owner, ctx.zone(), nv);
        if (!v) return api::fail(v.error());
        if (auto e = block::attach(tx, ctx.zone(), v->id, s.id, now)) return api::fail(*e);
        vid = v->id;
      } else {
        auto v = insert_volume(tx, ctx, *owner, p.name, p.type, p.size, {},
                               p.local_snapshot_rec ? &*p.local_snapshot_rec : nullptr, now);
        if (!v) return api::fail(v.error());
        set_volume_server(tx, *v, &s, now);
        vid = v->id;
      }
      slots[p.key] = json::object{{"id", vid}, {"volume_type", p.type}, {"boot", p.boot}};
    }
    s.body["volumes"] = std::move(slots);
    tx.update(s);

    // Flexible IPs.
    for (auto& ip : in->public_ips) {
      if (!is_uuid(ip)) return api::fail(ApiError::not_found("instance_ip", ip));
      if (auto e = attach_ip(tx, ctx, to_lower(ip), s, now)) return api::fail(*e);
    }
    return created(ctx, "servers", s.id, json::object{{"server", render_server(tx, ctx, s)}});
  });
}

// ---- read ----

Result<Response> get_server(Context& ctx) {
  auto id = path_id(ctx, "server_id");
  if (!id) return api::fail(id.error());
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto s = load(*tx, ctx, kServerKind, *id, kResource);
  if (!s) return api::fail(s.error());
  return Response::json(200, json::object{{"server", render_server(*tx, ctx, *s)}});
}

Result<Response> list_servers(Context& ctx) {
  auto page = paging::read_legacy(ctx.req);
  if (!page) return api::fail(page.error());
  auto order = paging::order(ctx.req,
                             {{"creation_date_desc", Column::kCreatedAt, true},
                              {"creation_date_asc", Column::kCreatedAt, false},
                              {"modification_date_desc", Column::kUpdatedAt, true},
                              {"modification_date_asc", Column::kUpdatedAt, false}},
                             "order");
  if (!order) return api::fail(order.error());
  store::ListQuery q;
  q.kind = std::string(kServerKind);
  if (auto e = common_filters(ctx, q)) return api::fail(*e);
  q.filters.push_back({Column::kLocality, Op::kEq, {std::string(ctx.zone())}, {}, false});
  q.filters.push_back({Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
  if (auto* v = ctx.query("commercial_type"); v && !v->empty())
    q.filters.push_back({Column::kBody, Op::kEq, {*v}, "commercial_type", false});
  if (auto* v = ctx.query("state"); v && !v->empty())
    q.filters.push_back({Column::kState, Op::kEq, {*v}, {}, false});
  if (auto ids = ctx.query_all("servers", true); !ids.empty()) {
    for (auto& id : ids) id = to_lower(id);
    q.filters.push_back({Column::kId, Op::kIn, ids, {}, false});
  }
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  // private_ip / with_ip match the IPAM addresses of the servers' private NICs too.
  bool none = false;
  std::optional<std::string> private_ip = ctx.query_opt("private_ip");
  if (private_ip && private_ip->empty()) private_ip.reset();
  auto pns = ctx.query_all("private_networks", true);
  if (auto* v = ctx.query("private_network"); v && !v->empty()) pns.push_back(*v);
  std::erase(pns, std::string());
  auto mac = ctx.query_opt("private_nic_mac_address").value_or("");
  if (!pns.empty() || !mac.empty()) {
    auto ids = servers_with_private_nics(*tx, ctx.zone(), ctx.principal.organization_id, pns, mac);
    if (ids.empty())
      none = true;
    else
      q.filters.push_back({Column::kId, Op::kIn, ids, {}, false});
  }
  std::optional<std::string> with_ip = ctx.query_opt("with_ip");
  if (with_ip && with_ip->empty()) with_ip.reset();
  std::optional<bool> without_ip;
  if (auto* v = ctx.query("without_ip"); v && !v->empty()) without_ip = (*v == "true");
  q.order = std::move(*order);

  std::vector<store::Record> items;
  std::int64_t total = 0;
  if (none) {
    // nothing
  } else if (with_ip || without_ip || private_ip) {
    q.with_total = false;
    for (auto& s : tx->list(q).items) {
      auto ips = server_ips(*tx, s.id);
      if (without_ip && *without_ip != ips.empty()) continue;
      if (private_ip && !server_has_private_ip(*tx, s, *private_ip)) continue;
      if (with_ip) {
        bool match = std::any_of(ips.begin(), ips.end(), [&](const store::Record& ip) {
          return str_of(ip.body, "address") == *with_ip || ip.id == *with_ip;
        });
        if (!match && !server_has_private_ip(*tx, s, *with_ip)) continue;
      }
      items.push_back(std::move(s));
    }
    total = static_cast<std::int64_t>(items.size());
    std::vector<store::Record> slice;
    for (std::int64_t i = page->offset(); i < total && i < page->offset() + page->size; ++i)
      slice.push_back(std::move(items[static_cast<std::size_t>(i)]));
    items = std::move(slice);
  } else {
    paging::apply(q, *page);
    auto res = tx->list(q);
    items = std::move(res.items);
    total = res.total;
  }
  json::array out;
  for (auto& s : items) out.push_back(render_server(*tx, ctx, s));
  auto res = Response::json(200, json::object{{"servers", std::move(out)}});
  paging::legacy_headers(res, ctx.req, "servers", *page, total);
  return res;
}

// ---- update ----

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
      return ApiError::invalid_argument(arg, ArgReason::kConstraint,
                                        "volume keys must be \"0\", \"1\", ...");
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
      return ApiError::invalid_argument(arg + ".id", ArgReason::kConstraint,
                                        "a volume can only be attached once");
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

Result<Response> update_server(Context& ctx) {
  auto id = path_id(ctx, "server_id");
  if (!id) return api::fail(id.error());
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
  if (auto e = b.error()) return api::fail(*e);
  if (pg && !is_uuid(*pg))
    return api::fail(
        ApiError::invalid_argument("placement_group", ArgReason::kConstraint, "not a valid value"));
  if (routed && !*routed)
    return api::fail(ApiError::invalid_argument("routed_ip_enabled", ArgReason::kConstraint,
                                                "routed IPs cannot be disabled once enabled"));
  auto now = ctx.now();
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = load(tx, ctx, kServerKind, *id, kResource);
    if (!s) return api::fail(s.error());
    const auto* type = find_server_type(ctx.zone(), str_of(s->body, "commercial_type"));
    if (ct && *ct != str_of(s->body, "commercial_type")) {
      const auto* nt = find_server_type(ctx.zone(), *ct);
      if (!nt)
        return api::fail(ApiError::invalid_argument(
            "commercial_type", ArgReason::kConstraint,
            "commercial type \"" + *ct + "\" is not available in zone " + std::string(ctx.zone())));
      if (s->state != "stopped")
        return api::fail(ApiError::legacy_invalid_request(
            "the server must be stopped to change its commercial type"));
      if (nt->arch != str_of(s->body, "arch"))
        return api::fail(ApiError::invalid_argument(
            "commercial_type", ArgReason::kConstraint,
            "commercial type " + nt->name + " has another architecture (" + nt->arch + ")"));
      auto cur_vols = value_of(s->body, "volumes");
      if (auto e = check_local_fit(
              *nt, local_totals(tx, cur_vols.is_object() ? cur_vols.as_object() : json::object{}),
              "commercial_type"))
        return api::fail(*e);
      s->body["commercial_type"] = nt->name;
      type = nt;
    }
    if (volumes) {
      if (!type)
        return api::fail(ApiError::invalid_argument("commercial_type", ArgReason::kConstraint,
                                                    "unknown commercial type"));
      if (auto e = replace_volumes(tx, ctx, *s, *type, *volumes, now)) return api::fail(*e);
    }
    if (sg) {
      auto sid = str_of(*sg, "id");
      auto u = uuid_arg(sid, "security_group.id");
      if (!u) return api::fail(u.error());
      auto ref = security_group_ref(tx, ctx, *u);
      if (!ref) return api::fail(ref.error());
      s->body["security_group"] = std::move(*ref);
    }
    if (pg_set) {
      if (pg) {
        auto pgj = placement_group_json(tx, ctx, to_lower(*pg));
        if (!pgj) return api::fail(pgj.error());
        s->body["placement_group_id"] = to_lower(*pg);
      } else {
        s->body["placement_group_id"] = nullptr;
      }
    }
    if (name) s->name = *name;
    if (boot) s->body["boot_type"] = *boot;
    if (tags) s->tags = *tags;
    if (dyn) s->body["dynamic_ip_required"] = *dyn;
    if (ipv6) s->body["enable_ipv6"] = *ipv6;
    if (prot) s->body["protected"] = *prot;
    if (admin_key && admin_key->empty()) s->body.erase("admin_password_encryption_ssh_key_id");
    if (admin_key && !admin_key->empty())
      s->body["admin_password_encryption_ssh_key_id"] = *admin_key;
    s->updated_at = now;
    tx.update(*s);
    if (name) rename_server_private_nics(tx, *s, now);
    if (ips) {
      if (auto e = replace_ips(tx, ctx, *s, *ips, now)) return api::fail(*e);
    }
    if (ips || dyn) refresh_dynamic_ip(tx, *s, now);
    return Response::json(200, json::object{{"server", render_server(tx, ctx, *s)}});
  });
}

// The SDK-private PUT (_setServer): a full Server object; its writable plain fields are applied
// (name, tags, boot_type, dynamic_ip_required, enable_ipv6, protected), the rest is read-only
// or has its own operation (volumes, IPs, groups, actions) and is ignored.
Result<Response> set_server(Context& ctx) {
  auto id = path_id(ctx, "id");
  if (!id) return api::fail(id.error());
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto boot = b.enumeration("boot_type", {"local", "bootscript", "rescue"});
  auto tags = b.strings("tags");
  auto dyn = b.boolean("dynamic_ip_required");
  auto ipv6 = b.boolean("enable_ipv6");
  auto prot = b.boolean("protected");
  if (auto e = b.error()) return api::fail(*e);
  auto now = ctx.now();
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = load(tx, ctx, kServerKind, *id, kResource);
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
    return Response::json(200, json::object{{"server", render_server(tx, ctx, *s)}});
  });
}

// ---- delete ----

Result<Response> delete_server(Context& ctx) {
  auto id = path_id(ctx, "server_id");
  if (!id) return api::fail(id.error());
  auto now = ctx.now();
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = load(tx, ctx, kServerKind, *id, kResource);
    if (!s) return api::fail(s.error());
    if (bool_of(s->body, "protected"))
      return api::fail(ApiError::precondition_failed(
          "protected_resource", "the server is protected; set protected to false first"));
    if (s->state != "stopped")
      return api::fail(ApiError::legacy_invalid_request(
          "server should be stopped (current state: " + s->state + ")"));
    for (auto& [key, slot] : server_slots(*s)) detach_slot(tx, ctx, slot, *s, now);
    release_server_ips(tx, *s, now, true);
    remove_server_private_nics(tx, *s, now);
    delete_user_data(tx, s->id);
    tx.remove(kServerKind, s->id);
    return Response::no_content();
  });
}

// ---- attach / detach volume ----

Result<Response> attach_volume(Context& ctx) {
  auto id = path_id(ctx, "server_id");
  if (!id) return api::fail(id.error());
  codec::BodyReader b(ctx.body);
  auto vid = b.str("volume_id", true);
  auto vtype = b.str("volume_type");
  auto boot = b.boolean("boot");
  if (auto e = b.error()) return api::fail(*e);
  auto u = uuid_arg(*vid, "volume_id");
  if (!u) return api::fail(u.error());
  auto now = ctx.now();
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = load(tx, ctx, kServerKind, *id, kResource);
    if (!s) return api::fail(s.error());
    auto f = find_volume(tx, ctx, *u);
    if (!f) return api::fail(ApiError::not_found("instance_volume", *u));
    if (vtype && !vtype->empty() && *vtype != "unknown_volume_type" && *vtype != f->type &&
        !(*vtype == "b_ssd" && f->type == "l_ssd"))
      return api::fail(ApiError::invalid_argument(
          "volume_type", ArgReason::kConstraint,
          "volume " + f->id + " is of type " + f->type + ", not " + *vtype));
    auto slots = server_slots(*s);
    for (auto& [k, slot] : slots)
      if (str_of(slot, "id") == f->id)
        return api::fail(
            ApiError::invalid_argument("volume_id", ArgReason::kConstraint,
                                       "Volume " + f->id + " is already attached to this server"));
    if (f->local && s->state != "stopped")
      return api::fail(
          ApiError::legacy_invalid_request("the server must be stopped to attach a local volume"));
    int next = 0;
    std::set<int> used;
    for (auto& [k, slot] : slots) used.insert(key_num(k));
    while (used.count(next)) ++next;
    auto vols = value_of(s->body, "volumes");
    json::object map = vols.is_object() ? vols.as_object() : json::object{};
    map[std::to_string(next)] =
        json::object{{"id", f->id}, {"volume_type", f->type}, {"boot", boot.value_or(false)}};
    const auto* type = find_server_type(ctx.zone(), str_of(s->body, "commercial_type"));
    if (type)
      if (auto e = check_local_fit(*type, local_totals(tx, map), "volume_id")) return api::fail(*e);
    if (auto e = attach_found(tx, ctx, *f, *s, now)) return api::fail(*e);
    s->body["volumes"] = std::move(map);
    s->updated_at = now;
    tx.update(*s);
    return Response::json(200, json::object{{"server", render_server(tx, ctx, *s)}});
  });
}

Result<Response> detach_volume(Context& ctx) {
  auto id = path_id(ctx, "server_id");
  if (!id) return api::fail(id.error());
  codec::BodyReader b(ctx.body);
  auto vid = b.str("volume_id", true);
  if (auto e = b.error()) return api::fail(*e);
  auto now = ctx.now();
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = load(tx, ctx, kServerKind, *id, kResource);
    if (!s) return api::fail(s.error());
    auto want = to_lower(*vid);
    auto vols = value_of(s->body, "volumes");
    json::object map = vols.is_object() ? vols.as_object() : json::object{};
    std::string found_key;
    for (auto& kv : map)
      if (kv.value().is_object() && str_of(kv.value().as_object(), "id") == want)
        found_key = std::string(kv.key());
    if (found_key.empty())
      return api::fail(
          ApiError::invalid_argument("volume_id", ArgReason::kConstraint,
                                     "Volume " + *vid + " is not attached to this server"));
    auto slot = map[found_key].as_object();
    if (is_local_type(str_of(slot, "volume_type")) && s->state != "stopped")
      return api::fail(
          ApiError::legacy_invalid_request("the server must be stopped to detach a local volume"));
    detach_slot(tx, ctx, slot, *s, now);
    map.erase(found_key);
    s->body["volumes"] = std::move(map);
    s->updated_at = now;
    tx.update(*s);
    return Response::json(200, json::object{{"server", render_server(tx, ctx, *s)}});
  });
}

// ---- compatible types ----

Result<Response> compatible_types(Context& ctx) {
  auto id = path_id(ctx, "server_id");
  if (!id) return api::fail(id.error());
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto s = load(*tx, ctx, kServerKind, *id, kResource);
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

}  // namespace

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

json::array allowed_actions(const store::Record& s) {
  const auto& st = s.state;
  auto detail = str_of(s.body, "state_detail");
  if (st == "stopped") return {"poweron", "backup"};
  if (st == "starting") return {"stop_in_place", "backup"};
  if (st == "running") return {"poweroff", "terminate", "reboot", "stop_in_place", "backup"};
  if (st == "stopping") {
    if (detail == "terminating") return {};
    return {"stop_in_place", "backup"};
  }
  if (st == "stopped in place") return {"poweron", "poweroff", "terminate", "reboot", "backup"};
  return {};
}

json::object render_server(store::Tx& tx, const Context& ctx, const store::Record& s) {
  json::object o;
  o["id"] = s.id;
  o["name"] = s.name;
  o["arch"] = str_of(s.body, "arch", "x86_64");
  o["commercial_type"] = str_of(s.body, "commercial_type");
  o["boot_type"] = str_of(s.body, "boot_type", "local");
  o["organization"] = s.organization_id;
  o["project"] = s.project_id;
  o["hostname"] = s.name;
  o["image"] = image_of(tx, ctx, s);
  json::object volumes;
  auto detail = str_of(s.body, "state_detail");
  for (auto& [key, slot] : server_slots(s))
    volumes[key] = render_server_volume(tx, s.locality, slot, detail);
  o["volumes"] = std::move(volumes);
  o["tags"] = json::value_from(s.tags);
  o["state"] = s.state;
  o["protected"] = bool_of(s.body, "protected");
  o["state_detail"] = detail;
  json::array ips;
  for (auto& ip : server_ips(tx, s.id)) ips.push_back(render_server_ip(ip));
  o["public_ip"] = ips.empty() ? json::value(nullptr) : ips.front();
  o["public_ips"] = std::move(ips);
  o["mac_address"] = str_of(s.body, "mac_address");
  o["routed_ip_enabled"] = bool_of(s.body, "routed_ip_enabled", true);
  o["ipv6"] = nullptr;
  o["extra_networks"] = json::array{};
  o["dynamic_ip_required"] = bool_of(s.body, "dynamic_ip_required", true);
  o["enable_ipv6"] = bool_of(s.body, "enable_ipv6");
  o["private_ip"] = nullptr;
  o["creation_date"] = ts(s.created_at);
  o["modification_date"] = ts(s.updated_at);
  o["bootscript"] = nullptr;
  auto sg = value_of(s.body, "security_group");
  o["security_group"] = sg.is_object() ? sg : json::value(nullptr);
  o["location"] = value_of(s.body, "location");
  auto maint = value_of(s.body, "maintenances");
  o["maintenances"] = maint.is_array() ? maint : json::value(json::array{});
  o["allowed_actions"] = allowed_actions(s);
  json::value pg = nullptr;
  if (auto pid = str_of(s.body, "placement_group_id"); !pid.empty())
    if (auto p = placement_group_json(tx, ctx, pid)) pg = std::move(*p);
  o["placement_group"] = std::move(pg);
  o["private_nics"] = render_server_private_nics(tx, s);
  o["zone"] = s.locality;
  o["filesystems"] = render_filesystems(s, ctx.now(), filesystem_attach_time(ctx));
  const auto* type = find_server_type(s.locality, str_of(s.body, "commercial_type"));
  o["end_of_service"] = type ? type->end_of_service : false;
  o["dns"] = s.id + ".pub.instances.scw.cloud";
  // Shown once set, and always for Windows offers (which need it to encrypt the password).
  auto key = value_of(s.body, "admin_password_encryption_ssh_key_id");
  if (key.is_string() || str_of(s.body, "commercial_type").ends_with("-WIN"))
    o["admin_password_encryption_ssh_key_id"] = key;
  return o;
}

void register_servers(app::Registry& r) {
  const std::string base = "/instance/v1/zones/{zone}/servers";
  using app::Access;
  using app::body_ref;
  // What a server uses of other resources: its image and the snapshots its volumes start from
  // are copied (read); the volumes, IPs and groups it takes are changed (write). The SSH key
  // only encrypts the admin password (read).
  const app::Reference ssh_key = body_ref("admin_password_encryption_ssh_key_id", Access::kRead,
                                          {{"iam.ssh_key", "SSHKeys", "ssh_key"}});
  const app::Reference volumes =
      body_ref("volumes.*.id", Access::kWrite, {kVolumeRef, block::kVolumeRef});
  const app::Reference ips = body_ref("public_ips", Access::kWrite, {kIpRef});
  const app::Reference pg = body_ref("placement_group", Access::kWrite, {kPlacementGroupRef});
  r.add("POST", base, kWrite, create_server)
      .refs(
          {body_ref("image", Access::kRead, {kImageRef}), volumes,
           body_ref("volumes.*.base_snapshot", Access::kRead, {kSnapshotRef, block::kSnapshotRef}),
           body_ref("security_group", Access::kWrite, {kSecurityGroupRef}), pg,
           body_ref("public_ip", Access::kWrite, {kIpRef}), ips, ssh_key});
  // Filters of the (scoped) list.
  r.add("GET", base, kRead, list_servers)
      .not_refs({"private_network", "private_networks", "servers"});
  r.add("GET", base + "/{server_id}", kRead, get_server);
  r.add("PATCH", base + "/{server_id}", kWrite, update_server)
      .refs({volumes, ips, pg, body_ref("security_group.id", Access::kWrite, {kSecurityGroupRef}),
             ssh_key})
      .not_refs({"private_nics"});  // ignored: NICs are managed by their own routes
  // The PUT form only changes name, boot type, tags and flags; the rest is ignored.
  r.add("PUT", base + "/{id}", kWrite, set_server)
      .not_refs({"image", "placement_group", "security_group", "public_ip", "public_ips", "volumes",
                 "private_nics", "admin_password_encryption_ssh_key_id"});
  r.add("DELETE", base + "/{server_id}", kWrite, delete_server);
  r.add("POST", base + "/{server_id}/attach-volume", kWrite, attach_volume)
      .refs({body_ref("volume_id", Access::kWrite, {kVolumeRef, block::kVolumeRef})});
  r.add("POST", base + "/{server_id}/detach-volume", kWrite, detach_volume)
      .refs({body_ref("volume_id", Access::kWrite, {kVolumeRef, block::kVolumeRef})});
  r.add("GET", base + "/{server_id}/compatible-types", kRead, compatible_types);
}

}  // namespace scwd::products::instance::compute
