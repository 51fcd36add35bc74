# The same resources with changed attributes: applied as updates in place (suite.sh).
# An application with a policy (rules on the project and on the organization), an API key, a
# group holding the application, and an SSH key.
resource "scaleway_iam_application" "app" {
  name        = "tf-app-renamed"
  description = "made by terraform"
  tags        = ["terraform"]
}

resource "scaleway_iam_group" "grp" {
  name            = "tf-group"
  description     = "made by terraform, updated"
  application_ids = [scaleway_iam_application.app.id]
  tags            = ["terraform"]
}

resource "scaleway_iam_policy" "pol" {
  name           = "tf-policy"
  description    = "made by terraform"
  application_id = scaleway_iam_application.app.id
  rule {
    project_ids          = [var.project_id]
    permission_set_names = ["InstancesFullAccess"]
  }
  rule {
    organization_id      = var.organization_id
    permission_set_names = ["ProjectReadOnly"]
  }
}

resource "scaleway_iam_api_key" "key" {
  application_id     = scaleway_iam_application.app.id
  description        = "made by terraform"
  default_project_id = var.project_id
}

resource "scaleway_iam_ssh_key" "ssh" {
  name       = "tf-ssh-renamed"
  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE8oh7fBA2tv7BqpuZCHAihY1xOQ4yJa9/1ygqjhOYUF terraform@scwd"
}

variable "project_id" {
  type = string
}

variable "organization_id" {
  type = string
}
