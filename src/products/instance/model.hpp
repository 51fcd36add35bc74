// Instance v1: record kinds, the layout of each record (what other files may rely on), and the
// functions one part of the product offers the others. Two owners:
//   - servers.cpp, volumes.cpp, snapshots.cpp, images.cpp, user_data.cpp (+ server actions,
//     attach/detach, compatible types): the "compute" work;
//   - security_groups.cpp, ips.cpp, placement_groups.cpp, dashboard.cpp, block_migration.cpp:
//     the "network" work;
//   - catalog.cpp + products routes (/products/servers, /availability, /products/volumes): the
//     catalogue work (see catalog.hpp).
// Every record: locality = zone, organization_id/project_id = owner, created_at/updated_at =
// creation_date/modification_date, name column = name, tags column = tags.
#pragma once

#include <boost/json/object.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api/error.hpp"
#include "core/app/context.hpp"
#include "core/app/owner.hpp"
#include "core/paging/paging.hpp"
#include "core/resource/resource.hpp"
#include "core/store/store.hpp"
#include "core/util/time.hpp"
#include "products/catalogue/server_types.hpp"
#include "products/prelude.hpp"

namespace scwd::products::instance {

// Every Instance route is judged on one permission family and resource.
inline constexpr app::Permission kRead{"Instances", app::Access::kRead, "instance"};
inline constexpr app::Permission kWrite{"Instances", app::Access::kWrite, "instance"};

using catalogue::find_server_type;
using catalogue::server_types;
using catalogue::ServerType;

// state column = server state ("stopped", "starting", ...); body: commercial_type, arch,
// boot_type, image_id (or null), volumes {"0": {"id", "volume_type", "boot"}}, dynamic_ip_required,
// routed_ip_enabled, enable_ipv6, protected, state_detail, mac_address, location (object|null),
// security_group {"id","name"}, placement_group_id (string|null), public_ip_ids [ids] (ordered),
// private_nics, filesystems, admin_password_encryption_ssh_key_id, ...
inline constexpr std::string_view kServerKind = "instance.server";
// l_ssd / scratch volumes. state column = volume state; parent_id = attached server id ("" when
// detached); body: volume_type, size, server {"id","name"} | null, ...
inline constexpr std::string_view kVolumeKind = "instance.volume";
// state column = snapshot state; body: volume_type, size, base_volume {"id","name"} | null, ...
inline constexpr std::string_view kSnapshotKind = "instance.snapshot";
// state column = image state; body: arch, root_volume {...}, extra_volumes, from_server, public.
inline constexpr std::string_view kImageKind = "instance.image";
// state column = "available"/"syncing"; body: description, stateful, policies, project_default,
// organization_default, enable_default_security.
inline constexpr std::string_view kSecurityGroupKind = "instance.security_group";
// parent_id = security group id; body: protocol, direction, action, ip_range, ports, position.
inline constexpr std::string_view kSecurityGroupRuleKind = "instance.security_group_rule";
// state column = IP state; parent_id = attached server id ("" when detached); body: type,
// address, prefix, reverse, dynamic (bool: the server's automatic IP), ipam_id.
inline constexpr std::string_view kIpKind = "instance.ip";
// body: policy_mode, policy_type.
inline constexpr std::string_view kPlacementGroupKind = "instance.placement_group";

// How routes name Instance records (app::Reference): judged on the Instances family, denied
// with the resource name of Instance permission errors.
inline constexpr app::RefKind kServerRef{kServerKind, "Instances", "instance"};
inline constexpr app::RefKind kVolumeRef{kVolumeKind, "Instances", "instance"};
inline constexpr app::RefKind kSnapshotRef{kSnapshotKind, "Instances", "instance"};
inline constexpr app::RefKind kImageRef{kImageKind, "Instances", "instance", "public"};
inline constexpr app::RefKind kSecurityGroupRef{kSecurityGroupKind, "Instances", "instance"};
inline constexpr app::RefKind kIpRef{kIpKind, "Instances", "instance"};
inline constexpr app::RefKind kPlacementGroupRef{kPlacementGroupKind, "Instances", "instance"};

// Instance timestamps: "2026-02-24T11:29:06.723007+00:00".
inline std::string ts(Micros t) { return format_time(t, TimeStyle::kOffset); }

// Instance v2alpha1 (the version the Terraform provider uses for private NICs and placement
// groups): modern conventions over the same records as v1. Bare objects, `Z` timestamps,
// page_token paging, four orders (created_at / updated_at, default created_at_desc).
inline constexpr std::string_view kV2Zone = "/instance/v2alpha1/zones/{zone}";

// A v2alpha1 list of `kind`: the page, the order, and the filters every one has (the zone, the
// caller's organization and readable projects, `project_id`, `tags`). Callers add their own
// filters to `query`, then answer with v2_list_answer.
struct V2List {
  store::ListQuery query;
  paging::TokenPage page;
};
api::Result<V2List> v2_list(app::Context& ctx, std::string_view kind);
// Runs the list and answers {"<key>": [render(record)...], "next_page_token"?, "total_count"}.
http::Response v2_list_answer(app::Context& ctx, V2List& list, std::string_view key,
                              const std::function<json::object(const store::Record&)>& render);

// What every Instance v1 kind declares alike: zoned records, not_found for a malformed id,
// `per_page` paging with X-Total-Count and Link, the `project` / `organization` owner of a create
// answered 201 with a Location, single answers wrapped in {"<envelope>": ...}, and the
// `organization`, `project` (exact UUIDs) and `tags` (every one of a comma list) list filters.
resource::Spec v1_spec(std::string_view kind, std::string resource, std::string id_param,
                       std::string collection, std::string envelope, std::string list_key);

// A new security group record of `owner` in `zone` with the platform's defaults (stateful,
// accept both ways, default security on, no name), not inserted.
store::Record new_security_group(const app::Owner& owner, std::string_view zone, Micros now);

// A path or body id that must be a UUID: invalid_arguments naming `arg` otherwise. Lower-cases.
api::Result<std::string> uuid_arg(std::string_view value, std::string_view arg);
// The owner of a new Instance resource from the `project` / `organization` one-of.
api::Result<app::Owner> owner_of(const app::Context& ctx, store::Tx& tx, const json::object& body);
// A record of `kind` in the request's zone and the caller's organization, settled; not_found
// with `resource` ("instance_server", ...) otherwise.
api::Result<store::Record> load(store::Tx& tx, const app::Context& ctx, std::string_view kind,
                                std::string_view id, std::string_view resource);

// ---- offered by the network work ----

// The project's default security group in the zone, created when missing ({"id","name"}).
api::Result<json::object> default_security_group(store::Tx& tx, const app::Context& ctx,
                                                 const app::Owner& owner, std::string_view zone);
// {"id","name"} of a security group of the caller in the zone; not_found otherwise.
api::Result<json::object> security_group_ref(store::Tx& tx, const app::Context& ctx,
                                             std::string_view id);
// The ServerIp shape of an IP record (entries of a server's public_ips).
json::object render_server_ip(const store::Record& ip);
// IPs attached to a server (parent_id), dynamic first, then by creation.
std::vector<store::Record> server_ips(store::Tx& tx, std::string_view server_id);
// Power-on: inserts the server's dynamic routed IPv4 (dynamic: true, state attached).
store::Record allocate_dynamic_ip(store::Tx& tx, const store::Record& server, Micros now);
// Power-off / delete: deletes the dynamic IP; flexible IPs are detached when `detach_flexible`.
void release_server_ips(store::Tx& tx, const store::Record& server, Micros now,
                        bool detach_flexible);
// Attaches a flexible IP (by id) to a server: not_found, or an error when attached elsewhere.
std::optional<api::ApiError> attach_ip(store::Tx& tx, const app::Context& ctx,
                                       std::string_view ip_id, const store::Record& server,
                                       Micros now);
// The PlacementGroup object a server embeds (policy_respected false, as the platform shows it).
json::object placement_group_summary(const store::Record& pg);
// The full PlacementGroup object; not_found instance_placement_group otherwise.
api::Result<json::object> placement_group_json(store::Tx& tx, const app::Context& ctx,
                                               std::string_view id);
// Adjusts the location a server is about to get (power-on) so that it respects its placement
// group's policy: low_latency -> the hypervisor of the group's placed members; max_availability
// -> a hypervisor no other placed member uses. No-op outside a group. (Optional to call: without
// it the group's policy_respected reflects wherever the server landed.)
void place_in_group(store::Tx& tx, const store::Record& server, json::object& location);

}  // namespace scwd::products::instance
