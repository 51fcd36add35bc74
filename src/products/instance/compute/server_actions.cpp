// Server actions (poweron, poweroff, stop_in_place, reboot, terminate, backup,
// enable_routed_ip) and the server state machine: every transition is a lifecycle plan whose
// steps carry the state_detail; side effects (location, dynamic IP, terminate clean-up) run in
// the hook when a step is entered.
#include <algorithm>
#include <boost/json.hpp>
#include <ctime>
#include <random>

#include "core/codec/validate.hpp"
#include "core/util/ids.hpp"
#include "products/block/block.hpp"
#include "products/instance/compute/compute.hpp"
#include "products/instance/private_nics.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance::compute {

using lifecycle::Step;

namespace {

constexpr std::string_view kResource = "instance_server";
constexpr std::string_view kDetail = "state_detail";

// Realistic durations of the transitions.
const std::vector<Step> kPowerOn = {{"starting", 0, "allocating node"},
                                    {"starting", 4 * kSecond, "provisioning node"},
                                    {"running", 8 * kSecond, "booting kernel"}};
const std::vector<Step> kResume = {{"starting", 0, "stopped in place"},
                                   {"running", 6 * kSecond, "booting kernel"}};
const std::vector<Step> kPowerOff = {{"stopping", 0, "stopping"}, {"stopped", 10 * kSecond, ""}};
const std::vector<Step> kStopInPlace = {{"stopping", 0, "stopping in place"},
                                        {"stopped in place", 8 * kSecond, "stopped in place"}};
const std::vector<Step> kReboot = {{"stopping", 0, "rebooting"},
                                   {"starting", 4 * kSecond, "rebooting"},
                                   {"running", 6 * kSecond, "booting kernel"}};
const std::vector<Step> kTerminate = {{"stopping", 0, "terminating"},
                                      {std::string(lifecycle::kDeleted), 8 * kSecond, ""}};

json::object location_for(const store::Record& s) {
  // A stable placement derived from the server id.
  auto h = std::hash<std::string>{}(s.id);
  return json::object{{"zone_id", s.locality},
                      {"platform_id", std::to_string(10 + h % 8)},
                      {"cluster_id", std::to_string(1 + (h >> 8) % 80)},
                      {"hypervisor_id", std::to_string(100 + (h >> 16) % 500)},
                      {"node_id", std::to_string(1 + (h >> 24) % 80)}};
}

bool allowed(const store::Record& s, std::string_view action) {
  for (auto& a : allowed_actions(s))
    if (a.as_string() == action) return true;
  return false;
}

ApiError wrong_state(const store::Record& s, std::string_view action) {
  if (s.state == "starting" || s.state == "stopping")
    return ApiError::transient_state(kResource, s.id, s.state);
  std::string need = action == "poweron" ? "stopped" : "running";
  return ApiError::legacy_invalid_request("server should be " + need +
                                          " (current state: " + s.state + "; action " +
                                          std::string(action) + " is not allowed)");
}

std::string backup_default_name(const store::Record& s, Micros now) {
  std::time_t t = static_cast<std::time_t>(now / 1'000'000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d_%H-%M", &tm);
  return "image_" + s.name + "_" + buf;
}

// backup: one snapshot per volume (scratch excepted, or the volumes listed in the request), and
// an image "creating" until they are all done.
Result<std::string> backup(store::Tx& tx, const Context& ctx, const store::Record& s,
                           const std::optional<std::string>& name, const json::object* only,
                           Micros now) {
  app::Owner owner{s.organization_id, s.project_id};
  std::string image_name = name && !name->empty() ? *name : backup_default_name(s, now);
  std::vector<json::object> refs;
  Micros done_at = now;
  auto slots = server_slots(s);
  if (only)
    for (auto& kv : *only) {
      bool found = std::any_of(slots.begin(), slots.end(), [&](auto& e) {
        return str_of(e.second, "id") == to_lower(kv.key());
      });
      if (!found)
        return api::fail(ApiError::constraint(
            "volumes", "volume " + std::string(kv.key()) + " is not attached to this server"));
    }
  for (auto& [key, slot] : slots) {
    auto id = str_of(slot, "id");
    auto type = str_of(slot, "volume_type");
    if (only && !only->contains(id)) continue;
    if (type == "scratch") {
      if (only)
        return api::fail(ApiError::constraint("volumes", "scratch volumes cannot be snapshotted"));
      continue;
    }
    std::string snap_name = image_name + "_snap_" + std::to_string(refs.size());
    if (type == "l_ssd") {
      auto v = tx.get(kVolumeKind, id);
      if (!v) continue;
      auto snap = snapshot_volume(tx, ctx, owner, *v, snap_name, {}, now);
      if (!snap) return api::fail(snap.error());
      if (snap->due_at) done_at = std::max(done_at, *snap->due_at);
      refs.push_back(json::object{{"id", snap->id},
                                  {"name", snap->name},
                                  {"volume_type", "l_ssd"},
                                  {"size", int_of(snap->body, "size")}});
    } else {
      auto v = block::find_volume(tx, ctx.zone(), id);
      if (!v) continue;
      auto snap = block::create_snapshot(tx, ctx, *v, snap_name, now);
      if (!snap) return api::fail(snap.error());
      if (snap->due_at) done_at = std::max(done_at, *snap->due_at);
      refs.push_back(json::object{
          {"volume_type", "sbs_snapshot"}, {"id", snap->id}, {"size", 0}, {"name", ""}});
    }
  }
  if (refs.empty())
    return api::fail(ApiError::constraint("volumes", "the server has no volume to back up"));
  json::object extra;
  for (std::size_t i = 1; i < refs.size(); ++i) extra[std::to_string(i)] = refs[i];
  auto img = insert_image(tx, ctx, owner, image_name, str_of(s.body, "arch", "x86_64"), refs[0],
                          std::move(extra), s.id, false, {}, now);
  if (!img) return api::fail(img.error());
  if (auto e = link_image_snapshots(tx, *img, true, now)) return api::fail(*e);
  // The image is ready a moment after its last snapshot.
  Micros after = std::max<Micros>(done_at - now, 0) + 2 * kSecond;
  ctx.svc.lifecycle.start(*img, now, {{"creating", 0, {}}, {"available", after, {}}});
  tx.update(*img);
  return img->id;
}

Result<Response> server_action(Context& ctx) {
  if (auto id = resource::path_id(ctx, server_spec()); !id) return api::fail(id.error());
  codec::BodyReader b(ctx.body);
  auto action = b.enumeration("action", {"poweron", "backup", "stop_in_place", "poweroff",
                                         "terminate", "reboot", "enable_routed_ip"});
  auto name = b.str("name");
  auto* volumes = b.object("volumes");
  b.boolean("disable_ipv6");
  if (auto e = b.error()) return api::fail(*e);
  std::string act = action.value_or("poweron");
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = resource::load(ctx, tx, server_spec(), true);
    if (!s) return api::fail(s.error());
    std::string href_result = "/servers/" + s->id;
    std::string description;
    auto& engine = ctx.svc.lifecycle;
    if (act == "enable_routed_ip") {
      s->body["routed_ip_enabled"] = true;
      description = "server_enable_routed_ip";
    } else if (act == "backup") {
      if (!allowed(*s, act)) return api::fail(wrong_state(*s, act));
      auto img = backup(tx, ctx, *s, name, volumes, now);
      if (!img) return api::fail(img.error());
      href_result = "/images/" + *img;
      description = "instance_backup";
    } else {
      if (!allowed(*s, act)) return api::fail(wrong_state(*s, act));
      if (act == "terminate" && bool_of(s->body, "protected"))
        return api::fail(ApiError::precondition_failed(
            "protected_resource", "the server is protected; set protected to false first"));
      if (act == "poweron") {
        engine.start(*s, now, s->state == "stopped in place" ? kResume : kPowerOn, kDetail);
        description = "server_batch_poweron";
      } else if (act == "poweroff") {
        engine.start(*s, now, kPowerOff, kDetail);
        description = "server_poweroff";
      } else if (act == "stop_in_place") {
        engine.start(*s, now, kStopInPlace, kDetail);
        description = "server_stop_in_place";
      } else if (act == "reboot") {
        engine.start(*s, now, kReboot, kDetail);
        description = "server_reboot";
      } else if (act == "terminate") {
        engine.start(*s, now, kTerminate, kDetail);
        description = "server_terminate";
      }
    }
    s->updated_at = now;
    tx.update(*s);
    auto task = task_json(ctx, description, "/servers/" + s->id + "/action", href_result, now);
    auto res = Response::json(202, json::object{{"task", task}});
    res.with_header("Location", ctx.url("/instance/v1/zones/" + std::string(ctx.zone()) +
                                        "/tasks/" + std::string(task["id"].as_string())));
    return res;
  });
}

