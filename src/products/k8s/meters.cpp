// What Kapsule accrues in the usage ledger (core/meter): a dedicated control plane its type's
// price by the minute until the cluster is gone (the shared control planes are free), and every
// pool node the price of the Instance it runs on, by the minute, from creation until removed.
#include <cctype>

#include "core/meter/meter.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/catalogue/server_types.hpp"
#include "products/instance/meters.hpp"
#include "products/k8s/catalog.hpp"
#include "products/k8s/model.hpp"

namespace scwd::products::k8s {

namespace {

// Dedicated control planes, EUR per hour (scwd's price table: the API publishes none).
struct ControlPlanePrice {
  std::string_view type;
  std::int64_t hour_nanos;
};
constexpr ControlPlanePrice kControlPlanes[] = {
    {"kapsule-dedicated-4", 90'000'000},     {"kapsule-dedicated-8", 210'000'000},
    {"kapsule-dedicated-16", 450'000'000},   {"multicloud-dedicated-4", 90'000'000},
    {"multicloud-dedicated-8", 210'000'000}, {"multicloud-dedicated-16", 450'000'000},
};

std::vector<meter::Usage> cluster_usage(const store::Record& r) {
  auto type = str_of(r.body, "type");
  for (auto& p : kControlPlanes) {
    if (p.type != type) continue;
    std::string product = "Kapsule-dedicated-" + type.substr(type.rfind('-') + 1);
    meter::Sku sku{.sku = "/k8s/control-plane/" + type + "/" + r.locality,
                   .category = "Containers",
                   .product_name = product,
                   .resource_name = "Kapsule Dedicated Control-Plane - " + to_upper(r.locality),
                   .unit = "minute",
                   .unit_length = kMinute,
                   .price_nanos = p.hour_nanos,
                   .price_per = 60};
    return {{std::move(sku), 1}};
  }
  return {};
}

std::vector<meter::Usage> node_usage(const store::Record& r) {
  auto zone = str_of(r.body, "zone");
  auto type = instance_type_of(zone, str_of(r.body, "node_type"));
  auto* t = type.empty() ? nullptr : catalogue::find_server_type(zone, type);
  if (!t) return {};  // external nodes run elsewhere
  return {{instance::compute_sku(*t, zone), 1}};
}

}  // namespace

void declare_meters() {
  meter::declare(std::string(kClusterKind), cluster_usage);
  meter::declare(std::string(kNodeKind), node_usage);
}

}  // namespace scwd::products::k8s
