// VPC API v2 (/vpc/v2/regions/{region}): VPCs, Private Networks, subnets, routes, ACLs.
#include <algorithm>
#include <boost/json.hpp>

#include "core/codec/validate.hpp"
#include "core/paging/paging.hpp"
#include "core/util/ids.hpp"
#include "products/instance/private_nics.hpp"
#include "products/ipam/ipam.hpp"
#include "products/vpc/model.hpp"
#include "products/vpc/net.hpp"
#include "products/vpc/vpc.hpp"
#include "products/vpcgw/model.hpp"

namespace scwd::products::vpc {

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

constexpr Permission kVpcRead{"VPC", Access::kRead, "vpc"};
constexpr Permission kVpcWrite{"VPC", Access::kWrite, "vpc"};
constexpr Permission kPnRead{"VPC", Access::kRead, "private_network"};
constexpr Permission kPnWrite{"VPC", Access::kWrite, "private_network"};
constexpr Permission kSubnetRead{"VPC", Access::kRead, "subnet"};
constexpr Permission kRouteRead{"VPC", Access::kRead, "route"};
constexpr Permission kRouteWrite{"VPC", Access::kWrite, "route"};
constexpr Permission kAclRead{"VPC", Access::kRead, "acl"};
constexpr Permission kAclWrite{"VPC", Access::kWrite, "acl"};

constexpr std::int64_t kDefaultPageSize = 50;
// Newer VPC objects published by the Go SDK only (not by the JS SDK 1.4.0); Terraform manages
// them. locality = region; parent_id = vpc_id.
constexpr std::string_view kConnectorKind = "vpc.vpc_connector";  // body: target_vpc_id
// body: is_ipv6, source, nexthop_resource_ip, nexthop_private_network_id, description
constexpr std::string_view kIngressKind = "vpc.ingress_rule";
constexpr app::RefKind kConnectorRef{kConnectorKind, "VPC", "vpc_connector"};
constexpr Permission kConnRead{"VPC", Access::kRead, "vpc_connector"};
constexpr Permission kConnWrite{"VPC", Access::kWrite, "vpc_connector"};
constexpr Permission kIngressRead{"VPC", Access::kRead, "ingress_rule"};
constexpr Permission kIngressWrite{"VPC", Access::kWrite, "ingress_rule"};
constexpr std::string_view kAclPrefix = "(Rule scope: client) ";

// The real API's 404 for routes names no resource.
ApiError route_not_found() {
  return ApiError(404, json::object{{"message", "resource is not found"},
                                    {"resource", "unknown"},
                                    {"resource_id", ""},
                                    {"type", "not_found"}});
}

Result<std::string> path_id(Context& ctx, std::string_view name) {
  auto v = ctx.param(name);
  if (!is_uuid(v))
    return api::fail(
        ApiError::invalid_argument(std::string(name), ArgReason::kFormat, "invalid UUID"));
  return to_lower(v);
}

// A record of `kind` in the caller's organization and the request's region.
std::optional<store::Record> load(Context& ctx, store::Tx& tx, std::string_view kind,
                                  const std::string& id) {
  auto r = tx.get(kind, id);
  if (!r || r->organization_id != ctx.principal.organization_id || r->locality != ctx.region())
    return std::nullopt;
  return r;
}

Result<store::Record> load_vpc(Context& ctx, store::Tx& tx, const std::string& id) {
  auto r = load(ctx, tx, kVpcKind, id);
  if (!r) return api::fail(ApiError::not_found("vpc", id));
  return std::move(*r);
}

Result<store::Record> load_pn(Context& ctx, store::Tx& tx, const std::string& id) {
  auto r = load(ctx, tx, kPrivateNetworkKind, id);
  if (!r) return api::fail(ApiError::not_found("private_network", id));
  return std::move(*r);
}

std::optional<ApiError> uuids_filter(Context& ctx, store::ListQuery& q, std::string_view param,
                                     Column column) {
  auto ids = ctx.query_all(param, true);
  if (ids.empty()) return std::nullopt;
  for (auto& id : ids) {
    if (!is_uuid(id))
      return ApiError::invalid_argument(std::string(param), ArgReason::kFormat, "invalid UUID");
    id = to_lower(id);
  }
  q.filters.push_back({column, Op::kIn, ids, {}, false});
  return std::nullopt;
}

// A JSON boolean of the body compared as the store reads it (1 / 0).
store::Filter bool_filter(std::string path, bool v) {
  return {Column::kBody, Op::kEq, {v ? "1" : "0"}, std::move(path), true};
}

std::vector<std::string> query_tags(Context& ctx) {
  std::vector<std::string> out;
  for (auto& t : ctx.query_all("tags", false))
    if (!t.empty()) out.push_back(t);
  return out;
}

struct ListStart {
  paging::Page page;
  store::ListQuery q;
};

// Page, order_by (created_at / name), organization, region, readable projects, project_id, name
// and tags filters.
Result<ListStart> start_list(Context& ctx, std::string_view kind, std::string_view resource) {
  if (auto e = ctx.check_organization_filter(resource)) return api::fail(*e);
  auto page = paging::read(ctx.req, "page_size", kDefaultPageSize);
  if (!page) return api::fail(page.error());
  auto order = paging::order(ctx.req, {{"created_at_asc", Column::kCreatedAt, false},
                                       {"created_at_desc", Column::kCreatedAt, true},
                                       {"name_asc", Column::kName, false},
                                       {"name_desc", Column::kName, true}});
  if (!order) return api::fail(order.error());
  ListStart l{*page, {}};
  auto& q = l.q;
  q.kind = std::string(kind);
  q.order = std::move(*order);
  q.filters.push_back({Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
  q.filters.push_back({Column::kLocality, Op::kEq, {std::string(ctx.region())}, {}, false});
  ctx.scope(q);
  if (auto e = ctx.uuid_filter(q, "project_id", Column::kProject)) return api::fail(*e);
  if (auto* name = ctx.query("name"); name && !name->empty())
    q.filters.push_back({Column::kName, Op::kContains, {*name}, {}, false});
  q.tags_any = query_tags(ctx);
  return l;
}

// --- VPCs ---

// The real platform gives every project a default VPC per region: create the missing one of the
// listed project (or of the caller's default project) before listing.
void ensure_default_vpc(Context& ctx) {
  std::string project = ctx.principal.default_project_id;
  if (auto p = ctx.query_opt("project_id"); p && is_uuid(*p)) project = to_lower(*p);
  if (project.empty()) return;
  {
    auto tx = ctx.svc.store.begin(store::TxMode::kRead);
    if (tx->get_by_key(kVpcKind, default_vpc_key(project, ctx.region()))) return;
  }
  ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<bool> {
    auto owner = app::resolve_owner(ctx, tx, project, std::nullopt);
    if (!owner) return api::fail(owner.error());
    auto v = default_vpc(tx, ctx, *owner, ctx.region(), ctx.now());
    if (!v) return api::fail(v.error());
    return true;
  });
}

Result<Response> list_vpcs(Context& ctx) {
  ensure_default_vpc(ctx);
  auto l = start_list(ctx, kVpcKind, "vpc");
  if (!l) return api::fail(l.error());
  auto& q = l->q;
  if (auto v = ctx.query_bool("is_default")) q.filters.push_back(bool_filter("is_default", *v));
  if (auto v = ctx.query_bool("routing_enabled"))
    q.filters.push_back(bool_filter("routing_enabled", *v));
  paging::apply(q, l->page);
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto res = tx->list(q);
  json::array items;
  for (auto& r : res.items) items.push_back(render_vpc(*tx, r));
  return Response::json(200, paging::list_body("vpcs", std::move(items), res.total));
}

Result<Response> create_vpc(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto project = b.str("project_id");
  auto tags = b.strings("tags");
  b.boolean("enable_routing");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto owner =
        app::resolve_owner(ctx, tx, project, std::nullopt, "project_id", "organization_id", "vpc");
    if (!owner) return api::fail(owner.error());
    auto now = ctx.now();
    // The project's default VPC exists before any other (the platform creates it with the
    // project).
    auto def = default_vpc(tx, ctx, *owner, ctx.region(), now);
    if (!def) return api::fail(def.error());
    store::Record r;
    r.kind = std::string(kVpcKind);
    r.id = new_uuid();
    r.organization_id = owner->organization_id;
    r.project_id = owner->project_id;
    r.locality = std::string(ctx.region());
    r.name = name && !name->empty() ? *name : "vpc-" + r.id.substr(0, 8);
    r.tags = tags.value_or(std::vector<std::string>{});
    r.created_at = r.updated_at = now;
    // New VPCs always come back with routing enabled, whatever enable_routing said.
    r.body = json::object{{"is_default", false},
                          {"routing_enabled", true},
                          {"custom_routes_propagation_enabled", true},
                          {"transitivity_enabled", false},
                          {"s3_integration_enabled", false}};
    tx.insert(r);
    return Response::json(200, render_vpc(tx, r));
  });
}

