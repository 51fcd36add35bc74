// Instance flexible IPs (routed IPv4 / IPv6) and the IPs of servers (dynamic IPv4
// allocated at power-on, the public_ips entries).
#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cstdio>
#include <random>

#include "core/codec/validate.hpp"
#include "core/paging/paging.hpp"
#include "core/quota/quota.hpp"
#include "core/util/dns.hpp"
#include "core/util/ids.hpp"
#include "products/instance/model.hpp"
#include "products/instance/network/network.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance {

namespace network {

const quota::Quota kIpQuota{"instance_ips", {kIpKind}, 50};

namespace {

constexpr std::string_view kResource = "instance_ip";
constexpr std::string_view kGatewayV4 = "62.210.0.1";

// Public ranges Scaleway routes in each zone (IPv4 blocks) and the IPv6 /48s their /64 prefixes
// are carved from.
struct Block {
  std::uint32_t base;
  int bits;
};
constexpr std::uint32_t v4(int a, int b, int c, int d) {
  return (static_cast<std::uint32_t>(a) << 24) | (static_cast<std::uint32_t>(b) << 16) |
         (static_cast<std::uint32_t>(c) << 8) | static_cast<std::uint32_t>(d);
}
struct ZoneRanges {
  std::string_view zone;
  std::vector<Block> v4;
  std::vector<std::string_view> v6;  // "2001:bc8:710"
};
const std::vector<ZoneRanges>& ranges() {
  static const std::vector<ZoneRanges> r = {
      {"fr-par-1",
       {{v4(51, 15, 0, 0), 16},
        {v4(163, 172, 128, 0), 17},
        {v4(51, 158, 64, 0), 18},
        {v4(212, 47, 224, 0), 19}},
       {"2001:bc8:710", "2001:bc8:711"}},
      {"fr-par-2", {{v4(51, 159, 0, 0), 17}, {v4(62, 210, 96, 0), 19}}, {"2001:bc8:1200"}},
      {"fr-par-3", {{v4(51, 159, 128, 0), 18}}, {"2001:bc8:1d00"}},
      {"nl-ams-1", {{v4(51, 158, 128, 0), 18}, {v4(51, 15, 96, 0), 19}}, {"2001:bc8:1640"}},
      {"nl-ams-2", {{v4(51, 158, 192, 0), 19}}, {"2001:bc8:1650"}},
      {"nl-ams-3", {{v4(51, 158, 224, 0), 19}}, {"2001:bc8:1660"}},
      {"pl-waw-1", {{v4(151, 115, 0, 0), 18}}, {"2001:bc8:1e00"}},
      {"pl-waw-2", {{v4(151, 115, 64, 0), 19}}, {"2001:bc8:1e10"}},
      {"pl-waw-3", {{v4(151, 115, 96, 0), 19}}, {"2001:bc8:1e20"}},
      {"it-mil-1", {{v4(151, 115, 160, 0), 19}}, {"2001:bc8:2000"}},
  };
  return r;
}
const ZoneRanges& zone_ranges(std::string_view zone) {
  for (auto& z : ranges())
    if (z.zone == zone) return z;
  return ranges().front();
}

std::mt19937_64& rng() {
  thread_local std::mt19937_64 g{std::random_device{}()};
  return g;
}

std::string addr_key(std::string_view address) { return "addr/" + std::string(address); }

// A free address (IPv4) or /64 prefix (IPv6) of the zone, unique across the store.
std::string allocate_address(store::Tx& tx, std::string_view zone, bool ipv6) {
  auto& z = zone_ranges(zone);
  for (int attempt = 0;; ++attempt) {
    std::string candidate;
    if (ipv6) {
      auto base = z.v6[rng()() % z.v6.size()];
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.*s:%x::/64", static_cast<int>(base.size()), base.data(),
                    static_cast<unsigned>(rng()() % 0xffff) + 1);
      candidate = buf;
    } else {
      auto& b = z.v4[rng()() % z.v4.size()];
      std::uint32_t size = 1u << (32 - b.bits);
      std::uint32_t a = b.base + static_cast<std::uint32_t>(rng()() % size);
      if ((a & 0xff) == 0 || (a & 0xff) == 255 || (a & 0xff) == 1) continue;
      candidate = std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 0xff) + "." +
                  std::to_string((a >> 8) & 0xff) + "." + std::to_string(a & 0xff);
    }
    if (!tx.get_by_key(kIpKind, addr_key(candidate)) || attempt > 1000) return candidate;
  }
}

