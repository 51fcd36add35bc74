// IPAM API v1 (/ipam/v1/regions/{region}): private IP addresses booked in Private Network
// subnets, attached to resources, with their reverse DNS.
#include <boost/json.hpp>

#include "core/codec/validate.hpp"
#include "core/resource/named.hpp"
#include "core/resource/resource.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/ipam/ipam.hpp"
#include "products/ipam/model.hpp"
#include "products/prelude.hpp"
#include "products/vpc/vpc.hpp"

namespace scwd::products::ipam {

namespace {

constexpr auto kIp = permissions("IPAM", "ip");

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
  r.mac_address = to_upper(*mac);
  r.name = name.value_or("");
  return r;
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

json::object render(const resource::View&, const store::Record& r) { return render_ip(r); }

// Booking takes an address in a Private Network (a subnet is resolved to its network, and only
// the network's own project books in it).
std::optional<ApiError> book_ip(Context& ctx, store::Tx& tx, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto* source = b.object("source", true);
  auto is_ipv6 = b.boolean("is_ipv6");
  auto address = b.str("address");
  auto tags = b.strings("tags");
  if (auto e = b.error()) return e;
  std::optional<Resource> resource;
  if (ctx.body.contains("resource") && !ctx.body.at("resource").is_null()) {
    auto res = read_custom_resource(ctx.body, "resource", true);
    if (!res) return res.error();
    resource = *res;
  }
  codec::BodyReader sb(*source, "source");
  auto pn_id = sb.uuid("private_network_id");
  auto subnet_id = sb.uuid("subnet_id");
  auto zonal = sb.str("zonal");
  auto vpc_id = sb.uuid("vpc_id");
  if (auto e = sb.error()) return e;
  int given = (pn_id ? 1 : 0) + (subnet_id ? 1 : 0) + (zonal ? 1 : 0) + (vpc_id ? 1 : 0);
  if (given != 1)
    return ApiError::constraint(
        "source", "exactly one of zonal, private_network_id, subnet_id or vpc_id is required");
  if (zonal || vpc_id)
    return ApiError::constraint(
        zonal ? "source.zonal" : "source.vpc_id",
        "only private_network_id and subnet_id sources can be booked directly");
  if (address && address->find('/') != std::string::npos)
    return ApiError::invalid_argument("address", ArgReason::kFormat,
                                      "address must be an IP address without mask");
  Booking bk;
  bk.region = std::string(ctx.region());
  bk.organization_id = r.organization_id;
  bk.project_id = r.project_id;
  if (pn_id) {
    bk.private_network_id = to_lower(*pn_id);
  } else {
    auto pn = vpc::find_by_subnet(tx, ctx.region(), *subnet_id);
    if (!pn || pn->organization_id != ctx.principal.organization_id)
      return ApiError::not_found("subnet", to_lower(*subnet_id));
    bk.private_network_id = pn->id;
  }
  bk.is_ipv6 = is_ipv6.value_or(false);
  bk.address = address;
  bk.tags = tags.value_or(std::vector<std::string>{});
  bk.resource = resource;
  return fill_booking(tx, ctx, bk, r);
}

// Reverse DNS entries: each a hostname and an address.
std::optional<ApiError> update_ip(Context& ctx, store::Tx&, store::Record& r) {
  auto it = ctx.body.find("reverses");
  if (it == ctx.body.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_array())
    return ApiError::invalid_argument("reverses", ArgReason::kFormat, "must be an array");
  json::array reverses;
  std::size_t i = 0;
  for (auto& v : it->value().as_array()) {
    auto prefix = "reverses." + std::to_string(i++);
    if (!v.is_object())
      return ApiError::invalid_argument(prefix, ArgReason::kFormat, "must be an object");
    codec::BodyReader rb(v.as_object(), prefix);
    auto hostname = rb.str("hostname", true);
    auto address = rb.str("address", true);
    if (auto e = rb.error()) return e;
    reverses.push_back(json::object{{"hostname", *hostname}, {"address", *address}});
  }
  r.body["reverses"] = std::move(reverses);
  return std::nullopt;
}

// An IP attached to a platform resource (a NIC, a gateway network...) is released by detaching
// that resource; custom resources do not hold their IP.
std::optional<ApiError> check_releasable(Context&, store::Tx&, const store::Record& ip) {
  auto type = resource_field(ip, "type");
  if (type && *type != "custom")
    return ApiError::precondition_failed(
        "resource_still_in_use", "IP " + ip.id + " is attached to a resource of type " + *type +
                                     "; detach the resource first");
  return std::nullopt;
}

// Attaches the IP to the custom resource `to`, or detaches it (nullopt).
void set_resource(store::Record& ip, const std::optional<Resource>& to, Micros now) {
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
}

std::optional<ApiError> attach_ip(Context& ctx, store::Tx&, store::Record& r) {
  auto res = read_custom_resource(ctx.body, "resource", true);
  if (!res) return res.error();
  if (is_attached(r))
    return ApiError::precondition_failed("resource_still_in_use",
                                         "IP " + r.id + " is already attached to a resource");
  set_resource(r, *res, ctx.now());
  return std::nullopt;
}

std::optional<ApiError> detach_ip(Context& ctx, store::Tx&, store::Record& r) {
  auto res = read_custom_resource(ctx.body, "resource", true);
  if (!res) return res.error();
  if (!attached_to(r, *res))
    return ApiError::constraint(
        "resource.mac_address",
        "IP " + r.id + " is not attached to the custom resource " + res->mac_address);
  set_resource(r, std::nullopt, ctx.now());
  return std::nullopt;
}

std::optional<ApiError> move_ip(Context& ctx, store::Tx&, store::Record& r) {
  auto from = read_custom_resource(ctx.body, "from_resource", true);
  if (!from) return from.error();
  std::optional<Resource> to;
  if (ctx.body.contains("to_resource") && !ctx.body.at("to_resource").is_null()) {
    auto t = read_custom_resource(ctx.body, "to_resource", true);
    if (!t) return t.error();
    to = *t;
  }
  if (!attached_to(r, *from))
    return ApiError::constraint(
        "from_resource.mac_address",
        "IP " + r.id + " is not attached to the custom resource " + from->mac_address);
  set_resource(r, to, ctx.now());
  return std::nullopt;
}

// Releases several IPs at once (all or none): not one record's route.
Result<Response> release_ip_set(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto ids = b.strings("ip_ids");
  if (auto e = b.error()) return api::fail(*e);
  for (auto& id : ids.value_or(std::vector<std::string>{}))
    if (!is_uuid(id))
      return api::fail(ApiError::invalid_argument("ip_ids", ArgReason::kFormat, "invalid UUID"));
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    for (auto& id : ids.value_or(std::vector<std::string>{})) {
      auto r = find(tx, ctx.region(), id);
      if (!r || r->organization_id != ctx.principal.organization_id)
        return api::fail(ApiError::not_found("ip", to_lower(id)));
      if (auto e = ctx.authorize_project(r->project_id)) return api::fail(*e);
      if (auto e = check_releasable(ctx, tx, *r)) return api::fail(*e);
      tx.remove(kIpKind, r->id);
    }
    return Response::no_content();
  });
}

