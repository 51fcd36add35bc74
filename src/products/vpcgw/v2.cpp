// Public Gateways v2 (/vpc-gw/v2/zones/{zone}): gateways, gateway networks, PAT rules, gateway
// types, IPs, SSH bastion allowed ranges. The records and the logic shared with v1 are in
// model.cpp; this file reads requests and renders the v2 shapes.
#include <algorithm>
#include <boost/json.hpp>
#include <functional>

#include "core/codec/validate.hpp"
#include "core/paging/paging.hpp"
#include "core/util/ids.hpp"
#include "products/ipam/ipam.hpp"
#include "products/vpc/net.hpp"
#include "products/vpc/vpc.hpp"
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
// PATCH of bastion / SMTP settings: `configuring` for about half a second on the real API.
constexpr Micros kSettingsApplyTime = 500'000;

const json::value* field(const store::Record& r, std::string_view key) {
  auto it = r.body.find(key);
  return it == r.body.end() ? nullptr : &it->value();
}

std::string str_field(const store::Record& r, std::string_view key) {
  auto* v = field(r, key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

bool bool_field(const store::Record& r, std::string_view key) {
  auto* v = field(r, key);
  return v && v->is_bool() && v->as_bool();
}

json::value value_or_null(const store::Record& r, std::string_view key) {
  auto* v = field(r, key);
  return v ? *v : json::value(nullptr);
}

json::array tags_of(const store::Record& r) {
  json::array a;
  for (auto& t : r.tags) a.push_back(json::string(t));
  return a;
}

// --- rendering (the real API omits null optional keys in these objects) ---

json::object render_ip(const store::Record& r) {
  json::object o;
  o["address"] = value_or_null(r, "address");
  o["created_at"] = ts(r.created_at);
  if (!r.parent_id.empty()) o["gateway_id"] = r.parent_id;
  o["id"] = r.id;
  o["organization_id"] = r.organization_id;
  o["project_id"] = r.project_id;
  if (auto* rev = field(r, "reverse"); rev && !rev->is_null()) o["reverse"] = *rev;
  o["tags"] = tags_of(r);
  o["updated_at"] = ts(r.updated_at);
  o["zone"] = r.locality;
  return o;
}

json::object render_network(const store::Record& r) {
  json::object o;
  o["created_at"] = ts(r.created_at);
  o["gateway_id"] = r.parent_id;
  o["id"] = r.id;
  if (auto* v = field(r, "ipam_ip_id"); v && !v->is_null()) o["ipam_ip_id"] = *v;
  if (auto* v = field(r, "mac_address"); v && !v->is_null()) o["mac_address"] = *v;
  o["masquerade_enabled"] = bool_field(r, "masquerade_enabled");
  o["private_network_id"] = value_or_null(r, "private_network_id");
  o["push_default_route"] = bool_field(r, "push_default_route");
  o["status"] = r.state;
  o["updated_at"] = ts(r.updated_at);
  o["zone"] = r.locality;
  return o;
}

json::object render_gateway(store::Tx& tx, const store::Record& r) {
  json::object o;
  auto type = str_field(r, "type");
  auto t = find_gateway_type(r.locality, type);
  o["bandwidth"] = t ? t->bandwidth_bps / 1'000'000 : 0;
  auto* allowed = field(r, "bastion_allowed_ips");
  o["bastion_allowed_ips"] = allowed && allowed->is_array() ? *allowed : json::array{};
  o["bastion_enabled"] = bool_field(r, "bastion_enabled");
  auto* port = field(r, "bastion_port");
  o["bastion_port"] = port && port->is_int64() ? port->as_int64() : 61000;
  if (auto* v = field(r, "can_upgrade_to"); v && !v->is_null()) o["can_upgrade_to"] = *v;
  o["created_at"] = ts(r.created_at);
  json::array networks;
  for (auto& gn : gateway_networks_of(tx, r.id)) networks.push_back(render_network(gn));
  o["gateway_networks"] = std::move(networks);
  o["id"] = r.id;
  if (auto ip = ip_of(tx, r)) o["ipv4"] = render_ip(*ip);
  o["is_legacy"] = bool_field(r, "is_legacy");
  o["name"] = r.name;
  o["organization_id"] = r.organization_id;
  o["project_id"] = r.project_id;
  o["smtp_enabled"] = bool_field(r, "smtp_enabled");
  o["status"] = r.state;
  o["tags"] = tags_of(r);
  o["type"] = type;
  o["updated_at"] = ts(r.updated_at);
  if (auto* v = field(r, "version"); v && !v->is_null()) o["version"] = *v;
  o["zone"] = r.locality;
  return o;
}

json::object render_pat_rule(const store::Record& r) {
  json::object o;
  o["created_at"] = ts(r.created_at);
  o["gateway_id"] = r.parent_id;
  o["id"] = r.id;
  o["private_ip"] = value_or_null(r, "private_ip");
  o["private_port"] = value_or_null(r, "private_port");
  o["protocol"] = value_or_null(r, "protocol");
  o["public_port"] = value_or_null(r, "public_port");
  o["updated_at"] = ts(r.updated_at);
  o["zone"] = r.locality;
  return o;
}

// The answer to an action that starts a reconfiguration shows the state the gateway had before
// (as the real API does); reads show `configuring` right after.
json::object render_gateway_as(store::Tx& tx, const store::Record& r, const std::string& status) {
  auto o = render_gateway(tx, r);
  o["status"] = status;
  return o;
}

// --- request helpers ---

Result<std::vector<std::string>> query_uuids(const Context& ctx, std::string_view name) {
  auto ids = ctx.query_all(name, true);
  for (auto& id : ids) {
    if (!is_uuid(id))
      return api::fail(ApiError::invalid_argument(std::string(name), ArgReason::kFormat,
                                                  "value must be a valid UUID"));
    id = to_lower(id);
  }
  return ids;
}

// Enum array filter values, with the zero value meaning "no filter".
std::vector<std::string> enum_filter(const Context& ctx, std::string_view name,
                                     std::string_view zero) {
  std::vector<std::string> out;
  for (auto& v : ctx.query_all(name, true))
    if (!v.empty() && v != zero && v != "unknown") out.push_back(v);
  return out;
}

// organization_id / project_id filters; another organization's id answers permissions_denied.
std::optional<ApiError> owner_filters(const Context& ctx, store::ListQuery& q) {
  if (auto* org = ctx.query("organization_id"); org && !org->empty()) {
    if (to_lower(*org) != ctx.principal.organization_id) return ctx.denied();
  }
  if (auto* p = ctx.query("project_id"); p && !p->empty())
    q.filters.push_back({Column::kProject, Op::kEq, {to_lower(*p)}, {}, false});
  return std::nullopt;
}

store::ListQuery base_query(const Context& ctx, std::string_view kind) {
  store::ListQuery q;
  q.kind = std::string(kind);
  q.filters.push_back({Column::kLocality, Op::kEq, {std::string(ctx.zone())}, {}, false});
  q.filters.push_back({Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
  return q;
}

// Runs the query, applies an in-memory predicate (for boolean body fields) and the page.
store::ListResult run_list(store::Tx& tx, store::ListQuery q, const paging::Page& page,
                           const std::function<bool(const store::Record&)>& keep = {}) {
  if (!keep) {
    paging::apply(q, page);
    return tx.list(q);
  }
  q.with_total = false;
  auto all = tx.list(q).items;
  store::ListResult out;
  std::vector<store::Record> kept;
  for (auto& r : all)
    if (keep(r)) kept.push_back(std::move(r));
  out.total = static_cast<std::int64_t>(kept.size());
  auto start = std::min<std::int64_t>(page.offset(), out.total);
  auto end = std::min<std::int64_t>(start + page.size, out.total);
  for (auto i = start; i < end; ++i) out.items.push_back(std::move(kept[i]));
  return out;
}

Result<store::Record> load_in(store::Tx& tx, const Context& ctx, std::string_view kind,
                              std::string_view param, std::string_view resource) {
  return load(tx, ctx, kind, ctx.param(param), resource);
}

// Checks an IPv4/IPv6 CIDR; returns it normalised as written.
std::optional<std::string> check_cidr(std::string_view s) {
  auto c = vpc::net::parse_cidr(s);
  if (!c) {
    // A plain address means a single host.
    auto a = vpc::net::parse_addr(s);
    if (!a) return std::nullopt;
    return std::string(s) + (a->v6 ? "/128" : "/32");
  }
  return vpc::net::format_cidr(*c);
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
  auto pns = query_uuids(ctx, "private_network_ids");
  if (!pns) return api::fail(pns.error());
  auto legacy = ctx.query_bool("include_legacy");
  auto q = base_query(ctx, kGatewayKind);
  if (auto e = owner_filters(ctx, q)) return api::fail(*e);
  if (auto* name = ctx.query("name"); name && !name->empty())
    q.filters.push_back({Column::kName, Op::kContains, {*name}, {}, false});
  q.tags_all = ctx.query_all("tags", true);
  if (auto types = ctx.query_all("types", true); !types.empty())
    q.filters.push_back({Column::kBody, Op::kIn, types, "type", false});
  if (auto st = enum_filter(ctx, "status", "unknown_status"); !st.empty())
    q.filters.push_back({Column::kState, Op::kIn, st, {}, false});
  q.order = std::move(*order);
  ctx.scope(q);
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  if (!pns->empty()) {
    auto gq = base_query(ctx, kGatewayNetworkKind);
    gq.filters.push_back({Column::kBody, Op::kIn, *pns, "private_network_id", false});
    gq.with_total = false;
    std::vector<std::string> ids;
    for (auto& gn : tx->list(gq).items) ids.push_back(gn.parent_id);
    q.filters.push_back({Column::kId, Op::kIn, ids, {}, false});
  }
  bool include_legacy = legacy.value_or(false);
  auto res = run_list(
      *tx, q, *page,
      include_legacy ? std::function<bool(const store::Record&)>{}
                     : [](const store::Record& r) { return !bool_field(r, "is_legacy"); });
  json::array items;
  for (auto& r : res.items) items.push_back(render_gateway(*tx, r));
  return Response::json(200, paging::list_body("gateways", std::move(items), res.total));
}

Result<Response> get_gateway(Context& ctx) {
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto r = load_in(*tx, ctx, kGatewayKind, "gateway_id", "gateway");
  if (!r) return api::fail(r.error());
  return Response::json(200, render_gateway(*tx, *r));
}

Result<Response> create_gateway_h(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto project = b.str("project_id");
  auto name = b.str("name");
  auto tags = b.strings("tags");
  auto type = b.str("type");
  auto ip_id = b.str("ip_id");
  auto smtp = b.boolean("enable_smtp");
  auto bastion = b.boolean("enable_bastion");
  auto port = b.integer("bastion_port");
  if (ip_id && !ip_id->empty() && !is_uuid(*ip_id))
    b.add("ip_id", ArgReason::kFormat, "value must be a valid UUID");
  if (port && (*port < 1 || *port > 65535))
    b.add("bastion_port", ArgReason::kConstraint, "must be between 1 and 65535");
  if (auto e = b.error()) return api::fail(*e);
  NewGateway g;
  g.name = name.value_or("");
  g.tags = tags.value_or(std::vector<std::string>{});
  g.type = type && !type->empty() ? *type : "VPC-GW-S";
  if (ip_id && !ip_id->empty()) g.ip_id = to_lower(*ip_id);
  g.enable_smtp = smtp.value_or(false);
  g.enable_bastion = bastion.value_or(false);
  g.bastion_port = port.value_or(61000);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto owner = app::resolve_owner(ctx, tx, project, std::nullopt);
    if (!owner) return api::fail(owner.error());
    auto r = create_gateway(tx, ctx, *owner, g);
    if (!r) return api::fail(r.error());
    auto o = render_gateway(tx, *r);
    o.erase("version");  // the real create answer has no version yet
    return Response::json(200, o);
  });
}

Result<Response> update_gateway_h(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto tags = b.strings("tags");
  auto bastion = b.boolean("enable_bastion");
  auto port = b.integer("bastion_port");
  auto smtp = b.boolean("enable_smtp");
  if (port && (*port < 1 || *port > 65535))
    b.add("bastion_port", ArgReason::kConstraint, "must be between 1 and 65535");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_in(tx, ctx, kGatewayKind, "gateway_id", "gateway");
    if (!r) return api::fail(r.error());
    auto shown = r->state;
    bool reconfigure = false;
    if (bastion && *bastion != bool_field(*r, "bastion_enabled")) {
      r->body["bastion_enabled"] = *bastion;
      reconfigure = true;
    }
    if (port) {
      auto* cur = field(*r, "bastion_port");
      if (!cur || !cur->is_int64() || cur->as_int64() != *port) reconfigure = true;
      r->body["bastion_port"] = *port;
    }
    if (smtp && *smtp != bool_field(*r, "smtp_enabled")) {
      r->body["smtp_enabled"] = *smtp;
      reconfigure = true;
    }
    if (reconfigure) {
      if (auto e = schedule_configuring(ctx, *r, kSettingsApplyTime)) return api::fail(*e);
    }
    if (name && !name->empty()) r->name = *name;
    if (tags) r->tags = *tags;
    r->updated_at = ctx.now();
    tx.update(*r);
    if (name && !name->empty()) {
      // The IPAM addresses of the gateway's networks carry its name.
      for (auto& gn : gateway_networks_of(tx, r->id))
        ipam::rename_resource(tx, gn.id, r->name, r->updated_at);
    }
    return Response::json(200, render_gateway_as(tx, *r, shown));
  });
}

