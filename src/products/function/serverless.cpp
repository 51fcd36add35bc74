// The parts Serverless Functions and Serverless Containers share: namespaces (environment and
// sealed secret variables, the registry they are given), crons, custom domains, tokens and
// triggers, each declared once for a Flavor.
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <ctime>
#include <mutex>
#include <set>

#include "core/codec/validate.hpp"
#include "core/resource/named.hpp"
#include "core/resource/records.hpp"
#include "core/router/locality.hpp"
#include "core/util/crypto.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "core/util/time.hpp"
#include "products/function/model.hpp"
#include "products/function/queues.hpp"

namespace scwd::products::function {

app::Permission Flavor::read(std::string_view resource) const {
  return {family, Access::kRead, resource};
}
app::Permission Flavor::write(std::string_view resource) const {
  return {family, Access::kWrite, resource};
}
app::RefKind Flavor::ref(std::string_view what) const {
  // The kinds' names live in static strings (see kinds()), so the views stay valid.
  static std::set<std::string, std::less<>> names;
  static std::mutex mu;
  std::lock_guard lock(mu);
  auto k = names.insert(kind(what)).first;
  auto w = names.insert(std::string(what)).first;
  return {*k, family, *w};
}

const Flavor& functions_flavor() {
  static const Flavor f{"function",  "/functions/v1beta1/regions/{region}",
                        "Functions", "function",
                        "Function",  "functions"};
  return f;
}
const Flavor& containers_flavor() {
  static const Flavor f{"container",   "/containers/v1beta1/regions/{region}",
                        "Containers",  "container",
                        "Container",   "containers",
                        {"v1_trigger"}};
  return f;
}

ApiError missing(std::string_view title) {
  return ApiError(404, json::object{{"message", std::string(title) + " was not found"}});
}

void platform_404(resource::Spec& s, std::string message) {
  s.bad_id = resource::BadId::kNotFound;
  s.missing = [message](const app::Context&, std::string_view, bool) -> std::optional<ApiError> {
    return ApiError(404, json::object{{"message", message}});
  };
}

namespace {

// Realistic durations (scaled by --lifecycle-speed), as the platform was seen to take.
constexpr Micros kNamespaceCreate = 5 * kSecond;
constexpr Micros kNamespaceUpdate = 6 * kSecond;
constexpr Micros kNamespaceDelete = 5 * kSecond;
constexpr Micros kCronCreate = 1 * kSecond;
constexpr Micros kCronDelete = 2 * kSecond;
constexpr Micros kDomainCreate = 10 * kSecond;
constexpr Micros kDomainDelete = 5 * kSecond;
constexpr Micros kTokenCreate = 1 * kSecond;
constexpr Micros kTokenDelete = 1 * kSecond;
constexpr Micros kTriggerCreate = 15 * kSecond;
constexpr Micros kTriggerDelete = 20 * kSecond;

json::value null_or(const json::object& body, std::string_view key) {
  auto s = str_of(body, key);
  return s.empty() ? json::value(nullptr) : json::value(s);
}

// --- secrets ---

std::string argon2id(std::string_view value) {
  // The platform shows argon2id PHC strings with m=65536 and t=1.
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, value.data(), value.size(), 1, 64ull * 1024 * 1024,
                            crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("argon2id: out of memory");
  return out;
}

// --- namespaces ---

std::string new_slug(std::string_view name) {
  std::string s;
  for (char c : name)
    if (std::isalnum(static_cast<unsigned char>(c)))
      s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s.size() > 20) s.resize(20);
  constexpr std::string_view kChars = "abcdefghijklmnopqrstuvwxyz0123456789";
  for (int i = 0; i < 8; ++i)
    s += kChars[randombytes_uniform(static_cast<std::uint32_t>(kChars.size()))];
  return s;
}

json::object render_namespace(const Flavor&, const store::Record& r) {
  bool registered = !str_of(r.body, "registry_namespace_id").empty();
  return {{"id", r.id},
          {"name", r.name},
          {"environment_variables", value_of(r.body, "environment_variables")},
          {"organization_id", r.organization_id},
          {"project_id", r.project_id},
          {"status", r.state},
          {"registry_namespace_id", str_of(r.body, "registry_namespace_id")},
          {"error_message", null_or(r.body, "error_message")},
          {"registry_endpoint",
           registered ? "rg." + r.locality + ".scw.cloud/funcscw" + str_of(r.body, "slug") : ""},
          {"description", str_of(r.body, "description")},
          {"secret_environment_variables", render_secrets(r.body)},
          {"region", r.locality},
          {"tags", strings_json(r.tags)},
          {"created_at", format_time(r.created_at)},
          {"updated_at", format_time(r.updated_at)},
          {"vpc_integration_activated", false}};
}

std::optional<ApiError> create_namespace(Context& ctx, store::Tx&, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto description = b.str("description");
  auto tags = b.strings("tags");
  if (auto e = b.error()) return e;
  if (auto e = check_env(ctx.body.if_contains("environment_variables"), "environment_variables"))
    return e;
  r.name = name.value_or("");
  if (r.name.empty()) return ApiError::constraint("name", "name is required");
  r.tags = tags.value_or(std::vector<std::string>{});
  json::array secrets;
  if (auto e = apply_secrets(ctx, secrets, ctx.body.if_contains("secret_environment_variables"),
                             "secret_environment_variables"))
    return e;
  auto* env = ctx.body.if_contains("environment_variables");
  r.body = {{"description", description.value_or("")},
            {"environment_variables", env && env->is_object() ? *env : json::object{}},
            {"secrets", std::move(secrets)},
            {"slug", new_slug(r.name)},
            {"registry_namespace_id", ""},
            {"error_message", ""}};
  ctx.svc.lifecycle.start(r, ctx.now(), {{"pending", 0, ""}, {"ready", kNamespaceCreate, ""}});
  return std::nullopt;
}

std::optional<ApiError> update_namespace(Context& ctx, store::Tx&, store::Record& r) {
  if (r.state == "deleting") return ApiError::transient_state("namespace", r.id, r.state);
  if (auto* env = ctx.body.if_contains("environment_variables"); env && !env->is_null()) {
    if (auto e = check_env(env, "environment_variables")) return e;
    r.body["environment_variables"] = *env;
  }
  if (auto* s = ctx.body.if_contains("secret_environment_variables"); s && !s->is_null()) {
    auto& stored = r.body["secrets"];
    if (!stored.is_array()) stored = json::array{};
    if (auto e = apply_secrets(ctx, stored.as_array(), s, "secret_environment_variables")) return e;
  }
  ctx.svc.lifecycle.start(r, ctx.now(), {{"pending", 0, ""}, {"ready", kNamespaceUpdate, ""}});
  return std::nullopt;
}

// --- crons ---

json::object render_cron(const Flavor& f, const store::Record& r) {
  return {{"id", r.id},
          {f.app_field(), r.parent_id},
          {"schedule", str_of(r.body, "schedule")},
          {"args", value_of(r.body, "args")},
          {"status", r.state},
          {"name", r.name}};
}

std::optional<ApiError> check_schedule(const std::string& s) {
  if (!next_cron_time(s, 0))
    return ApiError::constraint("schedule", "'" + s + "' is not a valid schedule");
  return std::nullopt;
}

// --- domains ---

bool valid_hostname(std::string_view h) {
  if (h.size() < 4 || h.size() > 253 || h.find('.') == std::string_view::npos) return false;
  bool letter = false;
  std::size_t label = 0;
  for (char c : h) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    if (std::isalpha(static_cast<unsigned char>(c))) letter = true;
    if (++label > 63) return false;
  }
  return label > 0 && letter && h.front() != '-';
}