resource::Filter body_uuids(std::string param, std::string path) {
  return resource::uuids(std::move(param), Column::kBody, std::move(path));
}

// List filters on the attached resource (besides its id).
std::vector<resource::Filter> resource_filters() {
  auto by_type = [](const Context& ctx, store::ListQuery& q) -> std::optional<ApiError> {
    if (auto* t = ctx.query("resource_type"); t && !t->empty() && *t != "unknown_type")
      q.filters.push_back({Column::kBody, Op::kEq, {*t}, "resource.type", false});
    std::vector<std::string> types;
    for (auto& t : ctx.query_all("resource_types", true))
      if (!t.empty() && t != "unknown_type") types.push_back(t);
    if (!types.empty())
      q.filters.push_back({Column::kBody, Op::kIn, types, "resource.type", false});
    return std::nullopt;
  };
  return {
      resource::custom(
          "attached",
          [](const Context& ctx, store::ListQuery& q) -> std::optional<ApiError> {
            if (auto a = ctx.query_bool("attached"))
              q.filters.push_back(
                  {Column::kBody, *a ? Op::kNotNull : Op::kIsNull, {}, "resource", false});
            return std::nullopt;
          }),
      resource::Filter{"resource_name", resource::Filter::As::kContains, Column::kBody,
                       "resource.name"},
      resource::custom(
          "mac_address",
          [](const Context& ctx, store::ListQuery& q) -> std::optional<ApiError> {
            if (auto* m = ctx.query("mac_address"); m && !m->empty())
              q.filters.push_back(
                  {Column::kBody, Op::kEq, {to_upper(*m)}, "resource.mac_address", false});
            return std::nullopt;
          }),
      resource::custom("resource_type", by_type),
  };
}

class IpamModule final : public app::Module {
 public:
  std::string_view name() const override { return "ipam"; }
  void register_routes(app::Registry& r, app::Services&) override {
    const std::string p = "/ipam/v1/regions/{region}";
    auto filters = resource_filters();
    for (auto f :
         {resource::uuids("private_network_id", Column::kParent),
          body_uuids("subnet_id", "source.subnet_id"), body_uuids("vpc_id", "vpc_id"),
          body_uuids("source_vpc_id", "vpc_id"), body_uuids("resource_id", "resource.id"),
          body_uuids("resource_ids", "resource.id"), resource::uuids("ip_ids", Column::kId),
          resource::body_eq("zonal", "zone"), resource::body_bool("is_ipv6")})
      filters.push_back(std::move(f));
    // Custom resources are described by MAC address and name, not by id.
    const resource::Refs custom = {.not_refs = {"resource"}};
    resource::add_resource(
        r,
        resource::named(
            kIpKind, "ip", p + "/ips", kIp.read, kIp.write,
            {
                .render = render,
                .default_page_size = 50,
                .order_fields = {{"attached_at", Column::kBody, "attached_at"},
                                 {"ip_address", Column::kBody, "address"},
                                 {"mac_address", Column::kBody, "resource.mac_address"}},
                .filters = std::move(filters),
                // Filters of the (scoped) list.
                .list_refs = {.not_refs = {"ip_ids", "resource_id", "resource_ids", "vpc_id",
                                           "private_network_id", "subnet_id", "source_vpc_id"}},
                .create = book_ip,
                .organization_field = "",
                .create_refs = {.refs = {app::body_ref("source.private_network_id", Access::kWrite,
                                                       {vpc::kPrivateNetworkRef})},
                                .not_refs = {"resource"}},
                .patch = {{"tags", resource::PatchField::As::kTags}},
                .update = update_ip,
                .actions =
                    {{"POST", "attach", attach_ip, custom},
                     {"POST", "detach", detach_ip, custom},
                     {"POST", "move", move_ip, {.not_refs = {"from_resource", "to_resource"}}}},
                .can_delete = check_releasable,
            }));
    r.add("POST", p + "/ip-sets/release", kIp.write, release_ip_set)
        .refs({app::body_ref("ip_ids", Access::kWrite, {kIpRef})});
  }
};

}  // namespace

std::unique_ptr<app::Module> make_module() { return std::make_unique<IpamModule>(); }

}  // namespace scwd::products::ipam
