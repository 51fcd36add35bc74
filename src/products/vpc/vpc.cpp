// The VPC contract (vpc.hpp) and the model shared with the handlers (model.hpp).
#include "products/vpc/vpc.hpp"

#include <boost/json.hpp>
#include <random>

#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/prelude.hpp"
#include "products/vpc/model.hpp"
#include "products/vpc/net.hpp"

namespace scwd::products::vpc {

namespace {

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::uint64_t random_u64() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

// Every subnet CIDR of the VPC's Private Networks (except `except_pn`).
std::vector<net::Cidr> vpc_subnets(store::Tx& tx, std::string_view vpc_id,
                                   std::string_view except_pn = {}) {
  store::ListQuery q;
  q.kind = std::string(kPrivateNetworkKind);
  q.filters.push_back({Column::kParent, Op::kEq, {std::string(vpc_id)}, {}, false});
  q.with_total = false;
  std::vector<net::Cidr> out;
  for (auto& pn : tx.list(q).items) {
    if (pn.id == except_pn) continue;
    for (auto& s : subnets_of(pn))
      if (auto c = net::parse_cidr(s.cidr)) out.push_back(*c);
  }
  return out;
}

struct Range {
  const char* cidr;
};
// Prefixes a Private Network may never use.
constexpr Range kForbidden[] = {{"0.0.0.0/8"},      {"127.0.0.0/8"}, {"100.64.0.0/10"},
                                {"169.254.0.0/16"}, {"224.0.0.0/4"}, {"255.255.255.255/32"}};
// Non internet-routable prefixes (the allowed space).
constexpr Range kPrivate[] = {{"10.0.0.0/8"},      {"172.16.0.0/12"},  {"192.168.0.0/16"},
                              {"198.18.0.0/15"},   {"192.0.0.0/24"},   {"192.0.2.0/24"},
                              {"198.51.100.0/24"}, {"203.0.113.0/24"}, {"240.0.0.0/4"}};

bool within(const net::Cidr& c, const char* range) {
  auto r = net::parse_cidr(range);
  return r && r->prefix <= c.prefix && net::contains(*r, c.addr);
}

ApiError subnet_error(std::string help) { return ApiError::constraint("subnets", std::move(help)); }

}  // namespace

std::string default_vpc_key(std::string_view project_id, std::string_view region) {
  return "default/" + std::string(project_id) + "/" + std::string(region);
}

std::string subnet_key(std::string_view subnet_id) { return "subnet/" + std::string(subnet_id); }

std::string ula_prefix(std::string_view project_id) {
  std::uint64_t h = fnv1a(project_id);
  char buf[32];
  std::snprintf(buf, sizeof buf, "fd%02x:%x:%x", static_cast<unsigned>(h & 0xff),
                static_cast<unsigned>((h >> 8) & 0xffff),
                static_cast<unsigned>((h >> 24) & 0xffff));
  return buf;
}

std::int64_t private_network_count(store::Tx& tx, std::string_view vpc_id) {
  store::ListQuery q;
  q.kind = std::string(kPrivateNetworkKind);
  q.filters.push_back({Column::kParent, Op::kEq, {std::string(vpc_id)}, {}, false});
  return tx.count(q);
}

Result<std::vector<std::string>> plan_subnets(store::Tx& tx, const store::Record& vpc,
                                              const std::vector<std::string>& requested,
                                              std::string_view project_id) {
  std::optional<net::Cidr> v4, v6;
  auto taken = vpc_subnets(tx, vpc.id);
  for (auto& text : requested) {
    auto c = net::parse_cidr(text);
    if (!c) return api::fail(subnet_error("invalid CIDR: " + text));
    if (c->host_bits_set)
      return api::fail(subnet_error("subnet " + text + " must be a network address (" +
                                    net::format_cidr(*c) + ")"));
    if (!c->addr.v6) {
      if (v4) return api::fail(subnet_error("only one IPv4 subnet can be specified"));
      if (c->prefix < 20 || c->prefix > 28)
        return api::fail(
            subnet_error("IPv4 subnet " + text + " must have a prefix length between /20 and /28"));
      for (auto& f : kForbidden) {
        auto r = net::parse_cidr(f.cidr);
        if (r && net::overlaps(*r, *c))
          return api::fail(
              subnet_error("subnet " + text + " overlaps the reserved range " + f.cidr));
      }
      bool priv = false;
      for (auto& p : kPrivate) priv = priv || within(*c, p.cidr);
      if (!priv)
        return api::fail(subnet_error("subnet " + text +
                                      " must be a private (non internet-"
                                      "routable) range"));
      v4 = c;
    } else {
      if (v6) return api::fail(subnet_error("only one IPv6 subnet can be specified"));
      if (c->prefix != 64) return api::fail(subnet_error("IPv6 subnet " + text + " must be a /64"));
      if ((c->addr.hi >> 56) != 0xfd)
        return api::fail(
            subnet_error("IPv6 subnet " + text + " must be a unique local address in fd00::/8"));
      v6 = c;
    }
    for (auto& t : taken)
      if (net::overlaps(t, *c))
        return api::fail(subnet_error("subnet " + text + " overlaps subnet " + net::format_cidr(t) +
                                      " of another Private Network in " + "this VPC"));
  }
  if (!v4) {
    // First free /22 of 172.16.0.0/12 in the VPC.
    auto base = net::parse_cidr("172.16.0.0/22");
    for (std::uint64_t i = 0; i < 256 && !v4; ++i) {
      net::Cidr c = *base;
      c.addr.lo += i << 10;
      bool free = true;
      for (auto& t : taken) free = free && !net::overlaps(t, c);
      if (free) v4 = c;
    }
    if (!v4)
      return api::fail(
          subnet_error("no free /22 left in 172.16.0.0/12 for this VPC; specify a "
                       "subnet"));
  }
  if (!v6) {
    auto prefix = net::parse_addr(ula_prefix(project_id) + "::");
    for (int attempt = 0; attempt < 64 && !v6; ++attempt) {
      net::Cidr c;
      c.prefix = 64;
      c.addr = *prefix;
      c.addr.hi |= random_u64() & 0xffff;
      bool free = true;
      for (auto& t : taken) free = free && !net::overlaps(t, c);
      if (free) v6 = c;
    }
    if (!v6) return api::fail(subnet_error("no free IPv6 /64 left for this VPC"));
  }
  return std::vector<std::string>{net::format_cidr(*v4), net::format_cidr(*v6)};
}

std::optional<ApiError> fill_private_network(store::Tx& tx, const store::Record& vpc,
                                             const NewPrivateNetwork& n, store::Record& r) {
  auto cidrs = plan_subnets(tx, vpc, n.subnets, r.project_id);
  if (!cidrs) return cidrs.error();
  r.locality = vpc.locality;
  r.name = n.name;
  r.parent_id = vpc.id;
  r.tags = n.tags;
  json::array subnets;
  for (auto& c : *cidrs) {
    auto id = new_uuid();
    r.keys.push_back(subnet_key(id));
    subnets.push_back(json::object{{"id", id},
                                   {"subnet", c},
                                   {"created_at", format_time(r.created_at)},
                                   {"updated_at", format_time(r.created_at)}});
  }
  r.body = json::object{{"subnets", std::move(subnets)},
                        {"dhcp_enabled", true},
                        {"default_route_propagation_enabled", n.default_route_propagation_enabled}};
  return std::nullopt;
}

Result<store::Record> create_private_network(store::Tx& tx, const app::Owner& owner,
                                             const store::Record& vpc, const NewPrivateNetwork& n,
                                             Micros now) {
  store::Record r;
  r.kind = std::string(kPrivateNetworkKind);
  r.id = new_uuid();
  r.organization_id = owner.organization_id;
  r.project_id = owner.project_id;
  r.created_at = r.updated_at = now;
  if (auto e = fill_private_network(tx, vpc, n, r)) return api::fail(*e);
  tx.insert(r);
  return r;
}

// --- contract ---

Result<store::Record> find_private_network(store::Tx& tx, const app::Context& ctx,
                                           std::string_view region, std::string_view id) {
  if (!is_uuid(id)) return api::fail(ApiError::not_found("private_network", id));
  auto lid = to_lower(id);
  auto r = tx.get(kPrivateNetworkKind, lid);
  if (!r || r->organization_id != ctx.principal.organization_id || r->locality != region ||
      ctx.authorize_project(r->project_id, app::Access::kRead))
    return api::fail(ApiError::not_found("private_network", lid));
  return std::move(*r);
}

std::vector<Subnet> subnets_of(const store::Record& pn) {
  std::vector<Subnet> out;
  auto it = pn.body.find("subnets");
  if (it == pn.body.end() || !it->value().is_array()) return out;
  for (auto& s : it->value().as_array()) {
    if (!s.is_object()) continue;
    Subnet sub;
    sub.id = str_of(s.as_object(), "id");
    sub.cidr = str_of(s.as_object(), "subnet");
    sub.is_ipv6 = sub.cidr.find(':') != std::string::npos;
    out.push_back(std::move(sub));
  }
  std::stable_partition(out.begin(), out.end(), [](const Subnet& s) { return !s.is_ipv6; });
  return out;
}

std::optional<store::Record> find_by_subnet(store::Tx& tx, std::string_view region,
                                            std::string_view subnet_id) {
  auto r = tx.get_by_key(kPrivateNetworkKind, subnet_key(to_lower(subnet_id)));
  if (!r || r->locality != region) return std::nullopt;
  return r;
}

store::Record default_vpc(store::Tx& tx, const app::Owner& owner, std::string_view region,
                          Micros now) {
  auto key = default_vpc_key(owner.project_id, region);
  if (auto r = tx.get_by_key(kVpcKind, key)) return std::move(*r);
  store::Record r;
  r.kind = std::string(kVpcKind);
  r.id = new_uuid();
  r.organization_id = owner.organization_id;
  r.project_id = owner.project_id;
  r.locality = std::string(region);
  r.name = "default";
  r.tags = {"default"};
  r.keys = {key};
  r.created_at = r.updated_at = now;
  r.body = json::object{{"is_default", true},
                        {"routing_enabled", true},
                        {"custom_routes_propagation_enabled", true},
                        {"transitivity_enabled", false},
                        {"s3_integration_enabled", false}};
  try {
    tx.insert(r);
  } catch (const store::DuplicateKey&) {
    // Another replica created it meanwhile (the key is the project's and region's).
    if (auto other = tx.get_by_key(kVpcKind, key)) return std::move(*other);
    throw;
  }
  return r;
}

std::vector<std::string> removable_default_vpcs(store::Tx& tx, std::string_view project_id) {
  store::ListQuery q;
  q.kind = std::string(kVpcKind);
  q.filters.push_back({Column::kProject, Op::kEq, {std::string(project_id)}, {}, false});
  q.filters.push_back({Column::kBody, Op::kEq, {true}, "is_default"});
  q.with_total = false;
  std::vector<std::string> out;
  for (auto& v : tx.list(q).items) {
    store::ListQuery routes;
    routes.kind = std::string(kRouteKind);
    routes.filters.push_back({Column::kParent, Op::kEq, {v.id}, {}, false});
    if (private_network_count(tx, v.id) == 0 && tx.count(routes) == 0) out.push_back(v.id);
  }
  return out;
}

}  // namespace scwd::products::vpc
