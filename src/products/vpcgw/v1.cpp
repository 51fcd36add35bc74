// Public Gateways v1 (/vpc-gw/v1/zones/{zone}): the same gateways, gateway networks, IPs and PAT
// rules as v2 (model.hpp does every change), rendered in v1 shapes: `type` object, the IP under
// `ip`, `enable_masquerade`, gateway networks in DHCP / static / IPAM mode, DELETE answering 204
// with cleanup_dhcp. DHCP configurations and entries are in dhcp.cpp.
#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "core/codec/validate.hpp"
#include "core/paging/paging.hpp"
#include "core/router/locality.hpp"
#include "core/util/ids.hpp"
#include "products/ipam/ipam.hpp"
#include "products/vpc/net.hpp"
#include "products/vpc/vpc.hpp"
#include "products/vpcgw/dhcp.hpp"
#include "products/vpcgw/model.hpp"

namespace scwd::products::vpcgw {

using api::ApiError;
using api::ArgReason;
using api::Result;
using app::Access;
using app::Context;
using http::Response;
using store::Column;
using store::Op;

namespace {

constexpr std::int64_t kDefaultPageSize = 50;
// refresh-ssh-keys answers `running`, then the gateway is `configuring` for a few seconds.
constexpr Micros kActionDelay = 300'000;

// --- body helpers ---

std::string body_str(const store::Record& r, std::string_view key) {
  auto it = r.body.find(key);
  return it != r.body.end() && it->value().is_string() ? std::string(it->value().as_string())
                                                       : std::string();
}
bool body_bool(const store::Record& r, std::string_view key, bool dflt = false) {
  auto it = r.body.find(key);
  return it != r.body.end() && it->value().is_bool() ? it->value().as_bool() : dflt;
}
json::value body_or_null(const store::Record& r, std::string_view key) {
  auto it = r.body.find(key);
  if (it == r.body.end()) return nullptr;
  if (it->value().is_string() && it->value().as_string().empty()) return nullptr;
  return it->value();
}
std::int64_t body_int(const store::Record& r, std::string_view key, std::int64_t dflt = 0) {
  auto it = r.body.find(key);
  if (it == r.body.end()) return dflt;
  if (it->value().is_int64()) return it->value().as_int64();
  if (it->value().is_uint64()) return static_cast<std::int64_t>(it->value().as_uint64());
  return dflt;
}
json::array tags_of(const store::Record& r) {
  json::array a;
  for (auto& t : r.tags) a.emplace_back(t);
  return a;
}
json::array to_array(const std::vector<std::string>& v) {
  json::array a;
  for (auto& s : v) a.emplace_back(s);
  return a;
}
std::string region_of(std::string_view zone) { return std::string(locality::region_of_zone(zone)); }
bool is_ipam_mode(const store::Record& gn) {
  return !body_or_null(gn, "ipam_ip_id").is_null() ||
         (body_or_null(gn, "dhcp_id").is_null() && body_or_null(gn, "address").is_null());
}

// An optional UUID query filter; a malformed one matches nothing.
std::optional<std::string> query_id(const Context& ctx, std::string_view name) {
  auto v = ctx.query_opt(name);
  if (!v || v->empty()) return std::nullopt;
  return to_lower(*v);
}

// --- rendering (v1 shapes) ---

json::object render_ip(const store::Record& ip) {
  json::object o;
  o["id"] = ip.id;
  o["organization_id"] = ip.organization_id;
  o["project_id"] = ip.project_id;
  o["created_at"] = ts(ip.created_at);
  o["updated_at"] = ts(ip.updated_at);
  o["tags"] = tags_of(ip);
  o["address"] = body_str(ip, "address");
  o["reverse"] = body_or_null(ip, "reverse");
  o["gateway_id"] = ip.parent_id.empty() ? json::value(nullptr) : json::value(ip.parent_id);
  o["zone"] = ip.locality;
  return o;
}

json::object render_network(store::Tx& tx, const store::Record& gn) {
  json::object o;
  o["id"] = gn.id;
  o["created_at"] = ts(gn.created_at);
  o["updated_at"] = ts(gn.updated_at);
  o["gateway_id"] = gn.parent_id;
  o["private_network_id"] = body_str(gn, "private_network_id");
  o["mac_address"] = body_or_null(gn, "mac_address");
  o["enable_masquerade"] = body_bool(gn, "masquerade_enabled");
  o["status"] = gn.state;
  json::value dhcp = nullptr;
  if (auto id = body_str(gn, "dhcp_id"); !id.empty())
    if (auto d = tx.get(kDhcpKind, id)) dhcp = dhcp::render(*d);
  o["dhcp"] = std::move(dhcp);
  o["enable_dhcp"] = body_bool(gn, "enable_dhcp", true);
  o["address"] = body_or_null(gn, "address");
  auto ipam_ip = body_or_null(gn, "ipam_ip_id");
  o["ipam_config"] =
      ipam_ip.is_null()
          ? json::value(nullptr)
          : json::value(json::object{{"push_default_route", body_bool(gn, "push_default_route")},
                                     {"ipam_ip_id", ipam_ip}});
  o["zone"] = gn.locality;
  return o;
}

json::object render_type(std::string_view zone, std::string_view name) {
  auto t = find_gateway_type(zone, name);
  return json::object{
      {"name", name}, {"bandwidth", t ? t->bandwidth_bps : std::int64_t{0}}, {"zone", zone}};
}

// fresh: the create answer, which shows no version yet (reads do a few ms later).
json::object render_gateway(store::Tx& tx, const store::Record& gw, bool fresh = false) {
  json::object o;
  o["id"] = gw.id;
  o["organization_id"] = gw.organization_id;
  o["project_id"] = gw.project_id;
  o["created_at"] = ts(gw.created_at);
  o["updated_at"] = ts(gw.updated_at);
  o["type"] = render_type(gw.locality, body_str(gw, "type"));
  o["status"] = gw.state;
  o["name"] = gw.name;
  o["tags"] = tags_of(gw);
  auto ip = ip_of(tx, gw);
  o["ip"] = ip ? json::value(render_ip(*ip)) : json::value(nullptr);
  json::array networks;
  for (auto& gn : gateway_networks_of(tx, gw.id)) networks.push_back(render_network(tx, gn));
  o["gateway_networks"] = std::move(networks);
  auto dns = gw.body.find("upstream_dns_servers");
  o["upstream_dns_servers"] =
      dns != gw.body.end() && dns->value().is_array() ? dns->value() : json::array{};
  o["version"] = fresh ? json::value(nullptr) : body_or_null(gw, "version");
  o["can_upgrade_to"] = body_or_null(gw, "can_upgrade_to");
  o["bastion_enabled"] = body_bool(gw, "bastion_enabled");
  o["bastion_port"] = body_int(gw, "bastion_port", 61000);
  o["smtp_enabled"] = body_bool(gw, "smtp_enabled");
  o["is_legacy"] = body_bool(gw, "is_legacy");
  // Recorded: a new gateway answers false while allocating and true once booted (routed IP).
  o["ip_mobility_enabled"] = body_bool(gw, "ip_mobility_enabled") || gw.state != "allocating";
  o["zone"] = gw.locality;
  return o;
}

json::object render_pat(const store::Record& r) {
  json::object o;
  o["id"] = r.id;
  o["gateway_id"] = r.parent_id;
  o["created_at"] = ts(r.created_at);
  o["updated_at"] = ts(r.updated_at);
  o["public_port"] = body_int(r, "public_port");
  o["private_ip"] = body_str(r, "private_ip");
  o["private_port"] = body_int(r, "private_port");
  auto proto = body_str(r, "protocol");
  o["protocol"] = proto.empty() ? "unknown" : proto;
  o["zone"] = r.locality;
  return o;
}

// --- shared checks ---

// v1 DNS servers: IP addresses.
void check_dns(codec::BodyReader& b, const std::optional<std::vector<std::string>>& dns) {
  if (!dns) return;
  for (auto& s : *dns)
    if (!vpc::net::parse_addr(s)) {
      b.add("upstream_dns_servers", ArgReason::kFormat, "must be IP addresses");
      return;
    }
}

// A static gateway address: an IPv4 host address with its prefix ("192.168.1.1/24").
bool valid_static_address(std::string_view s) {
  auto c = vpc::net::parse_cidr(s);
  return c && !c->addr.v6 && c->prefix >= 8 && c->prefix <= 30 && c->host_bits_set;
}

// DHCP / static gateway networks and IPAM ones cannot be mixed on one gateway.
std::optional<ApiError> check_mode(store::Tx& tx, const store::Record& gw, bool ipam,
                                   std::string_view except_gn = {}) {
  for (auto& other : gateway_networks_of(tx, gw.id)) {
    if (other.id == except_gn || other.state == "detaching") continue;
    if (is_ipam_mode(other) != ipam)
      return ApiError::invalid_argument("ipam_config", ArgReason::kConstraint,
                                        "DHCP and IPAM configurations cannot be mixed on gateway " +
                                            gw.id + " (gateway network " + other.id + ")");
  }
  return std::nullopt;
}

// Puts a gateway network in IPAM mode: a given IPAM IP, or one booked for it.
std::optional<ApiError> to_ipam(store::Tx& tx, const Context& ctx, store::Record& gn,
                                const std::optional<std::string>& ipam_ip_id) {
  if (ipam_ip_id && !ipam_ip_id->empty()) {
    if (auto e = switch_ipam_ip(tx, ctx, gn, to_lower(*ipam_ip_id))) return e;
  } else if (body_or_null(gn, "ipam_ip_id").is_null()) {
    auto region = region_of(gn.locality);
    auto pn = vpc::find_private_network(tx, ctx, region, body_str(gn, "private_network_id"));
    if (!pn) return pn.error();
    std::string gw_name;
    if (auto gw = tx.get(kGatewayKind, gn.parent_id)) gw_name = gw->name;
    auto mac = body_str(gn, "mac_address");
    if (mac.empty()) mac = body_str(gn, "_mac");
    ipam::Booking b;
    b.region = region;
    b.organization_id = pn->organization_id;
    b.project_id = pn->project_id;
    b.private_network_id = pn->id;
    b.resource = ipam::Resource{"vpc_gateway_network", gn.id, mac, gw_name};
    auto ip = ipam::book(tx, ctx, b, ctx.now());
    if (!ip) return ip.error();
    gn.body["ipam_ip_id"] = ip->id;
    gn.body["ipam_auto_booked"] = true;
  }
  gn.body["dhcp_id"] = nullptr;
  gn.body["address"] = nullptr;
  gn.body["enable_dhcp"] = true;
  dhcp::delete_entries_of(tx, gn.id);
  return std::nullopt;
}

// Deletes the DHCP configurations used by `networks` and by no other gateway network.
void cleanup_dhcps(store::Tx& tx, const std::vector<store::Record>& networks) {
  std::set<std::string> ids;
  for (auto& gn : networks) ids.insert(gn.id);
  std::set<std::string> done;
  for (auto& gn : networks) {
    auto dhcp_id = body_str(gn, "dhcp_id");
    if (dhcp_id.empty() || !done.insert(dhcp_id).second) continue;
    store::ListQuery q;
    q.kind = std::string(kGatewayNetworkKind);
    q.filters.push_back({Column::kBody, Op::kEq, {dhcp_id}, "dhcp_id", false});
    q.with_total = false;
    bool used = false;
    for (auto& user : tx.list(q).items) used = used || !ids.count(user.id);
    if (!used) tx.remove(kDhcpKind, dhcp_id);
  }
}

// --- gateways ---

Result<Response> list_gateways(Context& ctx) {
  auto page = paging::read(ctx.req, "page_size", kDefaultPageSize);
  if (!page) return api::fail(page.error());
  auto order = paging::order(ctx.req, {{"created_at_asc", Column::kCreatedAt, false},
                                       {"created_at_desc", Column::kCreatedAt, true},
                                       {"name_asc", Column::kName, false},
                                       {"name_desc", Column::kName, true},
                                       {"type_asc", Column::kBody, false, "type"},
                                       {"type_desc", Column::kBody, true, "type"},
                                       {"status_asc", Column::kState, false},
                                       {"status_desc", Column::kState, true}});
  if (!order) return api::fail(order.error());
  store::ListQuery q;
  q.kind = std::string(kGatewayKind);
  auto org = query_id(ctx, "organization_id");
  q.filters.push_back({Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
  if (org && *org != ctx.principal.organization_id)
    q.filters.push_back({Column::kId, Op::kIn, {}, {}, false});
  q.filters.push_back({Column::kLocality, Op::kEq, {std::string(ctx.zone())}, {}, false});
  if (auto v = query_id(ctx, "project_id"))
    q.filters.push_back({Column::kProject, Op::kEq, {*v}, {}, false});
  if (auto v = ctx.query_opt("name"); v && !v->empty())
    q.filters.push_back({Column::kName, Op::kContains, {*v}, {}, false});
  if (auto v = ctx.query_opt("type"); v && !v->empty())
    q.filters.push_back({Column::kBody, Op::kEq, {*v}, "type", false});
  if (auto v = ctx.query_opt("status"); v && !v->empty() && *v != "unknown")
    q.filters.push_back({Column::kState, Op::kEq, {*v}, {}, false});
  for (auto& t : ctx.query_all("tags", true))
    if (!t.empty()) q.tags_all.push_back(t);
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  if (auto pn = query_id(ctx, "private_network_id")) {
    store::ListQuery nq;
    nq.kind = std::string(kGatewayNetworkKind);
    nq.filters.push_back({Column::kBody, Op::kEq, {*pn}, "private_network_id", false});
    nq.with_total = false;
    std::vector<std::string> ids;
    for (auto& gn : tx->list(nq).items) ids.push_back(gn.parent_id);
    q.filters.push_back({Column::kId, Op::kIn, ids, {}, false});
  }
  ctx.scope(q);
  q.order = std::move(*order);
  paging::apply(q, *page);
  auto res = tx->list(q);
  json::array items;
  for (auto& gw : res.items) items.push_back(render_gateway(*tx, gw));
  return Response::json(200, paging::list_body("gateways", std::move(items), res.total));
}

Result<Response> get_gateway(Context& ctx) {
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto gw = load(*tx, ctx, kGatewayKind, ctx.param("gateway_id"), "gateway");
  if (!gw) return api::fail(gw.error());
  return Response::json(200, render_gateway(*tx, *gw));
}

Result<Response> create_gateway_v1(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto project = b.str("project_id");
  auto name = b.str("name");
  auto tags = b.strings("tags");
  auto type = b.str("type");
  auto dns = b.strings("upstream_dns_servers");
  auto ip_id = b.str("ip_id");
  auto smtp = b.boolean("enable_smtp");
  auto bastion = b.boolean("enable_bastion");
  auto port = b.integer("bastion_port");
  check_dns(b, dns);
  if (auto e = b.error()) return api::fail(*e);
  NewGateway g;
  g.name = name.value_or("");
  g.tags = tags.value_or(std::vector<std::string>{});
  g.type = type && !type->empty() ? *type : "VPC-GW-S";
  if (ip_id && !ip_id->empty()) g.ip_id = *ip_id;
  g.enable_smtp = smtp.value_or(false);
  g.enable_bastion = bastion.value_or(false);
  if (port && *port != 0) g.bastion_port = *port;
  g.upstream_dns_servers = dns.value_or(std::vector<std::string>{});
  // A v1 gateway turns legacy when it gets a DHCP or static gateway network (recorded: the
  // create answers is_legacy false, the first DHCP network makes it true).
  g.is_legacy = false;
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto owner = app::resolve_owner(ctx, tx, project, std::nullopt);
    if (!owner) return api::fail(owner.error());
    auto gw = create_gateway(tx, ctx, *owner, g);
    if (!gw) return api::fail(gw.error());
    return Response::json(200, render_gateway(tx, *gw, true));
  });
}

Result<Response> update_gateway(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto tags = b.strings("tags");
  auto dns = b.strings("upstream_dns_servers");
  auto bastion = b.boolean("enable_bastion");
  auto port = b.integer("bastion_port");
  auto smtp = b.boolean("enable_smtp");
  check_dns(b, dns);
  if (port && (*port < 1 || *port > 65535))
    b.add("bastion_port", ArgReason::kConstraint, "must be a valid TCP port");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto gw = load(tx, ctx, kGatewayKind, ctx.param("gateway_id"), "gateway");
    if (!gw) return api::fail(gw.error());
    auto now = ctx.now();
    bool reconfigure = false;
    if (bastion && *bastion != body_bool(*gw, "bastion_enabled")) {
      gw->body["bastion_enabled"] = *bastion;
      reconfigure = true;
    }
    if (port && *port != body_int(*gw, "bastion_port", 61000)) {
      gw->body["bastion_port"] = *port;
      reconfigure = true;
    }
    if (smtp && *smtp != body_bool(*gw, "smtp_enabled")) {
      gw->body["smtp_enabled"] = *smtp;
      reconfigure = true;
    }
    if (dns && json::value(to_array(*dns)) != gw->body["upstream_dns_servers"]) {
      gw->body["upstream_dns_servers"] = to_array(*dns);
      reconfigure = true;
    }
    if (reconfigure)
      if (auto e = start_configuring(ctx, *gw)) return api::fail(*e);
    if (name && *name != gw->name) {
      gw->name = *name;
      for (auto& gn : gateway_networks_of(tx, gw->id)) ipam::rename_resource(tx, gn.id, *name, now);
    }
    if (tags) gw->tags = *tags;
    gw->updated_at = now;
    tx.update(*gw);
    return Response::json(200, render_gateway(tx, *gw));
  });
}