Result<Response> delete_gateway_h(Context& ctx) {
  auto del_ip = ctx.query_bool("delete_ip");
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_in(tx, ctx, kGatewayKind, "gateway_id", "gateway");
    if (!r) return api::fail(r.error());
    auto d = delete_gateway(tx, ctx, std::move(*r), del_ip.value_or(false));
    if (!d) return api::fail(d.error());
    return Response::json(200, render_gateway(tx, *d));
  });
}

Result<Response> upgrade_gateway_h(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto type = b.str("type");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_in(tx, ctx, kGatewayKind, "gateway_id", "gateway");
    if (!r) return api::fail(r.error());
    auto shown = r->state;
    auto u = upgrade_gateway(tx, ctx, std::move(*r), type);
    if (!u) return api::fail(u.error());
    return Response::json(200, render_gateway_as(tx, *u, shown));
  });
}

Result<Response> refresh_ssh_keys(Context& ctx) {
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_in(tx, ctx, kGatewayKind, "gateway_id", "gateway");
    if (!r) return api::fail(r.error());
    // The real answer keeps the gateway's updated_at; the change shows a moment later.
    auto before = *r;
    if (auto e = schedule_configuring(ctx, *r, kGatewayConfigureTime)) return api::fail(*e);
    tx.update(*r);
    return Response::json(200, render_gateway(tx, before));
  });
}

