// VPC internals shared by the handlers (module.cpp) and the contract (vpc.cpp): rendering,
// subnet allocation and validation, Private Network creation.
#pragma once

#include <boost/json/object.hpp>
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

// The /48 ULA prefix of a project's IPv6 subnets: "fdxx:xxxx:xxxx", stable per project.
std::string ula_prefix(std::string_view project_id);

std::int64_t private_network_count(store::Tx& tx, std::string_view vpc_id);
boost::json::object render_vpc(store::Tx& tx, const store::Record& vpc);
boost::json::object render_subnet(const store::Record& pn, const boost::json::object& subnet);
boost::json::object render_private_network(const store::Record& pn);

struct NewPrivateNetwork {
  std::string name;
  std::vector<std::string> tags;
  std::vector<std::string> subnets;  // requested CIDRs (may be empty)
  bool default_route_propagation_enabled = false;
};

// Checks requested CIDRs against the rules (prefix /20../28 for IPv4, /64 ULA for IPv6, no
// forbidden range, at most one per family) and against the VPC's other subnets; picks a free
// IPv4 /22 in 172.16.0.0/12 and a random /64 in the project's ULA /48 for what was not given.
// Returns the CIDRs, IPv4 first.
api::Result<std::vector<std::string>> plan_subnets(store::Tx& tx, const store::Record& vpc,
                                                   const std::vector<std::string>& requested,
                                                   std::string_view project_id);

api::Result<store::Record> create_private_network(store::Tx& tx, const app::Owner& owner,
                                                  const store::Record& vpc,
                                                  const NewPrivateNetwork& n, Micros now);

}  // namespace scwd::products::vpc
