// Which organization and project a new resource belongs to. Instance takes a `project` /
// `organization` one-of, modern APIs take `project_id`; either way the project must exist in the
// caller's organization, and when none is given the API key's default project is used.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/api/error.hpp"
#include "core/app/context.hpp"
#include "core/store/store.hpp"

namespace scwd::app {

struct Owner {
  std::string organization_id;
  std::string project_id;
};

// project_arg / organization_arg: the argument names used in errors ("project" or "project_id").
// A project of another organization, or one that does not exist, answers permissions_denied
// like the real platform (it never reveals other organizations' projects). Organization alone:
// the organization's default project (its id equals the organization's). A caller whose
// policies do not grant the route's right in the resolved project gets permissions_denied.
api::Result<Owner> resolve_owner(const Context& ctx, store::Tx& tx,
                                 const std::optional<std::string>& project,
                                 const std::optional<std::string>& organization,
                                 std::string_view project_arg = "project_id",
                                 std::string_view organization_arg = "organization_id",
                                 std::string_view resource = "project");

}  // namespace scwd::app
