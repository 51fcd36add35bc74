// Public Gateways v1 end to end through the official JS SDK (@scaleway/sdk-vpcgw 1.2.0,
// Vpcgwv1): gateways, gateway networks (DHCP, static and IPAM modes), DHCP configurations and
// entries, PAT rules, IPs, gateway types, and the v1 actions. v1 and v2 serve the same gateways.
// Transient states are skipped by advancing the server's virtual clock, then the SDK waiters run.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Errors } from '@scaleway/sdk-client';
import { Ipamv1 } from '@scaleway/sdk-ipam';
import { Vpcv2 } from '@scaleway/sdk-vpc';
import { Vpcgwv1 } from '@scaleway/sdk-vpcgw';

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
const Z = '/vpc-gw/v1/zones/fr-par-1';

const GATEWAY_KEYS = [
  'bastion_enabled',
  'bastion_port',
  'can_upgrade_to',
  'created_at',
  'gateway_networks',
  'id',
  'ip',
  'ip_mobility_enabled',
  'is_legacy',
  'name',
  'organization_id',
  'project_id',
  'smtp_enabled',
  'status',
  'tags',
  'type',
  'updated_at',
  'upstream_dns_servers',
  'version',
  'zone',
];
const NETWORK_KEYS = [
  'address',
  'created_at',
  'dhcp',
  'enable_dhcp',
  'enable_masquerade',
  'gateway_id',
  'id',
  'ipam_config',
  'mac_address',
  'private_network_id',
  'status',
  'updated_at',
  'zone',
];
const DHCP_KEYS = [
  'address',
  'created_at',
  'dns_local_name',
  'dns_search',
  'dns_servers_override',
  'enable_dynamic',
  'id',
  'organization_id',
  'pool_high',
  'pool_low',
  'project_id',
  'push_default_route',
  'push_dns_server',
  'rebind_timer',
  'renew_timer',
  'subnet',
  'updated_at',
  'valid_lifetime',
  'zone',
];

let server;
let gw; // Vpcgwv1.API
let vpc; // Vpcv2.API
let ipam; // Ipamv1.API
let org;

