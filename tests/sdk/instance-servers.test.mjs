// Instance v1 servers end to end through the official JS SDK (@scaleway/sdk-instance 1.4.0):
// create (image by label or id, volumes templates), get, list, update, delete, actions and the
// state machine (waitForServer / serverActionAndWait with the virtual clock), attach / detach
// volume, user data, compatible types, quotas and error paths.
// Shapes and statuses follow the recordings in /work/shared/conformance/cassettes/instance/.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Blockv1alpha1 } from '@scaleway/sdk-block';
import { Errors } from '@scaleway/sdk-client';
import { Instancev1 } from '@scaleway/sdk-instance';

import {
  UUID_RE,
  advanceClock,
  caught,
  makeClient,
  raw,
  show,
  startServer,
} from './lib/harness.mjs';

const Z = '/instance/v1/zones/fr-par-1';
const WAIT = { minDelay: 1, maxDelay: 2, timeout: 60 };

const SERVER_KEYS = [
  'allowed_actions', 'arch', 'boot_type', 'bootscript', 'commercial_type', 'creation_date', 'dns',
  'dynamic_ip_required', 'enable_ipv6', 'end_of_service', 'extra_networks', 'filesystems',
  'hostname', 'id', 'image', 'ipv6', 'location', 'mac_address', 'maintenances',
  'modification_date', 'name', 'organization', 'placement_group', 'private_ip', 'private_nics',
  'project', 'protected', 'public_ip', 'public_ips', 'routed_ip_enabled', 'security_group', 'state',
  'state_detail', 'tags', 'volumes', 'zone',
];
const TS_OFFSET_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/;

let server;
let api; // Instancev1.API
let block; // Blockv1alpha1.API
let localJammy; // id of the x86_64 instance_local ubuntu_jammy image in fr-par-1

const advance = (seconds) => advanceClock(server, seconds);

async function rawServer(id) {
  const r = await raw(server, 'GET', `${Z}/servers/${id}`);
  assert.equal(r.status, 200, show(r));
  return r.json.server;
}

async function newServer(extra = {}) {
  const res = await api.createServer({
    name: `srv-${crypto.randomUUID().slice(0, 8)}`,
    commercialType: 'DEV1-S',
    image: localJammy,
    ...extra,
  });
  return res.server;
}

async function cleanupServer(id) {
  let s;
  try {
    s = (await api.getServer({ serverId: id })).server;
  } catch {
    return; // gone
  }
  if (s.state !== 'stopped') {
    if (s.state === 'running' || s.state === 'stopped in place') {
      await api.serverAction({ serverId: id, action: 'poweroff' }).catch(() => {});
    }
    await advance(30);
  }
  await api.updateServer({ serverId: id, protected: false }).catch(() => {});
  await api.deleteServer({ serverId: id }).catch(() => {});
  await advance(10);
  for (const v of Object.values(s.volumes)) {
    if (v.volumeType === 'sbs_volume') await block.deleteVolume({ volumeId: v.id }).catch(() => {});
    else await api.deleteVolume({ volumeId: v.id }).catch(() => {});
  }
}

before(async () => {
  server = await startServer();
  const client = makeClient(server);
  api = new Instancev1.API(client);
  block = new Blockv1alpha1.API(client);
  const r = await raw(
    server,
    'GET',
    '/marketplace/v2/local-images?image_label=ubuntu_jammy&zone=fr-par-1&type=instance_local&arch=x86_64',
  );
  assert.equal(r.status, 200, show(r));
  localJammy = r.json.local_images.find((i) => i.arch === 'x86_64' && i.type === 'instance_local').id;
});

