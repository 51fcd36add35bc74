// Public Gateways v1 (/vpc-gw/v1/zones/{zone}): the same gateways, gateway networks, IPs and PAT
// rules as v2 (model.hpp does every change, specs.cpp declares what both versions share),
// rendered in v1 shapes: `type` object, the IP under `ip`, `enable_masquerade`, gateway networks
// in DHCP / static / IPAM mode, DELETE answering 204 with cleanup_dhcp. DHCP configurations and
// entries are in dhcp.cpp.
#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "core/codec/validate.hpp"
#include "core/router/locality.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/ipam/ipam.hpp"
#include "products/prelude.hpp"
#include "products/vpc/net.hpp"
#include "products/vpc/vpc.hpp"
#include "products/vpcgw/dhcp.hpp"
#include "products/vpcgw/model.hpp"

namespace scwd::products::vpcgw {

using resource::View;

namespace {

// refresh-ssh-keys answers `running`, then the gateway is `configuring` for a few seconds.
constexpr Micros kActionDelay = 300'000;
const std::vector<std::string> kNoStatus = {"unknown"};

// A body value, null when absent or an empty string.
json::value body_or_null(const store::Record& r, std::string_view key) {
  auto v = value_of(r.body, key);
  if (v.is_string() && v.as_string().empty()) return nullptr;
  return v;
}
std::string region_of(std::string_view zone) { return std::string(locality::region_of_zone(zone)); }
bool is_ipam_mode(const store::Record& gn) {
  return !body_or_null(gn, "ipam_ip_id").is_null() ||
         (body_or_null(gn, "dhcp_id").is_null() && body_or_null(gn, "address").is_null());
}

// --- rendering (v1 shapes) ---

json::object render_ip(const store::Record& ip) {
  auto o = v1_owned(ip);
  o["tags"] = strings_json(ip.tags);
  o["address"] = str_of(ip.body, "address");
  o["reverse"] = body_or_null(ip, "reverse");
  o["gateway_id"] = ip.parent_id.empty() ? json::value(nullptr) : json::value(ip.parent_id);
  o["zone"] = ip.locality;
  return o;
}

// A gateway network with its DHCP configuration (prefetched).
json::object render_network(const View& v, const store::Record& gn) {
  json::object o;
  o["id"] = gn.id;
  o["created_at"] = ts(gn.created_at);
  o["updated_at"] = ts(gn.updated_at);
  o["gateway_id"] = gn.parent_id;
  o["private_network_id"] = str_of(gn.body, "private_network_id");
  o["mac_address"] = body_or_null(gn, "mac_address");
  o["enable_masquerade"] = bool_of(gn.body, "masquerade_enabled");
  o["status"] = gn.state;
  auto* d = v.related.find(kDhcpKind, str_of(gn.body, "dhcp_id"));
  o["dhcp"] = d ? json::value(dhcp::render(*d)) : json::value(nullptr);
  o["enable_dhcp"] = bool_of(gn.body, "enable_dhcp", true);
  o["address"] = body_or_null(gn, "address");
  auto ipam_ip = body_or_null(gn, "ipam_ip_id");
  o["ipam_config"] =
      ipam_ip.is_null()
          ? json::value(nullptr)
          : json::value(json::object{{"push_default_route", bool_of(gn.body, "push_default_route")},
                                     {"ipam_ip_id", ipam_ip}});
  o["zone"] = gn.locality;
  return o;
}

json::object render_type(std::string_view zone, std::string_view name) {
  auto t = find_gateway_type(zone, name);
  return json::object{
      {"name", name}, {"bandwidth", t ? t->bandwidth_bps : std::int64_t{0}}, {"zone", zone}};
}

json::object render_gateway(const View& v, const store::Record& gw) {
  auto o = v1_owned(gw);
  o["type"] = render_type(gw.locality, str_of(gw.body, "type"));
  o["status"] = gw.state;
  o["name"] = gw.name;
  o["tags"] = strings_json(gw.tags);
  auto* ip = v.related.find(kIpKind, str_of(gw.body, "ip_id"));
  o["ip"] = ip && ip->parent_id == gw.id ? json::value(render_ip(*ip)) : json::value(nullptr);
  json::array networks;
  for (auto* gn : v.related.children(kGatewayNetworkKind, gw.id))
    networks.push_back(render_network(v, *gn));
  o["gateway_networks"] = std::move(networks);
  auto dns = gw.body.if_contains("upstream_dns_servers");
  o["upstream_dns_servers"] = dns && dns->is_array() ? *dns : json::array{};
  o["version"] = body_or_null(gw, "version");
  o["can_upgrade_to"] = body_or_null(gw, "can_upgrade_to");
  o["bastion_enabled"] = bool_of(gw.body, "bastion_enabled");
  o["bastion_port"] = int_of(gw.body, "bastion_port", 61000);
  o["smtp_enabled"] = bool_of(gw.body, "smtp_enabled");
  o["is_legacy"] = bool_of(gw.body, "is_legacy");
  // Recorded: a new gateway answers false while allocating and true once booted (routed IP).
  o["ip_mobility_enabled"] = bool_of(gw.body, "ip_mobility_enabled") || gw.state != "allocating";
  o["zone"] = gw.locality;
  return o;
}

json::object render_pat(const store::Record& r) {
  json::object o;
  o["id"] = r.id;
  o["gateway_id"] = r.parent_id;
  o["created_at"] = ts(r.created_at);
  o["updated_at"] = ts(r.updated_at);
  o["public_port"] = int_of(r.body, "public_port");
  o["private_ip"] = str_of(r.body, "private_ip");
  o["private_port"] = int_of(r.body, "private_port");
  auto proto = str_of(r.body, "protocol");
  o["protocol"] = proto.empty() ? "unknown" : proto;
  o["zone"] = r.locality;
  return o;
}

// --- declarations ---

std::optional<ApiError> update_gateway(Context& ctx, store::Tx& tx, store::Record& gw);
std::optional<ApiError> upgrade(Context& ctx, store::Tx& tx, store::Record& gw);
std::optional<ApiError> refresh_ssh_keys(Context& ctx, store::Tx& tx, store::Record& gw);
std::optional<ApiError> update_network(Context& ctx, store::Tx& tx, store::Record& gn);
std::optional<ApiError> update_ip_v1(Context& ctx, store::Tx& tx, store::Record& ip);

// A gateway network's DHCP configuration.
resource::Related dhcp_of(std::string via = {}) {
  return {std::string(kDhcpKind),
          [](const store::Record& gn, std::vector<std::string>& ids) {
            ids.push_back(str_of(gn.body, "dhcp_id"));
          },
          {},
          std::move(via)};
}

struct Specs {
  resource::Spec gateway, network, pat_rule, ip;
};

const Specs& specs() {
  static const Specs s = [] {
    const std::string z = "/vpc-gw/v1/zones/{zone}";
    const auto gateway_ref = app::body_ref("gateway_id", Access::kWrite, {kGatewayRef});
    const auto dhcp_ref = app::body_ref("dhcp_id", Access::kWrite, {kDhcpRef});
    const auto ipam_ref = app::body_ref("ipam_config.ipam_ip_id", Access::kWrite, {ipam::kIpRef});
    Specs out{gateway_spec(), gateway_network_spec(), pat_rule_spec(false), ip_spec()};
    auto& g = out.gateway;
    g.collections = {z + "/gateways"};
    g.render = render_gateway;
    g.related.push_back(dhcp_of(std::string(kGatewayNetworkKind)));
    g.filters.push_back(resource::body_eq("type"));
    g.filters.push_back(enum_in("status", Column::kState, {}, kNoStatus));
    g.filters.push_back(gateways_in_private_networks("private_network_id", false));
    g.list_refs.not_refs = {"private_network_id"};  // a filter of the (scoped) list
    g.update = update_gateway;
    g.actions = {{"POST", "upgrade", upgrade}, {"POST", "refresh-ssh-keys", refresh_ssh_keys}};

    auto& n = out.network;
    n.collections = {z + "/gateway-networks"};
    n.render = render_network;
    n.related = {dhcp_of()};
    n.filters = {id_eq("gateway_id", Column::kParent),
                 id_eq("private_network_id", Column::kBody, "private_network_id"),
                 id_eq("dhcp_id", Column::kBody, "dhcp_id"),
                 resource::body_bool("enable_masquerade", "masquerade_enabled"),
                 enum_in("status", Column::kState, {}, kNoStatus)};
    n.list_refs.not_refs = {"dhcp_id", "gateway_id", "private_network_id"};
    n.update = update_network;
    n.update_refs.refs = {dhcp_ref, ipam_ref};

    auto& p = out.pat_rule;
    p.collections = {z + "/pat-rules"};
    p.render = [](const View&, const store::Record& r) { return render_pat(r); };
    p.filters = {id_eq("gateway_id", Column::kParent), resource::body_eq("private_ip"),
                 enum_in("protocol", Column::kBody, "protocol", {"unknown"})};
    p.list_refs.not_refs = {"gateway_id"};

    auto& ip = out.ip;
    ip.collections = {z + "/ips"};
    ip.render = [](const View&, const store::Record& r) { return render_ip(r); };
    ip.order_fields = {{"ip", Column::kBody, "address"}, {"reverse", Column::kBody, "reverse"}};
    ip.update = update_ip_v1;
    ip.update_refs.refs = {gateway_ref};
    return out;
  }();
  return s;
}

Result<store::Record> load_gateway(const Context& ctx, store::Tx& tx) {
  return resource::load(ctx, tx, specs().gateway, true);
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
      return ApiError::constraint(
          "ipam_config", "DHCP and IPAM configurations cannot be mixed on gateway " + gw.id +
                             " (gateway network " + other.id + ")");
  }
  return std::nullopt;
}

// Puts a gateway network in IPAM mode: a given IPAM IP, or one booked for it.
std::optional<ApiError> to_ipam(store::Tx& tx, const Context& ctx, store::Record& gn,
                                const std::optional<std::string>& ipam_ip_id) {
  if (ipam_ip_id && !ipam_ip_id->empty()) {
    if (auto e = switch_ipam_ip(tx, ctx, gn, to_lower(*ipam_ip_id))) return e;
  } else if (body_or_null(gn, "ipam_ip_id").is_null()) {
    auto pn = vpc::find_private_network(tx, ctx, region_of(gn.locality),
                                        str_of(gn.body, "private_network_id"));
    if (!pn) return pn.error();
    std::string gw_name;
    if (auto gw = tx.get(kGatewayKind, gn.parent_id)) gw_name = gw->name;
    auto mac = str_of(gn.body, "mac_address");
    if (mac.empty()) mac = str_of(gn.body, "_mac");
    auto ip = book_address(tx, ctx, *pn, ipam::Resource{"vpc_gateway_network", gn.id, mac, gw_name},
                           ctx.now());
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
    auto dhcp_id = str_of(gn.body, "dhcp_id");
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

struct GatewayIn {
  std::optional<std::string> project_id, name;
  std::optional<std::vector<std::string>> tags;
  std::optional<std::string> type;
  std::optional<std::vector<std::string>> upstream_dns_servers;
  std::optional<std::string> ip_id;
  std::optional<bool> enable_smtp, enable_bastion;
  std::optional<std::int64_t> bastion_port;
};
BOOST_DESCRIBE_STRUCT(GatewayIn, (),
                      (project_id, name, tags, type, upstream_dns_servers, ip_id, enable_smtp,
                       enable_bastion, bastion_port))

// The fields a PATCH may change, in the order they are checked.
struct GatewayPatch {
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> tags, upstream_dns_servers;
  std::optional<bool> enable_bastion;
  std::optional<std::int64_t> bastion_port;
  std::optional<bool> enable_smtp;
};
BOOST_DESCRIBE_STRUCT(GatewayPatch, (),
                      (name, tags, upstream_dns_servers, enable_bastion, bastion_port, enable_smtp))

Result<Response> create_gateway_v1(Context& ctx) {
  codec::BodyReader b(ctx.body);
  GatewayIn in;
  codec::read(b, in);
  auto& [project, name, tags, type, dns, ip_id, smtp, bastion, port] = in;  // declaration order
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
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto owner = app::resolve_owner(ctx, tx, project, std::nullopt);
    if (!owner) return api::fail(owner.error());
    auto gw = create_gateway(tx, ctx, *owner, g);
    if (!gw) return api::fail(gw.error());
    // The create answer shows no version yet (reads do a few ms later).
    auto o = resource::answer(ctx, tx, specs().gateway, *gw).as_object();
    o["version"] = nullptr;
    return Response::json(200, std::move(o));
  });
}

// PATCH gateways/{id}.
std::optional<ApiError> update_gateway(Context& ctx, store::Tx& tx, store::Record& gw) {
  codec::BodyReader b(ctx.body);
  GatewayPatch in;
  codec::read(b, in);
  auto& [name, tags, dns, bastion, port, smtp] = in;  // declaration order
  check_dns(b, dns);
  if (port && (*port < 1 || *port > 65535))
    b.add("bastion_port", ArgReason::kConstraint, "must be a valid TCP port");
  if (auto e = b.error()) return e;
  auto now = ctx.now();
  bool reconfigure = false;
  if (bastion && *bastion != bool_of(gw.body, "bastion_enabled")) {
    gw.body["bastion_enabled"] = *bastion;
    reconfigure = true;
  }
  if (port && *port != int_of(gw.body, "bastion_port", 61000)) {
    gw.body["bastion_port"] = *port;
    reconfigure = true;
  }
  if (smtp && *smtp != bool_of(gw.body, "smtp_enabled")) {
    gw.body["smtp_enabled"] = *smtp;
    reconfigure = true;
  }
  if (dns && json::value(strings_json(*dns)) != gw.body["upstream_dns_servers"]) {
    gw.body["upstream_dns_servers"] = strings_json(*dns);
    reconfigure = true;
  }
  if (reconfigure)
    if (auto e = start_configuring(ctx, gw)) return e;
  if (name && *name != gw.name) {
    gw.name = *name;
    for (auto& gn : gateway_networks_of(tx, gw.id)) ipam::rename_resource(tx, gn.id, *name, now);
  }
  if (tags) gw.tags = *tags;
  return std::nullopt;
}

Result<Response> delete_gateway_v1(Context& ctx) {
  bool cleanup = false;
  if (auto v = ctx.query_opt("cleanup_dhcp")) cleanup = *v == "true" || *v == "1";
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto gw = load_gateway(ctx, tx);
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

std::optional<ApiError> upgrade(Context& ctx, store::Tx& tx, store::Record& gw) {
  codec::BodyReader b(ctx.body);
  auto type = b.str("type");
  if (auto e = b.error()) return e;
  auto up = upgrade_gateway(tx, ctx, gw, type);
  if (!up) return up.error();
  gw = std::move(*up);
  return std::nullopt;
}

std::optional<ApiError> refresh_ssh_keys(Context& ctx, store::Tx&, store::Record& gw) {
  if (auto e = require_stable(gw)) return e;
  ctx.svc.lifecycle.start(gw, ctx.now(),
                          {{gw.state, 0, ""},
                           {"configuring", kActionDelay, ""},
                           {"running", kGatewayConfigureTime, ""}});
  return std::nullopt;
}

Result<Response> enable_ip_mobility(Context& ctx) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto gw = load_gateway(ctx, tx);
    if (!gw) return api::fail(gw.error());
    if (!bool_of(gw->body, "ip_mobility_enabled")) {
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
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto gw = load_gateway(ctx, tx);
    if (!gw) return api::fail(gw.error());
    if (!bool_of(gw->body, "is_legacy")) return Response::no_content();
    if (auto e = require_stable(*gw)) return api::fail(*e);
    auto now = ctx.now();
    bool changed = false;
    for (auto& gn : gateway_networks_of(tx, gw->id)) {
      if (is_ipam_mode(gn) || gn.state == "detaching") continue;
      bool push = bool_of(gn.body, "push_default_route");
      if (auto id = str_of(gn.body, "dhcp_id"); !id.empty())
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
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
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
    if (!ipam && !bool_of(gw->body, "is_legacy")) {
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
    return Response::json(200, resource::answer(ctx, tx, specs().network, *gn));
  });
}

// PATCH gateway-networks/{id}: switches between DHCP, static and IPAM modes.
std::optional<ApiError> update_network(Context& ctx, store::Tx& tx, store::Record& gn) {
  codec::BodyReader b(ctx.body);
  auto masquerade = b.boolean("enable_masquerade");
  auto enable_dhcp = b.boolean("enable_dhcp");
  auto cfg = read_ip_config(b, false);
  if (cfg.error) return cfg.error;
  if (auto e = b.error()) return e;
  auto gw = tx.get(kGatewayKind, gn.parent_id);
  if (!gw) return ApiError::not_found("gateway_network", gn.id);
  bool was_ipam = is_ipam_mode(gn);
  if (cfg.dhcp_id || cfg.address) {
    if (was_ipam)
      return ApiError::constraint(
          cfg.dhcp_id ? "dhcp_id" : "address",
          "an IPAM gateway network cannot go back to a DHCP or static configuration");
    if (auto e = check_mode(tx, *gw, false, gn.id)) return e;
  }
  if (cfg.dhcp_id) {
    auto d = dhcp::load(tx, ctx, *cfg.dhcp_id);
    if (!d) return d.error();
    gn.body["dhcp_id"] = d->id;
    gn.body["address"] = nullptr;
    gn.body["enable_dhcp"] = enable_dhcp.value_or(true);
  } else if (cfg.address) {
    if (enable_dhcp && *enable_dhcp)
      return ApiError::constraint("enable_dhcp",
                                  "enable_dhcp needs dhcp_id (not a static address)");
    gn.body["address"] = *cfg.address;
    gn.body["dhcp_id"] = nullptr;
    gn.body["enable_dhcp"] = false;
    dhcp::delete_entries_of(tx, gn.id);
  } else if (cfg.ipam_config) {
    if (!was_ipam)
      if (auto e = check_mode(tx, *gw, true, gn.id)) return e;
    if (auto e = to_ipam(tx, ctx, gn, cfg.ipam_ip_id)) return e;
    if (cfg.push_default_route) {
      gn.body["push_default_route"] = *cfg.push_default_route;
      if (*cfg.push_default_route) gn.body["masquerade_enabled"] = true;
    }
  } else if (enable_dhcp && !was_ipam) {
    if (*enable_dhcp && str_of(gn.body, "dhcp_id").empty())
      return ApiError::constraint("enable_dhcp", "enable_dhcp needs a DHCP configuration");
    gn.body["enable_dhcp"] = *enable_dhcp;
  }
  if (masquerade && !(was_ipam || cfg.ipam_config)) gn.body["masquerade_enabled"] = *masquerade;
  auto updated = reconfigure_gateway_network(tx, ctx, gn);
  if (!updated) return updated.error();
  gn = std::move(*updated);
  return std::nullopt;
}

Result<Response> delete_network(Context& ctx) {
  bool cleanup = false;
  if (auto v = ctx.query_opt("cleanup_dhcp")) cleanup = *v == "true" || *v == "1";
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto gn = resource::load(ctx, tx, specs().network, true);
    if (!gn) return api::fail(gn.error());
    auto deleted = delete_gateway_network(tx, ctx, *gn);
    if (!deleted) return api::fail(deleted.error());
    dhcp::delete_entries_of(tx, gn->id);
    if (cleanup) dhcp::cleanup(tx, str_of(gn->body, "dhcp_id"), gn->id);
    return Response::no_content();
  });
}

