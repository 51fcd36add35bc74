// Lists past the store's keyset stride (512 records), end to end: 700 Instance security groups
// created through the API, then every page of 100 (and one past the end) read back with raw
// HTTP. The pages must be the list in creation order with no gap or repeat, with the same
// X-Total-Count and Link headers on each page, also after writes between two reads of the same
// far page (cached page boundaries are dropped), and the name and tag filters must find exactly
// the records whose name contains the value (ASCII case-insensitive) / carry the tag.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { raw, show, startServer } from './lib/harness.mjs';

const Z = '/instance/v1/zones/fr-par-1';
const COUNT = 700;

let server;
const created = []; // {id, name, tags} in creation order

async function createSg(i) {
  const r = await raw(server, 'POST', `${Z}/security_groups`, {
    body: {
      name: `Scale-${String(i).padStart(4, '0')}`,
      project: server.creds.projectId,
      tags: [`group:${i % 7}`],
      stateful: true,
    },
  });
  assert.equal(r.status, 201, show(r));
  return r.json.security_group;
}

async function page(query) {
  const r = await raw(server, 'GET', `${Z}/security_groups?${query}`);
  assert.equal(r.status, 200, show(r));
  return r;
}

async function allPages(query, perPage) {
  const ids = [];
  let total;
  for (let p = 1; p <= 20; p++) {
    const r = await page(`${query}&page=${p}&per_page=${perPage}`);
    const t = Number(r.headers.get('x-total-count'));
    if (total === undefined) total = t;
    assert.equal(t, total, `page ${p}`);
    const items = r.json.security_groups;
    if (items.length === 0) break;
    ids.push(...items.map((s) => s.id));
  }
  return { ids, total };
}

describe('lists past the keyset stride', () => {
  before(async () => {
    server = await startServer({ args: ['--quota', 'instance_security_groups=5000'] });
    // Sequential: creation order is the list order.
    for (let i = 0; i < COUNT; i++) {
      const sg = await createSg(i);
      created.push({ id: sg.id, name: sg.name, tags: sg.tags });
    }
  });
  after(async () => {
    await server?.stop();
  });

  it('every page of 100 is the next slice of the creation order', async () => {
    const { ids, total } = await allPages('', 100);
    // The project's default security group may exist: it is created on first need only.
    assert.equal(total, ids.length);
    const mine = ids.filter((id) => created.some((c) => c.id === id));
    assert.deepEqual(mine, created.map((c) => c.id));
    assert.equal(new Set(ids).size, ids.length, 'no record twice');
    const last = Math.ceil(total / 100);
    const r = await page(`page=${last}&per_page=100`);
    assert.equal(r.json.security_groups.length, total - (last - 1) * 100);
    assert.match(r.headers.get('link'), new RegExp(`page=${last}&per_page=100>; rel="last"`));
    const past = await page(`page=${last + 3}&per_page=100`);
    assert.deepEqual(past.json.security_groups, []);
    assert.equal(Number(past.headers.get('x-total-count')), total);
  });

  it('a far page follows deletes and creations made after it was read', async () => {
    const before = await page('page=7&per_page=100');
    const firstBefore = before.json.security_groups[0].id;
    // Delete the first two records: the page shifts by two.
    for (const c of created.slice(0, 2)) {
      const d = await raw(server, 'DELETE', `${Z}/security_groups/${c.id}`);
      assert.equal(d.status, 204, show(d));
    }
    created.splice(0, 2);
    const afterDelete = await page('page=7&per_page=100');
    assert.equal(
      Number(afterDelete.headers.get('x-total-count')),
      Number(before.headers.get('x-total-count')) - 2,
    );
    const idx = created.findIndex((c) => c.id === firstBefore);
    assert.equal(afterDelete.json.security_groups[0].id, created[idx + 2]?.id ?? undefined);
    const sg = await createSg(COUNT);
    created.push({ id: sg.id, name: sg.name, tags: sg.tags });
    const { ids } = await allPages('', 100);
    assert.equal(ids.at(-1), sg.id);
  });

  it('name and tag filters answer exactly the matching records, in order', async () => {
    for (const [name, want] of [
      ['scale-06', (c) => c.name.toLowerCase().includes('scale-06')],
      ['SCALE-0', (c) => c.name.toLowerCase().includes('scale-0')],
      ['-0123', (c) => c.name.includes('-0123')],
      ['nothing-like-this', () => false],
    ]) {
      const { ids, total } = await allPages(`name=${encodeURIComponent(name)}`, 100);
      const expected = created.filter(want).map((c) => c.id);
      assert.deepEqual(ids, expected, name);
      assert.equal(total, expected.length, name);
    }
    const { ids, total } = await allPages('tags=group:3', 50);
    const expected = created.filter((c) => c.tags.includes('group:3')).map((c) => c.id);
    assert.deepEqual(ids, expected);
    assert.equal(total, expected.length);
  });
});
