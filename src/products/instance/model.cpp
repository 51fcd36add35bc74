#include "products/instance/model.hpp"

#include "core/util/ids.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance {

api::Result<std::string> uuid_arg(std::string_view value, std::string_view arg) {
  if (!is_uuid(value))
    return api::fail(
        ApiError::invalid_argument(std::string(arg), ArgReason::kFormat, "invalid UUID"));
  return to_lower(value);
}

namespace {
std::optional<std::string> str_field(const json::object& body, std::string_view key) {
  auto it = body.find(key);
  if (it == body.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().as_string());
}
}  // namespace

api::Result<app::Owner> owner_of(const app::Context& ctx, store::Tx& tx, const json::object& body) {
  return app::resolve_owner(ctx, tx, str_field(body, "project"), str_field(body, "organization"),
                            "project", "organization");
}

resource::Spec v1_spec(std::string_view kind, std::string resource, std::string id_param,
                       std::string collection, std::string envelope, std::string list_key) {
  resource::Spec s;
  s.kind = std::string(kind);
  s.resource = std::move(resource);
  s.id_param = std::move(id_param);
  s.collections = {"/instance/v1/zones/{zone}/" + collection};
  s.read = kRead;
  s.write = kWrite;
  s.locality = resource::Locality::kZone;
  s.bad_id = resource::BadId::kNotFound;
  s.envelope = std::move(envelope);
  s.list_key = std::move(list_key);
  s.paging = resource::Paging::kLegacy;
  for (auto [param, column] : {std::pair{"organization", store::Column::kOrganization},
                               std::pair{"project", store::Column::kProject}})
    s.filters.push_back(resource::custom(
        param,
        [param, column](const app::Context& ctx, store::ListQuery& q) -> std::optional<ApiError> {
          auto* v = ctx.query(param);
          if (!v || v->empty()) return std::nullopt;
          if (!is_uuid(*v))
            return ApiError::invalid_argument(param, ArgReason::kFormat, "invalid UUID");
          q.filters.push_back({column, store::Op::kEq, {to_lower(*v)}, {}, false});
          return std::nullopt;
        }));
  s.filters.push_back(resource::custom(
      "tags", [](const app::Context& ctx, store::ListQuery& q) -> std::optional<ApiError> {
        for (auto& t : ctx.query_all("tags", true))
          if (!t.empty()) q.tags_all.push_back(t);
        return std::nullopt;
      }));
  s.project_field = "project";
  s.organization_field = "organization";
  s.create_status = 201;
  return s;
}

api::Result<store::Record> load(store::Tx& tx, const app::Context& ctx, std::string_view kind,
                                std::string_view id, std::string_view resource) {
  if (!is_uuid(id)) return api::fail(ApiError::not_found(resource, id));
  auto r = tx.get(kind, to_lower(id));
  if (!r || r->locality != ctx.zone() || r->organization_id != ctx.principal.organization_id)
    return api::fail(ApiError::not_found(resource, id));
  return std::move(*r);
}

api::Result<V2List> v2_list(app::Context& ctx, std::string_view kind) {
  using store::Column;
  using store::Op;
  V2List out;
  auto page = paging::read_token(ctx.req);
  if (!page) return api::fail(page.error());
  out.page = *page;
  auto order = paging::order(ctx.req, {{"created_at_desc", Column::kCreatedAt, true},
                                       {"created_at_asc", Column::kCreatedAt, false},
                                       {"updated_at_desc", Column::kUpdatedAt, true},
                                       {"updated_at_asc", Column::kUpdatedAt, false}});
  if (!order) return api::fail(order.error());
  auto& q = out.query;
  q.kind = std::string(kind);
  q.order = std::move(*order);
  q.filters.push_back({Column::kLocality, Op::kEq, {std::string(ctx.zone())}, {}, false});
  q.filters.push_back({Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
  ctx.scope(q);
  if (auto e = ctx.uuid_filter(q, "project_id", Column::kProject)) return api::fail(*e);
  for (auto& t : ctx.query_all("tags", true))
    if (!t.empty()) q.tags_all.push_back(t);
  return out;
}

http::Response v2_list_answer(app::Context& ctx, V2List& list, std::string_view key,
                              const std::function<json::object(const store::Record&)>& render) {
  paging::apply(list.query, list.page);
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto res = tx->list(list.query);
  json::array items;
  for (auto& r : res.items) items.push_back(render(r));
  return http::Response::json(200,
                              paging::token_list_body(key, std::move(items), list.page, res.total));
}

}  // namespace scwd::products::instance
