// Serverless Containers v1beta1 (regional): the control plane. Namespaces, crons, domains, tokens
// and triggers are Functions' shared declarations (products/function/model.hpp); containers are
// declared here. Running registry images needs a container runtime scwd's machines do not have:
// a request to a container's host answers 503 saying so.
#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

#include "core/app/host_dispatch.hpp"
#include "core/codec/validate.hpp"
#include "core/resource/named.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "core/util/time.hpp"
#include "products/container/container.hpp"
#include "products/function/model.hpp"

namespace scwd::products::container {

namespace {

using function::containers_flavor;

const function::Flavor& F() { return containers_flavor(); }

// Realistic durations (scaled by --lifecycle-speed).
constexpr Micros kDeploy = 30 * kSecond;
constexpr Micros kDelete = 5 * kSecond;

json::value null_or(const json::object& body, std::string_view key) {
  auto s = str_of(body, key);
  return s.empty() ? json::value(nullptr) : json::value(s);
}

json::object render_container(const store::Record& r) {
  auto ready_at = int_of(r.body, "ready_at");
  return {{"id", r.id},
          {"name", r.name},
          {"namespace_id", r.parent_id},
          {"status", r.state},
          {"environment_variables", value_of(r.body, "environment_variables")},
          {"min_scale", int_of(r.body, "min_scale")},
          {"max_scale", int_of(r.body, "max_scale")},
          {"memory_limit", int_of(r.body, "memory_limit")},
          {"cpu_limit", int_of(r.body, "cpu_limit")},
          {"timeout", function::format_duration(int_of(r.body, "timeout"))},
          {"error_message", null_or(r.body, "error_message")},
          {"privacy", str_of(r.body, "privacy")},
          {"description", str_of(r.body, "description")},
          {"registry_image", str_of(r.body, "registry_image")},
          {"max_concurrency", int_of(r.body, "max_concurrency")},
          {"domain_name", str_of(r.body, "domain_name")},
          {"protocol", str_of(r.body, "protocol")},
          {"port", int_of(r.body, "port")},
          {"secret_environment_variables", function::render_secrets(r.body)},
          {"http_option", str_of(r.body, "http_option")},
          {"sandbox", str_of(r.body, "sandbox")},
          {"local_storage_limit", int_of(r.body, "local_storage_limit")},
          {"scaling_option", value_of(r.body, "scaling_option")},
          {"health_check", value_of(r.body, "health_check")},
          {"created_at", format_time(r.created_at)},
          {"updated_at", format_time(r.updated_at)},
          {"ready_at", ready_at ? json::value(format_time(ready_at)) : json::value(nullptr)},
          {"region", r.locality},
          {"tags", strings_json(r.tags)},
          {"private_network_id", null_or(r.body, "private_network_id")},
          {"command", value_of(r.body, "command")},
          {"args", value_of(r.body, "args")}};
}

bool is_set(const std::optional<std::string>& s, std::string_view zero) {
  return s && !s->empty() && *s != zero;
}

std::optional<ApiError> read_strings(const json::object& body, std::string_view field,
                                     json::object& out) {
  auto* v = body.if_contains(field);
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_array())
    return ApiError::invalid_argument(std::string(field), ArgReason::kFormat, "must be a list");
  for (auto& s : v->as_array())
    if (!s.is_string())
      return ApiError::invalid_argument(std::string(field), ArgReason::kFormat,
                                        "must be a list of strings");
  out[field] = *v;
  return std::nullopt;
}

// scaling_option: one of its thresholds.
std::optional<ApiError> read_scaling(const json::object& body, json::object& out) {
  auto* v = body.if_contains("scaling_option");
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_object())
    return ApiError::invalid_argument("scaling_option", ArgReason::kFormat, "must be an object");
  json::object chosen;
  for (auto key :
       {"concurrent_requests_threshold", "cpu_usage_threshold", "memory_usage_threshold"}) {
    auto* t = v->as_object().if_contains(key);
    if (!t || t->is_null()) continue;
    auto n = as_int(*t);
    if (!n || *n <= 0)
      return ApiError::constraint(std::string("scaling_option.") + key,
                                  "must be a positive integer");
    if (!chosen.empty())
      return ApiError::constraint("scaling_option", "only one threshold may be set");
    chosen[key] = *n;
  }
  if (!chosen.empty()) out["scaling_option"] = std::move(chosen);
  return std::nullopt;
}

