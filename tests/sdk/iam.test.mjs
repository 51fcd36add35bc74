// IAM v1alpha1 end to end through the official JS SDK (@scaleway/sdk-iam 1.6.0): every one of
// its 71 operations (checked at the end), exact shapes from the recordings of the real API,
// filters, order_by, pagination, error bodies, and "bad input changes nothing".

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Accountv3 } from '@scaleway/sdk-account';
import { Iamv1alpha1 } from '@scaleway/sdk-iam';
import { Errors } from '@scaleway/sdk-client';

import { UUID_RE, caught, makeClient, raw, show, startServer, tag } from './lib/harness.mjs';
import { TS_RE, assertInvalidArguments, assertNotFound, assertPreconditionFailed, assertDenied } from './lib/shapes.mjs';
import {
  JWT_KEYS,
  LOG_KEYS,
  ORGANIZATION_KEYS,
  PERMISSION_SET_KEYS,
  QUOTUM_KEYS,
  SAML_KEYS,
  SECURITY_KEYS,
  SSH_KEY_KEYS,
  assertApiKey,
  assertApplication,
  assertGroup,
  assertKeys,
  assertPolicy,
  assertRule,
  assertUser,
  iamApi,
  selfSignedCertificate,
  sessionClient,
  sshPublicKey,
  totp,
} from './lib/iam.mjs';

const I = '/iam/v1alpha1';

let server;
let iam; // the Owner's API, wrapped to record which SDK operations ran
let org;
let projects;
const called = new Set();

function recording(api) {
  return new Proxy(api, {
    get(target, prop) {
      const v = target[prop];
      if (typeof v === 'function' && typeof prop === 'string' && !prop.startsWith('pageOf')) {
        return (...args) => {
          called.add(prop);
          return v(...args);
        };
      }
      return v;
    },
  });
}

before(async () => {
  server = await startServer({ env: { SCWD_QUOTA_PROJECTS: '1000' } });
  iam = recording(iamApi(makeClient(server)));
  projects = new Accountv3.ProjectAPI(makeClient(server));
  org = server.creds.organizationId;
});

