// Public Gateways v2 (/vpc-gw/v2/zones/{zone}): gateways, gateway networks, PAT rules, gateway
// types, IPs, SSH bastion allowed ranges. The records, the logic shared with v1 and the parts of
// the declarations both versions share are in model.cpp and specs.cpp; this file reads v2
// requests and renders the v2 shapes.
#include <algorithm>
#include <boost/json.hpp>

#include "core/codec/validate.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/ipam/ipam.hpp"
#include "products/prelude.hpp"
#include "products/vpc/net.hpp"
#include "products/vpc/vpc.hpp"
#include "products/vpcgw/model.hpp"

namespace scwd::products::vpcgw {

using resource::View;

namespace {

// An id field the body may leave empty (""): a UUID when it is not.
std::optional<std::string> optional_id(codec::BodyReader& b, std::string_view field) {
  auto v = b.str(field);
  if (v && !v->empty() && !is_uuid(*v))
    b.add(field, ArgReason::kFormat, "value must be a valid UUID");
  return v;
}

// PATCH of bastion / SMTP settings: `configuring` for about half a second on the real API.
constexpr Micros kSettingsApplyTime = 500'000;
const std::vector<std::string> kNoStatus = {"unknown_status", "unknown"};

// The value of a key the real API omits when null.
void set_present(json::object& o, const store::Record& r, std::string_view key) {
  if (auto* v = r.body.if_contains(key); v && !v->is_null()) o[key] = *v;
}

// --- rendering (the real API omits null optional keys in these objects) ---

json::object render_ip(const store::Record& r) {
  json::object o;
  o["address"] = value_of(r.body, "address");
  o["created_at"] = ts(r.created_at);
  if (!r.parent_id.empty()) o["gateway_id"] = r.parent_id;
  o["id"] = r.id;
  o["organization_id"] = r.organization_id;
  o["project_id"] = r.project_id;
  set_present(o, r, "reverse");
  o["tags"] = strings_json(r.tags);
  o["updated_at"] = ts(r.updated_at);
  o["zone"] = r.locality;
  return o;
}

json::object render_network(const store::Record& r) {
  json::object o;
  o["created_at"] = ts(r.created_at);
  o["gateway_id"] = r.parent_id;
  o["id"] = r.id;
  set_present(o, r, "ipam_ip_id");
  set_present(o, r, "mac_address");
  o["masquerade_enabled"] = bool_of(r.body, "masquerade_enabled");
  o["private_network_id"] = value_of(r.body, "private_network_id");
  o["push_default_route"] = bool_of(r.body, "push_default_route");
  o["status"] = r.state;
  o["updated_at"] = ts(r.updated_at);
  o["zone"] = r.locality;
  return o;
}

json::object render_gateway(const View& v, const store::Record& r) {
  json::object o;
  auto type = str_of(r.body, "type");
  auto t = find_gateway_type(r.locality, type);
  o["bandwidth"] = t ? t->bandwidth_bps / 1'000'000 : 0;
  auto* allowed = r.body.if_contains("bastion_allowed_ips");
  o["bastion_allowed_ips"] = allowed && allowed->is_array() ? *allowed : json::array{};
  o["bastion_enabled"] = bool_of(r.body, "bastion_enabled");
  o["bastion_port"] = int_of(r.body, "bastion_port", 61000);
  set_present(o, r, "can_upgrade_to");
  o["created_at"] = ts(r.created_at);
  json::array networks;
  for (auto* gn : v.related.children(kGatewayNetworkKind, r.id))
    networks.push_back(render_network(*gn));
  o["gateway_networks"] = std::move(networks);
  o["id"] = r.id;
  if (auto* ip = v.related.find(kIpKind, str_of(r.body, "ip_id")); ip && ip->parent_id == r.id)
    o["ipv4"] = render_ip(*ip);
  o["is_legacy"] = bool_of(r.body, "is_legacy");
  o["name"] = r.name;
  o["organization_id"] = r.organization_id;
  o["project_id"] = r.project_id;
  o["smtp_enabled"] = bool_of(r.body, "smtp_enabled");
  o["status"] = r.state;
  o["tags"] = strings_json(r.tags);
  o["type"] = type;
  o["updated_at"] = ts(r.updated_at);
  set_present(o, r, "version");
  o["zone"] = r.locality;
  return o;
}

json::object render_pat_rule(const store::Record& r) {
  json::object o;
  o["created_at"] = ts(r.created_at);
  o["gateway_id"] = r.parent_id;
  o["id"] = r.id;
  o["private_ip"] = value_of(r.body, "private_ip");
  o["private_port"] = value_of(r.body, "private_port");
  o["protocol"] = value_of(r.body, "protocol");
  o["public_port"] = value_of(r.body, "public_port");
  o["updated_at"] = ts(r.updated_at);
  o["zone"] = r.locality;
  return o;
}

// --- declarations ---

std::optional<ApiError> update_network(Context& ctx, store::Tx& tx, store::Record& r);
std::optional<ApiError> update_ip_v2(Context& ctx, store::Tx& tx, store::Record& r);

struct Specs {
  resource::Spec gateway, network, pat_rule, ip;
};

const Specs& specs() {
  static const Specs s = [] {
    const std::string z = "/vpc-gw/v2/zones/{zone}";
    const auto gateway_ref = app::body_ref("gateway_id", Access::kWrite, {kGatewayRef});
    Specs out{gateway_spec(), gateway_network_spec(), pat_rule_spec(true), ip_spec()};
    auto& g = out.gateway;
    g.collections = {z + "/gateways"};
    g.render = render_gateway;
    g.filters.push_back(resource::custom("types", [](const Context& ctx, store::ListQuery& q) {
      if (auto types = ctx.query_all("types", true); !types.empty())
        q.filters.push_back({Column::kBody, store::Op::kIn, types, "type", false});
      return std::optional<ApiError>{};
    }));
    g.filters.push_back(enum_in("status", Column::kState, {}, kNoStatus));
    g.filters.push_back(gateways_in_private_networks("private_network_ids", true));
    // Legacy (v1 DHCP-mode) gateways only when asked for.
    g.filters.push_back(
        resource::custom("include_legacy", [](const Context& ctx, store::ListQuery& q) {
          if (!ctx.query_bool("include_legacy").value_or(false))
            q.filters.push_back({Column::kBody, store::Op::kEq, {false}, "is_legacy"});
          return std::optional<ApiError>{};
        }));
    g.list_refs.not_refs = {"private_network_ids"};  // a filter of the (scoped) list

    auto& n = out.network;
    n.collections = {z + "/gateway-networks"};
    n.render = [](const View&, const store::Record& r) { return render_network(r); };
    n.filters = {resource::uuids("gateway_ids", Column::kParent),
                 resource::uuids("private_network_ids", Column::kBody, "private_network_id"),
                 enum_in("status", Column::kState, {}, kNoStatus),
                 resource::body_bool("masquerade_enabled")};
    n.list_refs.not_refs = {"gateway_ids", "private_network_ids"};
    n.update = update_network;
    n.update_refs.refs = {app::body_ref("ipam_ip_id", Access::kWrite, {ipam::kIpRef})};

    auto& p = out.pat_rule;
    p.collections = {z + "/pat-rules"};
    p.render = [](const View&, const store::Record& r) { return render_pat_rule(r); };
    p.filters = {
        resource::uuids("gateway_ids", Column::kParent),
        resource::custom(
            "private_ips",
            [](const Context& ctx, store::ListQuery& q) {
              if (auto ips = ctx.query_all("private_ips", true); !ips.empty())
                q.filters.push_back({Column::kBody, store::Op::kIn, ips, "private_ip", false});
              return std::optional<ApiError>{};
            }),
        enum_in("protocol", Column::kBody, "protocol", {"unknown_protocol"})};
    p.list_refs.not_refs = {"gateway_ids"};

    auto& ip = out.ip;
    ip.collections = {z + "/ips"};
    ip.render = [](const View&, const store::Record& r) { return render_ip(r); };
    ip.order_fields = {{"address", Column::kBody, "address"},
                       {"reverse", Column::kBody, "reverse"}};
    ip.update = update_ip_v2;
    ip.update_refs.refs = {gateway_ref};
    return out;
  }();
  return s;
}

// A gateway's answer; an action that starts a reconfiguration answers with the state the gateway
// had before (as the real API does); reads show `configuring` right after.
json::object answer_gateway(const Context& ctx, store::Tx& tx, const store::Record& r,
                            std::optional<std::string> status = std::nullopt) {
  auto o = resource::answer(ctx, tx, specs().gateway, r).as_object();
  if (status) o["status"] = *status;
  return o;
}

Result<store::Record> load_gateway(const Context& ctx, store::Tx& tx) {
  return resource::load(ctx, tx, specs().gateway, true);
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

Result<Response> create_gateway_h(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto project = b.str("project_id");
  auto name = b.str("name");
  auto tags = b.strings("tags");
  auto type = b.str("type");
  auto ip_id = optional_id(b, "ip_id");
  auto smtp = b.boolean("enable_smtp");
  auto bastion = b.boolean("enable_bastion");
  auto port = b.integer("bastion_port");
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
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto owner = app::resolve_owner(ctx, tx, project, std::nullopt);
    if (!owner) return api::fail(owner.error());
    auto r = create_gateway(tx, ctx, *owner, g);
    if (!r) return api::fail(r.error());
    auto o = answer_gateway(ctx, tx, *r);
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
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_gateway(ctx, tx);
    if (!r) return api::fail(r.error());
    auto shown = r->state;
    bool reconfigure = false;
    if (bastion && *bastion != bool_of(r->body, "bastion_enabled")) {
      r->body["bastion_enabled"] = *bastion;
      reconfigure = true;
    }
    if (port) {
      auto cur = r->body.if_contains("bastion_port");
      if (!cur || !cur->is_int64() || cur->as_int64() != *port) reconfigure = true;
      r->body["bastion_port"] = *port;
    }
    if (smtp && *smtp != bool_of(r->body, "smtp_enabled")) {
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
    return Response::json(200, answer_gateway(ctx, tx, *r, shown));
  });
}

Result<Response> delete_gateway_h(Context& ctx) {
  auto del_ip = ctx.query_bool("delete_ip");
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_gateway(ctx, tx);
    if (!r) return api::fail(r.error());
    auto d = delete_gateway(tx, ctx, std::move(*r), del_ip.value_or(false));
    if (!d) return api::fail(d.error());
    return Response::json(200, answer_gateway(ctx, tx, *d));
  });
}