// --- bastion allowed IPs ---

json::array allowed_ips(const store::Record& gw) {
  auto* v = field(gw, "bastion_allowed_ips");
  return v && v->is_array() ? v->as_array() : json::array{};
}

Result<Response> write_allowed_ips(store::Tx& tx, const Context& ctx, store::Record& gw,
                                   json::array ranges) {
  gw.body["bastion_allowed_ips"] = ranges;
  if (auto e = schedule_configuring(ctx, gw, kSettingsApplyTime)) return api::fail(*e);
  tx.update(gw);
  return Response::json(200, json::object{{"ip_ranges", std::move(ranges)}});
}

Result<Response> add_bastion_ip(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto range = b.str("ip_range", true);
  if (auto e = b.error()) return api::fail(*e);
  auto cidr = check_cidr(*range);
  if (!cidr)
    return api::fail(ApiError::invalid_argument("ip_range", ArgReason::kFormat,
                                                "must be a valid IP range in CIDR notation"));
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_in(tx, ctx, kGatewayKind, "gateway_id", "gateway");
    if (!r) return api::fail(r.error());
    auto ranges = allowed_ips(*r);
    for (auto& v : ranges)
      if (v.is_string() && v.as_string() == *cidr)
        return api::fail(ApiError::invalid_argument(
            "ip_range", ArgReason::kConstraint,
            "IP range " + *cidr + " is already allowed on this gateway's bastion"));
    ranges.push_back(json::string(*cidr));
    return write_allowed_ips(tx, ctx, *r, std::move(ranges));
  });
}

