package mnq_test

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"net"
	"strings"
	"testing"

	mnq "github.com/scaleway/scaleway-sdk-go/api/mnq/v1beta1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	. "scwd.test/clients/go/internal/scwdtest"
)

// The NATS server the accounts start gets a port of its own.
func TestMain(m *testing.M) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	addr := l.Addr().String()
	l.Close()
	Main(m, "--nats-listen", addr)
}

const region = scw.RegionFrPar

// Every operation of the three mnq APIs through the Go SDK.
func TestNatsAccountsAndCredentials(t *testing.T) {
	defer Catch(t)
	api := mnq.NewNatsAPI(Client(t))
	acc := Must(api.CreateNatsAccount(&mnq.NatsAPICreateNatsAccountRequest{Region: region, Name: "go-nats"}))
	if len(acc.ID) != 56 || acc.ID[0] != 'A' || !strings.HasPrefix(acc.Endpoint, "nats://127.0.0.1:") ||
		acc.ProjectID != Env["SCW_DEFAULT_PROJECT_ID"] || acc.Region != region {
		t.Fatalf("account %+v", acc)
	}
	acc = Must(api.UpdateNatsAccount(&mnq.NatsAPIUpdateNatsAccountRequest{Region: region, NatsAccountID: acc.ID, Name: scw.StringPtr("go-nats-2")}))
	if got := Must(api.GetNatsAccount(&mnq.NatsAPIGetNatsAccountRequest{Region: region, NatsAccountID: acc.ID})); got.Name != "go-nats-2" {
		t.Fatalf("renamed account %+v", got)
	}
	creds := Must(api.CreateNatsCredentials(&mnq.NatsAPICreateNatsCredentialsRequest{Region: region, NatsAccountID: acc.ID, Name: "go-user"}))
	sum := sha1.Sum([]byte(creds.Credentials.Content))
	if creds.Credentials == nil || creds.Credentials.Name != "user.creds" || creds.Checksum != hex.EncodeToString(sum[:]) ||
		!strings.Contains(creds.Credentials.Content, "-----BEGIN NATS USER JWT-----\neyJ") {
		t.Fatalf("credentials %+v", creds)
	}
	got := Must(api.GetNatsCredentials(&mnq.NatsAPIGetNatsCredentialsRequest{Region: region, NatsCredentialsID: creds.ID}))
	if got.Credentials != nil || got.NatsAccountID != acc.ID {
		t.Fatalf("get credentials %+v", got)
	}
	list := Must(api.ListNatsCredentials(&mnq.NatsAPIListNatsCredentialsRequest{Region: region, NatsAccountID: &acc.ID}, scw.WithAllPages()))
	if list.TotalCount != 1 || list.NatsCredentials[0].ID != creds.ID {
		t.Fatalf("credentials list %+v", list)
	}
	if err := api.DeleteNatsCredentials(&mnq.NatsAPIDeleteNatsCredentialsRequest{Region: region, NatsCredentialsID: creds.ID}); err != nil {
		t.Fatal(err)
	}
	accounts := Must(api.ListNatsAccounts(&mnq.NatsAPIListNatsAccountsRequest{Region: region}, scw.WithAllPages()))
	if accounts.TotalCount != 1 {
		t.Fatalf("accounts %+v", accounts)
	}
	if err := api.DeleteNatsAccount(&mnq.NatsAPIDeleteNatsAccountRequest{Region: region, NatsAccountID: acc.ID}); err != nil {
		t.Fatal(err)
	}
	_, err := api.GetNatsAccount(&mnq.NatsAPIGetNatsAccountRequest{Region: region, NatsAccountID: acc.ID})
	var nf *scw.ResourceNotFoundError
	if !errors.As(err, &nf) || nf.Resource != "namespace" {
		t.Fatalf("deleted account: %v", err)
	}
}

