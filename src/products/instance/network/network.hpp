// The "network" part of Instance v1 (security groups, flexible IPs, placement groups, dashboard,
// block migration): route registration for network_module.cpp and helpers shared by these files
// only. What other parts of Instance may use is declared in model.hpp.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api/error.hpp"
#include "core/app/context.hpp"
#include "core/quota/quota.hpp"
#include "core/store/store.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance::network {

// Per-organization quotas (override with --quota NAME=N).
extern const quota::Quota kIpQuota;
extern const quota::Quota kSecurityGroupQuota;
extern const quota::Quota kPlacementGroupQuota;

void register_security_groups(app::Registry& r);
void register_ips(app::Registry& r);
void register_placement_groups(app::Registry& r);
void register_dashboard(app::Registry& r);
void register_block_migration(app::Registry& r);

// {"id","name"} of a server, or null when the record is gone.
json::value server_summary(store::Tx& tx, std::string_view server_id);

// The value of a string field of a body (or nullopt when absent / not a string).
std::optional<std::string> body_str(const json::object& body, std::string_view key);
bool body_bool(const json::object& body, std::string_view key, bool def = false);

// Common list filters of the Instance lists: organization, project (exact UUIDs), tags (a comma
// list: records must carry every tag). invalid_arguments on a malformed UUID.
// Also limits the list to the projects the caller may read (IAM, Context::scope).
std::optional<api::ApiError> owner_filters(app::Context& ctx, store::ListQuery& q);

// Every placement group member (servers whose body placement_group_id is pg_id), by creation.
std::vector<store::Record> placement_group_members(store::Tx& tx, std::string_view zone,
                                                   std::string_view pg_id);

}  // namespace scwd::products::instance::network
