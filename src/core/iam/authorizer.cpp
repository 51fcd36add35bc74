#include "core/iam/authorizer.hpp"

#include <algorithm>

#include "core/util/ids.hpp"

namespace scwd::iam {

using app::Access;
namespace json = boost::json;

namespace {

class View final : public app::AccessView {
 public:
  View(std::shared_ptr<const Evaluator> ev, std::string family)
      : ev_(std::move(ev)), family_(std::move(family)) {}

  std::optional<std::vector<std::string>> projects(Access a) const override {
    auto f = iam::family(family_);
    std::optional<std::set<std::string>> set;
    if (f.scope == FamilyScope::kProjects) {
      set = ev_->projects(family_, a);
    } else if (f.scope == FamilyScope::kOrganization) {
      if (ev_->at_organization(family_, a)) return std::nullopt;
      if (f.project_visibility && a == Access::kRead)
        set = ev_->visible_projects();
      else
        set = std::set<std::string>{};
    } else if (f.scope == FamilyScope::kAuthenticated) {
      return std::nullopt;
    } else {
      set = std::set<std::string>{};
    }
    if (!set) return std::nullopt;
    return std::vector<std::string>(set->begin(), set->end());
  }

  bool may(std::string_view project, Access a) const override {
    auto f = iam::family(family_);
    switch (f.scope) {
      case FamilyScope::kProjects:
        return ev_->in_project(family_, a, project).has_value();
      case FamilyScope::kOrganization:
        if (ev_->at_organization(family_, a)) return true;
        return f.project_visibility && a == Access::kRead &&
               ev_->any_in_project(project).has_value();
      case FamilyScope::kAuthenticated:
        return true;
      case FamilyScope::kUnknown:
        return false;
    }
    return false;
  }

  bool allows(std::string_view fam, Access a) const override {
    auto f = iam::family(fam);
    switch (f.scope) {
      case FamilyScope::kOrganization:
        return ev_->at_organization(fam, a).has_value();
      case FamilyScope::kProjects:
        return !ev_->projects(fam, a).has_value();
      case FamilyScope::kAuthenticated:
        return true;
      case FamilyScope::kUnknown:
        return false;
    }
    return false;
  }