Result<Response> get_vpc(Context& ctx) {
  auto id = path_id(ctx, "vpc_id");
  if (!id) return api::fail(id.error());
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto r = load_vpc(ctx, *tx, *id);
  if (!r) return api::fail(r.error());
  return Response::json(200, render_vpc(*tx, *r));
}

Result<Response> update_vpc(Context& ctx) {
  auto id = path_id(ctx, "vpc_id");
  if (!id) return api::fail(id.error());
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto tags = b.strings("tags");
  if (auto e = b.error()) return api::fail(*e);
  if (name && name->empty())
    return api::fail(
        ApiError::invalid_argument("name", ArgReason::kConstraint, "name must not be empty"));
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_vpc(ctx, tx, *id);
    if (!r) return api::fail(r.error());
    if (name) r->name = *name;
    if (tags) r->tags = *tags;
    r->updated_at = ctx.now();
    tx.update(*r);
    return Response::json(200, render_vpc(tx, *r));
  });
}

Result<Response> delete_vpc(Context& ctx) {
  auto id = path_id(ctx, "vpc_id");
  if (!id) return api::fail(id.error());
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_vpc(ctx, tx, *id);
    if (!r) return api::fail(r.error());
    if (r->body["is_default"] == json::value(true))
      return api::fail(ApiError::precondition_failed("resource_still_in_use",
                                                     "the default VPC cannot be deleted"));
    if (private_network_count(tx, r->id) > 0)
      return api::fail(ApiError::precondition_failed("resource_still_in_use",
                                                     "VPC must be empty to be deleted"));
    // Custom routes, connectors and ingress rules go with their VPC.
    for (auto kind : {kRouteKind, kConnectorKind, kIngressKind}) {
      store::ListQuery q;
      q.kind = std::string(kind);
      q.filters.push_back({Column::kParent, Op::kEq, {r->id}, {}, false});
      q.with_total = false;
      for (auto& x : tx.list(q).items) tx.remove(kind, x.id);
    }
    tx.remove(kVpcKind, r->id);
    return Response::no_content();
  });
}

// enable-routing / enable-custom-routes-propagation: one-way switches.
Result<Response> switch_vpc(Context& ctx, std::string_view field) {
  auto id = path_id(ctx, "vpc_id");
  if (!id) return api::fail(id.error());
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_vpc(ctx, tx, *id);
    if (!r) return api::fail(r.error());
    if (r->body[field] != json::value(true)) {
      r->body[field] = true;
      r->updated_at = ctx.now();
      tx.update(*r);
    }
    return Response::json(200, render_vpc(tx, *r));
  });
}

Result<Response> enable_routing(Context& ctx) { return switch_vpc(ctx, "routing_enabled"); }
Result<Response> enable_custom_routes_propagation(Context& ctx) {
  return switch_vpc(ctx, "custom_routes_propagation_enabled");
}

// --- ACLs ---

std::string acl_field(bool v6) { return v6 ? "acl_ipv6" : "acl_ipv4"; }

json::object acl_of(const store::Record& vpc, bool v6) {
  auto it = vpc.body.find(acl_field(v6));
  if (it != vpc.body.end() && it->value().is_object()) return it->value().as_object();
  return json::object{{"default_policy", "accept"}, {"rules", json::array{}}};
}

Result<Response> get_acl(Context& ctx) {
  auto id = path_id(ctx, "vpc_id");
  if (!id) return api::fail(id.error());
  bool v6 = ctx.query_bool("is_ipv6").value_or(false);
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto r = load_vpc(ctx, *tx, *id);
  if (!r) return api::fail(r.error());
  return Response::json(200, acl_of(*r, v6));
}

Result<json::object> read_acl_rule(const json::object& in, std::string prefix, bool v6) {
  codec::BodyReader b(in, prefix);
  auto protocol = b.enumeration("protocol", {"ANY", "TCP", "UDP", "ICMP"});
  auto source = b.str("source", true);
  auto destination = b.str("destination", true);
  auto spl = b.integer("src_port_low");
  auto sph = b.integer("src_port_high");
  auto dpl = b.integer("dst_port_low");
  auto dph = b.integer("dst_port_high");
  auto action = b.enumeration("action", {"unknown_action", "accept", "drop"});
  auto description = b.str("description");
  if (auto e = b.error()) return api::fail(*e);
  for (auto* cidr : {&*source, &*destination}) {
    auto c = net::parse_cidr(*cidr);
    if (!c || c->addr.v6 != v6)
      b.add(cidr == &*source ? "source" : "destination", ArgReason::kFormat,
            std::string("must be an ") + (v6 ? "IPv6" : "IPv4") + " CIDR");
  }
  auto port = [&](std::string_view key, const std::optional<std::int64_t>& p) {
    if (p && (*p < 0 || *p > 65536)) b.add(key, ArgReason::kConstraint, "must be in 0..65536");
  };
  port("src_port_low", spl);
  port("src_port_high", sph);
  port("dst_port_low", dpl);
  port("dst_port_high", dph);
  if (spl && sph && *spl > *sph)
    b.add("src_port_low", ArgReason::kConstraint, "must not exceed src_port_high");
  if (dpl && dph && *dpl > *dph)
    b.add("dst_port_low", ArgReason::kConstraint, "must not exceed dst_port_high");
  if (auto e = b.error()) return api::fail(*e);
  std::string desc = description.value_or("");
  if (desc.rfind(kAclPrefix, 0) != 0) desc = std::string(kAclPrefix) + desc;
  return json::object{{"action", action.value_or("unknown_action")},
                      {"description", desc},
                      {"destination", *destination},
                      {"dst_port_high", dph.value_or(0)},
                      {"dst_port_low", dpl.value_or(0)},
                      {"protocol", protocol.value_or("ANY")},
                      {"source", *source},
                      {"src_port_high", sph.value_or(0)},
                      {"src_port_low", spl.value_or(0)}};
}

