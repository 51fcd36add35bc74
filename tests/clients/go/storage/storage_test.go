package storage_test

import (
	"errors"
	"fmt"
	"testing"

	block "github.com/scaleway/scaleway-sdk-go/api/block/v1"
	instance "github.com/scaleway/scaleway-sdk-go/api/instance/v1"
	marketplace "github.com/scaleway/scaleway-sdk-go/api/marketplace/v2"
	"github.com/scaleway/scaleway-sdk-go/scw"

	. "scwd.test/clients/go/internal/scwdtest"
)

func TestMain(m *testing.M) { Main(m) }

const zone = scw.ZoneFrPar1

var zoneVar = zone

// A Block volume created empty, snapshotted, cloned from the snapshot, attached to a server
// through the Instance helper and watched with WaitForVolumeAndReferences.
func TestBlockVolumesSnapshotsReferences(t *testing.T) {
	defer Catch(t)
	c := Client(t)
	b, inst := block.NewAPI(c), instance.NewAPI(c)

	vol := Must(b.CreateVolume(&block.CreateVolumeRequest{Zone: zone, Name: "go-sbs", PerfIops: scw.Uint32Ptr(5000),
		FromEmpty: &block.CreateVolumeRequestFromEmpty{Size: 10 * scw.GB}, Tags: []string{"go"}}))
	vol = Must(b.WaitForVolume(&block.WaitForVolumeRequest{Zone: zone, VolumeID: vol.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if vol.Status != block.VolumeStatusAvailable || vol.Size != 10*scw.GB || vol.ProjectID != Env["SCW_DEFAULT_PROJECT_ID"] ||
		vol.Specs == nil || vol.Specs.PerfIops == nil || *vol.Specs.PerfIops != 5000 {
		t.Fatalf("volume %+v", vol)
	}

	snap := Must(b.CreateSnapshot(&block.CreateSnapshotRequest{Zone: zone, VolumeID: vol.ID, Name: "go-sbs-snap"}))
	snap = Must(b.WaitForSnapshot(&block.WaitForSnapshotRequest{Zone: zone, SnapshotID: snap.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if snap.Status != block.SnapshotStatusAvailable || snap.Size != vol.Size || snap.ParentVolume == nil || snap.ParentVolume.ID != vol.ID {
		t.Fatalf("snapshot %+v", snap)
	}
	clone := Must(b.CreateVolume(&block.CreateVolumeRequest{Zone: zone, Name: "go-clone",
		FromSnapshot: &block.CreateVolumeRequestFromSnapshot{SnapshotID: snap.ID}}))
	clone = Must(b.WaitForVolume(&block.WaitForVolumeRequest{Zone: zone, VolumeID: clone.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if clone.ParentSnapshotID == nil || *clone.ParentSnapshotID != snap.ID || clone.Size != snap.Size {
		t.Fatalf("clone %+v", clone)
	}

	srv := Must(inst.CreateServer(&instance.CreateServerRequest{Zone: zone, Name: "go-sbs-host", CommercialType: "DEV1-S", Image: scw.StringPtr("ubuntu_jammy")})).Server
	// the helper finds out that the volume is a Block one and attaches it as sbs_volume
	att := Must(inst.AttachVolume(&instance.AttachVolumeRequest{Zone: zone, ServerID: srv.ID, VolumeID: vol.ID}))
	if sv := att.Server.Volumes["1"]; sv == nil || sv.ID != vol.ID || sv.VolumeType != instance.VolumeServerVolumeTypeSbsVolume {
		t.Fatalf("server volumes after attach: %+v", att.Server.Volumes)
	}
	vol = Must(b.WaitForVolumeAndReferences(&block.WaitForVolumeAndReferencesRequest{Zone: zone, VolumeID: vol.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if vol.Status != block.VolumeStatusInUse || len(vol.References) != 1 || vol.References[0].Status != block.ReferenceStatusAttached ||
		vol.References[0].ProductResourceID != srv.ID || vol.References[0].ProductResourceType != "instance_server" {
		t.Fatalf("volume after attach: %+v refs %+v", vol, vol.References)
	}
	det := Must(inst.DetachVolume(&instance.DetachVolumeRequest{Zone: zone, VolumeID: vol.ID, IsBlockVolume: scw.BoolPtr(true)}))
	if len(det.Server.Volumes) != 1 {
		t.Fatalf("server volumes after detach: %+v", det.Server.Volumes)
	}
	vol = Must(b.WaitForVolumeAndReferences(&block.WaitForVolumeAndReferencesRequest{Zone: zone, VolumeID: vol.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if vol.Status != block.VolumeStatusAvailable || len(vol.References) != 0 {
		t.Fatalf("volume after detach: %+v refs %+v", vol, vol.References)
	}

	// a snapshot with a volume made from it stays; volumes go, then the snapshot
	for _, id := range []string{clone.ID, vol.ID} {
		if err := b.DeleteVolume(&block.DeleteVolumeRequest{Zone: zone, VolumeID: id}); err != nil {
			t.Fatalf("delete volume: %v", err)
		}
	}
	if err := b.DeleteSnapshot(&block.DeleteSnapshotRequest{Zone: zone, SnapshotID: snap.ID}); err != nil {
		t.Fatalf("delete snapshot: %v", err)
	}
	_, err := b.WaitForSnapshot(&block.WaitForSnapshotRequest{Zone: zone, SnapshotID: snap.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)})
	var nf *scw.ResourceNotFoundError
	if err == nil || !errors.As(err, &nf) || nf.ResourceID != snap.ID {
		t.Fatalf("deleted snapshot: %v", err)
	}
}

func TestBlockPaging(t *testing.T) {
	defer Catch(t)
	b := block.NewAPI(Client(t))
	for i := 0; i < 5; i++ {
		Must(b.CreateVolume(&block.CreateVolumeRequest{Zone: zone, Name: fmt.Sprintf("go-page-%d", i), PerfIops: scw.Uint32Ptr(5000),
			FromEmpty: &block.CreateVolumeRequestFromEmpty{Size: 5 * scw.GB}, Tags: []string{"paging"}}))
	}
	first := Must(b.ListVolumes(&block.ListVolumesRequest{Zone: zone, Tags: []string{"paging"}, PageSize: scw.Uint32Ptr(2)}))
	if len(first.Volumes) != 2 || first.TotalCount != 5 {
		t.Fatalf("first page %d of %d", len(first.Volumes), first.TotalCount)
	}
	all := Must(b.ListVolumes(&block.ListVolumesRequest{Zone: zone, Tags: []string{"paging"}, PageSize: scw.Uint32Ptr(2)}, scw.WithAllPages()))
	if len(all.Volumes) != 5 {
		t.Fatalf("all pages %d", len(all.Volumes))
	}
	types := Must(b.ListVolumeTypes(&block.ListVolumeTypesRequest{Zone: zone}, scw.WithAllPages()))
	if len(types.VolumeTypes) == 0 || uint64(len(types.VolumeTypes)) != types.TotalCount {
		t.Fatalf("volume types %d of %d", len(types.VolumeTypes), types.TotalCount)
	}
}

func TestMarketplace(t *testing.T) {
	defer Catch(t)
	mp := marketplace.NewAPI(Client(t))
	imgs := Must(mp.ListImages(&marketplace.ListImagesRequest{PageSize: scw.Uint32Ptr(3)}, scw.WithAllPages()))
	if len(imgs.Images) <= 3 || uint32(len(imgs.Images)) != imgs.TotalCount {
		t.Fatalf("images: %d listed of %d (want more than a page of 3)", len(imgs.Images), imgs.TotalCount)
	}
	jammy := imgs.FindByLabel("ubuntu_jammy")
	if jammy == nil {
		t.Fatalf("ubuntu_jammy not in the catalog")
	}
	byLabel := Must(mp.GetImageByLabel(&marketplace.GetImageByLabelRequest{Label: "ubuntu_jammy"}))
	if byLabel.ID != jammy.ID {
		t.Fatalf("GetImageByLabel %s vs %s", byLabel.ID, jammy.ID)
	}
	locals := Must(mp.ListLocalImages(&marketplace.ListLocalImagesRequest{ImageLabel: scw.StringPtr("ubuntu_jammy"), Zone: &zoneVar}, scw.WithAllPages()))
	types := map[marketplace.LocalImageType]bool{}
	for _, li := range locals.LocalImages {
		if li.Label != "ubuntu_jammy" || li.Zone != zone {
			t.Fatalf("local image %+v", li)
		}
		types[li.Type] = true
	}
	if !types[marketplace.LocalImageTypeInstanceLocal] || !types[marketplace.LocalImageTypeInstanceSbs] {
		t.Fatalf("local image types %v", types)
	}
	sbs := Must(mp.GetLocalImageByLabel(&marketplace.GetLocalImageByLabelRequest{ImageLabel: "ubuntu_jammy", Zone: zone, CommercialType: "PRO2-S", Type: marketplace.LocalImageTypeInstanceSbs}))
	if sbs.Type != marketplace.LocalImageTypeInstanceSbs || !sbs.IsCompatible("PRO2-S") {
		t.Fatalf("sbs local image %+v", sbs)
	}
	_, err := mp.GetLocalImageByLabel(&marketplace.GetLocalImageByLabelRequest{ImageLabel: "no_such_label", Zone: zone, CommercialType: "DEV1-S"})
	if err == nil {
		t.Fatalf("an unknown label resolved")
	}
}

// Growing a Block volume: the resize passes through a transient state the waiter sees through.
func TestBlockResize(t *testing.T) {
	defer Catch(t)
	b := block.NewAPI(Client(t))
	vol := Must(b.CreateVolume(&block.CreateVolumeRequest{Zone: zone, Name: "go-grow", PerfIops: scw.Uint32Ptr(5000), FromEmpty: &block.CreateVolumeRequestFromEmpty{Size: 10 * scw.GB}}))
	Must(b.WaitForVolume(&block.WaitForVolumeRequest{Zone: zone, VolumeID: vol.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	Must(b.UpdateVolume(&block.UpdateVolumeRequest{Zone: zone, VolumeID: vol.ID, Size: scw.SizePtr(20 * scw.GB), Name: scw.StringPtr("go-grown")}))
	vol = Must(b.WaitForVolume(&block.WaitForVolumeRequest{Zone: zone, VolumeID: vol.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if vol.Size != 20*scw.GB || vol.Name != "go-grown" || vol.Status != block.VolumeStatusAvailable {
		t.Fatalf("grown volume %+v", vol)
	}
}
