// Instance v1 storage end to end through the official JS SDK (@scaleway/sdk-instance 1.4.0):
// volumes (l_ssd, scratch), snapshots (create, export, import, waitForSnapshot) and images (own
// images from snapshots, Scaleway's public images, waitForImage), with error paths and quotas.
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
const PUBLIC_ORG = '51b656e3-4865-41e8-adbc-0c45bdd780db';
const TS_OFFSET_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/;

const VOLUME_KEYS = [
  'creation_date', 'export_uri', 'id', 'modification_date', 'name', 'organization', 'project',
  'server', 'size', 'state', 'tags', 'volume_type', 'zone',
];
const SNAPSHOT_KEYS = [
  'base_volume', 'creation_date', 'error_details', 'id', 'modification_date', 'name',
  'organization', 'project', 'size', 'state', 'tags', 'volume_type', 'zone',
];
const IMAGE_KEYS = [
  'arch', 'creation_date', 'default_bootscript', 'extra_volumes', 'from_server', 'id',
  'modification_date', 'name', 'organization', 'project', 'public', 'root_volume', 'state', 'tags',
  'zone',
];

let server;
let api; // Instancev1.API
let block; // Blockv1alpha1.API

const advance = (seconds) => advanceClock(server, seconds);

async function newVolume(extra = {}) {
  return (await api.createVolume({ name: `vol-${crypto.randomUUID().slice(0, 6)}`, volumeType: 'l_ssd', size: 10_000_000_000, ...extra })).volume;
}

before(async () => {
  server = await startServer();
  const client = makeClient(server);
  api = new Instancev1.API(client);
  block = new Blockv1alpha1.API(client);
});

