// Test support: a fresh temporary data directory with a bootstrapped SQLite store, and an App
// built from every registered product, driven in-process with our own Request type.
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "core/admin/admin.hpp"
#include "core/app/app.hpp"
#include "core/app/owner.hpp"
#include "core/auth/bootstrap.hpp"
#include "core/store/sqlite/sqlite_store.hpp"
#include "core/util/ids.hpp"
#include "products/products.hpp"
#include "testing/temp_dir.hpp"

namespace scwd::testing {

// A fresh data directory, a bootstrapped store and an App over it without any module yet: what
// TestApp builds on, and the base of the core's tests that serve only modules of their own.
class BareApp {
 protected:
  // Opens the store, bootstraps the first organization and builds the App on config_ (whose
  // other fields the caller may set first).
  void open() {
    store_ = store::open_sqlite({(dir_.path() / "scwd.db").string()});
    identity_ = auth::bootstrap(*store_, {}, clock_.now()).identity;
    config_.version = "test";
    app_ = std::make_unique<app::App>(*store_, clock_, config_);
  }

  TempDir dir_;
  Clock clock_;
  app::Config config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<app::App> app_;
  auth::Identity identity_;
};

// A bootstrapped store and an App with every product module.
class TestApp : private BareApp {
 public:
  // `extra`: a module of the test's own, served beside the products.
  explicit TestApp(std::unique_ptr<app::Module> extra = nullptr) {
    open();
    for (auto f : products::all()) app_->add_module(f());
    if (extra) app_->add_module(std::move(extra));
    app_->add_module(admin::make_module(*app_));
    app_->finalize();
    app_->create_defaults();
  }

  struct Reply {
    int status;
    boost::json::value json;
    http::Response raw;
  };

  Reply call(std::string method, std::string target, std::string body = {},
             std::string token = "<owner>") {
    http::Request req;
    req.method = std::move(method);
    req.target = std::move(target);
    http::parse_target(req.target, req.path, req.query);
    if (token == "<owner>") token = identity_.secret_key;
    if (!token.empty()) req.headers.emplace_back("X-Auth-Token", token);
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = std::move(body);
    req.request_id = new_uuid();
    req.remote = "127.0.0.1";
    auto res = app_->handle(req);
    if (res.after_commit) res.after_commit();
    Reply r{res.status, nullptr, res};
    if (!res.body.empty() && res.content_type == "application/json")
      r.json = boost::json::parse(res.body);
    return r;
  }

  store::Store& store() { return *store_; }
  app::App& app() { return *app_; }
  app::Config& config() { return config_; }
  Clock& clock() { return clock_; }
  const auth::Identity& identity() const { return identity_; }
};

// A request context for calling a product's functions directly: the caller is `organization`
// (default: the test app's owner), acting in its default project (`owner`).
struct Caller {
  explicit Caller(TestApp& t, std::string organization = {})
      : ctx(req, params, nullptr, principal, t.app().services()) {
    principal.organization_id =
        organization.empty() ? t.identity().organization_id : std::move(organization);
    owner = {principal.organization_id, principal.organization_id};
  }
  http::Request req;
  router::Params params;
  app::Principal principal;
  app::Context ctx;
  app::Owner owner;
};

}  // namespace scwd::testing
