// The Kubernetes API server of Kapsule clusters: one HTTPS listener for every cluster, each under
// its path prefix (cluster_path) with its own certificate (chosen by SNI, cluster_host). It
// serves what kubectl and client libraries need to look at a cluster and keep configuration in
// it: version, health, discovery, namespaces, nodes (read from the control plane), ConfigMaps
// and Secrets (kept in the store). It schedules and runs nothing: there are no Pods, no
// controllers, no watches.
#pragma once

#include <optional>
#include <string_view>

#include "core/http/message.hpp"
#include "core/store/store.hpp"
#include "core/util/secretbox.hpp"
#include "core/util/time.hpp"
#include "products/k8s/kube.hpp"

namespace scwd::products::k8s {

// The records the API server keeps (parent_id: the cluster): one per object, and one per
// cluster that has been written to (its resourceVersion counter).
inline constexpr std::string_view kKubeObjectKind = "k8s.kube_object";
inline constexpr std::string_view kKubeStateKind = "k8s.kube_state";

class KubeApi {
 public:
  KubeApi(const ClusterDirectory& clusters, store::Store& store, const Clock& clock,
          const SecretBox& secrets)
      : clusters_(clusters), store_(store), clock_(clock), secrets_(secrets) {}

  // Answers one request whose path is a cluster's prefix plus a Kubernetes API path. Thread-safe;
  // requests that write wait for their commit (see writes()).
  http::Response handle(const http::Request& req) const;
  // Whether handling the request may write to the store (its method changes objects).
  static bool writes(const http::Request& req);
  // The listener's own refusals (malformed requests, limits, 500) as Kubernetes Status answers.
  static http::Response transport_error(int status, std::string_view detail);

 private:
  const ClusterDirectory& clusters_;
  store::Store& store_;
  const Clock& clock_;
  const SecretBox& secrets_;
};

// The cluster whose API server host (cluster_host) a TLS client names, or nullopt.
std::optional<KubeCluster> cluster_for_host(const ClusterDirectory& clusters,
                                            std::string_view server_name);

}  // namespace scwd::products::k8s
