#include "core/app/context.hpp"

#include <algorithm>

#include "core/util/ids.hpp"

namespace scwd::app {

namespace {
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() > suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}
}  // namespace

bool is_target_field(std::string_view name) {
  return name == "project_id" || name == "project" || name == "project_ids" ||
         name == "organization_id" || name == "organization";
}

bool is_reference_field(std::string_view name) {
  if (ends_with(name, "_id") || ends_with(name, "_ids")) return true;
  // The SDK fields that carry ids (or objects holding them) without an _id suffix.
  static constexpr std::string_view kNouns =
      " server servers volume volumes image root_volume extra_volumes base_snapshot base_volume"
      " snapshot from_snapshot from_server placement_group security_group public_ip public_ips"
      " ip private_nics private_network private_networks resource from_resource to_resource"
      " source ipam_config access_key access_keys gateway ";
  if (name.empty() || name.find(' ') != std::string_view::npos) return false;
  return kNouns.find(" " + std::string(name) + " ") != std::string_view::npos;
}

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

std::optional<api::ApiError> Context::check_organization_filter(std::string_view resource) const {
  auto org = query_opt("organization_id");
  if (!org || org->empty()) return std::nullopt;
  if (!is_uuid(*org))
    return api::ApiError::invalid_argument("organization_id", api::ArgReason::kFormat,
                                           "invalid UUID");
  if (to_lower(*org) != principal.organization_id)
    return api::ApiError::permissions_denied({{"read", std::string(resource)}});
  return std::nullopt;
}

std::optional<api::ApiError> Context::uuid_filter(store::ListQuery& q, std::string_view param,
                                                  store::Column column,
                                                  std::string_view body_path) const {
  store::Values ids;
  for (auto& v : query_all(param, true)) {
    if (v.empty()) continue;
    if (!is_uuid(v))
      return api::ApiError::invalid_argument(std::string(param), api::ArgReason::kFormat,
                                             "invalid UUID");
    ids.push_back(store::Uuid{to_lower(v)});
  }
  if (ids.empty()) return std::nullopt;
  auto op = ids.size() == 1 ? store::Op::kEq : store::Op::kIn;
  q.filters.push_back({column, op, std::move(ids), std::string(body_path), false});
  return std::nullopt;
}

}  // namespace scwd::app
