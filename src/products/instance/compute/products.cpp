// Instance v1 product catalogue: /products/servers, /products/servers/availability and
// /products/volumes. Legacy conventions: map-shaped answers keyed by type name, paginated as map
// entries with page/per_page (default 50), X-Total-Count and Link headers.
#include <boost/json.hpp>

#include "core/app/context.hpp"
#include "core/paging/paging.hpp"
#include "products/instance/model.hpp"

namespace scwd::products::instance {

namespace {

constexpr Permission kRead{"Instances", Access::kRead, "instance_server_type"};
constexpr std::int64_t kGB = 1'000'000'000;

// The types of the zone, narrowed by the optional commercial_type filter (exact name).
std::vector<const ServerType*> zone_types(Context& ctx) {
  std::vector<const ServerType*> out;
  auto* wanted = ctx.query("commercial_type");
  for (auto* t : server_types(ctx.zone()))
    if (!wanted || wanted->empty() || t->name == *wanted) out.push_back(t);
  return out;
}

// Renders one page of map entries under `key` with the legacy headers.
template <typename Render>
Result<Response> map_page(Context& ctx, std::string_view key, std::string_view collection,
                          const std::vector<const ServerType*>& types, Render render) {
  auto page = paging::read_legacy(ctx.req);
  if (!page) return api::fail(page.error());
  json::object entries;
  auto total = static_cast<std::int64_t>(types.size());
  for (std::int64_t i = page->offset(); i < total && i < page->offset() + page->size; ++i) {
    auto* t = types[static_cast<std::size_t>(i)];
    entries[t->name] = render(*t);
  }
  auto res = Response::json(200, json::object{{key, std::move(entries)}});
  paging::legacy_headers(res, ctx.req, collection, *page, total);
  return res;
}

Result<Response> list_server_types(Context& ctx) {
  return map_page(ctx, "servers", "/products/servers", zone_types(ctx),
                  [](const ServerType& t) { return t.json; });
}

Result<Response> server_types_availability(Context& ctx) {
  return map_page(ctx, "servers", "/products/servers/availability", zone_types(ctx),
                  [](const ServerType& t) {
                    return json::object{{"availability", t.availability}};
                  });
}

json::object volume_type(std::string_view display_name, bool snapshot, std::int64_t min,
                         std::int64_t max) {
  return json::object{{"display_name", display_name},
                      {"capabilities", json::object{{"snapshot", snapshot}}},
                      {"constraints", json::object{{"min", min}, {"max", max}}}};
}

Result<Response> list_volume_types(Context& ctx) {
  auto page = paging::read_legacy(ctx.req);
  if (!page) return api::fail(page.error());
  // Instance-managed volume types; SBS volumes belong to the Block API.
  std::vector<std::pair<std::string_view, json::object>> all = {
      {"l_ssd", volume_type("Local SSD", true, kGB, 800 * kGB)},
      {"scratch", volume_type("Scratch Storage", false, kGB, 60'000 * kGB)},
  };
  json::object entries;
  auto total = static_cast<std::int64_t>(all.size());
  for (std::int64_t i = page->offset(); i < total && i < page->offset() + page->size; ++i) {
    auto& [name, v] = all[static_cast<std::size_t>(i)];
    entries[name] = v;
  }
  auto res = Response::json(200, json::object{{"volumes", std::move(entries)}});
  paging::legacy_headers(res, ctx.req, "/products/volumes", *page, total);
  return res;
}

class ProductsModule final : public app::Module {
 public:
  std::string_view name() const override { return "instance-products"; }
  void register_routes(app::Registry& r, app::Services&) override {
    r.add("GET", "/instance/v1/zones/{zone}/products/servers", kRead, list_server_types);
    r.add("GET", "/instance/v1/zones/{zone}/products/servers/availability", kRead,
          server_types_availability);
    r.add("GET", "/instance/v1/zones/{zone}/products/volumes", kRead, list_volume_types);
  }
};

}  // namespace

std::unique_ptr<app::Module> make_products_module() { return std::make_unique<ProductsModule>(); }

}  // namespace scwd::products::instance
