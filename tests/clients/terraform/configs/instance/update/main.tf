# The same resources with changed attributes: applied as updates in place (suite.sh).
# An Instance server with its public IP, a security group and rules, a placement group, an extra
# SBS volume and a private NIC on a private network.
resource "scaleway_instance_ip" "ip" {}

resource "scaleway_instance_security_group" "sg" {
  name                    = "tf-sg-renamed"
  inbound_default_policy  = "drop"
  outbound_default_policy = "accept"

  inbound_rule {
    action   = "accept"
    port     = 2222
    protocol = "TCP"
    ip_range = "0.0.0.0/0"
  }
  inbound_rule {
    action     = "accept"
    port_range = "8000-8080"
    protocol   = "TCP"
  }
  outbound_rule {
    action   = "drop"
    port     = 25
    protocol = "TCP"
  }
}

resource "scaleway_instance_placement_group" "pg" {
  name        = "tf-pg-renamed"
  policy_type = "max_availability"
  policy_mode = "optional"
}

resource "scaleway_block_volume" "data" {
  name       = "tf-data-renamed"
  size_in_gb = 20
  iops       = 5000
}

resource "scaleway_vpc_private_network" "pn" {
  name = "tf-instance-pn"
}

resource "scaleway_instance_server" "web" {
  name               = "tf-web"
  type               = "PRO2-XXS"
  image              = "ubuntu_jammy"
  tags               = ["terraform", "web", "updated"]
  ip_id              = scaleway_instance_ip.ip.id
  security_group_id  = scaleway_instance_security_group.sg.id
  placement_group_id = scaleway_instance_placement_group.pg.id

  root_volume {
    size_in_gb            = 20
    volume_type           = "sbs_volume"
    delete_on_termination = true
  }

  additional_volume_ids = [scaleway_block_volume.data.id]
}

resource "scaleway_instance_private_nic" "nic" {
  server_id          = scaleway_instance_server.web.id
  private_network_id = scaleway_vpc_private_network.pn.id
  tags               = ["terraform", "updated"]
}

output "server_state" {
  value = scaleway_instance_server.web.state
}

# A second group whose rules are managed by their own resource.
resource "scaleway_instance_security_group" "rules_sg" {
  name                   = "tf-sg-rules"
  inbound_default_policy = "drop"
  external_rules         = true
}

resource "scaleway_instance_security_group_rules" "rules" {
  security_group_id = scaleway_instance_security_group.rules_sg.id

  inbound_rule {
    action   = "accept"
    port     = 443
    ip_range = "10.0.0.0/8"
  }
  outbound_rule {
    action   = "accept"
    protocol = "UDP"
    port     = 53
  }
}
