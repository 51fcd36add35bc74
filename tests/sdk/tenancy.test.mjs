// Several organizations in one scwd: the operator (the bootstrapped organization's Owner) creates
// another organization with POST /_scwd/organizations; the new tenant's Owner may not make the
// operator's calls (clock, organizations, routes), explains only its own keys, and neither
// organization can read, list, change or delete the other's resources through the public API.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Accountv3 } from '@scaleway/sdk-account';
import { Blockv1alpha1 } from '@scaleway/sdk-block';
import { Iamv1alpha1 } from '@scaleway/sdk-iam';
import { Instancev1 } from '@scaleway/sdk-instance';
import { Vpcv2 } from '@scaleway/sdk-vpc';

import { ACCESS_KEY_RE, UUID_RE, makeClient, raw, show, startServer, tag } from './lib/harness.mjs';
import { sshPublicKey } from './lib/iam.mjs';

const Z = '/instance/v1/zones/fr-par-1';
const OPERATOR_DENIED = { type: 'permissions_denied', message: 'insufficient permissions', details: [{ action: 'admin', resource: 'scwd_operator' }] };

let server;
let image;
const orgs = {}; // operator / tenant: {creds, client, token}

function tenantOf(created) {
  return {
    accessKey: created.access_key,
    secretKey: created.secret_key,
    organizationId: created.organization_id,
    projectId: created.project_id,
  };
}

function clientOf(creds) {
  return makeClient(server, {
    accessKey: creds.accessKey,
    secretKey: creds.secretKey,
    defaultOrganizationId: creds.organizationId,
    defaultProjectId: creds.projectId,
  });
}

before(async () => {
  server = await startServer({ args: ['--lifecycle-speed', 'instant'] });
  const r = await raw(server, 'POST', '/_scwd/organizations', { body: { name: 'tenant-two' } });
  assert.equal(r.status, 200, show(r));
  orgs.operator = { creds: server.creds, client: makeClient(server), token: { token: server.creds.secretKey } };
  const t = tenantOf(r.json);
  orgs.tenant = { creds: t, client: clientOf(t), token: { token: t.secretKey }, created: r.json };
  const img = await raw(server, 'GET', '/marketplace/v2/local-images?image_label=ubuntu_jammy&zone=fr-par-1&type=instance_local&arch=x86_64');
  image = img.json.local_images.find((i) => i.arch === 'x86_64' && i.type === 'instance_local').id;
});

after(async () => {
  if (server) await server.stop();
});

describe('POST /_scwd/organizations (the operator)', () => {
  it('creates an organization with its default project, Owner and key; the secret is shown once', async () => {
    const c = orgs.tenant.created;
    assert.deepEqual(Object.keys(c).sort(), ['access_key', 'email', 'name', 'organization_id', 'project_id', 'secret_key', 'user_id']);
    assert.match(c.organization_id, UUID_RE);
    assert.equal(c.project_id, c.organization_id);
    assert.match(c.user_id, UUID_RE);
    assert.match(c.access_key, ACCESS_KEY_RE);
    assert.match(c.secret_key, UUID_RE);
    assert.equal(c.name, 'tenant-two');
    assert.notEqual(c.organization_id, server.creds.organizationId);
    // The key works; its bearer is the new organization's Owner, not the operator.
    const who = await raw(server, 'GET', '/_scwd/whoami', orgs.tenant.token);
    assert.equal(who.status, 200, show(who));
    assert.deepEqual(who.json, { access_key: c.access_key, bearer_type: 'user', bearer_id: c.user_id, organization_id: c.organization_id, owner: true, operator: false });
    const me = await raw(server, 'GET', '/_scwd/whoami');
    assert.equal(me.json.operator, true);
    const projects = await new Accountv3.ProjectAPI(orgs.tenant.client).listProjects({ organizationId: c.organization_id });
    assert.deepEqual(projects.projects.map((p) => [p.id, p.name]), [[c.organization_id, 'default']]);
    const iam = new Iamv1alpha1.API(orgs.tenant.client);
    const owner = await iam.getUser({ userId: c.user_id });
    assert.equal(owner.type, 'owner');
    assert.equal(owner.organizationId, c.organization_id);
    assert.equal(owner.email, c.email);
    const key = await iam.getAPIKey({ accessKey: c.access_key });
    assert.ok(!key.secretKey, "the secret is not shown again");
    assert.equal(key.userId, c.user_id);
    // Never logged, and not stored in clear (the store keeps its hash).
    assert.ok(!server.stdout().includes(c.secret_key) && !server.stderr().includes(c.secret_key));
  });

  it('a given email; a taken email is 409; bad input is 400', async () => {
    const email = `boss-${tag()}@example.com`;
    const r = await raw(server, 'POST', '/_scwd/organizations', { body: { name: 'three', email } });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.email, email);
    const again = await raw(server, 'POST', '/_scwd/organizations', { body: { name: 'four', email: email.toUpperCase() } });
    assert.equal(again.status, 409, show(again));
    assert.equal(again.json.type, 'already_exists');
    for (const body of [{}, { name: '' }, { name: 'x'.repeat(65) }, { name: 'ok', email: 'not-an-email' }, { name: 3 }]) {
      const bad = await raw(server, 'POST', '/_scwd/organizations', { body });
      assert.equal(bad.status, 400, `${JSON.stringify(body)}: ${show(bad)}`);
      assert.equal(bad.json.type, 'invalid_arguments');
    }
  });
});

