#include "products/vpc/net.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace scwd::products::vpc::net {

namespace {

std::uint64_t mask64(int bits) {  // the top `bits` bits of a 64-bit word
  if (bits <= 0) return 0;
  if (bits >= 64) return ~std::uint64_t{0};
  return ~std::uint64_t{0} << (64 - bits);
}

// Clears the host bits of `a` for a prefix length.
Addr network(const Addr& a, int prefix) {
  Addr n = a;
  if (!a.v6) {
    std::uint64_t m = prefix <= 0 ? 0 : (0xffffffffULL << (32 - prefix)) & 0xffffffffULL;
    n.lo = a.lo & m;
  } else if (prefix <= 64) {
    n.hi = a.hi & mask64(prefix);
    n.lo = 0;
  } else {
    n.lo = a.lo & mask64(prefix - 64);
  }
  return n;
}

}  // namespace

std::optional<Addr> parse_addr(std::string_view s) {
  std::string text(s);
  if (text.find(':') != std::string::npos) {
    unsigned char buf[16];
    if (inet_pton(AF_INET6, text.c_str(), buf) != 1) return std::nullopt;
    Addr a;
    a.v6 = true;
    for (int i = 0; i < 8; ++i) a.hi = (a.hi << 8) | buf[i];
    for (int i = 8; i < 16; ++i) a.lo = (a.lo << 8) | buf[i];
    return a;
  }
  unsigned char buf[4];
  if (inet_pton(AF_INET, text.c_str(), buf) != 1) return std::nullopt;
  Addr a;
  a.lo = (std::uint64_t{buf[0]} << 24) | (std::uint64_t{buf[1]} << 16) |
         (std::uint64_t{buf[2]} << 8) | buf[3];
  return a;
}

std::string format_addr(const Addr& a) {
  char out[INET6_ADDRSTRLEN] = {};
  if (a.v6) {
    unsigned char buf[16];
    for (int i = 0; i < 8; ++i) buf[i] = static_cast<unsigned char>(a.hi >> (56 - 8 * i));
    for (int i = 0; i < 8; ++i) buf[8 + i] = static_cast<unsigned char>(a.lo >> (56 - 8 * i));
    inet_ntop(AF_INET6, buf, out, sizeof out);
  } else {
    unsigned char buf[4] = {
        static_cast<unsigned char>(a.lo >> 24), static_cast<unsigned char>(a.lo >> 16),
        static_cast<unsigned char>(a.lo >> 8), static_cast<unsigned char>(a.lo)};
    inet_ntop(AF_INET, buf, out, sizeof out);
  }
  return out;
}

std::optional<Cidr> parse_cidr(std::string_view s) {
  auto slash = s.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto a = parse_addr(s.substr(0, slash));
  if (!a) return std::nullopt;
  auto p = s.substr(slash + 1);
  int prefix = -1;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
  if (ec != std::errc() || ptr != p.data() + p.size() || p.empty()) return std::nullopt;
  if (prefix < 0 || prefix > (a->v6 ? 128 : 32)) return std::nullopt;
  Cidr c;
  c.prefix = prefix;
  c.addr = network(*a, prefix);
  c.host_bits_set = !(c.addr == *a);
  return c;
}

std::string format_cidr(const Cidr& c) {
  return format_addr(c.addr) + "/" + std::to_string(c.prefix);
}

bool contains(const Cidr& c, const Addr& a) {
  if (c.addr.v6 != a.v6) return false;
  return network(a, c.prefix) == c.addr;
}

bool overlaps(const Cidr& a, const Cidr& b) {
  if (a.addr.v6 != b.addr.v6) return false;
  int p = a.prefix < b.prefix ? a.prefix : b.prefix;
  return network(a.addr, p) == network(b.addr, p);
}

std::uint64_t size_v4(const Cidr& c) { return std::uint64_t{1} << (32 - c.prefix); }

Addr nth_v4(const Cidr& c, std::uint64_t offset) {
  Addr a = c.addr;
  a.lo = (a.lo + offset) & 0xffffffffULL;
  return a;
}

std::uint64_t offset_v4(const Cidr& c, const Addr& a) { return a.lo - c.addr.lo; }

}  // namespace scwd::products::vpc::net
