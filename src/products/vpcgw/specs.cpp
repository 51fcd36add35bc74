// Public Gateways: what v1 and v2 declare alike for each kind (see model.hpp); v1.cpp and v2.cpp
// add their collections, renders and their own filters.
#include <algorithm>
#include <boost/json.hpp>

#include "core/codec/validate.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/prelude.hpp"
#include "products/vpcgw/model.hpp"

namespace scwd::products::vpcgw {

using resource::Filter;
using resource::PatchField;

namespace {

// Records carrying every tag given (repeated or comma-joined).
Filter tags_all() {
  return resource::custom("tags", [](const Context& ctx, store::ListQuery& q) {
    for (auto& t : ctx.query_all("tags", true))
      if (!t.empty()) q.tags_all.push_back(t);
    return std::optional<ApiError>{};
  });
}

std::string_view zero_protocol(bool v2) { return v2 ? "unknown_protocol" : "unknown"; }

std::string protocol_or(const std::optional<std::string>& p, bool v2, std::string fallback) {
  return !p || p->empty() || *p == zero_protocol(v2) ? fallback : *p;
}

// The gateway named by a body's `gateway_id`, loaded for a write in its project (the body names
// no project: the rule lands in the gateway's).
Result<store::Record> body_gateway(store::Tx& tx, const Context& ctx, const std::string& id) {
  auto g = load(tx, ctx, kGatewayKind, id, "gateway");
  if (!g) return g;
  if (auto e = ctx.authorize_project(g->project_id)) return api::fail(*e);
  return g;
}

}  // namespace

resource::Spec zonal(std::string_view kind, std::string resource, std::string id_param,
                     app::Permission read, app::Permission write, std::string list_key) {
  return {.kind = std::string(kind),
          .resource = std::move(resource),
          .id_param = std::move(id_param),
          .read = read,
          .write = write,
          .locality = resource::Locality::kZone,
          .bad_id = resource::BadId::kNotFound,  // both versions answer 404 for a malformed id
          .list_key = std::move(list_key),
          .default_page_size = 50};
}

Filter enum_in(std::string param, Column c, std::string path, std::vector<std::string> zeros) {
  auto name = param;
  return resource::custom(std::move(param), [=](const Context& ctx, store::ListQuery& q) {
    std::vector<std::string> values;
    for (auto& v : ctx.query_all(name, true))
      if (!v.empty() && std::find(zeros.begin(), zeros.end(), v) == zeros.end())
        values.push_back(v);
    if (!values.empty()) q.filters.push_back({c, Op::kIn, std::move(values), path, false});
    return std::optional<ApiError>{};
  });
}

Filter id_eq(std::string param, Column c, std::string path) {
  auto name = param;
  return resource::custom(std::move(param), [=](const Context& ctx, store::ListQuery& q) {
    if (auto v = ctx.query_opt(name); v && !v->empty())
      q.filters.push_back({c, Op::kEq, {to_lower(*v)}, path, false});
    return std::optional<ApiError>{};
  });
}

// --- IPs ---

resource::Spec ip_spec() {
  auto s = zonal(kIpKind, "ip", "ip_id", kIp.read, kIp.write, "ips");
  s.filters = {
      tags_all(),
      {"reverse", Filter::As::kContains, Column::kBody, "reverse"},
      resource::custom("is_free", [](const Context& ctx, store::ListQuery& q) {
        if (auto free = ctx.query_bool("is_free"))
          q.filters.push_back({Column::kParent, *free ? Op::kEq : Op::kNe, {""}, {}, false});
        return std::optional<ApiError>{};
      })};
  s.quota = kIpQuota;
  s.create = [](Context& ctx, store::Tx& tx, store::Record& r) -> std::optional<ApiError> {
    codec::BodyReader b(ctx.body);
    auto tags = b.strings("tags");
    if (auto e = b.error()) return e;
    if (tags) r.tags = *tags;
    assign_address(tx, r);
    return std::nullopt;
  };
  s.patch = {{"tags", PatchField::As::kTags}};
  s.can_delete = [](Context&, store::Tx& tx, const store::Record& ip) -> std::optional<ApiError> {
    // An IP whose gateway is being deleted is as good as free (Terraform deletes it right after).
    auto gw = ip.parent_id.empty() ? std::nullopt : tx.get(kGatewayKind, ip.parent_id);
    if (gw && gw->state != "deleting")
      return ApiError::precondition_failed(
          "resource_still_in_use",
          "IP " + ip.id + " is attached to gateway " + ip.parent_id + "; detach it first");
    return std::nullopt;
  };
  return s;
}

std::optional<ApiError> update_ip(Context& ctx, store::Tx& tx, store::Record& ip,
                                  const std::optional<std::string>& reverse,
                                  const std::optional<std::string>& gateway_id) {
  if (reverse)
    ip.body["reverse"] =
        reverse->empty() ? default_reverse(str_of(ip.body, "address")) : to_lower(*reverse);
  if (gateway_id) {
    auto moved = set_ip_gateway(tx, ctx, ip, to_lower(*gateway_id));
    if (!moved) return moved.error();
    ip = std::move(*moved);
  }
  return std::nullopt;
}

// --- PAT rules ---

resource::Spec pat_rule_spec(bool v2) {
  auto s = zonal(kPatRuleKind, "pat_rule", "pat_rule_id", kPat.read, kPat.write, "pat_rules");
  s.order_fields = {{"public_port", Column::kBody, "public_port"}};
  s.update = [v2](Context& ctx, store::Tx& tx, store::Record& r) -> std::optional<ApiError> {
    codec::BodyReader b(ctx.body);
    auto public_port = b.integer("public_port");
    auto private_ip = b.str("private_ip");
    auto private_port = b.integer("private_port");
    auto protocol = b.str("protocol");
    if (auto e = b.error()) return e;
    PatRuleSpec spec;
    spec.public_port = public_port.value_or(int_of(r.body, "public_port"));
    spec.private_ip = private_ip.value_or(str_of(r.body, "private_ip"));
    spec.private_port = private_port.value_or(int_of(r.body, "private_port"));
    spec.protocol = protocol_or(protocol, v2, str_of(r.body, "protocol"));
    auto u = update_pat_rule(tx, ctx, r, spec);
    if (!u) return u.error();
    r = std::move(*u);
    return std::nullopt;
  };
  return s;
}

Result<Response> create_pat_rule_route(Context& ctx, const resource::Spec& spec, bool v2) {
  codec::BodyReader b(ctx.body);
  auto gw = v2 ? b.uuid("gateway_id", true) : b.str("gateway_id", true);
  auto public_port = b.integer("public_port", true);
  auto private_ip = b.str("private_ip", true);
  auto private_port = b.integer("private_port", true);
  auto protocol = b.str("protocol");
  if (auto e = b.error()) return api::fail(*e);
  PatRuleSpec rule{*public_port, *private_ip, *private_port, protocol_or(protocol, v2, "both")};
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto g = body_gateway(tx, ctx, *gw);
    if (!g) return api::fail(g.error());
    auto r = create_pat_rule(tx, ctx, *g, rule);
    if (!r) return api::fail(r.error());
    return Response::json(200, resource::answer(ctx, tx, spec, *r));
  });
}

