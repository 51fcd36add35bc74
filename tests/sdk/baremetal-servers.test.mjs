// Elastic Metal servers end to end through the official JS SDK (@scaleway/sdk-baremetal 1.3.0):
// order an offer, install an OS with an SSH key, power actions (also into rescue), BMC access,
// IP reverses, options, metrics, events, update, monthly migration, settings and delete, with
// the SDK waiter on the server's virtual clock (advanced, never slept on). The private network
// operations are tested in baremetal-private-networks.test.mjs, the catalogue in
// baremetal-catalogue.test.mjs.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Baremetalv1 } from '@scaleway/sdk-baremetal';

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
import { appWithKey, iamApi, sshPublicKey } from './lib/iam.mjs';
import { TS_RE, assertInvalidArguments } from './lib/shapes.mjs';

const ZONE = 'fr-par-2';
const B = `/baremetal/v1/zones/${ZONE}`;
const WAIT = { minDelay: 1, maxDelay: 2, timeout: 30 };
const SERVER_KEYS = [
  'boot_type',
  'created_at',
  'description',
  'domain',
  'id',
  'install',
  'ips',
  'name',
  'offer_id',
  'offer_name',
  'options',
  'organization_id',
  'ping_status',
  'project_id',
  'protected',
  'rescue_server',
  'status',
  'tags',
  'updated_at',
  'user_data',
  'zone',
];
const INSTALL_KEYS = [
  'hostname',
  'os_id',
  'partitioning_schema',
  'service_url',
  'service_user',
  'ssh_key_ids',
  'status',
  'user',
];
const OPERATIONS = [
  'listServers',
  'getServer',
  'createServer',
  'updateServer',
  'installServer',
  'getServerMetrics',
  'deleteServer',
  'rebootServer',
  'startServer',
  'stopServer',
  'listServerEvents',
  'startBMCAccess',
  'getBMCAccess',
  'stopBMCAccess',
  'updateIP',
  'addOptionServer',
  'deleteOptionServer',
  'migrateServerToMonthlyOffer',
  'listSettings',
  'updateSetting',
];

let server;
let api; // Baremetalv1.API, wrapped to record which operations the tests called
let iam;
let project;
let offer; // EM-I215E-NVME (hourly, in stock, custom partitioning and cloud-init)
let oldOffer; // EM-A410X-SSD (hourly, no cloud-init)
let emptyOffer; // out of stock
let ubuntu; // Ubuntu 22.04
let sshKey;
let remoteAccess;
let privateNetworkOption;
const called = new Set();

before(async () => {
  server = await startServer();
  const client = makeClient(server, { defaultZone: ZONE });
  const real = new Baremetalv1.API(client);
  api = new Proxy(real, {
    get(target, prop) {
      const v = target[prop];
      if (typeof v === 'function' && OPERATIONS.includes(prop)) called.add(prop);
      return v;
    },
  });
  iam = iamApi(client);
  project = server.creds.projectId;
  const offers = (await real.listOffers({ zone: ZONE })).offers;
  offer = offers.find((o) => o.name === 'EM-I215E-NVME');
  oldOffer = offers.find((o) => o.name === 'EM-A410X-SSD');
  emptyOffer = offers.find((o) => o.stock === 'empty');
  assert.ok(offer && oldOffer && emptyOffer, 'catalogue offers');
  ubuntu = (await real.listOS({ zone: ZONE, offerId: offer.id })).os.find(
    (o) => o.name === 'Ubuntu' && o.version.startsWith('22.04'),
  );
  assert.ok(ubuntu, 'Ubuntu 22.04 in the catalogue');
  sshKey = await iam.createSSHKey({ name: `k-${tag()}`, publicKey: sshPublicKey().line, projectId: project });
  const options = (await real.listOptions({ zone: ZONE, offerId: offer.id })).options;
  remoteAccess = options.find((o) => o.name === 'Remote Access');
  privateNetworkOption = options.find((o) => o.name === 'Private Network');
  assert.ok(remoteAccess && privateNetworkOption, 'offer options');
});

