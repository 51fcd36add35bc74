// Public Gateways v1: DHCP configurations (/dhcps) and DHCP entries (/dhcp-entries).
#include "products/vpcgw/dhcp.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <set>

#include "core/codec/validate.hpp"
#include "core/paging/paging.hpp"
#include "core/resource/records.hpp"
#include "core/resource/resource.hpp"
#include "core/router/locality.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/ipam/ipam.hpp"
#include "products/prelude.hpp"
#include "products/vpc/net.hpp"
#include "products/vpcgw/model.hpp"

namespace scwd::products::vpcgw::dhcp {

namespace net = vpc::net;

namespace {

constexpr auto kDhcp = permissions("VPCGateway", "dhcp");
constexpr auto kEntry = permissions("VPCGateway", "dhcp_entry");

constexpr std::int64_t kDefaultLifetime = 3600;
constexpr std::int64_t kDefaultRenew = 3000;
constexpr std::int64_t kDefaultRebind = 3060;
constexpr std::int64_t kDefaultPageSize = 50;

// "3000s", "3000.000000000s" (what the SDKs send), "3000" -> seconds.
std::optional<std::int64_t> parse_duration(std::string_view s) {
  if (!s.empty() && s.back() == 's') s.remove_suffix(1);
  if (s.empty()) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v) || v < 0 || v > 1e9)
    return std::nullopt;
  return static_cast<std::int64_t>(std::llround(v));
}
std::string format_duration(std::int64_t seconds) { return std::to_string(seconds) + "s"; }

std::optional<net::Addr> parse_v4(std::string_view s) {
  auto a = net::parse_addr(s);
  if (!a || a->v6) return std::nullopt;
  return a;
}

// An IPv4 subnet with room for the gateway and a pool (host bits cleared).
std::optional<net::Cidr> parse_subnet(std::string_view s) {
  auto c = net::parse_cidr(s);
  if (!c || c->addr.v6 || c->prefix < 8 || c->prefix > 30) return std::nullopt;
  c->host_bits_set = false;
  return c;
}

// Whether `a` is a usable host of `c` (not the network or broadcast address).
bool is_host(const net::Cidr& c, const net::Addr& a) {
  if (!net::contains(c, a)) return false;
  auto off = net::offset_v4(c, a);
  return off != 0 && off != net::size_v4(c) - 1;
}

std::string host(const net::Cidr& c, std::uint64_t offset) {
  return net::format_addr(net::nth_v4(c, offset));
}

bool valid_local_name(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.';
  });
}

// Checks a complete DHCP body (after defaults / an update): addresses inside the subnet, pool
// order, timers (renew <= rebind - 30 s <= lifetime - 60 s).
void check(const json::object& d, codec::BodyReader& b) {
  auto subnet = parse_subnet(str_of(d, "subnet"));
  if (!subnet) {
    b.add("subnet", ArgReason::kFormat, "must be an IPv4 subnet in CIDR notation (/8 to /30)");
    return;
  }
  auto inside = [&](std::string_view key) -> std::optional<net::Addr> {
    auto a = parse_v4(str_of(d, key));
    if (!a) {
      b.add(key, ArgReason::kFormat, "must be an IPv4 address");
      return std::nullopt;
    }
    if (!is_host(*subnet, *a)) {
      b.add(key, ArgReason::kConstraint, "must be a host address of the subnet");
      return std::nullopt;
    }
    return a;
  };
  inside("address");
  auto low = inside("pool_low");
  auto high = inside("pool_high");
  if (low && high && low->lo > high->lo)
    b.add("pool_low", ArgReason::kConstraint, "pool_low must not be higher than pool_high");
  auto lifetime = int_of(d, "valid_lifetime");
  auto renew = int_of(d, "renew_timer");
  auto rebind = int_of(d, "rebind_timer");
  if (renew > rebind - 30)
    b.add("renew_timer", ArgReason::kConstraint, "must be at least 30s lower than rebind_timer");
  if (rebind > lifetime - 30)
    b.add("rebind_timer", ArgReason::kConstraint, "must be at least 30s lower than valid_lifetime");
  if (!valid_local_name(str_of(d, "dns_local_name")))
    b.add("dns_local_name", ArgReason::kFormat, "allowed characters are a-z, 0-9, '-' and '.'");
  for (auto& v : strings_of(d, "dns_servers_override"))
    if (!net::parse_addr(v))
      b.add("dns_servers_override", ArgReason::kFormat, "must be IP addresses");
}

