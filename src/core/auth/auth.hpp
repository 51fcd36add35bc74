// Authentication: X-Auth-Token (secret key) -> API key -> Principal. Secret keys are looked up by
// their hash; results are cached for a short time, and the cache is dropped whenever an API key
// or its bearer changes, so a deleted key stops working at once.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "core/api/error.hpp"
#include "core/app/context.hpp"
#include "core/http/message.hpp"
#include "core/iam/kinds.hpp"
#include "core/store/store.hpp"
#include "core/util/time.hpp"

namespace scwd::auth {

// The IAM kinds identity reads and the bootstrap writes (named in core/iam/kinds.hpp), and those
// of accounts (written by the bootstrap and the Account product).
using iam::kApiKeyKind;
using iam::kApplicationKind;
using iam::kJwtKind;
using iam::kUserKind;
inline constexpr std::string_view kOrganizationKind = "account.organization";
inline constexpr std::string_view kProjectKind = "account.project";
// resource_keys entry of an API key: "secret:" + hash_secret(secret)
std::string secret_lookup_key(std::string_view secret_key);
// resource_keys entry of a JWT: "session:" + digest of the token
std::string session_lookup_key(std::string_view token);

class Authenticator {
 public:
  Authenticator(store::Store& store, Clock& clock) : store_(store), clock_(clock) {}

  api::Result<app::Principal> authenticate(const http::Request& req);
  // The principal an API key stands for, as authentication would see it now (explain). A key
  // outside `organization` (when given) fails as an unknown key would.
  api::Result<app::Principal> principal_of_access_key(
      std::string_view access_key, std::optional<std::string_view> organization = std::nullopt);
  void invalidate();

 private:
  api::Result<app::Principal> load(const std::string& hash);
  api::Result<app::Principal> session_of(std::string_view token);
  // Sets Principal::instance_operator.
  void mark_operator(app::Principal& p);

  struct Entry {
    app::Principal principal;
    std::optional<Micros> expires_at;
    std::uint64_t generation;
    std::chrono::steady_clock::time_point cached_at;
  };
  store::Store& store_;
  Clock& clock_;
  std::shared_mutex mu_;
  std::unordered_map<std::string, Entry> cache_;  // keyed by the secret's hash
  std::atomic<std::uint64_t> generation_{0};
  std::string operator_org_;  // found once (the first organization never changes); under mu_
};

}  // namespace scwd::auth