bool is_v6(const store::Record& ip) { return body_str(ip.body, "type") == "routed_ipv6"; }

// The address a routed IPv6 prefix gives a server (SLAAC, EUI-64 from its MAC) and its gateway.
std::pair<std::string, std::string> slaac(std::string_view prefix, std::string_view mac) {
  unsigned m[6] = {0xde, 0, 0, 0, 0, 1};
  if (mac.size() == 17)
    std::sscanf(std::string(mac).c_str(), "%x:%x:%x:%x:%x:%x", &m[0], &m[1], &m[2], &m[3], &m[4],
                &m[5]);
  std::string net(prefix.substr(0, prefix.find("::")));
  char host[64], gw[64];
  unsigned hi = ((m[0] ^ 0x02) << 8) | m[1];
  std::snprintf(host, sizeof host, "%s:%x:%x:%x:%x", net.c_str(), hi, (m[2] << 8) | 0xff,
                0xfe00 | m[3], (m[4] << 8) | m[5]);
  std::snprintf(gw, sizeof gw, "fe80::%x:%x:%x:%x", hi, (m[2] << 8) | 0xff, 0xfe00 | m[3],
                ((m[4] << 8) | m[5]) + 1);
  return {host, gw};
}

void mark_attached(store::Record& ip, const store::Record& server, Micros now) {
  ip.parent_id = server.id;
  ip.state = "attached";
  ip.updated_at = now;
  if (is_v6(ip)) {
    auto [addr, gw] = slaac(body_str(ip.body, "prefix").value_or("2001:bc8:710::/64"),
                            body_str(server.body, "mac_address").value_or(""));
    ip.body["server_address"] = addr;
    ip.body["gateway"] = gw;
  }
}

void mark_detached(store::Record& ip, Micros now) {
  ip.parent_id.clear();
  ip.state = "detached";
  ip.updated_at = now;
  ip.body.erase("server_address");
  ip.body.erase("gateway");
}

json::object render_ip(const resource::View& v, const store::Record& r) {
  json::object o;
  o["id"] = r.id;
  auto v6 = is_v6(r);
  o["address"] = v6 ? json::value(nullptr) : json::value(body_str(r.body, "address").value_or(""));
  o["prefix"] = v6 ? json::value(body_str(r.body, "prefix").value_or("")) : json::value(nullptr);
  auto rev = r.body.find("reverse");
  o["reverse"] = rev != r.body.end() ? rev->value() : json::value(nullptr);
  json::value server = nullptr;
  if (auto* s = r.parent_id.empty() ? nullptr : v.related.find(kServerKind, r.parent_id))
    server = json::object{{"id", s->id}, {"name", s->name}};
  o["server"] = std::move(server);
  o["organization"] = r.organization_id;
  o["project"] = r.project_id;
  o["zone"] = r.locality;
  o["type"] = body_str(r.body, "type").value_or("routed_ipv4");
  o["state"] = r.state.empty() ? std::string("detached") : r.state;
  json::array tags;
  for (auto& t : r.tags) tags.push_back(json::string(t));
  o["tags"] = std::move(tags);
  o["ipam_id"] = body_str(r.body, "ipam_id").value_or(r.id);
  return o;
}

store::Record new_ip(std::string_view org, std::string_view project, std::string_view zone,
                     std::string_view type, std::string address, Micros now) {
  store::Record r;
  r.kind = std::string(kIpKind);
  r.id = new_uuid();
  r.organization_id = std::string(org);
  r.project_id = std::string(project);
  r.locality = std::string(zone);
  r.name = address;
  r.state = "detached";
  r.created_at = r.updated_at = now;
  r.keys = {addr_key(address)};
  bool v6 = type == "routed_ipv6";
  r.body = json::object{{"type", type},
                        {"address", v6 ? json::value(nullptr) : json::value(address)},
                        {"prefix", v6 ? json::value(address) : json::value(nullptr)},
                        {"reverse", nullptr},
                        {"dynamic", false},
                        {"ipam_id", new_uuid()}};
  return r;
}

