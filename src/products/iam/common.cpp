#include "products/iam/common.hpp"

#include <cstdio>

#include "core/resource/named.hpp"

namespace scwd::products::iam {

store::Record new_record(const Context& ctx, std::string_view kind, std::string organization_id,
                         std::string parent_id) {
  store::Record r;
  r.kind = std::string(kind);
  r.id = new_uuid();
  r.organization_id = std::move(organization_id);
  r.parent_id = std::move(parent_id);
  r.created_at = r.updated_at = ctx.now();
  return r;
}

std::optional<ApiError> start_customer_record(Context& ctx, store::Record& r) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name", true);
  auto description = b.str("description");
  auto tags = b.strings("tags");
  if (auto e = b.error()) return e;
  r.name = *name;
  r.body = json::object{{"description", description.value_or("")},
                        {"tags", strings_json(tags.value_or(std::vector<std::string>{}))},
                        {"editable", true},
                        {"deletable", true},
                        {"managed", false}};
  return std::nullopt;
}

std::optional<ApiError> refuse_protected(const store::Record& r, std::string_view flag,
                                         std::string_view what) {
  if (bool_of(r.body, flag, true)) return std::nullopt;
  return ApiError::precondition_failed(
      "protected_resource", "this " + std::string(what) + " is not " + std::string(flag));
}

resource::Spec iam_spec(std::string_view kind, std::string resource, std::string_view segment,
                        Permission read, Permission write, resource::Spec s) {
  if (s.bad_id_help == resource::Spec{}.bad_id_help) s.bad_id_help = "value must be a valid UUID";
  return resource::named(kind, std::move(resource), "/iam/v1alpha1/" + std::string(segment), read,
                         write, std::move(s));
}

Result<std::string> path_uuid(Context& ctx, std::string_view name, std::string_view) {
  auto v = ctx.param(name);
  if (!is_uuid(v))
    return api::fail(ApiError::invalid_argument(std::string(name), ArgReason::kFormat,
                                                "value must be a valid UUID"));
  return to_lower(v);
}

Result<std::string> path_org(Context& ctx) {
  auto id = path_uuid(ctx, "organization_id", "organization");
  if (!id) return api::fail(id.error());
  if (*id != ctx.principal.organization_id) return api::fail(ctx.denied());
  return *id;
}

Result<std::string> organization_of(Context& ctx, const std::optional<std::string>& given) {
  if (!given || given->empty()) return ctx.principal.organization_id;
  if (!is_uuid(*given))
    return api::fail(ApiError::invalid_argument("organization_id", ArgReason::kFormat,
                                                "value must be a valid UUID"));
  auto org = to_lower(*given);
  if (org != ctx.principal.organization_id) return api::fail(ctx.denied());
  return org;
}

Result<std::vector<std::string>> query_uuids(const Context& ctx, std::string_view name) {
  auto ids = ctx.query_all(name, true);
  for (auto& id : ids) {
    if (!is_uuid(id))
      return api::fail(ApiError::invalid_argument(std::string(name), ArgReason::kFormat,
                                                  "value must be a valid UUID"));
    id = to_lower(id);
  }
  return ids;
}

std::string format_compact(Micros t) {
  auto s = format_time(t);
  auto dot = s.find('.');
  if (dot != std::string::npos && s.substr(dot, 7) == ".000000") s.erase(dot, 7);
  return s;
}

json::value tags_of(const json::object& o) { return strings_json(strings_of(o, "tags")); }

json::value ts_or_null(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return nullptr;
  return it->value();
}

std::optional<store::Record> load(store::Tx& tx, Context& ctx, std::string_view kind,
                                  std::string_view id) {
  auto r = tx.get(kind, id);
  if (!r || r->organization_id != ctx.principal.organization_id) return std::nullopt;
  return r;
}

Result<store::Record> load_or_404(store::Tx& tx, Context& ctx, std::string_view kind,
                                  std::string_view id, std::string_view resource) {
  auto r = load(tx, ctx, kind, id);
  if (!r) return api::fail(ApiError::not_found(resource, id));
  return std::move(*r);
}

