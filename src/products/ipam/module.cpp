// IPAM API v1 (/ipam/v1/regions/{region}): private IP addresses booked in Private Network
// subnets, attached to resources.
#include <boost/json.hpp>

#include "core/codec/validate.hpp"
#include "core/paging/paging.hpp"
#include "core/util/ids.hpp"
#include "products/ipam/ipam.hpp"
#include "products/ipam/model.hpp"
#include "products/vpc/vpc.hpp"

namespace scwd::products::ipam {

namespace json = boost::json;
using api::ApiError;
using api::ArgReason;
using api::Result;
using app::Access;
using app::Context;
using app::Permission;
using http::Response;
using store::Column;
using store::Op;

namespace {

constexpr Permission kRead{"IPAM", Access::kRead, "ip"};
constexpr Permission kWrite{"IPAM", Access::kWrite, "ip"};
constexpr std::int64_t kDefaultPageSize = 50;

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool valid_mac(std::string_view s) {
  if (s.size() != 17) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i % 3 == 2) {
      if (s[i] != ':') return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(s[i]))) {
      return false;
    }
  }
  return true;
}

// A custom resource {mac_address, name?} of a request body.
Result<Resource> read_custom_resource(const json::object& body, std::string_view key,
                                      bool required) {
  codec::BodyReader b(body);
  auto* o = b.object(key, required);
  if (auto e = b.error()) return api::fail(*e);
  Resource r;
  r.type = "custom";
  if (!o) return r;
  codec::BodyReader rb(*o, std::string(key));
  auto mac = rb.str("mac_address", true);
  auto name = rb.str("name");
  if (auto e = rb.error()) return api::fail(*e);
  if (!valid_mac(*mac))
    return api::fail(ApiError::invalid_argument(std::string(key) + ".mac_address",
                                                ArgReason::kFormat, "invalid MAC address"));
  r.mac_address = upper(*mac);
  r.name = name.value_or("");
  return r;
}

Result<store::Record> load_ip(Context& ctx, store::Tx& tx, std::string_view raw_id) {
  if (!is_uuid(raw_id))
    return api::fail(ApiError::invalid_argument("ip_id", ArgReason::kFormat, "invalid UUID"));
  auto id = to_lower(raw_id);
  auto r = find(tx, ctx.region(), id);
  if (!r || r->organization_id != ctx.principal.organization_id)
    return api::fail(ApiError::not_found("ip", id));
  return std::move(*r);
}

std::optional<std::string> resource_field(const store::Record& ip, std::string_view key) {
  auto it = ip.body.find("resource");
  if (it == ip.body.end() || !it->value().is_object()) return std::nullopt;
  auto& o = it->value().as_object();
  auto f = o.find(key);
  if (f == o.end() || !f->value().is_string()) return std::nullopt;
  return std::string(f->value().get_string());
}

bool is_attached(const store::Record& ip) {
  auto it = ip.body.find("resource");
  return it != ip.body.end() && it->value().is_object();
}

// The IP is attached to the custom resource `r` (same MAC address).
bool attached_to(const store::Record& ip, const Resource& r) {
  return resource_field(ip, "type") == std::optional<std::string>("custom") &&
         resource_field(ip, "mac_address") == std::optional<std::string>(r.mac_address);
}

Result<Response> book_ip(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto project = b.str("project_id");
  auto* source = b.object("source", true);
  auto is_ipv6 = b.boolean("is_ipv6");
  auto address = b.str("address");
  auto tags = b.strings("tags");
  if (auto e = b.error()) return api::fail(*e);
  std::optional<Resource> resource;
  if (ctx.body.contains("resource") && !ctx.body.at("resource").is_null()) {
    auto r = read_custom_resource(ctx.body, "resource", true);
    if (!r) return api::fail(r.error());
    resource = *r;
  }
  codec::BodyReader sb(*source, "source");
  auto pn_id = sb.uuid("private_network_id");
  auto subnet_id = sb.uuid("subnet_id");
  auto zonal = sb.str("zonal");
  auto vpc_id = sb.uuid("vpc_id");
  if (auto e = sb.error()) return api::fail(*e);
  int given = (pn_id ? 1 : 0) + (subnet_id ? 1 : 0) + (zonal ? 1 : 0) + (vpc_id ? 1 : 0);
  if (given != 1)
    return api::fail(ApiError::invalid_argument(
        "source", ArgReason::kConstraint,
        "exactly one of zonal, private_network_id, subnet_id or vpc_id is required"));
  if (zonal || vpc_id)
    return api::fail(ApiError::invalid_argument(
        zonal ? "source.zonal" : "source.vpc_id", ArgReason::kConstraint,
        "only private_network_id and subnet_id sources can be booked directly"));
  if (address && address->find('/') != std::string::npos)
    return api::fail(ApiError::invalid_argument("address", ArgReason::kFormat,
                                                "address must be an IP address without mask"));
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto owner =
        app::resolve_owner(ctx, tx, project, std::nullopt, "project_id", "organization_id", "ip");
    if (!owner) return api::fail(owner.error());
    Booking bk;
    bk.region = std::string(ctx.region());
    bk.organization_id = owner->organization_id;
    bk.project_id = owner->project_id;
    if (pn_id) {
      bk.private_network_id = to_lower(*pn_id);
    } else {
      auto pn = vpc::find_by_subnet(tx, ctx.region(), *subnet_id);
      if (!pn || pn->organization_id != ctx.principal.organization_id)
        return api::fail(ApiError::not_found("subnet", to_lower(*subnet_id)));
      bk.private_network_id = pn->id;
    }
    bk.is_ipv6 = is_ipv6.value_or(false);
    bk.address = address;
    bk.tags = tags.value_or(std::vector<std::string>{});
    bk.resource = resource;
    auto r = book(tx, ctx, bk, ctx.now());
    if (!r) return api::fail(r.error());
    return Response::json(200, render_ip(*r));
  });
}

