// First start: an organization, its default project (same id), an Owner user and an API key,
// taken from SCW_* environment variables when set, else generated and reported once. The same
// code creates the further organizations the operator asks for (POST /_scwd/organizations).
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

// What an organization is created with. Ids and keys left empty are generated; the default
// project's id is the organization's.
struct NewOrganization {
  std::string name = "scwd";
  std::string owner_email = "owner@scwd.local";
  std::string key_description = "scwd bootstrap key of the Owner";
  std::string organization_id;
  std::string project_id;  // a distinct id adds a second project (an existing SCW_* profile)
  std::string access_key;
  std::string secret_key;
};

// Writes the organization, its default project, its Owner user and the Owner's API key (only
// the secret's hash is stored) in `tx`; the returned identity carries the secret. Throws
// std::invalid_argument for malformed given values and store::DuplicateKey when the email,
// an id or the access key is taken.
Identity create_organization(store::Tx& tx, const NewOrganization& in, Micros now);

// The organization whose Owner operates this scwd instance (the admin plane's operator): the
// first one created, i.e. the bootstrapped one. nullopt on an empty store.
std::optional<std::string> operator_organization(store::Tx& tx);

}  // namespace scwd::auth
