// The request pipeline: parse -> route -> authenticate -> decode + validate -> authorize ->
// handler -> encode. One place maps every ApiError (and every stray exception) to the wire.
// stage() runs on an I/O thread: everything up to the handler, and the handler itself for a
// route that reads. For a route that writes, it hands back the rest (settling due lifecycle
// steps, the handler and its store writes), which the server runs where writes are grouped; so
// does a read when lifecycle steps fell due, so that it sees their effects.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/app/context.hpp"
#include "core/app/host_dispatch.hpp"
#include "core/auth/auth.hpp"
#include "core/http/server.hpp"
#include "core/lifecycle/settled_store.hpp"
#include "core/meter/meter.hpp"
#include "core/router/router.hpp"

namespace scwd::app {

struct Route {
  RouteSpec spec;
  const sdk::Operation* op = nullptr;  // the published operation this route serves
  bool implemented = true;             // false: answers 501 naming the operation
};

// Decides whether a principal may run an operation (the IAM product plugs in its evaluator).
using Authorizer = std::function<std::optional<api::ApiError>(Context&, const Permission&)>;

class App {
 public:
  App(store::Store& store, Clock& clock, Config& config);
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  void add_module(std::unique_ptr<Module> m);
  // Builds the route table from the modules and the SDK catalog. Throws std::logic_error on a
  // route that declares no permission, collides with another, or has an id field in its SDK
  // schema declared neither as a reference nor as not one (RouteSpec::refs / not_refs).
  void finalize();
  // Creates what every existing project is given by the platform (Services::on_project_create),
  // where it is missing: at start-up, after finalize(), and after creating organizations.
  void create_defaults();

  // Everything up to the store writes, on the calling (I/O) thread; see the file comment.
  http::Staged stage(http::Request& req);
  // stage() and, for a route that writes, its rest, here (tests, tools).
  http::Response handle(http::Request& req);
  // The route serving method + path (nullptr when none), with its path parameters.
  const Route* find(std::string_view method, std::string_view path, router::Params& params) const;
  // Transport-level answers of the HTTP server (400 framing, 413, 431, 501 transfer coding, 503
  // connection limit); `detail` says what was wrong with the request, when known.
  http::Response error_response(int status, std::string_view request_id,
                                std::string_view detail = {}) const;
  static http::Response render(const api::ApiError& e);

  void set_authorizer(Authorizer a) { authorizer_ = std::move(a); }
  auth::Authenticator& authenticator() { return auth_; }
  Services& services() { return services_; }
  lifecycle::Engine& lifecycle() { return lifecycle_; }
  const std::vector<Route>& routes() const { return routes_; }
  std::size_t operations_published() const;
  std::size_t operations_served() const;
  std::vector<std::string> products_served() const;
  Micros started_at() const { return started_at_; }

 private:
  struct Pending;
  // Checks and decodes the request and authorizes it; an answer when it stops there.
  std::optional<http::Response> prepare(Pending& p);
  // The handler and what follows it. Runs on the I/O thread for reads, where writes are grouped
  // for writes.
  http::Response run(Pending& p);
  // Persists the lifecycle steps due by now (where writes run), through `store`.
  void settle(const http::Request& req, store::Store& store);

  store::Store& store_;
  Clock& clock_;
  Config& config_;
  auth::Authenticator auth_;
  lifecycle::Engine lifecycle_;
  meter::MeteredStore metered_;      // the usage ledger follows every write through it
  lifecycle::SettledStore settled_;  // what handlers see as the store
  Services services_;
  std::vector<std::unique_ptr<Module>> modules_;
  std::vector<Route> routes_;
  router::Router router_;
  Authorizer authorizer_;
  Micros started_at_;
  HostDispatch* hosts_ = nullptr;  // requests served before routing (products' own hosts)
};

// "listClusters" -> "ListClusters"
std::string operation_title(std::string_view sdk_name);
// "/a/{x}/b" -> "/a/{}/b": templates that match the same paths
std::string normalize_template(std::string_view path);

}  // namespace scwd::app
