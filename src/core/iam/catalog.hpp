// The permission-set catalogue and the route families it covers. A route declares a family
// ("Instances", "Projects", "IAMUsers", ...) and an access level; a permission set grants access
// levels on families. Project-level families follow the platform's naming: the set
// "<Family>FullAccess" grants full access to routes of family "<Family>", "<Family>ReadOnly"
// read access, and AllProductsFullAccess / AllProductsReadOnly cover every project-level family
// (including products added later). Organization-level families are listed in one table.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/app/context.hpp"

namespace scwd::iam {

enum class ScopeType { kProjects, kOrganization, kAccountRootUser };
std::string_view to_string(ScopeType s);  // "projects", "organization", "account_root_user"

// One access level a set grants on a family.
struct Grant {
  std::string_view family;
  app::Access access;
};

struct PermissionSet {
  std::string_view name;
  ScopeType scope;
  std::string description;
  std::vector<std::string_view> categories;
  std::vector<Grant> grants;  // organization-level sets: explicit; project-level: derived
  bool all_products = false;  // AllProducts*: every project-level family at `all_access`
  app::Access all_access = app::Access::kNone;
  std::string id;  // stable UUID derived from the name
};

// Every permission set, in catalogue order.
std::span<const PermissionSet> permission_sets();
const PermissionSet* find_permission_set(std::string_view name);

enum class FamilyScope {
  kProjects,       // resources live in projects: rules scoped to projects (or the organization)
  kOrganization,   // the organization's own APIs: organization-scoped rules only
  kAuthenticated,  // any authenticated principal of the organization
  kUnknown,        // not in any table: only the Owner passes
};

struct Family {
  std::string_view name;
  FamilyScope scope;
  // Organization families only: a principal with any project-level right on a project may read
  // that project (the Account project routes).
  bool project_visibility = false;
};

// How a route family is evaluated. Project-level families are those a "<Family>FullAccess" or
// "<Family>ReadOnly" set of scope projects exists for.
Family family(std::string_view name);

// The access `set` grants on `fam` (kNone when it grants nothing there).
app::Access granted(const PermissionSet& set, std::string_view fam);

bool covers(app::Access granted, app::Access needed);
std::string_view to_string(app::Access a);  // "none", "read", "write", "full"

}  // namespace scwd::iam