Result<Response> delete_gateway_v1(Context& ctx) {
  bool cleanup = false;
  if (auto v = ctx.query_opt("cleanup_dhcp")) cleanup = *v == "true" || *v == "1";
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto gw = load(tx, ctx, kGatewayKind, ctx.param("gateway_id"), "gateway");
    if (!gw) return api::fail(gw.error());
    auto networks = gateway_networks_of(tx, gw->id);
    // v1 keeps the gateway's IP (free again); Terraform's v1 provider released it separately.
    auto deleted = delete_gateway(tx, ctx, *gw, false);
    if (!deleted) return api::fail(deleted.error());
    for (auto& gn : networks) dhcp::delete_entries_of(tx, gn.id);
    if (cleanup) cleanup_dhcps(tx, networks);
    return Response::no_content();
  });
}

Result<Response> upgrade_gateway_v1(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto type = b.str("type");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto gw = load(tx, ctx, kGatewayKind, ctx.param("gateway_id"), "gateway");
    if (!gw) return api::fail(gw.error());
    auto up = upgrade_gateway(tx, ctx, *gw, type);
    if (!up) return api::fail(up.error());
    return Response::json(200, render_gateway(tx, *up));
  });
}

Result<Response> refresh_ssh_keys(Context& ctx) {
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto gw = load(tx, ctx, kGatewayKind, ctx.param("gateway_id"), "gateway");
    if (!gw) return api::fail(gw.error());
    if (auto e = require_stable(*gw)) return api::fail(*e);
    auto now = ctx.now();
    gw->updated_at = now;
    ctx.svc.lifecycle.start(*gw, now,
                            {{gw->state, 0, ""},
                             {"configuring", kActionDelay, ""},
                             {"running", kGatewayConfigureTime, ""}});
    tx.update(*gw);
    return Response::json(200, render_gateway(tx, *gw));
  });
}

