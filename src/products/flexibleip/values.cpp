#include "products/flexibleip/values.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace scwd::products::flexibleip {

namespace {

struct Block {
  std::uint32_t base;
  int bits;
};

constexpr std::uint32_t v4(unsigned a, unsigned b, unsigned c) {
  return a << 24 | b << 16 | c << 8;
}

struct ZoneRanges {
  std::string_view zone;
  std::vector<Block> v4;
  std::vector<std::string_view> v6;  // the /48s /64 prefixes are carved from
};

const std::vector<ZoneRanges>& ranges() {
  static const std::vector<ZoneRanges> r = {
      {"fr-par-1",
       {{v4(195, 154, 128), 18}, {v4(62, 210, 128), 18}, {v4(212, 83, 128), 19}},
       {"2001:bc8:702", "2001:bc8:703"}},
      {"fr-par-2",
       {{v4(195, 154, 192), 19}, {v4(62, 210, 192), 19}, {v4(212, 83, 160), 20}},
       {"2001:bc8:1202"}},
      {"nl-ams-1", {{v4(51, 158, 0), 19}}, {"2001:bc8:1641"}},
      {"nl-ams-2", {{v4(51, 158, 32), 19}}, {"2001:bc8:1651"}},
      {"pl-waw-2", {{v4(151, 115, 128), 19}}, {"2001:bc8:1e11"}},
      {"pl-waw-3", {{v4(151, 115, 192), 19}}, {"2001:bc8:1e21"}},
  };
  return r;
}

const ZoneRanges& zone_ranges(std::string_view zone) {
  for (auto& z : ranges())
    if (z.zone == zone) return z;
  return ranges().front();
}

}  // namespace

std::string draw_address(std::string_view zone, bool ipv6, std::mt19937_64& rng) {
  auto& z = zone_ranges(zone);
  char buf[64];
  if (ipv6) {
    auto base = z.v6[rng() % z.v6.size()];
    std::snprintf(buf, sizeof buf, "%.*s:%x::/64", static_cast<int>(base.size()), base.data(),
                  static_cast<unsigned>(rng() % 0xffff) + 1);
    return buf;
  }
  auto& b = z.v4[rng() % z.v4.size()];
  std::uint32_t a = 0;
  do {  // neither the network, the gateway (.1) nor the broadcast address of a /24
    a = b.base + static_cast<std::uint32_t>(rng() % (1u << (32 - b.bits)));
  } while ((a & 0xff) <= 1 || (a & 0xff) == 255);
  std::snprintf(buf, sizeof buf, "%u.%u.%u.%u", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff,
                a & 0xff);
  return buf;
}

std::string default_reverse(std::string_view address) {
  std::string s(address.substr(0, address.find('/')));
  for (auto& c : s)
    if (c == '.' || c == ':') c = '-';
  return s + ".rev.poneytelecom.eu.";
}

std::string draw_mac(std::string_view type, std::mt19937_64& rng) {
  std::array<unsigned, 3> oui = {0x52, 0x54, 0x00};
  if (type == "vmware") oui = {0x00, 0x50, 0x56};
  if (type == "xen") oui = {0x00, 0x16, 0x3e};
  auto low = static_cast<unsigned>(rng() & 0xffffff);
  if (type == "vmware") low &= 0x3fffff;
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", oui[0], oui[1], oui[2],
                (low >> 16) & 0xff, (low >> 8) & 0xff, low & 0xff);
  return buf;
}

}  // namespace scwd::products::flexibleip
