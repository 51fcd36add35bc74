"""Every list/get the suite does not otherwise reach, once with data in place: the SDK's
unmarshallers raise TypeError on a missing required field, so each call checks a shape."""
from scaleway.account.v3 import AccountV3ProjectAPI
from scaleway.block.v1 import BlockV1API
from scaleway.iam.v1alpha1 import IamV1Alpha1API
from scaleway.instance.v1.custom_api import InstanceUtilsV1API
from scaleway.ipam.v1 import IpamV1API
from scaleway.marketplace.v2 import MarketplaceV2API
from scaleway.vpc.v2 import VpcV2API
from scaleway.vpcgw.v2 import VpcgwV2API


def test_reads_unmarshal(client):
    inst = InstanceUtilsV1API(client)
    srv = inst.create_server(commercial_type="DEV1-S", name="shapes", image="ubuntu_jammy").server
    assert srv.dynamic_ip_required is True and srv.public_ips == []  # defaulted, added at poweron
    inst.server_action(server_id=srv.id, action="poweron")
    srv = inst.wait_instance_server(server_id=srv.id, zone="fr-par-1").server
    assert srv.state == "running"
    assert [ip.dynamic for ip in srv.public_ips] == [True] and srv.public_ip.address
    assert "poweroff" in inst.list_server_actions(server_id=srv.id).actions  # running
    assert inst.get_server_compatible_types(server_id=srv.id).compatible_types is not None
    assert inst.list_volumes_types().volumes
    assert inst.list_default_security_group_rules().rules
    assert inst.get_image(image_id=srv.image.id).image.id == srv.image.id
    # list_images always sends the default organization and project: public=True meets the
    # owner filter and finds none of the platform's images, as the SDK asks
    assert inst.list_images_all(public=True, per_page=50) == []
    sg = inst.list_security_groups_all()
    assert sg and all(g.id for g in sg)
    assert inst.get_security_group(security_group_id=srv.security_group.id).security_group.servers
    vol0 = next(iter(srv.volumes.values()))
    if vol0.volume_type == "sbs_volume":
        assert BlockV1API(client).get_volume(volume_id=vol0.id).references
    else:
        assert inst.get_volume(volume_id=vol0.id).volume.server.id == srv.id

    iam = IamV1Alpha1API(client)
    assert iam.list_users_all() is not None
    assert iam.list_groups_all() is not None
    keys = iam.list_api_keys_all()
    assert keys and iam.get_api_key(access_key=keys[0].access_key).access_key == keys[0].access_key
    assert iam.list_policies_all() is not None
    assert iam.list_applications_all() is not None

    acct = AccountV3ProjectAPI(client)
    assert acct.get_project(project_id=client.default_project_id).id == client.default_project_id

    mp = MarketplaceV2API(client)
    img = mp.list_images_all(include_eol=False)[0]
    versions = mp.list_versions_all(image_id=img.id)
    assert versions and mp.get_version(version_id=versions[0].id).id == versions[0].id
    cats = mp.list_categories_all()
    assert cats and mp.get_category(category_id=cats[0].id).id == cats[0].id
    li = mp.list_local_images_all(image_id=img.id, zone="fr-par-1")
    assert li and mp.get_local_image(local_image_id=li[0].id).id == li[0].id

    vpc = VpcV2API(client)
    pns = vpc.list_private_networks_all()
    assert pns is not None
    assert vpc.list_subnets_all() is not None
    assert IpamV1API(client).list_i_ps_all() is not None
    assert VpcgwV2API(client).list_i_ps_all() is not None