Result<Response> upgrade_gateway_h(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto type = b.str("type");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_gateway(ctx, tx);
    if (!r) return api::fail(r.error());
    auto shown = r->state;
    auto u = upgrade_gateway(tx, ctx, std::move(*r), type);
    if (!u) return api::fail(u.error());
    return Response::json(200, answer_gateway(ctx, tx, *u, shown));
  });
}

Result<Response> refresh_ssh_keys(Context& ctx) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_gateway(ctx, tx);
    if (!r) return api::fail(r.error());
    // The real answer keeps the gateway's updated_at; the change shows a moment later.
    auto before = *r;
    if (auto e = schedule_configuring(ctx, *r, kGatewayConfigureTime)) return api::fail(*e);
    tx.update(*r);
    return Response::json(200, answer_gateway(ctx, tx, before));
  });
}

// --- bastion allowed IPs ---

json::array allowed_ips(const store::Record& gw) {
  auto* v = gw.body.if_contains("bastion_allowed_ips");
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
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_gateway(ctx, tx);
    if (!r) return api::fail(r.error());
    auto ranges = allowed_ips(*r);
    for (auto& v : ranges)
      if (v.is_string() && v.as_string() == *cidr)
        return api::fail(ApiError::constraint(
            "ip_range", "IP range " + *cidr + " is already allowed on this gateway's bastion"));
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
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_gateway(ctx, tx);
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
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_gateway(ctx, tx);
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

Result<Response> create_network(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto gw = b.uuid("gateway_id", true);
  auto pn = b.uuid("private_network_id", true);
  auto masq = b.boolean("enable_masquerade");
  auto route = b.boolean("push_default_route");
  auto ipam_ip = optional_id(b, "ipam_ip_id");
  if (auto e = b.error()) return api::fail(*e);
  NewGatewayNetwork n;
  n.gateway_id = to_lower(*gw);
  n.private_network_id = to_lower(*pn);
  n.enable_masquerade = masq.value_or(true);
  n.push_default_route = route.value_or(false);
  if (ipam_ip && !ipam_ip->empty()) n.ipam_ip_id = to_lower(*ipam_ip);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    // IAM: the gateway network lands in its gateway's project (the body names no project).
    if (auto g = load(tx, ctx, kGatewayKind, n.gateway_id, "gateway")) {
      if (auto e = ctx.authorize_project(g->project_id)) return api::fail(*e);
      // v2 networks are IPAM mode; a legacy gateway (DHCP or static networks, made through v1)
      // must be migrated first, as DHCP and IPAM networks never mix on one gateway.
      if (bool_of(g->body, "is_legacy"))
        return api::fail(ApiError::constraint(
            "gateway_id", "gateway " + g->id +
                              " is a legacy gateway (DHCP mode): migrate it to IPAM mode first (v1 "
                              "migrate-to-v2)"));
    }
    auto r = create_gateway_network(tx, ctx, n);
    if (!r) return api::fail(r.error());
    return Response::json(200, resource::answer(ctx, tx, specs().network, *r));
  });
}

