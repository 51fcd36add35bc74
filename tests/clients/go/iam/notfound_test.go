package iam_test

import (
	"testing"

	block "github.com/scaleway/scaleway-sdk-go/api/block/v1"
	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	ipam "github.com/scaleway/scaleway-sdk-go/api/ipam/v1"
	vpc "github.com/scaleway/scaleway-sdk-go/api/vpc/v2"
	vpcgw "github.com/scaleway/scaleway-sdk-go/api/vpcgw/v2"
	"github.com/scaleway/scaleway-sdk-go/scw"

	. "scwd.test/clients/go/internal/scwdtest"
)

// ResourceNotFoundError.Resource per product, as the recordings show it.
func TestNotFoundResourceNames(t *testing.T) {
	c := Client(t)
	const m = "11111111-2222-4333-8444-555555555555"
	const ak = "SCWXXXXXXXXXXXXXXXXX"
	b, v, i, p, g := block.NewAPI(c), vpc.NewAPI(c), iam.NewAPI(c), ipam.NewAPI(c), vpcgw.NewAPI(c)
	cases := []struct {
		resource, id string
		call         func() error
	}{
		{"volume", m, func() error { _, e := b.GetVolume(&block.GetVolumeRequest{Zone: zone, VolumeID: m}); return e }},
		{"snapshot", m, func() error { _, e := b.GetSnapshot(&block.GetSnapshotRequest{Zone: zone, SnapshotID: m}); return e }},
		{"private_network", m, func() error {
			_, e := v.GetPrivateNetwork(&vpc.GetPrivateNetworkRequest{PrivateNetworkID: m})
			return e
		}},
		{"vpc", m, func() error { _, e := v.GetVPC(&vpc.GetVPCRequest{VpcID: m}); return e }},
		{"application", m, func() error { _, e := i.GetApplication(&iam.GetApplicationRequest{ApplicationID: m}); return e }},
		{"policy", m, func() error { _, e := i.GetPolicy(&iam.GetPolicyRequest{PolicyID: m}); return e }},
		{"group", m, func() error { _, e := i.GetGroup(&iam.GetGroupRequest{GroupID: m}); return e }},
		{"ssh_key", m, func() error { _, e := i.GetSSHKey(&iam.GetSSHKeyRequest{SSHKeyID: m}); return e }},
		{"user", m, func() error { _, e := i.GetUser(&iam.GetUserRequest{UserID: m}); return e }},
		{"access_key", ak, func() error { _, e := i.GetAPIKey(&iam.GetAPIKeyRequest{AccessKey: ak}); return e }},
		{"ip", m, func() error { _, e := p.GetIP(&ipam.GetIPRequest{IPID: m}); return e }},
		{"gateway", m, func() error { _, e := g.GetGateway(&vpcgw.GetGatewayRequest{Zone: zone, GatewayID: m}); return e }},
		{"gateway_network", m, func() error {
			_, e := g.GetGatewayNetwork(&vpcgw.GetGatewayNetworkRequest{Zone: zone, GatewayNetworkID: m})
			return e
		}},
		{"ip", m, func() error { _, e := g.GetIP(&vpcgw.GetIPRequest{Zone: zone, IPID: m}); return e }},
	}
	for _, tc := range cases {
		err := tc.call()
		nf, ok := as[*scw.ResourceNotFoundError](err)
		if !ok || nf.Resource != tc.resource || nf.ResourceID != tc.id {
			t.Errorf("want not_found %s %s, got %v", tc.resource, tc.id, err)
		}
	}
	// a creation in a VPC that does not exist names the VPC
	_, err := v.CreatePrivateNetwork(&vpc.CreatePrivateNetworkRequest{Name: "x", VpcID: scw.StringPtr(m)})
	if nf, ok := as[*scw.ResourceNotFoundError](err); !ok || nf.Resource != "vpc" || nf.ResourceID != m {
		t.Errorf("private network in a missing VPC: %v", err)
	}
	// modern APIs' invalid_arguments: a Block volume below the minimum size
	_, err = b.CreateVolume(&block.CreateVolumeRequest{Zone: zone, Name: "tiny", FromEmpty: &block.CreateVolumeRequestFromEmpty{Size: scw.GB}})
	if ia, ok := as[*scw.InvalidArgumentsError](err); !ok || len(ia.Details) != 1 || ia.Details[0].ArgumentName != "size" || ia.Details[0].Reason != "constraint" {
		t.Errorf("tiny block volume: %v", err)
	}
}