Result<Response> set_bastion_ips(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto ranges = b.strings("ip_ranges");
  if (auto e = b.error()) return api::fail(*e);
  json::array out;
  std::vector<api::ArgumentDetail> details;
  for (std::size_t i = 0; i < ranges.value_or(std::vector<std::string>{}).size(); ++i) {
    auto cidr = check_cidr((*ranges)[i]);
    if (!cidr) {
      details.push_back({"ip_ranges." + std::to_string(i), ArgReason::kFormat,
                         "must be a valid IP range in CIDR notation"});
      continue;
    }
    if (std::find(out.begin(), out.end(), json::value(*cidr)) == out.end())
      out.push_back(json::string(*cidr));
  }
  if (!details.empty()) return api::fail(ApiError::invalid_arguments(std::move(details)));
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_in(tx, ctx, kGatewayKind, "gateway_id", "gateway");
    if (!r) return api::fail(r.error());
    return write_allowed_ips(tx, ctx, *r, out);
  });
}

Result<Response> delete_bastion_ip(Context& ctx) {
  auto raw = std::string(ctx.param("ip_range"));
  // The JS SDK puts the CIDR in the path without escaping its "/": that form arrives as two
  // segments (route below).
  if (auto prefix = ctx.param("ip_prefix"); !prefix.empty()) raw += "/" + std::string(prefix);
  auto cidr = check_cidr(raw);
  if (!cidr)
    return api::fail(ApiError::invalid_argument("ip_range", ArgReason::kFormat,
                                                "must be a valid IP range in CIDR notation"));
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_in(tx, ctx, kGatewayKind, "gateway_id", "gateway");
    if (!r) return api::fail(r.error());
    auto ranges = allowed_ips(*r);
    auto it = std::find(ranges.begin(), ranges.end(), json::value(*cidr));
    if (it == ranges.end()) return api::fail(ApiError::not_found("ip_range", raw));
    ranges.erase(it);
    auto res = write_allowed_ips(tx, ctx, *r, std::move(ranges));
    if (!res) return res;
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
  auto gws = query_uuids(ctx, "gateway_ids");
  if (!gws) return api::fail(gws.error());
  auto pns = query_uuids(ctx, "private_network_ids");
  if (!pns) return api::fail(pns.error());
  auto masq = ctx.query_bool("masquerade_enabled");
  auto q = base_query(ctx, kGatewayNetworkKind);
  if (!gws->empty()) q.filters.push_back({Column::kParent, Op::kIn, *gws, {}, false});
  if (!pns->empty())
    q.filters.push_back({Column::kBody, Op::kIn, *pns, "private_network_id", false});
  if (auto st = enum_filter(ctx, "status", "unknown_status"); !st.empty())
    q.filters.push_back({Column::kState, Op::kIn, st, {}, false});
  q.order = std::move(*order);
  ctx.scope(q);
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  std::function<bool(const store::Record&)> keep;
  if (masq) {
    bool want = *masq;
    keep = [want](const store::Record& r) { return bool_field(r, "masquerade_enabled") == want; };
  }
  auto res = run_list(*tx, q, *page, keep);
  json::array items;
  for (auto& r : res.items) items.push_back(render_network(r));
  return Response::json(200, paging::list_body("gateway_networks", std::move(items), res.total));
}

