"""The Python SDK's errors decoded from scwd's bodies.

scaleway-core 2.12.0 defines two classes: ScalewayException (every >= 400 answer; the decoded
body is in .response) and its subclass ValidationError (bodies whose message is
"Validation Error"). The Scaleway error types (not_found, permissions_denied, quotas_exceeded,
invalid_arguments, transient_state, precondition_failed) are read from the JSON body, so each
test checks the status, the class and the fields the other SDKs decode into typed errors.
This module runs with realistic lifecycle durations (so a transient state lasts) and a quota
of one Instance IP."""
import uuid

import pytest
from scaleway import Client
from scaleway.account.v3 import AccountV3ProjectAPI
from scaleway.block.v1 import BlockV1API, CreateVolumeRequestFromEmpty
from scaleway.iam.v1alpha1 import IamV1Alpha1API, RuleSpecs
from scaleway.instance.v1.custom_api import InstanceUtilsV1API
from scaleway_core.api import ScalewayException, ValidationError

SCWD_LIFECYCLE = "realistic"
SCWD_ARGS = ["--quota", "instance_ips=1"]


def body(exc: ScalewayException) -> dict:
    return exc.response.json()


def test_not_found(client):
    api = InstanceUtilsV1API(client)
    missing = str(uuid.uuid4())
    with pytest.raises(ScalewayException) as ei:
        api.get_server(server_id=missing)
    assert not isinstance(ei.value, ValidationError)
    assert ei.value.status_code == 404
    b = body(ei.value)
    assert b["type"] == "not_found"
    assert (b["resource"], b["resource_id"]) == ("instance_server", missing)
    assert missing in str(ei.value)

    with pytest.raises(ScalewayException) as ei:
        BlockV1API(client).get_volume(volume_id=missing)
    b = body(ei.value)
    assert ei.value.status_code == 404
    assert (b["type"], b["resource"], b["resource_id"]) == ("not_found", "volume", missing)


def test_invalid_arguments(client):
    with pytest.raises(ScalewayException) as ei:
        BlockV1API(client).create_volume(name="too-small", perf_iops=5000,
                                         from_empty=CreateVolumeRequestFromEmpty(size=1000))
    assert ei.value.status_code == 400
    b = body(ei.value)
    assert b["type"] == "invalid_arguments"
    assert b["message"] == "invalid argument(s)"
    assert [(d["argument_name"], d["reason"]) for d in b["details"]] == [("size", "constraint")]
    assert b["details"][0]["help_message"]


def test_quotas_exceeded(client):
    api = InstanceUtilsV1API(client)
    ip = api.create_ip(type_="routed_ipv4").ip
    with pytest.raises(ScalewayException) as ei:
        api.create_ip(type_="routed_ipv4")
    assert ei.value.status_code == 403
    b = body(ei.value)
    assert b["type"] == "quotas_exceeded"
    assert [(d["resource"], d["quota"], d["current"]) for d in b["details"]] == [("instance_ips", 1, 1)]
    assert b["details"][0]["organization_id"] == client.default_organization_id
    api.delete_ip(ip=ip.id)
    api.delete_ip(ip=api.create_ip(type_="routed_ipv4").ip.id)  # freed: allowed again


def test_transient_state(client, server):
    api = BlockV1API(client)
    vol = api.create_volume(name="busy", perf_iops=5000,
                            from_empty=CreateVolumeRequestFromEmpty(size=10_000_000_000))
    assert vol.status == "creating"
    with pytest.raises(ScalewayException) as ei:
        api.delete_volume(volume_id=vol.id)
    assert ei.value.status_code == 409
    b = body(ei.value)
    assert b["type"] == "transient_state"
    assert (b["resource"], b["resource_id"], b["current_state"]) == ("volume", vol.id, "creating")
    server.advance(600)
    assert api.get_volume(volume_id=vol.id).status == "available"
    api.delete_volume(volume_id=vol.id)


def test_precondition_failed(client):
    api = AccountV3ProjectAPI(client)
    with pytest.raises(ScalewayException) as ei:
        api.delete_project(project_id=client.default_project_id)
    assert ei.value.status_code == 412
    b = body(ei.value)
    assert b["type"] == "precondition_failed"
    assert b["precondition"] == "resource_still_in_use"
    assert b["help_message"]


def test_permissions_denied_for_a_restricted_key(client, monkeypatch):
    iam = IamV1Alpha1API(client)
    app = iam.create_application(name="py-readonly", description="")
    iam.create_policy(name="ro", description="", application_id=app.id,
                      rules=[RuleSpecs(condition="", permission_set_names=["InstancesReadOnly"],
                                       project_ids=[client.default_project_id])])
    key = iam.create_api_key(application_id=app.id, description="",
                             default_project_id=client.default_project_id)
    monkeypatch.setenv("SCW_ACCESS_KEY", key.access_key)
    monkeypatch.setenv("SCW_SECRET_KEY", key.secret_key)
    restricted = InstanceUtilsV1API(Client.from_env())
    assert restricted.list_servers_all() == []  # reading is allowed
    with pytest.raises(ScalewayException) as ei:
        restricted.create_ip(type_="routed_ipv4")
    assert ei.value.status_code == 403
    b = body(ei.value)
    assert b["type"] == "permissions_denied"
    assert b["message"] == "insufficient permissions"
    assert b["details"] == [{"action": "write", "resource": "instance"}]


def test_wait_for_volume_polls_through_the_transient_state(client):
    # Realistic durations here: the SDK's waiter must see "creating" and keep polling.
    from scaleway_core.utils import WaitForOptions

    api = BlockV1API(client)
    vol = api.create_volume(name="slow", perf_iops=15000,
                            from_empty=CreateVolumeRequestFromEmpty(size=5_000_000_000))
    assert vol.status == "creating"
    seen = []

    def stop(v):
        seen.append(v.status)
        return v.status == "available"

    done = api.wait_for_volume(volume_id=vol.id,
                               options=WaitForOptions(timeout=60, min_delay=1, max_delay=2, stop=stop))
    assert done.status == "available" and done.specs.perf_iops == 15000
    assert seen[0] == "creating" and seen[-1] == "available"
    api.delete_volume(volume_id=vol.id)
