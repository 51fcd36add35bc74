# The same resources with changed attributes: applied as updates in place (suite.sh).
# A VPC with a private network, an IPAM address, and a Public Gateway with its IP, a gateway
# network in IPAM mode and a PAT rule to the booked address.
resource "scaleway_vpc" "vpc" {
  name = "tf-vpc-renamed"
  tags = ["terraform"]
}

resource "scaleway_vpc_private_network" "pn" {
  name   = "tf-pn-renamed"
  vpc_id = scaleway_vpc.vpc.id
  tags   = ["terraform"]
  ipv4_subnet {
    subnet = "172.16.64.0/22"
  }
}

resource "scaleway_ipam_ip" "ip" {
  address = "172.16.64.7"
  tags    = ["terraform", "updated"]
  source {
    private_network_id = scaleway_vpc_private_network.pn.id
  }
}

resource "scaleway_vpc_public_gateway_ip" "gwip" {
  tags = ["terraform"]
}

resource "scaleway_vpc_public_gateway" "gw" {
  name            = "tf-gw"
  type            = "VPC-GW-S"
  ip_id           = scaleway_vpc_public_gateway_ip.gwip.id
  bastion_enabled = true
  bastion_port    = 22222
  tags            = ["terraform"]
}

resource "scaleway_vpc_gateway_network" "gn" {
  gateway_id         = scaleway_vpc_public_gateway.gw.id
  private_network_id = scaleway_vpc_private_network.pn.id
  enable_masquerade  = true
  ipam_config {
    push_default_route = true
  }
}

resource "scaleway_vpc_public_gateway_pat_rule" "ssh" {
  gateway_id   = scaleway_vpc_public_gateway.gw.id
  private_ip   = scaleway_ipam_ip.ip.address
  private_port = 22
  public_port  = 2203
  protocol     = "tcp"
  depends_on   = [scaleway_vpc_gateway_network.gn]
}
