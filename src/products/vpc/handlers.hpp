// The route groups of the VPC product (one file per resource) and what they share.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api/error.hpp"
#include "core/app/context.hpp"
#include "core/resource/resource.hpp"
#include "core/store/store.hpp"
#include "products/prelude.hpp"
#include "products/vpc/model.hpp"
#include "products/vpc/vpc.hpp"

namespace scwd::products::vpc {

// Newer VPC objects published by the Go SDK only (not by the JS SDK 1.4.0); Terraform manages
// them. locality = region; parent_id = vpc_id.
inline constexpr std::string_view kConnectorKind = "vpc.vpc_connector";  // body: target_vpc_id
// body: is_ipv6, source, nexthop_resource_ip, nexthop_private_network_id, description
inline constexpr std::string_view kIngressKind = "vpc.ingress_rule";
inline constexpr app::RefKind kConnectorRef{kConnectorKind, "VPC", "vpc_connector"};

inline constexpr std::string_view kRegionPath = "/vpc/v2/regions/{region}";
inline constexpr std::int64_t kDefaultPageSize = 50;

void register_vpcs(app::Registry& r);
void register_private_networks(app::Registry& r, const BookedAddresses& addresses);
// Routes and routes-with-nexthop.
void register_vpc_routes(app::Registry& r, const BookedAddresses& addresses);
void register_connectors(app::Registry& r);
void register_ingress_rules(app::Registry& r);

// What every VPC resource with a name, an owner and tags renders from its record's columns.
json::object render_owned(const store::Record& r);

// The real API's 404 for routes and ingress rules names no resource.
ApiError route_not_found();
// The same answer as Spec::missing for kinds the platform answers it for (routes, ingress rules).
std::optional<ApiError> route_missing(const Context&, std::string_view id, bool write);

// A record of `kind` named in a body, in the caller's organization and the request's region.
std::optional<store::Record> find_in_region(const Context& ctx, store::Tx& tx,
                                            std::string_view kind, const std::string& id);
// The VPC a body names: not_found "vpc" otherwise.
Result<store::Record> load_vpc(const Context& ctx, store::Tx& tx, const std::string& id);

// PATCH: a name, when given, must not be empty.
std::optional<ApiError> check_name(Context& ctx, store::Tx& tx, store::Record& r);
// The owner of a record created inside the VPC the body's vpc_id names (its project, which the
// caller must be allowed to change).
Result<app::Owner> vpc_owner(Context& ctx, store::Tx& tx);

// A one-way switch of a record's body flag (enable-routing, enable-dhcp): set and written only
// when it was off; answered as a get.
app::Handler one_way_switch(std::shared_ptr<const resource::Spec> spec, std::string field);

// A VPC v2 kind under /vpc/v2/regions/{region}/<segment>: `s` with the conventional names (see
// resource::named) and the VPC page size.
resource::Spec vpc_spec(std::string_view kind, std::string resource, std::string_view segment,
                        Permission read, Permission write, resource::Spec s);

// order_by of the VPC lists: creation date or name.
std::vector<paging::OrderChoice> name_orders();
// The conventional filters of lists the JS SDK does not publish (the layer applies them only
// to lists it knows): project_id, name, tags (any).
std::vector<resource::Filter> unpublished_list_filters(bool with_name);

}  // namespace scwd::products::vpc
