#include "core/admin/admin.hpp"

#include <boost/json.hpp>

#include "core/auth/bootstrap.hpp"
#include "core/codec/validate.hpp"
#include "core/iam/authorizer.hpp"
#include "core/util/ids.hpp"

namespace scwd::admin {

namespace json = boost::json;
using api::Result;
using app::Access;
using app::Context;
using app::Permission;
using http::Response;

namespace {

constexpr Permission kPublic{"public", Access::kRead, "", true};
// Any organization's Owner, about its own organization.
constexpr Permission kAdmin{app::kAdminFamily, Access::kFull, "scwd_admin"};
// The operator of the instance (the bootstrapped organization's Owner) only.
constexpr Permission kOperator{app::kOperatorFamily, Access::kFull, "scwd_operator"};

json::value rule_json(const iam::Rule& r) {
  json::object o{{"policy_id", r.policy_id},
                 {"policy_name", r.policy_name},
                 {"rule_id", r.rule_id},
                 {"via", r.via},
                 {"condition", r.condition}};
  json::array sets;
  for (auto& n : r.permission_set_names) sets.emplace_back(n);
  o["permission_set_names"] = std::move(sets);
  if (!r.organization_id.empty()) {
    o["organization_id"] = r.organization_id;
  } else if (!r.account_root_user_id.empty()) {
    o["account_root_user_id"] = r.account_root_user_id;
  } else {
    json::array p;
    for (auto& id : r.project_ids) p.emplace_back(id);
    o["project_ids"] = std::move(p);
  }
  return o;
}

// GET /_scwd/iam/explain?access_key=&method=&path=[&body=]: whether that key may call that
// operation, and which policy and rule allow it (or why none does).
Result<Response> explain(app::App& app, Context& ctx) {
  auto ak = ctx.query_opt("access_key");
  auto path = ctx.query_opt("path");
  std::string method = to_upper(ctx.query_opt("method").value_or("GET"));
  std::vector<api::ArgumentDetail> bad;
  if (!ak || ak->empty())
    bad.push_back({"access_key", api::ArgReason::kRequired, "the API key to explain"});
  if (!path || path->empty() || (*path)[0] != '/')
    bad.push_back({"path", api::ArgReason::kRequired, "an API path starting with /"});
  json::object body;
  if (auto b = ctx.query_opt("body"); b && !b->empty()) {
    auto parsed = codec::parse_json_body(*b);
    if (!parsed)
      bad.push_back({"body", api::ArgReason::kFormat, "a JSON object"});
    else
      body = std::move(*parsed);
  }
  if (!bad.empty()) return api::fail(api::ApiError::invalid_arguments(std::move(bad)));

  http::Request req;
  req.method = method;
  req.target = *path;
  if (!http::parse_target(req.target, req.path, req.query))
    return api::fail(api::ApiError::invalid_argument("path", api::ArgReason::kFormat,
                                                     "malformed percent-encoding"));
  req.remote = ctx.req.remote;
  if (auto* ua = ctx.req.header("User-Agent")) req.headers.emplace_back("User-Agent", *ua);

  json::object out{{"access_key", *ak}, {"method", method}, {"path", req.path}};
  // A tenant explains its own keys only: another organization's key answers exactly as a key
  // that does not exist. The operator may explain any key.
  std::optional<std::string_view> org;
  if (!ctx.principal.instance_operator) org = ctx.principal.organization_id;
  auto principal = app.authenticator().principal_of_access_key(*ak, org);
  if (!principal) {
    out["allowed"] = false;
    out["reason"] = "authentication fails for this key: " +
                    std::string(principal.error().body().at("reason").as_string());
    out["error"] = principal.error().body();
    return Response::json(200, out);
  }
  out["bearer_type"] = principal->bearer_type;
  out["bearer_id"] = principal->bearer_id;
  out["owner"] = principal->owner;
  router::Params params;
  const app::Route* route = app.find(method, req.path, params);
  if (!route) {
    out["allowed"] = false;
    out["reason"] = "no operation is served at " + method + " " + req.path;
    return Response::json(200, out);
  }
  const auto& perm = route->spec.permission;
  out["operation"] = route->spec.operation;
  out["permission"] = json::object{{"family", perm.family},
                                   {"access", iam::to_string(perm.access)},
                                   {"resource", perm.resource}};
  auto fam = iam::family(perm.family);
  out["family_scope"] = fam.scope == iam::FamilyScope::kProjects        ? "projects"
                        : fam.scope == iam::FamilyScope::kOrganization  ? "organization"
                        : fam.scope == iam::FamilyScope::kAuthenticated ? "authenticated"
                                                                        : "unknown";
  iam::Input in{*principal, perm, route->op, req, params, body, &route->spec.references};
  auto v = iam::decide(ctx.store(), in, iam::facts_of(req, ctx.now()));
  out["allowed"] = v.allowed;
  out["reason"] = v.reason;
  json::array projects;
  for (auto& p : v.projects) projects.emplace_back(p);
  out["projects"] = std::move(projects);
  if (v.list) {
    if (v.scope) {
      json::array sc;
      for (auto& p : *v.scope) sc.emplace_back(p);
      out["list_scope"] = std::move(sc);
    } else {
      out["list_scope"] = "all";
    }
  }
  if (v.match) {
    auto m = rule_json(*v.match->rule);
    m.as_object()["permission_set"] = v.match->permission_set;
    out["matched"] = std::move(m);
  } else {
    out["matched"] = nullptr;
  }
  if (v.evaluator) {
    json::array rules;
    const std::string* target = v.projects.empty() ? nullptr : &v.projects.front();
    for (auto& r : v.evaluator->rules()) {
      auto j = rule_json(r);
      auto why = v.evaluator->why_not(r, perm.family, perm.access, target);
      j.as_object()["applies"] = why.empty();
      j.as_object()["why_not"] = why;
      rules.push_back(std::move(j));
    }
    out["rules"] = std::move(rules);
  }
  if (!v.allowed) out["error"] = iam::denial(v, req, perm).body();
  return Response::json(200, out);
}

json::object clock_body(Context& ctx) {
  return json::object{{"now", format_time(ctx.now())},
                      {"offset_seconds", static_cast<double>(ctx.svc.clock.offset()) / 1e6},
                      {"lifecycle_speed", ctx.svc.lifecycle.speed().name()}};
}

// POST /_scwd/organizations {"name", "email"?}: another tenant, made as the first start makes
// the bootstrapped one (default project with the organization's id, Owner user, API key). The
// secret key is in this answer only; the store keeps its hash.
Result<Response> create_organization(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name", true);
  auto email = b.str("email");
  if (name && (name->empty() || codec::utf8_length(*name) > 64))
    b.add("name", api::ArgReason::kConstraint, "between 1 and 64 characters");
  if (email) {
    auto at = email->find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= email->size() ||
        email->find('@', at + 1) != std::string::npos ||
        email->find_first_of(" \t\r\n") != std::string::npos || email->size() > 254)
      b.add("email", api::ArgReason::kFormat, "invalid email address");
  }
  if (auto e = b.error()) return api::fail(*e);
  auth::NewOrganization in;
  in.name = *name;
  in.organization_id = new_uuid();
  // Emails are unique across the store (one account each): the default names the organization.
  in.owner_email = email ? to_lower(*email) : "owner@" + in.organization_id + ".scwd.local";
  in.key_description = "scwd key of the Owner, created by the operator";
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auth::Identity id;
    try {
      id = auth::create_organization(tx, in, ctx.now());
    } catch (const store::DuplicateKey&) {
      return api::fail(
          api::ApiError::already_exists("user", in.owner_email, "email already in use"));
    }
    if (auto p = tx.get(auth::kProjectKind, id.project_id))
      for (auto& hook : ctx.svc.on_project_create) hook(tx, *p, ctx.now());
    return Response::json(200, json::object{{"organization_id", id.organization_id},
                                            {"name", in.name},
                                            {"project_id", id.project_id},
                                            {"user_id", id.user_id},
                                            {"email", in.owner_email},
                                            {"access_key", id.access_key},
                                            {"secret_key", id.secret_key}});
  });
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
                            {"store", ctx.store().backend()},
                            {"products", std::move(products)},
                            {"operations_served", app_.operations_served()},
                            {"operations_published", app_.operations_published()}});
    });
    r.add("GET", "/_scwd/routes", kOperator, [this](Context&) -> Result<Response> {
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
    r.add("GET", "/_scwd/clock", kOperator,
          [](Context& ctx) -> Result<Response> { return Response::json(200, clock_body(ctx)); });
    r.add("POST", "/_scwd/clock/advance", kOperator, [](Context& ctx) -> Result<Response> {
      auto it = ctx.body.find("seconds");
      if (it == ctx.body.end() || !it->value().is_number())
        return api::fail(api::ApiError::invalid_argument("seconds", api::ArgReason::kRequired,
                                                         "a number of seconds is required"));
      double seconds = it->value().to_number<double>();
      if (!(seconds >= 0) || seconds > 10.0 * 365 * 86400)
        return api::fail(api::ApiError::constraint("seconds", "must be between 0 and ten years"));
      auto delta = static_cast<Micros>(seconds * 1e6);
      // A shared store keeps the clock for every replica; this one takes its new offset at once.
      if (ctx.store().shared())
        ctx.svc.clock.set_offset(ctx.store().advance_clock(delta));
      else
        ctx.svc.clock.advance(delta);
      ctx.svc.lifecycle.settle_due(ctx.store());
      return Response::json(200, clock_body(ctx));
    });
    r.add("POST", "/_scwd/organizations", kOperator, create_organization);
    r.add("GET", "/_scwd/iam/explain", kAdmin,
          [this](Context& ctx) -> Result<Response> { return explain(app_, ctx); });
    r.add("GET", "/_scwd/whoami", kAdmin, [](Context& ctx) -> Result<Response> {
      return Response::json(200, json::object{{"access_key", ctx.principal.access_key},
                                              {"bearer_type", ctx.principal.bearer_type},
                                              {"bearer_id", ctx.principal.bearer_id},
                                              {"organization_id", ctx.principal.organization_id},
                                              {"owner", ctx.principal.owner},
                                              {"operator", ctx.principal.instance_operator}});
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