std::optional<ApiError> read_health(const json::object& body, json::object& out) {
  auto* v = body.if_contains("health_check");
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_object())
    return ApiError::invalid_argument("health_check", ArgReason::kFormat, "must be an object");
  auto& in = v->as_object();
  json::object hc =
      out["health_check"].is_object() ? out["health_check"].as_object() : json::object{};
  if (auto* ft = in.if_contains("failure_threshold"); ft && !ft->is_null()) {
    auto n = as_int(*ft);
    if (!n || *n < 3 || *n > 50)
      return ApiError::constraint("health_check.failure_threshold", "must be between 3 and 50");
    hc["failure_threshold"] = *n;
  }
  if (auto* iv = in.if_contains("interval"); iv && iv->is_string()) {
    auto d = function::parse_duration(iv->as_string());
    if (!d)
      return ApiError::invalid_argument("health_check.interval", ArgReason::kFormat,
                                        "invalid duration");
    hc["interval"] = function::format_duration(*d);
  }
  auto* http = in.if_contains("http");
  auto* tcp = in.if_contains("tcp");
  if (http && http->is_object()) {
    auto path = str_of(http->as_object(), "path");
    if (path.empty() || path.size() > 100)
      return ApiError::constraint("health_check.http.path", "must be 1 to 100 characters");
    hc.erase("tcp");
    hc["http"] = json::object{{"path", path}};
  } else if (tcp && tcp->is_object()) {
    hc.erase("http");
    hc["tcp"] = json::object{};
  }
  out["health_check"] = std::move(hc);
  return std::nullopt;
}

std::optional<ApiError> apply_settings(Context& ctx, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto min_scale = b.integer("min_scale");
  auto max_scale = b.integer("max_scale");
  auto memory = b.integer("memory_limit");
  auto cpu = b.integer("cpu_limit");
  auto timeout = b.str("timeout");
  auto privacy = b.str("privacy");
  auto description = b.str("description");
  auto image = b.str("registry_image");
  auto concurrency = b.integer("max_concurrency");
  auto protocol = b.str("protocol");
  auto port = b.integer("port");
  auto http_option = b.str("http_option");
  auto sandbox = b.str("sandbox");
  auto storage = b.integer("local_storage_limit");
  auto pn = b.str("private_network_id");
  if (auto e = b.error()) return e;
  auto& body = r.body;
  if (auto e = function::check_env(ctx.body.if_contains("environment_variables"),
                                   "environment_variables"))
    return e;
  if (auto* env = ctx.body.if_contains("environment_variables"); env && env->is_object())
    body["environment_variables"] = *env;
  if (auto* s = ctx.body.if_contains("secret_environment_variables"); s && !s->is_null()) {
    auto& stored = body["secrets"];
    if (!stored.is_array()) stored = json::array{};
    if (auto e = function::apply_secrets(ctx, stored.as_array(), s, "secret_environment_variables"))
      return e;
  }
  if (min_scale) body["min_scale"] = *min_scale;
  if (max_scale) body["max_scale"] = *max_scale;
  if (int_of(body, "min_scale") < 0) return ApiError::constraint("min_scale", "must be 0 or more");
  if (int_of(body, "max_scale") < 1) return ApiError::constraint("max_scale", "must be 1 or more");
  if (int_of(body, "min_scale") > int_of(body, "max_scale"))
    return ApiError::constraint("min_scale", "min_scale must not exceed max_scale");
  if (memory && *memory != 0) {
    if (*memory < 128 || *memory > 4096)
      return ApiError::constraint("memory_limit", "must be between 128 and 4096 MB");
    body["memory_limit"] = *memory;
  }
  if (cpu && *cpu != 0) {
    if (*cpu < 70 || *cpu > 4000)
      return ApiError::constraint("cpu_limit", "must be between 70 and 4000");
    body["cpu_limit"] = *cpu;
  }
  if (timeout && !timeout->empty()) {
    auto d = function::parse_duration(*timeout);
    if (!d) return ApiError::invalid_argument("timeout", ArgReason::kFormat, "invalid duration");
    if (*d < kSecond || *d > 900 * kSecond)
      return ApiError::constraint("timeout", "must be between 1s and 900s");
    body["timeout"] = *d;
  }
  if (is_set(privacy, "unknown_privacy")) body["privacy"] = *privacy;
  if (description) body["description"] = *description;
  if (image && !image->empty()) body["registry_image"] = *image;
  if (concurrency && *concurrency > 0) {
    body["max_concurrency"] = *concurrency;
    body["scaling_option"] = json::object{{"concurrent_requests_threshold", *concurrency}};
  }
  if (is_set(protocol, "unknown_protocol")) body["protocol"] = *protocol;
  if (port && *port != 0) {
    if (*port < 1 || *port > 65535)
      return ApiError::constraint("port", "must be between 1 and 65535");
    body["port"] = *port;
  }
  if (is_set(http_option, "unknown_http_option")) body["http_option"] = *http_option;
  if (is_set(sandbox, "unknown_sandbox")) body["sandbox"] = *sandbox;
  if (storage && *storage != 0) body["local_storage_limit"] = *storage;
  // An empty id detaches the function from its Private Network.
  if (pn && !pn->empty() && !is_uuid(*pn))
    return ApiError::invalid_argument("private_network_id", ArgReason::kFormat, "invalid UUID");
  if (pn) body["private_network_id"] = to_lower(*pn);
  if (auto e = read_scaling(ctx.body, body)) return e;
  if (auto e = read_health(ctx.body, body)) return e;
  if (auto e = read_strings(ctx.body, "command", body)) return e;
  if (auto e = read_strings(ctx.body, "args", body)) return e;
  if (auto* tags = ctx.body.if_contains("tags"); tags && tags->is_array()) {
    r.tags.clear();
    for (auto& t : tags->as_array())
      if (t.is_string()) r.tags.emplace_back(t.as_string());
  }
  return std::nullopt;
}