Result<Response> get_network(Context& ctx) {
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto r = load_in(*tx, ctx, kGatewayNetworkKind, "gateway_network_id", "gateway_network");
  if (!r) return api::fail(r.error());
  return Response::json(200, render_network(*r));
}

Result<Response> create_network(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto gw = b.uuid("gateway_id", true);
  auto pn = b.uuid("private_network_id", true);
  auto masq = b.boolean("enable_masquerade");
  auto route = b.boolean("push_default_route");
  auto ipam_ip = b.str("ipam_ip_id");
  if (ipam_ip && !ipam_ip->empty() && !is_uuid(*ipam_ip))
    b.add("ipam_ip_id", ArgReason::kFormat, "value must be a valid UUID");
  if (auto e = b.error()) return api::fail(*e);
  NewGatewayNetwork n;
  n.gateway_id = to_lower(*gw);
  n.private_network_id = to_lower(*pn);
  n.enable_masquerade = masq.value_or(true);
  n.push_default_route = route.value_or(false);
  if (ipam_ip && !ipam_ip->empty()) n.ipam_ip_id = to_lower(*ipam_ip);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    // IAM: the gateway network lands in its gateway's project (the body names no project).
    if (auto g = load(tx, ctx, kGatewayKind, n.gateway_id, "gateway")) {
      if (auto e = ctx.authorize_project(g->project_id)) return api::fail(*e);
      // v2 networks are IPAM mode; a legacy gateway (DHCP or static networks, made through v1)
      // must be migrated first, as DHCP and IPAM networks never mix on one gateway.
      if (bool_field(*g, "is_legacy"))
        return api::fail(ApiError::invalid_argument(
            "gateway_id", ArgReason::kConstraint,
            "gateway " + g->id +
                " is a legacy gateway (DHCP mode): migrate it to IPAM mode first (v1 "
                "migrate-to-v2)"));
    }
    auto r = create_gateway_network(tx, ctx, n);
    if (!r) return api::fail(r.error());
    return Response::json(200, render_network(*r));
  });
}

Result<Response> update_network(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto masq = b.boolean("enable_masquerade");
  auto route = b.boolean("push_default_route");
  auto ipam_ip = b.str("ipam_ip_id");
  if (ipam_ip && !ipam_ip->empty() && !is_uuid(*ipam_ip))
    b.add("ipam_ip_id", ArgReason::kFormat, "value must be a valid UUID");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_in(tx, ctx, kGatewayNetworkKind, "gateway_network_id", "gateway_network");
    if (!r) return api::fail(r.error());
    if (r->state == "detaching")
      return api::fail(ApiError::transient_state("gateway_network", r->id, r->state));
    if (masq) r->body["masquerade_enabled"] = *masq;
    if (route) r->body["push_default_route"] = *route;
    if (bool_field(*r, "push_default_route")) r->body["masquerade_enabled"] = true;
    if (ipam_ip && !ipam_ip->empty()) {
      if (auto e = switch_ipam_ip(tx, ctx, *r, to_lower(*ipam_ip))) return api::fail(*e);
    }
    auto u = reconfigure_gateway_network(tx, ctx, std::move(*r));
    if (!u) return api::fail(u.error());
    return Response::json(200, render_network(*u));
  });
}

