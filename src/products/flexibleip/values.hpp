// Values the platform draws or derives for flexible IPs: addresses from each zone's public
// ranges, their default reverse names and virtual MAC addresses.
#pragma once

#include <random>
#include <string>
#include <string_view>

namespace scwd::products::flexibleip {

// A random IPv4 address ("195.154.141.11") or IPv6 /64 prefix ("2001:bc8:702:6b7::/64") from
// the zone's Elastic Metal ranges (ranges distinct from Instance's, so the two never collide).
std::string draw_address(std::string_view zone, bool ipv6, std::mt19937_64& rng);

// The reverse name the platform gives an address: "195-154-141-11.rev.poneytelecom.eu." and,
// for a prefix, its groups joined by dashes ("2001-bc8-702-6b7--.rev.poneytelecom.eu.").
std::string default_reverse(std::string_view address);

// A virtual MAC address (lowercase) with the OUI of its hypervisor type: kvm 52:54:00, vmware
// 00:50:56 (its static range, fourth byte below 0x40), xen 00:16:3e.
std::string draw_mac(std::string_view type, std::mt19937_64& rng);

}  // namespace scwd::products::flexibleip
