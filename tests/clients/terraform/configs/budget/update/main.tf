# The same resources with changed attributes: applied as updates in place (suite.sh).
variable "organization_id" {
  type = string
}

resource "scaleway_billing_budget" "main" {
  organization_id   = var.organization_id
  consumption_limit = 20000
  enabled           = true
}

resource "scaleway_billing_budget_alert" "main" {
  budget_id = scaleway_billing_budget.main.id
  threshold = 90
}

resource "scaleway_billing_budget_alert_notification" "email" {
  budget_alert_id = scaleway_billing_budget_alert.main.id
  email_addresses = ["alerts@example.com", "billing@example.com"]
}

data "scaleway_billing_budget" "main" {
  budget_id = scaleway_billing_budget.main.id
}

data "scaleway_billing_budget_alert" "main" {
  alert_id = scaleway_billing_budget_alert.main.id
}

data "scaleway_billing_budget_alert_notification" "email" {
  notification_id = scaleway_billing_budget_alert_notification.email.id
}
