// What Elastic Metal servers accrue in the usage ledger (core/meter): an hourly offer its price
// per started hour from the order until the server is gone; a monthly offer its monthly price
// once for every month it is held. Prices are the offers' own (GET .../offers).
#include <cctype>
#include <cmath>

#include "core/meter/meter.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "products/baremetal/catalog.hpp"
#include "products/baremetal/servers.hpp"

namespace scwd::products::baremetal {

namespace {

std::vector<meter::Usage> server_usage(const store::Record& r) {
  const Offer* offer = find_offer(str_of(r.body, "offer_id"));
  if (!offer) return {};
  bool monthly = offer->subscription_period == "monthly";
  auto zone = to_upper(r.locality);
  std::string type = offer->name;
  for (auto& c : type)
    c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  meter::Sku sku{.sku = "/baremetal/" + type + (monthly ? "/monthly_" : "/hourly_") + r.locality,
                 .category = "BareMetal",
                 .product_name = offer->name,
                 .resource_name = offer->name + " - " + zone,
                 .unit = monthly ? "month" : "hour",
                 .unit_length = monthly ? 0 : kHour,
                 .per_period = monthly,
                 .price_nanos = static_cast<std::int64_t>(std::llround(offer->price * 1e9)),
                 .price_per = 1};
  return {{std::move(sku), 1}};
}

}  // namespace

void declare_meters() { meter::declare(std::string(kServerKind), server_usage); }

}  // namespace scwd::products::baremetal
