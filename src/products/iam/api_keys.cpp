// API keys: the secret is shown once (create answer) and stored as a hash; the bearer is a user
// or an application. A user may create and delete its own keys; keys of applications need an
// application manager; keys of other users an IAM user manager (or the Owner).
#include "core/resource/resource.hpp"
#include "products/iam/handlers.hpp"

namespace scwd::products::iam {

namespace {

constexpr Permission kRead{"IAMAPIKeys", Access::kRead, "api_key"};
constexpr Permission kWrite{"IAMAPIKeys", Access::kWrite, "api_key", false, "user_id"};
constexpr std::int64_t kNever = INT64_MAX;  // expires_us of a key without expiry

json::object render(const resource::View&, const store::Record& r) {
  json::object o;
  o["access_key"] = r.id;
  o["secret_key"] = nullptr;  // the create answer alone carries it
  o["description"] = str_of(r.body, "description");
  o["created_at"] = format_time(r.created_at);
  o["updated_at"] = format_time(r.updated_at);
  o["expires_at"] = ts_or_null(r.body, "expires_at");
  o["default_project_id"] = str_of(r.body, "default_project_id");
  o["editable"] = bool_of(r.body, "editable", true);
  o["deletable"] = bool_of(r.body, "deletable", true);
  o["managed"] = bool_of(r.body, "managed", false);
  o["creation_ip"] = str_of(r.body, "creation_ip");
  if (auto a = str_of(r.body, "application_id"); !a.empty())
    o["application_id"] = a;
  else
    o["user_id"] = str_of(r.body, "user_id");
  return o;
}

// Durations of the security settings are "<seconds>s".
std::optional<std::int64_t> duration_seconds(std::string_view s) {
  if (s.empty() || s.back() != 's') return std::nullopt;
  try {
    return static_cast<std::int64_t>(std::stod(std::string(s.substr(0, s.size() - 1))));
  } catch (...) {
    return std::nullopt;
  }
}

// Validates expires_at against now and the organization's maximum key lifetime.
Result<std::optional<Micros>> read_expiry(store::Tx& tx, Context& ctx,
                                          const std::optional<std::string>& given, bool creating) {
  std::int64_t max_s = 0;
  if (auto s = tx.get(kOrgSettingsKind, ctx.principal.organization_id))
    max_s = duration_seconds(str_of(s->body, "max_api_key_expiration_duration")).value_or(0);
  if (!given || given->empty()) {
    if (creating && max_s > 0)
      return api::fail(ApiError::invalid_argument(
          "expires_at", ArgReason::kRequired,
          "the organization requires API keys to expire within " + std::to_string(max_s) + "s"));
    return std::optional<Micros>{};
  }
  auto t = parse_time(*given);
  if (!t)
    return api::fail(ApiError::invalid_argument("expires_at", ArgReason::kFormat,
                                                "value must be an RFC 3339 timestamp"));
  if (*t <= ctx.now())
    return api::fail(
        ApiError::constraint("expires_at", "the expiration date must be in the future"));
  if (max_s > 0 && *t > ctx.now() + max_s * 1000000)
    return api::fail(ApiError::constraint(
        "expires_at",
        "the organization allows API keys to live at most " + std::to_string(max_s) + "s"));
  return std::optional<Micros>{*t};
}

Result<std::string> read_default_project(store::Tx& tx, Context& ctx,
                                         const std::optional<std::string>& given) {
  if (!given || given->empty()) return ctx.principal.organization_id;
  if (!is_uuid(*given))
    return api::fail(ApiError::invalid_argument("default_project_id", ArgReason::kFormat,
                                                "value must be a valid UUID"));
  auto pid = to_lower(*given);
  auto p = tx.get(auth::kProjectKind, pid);
  if (!p || p->organization_id != ctx.principal.organization_id)
    return api::fail(ApiError::not_found("project", pid));
  return pid;
}

// Who may manage the keys of a bearer.
std::optional<ApiError> check_bearer_rights(Context& ctx, const std::string& user_id,
                                            const std::string& application_id) {
  if (!application_id.empty()) {
    if (!ctx.allows("IAMApplications", Access::kWrite)) return ctx.denied();
    return std::nullopt;
  }
  bool self = ctx.principal.bearer_type == "user" && ctx.principal.bearer_id == user_id;
  if (!self && !ctx.allows("IAMUsers", Access::kWrite)) return ctx.denied();
  return std::nullopt;
}

// The organization-wide list filters of API keys: by bearer, expiry, description.
std::optional<ApiError> key_filters(const Context& ctx, store::ListQuery& q) {
  if (auto expired = ctx.query_bool("expired"))
    q.filters.push_back({Column::kBody, *expired ? Op::kLe : Op::kGt, {ctx.now()}, "expires_us"});
  std::vector<std::string> aks = ctx.query_all("access_keys", true);
  if (auto* one = ctx.query("access_key"); one && !one->empty()) aks.push_back(*one);
  if (!aks.empty()) q.filters.push_back({Column::kId, Op::kIn, aks, {}});
  if (auto* d = ctx.query("description"); d && !d->empty())
    q.filters.push_back({Column::kBody, Op::kContains, {*d}, "description"});
  std::string bearer_type = ctx.query_opt("bearer_type").value_or("");
  if (auto* id = ctx.query("bearer_id"); id && !id->empty()) {
    auto bid = to_lower(*id);
    if (bearer_type == "application")
      q.filters.push_back({Column::kBody, Op::kEq, {bid}, "application_id"});
    else if (bearer_type == "user")
      q.filters.push_back({Column::kBody, Op::kEq, {bid}, "user_id"});
    else
      q.filters.push_back({Column::kBody, Op::kEq, {bid}, "bearer_id"});
  } else if (bearer_type == "application") {
    q.filters.push_back({Column::kBody, Op::kNotNull, {"x"}, "application_id"});
  } else if (bearer_type == "user") {
    q.filters.push_back({Column::kBody, Op::kNotNull, {"x"}, "user_id"});
  }
  for (auto field : {"application_id", "user_id"})
    if (auto* v = ctx.query(field); v && !v->empty())
      q.filters.push_back({Column::kBody, Op::kEq, {to_lower(*v)}, field});
  return std::nullopt;
}

struct KeyIn {
  std::optional<Uuid> application_id, user_id;
  std::optional<std::string> expires_at, default_project_id, description;
};
BOOST_DESCRIBE_STRUCT(KeyIn, (),
                      (application_id, user_id, expires_at, default_project_id, description))

std::optional<ApiError> create_key(Context& ctx, store::Tx& tx, store::Record& r) {
  auto in = codec::read<KeyIn>(ctx.body);
  if (!in) return in.error();
  auto& [app, user, expires_in, project_in, description] = *in;  // declaration order
  if (app && user)
    return ApiError::constraint("application_id", "only one of application_id and user_id");
  if (!app && !user)
    return ApiError::invalid_argument("application_id", ArgReason::kRequired,
                                      "one of application_id and user_id is required");
  if (auto e = check_bearer_rights(ctx, user.value_or(""), app.value_or(""))) return e;
  if (app && !load(tx, ctx, kApplicationKind, *app))
    return ApiError::not_found("application", *app);
  if (user && !load(tx, ctx, kUserKind, *user)) return ApiError::not_found("user", *user);
  auto project = read_default_project(tx, ctx, project_in);
  if (!project) return project.error();
  auto expires = read_expiry(tx, ctx, expires_in, true);
  if (!expires) return expires.error();
  const std::string secret = new_uuid();
  r.keys = {auth::secret_lookup_key(secret)};
  r.body = json::object{
      {"secret_hash", hash_secret(secret)},
      {"description", description.value_or("")},
      {"expires_at", *expires ? json::value(format_compact(**expires)) : json::value(nullptr)},
      {"expires_us", expires->value_or(kNever)},
      {"default_project_id", *project},
      {"editable", true},
      {"deletable", true},
      {"managed", false},
      {"creation_ip", ctx.req.remote},
      {"bearer_id", app ? *app : *user}};
  if (app)
    r.body["application_id"] = *app;
  else
    r.body["user_id"] = *user;
  ctx.answer_extra["secret_key"] = secret;
  log_event(tx, ctx, "created", "api_key", r.id);
  return std::nullopt;
}

std::optional<ApiError> update_key(Context& ctx, store::Tx& tx, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto project_in = b.str("default_project_id");
  auto expires_in = b.str("expires_at");
  if (auto e = b.error()) return e;
  if (auto e =
          check_bearer_rights(ctx, str_of(r.body, "user_id"), str_of(r.body, "application_id")))
    return e;
  if (auto e = refuse_protected(r, "editable", "API key")) return e;
  if (project_in) {
    auto project = read_default_project(tx, ctx, project_in);
    if (!project) return project.error();
    r.body["default_project_id"] = *project;
  }
  if (expires_in) {
    auto expires = read_expiry(tx, ctx, expires_in, false);
    if (!expires) return expires.error();
    r.body["expires_at"] = *expires ? json::value(format_compact(**expires)) : json::value(nullptr);
    r.body["expires_us"] = expires->value_or(kNever);
  }
  log_event(tx, ctx, "updated", "api_key", r.id);
  refresh_auth(ctx);
  return std::nullopt;
}

std::optional<ApiError> delete_key(Context& ctx, store::Tx& tx, const store::Record& r) {
  if (auto e =
          check_bearer_rights(ctx, str_of(r.body, "user_id"), str_of(r.body, "application_id")))
    return e;
  if (auto e = refuse_protected(r, "deletable", "API key")) return e;
  log_event(tx, ctx, "deleted", "api_key", r.id);
  // The key stops working at once: no cached authentication survives the commit.
  refresh_auth(ctx);
  return std::nullopt;
}

}  // namespace

void register_api_keys(app::Registry& r) {
  using app::Access;
  resource::add_resource(
      r,
      iam_spec(
          kApiKeyKind, "access_key", "api-keys", kRead, kWrite,
          resource::Spec{
              .id_param = "access_key",
              .bad_id_help = "value must be an access key (SCW...)",
              .id_ok = [](std::string_view id) { return is_access_key(id); },
              .new_id = new_access_key,
              .render = render,
              .order_fields = {{"expires_at", Column::kBody, "expires_us"},
                               {"access_key", Column::kId}},
              .filters = {resource::body_bool("editable"), resource::custom("bearer", key_filters)},
              // Filters of the list; the default project only says where the key's creations go
              // (each is authorized in its own project), so it grants nothing.
              .list_refs = {.not_refs = {"access_key", "access_keys", "bearer_id", "application_id",
                                         "user_id"}},
              .create = create_key,
              .organization_level = true,
              .quota = kApiKeysQuota,
              // A key is created for a bearer the caller must be able to read.
              .create_refs = {{app::body_ref("user_id", Access::kRead, {kUserRef}),
                               app::body_ref("application_id", Access::kRead, {kApplicationRef})},
                              {"default_project_id"}},
              .patch = {{"description", resource::PatchField::As::kString}},
              .update = update_key,
              .update_refs = {.not_refs = {"default_project_id"}},
              .on_delete = delete_key,
          }));
}

}  // namespace scwd::products::iam
