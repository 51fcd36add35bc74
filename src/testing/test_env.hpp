// Test support: a fresh temporary data directory with a bootstrapped SQLite store, and an App
// built from every registered product, driven in-process with our own Request type.
#pragma once

#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>

#include "core/admin/admin.hpp"
#include "core/app/app.hpp"
#include "core/auth/bootstrap.hpp"
#include "core/store/sqlite/sqlite_store.hpp"
#include "core/util/ids.hpp"
#include "products/products.hpp"

namespace scwd::testing {

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() / ("scwd-test-" + new_uuid());
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A bootstrapped store and an App with every product module.
class TestApp {
 public:
  TestApp() {
    store_ = store::open_sqlite({(dir_.path() / "scwd.db").string()});
    auto boot = auth::bootstrap(*store_, {}, clock_.now());
    identity_ = boot.identity;
    config_.version = "test";
    app_ = std::make_unique<app::App>(*store_, clock_, config_);
    for (auto f : products::all()) app_->add_module(f());
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
    auto res = app_->handle(req);
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

 private:
  TempDir dir_;
  Clock clock_;
  app::Config config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<app::App> app_;
  auth::Identity identity_;
};

}  // namespace scwd::testing
