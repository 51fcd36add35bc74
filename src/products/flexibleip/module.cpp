// Flexible IP v1alpha1 (zonal): public IPv4 addresses and IPv6 /64 prefixes that move between
// Elastic Metal servers, and the virtual MAC addresses given to them (shared by a "MAC group"
// of IPs on one server).
#include <random>
#include <set>

#include "core/codec/validate.hpp"
#include "core/lifecycle/lifecycle.hpp"
#include "core/quota/quota.hpp"
#include "core/resource/named.hpp"
#include "core/resource/resource.hpp"
#include "core/util/dns.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "core/util/time.hpp"
#include "products/flexibleip/flexibleip.hpp"
#include "products/flexibleip/values.hpp"
#include "products/prelude.hpp"

namespace scwd::products::flexibleip {

namespace {

constexpr auto kFip = permissions("ElasticMetal", "flexible-ip");
constexpr app::RefKind kFipRef{kFlexibleIpKind, "ElasticMetal", "flexible-ip"};
// The resource name of not_found answers, as recorded.
constexpr std::string_view kResource = "flexible_ips";
// What a deleted flexible IP leaves: its address goes back to the platform's pool, and the real
// API then answers permissions_denied for its id (not not_found). Owned by no organization, so
// that it counts in no project and quota; its body names the organization it was released by.
constexpr std::string_view kReleasedKind = "flexibleip.released";

const quota::Quota kQuota{"flexible_ips", {kFlexibleIpKind}, 50};

// Realistic durations (scaled by --lifecycle-speed), as recorded: an attach (and a virtual MAC
// pushed to an attached IP) takes about 2 s, a detach about 5 s.
constexpr Micros kAttachAfter = 2'000'000;
constexpr Micros kDetachAfter = 5'000'000;

const std::string kBase = "/flexible-ip/v1alpha1/zones/{zone}/fips";

std::mt19937_64& rng() {
  thread_local std::mt19937_64 g{std::random_device{}()};
  return g;
}

std::string addr_key(std::string_view address) { return "addr/" + std::string(address); }

bool transient(const store::Record& r) { return r.state == "updating" || r.state == "detaching"; }

ApiError busy(const store::Record& r) {
  return ApiError::transient_state(kResource, r.id, r.state);
}

json::object* mac_of(store::Record& r) {
  auto* m = r.body.if_contains("mac");
  return m && m->is_object() ? &m->as_object() : nullptr;
}
const json::object* mac_of(const store::Record& r) {
  auto* m = r.body.if_contains("mac");
  return m && m->is_object() ? &m->as_object() : nullptr;
}

json::object render_mac(const json::object& m, std::string_view zone) {
  return {{"id", value_of(m, "id")},
          {"mac_address", value_of(m, "mac_address")},
          {"mac_type", value_of(m, "mac_type")},
          {"status", value_of(m, "status")},
          {"created_at", format_time(int_of(m, "created_at"))},
          {"updated_at", format_time(int_of(m, "updated_at"))},
          {"zone", zone}};
}

// The server shows once the IP is attached: while an attach runs, server_id is still null.
json::object render_fip(const store::Record& r) {
  bool attaching = r.state == "updating" && bool_of(r.body, "_attaching");
  auto* mac = mac_of(r);
  return {{"id", r.id},
          {"organization_id", r.organization_id},
          {"project_id", r.project_id},
          {"description", str_of(r.body, "description")},
          {"tags", strings_json(r.tags)},
          {"created_at", format_time(r.created_at)},
          {"updated_at", format_time(r.updated_at)},
          {"status", r.state},
          {"ip_address", str_of(r.body, "ip_address")},
          {"mac_address", mac ? json::value(render_mac(*mac, r.locality)) : json::value(nullptr)},
          {"server_id",
           r.parent_id.empty() || attaching ? json::value(nullptr) : json::value(r.parent_id)},
          {"reverse", str_of(r.body, "reverse")},
          {"zone", r.locality}};
}

json::object fip_list(const std::vector<store::Record>& fips) {
  json::array items;
  for (auto& r : fips) items.push_back(render_fip(r));
  return {{"total_count", fips.size()}, {"flexible_ips", std::move(items)}};
}

// Where a change ends: attached (a virtual MAC is then in use, or gone when it was being
// deleted) or ready (detached from its server).
void end_change(store::Record& r, std::string_view state, Micros at) {
  r.body.erase("_attaching");
  if (state == "ready") r.parent_id.clear();
  if (auto* m = mac_of(r)) {
    if (str_of(*m, "status") == "deleting") {
      r.body.erase("mac");
    } else {
      (*m)["status"] = state == "attached" ? "used" : "ready";
      (*m)["updated_at"] = at;
    }
  }
  r.updated_at = at;
}

void leave_released(store::Tx& tx, const store::Record& r, Micros at) {
  store::Record t{.kind = std::string(kReleasedKind),
                  .id = r.id,
                  .locality = r.locality,
                  .created_at = r.created_at,
                  .updated_at = at};
  t.body = {{"organization_id", r.organization_id},
            {"project_id", r.project_id},
            {"ip_address", str_of(r.body, "ip_address")},
            {"is_ipv6", bool_of(r.body, "is_ipv6")}};
  try {
    tx.insert(t);
  } catch (const store::DuplicateKey&) {  // released before: nothing more to remember
  }
}

// The platform hands a project back the address it released last in the zone (same id, address
// and creation date), as recorded; nullopt when it released none of that family.
std::optional<store::Record> take_released(store::Tx& tx, const store::Record& r, bool ipv6) {
  store::ListQuery q;
  q.kind = std::string(kReleasedKind);
  q.filters = {{Column::kLocality, Op::kEq, {r.locality}, {}, false},
               {Column::kBody, Op::kEq, {r.organization_id}, "organization_id", false},
               {Column::kBody, Op::kEq, {r.project_id}, "project_id", false},
               {Column::kBody, Op::kEq, {ipv6}, "is_ipv6", false}};
  q.order = {{Column::kUpdatedAt, true}};
  q.limit = 1;
  q.with_total = false;
  auto found = tx.list(q).items;
  if (found.empty()) return std::nullopt;
  tx.remove(kReleasedKind, found.front().id);
  return std::move(found.front());
}

void on_enter(store::Tx& tx, store::Record& r, const lifecycle::Step& step, Micros at) {
  if (step.state == lifecycle::kDeleted) {
    leave_released(tx, r, at);
  } else if (step.state == "attached" || step.state == "ready") {
    end_change(r, step.state, at);
  }
}

// permissions_denied for an id the caller's organization released in this zone.
std::optional<ApiError> released(const Context& ctx, store::Tx& tx, std::string_view id,
                                 bool write) {
  if (!is_uuid(id)) return std::nullopt;
  auto t = tx.get(kReleasedKind, to_lower(id));
  if (!t || t->locality != ctx.zone() ||
      str_of(t->body, "organization_id") != ctx.principal.organization_id)
    return std::nullopt;
  return ApiError::permissions_denied({{write ? "write" : "read", "flexible-ip"}});
}

// A flexible IP a body names, settled, in the caller's organization and the path's zone.
Result<store::Record> load_named(Context& ctx, store::Tx& tx, std::string_view id) {
  auto r = is_uuid(id) ? ctx.svc.lifecycle.load(tx, kFlexibleIpKind, to_lower(id)) : std::nullopt;
  if (!r || r->organization_id != ctx.principal.organization_id || r->locality != ctx.zone()) {
    if (auto e = released(ctx, tx, id, true)) return api::fail(*e);
    return api::fail(ApiError::not_found(kResource, id));
  }
  return std::move(*r);
}

// The server a body names, able to take flexible IPs (delivered, not going away).
Result<store::Record> usable_server(Context& ctx, store::Tx& tx, std::string_view id) {
  auto s = baremetal::find_server(tx, ctx, ctx.zone(), id);
  if (!s) return api::fail(ApiError::not_found("server", id));
  static const std::set<std::string, std::less<>> kBusy = {"ordered", "delivering", "deleting",
                                                           "migrating", "unknown"};
  if (kBusy.contains(s->state))
    return api::fail(ApiError::transient_state("server", s->id, s->state));
  return std::move(*s);
}

// Starts attaching r to `server`; the caller writes r.
void start_attach(Context& ctx, store::Record& r, const store::Record& server) {
  r.parent_id = server.id;
  r.body["_attaching"] = true;
  if (auto* m = mac_of(r)) (*m)["status"] = "updating";
  ctx.svc.lifecycle.start(r, ctx.now(), {{"updating", 0, ""}, {"attached", kAttachAfter, ""}});
}

// Pushes a change of virtual MAC to the server r is attached to; the caller writes r.
void push_mac(Context& ctx, store::Record& r) {
  if (r.state != "attached") return;
  if (auto* m = mac_of(r); m && str_of(*m, "status") != "deleting") (*m)["status"] = "updating";
  ctx.svc.lifecycle.start(r, ctx.now(), {{"updating", 0, ""}, {"attached", kAttachAfter, ""}});
}

std::optional<ApiError> check_reverse(const std::optional<std::string>& reverse) {
  if (reverse && !reverse->empty() && !is_domain_name(*reverse, false))
    return ApiError::constraint("reverse",
                                "reverse must be a domain name resolving to the flexible IP");
  return std::nullopt;
}

std::optional<ApiError> check_description(std::string_view d) {
  if (d.size() > 255)
    return ApiError::constraint("description", "description must be at most 255 bytes");
  return std::nullopt;
}

// --- create, update, delete ---

std::optional<ApiError> create_fip(Context& ctx, store::Tx& tx, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto description = b.str("description");
  auto tags = b.strings("tags");
  auto server_id = b.str("server_id");
  auto reverse = b.str("reverse");
  auto ipv6 = b.boolean("is_ipv6");
  if (auto e = b.error()) return e;
  if (auto e = check_description(description.value_or(""))) return e;
  if (auto e = check_reverse(reverse)) return e;
  std::optional<store::Record> server;
  if (server_id && !server_id->empty()) {
    auto s = usable_server(ctx, tx, *server_id);
    if (!s) return s.error();
    server = std::move(*s);
  }
  bool v6 = ipv6.value_or(false);
  std::string address;
  if (auto back = take_released(tx, r, v6)) {
    r.id = back->id;
    r.created_at = back->created_at;
    address = str_of(back->body, "ip_address");
  }
  if (address.empty() || tx.get_by_key(kFlexibleIpKind, addr_key(address))) {
    address = draw_address(ctx.zone(), v6, rng());
    for (int i = 0; i < 1000 && tx.get_by_key(kFlexibleIpKind, addr_key(address)); ++i)
      address = draw_address(ctx.zone(), v6, rng());
  }
  r.keys = {addr_key(address)};
  r.tags = tags.value_or(std::vector<std::string>{});
  r.body = {{"description", description.value_or("")},
            {"ip_address", address},
            {"is_ipv6", v6},
            {"reverse", reverse && !reverse->empty() ? *reverse : default_reverse(address)}};
  r.state = "ready";
  if (server) start_attach(ctx, r, *server);
  return std::nullopt;
}

// After the declared fields (description, tags): the reverse ("" restores the default).
std::optional<ApiError> update_fip(Context& ctx, store::Tx&, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto reverse = b.str("reverse");
  if (auto e = b.error()) return e;
  if (auto e = check_description(str_of(r.body, "description"))) return e;
  if (auto e = check_reverse(reverse)) return e;
  if (reverse)
    r.body["reverse"] =
        json::value(reverse->empty() ? default_reverse(str_of(r.body, "ip_address")) : *reverse);
  return std::nullopt;
}

// A detached IP goes at once; an attached one is detached first (204 either way, as recorded).
Result<Response> delete_fip(const resource::Spec& spec, Context& ctx) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = resource::load(ctx, tx, spec, true);
    if (!r) return api::fail(r.error());
    if (transient(*r)) return api::fail(busy(*r));
    if (r->parent_id.empty()) {
      tx.remove(r->kind, r->id);
      leave_released(tx, *r, ctx.now());
    } else {
      ctx.svc.lifecycle.start(
          *r, ctx.now(),
          {{"detaching", 0, ""}, {std::string(lifecycle::kDeleted), kDetachAfter, ""}});
      r->updated_at = ctx.now();
      tx.update(*r);
    }
    return Response::no_content();
  });
}

