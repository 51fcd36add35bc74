# The image, marketplace and server-type data sources, used to make a server.
data "scaleway_marketplace_image" "jammy" {
  label         = "ubuntu_jammy"
  instance_type = "DEV1-S"
}

data "scaleway_instance_image" "jammy" {
  image_id = data.scaleway_marketplace_image.jammy.id
}

data "scaleway_instance_server_type" "dev1s" {
  name = "DEV1-S"
}

resource "scaleway_instance_server" "srv" {
  name  = "tf-data-srv"
  type  = data.scaleway_instance_server_type.dev1s.name
  image = data.scaleway_instance_image.jammy.id
  state = "stopped"
}

output "image_name" {
  value = data.scaleway_instance_image.jammy.name
}

output "server_type_cpu" {
  value = data.scaleway_instance_server_type.dev1s.cpu
}

# Billing's data sources read the organization's consumption and invoices.
data "scaleway_billing_consumptions" "all" {}

data "scaleway_billing_invoices" "all" {}
