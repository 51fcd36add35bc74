// Serverless Containers v1 (the API recent Terraform providers and CLIs use): namespaces and
// containers over the same records as v1beta1, in v1's shapes as recorded (no JS SDK publishes
// it, so these routes are outside the SDK catalogue): sizes in bytes, `image`, probes, secrets as
// a map, statuses creating/updating/ready/deleting, redeploy instead of deploy, the standard
// not_found. Domains and triggers are in v1_domains_triggers.cpp.
#include <algorithm>

#include "core/codec/validate.hpp"
#include "core/resource/named.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "core/util/time.hpp"
#include "products/container/container.hpp"
#include "products/function/model.hpp"

namespace scwd::products::container {

namespace {

const function::Flavor& F() { return function::containers_flavor(); }
const std::string kBase = "/containers/v1/regions/{region}";

// Realistic durations (scaled by --lifecycle-speed).
constexpr Micros kNamespaceCreate = 5 * kSecond;
constexpr Micros kNamespaceUpdate = 5 * kSecond;
constexpr Micros kContainerCreate = 30 * kSecond;
constexpr Micros kContainerUpdate = 20 * kSecond;
constexpr Micros kDelete = 5 * kSecond;
constexpr std::int64_t kMB = 1'000'000;

// v1 shows secrets as a map of their hashes (never the values).
json::object secret_map(const json::object& body) {
  json::object out;
  for (auto& s : function::render_secrets(body))
    out[str_of(s.as_object(), "key")] = str_of(s.as_object(), "hashed_value");
  return out;
}

// A v1 secrets map replaces the set: a key with an empty value keeps its current value.
std::optional<ApiError> apply_secret_map(Context& ctx, json::object& body, const json::value* v) {
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_object())
    return ApiError::invalid_argument("secret_environment_variables", ArgReason::kFormat,
                                      "must be an object");
  json::array current = body["secrets"].is_array() ? body["secrets"].as_array() : json::array{};
  json::array next;
  json::array items;
  for (auto& [k, val] : v->as_object()) {
    if (!val.is_string())
      return ApiError::invalid_argument("secret_environment_variables." + std::string(k),
                                        ArgReason::kFormat, "must be a string");
    if (val.as_string().empty()) {
      for (auto& s : current)
        if (s.is_object() && str_of(s.as_object(), "key") == k) next.push_back(s);
      continue;
    }
    items.push_back(json::object{{"key", k}, {"value", val}});
  }
  json::value list = std::move(items);
  if (auto e = function::apply_secrets(ctx, next, &list, "secret_environment_variables")) return e;
  body["secrets"] = std::move(next);
  return std::nullopt;
}

json::object render_namespace(const store::Record& r) {
  return {{"id", r.id},
          {"name", r.name},
          {"organization_id", r.organization_id},
          {"project_id", r.project_id},
          {"description", str_of(r.body, "description")},
          {"status", r.state},
          {"environment_variables", value_of(r.body, "environment_variables")},
          {"secret_environment_variables", secret_map(r.body)},
          {"tags", strings_json(r.tags)},
          {"created_at", format_time(r.created_at)},
          {"updated_at", format_time(r.updated_at)},
          {"region", r.locality}};
}

json::value probe_of(const json::object& body, std::string_view key) {
  auto v = value_of(body, key);
  return v.is_object() ? v : json::value(nullptr);
}

json::object render_container_fields(const store::Record& r) {
  json::object liveness;
  if (auto* hc = r.body.if_contains("health_check"); hc && hc->is_object()) {
    auto& h = hc->as_object();
    liveness = {{"failure_threshold", int_of(h, "failure_threshold", 30)},
                {"interval", str_of(h, "interval", "10s")},
                {"timeout", str_of(r.body, "liveness_timeout", "1s")}};
    if (auto* http = h.if_contains("http"); http && http->is_object())
      liveness["http"] = *http;
    else
      liveness["tcp"] = json::object{};
  }
  return {{"id", r.id},
          {"name", r.name},
          {"namespace_id", r.parent_id},
          {"description", str_of(r.body, "description")},
          {"status", r.state},
          {"created_at", format_time(r.created_at)},
          {"updated_at", format_time(r.updated_at)},
          {"min_scale", int_of(r.body, "min_scale")},
          {"max_scale", int_of(r.body, "max_scale")},
          {"memory_limit_bytes", int_of(r.body, "memory_limit") * kMB},
          {"mvcpu_limit", int_of(r.body, "cpu_limit")},
          {"timeout", function::format_duration(int_of(r.body, "timeout"))},
          {"privacy", str_of(r.body, "privacy")},
          {"image", str_of(r.body, "registry_image")},
          {"protocol", str_of(r.body, "protocol")},
          {"port", int_of(r.body, "port")},
          {"https_connections_only", str_of(r.body, "http_option") == "redirected"},
          {"sandbox", str_of(r.body, "sandbox")},
          {"local_storage_limit_bytes", int_of(r.body, "local_storage_limit") * kMB},
          {"scaling_option", value_of(r.body, "scaling_option")},
          {"tags", strings_json(r.tags)},
          {"command", value_of(r.body, "command")},
          {"args", value_of(r.body, "args")},
          {"environment_variables", value_of(r.body, "environment_variables")},
          {"public_endpoint", "https://" + str_of(r.body, "domain_name")},
          {"liveness_probe", std::move(liveness)},
          {"startup_probe", probe_of(r.body, "startup_probe")},
          {"secret_environment_variables", secret_map(r.body)},
          {"region", r.locality}};
}

json::object render_container(const store::Record& r) {
  auto o = render_container_fields(r);
  // As recorded: an error message once a deployment ended, a Private Network only when set.
  if (r.state == "ready" || r.state == "error")
    o["error_message"] = str_of(r.body, "error_message");
  auto pn = str_of(r.body, "private_network_id");
  if (!pn.empty()) o["private_network_id"] = pn;
  return o;
}

bool is_set(const std::optional<std::string>& s, std::string_view zero) {
  return s && !s->empty() && *s != zero;
}

// A probe body ({failure_threshold, interval, timeout, http{path} | tcp{}}) checked and
// normalized.
Result<json::object> read_probe(const json::value& v, const std::string& field) {
  if (!v.is_object())
    return api::fail(ApiError::invalid_argument(field, ArgReason::kFormat, "must be an object"));
  auto& in = v.as_object();
  json::object out{{"failure_threshold", 30}, {"interval", "10s"}, {"timeout", "1s"}};
  if (auto* ft = in.if_contains("failure_threshold"); ft && !ft->is_null()) {
    auto n = as_int(*ft);
    if (!n || *n < 1 || *n > 50)
      return api::fail(
          ApiError::constraint(field + ".failure_threshold", "must be between 1 and 50"));
    out["failure_threshold"] = *n;
  }
  for (auto key : {"interval", "timeout"}) {
    if (auto* d = in.if_contains(key); d && d->is_string()) {
      auto parsed = function::parse_duration(d->as_string());
      if (!parsed)
        return api::fail(
            ApiError::invalid_argument(field + "." + key, ArgReason::kFormat, "invalid duration"));
      out[key] = function::format_duration(*parsed);
    }
  }
  if (auto* http = in.if_contains("http"); http && http->is_object()) {
    auto path = str_of(http->as_object(), "path");
    if (path.empty() || path.size() > 100)
      return api::fail(ApiError::constraint(field + ".http.path", "must be 1 to 100 characters"));
    out["http"] = json::object{{"path", path}};
  } else {
    out["tcp"] = json::object{};
  }
  return out;
}

std::optional<ApiError> apply_v1(Context& ctx, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto min_scale = b.integer("min_scale");
  auto max_scale = b.integer("max_scale");
  auto memory = b.integer("memory_limit_bytes");
  auto cpu = b.integer("mvcpu_limit");
  auto timeout = b.str("timeout");
  auto privacy = b.str("privacy");
  auto description = b.str("description");
  auto image = b.str("image");
  auto protocol = b.str("protocol");
  auto port = b.integer("port");
  auto https_only = b.boolean("https_connections_only");
  auto sandbox = b.str("sandbox");
  auto storage = b.integer("local_storage_limit_bytes");
  auto pn = b.str("private_network_id");
  if (auto e = b.error()) return e;
  auto& body = r.body;
  if (auto e = function::check_env(ctx.body.if_contains("environment_variables"),
                                   "environment_variables"))
    return e;
  if (auto* env = ctx.body.if_contains("environment_variables"); env && env->is_object())
    body["environment_variables"] = *env;
  if (auto e = apply_secret_map(ctx, body, ctx.body.if_contains("secret_environment_variables")))
    return e;
  if (min_scale) body["min_scale"] = *min_scale;
  if (max_scale) body["max_scale"] = *max_scale;
  if (int_of(body, "min_scale") > int_of(body, "max_scale"))
    return ApiError::constraint("min_scale", "min_scale must not exceed max_scale");
  if (memory && *memory != 0) {
    if (*memory < 128 * kMB) return ApiError::constraint("memory_limit_bytes", "at least 128 MB");
    body["memory_limit"] = *memory / kMB;
  }
  if (cpu && *cpu != 0) body["cpu_limit"] = *cpu;
  if (timeout && !timeout->empty()) {
    auto d = function::parse_duration(*timeout);
    if (!d) return ApiError::invalid_argument("timeout", ArgReason::kFormat, "invalid duration");
    body["timeout"] = *d;
  }
  if (is_set(privacy, "unknown_privacy")) body["privacy"] = *privacy;
  if (description) body["description"] = *description;
  if (image && !image->empty()) body["registry_image"] = *image;
  if (is_set(protocol, "unknown_protocol")) body["protocol"] = *protocol;
  if (port && *port != 0) {
    if (*port < 1 || *port > 65535)
      return ApiError::constraint("port", "must be between 1 and 65535");
    body["port"] = *port;
  }
  if (https_only) body["http_option"] = *https_only ? "redirected" : "enabled";
  if (is_set(sandbox, "unknown_sandbox")) body["sandbox"] = *sandbox;
  if (storage && *storage != 0) body["local_storage_limit"] = *storage / kMB;
  if (pn) {
    if (!pn->empty() && !is_uuid(*pn))
      return ApiError::invalid_argument("private_network_id", ArgReason::kFormat, "invalid UUID");
    body["private_network_id"] = to_lower(*pn);
  }
  if (auto* so = ctx.body.if_contains("scaling_option"); so && so->is_object()) {
    json::object chosen;
    for (auto& [k, v] : so->as_object())
      if (!v.is_null()) chosen[k] = v;
    if (chosen.size() > 1)
      return ApiError::constraint("scaling_option", "only one threshold may be set");
    if (!chosen.empty()) body["scaling_option"] = std::move(chosen);
  }
  if (auto* lp = ctx.body.if_contains("liveness_probe"); lp && !lp->is_null()) {
    auto p = read_probe(*lp, "liveness_probe");
    if (!p) return p.error();
    json::object hc{{"failure_threshold", p->at("failure_threshold")},
                    {"interval", p->at("interval")}};
    if (p->contains("http"))
      hc["http"] = p->at("http");
    else
      hc["tcp"] = json::object{};
    body["health_check"] = std::move(hc);
    body["liveness_timeout"] = p->at("timeout");
  }
  if (auto* sp = ctx.body.if_contains("startup_probe"); sp && !sp->is_null()) {
    auto p = read_probe(*sp, "startup_probe");
    if (!p) return p.error();
    body["startup_probe"] = std::move(*p);
  }
  for (auto key : {"command", "args"})
    if (auto* v = ctx.body.if_contains(key); v && v->is_array()) body[key] = *v;
  if (auto* tags = ctx.body.if_contains("tags"); tags && tags->is_array()) {
    r.tags.clear();
    for (auto& t : tags->as_array())
      if (t.is_string()) r.tags.emplace_back(t.as_string());
  }
  return std::nullopt;
}

void register_namespaces(app::Registry& reg) {
  auto& f = F();
  auto s = resource::named(f.kind("namespace"), "namespace", kBase + "/namespaces",
                           f.read("namespace"), f.write("namespace"));
  s.render = [](const resource::View&, const store::Record& r) { return render_namespace(r); };
  s.orders = {{"created_at_asc", Column::kCreatedAt, false},
              {"created_at_desc", Column::kCreatedAt, true},
              {"name_asc", Column::kName, false},
              {"name_desc", Column::kName, true}};
  s.create = [](Context& ctx, store::Tx&, store::Record& r) -> std::optional<ApiError> {
    codec::BodyReader b(ctx.body);
    auto name = b.str("name");
    auto description = b.str("description");
    auto tags = b.strings("tags");
    if (auto e = b.error()) return e;
    if (auto e = function::check_env(ctx.body.if_contains("environment_variables"),
                                     "environment_variables"))
      return e;
    r.name = name.value_or("");
    if (r.name.empty()) return ApiError::constraint("name", "name is required");
    r.tags = tags.value_or(std::vector<std::string>{});
    auto* env = ctx.body.if_contains("environment_variables");
    std::string slug;
    for (char c : r.name)
      if (std::isalnum(static_cast<unsigned char>(c)))
        slug += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (slug.size() > 20) slug.resize(20);
    r.body = {{"description", description.value_or("")},
              {"environment_variables", env && env->is_object() ? *env : json::object{}},
              {"secrets", json::array{}},
              {"slug", slug + r.id.substr(0, 8)},
              {"registry_namespace_id", ""},
              {"error_message", ""}};
    if (auto e =
            apply_secret_map(ctx, r.body, ctx.body.if_contains("secret_environment_variables")))
      return e;
    ctx.svc.lifecycle.start(r, ctx.now(), {{"creating", 0, ""}, {"ready", kNamespaceCreate, ""}});
    return std::nullopt;
  };
  s.patch = {{"description", resource::PatchField::As::kString},
             {"tags", resource::PatchField::As::kTags}};
  s.update = [](Context& ctx, store::Tx&, store::Record& r) -> std::optional<ApiError> {
    if (r.state == "deleting") return ApiError::transient_state("namespace", r.id, r.state);
    if (auto* env = ctx.body.if_contains("environment_variables"); env && !env->is_null()) {
      if (auto e = function::check_env(env, "environment_variables")) return e;
      r.body["environment_variables"] = *env;
    }
    bool secrets = ctx.body.contains("secret_environment_variables") &&
                   !ctx.body.at("secret_environment_variables").is_null();
    if (auto e =
            apply_secret_map(ctx, r.body, ctx.body.if_contains("secret_environment_variables")))
      return e;
    if (secrets || ctx.body.contains("environment_variables"))
      ctx.svc.lifecycle.start(r, ctx.now(), {{"updating", 0, ""}, {"ready", kNamespaceUpdate, ""}});
    return std::nullopt;
  };
  s.deletable = false;
  auto spec = std::make_shared<const resource::Spec>(std::move(s));
  resource::add_resource(reg, spec);
  reg.add("DELETE", kBase + "/namespaces/{namespace_id}", f.write("namespace"),
          [spec](Context& ctx) { return function::delete_with_status(*spec, ctx, kDelete); });
}

void register_containers(app::Registry& reg) {
  auto& f = F();
  auto s = resource::named(f.app_kind(), "container", kBase + "/containers", f.read("container"),
                           f.write("container"));
  s.render = [](const resource::View&, const store::Record& r) { return render_container(r); };
  s.orders = {{"created_at_asc", Column::kCreatedAt, false},
              {"created_at_desc", Column::kCreatedAt, true},
              {"name_asc", Column::kName, false},
              {"name_desc", Column::kName, true}};
  function::in_namespace(s, f, true);
  s.create = [](Context& ctx, store::Tx& tx, store::Record& r) -> std::optional<ApiError> {
    auto ns = function::new_app(ctx, tx, F(), r, true, true);
    if (!ns) return ns.error();
    r.body = default_container(*ns, r.name);
    if (auto e = apply_v1(ctx, r)) return e;
    if (auto e = function::claim_host(tx, F(), r)) return e;
    // v1 deploys by itself.
    ctx.svc.lifecycle.start(r, ctx.now(), {{"creating", 0, ""}, {"ready", kContainerCreate, ""}});
    return std::nullopt;
  };
  s.update = [](Context& ctx, store::Tx&, store::Record& r) -> std::optional<ApiError> {
    if (r.state == "deleting") return ApiError::transient_state("container", r.id, r.state);
    if (auto e = apply_v1(ctx, r)) return e;
    ctx.svc.lifecycle.start(r, ctx.now(), {{"updating", 0, ""}, {"ready", kContainerUpdate, ""}});
    return std::nullopt;
  };
  // Deploys the container again with its settings (v1 has no manual deploy otherwise).
  s.actions = {{"POST", "redeploy",
                [](Context& ctx, store::Tx&, store::Record& r) -> std::optional<ApiError> {
                  if (r.state == "deleting")
                    return ApiError::transient_state("container", r.id, r.state);
                  ctx.svc.lifecycle.start(r, ctx.now(),
                                          {{"updating", 0, ""}, {"ready", kContainerUpdate, ""}});
                  return std::nullopt;
                }}};
  s.deletable = false;
  auto spec = std::make_shared<const resource::Spec>(std::move(s));
  resource::add_resource(reg, spec);
  reg.add("DELETE", kBase + "/containers/{container_id}", f.write("container"),
          [spec](Context& ctx) { return function::delete_with_status(*spec, ctx, kDelete); });
}

}  // namespace

void register_v1(app::Registry& reg) {
  register_namespaces(reg);
  register_containers(reg);
  register_v1_domains_triggers(reg);
}

}  // namespace scwd::products::container