after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly: ${JSON.stringify(r)}`);
  }
});

const advance = (seconds) => advanceClock(server, seconds);

async function rawServer(id) {
  const r = await raw(server, 'GET', `${B}/servers/${id}`);
  assert.equal(r.status, 200, show(r));
  return r.json;
}

async function order(extra = {}) {
  return api.createServer({ offerId: offer.id, name: `em-${tag()}`, description: '', protected: false, ...extra });
}

async function ready(id) {
  await advance(6);
  return api.waitForServer({ serverId: id }, WAIT);
}

// The installation's own progress (the JS SDK has no waiter for it).
async function installed(id) {
  await advance(600);
  return api.waitForServer(
    { serverId: id },
    { ...WAIT, stop: async (s) => !['to_install', 'installing'].includes(s.install?.status) },
  );
}

async function count() {
  return (await api.listServers({})).totalCount;
}

describe('ordering a server', () => {
  it('orders an offer: delivering, then ready with its IPs and domain', async () => {
    const s = await order({ tags: ['a', 'b'] });
    assert.match(s.id, UUID_RE);
    assert.equal(s.status, 'delivering');
    assert.equal(s.offerName, 'EM-I215E-NVME');
    assert.deepEqual(s.ips, []);
    assert.equal(s.domain, '');
    assert.equal(s.install, undefined);
    const wire = await rawServer(s.id);
    assert.deepEqual(Object.keys(wire).sort(), SERVER_KEYS);
    assert.equal(wire.install, null);
    assert.equal(wire.rescue_server, null);
    assert.equal(wire.user_data, null);
    assert.match(wire.created_at, TS_RE);

    const r = await ready(s.id);
    assert.equal(r.status, 'ready');
    assert.equal(r.domain, `${s.id}.${ZONE}.baremetal.scw.cloud`);
    assert.deepEqual(r.ips.map((i) => i.version).sort(), ['IPv4', 'IPv6']);
    for (const ip of r.ips) {
      assert.equal(ip.reverse, r.domain);
      assert.equal(ip.reverseStatus, 'active');
    }
    assert.match(r.ips.find((i) => i.version === 'IPv6').address, /^2001:bc8:1201:[0-9a-f]{1,4}:b683:51ff:fe/);
    assert.equal(r.pingStatus, 'ping_status_unknown');
    await api.deleteServer({ serverId: s.id });
  });

  it('orders and installs Ubuntu with an SSH key: ordered, then the install completes', async () => {
    const s = await order({
      install: { osId: ubuntu.id, hostname: 'web-1', sshKeyIds: [sshKey.id] },
      optionIds: [privateNetworkOption.id],
    });
    assert.equal(s.status, 'ordered');
    assert.equal(s.install.status, 'to_install');
    assert.equal(s.install.user, 'ubuntu');
    assert.deepEqual(s.install.sshKeyIds, [sshKey.id]);
    assert.ok(s.install.partitioningSchema.disks.length >= 1, 'the default schema');
    assert.deepEqual(Object.keys((await rawServer(s.id)).install).sort(), INSTALL_KEYS);
    assert.equal(s.options[0].status, 'option_status_enabling');

    const r = await ready(s.id);
    assert.equal(r.status, 'ready');
    assert.equal(r.options[0].status, 'option_status_enable');
    await advance(30);
    assert.equal((await api.getServer({ serverId: s.id })).install.status, 'installing');
    const done = await installed(s.id);
    assert.equal(done.install.status, 'completed');
    assert.equal(done.pingStatus, 'ping_status_up');
    await api.deleteServer({ serverId: s.id });
  });

  it('installs an OS on a delivered server, and refuses a second install while one runs', async () => {
    const s = await order();
    await ready(s.id);
    const inst = await api.installServer({ serverId: s.id, osId: ubuntu.id, hostname: 'h', sshKeyIds: [sshKey.id] });
    assert.equal(inst.install.status, 'to_install');
    const again = await raw(server, 'POST', `${B}/servers/${s.id}/install`, {
      body: { os_id: ubuntu.id, hostname: 'h', ssh_key_ids: [sshKey.id] },
    });
    assert.equal(again.status, 409, show(again));
    assert.equal(typeof again.json.message, 'string');
    assert.equal((await installed(s.id)).install.status, 'completed');
    await api.deleteServer({ serverId: s.id });
  });

  it('refuses bad orders with the real answers and creates nothing', async () => {
    const before = await count();
    const unknownOffer = await raw(server, 'POST', `${B}/servers`, {
      body: { offer_id: crypto.randomUUID(), project_id: project, name: 'x', description: '' },
    });
    assert.equal(unknownOffer.status, 404, show(unknownOffer));
    assert.deepEqual(unknownOffer.json, { message: 'Not Found' });
    const noName = await raw(server, 'POST', `${B}/servers`, {
      body: { offer_id: offer.id, project_id: project, name: '', description: '' },
    });
    assertInvalidArguments(noName, 'name');
    const longDescription = await raw(server, 'POST', `${B}/servers`, {
      body: { offer_id: offer.id, project_id: project, name: 'x', description: 'd'.repeat(256) },
    });
    assertInvalidArguments(longDescription, 'description');
    const outOfStock = await raw(server, 'POST', `${B}/servers`, {
      body: { offer_id: emptyOffer.id, project_id: project, name: 'x', description: '' },
    });
    assert.equal(outOfStock.status, 409, show(outOfStock));
    assert.match(outOfStock.json.message, /out of stock/);
    const cloudInit = await raw(server, 'POST', `${B}/servers`, {
      body: { offer_id: oldOffer.id, project_id: project, name: 'x', description: '', user_data: 'I2Nsb3VkLWNvbmZpZw==' },
    });
    assert.equal(cloudInit.status, 503, show(cloudInit));
    assert.deepEqual(cloudInit.json, { message: 'cloud-init is not supported on this offer' });
    const noKey = await raw(server, 'POST', `${B}/servers`, {
      body: { offer_id: offer.id, project_id: project, name: 'x', description: '', install: { os_id: ubuntu.id, hostname: 'h', ssh_key_ids: [] } },
    });
    assertInvalidArguments(noKey, 'install.ssh_key_ids');
    const ghostKey = await raw(server, 'POST', `${B}/servers`, {
      body: {
        offer_id: offer.id, project_id: project, name: 'x', description: '',
        install: { os_id: ubuntu.id, hostname: 'h', ssh_key_ids: [crypto.randomUUID()] },
      },
    });
    assert.equal(ghostKey.status, 404, show(ghostKey));
    const foreignOption = (await api.listOptions({})).options.find(
      (o) => !offer.options.some((oo) => oo.id === o.id),
    );
    const incompatible = await raw(server, 'POST', `${B}/servers`, {
      body: { offer_id: offer.id, project_id: project, name: 'x', description: '', option_ids: [foreignOption.id] },
    });
    assert.equal(incompatible.status, 400, show(incompatible));
    assert.match(incompatible.json.message, /not compatible|cannot be managed/);
    assert.equal(await count(), before);
  });
});

describe('power', () => {
  it('refuses start, stop and reboot before delivery ("Server is not delivered")', async () => {
    const s = await order();
    for (const action of ['start', 'stop', 'reboot']) {
      const r = await raw(server, 'POST', `${B}/servers/${s.id}/${action}`, { body: {} });
      assert.equal(r.status, 400, show(r));
      assert.deepEqual(r.json, { message: 'Server is not delivered' });
    }
    await ready(s.id);
    await api.deleteServer({ serverId: s.id });
  });

  it('stops, starts into rescue (password shown once), reboots normally', async () => {
    const s = await order({ install: { osId: ubuntu.id, hostname: 'h', sshKeyIds: [sshKey.id] } });
    await ready(s.id);
    await installed(s.id);
    const stopping = await api.stopServer({ serverId: s.id });
    assert.equal(stopping.status, 'stopping');
    assert.equal((await ready(s.id)).status, 'stopped');
    assert.equal((await api.getServer({ serverId: s.id })).pingStatus, 'ping_status_down');
    const again = await raw(server, 'POST', `${B}/servers/${s.id}/stop`, { body: {} });
    assert.equal(again.status, 400, show(again));

    const rescue = await api.startServer({ serverId: s.id, bootType: 'rescue', sshKeyIds: [sshKey.id] });
    assert.equal(rescue.status, 'starting');
    assert.equal(rescue.bootType, 'rescue');
    assert.equal(rescue.rescueServer.user, 'rescue');
    assert.ok(rescue.rescueServer.password.length >= 12);
    const up = await ready(s.id);
    assert.equal(up.status, 'ready');
    assert.equal(up.bootType, 'rescue');
    assert.equal(up.rescueServer.password, '', 'the rescue password is not kept');

    const reboot = await api.rebootServer({ serverId: s.id, bootType: 'normal' });
    assert.equal(reboot.status, 'stopping');
    const back = await ready(s.id);
    assert.equal(back.status, 'ready');
    assert.equal(back.bootType, 'normal');
    assert.equal(back.rescueServer, undefined);
    const busy = await api.stopServer({ serverId: s.id });
    assert.equal(busy.status, 'stopping');
    const transient = await raw(server, 'POST', `${B}/servers/${s.id}/reboot`, { body: {} });
    assert.equal(transient.status, 409, show(transient));
    await ready(s.id);

    const events = await api.listServerEvents({ serverId: s.id, orderBy: 'created_at_asc' });
    assert.deepEqual(
      events.events.map((e) => e.action),
      ['order', 'install', 'stop', 'start_rescue', 'reboot', 'stop'],
    );
    const desc = await api.listServerEvents({ serverId: s.id, orderBy: 'created_at_desc', pageSize: 2 });
    assert.equal(desc.totalCount, 6);
    assert.deepEqual(desc.events.map((e) => e.action), ['stop', 'reboot']);
    assert.ok(desc.events[0].createdAt instanceof Date);

    const metrics = await api.getServerMetrics({ serverId: s.id });
    assert.ok(metrics.pings.points.length >= 1);
    assert.ok(metrics.pings.points.at(-1).timestamp instanceof Date);
    await api.deleteServer({ serverId: s.id });
  });
});

describe('options, BMC access and IPs', () => {
  it('adds and removes options; the BMC needs Remote Access', async () => {
    const s = await order();
    await ready(s.id);
    const noRemote = await raw(server, 'POST', `${B}/servers/${s.id}/bmc-access`, { body: { ip: '198.51.100.7' } });
    assert.equal(noRemote.status, 400, show(noRemote));

    const expiresAt = new Date(Date.now() + 30 * 86400_000);
    const added = await api.addOptionServer({ serverId: s.id, optionId: remoteAccess.id, expiresAt });
    const opt = added.options.find((o) => o.id === remoteAccess.id);
    assert.equal(opt.status, 'option_status_enabling');
    assert.equal(opt.expiresAt.toISOString().slice(0, 19), expiresAt.toISOString().slice(0, 19));
    const twice = await raw(server, 'POST', `${B}/servers/${s.id}/options/${remoteAccess.id}`, { body: {} });
    assert.equal(twice.status, 409, show(twice));
    await advance(3);
    assert.equal((await api.getServer({ serverId: s.id })).options[0].status, 'option_status_enable');
    const listed = await api.listServers({ optionId: remoteAccess.id });
    assert.deepEqual(listed.servers.map((x) => x.id), [s.id]);

    const bmc = await api.startBMCAccess({ serverId: s.id, ip: '198.51.100.7' });
    assert.match(bmc.url, /^https:\/\//);
    assert.ok(bmc.login.length > 0 && bmc.password.length >= 12);
    assert.ok(bmc.expiresAt > new Date());
    const got = await api.getBMCAccess({ serverId: s.id });
    assert.equal(got.url, bmc.url);
    assert.equal(got.login, bmc.login);
    assert.equal(got.password, '', 'the BMC password shows once');
    const badIp = await raw(server, 'POST', `${B}/servers/${s.id}/bmc-access`, { body: { ip: 'nope' } });
    assertInvalidArguments(badIp, 'ip');
    await api.stopBMCAccess({ serverId: s.id });
    const gone = await raw(server, 'GET', `${B}/servers/${s.id}/bmc-access`);
    assert.equal(gone.status, 404, show(gone));

    const removing = await api.deleteOptionServer({ serverId: s.id, optionId: remoteAccess.id });
    assert.equal(removing.options[0].status, 'option_status_disabling');
    await advance(3);
    assert.deepEqual((await api.getServer({ serverId: s.id })).options, []);
    const notThere = await raw(server, 'DELETE', `${B}/servers/${s.id}/options/${remoteAccess.id}`);
    assert.equal(notThere.status, 404, show(notThere));
    await api.deleteServer({ serverId: s.id });
  });

  it('updates an IP reverse, resets it with "", refuses a malformed one', async () => {
    const s = await order();
    const r = await ready(s.id);
    const v4 = r.ips.find((i) => i.version === 'IPv4');
    const ip = await api.updateIP({ serverId: s.id, ipId: v4.id, reverse: 'mail.example.com' });
    assert.equal(ip.reverse, 'mail.example.com');
    assert.equal(ip.address, v4.address);
    assert.equal((await api.getServer({ serverId: s.id })).ips.find((i) => i.id === v4.id).reverse, 'mail.example.com');
    const bad = await raw(server, 'PATCH', `${B}/servers/${s.id}/ips/${v4.id}`, { body: { reverse: 'bad name!' } });
    assertInvalidArguments(bad, 'reverse');
    const reset = await api.updateIP({ serverId: s.id, ipId: v4.id, reverse: '' });
    assert.equal(reset.reverse, r.domain);
    const unknown = await raw(server, 'PATCH', `${B}/servers/${s.id}/ips/${crypto.randomUUID()}`, { body: { reverse: '' } });
    assert.equal(unknown.status, 404, show(unknown));
    await api.deleteServer({ serverId: s.id });
  });
});

describe('update, migration, list and delete', () => {
  it('updates name, description, tags and protection; a protected server is not deleted', async () => {
    const s = await order();
    await ready(s.id);
    const u = await api.updateServer({ serverId: s.id, name: 'renamed', description: 'desc', tags: ['x'], protected: true });
    assert.equal(u.name, 'renamed');
    assert.equal(u.description, 'desc');
    assert.deepEqual(u.tags, ['x']);
    assert.equal(u.protected, true);
    const refused = await raw(server, 'DELETE', `${B}/servers/${s.id}`);
    assert.equal(refused.status, 400, show(refused));
    const empty = await raw(server, 'PATCH', `${B}/servers/${s.id}`, { body: { name: '' } });
    assertInvalidArguments(empty, 'name');
    assert.equal((await api.getServer({ serverId: s.id })).name, 'renamed');
    await api.updateServer({ serverId: s.id, protected: false });
    await api.deleteServer({ serverId: s.id });
  });

  it('migrates an hourly server to the monthly offer', async () => {
    const s = await order();
    await ready(s.id);
    const m = await api.migrateServerToMonthlyOffer({ serverId: s.id });
    assert.equal(m.status, 'migrating');
    assert.equal(m.offerId, offer.monthlyOfferId);
    const monthly = await api.getOffer({ offerId: m.offerId });
    assert.equal(monthly.subscriptionPeriod, 'monthly');
    assert.equal((await ready(s.id)).status, 'ready');
    const again = await raw(server, 'POST', `${B}/servers/${s.id}/migrate-offer-monthly`, { body: {} });
    assert.equal(again.status, 400, show(again));
    await api.deleteServer({ serverId: s.id });
  });

  it('lists with filters, order and pages', async () => {
    const name = `list-${tag()}`;
    const a = await order({ name: `${name}-a`, tags: ['blue'] });
    const b = await order({ name: `${name}-b`, tags: ['red'] });
    await ready(a.id);
    await api.stopServer({ serverId: a.id });
    const byName = await api.listServers({ name, orderBy: 'created_at_desc' });
    assert.deepEqual(byName.servers.map((x) => x.id), [b.id, a.id]);
    assert.deepEqual((await api.listServers({ name, tags: ['red'] })).servers.map((x) => x.id), [b.id]);
    assert.deepEqual((await api.listServers({ name, status: ['stopping'] })).servers.map((x) => x.id), [a.id]);
    const page = await api.pageOfListServers({ name, page: 2, pageSize: 1, orderBy: 'created_at_asc' });
    assert.equal(page.totalCount, 2);
    assert.deepEqual(page.servers.map((x) => x.id), [b.id]);
    assert.equal((await api.listServers({ projectId: project, name })).totalCount, 2);
    // The Go SDK's zero value of the status filter means no filter.
    const unknown = await raw(server, 'GET', `${B}/servers?name=${name}&status=unknown`);
    assert.equal(unknown.json.total_count, 2);
    await ready(a.id);
    for (const s of [a, b]) await api.deleteServer({ serverId: s.id });
  });

  it('deletes: 200 with the server deleting, then 404 {"message":"Not Found"}', async () => {
    const s = await order({ optionIds: [remoteAccess.id] });
    await ready(s.id);
    const d = await api.deleteServer({ serverId: s.id });
    assert.equal(d.status, 'deleting');
    assert.equal(d.options[0].status, 'option_status_disabling');
    const twice = await raw(server, 'DELETE', `${B}/servers/${s.id}`);
    assert.equal(twice.status, 409, show(twice));
    await advance(15);
    const gone = await raw(server, 'GET', `${B}/servers/${s.id}`);
    assert.equal(gone.status, 404, show(gone));
    assert.deepEqual(gone.json, { message: 'Not Found' });
    const e = await caught(() => api.getServer({ serverId: s.id }));
    assert.equal(e?.status, 404);
    const malformed = await raw(server, 'GET', `${B}/servers/not-an-id`);
    assert.equal(malformed.status, 404, show(malformed));
  });
});

describe('settings', () => {
  it('lists the project smtp setting and enables it', async () => {
    const list = await api.listSettings({ projectId: project });
    assert.equal(list.totalCount, 1);
    const st = list.settings[0];
    assert.deepEqual([st.type, st.projectId, st.enabled], ['smtp', project, false]);
    const u = await api.updateSetting({ settingId: st.id, enabled: true });
    assert.equal(u.enabled, true);
    assert.equal((await api.listSettings({})).settings.find((x) => x.id === st.id).enabled, true);
    const unknown = await raw(server, 'PATCH', `${B}/settings/${crypto.randomUUID()}`, { body: { enabled: true } });
    assert.equal(unknown.status, 404, show(unknown));
  });
});

describe('permissions', () => {
  it('a read-only key reads servers but cannot order, act or delete', async () => {
    const s = await order();
    await ready(s.id);
    const owner = iamApi(makeClient(server));
    const reader = await appWithKey(server, owner, {
      rules: [{ permissionSetNames: ['ElasticMetalReadOnly'], projectIds: [project], condition: '' }],
    });
    const nobody = await appWithKey(server, owner, {
      rules: [{ permissionSetNames: ['VPCReadOnly'], projectIds: [project], condition: '' }],
    });
    const ro = new Baremetalv1.API(makeClient(server, { accessKey: reader.accessKey, secretKey: reader.secretKey, defaultZone: ZONE }));
    assert.equal((await ro.getServer({ serverId: s.id })).id, s.id);
    assert.ok((await ro.listServers({})).servers.some((x) => x.id === s.id));
    const denied = await raw(server, 'POST', `${B}/servers/${s.id}/stop`, { body: {}, token: reader.secretKey });
    assert.equal(denied.status, 403, show(denied));
    const create = await raw(server, 'POST', `${B}/servers`, {
      body: { offer_id: offer.id, project_id: project, name: 'x', description: '' },
      token: reader.secretKey,
    });
    assert.equal(create.status, 403, show(create));
    const del = await raw(server, 'DELETE', `${B}/servers/${s.id}`, { token: reader.secretKey });
    assert.equal(del.status, 403, show(del));
    const none = await raw(server, 'GET', `${B}/servers/${s.id}`, { token: nobody.secretKey });
    assert.equal(none.status, 403, show(none));
    assert.equal((await api.getServer({ serverId: s.id })).status, 'ready');
    await api.deleteServer({ serverId: s.id });
  });
});

describe('coverage', () => {
  it('called every server operation of the SDK', () => {
    assert.deepEqual([...called].sort(), [...OPERATIONS].sort());
  });
});