Result<Response> get_ip(Context& ctx) {
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto r = load_ip(ctx, *tx, ctx.param("ip_id"));
  if (!r) return api::fail(r.error());
  return Response::json(200, render_ip(*r));
}

Result<Response> update_ip(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto tags = b.strings("tags");
  if (auto e = b.error()) return api::fail(*e);
  std::optional<json::array> reverses;
  if (auto it = ctx.body.find("reverses"); it != ctx.body.end() && !it->value().is_null()) {
    if (!it->value().is_array())
      return api::fail(
          ApiError::invalid_argument("reverses", ArgReason::kFormat, "must be an array"));
    reverses.emplace();
    std::size_t i = 0;
    for (auto& v : it->value().as_array()) {
      auto prefix = "reverses." + std::to_string(i++);
      if (!v.is_object())
        return api::fail(
            ApiError::invalid_argument(prefix, ArgReason::kFormat, "must be an object"));
      codec::BodyReader rb(v.as_object(), prefix);
      auto hostname = rb.str("hostname", true);
      auto address = rb.str("address", true);
      if (auto e = rb.error()) return api::fail(*e);
      reverses->push_back(json::object{{"hostname", *hostname}, {"address", *address}});
    }
  }
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_ip(ctx, tx, ctx.param("ip_id"));
    if (!r) return api::fail(r.error());
    if (tags) r->tags = *tags;
    if (reverses) r->body["reverses"] = *reverses;
    r->updated_at = ctx.now();
    tx.update(*r);
    return Response::json(200, render_ip(*r));
  });
}

// An IP attached to a platform resource (a NIC, a gateway network...) is released by detaching
// that resource; custom resources do not hold their IP.
std::optional<ApiError> check_releasable(const store::Record& ip) {
  auto type = resource_field(ip, "type");
  if (type && *type != "custom")
    return ApiError::precondition_failed(
        "resource_still_in_use", "IP " + ip.id + " is attached to a resource of type " + *type +
                                     "; detach the resource first");
  return std::nullopt;
}

Result<Response> release_ip(Context& ctx) {
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_ip(ctx, tx, ctx.param("ip_id"));
    if (!r) return api::fail(r.error());
    if (auto e = check_releasable(*r)) return api::fail(*e);
    tx.remove(kIpKind, r->id);
    return Response::no_content();
  });
}

Result<Response> release_ip_set(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto ids = b.strings("ip_ids");
  if (auto e = b.error()) return api::fail(*e);
  for (auto& id : ids.value_or(std::vector<std::string>{}))
    if (!is_uuid(id))
      return api::fail(ApiError::invalid_argument("ip_ids", ArgReason::kFormat, "invalid UUID"));
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    for (auto& id : ids.value_or(std::vector<std::string>{})) {
      auto r = load_ip(ctx, tx, id);
      if (!r) return api::fail(r.error());
      if (auto e = ctx.authorize_project(r->project_id)) return api::fail(*e);
      if (auto e = check_releasable(*r)) return api::fail(*e);
      tx.remove(kIpKind, r->id);
    }
    return Response::no_content();
  });
}

Result<store::Record> set_resource(store::Tx& tx, store::Record& ip,
                                   const std::optional<Resource>& to, Micros now) {
  if (to) {
    Resource r = *to;
    r.type = "custom";
    r.id = ip.id;
    ip.body["resource"] = resource_json(r);
    ip.body["attached_at"] = format_time(now);
  } else {
    ip.body["resource"] = nullptr;
    ip.body.erase("attached_at");
  }
  ip.updated_at = now;
  tx.update(ip);
  return ip;
}

