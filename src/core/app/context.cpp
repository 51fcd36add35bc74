#include "core/app/context.hpp"

#include <algorithm>

namespace scwd::app {

api::ApiError Context::denied(std::optional<Access> a) const {
  std::string action = "read";
  Access need = a.value_or(permission ? permission->access : Access::kRead);
  if (req.method == "DELETE")
    action = "delete";
  else if (need != Access::kRead)
    action = "write";
  std::string resource = permission ? std::string(permission->resource) : std::string();
  return api::ApiError::permissions_denied({{action, resource}});
}

std::optional<api::ApiError> Context::authorize_project(std::string_view project_id,
                                                        std::optional<Access> a) const {
  if (!access) return std::nullopt;
  Access need = a.value_or(permission ? permission->access : Access::kRead);
  if (access->may(project_id, need)) return std::nullopt;
  return denied(need);
}

std::optional<std::vector<std::string>> Context::readable_projects() const {
  if (!access) return std::nullopt;
  return access->projects(Access::kRead);
}

bool Context::scope(store::ListQuery& q, store::Column column) {
  list_scoped = true;
  auto allowed = readable_projects();
  if (!allowed) return false;
  q.filters.push_back({column, store::Op::kIn, std::move(*allowed), {}, false});
  return true;
}

}  // namespace scwd::app
