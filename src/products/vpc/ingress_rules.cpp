// Ingress rules (Go SDK / Terraform only): traffic from a source CIDR enters the VPC through an
// address in one of its Private Networks.
#include "core/codec/validate.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/vpc/handlers.hpp"
#include "products/vpc/net.hpp"

namespace scwd::products::vpc {

namespace {

constexpr auto kIngressRule = permissions("VPC", "ingress_rule");

json::object render(const resource::View&, const store::Record& r) {
  return json::object{
      {"id", r.id},
      {"vpc_id", r.parent_id},
      {"created_at", format_time(r.created_at)},
      {"updated_at", format_time(r.updated_at)},
      {"is_ipv6", value_of(r.body, "is_ipv6")},
      {"source", value_of(r.body, "source")},
      {"nexthop_resource_ip", value_of(r.body, "nexthop_resource_ip")},
      {"nexthop_private_network_id", value_of(r.body, "nexthop_private_network_id")},
      {"description", value_of(r.body, "description")},
      {"tags", json::value_from(r.tags)},
      {"organization_id", r.organization_id},
      {"project_id", r.project_id},
      {"region", r.locality}};
}

// The rule's source CIDR and next hop (an address of the source's family, in a Private Network
// of the VPC; whether the address lies in the Private Network's subnets is not checked).
std::optional<ApiError> check(const Context& ctx, store::Tx& tx, const std::string& vpc_id,
                              const std::string& source, const std::string& ip,
                              const std::string& pn_id) {
  auto c = net::parse_cidr(source);
  if (!c) return ApiError::invalid_argument("source", ArgReason::kFormat, "source must be a CIDR");
  auto a = net::parse_addr(ip);
  if (!a || a->v6 != c->addr.v6)
    return ApiError::invalid_argument("nexthop_resource_ip", ArgReason::kFormat,
                                      "must be an IP address of the source's family");
  auto pn = find_in_region(ctx, tx, kPrivateNetworkKind, pn_id);
  if (!pn) return ApiError::not_found("private_network", pn_id);
  if (pn->parent_id != vpc_id)
    return ApiError::constraint("nexthop_private_network_id",
                                "the Private Network is not in the rule's VPC");
  return std::nullopt;
}

// The checked rule into the record's body.
void set_rule(store::Record& r, const std::string& source, const std::string& ip,
              const std::string& pn_id) {
  auto c = net::parse_cidr(source);
  r.body["is_ipv6"] = c->addr.v6;
  r.body["source"] = net::format_cidr(*c);
  r.body["nexthop_resource_ip"] = net::format_addr(*net::parse_addr(ip));
  r.body["nexthop_private_network_id"] = pn_id;
}

struct RuleIn {
  Required<Uuid> vpc_id;
  Required<std::string> source, nexthop_resource_ip;
  Required<Uuid> nexthop_private_network_id;
  std::optional<std::string> description;
  std::optional<std::vector<std::string>> tags;
};
BOOST_DESCRIBE_STRUCT(RuleIn, (),
                      (vpc_id, source, nexthop_resource_ip, nexthop_private_network_id, description,
                       tags))

struct RulePatch {
  std::optional<std::string> source, nexthop_resource_ip;
  std::optional<Uuid> nexthop_private_network_id;
};
BOOST_DESCRIBE_STRUCT(RulePatch, (), (source, nexthop_resource_ip, nexthop_private_network_id))

std::optional<ApiError> create(Context& ctx, store::Tx& tx, store::Record& r) {
  auto in = codec::read<RuleIn>(ctx.body);
  if (!in) return in.error();
  const auto &source = *in->source.value, &ip = *in->nexthop_resource_ip.value;
  const auto& pn_id = *in->nexthop_private_network_id.value;
  r.parent_id = *in->vpc_id.value;
  if (auto e = check(ctx, tx, r.parent_id, source, ip, pn_id)) return e;
  r.tags = in->tags.value_or(std::vector<std::string>{});
  r.body = json::object{};
  set_rule(r, source, ip, pn_id);
  r.body["description"] = in->description.value_or("");
  return std::nullopt;
}

std::optional<ApiError> update(Context& ctx, store::Tx& tx, store::Record& r) {
  auto in = codec::read<RulePatch>(ctx.body);
  if (!in) return in.error();
  auto& [source, ip, pn_id] = *in;  // declaration order
  auto vpc = load_vpc(ctx, tx, r.parent_id);
  if (!vpc) return vpc.error();
  std::string src = source ? *source : str_of(r.body, "source");
  std::string addr = ip ? *ip : str_of(r.body, "nexthop_resource_ip");
  std::string pn = pn_id ? to_lower(*pn_id) : str_of(r.body, "nexthop_private_network_id");
  if (auto e = check(ctx, tx, vpc->id, src, addr, pn)) return e;
  set_rule(r, src, addr, pn);
  return std::nullopt;
}

}  // namespace

void register_ingress_rules(app::Registry& r) {
  auto filters = unpublished_list_filters(false);
  filters.push_back(resource::uuids("vpc_id", Column::kParent));
  filters.push_back(
      resource::uuids("nexthop_private_network_id", Column::kBody, "nexthop_private_network_id"));
  filters.push_back(resource::body_bool("is_ipv6"));
  resource::add_resource(
      r,
      vpc_spec(kIngressKind, "ingress_rule", "ingress-rules", kIngressRule.read, kIngressRule.write,
               resource::Spec{
                   .id_param = "rule_id",
                   .bad_id = resource::BadId::kNotFound,
                   // The platform names no resource here either.
                   .missing = route_missing,
                   .render = render,
                   .list_key = "rules",
                   .orders = {{"created_at_asc", Column::kCreatedAt, false},
                              {"created_at_desc", Column::kCreatedAt, true}},
                   .filters = std::move(filters),
                   .list_refs = {.not_refs = {"vpc_id"}},
                   .create = create,
                   .owner = vpc_owner,
                   .create_refs = {.refs = {app::body_ref("vpc_id", Access::kWrite, {kVpcRef}),
                                            app::body_ref("nexthop_private_network_id",
                                                          Access::kWrite, {kPrivateNetworkRef})}},
                   .patch = {{"description", resource::PatchField::As::kString},
                             {"tags", resource::PatchField::As::kTags}},
                   .update = update,
                   .update_refs = {.refs = {app::body_ref("nexthop_private_network_id",
                                                          Access::kWrite, {kPrivateNetworkRef})}},
               }));
}

}  // namespace scwd::products::vpc
