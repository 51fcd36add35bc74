// Applications: non-human principals bearing API keys.
#include "products/iam/handlers.hpp"

namespace scwd::products::iam {

namespace {

constexpr Permission kRead{"IAMApplications", Access::kRead, "application"};
constexpr Permission kWrite{"IAMApplications", Access::kWrite, "application"};

std::int64_t count_keys(store::Tx& tx, const store::Record& app) {
  auto q = base_query(kApiKey, app.organization_id);
  q.filters.push_back({Column::kBody, Op::kEq, {app.id}, "application_id"});
  return tx.count(q);
}

json::object render(store::Tx& tx, const store::Record& r) {
  json::object o;
  o["id"] = r.id;
  o["name"] = r.name;
  o["description"] = str_of(r.body, "description");
  o["created_at"] = format_time(r.created_at);
  o["updated_at"] = format_time(r.updated_at);
  o["organization_id"] = r.organization_id;
  o["editable"] = bool_of(r.body, "editable", true);
  o["deletable"] = bool_of(r.body, "deletable", true);
  o["managed"] = bool_of(r.body, "managed", false);
  o["nb_api_keys"] = count_keys(tx, r);
  o["tags"] = tags_of(r.body);
  return o;
}

Result<store::Record> load_app(store::Tx& tx, Context& ctx) {
  auto id = path_uuid(ctx, "application_id", "application");
  if (!id) return api::fail(id.error());
  return load_or_404(tx, ctx, kApplication, *id, "application");
}

Result<Response> list_apps(Context& ctx) {
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
  auto q = base_query(kApplication, *org);
  if (auto* name = ctx.query("name"); name && !name->empty())
    q.filters.push_back({Column::kName, Op::kContains, {*name}, {}});
  if (auto editable = query_bool(ctx, "editable"))
    q.filters.push_back({Column::kBody, Op::kEq, {*editable ? "1" : "0"}, "editable", true});
  auto ids = query_uuids(ctx, "application_ids");
  if (!ids) return api::fail(ids.error());
  if (!ids->empty()) q.filters.push_back({Column::kId, Op::kIn, *ids, {}});
  if (auto* tag = ctx.query("tag"); tag && !tag->empty())
    q.filters.push_back({Column::kBody, Op::kAnyContains, {*tag}, "tags"});
  q.order = std::move(*order);
  paging::apply(q, *page);
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto res = tx->list(q);
  json::array items;
  for (auto& r : res.items) items.push_back(render(*tx, r));
  return list_response("applications", std::move(items), res.total);
}

Result<Response> create_app(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name", true);
  auto description = b.str("description");
  auto org_in = b.str("organization_id");
  auto tags = b.strings("tags");
  if (auto e = b.error()) return api::fail(*e);
  auto org = organization_of(ctx, org_in);
  if (!org) return api::fail(org.error());
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    if (auto e = quota::check(tx, ctx.svc.config, kApplicationsQuota, *org)) return api::fail(*e);
    store::Record r;
    r.kind = std::string(kApplication);
    r.id = new_uuid();
    r.organization_id = *org;
    r.name = *name;
    r.created_at = r.updated_at = ctx.now();
    r.body = json::object{{"description", description.value_or("")},
                          {"tags", strings_json(tags.value_or(std::vector<std::string>{}))},
                          {"editable", true},
                          {"deletable", true},
                          {"managed", false}};
    tx.insert(r);
    log_event(tx, ctx, "created", "application", r.id);
    return Response::json(200, render(tx, r));
  });
}

Result<Response> get_app(Context& ctx) {
  auto tx = ctx.svc.store.begin(store::TxMode::kRead);
  auto r = load_app(*tx, ctx);
  if (!r) return api::fail(r.error());
  return Response::json(200, render(*tx, *r));
}

Result<Response> update_app(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto name = b.str("name");
  auto description = b.str("description");
  auto tags = b.strings("tags");
  if (auto e = b.error()) return api::fail(*e);
  return ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_app(tx, ctx);
    if (!r) return api::fail(r.error());
    if (!bool_of(r->body, "editable", true))
      return api::fail(
          ApiError::precondition_failed("protected_resource", "this application is not editable"));
    if (name) r->name = *name;
    if (description) r->body["description"] = *description;
    if (tags) r->body["tags"] = strings_json(*tags);
    r->updated_at = ctx.now();
    tx.update(*r);
    log_event(tx, ctx, "updated", "application", r->id);
    return Response::json(200, render(tx, *r));
  });
}

Result<Response> delete_app(Context& ctx) {
  auto res = ctx.svc.store.transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_app(tx, ctx);
    if (!r) return api::fail(r.error());
    if (!bool_of(r->body, "deletable", true))
      return api::fail(
          ApiError::precondition_failed("protected_resource", "this application is not deletable"));
    delete_keys_of(tx, ctx, "application_id", r->id);
    orphan_policies(tx, ctx, "application_id", r->id);
    leave_groups(tx, ctx, "application_ids", r->id);
    tx.remove(kApplication, r->id);
    log_event(tx, ctx, "deleted", "application", r->id);
    return Response::no_content();
  });
  if (!res) return res;
  return with_auth_refresh(ctx, std::move(*res));
}

}  // namespace

void register_applications(app::Registry& r) {
  const std::string a = "/iam/v1alpha1/applications";
  r.add("GET", a, kRead, list_apps).not_refs({"application_ids"});  // a list filter
  r.add("POST", a, kWrite, create_app);
  r.add("GET", a + "/{application_id}", kRead, get_app);
  r.add("PATCH", a + "/{application_id}", kWrite, update_app);
  r.add("DELETE", a + "/{application_id}", kWrite, delete_app);
}

}  // namespace scwd::products::iam