Result<Response> set_pat_rules_route(Context& ctx, const resource::Spec& spec, bool v2) {
  codec::BodyReader b(ctx.body);
  auto gw = v2 ? b.uuid("gateway_id", true) : b.str("gateway_id", true);
  std::vector<PatRuleSpec> rules;
  // Absent or null: clears the gateway's rules.
  if (auto it = ctx.body.find("pat_rules"); it != ctx.body.end() && !it->value().is_null()) {
    if (!it->value().is_array()) {
      b.add("pat_rules", ArgReason::kFormat, "must be an array");
    } else {
      auto& arr = it->value().as_array();
      for (std::size_t i = 0; i < arr.size(); ++i) {
        auto prefix = "pat_rules." + std::to_string(i);
        if (!arr[i].is_object()) {
          b.add(prefix, ArgReason::kFormat, "must be an object");
          continue;
        }
        codec::BodyReader rb(arr[i].as_object(), prefix);
        auto public_port = rb.integer("public_port", true);
        auto private_ip = rb.str("private_ip", true);
        auto private_port = rb.integer("private_port", true);
        auto protocol = v2 ? rb.enumeration("protocol", {"unknown_protocol", "both", "tcp", "udp"})
                           : rb.str("protocol");
        if (auto e = rb.error()) return api::fail(*e);
        rules.push_back(
            {*public_port, *private_ip, *private_port, protocol_or(protocol, v2, "both")});
      }
    }
  }
  if (auto e = b.error()) return api::fail(*e);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto g = body_gateway(tx, ctx, *gw);
    if (!g) return api::fail(g.error());
    auto set = set_pat_rules(tx, ctx, *g, rules);
    if (!set) return api::fail(set.error());
    auto pre = resource::prefetch(tx, spec, *set);
    resource::View view{ctx, pre};
    json::array items;
    for (auto& r : *set) items.push_back(spec.render(view, r));
    return Response::json(200, json::object{{"pat_rules", std::move(items)}});
  });
}

