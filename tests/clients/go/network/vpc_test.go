package network_test

import (
	"fmt"
	"net"
	"testing"

	ipam "github.com/scaleway/scaleway-sdk-go/api/ipam/v1"
	vpc "github.com/scaleway/scaleway-sdk-go/api/vpc/v2"
	"github.com/scaleway/scaleway-sdk-go/scw"

	. "scwd.test/clients/go/internal/scwdtest"
)

// A VPC of our own with routing, networks with chosen subnets, subnets listed, VPCs paged, a
// reserved address given a reverse.
func TestVPCsSubnetsReverse(t *testing.T) {
	defer Catch(t)
	c := Client(t)
	v, ip := vpc.NewAPI(c), ipam.NewAPI(c)
	own := Must(v.CreateVPC(&vpc.CreateVPCRequest{Region: region, Name: "go-vpc", EnableRouting: true, Tags: []string{"go"}}))
	if own.IsDefault || !own.RoutingEnabled || own.ProjectID != Env["SCW_DEFAULT_PROJECT_ID"] {
		t.Fatalf("vpc %+v", own)
	}
	_, subnet, _ := net.ParseCIDR("172.20.8.0/22")
	pn := Must(v.CreatePrivateNetwork(&vpc.CreatePrivateNetworkRequest{Region: region, Name: "go-subnets", VpcID: scw.StringPtr(own.ID), Subnets: []scw.IPNet{{IPNet: *subnet}}}))
	// ours, plus the IPv6 /64 the platform adds
	if len(pn.Subnets) != 2 || pn.Subnets[0].Subnet.String() != "172.20.8.0/22" || pn.Subnets[1].Subnet.IP.To4() != nil || pn.VpcID != own.ID {
		t.Fatalf("private network subnets %v / %v", pn.Subnets[0].Subnet.String(), pn.Subnets[len(pn.Subnets)-1].Subnet.String())
	}
	if ones, _ := pn.Subnets[1].Subnet.Mask.Size(); ones != 64 {
		t.Fatalf("ipv6 subnet %s", pn.Subnets[1].Subnet.String())
	}
	subs := Must(v.ListSubnets(&vpc.ListSubnetsRequest{Region: region, VpcID: scw.StringPtr(own.ID)}, scw.WithAllPages()))
	if subs.TotalCount != 2 || subs.Subnets[0].PrivateNetworkID != pn.ID || subs.Subnets[1].PrivateNetworkID != pn.ID {
		t.Fatalf("subnets %d", subs.TotalCount)
	}
	for i := 0; i < 3; i++ {
		Must(v.CreateVPC(&vpc.CreateVPCRequest{Region: region, Name: fmt.Sprintf("go-vpc-%d", i), Tags: []string{"vpc-paging"}}))
	}
	vpcs := Must(v.ListVPCs(&vpc.ListVPCsRequest{Region: region, Tags: []string{"vpc-paging"}, PageSize: scw.Uint32Ptr(2)}, scw.WithAllPages()))
	if len(vpcs.Vpcs) != 3 || vpcs.TotalCount != 3 {
		t.Fatalf("vpcs %d of %d", len(vpcs.Vpcs), vpcs.TotalCount)
	}

	addr := net.ParseIP("172.20.8.50")
	booked := Must(ip.BookIP(&ipam.BookIPRequest{Region: region, Source: &ipam.Source{PrivateNetworkID: scw.StringPtr(pn.ID)}, Address: &addr}))
	if !booked.Address.IP.Equal(addr) {
		t.Fatalf("booked %s", booked.Address.String())
	}
	upd := Must(ip.UpdateIP(&ipam.UpdateIPRequest{Region: region, IPID: booked.ID, Tags: &[]string{"rev"},
		Reverses: []*ipam.Reverse{{Hostname: "db.internal.example", Address: &addr}}}))
	if len(upd.Reverses) != 1 || upd.Reverses[0].Hostname != "db.internal.example" || len(upd.Tags) != 1 {
		t.Fatalf("reverse %+v", upd)
	}
	_, err := ip.BookIP(&ipam.BookIPRequest{Region: region, Source: &ipam.Source{PrivateNetworkID: scw.StringPtr(pn.ID)}, Address: &addr})
	if err == nil {
		t.Fatalf("the same address booked twice")
	}
}