Result<Response> set_acl(Context& ctx) {
  auto id = path_id(ctx, "vpc_id");
  if (!id) return api::fail(id.error());
  codec::BodyReader b(ctx.body);
  auto v6 = b.boolean("is_ipv6", true);
  auto policy = b.enumeration("default_policy", {"unknown_action", "accept", "drop"}, true);
  if (auto e = b.error()) return api::fail(*e);
  json::array rules;
  if (auto it = ctx.body.find("rules"); it != ctx.body.end() && !it->value().is_null()) {
    if (!it->value().is_array())
      return api::fail(ApiError::invalid_argument("rules", ArgReason::kFormat, "must be an array"));
    std::size_t i = 0;
    for (auto& v : it->value().as_array()) {
      auto prefix = "rules." + std::to_string(i++);
      if (!v.is_object())
        return api::fail(
            ApiError::invalid_argument(prefix, ArgReason::kFormat, "must be an object"));
      auto rule = read_acl_rule(v.as_object(), prefix, *v6);
      if (!rule) return api::fail(rule.error());
      rules.push_back(std::move(*rule));
    }
  }
  if (*policy == "unknown_action")
    return api::fail(ApiError::invalid_argument("default_policy", ArgReason::kConstraint,
                                                "default_policy must be accept or drop"));
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_vpc(ctx, tx, *id);
    if (!r) return api::fail(r.error());
    json::object acl{{"default_policy", *policy}, {"rules", rules}};
    r->body[acl_field(*v6)] = acl;
    r->updated_at = ctx.now();
    tx.update(*r);
    return Response::json(200, acl);
  });
}

// --- Private Networks ---

Result<Response> list_private_networks(Context& ctx) {
  auto l = start_list(ctx, kPrivateNetworkKind, "private_network");
  if (!l) return api::fail(l.error());
  auto& q = l->q;
  if (auto e = ctx.uuid_filter(q, "vpc_id", Column::kParent)) return api::fail(*e);
  if (auto e = uuids_filter(ctx, q, "private_network_ids", Column::kId)) return api::fail(*e);
  if (auto v = ctx.query_bool("dhcp_enabled")) q.filters.push_back(bool_filter("dhcp_enabled", *v));
  paging::apply(q, l->page);
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto res = tx->list(q);
  json::array items;
  for (auto& r : res.items) items.push_back(render_private_network(r));
  return Response::json(200, paging::list_body("private_networks", std::move(items), res.total));
}

Result<Response> create_private_network_handler(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto project = b.str("project_id");
  auto tags = b.strings("tags");
  auto subnets = b.strings("subnets");
  auto vpc_id = b.uuid("vpc_id");
  auto drp = b.boolean("default_route_propagation_enabled");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto owner = app::resolve_owner(ctx, tx, project, std::nullopt, "project_id", "organization_id",
                                    "private_network");
    if (!owner) return api::fail(owner.error());
    auto now = ctx.now();
    store::Record vpc;
    if (vpc_id) {
      auto v = load_vpc(ctx, tx, to_lower(*vpc_id));
      if (!v) return api::fail(v.error());
      if (v->project_id != owner->project_id)
        return api::fail(ApiError::invalid_argument(
            "vpc_id", ArgReason::kConstraint,
            "the VPC belongs to another project than the Private Network"));
      vpc = std::move(*v);
    } else {
      auto v = default_vpc(tx, ctx, *owner, ctx.region(), now);
      if (!v) return api::fail(v.error());
      vpc = std::move(*v);
    }
    NewPrivateNetwork n;
    n.name = name && !name->empty() ? *name : "pn-" + new_uuid().substr(0, 8);
    n.tags = tags.value_or(std::vector<std::string>{});
    n.subnets = subnets.value_or(std::vector<std::string>{});
    n.default_route_propagation_enabled = drp.value_or(false);
    auto r = create_private_network(tx, *owner, vpc, n, now);
    if (!r) return api::fail(r.error());
    return Response::json(200, render_private_network(*r));
  });
}

Result<Response> get_private_network(Context& ctx) {
  auto id = path_id(ctx, "private_network_id");
  if (!id) return api::fail(id.error());
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto r = load_pn(ctx, *tx, *id);
  if (!r) return api::fail(r.error());
  return Response::json(200, render_private_network(*r));
}

Result<Response> update_private_network(Context& ctx) {
  auto id = path_id(ctx, "private_network_id");
  if (!id) return api::fail(id.error());
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto tags = b.strings("tags");
  auto drp = b.boolean("default_route_propagation_enabled");
  if (auto e = b.error()) return api::fail(*e);
  if (name && name->empty())
    return api::fail(
        ApiError::invalid_argument("name", ArgReason::kConstraint, "name must not be empty"));
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_pn(ctx, tx, *id);
    if (!r) return api::fail(r.error());
    if (name) r->name = *name;
    if (tags) r->tags = *tags;
    if (drp) r->body["default_route_propagation_enabled"] = *drp;
    r->updated_at = ctx.now();
    tx.update(*r);
    return Response::json(200, render_private_network(*r));
  });
}

Result<Response> delete_private_network(Context& ctx) {
  auto id = path_id(ctx, "private_network_id");
  if (!id) return api::fail(id.error());
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_pn(ctx, tx, *id);
    if (!r) return api::fail(r.error());
    if (ipam::count_in_private_network(tx, r->id) > 0)
      return api::fail(ApiError::precondition_failed("resource_still_in_use",
                                                     "Private Network must be empty to be "
                                                     "deleted"));
    // Custom routes through this Private Network go with it.
    store::ListQuery q;
    q.kind = std::string(kRouteKind);
    q.filters.push_back({Column::kBody, Op::kEq, {r->id}, "nexthop_private_network_id", false});
    q.with_total = false;
    for (auto& route : tx.list(q).items) tx.remove(kRouteKind, route.id);
    tx.remove(kPrivateNetworkKind, r->id);
    return Response::no_content();
  });
}

Result<Response> enable_dhcp(Context& ctx) {
  auto id = path_id(ctx, "private_network_id");
  if (!id) return api::fail(id.error());
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_pn(ctx, tx, *id);
    if (!r) return api::fail(r.error());
    if (r->body["dhcp_enabled"] != json::value(true)) {
      r->body["dhcp_enabled"] = true;
      r->updated_at = ctx.now();
      tx.update(*r);
    }
    return Response::json(200, render_private_network(*r));
  });
}

