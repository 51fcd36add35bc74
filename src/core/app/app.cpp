#include "core/app/app.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <set>
#include <stdexcept>

#include "core/codec/validate.hpp"
#include "core/router/locality.hpp"

namespace scwd::app {

using api::ApiError;
using api::ArgReason;

std::vector<ModuleFactory>& product_factories() {
  static std::vector<ModuleFactory> f;
  return f;
}

std::string operation_title(std::string_view sdk_name) {
  std::string s(sdk_name);
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string normalize_template(std::string_view path) {
  std::string out;
  bool in_param = false;
  for (char c : path) {
    if (c == '{') {
      in_param = true;
      out += "{}";
    } else if (c == '}') {
      in_param = false;
    } else if (!in_param) {
      out += c;
    }
  }
  return out;
}

App::App(store::Store& store, Clock& clock, Config& config)
    : store_(store),
      clock_(clock),
      config_(config),
      auth_(store, clock),
      lifecycle_(clock),
      services_{store, clock, config, lifecycle_, [this] { auth_.invalidate(); }},
      started_at_(clock.now()) {}

void App::add_module(std::unique_ptr<Module> m) { modules_.push_back(std::move(m)); }

void App::finalize() {
  std::map<std::string, const sdk::Operation*> published;  // "METHOD {}path" -> op
  for (auto& op : sdk::operations()) {
    std::string key = std::string(op.method) + " " + normalize_template(op.path);
    published.emplace(key, &op);
  }
  std::set<std::string> taken;
  for (auto& m : modules_) {
    Registry reg;
    m->register_routes(reg, services_);
    for (auto& spec : reg.routes()) {
      if (spec.permission.family.empty() && !spec.permission.public_route)
        throw std::logic_error("route " + spec.method + " " + spec.path + " of module " +
                               std::string(m->name()) + " declares no permission");
      std::string key = spec.method + " " + normalize_template(spec.path);
      if (!taken.insert(key).second)
        throw std::logic_error("route registered twice: " + spec.method + " " + spec.path);
      Route r;
      if (auto it = published.find(key); it != published.end()) {
        r.op = it->second;
        if (spec.operation.empty()) spec.operation = operation_title(r.op->name);
      }
      if (spec.operation.empty()) spec.operation = spec.method + " " + spec.path;
      r.spec = std::move(spec);
      routes_.push_back(std::move(r));
    }
  }
  for (auto& [key, op] : published) {
    if (taken.count(key)) continue;
    Route r;
    r.op = op;
    r.implemented = false;
    r.spec.method = std::string(op->method);
    r.spec.path = std::string(op->path);
    r.spec.operation = operation_title(op->name);
    r.spec.permission = Permission{"unimplemented", Access::kRead, "", false};
    routes_.push_back(std::move(r));
  }
  for (std::size_t i = 0; i < routes_.size(); ++i)
    router_.add(routes_[i].spec.method, routes_[i].spec.path, static_cast<int>(i));
}

std::size_t App::operations_published() const { return sdk::operations().size(); }

std::size_t App::operations_served() const {
  std::size_t n = 0;
  for (auto& r : routes_)
    if (r.op && r.implemented) ++n;
  return n;
}

std::vector<std::string> App::products_served() const {
  std::set<std::string> s;
  for (auto& r : routes_)
    if (r.op && r.implemented)
      s.insert(std::string(r.op->product) + "/" + std::string(r.op->version));
  return {s.begin(), s.end()};
}

http::Response App::render(const ApiError& e) {
  http::Response r;
  r.status = e.status();
  r.body = e.serialize();
  return r;
}

http::Response App::error_response(int status, std::string_view request_id) const {
  switch (status) {
    case 413:
      return render(ApiError::payload_too_large(config_.body_limit));
    case 431:
      return render(ApiError::headers_too_large());
    case 400:
      return render(
          ApiError::invalid_argument("request", ArgReason::kFormat, "malformed HTTP request"));
    default:
      return render(ApiError::internal(request_id));
  }
}

namespace {
std::optional<ApiError> check_locality(const router::Params& params) {
  if (auto* z = params.get("zone")) {
    if (!locality::zone_format_ok(*z))
      return ApiError::invalid_argument("zone", ArgReason::kFormat,
                                        "invalid zone format '" + *z + "'");
    if (!locality::is_zone(*z))
      return ApiError::invalid_argument("zone", ArgReason::kConstraint,
                                        "unknown zone '" + *z + "'");
  }
  if (auto* r = params.get("region")) {
    if (!locality::region_format_ok(*r))
      return ApiError::invalid_argument("region", ArgReason::kFormat,
                                        "invalid region format '" + *r + "'");
    if (!locality::is_region(*r))
      return ApiError::invalid_argument("region", ArgReason::kConstraint,
                                        "unknown region '" + *r + "'");
  }
  return std::nullopt;
}

bool is_admin_path(std::string_view path) { return path.rfind("/_scwd/", 0) == 0; }

bool has_body(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}
}  // namespace

http::Response App::handle(http::Request& req) {
  auto m = router_.match(req.method, req.path);
  switch (m.kind) {
    case router::Match::Kind::kBadPath:
      return render(ApiError::invalid_argument("path", ArgReason::kFormat,
                                               "malformed percent-encoding in path"));
    case router::Match::Kind::kNotFound:
      // The admin plane does not tell strangers which of its paths exist.
      if (is_admin_path(req.path)) {
        if (auto p = auth_.authenticate(req); !p) return render(p.error());
      }
      return render(ApiError::route_not_found(req.method, req.path));
    case router::Match::Kind::kMethodNotAllowed: {
      auto res = render(ApiError::method_not_allowed(req.method, req.path));
      std::string allow;
      for (auto& a : m.allowed) allow += (allow.empty() ? "" : ", ") + a;
      res.with_header("Allow", allow);
      return res;
    }
    case router::Match::Kind::kFound:
      break;
  }
  const Route& route = routes_[static_cast<std::size_t>(m.route)];
  Principal principal;
  if (!route.spec.permission.public_route) {
    auto p = auth_.authenticate(req);
    if (!p) return render(p.error());
    principal = std::move(*p);
  }
  try {
    auto res = dispatch(req, route, m.params, principal);
    res.principal_id = principal.bearer_id;
    return res;
  } catch (const store::Conflict& e) {
    spdlog::warn("request {}: write conflict: {}", req.request_id, e.what());
    return render(ApiError::conflict("the resource was modified concurrently, retry"));
  } catch (const std::exception& e) {
    spdlog::error("request {} {} {}: {}", req.request_id, req.method, req.path, e.what());
    return render(ApiError::internal(req.request_id));
  }
}

http::Response App::dispatch(http::Request& req, const Route& route, const router::Params& params,
                             Principal& principal) {
  if (auto e = check_locality(params)) return render(*e);
  if (!route.implemented)
    return render(
        ApiError::not_implemented(route.spec.operation, route.spec.method, route.spec.path));
  Context ctx(req, params, route.op, principal, services_);
  if (route.op) {
    if (auto e = codec::validate_query(*route.op, req)) return render(*e);
  }
  bool raw_body = route.op && route.op->body_kind == "raw";
  if (has_body(req.method) && !raw_body) {
    auto body = codec::parse_json_body(req.body);
    if (!body) return render(body.error());
    ctx.body = std::move(*body);
    if (route.op) {
      if (auto e = codec::validate_body(*route.op, ctx.body)) return render(*e);
    }
  }
  if (is_admin_path(req.path) && !route.spec.permission.public_route && !principal.owner)
    return render(ApiError::permissions_denied({{"admin", "scwd_admin"}}));
  if (authorizer_) {
    if (auto e = authorizer_(ctx, route.spec.permission)) return render(*e);
  }
  // Transient states that fell due are settled before any handler reads or writes.
  // A failure here must not wedge every request: the steps stay due and are retried next time.
  try {
    lifecycle_.settle_due(store_);
  } catch (const std::exception& e) {
    spdlog::warn("request {}: settling due lifecycle steps failed: {}", req.request_id, e.what());
  }
  auto result = route.spec.handler(ctx);
  if (!result) return render(result.error());
  return std::move(*result);
}

}  // namespace scwd::app
