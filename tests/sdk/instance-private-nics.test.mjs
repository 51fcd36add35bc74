// Instance private NICs end to end: every v1 PrivateNIC method of the official JS SDK
// (@scaleway/sdk-instance: list/create/get/update/delete + waitForPrivateNIC), and the v2alpha1
// private-network-interfaces routes the Terraform provider uses (no JS SDK: raw HTTP). Private
// Networks come from @scaleway/sdk-vpc, the NICs' addresses are read back with @scaleway/sdk-ipam.
// Shapes follow the recordings (instance/tf__server-private-network,
// instance/cli__test-get-private-nic-*, instance/tf__data-source-private-nic-basic).

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Errors } from '@scaleway/sdk-client';
import { Instancev1 } from '@scaleway/sdk-instance';
import { Ipamv1 } from '@scaleway/sdk-ipam';
import { Vpcv2 } from '@scaleway/sdk-vpc';

import { UUID_RE, caught, makeClient, raw, show, startServer } from './lib/harness.mjs';
import { appWithKey, assertPermissionsDenied, iamApi } from './lib/iam.mjs';
import {
  assertInvalidArguments,
  assertNotFound,
  assertPreconditionFailed,
  assertWire,
} from './lib/shapes.mjs';

const Z = '/instance/v1/zones/fr-par-1';
const V2 = '/instance/v2alpha1/zones/fr-par-1';
const UNKNOWN = '0c265f34-84f7-42bf-937e-c8c5e704e559';
const TS_OFFSET_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/;
const TS_Z_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const MAC_RE = /^02:00:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/;
const WAIT = { minDelay: 1, maxDelay: 2, timeout: 60 };
const V1_KEYS = [
  'creation_date', 'id', 'ipam_ip_ids', 'mac_address', 'modification_date', 'private_network_id',
  'server_id', 'state', 'tags', 'zone',
];
const V2_KEYS = [
  'created_at', 'id', 'ip_ids', 'mac_address', 'private_network_id', 'project_id',
  'security_group_id', 'server_id', 'status', 'tags', 'updated_at',
];

let server;
let api; // Instancev1.API
let vpc; // Vpcv2.API
let ipam; // Ipamv1.API
let project;
let localJammy;

const sorted = (o) => Object.keys(o).sort();
const uniq = () => crypto.randomUUID().slice(0, 8);

async function advance(seconds) {
  const a = await raw(server, 'POST', '/_scwd/clock/advance', { body: { seconds } });
  assert.equal(a.status, 200, show(a));
}

async function newServer(extra = {}) {
  const res = await api.createServer({
    name: `srv-${uniq()}`,
    commercialType: 'DEV1-S',
    image: localJammy,
    ...extra,
  });
  return res.server;
}

async function newPN() {
  return vpc.createPrivateNetwork({ name: `pn-${uniq()}` });
}

async function ipsOf(resourceId) {
  const r = await ipam.listIPs({ resourceId });
  return r.ips;
}

function isNotFound(e, resource) {
  assert.ok(e instanceof Errors.ResourceNotFoundError, String(e));
  assert.equal(e.resource, resource);
}

before(async () => {
  server = await startServer();
  const client = makeClient(server);
  api = new Instancev1.API(client);
  vpc = new Vpcv2.API(client);
  ipam = new Ipamv1.API(client);
  project = server.creds.projectId;
  const r = await raw(
    server,
    'GET',
    '/marketplace/v2/local-images?image_label=ubuntu_jammy&zone=fr-par-1&type=instance_local&arch=x86_64',
  );
  assert.equal(r.status, 200, show(r));
  localJammy = r.json.local_images.find((i) => i.type === 'instance_local').id;
});

