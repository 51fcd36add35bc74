// JWTs (console sessions of users) and the IAM audit log.
#include "core/resource/resource.hpp"
#include "products/iam/handlers.hpp"
#include "products/iam/secrets.hpp"

namespace scwd::products::iam {

namespace {

constexpr Permission kJwtRead{"IAMUsers", Access::kRead, "jwt", false, "audience_id"};
constexpr Permission kJwtCreate{"IAMUsers", Access::kWrite, "jwt", false, "user_id"};
constexpr Permission kJwtDelete{"IAMUsers", Access::kWrite, "jwt", false, "audience_id"};
constexpr Permission kLogsRead{"IAMLogs", Access::kRead, "log"};
constexpr std::int64_t kDefaultSessionSeconds = 30LL * 24 * 3600;

json::object render_jwt(const resource::View&, const store::Record& r) {
  return json::object{{"jti", r.id},
                      {"issuer_id", str_of(r.body, "issuer_id")},
                      {"audience_id", str_of(r.body, "audience_id")},
                      {"created_at", format_time(r.created_at)},
                      {"updated_at", format_time(r.updated_at)},
                      {"expires_at", ts_or_null(r.body, "expires_at")},
                      {"ip", str_of(r.body, "ip")},
                      {"user_agent", str_of(r.body, "user_agent")}};
}

std::int64_t session_seconds(store::Tx& tx, const std::string& org) {
  if (auto s = tx.get(kOrgSettingsKind, org)) {
    auto v = str_of(s->body, "max_login_session_duration");
    if (!v.empty() && v.back() == 's') {
      try {
        auto n = static_cast<std::int64_t>(std::stod(v.substr(0, v.size() - 1)));
        if (n > 0) return n;
      } catch (...) {
      }
    }
  }
  return kDefaultSessionSeconds;
}

// The user whose sessions are listed: required.
std::optional<ApiError> jwt_filters(const Context& ctx, store::ListQuery& q) {
  auto aud = ctx.query_opt("audience_id");
  if (!aud || aud->empty())
    return ApiError::invalid_argument("audience_id", ArgReason::kRequired,
                                      "required key not provided");
  if (!is_uuid(*aud))
    return ApiError::invalid_argument("audience_id", ArgReason::kFormat,
                                      "value must be a valid UUID");
  q.filters.push_back({Column::kParent, Op::kEq, {to_lower(*aud)}, {}});
  if (auto expired = ctx.query_bool("expired"))
    q.filters.push_back({Column::kBody, *expired ? Op::kLe : Op::kGt, {ctx.now()}, "expires_us"});
  return std::nullopt;
}

Result<Response> create_jwt(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto user = b.uuid("user_id", true);
  auto referrer = b.str("referrer");
  if (auto e = b.error()) return api::fail(*e);
  const std::string token_secret = random_token(32);
  const std::string renew = random_token(32);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto u = load(tx, ctx, kUserKind, *user);
    if (!u) return api::fail(ApiError::not_found("user", *user));
    if (bool_of(u->body, "locked"))
      return api::fail(ApiError::precondition_failed("resource_not_usable", "the user is locked"));
    store::Record r = new_record(ctx, kJwtKind, u->organization_id, u->id);
    auto expires = ctx.now() + session_seconds(tx, u->organization_id) * 1000000;
    // A JWT-shaped token: header and claims are informative, the server only trusts the hash.
    json::object claims{{"jti", r.id},
                        {"sub", u->id},
                        {"iss", ctx.principal.bearer_id},
                        {"aud", u->id},
                        {"iat", ctx.now() / 1000000},
                        {"exp", expires / 1000000}};
    std::string token = base64_encode(R"({"alg":"HS256","typ":"JWT"})", true) + "." +
                        base64_encode(json::serialize(claims), true) + "." + token_secret;
    r.keys = {auth::session_lookup_key(token), "renew:" + hash_secret(renew)};
    std::string ua;
    if (auto* h = ctx.req.header("User-Agent")) ua = *h;
    r.body = json::object{{"issuer_id", ctx.principal.bearer_id},
                          {"audience_id", u->id},
                          {"expires_at", format_time(expires)},
                          {"expires_us", expires},
                          {"ip", ctx.req.remote},
                          {"user_agent", ua},
                          {"referrer", referrer.value_or("")}};
    tx.insert(r);
    return Response::json(
        200,
        json::object{{"jwt", render_jwt({ctx, {}}, r)}, {"token", token}, {"renew_token", renew}});
  });
}

// --- logs ---

json::object render_log(const resource::View&, const store::Record& r) {
  return json::object{{"id", r.id},
                      {"created_at", format_time(r.created_at)},
                      {"ip", str_of(r.body, "ip")},
                      {"user_agent", str_of(r.body, "user_agent")},
                      {"action", str_of(r.body, "action")},
                      {"bearer_id", str_of(r.body, "bearer_id")},
                      {"organization_id", r.organization_id},
                      {"resource_type", str_of(r.body, "resource_type")},
                      {"resource_id", str_of(r.body, "resource_id")}};
}

std::optional<ApiError> log_filters(const Context& ctx, store::ListQuery& q) {
  for (auto [param, op] :
       {std::pair{"created_after", Op::kGt}, std::pair{"created_before", Op::kLt}})
    if (auto* v = ctx.query(param); v && !v->empty()) {
      auto t = parse_time(*v);
      if (!t)
        return ApiError::invalid_argument(param, ArgReason::kFormat,
                                          "value must be an RFC 3339 timestamp");
      q.filters.push_back({Column::kCreatedAt, op, {*t}, {}});
    }
  if (auto* a = ctx.query("action"); a && !a->empty() && *a != "unknown_action")
    q.filters.push_back({Column::kBody, Op::kEq, {*a}, "action"});
  if (auto* t = ctx.query("resource_type"); t && !t->empty() && *t != "unknown_resource_type")
    q.filters.push_back({Column::kBody, Op::kEq, {*t}, "resource_type"});
  if (auto* s = ctx.query("search"); s && !s->empty())
    q.filters.push_back({Column::kBody, Op::kContains, {*s}, "search"});
  return std::nullopt;
}

std::optional<ApiError> delete_jwt(Context& ctx, store::Tx&, const store::Record&) {
  refresh_auth(ctx);
  return std::nullopt;
}

}  // namespace

void register_jwts(app::Registry& r) {
  resource::add_resource(
      r,
      iam_spec(kJwtKind, "jwt", "jwts", kJwtRead, kJwtDelete,
               resource::Spec{
                   .id_param = "jti",
                   .render = render_jwt,
                   .filters = {resource::custom("audience_id", jwt_filters)},
                   // The user whose sessions are listed (oneself needs no right).
                   .list_refs = {{app::query_ref("audience_id", app::Access::kRead, {kUserRef})}},
                   .organization_level = true,
                   .on_delete = delete_jwt,
               }));
  // The create answer is not the record's view: the JWT, its token and the renew token.
  r.add("POST", "/iam/v1alpha1/jwts", kJwtCreate, create_jwt)
      .refs({app::body_ref("user_id", app::Access::kWrite, {kUserRef})});
}

void register_logs(app::Registry& r) {
  resource::add_resource(r,
                         iam_spec(kLogKind, "log", "logs", kLogsRead, kLogsRead,
                                  resource::Spec{
                                      .render = render_log,
                                      .filters = {resource::custom("created_after", log_filters)},
                                      .organization_level = true,
                                      .deletable = false,
                                  }));
}

}  // namespace scwd::products::iam
