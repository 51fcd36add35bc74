// Elastic Metal servers on VPC Private Networks, served by /baremetal/v1 and /baremetal/v3 over
// the same records (v3 adds the IPAM ids):
//   POST   .../servers/{server_id}/private-networks          attach one Private Network
//   PUT    .../servers/{server_id}/private-networks          the full set the server is on
//   GET    .../server-private-networks                       list
//   DELETE .../servers/{server_id}/private-networks/{pn_id}  detach (204)
// An attachment books its IPAM addresses (one IPv4 and, when the network has IPv6, one IPv6, as
// recorded) or takes those the caller booked, under it (resource type baremetal_private_nic, the
// server's hardware MAC and name), and a VLAN of its own on the server; it is "attaching" for a
// moment, then "attached". Detaching gives the addresses back at once (the recordings show an empty
// ipam_ip_ids while "detaching") and the attachment is gone a moment later.
#include "products/baremetal/private_networks.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <random>
#include <set>

#include "core/codec/validate.hpp"
#include "core/paging/paging.hpp"
#include "core/resource/records.hpp"
#include "core/resource/resource.hpp"
#include "core/router/locality.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/baremetal/common.hpp"
#include "products/baremetal/servers.hpp"
#include "products/ipam/ipam.hpp"
#include "products/prelude.hpp"
#include "products/vpc/vpc.hpp"

