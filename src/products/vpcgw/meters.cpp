// What Public Gateways accrue in the usage ledger (core/meter): a gateway its type's price by
// the minute from creation until deleted, and a gateway's public IPv4 address by the minute while
// it is booked. Prices are scwd's table (the API publishes none).
#include <cctype>

#include "core/meter/meter.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/vpcgw/model.hpp"

namespace scwd::products::vpcgw {

namespace {

constexpr std::int64_t kIpv4HourNanos = 4'000'000;  // 0.004 EUR per hour

struct TypePrice {
  std::string_view type;
  std::int64_t hour_nanos;
};
constexpr TypePrice kPrices[] = {{"VPC-GW-S", 12'500'000},
                                 {"VPC-GW-M", 27'500'000},
                                 {"VPC-GW-L", 55'000'000},
                                 {"VPC-GW-XL", 110'000'000}};

std::vector<meter::Usage> gateway_usage(const store::Record& r) {
  auto type = str_of(r.body, "type");
  for (auto& p : kPrices) {
    if (p.type != type) continue;
    meter::Sku sku{.sku = "/network/vpc/public-gateway/" + to_lower(type) + "/" + r.locality,
                   .category = "Network",
                   .product_name = std::string(type),
                   .resource_name = "Public Gateway " + type + " - " + to_upper(r.locality),
                   .unit = "minute",
                   .unit_length = kMinute,
                   .price_nanos = p.hour_nanos,
                   .price_per = 60};
    return {{std::move(sku), 1}};
  }
  return {};
}

std::vector<meter::Usage> ip_usage(const store::Record& r) {
  meter::Sku sku{.sku = "/network/vpc/public-gateway/ip/" + r.locality,
                 .category = "Network",
                 .product_name = "Public Gateway IP",
                 .resource_name = "Public Gateway IP - " + to_upper(r.locality),
                 .unit = "ip_minute",
                 .unit_length = kMinute,
                 .price_nanos = kIpv4HourNanos,
                 .price_per = 60};
  return {{std::move(sku), 1}};
}

}  // namespace

void declare_meters() {
  meter::declare(std::string(kGatewayKind), gateway_usage);
  meter::declare(std::string(kIpKind), ip_usage);
}

}  // namespace scwd::products::vpcgw
