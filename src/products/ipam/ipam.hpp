// What other products need from IPAM v1: IP addresses booked in a Private Network's subnets and
// attached to a resource (an Instance private NIC, a Public Gateway network, ...). Every
// attachment to a Private Network books its addresses here, so a Private Network holding any
// booked address cannot be deleted. Owner: the IPAM work (src/products/ipam/).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api/error.hpp"
#include "core/app/context.hpp"
#include "core/store/store.hpp"
#include "core/util/time.hpp"
#include "products/vpc/vpc.hpp"

namespace scwd::products::ipam {

// locality = region; project_id/organization_id = owner; parent_id = the Private Network id
// ("" for public IPs); tags column = tags; body: address ("172.16.4.2/22", with the subnet's
// prefix length), is_ipv6, source ({"subnet_id": ...} | {"zonal": zone} | ...), resource
// ({"type","id","mac_address","name"} | null), reverses, zone (string | null).
inline constexpr std::string_view kIpKind = "ipam.ip";
inline constexpr app::RefKind kIpRef{kIpKind, "IPAM", "ip"};  // app::Reference

struct Resource {
  std::string type;         // "instance_private_nic", "vpc_gateway_network", "custom", ...
  std::string id;           // the attaching object's id
  std::string mac_address;  // any case; stored UPPERCASE; "" = null
  std::string name;         // "" = null
};

struct Booking {
  std::string region;
  std::string organization_id;
  std::string project_id;  // must be the Private Network's project
  std::string private_network_id;
  bool is_ipv6 = false;
  std::optional<std::string> address;  // a chosen address (no mask); nullopt = first free
  std::vector<std::string> tags;
  std::optional<Resource> resource;  // attached at once when set
};

// Books an address in the Private Network's IPv4 or IPv6 subnet: the first free host from .2
// (reserved addresses never handed out) or a random IPv6 interface id, or the chosen address.
// Errors: not_found private_network; invalid_arguments for an address outside the subnet or
// reserved; the real "already booked" error for a taken address; out of addresses.
api::Result<store::Record> book(store::Tx& tx, const app::Context& ctx, const Booking& b,
                                Micros now);
// The IP `id` in `region`, else nullopt.
std::optional<store::Record> find(store::Tx& tx, std::string_view region, std::string_view id);
// Attaches a booked IP to a resource. not_found "ip" when missing; invalid_arguments when the
// IP is not in `private_network_id` (when not empty) or already attached to another resource.
api::Result<store::Record> attach(store::Tx& tx, std::string_view region, std::string_view ip_id,
                                  std::string_view private_network_id, const Resource& r,
                                  Micros now);
// Sets resource to null (the IP stays booked). No-op when missing.
void detach(store::Tx& tx, std::string_view region, std::string_view ip_id, Micros now);
// Deletes the IP. No-op when missing.
void release(store::Tx& tx, std::string_view region, std::string_view ip_id);
// Updates resource.name on every IP attached to `resource_id` (e.g. a renamed server).
void rename_resource(store::Tx& tx, std::string_view resource_id, std::string_view name,
                     Micros now);
// What one attachment to a Private Network (an Instance private NIC, a metal server's Private
// Network) holds, kept in its record's body as "ipam_ip_ids" and "booked_ip_ids".
struct Held {
  std::vector<std::string> ip_ids;  // every address it holds, in order
  std::vector<std::string> booked;  // the subset it booked itself (released with it)
  static Held of(const boost::json::object& body);
  void store_in(boost::json::object& body) const;
};
// The addresses of a new attachment of `resource` to `private_network` (a record of the caller's
// organization): the caller's booked `ip_ids` attached (a malformed one refused naming
// `ids_field`), or, when none is given, one IPv4 and (when the network has an IPv6 subnet) one
// IPv6 address booked for it.
api::Result<Held> take(store::Tx& tx, const app::Context& ctx, const store::Record& private_network,
                       const std::vector<std::string>& ip_ids, const Resource& resource, Micros now,
                       std::string_view ids_field);
// Frees what an attachment held: the addresses it booked are released, the others detached.
void give_back(store::Tx& tx, std::string_view region, const Held& held, Micros now);
// IPs booked in a Private Network (attached or not).
std::int64_t count_in_private_network(store::Tx& tx, std::string_view private_network_id);
// "172.16.4.2/22" -> "172.16.4.2"
std::string plain_address(const store::Record& ip);

// A booked address as other products see it.
struct Address {
  std::string id;
  std::string address;  // without the prefix length: "172.16.4.2"
  bool is_ipv6 = false;
  std::string private_network_id;    // "" for public IPs
  std::optional<Resource> resource;  // what it is attached to (type "" when unknown)
  Micros created_at = 0;             // booked
  Micros updated_at = 0;
};
// The addresses attached to any of `resource_ids`, in booking order (one query).
std::vector<Address> attached_to(store::Tx& tx, const std::vector<std::string>& resource_ids);
// The addresses booked in a Private Network and attached to a resource, in booking order.
std::vector<Address> attached_in(store::Tx& tx, std::string_view private_network_id);

// IPAM's view of its bookings for VPC (see vpc::BookedAddresses).
const vpc::BookedAddresses& booked_addresses();

}  // namespace scwd::products::ipam
