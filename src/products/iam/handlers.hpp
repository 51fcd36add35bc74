// The route groups of the IAM product (one file each) and helpers they share.
#pragma once

#include "core/util/crypto.hpp"
#include "products/iam/common.hpp"

namespace scwd::products::iam {

void register_users(app::Registry& r);
void register_applications(app::Registry& r);
void register_groups(app::Registry& r);
void register_policies(app::Registry& r);
void register_api_keys(app::Registry& r);
void register_ssh_keys(app::Registry& r);
void register_jwts(app::Registry& r);
void register_logs(app::Registry& r);
void register_organization(app::Registry& r);
void register_scim(app::Registry& r);  // Go SDK only (not in the pinned JS SDK)

// When a principal goes away: its policies lose their principal, it leaves its groups, its API
// keys are deleted (each logged).
void orphan_policies(store::Tx& tx, Context& ctx, std::string_view field, const std::string& id);
void leave_groups(store::Tx& tx, Context& ctx, std::string_view field, const std::string& id);
void delete_keys_of(store::Tx& tx, Context& ctx, std::string_view field, const std::string& id);

}  // namespace scwd::products::iam
