// Attach / detach File Storage filesystems to a server (attach-filesystem, detach-filesystem).
// scwd does not emulate the File Storage API, so any filesystem UUID is accepted. An entry is
// stored as {filesystem_id, attached_at, detach_at?}; its state is derived from the clock when
// rendered: "attaching" for the first seconds, then "available"; "detaching" until detach_at,
// then the entry is gone (and pruned at the next write).
#include <boost/json.hpp>

#include "core/codec/validate.hpp"
#include "products/instance/compute.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance::compute {

namespace {

constexpr std::string_view kResource = "instance_server";
constexpr Micros kAttachTime = 5 * kSecond;
constexpr Micros kDetachTime = 5 * kSecond;

// Entries still present at `now` (detached ones dropped).
json::array live_entries(const store::Record& s, Micros now) {
  json::array out;
  auto fs = value_of(s.body, "filesystems");
  if (!fs.is_array()) return out;
  for (auto& e : fs.as_array()) {
    if (!e.is_object()) continue;
    auto& o = e.as_object();
    if (!o.contains("attached_at")) continue;  // legacy shape: ignore
    if (auto d = o.find("detach_at");
        d != o.end() && d->value().is_int64() && d->value().as_int64() <= now)
      continue;
    out.push_back(e);
  }
  return out;
}

std::int64_t max_filesystems(const store::Record& s) {
  const auto* type = find_server_type(s.locality, str_of(s.body, "commercial_type"));
  if (!type) return 0;
  auto caps = type->json.find("capabilities");
  if (caps == type->json.end() || !caps->value().is_object()) return 0;
  return int_of(caps->value().as_object(), "max_file_systems", 0);
}

Result<Response> change(Context& ctx, bool attach) {
  auto id = path_id(ctx, "server_id");
  if (!id) return api::fail(id.error());
  codec::BodyReader b(ctx.body);
  auto fid = b.str("filesystem_id", true);
  if (auto e = b.error()) return api::fail(*e);
  auto f = uuid_arg(*fid, "filesystem_id");
  if (!f) return api::fail(f.error());
  auto now = ctx.now();
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = load(tx, ctx, kServerKind, *id, kResource);
    if (!s) return api::fail(s.error());
    auto entries = live_entries(*s, now);
    json::object* found = nullptr;
    for (auto& e : entries)
      if (str_of(e.as_object(), "filesystem_id") == *f) found = &e.as_object();
    if (attach) {
      if (found)
        return api::fail(
            ApiError::invalid_argument("filesystem_id", ArgReason::kConstraint,
                                       "filesystem " + *f + " is already attached to this server"));
      auto max = max_filesystems(*s);
      if (static_cast<std::int64_t>(entries.size()) >= max)
        return api::fail(ApiError::invalid_argument(
            "filesystem_id", ArgReason::kConstraint,
            "commercial type " + str_of(s->body, "commercial_type") + " accepts at most " +
                std::to_string(max) + " filesystem(s)"));
      entries.push_back(json::object{{"filesystem_id", *f}, {"attached_at", now}});
    } else {
      if (!found || found->contains("detach_at"))
        return api::fail(ApiError::not_found("instance_filesystem", *f));
      (*found)["detach_at"] = now + ctx.svc.lifecycle.scale(kDetachTime);
    }
    s->body["filesystems"] = std::move(entries);
    s->updated_at = now;
    tx.update(*s);
    return Response::json(200, json::object{{"server", render_server(tx, ctx, *s)}});
  });
}

}  // namespace

json::array render_filesystems(const store::Record& s, Micros now, Micros attach_time) {
  json::array out;
  for (auto& e : live_entries(s, now)) {
    auto& o = e.as_object();
    std::string state = "available";
    if (o.contains("detach_at"))
      state = "detaching";
    else if (int_of(o, "attached_at") + attach_time > now)
      state = "attaching";
    out.push_back(json::object{{"filesystem_id", str_of(o, "filesystem_id")}, {"state", state}});
  }
  return out;
}

void register_filesystems(app::Registry& r) {
  std::string base = "/instance/v1/zones/{zone}/servers/{server_id}";
  // File Storage is not served: a filesystem is no record that could be authorized.
  r.add("POST", base + "/attach-filesystem", kWrite, [](Context& ctx) {
     return change(ctx, true);
   }).not_refs({"filesystem_id"});
  r.add("POST", base + "/detach-filesystem", kWrite, [](Context& ctx) {
     return change(ctx, false);
   }).not_refs({"filesystem_id"});
}

Micros filesystem_attach_time(const app::Context& ctx) {
  return ctx.svc.lifecycle.scale(kAttachTime);
}

}  // namespace scwd::products::instance::compute