after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly: ${JSON.stringify(r)}\n${server.logs().slice(-3000)}`);
  }
});

// ---------------------------------------------------------------------------------------------

describe('volumes', () => {
  it('create answers 201 + Location with every key; get, update, list, delete', async () => {
    const r = await raw(server, 'POST', `${Z}/volumes`, {
      body: { name: 'raw', volume_type: 'l_ssd', size: 20_000_000_000, project: server.creds.projectId },
    });
    assert.equal(r.status, 201, show(r));
    const v = r.json.volume;
    assert.deepEqual(Object.keys(v).sort(), VOLUME_KEYS);
    assert.equal(r.headers.get('location'), `${server.url}${Z}/volumes/${v.id}`);
    assert.equal(v.state, 'available');
    assert.equal(v.server, null);
    assert.equal(v.export_uri, null);
    assert.match(v.creation_date, TS_OFFSET_RE);

    const sdk = await newVolume({ name: 'sdk', tags: ['a', 'b'] });
    assert.match(sdk.id, UUID_RE);
    assert.deepEqual(sdk.tags, ['a', 'b']);
    const waited = await api.waitForVolume({ volumeId: sdk.id }, WAIT);
    assert.equal(waited.state, 'available');
    const got = (await api.getVolume({ volumeId: sdk.id })).volume;
    assert.equal(got.name, 'sdk');
    assert.equal(got.volumeType, 'l_ssd');
    const up = (await api.updateVolume({ volumeId: sdk.id, name: 'renamed', tags: [], size: 15_000_000_000 })).volume;
    assert.equal(up.name, 'renamed');
    assert.deepEqual(up.tags, []);
    assert.equal(up.size, 15_000_000_000);
    const shrink = await caught(() => api.updateVolume({ volumeId: sdk.id, size: 5_000_000_000 }));
    assert.ok(shrink instanceof Errors.InvalidArgumentsError, String(shrink));

    const scratch = await newVolume({ name: 'scr', volumeType: 'scratch', size: 20_000_000_000 });
    assert.equal(scratch.volumeType, 'scratch');

    const all = await api.listVolumes();
    assert.equal(all.totalCount, 3);
    const page = await raw(server, 'GET', `${Z}/volumes?per_page=2`);
    assert.equal(page.headers.get('x-total-count'), '3');
    assert.match(page.headers.get('link'), /rel="next"/);
    assert.equal(page.json.volumes.length, 2);
    assert.equal((await api.listVolumes({ volumeType: 'scratch' })).totalCount, 1);
    assert.equal((await api.listVolumes({ name: 'renam' })).totalCount, 1);
    assert.equal((await api.listVolumes({ tags: ['nope'] })).totalCount, 0);
    assert.equal((await api.listVolumes({ project: server.creds.projectId })).totalCount, 3);
    assert.equal((await api.listVolumes({ organization: server.creds.organizationId, perPage: 1 }).all()).length, 3);

    for (const id of [v.id, sdk.id, scratch.id]) await api.deleteVolume({ volumeId: id });
    const gone = await caught(() => api.getVolume({ volumeId: v.id }));
    assert.ok(gone instanceof Errors.ResourceNotFoundError, String(gone));
    assert.equal(gone.resource, 'instance_volume');
    assert.equal(gone.resourceId, v.id);
  });

  it('creates from a snapshot; refuses bad input; an SBS id is not an Instance volume', async () => {
    const base = await newVolume({ size: 12_000_000_000 });
    const snap = (await api.createSnapshot({ name: 'base', volumeId: base.id })).snapshot;
    const copy = (await api.createVolume({ name: 'copy', baseSnapshot: snap.id })).volume;
    assert.equal(copy.size, 12_000_000_000);
    assert.equal(copy.volumeType, 'l_ssd');

    const noSize = await raw(server, 'POST', `${Z}/volumes`, { body: { name: 'x', volume_type: 'l_ssd' } });
    assert.equal(noSize.status, 400, show(noSize));
    const tiny = await caught(() => newVolume({ size: 1000 }));
    assert.ok(tiny instanceof Errors.InvalidArgumentsError, String(tiny));
    const legacy = await caught(() => newVolume({ volumeType: 'b_ssd' }));
    assert.ok(legacy instanceof Errors.InvalidArgumentsError, String(legacy));
    const badType = await raw(server, 'POST', `${Z}/volumes`, { body: { name: 'x', volume_type: 'floppy', size: 1 } });
    assert.equal(badType.status, 400, show(badType));
    const unknownSnap = await caught(() => api.createVolume({ name: 'x', baseSnapshot: crypto.randomUUID() }));
    assert.ok(unknownSnap instanceof Errors.ResourceNotFoundError, String(unknownSnap));
    assert.equal(unknownSnap.resource, 'instance_snapshot');

    const sbs = await block.createVolume({ name: 'sbs', fromEmpty: { size: 10_000_000_000 } });
    const notInstance = await raw(server, 'GET', `${Z}/volumes/${sbs.id}`);
    assert.equal(notInstance.status, 404, show(notInstance));
    assert.deepEqual(notInstance.json, {
      message: 'resource is not found', resource: 'instance_volume', resource_id: sbs.id, type: 'not_found',
    });
    const malformed = await raw(server, 'GET', `${Z}/volumes/not-a-uuid`);
    assert.equal(malformed.status, 400, show(malformed));

    await api.deleteVolume({ volumeId: copy.id });
    await api.deleteSnapshot({ snapshotId: snap.id });
    await api.deleteVolume({ volumeId: base.id });
    await advance(10);
    await block.deleteVolume({ volumeId: sbs.id });
  });

  it('quota: exceeding it answers quotas_exceeded and creates nothing', async () => {
    const small = await startServer({ args: ['--quota', 'instance_volumes=2'] });
    try {
      const a = new Instancev1.API(makeClient(small));
      await a.createVolume({ name: 'a', volumeType: 'l_ssd', size: 10_000_000_000 });
      await a.createVolume({ name: 'b', volumeType: 'l_ssd', size: 10_000_000_000 });
      const e = await caught(() => a.createVolume({ name: 'c', volumeType: 'l_ssd', size: 10_000_000_000 }));
      assert.ok(e instanceof Errors.QuotasExceededError, String(e));
      assert.equal(e.list[0].resource, 'instance_volumes');
      assert.equal(e.list[0].quota, 2);
      assert.equal((await a.listVolumes()).totalCount, 2);
    } finally {
      await small.stop();
    }
  });
});

describe('snapshots', () => {
  it('create (201, snapshot + task, no Location), get, update, list, delete', async () => {
    const vol = await newVolume({ name: 'src' });
    const r = await raw(server, 'POST', `${Z}/snapshots`, {
      body: { name: 'raw-snap', volume_id: vol.id, project: server.creds.projectId },
    });
    assert.equal(r.status, 201, show(r));
    assert.equal(r.headers.get('location'), null);
    assert.deepEqual(Object.keys(r.json).sort(), ['snapshot', 'task']);
    const s = r.json.snapshot;
    assert.deepEqual(Object.keys(s).sort(), SNAPSHOT_KEYS);
    assert.equal(s.state, 'available', 'a detached volume is snapshotted at once');
    assert.deepEqual(s.base_volume, { id: vol.id, name: 'src' });
    assert.equal(s.error_details, null);
    assert.equal(r.json.task.href_from, '/snapshots');
    assert.equal(r.json.task.href_result, `snapshots/${s.id}`);

    const sdk = await api.createSnapshot({ name: 'sdk-snap', volumeId: vol.id, tags: ['t'] });
    const waited = await api.waitForSnapshot({ snapshotId: sdk.snapshot.id }, WAIT);
    assert.equal(waited.state, 'available');
    assert.equal(waited.size, 10_000_000_000);
    assert.equal(waited.volumeType, 'l_ssd');
    const up = (await api.updateSnapshot({ snapshotId: sdk.snapshot.id, name: 'renamed', tags: ['u'] })).snapshot;
    assert.equal(up.name, 'renamed');
    assert.deepEqual(up.tags, ['u']);
    const put = (await api._setSnapshot({ ...up, snapshotId: up.id, name: 'put', tags: ['p'] })).snapshot;
    assert.equal(put.name, 'put');
    assert.deepEqual(put.tags, ['p']);
    await api.updateSnapshot({ snapshotId: up.id, name: 'renamed', tags: ['u'] });
    assert.equal((await api.listSnapshots()).totalCount, 2);
    assert.equal((await api.listSnapshots({ name: 'renamed' })).totalCount, 1);
    assert.equal((await api.listSnapshots({ baseVolumeId: vol.id })).totalCount, 2);
    assert.equal((await api.listSnapshots({ tags: 'u' })).totalCount, 1);
    assert.equal((await api.listSnapshots({ project: server.creds.projectId, perPage: 1 }).all()).length, 2);
    const list = await raw(server, 'GET', `${Z}/snapshots?per_page=1`);
    assert.equal(list.headers.get('x-total-count'), '2');

    await api.deleteVolume({ volumeId: vol.id });
    const orphan = (await api.getSnapshot({ snapshotId: s.id })).snapshot;
    assert.equal(orphan.baseVolume, undefined, 'base_volume null once the volume is gone');
    await api.deleteSnapshot({ snapshotId: s.id });
    await api.deleteSnapshot({ snapshotId: sdk.snapshot.id });
    const gone = await caught(() => api.deleteSnapshot({ snapshotId: s.id }));
    assert.ok(gone instanceof Errors.ResourceNotFoundError, String(gone));
    assert.equal(gone.resource, 'instance_snapshot');
  });

  it('export (202 task, exporting -> available) and import from object storage', async () => {
    const vol = await newVolume();
    const snap = (await api.createSnapshot({ name: 'to-export', volumeId: vol.id })).snapshot;
    const r = await raw(server, 'POST', `${Z}/snapshots/${snap.id}/export`, {
      body: { bucket: 'my-bucket', key: 'disks/root.qcow2' },
    });
    assert.equal(r.status, 202, show(r));
    assert.equal(r.json.task.href_result, 'https://s3.fr-par.scw.cloud/my-bucket/disks/root.qcow2');
    assert.equal(r.json.task.href_from, `/snapshots/${snap.id}/export`);
    assert.equal((await api.getSnapshot({ snapshotId: snap.id })).snapshot.state, 'exporting');
    const busy = await caught(() => api.exportSnapshot({ snapshotId: snap.id, bucket: 'b', key: 'k' }));
    assert.ok(busy instanceof Errors.TransientStateError, String(busy));
    const busyDelete = await caught(() => api.deleteSnapshot({ snapshotId: snap.id }));
    assert.ok(busyDelete instanceof Errors.TransientStateError, String(busyDelete));
    await advance(20);
    assert.equal((await api.waitForSnapshot({ snapshotId: snap.id }, WAIT)).state, 'available');
    const sdkExport = await api.exportSnapshot({ snapshotId: snap.id, bucket: 'b', key: 'k.qcow2' });
    assert.equal(sdkExport.task.status, 'pending');
    await advance(20);
    const missing = await raw(server, 'POST', `${Z}/snapshots/${snap.id}/export`, { body: { bucket: 'b' } });
    assert.equal(missing.status, 400, show(missing));

    const imp = await api.createSnapshot({ name: 'imported', volumeType: 'l_ssd', bucket: 'b', key: 'k.qcow2' });
    assert.equal(imp.snapshot.state, 'importing');
    assert.equal(imp.snapshot.baseVolume, undefined);
    assert.equal(imp.snapshot.size, 1073741824);
    await advance(15);
    assert.equal((await api.waitForSnapshot({ snapshotId: imp.snapshot.id }, WAIT)).state, 'available');
    const sized = await api.createSnapshot({ name: 'sized', bucket: 'b', key: 'k', size: 20_000_000_000 });
    assert.equal(sized.snapshot.size, 20_000_000_000);
    await advance(15);

    for (const id of [snap.id, imp.snapshot.id, sized.snapshot.id]) await api.deleteSnapshot({ snapshotId: id });
    await api.deleteVolume({ volumeId: vol.id });
  });

  it('refuses bad input: no volume, unknown volume, scratch volume, legacy types; quota', async () => {
    const none = await raw(server, 'POST', `${Z}/snapshots`, { body: { name: 'x' } });
    assert.equal(none.status, 400, show(none));
    const unknown = await caught(() => api.createSnapshot({ name: 'x', volumeId: crypto.randomUUID() }));
    assert.ok(unknown instanceof Errors.ResourceNotFoundError, String(unknown));
    assert.equal(unknown.resource, 'instance_volume');
    const scratch = await newVolume({ volumeType: 'scratch', size: 10_000_000_000 });
    const e = await caught(() => api.createSnapshot({ name: 'x', volumeId: scratch.id }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, String(e));
    const vol = await newVolume();
    const legacy = await caught(() => api.createSnapshot({ name: 'x', volumeId: vol.id, volumeType: 'b_ssd' }));
    assert.ok(legacy instanceof Errors.InvalidArgumentsError, String(legacy));
    await api.deleteVolume({ volumeId: scratch.id });

    const small = await startServer({ args: ['--quota', 'instance_snapshots=1'] });
    try {
      const a = new Instancev1.API(makeClient(small));
      const v = (await a.createVolume({ name: 'a', volumeType: 'l_ssd', size: 10_000_000_000 })).volume;
      await a.createSnapshot({ name: 'one', volumeId: v.id });
      const q = await caught(() => a.createSnapshot({ name: 'two', volumeId: v.id }));
      assert.ok(q instanceof Errors.QuotasExceededError, String(q));
      assert.equal((await a.listSnapshots()).totalCount, 1);
    } finally {
      await small.stop();
    }
    await api.deleteVolume({ volumeId: vol.id });
  });
});

describe('images', () => {
  it('create from snapshots (201 + Location, available), get, update, list, delete keeps snapshots', async () => {
    const vol = await newVolume();
    const root = (await api.createSnapshot({ name: 'root', volumeId: vol.id })).snapshot;
    const extra = (await api.createSnapshot({ name: 'extra', volumeId: vol.id })).snapshot;
    const r = await raw(server, 'POST', `${Z}/images`, {
      body: {
        name: 'raw-img', root_volume: root.id, arch: 'x86_64', project: server.creds.projectId,
        extra_volumes: { 1: { id: extra.id } },
      },
    });
    assert.equal(r.status, 201, show(r));
    const img = r.json.image;
    assert.deepEqual(Object.keys(img).sort(), IMAGE_KEYS);
    assert.equal(r.headers.get('location'), `${server.url}${Z}/images/${img.id}`);
    assert.equal(img.state, 'available');
    assert.deepEqual(img.root_volume, { id: root.id, name: 'root', volume_type: 'l_ssd', size: 10_000_000_000 });
    assert.deepEqual(img.extra_volumes['1'], { id: extra.id, name: 'extra', volume_type: 'l_ssd', size: 10_000_000_000 });
    assert.equal(img.default_bootscript, null);
    assert.equal(img.from_server, '');
    assert.equal(img.public, false);

    const sdk = await api.createImage({ name: 'sdk-img', rootVolume: root.id, arch: 'x86_64', tags: ['gold'] });
    const waited = await api.waitForImage({ imageId: sdk.image.id }, WAIT);
    assert.equal(waited.state, 'available');
    const up = (await api.updateImage({ imageId: sdk.image.id, name: 'sdk-img-2', tags: [], public: true, arch: 'x86_64', extraVolumes: { 1: { id: extra.id } } })).image;
    assert.equal(up.name, 'sdk-img-2');
    assert.equal(up.public, true);
    assert.equal(up.extraVolumes['1'].id, extra.id);
    assert.equal((await api.getImage({ imageId: sdk.image.id })).image.name, 'sdk-img-2');
    const put = (await api._setImage({ ...up, id: up.id, name: 'put-img', public: false })).image;
    assert.equal(put.name, 'put-img');
    assert.equal(put.public, false);
    assert.equal(put.extraVolumes['1'].id, extra.id, 'extra volumes kept by PUT');
    await api.updateImage({ imageId: sdk.image.id, public: true });

    assert.equal((await api.listImages({ public: false })).totalCount, 1, 'own non-public images');
    assert.equal((await api.listImages({ name: 'raw-img' })).totalCount, 1);
    assert.equal((await api.listImages({ project: server.creds.projectId })).totalCount, 2);

    const inUse = await caught(() => api.deleteSnapshot({ snapshotId: root.id }));
    assert.ok(inUse instanceof Errors.PreconditionFailedError, String(inUse));
    await api.deleteImage({ imageId: img.id });
    await api.deleteImage({ imageId: sdk.image.id });
    const gone = await caught(() => api.getImage({ imageId: img.id }));
    assert.ok(gone instanceof Errors.ResourceNotFoundError, String(gone));
    assert.equal(gone.resource, 'instance_image');
    // The snapshots stay after their images are deleted.
    assert.equal((await api.getSnapshot({ snapshotId: root.id })).snapshot.id, root.id);
    await api.deleteSnapshot({ snapshotId: root.id });
    await api.deleteSnapshot({ snapshotId: extra.id });
    await api.deleteVolume({ volumeId: vol.id });
  });

  it('public images of the zone are listed, readable and read-only', async () => {
    const pub = await api.listImages({ public: true, perPage: 100 });
    assert.ok(pub.totalCount > 2, `public images: ${pub.totalCount}`);
    for (const i of pub.images) {
      assert.equal(i.organization, PUBLIC_ORG);
      assert.equal(i.public, true);
      assert.equal(i.zone, 'fr-par-1');
    }
    const jammy = pub.images.filter((i) => i.name === 'Ubuntu 22.04 Jammy Jellyfish');
    assert.ok(jammy.length >= 2, 'local and sbs variants');
    const local = jammy.find((i) => i.rootVolume.volumeType === 'l_ssd' && i.arch === 'x86_64');
    const sbs = jammy.find((i) => i.rootVolume.volumeType === 'sbs_snapshot');
    assert.ok(local && sbs);
    assert.equal(local.rootVolume.size, 10_000_000_000);
    assert.equal(sbs.rootVolume.size, 0);
    assert.equal(sbs.rootVolume.name, '');
    const one = (await api.getImage({ imageId: local.id })).image;
    assert.equal(one.name, local.name);
    const arm = await api.listImages({ public: true, arch: 'arm64', name: 'jammy' });
    assert.ok(arm.images.length >= 1 && arm.images.every((i) => i.arch === 'arm64'));
    const byOrg = await api.listImages({ organization: PUBLIC_ORG, perPage: 100 });
    assert.equal(byOrg.totalCount, pub.totalCount);
    const notOurs = await caught(() => api.deleteImage({ imageId: local.id }));
    assert.ok(notOurs instanceof Errors.PermissionsDeniedError, String(notOurs));
    const elsewhere = await caught(() => api.getImage({ imageId: local.id, zone: 'pl-waw-3' }));
    assert.ok(elsewhere instanceof Errors.ResourceNotFoundError, String(elsewhere));
  });

  it('refuses bad input and enforces the quota', async () => {
    const vol = await newVolume();
    const root = (await api.createSnapshot({ name: 'r', volumeId: vol.id })).snapshot;
    const noArch = await raw(server, 'POST', `${Z}/images`, { body: { name: 'x', root_volume: root.id } });
    assert.equal(noArch.status, 400, show(noArch));
    assert.equal(noArch.json.details[0].argument_name, 'arch');
    const noRoot = await raw(server, 'POST', `${Z}/images`, { body: { name: 'x', arch: 'x86_64' } });
    assert.equal(noRoot.status, 400, show(noRoot));
    const unknown = await caught(() => api.createImage({ name: 'x', rootVolume: crypto.randomUUID(), arch: 'x86_64' }));
    assert.ok(unknown instanceof Errors.ResourceNotFoundError, String(unknown));
    assert.equal(unknown.resource, 'instance_snapshot');
    const badExtra = await caught(() =>
      api.createImage({ name: 'x', rootVolume: root.id, arch: 'x86_64', extraVolumes: { 1: { id: crypto.randomUUID() } } }),
    );
    assert.ok(badExtra instanceof Errors.ResourceNotFoundError, String(badExtra));
    assert.equal((await api.listImages({ public: false })).totalCount, 0, 'nothing created');

    const small = await startServer({ args: ['--quota', 'instance_images=1'] });
    try {
      const a = new Instancev1.API(makeClient(small));
      const v = (await a.createVolume({ name: 'a', volumeType: 'l_ssd', size: 10_000_000_000 })).volume;
      const s = (await a.createSnapshot({ name: 's', volumeId: v.id })).snapshot;
      await a.createImage({ name: 'one', rootVolume: s.id, arch: 'x86_64' });
      const q = await caught(() => a.createImage({ name: 'two', rootVolume: s.id, arch: 'x86_64' }));
      assert.ok(q instanceof Errors.QuotasExceededError, String(q));
      assert.equal(q.list[0].resource, 'instance_images');
      assert.equal((await a.listImages({ public: false })).totalCount, 1);
    } finally {
      await small.stop();
    }
    await api.deleteSnapshot({ snapshotId: root.id });
    await api.deleteVolume({ volumeId: vol.id });
  });
});
