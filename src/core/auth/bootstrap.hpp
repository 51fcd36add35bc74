// First start: an organization, its default project (same id), an Owner user and an API key,
// taken from SCW_* environment variables when set, else generated and reported once.
#pragma once

#include <optional>
#include <string>

#include "core/store/store.hpp"
#include "core/util/time.hpp"

namespace scwd::auth {

struct Identity {
  std::string organization_id;
  std::string project_id;
  std::string user_id;
  std::string access_key;
  std::string secret_key;  // only known on the run that created it
};

struct BootstrapInput {
  std::string access_key;  // empty: generate
  std::string secret_key;
  std::string organization_id;
  std::string project_id;
};

struct BootstrapResult {
  bool created = false;  // false: the store already had an organization
  Identity identity;     // secret_key empty unless created
  std::string warning;   // e.g. environment values ignored on a bootstrapped store
};

// Throws std::invalid_argument when given values are malformed.
BootstrapResult bootstrap(store::Store& store, const BootstrapInput& in, Micros now);

}  // namespace scwd::auth