Result<Response> delete_network(Context& ctx) {
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_in(tx, ctx, kGatewayNetworkKind, "gateway_network_id", "gateway_network");
    if (!r) return api::fail(r.error());
    auto d = delete_gateway_network(tx, ctx, std::move(*r));
    if (!d) return api::fail(d.error());
    return Response::json(200, render_network(*d));
  });
}

// --- PAT rules ---

std::string protocol_or(const std::optional<std::string>& p, std::string_view fallback) {
  if (!p || p->empty() || *p == "unknown_protocol") return std::string(fallback);
  return *p;
}

Result<Response> list_pat_rules(Context& ctx) {
  auto page = paging::read(ctx.req, "page_size", kDefaultPageSize);
  if (!page) return api::fail(page.error());
  auto order = paging::order(ctx.req, {{"created_at_asc", Column::kCreatedAt, false},
                                       {"created_at_desc", Column::kCreatedAt, true},
                                       {"public_port_asc", Column::kBody, false, "public_port"},
                                       {"public_port_desc", Column::kBody, true, "public_port"}});
  if (!order) return api::fail(order.error());
  auto gws = query_uuids(ctx, "gateway_ids");
  if (!gws) return api::fail(gws.error());
  auto q = base_query(ctx, kPatRuleKind);
  if (!gws->empty()) q.filters.push_back({Column::kParent, Op::kIn, *gws, {}, false});
  if (auto ips = ctx.query_all("private_ips", true); !ips.empty())
    q.filters.push_back({Column::kBody, Op::kIn, ips, "private_ip", false});
  if (auto* p = ctx.query("protocol"); p && !p->empty() && *p != "unknown_protocol")
    q.filters.push_back({Column::kBody, Op::kEq, {*p}, "protocol", false});
  q.order = std::move(*order);
  ctx.scope(q);
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto res = run_list(*tx, q, *page);
  json::array items;
  for (auto& r : res.items) items.push_back(render_pat_rule(r));
  return Response::json(200, paging::list_body("pat_rules", std::move(items), res.total));
}

Result<Response> get_pat_rule(Context& ctx) {
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto r = load_in(*tx, ctx, kPatRuleKind, "pat_rule_id", "pat_rule");
  if (!r) return api::fail(r.error());
  return Response::json(200, render_pat_rule(*r));
}

Result<Response> create_pat_rule_h(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto gw = b.uuid("gateway_id", true);
  auto public_port = b.integer("public_port", true);
  auto private_ip = b.str("private_ip", true);
  auto private_port = b.integer("private_port", true);
  auto protocol = b.str("protocol");
  if (auto e = b.error()) return api::fail(*e);
  PatRuleSpec spec{*public_port, *private_ip, *private_port, protocol_or(protocol, "both")};
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto g = load(tx, ctx, kGatewayKind, *gw, "gateway");
    if (!g) return api::fail(g.error());
    // IAM: the rule lands in the gateway's project (the body names no project).
    if (auto e = ctx.authorize_project(g->project_id)) return api::fail(*e);
    auto r = create_pat_rule(tx, ctx, *g, spec);
    if (!r) return api::fail(r.error());
    return Response::json(200, render_pat_rule(*r));
  });
}

Result<Response> update_pat_rule_h(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto public_port = b.integer("public_port");
  auto private_ip = b.str("private_ip");
  auto private_port = b.integer("private_port");
  auto protocol = b.str("protocol");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_in(tx, ctx, kPatRuleKind, "pat_rule_id", "pat_rule");
    if (!r) return api::fail(r.error());
    PatRuleSpec spec;
    auto* pp = field(*r, "public_port");
    auto* qp = field(*r, "private_port");
    spec.public_port = public_port.value_or(pp && pp->is_int64() ? pp->as_int64() : 0);
    spec.private_port = private_port.value_or(qp && qp->is_int64() ? qp->as_int64() : 0);
    spec.private_ip = private_ip.value_or(str_field(*r, "private_ip"));
    spec.protocol = protocol_or(protocol, str_field(*r, "protocol"));
    auto u = update_pat_rule(tx, ctx, std::move(*r), spec);
    if (!u) return api::fail(u.error());
    return Response::json(200, render_pat_rule(*u));
  });
}