Result<Response> attach_ip(Context& ctx) {
  auto res = read_custom_resource(ctx.body, "resource", true);
  if (!res) return api::fail(res.error());
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_ip(ctx, tx, ctx.param("ip_id"));
    if (!r) return api::fail(r.error());
    if (is_attached(*r))
      return api::fail(ApiError::precondition_failed(
          "resource_still_in_use", "IP " + r->id + " is already attached to a resource"));
    auto out = set_resource(tx, *r, *res, ctx.now());
    if (!out) return api::fail(out.error());
    return Response::json(200, render_ip(*out));
  });
}

Result<Response> detach_ip(Context& ctx) {
  auto res = read_custom_resource(ctx.body, "resource", true);
  if (!res) return api::fail(res.error());
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_ip(ctx, tx, ctx.param("ip_id"));
    if (!r) return api::fail(r.error());
    if (!attached_to(*r, *res))
      return api::fail(ApiError::invalid_argument(
          "resource.mac_address", ArgReason::kConstraint,
          "IP " + r->id + " is not attached to the custom resource " + res->mac_address));
    auto out = set_resource(tx, *r, std::nullopt, ctx.now());
    if (!out) return api::fail(out.error());
    return Response::json(200, render_ip(*out));
  });
}

Result<Response> move_ip(Context& ctx) {
  auto from = read_custom_resource(ctx.body, "from_resource", true);
  if (!from) return api::fail(from.error());
  std::optional<Resource> to;
  if (ctx.body.contains("to_resource") && !ctx.body.at("to_resource").is_null()) {
    auto t = read_custom_resource(ctx.body, "to_resource", true);
    if (!t) return api::fail(t.error());
    to = *t;
  }
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_ip(ctx, tx, ctx.param("ip_id"));
    if (!r) return api::fail(r.error());
    if (!attached_to(*r, *from))
      return api::fail(ApiError::invalid_argument(
          "from_resource.mac_address", ArgReason::kConstraint,
          "IP " + r->id + " is not attached to the custom resource " + from->mac_address));
    auto out = set_resource(tx, *r, to, ctx.now());
    if (!out) return api::fail(out.error());
    return Response::json(200, render_ip(*out));
  });
}

std::optional<ApiError> uuid_param(Context& ctx, std::string_view name, std::string& out) {
  auto* v = ctx.query(name);
  if (!v || v->empty()) return std::nullopt;
  if (!is_uuid(*v))
    return ApiError::invalid_argument(std::string(name), ArgReason::kFormat, "invalid UUID");
  out = to_lower(*v);
  return std::nullopt;
}

store::Filter body_eq(std::string path, std::string v) {
  return {Column::kBody, Op::kEq, {std::move(v)}, std::move(path), false};
}

