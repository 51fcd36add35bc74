// Flexible IP end to end through the official JS SDK (@scaleway/sdk-flexibleip), attached to
// Elastic Metal servers ordered through @scaleway/sdk-baremetal. Transient states pass by
// advancing the server's virtual clock (admin plane) while the SDK waiters poll: nothing sleeps
// for the real durations.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Accountv3 } from '@scaleway/sdk-account';
import { Baremetalv1 } from '@scaleway/sdk-baremetal';
import { Errors } from '@scaleway/sdk-client';
import { Flexibleipv1alpha1 } from '@scaleway/sdk-flexibleip';

import {
  UUID_RE,
  advanceClock,
  caught,
  makeClient,
  raw,
  show,
  startServer,
  tag,
} from './lib/harness.mjs';
import { appWithKey, assertPermissionsDenied, iamApi } from './lib/iam.mjs';
import { TS_RE, assertInvalidArguments, assertNotFound } from './lib/shapes.mjs';

const Z = '/flexible-ip/v1alpha1/zones/fr-par-1';
const WAIT = { minDelay: 1, maxDelay: 1, timeout: 30 };
const FIP_KEYS = [
  'created_at',
  'description',
  'id',
  'ip_address',
  'mac_address',
  'organization_id',
  'project_id',
  'reverse',
  'server_id',
  'status',
  'tags',
  'updated_at',
  'zone',
];
const MAC_KEYS = ['created_at', 'id', 'mac_address', 'mac_type', 'status', 'updated_at', 'zone'];

let server;
let api; // Flexibleipv1alpha1.API, wrapped to record which operations the tests called
let metal; // Baremetalv1.API
const called = new Set();
const OPERATIONS = [
  'createFlexibleIP',
  'getFlexibleIP',
  'listFlexibleIPs',
  'updateFlexibleIP',
  'deleteFlexibleIP',
  'attachFlexibleIP',
  'detachFlexibleIP',
  'generateMACAddr',
  'duplicateMACAddr',
  'moveMACAddr',
  'deleteMACAddr',
];

before(async () => {
  server = await startServer({ args: ['--quota', 'flexible_ips=12'] });
  const client = makeClient(server);
  const real = new Flexibleipv1alpha1.API(client);
  api = new Proxy(real, {
    get(target, prop) {
      const v = target[prop];
      if (typeof v === 'function' && OPERATIONS.includes(prop)) called.add(prop);
      return v;
    },
  });
  metal = new Baremetalv1.API(client);
});

