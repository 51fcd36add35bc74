"""VPC, IPAM, Public Gateway (v2) and Instance private NICs through the Python SDK."""
from scaleway.instance.v1.custom_api import InstanceUtilsV1API
from scaleway.ipam.v1 import IpamV1API
from scaleway.vpc.v2 import VpcV2API
from scaleway.vpcgw.v2 import SetPatRulesRequestRule, VpcgwV2API
from scaleway_core.utils import WaitForOptions

FAST = WaitForOptions(timeout=30, min_delay=1, max_delay=2)


def test_private_network_gateway_pat_and_ipam(client):
    vpc = VpcV2API(client)
    pn = vpc.create_private_network(name="py-pn", default_route_propagation_enabled=False,
                                    subnets=["172.16.4.0/22"], tags=["py"])
    assert pn.region == "fr-par" and pn.vpc_id
    assert [s.subnet for s in pn.subnets if s.subnet.startswith("172.")] == ["172.16.4.0/22"]
    assert pn.id in {p.id for p in vpc.list_private_networks_all(page_size=1)}
    vpcs = vpc.list_vp_cs_all()
    assert any(v.is_default and v.id == pn.vpc_id for v in vpcs)

    gw_api = VpcgwV2API(client)
    types = gw_api.list_gateway_types().types
    assert "VPC-GW-S" in {t.name for t in types}
    gw = gw_api.create_gateway(name="py-gw", type_="VPC-GW-S", enable_smtp=False, enable_bastion=False)
    gw = gw_api.wait_for_gateway(gateway_id=gw.id, options=FAST)
    assert gw.status == "running" and gw.ipv4 is not None and gw.ipv4.address

    gwn = gw_api.create_gateway_network(gateway_id=gw.id, private_network_id=pn.id,
                                        enable_masquerade=True, push_default_route=False)
    gwn = gw_api.wait_for_gateway_network(gateway_network_id=gwn.id, options=FAST)
    assert gwn.status == "ready" and gwn.private_network_id == pn.id
    assert gwn.ipam_ip_id and gwn.masquerade_enabled is True and gwn.mac_address

    # an Instance on the private network: its NIC gets an IPAM address
    inst = InstanceUtilsV1API(client)
    srv = inst.create_server(commercial_type="DEV1-S", name="py-pn-srv", image="ubuntu_jammy",
                             dynamic_ip_required=False).server
    nic = inst.create_private_nic(server_id=srv.id, private_network_id=pn.id).private_nic
    assert nic.private_network_id == pn.id and nic.mac_address

    ipam = IpamV1API(client)
    ips = ipam.list_i_ps_all(private_network_id=pn.id, page_size=1, is_ipv6=False)
    by_type = {ip.resource.type_: ip for ip in ips}
    assert "instance_private_nic" in by_type and "vpc_gateway_network" in by_type
    assert by_type["vpc_gateway_network"].id == gwn.ipam_ip_id
    nic_ip = by_type["instance_private_nic"]
    assert nic_ip.resource.id == nic.id and nic_ip.address.startswith("172.16.")
    only_nic = ipam.list_i_ps_all(resource_id=nic.id)
    assert sorted(ip.is_ipv6 for ip in only_nic) == [False, True]  # an IPv4 and an IPv6 address
    assert [ip.id for ip in only_nic if not ip.is_ipv6] == [nic_ip.id]
    private_ip = nic_ip.address.split("/")[0]

    rule = gw_api.create_pat_rule(gateway_id=gw.id, public_port=2222, private_ip=private_ip,
                                  private_port=22, protocol="tcp")
    assert (rule.public_port, rule.private_ip, rule.private_port, rule.protocol) == (2222, private_ip, 22, "tcp")
    assert [r.id for r in gw_api.list_pat_rules_all(gateway_ids=[gw.id])] == [rule.id]

    rule = gw_api.update_pat_rule(pat_rule_id=rule.id, public_port=2200, protocol="both")
    assert (rule.public_port, rule.protocol) == (2200, "both")
    rules = gw_api.set_pat_rules(gateway_id=gw.id, pat_rules=[
        SetPatRulesRequestRule(public_port=8080, private_ip=private_ip, private_port=80, protocol="tcp"),
        SetPatRulesRequestRule(public_port=5353, private_ip=private_ip, private_port=53, protocol="udp"),
    ]).pat_rules
    assert sorted((r.public_port, r.protocol) for r in rules) == [(5353, "udp"), (8080, "tcp")]
    assert {r.id for r in gw_api.list_pat_rules_all(gateway_ids=[gw.id], page_size=1)} == {r.id for r in rules}
    assert [n.id for n in gw_api.list_gateway_networks_all(gateway_ids=[gw.id])] == [gwn.id]
    for r in rules:
        gw_api.delete_pat_rule(pat_rule_id=r.id)
    inst.delete_private_nic(server_id=srv.id, private_nic_id=nic.id)
    inst.delete_server(server_id=srv.id)
    gw_api.delete_gateway_network(gateway_network_id=gwn.id)
    gw_api.delete_gateway(gateway_id=gw.id, delete_ip=True)
    vpc.delete_private_network(private_network_id=pn.id)
    assert gw_api.list_gateways_all() == []
    assert ipam.list_i_ps_all(private_network_id=pn.id) == []
