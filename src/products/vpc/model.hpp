// VPC internals shared by the handlers and the contract (vpc.cpp): keys, subnet allocation and
// validation, Private Network creation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api/error.hpp"
#include "core/app/context.hpp"
#include "core/app/owner.hpp"
#include "core/store/store.hpp"
#include "core/util/time.hpp"
#include "products/vpc/vpc.hpp"

namespace scwd::products::vpc {

// Unique key of a project's default VPC in a region.
std::string default_vpc_key(std::string_view project_id, std::string_view region);
// Unique key of a subnet (Private Network records carry one per subnet).
std::string subnet_key(std::string_view subnet_id);

std::int64_t private_network_count(store::Tx& tx, std::string_view vpc_id);

// Checks requested CIDRs against the rules (prefix /20../28 for IPv4, /64 ULA for IPv6, no
// forbidden range, at most one per family) and against the VPC's other subnets; picks a free
// IPv4 /22 in 172.16.0.0/12 and a random /64 in the project's ULA /48 for what was not given.
// Returns the CIDRs, IPv4 first.
api::Result<std::vector<std::string>> plan_subnets(store::Tx& tx, const store::Record& vpc,
                                                   const std::vector<std::string>& requested,
                                                   std::string_view project_id);

// Makes `r` (id, owner and times set) the Private Network `n` asks for in `vpc`, without writing
// it: subnets planned and keyed, body set.
std::optional<api::ApiError> fill_private_network(store::Tx& tx, const store::Record& vpc,
                                                  const NewPrivateNetwork& n, store::Record& r);

}  // namespace scwd::products::vpc