after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly: ${JSON.stringify(r)}\n${server.logs().slice(-3000)}`);
  }
});

// ---------------------------------------------------------------------------------------------

describe('v1 private NICs through the SDK', () => {
  it('create, get, list, update, delete on a stopped server; IPAM addresses follow', async () => {
    const pn = await newPN();
    const srv = await newServer({ name: 'nic-host' });

    const created = (await api.createPrivateNIC({ serverId: srv.id, privateNetworkId: pn.id, tags: ['a', 'b'] })).privateNic;
    assert.match(created.id, UUID_RE);
    assert.equal(created.serverId, srv.id);
    assert.equal(created.privateNetworkId, pn.id);
    assert.match(created.macAddress, MAC_RE);
    assert.equal(created.state, 'available'); // stopped server: at once (recorded)
    assert.deepEqual(created.tags, ['a', 'b']);
    assert.ok(created.creationDate instanceof Date);
    assert.equal(created.zone, 'fr-par-1');

    // The wire object (the SDK drops ipam_ip_ids / modification_date).
    const wire = await raw(server, 'GET', `${Z}/servers/${srv.id}/private_nics/${created.id}`);
    assert.equal(wire.status, 200, show(wire));
    assertWire(wire, 'get private nic');
    assert.deepEqual(sorted(wire.json.private_nic), V1_KEYS);
    assert.match(wire.json.private_nic.creation_date, TS_OFFSET_RE);
    const ipIds = wire.json.private_nic.ipam_ip_ids;
    assert.equal(ipIds.length, 2);

    // IPAM: one IPv4 then one IPv6, attached to the NIC.
    const ips = await ipsOf(created.id);
    assert.equal(ips.length, 2);
    assert.deepEqual(new Set(ips.map((i) => i.id)), new Set(ipIds));
    const v4 = ips.find((i) => !i.isIpv6);
    const v6 = ips.find((i) => i.isIpv6);
    assert.equal(v4.id, ipIds[0]);
    assert.equal(v6.id, ipIds[1]);
    for (const ip of ips) {
      assert.equal(ip.resource.type, 'instance_private_nic');
      assert.equal(ip.resource.id, created.id);
      assert.equal(ip.resource.macAddress, created.macAddress.toUpperCase());
      assert.equal(ip.resource.name, 'nic-host');
    }

    const got = (await api.getPrivateNIC({ serverId: srv.id, privateNicId: created.id })).privateNic;
    assert.equal(got.id, created.id);
    const waited = await api.waitForPrivateNIC({ serverId: srv.id, privateNicId: created.id }, WAIT);
    assert.equal(waited.state, 'available');

    const list = await api.listPrivateNICs({ serverId: srv.id });
    assert.equal(list.totalCount, 1);
    assert.deepEqual(list.privateNics.map((n) => n.id), [created.id]);
    assert.equal((await api.listPrivateNICs({ serverId: srv.id, tags: ['a'] })).totalCount, 1);
    assert.equal((await api.listPrivateNICs({ serverId: srv.id, tags: ['zzz'] })).totalCount, 0);
    const rawList = await raw(server, 'GET', `${Z}/servers/${srv.id}/private_nics`);
    assert.equal(rawList.headers.get('x-total-count'), '1');
    assert.deepEqual(Object.keys(rawList.json), ['private_nics']);

    const updated = await api.updatePrivateNIC({ serverId: srv.id, privateNicId: created.id, tags: ['c'] });
    assert.equal(updated.id, created.id);
    assert.deepEqual(updated.tags, ['c']);

    // The server object embeds its NICs.
    const s = (await api.getServer({ serverId: srv.id })).server;
    assert.equal(s.privateNics.length, 1);
    assert.equal(s.privateNics[0].id, created.id);
    assert.deepEqual(s.privateNics[0].tags, ['c']);

    // Renaming the server renames the IPAM resource.
    await api.updateServer({ serverId: srv.id, name: 'nic-host-2' });
    for (const ip of await ipsOf(created.id)) assert.equal(ip.resource.name, 'nic-host-2');

    await api.deletePrivateNIC({ serverId: srv.id, privateNicId: created.id });
    isNotFound(await caught(() => api.getPrivateNIC({ serverId: srv.id, privateNicId: created.id })), 'instance_private_nic');
    assert.equal((await ipsOf(created.id)).length, 0);
    assert.equal((await api.getServer({ serverId: srv.id })).server.privateNics.length, 0);

    await api.deleteServer({ serverId: srv.id });
    isNotFound(await caught(() => api.getPrivateNIC({ serverId: srv.id, privateNicId: created.id })), 'instance_server');
  });

  it('on a running server the NIC syncs, then waitForPrivateNIC sees it available', async () => {
    const pn = await newPN();
    const srv = await newServer();
    await api.serverAction({ serverId: srv.id, action: 'poweron' });
    await advance(30);
    assert.equal((await api.getServer({ serverId: srv.id })).server.state, 'running');
    const nic = (await api.createPrivateNIC({ serverId: srv.id, privateNetworkId: pn.id })).privateNic;
    assert.equal(nic.state, 'syncing');
    const v2 = await raw(server, 'GET', `${V2}/private-network-interfaces/${nic.id}`);
    assert.equal(v2.json.status, 'attaching');
    await advance(120);
    const ready = await api.waitForPrivateNIC({ serverId: srv.id, privateNicId: nic.id }, WAIT);
    assert.equal(ready.state, 'available');

    // terminate takes the NIC and its addresses with the server.
    await api.serverAction({ serverId: srv.id, action: 'terminate' });
    await advance(60);
    isNotFound(await caught(() => api.getServer({ serverId: srv.id })), 'instance_server');
    assertNotFound(await raw(server, 'GET', `${V2}/private-network-interfaces/${nic.id}`), 'instance_private_nic', nic.id);
    assert.equal((await ipsOf(nic.id)).length, 0);
  });

  it('pre-booked IPAM addresses are attached, and detached (not released) with the NIC', async () => {
    const pn = await newPN();
    const srv = await newServer();
    const booked = await ipam.bookIP({ source: { privateNetworkId: pn.id }, isIpv6: false });
    const r = await raw(server, 'POST', `${Z}/servers/${srv.id}/private_nics`, {
      body: { private_network_id: pn.id, ipam_ip_ids: [booked.id] },
    });
    assert.equal(r.status, 201, show(r));
    assert.equal(r.headers.get('location'), null); // no Location on private NICs (recorded)
    assert.deepEqual(r.json.private_nic.ipam_ip_ids, [booked.id]);
    const nicId = r.json.private_nic.id;
    const ip = await ipam.getIP({ ipId: booked.id });
    assert.equal(ip.resource.id, nicId);
    assert.equal(ip.resource.type, 'instance_private_nic');

    // Deleting the server removes the NIC; the user's address stays booked, detached.
    await api.deleteServer({ serverId: srv.id });
    const after = await ipam.getIP({ ipId: booked.id });
    assert.equal(after.resource, undefined);
    await ipam.releaseIP({ ipId: booked.id });
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
  });

  it('error paths change nothing', async () => {
    const pn = await newPN();
    const srv = await newServer();
    isNotFound(await caught(() => api.createPrivateNIC({ serverId: UNKNOWN, privateNetworkId: pn.id })), 'instance_server');
    isNotFound(await caught(() => api.createPrivateNIC({ serverId: srv.id, privateNetworkId: UNKNOWN })), 'private_network');
    isNotFound(await caught(() => api.listPrivateNICs({ serverId: UNKNOWN })), 'instance_server');
    isNotFound(await caught(() => api.getPrivateNIC({ serverId: srv.id, privateNicId: UNKNOWN })), 'instance_private_nic');
    isNotFound(await caught(() => api.updatePrivateNIC({ serverId: srv.id, privateNicId: UNKNOWN, tags: [] })), 'instance_private_nic');
    isNotFound(await caught(() => api.deletePrivateNIC({ serverId: srv.id, privateNicId: UNKNOWN })), 'instance_private_nic');
    assertInvalidArguments(await raw(server, 'POST', `${Z}/servers/${srv.id}/private_nics`, { body: {} }), 'private_network_id');
    const badIp = await raw(server, 'POST', `${Z}/servers/${srv.id}/private_nics`, {
      body: { private_network_id: pn.id, ipam_ip_ids: [UNKNOWN] },
    });
    assert.equal(badIp.status, 404, show(badIp));

    const first = (await api.createPrivateNIC({ serverId: srv.id, privateNetworkId: pn.id })).privateNic;
    const dup = await raw(server, 'POST', `${Z}/servers/${srv.id}/private_nics`, { body: { private_network_id: pn.id } });
    assert.equal(dup.status, 409, show(dup));
    assert.equal(dup.json.type, 'already_exists');
    assert.equal(dup.json.resource, 'instance_private_nic');
    assert.equal(dup.json.resource_id, first.id);

    // A NIC of another server is not found under this one.
    const other = await newServer();
    isNotFound(await caught(() => api.getPrivateNIC({ serverId: other.id, privateNicId: first.id })), 'instance_private_nic');

    assert.equal((await api.listPrivateNICs({ serverId: srv.id })).totalCount, 1);
    assert.equal((await ipsOf(first.id)).length, 2);
    const all = await ipam.listIPs({ privateNetworkId: pn.id });
    assert.equal(all.totalCount, 2);

    // A Private Network holding NIC addresses cannot be deleted.
    const busy = await caught(() => vpc.deletePrivateNetwork({ privateNetworkId: pn.id }));
    assert.ok(busy instanceof Errors.PreconditionFailedError, String(busy));
    await api.deleteServer({ serverId: srv.id });
    await api.deleteServer({ serverId: other.id });
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
  });

  it('server list filters and the dashboard count the NICs', async () => {
    const pn1 = await newPN();
    const pn2 = await newPN();
    const a = await newServer();
    const b = await newServer();
    const na = (await api.createPrivateNIC({ serverId: a.id, privateNetworkId: pn1.id })).privateNic;
    await api.createPrivateNIC({ serverId: b.id, privateNetworkId: pn2.id });
    await api.createPrivateNIC({ serverId: a.id, privateNetworkId: pn2.id });

    const byPn = await api.listServers({ privateNetwork: pn1.id });
    assert.deepEqual(byPn.servers.map((s) => s.id), [a.id]);
    const byPns = await api.listServers({ privateNetworks: [pn1.id, pn2.id] });
    assert.deepEqual(new Set(byPns.servers.map((s) => s.id)), new Set([a.id, b.id]));
    const byMac = await api.listServers({ privateNicMacAddress: na.macAddress.toUpperCase() });
    assert.deepEqual(byMac.servers.map((s) => s.id), [a.id]);
    assert.equal((await api.listServers({ privateNetwork: UNKNOWN })).totalCount, 0);
    // with_ip and private_ip also match the NICs' IPAM addresses.
    const v4 = (await ipsOf(na.id)).find((i) => !i.isIpv6);
    const plain = v4.address.split('/')[0];
    assert.deepEqual((await api.listServers({ withIp: plain })).servers.map((s) => s.id), [a.id]);
    assert.deepEqual((await api.listServers({ privateIp: plain })).servers.map((s) => s.id), [a.id]);
    assert.equal((await api.listServers({ privateIp: '10.99.99.99' })).totalCount, 0);

    const d = (await api.getDashboard()).dashboard;
    assert.ok(d.privateNicsCount >= 3, JSON.stringify(d));
    await api.deleteServer({ serverId: a.id });
    await api.deleteServer({ serverId: b.id });
    assert.equal((await api.getDashboard()).dashboard.privateNicsCount, d.privateNicsCount - 3);
  });

  it('at most 8 NICs per server', async () => {
    const srv = await newServer();
    for (let i = 0; i < 8; i += 1) {
      const pn = await newPN();
      await api.createPrivateNIC({ serverId: srv.id, privateNetworkId: pn.id });
    }
    const pn = await newPN();
    const r = await raw(server, 'POST', `${Z}/servers/${srv.id}/private_nics`, { body: { private_network_id: pn.id } });
    assertInvalidArguments(r, 'private_network_id');
    assert.equal((await api.listPrivateNICs({ serverId: srv.id })).totalCount, 8);
    await api.deleteServer({ serverId: srv.id });
  });
});

describe('v2alpha1 private-network-interfaces (raw HTTP)', () => {
  it('create (the Terraform body), get, list with filters and pages, patch, delete', async () => {
    const pn = await newPN();
    const srv = await newServer({ name: 'v2-host' });
    await api.serverAction({ serverId: srv.id, action: 'poweron' });
    await advance(30);

    const c = await raw(server, 'POST', `${V2}/private-network-interfaces`, {
      body: { private_network_id: pn.id, project_id: project, server_id: srv.id, ip_ids: null, tags: null },
    });
    assert.equal(c.status, 200, show(c));
    assertWire(c, 'create pni');
    const nic = c.json;
    assert.deepEqual(sorted(nic), V2_KEYS);
    assert.equal(nic.status, 'attaching');
    assert.equal(nic.security_group_id, '');
    assert.equal(nic.server_id, srv.id);
    assert.equal(nic.project_id, project);
    assert.deepEqual(nic.tags, []);
    assert.equal(nic.ip_ids.length, 2);
    assert.match(nic.mac_address, MAC_RE);
    assert.match(nic.created_at, TS_Z_RE);
    assert.equal(nic.created_at, nic.updated_at);

    // The same record through v1.
    const v1 = (await api.getPrivateNIC({ serverId: srv.id, privateNicId: nic.id })).privateNic;
    assert.equal(v1.state, 'syncing');
    assert.equal(v1.macAddress, nic.mac_address);

    await advance(120);
    const g = await raw(server, 'GET', `${V2}/private-network-interfaces/${nic.id}`);
    assert.equal(g.status, 200, show(g));
    assert.equal(g.json.status, 'available');
    assert.notEqual(g.json.updated_at, nic.updated_at);

    // A second one (on another PN, tagged) for the list.
    const pn2 = await newPN();
    const c2 = await raw(server, 'POST', `${V2}/private-network-interfaces`, {
      body: { private_network_id: pn2.id, project_id: project, server_id: srv.id, ip_ids: [], tags: ['t1'] },
    });
    assert.equal(c2.status, 200, show(c2));

    const q = `order_by=created_at_desc&project_id=${project}&server_ids=${srv.id}`;
    const l = await raw(server, 'GET', `${V2}/private-network-interfaces?${q}`);
    assert.equal(l.status, 200, show(l));
    assert.equal(l.json.total_count, 2);
    assert.deepEqual(l.json.private_network_interfaces.map((n) => n.id), [c2.json.id, nic.id]);
    assert.equal(l.json.next_page_token, undefined);
    const asc = await raw(server, 'GET', `${V2}/private-network-interfaces?order_by=created_at_asc&server_ids=${srv.id}`);
    assert.deepEqual(asc.json.private_network_interfaces.map((n) => n.id), [nic.id, c2.json.id]);
    const byPn = await raw(server, 'GET', `${V2}/private-network-interfaces?private_network_ids=${pn2.id}`);
    assert.deepEqual(byPn.json.private_network_interfaces.map((n) => n.id), [c2.json.id]);
    const byTag = await raw(server, 'GET', `${V2}/private-network-interfaces?tags=t1`);
    assert.deepEqual(byTag.json.private_network_interfaces.map((n) => n.id), [c2.json.id]);
    const p1 = await raw(server, 'GET', `${V2}/private-network-interfaces?server_ids=${srv.id}&page_size=1`);
    assert.equal(p1.json.private_network_interfaces.length, 1);
    assert.equal(p1.json.total_count, 2);
    assert.equal(typeof p1.json.next_page_token, 'string');
    const p2 = await raw(server, 'GET', `${V2}/private-network-interfaces?server_ids=${srv.id}&page_size=1&page_token=${p1.json.next_page_token}`);
    assert.equal(p2.json.private_network_interfaces.length, 1);
    assert.notEqual(p2.json.private_network_interfaces[0].id, p1.json.private_network_interfaces[0].id);
    assert.equal(p2.json.next_page_token, undefined);
    const none = await raw(server, 'GET', `${V2}/private-network-interfaces?server_ids=${UNKNOWN}`);
    assert.deepEqual(none.json, { private_network_interfaces: [], total_count: 0 });

    const patched = await raw(server, 'PATCH', `${V2}/private-network-interfaces/${nic.id}`, { body: { tags: ['tag1', 'tag2'] } });
    assert.equal(patched.status, 200, show(patched));
    assert.deepEqual(patched.json.tags, ['tag1', 'tag2']);

    const del = await raw(server, 'DELETE', `${V2}/private-network-interfaces/${nic.id}`);
    assert.equal(del.status, 204, show(del));
    assertNotFound(await raw(server, 'GET', `${V2}/private-network-interfaces/${nic.id}`), 'instance_private_nic', nic.id);
    assert.equal((await ipsOf(nic.id)).length, 0);
    assert.equal((await api.getServer({ serverId: srv.id })).server.privateNics.length, 1);

    await api.serverAction({ serverId: srv.id, action: 'terminate' });
    await advance(60);
    assertNotFound(await raw(server, 'GET', `${V2}/private-network-interfaces/${c2.json.id}`), 'instance_private_nic', c2.json.id);
  });

  it('attach and detach a free-standing interface; errors', async () => {
    const pn = await newPN();
    const srv = await newServer();
    const c = await raw(server, 'POST', `${V2}/private-network-interfaces`, {
      body: { private_network_id: pn.id, project_id: project, ip_ids: [], tags: [] },
    });
    assert.equal(c.status, 200, show(c));
    assert.equal(c.json.server_id, '');
    assert.equal(c.json.status, 'available');
    const id = c.json.id;

    const a = await raw(server, 'POST', `${V2}/servers/${srv.id}/attach-private-network-interface`, {
      body: { private_network_interface_id: id },
    });
    assert.equal(a.status, 200, show(a));
    assert.equal(a.json.id, srv.id);
    assert.equal(a.json.status, 'stopped');
    assert.deepEqual(a.json.private_network_interfaces.map((n) => n.id), [id]);
    assert.deepEqual(sorted(a.json.private_network_interfaces[0]), [
      'id', 'ip_ids', 'mac_address', 'private_network_id', 'security_group_id', 'status',
    ]);
    assert.equal((await api.getServer({ serverId: srv.id })).server.privateNics[0].id, id);
    for (const ip of await ipsOf(id)) assert.equal(ip.resource.name, srv.name);

    const again = await raw(server, 'POST', `${V2}/private-network-interfaces`, {
      body: { private_network_id: pn.id, project_id: project, server_id: srv.id },
    });
    assert.equal(again.status, 409, show(again));

    const d = await raw(server, 'POST', `${V2}/servers/${srv.id}/detach-private-network-interface`, {
      body: { private_network_interface_id: id },
    });
    assert.equal(d.status, 200, show(d));
    assert.deepEqual(d.json.private_network_interfaces, []);
    assertPreconditionFailed(
      await raw(server, 'POST', `${V2}/servers/${srv.id}/detach-private-network-interface`, { body: { private_network_interface_id: id } }),
      'resource_not_usable',
      'detach twice',
    );
    assert.equal((await api.getServer({ serverId: srv.id })).server.privateNics.length, 0);
    const g = await raw(server, 'GET', `${V2}/private-network-interfaces/${id}`);
    assert.equal(g.json.server_id, '');
    assert.equal(g.json.ip_ids.length, 2);

    assertNotFound(
      await raw(server, 'POST', `${V2}/servers/${UNKNOWN}/attach-private-network-interface`, { body: { private_network_interface_id: id } }),
      'instance_server', UNKNOWN, 'attach to unknown server',
    );
    assertNotFound(
      await raw(server, 'POST', `${V2}/servers/${srv.id}/attach-private-network-interface`, { body: { private_network_interface_id: UNKNOWN } }),
      'instance_private_nic', UNKNOWN, 'attach unknown interface',
    );
    assertInvalidArguments(await raw(server, 'POST', `${V2}/private-network-interfaces`, { body: { project_id: project } }), 'private_network_id');
    assertNotFound(
      await raw(server, 'POST', `${V2}/private-network-interfaces`, { body: { private_network_id: pn.id, server_id: UNKNOWN } }),
      'instance_server', UNKNOWN, 'create on unknown server',
    );
    assertNotFound(await raw(server, 'PATCH', `${V2}/private-network-interfaces/${UNKNOWN}`, { body: { tags: [] } }), 'instance_private_nic', UNKNOWN);
    assertNotFound(await raw(server, 'DELETE', `${V2}/private-network-interfaces/${UNKNOWN}`), 'instance_private_nic', UNKNOWN);
    assertInvalidArguments(await raw(server, 'GET', `${V2}/private-network-interfaces?order_by=name_asc`), 'order_by');

    assert.equal((await raw(server, 'DELETE', `${V2}/private-network-interfaces/${id}`)).status, 204);
    assert.equal((await ipsOf(id)).length, 0);
    await api.deleteServer({ serverId: srv.id });
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
  });
});

describe('IAM (family Instances)', () => {
  it('InstancesReadOnly reads NICs (v1 and v2alpha1) but cannot create, change or delete them', async () => {
    const pn = await newPN();
    const srv = await newServer();
    const nic = (await api.createPrivateNIC({ serverId: srv.id, privateNetworkId: pn.id })).privateNic;
    const owner = iamApi(makeClient(server));
    const reader = await appWithKey(server, owner, {
      rules: [{ permissionSetNames: ['InstancesReadOnly', 'VPCReadOnly'], projectIds: [project], condition: '' }],
    });
    const nobody = await appWithKey(server, owner, {
      rules: [{ permissionSetNames: ['VPCReadOnly'], projectIds: [project], condition: '' }],
    });
    const ro = new Instancev1.API(reader.client);
    assert.equal((await ro.listPrivateNICs({ serverId: srv.id })).totalCount, 1);
    assert.equal((await ro.getPrivateNIC({ serverId: srv.id, privateNicId: nic.id })).privateNic.id, nic.id);
    const v2list = await raw(server, 'GET', `${V2}/private-network-interfaces?server_ids=${srv.id}`, { token: reader.secretKey });
    assert.equal(v2list.json.total_count, 1, show(v2list));
    assert.equal((await raw(server, 'GET', `${V2}/private-network-interfaces/${nic.id}`, { token: reader.secretKey })).status, 200);

    const denied = await caught(() => ro.createPrivateNIC({ serverId: srv.id, privateNetworkId: pn.id }));
    assert.ok(denied instanceof Errors.PermissionsDeniedError, String(denied));
    assertPermissionsDenied(
      await raw(server, 'PATCH', `${Z}/servers/${srv.id}/private_nics/${nic.id}`, { token: reader.secretKey, body: { tags: ['x'] } }),
      'write', 'instance', 'v1 update',
    );
    assertPermissionsDenied(
      await raw(server, 'DELETE', `${V2}/private-network-interfaces/${nic.id}`, { token: reader.secretKey }),
      'delete', 'instance', 'v2 delete',
    );
    assertPermissionsDenied(
      await raw(server, 'POST', `${V2}/private-network-interfaces`, {
        token: reader.secretKey, body: { private_network_id: pn.id, project_id: project, server_id: srv.id },
      }),
      'write', 'instance', 'v2 create',
    );
    // Without any Instances right: nothing is readable.
    const none = await raw(server, 'GET', `${V2}/private-network-interfaces`, { token: nobody.secretKey });
    assert.equal(none.status, 403, show(none));
    assert.equal((await raw(server, 'GET', `${Z}/servers/${srv.id}/private_nics`, { token: nobody.secretKey })).status, 403);

    // Nothing changed.
    const still = (await api.getPrivateNIC({ serverId: srv.id, privateNicId: nic.id })).privateNic;
    assert.deepEqual(still.tags, []);
    assert.equal((await api.listPrivateNICs({ serverId: srv.id })).totalCount, 1);
    await api.deleteServer({ serverId: srv.id });
  });
});