json::object render_domain(const Flavor& f, const store::Record& r) {
  auto host = str_of(r.body, "hostname");
  bool served = r.state == "ready" || r.state == "deleting";
  return {{"id", r.id},
          {"hostname", host},
          {f.app_field(), r.parent_id},
          {"url", served ? "https://" + host : ""},
          {"status", r.state},
          {"error_message", null_or(r.body, "error_message")}};
}

// --- tokens ---

json::object render_token(const Flavor& f, const SecretBox& box, const store::Record& r) {
  json::object o{{"id", r.id}, {"token", box.open(str_of(r.body, "token")).value_or("")}};
  auto app = str_of(r.body, f.app_field());
  if (!app.empty())
    o[f.app_field()] = app;
  else
    o["namespace_id"] = str_of(r.body, "namespace_id");
  o["public_key"] = "";
  o["status"] = r.state;
  o["description"] = str_of(r.body, "description");
  auto exp = int_of(r.body, "expires_at");
  o["expires_at"] = exp ? json::value(format_time(exp)) : json::value(nullptr);
  return o;
}

// --- triggers ---

json::object render_trigger(const Flavor& f, const store::Record& r) {
  json::object o{{"id", r.id},
                 {"name", r.name},
                 {"description", str_of(r.body, "description")},
                 {f.app_field(), r.parent_id},
                 {"input_type", str_of(r.body, "input_type")},
                 {"status", r.state},
                 {"error_message", null_or(r.body, "error_message")}};
  auto type = str_of(r.body, "input_type");
  auto config = value_of(r.body, "config");
  if (!config.is_object()) config = json::object{};
  auto& c = config.as_object();
  if (type == "scw_sqs" || type == "scw_nats") {
    auto cred = str_of(r.body, "mnq_credential_id");
    c["mnq_credential_id"] = cred.empty() ? json::value(nullptr) : json::value(cred);
    o[type == "scw_sqs" ? "scw_sqs_config" : "scw_nats_config"] = std::move(c);
  } else if (type == "sqs") {
    // The external queue's secret key is sealed and never given back.
    c.erase("secret_key_sealed");
    c["secret_key"] = "";
    o["sqs_config"] = std::move(c);
  }
  return o;
}

