// Users: the Owner (bootstrapped), members (created with a username and password) and guests
// (invited by email), MFA (TOTP), lock/unlock, username/password, grace periods, connections.
#include "core/resource/resource.hpp"
#include "products/iam/handlers.hpp"
#include "products/iam/secrets.hpp"

namespace scwd::products::iam {

namespace {

constexpr Permission kRead{"IAMUsers", Access::kRead, "user", false, "user_id"};
constexpr Permission kWrite{"IAMUsers", Access::kWrite, "user"};
constexpr Permission kSelfWrite{"IAMUsers", Access::kWrite, "user", false, "user_id"};

bool valid_email(std::string_view e) {
  auto at = e.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < e.size() &&
         e.find('@', at + 1) == std::string_view::npos && e.find(' ') == std::string_view::npos &&
         e.size() <= 254;
}

bool valid_username(std::string_view u) {
  if (u.size() < 2 || u.size() > 64) return false;
  for (char c : u)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '@' || c == '.' || c == '_' ||
          c == '-'))
      return false;
  return true;
}

Result<void> check_username_free(store::Tx& tx, const std::string& org, const std::string& name,
                                 const std::string& except_id) {
  auto q = base_query(kUserKind, org);
  q.filters.push_back({Column::kBody, Op::kEq, {name}, "username"});
  q.with_total = false;
  for (auto& r : tx.list(q).items)
    if (r.id != except_id)
      return api::fail(ApiError::already_exists("user", r.id, "username already in use"));
  return {};
}

std::optional<ApiError> email_free(store::Tx& tx, const std::string& email,
                                   const std::string& except_id) {
  auto taken = tx.get_by_key(kUserKind, "email:" + email);
  if (taken && taken->id != except_id)
    return ApiError::already_exists("user", email, "email already in use");
  return std::nullopt;
}

// A member's fields (`member` of a create).
struct MemberIn {
  Required<std::string> email;
  std::optional<std::string> username, password, first_name, last_name, phone_number, locale;
  std::optional<bool> send_password_email, send_welcome_email;
};
BOOST_DESCRIBE_STRUCT(MemberIn, (),
                      (email, username, password, first_name, last_name, phone_number, locale,
                       send_password_email, send_welcome_email))

std::optional<ApiError> create_user(Context& ctx, store::Tx& tx, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto tags = b.strings("tags");
  auto email = b.str("email");
  auto* member = b.object("member");
  if (auto e = b.error()) return e;
  if (email && member)
    return ApiError::constraint("member", "only one of email (guest) and member may be set");
  if (!email && !member)
    return ApiError::invalid_argument("member", ArgReason::kRequired,
                                      "one of email (guest) or member is required");
  json::object body{
      {"first_name", ""},   {"last_name", ""},
      {"phone_number", ""}, {"locale", "en_US"},
      {"deletable", true},  {"last_login_at", nullptr},
      {"type", "member"},   {"status", "activated"},
      {"mfa", false},       {"account_root_user_id", ""},
      {"locked", false},    {"tags", strings_json(tags.value_or(std::vector<std::string>{}))}};
  std::string the_email;
  if (member) {
    codec::BodyReader m(*member, "member");
    MemberIn in;
    codec::read(m, in);
    auto& [email_in, username, password, first, last, phone, locale, send1, send2] = in;
    std::optional<std::string>& e = email_in.value;
    if (e && !valid_email(*e)) m.add("email", ArgReason::kFormat, "invalid email address");
    if (username && !username->empty() && !valid_username(*username))
      m.add("username", ArgReason::kConstraint, "must be 2 to 64 characters of [a-zA-Z0-9@._-]");
    if (first && codec::utf8_length(*first) > 64)
      m.add("first_name", ArgReason::kConstraint, "at most 64 characters");
    if (last && codec::utf8_length(*last) > 64)
      m.add("last_name", ArgReason::kConstraint, "at most 64 characters");
    if (auto err = m.error()) return err;
    the_email = to_lower(*e);
    body["username"] = username && !username->empty() ? *username : the_email;
    if (first) body["first_name"] = *first;
    if (last) body["last_name"] = *last;
    if (phone) body["phone_number"] = *phone;
    if (locale && !locale->empty()) body["locale"] = *locale;
    if (password && !password->empty()) body["password_hash"] = hash_password(*password);
  } else {
    if (!valid_email(*email))
      return ApiError::invalid_argument("email", ArgReason::kFormat, "invalid email address");
    the_email = to_lower(*email);
    body["username"] = the_email;
    body["status"] = "invitation_pending";
  }
  body["email"] = the_email;
  body["organization_id"] = r.organization_id;
  if (auto ok = check_username_free(tx, r.organization_id, str_of(body, "username"), ""); !ok)
    return ok.error();
  if (auto e = email_free(tx, the_email, "")) return e;
  r.name = the_email;
  r.keys = {"email:" + the_email};
  r.body = std::move(body);
  log_event(tx, ctx, "created", "user", r.id);
  return std::nullopt;
}