// The fields shared by create and update; only those present in `in` are written to `out`.
void read_settings(codec::BodyReader& b, json::object& out) {
  for (auto key : {"address", "pool_low", "pool_high", "dns_local_name"})
    if (auto v = b.str(key)) out[key] = *v;
  for (auto key : {"enable_dynamic", "push_default_route", "push_dns_server"})
    if (auto v = b.boolean(key)) out[key] = *v;
  for (auto key : {"dns_servers_override", "dns_search"})
    if (auto v = b.strings(key)) out[key] = strings_json(*v);
  for (auto key : {"valid_lifetime", "renew_timer", "rebind_timer"}) {
    if (auto v = b.str(key)) {
      auto secs = parse_duration(*v);
      if (!secs)
        b.add(key, ArgReason::kFormat, "must be a duration in seconds such as \"3600s\"");
      else
        out[key] = *secs;
    }
  }
}

// Address defaults for a subnet, for the keys not already valid in it.
void default_addresses(json::object& d, const net::Cidr& subnet, bool keep_valid) {
  auto set = [&](std::string_view key, std::uint64_t offset) {
    if (keep_valid) {
      auto a = parse_v4(str_of(d, key));
      if (a && is_host(subnet, *a)) return;
    }
    d[key] = host(subnet, offset);
  };
  set("address", 1);
  set("pool_low", 2);
  set("pool_high", net::size_v4(subnet) - 2);
}

// --- DHCP entries ---
//
// Reservations are records of kDhcpEntryKind. Leases are what the gateway's DHCP server handed
// out: the IPAM IPv4 addresses of the gateway network's Private Network attached to a resource
// (an Instance private NIC, ...), shown with the IPAM IP's id, the resource's MAC and name. A
// reservation made for a leased MAC takes the lease's id, as on the real API.

bool valid_mac(std::string_view s) {
  if (s.size() != 17) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i % 3 == 2) {
      if (s[i] != ':' && s[i] != '-') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}
std::string normalize_mac(std::string_view s) {
  std::string out = to_lower(s);
  std::replace(out.begin(), out.end(), '-', ':');
  return out;
}

json::object render_entry(const store::Record& e) {
  json::object o;
  o["id"] = e.id;
  o["created_at"] = ts(e.created_at);
  o["updated_at"] = ts(e.updated_at);
  o["gateway_network_id"] = e.parent_id;
  o["mac_address"] = str_of(e.body, "mac_address");
  o["ip_address"] = str_of(e.body, "ip_address");
  o["hostname"] = str_of(e.body, "hostname");
  auto type = str_of(e.body, "type");
  o["type"] = type.empty() ? "unknown" : type;
  o["zone"] = e.locality;
  return o;
}

bool is_lease(const store::Record& e) { return str_of(e.body, "type") == "lease"; }

void set_entry_ip(store::Record& e, std::string_view ip) {
  e.body["ip_address"] = ip;
  auto a = parse_v4(ip);
  e.body["ip_sort"] = a ? static_cast<std::int64_t>(a->lo) : 0;
}

std::vector<store::Record> reservations_of(store::Tx& tx, std::string_view gn_id) {
  store::ListQuery q;
  q.kind = std::string(kDhcpEntryKind);
  q.filters.push_back({Column::kParent, Op::kEq, {std::string(gn_id)}, {}, false});
  q.order.push_back({Column::kCreatedAt, false, {}});
  q.with_total = false;
  return tx.list(q).items;
}