// PATCH gateway-networks/{id} (after the record is loaded).
std::optional<ApiError> update_network(Context& ctx, store::Tx& tx, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto masq = b.boolean("enable_masquerade");
  auto route = b.boolean("push_default_route");
  auto ipam_ip = optional_id(b, "ipam_ip_id");
  if (auto e = b.error()) return e;
  if (r.state == "detaching") return ApiError::transient_state("gateway_network", r.id, r.state);
  if (masq) r.body["masquerade_enabled"] = *masq;
  if (route) r.body["push_default_route"] = *route;
  if (bool_of(r.body, "push_default_route")) r.body["masquerade_enabled"] = true;
  if (ipam_ip && !ipam_ip->empty())
    if (auto e = switch_ipam_ip(tx, ctx, r, to_lower(*ipam_ip))) return e;
  auto u = reconfigure_gateway_network(tx, ctx, std::move(r));
  if (!u) return u.error();
  r = std::move(*u);
  return std::nullopt;
}

Result<Response> delete_network(Context& ctx) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = resource::load(ctx, tx, specs().network, true);
    if (!r) return api::fail(r.error());
    auto d = delete_gateway_network(tx, ctx, std::move(*r));
    if (!d) return api::fail(d.error());
    return Response::json(200, resource::answer(ctx, tx, specs().network, *d));
  });
}

