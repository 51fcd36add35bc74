// Routes of a VPC (custom ones, through a Private Network, a resource or a VPC connector) and
// the list of every route of a VPC with its next hop.
#include <algorithm>

#include "core/codec/validate.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/next_hops.hpp"
#include "products/vpc/handlers.hpp"
#include "products/vpc/net.hpp"

namespace scwd::products::vpc {

namespace {

constexpr auto kRoute = permissions("VPC", "route");

json::object render_route(const store::Record& r) {
  json::object o;
  o["id"] = r.id;
  o["description"] = value_of(r.body, "description");
  o["tags"] = json::value_from(r.tags);
  o["vpc_id"] = r.parent_id;
  o["destination"] = value_of(r.body, "destination");
  o["nexthop_resource_id"] = value_of(r.body, "nexthop_resource_id");
  o["nexthop_private_network_id"] = value_of(r.body, "nexthop_private_network_id");
  o["nexthop_vpc_connector_id"] = value_of(r.body, "nexthop_vpc_connector_id");
  o["created_at"] = format_time(r.created_at);
  o["updated_at"] = format_time(r.updated_at);
  o["is_read_only"] = bool_of(r.body, "is_read_only");
  o["type"] = str_of(r.body, "type", "custom");
  o["region"] = r.locality;
  return o;
}

json::object render(const resource::View&, const store::Record& r) { return render_route(r); }

// Routes the platform manages (a gateway's default route) are read-only.
std::optional<ApiError> check_writable(Context&, store::Tx&, const store::Record& r) {
  if (bool_of(r.body, "is_read_only"))
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
      return ApiError::constraint("nexthop_vpc_connector_id",
                                  "a route through a VPC connector has no other next hop");
    auto conn = find_in_region(ctx, tx, kConnectorKind, *connector_id);
    if (!conn) return ApiError::not_found("vpc_connector", *connector_id);
    if (conn->parent_id != vpc.id)
      return ApiError::constraint("nexthop_vpc_connector_id",
                                  "the VPC connector does not start from the route's VPC");
  }
  if (pn_id) {
    auto pn = find_in_region(ctx, tx, kPrivateNetworkKind, *pn_id);
    if (!pn) return ApiError::not_found("private_network", *pn_id);
    if (pn->parent_id != vpc.id)
      return ApiError::constraint("nexthop_private_network_id",
                                  "the Private Network is not in the route's VPC");
  }
  return std::nullopt;
}

json::value id_or_null(const std::optional<std::string>& id) {
  return id ? json::value(*id) : json::value(nullptr);
}

std::optional<std::string> lower_opt(const std::optional<std::string>& s) {
  if (!s || s->empty()) return std::nullopt;
  return to_lower(*s);
}

struct RouteIn {
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> tags;
  Required<Uuid> vpc_id;
  Required<std::string> destination;
  std::optional<Uuid> nexthop_resource_id, nexthop_private_network_id, nexthop_vpc_connector_id;
};
BOOST_DESCRIBE_STRUCT(RouteIn, (),
                      (description, tags, vpc_id, destination, nexthop_resource_id,
                       nexthop_private_network_id, nexthop_vpc_connector_id))

struct RoutePatch {
  std::optional<std::string> description, destination;
  std::optional<Uuid> nexthop_resource_id, nexthop_private_network_id, nexthop_vpc_connector_id;
};
BOOST_DESCRIBE_STRUCT(RoutePatch, (),
                      (description, destination, nexthop_resource_id, nexthop_private_network_id,
                       nexthop_vpc_connector_id))

std::optional<ApiError> create(Context& ctx, store::Tx& tx, store::Record& r) {
  auto in = codec::read<RouteIn>(ctx.body);
  if (!in) return in.error();
  const auto& description = in->description;
  const auto& destination = in->destination.value;
  auto pn_id = lower_opt(in->nexthop_private_network_id);
  auto res_id = lower_opt(in->nexthop_resource_id);
  auto conn_id = lower_opt(in->nexthop_vpc_connector_id);
  auto vpc = load_vpc(ctx, tx, *in->vpc_id.value);
  if (!vpc) return vpc.error();
  if (auto e = check_route(ctx, tx, *vpc, *destination, pn_id, res_id, conn_id)) return e;
  r.parent_id = vpc->id;
  r.tags = in->tags.value_or(std::vector<std::string>{});
  std::string desc = description.value_or("");
  if (desc.empty()) desc = "Custom route";
  r.body = json::object{{"description", desc},
                        {"destination", net::format_cidr(*net::parse_cidr(*destination))},
                        {"nexthop_resource_id", id_or_null(res_id)},
                        {"nexthop_private_network_id", id_or_null(pn_id)},
                        {"nexthop_vpc_connector_id", id_or_null(conn_id)}};
  return std::nullopt;
}

std::optional<ApiError> update(Context& ctx, store::Tx& tx, store::Record& r) {
  auto in = codec::read<RoutePatch>(ctx.body);
  if (!in) return in.error();
  auto& [description, destination, nh_resource, nh_pn, nh_conn] = *in;  // declaration order
  if (auto e = check_writable(ctx, tx, r)) return e;
  auto vpc = load_vpc(ctx, tx, r.parent_id);
  if (!vpc) return vpc.error();
  // The stored next hops (null: none) unless the body changes them.
  auto current = [&](std::string_view key) { return lower_opt(str_of(r.body, key)); };
  std::string dest = destination ? *destination : str_of(r.body, "destination");
  auto pn_id = nh_pn ? lower_opt(nh_pn) : current("nexthop_private_network_id");
  auto res_id = nh_resource ? lower_opt(nh_resource) : current("nexthop_resource_id");
  auto conn_id = nh_conn ? lower_opt(nh_conn) : current("nexthop_vpc_connector_id");
  if (auto e = check_route(ctx, tx, *vpc, dest, pn_id, res_id, conn_id)) return e;
  if (description) r.body["description"] = description->empty() ? "Custom route" : *description;
  r.body["destination"] = net::format_cidr(*net::parse_cidr(dest));
  r.body["nexthop_private_network_id"] = id_or_null(pn_id);
  r.body["nexthop_resource_id"] = id_or_null(res_id);
  r.body["nexthop_vpc_connector_id"] = id_or_null(conn_id);
  return std::nullopt;
}

// GET /routes-with-nexthop (published by the Go SDK, not by the JS SDK 1.4.0; Terraform lists
// routes with it): the VPC's managed read-only subnet routes (one per Private Network subnet, no
// id) and its route records, each with what its next hop is. Stays a handler: the managed routes
// are not records, and the filters apply to the merged list.
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

// The next hop resource is known through its first IPv4 address in IPAM.
json::object route_with_nexthop(const store::Record& r,
                                const std::vector<BookedAddress>& addresses) {
  json::object o{{"route", render_route(r)},
                 {"nexthop_ip", nullptr},
                 {"nexthop_name", nullptr},
                 {"nexthop_resource_type", "unknown_type"}};
  auto id = str_of(r.body, "nexthop_resource_id");
  if (id.empty()) return o;
  for (auto& a : addresses) {
    if (a.resource_id != id || a.is_ipv6) continue;
    o["nexthop_name"] =
        a.resource_name.empty() ? json::value(nullptr) : json::value(a.resource_name);
    o["nexthop_resource_type"] = a.resource_type.empty() ? "unknown_type" : a.resource_type;
    if (a.resource_type != "vpc_gateway_network") o["nexthop_ip"] = a.address;
    break;
  }
  return o;
}

Result<Response> list_routes_with_nexthop(const BookedAddresses& booked, Context& ctx) {
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
  std::vector<std::string> tags;
  for (auto& t : ctx.query_all("tags"))
    if (!t.empty()) tags.push_back(t);
  bool desc = false;
  if (auto* o = ctx.query("order_by"); o && !o->empty())
    desc = o->find("_desc") != std::string::npos;

  auto tx = ctx.store().begin(store::TxMode::kRead);
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
  auto routes = tx->list(rq).items;
  // Next hop resources are known through their IPAM addresses: one query for them all.
  std::vector<std::string> resources;
  for (auto& r : routes)
    if (auto id = str_of(r.body, "nexthop_resource_id"); !id.empty()) resources.push_back(id);
  auto addresses = booked.attached_to(*tx, resources);
  for (auto& r : routes) {
    auto item = route_with_nexthop(r, addresses);
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

// A route lives in its VPC (write) and sends traffic to its next hop, which it changes too.
std::vector<app::Reference> route_refs(bool with_vpc) {
  std::vector<app::Reference> out = {
      app::body_ref("nexthop_private_network_id", Access::kWrite, {kPrivateNetworkRef}),
      app::body_ref("nexthop_resource_id", Access::kWrite,
                    {next_hops::kPrivateNicRef, next_hops::kGatewayNetworkRef}),
      app::body_ref("nexthop_vpc_connector_id", Access::kWrite, {kConnectorRef})};
  if (with_vpc) out.push_back(app::body_ref("vpc_id", Access::kWrite, {kVpcRef}));
  return out;
}

}  // namespace

void register_vpc_routes(app::Registry& r, const BookedAddresses& addresses) {
  const std::string p(kRegionPath);
  auto spec = vpc_spec(kRouteKind, "route", "routes", kRoute.read, kRoute.write,
                       resource::Spec{
                           .bad_id = resource::BadId::kNotFound,
                           .missing = route_missing,
                           .render = render,
                           .create = create,
                           .owner = vpc_owner,
                           .create_refs = {.refs = route_refs(true)},
                           .patch = {{"tags", resource::PatchField::As::kTags}},
                           .update = update,
                           .update_refs = {.refs = route_refs(false)},
                           .can_delete = check_writable,
                       });
  spec.list_key.clear();  // listed through routes-with-nexthop only
  resource::add_resource(r, std::move(spec));
  r.add("GET", p + "/routes-with-nexthop", kRoute.read, [&addresses](Context& ctx) {
     return list_routes_with_nexthop(addresses, ctx);
   }).not_refs({"vpc_id", "nexthop_resource_id", "nexthop_private_network_id"});
}

}  // namespace scwd::products::vpc
