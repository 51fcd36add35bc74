package billing_test

import (
	"errors"
	"testing"
	"time"

	billing "github.com/scaleway/scaleway-sdk-go/api/billing/v2"
	instance "github.com/scaleway/scaleway-sdk-go/api/instance/v1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	. "scwd.test/clients/go/internal/scwdtest"
)

// Every budget operation of billing v2 through the Go SDK: a budget, an alert and its
// notification made, shown nested in the budget, changed, and deleted with the budget.
func TestBudgetsAlertsAndNotifications(t *testing.T) {
	defer Catch(t)
	api := billing.NewAPI(Client(t))
	org := Env["SCW_DEFAULT_ORGANIZATION_ID"]

	// The SDK fills in the default organization.
	b := Must(api.CreateBudget(&billing.CreateBudgetRequest{ConsumptionLimit: 10000}))
	if b.OrganizationID != org || b.Enabled || b.ConsumptionLimit == nil || b.ConsumptionLimit.Units != 10000 ||
		b.ConsumptionLimit.CurrencyCode != "" || len(b.Alerts) != 0 || b.CreatedAt == nil {
		t.Fatalf("budget %+v", b)
	}
	alert := Must(api.CreateBudgetAlert(&billing.CreateBudgetAlertRequest{BudgetID: b.ID, Threshold: 80}))
	if alert.Threshold != 80 || len(alert.Notifications) != 0 {
		t.Fatalf("alert %+v", alert)
	}
	n := Must(api.CreateBudgetAlertNotification(&billing.CreateBudgetAlertNotificationRequest{
		BudgetAlertID: alert.ID, EmailAddresses: &[]string{"alerts@example.com"},
	}))
	if n.Type != billing.BudgetAlertNotificationTypeEmail || len(n.Recipients) != 1 || n.Recipients[0] != "alerts@example.com" {
		t.Fatalf("notification %+v", n)
	}

	list := Must(api.ListBudgets(&billing.ListBudgetsRequest{OrganizationID: &org}, scw.WithAllPages()))
	if list.TotalCount != 1 || len(list.Budgets) != 1 || len(list.Budgets[0].Alerts) != 1 ||
		list.Budgets[0].Alerts[0].ID != alert.ID || len(list.Budgets[0].Alerts[0].Notifications) != 1 ||
		list.Budgets[0].Alerts[0].Notifications[0].ID != n.ID {
		t.Fatalf("budgets %+v", list)
	}

	b = Must(api.UpdateBudget(&billing.UpdateBudgetRequest{BudgetID: b.ID, ConsumptionLimit: scw.Uint32Ptr(20000), Enabled: scw.BoolPtr(true)}))
	if b.ConsumptionLimit.Units != 20000 || !b.Enabled {
		t.Fatalf("updated budget %+v", b)
	}
	alert = Must(api.UpdateBudgetAlert(&billing.UpdateBudgetAlertRequest{BudgetAlertID: alert.ID, Threshold: 90}))
	if alert.Threshold != 90 {
		t.Fatalf("updated alert %+v", alert)
	}
	n = Must(api.UpdateBudgetAlertNotification(&billing.UpdateBudgetAlertNotificationRequest{
		BudgetAlertNotificationID: n.ID, WebhookURLs: &[]string{"https://example.com/hook"},
	}))
	if n.Type != billing.BudgetAlertNotificationTypeWebhook || n.Recipients[0] != "https://example.com/hook" {
		t.Fatalf("updated notification %+v", n)
	}
	got := Must(api.GetBudget(&billing.GetBudgetRequest{BudgetID: b.ID}))
	if got.Alerts[0].Threshold != 90 || got.Alerts[0].Notifications[0].Type != billing.BudgetAlertNotificationTypeWebhook {
		t.Fatalf("budget %+v", got)
	}

	// Bad input: a threshold past 100%, two kinds of recipients at once.
	_, err := api.CreateBudgetAlert(&billing.CreateBudgetAlertRequest{BudgetID: b.ID, Threshold: 101})
	var invalid *scw.InvalidArgumentsError
	if !errors.As(err, &invalid) {
		t.Fatalf("threshold 101: %v", err)
	}
	_, err = api.CreateBudgetAlertNotification(&billing.CreateBudgetAlertNotificationRequest{
		BudgetAlertID: alert.ID, EmailAddresses: &[]string{"a@example.com"}, SmsPhoneNumbers: &[]string{"+33612345678"},
	})
	if !errors.As(err, &invalid) {
		t.Fatalf("two kinds of recipients: %v", err)
	}

	// Deleting the budget deletes its alert and notification.
	if err := api.DeleteBudget(&billing.DeleteBudgetRequest{BudgetID: b.ID}); err != nil {
		t.Fatal(err)
	}
	_, err = api.GetBudget(&billing.GetBudgetRequest{BudgetID: b.ID})
	var notFound *scw.ResourceNotFoundError
	if !errors.As(err, &notFound) || notFound.Resource != "Budget" || notFound.ResourceID != b.ID {
		t.Fatalf("deleted budget: %v", err)
	}
	err = api.DeleteBudgetAlertNotification(&billing.DeleteBudgetAlertNotificationRequest{BudgetAlertNotificationID: n.ID})
	if !errors.As(err, &notFound) {
		t.Fatalf("notification of a deleted budget: %v", err)
	}
	if list := Must(api.ListBudgets(&billing.ListBudgetsRequest{})); list.TotalCount != 0 {
		t.Fatalf("budgets left %+v", list)
	}
}