// The store key of the IP an address names (an IPv6 address names the routed /64 prefix it
// belongs to); nullopt when `ref` is no address.
std::optional<std::string> address_key(std::string_view ref) {
  unsigned char buf[16];
  std::string s(ref);
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return addr_key(s);
  if (inet_pton(AF_INET6, s.c_str(), buf) != 1) return std::nullopt;
  char out[INET6_ADDRSTRLEN];
  for (int i = 8; i < 16; ++i) buf[i] = 0;
  inet_ntop(AF_INET6, buf, out, sizeof out);
  return addr_key(std::string(out) + "/64");
}

// "{ip}" of the path: an id or an address.
std::optional<std::string> resolve_ip(store::Tx& tx, std::string_view ref) {
  if (is_uuid(ref)) return to_lower(ref);
  auto key = address_key(ref);
  if (!key) return std::nullopt;
  if (auto r = tx.get_by_key(kIpKind, *key)) return r->id;
  return std::nullopt;
}

// not_found names an address in CIDR form, like the real API.
std::optional<ApiError> ip_missing(const Context&, std::string_view ref, bool) {
  std::string s(ref);
  unsigned char buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return ApiError::not_found(kResource, s + "/32");
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) return ApiError::not_found(kResource, s + "/128");
  return ApiError::not_found(kResource, ref);
}

Result<store::Record> load_server(store::Tx& tx, const Context& ctx, std::string_view id) {
  return load(tx, ctx, kServerKind, id, "instance_server");
}

// Attaches ip to server (moving it from another server when needed) and writes it.
// While a server runs it has a dynamic IPv4 when it requires one and has no flexible IPv4.
void refresh_dynamic(store::Tx& tx, std::string_view server_id, Micros now) {
  if (server_id.empty()) return;
  auto s = tx.get(kServerKind, server_id);
  if (!s || (s->state != "running" && s->state != "stopped in place")) return;
  std::optional<store::Record> dynamic;
  bool has_v4 = false;
  for (auto& ip : server_ips(tx, s->id)) {
    if (body_bool(ip.body, "dynamic"))
      dynamic = ip;
    else if (!is_v6(ip))
      has_v4 = true;
  }
  bool want = body_bool(s->body, "dynamic_ip_required", true) && !has_v4;
  if (want && !dynamic) allocate_dynamic_ip(tx, *s, now);
  if (!want && dynamic) tx.remove(kIpKind, dynamic->id);
}

// The server record needs no write: a server's public_ips are the IPs whose parent it is.
void do_attach(store::Tx& tx, store::Record& ip, const store::Record& server, Micros now) {
  auto previous = ip.parent_id;
  mark_attached(ip, server, now);
  tx.update(ip);
  if (previous != server.id) refresh_dynamic(tx, previous, now);
  refresh_dynamic(tx, server.id, now);
}

void do_detach(store::Tx& tx, store::Record& ip, Micros now) {
  auto previous = ip.parent_id;
  mark_detached(ip, now);
  tx.update(ip);
  refresh_dynamic(tx, previous, now);
}

Result<Response> create_ip(const resource::Spec& spec, Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto type = b.enumeration("type", {"routed_ipv4", "routed_ipv6", "nat", "unknown_iptype"});
  auto tags = b.strings("tags");
  auto server_id = b.str("server");
  if (type == "nat")
    b.add("type", ArgReason::kConstraint, "NAT IPs are no longer available, use routed_ipv4");
  if (auto e = b.error()) return api::fail(*e);
  std::string t = !type || *type == "unknown_iptype" ? "routed_ipv4" : *type;
  auto now = ctx.now();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto owner = owner_of(ctx, tx, ctx.body);
    if (!owner) return api::fail(owner.error());
    std::optional<store::Record> server;
    if (server_id) {
      auto s = load_server(tx, ctx, *server_id);
      if (!s) return api::fail(s.error());
      server = std::move(*s);
    }
    if (auto e = quota::check(tx, ctx.svc.config, kIpQuota, owner->organization_id))
      return api::fail(*e);
    auto r = new_ip(owner->organization_id, owner->project_id, ctx.zone(), t,
                    allocate_address(tx, ctx.zone(), t == "routed_ipv6"), now);
    if (tags) r.tags = *tags;
    tx.insert(r);
    if (server) do_attach(tx, r, *server, now);
    auto res = Response::json(201, resource::answer(ctx, tx, spec, r));
    res.with_header("Location", ctx.url(ctx.req.path + "/" + r.id));
    return res;
  });
}

