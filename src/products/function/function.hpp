// Serverless Functions' module state: where code is kept, the runner of deployed code, and the
// gateway serving functions at their host names (functions.cpp: the API; gateway.cpp: serving,
// crons and logs).
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/auth/auth.hpp"
#include "core/http/server.hpp"
#include "products/function/model.hpp"
#include "products/function/runner.hpp"

namespace scwd::products::function {

struct CodeCheck;

// The path presigned code URLs use on scwd's own listener.
inline constexpr std::string_view kCodePrefix = "/serverless-code/functions/";
// The path form of a function's host, for clients that cannot set Host:
// /_fn/<domain_name>/<path>.
inline constexpr std::string_view kPathForm = "/_fn/";

// Records an invocation's requests and memory-time in the usage ledger (meters.cpp).
void count_usage(app::Services& svc, const Deployment& d, double duration_ms);

class Functions {
 public:
  Functions(app::Services& svc, std::filesystem::path data);
  ~Functions();

  void register_functions(app::Registry& reg);
  void register_gateway(app::Registry& reg);

  // Requests before routing: presigned code transfers and function hosts.
  std::optional<http::Staged> serve_code(http::Request& req);
  std::optional<http::Staged> serve_function(http::Request& req);

  // Starts the cron clock and the runner at the first request (a server that never serves,
  // such as `scwd routes`, starts neither).
  void start();
  Runner& runner();

 private:
  std::filesystem::path archive_path(std::string_view function_id) const;
  std::filesystem::path deployed_path(std::string_view function_id, std::string_view sha) const;
  std::string sign(std::string_view method, std::string_view function_id, std::int64_t length,
                   Micros expires) const;
  std::optional<std::string> verify(std::string_view signature, std::string_view method,
                                    std::string_view function_id, std::int64_t length) const;
  std::string code_url(const Context& ctx, std::string_view method, std::string_view function_id,
                       std::int64_t length) const;
  CodeCheck check_code(const store::Record& f) const;
  void start_deploy(Context& ctx, store::Record& f) const;
  std::optional<Deployment> deployment(const store::Record& f, const store::Record& ns) const;
  // The function a host names (its domain_name or a ready custom domain), if any.
  std::optional<std::string> function_at(std::string_view host);
  // Whether `token` may invoke private function `f`: a ready, unexpired token of the function
  // or its namespace, or an API key whose bearer has write access to Functions in its project.
  bool may_invoke(store::Tx& tx, const store::Record& f, const http::Request& req,
                  const std::string& token);
  void cron_loop();
  // Hands the messages of ready SQS triggers' queues to their functions (when Messaging gave
  // its queues); a message a function answered 2xx is deleted, others come back when their
  // hold ends.
  void deliver();
  // Hands what arrived on the subjects of ready NATS triggers to their functions.
  void deliver_nats();
  // Ready triggers of one input type ("scw_sqs", "scw_nats").
  std::vector<store::Record> ready_triggers(std::string_view type);
  // A trigger's function and its deployment, when it is ready to run.
  std::optional<std::pair<store::Record, Deployment>> deployed(const store::Record& trigger);
  // How many more messages a trigger's function may be handed now.
  int room(const std::string& trigger_id, const Deployment& d);

  app::Services* svc_;
  std::filesystem::path data_;
  auth::Authenticator auth_;
  std::once_flag started_;
  std::unique_ptr<Runner> runner_;
  std::mutex hosts_mu_;
  std::map<std::string, std::chrono::steady_clock::time_point, std::less<>> unknown_hosts_;
  std::atomic<bool> stopping_{false};
  std::mutex delivery_mu_;
  std::map<std::string, int> in_flight_;  // trigger id -> messages being handled
  std::thread cron_;
};

}  // namespace scwd::products::function
