# Elastic Metal: a server ordered by offer name with Ubuntu and an SSH key, the Private Network
# option and a Private Network (IPAM address booked under the server), a flexible IP attached to
# it with a virtual MAC.
data "scaleway_baremetal_offer" "offer" {
  name = "EM-I215E-NVME"
}

data "scaleway_baremetal_os" "ubuntu" {
  name    = "Ubuntu"
  version = "22.04 LTS (Jammy Jellyfish)"
}

data "scaleway_baremetal_option" "private_network" {
  name = "Private Network"
}

resource "scaleway_iam_ssh_key" "metal" {
  name       = "tf-metal"
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEm3ZqCMxM4PAGoWqkOtBz3ho0X0ZV4GwZrA1qvA4KmS tf@scwd"
}

resource "scaleway_vpc_private_network" "metal" {
  name = "tf-metal-pn"
}

resource "scaleway_baremetal_server" "metal" {
  name        = "tf-metal"
  description = "from Terraform"
  tags        = ["terraform"]
  offer       = data.scaleway_baremetal_offer.offer.offer_id
  os          = data.scaleway_baremetal_os.ubuntu.os_id
  ssh_key_ids = [scaleway_iam_ssh_key.metal.id]

  options {
    id = data.scaleway_baremetal_option.private_network.option_id
  }
  private_network {
    id = scaleway_vpc_private_network.metal.id
  }
}

resource "scaleway_flexible_ip" "metal" {
  server_id   = scaleway_baremetal_server.metal.id
  description = "tf flexible ip"
  tags        = ["terraform"]
}

resource "scaleway_flexible_ip_mac_address" "metal" {
  flexible_ip_id = scaleway_flexible_ip.metal.id
  type           = "kvm"
}