after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly: ${JSON.stringify(r)}\n${server.logs().slice(-3000)}`);
  }
});

function member(t = tag()) {
  return {
    email: `user-${t}@example.com`, username: `user-${t}`, password: 'S3cret-pass!', firstName: 'Ada',
    lastName: t, phoneNumber: '', locale: '', sendPasswordEmail: false, sendWelcomeEmail: false,
  };
}

// ---------------------------------------------------------------------------------------------

describe('users', () => {
  let m; // a member
  let owner;

  it('the Owner: type owner, not deletable, its own account root', async () => {
    const list = await iam.listUsers({ type: 'owner' });
    assert.equal(list.totalCount, 1);
    owner = list.users[0];
    assert.equal(owner.type, 'owner');
    assert.equal(owner.deletable, false);
    assert.equal(owner.accountRootUserId, owner.id);
    const r = await raw(server, 'GET', `${I}/users/${owner.id}`);
    assert.equal(r.status, 200, show(r));
    assertUser(r.json);
  });

  it('create a member: recorded defaults (locale en_US, activated, no MFA, not locked)', async () => {
    const t = tag();
    const r = await raw(server, 'POST', `${I}/users`, {
      body: { organization_id: org, tags: [], member: { ...snake(member(t)) } },
    });
    assert.equal(r.status, 200, show(r));
    assertUser(r.json);
    assert.equal(r.json.type, 'member');
    assert.equal(r.json.locale, 'en_US');
    assert.equal(r.json.status, 'activated');
    assert.equal(r.json.account_root_user_id, '');
    assert.equal(r.json.last_login_at, null);
    assert.equal(r.json.deletable, true);
    assert.ok(!('password' in r.json) && !r.text.includes('S3cret'), 'the password never comes back');
    m = r.json;
  });

  it('invite a guest by email (createUser with email only): invitation pending', async () => {
    const u = await iam.createUser({ email: `guest-${tag()}@example.com`, tags: ['guest'] });
    assert.equal(u.type, 'member');
    assert.equal(u.status, 'invitation_pending');
    assert.deepEqual(u.tags, ['guest']);
  });

  it('create: email and member together, neither, bad email, duplicate email -> errors, nothing created', async () => {
    const before1 = (await iam.listUsers()).totalCount;
    assertInvalidArguments(await raw(server, 'POST', `${I}/users`, { body: { email: 'a@b.c', member: snake(member()) } }), 'member');
    assertInvalidArguments(await raw(server, 'POST', `${I}/users`, { body: { organization_id: org } }), 'member');
    assertInvalidArguments(await raw(server, 'POST', `${I}/users`, { body: { email: 'not-an-email' } }), 'email');
    assertInvalidArguments(await raw(server, 'POST', `${I}/users`, { body: { member: { ...snake(member()), username: 'x' } } }), 'member.username');
    const dup = await raw(server, 'POST', `${I}/users`, { body: { member: { ...snake(member()), email: m.email } } });
    assert.equal(dup.status, 409, show(dup));
    assert.equal(dup.json.type, 'already_exists');
    assert.equal((await iam.listUsers()).totalCount, before1);
  });

  it('get, update (tags, names, phone, locale), username and password', async () => {
    const got = await iam.getUser({ userId: m.id });
    assert.equal(got.email, m.email);
    const u = await iam.updateUser({ userId: m.id, tags: ['a', 'b'], firstName: 'Grace', lastName: 'H', phoneNumber: '+33112345678', locale: 'fr_FR' });
    assert.deepEqual(u.tags, ['a', 'b']);
    assert.equal(u.firstName, 'Grace');
    assert.equal(u.locale, 'fr_FR');
    const n = await iam.updateUserUsername({ userId: m.id, username: `renamed-${tag()}` });
    assert.match(n.username, /^renamed-/);
    const p = await iam.updateUserPassword({ userId: m.id, password: 'An0ther-pass!' });
    assert.equal(p.id, m.id);
    assertInvalidArguments(await raw(server, 'POST', `${I}/users/${m.id}/update-username`, { body: { username: 'bad name!' } }), 'username');
    assertInvalidArguments(await raw(server, 'POST', `${I}/users/${m.id}/update-password`, { body: { password: '' } }), 'password');
  });

  it('list: filters (type, mfa, tag, user_ids), every order_by, pagination', async () => {
    const members = await iam.listUsers({ type: 'member' });
    assert.ok(members.users.every((u) => u.type === 'member'));
    const tagged = await iam.listUsers({ tag: 'a' });
    assert.ok(tagged.users.some((u) => u.id === m.id));
    const byId = await iam.listUsers({ userIds: [m.id] });
    assert.deepEqual(byId.users.map((u) => u.id), [m.id]);
    assert.equal((await iam.listUsers({ mfa: true })).totalCount, 0);
    for (const orderBy of ['created_at_asc', 'created_at_desc', 'updated_at_asc', 'updated_at_desc', 'email_asc', 'email_desc', 'last_login_asc', 'last_login_desc', 'username_asc', 'username_desc']) {
      const r = await iam.listUsers({ orderBy });
      assert.ok(r.totalCount >= 3, orderBy);
    }
    const asc = (await iam.listUsers({ orderBy: 'email_asc' })).users.map((u) => u.email);
    assert.deepEqual(asc, [...asc].sort());
    const all = await iam.listUsers({ pageSize: 1 }).all();
    assert.equal(all.length, (await iam.listUsers()).totalCount);
    const r = await raw(server, 'GET', `${I}/users?type=unknown_type&page_size=100`);
    assert.equal(r.json.total_count, all.length, 'unknown_type means no filter');
  });

  it('MFA: create an OTP secret, validate a real TOTP code (recovery codes), then delete it', async () => {
    const otp = await iam.createUserMFAOTP({ userId: m.id });
    assert.match(otp.secret, /^[A-Z2-7]{16,}$/);
    const wrong = await raw(server, 'POST', `${I}/users/${m.id}/validate-mfa-otp`, { body: { one_time_password: totp(otp.secret) === '000000' ? '111111' : '000000' } });
    assertInvalidArguments(wrong, 'one_time_password');
    assertInvalidArguments(await raw(server, 'POST', `${I}/users/${m.id}/validate-mfa-otp`, { body: { one_time_password: '12ab' } }), 'one_time_password');
    const ok = await iam.validateUserMFAOTP({ userId: m.id, oneTimePassword: totp(otp.secret) });
    assert.ok(Array.isArray(ok.recoveryCodes) && ok.recoveryCodes.length >= 4);
    const u = await iam.getUser({ userId: m.id });
    assert.equal(u.mfa, true);
    assert.equal(u.twoFactorEnabled, true);
    assert.equal((await iam.listUsers({ mfa: true })).totalCount, 1);
    await iam.deleteUserMFAOTP({ userId: m.id });
    assert.equal((await iam.getUser({ userId: m.id })).mfa, false);
  });

  it('lock / unlock a member; the Owner cannot be locked', async () => {
    assert.equal((await iam.lockUser({ userId: m.id })).locked, true);
    assert.equal((await iam.unlockUser({ userId: m.id })).locked, false);
    assertPreconditionFailed(await raw(server, 'POST', `${I}/users/${owner.id}/lock`, { body: {} }), 'protected_resource', 'lock owner');
  });

  it('grace periods: none running', async () => {
    const g = await iam.listGracePeriods({ userId: m.id });
    assert.deepEqual(g.gracePeriods, []);
    const r = await raw(server, 'GET', `${I}/grace-periods?user_id=${m.id}`);
    assert.deepEqual(r.json, { grace_periods: [] });
  });

  it('connections: initiate on one user, join from another, list, remove', async () => {
    const other = await iam.createUser({ member: member() });
    const { token } = await iam.initiateUserConnection({ userId: m.id });
    assert.ok(token.length > 20);
    await iam.joinUserConnection({ userId: other.id, token });
    const c = await iam.getUserConnections({ userId: m.id });
    assert.equal(c.connections.length, 1);
    assert.equal(c.connections[0].user.id, other.id);
    assert.equal(c.connections[0].organization.id, org);
    const r = await raw(server, 'GET', `${I}/users/${other.id}/connections`);
    assert.deepEqual(Object.keys(r.json.connections[0]).sort(), ['organization', 'user']);
    assert.deepEqual(Object.keys(r.json.connections[0].organization).sort(), ['id', 'locked', 'name']);
    assert.deepEqual(Object.keys(r.json.connections[0].user).sort(), ['id', 'type', 'username']);
    const reuse = await raw(server, 'POST', `${I}/users/${other.id}/join-connection`, { body: { token } });
    assertInvalidArguments(reuse, 'token');
    await iam.removeUserConnection({ userId: m.id, targetUserId: other.id });
    assert.deepEqual((await iam.getUserConnections({ userId: other.id })).connections, []);
    await iam.deleteUser({ userId: other.id });
  });

  it('delete: 204, then 404 with the recorded body; its keys go with it; the Owner cannot be deleted', async () => {
    const u = await iam.createUser({ member: member() });
    const session = await iam.createJWT({ userId: u.id, referrer: 'tests' });
    const key = await iamApi(sessionClient(server, session.token)).createAPIKey({ userId: u.id, description: 'mine' });
    const d = await raw(server, 'DELETE', `${I}/users/${u.id}`);
    assert.equal(d.status, 204, show(d));
    assert.equal(d.text, '');
    assertNotFound(await raw(server, 'GET', `${I}/users/${u.id}`), 'user', u.id, 'deleted user');
    assertNotFound(await raw(server, 'GET', `${I}/api-keys/${key.accessKey}`), 'access_key', key.accessKey, 'its key');
    assertDenied(await raw(server, 'GET', `${I}/users`, { token: key.secretKey }), { reason: 'not_found' }, 'its key is dead');
    assertPreconditionFailed(await raw(server, 'DELETE', `${I}/users/${owner.id}`), 'protected_resource', 'delete owner');
    const e = await caught(() => iam.deleteUser({ userId: u.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
  });
});

function snake(o) {
  const out = {};
  for (const [k, v] of Object.entries(o)) out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v;
  return out;
}

// ---------------------------------------------------------------------------------------------

describe('applications', () => {
  let a;
  it('create: recorded shape, counts its keys', async () => {
    const r = await raw(server, 'POST', `${I}/applications`, { body: { name: `app-${tag()}`, organization_id: org, description: '', tags: null } });
    assert.equal(r.status, 200, show(r));
    assertApplication(r.json);
    assert.equal(r.json.nb_api_keys, 0);
    assert.deepEqual(r.json.tags, []);
    assert.equal(r.json.editable, true);
    assert.equal(r.json.managed, false);
    a = r.json;
    await iam.createAPIKey({ applicationId: a.id, description: 'one' });
    assert.equal((await iam.getApplication({ applicationId: a.id })).nbApiKeys, 1);
  });

  it('update, list filters (name, application_ids, editable, tag), order_by, pagination', async () => {
    const u = await iam.updateApplication({ applicationId: a.id, name: 'renamed app', description: 'd', tags: ['x1'] });
    assert.equal(u.name, 'renamed app');
    assert.deepEqual(u.tags, ['x1']);
    await iam.createApplication({ name: `app-${tag()}`, description: '' });
    assert.deepEqual((await iam.listApplications({ name: 'renamed' })).applications.map((x) => x.id), [a.id]);
    assert.deepEqual((await iam.listApplications({ applicationIds: [a.id] })).applications.map((x) => x.id), [a.id]);
    assert.deepEqual((await iam.listApplications({ tag: 'x' })).applications.map((x) => x.id), [a.id]);
    assert.equal((await iam.listApplications({ editable: false })).totalCount, 0);
    for (const orderBy of ['created_at_asc', 'created_at_desc', 'updated_at_asc', 'updated_at_desc', 'name_asc', 'name_desc']) {
      assert.ok((await iam.listApplications({ orderBy })).totalCount >= 2, orderBy);
    }
    const all = await iam.listApplications({ pageSize: 1 }).all();
    assert.equal(all.length, (await iam.listApplications()).totalCount);
  });

  it('bad input: name pattern, description 201 chars -> 400 and nothing changes', async () => {
    const before1 = await raw(server, 'GET', `${I}/applications/${a.id}`);
    assertInvalidArguments(await raw(server, 'POST', `${I}/applications`, { body: { name: 'bad/name', description: '' } }), 'name');
    assertInvalidArguments(await raw(server, 'PATCH', `${I}/applications/${a.id}`, { body: { description: 'd'.repeat(201) } }), 'description');
    assertInvalidArguments(await raw(server, 'GET', `${I}/applications/not-a-uuid`), 'application_id');
    assert.deepEqual((await raw(server, 'GET', `${I}/applications/${a.id}`)).json, before1.json);
  });

  it('delete: its keys are deleted and stop working, its policies lose their principal', async () => {
    const key = await iam.createAPIKey({ applicationId: a.id, description: 'two' });
    const pol = await iam.createPolicy({ name: `p-${tag()}`, description: '', applicationId: a.id, rules: [{ permissionSetNames: ['IAMReadOnly'], organizationId: org, condition: '' }] });
    assert.equal((await raw(server, 'GET', `${I}/users`, { token: key.secretKey })).status, 200);
    await iam.deleteApplication({ applicationId: a.id });
    assertNotFound(await raw(server, 'GET', `${I}/applications/${a.id}`), 'application', a.id);
    assertDenied(await raw(server, 'GET', `${I}/users`, { token: key.secretKey }), { reason: 'not_found' }, 'key of a deleted app');
    assert.equal((await iam.getPolicy({ policyId: pol.id })).noPrincipal, true);
    await iam.deletePolicy({ policyId: pol.id });
  });
});

// ---------------------------------------------------------------------------------------------

describe('groups', () => {
  let g;
  let u1;
  let app1;
  before(async () => {
    u1 = await iam.createUser({ member: member() });
    app1 = await iam.createApplication({ name: `gapp-${tag()}`, description: '' });
  });

  it('create (recorded shape), name unique in the organization', async () => {
    const name = `grp-${tag()}`;
    const r = await raw(server, 'POST', `${I}/groups`, { body: { organization_id: org, name, description: '', tags: [] } });
    assert.equal(r.status, 200, show(r));
    assertGroup(r.json);
    g = r.json;
    const dup = await raw(server, 'POST', `${I}/groups`, { body: { name, description: '' } });
    assert.equal(dup.status, 409, show(dup));
    assert.equal(dup.json.type, 'already_exists');
    assert.equal(dup.json.resource_id, g.id);
    const e = await caught(() => iam.createGroup({ name, description: '' }));
    assert.ok(e instanceof Errors.AlreadyExistsError, `got ${e}`);
    const g2 = await iam.createGroup({ name: `${name}-2`, description: 'second', tags: ['x'] });
    assert.equal(g2.description, 'second');
    await iam.deleteGroup({ groupId: g2.id });
  });

  it('members: add one, add several, overwrite, remove; unknown member -> 404', async () => {
    let x = await iam.addGroupMember({ groupId: g.id, userId: u1.id });
    assert.deepEqual(x.userIds, [u1.id]);
    x = await iam.addGroupMembers({ groupId: g.id, applicationIds: [app1.id], userIds: [u1.id] });
    assert.deepEqual(x.userIds, [u1.id]);
    assert.deepEqual(x.applicationIds, [app1.id]);
    x = await iam.setGroupMembers({ groupId: g.id, userIds: [], applicationIds: [app1.id] });
    assert.deepEqual(x.userIds, []);
    x = await iam.removeGroupMember({ groupId: g.id, applicationId: app1.id });
    assert.deepEqual(x.applicationIds, []);
    // Recorded: removing a non-member answers 404 with an empty resource.
    assertNotFound(await raw(server, 'POST', `${I}/groups/${g.id}/remove-member`, { body: { application_id: app1.id } }), '', app1.id, 'remove non-member');
    const ghost = crypto.randomUUID();
    assertNotFound(await raw(server, 'POST', `${I}/groups/${g.id}/add-member`, { body: { user_id: ghost } }), 'user', ghost, 'add unknown');
    assertInvalidArguments(await raw(server, 'POST', `${I}/groups/${g.id}/add-member`, { body: { user_id: u1.id, application_id: app1.id } }), 'application_id');
    assertInvalidArguments(await raw(server, 'POST', `${I}/groups/${g.id}/add-member`, { body: {} }), 'user_id');
    assert.deepEqual((await iam.getGroup({ groupId: g.id })).applicationIds, [], 'refused requests changed nothing');
  });

  it('update and list filters (name, user_ids, application_ids, group_ids, tag), order_by', async () => {
    await iam.setGroupMembers({ groupId: g.id, userIds: [u1.id], applicationIds: [app1.id] });
    const up = await iam.updateGroup({ groupId: g.id, description: 'desc', tags: ['team'] });
    assert.equal(up.description, 'desc');
    assert.deepEqual((await iam.listGroups({ userIds: [u1.id] })).groups.map((x) => x.id), [g.id]);
    assert.deepEqual((await iam.listGroups({ applicationIds: [app1.id] })).groups.map((x) => x.id), [g.id]);
    assert.deepEqual((await iam.listGroups({ groupIds: [g.id] })).groups.map((x) => x.id), [g.id]);
    assert.deepEqual((await iam.listGroups({ name: g.name })).groups.map((x) => x.id), [g.id]);
    assert.deepEqual((await iam.listGroups({ tag: 'tea' })).groups.map((x) => x.id), [g.id]);
    for (const orderBy of ['created_at_asc', 'created_at_desc', 'updated_at_asc', 'updated_at_desc', 'name_asc', 'name_desc']) {
      assert.equal((await iam.listGroups({ orderBy })).totalCount, 1, orderBy);
    }
  });

  it('deleting a member removes it from its groups; deleting the group orphans its policies', async () => {
    const pol = await iam.createPolicy({ name: `gp-${tag()}`, description: '', groupId: g.id, rules: [{ permissionSetNames: ['IAMReadOnly'], organizationId: org, condition: '' }] });
    assertPolicy((await raw(server, 'GET', `${I}/policies/${pol.id}`)).json, 'group_id');
    await iam.deleteUser({ userId: u1.id });
    assert.deepEqual((await iam.getGroup({ groupId: g.id })).userIds, []);
    await iam.deleteGroup({ groupId: g.id });
    assertNotFound(await raw(server, 'GET', `${I}/groups/${g.id}`), 'group', g.id);
    assert.equal((await iam.getPolicy({ policyId: pol.id })).noPrincipal, true);
    await iam.deletePolicy({ policyId: pol.id });
  });
});

// ---------------------------------------------------------------------------------------------

describe('policies, rules and the permission-set catalogue', () => {
  let app1;
  let projectA;
  let p;
  before(async () => {
    app1 = await iam.createApplication({ name: `papp-${tag()}`, description: '' });
    projectA = await projects.createProject({ name: `pa-${tag()}` });
  });

  it('permission sets: the catalogue with scope types, descriptions, categories; order_by and pages', async () => {
    const all = await iam.listPermissionSets().all();
    const r = await raw(server, 'GET', `${I}/permission-sets?page_size=100`);
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.total_count, all.length);
    r.json.permission_sets.forEach((s, i) => {
      assertKeys(s, PERMISSION_SET_KEYS, `permission_sets[${i}]`);
      assert.match(s.id, UUID_RE);
      assert.ok(s.description.length > 0, s.name);
      assert.ok(s.categories.length > 0, s.name);
    });
    const byName = Object.fromEntries(all.map((s) => [s.name, s.scopeType]));
    for (const [name, scope] of [
      ['IAMManager', 'organization'], ['IAMReadOnly', 'organization'], ['ProjectManager', 'organization'],
      ['BillingManager', 'organization'], ['OrganizationManager', 'organization'], ['AuditTrailReadOnly', 'organization'],
      ['AllProductsFullAccess', 'projects'], ['AllProductsReadOnly', 'projects'], ['InstancesFullAccess', 'projects'],
      ['InstancesReadOnly', 'projects'], ['SSHKeysFullAccess', 'projects'], ['BlockStorageReadOnly', 'projects'],
      ['ContainerRegistryReadOnly', 'projects'], ['VPCReadOnly', 'projects'], ['IPAMReadOnly', 'projects'],
      ['KeyManagerKeyDecrypt', 'projects'], ['TransactionalEmailWebhookFullAccess', 'projects'], ['QaaSReadOnly', 'projects'],
    ]) assert.equal(byName[name], scope, name);
    assert.ok(all.length >= 150, `catalogue size ${all.length}`);
    const names = all.map((s) => s.name);
    assert.deepEqual(names, [...names].sort(), 'default order: name_asc');
    const desc = (await iam.listPermissionSets({ orderBy: 'name_desc', pageSize: 3 })).permissionSets.map((s) => s.name);
    assert.deepEqual(desc, [...names].reverse().slice(0, 3));
    assert.equal((await iam.listPermissionSets({ orderBy: 'created_at_asc' })).totalCount, all.length);
  });

  it('create with rules (organization and project scopes): recorded shape and counters', async () => {
    const r = await raw(server, 'POST', `${I}/policies`, {
      body: {
        name: `pol-${tag()}`, description: 'a description', organization_id: org, tags: ['tf_tests', 'tests'], application_id: app1.id,
        rules: [
          { permission_set_names: ['IAMManager'], condition: '', organization_id: org },
          { permission_set_names: ['AllProductsFullAccess', 'ContainerRegistryReadOnly'], condition: '', organization_id: org },
          { permission_set_names: ['InstancesReadOnly'], condition: "request.user_agent == 'terraform-test'", project_ids: [projectA.id] },
        ],
      },
    });
    assert.equal(r.status, 200, show(r));
    assertPolicy(r.json, 'application_id');
    assert.equal(r.json.nb_rules, 3);
    assert.equal(r.json.nb_scopes, 2);
    assert.equal(r.json.nb_permission_sets, 4);
    p = r.json;
    const rules = await raw(server, 'GET', `${I}/rules?policy_id=${p.id}`);
    assert.equal(rules.json.total_count, 3);
    assertRule(rules.json.rules[0], 'organization_id');
    assert.equal(rules.json.rules[0].permission_sets_scope_type, 'organization');
    assert.equal(rules.json.rules[1].permission_sets_scope_type, 'projects');
    assertRule(rules.json.rules[2], 'project_ids');
    assert.equal(rules.json.rules[2].condition, "request.user_agent == 'terraform-test'");
  });

  it('no_principal policy; get; update principal (user, then detached); list filters and order_by', async () => {
    const np = await iam.createPolicy({ name: `np-${tag()}`, description: '', noPrincipal: true, rules: [] });
    assertPolicy((await raw(server, 'GET', `${I}/policies/${np.id}`)).json, 'no_principal');
    const u = await iam.createUser({ member: member() });
    const bound = await iam.updatePolicy({ policyId: np.id, userId: u.id, tags: ['t1'] });
    assert.equal(bound.userId, u.id);
    assert.equal(bound.noPrincipal, undefined);
    assert.deepEqual((await iam.listPolicies({ userIds: [u.id] })).policies.map((x) => x.id), [np.id]);
    assert.deepEqual((await iam.listPolicies({ applicationIds: [app1.id] })).policies.map((x) => x.id), [p.id]);
    assert.deepEqual((await iam.listPolicies({ policyIds: [p.id] })).policies.map((x) => x.id), [p.id]);
    assert.deepEqual((await iam.listPolicies({ tag: 't1' })).policies.map((x) => x.id), [np.id]);
    assert.deepEqual((await iam.listPolicies({ policyName: np.name })).policies.map((x) => x.id), [np.id]);
    assert.equal((await iam.listPolicies({ groupIds: [crypto.randomUUID()] })).totalCount, 0);
    const detached = await iam.updatePolicy({ policyId: np.id, noPrincipal: true });
    assert.equal(detached.noPrincipal, true);
    assert.ok((await iam.listPolicies({ noPrincipal: true })).policies.some((x) => x.id === np.id));
    assert.ok(!(await iam.listPolicies({ noPrincipal: false })).policies.some((x) => x.id === np.id));
    for (const orderBy of ['policy_name_asc', 'policy_name_desc', 'created_at_asc', 'created_at_desc']) {
      assert.ok((await iam.listPolicies({ orderBy })).totalCount >= 2, orderBy);
    }
    const names = (await iam.listPolicies()).policies.map((x) => x.name);
    assert.deepEqual(names, [...names].sort(), 'default order: policy_name_asc');
    assert.equal((await iam.listPolicies({ editable: true })).totalCount, (await iam.listPolicies()).totalCount);
    await iam.deletePolicy({ policyId: np.id });
    assertNotFound(await raw(server, 'GET', `${I}/policies/${np.id}`), 'policy', np.id);
  });

  it('set rules: replaces them with new ids (answer without total_count); list rules paginates', async () => {
    const before1 = (await iam.listRules({ policyId: p.id })).rules.map((x) => x.id);
    const r = await raw(server, 'PUT', `${I}/rules`, {
      body: { policy_id: p.id, rules: [{ permission_set_names: ['AllProductsFullAccess'], condition: '', organization_id: org }, { permission_set_names: ['ProjectReadOnly'], condition: '', organization_id: org }] },
    });
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(Object.keys(r.json), ['rules']);
    assert.equal(r.json.rules.length, 2);
    assert.ok(r.json.rules.every((x) => !before1.includes(x.id)), 'new rule ids');
    const viaSdk = await iam.setRules({ policyId: p.id, rules: [{ permissionSetNames: ['AllProductsReadOnly'], projectIds: [projectA.id], condition: '' }, { permissionSetNames: ['IAMReadOnly'], organizationId: org, condition: '' }] });
    assert.equal(viaSdk.rules.length, 2);
    const first = await iam.listRules({ policyId: p.id, pageSize: 1 });
    assert.equal(first.totalCount, 2);
    assert.equal(first.rules.length, 1);
    assert.equal((await iam.listRules({ policyId: p.id, pageSize: 1 }).all()).length, 2);
    const got = await iam.getPolicy({ policyId: p.id });
    assert.equal(got.nbRules, 2);
    assert.equal(got.nbPermissionSets, 2);
    assert.equal(got.nbScopes, 2);
  });

  it('invalid rules -> 400 naming the argument, and the policy keeps its rules', async () => {
    const keep = (await iam.listRules({ policyId: p.id })).rules;
    const cases = [
      [{ permission_set_names: ['NoSuchSet'], condition: '', organization_id: org }, 'rules.0.permission_set_names'],
      [{ permission_set_names: ['IAMManager', 'InstancesReadOnly'], condition: '', organization_id: org }, 'rules.0.permission_set_names'],
      [{ permission_set_names: ['IAMManager'], condition: '', project_ids: [projectA.id] }, 'rules.0.project_ids'],
      [{ permission_set_names: ['InstancesReadOnly'], condition: '', project_ids: [projectA.id], organization_id: org }, 'rules.0.organization_id'],
      [{ permission_set_names: ['InstancesReadOnly'], condition: '' }, 'rules.0.project_ids'],
      [{ permission_set_names: ['InstancesReadOnly'], condition: '', project_ids: ['not-a-uuid'] }, 'rules.0.project_ids'],
      [{ permission_set_names: ['InstancesReadOnly'], condition: 'x'.repeat(2049), organization_id: org }, 'rules.0.condition'],
    ];
    for (const [rule, arg] of cases) {
      assertInvalidArguments(await raw(server, 'PUT', `${I}/rules`, { body: { policy_id: p.id, rules: [rule] } }), arg, JSON.stringify(rule).slice(0, 80));
    }
    assertInvalidArguments(await raw(server, 'POST', `${I}/policies`, { body: { name: 'x', description: '', user_id: crypto.randomUUID(), application_id: app1.id } }), 'application_id');
    assertInvalidArguments(await raw(server, 'GET', `${I}/rules`), 'policy_id');
    const ghost = crypto.randomUUID();
    assertNotFound(await raw(server, 'GET', `${I}/rules?policy_id=${ghost}`), 'policy', ghost);
    assert.deepEqual((await iam.listRules({ policyId: p.id })).rules, keep);
  });

  it('clone: a new id, "(copy)" name, same rules with new ids, detached from any principal', async () => {
    const c = await iam.clonePolicy({ policyId: p.id });
    assert.notEqual(c.id, p.id);
    assert.equal(c.name, `${p.name} (copy)`);
    assert.equal(c.noPrincipal, true);
    const a = (await iam.listRules({ policyId: p.id })).rules;
    const b = (await iam.listRules({ policyId: c.id })).rules;
    assert.deepEqual(b.map((x) => x.permissionSetNames), a.map((x) => x.permissionSetNames));
    assert.ok(b.every((x) => !a.some((y) => y.id === x.id)));
    await iam.deletePolicy({ policyId: c.id });
  });
});

// ---------------------------------------------------------------------------------------------

describe('API keys', () => {
  let app1;
  let k;
  let projectB;
  before(async () => {
    app1 = await iam.createApplication({ name: `kapp-${tag()}`, description: '' });
    projectB = await projects.createProject({ name: `kb-${tag()}` });
  });

  it('create for an application: secret shown once, default project = the organization default', async () => {
    const r = await raw(server, 'POST', `${I}/api-keys`, { body: { application_id: app1.id, description: '' } });
    assert.equal(r.status, 200, show(r));
    assertApiKey(r.json, 'application_id', { secret: true });
    assert.equal(r.json.default_project_id, org);
    assert.equal(r.json.expires_at, null);
    assert.deepEqual([r.json.editable, r.json.deletable, r.json.managed], [true, true, false]);
    assert.equal(r.json.creation_ip, '127.0.0.1');
    k = r.json;
    const g = await raw(server, 'GET', `${I}/api-keys/${k.access_key}`);
    assertApiKey(g.json, 'application_id');
    const l = await raw(server, 'GET', `${I}/api-keys?access_keys=${k.access_key}`);
    assert.equal(l.json.api_keys[0].secret_key, null);
    assert.ok(!l.text.includes(k.secret_key), 'the secret never comes back');
  });

  it('expires_at is echoed in UTC; default_project_id of another project; the key works until it expires', async () => {
    const when = new Date(Date.now() + 3600_000);
    when.setUTCMilliseconds(0);
    // The same instant written with a +02:00 offset.
    const local = `${new Date(when.getTime() + 2 * 3600_000).toISOString().slice(0, 19)}+02:00`;
    const r = await raw(server, 'POST', `${I}/api-keys`, { body: { application_id: app1.id, description: 'exp', expires_at: local, default_project_id: projectB.id } });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.expires_at, when.toISOString().replace('.000Z', 'Z'));
    assert.equal(r.json.default_project_id, projectB.id);
    const sdkKey = await iam.createAPIKey({ applicationId: app1.id, description: 'sdk', expiresAt: new Date(Date.now() + 600_000) });
    assert.ok(sdkKey.expiresAt instanceof Date);
    assertInvalidArguments(await raw(server, 'POST', `${I}/api-keys`, { body: { application_id: app1.id, description: '', expires_at: '2001-01-01T00:00:00Z' } }), 'expires_at');
    assert.equal((await raw(server, 'POST', `${I}/api-keys`, { body: { application_id: app1.id, description: '', default_project_id: crypto.randomUUID() } })).status, 404);
    assertInvalidArguments(await raw(server, 'POST', `${I}/api-keys`, { body: { description: '' } }), 'application_id');
  });

  it('a user creates its own key through a console session; not one for another user', async () => {
    const u = await iam.createUser({ member: member() });
    const session = await iam.createJWT({ userId: u.id, referrer: 'tests' });
    const self = iamApi(sessionClient(server, session.token));
    const own = await self.createAPIKey({ userId: u.id, description: 'mine' });
    assert.equal(own.userId, u.id);
    const owner = (await iam.listUsers({ type: 'owner' })).users[0];
    const e = await caught(() => self.createAPIKey({ userId: owner.id, description: 'not mine' }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `got ${e}`);
    await self.deleteAPIKey({ accessKey: own.accessKey });
    await iam.deleteUser({ userId: u.id });
  });

  it('list filters: bearer_type, bearer_id, application_id, access_key(s), description, expired, editable; order_by; pages', async () => {
    const mine = await iam.listAPIKeys({ bearerType: 'application', bearerId: app1.id });
    assert.equal(mine.totalCount, 3);
    assert.ok(mine.apiKeys.every((x) => x.applicationId === app1.id));
    assert.equal((await iam.listAPIKeys({ applicationId: app1.id })).totalCount, 3);
    assert.ok((await iam.listAPIKeys({ bearerType: 'user' })).apiKeys.every((x) => x.userId));
    assert.deepEqual((await iam.listAPIKeys({ accessKey: k.access_key })).apiKeys.map((x) => x.accessKey), [k.access_key]);
    assert.deepEqual((await iam.listAPIKeys({ description: 'sdk' })).apiKeys.map((x) => x.description), ['sdk']);
    assert.equal((await iam.listAPIKeys({ expired: true })).totalCount, 0);
    assert.equal((await iam.listAPIKeys({ expired: false })).totalCount, (await iam.listAPIKeys()).totalCount);
    assert.equal((await iam.listAPIKeys({ editable: true })).totalCount, (await iam.listAPIKeys()).totalCount);
    for (const orderBy of ['created_at_asc', 'created_at_desc', 'updated_at_asc', 'updated_at_desc', 'expires_at_asc', 'expires_at_desc', 'access_key_asc', 'access_key_desc']) {
      assert.ok((await iam.listAPIKeys({ orderBy })).totalCount >= 4, orderBy);
    }
    const aks = (await iam.listAPIKeys({ orderBy: 'access_key_asc' })).apiKeys.map((x) => x.accessKey);
    assert.deepEqual(aks, [...aks].sort());
    const all = await iam.listAPIKeys({ pageSize: 1 }).all();
    assert.equal(all.length, (await iam.listAPIKeys()).totalCount);
    const r = await raw(server, 'GET', `${I}/api-keys?bearer_type=unknown_bearer_type&page_size=100`);
    assert.equal(r.json.total_count, all.length);
  });

  it('update (description, default project, expiry), then delete: the key stops working at once', async () => {
    const u = await iam.updateAPIKey({ accessKey: k.access_key, description: 'renamed', defaultProjectId: projectB.id });
    assert.equal(u.description, 'renamed');
    assert.equal(u.defaultProjectId, projectB.id);
    assertInvalidArguments(await raw(server, 'PATCH', `${I}/api-keys/${k.access_key}`, { body: { description: 'd'.repeat(201) } }), 'description');
    assert.equal((await iam.getAPIKey({ accessKey: k.access_key })).description, 'renamed');
    await iam.deleteAPIKey({ accessKey: k.access_key });
    assertNotFound(await raw(server, 'GET', `${I}/api-keys/${k.access_key}`), 'access_key', k.access_key);
    assertDenied(await raw(server, 'GET', '/account/v3/projects', { token: k.secret_key }), { method: 'api_key', reason: 'not_found' }, 'deleted key');
  });
});

// ---------------------------------------------------------------------------------------------

describe('SSH keys', () => {
  let ed;
  let projectC;
  before(async () => {
    projectC = await projects.createProject({ name: `sc-${tag()}` });
  });

  it('create ed25519: recorded shape, comment dropped, MD5 fingerprint, default project', async () => {
    const k = sshPublicKey('ed25519', 'foobar@foobar');
    const r = await raw(server, 'POST', `${I}/ssh-keys`, { body: { name: 'k-ed', public_key: k.line, project_id: org } });
    assert.equal(r.status, 200, show(r));
    assertKeys(r.json, SSH_KEY_KEYS, 'ssh key');
    assert.equal(r.json.public_key, k.bare);
    assert.equal(r.json.fingerprint, k.fingerprint);
    assert.equal(r.json.disabled, false);
    assert.equal(r.json.project_id, org);
    assert.equal(r.json.organization_id, org);
    ed = r.json;
  });

  it('create rsa in another project through the SDK', async () => {
    const k = sshPublicKey('rsa');
    const s = await iam.createSSHKey({ name: 'k-rsa', publicKey: k.line, projectId: projectC.id });
    assert.equal(s.fingerprint, k.fingerprint);
    assert.equal(s.projectId, projectC.id);
  });

  it('bad keys and project_id "" -> 400 (recorded), nothing created', async () => {
    const n = (await iam.listSSHKeys()).totalCount;
    const k = sshPublicKey('ed25519');
    // Recorded: an empty project_id is a format error.
    assertInvalidArguments(await raw(server, 'POST', `${I}/ssh-keys`, { body: { name: 'x', public_key: k.line, project_id: '' } }), 'project_id');
    for (const bad of ['ssh-ed25519', 'ssh-ed25519 AAAA', 'ssh-rsa ' + k.bare.split(' ')[1], 'not a key at all', 'ssh-foo AAAAC3NzaC1lZDI1NTE5AAAAIA==']) {
      assertInvalidArguments(await raw(server, 'POST', `${I}/ssh-keys`, { body: { name: 'x', public_key: bad, project_id: org } }), 'public_key', bad);
    }
    assert.equal((await iam.listSSHKeys()).totalCount, n);
  });

  it('get, update (name, disabled), list filters (project_id, disabled, name), order_by, delete', async () => {
    assert.equal((await iam.getSSHKey({ sshKeyId: ed.id })).name, 'k-ed');
    const u = await iam.updateSSHKey({ sshKeyId: ed.id, name: 'k-ed2', disabled: true });
    assert.equal(u.disabled, true);
    assert.deepEqual((await iam.listSSHKeys({ disabled: true })).sshKeys.map((x) => x.id), [ed.id]);
    assert.deepEqual((await iam.listSSHKeys({ projectId: projectC.id })).sshKeys.map((x) => x.name), ['k-rsa']);
    assert.deepEqual((await iam.listSSHKeys({ name: 'k-ed' })).sshKeys.map((x) => x.id), [ed.id]);
    for (const orderBy of ['created_at_asc', 'created_at_desc', 'updated_at_asc', 'updated_at_desc', 'name_asc', 'name_desc']) {
      assert.equal((await iam.listSSHKeys({ orderBy })).totalCount, 2, orderBy);
    }
    await iam.deleteSSHKey({ sshKeyId: ed.id });
    assertNotFound(await raw(server, 'GET', `${I}/ssh-keys/${ed.id}`), 'ssh_key', ed.id);
  });
});

// ---------------------------------------------------------------------------------------------

describe('JWTs (console sessions)', () => {
  let u;
  let enc;
  before(async () => {
    u = await iam.createUser({ member: member() });
  });

  it('create: {jwt, token, renew_token}; the token authenticates as the user (X-Session-Token)', async () => {
    const r = await raw(server, 'POST', `${I}/jwts`, { body: { user_id: u.id, referrer: 'console' } });
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(Object.keys(r.json).sort(), ['jwt', 'renew_token', 'token']);
    assertKeys(r.json.jwt, JWT_KEYS, 'jwt');
    assert.equal(r.json.jwt.audience_id, u.id);
    assert.match(r.json.jwt.expires_at, TS_RE);
    assert.equal(r.json.token.split('.').length, 3);
    enc = await iam.createJWT({ userId: u.id, referrer: 'console' });
    // A member without any policy may read itself, nothing else.
    const who = await raw(server, 'GET', `${I}/users/${u.id}`, { token: null, headers: { 'X-Session-Token': enc.token } });
    assert.equal(who.status, 200, show(who));
    assert.equal(who.json.id, u.id);
    const others = await raw(server, 'GET', `${I}/users`, { token: null, headers: { 'X-Session-Token': enc.token } });
    assert.equal(others.status, 403, show(others));
    assertDenied(await raw(server, 'GET', `${I}/users`, { token: null, headers: { 'X-Session-Token': 'a.b.c' } }), { method: 'jwt', reason: 'not_found' });
  });

  it('list by audience (expired filter, order_by), get, delete -> the session stops working', async () => {
    const l = await iam.listJWTs({ audienceId: u.id });
    assert.equal(l.totalCount, 2);
    assert.equal((await iam.listJWTs({ audienceId: u.id, expired: true })).totalCount, 0);
    for (const orderBy of ['created_at_asc', 'created_at_desc', 'updated_at_asc', 'updated_at_desc']) {
      assert.equal((await iam.listJWTs({ audienceId: u.id, orderBy })).totalCount, 2, orderBy);
    }
    const g = await iam.getJWT({ jti: enc.jwt.jti });
    assert.equal(g.audienceId, u.id);
    const self = iamApi(sessionClient(server, enc.token));
    const key = await self.createAPIKey({ userId: u.id, description: 'before logout' });
    await iam.deleteJWT({ jti: enc.jwt.jti });
    const e = await caught(() => self.createAPIKey({ userId: u.id, description: 'after logout' }));
    assert.equal(e.status, 401, `got ${e}`);
    assertNotFound(await raw(server, 'GET', `${I}/jwts/${enc.jwt.jti}`), 'jwt', enc.jwt.jti);
    await iam.deleteAPIKey({ accessKey: key.accessKey });
  });
});

// ---------------------------------------------------------------------------------------------

describe('logs: every IAM mutation is recorded', () => {
  it('an application created, updated and deleted leaves three logs; filters and get', async () => {
    const a = await iam.createApplication({ name: `log-${tag()}`, description: '' });
    await iam.updateApplication({ applicationId: a.id, description: 'x' });
    await iam.deleteApplication({ applicationId: a.id });
    const l = await iam.listLogs({ search: a.id, orderBy: 'created_at_asc' });
    assert.deepEqual(l.logs.map((x) => x.action), ['created', 'updated', 'deleted']);
    assert.ok(l.logs.every((x) => x.resourceType === 'application' && x.resourceId === a.id));
    const r = await raw(server, 'GET', `${I}/logs?search=${a.id}`);
    r.json.logs.forEach((x, i) => assertKeys(x, LOG_KEYS, `logs[${i}]`));
    const owner = (await iam.listUsers({ type: 'owner' })).users[0];
    assert.equal(r.json.logs[0].bearer_id, owner.id);
    assert.equal((await iam.listLogs({ resourceType: 'application', action: 'deleted', search: a.id })).totalCount, 1);
    const types = new Set((await iam.listLogs({ pageSize: 100 })).logs.map((x) => x.resourceType));
    for (const t of ['user', 'application', 'group', 'policy', 'api_key']) assert.ok(types.has(t) || (await iam.listLogs({ resourceType: t })).totalCount > 0, t);
    const since = new Date(Date.now() + 60_000);
    assert.equal((await iam.listLogs({ createdAfter: since })).totalCount, 0);
    assert.ok((await iam.listLogs({ createdBefore: since })).totalCount > 0);
    assert.equal((await iam.listLogs({ orderBy: 'created_at_desc', search: a.id })).logs[0].action, 'deleted');
    const one = await iam.getLog({ logId: l.logs[0].id });
    assert.equal(one.id, l.logs[0].id);
    const ghost = crypto.randomUUID();
    assertNotFound(await raw(server, 'GET', `${I}/logs/${ghost}`), 'log', ghost);
  });
});

// ---------------------------------------------------------------------------------------------

describe('quota', () => {
  it('list (IAM limits and projects), name order, get one, unknown -> 404', async () => {
    const r = await raw(server, 'GET', `${I}/quota`);
    assert.equal(r.status, 200, show(r));
    r.json.quota.forEach((q, i) => assertKeys(q, QUOTUM_KEYS, `quota[${i}]`));
    const names = r.json.quota.map((q) => q.name);
    for (const n of ['api_keys', 'applications', 'groups', 'policies', 'projects', 'ssh_keys', 'users']) assert.ok(names.includes(n), n);
    assert.deepEqual(names, [...names].sort());
    const all = await iam.listQuota({ orderBy: 'name_desc' });
    assert.deepEqual(all.quota.map((q) => q.name), [...names].reverse());
    assert.equal((await iam.listQuota({ quotumNames: ['users', 'groups'] })).totalCount, 2);
    const q = await iam.getQuotum({ quotumName: 'projects' });
    assert.equal(q.limit, 1000);
    assert.deepEqual(q.limits, [{ global: true, limit: 1000, region: undefined, unlimited: undefined, zone: undefined }]);
    assertNotFound(await raw(server, 'GET', `${I}/quota/nope?organization_id=${org}`), 'quotum', 'nope');
  });
});

// ---------------------------------------------------------------------------------------------

describe('organization: alias, login methods, security settings', () => {
  it('get (recorded shape), set the alias once, login methods', async () => {
    const r = await raw(server, 'GET', `${I}/organizations/${org}`);
    assert.equal(r.status, 200, show(r));
    assertKeys(r.json, ORGANIZATION_KEYS, 'organization');
    assert.equal(r.json.alias, '');
    const o = await iam.setOrganizationAlias({ alias: `acme${tag(4)}` });
    assert.match(o.alias, /^acme/);
    assertPreconditionFailed(await raw(server, 'PUT', `${I}/organizations/${org}/alias`, { body: { alias: 'another' } }), 'unknown_precondition', 'alias twice');
    assertInvalidArguments(await raw(server, 'PUT', `${I}/organizations/${org}/alias`, { body: { alias: 'Bad Alias' } }), 'alias');
    const m = await iam.updateOrganizationLoginMethods({ loginMagicCodeEnabled: false });
    assert.equal(m.loginMagicCodeEnabled, false);
    assert.equal(m.loginPasswordEnabled, true);
    assert.equal((await iam.getOrganization()).loginMagicCodeEnabled, false);
    const other = crypto.randomUUID();
    assert.equal((await raw(server, 'GET', `${I}/organizations/${other}`)).status, 403);
  });

  it('security settings: get, update; a maximum key lifetime is enforced on new keys', async () => {
    const r = await raw(server, 'GET', `${I}/organizations/${org}/security-settings`);
    assertKeys(r.json, SECURITY_KEYS, 'security settings');
    const s = await iam.updateOrganizationSecuritySettings({ loginAttemptsBeforeLocked: 5, maxApiKeyExpirationDuration: '3600.000000000s', enforcePasswordRenewal: true });
    assert.equal(s.loginAttemptsBeforeLocked, 5);
    assert.equal(s.maxApiKeyExpirationDuration, '3600s');
    assert.equal((await iam.getOrganizationSecuritySettings()).enforcePasswordRenewal, true);
    assertInvalidArguments(await raw(server, 'PATCH', `${I}/organizations/${org}/security-settings`, { body: { login_attempts_before_locked: 51 } }), 'login_attempts_before_locked');
    assertInvalidArguments(await raw(server, 'PATCH', `${I}/organizations/${org}/security-settings`, { body: { grace_period_duration: 'soon' } }), 'grace_period_duration');
    const a = await iam.createApplication({ name: `sec-${tag()}`, description: '' });
    assertInvalidArguments(await raw(server, 'POST', `${I}/api-keys`, { body: { application_id: a.id, description: '' } }), 'expires_at', 'no expiry while a maximum is set');
    assertInvalidArguments(await raw(server, 'POST', `${I}/api-keys`, { body: { application_id: a.id, description: '', expires_at: new Date(Date.now() + 7200_000).toISOString() } }), 'expires_at', 'too long');
    const ok = await iam.createAPIKey({ applicationId: a.id, description: '', expiresAt: new Date(Date.now() + 1800_000) });
    assert.ok(ok.expiresAt);
    await iam.updateOrganizationSecuritySettings({ maxApiKeyExpirationDuration: '0s', enforcePasswordRenewal: false });
    await iam.deleteApplication({ applicationId: a.id });
  });
});

// ---------------------------------------------------------------------------------------------

describe('SAML', () => {
  let saml;
  let cert;
  it('disabled: 404 organization_saml (recorded); enable -> missing_certificate (recorded shape)', async () => {
    assertNotFound(await raw(server, 'GET', `${I}/organizations/${org}/saml`), 'organization_saml', org);
    const r = await raw(server, 'POST', `${I}/organizations/${org}/saml`, { body: {} });
    assert.equal(r.status, 200, show(r));
    assertKeys(r.json, SAML_KEYS, 'saml');
    assert.equal(r.json.status, 'missing_certificate');
    assert.deepEqual(r.json.service_provider, {
      entity_id: `https://iam.scaleway.com/saml/${r.json.id}`,
      assertion_consumer_service_url: `https://api.scaleway.com/iam/v1/saml/${r.json.id}/login`,
    });
    saml = (await iam.getOrganizationSaml()).id;
    assert.equal(saml, r.json.id);
    const again = await caught(() => iam.enableOrganizationSaml());
    assert.ok(again instanceof Errors.AlreadyExistsError, `second enable: ${again}`);
  });

  it('certificates: add (expiry read from the certificate), list; status moves to the next missing piece', async () => {
    const pem = selfSignedCertificate(30);
    const c = await iam.addSamlCertificate({ samlId: saml, type: 'signing', content: pem });
    assert.equal(c.origin, 'identity_provider');
    assert.ok(Math.abs(c.expiresAt.getTime() - (Date.now() + 30 * 86400_000)) < 86400_000, `${c.expiresAt}`);
    cert = c.id;
    assert.equal((await iam.listSamlCertificates({ samlId: saml })).certificates.length, 1);
    const l = await raw(server, 'GET', `${I}/saml/${saml}/certificates`);
    assert.deepEqual(Object.keys(l.json), ['certificates']);
    assert.deepEqual(Object.keys(l.json.certificates[0]).sort(), ['content', 'expires_at', 'id', 'origin', 'type']);
    assert.equal((await iam.getOrganizationSaml()).status, 'missing_entity_id');
    assertInvalidArguments(await raw(server, 'POST', `${I}/saml/${saml}/certificates`, { body: { type: 'signing', content: 'not a certificate' } }), 'content');
    const u = await iam.updateSaml({ samlId: saml, entityId: 'https://idp.example.com/meta' });
    assert.equal(u.status, 'missing_single_sign_on_url');
    assert.equal((await iam.updateSaml({ samlId: saml, singleSignOnUrl: 'https://idp.example.com/sso' })).status, 'valid');
  });

  it('parse metadata: entity id, SSO URL and signing certificates of an IdP document', async () => {
    const pem = selfSignedCertificate(10);
    const b64 = pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    const xml = `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/meta"><md:IDPSSODescriptor><md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
    const res = await iam.parseSamlMetadata({ file: new Blob([xml], { type: 'application/xml' }) });
    assert.equal(res.entityId, 'https://idp.example.com/meta');
    assert.equal(res.singleSignOnUrl, 'https://idp.example.com/sso');
    assert.equal(res.signingCertificates.length, 1);
    assert.equal(res.signingCertificates[0].replace(/\s+/g, ''), pem.replace(/\s+/g, ''));
    assertInvalidArguments(await raw(server, 'POST', `${I}/parse-saml-metadata`, { body: { file: { name: 'f', content_type: 'text/plain', content: Buffer.from('hello').toString('base64') } } }), 'file.content');
  });

  it('delete a certificate, then SAML: 204 and the recorded 404s', async () => {
    await iam.deleteSamlCertificate({ certificateId: cert });
    assert.equal((await iam.getOrganizationSaml()).status, 'missing_certificate');
    await iam.deleteSaml({ samlId: saml });
    assertNotFound(await raw(server, 'GET', `${I}/saml/${saml}/certificates`), 'saml', saml);
    assertNotFound(await raw(server, 'GET', `${I}/organizations/${org}/saml`), 'organization_saml', org);
  });
});

// ---------------------------------------------------------------------------------------------

describe('coverage', () => {
  it('every operation of the IAM SDK was called through the SDK', () => {
    const api = new Iamv1alpha1.API(makeClient(server));
    const ops = Object.keys(api).filter((k) => typeof api[k] === 'function' && !k.startsWith('pageOf'));
    assert.equal(ops.length, 71);
    const missing = ops.filter((k) => !called.has(k));
    assert.deepEqual(missing, [], `operations never called: ${missing.join(', ')}`);
  });
});