// --- attach, detach ---

// The distinct ids of `fips_ids`, each a UUID.
Result<std::vector<std::string>> read_fips_ids(const Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto ids = b.strings("fips_ids", true);
  if (auto e = b.error()) return api::fail(*e);
  if (ids->empty())
    return api::fail(
        ApiError::invalid_argument("fips_ids", ArgReason::kRequired, "at least one id is needed"));
  std::vector<std::string> out;
  for (auto& id : *ids) {
    if (!is_uuid(id))
      return api::fail(ApiError::constraint("fips_ids", "'" + id + "' is not a UUID"));
    auto lower = to_lower(id);
    if (std::find(out.begin(), out.end(), lower) == out.end()) out.push_back(lower);
  }
  return out;
}

// The named IPs, settled; they must form one MAC group (the same virtual MAC, or none at all)
// and none may be changing.
Result<std::vector<store::Record>> load_group(Context& ctx, store::Tx& tx,
                                              const std::vector<std::string>& ids) {
  std::vector<store::Record> fips;
  for (auto& id : ids) {
    auto r = load_named(ctx, tx, id);
    if (!r) return api::fail(r.error());
    fips.push_back(std::move(*r));
  }
  auto group = [](const store::Record& r) {
    auto* m = mac_of(r);
    return m ? str_of(*m, "id") : std::string();
  };
  for (auto& r : fips) {
    if (group(r) != group(fips.front()))
      return api::fail(
          ApiError::constraint("fips_ids", "flexible IPs must belong to the same MAC group"));
    if (transient(r)) return api::fail(busy(r));
  }
  return fips;
}