Result<Response> set_pat_rules_h(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto gw = b.uuid("gateway_id", true);
  std::vector<PatRuleSpec> specs;
  auto it = ctx.body.find("pat_rules");
  if (it == ctx.body.end() || it->value().is_null()) {
    // no rules: clears the gateway's rules
  } else if (!it->value().is_array()) {
    b.add("pat_rules", ArgReason::kFormat, "must be an array");
  } else {
    auto& arr = it->value().as_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
      auto prefix = "pat_rules." + std::to_string(i);
      if (!arr[i].is_object()) {
        b.add(prefix, ArgReason::kFormat, "must be an object");
        continue;
      }
      codec::BodyReader rb(arr[i].as_object(), prefix);
      auto public_port = rb.integer("public_port", true);
      auto private_ip = rb.str("private_ip", true);
      auto private_port = rb.integer("private_port", true);
      auto protocol = rb.enumeration("protocol", {"unknown_protocol", "both", "tcp", "udp"});
      if (auto e = rb.error()) return api::fail(*e);
      specs.push_back({*public_port, *private_ip, *private_port, protocol_or(protocol, "both")});
    }
  }
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto g = load(tx, ctx, kGatewayKind, *gw, "gateway");
    if (!g) return api::fail(g.error());
    // IAM: the rule lands in the gateway's project (the body names no project).
    if (auto e = ctx.authorize_project(g->project_id)) return api::fail(*e);
    auto rules = set_pat_rules(tx, ctx, *g, specs);
    if (!rules) return api::fail(rules.error());
    json::array items;
    for (auto& r : *rules) items.push_back(render_pat_rule(r));
    return Response::json(200, json::object{{"pat_rules", std::move(items)}});
  });
}

// --- IPs ---

Result<Response> list_ips(Context& ctx) {
  auto page = paging::read(ctx.req, "page_size", kDefaultPageSize);
  if (!page) return api::fail(page.error());
  auto order = paging::order(ctx.req, {{"created_at_asc", Column::kCreatedAt, false},
                                       {"created_at_desc", Column::kCreatedAt, true},
                                       {"address_asc", Column::kBody, false, "address"},
                                       {"address_desc", Column::kBody, true, "address"},
                                       {"reverse_asc", Column::kBody, false, "reverse"},
                                       {"reverse_desc", Column::kBody, true, "reverse"}});
  if (!order) return api::fail(order.error());
  auto is_free = ctx.query_bool("is_free");
  auto q = base_query(ctx, kIpKind);
  if (auto e = owner_filters(ctx, q)) return api::fail(*e);
  q.tags_all = ctx.query_all("tags", true);
  if (auto* rev = ctx.query("reverse"); rev && !rev->empty())
    q.filters.push_back({Column::kBody, Op::kContains, {*rev}, "reverse", false});
  if (is_free)
    q.filters.push_back({Column::kParent, *is_free ? Op::kEq : Op::kNe, {""}, {}, false});
  q.order = std::move(*order);
  ctx.scope(q);
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto res = run_list(*tx, q, *page);
  json::array items;
  for (auto& r : res.items) items.push_back(render_ip(r));
  return Response::json(200, paging::list_body("ips", std::move(items), res.total));
}

Result<Response> get_ip(Context& ctx) {
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto r = load_in(*tx, ctx, kIpKind, "ip_id", "ip");
  if (!r) return api::fail(r.error());
  return Response::json(200, render_ip(*r));
}

Result<Response> create_ip_h(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto project = b.str("project_id");
  auto tags = b.strings("tags");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto owner = app::resolve_owner(ctx, tx, project, std::nullopt);
    if (!owner) return api::fail(owner.error());
    auto r = create_ip(tx, ctx, *owner, tags.value_or(std::vector<std::string>{}));
    if (!r) return api::fail(r.error());
    return Response::json(200, render_ip(*r));
  });
}

Result<Response> update_ip_h(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto tags = b.strings("tags");
  auto reverse = b.str("reverse");
  auto gateway = b.str("gateway_id");
  if (gateway && !gateway->empty() && !is_uuid(*gateway))
    b.add("gateway_id", ArgReason::kFormat, "value must be a valid UUID");
  if (reverse && !reverse->empty()) {
    auto& s = *reverse;
    bool ok = s.size() <= 253 && s.find("..") == std::string::npos && s.front() != '.' &&
              std::all_of(s.begin(), s.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
              });
    if (!ok) b.add("reverse", ArgReason::kConstraint, "must be a valid domain name");
  }
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_in(tx, ctx, kIpKind, "ip_id", "ip");
    if (!r) return api::fail(r.error());
    auto now = ctx.now();
    if (tags) r->tags = *tags;
    if (reverse)
      r->body["reverse"] =
          reverse->empty() ? default_reverse(str_field(*r, "address")) : to_lower(*reverse);
    r->updated_at = now;
    tx.update(*r);
    if (gateway) {
      auto moved = set_ip_gateway(tx, ctx, std::move(*r), to_lower(*gateway));
      if (!moved) return api::fail(moved.error());
      return Response::json(200, render_ip(*moved));
    }
    return Response::json(200, render_ip(*r));
  });
}

}  // namespace