namespace scwd::products::baremetal {

namespace {

constexpr auto kPerms = permissions("ElasticMetal", "server_private_network");
constexpr std::string_view kIpamResourceType = "baremetal_private_nic";
// The recordings show "attaching" for a poll or two and "detaching" for one.
constexpr Micros kAttachTime = kSecond;
constexpr Micros kDetachTime = kSecond;
// VLAN ids seen in the recordings range from 1745 to 3068.
constexpr std::int64_t kVlanMin = 1024;
constexpr std::int64_t kVlanMax = 4000;

enum class Version { kV1, kV3 };

std::string region_of(std::string_view zone) { return std::string(locality::region_of_zone(zone)); }

std::string key_of(std::string_view server_id, std::string_view pn_id) {
  return std::string(server_id) + "/" + std::string(pn_id);
}

std::string pn_of(const store::Record& a) { return str_of(a.body, "private_network_id"); }

json::object render(const store::Record& a, Version v) {
  std::string status = a.state;
  if (status.empty()) status = v == Version::kV1 ? "unknown" : "unknown_status";
  json::object o{{"id", a.id},
                 {"project_id", a.project_id},
                 {"server_id", a.parent_id},
                 {"private_network_id", pn_of(a)},
                 {"vlan", int_of(a.body, "vlan")},
                 {"status", status},
                 {"created_at", format_time(a.created_at)},
                 {"updated_at", format_time(a.updated_at)}};
  if (v == Version::kV3) o["ipam_ip_ids"] = json::value_from(ipam::Held::of(a.body).ip_ids);
  return o;
}

// The attachments of a server, oldest first ("detaching" ones included).
std::vector<store::Record> attachments_of(store::Tx& tx, std::string_view server_id) {
  store::ListQuery q;
  q.kind = std::string(kServerPrivateNetworkKind);
  q.filters.push_back({Column::kParent, Op::kEq, {std::string(server_id)}, {}, false});
  q.order.push_back({Column::kCreatedAt, false, {}});
  q.with_total = false;
  return tx.list(q).items;
}

bool leaving(const store::Record& a) { return a.state == "detaching"; }

// The attachment of the server to `pn_id` that is not on its way out.
std::optional<store::Record> current(const std::vector<store::Record>& all,
                                     std::string_view pn_id) {
  for (auto& a : all)
    if (!leaving(a) && pn_of(a) == pn_id) return a;
  return std::nullopt;
}

// A VLAN id the server's other attachments do not use.
std::int64_t free_vlan(const std::vector<store::Record>& all) {
  std::set<std::int64_t> used;
  for (auto& a : all) used.insert(int_of(a.body, "vlan"));
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<std::int64_t> pick(kVlanMin, kVlanMax);
  for (;;)
    if (auto v = pick(rng); !used.contains(v)) return v;
}

ipam::Resource ipam_resource(const store::Record& server, std::string_view attachment_id) {
  return {std::string(kIpamResourceType), std::string(attachment_id), hardware_mac(server),
          server.name};
}

// The caller's server of the path, with the Private Network option it needs to join one.
Result<store::Record> load_server(store::Tx& tx, const Context& ctx, bool to_attach) {
  auto s = find_server(tx, ctx, ctx.zone(), ctx.param("server_id"));
  if (!s) return api::fail(not_found());
  if (auto e = ctx.authorize_project(s->project_id)) return api::fail(*e);
  // Its networks were let go of when its deletion began: nothing may join them again.
  if (to_attach && s->state == "deleting")
    return api::fail(message(409, "server is being deleted"));
  // Every recorded attachment follows the option's activation (the option may still be
  // enabling); the platform's answer without it was not recorded.
  if (to_attach && !has_private_network_option(*s))
    return api::fail(
        message(412, "the Private Network option must be enabled on the server first"));
  return std::move(*s);
}

// Attaches `server` to the Private Network `pn_id` with the IPAM addresses `ip_ids` (none: one
// of each family is booked). `all`: the server's attachments, which the new one joins.
Result<store::Record> attach(store::Tx& tx, const Context& ctx, const store::Record& server,
                             std::vector<store::Record>& all, std::string_view pn_id,
                             const std::vector<std::string>& ip_ids, Micros now) {
  auto pn = vpc::find_private_network(tx, ctx, region_of(server.locality), pn_id);
  if (!pn) return api::fail(pn.error());
  if (current(all, pn->id))
    return api::fail(message(409, "server is already attached to private network " + pn->id));
  auto a = resource::new_child(kServerPrivateNetworkKind, server, now);
  a.keys = {key_of(server.id, pn->id)};
  a.body = json::object{{"private_network_id", pn->id}, {"vlan", free_vlan(all)}};
  auto held = ipam::take(tx, ctx, *pn, ip_ids, ipam_resource(server, a.id), now, "ipam_ip_ids");
  if (!held) return api::fail(held.error());
  held->store_in(a.body);
  ctx.svc.lifecycle.start(a, now, {{"attaching", 0, {}}, {"attached", kAttachTime, {}}});
  try {
    tx.insert(a);
  } catch (const store::DuplicateKey&) {
    return api::fail(message(409, "server is already attached to private network " + pn->id));
  }
  all.push_back(a);
  return a;
}

// Gives the attachment's addresses back and starts its departure.
void detach(store::Tx& tx, const Context& ctx, store::Record& a, Micros now) {
  ipam::give_back(tx, region_of(a.locality), ipam::Held::of(a.body), now);
  ipam::Held{}.store_in(a.body);
  a.keys.clear();  // the server may join the same network again at once
  lifecycle::Engine::cancel(a);
  ctx.svc.lifecycle.start(
      a, now, {{"detaching", 0, {}}, {std::string(lifecycle::kDeleted), kDetachTime, {}}});
  tx.update(a);
}

// A v3 PUT naming the IPAM addresses of an attachment that already exists: those added are
// attached, those left out are given back (released when the attachment booked them).
std::optional<ApiError> readdress(store::Tx& tx, const store::Record& server, store::Record& a,
                                  const std::vector<std::string>& wanted, Micros now) {
  auto held = ipam::Held::of(a.body);
  std::vector<std::string> ids;
  for (auto& id : wanted) {
    if (!is_uuid(id))
      return ApiError::invalid_argument("per_private_network_ipam_ip_ids", ArgReason::kFormat,
                                        "invalid UUID '" + id + "'");
    ids.push_back(to_lower(id));
  }
  if (ids == held.ip_ids) return std::nullopt;
  auto region = region_of(a.locality);
  auto in = [](const std::vector<std::string>& v, const std::string& id) {
    return std::find(v.begin(), v.end(), id) != v.end();
  };
  ipam::Held next;
  for (auto& id : ids) {
    if (!in(held.ip_ids, id)) {
      auto ip = ipam::attach(tx, region, id, pn_of(a), ipam_resource(server, a.id), now);
      if (!ip) return ip.error();
    } else if (in(held.booked, id)) {
      next.booked.push_back(id);
    }
    next.ip_ids.push_back(id);
  }
  ipam::Held gone;
  for (auto& id : held.ip_ids)
    if (!in(ids, id)) {
      gone.ip_ids.push_back(id);
      if (in(held.booked, id)) gone.booked.push_back(id);
    }
  ipam::give_back(tx, region, gone, now);
  next.store_in(a.body);
  tx.update(a);
  return std::nullopt;
}

json::object set_answer(store::Tx& tx, std::string_view server_id, Version v) {
  json::array items;
  for (auto& a : attachments_of(tx, server_id)) items.push_back(render(a, v));
  return json::object{{"server_private_networks", std::move(items)}};
}

// --- handlers ---

Result<Response> add(Context& ctx, Version v) {
  codec::BodyReader b(ctx.body);
  auto pn = b.uuid("private_network_id", true);
  std::optional<std::vector<std::string>> ip_ids;
  if (v == Version::kV3) ip_ids = b.strings("ipam_ip_ids");
  if (auto e = b.error()) return api::fail(*e);
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = load_server(tx, ctx, true);
    if (!s) return api::fail(s.error());
    auto all = attachments_of(tx, s->id);
    auto a = attach(tx, ctx, *s, all, *pn, ip_ids.value_or(std::vector<std::string>{}), now);
    if (!a) return api::fail(a.error());
    return Response::json(200, render(*a, v));
  });
}

