#include "core/app/app.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>

#include <map>
#include <set>
#include <stdexcept>
#include <tuple>

#include "core/app/unserved_apis.hpp"
#include "core/codec/validate.hpp"
#include "core/iam/authorizer.hpp"
#include "core/router/locality.hpp"

namespace scwd::app {

using api::ApiError;
using api::ArgReason;

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
      metered_(store, clock),
      settled_(metered_, clock),
      services_{settled_, clock, config, lifecycle_, [this] { auth_.invalidate(); }},
      authorizer_(iam::make_authorizer(store, clock)),
      started_at_(clock.now()) {}

App::~App() { drop_host_dispatch(services_); }

const Route* App::find(std::string_view method, std::string_view path,
                       router::Params& params) const {
  auto m = router_.match(method, path);
  if (m.kind != router::Match::Kind::kFound) return nullptr;
  params = std::move(m.params);
  return &routes_[static_cast<std::size_t>(m.route)];
}

void App::add_module(std::unique_ptr<Module> m) { modules_.push_back(std::move(m)); }

namespace {
// The id fields of an operation's query and top-level body that the route does not declare
// ("query volume_id", "body public_ips"); see is_reference_field.
std::vector<std::string> undeclared_references(const sdk::Operation& op, const RouteSpec& spec) {
  std::vector<std::string> out;
  auto declared = [&](RefIn in, std::string_view name) {
    for (auto& r : spec.references) {
      std::string_view f = r.field;
      if (r.in == in && f.substr(0, f.find('.')) == name) return true;
    }
    return std::find(spec.not_references.begin(), spec.not_references.end(), name) !=
           spec.not_references.end();
  };
  for (auto [in, fields, where] : {std::tuple{RefIn::kQuery, op.query, "query "},
                                   std::tuple{RefIn::kBody, op.body, "body "}}) {
    for (auto& f : fields)
      if (is_reference_field(f.name) && !is_target_field(f.name) && !declared(in, f.name))
        out.push_back(where + std::string(f.name));
  }
  return out;
}
}  // namespace

void App::finalize() {
  hosts_ = &host_dispatch(services_);
  std::map<std::string, const sdk::Operation*> published;  // "METHOD {}path" -> op
  for (auto& op : sdk::operations()) {
    std::string key = std::string(op.method) + " " + normalize_template(op.path);
    published.emplace(key, &op);
  }
  std::set<std::string> taken;
  std::string undeclared;
  for (auto& m : modules_) {
    Registry reg;
    m->register_routes(reg, services_);
    for (auto& spec : reg.routes()) {
      if (spec.permission.family.empty() && !spec.permission.public_route)
        throw std::logic_error("route " + spec.method + " " + spec.path + " of module " +
                               std::string(m->name()) + " declares no permission");
      std::string key = spec.method + " " + normalize_template(spec.path);
      if (auto it = published.find(key); it != published.end()) {
        for (auto& f : undeclared_references(*it->second, spec))
          undeclared += "\n  " + spec.method + " " + spec.path + " (" + std::string(m->name()) +
                        "): field " + f;
      }
      if (!taken.insert(key).second)
        throw std::logic_error("route registered twice: " + spec.method + " " + spec.path);
      Route r;
      if (auto it = published.find(key); it != published.end()) {
        r.op = it->second;
        if (spec.operation.empty()) spec.operation = operation_title(r.op->name);
      }
      if (spec.operation.empty()) spec.operation = spec.method + " " + spec.path;
      // A route declared without a handler is an operation outside the SDK catalogue that is not
      // built yet: it answers 501 naming it, as unbuilt catalogue operations do.
      r.implemented = static_cast<bool>(spec.handler);
      r.spec = std::move(spec);
      routes_.push_back(std::move(r));
    }
  }
  if (!undeclared.empty())
    throw std::logic_error(
        "routes whose schema has an id field declared neither as a reference nor as not one:" +
        undeclared);
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

void App::create_defaults() {
  if (services_.on_project_create.empty()) return;
  store_.write([&](store::Tx& tx) {
    store::ListQuery q;
    q.kind = std::string(auth::kProjectKind);
    q.with_total = false;
    Micros now = clock_.now();
    for (auto& p : tx.list(q).items)
      for (auto& hook : services_.on_project_create) hook(tx, p, now);
    return true;
  });
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

http::Response App::error_response(int status, std::string_view request_id,
                                   std::string_view detail) const {
  switch (status) {
    case 413:
      return render(ApiError::payload_too_large(config_.body_limit));
    case 431:
      return render(ApiError::headers_too_large());
    case 400:
      return render(ApiError::invalid_argument(
          "request", ArgReason::kFormat,
          detail.empty() ? "malformed HTTP request"
                         : "malformed HTTP request: " + std::string(detail)));
    case 501:
      return render(ApiError(
          501, boost::json::object{{"type", "not_implemented"},
                                   {"message", detail.empty() ? "not implemented" : detail}}));
    case 503:
      return render(ApiError::unavailable(detail.empty() ? "service unavailable" : detail));
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
    if (!locality::is_zone(*z)) return ApiError::constraint("zone", "unknown zone '" + *z + "'");
  }
  if (auto* r = params.get("region")) {
    if (!locality::region_format_ok(*r))
      return ApiError::invalid_argument("region", ArgReason::kFormat,
                                        "invalid region format '" + *r + "'");
    if (!locality::is_region(*r))
      return ApiError::constraint("region", "unknown region '" + *r + "'");
  }
  return std::nullopt;
}

bool is_admin_path(std::string_view path) { return path.rfind("/_scwd/", 0) == 0; }

// The admin plane's refusal: a key that is not an Owner's is told the plane is the Owners'
// (scwd_admin); another organization's Owner is told the call is the operator's.
ApiError admin_denied(const Principal& p) {
  return ApiError::permissions_denied(
      {{"admin", std::string(p.owner ? kOperatorFamily : kAdminFamily)}});
}

// nullopt when `p` may call an admin-plane route of `family` (nullptr: a path no route serves,
// which only the operator learns about).
std::optional<ApiError> admin_check(const Principal& p, const std::string_view* family) {
  if (!p.owner) return admin_denied(p);
  if ((!family || *family == kOperatorFamily) && !p.instance_operator) return admin_denied(p);
  return std::nullopt;
}

// Safety net for list handlers that did not call Context::scope: drop the items of projects the
// caller may not read (items without a project field stay). total_count shrinks by as many.
void filter_list(http::Response& res, std::string_view list_key,
                 const std::vector<std::string>& allowed) {
  if (res.status != 200 || res.content_type != "application/json") return;
  boost::system::error_code ec;
  auto v = boost::json::parse(res.body, ec);
  if (ec || !v.is_object()) return;
  auto& o = v.as_object();
  auto it = o.find(list_key);
  if (it == o.end() || !it->value().is_array()) return;
  auto& items = it->value().as_array();
  std::int64_t removed = 0;
  boost::json::array kept;
  for (auto& item : items) {
    bool keep = true;
    if (item.is_object()) {
      for (auto key : {"project_id", "project"}) {
        auto f = item.as_object().find(key);
        if (f == item.as_object().end()) continue;
        std::string pid;
        if (f->value().is_string())
          pid = std::string(f->value().get_string());
        else if (f->value().is_object()) {
          auto id = f->value().as_object().find("id");
          if (id != f->value().as_object().end() && id->value().is_string())
            pid = std::string(id->value().get_string());
        }
        if (!pid.empty() && std::find(allowed.begin(), allowed.end(), pid) == allowed.end())
          keep = false;
      }
    }
    if (keep)
      kept.push_back(std::move(item));
    else
      ++removed;
  }
  if (removed == 0) return;
  it->value() = std::move(kept);
  if (auto t = o.find("total_count"); t != o.end() && t->value().is_int64())
    t->value() = std::max<std::int64_t>(0, t->value().as_int64() - removed);
  for (auto& [name, value] : res.headers)
    if (http::iequals(name, "X-Total-Count"))
      value = std::to_string(std::max<std::int64_t>(0, std::stoll(value) - removed));
  res.body = http::to_json(v);
}

bool has_body(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}
}  // namespace

// A request between stage() and run(): the context refers to the other members, so it lives on
// the heap and never moves.
struct App::Pending {
  Pending(http::Request& r, const Route& route, router::Params params, Principal principal,
          Services& svc)
      : req(r),
        route(route),
        params(std::move(params)),
        principal(std::move(principal)),
        ctx(r, this->params, route.op, this->principal, svc) {}
  http::Request& req;
  const Route& route;
  router::Params params;
  Principal principal;
  Context ctx;
};

http::Staged App::stage(http::Request& req) {
  if (hosts_)
    if (auto s = hosts_->dispatch(req)) return std::move(*s);
  auto m = router_.match(req.method, req.path);
  switch (m.kind) {
    case router::Match::Kind::kBadPath:
      return render(ApiError::invalid_argument("path", ArgReason::kFormat,
                                               "malformed percent-encoding in path"));
    case router::Match::Kind::kNotFound:
      // The admin plane does not tell tenants which of its paths exist: only the operator
      // learns that a path is unknown.
      if (is_admin_path(req.path)) {
        auto p = auth_.authenticate(req);
        if (!p) return render(p.error());
        if (auto e = admin_check(*p, nullptr)) return render(*e);
      }
      // One of the platform's APIs that scwd does not build: the client learns that the API is
      // missing here, not that its path is wrong.
      if (auto api = unserved_api(req.path))
        return render(ApiError::api_not_served(api->prefix, api->title, req.method, req.path));
      return render(ApiError::route_not_found(req.method, req.path));
    case router::Match::Kind::kMethodNotAllowed: {
      if (is_admin_path(req.path)) {
        auto p = auth_.authenticate(req);
        if (!p) return render(p.error());
        if (auto e = admin_check(*p, nullptr)) return render(*e);
      }
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
  // Another replica may have advanced the shared virtual clock since the last request.
  if (store_.shared()) {
    try {
      clock_.set_offset(store_.clock_offset());
    } catch (const std::exception& e) {
      spdlog::error("request {}: reading the shared clock failed: {}", req.request_id, e.what());
      return render(ApiError::internal(req.request_id));
    }
  }
  Principal principal;
  if (!route.spec.permission.public_route) {
    auto p = auth_.authenticate(req);
    if (!p) return render(p.error());
    principal = std::move(*p);
  }
  auto pending =
      std::make_shared<Pending>(req, route, std::move(m.params), std::move(principal), services_);
  try {
    if (auto res = prepare(*pending)) {
      res->principal_id = pending->principal.bearer_id;
      return std::move(*res);
    }
  } catch (const std::exception& e) {
    spdlog::error("request {} {} {}: {}", req.request_id, req.method, req.path, e.what());
    return render(ApiError::internal(req.request_id));
  }
  // A write's rest runs where writes are grouped; so does a read's when lifecycle steps fell due:
  // they and their hooks' effects on other records (an IP a deleted gateway frees, a resized
  // volume's size) are persisted before it reads. The I/O thread serves others meanwhile.
  if (route.spec.writes || lifecycle_.maybe_due()) {
    http::Staged staged;
    // `store`: the group's (submit), or the shared store (rest, without grouping).
    auto rest = [this, pending](store::Store& store) {
      settle(pending->req, store);
      std::optional<lifecycle::ReadOnlyScope> read_only;
      if (!pending->route.spec.writes) read_only.emplace();
      return run(*pending);
    };
    staged.rest = [this, rest] { return rest(settled_); };
    staged.submit = [this, pending, rest](std::function<void(http::Response, bool)> answer) {
      auto res = std::make_shared<http::Response>();
      settled_.run_grouped(
          [pending, rest, res](store::Store& group) {
            pending->ctx.group_store = &group;
            *res = rest(group);
            pending->ctx.group_store = nullptr;
          },
          [res, answer = std::move(answer)](bool durable) { answer(std::move(*res), durable); });
    };
    return staged;
  }
  lifecycle::ReadOnlyScope read_only;
  return run(*pending);
}

http::Response App::handle(http::Request& req) {
  auto staged = stage(req);
  return staged.rest ? staged.rest() : std::move(staged.response);
}

std::optional<http::Response> App::prepare(Pending& p) {
  auto& req = p.req;
  auto& route = p.route;
  auto& ctx = p.ctx;
  if (auto e = check_locality(p.params)) return render(*e);
  if (!route.implemented)
    return render(
        ApiError::not_implemented(route.spec.operation, route.spec.method, route.spec.path));
  // Before any decoding: a caller the admin plane refuses learns nothing about its input.
  if (is_admin_path(req.path) && !route.spec.permission.public_route) {
    if (auto e = admin_check(p.principal, &route.spec.permission.family)) return render(*e);
  }
  ctx.permission = &route.spec.permission;
  ctx.references = &route.spec.references;
  if (route.op) {
    codec::canonicalize_query_bools(*route.op, req);
    if (auto e = codec::validate_query(*route.op, req, route.spec.query_fields)) return render(*e);
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
  if (authorizer_) {
    if (auto e = authorizer_(ctx, route.spec.permission)) return render(*e);
  }
  return std::nullopt;
}

void App::settle(const http::Request& req, store::Store& store) {
  // A failure here must not wedge every request: the steps stay due and are retried next time.
  try {
    lifecycle_.settle_due(store);
  } catch (const std::exception& e) {
    spdlog::warn("request {}: settling due lifecycle steps failed: {}", req.request_id, e.what());
  }
}

http::Response App::run(Pending& p) {
  auto& req = p.req;
  auto& route = p.route;
  auto& ctx = p.ctx;
  try {
    auto result = route.spec.handler(ctx);
    if (!result) {
      auto res = render(result.error());
      res.principal_id = p.principal.bearer_id;
      return res;
    }
    if (ctx.after_commit && !result->after_commit) result->after_commit = ctx.after_commit;
    if (ctx.access && !ctx.list_scoped && route.op && !route.op->list_key.empty() &&
        req.method == "GET") {
      if (auto allowed = ctx.readable_projects())
        filter_list(*result, route.op->list_key, *allowed);
    }
    result->principal_id = p.principal.bearer_id;
    return std::move(*result);
  } catch (const store::Conflict& e) {
    spdlog::warn("request {}: write conflict: {}", req.request_id, e.what());
    return render(ApiError::conflict("the resource was modified concurrently, retry"));
  } catch (const std::exception& e) {
    spdlog::error("request {} {} {}: {}", req.request_id, req.method, req.path, e.what());
    return render(ApiError::internal(req.request_id));
  }
}

}  // namespace scwd::app