Result<Response> enable_ip_mobility(Context& ctx) {
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto gw = load(tx, ctx, kGatewayKind, ctx.param("gateway_id"), "gateway");
    if (!gw) return api::fail(gw.error());
    if (!body_bool(*gw, "ip_mobility_enabled")) {
      gw->body["ip_mobility_enabled"] = true;
      gw->updated_at = ctx.now();
      tx.update(*gw);
    }
    return Response::no_content();
  });
}

// Puts a legacy gateway in IPAM mode: every DHCP / static gateway network gets an IPAM address
// in its Private Network (its DHCP configuration stays, unused), the gateway reconfigures.
Result<Response> migrate_to_v2(Context& ctx) {
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto gw = load(tx, ctx, kGatewayKind, ctx.param("gateway_id"), "gateway");
    if (!gw) return api::fail(gw.error());
    if (!body_bool(*gw, "is_legacy")) return Response::no_content();
    if (auto e = require_stable(*gw)) return api::fail(*e);
    auto now = ctx.now();
    bool changed = false;
    for (auto& gn : gateway_networks_of(tx, gw->id)) {
      if (is_ipam_mode(gn) || gn.state == "detaching") continue;
      bool push = body_bool(gn, "push_default_route");
      if (auto id = body_str(gn, "dhcp_id"); !id.empty())
        if (auto d = tx.get(kDhcpKind, id)) push = d->body["push_default_route"] == true;
      if (auto e = to_ipam(tx, ctx, gn, std::nullopt)) return api::fail(*e);
      gn.body["push_default_route"] = push;
      if (push) gn.body["masquerade_enabled"] = true;
      gn.updated_at = now;
      lifecycle::Engine::cancel(gn);
      ctx.svc.lifecycle.start(gn, now,
                              {{"configuring", 0, ""}, {"ready", kGatewayConfigureTime, ""}});
      tx.update(gn);
      changed = true;
    }
    gw->body["is_legacy"] = false;
    gw->updated_at = now;
    if (changed)
      if (auto e = start_configuring(ctx, *gw)) return api::fail(*e);
    tx.update(*gw);
    return Response::no_content();
  });
}