std::optional<ApiError> update_user(Context& ctx, store::Tx& tx, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto email = b.str("email");
  if (email && !valid_email(*email)) b.add("email", ArgReason::kFormat, "invalid email address");
  if (auto e = b.error()) return e;
  if (email) {
    auto e = to_lower(*email);
    if (auto taken = email_free(tx, e, r.id)) return taken;
    r.body["email"] = e;
    r.name = e;
    r.keys = {"email:" + e};
  }
  log_event(tx, ctx, "updated", "user", r.id);
  return std::nullopt;
}

std::optional<ApiError> delete_user(Context& ctx, store::Tx& tx, const store::Record& r) {
  if (str_of(r.body, "type") == "owner" || !bool_of(r.body, "deletable", true))
    return ApiError::precondition_failed("protected_resource",
                                         "the Owner of an organization cannot be deleted");
  delete_keys_of(tx, ctx, "user_id", r.id);
  orphan_policies(tx, ctx, "user_id", r.id);
  leave_groups(tx, ctx, "user_ids", r.id);
  auto jq = base_query(kJwtKind, ctx.principal.organization_id);
  jq.filters.push_back({Column::kParent, Op::kEq, {r.id}, {}});
  jq.with_total = false;
  for (auto& j : tx.list(jq).items) tx.remove(kJwtKind, j.id);
  log_event(tx, ctx, "deleted", "user", r.id);
  refresh_auth(ctx);
  return std::nullopt;
}

// A change made by an action on the user, logged.
resource::Change logged(resource::Change change) {
  return [change](Context& ctx, store::Tx& tx, store::Record& r) -> std::optional<ApiError> {
    if (auto e = change(ctx, tx, r)) return e;
    log_event(tx, ctx, "updated", "user", r.id);
    return std::nullopt;
  };
}

std::optional<ApiError> update_username(Context& ctx, store::Tx& tx, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto username = b.str("username", true);
  if (username && !valid_username(*username))
    b.add("username", ArgReason::kConstraint, "must be 2 to 64 characters of [a-zA-Z0-9@._-]");
  if (auto e = b.error()) return e;
  if (auto ok = check_username_free(tx, r.organization_id, *username, r.id); !ok) return ok.error();
  r.body["username"] = *username;
  return std::nullopt;
}

std::optional<ApiError> update_password(Context& ctx, store::Tx&, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto password = b.str("password", true);
  if (password && password->empty())
    b.add("password", ArgReason::kConstraint, "the password cannot be empty");
  if (auto e = b.error()) return e;
  r.body["password_hash"] = hash_password(*password);
  r.body["password_updated_at"] = format_time(ctx.now());
  return std::nullopt;
}

resource::Change set_locked(bool locked) {
  return [locked](Context& ctx, store::Tx&, store::Record& r) -> std::optional<ApiError> {
    if (str_of(r.body, "type") == "owner")
      return ApiError::precondition_failed("protected_resource",
                                           "the Owner of an organization cannot be locked");
    r.body["locked"] = locked;
    refresh_auth(ctx);
    return std::nullopt;
  };
}

std::shared_ptr<const resource::Spec> user_spec() {
  using resource::PatchField;
  static const auto spec = std::make_shared<const resource::Spec>(iam_spec(
      kUserKind, "user", "users", kRead, kWrite,
      resource::Spec{
          .render = [](const resource::View&, const store::Record& u) { return render_user(u); },
          .order_fields = {{"email", Column::kBody, "email"},
                           {"last_login", Column::kBody, "last_login_at"},
                           {"username", Column::kBody, "username"}},
          .filters =
              {resource::uuids("user_ids", Column::kId), resource::body_bool("mfa"), tag_filter(),
               resource::custom("type",
                                [](const Context& ctx, store::ListQuery& q) {
                                  if (auto* t = ctx.query("type");
                                      t && !t->empty() && *t != "unknown_type")
                                    q.filters.push_back({Column::kBody, Op::kEq, {*t}, "type"});
                                  return std::optional<ApiError>{};
                                })},
          .list_refs = {.not_refs = {"user_ids"}},  // a list filter
          .create = create_user,
          .organization_level = true,
          .quota = kUsersQuota,
          .patch = {{"tags", PatchField::As::kStrings},
                    {"first_name", PatchField::As::kString},
                    {"last_name", PatchField::As::kString},
                    {"phone_number", PatchField::As::kString},
                    {"locale", PatchField::As::kString}},
          .update = update_user,
          .update_permission = kSelfWrite,
          .actions = {{"POST", "update-username", logged(update_username), {}, kSelfWrite},
                      {"POST", "update-password", logged(update_password), {}, kSelfWrite},
                      {"POST", "lock", logged(set_locked(true))},
                      {"POST", "unlock", logged(set_locked(false))}},
          .on_delete = delete_user,
      }));
  return spec;
}

