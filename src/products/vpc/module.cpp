// VPC API v2 (/vpc/v2/regions/{region}): VPCs, Private Networks, subnets, routes, ACLs, VPC
// connectors and ingress rules, one file per resource.
#include "core/codec/validate.hpp"
#include "core/resource/named.hpp"
#include "core/router/locality.hpp"
#include "core/util/ids.hpp"
#include "products/vpc/handlers.hpp"

namespace scwd::products::vpc {

json::object render_owned(const store::Record& r) {
  return {{"id", r.id},
          {"name", r.name},
          {"organization_id", r.organization_id},
          {"project_id", r.project_id},
          {"region", r.locality},
          {"tags", json::value_from(r.tags)},
          {"created_at", format_time(r.created_at)},
          {"updated_at", format_time(r.updated_at)}};
}

ApiError route_not_found() {
  return ApiError(404, json::object{{"message", "resource is not found"},
                                    {"resource", "unknown"},
                                    {"resource_id", ""},
                                    {"type", "not_found"}});
}

std::optional<ApiError> route_missing(const Context&, std::string_view, bool) {
  return route_not_found();
}

std::optional<store::Record> find_in_region(const Context& ctx, store::Tx& tx,
                                            std::string_view kind, const std::string& id) {
  auto r = tx.get(kind, id);
  if (!r || r->organization_id != ctx.principal.organization_id || r->locality != ctx.region())
    return std::nullopt;
  return r;
}

Result<store::Record> load_vpc(const Context& ctx, store::Tx& tx, const std::string& id) {
  auto r = find_in_region(ctx, tx, kVpcKind, id);
  if (!r) return api::fail(ApiError::not_found("vpc", id));
  return std::move(*r);
}

std::optional<ApiError> check_name(Context& ctx, store::Tx&, store::Record&) {
  codec::BodyReader b(ctx.body);
  if (auto name = b.str("name"); name && name->empty())
    return ApiError::constraint("name", "name must not be empty");
  return std::nullopt;
}

Result<app::Owner> vpc_owner(Context& ctx, store::Tx& tx) {
  codec::BodyReader b(ctx.body);
  auto vpc_id = b.uuid("vpc_id", true);
  if (auto e = b.error()) return api::fail(*e);
  auto vpc = load_vpc(ctx, tx, to_lower(*vpc_id));
  if (!vpc) return api::fail(vpc.error());
  if (auto e = ctx.authorize_project(vpc->project_id)) return api::fail(*e);
  return app::Owner{vpc->organization_id, vpc->project_id};
}

app::Handler one_way_switch(std::shared_ptr<const resource::Spec> spec, std::string field) {
  return [spec, field](Context& ctx) {
    return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
      auto r = resource::load(ctx, tx, *spec, true);
      if (!r) return api::fail(r.error());
      if (r->body[field] != json::value(true)) {
        r->body[field] = true;
        r->updated_at = ctx.now();
        tx.update(*r);
      }
      return Response::json(200, resource::answer(ctx, tx, *spec, *r));
    });
  };
}

resource::Spec vpc_spec(std::string_view kind, std::string resource, std::string_view segment,
                        Permission read, Permission write, resource::Spec s) {
  s.default_page_size = kDefaultPageSize;
  return resource::named(kind, std::move(resource),
                         std::string(kRegionPath) + "/" + std::string(segment), read, write,
                         std::move(s));
}

std::vector<paging::OrderChoice> name_orders() {
  return {{"created_at_asc", Column::kCreatedAt, false},
          {"created_at_desc", Column::kCreatedAt, true},
          {"name_asc", Column::kName, false},
          {"name_desc", Column::kName, true}};
}

std::vector<resource::Filter> unpublished_list_filters(bool with_name) {
  std::vector<resource::Filter> out = {resource::uuids("project_id", Column::kProject),
                                       resource::custom("tags", [](const Context& ctx, auto& q) {
                                         for (auto& t : ctx.query_all("tags"))
                                           if (!t.empty()) q.tags_any.push_back(t);
                                         return std::optional<ApiError>{};
                                       })};
  if (with_name)
    out.push_back(resource::Filter{"name", resource::Filter::As::kContains, Column::kName});
  return out;
}

namespace {

class VpcModule final : public app::Module {
 public:
  explicit VpcModule(const BookedAddresses& addresses) : addresses_(addresses) {}
  std::string_view name() const override { return "vpc"; }
  void register_routes(app::Registry& r, app::Services& svc) override {
    // A project's unused default VPCs are deleted with the project, as on the platform.
    svc.on_project_delete.push_back([](store::Tx& tx, std::string_view project_id) {
      for (auto& id : removable_default_vpcs(tx, project_id)) tx.remove(kVpcKind, id);
    });
    // The platform gives every project a default VPC in each region.
    svc.on_project_create.push_back([](store::Tx& tx, const store::Record& project, Micros now) {
      for (auto region : locality::regions())
        default_vpc(tx, {project.organization_id, project.id}, region, now);
    });
    register_vpcs(r);
    register_private_networks(r, addresses_);
    register_vpc_routes(r, addresses_);
    register_connectors(r);
    register_ingress_rules(r);
  }

 private:
  const BookedAddresses& addresses_;
};

}  // namespace

std::unique_ptr<app::Module> make_module(const BookedAddresses& addresses) {
  return std::make_unique<VpcModule>(addresses);
}

}  // namespace scwd::products::vpc