void start_deploy(Context& ctx, store::Record& r) {
  ctx.svc.lifecycle.start(r, ctx.now(), {{"pending", 0, ""}, {"ready", kDeploy, ""}});
}

// Hosts: a container's domain_name or ready custom domain.
class Hosts {
 public:
  explicit Hosts(app::Services& svc) : svc_(svc) {}

  std::optional<http::Staged> serve(http::Request& req) {
    std::string host;
    if (req.path.starts_with("/_fn/")) {
      auto rest = std::string_view(req.path).substr(5);
      host = to_lower(rest.substr(0, rest.find('/')));
    } else {
      auto* h = req.header("Host");
      if (!h) return std::nullopt;
      std::string_view v = *h;
      if (v.starts_with("[")) return std::nullopt;
      v = v.substr(0, v.rfind(':') == std::string_view::npos ? v.size() : v.rfind(':'));
      host = to_lower(v);
      unsigned char buf[16];
      if (host.empty() || host == "localhost" || inet_pton(AF_INET, host.c_str(), buf) == 1)
        return std::nullopt;
    }
    bool ours = host.find(function::kHostSuffix) != std::string::npos;
    if (!ours) {
      std::lock_guard lock(mu_);
      auto it = unknown_.find(host);
      if (it != unknown_.end() && it->second > std::chrono::steady_clock::now())
        return std::nullopt;
    }
    auto tx = svc_.store.begin(store::TxMode::kRead);
    auto key = "host:" + host;
    bool found = tx->get_by_key(F().app_kind(), key).has_value();
    if (!found)
      if (auto d = tx->get_by_key(F().kind("domain"), key); d && d->state == "ready") found = true;
    if (!found) {
      if (!ours) {
        std::lock_guard lock(mu_);
        if (unknown_.size() > 10000) unknown_.clear();
        unknown_[host] = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      }
      return std::nullopt;
    }
    return http::Staged(Response::json(
        503, json::object{{"message",
                           "container images are not run here: scwd serves the Serverless "
                           "Containers API but has no container runtime"}}));
  }

 private:
  app::Services& svc_;
  std::mutex mu_;
  std::map<std::string, std::chrono::steady_clock::time_point, std::less<>> unknown_;
};

}  // namespace

