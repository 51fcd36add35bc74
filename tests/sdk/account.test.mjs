// Account v3 end to end through the official JS SDK (@scaleway/sdk-account 1.2.0).
// Shapes and statuses follow the recordings in /work/shared/conformance/cassettes/account/.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Accountv3 } from '@scaleway/sdk-account';
import { Errors } from '@scaleway/sdk-client';

import { UUID_RE, caught, makeClient, raw, show, startServer, tag } from './lib/harness.mjs';
import {
  assertContractSignature,
  assertInvalidArguments,
  assertNotFound,
  assertPreconditionFailed,
  assertProject,
  assertWire,
  sortedKeys,
} from './lib/shapes.mjs';

const P = '/account/v3/projects';
const CS = '/account/v3/contract-signatures';

let server;
let projects; // Accountv3.ProjectAPI
let contracts; // Accountv3.ContractAPI
let org; // organization id == default project id

before(async () => {
  // Stay below the real platform's 25 projects per organization anyway (every describe deletes
  // what it created); the variable only matters if a run leaves projects behind.
  server = await startServer({ env: { SCWD_QUOTA_PROJECTS: '1000' } });
  const client = makeClient(server);
  projects = new Accountv3.ProjectAPI(client);
  contracts = new Accountv3.ContractAPI(client);
  org = server.creds.organizationId;
});