Result<Response> attach(Context& ctx) {
  auto ids = read_fips_ids(ctx);
  if (!ids) return api::fail(ids.error());
  codec::BodyReader b(ctx.body);
  auto server_id = b.str("server_id", true);
  if (auto e = b.error()) return api::fail(*e);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto server = usable_server(ctx, tx, *server_id);
    if (!server) return api::fail(server.error());
    auto fips = load_group(ctx, tx, *ids);
    if (!fips) return api::fail(fips.error());
    for (auto& r : *fips)
      if (!r.parent_id.empty() && r.parent_id != server->id)
        return api::fail(
            ApiError::constraint("fips_ids", "flexible IP " + r.id +
                                                 " is attached to another server; detach it "
                                                 "first"));
    for (auto& r : *fips) {
      if (!r.parent_id.empty()) continue;  // already on this server
      start_attach(ctx, r, *server);
      r.updated_at = ctx.now();
      tx.update(r);
    }
    return Response::json(200, fip_list(*fips));
  });
}

// Detached IPs are answered as they are (as recorded: detaching a ready IP is no error).
Result<Response> detach(Context& ctx) {
  auto ids = read_fips_ids(ctx);
  if (!ids) return api::fail(ids.error());
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto fips = load_group(ctx, tx, *ids);
    if (!fips) return api::fail(fips.error());
    for (auto& r : *fips) {
      if (r.parent_id.empty()) continue;
      ctx.svc.lifecycle.start(r, ctx.now(), {{"detaching", 0, ""}, {"ready", kDetachAfter, ""}});
      r.updated_at = ctx.now();
      tx.update(r);
    }
    return Response::json(200, fip_list(*fips));
  });
}