// `type` is one of the SDK's enum values (checked by the pipeline).
struct IpPatch {
  std::optional<std::string> type;
  std::optional<std::vector<std::string>> tags;
  Sent<std::string> reverse, server;
};
BOOST_DESCRIBE_STRUCT(IpPatch, (), (type, tags, reverse, server))

std::optional<ApiError> update_ip(Context& ctx, store::Tx& tx, store::Record& r) {
  auto in = codec::read<IpPatch>(ctx.body);
  if (!in) return in.error();
  auto& [type, tags, sent_reverse, sent_server] = *in;
  bool has_reverse = sent_reverse.sent, has_server = sent_server.sent;
  auto &reverse = sent_reverse.value, &server_id = sent_server.value;
  auto now = ctx.now();
  if (body_bool(r.body, "dynamic"))
    return ApiError::constraint("ip", "the dynamic IP of a server cannot be modified");
  if (type && *type != "unknown_iptype" && *type != body_str(r.body, "type"))
    return ApiError::constraint("type", "the type of a routed IP cannot be changed");
  // The real API checks that the name resolves to the address; without DNS, only names that
  // cannot resolve at all are refused, with the recorded message.
  if (reverse && !reverse->empty() && !is_domain_name(*reverse, true))
    return ApiError::constraint(
        "reverse",
        "Your reverse must resolve. Ensure the command 'dig +short " + *reverse +
            "' matches your IP address '" +
            body_str(r.body, "address").value_or(body_str(r.body, "prefix").value_or("")) +
            "'. If it does, please contact our support.");
  if (tags) r.tags = *tags;
  if (has_reverse)
    r.body["reverse"] = reverse && !reverse->empty() ? json::value(*reverse) : json::value(nullptr);
  r.updated_at = now;
  if (has_server && server_id && !server_id->empty()) {
    auto s = load_server(tx, ctx, *server_id);
    if (!s) return s.error();
    do_attach(tx, r, *s, now);
  } else if (has_server && !r.parent_id.empty()) {
    do_detach(tx, r, now);
  }
  return std::nullopt;
}

std::optional<ApiError> not_dynamic(Context&, store::Tx&, const store::Record& r) {
  if (body_bool(r.body, "dynamic"))
    return ApiError::constraint("ip", "the dynamic IP of a server is released at power-off");
  return std::nullopt;
}

// Its server gets a dynamic IP back when this was its last IPv4 (judged without it).
std::optional<ApiError> release_ip(Context& ctx, store::Tx& tx, const store::Record& r) {
  tx.remove(kIpKind, r.id);
  refresh_dynamic(tx, r.parent_id, ctx.now());
  return std::nullopt;
}

// The IP leaves Instance; its IPAM reservation (not modelled here) stays.
Result<Response> release_to_ipam(const resource::Spec& spec, Context& ctx) {
  if (!is_uuid(ctx.param("ip_id")))
    return api::fail(ApiError::invalid_argument("ip_id", ArgReason::kFormat, "invalid UUID"));
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = resource::load(ctx, tx, spec, true);
    if (!r) return api::fail(r.error());
    if (auto e = not_dynamic(ctx, tx, *r)) return api::fail(*e);
    release_ip(ctx, tx, *r);
    return Response::no_content();
  });
}

}  // namespace

void register_ips(app::Registry& r) {
  auto ip = v1_spec(kIpKind, std::string(kResource), "ip", "ips", "ip", "ips");
  ip.id_ok = [](std::string_view ref) { return is_uuid(ref) || address_key(ref).has_value(); };
  ip.resolve = resolve_ip;
  ip.missing = ip_missing;
  ip.render = render_ip;
  ip.related = {
      {std::string(kServerKind),
       [](const store::Record& r, std::vector<std::string>& ids) { ids.push_back(r.parent_id); }}};
  // A server's dynamic IP is no flexible IP.
  ip.filters.push_back(resource::custom(
      "dynamic_server", [](const Context&, store::ListQuery& q) -> std::optional<ApiError> {
        q.filters.push_back({Column::kBody, Op::kIsNull, {}, "dynamic_server", false});
        return std::nullopt;
      }));
  ip.filters.push_back(resource::body_eq("type"));
  ip.update = update_ip;
  // An IP given to a server changes the server.
  const app::Reference server = app::body_ref("server", app::Access::kWrite, {kServerRef});
  ip.update_refs = {{server}};
  ip.can_delete = not_dynamic;
  ip.on_delete = release_ip;
  auto spec = std::make_shared<const resource::Spec>(std::move(ip));
  resource::add_resource(r, spec);
  const std::string base = spec->collections.front();
  r.add("POST", base, kWrite, [spec](Context& ctx) {
     return create_ip(*spec, ctx);
   }).refs({server});
  auto by_id = std::make_shared<resource::Spec>(*spec);
  by_id->id_param = "ip_id";
  r.add("POST", base + "/{ip_id}/release-to-ipam", kWrite,
        [by_id](Context& ctx) { return release_to_ipam(*by_id, ctx); });
}

}  // namespace network