std::vector<store::Record> leases_of(store::Tx& tx, const store::Record& gn,
                                     const std::vector<store::Record>& reservations) {
  std::vector<store::Record> out;
  auto pn = str_of(gn.body, "private_network_id");
  if (str_of(gn.body, "dhcp_id").empty() || pn.empty()) return out;
  std::set<std::string> reserved;
  for (auto& r : reservations) reserved.insert(str_of(r.body, "mac_address"));
  for (auto& ip : ipam::attached_in(tx, pn)) {
    if (ip.is_ipv6) continue;
    auto mac = normalize_mac(ip.resource->mac_address);
    if (ip.resource->type.empty() || ip.resource->type == "vpc_gateway_network" || mac.empty() ||
        reserved.count(mac))
      continue;
    store::Record e;
    e.kind = std::string(kDhcpEntryKind);
    e.id = ip.id;
    e.organization_id = gn.organization_id;
    e.project_id = gn.project_id;
    e.locality = gn.locality;
    e.parent_id = gn.id;
    e.created_at = ip.created_at;
    e.updated_at = ip.updated_at;
    e.body = json::object{{"mac_address", mac}, {"hostname", ip.resource->name}, {"type", "lease"}};
    set_entry_ip(e, ip.address);
    out.push_back(std::move(e));
  }
  return out;
}

// Reservations then leases of a gateway network.
std::vector<store::Record> entries_of(store::Tx& tx, const store::Record& gn) {
  auto out = reservations_of(tx, gn.id);
  auto leases = leases_of(tx, gn, out);
  out.insert(out.end(), leases.begin(), leases.end());
  return out;
}