// --- IPs ---

std::optional<ApiError> update_ip_v1(Context& ctx, store::Tx& tx, store::Record& ip) {
  codec::BodyReader b(ctx.body);
  auto reverse = b.str("reverse");
  auto gateway_id = b.str("gateway_id");
  if (auto e = b.error()) return e;
  return update_ip(ctx, tx, ip, reverse, gateway_id);
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
  auto& s = specs();
  for (auto* spec : {&s.gateway, &s.network, &s.pat_rule, &s.ip}) resource::add_resource(r, *spec);
  r.add("POST", z + "/gateways", kGateway.write, create_gateway_v1)
      .refs({body_ref("ip_id", Access::kWrite, {kIpRef})});
  r.add("DELETE", z + "/gateways/{gateway_id}", kGateway.write, delete_gateway_v1);
  r.add("POST", z + "/gateways/{gateway_id}/enable-ip-mobility", kGateway.write,
        enable_ip_mobility);
  r.add("POST", z + "/gateways/{gateway_id}/migrate-to-v2", kGateway.write, migrate_to_v2);
  // `dhcp` is a DHCP configuration to create, not an id.
  r.add("POST", z + "/gateway-networks", kNetwork.write, create_network)
      .refs({gateway, body_ref("private_network_id", Access::kWrite, {vpc::kPrivateNetworkRef}),
             dhcp, ipam_ip});
  r.add("DELETE", z + "/gateway-networks/{gateway_network_id}", kNetwork.write, delete_network);
  r.add("POST", z + "/pat-rules", kPat.write, [](Context& ctx) {
     return create_pat_rule_route(ctx, specs().pat_rule, false);
   }).refs({gateway});
  r.add("PUT", z + "/pat-rules", kPat.write, [](Context& ctx) {
     return set_pat_rules_route(ctx, specs().pat_rule, false);
   }).refs({gateway});
  r.add("GET", z + "/gateway-types", kGateway.read, list_gateway_types_route);
  dhcp::register_routes(r);
}

}  // namespace scwd::products::vpcgw