// --- virtual MAC addresses ---

std::optional<ApiError> no_mac_yet(const store::Record& r, std::string field) {
  if (mac_of(r))
    return ApiError::constraint(std::move(field),
                                "flexible IP " + r.id + " already has a virtual MAC address");
  return std::nullopt;
}

std::optional<ApiError> generate_mac(Context& ctx, store::Tx&, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto type = b.enumeration("mac_type", {"kvm", "vmware", "xen"}, true);
  if (auto e = b.error()) return e;
  if (transient(r)) return busy(r);
  if (auto e = no_mac_yet(r, "fip_id")) return e;
  auto now = ctx.now();
  r.body["mac"] = json::object{{"id", new_uuid()},  {"mac_address", draw_mac(*type, rng())},
                               {"mac_type", *type}, {"status", "ready"},
                               {"created_at", now}, {"updated_at", now}};
  push_mac(ctx, r);
  return std::nullopt;
}

// The IP of the path joins the MAC group of another IP on the same server.
std::optional<ApiError> duplicate_mac(Context& ctx, store::Tx& tx, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto from_id = b.uuid("duplicate_from_fip_id", true);
  if (auto e = b.error()) return e;
  if (transient(r)) return busy(r);
  auto from = load_named(ctx, tx, *from_id);
  if (!from) return from.error();
  if (from->id == r.id)
    return ApiError::constraint("duplicate_from_fip_id",
                                "a flexible IP cannot duplicate its own MAC");
  auto* m = mac_of(*from);
  if (!m)
    return ApiError::constraint("duplicate_from_fip_id",
                                "flexible IP " + from->id + " has no virtual MAC address");
  if (r.state != "attached" || r.parent_id != from->parent_id)
    return ApiError::constraint("duplicate_from_fip_id",
                                "both flexible IPs must be attached to the same server");
  if (auto e = no_mac_yet(r, "fip_id")) return e;
  auto copy = *m;
  copy["updated_at"] = ctx.now();
  r.body["mac"] = std::move(copy);
  push_mac(ctx, r);
  return std::nullopt;
}

