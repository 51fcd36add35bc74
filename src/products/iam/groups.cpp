// Groups of users and applications; their policies apply to every member.
#include <tuple>

#include "core/resource/resource.hpp"
#include "products/iam/handlers.hpp"

namespace scwd::products::iam {

namespace {

constexpr auto kGroup = permissions("IAMGroups", "group");

json::object render(const resource::View&, const store::Record& r) {
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

std::optional<ApiError> create_group(Context& ctx, store::Tx& tx, store::Record& r) {
  if (auto e = start_customer_record(ctx, r)) return e;
  r.body["user_ids"] = json::array{};
  r.body["application_ids"] = json::array{};
  log_event(tx, ctx, "created", "group", r.id);
  return std::nullopt;
}

// Every change (update and the member actions): refused on a group that is not editable, logged.
resource::Change changing(resource::Change change) {
  return [change](Context& ctx, store::Tx& tx, store::Record& r) -> std::optional<ApiError> {
    if (auto e = refuse_protected(r, "editable", "group")) return e;
    if (auto e = change(ctx, tx, r)) return e;
    log_event(tx, ctx, "updated", "group", r.id);
    return std::nullopt;
  };
}

std::optional<ApiError> update_group(Context&, store::Tx&, store::Record&) { return std::nullopt; }

// The users and applications the body names (user_ids, application_ids), lower-cased without
// repeats, after `members` (the group's, or none), each one of the organization's.
std::optional<ApiError> put_members(Context& ctx, store::Tx& tx, store::Record& r,
                                    bool after_current) {
  codec::BodyReader b(ctx.body);
  auto users = b.strings("user_ids");
  auto apps = b.strings("application_ids");
  if (auto e = b.error()) return e;
  for (auto [field, given, kind, resource] :
       {std::tuple{"user_ids", &users, kUserKind, "user"},
        std::tuple{"application_ids", &apps, kApplicationKind, "application"}}) {
    auto ids = lowered(given->value_or(std::vector<std::string>{}));
    if (auto e = check_members(tx, ctx, kind, resource, ids)) return e;
    std::vector<std::string> out;
    if (after_current) out = strings_of(r.body, field);
    out.insert(out.end(), ids.begin(), ids.end());
    r.body[field] = strings_json(lowered(out));
  }
  return std::nullopt;
}

std::optional<ApiError> set_members(Context& ctx, store::Tx& tx, store::Record& r) {
  return put_members(ctx, tx, r, false);
}

std::optional<ApiError> add_members(Context& ctx, store::Tx& tx, store::Record& r) {
  return put_members(ctx, tx, r, true);
}

// add-member / remove-member: exactly one of user_id and application_id.
Result<std::pair<std::string, std::string>> one_member(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto user = b.uuid("user_id");
  auto app = b.uuid("application_id");
  if (auto e = b.error()) return api::fail(*e);
  if (user && app)
    return api::fail(
        ApiError::constraint("application_id", "only one of user_id and application_id"));
  if (!user && !app)
    return api::fail(ApiError::invalid_argument("user_id", ArgReason::kRequired,
                                                "one of user_id and application_id is required"));
  if (user) return std::pair<std::string, std::string>{"user_ids", *user};
  return std::pair<std::string, std::string>{"application_ids", *app};
}

std::optional<ApiError> add_member(Context& ctx, store::Tx& tx, store::Record& r) {
  auto m = one_member(ctx);
  if (!m) return m.error();
  bool user = m->first == "user_ids";
  if (auto e = check_members(tx, ctx, user ? kUserKind : kApplicationKind,
                             user ? "user" : "application", {m->second}))
    return e;
  auto ids = strings_of(r.body, m->first);
  if (std::find(ids.begin(), ids.end(), m->second) == ids.end()) ids.push_back(m->second);
  r.body[m->first] = strings_json(ids);
  return std::nullopt;
}

std::optional<ApiError> remove_member(Context& ctx, store::Tx&, store::Record& r) {
  auto m = one_member(ctx);
  if (!m) return m.error();
  auto ids = strings_of(r.body, m->first);
  auto it = std::find(ids.begin(), ids.end(), m->second);
  // Recorded: removing a non-member answers 404 with an empty resource.
  if (it == ids.end()) return ApiError::not_found("", m->second);
  ids.erase(it);
  r.body[m->first] = strings_json(ids);
  return std::nullopt;
}

std::optional<ApiError> delete_group(Context& ctx, store::Tx& tx, const store::Record& r) {
  if (auto e = refuse_protected(r, "deletable", "group")) return e;
  orphan_policies(tx, ctx, "group_id", r.id);
  log_event(tx, ctx, "deleted", "group", r.id);
  return std::nullopt;
}

}  // namespace

void register_groups(app::Registry& r) {
  using app::Access;
  using app::body_ref;
  using resource::PatchField;
  // Members are principals the caller must be able to read.
  const resource::Refs members = {{body_ref("user_id", Access::kRead, {kUserRef}),
                                   body_ref("application_id", Access::kRead, {kApplicationRef}),
                                   body_ref("user_ids", Access::kRead, {kUserRef}),
                                   body_ref("application_ids", Access::kRead, {kApplicationRef})}};
  auto any_in = [](std::string param) {
    return resource::custom(param, [param](const Context& ctx, store::ListQuery& q) {
      auto ids = query_uuids(ctx, param);
      if (!ids) return std::optional<ApiError>(ids.error());
      if (!ids->empty()) q.filters.push_back({Column::kBody, Op::kAnyIn, *ids, param});
      return std::optional<ApiError>{};
    });
  };
  resource::add_resource(
      r,
      iam_spec(kGroupKind, "group", "groups", kGroup.read, kGroup.write,
               resource::Spec{
                   .render = render,
                   .filters = {any_in("application_ids"), any_in("user_ids"),
                               resource::uuids("group_ids", Column::kId), tag_filter()},
                   .list_refs = {.not_refs = {"application_ids", "group_ids", "user_ids"}},
                   .create = create_group,
                   .organization_level = true,
                   .unique_name_help = "a group with this name already exists in the organization",
                   .quota = kGroupsQuota,
                   .patch = {{"name", PatchField::As::kName},
                             {"description", PatchField::As::kString},
                             {"tags", PatchField::As::kStrings}},
                   .update = changing(update_group),
                   .actions = {{"PUT", "members", changing(set_members), members},
                               {"POST", "add-member", changing(add_member), members},
                               {"POST", "add-members", changing(add_members), members},
                               {"POST", "remove-member", changing(remove_member), members}},
                   .on_delete = delete_group,
               }));
}

}  // namespace scwd::products::iam