// The gateway networks of the zone (caller's organization), optionally one of them.
store::ListQuery networks_query(Context& ctx, const std::optional<std::string>& id) {
  store::ListQuery q;
  q.kind = std::string(kGatewayNetworkKind);
  q.filters.push_back({Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
  q.filters.push_back({Column::kLocality, Op::kEq, {std::string(ctx.zone())}, {}, false});
  if (id) q.filters.push_back({Column::kId, Op::kEq, {to_lower(*id)}, {}, false});
  q.order.push_back({Column::kCreatedAt, false, {}});
  q.with_total = false;
  return q;
}

Result<store::Record> load_entry(store::Tx& tx, const Context& ctx, std::string_view id) {
  if (!is_uuid(id)) return api::fail(ApiError::not_found("dhcp_entry", id));
  auto lid = to_lower(id);
  auto e = tx.get(kDhcpEntryKind, lid);
  if (e && e->locality == ctx.zone() && e->organization_id == ctx.principal.organization_id &&
      tx.get(kGatewayNetworkKind, e->parent_id))
    return std::move(*e);
  if (!e) {
    // A lease: an IPAM address of the Private Network of a DHCP-mode gateway network.
    auto ip = ipam::find(tx, locality::region_of_zone(ctx.zone()), lid);
    if (ip && !ip->parent_id.empty()) {
      store::ListQuery q;
      q.kind = std::string(kGatewayNetworkKind);
      q.filters.push_back(
          {Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
      q.filters.push_back({Column::kLocality, Op::kEq, {std::string(ctx.zone())}, {}, false});
      q.filters.push_back({Column::kBody, Op::kEq, {ip->parent_id}, "private_network_id", false});
      q.with_total = false;
      for (auto& gn : tx.list(q).items)
        for (auto& l : leases_of(tx, gn, reservations_of(tx, gn.id)))
          if (l.id == lid) return l;
    }
  }
  return api::fail(ApiError::not_found("dhcp_entry", id));
}

// The DHCP subnet and server address a gateway network hands addresses from.
struct Pool {
  net::Cidr subnet;
  net::Addr address;
};

Result<Pool> pool_of(store::Tx& tx, const store::Record& gn) {
  auto dhcp_id = str_of(gn.body, "dhcp_id");
  std::optional<store::Record> d;
  if (!dhcp_id.empty()) d = tx.get(kDhcpKind, dhcp_id);
  if (!d)
    return api::fail(ApiError::constraint(
        "gateway_network_id",
        "the gateway network has no DHCP configuration (DHCP entries need a DHCP-mode gateway "
        "network)"));
  auto subnet = parse_subnet(str_of(d->body, "subnet"));
  auto address = parse_v4(str_of(d->body, "address"));
  if (!subnet || !address)
    return api::fail(
        ApiError::constraint("gateway_network_id", "the DHCP configuration has no valid subnet"));
  return Pool{*subnet, *address};
}

// The gateway network a DHCP entry write names (its project the caller may change) and its pool.
struct EntryTarget {
  store::Record gn;
  Pool pool;
};
Result<EntryTarget> entry_target(store::Tx& tx, Context& ctx, const std::string& gn_id) {
  auto gn = vpcgw::load(tx, ctx, kGatewayNetworkKind, gn_id, "gateway_network");
  if (!gn) return api::fail(gn.error());
  if (auto denied = ctx.authorize_project(gn->project_id)) return api::fail(*denied);
  auto pool = pool_of(tx, *gn);
  if (!pool) return api::fail(pool.error());
  return EntryTarget{std::move(*gn), *pool};
}

// Checks an IP address for a reservation on a gateway network's DHCP subnet.
std::optional<ApiError> check_entry_ip(const Pool& pool, std::string_view ip,
                                       std::string_view arg) {
  auto a = parse_v4(ip);
  if (!a)
    return ApiError::invalid_argument(std::string(arg), ArgReason::kFormat,
                                      "must be an IPv4 address");
  if (!is_host(pool.subnet, *a) || *a == pool.address)
    return ApiError::constraint(std::string(arg), "must be a host address of the DHCP subnet " +
                                                      net::format_cidr(pool.subnet) +
                                                      " other than the gateway's " +
                                                      net::format_addr(pool.address));
  return std::nullopt;
}

store::Record new_entry(const store::Record& gn, std::string mac, std::string_view ip, Micros now) {
  store::Record e = resource::new_child(kDhcpEntryKind, gn, now);
  e.body = json::object{{"mac_address", std::move(mac)}, {"hostname", ""}, {"type", "reservation"}};
  set_entry_ip(e, ip);
  return e;
}

// Makes `e` a reservation for `ip` and writes it (a lease becomes a stored reservation with the
// lease's id).
void reserve(store::Tx& tx, store::Record& e, std::string_view ip, Micros now) {
  bool lease = is_lease(e);
  set_entry_ip(e, ip);
  e.body["type"] = "reservation";
  e.updated_at = now;
  if (lease) {
    e.version = 0;
    tx.insert(e);
  } else {
    tx.update(e);
  }
}

Result<Response> list_entries(Context& ctx) {
  auto page = paging::read(ctx.req, "page_size", kDefaultPageSize);
  if (!page) return api::fail(page.error());
  std::string order = ctx.query_opt("order_by").value_or("created_at_asc");
  if (order.empty()) order = "created_at_asc";
  auto gn_id = ctx.query_opt("gateway_network_id");
  if (gn_id && (gn_id->empty() || !is_uuid(*gn_id))) gn_id.reset();
  auto mac = ctx.query_opt("mac_address");
  auto ip = ctx.query_opt("ip_address");
  auto hostname = ctx.query_opt("hostname");
  auto type = ctx.query_opt("type");
  auto q = networks_query(ctx, gn_id);
  if (ctx.query_opt("gateway_network_id").value_or("").size() && !gn_id)
    q.filters.push_back({Column::kId, Op::kIn, {}, {}, false});
  ctx.scope(q);
  auto tx = ctx.store().begin(store::TxMode::kRead);
  std::vector<store::Record> items;
  for (auto& gn : tx->list(q).items) {
    for (auto& e : entries_of(*tx, gn)) {
      if (mac && !mac->empty() && str_of(e.body, "mac_address") != normalize_mac(*mac)) continue;
      if (ip && !ip->empty() && str_of(e.body, "ip_address") != *ip) continue;
      if (hostname && !hostname->empty() &&
          to_lower(str_of(e.body, "hostname")).find(to_lower(*hostname)) == std::string::npos)
        continue;
      if (type && !type->empty() && *type != "unknown" && str_of(e.body, "type") != *type) continue;
      items.push_back(std::move(e));
    }
  }
  bool desc = order.ends_with("_desc");
  auto key = order.substr(0, order.rfind('_'));
  std::stable_sort(items.begin(), items.end(), [&](const store::Record& a, const store::Record& b) {
    auto cmp = [&]() -> int {
      if (key == "ip_address") {
        auto x = int_of(a.body, "ip_sort"), y = int_of(b.body, "ip_sort");
        return x < y ? -1 : x > y ? 1 : 0;
      }
      if (key == "hostname") return str_of(a.body, "hostname").compare(str_of(b.body, "hostname"));
      return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0;
    }();
    if (cmp == 0) return a.id < b.id;
    return desc ? cmp > 0 : cmp < 0;
  });
  json::array out;
  auto total = static_cast<std::int64_t>(items.size());
  for (auto i = page->offset(); i < total && i < page->offset() + page->size; ++i)
    out.push_back(render_entry(items[static_cast<std::size_t>(i)]));
  return Response::json(200, paging::list_body("dhcp_entries", std::move(out), total));
}

Result<Response> get_entry(Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto e = load_entry(*tx, ctx, ctx.param("dhcp_entry_id"));
  if (!e) return api::fail(e.error());
  return Response::json(200, render_entry(*e));
}

Result<Response> create_entry(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto gn_id = b.str("gateway_network_id", true);
  auto mac = b.str("mac_address", true);
  auto ip = b.str("ip_address", true);
  if (mac && !valid_mac(*mac))
    b.add("mac_address", ArgReason::kFormat, "must be a MAC address (aa:bb:cc:dd:ee:ff)");
  if (auto e = b.error()) return api::fail(*e);
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto target = entry_target(tx, ctx, *gn_id);
    if (!target) return api::fail(target.error());
    const store::Record* gn = &target->gn;
    const Pool* pool = &target->pool;
    if (auto e = check_entry_ip(*pool, *ip, "ip_address")) return api::fail(*e);
    auto m = normalize_mac(*mac);
    std::optional<store::Record> leased;
    for (auto& other : entries_of(tx, *gn)) {
      bool same_mac = str_of(other.body, "mac_address") == m;
      if (same_mac && is_lease(other)) {
        leased = other;
        continue;
      }
      if (same_mac)
        return api::fail(ApiError::already_exists(
            "dhcp_entry", other.id, "a DHCP entry already exists for this MAC address"));
      if (str_of(other.body, "ip_address") == *ip)
        return api::fail(ApiError::already_exists(
            "dhcp_entry", other.id, "a DHCP entry already exists for this IP address"));
    }
    if (leased) {
      reserve(tx, *leased, *ip, now);
      return Response::json(200, render_entry(*leased));
    }
    auto e = new_entry(*gn, m, *ip, now);
    tx.insert(e);
    return Response::json(200, render_entry(e));
  });
}

Result<Response> update_entry(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto ip = b.str("ip_address");
  if (auto e = b.error()) return api::fail(*e);
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto e = load_entry(tx, ctx, ctx.param("dhcp_entry_id"));
    if (!e) return api::fail(e.error());
    if (ip) {
      auto gn = tx.get(kGatewayNetworkKind, e->parent_id);
      if (!gn) return api::fail(ApiError::not_found("dhcp_entry", e->id));
      auto pool = pool_of(tx, *gn);
      if (!pool) return api::fail(pool.error());
      if (auto err = check_entry_ip(*pool, *ip, "ip_address")) return api::fail(*err);
      for (auto& other : entries_of(tx, *gn))
        if (other.id != e->id && str_of(other.body, "ip_address") == *ip)
          return api::fail(ApiError::already_exists(
              "dhcp_entry", other.id, "a DHCP entry already exists for this IP address"));
      // Setting the address by hand makes any entry a reservation.
      reserve(tx, *e, *ip, now);
    }
    return Response::json(200, render_entry(*e));
  });
}

