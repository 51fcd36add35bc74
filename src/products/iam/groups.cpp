// Groups of users and applications; their policies apply to every member.
#include "products/iam/handlers.hpp"

namespace scwd::products::iam {

namespace {

constexpr Permission kRead{"IAMGroups", Access::kRead, "group"};
constexpr Permission kWrite{"IAMGroups", Access::kWrite, "group"};

json::object render(const store::Record& r) {
  json::object o;
  o["id"] = r.id;
  o["created_at"] = format_time(r.created_at);
  o["updated_at"] = format_time(r.updated_at);
  o["organization_id"] = r.organization_id;
  o["name"] = r.name;
  o["description"] = str_of(r.body, "description");
  o["user_ids"] = strings_json(strings_of(r.body, "user_ids"));
  o["application_ids"] = strings_json(strings_of(r.body, "application_ids"));
  o["tags"] = tags_of(r.body);
  o["editable"] = bool_of(r.body, "editable", true);
  o["deletable"] = bool_of(r.body, "deletable", true);
  o["managed"] = bool_of(r.body, "managed", false);
  return o;
}

std::string name_key(const std::string& org, const std::string& name) {
  return "name:" + org + ":" + name;
}

Result<store::Record> load_group(store::Tx& tx, Context& ctx) {
  auto id = path_uuid(ctx, "group_id", "group");
  if (!id) return api::fail(id.error());
  return load_or_404(tx, ctx, kGroup, *id, "group");
}

// Every id must be a user (or application) of the organization.
std::optional<ApiError> check_members(store::Tx& tx, Context& ctx, std::string_view kind,
                                      std::string_view resource,
                                      const std::vector<std::string>& ids) {
  for (auto& id : ids) {
    if (!is_uuid(id))
      return ApiError::invalid_argument(std::string(resource) + "_ids", ArgReason::kFormat,
                                        "value must be a valid UUID");
    if (!load(tx, ctx, kind, to_lower(id))) return ApiError::not_found(resource, id);
  }
  return std::nullopt;
}

std::vector<std::string> lowered(std::vector<std::string> v) {
  for (auto& s : v) s = to_lower(s);
  std::vector<std::string> out;
  for (auto& s : v)
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  return out;
}

Result<Response> list_groups(Context& ctx) {
  auto org = organization_of(ctx, ctx.query_opt("organization_id"));
  if (!org) return api::fail(org.error());
  auto page = paging::read(ctx.req);
  if (!page) return api::fail(page.error());
  auto order = paging::order(ctx.req, {{"created_at_asc", Column::kCreatedAt, false},
                                       {"created_at_desc", Column::kCreatedAt, true},
                                       {"updated_at_asc", Column::kUpdatedAt, false},
                                       {"updated_at_desc", Column::kUpdatedAt, true},
                                       {"name_asc", Column::kName, false},
                                       {"name_desc", Column::kName, true}});
  if (!order) return api::fail(order.error());
  auto q = base_query(kGroup, *org);
  if (auto* name = ctx.query("name"); name && !name->empty())
    q.filters.push_back({Column::kName, Op::kContains, {*name}, {}});
  for (auto [param, path] :
       {std::pair{"application_ids", "application_ids"}, std::pair{"user_ids", "user_ids"}}) {
    auto ids = query_uuids(ctx, param);
    if (!ids) return api::fail(ids.error());
    if (!ids->empty()) q.filters.push_back({Column::kBody, Op::kAnyIn, *ids, path});
  }
  auto gids = query_uuids(ctx, "group_ids");
  if (!gids) return api::fail(gids.error());
  if (!gids->empty()) q.filters.push_back({Column::kId, Op::kIn, *gids, {}});
  if (auto* tag = ctx.query("tag"); tag && !tag->empty())
    q.filters.push_back({Column::kBody, Op::kAnyContains, {*tag}, "tags"});
  q.order = std::move(*order);
  paging::apply(q, *page);
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto res = tx->list(q);
  json::array items;
  for (auto& r : res.items) items.push_back(render(r));
  return list_response("groups", std::move(items), res.total);
}

Result<Response> create_group(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name", true);
  auto description = b.str("description");
  auto org_in = b.str("organization_id");
  auto tags = b.strings("tags");
  if (auto e = b.error()) return api::fail(*e);
  auto org = organization_of(ctx, org_in);
  if (!org) return api::fail(org.error());
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    if (auto e = quota::check(tx, ctx.svc.config, kGroupsQuota, *org)) return api::fail(*e);
    store::Record r;
    r.kind = std::string(kGroup);
    r.id = new_uuid();
    r.organization_id = *org;
    r.name = *name;
    r.created_at = r.updated_at = ctx.now();
    r.keys = {name_key(*org, *name)};
    r.body = json::object{{"description", description.value_or("")},
                          {"user_ids", json::array{}},
                          {"application_ids", json::array{}},
                          {"tags", strings_json(tags.value_or(std::vector<std::string>{}))},
                          {"editable", true},
                          {"deletable", true},
                          {"managed", false}};
    try {
      tx.insert(r);
    } catch (const store::DuplicateKey&) {
      auto q = base_query(kGroup, *org);
      q.filters.push_back({Column::kName, Op::kEq, {*name}, {}});
      auto existing = tx.list(q);
      return api::fail(ApiError::already_exists(
          "group", existing.items.empty() ? std::string() : existing.items.front().id,
          "a group with this name already exists in the organization"));
    }
    log_event(tx, ctx, "created", "group", r.id);
    return Response::json(200, render(r));
  });
}

