// Attach / detach File Storage filesystems to a server (record actions attach-filesystem,
// detach-filesystem of the server kind).
// scwd does not emulate the File Storage API, so any filesystem UUID is accepted. An entry is
// stored as {filesystem_id, attached_at, detach_at?}; its state is derived from the clock when
// rendered: "attaching" for the first seconds, then "available"; "detaching" until detach_at,
// then the entry is gone (and pruned at the next write).
#include <boost/json.hpp>

#include "core/codec/validate.hpp"
#include "products/instance/compute/compute.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance::compute {

namespace {

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

std::optional<ApiError> change(Context& ctx, store::Record& s, bool attach) {
  codec::BodyReader b(ctx.body);
  auto fid = b.str("filesystem_id", true);
  if (auto e = b.error()) return e;
  auto f = uuid_arg(*fid, "filesystem_id");
  if (!f) return f.error();
  auto now = ctx.now();
  auto entries = live_entries(s, now);
  json::object* found = nullptr;
  for (auto& e : entries)
    if (str_of(e.as_object(), "filesystem_id") == *f) found = &e.as_object();
  if (attach) {
    if (found)
      return ApiError::constraint("filesystem_id",
                                  "filesystem " + *f + " is already attached to this server");
    auto max = max_filesystems(s);
    if (static_cast<std::int64_t>(entries.size()) >= max)
      return ApiError::constraint("filesystem_id",
                                  "commercial type " + str_of(s.body, "commercial_type") +
                                      " accepts at most " + std::to_string(max) + " filesystem(s)");
    entries.push_back(json::object{{"filesystem_id", *f}, {"attached_at", now}});
  } else {
    if (!found || found->contains("detach_at"))
      return ApiError::not_found("instance_filesystem", *f);
    (*found)["detach_at"] = now + ctx.svc.lifecycle.scale(kDetachTime);
  }
  s.body["filesystems"] = std::move(entries);
  return std::nullopt;
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

std::optional<ApiError> attach_filesystem(Context& ctx, store::Tx&, store::Record& s) {
  return change(ctx, s, true);
}

std::optional<ApiError> detach_filesystem(Context& ctx, store::Tx&, store::Record& s) {
  return change(ctx, s, false);
}

Micros filesystem_attach_time(const app::Context& ctx) {
  return ctx.svc.lifecycle.scale(kAttachTime);
}

}  // namespace scwd::products::instance::compute