before(async () => {
  server = await startServer();
  const client = makeClient(server);
  gw = new Vpcgwv1.API(client);
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

function keys(o) {
  return Object.keys(o).sort();
}

async function rawGet(path) {
  const r = await raw(server, 'GET', path);
  assert.equal(r.status, 200, show(r));
  return r.json;
}

async function newGateway(extra = {}) {
  const g = await gw.createGateway({ name: `gw-${tag()}`, type: 'VPC-GW-S', ...extra });
  await advance(30);
  return gw.waitForGateway({ gatewayId: g.id }, WAIT);
}

async function newPrivateNetwork() {
  return vpc.createPrivateNetwork({ name: `pn-${tag()}` });
}

async function settleNetwork(id) {
  await advance(30);
  return gw.waitForGatewayNetwork({ gatewayNetworkId: id }, WAIT);
}

describe('gateway types', () => {
  it('listGatewayTypes: S, M, L, XL with their bandwidth in bps', async () => {
    const res = await gw.listGatewayTypes({});
    assert.deepEqual(
      res.types.map((t) => t.name),
      ['VPC-GW-S', 'VPC-GW-M', 'VPC-GW-L', 'VPC-GW-XL'],
    );
    assert.equal(res.types[0].bandwidth, 100_000_000);
    assert.equal(res.types[0].zone, 'fr-par-1');
  });
});

describe('gateways', () => {
  it('createGateway answers allocating in the v1 shape; the waiter ends on running', async () => {
    const name = `gw-${tag()}`;
    const g = await gw.createGateway({
      name,
      type: 'VPC-GW-S',
      tags: ['a', 'b'],
      upstreamDnsServers: ['1.1.1.1'],
      enableSmtp: false,
      enableBastion: false,
    });
    assert.match(g.id, UUID_RE);
    assert.equal(g.status, 'allocating');
    assert.deepEqual(g.type, { name: 'VPC-GW-S', bandwidth: 100_000_000, zone: 'fr-par-1' });
    assert.equal(g.projectId, org);
    assert.equal(g.isLegacy, false); // legacy once it gets a DHCP or static network
    assert.equal(g.version ?? null, null);
    assert.equal(g.ipMobilityEnabled, false);
    assert.equal(g.bastionPort, 61000);
    assert.deepEqual(g.upstreamDnsServers, ['1.1.1.1']);
    assert.deepEqual(g.tags, ['a', 'b']);
    assert.equal(g.ip.gatewayId, g.id);
    assert.match(g.ip.reverse, /\.instances\.scw\.cloud$/);
    const wire = await rawGet(`${Z}/gateways/${g.id}`);
    assert.deepEqual(keys(wire), GATEWAY_KEYS);
    assert.match(wire.created_at, TS_RE);
    assert.equal(wire.ipv4, undefined);
    await advance(30);
    const done = await gw.waitForGateway({ gatewayId: g.id }, WAIT);
    assert.equal(done.status, 'running');
    assert.ok(done.version);
    assert.equal(done.ipMobilityEnabled, true); // booted gateways use routed IPs

    const list = await gw.listGateways({ name, status: 'running', type: 'VPC-GW-S', tags: ['a'] });
    assert.equal(list.totalCount, 1);
    assert.equal(list.gateways[0].id, g.id);
    assert.equal((await gw.listGateways({ name, status: 'unknown' })).totalCount, 1);
    assert.equal((await gw.listGateways({ name, status: 'stopped' })).totalCount, 0);
    assert.ok((await gw.listGateways({ orderBy: 'name_desc' }).all()).length >= 1);
  });

  it('a gateway created through v1 is the same gateway through v2', async () => {
    const g = await newGateway();
    const r = await raw(server, 'GET', `/vpc-gw/v2/zones/fr-par-1/gateways/${g.id}`);
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.id, g.id);
    assert.equal(r.json.type, 'VPC-GW-S');
    assert.equal(r.json.ipv4.id, g.ip.id);
  });

  it('updateGateway, refreshSSHKeys, upgradeGateway, enableIPMobility', async () => {
    const g = await newGateway();
    const upd = await gw.updateGateway({
      gatewayId: g.id,
      name: 'renamed',
      tags: ['x'],
      upstreamDnsServers: ['8.8.8.8'],
      enableBastion: true,
      bastionPort: 2222,
    });
    assert.equal(upd.name, 'renamed');
    assert.equal(upd.status, 'configuring');
    assert.equal(upd.bastionEnabled, true);
    assert.equal(upd.bastionPort, 2222);
    assert.deepEqual(upd.upstreamDnsServers, ['8.8.8.8']);
    const busy = await caught(() => gw.updateGateway({ gatewayId: g.id, enableSmtp: true }));
    assert.ok(busy instanceof Errors.TransientStateError, `got ${busy}`);
    assert.equal(busy.currentState, 'configuring');
    await advance(10);
    assert.equal((await gw.waitForGateway({ gatewayId: g.id }, WAIT)).status, 'running');

    const refreshed = await gw.refreshSSHKeys({ gatewayId: g.id });
    assert.equal(refreshed.id, g.id);
    await advance(10);
    await gw.waitForGateway({ gatewayId: g.id }, WAIT);

    const up = await gw.upgradeGateway({ gatewayId: g.id, type: 'VPC-GW-M' });
    assert.equal(up.type.name, 'VPC-GW-M');
    assert.equal(up.type.bandwidth, 1_000_000_000);
    await advance(10);
    await gw.waitForGateway({ gatewayId: g.id }, WAIT);
    const bad = await caught(() => gw.upgradeGateway({ gatewayId: g.id, type: 'VPC-GW-NOPE' }));
    assert.ok(bad instanceof Errors.InvalidArgumentsError, `got ${bad}`);

    assert.equal(await gw.enableIPMobility({ gatewayId: g.id }), undefined);
    await gw.enableIPMobility({ gatewayId: g.id }); // idempotent
    const fresh = await gw.createGateway({ type: 'VPC-GW-S' });
    assert.equal(fresh.ipMobilityEnabled, false);
    await gw.enableIPMobility({ gatewayId: fresh.id });
    assert.equal((await gw.getGateway({ gatewayId: fresh.id })).ipMobilityEnabled, true);
    assert.equal((await gw.getGateway({ gatewayId: g.id })).ipMobilityEnabled, true);
  });

  it('unknown ids and bad input answer the SDK error classes', async () => {
    const missing = crypto.randomUUID();
    let e = await caught(() => gw.getGateway({ gatewayId: missing }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal(e.resource, 'gateway');
    assert.equal(e.resourceId, missing);
    e = await caught(() => gw.createGateway({ type: 'VPC-GW-XXL' }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);
    e = await caught(() => gw.createGateway({ type: 'VPC-GW-S', projectId: crypto.randomUUID() }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `got ${e}`);
    e = await caught(() => gw.deleteGateway({ gatewayId: missing, cleanupDhcp: false }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() => gw.migrateToV2({ gatewayId: missing }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() => gw.enableIPMobility({ gatewayId: missing }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() => gw.refreshSSHKeys({ gatewayId: missing }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
  });

  it('deleteGateway answers 204, deleting then gone; the IP stays, free', async () => {
    const g = await newGateway();
    assert.equal(await gw.deleteGateway({ gatewayId: g.id, cleanupDhcp: true }), undefined);
    const deleting = await gw.getGateway({ gatewayId: g.id });
    assert.equal(deleting.status, 'deleting');
    await advance(10);
    const e = await caught(() => gw.getGateway({ gatewayId: g.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    const ip = await gw.getIP({ ipId: g.ip.id });
    assert.equal(ip.gatewayId ?? null, null);
    await gw.deleteIP({ ipId: ip.id });
  });
});

describe('IPs', () => {
  it('createIP, getIP, listIPs, updateIP (reverse, attach, detach), deleteIP', async () => {
    const ip = await gw.createIP({ tags: ['ipt'] });
    assert.match(ip.id, UUID_RE);
    assert.equal(ip.gatewayId ?? null, null);
    assert.deepEqual(ip.tags, ['ipt']);
    const parts = ip.address.split('.').reverse().join('-');
    assert.equal(ip.reverse, `${parts}.instances.scw.cloud`);
    assert.equal((await gw.getIP({ ipId: ip.id })).address, ip.address);
    const free = await gw.listIPs({ isFree: true, tags: ['ipt'], orderBy: 'ip_asc' });
    assert.equal(free.totalCount, 1);
    assert.equal((await gw.listIPs({ reverse: parts })).totalCount, 1);

    let upd = await gw.updateIP({ ipId: ip.id, reverse: 'my.example.com', tags: ['u'] });
    assert.equal(upd.reverse, 'my.example.com');
    assert.deepEqual(upd.tags, ['u']);
    upd = await gw.updateIP({ ipId: ip.id, reverse: '' });
    assert.equal(upd.reverse, ip.reverse);

    // Attach to a gateway (its previous IP becomes free), then detach.
    const g = await newGateway();
    upd = await gw.updateIP({ ipId: ip.id, gatewayId: g.id });
    assert.equal(upd.gatewayId, g.id);
    assert.equal((await gw.getGateway({ gatewayId: g.id })).ip.id, ip.id);
    assert.equal((await gw.getIP({ ipId: g.ip.id })).gatewayId ?? null, null);
    const inUse = await caught(() => gw.deleteIP({ ipId: ip.id }));
    assert.ok(inUse instanceof Errors.PreconditionFailedError, `got ${inUse}`);
    upd = await gw.updateIP({ ipId: ip.id, gatewayId: '' });
    assert.equal(upd.gatewayId ?? null, null);
    await gw.deleteIP({ ipId: ip.id });
    const e = await caught(() => gw.getIP({ ipId: ip.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal(e.resource, 'ip');
  });
});

describe('PAT rules', () => {
  it('createPATRule, getPATRule, listPATRules, updatePATRule, setPATRules, deletePATRule', async () => {
    const g = await newGateway();
    const rule = await gw.createPATRule({
      gatewayId: g.id,
      publicPort: 2222,
      privateIp: '192.168.1.10',
      privatePort: 22,
    });
    assert.equal(rule.protocol, 'both');
    assert.equal(rule.gatewayId, g.id);
    assert.equal((await gw.getPATRule({ patRuleId: rule.id })).publicPort, 2222);
    const dup = await caught(() =>
      gw.createPATRule({ gatewayId: g.id, publicPort: 2222, privateIp: '192.168.1.11', privatePort: 22, protocol: 'tcp' }),
    );
    assert.ok(dup instanceof Errors.InvalidArgumentsError, `got ${dup}`);
    const upd = await gw.updatePATRule({ patRuleId: rule.id, privatePort: 2200, protocol: 'tcp' });
    assert.equal(upd.privatePort, 2200);
    assert.equal(upd.protocol, 'tcp');
    assert.equal((await gw.listPATRules({ gatewayId: g.id, protocol: 'unknown' })).totalCount, 1);
    assert.equal((await gw.listPATRules({ gatewayId: g.id, protocol: 'udp' })).totalCount, 0);
    assert.equal((await gw.listPATRules({ privateIp: '192.168.1.10' })).totalCount, 1);

    const set = await gw.setPATRules({
      gatewayId: g.id,
      patRules: [
        { publicPort: 80, privateIp: '192.168.1.2', privatePort: 8080, protocol: 'tcp' },
        { publicPort: 2222, privateIp: '192.168.1.10', privatePort: 22, protocol: 'both' },
      ],
    });
    assert.equal(set.patRules.length, 2);
    assert.equal(set.patRules.find((r) => r.publicPort === 2222).id, rule.id);
    const sorted = await gw.listPATRules({ gatewayId: g.id, orderBy: 'public_port_desc' });
    assert.deepEqual(
      sorted.patRules.map((r) => r.publicPort),
      [2222, 80],
    );
    await gw.deletePATRule({ patRuleId: rule.id });
    const e = await caught(() => gw.getPATRule({ patRuleId: rule.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    const e2 = await caught(() =>
      gw.createPATRule({ gatewayId: crypto.randomUUID(), publicPort: 1, privateIp: '10.0.0.1', privatePort: 1 }),
    );
    assert.ok(e2 instanceof Errors.ResourceNotFoundError, `got ${e2}`);
  });
});

describe('DHCP configurations', () => {
  it('createDHCP applies the defaults; durations answer as "Ns"', async () => {
    const d = await gw.createDHCP({ subnet: '192.168.42.0/24' });
    assert.equal(d.address, '192.168.42.1');
    assert.equal(d.poolLow, '192.168.42.2');
    assert.equal(d.poolHigh, '192.168.42.254');
    assert.equal(d.validLifetime, '3600s');
    assert.equal(d.renewTimer, '3000s');
    assert.equal(d.rebindTimer, '3060s');
    assert.equal(d.dnsLocalName, 'priv');
    assert.equal(d.enableDynamic, true);
    assert.deepEqual(d.dnsSearch, []);
    assert.deepEqual(keys(await rawGet(`${Z}/dhcps/${d.id}`)), DHCP_KEYS);
    assert.equal((await gw.getDHCP({ dhcpId: d.id })).subnet, '192.168.42.0/24');

    const upd = await gw.updateDHCP({
      dhcpId: d.id,
      validLifetime: '7200.000000000s',
      rebindTimer: '7000s',
      dnsSearch: ['example.com'],
      dnsServersOverride: ['1.1.1.1'],
      dnsLocalName: 'lan',
    });
    assert.equal(upd.validLifetime, '7200s');
    assert.equal(upd.rebindTimer, '7000s');
    assert.deepEqual(upd.dnsSearch, ['example.com']);
    assert.equal(upd.dnsLocalName, 'lan');

    assert.equal((await gw.listDHCPs({ hasAddress: '192.168.42.77' })).totalCount, 1);
    assert.equal((await gw.listDHCPs({ address: '192.168.42.1', orderBy: 'subnet_desc' })).totalCount, 1);
    assert.ok((await gw.listDHCPs({ projectId: org }).all()).some((x) => x.id === d.id));

    let e = await caught(() => gw.updateDHCP({ dhcpId: d.id, renewTimer: '6990s' }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);
    e = await caught(() => gw.createDHCP({ subnet: 'not-a-subnet' }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);
    e = await caught(() => gw.createDHCP({ subnet: '192.168.0.0/24', address: '10.0.0.1' }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);

    await gw.deleteDHCP({ dhcpId: d.id });
    e = await caught(() => gw.getDHCP({ dhcpId: d.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal(e.resource, 'dhcp');
  });
});

describe('gateway networks and DHCP entries', () => {
  it('DHCP mode: create, wait ready, entries, update to static, delete with cleanup_dhcp', async () => {
    const pn = await newPrivateNetwork();
    const g = await newGateway();
    const dhcp = await gw.createDHCP({ subnet: '192.168.50.0/24' });
    const gn = await gw.createGatewayNetwork({
      gatewayId: g.id,
      privateNetworkId: pn.id,
      enableMasquerade: true,
      dhcpId: dhcp.id,
    });
    assert.equal(gn.status, 'created');
    assert.equal(gn.enableMasquerade, true);
    assert.equal(gn.enableDhcp, true);
    assert.equal(gn.dhcp.id, dhcp.id);
    assert.equal(gn.ipamConfig, undefined);
    assert.equal((await gw.getGateway({ gatewayId: g.id })).isLegacy, true);
    assert.deepEqual(keys(await rawGet(`${Z}/gateway-networks/${gn.id}`)), NETWORK_KEYS);
    // The gateway is configuring: a second network waits.
    const pn2 = await newPrivateNetwork();
    const busy = await caught(() =>
      gw.createGatewayNetwork({ gatewayId: g.id, privateNetworkId: pn2.id, enableMasquerade: true, dhcpId: dhcp.id }),
    );
    assert.ok(busy instanceof Errors.TransientStateError, `got ${busy}`);
    const ready = await settleNetwork(gn.id);
    assert.equal(ready.status, 'ready');
    assert.match(ready.macAddress, /^02:00:00(:[0-9A-F]{2}){3}$/);
    await gw.waitForGateway({ gatewayId: g.id }, WAIT);

    assert.equal((await gw.listGatewayNetworks({ gatewayId: g.id, dhcpId: dhcp.id })).totalCount, 1);
    assert.equal((await gw.listGatewayNetworks({ privateNetworkId: pn.id, enableMasquerade: false })).totalCount, 0);
    assert.equal((await gw.listGatewayNetworks({ gatewayId: g.id, status: 'ready' })).totalCount, 1);
    assert.equal((await gw.listGateways({ privateNetworkId: pn.id })).totalCount, 1);
    assert.equal((await gw.getGateway({ gatewayId: g.id })).gatewayNetworks[0].id, gn.id);

    // DHCP entries (reservations).
    const entry = await gw.createDHCPEntry({
      gatewayNetworkId: gn.id,
      macAddress: 'AA:BB:CC:DD:EE:01',
      ipAddress: '192.168.50.10',
    });
    assert.equal(entry.macAddress, 'aa:bb:cc:dd:ee:01');
    assert.equal(entry.type, 'reservation');
    assert.equal(entry.hostname, '');
    assert.equal((await gw.getDHCPEntry({ dhcpEntryId: entry.id })).ipAddress, '192.168.50.10');
    const moved = await gw.updateDHCPEntry({ dhcpEntryId: entry.id, ipAddress: '192.168.50.11' });
    assert.equal(moved.ipAddress, '192.168.50.11');
    let e = await caught(() =>
      gw.createDHCPEntry({ gatewayNetworkId: gn.id, macAddress: 'aa:bb:cc:dd:ee:02', ipAddress: '10.9.9.9' }),
    );
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);
    e = await caught(() =>
      gw.createDHCPEntry({ gatewayNetworkId: gn.id, macAddress: 'aa:bb:cc:dd:ee:01', ipAddress: '192.168.50.12' }),
    );
    assert.ok(e instanceof Errors.AlreadyExistsError, `got ${e}`);
    const set = await gw.setDHCPEntries({
      gatewayNetworkId: gn.id,
      dhcpEntries: [
        { macAddress: 'aa:bb:cc:dd:ee:01', ipAddress: '192.168.50.20' },
        { macAddress: 'aa:bb:cc:dd:ee:03', ipAddress: '192.168.50.21' },
      ],
    });
    assert.equal(set.dhcpEntries.length, 2);
    assert.equal(set.dhcpEntries.find((x) => x.macAddress === 'aa:bb:cc:dd:ee:01').id, entry.id);
    const listed = await gw.listDHCPEntries({ gatewayNetworkId: gn.id, type: 'unknown', orderBy: 'ip_address_desc' });
    assert.deepEqual(
      listed.dhcpEntries.map((x) => x.ipAddress),
      ['192.168.50.21', '192.168.50.20'],
    );
    assert.equal((await gw.listDHCPEntries({ macAddress: 'aa:bb:cc:dd:ee:03' })).totalCount, 1);
    assert.equal((await gw.listDHCPEntries({ gatewayNetworkId: gn.id, type: 'lease' })).totalCount, 0);
    await gw.deleteDHCPEntry({ dhcpEntryId: entry.id });
    e = await caught(() => gw.getDHCPEntry({ dhcpEntryId: entry.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);

    // Leases: addresses IPAM hands out in the Private Network to a device.
    const booked = await ipam.bookIP({
      source: { privateNetworkId: pn.id },
      isIpv6: false,
      resource: { macAddress: '02:00:00:AB:CD:EF', name: 'db-1' },
    });
    const leases = await gw.listDHCPEntries({ gatewayNetworkId: gn.id, type: 'lease' });
    assert.equal(leases.totalCount, 1);
    const lease = leases.dhcpEntries[0];
    assert.equal(lease.id, booked.id);
    assert.equal(lease.hostname, 'db-1');
    assert.equal(lease.macAddress, '02:00:00:ab:cd:ef');
    assert.equal(lease.ipAddress, booked.address.split('/')[0]);
    assert.equal((await gw.getDHCPEntry({ dhcpEntryId: lease.id })).type, 'lease');
    e = await caught(() => gw.deleteDHCPEntry({ dhcpEntryId: lease.id }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);
    const pinned = await gw.updateDHCPEntry({ dhcpEntryId: lease.id, ipAddress: '192.168.50.30' });
    assert.equal(pinned.id, lease.id);
    assert.equal(pinned.type, 'reservation');
    await gw.deleteDHCPEntry({ dhcpEntryId: lease.id });
    await ipam.releaseIP({ ipId: booked.id });
    assert.equal((await gw.listDHCPEntries({ gatewayNetworkId: gn.id, type: 'lease' })).totalCount, 0);

    // The DHCP configuration is in use.
    e = await caught(() => gw.deleteDHCP({ dhcpId: dhcp.id }));
    assert.ok(e instanceof Errors.PreconditionFailedError, `got ${e}`);

    // Static address mode.
    const stat = await gw.updateGatewayNetwork({ gatewayNetworkId: gn.id, address: '192.168.50.1/24', enableMasquerade: false });
    assert.equal(stat.status, 'configuring');
    assert.equal(stat.address, '192.168.50.1/24');
    assert.equal(stat.dhcp, undefined);
    assert.equal(stat.enableDhcp, false);
    assert.equal(stat.enableMasquerade, false);
    await settleNetwork(gn.id);
    await gw.waitForGateway({ gatewayId: g.id }, WAIT);
    // Back to the DHCP configuration, then detach with cleanup_dhcp.
    const back = await gw.updateGatewayNetwork({ gatewayNetworkId: gn.id, dhcpId: dhcp.id });
    assert.equal(back.dhcp.id, dhcp.id);
    await settleNetwork(gn.id);
    await gw.waitForGateway({ gatewayId: g.id }, WAIT);

    assert.equal(await gw.deleteGatewayNetwork({ gatewayNetworkId: gn.id, cleanupDhcp: true }), undefined);
    assert.equal((await gw.getGatewayNetwork({ gatewayNetworkId: gn.id })).status, 'detaching');
    e = await caught(() => gw.getDHCP({ dhcpId: dhcp.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    await advance(10);
    e = await caught(() => gw.getGatewayNetwork({ gatewayNetworkId: gn.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal(e.resource, 'gateway_network');
  });

  it('inline dhcp gets the slugified Private Network name; migrateToV2 moves to IPAM', async () => {
    const pn = await vpc.createPrivateNetwork({ name: `My Net ${tag(4)}` });
    const g = await newGateway();
    const gn = await gw.createGatewayNetwork({
      gatewayId: g.id,
      privateNetworkId: pn.id,
      enableMasquerade: true,
      dhcp: { subnet: '192.168.60.0/24', pushDefaultRoute: true },
    });
    assert.match(gn.dhcp.dnsLocalName, /^my-net-[0-9a-f]{4}$/);
    assert.equal(gn.dhcp.subnet, '192.168.60.0/24');
    await settleNetwork(gn.id);
    await gw.waitForGateway({ gatewayId: g.id }, WAIT);

    // IPAM and DHCP configurations cannot be mixed on one gateway.
    const pn2 = await newPrivateNetwork();
    let e = await caught(() =>
      gw.createGatewayNetwork({
        gatewayId: g.id,
        privateNetworkId: pn2.id,
        enableMasquerade: true,
        ipamConfig: { pushDefaultRoute: false },
      }),
    );
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);
    // nor through v2, whose networks are IPAM mode
    const r2 = await raw(server, 'POST', '/vpc-gw/v2/zones/fr-par-1/gateway-networks', {
      body: { gateway_id: g.id, private_network_id: pn2.id, enable_masquerade: true },
    });
    assert.equal(r2.status, 400, show(r2));
    assert.equal(r2.json.type, 'invalid_arguments');

    assert.equal(await gw.migrateToV2({ gatewayId: g.id }), undefined);
    let got = await gw.getGateway({ gatewayId: g.id });
    assert.equal(got.isLegacy, false);
    const net = got.gatewayNetworks[0];
    assert.equal(net.dhcp, undefined);
    assert.equal(net.ipamConfig.pushDefaultRoute, true);
    assert.match(net.ipamConfig.ipamIpId, UUID_RE);
    await advance(10);
    await gw.waitForGateway({ gatewayId: g.id }, WAIT);
    await gw.migrateToV2({ gatewayId: g.id }); // idempotent

    // Only IPAM networks from now on.
    e = await caught(() =>
      gw.createGatewayNetwork({ gatewayId: g.id, privateNetworkId: pn2.id, enableMasquerade: true, address: '192.168.70.1/24' }),
    );
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);
    const ipamNet = await gw.createGatewayNetwork({
      gatewayId: g.id,
      privateNetworkId: pn2.id,
      enableMasquerade: false,
      ipamConfig: { pushDefaultRoute: true },
    });
    assert.equal(ipamNet.enableMasquerade, true);
    assert.equal(ipamNet.ipamConfig.pushDefaultRoute, true);
    await settleNetwork(ipamNet.id);
    await gw.waitForGateway({ gatewayId: g.id }, WAIT);
    const upd = await gw.updateGatewayNetwork({ gatewayNetworkId: ipamNet.id, ipamConfig: { pushDefaultRoute: false } });
    assert.equal(upd.ipamConfig.pushDefaultRoute, false);
    await settleNetwork(ipamNet.id);
    await gw.waitForGateway({ gatewayId: g.id }, WAIT);

    e = await caught(() => gw.getGatewayNetwork({ gatewayNetworkId: crypto.randomUUID() }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() =>
      gw.createGatewayNetwork({ gatewayId: g.id, privateNetworkId: crypto.randomUUID(), enableMasquerade: true, ipamConfig: { pushDefaultRoute: false } }),
    );
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal(e.resource, 'private_network');

    // Deleting the gateway takes its networks with it.
    await gw.deleteGateway({ gatewayId: g.id, cleanupDhcp: true });
    await advance(10);
    got = await caught(() => gw.getGateway({ gatewayId: g.id }));
    assert.ok(got instanceof Errors.ResourceNotFoundError, `got ${got}`);
    assert.equal((await gw.listGatewayNetworks({ gatewayId: g.id })).totalCount, 0);
  });
});
