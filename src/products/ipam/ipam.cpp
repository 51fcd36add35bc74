// The IPAM contract (ipam.hpp): booking addresses in Private Network subnets.
#include "products/ipam/ipam.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <random>
#include <set>

#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/ipam/model.hpp"
#include "products/prelude.hpp"
#include "products/vpc/net.hpp"
#include "products/vpc/vpc.hpp"

namespace scwd::products::ipam {

namespace net = vpc::net;

namespace {

std::uint64_t random_u64() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

}  // namespace

std::string address_key(std::string_view subnet_id, std::string_view plain) {
  return "addr/" + std::string(subnet_id) + "/" + std::string(plain);
}

json::value resource_json(const Resource& r) {
  return json::object{{"type", r.type},
                      {"id", r.id},
                      {"mac_address", r.mac_address.empty() ? json::value(nullptr)
                                                            : json::value(to_upper(r.mac_address))},
                      {"name", r.name.empty() ? json::value(nullptr) : json::value(r.name)}};
}

json::object render_ip(const store::Record& r) {
  json::object o;
  o["id"] = r.id;
  o["address"] = r.body.contains("address") ? r.body.at("address") : json::value("");
  o["project_id"] = r.project_id;
  o["is_ipv6"] = r.body.contains("is_ipv6") ? r.body.at("is_ipv6") : json::value(false);
  o["created_at"] = format_time(r.created_at);
  o["updated_at"] = format_time(r.updated_at);
  o["source"] = r.body.contains("source") ? r.body.at("source") : json::value(json::object{});
  o["resource"] = r.body.contains("resource") ? r.body.at("resource") : json::value(nullptr);
  o["tags"] = json::value_from(r.tags);
  o["reverses"] = r.body.contains("reverses") ? r.body.at("reverses") : json::value(json::array{});
  o["region"] = r.locality;
  o["zone"] = r.body.contains("zone") ? r.body.at("zone") : json::value(nullptr);
  return o;
}

std::optional<ApiError> fill_booking(store::Tx& tx, const app::Context& ctx, const Booking& b,
                                     store::Record& r) {
  auto pn = vpc::find_private_network(tx, ctx, b.region, b.private_network_id);
  if (!pn) return pn.error();
  if (!b.project_id.empty() && b.project_id != pn->project_id)
    return ApiError::constraint(
        "project_id",
        "project_id must be the project of the Private Network (" + pn->project_id + ")");
  std::optional<vpc::Subnet> subnet;
  for (auto& s : vpc::subnets_of(*pn))
    if (s.is_ipv6 == b.is_ipv6) {
      subnet = s;
      break;
    }
  if (!subnet)
    return ApiError::constraint("is_ipv6", std::string("the Private Network has no ") +
                                               (b.is_ipv6 ? "IPv6" : "IPv4") + " subnet");
  auto cidr = net::parse_cidr(subnet->cidr);
  if (!cidr) return ApiError::internal("bad subnet");

  // First-free bookings of one Private Network take turns (writers on other replicas of a shared
  // store wait here, then see this booking): they would otherwise all pick the same address.
  if (!b.address) tx.lock(pn->kind, pn->id);
  auto taken = [&](const net::Addr& a) {
    return tx.get_by_key(kIpKind, address_key(subnet->id, net::format_addr(a))).has_value();
  };
  std::optional<net::Addr> chosen;
  if (b.address) {
    auto a = net::parse_addr(*b.address);
    if (!a || a->v6 != b.is_ipv6)
      return ApiError::invalid_argument("address", ArgReason::kFormat,
                                        "invalid IP address: " + *b.address);
    if (!net::contains(*cidr, *a))
      return ApiError::constraint("address",
                                  "address " + *b.address + " is not in subnet " + subnet->cidr);
    if (!a->v6) {
      auto off = net::offset_v4(*cidr, *a);
      auto size = net::size_v4(*cidr);
      if (off < 2 || off + 2 >= size)
        return ApiError::constraint(
            "address", "address " + *b.address + " is reserved in subnet " + subnet->cidr);
    } else if (a->lo == 0) {
      return ApiError::constraint(
          "address", "address " + *b.address + " is reserved in subnet " + subnet->cidr);
    }
    if (taken(*a))
      return ApiError::already_exists("ip", net::format_addr(*a),
                                      "address " + *b.address + " is already booked");
    chosen = a;
  } else if (!b.is_ipv6) {
    auto size = net::size_v4(*cidr);
    // Taken offsets, read once.
    store::ListQuery q;
    q.kind = std::string(kIpKind);
    q.filters.push_back({Column::kParent, Op::kEq, {pn->id}, {}, false});
    q.filters.push_back({Column::kBody, Op::kEq, {subnet->id}, "source.subnet_id", false});
    q.with_total = false;
    std::set<std::uint64_t> used;
    for (auto& ip : tx.list(q).items)
      if (auto a = net::parse_addr(plain_address(ip))) used.insert(net::offset_v4(*cidr, *a));
    for (std::uint64_t off = 2; off + 2 < size; ++off)
      if (!used.count(off)) {
        chosen = net::nth_v4(*cidr, off);
        break;
      }
    if (!chosen) return ApiError::out_of_stock("ip");
  } else {
    for (int i = 0; i < 16 && !chosen; ++i) {
      net::Addr a = cidr->addr;
      a.lo = random_u64();
      if (a.lo != 0 && !taken(a)) chosen = a;
    }
    if (!chosen) return ApiError::out_of_stock("ip");
  }

  r.organization_id = pn->organization_id;
  r.project_id = pn->project_id;
  r.locality = b.region;
  r.parent_id = pn->id;
  r.tags = b.tags;
  auto plain = net::format_addr(*chosen);
  r.keys = {address_key(subnet->id, plain)};
  json::value resource = nullptr;
  if (b.resource) {
    Resource res = *b.resource;
    if (res.type.empty() || res.type == "custom") {
      res.type = "custom";
      res.id = r.id;
    }
    resource = resource_json(res);
  }
  r.body = json::object{{"address", plain + "/" + std::to_string(cidr->prefix)},
                        {"is_ipv6", b.is_ipv6},
                        {"source", json::object{{"subnet_id", subnet->id}}},
                        {"resource", resource},
                        {"reverses", json::array{}},
                        {"zone", nullptr},
                        {"vpc_id", pn->parent_id}};
  if (b.resource) r.body["attached_at"] = format_time(r.created_at);
  return std::nullopt;
}

Result<store::Record> book(store::Tx& tx, const app::Context& ctx, const Booking& b, Micros now) {
  for (int attempt = 0;; ++attempt) {
    store::Record r;
    r.kind = std::string(kIpKind);
    r.id = new_uuid();
    r.created_at = r.updated_at = now;
    if (auto e = fill_booking(tx, ctx, b, r)) return api::fail(*e);
    try {
      tx.insert(r);
      return r;
    } catch (const store::DuplicateKey&) {
      // The first free address was booked meanwhile (by another replica of a shared store):
      // the next one is, unless the caller chose this one.
      if (!b.address && attempt < 8) continue;
      auto plain = plain_address(r);
      return api::fail(
          ApiError::already_exists("ip", plain, "address " + plain + " is already booked"));
    }
  }
}

std::optional<store::Record> find(store::Tx& tx, std::string_view region, std::string_view id) {
  if (!is_uuid(id)) return std::nullopt;
  auto r = tx.get(kIpKind, to_lower(id));
  if (!r || r->locality != region) return std::nullopt;
  return r;
}

Result<store::Record> attach(store::Tx& tx, std::string_view region, std::string_view ip_id,
                             std::string_view private_network_id, const Resource& res, Micros now) {
  auto r = find(tx, region, ip_id);
  if (!r) return api::fail(ApiError::not_found("ip", ip_id));
  if (!private_network_id.empty() && r->parent_id != private_network_id)
    return api::fail(ApiError::constraint(
        "ip_ids", "IP " + r->id + " is not in Private Network " + std::string(private_network_id)));
  auto cur = r->body.find("resource");
  if (cur != r->body.end() && cur->value().is_object()) {
    auto& o = cur->value().as_object();
    if (o.contains("id") && o.at("id") != json::value(res.id))
      return api::fail(
          ApiError::constraint("ip_ids", "IP " + r->id + " is already attached to a resource"));
  }
  r->body["resource"] = resource_json(res);
  r->body["attached_at"] = format_time(now);
  r->updated_at = now;
  tx.update(*r);
  return std::move(*r);
}

void detach(store::Tx& tx, std::string_view region, std::string_view ip_id, Micros now) {
  auto r = find(tx, region, ip_id);
  if (!r) return;
  r->body["resource"] = nullptr;
  r->body.erase("attached_at");
  r->updated_at = now;
  tx.update(*r);
}

void release(store::Tx& tx, std::string_view region, std::string_view ip_id) {
  auto r = find(tx, region, ip_id);
  if (!r) return;
  tx.remove(kIpKind, r->id);
}

void rename_resource(store::Tx& tx, std::string_view resource_id, std::string_view name,
                     Micros now) {
  store::ListQuery q;
  q.kind = std::string(kIpKind);
  q.filters.push_back({Column::kBody, Op::kEq, {std::string(resource_id)}, "resource.id", false});
  q.with_total = false;
  for (auto& r : tx.list(q).items) {
    auto& res = r.body["resource"];
    if (!res.is_object()) continue;
    res.as_object()["name"] = name.empty() ? json::value(nullptr) : json::value(name);
    r.updated_at = now;
    tx.update(r);
  }
}

Held Held::of(const json::object& body) {
  return {strings_of(body, "ipam_ip_ids"), strings_of(body, "booked_ip_ids")};
}

void Held::store_in(json::object& body) const {
  body["ipam_ip_ids"] = json::value_from(ip_ids);
  body["booked_ip_ids"] = json::value_from(booked);
}

Result<Held> take(store::Tx& tx, const app::Context& ctx, const store::Record& private_network,
                  const std::vector<std::string>& ip_ids, const Resource& resource, Micros now,
                  std::string_view ids_field) {
  const auto& region = private_network.locality;
  Held held;
  if (!ip_ids.empty()) {
    for (auto& id : ip_ids) {
      if (!is_uuid(id))
        return api::fail(ApiError::invalid_argument(std::string(ids_field), ArgReason::kFormat,
                                                    "invalid UUID '" + id + "'"));
      auto ip = attach(tx, region, to_lower(id), private_network.id, resource, now);
      if (!ip) return api::fail(ip.error());
      held.ip_ids.push_back(ip->id);
    }
    return held;
  }
  bool has_v6 = false;
  for (auto& s : vpc::subnets_of(private_network)) has_v6 = has_v6 || s.is_ipv6;
  for (bool v6 : {false, true}) {
    if (v6 && !has_v6) continue;
    Booking b;
    b.region = region;
    b.organization_id = private_network.organization_id;
    b.project_id = private_network.project_id;
    b.private_network_id = private_network.id;
    b.is_ipv6 = v6;
    b.resource = resource;
    auto ip = book(tx, ctx, b, now);
    if (!ip) return api::fail(ip.error());
    held.ip_ids.push_back(ip->id);
    held.booked.push_back(ip->id);
  }
  return held;
}

void give_back(store::Tx& tx, std::string_view region, const Held& held, Micros now) {
  for (auto& id : held.ip_ids) {
    if (std::find(held.booked.begin(), held.booked.end(), id) != held.booked.end())
      release(tx, region, id);
    else
      detach(tx, region, id, now);
  }
}

std::int64_t count_in_private_network(store::Tx& tx, std::string_view private_network_id) {
  store::ListQuery q;
  q.kind = std::string(kIpKind);
  q.filters.push_back({Column::kParent, Op::kEq, {std::string(private_network_id)}, {}, false});
  return tx.count(q);
}

std::string plain_address(const store::Record& ip) {
  auto it = ip.body.find("address");
  if (it == ip.body.end() || !it->value().is_string()) return {};
  std::string a(it->value().get_string());
  auto slash = a.find('/');
  return slash == std::string::npos ? a : a.substr(0, slash);
}

namespace {

// The IPs `filter` selects, in booking order, as other products see them; `attached_only`
// leaves out those attached to nothing.
std::vector<Address> addresses(store::Tx& tx, store::Filter filter, bool attached_only) {
  store::ListQuery q;
  q.kind = std::string(kIpKind);
  q.filters.push_back(std::move(filter));
  q.order.push_back({Column::kCreatedAt, false, {}});
  q.with_total = false;
  std::vector<Address> out;
  for (auto& ip : tx.list(q).items) {
    Address a{ip.id,        plain_address(ip), bool_of(ip.body, "is_ipv6"),
              ip.parent_id, std::nullopt,      ip.created_at,
              ip.updated_at};
    if (auto it = ip.body.find("resource"); it != ip.body.end() && it->value().is_object()) {
      auto& o = it->value().as_object();
      a.resource =
          Resource{str_of(o, "type"), str_of(o, "id"), str_of(o, "mac_address"), str_of(o, "name")};
    }
    if (attached_only && !a.resource) continue;
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

std::vector<Address> attached_to(store::Tx& tx, const std::vector<std::string>& resource_ids) {
  if (resource_ids.empty()) return {};
  return addresses(tx, {Column::kBody, Op::kIn, resource_ids, "resource.id", false}, false);
}

namespace {

class Booked final : public vpc::BookedAddresses {
 public:
  std::int64_t count_in(store::Tx& tx, std::string_view private_network_id) const override {
    return count_in_private_network(tx, private_network_id);
  }
  std::vector<vpc::BookedAddress> attached_to(
      store::Tx& tx, const std::vector<std::string>& resource_ids) const override {
    std::vector<vpc::BookedAddress> out;
    for (auto& a : ipam::attached_to(tx, resource_ids)) {
      vpc::BookedAddress b{a.address, a.is_ipv6, "", "", ""};
      if (a.resource) {
        b.resource_id = a.resource->id;
        b.resource_type = a.resource->type;
        b.resource_name = a.resource->name;
      }
      out.push_back(std::move(b));
    }
    return out;
  }
};

}  // namespace

const vpc::BookedAddresses& booked_addresses() {
  static const Booked booked;  // stateless
  return booked;
}

std::vector<Address> attached_in(store::Tx& tx, std::string_view private_network_id) {
  return addresses(tx, {Column::kParent, Op::kEq, {std::string(private_network_id)}, {}, false},
                   true);
}

}  // namespace scwd::products::ipam
