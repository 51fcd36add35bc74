"""More Instance and IPAM through the Python SDK: server types, an extra block volume in the
create template, attach/detach of a volume, images from snapshots, security group updates and
bulk rule replacement, placement group membership, the dashboard, IPAM booking."""
from scaleway.block.v1 import BlockV1API, CreateVolumeRequestFromEmpty
from scaleway.instance.v1 import SetSecurityGroupRulesRequestRule, VolumeServerTemplate
from scaleway.instance.v1.custom_api import InstanceUtilsV1API
from scaleway.ipam.v1 import IpamV1API, Source
from scaleway.vpc.v2 import VpcV2API
from scaleway_core.utils import WaitForOptions

FAST = WaitForOptions(timeout=30, min_delay=1, max_delay=2)
GB = 1_000_000_000


def test_server_types_and_dashboard(client):
    api = InstanceUtilsV1API(client)
    types = api.list_servers_types(per_page=100).servers
    assert "DEV1-S" in types and types["DEV1-S"].ncpus == 2
    avail = api.get_server_types_availability().servers
    assert avail["DEV1-S"].availability in ("available", "scarce", "shortage")
    d = api.get_dashboard().dashboard
    assert d.servers_count == 0 and d.volumes_count == 0


def test_extra_volume_attach_detach_and_image(client):
    api = InstanceUtilsV1API(client)
    block = BlockV1API(client)
    srv = api.create_server(
        commercial_type="DEV1-S", name="py-vols", image="ubuntu_jammy", dynamic_ip_required=False,
        volumes={"0": VolumeServerTemplate(size=20 * GB, volume_type="sbs_volume"),
                 "1": VolumeServerTemplate(name="py-extra", size=10 * GB, volume_type="sbs_volume")},
    ).server
    assert sorted(srv.volumes) == ["0", "1"]
    extra_id = srv.volumes["1"].id
    assert srv.volumes["1"].volume_type == "sbs_volume"
    assert block.wait_for_volume(volume_id=extra_id, options=FAST).size == 10 * GB

    out = api.detach_server_volume(server_id=srv.id, volume_id=extra_id).server
    assert sorted(out.volumes) == ["0"]
    assert block.wait_for_volume(volume_id=extra_id, options=FAST).status == "available"

    other = block.create_volume(name="py-attach", perf_iops=5000,
                                from_empty=CreateVolumeRequestFromEmpty(size=5 * GB))
    block.wait_for_volume(volume_id=other.id, options=FAST)
    out = api.attach_server_volume(server_id=srv.id, volume_id=other.id, volume_type="sbs_volume").server
    assert {v.id for v in out.volumes.values()} == {srv.volumes["0"].id, other.id}
    assert block.wait_for_volume(volume_id=other.id, options=FAST).status == "in_use"

    # a server's PATCH replaces the whole volumes map
    out = api._update_server(server_id=srv.id, volumes={
        "0": VolumeServerTemplate(id=srv.volumes["0"].id, volume_type="sbs_volume"),
        "1": VolumeServerTemplate(id=extra_id, volume_type="sbs_volume")}).server
    assert {k: v.id for k, v in out.volumes.items()} == {"0": srv.volumes["0"].id, "1": extra_id}

    renamed = api._update_server(server_id=srv.id, name="py-vols-2", tags=["x", "y"]).server
    assert (renamed.name, renamed.tags) == ("py-vols-2", ["x", "y"])

    api._update_server(server_id=srv.id, volumes={
        "0": VolumeServerTemplate(id=srv.volumes["0"].id, volume_type="sbs_volume")})
    api.delete_server(server_id=srv.id)
    for vid in (srv.volumes["0"].id, extra_id, other.id):
        block.delete_volume(volume_id=vid)


def test_image_from_snapshot(client):
    api = InstanceUtilsV1API(client)
    vol = api.create_volume(name="py-root", volume_type="l_ssd", size=10 * GB).volume
    snap = api.create_snapshot(name="py-root-snap", volume_id=vol.id).snapshot
    img = api.create_image(name="py-img", root_volume=snap.id, arch="x86_64").image
    assert img.root_volume.id == snap.id and img.arch == "x86_64" and not img.public
    mine = api.list_images_all(public=False, per_page=1)
    assert [i.id for i in mine] == [img.id]
    api.delete_image(image_id=img.id)
    api.delete_snapshot(snapshot_id=snap.id)
    api.delete_volume(volume_id=vol.id)


def test_security_group_update_and_set_rules(client):
    api = InstanceUtilsV1API(client)
    sg = api.create_security_group(name="py-sg2", description="x", stateful=True).security_group
    sg = api.update_security_group(security_group_id=sg.id, name="py-sg2b", stateful=False,
                                   inbound_default_policy="drop", tags=["t"]).security_group
    assert (sg.name, sg.stateful, sg.inbound_default_policy, sg.tags) == ("py-sg2b", False, "drop", ["t"])
    rules = api.set_security_group_rules(security_group_id=sg.id, rules=[
        SetSecurityGroupRulesRequestRule(action="accept", protocol="TCP", direction="inbound",
                                         ip_range="0.0.0.0/0", dest_port_from=80, position=1, editable=True),
        SetSecurityGroupRulesRequestRule(action="accept", protocol="TCP", direction="inbound",
                                         ip_range="::/0", dest_port_from=443, position=2, editable=True),
    ]).rules
    # regression: the SDK's rule type defaults dest_port_to to 0, which means "a single port"
    assert [(r.dest_port_from, r.dest_port_to, r.position) for r in rules if r.editable] == \
        [(80, None, 1), (443, None, 2)]
    api.delete_security_group(security_group_id=sg.id)


def test_placement_group_membership(client):
    api = InstanceUtilsV1API(client)
    pg = api.create_placement_group(name="py-pg2", policy_type="low_latency").placement_group
    srv = api.create_server(commercial_type="DEV1-S", name="py-pg-srv", image="ubuntu_jammy",
                            dynamic_ip_required=False).server
    got = api.update_placement_group_servers(placement_group_id=pg.id, servers=[srv.id]).servers
    assert [s.id for s in got] == [srv.id]
    assert api.get_server(server_id=srv.id).server.placement_group.id == pg.id
    api.update_placement_group_servers(placement_group_id=pg.id, servers=[])
    assert api.get_server(server_id=srv.id).server.placement_group is None
    api.delete_server(server_id=srv.id)
    for v in srv.volumes.values():
        BlockV1API(client).delete_volume(volume_id=v.id) if v.volume_type == "sbs_volume" else None
    api.delete_placement_group(placement_group_id=pg.id)


def test_ipam_book_and_release(client):
    vpc = VpcV2API(client)
    pn = vpc.create_private_network(name="py-ipam", default_route_propagation_enabled=False,
                                    subnets=["192.168.10.0/24"])
    ipam = IpamV1API(client)
    ip = ipam.book_ip(source=Source(private_network_id=pn.id), is_ipv6=False, address="192.168.10.42")
    assert ip.address == "192.168.10.42/24" and ip.resource is None
    assert [i.id for i in ipam.list_i_ps_all(private_network_id=pn.id, attached=False, is_ipv6=False)] == [ip.id]
    ipam.release_ip(ip_id=ip.id)
    assert ipam.list_i_ps_all(private_network_id=pn.id, is_ipv6=False) == []
    vpc.delete_private_network(private_network_id=pn.id)
