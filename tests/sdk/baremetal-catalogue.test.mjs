// Elastic Metal v1 catalogue end to end through the official JS SDK (@scaleway/sdk-baremetal
// 1.3.0): offers, options, operating systems and partitioning schemas (the 8 read-only
// operations), with their filters, paging and error answers. The catalogue is static; ids are
// stable across restarts. The server operations are tested in baremetal-servers.test.mjs.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Baremetalv1 } from '@scaleway/sdk-baremetal';

import { UUID_RE, caught, makeClient, raw, show, startServer } from './lib/harness.mjs';
import { assertInvalidArguments, assertWire } from './lib/shapes.mjs';

let server;
let api; // Baremetalv1.API, wrapped to record which operations the tests called
const called = new Set();
const OPERATIONS = [
  'listOffers',
  'getOffer',
  'listOptions',
  'getOption',
  'listOS',
  'getOS',
  'getDefaultPartitioningSchema',
  'validatePartitioningSchema',
];

before(async () => {
  server = await startServer();
  const real = new Baremetalv1.API(makeClient(server));
  api = new Proxy(real, {
    get(target, prop) {
      const v = target[prop];
      if (typeof v === 'function' && OPERATIONS.includes(prop)) called.add(prop);
      return v;
    },
  });
});

after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly: ${JSON.stringify(r)}`);
  }
});

const OFFER_KEYS = [
  'bandwidth', 'commercial_range', 'cpus', 'disks', 'enable', 'fee', 'gpus', 'id',
  'incompatible_os_ids', 'max_bandwidth', 'memories', 'monthly_offer_id', 'name', 'operation_path',
  'options', 'persistent_memories', 'price_per_hour', 'price_per_month', 'private_bandwidth',
  'quota_name', 'raid_controllers', 'shared_bandwidth', 'stock', 'subscription_period', 'tags', 'zone',
];
const OS_KEYS = [
  'allowed', 'cloud_init_supported', 'custom_partitioning_supported', 'enabled', 'id',
  'license_required', 'logo_url', 'name', 'password', 'service_password', 'service_user', 'ssh',
  'user', 'version', 'zone',
];

const keys = (o) => Object.keys(o).sort();
const notFound = (r, what) => {
  assert.equal(r.status, 404, `${what}: ${show(r)}`);
  assertWire(r, what);
};

describe('offers', () => {
  it('lists the hourly offers of a zone by price, the monthly ones on request, with paging', async () => {
    // Without a period the real API lists the hourly offers only (recorded).
    const all = await api.listOffers({ zone: 'fr-par-2' }).all();
    assert.ok(all.length > 20, `only ${all.length} offers`);
    const monthly = await api.listOffers({ zone: 'fr-par-2', subscriptionPeriod: 'monthly' }).all();
    assert.ok(monthly.length > 0);
    const price = (m) => Number(m.units) + m.nanos / 1e9;
    for (let i = 1; i < all.length; i++) {
      assert.ok(price(all[i - 1].pricePerHour) <= price(all[i].pricePerHour), 'hourly offers by price');
    }
    for (const o of [...all, ...monthly]) {
      assert.match(o.id, UUID_RE);
      assert.match(o.name, /^EM-/);
      assert.equal(o.zone, 'fr-par-2');
      assert.ok(['empty', 'low', 'available'].includes(o.stock));
      assert.ok(o.cpus.length > 0 && o.cpus[0].coreCount > 0);
      assert.ok(o.memories[0].capacity > 0);
      assert.ok(o.disks.length >= 2);
      assert.ok(o.maxBandwidth >= o.bandwidth);
      const pn = o.options.find((x) => x.name === 'Private Network');
      assert.equal(pn.privateNetwork.bandwidthInBps, o.privateBandwidth);
      if (o.subscriptionPeriod === 'hourly') {
        assert.equal(o.pricePerMonth, undefined);
        assert.equal(o.pricePerHour.currencyCode, 'EUR');
      } else {
        assert.equal(o.subscriptionPeriod, 'monthly');
        assert.equal(o.pricePerHour, undefined);
        assert.deepEqual(o.fee, o.pricePerMonth, 'a monthly offer invoices its first month');
      }
    }
    assert.ok(all.every((o) => o.subscriptionPeriod === 'hourly'));
    // A monthly counterpart of an hourly offer is the same machine.
    const h = all.find((o) => o.monthlyOfferId);
    const m = monthly.find((o) => o.id === h.monthlyOfferId);
    assert.equal(m.name, h.name);
    assert.deepEqual(m.cpus, h.cpus);

    const first = await api.listOffers({ zone: 'fr-par-2' });
    assert.equal(first.offers.length, all.length, 'a whole zone on the first page by default');
    const page = await api.listOffers({ zone: 'fr-par-2', pageSize: 5, page: 2 });
    assert.equal(page.totalCount, all.length);
    assert.deepEqual(page.offers, all.slice(5, 10));
    const r = await raw(server, 'GET', '/baremetal/v1/zones/fr-par-2/offers?page=1&subscription_period=unknown_subscription_period');
    assert.equal(r.status, 200);
    assert.equal(r.json.total_count, all.length);
    assert.deepEqual(keys(r.json.offers[0]), OFFER_KEYS);
  });

  it('filters by subscription period and name', async () => {
    const hourly = await api.listOffers({ zone: 'fr-par-2', subscriptionPeriod: 'hourly' }).all();
    assert.ok(hourly.length > 0 && hourly.every((o) => o.subscriptionPeriod === 'hourly'));
    const monthly = await api.listOffers({ zone: 'fr-par-2', subscriptionPeriod: 'monthly' }).all();
    assert.ok(monthly.length > 0 && monthly.every((o) => o.subscriptionPeriod === 'monthly'));
    const named = await api.listOffers({ name: 'EM-I210E-NVME' });
    assert.equal(named.totalCount, 1);
    assert.ok(named.offers.every((o) => o.name === 'EM-I210E-NVME' && o.zone === 'fr-par-1'));
    const part = await api.listOffers({ name: 'l40s', subscriptionPeriod: 'monthly', zone: 'fr-par-2' });
    assert.deepEqual(part.offers.map((o) => o.name), ['EM-T220E-L40S']);
    assert.equal(part.offers[0].gpus.length, 2);
    // Offers are sold per zone: the GPU servers are in fr-par-2 only.
    assert.equal((await api.listOffers({ name: 'L40S' })).totalCount, 0);
    assertInvalidArguments(
      await raw(server, 'GET', '/baremetal/v1/zones/fr-par-1/offers?subscription_period=weekly'),
      'subscription_period',
    );
    assertInvalidArguments(await raw(server, 'GET', '/baremetal/v1/zones/fr-par-1/offers?page_size=101'), 'page_size');
  });

  it('gets one offer, 404 for unknown ids and other zones, 400 for malformed ones', async () => {
    const [first] = (await api.listOffers({ name: 'EM-B220E-NVME', subscriptionPeriod: 'hourly' })).offers;
    const got = await api.getOffer({ offerId: first.id });
    assert.deepEqual(got, first);
    const again = await api.getOffer({ zone: 'fr-par-2', offerId: first.id });
    assert.equal(again.zone, 'fr-par-2');
    assert.equal(again.id, first.id, 'an offer keeps its id in every zone');

    const id = crypto.randomUUID();
    const e = await caught(() => api.getOffer({ offerId: id }));
    assert.equal(e?.status, 404, String(e));
    const r = await raw(server, 'GET', `/baremetal/v1/zones/fr-par-1/offers/${id}`);
    notFound(r, 'unknown offer');
    assert.deepEqual(r.json, { message: 'Not Found' });
    const [gpu] = (await api.listOffers({ zone: 'fr-par-2', name: 'EM-T620E-H100' })).offers;
    notFound(await raw(server, 'GET', `/baremetal/v1/zones/fr-par-1/offers/${gpu.id}`), 'offer of another zone');
    assertInvalidArguments(await raw(server, 'GET', '/baremetal/v1/zones/fr-par-1/offers/nope'), 'offer_id');
    const unauth = await raw(server, 'GET', '/baremetal/v1/zones/fr-par-1/offers', { token: null });
    assert.equal(unauth.status, 401, show(unauth));
  });
});

describe('options', () => {
  it('lists the option catalogue, by offer and by name', async () => {
    const all = await api.listOptions().all();
    const names = all.map((o) => o.name);
    for (const n of ['Private Network', 'Remote Access', 'Public Bandwidth 10Gbps', 'HDS', 'Windows 2022 standard']) {
      assert.ok(names.includes(n), `missing ${n}`);
    }
    const win = all.find((o) => o.name === 'Windows 2022 standard');
    assert.equal(win.manageable, false);
    assert.match(win.license.osId, UUID_RE);
    const bw = all.find((o) => o.name === 'Public Bandwidth 10Gbps');
    assert.equal(bw.publicBandwidth.bandwidthInBps, 10_000_000_000);
    assert.ok(all.find((o) => o.name === 'Remote Access').remoteAccess);

    const page = await api.listOptions({ pageSize: 3, page: 2 });
    assert.equal(page.totalCount, all.length);
    assert.deepEqual(page.options, all.slice(3, 6));

    const [small] = (await api.listOffers({ name: 'EM-A116X-SSD' })).offers;
    const forOffer = await api.listOptions({ offerId: small.id }).all();
    assert.deepEqual(forOffer.map((o) => o.id).sort(), small.options.map((o) => o.id).sort());
    assert.ok(!forOffer.some((o) => o.license), 'no Windows licence on that offer');
    const pn = await api.listOptions({ name: 'private network' });
    assert.deepEqual(pn.options.map((o) => o.name), ['Private Network']);

    const e = await caught(() => api.listOptions({ offerId: crypto.randomUUID() }));
    assert.equal(e?.status, 404, String(e));
    assertInvalidArguments(await raw(server, 'GET', '/baremetal/v1/zones/fr-par-1/options?offer_id=x'), 'offer_id');
  });

  it('gets one option and answers 404 for an unknown one', async () => {
    const [ra] = (await api.listOptions({ name: 'Remote Access' })).options;
    assert.deepEqual(await api.getOption({ optionId: ra.id }), ra);
    const r = await raw(server, 'GET', `/baremetal/v1/zones/fr-par-1/options/${ra.id}`);
    assert.deepEqual(r.json, { id: ra.id, manageable: true, name: 'Remote Access', remote_access: {} });
    const e = await caught(() => api.getOption({ optionId: crypto.randomUUID() }));
    assert.equal(e?.status, 404, String(e));
  });
});

describe('operating systems', () => {
  it('lists the OS catalogue with what each install requires', async () => {
    const all = await api.listOS({ zone: 'fr-par-2' }).all();
    assert.ok(all.length >= 20);
    const jammy = all.find((o) => o.name === 'Ubuntu' && o.version.startsWith('22.04'));
    assert.equal(jammy.ssh.required, true);
    assert.equal(jammy.user.defaultValue, 'ubuntu');
    assert.equal(jammy.customPartitioningSupported, true);
    assert.equal(jammy.cloudInitSupported, true);
    assert.equal(jammy.zone, 'fr-par-2');
    const win = all.find((o) => o.name === 'Windows');
    assert.equal(win.licenseRequired, true);
    assert.equal(win.password.required, true);
    assert.equal(win.ssh.required, false);
    const pve = all.find((o) => o.name === 'Proxmox VE');
    assert.equal(pve.servicePassword.required, true);
    assert.equal(pve.serviceUser.defaultValue, 'root');
    const r = await raw(server, 'GET', '/baremetal/v1/zones/fr-par-2/os?page=1');
    assert.ok(r.json.os.every((o) => OS_KEYS.every((k) => k in o)), 'OS keys');

    const page = await api.listOS({ zone: 'fr-par-2', pageSize: 4, page: 3 });
    assert.equal(page.totalCount, all.length);
    assert.deepEqual(page.os, all.slice(8, 12));
  });

  it('lists the OSes an offer can install, and gets one', async () => {
    const all = await api.listOS().all();
    const [newest] = (await api.listOffers({ name: 'EM-I120E-NVME', subscriptionPeriod: 'hourly' })).offers;
    const fit = await api.listOS({ offerId: newest.id }).all();
    assert.equal(fit.length, all.length - newest.incompatibleOsIds.length);
    assert.ok(fit.every((o) => !newest.incompatibleOsIds.includes(o.id)));
    assert.ok(!fit.some((o) => o.name === 'CentOS'), 'CentOS 7 is too old for the newest hardware');

    const got = await api.getOS({ osId: fit[1].id });
    assert.deepEqual(got, all.find((o) => o.id === fit[1].id));
    const e = await caught(() => api.getOS({ osId: crypto.randomUUID() }));
    assert.equal(e?.status, 404, String(e));
    assertInvalidArguments(await raw(server, 'GET', '/baremetal/v1/zones/fr-par-1/os/abc'), 'os_id');
  });
});

describe('partitioning schemas', () => {
  const find = async () => {
    const [offer] = (await api.listOffers({ name: 'EM-I210E-NVME', subscriptionPeriod: 'hourly' })).offers;
    const oses = await api.listOS().all();
    const jammy = oses.find((o) => o.name === 'Ubuntu' && o.version.startsWith('22.04'));
    const win = oses.find((o) => o.name === 'Windows');
    return { offer, jammy, win };
  };

  it('gives the default schema and validates it and a variant', async () => {
    const { offer, jammy } = await find();
    const schema = await api.getDefaultPartitioningSchema({ offerId: offer.id, osId: jammy.id });
    assert.deepEqual(schema.disks.map((d) => d.device), ['/dev/nvme0n1', '/dev/nvme1n1']);
    assert.deepEqual(schema.disks[0].partitions.map((p) => p.label), ['uefi', 'swap', 'boot', 'root']);
    assert.deepEqual(schema.raids.map((r) => r.level), ['raid_level_1', 'raid_level_1']);
    assert.deepEqual(schema.filesystems.map((f) => f.mountpoint), ['/boot/efi', '/boot', '/']);
    assert.deepEqual(schema.zfs, { pools: [] });
    assert.equal(
      await api.validatePartitioningSchema({ offerId: offer.id, osId: jammy.id, partitioningSchema: schema }),
      undefined,
    );
    // A data partition taking the rest of both disks, mirrored.
    schema.disks[0].partitions[3].size = 20_000_000_000;
    schema.disks[0].partitions.push({ label: 'data', number: 5, size: 0, useAllAvailableSpace: true });
    schema.disks[1].partitions[2].size = 20_000_000_000;
    schema.disks[1].partitions.push({ label: 'data', number: 4, size: 0, useAllAvailableSpace: true });
    schema.raids.push({ name: '/dev/md2', level: 'raid_level_1', devices: ['/dev/nvme0n1p5', '/dev/nvme1n1p4'] });
    schema.filesystems.push({ device: '/dev/md2', format: 'ext4', mountpoint: '/data' });
    await api.validatePartitioningSchema({ offerId: offer.id, osId: jammy.id, partitioningSchema: schema });
  });

  it('refuses invalid schemas and unsupported pairs', async () => {
    const { offer, jammy, win } = await find();
    const schema = await api.getDefaultPartitioningSchema({ offerId: offer.id, osId: jammy.id });
    const bad = structuredClone(schema);
    bad.disks[0].device = '/dev/sdz';
    const e = await caught(() =>
      api.validatePartitioningSchema({ offerId: offer.id, osId: jammy.id, partitioningSchema: bad }),
    );
    assert.equal(e?.status, 400, String(e));
    const noRoot = structuredClone(schema);
    noRoot.filesystems = noRoot.filesystems.filter((f) => f.mountpoint !== '/');
    const e2 = await caught(() =>
      api.validatePartitioningSchema({ offerId: offer.id, osId: jammy.id, partitioningSchema: noRoot }),
    );
    assert.equal(e2?.status, 400, String(e2));

    // Windows cannot be partitioned by the caller; neither can the older offers (recorded 404).
    const r = await raw(
      server,
      'GET',
      `/baremetal/v1/zones/fr-par-1/partitioning-schemas/default?offer_id=${offer.id}&os_id=${win.id}`,
    );
    notFound(r, 'Windows');
    assert.deepEqual(r.json, { message: 'Custom Partitioning not supported' });
    const [old] = (await api.listOffers({ name: 'EM-L105X-SATA', subscriptionPeriod: 'hourly' })).offers;
    const e3 = await caught(() => api.getDefaultPartitioningSchema({ offerId: old.id, osId: jammy.id }));
    assert.equal(e3?.status, 404, String(e3));
    const e4 = await caught(() => api.getDefaultPartitioningSchema({ offerId: crypto.randomUUID(), osId: jammy.id }));
    assert.equal(e4?.status, 404, String(e4));
    assertInvalidArguments(
      await raw(server, 'GET', `/baremetal/v1/zones/fr-par-1/partitioning-schemas/default?os_id=${jammy.id}`),
      'offer_id',
    );
  });
});

describe('coverage', () => {
  it('called every catalogue operation of the SDK', () => {
    assert.deepEqual([...called].sort(), [...OPERATIONS].sort());
  });
});