Result<Response> set_entries(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto gn_id = b.str("gateway_network_id", true);
  struct Want {
    std::string mac;
    std::string ip;
  };
  std::vector<Want> wants;
  if (auto it = ctx.body.find("dhcp_entries"); it != ctx.body.end() && !it->value().is_null()) {
    if (!it->value().is_array()) {
      b.add("dhcp_entries", ArgReason::kFormat, "must be an array");
    } else {
      std::size_t i = 0;
      for (auto& v : it->value().as_array()) {
        std::string prefix = "dhcp_entries." + std::to_string(i++);
        if (!v.is_object()) {
          b.add(prefix, ArgReason::kFormat, "must be an object");
          continue;
        }
        codec::BodyReader eb(v.as_object(), prefix);
        auto mac = eb.str("mac_address", true);
        auto ip = eb.str("ip_address", true);
        if (mac && !valid_mac(*mac))
          eb.add("mac_address", ArgReason::kFormat, "must be a MAC address (aa:bb:cc:dd:ee:ff)");
        if (auto e = eb.error()) return api::fail(*e);
        wants.push_back({normalize_mac(*mac), *ip});
      }
    }
  }
  if (auto e = b.error()) return api::fail(*e);
  std::set<std::string> macs, ips;
  for (auto& w : wants) {
    if (!macs.insert(w.mac).second)
      return api::fail(ApiError::constraint("dhcp_entries", "duplicate MAC address " + w.mac));
    if (!ips.insert(w.ip).second)
      return api::fail(ApiError::constraint("dhcp_entries", "duplicate IP address " + w.ip));
  }
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto target = entry_target(tx, ctx, *gn_id);
    if (!target) return api::fail(target.error());
    const store::Record* gn = &target->gn;
    const Pool* pool = &target->pool;
    for (auto& w : wants)
      if (auto e = check_entry_ip(*pool, w.ip, "dhcp_entries.ip_address")) return api::fail(*e);
    auto current = entries_of(tx, *gn);
    // A lease keeping its address must not collide with a new reservation.
    for (auto& c : current) {
      if (!is_lease(c) || macs.count(str_of(c.body, "mac_address"))) continue;
      if (ips.count(str_of(c.body, "ip_address")))
        return api::fail(ApiError::constraint(
            "dhcp_entries",
            "IP address " + str_of(c.body, "ip_address") + " is leased to another device"));
    }
    for (auto& c : current) {
      auto mac = str_of(c.body, "mac_address");
      auto want = std::find_if(wants.begin(), wants.end(), [&](auto& w) { return w.mac == mac; });
      if (want == wants.end()) {
        if (!is_lease(c)) tx.remove(kDhcpEntryKind, c.id);
        continue;
      }
      if (str_of(c.body, "ip_address") != want->ip || is_lease(c)) reserve(tx, c, want->ip, now);
      wants.erase(want);
    }
    for (auto& w : wants) {
      auto e = new_entry(*gn, w.mac, w.ip, now);
      tx.insert(e);
    }
    json::array out;
    for (auto& e : entries_of(tx, *gn)) out.push_back(render_entry(e));
    return Response::json(200, json::object{{"dhcp_entries", std::move(out)}});
  });
}

