// Instance v1 "network" resources end to end through the official JS SDK
// (@scaleway/sdk-instance 1.4.0): security groups and their rules, flexible IPs (attached to
// servers made through the SDK), placement groups, the dashboard and block migration, with their
// error paths. Shapes follow the recordings in /work/shared/conformance/cassettes/instance/.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Errors } from '@scaleway/sdk-client';
import { Instancev1 } from '@scaleway/sdk-instance';

import { UUID_RE, caught, makeClient, raw, show, startServer } from './lib/harness.mjs';
import { assertInvalidArguments, assertNotFound, assertWire } from './lib/shapes.mjs';

const Z = '/instance/v1/zones/fr-par-1';
const UNKNOWN = '0c265f34-84f7-42bf-937e-c8c5e704e559';
const TS_OFFSET_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/;
const SG_KEYS = [
  'creation_date', 'description', 'enable_default_security', 'id', 'inbound_default_policy',
  'modification_date', 'name', 'organization', 'organization_default', 'outbound_default_policy',
  'project', 'project_default', 'servers', 'state', 'stateful', 'tags', 'zone',
];
const RULE_KEYS = [
  'action', 'dest_ip_range', 'dest_port_from', 'dest_port_to', 'direction', 'editable', 'id',
  'ip_range', 'position', 'protocol', 'zone',
];
const IP_KEYS = [
  'address', 'id', 'ipam_id', 'organization', 'prefix', 'project', 'reverse', 'server', 'state',
  'tags', 'type', 'zone',
];
const PG_KEYS = [
  'id', 'name', 'organization', 'policy_mode', 'policy_respected', 'policy_type', 'project', 'tags',
  'zone',
];
const DASHBOARD_KEYS = [
  'images_count', 'ips_count', 'ips_unused', 'placement_groups_count', 'private_nics_count',
  'running_servers_count', 'security_groups_count', 'servers_by_types', 'servers_count',
  'snapshots_count', 'volumes_b_ssd_count', 'volumes_b_ssd_total_size', 'volumes_count',
  'volumes_l_ssd_count', 'volumes_l_ssd_total_size', 'volumes_scratch_count',
];

let server;
let api; // Instancev1.API
let org;
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

async function dropServer(id) {
  const s = await api.getServer({ serverId: id }).then((r) => r.server).catch(() => null);
  if (!s) return;
  if (s.state !== 'stopped') {
    await api.serverAction({ serverId: id, action: 'poweroff' }).catch(() => {});
    await advance(60);
  }
  await api.deleteServer({ serverId: id }).catch(() => {});
  for (const v of Object.values(s.volumes)) await api.deleteVolume({ volumeId: v.id }).catch(() => {});
}

function isNotFound(e, resource) {
  assert.ok(e instanceof Errors.ResourceNotFoundError, String(e));
  assert.equal(e.resource, resource);
}

