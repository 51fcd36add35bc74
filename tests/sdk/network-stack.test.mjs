// The whole networking stack across products, through the official JS SDKs (issue 5's "done
// when"): a Private Network (VPC v2) in the project's default VPC, two Instance servers attached
// to it (each NIC books a distinct IPAM address), a Public Gateway (vpc-gw v2) attached to the
// network with a PAT rule to the first server, then the stack torn down: deletes in the wrong
// order are refused with the real errors, in the right order they succeed and leave nothing
// booked. The same stack is also checked through vpc-gw v1 (same gateways).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Errors } from '@scaleway/sdk-client';
import { Instancev1 } from '@scaleway/sdk-instance';
import { Ipamv1 } from '@scaleway/sdk-ipam';
import { Vpcv2 } from '@scaleway/sdk-vpc';
import { Vpcgwv1, Vpcgwv2 } from '@scaleway/sdk-vpcgw';

import { advanceClock, caught, makeClient, raw, show, startServer, tag } from './lib/harness.mjs';

const WAIT = { minDelay: 1, maxDelay: 2, timeout: 60 };
const IPV4_CIDR_RE = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/;

let server;
let instance;
let vpc;
let ipam;
let gw;
let gw1;
let localJammy;

const advance = (seconds) => advanceClock(server, seconds);

before(async () => {
  server = await startServer();
  const client = makeClient(server);
  instance = new Instancev1.API(client);
  vpc = new Vpcv2.API(client);
  ipam = new Ipamv1.API(client);
  gw = new Vpcgwv2.API(client);
  gw1 = new Vpcgwv1.API(client);
  const r = await raw(
    server,
    'GET',
    '/marketplace/v2/local-images?image_label=ubuntu_jammy&zone=fr-par-1&type=instance_local&arch=x86_64',
  );
  assert.equal(r.status, 200, show(r));
  localJammy = r.json.local_images.find((i) => i.arch === 'x86_64').id;
});

