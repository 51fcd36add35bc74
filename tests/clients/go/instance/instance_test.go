package instance_test

import (
	"fmt"
	"io"
	"strings"
	"testing"

	block "github.com/scaleway/scaleway-sdk-go/api/block/v1"
	instance "github.com/scaleway/scaleway-sdk-go/api/instance/v1"
	marketplace "github.com/scaleway/scaleway-sdk-go/api/marketplace/v2"
	"github.com/scaleway/scaleway-sdk-go/scw"

	. "scwd.test/clients/go/internal/scwdtest"
)

func TestMain(m *testing.M) { Main(m) }

const zone = scw.ZoneFrPar1

func api(t *testing.T) *instance.API { return instance.NewAPI(Client(t)) }

func newServer(t *testing.T, a *instance.API, name string, extra func(*instance.CreateServerRequest)) *instance.Server {
	t.Helper()
	req := &instance.CreateServerRequest{
		Zone:           zone,
		Name:           name,
		CommercialType: "DEV1-S",
		Image:          scw.StringPtr("ubuntu_jammy"),
		Tags:           []string{"go-sdk"},
	}
	if extra != nil {
		extra(req)
	}
	return Must(a.CreateServer(req)).Server
}

// The image label goes through the marketplace helper the CLI uses; the server is started and
// stopped with the waiters; the default project and zone come from the environment.
func TestServerLifecycleFromLabel(t *testing.T) {
	defer Catch(t)
	c := Client(t)
	a := instance.NewAPI(c)
	mp := marketplace.NewAPI(c)

	local := Must(mp.GetLocalImageByLabel(&marketplace.GetLocalImageByLabelRequest{
		ImageLabel: "ubuntu_jammy", Zone: zone, CommercialType: "DEV1-S",
	}))
	if local.ID == "" || local.Zone != zone || !local.IsCompatible("DEV1-S") {
		t.Fatalf("local image for ubuntu_jammy: %+v", local)
	}

	s := newServer(t, a, "go-life", nil)
	if s.Image == nil || s.Image.ID != local.ID {
		t.Fatalf("server image %+v, want marketplace local image %s", s.Image, local.ID)
	}
	if s.State != instance.ServerStateStopped {
		t.Fatalf("new server state %q", s.State)
	}
	if s.Project != Env["SCW_DEFAULT_PROJECT_ID"] || s.Zone != zone {
		t.Fatalf("project/zone %s/%s", s.Project, s.Zone)
	}
	// as recorded on the platform: the root volume is "0", with "boot": false unless asked
	if root := s.Volumes["0"]; root == nil || root.Boot || root.ID == "" || len(s.Volumes) != 1 {
		t.Fatalf("root volume: %+v", s.Volumes)
	}

	err := a.ServerActionAndWait(&instance.ServerActionAndWaitRequest{
		Zone: zone, ServerID: s.ID, Action: instance.ServerActionPoweron,
		Timeout: Dur(Timeout), RetryInterval: Dur(Poll),
	})
	if err != nil {
		t.Fatalf("poweron and wait: %v", err)
	}
	got := Must(a.WaitForServer(&instance.WaitForServerRequest{Zone: zone, ServerID: s.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if got.State != instance.ServerStateRunning {
		t.Fatalf("state after poweron: %s", got.State)
	}

	// stop with the low-level call, then the waiter
	Must(a.ServerAction(&instance.ServerActionRequest{Zone: zone, ServerID: s.ID, Action: instance.ServerActionPoweroff}))
	got = Must(a.WaitForServer(&instance.WaitForServerRequest{Zone: zone, ServerID: s.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if got.State != instance.ServerStateStopped {
		t.Fatalf("state after poweroff: %s", got.State)
	}

	// rename through the thread-safe UpdateServer helper
	upd := Must(a.UpdateServer(&instance.UpdateServerRequest{Zone: zone, ServerID: s.ID, Name: scw.StringPtr("go-life-2"), Tags: &[]string{"a", "b"}}))
	if upd.Server.Name != "go-life-2" || strings.Join(upd.Server.Tags, ",") != "a,b" {
		t.Fatalf("update: %+v", upd.Server)
	}

	// terminate deletes the server and its local volumes
	Must(a.ServerAction(&instance.ServerActionRequest{Zone: zone, ServerID: s.ID, Action: instance.ServerActionPoweron}))
	Must(a.WaitForServer(&instance.WaitForServerRequest{Zone: zone, ServerID: s.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	Must(a.ServerAction(&instance.ServerActionRequest{Zone: zone, ServerID: s.ID, Action: instance.ServerActionTerminate}))
	_, err = a.WaitForServer(&instance.WaitForServerRequest{Zone: zone, ServerID: s.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)})
	var nf *scw.ResourceNotFoundError
	if !asErr(err, &nf) || nf.Resource != "instance_server" || nf.ResourceID != s.ID {
		t.Fatalf("after terminate, waiting: %v (%#v)", err, nf)
	}
}

func TestVolumesSnapshotsAttachDetach(t *testing.T) {
	defer Catch(t)
	a := api(t)
	// DEV1-L: room for 80 GB of local volumes next to the root volume
	s := newServer(t, a, "go-vol", func(r *instance.CreateServerRequest) {
		r.CommercialType = "DEV1-L"
		// a local root volume of 20 GB: the label resolves to the instance_local image
		r.Volumes = map[string]*instance.VolumeServerTemplate{"0": {Size: scw.SizePtr(20 * scw.GB), VolumeType: instance.VolumeVolumeTypeLSSD}}
	})
	if s.Volumes["0"].VolumeType != instance.VolumeServerVolumeTypeLSSD || s.Volumes["0"].Size == nil || *s.Volumes["0"].Size != 20*scw.GB {
		t.Fatalf("root volume: %+v", s.Volumes["0"])
	}
	vol := Must(a.CreateVolume(&instance.CreateVolumeRequest{
		Zone: zone, Name: "go-extra", VolumeType: instance.VolumeVolumeTypeLSSD, Size: scw.SizePtr(20 * scw.GB),
	})).Volume
	v := Must(a.WaitForVolume(&instance.WaitForVolumeRequest{Zone: zone, VolumeID: vol.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if v.State != instance.VolumeStateAvailable || v.Size != 20*scw.GB {
		t.Fatalf("volume %+v", v)
	}

	// the helper attaches (attach-volume) and the server lists it at index 1
	att := Must(a.AttachVolume(&instance.AttachVolumeRequest{Zone: zone, ServerID: s.ID, VolumeID: vol.ID}))
	if att.Server == nil || att.Server.Volumes["1"] == nil || att.Server.Volumes["1"].ID != vol.ID {
		t.Fatalf("after AttachVolume: %+v", att.Server)
	}
	v = Must(a.GetVolume(&instance.GetVolumeRequest{Zone: zone, VolumeID: vol.ID})).Volume
	if v.Server == nil || v.Server.ID != s.ID {
		t.Fatalf("volume.server after attach: %+v", v.Server)
	}
	det := Must(a.DetachVolume(&instance.DetachVolumeRequest{Zone: zone, VolumeID: vol.ID}))
	if len(det.Server.Volumes) != 1 {
		t.Fatalf("after DetachVolume volumes: %+v", det.Server.Volumes)
	}

	// the older helpers' way: PATCH the whole volumes map
	boot := s.Volumes["0"].ID
	vols := map[string]*instance.VolumeServerTemplate{
		"0": {ID: scw.StringPtr(boot), Name: s.Volumes["0"].Name},
		"1": {ID: scw.StringPtr(vol.ID), Name: scw.StringPtr(vol.Name)},
	}
	upd := Must(a.UpdateServer(&instance.UpdateServerRequest{Zone: zone, ServerID: s.ID, Volumes: &vols}))
	if len(upd.Server.Volumes) != 2 || upd.Server.Volumes["1"].ID != vol.ID || upd.Server.Volumes["0"].ID != boot {
		t.Fatalf("PATCH volumes map: %+v", upd.Server.Volumes)
	}
	only := map[string]*instance.VolumeServerTemplate{"0": {ID: scw.StringPtr(boot), Name: s.Volumes["0"].Name}}
	upd = Must(a.UpdateServer(&instance.UpdateServerRequest{Zone: zone, ServerID: s.ID, Volumes: &only}))
	if len(upd.Server.Volumes) != 1 {
		t.Fatalf("PATCH volumes map back: %+v", upd.Server.Volumes)
	}

	// snapshot of the boot volume, waited for, then a volume from it
	snap := Must(a.CreateSnapshot(&instance.CreateSnapshotRequest{Zone: zone, Name: "go-snap", VolumeID: scw.StringPtr(boot)})).Snapshot
	sn := Must(a.WaitForSnapshot(&instance.WaitForSnapshotRequest{Zone: zone, SnapshotID: snap.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if sn.State != instance.SnapshotStateAvailable || sn.BaseVolume == nil || sn.BaseVolume.ID != boot {
		t.Fatalf("snapshot %+v", sn)
	}
	from := Must(a.CreateVolume(&instance.CreateVolumeRequest{Zone: zone, Name: "from-snap", VolumeType: instance.VolumeVolumeTypeLSSD, BaseSnapshot: scw.StringPtr(sn.ID)})).Volume
	fv := Must(a.WaitForVolume(&instance.WaitForVolumeRequest{Zone: zone, VolumeID: from.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if fv.Size != sn.Size {
		t.Fatalf("volume from snapshot size %d, snapshot %d", fv.Size, sn.Size)
	}
	for _, id := range []string{from.ID, vol.ID} {
		if err := a.DeleteVolume(&instance.DeleteVolumeRequest{Zone: zone, VolumeID: id}); err != nil {
			t.Fatalf("delete volume: %v", err)
		}
	}
	if err := a.DeleteSnapshot(&instance.DeleteSnapshotRequest{Zone: zone, SnapshotID: sn.ID}); err != nil {
		t.Fatalf("delete snapshot: %v", err)
	}
}

func TestUserDataHelpers(t *testing.T) {
	defer Catch(t)
	a := api(t)
	s := newServer(t, a, "go-userdata", nil)
	cloud := "#cloud-config\npackages: [nginx]\n"
	if err := a.SetServerUserData(&instance.SetServerUserDataRequest{Zone: zone, ServerID: s.ID, Key: "cloud-init", Content: strings.NewReader(cloud)}); err != nil {
		t.Fatalf("SetServerUserData: %v", err)
	}
	if err := a.SetServerUserData(&instance.SetServerUserDataRequest{Zone: zone, ServerID: s.ID, Key: "motd", Content: strings.NewReader("hello\x00world")}); err != nil {
		t.Fatalf("SetServerUserData binary: %v", err)
	}
	r := Must(a.GetServerUserData(&instance.GetServerUserDataRequest{Zone: zone, ServerID: s.ID, Key: "cloud-init"}))
	if b, _ := io.ReadAll(r); string(b) != cloud {
		t.Fatalf("GetServerUserData = %q", b)
	}
	all := Must(a.GetAllServerUserData(&instance.GetAllServerUserDataRequest{Zone: zone, ServerID: s.ID}))
	if len(all.UserData) != 2 {
		t.Fatalf("GetAllServerUserData keys: %v", all.UserData)
	}
	if b, _ := io.ReadAll(all.UserData["motd"]); string(b) != "hello\x00world" {
		t.Fatalf("motd = %q", b)
	}
	// SetAll replaces: motd disappears
	err := a.SetAllServerUserData(&instance.SetAllServerUserDataRequest{Zone: zone, ServerID: s.ID, UserData: map[string]io.Reader{"cloud-init": strings.NewReader("x")}})
	if err != nil {
		t.Fatalf("SetAllServerUserData: %v", err)
	}
	all = Must(a.GetAllServerUserData(&instance.GetAllServerUserDataRequest{Zone: zone, ServerID: s.ID}))
	if _, ok := all.UserData["motd"]; ok || len(all.UserData) != 1 {
		t.Fatalf("after SetAll: %v", all.UserData)
	}
	_, err = a.GetServerUserData(&instance.GetServerUserDataRequest{Zone: zone, ServerID: s.ID, Key: "motd"})
	var nf *scw.ResourceNotFoundError
	if !asErr(err, &nf) {
		t.Fatalf("deleted key: %v", err)
	}
}

func TestNetworkObjects(t *testing.T) {
	defer Catch(t)
	a := api(t)
	sg := Must(a.CreateSecurityGroup(&instance.CreateSecurityGroupRequest{
		Zone: zone, Name: "go-sg", Stateful: true,
		InboundDefaultPolicy: instance.SecurityGroupPolicyDrop, OutboundDefaultPolicy: instance.SecurityGroupPolicyAccept,
	})).SecurityGroup
	rule := Must(a.CreateSecurityGroupRule(&instance.CreateSecurityGroupRuleRequest{
		Zone: zone, SecurityGroupID: sg.ID, Protocol: instance.SecurityGroupRuleProtocolTCP,
		Direction: instance.SecurityGroupRuleDirectionInbound, Action: instance.SecurityGroupRuleActionAccept,
		IPRange: scw.IPNet{IPNet: mustCIDR("0.0.0.0/0")}, DestPortFrom: scw.Uint32Ptr(22),
	})).Rule
	if rule.DestPortFrom == nil || *rule.DestPortFrom != 22 || rule.Protocol != instance.SecurityGroupRuleProtocolTCP {
		t.Fatalf("rule %+v", rule)
	}
	rules := Must(a.ListSecurityGroupRules(&instance.ListSecurityGroupRulesRequest{Zone: zone, SecurityGroupID: sg.ID}, scw.WithAllPages()))
	found := false
	for _, r := range rules.Rules {
		found = found || r.ID == rule.ID
	}
	if !found {
		t.Fatalf("rule not listed: %d rules", rules.TotalCount)
	}

	pg := Must(a.CreatePlacementGroup(&instance.CreatePlacementGroupRequest{
		Zone: zone, Name: "go-pg", PolicyType: instance.PlacementGroupPolicyTypeMaxAvailability, PolicyMode: instance.PlacementGroupPolicyModeOptional,
	})).PlacementGroup

	ip := Must(a.CreateIP(&instance.CreateIPRequest{Zone: zone, Type: instance.IPTypeRoutedIPv4})).IP
	if ip.Address == nil || ip.Type != instance.IPTypeRoutedIPv4 {
		t.Fatalf("ip %+v", ip)
	}

	s := newServer(t, a, "go-net", func(r *instance.CreateServerRequest) {
		r.SecurityGroup = scw.StringPtr(sg.ID)
		r.PlacementGroup = scw.StringPtr(pg.ID)
		r.PublicIPs = &[]string{ip.ID}
	})
	if s.SecurityGroup == nil || s.SecurityGroup.ID != sg.ID {
		t.Fatalf("server sg %+v", s.SecurityGroup)
	}
	if s.PlacementGroup == nil || s.PlacementGroup.ID != pg.ID {
		t.Fatalf("server pg %+v", s.PlacementGroup)
	}
	if len(s.PublicIPs) != 1 || s.PublicIPs[0].ID != ip.ID {
		t.Fatalf("server ips %+v", s.PublicIPs)
	}
	// detach and re-attach the IP with the helpers
	det := Must(a.DetachIP(&instance.DetachIPRequest{Zone: zone, IP: ip.ID}))
	if det.IP.Server != nil {
		t.Fatalf("detached ip still on %+v", det.IP.Server)
	}
	att := Must(a.AttachIP(&instance.AttachIPRequest{Zone: zone, IP: ip.ID, ServerID: s.ID}))
	if att.IP.Server == nil || att.IP.Server.ID != s.ID {
		t.Fatalf("attached ip %+v", att.IP.Server)
	}
}

// More than one page (the SDK's default page size is 50 on Instance; use 3 per page here).
func TestAllPages(t *testing.T) {
	defer Catch(t)
	a := api(t)
	for i := 0; i < 7; i++ {
		Must(a.CreateSecurityGroup(&instance.CreateSecurityGroupRequest{Zone: zone, Name: fmt.Sprintf("page-sg-%d", i), Stateful: true, Tags: []string{"paging"}}))
	}
	one := Must(a.ListSecurityGroups(&instance.ListSecurityGroupsRequest{Zone: zone, Tags: []string{"paging"}, PerPage: scw.Uint32Ptr(3)}))
	if len(one.SecurityGroups) != 3 || one.TotalCount != 7 {
		t.Fatalf("first page: %d of %d", len(one.SecurityGroups), one.TotalCount)
	}
	all := Must(a.ListSecurityGroups(&instance.ListSecurityGroupsRequest{Zone: zone, Tags: []string{"paging"}, PerPage: scw.Uint32Ptr(3)}, scw.WithAllPages()))
	if len(all.SecurityGroups) != 7 || all.TotalCount != 7 {
		t.Fatalf("all pages: %d of %d", len(all.SecurityGroups), all.TotalCount)
	}
	seen := map[string]bool{}
	for _, g := range all.SecurityGroups {
		if seen[g.ID] {
			t.Fatalf("duplicate across pages: %s", g.ID)
		}
		seen[g.ID] = true
	}
	types := Must(a.ListServersTypes(&instance.ListServersTypesRequest{Zone: zone}, scw.WithAllPages()))
	if types.Servers["DEV1-S"] == nil || uint32(len(types.Servers)) != types.TotalCount {
		t.Fatalf("server types: %d listed, total %d", len(types.Servers), types.TotalCount)
	}
}

// A server backed up into an image (ServerActionAndWait backup, WaitForImage), a server created
// from that image by id, and the server list walked page by page.
func TestImagesAndServerPaging(t *testing.T) {
	defer Catch(t)
	a := api(t)
	src := newServer(t, a, "go-img-src", func(r *instance.CreateServerRequest) { r.Tags = []string{"img-paging"} })
	snap := Must(a.CreateSnapshot(&instance.CreateSnapshotRequest{Zone: zone, Name: "go-img-root", VolumeID: scw.StringPtr(src.Volumes["0"].ID)})).Snapshot
	Must(a.WaitForSnapshot(&instance.WaitForSnapshotRequest{Zone: zone, SnapshotID: snap.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	img := Must(a.CreateImage(&instance.CreateImageRequest{Zone: zone, Name: "go-image", RootVolume: snap.ID, Arch: instance.ArchX86_64})).Image
	img = Must(a.WaitForImage(&instance.WaitForImageRequest{Zone: zone, ImageID: img.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if img.State != instance.ImageStateAvailable || img.RootVolume == nil || img.RootVolume.ID != snap.ID || img.Project != Env["SCW_DEFAULT_PROJECT_ID"] {
		t.Fatalf("image %+v", img)
	}
	for i := 0; i < 3; i++ {
		s := newServer(t, a, fmt.Sprintf("go-from-img-%d", i), func(r *instance.CreateServerRequest) {
			r.Image = scw.StringPtr(img.ID) // a UUID: no marketplace lookup
			r.Tags = []string{"img-paging"}
		})
		if s.Image == nil || s.Image.ID != img.ID {
			t.Fatalf("server image %+v", s.Image)
		}
	}
	page := Must(a.ListServers(&instance.ListServersRequest{Zone: zone, Tags: []string{"img-paging"}, PerPage: scw.Uint32Ptr(2)}))
	if len(page.Servers) != 2 || page.TotalCount != 4 {
		t.Fatalf("first page %d of %d", len(page.Servers), page.TotalCount)
	}
	all := Must(a.ListServers(&instance.ListServersRequest{Zone: zone, Tags: []string{"img-paging"}, PerPage: scw.Uint32Ptr(2)}, scw.WithAllPages()))
	if len(all.Servers) != 4 || all.TotalCount != 4 {
		t.Fatalf("all pages %d of %d", len(all.Servers), all.TotalCount)
	}
	imgs := Must(a.ListImages(&instance.ListImagesRequest{Zone: zone, Public: scw.BoolPtr(false)}, scw.WithAllPages()))
	if len(imgs.Images) != 1 || imgs.Images[0].ID != img.ID {
		t.Fatalf("own images %+v", imgs.Images)
	}
}

// The other actions through ServerActionAndWait, and a security group's rules replaced at once.
func TestActionsAndSecurityGroupRules(t *testing.T) {
	defer Catch(t)
	a := api(t)
	s := newServer(t, a, "go-actions", nil)
	for _, act := range []instance.ServerAction{instance.ServerActionPoweron, instance.ServerActionReboot, instance.ServerActionStopInPlace, instance.ServerActionPoweron, instance.ServerActionPoweroff} {
		if err := a.ServerActionAndWait(&instance.ServerActionAndWaitRequest{Zone: zone, ServerID: s.ID, Action: act, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}); err != nil {
			t.Fatalf("%s and wait: %v", act, err)
		}
	}
	sg := Must(a.CreateSecurityGroup(&instance.CreateSecurityGroupRequest{Zone: zone, Name: "go-set-rules", Stateful: true})).SecurityGroup
	rules := []*instance.SetSecurityGroupRulesRequestRule{
		{Action: instance.SecurityGroupRuleActionAccept, Protocol: instance.SecurityGroupRuleProtocolTCP, Direction: instance.SecurityGroupRuleDirectionInbound, IPRange: scw.IPNet{IPNet: mustCIDR("10.0.0.0/8")}, DestPortFrom: scw.Uint32Ptr(80), DestPortTo: scw.Uint32Ptr(90), Position: 1, Editable: scw.BoolPtr(true)},
		{Action: instance.SecurityGroupRuleActionDrop, Protocol: instance.SecurityGroupRuleProtocolICMP, Direction: instance.SecurityGroupRuleDirectionInbound, IPRange: scw.IPNet{IPNet: mustCIDR("0.0.0.0/0")}, Position: 2, Editable: scw.BoolPtr(true)},
	}
	set := Must(a.SetSecurityGroupRules(&instance.SetSecurityGroupRulesRequest{Zone: zone, SecurityGroupID: sg.ID, Rules: rules}))
	// the answer lists the 6 non-editable default SMTP rules first, then the user's
	if len(set.Rules) != 8 {
		t.Fatalf("set rules: %d", len(set.Rules))
	}
	for i, r := range set.Rules[:6] {
		if r.Editable || r.Action != instance.SecurityGroupRuleActionDrop || r.Direction != instance.SecurityGroupRuleDirectionOutbound {
			t.Fatalf("default rule %d: %+v", i, r)
		}
	}
	mine := set.Rules[6:]
	if !mine[0].Editable || mine[0].DestPortTo == nil || *mine[0].DestPortTo != 90 || mine[0].Position != 1 ||
		mine[1].Protocol != instance.SecurityGroupRuleProtocolICMP || mine[1].DestPortFrom != nil {
		t.Fatalf("user rules %+v %+v", mine[0], mine[1])
	}
	upd := Must(a.UpdateSecurityGroup(&instance.UpdateSecurityGroupRequest{Zone: zone, SecurityGroupID: sg.ID, InboundDefaultPolicy: instance.SecurityGroupPolicyDrop, Description: scw.StringPtr("web")}))
	if upd.SecurityGroup.InboundDefaultPolicy != instance.SecurityGroupPolicyDrop || upd.SecurityGroup.Description != "web" {
		t.Fatalf("updated sg %+v", upd.SecurityGroup)
	}
}

// A server with an extra SBS volume made by the Instance API, the catalogs the CLI reads, the
// dashboard, and a server deleted with its volumes gone through the Block API.
func TestSBSServerCatalogsDashboard(t *testing.T) {
	defer Catch(t)
	a := api(t)
	s := newServer(t, a, "go-sbs-extra", func(r *instance.CreateServerRequest) {
		r.CommercialType = "PRO2-XXS"
		r.Volumes = map[string]*instance.VolumeServerTemplate{
			"0": {VolumeType: instance.VolumeVolumeTypeSbsVolume, Size: scw.SizePtr(20 * scw.GB), Boot: scw.BoolPtr(true)},
			"1": {VolumeType: instance.VolumeVolumeTypeSbsVolume, Size: scw.SizePtr(15 * scw.GB), Name: scw.StringPtr("data")},
		}
	})
	if len(s.Volumes) != 2 || s.Volumes["0"].VolumeType != instance.VolumeServerVolumeTypeSbsVolume || !s.Volumes["0"].Boot ||
		s.Volumes["1"].VolumeType != instance.VolumeServerVolumeTypeSbsVolume || s.Volumes["1"].Boot {
		t.Fatalf("sbs volumes %+v %+v", s.Volumes["0"], s.Volumes["1"])
	}
	avail := Must(a.GetServerTypesAvailability(&instance.GetServerTypesAvailabilityRequest{Zone: zone}, scw.WithAllPages()))
	if avail.Servers["PRO2-XXS"] == nil || avail.Servers["PRO2-XXS"].Availability == "" {
		t.Fatalf("availability of PRO2-XXS: %+v", avail.Servers["PRO2-XXS"])
	}
	vt := Must(a.ListVolumesTypes(&instance.ListVolumesTypesRequest{Zone: zone}, scw.WithAllPages()))
	if vt.Volumes["l_ssd"] == nil || uint32(len(vt.Volumes)) != vt.TotalCount {
		t.Fatalf("volume types %d of %d", len(vt.Volumes), vt.TotalCount)
	}
	defaults := Must(a.ListDefaultSecurityGroupRules(&instance.ListDefaultSecurityGroupRulesRequest{Zone: zone}))
	// the 6 SMTP rules; as observed, rule lists carry no X-Total-Count, so TotalCount stays 0
	if len(defaults.Rules) != 6 || defaults.TotalCount != 0 {
		t.Fatalf("default rules %d (total %d)", len(defaults.Rules), defaults.TotalCount)
	}
	dash := Must(a.GetDashboard(&instance.GetDashboardRequest{Zone: zone})).Dashboard
	if dash.ServersCount == 0 || dash.ServersByTypes["PRO2-XXS"] < 1 {
		t.Fatalf("dashboard %+v", dash)
	}
	if err := a.DeleteServer(&instance.DeleteServerRequest{Zone: zone, ServerID: s.ID}); err != nil {
		t.Fatalf("delete server: %v", err)
	}
	// SBS volumes survive their server: the Block API has them, available and unreferenced
	// (the Instance API does not serve SBS volumes: 404, which the SDK's volume helpers expect)
	_, err := a.GetVolume(&instance.GetVolumeRequest{Zone: zone, VolumeID: s.Volumes["1"].ID})
	if !asErr(err, new(*scw.ResourceNotFoundError)) {
		t.Fatalf("instance GetVolume of an SBS volume: %v", err)
	}
	bv := Must(block.NewAPI(Client(t)).WaitForVolumeAndReferences(&block.WaitForVolumeAndReferencesRequest{Zone: zone, VolumeID: s.Volumes["1"].ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if bv.Status != block.VolumeStatusAvailable || len(bv.References) != 0 || bv.Size != 15*scw.GB || bv.Name != "data" {
		t.Fatalf("sbs volume after server delete %+v", bv)
	}
}

// Lists whose Go response reads total_count from the body rather than X-Total-Count
// (placement groups), walked over pages; a placement group's servers set and read; a backup.
func TestPlacementGroupsPagingAndBackup(t *testing.T) {
	defer Catch(t)
	a := api(t)
	var pgs []string
	for i := 0; i < 5; i++ {
		pgs = append(pgs, Must(a.CreatePlacementGroup(&instance.CreatePlacementGroupRequest{Zone: zone, Name: fmt.Sprintf("go-pg-%d", i), Tags: []string{"pg-paging"}})).PlacementGroup.ID)
	}
	first := Must(a.ListPlacementGroups(&instance.ListPlacementGroupsRequest{Zone: zone, Tags: []string{"pg-paging"}, PerPage: scw.Uint32Ptr(2)}))
	if len(first.PlacementGroups) != 2 || first.TotalCount != 5 {
		t.Fatalf("placement groups first page %d of %d", len(first.PlacementGroups), first.TotalCount)
	}
	all := Must(a.ListPlacementGroups(&instance.ListPlacementGroupsRequest{Zone: zone, Tags: []string{"pg-paging"}, PerPage: scw.Uint32Ptr(2)}, scw.WithAllPages()))
	if len(all.PlacementGroups) != 5 {
		t.Fatalf("placement groups all pages %d", len(all.PlacementGroups))
	}
	s := newServer(t, a, "go-pg-member", nil)
	set := Must(a.SetPlacementGroupServers(&instance.SetPlacementGroupServersRequest{Zone: zone, PlacementGroupID: pgs[0], Servers: []string{s.ID}}))
	if len(set.Servers) != 1 || set.Servers[0].ID != s.ID {
		t.Fatalf("placement group servers %+v", set.Servers)
	}
	got := Must(a.GetServer(&instance.GetServerRequest{Zone: zone, ServerID: s.ID})).Server
	if got.PlacementGroup == nil || got.PlacementGroup.ID != pgs[0] {
		t.Fatalf("server's placement group %+v", got.PlacementGroup)
	}

	// backup: an image of the server, waited for
	res := Must(a.ServerAction(&instance.ServerActionRequest{Zone: zone, ServerID: s.ID, Action: instance.ServerActionBackup, Name: scw.StringPtr("go-backup")}))
	if res.Task == nil || res.Task.HrefResult == "" {
		t.Fatalf("backup task %+v", res.Task)
	}
	imgs := Must(a.ListImages(&instance.ListImagesRequest{Zone: zone, Name: scw.StringPtr("go-backup")}, scw.WithAllPages()))
	if len(imgs.Images) != 1 {
		t.Fatalf("backup images %d", len(imgs.Images))
	}
	img := Must(a.WaitForImage(&instance.WaitForImageRequest{Zone: zone, ImageID: imgs.Images[0].ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if img.State != instance.ImageStateAvailable || img.FromServer != s.ID {
		t.Fatalf("backup image %+v", img)
	}
}
