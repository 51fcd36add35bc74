#include "core/admin/admin.hpp"

#include <boost/json.hpp>

namespace scwd::admin {

namespace json = boost::json;
using api::Result;
using app::Access;
using app::Context;
using app::Permission;
using http::Response;

namespace {

constexpr Permission kPublic{"public", Access::kRead, "", true};
constexpr Permission kAdmin{"scwd_admin", Access::kFull, "scwd_admin"};

json::object clock_body(Context& ctx) {
  return json::object{{"now", format_time(ctx.now())},
                      {"offset_seconds", static_cast<double>(ctx.svc.clock.offset()) / 1e6},
                      {"lifecycle_speed", ctx.svc.lifecycle.speed().name()}};
}

class AdminModule final : public app::Module {
 public:
  explicit AdminModule(app::App& app) : app_(app) {}
  std::string_view name() const override { return "admin"; }

  void register_routes(app::Registry& r, app::Services&) override {
    r.add("GET", "/_scwd/health", kPublic, [this](Context& ctx) -> Result<Response> {
      json::array products;
      for (auto& p : app_.products_served()) products.emplace_back(p);
      return Response::json(
          200, json::object{{"status", "ok"},
                            {"version", ctx.svc.config.version},
                            {"uptime_seconds", (ctx.now() - app_.started_at()) / 1000000},
                            {"store", ctx.svc.store.backend()},
                            {"products", std::move(products)},
                            {"operations_served", app_.operations_served()},
                            {"operations_published", app_.operations_published()}});
    });
    r.add("GET", "/_scwd/routes", kAdmin, [this](Context&) -> Result<Response> {
      json::array out;
      for (auto& route : app_.routes()) {
        out.push_back(json::object{{"method", route.spec.method},
                                   {"path", route.spec.path},
                                   {"operation", route.spec.operation},
                                   {"implemented", route.implemented},
                                   {"published", route.op != nullptr}});
      }
      return Response::json(200, json::object{{"routes", std::move(out)}});
    });
    // The virtual clock: tests advance it instead of sleeping through transient states.
    r.add("GET", "/_scwd/clock", kAdmin,
          [](Context& ctx) -> Result<Response> { return Response::json(200, clock_body(ctx)); });
    r.add("POST", "/_scwd/clock/advance", kAdmin, [](Context& ctx) -> Result<Response> {
      auto it = ctx.body.find("seconds");
      if (it == ctx.body.end() || !it->value().is_number())
        return api::fail(api::ApiError::invalid_argument("seconds", api::ArgReason::kRequired,
                                                         "a number of seconds is required"));
      double seconds = it->value().to_number<double>();
      if (!(seconds >= 0) || seconds > 10.0 * 365 * 86400)
        return api::fail(api::ApiError::invalid_argument("seconds", api::ArgReason::kConstraint,
                                                         "must be between 0 and ten years"));
      ctx.svc.clock.advance(static_cast<Micros>(seconds * 1e6));
      ctx.svc.lifecycle.settle_due(ctx.svc.store);
      return Response::json(200, clock_body(ctx));
    });
    r.add("GET", "/_scwd/whoami", kAdmin, [](Context& ctx) -> Result<Response> {
      return Response::json(200, json::object{{"access_key", ctx.principal.access_key},
                                              {"bearer_type", ctx.principal.bearer_type},
                                              {"bearer_id", ctx.principal.bearer_id},
                                              {"organization_id", ctx.principal.organization_id},
                                              {"owner", ctx.principal.owner}});
    });
  }

 private:
  app::App& app_;
};

}  // namespace

std::unique_ptr<app::Module> make_module(app::App& app) {
  return std::make_unique<AdminModule>(app);
}

}  // namespace scwd::admin
