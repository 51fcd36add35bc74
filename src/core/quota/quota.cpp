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
  if (now + adding <= max) return std::nullopt;
  return api::ApiError::quotas_exceeded(
      {{std::string(q.name), max, now, std::string(organization_id), {}}});
}

}  // namespace scwd::quota
