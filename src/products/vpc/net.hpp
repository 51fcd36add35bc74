// Address arithmetic for VPC subnets and IPAM: IPv4 and IPv6 CIDRs parsed into integers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace scwd::products::vpc::net {

// An IPv4 address (host order) or an IPv6 address as two 64-bit halves.
struct Addr {
  bool v6 = false;
  std::uint64_t hi = 0;  // IPv6 first 64 bits
  std::uint64_t lo = 0;  // IPv6 last 64 bits; IPv4: the address in the low 32 bits
  bool operator==(const Addr&) const = default;
};

struct Cidr {
  Addr addr;  // the network address (host bits cleared)
  int prefix = 0;
  bool host_bits_set = false;  // the text had host bits set
};

std::optional<Addr> parse_addr(std::string_view s);
std::string format_addr(const Addr& a);
// "a.b.c.d/n" or "x::/n"; nullopt when malformed.
std::optional<Cidr> parse_cidr(std::string_view s);
std::string format_cidr(const Cidr& c);
// Whether `a` lies inside `c`.
bool contains(const Cidr& c, const Addr& a);
// Whether two CIDRs of the same family overlap.
bool overlaps(const Cidr& a, const Cidr& b);
// IPv4 only: the number of addresses in the subnet and the address at `offset` from the network.
std::uint64_t size_v4(const Cidr& c);
Addr nth_v4(const Cidr& c, std::uint64_t offset);
// IPv4 only: the offset of `a` inside `c`.
std::uint64_t offset_v4(const Cidr& c, const Addr& a);

}  // namespace scwd::products::vpc::net