Result<store::Record> load_user(store::Tx& tx, Context& ctx) {
  return resource::load(ctx, tx, *user_spec());
}

Result<Response> create_mfa_otp(Context& ctx) {
  auto secret = random_base32(20);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_user(tx, ctx);
    if (!r) return api::fail(r.error());
    if (bool_of(r->body, "mfa"))
      return api::fail(ApiError::precondition_failed(
          "resource_still_in_use", "MFA is already enabled; delete the current OTP first"));
    r->body["mfa_pending_secret"] = secret;
    r->updated_at = ctx.now();
    tx.update(*r);
    return Response::json(200, json::object{{"secret", secret}});
  });
}

Result<Response> validate_mfa_otp(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto code = b.str("one_time_password", true);
  if (auto e = b.error()) return api::fail(*e);
  std::vector<std::string> codes;
  for (int i = 0; i < 8; ++i) codes.push_back(random_base32(5));
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_user(tx, ctx);
    if (!r) return api::fail(r.error());
    auto secret = str_of(r->body, "mfa_pending_secret");
    if (secret.empty())
      return api::fail(ApiError::precondition_failed(
          "attribute_must_be_set", "no MFA OTP is being enrolled: create one first"));
    if (!totp_matches(secret, *code, ctx.now()))
      return api::fail(ApiError::constraint("one_time_password", "invalid one-time password"));
    r->body.erase("mfa_pending_secret");
    r->body["mfa_secret"] = secret;
    r->body["mfa"] = true;
    json::array hashed;
    for (auto& c : codes) hashed.emplace_back(hash_secret(c));
    r->body["recovery_code_hashes"] = std::move(hashed);
    r->updated_at = ctx.now();
    tx.update(*r);
    log_event(tx, ctx, "updated", "user", r->id);
    return Response::json(200, json::object{{"recovery_codes", strings_json(codes)}});
  });
}

Result<Response> delete_mfa_otp(Context& ctx) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_user(tx, ctx);
    if (!r) return api::fail(r.error());
    for (auto k : {"mfa_pending_secret", "mfa_secret", "recovery_code_hashes"}) r->body.erase(k);
    r->body["mfa"] = false;
    r->updated_at = ctx.now();
    tx.update(*r);
    log_event(tx, ctx, "updated", "user", r->id);
    return Response::no_content();
  });
}

Result<Response> list_grace_periods(Context& ctx) {
  std::string uid;
  if (auto v = ctx.query_opt("user_id"); v && !v->empty()) {
    if (!is_uuid(*v))
      return api::fail(
          ApiError::invalid_argument("user_id", ArgReason::kFormat, "value must be a valid UUID"));
    uid = to_lower(*v);
  } else if (ctx.principal.bearer_type == "user") {
    uid = ctx.principal.bearer_id;
  }
  json::array periods;
  if (!uid.empty()) {
    auto tx = ctx.store().begin(store::TxMode::kRead);
    auto u = load(*tx, ctx, kUserKind, uid);
    if (!u) return api::fail(ApiError::not_found("user", uid));
    // A member without a password while the organization enforces renewal, or without MFA:
    // nothing is enforced by scwd, so no grace period is running.
  }
  return Response::json(200, json::object{{"grace_periods", std::move(periods)}});
}

// --- connections between users (accounts linked across organizations) ---

Result<Response> get_connections(Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto r = load_user(*tx, ctx);
  if (!r) return api::fail(r.error());
  json::array out;
  for (auto& other_id : strings_of(r->body, "connections")) {
    auto other = tx->get(kUserKind, other_id);
    if (!other) continue;
    auto org = tx->get(auth::kOrganizationKind, other->organization_id);
    out.push_back(
        json::object{{"organization", json::object{{"id", other->organization_id},
                                                   {"name", org ? org->name : std::string()},
                                                   {"locked", false}}},
                     {"user", json::object{{"id", other->id},
                                           {"username", str_of(other->body, "username")},
                                           {"type", str_of(other->body, "type")}}}});
  }
  return Response::json(200, json::object{{"connections", std::move(out)}});
}

Result<Response> initiate_connection(Context& ctx) {
  auto token = random_token(32);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_user(tx, ctx);
    if (!r) return api::fail(r.error());
    store::Record t = new_record(ctx, kConnectionTokenKind, r->organization_id, r->id);
    t.keys = {"token:" + hash_secret(token)};
    t.body = json::object{{"expires_us", ctx.now() + 3600LL * 1000000}};
    tx.insert(t);
    return Response::json(200, json::object{{"token", token}});
  });
}