after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly: ${JSON.stringify(r)}\n${server.logs().slice(-3000)}`);
  }
});

/** "172.16.4.2/22" -> [172, 16, 4, 2, 22] */
function parseCidr(s) {
  const m = IPV4_CIDR_RE.exec(s);
  assert.ok(m, `not an IPv4 CIDR: ${s}`);
  return m.slice(1).map(Number);
}

function inSubnet(address, subnet) {
  const [a, b, c, d] = parseCidr(address);
  const [sa, sb, sc, sd, len] = parseCidr(subnet);
  const ip = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
  const net = ((sa << 24) >>> 0) + (sb << 16) + (sc << 8) + sd;
  const mask = len === 0 ? 0 : (~0 << (32 - len)) >>> 0;
  return (ip & mask) >>> 0 === (net & mask) >>> 0;
}

describe('private network + two servers + public gateway + PAT rule', () => {
  it('builds the stack with real statuses and addresses, refuses wrong-order deletes, tears down', async () => {
    // --- a Private Network in the default VPC, with an IPv4 /22 and an IPv6 /64
    const pn = await vpc.createPrivateNetwork({ name: `pn-${tag()}`, defaultRoutePropagationEnabled: false });
    assert.equal(pn.dhcpEnabled, true);
    const defaultVpc = await vpc.getVPC({ vpcId: pn.vpcId });
    assert.equal(defaultVpc.isDefault, true);
    assert.equal(defaultVpc.name, 'default');
    assert.deepEqual(defaultVpc.tags, ['default']);
    assert.equal(pn.subnets.length, 2);
    const v4 = pn.subnets.find((s) => !s.subnet.includes(':'));
    assert.ok(v4, 'an IPv4 subnet');
    assert.equal(parseCidr(v4.subnet)[4], 22);
    assert.ok(pn.subnets.some((s) => /::\/64$/.test(s.subnet)), 'an IPv6 /64');

    // --- two running servers, each attached to the network (a NIC syncs on a running server)
    const servers = [];
    for (const n of [1, 2]) {
      const { server: s } = await instance.createServer({
        name: `web-${n}-${tag(4)}`,
        commercialType: 'DEV1-S',
        image: localJammy,
      });
      servers.push(s);
      await instance.serverAction({ serverId: s.id, action: 'poweron' });
    }
    await advance(60);
    for (const s of servers) {
      const up = await instance.waitForServer({ serverId: s.id }, { ...WAIT });
      assert.equal(up.state, 'running');
    }
    const nics = [];
    for (const s of servers) {
      const { privateNic } = await instance.createPrivateNIC({ serverId: s.id, privateNetworkId: pn.id });
      assert.equal(privateNic.state, 'syncing');
      assert.match(privateNic.macAddress, /^02:00:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}$/);
      nics.push(privateNic);
    }
    await advance(120);
    for (const [i, nic] of nics.entries()) {
      const ready = await instance.waitForPrivateNIC(
        { serverId: servers[i].id, privateNicId: nic.id },
        { ...WAIT },
      );
      assert.equal(ready.state, 'available');
      const { server: s } = await instance.getServer({ serverId: servers[i].id });
      assert.deepEqual(
        s.privateNics.map((x) => x.id),
        [nic.id],
      );
    }

    // each server got its own private IPv4 address from IPAM, inside the /22, from .2 on
    const addrs = [];
    for (const nic of nics) {
      const { ips } = await ipam.listIPs({
        privateNetworkId: pn.id,
        resourceId: nic.id,
        isIpv6: false,
      });
      assert.equal(ips.length, 1, `one IPv4 for NIC ${nic.id}`);
      const ip = ips[0];
      assert.equal(ip.resource.type, 'instance_private_nic');
      assert.equal(ip.resource.macAddress, nic.macAddress.toUpperCase());
      assert.ok(inSubnet(ip.address, v4.subnet), `${ip.address} in ${v4.subnet}`);
      assert.equal(parseCidr(ip.address)[4], 22);
      const both = await ipam.listIPs({ resourceId: nic.id });
      assert.equal(both.totalCount, 2, 'one IPv4 and one IPv6 address per NIC');
      addrs.push(ip.address);
    }
    assert.notEqual(addrs[0], addrs[1]);
    const firstHost = parseCidr(v4.subnet);
    assert.ok(
      addrs.some((a) => parseCidr(a)[3] === firstHost[3] + 2),
      `the first usable address (.2) is handed out: ${addrs}`,
    );

    // --- a Public Gateway in front: allocating -> running, then a gateway network
    const gateway = await gw.createGateway({ name: `gw-${tag()}`, type: 'VPC-GW-S' });
    assert.equal(gateway.status, 'allocating');
    assert.ok(gateway.ipv4?.address, 'the gateway has a public IPv4 at once');
    await advance(60);
    const running = await gw.waitForGateway({ gatewayId: gateway.id }, { ...WAIT });
    assert.equal(running.status, 'running');

    const gn = await gw.createGatewayNetwork({
      gatewayId: gateway.id,
      privateNetworkId: pn.id,
      enableMasquerade: true,
      pushDefaultRoute: true,
    });
    assert.ok(['created', 'attaching', 'configuring'].includes(gn.status), gn.status);
    // the gateway is configuring: a concurrent change is refused with 409 transient_state
    const busy = await caught(() =>
      gw.createGatewayNetwork({ gatewayId: gateway.id, privateNetworkId: pn.id, enableMasquerade: true }),
    );
    assert.ok(busy instanceof Errors.TransientStateError, `got ${busy}`);
    assert.equal(busy.resource, 'gateway');
    await advance(60);
    const gnReady = await gw.waitForGatewayNetwork({ gatewayNetworkId: gn.id }, { ...WAIT });
    assert.equal(gnReady.status, 'ready');
    assert.ok(gnReady.ipamIpId, 'the gateway network booked an IPAM address');
    const gwIp = await ipam.getIP({ ipId: gnReady.ipamIpId });
    assert.equal(gwIp.resource.type, 'vpc_gateway_network');
    assert.ok(inSubnet(gwIp.address, v4.subnet));
    assert.ok(!addrs.includes(gwIp.address), 'the gateway address differs from the servers');

    // a PAT rule to the first server's SSH
    const serverAddress = addrs[0].split('/')[0];
    const rule = await gw.createPatRule({
      gatewayId: gateway.id,
      publicPort: 2222,
      privateIp: serverAddress,
      privatePort: 22,
      protocol: 'tcp',
    });
    assert.equal(rule.privateIp, serverAddress);
    const { patRules } = await gw.listPatRules({ gatewayIds: [gateway.id] });
    assert.deepEqual(
      patRules.map((r) => r.id),
      [rule.id],
    );
    // v1 sees the same gateway, with its network and rule
    const legacyView = await gw1.getGateway({ gatewayId: gateway.id });
    assert.equal(legacyView.type.name, 'VPC-GW-S');
    assert.equal(legacyView.ip.address, gateway.ipv4.address);
    assert.equal(legacyView.gatewayNetworks.length, 1);
    const legacyRules = await gw1.listPATRules({ gatewayId: gateway.id });
    assert.equal(legacyRules.totalCount, 1);

    // --- wrong order: the network and its VPC are still in use
    let e = await caught(() => vpc.deletePrivateNetwork({ privateNetworkId: pn.id }));
    assert.ok(e instanceof Errors.PreconditionFailedError, `got ${e}`);
    assert.equal(e.status, 412);
    assert.equal(e.precondition, 'resource_still_in_use');
    e = await caught(() => vpc.deleteVPC({ vpcId: pn.vpcId }));
    assert.equal(e.status >= 400 && e.status < 500, true, `got ${e}`);
    await vpc.getPrivateNetwork({ privateNetworkId: pn.id }); // still there

    // --- right order: PAT rule, gateway network, gateway, NICs, servers, network
    await gw.deletePatRule({ patRuleId: rule.id });
    const detaching = await gw.deleteGatewayNetwork({ gatewayNetworkId: gn.id });
    assert.equal(detaching.status, 'detaching');
    await advance(30);
    e = await caught(() => gw.getGatewayNetwork({ gatewayNetworkId: gn.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    e = await caught(() => ipam.getIP({ ipId: gnReady.ipamIpId }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `the gateway's auto-booked address is released: ${e}`);

    // the servers' NICs still hold the network
    e = await caught(() => vpc.deletePrivateNetwork({ privateNetworkId: pn.id }));
    assert.ok(e instanceof Errors.PreconditionFailedError, `got ${e}`);

    const deleting = await gw.deleteGateway({ gatewayId: gateway.id, deleteIp: true });
    assert.equal(deleting.status, 'deleting');
    await advance(30);
    e = await caught(() => gw.getGateway({ gatewayId: gateway.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);

    await instance.deletePrivateNIC({ serverId: servers[0].id, privateNicId: nics[0].id });
    e = await caught(() => instance.getPrivateNIC({ serverId: servers[0].id, privateNicId: nics[0].id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal(e.resource, 'instance_private_nic');
    // a running server cannot be deleted; stopped, it goes with its remaining NIC
    e = await caught(() => instance.deleteServer({ serverId: servers[1].id }));
    assert.equal(e.status, 400, `got ${e}`);
    for (const s of servers) await instance.serverAction({ serverId: s.id, action: 'poweroff' });
    await advance(60);
    for (const s of servers) {
      assert.equal((await instance.waitForServer({ serverId: s.id }, { ...WAIT })).state, 'stopped');
      await instance.deleteServer({ serverId: s.id });
    }
    e = await caught(() => instance.getPrivateNIC({ serverId: servers[1].id, privateNicId: nics[1].id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal(e.resource, 'instance_server');

    const left = await ipam.listIPs({ privateNetworkId: pn.id });
    assert.equal(left.totalCount, 0, `nothing booked: ${JSON.stringify(left.ips)}`);
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
    e = await caught(() => vpc.getPrivateNetwork({ privateNetworkId: pn.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal(e.resource, 'private_network');
  });
});
