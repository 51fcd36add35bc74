// VPCs: the project's default one (made on first need, as the platform has one per project and
// region), one-way routing switches, and the ACL rules of each.
#include "core/codec/validate.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/vpc/handlers.hpp"
#include "products/vpc/net.hpp"

namespace scwd::products::vpc {

namespace {

constexpr auto kVpc = permissions("VPC", "vpc");
constexpr auto kAcl = permissions("VPC", "acl");
constexpr std::string_view kAclPrefix = "(Rule scope: client) ";

json::object render(const resource::View& v, const store::Record& r) {
  json::object o = render_owned(r);
  o["is_default"] = bool_of(r.body, "is_default");
  o["private_network_count"] =
      static_cast<std::int64_t>(v.related.children(kPrivateNetworkKind, r.id).size());
  o["routing_enabled"] = bool_of(r.body, "routing_enabled", true);
  o["custom_routes_propagation_enabled"] = bool_of(r.body, "custom_routes_propagation_enabled");
  o["transitivity_enabled"] = bool_of(r.body, "transitivity_enabled");
  o["s3_integration_enabled"] = bool_of(r.body, "s3_integration_enabled");
  return o;
}

std::optional<ApiError> create_vpc(Context& ctx, store::Tx& tx, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto tags = b.strings("tags");
  b.boolean("enable_routing");
  if (auto e = b.error()) return e;
  // The project's default VPC exists before any other (the platform creates it with the
  // project).
  default_vpc(tx, {r.organization_id, r.project_id}, r.locality, r.created_at);
  r.name = name && !name->empty() ? *name : "vpc-" + r.id.substr(0, 8);
  r.tags = tags.value_or(std::vector<std::string>{});
  // New VPCs always come back with routing enabled, whatever enable_routing said.
  r.body = json::object{{"is_default", false},
                        {"routing_enabled", true},
                        {"custom_routes_propagation_enabled", true},
                        {"transitivity_enabled", false},
                        {"s3_integration_enabled", false}};
  return std::nullopt;
}

std::optional<ApiError> can_delete(Context&, store::Tx& tx, const store::Record& r) {
  if (bool_of(r.body, "is_default"))
    return ApiError::precondition_failed("resource_still_in_use",
                                         "the default VPC cannot be deleted");
  if (private_network_count(tx, r.id) > 0)
    return ApiError::precondition_failed("resource_still_in_use",
                                         "VPC must be empty to be deleted");
  return std::nullopt;
}

// Custom routes, connectors and ingress rules go with their VPC.
std::optional<ApiError> on_delete(Context&, store::Tx& tx, const store::Record& r) {
  for (auto kind : {kRouteKind, kConnectorKind, kIngressKind}) {
    store::ListQuery q;
    q.kind = std::string(kind);
    q.filters.push_back({Column::kParent, Op::kEq, {r.id}, {}, false});
    q.with_total = false;
    for (auto& x : tx.list(q).items) tx.remove(kind, x.id);
  }
  return std::nullopt;
}

// --- ACLs ---

std::string acl_field(bool v6) { return v6 ? "acl_ipv6" : "acl_ipv4"; }

json::object acl_of(const store::Record& vpc, bool v6) {
  auto it = vpc.body.find(acl_field(v6));
  if (it != vpc.body.end() && it->value().is_object()) return it->value().as_object();
  return json::object{{"default_policy", "accept"}, {"rules", json::array{}}};
}

Result<Response> get_acl(const resource::Spec& spec, Context& ctx) {
  bool v6 = ctx.query_bool("is_ipv6").value_or(false);
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto r = resource::load(ctx, *tx, spec);
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

Result<Response> set_acl(const resource::Spec& spec, Context& ctx) {
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
    return api::fail(
        ApiError::constraint("default_policy", "default_policy must be accept or drop"));
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = resource::load(ctx, tx, spec, true);
    if (!r) return api::fail(r.error());
    json::object acl{{"default_policy", *policy}, {"rules", rules}};
    r->body[acl_field(*v6)] = acl;
    r->updated_at = ctx.now();
    tx.update(*r);
    return Response::json(200, acl);
  });
}

}  // namespace

void register_vpcs(app::Registry& r) {
  using resource::PatchField;
  const std::string p(kRegionPath);
  auto spec = std::make_shared<const resource::Spec>(resource::Spec{
      .kind = std::string(kVpcKind),
      .resource = "vpc",
      .id_param = "vpc_id",
      .collections = {p + "/vpcs"},
      .read = kVpc.read,
      .write = kVpc.write,
      .locality = resource::Locality::kRegion,
      .render = render,
      .related = {{.kind = std::string(kPrivateNetworkKind)}},
      .list_key = "vpcs",
      .default_page_size = kDefaultPageSize,
      .filters = {resource::body_bool("is_default"), resource::body_bool("routing_enabled")},
      .create = create_vpc,
      .organization_field = "",
      .patch = {{"name", PatchField::As::kName}, {"tags", PatchField::As::kTags}},
      .update = check_name,
      .can_delete = can_delete,
      .on_delete = on_delete,
  });
  resource::add_resource(r, spec);
  const auto item = p + "/vpcs/{vpc_id}";
  r.add("POST", item + "/enable-routing", kVpc.write, one_way_switch(spec, "routing_enabled"));
  r.add("POST", item + "/enable-custom-routes-propagation", kVpc.write,
        one_way_switch(spec, "custom_routes_propagation_enabled"));
  r.add("GET", item + "/acl-rules", kAcl.read,
        [spec](Context& ctx) { return get_acl(*spec, ctx); });
  r.add("PUT", item + "/acl-rules", kAcl.write,
        [spec](Context& ctx) { return set_acl(*spec, ctx); });
}

}  // namespace scwd::products::vpc
