// Per-organization quotas. Products name a quota and its default limit; the operator overrides
// limits with --quota NAME=N (repeatable). Counting uses the store's per-owner counters, so a
// check costs O(projects), not O(records).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/api/error.hpp"
#include "core/app/context.hpp"
#include "core/store/store.hpp"

namespace scwd::quota {

// One quota: its name (as in quotas_exceeded details and --quota), the record kinds it counts
// and its default limit per organization.
struct Quota {
  std::string_view name;
  std::vector<std::string_view> kinds;
  std::int64_t default_limit;
};

std::int64_t limit(const app::Config& config, const Quota& q);
std::int64_t current(store::Tx& tx, const Quota& q, std::string_view organization_id);

// Answers quotas_exceeded when `adding` more records would exceed the organization's limit.
// Call it in the write transaction that inserts, before inserting.
std::optional<api::ApiError> check(store::Tx& tx, const app::Config& config, const Quota& q,
                                   std::string_view organization_id, std::int64_t adding = 1);

}  // namespace scwd::quota
