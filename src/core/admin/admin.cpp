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
