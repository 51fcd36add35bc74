// Applications: non-human principals bearing API keys.
#include "core/resource/resource.hpp"
#include "products/iam/handlers.hpp"

namespace scwd::products::iam {

namespace {

constexpr auto kApplication = permissions("IAMApplications", "application");

json::object render(const resource::View& v, const store::Record& r) {
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
  o["nb_api_keys"] = static_cast<std::int64_t>(v.related.children(kApiKeyKind, r.id).size());
  o["tags"] = tags_of(r.body);
  return o;
}

std::optional<ApiError> create_app(Context& ctx, store::Tx& tx, store::Record& r) {
  if (auto e = start_customer_record(ctx, r)) return e;
  log_event(tx, ctx, "created", "application", r.id);
  return std::nullopt;
}

std::optional<ApiError> update_app(Context& ctx, store::Tx& tx, store::Record& r) {
  if (auto e = refuse_protected(r, "editable", "application")) return e;
  log_event(tx, ctx, "updated", "application", r.id);
  return std::nullopt;
}

std::optional<ApiError> delete_app(Context& ctx, store::Tx& tx, const store::Record& r) {
  if (auto e = refuse_protected(r, "deletable", "application")) return e;
  delete_keys_of(tx, ctx, "application_id", r.id);
  orphan_policies(tx, ctx, "application_id", r.id);
  leave_groups(tx, ctx, "application_ids", r.id);
  log_event(tx, ctx, "deleted", "application", r.id);
  refresh_auth(ctx);
  return std::nullopt;
}

}  // namespace

void register_applications(app::Registry& r) {
  using resource::PatchField;
  resource::add_resource(
      r, iam_spec(
             kApplicationKind, "application", "applications", kApplication.read, kApplication.write,
             resource::Spec{
                 .render = render,
                 .related = {{.kind = std::string(kApiKeyKind), .back_path = "application_id"}},
                 .filters = {resource::body_bool("editable"),
                             resource::uuids("application_ids", Column::kId), tag_filter()},
                 .list_refs = {.not_refs = {"application_ids"}},  // a list filter
                 .create = create_app,
                 .organization_level = true,
                 .quota = kApplicationsQuota,
                 .patch = {{"name", PatchField::As::kName},
                           {"description", PatchField::As::kString},
                           {"tags", PatchField::As::kStrings}},
                 .update = update_app,
                 .on_delete = delete_app,
             }));
}

}  // namespace scwd::products::iam
