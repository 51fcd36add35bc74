// Marketplace v2 end to end through the official JS SDK (@scaleway/sdk-marketplace 1.2.0): the
// 8 operations (categories, images, versions, local images), pagination, filters, ordering and
// the not-found answers. The catalogue is static; ids are stable across restarts.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Errors } from '@scaleway/sdk-client';
import { Marketplacev2 } from '@scaleway/sdk-marketplace';

import { UUID_RE, caught, makeClient, raw, show, startServer } from './lib/harness.mjs';
import { assertInvalidArguments, assertNotFound, assertWire } from './lib/shapes.mjs';

let server;
let api; // Marketplacev2.API

before(async () => {
  server = await startServer();
  api = new Marketplacev2.API(makeClient(server));
});

after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly: ${JSON.stringify(r)}`);
  }
});

const IMAGE_KEYS = ['categories', 'created_at', 'description', 'id', 'label', 'logo', 'name', 'updated_at', 'valid_until'];
const LOCAL_KEYS = ['arch', 'compatible_commercial_types', 'id', 'label', 'type', 'zone'];
const VERSION_KEYS = ['created_at', 'id', 'name', 'published_at', 'updated_at'];

const keys = (o) => Object.keys(o).sort();

describe('categories', () => {
  it('lists with paging and gets one', async () => {
    const page = await api.listCategories({ pageSize: 2 });
    assert.equal(page.totalCount, 4);
    assert.equal(page.categories.length, 2);
    const all = await api.listCategories().all();
    assert.deepEqual(
      all.map((c) => c.name).sort(),
      ['Machine Learning', 'distribution', 'instantapp', 'kapsule'],
    );
    for (const c of all) {
      assert.match(c.id, UUID_RE);
      assert.equal(typeof c.description, 'string');
      const got = await api.getCategory({ categoryId: c.id });
      assert.deepEqual(got, c);
    }
  });

  it('answers 404 for an unknown category and 400 for a malformed id', async () => {
    const id = crypto.randomUUID();
    const e = await caught(() => api.getCategory({ categoryId: id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, String(e));
    assertNotFound(await raw(server, 'GET', `/marketplace/v2/categories/${id}`), 'MarketplaceCategory', id);
    assertInvalidArguments(await raw(server, 'GET', '/marketplace/v2/categories/nope'), 'category_id');
  });
});

describe('images', () => {
  it('lists the public catalogue by name, 20 per page by default', async () => {
    const r = await raw(server, 'GET', '/marketplace/v2/images?include_eol=false&order_by=name_asc&page=1', { token: null });
    assert.equal(r.status, 200, show(r));
    assertWire(r, 'list images');
    assert.equal(r.json.total_count, 27);
    assert.equal(r.json.images.length, 20);
    for (const i of r.json.images) assert.deepEqual(keys(i), IMAGE_KEYS);
    const names = r.json.images.map((i) => i.name);
    assert.deepEqual(names, [...names].sort());

    const all = await api.listImages({ includeEol: false }).all();
    assert.equal(all.length, 27);
    const labels = all.map((i) => i.label);
    for (const l of ['ubuntu_focal', 'ubuntu_jammy', 'ubuntu_noble', 'debian_bookworm', 'rockylinux_9', 'almalinux_9', 'docker', 'windows_server_2022']) {
      assert.ok(labels.includes(l), `missing ${l}`);
    }
    assert.ok(!labels.includes('ubuntu_bionic'), 'end-of-life images are hidden by default');
    const jammy = all.find((i) => i.label === 'ubuntu_jammy');
    assert.equal(jammy.name, 'Ubuntu 22.04 Jammy Jellyfish');
    assert.deepEqual(jammy.categories, ['distribution']);
    assert.ok(jammy.createdAt instanceof Date);
    assert.equal(jammy.validUntil, undefined);
  });

  it('filters by end-of-life, category and architecture, and orders', async () => {
    const withEol = await api.listImages({ includeEol: true }).all();
    assert.equal(withEol.length, 28);
    const bionic = withEol.find((i) => i.label === 'ubuntu_bionic');
    assert.ok(bionic.validUntil instanceof Date);

    const apps = await api.listImages({ includeEol: false, category: 'instantapp' }).all();
    assert.deepEqual(apps.map((i) => i.label).sort(), ['docker', 'gitlab', 'nextcloud', 'openvpn', 'wordpress']);
    const ml = await api.listImages({ includeEol: false, category: 'Machine Learning' });
    assert.equal(ml.totalCount, 2);

    const arm = await api.listImages({ includeEol: false, arch: 'arm64' }).all();
    assert.ok(arm.some((i) => i.label === 'ubuntu_noble'));
    assert.ok(!arm.some((i) => i.label.startsWith('windows')));

    const desc = await api.listImages({ includeEol: false, orderBy: 'name_desc', pageSize: 3 });
    assert.equal(desc.images[0].label, 'wordpress');
    const created = await api.listImages({ includeEol: false, orderBy: 'created_at_asc', pageSize: 1 });
    assert.equal(created.images[0].label, 'docker');
    const updated = await api.listImages({ includeEol: false, orderBy: 'updated_at_desc', pageSize: 1 });
    assert.equal(updated.images[0].label, 'fedora_43');

    const page2 = await api.listImages({ includeEol: false, page: 2, pageSize: 10 });
    assert.equal(page2.images.length, 10);
    assert.equal(page2.totalCount, 27);
    const beyond = await api.listImages({ includeEol: false, page: 9, pageSize: 10 });
    assert.deepEqual(beyond.images, []);
  });

  it('gets an image; unknown and malformed ids fail', async () => {
    const [first] = (await api.listImages({ includeEol: false, pageSize: 1 })).images;
    const got = await api.getImage({ imageId: first.id });
    assert.deepEqual(got, first);
    const id = crypto.randomUUID();
    const e = await caught(() => api.getImage({ imageId: id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, String(e));
    assertNotFound(await raw(server, 'GET', `/marketplace/v2/images/${id}`), 'MarketplaceImage', id);
    assertInvalidArguments(await raw(server, 'GET', '/marketplace/v2/images/ubuntu'), 'image_id');
    assertInvalidArguments(await raw(server, 'GET', '/marketplace/v2/images?order_by=size_asc'), 'order_by');
    assertInvalidArguments(await raw(server, 'GET', '/marketplace/v2/images?page_size=101'), 'page_size');
  });
});

describe('versions', () => {
  it('lists an image\'s versions and gets one', async () => {
    const images = await api.listImages({ includeEol: false }).all();
    const noble = images.find((i) => i.label === 'ubuntu_noble');
    const list = await api.listVersions({ imageId: noble.id });
    assert.equal(list.totalCount, 2);
    const [older, newer] = list.versions;
    assert.ok(older.createdAt < newer.createdAt);
    const desc = await api.listVersions({ imageId: noble.id, orderBy: 'created_at_desc' });
    assert.equal(desc.versions[0].id, newer.id);
    const paged = await api.listVersions({ imageId: noble.id, pageSize: 1, page: 2 });
    assert.equal(paged.versions.length, 1);
    assert.equal(paged.versions[0].id, newer.id);
    const all = await api.listVersions({ imageId: noble.id }).all();
    assert.equal(all.length, 2);

    const r = await raw(server, 'GET', `/marketplace/v2/versions/${newer.id}`);
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(keys(r.json), VERSION_KEYS);
    const got = await api.getVersion({ versionId: newer.id });
    assert.deepEqual(got, newer);
    assert.ok(got.publishedAt instanceof Date);
  });

  it('needs an existing image id; unknown versions are 404', async () => {
    assertInvalidArguments(await raw(server, 'GET', '/marketplace/v2/versions'), 'image_id');
    const img = crypto.randomUUID();
    const e = await caught(() => api.listVersions({ imageId: img }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, String(e));
    const id = crypto.randomUUID();
    const e2 = await caught(() => api.getVersion({ versionId: id }));
    assert.ok(e2 instanceof Errors.ResourceNotFoundError, String(e2));
    assertNotFound(await raw(server, 'GET', `/marketplace/v2/versions/${id}`), 'MarketplaceVersion', id);
  });
});

describe('local images', () => {
  it('resolves a label the way the Go SDK and Terraform do', async () => {
    const r = await raw(
      server,
      'GET',
      '/marketplace/v2/local-images?image_label=ubuntu_jammy&order_by=type_asc&type=instance_sbs&zone=fr-par-1',
    );
    assert.equal(r.status, 200, show(r));
    assertWire(r, 'local images');
    assert.equal(r.json.total_count, 2);
    for (const l of r.json.local_images) {
      assert.deepEqual(keys(l), LOCAL_KEYS);
      assert.equal(l.type, 'instance_sbs');
      assert.equal(l.zone, 'fr-par-1');
      assert.equal(l.label, 'ubuntu_jammy');
    }
    const x86 = r.json.local_images.find((l) => l.arch === 'x86_64');
    const arm = r.json.local_images.find((l) => l.arch === 'arm64');
    assert.ok(x86.compatible_commercial_types.includes('DEV1-S'));
    assert.ok(x86.compatible_commercial_types.includes('PRO2-XXS'));
    assert.ok(x86.compatible_commercial_types.includes('POP2-2C-8G'));
    assert.ok(arm.compatible_commercial_types.includes('COPARM1-2C-8G'));
    assert.ok(!arm.compatible_commercial_types.includes('DEV1-S'));

    const any = await api.listLocalImages({ imageLabel: 'ubuntu_jammy', zone: 'fr-par-1', orderBy: 'type_asc', type: 'unknown_type' });
    assert.equal(any.totalCount, 3);
    assert.deepEqual(any.localImages.map((l) => l.type), ['instance_local', 'instance_sbs', 'instance_sbs']);
    const local = any.localImages[0];
    assert.ok(local.compatibleCommercialTypes.includes('DEV1-S'));
    assert.ok(!local.compatibleCommercialTypes.includes('PRO2-XXS'), 'PRO2 has no local storage');
    const desc = await api.listLocalImages({ imageLabel: 'ubuntu_jammy', zone: 'fr-par-1', orderBy: 'type_desc' });
    assert.equal(desc.localImages[2].type, 'instance_local');

    // The id is also the Instance image id, and the same across every call.
    const got = await api.getLocalImage({ localImageId: x86.id });
    assert.equal(got.id, x86.id);
    assert.equal(got.label, 'ubuntu_jammy');
    assert.deepEqual(got.compatibleCommercialTypes, x86.compatible_commercial_types);
  });

  it('filters by image id, version id, zone, arch and type; pages across zones', async () => {
    const images = await api.listImages({ includeEol: false }).all();
    const bookworm = images.find((i) => i.label === 'debian_bookworm');
    const byImage = await api.listLocalImages({ imageId: bookworm.id, zone: 'nl-ams-1', arch: 'x86_64' });
    assert.equal(byImage.totalCount, 2);
    const versions = await api.listVersions({ imageId: bookworm.id });
    const [older, newer] = versions.versions;
    const byNewer = await api.listLocalImages({ versionId: newer.id, zone: 'nl-ams-1', arch: 'x86_64' });
    assert.deepEqual(byNewer.localImages.map((l) => l.id).sort(), byImage.localImages.map((l) => l.id).sort());
    const byOlder = await api.listLocalImages({ versionId: older.id, zone: 'nl-ams-1', arch: 'x86_64' });
    assert.equal(byOlder.totalCount, 2);
    assert.ok(!byOlder.localImages.some((l) => byImage.localImages.some((n) => n.id === l.id)));

    // Windows: x86 only, its own licensed types.
    const win = await api.listLocalImages({ imageLabel: 'windows_server_2022', zone: 'fr-par-1' });
    assert.equal(win.totalCount, 1);
    assert.equal(win.localImages[0].arch, 'x86_64');
    assert.ok(win.localImages[0].compatibleCommercialTypes.every((t) => t.endsWith('-WIN')));
    // GPU OS: GPU types only.
    const gpu = await api.listLocalImages({ imageLabel: 'ubuntu_jammy_gpu_os_12', zone: 'fr-par-2' });
    assert.ok(gpu.localImages[0].compatibleCommercialTypes.includes('H100-1-80G'));
    assert.ok(!gpu.localImages[0].compatibleCommercialTypes.includes('DEV1-S'));

    // Every zone has the core images.
    for (const zone of ['fr-par-1', 'fr-par-2', 'fr-par-3', 'nl-ams-1', 'nl-ams-2', 'nl-ams-3', 'pl-waw-1', 'pl-waw-2', 'pl-waw-3', 'it-mil-1']) {
      for (const label of ['ubuntu_jammy', 'ubuntu_noble', 'debian_bookworm']) {
        const l = await api.listLocalImages({ imageLabel: label, zone, type: 'instance_sbs', arch: 'x86_64' });
        assert.equal(l.totalCount, 1, `${label} in ${zone}`);
      }
    }

    // Without a zone: every zone, paginated.
    const first = await api.listLocalImages({ imageLabel: 'ubuntu_noble', pageSize: 7 });
    assert.equal(first.localImages.length, 7);
    const every = await api.listLocalImages({ imageLabel: 'ubuntu_noble', pageSize: 7 }).all();
    assert.equal(every.length, first.totalCount);
    assert.equal(new Set(every.map((l) => l.id)).size, every.length);
    const older1 = await api.listLocalImages({ imageLabel: 'ubuntu_noble', orderBy: 'created_at_asc', pageSize: 100 });
    assert.equal(older1.totalCount, first.totalCount);
    const unknownZone = await api.listLocalImages({ imageLabel: 'ubuntu_noble', zone: 'fr-par-9' });
    assert.equal(unknownZone.totalCount, 0);
  });

  it('answers the recorded 404 for an unknown label, and 404/400 for bad ids', async () => {
    const r = await raw(server, 'GET', '/marketplace/v2/local-images?image_label=macos&order_by=type_asc&type=instance_sbs&zone=fr-par-1');
    assertNotFound(r, 'MarketplaceImage', 'macos');
    const e = await caught(() => api.listLocalImages({ imageLabel: 'foo-bar-image', zone: 'fr-par-1' }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, String(e));
    const id = crypto.randomUUID();
    const e2 = await caught(() => api.getLocalImage({ localImageId: id }));
    assert.ok(e2 instanceof Errors.ResourceNotFoundError, String(e2));
    assertNotFound(await raw(server, 'GET', `/marketplace/v2/local-images/${id}`), 'MarketplaceLocalImage', id);
    const e3 = await caught(() => api.listLocalImages({ imageId: id }));
    assert.ok(e3 instanceof Errors.ResourceNotFoundError, String(e3));
    const e4 = await caught(() => api.listLocalImages({ versionId: id }));
    assert.ok(e4 instanceof Errors.ResourceNotFoundError, String(e4));
    assertInvalidArguments(await raw(server, 'GET', '/marketplace/v2/local-images?image_id=abc'), 'image_id');
    assertInvalidArguments(await raw(server, 'GET', '/marketplace/v2/local-images?type=instance_xl'), 'type');
    assertInvalidArguments(
      await raw(server, 'GET', `/marketplace/v2/local-images?image_label=ubuntu_jammy&version_id=${id}`),
      null,
    );
  });

  it('keeps every id across a restart', async () => {
    const before1 = await api.listLocalImages({ imageLabel: 'ubuntu_jammy', zone: 'fr-par-1' });
    const other = await startServer();
    try {
      const api2 = new Marketplacev2.API(makeClient(other));
      const again = await api2.listLocalImages({ imageLabel: 'ubuntu_jammy', zone: 'fr-par-1' });
      assert.deepEqual(again.localImages, before1.localImages);
      const cats = await api2.listCategories();
      assert.deepEqual(cats, await api.listCategories());
    } finally {
      await other.stop();
    }
  });
});