// Reads the one-of configuration of a create body into `r`.
std::optional<ApiError> read_trigger_config(Context& ctx, store::Record& r) {
  const json::object* found = nullptr;
  std::string type;
  for (auto [field, t] :
       {std::pair{"scw_sqs_config", "scw_sqs"}, std::pair{"scw_nats_config", "scw_nats"},
        std::pair{"sqs_config", "sqs"}}) {
    auto* v = ctx.body.if_contains(field);
    if (!v || v->is_null()) continue;
    if (!v->is_object()) return ApiError::constraint(field, "must be an object");
    if (found) return ApiError::constraint(field, "only one trigger configuration may be given");
    found = &v->as_object();
    type = t;
  }
  if (!found)
    return ApiError::constraint("scw_sqs_config",
                                "one of scw_sqs_config, scw_nats_config or sqs_config is required");
  std::string prefix = type == "sqs" ? "sqs_config." : type + "_config.";
  codec::BodyReader b(*found, prefix);
  json::object c;
  if (type == "scw_sqs") {
    auto queue = b.str("queue", true);
    auto project = b.uuid("mnq_project_id", true);
    auto region = b.str("mnq_region", true);
    if (auto e = b.error()) return e;
    if (queue->empty() || queue->size() > 100)
      return ApiError::constraint(prefix + "queue", "must be 1 to 100 characters");
    c = {{"queue", *queue}, {"mnq_project_id", *project}, {"mnq_region", *region}};
  } else if (type == "scw_nats") {
    auto subject = b.str("subject", true);
    auto account = b.str("mnq_nats_account_id", true);
    auto project = b.uuid("mnq_project_id", true);
    auto region = b.str("mnq_region", true);
    if (auto e = b.error()) return e;
    if (subject->empty() || subject->size() > 100 ||
        std::any_of(subject->begin(), subject->end(),
                    [](char ch) { return std::isspace(static_cast<unsigned char>(ch)); }))
      return ApiError::constraint(prefix + "subject",
                                  "must be 1 to 100 characters without whitespace");
    c = {{"subject", *subject},
         {"mnq_nats_account_id", *account},
         {"mnq_project_id", *project},
         {"mnq_region", *region}};
  } else {
    auto endpoint = b.str("endpoint", true);
    auto url = b.str("queue_url", true);
    auto access = b.str("access_key", true);
    auto secret = b.str("secret_key", true);
    if (auto e = b.error()) return e;
    c = {{"endpoint", *endpoint},
         {"queue_url", *url},
         {"access_key", *access},
         {"secret_key_sealed", ctx.svc.config.secrets.seal(*secret)}};
  }
  if (auto* reg = c.if_contains("mnq_region");
      reg && !locality::is_region(std::string_view(reg->as_string())))
    return ApiError::constraint(prefix + "mnq_region", "unknown region");
  r.body["input_type"] = type;
  r.body["config"] = std::move(c);
  return std::nullopt;
}

// --- owners through the app or namespace a body names ---

std::function<Result<app::Owner>(Context&, store::Tx&)> owner_via_app(const Flavor& f) {
  return [&f](Context& ctx, store::Tx& tx) -> Result<app::Owner> {
    codec::BodyReader b(ctx.body);
    auto id = b.uuid(f.app_field(), true);
    if (auto e = b.error()) return api::fail(*e);
    auto a = app_of(ctx, tx, f, *id);
    if (!a) return api::fail(a.error());
    return app::Owner{a->organization_id, a->project_id};
  };
}

std::optional<ApiError> parent_filter(const Context& ctx, store::ListQuery& q,
                                      const std::string& param) {
  auto v = ctx.query_opt(param);
  if (v && !v->empty()) q.filters.push_back({Column::kParent, Op::kEq, {to_lower(*v)}, {}, false});
  return std::nullopt;
}

// A spec of records that belong to an app (crons, domains, triggers): the <app>_id list filter,
// and the owner and reference taken from a create body's <app>_id.
void of_app(resource::Spec& s, const Flavor& f) {
  auto field = f.app_field();
  s.filters.push_back(resource::custom(field, [field](const Context& ctx, store::ListQuery& q) {
    return parent_filter(ctx, q, field);
  }));
  s.list_refs.not_refs.push_back(field);
  s.owner = owner_via_app(f);
  s.create_refs.refs.push_back(app::body_ref(field, Access::kWrite, {f.ref(f.app)}));
}

// Registration of each kind.

void register_namespaces(app::Registry& reg, app::Services& svc, const Flavor& f) {
  auto kind = f.kind("namespace");
  svc.lifecycle.on_enter(
      kind, [&f](store::Tx& tx, store::Record& r, const lifecycle::Step& s, Micros) {
        if (s.state == "ready" && str_of(r.body, "registry_namespace_id").empty())
          r.body["registry_namespace_id"] = new_uuid();
        if (s.state != lifecycle::kDeleted) return;
        for (auto& a : children(tx, f.app_kind(), r.id)) {
          remove_app_children(tx, f, a.id);
          tx.remove(f.app_kind(), a.id);
        }
        for (auto& t : children(tx, f.kind("token"), r.id)) tx.remove(f.kind("token"), t.id);
      });
  auto s = resource::named(kind, "namespace", f.base + "/namespaces", f.read("namespace"),
                           f.write("namespace"));
  platform_404(s, "Namespace was not found");
  s.render = [&f](const resource::View&, const store::Record& r) { return render_namespace(f, r); };
  s.create = create_namespace;
  s.patch = {{"description", resource::PatchField::As::kString},
             {"tags", resource::PatchField::As::kTags}};
  s.update = update_namespace;
  s.deletable = false;
  auto spec = std::make_shared<const resource::Spec>(std::move(s));
  resource::add_resource(reg, spec);
  reg.add(
      "DELETE", f.base + "/namespaces/{namespace_id}", f.write("namespace"),
      [spec, &f](Context& ctx) -> Result<Response> {
        // Its apps go with it (deleting now, gone with it).
        return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
          auto ns = resource::load(ctx, tx, *spec, true);
          if (!ns) return api::fail(ns.error());
          if (ns->state == "deleting")
            return api::fail(ApiError::transient_state("namespace", ns->id, ns->state));
          for (auto& a : children(tx, f.app_kind(), ns->id)) {
            lifecycle::Engine::cancel(a);
            a.state = "deleting";
            a.updated_at = ctx.now();
            tx.update(a);
          }
          ctx.svc.lifecycle.start(
              *ns, ctx.now(),
              {{"deleting", 0, ""}, {std::string(lifecycle::kDeleted), kNamespaceDelete, ""}});
          ns->updated_at = ctx.now();
          tx.update(*ns);
          return Response::json(200, resource::answer(ctx, tx, *spec, *ns));
        });
      });
}

