package billing_test

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	billing "github.com/scaleway/scaleway-sdk-go/api/billing/v2beta1"
	instance "github.com/scaleway/scaleway-sdk-go/api/instance/v1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	. "scwd.test/clients/go/internal/scwdtest"
)

func TestMain(m *testing.M) { Main(m) }

const zone = scw.ZoneFrPar1

func nanos(m *scw.Money) int64 { return m.Units*1_000_000_000 + int64(m.Nanos) }

// Every operation of billing v2beta1 through the Go SDK: a server's three hours become
// consumption, the closed month an invoice (PDF and CSV files decoded by the SDK).
func TestConsumptionInvoicesAndDiscounts(t *testing.T) {
	defer Catch(t)
	c := Client(t)
	api := billing.NewAPI(c)
	ia := instance.NewAPI(c)
	s := Must(ia.CreateServer(&instance.CreateServerRequest{
		Zone: zone, Name: "go-billed", CommercialType: "DEV1-S", Image: scw.StringPtr("ubuntu_jammy"),
		DynamicIPRequired: scw.BoolPtr(false),
	})).Server
	action := func(a instance.ServerAction) {
		Must(ia.ServerAction(&instance.ServerActionRequest{Zone: zone, ServerID: s.ID, Action: a}))
	}
	action(instance.ServerActionPoweron)
	Advance(t, 3*3600)
	action(instance.ServerActionPoweroff)
	Advance(t, 60)

	cons := Must(api.ListConsumptions(&billing.ListConsumptionsRequest{CategoryName: scw.StringPtr("Compute")}))
	var line *billing.ListConsumptionsResponseConsumption
	for _, l := range cons.Consumptions {
		if l.Sku == "/compute/dev1_s/run_par1" {
			line = l
		}
	}
	// Three hours (and the second the server took to stop), to the nearest minute.
	if line == nil || line.BilledQuantity != "180" || line.Unit != "minute" || line.ProductName != "DEV1-S" ||
		line.ProjectID != Env["SCW_DEFAULT_PROJECT_ID"] || line.Value.CurrencyCode != "EUR" || nanos(line.Value) <= 0 {
		t.Fatalf("consumption %+v (line %+v)", cons, line)
	}
	taxes := Must(api.ListTaxes(&billing.ListTaxesRequest{}))
	if taxes.TotalCount != 1 || taxes.Taxes[0].Rate == nil || *taxes.Taxes[0].Rate != 0.2 {
		t.Fatalf("taxes %+v", taxes)
	}

	var total int64
	for _, l := range Must(api.ListConsumptions(&billing.ListConsumptionsRequest{})).Consumptions {
		total += nanos(l.Value)
	}
	now := time.Now().UTC()
	var clock struct {
		Now time.Time `json:"now"`
	}
	Raw(t, "GET", "/_scwd/clock", nil, &clock)
	if !clock.Now.IsZero() {
		now = clock.Now
	}
	end := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	Advance(t, int(end.Sub(now).Seconds())+3600)

	invoices := Must(api.ListInvoices(&billing.ListInvoicesRequest{}, scw.WithAllPages()))
	if invoices.TotalCount != 1 || nanos(invoices.Invoices[0].TotalUndiscount) != total {
		t.Fatalf("invoices %+v (consumption total %d)", invoices, total)
	}
	inv := invoices.Invoices[0]
	if got := Must(api.GetInvoice(&billing.GetInvoiceRequest{InvoiceID: inv.ID})); got.Number != inv.Number {
		t.Fatalf("invoice %+v", got)
	}
	pdf := Must(api.DownloadInvoice(&billing.DownloadInvoiceRequest{InvoiceID: inv.ID, FileType: billing.DownloadInvoiceRequestFileTypePdf}))
	head := make([]byte, 5)
	if _, err := io.ReadFull(pdf.Content, head); err != nil || string(head) != "%PDF-" || pdf.ContentType != "application/pdf" ||
		!strings.HasPrefix(pdf.Name, "invoice-"+inv.BillingPeriod.Format("2006-01")+"-") {
		t.Fatalf("pdf %q %s %s (%v)", head, pdf.Name, pdf.ContentType, err)
	}
	export := Must(api.ExportInvoices(&billing.ExportInvoicesRequest{FileType: billing.ExportInvoicesRequestFileTypeCsv}))
	rows := Must(csv.NewReader(export.Content).ReadAll())
	if len(rows) != 2 || rows[1][0] != inv.ID {
		t.Fatalf("csv %v", rows)
	}

	discounts := Must(api.ListDiscounts(&billing.ListDiscountsRequest{}))
	if discounts.TotalCount != 0 {
		t.Fatalf("discounts %+v", discounts)
	}
	_, err := api.RedeemCoupon(&billing.RedeemCouponRequest{Code: "NO-SUCH-COUPON"})
	var invalid *scw.InvalidArgumentsError
	if !errors.As(err, &invalid) {
		t.Fatalf("redeem an unknown coupon: %v", err)
	}
}