void link(store::Record& a, const std::string& b_id) {
  auto ids = strings_of(a.body, "connections");
  if (std::find(ids.begin(), ids.end(), b_id) == ids.end()) ids.push_back(b_id);
  a.body["connections"] = strings_json(ids);
}

void unlink(store::Record& a, const std::string& b_id) {
  auto ids = strings_of(a.body, "connections");
  std::erase(ids, b_id);
  a.body["connections"] = strings_json(ids);
}

Result<Response> join_connection(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto token = b.str("token", true);
  if (auto e = b.error()) return api::fail(*e);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_user(tx, ctx);
    if (!r) return api::fail(r.error());
    auto t = tx.get_by_key(kConnectionTokenKind, "token:" + hash_secret(*token));
    auto exp = t ? t->body.find("expires_us") : nullptr;
    if (!t || !exp || !exp->value().is_int64() || exp->value().get_int64() <= ctx.now())
      return api::fail(ApiError::constraint("token", "unknown or expired connection token"));
    auto other = tx.get(kUserKind, t->parent_id);
    if (!other || other->id == r->id)
      return api::fail(ApiError::constraint("token", "the token cannot connect this user"));
    link(*r, other->id);
    link(*other, r->id);
    r->updated_at = other->updated_at = ctx.now();
    tx.update(*r);
    tx.update(*other);
    tx.remove(kConnectionTokenKind, t->id);
    return Response::no_content();
  });
}

Result<Response> remove_connection(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto target = b.uuid("target_user_id", true);
  if (auto e = b.error()) return api::fail(*e);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_user(tx, ctx);
    if (!r) return api::fail(r.error());
    auto ids = strings_of(r->body, "connections");
    if (std::find(ids.begin(), ids.end(), *target) == ids.end())
      return api::fail(ApiError::not_found("user", *target));
    unlink(*r, *target);
    r->updated_at = ctx.now();
    tx.update(*r);
    if (auto other = tx.get(kUserKind, *target)) {
      unlink(*other, r->id);
      other->updated_at = ctx.now();
      tx.update(*other);
    }
    return Response::no_content();
  });
}

}  // namespace

// Policies bound to a principal that goes away keep existing without a principal.
void orphan_policies(store::Tx& tx, Context& ctx, std::string_view field, const std::string& id) {
  auto q = base_query(kPolicyKind, ctx.principal.organization_id);
  q.filters.push_back({Column::kBody, Op::kEq, {id}, std::string(field)});
  q.with_total = false;
  for (auto& p : tx.list(q).items) {
    p.body.erase(field);
    p.body["no_principal"] = true;
    p.updated_at = ctx.now();
    tx.update(p);
  }
}

void leave_groups(store::Tx& tx, Context& ctx, std::string_view field, const std::string& id) {
  auto q = base_query(kGroupKind, ctx.principal.organization_id);
  q.filters.push_back({Column::kBody, Op::kAnyIn, {id}, std::string(field)});
  q.with_total = false;
  for (auto& g : tx.list(q).items) {
    auto ids = strings_of(g.body, field);
    std::erase(ids, id);
    g.body[field] = strings_json(ids);
    g.updated_at = ctx.now();
    tx.update(g);
  }
}

void delete_keys_of(store::Tx& tx, Context& ctx, std::string_view field, const std::string& id) {
  auto q = base_query(kApiKeyKind, ctx.principal.organization_id);
  q.filters.push_back({Column::kBody, Op::kEq, {id}, std::string(field)});
  q.with_total = false;
  for (auto& k : tx.list(q).items) {
    tx.remove(kApiKeyKind, k.id);
    log_event(tx, ctx, "deleted", "api_key", k.id);
  }
}

void register_users(app::Registry& r) {
  const std::string u = "/iam/v1alpha1/users";
  resource::add_resource(r, user_spec());
  r.add("POST", u + "/{user_id}/mfa-otp", kSelfWrite, create_mfa_otp);
  r.add("POST", u + "/{user_id}/validate-mfa-otp", kSelfWrite, validate_mfa_otp);
  r.add("DELETE", u + "/{user_id}/mfa-otp", kSelfWrite, delete_mfa_otp);
  r.add("GET", "/iam/v1alpha1/grace-periods", kRead, list_grace_periods)
      .refs({app::query_ref("user_id", app::Access::kRead, {kUserRef})});
  r.add("GET", u + "/{user_id}/connections", kRead, get_connections);
  r.add("POST", u + "/{user_id}/initiate-connection", kSelfWrite, initiate_connection);
  r.add("POST", u + "/{user_id}/join-connection", kSelfWrite, join_connection);
  // Only a connection the user already has can be removed (the handler checks): the target
  // is named through the user's own record, not reached on its own.
  r.add("POST", u + "/{user_id}/remove-connection", kSelfWrite, remove_connection)
      .not_refs({"target_user_id"});
}

}  // namespace scwd::products::iam