Result<Response> list_ips(Context& ctx) {
  if (auto e = ctx.check_organization_filter("ip")) return api::fail(*e);
  auto page = paging::read(ctx.req, "page_size", kDefaultPageSize);
  if (!page) return api::fail(page.error());
  auto order =
      paging::order(ctx.req, {{"created_at_desc", Column::kCreatedAt, true},
                              {"created_at_asc", Column::kCreatedAt, false},
                              {"updated_at_desc", Column::kUpdatedAt, true},
                              {"updated_at_asc", Column::kUpdatedAt, false},
                              {"attached_at_desc", Column::kBody, true, "attached_at"},
                              {"attached_at_asc", Column::kBody, false, "attached_at"},
                              {"ip_address_desc", Column::kBody, true, "address"},
                              {"ip_address_asc", Column::kBody, false, "address"},
                              {"mac_address_desc", Column::kBody, true, "resource.mac_address"},
                              {"mac_address_asc", Column::kBody, false, "resource.mac_address"}});
  if (!order) return api::fail(order.error());
  store::ListQuery q;
  q.kind = std::string(kIpKind);
  q.order = std::move(*order);
  q.filters.push_back({Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
  q.filters.push_back({Column::kLocality, Op::kEq, {std::string(ctx.region())}, {}, false});
  ctx.scope(q);
  std::string v;
  struct IdFilter {
    std::string_view param;
    Column column;
    std::string_view path;
  };
  for (auto f : {IdFilter{"project_id", Column::kProject, ""},
                 IdFilter{"private_network_id", Column::kParent, ""},
                 IdFilter{"subnet_id", Column::kBody, "source.subnet_id"},
                 IdFilter{"vpc_id", Column::kBody, "vpc_id"},
                 IdFilter{"source_vpc_id", Column::kBody, "vpc_id"},
                 IdFilter{"resource_id", Column::kBody, "resource.id"}}) {
    v.clear();
    if (auto e = uuid_param(ctx, f.param, v)) return api::fail(*e);
    if (!v.empty()) q.filters.push_back({f.column, Op::kEq, {v}, std::string(f.path), false});
  }
  if (auto* z = ctx.query("zonal"); z && !z->empty()) q.filters.push_back(body_eq("zone", *z));
  if (auto a = ctx.query_bool("attached"))
    q.filters.push_back({Column::kBody, *a ? Op::kNotNull : Op::kIsNull, {}, "resource", false});
  if (auto a = ctx.query_bool("is_ipv6"))
    q.filters.push_back({Column::kBody, Op::kEq, {*a ? "1" : "0"}, "is_ipv6", true});
  if (auto* n = ctx.query("resource_name"); n && !n->empty())
    q.filters.push_back({Column::kBody, Op::kContains, {*n}, "resource.name", false});
  if (auto* m = ctx.query("mac_address"); m && !m->empty())
    q.filters.push_back(body_eq("resource.mac_address", upper(*m)));
  if (auto* t = ctx.query("resource_type"); t && !t->empty() && *t != "unknown_type")
    q.filters.push_back(body_eq("resource.type", *t));
  std::vector<std::string> types;
  for (auto& t : ctx.query_all("resource_types", true))
    if (!t.empty() && t != "unknown_type") types.push_back(t);
  if (!types.empty()) q.filters.push_back({Column::kBody, Op::kIn, types, "resource.type", false});
  auto list_ids = [&](std::string_view param, Column col,
                      std::string_view path) -> std::optional<ApiError> {
    auto ids = ctx.query_all(param, true);
    if (ids.empty()) return std::nullopt;
    for (auto& id : ids) {
      if (!is_uuid(id))
        return ApiError::invalid_argument(std::string(param), ArgReason::kFormat, "invalid UUID");
      id = to_lower(id);
    }
    q.filters.push_back({col, Op::kIn, ids, std::string(path), false});
    return std::nullopt;
  };
  if (auto e = list_ids("resource_ids", Column::kBody, "resource.id")) return api::fail(*e);
  if (auto e = list_ids("ip_ids", Column::kId, "")) return api::fail(*e);
  for (auto& t : ctx.query_all("tags", false))
    if (!t.empty()) q.tags_any.push_back(t);
  paging::apply(q, *page);
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto res = tx->list(q);
  json::array items;
  for (auto& r : res.items) items.push_back(render_ip(r));
  return Response::json(200, paging::list_body("ips", std::move(items), res.total));
}

class IpamModule final : public app::Module {
 public:
  std::string_view name() const override { return "ipam"; }
  void register_routes(app::Registry& r, app::Services&) override {
    const std::string p = "/ipam/v1/regions/{region}";
    // Booking takes an address in a Private Network (a subnet is resolved to its network by
    // the handler, which books only in the network's own project). `resource` describes a
    // custom resource by MAC address and name: no id.
    r.add("POST", p + "/ips", kWrite, book_ip)
        .refs(
            {app::body_ref("source.private_network_id", Access::kWrite, {vpc::kPrivateNetworkRef})})
        .not_refs({"resource"});
    // Filters of the (scoped) list.
    r.add("GET", p + "/ips", kRead, list_ips)
        .not_refs({"ip_ids", "resource_id", "resource_ids", "vpc_id", "private_network_id",
                   "subnet_id", "source_vpc_id"});
    r.add("GET", p + "/ips/{ip_id}", kRead, get_ip);
    r.add("PATCH", p + "/ips/{ip_id}", kWrite, update_ip);
    r.add("DELETE", p + "/ips/{ip_id}", kWrite, release_ip);
    r.add("POST", p + "/ip-sets/release", kWrite, release_ip_set)
        .refs({app::body_ref("ip_ids", Access::kWrite, {kIpRef})});
    // Custom resources are described by MAC address and name, not by id.
    r.add("POST", p + "/ips/{ip_id}/attach", kWrite, attach_ip).not_refs({"resource"});
    r.add("POST", p + "/ips/{ip_id}/detach", kWrite, detach_ip).not_refs({"resource"});
    r.add("POST", p + "/ips/{ip_id}/move", kWrite, move_ip)
        .not_refs({"from_resource", "to_resource"});
  }
};

}  // namespace

std::unique_ptr<app::Module> make_module() { return std::make_unique<IpamModule>(); }

}  // namespace scwd::products::ipam