// AddSubnets / DeleteSubnets: published in the JS SDK but not implemented by the platform: the
// live API answers every call 501 "unimplemented endpoint" (scaleway-sdk-go issue #3094; the Go
// SDK then removed both methods), before looking at the Private Network. So do we.
Result<Response> subnets_not_supported(Context&) {
  return api::fail(ApiError(501, json::object{{"message", "unimplemented endpoint"}}));
}

// --- subnets ---

Result<Response> list_subnets(Context& ctx) {
  if (auto e = ctx.check_organization_filter("subnet")) return api::fail(*e);
  auto page = paging::read(ctx.req, "page_size", kDefaultPageSize);
  if (!page) return api::fail(page.error());
  auto order = paging::order(ctx.req, {{"created_at_asc", Column::kCreatedAt, false},
                                       {"created_at_desc", Column::kCreatedAt, true}});
  if (!order) return api::fail(order.error());
  store::ListQuery q;
  q.kind = std::string(kPrivateNetworkKind);
  q.order = *order;
  q.with_total = false;
  q.filters.push_back({Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
  q.filters.push_back({Column::kLocality, Op::kEq, {std::string(ctx.region())}, {}, false});
  ctx.scope(q);
  if (auto e = ctx.uuid_filter(q, "project_id", Column::kProject)) return api::fail(*e);
  if (auto e = ctx.uuid_filter(q, "vpc_id", Column::kParent)) return api::fail(*e);
  std::vector<std::string> ids;
  for (auto& id : ctx.query_all("subnet_ids", true)) {
    if (!is_uuid(id))
      return api::fail(
          ApiError::invalid_argument("subnet_ids", ArgReason::kFormat, "invalid UUID"));
    ids.push_back(to_lower(id));
  }
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  json::array all;
  for (auto& pn : tx->list(q).items) {
    auto it = pn.body.find("subnets");
    if (it == pn.body.end() || !it->value().is_array()) continue;
    for (auto& s : it->value().as_array()) {
      if (!s.is_object()) continue;
      auto o = render_subnet(pn, s.as_object());
      if (!ids.empty() &&
          std::find(ids.begin(), ids.end(), std::string(o["id"].as_string())) == ids.end())
        continue;
      all.push_back(std::move(o));
    }
  }
  auto total = static_cast<std::int64_t>(all.size());
  json::array items;
  for (auto i = page->offset(); i < total && i < page->offset() + page->size; ++i)
    items.push_back(all[static_cast<std::size_t>(i)]);
  return Response::json(200, paging::list_body("subnets", std::move(items), total));
}

// --- routes ---

json::object render_route(const store::Record& r) {
  auto get = [&](std::string_view key) -> json::value {
    auto it = r.body.find(key);
    return it != r.body.end() ? it->value() : json::value(nullptr);
  };
  json::object o;
  o["id"] = r.id;
  o["description"] = get("description");
  o["tags"] = json::value_from(r.tags);
  o["vpc_id"] = r.parent_id;
  o["destination"] = get("destination");
  o["nexthop_resource_id"] = get("nexthop_resource_id");
  o["nexthop_private_network_id"] = get("nexthop_private_network_id");
  o["nexthop_vpc_connector_id"] = get("nexthop_vpc_connector_id");
  o["created_at"] = format_time(r.created_at);
  o["updated_at"] = format_time(r.updated_at);
  auto ro = r.body.find("is_read_only");
  o["is_read_only"] = ro != r.body.end() && ro->value().is_bool() && ro->value().get_bool();
  auto type = r.body.find("type");
  o["type"] =
      type != r.body.end() && type->value().is_string() ? type->value() : json::value("custom");
  o["region"] = r.locality;
  return o;
}

Result<store::Record> load_route(Context& ctx, store::Tx& tx, const std::string& id) {
  auto r = load(ctx, tx, kRouteKind, id);
  if (!r) return api::fail(route_not_found());
  return std::move(*r);
}

// Routes the platform manages (a gateway's default route) are read-only.
std::optional<ApiError> check_writable(const store::Record& r) {
  if (r.body.contains("is_read_only") && r.body.at("is_read_only") == json::value(true))
    return ApiError::precondition_failed("protected_resource",
                                         "this route is managed by the platform and is read-only");
  return std::nullopt;
}

// Checks a route's destination and next hop against its VPC. The next hop is a Private Network
// of the VPC, or a resource attached to one (known through its IPAM addresses).
std::optional<ApiError> check_route(Context& ctx, store::Tx& tx, const store::Record& vpc,
                                    const std::string& destination,
                                    const std::optional<std::string>& pn_id,
                                    const std::optional<std::string>& resource_id,
                                    const std::optional<std::string>& connector_id) {
  auto c = net::parse_cidr(destination);
  if (!c)
    return ApiError::invalid_argument("destination", ArgReason::kFormat,
                                      "destination must be a CIDR");
  if (!pn_id && !resource_id && !connector_id)
    return ApiError::invalid_argument("nexthop_resource_id", ArgReason::kRequired,
                                      "one of nexthop_resource_id, nexthop_private_network_id or "
                                      "nexthop_vpc_connector_id is required");
  if (connector_id) {
    if (pn_id || resource_id)
      return ApiError::invalid_argument("nexthop_vpc_connector_id", ArgReason::kConstraint,
                                        "a route through a VPC connector has no other next hop");
    auto conn = load(ctx, tx, kConnectorKind, *connector_id);
    if (!conn) return ApiError::not_found("vpc_connector", *connector_id);
    if (conn->parent_id != vpc.id)
      return ApiError::invalid_argument("nexthop_vpc_connector_id", ArgReason::kConstraint,
                                        "the VPC connector does not start from the route's VPC");
  }
  if (pn_id) {
    auto pn = load(ctx, tx, kPrivateNetworkKind, *pn_id);
    if (!pn) return ApiError::not_found("private_network", *pn_id);
    if (pn->parent_id != vpc.id)
      return ApiError::invalid_argument("nexthop_private_network_id", ArgReason::kConstraint,
                                        "the Private Network is not in the route's VPC");
  }
  return std::nullopt;
}

std::optional<std::string> lower_opt(const std::optional<std::string>& s) {
  if (!s || s->empty()) return std::nullopt;
  return to_lower(*s);
}

Result<Response> create_route(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto description = b.str("description");
  auto tags = b.strings("tags");
  auto vpc_id = b.uuid("vpc_id", true);
  auto destination = b.str("destination", true);
  auto nh_resource = b.uuid("nexthop_resource_id");
  auto nh_pn = b.uuid("nexthop_private_network_id");
  auto nh_conn = b.uuid("nexthop_vpc_connector_id");
  if (auto e = b.error()) return api::fail(*e);
  auto pn_id = lower_opt(nh_pn);
  auto res_id = lower_opt(nh_resource);
  auto conn_id = lower_opt(nh_conn);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto vpc = load_vpc(ctx, tx, to_lower(*vpc_id));
    if (!vpc) return api::fail(vpc.error());
    if (auto e = ctx.authorize_project(vpc->project_id)) return api::fail(*e);
    if (auto e = check_route(ctx, tx, *vpc, *destination, pn_id, res_id, conn_id))
      return api::fail(*e);
    auto now = ctx.now();
    store::Record r;
    r.kind = std::string(kRouteKind);
    r.id = new_uuid();
    r.organization_id = vpc->organization_id;
    r.project_id = vpc->project_id;
    r.locality = vpc->locality;
    r.parent_id = vpc->id;
    r.tags = tags.value_or(std::vector<std::string>{});
    r.created_at = r.updated_at = now;
    std::string desc = description.value_or("");
    if (desc.empty()) desc = "Custom route";
    r.body = json::object{
        {"description", desc},
        {"destination", net::format_cidr(*net::parse_cidr(*destination))},
        {"nexthop_resource_id", res_id ? json::value(*res_id) : json::value(nullptr)},
        {"nexthop_private_network_id", pn_id ? json::value(*pn_id) : json::value(nullptr)},
        {"nexthop_vpc_connector_id", conn_id ? json::value(*conn_id) : json::value(nullptr)}};
    tx.insert(r);
    return Response::json(200, render_route(r));
  });
}

