// Elastic Metal servers on VPC Private Networks: /baremetal/v1 and /baremetal/v3
// .../servers/{server_id}/private-networks and .../server-private-networks. Every attachment
// books its address in IPAM (resource type baremetal_private_nic), so a Private Network holding
// a metal server cannot be deleted.
#pragma once

#include "core/app/context.hpp"
#include "core/store/store.hpp"
#include "core/util/time.hpp"

namespace scwd::products::baremetal {

// locality = zone; organization/project = the server's owner; parent_id = the server id;
// state column = status (attaching | attached | detaching | error); keys =
// {"<server_id>/<private_network_id>"}; body: private_network_id, vlan, ipam_ip_ids,
// booked_ip_ids (the subset the attachment booked itself, released with it).
inline constexpr std::string_view kServerPrivateNetworkKind = "baremetal.server_private_network";

void register_private_networks(app::Registry& r, app::Services& svc);

// Removes every private network attachment of a server (it is being deleted): addresses the
// attachment booked are released, addresses the user booked are detached.
void remove_server_private_networks(store::Tx& tx, const store::Record& server, Micros now);
// After a server rename: the IPAM addresses of its private networks show the new name.
void rename_server_private_networks(store::Tx& tx, const store::Record& server, Micros now);

}  // namespace scwd::products::baremetal