// A budget alert fires when the month's consumption reaches its share of the limit: 1 % of
// 1 EUR is reached within two hours of a running DEV1-S, 100 % is not. The operator reads what
// would have been sent.
func TestABudgetAlertFires(t *testing.T) {
	defer Catch(t)
	c := Client(t)
	api := billing.NewAPI(c)
	ia := instance.NewAPI(c)
	org := Env["SCW_DEFAULT_ORGANIZATION_ID"]
	b := Must(api.CreateBudget(&billing.CreateBudgetRequest{ConsumptionLimit: 1, Enabled: true}))
	low := Must(api.CreateBudgetAlert(&billing.CreateBudgetAlertRequest{BudgetID: b.ID, Threshold: 1}))
	high := Must(api.CreateBudgetAlert(&billing.CreateBudgetAlertRequest{BudgetID: b.ID, Threshold: 100}))
	Must(api.CreateBudgetAlertNotification(&billing.CreateBudgetAlertNotificationRequest{
		BudgetAlertID: low.ID, EmailAddresses: &[]string{"alerts@example.com"},
	}))

	s := Must(ia.CreateServer(&instance.CreateServerRequest{
		Zone: zone, Name: "go-budget", CommercialType: "DEV1-S", Image: scw.StringPtr("ubuntu_jammy"),
		DynamicIPRequired: scw.BoolPtr(false),
	})).Server
	Must(ia.ServerAction(&instance.ServerActionRequest{Zone: zone, ServerID: s.ID, Action: instance.ServerActionPoweron}))
	Advance(t, 2*3600)

	var fired struct {
		FiredAlerts []struct {
			BudgetID      string    `json:"budget_id"`
			BudgetAlertID string    `json:"budget_alert_id"`
			Threshold     int       `json:"threshold"`
			TriggeredAt   time.Time `json:"triggered_at"`
			Consumption   scw.Money `json:"consumption"`
			Notifications []struct {
				Type       string   `json:"type"`
				Recipients []string `json:"recipients"`
			} `json:"notifications"`
		} `json:"fired_alerts"`
	}
	if code := Raw(t, "GET", "/_scwd/billing/fired-alerts?organization_id="+org, nil, &fired); code != 200 {
		t.Fatalf("fired alerts: HTTP %d", code)
	}
	lows := 0
	for _, f := range fired.FiredAlerts {
		if f.BudgetID != b.ID {
			continue
		}
		if f.BudgetAlertID == high.ID {
			t.Fatalf("the 100 %% alert fired: %+v", f)
		}
		if f.BudgetAlertID != low.ID || f.Threshold != 1 || f.TriggeredAt.Before(*b.CreatedAt) ||
			nanos(&f.Consumption) < 5_000_000 || len(f.Notifications) != 1 || f.Notifications[0].Type != "email" ||
			f.Notifications[0].Recipients[0] != "alerts@example.com" {
			t.Fatalf("fired alert %+v", f)
		}
		lows++
	}
	if lows == 0 {
		t.Fatalf("the 1 %% alert did not fire: %+v", fired)
	}

	Must(ia.ServerAction(&instance.ServerActionRequest{Zone: zone, ServerID: s.ID, Action: instance.ServerActionPoweroff}))
	if err := api.DeleteBudget(&billing.DeleteBudgetRequest{BudgetID: b.ID}); err != nil {
		t.Fatal(err)
	}
}