func TestSqs(t *testing.T) {
	defer Catch(t)
	api := mnq.NewSqsAPI(Client(t))
	if info := Must(api.GetSqsInfo(&mnq.SqsAPIGetSqsInfoRequest{Region: region})); info.Status != mnq.SqsInfoStatusDisabled {
		t.Fatalf("info before %+v", info)
	}
	info := Must(api.ActivateSqs(&mnq.SqsAPIActivateSqsRequest{Region: region}))
	if info.Status != mnq.SqsInfoStatusEnabled || !strings.HasSuffix(info.SqsEndpointURL, "/mnq-sqs/fr-par") {
		t.Fatalf("activated %+v", info)
	}
	c := Must(api.CreateSqsCredentials(&mnq.SqsAPICreateSqsCredentialsRequest{Region: region, Name: "go-sqs",
		Permissions: &mnq.SqsPermissions{CanPublish: scw.BoolPtr(true)}}))
	if len(c.AccessKey) != 20 || c.SecretKey == "" || !*c.Permissions.CanPublish || *c.Permissions.CanManage {
		t.Fatalf("credentials %+v", c)
	}
	u := Must(api.UpdateSqsCredentials(&mnq.SqsAPIUpdateSqsCredentialsRequest{Region: region, SqsCredentialsID: c.ID,
		Permissions: &mnq.SqsPermissions{CanManage: scw.BoolPtr(true)}}))
	if !*u.Permissions.CanPublish || !*u.Permissions.CanManage || *u.Permissions.CanReceive {
		t.Fatalf("updated %+v", u.Permissions)
	}
	if g := Must(api.GetSqsCredentials(&mnq.SqsAPIGetSqsCredentialsRequest{Region: region, SqsCredentialsID: c.ID})); g.AccessKey != c.AccessKey {
		t.Fatalf("get %+v", g)
	}
	if l := Must(api.ListSqsCredentials(&mnq.SqsAPIListSqsCredentialsRequest{Region: region}, scw.WithAllPages())); l.TotalCount != 1 {
		t.Fatalf("list %+v", l)
	}
	if err := api.DeleteSqsCredentials(&mnq.SqsAPIDeleteSqsCredentialsRequest{Region: region, SqsCredentialsID: c.ID}); err != nil {
		t.Fatal(err)
	}
	if off := Must(api.DeactivateSqs(&mnq.SqsAPIDeactivateSqsRequest{Region: region})); off.Status != mnq.SqsInfoStatusDisabled || off.CreatedAt != nil {
		t.Fatalf("deactivated %+v", off)
	}
}

func TestSns(t *testing.T) {
	defer Catch(t)
	api := mnq.NewSnsAPI(Client(t))
	if info := Must(api.GetSnsInfo(&mnq.SnsAPIGetSnsInfoRequest{Region: region})); info.Status != mnq.SnsInfoStatusDisabled {
		t.Fatalf("info before %+v", info)
	}
	info := Must(api.ActivateSns(&mnq.SnsAPIActivateSnsRequest{Region: region}))
	if info.Status != mnq.SnsInfoStatusEnabled || !strings.HasSuffix(info.SnsEndpointURL, "/mnq-sns/fr-par") {
		t.Fatalf("activated %+v", info)
	}
	_, err := api.ActivateSns(&mnq.SnsAPIActivateSnsRequest{Region: region})
	// 409 already_exists has no type of its own in the SDK.
	var re *scw.ResponseError
	if !errors.As(err, &re) || re.StatusCode != 409 || re.Resource != "MnqSNSNamespace" {
		t.Fatalf("second activation: %v", err)
	}
	c := Must(api.CreateSnsCredentials(&mnq.SnsAPICreateSnsCredentialsRequest{Region: region, Name: "go-sns"}))
	u := Must(api.UpdateSnsCredentials(&mnq.SnsAPIUpdateSnsCredentialsRequest{Region: region, SnsCredentialsID: c.ID, Name: scw.StringPtr("go-sns-2"),
		Permissions: &mnq.SnsPermissions{CanReceive: scw.BoolPtr(true)}}))
	if u.Name != "go-sns-2" || !*u.Permissions.CanReceive {
		t.Fatalf("updated %+v", u)
	}
	if g := Must(api.GetSnsCredentials(&mnq.SnsAPIGetSnsCredentialsRequest{Region: region, SnsCredentialsID: c.ID})); g.SecretKey != c.SecretKey {
		t.Fatalf("get %+v", g)
	}
	if l := Must(api.ListSnsCredentials(&mnq.SnsAPIListSnsCredentialsRequest{Region: region}, scw.WithAllPages())); l.TotalCount != 1 {
		t.Fatalf("list %+v", l)
	}
	if err := api.DeleteSnsCredentials(&mnq.SnsAPIDeleteSnsCredentialsRequest{Region: region, SnsCredentialsID: c.ID}); err != nil {
		t.Fatal(err)
	}
	if off := Must(api.DeactivateSns(&mnq.SnsAPIDeactivateSnsRequest{Region: region})); off.Status != mnq.SnsInfoStatusDisabled {
		t.Fatalf("deactivated %+v", off)
	}
}