Result<Response> get_route(Context& ctx) {
  auto v = ctx.param("route_id");
  if (!is_uuid(v)) return api::fail(route_not_found());
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto r = load_route(ctx, *tx, to_lower(v));
  if (!r) return api::fail(r.error());
  return Response::json(200, render_route(*r));
}

Result<Response> update_route(Context& ctx) {
  auto v = ctx.param("route_id");
  if (!is_uuid(v)) return api::fail(route_not_found());
  auto id = to_lower(v);
  codec::BodyReader b(ctx.body);
  auto description = b.str("description");
  auto tags = b.strings("tags");
  auto destination = b.str("destination");
  auto nh_resource = b.uuid("nexthop_resource_id");
  auto nh_pn = b.uuid("nexthop_private_network_id");
  auto nh_conn = b.uuid("nexthop_vpc_connector_id");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_route(ctx, tx, id);
    if (!r) return api::fail(r.error());
    if (auto e = check_writable(*r)) return api::fail(*e);
    auto vpc = load_vpc(ctx, tx, r->parent_id);
    if (!vpc) return api::fail(vpc.error());
    auto str = [&](std::string_view key) -> std::optional<std::string> {
      auto it = r->body.find(key);
      if (it == r->body.end() || !it->value().is_string()) return std::nullopt;
      return std::string(it->value().get_string());
    };
    std::string dest = destination ? *destination : str("destination").value_or("");
    auto pn_id = nh_pn ? lower_opt(nh_pn) : str("nexthop_private_network_id");
    auto res_id = nh_resource ? lower_opt(nh_resource) : str("nexthop_resource_id");
    auto conn_id = nh_conn ? lower_opt(nh_conn) : str("nexthop_vpc_connector_id");
    if (auto e = check_route(ctx, tx, *vpc, dest, pn_id, res_id, conn_id)) return api::fail(*e);
    if (description) r->body["description"] = description->empty() ? "Custom route" : *description;
    if (tags) r->tags = *tags;
    r->body["destination"] = net::format_cidr(*net::parse_cidr(dest));
    r->body["nexthop_private_network_id"] = pn_id ? json::value(*pn_id) : json::value(nullptr);
    r->body["nexthop_resource_id"] = res_id ? json::value(*res_id) : json::value(nullptr);
    r->body["nexthop_vpc_connector_id"] = conn_id ? json::value(*conn_id) : json::value(nullptr);
    r->updated_at = ctx.now();
    tx.update(*r);
    return Response::json(200, render_route(*r));
  });
}

Result<Response> delete_route(Context& ctx) {
  auto v = ctx.param("route_id");
  if (!is_uuid(v)) return api::fail(route_not_found());
  auto id = to_lower(v);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_route(ctx, tx, id);
    if (!r) return api::fail(r.error());
    if (auto e = check_writable(*r)) return api::fail(*e);
    tx.remove(kRouteKind, r->id);
    return Response::no_content();
  });
}

// GET /routes-with-nexthop (published by the Go SDK, not by the JS SDK 1.4.0; Terraform lists
// routes with it): the VPC's managed read-only subnet routes (one per Private Network subnet, no
// id) and its route records, each with what its next hop is.
json::object managed_route(const store::Record& pn, const Subnet& s) {
  json::object route{{"created_at", format_time(pn.created_at)},
                     {"description", "Local Private Network route"},
                     {"destination", s.cidr},
                     {"id", ""},
                     {"is_read_only", true},
                     {"nexthop_private_network_id", pn.id},
                     {"nexthop_resource_id", nullptr},
                     {"nexthop_vpc_connector_id", nullptr},
                     {"region", pn.locality},
                     {"tags", json::array{"MANAGED"}},
                     {"type", "subnet"},
                     {"updated_at", format_time(pn.updated_at)},
                     {"vpc_id", pn.parent_id}};
  return json::object{{"route", std::move(route)},
                      {"nexthop_ip", nullptr},
                      {"nexthop_name", nullptr},
                      {"nexthop_resource_type", "unknown_type"}};
}

json::object route_with_nexthop(store::Tx& tx, const store::Record& r) {
  json::object o{{"route", render_route(r)},
                 {"nexthop_ip", nullptr},
                 {"nexthop_name", nullptr},
                 {"nexthop_resource_type", "unknown_type"}};
  auto res = r.body.find("nexthop_resource_id");
  if (res == r.body.end() || !res->value().is_string()) return o;
  // The next hop resource is known through its IPAM address in the Private Network.
  store::ListQuery q;
  q.kind = std::string(ipam::kIpKind);
  q.filters.push_back(
      {Column::kBody, Op::kEq, {std::string(res->value().get_string())}, "resource.id", false});
  q.order.push_back({Column::kCreatedAt, false, {}});
  q.with_total = false;
  for (auto& ip : tx.list(q).items) {
    auto& resource = ip.body["resource"];
    if (!resource.is_object() || ip.body["is_ipv6"] == json::value(true)) continue;
    auto& ro = resource.as_object();
    o["nexthop_name"] = ro.contains("name") ? ro.at("name") : json::value(nullptr);
    o["nexthop_resource_type"] = ro.contains("type") ? ro.at("type") : json::value("unknown_type");
    if (ro.at("type") != json::value("vpc_gateway_network"))
      o["nexthop_ip"] = ipam::plain_address(ip);
    break;
  }
  return o;
}

