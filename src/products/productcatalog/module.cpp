// Product Catalog v2alpha1 (global, public): the priced products of the Scaleway catalogue.
// Instance products are derived from the Instance commercial-type catalogue, one per type and
// zone, so prices and hardware always agree with /instance/v1/.../products/servers. Other product
// types (Elastic Metal, Apple silicon, Dedibox, storage) have no catalogue in scwd yet: filtering
// on them lists nothing.
#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>

#include "core/app/context.hpp"
#include "core/paging/paging.hpp"
#include "core/router/locality.hpp"
#include "core/util/json.hpp"
#include "core/util/money.hpp"
#include "products/catalogue/server_types.hpp"
#include "products/prelude.hpp"

namespace scwd::products::productcatalog {

namespace {

// The catalogue is public: the real API answers without a token.
constexpr Permission kRead{"ProductCatalog", Access::kRead, "product", true};

// The product types and statuses of the newest clients (a superset of older ones' enums).
constexpr std::string_view kProductTypes[] = {"unknown_product_type",
                                              "instance",
                                              "apple_silicon",
                                              "elastic_metal",
                                              "dedibox",
                                              "block_storage",
                                              "object_storage",
                                              "managed_inference",
                                              "generative_apis",
                                              "load_balancer",
                                              "secret_manager",
                                              "key_manager",
                                              "managed_redis_database",
                                              "kubernetes",
                                              "managed_relational_database",
                                              "managed_mongodb",
                                              "serverless_functions",
                                              "serverless_containers",
                                              "serverless_jobs",
                                              "apache_kafka",
                                              "open_search",
                                              "instance_local_ssd_snapshot",
                                              "instance_local_ssd_storage"};
constexpr std::string_view kStatuses[] = {"unknown_status",
                                          "public_beta",
                                          "preview",
                                          "general_availability",
                                          "end_of_new_features",
                                          "end_of_growth",
                                          "end_of_deployment",
                                          "end_of_support",
                                          "end_of_sale",
                                          "end_of_life",
                                          "retired"};

// Whether the vCPUs are shared with other tenants, where the catalogue says so.
enum class Sharing { kUnstated, kShared, kDedicated };

// Families, by name prefix: the range the catalogue files them under, their CPU model and
// whether it is shared.
struct Family {
  std::string_view prefix;
  std::string_view range;
  std::string_view cpu;
  Sharing sharing = Sharing::kUnstated;
};
constexpr Family kFamilies[] = {
    {"DEV1-", "Development", "AMD EPYC\u2122 7281 (2.1 GHz) or equivalent", Sharing::kShared},
    {"STARDUST1-", "Development", "AMD EPYC\u2122 7281 (2.1 GHz) or equivalent", Sharing::kShared},
    {"PLAY2-", "Development", "AMD EPYC\u2122 7543 (2.8 GHz)", Sharing::kShared},
    {"GP1-", "General Purpose", "AMD EPYC\u2122 7281 (2.1 GHz) or equivalent", Sharing::kShared},
    {"ENT1-", "General Purpose", "AMD EPYC\u2122 7281 (2.1 GHz) or equivalent"},
    {"PRO2-", "General Purpose", "AMD EPYC\u2122 7543 (2.8 GHz)", Sharing::kShared},
    {"POP2-HM-", "Specialized", "AMD EPYC\u2122 7543 (2.8 GHz)", Sharing::kDedicated},
    {"POP2-HC-", "Specialized", "AMD EPYC\u2122 7543 (2.8 GHz)", Sharing::kDedicated},
    {"POP2-HN-", "Specialized", "AMD EPYC\u2122 7543 (2.8 GHz)", Sharing::kDedicated},
    {"POP2-", "General Purpose", "AMD EPYC\u2122 7543 (2.8 GHz)"},
    {"BASIC3-", "General Purpose", "AMD EPYC\u2122 9555P (3.2 GHz)"},
    {"BASIC2-", "General Purpose", "Ampere Altra Max (3.0 GHz)"},
    {"COPARM1-", "General Purpose", "Ampere Altra Max (3.0 GHz)"},
    {"RENDER-", "GPU", "Intel Xeon Gold 6148 (2.4 GHz)", Sharing::kDedicated},
    {"GPU-3070-", "GPU", "AMD EPYC\u2122 7302 (3.0 GHz)", Sharing::kDedicated},
    {"H100-SXM-", "GPU", "Intel Xeon Platinum 8452Y (2.0 GHz)", Sharing::kDedicated},
    {"H100-", "GPU", "AMD EPYC\u2122 9334 (2.7 GHz)", Sharing::kDedicated},
    {"L40S-", "GPU", "AMD EPYC\u2122 7413 (2.65 GHz)", Sharing::kDedicated},
    {"L4-", "GPU", "AMD EPYC 7413 (2.65 GHz)", Sharing::kDedicated},
    {"B300-", "GPU", "Intel Xeon 6 6960P (2.7 GHz)", Sharing::kDedicated},
};

const Family& family_of(std::string_view type) {
  for (auto& f : kFamilies)
    if (type.starts_with(f.prefix)) return f;
  static constexpr Family kOther{"", "General Purpose", "", Sharing::kUnstated};
  return kOther;
}

// The large GPU types are sold by the minute, the others by the hour.
bool by_minute(std::string_view type) {
  return type.starts_with("H100-") || type.starts_with("L4-") || type.starts_with("L40S-") ||
         type.starts_with("B300-");
}

// A price as the catalogue prints it: up to six decimals, trailing zeros dropped.
std::string price_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", v);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

json::object money(double eur) { return money_json(eur); }

std::string gib_text(std::int64_t bytes) { return std::to_string(bytes >> 30) + " GiB"; }

std::string_view status_of(const catalogue::ServerType& t) {
  return t.end_of_service ? "end_of_sale" : "general_availability";
}

json::object render_instance(const catalogue::ServerType& t, std::string_view zone) {
  const auto& fam = family_of(t.name);
  bool minute = by_minute(t.name);
  double price = minute ? t.hourly_price / 60 : t.hourly_price;
  std::string unit = minute ? "minute" : "hour";
  std::string arch = t.arch == "arm64" ? "arm64" : "x64";
  std::string variant = t.name + " - " + std::string(zone);

  json::object cpu{
      {"description", std::string(fam.cpu) + ", " + arch + ", vCPUs: " + std::to_string(t.ncpus)},
      {"arch", arch},
      {"type", fam.cpu},
      {"virtual", json::object{{"count", t.ncpus}}},
      {"threads", t.ncpus}};
  if (fam.sharing != Sharing::kUnstated) cpu["shared"] = fam.sharing == Sharing::kShared;
  std::string storage = t.local_max > 0     ? "Dynamic local: 1 x SSD, Block"
                        : t.scratch_max > 0 ? "Block, Scratch"
                                            : "Block";
  std::int64_t internal = 0, internet = 0;
  if (auto* n = t.json.if_contains("network"); n && n->is_object()) {
    internal = int_of(n->as_object(), "sum_internal_bandwidth");
    internet = int_of(n->as_object(), "sum_internet_bandwidth");
  }
  auto mbps = [](std::int64_t bps) { return std::to_string(bps / 1'000'000) + " Mb/s"; };
  json::object hardware{{"cpu", std::move(cpu)},
                        {"ram", json::object{{"description", gib_text(t.ram)},
                                             {"size", t.ram},
                                             {"type", ""},
                                             {"ecc_type", "standard"}}},
                        {"storage", json::object{{"description", storage}, {"total", 0}}},
                        {"network", json::object{{"description", "Internal: " + mbps(internal) +
                                                                     ", Public: " + mbps(internet)},
                                                 {"internal_bandwidth", internal},
                                                 {"public_bandwidth", internet},
                                                 {"max_public_bandwidth", internet}}}};
  if (t.gpu > 0) {
    std::string model;
    if (auto* g = t.json.if_contains("gpu_info"); g && g->is_object())
      if (auto* m = g->as_object().if_contains("gpu_name"); m && m->is_string())
        model = std::string(m->as_string());
    hardware["gpu"] = json::object{
        {"description", std::to_string(t.gpu) + " x " + model}, {"count", t.gpu}, {"type", model}};
  }
  return json::object{
      {"sku", catalogue::compute_sku(t.name, zone)},
      {"service_category", "Compute"},
      {"product_category", "Instance"},
      {"product", t.name},
      {"variant", variant},
      {"description", variant + " (" + price_text(price) + "\u20ac per " + unit + ")"},
      {"locality", json::object{{"zone", zone}}},
      {"price", json::object{{"retail_price", money(price)}}},
      {"properties", json::object{{"hardware", std::move(hardware)},
                                  {"instance", json::object{{"range", fam.range},
                                                            {"offer_id", t.name},
                                                            {"recommended_replacement_offer_ids",
                                                             json::array{}}}}}},
      {"unit_of_measure", json::object{{"unit", unit}, {"size", 1}}},
      {"status", status_of(t)},
      {"badges", json::array{}}};
}

bool wanted(const std::vector<std::string>& filter, std::string_view v) {
  return filter.empty() || std::find(filter.begin(), filter.end(), v) != filter.end();
}

Result<Response> list_products(Context& ctx) {
  auto page = paging::read(ctx.req);
  if (!page) return api::fail(page.error());
  // Checked by the core against the route's declared fields.
  auto types = ctx.query_all("product_types", true);
  auto statuses = ctx.query_all("status", true);
  auto api_ids = ctx.query_all("api_ids", true);

  // Locality: at most one of global, region, zone, datacenter.
  auto zone = ctx.query_opt("zone"), region = ctx.query_opt("region"),
       datacenter = ctx.query_opt("datacenter"), global = ctx.query_opt("global");
  if (int(zone.has_value()) + region.has_value() + datacenter.has_value() + global.has_value() > 1)
    return api::fail(ApiError::constraint(
        "zone", "at most one of global, region, zone and datacenter may be set"));
  if (zone && !locality::zone_format_ok(*zone))
    return api::fail(
        ApiError::invalid_argument("zone", ArgReason::kFormat, "value must be a valid zone"));
  if (region && !locality::region_format_ok(*region))
    return api::fail(
        ApiError::invalid_argument("region", ArgReason::kFormat, "value must be a valid region"));

  json::array items;
  std::int64_t total = 0;
  // Instance products are zonal: a global or datacenter filter selects none of them.
  bool instance = wanted(types, "instance") && !datacenter && !(global && *global == "true");
  if (instance) {
    for (auto z : locality::zones()) {
      if (zone && *zone != z) continue;
      if (region && *region != locality::region_of_zone(z)) continue;
      for (const auto* t : catalogue::server_types(z)) {
        if (!wanted(api_ids, t->name)) continue;
        if (!wanted(statuses, status_of(*t))) continue;
        if (total >= page->offset() && total < page->offset() + page->size)
          items.push_back(render_instance(*t, z));
        ++total;
      }
    }
  }
  return Response::json(200, paging::list_body("products", std::move(items), total));
}

class ProductCatalogModule final : public app::Module {
 public:
  std::string_view name() const override { return "product-catalog"; }
  void register_routes(app::Registry& r, app::Services&) override {
    r.add("GET", "/product-catalog/v2alpha1/public-catalog/products", kRead, list_products)
        .not_refs({"api_ids"})  // offer names, not resource ids
        .query({{"product_types", sdk::FieldKind::kEnum, true, kProductTypes, {}},
                {"status", sdk::FieldKind::kEnum, true, kStatuses, {}}});
  }
};

}  // namespace

std::unique_ptr<app::Module> make_module() { return std::make_unique<ProductCatalogModule>(); }

}  // namespace scwd::products::productcatalog
