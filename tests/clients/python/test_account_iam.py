"""Account projects and IAM through the Python SDK (scaleway.account.v3, scaleway.iam.v1alpha1)."""
from scaleway.account.v3 import AccountV3ProjectAPI
from scaleway.iam.v1alpha1 import IamV1Alpha1API, RuleSpecs

SSH_PUB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMemc8HAyrV7l+XqF00/sgctKr3xz6oF+A/ihCWptKV2 py@scwd"


def test_projects_create_list_paging_update_delete(client):
    api = AccountV3ProjectAPI(client)
    created = [api.create_project(name=f"py-proj-{i}", description=f"d{i}") for i in range(5)]
    for p in created:
        assert p.organization_id == client.default_organization_id
        assert p.description.startswith("d")
    # list_*_all walks every page: page_size 2 over 6 projects (the default one + 5).
    every = api.list_projects_all(page_size=2)
    names = {p.name for p in every}
    assert {f"py-proj-{i}" for i in range(5)} <= names
    assert len(every) == len({p.id for p in every}) == 6
    one_page = api.list_projects(page_size=2, page=1)
    assert len(one_page.projects) == 2 and one_page.total_count == 6

    upd = api.update_project(project_id=created[0].id, name="py-renamed", description="new")
    assert (upd.name, upd.description) == ("py-renamed", "new")
    assert api.get_project(project_id=created[0].id).name == "py-renamed"
    # lists travel as repeated query keys (project_ids=a&project_ids=b)
    two = api.list_projects_all(project_ids=[created[1].id, created[2].id], page_size=1)
    assert sorted(p.id for p in two) == sorted([created[1].id, created[2].id])
    filtered = api.list_projects_all(name="py-renamed")
    assert [p.id for p in filtered] == [created[0].id]

    for p in created:
        api.delete_project(project_id=p.id)
    assert len(api.list_projects_all()) == 1


def test_iam_application_policy_rules_api_key_group_ssh_key(client):
    iam = IamV1Alpha1API(client)
    app = iam.create_application(name="py-app", description="python sdk", tags=["a"])
    assert app.organization_id == client.default_organization_id and app.tags == ["a"]

    pol = iam.create_policy(
        name="py-policy",
        description="read instances",
        application_id=app.id,
        rules=[RuleSpecs(condition="", permission_set_names=["InstancesReadOnly"],
                         project_ids=[client.default_project_id])],
    )
    assert pol.application_id == app.id
    rules = iam.list_rules_all(policy_id=pol.id)
    assert len(rules) == 1
    assert rules[0].permission_set_names == ["InstancesReadOnly"]
    assert rules[0].project_ids == [client.default_project_id]
    assert [p.id for p in iam.list_policies_all(application_ids=[app.id])] == [pol.id]

    key = iam.create_api_key(application_id=app.id, description="py key",
                             default_project_id=client.default_project_id)
    assert key.access_key.startswith("SCW") and len(key.access_key) == 20
    assert key.secret_key and key.application_id == app.id
    got = iam.get_api_key(access_key=key.access_key)
    assert got.secret_key is None and got.application_id == app.id

    grp = iam.create_group(name="py-group", description="g")
    grp = iam.add_group_member(group_id=grp.id, application_id=app.id)
    assert grp.application_ids == [app.id]
    assert [g.id for g in iam.list_groups_all(application_ids=[app.id])] == [grp.id]

    ssh = iam.create_ssh_key(name="py-ssh", public_key=SSH_PUB, project_id=client.default_project_id)
    assert ssh.fingerprint and ssh.public_key.startswith("ssh-ed25519 ")
    assert ssh.id in {k.id for k in iam.list_ssh_keys_all()}

    iam.delete_ssh_key(ssh_key_id=ssh.id)
    iam.delete_group(group_id=grp.id)
    iam.delete_api_key(access_key=key.access_key)
    iam.delete_policy(policy_id=pol.id)
    iam.delete_application(application_id=app.id)
    assert app.id not in {a.id for a in iam.list_applications_all()}


def test_profile_from_config_file_with_api_url(server, tmp_path, monkeypatch):
    # A config.yaml profile whose api_url points at scwd; no SCW_* credentials in the environment.
    from scaleway import Client

    env = server.env
    cfg = tmp_path / "config.yaml"
    cfg.write_text(
        "profiles:\n"
        "  scwd:\n"
        f"    access_key: {env['SCW_ACCESS_KEY']}\n"
        f"    secret_key: {env['SCW_SECRET_KEY']}\n"
        f"    api_url: {server.url}\n"
        f"    default_organization_id: {env['SCW_DEFAULT_ORGANIZATION_ID']}\n"
        f"    default_project_id: {env['SCW_DEFAULT_PROJECT_ID']}\n"
        "    default_region: fr-par\n"
        "    default_zone: fr-par-1\n"
    )
    for k in list(env):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("SCW_CONFIG_PATH", str(cfg))
    # profile_name's default is read from SCW_PROFILE when the SDK is imported: pass it.
    c = Client.from_config_file_and_env(profile_name="scwd")
    assert c.api_url == server.url and c.secret_key == env["SCW_SECRET_KEY"]
    projects = AccountV3ProjectAPI(c).list_projects_all()
    assert env["SCW_DEFAULT_PROJECT_ID"] in {p.id for p in projects}