Result<Response> list_routes_with_nexthop(Context& ctx) {
  auto page = paging::read(ctx.req, "page_size", kDefaultPageSize);
  if (!page) return api::fail(page.error());
  std::string vpc_id, pn_filter, res_filter;
  for (auto [param, out] : {std::pair<std::string_view, std::string*>{"vpc_id", &vpc_id},
                            {"nexthop_private_network_id", &pn_filter},
                            {"nexthop_resource_id", &res_filter}}) {
    auto* v = ctx.query(param);
    if (!v || v->empty()) continue;
    if (!is_uuid(*v))
      return api::fail(
          ApiError::invalid_argument(std::string(param), ArgReason::kFormat, "invalid UUID"));
    *out = to_lower(*v);
  }
  auto v6 = ctx.query_bool("is_ipv6");
  std::string type_filter;
  if (auto* t = ctx.query("nexthop_resource_type"); t && *t != "unknown_type") type_filter = *t;
  std::optional<net::Cidr> contains;
  if (auto* c = ctx.query("contains"); c && !c->empty()) {
    contains = net::parse_cidr(*c);
    if (!contains)
      contains = net::parse_cidr(*c + (c->find(':') != std::string::npos ? "/128" : "/32"));
    if (!contains)
      return api::fail(ApiError::invalid_argument("contains", ArgReason::kFormat,
                                                  "must be an IP address or a CIDR"));
  }
  auto tags = query_tags(ctx);
  bool desc = false;
  if (auto* o = ctx.query("order_by"); o && !o->empty())
    desc = o->find("_desc") != std::string::npos;

  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  if (!vpc_id.empty()) {
    auto vpc = load_vpc(ctx, *tx, vpc_id);
    if (!vpc) return api::fail(vpc.error());
  }
  auto keep = [&](const json::object& item) {
    auto& route = item.at("route").as_object();
    auto dest = net::parse_cidr(route.at("destination").as_string());
    if (v6 && dest && dest->addr.v6 != *v6) return false;
    if (contains && (!dest || !net::overlaps(*dest, *contains) || dest->prefix > contains->prefix))
      return false;
    if (!pn_filter.empty() && route.at("nexthop_private_network_id") != json::value(pn_filter))
      return false;
    if (!res_filter.empty() && route.at("nexthop_resource_id") != json::value(res_filter))
      return false;
    if (!type_filter.empty() && item.at("nexthop_resource_type") != json::value(type_filter))
      return false;
    return true;
  };
  std::vector<std::pair<Micros, json::object>> all;
  store::ListQuery pq;
  pq.kind = std::string(kPrivateNetworkKind);
  pq.filters.push_back(
      {Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
  pq.filters.push_back({Column::kLocality, Op::kEq, {std::string(ctx.region())}, {}, false});
  if (!vpc_id.empty()) pq.filters.push_back({Column::kParent, Op::kEq, {vpc_id}, {}, false});
  ctx.scope(pq);
  pq.order.push_back({Column::kCreatedAt, false, {}});
  pq.with_total = false;
  for (auto& pn : tx->list(pq).items)
    for (auto& s : subnets_of(pn)) {
      auto item = managed_route(pn, s);
      if (keep(item)) all.emplace_back(pn.created_at, std::move(item));
    }
  store::ListQuery rq;
  rq.kind = std::string(kRouteKind);
  rq.filters = pq.filters;
  rq.tags_any = tags;
  rq.order.push_back({Column::kCreatedAt, false, {}});
  rq.with_total = false;
  for (auto& r : tx->list(rq).items) {
    auto item = route_with_nexthop(*tx, r);
    if (keep(item)) all.emplace_back(r.created_at, std::move(item));
  }
  std::stable_sort(all.begin(), all.end(), [&](const auto& a, const auto& b) {
    return desc ? a.first > b.first : a.first < b.first;
  });
  auto total = static_cast<std::int64_t>(all.size());
  json::array items;
  for (auto i = page->offset(); i < total && i < page->offset() + page->size; ++i)
    items.push_back(std::move(all[static_cast<std::size_t>(i)].second));
  return Response::json(200, paging::list_body("routes", std::move(items), total));
}

// --- VPC connectors (Go SDK / Terraform only) ---

// A connector is "peered" when the target VPC has a connector pointing back, else "orphan".
json::object render_connector(store::Tx& tx, const store::Record& r) {
  std::string target(r.body.at("target_vpc_id").as_string());
  json::object o{{"id", r.id},
                 {"name", r.name},
                 {"organization_id", r.organization_id},
                 {"project_id", r.project_id},
                 {"vpc_id", r.parent_id},
                 {"target_vpc_id", target},
                 {"status", "orphan"},
                 {"region", r.locality},
                 {"tags", json::value_from(r.tags)},
                 {"created_at", format_time(r.created_at)},
                 {"updated_at", format_time(r.updated_at)}};
  store::ListQuery q;
  q.kind = std::string(kConnectorKind);
  q.filters.push_back({Column::kParent, Op::kEq, {target}, {}, false});
  q.filters.push_back({Column::kBody, Op::kEq, {r.parent_id}, "target_vpc_id", false});
  if (tx.count(q) > 0) {
    o["status"] = "peered";
    if (auto peer = tx.get(kVpcKind, target))
      o["peer_info"] = json::object{{"organization_id", peer->organization_id},
                                    {"project_id", peer->project_id},
                                    {"vpc_name", peer->name}};
  }
  return o;
}

Result<store::Record> load_connector(Context& ctx, store::Tx& tx, std::string_view raw) {
  auto id = to_lower(raw);
  auto r = is_uuid(raw) ? load(ctx, tx, kConnectorKind, id) : std::nullopt;
  if (!r) return api::fail(ApiError::not_found("vpc_connector", id));
  return std::move(*r);
}

Result<Response> list_connectors(Context& ctx) {
  auto l = start_list(ctx, kConnectorKind, "vpc_connector");
  if (!l) return api::fail(l.error());
  auto& q = l->q;
  if (auto e = ctx.uuid_filter(q, "vpc_id", Column::kParent)) return api::fail(*e);
  std::string target;
  if (auto* t = ctx.query("target_vpc_id"); t && !t->empty()) {
    if (!is_uuid(*t))
      return api::fail(
          ApiError::invalid_argument("target_vpc_id", ArgReason::kFormat, "invalid UUID"));
    q.filters.push_back({Column::kBody, Op::kEq, {to_lower(*t)}, "target_vpc_id", false});
  }
  paging::apply(q, l->page);
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto res = tx->list(q);
  json::array items;
  for (auto& r : res.items) items.push_back(render_connector(*tx, r));
  return Response::json(200, paging::list_body("vpc_connectors", std::move(items), res.total));
}

Result<Response> create_connector(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto tags = b.strings("tags");
  auto vpc_id = b.uuid("vpc_id", true);
  auto target = b.uuid("target_vpc_id", true);
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto vpc = load_vpc(ctx, tx, to_lower(*vpc_id));
    if (!vpc) return api::fail(vpc.error());
    if (auto e = ctx.authorize_project(vpc->project_id)) return api::fail(*e);
    // The target may belong to another organization (peering), in the same region.
    auto peer = tx.get(kVpcKind, to_lower(*target));
    if (!peer || peer->locality != ctx.region())
      return api::fail(ApiError::not_found("vpc", to_lower(*target)));
    if (peer->id == vpc->id)
      return api::fail(ApiError::invalid_argument("target_vpc_id", ArgReason::kConstraint,
                                                  "a VPC cannot be connected to itself"));
    store::Record r;
    r.kind = std::string(kConnectorKind);
    r.id = new_uuid();
    r.organization_id = vpc->organization_id;
    r.project_id = vpc->project_id;
    r.locality = vpc->locality;
    r.parent_id = vpc->id;
    r.name = name && !name->empty() ? *name : "vpc-connector-" + r.id.substr(0, 8);
    r.tags = tags.value_or(std::vector<std::string>{});
    r.created_at = r.updated_at = ctx.now();
    r.body = json::object{{"target_vpc_id", peer->id}};
    tx.insert(r);
    return Response::json(200, render_connector(tx, r));
  });
}