// --- gateway networks ---

Result<Response> list_networks(Context& ctx) {
  auto page = paging::read(ctx.req, "page_size", kDefaultPageSize);
  if (!page) return api::fail(page.error());
  auto order = paging::order(ctx.req, {{"created_at_asc", Column::kCreatedAt, false},
                                       {"created_at_desc", Column::kCreatedAt, true},
                                       {"status_asc", Column::kState, false},
                                       {"status_desc", Column::kState, true}});
  if (!order) return api::fail(order.error());
  store::ListQuery q;
  q.kind = std::string(kGatewayNetworkKind);
  q.filters.push_back({Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
  q.filters.push_back({Column::kLocality, Op::kEq, {std::string(ctx.zone())}, {}, false});
  if (auto v = query_id(ctx, "gateway_id"))
    q.filters.push_back({Column::kParent, Op::kEq, {*v}, {}, false});
  if (auto v = query_id(ctx, "private_network_id"))
    q.filters.push_back({Column::kBody, Op::kEq, {*v}, "private_network_id", false});
  if (auto v = query_id(ctx, "dhcp_id"))
    q.filters.push_back({Column::kBody, Op::kEq, {*v}, "dhcp_id", false});
  if (auto v = ctx.query_opt("enable_masquerade"); v && !v->empty())
    q.filters.push_back(
        {Column::kBody, Op::kEq, {*v == "true" ? "1" : "0"}, "masquerade_enabled", true});
  if (auto v = ctx.query_opt("status"); v && !v->empty() && *v != "unknown")
    q.filters.push_back({Column::kState, Op::kEq, {*v}, {}, false});
  ctx.scope(q);
  q.order = std::move(*order);
  paging::apply(q, *page);
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto res = tx->list(q);
  json::array items;
  for (auto& gn : res.items) items.push_back(render_network(*tx, gn));
  return Response::json(200, paging::list_body("gateway_networks", std::move(items), res.total));
}

Result<Response> get_network(Context& ctx) {
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto gn = load(*tx, ctx, kGatewayNetworkKind, ctx.param("gateway_network_id"), "gateway_network");
  if (!gn) return api::fail(gn.error());
  return Response::json(200, render_network(*tx, *gn));
}

// The one-of of a gateway network create / update request.
struct IpConfig {
  std::optional<std::string> dhcp_id;
  const json::object* dhcp = nullptr;  // inline CreateDHCPRequest (create only)
  std::optional<std::string> address;
  const json::object* ipam_config = nullptr;
  std::optional<bool> push_default_route;  // ipam_config
  std::optional<std::string> ipam_ip_id;   // ipam_config
  std::optional<ApiError> error;           // a bad ipam_config
  int count() const {
    return (dhcp_id ? 1 : 0) + (dhcp ? 1 : 0) + (address ? 1 : 0) + (ipam_config ? 1 : 0);
  }
};

IpConfig read_ip_config(codec::BodyReader& b, bool inline_dhcp) {
  IpConfig c;
  c.dhcp_id = b.str("dhcp_id");
  if (inline_dhcp) c.dhcp = b.object("dhcp");
  c.address = b.str("address");
  c.ipam_config = b.object("ipam_config");
  if (c.address && !valid_static_address(*c.address))
    b.add("address", ArgReason::kFormat,
          "must be an IPv4 host address with its prefix length (e.g. 192.168.1.1/24)");
  if (c.ipam_config) {
    codec::BodyReader ib(*c.ipam_config, "ipam_config");
    c.push_default_route = ib.boolean("push_default_route");
    c.ipam_ip_id = ib.str("ipam_ip_id");
    if (!ib.ok()) c.error = ib.error();
  }
  if (c.count() > 1)
    b.add("ip_config", ArgReason::kConstraint,
          inline_dhcp ? "at most one of dhcp_id, dhcp, address, ipam_config may be set"
                      : "at most one of dhcp_id, address, ipam_config may be set");
  return c;
}

Result<Response> create_network(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto gateway_id = b.str("gateway_id", true);
  auto pn_id = b.str("private_network_id", true);
  auto masquerade = b.boolean("enable_masquerade");
  auto enable_dhcp = b.boolean("enable_dhcp");
  auto cfg = read_ip_config(b, true);
  if (cfg.error) return api::fail(*cfg.error);
  bool dhcp_mode = cfg.dhcp_id || cfg.dhcp;
  if (enable_dhcp && *enable_dhcp && cfg.address)
    b.add("enable_dhcp", ArgReason::kConstraint,
          "enable_dhcp needs dhcp_id or dhcp (not a static address)");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto gw = load(tx, ctx, kGatewayKind, *gateway_id, "gateway");
    if (!gw) return api::fail(gw.error());
    if (auto denied = ctx.authorize_project(gw->project_id)) return api::fail(*denied);
    bool ipam = !dhcp_mode && !cfg.address;
    if (auto e = check_mode(tx, *gw, ipam)) return api::fail(*e);
    NewGatewayNetwork n;
    n.gateway_id = gw->id;
    n.private_network_id = *pn_id;
    n.enable_masquerade = masquerade.value_or(false);
    n.enable_dhcp = dhcp_mode ? enable_dhcp.value_or(true) : (ipam ? true : false);
    if (ipam) {
      n.push_default_route = cfg.push_default_route.value_or(false);
      // enable_masquerade is ignored with ipam_config: the default route brings masquerading.
      if (cfg.ipam_config) n.enable_masquerade = false;
      if (cfg.ipam_ip_id && !cfg.ipam_ip_id->empty()) n.ipam_ip_id = to_lower(*cfg.ipam_ip_id);
    }
    if (cfg.address) n.address = *cfg.address;
    if (!ipam && !body_bool(*gw, "is_legacy")) {
      // The gateway now uses a non-IPAM configuration.
      gw->body["is_legacy"] = true;
      tx.update(*gw);
    }
    if (cfg.dhcp_id) {
      auto d = dhcp::load(tx, ctx, *cfg.dhcp_id);
      if (!d) return api::fail(d.error());
      n.dhcp_id = d->id;
    } else if (cfg.dhcp) {
      auto pn = vpc::find_private_network(tx, ctx, region_of(gw->locality), *pn_id);
      if (!pn) return api::fail(pn.error());
      auto body = dhcp::read_create(*cfg.dhcp, "dhcp", dhcp::slug(pn->name));
      if (!body) return api::fail(body.error());
      auto d = dhcp::insert(tx, app::Owner{gw->organization_id, gw->project_id}, gw->locality,
                            std::move(*body), ctx.now());
      n.dhcp_id = d.id;
    }
    auto gn = create_gateway_network(tx, ctx, n);
    if (!gn) return api::fail(gn.error());
    return Response::json(200, render_network(tx, *gn));
  });
}

