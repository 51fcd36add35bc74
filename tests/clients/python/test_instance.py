"""Instance through the Python SDK: server from an image label, the SDK's server waiter, power
actions, volumes and snapshots, security groups and rules, flexible IPs, placement groups and
user data."""
from scaleway.instance.v1.custom_api import InstanceUtilsV1API
from scaleway.instance.v1 import (
    ServerAction,
    VolumeServerTemplate,
)
from scaleway_core.utils import WaitForOptions, wait_for_resource

FAST = dict(timeout=30, min_delay=1, max_delay=2)


def wait_volume(api, volume_id):
    return wait_for_resource(
        fetcher=api.get_volume,
        options=WaitForOptions(stop=lambda r: r.volume.state not in ("snapshotting", "fetching", "resizing", "saving", "hotsyncing"), **FAST),
        args={"volume_id": volume_id},
    ).volume


def wait_snapshot(api, snapshot_id):
    return wait_for_resource(
        fetcher=api.get_snapshot,
        options=WaitForOptions(stop=lambda r: r.snapshot.state not in ("snapshotting", "importing", "exporting"), **FAST),
        args={"snapshot_id": snapshot_id},
    ).snapshot


def test_server_lifecycle_from_label(client, server):
    api = InstanceUtilsV1API(client)
    pg = api.create_placement_group(name="py-pg", policy_type="max_availability", policy_mode="optional").placement_group
    sg = api.create_security_group(name="py-sg", description="py", stateful=True,
                                   inbound_default_policy="drop", outbound_default_policy="accept").security_group
    srv = api.create_server(commercial_type="DEV1-S", name="py-srv", image="ubuntu_jammy",
                            tags=["py"], security_group=sg.id, placement_group=pg.id,
                            dynamic_ip_required=False).server
    assert srv.commercial_type == "DEV1-S" and srv.name == "py-srv"
    assert srv.image is not None and srv.image.id
    assert srv.state == "stopped"
    assert srv.security_group.id == sg.id
    assert srv.placement_group is not None and srv.placement_group.id == pg.id
    assert "0" in srv.volumes

    listed = api.list_servers_all(tags=["py"], per_page=1)
    assert [s.id for s in listed] == [srv.id]

    api.server_action(server_id=srv.id, action=ServerAction.POWERON)
    s = api.wait_instance_server(server_id=srv.id, zone=client.default_zone).server
    assert s.state == "running"

    api.server_action(server_id=srv.id, action=ServerAction.POWEROFF)
    s = api.wait_instance_server(server_id=srv.id, zone=client.default_zone).server
    assert s.state == "stopped"

    # user data: text/plain PATCH per key, list, read back, replace all
    api.set_server_user_data(server_id=srv.id, key="cloud-init", content=b"#cloud-config\n")
    assert api.list_server_user_data(server_id=srv.id).user_data == ["cloud-init"]
    assert api.get_server_user_data(server_id=srv.id, key="cloud-init").content == b"#cloud-config\n"
    api.set_all_server_user_data(server_id=srv.id, user_data={"foo": b"bar"})
    assert api.get_all_server_user_data(server_id=srv.id).user_data == {"foo": b"bar"}

    # flexible IP attached then detached
    ip = api.create_ip(type_="routed_ipv4").ip
    assert ip.server is None
    ip = api.update_ip(ip=ip.id, server=srv.id).ip
    assert ip.server is not None and ip.server.id == srv.id
    assert [x.id for x in api.get_server(server_id=srv.id).server.public_ips] == [ip.id]
    api.update_ip(ip=ip.id, server=None)
    assert ip.id in {x.id for x in api.list_ips_all()}

    servers_in_pg = api.get_placement_group_servers(placement_group_id=pg.id).servers
    assert [x.id for x in servers_in_pg] == [srv.id]

    api.delete_server(server_id=srv.id)
    api.delete_ip(ip=ip.id)
    api.delete_placement_group(placement_group_id=pg.id)
    api.delete_security_group(security_group_id=sg.id)
    assert api.list_servers_all() == []


def test_volumes_snapshots_with_waiters(client):
    api = InstanceUtilsV1API(client)
    vol = api.create_volume(name="py-vol", volume_type="l_ssd", size=20_000_000_000).volume
    assert vol.size == 20_000_000_000 and vol.volume_type == "l_ssd"
    vol = wait_volume(api, vol.id)
    assert vol.state == "available"

    snap = api.create_snapshot(name="py-snap", volume_id=vol.id).snapshot
    assert snap.base_volume is not None and snap.base_volume.id == vol.id
    snap = wait_snapshot(api, snap.id)
    assert snap.state == "available" and snap.size == vol.size
    assert wait_volume(api, vol.id).state == "available"

    from_snap = api.create_volume(name="py-vol2", base_snapshot=snap.id, volume_type="l_ssd").volume
    assert wait_volume(api, from_snap.id).size == vol.size

    vols = api.list_volumes_all(per_page=1)
    assert {v.id for v in vols} == {vol.id, from_snap.id}
    assert [s.id for s in api.list_snapshots_all()] == [snap.id]

    api.delete_volume(volume_id=from_snap.id)
    api.delete_snapshot(snapshot_id=snap.id)
    api.delete_volume(volume_id=vol.id)
    assert api.list_volumes_all() == []


def test_security_group_rules(client):
    api = InstanceUtilsV1API(client)
    sg = api.create_security_group(name="py-sg-rules", description="rules", stateful=True).security_group
    r1 = api.create_security_group_rule(security_group_id=sg.id, protocol="TCP", direction="inbound",
                                        action="accept", ip_range="0.0.0.0/0", position=1, editable=True,
                                        dest_port_from=22).rule
    assert r1.dest_port_from == 22 and r1.protocol == "TCP" and r1.ip_range == "0.0.0.0/0"
    r2 = api.create_security_group_rule(security_group_id=sg.id, protocol="UDP", direction="outbound",
                                        action="drop", ip_range="10.0.0.0/8", position=2, editable=True,
                                        dest_port_from=1000, dest_port_to=2000).rule
    rules = api.list_security_group_rules_all(security_group_id=sg.id, per_page=1)
    editable = [r for r in rules if r.editable]
    assert [(r.id, r.position) for r in editable] == [(r1.id, 1), (r2.id, 2)]
    api.delete_security_group_rule(security_group_id=sg.id, security_group_rule_id=r1.id)
    rules = api.list_security_group_rules_all(security_group_id=sg.id)
    assert [r.id for r in rules if r.editable] == [r2.id]
    api.delete_security_group(security_group_id=sg.id)