after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly on SIGTERM: ${JSON.stringify(r)}\n${server.logs().slice(-3000)}`);
  }
});

async function deleteAll(ids) {
  for (const id of ids) {
    try {
      await projects.deleteProject({ projectId: id });
    } catch {
      /* already gone */
    }
  }
}

/** Every project of the organization as raw JSON, sorted by id (for before/after comparisons). */
async function snapshot() {
  const all = [];
  for (let page = 1; page < 100; page += 1) {
    const r = await raw(server, 'GET', `${P}?organization_id=${org}&page=${page}&page_size=100`);
    assert.equal(r.status, 200, show(r));
    all.push(...r.json.projects);
    if (r.json.projects.length < 100) break;
  }
  return all.sort((a, b) => (a.id < b.id ? -1 : 1));
}

// ---------------------------------------------------------------------------------------------

describe('projects: create', () => {
  const created = [];
  after(() => deleteAll(created));

  it('POST with a description answers 200 with exactly the recorded Project fields', async () => {
    const name = `t-create-${tag()}`;
    const r = await raw(server, 'POST', P, {
      body: { name, organization_id: org, description: 'a description' },
    });
    assert.equal(r.status, 200, show(r));
    assertWire(r, 'create');
    assertProject(r.json, { where: 'create answer' });
    created.push(r.json.id);
    assert.equal(r.json.name, name);
    assert.equal(r.json.description, 'a description');
    assert.equal(r.json.organization_id, org);
    assert.notEqual(r.json.id, org);
    assert.equal(r.json.created_at, r.json.updated_at, 'recorded: created_at == updated_at on create');
  });

  it('SDK createProject with a description', async () => {
    const name = `t-sdk-${tag()}`;
    const p = await projects.createProject({ name, description: 'hello' });
    created.push(p.id);
    assert.match(p.id, UUID_RE);
    assert.equal(p.name, name);
    assert.equal(p.description, 'hello');
    assert.equal(p.organizationId, org);
    assert.ok(p.createdAt instanceof Date && !Number.isNaN(p.createdAt.getTime()), 'createdAt parsed');
    assert.ok(p.updatedAt instanceof Date, 'updatedAt parsed');
    const got = await projects.getProject({ projectId: p.id });
    assert.equal(got.name, name);
    assert.equal(got.description, 'hello');
  });

  it('SDK createProject without a description gives description ""', async () => {
    const name = `t-nodesc-${tag()}`;
    const p = await projects.createProject({ name });
    created.push(p.id);
    assert.equal(p.description, '');
    const r = await raw(server, 'GET', `${P}/${p.id}`);
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.description, '');
  });

  it('SDK createProject with an explicit empty description (as Terraform sends it)', async () => {
    const p = await projects.createProject({ name: `t-emptydesc-${tag()}`, description: '' });
    created.push(p.id);
    assert.equal(p.description, '');
  });

  it('SDK createProject without a name uses the SDK-generated proj-* name', async () => {
    const p = await projects.createProject({});
    created.push(p.id);
    assert.match(p.name, /^proj-/);
  });

  it('organization_id omitted from the body defaults to the caller\'s organization', async () => {
    const r = await raw(server, 'POST', P, { body: { name: `t-noorg-${tag()}` } });
    assert.equal(r.status, 200, show(r));
    created.push(r.json.id);
    assert.equal(r.json.organization_id, org);
  });

  it('unknown request fields are ignored', async () => {
    const r = await raw(server, 'POST', P, {
      body: { name: `t-extra-${tag()}`, organization_id: org, description: '', surprise: { a: [1, 2] }, zone: 'fr-par-1' },
    });
    assert.equal(r.status, 200, show(r));
    created.push(r.json.id);
    assertProject(r.json);
  });

  it('names at the limits of the rules are accepted (1 and 64 chars, every allowed character class)', async () => {
    for (const name of ['x', 'a'.repeat(64), 'Az09._- mixed Name']) {
      const p = await projects.createProject({ name, description: 'd'.repeat(200) });
      created.push(p.id);
      assert.equal(p.name, name);
      assert.equal(p.description.length, 200);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('recorded shapes of qualification', () => {
  const created = [];
  after(() => deleteAll(created));

  it('create/PATCH answers carry "qualification": null; GET/list carry {"architecture_type":"unknown_architecture_type"}', async () => {
    const c = await raw(server, 'POST', P, { body: { name: `t-qual-${tag()}`, organization_id: org, description: '' } });
    assert.equal(c.status, 200, show(c));
    created.push(c.json.id);
    assertProject(c.json, { qualification: 'null', where: 'create answer' });

    const g = await raw(server, 'GET', `${P}/${c.json.id}`);
    assertProject(g.json, { qualification: 'object', where: 'get answer' });
    assert.deepEqual(g.json.qualification, { architecture_type: 'unknown_architecture_type' });

    const u = await raw(server, 'PATCH', `${P}/${c.json.id}`, { body: { description: 'x' } });
    assert.equal(u.status, 200, show(u));
    assertProject(u.json, { qualification: 'null', where: 'PATCH answer' });

    const l = await raw(server, 'GET', `${P}?project_ids=${c.json.id}`);
    assert.equal(l.status, 200, show(l));
    assertProject(l.json.projects[0], { qualification: 'object', where: 'list item' });
    assert.deepEqual(l.json.projects[0].qualification, { architecture_type: 'unknown_architecture_type' });
  });
});

// ---------------------------------------------------------------------------------------------

describe('projects: get', () => {
  it('the bootstrapped default project: id == organization id, name "default"', async () => {
    const r = await raw(server, 'GET', `${P}/${org}`);
    assert.equal(r.status, 200, show(r));
    assertWire(r, 'get default');
    assertProject(r.json, { qualification: 'object' });
    assert.equal(r.json.id, org);
    assert.equal(r.json.organization_id, org);
    assert.equal(r.json.name, 'default');
    assert.equal(r.json.description, '');
    assert.deepEqual(r.json.qualification, { architecture_type: 'unknown_architecture_type' });
  });

  it('SDK getProject without projectId targets the client\'s default project', async () => {
    const p = await projects.getProject();
    assert.equal(p.id, org);
    assert.equal(p.name, 'default');
    assert.equal(p.organizationId, org);
    assert.equal(p.qualification?.architectureType, 'unknown_architecture_type');
  });

  it('GET by id answers the same object as the list', async () => {
    const p = await projects.createProject({ name: `t-get-${tag()}`, description: 'same' });
    try {
      const g = await raw(server, 'GET', `${P}/${p.id}`);
      const l = await raw(server, 'GET', `${P}?project_ids=${p.id}`);
      assert.equal(l.json.total_count, 1, show(l));
      assert.deepEqual(g.json, l.json.projects[0]);
    } finally {
      await deleteAll([p.id]);
    }
  });

  it('unknown id -> 404 not_found project_id (raw and SDK ResourceNotFoundError)', async () => {
    const id = crypto.randomUUID();
    assertNotFound(await raw(server, 'GET', `${P}/${id}`), 'project_id', id, 'GET unknown');
    const e = await caught(() => projects.getProject({ projectId: id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal(e.status, 404);
    assert.equal(e.resource, 'project_id');
    assert.equal(e.resourceId, id);
  });
});

// ---------------------------------------------------------------------------------------------

describe('projects: list filters', () => {
  const t = tag();
  const ids = {};
  before(async () => {
    for (const suffix of ['alpha', 'alphabet', 'beta']) {
      ids[suffix] = (await projects.createProject({ name: `t-${t}-${suffix}`, description: suffix })).id;
    }
  });
  after(() => deleteAll(Object.values(ids)));

  it('no filter: the default project and the new ones, total_count consistent, exact item shape', async () => {
    const r = await raw(server, 'GET', P);
    assert.equal(r.status, 200, show(r));
    assertWire(r, 'list');
    assert.deepEqual(sortedKeys(r.json), ['projects', 'total_count']);
    assert.equal(typeof r.json.total_count, 'number');
    const got = r.json.projects.map((p) => p.id);
    for (const id of [org, ...Object.values(ids)]) assert.ok(got.includes(id), `missing ${id}`);
    assert.equal(r.json.total_count, r.json.projects.length, 'fewer than one page: everything returned');
    r.json.projects.forEach((p, i) => assertProject(p, { qualification: 'object', where: `projects[${i}]` }));
  });

  it('SDK listProjects with the default organization', async () => {
    const res = await projects.listProjects();
    assert.equal(typeof res.totalCount, 'number');
    assert.ok(res.projects.some((p) => p.id === org));
    assert.ok(res.projects.every((p) => p.organizationId === org));
  });

  it('organization_id filter with the own organization', async () => {
    const res = await projects.listProjects({ organizationId: org });
    assert.ok(res.projects.length >= 4);
    assert.ok(res.projects.every((p) => p.organizationId === org));
  });

  it('organization_id of an unknown organization lists none of ours (200 empty, or 403)', async () => {
    const other = crypto.randomUUID();
    const r = await raw(server, 'GET', `${P}?organization_id=${other}`);
    if (r.status === 200) {
      assert.equal(r.json.total_count, 0, show(r));
      assert.deepEqual(r.json.projects, []);
    } else {
      assert.equal(r.status, 403, show(r));
      assert.equal(r.json.type, 'permissions_denied', show(r));
    }
  });

  it('name filter is a substring match', async () => {
    const res = await projects.listProjects({ name: `${t}-alpha` });
    assert.deepEqual(res.projects.map((p) => p.id).sort(), [ids.alpha, ids.alphabet].sort());
    assert.equal(res.totalCount, 2);
    const all = await projects.listProjects({ name: t });
    assert.equal(all.totalCount, 3);
    const mid = await projects.listProjects({ name: 'phab' });
    assert.ok(mid.projects.some((p) => p.id === ids.alphabet), 'substring in the middle of the name');
  });

  it('name filter without match: total_count 0 and projects []', async () => {
    const r = await raw(server, 'GET', `${P}?name=nothing-matches-${t}`);
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(r.json, { total_count: 0, projects: [] });
  });

  it('Terraform default-project lookup (recorded query) finds the default project first', async () => {
    const r = await raw(server, 'GET', `${P}?name=default&order_by=created_at_asc&organization_id=${org}`);
    assert.equal(r.status, 200, show(r));
    assert.ok(r.json.total_count >= 1, show(r));
    assert.equal(r.json.projects[0].id, org);
  });

  it('project_ids filter (repeated query keys)', async () => {
    const res = await projects.listProjects({ projectIds: [ids.alpha, ids.beta] });
    assert.deepEqual(res.projects.map((p) => p.id).sort(), [ids.alpha, ids.beta].sort());
    assert.equal(res.totalCount, 2);
    const r = await raw(server, 'GET', `${P}?project_ids=${ids.beta}&project_ids=${org}`);
    assert.deepEqual(r.json.projects.map((p) => p.id).sort(), [ids.beta, org].sort(), show(r));
  });

  it('project_ids with an unknown id matches nothing', async () => {
    const res = await projects.listProjects({ projectIds: [crypto.randomUUID()] });
    assert.equal(res.totalCount, 0);
    assert.deepEqual(res.projects, []);
  });

  it('name and project_ids combine (intersection)', async () => {
    const res = await projects.listProjects({ name: 'alpha', projectIds: [ids.alphabet, ids.beta] });
    assert.deepEqual(res.projects.map((p) => p.id), [ids.alphabet]);
    assert.equal(res.totalCount, 1);
  });
});

// ---------------------------------------------------------------------------------------------

describe('projects: ordering and pagination', () => {
  const t = tag();
  const made = []; // in creation order: {id, name}
  before(async () => {
    // name order differs from creation order
    for (const s of ['c', 'a', 'e', 'b', 'd']) {
      const p = await projects.createProject({ name: `t-${t}-${s}` });
      made.push({ id: p.id, name: p.name });
    }
  });
  after(() => deleteAll(made.map((m) => m.id)));

  const idsOf = (list) => list.map((p) => p.id);
  const byCreation = () => made.map((m) => m.id);
  const byName = () => [...made].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)).map((m) => m.id);

  it('default order is created_at_asc', async () => {
    const res = await projects.listProjects({ projectIds: byCreation() });
    assert.deepEqual(idsOf(res.projects), byCreation());
    const times = res.projects.map((p) => p.createdAt.getTime());
    assert.deepEqual(times, [...times].sort((a, b) => a - b));
  });

  it('order_by created_at_asc', async () => {
    const res = await projects.listProjects({ projectIds: byCreation(), orderBy: 'created_at_asc' });
    assert.deepEqual(idsOf(res.projects), byCreation());
  });

  it('order_by created_at_desc', async () => {
    const res = await projects.listProjects({ projectIds: byCreation(), orderBy: 'created_at_desc' });
    assert.deepEqual(idsOf(res.projects), [...byCreation()].reverse());
  });

  it('order_by name_asc', async () => {
    const res = await projects.listProjects({ projectIds: byCreation(), orderBy: 'name_asc' });
    assert.deepEqual(idsOf(res.projects), byName());
  });

  it('order_by name_desc', async () => {
    const res = await projects.listProjects({ projectIds: byCreation(), orderBy: 'name_desc' });
    assert.deepEqual(idsOf(res.projects), [...byName()].reverse());
  });

  it('page / page_size: 5 items by 2 -> 2, 2, 1, then an empty page; total_count always 5', async () => {
    const seen = [];
    const sizes = [];
    for (let page = 1; page <= 4; page += 1) {
      const res = await projects.listProjects({ projectIds: byCreation(), page, pageSize: 2 });
      assert.equal(res.totalCount, 5, `page ${page}`);
      sizes.push(res.projects.length);
      seen.push(...idsOf(res.projects));
    }
    assert.deepEqual(sizes, [2, 2, 1, 0]);
    assert.deepEqual(seen, byCreation());
  });

  it('pagination with a non-default order', async () => {
    const p2 = await projects.listProjects({ projectIds: byCreation(), page: 2, pageSize: 2, orderBy: 'name_desc' });
    assert.deepEqual(idsOf(p2.projects), [...byName()].reverse().slice(2, 4));
  });

  it('listProjects(...).all() walks every page', async () => {
    const all = await projects.listProjects({ projectIds: byCreation(), pageSize: 2 }).all();
    assert.deepEqual(idsOf(all), byCreation());
    const allByName = await projects.listProjects({ projectIds: byCreation(), pageSize: 2, orderBy: 'name_asc' }).all();
    assert.deepEqual(idsOf(allByName), byName());
  });

  it('listProjects(...) async iteration yields pages', async () => {
    const pages = [];
    for await (const page of projects.listProjects({ projectIds: byCreation(), pageSize: 3 })) pages.push(idsOf(page));
    assert.deepEqual(pages, [byCreation().slice(0, 3), byCreation().slice(3)]);
  });

  it('page_size 100 (the maximum) is accepted', async () => {
    const res = await projects.listProjects({ projectIds: byCreation(), pageSize: 100 });
    assert.equal(res.projects.length, 5);
  });

  it('a page far beyond the end is empty but keeps total_count', async () => {
    const r = await raw(server, 'GET', `${P}?page=50&page_size=10&project_ids=${made[0].id}`);
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(r.json, { total_count: 1, projects: [] });
  });
});

describe('projects: default page size', () => {
  const made = [];
  let total;
  before(async () => {
    const base = (await projects.listProjects({ pageSize: 1 })).totalCount;
    // 21 new projects; with the default project that is 22 (< 25, the real per-organization limit)
    for (let i = 0; i < 21; i += 1) {
      made.push((await projects.createProject({ name: `t-dps-${String(i).padStart(2, '0')}` })).id);
    }
    total = base + 21;
  });
  after(() => deleteAll(made));

  it('without page_size one page holds them all (the real API answered 42 in one page)', async () => {
    const r0 = await raw(server, 'GET', `${P}?organization_id=${org}`);
    assert.equal(r0.status, 200, show(r0));
    assert.equal(r0.json.total_count, total, `total_count: ${r0.json.total_count}`);
    assert.equal(r0.json.projects.length, total, 'recorded: no page_size -> every project');
  });

  it('page_size=20: a page holds 20 projects; page 2 holds the rest', async () => {
    const r1 = await raw(server, 'GET', `${P}?organization_id=${org}&page_size=20`);
    assert.equal(r1.status, 200, show(r1));
    assert.equal(r1.json.total_count, total, `total_count: ${r1.json.total_count}`);
    assert.equal(r1.json.projects.length, 20);
    const r2 = await raw(server, 'GET', `${P}?organization_id=${org}&page=2&page_size=20`);
    assert.equal(r2.json.projects.length, total - 20);
    const ids = new Set([...r1.json.projects, ...r2.json.projects].map((p) => p.id));
    assert.equal(ids.size, total);
  });

  it('SDK .all() without pageSize returns every project once', async () => {
    const all = await projects.listProjects().all();
    assert.equal(all.length, total);
    assert.equal(new Set(all.map((p) => p.id)).size, total);
  });
});

// ---------------------------------------------------------------------------------------------

describe('projects: update', () => {
  let id;
  let original;
  before(async () => {
    const r = await raw(server, 'POST', P, { body: { name: `t-upd-${tag()}`, organization_id: org, description: 'first' } });
    assert.equal(r.status, 200, show(r));
    original = r.json;
    id = original.id;
  });
  after(() => deleteAll([id]));

  it('PATCH name + description (recorded Terraform request): 200, exact shape, updated_at moves', async () => {
    const name = `t-renamed-${tag()}`;
    const r = await raw(server, 'PATCH', `${P}/${id}`, { body: { name, description: 'another description' } });
    assert.equal(r.status, 200, show(r));
    assertWire(r, 'PATCH');
    assertProject(r.json, { where: 'PATCH answer' });
    assert.equal(r.json.id, id);
    assert.equal(r.json.name, name);
    assert.equal(r.json.description, 'another description');
    assert.equal(r.json.created_at, original.created_at, 'created_at unchanged');
    assert.ok(new Date(r.json.updated_at) > new Date(original.updated_at), `updated_at ${r.json.updated_at} should be after ${original.updated_at}`);
    const g = await raw(server, 'GET', `${P}/${id}`);
    assert.equal(g.json.name, name);
    assert.equal(g.json.updated_at, r.json.updated_at);
  });

  it('SDK updateProject with only a name leaves the description alone', async () => {
    const before1 = await projects.getProject({ projectId: id });
    const name = `t-only-name-${tag()}`;
    const p = await projects.updateProject({ projectId: id, name });
    assert.equal(p.name, name);
    assert.equal(p.description, before1.description);
  });

  it('SDK updateProject with only a description leaves the name alone', async () => {
    const before1 = await projects.getProject({ projectId: id });
    const p = await projects.updateProject({ projectId: id, description: 'only description' });
    assert.equal(p.name, before1.name);
    assert.equal(p.description, 'only description');
  });

  it('description "" clears it', async () => {
    const p = await projects.updateProject({ projectId: id, description: '' });
    assert.equal(p.description, '');
    assert.equal((await projects.getProject({ projectId: id })).description, '');
  });

  it('an empty PATCH body changes nothing', async () => {
    const b = await raw(server, 'GET', `${P}/${id}`);
    const r = await raw(server, 'PATCH', `${P}/${id}`, { body: {} });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.name, b.json.name);
    assert.equal(r.json.description, b.json.description);
  });

  it('the default project can be renamed (and renamed back)', async () => {
    const p = await projects.updateProject({ projectId: org, name: 'default-renamed' });
    assert.equal(p.name, 'default-renamed');
    const back = await projects.updateProject({ projectId: org, name: 'default' });
    assert.equal(back.name, 'default');
  });

  it('unknown id -> 404 project_id', async () => {
    const other = crypto.randomUUID();
    assertNotFound(await raw(server, 'PATCH', `${P}/${other}`, { body: { name: 'x' } }), 'project_id', other, 'PATCH unknown');
    const e = await caught(() => projects.updateProject({ projectId: other, name: 'x' }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
  });
});

// ---------------------------------------------------------------------------------------------

describe('projects: delete', () => {
  it('DELETE -> 204 with an empty body, then GET -> recorded 404', async () => {
    const p = await projects.createProject({ name: `t-del-${tag()}` });
    const d = await raw(server, 'DELETE', `${P}/${p.id}`);
    assert.equal(d.status, 204, show(d));
    assert.equal(d.text, '');
    assertNotFound(await raw(server, 'GET', `${P}/${p.id}`), 'project_id', p.id, 'GET after delete');
  });

  it('SDK deleteProject resolves, getProject then throws ResourceNotFoundError, a second delete is 404', async () => {
    const p = await projects.createProject({ name: `t-del2-${tag()}` });
    const res = await projects.deleteProject({ projectId: p.id });
    assert.equal(res, undefined);
    const e = await caught(() => projects.getProject({ projectId: p.id }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal(e.resource, 'project_id');
    assert.equal(e.resourceId, p.id);
    assertNotFound(await raw(server, 'DELETE', `${P}/${p.id}`), 'project_id', p.id, 'second DELETE');
  });

  it('a deleted project leaves the list and the project_ids filter', async () => {
    const p = await projects.createProject({ name: `t-del3-${tag()}` });
    await projects.deleteProject({ projectId: p.id });
    const all = await projects.listProjects({ pageSize: 100 }).all();
    assert.ok(!all.some((x) => x.id === p.id));
    const f = await projects.listProjects({ projectIds: [p.id] });
    assert.equal(f.totalCount, 0);
  });

  it('the default project cannot be deleted: 412 precondition_failed resource_still_in_use', async () => {
    const r = await raw(server, 'DELETE', `${P}/${org}`);
    assertPreconditionFailed(r, 'resource_still_in_use', 'DELETE default project');
    const e = await caught(() => projects.deleteProject({ projectId: org }));
    assert.ok(e instanceof Errors.PreconditionFailedError, `got ${e}`);
    assert.equal(e.status, 412);
    assert.equal(e.precondition, 'resource_still_in_use');
    assert.equal(typeof e.helpMessage, 'string');
    const g = await projects.getProject({ projectId: org });
    assert.equal(g.name, 'default');
  });

  it('a project that still holds a resource cannot be deleted: 412 resource_still_in_use', async (t) => {
    const p = await projects.createProject({ name: `t-busy-${tag()}` });
    // Put any resource in the project, with whichever product the server implements already.
    const attempts = [
      ['VPC private network', 'POST', '/vpc/v2/regions/fr-par/private-networks', { name: 'pn-busy', project_id: p.id }],
      [
        'Instance security group',
        'POST',
        '/instance/v1/zones/fr-par-1/security_groups',
        { name: 'sg-busy', project: p.id, stateful: true, inbound_default_policy: 'accept', outbound_default_policy: 'accept' },
      ],
    ];
    let placed = null;
    const tried = [];
    for (const [label, m, path, body] of attempts) {
      const r = await raw(server, m, path, { body });
      tried.push(`${label}: HTTP ${r.status}`);
      if (r.status >= 200 && r.status < 300) {
        placed = label;
        break;
      }
    }
    if (!placed) {
      await deleteAll([p.id]);
      t.skip(`no resource could be created in a project yet (${tried.join('; ')})`);
      return;
    }
    const r = await raw(server, 'DELETE', `${P}/${p.id}`);
    assertPreconditionFailed(r, 'resource_still_in_use', `DELETE project holding a ${placed}`);
    assert.equal((await raw(server, 'GET', `${P}/${p.id}`)).status, 200, 'project still there');
  });
});

// ---------------------------------------------------------------------------------------------

describe('projects: setProjectQualification', () => {
  let id;
  before(async () => {
    id = (await projects.createProject({ name: `t-qualif-${tag()}` })).id;
  });
  after(() => deleteAll([id]));

  it('sets a qualification; answer {project_id, qualification} with only the chosen use case', async () => {
    const res = await projects.setProjectQualification({
      projectId: id,
      qualification: { architectureType: 'web_hosting', hostWebsite: { subUseCase: 'ecommerce_website' } },
    });
    assert.equal(res.projectId, id);
    assert.equal(res.qualification?.architectureType, 'web_hosting');
    assert.equal(res.qualification?.hostWebsite?.subUseCase, 'ecommerce_website');

    const r = await raw(server, 'POST', `${P}/${id}/project-qualification`, {
      body: { qualification: { architecture_type: 'web_hosting', host_website: { sub_use_case: 'ecommerce_website' } } },
    });
    assert.equal(r.status, 200, show(r));
    assertWire(r, 'set qualification');
    assert.deepEqual(r.json, {
      project_id: id,
      qualification: { architecture_type: 'web_hosting', host_website: { sub_use_case: 'ecommerce_website' } },
    });
  });

  it('GET shows the qualification', async () => {
    const r = await raw(server, 'GET', `${P}/${id}`);
    assertProject(r.json, { qualification: 'object' });
    assert.deepEqual(r.json.qualification, { architecture_type: 'web_hosting', host_website: { sub_use_case: 'ecommerce_website' } });
  });

  it('a new qualification replaces the previous use case', async () => {
    const res = await projects.setProjectQualification({
      projectId: id,
      qualification: { architectureType: 'kubernetes', container: { subUseCase: 'unknown_sub_use_case' } },
    });
    assert.equal(res.qualification?.architectureType, 'kubernetes');
    assert.equal(res.qualification?.hostWebsite, undefined);
    const r = await raw(server, 'GET', `${P}/${id}`);
    assert.deepEqual(r.json.qualification, { architecture_type: 'kubernetes', container: { sub_use_case: 'unknown_sub_use_case' } });
  });

  it('unknown project -> 404 project_id', async () => {
    const other = crypto.randomUUID();
    const e = await caught(() => projects.setProjectQualification({ projectId: other, qualification: { architectureType: 'instance' } }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
    assert.equal(e.resourceId, other);
  });

  it('an architecture_type outside the enum -> 400 invalid_arguments', async () => {
    const r = await raw(server, 'POST', `${P}/${id}/project-qualification`, {
      body: { qualification: { architecture_type: 'bogus' } },
    });
    const b = assertInvalidArguments(r, null, 'bad architecture_type');
    assert.ok(b.details.some((d) => /architecture_type/.test(d.argument_name)), show(r));
    const g = await raw(server, 'GET', `${P}/${id}`);
    assert.equal(g.json.qualification.architecture_type, 'kubernetes', 'unchanged');
  });
});

// ---------------------------------------------------------------------------------------------

describe('contract signatures', () => {
  const name = `t-contract-${tag()}`;
  let sig; // raw JSON of the first signature

  it('create (not validated): ContractSignature shape, contract echoes type and name', async () => {
    const r = await raw(server, 'POST', CS, {
      body: { contract_type: 'global', contract_name: name, validated: false, organization_id: org },
    });
    assert.equal(r.status, 200, show(r));
    assertWire(r, 'create signature');
    assertContractSignature(r.json);
    assert.equal(r.json.organization_id, org);
    assert.equal(r.json.contract.type, 'global');
    assert.equal(r.json.contract.name, name);
    assert.equal(r.json.signed_at, null, 'not validated yet: signed_at null');
    sig = r.json;
  });

  it('check before validation: created true, validated false', async () => {
    const res = await contracts.checkContractSignature({ contractName: name, contractType: 'global' });
    assert.deepEqual(res, { created: true, validated: false });
    const r = await raw(server, 'POST', `${CS}/check`, { body: { contract_name: name, contract_type: 'global', organization_id: org } });
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(r.json, { created: true, validated: false });
  });

  it('check without contract_type (optional filter) still finds the signature', async () => {
    const res = await contracts.checkContractSignature({ contractName: name });
    assert.deepEqual(res, { created: true, validated: false });
  });

  it('check of a contract never signed: created false, validated false', async () => {
    const res = await contracts.checkContractSignature({ contractName: `never-${tag()}`, contractType: 'k8s' });
    assert.deepEqual(res, { created: false, validated: false });
  });

  it('validate: signed_at set; check then says validated', async () => {
    const v = await contracts.validateContractSignature({ contractSignatureId: sig.id });
    assert.equal(v.id, sig.id);
    assert.ok(v.signedAt instanceof Date, 'signedAt set after validation');
    const res = await contracts.checkContractSignature({ contractName: name, contractType: 'global' });
    assert.deepEqual(res, { created: true, validated: true });
  });

  it('create validated at once', async () => {
    const s = await contracts.createContractSignature({ contractType: 'instance', contractName: `${name}-b`, validated: true });
    assert.match(s.id, UUID_RE);
    assert.equal(s.organizationId, org);
    assert.ok(s.signedAt instanceof Date, 'signedAt set');
    assert.equal(s.contract?.type, 'instance');
    assert.equal(s.contract?.name, `${name}-b`);
  });

  it('list: total_count, exact shapes, both signatures; every order_by accepted', async () => {
    const r = await raw(server, 'GET', `${CS}?organization_id=${org}`);
    assert.equal(r.status, 200, show(r));
    assertWire(r, 'list signatures');
    assert.deepEqual(sortedKeys(r.json), ['contract_signatures', 'total_count']);
    assert.equal(r.json.total_count, r.json.contract_signatures.length);
    r.json.contract_signatures.forEach((s, i) => assertContractSignature(s, `contract_signatures[${i}]`));
    const names = r.json.contract_signatures.map((s) => s.contract.name);
    assert.ok(names.includes(name) && names.includes(`${name}-b`), JSON.stringify(names));
    for (const orderBy of ['signed_at_asc', 'signed_at_desc', 'expires_at_asc', 'expires_at_desc', 'name_asc', 'name_desc']) {
      const res = await contracts.listContractSignatures({ orderBy });
      assert.equal(res.totalCount, r.json.total_count, orderBy);
    }
    const asc = await contracts.listContractSignatures({ orderBy: 'name_asc' });
    const n = asc.contractSignatures.map((s) => s.contract.name);
    assert.deepEqual(n, [...n].sort(), 'name_asc');
  });

  it('list pagination: pageSize 1 and .all()', async () => {
    const first = await contracts.listContractSignatures({ pageSize: 1 });
    assert.equal(first.contractSignatures.length, 1);
    assert.ok(first.totalCount >= 2);
    const all = await contracts.listContractSignatures({ pageSize: 1 }).all();
    assert.equal(all.length, first.totalCount);
    assert.equal(new Set(all.map((s) => s.id)).size, all.length);
  });

  it('download: the SDK gets a non-empty Blob', async () => {
    const blob = await contracts.downloadContractSignature({ contractSignatureId: sig.id, locale: 'en_US' });
    assert.ok(blob instanceof Blob, `got ${Object.prototype.toString.call(blob)}`);
    assert.ok(blob.size > 0, 'empty download');
    const r = await raw(server, 'GET', `${CS}/${sig.id}/download?dl=1`);
    assert.equal(r.status, 200, show(r));
    assert.ok(r.text.length > 0);
    assert.ok(r.headers.get('x-request-id'), 'X-Request-Id');
  });

  it('unknown signature id: validate and download -> 404 not_found', async () => {
    const other = crypto.randomUUID();
    for (const [m, p] of [['POST', `${CS}/${other}/validate`], ['GET', `${CS}/${other}/download?dl=1`]]) {
      const r = await raw(server, m, p, m === 'POST' ? { body: {} } : {});
      assert.equal(r.status, 404, `${m} ${p}: ${show(r)}`);
      assert.equal(r.json?.type, 'not_found', show(r));
      assert.equal(r.json?.resource_id, other, show(r));
    }
    const e = await caught(() => contracts.validateContractSignature({ contractSignatureId: other }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, `got ${e}`);
  });

  it('bad input: contract_type outside the enum, empty contract_name, order_by=bogus, bad id', async () => {
    const before1 = await raw(server, 'GET', `${CS}?page_size=100`);
    assertInvalidArguments(
      await raw(server, 'POST', CS, { body: { contract_type: 'bogus', contract_name: 'x', validated: false, organization_id: org } }),
      'contract_type',
      'contract_type=bogus',
    );
    assertInvalidArguments(
      await raw(server, 'POST', CS, { body: { contract_type: 'global', contract_name: '', validated: false, organization_id: org } }),
      'contract_name',
      'contract_name=""',
    );
    assertInvalidArguments(await raw(server, 'GET', `${CS}?order_by=bogus`), 'order_by', 'order_by=bogus');
    assertInvalidArguments(await raw(server, 'POST', `${CS}/not-a-uuid/validate`, { body: {} }), 'contract_signature_id', 'bad id');
    const after1 = await raw(server, 'GET', `${CS}?page_size=100`);
    assert.deepEqual(after1.json, before1.json, 'nothing changed');
  });
});

// ---------------------------------------------------------------------------------------------

describe('projects: bad input -> invalid_arguments, and nothing changes', () => {
  let victim; // an existing project used by PATCH cases
  let before1;
  before(async () => {
    victim = (await projects.createProject({ name: `t-victim-${tag()}`, description: 'keep me' })).id;
    before1 = await snapshot();
  });
  after(() => deleteAll([victim]));

  const long65 = 'n'.repeat(65);
  const cases = [
    ['create: name of 65 chars', 'POST', P, { name: long65, description: '' }, 'name'],
    ['create: name with a forbidden character', 'POST', P, { name: 'bad/name!', description: '' }, 'name'],
    ['create: name with a non-ASCII letter', 'POST', P, { name: 'héllo', description: '' }, 'name'],
    ['create: empty name', 'POST', P, { name: '', description: '' }, 'name'],
    ['create: description of 201 chars', 'POST', P, { name: 'ok-name', description: 'd'.repeat(201) }, 'description'],
    ['create: organization_id not a UUID', 'POST', P, { name: 'ok-name', organization_id: 'not-a-uuid', description: '' }, 'organization_id'],
    ['create: name is a number (wrong JSON type)', 'POST', P, { name: 123, description: '' }, 'name'],
    ['create: description is a boolean (wrong JSON type)', 'POST', P, { name: 'ok-name', description: false }, 'description'],
    ['create: name is an array (wrong JSON type)', 'POST', P, { name: ['a'], description: '' }, 'name'],
    ['create: malformed JSON', 'POST', P, '{"name": "ok-name",', null],
    ['create: JSON array instead of an object', 'POST', P, '[]', null],
    ['create: JSON string instead of an object', 'POST', P, '"project"', null],
    ['get: id not a UUID', 'GET', `${P}/not-a-uuid`, undefined, 'project_id'],
    ['delete: id not a UUID', 'DELETE', `${P}/not-a-uuid`, undefined, 'project_id'],
    ['update: id not a UUID', 'PATCH', `${P}/not-a-uuid`, { name: 'x' }, 'project_id'],
    ['qualification: id not a UUID', 'POST', `${P}/not-a-uuid/project-qualification`, { qualification: { architecture_type: 'instance' } }, 'project_id'],
    ['list: order_by=bogus', 'GET', `${P}?order_by=bogus`, undefined, 'order_by'],
    ['list: page_size=101', 'GET', `${P}?page_size=101`, undefined, 'page_size'],
    ['list: page_size=abc', 'GET', `${P}?page_size=abc`, undefined, 'page_size'],
    ['list: page=0', 'GET', `${P}?page=0`, undefined, 'page'],
    ['list: project_ids not a UUID', 'GET', `${P}?project_ids=not-a-uuid`, undefined, 'project_ids'],
    ['list: organization_id not a UUID', 'GET', `${P}?organization_id=not-a-uuid`, undefined, 'organization_id'],
    ['list: name of 65 chars', 'GET', `${P}?name=${long65}`, undefined, 'name'],
  ];
  for (const [label, method, path, body, arg] of cases) {
    it(`${label} -> 400 naming ${arg ?? 'an argument'}`, async () => {
      const r = await raw(server, method, path, body === undefined ? {} : { body });
      assertInvalidArguments(r, arg, `${method} ${path}`);
    });
  }

  it('update of an existing project with bad values (name 65 chars, name bad pattern, description 201, name wrong type)', async () => {
    for (const [body, arg] of [
      [{ name: long65 }, 'name'],
      [{ name: 'bad/name' }, 'name'],
      [{ name: '' }, 'name'],
      [{ description: 'd'.repeat(201) }, 'description'],
      [{ name: 42 }, 'name'],
      [{ name: 'ok-name', description: 'd'.repeat(201) }, 'description'],
    ]) {
      assertInvalidArguments(await raw(server, 'PATCH', `${P}/${victim}`, { body }), arg, `PATCH ${JSON.stringify(body).slice(0, 60)}`);
    }
    const g = await raw(server, 'GET', `${P}/${victim}`);
    assert.equal(g.json.description, 'keep me', 'a rejected PATCH must not apply any part of the change');
  });

  it('through the SDK: InvalidArgumentsError with the argument named', async () => {
    const e1 = await caught(() => projects.createProject({ name: long65 }));
    assert.ok(e1 instanceof Errors.InvalidArgumentsError, `got ${e1}`);
    assert.equal(e1.status, 400);
    assert.ok(e1.details.some((d) => d.argumentName === 'name'), JSON.stringify(e1.details));
    const e2 = await caught(() => projects.listProjects({ orderBy: 'bogus' }));
    assert.ok(e2 instanceof Errors.InvalidArgumentsError, `got ${e2}`);
    assert.ok(e2.details.some((d) => d.argumentName === 'order_by'), JSON.stringify(e2.details));
    const e3 = await caught(() => projects.getProject({ projectId: 'not-a-uuid' }));
    assert.ok(e3 instanceof Errors.InvalidArgumentsError, `got ${e3}`);
    assert.ok(e3.details.some((d) => d.argumentName === 'project_id'), JSON.stringify(e3.details));
  });

  it('the project list is unchanged after all rejected requests', async () => {
    const after1 = await snapshot();
    assert.deepEqual(after1, before1);
  });
});

// ---------------------------------------------------------------------------------------------

describe('projects: per-organization limit (25 by default, as documented)', () => {
  let small; // a server started without SCWD_QUOTA_PROJECTS
  let api;
  before(async () => {
    small = await startServer();
    api = new Accountv3.ProjectAPI(makeClient(small));
  });
  after(async () => {
    if (small) await small.stop();
  });

  it('the 26th project -> 403 quotas_exceeded (SDK QuotasExceededError), nothing created; a delete frees a slot', async () => {
    const made = [];
    for (let i = 0; i < 24; i += 1) made.push((await api.createProject({ name: `q-${i}` })).id);
    assert.equal((await api.listProjects({ pageSize: 1 })).totalCount, 25);

    const r = await raw(small, 'POST', P, { body: { name: 'q-over', description: '' } });
    assert.equal(r.status, 403, show(r));
    assertWire(r, 'quota');
    assert.equal(r.json.type, 'quotas_exceeded', show(r));
    assert.equal(typeof r.json.message, 'string');
    assert.ok(Array.isArray(r.json.details) && r.json.details.length > 0, show(r));
    const d = r.json.details[0];
    assert.equal(typeof d.resource, 'string', show(r));
    assert.equal(d.quota, 25, show(r));
    assert.equal(d.current, 25, show(r));

    const e = await caught(() => api.createProject({ name: 'q-over-sdk' }));
    assert.ok(e instanceof Errors.QuotasExceededError, `got ${e}`);
    assert.equal(e.status, 403);
    assert.equal(e.list.length, 1);
    assert.equal(e.list[0].quota, 25);

    assert.equal((await api.listProjects({ pageSize: 1 })).totalCount, 25, 'nothing created');
    await api.deleteProject({ projectId: made[0] });
    const p = await api.createProject({ name: 'q-after-delete' });
    assert.match(p.id, UUID_RE);
  });
});
