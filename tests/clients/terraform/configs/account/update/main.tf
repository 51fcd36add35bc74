# The same resources with changed attributes: applied as updates in place (suite.sh).
# A project of its own.
resource "scaleway_account_project" "proj" {
  name        = "tf-project"
  description = "made by terraform, updated"
}
