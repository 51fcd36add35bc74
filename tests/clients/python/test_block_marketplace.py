"""Block Storage (SBS) with the SDK's wait_for_volume / wait_for_snapshot, and Marketplace."""
from scaleway.block.v1 import BlockV1API, CreateVolumeRequestFromEmpty, CreateVolumeRequestFromSnapshot
from scaleway.marketplace.v2 import MarketplaceV2API
from scaleway_core.utils import WaitForOptions

FAST = WaitForOptions(timeout=30, min_delay=1, max_delay=2)

GB = 1_000_000_000


def test_block_volume_snapshot_waiters(client):
    api = BlockV1API(client)
    vol = api.create_volume(name="py-block", perf_iops=5000,
                            from_empty=CreateVolumeRequestFromEmpty(size=10 * GB), tags=["py"])
    assert vol.size == 10 * GB and vol.specs.perf_iops == 5000
    assert vol.project_id == client.default_project_id and vol.zone == "fr-par-1"
    vol = api.wait_for_volume(volume_id=vol.id, options=FAST)
    assert vol.status == "available"

    snap = api.create_snapshot(volume_id=vol.id, name="py-block-snap", public=False)
    assert snap.parent_volume is not None and snap.parent_volume.id == vol.id
    snap = api.wait_for_snapshot(snapshot_id=snap.id, options=FAST)
    assert snap.status == "available" and snap.size == 10 * GB

    clone = api.create_volume(name="py-block-clone", perf_iops=5000,
                              from_snapshot=CreateVolumeRequestFromSnapshot(snapshot_id=snap.id, size=20 * GB))
    clone = api.wait_for_volume(volume_id=clone.id, options=FAST)
    assert clone.status == "available" and clone.size == 20 * GB

    vols = api.list_volumes_all(page_size=1, include_deleted=False)
    assert sorted(v.name for v in vols) == ["py-block", "py-block-clone"]
    assert [s.id for s in api.list_snapshots_all(volume_id=vol.id, include_deleted=False)] == [snap.id]
    types = api.list_volume_types_all()
    assert {t.type_ for t in types} >= {"sbs_5k", "sbs_15k"}

    upd = api.update_volume(volume_id=vol.id, name="py-block-renamed", size=15 * GB)
    assert upd.name == "py-block-renamed" and upd.status == "updating"
    upd = api.wait_for_volume(volume_id=vol.id, options=FAST)
    assert upd.status == "available" and upd.size == 15 * GB

    api.delete_volume(volume_id=clone.id)
    api.delete_snapshot(snapshot_id=snap.id)
    api.delete_volume(volume_id=vol.id)


def test_marketplace_images_and_local_images(client):
    api = MarketplaceV2API(client)
    # regression: the SDK sends Python's str(bool), include_eol=False / True
    with_eol = api.list_images_all(include_eol=True, page_size=50)
    images = api.list_images_all(include_eol=False, page_size=5)
    labels = {i.label for i in images}
    assert "ubuntu_jammy" in labels
    assert len(images) == len({i.id for i in images}) > 5
    local = api.list_local_images_all(image_label="ubuntu_jammy", zone="fr-par-1", type_="instance_sbs")
    assert local and all(li.zone == "fr-par-1" for li in local)
    assert {li.arch for li in local} >= {"x86_64"}
    assert len(with_eol) >= len(images)
    jammy = next(i for i in images if i.label == "ubuntu_jammy")
    assert api.get_image(image_id=jammy.id).name == jammy.name
