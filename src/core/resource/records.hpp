// New records made outside a create route (what a change creates, a record's children): a fresh
// id, created `now`, not inserted.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "core/api/error.hpp"
#include "core/app/context.hpp"
#include "core/app/owner.hpp"
#include "core/store/store.hpp"
#include "core/util/ids.hpp"
#include "core/util/time.hpp"

namespace scwd::resource {

// A record of `kind` owned by `owner` in `locality`.
inline store::Record new_record(std::string_view kind, const app::Owner& owner,
                                std::string_view locality, Micros now) {
  return {.kind = std::string(kind),
          .id = new_uuid(),
          .organization_id = owner.organization_id,
          .project_id = owner.project_id,
          .locality = std::string(locality),
          .created_at = now,
          .updated_at = now};
}

// A record of `kind` under `parent`: its owner and locality, its id as parent_id.
inline store::Record new_child(std::string_view kind, const store::Record& parent, Micros now) {
  auto r = new_record(kind, {parent.organization_id, parent.project_id}, parent.locality, now);
  r.parent_id = parent.id;
  return r;
}

// A record of `kind` that a body names (`id`), in the request's zone and the caller's
// organization; not_found naming `resource` otherwise, a malformed id included.
inline api::Result<store::Record> find_in_zone(store::Tx& tx, const app::Context& ctx,
                                               std::string_view kind, std::string_view id,
                                               std::string_view resource) {
  if (!is_uuid(id)) return api::fail(api::ApiError::not_found(resource, id));
  auto r = tx.get(kind, to_lower(id));
  if (!r || r->locality != ctx.zone() || r->organization_id != ctx.principal.organization_id)
    return api::fail(api::ApiError::not_found(resource, id));
  return std::move(*r);
}

}  // namespace scwd::resource
