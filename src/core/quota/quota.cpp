#include "core/quota/quota.hpp"

namespace scwd::quota {

std::int64_t limit(const app::Config& config, const Quota& q) {
  if (auto it = config.quotas.find(q.name); it != config.quotas.end()) return it->second;
  return q.default_limit;
}

std::int64_t current(store::Tx& tx, const Quota& q, std::string_view organization_id) {
  std::int64_t n = 0;
  for (auto kind : q.kinds) n += tx.count_owned(kind, organization_id);
  return n;
}

std::optional<api::ApiError> check(store::Tx& tx, const app::Config& config, const Quota& q,
                                   std::string_view organization_id, std::int64_t adding) {
  auto max = limit(config, q);
  auto now = current(tx, q, organization_id);
  // On a shared store, checks of one quota take turns so that concurrent creates (on any
  // replica) cannot pass the limit together. Far from the limit they run side by side: with at
  // most `lanes` checks in flight, each adding at most kSideBySideAdding, the committed count
  // plus everything in flight stays within the limit as long as each check leaves room for the
  // others. Near it, a check runs alone and counts exactly.
  constexpr std::int64_t kSideBySideAdding = 16;
  const std::int64_t lanes = tx.quota_lanes();
  auto room_for_others = [&] { return (lanes - 1) * kSideBySideAdding; };
  if (lanes > 1) {
    bool side_by_side = adding <= kSideBySideAdding && now + adding + room_for_others() <= max;
    tx.hold_quota(q.name, organization_id, !side_by_side);
    now = current(tx, q, organization_id);  // what committed while this check waited its turn
    if (side_by_side && now + adding + room_for_others() > max) {
      tx.hold_quota(q.name, organization_id, true);  // it came near meanwhile: alone after all
      now = current(tx, q, organization_id);
    }
  }
  if (now + adding <= max) return std::nullopt;
  return api::ApiError::quotas_exceeded(
      {{std::string(q.name), max, now, std::string(organization_id), {}}});
}

}  // namespace scwd::quota
