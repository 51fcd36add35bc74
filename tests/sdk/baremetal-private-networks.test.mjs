// Elastic Metal servers on VPC Private Networks end to end through the official JS SDK
// (@scaleway/sdk-baremetal: the four PrivateNetworkAPI methods of Baremetalv1 and of
// Baremetalv3), with Private Networks from @scaleway/sdk-vpc and the attachments' addresses read
// back with @scaleway/sdk-ipam. The attachments' statuses are waited for with the SDK's
// waitForResource over their transient statuses, on the virtual clock (advanced, never slept
// on). Shapes follow the recordings (baremetal/tf__server-*private-network*,
// tf__server-with-ipam-private-network).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Errors, waitForResource } from '@scaleway/sdk-client';
import { Baremetalv1, Baremetalv3 } from '@scaleway/sdk-baremetal';
import { Ipamv1 } from '@scaleway/sdk-ipam';
import { Vpcv2 } from '@scaleway/sdk-vpc';

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
import { TS_RE, assertInvalidArguments, assertPreconditionFailed } from './lib/shapes.mjs';

const ZONE = 'fr-par-2';
const V1 = `/baremetal/v1/zones/${ZONE}`;
const V3 = `/baremetal/v3/zones/${ZONE}`;
const UNKNOWN = '0c265f34-84f7-42bf-937e-c8c5e704e559';
const WAIT = { minDelay: 1, maxDelay: 2, timeout: 30 };
const V1_KEYS = ['created_at', 'id', 'private_network_id', 'project_id', 'server_id', 'status', 'updated_at', 'vlan'];
const V3_KEYS = [...V1_KEYS, 'ipam_ip_ids'].sort();
const OPERATIONS = [
  'addServerPrivateNetwork',
  'setServerPrivateNetworks',
  'listServerPrivateNetworks',
  'deleteServerPrivateNetwork',
];

let server;
let metal; // Baremetalv1.API (servers)
let pn1; // Baremetalv1.PrivateNetworkAPI
let pn3; // Baremetalv3.PrivateNetworkAPI
let vpc; // Vpcv2.API
let ipam; // Ipamv1.API
let owner; // IAM API of the owner
let project;
let offer;
let pnOption;
const called = { v1: new Set(), v3: new Set() };

// Records which of the four operations each version's tests called.
function recording(api, seen) {
  return new Proxy(api, {
    get(target, prop) {
      const v = target[prop];
      if (typeof v === 'function' && OPERATIONS.includes(prop)) seen.add(prop);
      return v;
    },
  });
}

before(async () => {
  server = await startServer();
  const client = makeClient(server, { defaultZone: ZONE });
  metal = new Baremetalv1.API(client);
  pn1 = recording(new Baremetalv1.PrivateNetworkAPI(client), called.v1);
  pn3 = recording(new Baremetalv3.PrivateNetworkAPI(client), called.v3);
  vpc = new Vpcv2.API(client);
  ipam = new Ipamv1.API(client);
  owner = iamApi(client);
  project = server.creds.projectId;
  offer = (await metal.listOffers({})).offers.find((o) => o.name === 'EM-I215E-NVME');
  assert.ok(offer, 'EM-I215E-NVME in the catalogue');
  pnOption = offer.options.find((o) => o.name === 'Private Network');
  assert.ok(pnOption, 'the offer sells the Private Network option');
});