json::object default_container(const store::Record& ns, std::string_view name) {
  auto registry = "rg." + ns.locality + ".scw.cloud/funcscw" + str_of(ns.body, "slug");
  return {{"namespace_id", ns.id},
          {"environment_variables", json::object{}},
          {"secrets", json::array{}},
          {"min_scale", 0},
          {"max_scale", 5},
          {"memory_limit", 2048},
          {"cpu_limit", 1000},
          {"timeout", 300 * kSecond},
          {"privacy", "public"},
          {"description", ""},
          {"registry_image", registry + "/" + std::string(name) + ":latest"},
          {"max_concurrency", 50},
          {"protocol", "http1"},
          {"port", 8080},
          {"http_option", "enabled"},
          {"sandbox", "v2"},
          {"local_storage_limit", 1000},
          {"scaling_option", json::object{{"concurrent_requests_threshold", 50}}},
          {"health_check",
           json::object{{"failure_threshold", 30}, {"interval", "10s"}, {"tcp", json::object{}}}},
          {"error_message", ""},
          {"ready_at", 0},
          {"private_network_id", ""},
          {"command", json::array{}},
          {"args", json::array{}},
          {"domain_name", function::app_domain(ns, std::string(name))}};
}

namespace {

class ContainersModule final : public app::Module {
 public:
  std::string_view name() const override { return "container"; }
  void register_routes(app::Registry& reg, app::Services& svc) override {
    auto& f = F();
    function::register_shared(reg, svc, f);
    svc.lifecycle.on_enter(
        f.app_kind(), [](store::Tx& tx, store::Record& r, const lifecycle::Step& s, Micros at) {
          if (s.state == "ready") {
            r.body["ready_at"] = at;
            r.body["error_message"] = "";
          } else if (s.state == lifecycle::kDeleted) {
            function::remove_app_children(tx, F(), r.id);
          }
        });
    auto s = resource::named(f.app_kind(), "container", f.base + "/containers", f.read("container"),
                             f.write("container"));
    function::platform_404(s, "Container was not found");
    s.render = [](const resource::View&, const store::Record& r) { return render_container(r); };
    function::in_namespace(s, f);
    s.create_refs.not_refs = {"private_network_id"};
    s.create = [](Context& ctx, store::Tx& tx, store::Record& r) -> std::optional<ApiError> {
      auto ns = function::new_app(ctx, tx, F(), r, true);
      if (!ns) return ns.error();
      r.body = default_container(*ns, r.name);
      if (auto e = apply_settings(ctx, r)) return e;
      if (auto e = function::claim_host(tx, F(), r)) return e;
      r.state = "created";
      return std::nullopt;
    };
    s.update_refs.not_refs = {"private_network_id"};
    s.update = [](Context& ctx, store::Tx&, store::Record& r) -> std::optional<ApiError> {
      if (r.state == "deleting" || r.state == "pending")
        return ApiError::transient_state("container", r.id, r.state);
      if (auto e = apply_settings(ctx, r)) return e;
      start_deploy(ctx, r);
      return std::nullopt;
    };
    s.patch = {{"tags", resource::PatchField::As::kTags}};
    s.deletable = false;
    s.actions = {{"POST", "deploy",
                  [](Context& ctx, store::Tx&, store::Record& r) -> std::optional<ApiError> {
                    if (r.state == "deleting" || r.state == "pending")
                      return ApiError::transient_state("container", r.id, r.state);
                    start_deploy(ctx, r);
                    return std::nullopt;
                  }}};
    auto spec = std::make_shared<const resource::Spec>(std::move(s));
    resource::add_resource(reg, spec);
    reg.add("DELETE", f.base + "/containers/{container_id}", f.write("container"),
            [spec](Context& ctx) { return function::delete_with_status(*spec, ctx, kDelete); });
    register_v1(reg);
    hosts_ = std::make_unique<Hosts>(svc);
    auto* hosts = hosts_.get();
    app::host_dispatch(svc).add(this, [hosts](http::Request& req) { return hosts->serve(req); });
  }

 private:
  std::unique_ptr<Hosts> hosts_;
};

}  // namespace

std::unique_ptr<app::Module> make_module() { return std::make_unique<ContainersModule>(); }

}  // namespace scwd::products::container