// ---- contract (model.hpp) ----

json::object render_server_ip(const store::Record& ip) {
  bool v6 = network::is_v6(ip);
  json::object o;
  o["id"] = ip.id;
  if (v6)
    o["address"] = network::body_str(ip.body, "server_address")
                       .value_or(network::body_str(ip.body, "prefix").value_or(""));
  else
    o["address"] = network::body_str(ip.body, "address").value_or("");
  o["gateway"] = v6 ? network::body_str(ip.body, "gateway").value_or("fe80::1")
                    : std::string(network::kGatewayV4);
  o["netmask"] = v6 ? "64" : "32";
  o["family"] = v6 ? "inet6" : "inet";
  o["dynamic"] = network::body_bool(ip.body, "dynamic");
  o["provisioning_mode"] = v6 ? "slaac" : "dhcp";
  json::array tags;
  for (auto& t : ip.tags) tags.push_back(json::string(t));
  o["tags"] = std::move(tags);
  o["state"] = ip.state.empty() ? std::string("attached") : ip.state;
  o["ipam_id"] = network::body_str(ip.body, "ipam_id").value_or(ip.id);
  return o;
}

std::vector<store::Record> server_ips(store::Tx& tx, std::string_view server_id) {
  if (server_id.empty()) return {};
  store::ListQuery q;
  q.kind = std::string(kIpKind);
  q.filters.push_back({Column::kParent, Op::kEq, {std::string(server_id)}, {}, false});
  q.order.push_back({Column::kCreatedAt, false, {}});
  q.with_total = false;
  auto items = tx.list(q).items;
  std::stable_sort(items.begin(), items.end(), [](const store::Record& a, const store::Record& b) {
    return network::body_bool(a.body, "dynamic") && !network::body_bool(b.body, "dynamic");
  });
  return items;
}

store::Record allocate_dynamic_ip(store::Tx& tx, const store::Record& server, Micros now) {
  for (auto& ip : server_ips(tx, server.id))
    if (network::body_bool(ip.body, "dynamic")) return ip;
  auto r =
      network::new_ip(server.organization_id, server.project_id, server.locality, "routed_ipv4",
                      network::allocate_address(tx, server.locality, false), now);
  r.body["dynamic"] = true;
  r.body["dynamic_server"] = server.id;
  r.parent_id = server.id;
  r.state = "attached";
  tx.insert(r);
  return r;
}

void release_server_ips(store::Tx& tx, const store::Record& server, Micros now,
                        bool detach_flexible) {
  for (auto& ip : server_ips(tx, server.id)) {
    if (network::body_bool(ip.body, "dynamic")) {
      tx.remove(kIpKind, ip.id);
    } else if (detach_flexible) {
      network::mark_detached(ip, now);
      tx.update(ip);
    }
  }
}

std::optional<api::ApiError> attach_ip(store::Tx& tx, const app::Context& ctx,
                                       std::string_view ip_id, const store::Record& server,
                                       Micros now) {
  auto ip = load(tx, ctx, kIpKind, ip_id, network::kResource);
  if (!ip) return ip.error();
  if (ip->parent_id == server.id) return std::nullopt;
  if (!ip->parent_id.empty())
    return ApiError::precondition_failed(
        "resource_still_in_use",
        "IP " + ip->id + " is already attached to server " + ip->parent_id);
  network::mark_attached(*ip, server, now);
  tx.update(*ip);
  return std::nullopt;
}

}  // namespace scwd::products::instance