after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly: ${JSON.stringify(r)}`);
  }
});

const advance = (seconds) => advanceClock(server, seconds);

// A delivered server, with the Private Network option unless `option` is false.
async function newServer({ option = true } = {}) {
  const s = await metal.createServer({
    offerId: offer.id,
    name: `em-${tag()}`,
    description: '',
    protected: false,
    optionIds: option ? [pnOption.id] : [],
  });
  await advance(10);
  const ready = await metal.waitForServer({ serverId: s.id }, WAIT);
  assert.equal(ready.status, 'ready');
  return ready;
}

async function newPN(region = 'fr-par') {
  return vpc.createPrivateNetwork({ name: `pn-${tag()}`, region });
}

// The server's attachments once none is attaching or detaching (the clock moved past them).
async function settled(serverId) {
  await advance(5);
  const list = await waitForResource(
    (r) =>
      Promise.resolve(
        r.serverPrivateNetworks.every(
          (a) => !Baremetalv3.SERVER_PRIVATE_NETWORK_TRANSIENT_STATUSES.includes(a.status),
        ),
      ),
    (req) => pn3.listServerPrivateNetworks(req),
    { serverId, orderBy: 'created_at_asc' },
    WAIT,
  );
  return list.serverPrivateNetworks;
}

async function ipamCount() {
  return (await ipam.listIPs({})).totalCount;
}

// The hardware MAC a server's IPv6 address is derived from (EUI-64, B4:83:51 range).
function macOf(s) {
  const v6 = s.ips.find((i) => i.version === 'IPv6').address.split(':');
  const pad = (g) => g.padStart(4, '0');
  const [g6, g7] = [pad(v6[6]), pad(v6[7])];
  return ['B4', '83', '51', g6.slice(2, 4), g7.slice(0, 2), g7.slice(2, 4)].join(':').toUpperCase();
}

// The platform's bare answer: {"message": ...} and nothing else.
function assertBare(r, status, what = '') {
  assert.equal(r.status, status, `${what}: ${show(r)}`);
  assert.deepEqual(Object.keys(r.json), ['message'], `${what}: bare body ${show(r)}`);
}

describe('v3 (what the Terraform provider uses)', () => {
  it('sets the networks: addresses booked under the attachment, attaching then attached', async () => {
    const s = await newServer();
    const pn = await newPN();
    const set = await pn3.setServerPrivateNetworks({ serverId: s.id, perPrivateNetworkIpamIpIds: { [pn.id]: [] } });
    assert.equal(set.serverPrivateNetworks.length, 1);
    const a = set.serverPrivateNetworks[0];
    assert.match(a.id, UUID_RE);
    assert.equal(a.serverId, s.id);
    assert.equal(a.privateNetworkId, pn.id);
    assert.equal(a.projectId, project);
    assert.equal(a.status, 'attaching');
    assert.ok(Number.isInteger(a.vlan) && a.vlan > 1 && a.vlan < 4095, `vlan ${a.vlan}`);
    assert.equal(a.ipamIpIds.length, 2, 'one IPv4 and one IPv6 address');

    const wire = await raw(server, 'GET', `${V3}/server-private-networks?server_id=${s.id}`);
    assert.equal(wire.status, 200, show(wire));
    assert.equal(wire.json.total_count, 1);
    const w = wire.json.server_private_networks[0];
    assert.deepEqual(Object.keys(w).sort(), V3_KEYS);
    assert.match(w.created_at, TS_RE);
    assert.match(w.updated_at, TS_RE);

    // IPAM shows the addresses under the attachment, with the server's hardware MAC and name.
    const ips = await ipam.listIPs({ resourceType: 'baremetal_private_nic', privateNetworkId: pn.id });
    assert.equal(ips.totalCount, 2);
    assert.deepEqual(ips.ips.map((i) => i.id).sort(), [...a.ipamIpIds].sort());
    assert.deepEqual(ips.ips.map((i) => i.isIpv6).sort(), [false, true]);
    for (const ip of ips.ips) {
      assert.equal(ip.resource.type, 'baremetal_private_nic');
      assert.equal(ip.resource.id, a.id);
      assert.equal(ip.resource.macAddress, macOf(s));
      assert.equal(ip.resource.name, s.name);
    }
    assert.match(ips.ips.find((i) => !i.isIpv6).address, /^\d+\.\d+\.\d+\.2\/\d+$/);

    const done = await settled(s.id);
    assert.equal(done.length, 1);
    assert.equal(done[0].status, 'attached');
    assert.equal(done[0].vlan, a.vlan);
  });

  it('adds a network with addresses the user booked, re-addresses it with a PUT, filters by address', async () => {
    const s = await newServer();
    const pn = await newPN();
    const before = await ipamCount();
    const book = (address) =>
      ipam.bookIP({ projectId: project, source: { privateNetworkId: pn.id }, isIpv6: false, address });
    const ip7 = await book(`${pn.subnets[0].subnet.split('.').slice(0, 3).join('.')}.7`);
    const ip9 = await book(undefined);
    const a = await pn3.addServerPrivateNetwork({ serverId: s.id, privateNetworkId: pn.id, ipamIpIds: [ip7.id] });
    assert.equal(a.status, 'attaching');
    assert.deepEqual(a.ipamIpIds, [ip7.id]);
    assert.equal((await ipam.getIP({ ipId: ip7.id })).resource.id, a.id);
    assert.equal(await ipamCount(), before + 2, 'nothing booked beside the user\'s addresses');

    const byIp = await pn3.listServerPrivateNetworks({ ipamIpIds: [ip7.id] });
    assert.deepEqual(byIp.serverPrivateNetworks.map((x) => x.id), [a.id]);
    assert.equal((await pn3.listServerPrivateNetworks({ ipamIpIds: [ip9.id] })).totalCount, 0);

    await settled(s.id);
    const both = await pn3.setServerPrivateNetworks({
      serverId: s.id,
      perPrivateNetworkIpamIpIds: { [pn.id]: [ip7.id, ip9.id] },
    });
    assert.equal(both.serverPrivateNetworks.length, 1);
    assert.equal(both.serverPrivateNetworks[0].id, a.id, 'the same attachment');
    assert.equal(both.serverPrivateNetworks[0].status, 'attached');
    assert.deepEqual(both.serverPrivateNetworks[0].ipamIpIds, [ip7.id, ip9.id]);
    assert.equal((await ipam.getIP({ ipId: ip9.id })).resource.id, a.id);

    // Leaving: the user's addresses stay booked, attached to nothing.
    await pn3.deleteServerPrivateNetwork({ serverId: s.id, privateNetworkId: pn.id });
    for (const id of [ip7.id, ip9.id]) assert.equal((await ipam.getIP({ ipId: id })).resource, undefined);
    assert.deepEqual(await settled(s.id), []);
    await ipam.releaseIP({ ipId: ip7.id });
    await ipam.releaseIP({ ipId: ip9.id });
  });

  it('a PUT is the whole set: networks left out leave, those named stay as they are', async () => {
    const s = await newServer();
    const [a, b] = [await newPN(), await newPN()];
    await pn3.setServerPrivateNetworks({ serverId: s.id, perPrivateNetworkIpamIpIds: { [a.id]: [], [b.id]: [] } });
    const two = await settled(s.id);
    assert.equal(two.length, 2);
    assert.notEqual(two[0].vlan, two[1].vlan, 'one VLAN per network on a server');
    const keep = two.find((x) => x.privateNetworkId === b.id);

    const r = await pn3.setServerPrivateNetworks({ serverId: s.id, perPrivateNetworkIpamIpIds: { [b.id]: [] } });
    const leaving = r.serverPrivateNetworks.find((x) => x.privateNetworkId === a.id);
    assert.equal(leaving.status, 'detaching');
    assert.deepEqual(leaving.ipamIpIds, [], 'addresses given back at once');
    const kept = r.serverPrivateNetworks.find((x) => x.privateNetworkId === b.id);
    assert.deepEqual(kept, keep);
    assert.deepEqual((await settled(s.id)).map((x) => x.id), [keep.id]);

    const none = await pn3.setServerPrivateNetworks({ serverId: s.id, perPrivateNetworkIpamIpIds: {} });
    assert.deepEqual(none.serverPrivateNetworks.map((x) => x.status), ['detaching']);
    assert.deepEqual(await settled(s.id), []);
    for (const p of [a, b]) assert.equal((await ipam.listIPs({ privateNetworkId: p.id })).totalCount, 0);
  });
});

describe('v1', () => {
  it('adds, lists with every filter, deletes', async () => {
    const s = await newServer();
    const other = await newServer();
    const [a, b] = [await newPN(), await newPN()];
    const x = await pn1.addServerPrivateNetwork({ serverId: s.id, privateNetworkId: a.id });
    assert.equal(x.status, 'attaching');
    assert.equal(x.ipamIpIds, undefined, 'v1 does not show IPAM ids');
    const wire = await raw(server, 'GET', `${V1}/server-private-networks?private_network_id=${a.id}`);
    assert.deepEqual(Object.keys(wire.json.server_private_networks[0]).sort(), V1_KEYS);

    // The same network twice: refused in the platform's bare shape.
    const dup = await raw(server, 'POST', `${V1}/servers/${s.id}/private-networks`, {
      body: { private_network_id: a.id },
    });
    assertBare(dup, 409, 'twice');
    assert.ok(await caught(() => pn1.addServerPrivateNetwork({ serverId: s.id, privateNetworkId: a.id })));

    await pn1.setServerPrivateNetworks({ serverId: s.id, privateNetworkIds: [a.id, b.id] });
    await pn1.addServerPrivateNetwork({ serverId: other.id, privateNetworkId: a.id });
    await settled(s.id);
    await settled(other.id);
    const all = await pn1.listServerPrivateNetworks({});
    assert.ok(all.totalCount >= 3);
    assert.equal((await pn1.listServerPrivateNetworks({ serverId: s.id })).totalCount, 2);
    assert.equal((await pn1.listServerPrivateNetworks({ privateNetworkId: a.id })).totalCount, 2);
    const both = await pn1.listServerPrivateNetworks({ serverId: s.id, privateNetworkId: b.id });
    assert.deepEqual(both.serverPrivateNetworks.map((z) => z.status), ['attached']);
    assert.equal((await pn1.listServerPrivateNetworks({ projectId: project, serverId: s.id })).totalCount, 2);
    assert.equal((await pn1.listServerPrivateNetworks({ projectId: UNKNOWN })).totalCount, 0);
    const mine = { organizationId: server.creds.organizationId, serverId: s.id };
    assert.equal((await pn1.listServerPrivateNetworks(mine)).totalCount, 2);
    const desc = await pn1.listServerPrivateNetworks({ serverId: s.id, orderBy: 'created_at_desc' });
    assert.deepEqual(desc.serverPrivateNetworks.map((z) => z.privateNetworkId), [b.id, a.id]);
    const page = await pn1.listServerPrivateNetworks({ serverId: s.id, page: 2, pageSize: 1 });
    assert.equal(page.totalCount, 2);
    assert.deepEqual(page.serverPrivateNetworks.map((z) => z.privateNetworkId), [b.id]);
    // The same records through v3.
    const v3 = await pn3.listServerPrivateNetworks({ serverId: s.id });
    assert.equal(v3.serverPrivateNetworks[0].ipamIpIds.length, 2);

    await pn1.deleteServerPrivateNetwork({ serverId: s.id, privateNetworkId: a.id });
    const d = await pn1.listServerPrivateNetworks({ serverId: s.id, privateNetworkId: a.id });
    assert.deepEqual(d.serverPrivateNetworks.map((z) => z.status), ['detaching']);
    assertBare(await raw(server, 'DELETE', `${V1}/servers/${s.id}/private-networks/${a.id}`), 404, 'left already');
    assert.deepEqual((await settled(s.id)).map((z) => z.privateNetworkId), [b.id]);
    // The set replaces: b leaves, a comes back.
    const r = await pn1.setServerPrivateNetworks({ serverId: s.id, privateNetworkIds: [a.id] });
    assert.deepEqual(r.serverPrivateNetworks.map((z) => [z.privateNetworkId, z.status]), [
      [b.id, 'detaching'],
      [a.id, 'attaching'],
    ]);
    assert.deepEqual((await settled(s.id)).map((z) => z.privateNetworkId), [a.id]);
  });
});

describe('the Private Network and the server', () => {
  it('a Private Network holding a metal server cannot be deleted; once it left, it can', async () => {
    const s = await newServer();
    const pn = await newPN();
    await pn3.addServerPrivateNetwork({ serverId: s.id, privateNetworkId: pn.id });
    await settled(s.id);
    const e = await caught(() => vpc.deletePrivateNetwork({ privateNetworkId: pn.id }));
    assert.ok(e instanceof Errors.PreconditionFailedError, String(e));
    assertPreconditionFailed(
      await raw(server, 'DELETE', `/vpc/v2/regions/fr-par/private-networks/${pn.id}`),
      'resource_still_in_use',
    );
    await pn3.deleteServerPrivateNetwork({ serverId: s.id, privateNetworkId: pn.id });
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
    assert.deepEqual(await settled(s.id), []);
  });

  it('deleting the server lets go of its networks and their addresses', async () => {
    const s = await newServer();
    const pn = await newPN();
    await pn3.setServerPrivateNetworks({ serverId: s.id, perPrivateNetworkIpamIpIds: { [pn.id]: [] } });
    await settled(s.id);
    const deleted = await metal.deleteServer({ serverId: s.id });
    assert.equal(deleted.status, 'deleting');
    assert.equal((await pn3.listServerPrivateNetworks({ serverId: s.id })).totalCount, 0);
    assert.equal((await ipam.listIPs({ privateNetworkId: pn.id })).totalCount, 0);
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
  });
});

describe('bad input', () => {
  it('answers clear errors and changes nothing', async () => {
    const s = await newServer();
    const bare = await newServer({ option: false });
    const pn = await newPN();
    const elsewhere = await newPN('nl-ams');
    const otherPn = await newPN();
    const foreign = await ipam.bookIP({ projectId: project, source: { privateNetworkId: otherPn.id }, isIpv6: false });
    const before = await ipamCount();
    const post = (path, body) => raw(server, 'POST', path, { body });
    const put = (path, body) => raw(server, 'PUT', path, { body });
    const p3 = `${V3}/servers/${s.id}/private-networks`;

    const join = { private_network_id: pn.id };
    assertBare(await post(`${V3}/servers/${UNKNOWN}/private-networks`, join), 404, 'unknown server');
    const zone1 = `/baremetal/v3/zones/fr-par-1/servers/${s.id}/private-networks`;
    assertBare(await post(zone1, join), 404, 'server of another zone');
    const nf = await post(p3, { private_network_id: UNKNOWN });
    assert.equal(nf.status, 404, show(nf));
    assert.equal(nf.json.resource, 'private_network');
    assert.equal((await post(p3, { private_network_id: elsewhere.id })).status, 404, 'a network of another region');
    assertInvalidArguments(await post(p3, {}), 'private_network_id', 'no network');
    assertInvalidArguments(await post(p3, { private_network_id: 'nope' }), 'private_network_id', 'malformed');
    const noOption = await post(`${V3}/servers/${bare.id}/private-networks`, { private_network_id: pn.id });
    assertBare(noOption, 412, 'without the Private Network option');
    assert.match(noOption.json.message, /Private Network option/);
    const v1NoOption = await put(`${V1}/servers/${bare.id}/private-networks`, { private_network_ids: [pn.id] });
    assertBare(v1NoOption, 412, 'v1 set without the option');
    const wrongIp = await post(p3, { private_network_id: pn.id, ipam_ip_ids: [foreign.id] });
    assertInvalidArguments(wrongIp, null, 'an address of another network');
    assert.equal((await post(p3, { private_network_id: pn.id, ipam_ip_ids: [UNKNOWN] })).status, 404);
    const map = 'per_private_network_ipam_ip_ids';
    assertInvalidArguments(await put(p3, { [map]: { nope: [] } }), map, 'a malformed key');
    assertInvalidArguments(await put(p3, { [map]: { [pn.id]: 'x' } }), map, 'not a list');
    assertInvalidArguments(await put(p3, {}), map, 'no set');
    const p1 = `${V1}/servers/${s.id}/private-networks`;
    assertInvalidArguments(await put(p1, { private_network_ids: ['nope'] }), 'private_network_ids');
    // One unknown network spoils the whole set.
    const mixed = await put(p3, { per_private_network_ipam_ip_ids: { [pn.id]: [], [UNKNOWN]: [] } });
    assert.equal(mixed.status, 404, show(mixed));
    assertBare(await raw(server, 'DELETE', `${p3}/${pn.id}`), 404, 'not attached');
    assertInvalidArguments(await raw(server, 'GET', `${V3}/server-private-networks?ipam_ip_ids=nope`), 'ipam_ip_ids');
    assertInvalidArguments(await raw(server, 'GET', `${V1}/server-private-networks?order_by=name_asc`), 'order_by');
    // Through the SDK: errors it can read.
    const e = await caught(() => pn3.addServerPrivateNetwork({ serverId: s.id, privateNetworkId: UNKNOWN }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, String(e));

    const left = (await pn3.listServerPrivateNetworks({})).serverPrivateNetworks;
    assert.equal(left.filter((x) => [s.id, bare.id].includes(x.serverId)).length, 0);
    assert.equal(await ipamCount(), before);
    assert.equal((await ipam.getIP({ ipId: foreign.id })).resource, undefined);
  });
});

describe('permissions', () => {
  it('reads with a read-only key; attaching needs write on the server and on the network', async () => {
    const s = await newServer();
    const pn = await newPN();
    await pn3.addServerPrivateNetwork({ serverId: s.id, privateNetworkId: pn.id });
    await settled(s.id);
    const rules = (sets) => [{ permissionSetNames: sets, projectIds: [project], condition: '' }];
    const reader = await appWithKey(server, owner, { rules: rules(['ElasticMetalReadOnly', 'VPCReadOnly']) });
    const metalOnly = await appWithKey(server, owner, { rules: rules(['ElasticMetalFullAccess', 'VPCReadOnly']) });
    const both = await appWithKey(server, owner, { rules: rules(['ElasticMetalFullAccess', 'VPCFullAccess']) });
    const nothing = await appWithKey(server, owner, { rules: rules(['VPCReadOnly']) });

    const as = (k) => makeClient(server, { defaultZone: ZONE, accessKey: k.accessKey, secretKey: k.secretKey });
    const ro = new Baremetalv3.PrivateNetworkAPI(as(reader));
    assert.equal((await ro.listServerPrivateNetworks({ serverId: s.id })).totalCount, 1);
    const denied = await caught(() => ro.deleteServerPrivateNetwork({ serverId: s.id, privateNetworkId: pn.id }));
    assert.ok(denied instanceof Errors.PermissionsDeniedError, String(denied));
    const listNone = await raw(server, 'GET', `${V3}/server-private-networks`, { token: nothing.secretKey });
    assert.equal(listNone.status, 403, show(listNone));

    // Full access on the server but read-only on the network: the network refuses to be joined,
    // also when named as a key of the v3 set.
    const pn2 = await newPN();
    assertPermissionsDenied(
      await raw(server, 'POST', `${V1}/servers/${s.id}/private-networks`, {
        token: metalOnly.secretKey,
        body: { private_network_id: pn2.id },
      }),
      'write',
      'private_network',
    );
    assertPermissionsDenied(
      await raw(server, 'PUT', `${V3}/servers/${s.id}/private-networks`, {
        token: metalOnly.secretKey,
        body: { per_private_network_ipam_ip_ids: { [pn.id]: [], [pn2.id]: [] } },
      }),
      'write',
      'private_network',
    );
    assertPermissionsDenied(
      await raw(server, 'PUT', `${V1}/servers/${s.id}/private-networks`, {
        token: metalOnly.secretKey,
        body: { private_network_ids: [pn2.id] },
      }),
      'write',
      'private_network',
    );
    assert.equal((await pn3.listServerPrivateNetworks({ serverId: s.id })).totalCount, 1, 'nothing changed');

    const rw = new Baremetalv3.PrivateNetworkAPI(as(both));
    const r = await rw.setServerPrivateNetworks({
      serverId: s.id,
      perPrivateNetworkIpamIpIds: { [pn.id]: [], [pn2.id]: [] },
    });
    assert.equal(r.serverPrivateNetworks.length, 2);
    await rw.deleteServerPrivateNetwork({ serverId: s.id, privateNetworkId: pn2.id });
  });
});

describe('coverage', () => {
  it('called every private network operation of v1 and v3', () => {
    assert.deepEqual([...called.v1].sort(), [...OPERATIONS].sort());
    assert.deepEqual([...called.v3].sort(), [...OPERATIONS].sort());
  });
});
