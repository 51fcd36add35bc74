// What Messaging and Queuing accrues in the usage ledger (core/meter): every request to the SQS
// and SNS endpoints that writes, counted in its own transaction (0.40 EUR per million, scwd's
// table).
#include <cctype>

#include "core/meter/meter.hpp"
#include "core/util/ids.hpp"
#include "products/mnq/mnq.hpp"

namespace scwd::products::mnq {

void count_request(store::Tx& tx, std::string_view organization_id, std::string_view project_id,
                   std::string_view region, std::string_view service, Micros at) {
  auto name = to_upper(service);
  auto where = to_upper(region);
  meter::Sku sku{.sku = "/mnq/" + std::string(service) + "/requests/" + std::string(region),
                 .category = "Managed Services",
                 .product_name = "Messaging " + name,
                 .resource_name = "Messaging " + name + " requests - " + where,
                 .unit = "request",
                 .price_nanos = 400'000'000,
                 .price_per = 1'000'000};
  meter::count(tx, organization_id, project_id, region, sku, 1, at);
}

}  // namespace scwd::products::mnq
