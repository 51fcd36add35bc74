// What Serverless Functions accrue in the usage ledger (core/meter): each invocation one request
// (0.15 EUR per million) and its memory for as long as it ran (1.20 EUR per 100,000 GB-s, counted
// in MB-ms), written once the invocation ends. Containers accrue nothing: their images are not
// run here.
#include <cctype>
#include <cmath>

#include <spdlog/spdlog.h>

#include "core/meter/meter.hpp"
#include "core/util/ids.hpp"
#include "products/function/function.hpp"
#include "products/function/runner.hpp"

namespace scwd::products::function {

void count_usage(app::Services& svc, const Deployment& d, double duration_ms) {
  if (d.organization_id.empty()) return;
  meter::Sku requests{.sku = "/serverless/functions/requests/" + d.region,
                      .category = "Serverless",
                      .product_name = "Serverless Functions requests",
                      .resource_name = "Serverless Functions requests - " + to_upper(d.region),
                      .unit = "request",
                      .price_nanos = 150'000'000,
                      .price_per = 1'000'000};
  meter::Sku memory{.sku = "/serverless/functions/memory/" + d.region,
                    .category = "Serverless",
                    .product_name = "Serverless Functions memory",
                    .resource_name = "Serverless Functions memory - " + to_upper(d.region),
                    .unit = "megabyte_ms",
                    .price_nanos = 1'200'000'000,
                    .price_per = 100'000LL * 1024 * 1000};
  auto mb_ms = static_cast<std::int64_t>(d.memory_mb) *
               std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(duration_ms)));
  Micros now = svc.clock.now();
  try {
    svc.store.write([&](store::Tx& tx) {
      meter::count(tx, d.organization_id, d.project_id, d.region, requests, 1, now);
      meter::count(tx, d.organization_id, d.project_id, d.region, memory, mb_ms, now);
      return true;
    });
  } catch (const std::exception& e) {
    spdlog::warn("function {}: its usage was not recorded: {}", d.function_id, e.what());
  }
}

}  // namespace scwd::products::function