Result<store::Record> path_record(store::Tx& tx, Context& ctx, std::string_view param,
                                  std::string_view kind, std::string_view resource) {
  auto id = path_uuid(ctx, param, resource);
  if (!id) return api::fail(id.error());
  return load_or_404(tx, ctx, kind, *id, resource);
}

Result<store::Record> organization_record(Context& ctx, store::Tx& tx, std::string_view kind,
                                          std::string_view resource) {
  auto org = path_org(ctx);
  if (!org) return api::fail(org.error());
  auto r = tx.get_by_key(kind, "org:" + *org);
  if (!r) return api::fail(ApiError::not_found(resource, *org));
  return std::move(*r);
}

Result<Response> delete_path_record(Context& ctx, std::string_view param, std::string_view kind,
                                    std::string_view resource) {
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = path_record(tx, ctx, param, kind, resource);
    if (!r) return api::fail(r.error());
    tx.remove(kind, r->id);
    return Response::no_content();
  });
}

resource::Filter tag_filter() {
  return resource::custom("tag", [](const Context& ctx, store::ListQuery& q) {
    if (auto* t = ctx.query("tag"); t && !t->empty())
      q.filters.push_back({Column::kBody, Op::kAnyContains, {*t}, "tags"});
    return std::optional<ApiError>{};
  });
}

store::ListQuery base_query(std::string_view kind, const std::string& organization_id) {
  store::ListQuery q;
  q.kind = std::string(kind);
  q.filters.push_back({Column::kOrganization, Op::kEq, {organization_id}, {}, false});
  return q;
}

Response list_response(std::string_view key, json::array items, std::int64_t total) {
  return Response::json(200, paging::list_body(key, std::move(items), total));
}

void log_event(store::Tx& tx, const Context& ctx, std::string_view action,
               std::string_view resource_type, std::string_view resource_id) {
  store::Record r = new_record(ctx, kLogKind, ctx.principal.organization_id);
  std::string ua;
  if (auto* h = ctx.req.header("User-Agent")) ua = *h;
  r.body = json::object{{"ip", ctx.req.remote},
                        {"user_agent", ua},
                        {"action", action},
                        {"bearer_id", ctx.principal.bearer_id},
                        {"resource_type", resource_type},
                        {"resource_id", resource_id},
                        {"search", ctx.principal.bearer_id + " " + std::string(resource_id)}};
  tx.insert(r);
}

Response with_auth_refresh(Context& ctx, Response res) {
  refresh_auth(ctx);
  return res;
}

void refresh_auth(Context& ctx) {
  if (!ctx.svc.invalidate_auth_cache) return;
  ctx.svc.invalidate_auth_cache();
  ctx.after_commit = ctx.svc.invalidate_auth_cache;
}

json::object render_user(const store::Record& r) {
  const auto& b = r.body;
  json::object o;
  o["id"] = r.id;
  o["email"] = str_of(b, "email");
  o["username"] = str_of(b, "username");
  o["first_name"] = str_of(b, "first_name");
  o["last_name"] = str_of(b, "last_name");
  o["phone_number"] = str_of(b, "phone_number");
  o["locale"] = str_of(b, "locale");
  o["created_at"] = format_time(r.created_at);
  o["updated_at"] = format_time(r.updated_at);
  o["organization_id"] = r.organization_id;
  o["deletable"] = bool_of(b, "deletable", true);
  o["last_login_at"] = ts_or_null(b, "last_login_at");
  o["type"] = str_of(b, "type");
  o["two_factor_enabled"] = bool_of(b, "mfa");
  o["status"] = str_of(b, "status").empty() ? "activated" : str_of(b, "status");
  o["mfa"] = bool_of(b, "mfa");
  o["account_root_user_id"] = str_of(b, "account_root_user_id");
  o["tags"] = tags_of(b);
  o["locked"] = bool_of(b, "locked");
  return o;
}

}  // namespace scwd::products::iam
