#pragma once

#include <optional>
#include <string_view>

namespace scwd::app {

// A public Scaleway API that scwd does not serve, named by its path prefix.
struct UnservedApi {
  std::string_view prefix;  // "lb/v1": the path's first two segments
  std::string_view title;   // "Load Balancer"
};

// The Scaleway API a path belongs to when it is one that scwd does not serve (a request there
// answers 501 naming the API, not a 404 that would read as a wrong path); nullopt otherwise.
std::optional<UnservedApi> unserved_api(std::string_view path);

}  // namespace scwd::app