Result<Response> delete_entry(Context& ctx) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto e = load_entry(tx, ctx, ctx.param("dhcp_entry_id"));
    if (!e) return api::fail(e.error());
    if (is_lease(*e))
      return api::fail(ApiError::constraint(
          "dhcp_entry_id", "DHCP leases cannot be deleted; they expire on their own"));
    tx.remove(kDhcpEntryKind, e->id);
    return Response::no_content();
  });
}

// --- DHCP configurations ---

// has_address: the configurations whose subnet holds the address (one of the /8../30 subnets
// around it).
std::optional<ApiError> has_address(const Context& ctx, store::ListQuery& q) {
  auto v = ctx.query_opt("has_address");
  if (!v || v->empty()) return std::nullopt;
  auto a = parse_v4(*v);
  if (!a)
    return ApiError::invalid_argument("has_address", ArgReason::kFormat, "must be an IPv4 address");
  std::vector<std::string> subnets;
  for (int prefix = 8; prefix <= 30; ++prefix)
    if (auto s = parse_subnet(net::format_addr(*a) + "/" + std::to_string(prefix)))
      subnets.push_back(net::format_cidr(*s));
  q.filters.push_back({Column::kBody, Op::kIn, std::move(subnets), "subnet", false});
  return std::nullopt;
}

