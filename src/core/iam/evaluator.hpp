// Policy evaluation: the rules that apply to a principal (its own policies and its groups'
// policies), and the questions the authorizer asks them. Policies are allow-only and additive;
// a rule applies when its permission sets grant the access on the family, its scope covers the
// target and its condition holds.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/app/context.hpp"
#include "core/iam/catalog.hpp"
#include "core/iam/kinds.hpp"
#include "core/store/store.hpp"

namespace scwd::iam {

struct Rule {
  std::string policy_id;
  std::string policy_name;
  std::string rule_id;
  std::vector<std::string> permission_set_names;
  std::vector<std::string> project_ids;  // projects scope (empty for the other scopes)
  std::string organization_id;           // organization scope
  std::string account_root_user_id;      // account root user scope
  std::string condition;                 // CEL expression, "" = none
  std::string via;                       // "user", "application" or "group <id>"
};

// Rules of one policy record's body (the shape the IAM product stores).
std::vector<Rule> rules_of(const store::Record& policy, std::string_view via);

// What conditions may refer to.
struct RequestFacts {
  std::string ip;
  std::string user_agent;
  Micros now = 0;
};

// Evaluates a condition. Supported: request.ip, request.user_agent, string / integer / boolean
// literals, ==, !=, <, <=, >, >=, &&, ||, !, parentheses, .startsWith(s), .endsWith(s),
// .contains(s), `x in [..]`. Anything else does not hold (fail closed) and `why` says so.
bool condition_holds(std::string_view condition, const RequestFacts& facts, std::string* why);

struct Match {
  const Rule* rule = nullptr;
  std::string permission_set;
};

class Evaluator {
 public:
  Evaluator(std::vector<Rule> rules, std::string organization_id, RequestFacts facts);

  // Every rule of the principal's policies and of its groups' policies.
  static Evaluator load(store::Tx& tx, const app::Principal& p, RequestFacts facts);

  const std::vector<Rule>& rules() const { return rules_; }

  // An organization-scoped rule granting `a` on an organization-level family.
  std::optional<Match> at_organization(std::string_view family, app::Access a) const;
  // A rule granting `a` on a project-level family in `project`.
  std::optional<Match> in_project(std::string_view family, app::Access a,
                                  std::string_view project) const;
  // The projects where `a` on `family` is granted; nullopt when every project is (an
  // organization-scoped rule).
  std::optional<std::set<std::string>> projects(std::string_view family, app::Access a) const;
  // Any project-level right in `project` (it makes the project itself visible).
  std::optional<Match> any_in_project(std::string_view project) const;
  std::optional<std::set<std::string>> visible_projects() const;

  // Why a rule does not apply to (family, access[, project]); empty when it applies.
  std::string why_not(const Rule& r, std::string_view family, app::Access a,
                      const std::string* project) const;

 private:
  bool live(const Rule& r) const;  // organization matches and the condition holds
  // The first project-scoped set of a live rule reaching `project` (organization-wide or naming
  // it) that `grants` accepts.
  std::optional<Match> first_in_project(
      std::string_view project, const std::function<bool(const PermissionSet&)>& grants) const;
  std::vector<Rule> rules_;
  std::string organization_id_;
  RequestFacts facts_;
};

}  // namespace scwd::iam
