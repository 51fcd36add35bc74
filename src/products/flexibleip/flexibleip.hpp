// What other products need from Flexible IP v1alpha1 (zonal public IPs of Elastic Metal
// servers). Owner: the Flexible IP work (src/products/flexibleip/).
#pragma once

#include <string_view>

#include "core/app/context.hpp"
#include "products/baremetal/servers.hpp"

namespace scwd::products::flexibleip {

// locality = zone; organization/project = owner; parent_id = the server id ("" when detached);
// tags column = tags; state column = status.
inline constexpr std::string_view kFlexibleIpKind = "flexibleip.fip";

// Flexible IP's view for Elastic Metal: deleting a server detaches its flexible IPs.
const baremetal::ServerAttachments& server_attachments();

// Declares what flexible IPs accrue in the usage ledger (meters.cpp).
void declare_meters();

}  // namespace scwd::products::flexibleip
