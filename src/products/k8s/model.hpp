// Kapsule's records and what its parts share (clusters.cpp, pools.cpp, module.cpp).
#pragma once

#include <string>
#include <string_view>

#include "core/lifecycle/lifecycle.hpp"
#include "core/paging/paging.hpp"
#include "core/resource/resource.hpp"
#include "products/prelude.hpp"

namespace scwd::products::k8s {

// locality = region; state = cluster status; name column = name; tags; body: type,
// description, version, cni, autoscaler_config, auto_upgrade, feature_gates, admission_plugins,
// open_id_connect_config, apiserver_cert_sans, private_network_id (string | null),
// commitment_ends_at, iam_nodes_group_id,
// pod_cidr, service_cidr, service_dns_ip, ca_cert, server_cert (PEM), and sealed: token,
// ca_key, server_key (core/util/secretbox).
inline constexpr std::string_view kClusterKind = "k8s.cluster";
// parent_id = cluster id; state = pool status; body: the pool's settings, version, zone.
inline constexpr std::string_view kPoolKind = "k8s.pool";
// parent_id = pool id; state = node status; body: cluster_id, instance_id, public_ip_v4 (string
// | null), and what its private NIC holds in IPAM (ipam::Held) with nic_id and mac.
inline constexpr std::string_view kNodeKind = "k8s.node";
// parent_id = cluster id; body: ip | scaleway_ranges, description.
inline constexpr std::string_view kAclKind = "k8s.acl";

inline constexpr auto kClusterPerm = permissions("Kubernetes", "cluster");
inline constexpr auto kPoolPerm = permissions("Kubernetes", "pool");
inline constexpr auto kNodePerm = permissions("Kubernetes", "node");
inline constexpr app::RefKind kClusterRef{kClusterKind, "Kubernetes", "cluster"};
inline constexpr app::RefKind kPoolRef{kPoolKind, "Kubernetes", "pool"};

inline const std::string kRegionBase = "/k8s/v1/regions/{region}";

// Realistic durations (scaled by --lifecycle-speed), from the platform's recorded timings.
inline constexpr Micros kClusterCreate = 5 * kSecond;     // kapsule: to pool_required
inline constexpr Micros kDedicatedCreate = 90 * kSecond;  // dedicated / multicloud: to ready
inline constexpr Micros kClusterUpdate = 10 * kSecond;    // PATCH
inline constexpr Micros kClusterUpgrade = 70 * kSecond;   // upgrade
inline constexpr Micros kClusterSetType = 90 * kSecond;   // set-type
inline constexpr Micros kClusterDelete = 10 * kSecond;    // deleting -> gone
inline constexpr Micros kPoolCreate = 130 * kSecond;      // scaling -> ready
inline constexpr Micros kPoolScaleUp = 80 * kSecond;      // scaling -> ready
inline constexpr Micros kPoolScaleDown = 5 * kSecond;     // scaling -> ready
inline constexpr Micros kPoolUpgrade = 60 * kSecond;      // upgrading -> ready
inline constexpr Micros kPoolDelete = 60 * kSecond;       // deleting -> gone
inline constexpr Micros kNodeCreate = 90 * kSecond;       // creating -> ready
inline constexpr Micros kNodeReboot = 30 * kSecond;       // rebooting -> ready
inline constexpr Micros kNodeDelete = 30 * kSecond;       // deleting -> gone

// The platform's not_found resource names.
inline ApiError cluster_not_found(std::string_view id) {
  return ApiError::not_found("cluster", id);
}
inline ApiError pool_not_found(std::string_view id) { return ApiError::not_found("pool", id); }

// The cluster the path's {cluster_id} names, in the caller's organization and region (404
// otherwise); in a write transaction, loaded with its due lifecycle steps applied.
Result<store::Record> path_cluster(Context& ctx, store::Tx& tx, bool writing);

// The order_by fields of clusters and pools beyond created_at, updated_at and name.
std::vector<resource::OrderField> order_fields();

// Starts deleting a record (the caller writes it): `deleting`, gone `after` later, when its kind's
// hook removes what it holds; transient_state naming `resource` when it is already going.
std::optional<ApiError> start_deleting(Context& ctx, store::Record& r, std::string_view resource,
                                       Micros after);
// What goes with a record being deleted: `deleting` at once, its own plans dropped (the
// record's hook removes them), written.
void mark_deleting(Context& ctx, store::Tx& tx, std::vector<store::Record> records);

bool multicloud(const store::Record& cluster);
// What a cluster settles to when nothing is happening to it: pool_required for a kapsule
// cluster without a ready pool, ready otherwise.
std::string stable_state(store::Tx& tx, const store::Record& cluster);
bool cluster_transient(const store::Record& cluster);
// The cluster's pools / a pool's nodes, settled views, in creation order.
std::vector<store::Record> pools_of(store::Tx& tx, std::string_view cluster_id);
std::vector<store::Record> nodes_of(store::Tx& tx, std::string_view pool_id);

json::object render_cluster(const store::Record& c);
json::object render_pool(const store::Record& p);
json::object render_node(const store::Record& n);

// Nodes: `count` new ones for `pool` (creating, with their IPAM addresses), and the removal of
// one (addresses released).
Result<std::vector<store::Record>> add_nodes(Context& ctx, store::Tx& tx,
                                             const store::Record& cluster,
                                             const store::Record& pool, std::int64_t count);
void remove_node(store::Tx& tx, const store::Record& node, Micros now);

// Reads a pool's settings from a create body (cluster create's `pools` items too) into `pool`
// (a new child record of `cluster`).
std::optional<ApiError> fill_pool(Context& ctx, store::Tx& tx, const store::Record& cluster,
                                  const json::object& body, std::string prefix,
                                  store::Record& pool);

void register_clusters(app::Registry& r, app::Services& svc);
void register_pools(app::Registry& r, app::Services& svc);
void register_external(app::Registry& r, app::Services& svc);

// Declares what clusters and nodes accrue in the usage ledger (meters.cpp).
void declare_meters();

}  // namespace scwd::products::k8s
