// Public Gateways model: the record operations shared by vpc-gw v1 and v2 (see model.hpp).
#include "products/vpcgw/model.hpp"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <random>

#include "core/quota/quota.hpp"
#include "core/resource/records.hpp"
#include "core/router/locality.hpp"
#include "core/util/ids.hpp"
#include "products/ipam/ipam.hpp"
#include "products/prelude.hpp"
#include "products/vpc/net.hpp"
#include "products/vpc/vpc.hpp"

namespace scwd::products::vpcgw {

namespace {

// The offers and their bandwidth in bits per second (gateway-types answers bps; the v2 Gateway
// object shows Mbps).
constexpr std::array<GatewayType, 4> kTypes = {{{"VPC-GW-S", 100'000'000},
                                                {"VPC-GW-M", 1'000'000'000},
                                                {"VPC-GW-L", 3'000'000'000},
                                                {"VPC-GW-XL", 10'000'000'000}}};

// Gateway sub-step: `allocating`, then `configuring` within half a second, then `running`.
constexpr Micros kConfigureAfter = 400'000;

// Per-organization limits (scwd's choice: the platform's defaults are not documented);
// --quota vpcgw_gateways=N / vpcgw_ips=N override them.
const quota::Quota kGatewayQuota{"vpcgw_gateways", {kGatewayKind}, 50};

std::mt19937_64& rng() {
  thread_local std::mt19937_64 g{std::random_device{}()};
  return g;
}

bool body_bool(const store::Record& r, std::string_view key) {
  auto it = r.body.find(key);
  return it != r.body.end() && it->value().is_bool() && it->value().as_bool();
}

std::string body_str(const store::Record& r, std::string_view key) {
  auto it = r.body.find(key);
  return it != r.body.end() && it->value().is_string() ? std::string(it->value().as_string())
                                                       : std::string();
}

std::string random_mac() {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::uniform_int_distribution<int> d(0, 255);
  std::string s = "02:00:00";
  for (int i = 0; i < 3; ++i) {
    int b = d(rng());
    s += ':';
    s += kHex[b >> 4];
    s += kHex[b & 15];
  }
  return s;
}

// Public IPv4 pools the real gateways got their addresses from.
std::string random_public_ipv4() {
  struct Pool {
    int a, b, c_low, c_high;
  };
  static constexpr std::array<Pool, 3> kPools = {
      {{51, 15, 0, 255}, {212, 47, 224, 255}, {163, 172, 128, 255}}};
  auto& p = kPools[std::uniform_int_distribution<std::size_t>(0, kPools.size() - 1)(rng())];
  int c = std::uniform_int_distribution<int>(p.c_low, p.c_high)(rng());
  int d = std::uniform_int_distribution<int>(1, 254)(rng());
  return std::to_string(p.a) + "." + std::to_string(p.b) + "." + std::to_string(c) + "." +
         std::to_string(d);
}

std::string region_of(std::string_view zone) { return std::string(locality::region_of_zone(zone)); }

// Frees or deletes the IPAM address a gateway network holds.
void drop_ipam(store::Tx& tx, store::Record& gn, Micros now) {
  auto ip_id = body_str(gn, "ipam_ip_id");
  if (ip_id.empty() || body_bool(gn, "_ipam_dropped")) return;
  gn.body["_ipam_dropped"] = true;
  auto region = region_of(gn.locality);
  if (body_bool(gn, "ipam_auto_booked"))
    ipam::release(tx, region, ip_id);
  else
    ipam::detach(tx, region, ip_id, now);
}

void set_gateway_ip_link(store::Record& ip, const std::string& gateway_id, Micros now) {
  ip.parent_id = gateway_id;
  ip.updated_at = now;
}

void on_gateway_enter(store::Tx& tx, store::Record& r, const lifecycle::Step& step, Micros at) {
  if (step.state == lifecycle::kDeleted) {
    for (auto& gn : gateway_networks_of(tx, r.id)) {
      drop_ipam(tx, gn, at);
      tx.remove(kGatewayNetworkKind, gn.id);
    }
    for (auto& rule : pat_rules_of(tx, r.id)) tx.remove(kPatRuleKind, rule.id);
    if (auto ip = ip_of(tx, r)) {
      if (body_bool(r, "_delete_ip")) {
        tx.remove(kIpKind, ip->id);
      } else {
        set_gateway_ip_link(*ip, "", at);
        tx.update(*ip);
      }
    }
    return;
  }
  r.updated_at = at;
}

void on_network_enter(store::Tx& tx, store::Record& r, const lifecycle::Step& step, Micros at) {
  if (step.state == lifecycle::kDeleted) {
    drop_ipam(tx, r, at);  // normally done when the detach started
    return;
  }
  if (step.state == "configuring" || step.state == "ready") {
    if (auto it = r.body.find("mac_address"); it == r.body.end() || it->value().is_null()) {
      auto mac = body_str(r, "_mac");
      r.body["mac_address"] = mac.empty() ? random_mac() : mac;
    }
  }
  r.updated_at = at;
}

bool protocols_overlap(std::string_view a, std::string_view b) {
  return a == b || a == "both" || b == "both";
}

store::Record new_pat_rule(const app::Context& ctx, const store::Record& gateway,
                           const PatRuleSpec& spec) {
  store::Record r = resource::new_child(kPatRuleKind, gateway, ctx.now());
  r.body = json::object{{"public_port", spec.public_port},
                        {"private_ip", spec.private_ip},
                        {"private_port", spec.private_port},
                        {"protocol", spec.protocol}};
  return r;
}

}  // namespace

json::object v1_owned(const store::Record& r) {
  return json::object{{"id", r.id},
                      {"organization_id", r.organization_id},
                      {"project_id", r.project_id},
                      {"created_at", ts(r.created_at)},
                      {"updated_at", ts(r.updated_at)}};
}

// Registered by the vpcgw module (module.cpp).
void register_hooks(lifecycle::Engine& engine) {
  engine.on_enter(std::string(kGatewayKind), on_gateway_enter);
  engine.on_enter(std::string(kGatewayNetworkKind), on_network_enter);
}

std::vector<GatewayType> gateway_types(std::string_view) { return {kTypes.begin(), kTypes.end()}; }

std::optional<GatewayType> find_gateway_type(std::string_view zone, std::string_view name) {
  for (auto& t : gateway_types(zone))
    if (t.name == name) return t;
  return std::nullopt;
}

std::optional<ApiError> require_stable(const store::Record& gateway) {
  static constexpr std::array<std::string_view, 4> kTransient = {"allocating", "configuring",
                                                                 "stopping", "deleting"};
  bool transient =
      std::find(kTransient.begin(), kTransient.end(), gateway.state) != kTransient.end();
  if (transient || lifecycle::Engine::pending(gateway))
    return ApiError::transient_state("gateway", gateway.id, gateway.state);
  return std::nullopt;
}

std::optional<ApiError> start_configuring(const app::Context& ctx, store::Record& gateway,
                                          Micros realistic) {
  if (auto e = require_stable(gateway)) return e;
  auto now = ctx.now();
  gateway.updated_at = now;
  ctx.svc.lifecycle.start(gateway, now, {{"configuring", 0, ""}, {"running", realistic, ""}});
  return std::nullopt;
}

std::optional<ApiError> schedule_configuring(const app::Context& ctx, store::Record& gateway,
                                             Micros realistic) {
  return start_configuring(ctx, gateway, realistic);
}

std::string default_reverse(std::string_view address) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : address) {
    if (c == '.') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  std::string out;
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (!out.empty()) out += '-';
    out += *it;
  }
  return out + ".instances.scw.cloud";
}

const quota::Quota kIpQuota{"vpcgw_ips", {kIpKind}, 50};

void assign_address(store::Tx& tx, store::Record& ip) {
  std::string address;
  for (int i = 0; i < 64; ++i) {
    address = random_public_ipv4();
    if (!tx.get_by_key(kIpKind, "address:" + address)) break;
  }
  ip.keys = {"address:" + address};
  ip.body = json::object{{"address", address}, {"reverse", default_reverse(address)}};
}

store::Record allocate_ip(store::Tx& tx, const app::Owner& owner, std::string_view zone,
                          const std::vector<std::string>& tags, Micros now) {
  store::Record r = resource::new_record(kIpKind, owner, zone, now);
  r.tags = tags;
  assign_address(tx, r);
  tx.insert(r);
  return r;
}

std::optional<store::Record> ip_of(store::Tx& tx, const store::Record& gateway) {
  auto id = body_str(gateway, "ip_id");
  if (id.empty()) return std::nullopt;
  auto ip = tx.get(kIpKind, id);
  if (!ip || ip->parent_id != gateway.id) return std::nullopt;
  return ip;
}

Result<store::Record> create_gateway(store::Tx& tx, const app::Context& ctx,
                                     const app::Owner& owner, const NewGateway& g) {
  auto zone = ctx.zone();
  auto type = find_gateway_type(zone, g.type);
  if (!type)
    return api::fail(
        ApiError::constraint("type", "gateway type \"" + g.type + "\" is not available"));
  if (g.bastion_port < 1 || g.bastion_port > 65535)
    return api::fail(ApiError::constraint("bastion_port", "must be a valid TCP port"));
  if (auto e = quota::check(tx, ctx.svc.config, kGatewayQuota, owner.organization_id))
    return api::fail(*e);
  if (!g.ip_id) {
    if (auto e = quota::check(tx, ctx.svc.config, kIpQuota, owner.organization_id))
      return api::fail(*e);
  }
  auto now = ctx.now();
  store::Record gw = resource::new_record(kGatewayKind, owner, zone, now);
  gw.name = g.name;
  gw.tags = g.tags;

  store::Record ip;
  if (g.ip_id) {
    auto found = load(tx, ctx, kIpKind, *g.ip_id, "ip");
    if (!found) return api::fail(found.error());
    if (!found->parent_id.empty())
      return api::fail(ApiError::constraint(
          "ip_id", "IP " + found->id + " is already attached to gateway " + found->parent_id));
    if (found->project_id != owner.project_id)
      return api::fail(
          ApiError::constraint("ip_id", "the IP must belong to the gateway's project"));
    ip = std::move(*found);
  } else {
    ip = allocate_ip(tx, owner, zone, {}, now);
  }
  ip.parent_id = gw.id;  // the real IP keeps its updated_at when a new gateway takes it
  tx.update(ip);

  gw.body = json::object{{"type", type->name},
                         {"ip_id", ip.id},
                         {"bastion_enabled", g.enable_bastion},
                         {"bastion_port", g.bastion_port},
                         {"bastion_allowed_ips", json::array{"0.0.0.0/0"}},
                         {"smtp_enabled", g.enable_smtp},
                         {"is_legacy", g.is_legacy},
                         {"upstream_dns_servers", json::array{}},
                         {"ip_mobility_enabled", false},
                         // Reads show the version tens of milliseconds after the create; the
                         // create answer itself has none (v2.cpp omits it there).
                         {"version", kGatewayVersion},
                         {"can_upgrade_to", nullptr}};
  auto& dns = gw.body["upstream_dns_servers"].as_array();
  for (auto& s : g.upstream_dns_servers) dns.push_back(json::string(s));
  ctx.svc.lifecycle.start(gw, now,
                          {{"allocating", 0, ""},
                           {"configuring", kConfigureAfter, ""},
                           {"running", kGatewayBootTime - kConfigureAfter, ""}});
  tx.insert(gw);
  return gw;
}

Result<store::Record> delete_gateway(store::Tx& tx, const app::Context& ctx, store::Record gateway,
                                     bool delete_ip) {
  if (auto e = require_stable(gateway)) return api::fail(*e);
  auto now = ctx.now();
  gateway.body["_delete_ip"] = delete_ip;
  gateway.updated_at = now;
  ctx.svc.lifecycle.start(
      gateway, now,
      {{"deleting", 0, ""}, {std::string(lifecycle::kDeleted), kGatewayDeleteTime, ""}});
  tx.update(gateway);
  return gateway;
}

Result<store::Record> upgrade_gateway(store::Tx& tx, const app::Context& ctx, store::Record gateway,
                                      const std::optional<std::string>& type) {
  if (auto e = require_stable(gateway)) return api::fail(*e);
  if (type && !type->empty()) {
    auto t = find_gateway_type(gateway.locality, *type);
    if (!t)
      return api::fail(
          ApiError::constraint("type", "gateway type \"" + *type + "\" is not available"));
    gateway.body["type"] = t->name;
  }
  gateway.body["version"] = kGatewayVersion;
  gateway.body["can_upgrade_to"] = nullptr;
  if (auto e = schedule_configuring(ctx, gateway, kGatewayConfigureTime)) return api::fail(*e);
  tx.update(gateway);
  return gateway;
}

std::vector<store::Record> gateway_networks_of(store::Tx& tx, std::string_view gateway_id) {
  store::ListQuery q;
  q.kind = std::string(kGatewayNetworkKind);
  q.filters.push_back(
      {store::Column::kParent, store::Op::kEq, {std::string(gateway_id)}, {}, false});
  q.order.push_back({store::Column::kCreatedAt, false, {}});
  q.with_total = false;
  return tx.list(q).items;
}

std::vector<store::Record> pat_rules_of(store::Tx& tx, std::string_view gateway_id) {
  store::ListQuery q;
  q.kind = std::string(kPatRuleKind);
  q.filters.push_back(
      {store::Column::kParent, store::Op::kEq, {std::string(gateway_id)}, {}, false});
  q.order.push_back({store::Column::kBody, false, "public_port"});
  q.order.push_back({store::Column::kCreatedAt, false, {}});
  q.with_total = false;
  return tx.list(q).items;
}

Result<store::Record> create_gateway_network(store::Tx& tx, const app::Context& ctx,
                                             const NewGatewayNetwork& n) {
  auto gw = load(tx, ctx, kGatewayKind, n.gateway_id, "gateway");
  if (!gw) return api::fail(gw.error());
  auto region = region_of(gw->locality);
  auto pn = vpc::find_private_network(tx, ctx, region, n.private_network_id);
  if (!pn) return api::fail(pn.error());
  if (auto e = require_stable(*gw)) return api::fail(*e);
  for (auto& other : gateway_networks_of(tx, gw->id))
    if (body_str(other, "private_network_id") == pn->id)
      return api::fail(ApiError::constraint(
          "private_network_id", "gateway " + gw->id + " is already attached to Private Network " +
                                    pn->id + " (gateway network " + other.id + ")"));

  auto now = ctx.now();
  store::Record r = resource::new_child(kGatewayNetworkKind, *gw, now);
  auto mac = random_mac();
  bool ipam_mode = !n.dhcp_id && !n.address;
  json::value ipam_ip_id = nullptr;
  bool auto_booked = false;
  if (ipam_mode) {
    ipam::Resource res{"vpc_gateway_network", r.id, mac, gw->name};
    if (n.ipam_ip_id && !n.ipam_ip_id->empty()) {
      auto ip = ipam::attach(tx, region, *n.ipam_ip_id, pn->id, res, now);
      if (!ip) return api::fail(ip.error());
      ipam_ip_id = json::string(ip->id);
    } else {
      auto ip = book_address(tx, ctx, *pn, res, now);
      if (!ip) return api::fail(ip.error());
      ipam_ip_id = json::string(ip->id);
      auto_booked = true;
    }
  }
  r.body = json::object{
      {"private_network_id", pn->id},
      {"mac_address", nullptr},
      {"_mac", mac},
      {"masquerade_enabled", n.enable_masquerade || n.push_default_route},
      {"push_default_route", n.push_default_route},
      {"ipam_ip_id", ipam_ip_id},
      {"ipam_auto_booked", auto_booked},
      {"dhcp_id", n.dhcp_id ? json::value(*n.dhcp_id) : json::value(nullptr)},
      {"enable_dhcp", n.enable_dhcp},
      {"address", n.address ? json::value(*n.address) : json::value(nullptr)},
  };
  // The creation answers `created`, but no read ever shows it (none in the recordings): the SDK
  // waiters (Go WaitForGatewayNetwork) take `created` for a terminal status and would return at
  // once. The stored record is `configuring` from the start.
  ctx.svc.lifecycle.start(r, now, {{"configuring", 0, ""}, {"ready", kNetworkAttachTime, ""}});
  tx.insert(r);
  if (auto e = start_configuring(ctx, *gw, kNetworkAttachTime)) return api::fail(*e);
  tx.update(*gw);
  r.state = "created";
  return r;
}

Result<store::Record> book_address(store::Tx& tx, const app::Context& ctx,
                                   const store::Record& private_network,
                                   const ipam::Resource& resource, Micros now) {
  ipam::Booking b;
  b.region = private_network.locality;  // a Private Network lives in a region
  b.organization_id = private_network.organization_id;
  b.project_id = private_network.project_id;
  b.private_network_id = private_network.id;
  b.resource = resource;
  return ipam::book(tx, ctx, b, now);
}

Result<store::Record> reconfigure_gateway_network(store::Tx& tx, const app::Context& ctx,
                                                  store::Record gn) {
  // The real API leaves the gateway `running` while one of its networks is reconfigured.
  auto now = ctx.now();
  if (gn.state == "detaching")
    return api::fail(ApiError::transient_state("gateway_network", gn.id, gn.state));
  gn.updated_at = now;
  if (auto it = gn.body.find("mac_address"); it == gn.body.end() || it->value().is_null()) {
    auto mac = body_str(gn, "_mac");
    gn.body["mac_address"] = mac.empty() ? random_mac() : mac;
  }
  lifecycle::Engine::cancel(gn);
  ctx.svc.lifecycle.start(gn, now, {{"configuring", 0, ""}, {"ready", kGatewayConfigureTime, ""}});
  tx.update(gn);
  return gn;
}

std::optional<ApiError> switch_ipam_ip(store::Tx& tx, const app::Context& ctx, store::Record& gn,
                                       const std::string& ipam_ip_id) {
  auto region = region_of(gn.locality);
  auto current = body_str(gn, "ipam_ip_id");
  if (current == ipam_ip_id) return std::nullopt;
  std::string gw_name;
  if (auto gw = tx.get(kGatewayKind, gn.parent_id)) gw_name = gw->name;
  auto now = ctx.now();
  // The real IPAM shows no MAC address on an address switched to through PATCH.
  auto ip = ipam::attach(tx, region, ipam_ip_id, body_str(gn, "private_network_id"),
                         ipam::Resource{"vpc_gateway_network", gn.id, "", gw_name}, now);
  if (!ip) return ip.error();
  drop_ipam(tx, gn, now);
  gn.body.erase("_ipam_dropped");
  gn.body["ipam_ip_id"] = ip->id;
  gn.body["ipam_auto_booked"] = false;
  return std::nullopt;
}

Result<store::Record> delete_gateway_network(store::Tx& tx, const app::Context& ctx,
                                             store::Record gn) {
  if (gn.state == "detaching") return gn;
  auto now = ctx.now();
  // The IPAM address is given back when the detach starts: clients release a user-booked
  // address (or delete the Private Network) right after the gateway network is gone.
  drop_ipam(tx, gn, now);
  gn.updated_at = now;
  lifecycle::Engine::cancel(gn);
  ctx.svc.lifecycle.start(
      gn, now, {{"detaching", 0, ""}, {std::string(lifecycle::kDeleted), kNetworkDetachTime, ""}});
  tx.update(gn);
  return gn;
}

// --- PAT rules ---

std::optional<ApiError> check_pat_rule(store::Tx& tx, const store::Record& gateway,
                                       const PatRuleSpec& spec, std::string_view except_id) {
  std::vector<api::ArgumentDetail> details;
  if (spec.public_port < 1 || spec.public_port > 65535)
    details.push_back({"public_port", ArgReason::kConstraint, "must be between 1 and 65535"});
  if (spec.private_port < 1 || spec.private_port > 65535)
    details.push_back({"private_port", ArgReason::kConstraint, "must be between 1 and 65535"});
  auto addr = vpc::net::parse_addr(spec.private_ip);
  if (!addr || addr->v6)
    details.push_back({"private_ip", ArgReason::kFormat, "must be a valid IPv4 address"});
  if (spec.protocol != "both" && spec.protocol != "tcp" && spec.protocol != "udp")
    details.push_back({"protocol", ArgReason::kConstraint, "must be one of both, tcp, udp"});
  if (!details.empty()) return ApiError::invalid_arguments(std::move(details));
  for (auto& other : pat_rules_of(tx, gateway.id)) {
    if (other.id == except_id) continue;
    auto it = other.body.find("public_port");
    if (it == other.body.end() || !it->value().is_int64() ||
        it->value().as_int64() != spec.public_port)
      continue;
    auto proto = body_str(other, "protocol");
    if (protocols_overlap(proto, spec.protocol))
      return ApiError::constraint(
          "public_port", "public port " + std::to_string(spec.public_port) + " (" + proto +
                             ") is already used by PAT rule " + other.id + " of this gateway");
  }
  return std::nullopt;
}

Result<store::Record> create_pat_rule(store::Tx& tx, const app::Context& ctx,
                                      const store::Record& gateway, const PatRuleSpec& spec) {
  if (auto e = check_pat_rule(tx, gateway, spec)) return api::fail(*e);
  auto r = new_pat_rule(ctx, gateway, spec);
  tx.insert(r);
  return r;
}

Result<store::Record> update_pat_rule(store::Tx& tx, const app::Context& ctx, store::Record rule,
                                      const PatRuleSpec& spec) {
  auto gw = tx.get(kGatewayKind, rule.parent_id);
  if (!gw) return api::fail(ApiError::not_found("gateway", rule.parent_id));
  if (auto e = check_pat_rule(tx, *gw, spec, rule.id)) return api::fail(*e);
  rule.body["public_port"] = spec.public_port;
  rule.body["private_ip"] = spec.private_ip;
  rule.body["private_port"] = spec.private_port;
  rule.body["protocol"] = spec.protocol;
  rule.updated_at = ctx.now();
  tx.update(rule);
  return rule;
}

Result<std::vector<store::Record>> set_pat_rules(store::Tx& tx, const app::Context& ctx,
                                                 const store::Record& gateway,
                                                 const std::vector<PatRuleSpec>& specs) {
  // Validate the new set on its own (ports, addresses, duplicates inside the set).
  std::vector<api::ArgumentDetail> details;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    auto& s = specs[i];
    auto prefix = "pat_rules." + std::to_string(i) + ".";
    if (s.public_port < 1 || s.public_port > 65535)
      details.push_back(
          {prefix + "public_port", ArgReason::kConstraint, "must be between 1 and 65535"});
    if (s.private_port < 1 || s.private_port > 65535)
      details.push_back(
          {prefix + "private_port", ArgReason::kConstraint, "must be between 1 and 65535"});
    auto addr = vpc::net::parse_addr(s.private_ip);
    if (!addr || addr->v6)
      details.push_back(
          {prefix + "private_ip", ArgReason::kFormat, "must be a valid IPv4 address"});
    for (std::size_t j = 0; j < i; ++j)
      if (specs[j].public_port == s.public_port)
        details.push_back({prefix + "public_port", ArgReason::kConstraint,
                           "public port " + std::to_string(s.public_port) +
                               " appears more than once (it is the key of the rule set)"});
  }
  if (!details.empty()) return api::fail(ApiError::invalid_arguments(std::move(details)));
  auto now = ctx.now();
  auto existing = pat_rules_of(tx, gateway.id);
  std::vector<bool> kept(existing.size(), false);
  for (auto& spec : specs) {
    // The first unmatched rule with this public port is updated in place; else a new one.
    std::size_t k = 0;
    for (; k < existing.size(); ++k) {
      auto& v = existing[k].body["public_port"];
      if (!kept[k] && v.is_int64() && v.as_int64() == spec.public_port) break;
    }
    if (k == existing.size()) {
      auto r = new_pat_rule(ctx, gateway, spec);
      tx.insert(r);
      continue;
    }
    kept[k] = true;
    auto& r = existing[k];
    if (r.body["private_ip"] != json::value(spec.private_ip) ||
        r.body["private_port"] != json::value(spec.private_port) ||
        r.body["protocol"] != json::value(spec.protocol)) {
      r.body["private_ip"] = spec.private_ip;
      r.body["private_port"] = spec.private_port;
      r.body["protocol"] = spec.protocol;
      r.updated_at = now;
      tx.update(r);
    }
  }
  for (std::size_t k = 0; k < existing.size(); ++k)
    if (!kept[k]) tx.remove(kPatRuleKind, existing[k].id);
  return pat_rules_of(tx, gateway.id);
}

// --- IPs ---

Result<store::Record> set_ip_gateway(store::Tx& tx, const app::Context& ctx, store::Record ip,
                                     const std::string& gateway_id) {
  auto now = ctx.now();
  if (gateway_id.empty()) {
    if (ip.parent_id.empty()) return ip;
    if (auto gw = tx.get(kGatewayKind, ip.parent_id)) {
      if (body_str(*gw, "ip_id") == ip.id) {
        gw->body["ip_id"] = nullptr;
        gw->updated_at = now;
        tx.update(*gw);
      }
    }
    set_gateway_ip_link(ip, "", now);
    tx.update(ip);
    return ip;
  }
  auto gw = load(tx, ctx, kGatewayKind, gateway_id, "gateway");
  if (!gw) return api::fail(gw.error());
  if (ip.parent_id == gw->id) return ip;
  if (!ip.parent_id.empty())
    return api::fail(ApiError::constraint(
        "gateway_id",
        "IP " + ip.id + " is already attached to gateway " + ip.parent_id + "; detach it first"));
  if (gw->project_id != ip.project_id)
    return api::fail(ApiError::constraint("gateway_id", "the gateway must be in the IP's project"));
  if (auto previous = ip_of(tx, *gw)) {
    set_gateway_ip_link(*previous, "", now);
    tx.update(*previous);
  }
  gw->body["ip_id"] = ip.id;
  gw->updated_at = now;
  tx.update(*gw);
  set_gateway_ip_link(ip, gw->id, now);
  tx.update(ip);
  return ip;
}

}  // namespace scwd::products::vpcgw
