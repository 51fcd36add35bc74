# Kapsule: a cluster in a Private Network, its pool waited for until its nodes are ready, and the
# kubeconfig attributes the provider reads from the kubeconfig.
data "scaleway_k8s_version" "latest" {
  name = "latest"
}

resource "scaleway_vpc_private_network" "k8s" {
  name = "tf-k8s-pn"
}

resource "scaleway_k8s_cluster" "k8s" {
  name                        = "tf-k8s"
  description                 = "changed by Terraform"
  version                     = data.scaleway_k8s_version.latest.name
  cni                         = "cilium"
  tags                        = ["terraform"]
  private_network_id          = scaleway_vpc_private_network.k8s.id
  delete_additional_resources = false

  autoscaler_config {
    scale_down_delay_after_add = "20m"
    expander                   = "most_pods"
  }
}

resource "scaleway_k8s_pool" "default" {
  cluster_id          = scaleway_k8s_cluster.k8s.id
  name                = "default"
  node_type           = "DEV1-M"
  size                = 2
  tags                = ["terraform"]
  wait_for_pool_ready = true
}

data "scaleway_k8s_cluster" "k8s" {
  cluster_id = scaleway_k8s_cluster.k8s.id
  depends_on = [scaleway_k8s_pool.default]
}

output "kubeconfig_host" {
  value = nonsensitive(scaleway_k8s_cluster.k8s.kubeconfig[0].host)
}

output "kubeconfig_has_token" {
  value = length(nonsensitive(scaleway_k8s_cluster.k8s.kubeconfig[0].token)) == 56
}

output "node_names" {
  value = [for n in scaleway_k8s_pool.default.nodes : n.name]
}
