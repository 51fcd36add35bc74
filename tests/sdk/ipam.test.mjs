// IPAM v1 end to end through the official JS SDK (@scaleway/sdk-ipam 1.5.0): every one of its 9
// operations, error paths included. Shapes follow the recordings in
// /work/shared/conformance/cassettes/ipam/ and the reference (network-metal-storage.md §5).

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Errors } from '@scaleway/sdk-client';
import { Ipamv1 } from '@scaleway/sdk-ipam';
import { Vpcv2 } from '@scaleway/sdk-vpc';

import { caught, makeClient, raw, show, startServer, tag } from './lib/harness.mjs';
import { assertNotFound } from './lib/shapes.mjs';

const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const R = '/ipam/v1/regions/fr-par';
const IP_KEYS = [
  'address',
  'created_at',
  'id',
  'is_ipv6',
  'project_id',
  'region',
  'resource',
  'reverses',
  'source',
  'tags',
  'updated_at',
  'zone',
];

let server;
let vpc; // Vpcv2.API
let ipam; // Ipamv1.API
let org;

before(async () => {
  server = await startServer();
  const client = makeClient(server);
  vpc = new Vpcv2.API(client);
  ipam = new Ipamv1.API(client);
  org = server.creds.organizationId;
});

after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly: ${JSON.stringify(r)}`);
  }
});

const keys = (o) => Object.keys(o).sort();

async function releaseAll(pnId) {
  const ips = await ipam.listIPs({ privateNetworkId: pnId });
  if (ips.ips.length) await ipam.releaseIPSet({ ipIds: ips.ips.map((i) => i.id) });
}

describe('booking', () => {
  it('books the first usable addresses from .2, a chosen address and a random IPv6', async () => {
    const pn = await vpc.createPrivateNetwork({ name: `pn-${tag()}`, subnets: ['10.10.0.0/22'] });
    const [v4, v6] = pn.subnets;
    const a = await ipam.bookIP({ source: { privateNetworkId: pn.id }, isIpv6: false, tags: ['t'] });
    assert.equal(a.address, '10.10.0.2/22');
    assert.deepEqual(a.source, { subnetId: v4.id, privateNetworkId: undefined, vpcId: undefined, zonal: undefined });
    assert.equal(a.projectId, org);
    assert.equal(a.resource, undefined);
    const r = await raw(server, 'GET', `${R}/ips/${a.id}`);
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(keys(r.json), IP_KEYS);
    assert.deepEqual(r.json.source, { subnet_id: v4.id });
    assert.equal(r.json.resource, null);
    assert.equal(r.json.zone, null);
    assert.deepEqual(r.json.reverses, []);
    assert.match(r.json.created_at, TS_RE);

    const b = await ipam.bookIP({ source: { subnetId: v4.id }, isIpv6: false });
    assert.equal(b.address, '10.10.0.3/22');
    const c = await ipam.bookIP({ source: { privateNetworkId: pn.id }, isIpv6: false, address: '10.10.1.7' });
    assert.equal(c.address, '10.10.1.7/22');
    const d = await ipam.bookIP({ source: { privateNetworkId: pn.id }, isIpv6: true });
    const prefix = v6.subnet.replace('::/64', '');
    assert.ok(d.address.startsWith(`${prefix}:`), `${d.address} in ${v6.subnet}`);
    assert.ok(d.address.endsWith('/64'));
    assert.equal(d.isIpv6, true);

    // Taken, reserved and outside addresses.
    let e = await caught(() => ipam.bookIP({ source: { privateNetworkId: pn.id }, address: '10.10.1.7' }));
    assert.ok(e instanceof Errors.AlreadyExistsError, `taken: got ${e}`);
    for (const address of ['10.10.0.0', '10.10.0.1', '10.10.3.254', '10.10.3.255', '10.20.0.5', 'bogus']) {
      e = await caught(() => ipam.bookIP({ source: { privateNetworkId: pn.id }, address }));
      assert.ok(e instanceof Errors.InvalidArgumentsError, `${address}: got ${e}`);
    }
    e = await caught(() => ipam.bookIP({ source: { privateNetworkId: crypto.randomUUID() } }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal(e.resource, 'private_network');
    e = await caught(() => ipam.bookIP({ source: { subnetId: crypto.randomUUID() } }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() => ipam.bookIP({ source: { zonal: 'fr-par-1' } }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);
    e = await caught(() => ipam.bookIP({ source: { privateNetworkId: pn.id }, projectId: crypto.randomUUID() }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `got ${e}`);
    assert.equal((await ipam.listIPs({ privateNetworkId: pn.id })).totalCount, 4, 'refusals booked nothing');

    // A released address is handed out again.
    await ipam.releaseIP({ ipId: a.id });
    const again = await ipam.bookIP({ source: { privateNetworkId: pn.id } });
    assert.equal(again.address, '10.10.0.2/22');
    await releaseAll(pn.id);
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
  });

  it('requires the Private Network project', async () => {
    const pn = await vpc.createPrivateNetwork({ name: `pn-${tag()}` });
    const r = await raw(server, 'POST', `${R}/ips`, {
      body: { project_id: org, source: { private_network_id: pn.id }, is_ipv6: false },
    });
    assert.equal(r.status, 200, show(r));
    await ipam.releaseIP({ ipId: r.json.id });
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
  });
});

describe('custom resources', () => {
  it('books with a custom resource, then attaches, moves and detaches', async () => {
    const pn = await vpc.createPrivateNetwork({ name: `pn-${tag()}` });
    const ip = await ipam.bookIP({ source: { privateNetworkId: pn.id }, resource: { macAddress: 'bc:24:11:74:d0:5a' } });
    assert.deepEqual(ip.resource, { id: ip.id, macAddress: 'BC:24:11:74:D0:5A', name: null, type: 'custom' });
    const raw1 = await raw(server, 'GET', `${R}/ips/${ip.id}`);
    assert.deepEqual(raw1.json.resource, { id: ip.id, mac_address: 'BC:24:11:74:D0:5A', name: null, type: 'custom' });

    const moved = await ipam.moveIP({
      ipId: ip.id,
      fromResource: { macAddress: 'bc:24:11:74:d0:5a' },
      toResource: { macAddress: 'bc:24:11:74:d0:5b', name: 'vm-b' },
    });
    assert.equal(moved.resource.macAddress, 'BC:24:11:74:D0:5B');
    assert.equal(moved.resource.name, 'vm-b');
    let e = await caught(() => ipam.moveIP({ ipId: ip.id, fromResource: { macAddress: 'bc:24:11:74:d0:5a' } }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `wrong from: got ${e}`);

    e = await caught(() => ipam.attachIP({ ipId: ip.id, resource: { macAddress: '02:00:00:00:00:01' } }));
    assert.ok(e instanceof Errors.PreconditionFailedError, `already attached: got ${e}`);
    const detached = await ipam.detachIP({ ipId: ip.id, resource: { macAddress: 'BC:24:11:74:D0:5B' } });
    assert.equal(detached.resource, undefined);
    e = await caught(() => ipam.detachIP({ ipId: ip.id, resource: { macAddress: 'bc:24:11:74:d0:5b' } }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `not attached: got ${e}`);
    const attached = await ipam.attachIP({ ipId: ip.id, resource: { macAddress: '02:00:00:aa:bb:cc', name: 'vm-c' } });
    assert.deepEqual(attached.resource, { id: ip.id, macAddress: '02:00:00:AA:BB:CC', name: 'vm-c', type: 'custom' });
    const off = await ipam.moveIP({ ipId: ip.id, fromResource: { macAddress: '02:00:00:aa:bb:cc' } });
    assert.equal(off.resource, undefined, 'no to_resource: detached');
    e = await caught(() => ipam.attachIP({ ipId: ip.id, resource: { macAddress: 'nope' } }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `bad mac: got ${e}`);

    const missing = crypto.randomUUID();
    for (const call of [
      () => ipam.attachIP({ ipId: missing, resource: { macAddress: '02:00:00:00:00:01' } }),
      () => ipam.detachIP({ ipId: missing, resource: { macAddress: '02:00:00:00:00:01' } }),
      () => ipam.moveIP({ ipId: missing, fromResource: { macAddress: '02:00:00:00:00:01' } }),
    ]) {
      e = await caught(call);
      assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    }
    await ipam.releaseIP({ ipId: ip.id });
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
  });
});

describe('reading, updating and releasing', () => {
  it('updates tags and reverses, releases one IP and sets of IPs', async () => {
    const pn = await vpc.createPrivateNetwork({ name: `pn-${tag()}` });
    const ip = await ipam.bookIP({ source: { privateNetworkId: pn.id } });
    const upd = await ipam.updateIP({ ipId: ip.id, tags: ['x', 'y'], reverses: [{ hostname: 'a.example.com', address: ip.address.split('/')[0] }] });
    assert.deepEqual(upd.tags, ['x', 'y']);
    assert.deepEqual(upd.reverses, [{ hostname: 'a.example.com', address: ip.address.split('/')[0] }]);
    assert.equal((await ipam.getIP({ ipId: ip.id })).tags.length, 2);

    const missing = crypto.randomUUID();
    assertNotFound(await raw(server, 'GET', `${R}/ips/${missing}`), 'ip', missing, 'get');
    const malformed = await raw(server, 'GET', `${R}/ips/not-a-uuid`);
    assert.equal(malformed.status, 400, show(malformed));
    assert.equal(malformed.json.type, 'invalid_arguments');
    let e = await caught(() => ipam.getIP({ ipId: missing }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() => ipam.updateIP({ ipId: missing, tags: [] }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() => ipam.releaseIP({ ipId: missing }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);

    await ipam.releaseIP({ ipId: ip.id });
    e = await caught(() => ipam.getIP({ ipId: ip.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);

    const a = await ipam.bookIP({ source: { privateNetworkId: pn.id } });
    const b = await ipam.bookIP({ source: { privateNetworkId: pn.id }, isIpv6: true });
    e = await caught(() => ipam.releaseIPSet({ ipIds: [a.id, missing] }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal((await ipam.listIPs({ privateNetworkId: pn.id })).totalCount, 2, 'a failed set releases nothing');
    await ipam.releaseIPSet({ ipIds: [a.id, b.id] });
    assert.equal((await ipam.listIPs({ privateNetworkId: pn.id })).totalCount, 0);
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
  });

  it('lists with the published filters', async () => {
    const v = await vpc.createVPC({ name: `vpc-${tag()}` });
    const pn = await vpc.createPrivateNetwork({ name: 'a', vpcId: v.id });
    const pn2 = await vpc.createPrivateNetwork({ name: 'b', vpcId: v.id });
    const a = await ipam.bookIP({ source: { privateNetworkId: pn.id }, tags: ['blue'] });
    const b = await ipam.bookIP({ source: { privateNetworkId: pn.id }, isIpv6: true });
    const c = await ipam.bookIP({ source: { privateNetworkId: pn2.id }, resource: { macAddress: '02:00:00:12:cc:a6', name: 'vm-one' } });

    const ids = (l) => l.ips.map((i) => i.id).sort();
    const sorted = (...x) => x.map((i) => i.id).sort();
    assert.deepEqual(ids(await ipam.listIPs({ privateNetworkId: pn.id })), sorted(a, b));
    assert.deepEqual(ids(await ipam.listIPs({ subnetId: pn2.subnets[0].id })), sorted(c));
    assert.deepEqual(ids(await ipam.listIPs({ vpcId: v.id })), sorted(a, b, c));
    assert.deepEqual(ids(await ipam.listIPs({ sourceVpcId: v.id, isIpv6: false })), sorted(a, c));
    assert.deepEqual(ids(await ipam.listIPs({ vpcId: v.id, isIpv6: true })), sorted(b));
    assert.deepEqual(ids(await ipam.listIPs({ vpcId: v.id, attached: true })), sorted(c));
    assert.deepEqual(ids(await ipam.listIPs({ vpcId: v.id, attached: false })), sorted(a, b));
    assert.deepEqual(ids(await ipam.listIPs({ vpcId: v.id, resourceType: 'custom' })), sorted(c));
    assert.deepEqual(ids(await ipam.listIPs({ vpcId: v.id, resourceType: 'unknown_type' })), sorted(a, b, c));
    assert.deepEqual(ids(await ipam.listIPs({ vpcId: v.id, resourceTypes: ['instance_private_nic'] })), []);
    assert.deepEqual(ids(await ipam.listIPs({ resourceId: c.id })), sorted(c));
    assert.deepEqual(ids(await ipam.listIPs({ resourceIds: [c.id, crypto.randomUUID()] })), sorted(c));
    assert.deepEqual(ids(await ipam.listIPs({ macAddress: '02:00:00:12:cc:a6' })), sorted(c));
    assert.deepEqual(ids(await ipam.listIPs({ resourceName: 'vm-o' })), sorted(c));
    assert.deepEqual(ids(await ipam.listIPs({ vpcId: v.id, tags: ['blue'] })), sorted(a));
    assert.deepEqual(ids(await ipam.listIPs({ ipIds: [a.id, b.id] })), sorted(a, b));
    assert.deepEqual(ids(await ipam.listIPs({ vpcId: v.id, projectId: org, organizationId: org })), sorted(a, b, c));
    assert.deepEqual(ids(await ipam.listIPs({ zonal: 'fr-par-1' })), []);
    const desc = await ipam.listIPs({ vpcId: v.id });
    assert.equal(desc.ips[0].id, c.id, 'created_at_desc by default');
    const asc = await ipam.listIPs({ vpcId: v.id, orderBy: 'created_at_asc' });
    assert.equal(asc.ips[0].id, a.id);
    const page = await ipam.pageOfListIPs({ vpcId: v.id, page: 2, pageSize: 2 });
    assert.equal(page.totalCount, 3);
    assert.equal(page.ips.length, 1);
    const e = await caught(() => ipam.listIPs({ organizationId: crypto.randomUUID() }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `got ${e}`);
    const bad = await raw(server, 'GET', `${R}/ips?private_network_id=nope`);
    assert.equal(bad.status, 400, show(bad));

    await releaseAll(pn.id);
    await releaseAll(pn2.id);
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
    await vpc.deletePrivateNetwork({ privateNetworkId: pn2.id });
    await vpc.deleteVPC({ vpcId: v.id });
  });
});
