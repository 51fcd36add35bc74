// Instance commercial types (the /products/servers catalogue): families DEV1, GP1, PRO2, PLAY2,
// POP2, ENT1, STARDUST1, COPARM1, BASIC, GPU..., with their sizes, constraints and prices, per
// zone. Static data shared by Instance and the Product Catalog, built once.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace scwd::catalogue {

struct ServerType {
  std::string name;  // "DEV1-S"
  std::string arch;  // "x86_64" | "arm64"
  int ncpus = 0;
  std::int64_t ram = 0;  // bytes
  int gpu = 0;
  double hourly_price = 0;
  double monthly_price = 0;
  std::int64_t local_min = 0;    // volumes_constraint: total local (l_ssd) storage bounds, bytes
  std::int64_t local_max = 0;    // 0/0: no local storage (SBS only)
  std::int64_t scratch_max = 0;  // scratch_storage_max_size, 0 when none
  bool block_storage = true;
  bool end_of_service = false;
  std::string availability = "available";  // "available" | "scarce" | "shortage"
  boost::json::object json;                // the full /products/servers entry for this type
};

// The types sold in a zone, in catalogue order.
const std::vector<const ServerType*>& server_types(std::string_view zone);
const ServerType* find_server_type(std::string_view zone, std::string_view name);

// The SKU a type's running minutes are sold and billed as in a zone: "/compute/dev1_s/run_par1"
// (the first zones of Paris and Amsterdam keep their datacenter shorthand).
std::string compute_sku(std::string_view type, std::string_view zone);

}  // namespace scwd::catalogue