Result<Response> get_group(Context& ctx) {
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto r = load_group(*tx, ctx);
  if (!r) return api::fail(r.error());
  return Response::json(200, render(*r));
}

template <typename Fn>
Result<Response> mutate(Context& ctx, Fn&& change) {
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_group(tx, ctx);
    if (!r) return api::fail(r.error());
    if (!bool_of(r->body, "editable", true))
      return api::fail(
          ApiError::precondition_failed("protected_resource", "this group is not editable"));
    if (auto e = change(tx, *r)) return api::fail(*e);
    r->updated_at = ctx.now();
    try {
      tx.update(*r);
    } catch (const store::DuplicateKey&) {
      return api::fail(ApiError::already_exists(
          "group", r->id, "a group with this name already exists in the organization"));
    }
    log_event(tx, ctx, "updated", "group", r->id);
    return Response::json(200, render(*r));
  });
}

Result<Response> update_group(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto description = b.str("description");
  auto tags = b.strings("tags");
  if (auto e = b.error()) return api::fail(*e);
  return mutate(ctx, [&](store::Tx&, store::Record& r) -> std::optional<ApiError> {
    if (name) {
      r.name = *name;
      r.keys = {name_key(r.organization_id, *name)};
    }
    if (description) r.body["description"] = *description;
    if (tags) r.body["tags"] = strings_json(*tags);
    return std::nullopt;
  });
}

Result<Response> set_members(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto users = b.strings("user_ids");
  auto apps = b.strings("application_ids");
  if (auto e = b.error()) return api::fail(*e);
  return mutate(ctx, [&](store::Tx& tx, store::Record& r) -> std::optional<ApiError> {
    auto u = lowered(users.value_or(std::vector<std::string>{}));
    auto a = lowered(apps.value_or(std::vector<std::string>{}));
    if (auto e = check_members(tx, ctx, kUser, "user", u)) return e;
    if (auto e = check_members(tx, ctx, kApplication, "application", a)) return e;
    r.body["user_ids"] = strings_json(u);
    r.body["application_ids"] = strings_json(a);
    return std::nullopt;
  });
}

Result<Response> add_members(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto users = b.strings("user_ids");
  auto apps = b.strings("application_ids");
  if (auto e = b.error()) return api::fail(*e);
  return mutate(ctx, [&](store::Tx& tx, store::Record& r) -> std::optional<ApiError> {
    auto u = lowered(users.value_or(std::vector<std::string>{}));
    auto a = lowered(apps.value_or(std::vector<std::string>{}));
    if (auto e = check_members(tx, ctx, kUser, "user", u)) return e;
    if (auto e = check_members(tx, ctx, kApplication, "application", a)) return e;
    auto cu = strings_of(r.body, "user_ids");
    auto ca = strings_of(r.body, "application_ids");
    cu.insert(cu.end(), u.begin(), u.end());
    ca.insert(ca.end(), a.begin(), a.end());
    r.body["user_ids"] = strings_json(lowered(cu));
    r.body["application_ids"] = strings_json(lowered(ca));
    return std::nullopt;
  });
}