// The MAC leaves the IP of the path for `dst_fip_id`; the answer is the destination.
Result<Response> move_mac(const resource::Spec& spec, Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto dst_id = b.uuid("dst_fip_id", true);
  if (auto e = b.error()) return api::fail(*e);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto src = resource::load(ctx, tx, spec, true);
    if (!src) return api::fail(src.error());
    auto dst = load_named(ctx, tx, *dst_id);
    if (!dst) return api::fail(dst.error());
    if (dst->id == src->id)
      return api::fail(
          ApiError::constraint("dst_fip_id", "the destination is the flexible IP itself"));
    if (transient(*src)) return api::fail(busy(*src));
    if (transient(*dst)) return api::fail(busy(*dst));
    auto* m = mac_of(*src);
    if (!m)
      return api::fail(
          ApiError::constraint("fip_id", "flexible IP " + src->id + " has no virtual MAC address"));
    if (auto e = no_mac_yet(*dst, "dst_fip_id")) return api::fail(*e);
    auto now = ctx.now();
    auto mac = *m;
    mac["status"] = "ready";
    mac["updated_at"] = now;
    src->body.erase("mac");
    src->updated_at = now;
    tx.update(*src);
    dst->body["mac"] = std::move(mac);
    dst->updated_at = now;
    push_mac(ctx, *dst);
    tx.update(*dst);
    return Response::json(200, resource::answer(ctx, tx, spec, *dst));
  });
}

// An attached IP's MAC is removed from its server first (deleting, then gone).
Result<Response> delete_mac(const resource::Spec& spec, Context& ctx) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = resource::load(ctx, tx, spec, true);
    if (!r) return api::fail(r.error());
    if (transient(*r)) return api::fail(busy(*r));
    auto* m = mac_of(*r);
    if (!m) return api::fail(ApiError::not_found("mac_address", r->id));
    if (r->state == "attached") {
      (*m)["status"] = "deleting";
      (*m)["updated_at"] = ctx.now();
      push_mac(ctx, *r);
    } else {
      r->body.erase("mac");
    }
    r->updated_at = ctx.now();
    tx.update(*r);
    return Response::no_content();
  });
}

// --- the resource ---

