// Kapsule's catalogues: the Kubernetes versions a region offers (with what each lets a cluster
// choose: CNIs, runtimes, feature gates, admission plugins, kubelet arguments), the cluster types
// and which Instance types may be pool nodes. Static data, as the platform lists them.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace scwd::products::k8s {

struct Version {
  std::string name;  // "1.35.3"
  std::vector<std::string> cnis;
  std::vector<std::string> feature_gates;
  std::vector<std::string> admission_plugins;
  std::string released_at, deprecated_at, end_of_life_at;  // RFC 3339
};

// Newest first: the newest patch of each minor the region offers.
const std::vector<Version>& versions();
// A listed version, or an earlier patch of a listed minor (still accepted, not listed).
const Version* find_version(std::string_view name);
boost::json::object render_version(const Version& v, std::string_view region);
// The versions a cluster at `current` may move to: newer patches of its minor and the next minor.
std::vector<const Version*> upgrades_from(std::string_view current);
// The kubelet arguments every version accepts, with their kinds ("uint16", "bool", ...).
const std::vector<std::pair<std::string, std::string>>& kubelet_args();

struct ClusterType {
  std::string name;
  std::int64_t max_nodes = 0;
  std::int64_t commitment_days = 0;
  double sla = 0;
  std::string resiliency;
  std::int64_t memory = 0;
  bool dedicated = false;
  bool audit_logs = false;
  std::int64_t max_etcd_size = 0;
  bool multicloud = false;
};

const std::vector<ClusterType>& cluster_types();
const ClusterType* find_cluster_type(std::string_view name);
boost::json::object render_cluster_type(const ClusterType& t);

// What a pool of `node_type` gets when it names no root volume: "l_ssd" with the type's local
// storage, or "sbs_5k" of 20 GB for types without local storage.
struct RootVolume {
  std::string type;
  std::int64_t size = 0;
};
RootVolume default_root_volume(std::string_view zone, std::string_view node_type);
// The Instance type of a node type as pools name it ("pro2_xxs", "PRO2-XXS" -> "PRO2-XXS"), or
// "" when the zone does not sell it or it cannot run Kubernetes nodes.
std::string instance_type_of(std::string_view zone, std::string_view node_type);
// "PRO2-XXS" -> "pro2_xxs"
std::string pool_node_type(std::string_view instance_type);

}  // namespace scwd::products::k8s