// --- IPs ---

std::optional<ApiError> update_ip_v2(Context& ctx, store::Tx& tx, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto reverse = b.str("reverse");
  auto gateway = optional_id(b, "gateway_id");
  if (reverse && !reverse->empty()) {
    auto& s = *reverse;
    bool ok = s.size() <= 253 && s.find("..") == std::string::npos && s.front() != '.' &&
              std::all_of(s.begin(), s.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
              });
    if (!ok) b.add("reverse", ArgReason::kConstraint, "must be a valid domain name");
  }
  if (auto e = b.error()) return e;
  return update_ip(ctx, tx, r, reverse, gateway);
}

}  // namespace

void register_v2(app::Registry& r, app::Services&) {
  const std::string z = "/vpc-gw/v2/zones/{zone}";
  using app::body_ref;
  // As in v1: the gateway takes its IP, a gateway network plugs the gateway into a Private
  // Network with an IPAM address, PAT rules and IPs change their gateway.
  const app::Reference gateway = body_ref("gateway_id", Access::kWrite, {kGatewayRef});
  const app::Reference ipam_ip = body_ref("ipam_ip_id", Access::kWrite, {ipam::kIpRef});
  auto& s = specs();
  for (auto* spec : {&s.gateway, &s.network, &s.pat_rule, &s.ip}) resource::add_resource(r, *spec);
  r.add("POST", z + "/gateways", kGateway.write, create_gateway_h)
      .refs({body_ref("ip_id", Access::kWrite, {kIpRef})});
  r.add("PATCH", z + "/gateways/{gateway_id}", kGateway.write, update_gateway_h);
  r.add("DELETE", z + "/gateways/{gateway_id}", kGateway.write, delete_gateway_h);
  r.add("POST", z + "/gateways/{gateway_id}/upgrade", kGateway.write, upgrade_gateway_h);
  r.add("POST", z + "/gateways/{gateway_id}/refresh-ssh-keys", kGateway.write, refresh_ssh_keys);
  r.add("POST", z + "/gateways/{gateway_id}/bastion-allowed-ips", kGateway.write, add_bastion_ip);
  r.add("PUT", z + "/gateways/{gateway_id}/bastion-allowed-ips", kGateway.write, set_bastion_ips);
  r.add("DELETE", z + "/gateways/{gateway_id}/bastion-allowed-ips/{ip_range}", kGateway.write,
        delete_bastion_ip);
  r.add("DELETE", z + "/gateways/{gateway_id}/bastion-allowed-ips/{ip_range}/{ip_prefix}",
        kGateway.write, delete_bastion_ip);
  r.add("POST", z + "/gateway-networks", kNetwork.write, create_network)
      .refs({gateway, body_ref("private_network_id", Access::kWrite, {vpc::kPrivateNetworkRef}),
             ipam_ip});
  r.add("DELETE", z + "/gateway-networks/{gateway_network_id}", kNetwork.write, delete_network);
  r.add("POST", z + "/pat-rules", kPat.write, [](Context& ctx) {
     return create_pat_rule_route(ctx, specs().pat_rule, true);
   }).refs({gateway});
  r.add("PUT", z + "/pat-rules", kPat.write, [](Context& ctx) {
     return set_pat_rules_route(ctx, specs().pat_rule, true);
   }).refs({gateway});
  r.add("GET", z + "/gateway-types", kGateway.read, list_gateway_types_route);
}

}  // namespace scwd::products::vpcgw