std::optional<ApiError> status_filter(const Context& ctx, store::ListQuery& q) {
  auto states = ctx.query_all("status", true);
  if (!states.empty()) q.filters.push_back({Column::kState, Op::kIn, states, {}, false});
  return std::nullopt;
}

std::shared_ptr<const resource::Spec> fip_spec() {
  resource::Spec s;
  s.id_param = "fip_id";
  s.list_key = "flexible_ips";
  s = resource::named(kFlexibleIpKind, std::string(kResource), kBase, kFip.read, kFip.write,
                      std::move(s));
  s.missing_stored = released;
  s.render = [](const resource::View&, const store::Record& r) { return render_fip(r); };
  s.default_page_size = 50;
  s.filters = {resource::custom("status", status_filter),
               resource::uuids("server_ids", Column::kParent)};
  s.list_refs.not_refs = {"server_ids"};  // a filter of the (scoped) list
  s.create = create_fip;
  s.organization_field = {};  // a flexible IP names its project only
  s.quota = kQuota;
  s.create_refs.refs = {app::body_ref("server_id", Access::kWrite, {baremetal::kServerRef})};
  s.patch = {{"description", resource::PatchField::As::kString},
             {"tags", resource::PatchField::As::kTags}};
  s.update = update_fip;
  s.deletable = false;  // delete_fip: an attached IP is detached first
  s.actions = {
      {"POST", "mac", generate_mac},
      {"POST",
       "mac/duplicate",
       duplicate_mac,
       {{app::body_ref("duplicate_from_fip_id", Access::kWrite, {kFipRef})}}},
  };
  return std::make_shared<const resource::Spec>(std::move(s));
}

class Attachments final : public baremetal::ServerAttachments {
 public:
  // The server is gone: its IPs are detached at once (one being deleted goes now).
  void release_server(store::Tx& tx, const store::Record& server, Micros now) const override {
    store::ListQuery q;
    q.kind = std::string(kFlexibleIpKind);
    q.filters = {{Column::kOrganization, Op::kEq, {server.organization_id}, {}, false},
                 {Column::kParent, Op::kEq, {server.id}, {}, false}};
    q.with_total = false;
    for (auto& r : tx.list(q).items) {
      bool deleting = lifecycle::Engine::target(r) == lifecycle::kDeleted;
      lifecycle::Engine::cancel(r);
      if (deleting) {
        tx.remove(r.kind, r.id);
        leave_released(tx, r, now);
        continue;
      }
      r.state = "ready";
      end_change(r, "ready", now);
      tx.update(r);
    }
  }
};

class FlexibleIpModule final : public app::Module {
 public:
  std::string_view name() const override { return "flexibleip"; }
  void register_routes(app::Registry& r, app::Services& svc) override {
    svc.lifecycle.on_enter(std::string(kFlexibleIpKind), on_enter);
    declare_meters();
    auto spec = fip_spec();
    resource::add_resource(r, spec);
    auto with = [spec](Result<Response> (*fn)(const resource::Spec&, Context&)) {
      return [spec, fn](Context& ctx) { return fn(*spec, ctx); };
    };
    const auto fips = app::body_ref("fips_ids", Access::kWrite, {kFipRef});
    r.add("POST", kBase + "/attach", kFip.write, attach)
        .refs({fips, app::body_ref("server_id", Access::kWrite, {baremetal::kServerRef})});
    r.add("POST", kBase + "/detach", kFip.write, detach).refs({fips});
    r.add("DELETE", kBase + "/{fip_id}", kFip.write, with(delete_fip));
    r.add("POST", kBase + "/{fip_id}/mac/move", kFip.write, with(move_mac))
        .refs({app::body_ref("dst_fip_id", Access::kWrite, {kFipRef})});
    r.add("DELETE", kBase + "/{fip_id}/mac", kFip.write, with(delete_mac));
  }
};

}  // namespace

const baremetal::ServerAttachments& server_attachments() {
  static const Attachments attachments;
  return attachments;
}

std::unique_ptr<app::Module> make_module() { return std::make_unique<FlexibleIpModule>(); }

}  // namespace scwd::products::flexibleip
