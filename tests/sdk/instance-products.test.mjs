// Instance v1 product catalogue end to end through the official JS SDK
// (@scaleway/sdk-instance 1.4.0): listServersTypes, getServerTypesAvailability, listVolumesTypes.
// Map-shaped answers paginated as map entries (page/per_page, default 50), X-Total-Count + Link.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Errors } from '@scaleway/sdk-client';
import { Instancev1 } from '@scaleway/sdk-instance';

import { caught, makeClient, raw, show, startServer } from './lib/harness.mjs';
import { assertInvalidArguments, assertWire } from './lib/shapes.mjs';

let server;
let api; // Instancev1.API

before(async () => {
  server = await startServer();
  api = new Instancev1.API(makeClient(server));
});

after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly: ${JSON.stringify(r)}`);
  }
});

const SERVER_TYPE_KEYS = [
  'alt_names', 'arch', 'block_bandwidth', 'capabilities', 'end_of_service', 'gpu', 'gpu_info',
  'hourly_price', 'mig_profile', 'monthly_price', 'ncpus', 'network', 'per_volume_constraint', 'ram',
  'scratch_storage_max_size', 'scratch_storage_max_volumes_count', 'volumes_constraint',
];

/** Every entry of a map-shaped Instance list, following pages until X-Total-Count is reached. */
async function allEntries(path, key) {
  const out = {};
  let total = Infinity;
  for (let page = 1; page <= 10 && Object.keys(out).length < total; page += 1) {
    const r = await raw(server, 'GET', `${path}?page=${page}`);
    assert.equal(r.status, 200, show(r));
    total = Number(r.headers.get('x-total-count'));
    Object.assign(out, r.json[key]);
  }
  assert.equal(Object.keys(out).length, total);
  return out;
}

describe('server types', () => {
  it('lists 50 types per page with X-Total-Count and Link headers', async () => {
    const r = await raw(server, 'GET', '/instance/v1/zones/fr-par-1/products/servers?page=1');
    assert.equal(r.status, 200, show(r));
    assertWire(r, 'products/servers');
    const total = Number(r.headers.get('x-total-count'));
    assert.ok(total > 100, `fr-par-1 sells many types (${total})`);
    assert.equal(Object.keys(r.json.servers).length, 50);
    assert.deepEqual(Object.keys(r.json), ['servers']);
    const link = r.headers.get('link');
    assert.match(link, /<\/products\/servers\?page=2&per_page=50>; rel="next"/);
    assert.match(link, /rel="last"/);
    for (const [name, t] of Object.entries(r.json.servers)) {
      assert.deepEqual(Object.keys(t).sort(), SERVER_TYPE_KEYS, name);
    }
    const names = Object.keys(r.json.servers);
    assert.deepEqual(names, [...names].sort(), 'entries in name order');

    const all = await allEntries('/instance/v1/zones/fr-par-1/products/servers', 'servers');
    const dev = all['DEV1-S'];
    assert.equal(dev.arch, 'x86_64');
    assert.equal(dev.ncpus, 2);
    assert.equal(dev.ram, 2 * 1024 ** 3);
    assert.deepEqual(dev.volumes_constraint, { min_size: 0, max_size: 20_000_000_000 });
    assert.deepEqual(dev.per_volume_constraint, { l_ssd: { min_size: 1_000_000_000, max_size: 800_000_000_000 } });
    assert.equal(dev.capabilities.hot_snapshots_local_volume, true);
    assert.deepEqual(dev.capabilities.boot_types, ['local', 'rescue']);
    assert.equal(dev.gpu_info, null);
    assert.ok(dev.hourly_price > 0 && dev.monthly_price > dev.hourly_price);
    const pro = all['PRO2-XXS'];
    assert.deepEqual(pro.volumes_constraint, { min_size: 0, max_size: 0 });
    assert.equal(pro.capabilities.block_storage, true);
    assert.equal(all['COPARM1-2C-8G'].arch, 'arm64');
    assert.equal(all['BASIC2-A2C-4G'].arch, 'arm64');
    assert.deepEqual(all['L4-1-24G'].gpu_info, { gpu_manufacturer: 'NVIDIA', gpu_name: 'L4', gpu_memory: 24 * 1024 ** 3 });
    assert.deepEqual(all['VC1S'].alt_names, ['X64-2GB']);
    assert.equal(all['START1-S'].end_of_service, true);
    for (const n of ['DEV1-XL', 'GP1-XS', 'PLAY2-PICO', 'POP2-HM-2C-16G', 'STARDUST1-S', 'ENT1-S', 'RENDER-S', 'POP2-2C-8G-WIN']) {
      assert.ok(all[n], `fr-par-1 sells ${n}`);
    }
  });

  it('goes through the SDK, pages and the commercial_type filter', async () => {
    const res = await api.listServersTypes({ zone: 'fr-par-2', perPage: 100 });
    assert.equal(Object.keys(res.servers).length, 100);
    assert.ok(res.totalCount > 100);
    const h100 = res.servers['H100-1-80G'];
    assert.ok(h100, 'fr-par-2 sells H100');
    assert.equal(h100.gpu, 1);
    assert.equal(h100.gpuInfo.gpuName, 'H100-PCIe');
    assert.ok(h100.scratchStorageMaxSize > 0);
    assert.equal(h100.network.interfaces.length, 1);
    const p2 = await api.listServersTypes({ zone: 'fr-par-2', perPage: 100, page: 2 });
    assert.equal(Object.keys(p2.servers).length, res.totalCount - 100);
    for (const k of Object.keys(p2.servers)) assert.ok(!(k in res.servers));
    const empty = await api.listServersTypes({ zone: 'fr-par-2', perPage: 100, page: 9 });
    assert.deepEqual(empty.servers, {});

    const one = await raw(server, 'GET', '/instance/v1/zones/fr-par-1/products/servers?commercial_type=GP1-XS');
    assert.equal(one.status, 200, show(one));
    assert.deepEqual(Object.keys(one.json.servers), ['GP1-XS']);
    assert.equal(one.headers.get('x-total-count'), '1');
  });

  it('sells fewer families in the smaller zones', async () => {
    const waw1 = await allEntries('/instance/v1/zones/pl-waw-1/products/servers', 'servers');
    const mil = await allEntries('/instance/v1/zones/it-mil-1/products/servers', 'servers');
    const par1 = await allEntries('/instance/v1/zones/fr-par-1/products/servers', 'servers');
    assert.ok(Object.keys(waw1).length < Object.keys(par1).length);
    assert.ok(!mil['DEV1-S'], 'no DEV1 in it-mil-1');
    assert.ok(mil['POP2-2C-8G']);
    assert.ok(!waw1['H100-1-80G']);
    // PAR3 is priced higher than PAR1.
    const par3 = await allEntries('/instance/v1/zones/fr-par-3/products/servers', 'servers');
    assert.ok(par3['GP1-XS'].hourly_price > par1['GP1-XS'].hourly_price);
  });

  it('refuses bad paging and unknown zones', async () => {
    assertInvalidArguments(await raw(server, 'GET', '/instance/v1/zones/fr-par-1/products/servers?per_page=101'), 'per_page');
    assertInvalidArguments(await raw(server, 'GET', '/instance/v1/zones/fr-par-1/products/servers?page=0'), 'page');
    const e = await caught(() => api.listServersTypes({ zone: 'fr-par-1', perPage: 0 }));
    assert.ok(e instanceof Errors.InvalidArgumentsError || e instanceof Error, String(e));
    const z = await raw(server, 'GET', '/instance/v1/zones/xx-xxx-1/products/servers');
    assert.ok(z.status >= 400 && z.status < 500, show(z));
  });
});

describe('availability', () => {
  it('maps every type of the zone to a stock level', async () => {
    const r = await raw(server, 'GET', '/instance/v1/zones/fr-par-1/products/servers/availability?page=1');
    assert.equal(r.status, 200, show(r));
    assertWire(r, 'availability');
    const types = await raw(server, 'GET', '/instance/v1/zones/fr-par-1/products/servers?page=1');
    assert.equal(r.headers.get('x-total-count'), types.headers.get('x-total-count'));
    assert.deepEqual(Object.keys(r.json.servers), Object.keys(types.json.servers));
    assert.match(r.headers.get('link'), /<\/products\/servers\/availability\?page=2&per_page=50>; rel="next"/);

    const res = await api.getServerTypesAvailability({ zone: 'fr-par-1', perPage: 100 });
    assert.equal(Object.keys(res.servers).length, 100);
    for (const [name, a] of Object.entries(res.servers)) {
      assert.ok(['available', 'scarce', 'shortage'].includes(a.availability), `${name}: ${a.availability}`);
    }
    assert.equal(res.servers['DEV1-S'].availability, 'available');
    const two = await api.getServerTypesAvailability({ zone: 'fr-par-1', perPage: 100, page: 2 });
    assert.equal(two.servers['STARDUST1-S'].availability, 'shortage');
  });
});

describe('volume types', () => {
  it('lists l_ssd and scratch', async () => {
    const r = await raw(server, 'GET', '/instance/v1/zones/fr-par-1/products/volumes');
    assert.equal(r.status, 200, show(r));
    assert.equal(r.headers.get('x-total-count'), '2');
    assert.deepEqual(r.json, {
      volumes: {
        l_ssd: { display_name: 'Local SSD', capabilities: { snapshot: true }, constraints: { min: 1e9, max: 8e11 } },
        scratch: { display_name: 'Scratch Storage', capabilities: { snapshot: false }, constraints: { min: 1e9, max: 6e13 } },
      },
    });
    const res = await api.listVolumesTypes({ zone: 'nl-ams-1' });
    assert.equal(res.totalCount, 2);
    assert.equal(res.volumes.l_ssd.displayName, 'Local SSD');
    assert.equal(res.volumes.scratch.constraints.max, 6e13);
    const p2 = await api.listVolumesTypes({ zone: 'nl-ams-1', perPage: 1, page: 2 });
    assert.deepEqual(Object.keys(p2.volumes), ['scratch']);
  });
});
