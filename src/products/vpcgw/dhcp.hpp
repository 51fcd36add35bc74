// Public Gateways v1 DHCP configurations and DHCP entries (dhcp.cpp): the records of
// model.hpp's kDhcpKind / kDhcpEntryKind, their validation, rendering and routes. v1.cpp uses
// them for gateway networks in DHCP mode (inline `dhcp`, `dhcp_id`, cleanup_dhcp).
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "core/api/error.hpp"
#include "core/app/context.hpp"
#include "core/app/owner.hpp"
#include "core/store/store.hpp"
#include "core/util/time.hpp"

namespace scwd::products::vpcgw::dhcp {

// Reads a CreateDHCPRequest object (top-level body or a gateway network's inline `dhcp`; prefix
// names its fields in errors) into a DHCP record body with every default applied: address = first
// host, pool = second host .. last host, 3600s / 3000s / 3060s, dns_local_name =
// default_local_name ("priv" or the slugified Private Network name).
api::Result<boost::json::object> read_create(const boost::json::object& in, std::string_view prefix,
                                             std::string_view default_local_name);
// Inserts a DHCP record in `zone`.
store::Record insert(store::Tx& tx, const app::Owner& owner, std::string_view zone,
                     boost::json::object body, Micros now);
// The DHCP configuration `id` in the zone of the request and the caller's organization;
// not_found "dhcp" otherwise.
api::Result<store::Record> load(store::Tx& tx, const app::Context& ctx, std::string_view id);
// The DHCP object (v1 shape).
boost::json::object render(const store::Record& dhcp);
// Gateway networks using a DHCP configuration.
std::int64_t users(store::Tx& tx, std::string_view dhcp_id);
// Deletes a DHCP configuration when no gateway network other than `except_gn` uses it.
void cleanup(store::Tx& tx, std::string_view dhcp_id, std::string_view except_gn = {});
// Deletes the DHCP entries of a gateway network.
void delete_entries_of(store::Tx& tx, std::string_view gateway_network_id);
// "a-b.c" from a Private Network name ("priv" when nothing is left).
std::string slug(std::string_view name);

// The DHCP and DHCP entry routes of /vpc-gw/v1/zones/{zone}.
void register_routes(app::Registry& r);

}  // namespace scwd::products::vpcgw::dhcp