describe('a tenant Owner on the admin plane', () => {
  it('gets 403 on the operator calls, and the clock does not move', async () => {
    const before = await raw(server, 'GET', '/_scwd/clock');
    assert.equal(before.status, 200, show(before));
    const calls = [
      ['POST', '/_scwd/clock/advance', { seconds: 3600 }],
      ['GET', '/_scwd/clock'],
      ['POST', '/_scwd/organizations', { name: 'sneaky' }],
      ['GET', '/_scwd/routes'],
      ['GET', '/_scwd/nothing-here'],
      ['DELETE', '/_scwd/whoami'],
      ['POST', '/_scwd/clock/advance', 'not json'],
    ];
    for (const [method, path, body] of calls) {
      const r = await raw(server, method, path, { ...orgs.tenant.token, body });
      assert.equal(r.status, 403, `${method} ${path}: ${show(r)}`);
      assert.deepEqual(r.json, OPERATOR_DENIED, `${method} ${path}`);
    }
    const after = await raw(server, 'GET', '/_scwd/clock');
    assert.equal(after.json.offset_seconds, before.json.offset_seconds);
    // The operator may, and learns which paths exist.
    assert.equal((await raw(server, 'POST', '/_scwd/clock/advance', { body: { seconds: 1 } })).status, 200);
    assert.equal((await raw(server, 'GET', '/_scwd/nothing-here')).status, 404);
  });

  it('explains its own keys; another organization\'s key is answered as a key that does not exist', async () => {
    const explain = (ak, path, tok) => raw(server, 'GET', `/_scwd/iam/explain?access_key=${ak}&method=GET&path=${encodeURIComponent(path)}`, tok);
    const t = orgs.tenant.creds;
    const own = await explain(t.accessKey, `/account/v3/projects/${t.projectId}`, orgs.tenant.token);
    assert.equal(own.status, 200, show(own));
    assert.equal(own.json.allowed, true);
    assert.equal(own.json.owner, true);
    assert.equal(own.json.bearer_id, orgs.tenant.created.user_id);

    const path = `/account/v3/projects/${server.creds.projectId}`;
    const other = await explain(server.creds.accessKey, path, orgs.tenant.token);
    assert.equal(other.status, 200, show(other));
    const unknownKey = `SCW${crypto.randomBytes(16).toString('hex').toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 17)}`;
    const none = await explain(unknownKey, path, orgs.tenant.token);
    assert.deepEqual({ ...other.json, access_key: 'k' }, { ...none.json, access_key: 'k' });
    assert.equal(other.json.allowed, false);
    assert.equal(other.json.error.reason, 'not_found');
    assert.equal(other.json.bearer_id, undefined);

    // The operator explains any organization's key.
    const op = await explain(t.accessKey, `/account/v3/projects/${t.projectId}`, orgs.operator.token);
    assert.equal(op.json.allowed, true);
    assert.equal(op.json.bearer_id, orgs.tenant.created.user_id);
  });
});

// One resource of each main product, made by `org` through the SDK; `get`, `list` (key) and
// `patch` are the raw calls the other organization tries.
async function makeResources(org) {
  const c = org.client;
  const n = `x-${tag()}`;
  const project = await new Accountv3.ProjectAPI(c).createProject({ name: n, description: 'keep' });
  const instance = new Instancev1.API(c);
  const sg = (await instance.createSecurityGroup({ name: n, description: 'keep', stateful: true, inboundDefaultPolicy: 'accept', outboundDefaultPolicy: 'accept' })).securityGroup;
  const pg = (await instance.createPlacementGroup({ name: n, policyType: 'max_availability', policyMode: 'optional' })).placementGroup;
  const ip = (await instance.createIp({ type: 'routed_ipv4' })).ip;
  const srv = (await instance.createServer({ name: n, commercialType: 'DEV1-S', image })).server;
  const vol = await new Blockv1alpha1.API(c).createVolume({ name: n, fromEmpty: { size: 20_000_000_000 }, perfIops: 5000 });
  const pn = await new Vpcv2.API(c).createPrivateNetwork({ region: 'fr-par', name: n, defaultRoutePropagationEnabled: false });
  const iam = new Iamv1alpha1.API(c);
  const app = await iam.createApplication({ name: n, description: 'keep' });
  const ssh = await iam.createSSHKey({ name: n, publicKey: sshPublicKey().line });
  const user = await iam.createUser({ email: `${n}@example.com` });
  return [
    { what: 'project', id: project.id, path: `/account/v3/projects/${project.id}`, list: ['/account/v3/projects', 'projects'], patch: { description: 'taken' } },
    { what: 'security group', id: sg.id, path: `${Z}/security_groups/${sg.id}`, list: [`${Z}/security_groups`, 'security_groups'], patch: { description: 'taken' } },
    { what: 'placement group', id: pg.id, path: `${Z}/placement_groups/${pg.id}`, list: [`${Z}/placement_groups`, 'placement_groups'], patch: { name: 'taken' } },
    { what: 'instance ip', id: ip.id, path: `${Z}/ips/${ip.id}`, list: [`${Z}/ips`, 'ips'], patch: { tags: ['taken'] } },
    { what: 'server', id: srv.id, path: `${Z}/servers/${srv.id}`, list: [`${Z}/servers`, 'servers'], patch: { name: 'taken' } },
    { what: 'block volume', id: vol.id, path: `/block/v1alpha1/zones/fr-par-1/volumes/${vol.id}`, list: ['/block/v1alpha1/zones/fr-par-1/volumes', 'volumes'], patch: { name: 'taken' } },
    { what: 'private network', id: pn.id, path: `/vpc/v2/regions/fr-par/private-networks/${pn.id}`, list: ['/vpc/v2/regions/fr-par/private-networks', 'private_networks'], patch: { name: 'taken' } },
    { what: 'iam application', id: app.id, path: `/iam/v1alpha1/applications/${app.id}`, list: ['/iam/v1alpha1/applications', 'applications'], patch: { description: 'taken' } },
    { what: 'ssh key', id: ssh.id, path: `/iam/v1alpha1/ssh-keys/${ssh.id}`, list: ['/iam/v1alpha1/ssh-keys', 'ssh_keys'], patch: { name: 'taken' } },
    { what: 'iam user', id: user.id, path: `/iam/v1alpha1/users/${user.id}`, list: ['/iam/v1alpha1/users', 'users'], patch: { tags: ['taken'] } },
  ];
}