void register_crons(app::Registry& reg, app::Services& svc, const Flavor& f) {
  auto kind = f.kind("cron");
  auto s = resource::named(kind, "cron", f.base + "/crons", f.read("cron"), f.write("cron"));
  platform_404(s, "Cron was not found");
  s.render = [&f](const resource::View&, const store::Record& r) { return render_cron(f, r); };
  of_app(s, f);
  s.create = [&f](Context& ctx, store::Tx& tx, store::Record& r) -> std::optional<ApiError> {
    codec::BodyReader b(ctx.body);
    auto app_id = b.uuid(f.app_field(), true);
    auto schedule = b.str("schedule", true);
    auto name = b.str("name");
    auto* args = b.object("args");
    if (auto e = b.error()) return e;
    if (auto e = check_schedule(*schedule)) return e;
    auto a = app_of(ctx, tx, f, *app_id);
    if (!a) return a.error();
    r.parent_id = a->id;
    r.name = name.value_or("");
    r.body = {{"schedule", *schedule},
              {"args", args ? *args : json::object{}},
              {f.app_field(), a->id},
              {"next_at", *next_cron_time(*schedule, ctx.now())}};
    ctx.svc.lifecycle.start(r, ctx.now(), {{"pending", 0, ""}, {"ready", kCronCreate, ""}});
    return std::nullopt;
  };
  s.patch = {{"name", resource::PatchField::As::kName}};
  s.update_refs.refs = {app::body_ref(f.app_field(), Access::kWrite, {f.ref(f.app)})};
  s.update = [&f](Context& ctx, store::Tx& tx, store::Record& r) -> std::optional<ApiError> {
    if (r.state == "deleting") return ApiError::transient_state("cron", r.id, r.state);
    codec::BodyReader b(ctx.body);
    auto app_id = b.uuid(f.app_field());
    auto schedule = b.str("schedule");
    auto* args = b.object("args");
    if (auto e = b.error()) return e;
    if (app_id) {
      auto a = app_of(ctx, tx, f, *app_id);
      if (!a) return a.error();
      r.parent_id = a->id;
      r.body[f.app_field()] = a->id;
    }
    if (schedule) {
      if (auto e = check_schedule(*schedule)) return e;
      r.body["schedule"] = *schedule;
      r.body["next_at"] = *next_cron_time(*schedule, ctx.now());
    }
    if (args) r.body["args"] = *args;
    ctx.svc.lifecycle.start(r, ctx.now(), {{"pending", 0, ""}, {"ready", kCronCreate, ""}});
    return std::nullopt;
  };
  s.deletable = false;
  auto spec = std::make_shared<const resource::Spec>(std::move(s));
  resource::add_resource(reg, spec);
  reg.add("DELETE", f.base + "/crons/{cron_id}", f.write("cron"),
          [spec](Context& ctx) { return delete_with_status(*spec, ctx, kCronDelete); });
  (void)svc;
}

void register_domains(app::Registry& reg, app::Services&, const Flavor& f) {
  auto kind = f.kind("domain");
  auto s =
      resource::named(kind, "domain", f.base + "/domains", f.read("domain"), f.write("domain"));
  platform_404(s, "Domain was not found");
  s.render = [&f](const resource::View&, const store::Record& r) { return render_domain(f, r); };
  s.order_fields = {{"hostname", Column::kBody, "hostname"}};
  of_app(s, f);
  s.create = [&f](Context& ctx, store::Tx& tx, store::Record& r) -> std::optional<ApiError> {
    codec::BodyReader b(ctx.body);
    auto host = b.str("hostname", true);
    auto app_id = b.uuid(f.app_field(), true);
    if (auto e = b.error()) return e;
    if (auto e = check_hostname(*host)) return e;
    auto a = app_of(ctx, tx, f, *app_id);
    if (!a) return a.error();
    return new_domain(ctx, tx, f, r, *a, *host);
  };
  s.deletable = false;
  auto spec = std::make_shared<const resource::Spec>(std::move(s));
  resource::add_resource(reg, spec);
  reg.add("DELETE", f.base + "/domains/{domain_id}", f.write("domain"),
          [spec](Context& ctx) { return delete_with_status(*spec, ctx, kDomainDelete); });
}