Result<Response> update_network(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto masquerade = b.boolean("enable_masquerade");
  auto enable_dhcp = b.boolean("enable_dhcp");
  auto cfg = read_ip_config(b, false);
  if (cfg.error) return api::fail(*cfg.error);
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto gn =
        load(tx, ctx, kGatewayNetworkKind, ctx.param("gateway_network_id"), "gateway_network");
    if (!gn) return api::fail(gn.error());
    auto gw = tx.get(kGatewayKind, gn->parent_id);
    if (!gw) return api::fail(ApiError::not_found("gateway_network", gn->id));
    bool was_ipam = is_ipam_mode(*gn);
    if (cfg.dhcp_id || cfg.address) {
      if (was_ipam)
        return api::fail(ApiError::invalid_argument(
            cfg.dhcp_id ? "dhcp_id" : "address", ArgReason::kConstraint,
            "an IPAM gateway network cannot go back to a DHCP or static configuration"));
      if (auto e = check_mode(tx, *gw, false, gn->id)) return api::fail(*e);
    }
    if (cfg.dhcp_id) {
      auto d = dhcp::load(tx, ctx, *cfg.dhcp_id);
      if (!d) return api::fail(d.error());
      gn->body["dhcp_id"] = d->id;
      gn->body["address"] = nullptr;
      gn->body["enable_dhcp"] = enable_dhcp.value_or(true);
    } else if (cfg.address) {
      if (enable_dhcp && *enable_dhcp)
        return api::fail(
            ApiError::invalid_argument("enable_dhcp", ArgReason::kConstraint,
                                       "enable_dhcp needs dhcp_id (not a static address)"));
      gn->body["address"] = *cfg.address;
      gn->body["dhcp_id"] = nullptr;
      gn->body["enable_dhcp"] = false;
      dhcp::delete_entries_of(tx, gn->id);
    } else if (cfg.ipam_config) {
      if (!was_ipam)
        if (auto e = check_mode(tx, *gw, true, gn->id)) return api::fail(*e);
      if (auto e = to_ipam(tx, ctx, *gn, cfg.ipam_ip_id)) return api::fail(*e);
      if (cfg.push_default_route) {
        gn->body["push_default_route"] = *cfg.push_default_route;
        if (*cfg.push_default_route) gn->body["masquerade_enabled"] = true;
      }
    } else if (enable_dhcp && !was_ipam) {
      if (*enable_dhcp && body_str(*gn, "dhcp_id").empty())
        return api::fail(ApiError::invalid_argument("enable_dhcp", ArgReason::kConstraint,
                                                    "enable_dhcp needs a DHCP configuration"));
      gn->body["enable_dhcp"] = *enable_dhcp;
    }
    if (masquerade && !(was_ipam || cfg.ipam_config)) gn->body["masquerade_enabled"] = *masquerade;
    auto updated = reconfigure_gateway_network(tx, ctx, *gn);
    if (!updated) return api::fail(updated.error());
    return Response::json(200, render_network(tx, *updated));
  });
}

