// What Instance resources accrue in the usage ledger (core/meter): a server its commercial type's
// price by the minute while it holds a hypervisor (from power-on until it is stopped; a server
// stopped in place keeps its place and is billed), an IPv4 address by the minute while it is
// booked, a snapshot of a local volume by its size. Local volumes are part of the commercial
// type's price; IPv6 prefixes are free.
#include "products/instance/meters.hpp"

#include <cctype>
#include <cmath>

#include "core/meter/meter.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/instance/model.hpp"

namespace scwd::products::instance {

namespace {

// A public IPv4 address: 0.004 EUR per hour.
constexpr std::int64_t kIpv4HourNanos = 4'000'000;
// A snapshot of a local volume: 0.000044 EUR per GB per hour (as Block's snapshots).
constexpr std::int64_t kSnapshotGbHourNanos = 44'000;

std::int64_t gigabytes(std::int64_t bytes) { return (bytes + 999'999'999) / 1'000'000'000; }

std::vector<meter::Usage> server_usage(const store::Record& r) {
  if (r.state != "starting" && r.state != "running" && r.state != "stopping" &&
      r.state != "stopped in place")
    return {};
  auto type = str_of(r.body, "commercial_type");
  auto* t = find_server_type(r.locality, type);
  if (!t) return {};
  return {{compute_sku(*t, r.locality), 1}};
}

std::vector<meter::Usage> ip_usage(const store::Record& r) {
  if (str_of(r.body, "type") == "routed_ipv6") return {};
  auto* d = r.body.if_contains("dynamic");
  bool dynamic = d && d->is_bool() && d->as_bool();
  meter::Sku sku{.sku = dynamic ? "/ip/dynamic" : "/ip/flexible/" + r.locality,
                 .category = "Compute",
                 .product_name = dynamic ? "Dynamic IP" : "Flexible IP",
                 .resource_name = dynamic ? "Dynamic IP" : "Flexible IP - " + to_upper(r.locality),
                 .unit = "ip_minute",
                 .unit_length = kMinute,
                 .price_nanos = kIpv4HourNanos,
                 .price_per = 60};
  return {{std::move(sku), 1}};
}

std::vector<meter::Usage> snapshot_usage(const store::Record& r) {
  auto gb = gigabytes(int_of(r.body, "size"));
  if (gb <= 0) return {};
  meter::Sku sku{.sku = "/storage/instance/snapshot/" + r.locality,
                 .category = "Storage",
                 .product_name = "Instance snapshot",
                 .resource_name = "Local volume snapshot - " + to_upper(r.locality),
                 .unit = "gigabyte_hour",
                 .unit_length = kHour,
                 .price_nanos = kSnapshotGbHourNanos,
                 .price_per = 1};
  return {{std::move(sku), gb}};
}

}  // namespace

meter::Sku compute_sku(const ServerType& t, std::string_view zone) {
  return meter::Sku{.sku = catalogue::compute_sku(t.name, zone),
                    .category = "Compute",
                    .product_name = t.name,
                    .resource_name = t.name + " - " + to_upper(zone),
                    .unit = "minute",
                    .unit_length = kMinute,
                    .price_nanos = static_cast<std::int64_t>(std::llround(t.hourly_price * 1e9)),
                    .price_per = 60};
}

void declare_meters() {
  meter::declare(std::string(kServerKind), server_usage);
  meter::declare(std::string(kIpKind), ip_usage);
  meter::declare(std::string(kSnapshotKind), snapshot_usage);
}

}  // namespace scwd::products::instance
