// Block Storage end to end through the official JS SDK (@scaleway/sdk-block 1.3.0), both
// versions (Blockv1alpha1 and Blockv1 serve the same records). Transient states are skipped by
// advancing the server's virtual clock, then the SDK waiters run (minDelay 1 s).

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Blockv1, Blockv1alpha1 } from '@scaleway/sdk-block';
import { Errors } from '@scaleway/sdk-client';
import { Instancev1 } from '@scaleway/sdk-instance';
import { Marketplacev2 } from '@scaleway/sdk-marketplace';

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

const GB = 1_000_000_000;
const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const WAIT = { minDelay: 1, maxDelay: 2, timeout: 30 };

const VOLUME_KEYS = [
  'created_at',
  'id',
  'last_detached_at',
  'name',
  'parent_snapshot_id',
  'project_id',
  'references',
  'size',
  'specs',
  'status',
  'tags',
  'type',
  'updated_at',
  'zone',
];
const SNAPSHOT_KEYS = [
  'class',
  'created_at',
  'id',
  'name',
  'parent_volume',
  'project_id',
  'references',
  'size',
  'status',
  'tags',
  'updated_at',
  'zone',
];

let server;
let v1; // Blockv1.API
let v1a; // Blockv1alpha1.API
let instance; // Instancev1.API
let marketplace; // Marketplacev2.API
let org;

