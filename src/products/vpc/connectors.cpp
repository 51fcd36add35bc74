// VPC connectors (Go SDK / Terraform only): one VPC's link to another, "peered" once the target
// VPC has a connector pointing back.
#include <algorithm>
#include <set>

#include "core/codec/validate.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/vpc/handlers.hpp"

namespace scwd::products::vpc {

namespace {

constexpr auto kVpcConnector = permissions("VPC", "vpc_connector");

json::object render(const resource::View& v, const store::Record& r) {
  auto target = str_of(r.body, "target_vpc_id");
  json::object o = render_owned(r);
  o["vpc_id"] = r.parent_id;
  o["target_vpc_id"] = target;
  o["status"] = "orphan";
  auto back = v.related.children(kConnectorKind, target);
  if (std::none_of(back.begin(), back.end(), [&](const store::Record* c) {
        return str_of(c->body, "target_vpc_id") == r.parent_id;
      }))
    return o;
  o["status"] = "peered";
  if (auto* peer = v.related.find(kVpcKind, target))
    o["peer_info"] = json::object{{"organization_id", peer->organization_id},
                                  {"project_id", peer->project_id},
                                  {"vpc_name", peer->name}};
  return o;
}

// The connectors of the target VPCs (which may belong to other organizations), by their VPC.
void load_target_connectors(store::Tx& tx, const std::vector<store::Record>& items,
                            resource::Prefetch& out) {
  std::set<std::string> targets;
  for (auto& r : items) targets.insert(str_of(r.body, "target_vpc_id"));
  targets.erase("");
  if (targets.empty()) return;
  store::ListQuery q;
  q.kind = std::string(kConnectorKind);
  q.filters.push_back({Column::kParent,
                       Op::kIn,
                       std::vector<std::string>(targets.begin(), targets.end()),
                       {},
                       false});
  q.with_total = false;
  for (auto& c : tx.list(q).items) {
    auto parent = c.parent_id;
    out.add(std::move(c), std::move(parent));
  }
}

struct ConnectorIn {
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> tags;
  Required<Uuid> vpc_id, target_vpc_id;
};
BOOST_DESCRIBE_STRUCT(ConnectorIn, (), (name, tags, vpc_id, target_vpc_id))

std::optional<ApiError> create(Context& ctx, store::Tx& tx, store::Record& r) {
  auto in = codec::read<ConnectorIn>(ctx.body);
  if (!in) return in.error();
  auto& [name, tags, vpc_id_in, target_in] = *in;  // declaration order
  auto &vpc_id = vpc_id_in.value, &target = target_in.value;
  // The target may belong to another organization (peering), in the same region.
  auto peer = tx.get(kVpcKind, to_lower(*target));
  if (!peer || peer->locality != ctx.region()) return ApiError::not_found("vpc", to_lower(*target));
  if (peer->id == to_lower(*vpc_id))
    return ApiError::constraint("target_vpc_id", "a VPC cannot be connected to itself");
  r.parent_id = to_lower(*vpc_id);
  r.name = name && !name->empty() ? *name : "vpc-connector-" + r.id.substr(0, 8);
  r.tags = tags.value_or(std::vector<std::string>{});
  r.body = json::object{{"target_vpc_id", peer->id}};
  return std::nullopt;
}

// A rename to an empty name keeps the name.
std::optional<ApiError> update(Context& ctx, store::Tx&, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  if (auto e = b.error()) return e;
  if (name && !name->empty()) r.name = *name;
  return std::nullopt;
}

std::optional<ApiError> can_delete(Context&, store::Tx& tx, const store::Record& r) {
  store::ListQuery q;
  q.kind = std::string(kRouteKind);
  q.filters.push_back({Column::kBody, Op::kEq, {r.id}, "nexthop_vpc_connector_id", false});
  if (tx.count(q) > 0)
    return ApiError::precondition_failed(
        "resource_still_in_use", "VPC connector is the next hop of routes; delete them first");
  return std::nullopt;
}

}  // namespace

void register_connectors(app::Registry& r) {
  auto filters = unpublished_list_filters(true);
  filters.push_back(resource::uuids("vpc_id", Column::kParent));
  filters.push_back(resource::uuids("target_vpc_id", Column::kBody, "target_vpc_id"));
  resource::add_resource(
      r,
      vpc_spec(
          kConnectorKind, "vpc_connector", "vpc-connectors", kVpcConnector.read,
          kVpcConnector.write,
          resource::Spec{
              .bad_id = resource::BadId::kNotFound,
              .missing = [](const Context&, std::string_view id, bool) -> std::optional<ApiError> {
                return ApiError::not_found("vpc_connector", to_lower(id));
              },
              .render = render,
              .related = {{.kind = std::string(kVpcKind),
                           .ids =
                               [](const store::Record& c, std::vector<std::string>& ids) {
                                 ids.push_back(str_of(c.body, "target_vpc_id"));
                               }},
                          {.kind = std::string(kConnectorKind), .load = load_target_connectors}},
              .orders = name_orders(),
              .filters = std::move(filters),
              .list_refs = {.not_refs = {"vpc_id", "target_vpc_id"}},
              .create = create,
              .owner = vpc_owner,
              // A connector joins two VPCs: both change.
              .create_refs = {.refs = {app::body_ref("vpc_id", Access::kWrite, {kVpcRef}),
                                       app::body_ref("target_vpc_id", Access::kWrite, {kVpcRef})}},
              .patch = {{"tags", resource::PatchField::As::kTags}},
              .update = update,
              .can_delete = can_delete,
          }));
}

}  // namespace scwd::products::vpc
