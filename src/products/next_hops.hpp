// Record kinds a VPC route may name as its next hop (a resource attached to a Private Network),
// declared here rather than in their products so that VPC names them without importing Instance
// or Public Gateways (which import VPC). Their owners use these declarations.
#pragma once

#include <string_view>

#include "core/app/context.hpp"

namespace scwd::products::next_hops {

inline constexpr std::string_view kPrivateNicKind = "instance.private_nic";
inline constexpr app::RefKind kPrivateNicRef{kPrivateNicKind, "Instances", "instance"};

inline constexpr std::string_view kGatewayNetworkKind = "vpcgw.gateway_network";
inline constexpr app::RefKind kGatewayNetworkRef{kGatewayNetworkKind, "VPCGateway",
                                                 "gateway_network"};

}  // namespace scwd::products::next_hops