Result<Response> delete_network(Context& ctx) {
  bool cleanup = false;
  if (auto v = ctx.query_opt("cleanup_dhcp")) cleanup = *v == "true" || *v == "1";
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto gn =
        load(tx, ctx, kGatewayNetworkKind, ctx.param("gateway_network_id"), "gateway_network");
    if (!gn) return api::fail(gn.error());
    auto deleted = delete_gateway_network(tx, ctx, *gn);
    if (!deleted) return api::fail(deleted.error());
    dhcp::delete_entries_of(tx, gn->id);
    if (cleanup) dhcp::cleanup(tx, body_str(*gn, "dhcp_id"), gn->id);
    return Response::no_content();
  });
}

// --- PAT rules ---

std::string v1_protocol(const std::optional<std::string>& p) {
  return !p || p->empty() || *p == "unknown" ? std::string("both") : *p;
}

Result<Response> list_pat_rules(Context& ctx) {
  auto page = paging::read(ctx.req, "page_size", kDefaultPageSize);
  if (!page) return api::fail(page.error());
  auto order = paging::order(ctx.req, {{"created_at_asc", Column::kCreatedAt, false},
                                       {"created_at_desc", Column::kCreatedAt, true},
                                       {"public_port_asc", Column::kBody, false, "public_port"},
                                       {"public_port_desc", Column::kBody, true, "public_port"}});
  if (!order) return api::fail(order.error());
  store::ListQuery q;
  q.kind = std::string(kPatRuleKind);
  q.filters.push_back({Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
  q.filters.push_back({Column::kLocality, Op::kEq, {std::string(ctx.zone())}, {}, false});
  if (auto v = query_id(ctx, "gateway_id"))
    q.filters.push_back({Column::kParent, Op::kEq, {*v}, {}, false});
  if (auto v = ctx.query_opt("private_ip"); v && !v->empty())
    q.filters.push_back({Column::kBody, Op::kEq, {*v}, "private_ip", false});
  if (auto v = ctx.query_opt("protocol"); v && !v->empty() && *v != "unknown")
    q.filters.push_back({Column::kBody, Op::kEq, {*v}, "protocol", false});
  ctx.scope(q);
  q.order = std::move(*order);
  paging::apply(q, *page);
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto res = tx->list(q);
  json::array items;
  for (auto& r : res.items) items.push_back(render_pat(r));
  return Response::json(200, paging::list_body("pat_rules", std::move(items), res.total));
}

Result<Response> get_pat_rule(Context& ctx) {
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto r = load(*tx, ctx, kPatRuleKind, ctx.param("pat_rule_id"), "pat_rule");
  if (!r) return api::fail(r.error());
  return Response::json(200, render_pat(*r));
}

Result<Response> create_pat_rule_v1(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto gateway_id = b.str("gateway_id", true);
  PatRuleSpec spec;
  spec.public_port = b.integer("public_port", true).value_or(0);
  spec.private_ip = b.str("private_ip", true).value_or("");
  spec.private_port = b.integer("private_port", true).value_or(0);
  spec.protocol = v1_protocol(b.str("protocol"));
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto gw = load(tx, ctx, kGatewayKind, *gateway_id, "gateway");
    if (!gw) return api::fail(gw.error());
    if (auto denied = ctx.authorize_project(gw->project_id)) return api::fail(*denied);
    auto r = create_pat_rule(tx, ctx, *gw, spec);
    if (!r) return api::fail(r.error());
    return Response::json(200, render_pat(*r));
  });
}

