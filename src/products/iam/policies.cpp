// Policies (bound to one principal or none), their rules, and the permission-set catalogue.
#include <set>

#include "core/iam/catalog.hpp"
#include "products/iam/handlers.hpp"

namespace scwd::products::iam {

namespace {

constexpr auto kPolicy = permissions("IAMPolicies", "policy");
constexpr auto kRules = permissions("IAMPolicies", "rule");
constexpr Permission kSetsRead{"PermissionSets", Access::kRead, "permission_set"};

constexpr std::string_view kPrincipals[] = {"user_id", "group_id", "application_id"};

json::object render_rule(const json::object& r) {
  json::object o;
  o["id"] = str_of(r, "id");
  o["permission_set_names"] = strings_json(strings_of(r, "permission_set_names"));
  o["permission_sets_scope_type"] = str_of(r, "permission_sets_scope_type");
  o["condition"] = str_of(r, "condition");
  if (auto org = str_of(r, "organization_id"); !org.empty())
    o["organization_id"] = org;
  else if (auto root = str_of(r, "account_root_user_id"); !root.empty())
    o["account_root_user_id"] = root;
  else
    o["project_ids"] = strings_json(strings_of(r, "project_ids"));
  return o;
}

json::object render(const resource::View&, const store::Record& r) {
  json::object o;
  o["id"] = r.id;
  o["name"] = r.name;
  o["description"] = str_of(r.body, "description");
  o["organization_id"] = r.organization_id;
  o["created_at"] = format_time(r.created_at);
  o["updated_at"] = format_time(r.updated_at);
  o["editable"] = bool_of(r.body, "editable", true);
  o["deletable"] = bool_of(r.body, "deletable", true);
  o["managed"] = bool_of(r.body, "managed", false);
  std::set<std::string> scopes, sets;
  std::int64_t nb_rules = 0;
  if (auto it = r.body.find("rules"); it != r.body.end() && it->value().is_array()) {
    for (auto& v : it->value().get_array()) {
      if (!v.is_object()) continue;
      ++nb_rules;
      auto& rule = v.get_object();
      for (auto& n : strings_of(rule, "permission_set_names")) sets.insert(n);
      if (auto org = str_of(rule, "organization_id"); !org.empty()) scopes.insert("o:" + org);
      for (auto& p : strings_of(rule, "project_ids")) scopes.insert("p:" + p);
    }
  }
  o["nb_rules"] = nb_rules;
  o["nb_scopes"] = static_cast<std::int64_t>(scopes.size());
  o["nb_permission_sets"] = static_cast<std::int64_t>(sets.size());
  o["tags"] = tags_of(r.body);
  bool bound = false;
  for (auto p : kPrincipals)
    if (auto v = str_of(r.body, p); !v.empty()) {
      o[p] = v;
      bound = true;
    }
  if (!bound) o["no_principal"] = true;
  return o;
}

// Validates RuleSpecs and turns them into stored rules (new ids).
Result<json::array> read_rules(store::Tx& tx, Context& ctx, const json::value* in,
                               std::string_view arg) {
  json::array out;
  if (!in || in->is_null()) return out;
  if (!in->is_array())
    return api::fail(ApiError::invalid_argument(std::string(arg), ArgReason::kFormat,
                                                "invalid type, expected array"));
  std::size_t i = 0;
  for (auto& v : in->get_array()) {
    std::string prefix = std::string(arg) + "." + std::to_string(i++);
    if (!v.is_object())
      return api::fail(
          ApiError::invalid_argument(prefix, ArgReason::kFormat, "invalid type, expected object"));
    codec::BodyReader b(v.get_object(), prefix);
    auto names = b.strings("permission_set_names");
    auto condition = b.str("condition");
    auto projects = b.strings("project_ids");
    auto org = b.str("organization_id");
    if (condition && codec::utf8_length(*condition) > 2048)
      b.add("condition", ArgReason::kConstraint, "at most 2048 characters");
    if (auto e = b.error()) return api::fail(*e);
    if (!names || names->empty())
      b.add("permission_set_names", ArgReason::kRequired, "at least one permission set");
    if (projects && org)
      b.add("organization_id", ArgReason::kConstraint,
            "only one of project_ids and organization_id may be set");
    if (!projects && !org)
      b.add("project_ids", ArgReason::kRequired,
            "one of project_ids and organization_id is required");
    if (projects && projects->empty())
      b.add("project_ids", ArgReason::kConstraint, "at least one project");
    std::optional<scwd::iam::ScopeType> scope;
    for (auto& n : names.value_or(std::vector<std::string>{})) {
      auto* set = scwd::iam::find_permission_set(n);
      if (!set) {
        b.add("permission_set_names", ArgReason::kConstraint, "unknown permission set '" + n + "'");
        continue;
      }
      if (scope && *scope != set->scope)
        b.add("permission_set_names", ArgReason::kConstraint,
              "the permission sets of a rule must share one scope type");
      scope = set->scope;
    }
    if (scope && projects && *scope != scwd::iam::ScopeType::kProjects)
      b.add("project_ids", ArgReason::kConstraint,
            "permission sets of scope " + std::string(scwd::iam::to_string(*scope)) +
                " need organization_id");
    json::object rule{
        {"id", new_uuid()},
        {"permission_set_names", strings_json(names.value_or(std::vector<std::string>{}))},
        {"permission_sets_scope_type",
         scope ? scwd::iam::to_string(*scope) : std::string_view("unknown_scope_type")},
        {"condition", condition.value_or("")}};
    if (org) {
      if (!is_uuid(*org)) {
        b.add("organization_id", ArgReason::kFormat, "value must be a valid UUID");
      } else if (to_lower(*org) != ctx.principal.organization_id) {
        return api::fail(ctx.denied());
      }
      rule["organization_id"] = to_lower(*org);
    } else if (projects) {
      std::vector<std::string> ids;
      for (auto& p : *projects) {
        if (!is_uuid(p)) {
          b.add("project_ids", ArgReason::kFormat, "value must be a valid UUID");
          continue;
        }
        auto pid = to_lower(p);
        auto rec = tx.get(auth::kProjectKind, pid);
        if (!rec || rec->organization_id != ctx.principal.organization_id)
          b.add("project_ids", ArgReason::kConstraint, "unknown project " + pid);
        if (std::find(ids.begin(), ids.end(), pid) == ids.end()) ids.push_back(pid);
      }
      rule["project_ids"] = strings_json(ids);
    }
    if (auto e = b.error()) return api::fail(*e);
    out.push_back(std::move(rule));
  }
  return out;
}

// One-of principal of a create/update body. Returns the field ("no_principal" for none) and id.
Result<std::optional<std::pair<std::string, std::string>>> read_principal(store::Tx& tx,
                                                                          Context& ctx) {
  codec::BodyReader b(ctx.body);
  std::vector<std::pair<std::string, std::string>> given;
  for (auto p : kPrincipals)
    if (auto v = b.uuid(p)) given.emplace_back(std::string(p), *v);
  auto none = b.boolean("no_principal");
  if (auto e = b.error()) return api::fail(*e);
  if (none && *none) given.emplace_back("no_principal", "");
  if (given.size() > 1)
    return api::fail(ApiError::constraint(
        given[1].first,
        "only one of user_id, group_id, application_id and no_principal may be set"));
  if (given.empty()) return std::optional<std::pair<std::string, std::string>>{};
  auto& [field, id] = given.front();
  if (field != "no_principal") {
    std::string_view kind = field == "user_id"    ? kUserKind
                            : field == "group_id" ? kGroupKind
                                                  : kApplicationKind;
    std::string resource = field.substr(0, field.size() - 3);
    if (!load(tx, ctx, kind, id)) return api::fail(ApiError::not_found(resource, id));
  }
  return std::optional<std::pair<std::string, std::string>>{given.front()};
}

void bind_principal(json::object& body,
                    const std::optional<std::pair<std::string, std::string>>& p) {
  for (auto f : kPrincipals) body.erase(f);
  body.erase("no_principal");
  if (!p || p->first == "no_principal")
    body["no_principal"] = true;
  else
    body[p->first] = p->second;
}

std::optional<ApiError> create_policy(Context& ctx, store::Tx& tx, store::Record& r) {
  if (auto e = start_customer_record(ctx, r)) return e;
  auto principal = read_principal(tx, ctx);
  if (!principal) return principal.error();
  auto it = ctx.body.find("rules");
  auto rules = read_rules(tx, ctx, it == ctx.body.end() ? nullptr : &it->value(), "rules");
  if (!rules) return rules.error();
  r.body["rules"] = std::move(*rules);
  bind_principal(r.body, *principal);
  log_event(tx, ctx, "created", "policy", r.id);
  return std::nullopt;
}

std::optional<ApiError> update_policy(Context& ctx, store::Tx& tx, store::Record& r) {
  if (auto e = refuse_protected(r, "editable", "policy")) return e;
  auto principal = read_principal(tx, ctx);
  if (!principal) return principal.error();
  if (*principal) bind_principal(r.body, *principal);
  log_event(tx, ctx, "updated", "policy", r.id);
  return std::nullopt;
}

std::optional<ApiError> delete_policy(Context& ctx, store::Tx& tx, const store::Record& r) {
  if (auto e = refuse_protected(r, "deletable", "policy")) return e;
  log_event(tx, ctx, "deleted", "policy", r.id);
  return std::nullopt;
}

std::shared_ptr<const resource::Spec> policy_spec() {
  using resource::PatchField;
  auto principal_ids = [](std::string param, std::string path) {
    return resource::custom(param, [param, path](const Context& ctx, store::ListQuery& q) {
      auto ids = query_uuids(ctx, param);
      if (!ids) return std::optional<ApiError>(ids.error());
      if (!ids->empty()) q.filters.push_back({Column::kBody, Op::kIn, *ids, path});
      return std::optional<ApiError>{};
    });
  };
  // A policy is bound to one principal the caller must be able to read.
  const resource::Refs principal = {
      {app::body_ref("user_id", Access::kRead, {kUserRef}),
       app::body_ref("application_id", Access::kRead, {kApplicationRef}),
       app::body_ref("group_id", Access::kRead, {{kGroupKind, "IAMGroups", "group"}})}};
  static const auto spec = std::make_shared<const resource::Spec>(iam_spec(
      kPolicyKind, "policy", "policies", kPolicy.read, kPolicy.write,
      resource::Spec{
          .render = render,
          .order_fields = {{"policy_name", Column::kName}},
          .filters = {resource::body_bool("editable"),
                      principal_ids("user_ids", "user_id"),
                      principal_ids("group_ids", "group_id"),
                      principal_ids("application_ids", "application_id"),
                      resource::custom("no_principal",
                                       [](const Context& ctx, store::ListQuery& q) {
                                         if (auto none = ctx.query_bool("no_principal"))
                                           q.filters.push_back({Column::kBody,
                                                                *none ? Op::kNotNull : Op::kIsNull,
                                                                {"x"},
                                                                "no_principal"});
                                         return std::optional<ApiError>{};
                                       }),
                      {"policy_name", resource::Filter::As::kContains, Column::kName},
                      tag_filter(),
                      resource::uuids("policy_ids", Column::kId)},
          .list_refs = {.not_refs = {"application_ids", "group_ids", "user_ids", "policy_ids"}},
          .create = create_policy,
          .organization_level = true,
          .quota = kPoliciesQuota,
          .create_refs = principal,
          .patch = {{"name", PatchField::As::kName},
                    {"description", PatchField::As::kString},
                    {"tags", PatchField::As::kStrings}},
          .update = update_policy,
          .update_refs = principal,
          .on_delete = delete_policy,
      }));
  return spec;
}

// A copy with new ids, not bound to any principal (it grants nothing until attached).
Result<Response> clone_policy(Context& ctx) {
  const auto& spec = *policy_spec();
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto src = resource::load(ctx, tx, spec);
    if (!src) return api::fail(src.error());
    if (auto e = quota::check(tx, ctx.svc.config, kPoliciesQuota, src->organization_id))
      return api::fail(*e);
    store::Record r = *src;
    r.id = new_uuid();
    r.version = 0;
    std::string name = src->name + " (copy)";
    if (name.size() > 64) name = src->name.substr(0, 57) + " (copy)";
    r.name = name;
    r.created_at = r.updated_at = ctx.now();
    r.body["editable"] = true;
    r.body["deletable"] = true;
    r.body["managed"] = false;
    if (auto it = r.body.find("rules"); it != r.body.end() && it->value().is_array())
      for (auto& rule : it->value().get_array())
        if (rule.is_object()) rule.get_object()["id"] = new_uuid();
    bind_principal(r.body, std::nullopt);
    tx.insert(r);
    log_event(tx, ctx, "created", "policy", r.id);
    return Response::json(200, resource::answer(ctx, tx, spec, r));
  });
}

