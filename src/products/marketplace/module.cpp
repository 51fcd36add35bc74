// Marketplace v2 (global, public): categories, images, versions and local images, served from
// the static catalogue of catalog.cpp. Modern conventions: page/page_size (default 20, at most
// 100), total_count in the body, bare objects.
#include <algorithm>
#include <boost/json.hpp>
#include <functional>

#include "core/app/context.hpp"
#include "core/codec/validate.hpp"
#include "core/paging/paging.hpp"
#include "core/router/locality.hpp"
#include "core/util/ids.hpp"
#include "products/marketplace/catalog.hpp"
#include "products/prelude.hpp"

namespace scwd::products::marketplace {

namespace {

// The catalogue is public: the real API answers without a token.
constexpr Permission kRead{"Marketplace", Access::kRead, "image", true};

// Resource names of not_found answers ("MarketplaceImage" is the observed one).
constexpr std::string_view kImageResource = "MarketplaceImage";
constexpr std::string_view kVersionResource = "MarketplaceVersion";
constexpr std::string_view kLocalImageResource = "MarketplaceLocalImage";
constexpr std::string_view kCategoryResource = "MarketplaceCategory";

json::value time_or_null(Micros t) {
  if (t == 0) return nullptr;
  return json::value(format_time(t));
}

json::object render(const Category& c) {
  return json::object{{"id", c.id}, {"name", c.name}, {"description", c.description}};
}

json::object render(const Image& i) {
  json::array cats;
  for (auto& c : i.categories) cats.emplace_back(c);
  return json::object{{"id", i.id},
                      {"name", i.name},
                      {"label", i.label},
                      {"description", i.description},
                      {"logo", i.logo},
                      {"categories", std::move(cats)},
                      {"valid_until", time_or_null(i.valid_until)},
                      {"created_at", time_or_null(i.created_at)},
                      {"updated_at", time_or_null(i.updated_at)}};
}

json::object render(const Version& v) {
  return json::object{{"id", v.id},
                      {"name", v.name},
                      {"created_at", time_or_null(v.created_at)},
                      {"updated_at", time_or_null(v.updated_at)},
                      {"published_at", time_or_null(v.published_at)}};
}

json::object render(const LocalImage& l) {
  json::array types;
  for (auto& t : l.compatible_commercial_types) types.emplace_back(t);
  return json::object{{"id", l.id},       {"arch", l.arch},
                      {"zone", l.zone},   {"compatible_commercial_types", std::move(types)},
                      {"label", l.label}, {"type", l.type}};
}

Result<std::string> path_uuid(Context& ctx, std::string_view name) {
  return codec::uuid_arg(name, ctx.param(name));
}
Result<std::string> query_uuid(Context& ctx, std::string_view name) {
  return codec::optional_uuid_arg(name, ctx.query(name));
}
// One page of an in-memory list, rendered.
template <typename T>
Response page_of(std::string_view key, const std::vector<const T*>& items, const paging::Page& p) {
  return Response::json(200,
                        paging::page_body(key, items, p, [](const T* x) { return render(*x); }));
}

std::string query_or(Context& ctx, std::string_view name, std::string_view def = {}) {
  auto* v = ctx.query(name);
  return v && !v->empty() ? *v : std::string(def);
}

// --- categories ---

Result<Response> list_categories(Context& ctx) {
  auto page = paging::read(ctx.req);
  if (!page) return api::fail(page.error());
  std::vector<const Category*> items;
  for (auto& c : categories()) items.push_back(&c);
  return page_of("categories", items, *page);
}

Result<Response> get_category(Context& ctx) {
  auto id = path_uuid(ctx, "category_id");
  if (!id) return api::fail(id.error());
  auto* c = find_category(*id);
  if (!c) return api::fail(ApiError::not_found(kCategoryResource, *id));
  return Response::json(200, render(*c));
}

// --- images ---

Result<Response> list_images(Context& ctx) {
  auto page = paging::read(ctx.req);
  if (!page) return api::fail(page.error());
  auto order = query_or(ctx, "order_by", "name_asc");
  auto arch = query_or(ctx, "arch");
  auto category = query_or(ctx, "category");
  bool include_eol = ctx.query_bool("include_eol").value_or(false);
  auto now = ctx.now();
  std::vector<const Image*> items;
  for (auto& img : images()) {
    if (!include_eol && img.valid_until != 0 && img.valid_until <= now) continue;
    if (!category.empty() &&
        std::none_of(img.categories.begin(), img.categories.end(),
                     [&](const std::string& c) { return http::iequals(c, category); }))
      continue;
    if (!arch.empty()) {
      auto local = latest_local_images(img.id);
      if (std::none_of(local.begin(), local.end(),
                       [&](const LocalImage* l) { return l->arch == arch; }))
        continue;
    }
    items.push_back(&img);
  }
  std::function<bool(const Image*, const Image*)> less;
  bool desc = order.ends_with("_desc");
  if (order.starts_with("created_at"))
    less = [](const Image* a, const Image* b) {
      return std::tie(a->created_at, a->id) < std::tie(b->created_at, b->id);
    };
  else if (order.starts_with("updated_at"))
    less = [](const Image* a, const Image* b) {
      return std::tie(a->updated_at, a->id) < std::tie(b->updated_at, b->id);
    };
  else
    less = [](const Image* a, const Image* b) {
      return std::tie(a->name, a->id) < std::tie(b->name, b->id);
    };
  std::stable_sort(items.begin(), items.end(),
                   [&](const Image* a, const Image* b) { return desc ? less(b, a) : less(a, b); });
  return page_of("images", items, *page);
}

Result<Response> get_image(Context& ctx) {
  auto id = path_uuid(ctx, "image_id");
  if (!id) return api::fail(id.error());
  auto* img = find_image(*id);
  if (!img) return api::fail(ApiError::not_found(kImageResource, *id));
  return Response::json(200, render(*img));
}

// --- versions ---

Result<Response> list_versions(Context& ctx) {
  auto page = paging::read(ctx.req);
  if (!page) return api::fail(page.error());
  auto image_id = query_uuid(ctx, "image_id");
  if (!image_id) return api::fail(image_id.error());
  if (image_id->empty())
    return api::fail(
        ApiError::invalid_argument("image_id", ArgReason::kRequired, "required key not provided"));
  if (!find_image(*image_id)) return api::fail(ApiError::not_found(kImageResource, *image_id));
  bool desc = query_or(ctx, "order_by", "created_at_asc") == "created_at_desc";
  std::vector<const Version*> items;
  for (auto& v : versions())
    if (v.image_id == *image_id) items.push_back(&v);
  std::stable_sort(items.begin(), items.end(), [&](const Version* a, const Version* b) {
    auto ka = std::tie(a->created_at, a->id), kb = std::tie(b->created_at, b->id);
    return desc ? kb < ka : ka < kb;
  });
  return page_of("versions", items, *page);
}

Result<Response> get_version(Context& ctx) {
  auto id = path_uuid(ctx, "version_id");
  if (!id) return api::fail(id.error());
  auto* v = find_version(*id);
  if (!v) return api::fail(ApiError::not_found(kVersionResource, *id));
  return Response::json(200, render(*v));
}

// --- local images ---

int type_rank(std::string_view type) {
  return type == "instance_local" ? 1 : type == "instance_sbs" ? 2 : 0;
}

int zone_rank(std::string_view zone) {
  auto zones = locality::zones();
  auto it = std::find(zones.begin(), zones.end(), zone);
  return static_cast<int>(it - zones.begin());
}

Result<Response> list_local_images(Context& ctx) {
  auto page = paging::read(ctx.req);
  if (!page) return api::fail(page.error());
  auto image_id = query_uuid(ctx, "image_id");
  if (!image_id) return api::fail(image_id.error());
  auto version_id = query_uuid(ctx, "version_id");
  if (!version_id) return api::fail(version_id.error());
  auto label = query_or(ctx, "image_label");
  int scopes = !image_id->empty() + !version_id->empty() + !label.empty();
  if (scopes > 1)
    return api::fail(ApiError::constraint(
        "image_id", "only one of image_id, version_id and image_label may be set"));
  auto zone = query_or(ctx, "zone");
  if (!zone.empty() && !locality::zone_format_ok(zone))
    return api::fail(
        ApiError::invalid_argument("zone", ArgReason::kFormat, "value must be a valid zone"));
  auto arch = query_or(ctx, "arch");
  auto type = query_or(ctx, "type", "unknown_type");
  auto order = query_or(ctx, "order_by", "type_asc");

  std::vector<const LocalImage*> candidates;
  if (!version_id->empty()) {
    if (!find_version(*version_id))
      return api::fail(ApiError::not_found(kVersionResource, *version_id));
    candidates = version_local_images(*version_id);
  } else if (!image_id->empty()) {
    if (!find_image(*image_id)) return api::fail(ApiError::not_found(kImageResource, *image_id));
    candidates = latest_local_images(*image_id);
  } else if (!label.empty()) {
    auto* img = find_image_by_label(label);
    if (!img) return api::fail(ApiError::not_found(kImageResource, label));
    candidates = latest_local_images(img->id);
  } else {
    for (auto& img : images())
      for (auto* l : latest_local_images(img.id)) candidates.push_back(l);
  }
  std::vector<const LocalImage*> items;
  for (auto* l : candidates) {
    if (!zone.empty() && l->zone != zone) continue;
    if (!arch.empty() && l->arch != arch) continue;
    if (type != "unknown_type" && l->type != type) continue;
    items.push_back(l);
  }
  bool desc = order.ends_with("_desc");
  bool by_type = order.starts_with("type");
  std::stable_sort(items.begin(), items.end(), [&](const LocalImage* a, const LocalImage* b) {
    auto key = [&](const LocalImage* l) {
      return std::make_tuple(by_type ? type_rank(l->type) : 0, l->created_at, zone_rank(l->zone),
                             l->arch, l->id);
    };
    return desc ? key(b) < key(a) : key(a) < key(b);
  });
  return page_of("local_images", items, *page);
}

Result<Response> get_local_image(Context& ctx) {
  auto id = path_uuid(ctx, "local_image_id");
  if (!id) return api::fail(id.error());
  auto* l = find_local_image(*id);
  if (!l) return api::fail(ApiError::not_found(kLocalImageResource, *id));
  return Response::json(200, render(*l));
}

class MarketplaceModule final : public app::Module {
 public:
  std::string_view name() const override { return "marketplace"; }
  void register_routes(app::Registry& r, app::Services&) override {
    r.add("GET", "/marketplace/v2/categories", kRead, list_categories);
    r.add("GET", "/marketplace/v2/categories/{category_id}", kRead, get_category);
    r.add("GET", "/marketplace/v2/images", kRead, list_images);
    r.add("GET", "/marketplace/v2/images/{image_id}", kRead, get_image);
    r.add("GET", "/marketplace/v2/versions", kRead, list_versions)
        .not_refs({"image_id"});  // filters of the public catalogue
    r.add("GET", "/marketplace/v2/versions/{version_id}", kRead, get_version);
    r.add("GET", "/marketplace/v2/local-images", kRead, list_local_images)
        .not_refs({"image_id", "version_id"});
    r.add("GET", "/marketplace/v2/local-images/{local_image_id}", kRead, get_local_image);
  }
};

}  // namespace

std::unique_ptr<app::Module> make_module() { return std::make_unique<MarketplaceModule>(); }

}  // namespace scwd::products::marketplace