// --- gateway networks and gateways ---

resource::Spec gateway_network_spec() {
  auto s = zonal(kGatewayNetworkKind, "gateway_network", "gateway_network_id", kNetwork.read,
                 kNetwork.write, "gateway_networks");
  s.order_fields = {{"status", Column::kState}};
  s.deletable = false;
  return s;
}

resource::Spec gateway_spec() {
  auto s = zonal(kGatewayKind, "gateway", "gateway_id", kGateway.read, kGateway.write, "gateways");
  s.order_fields = {{"type", Column::kBody, "type"}, {"status", Column::kState}};
  s.filters = {tags_all()};
  // A gateway shows its networks and its IP.
  s.related = {{std::string(kGatewayNetworkKind)},
               {std::string(kIpKind), [](const store::Record& gw, std::vector<std::string>& ids) {
                  ids.push_back(str_of(gw.body, "ip_id"));
                }}};
  s.deletable = false;
  return s;
}

Filter gateways_in_private_networks(std::string param, bool check) {
  auto name = param;
  return resource::custom(
      std::move(param),
      [name, check](const Context& ctx, store::ListQuery& q) -> std::optional<ApiError> {
        std::vector<std::string> pns;
        for (auto& id : ctx.query_all(name, true)) {
          if (id.empty()) continue;
          if (check && !is_uuid(id))
            return ApiError::invalid_argument(name, ArgReason::kFormat,
                                              "value must be a valid UUID");
          pns.push_back(to_lower(id));
        }
        if (pns.empty()) return std::nullopt;
        store::ListQuery nq;
        nq.kind = std::string(kGatewayNetworkKind);
        nq.filters.push_back(
            {Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
        nq.filters.push_back({Column::kBody, Op::kIn, pns, "private_network_id", false});
        nq.with_total = false;
        std::vector<std::string> ids;
        auto tx = ctx.store().begin(store::TxMode::kRead);
        for (auto& gn : tx->list(nq).items) ids.push_back(gn.parent_id);
        q.filters.push_back({Column::kId, Op::kIn, std::move(ids), {}, false});
        return std::nullopt;
      });
}

// --- gateway types ---

Result<Response> list_gateway_types_route(Context& ctx) {
  json::array types;
  for (auto& t : gateway_types(ctx.zone()))
    types.push_back(
        json::object{{"name", t.name}, {"bandwidth", t.bandwidth_bps}, {"zone", ctx.zone()}});
  return Response::json(200, json::object{{"types", std::move(types)}});
}

}  // namespace scwd::products::vpcgw