Result<Response> set_rules(Context& ctx) {
  codec::BodyReader b(ctx.body);
  auto pid = b.uuid("policy_id", true);
  if (auto e = b.error()) return api::fail(*e);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load_or_404(tx, ctx, kPolicyKind, *pid, "policy");
    if (!r) return api::fail(r.error());
    if (!bool_of(r->body, "editable", true))
      return api::fail(
          ApiError::precondition_failed("protected_resource", "this policy is not editable"));
    auto it = ctx.body.find("rules");
    auto rules = read_rules(tx, ctx, it == ctx.body.end() ? nullptr : &it->value(), "rules");
    if (!rules) return api::fail(rules.error());
    json::array out;
    for (auto& rule : *rules) out.push_back(render_rule(rule.get_object()));
    r->body["rules"] = std::move(*rules);
    r->updated_at = ctx.now();
    tx.update(*r);
    log_event(tx, ctx, "updated", "policy", r->id);
    return Response::json(200, json::object{{"rules", std::move(out)}});
  });
}

Result<Response> list_rules(Context& ctx) {
  auto pid = ctx.query_opt("policy_id");
  if (!pid || pid->empty())
    return api::fail(
        ApiError::invalid_argument("policy_id", ArgReason::kRequired, "required key not provided"));
  if (!is_uuid(*pid))
    return api::fail(
        ApiError::invalid_argument("policy_id", ArgReason::kFormat, "value must be a valid UUID"));
  auto page = paging::read(ctx.req);
  if (!page) return api::fail(page.error());
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto r = load_or_404(*tx, ctx, kPolicyKind, to_lower(*pid), "policy");
  if (!r) return api::fail(r.error());
  json::array all;
  if (auto it = r->body.find("rules"); it != r->body.end() && it->value().is_array())
    for (auto& rule : it->value().get_array())
      if (rule.is_object()) all.push_back(render_rule(rule.get_object()));
  json::array page_items;
  auto total = static_cast<std::int64_t>(all.size());
  for (auto i = page->offset(); i < total && i < page->offset() + page->size; ++i)
    page_items.push_back(all[static_cast<std::size_t>(i)]);
  return list_response("rules", std::move(page_items), total);
}