after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly: ${JSON.stringify(r)}`);
  }
});

const advance = (seconds) => advanceClock(server, seconds);

// Waits with the SDK waiter while the virtual clock moves on.
async function waitFip(fipId, seconds = 6) {
  const waiting = api.waitForFlexibleIP({ fipId }, WAIT);
  await advance(seconds);
  return waiting;
}

function assertFip(r, where = 'fip') {
  assert.deepEqual(Object.keys(r).sort(), FIP_KEYS, `${where}: keys`);
  assert.match(r.id, UUID_RE);
  assert.match(r.created_at, TS_RE);
  assert.match(r.updated_at, TS_RE);
  assert.equal(r.zone, 'fr-par-1');
  if (r.mac_address) assert.deepEqual(Object.keys(r.mac_address).sort(), MAC_KEYS, `${where}: mac`);
}

// A delivered hourly Elastic Metal server in fr-par-1, ordered without install.
async function readyServer(name, projectId = undefined) {
  const { offers } = await metal.listOffers({ zone: 'fr-par-1', subscriptionPeriod: 'hourly' });
  const offer = offers.find((o) => o.name === 'EM-A115X-SSD' && o.stock === 'available')
    ?? offers.find((o) => o.stock === 'available');
  assert.ok(offer, 'an hourly offer in stock');
  const s = await metal.createServer({
    zone: 'fr-par-1',
    offerId: offer.id,
    name,
    description: '',
    protected: false,
    projectId,
  });
  const waiting = metal.waitForServer({ zone: 'fr-par-1', serverId: s.id }, WAIT);
  await advance(10);
  const ready = await waiting;
  assert.equal(ready.status, 'ready');
  return ready;
}

describe('flexible IPs', () => {
  it('creates IPv4 and IPv6 addresses with their reverses, gets, lists, updates and deletes them', async () => {
    const v4 = await api.createFlexibleIP({ description: 'web', tags: ['fip', 'v4'], isIpv6: false });
    assert.equal(v4.status, 'ready');
    assert.match(v4.ipAddress, /^(195\.154|62\.210|212\.83)\.\d+\.\d+$/);
    assert.equal(v4.reverse, `${v4.ipAddress.replaceAll('.', '-')}.rev.poneytelecom.eu.`);
    assert.equal(v4.macAddress, undefined);
    assert.equal(v4.serverId, null);
    assert.equal(v4.projectId, server.creds.projectId);
    const v6 = await api.createFlexibleIP({ description: '', tags: ['fip'], isIpv6: true });
    assert.match(v6.ipAddress, /^2001:bc8:[0-9a-f]+:[0-9a-f]+::\/64$/);
    assert.equal(v6.reverse, `${v6.ipAddress.slice(0, -3).replaceAll(':', '-')}.rev.poneytelecom.eu.`);

    const wire = await raw(server, 'GET', `${Z}/fips/${v4.id}`);
    assert.equal(wire.status, 200, show(wire));
    assertFip(wire.json);
    assert.equal(wire.json.mac_address, null);
    assert.equal(wire.json.server_id, null);
    assert.equal((await api.getFlexibleIP({ fipId: v4.id })).ipAddress, v4.ipAddress);
    assert.equal((await api.waitForFlexibleIP({ fipId: v6.id }, WAIT)).status, 'ready');

    const all = await api.listFlexibleIPs({ tags: ['fip'], orderBy: 'created_at_asc' });
    assert.equal(all.totalCount, 2);
    assert.deepEqual(all.flexibleIps.map((f) => f.id), [v4.id, v6.id]);
    const desc = await api.listFlexibleIPs({ orderBy: 'created_at_desc', pageSize: 1, page: 1 });
    assert.equal(desc.flexibleIps[0].id, v6.id);
    assert.equal(desc.totalCount, 2);
    assert.equal((await api.listFlexibleIPs({ tags: ['v4'] })).totalCount, 1);
    assert.equal((await api.listFlexibleIPs({ status: ['attached'] })).totalCount, 0);
    assert.equal((await api.listFlexibleIPs({ projectId: server.creds.projectId })).totalCount, 2);
    assert.equal(
      (await api.listFlexibleIPs({ organizationId: server.creds.organizationId })).totalCount,
      2,
    );
    assert.equal((await api.listFlexibleIPs({ zone: 'nl-ams-1' })).totalCount, 0);
    const page = await raw(server, 'GET', `${Z}/fips`);
    assert.equal(page.json.total_count, 2);

    const up = await api.updateFlexibleIP({
      fipId: v4.id,
      description: 'api',
      tags: ['x'],
      reverse: 'api.example.com.',
    });
    assert.equal(up.description, 'api');
    assert.deepEqual(up.tags, ['x']);
    assert.equal(up.reverse, 'api.example.com.');
    const reset = await api.updateFlexibleIP({ fipId: v4.id, reverse: '' });
    assert.equal(reset.reverse, v4.reverse);

    await api.deleteFlexibleIP({ fipId: v6.id });
    // As the real API answers: the released id is no longer the caller's.
    assertPermissionsDenied(await raw(server, 'GET', `${Z}/fips/${v6.id}`), 'read', 'flexible-ip', 'released');
    const e = await caught(() => api.getFlexibleIP({ fipId: v6.id }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `released: got ${e}`);
    await api.deleteFlexibleIP({ fipId: v4.id });
    assert.equal((await api.listFlexibleIPs({})).totalCount, 0);
    // The project gets its released address back, under the same id (the platform's pool).
    const back = await api.createFlexibleIP({ description: 'back', isIpv6: false });
    assert.equal(back.id, v4.id);
    assert.equal(back.ipAddress, v4.ipAddress);
    await api.deleteFlexibleIP({ fipId: back.id });
  });

  it('refuses bad input with a clear error and changes nothing', async () => {
    const fip = await api.createFlexibleIP({ description: 'keep', isIpv6: false });
    const unknown = '11111111-2222-4333-8444-555555555555';
    assertNotFound(await raw(server, 'GET', `${Z}/fips/${unknown}`), 'flexible_ips', unknown, 'unknown id');
    assertInvalidArguments(await raw(server, 'GET', `${Z}/fips/not-a-uuid`), 'fip_id', 'bad id');
    assertInvalidArguments(
      await raw(server, 'PATCH', `${Z}/fips/${fip.id}`, { body: { description: 'changed', reverse: 'bad name!' } }),
      'reverse',
      'bad reverse',
    );
    assertInvalidArguments(
      await raw(server, 'POST', `${Z}/fips`, { body: { description: 'x'.repeat(256), is_ipv6: false } }),
      'description',
      'long description',
    );
    assertInvalidArguments(
      await raw(server, 'POST', `${Z}/fips/${fip.id}/mac`, { body: { mac_type: 'hyperv' } }),
      'mac_type',
      'unknown mac type',
    );
    assertInvalidArguments(
      await raw(server, 'POST', `${Z}/fips/attach`, { body: { fips_ids: [], server_id: unknown } }),
      'fips_ids',
      'no ids',
    );
    assertInvalidArguments(await raw(server, 'GET', `${Z}/fips?page_size=500`), 'page_size', 'page size');
    const attach = await raw(server, 'POST', `${Z}/fips/attach`, { body: { fips_ids: [fip.id], server_id: unknown } });
    assert.equal(attach.status, 404, show(attach));
    assert.equal(attach.json.type, 'not_found');
    const e = await caught(() => api.deleteMACAddr({ fipId: unknown }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `mac of unknown ip: got ${e}`);
    const after = await api.getFlexibleIP({ fipId: fip.id });
    assert.equal(after.description, 'keep');
    assert.equal(after.status, 'ready');
    assert.equal(after.macAddress, undefined);
    assert.equal((await api.listFlexibleIPs({})).totalCount, 1);
    await api.deleteFlexibleIP({ fipId: fip.id });
  });

  it('attaches to Elastic Metal servers and detaches, on the virtual clock', async () => {
    const em = await readyServer('fip-attach');
    // Created on a server: updating (no server shown yet), then attached.
    const created = await api.createFlexibleIP({ description: '', isIpv6: false, serverId: em.id });
    assert.equal(created.status, 'updating');
    assert.equal(created.serverId, null);
    const attached = await waitFip(created.id, 3);
    assert.equal(attached.status, 'attached');
    assert.equal(attached.serverId, em.id);

    const a = await api.createFlexibleIP({ description: 'a', isIpv6: false });
    const res = await api.attachFlexibleIP({ fipsIds: [a.id], serverId: em.id });
    assert.equal(res.totalCount, 1);
    assert.equal(res.flexibleIps[0].status, 'updating');
    // Acting on an IP that is changing answers transient_state.
    const busy = await raw(server, 'DELETE', `${Z}/fips/${a.id}`);
    assert.equal(busy.status, 409, show(busy));
    assert.equal(busy.json.type, 'transient_state');
    assert.equal((await waitFip(a.id, 3)).status, 'attached');
    const on = await api.listFlexibleIPs({ serverIds: [em.id], status: ['attached'] });
    assert.deepEqual(on.flexibleIps.map((f) => f.id).sort(), [created.id, a.id].sort());

    // One server per IP.
    const other = await readyServer('fip-other');
    const e = await caught(() => api.attachFlexibleIP({ fipsIds: [a.id], serverId: other.id }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `other server: got ${e}`);

    const det = await api.detachFlexibleIP({ fipsIds: [a.id] });
    assert.equal(det.flexibleIps[0].status, 'detaching');
    assert.equal(det.flexibleIps[0].serverId, em.id);
    const ready = await waitFip(a.id, 6);
    assert.equal(ready.status, 'ready');
    assert.equal(ready.serverId, null);

    // Deleting the server lets go of its IPs.
    await metal.deleteServer({ zone: 'fr-par-1', serverId: em.id });
    const freed = await api.getFlexibleIP({ fipId: created.id });
    assert.equal(freed.status, 'ready');
    assert.equal(freed.serverId, null);
    await advance(30);
    await api.attachFlexibleIP({ fipsIds: [created.id], serverId: other.id });
    await waitFip(created.id, 3);
    // Deleting an attached IP detaches it first.
    await api.deleteFlexibleIP({ fipId: created.id });
    assert.equal((await api.getFlexibleIP({ fipId: created.id })).status, 'detaching');
    await advance(6);
    assert.equal((await raw(server, 'GET', `${Z}/fips/${created.id}`)).status, 403);
    await api.deleteFlexibleIP({ fipId: a.id });
    await metal.deleteServer({ zone: 'fr-par-1', serverId: other.id });
    await advance(30);
  });

  it('gives virtual MACs, shares them in MAC groups, moves and deletes them', async () => {
    const em = await readyServer('fip-mac');
    const a = await api.createFlexibleIP({ description: 'a', isIpv6: false, serverId: em.id });
    const b = await api.createFlexibleIP({ description: 'b', isIpv6: false, serverId: em.id });
    const c = await api.createFlexibleIP({ description: 'c', isIpv6: false });
    await waitFip(a.id, 3);
    await waitFip(b.id, 3);

    // On an attached IP the MAC is pushed to the server: updating, then used.
    const withMac = await api.generateMACAddr({ fipId: a.id, macType: 'kvm' });
    assert.equal(withMac.status, 'updating');
    assert.match(withMac.macAddress.macAddress, /^52:54:00(:[0-9a-f]{2}){3}$/);
    assert.equal(withMac.macAddress.macType, 'kvm');
    assert.equal(withMac.macAddress.status, 'updating');
    const used = await waitFip(a.id, 3);
    assert.equal(used.macAddress.status, 'used');
    const mac = used.macAddress;

    // Only IPs on the same server join a MAC group.
    let e = await caught(() => api.duplicateMACAddr({ fipId: c.id, duplicateFromFipId: a.id }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `not on the server: got ${e}`);
    const dup = await api.duplicateMACAddr({ fipId: b.id, duplicateFromFipId: a.id });
    assert.equal(dup.macAddress.id, mac.id);
    assert.equal(dup.macAddress.macAddress, mac.macAddress);
    assert.equal((await waitFip(b.id, 3)).macAddress.status, 'used');

    // The IPs of one request share a MAC group.
    e = await caught(() => api.detachFlexibleIP({ fipsIds: [a.id, c.id] }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `mixed groups: got ${e}`);
    const det = await api.detachFlexibleIP({ fipsIds: [a.id, b.id] });
    assert.equal(det.totalCount, 2);
    const detached = await waitFip(a.id, 6);
    assert.equal(detached.macAddress.status, 'ready');

    // Moving answers the destination.
    const moved = await api.moveMACAddr({ fipId: b.id, dstFipId: c.id });
    assert.equal(moved.id, c.id);
    assert.equal(moved.macAddress.id, mac.id);
    assert.equal((await api.getFlexibleIP({ fipId: b.id })).macAddress, undefined);

    // Other hypervisor types have their own OUIs.
    const v = await api.generateMACAddr({ fipId: b.id, macType: 'vmware' });
    assert.match(v.macAddress.macAddress, /^00:50:56:/);
    await api.deleteMACAddr({ fipId: b.id });
    const x = await api.generateMACAddr({ fipId: b.id, macType: 'xen' });
    assert.match(x.macAddress.macAddress, /^00:16:3e:/);

    await api.deleteMACAddr({ fipId: c.id });
    assert.equal((await api.getFlexibleIP({ fipId: c.id })).macAddress, undefined);
    const gone = await raw(server, 'DELETE', `${Z}/fips/${c.id}/mac`);
    assert.equal(gone.status, 404, show(gone));

    for (const f of [a, b, c]) await api.deleteFlexibleIP({ fipId: f.id });
    await metal.deleteServer({ zone: 'fr-par-1', serverId: em.id });
    await advance(30);
  });

  it('enforces the flexible IP quota', async () => {
    const made = [];
    for (let i = 0; i < 12; i += 1) made.push(await api.createFlexibleIP({ description: '', isIpv6: false }));
    const over = await raw(server, 'POST', `${Z}/fips`, { body: { description: '', is_ipv6: false } });
    assert.equal(over.status, 403, show(over));
    assert.equal(over.json.type, 'quotas_exceeded');
    for (const f of made) await api.deleteFlexibleIP({ fipId: f.id });
  });

  it('authorizes every id a request names', async () => {
    const owner = iamApi(makeClient(server));
    const mine = await api.createFlexibleIP({ description: 'owner', isIpv6: false });
    const reader = await appWithKey(server, owner, {
      rules: [{ permissionSetNames: ['ElasticMetalReadOnly'], projectIds: [server.creds.projectId], condition: '' }],
    });
    const ro = new Flexibleipv1alpha1.API(reader.client);
    assert.equal((await ro.getFlexibleIP({ fipId: mine.id })).id, mine.id);
    assert.equal((await ro.listFlexibleIPs({})).totalCount, 1);
    let e = await caught(() => ro.createFlexibleIP({ description: '', isIpv6: false }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `read-only create: got ${e}`);
    e = await caught(() => ro.updateFlexibleIP({ fipId: mine.id, description: 'no' }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `read-only update: got ${e}`);
    e = await caught(() => ro.detachFlexibleIP({ fipsIds: [mine.id] }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `read-only detach: got ${e}`);

    const nobody = await appWithKey(server, owner, {
      rules: [{ permissionSetNames: ['BlockStorageFullAccess'], projectIds: [server.creds.projectId], condition: '' }],
    });
    const none = new Flexibleipv1alpha1.API(nobody.client);
    e = await caught(() => none.getFlexibleIP({ fipId: mine.id }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `no right: got ${e}`);
    assert.equal((await api.getFlexibleIP({ fipId: mine.id })).description, 'owner');

    // Full access in one project: the IPs and the server a request names must all be there.
    const B = (await new Accountv3.ProjectAPI(makeClient(server)).createProject({ name: `fip-${tag()}` })).id;
    const theirs = await api.createFlexibleIP({ description: 'B', isIpv6: false, projectId: B });
    const em = await readyServer('fip-authz');
    const writer = await appWithKey(server, owner, {
      rules: [{ permissionSetNames: ['ElasticMetalFullAccess'], projectIds: [server.creds.projectId], condition: '' }],
    });
    const rw = new Flexibleipv1alpha1.API(writer.client);
    const ok = await rw.createFlexibleIP({ description: 'A', isIpv6: false });
    e = await caught(() => rw.attachFlexibleIP({ fipsIds: [ok.id, theirs.id], serverId: em.id }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `ip of another project: got ${e}`);
    e = await caught(() => rw.moveMACAddr({ fipId: ok.id, dstFipId: theirs.id }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `move to another project: got ${e}`);
    e = await caught(() => rw.createFlexibleIP({ description: '', isIpv6: false, projectId: B }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `create in another project: got ${e}`);
    const emB = await readyServer('fip-authz-b', B);
    e = await caught(() => rw.attachFlexibleIP({ fipsIds: [ok.id], serverId: emB.id }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `server of another project: got ${e}`);
    const fine = await rw.attachFlexibleIP({ fipsIds: [ok.id], serverId: em.id });
    assert.equal(fine.flexibleIps[0].status, 'updating');
    assert.equal((await api.getFlexibleIP({ fipId: theirs.id })).status, 'ready');
    await waitFip(ok.id, 3);

    for (const f of [mine, theirs, ok]) await api.deleteFlexibleIP({ fipId: f.id });
    for (const s of [em, emB]) await metal.deleteServer({ zone: 'fr-par-1', serverId: s.id });
    await advance(30);
  });

  it('called every operation of the SDK', () => {
    assert.deepEqual([...called].sort(), [...OPERATIONS].sort());
  });
});