// The set a PUT asks for: each Private Network with the IPAM ids named for it (v1: none).
Result<std::vector<std::pair<std::string, std::vector<std::string>>>> wanted_set(Context& ctx,
                                                                                 Version v) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  auto add_pn = [&](std::string_view field, std::string_view id,
                    std::vector<std::string> ips) -> std::optional<ApiError> {
    if (!is_uuid(id))
      return ApiError::invalid_argument(std::string(field), ArgReason::kFormat,
                                        "invalid UUID '" + std::string(id) + "'");
    auto lower = to_lower(id);
    for (auto& [pn, _] : out)
      if (pn == lower)
        return ApiError::constraint(std::string(field),
                                    "private network " + lower + " is named twice");
    out.emplace_back(lower, std::move(ips));
    return std::nullopt;
  };
  codec::BodyReader b(ctx.body);
  if (v == Version::kV1) {
    auto ids = b.strings("private_network_ids", true);
    if (auto e = b.error()) return api::fail(*e);
    for (auto& id : *ids)
      if (auto e = add_pn("private_network_ids", id, {})) return api::fail(*e);
    return out;
  }
  constexpr std::string_view kField = "per_private_network_ipam_ip_ids";
  auto* map = b.object(kField, true);
  if (auto e = b.error()) return api::fail(*e);
  for (auto& [pn, ips] : *map) {
    std::vector<std::string> list;
    if (!ips.is_array() && !ips.is_null())
      return api::fail(ApiError::invalid_argument(std::string(kField), ArgReason::kFormat,
                                                  "expected a list of IPAM IP ids"));
    if (ips.is_array())
      for (auto& ip : ips.as_array()) {
        if (!ip.is_string())
          return api::fail(ApiError::invalid_argument(std::string(kField), ArgReason::kFormat,
                                                      "expected a list of IPAM IP ids"));
        list.emplace_back(ip.as_string());
      }
    if (auto e = add_pn(kField, pn, std::move(list))) return api::fail(*e);
  }
  return out;
}

Result<Response> set(Context& ctx, Version v) {
  auto wanted = wanted_set(ctx, v);
  if (!wanted) return api::fail(wanted.error());
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = load_server(tx, ctx, !wanted->empty());
    if (!s) return api::fail(s.error());
    auto all = attachments_of(tx, s->id);
    auto named = [&](const store::Record& a) {
      return std::any_of(wanted->begin(), wanted->end(),
                         [&](const auto& w) { return w.first == pn_of(a); });
    };
    // Departures first: their VLANs and addresses are free for what joins.
    for (auto& a : all)
      if (!leaving(a) && !named(a)) detach(tx, ctx, a, now);
    for (auto& [pn, ips] : *wanted) {
      if (auto a = current(all, pn)) {
        // An empty list keeps the addresses the attachment holds.
        if (ips.empty()) continue;
        if (auto e = readdress(tx, *s, *a, ips, now)) return api::fail(*e);
        continue;
      }
      auto a = attach(tx, ctx, *s, all, pn, ips, now);
      if (!a) return api::fail(a.error());
    }
    return Response::json(200, set_answer(tx, s->id, v));
  });
}

Result<Response> remove(Context& ctx) {
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto s = load_server(tx, ctx, false);
    if (!s) return api::fail(s.error());
    auto pn = to_lower(ctx.param("private_network_id"));
    auto all = attachments_of(tx, s->id);
    auto a = current(all, pn);
    if (!a) return api::fail(not_found());
    detach(tx, ctx, *a, now);
    return Response::no_content();
  });
}

// The attachments holding one of the IPAM addresses `ids` (v3 filter), through IPAM's record
// of what each address is attached to.
std::vector<std::string> holding(store::Tx& tx, std::string_view region,
                                 const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  for (auto& id : ids) {
    auto ip = ipam::find(tx, region, id);
    if (!ip) continue;
    auto* res = ip->body.if_contains("resource");
    if (!res || !res->is_object() || str_of(res->get_object(), "type") != kIpamResourceType)
      continue;
    out.push_back(str_of(res->get_object(), "id"));
  }
  return out;
}

