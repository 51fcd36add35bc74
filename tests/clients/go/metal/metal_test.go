package metal_test

import (
	"errors"
	"testing"

	baremetal "github.com/scaleway/scaleway-sdk-go/api/baremetal/v1"
	baremetalv3 "github.com/scaleway/scaleway-sdk-go/api/baremetal/v3"
	flexibleip "github.com/scaleway/scaleway-sdk-go/api/flexibleip/v1alpha1"
	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	ipam "github.com/scaleway/scaleway-sdk-go/api/ipam/v1"
	vpc "github.com/scaleway/scaleway-sdk-go/api/vpc/v2"
	"github.com/scaleway/scaleway-sdk-go/scw"

	. "scwd.test/clients/go/internal/scwdtest"
)

func TestMain(m *testing.M) { Main(m) }

const (
	zone   = scw.ZoneFrPar1
	region = scw.RegionFrPar
)

const publicKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEm3ZqCMxM4PAGoWqkOtBz3ho0X0ZV4GwZrA1qvA4KmS go@scwd"

// The whole Elastic Metal story through the Go SDK and its waiters: order an offer found by name
// with Ubuntu and an SSH key, wait for the install, add the Private Network option and join a
// Private Network (v3, IPAM address booked under the server), attach a flexible IP with a virtual
// MAC, reboot into rescue, then take it all down.
func TestElasticMetalServerStory(t *testing.T) {
	defer Catch(t)
	c := Client(t)
	bm, pnAPI := baremetal.NewAPI(c), baremetalv3.NewPrivateNetworkAPI(c)
	fips, vpcs, ipams := flexibleip.NewAPI(c), vpc.NewAPI(c), ipam.NewAPI(c)
	project := Env["SCW_DEFAULT_PROJECT_ID"]

	offer := Must(bm.GetOfferByName(&baremetal.GetOfferByNameRequest{Zone: zone, OfferName: "EM-I215E-NVME"}))
	var ubuntu *baremetal.OS
	for _, os := range Must(bm.ListOS(&baremetal.ListOSRequest{Zone: zone, OfferID: &offer.ID}, scw.WithAllPages())).Os {
		if os.Name == "Ubuntu" && os.Version == "22.04 LTS (Jammy Jellyfish)" {
			ubuntu = os
		}
	}
	if ubuntu == nil {
		t.Fatal("no Ubuntu 22.04 in the catalogue")
	}
	var pnOption *baremetal.Option
	for _, o := range Must(bm.ListOptions(&baremetal.ListOptionsRequest{Zone: zone, OfferID: &offer.ID}, scw.WithAllPages())).Options {
		if o.Name == "Private Network" {
			pnOption = o
		}
	}
	if pnOption == nil {
		t.Fatal("no Private Network option on the offer")
	}
	key := Must(iam.NewAPI(c).CreateSSHKey(&iam.CreateSSHKeyRequest{Name: "go-metal", PublicKey: publicKey, ProjectID: project}))

	srv := Must(bm.CreateServer(&baremetal.CreateServerRequest{Zone: zone, OfferID: offer.ID, ProjectID: &project,
		Name: "go-metal", Description: "from Go", Tags: []string{"go"},
		Install: &baremetal.CreateServerRequestInstall{OsID: ubuntu.ID, Hostname: "go-metal", SSHKeyIDs: []string{key.ID}}}))
	if srv.Status != baremetal.ServerStatusOrdered || srv.Install == nil || srv.Install.Status != baremetal.ServerInstallStatusToInstall {
		t.Fatalf("ordered server %+v", srv)
	}
	srv = Must(bm.WaitForServer(&baremetal.WaitForServerRequest{Zone: zone, ServerID: srv.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if srv.Status != baremetal.ServerStatusReady || len(srv.IPs) != 2 {
		t.Fatalf("delivered server %+v", srv)
	}
	srv = Must(bm.WaitForServerInstall(&baremetal.WaitForServerInstallRequest{Zone: zone, ServerID: srv.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if srv.Install.Status != baremetal.ServerInstallStatusCompleted || srv.Install.User != "ubuntu" || srv.PingStatus != baremetal.ServerPingStatusPingStatusUp {
		t.Fatalf("installed server %+v install %+v", srv, srv.Install)
	}

	// The Private Network option, then the network itself with an address IPAM books.
	Must(bm.AddOptionServer(&baremetal.AddOptionServerRequest{Zone: zone, ServerID: srv.ID, OptionID: pnOption.ID}))
	srv = Must(bm.WaitForServerOptions(&baremetal.WaitForServerOptionsRequest{Zone: zone, ServerID: srv.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if len(srv.Options) != 1 || srv.Options[0].Status != baremetal.ServerOptionOptionStatusOptionStatusEnable {
		t.Fatalf("options %+v", srv.Options)
	}
	pn := Must(vpcs.CreatePrivateNetwork(&vpc.CreatePrivateNetworkRequest{Region: region, Name: "go-metal-pn"}))
	spn := Must(pnAPI.AddServerPrivateNetwork(&baremetalv3.PrivateNetworkAPIAddServerPrivateNetworkRequest{Zone: zone, ServerID: srv.ID, PrivateNetworkID: pn.ID}))
	if spn.Status != baremetalv3.ServerPrivateNetworkStatusAttaching || spn.Vlan == nil || len(spn.IpamIPIDs) != 2 {
		t.Fatalf("server private network %+v", spn)
	}
	spns := Must(pnAPI.WaitForServerPrivateNetworks(&baremetalv3.WaitForServerPrivateNetworksRequest{Zone: zone, ServerID: srv.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if len(spns) != 1 || spns[0].Status != baremetalv3.ServerPrivateNetworkStatusAttached {
		t.Fatalf("server private networks %+v", spns)
	}
	ips := Must(ipams.ListIPs(&ipam.ListIPsRequest{Region: region, ResourceType: ipam.ResourceTypeBaremetalPrivateNic, PrivateNetworkID: &pn.ID}))
	if ips.TotalCount != 2 || ips.IPs[0].Resource == nil || ips.IPs[0].Resource.ID != spn.ID {
		t.Fatalf("IPAM addresses of the server %+v", ips.IPs)
	}
	var perr *scw.PreconditionFailedError
	if err := vpcs.DeletePrivateNetwork(&vpc.DeletePrivateNetworkRequest{Region: region, PrivateNetworkID: pn.ID}); !errors.As(err, &perr) {
		t.Fatalf("delete a Private Network holding a metal server: %v", err)
	}

	// A flexible IP on the server, with a virtual MAC.
	fip := Must(fips.CreateFlexibleIP(&flexibleip.CreateFlexibleIPRequest{Zone: zone, ProjectID: project, ServerID: &srv.ID, Tags: []string{"go"}}))
	fip = Must(fips.WaitForFlexibleIP(&flexibleip.WaitForFlexibleIPRequest{Zone: zone, FipID: fip.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if fip.Status != flexibleip.FlexibleIPStatusAttached || fip.ServerID == nil || *fip.ServerID != srv.ID {
		t.Fatalf("attached flexible IP %+v", fip)
	}
	fip = Must(fips.GenerateMACAddr(&flexibleip.GenerateMACAddrRequest{Zone: zone, FipID: fip.ID, MacType: flexibleip.MACAddressTypeKvm}))
	if fip.MacAddress == nil || fip.MacAddress.MacType != flexibleip.MACAddressTypeKvm || len(fip.MacAddress.MacAddress) != 17 {
		t.Fatalf("virtual MAC %+v", fip.MacAddress)
	}
	listed := Must(fips.ListFlexibleIPs(&flexibleip.ListFlexibleIPsRequest{Zone: zone, ServerIDs: []string{srv.ID}}))
	if listed.TotalCount != 1 || listed.FlexibleIPs[0].ID != fip.ID {
		t.Fatalf("flexible IPs of the server %+v", listed.FlexibleIPs)
	}

	// Into rescue and back.
	srv = Must(bm.RebootServer(&baremetal.RebootServerRequest{Zone: zone, ServerID: srv.ID, BootType: baremetal.ServerBootTypeRescue}))
	if srv.Status != baremetal.ServerStatusStopping || srv.RescueServer == nil || srv.RescueServer.Password == "" {
		t.Fatalf("rescue reboot %+v", srv)
	}
	srv = Must(bm.WaitForServer(&baremetal.WaitForServerRequest{Zone: zone, ServerID: srv.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if srv.Status != baremetal.ServerStatusReady || srv.BootType != baremetal.ServerBootTypeRescue {
		t.Fatalf("in rescue %+v", srv)
	}

	// Down: the flexible IP, the network, the server (it answers deleting, then is gone).
	if err := fips.DeleteFlexibleIP(&flexibleip.DeleteFlexibleIPRequest{Zone: zone, FipID: fip.ID}); err != nil {
		t.Fatalf("delete flexible IP: %v", err)
	}
	if err := pnAPI.DeleteServerPrivateNetwork(&baremetalv3.PrivateNetworkAPIDeleteServerPrivateNetworkRequest{Zone: zone, ServerID: srv.ID, PrivateNetworkID: pn.ID}); err != nil {
		t.Fatalf("leave the Private Network: %v", err)
	}
	deleted := Must(bm.DeleteServer(&baremetal.DeleteServerRequest{Zone: zone, ServerID: srv.ID}))
	if deleted.Status != baremetal.ServerStatusDeleting {
		t.Fatalf("deleted server %+v", deleted)
	}
	// The real API's bare {"message":"Not Found"} reaches the SDK as a plain 404.
	_, err := bm.WaitForServer(&baremetal.WaitForServerRequest{Zone: zone, ServerID: srv.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)})
	if !is404(err) {
		t.Fatalf("wait after delete: %v", err)
	}
	// Once the server and its attachment are gone, the network may go.
	Advance(t, 10)
	if err := vpcs.DeletePrivateNetwork(&vpc.DeletePrivateNetworkRequest{Region: region, PrivateNetworkID: pn.ID}); err != nil {
		t.Fatalf("delete the Private Network: %v", err)
	}
}

func is404(err error) bool {
	var nf *scw.ResourceNotFoundError
	var re *scw.ResponseError
	return err != nil && (errors.As(err, &nf) || (errors.As(err, &re) && re.StatusCode == 404))
}

// The real API's bare errors come through the Go SDK as its typed errors.
func TestElasticMetalErrors(t *testing.T) {
	defer Catch(t)
	bm := baremetal.NewAPI(Client(t))
	_, err := bm.GetServer(&baremetal.GetServerRequest{Zone: zone, ServerID: "00000000-0000-4000-8000-000000000000"})
	if !is404(err) {
		t.Fatalf("get an unknown server: %v", err)
	}
	var re *scw.ResponseError
	offer := Must(bm.GetOfferByName(&baremetal.GetOfferByNameRequest{Zone: zone, OfferName: "EM-I215E-NVME"}))
	srv := Must(bm.CreateServer(&baremetal.CreateServerRequest{Zone: zone, OfferID: offer.ID, Name: "go-early"}))
	_, err = bm.StartServer(&baremetal.StartServerRequest{Zone: zone, ServerID: srv.ID})
	if err == nil || !errors.As(err, &re) || re.StatusCode != 400 || re.Message != "Server is not delivered" {
		t.Fatalf("start before delivery: %v", err)
	}
	Must(bm.WaitForServer(&baremetal.WaitForServerRequest{Zone: zone, ServerID: srv.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	Must(bm.DeleteServer(&baremetal.DeleteServerRequest{Zone: zone, ServerID: srv.ID}))
}