// add-member / remove-member: exactly one of user_id and application_id.
Result<std::pair<std::string, std::string>> one_member(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto user = b.uuid("user_id");
  auto app = b.uuid("application_id");
  if (auto e = b.error()) return api::fail(*e);
  if (user && app)
    return api::fail(ApiError::invalid_argument("application_id", ArgReason::kConstraint,
                                                "only one of user_id and application_id"));
  if (!user && !app)
    return api::fail(ApiError::invalid_argument("user_id", ArgReason::kRequired,
                                                "one of user_id and application_id is required"));
  if (user) return std::pair<std::string, std::string>{"user_ids", *user};
  return std::pair<std::string, std::string>{"application_ids", *app};
}

Result<Response> add_member(Context& ctx) {
  auto m = one_member(ctx);
  if (!m) return api::fail(m.error());
  return mutate(ctx, [&](store::Tx& tx, store::Record& r) -> std::optional<ApiError> {
    bool user = m->first == "user_ids";
    if (auto e = check_members(tx, ctx, user ? kUser : kApplication, user ? "user" : "application",
                               {m->second}))
      return e;
    auto ids = strings_of(r.body, m->first);
    if (std::find(ids.begin(), ids.end(), m->second) == ids.end()) ids.push_back(m->second);
    r.body[m->first] = strings_json(ids);
    return std::nullopt;
  });
}

Result<Response> remove_member(Context& ctx) {
  auto m = one_member(ctx);
  if (!m) return api::fail(m.error());
  return mutate(ctx, [&](store::Tx&, store::Record& r) -> std::optional<ApiError> {
    auto ids = strings_of(r.body, m->first);
    auto it = std::find(ids.begin(), ids.end(), m->second);
    // Recorded: removing a non-member answers 404 with an empty resource.
    if (it == ids.end()) return ApiError::not_found("", m->second);
    ids.erase(it);
    r.body[m->first] = strings_json(ids);
    return std::nullopt;
  });
}

Result<Response> delete_group(Context& ctx) {
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_group(tx, ctx);
    if (!r) return api::fail(r.error());
    if (!bool_of(r->body, "deletable", true))
      return api::fail(
          ApiError::precondition_failed("protected_resource", "this group is not deletable"));
    orphan_policies(tx, ctx, "group_id", r->id);
    tx.remove(kGroup, r->id);
    log_event(tx, ctx, "deleted", "group", r->id);
    return Response::no_content();
  });
}

}  // namespace

void register_groups(app::Registry& r) {
  const std::string g = "/iam/v1alpha1/groups";
  using app::Access;
  using app::body_ref;
  // Members are principals the caller must be able to read.
  const std::vector<app::Reference> members = {
      body_ref("user_id", Access::kRead, {kUserRef}),
      body_ref("application_id", Access::kRead, {kApplicationRef}),
      body_ref("user_ids", Access::kRead, {kUserRef}),
      body_ref("application_ids", Access::kRead, {kApplicationRef})};
  r.add("GET", g, kRead, list_groups)
      .not_refs({"application_ids", "group_ids", "user_ids"});  // list filters
  r.add("POST", g, kWrite, create_group);
  r.add("GET", g + "/{group_id}", kRead, get_group);
  r.add("PATCH", g + "/{group_id}", kWrite, update_group);
  r.add("DELETE", g + "/{group_id}", kWrite, delete_group);
  r.add("PUT", g + "/{group_id}/members", kWrite, set_members).refs(members);
  r.add("POST", g + "/{group_id}/add-member", kWrite, add_member).refs(members);
  r.add("POST", g + "/{group_id}/add-members", kWrite, add_members).refs(members);
  r.add("POST", g + "/{group_id}/remove-member", kWrite, remove_member).refs(members);
}

}  // namespace scwd::products::iam