 private:
  std::shared_ptr<const Evaluator> ev_;
  std::string family_;
};

std::string lower_uuid_or_raw(std::string_view v) {
  return is_uuid(v) ? to_lower(v) : std::string(v);
}

void add_target(std::vector<std::string>& out, std::string_view v) {
  if (v.empty()) return;
  auto t = lower_uuid_or_raw(v);
  if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(std::move(t));
}

// The projects a request names explicitly.
std::vector<std::string> explicit_projects(const Input& in) {
  std::vector<std::string> out;
  for (auto name : {"project_id", "project"}) {
    if (auto* v = in.params.get(name)) add_target(out, *v);
    if (auto* v = in.req.query_value(name)) add_target(out, *v);
    if (auto it = in.body.find(name); it != in.body.end() && it->value().is_string())
      add_target(out, it->value().get_string());
  }
  for (auto& v : in.req.query_values("project_ids", true)) add_target(out, v);
  return out;
}

// The record a path parameter names (last parameter first), in the caller's organization.
std::optional<store::Record> named_resource(store::Tx& tx, const Input& in, bool want_project) {
  auto& items = in.params.items();
  for (auto it = items.rbegin(); it != items.rend(); ++it) {
    if (it->first == "zone" || it->first == "region" || it->first == "project_id" ||
        it->first == "project")
      continue;
    if (it->second.empty()) continue;
    store::ListQuery q;
    q.kind = "";
    q.with_total = false;
    q.limit = 4;
    q.filters.push_back({store::Column::kId, store::Op::kEq, {it->second}, {}, false});
    q.filters.push_back(
        {store::Column::kOrganization, store::Op::kEq, {in.principal.organization_id}, {}, false});
    for (auto& r : tx.list(q).items)
      if (!want_project || !r.project_id.empty()) return r;
  }
  return std::nullopt;
}

std::string field_of(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return {};
  return std::string(it->value().get_string());
}

bool is_list(const Input& in) {
  if (in.req.method != "GET") return false;
  if (in.op) return !in.op->list_key.empty();
  return false;
}

std::string describe(const Match& m) {
  std::string scope = m.rule->organization_id.empty() ? "projects [" +
                                                            [&] {
                                                              std::string s;
                                                              for (auto& p : m.rule->project_ids)
                                                                s += (s.empty() ? "" : ", ") + p;
                                                              return s;
                                                            }() +
                                                            "]"
                                                      : "organization " + m.rule->organization_id;
  return "policy \"" + m.rule->policy_name + "\" (" + m.rule->policy_id + ", via " + m.rule->via +
         "), rule " + m.rule->rule_id + ": " + m.permission_set + " on " + scope;
}

}  // namespace

RequestFacts facts_of(const http::Request& req, Micros now) {
  RequestFacts f;
  f.ip = req.remote;
  if (auto* ua = req.header("User-Agent")) f.user_agent = *ua;
  f.now = now;
  return f;
}

api::ApiError denial(const http::Request& req, const app::Permission& p) {
  std::string action = "read";
  if (req.method == "DELETE")
    action = "delete";
  else if (p.access != Access::kRead)
    action = "write";
  return api::ApiError::permissions_denied({{action, std::string(p.resource)}});
}

namespace {

// The ids a reference names in the request (UUIDs only, lower-cased; anything else is left to
// the handler's own validation).
void body_values(const json::value& v, const std::vector<std::string_view>& path, std::size_t i,
                 std::vector<std::string>& out) {
  if (v.is_array()) {
    for (auto& e : v.get_array()) body_values(e, path, i, out);
    return;
  }
  if (i == path.size()) {
    if (v.is_string() && is_uuid(v.get_string())) out.push_back(to_lower(v.get_string()));
    return;
  }
  if (!v.is_object()) return;
  if (path[i] == "@keys") {  // a map keyed by ids: the keys name the records
    if (i + 1 == path.size())
      for (auto& [k, e] : v.get_object())
        if (is_uuid(k)) out.push_back(to_lower(k));
    return;
  }
  if (path[i] == "*") {
    for (auto& [k, e] : v.get_object()) body_values(e, path, i + 1, out);
    return;
  }
  if (auto it = v.get_object().find(path[i]); it != v.get_object().end())
    body_values(it->value(), path, i + 1, out);
}

std::vector<std::string> reference_values(const Input& in, const app::Reference& r) {
  std::vector<std::string> out;
  auto add = [&](std::string_view s) {
    if (is_uuid(s)) out.push_back(to_lower(s));
  };
  switch (r.in) {
    case app::RefIn::kPath:
      if (auto* p = in.params.get(r.field)) add(*p);
      break;
    case app::RefIn::kQuery:
      for (auto& q : in.req.query_values(r.field, true)) add(q);
      break;
    case app::RefIn::kBody: {
      std::vector<std::string_view> path;
      std::string_view f = r.field;
      for (std::size_t pos = 0; pos <= f.size();) {
        auto dot = f.find('.', pos);
        if (dot == std::string_view::npos) dot = f.size();
        path.push_back(f.substr(pos, dot - pos));
        pos = dot + 1;
      }
      body_values(json::value(in.body), path, 0, out);
      break;
    }
  }
  return out;
}

// Whether the bearer holds `a` on `fam` for a record of `project` ("" for organization-level
// records).
bool may_use(const Evaluator& ev, std::string_view fam_name, Access a, const std::string& project) {
  auto fam = family(fam_name);
  switch (fam.scope) {
    case FamilyScope::kAuthenticated:
      return true;
    case FamilyScope::kUnknown:
      return false;
    case FamilyScope::kProjects:
      if (project.empty()) return !ev.projects(fam_name, a).has_value();
      return ev.in_project(fam_name, a, project).has_value();
    case FamilyScope::kOrganization:
      if (ev.at_organization(fam_name, a)) return true;
      return fam.project_visibility && a == Access::kRead && !project.empty() &&
             ev.any_in_project(project).has_value();
  }
  return false;
}

// The records of the caller's organization with one of `ids` (any kind).
std::vector<store::Record> records_named(store::Tx& tx, const Input& in,
                                         const std::vector<std::string>& ids) {
  store::ListQuery q;
  q.kind = "";
  q.with_total = false;
  q.limit = static_cast<std::int64_t>(ids.size()) * 4 + 4;
  q.filters.push_back({store::Column::kId, store::Op::kIn, ids, {}, false});
  q.filters.push_back(
      {store::Column::kOrganization, store::Op::kEq, {in.principal.organization_id}, {}, false});
  return tx.list(q).items;
}

// The projects of the parents a creation names: records of the route's own family it attaches
// to (write references). A creation that names no project, such as a gateway network on its
// gateway, lands in its parent's project; other references (the Private Network it joins) are
// judged as references.
std::vector<std::string> parent_projects(store::Tx& tx, const Input& in) {
  std::vector<std::string> ids, kinds, out;
  if (!in.references) return out;
  for (auto& r : *in.references) {
    if (r.access == Access::kRead) continue;
    bool own = false;
    for (auto& k : r.kinds)
      if (k.family == in.permission.family) {
        own = true;
        kinds.emplace_back(k.kind);
      }
    if (!own) continue;
    for (auto& id : reference_values(in, r))
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  }
  if (ids.empty()) return out;
  for (auto& rec : records_named(tx, in, ids))
    if (std::find(kinds.begin(), kinds.end(), rec.kind) != kinds.end())
      add_target(out, rec.project_id);
  return out;
}

// Loads every record the route's references name (one query, in the caller's organization) and
// refuses the verdict when the bearer lacks the declared access on one of them.
void check_references(store::Store& store, const Input& in, const RequestFacts& facts, Verdict& v) {
  struct Named {
    const app::Reference* ref;
    std::string id;
  };
  std::vector<Named> named;
  std::vector<std::string> ids;
  for (auto& r : *in.references)
    for (auto& id : reference_values(in, r)) {
      if (in.principal.bearer_type == "user" && id == in.principal.bearer_id) continue;
      if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
      named.push_back({&r, std::move(id)});
    }
  if (named.empty()) return;
  auto tx = store.begin(store::TxMode::kRead);
  auto records = records_named(*tx, in, ids);
  if (records.empty()) return;
  std::shared_ptr<const Evaluator> ev = v.evaluator;
  if (!ev) ev = std::make_shared<Evaluator>(Evaluator::load(*tx, in.principal, facts));
  for (auto& n : named) {
    for (auto& rec : records) {
      if (rec.id != n.id) continue;
      for (auto& k : n.ref->kinds) {
        if (rec.kind != k.kind) continue;
        if (n.ref->access == Access::kRead && !k.public_flag.empty()) {
          auto f = rec.body.find(k.public_flag);
          if (f != rec.body.end() && f->value().is_bool() && f->value().get_bool()) continue;
        }
        if (may_use(*ev, k.family, n.ref->access, rec.project_id)) continue;
        std::string action = n.ref->access == Access::kRead ? "read" : "write";
        v.allowed = false;
        v.match.reset();
        v.reference_denied = std::make_pair(action, std::string(k.resource));
        v.reason = "the request names " + std::string(k.resource) + " " + rec.id + " (" +
                   n.ref->field + ")" +
                   (rec.project_id.empty() ? std::string() : " of project " + rec.project_id) +
                   ", where no rule grants " + std::string(to_string(n.ref->access)) + " on " +
                   std::string(k.family);
        return;
      }
    }
  }
}

Verdict decide_route(store::Store& store, const Input& in, const RequestFacts& facts) {
  Verdict v;
  const auto& perm = in.permission;
  if (perm.public_route) {
    v.allowed = true;
    v.reason = "public route: no authentication needed";
    return v;
  }
  if (in.principal.owner) {
    v.allowed = true;
    v.reason =
        "the bearer is the Owner of the organization: every right, policies are not "
        "evaluated";
    return v;
  }
  const auto fam = family(perm.family);
  const std::string fam_name(perm.family);
  const std::string access(to_string(perm.access));
  if (fam.scope == FamilyScope::kAuthenticated) {
    v.allowed = true;
    v.reason = "family " + fam_name + " is open to every authenticated principal";
    return v;
  }
  if (fam.scope == FamilyScope::kUnknown) {
    v.reason = "no permission set covers family " + fam_name + ": only the Owner may call it";
    return v;
  }

  auto tx = store.begin(store::TxMode::kRead);
  auto ev = std::make_shared<Evaluator>(Evaluator::load(*tx, in.principal, facts));
  v.evaluator = ev;
  v.view = std::make_shared<View>(ev, fam_name);
  if (ev->rules().empty() && perm.self_field.empty()) {
    v.reason = "no policy applies to the bearer (directly or through a group)";
    return v;
  }

  // A user acting on itself.
  if (!perm.self_field.empty() && in.principal.bearer_type == "user") {
    std::string value;
    if (auto* p = in.params.get(perm.self_field)) value = *p;
    if (value.empty())
      if (auto* q = in.req.query_value(perm.self_field)) value = *q;
    if (value.empty()) value = field_of(in.body, perm.self_field);
    if (value.empty())
      if (auto r = named_resource(*tx, in, false)) {
        value = field_of(r->body, perm.self_field);
        v.target = std::move(r);
      }
    if (!value.empty() && to_lower(value) == in.principal.bearer_id) {
      v.allowed = true;
      v.reason = "the bearer acts on itself (" + std::string(perm.self_field) + ")";
      return v;
    }
  }

  v.projects = explicit_projects(in);
  if (fam.scope == FamilyScope::kOrganization) {
    if (auto m = ev->at_organization(perm.family, perm.access)) {
      v.allowed = true;
      v.match = m;
      v.reason = "allowed by " + describe(*m);
      return v;
    }
    if (fam.project_visibility && perm.access == Access::kRead) {
      if (!v.projects.empty()) {
        for (auto& p : v.projects) {
          auto m = ev->any_in_project(p);
          if (!m) {
            v.reason = "no organization-level " + access + " right on " + fam_name +
                       " and no right at all in project " + p;
            return v;
          }
          v.match = m;
        }
        v.allowed = true;
        v.reason = "the project is visible to the bearer through " + describe(*v.match);
        return v;
      }
      if (is_list(in)) {
        v.list = true;
        v.scope = ev->visible_projects();
        if (v.scope && v.scope->empty()) {
          v.reason = "no organization-level " + access + " right on " + fam_name +
                     " and no right in any project";
          return v;
        }
        v.allowed = true;
        v.reason = "list limited to the projects where the bearer has a right";
        return v;
      }
    }
    v.reason = "no rule scoped to the organization grants " + access + " on " + fam_name;
    return v;
  }

  // Project-level family.
  auto granted_in = ev->projects(perm.family, perm.access);
  if (granted_in && granted_in->empty()) {
    v.reason = "no rule grants " + access + " on " + fam_name + " in any project";
    return v;
  }
  if (v.projects.empty()) {
    if (auto r = named_resource(*tx, in, true)) {
      v.projects.push_back(r->project_id);
      v.target = std::move(r);
    } else if (in.req.method == "POST" && in.params.size() <= 2 && !is_list(in)) {
      // A creation that names no project goes to the key's default project.
      bool named = false;
      for (auto& [k, val] : in.params.items())
        if (k != "zone" && k != "region") named = true;
      if (!named) {
        auto org = field_of(in.body, "organization");
        if (org.empty()) org = field_of(in.body, "organization_id");
        auto parents = org.empty() ? parent_projects(*tx, in) : std::vector<std::string>{};
        if (!parents.empty())
          v.projects = std::move(parents);
        else
          add_target(v.projects, !org.empty() ? org
                                 : !in.principal.default_project_id.empty()
                                     ? in.principal.default_project_id
                                     : in.principal.organization_id);
      }
    }
  }
  if (!v.projects.empty()) {
    for (auto& p : v.projects) {
      auto m = ev->in_project(perm.family, perm.access, p);
      if (!m) {
        v.reason = "no rule grants " + access + " on " + fam_name + " in project " + p;
        return v;
      }
      v.match = m;
    }
    v.allowed = true;
    v.reason = "allowed by " + describe(*v.match);
    return v;
  }
  v.allowed = true;
  if (is_list(in)) {
    v.list = true;
    v.scope = granted_in;
    v.reason = granted_in ? "list limited to the projects where a rule grants " + access + " on " +
                                fam_name
                          : "an organization-scoped rule grants " + access + " on " + fam_name +
                                " in every project";
  } else {
    v.reason = "the request names no project; the handler checks the project it acts on";
  }
  return v;
}

}  // namespace

Verdict decide(store::Store& store, const Input& in, const RequestFacts& facts) {
  auto v = decide_route(store, in, facts);
  if (v.allowed && !in.principal.owner && !in.permission.public_route && in.references &&
      !in.references->empty())
    check_references(store, in, facts, v);
  return v;
}

api::ApiError denial(const Verdict& v, const http::Request& req, const app::Permission& p) {
  if (v.reference_denied)
    return api::ApiError::permissions_denied(
        {{v.reference_denied->first, v.reference_denied->second}});
  return denial(req, p);
}

app::Authorizer make_authorizer(store::Store& store, Clock& clock) {
  return [&store, &clock](app::Context& ctx,
                          const app::Permission& perm) -> std::optional<api::ApiError> {
    if (perm.public_route || ctx.principal.owner) return std::nullopt;
    Input in{ctx.principal, perm, ctx.op, ctx.req, ctx.params, ctx.body, ctx.references};
    auto v = decide(store, in, facts_of(ctx.req, clock.now()));
    ctx.access = v.view;
    ctx.target = std::move(v.target);
    if (!v.allowed) return denial(v, ctx.req, perm);
    return std::nullopt;
  };
}

}  // namespace scwd::iam