Result<Response> update_pat_rule_v1(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto public_port = b.integer("public_port");
  auto private_ip = b.str("private_ip");
  auto private_port = b.integer("private_port");
  auto protocol = b.str("protocol");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load(tx, ctx, kPatRuleKind, ctx.param("pat_rule_id"), "pat_rule");
    if (!r) return api::fail(r.error());
    PatRuleSpec spec;
    spec.public_port = public_port.value_or(body_int(*r, "public_port"));
    spec.private_ip = private_ip.value_or(body_str(*r, "private_ip"));
    spec.private_port = private_port.value_or(body_int(*r, "private_port"));
    spec.protocol = protocol && *protocol != "unknown" && !protocol->empty()
                        ? *protocol
                        : body_str(*r, "protocol");
    auto updated = update_pat_rule(tx, ctx, *r, spec);
    if (!updated) return api::fail(updated.error());
    return Response::json(200, render_pat(*updated));
  });
}

Result<Response> set_pat_rules_v1(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto gateway_id = b.str("gateway_id", true);
  std::vector<PatRuleSpec> specs;
  if (auto it = ctx.body.find("pat_rules"); it != ctx.body.end() && !it->value().is_null()) {
    if (!it->value().is_array()) {
      b.add("pat_rules", ArgReason::kFormat, "must be an array");
    } else {
      std::size_t i = 0;
      for (auto& v : it->value().as_array()) {
        std::string prefix = "pat_rules." + std::to_string(i++);
        if (!v.is_object()) {
          b.add(prefix, ArgReason::kFormat, "must be an object");
          continue;
        }
        codec::BodyReader rb(v.as_object(), prefix);
        PatRuleSpec s;
        s.public_port = rb.integer("public_port", true).value_or(0);
        s.private_ip = rb.str("private_ip", true).value_or("");
        s.private_port = rb.integer("private_port", true).value_or(0);
        s.protocol = v1_protocol(rb.str("protocol"));
        if (auto e = rb.error()) return api::fail(*e);
        specs.push_back(std::move(s));
      }
    }
  }
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto gw = load(tx, ctx, kGatewayKind, *gateway_id, "gateway");
    if (!gw) return api::fail(gw.error());
    if (auto denied = ctx.authorize_project(gw->project_id)) return api::fail(*denied);
    auto rules = set_pat_rules(tx, ctx, *gw, specs);
    if (!rules) return api::fail(rules.error());
    json::array items;
    for (auto& r : *rules) items.push_back(render_pat(r));
    return Response::json(200, json::object{{"pat_rules", std::move(items)}});
  });
}

// --- IPs ---

Result<Response> list_ips(Context& ctx) {
  auto page = paging::read(ctx.req, "page_size", kDefaultPageSize);
  if (!page) return api::fail(page.error());
  auto order = paging::order(ctx.req, {{"created_at_asc", Column::kCreatedAt, false},
                                       {"created_at_desc", Column::kCreatedAt, true},
                                       {"ip_asc", Column::kBody, false, "address"},
                                       {"ip_desc", Column::kBody, true, "address"},
                                       {"reverse_asc", Column::kBody, false, "reverse"},
                                       {"reverse_desc", Column::kBody, true, "reverse"}});
  if (!order) return api::fail(order.error());
  store::ListQuery q;
  q.kind = std::string(kIpKind);
  auto org = query_id(ctx, "organization_id");
  q.filters.push_back({Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
  if (org && *org != ctx.principal.organization_id)
    q.filters.push_back({Column::kId, Op::kIn, {}, {}, false});
  q.filters.push_back({Column::kLocality, Op::kEq, {std::string(ctx.zone())}, {}, false});
  if (auto v = query_id(ctx, "project_id"))
    q.filters.push_back({Column::kProject, Op::kEq, {*v}, {}, false});
  if (auto v = ctx.query_opt("reverse"); v && !v->empty())
    q.filters.push_back({Column::kBody, Op::kContains, {*v}, "reverse", false});
  if (auto v = ctx.query_opt("is_free"); v && !v->empty())
    q.filters.push_back({Column::kParent, *v == "true" ? Op::kEq : Op::kNe, {""}, {}, false});
  for (auto& t : ctx.query_all("tags", true))
    if (!t.empty()) q.tags_all.push_back(t);
  ctx.scope(q);
  q.order = std::move(*order);
  paging::apply(q, *page);
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto res = tx->list(q);
  json::array items;
  for (auto& ip : res.items) items.push_back(render_ip(ip));
  return Response::json(200, paging::list_body("ips", std::move(items), res.total));
}

Result<Response> get_ip(Context& ctx) {
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto ip = load(*tx, ctx, kIpKind, ctx.param("ip_id"), "ip");
  if (!ip) return api::fail(ip.error());
  return Response::json(200, render_ip(*ip));
}

Result<Response> create_ip_v1(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto project = b.str("project_id");
  auto tags = b.strings("tags");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto owner = app::resolve_owner(ctx, tx, project, std::nullopt);
    if (!owner) return api::fail(owner.error());
    auto ip = create_ip(tx, ctx, *owner, tags.value_or(std::vector<std::string>{}));
    if (!ip) return api::fail(ip.error());
    return Response::json(200, render_ip(*ip));
  });
}

