# A project of its own.
resource "scaleway_account_project" "proj" {
  name        = "tf-project"
  description = "made by terraform"
}
