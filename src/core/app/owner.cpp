#include "core/app/owner.hpp"

#include "core/auth/auth.hpp"
#include "core/util/ids.hpp"

namespace scwd::app {

using api::ApiError;
using api::ArgReason;

api::Result<Owner> resolve_owner(const Context& ctx, store::Tx& tx,
                                 const std::optional<std::string>& project,
                                 const std::optional<std::string>& organization,
                                 std::string_view project_arg, std::string_view organization_arg,
                                 std::string_view resource) {
  const auto& org = ctx.principal.organization_id;
  auto denied = [&] {
    return api::fail(ApiError::permissions_denied({{"write", std::string(resource)}}));
  };
  if (organization && !organization->empty()) {
    if (!is_uuid(*organization))
      return api::fail(ApiError::invalid_argument(std::string(organization_arg), ArgReason::kFormat,
                                                  "invalid UUID"));
    if (to_lower(*organization) != org) return denied();
  }
  std::string pid;
  if (project && !project->empty()) {
    if (!is_uuid(*project))
      return api::fail(
          ApiError::invalid_argument(std::string(project_arg), ArgReason::kFormat, "invalid UUID"));
    pid = to_lower(*project);
  } else if (organization && !organization->empty()) {
    pid = org;
  } else {
    pid = ctx.principal.default_project_id.empty() ? org : ctx.principal.default_project_id;
  }
  auto p = tx.get(auth::kProjectKind, pid);
  if (!p || p->organization_id != org) return denied();
  // IAM: the caller must hold the route's right in that project.
  if (auto e = ctx.authorize_project(pid)) return api::fail(*e);
  return Owner{org, pid};
}

}  // namespace scwd::app