after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly: ${JSON.stringify(r)}\n${server.logs().slice(-3000)}`);
  }
});

// ---------------------------------------------------------------------------------------------

describe('the issue scenario: a server from "ubuntu_jammy", up, volume, snapshot, image, down', () => {
  it('runs end to end through the SDK and its waiters', async () => {
    // The JS SDK sends the label as given: the server resolves it (instance_sbs preferred).
    const created = await api.createServer({ name: 'web-1', commercialType: 'DEV1-S', image: 'ubuntu_jammy' });
    const srv = created.server;
    assert.match(srv.id, UUID_RE);
    assert.equal(srv.state, 'stopped');
    assert.equal(srv.image.name, 'Ubuntu 22.04 Jammy Jellyfish');
    assert.equal(srv.volumes['0'].volumeType, 'sbs_volume');
    assert.deepEqual(srv.allowedActions, ['poweron', 'backup']);
    assert.equal(srv.publicIp, undefined);

    // An l_ssd data volume, attached while stopped (local volumes need a stopped server).
    const vol = (await api.createVolume({ name: 'data', volumeType: 'l_ssd', size: 10_000_000_000 })).volume;
    const attached = await api.attachVolume({ serverId: srv.id, volumeId: vol.id });
    assert.equal(attached.server.volumes['1'].id, vol.id);
    await advance(10); // the SBS root volume finishes creating
    const ready = await api.waitForVolume({ volumeId: vol.id }, WAIT);
    assert.equal(ready.state, 'available');
    assert.equal(ready.server.id, srv.id);

    await api.serverAction({ serverId: srv.id, action: 'poweron' });
    const starting = (await api.getServer({ serverId: srv.id })).server;
    assert.equal(starting.state, 'starting');
    assert.equal(starting.stateDetail, 'allocating node');
    await advance(30);
    const running = await api.waitForServer({ serverId: srv.id }, WAIT);
    assert.equal(running.state, 'running');
    assert.equal(running.stateDetail, 'booting kernel');
    assert.ok(running.location?.zoneId === 'fr-par-1', 'location set once allocated');
    assert.ok(running.publicIp, 'a dynamic public IP on power-on');
    assert.equal(running.publicIp.dynamic, true);
    assert.match(running.publicIp.address, /^\d+\.\d+\.\d+\.\d+$/);
    assert.equal(running.publicIps.length, 1);

    // Hot snapshot of the attached l_ssd volume.
    const snap = await api.createSnapshot({ name: 'data-snap', volumeId: vol.id });
    assert.equal(snap.snapshot.state, 'snapshotting');
    assert.equal(snap.task.hrefResult, `snapshots/${snap.snapshot.id}`);
    await advance(30);
    const snapped = await api.waitForSnapshot({ snapshotId: snap.snapshot.id }, WAIT);
    assert.equal(snapped.state, 'available');
    assert.equal(snapped.baseVolume.id, vol.id);

    const img = await api.createImage({ name: 'data-img', rootVolume: snapped.id, arch: 'x86_64' });
    const imgReady = await api.waitForImage({ imageId: img.image.id }, WAIT);
    assert.equal(imgReady.state, 'available');
    assert.equal(imgReady.rootVolume.id, snapped.id);

    // Power off, with the SDK's action-and-wait helper.
    const stopping = api.serverActionAndWait({ serverId: srv.id, action: 'poweroff' }, WAIT);
    await new Promise((r) => setTimeout(r, 200));
    await advance(20);
    const stopped = await stopping;
    assert.equal(stopped.state, 'stopped');
    assert.equal(stopped.location, undefined);
    assert.deepEqual(stopped.publicIps, [], 'the dynamic IP is released on power-off');

    await api.deleteServer({ serverId: srv.id });
    const gone = await caught(() => api.getServer({ serverId: srv.id }));
    assert.ok(gone instanceof Errors.ResourceNotFoundError, String(gone));
    assert.equal(gone.resource, 'instance_server');
    // The volumes stay (delete does not delete them).
    const left = (await api.getVolume({ volumeId: vol.id })).volume;
    assert.equal(left.server, undefined);
    await api.deleteImage({ imageId: img.image.id });
    await api.deleteSnapshot({ snapshotId: snapped.id });
    await api.deleteVolume({ volumeId: vol.id });
    await block.deleteVolume({ volumeId: srv.volumes['0'].id });
  });
});

describe('create', () => {
  it('answers 201 + Location with every key of the Server object', async () => {
    const r = await raw(server, 'POST', `${Z}/servers`, {
      body: { name: 'raw', commercial_type: 'DEV1-S', image: localJammy, project: server.creds.projectId },
    });
    assert.equal(r.status, 201, show(r));
    const s = r.json.server;
    assert.deepEqual(Object.keys(s).sort(), [...SERVER_KEYS].sort());
    assert.equal(r.headers.get('location'), `${server.url}${Z}/servers/${s.id}`);
    assert.match(s.creation_date, TS_OFFSET_RE);
    assert.equal(s.volumes['0'].volume_type, 'l_ssd');
    assert.equal(s.volumes['0'].size, 20_000_000_000, 'an l_ssd root fills the type (DEV1-S: 20 GB)');
    assert.equal(s.volumes['0'].export_uri, null);
    assert.equal(s.dns, `${s.id}.pub.instances.scw.cloud`);
    assert.equal(s.location, null);
    assert.equal(s.public_ip, null);
    await cleanupServer(s.id);
  });

  it('takes volumes templates: sized root, an empty extra volume, from a snapshot', async () => {
    const base = (await api.createVolume({ name: 'b', volumeType: 'l_ssd', size: 5_000_000_000 })).volume;
    const snap = (await api.createSnapshot({ name: 's', volumeId: base.id })).snapshot;
    const s = await newServer({
      volumes: {
        0: { size: 10_000_000_000, volumeType: 'l_ssd' },
        1: { name: 'empty', size: 3_000_000_000, volumeType: 'l_ssd' },
        2: { name: 'restored', baseSnapshot: snap.id, volumeType: 'l_ssd' },
      },
    });
    assert.equal(s.volumes['0'].size, 10_000_000_000);
    assert.equal(s.volumes['1'].name, 'empty');
    assert.equal(s.volumes['2'].size, 5_000_000_000);
    assert.equal(s.volumes['2'].server.id, s.id);
    await cleanupServer(s.id);
    await api.deleteSnapshot({ snapshotId: snap.id });
    await api.deleteVolume({ volumeId: base.id });
  });

  it('attaches existing SBS volumes and flexible IPs, uses the given security group', async () => {
    const sbs = await block.createVolume({ name: 'sbs-data', fromEmpty: { size: 20_000_000_000 } });
    const ip = (await api.createIp({ type: 'routed_ipv4' })).ip;
    const sg = (await api.createSecurityGroup({ name: 'web', stateful: true })).securityGroup;
    const s = await newServer({
      volumes: { 1: { id: sbs.id, volumeType: 'sbs_volume' } },
      publicIps: [ip.id],
      securityGroup: sg.id,
      tags: ['t1'],
    });
    assert.equal(s.volumes['1'].id, sbs.id);
    assert.equal(s.volumes['1'].volumeType, 'sbs_volume');
    assert.equal(s.publicIps.length, 1);
    assert.equal(s.publicIp.id, ip.id);
    assert.equal(s.publicIp.dynamic, false);
    assert.equal(s.securityGroup.id, sg.id);
    assert.deepEqual(s.tags, ['t1']);
    // Deleting the server keeps the flexible IP (detached).
    await api.deleteServer({ serverId: s.id });
    const kept = (await api.getIp({ ip: ip.id })).ip;
    assert.equal(kept.server, undefined);
    await api.deleteIp({ ip: ip.id });
    await api.deleteVolume({ volumeId: s.volumes['0'].id });
    await advance(10);
    await block.deleteVolume({ volumeId: sbs.id });
    await api.deleteSecurityGroup({ securityGroupId: sg.id });
  });

  it('refuses bad input with the recorded errors and creates nothing', async () => {
    const before = (await api.listServers()).totalCount;
    const r = await raw(server, 'POST', `${Z}/servers`, { body: { name: 'x', project: server.creds.projectId } });
    assert.equal(r.status, 400, show(r));
    assert.deepEqual(
      r.json.details.map((d) => [d.argument_name, d.reason, d.help_message]),
      [
        ['commercial_type', 'required', 'required key not provided'],
        ['image', 'required', 'required key not provided'],
        ['volumes', 'required', 'required key not provided'],
      ],
    );
    const unknownImage = crypto.randomUUID();
    const e1 = await caught(() => newServer({ image: unknownImage }));
    assert.ok(e1 instanceof Errors.ResourceNotFoundError, String(e1));
    assert.equal(e1.resource, 'instance_image');
    assert.equal(e1.resourceId, unknownImage);
    const e2 = await caught(() => newServer({ commercialType: 'NOPE-XL' }));
    assert.ok(e2 instanceof Errors.InvalidArgumentsError, String(e2));
    assert.equal(e2.details[0].argumentName, 'commercial_type');
    const e3 = await caught(() => newServer({ image: 'not_a_label' }));
    assert.ok(e3 instanceof Errors.ResourceNotFoundError, String(e3));
    const e4 = await caught(() => newServer({ volumes: { 0: { size: 50_000_000_000, volumeType: 'l_ssd' } } }));
    assert.ok(e4 instanceof Errors.InvalidArgumentsError, String(e4));
    const e5 = await caught(() => newServer({ publicIps: [crypto.randomUUID()] }));
    assert.ok(e5 instanceof Errors.ResourceNotFoundError, String(e5));
    assert.equal(e5.resource, 'instance_ip');
    const e6 = await caught(() => newServer({ commercialType: 'PRO2-XXS' })); // no local storage
    assert.ok(e6 instanceof Errors.InvalidArgumentsError, String(e6));
    assert.equal((await api.listServers()).totalCount, before);
  });
});

describe('get, list', () => {
  it('lists with every filter, order and legacy paging headers', async () => {
    const ids = [];
    for (const [i, tags] of [['a', ['red']], ['b', ['blue']], ['c', ['red', 'blue']]].entries()) {
      ids.push((await newServer({ name: `list-${tags[0]}-${i}`, tags: tags[1] })).id);
      await advance(1);
    }
    const page = await raw(server, 'GET', `${Z}/servers?per_page=2&name=list-`);
    assert.equal(page.status, 200, show(page));
    assert.equal(page.headers.get('x-total-count'), '3');
    assert.match(page.headers.get('link'), /rel="next"/);
    assert.equal(page.json.servers[0].id, ids[2], 'creation_date_desc by default');
    assert.equal(page.json.total_count, undefined, 'no total_count in Instance list bodies');

    const all = await api.listServers({ name: 'list-', perPage: 1 }).all();
    assert.deepEqual(all.map((s) => s.id).sort(), [...ids].sort());
    const asc = await api.listServers({ name: 'list-', order: 'creation_date_asc' });
    assert.equal(asc.servers[0].id, ids[0]);
    assert.equal((await api.listServers({ tags: ['red'] })).totalCount, 2);
    assert.equal((await api.listServers({ tags: ['red', 'blue'] })).totalCount, 1);
    assert.equal((await api.listServers({ servers: [ids[0], ids[1]] })).totalCount, 2);
    assert.equal((await api.listServers({ name: 'list-', commercialType: 'DEV1-S' })).totalCount, 3);
    assert.equal((await api.listServers({ name: 'list-', commercialType: 'DEV1-M' })).totalCount, 0);
    assert.equal((await api.listServers({ name: 'list-', project: server.creds.projectId })).totalCount, 3);
    assert.equal((await api.listServers({ name: 'list-', organization: server.creds.organizationId })).totalCount, 3);
    assert.equal((await api.listServers({ privateNetwork: crypto.randomUUID() })).totalCount, 0);
    assert.equal((await api.listServers({ privateNetworks: [crypto.randomUUID()] })).totalCount, 0);
    assert.equal((await api.listServers({ privateIp: '10.0.0.1' })).totalCount, 0);
    assert.equal((await api.listServers({ privateNicMacAddress: '02:00:00:00:00:01' })).totalCount, 0);

    await api.serverAction({ serverId: ids[0], action: 'poweron' });
    assert.equal((await api.listServers({ name: 'list-', state: 'starting' })).totalCount, 1);
    await advance(30);
    const running = await api.getServer({ serverId: ids[0] });
    const ip = running.server.publicIp.address;
    assert.equal((await api.listServers({ name: 'list-', withIp: ip })).totalCount, 1);
    assert.equal((await api.listServers({ name: 'list-', withoutIp: true })).totalCount, 2);
    assert.equal((await api.listServers({ name: 'list-', order: 'modification_date_desc' })).servers[0].id, ids[0]);
    for (const id of ids) await cleanupServer(id);
  });

  it('unknown and malformed ids', async () => {
    const id = crypto.randomUUID();
    const e = await caught(() => api.getServer({ serverId: id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, String(e));
    assert.equal(e.resource, 'instance_server');
    assert.equal(e.resourceId, id);
    const r = await raw(server, 'GET', `${Z}/servers/not-a-uuid`);
    assert.equal(r.status, 400, show(r));
    const other = await newServer();
    const z2 = await caught(() => api.getServer({ serverId: other.id, zone: 'nl-ams-1' }));
    assert.ok(z2 instanceof Errors.ResourceNotFoundError, 'servers live in their zone');
    await cleanupServer(other.id);
  });
});

describe('update', () => {
  it('changes every field of §B1.4', async () => {
    const s = await newServer({ name: 'before' });
    const sg = (await api.createSecurityGroup({ name: 'other', stateful: true })).securityGroup;
    const pg = (await api.createPlacementGroup({ name: 'pg' })).placementGroup;
    const ip = (await api.createIp({ type: 'routed_ipv4' })).ip;
    const u = (
      await api.updateServer({
        serverId: s.id,
        name: 'after',
        tags: ['x', 'y'],
        bootType: 'rescue',
        dynamicIpRequired: false,
        enableIpv6: false,
        protected: true,
        securityGroup: { id: sg.id, name: sg.name },
        placementGroup: pg.id,
        publicIps: [ip.id],
        commercialType: 'DEV1-M',
        routedIpEnabled: true,
      })
    ).server;
    assert.equal(u.name, 'after');
    assert.equal(u.hostname, 'after');
    assert.deepEqual(u.tags, ['x', 'y']);
    assert.equal(u.bootType, 'rescue');
    assert.equal(u.dynamicIpRequired, false);
    assert.equal(u.protected, true);
    assert.equal(u.securityGroup.id, sg.id);
    assert.equal(u.placementGroup.id, pg.id);
    assert.equal(u.publicIp.id, ip.id);
    assert.equal(u.commercialType, 'DEV1-M');
    assert.ok(new Date(u.modificationDate) >= new Date(u.creationDate));

    // Protected: no delete.
    const p = await caught(() => api.deleteServer({ serverId: s.id }));
    assert.ok(p instanceof Errors.PreconditionFailedError, String(p));
    // placement_group: null leaves; bad values are refused as recorded.
    const left = (await api.updateServer({ serverId: s.id, placementGroup: null, protected: false, publicIps: [] })).server;
    assert.equal(left.placementGroup, undefined);
    assert.deepEqual(left.publicIps, []);
    const bad = await raw(server, 'PATCH', `${Z}/servers/${s.id}`, { body: { placement_group: '1111111' } });
    assert.equal(bad.status, 400, show(bad));
    assert.deepEqual(bad.json.details, [
      { argument_name: 'placement_group', reason: 'constraint', help_message: 'not a valid value' },
    ]);
    const missing = await caught(() =>
      api.updateServer({ serverId: s.id, placementGroup: '11111111-1111-1111-1111-111111111111' }),
    );
    assert.ok(missing instanceof Errors.ResourceNotFoundError, String(missing));
    assert.equal(missing.resource, 'instance_placement_group');
    // commercial_type only while stopped.
    await api.serverAction({ serverId: s.id, action: 'poweron' });
    const running = await caught(() => api.updateServer({ serverId: s.id, commercialType: 'DEV1-S' }));
    assert.equal(running.status, 400, String(running));
    await advance(30);
    await cleanupServer(s.id);
    await api.deleteIp({ ip: ip.id });
    await api.deletePlacementGroup({ placementGroupId: pg.id });
    await api.deleteSecurityGroup({ securityGroupId: sg.id });
  });

  it('the SDK-private PUT (_setServer) applies the writable fields', async () => {
    const s = await newServer({ name: 'put-me' });
    const r = await api._setServer({ ...s, id: s.id, name: 'was-put', tags: ['p'], protected: false, bootType: 'local' });
    assert.equal(r.server.name, 'was-put');
    assert.deepEqual(r.server.tags, ['p']);
    assert.equal(r.server.volumes['0'].id, s.volumes['0'].id, 'volumes untouched');
    const missing = await caught(() => api._setServer({ ...s, id: crypto.randomUUID() }));
    assert.ok(missing instanceof Errors.ResourceNotFoundError, String(missing));
    await cleanupServer(s.id);
  });

  it('replaces the volumes map (attachVolume / detachVolume helpers)', async () => {
    const s = await newServer({ volumes: { 0: { size: 10_000_000_000, volumeType: 'l_ssd' } } });
    const v = (await api.createVolume({ name: 'v', volumeType: 'l_ssd', size: 5_000_000_000 })).volume;
    const a = (await api.attachVolume({ serverId: s.id, volumeId: v.id })).server;
    assert.deepEqual(Object.keys(a.volumes).sort(), ['0', '1']);
    const d = (await api.detachVolume({ volumeId: v.id })).server;
    assert.deepEqual(Object.keys(d.volumes), ['0']);
    const none = (await api.updateServer({ serverId: s.id, volumes: {} })).server;
    assert.deepEqual(none.volumes, {});
    await api.deleteServer({ serverId: s.id });
    await api.deleteVolume({ volumeId: v.id });
    await api.deleteVolume({ volumeId: s.volumes['0'].id });
  });
});

describe('attach-volume / detach-volume', () => {
  it('local volumes only while stopped, SBS volumes hot', async () => {
    const s = await newServer({ volumes: { 0: { size: 10_000_000_000, volumeType: 'l_ssd' } } });
    const local = (await api.createVolume({ name: 'l', volumeType: 'l_ssd', size: 5_000_000_000 })).volume;
    const sbs = await block.createVolume({ name: 'hot', fromEmpty: { size: 10_000_000_000 } });
    await advance(10);
    const a = (await api.attachServerVolume({ serverId: s.id, volumeId: local.id, volumeType: 'l_ssd' })).server;
    assert.equal(a.volumes['1'].id, local.id);
    const twice = await caught(() => api.attachServerVolume({ serverId: s.id, volumeId: local.id }));
    assert.ok(twice instanceof Errors.InvalidArgumentsError, String(twice));
    const busy = await caught(() => api.deleteVolume({ volumeId: local.id }));
    assert.ok(busy instanceof Errors.PreconditionFailedError, String(busy));
    await api.serverAction({ serverId: s.id, action: 'poweron' });
    await advance(30);
    const hotLocal = await caught(() => api.detachServerVolume({ serverId: s.id, volumeId: local.id }));
    assert.equal(hotLocal.status, 400, String(hotLocal));
    const hot = (await api.attachServerVolume({ serverId: s.id, volumeId: sbs.id, volumeType: 'sbs_volume' })).server;
    assert.equal(hot.volumes['2'].id, sbs.id);
    assert.equal(hot.volumes['2'].volumeType, 'sbs_volume');
    const ref = await block.getVolume({ volumeId: sbs.id });
    assert.equal(ref.references[0].productResourceId, s.id);
    const off = (await api.detachServerVolume({ serverId: s.id, volumeId: sbs.id })).server;
    assert.equal(off.volumes['2'], undefined);
    const notAttached = await raw(server, 'POST', `${Z}/servers/${s.id}/detach-volume`, {
      body: { volume_id: '11111111-1111-1111-1111-111111111111' },
    });
    assert.equal(notAttached.status, 400, show(notAttached));
    assert.deepEqual(notAttached.json.details, [
      {
        argument_name: 'volume_id',
        reason: 'constraint',
        help_message: 'Volume 11111111-1111-1111-1111-111111111111 is not attached to this server',
      },
    ]);
    const unknown = await caught(() => api.attachServerVolume({ serverId: s.id, volumeId: crypto.randomUUID() }));
    assert.ok(unknown instanceof Errors.ResourceNotFoundError, String(unknown));
    await cleanupServer(s.id);
    await api.deleteVolume({ volumeId: local.id }).catch(() => {});
    await advance(10);
    await block.deleteVolume({ volumeId: sbs.id });
  });
});

describe('actions and the state machine', () => {
  it('poweron / stop_in_place / reboot / poweroff with state details and allowed actions', async () => {
    const s = await newServer({ dynamicIpRequired: false });
    const t = await raw(server, 'POST', `${Z}/servers/${s.id}/action`, { body: { action: 'poweron' } });
    assert.equal(t.status, 202, show(t));
    assert.match(t.headers.get('location'), /\/instance\/v1\/zones\/fr-par-1\/tasks\/[0-9a-f-]{36}$/);
    assert.deepEqual(Object.keys(t.json.task).sort(), [
      'description', 'href_from', 'href_result', 'id', 'progress', 'started_at', 'status', 'terminated_at', 'zone',
    ]);
    assert.equal(t.json.task.description, 'server_batch_poweron');
    assert.equal(t.json.task.status, 'pending');
    assert.equal(t.json.task.href_from, `/servers/${s.id}/action`);
    let r = await rawServer(s.id);
    assert.equal(r.state, 'starting');
    assert.deepEqual(r.allowed_actions, ['stop_in_place', 'backup']);
    await advance(5);
    r = await rawServer(s.id);
    assert.equal(r.state_detail, 'provisioning node');
    await advance(10);
    r = await rawServer(s.id);
    assert.equal(r.state, 'running');
    assert.deepEqual(r.allowed_actions, ['poweroff', 'terminate', 'reboot', 'stop_in_place', 'backup']);
    assert.deepEqual(r.public_ips, [], 'dynamic_ip_required false: no IP');

    const actions = await api.listServerActions({ serverId: s.id });
    assert.deepEqual(actions.actions, ['poweroff', 'terminate', 'reboot', 'stop_in_place', 'backup']);

    const sip = api.serverActionAndWait({ serverId: s.id, action: 'stop_in_place' }, WAIT);
    await new Promise((res) => setTimeout(res, 200));
    await advance(10);
    const inPlace = await sip;
    assert.equal(inPlace.state, 'stopped in place');
    assert.equal(inPlace.stateDetail, 'stopped in place');
    assert.ok(inPlace.location, 'stop in place keeps the hypervisor slot');

    const reboot = api.serverActionAndWait({ serverId: s.id, action: 'reboot' }, WAIT);
    await new Promise((res) => setTimeout(res, 200));
    await advance(15);
    assert.equal((await reboot).state, 'running');

    const enable = await api.serverAction({ serverId: s.id, action: 'enable_routed_ip' });
    assert.equal(enable.task.status, 'pending');

    const off = api.serverActionAndWait({ serverId: s.id, action: 'poweroff' }, WAIT);
    await new Promise((res) => setTimeout(res, 200));
    await advance(15);
    assert.equal((await off).state, 'stopped');
    await cleanupServer(s.id);
  });

  it('refuses actions in the wrong state', async () => {
    const s = await newServer();
    const term = await caught(() => api.serverAction({ serverId: s.id, action: 'terminate' }));
    assert.equal(term.status, 400, String(term));
    const off = await raw(server, 'POST', `${Z}/servers/${s.id}/action`, { body: { action: 'poweroff' } });
    assert.equal(off.status, 400, show(off));
    assert.equal(off.json.type, 'invalid_request_error');
    await api.serverAction({ serverId: s.id, action: 'poweron' });
    const again = await caught(() => api.serverAction({ serverId: s.id, action: 'poweron' }));
    assert.ok(again instanceof Errors.TransientStateError, String(again));
    assert.equal(again.currentState, 'starting');
    const del = await caught(() => api.deleteServer({ serverId: s.id }));
    assert.equal(del.status, 400, String(del));
    const bad = await raw(server, 'POST', `${Z}/servers/${s.id}/action`, { body: { action: 'explode' } });
    assert.equal(bad.status, 400, show(bad));
    const unknown = await caught(() => api.serverAction({ serverId: crypto.randomUUID(), action: 'poweron' }));
    assert.ok(unknown instanceof Errors.ResourceNotFoundError, String(unknown));
    await advance(30);
    await cleanupServer(s.id);
  });

  it('terminate deletes local volumes, detaches SBS volumes and flexible IPs', async () => {
    const sbs = await block.createVolume({ name: 'keep', fromEmpty: { size: 10_000_000_000 } });
    const ip = (await api.createIp({ type: 'routed_ipv4' })).ip;
    const s = await newServer({
      volumes: { 1: { id: sbs.id, volumeType: 'sbs_volume' } },
      publicIps: [ip.id],
    });
    await api.setServerUserData({ serverId: s.id, key: 'k', content: 'v' });
    await api.serverAction({ serverId: s.id, action: 'poweron' });
    await advance(30);
    const running = (await api.getServer({ serverId: s.id })).server;
    assert.equal(running.publicIps.length, 1, 'a flexible IPv4: no dynamic IP');
    await api.serverAction({ serverId: s.id, action: 'terminate' });
    const t = await rawServer(s.id);
    assert.equal(t.state, 'stopping');
    assert.equal(t.state_detail, 'terminating');
    assert.deepEqual(t.allowed_actions, []);
    assert.equal(t.volumes['0'].state, 'deleting');
    await advance(15);
    const gone = await caught(() => api.getServer({ serverId: s.id }));
    assert.ok(gone instanceof Errors.ResourceNotFoundError, String(gone));
    const vol = await caught(() => api.getVolume({ volumeId: s.volumes['0'].id }));
    assert.ok(vol instanceof Errors.ResourceNotFoundError, 'l_ssd deleted with the server');
    const kept = await block.getVolume({ volumeId: sbs.id });
    assert.deepEqual(kept.references, [], 'sbs volume detached');
    const freeIp = (await api.getIp({ ip: ip.id })).ip;
    assert.equal(freeIp.server, undefined);
    assert.equal(freeIp.state, 'detached');
    await api.deleteIp({ ip: ip.id });
    await advance(10);
    await block.deleteVolume({ volumeId: sbs.id });
  });

  it('backup makes an image (creating -> available) and snapshots of the volumes', async () => {
    const s = await newServer({ name: 'db' });
    const r = await api.serverAction({ serverId: s.id, action: 'backup', name: 'nightly' });
    assert.equal(r.task.description, 'instance_backup');
    assert.match(r.task.hrefResult, /^\/images\/[0-9a-f-]{36}$/);
    const imageId = r.task.hrefResult.split('/')[2];
    const img = (await api.getImage({ imageId })).image;
    assert.equal(img.state, 'creating');
    assert.equal(img.name, 'nightly');
    assert.equal(img.fromServer, s.id);
    assert.equal(img.rootVolume.name, 'nightly_snap_0');
    await advance(10);
    const ready = await api.waitForImage({ imageId }, WAIT);
    assert.equal(ready.state, 'available');
    const snap = (await api.getSnapshot({ snapshotId: img.rootVolume.id })).snapshot;
    assert.equal(snap.baseVolume.id, s.volumes['0'].id);
    // A backup restricted to named volumes, unknown volume refused.
    const badVol = await caught(() =>
      api.serverAction({ serverId: s.id, action: 'backup', volumes: { [crypto.randomUUID()]: {} } }),
    );
    assert.ok(badVol instanceof Errors.InvalidArgumentsError, String(badVol));
    await api.deleteImage({ imageId });
    await api.deleteSnapshot({ snapshotId: snap.id });
    await cleanupServer(s.id);
  });
});

describe('user data', () => {
  it('sets, lists, reads raw text and deletes keys', async () => {
    const s = await newServer();
    const cloudInit = '#cloud-config\npackages:\n  - nginx\n';
    await api.setServerUserData({ serverId: s.id, key: 'cloud-init', content: cloudInit });
    await api.setServerUserData({ serverId: s.id, key: 'alpha', content: 'a' });
    const got = await api.getServerUserData({ serverId: s.id, key: 'cloud-init' });
    assert.equal(got, cloudInit);
    const raw1 = await raw(server, 'GET', `${Z}/servers/${s.id}/user_data/cloud-init`);
    assert.equal(raw1.headers.get('content-type'), 'text/plain');
    const keys = await api.listServerUserData({ serverId: s.id });
    assert.deepEqual(keys.userData, ['alpha', 'cloud-init']);
    await api.deleteServerUserData({ serverId: s.id, key: 'alpha' });
    const missing = await raw(server, 'GET', `${Z}/servers/${s.id}/user_data/alpha`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('content-type'), 'application/json');
    assert.deepEqual(missing.json, { type: 'not_found', message: 'resource is not found', resource: 'instance_user_data', resource_id: 'alpha' });
    const e = await caught(() => api.getServerUserData({ serverId: s.id, key: 'alpha' }));
    assert.equal(e.status, 404);
    assert.ok(e instanceof Errors.ResourceNotFoundError, String(e));
    const noServer = await caught(() => api.listServerUserData({ serverId: crypto.randomUUID() }));
    assert.ok(noServer instanceof Errors.ResourceNotFoundError, String(noServer));
    await cleanupServer(s.id);
  });
});

describe('compatible types', () => {
  it('same arch, local storage that fits, not the current type', async () => {
    const s = await newServer();
    const r = await api.getServerCompatibleTypes({ serverId: s.id });
    assert.ok(r.compatibleTypes.includes('DEV1-M'), JSON.stringify(r.compatibleTypes));
    assert.ok(!r.compatibleTypes.includes('DEV1-S'));
    assert.ok(!r.compatibleTypes.includes('PRO2-XXS'), 'no local storage for the 20 GB l_ssd root');
    assert.ok(!r.compatibleTypes.some((t) => t.startsWith('COPARM1')), 'arm64 types excluded');
    await cleanupServer(s.id);
  });
});

describe('quotas', () => {
  it('exceeding the servers quota answers quotas_exceeded and creates nothing', async () => {
    const small = await startServer({ args: ['--quota', 'instance_servers=1'] });
    try {
      const a = new Instancev1.API(makeClient(small));
      await a.createServer({ name: 'one', commercialType: 'DEV1-S', image: localJammy });
      const e = await caught(() => a.createServer({ name: 'two', commercialType: 'DEV1-S', image: localJammy }));
      assert.ok(e instanceof Errors.QuotasExceededError, String(e));
      assert.equal(e.list[0].resource, 'instance_servers');
      assert.equal(e.list[0].quota, 1);
      assert.equal(e.list[0].current, 1);
      assert.equal((await a.listServers()).totalCount, 1);
      assert.equal((await a.listVolumes()).totalCount, 1, 'no volume left behind');
    } finally {
      await small.stop();
    }
  });
});

describe('attach-filesystem / detach-filesystem', () => {
  it('attaching -> available, at most the type allows, detaching -> gone', async () => {
    const s = (await api.createServer({ name: 'fs-srv', commercialType: 'POP2-2C-8G', image: 'ubuntu_jammy' })).server;
    const fsA = crypto.randomUUID();
    const a = await api.attachServerFileSystem({ serverId: s.id, filesystemId: fsA });
    assert.deepEqual(a.server.filesystems, [{ filesystemId: fsA, state: 'attaching' }]);
    await advance(30);
    assert.deepEqual((await api.getServer({ serverId: s.id })).server.filesystems, [{ filesystemId: fsA, state: 'available' }]);
    // POP2-2C-8G accepts one filesystem; the same one twice is refused too.
    for (const id of [crypto.randomUUID(), fsA]) {
      const e = await caught(() => api.attachServerFileSystem({ serverId: s.id, filesystemId: id }));
      assert.ok(e instanceof Errors.InvalidArgumentsError, String(e));
    }
    const d = await api.detachServerFileSystem({ serverId: s.id, filesystemId: fsA });
    assert.deepEqual(d.server.filesystems, [{ filesystemId: fsA, state: 'detaching' }]);
    await advance(30);
    assert.deepEqual((await rawServer(s.id)).filesystems, []);
    const gone = await caught(() => api.detachServerFileSystem({ serverId: s.id, filesystemId: fsA }));
    assert.ok(gone instanceof Errors.ResourceNotFoundError, String(gone));
    const bad = await raw(server, 'POST', `${Z}/servers/${s.id}/attach-filesystem`, { body: { filesystem_id: 'nope' } });
    assert.equal(bad.status, 400, show(bad));
    const noServer = await caught(() => api.attachServerFileSystem({ serverId: crypto.randomUUID(), filesystemId: fsA }));
    assert.ok(noServer instanceof Errors.ResourceNotFoundError, String(noServer));
    await cleanupServer(s.id);
  });

  it('a type without filesystem support refuses them', async () => {
    const s = await newServer();
    const e = await caught(() => api.attachServerFileSystem({ serverId: s.id, filesystemId: crypto.randomUUID() }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, String(e));
    assert.deepEqual((await rawServer(s.id)).filesystems, []);
    await cleanupServer(s.id);
  });
});

describe('placement groups at power-on', () => {
  for (const policyType of ['low_latency', 'max_availability']) {
    it(`servers of a ${policyType} group are placed so the policy holds`, async () => {
      const pg = (await api.createPlacementGroup({ name: `pg-${policyType}`, policyType, policyMode: 'enforced' })).placementGroup;
      const ids = [];
      for (let i = 0; i < 3; i += 1) {
        const s = await newServer({ placementGroup: pg.id });
        ids.push(s.id);
        await api.serverAction({ serverId: s.id, action: 'poweron' });
      }
      await advance(120);
      const locations = [];
      for (const id of ids) {
        const s = await rawServer(id);
        assert.equal(s.state, 'running');
        locations.push(s.location.hypervisor_id);
      }
      const distinct = new Set(locations).size;
      assert.equal(distinct, policyType === 'low_latency' ? 1 : 3, JSON.stringify(locations));
      const members = await api.getPlacementGroupServers({ placementGroupId: pg.id });
      assert.equal(members.servers.length, 3);
      assert.ok(members.servers.every((m) => m.policyRespected), JSON.stringify(members.servers));
      assert.equal((await api.getPlacementGroup({ placementGroupId: pg.id })).placementGroup.policyRespected, true);
      for (const id of ids) await cleanupServer(id);
      await api.deletePlacementGroup({ placementGroupId: pg.id });
    });
  }
});
