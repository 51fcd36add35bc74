# A budget of the organization, an alert at 80% of it and the alert's email notification, read
# back through the data sources (which find alerts and notifications in the budgets list).
variable "organization_id" {
  type = string
}

resource "scaleway_billing_budget" "main" {
  organization_id   = var.organization_id
  consumption_limit = 10000
  enabled           = false
}

resource "scaleway_billing_budget_alert" "main" {
  budget_id = scaleway_billing_budget.main.id
  threshold = 80
}

resource "scaleway_billing_budget_alert_notification" "email" {
  budget_alert_id = scaleway_billing_budget_alert.main.id
  email_addresses = ["alerts@example.com"]
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
