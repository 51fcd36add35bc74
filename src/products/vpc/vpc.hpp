// What other products need from VPC v2: Private Networks (regional) and their subnets, and the
// project's default VPC. Instance private NICs, IPAM and Public Gateways attach to Private
// Networks through these functions. Owner: the VPC work (src/products/vpc/).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api/error.hpp"
#include "core/app/context.hpp"
#include "core/app/owner.hpp"
#include "core/store/store.hpp"
#include "core/util/time.hpp"

namespace scwd::products::vpc {

// locality = region; name column = name; tags column = tags; body: is_default (bool),
// routing_enabled, custom_routes_propagation_enabled, transitivity_enabled,
// s3_integration_enabled.
inline constexpr std::string_view kVpcKind = "vpc.vpc";
// locality = region; parent_id = vpc_id; body: subnets [{"id", "subnet" (CIDR), "created_at",
// "updated_at"}] (IPv4 first, then IPv6), dhcp_enabled, default_route_propagation_enabled.
inline constexpr std::string_view kPrivateNetworkKind = "vpc.private_network";
// locality = region; parent_id = vpc_id; body: description, destination, nexthop_resource_id,
// nexthop_private_network_id, nexthop_vpc_connector_id, type, is_read_only.
inline constexpr std::string_view kRouteKind = "vpc.route";
// How routes name VPC records (app::Reference), judged on the VPC family.
inline constexpr app::RefKind kVpcRef{kVpcKind, "VPC", "vpc"};
inline constexpr app::RefKind kPrivateNetworkRef{kPrivateNetworkKind, "VPC", "private_network"};

struct Subnet {
  std::string id;
  std::string cidr;  // "172.16.4.0/22", "fd46:78ab:30b8:8364::/64"
  bool is_ipv6 = false;
};

// The Private Network `id` in `region`, visible to the caller (its organization; the caller may
// read its project); not_found with resource "private_network" otherwise (also for a malformed
// id).
api::Result<store::Record> find_private_network(store::Tx& tx, const app::Context& ctx,
                                                std::string_view region, std::string_view id);
// The subnets of a Private Network record, IPv4 first.
std::vector<Subnet> subnets_of(const store::Record& private_network);
// The Private Network holding the subnet `subnet_id` in `region`, else nullopt.
std::optional<store::Record> find_by_subnet(store::Tx& tx, std::string_view region,
                                            std::string_view subnet_id);
// The project's default VPC in `region` (name "default", tags ["default"], is_default true),
// created when missing.
store::Record default_vpc(store::Tx& tx, const app::Owner& owner, std::string_view region,
                          Micros now);

// The /48 ULA prefix of a project's IPv6 subnets: "fdxx:xxxx:xxxx", stable per project.
std::string ula_prefix(std::string_view project_id);

struct NewPrivateNetwork {
  std::string name;
  std::vector<std::string> tags;
  std::vector<std::string> subnets;  // requested CIDRs (may be empty)
  bool default_route_propagation_enabled = false;
};
// Creates a Private Network in `vpc` (subnets: the requested CIDRs, checked, or free ones).
api::Result<store::Record> create_private_network(store::Tx& tx, const app::Owner& owner,
                                                  const store::Record& vpc,
                                                  const NewPrivateNetwork& n, Micros now);

// The project's default VPCs (one per region) that hold no Private Network and no route. The
// platform deletes them with their project: a project deletion should not count them as
// resources still held, and should remove them (store::Tx::remove(kVpcKind, id)).
std::vector<std::string> removable_default_vpcs(store::Tx& tx, std::string_view project_id);

// What VPC needs to know of the addresses booked in its Private Networks. The address manager
// (IPAM) books them and imports VPC, so VPC is handed this view (products.cpp wires it) instead
// of importing IPAM back.
struct BookedAddress {
  std::string address;  // without the prefix length
  bool is_ipv6 = false;
  std::string resource_id, resource_type, resource_name;  // "" when attached to nothing
};
class BookedAddresses {
 public:
  virtual ~BookedAddresses() = default;
  // Addresses booked in the Private Network (an in-use check).
  virtual std::int64_t count_in(store::Tx& tx, std::string_view private_network_id) const = 0;
  // The addresses attached to any of `resource_ids`, in booking order.
  virtual std::vector<BookedAddress> attached_to(
      store::Tx& tx, const std::vector<std::string>& resource_ids) const = 0;
};

std::unique_ptr<app::Module> make_module(const BookedAddresses& addresses);

}  // namespace scwd::products::vpc
