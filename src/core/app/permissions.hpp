// A resource's read and write permissions, declared together: most resources have both, in the
// same family under the same resource name.
#pragma once

#include <string_view>

#include "core/app/context.hpp"

namespace scwd::app {

struct PermissionPair {
  Permission read;
  Permission write;
};

constexpr PermissionPair permissions(std::string_view family, std::string_view resource) {
  return {{family, Access::kRead, resource}, {family, Access::kWrite, resource}};
}

}  // namespace scwd::app
