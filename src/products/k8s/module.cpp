// Kubernetes Kapsule (k8s v1, regional): clusters (clusters.cpp), pools and nodes (pools.cpp),
// and what the Kubernetes API server reads of them (ClusterDirectory).
#include <algorithm>

#include "core/util/json.hpp"
#include "products/ipam/ipam.hpp"
#include "products/k8s/kube.hpp"
#include "products/k8s/model.hpp"

namespace scwd::products::k8s {

namespace {

class KapsuleModule final : public app::Module {
 public:
  std::string_view name() const override { return "k8s"; }
  void register_routes(app::Registry& r, app::Services& svc) override {
    declare_meters();
    register_clusters(r, svc);
    register_pools(r, svc);
    register_external(r, svc);
  }
};

// Reads clusters through the store handlers see (lifecycle-settled views).
class Directory final : public ClusterDirectory {
 public:
  explicit Directory(app::Services& svc) : svc_(svc) {}

  std::optional<KubeCluster> find(std::string_view cluster_id) const override {
    auto tx = svc_.store.begin(store::TxMode::kRead);
    auto c = tx->get(kClusterKind, to_lower(cluster_id));
    if (!c || c->state == "deleting") return std::nullopt;
    auto& box = svc_.config.secrets;
    KubeCluster k{.id = c->id,
                  .name = c->name,
                  .region = c->locality,
                  .organization_id = c->organization_id,
                  .project_id = c->project_id,
                  .version = str_of(c->body, "version"),
                  .token = box.open(str_of(c->body, "token")).value_or(""),
                  .server_cert_pem = str_of(c->body, "server_cert"),
                  .server_key_pem = box.open(str_of(c->body, "server_key")).value_or(""),
                  .created_at = c->created_at};
    for (auto& p : pools_of(*tx, c->id)) {
      auto nodes = nodes_of(*tx, p.id);
      std::vector<std::string> nics;
      for (auto& n : nodes) nics.push_back(str_of(n.body, "nic_id"));
      auto addresses = ipam::attached_to(*tx, nics);
      for (auto& n : nodes) {
        if (n.state == "deleting") continue;
        KubeNode kn{.name = n.name,
                    .pool_name = p.name,
                    .pool_id = p.id,
                    .node_type = str_of(p.body, "node_type"),
                    .zone = str_of(n.body, "zone"),
                    .region = c->locality,
                    .provider_id = "scaleway://instance/" + str_of(n.body, "zone") + "/" +
                                   str_of(n.body, "instance_id"),
                    .external_ip = str_of(n.body, "public_ip_v4"),
                    .kubelet_version = "v" + str_of(p.body, "version"),
                    .ready = n.state == "ready",
                    .created_at = n.created_at};
        auto nic = str_of(n.body, "nic_id");
        for (auto& a : addresses)
          if (!a.is_ipv6 && a.resource && a.resource->id == nic) kn.internal_ip = a.address;
        k.nodes.push_back(std::move(kn));
      }
    }
    return k;
  }

 private:
  app::Services& svc_;
};

}  // namespace

std::string cluster_path(std::string_view cluster_id) {
  return "/clusters/" + std::string(cluster_id);
}

std::string cluster_host(std::string_view cluster_id, std::string_view region) {
  return std::string(cluster_id) + ".api.k8s." + std::string(region) + ".scw.cloud";
}

std::unique_ptr<ClusterDirectory> make_cluster_directory(app::Services& svc) {
  return std::make_unique<Directory>(svc);
}

std::unique_ptr<app::Module> make_module() { return std::make_unique<KapsuleModule>(); }

}  // namespace scwd::products::k8s