void register_tokens(app::Registry& reg, app::Services&, const Flavor& f) {
  auto kind = f.kind("token");
  auto s = resource::named(kind, "token", f.base + "/tokens", f.read("token"), f.write("token"));
  platform_404(s, "Token was not found");
  s.render = [&f](const resource::View& v, const store::Record& r) {
    return render_token(f, v.ctx.svc.config.secrets, r);
  };
  auto field = f.app_field();
  s.filters = {
      resource::custom(field, [field](const Context& ctx,
                                      store::ListQuery& q) { return body_filter(ctx, q, field); }),
      resource::custom("namespace_id", [](const Context& ctx, store::ListQuery& q) {
        return body_filter(ctx, q, "namespace_id");
      })};
  s.list_refs.not_refs = {field, "namespace_id"};
  s.owner = [&f](Context& ctx, store::Tx& tx) -> Result<app::Owner> {
    codec::BodyReader b(ctx.body);
    auto app_id = b.uuid(f.app_field());
    auto ns_id = b.uuid("namespace_id");
    if (auto e = b.error()) return api::fail(*e);
    if (app_id.has_value() == ns_id.has_value())
      return api::fail(ApiError::constraint(
          f.app_field(), "one of " + f.app_field() + " or namespace_id is required"));
    if (app_id) {
      auto a = app_of(ctx, tx, f, *app_id);
      if (!a) return api::fail(a.error());
      return app::Owner{a->organization_id, a->project_id};
    }
    auto ns = namespace_of(ctx, tx, f, *ns_id);
    if (!ns) return api::fail(ns.error());
    return app::Owner{ns->organization_id, ns->project_id};
  };
  s.create_refs.refs = {app::body_ref(field, Access::kWrite, {f.ref(f.app)}),
                        app::body_ref("namespace_id", Access::kWrite, {f.ref("namespace")})};
  s.create = [&f](Context& ctx, store::Tx&, store::Record& r) -> std::optional<ApiError> {
    codec::BodyReader b(ctx.body);
    auto app_id = b.uuid(f.app_field());
    auto ns_id = b.uuid("namespace_id");
    auto description = b.str("description");
    auto expires = b.str("expires_at");
    if (auto e = b.error()) return e;
    Micros exp = 0;
    if (expires && !expires->empty()) {
      auto t = parse_time(*expires);
      if (!t) return ApiError::invalid_argument("expires_at", ArgReason::kFormat, "invalid time");
      exp = *t;
    }
    std::string token(64, 'x');
    constexpr std::string_view kChars =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (auto& c : token)
      c = kChars[randombytes_uniform(static_cast<std::uint32_t>(kChars.size()))];
    r.parent_id = app_id ? *app_id : *ns_id;
    r.body = {{"description", description.value_or("")},
              {"token", ctx.svc.config.secrets.seal(token)},
              {"expires_at", exp}};
    if (app_id)
      r.body[f.app_field()] = *app_id;
    else
      r.body["namespace_id"] = *ns_id;
    r.keys = {"token:" + sha256_hex(token)};
    ctx.svc.lifecycle.start(r, ctx.now(), {{"creating", 0, ""}, {"ready", kTokenCreate, ""}});
    return std::nullopt;
  };
  s.deletable = false;
  auto spec = std::make_shared<const resource::Spec>(std::move(s));
  resource::add_resource(reg, spec);
  reg.add("DELETE", f.base + "/tokens/{token_id}", f.write("token"),
          [spec](Context& ctx) { return delete_with_status(*spec, ctx, kTokenDelete); });
}

// The Messaging credentials made for a trigger go with it.
void drop_trigger_credentials(store::Tx& tx, const store::Record& trigger) {
  auto id = str_of(trigger.body, "mnq_credential_id");
  if (auto* credentials = trigger_credentials(); credentials && !id.empty())
    credentials->remove(tx, id);
}

void register_triggers(app::Registry& reg, app::Services& svc, const Flavor& f) {
  auto kind = f.kind("trigger");
  svc.lifecycle.on_enter(kind,
                         [](store::Tx& tx, store::Record& r, const lifecycle::Step& s, Micros) {
                           if (s.state == lifecycle::kDeleted)
                             return drop_trigger_credentials(tx, r);
                           // The platform makes itself Messaging credentials for the queue or
                           // subject once the trigger is ready.
                           auto type = str_of(r.body, "input_type");
                           if (s.state != "ready" || (type != "scw_sqs" && type != "scw_nats") ||
                               !str_of(r.body, "mnq_credential_id").empty())
                             return;
                           auto c = value_of(r.body, "config");
                           if (!c.is_object()) return;
                           auto& co = c.as_object();
                           CredentialRequest want{.organization_id = r.organization_id,
                                                  .project_id = str_of(co, "mnq_project_id"),
                                                  .region = str_of(co, "mnq_region"),
                                                  .name = "trigger-" + r.id,
                                                  .queue = str_of(co, "queue"),
                                                  .account_id = str_of(co, "mnq_nats_account_id"),
                                                  .subject = str_of(co, "subject")};
                           auto* credentials = trigger_credentials();
                           tl::expected<std::string, std::string> made =
                               tl::unexpected(std::string("Messaging and Queuing is not served"));
                           if (credentials) made = credentials->create(tx, want);
                           if (made) {
                             r.body["mnq_credential_id"] = *made;
                           } else {
                             r.state = "error";
                             r.body["error_message"] = made.error();
                           }
                         });
  auto s =
      resource::named(kind, "trigger", f.base + "/triggers", f.read("trigger"), f.write("trigger"));
  platform_404(s, "trigger does not exist");
  s.render = [&f](const resource::View&, const store::Record& r) { return render_trigger(f, r); };
  of_app(s, f);
  s.filters.push_back(resource::custom("namespace_id", [](const Context& ctx, store::ListQuery& q) {
    return body_filter(ctx, q, "namespace_id");
  }));
  s.list_refs.not_refs.push_back("namespace_id");
  s.create_refs.not_refs = {"scw_sqs_config", "scw_nats_config"};
  s.create = [&f](Context& ctx, store::Tx& tx, store::Record& r) -> std::optional<ApiError> {
    codec::BodyReader b(ctx.body);
    auto name = b.str("name", true);
    auto app_id = b.uuid(f.app_field(), true);
    auto description = b.str("description");
    if (auto e = b.error()) return e;
    auto a = app_of(ctx, tx, f, *app_id);
    if (!a) return a.error();
    r.name = *name;
    r.parent_id = a->id;
    r.body = {{"description", description.value_or("")},
              {"namespace_id", a->parent_id},
              {"error_message", ""},
              {"mnq_credential_id", ""}};
    if (auto e = read_trigger_config(ctx, r)) return e;
    ctx.svc.lifecycle.start(r, ctx.now(), {{"creating", 0, ""}, {"ready", kTriggerCreate, ""}});
    return std::nullopt;
  };
  s.patch = {{"name", resource::PatchField::As::kName},
             {"description", resource::PatchField::As::kString}};
  s.update = [](Context& ctx, store::Tx&, store::Record& r) -> std::optional<ApiError> {
    if (r.state == "deleting") return ApiError::transient_state("trigger", r.id, r.state);
    auto* sqs = ctx.body.if_contains("sqs_config");
    if (sqs && sqs->is_object()) {
      if (str_of(r.body, "input_type") != "sqs")
        return ApiError::constraint("sqs_config",
                                    "only a trigger on an external SQS queue has sqs_config");
      codec::BodyReader b(sqs->as_object(), "sqs_config.");
      auto access = b.str("access_key");
      auto secret = b.str("secret_key");
      if (auto e = b.error()) return e;
      auto& c = r.body["config"].as_object();
      if (access) c["access_key"] = *access;
      if (secret) c["secret_key_sealed"] = ctx.svc.config.secrets.seal(*secret);
    }
    return std::nullopt;
  };
  s.deletable = false;
  auto spec = std::make_shared<const resource::Spec>(std::move(s));
  resource::add_resource(reg, spec);
  reg.add("DELETE", f.base + "/triggers/{trigger_id}", f.write("trigger"),
          [spec](Context& ctx) { return delete_with_status(*spec, ctx, kTriggerDelete); });
}

