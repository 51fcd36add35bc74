// VPC v2 end to end through the official JS SDK (@scaleway/sdk-vpc 1.4.0): every one of its 22
// operations, error paths included. Shapes follow the recordings in
// /work/shared/conformance/cassettes/vpc/ and the reference (network-metal-storage.md §3).

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Errors } from '@scaleway/sdk-client';
import { Ipamv1 } from '@scaleway/sdk-ipam';
import { Vpcv2 } from '@scaleway/sdk-vpc';

import { Accountv3 } from '@scaleway/sdk-account';

import { caught, makeClient, raw, show, startServer, tag } from './lib/harness.mjs';
import { appWithKey, iamApi } from './lib/iam.mjs';
import { assertNotFound, assertPreconditionFailed } from './lib/shapes.mjs';

const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const R = '/vpc/v2/regions/fr-par';
const VPC_KEYS = [
  'created_at',
  'custom_routes_propagation_enabled',
  'id',
  'is_default',
  'name',
  'organization_id',
  'private_network_count',
  'project_id',
  'region',
  'routing_enabled',
  's3_integration_enabled',
  'tags',
  'transitivity_enabled',
  'updated_at',
];
const PN_KEYS = [
  'created_at',
  'default_route_propagation_enabled',
  'dhcp_enabled',
  'has_s3_integration',
  'id',
  'name',
  'organization_id',
  'project_id',
  'region',
  'subnets',
  'tags',
  'updated_at',
  'vpc_id',
];
const SUBNET_KEYS = ['created_at', 'id', 'private_network_id', 'project_id', 'region', 'subnet', 'updated_at', 'vpc_id'];
const ROUTE_KEYS = [
  'created_at',
  'description',
  'destination',
  'id',
  'is_read_only',
  'nexthop_private_network_id',
  'nexthop_resource_id',
  'nexthop_vpc_connector_id',
  'region',
  'tags',
  'type',
  'updated_at',
  'vpc_id',
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

describe('VPCs', () => {
  it('lists the lazily created default VPC, creates, reads, updates and deletes VPCs', async () => {
    const list = await vpc.listVPCs({ isDefault: true });
    assert.equal(list.totalCount, 1);
    const def = list.vpcs[0];
    assert.equal(def.name, 'default');
    assert.deepEqual(def.tags, ['default']);
    assert.equal(def.isDefault, true);
    assert.equal(def.projectId, org);

    const name = `vpc-${tag()}`;
    const v = await vpc.createVPC({ name, tags: ['a', 'b'], enableRouting: false });
    assert.equal(v.name, name);
    assert.equal(v.routingEnabled, true, 'new VPCs always have routing enabled');
    assert.equal(v.isDefault, false);
    assert.equal(v.privateNetworkCount, 0);
    assert.equal(v.region, 'fr-par');

    const r = await raw(server, 'GET', `${R}/vpcs/${v.id}`);
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(keys(r.json), VPC_KEYS);
    assert.match(r.json.created_at, TS_RE);

    const got = await vpc.getVPC({ vpcId: v.id });
    assert.equal(got.id, v.id);
    const upd = await vpc.updateVPC({ vpcId: v.id, name: `${name}-2`, tags: ['c'] });
    assert.equal(upd.name, `${name}-2`);
    assert.deepEqual(upd.tags, ['c']);

    const byName = await vpc.listVPCs({ name: `${name}-2` });
    assert.equal(byName.totalCount, 1);
    const byTag = await vpc.listVPCs({ tags: ['c'] });
    assert.ok(byTag.vpcs.some((x) => x.id === v.id));
    const notDefault = await vpc.listVPCs({ isDefault: false });
    assert.ok(notDefault.vpcs.every((x) => !x.isDefault));
    const desc = await vpc.listVPCs({ orderBy: 'created_at_desc', projectId: org });
    assert.equal(desc.vpcs[0].id, v.id);

    await vpc.deleteVPC({ vpcId: v.id });
    const e = await caught(() => vpc.getVPC({ vpcId: v.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal(e.resource, 'vpc');
  });

  it('refuses to delete a VPC holding Private Networks and the default VPC', async () => {
    const v = await vpc.createVPC({ name: `vpc-${tag()}` });
    const pn = await vpc.createPrivateNetwork({ name: 'inside', vpcId: v.id });
    assert.equal((await vpc.getVPC({ vpcId: v.id })).privateNetworkCount, 1);
    const r = await raw(server, 'DELETE', `${R}/vpcs/${v.id}`);
    const b = assertPreconditionFailed(r, 'resource_still_in_use', 'delete non-empty VPC');
    assert.equal(b.help_message, 'VPC must be empty to be deleted');
    const e = await caught(() => vpc.deleteVPC({ vpcId: v.id }));
    assert.ok(e instanceof Errors.PreconditionFailedError, `got ${e}`);
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
    await vpc.deleteVPC({ vpcId: v.id });

    const def = (await vpc.listVPCs({ isDefault: true })).vpcs[0];
    const d = await caught(() => vpc.deleteVPC({ vpcId: def.id }));
    assert.ok(d instanceof Errors.PreconditionFailedError, `got ${d}`);
  });

  it('enables routing and custom routes propagation (one-way switches)', async () => {
    const v = await vpc.createVPC({ name: `vpc-${tag()}` });
    const a = await vpc.enableRouting({ vpcId: v.id });
    assert.equal(a.routingEnabled, true);
    const b = await vpc.enableCustomRoutesPropagation({ vpcId: v.id });
    assert.equal(b.customRoutesPropagationEnabled, true);
    const again = await vpc.enableCustomRoutesPropagation({ vpcId: v.id });
    assert.equal(again.customRoutesPropagationEnabled, true);
    const missing = crypto.randomUUID();
    let e = await caught(() => vpc.enableRouting({ vpcId: missing }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() => vpc.enableCustomRoutesPropagation({ vpcId: missing }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    await vpc.deleteVPC({ vpcId: v.id });
  });

  it('answers not_found for unknown VPCs and refuses bad input', async () => {
    const missing = crypto.randomUUID();
    assertNotFound(await raw(server, 'GET', `${R}/vpcs/${missing}`), 'vpc', missing, 'get');
    let e = await caught(() => vpc.updateVPC({ vpcId: missing, name: 'x' }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() => vpc.deleteVPC({ vpcId: missing }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() => vpc.createVPC({ name: 'x', projectId: crypto.randomUUID() }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `got ${e}`);
    e = await caught(() => vpc.listVPCs({ organizationId: crypto.randomUUID() }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `got ${e}`);
    const nl = await vpc.getVPC({ vpcId: (await vpc.listVPCs({ isDefault: true })).vpcs[0].id });
    e = await caught(() => vpc.getVPC({ vpcId: nl.id, region: 'nl-ams' }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, 'a VPC lives in one region');
  });
});

describe('ACL rules', () => {
  it('sets and reads the IPv4 and IPv6 rule sets separately', async () => {
    const v = await vpc.createVPC({ name: `vpc-${tag()}` });
    const empty = await vpc.getAcl({ vpcId: v.id, isIpv6: false });
    assert.deepEqual(empty.rules, []);
    const set = await vpc.setAcl({
      vpcId: v.id,
      isIpv6: false,
      defaultPolicy: 'drop',
      rules: [
        {
          protocol: 'TCP',
          source: '0.0.0.0/0',
          srcPortLow: 0,
          srcPortHigh: 0,
          destination: '0.0.0.0/0',
          dstPortLow: 80,
          dstPortHigh: 80,
          action: 'accept',
          description: 'Allow HTTP',
        },
      ],
    });
    assert.equal(set.defaultPolicy, 'drop');
    assert.equal(set.rules.length, 1);
    assert.equal(set.rules[0].description, '(Rule scope: client) Allow HTTP');
    const got = await vpc.getAcl({ vpcId: v.id, isIpv6: false });
    assert.deepEqual(got, set);
    const v6 = await vpc.getAcl({ vpcId: v.id, isIpv6: true });
    assert.deepEqual(v6.rules, []);
    const cleared = await raw(server, 'PUT', `${R}/vpcs/${v.id}/acl-rules`, {
      body: { rules: null, is_ipv6: false, default_policy: 'accept' },
    });
    assert.equal(cleared.status, 200, show(cleared));
    assert.deepEqual(cleared.json, { default_policy: 'accept', rules: [] });

    const bad = await caught(() =>
      vpc.setAcl({
        vpcId: v.id,
        isIpv6: true,
        defaultPolicy: 'accept',
        rules: [{ protocol: 'TCP', source: '0.0.0.0/0', destination: '::/0', action: 'accept', srcPortLow: 0, srcPortHigh: 0, dstPortLow: 0, dstPortHigh: 0, description: '' }],
      }),
    );
    assert.ok(bad instanceof Errors.InvalidArgumentsError, `got ${bad}`);
    const missing = await caught(() => vpc.getAcl({ vpcId: crypto.randomUUID(), isIpv6: false }));
    assert.ok(missing instanceof Errors.ResourceNotFoundError, `got ${missing}`);
    const missingSet = await caught(() => vpc.setAcl({ vpcId: crypto.randomUUID(), isIpv6: false, defaultPolicy: 'accept', rules: [] }));
    assert.ok(missingSet instanceof Errors.ResourceNotFoundError, `got ${missingSet}`);
    await vpc.deleteVPC({ vpcId: v.id });
  });
});

describe('Private Networks', () => {
  it('creates a Private Network in the default VPC with an IPv4 /22 and an IPv6 /64', async () => {
    const pn = await vpc.createPrivateNetwork({ name: `pn-${tag()}`, tags: ['t1'] });
    const def = (await vpc.listVPCs({ isDefault: true })).vpcs[0];
    assert.equal(pn.vpcId, def.id);
    assert.equal(pn.dhcpEnabled, true);
    assert.equal(pn.defaultRoutePropagationEnabled, false);
    assert.equal(pn.subnets.length, 2);
    assert.match(pn.subnets[0].subnet, /^172\.(1[6-9]|2\d|3[01])\.\d+\.0\/22$/);
    assert.match(pn.subnets[1].subnet, /^fd[0-9a-f]{2}:[0-9a-f]{1,4}:[0-9a-f]{1,4}:[0-9a-f]{1,4}::\/64$/);
    const r = await raw(server, 'GET', `${R}/private-networks/${pn.id}`);
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(keys(r.json), PN_KEYS);
    assert.deepEqual(keys(r.json.subnets[0]), SUBNET_KEYS);

    // A second one never overlaps and shares the project's IPv6 /48.
    const pn2 = await vpc.createPrivateNetwork({ name: `pn-${tag()}` });
    assert.notEqual(pn2.subnets[0].subnet, pn.subnets[0].subnet);
    const p48 = (s) => s.split(':').slice(0, 3).join(':');
    assert.equal(p48(pn2.subnets[1].subnet), p48(pn.subnets[1].subnet));

    const got = await vpc.getPrivateNetwork({ privateNetworkId: pn.id });
    assert.equal(got.name, pn.name);
    const upd = await vpc.updatePrivateNetwork({
      privateNetworkId: pn.id,
      name: `${pn.name}-x`,
      tags: ['t2'],
      defaultRoutePropagationEnabled: true,
    });
    assert.equal(upd.name, `${pn.name}-x`);
    assert.deepEqual(upd.tags, ['t2']);
    assert.equal(upd.defaultRoutePropagationEnabled, true);
    const dhcp = await vpc.enableDHCP({ privateNetworkId: pn.id });
    assert.equal(dhcp.dhcpEnabled, true);

    const list = await vpc.listPrivateNetworks({ vpcId: def.id });
    assert.ok(list.totalCount >= 2);
    const byIds = await vpc.listPrivateNetworks({ privateNetworkIds: [pn2.id] });
    assert.deepEqual(byIds.privateNetworks.map((x) => x.id), [pn2.id]);
    const byTag = await vpc.listPrivateNetworks({ tags: ['t2'] });
    assert.deepEqual(byTag.privateNetworks.map((x) => x.id), [pn.id]);
    const byName = await vpc.listPrivateNetworks({ name: `${pn.name}-x` });
    assert.equal(byName.totalCount, 1);
    const dhcpList = await vpc.listPrivateNetworks({ dhcpEnabled: true, projectId: org });
    assert.ok(dhcpList.totalCount >= 2);

    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
    await vpc.deletePrivateNetwork({ privateNetworkId: pn2.id });
    const e = await caught(() => vpc.getPrivateNetwork({ privateNetworkId: pn.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal(e.resource, 'private_network');
  });

  it('keeps requested CIDRs and refuses bad or overlapping ones', async () => {
    const v = await vpc.createVPC({ name: `vpc-${tag()}` });
    const pn = await vpc.createPrivateNetwork({ name: 'custom', vpcId: v.id, subnets: ['192.168.1.0/24'] });
    assert.equal(pn.subnets[0].subnet, '192.168.1.0/24');
    assert.equal(pn.subnets.length, 2, 'an IPv6 /64 is always added');
    const before = (await vpc.listPrivateNetworks({ vpcId: v.id })).totalCount;
    for (const subnets of [['192.168.1.128/25'], ['10.0.0.0/16'], ['10.0.0.0/30'], ['8.8.8.0/24'], ['127.0.0.0/24'], ['not-a-cidr'], ['10.0.0.1/24']]) {
      const e = await caught(() => vpc.createPrivateNetwork({ name: 'bad', vpcId: v.id, subnets }));
      assert.ok(e instanceof Errors.InvalidArgumentsError, `${subnets}: got ${e}`);
    }
    assert.equal((await vpc.listPrivateNetworks({ vpcId: v.id })).totalCount, before, 'nothing created');
    // The same CIDR is fine in another VPC.
    const other = await vpc.createPrivateNetwork({ name: 'other', subnets: ['192.168.1.0/24'] });
    await vpc.deletePrivateNetwork({ privateNetworkId: other.id });
    const e = await caught(() => vpc.createPrivateNetwork({ name: 'x', vpcId: crypto.randomUUID() }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
    await vpc.deleteVPC({ vpcId: v.id });
  });

  it('refuses to delete a Private Network while IPAM addresses are booked in it', async () => {
    const pn = await vpc.createPrivateNetwork({ name: `pn-${tag()}` });
    const ip = await ipam.bookIP({ source: { privateNetworkId: pn.id }, isIpv6: false });
    const r = await raw(server, 'DELETE', `${R}/private-networks/${pn.id}`);
    const b = assertPreconditionFailed(r, 'resource_still_in_use', 'delete PN with an IP');
    assert.equal(b.help_message, 'Private Network must be empty to be deleted');
    const e = await caught(() => vpc.deletePrivateNetwork({ privateNetworkId: pn.id }));
    assert.ok(e instanceof Errors.PreconditionFailedError, `got ${e}`);
    await ipam.releaseIP({ ipId: ip.id });
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
  });

  it('answers not_found for unknown Private Networks', async () => {
    const missing = crypto.randomUUID();
    assertNotFound(await raw(server, 'GET', `${R}/private-networks/${missing}`), 'private_network', missing, 'get');
    for (const call of [
      () => vpc.updatePrivateNetwork({ privateNetworkId: missing, name: 'x' }),
      () => vpc.deletePrivateNetwork({ privateNetworkId: missing }),
      () => vpc.enableDHCP({ privateNetworkId: missing }),
    ]) {
      const e = await caught(call);
      assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    }
  });

  it('answers AddSubnets / DeleteSubnets 501 "unimplemented endpoint", like the platform', async () => {
    const pn = await vpc.createPrivateNetwork({ name: `pn-${tag()}` });
    for (const call of [
      () => vpc.addSubnets({ privateNetworkId: pn.id, subnets: ['10.9.0.0/24'] }),
      () => vpc.deleteSubnets({ privateNetworkId: pn.id, subnets: [pn.subnets[0].subnet] }),
      () => vpc.addSubnets({ privateNetworkId: crypto.randomUUID(), subnets: ['10.9.0.0/24'] }),
    ]) {
      const e = await caught(call);
      assert.equal(e.status, 501, `got ${e}`);
    }
    const r = await raw(server, 'POST', `${R}/private-networks/${pn.id}/subnets`, { body: { subnets: ['10.9.0.0/24'] } });
    assert.equal(r.status, 501, show(r));
    assert.deepEqual(r.json, { message: 'unimplemented endpoint' });
    assert.equal((await vpc.getPrivateNetwork({ privateNetworkId: pn.id })).subnets.length, 2, 'unchanged');
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
  });
});

describe('projects', () => {
  it('deletes a project with its unused default VPC, refuses while it holds a Private Network', async () => {
    const projects = new Accountv3.ProjectAPI(makeClient(server));
    const p = await projects.createProject({ name: `vpc-owner-${tag()}` });
    const pn = await vpc.createPrivateNetwork({ name: `pn-${tag()}`, projectId: p.id, defaultRoutePropagationEnabled: false });
    const def = await vpc.getVPC({ vpcId: pn.vpcId });
    assert.equal(def.isDefault, true);
    assert.equal(def.projectId, p.id);
    const e = await caught(() => projects.deleteProject({ projectId: p.id }));
    assert.ok(e instanceof Errors.PreconditionFailedError, `got ${e}`);
    await vpc.getVPC({ vpcId: def.id }); // the refused delete changed nothing
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
    await projects.deleteProject({ projectId: p.id });
    const gone = await caught(() => vpc.getVPC({ vpcId: def.id }));
    assert.ok(gone instanceof Errors.ResourceNotFoundError, `got ${gone}`);
  });
});

describe('subnets', () => {
  it('lists every subnet of the Private Networks with filters', async () => {
    const v = await vpc.createVPC({ name: `vpc-${tag()}` });
    const a = await vpc.createPrivateNetwork({ name: 'a', vpcId: v.id });
    const b = await vpc.createPrivateNetwork({ name: 'b', vpcId: v.id });
    const all = await vpc.listSubnets({ vpcId: v.id });
    assert.equal(all.totalCount, 4);
    for (const s of all.subnets) assert.equal(s.vpcId, v.id);
    const one = await vpc.listSubnets({ subnetIds: [b.subnets[1].id] });
    assert.deepEqual(one.subnets.map((s) => s.subnet), [b.subnets[1].subnet]);
    assert.equal(one.subnets[0].privateNetworkId, b.id);
    const page = await vpc.pageOfListSubnets({ vpcId: v.id, page: 2, pageSize: 3 });
    assert.equal(page.totalCount, 4);
    assert.equal(page.subnets.length, 1);
    const desc = await vpc.listSubnets({ vpcId: v.id, orderBy: 'created_at_desc', projectId: org });
    assert.equal(desc.subnets[0].privateNetworkId, b.id);
    const e = await caught(() => vpc.listSubnets({ organizationId: crypto.randomUUID() }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `got ${e}`);
    await vpc.deletePrivateNetwork({ privateNetworkId: a.id });
    await vpc.deletePrivateNetwork({ privateNetworkId: b.id });
    await vpc.deleteVPC({ vpcId: v.id });
  });
});

describe('routes', () => {
  it('creates, reads, updates and deletes custom routes', async () => {
    const v = await vpc.createVPC({ name: `vpc-${tag()}` });
    const pn = await vpc.createPrivateNetwork({ name: 'hop', vpcId: v.id });
    const route = await vpc.createRoute({ vpcId: v.id, destination: '10.0.0.0/24', nexthopPrivateNetworkId: pn.id, tags: ['x'] });
    assert.equal(route.description, 'Custom route');
    assert.equal(route.isReadOnly, false);
    assert.equal(route.vpcId, v.id);
    const r = await raw(server, 'GET', `${R}/routes/${route.id}`);
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(keys(r.json), ROUTE_KEYS);
    assert.equal(r.json.type, 'custom');
    assert.equal(r.json.nexthop_resource_id, null);

    const got = await vpc.getRoute({ routeId: route.id });
    assert.equal(got.destination, '10.0.0.0/24');
    const upd = await vpc.updateRoute({ routeId: route.id, description: 'via hop', destination: '10.1.0.0/24', tags: ['y'] });
    assert.equal(upd.description, 'via hop');
    assert.equal(upd.destination, '10.1.0.0/24');
    assert.deepEqual(upd.tags, ['y']);
    assert.equal(upd.nexthopPrivateNetworkId, pn.id);

    // The route list of the Go SDK / Terraform (not in the JS SDK): managed subnet routes first.
    const rl = await raw(server, 'GET', `${R}/routes-with-nexthop?vpc_id=${v.id}&nexthop_resource_type=unknown_type&order_by=created_at_asc`);
    assert.equal(rl.status, 200, show(rl));
    assert.equal(rl.json.total_count, 3);
    assert.deepEqual(rl.json.routes.map((x) => x.route.type), ['subnet', 'subnet', 'custom']);
    assert.deepEqual(rl.json.routes[0].route.tags, ['MANAGED']);
    assert.equal(rl.json.routes[0].route.id, '');
    assert.deepEqual(Object.keys(rl.json.routes[2]).sort(), ['nexthop_ip', 'nexthop_name', 'nexthop_resource_type', 'route']);
    const v6 = await raw(server, 'GET', `${R}/routes-with-nexthop?vpc_id=${v.id}&is_ipv6=true`);
    assert.equal(v6.json.total_count, 1);

    let e = await caught(() => vpc.createRoute({ vpcId: v.id, destination: 'nope', nexthopPrivateNetworkId: pn.id }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);
    e = await caught(() => vpc.createRoute({ vpcId: v.id, destination: '10.2.0.0/24' }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);
    e = await caught(() => vpc.createRoute({ vpcId: crypto.randomUUID(), destination: '10.2.0.0/24', nexthopPrivateNetworkId: pn.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);

    await vpc.deleteRoute({ routeId: route.id });
    const gone = await raw(server, 'GET', `${R}/routes/${route.id}`);
    assert.equal(gone.status, 404, show(gone));
    assert.deepEqual(gone.json, { message: 'resource is not found', resource: 'unknown', resource_id: '', type: 'not_found' });
    e = await caught(() => vpc.getRoute({ routeId: route.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() => vpc.updateRoute({ routeId: route.id, description: 'x' }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() => vpc.deleteRoute({ routeId: route.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
    await vpc.deleteVPC({ vpcId: v.id });
  });
});

describe('IAM', () => {
  it('scopes lists to the readable projects and refuses writes without rights', async () => {
    const projects = new Accountv3.ProjectAPI(makeClient(server));
    const A = (await projects.createProject({ name: `A-${tag()}` })).id;
    const B = (await projects.createProject({ name: `B-${tag()}` })).id;
    const pa = await vpc.createPrivateNetwork({ name: 'in-a', projectId: A });
    const pb = await vpc.createPrivateNetwork({ name: 'in-b', projectId: B });
    const ia = await ipam.bookIP({ source: { privateNetworkId: pa.id }, projectId: A });
    const ib = await ipam.bookIP({ source: { privateNetworkId: pb.id }, projectId: B });
    const app = await appWithKey(server, iamApi(makeClient(server)), {
      rules: [{ permissionSetNames: ['VPCReadOnly', 'IPAMReadOnly'], projectIds: [A], condition: '' }],
    });
    const v = new Vpcv2.API(app.client);
    const i = new Ipamv1.API(app.client);
    const pns = (await v.listPrivateNetworks({})).privateNetworks.map((x) => x.id);
    assert.ok(pns.includes(pa.id) && !pns.includes(pb.id), `scoped PN list: ${pns}`);
    const subnets = (await v.listSubnets({})).subnets.map((x) => x.privateNetworkId);
    assert.ok(subnets.includes(pa.id) && !subnets.includes(pb.id), 'scoped subnet list');
    const vpcs = (await v.listVPCs({})).vpcs.map((x) => x.projectId);
    assert.ok(vpcs.every((p) => p === A), `scoped VPC list: ${vpcs}`);
    const ips = (await i.listIPs({})).ips.map((x) => x.id);
    assert.ok(ips.includes(ia.id) && !ips.includes(ib.id), 'scoped IP list');
    assert.equal((await v.getPrivateNetwork({ privateNetworkId: pa.id })).id, pa.id);
    let e = await caught(() => v.getPrivateNetwork({ privateNetworkId: pb.id }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `other project: got ${e}`);
    e = await caught(() => v.createPrivateNetwork({ name: 'x', projectId: A }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `read-only: got ${e}`);
    e = await caught(() => i.bookIP({ source: { privateNetworkId: pa.id }, projectId: A }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `read-only: got ${e}`);
    await ipam.releaseIPSet({ ipIds: [ia.id, ib.id] });
    await vpc.deletePrivateNetwork({ privateNetworkId: pa.id });
    await vpc.deletePrivateNetwork({ privateNetworkId: pb.id });
  });
});

describe('VPC connectors and ingress rules (Go SDK / Terraform only, raw HTTP)', () => {
  it('connects two VPCs (orphan then peered) and routes through the connector', async () => {
    const a = await vpc.createVPC({ name: `a-${tag()}` });
    const b = await vpc.createVPC({ name: `b-${tag()}` });
    let r = await raw(server, 'POST', `${R}/vpc-connectors`, { body: { name: 'ab', tags: [], vpc_id: a.id, target_vpc_id: b.id } });
    assert.equal(r.status, 200, show(r));
    const ab = r.json;
    assert.equal(ab.status, 'orphan');
    assert.deepEqual(keys(ab), ['created_at', 'id', 'name', 'organization_id', 'project_id', 'region', 'status', 'tags', 'target_vpc_id', 'updated_at', 'vpc_id']);
    r = await raw(server, 'POST', `${R}/vpc-connectors`, { body: { name: 'ba', vpc_id: b.id, target_vpc_id: a.id } });
    assert.equal(r.status, 200, show(r));
    const ba = r.json;
    assert.equal(ba.status, 'peered');
    assert.deepEqual(ba.peer_info, { organization_id: org, project_id: org, vpc_name: a.name });
    r = await raw(server, 'GET', `${R}/vpc-connectors/${ab.id}`);
    assert.equal(r.json.status, 'peered');
    r = await raw(server, 'PATCH', `${R}/vpc-connectors/${ab.id}`, { body: { name: 'ab2', tags: ['t'] } });
    assert.equal(r.json.name, 'ab2');
    r = await raw(server, 'GET', `${R}/vpc-connectors?vpc_id=${a.id}&order_by=created_at_asc`);
    assert.equal(r.json.total_count, 1);
    // The JS SDK 1.4.0 does not marshal nexthop_vpc_connector_id: raw create.
    const created = await raw(server, 'POST', `${R}/routes`, { body: { vpc_id: a.id, destination: '10.50.0.0/24', nexthop_vpc_connector_id: ab.id } });
    assert.equal(created.status, 200, show(created));
    const route = created.json;
    const rr = await raw(server, 'GET', `${R}/routes/${route.id}`);
    assert.equal(rr.json.nexthop_vpc_connector_id, ab.id);
    r = await raw(server, 'DELETE', `${R}/vpc-connectors/${ab.id}`);
    assertPreconditionFailed(r, 'resource_still_in_use', 'connector used by a route');
    await vpc.deleteRoute({ routeId: route.id });
    assert.equal((await raw(server, 'DELETE', `${R}/vpc-connectors/${ab.id}`)).status, 204);
    assertNotFound(await raw(server, 'GET', `${R}/vpc-connectors/${ab.id}`), 'vpc_connector', ab.id, 'deleted connector');
    r = await raw(server, 'POST', `${R}/vpc-connectors`, { body: { vpc_id: a.id, target_vpc_id: crypto.randomUUID() } });
    assert.equal(r.status, 404, show(r));
    await vpc.deleteVPC({ vpcId: a.id });
    await vpc.deleteVPC({ vpcId: b.id });
  });

  it('creates, lists, updates and deletes ingress rules', async () => {
    const v = await vpc.createVPC({ name: `vpc-${tag()}` });
    const pn = await vpc.createPrivateNetwork({ name: 'in', vpcId: v.id, subnets: ['172.20.0.0/22'] });
    let r = await raw(server, 'POST', `${R}/ingress-rules`, {
      body: { vpc_id: v.id, source: '10.0.0.0/24', nexthop_resource_ip: '172.20.0.2', nexthop_private_network_id: pn.id, description: 'd', tags: [] },
    });
    assert.equal(r.status, 200, show(r));
    const rule = r.json;
    assert.equal(rule.is_ipv6, false);
    r = await raw(server, 'PATCH', `${R}/ingress-rules/${rule.id}`, { body: { description: 'e', tags: ['x'] } });
    assert.equal(r.json.description, 'e');
    r = await raw(server, 'GET', `${R}/ingress-rules?nexthop_private_network_id=${pn.id}&order_by=created_at_asc`);
    assert.equal(r.json.total_count, 1);
    r = await raw(server, 'POST', `${R}/ingress-rules`, {
      body: { vpc_id: v.id, source: '10.0.0.0/24', nexthop_resource_ip: 'fd00::1', nexthop_private_network_id: pn.id },
    });
    assert.equal(r.status, 400, show(r));
    assert.equal((await raw(server, 'DELETE', `${R}/ingress-rules/${rule.id}`)).status, 204);
    r = await raw(server, 'GET', `${R}/ingress-rules/${rule.id}`);
    assert.deepEqual(r.json, { message: 'resource is not found', resource: 'unknown', resource_id: '', type: 'not_found' });
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
    await vpc.deleteVPC({ vpcId: v.id });
  });
});
