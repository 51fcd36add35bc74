// Product Catalog v2alpha1 end to end through the official JS SDK
// (@scaleway/sdk-product-catalog 1.9.0): the one operation, listPublicCatalogProducts. Instance
// offers are derived from the Instance catalogue (one product per commercial type and zone);
// filters by product type, locality, status and offer name; paging; bad input.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { ProductCatalogv2alpha1 } from '@scaleway/sdk-product-catalog';
import { Instancev1 } from '@scaleway/sdk-instance';

import { makeClient, raw, show, startServer } from './lib/harness.mjs';
import { assertInvalidArguments } from './lib/shapes.mjs';

let server;
let api; // ProductCatalogv2alpha1.PublicCatalogAPI
let instance; // Instancev1.API

before(async () => {
  server = await startServer();
  const client = makeClient(server);
  api = new ProductCatalogv2alpha1.PublicCatalogAPI(client);
  instance = new Instancev1.API(client);
});

after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly: ${JSON.stringify(r)}`);
  }
});

const PRODUCT_KEYS = ['badges', 'description', 'locality', 'price', 'product', 'product_category', 'properties',
  'service_category', 'sku', 'status', 'unit_of_measure', 'variant'];

describe('public catalogue', () => {
  it('prices every Instance commercial type of a zone as /products/servers does', async () => {
    const products = await api.listPublicCatalogProducts({ productTypes: ['instance'], zone: 'nl-ams-1' }).all();
    const types = {};
    for (let page = 1; ; page += 1) {
      const got = (await instance.listServersTypes({ zone: 'nl-ams-1', perPage: 100, page })).servers;
      Object.assign(types, got);
      if (Object.keys(got).length < 100) break;
    }
    assert.deepEqual(products.map((p) => p.product).sort(), Object.keys(types).sort());
    for (const p of products) {
      const t = types[p.product];
      assert.equal(p.locality.zone, 'nl-ams-1');
      assert.equal(p.serviceCategory, 'Compute');
      assert.equal(p.productCategory, 'Instance');
      assert.equal(p.variant, `${p.product} - nl-ams-1`);
      assert.match(p.sku, /^\/compute\/[a-z0-9_]+\/run_(ams1|nl-ams-1)$/);
      assert.equal(p.properties.instance.offerId, p.product);
      assert.equal(p.properties.hardware.cpu.virtual.count, t.ncpus);
      assert.equal(p.properties.hardware.ram.size, t.ram);
      assert.equal(p.price.retailPrice.currencyCode, 'EUR');
      const perUnit = p.price.retailPrice.units + p.price.retailPrice.nanos / 1e9;
      const hourly = p.unitOfMeasure.unit === 'minute' ? perUnit * 60 : perUnit;
      assert.ok(Math.abs(hourly - t.hourlyPrice) < 1e-6, `${p.product}: ${hourly} vs ${t.hourlyPrice}`);
      assert.ok(['hour', 'minute'].includes(p.unitOfMeasure.unit));
    }
  });

  it('answers the wire shape the Terraform server-type data source reads', async () => {
    const r = await raw(server, 'GET',
      '/product-catalog/v2alpha1/public-catalog/products?api_ids=DEV1-XL&page=1&product_types=instance&zone=fr-par-1',
      { token: null });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.total_count, 1);
    const [p] = r.json.products;
    assert.deepEqual(Object.keys(p).sort(), PRODUCT_KEYS);
    assert.equal(p.sku, '/compute/dev1_xl/run_par1');
    assert.deepEqual(p.price.retail_price, { currency_code: 'EUR', units: 0, nanos: 65076000 });
    assert.equal(p.description, 'DEV1-XL - fr-par-1 (0.065076\u20ac per hour)');
    assert.deepEqual(p.unit_of_measure, { unit: 'hour', size: 1 });
    assert.equal(p.status, 'general_availability');
    assert.deepEqual(p.badges, []);
    assert.equal(p.properties.hardware.cpu.shared, true);
    assert.equal(p.properties.hardware.ram.ecc_type, 'standard');
  });

  it('filters by region, status and product type, and pages', async () => {
    const region = await api.listPublicCatalogProducts({ productTypes: ['instance'], region: 'pl-waw' }).all();
    assert.ok(region.length > 0);
    assert.ok(region.every((p) => p.locality.zone.startsWith('pl-waw-')));
    const zones = new Set(region.map((p) => p.locality.zone));
    assert.ok(zones.size > 1, 'pl-waw has several zones');

    const page = await api.listPublicCatalogProducts({ productTypes: ['instance'], zone: 'fr-par-1', pageSize: 3, page: 2 });
    assert.equal(page.products.length, 3);
    assert.ok(page.totalCount > 3);

    // Product types without a catalogue in scwd list nothing; newer clients' types are accepted.
    const metal = await api.listPublicCatalogProducts({ productTypes: ['elastic_metal'], zone: 'fr-par-1' });
    assert.deepEqual([metal.products, metal.totalCount], [[], 0]);
    const r = await raw(server, 'GET',
      '/product-catalog/v2alpha1/public-catalog/products?product_types=kubernetes&status=end_of_new_features&zone=fr-par-1');
    assert.equal(r.status, 200, show(r));
    const ga = await raw(server, 'GET',
      '/product-catalog/v2alpha1/public-catalog/products?product_types=instance&status=general_availability&zone=fr-par-1');
    assert.ok(ga.json.products.every((p) => p.status === 'general_availability'));
  });

  it('refuses bad filters with invalid_arguments', async () => {
    const base = '/product-catalog/v2alpha1/public-catalog/products';
    assertInvalidArguments(await raw(server, 'GET', `${base}?product_types=spaceship`), 'product_types');
    assertInvalidArguments(await raw(server, 'GET', `${base}?status=sold_out`), 'status');
    assertInvalidArguments(await raw(server, 'GET', `${base}?zone=fr-par-1&region=fr-par`), 'zone');
    assertInvalidArguments(await raw(server, 'GET', `${base}?page_size=0`), 'page_size');
  });
});
