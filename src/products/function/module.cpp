// Serverless Functions v1beta1 (regional): namespaces, crons, domains, tokens and triggers
// (serverless.cpp, shared with Containers), functions and runtimes (functions.cpp), and the
// gateway that runs deployed functions at their host names (gateway.cpp).
#include <filesystem>

#include "core/app/host_dispatch.hpp"
#include "products/function/function.hpp"

namespace scwd::products::function {

namespace {

class FunctionsModule final : public app::Module {
 public:
  std::string_view name() const override { return "function"; }
  void register_routes(app::Registry& r, app::Services& svc) override {
    std::filesystem::path data = svc.config.data_dir;
    if (data.empty()) {
      // In-process tests: a directory of their own.
      data = std::filesystem::temp_directory_path() /
             ("scwd-test-functions-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
      temp_ = data;
    }
    functions_ = std::make_unique<Functions>(svc, data / "functions");
    register_shared(r, svc, functions_flavor());
    functions_->register_functions(r);
    functions_->register_gateway(r);
    auto* fns = functions_.get();
    app::host_dispatch(svc).add(this, [fns](http::Request& req) -> std::optional<http::Staged> {
      fns->start();
      if (auto s = fns->serve_code(req)) return s;
      return fns->serve_function(req);
    });
  }
  ~FunctionsModule() override {
    functions_.reset();
    if (!temp_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(temp_, ec);
    }
  }

 private:
  std::unique_ptr<Functions> functions_;
  std::filesystem::path temp_;
};

}  // namespace

std::unique_ptr<app::Module> make_module() { return std::make_unique<FunctionsModule>(); }

}  // namespace scwd::products::function