before(async () => {
  server = await startServer({ args: ['--quota', 'block_snapshots=6'] });
  const client = makeClient(server);
  v1 = new Blockv1.API(client);
  v1a = new Blockv1alpha1.API(client);
  instance = new Instancev1.API(client);
  marketplace = new Marketplacev2.API(client);
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

async function rawVolume(version, id, zone = 'fr-par-1') {
  const r = await raw(server, 'GET', `/block/${version}/zones/${zone}/volumes/${id}`);
  assert.equal(r.status, 200, show(r));
  return r.json;
}

async function newVolume(api, extra = {}) {
  const vol = await api.createVolume({
    name: `vol-${tag()}`,
    fromEmpty: { size: 20 * GB },
    perfIops: 5000,
    ...extra,
  });
  await advance(6);
  return api.waitForVolume({ volumeId: vol.id, zone: vol.zone }, WAIT);
}

describe('volume types', () => {
  for (const [name, api] of [
    ['v1', () => v1],
    ['v1alpha1', () => v1a],
  ]) {
    it(`${name}: listVolumeTypes answers sbs_15k and sbs_5k with prices`, async () => {
      const res = await api().listVolumeTypes({});
      assert.equal(res.totalCount, 2);
      assert.deepEqual(
        res.volumeTypes.map((t) => t.type),
        ['sbs_15k', 'sbs_5k'],
      );
      for (const t of res.volumeTypes) {
        assert.equal(t.specs.class, 'sbs');
        assert.equal(t.pricing.currencyCode, 'EUR');
        assert.ok(t.pricing.nanos > 0 && t.snapshotPricing.nanos > 0);
      }
      assert.equal(res.volumeTypes.find((t) => t.type === 'sbs_15k').specs.perfIops, 15000);
      const all = await api().listVolumeTypes({ pageSize: 1 }).all();
      assert.equal(all.length, 2);
    });
  }
});

describe('volumes', () => {
  it('v1 createVolume answers a creating volume, the waiter ends on available', async () => {
    const name = `vol-${tag()}`;
    const vol = await v1.createVolume({ name, fromEmpty: { size: 20 * GB }, perfIops: 5000, tags: ['a'] });
    assert.match(vol.id, UUID_RE);
    assert.equal(vol.status, 'creating');
    assert.equal(vol.type, 'sbs_5k');
    assert.equal(vol.size, 20 * GB);
    assert.equal(vol.projectId, org);
    assert.equal(vol.zone, 'fr-par-1');
    assert.deepEqual(vol.specs, { class: 'sbs', perfIops: 5000 });
    assert.deepEqual(vol.references, []);
    assert.deepEqual(vol.tags, ['a']);
    const wire = await rawVolume('v1', vol.id);
    assert.deepEqual(keys(wire), [...VOLUME_KEYS, 'kms_key_id'].sort());
    assert.equal(wire.kms_key_id, null);
    assert.equal(wire.parent_snapshot_id, null);
    assert.equal(wire.last_detached_at, null);
    assert.match(wire.created_at, TS_RE);
    await advance(6);
    const done = await v1.waitForVolume({ volumeId: vol.id }, WAIT);
    assert.equal(done.status, 'available');
    // The same record through v1alpha1 (no kms_key_id there).
    const alpha = await v1a.getVolume({ volumeId: vol.id });
    assert.equal(alpha.status, 'available');
    assert.deepEqual(keys(await rawVolume('v1alpha1', vol.id)), VOLUME_KEYS);
    await v1a.deleteVolume({ volumeId: vol.id });
  });

  it('v1alpha1 createVolume with 15k IOPS in another zone, default name from the SDK', async () => {
    const vol = await v1a.createVolume({ zone: 'nl-ams-1', fromEmpty: { size: 10 * GB }, perfIops: 15000 });
    assert.match(vol.name, /^vol-/);
    assert.equal(vol.type, 'sbs_15k');
    assert.equal(vol.zone, 'nl-ams-1');
    await advance(6);
    const done = await v1a.waitForVolume({ volumeId: vol.id, zone: 'nl-ams-1' }, WAIT);
    assert.equal(done.status, 'available');
    const e = await caught(() => v1a.getVolume({ volumeId: vol.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    await v1.deleteVolume({ volumeId: vol.id, zone: 'nl-ams-1' });
  });

  it('createVolume refuses bad input and changes nothing', async () => {
    const before = (await v1.listVolumes({})).totalCount;
    let e = await caught(() => v1.createVolume({ name: 'x', fromEmpty: { size: 1 * GB } }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);
    e = await caught(() => v1.createVolume({ name: 'x', fromEmpty: { size: 10 * GB }, perfIops: 1234 }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);
    e = await caught(() => v1.createVolume({ name: 'x' }));
    assert.ok(e instanceof Errors.InvalidArgumentsError, `got ${e}`);
    const missing = crypto.randomUUID();
    e = await caught(() => v1.createVolume({ name: 'x', fromSnapshot: { snapshotId: missing } }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal(e.resource, 'snapshot');
    assert.equal(e.resourceId, missing);
    e = await caught(() => v1.createVolume({ name: 'x', fromEmpty: { size: 10 * GB }, projectId: crypto.randomUUID() }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `got ${e}`);
    assert.equal((await v1.listVolumes({})).totalCount, before);
  });

  it('updateVolume: name/tags at once; size and IOPS after updating, type switches', async () => {
    const vol = await newVolume(v1);
    const upd = await v1.updateVolume({
      volumeId: vol.id,
      name: 'renamed',
      tags: ['x', 'y'],
      size: 30 * GB,
      perfIops: 15000,
    });
    assert.equal(upd.status, 'updating');
    assert.equal(upd.name, 'renamed');
    assert.deepEqual(upd.tags, ['x', 'y']);
    assert.equal(upd.size, 20 * GB); // old values until the update completes
    assert.equal(upd.type, 'sbs_5k');
    const busy = await caught(() => v1.updateVolume({ volumeId: vol.id, size: 40 * GB }));
    assert.ok(busy instanceof Errors.TransientStateError, `got ${busy}`);
    assert.equal(busy.currentState, 'updating');
    await advance(7);
    const done = await v1.waitForVolume({ volumeId: vol.id }, WAIT);
    assert.equal(done.status, 'available');
    assert.equal(done.size, 30 * GB);
    assert.equal(done.type, 'sbs_15k');
    assert.equal(done.specs.perfIops, 15000);
    // Back to 5k through v1alpha1.
    await v1a.updateVolume({ volumeId: vol.id, perfIops: 5000 });
    await advance(7);
    assert.equal((await v1a.waitForVolume({ volumeId: vol.id }, WAIT)).type, 'sbs_5k');
    const shrink = await caught(() => v1.updateVolume({ volumeId: vol.id, size: 10 * GB }));
    assert.ok(shrink instanceof Errors.InvalidArgumentsError, `got ${shrink}`);
    const missing = await caught(() => v1.updateVolume({ volumeId: crypto.randomUUID(), name: 'z' }));
    assert.ok(missing instanceof Errors.ResourceNotFoundError, `got ${missing}`);
    await v1.deleteVolume({ volumeId: vol.id });
  });

  it('listVolumes filters by name, tags, project, organization, product resource; orders; pages', async () => {
    const t = tag();
    const a = await v1.createVolume({ name: `${t}-a`, fromEmpty: { size: 5 * GB }, tags: [`${t}-x`] });
    const b = await v1a.createVolume({ name: `${t}-b`, fromEmpty: { size: 5 * GB }, tags: [`${t}-y`] });
    const c = await v1.createVolume({ name: `${t}-c`, fromEmpty: { size: 5 * GB }, tags: [`${t}-x`, `${t}-y`] });
    let res = await v1.listVolumes({ name: t, orderBy: 'name_desc' });
    assert.deepEqual(
      res.volumes.map((v) => v.id),
      [c.id, b.id, a.id],
    );
    assert.equal(res.totalCount, 3);
    res = await v1a.listVolumes({ name: t, orderBy: 'created_at_asc' });
    assert.deepEqual(
      res.volumes.map((v) => v.id),
      [a.id, b.id, c.id],
    );
    res = await v1.listVolumes({ tags: [`${t}-y`] });
    assert.deepEqual(res.volumes.map((v) => v.id).sort(), [b.id, c.id].sort());
    res = await v1.listVolumes({ name: t, projectId: org, organizationId: org });
    assert.equal(res.totalCount, 3);
    res = await v1.listVolumes({ name: t, projectId: crypto.randomUUID() });
    assert.equal(res.totalCount, 0);
    res = await v1.listVolumes({ productResourceId: crypto.randomUUID() });
    assert.equal(res.totalCount, 0);
    const paged = await v1.listVolumes({ name: t, pageSize: 1, page: 2 });
    assert.equal(paged.volumes.length, 1);
    assert.equal(paged.totalCount, 3);
    const all = await v1.listVolumes({ name: t, pageSize: 2 }).all();
    assert.equal(all.length, 3);
    const e = await caught(() => v1.listVolumes({ organizationId: crypto.randomUUID() }));
    assert.ok(e instanceof Errors.PermissionsDeniedError, `got ${e}`);
    const bad = await raw(server, 'GET', '/block/v1/zones/fr-par-1/volumes?order_by=size_asc');
    assert.equal(bad.status, 400, show(bad));
    await advance(6);
    for (const v of [a, b, c]) await v1.deleteVolume({ volumeId: v.id });
  });

  it('deleteVolume: refused while creating, then 204 and 404 afterwards', async () => {
    const vol = await v1.createVolume({ name: `vol-${tag()}`, fromEmpty: { size: 5 * GB } });
    const busy = await caught(() => v1.deleteVolume({ volumeId: vol.id }));
    assert.ok(busy instanceof Errors.TransientStateError, `got ${busy}`);
    assert.equal(busy.resource, 'volume');
    await advance(6);
    await v1.deleteVolume({ volumeId: vol.id });
    let e = await caught(() => v1.getVolume({ volumeId: vol.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal(e.resource, 'volume');
    e = await caught(() => v1a.deleteVolume({ volumeId: vol.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    const badId = await raw(server, 'GET', '/block/v1/zones/fr-par-1/volumes/not-a-uuid');
    assert.equal(badId.status, 400, show(badId));
  });
});

describe('snapshots', () => {
  it('createSnapshot -> waitForSnapshot, list, update, volume from snapshot, delete (v1)', async () => {
    const vol = await newVolume(v1, { perfIops: 15000 });
    const snap = await v1.createSnapshot({ volumeId: vol.id, name: `snp-${tag()}`, tags: ['s'] });
    assert.equal(snap.status, 'creating');
    assert.equal(snap.size, 20 * GB);
    assert.equal(snap.class, 'sbs');
    assert.deepEqual(snap.parentVolume, { id: vol.id, name: vol.name, type: 'sbs_15k', status: 'available' });
    const wire = await raw(server, 'GET', `/block/v1/zones/fr-par-1/snapshots/${snap.id}`);
    assert.deepEqual(keys(wire.json), [...SNAPSHOT_KEYS, 'public'].sort());
    assert.equal(wire.json.public, false);
    const busy = await caught(() => v1.deleteSnapshot({ snapshotId: snap.id }));
    assert.ok(busy instanceof Errors.TransientStateError, `got ${busy}`);
    await advance(6);
    const done = await v1.waitForSnapshot({ snapshotId: snap.id }, WAIT);
    assert.equal(done.status, 'available');

    let list = await v1.listSnapshots({ volumeId: vol.id });
    assert.deepEqual(
      list.snapshots.map((s) => s.id),
      [snap.id],
    );
    list = await v1.listSnapshots({ name: snap.name, projectId: org, organizationId: org, tags: ['s'] });
    assert.equal(list.totalCount, 1);
    list = await v1.listSnapshots({ tags: ['nope'], orderBy: 'name_asc' });
    assert.equal(list.totalCount, 0);

    const upd = await v1.updateSnapshot({ snapshotId: snap.id, name: 'snap-renamed', tags: [] });
    assert.equal(upd.name, 'snap-renamed');
    assert.deepEqual(upd.tags, []);

    const copy = await v1.createVolume({ name: 'copy', fromSnapshot: { snapshotId: snap.id, size: 30 * GB } });
    assert.equal(copy.parentSnapshotId, snap.id);
    assert.equal(copy.size, 30 * GB);
    assert.equal(copy.type, 'sbs_15k');
    const small = await caught(() =>
      v1.createVolume({ name: 'small', fromSnapshot: { snapshotId: snap.id, size: 10 * GB } }),
    );
    assert.ok(small instanceof Errors.InvalidArgumentsError, `got ${small}`);
    await advance(6);
    assert.equal((await v1.waitForVolume({ volumeId: copy.id }, WAIT)).size, 30 * GB);

    // Deleting the source volume leaves the snapshot without parent.
    await v1.deleteVolume({ volumeId: vol.id });
    assert.equal((await v1.getSnapshot({ snapshotId: snap.id })).parentVolume, undefined);
    await v1.deleteSnapshot({ snapshotId: snap.id });
    const gone = await caught(() => v1.getSnapshot({ snapshotId: snap.id }));
    assert.ok(gone instanceof Errors.ResourceNotFoundError, `got ${gone}`);
    assert.equal(gone.resource, 'snapshot');
    const again = await caught(() => v1.deleteSnapshot({ snapshotId: snap.id }));
    assert.ok(again instanceof Errors.ResourceNotFoundError, `got ${again}`);
    await v1.deleteVolume({ volumeId: copy.id });
  });

  it('the same operations through v1alpha1', async () => {
    const vol = await newVolume(v1a);
    const snap = await v1a.createSnapshot({ volumeId: vol.id });
    assert.match(snap.name, /^snp-/);
    const wire = await raw(server, 'GET', `/block/v1alpha1/zones/fr-par-1/snapshots/${snap.id}`);
    assert.deepEqual(keys(wire.json), SNAPSHOT_KEYS);
    await advance(6);
    assert.equal((await v1a.waitForSnapshot({ snapshotId: snap.id }, WAIT)).status, 'available');
    assert.equal((await v1a.getSnapshot({ snapshotId: snap.id })).id, snap.id);
    const all = await v1a.listSnapshots({ volumeId: vol.id }).all();
    assert.equal(all.length, 1);
    assert.equal((await v1a.updateSnapshot({ snapshotId: snap.id, tags: ['t'] })).tags[0], 't');
    await v1a.deleteSnapshot({ snapshotId: snap.id });
    await v1a.deleteVolume({ volumeId: vol.id });
  });

  it('createSnapshot errors: unknown volume, volume in a transient state, snapshot quota', async () => {
    let e = await caught(() => v1.createSnapshot({ volumeId: crypto.randomUUID(), name: 's' }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal(e.resource, 'volume');
    const vol = await v1.createVolume({ name: `vol-${tag()}`, fromEmpty: { size: 5 * GB } });
    e = await caught(() => v1.createSnapshot({ volumeId: vol.id, name: 's' }));
    assert.ok(e instanceof Errors.TransientStateError, `got ${e}`);
    await advance(6);
    // The server runs with --quota block_snapshots=6.
    const have = (await v1.listSnapshots({})).totalCount;
    const made = [];
    for (let i = have; i < 6; i += 1) made.push(await v1.createSnapshot({ volumeId: vol.id, name: `q${i}` }));
    e = await caught(() => v1.createSnapshot({ volumeId: vol.id, name: 'over' }));
    assert.ok(e instanceof Errors.QuotasExceededError, `got ${e}`);
    assert.equal(e.list[0].quota, 6);
    await advance(6);
    for (const s of made) await v1.deleteSnapshot({ snapshotId: s.id });
    await v1.deleteVolume({ volumeId: vol.id });
  });

  it('import from / export to Object Storage: no bucket exists on this server', async () => {
    for (const api of [v1, v1a]) {
      const e = await caught(() =>
        api.importSnapshotFromObjectStorage({ bucket: 'my-bucket', key: 'disk.qcow2', name: 'imported' }),
      );
      assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
      assert.equal(e.resource, 'bucket');
      assert.equal(e.resourceId, 'my-bucket');
    }
    const s3 = await caught(() => v1a.importSnapshotFromS3({ bucket: 'b2', key: 'disk.qcow2', name: 'imported' }));
    assert.ok(s3 instanceof Errors.ResourceNotFoundError, `got ${s3}`);
    const vol = await newVolume(v1);
    const snap = await v1.createSnapshot({ volumeId: vol.id, name: 'exp' });
    let e = await caught(() => v1.exportSnapshotToObjectStorage({ snapshotId: snap.id, bucket: 'b', key: 'k' }));
    assert.ok(e instanceof Errors.TransientStateError, `got ${e}`);
    await advance(6);
    for (const api of [v1, v1a]) {
      e = await caught(() => api.exportSnapshotToObjectStorage({ snapshotId: snap.id, bucket: 'b', key: 'k' }));
      assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
      assert.equal(e.resource, 'bucket');
    }
    e = await caught(() =>
      v1.exportSnapshotToObjectStorage({ snapshotId: crypto.randomUUID(), bucket: 'b', key: 'k' }),
    );
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal(e.resource, 'snapshot');
    assert.equal((await v1.getSnapshot({ snapshotId: snap.id })).status, 'available');
    await v1.deleteSnapshot({ snapshotId: snap.id });
    await v1.deleteVolume({ volumeId: vol.id });
  });
});

describe('volumes used by Instance servers', () => {
  it('an SBS root volume is in_use with a reference, cannot be deleted, and is released with its server', async () => {
    const images = await marketplace.listLocalImages({
      imageLabel: 'ubuntu_jammy',
      zone: 'fr-par-1',
      type: 'instance_sbs',
      arch: 'x86_64',
    });
    assert.ok(images.localImages.length > 0, 'no ubuntu_jammy instance_sbs image in fr-par-1');
    const { server: srv } = await instance.createServer({
      name: `srv-${tag()}`,
      commercialType: 'PRO2-XXS',
      image: images.localImages[0].id,
    });
    const volumeId = srv.volumes['0'].id;
    assert.equal(srv.volumes['0'].volumeType, 'sbs_volume');
    await advance(10);
    const vol = await v1.waitForVolume({ volumeId }, WAIT);
    assert.equal(vol.status, 'in_use');
    assert.equal(vol.size, 10 * GB);
    assert.ok(vol.parentSnapshotId, 'a root volume comes from the image snapshot');
    assert.equal(vol.references.length, 1);
    const ref = vol.references[0];
    assert.equal(ref.productResourceType, 'instance_server');
    assert.equal(ref.productResourceId, srv.id);
    assert.equal(ref.type, 'exclusive');
    assert.equal(ref.status, 'attached');
    assert.match(ref.id, UUID_RE);

    const listed = await v1a.listVolumes({ productResourceId: srv.id });
    assert.deepEqual(
      listed.volumes.map((v) => v.id),
      [volumeId],
    );
    const e = await caught(() => v1.deleteVolume({ volumeId }));
    assert.ok(e instanceof Errors.PreconditionFailedError, `got ${e}`);
    assert.equal(e.precondition, 'resource_still_in_use');
    // A snapshot of a volume in use is allowed.
    const snap = await v1.createSnapshot({ volumeId, name: 'root-backup' });
    assert.equal(snap.parentVolume.status, 'in_use');

    await instance.deleteServer({ serverId: srv.id });
    const freed = await v1.getVolume({ volumeId });
    assert.equal(freed.status, 'available');
    assert.deepEqual(freed.references, []);
    assert.ok(freed.lastDetachedAt instanceof Date);
    await advance(6);
    await v1.deleteSnapshot({ snapshotId: snap.id });
    await v1.deleteVolume({ volumeId });
  });
});
