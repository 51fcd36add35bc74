// Serverless Containers v1: custom domains and triggers, in v1's shapes as recorded (without the
// `region` the SDK declares: the platform does not send it for these two). Domains are
// the records v1beta1 shows too (v1 names their `pending` state `creating`). A v1 trigger is one
// resource whatever its source: a cron schedule, an SQS queue or a NATS subject, each reached with
// the credentials the request gives (kept sealed, never shown), and an HTTP destination on the
// container. Triggers are v1's own records: v1beta1 crons and triggers take other settings.
// Containers' images are not run, so nothing is ever delivered to them.
#include <algorithm>

#include "core/codec/validate.hpp"
#include "core/resource/named.hpp"
#include "core/router/locality.hpp"
#include "core/util/crypto.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"
#include "core/util/time.hpp"
#include "products/container/container.hpp"
#include "products/function/model.hpp"

namespace scwd::products::container {

namespace {

const function::Flavor& F() { return function::containers_flavor(); }
const std::string kBase = "/containers/v1/regions/{region}";

// Realistic durations (scaled by --lifecycle-speed): each took a few seconds when recorded.
constexpr Micros kTriggerCreate = 5 * kSecond;
constexpr Micros kTriggerUpdate = 5 * kSecond;
constexpr Micros kDelete = 5 * kSecond;

constexpr std::string_view kSources[] = {"cron", "sqs", "nats"};
constexpr std::string_view kMethods[] = {"get", "post", "put", "patch", "delete"};

std::string trigger_kind() { return F().kind("v1_trigger"); }

// The container a body names, or v1's standard not_found.
Result<store::Record> container_of(Context& ctx, store::Tx& tx, std::string_view id) {
  return function::app_of(ctx, tx, F(), id, true);
}

// What both lists filter on besides the caller's organization (v1 is outside the SDK catalogue,
// so the core does not add them).
std::vector<resource::Filter> list_filters(bool by_source) {
  auto owner = [](std::string param, store::Column c) {
    return resource::custom(param, [param, c](const Context& ctx, store::ListQuery& q) {
      return ctx.uuid_filter(q, param, c);
    });
  };
  std::vector<resource::Filter> out = {
      owner("organization_id", Column::kOrganization), owner("project_id", Column::kProject),
      owner("container_id", Column::kParent),
      resource::custom("namespace_id", [](const Context& ctx, store::ListQuery& q) {
        return function::body_filter(ctx, q, "namespace_id");
      })};
  if (by_source)
    out.push_back(resource::custom("trigger_type", [](const Context& ctx, store::ListQuery& q) {
      auto v = ctx.query_opt("trigger_type");
      if (v && !v->empty() && *v != "unknown_source_type")
        q.filters.push_back({Column::kBody, Op::kEq, {*v}, "source_type", false});
      return std::optional<ApiError>{};
    }));
  return out;
}

// A spec whose records belong to the container a create body names.
void of_container(resource::Spec& s) {
  s.filters = list_filters(s.resource == "trigger");
  s.list_refs.not_refs = {"container_id", "namespace_id", "organization_id", "project_id"};
  s.owner = [](Context& ctx, store::Tx& tx) -> Result<app::Owner> {
    codec::BodyReader b(ctx.body);
    auto id = b.uuid("container_id", true);
    if (auto e = b.error()) return api::fail(*e);
    auto c = container_of(ctx, tx, *id);
    if (!c) return api::fail(c.error());
    return app::Owner{c->organization_id, c->project_id};
  };
  s.create_refs.refs = {app::body_ref("container_id", Access::kWrite, {F().ref("container")})};
}

// v1 shows the last error only once a resource has settled.
void error_message(json::object& o, const store::Record& r) {
  if (r.state == "ready" || r.state == "error")
    o["error_message"] = str_of(r.body, "error_message");
}

// --- domains ---

json::object render_domain(const store::Record& r) {
  json::object o{{"id", r.id},
                 {"hostname", str_of(r.body, "hostname")},
                 {"container_id", r.parent_id},
                 {"status", r.state == "pending" ? std::string("creating") : r.state}};
  error_message(o, r);
  o["created_at"] = format_time(r.created_at);
  o["updated_at"] = format_time(r.updated_at);
  o["tags"] = strings_json(r.tags);
  return o;
}

void register_domains(app::Registry& reg) {
  auto& f = F();
  auto s = resource::named(f.kind("domain"), "domain", kBase + "/domains", f.read("domain"),
                           f.write("domain"));
  s.render = [](const resource::View&, const store::Record& r) { return render_domain(r); };
  s.orders = {{"created_at_asc", Column::kCreatedAt, false},
              {"created_at_desc", Column::kCreatedAt, true},
              {"hostname_asc", Column::kBody, false, "hostname"},
              {"hostname_desc", Column::kBody, true, "hostname"}};
  of_container(s);
  s.create = [](Context& ctx, store::Tx& tx, store::Record& r) -> std::optional<ApiError> {
    codec::BodyReader b(ctx.body);
    auto id = b.uuid("container_id", true);
    auto host = b.str("hostname", true);
    auto tags = b.strings("tags");
    if (auto e = b.error()) return e;
    if (auto e = function::check_hostname(*host)) return e;
    auto c = container_of(ctx, tx, *id);
    if (!c) return c.error();
    r.tags = tags.value_or(std::vector<std::string>{});
    return function::new_domain(ctx, tx, F(), r, *c, *host);
  };
  s.patch = {{"tags", resource::PatchField::As::kTags}};
  s.deletable = false;
  auto spec = std::make_shared<const resource::Spec>(std::move(s));
  resource::add_resource(reg, spec);
  reg.add("DELETE", kBase + "/domains/{domain_id}", f.write("domain"),
          [spec](Context& ctx) { return function::delete_with_status(*spec, ctx, kDelete); });
}

// --- triggers ---
// body: namespace_id, source_type, destination {http_path, http_method}, and one of
// cron {schedule, timezone, body, headers}, sqs {region, endpoint, queue_url, access_key_id,
// secret_sealed}, nats {server_urls, subject, credentials_sealed}, error_message.

json::object render_trigger(const store::Record& r) {
  auto source = str_of(r.body, "source_type");
  json::object o{{"id", r.id},
                 {"name", r.name},
                 {"description", str_of(r.body, "description")},
                 {"tags", strings_json(r.tags)},
                 {"status", r.state}};
  error_message(o, r);
  o["container_id"] = r.parent_id;
  o["destination_config"] = value_of(r.body, "destination");
  o["source_type"] = source;
  o["created_at"] = format_time(r.created_at);
  o["updated_at"] = format_time(r.updated_at);
  auto config = value_of(r.body, source);
  if (config.is_object()) {
    auto shown = config.as_object();
    shown.erase("secret_sealed");
    shown.erase("credentials_sealed");
    o[source + "_config"] = std::move(shown);
  }
  return o;
}

// Sets `key` of `out` from `in` where the request gives it (null or absent keeps the value).
// A string field `required` must end up non-empty.
std::optional<ApiError> take_string(const json::object& in, json::object& out, std::string_view key,
                                    const std::string& field, bool required) {
  auto* v = in.if_contains(key);
  if (v && !v->is_null()) {
    if (!v->is_string())
      return ApiError::invalid_argument(field + "." + std::string(key), ArgReason::kFormat,
                                        "must be a string");
    out[key] = *v;
  }
  if (required && str_of(out, key).empty())
    return ApiError::invalid_argument(field + "." + std::string(key), ArgReason::kRequired,
                                      "is required");
  return std::nullopt;
}

// The destination on the container: `in` over `current` (POST / when never given).
Result<json::object> read_destination(const json::value* in, json::object current) {
  if (current.empty()) current = {{"http_path", "/"}, {"http_method", "post"}};
  if (!in || in->is_null()) return current;
  if (!in->is_object())
    return api::fail(
        ApiError::invalid_argument("destination_config", ArgReason::kFormat, "must be an object"));
  if (auto e = take_string(in->as_object(), current, "http_path", "destination_config", false))
    return api::fail(*e);
  if (auto e = take_string(in->as_object(), current, "http_method", "destination_config", false))
    return api::fail(*e);
  auto path = str_of(current, "http_path");
  if (path.empty()) current["http_path"] = path = "/";
  if (path.front() != '/' || path.size() > 1000)
    return api::fail(
        ApiError::constraint("destination_config.http_path", "must be a path starting with /"));
  auto method = str_of(current, "http_method");
  if (method.empty() || method == "unknown_http_method") current["http_method"] = method = "post";
  if (std::find(std::begin(kMethods), std::end(kMethods), method) == std::end(kMethods))
    return api::fail(ApiError::invalid_argument("destination_config.http_method",
                                                ArgReason::kFormat,
                                                "must be one of get, post, put, patch, delete"));
  return current;
}

// A source's settings: `in` over `current` (the update of a trigger of that source).
Result<json::object> read_source(Context& ctx, std::string_view source, const json::value& in,
                                 json::object current) {
  auto field = std::string(source) + "_config";
  if (!in.is_object())
    return api::fail(ApiError::invalid_argument(field, ArgReason::kFormat, "must be an object"));
  auto& o = in.as_object();
  auto take = [&](std::string_view key, bool required) {
    return take_string(o, current, key, field, required);
  };
  if (source == "cron") {
    for (auto [key, required] : {std::pair{"schedule", true}, {"timezone", false}, {"body", false}})
      if (auto e = take(key, required)) return api::fail(*e);
    if (!function::next_cron_time(str_of(current, "schedule"), 0))
      return api::fail(ApiError::invalid_argument(field + ".schedule", ArgReason::kFormat,
                                                  "must be a UNIX cron schedule of 5 fields"));
    if (auto* h = o.if_contains("headers"); h && !h->is_null()) {
      if (auto e = function::check_env(h, field + ".headers")) return api::fail(*e);
      current["headers"] = *h;
    }
    if (!current.contains("headers")) current["headers"] = json::object{};
    for (auto key : {"timezone", "body"})
      if (!current.contains(key)) current[key] = "";
  } else if (source == "sqs") {
    // An empty region (the Go SDK sends one when unset) is the trigger's own.
    if (auto* r = o.if_contains("region"); r && !r->is_null() && *r != "") {
      if (!r->is_string() || !locality::is_region(std::string_view(r->as_string())))
        return api::fail(ApiError::constraint(field + ".region", "unknown region"));
      current["region"] = *r;
    }
    if (str_of(current, "region").empty()) current["region"] = std::string(ctx.region());
    for (auto key : {"endpoint", "queue_url", "access_key_id"})
      if (auto e = take(key, true)) return api::fail(*e);
    json::object secret;
    if (auto e = take_string(o, secret, "secret_access_key", field, false)) return api::fail(*e);
    if (secret.contains("secret_access_key"))
      current["secret_sealed"] = ctx.svc.config.secrets.seal(str_of(secret, "secret_access_key"));
    if (str_of(current, "secret_sealed").empty())
      return api::fail(ApiError::invalid_argument(field + ".secret_access_key",
                                                  ArgReason::kRequired, "is required"));
  } else {
    if (auto* urls = o.if_contains("server_urls"); urls && !urls->is_null()) {
      if (!urls->is_array() || urls->as_array().empty() ||
          !std::all_of(urls->as_array().begin(), urls->as_array().end(), [](const json::value& u) {
            return u.is_string() && !u.as_string().empty();
          }))
        return api::fail(
            ApiError::constraint(field + ".server_urls", "must be a list of NATS server URLs"));
      current["server_urls"] = *urls;
    }
    if (!current.contains("server_urls"))
      return api::fail(
          ApiError::invalid_argument(field + ".server_urls", ArgReason::kRequired, "is required"));
    if (auto e = take("subject", true)) return api::fail(*e);
    json::object creds;
    if (auto e = take_string(o, creds, "credentials_file_content", field, false))
      return api::fail(*e);
    if (creds.contains("credentials_file_content"))
      current["credentials_sealed"] =
          ctx.svc.config.secrets.seal(str_of(creds, "credentials_file_content"));
    if (str_of(current, "credentials_sealed").empty())
      return api::fail(ApiError::invalid_argument(field + ".credentials_file_content",
                                                  ArgReason::kRequired, "is required"));
  }
  return current;
}

// The source a body configures: nullopt when none, an error when several.
Result<std::optional<std::string>> source_in(const json::object& body) {
  std::optional<std::string> found;
  for (auto s : kSources) {
    auto* v = body.if_contains(std::string(s) + "_config");
    if (!v || v->is_null()) continue;
    if (found)
      return api::fail(ApiError::constraint(
          "cron_config", "precisely one of cron_config, sqs_config and nats_config must be set"));
    found = std::string(s);
  }
  return found;
}

void register_triggers(app::Registry& reg) {
  auto& f = F();
  auto s = resource::named(trigger_kind(), "trigger", kBase + "/triggers", f.read("trigger"),
                           f.write("trigger"));
  s.render = [](const resource::View&, const store::Record& r) { return render_trigger(r); };
  s.orders = {{"created_at_asc", Column::kCreatedAt, false},
              {"created_at_desc", Column::kCreatedAt, true},
              {"name_asc", Column::kName, false},
              {"name_desc", Column::kName, true}};
  of_container(s);
  s.create = [](Context& ctx, store::Tx& tx, store::Record& r) -> std::optional<ApiError> {
    codec::BodyReader b(ctx.body);
    auto id = b.uuid("container_id", true);
    auto name = b.str("name", true);
    auto description = b.str("description");
    auto tags = b.strings("tags");
    if (auto e = b.error()) return e;
    if (name->empty()) return ApiError::constraint("name", "name is required");
    auto source = source_in(ctx.body);
    if (!source) return source.error();
    if (!*source)
      return ApiError::invalid_argument(
          "cron_config", ArgReason::kRequired,
          "precisely one of cron_config, sqs_config and nats_config must be set");
    auto config = read_source(ctx, **source, ctx.body.at(**source + "_config"), {});
    if (!config) return config.error();
    auto destination = read_destination(ctx.body.if_contains("destination_config"), {});
    if (!destination) return destination.error();
    auto c = container_of(ctx, tx, *id);
    if (!c) return c.error();
    r.name = *name;
    r.tags = tags.value_or(std::vector<std::string>{});
    r.parent_id = c->id;
    r.body = {{"namespace_id", c->parent_id}, {"description", description.value_or("")},
              {"source_type", **source},      {"destination", std::move(*destination)},
              {**source, std::move(*config)}, {"error_message", ""}};
    ctx.svc.lifecycle.start(r, ctx.now(), {{"creating", 0, ""}, {"ready", kTriggerCreate, ""}});
    return std::nullopt;
  };
  s.patch = {{"name", resource::PatchField::As::kName},
             {"description", resource::PatchField::As::kString},
             {"tags", resource::PatchField::As::kTags}};
  // A new destination or source setting deploys the trigger again; a name, description or tags
  // do not (as recorded).
  s.update = [](Context& ctx, store::Tx&, store::Record& r) -> std::optional<ApiError> {
    if (r.state == "deleting") return ApiError::transient_state("trigger", r.id, r.state);
    auto source = source_in(ctx.body);
    if (!source) return source.error();
    auto current = str_of(r.body, "source_type");
    if (*source && **source != current)
      return ApiError::constraint(**source + "_config",
                                  "a " + current + " trigger cannot change its source");
    bool changed = false;
    if (*source) {
      auto before = value_of(r.body, current);
      auto config = read_source(ctx, current, ctx.body.at(current + "_config"),
                                before.is_object() ? before.as_object() : json::object{});
      if (!config) return config.error();
      changed = json::value(*config) != before;
      r.body[current] = std::move(*config);
    }
    auto before = value_of(r.body, "destination");
    auto destination = read_destination(ctx.body.if_contains("destination_config"),
                                        before.is_object() ? before.as_object() : json::object{});
    if (!destination) return destination.error();
    changed = changed || json::value(*destination) != before;
    r.body["destination"] = std::move(*destination);
    if (changed)
      ctx.svc.lifecycle.start(r, ctx.now(), {{"updating", 0, ""}, {"ready", kTriggerUpdate, ""}});
    return std::nullopt;
  };
  s.deletable = false;
  auto spec = std::make_shared<const resource::Spec>(std::move(s));
  resource::add_resource(reg, spec);
  reg.add("DELETE", kBase + "/triggers/{trigger_id}", f.write("trigger"),
          [spec](Context& ctx) { return function::delete_with_status(*spec, ctx, kDelete); });
}

}  // namespace

void register_v1_domains_triggers(app::Registry& reg) {
  register_domains(reg);
  register_triggers(reg);
}

}  // namespace scwd::products::container
