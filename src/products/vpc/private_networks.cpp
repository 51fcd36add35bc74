// Private Networks (inside a VPC, the project's default one when none is named) and the list of
// their subnets.
#include "core/codec/validate.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/vpc/handlers.hpp"

namespace scwd::products::vpc {

namespace {

constexpr auto kPrivateNetwork = permissions("VPC", "private_network");
constexpr Permission kSubnetRead{"VPC", Access::kRead, "subnet"};

json::object render_subnet(const store::Record& pn, const json::object& s) {
  json::object o;
  o["id"] = str_of(s, "id");
  o["created_at"] = str_of(s, "created_at");
  o["updated_at"] = str_of(s, "updated_at");
  o["subnet"] = str_of(s, "subnet");
  o["project_id"] = pn.project_id;
  o["private_network_id"] = pn.id;
  o["vpc_id"] = pn.parent_id;
  o["region"] = pn.locality;
  return o;
}

json::object render(const resource::View&, const store::Record& r) {
  json::object o = render_owned(r);
  json::array subnets;
  if (auto it = r.body.find("subnets"); it != r.body.end() && it->value().is_array())
    for (auto& s : it->value().as_array())
      if (s.is_object()) subnets.push_back(render_subnet(r, s.as_object()));
  o["subnets"] = std::move(subnets);
  o["vpc_id"] = r.parent_id;
  o["dhcp_enabled"] = bool_of(r.body, "dhcp_enabled", true);
  o["default_route_propagation_enabled"] = bool_of(r.body, "default_route_propagation_enabled");
  o["has_s3_integration"] = bool_of(r.body, "has_s3_integration");
  return o;
}

struct NetworkIn {
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> tags, subnets;
  std::optional<Uuid> vpc_id;
  std::optional<bool> default_route_propagation_enabled;
};
BOOST_DESCRIBE_STRUCT(NetworkIn, (),
                      (name, tags, subnets, vpc_id, default_route_propagation_enabled))

std::optional<ApiError> create(Context& ctx, store::Tx& tx, store::Record& r) {
  auto in = codec::read<NetworkIn>(ctx.body);
  if (!in) return in.error();
  auto& [name, tags, subnets, vpc_id, drp] = *in;  // declaration order
  store::Record vpc;
  if (vpc_id) {
    auto v = load_vpc(ctx, tx, to_lower(*vpc_id));
    if (!v) return v.error();
    if (v->project_id != r.project_id)
      return ApiError::constraint("vpc_id",
                                  "the VPC belongs to another project than the Private Network");
    vpc = std::move(*v);
  } else {
    vpc = default_vpc(tx, {r.organization_id, r.project_id}, ctx.region(), r.created_at);
  }
  NewPrivateNetwork n;
  n.name = name && !name->empty() ? *name : "pn-" + new_uuid().substr(0, 8);
  n.tags = tags.value_or(std::vector<std::string>{});
  n.subnets = subnets.value_or(std::vector<std::string>{});
  n.default_route_propagation_enabled = drp.value_or(false);
  return fill_private_network(tx, vpc, n, r);
}

std::optional<ApiError> can_delete(const BookedAddresses& addresses, store::Tx& tx,
                                   const store::Record& r) {
  if (addresses.count_in(tx, r.id) > 0)
    return ApiError::precondition_failed("resource_still_in_use",
                                         "Private Network must be empty to be deleted");
  return std::nullopt;
}

// Custom routes through this Private Network go with it.
std::optional<ApiError> on_delete(Context&, store::Tx& tx, const store::Record& r) {
  store::ListQuery q;
  q.kind = std::string(kRouteKind);
  q.filters.push_back({Column::kBody, Op::kEq, {r.id}, "nexthop_private_network_id", false});
  q.with_total = false;
  for (auto& route : tx.list(q).items) tx.remove(kRouteKind, route.id);
  return std::nullopt;
}

// AddSubnets / DeleteSubnets: published in the JS SDK but not implemented by the platform: the
// live API answers every call 501 "unimplemented endpoint" (scaleway-sdk-go issue #3094; the Go
// SDK then removed both methods), before looking at the Private Network. So do we.
Result<Response> subnets_not_supported(Context&) {
  return api::fail(ApiError(501, json::object{{"message", "unimplemented endpoint"}}));
}

// Subnets are not records but parts of their Private Network's: the list reads the networks,
// filters the subnets by id and pages what is left.
Result<Response> list_subnets(Context& ctx) {
  if (auto e = ctx.check_organization_filter("subnet")) return api::fail(*e);
  auto page = paging::read(ctx.req, "page_size", kDefaultPageSize);
  if (!page) return api::fail(page.error());
  auto order = paging::order(ctx.req, resource::published_orders(ctx.op));
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
  auto tx = ctx.store().begin(store::TxMode::kRead);
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

}  // namespace

void register_private_networks(app::Registry& r, const BookedAddresses& addresses) {
  using resource::PatchField;
  const std::string p(kRegionPath);
  auto spec = std::make_shared<const resource::Spec>(vpc_spec(
      kPrivateNetworkKind, "private_network", "private-networks", kPrivateNetwork.read,
      kPrivateNetwork.write,
      resource::Spec{
          .render = render,
          .filters = {resource::uuids("vpc_id", Column::kParent),
                      resource::uuids("private_network_ids", Column::kId),
                      resource::body_bool("dhcp_enabled")},
          // Filters of the (scoped) list.
          .list_refs = {.not_refs = {"private_network_ids", "vpc_id"}},
          .create = create,
          .organization_field = "",
          // A Private Network is created inside the VPC: a change of the VPC.
          .create_refs = {.refs = {app::body_ref("vpc_id", Access::kWrite, {kVpcRef})}},
          .patch = {{"name", PatchField::As::kName},
                    {"tags", PatchField::As::kTags},
                    {"default_route_propagation_enabled", PatchField::As::kBool}},
          .update = check_name,
          .can_delete = [&addresses](
                            Context&, store::Tx& tx,
                            const store::Record& rec) { return can_delete(addresses, tx, rec); },
          .on_delete = on_delete,
      }));
  resource::add_resource(r, spec);
  const auto item = p + "/private-networks/{private_network_id}";
  r.add("POST", item + "/enable-dhcp", kPrivateNetwork.write, one_way_switch(spec, "dhcp_enabled"));
  r.add("POST", item + "/subnets", kPrivateNetwork.write, subnets_not_supported);
  r.add("DELETE", item + "/subnets", kPrivateNetwork.write, subnets_not_supported);
  r.add("GET", p + "/subnets", kSubnetRead, list_subnets).not_refs({"subnet_ids", "vpc_id"});
}

}  // namespace scwd::products::vpc
