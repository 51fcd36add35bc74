// The seam between Kapsule's control plane (the k8s v1 API: clusters, pools, nodes) and the small
// Kubernetes API server scwd serves for every cluster over HTTPS (kubeapi/). The control plane
// makes each cluster's certificates and answers what the API server asks of a cluster through
// ClusterDirectory; the API server keeps its own objects (namespaces, ConfigMaps, Secrets).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/app/context.hpp"
#include "core/store/store.hpp"
#include "core/util/time.hpp"

namespace scwd::products::k8s {

// A cluster's PKI, made once at its creation: a self-signed CA (ECDSA P-256, CN=kubernetes, ten
// years) and the API server's certificate it signs for `hosts` (DNS names; IP literals become IP
// SANs). PEM texts; the keys are sealed by the caller before they are stored.
struct ClusterPki {
  std::string ca_cert_pem;
  std::string ca_key_pem;
  std::string server_cert_pem;
  std::string server_key_pem;
};
ClusterPki make_cluster_pki(const std::vector<std::string>& hosts, Micros now);

// A node as Kubernetes shows it (kubectl get nodes), read at one instant of the clock.
struct KubeNode {
  std::string name;             // the platform's node name, e.g. scw-mycluster-default-0a1b2c...
  std::string pool_name;        // label k8s.scaleway.com/pool-name
  std::string pool_id;          // label k8s.scaleway.com/pool
  std::string node_type;        // label node.kubernetes.io/instance-type, e.g. "pro2_xxs"
  std::string zone;             // label topology.kubernetes.io/zone, e.g. "fr-par-1"
  std::string region;           // label topology.kubernetes.io/region
  std::string provider_id;      // scaleway://instance/fr-par-1/<uuid>
  std::string internal_ip;      // the node's address in the cluster's Private Network
  std::string external_ip;      // empty when the pool has public IPs disabled
  std::string kubelet_version;  // "v1.34.6"
  bool ready = false;           // the control plane's node status is `ready`
  Micros created_at = 0;
};

// A cluster as its API server needs it, read at one instant of the clock.
struct KubeCluster {
  std::string id;
  std::string name;
  std::string region;
  std::string organization_id;
  std::string project_id;
  std::string version;  // "1.34.6"
  std::string token;    // the admin token the kubeconfig carries (changes on reset-admin-token)
  std::string server_cert_pem;
  std::string server_key_pem;
  Micros created_at = 0;
  std::vector<KubeNode> nodes;
};

// What the Kubernetes API server reads of the control plane (the k8s module implements it).
class ClusterDirectory {
 public:
  virtual ~ClusterDirectory() = default;
  // The cluster (not being deleted) with its nodes, or nullopt.
  virtual std::optional<KubeCluster> find(std::string_view cluster_id) const = 0;
};

// The control plane's view, reading through the store handlers see (settled on the clock).
std::unique_ptr<ClusterDirectory> make_cluster_directory(app::Services& svc);

// The path prefix of a cluster on the API server's listener: kubeconfigs name
// `https://<k8s listen address><cluster_path(id)>` as the server, with
// `tls-server-name: <cluster_host(id, region)>` (the certificate is chosen by SNI).
std::string cluster_path(std::string_view cluster_id);
std::string cluster_host(std::string_view cluster_id, std::string_view region);

// Removes what the API server stored for a cluster (namespaces, ConfigMaps, Secrets), inside the
// transaction that deletes the cluster.
void remove_kube_objects(store::Tx& tx, std::string_view cluster_id);

}  // namespace scwd::products::k8s