Result<Response> get_connector(Context& ctx) {
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto r = load_connector(ctx, *tx, ctx.param("vpc_connector_id"));
  if (!r) return api::fail(r.error());
  return Response::json(200, render_connector(*tx, *r));
}

Result<Response> update_connector(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto tags = b.strings("tags");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_connector(ctx, tx, ctx.param("vpc_connector_id"));
    if (!r) return api::fail(r.error());
    if (name && !name->empty()) r->name = *name;
    if (tags) r->tags = *tags;
    r->updated_at = ctx.now();
    tx.update(*r);
    return Response::json(200, render_connector(tx, *r));
  });
}

Result<Response> delete_connector(Context& ctx) {
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_connector(ctx, tx, ctx.param("vpc_connector_id"));
    if (!r) return api::fail(r.error());
    store::ListQuery q;
    q.kind = std::string(kRouteKind);
    q.filters.push_back({Column::kBody, Op::kEq, {r->id}, "nexthop_vpc_connector_id", false});
    if (tx.count(q) > 0)
      return api::fail(ApiError::precondition_failed(
          "resource_still_in_use", "VPC connector is the next hop of routes; delete them first"));
    tx.remove(kConnectorKind, r->id);
    return Response::no_content();
  });
}

// --- ingress rules (Go SDK / Terraform only) ---

json::object render_ingress(const store::Record& r) {
  auto get = [&](std::string_view key) -> json::value {
    auto it = r.body.find(key);
    return it != r.body.end() ? it->value() : json::value(nullptr);
  };
  return json::object{{"id", r.id},
                      {"vpc_id", r.parent_id},
                      {"created_at", format_time(r.created_at)},
                      {"updated_at", format_time(r.updated_at)},
                      {"is_ipv6", get("is_ipv6")},
                      {"source", get("source")},
                      {"nexthop_resource_ip", get("nexthop_resource_ip")},
                      {"nexthop_private_network_id", get("nexthop_private_network_id")},
                      {"description", get("description")},
                      {"tags", json::value_from(r.tags)},
                      {"organization_id", r.organization_id},
                      {"project_id", r.project_id},
                      {"region", r.locality}};
}

Result<store::Record> load_ingress(Context& ctx, store::Tx& tx, std::string_view raw) {
  auto r = is_uuid(raw) ? load(ctx, tx, kIngressKind, to_lower(raw)) : std::nullopt;
  if (!r) return api::fail(route_not_found());  // the platform names no resource here either
  return std::move(*r);
}

// The rule's source CIDR and next hop (an address of the source's family, in a Private Network
// of the VPC; whether the address lies in the Private Network's subnets is not checked).
std::optional<ApiError> check_ingress(Context& ctx, store::Tx& tx, const store::Record& vpc,
                                      const std::string& source, const std::string& ip,
                                      const std::string& pn_id) {
  auto c = net::parse_cidr(source);
  if (!c) return ApiError::invalid_argument("source", ArgReason::kFormat, "source must be a CIDR");
  auto a = net::parse_addr(ip);
  if (!a || a->v6 != c->addr.v6)
    return ApiError::invalid_argument("nexthop_resource_ip", ArgReason::kFormat,
                                      "must be an IP address of the source's family");
  auto pn = load(ctx, tx, kPrivateNetworkKind, pn_id);
  if (!pn) return ApiError::not_found("private_network", pn_id);
  if (pn->parent_id != vpc.id)
    return ApiError::invalid_argument("nexthop_private_network_id", ArgReason::kConstraint,
                                      "the Private Network is not in the rule's VPC");
  return std::nullopt;
}

Result<Response> list_ingress(Context& ctx) {
  auto page = paging::read(ctx.req, "page_size", kDefaultPageSize);
  if (!page) return api::fail(page.error());
  store::ListQuery q;
  q.kind = std::string(kIngressKind);
  q.filters.push_back({Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
  q.filters.push_back({Column::kLocality, Op::kEq, {std::string(ctx.region())}, {}, false});
  ctx.scope(q);
  if (auto e = ctx.uuid_filter(q, "vpc_id", Column::kParent)) return api::fail(*e);
  if (auto e = ctx.uuid_filter(q, "project_id", Column::kProject)) return api::fail(*e);
  if (auto* v = ctx.query("nexthop_private_network_id"); v && !v->empty()) {
    if (!is_uuid(*v))
      return api::fail(ApiError::invalid_argument("nexthop_private_network_id", ArgReason::kFormat,
                                                  "invalid UUID"));
    q.filters.push_back(
        {Column::kBody, Op::kEq, {to_lower(*v)}, "nexthop_private_network_id", false});
  }
  if (auto v = ctx.query_bool("is_ipv6")) q.filters.push_back(bool_filter("is_ipv6", *v));
  q.tags_any = query_tags(ctx);
  bool desc = false;
  if (auto* o = ctx.query("order_by"); o) desc = o->find("_desc") != std::string::npos;
  q.order.push_back({Column::kCreatedAt, desc, {}});
  paging::apply(q, *page);
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto res = tx->list(q);
  json::array items;
  for (auto& r : res.items) items.push_back(render_ingress(r));
  return Response::json(200, paging::list_body("rules", std::move(items), res.total));
}

Result<Response> create_ingress(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto vpc_id = b.uuid("vpc_id", true);
  auto source = b.str("source", true);
  auto ip = b.str("nexthop_resource_ip", true);
  auto pn_id = b.uuid("nexthop_private_network_id", true);
  auto description = b.str("description");
  auto tags = b.strings("tags");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto vpc = load_vpc(ctx, tx, to_lower(*vpc_id));
    if (!vpc) return api::fail(vpc.error());
    if (auto e = ctx.authorize_project(vpc->project_id)) return api::fail(*e);
    if (auto e = check_ingress(ctx, tx, *vpc, *source, *ip, to_lower(*pn_id))) return api::fail(*e);
    auto c = net::parse_cidr(*source);
    store::Record r;
    r.kind = std::string(kIngressKind);
    r.id = new_uuid();
    r.organization_id = vpc->organization_id;
    r.project_id = vpc->project_id;
    r.locality = vpc->locality;
    r.parent_id = vpc->id;
    r.tags = tags.value_or(std::vector<std::string>{});
    r.created_at = r.updated_at = ctx.now();
    r.body = json::object{{"is_ipv6", c->addr.v6},
                          {"source", net::format_cidr(*c)},
                          {"nexthop_resource_ip", net::format_addr(*net::parse_addr(*ip))},
                          {"nexthop_private_network_id", to_lower(*pn_id)},
                          {"description", description.value_or("")}};
    tx.insert(r);
    return Response::json(200, render_ingress(r));
  });
}

Result<Response> get_ingress(Context& ctx) {
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto r = load_ingress(ctx, *tx, ctx.param("rule_id"));
  if (!r) return api::fail(r.error());
  return Response::json(200, render_ingress(*r));
}