describe('tenants do not reach each other through the public API', () => {
  for (const [ownerName, intruderName] of [['operator', 'tenant'], ['tenant', 'operator']]) {
    it(`the ${intruderName} cannot read, list, change or delete the ${ownerName}'s resources`, async () => {
      const owner = orgs[ownerName];
      const intruder = orgs[intruderName];
      const resources = await makeResources(owner);
      const seen = {};
      for (const r of resources) {
        const mine = await raw(server, 'GET', r.path, owner.token);
        assert.equal(mine.status, 200, `${r.what}: ${show(mine)}`);
        seen[r.what] = mine.text;
      }
      for (const r of resources) {
        const get = await raw(server, 'GET', r.path, intruder.token);
        assert.ok([403, 404].includes(get.status), `GET ${r.what}: ${show(get)}`);
        assert.ok(!get.text.includes('keep') && !get.text.includes('"name":"x-'), `GET ${r.what} leaks: ${show(get)}`);
        const list = await raw(server, 'GET', r.list[0], intruder.token);
        assert.equal(list.status, 200, `list ${r.what}: ${show(list)}`);
        assert.ok(Array.isArray(list.json[r.list[1]]), `list ${r.what}: ${show(list)}`);
        assert.ok(!list.text.includes(r.id), `list of ${r.what} shows the other organization's: ${show(list)}`);
        const patch = await raw(server, 'PATCH', r.path, { ...intruder.token, body: r.patch });
        assert.ok([403, 404].includes(patch.status), `PATCH ${r.what}: ${show(patch)}`);
        const del = await raw(server, 'DELETE', r.path, intruder.token);
        assert.ok([403, 404].includes(del.status), `DELETE ${r.what}: ${show(del)}`);
      }
      // Nothing changed.
      for (const r of resources) {
        const mine = await raw(server, 'GET', r.path, owner.token);
        assert.equal(mine.status, 200, `${r.what} after: ${show(mine)}`);
        assert.equal(mine.text, seen[r.what], `${r.what} was changed by the other organization`);
      }
      // Creating in the other organization's project, or filtering a list on it, is refused.
      const project = owner.creds.projectId;
      const sg = await raw(server, 'POST', `${Z}/security_groups`, { ...intruder.token, body: { name: 'in', project, stateful: true, inbound_default_policy: 'accept', outbound_default_policy: 'accept' } });
      assert.equal(sg.status, 403, show(sg));
      const pn = await raw(server, 'POST', '/vpc/v2/regions/fr-par/private-networks', { ...intruder.token, body: { name: 'in', project_id: project } });
      assert.equal(pn.status, 403, show(pn));
      const byProject = await raw(server, 'GET', `${Z}/servers?project=${project}`, intruder.token);
      assert.ok(byProject.status === 403 || (byProject.status === 200 && byProject.json.servers.length === 0), show(byProject));
      const byOrg = await raw(server, 'GET', `/account/v3/projects?organization_id=${owner.creds.organizationId}`, intruder.token);
      assert.ok(byOrg.status === 403 || (byOrg.status === 200 && byOrg.json.projects.length === 0), show(byOrg));
      // The other organization's Owner and API keys are not listed.
      const keys = await raw(server, 'GET', '/iam/v1alpha1/api-keys', intruder.token);
      assert.equal(keys.status, 200, show(keys));
      assert.ok(!keys.text.includes(owner.creds.accessKey), show(keys));
    });
  }
});