Result<Response> list_permission_sets(Context& ctx) {
  auto org = organization_of(ctx, ctx.query_opt("organization_id"));
  if (!org) return api::fail(org.error());
  auto page = paging::read(ctx.req);
  if (!page) return api::fail(page.error());
  std::string order = ctx.query_opt("order_by").value_or("name_asc");
  std::vector<const scwd::iam::PermissionSet*> sets;
  for (auto& s : scwd::iam::permission_sets()) sets.push_back(&s);
  // The catalogue has no creation dates of its own: its order stands for them.
  if (order == "name_asc" || order == "name_desc")
    std::sort(sets.begin(), sets.end(), [](auto* a, auto* b) { return a->name < b->name; });
  if (order == "name_desc" || order == "created_at_desc") std::reverse(sets.begin(), sets.end());
  json::array items;
  auto total = static_cast<std::int64_t>(sets.size());
  for (auto i = page->offset(); i < total && i < page->offset() + page->size; ++i) {
    auto* s = sets[static_cast<std::size_t>(i)];
    json::array cats;
    for (auto c : s->categories) cats.emplace_back(c);
    items.push_back(json::object{{"id", s->id},
                                 {"name", s->name},
                                 {"scope_type", scwd::iam::to_string(s->scope)},
                                 {"description", s->description},
                                 {"categories", std::move(cats)}});
  }
  return list_response("permission_sets", std::move(items), total);
}

}  // namespace

void register_policies(app::Registry& r) {
  const std::string p = "/iam/v1alpha1/policies";
  using app::body_ref;
  resource::add_resource(r, policy_spec());
  r.add("POST", p + "/{policy_id}/clone", kPolicy.write, clone_policy);
  // The policy whose rules are set or listed.
  r.add("PUT", "/iam/v1alpha1/rules", kRules.write, set_rules)
      .refs({body_ref("policy_id", Access::kWrite, {kPolicyRef})});
  r.add("GET", "/iam/v1alpha1/rules", kRules.read, list_rules)
      .refs({app::query_ref("policy_id", Access::kRead, {kPolicyRef})});
  r.add("GET", "/iam/v1alpha1/permission-sets", kSetsRead, list_permission_sets);
}

}  // namespace scwd::products::iam