Result<Response> list(Context& ctx, Version v) {
  auto page = paging::read(ctx.req, "page_size", 50);
  if (!page) return api::fail(page.error());
  auto order = paging::order(ctx.req, resource::published_orders(ctx.op));
  if (!order) return api::fail(order.error());
  if (auto e = ctx.check_organization_filter(kPerms.read.resource)) return api::fail(*e);
  store::ListQuery q;
  q.kind = std::string(kServerPrivateNetworkKind);
  q.order = std::move(*order);
  q.filters.push_back({Column::kLocality, Op::kEq, {std::string(ctx.zone())}, {}, false});
  q.filters.push_back({Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
  ctx.scope(q);
  if (auto e = ctx.uuid_filter(q, "project_id", Column::kProject)) return api::fail(*e);
  if (auto e = ctx.uuid_filter(q, "server_id", Column::kParent)) return api::fail(*e);
  if (auto e = ctx.uuid_filter(q, "private_network_id", Column::kBody, "private_network_id"))
    return api::fail(*e);
  auto tx = ctx.store().begin(store::TxMode::kRead);
  if (v == Version::kV3) {
    auto ips = ctx.query_all("ipam_ip_ids", true);
    std::erase(ips, std::string());
    for (auto& id : ips)
      if (!is_uuid(id))
        return api::fail(
            ApiError::invalid_argument("ipam_ip_ids", ArgReason::kFormat, "invalid UUID"));
    if (!ips.empty()) {
      auto ids = holding(*tx, region_of(ctx.zone()), ips);
      if (ids.empty()) ids.push_back("");  // matches nothing
      q.filters.push_back({Column::kId, Op::kIn, ids, {}, false});
    }
  }
  paging::apply(q, *page);
  auto res = tx->list(q);
  json::array items;
  for (auto& a : res.items) items.push_back(render(a, v));
  return Response::json(200,
                        paging::list_body("server_private_networks", std::move(items), res.total));
}

}  // namespace

void register_private_networks(app::Registry& r, app::Services&) {
  using app::body_ref;
  const app::Reference pn =
      body_ref("private_network_id", Access::kWrite, {vpc::kPrivateNetworkRef});
  // The list's ids are filters: what it answers is limited to the readable projects.
  const std::vector<std::string> filters = {"server_id", "private_network_id", "ipam_ip_ids"};
  for (auto v : {Version::kV1, Version::kV3}) {
    const std::string base =
        v == Version::kV1 ? "/baremetal/v1/zones/{zone}" : "/baremetal/v3/zones/{zone}";
    const std::string servers = base + "/servers/{server_id}/private-networks";
    r.add("GET", base + "/server-private-networks", kPerms.read, [v](Context& ctx) {
       return list(ctx, v);
     }).not_refs(filters);
    std::vector<app::Reference> post_refs = {pn}, put_refs;
    if (v == Version::kV1) {
      put_refs = {body_ref("private_network_ids", Access::kWrite, {vpc::kPrivateNetworkRef})};
    } else {
      post_refs.push_back(body_ref("ipam_ip_ids", Access::kWrite, {ipam::kIpRef}));
      put_refs = {body_ref("per_private_network_ipam_ip_ids.@keys", Access::kWrite,
                           {vpc::kPrivateNetworkRef}),
                  body_ref("per_private_network_ipam_ip_ids.*", Access::kWrite, {ipam::kIpRef})};
    }
    r.add("POST", servers, kPerms.write, [v](Context& ctx) { return add(ctx, v); }).refs(post_refs);
    r.add("PUT", servers, kPerms.write, [v](Context& ctx) { return set(ctx, v); }).refs(put_refs);
    // The path's Private Network is the one the server leaves: the server's right suffices.
    r.add("DELETE", servers + "/{private_network_id}", kPerms.write, remove);
  }
}

void rename_server_private_networks(store::Tx& tx, const store::Record& server, Micros now) {
  for (auto& a : attachments_of(tx, server.id)) ipam::rename_resource(tx, a.id, server.name, now);
}

void remove_server_private_networks(store::Tx& tx, const store::Record& server, Micros now) {
  for (auto& a : attachments_of(tx, server.id)) {
    ipam::give_back(tx, region_of(a.locality), ipam::Held::of(a.body), now);
    tx.remove(kServerPrivateNetworkKind, a.id);
  }
}

}  // namespace scwd::products::baremetal
