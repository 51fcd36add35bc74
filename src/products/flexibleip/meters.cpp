// What Flexible IPs accrue in the usage ledger (core/meter): an IPv4 address by the minute from
// creation until deleted (0.004 EUR per hour, scwd's table); IPv6 ones are free.
#include <cctype>

#include "core/meter/meter.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/flexibleip/flexibleip.hpp"

namespace scwd::products::flexibleip {

namespace {

constexpr std::int64_t kIpv4HourNanos = 4'000'000;

std::vector<meter::Usage> fip_usage(const store::Record& r) {
  if (bool_of(r.body, "is_ipv6")) return {};
  auto zone = to_upper(r.locality);
  meter::Sku sku{.sku = "/flexible-ip/ipv4/" + r.locality,
                 .category = "BareMetal",
                 .product_name = "Flexible IPv4",
                 .resource_name = "Flexible IPv4 - " + zone,
                 .unit = "ip_minute",
                 .unit_length = kMinute,
                 .price_nanos = kIpv4HourNanos,
                 .price_per = 60};
  return {{std::move(sku), 1}};
}

}  // namespace

void declare_meters() { meter::declare(std::string(kFlexibleIpKind), fip_usage); }

}  // namespace scwd::products::flexibleip