Result<Response> update_ingress(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto description = b.str("description");
  auto tags = b.strings("tags");
  auto source = b.str("source");
  auto ip = b.str("nexthop_resource_ip");
  auto pn_id = b.uuid("nexthop_private_network_id");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_ingress(ctx, tx, ctx.param("rule_id"));
    if (!r) return api::fail(r.error());
    auto vpc = load_vpc(ctx, tx, r->parent_id);
    if (!vpc) return api::fail(vpc.error());
    auto cur = [&](std::string_view key) { return std::string(r->body.at(key).as_string()); };
    std::string src = source ? *source : cur("source");
    std::string addr = ip ? *ip : cur("nexthop_resource_ip");
    std::string pn = pn_id ? to_lower(*pn_id) : cur("nexthop_private_network_id");
    if (auto e = check_ingress(ctx, tx, *vpc, src, addr, pn)) return api::fail(*e);
    auto c = net::parse_cidr(src);
    r->body["is_ipv6"] = c->addr.v6;
    r->body["source"] = net::format_cidr(*c);
    r->body["nexthop_resource_ip"] = net::format_addr(*net::parse_addr(addr));
    r->body["nexthop_private_network_id"] = pn;
    if (description) r->body["description"] = *description;
    if (tags) r->tags = *tags;
    r->updated_at = ctx.now();
    tx.update(*r);
    return Response::json(200, render_ingress(*r));
  });
}

Result<Response> delete_ingress(Context& ctx) {
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_ingress(ctx, tx, ctx.param("rule_id"));
    if (!r) return api::fail(r.error());
    tx.remove(kIngressKind, r->id);
    return Response::no_content();
  });
}

// A route lives in its VPC (write) and sends traffic to its next hop, which it changes too.
std::vector<app::Reference> route_refs(bool with_vpc) {
  std::vector<app::Reference> out = {
      app::body_ref("nexthop_private_network_id", Access::kWrite, {kPrivateNetworkRef}),
      app::body_ref("nexthop_resource_id", Access::kWrite,
                    {instance::kPrivateNicRef, vpcgw::kGatewayNetworkRef}),
      app::body_ref("nexthop_vpc_connector_id", Access::kWrite, {kConnectorRef})};
  if (with_vpc) out.push_back(app::body_ref("vpc_id", Access::kWrite, {kVpcRef}));
  return out;
}

class VpcModule final : public app::Module {
 public:
  std::string_view name() const override { return "vpc"; }
  void register_routes(app::Registry& r, app::Services& svc) override {
    // A project's unused default VPCs are deleted with the project, as on the platform.
    svc.on_project_delete.push_back([](store::Tx& tx, std::string_view project_id) {
      for (auto& id : removable_default_vpcs(tx, project_id)) tx.remove(kVpcKind, id);
    });
    const std::string p = "/vpc/v2/regions/{region}";
    r.add("GET", p + "/vpcs", kVpcRead, list_vpcs);
    r.add("POST", p + "/vpcs", kVpcWrite, create_vpc);
    r.add("GET", p + "/vpcs/{vpc_id}", kVpcRead, get_vpc);
    r.add("PATCH", p + "/vpcs/{vpc_id}", kVpcWrite, update_vpc);
    r.add("DELETE", p + "/vpcs/{vpc_id}", kVpcWrite, delete_vpc);
    r.add("POST", p + "/vpcs/{vpc_id}/enable-routing", kVpcWrite, enable_routing);
    r.add("POST", p + "/vpcs/{vpc_id}/enable-custom-routes-propagation", kVpcWrite,
          enable_custom_routes_propagation);
    r.add("GET", p + "/vpcs/{vpc_id}/acl-rules", kAclRead, get_acl);
    r.add("PUT", p + "/vpcs/{vpc_id}/acl-rules", kAclWrite, set_acl);
    r.add("GET", p + "/private-networks", kPnRead, list_private_networks)
        .not_refs({"private_network_ids", "vpc_id"});  // filters of the (scoped) list
    // A Private Network is created inside the VPC: a change of the VPC.
    r.add("POST", p + "/private-networks", kPnWrite, create_private_network_handler)
        .refs({app::body_ref("vpc_id", Access::kWrite, {kVpcRef})});
    r.add("GET", p + "/private-networks/{private_network_id}", kPnRead, get_private_network);
    r.add("PATCH", p + "/private-networks/{private_network_id}", kPnWrite, update_private_network);
    r.add("DELETE", p + "/private-networks/{private_network_id}", kPnWrite, delete_private_network);
    r.add("POST", p + "/private-networks/{private_network_id}/enable-dhcp", kPnWrite, enable_dhcp);
    r.add("POST", p + "/private-networks/{private_network_id}/subnets", kPnWrite,
          subnets_not_supported);
    r.add("DELETE", p + "/private-networks/{private_network_id}/subnets", kPnWrite,
          subnets_not_supported);
    r.add("GET", p + "/subnets", kSubnetRead, list_subnets).not_refs({"subnet_ids", "vpc_id"});
    r.add("POST", p + "/routes", kRouteWrite, create_route).refs(route_refs(true));
    r.add("GET", p + "/routes/{route_id}", kRouteRead, get_route);
    r.add("PATCH", p + "/routes/{route_id}", kRouteWrite, update_route).refs(route_refs(false));
    r.add("DELETE", p + "/routes/{route_id}", kRouteWrite, delete_route);
    r.add("GET", p + "/routes-with-nexthop", kRouteRead, list_routes_with_nexthop)
        .not_refs({"vpc_id", "nexthop_resource_id", "nexthop_private_network_id"});
    r.add("GET", p + "/vpc-connectors", kConnRead, list_connectors)
        .not_refs({"vpc_id", "target_vpc_id"});
    // A connector joins two VPCs: both change.
    r.add("POST", p + "/vpc-connectors", kConnWrite, create_connector)
        .refs({app::body_ref("vpc_id", Access::kWrite, {kVpcRef}),
               app::body_ref("target_vpc_id", Access::kWrite, {kVpcRef})});
    r.add("GET", p + "/vpc-connectors/{vpc_connector_id}", kConnRead, get_connector);
    r.add("PATCH", p + "/vpc-connectors/{vpc_connector_id}", kConnWrite, update_connector);
    r.add("DELETE", p + "/vpc-connectors/{vpc_connector_id}", kConnWrite, delete_connector);
    r.add("GET", p + "/ingress-rules", kIngressRead, list_ingress).not_refs({"vpc_id"});
    r.add("POST", p + "/ingress-rules", kIngressWrite, create_ingress)
        .refs({app::body_ref("vpc_id", Access::kWrite, {kVpcRef}),
               app::body_ref("nexthop_private_network_id", Access::kWrite, {kPrivateNetworkRef})});
    r.add("GET", p + "/ingress-rules/{rule_id}", kIngressRead, get_ingress);
    r.add("PATCH", p + "/ingress-rules/{rule_id}", kIngressWrite, update_ingress)
        .refs({app::body_ref("nexthop_private_network_id", Access::kWrite, {kPrivateNetworkRef})});
    r.add("DELETE", p + "/ingress-rules/{rule_id}", kIngressWrite, delete_ingress);
  }
};

}  // namespace

std::unique_ptr<app::Module> make_module() { return std::make_unique<VpcModule>(); }

}  // namespace scwd::products::vpc
