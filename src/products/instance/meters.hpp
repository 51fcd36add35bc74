// Instance's declarations to the usage ledger, and the compute SKU other products bill their
// servers by (a Kapsule node is billed as the Instance it runs on).
#pragma once

#include <string_view>

#include "core/meter/meter.hpp"
#include "products/catalogue/server_types.hpp"

namespace scwd::products::instance {

// "/compute/dev1_s/run_par1": a commercial type's minutes in a zone, at its hourly price.
meter::Sku compute_sku(const catalogue::ServerType& t, std::string_view zone);

// Declares the meters of servers, IPs and snapshots (the Instance module calls it).
void declare_meters();

}  // namespace scwd::products::instance