// --- cron syntax ---

// One field of a schedule: the allowed values in [lo, hi].
std::optional<std::vector<bool>> cron_field(std::string_view text, int lo, int hi,
                                            const std::vector<std::string_view>& names) {
  std::vector<bool> on(static_cast<std::size_t>(hi + 1), false);
  auto number = [&](std::string_view s) -> std::optional<int> {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (s.size() == names[i].size() &&
          std::equal(s.begin(), s.end(), names[i].begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == b;
          }))
        return lo + static_cast<int>(i);
    }
    int v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
  };
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    auto part = text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    if (part.empty()) return std::nullopt;
    int step = 1;
    if (auto slash = part.find('/'); slash != std::string_view::npos) {
      auto st = number(part.substr(slash + 1));
      if (!st || *st <= 0) return std::nullopt;
      step = *st;
      part = part.substr(0, slash);
    }
    int a = lo, b = hi;
    if (part != "*") {
      auto dash = part.find('-');
      auto x = number(part.substr(0, dash));
      if (!x) return std::nullopt;
      a = b = *x;
      if (dash != std::string_view::npos) {
        auto y = number(part.substr(dash + 1));
        if (!y) return std::nullopt;
        b = *y;
      } else if (step != 1) {
        b = hi;
      }
    }
    if (a < lo || b > hi || a > b) return std::nullopt;
    for (int v = a; v <= b; v += step) on[static_cast<std::size_t>(v)] = true;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return on;
}

}  // namespace

std::optional<Micros> next_cron_time(std::string_view schedule, Micros after) {
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < schedule.size()) {
    while (i < schedule.size() && schedule[i] == ' ') ++i;
    auto j = i;
    while (j < schedule.size() && schedule[j] != ' ') ++j;
    if (j > i) fields.push_back(schedule.substr(i, j - i));
    i = j;
  }
  if (fields.size() != 5) return std::nullopt;
  static const std::vector<std::string_view> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                        "jul", "aug", "sep", "oct", "nov", "dec"};
  static const std::vector<std::string_view> kDays = {"sun", "mon", "tue", "wed",
                                                      "thu", "fri", "sat"};
  auto minute = cron_field(fields[0], 0, 59, {});
  auto hour = cron_field(fields[1], 0, 23, {});
  auto dom = cron_field(fields[2], 1, 31, {});
  auto month = cron_field(fields[3], 1, 12, kMonths);
  auto dow = cron_field(fields[4], 0, 7, kDays);
  if (!minute || !hour || !dom || !month || !dow) return std::nullopt;
  if ((*dow)[7]) (*dow)[0] = true;  // 7 is Sunday too
  bool dom_any = fields[2] == "*", dow_any = fields[4] == "*";
  std::time_t t = static_cast<std::time_t>(after / kSecond);
  t = t - t % 60 + 60;  // the next whole minute
  // Four years of minutes bound the search (Feb 29 schedules).
  for (int guard = 0; guard < 4 * 366 * 24 * 60; ++guard) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    if (!(*month)[static_cast<std::size_t>(tm.tm_mon + 1)]) {
      t += (24 * 60 - tm.tm_hour * 60 - tm.tm_min) * 60;
      continue;
    }
    bool d1 = (*dom)[static_cast<std::size_t>(tm.tm_mday)];
    bool d2 = (*dow)[static_cast<std::size_t>(tm.tm_wday)];
    bool day = dom_any && dow_any ? true : dom_any ? d2 : dow_any ? d1 : (d1 || d2);
    if (!day) {
      t += (24 * 60 - tm.tm_hour * 60 - tm.tm_min) * 60;
      continue;
    }
    if (!(*hour)[static_cast<std::size_t>(tm.tm_hour)]) {
      t += (60 - tm.tm_min) * 60;
      continue;
    }
    if (!(*minute)[static_cast<std::size_t>(tm.tm_min)]) {
      t += 60;
      continue;
    }
    return static_cast<Micros>(t) * kSecond;
  }
  return std::nullopt;
}