std::optional<ApiError> create_dhcp(Context& ctx, store::Tx&, store::Record& r) {
  auto body = read_create(ctx.body, "", "priv");
  if (!body) return body.error();
  r.body = std::move(*body);
  return std::nullopt;
}

std::optional<ApiError> update_dhcp(Context& ctx, store::Tx&, store::Record& d) {
  codec::BodyReader b(ctx.body);
  json::object changes;
  auto subnet_in = b.str("subnet");
  read_settings(b, changes);
  if (subnet_in && !parse_subnet(*subnet_in))
    b.add("subnet", ArgReason::kFormat, "must be an IPv4 subnet in CIDR notation (/8 to /30)");
  if (auto e = b.error()) return e;
  json::object next = d.body;
  for (auto& [k, v] : changes) next[k] = v;
  if (subnet_in) {
    auto subnet = parse_subnet(*subnet_in);
    next["subnet"] = net::format_cidr(*subnet);
    next["subnet_sort"] = static_cast<std::int64_t>(subnet->addr.lo);
    // Addresses not given that fall outside the new subnet move to its defaults.
    json::object given;
    for (auto key : {"address", "pool_low", "pool_high"})
      if (changes.contains(key)) given[key] = changes[key];
    default_addresses(next, *subnet, true);
    for (auto& [k, v] : given) next[k] = v;
  }
  codec::BodyReader check_reader(next);
  check(next, check_reader);
  if (auto e = check_reader.error()) return e;
  d.body = std::move(next);
  return std::nullopt;
}

resource::Spec dhcp_spec() {
  auto s = zonal(kDhcpKind, "dhcp", "dhcp_id", kDhcp.read, kDhcp.write, "dhcps");
  s.collections = {"/vpc-gw/v1/zones/{zone}/dhcps"};
  s.render = [](const resource::View&, const store::Record& d) { return render(d); };
  s.order_fields = {{"subnet", Column::kBody, "subnet_sort"}};
  s.filters = {resource::body_eq("address"), resource::custom("has_address", has_address)};
  s.create = create_dhcp;
  s.update = update_dhcp;
  s.can_delete = [](Context&, store::Tx& tx, const store::Record& d) -> std::optional<ApiError> {
    if (users(tx, d.id) > 0)
      return ApiError::precondition_failed(
          "resource_still_in_use",
          "DHCP configuration is used by a gateway network; detach it first");
    return std::nullopt;
  };
  return s;
}

}  // namespace

Result<json::object> read_create(const json::object& in, std::string_view prefix,
                                 std::string_view default_local_name) {
  codec::BodyReader b(in, std::string(prefix));
  auto subnet_in = b.str("subnet", true);
  json::object given;
  read_settings(b, given);
  std::optional<net::Cidr> subnet;
  if (subnet_in) {
    subnet = parse_subnet(*subnet_in);
    if (!subnet)
      b.add("subnet", ArgReason::kFormat, "must be an IPv4 subnet in CIDR notation (/8 to /30)");
  }
  if (auto e = b.error()) return api::fail(*e);
  json::object d{{"subnet", net::format_cidr(*subnet)},
                 {"subnet_sort", static_cast<std::int64_t>(subnet->addr.lo)},
                 {"enable_dynamic", true},
                 {"valid_lifetime", kDefaultLifetime},
                 {"renew_timer", kDefaultRenew},
                 {"rebind_timer", kDefaultRebind},
                 {"push_default_route", true},
                 {"push_dns_server", true},
                 {"dns_servers_override", json::array{}},
                 {"dns_search", json::array{}},
                 {"dns_local_name", default_local_name}};
  default_addresses(d, *subnet, false);
  for (auto& [k, v] : given) d[k] = v;
  codec::BodyReader cb(d, std::string(prefix));
  check(d, cb);
  if (auto e = cb.error()) return api::fail(*e);
  return d;
}

store::Record insert(store::Tx& tx, const app::Owner& owner, std::string_view zone,
                     json::object body, Micros now) {
  store::Record d = resource::new_record(kDhcpKind, owner, zone, now);
  d.body = std::move(body);
  tx.insert(d);
  return d;
}

