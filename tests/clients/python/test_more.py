"""More IAM, VPC, Public Gateway and Block calls through the Python SDK: updates, bulk rule
replacement, clones, filters with Python booleans, gateway IPs."""
from datetime import datetime, timedelta, timezone

from scaleway.block.v1 import BlockV1API, CreateVolumeRequestFromEmpty
from scaleway.iam.v1alpha1 import IamV1Alpha1API, RuleSpecs
from scaleway.instance.v1.custom_api import InstanceUtilsV1API
from scaleway.vpc.v2 import VpcV2API
from scaleway.vpcgw.v2 import VpcgwV2API
from scaleway_core.utils import WaitForOptions

FAST = WaitForOptions(timeout=30, min_delay=1, max_delay=2)


def test_iam_updates_set_rules_clone_and_filters(client):
    iam = IamV1Alpha1API(client)
    sets = iam.list_permission_sets_all(page_size=10)
    names = {p.name for p in sets}
    assert {"InstancesReadOnly", "AllProductsFullAccess"} <= names
    assert len(sets) == len(names) > 10

    app = iam.update_application(application_id=iam.create_application(name="a", description="").id,
                                 name="py-app2", description="new", tags=["x"])
    assert (app.name, app.description, app.tags) == ("py-app2", "new", ["x"])

    pol = iam.create_policy(name="py-p2", description="", no_principal=True)
    assert pol.no_principal is True and pol.application_id is None
    got = iam.set_rules(policy_id=pol.id, rules=[
        RuleSpecs(condition="", permission_set_names=["VPCFullAccess"], project_ids=[client.default_project_id]),
        # project_ids defaults to [] in the SDK's dataclass and wins its one-of: pass None
        RuleSpecs(condition="", permission_set_names=["IAMReadOnly"], project_ids=None,
                  organization_id=client.default_organization_id),
    ]).rules
    assert sorted(r.permission_set_names[0] for r in got) == ["IAMReadOnly", "VPCFullAccess"]
    org_rule = next(r for r in got if r.permission_set_names == ["IAMReadOnly"])
    assert org_rule.organization_id == client.default_organization_id and not org_rule.project_ids
    pol = iam.update_policy(policy_id=pol.id, application_id=app.id, name="py-p2b")
    assert pol.application_id == app.id and pol.no_principal is False and pol.name == "py-p2b"
    clone = iam.clone_policy(policy_id=pol.id)
    assert clone.id != pol.id and len(iam.list_rules_all(policy_id=clone.id)) == 2

    exp = (datetime.now(timezone.utc) + timedelta(days=3)).replace(microsecond=0)
    key = iam.create_api_key(application_id=app.id, description="k", expires_at=exp)
    assert key.expires_at == exp
    key = iam.update_api_key(access_key=key.access_key, description="k2")
    assert key.description == "k2"
    # Python booleans travel as "True"/"False" in the query string
    assert [k.access_key for k in iam.list_api_keys_all(application_id=app.id, expired=False, editable=True)] == [key.access_key]
    assert iam.list_api_keys_all(application_id=app.id, expired=True) == []

    grp = iam.create_group(name="py-g2", description="")
    grp = iam.set_group_members(group_id=grp.id, user_ids=[], application_ids=[app.id])
    assert grp.application_ids == [app.id]
    grp = iam.update_group(group_id=grp.id, name="py-g2b", tags=["t"])
    assert (grp.name, grp.tags) == ("py-g2b", ["t"])

    quota = iam.list_quota_all(page_size=5)
    assert any(q.name == "iam_api_keys" for q in quota) or len(quota) > 0


def test_vpc_and_gateway_updates(client):
    vpc = VpcV2API(client)
    v = vpc.create_vpc(name="py-vpc", enable_routing=True, enable_transitivity=False, tags=["a"])
    assert not v.is_default and v.routing_enabled
    v = vpc.update_vpc(vpc_id=v.id, name="py-vpc2", tags=["b"])
    assert (v.name, v.tags) == ("py-vpc2", ["b"])
    pn = vpc.create_private_network(name="py-pn2", vpc_id=v.id, default_route_propagation_enabled=True)
    assert pn.vpc_id == v.id and len(pn.subnets) == 2
    pn = vpc.update_private_network(private_network_id=pn.id, name="py-pn2b")
    assert pn.name == "py-pn2b"
    assert [p.id for p in vpc.list_private_networks_all(vpc_id=v.id, dhcp_enabled=True)] == [pn.id]

    gw = VpcgwV2API(client)
    ip = gw.create_ip(tags=["gw"])
    assert ip.address and ip.gateway_id is None
    g = gw.create_gateway(name="py-gw2", type_="VPC-GW-S", enable_smtp=False, enable_bastion=True,
                          bastion_port=61000, ip_id=ip.id)
    g = gw.wait_for_gateway(gateway_id=g.id, options=FAST)
    assert g.ipv4.id == ip.id and g.bastion_enabled and g.bastion_port == 61000
    g = gw.update_gateway(gateway_id=g.id, name="py-gw2b", enable_smtp=True)
    g = gw.wait_for_gateway(gateway_id=g.id, options=FAST)
    assert (g.name, g.smtp_enabled, g.status) == ("py-gw2b", True, "running")
    assert [x.id for x in gw.list_gateways_all(page_size=1, name="py-gw2b")] == [g.id]
    gw.delete_gateway(gateway_id=g.id, delete_ip=False)
    assert gw.get_ip(ip_id=ip.id).gateway_id is None
    gw.delete_ip(ip_id=ip.id)
    vpc.delete_private_network(private_network_id=pn.id)
    vpc.delete_vpc(vpc_id=v.id)


def test_block_snapshot_update_and_instance_private_nics_listing(client):
    block = BlockV1API(client)
    vol = block.wait_for_volume(volume_id=block.create_volume(
        name="v", perf_iops=5000, from_empty=CreateVolumeRequestFromEmpty(size=5_000_000_000)).id, options=FAST)
    snap = block.wait_for_snapshot(snapshot_id=block.create_snapshot(volume_id=vol.id, public=False, name="s").id,
                                   options=FAST)
    snap = block.update_snapshot(snapshot_id=snap.id, name="s2", tags=["z"])
    assert (snap.name, snap.tags) == ("s2", ["z"])
    block.delete_snapshot(snapshot_id=snap.id)
    block.delete_volume(volume_id=vol.id)

    inst = InstanceUtilsV1API(client)
    pn = VpcV2API(client).create_private_network(name="nics", default_route_propagation_enabled=False)
    srv = inst.create_server(commercial_type="DEV1-S", name="nics", image="ubuntu_jammy", dynamic_ip_required=False).server
    nic = inst.create_private_nic(server_id=srv.id, private_network_id=pn.id, tags=["n"]).private_nic
    nics = inst.list_private_ni_cs_all(server_id=srv.id, per_page=1)
    assert [(n.id, n.tags) for n in nics] == [(nic.id, ["n"])]
    assert inst.get_private_nic(server_id=srv.id, private_nic_id=nic.id).private_nic.state in ("available", "syncing")
    inst.delete_private_nic(server_id=srv.id, private_nic_id=nic.id)
    inst.delete_server(server_id=srv.id)