std::optional<Micros> parse_duration(std::string_view s) {
  if (s.size() < 2 || s.back() != 's') return std::nullopt;
  auto num = s.substr(0, s.size() - 1);
  double v = 0;
  auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
  if (ec != std::errc() || p != num.data() + num.size() || v < 0 || !std::isfinite(v))
    return std::nullopt;
  return static_cast<Micros>(std::llround(v * 1e6));
}

std::string format_duration(Micros d) {
  if (d % kSecond == 0) return std::to_string(d / kSecond) + "s";
  auto s = std::to_string(static_cast<double>(d) / 1e6);
  while (!s.empty() && s.back() == '0') s.pop_back();
  return s + "s";
}

std::optional<ApiError> check_env(const json::value* v, std::string_view field) {
  if (!v || v->is_null()) return std::nullopt;
  if (!v->is_object())
    return ApiError::invalid_argument(std::string(field), ArgReason::kFormat, "must be an object");
  for (auto& [k, val] : v->as_object()) {
    if (!val.is_string())
      return ApiError::invalid_argument(std::string(field) + "." + std::string(k),
                                        ArgReason::kFormat, "must be a string");
    if (k.empty() || k.size() > 1000)
      return ApiError::constraint(std::string(field), "variable names are 1 to 1000 characters");
  }
  return std::nullopt;
}

std::optional<ApiError> apply_secrets(Context& ctx, json::array& stored, const json::value* items,
                                      std::string_view field) {
  if (!items || items->is_null()) return std::nullopt;
  if (!items->is_array())
    return ApiError::invalid_argument(std::string(field), ArgReason::kFormat, "must be a list");
  std::size_t i = 0;
  for (auto& item : items->as_array()) {
    auto name = std::string(field) + "." + std::to_string(i++);
    if (!item.is_object())
      return ApiError::invalid_argument(name, ArgReason::kFormat, "must be an object");
    auto& o = item.as_object();
    auto* key = o.if_contains("key");
    if (!key || !key->is_string() || key->as_string().empty())
      return ApiError::invalid_argument(name + ".key", ArgReason::kRequired, "key is required");
    std::string k(key->as_string());
    auto gone = std::remove_if(stored.begin(), stored.end(), [&](const json::value& s) {
      return s.is_object() && str_of(s.as_object(), "key") == k;
    });
    stored.erase(gone, stored.end());
    auto* value = o.if_contains("value");
    if (!value || value->is_null()) continue;  // removes the variable
    if (!value->is_string())
      return ApiError::invalid_argument(name + ".value", ArgReason::kFormat, "must be a string");
    auto plain = std::string_view(value->as_string());
    stored.push_back(json::object{{"key", k},
                                  {"hashed_value", argon2id(plain)},
                                  {"sealed", ctx.svc.config.secrets.seal(plain)}});
  }
  return std::nullopt;
}

json::array render_secrets(const json::object& body) {
  json::array out;
  if (auto* s = body.if_contains("secrets"); s && s->is_array())
    for (auto& item : s->as_array())
      if (item.is_object())
        out.push_back(json::object{{"key", str_of(item.as_object(), "key")},
                                   {"hashed_value", str_of(item.as_object(), "hashed_value")}});
  return out;
}

std::vector<std::pair<std::string, std::string>> open_secrets(const SecretBox& box,
                                                              const json::object& body) {
  std::vector<std::pair<std::string, std::string>> out;
  if (auto* s = body.if_contains("secrets"); s && s->is_array())
    for (auto& item : s->as_array())
      if (item.is_object())
        if (auto v = box.open(str_of(item.as_object(), "sealed")))
          out.emplace_back(str_of(item.as_object(), "key"), std::move(*v));
  return out;
}

Result<store::Record> namespace_of(Context& ctx, store::Tx& tx, const Flavor& f,
                                   std::string_view id) {
  auto ns = is_uuid(id) ? tx.get(f.kind("namespace"), to_lower(id)) : std::nullopt;
  if (!ns || ns->organization_id != ctx.principal.organization_id || ns->locality != ctx.region() ||
      ns->state == "deleting")
    return api::fail(missing("Namespace"));
  return *ns;
}

Result<store::Record> app_of(Context& ctx, store::Tx& tx, const Flavor& f, std::string_view id,
                             bool standard_404) {
  auto a = is_uuid(id) ? tx.get(f.app_kind(), to_lower(id)) : std::nullopt;
  if (!a || a->organization_id != ctx.principal.organization_id || a->locality != ctx.region() ||
      a->state == "deleting")
    return api::fail(standard_404 ? ApiError::not_found(f.app, id) : missing(f.app_title));
  return *a;
}

std::optional<ApiError> body_filter(const Context& ctx, store::ListQuery& q,
                                    const std::string& param) {
  auto v = ctx.query_opt(param);
  if (v && !v->empty()) q.filters.push_back({Column::kBody, Op::kEq, {to_lower(*v)}, param, false});
  return std::nullopt;
}

