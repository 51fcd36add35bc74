package network_test

import (
	"fmt"
	"testing"

	instance "github.com/scaleway/scaleway-sdk-go/api/instance/v1"
	ipam "github.com/scaleway/scaleway-sdk-go/api/ipam/v1"
	vpc "github.com/scaleway/scaleway-sdk-go/api/vpc/v2"
	vpcgwv1 "github.com/scaleway/scaleway-sdk-go/api/vpcgw/v1"
	vpcgw "github.com/scaleway/scaleway-sdk-go/api/vpcgw/v2"
	"github.com/scaleway/scaleway-sdk-go/scw"

	. "scwd.test/clients/go/internal/scwdtest"
)

func TestMain(m *testing.M) { Main(m) }

const (
	zone   = scw.ZoneFrPar1
	region = scw.RegionFrPar
)

// A private network, a server's private NIC on it (WaitForPrivateNIC), its IPAM address, a
// Public Gateway (WaitForGateway) attached to the network (WaitForGatewayNetwork) and a PAT rule
// forwarding to the server's private address.
func TestPrivateNetworkNICGatewayPAT(t *testing.T) {
	defer Catch(t)
	c := Client(t)
	vpcAPI, inst, ipamAPI, gw := vpc.NewAPI(c), instance.NewAPI(c), ipam.NewAPI(c), vpcgw.NewAPI(c)

	pn := Must(vpcAPI.CreatePrivateNetwork(&vpc.CreatePrivateNetworkRequest{Region: region, Name: "go-pn", Tags: []string{"go"}}))
	if pn.ProjectID != Env["SCW_DEFAULT_PROJECT_ID"] || pn.VpcID == "" || len(pn.Subnets) == 0 {
		t.Fatalf("private network %+v", pn)
	}
	def := Must(vpcAPI.GetVPC(&vpc.GetVPCRequest{Region: region, VpcID: pn.VpcID}))
	if !def.IsDefault {
		t.Fatalf("network's VPC %s is not the default one", def.ID)
	}

	srv := Must(inst.CreateServer(&instance.CreateServerRequest{Zone: zone, Name: "go-nic", CommercialType: "DEV1-S", Image: scw.StringPtr("ubuntu_jammy")})).Server
	nic := Must(inst.CreatePrivateNIC(&instance.CreatePrivateNICRequest{Zone: zone, ServerID: srv.ID, PrivateNetworkID: pn.ID})).PrivateNic
	nic = Must(inst.WaitForPrivateNIC(&instance.WaitForPrivateNICRequest{Zone: zone, ServerID: srv.ID, PrivateNicID: nic.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if nic.State != instance.PrivateNICStateAvailable || nic.PrivateNetworkID != pn.ID || nic.MacAddress == "" {
		t.Fatalf("private nic %+v", nic)
	}
	// as recorded, the body is {"private_nics": [...]} alone: TotalCount (read from the body by
	// the Go SDK) is only summed up by WithAllPages
	nics := Must(inst.ListPrivateNICs(&instance.ListPrivateNICsRequest{Zone: zone, ServerID: srv.ID}, scw.WithAllPages()))
	if nics.TotalCount != 1 || len(nics.PrivateNics) != 1 || nics.PrivateNics[0].ID != nic.ID {
		t.Fatalf("private nics %d (total %d)", len(nics.PrivateNics), nics.TotalCount)
	}
	withMAC := Must(inst.WaitForMACAddress(&instance.WaitForMACAddressRequest{Zone: zone, ServerID: srv.ID, PrivateNicID: nic.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if withMAC.MacAddress != nic.MacAddress {
		t.Fatalf("mac %q vs %q", withMAC.MacAddress, nic.MacAddress)
	}

	ips := Must(ipamAPI.ListIPs(&ipam.ListIPsRequest{Region: region, ResourceID: scw.StringPtr(nic.ID), IsIPv6: scw.BoolPtr(false)}, scw.WithAllPages()))
	if len(ips.IPs) != 1 || ips.IPs[0].Resource == nil || ips.IPs[0].Resource.Type != ipam.ResourceTypeInstancePrivateNic {
		t.Fatalf("ipam ips of the nic: %+v", ips.IPs)
	}
	nicIP := ips.IPs[0]
	// as recorded: the source of an address on a private network names its subnet
	if nicIP.Source == nil || nicIP.Source.SubnetID == nil || *nicIP.Source.SubnetID != pn.Subnets[0].ID {
		t.Fatalf("ipam source %+v", nicIP.Source)
	}
	if !pn.Subnets[0].Subnet.Contains(nicIP.Address.IP) {
		t.Fatalf("nic address %s outside %s", nicIP.Address.String(), pn.Subnets[0].Subnet.String())
	}
	byPN := Must(ipamAPI.ListIPs(&ipam.ListIPsRequest{Region: region, PrivateNetworkID: scw.StringPtr(pn.ID)}, scw.WithAllPages()))
	if byPN.TotalCount < 1 {
		t.Fatalf("ips in the network: %d", byPN.TotalCount)
	}

	g := Must(gw.CreateGateway(&vpcgw.CreateGatewayRequest{Zone: zone, Name: "go-gw", Type: "VPC-GW-S"}))
	g = Must(gw.WaitForGateway(&vpcgw.WaitForGatewayRequest{Zone: zone, GatewayID: g.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if g.Status != vpcgw.GatewayStatusRunning || g.IPv4 == nil || g.IPv4.Address == nil {
		t.Fatalf("gateway %+v", g)
	}
	gn := Must(gw.CreateGatewayNetwork(&vpcgw.CreateGatewayNetworkRequest{Zone: zone, GatewayID: g.ID, PrivateNetworkID: pn.ID, EnableMasquerade: true, PushDefaultRoute: true}))
	gn = Must(gw.WaitForGatewayNetwork(&vpcgw.WaitForGatewayNetworkRequest{Zone: zone, GatewayNetworkID: gn.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if gn.Status != vpcgw.GatewayNetworkStatusReady || !gn.MasqueradeEnabled || gn.IpamIPID == "" {
		t.Fatalf("gateway network %+v", gn)
	}
	g = Must(gw.WaitForGateway(&vpcgw.WaitForGatewayRequest{Zone: zone, GatewayID: g.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if len(g.GatewayNetworks) != 1 || g.GatewayNetworks[0].ID != gn.ID {
		t.Fatalf("gateway's networks %+v", g.GatewayNetworks)
	}

	rule := Must(gw.CreatePatRule(&vpcgw.CreatePatRuleRequest{Zone: zone, GatewayID: g.ID, PublicPort: 2222, PrivateIP: nicIP.Address.IP, PrivatePort: 22, Protocol: vpcgw.PatRuleProtocolTCP}))
	if rule.PublicPort != 2222 || !rule.PrivateIP.Equal(nicIP.Address.IP) || rule.Protocol != vpcgw.PatRuleProtocolTCP {
		t.Fatalf("pat rule %+v", rule)
	}
	rules := Must(gw.ListPatRules(&vpcgw.ListPatRulesRequest{Zone: zone, GatewayIDs: []string{g.ID}}, scw.WithAllPages()))
	if rules.TotalCount != 1 || rules.PatRules[0].ID != rule.ID {
		t.Fatalf("pat rules %+v", rules)
	}

	// tear down in order, each step waited for
	if err := gw.DeletePatRule(&vpcgw.DeletePatRuleRequest{Zone: zone, PatRuleID: rule.ID}); err != nil {
		t.Fatalf("delete pat rule: %v", err)
	}
	Must(gw.DeleteGatewayNetwork(&vpcgw.DeleteGatewayNetworkRequest{Zone: zone, GatewayNetworkID: gn.ID}))
	_, err := gw.WaitForGatewayNetwork(&vpcgw.WaitForGatewayNetworkRequest{Zone: zone, GatewayNetworkID: gn.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)})
	if !isNotFound(err) {
		t.Fatalf("gateway network after delete: %v", err)
	}
	Must(gw.WaitForGateway(&vpcgw.WaitForGatewayRequest{Zone: zone, GatewayID: g.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	Must(gw.DeleteGateway(&vpcgw.DeleteGatewayRequest{Zone: zone, GatewayID: g.ID, DeleteIP: true}))
	_, err = gw.WaitForGateway(&vpcgw.WaitForGatewayRequest{Zone: zone, GatewayID: g.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)})
	if !isNotFound(err) {
		t.Fatalf("gateway after delete: %v", err)
	}
	if err := inst.DeletePrivateNIC(&instance.DeletePrivateNICRequest{Zone: zone, ServerID: srv.ID, PrivateNicID: nic.ID}); err != nil {
		t.Fatalf("delete nic: %v", err)
	}
	_, err = inst.WaitForPrivateNIC(&instance.WaitForPrivateNICRequest{Zone: zone, ServerID: srv.ID, PrivateNicID: nic.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)})
	if !isNotFound(err) {
		t.Fatalf("nic after delete: %v", err)
	}
	left := Must(ipamAPI.ListIPs(&ipam.ListIPsRequest{Region: region, ResourceID: scw.StringPtr(nic.ID)}))
	if left.TotalCount != 0 {
		t.Fatalf("ipam still holds %d addresses of the deleted nic", left.TotalCount)
	}
	if err := vpcAPI.DeletePrivateNetwork(&vpc.DeletePrivateNetworkRequest{Region: region, PrivateNetworkID: pn.ID}); err != nil {
		t.Fatalf("delete private network: %v", err)
	}
}

func TestIPAMBookAndPaging(t *testing.T) {
	defer Catch(t)
	c := Client(t)
	vpcAPI, ipamAPI := vpc.NewAPI(c), ipam.NewAPI(c)
	for i := 0; i < 5; i++ {
		Must(vpcAPI.CreatePrivateNetwork(&vpc.CreatePrivateNetworkRequest{Region: region, Name: fmt.Sprintf("go-page-%d", i), Tags: []string{"paging"}}))
	}
	first := Must(vpcAPI.ListPrivateNetworks(&vpc.ListPrivateNetworksRequest{Region: region, Tags: []string{"paging"}, PageSize: scw.Uint32Ptr(2)}))
	if len(first.PrivateNetworks) != 2 || first.TotalCount != 5 {
		t.Fatalf("first page %d of %d", len(first.PrivateNetworks), first.TotalCount)
	}
	all := Must(vpcAPI.ListPrivateNetworks(&vpc.ListPrivateNetworksRequest{Region: region, Tags: []string{"paging"}, PageSize: scw.Uint32Ptr(2)}, scw.WithAllPages()))
	if len(all.PrivateNetworks) != 5 {
		t.Fatalf("all pages: %d", len(all.PrivateNetworks))
	}
	pn := all.PrivateNetworks[0]
	booked := Must(ipamAPI.BookIP(&ipam.BookIPRequest{Region: region, Source: &ipam.Source{PrivateNetworkID: scw.StringPtr(pn.ID)}, Tags: []string{"reserved"}}))
	if booked.Resource != nil || !pn.Subnets[0].Subnet.Contains(booked.Address.IP) {
		t.Fatalf("booked %+v", booked)
	}
	got := Must(ipamAPI.GetIP(&ipam.GetIPRequest{Region: region, IPID: booked.ID}))
	if got.Address.String() != booked.Address.String() {
		t.Fatalf("get ip %s vs %s", got.Address.String(), booked.Address.String())
	}
	if err := ipamAPI.ReleaseIP(&ipam.ReleaseIPRequest{Region: region, IPID: booked.ID}); err != nil {
		t.Fatalf("release: %v", err)
	}
	_, err := ipamAPI.GetIP(&ipam.GetIPRequest{Region: region, IPID: booked.ID})
	if !isNotFound(err) {
		t.Fatalf("released ip: %v", err)
	}
}

// The legacy v1 API: a gateway with a DHCP configuration on a network, every waiter.
func TestGatewayV1WithDHCP(t *testing.T) {
	defer Catch(t)
	c := Client(t)
	vpcAPI, gw := vpc.NewAPI(c), vpcgwv1.NewAPI(c)
	pn := Must(vpcAPI.CreatePrivateNetwork(&vpc.CreatePrivateNetworkRequest{Region: region, Name: "go-v1-pn"}))
	g := Must(gw.CreateGateway(&vpcgwv1.CreateGatewayRequest{Zone: zone, Name: "go-v1", Type: "VPC-GW-S"}))
	g = Must(gw.WaitForGateway(&vpcgwv1.WaitForGatewayRequest{Zone: zone, GatewayID: g.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if g.Status != vpcgwv1.GatewayStatusRunning || g.IP == nil {
		t.Fatalf("v1 gateway %+v", g)
	}
	gn := Must(gw.CreateGatewayNetwork(&vpcgwv1.CreateGatewayNetworkRequest{Zone: zone, GatewayID: g.ID, PrivateNetworkID: pn.ID, EnableMasquerade: true,
		IpamConfig: &vpcgwv1.CreateGatewayNetworkRequestIpamConfig{PushDefaultRoute: true}}))
	if gn.Status != vpcgwv1.GatewayNetworkStatusCreated {
		t.Fatalf("v1 gateway network answer %s", gn.Status)
	}
	gn = Must(gw.WaitForGatewayNetwork(&vpcgwv1.WaitForGatewayNetworkRequest{Zone: zone, GatewayNetworkID: gn.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if gn.Status != vpcgwv1.GatewayNetworkStatusReady || gn.IpamConfig == nil || !gn.IpamConfig.PushDefaultRoute {
		t.Fatalf("v1 gateway network %+v", gn)
	}
	g = Must(gw.WaitForGateway(&vpcgwv1.WaitForGatewayRequest{Zone: zone, GatewayID: g.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if err := gw.DeleteGatewayNetwork(&vpcgwv1.DeleteGatewayNetworkRequest{Zone: zone, GatewayNetworkID: gn.ID, CleanupDHCP: true}); err != nil {
		t.Fatalf("v1 delete gateway network: %v", err)
	}
	_, err := gw.WaitForGatewayNetwork(&vpcgwv1.WaitForGatewayNetworkRequest{Zone: zone, GatewayNetworkID: gn.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)})
	if !isNotFound(err) {
		t.Fatalf("v1 gateway network after delete: %v", err)
	}
	Must(gw.WaitForGateway(&vpcgwv1.WaitForGatewayRequest{Zone: zone, GatewayID: g.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if err := gw.DeleteGateway(&vpcgwv1.DeleteGatewayRequest{Zone: zone, GatewayID: g.ID, CleanupDHCP: true}); err != nil {
		t.Fatalf("v1 delete gateway: %v", err)
	}
}
