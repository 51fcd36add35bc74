// Instance private NICs: a server's interfaces on Private Networks, served by Instance v1
// (/servers/{server_id}/private_nics) and v2alpha1 (/private-network-interfaces, what the
// Terraform provider uses). Both versions show the same records. What servers.cpp and
// server_actions.cpp need from them is declared here; the handlers live in private_nics.cpp.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/app/context.hpp"
#include "core/store/store.hpp"
#include "core/util/time.hpp"
#include "products/next_hops.hpp"

namespace scwd::products::instance {

// locality = zone; organization/project = owner; parent_id = the server id ("" when detached,
// v2alpha1 only); state column = "syncing" (v2alpha1 "attaching") | "available"; tags column =
// tags; keys = {"<server_id>/<private_network_id>"} while attached (one NIC per server and
// Private Network); body: private_network_id, mac_address (lowercase), ipam_ip_ids [v4, v6],
// booked_ip_ids (the subset booked by the NIC itself, released with it).
using next_hops::kPrivateNicKind;
using next_hops::kPrivateNicRef;

// An entry of the `private_nics` array of a v1 Server object (the NICs whose parent it is).
boost::json::object render_server_nic(const store::Record& nic);
// Deletes every NIC of a server: their auto-booked IPAM addresses are released, addresses the
// user booked are detached (server delete and terminate).
void remove_server_private_nics(store::Tx& tx, const store::Record& server, Micros now);
// After a server rename: the IPAM addresses of its NICs show the new name.
void rename_server_private_nics(store::Tx& tx, const store::Record& server, Micros now);
// Server list filters private_network / private_networks / private_nic_mac_address: the ids of
// the servers of the organization in the zone with a NIC in one of `private_network_ids` (when
// not empty) and with `mac_address` (when not empty, case-insensitive).
std::vector<std::string> servers_with_private_nics(store::Tx& tx, std::string_view zone,
                                                   std::string_view organization_id,
                                                   const std::vector<std::string>& pn_ids,
                                                   std::string_view mac_address);

// True when one of the server's NICs holds the IPAM address `address` (no mask; or its IP id).
bool server_has_private_ip(store::Tx& tx, const store::Record& server, std::string_view address);

void register_private_nics(app::Registry& r);

}  // namespace scwd::products::instance