namespace {

Result<store::Record> namespace_or_404(Context& ctx, store::Tx& tx, const Flavor& f,
                                       std::string_view id, bool standard_404) {
  auto ns = namespace_of(ctx, tx, f, id);
  if (!ns && standard_404) return api::fail(ApiError::not_found("namespace", id));
  return ns;
}

}  // namespace

void in_namespace(resource::Spec& s, const Flavor& f, bool standard_404) {
  s.filters.push_back(resource::custom("namespace_id", [](const Context& ctx, store::ListQuery& q) {
    return parent_filter(ctx, q, "namespace_id");
  }));
  s.list_refs.not_refs.push_back("namespace_id");
  s.owner = [&f, standard_404](Context& ctx, store::Tx& tx) -> Result<app::Owner> {
    codec::BodyReader b(ctx.body);
    auto id = b.uuid("namespace_id", true);
    if (auto e = b.error()) return api::fail(*e);
    auto ns = namespace_or_404(ctx, tx, f, *id, standard_404);
    if (!ns) return api::fail(ns.error());
    return app::Owner{ns->organization_id, ns->project_id};
  };
  s.create_refs.refs.push_back(app::body_ref("namespace_id", Access::kWrite, {f.ref("namespace")}));
}

Result<store::Record> new_app(Context& ctx, store::Tx& tx, const Flavor& f, store::Record& r,
                              bool name_required, bool standard_404) {
  codec::BodyReader b(ctx.body);
  auto ns_id = b.uuid("namespace_id", true);
  auto name = b.str("name", name_required);
  if (auto e = b.error()) return api::fail(*e);
  auto ns = namespace_or_404(ctx, tx, f, *ns_id, standard_404);
  if (!ns) return ns;
  r.name = name.value_or("");
  if (r.name.empty()) return api::fail(ApiError::constraint("name", "name is required"));
  r.parent_id = ns->id;
  return ns;
}

std::optional<ApiError> claim_host(store::Tx& tx, const Flavor& f, store::Record& r) {
  auto key = "host:" + str_of(r.body, "domain_name");
  if (tx.get_by_key(f.app_kind(), key))
    return ApiError::already_exists(f.app, "",
                                    "a " + f.app + " with this name exists in the namespace");
  r.keys = {key};
  return std::nullopt;
}

std::optional<ApiError> check_hostname(std::string_view host) {
  auto h = to_lower(host);
  if (!valid_hostname(h))
    return ApiError::constraint("hostname", "'" + std::string(host) + "' is not a host name");
  if (h.find(kHostSuffix) != std::string::npos)
    return ApiError::constraint("hostname",
                                "the platform's own host names cannot be custom domains");
  return std::nullopt;
}

std::optional<ApiError> new_domain(Context& ctx, store::Tx& tx, const Flavor& f, store::Record& r,
                                   const store::Record& app, std::string_view host) {
  auto h = to_lower(host);
  if (tx.get_by_key(f.kind("domain"), "host:" + h))
    return ApiError::already_exists("domain", "", "this hostname is already used");
  r.parent_id = app.id;
  r.body = {{"hostname", h},
            {f.app_field(), app.id},
            {"namespace_id", app.parent_id},
            {"error_message", ""}};
  r.keys = {"host:" + h};
  ctx.svc.lifecycle.start(r, ctx.now(), {{"pending", 0, ""}, {"ready", kDomainCreate, ""}});
  return std::nullopt;
}

std::string app_domain(const store::Record& ns, std::string_view app_name) {
  return str_of(ns.body, "slug") + "-" + to_lower(app_name) + std::string(kHostSuffix) +
         ns.locality + ".scw.cloud";
}

Result<Response> delete_with_status(const resource::Spec& spec, Context& ctx, Micros after) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = resource::load(ctx, tx, spec, true);
    if (!r) return api::fail(r.error());
    if (r->state == "deleting")
      return api::fail(ApiError::transient_state(spec.resource, r->id, r->state));
    ctx.svc.lifecycle.start(*r, ctx.now(),
                            {{"deleting", 0, ""}, {std::string(lifecycle::kDeleted), after, ""}});
    r->updated_at = ctx.now();
    tx.update(*r);
    return Response::json(200, resource::answer(ctx, tx, spec, *r));
  });
}

std::vector<store::Record> children(store::Tx& tx, std::string_view kind,
                                    std::string_view parent_id) {
  store::ListQuery q;
  q.kind = std::string(kind);
  q.filters = {{Column::kParent, Op::kEq, {std::string(parent_id)}, {}, false}};
  q.order = {{Column::kCreatedAt, false}};
  q.with_total = false;
  return tx.list(q).items;
}

void remove_app_children(store::Tx& tx, const Flavor& f, std::string_view app_id) {
  std::vector<std::string> kinds = {"cron", "domain", "token", "trigger"};
  kinds.insert(kinds.end(), f.own_children.begin(), f.own_children.end());
  for (auto& what : kinds)
    for (auto& c : children(tx, f.kind(what), app_id)) {
      if (what == "trigger") drop_trigger_credentials(tx, c);
      tx.remove(f.kind(what), c.id);
    }
}

void register_shared(app::Registry& r, app::Services& svc, const Flavor& f) {
  register_namespaces(r, svc, f);
  register_crons(r, svc, f);
  register_domains(r, svc, f);
  register_tokens(r, svc, f);
  register_triggers(r, svc, f);
}

}  // namespace scwd::products::function