void register_v2(app::Registry& r, app::Services&) {
  const std::string z = "/vpc-gw/v2/zones/{zone}";
  using app::body_ref;
  // As in v1: the gateway takes its IP, a gateway network plugs the gateway into a Private
  // Network with an IPAM address, PAT rules and IPs change their gateway.
  const app::Reference gateway = body_ref("gateway_id", Access::kWrite, {kGatewayRef});
  const app::Reference ipam_ip = body_ref("ipam_ip_id", Access::kWrite, {ipam::kIpRef});
  r.add("GET", z + "/gateways", kGatewayRead, list_gateways)
      .not_refs({"private_network_ids"});  // a filter of the (scoped) list
  r.add("GET", z + "/gateways/{gateway_id}", kGatewayRead, get_gateway);
  r.add("POST", z + "/gateways", kGatewayWrite, create_gateway_h)
      .refs({body_ref("ip_id", Access::kWrite, {kIpRef})});
  r.add("PATCH", z + "/gateways/{gateway_id}", kGatewayWrite, update_gateway_h);
  r.add("DELETE", z + "/gateways/{gateway_id}", kGatewayWrite, delete_gateway_h);
  r.add("POST", z + "/gateways/{gateway_id}/upgrade", kGatewayWrite, upgrade_gateway_h);
  r.add("POST", z + "/gateways/{gateway_id}/refresh-ssh-keys", kGatewayWrite, refresh_ssh_keys);
  r.add("POST", z + "/gateways/{gateway_id}/bastion-allowed-ips", kGatewayWrite, add_bastion_ip);
  r.add("PUT", z + "/gateways/{gateway_id}/bastion-allowed-ips", kGatewayWrite, set_bastion_ips);
  r.add("DELETE", z + "/gateways/{gateway_id}/bastion-allowed-ips/{ip_range}", kGatewayWrite,
        delete_bastion_ip);
  r.add("DELETE", z + "/gateways/{gateway_id}/bastion-allowed-ips/{ip_range}/{ip_prefix}",
        kGatewayWrite, delete_bastion_ip);
  r.add("GET", z + "/gateway-networks", kNetworkRead, list_networks)
      .not_refs({"gateway_ids", "private_network_ids"});
  r.add("GET", z + "/gateway-networks/{gateway_network_id}", kNetworkRead, get_network);
  r.add("POST", z + "/gateway-networks", kNetworkWrite, create_network)
      .refs({gateway, body_ref("private_network_id", Access::kWrite, {vpc::kPrivateNetworkRef}),
             ipam_ip});
  r.add("PATCH", z + "/gateway-networks/{gateway_network_id}", kNetworkWrite, update_network)
      .refs({ipam_ip});
  r.add("DELETE", z + "/gateway-networks/{gateway_network_id}", kNetworkWrite, delete_network);
  r.add("GET", z + "/pat-rules", kPatRead, list_pat_rules).not_refs({"gateway_ids"});
  r.add("GET", z + "/pat-rules/{pat_rule_id}", kPatRead, get_pat_rule);
  r.add("POST", z + "/pat-rules", kPatWrite, create_pat_rule_h).refs({gateway});
  r.add("PATCH", z + "/pat-rules/{pat_rule_id}", kPatWrite, update_pat_rule_h);
  r.add("PUT", z + "/pat-rules", kPatWrite, set_pat_rules_h).refs({gateway});
  r.add("DELETE", z + "/pat-rules/{pat_rule_id}", kPatWrite, delete_pat_rule_route);
  r.add("GET", z + "/gateway-types", kGatewayRead, list_gateway_types_route);
  r.add("GET", z + "/ips", kIpRead, list_ips);
  r.add("GET", z + "/ips/{ip_id}", kIpRead, get_ip);
  r.add("POST", z + "/ips", kIpWrite, create_ip_h);
  r.add("PATCH", z + "/ips/{ip_id}", kIpWrite, update_ip_h).refs({gateway});
  r.add("DELETE", z + "/ips/{ip_id}", kIpWrite, delete_ip_route);
}

}  // namespace scwd::products::vpcgw
