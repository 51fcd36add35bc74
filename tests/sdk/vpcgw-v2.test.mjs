// Public Gateways v2 end to end through the official JS SDK (@scaleway/sdk-vpcgw 1.2.0, Vpcgwv2):
// every operation of the v2 API, the waiters (waitForGateway, waitForGatewayNetwork) and error
// paths. Transient states are skipped by advancing the server's virtual clock, then the waiters
// run (minDelay 1 s). Private Networks come from @scaleway/sdk-vpc, IPAM addresses from
// @scaleway/sdk-ipam.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Errors } from '@scaleway/sdk-client';
import { Ipamv1 } from '@scaleway/sdk-ipam';
import { Vpcv2 } from '@scaleway/sdk-vpc';
import { Vpcgwv2 } from '@scaleway/sdk-vpcgw';

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

const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const WAIT = { minDelay: 1, maxDelay: 2, timeout: 30 };
const ZONE = 'fr-par-1';
const BASE = `/vpc-gw/v2/zones/${ZONE}`;

let server;
let gw; // Vpcgwv2.API
let vpc; // Vpcv2.API
let ipam; // Ipamv1.API
let org;

before(async () => {
  server = await startServer();
  const client = makeClient(server);
  gw = new Vpcgwv2.API(client);
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

const advance = (seconds) => advanceClock(server, seconds);

async function newGateway(extra = {}) {
  const g = await gw.createGateway({
    name: `gw-${tag()}`,
    type: 'VPC-GW-S',
    enableSmtp: false,
    enableBastion: false,
    ...extra,
  });
  await advance(15);
  return gw.waitForGateway({ gatewayId: g.id, zone: g.zone }, WAIT);
}

let subnetCounter = 0;
async function newPrivateNetwork(region = 'fr-par') {
  subnetCounter += 1;
  return vpc.createPrivateNetwork({
    name: `pn-${tag()}`,
    region,
    subnets: [`172.16.${(subnetCounter * 4) % 256}.0/22`],
  });
}

async function expectTransient(fn, state) {
  const e = await caught(fn);
  assert.ok(e instanceof Errors.TransientStateError, `got ${e}`);
  assert.equal(e.resource, 'gateway');
  if (state) assert.equal(e.currentState, state);
}

describe('gateway types', () => {
  it('listGatewayTypes answers S, M, L, XL with their bandwidth in bps', async () => {
    const res = await gw.listGatewayTypes({});
    assert.deepEqual(
      res.types.map((t) => [t.name, t.bandwidth, t.zone]),
      [
        ['VPC-GW-S', 100000000, ZONE],
        ['VPC-GW-M', 1000000000, ZONE],
        ['VPC-GW-L', 3000000000, ZONE],
        ['VPC-GW-XL', 10000000000, ZONE],
      ],
    );
  });
});

describe('gateways', () => {
  it('createGateway allocates an IP, answers allocating, waitForGateway ends running', async () => {
    const name = `gw-${tag()}`;
    const g = await gw.createGateway({
      name,
      type: 'VPC-GW-M',
      tags: ['a', 'b'],
      enableSmtp: true,
      enableBastion: true,
    });
    assert.match(g.id, UUID_RE);
    assert.equal(g.status, 'allocating');
    assert.equal(g.name, name);
    assert.equal(g.type, 'VPC-GW-M');
    assert.equal(g.bandwidth, 1000);
    assert.equal(g.projectId, org);
    assert.equal(g.organizationId, org);
    assert.equal(g.zone, ZONE);
    assert.equal(g.smtpEnabled, true);
    assert.equal(g.bastionEnabled, true);
    assert.equal(g.bastionPort, 61000);
    assert.deepEqual(g.bastionAllowedIps, ['0.0.0.0/0']);
    assert.equal(g.isLegacy, false);
    assert.deepEqual(g.gatewayNetworks, []);
    assert.deepEqual(g.tags, ['a', 'b']);
    assert.equal(g.version, undefined);
    assert.match(g.ipv4.address, /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(g.ipv4.gatewayId, g.id);
    const octets = g.ipv4.address.split('.').reverse().join('-');
    assert.equal(g.ipv4.reverse, `${octets}.instances.scw.cloud`);
    const wire = await raw(server, 'GET', `${BASE}/gateways/${g.id}`);
    assert.match(wire.json.created_at, TS_RE);
    await expectTransient(() => gw.refreshSSHKeys({ gatewayId: g.id }), 'allocating');
    await advance(15);
    const running = await gw.waitForGateway({ gatewayId: g.id }, WAIT);
    assert.equal(running.status, 'running');
    assert.match(running.version, /^\d+\.\d+\.\d+$/);
    const got = await gw.getGateway({ gatewayId: g.id });
    assert.equal(got.ipv4.id, g.ipv4.id);
  });

  it('listGateways filters by name, tags, types, status, project and pages', async () => {
    const a = await newGateway({ name: `list-${tag()}`, tags: ['list-x'] });
    await newGateway({ name: `list-${tag()}`, tags: ['list-x'], type: 'VPC-GW-L' });
    const byTag = await gw.listGateways({ tags: ['list-x'] });
    assert.equal(byTag.totalCount, 2);
    const byType = await gw.listGateways({ tags: ['list-x'], types: ['VPC-GW-L'] });
    assert.equal(byType.totalCount, 1);
    assert.equal(byType.gateways[0].bandwidth, 3000);
    const byName = await gw.listGateways({ name: a.name });
    assert.deepEqual(
      byName.gateways.map((g) => g.id),
      [a.id],
    );
    const byStatus = await gw.listGateways({ tags: ['list-x'], status: ['running'] });
    assert.equal(byStatus.totalCount, 2);
    const allStatus = await gw.listGateways({ tags: ['list-x'], status: ['unknown_status'] });
    assert.equal(allStatus.totalCount, 2);
    const byProject = await gw.listGateways({ projectId: org, tags: ['list-x'], includeLegacy: true });
    assert.equal(byProject.totalCount, 2);
    const paged = await gw.listGateways({ tags: ['list-x'], pageSize: 1 }).all();
    assert.equal(paged.length, 2);
    const desc = await gw.listGateways({ tags: ['list-x'], orderBy: 'type_desc' });
    assert.equal(desc.gateways[0].type, 'VPC-GW-S');
    const e = await caught(() => gw.listGateways({ organizationId: crypto.randomUUID() }));
    assert.ok(e instanceof Error);
  });

  it('updateGateway renames, retags and changes bastion / SMTP (configuring, then running)', async () => {
    const g = await newGateway();
    const u = await gw.updateGateway({
      gatewayId: g.id,
      name: `renamed-${tag()}`,
      tags: ['x'],
      enableBastion: true,
      bastionPort: 59999,
      enableSmtp: true,
    });
    assert.equal(u.status, 'running');
    assert.equal(u.bastionEnabled, true);
    assert.equal(u.bastionPort, 59999);
    assert.equal(u.smtpEnabled, true);
    assert.deepEqual(u.tags, ['x']);
    await advance(1);
    const again = await gw.waitForGateway({ gatewayId: g.id }, WAIT);
    assert.equal(again.status, 'running');
    // Name and tags only: no reconfiguration.
    const n = await gw.updateGateway({ gatewayId: g.id, name: 'only-name' });
    assert.equal(n.name, 'only-name');
    const e = await caught(() => gw.updateGateway({ gatewayId: crypto.randomUUID(), name: 'x' }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
  });

  it('upgradeGateway changes the offer; a concurrent change answers 409', async () => {
    const g = await newGateway();
    const up = await gw.upgradeGateway({ gatewayId: g.id, type: 'VPC-GW-XL' });
    assert.equal(up.type, 'VPC-GW-XL');
    assert.equal(up.bandwidth, 10000);
    await advance(1);
    await expectTransient(() => gw.upgradeGateway({ gatewayId: g.id }), 'configuring');
    await advance(10);
    const done = await gw.waitForGateway({ gatewayId: g.id }, WAIT);
    assert.equal(done.status, 'running');
    const e = await caught(() => gw.upgradeGateway({ gatewayId: g.id, type: 'VPC-GW-NOPE' }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);
    const soft = await gw.upgradeGateway({ gatewayId: g.id });
    assert.equal(soft.type, 'VPC-GW-XL');
    await advance(10);
  });

  it('refreshSSHKeys puts the gateway in configuring, then running', async () => {
    const g = await newGateway();
    const r = await gw.refreshSSHKeys({ gatewayId: g.id });
    assert.equal(r.id, g.id);
    await advance(1);
    assert.equal((await gw.getGateway({ gatewayId: g.id })).status, 'configuring');
    await advance(10);
    const done = await gw.waitForGateway({ gatewayId: g.id }, WAIT);
    assert.equal(done.status, 'running');
  });

  it('bastion allowed IPs: add, set, delete (CIDR escaped in the path)', async () => {
    const g = await newGateway({ enableBastion: true });
    const added = await gw.addBastionAllowedIPs({ gatewayId: g.id, ipRange: '10.10.0.0/16' });
    assert.deepEqual(added.ipRanges, ['0.0.0.0/0', '10.10.0.0/16']);
    await advance(2);
    let e = await caught(() => gw.addBastionAllowedIPs({ gatewayId: g.id, ipRange: 'nope' }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);
    await gw.deleteBastionAllowedIPs({ gatewayId: g.id, ipRange: '10.10.0.0/16' });
    await advance(2);
    assert.deepEqual((await gw.getGateway({ gatewayId: g.id })).bastionAllowedIps, ['0.0.0.0/0']);
    const set = await gw.setBastionAllowedIPs({
      gatewayId: g.id,
      ipRanges: ['192.168.0.0/24', '203.0.113.7/32'],
    });
    assert.deepEqual(set.ipRanges, ['192.168.0.0/24', '203.0.113.7/32']);
    await advance(2);
    e = await caught(() => gw.deleteBastionAllowedIPs({ gatewayId: g.id, ipRange: '10.99.0.0/16' }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
  });

  it('deleteGateway answers deleting then 404; delete_ip decides what happens to the IP', async () => {
    const keep = await newGateway();
    const drop = await newGateway();
    const d = await gw.deleteGateway({ gatewayId: keep.id, deleteIp: false });
    assert.equal(d.status, 'deleting');
    await expectTransient(() => gw.deleteGateway({ gatewayId: keep.id, deleteIp: false }), 'deleting');
    await gw.deleteGateway({ gatewayId: drop.id, deleteIp: true });
    await advance(5);
    const e = await caught(() => gw.getGateway({ gatewayId: keep.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    const kept = await gw.getIP({ ipId: keep.ipv4.id });
    assert.equal(kept.gatewayId, undefined);
    const gone = await caught(() => gw.getIP({ ipId: drop.ipv4.id }));
    assert.ok(gone instanceof Errors.ResourceNotFoundError, `got ${gone}`);
    // The freed IP is reused by a new gateway (ip_id).
    const reuse = await newGateway({ ipId: kept.id });
    assert.equal(reuse.ipv4.id, kept.id);
    const twice = await caught(() => gw.createGateway({ type: 'VPC-GW-S', ipId: kept.id, enableSmtp: false, enableBastion: false }));
    assert.ok(twice instanceof Errors.InvalidArgumentsError, `got ${twice}`);
  });

  it('createGateway refuses an unknown type, an unknown IP and changes nothing', async () => {
    const before = (await gw.listIPs({})).totalCount;
    let e = await caught(() => gw.createGateway({ type: 'VPC-GW-XXL', enableSmtp: false, enableBastion: false }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);
    e = await caught(() =>
      gw.createGateway({ type: 'VPC-GW-S', ipId: crypto.randomUUID(), enableSmtp: false, enableBastion: false }),
    );
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal((await gw.listIPs({})).totalCount, before);
    e = await caught(() => gw.getGateway({ gatewayId: crypto.randomUUID() }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() => gw.deleteGateway({ gatewayId: crypto.randomUUID() }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
  });
});

describe('gateway networks', () => {
  it('attach books an IPAM address, gateway configuring (409 for a second attach), then ready', async () => {
    const g = await newGateway();
    const pn = await newPrivateNetwork();
    const pn2 = await newPrivateNetwork();
    const gn = await gw.createGatewayNetwork({
      gatewayId: g.id,
      privateNetworkId: pn.id,
      enableMasquerade: false,
      pushDefaultRoute: true,
    });
    assert.match(gn.id, UUID_RE);
    assert.equal(gn.status, 'created');
    assert.equal(gn.gatewayId, g.id);
    assert.equal(gn.privateNetworkId, pn.id);
    assert.equal(gn.masqueradeEnabled, true); // push_default_route enables masquerading
    assert.equal(gn.pushDefaultRoute, true);
    assert.equal(gn.macAddress, undefined);
    assert.equal(gn.zone, ZONE);
    const ip = await ipam.getIP({ ipId: gn.ipamIpId, region: 'fr-par' });
    assert.equal(ip.resource.type, 'vpc_gateway_network');
    assert.equal(ip.resource.id, gn.id);
    assert.equal(ip.resource.name, g.name);
    assert.equal((await gw.getGateway({ gatewayId: g.id })).status, 'configuring');
    await expectTransient(
      () => gw.createGatewayNetwork({ gatewayId: g.id, privateNetworkId: pn2.id, enableMasquerade: true, pushDefaultRoute: false }),
      'configuring',
    );
    // A Private Network with a gateway attached cannot be deleted.
    const busy = await caught(() => vpc.deletePrivateNetwork({ privateNetworkId: pn.id }));
    assert.ok(busy instanceof Error, `got ${busy}`);
    await advance(15);
    const ready = await gw.waitForGatewayNetwork({ gatewayNetworkId: gn.id }, WAIT);
    assert.equal(ready.status, 'ready');
    assert.match(ready.macAddress, /^02:00:00:[0-9A-F]{2}:[0-9A-F]{2}:[0-9A-F]{2}$/);
    const g2 = await gw.waitForGateway({ gatewayId: g.id }, WAIT);
    assert.equal(g2.status, 'running');
    assert.deepEqual(
      g2.gatewayNetworks.map((n) => n.id),
      [gn.id],
    );
    // One gateway network per (gateway, Private Network).
    const dup = await caught(() =>
      gw.createGatewayNetwork({ gatewayId: g.id, privateNetworkId: pn.id, enableMasquerade: true, pushDefaultRoute: false }),
    );
    assert.ok(dup instanceof Errors.InvalidArgumentsError, `got ${dup}`);

    // Lists.
    assert.equal((await gw.listGatewayNetworks({ gatewayIds: [g.id] })).totalCount, 1);
    assert.equal((await gw.listGatewayNetworks({ privateNetworkIds: [pn.id] })).totalCount, 1);
    assert.equal((await gw.listGatewayNetworks({ gatewayIds: [g.id], masqueradeEnabled: false })).totalCount, 0);
    assert.equal((await gw.listGatewayNetworks({ gatewayIds: [g.id], status: ['ready'] })).totalCount, 1);
    assert.equal((await gw.listGateways({ privateNetworkIds: [pn.id] })).gateways[0].id, g.id);

    // Update: configuring, then ready; the gateway stays running.
    const u = await gw.updateGatewayNetwork({ gatewayNetworkId: gn.id, pushDefaultRoute: false, enableMasquerade: false });
    assert.equal(u.status, 'configuring');
    assert.equal(u.masqueradeEnabled, false);
    assert.equal((await gw.getGateway({ gatewayId: g.id })).status, 'running');
    await advance(10);
    assert.equal((await gw.waitForGatewayNetwork({ gatewayNetworkId: gn.id }, WAIT)).status, 'ready');

    // Switch to a user-booked IPAM address: the auto-booked one is released.
    const booked = await ipam.bookIP({ source: { privateNetworkId: pn.id }, isIpv6: false, region: 'fr-par' });
    const switched = await gw.updateGatewayNetwork({ gatewayNetworkId: gn.id, ipamIpId: booked.id });
    assert.equal(switched.ipamIpId, booked.id);
    const released = await caught(() => ipam.getIP({ ipId: gn.ipamIpId, region: 'fr-par' }));
    assert.ok(released instanceof Errors.ResourceNotFoundError, `got ${released}`);
    await advance(10);

    // Detach: detaching, then 404; the user-booked address stays booked (detached).
    const d = await gw.deleteGatewayNetwork({ gatewayNetworkId: gn.id });
    assert.equal(d.status, 'detaching');
    await advance(10);
    const gone = await caught(() => gw.getGatewayNetwork({ gatewayNetworkId: gn.id }));
    assert.ok(gone instanceof Errors.ResourceNotFoundError, `got ${gone}`);
    const left = await ipam.getIP({ ipId: booked.id, region: 'fr-par' });
    assert.equal(left.resource, undefined);
    await ipam.releaseIP({ ipId: booked.id, region: 'fr-par' });
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
    await vpc.deletePrivateNetwork({ privateNetworkId: pn2.id });
  });

  it('attach with a pre-booked IPAM address; deleting the gateway detaches everything', async () => {
    const g = await newGateway();
    const pn = await newPrivateNetwork();
    const booked = await ipam.bookIP({ source: { privateNetworkId: pn.id }, isIpv6: false, region: 'fr-par' });
    const gn = await gw.createGatewayNetwork({
      gatewayId: g.id,
      privateNetworkId: pn.id,
      enableMasquerade: true,
      pushDefaultRoute: false,
      ipamIpId: booked.id,
    });
    assert.equal(gn.ipamIpId, booked.id);
    assert.equal(gn.masqueradeEnabled, true);
    await advance(15);
    await gw.waitForGatewayNetwork({ gatewayNetworkId: gn.id }, WAIT);
    await gw.waitForGateway({ gatewayId: g.id }, WAIT);
    await gw.deleteGateway({ gatewayId: g.id, deleteIp: true });
    await advance(5);
    const e = await caught(() => gw.getGatewayNetwork({ gatewayNetworkId: gn.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal((await ipam.getIP({ ipId: booked.id, region: 'fr-par' })).resource, undefined);
    await ipam.releaseIP({ ipId: booked.id, region: 'fr-par' });
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
  });

  it('refuses a Private Network of another region, unknown ids, bad input', async () => {
    const g = await newGateway();
    const ams = await newPrivateNetwork('nl-ams');
    let e = await caught(() =>
      gw.createGatewayNetwork({ gatewayId: g.id, privateNetworkId: ams.id, enableMasquerade: true, pushDefaultRoute: false }),
    );
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() =>
      gw.createGatewayNetwork({
        gatewayId: crypto.randomUUID(),
        privateNetworkId: ams.id,
        enableMasquerade: true,
        pushDefaultRoute: false,
      }),
    );
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() => gw.getGatewayNetwork({ gatewayNetworkId: crypto.randomUUID() }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() => gw.updateGatewayNetwork({ gatewayNetworkId: crypto.randomUUID(), enableMasquerade: true }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() => gw.deleteGatewayNetwork({ gatewayNetworkId: crypto.randomUUID() }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    const bad = await raw(server, 'POST', `${BASE}/gateway-networks`, {
      body: { gateway_id: g.id, private_network_id: 'not-a-uuid' },
    });
    assert.equal(bad.status, 400, show(bad));
    await vpc.deletePrivateNetwork({ privateNetworkId: ams.id, region: 'nl-ams' });
  });
});

describe('PAT rules', () => {
  it('create, get, update, list, set (keyed by public_port), delete', async () => {
    const g = await newGateway();
    const r = await gw.createPatRule({
      gatewayId: g.id,
      publicPort: 2222,
      privateIp: '172.16.4.10',
      privatePort: 22,
      protocol: 'tcp',
    });
    assert.match(r.id, UUID_RE);
    assert.equal(r.gatewayId, g.id);
    assert.equal(r.publicPort, 2222);
    assert.equal(r.privateIp, '172.16.4.10');
    assert.equal(r.privatePort, 22);
    assert.equal(r.protocol, 'tcp');
    assert.equal(r.zone, ZONE);
    const def = await gw.createPatRule({ gatewayId: g.id, publicPort: 8080, privateIp: '172.16.4.11', privatePort: 80 });
    assert.equal(def.protocol, 'both');
    // The same public port with an overlapping protocol is refused.
    let e = await caught(() =>
      gw.createPatRule({ gatewayId: g.id, publicPort: 2222, privateIp: '172.16.4.12', privatePort: 22, protocol: 'both' }),
    );
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);
    const udp = await gw.createPatRule({
      gatewayId: g.id,
      publicPort: 2222,
      privateIp: '172.16.4.12',
      privatePort: 53,
      protocol: 'udp',
    });
    e = await caught(() =>
      gw.createPatRule({ gatewayId: g.id, publicPort: 1, privateIp: 'not-an-ip', privatePort: 22 }),
    );
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);
    e = await caught(() =>
      gw.createPatRule({ gatewayId: crypto.randomUUID(), publicPort: 1, privateIp: '10.0.0.1', privatePort: 22 }),
    );
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);

    assert.equal((await gw.getPatRule({ patRuleId: r.id })).privatePort, 22);
    const u = await gw.updatePatRule({ patRuleId: r.id, privatePort: 2022 });
    assert.equal(u.privatePort, 2022);
    assert.equal(u.publicPort, 2222);
    assert.equal(u.protocol, 'tcp');
    e = await caught(() => gw.updatePatRule({ patRuleId: r.id, protocol: 'udp' }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);

    assert.equal((await gw.listPatRules({ gatewayIds: [g.id] })).totalCount, 3);
    assert.equal((await gw.listPatRules({ gatewayIds: [g.id], protocol: 'udp' })).totalCount, 1);
    assert.equal((await gw.listPatRules({ gatewayIds: [g.id], privateIps: ['172.16.4.11'] })).totalCount, 1);
    const ports = (await gw.listPatRules({ gatewayIds: [g.id], orderBy: 'public_port_desc' })).patRules.map(
      (p) => p.publicPort,
    );
    assert.deepEqual(ports, [8080, 2222, 2222]);

    const set = await gw.setPatRules({
      gatewayId: g.id,
      patRules: [
        { publicPort: 8080, privateIp: '172.16.4.20', privatePort: 8080, protocol: 'tcp' },
        { publicPort: 4443, privateIp: '172.16.4.21', privatePort: 443, protocol: 'both' },
      ],
    });
    assert.deepEqual(
      set.patRules.map((p) => p.publicPort),
      [4443, 8080],
    );
    assert.equal(set.patRules.find((p) => p.publicPort === 8080).id, def.id); // updated in place
    e = await caught(() => gw.getPatRule({ patRuleId: udp.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() =>
      gw.setPatRules({
        gatewayId: g.id,
        patRules: [
          { publicPort: 1, privateIp: '10.0.0.1', privatePort: 1, protocol: 'tcp' },
          { publicPort: 1, privateIp: '10.0.0.2', privatePort: 2, protocol: 'udp' },
        ],
      }),
    );
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);
    assert.equal((await gw.listPatRules({ gatewayIds: [g.id] })).totalCount, 2);

    await gw.deletePatRule({ patRuleId: def.id });
    e = await caught(() => gw.deletePatRule({ patRuleId: def.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    const cleared = await gw.setPatRules({ gatewayId: g.id, patRules: [] });
    assert.deepEqual(cleared.patRules, []);
  });
});

describe('IPs', () => {
  it('create, get, update (reverse, tags, gateway), list filters, delete', async () => {
    const ip = await gw.createIP({ tags: ['ip-a'] });
    assert.match(ip.id, UUID_RE);
    assert.equal(ip.gatewayId, undefined);
    assert.deepEqual(ip.tags, ['ip-a']);
    assert.equal(ip.zone, ZONE);
    const defaultReverse = ip.reverse;
    assert.match(defaultReverse, /\.instances\.scw\.cloud$/);
    assert.equal((await gw.getIP({ ipId: ip.id })).address, ip.address);

    const named = await gw.updateIP({ ipId: ip.id, reverse: 'gw.example.com', tags: ['ip-b'] });
    assert.equal(named.reverse, 'gw.example.com');
    assert.deepEqual(named.tags, ['ip-b']);
    assert.equal((await gw.listIPs({ reverse: 'example.com' })).totalCount, 1);
    assert.equal((await gw.listIPs({ tags: ['ip-b'] })).totalCount, 1);
    const reset = await gw.updateIP({ ipId: ip.id, reverse: '' });
    assert.equal(reset.reverse, defaultReverse);

    const g = await newGateway();
    const attached = await gw.updateIP({ ipId: ip.id, gatewayId: g.id });
    assert.equal(attached.gatewayId, g.id);
    assert.equal((await gw.getGateway({ gatewayId: g.id })).ipv4.id, ip.id);
    const previous = await gw.getIP({ ipId: g.ipv4.id });
    assert.equal(previous.gatewayId, undefined); // the gateway's former IP is free
    assert.ok((await gw.listIPs({ isFree: true })).ips.some((i) => i.id === previous.id));
    assert.ok((await gw.listIPs({ isFree: false })).ips.some((i) => i.id === ip.id));
    const sorted = await gw.listIPs({ orderBy: 'address_asc' });
    const addrs = sorted.ips.map((i) => i.address);
    assert.deepEqual(addrs, [...addrs].sort());

    let e = await caught(() => gw.deleteIP({ ipId: ip.id }));
    assert.ok(e instanceof Error && e.status === 412, `got ${e}`);
    const detached = await gw.updateIP({ ipId: ip.id, gatewayId: '' });
    assert.equal(detached.gatewayId, undefined);
    assert.equal((await gw.getGateway({ gatewayId: g.id })).ipv4, undefined);
    await gw.deleteIP({ ipId: ip.id });
    e = await caught(() => gw.getIP({ ipId: ip.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() => gw.updateIP({ ipId: previous.id, gatewayId: crypto.randomUUID() }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() => gw.updateIP({ ipId: previous.id, reverse: 'bad domain!' }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);
  });
});