before(async () => {
  server = await startServer();
  api = new Instancev1.API(makeClient(server));
  org = server.creds.organizationId;
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

describe('security groups', () => {
  it('create answers 201 + Location with every recorded key', async () => {
    const r = await raw(server, 'POST', `${Z}/security_groups`, {
      body: { name: 'wire-sg', project: org, stateful: true, inbound_default_policy: 'accept', outbound_default_policy: 'accept' },
    });
    assert.equal(r.status, 201, show(r));
    assertWire(r, 'create security group');
    const sg = r.json.security_group;
    assert.deepEqual(sorted(sg), SG_KEYS);
    assert.equal(r.headers.get('location').endsWith(`${Z}/security_groups/${sg.id}`), true);
    assert.equal(sg.description, null);
    assert.equal(sg.enable_default_security, true);
    assert.equal(sg.project_default, false);
    assert.equal(sg.organization_default, false);
    assert.equal(sg.state, 'available');
    assert.deepEqual(sg.servers, []);
    assert.match(sg.creation_date, TS_OFFSET_RE);
    await api.deleteSecurityGroup({ securityGroupId: sg.id });
  });

  it('create, get, list (filters and pages), update, set, delete through the SDK', async () => {
    const name = `sg-${uniq()}`;
    const a = (await api.createSecurityGroup({ name, description: 'first', stateful: true, tags: ['x'], inboundDefaultPolicy: 'drop', outboundDefaultPolicy: 'accept' })).securityGroup;
    const b = (await api.createSecurityGroup({ name: `${name}-b`, stateful: false, inboundDefaultPolicy: 'accept', outboundDefaultPolicy: 'accept' })).securityGroup;
    assert.match(a.id, UUID_RE);
    assert.equal(a.inboundDefaultPolicy, 'drop');
    assert.equal(b.stateful, false);
    assert.ok(a.creationDate instanceof Date);

    const got = (await api.getSecurityGroup({ securityGroupId: a.id })).securityGroup;
    assert.equal(got.description, 'first');
    assert.deepEqual(got.tags, ['x']);

    const byName = await api.listSecurityGroups({ name });
    assert.equal(byName.totalCount, 2);
    const tagged = await api.listSecurityGroups({ tags: ['x'] });
    assert.deepEqual(tagged.securityGroups.map((s) => s.id), [a.id]);
    const all = await api.listSecurityGroups({ perPage: 1, name }).all();
    assert.equal(all.length, 2, 'all() walks the pages');
    const page = await raw(server, 'GET', `${Z}/security_groups?per_page=1&name=${name}`);
    assert.equal(page.headers.get('x-total-count'), '2');
    assert.match(page.headers.get('link'), /rel="next"/);

    const up = (await api.updateSecurityGroup({ securityGroupId: b.id, name: `${name}-b2`, description: 'now set', projectDefault: true, tags: ['y'] })).securityGroup;
    assert.equal(up.state, 'syncing', 'a change is pushed to the hypervisors first (recorded)');
    await advance(2);
    assert.equal((await api.getSecurityGroup({ securityGroupId: b.id })).securityGroup.state, 'available');
    const same = (await api.updateSecurityGroup({ securityGroupId: b.id, name: `${name}-b2` })).securityGroup;
    assert.equal(same.state, 'available', 'no change, no sync');
    assert.equal(up.name, `${name}-b2`);
    assert.equal(up.description, 'now set');
    assert.equal(up.projectDefault, true);
    const defaults = await api.listSecurityGroups({ projectDefault: true });
    assert.deepEqual(defaults.securityGroups.map((s) => s.id), [b.id]);
    await api.updateSecurityGroup({ securityGroupId: b.id, projectDefault: false });

    // The SDK-private PUT replaces the whole object.
    const set = (await api._setSecurityGroup({
      id: a.id, name: `${name}-set`, description: 'replaced', enableDefaultSecurity: false,
      inboundDefaultPolicy: 'accept', outboundDefaultPolicy: 'drop', organizationDefault: false,
      projectDefault: false, stateful: true, tags: [], servers: [],
    })).securityGroup;
    assert.equal(set.name, `${name}-set`);
    assert.equal(set.outboundDefaultPolicy, 'drop');
    assert.equal(set.enableDefaultSecurity, false);
    assert.deepEqual(set.tags, []);

    await api.deleteSecurityGroup({ securityGroupId: a.id });
    await api.deleteSecurityGroup({ securityGroupId: b.id });
    isNotFound(await caught(() => api.getSecurityGroup({ securityGroupId: a.id })), 'instance_security_group');
  });

  it('error paths: unknown ids, bad input (nothing created)', async () => {
    isNotFound(await caught(() => api.getSecurityGroup({ securityGroupId: UNKNOWN })), 'instance_security_group');
    isNotFound(await caught(() => api.updateSecurityGroup({ securityGroupId: UNKNOWN, name: 'x' })), 'instance_security_group');
    isNotFound(await caught(() => api.deleteSecurityGroup({ securityGroupId: UNKNOWN })), 'instance_security_group');
    const r = await raw(server, 'GET', `${Z}/security_groups/${UNKNOWN}`);
    assertNotFound(r, 'instance_security_group', UNKNOWN, 'get unknown');
    const before = (await api.listSecurityGroups()).totalCount;
    const bad = await raw(server, 'POST', `${Z}/security_groups`, { body: { name: 'x', inbound_default_policy: 'reject' } });
    assertInvalidArguments(bad, 'inbound_default_policy', 'bad policy');
    const noName = await raw(server, 'POST', `${Z}/security_groups`, { body: { project: org } });
    assertInvalidArguments(noName, 'name', 'missing name');
    assert.equal((await api.listSecurityGroups()).totalCount, before);
  });

  it('a server without security_group gets the auto-created default; delete in use is a 409 conflict', async () => {
    const s = await newServer();
    assert.equal(s.securityGroup.name, 'Default security group');
    const def = (await api.getSecurityGroup({ securityGroupId: s.securityGroup.id })).securityGroup;
    assert.equal(def.description, 'Auto generated security group.');
    assert.equal(def.projectDefault, true);
    assert.equal(def.stateful, true);
    assert.equal(def.enableDefaultSecurity, true);
    assert.deepEqual(def.servers.map((x) => x.id), [s.id]);
    // A second server reuses it.
    const s2 = await newServer();
    assert.equal(s2.securityGroup.id, def.id);

    const e = await caught(() => api.deleteSecurityGroup({ securityGroupId: def.id }));
    assert.equal(e.status, 409, String(e));
    assert.match(String(e.message ?? e), /Group is in use\. You cannot delete it\./);
    const r = await raw(server, 'DELETE', `${Z}/security_groups/${def.id}`);
    assert.equal(r.status, 409);
    assert.deepEqual(r.json, { type: 'conflict', message: 'Group is in use. You cannot delete it.' });

    // A server given an explicit group is listed in that group.
    const own = (await api.createSecurityGroup({ name: `own-${uniq()}`, stateful: true, inboundDefaultPolicy: 'accept', outboundDefaultPolicy: 'accept' })).securityGroup;
    const s3 = await newServer({ securityGroup: own.id });
    assert.equal(s3.securityGroup.id, own.id);
    const ownNow = (await api.getSecurityGroup({ securityGroupId: own.id })).securityGroup;
    assert.deepEqual(ownNow.servers, [{ id: s3.id, name: s3.name }]);

    await dropServer(s.id);
    await dropServer(s2.id);
    await dropServer(s3.id);
    await api.deleteSecurityGroup({ securityGroupId: own.id });
    await api.deleteSecurityGroup({ securityGroupId: def.id });
  });
});

describe('security group rules', () => {
  let sg;
  before(async () => {
    sg = (await api.createSecurityGroup({ name: `rules-${uniq()}`, stateful: true, inboundDefaultPolicy: 'accept', outboundDefaultPolicy: 'accept' })).securityGroup;
  });
  after(async () => {
    await api.deleteSecurityGroup({ securityGroupId: sg.id }).catch(() => {});
  });

  it('lists the 6 fixed SMTP drop rules first, without paging headers', async () => {
    const r = await raw(server, 'GET', `${Z}/security_groups/${sg.id}/rules?page=1`);
    assert.equal(r.status, 200, show(r));
    assert.equal(r.headers.get('x-total-count'), null);
    assert.equal(r.json.rules.length, 6);
    for (const [i, rule] of r.json.rules.entries()) {
      assert.deepEqual(sorted(rule), RULE_KEYS);
      assert.equal(rule.id, `11111111-2222-4333-8444-00000000000${i + 1}`);
      assert.equal(rule.editable, false);
      assert.equal(rule.action, 'drop');
      assert.equal(rule.direction, 'outbound');
      assert.equal(rule.dest_port_to, null);
      assert.equal(rule.position, i + 1);
    }
    assert.deepEqual(r.json.rules.map((x) => x.dest_port_from), [25, 465, 587, 25, 465, 587]);
    const viaSdk = await api.listSecurityGroupRules({ securityGroupId: sg.id }).all();
    assert.equal(viaSdk.length, 6);
    const defaults = await api.listDefaultSecurityGroupRules();
    assert.equal(defaults.rules.length, 6);
    assert.equal(defaults.rules[3].ipRange, '::/0');
    const one = (await api.getSecurityGroupRule({ securityGroupId: sg.id, securityGroupRuleId: '11111111-2222-4333-8444-000000000003' })).rule;
    assert.equal(one.destPortFrom, 587);
  });

  it('create / get / update / set one / delete, with the recorded normalisations', async () => {
    const created = await raw(server, 'POST', `${Z}/security_groups/${sg.id}/rules`, {
      body: { protocol: 'TCP', direction: 'inbound', action: 'accept', ip_range: '8.8.8.8/32', dest_port_from: 1, dest_port_to: 1024, position: 1 },
    });
    assert.equal(created.status, 201, show(created));
    const rule = created.json.rule;
    assert.deepEqual(sorted(rule), RULE_KEYS);
    assert.equal(rule.ip_range, '8.8.8.8');
    assert.equal(rule.editable, true);
    assert.equal(rule.position, 1);
    assert.ok(created.headers.get('location').endsWith(`/security_groups/${sg.id}/rules/${rule.id}`));

    const second = (await api.createSecurityGroupRule({
      securityGroupId: sg.id, protocol: 'UDP', direction: 'outbound', action: 'drop', ipRange: '10.0.0.0/8', destPortFrom: 53, destPortTo: 53, position: 0, editable: true,
    })).rule;
    assert.equal(second.destPortTo, null, 'equal port range: dest_port_to null');
    assert.equal(second.position, 2);

    const up = (await api.updateSecurityGroupRule({ securityGroupId: sg.id, securityGroupRuleId: rule.id, protocol: 'UDP', ipRange: '1.1.1.1/32', destPortFrom: 22, destPortTo: 22 })).rule;
    assert.equal(up.protocol, 'UDP');
    assert.equal(up.ipRange, '1.1.1.1');
    assert.equal(up.destPortTo, null);
    const icmp = (await api.updateSecurityGroupRule({ securityGroupId: sg.id, securityGroupRuleId: rule.id, protocol: 'ICMP' })).rule;
    assert.equal(icmp.destPortFrom, null);
    const moved = (await api.updateSecurityGroupRule({ securityGroupId: sg.id, securityGroupRuleId: rule.id, position: 2 })).rule;
    assert.equal(moved.position, 2);
    const got = (await api.getSecurityGroupRule({ securityGroupId: sg.id, securityGroupRuleId: second.id })).rule;
    assert.equal(got.position, 1);

    const put = (await api._setSecurityGroupRule({
      securityGroupId: sg.id, securityGroupRuleId: rule.id, id: rule.id, protocol: 'TCP', direction: 'inbound', action: 'accept', ipRange: '0.0.0.0/0', destPortFrom: 443, position: 2, editable: true,
    })).rule;
    assert.equal(put.destPortFrom, 443);
    assert.equal(put.ipRange, '0.0.0.0/0');

    await api.deleteSecurityGroupRule({ securityGroupId: sg.id, securityGroupRuleId: second.id });
    isNotFound(await caught(() => api.getSecurityGroupRule({ securityGroupId: sg.id, securityGroupRuleId: second.id })), 'instance_security_group_rule');
    const rules = await api.listSecurityGroupRules({ securityGroupId: sg.id });
    assert.equal(rules.rules.length, 7);
    assert.equal(rules.rules[6].position, 1, 'positions are renumbered');
    await api.deleteSecurityGroupRule({ securityGroupId: sg.id, securityGroupRuleId: rule.id });
  });

  it('set all rules replaces the editable ones (Go-style body with nulls and zone)', async () => {
    const keep = (await api.createSecurityGroupRule({ securityGroupId: sg.id, protocol: 'TCP', direction: 'inbound', action: 'accept', ipRange: '0.0.0.0/0', destPortFrom: 80, position: 0, editable: true })).rule;
    const gone = (await api.createSecurityGroupRule({ securityGroupId: sg.id, protocol: 'TCP', direction: 'inbound', action: 'accept', ipRange: '0.0.0.0/0', destPortFrom: 443, position: 0, editable: true })).rule;
    const r = await raw(server, 'PUT', `${Z}/security_groups/${sg.id}/rules`, {
      body: {
        rules: [
          { id: null, action: 'drop', protocol: 'ANY', direction: 'inbound', ip_range: '1.1.1.1/32', dest_port_from: null, dest_port_to: null, position: 0, editable: null, zone: 'fr-par-1' },
          { id: keep.id, action: 'accept', protocol: 'TCP', direction: 'inbound', ip_range: '0.0.0.0/0', dest_port_from: 8080, dest_port_to: null, position: 0, editable: true, zone: 'fr-par-1' },
        ],
      },
    });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.rules.length, 8);
    assert.equal(r.json.rules[6].ip_range, '1.1.1.1');
    assert.equal(r.json.rules[6].position, 1);
    assert.equal(r.json.rules[7].id, keep.id);
    assert.equal(r.json.rules[7].dest_port_from, 8080);
    isNotFound(await caught(() => api.getSecurityGroupRule({ securityGroupId: sg.id, securityGroupRuleId: gone.id })), 'instance_security_group_rule');

    const viaSdk = await api.setSecurityGroupRules({
      securityGroupId: sg.id,
      rules: [{ protocol: 'TCP', direction: 'inbound', action: 'accept', ipRange: '192.168.0.0/16', destPortFrom: 22, position: 0, zone: 'fr-par-1' }],
    });
    assert.equal(viaSdk.rules.length, 7);
    assert.equal(viaSdk.rules[6].ipRange, '192.168.0.0/16');
    const cleared = await api.setSecurityGroupRules({ securityGroupId: sg.id, rules: [] });
    assert.equal(cleared.rules.length, 6);
  });

  it('error paths: bad input changes nothing, unknown ids, fixed rules are not editable', async () => {
    const base = `${Z}/security_groups/${sg.id}/rules`;
    const good = { protocol: 'TCP', direction: 'inbound', action: 'accept', ip_range: '0.0.0.0/0' };
    assertInvalidArguments(await raw(server, 'POST', base, { body: { ...good, ip_range: 'not-a-cidr' } }), 'ip_range', 'bad range');
    assertInvalidArguments(await raw(server, 'POST', base, { body: { ...good, protocol: 'SCTP' } }), 'protocol', 'bad protocol');
    assertInvalidArguments(await raw(server, 'POST', base, { body: { ...good, dest_port_from: 70000 } }), 'dest_port_from', 'bad port');
    assertInvalidArguments(await raw(server, 'POST', base, { body: { protocol: 'TCP' } }), 'direction', 'missing fields');
    assert.equal((await api.listSecurityGroupRules({ securityGroupId: sg.id })).rules.length, 6);
    const e = await caught(() => api.createSecurityGroupRule({ securityGroupId: sg.id, protocol: 'TCP', direction: 'inbound', action: 'accept', ipRange: '300.0.0.0/8', position: 0, editable: true }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, String(e));
    isNotFound(await caught(() => api.listSecurityGroupRules({ securityGroupId: UNKNOWN })), 'instance_security_group');
    isNotFound(await caught(() => api.getSecurityGroupRule({ securityGroupId: sg.id, securityGroupRuleId: UNKNOWN })), 'instance_security_group_rule');
    isNotFound(await caught(() => api.deleteSecurityGroupRule({ securityGroupId: sg.id, securityGroupRuleId: UNKNOWN })), 'instance_security_group_rule');
    const fixed = await caught(() => api.updateSecurityGroupRule({ securityGroupId: sg.id, securityGroupRuleId: '11111111-2222-4333-8444-000000000001', action: 'accept' }));
    assert.ok(fixed instanceof Errors.InvalidArgumentsError, String(fixed));
    const unknownInSet = await caught(() => api.setSecurityGroupRules({ securityGroupId: sg.id, rules: [{ id: UNKNOWN, protocol: 'ANY', direction: 'inbound', action: 'drop', ipRange: '1.1.1.1' }] }));
    isNotFound(unknownInSet, 'instance_security_group_rule');
  });
});

// ---------------------------------------------------------------------------------------------

describe('flexible IPs', () => {
  it('create routed IPv4 (default) and IPv6 with the recorded shape', async () => {
    const r = await raw(server, 'POST', `${Z}/ips`, { body: { project: org } });
    assert.equal(r.status, 201, show(r));
    assertWire(r, 'create ip');
    const ip = r.json.ip;
    assert.deepEqual(sorted(ip), IP_KEYS);
    assert.equal(ip.type, 'routed_ipv4');
    assert.equal(ip.state, 'detached');
    assert.equal(ip.prefix, null);
    assert.equal(ip.server, null);
    assert.equal(ip.reverse, null);
    assert.match(ip.address, /^(51\.15|51\.158|163\.172|212\.47)\.\d+\.\d+$/);
    assert.match(ip.ipam_id, UUID_RE);
    assert.ok(r.headers.get('location').endsWith(`${Z}/ips/${ip.id}`));

    const v6 = (await api.createIp({ type: 'routed_ipv6', tags: ['six'] })).ip;
    assert.equal(v6.address, null);
    assert.match(v6.prefix, /^2001:bc8:71[01]:[0-9a-f]+::\/64$/);
    assert.deepEqual(v6.tags, ['six']);

    const ams = (await api.createIp({ zone: 'nl-ams-1' })).ip;
    assert.equal(ams.zone, 'nl-ams-1');
    assert.match(ams.address, /^51\.(158|15)\./);

    await api.deleteIp({ ip: ip.id });
    await api.deleteIp({ ip: v6.id });
    await api.deleteIp({ ip: ams.id, zone: 'nl-ams-1' });
  });

  it('get by id or by address; list with filters and pages; update reverse and tags', async () => {
    const base = (await api.listIps()).totalCount;
    const t = `t-${uniq()}`;
    const a = (await api.createIp({ tags: [t, 'prod'] })).ip;
    const b = (await api.createIp({ tags: [t] })).ip;
    const c = (await api.createIp({ type: 'routed_ipv6', tags: [t] })).ip;
    assert.equal((await api.getIp({ ip: a.id })).ip.address, a.address);
    assert.equal((await api.getIp({ ip: a.address })).ip.id, a.id);

    assert.equal((await api.listIps()).totalCount, base + 3);
    assert.deepEqual((await api.listIps({ type: 'routed_ipv6', tags: [t] })).ips.map((x) => x.id), [c.id]);
    assert.deepEqual((await api.listIps({ tags: [t, 'prod'] })).ips.map((x) => x.id), [a.id]);
    assert.equal((await api.listIps({ tags: [t] })).totalCount, 3);
    assert.deepEqual((await api.listIps({ name: a.address })).ips.map((x) => x.id), [a.id]);
    assert.equal((await api.listIps({ project: org })).totalCount, base + 3);
    assert.equal((await api.listIps({ perPage: 2, tags: [t] }).all()).length, 3);
    const page = await raw(server, 'GET', `${Z}/ips?per_page=2&tags=${t}`);
    assert.equal(page.headers.get('x-total-count'), '3');

    const rev = (await api.updateIp({ ip: b.id, reverse: 'web.example.com', tags: ['other'] })).ip;
    assert.equal(rev.reverse, 'web.example.com');
    assert.deepEqual(rev.tags, ['other']);
    const cleared = (await api.updateIp({ ip: b.address, reverse: null })).ip;
    assert.equal(cleared.reverse, null);

    await api.deleteIp({ ip: a.address });
    await api.deleteIp({ ip: b.id });
    await api.releaseIpToIpam({ ipId: c.id });
    isNotFound(await caught(() => api.getIp({ ip: c.id })), 'instance_ip');
    assert.equal((await api.listIps()).totalCount, base);
  });

  it('error paths: unknown id / address (CIDR resource_id), bad input, quota', async () => {
    isNotFound(await caught(() => api.getIp({ ip: UNKNOWN })), 'instance_ip');
    assertNotFound(await raw(server, 'GET', `${Z}/ips/51.15.242.82`), 'instance_ip', '51.15.242.82/32', 'by address');
    isNotFound(await caught(() => api.updateIp({ ip: UNKNOWN, tags: [] })), 'instance_ip');
    isNotFound(await caught(() => api.deleteIp({ ip: UNKNOWN })), 'instance_ip');
    isNotFound(await caught(() => api.releaseIpToIpam({ ipId: UNKNOWN })), 'instance_ip');
    const base = (await api.listIps()).totalCount;
    assertInvalidArguments(await raw(server, 'POST', `${Z}/ips`, { body: { type: 'nat' } }), 'type', 'nat');
    const ip = (await api.createIp()).ip;
    const badRev = await caught(() => api.updateIp({ ip: ip.id, reverse: 'not a hostname!' }));
    assert.ok(badRev instanceof Errors.InvalidArgumentsError, String(badRev));
    assert.equal(badRev.details[0].argumentName, 'reverse');
    assert.match(badRev.details[0].helpMessage, /^Your reverse must resolve\. Ensure the command 'dig \+short not a hostname!' matches your IP address '/);
    isNotFound(await caught(() => api.updateIp({ ip: ip.id, server: UNKNOWN })), 'instance_server');
    isNotFound(await caught(() => api.createIp({ server: UNKNOWN })), 'instance_server');
    assert.equal((await api.getIp({ ip: ip.id })).ip.state, 'detached');
    assert.equal((await api.listIps()).totalCount, base + 1, 'refused creates left nothing');
    await api.deleteIp({ ip: ip.id });

    const small = await startServer({ args: ['--quota', 'instance_ips=1'] });
    try {
      const a = new Instancev1.API(makeClient(small));
      await a.createIp();
      const e = await caught(() => a.createIp());
      assert.ok(e instanceof Errors.QuotasExceededError, String(e));
      assert.equal(e.list[0].resource, 'instance_ips');
      assert.equal(e.list[0].quota, 1);
    } finally {
      await small.stop();
    }
  });

  it('attach to a server made through the SDK, power on/off, detach, delete', async () => {
    const s = await newServer();
    const ip = (await api.createIp()).ip;
    const base = (await api.listIps()).totalCount;
    const attached = (await api.updateIp({ ip: ip.id, server: s.id })).ip;
    assert.equal(attached.state, 'attached');
    assert.deepEqual(attached.server, { id: s.id, name: s.name });
    let srv = (await api.getServer({ serverId: s.id })).server;
    assert.equal(srv.publicIps.length, 1);
    assert.equal(srv.publicIps[0].id, ip.id);
    assert.equal(srv.publicIps[0].address, ip.address);
    assert.equal(srv.publicIps[0].dynamic, false);
    assert.equal(srv.publicIps[0].family, 'inet');
    assert.equal(srv.publicIp?.id, ip.id);

    // Running with a flexible IPv4: no dynamic IP.
    await api.serverAction({ serverId: s.id, action: 'poweron' });
    await advance(120);
    srv = (await api.getServer({ serverId: s.id })).server;
    assert.equal(srv.state, 'running');
    assert.deepEqual(srv.publicIps.map((x) => x.dynamic), [false]);
    // Detaching it while running brings the dynamic IP.
    await api.updateIp({ ip: ip.address, server: null });
    srv = (await api.getServer({ serverId: s.id })).server;
    assert.equal(srv.publicIps.length, 1);
    assert.equal(srv.publicIps[0].dynamic, true);
    assert.equal((await api.listIps()).totalCount, base, 'the dynamic IP is not a flexible IP');
    // An IPv6 flexible IP on the server: SLAAC address from its prefix.
    const v6 = (await api.createIp({ type: 'routed_ipv6', server: s.id })).ip;
    srv = (await api.getServer({ serverId: s.id })).server;
    const six = srv.publicIps.find((x) => x.family === 'inet6');
    assert.ok(six, JSON.stringify(srv.publicIps));
    assert.ok(six.address.startsWith(v6.prefix.replace('::/64', ':')), six.address);
    assert.equal(six.netmask, '64');
    assert.equal(six.provisioningMode, 'slaac');

    // Re-attach the IPv4 and delete the server: flexible IPs are detached, not deleted.
    await api.updateIp({ ip: ip.id, server: s.id });
    await dropServer(s.id);
    const after = (await api.getIp({ ip: ip.id })).ip;
    assert.equal(after.state, 'detached');
    assert.equal(after.server, undefined);
    assert.equal((await api.getIp({ ip: v6.id })).ip.state, 'detached');

    // Created attached, then deleted while attached.
    const s2 = await newServer();
    const onCreate = (await api.createIp({ server: s2.id })).ip;
    assert.equal(onCreate.state, 'attached');
    await api.deleteIp({ ip: onCreate.id });
    assert.deepEqual((await api.getServer({ serverId: s2.id })).server.publicIps, []);
    // Given at server creation.
    const s3 = await newServer({ publicIps: [ip.id] });
    assert.equal(s3.publicIps[0].id, ip.id);
    assert.equal((await api.getIp({ ip: ip.id })).ip.server.id, s3.id);
    await dropServer(s2.id);
    await dropServer(s3.id);
    await api.deleteIp({ ip: ip.id });
    await api.deleteIp({ ip: v6.id });
  });
});

// ---------------------------------------------------------------------------------------------

describe('placement groups', () => {
  it('create (201 + Location), get, list, update, set, delete', async () => {
    const r = await raw(server, 'POST', `${Z}/placement_groups`, { body: { name: 'wire-pg', project: org } });
    assert.equal(r.status, 201, show(r));
    assertWire(r, 'create pg');
    assert.deepEqual(sorted(r.json.placement_group), PG_KEYS);
    assert.equal(r.json.placement_group.policy_mode, 'optional');
    assert.equal(r.json.placement_group.policy_type, 'max_availability');
    assert.equal(r.json.placement_group.policy_respected, true);
    assert.ok(r.headers.get('location').endsWith(`${Z}/placement_groups/${r.json.placement_group.id}`));
    await api.deletePlacementGroup({ placementGroupId: r.json.placement_group.id });

    const pg = (await api.createPlacementGroup({ name: `pg-${uniq()}`, policyType: 'low_latency', policyMode: 'enforced', tags: ['a'] })).placementGroup;
    assert.equal(pg.policyType, 'low_latency');
    assert.equal(pg.policyMode, 'enforced');
    const auto = (await api.createPlacementGroup()).placementGroup;
    assert.match(auto.name, /^pg-/);
    assert.equal((await api.getPlacementGroup({ placementGroupId: pg.id })).placementGroup.name, pg.name);
    assert.equal((await api.listPlacementGroups()).totalCount, 2);
    assert.deepEqual((await api.listPlacementGroups({ tags: ['a'] })).placementGroups.map((x) => x.id), [pg.id]);
    assert.deepEqual((await api.listPlacementGroups({ name: pg.name })).placementGroups.map((x) => x.id), [pg.id]);
    assert.equal((await api.listPlacementGroups({ perPage: 1 }).all()).length, 2);

    const up = (await api.updatePlacementGroup({ placementGroupId: pg.id, name: 'renamed', policyMode: 'optional' })).placementGroup;
    assert.equal(up.name, 'renamed');
    assert.equal(up.policyMode, 'optional');
    assert.equal(up.policyType, 'low_latency');
    const set = (await api.setPlacementGroup({ placementGroupId: pg.id, name: 'set', policyMode: 'enforced', policyType: 'max_availability', tags: [] })).placementGroup;
    assert.equal(set.name, 'set');
    assert.equal(set.policyType, 'max_availability');
    assert.deepEqual(set.tags, []);

    await api.deletePlacementGroup({ placementGroupId: pg.id });
    await api.deletePlacementGroup({ placementGroupId: auto.id });
    isNotFound(await caught(() => api.getPlacementGroup({ placementGroupId: pg.id })), 'instance_placement_group');
  });

  it('servers: get / set / update membership, policy_respected, server view', async () => {
    const pg = (await api.createPlacementGroup({ name: `pg-${uniq()}` })).placementGroup;
    const s1 = await newServer();
    const s2 = await newServer({ placementGroup: pg.id });
    assert.equal(s2.placementGroup?.id, pg.id);
    let members = await api.getPlacementGroupServers({ placementGroupId: pg.id });
    assert.deepEqual(members.servers.map((x) => x.id), [s2.id]);
    assert.equal(members.servers[0].policyRespected, true);

    const set = await api.setPlacementGroupServers({ placementGroupId: pg.id, servers: [s1.id, s2.id] });
    assert.equal(set.servers.length, 2);
    assert.ok(set.servers.every((x) => x.policyRespected), 'stopped servers respect the policy');
    const srv1 = (await api.getServer({ serverId: s1.id })).server;
    assert.equal(srv1.placementGroup?.id, pg.id);
    assert.equal(srv1.placementGroup?.policyRespected, false, 'the server view shows false (recorded)');

    const upd = await api.updatePlacementGroupServers({ placementGroupId: pg.id, servers: [s1.id] });
    assert.deepEqual(upd.servers.map((x) => x.id), [s1.id]);
    assert.equal((await api.getServer({ serverId: s2.id })).server.placementGroup, undefined);
    const r = await raw(server, 'GET', `${Z}/placement_groups/${pg.id}/servers`);
    assert.equal(r.headers.get('x-total-count'), '1');
    assert.equal((await api.getPlacementGroup({ placementGroupId: pg.id })).placementGroup.policyRespected, true);

    // Deleting a group that still has a server works (recorded): the server leaves it.
    await api.deletePlacementGroup({ placementGroupId: pg.id });
    assert.equal((await api.getServer({ serverId: s1.id })).server.placementGroup, undefined);
    await dropServer(s1.id);
    await dropServer(s2.id);
  });

  it('error paths: unknown ids, bad input, too many servers, quota', async () => {
    isNotFound(await caught(() => api.getPlacementGroup({ placementGroupId: UNKNOWN })), 'instance_placement_group');
    isNotFound(await caught(() => api.updatePlacementGroup({ placementGroupId: UNKNOWN, name: 'x' })), 'instance_placement_group');
    isNotFound(await caught(() => api.deletePlacementGroup({ placementGroupId: UNKNOWN })), 'instance_placement_group');
    isNotFound(await caught(() => api.getPlacementGroupServers({ placementGroupId: UNKNOWN })), 'instance_placement_group');
    assertInvalidArguments(await raw(server, 'POST', `${Z}/placement_groups`, { body: { name: 'x', policy_type: 'everywhere' } }), 'policy_type', 'bad type');
    const pg = (await api.createPlacementGroup({ name: 'err' })).placementGroup;
    isNotFound(await caught(() => api.setPlacementGroupServers({ placementGroupId: pg.id, servers: [UNKNOWN] })), 'instance_server');
    assertInvalidArguments(await raw(server, 'PUT', `${Z}/placement_groups/${pg.id}/servers`, { body: { servers: ['nope'] } }), 'servers', 'bad id');
    const many = Array.from({ length: 21 }, () => crypto.randomUUID());
    assertInvalidArguments(await raw(server, 'PUT', `${Z}/placement_groups/${pg.id}/servers`, { body: { servers: many } }), 'servers', 'too many');
    await api.deletePlacementGroup({ placementGroupId: pg.id });

    const small = await startServer({ args: ['--quota', 'instance_placement_groups=1', '--quota', 'instance_security_groups=1'] });
    try {
      const a = new Instancev1.API(makeClient(small));
      await a.createPlacementGroup({ name: 'one' });
      const e = await caught(() => a.createPlacementGroup({ name: 'two' }));
      assert.ok(e instanceof Errors.QuotasExceededError, String(e));
      assert.equal(e.list[0].resource, 'instance_placement_groups');
      await a.createSecurityGroup({ name: 'one', stateful: true, inboundDefaultPolicy: 'accept', outboundDefaultPolicy: 'accept' });
      const e2 = await caught(() => a.createSecurityGroup({ name: 'two', stateful: true, inboundDefaultPolicy: 'accept', outboundDefaultPolicy: 'accept' }));
      assert.ok(e2 instanceof Errors.QuotasExceededError, String(e2));
      assert.equal(e2.list[0].resource, 'instance_security_groups');
    } finally {
      await small.stop();
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('dashboard', () => {
  it('counts what the store holds in the zone', async () => {
    const fresh = await startServer();
    try {
      const a = new Instancev1.API(makeClient(fresh));
      const empty = await raw(fresh, 'GET', `${Z}/dashboard`);
      assert.equal(empty.status, 200, show(empty));
      assert.deepEqual(sorted(empty.json.dashboard), DASHBOARD_KEYS);
      assert.equal(empty.json.dashboard.servers_count, 0);
      const s = (await a.createServer({ name: 'dash', commercialType: 'DEV1-S', image: localJammy })).server;
      await a.createIp({ server: s.id });
      await a.createIp();
      await a.createPlacementGroup({ name: 'dash' });
      const d = (await a.getDashboard()).dashboard;
      assert.equal(d.serversCount, 1);
      assert.equal(d.runningServersCount, 0);
      assert.deepEqual(d.serversByTypes, { 'DEV1-S': 1 });
      assert.equal(d.ipsCount, 2);
      assert.equal(d.ipsUnused, 1);
      assert.equal(d.securityGroupsCount, 1, 'the auto-created default group');
      assert.equal(d.placementGroupsCount, 1);
      assert.equal(d.volumesCount, 1);
      assert.equal(d.volumesLSsdCount, 1);
      assert.ok(d.volumesLSsdTotalSize > 0);
      assert.equal(d.volumesBSsdCount, 0);
      const other = (await a.getDashboard({ zone: 'nl-ams-1' })).dashboard;
      assert.equal(other.serversCount, 0);
      const byProject = (await a.getDashboard({ project: fresh.creds.projectId })).dashboard;
      assert.equal(byProject.serversCount, 1);
      assertInvalidArguments(await raw(fresh, 'GET', `${Z}/dashboard?project=nope`), 'project', 'bad project');
    } finally {
      await fresh.stop();
    }
  });
});

describe('block migration', () => {
  it('plan / apply refuse local and unknown resources; quotas check answers 204', async () => {
    const none = await caught(() => api.planBlockMigration({}));
    assert.ok(none instanceof Errors.InvalidArgumentsError, String(none));
    isNotFound(await caught(() => api.planBlockMigration({ volumeId: UNKNOWN })), 'instance_volume');
    isNotFound(await caught(() => api.planBlockMigration({ snapshotId: UNKNOWN })), 'instance_snapshot');
    const vol = (await api.createVolume({ name: `v-${uniq()}`, volumeType: 'l_ssd', size: 10_000_000_000 })).volume;
    const local = await caught(() => api.planBlockMigration({ volumeId: vol.id }));
    assert.ok(local instanceof Errors.InvalidArgumentsError, String(local));
    assert.equal(local.details[0].argumentName, 'volume_id');
    const apply = await caught(() => api.applyBlockMigration({ volumeId: vol.id, validationKey: 'k' }));
    assert.ok(apply instanceof Errors.InvalidArgumentsError, String(apply));
    assertInvalidArguments(await raw(server, 'POST', `${Z}/block-migration/apply`, { body: { volume_id: vol.id } }), 'validation_key', 'missing key');
    await api.checkBlockMigrationOrganizationQuotas({});
    const r = await raw(server, 'POST', `${Z}/block-migration/check-organization-quotas`, { body: { organization: org } });
    assert.equal(r.status, 204);
    const other = await raw(server, 'POST', `${Z}/block-migration/check-organization-quotas`, { body: { organization: UNKNOWN } });
    assert.equal(other.status, 403, show(other));
    await api.deleteVolume({ volumeId: vol.id });
  });
});