Result<store::Record> load(store::Tx& tx, const Context& ctx, std::string_view id) {
  return vpcgw::load(tx, ctx, kDhcpKind, id, "dhcp");
}

json::object render(const store::Record& d) {
  auto o = v1_owned(d);
  o["subnet"] = str_of(d.body, "subnet");
  o["address"] = str_of(d.body, "address");
  o["pool_low"] = str_of(d.body, "pool_low");
  o["pool_high"] = str_of(d.body, "pool_high");
  o["enable_dynamic"] = bool_of(d.body, "enable_dynamic", true);
  o["valid_lifetime"] = format_duration(int_of(d.body, "valid_lifetime", kDefaultLifetime));
  o["renew_timer"] = format_duration(int_of(d.body, "renew_timer", kDefaultRenew));
  o["rebind_timer"] = format_duration(int_of(d.body, "rebind_timer", kDefaultRebind));
  o["push_default_route"] = bool_of(d.body, "push_default_route", true);
  o["push_dns_server"] = bool_of(d.body, "push_dns_server", true);
  o["dns_servers_override"] = strings_json(strings_of(d.body, "dns_servers_override"));
  o["dns_search"] = strings_json(strings_of(d.body, "dns_search"));
  o["dns_local_name"] = str_of(d.body, "dns_local_name");
  o["zone"] = d.locality;
  return o;
}

std::int64_t users(store::Tx& tx, std::string_view dhcp_id) {
  // A detaching gateway network is on its way out: it no longer holds its DHCP configuration.
  store::ListQuery q;
  q.kind = std::string(kGatewayNetworkKind);
  q.filters.push_back({Column::kBody, Op::kEq, {std::string(dhcp_id)}, "dhcp_id", false});
  q.filters.push_back({Column::kState, Op::kNe, {"detaching"}, {}, false});
  return tx.count(q);
}

void cleanup(store::Tx& tx, std::string_view dhcp_id, std::string_view except_gn) {
  if (dhcp_id.empty()) return;
  store::ListQuery q;
  q.kind = std::string(kGatewayNetworkKind);
  q.filters.push_back({Column::kBody, Op::kEq, {std::string(dhcp_id)}, "dhcp_id", false});
  q.filters.push_back({Column::kState, Op::kNe, {"detaching"}, {}, false});
  if (!except_gn.empty())
    q.filters.push_back({Column::kId, Op::kNe, {std::string(except_gn)}, {}, false});
  if (tx.count(q) == 0) tx.remove(kDhcpKind, dhcp_id);
}

void delete_entries_of(store::Tx& tx, std::string_view gateway_network_id) {
  for (auto& e : reservations_of(tx, gateway_network_id)) tx.remove(kDhcpEntryKind, e.id);
}

std::string slug(std::string_view name) {
  std::string out;
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || ch == '.') {
      out += static_cast<char>(std::tolower(c));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && (out.back() == '-' || out.back() == '.')) out.pop_back();
  return out.empty() ? "priv" : out;
}

void register_routes(app::Registry& r) {
  const std::string z = "/vpc-gw/v1/zones/{zone}";
  resource::add_resource(r, dhcp_spec());
  // DHCP entries change their gateway network.
  const app::Reference network =
      app::body_ref("gateway_network_id", Access::kWrite, {kGatewayNetworkRef});
  r.add("GET", z + "/dhcp-entries", kEntry.read, list_entries)
      .not_refs({"gateway_network_id"});  // a filter of the list
  r.add("POST", z + "/dhcp-entries", kEntry.write, create_entry).refs({network});
  r.add("PUT", z + "/dhcp-entries", kEntry.write, set_entries).refs({network});
  r.add("GET", z + "/dhcp-entries/{dhcp_entry_id}", kEntry.read, get_entry);
  r.add("PATCH", z + "/dhcp-entries/{dhcp_entry_id}", kEntry.write, update_entry);
  r.add("DELETE", z + "/dhcp-entries/{dhcp_entry_id}", kEntry.write, delete_entry);
}

}  // namespace scwd::products::vpcgw::dhcp
