// Billing (billing v2beta1) end to end through the official JS SDK (@scaleway/sdk-billing): what an
// Instance server did on the virtual clock becomes consumption, a closed month an invoice whose
// PDF (read back with pdftotext) and CSV export carry its totals; coupons become discounts; the
// organization-level Billing rights are required.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Billingv2beta1 } from '@scaleway/sdk-billing';
import { Blockv1 } from '@scaleway/sdk-block';
import { Errors } from '@scaleway/sdk-client';
import { Flexibleipv1alpha1 } from '@scaleway/sdk-flexibleip';
import { Iamv1alpha1 } from '@scaleway/sdk-iam';
import { Instancev1 } from '@scaleway/sdk-instance';
import { Vpcgwv2 } from '@scaleway/sdk-vpcgw';

import { advanceClock, caught, makeClient, raw, show, startServer } from './lib/harness.mjs';
import { appWithKey } from './lib/iam.mjs';

let server;
let api;
let instance;
const called = new Set();

const nanos = (m) => BigInt(m.units) * 1_000_000_000n + BigInt(m.nanos);
const euros = (n) => {
  const cents = Number((n + 5_000_000n) / 10_000_000n);
  return `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
};

before(async () => {
  server = await startServer({ args: ['--lifecycle-speed', 'instant'] });
  const real = new Billingv2beta1.API(makeClient(server));
  api = new Proxy(real, {
    get(target, prop) {
      const v = target[prop];
      if (typeof v === 'function' && typeof prop === 'string') called.add(prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  instance = new Instancev1.API(makeClient(server));
});

after(async () => {
  if (server) await server.stop();
});

// The month the virtual clock is in, and the seconds left until it closes.
async function month() {
  const r = await raw(server, 'GET', '/_scwd/clock');
  const now = new Date(r.json.now);
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  return { period: now.toISOString().slice(0, 7), left: Math.ceil((end - now.getTime()) / 1000) };
}

describe('billing', () => {
  let hourly;
  let serverId;
  let invoice;

  it('bills a server powered on for three hours of virtual time by the minute', async () => {
    const types = await instance.listServersTypes({ zone: 'fr-par-1' });
    hourly = types.servers['DEV1-S'].hourlyPrice;
    const { image } = await instance.getImage({
      zone: 'fr-par-1',
      imageId: (await instance.listImages({ zone: 'fr-par-1', arch: 'x86_64', name: 'Ubuntu' })).images[0].id,
    });
    const s = await instance.createServer({
      zone: 'fr-par-1',
      name: 'billed',
      commercialType: 'DEV1-S',
      image: image.id,
      dynamicIpRequired: false,
    });
    serverId = s.server.id;
    await instance.serverAction({ zone: 'fr-par-1', serverId, action: 'poweron' });
    await advanceClock(server, 3 * 3600);
    await instance.serverAction({ zone: 'fr-par-1', serverId, action: 'poweroff' });
    await advanceClock(server, 60);

    const c = await api.listConsumptions({ categoryName: 'Compute' });
    const line = c.consumptions.find((x) => x.sku === '/compute/dev1_s/run_par1');
    assert.ok(line, JSON.stringify(c));
    assert.equal(line.billedQuantity, '180');
    assert.equal(line.unit, 'minute');
    assert.equal(line.productName, 'DEV1-S');
    assert.equal(line.projectId, server.creds.projectId);
    assert.equal(line.value.currencyCode, 'EUR');
    // Three hours at the catalogue's hourly price, to the cent.
    assert.equal(euros(nanos(line.value)), (Math.round(hourly * 3 * 100) / 100).toFixed(2));
    assert.ok(c.updatedAt instanceof Date);

    // By project, by period; an empty past month; a malformed period.
    const byProject = await api.listConsumptions({ projectId: server.creds.projectId });
    assert.ok(byProject.consumptions.some((x) => x.sku === line.sku));
    const past = await api.listConsumptions({ billingPeriod: '2001-01' });
    assert.equal(past.totalCount, 0);
    const bad = await caught(() => api.listConsumptions({ billingPeriod: '2001-1' }));
    assert.ok(bad instanceof Errors.InvalidArgumentsError, String(bad));

    const taxes = await api.listTaxes({});
    assert.equal(taxes.totalCount, 1);
    assert.equal(taxes.taxes[0].rate, 0.2);
    assert.equal(taxes.taxes[0].currency, 'EUR');
  });

  it('issues an invoice when the month closes; its PDF and CSV carry the total', async () => {
    const m = await month();
    assert.equal((await api.listInvoices({})).totalCount, 0, 'nothing before the month closes');

    // The server's root volume (Block Storage) accrues until the month closes.
    await advanceClock(server, m.left + 3600);
    const closed = await api.listConsumptions({ billingPeriod: m.period });
    assert.ok(closed.consumptions.some((x) => x.categoryName === 'Storage' && x.unit === 'gigabyte_hour'));
    const total = closed.consumptions.reduce((s, x) => s + nanos(x.value), 0n);
    assert.ok(total > 0n);
    const list = await api.listInvoices({});
    assert.equal(list.totalCount, 1);
    invoice = list.invoices[0];
    assert.equal(invoice.type, 'periodic');
    assert.equal(invoice.sellerName, 'Scaleway SAS');
    assert.equal(invoice.billingPeriod.toISOString().slice(0, 7), m.period);
    assert.equal(nanos(invoice.totalUndiscount), total);
    assert.equal(nanos(invoice.totalUntaxed), total);
    const tax = (total * 20n + 50n * 10_000_000n) / (100n * 10_000_000n) * 10_000_000n;
    assert.equal(nanos(invoice.totalTax), tax);
    assert.equal(nanos(invoice.totalTaxed), total + tax);
    assert.deepEqual(await api.getInvoice({ invoiceId: invoice.id }), invoice);
    const missing = await caught(() => api.getInvoice({ invoiceId: '00000000-0000-4000-8000-000000000000' }));
    assert.ok(missing instanceof Errors.ResourceNotFoundError, String(missing));

    // Filters and orders.
    assert.equal((await api.listInvoices({ invoiceType: 'credit_note' })).totalCount, 0);
    assert.equal((await api.listInvoices({ billingPeriodStartAfter: new Date(Date.now() + 400 * 86400e3) })).totalCount, 0);
    assert.equal((await api.listInvoices({ orderBy: 'total_taxed_asc' })).totalCount, 1);

    const pdf = await api.downloadInvoice({ invoiceId: invoice.id, fileType: 'pdf' });
    const bytes = Buffer.from(await pdf.arrayBuffer());
    assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scwd-invoice-'));
    try {
      const file = path.join(dir, 'invoice.pdf');
      fs.writeFileSync(file, bytes);
      const text = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
      assert.equal(text.status, 0, text.stderr);
      assert.match(text.stdout, new RegExp(`Total including VAT\\s+${euros(total + tax).replace('.', '\\.')} EUR`));
      assert.match(text.stdout, new RegExp(`Total excluding VAT\\s+${euros(total).replace('.', '\\.')} EUR`));
      assert.match(text.stdout, /DEV1-S - FR-PAR-1/);
      assert.match(text.stdout, new RegExp(String(invoice.number)));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }

    const csv = await (await api.exportInvoices({ fileType: 'csv' })).text();
    const rows = csv.trim().split('\n').map((l) => l.split(','));
    const header = rows[0];
    assert.equal(rows.length, 2, csv);
    const row = Object.fromEntries(header.map((h, i) => [h, rows[1][i]]));
    assert.equal(row.invoice_id, invoice.id);
    assert.equal(row.total_taxed, euros(total + tax));
    assert.equal(row.billing_period, m.period);
  });

  it('redeems an operator-made coupon into a discount that lowers the next invoice', async () => {
    const made = await raw(server, 'POST', '/_scwd/billing/coupons', {
      body: { code: 'WELCOME10', description: 'Welcome credit', value: 0.01, mode: 'discount_mode_value' },
    });
    assert.equal(made.status, 200, show(made));
    const unknown = await caught(() => api.redeemCoupon({ code: 'NOPE' }));
    assert.ok(unknown instanceof Errors.InvalidArgumentsError, String(unknown));
    const d = await api.redeemCoupon({ code: 'WELCOME10' });
    assert.equal(d.mode, 'discount_mode_value');
    assert.equal(d.value, 0.01);
    assert.equal(d.valueRemaining, 0.01);
    assert.equal(d.coupon.description, 'Welcome credit');
    const again = await caught(() => api.redeemCoupon({ code: 'WELCOME10' }));
    assert.equal(again.status, 409);

    // A month of a running server, then the month closes.
    await instance.serverAction({ zone: 'fr-par-1', serverId, action: 'poweron' });
    await advanceClock(server, 3600);
    await instance.serverAction({ zone: 'fr-par-1', serverId, action: 'poweroff' });
    const m = await month();
    await advanceClock(server, m.left + 3600);
    const list = await api.listInvoices({ orderBy: 'start_date_desc' });
    assert.equal(list.totalCount, 2);
    const next = list.invoices[0];
    assert.equal(nanos(next.totalDiscount), -10_000_000n);
    assert.equal(nanos(next.totalUntaxed), nanos(next.totalUndiscount) - 10_000_000n);
    const discounts = await api.listDiscounts({});
    assert.equal(discounts.totalCount, 1);
    assert.equal(discounts.discounts[0].valueUsed, 0.01);
    assert.equal(discounts.discounts[0].valueRemaining, 0);
  });

  it('bills volumes by size, gateways, their IPs and flexible IPs by the minute, until deleted', async () => {
    const zone = 'fr-par-2';
    const client = makeClient(server);
    const block = new Blockv1.API(client);
    const gw = new Vpcgwv2.API(client);
    const fip = new Flexibleipv1alpha1.API(client);
    const vol = await block.createVolume({ zone, name: 'billed', fromEmpty: { size: 20_000_000_000 }, perfIops: 5000 });
    const g = await gw.createGateway({ zone, name: 'billed', type: 'VPC-GW-S', enableSmtp: false, enableBastion: false });
    const ip = await fip.createFlexibleIP({ zone, description: 'billed', isIpv6: false });
    await advanceClock(server, 3600);
    const quantities = async () => {
      const lines = (await api.listConsumptions({})).consumptions.filter((l) => l.sku.endsWith(`/${zone}`));
      return Object.fromEntries(lines.map((l) => [l.sku, l.billedQuantity]));
    };
    const expected = {
      [`/storage/block/volume-low-latency-5k/${zone}`]: '20',
      [`/network/vpc/public-gateway/vpc-gw-s/${zone}`]: '60',
      [`/network/vpc/public-gateway/ip/${zone}`]: '60',
      [`/flexible-ip/ipv4/${zone}`]: '60',
    };
    assert.deepEqual(await quantities(), expected);

    await block.deleteVolume({ zone, volumeId: vol.id });
    await gw.deleteGateway({ zone, gatewayId: g.id, deleteIp: true });
    await fip.deleteFlexibleIP({ zone, fipId: ip.id });
    await advanceClock(server, 3600);
    assert.deepEqual(await quantities(), expected);
  });

  it('needs the organization-level Billing rights', async () => {
    const owner = new Iamv1alpha1.API(makeClient(server));
    const none = await appWithKey(server, owner);
    const plain = new Billingv2beta1.API(none.client);
    const denied = await caught(() => plain.listConsumptions({}));
    assert.ok(denied instanceof Errors.PermissionsDeniedError, String(denied));
    assert.equal((await caught(() => plain.listInvoices({}))).status, 403);

    const reader = await appWithKey(server, owner, {
      rules: [{ organizationId: server.creds.organizationId, permissionSetNames: ['BillingReadOnly'] }],
    });
    const ro = new Billingv2beta1.API(reader.client);
    assert.equal((await ro.listInvoices({})).totalCount, 2);
    const redeem = await caught(() => ro.redeemCoupon({ code: 'WELCOME10' }));
    assert.equal(redeem.status, 403);

    const other = await caught(() => api.listInvoices({ organizationId: '11111111-1111-4111-8111-111111111111' }));
    assert.equal(other.status, 403);
  });

  it('called every operation of the SDK', () => {
    const ops = [];
    const fresh = new Billingv2beta1.API(makeClient(server));
    for (const k in fresh) if (typeof fresh[k] === 'function' && !k.startsWith('pageOf')) ops.push(k);
    assert.deepEqual(ops.filter((op) => !called.has(op)), []);
    assert.equal(ops.length, 8);
  });
});
