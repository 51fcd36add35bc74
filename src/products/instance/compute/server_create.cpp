// Instance server create: the image (by id or label), the root and extra volumes (existing,
// from snapshots, or new local / Block ones) fitting the commercial type, the security and
// placement groups, the flexible IPs. Explicit rather than a Spec create step: the volumes and
// IPs are attached to the inserted server.
#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <random>

#include "core/codec/validate.hpp"
#include "core/util/ids.hpp"
#include "products/block/block.hpp"
#include "products/instance/compute/compute.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance::compute {

namespace {

std::string mac_address() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> byte(0, 255);
  char buf[24];
  std::snprintf(buf, sizeof buf, "de:00:00:%02x:%02x:%02x", byte(rng), byte(rng), byte(rng));
  return buf;
}

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
        return api::fail(ApiError::constraint("volumes." + std::string(kv.key()),
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

}  // namespace

Result<Response> create_server(Context& ctx) {
  auto in = read_create(ctx);
  if (!in) return api::fail(in.error());
  const auto* type = find_server_type(ctx.zone(), in->commercial_type);
  if (!type)
    return api::fail(ApiError::constraint(
        "commercial_type", "commercial type \"" + in->commercial_type +
                               "\" is not available in zone " + std::string(ctx.zone())));
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto owner = owner_of(ctx, tx, ctx.body);
    if (!owner) return api::fail(owner.error());
    if (auto e = quota::check(tx, ctx.svc.config, kServerQuota, owner->organization_id))
      return api::fail(*e);

    // The image, by id or by label.
    std::optional<ImageView> image;
    if (in->image) {
      if (is_uuid(*in->image)) {
        image = find_image(tx, ctx, *in->image);
      } else if (auto* li = catalogue::resolve_label(
                     *in->image, ctx.zone(), type->arch,
                     type->local_max > 0 ? std::string_view{} : std::string_view{"instance_sbs"})) {
        image = find_image(tx, ctx, li->id);
      }
      if (!image) return api::fail(ApiError::not_found("instance_image", *in->image));
      if (image->arch != type->arch)
        return api::fail(ApiError::constraint("image", "image architecture " + image->arch +
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
            return api::fail(ApiError::constraint(
                arg + ".volume_type", "a volume made from an l_ssd snapshot must be l_ssd"));
          if (s->state != "available")
            return api::fail(ApiError::transient_state("instance_snapshot", s->id, s->state));
          p.type = "l_ssd";
          p.size = std::max(size, int_of(s->body, "size"));
          p.local_snapshot_rec = std::move(*s);
        } else if (auto bs = block::find_snapshot(tx, ctx.zone(), *bid);
                   bs && bs->organization_id == ctx.principal.organization_id) {
          if (!vtype.empty() && vtype != "sbs_volume")
            return api::fail(ApiError::constraint(
                arg + ".volume_type", "a volume made from a Block snapshot must be sbs_volume"));
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
          return api::fail(ApiError::constraint(arg + ".volume_type",
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
            return api::fail(ApiError::constraint(
                want.empty() ? "image" : "volumes.0.volume_type",
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
            return api::fail(
                ApiError::constraint("volumes.0.volume_type",
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
          return api::fail(ApiError::constraint("volumes." + p.key + ".size",
                                                "l_ssd volumes must be at least 1 GB"));
      } else if (p.type == "scratch") {
        scratch += size;
      }
      if (!p.existing && p.min_size > 0 && !p.auto_size && p.size < p.min_size)
        return api::fail(
            ApiError::constraint("volumes." + p.key + ".size",
                                 "the root volume must be at least as large as the image (" +
                                     std::to_string(p.min_size) + " bytes)"));
    }
    if (auto_root) {
      auto_root->size = type->local_max - fixed_local;
      if (auto_root->size < auto_root->min_size || auto_root->size < 1 * kGB)
        return api::fail(ApiError::constraint(
            "volumes", "the image needs " + std::to_string(auto_root->min_size) +
                           " bytes of local storage; commercial type " + type->name + " has " +
                           std::to_string(type->local_max - fixed_local) + " left"));
    }
    LocalTotals totals{fixed_local + (auto_root ? auto_root->size : 0), scratch, l_ssd_count};
    if (auto e = check_local_fit(*type, totals, "volumes")) return api::fail(*e);
    if (scratch > 0 && type->scratch_max == 0)
      return api::fail(ApiError::constraint(
          "volumes", "commercial type " + type->name + " has no scratch storage"));

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
        return api::fail(ApiError::constraint("placement_group", "not a valid value"));
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
    auto res = Response::json(201, resource::answer(ctx, tx, server_spec(), s));
    res.with_header("Location", ctx.url(ctx.req.path + "/" + s.id));
    return res;
  });
}

}  // namespace scwd::products::instance::compute