Result<Response> update_ip(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto tags = b.strings("tags");
  auto reverse = b.str("reverse");
  auto gateway_id = b.str("gateway_id");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto ip = load(tx, ctx, kIpKind, ctx.param("ip_id"), "ip");
    if (!ip) return api::fail(ip.error());
    auto now = ctx.now();
    if (tags) ip->tags = *tags;
    if (reverse)
      ip->body["reverse"] =
          reverse->empty() ? default_reverse(body_str(*ip, "address")) : to_lower(*reverse);
    if (tags || reverse) {
      ip->updated_at = now;
      tx.update(*ip);
    }
    if (gateway_id) {
      auto moved = set_ip_gateway(tx, ctx, *ip, *gateway_id);
      if (!moved) return api::fail(moved.error());
      ip = std::move(*moved);
    }
    return Response::json(200, render_ip(*ip));
  });
}

}  // namespace

void register_v1(app::Registry& r, app::Services&) {
  const std::string z = "/vpc-gw/v1/zones/{zone}";
  using app::body_ref;
  // A gateway takes its IP; a gateway network plugs the gateway into a Private Network (with
  // its DHCP configuration or IPAM address); PAT rules and DHCP entries change their gateway
  // (network); an IP moved to a gateway changes it.
  const app::Reference gateway = body_ref("gateway_id", Access::kWrite, {kGatewayRef});
  const app::Reference dhcp = body_ref("dhcp_id", Access::kWrite, {kDhcpRef});
  const app::Reference ipam_ip = body_ref("ipam_config.ipam_ip_id", Access::kWrite, {ipam::kIpRef});
  r.add("GET", z + "/gateways", kGatewayRead, list_gateways)
      .not_refs({"private_network_id"});  // a filter of the (scoped) list
  r.add("POST", z + "/gateways", kGatewayWrite, create_gateway_v1)
      .refs({body_ref("ip_id", Access::kWrite, {kIpRef})});
  r.add("GET", z + "/gateways/{gateway_id}", kGatewayRead, get_gateway);
  r.add("PATCH", z + "/gateways/{gateway_id}", kGatewayWrite, update_gateway);
  r.add("DELETE", z + "/gateways/{gateway_id}", kGatewayWrite, delete_gateway_v1);
  r.add("POST", z + "/gateways/{gateway_id}/upgrade", kGatewayWrite, upgrade_gateway_v1);
  r.add("POST", z + "/gateways/{gateway_id}/refresh-ssh-keys", kGatewayWrite, refresh_ssh_keys);
  r.add("POST", z + "/gateways/{gateway_id}/enable-ip-mobility", kGatewayWrite, enable_ip_mobility);
  r.add("POST", z + "/gateways/{gateway_id}/migrate-to-v2", kGatewayWrite, migrate_to_v2);
  r.add("GET", z + "/gateway-networks", kNetworkRead, list_networks)
      .not_refs({"dhcp_id", "gateway_id", "private_network_id"});
  // `dhcp` is a DHCP configuration to create, not an id.
  r.add("POST", z + "/gateway-networks", kNetworkWrite, create_network)
      .refs({gateway, body_ref("private_network_id", Access::kWrite, {vpc::kPrivateNetworkRef}),
             dhcp, ipam_ip});
  r.add("GET", z + "/gateway-networks/{gateway_network_id}", kNetworkRead, get_network);
  r.add("PATCH", z + "/gateway-networks/{gateway_network_id}", kNetworkWrite, update_network)
      .refs({dhcp, ipam_ip});
  r.add("DELETE", z + "/gateway-networks/{gateway_network_id}", kNetworkWrite, delete_network);
  r.add("GET", z + "/pat-rules", kPatRead, list_pat_rules).not_refs({"gateway_id"});
  r.add("POST", z + "/pat-rules", kPatWrite, create_pat_rule_v1).refs({gateway});
  r.add("PUT", z + "/pat-rules", kPatWrite, set_pat_rules_v1).refs({gateway});
  r.add("GET", z + "/pat-rules/{pat_rule_id}", kPatRead, get_pat_rule);
  r.add("PATCH", z + "/pat-rules/{pat_rule_id}", kPatWrite, update_pat_rule_v1);
  r.add("DELETE", z + "/pat-rules/{pat_rule_id}", kPatWrite, delete_pat_rule_route);
  r.add("GET", z + "/gateway-types", kGatewayRead, list_gateway_types_route);
  r.add("GET", z + "/ips", kIpRead, list_ips);
  r.add("POST", z + "/ips", kIpWrite, create_ip_v1);
  r.add("GET", z + "/ips/{ip_id}", kIpRead, get_ip);
  r.add("PATCH", z + "/ips/{ip_id}", kIpWrite, update_ip).refs({gateway});
  r.add("DELETE", z + "/ips/{ip_id}", kIpWrite, delete_ip_route);
  dhcp::register_routes(r);
}

}  // namespace scwd::products::vpcgw