Result<Response> list_actions(Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto s = resource::load(ctx, *tx, server_spec());
  if (!s) return api::fail(s.error());
  return Response::json(200, json::object{{"actions", allowed_actions(*s)}});
}

// The dynamic IP appears when the server runs and needs one (no flexible IPv4).
void ensure_dynamic_ip(store::Tx& tx, const store::Record& s, Micros at) {
  if (!bool_of(s.body, "dynamic_ip_required", true)) return;
  for (auto& ip : server_ips(tx, s.id)) {
    if (bool_of(ip.body, "dynamic")) return;
    if (str_of(ip.body, "type", "routed_ipv4") == "routed_ipv4") return;
  }
  allocate_dynamic_ip(tx, s, at);
}

// terminate: local volumes are deleted, SBS volumes and flexible IPs detached.
void terminate_cleanup(store::Tx& tx, const store::Record& s, Micros at) {
  for (auto& [key, slot] : server_slots(s)) {
    auto id = str_of(slot, "id");
    auto type = str_of(slot, "volume_type");
    if (type == "l_ssd" || type == "scratch")
      tx.remove(kVolumeKind, id);
    else
      block::detach(tx, s.locality, id, s.id, at);
  }
  release_server_ips(tx, s, at, true);
  remove_server_private_nics(tx, s, at);
  delete_user_data(tx, s.id);
}

}  // namespace

void on_server_enter(store::Tx& tx, store::Record& r, const Step& step, Micros at) {
  if (step.state == lifecycle::kDeleted) {
    terminate_cleanup(tx, r, at);
    return;
  }
  // Allocation honours the placement group's policy (a shared or a distinct hypervisor).
  auto place = [&] {
    auto loc = location_for(r);
    place_in_group(tx, r, loc);
    r.body["location"] = std::move(loc);
  };
  if (step.state == "starting" && step.detail == "provisioning node") {
    place();
  } else if (step.state == "running") {
    if (!r.body["location"].is_object()) place();
    ensure_dynamic_ip(tx, r, at);
  } else if (step.state == "stopped") {
    r.body["location"] = nullptr;
    release_server_ips(tx, r, at, false);
  }
}

void register_actions(app::Registry& r) {
  const std::string base = "/instance/v1/zones/{zone}/servers/{server_id}/action";
  r.add("POST", base, kWrite, server_action)
      .not_refs({"volumes"});  // keyed by the server's own volumes (backup settings)
  r.add("GET", base, kRead, list_actions);
}

}  // namespace scwd::products::instance::compute
