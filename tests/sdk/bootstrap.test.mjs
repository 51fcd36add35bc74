// First start / restart behaviour, credentials handling and the /_scwd admin plane.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Accountv3 } from '@scaleway/sdk-account';

import {
  ACCESS_KEY_RE,
  UUID_RE,
  generateCreds,
  makeClient,
  parseExports,
  raw,
  show,
  startServer,
  storeBackend,
} from './lib/harness.mjs';
import { assertDenied, assertWire } from './lib/shapes.mjs';

const P = '/account/v3/projects';
const CRED_FILE = 'credentials.env';

function count(haystack, needle) {
  let n = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + needle.length)) n += 1;
  return n;
}

async function listFiles(dir) {
  const out = [];
  for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Files of the data dir (except credentials.env) whose bytes contain the secret in some form. */
async function filesHoldingSecret(dataDir, secret) {
  const forms = [secret, secret.toUpperCase(), secret.replace(/-/g, ''), secret.replace(/-/g, '').toUpperCase()].map((s) =>
    Buffer.from(s, 'utf8'),
  );
  forms.push(Buffer.from(secret, 'utf16le'));
  const hits = [];
  for (const f of await listFiles(dataDir)) {
    if (path.basename(f) === CRED_FILE) continue;
    const buf = await fsp.readFile(f);
    if (forms.some((needle) => buf.includes(needle))) hits.push(path.relative(dataDir, f));
  }
  return hits;
}

// ---------------------------------------------------------------------------------------------

describe('first start without SCW_* variables: generated credentials', () => {
  let first;
  let second;
  let printed;
  let projectId; // created before the restart
  let credFileText;

  before(async () => {
    first = await startServer({ creds: false });
    printed = parseExports(first.stdout());
  });
  after(async () => {
    if (first) await first.stop();
    if (second) await second.stop();
  });

  it('prints export lines for every SCW_* variable, with valid formats', () => {
    const out = first.stdout();
    for (const v of [
      'SCW_ACCESS_KEY',
      'SCW_SECRET_KEY',
      'SCW_DEFAULT_ORGANIZATION_ID',
      'SCW_DEFAULT_PROJECT_ID',
      'SCW_API_URL',
      'SCW_DEFAULT_REGION',
      'SCW_DEFAULT_ZONE',
    ]) {
      assert.match(out, new RegExp(`^export ${v}=`, 'm'), `no "export ${v}=" line in stdout:\n${out}`);
    }
    assert.match(printed.SCW_ACCESS_KEY, ACCESS_KEY_RE);
    assert.match(printed.SCW_SECRET_KEY, UUID_RE);
    assert.match(printed.SCW_DEFAULT_ORGANIZATION_ID, UUID_RE);
    assert.equal(printed.SCW_DEFAULT_PROJECT_ID, printed.SCW_DEFAULT_ORGANIZATION_ID, 'default project id == organization id');
    assert.equal(printed.SCW_API_URL, first.url);
    assert.equal(printed.SCW_DEFAULT_REGION, 'fr-par');
    assert.equal(printed.SCW_DEFAULT_ZONE, 'fr-par-1');
  });

  it('prints the secret exactly once, on stdout only', () => {
    const secret = printed.SCW_SECRET_KEY;
    assert.equal(count(first.stdout(), secret), 1, 'secret key occurrences on stdout');
    assert.equal(count(first.stderr(), secret), 0, 'secret key must not be logged on stderr');
  });

  it(`writes ${CRED_FILE} with mode 0600 and the same values`, async () => {
    const f = path.join(first.dataDir, CRED_FILE);
    const st = await fsp.stat(f);
    assert.equal((st.mode & 0o777).toString(8), '600', `mode of ${f}`);
    credFileText = await fsp.readFile(f, 'utf8');
    const vars = parseExports(credFileText);
    for (const v of ['SCW_ACCESS_KEY', 'SCW_SECRET_KEY', 'SCW_DEFAULT_ORGANIZATION_ID', 'SCW_DEFAULT_PROJECT_ID']) {
      assert.equal(vars[v], printed[v], `${v} in ${CRED_FILE}`);
    }
  });

  it('the printed key works through the SDK; the default project exists', async () => {
    assert.equal(first.creds.secretKey, printed.SCW_SECRET_KEY);
    const api = new Accountv3.ProjectAPI(makeClient(first));
    const def = await api.getProject();
    assert.equal(def.id, printed.SCW_DEFAULT_ORGANIZATION_ID);
    assert.equal(def.organizationId, printed.SCW_DEFAULT_ORGANIZATION_ID);
    assert.equal(def.name, 'default');
    const p = await api.createProject({ name: 'before-restart', description: 'persist me' });
    projectId = p.id;
  });

  it('the secret key is not stored in plain text in the data directory (while running)', async () => {
    const hits = await filesHoldingSecret(first.dataDir, printed.SCW_SECRET_KEY);
    assert.deepEqual(hits, [], `secret found in ${hits.join(', ')}`);
  });

  it('SIGTERM stops it gracefully (exit code 0)', async () => {
    const r = await first.stop();
    assert.equal(r.forced, false, 'did not exit within 10 s of SIGTERM');
    assert.equal(r.code, 0, `exit: ${JSON.stringify(r)}\n${first.stderr().slice(-2000)}`);
  });

  it('the secret key is not stored in plain text in the data directory (after shutdown)', async () => {
    const hits = await filesHoldingSecret(first.dataDir, printed.SCW_SECRET_KEY);
    assert.deepEqual(hits, [], `secret found in ${hits.join(', ')}`);
  });

  it('restart on the same directory prints no secret and keeps everything', async () => {
    second = await startServer({ creds: false, dataDir: first.dataDir });
    const out = second.stdout() + second.stderr();
    assert.equal(count(out, printed.SCW_SECRET_KEY), 0, 'secret printed again on restart');
    assert.doesNotMatch(second.stdout(), /^\s*(export\s+)?SCW_SECRET_KEY=/m, 'no SCW_SECRET_KEY= line on restart');

    const api = new Accountv3.ProjectAPI(
      makeClient({ ...second, creds: { accessKey: printed.SCW_ACCESS_KEY, secretKey: printed.SCW_SECRET_KEY, organizationId: printed.SCW_DEFAULT_ORGANIZATION_ID, projectId: printed.SCW_DEFAULT_PROJECT_ID } }),
    );
    const def = await api.getProject();
    assert.equal(def.name, 'default');
    const p = await api.getProject({ projectId });
    assert.equal(p.name, 'before-restart');
    assert.equal(p.description, 'persist me');
    const all = await api.listProjects().all();
    assert.equal(all.length, 2);
  });

  it(`${CRED_FILE} is unchanged by the restart`, async () => {
    const f = path.join(first.dataDir, CRED_FILE);
    assert.equal(await fsp.readFile(f, 'utf8'), credFileText);
    assert.equal(((await fsp.stat(f)).mode & 0o777).toString(8), '600');
  });
});

// ---------------------------------------------------------------------------------------------

describe('first start with SCW_* variables: those credentials are used', () => {
  const creds = generateCreds();
  let server;
  before(async () => {
    server = await startServer({ creds });
  });
  after(async () => {
    if (server) await server.stop();
  });

  it('the given secret key authenticates; default project id == the given organization id', async () => {
    const api = new Accountv3.ProjectAPI(makeClient(server));
    const def = await api.getProject({ projectId: creds.projectId });
    assert.equal(def.id, creds.organizationId);
    assert.equal(def.organizationId, creds.organizationId);
    assert.equal(def.name, 'default');
    const list = await api.listProjects({ organizationId: creds.organizationId });
    assert.equal(list.totalCount, 1);
  });

  it('another key is refused (401 not_found)', async () => {
    const r = await raw(server, 'GET', P, { token: crypto.randomUUID() });
    assertDenied(r, { method: 'api_key', reason: 'not_found' }, 'other key');
  });

  it('the given secret is never echoed on stdout/stderr', () => {
    assert.equal(count(server.stdout(), creds.secretKey), 0, 'secret on stdout');
    assert.equal(count(server.stderr(), creds.secretKey), 0, 'secret on stderr');
  });

  it(`the secret is not stored in plain text (and ${CRED_FILE}, if written, is mode 0600)`, async () => {
    const hits = await filesHoldingSecret(server.dataDir, creds.secretKey);
    assert.deepEqual(hits, [], `secret found in ${hits.join(', ')}`);
    try {
      const st = await fsp.stat(path.join(server.dataDir, CRED_FILE));
      assert.equal((st.mode & 0o777).toString(8), '600');
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('admin plane /_scwd', () => {
  let server;
  before(async () => {
    server = await startServer();
  });
  after(async () => {
    if (server) await server.stop();
  });

  it('GET /_scwd/health without auth -> 200 with the documented fields', async () => {
    // serve a few API calls first so counters have something to count
    await raw(server, 'GET', P);
    const r = await raw(server, 'GET', '/_scwd/health', { token: null });
    assert.equal(r.status, 200, show(r));
    assertWire(r, 'health');
    const b = r.json;
    assert.ok(b, r.text);
    for (const k of ['status', 'version', 'uptime_seconds', 'store', 'products', 'operations_served', 'operations_published']) {
      assert.ok(k in b, `health lacks ${k}: ${r.text}`);
    }
    assert.equal(b.status, 'ok');
    assert.equal(typeof b.version, 'string');
    assert.ok(b.version.length > 0);
    assert.equal(typeof b.uptime_seconds, 'number');
    assert.ok(b.uptime_seconds >= 0);
    assert.equal(b.store, storeBackend()); // 'sqlite', or 'postgres' with SCWD_TEST_PG
    assert.ok(Array.isArray(b.products), 'products is an array');
    assert.match(JSON.stringify(b.products), /account/, 'products mention account');
    assert.ok(Number.isInteger(b.operations_served) && b.operations_served >= 0, `operations_served ${b.operations_served}`);
    assert.ok(Number.isInteger(b.operations_published) && b.operations_published > 0, `operations_published ${b.operations_published}`);
    assert.ok(!r.text.includes(server.creds.secretKey), 'health leaks the secret');
  });

  it('GET /_scwd/health with auth works too', async () => {
    const r = await raw(server, 'GET', '/_scwd/health');
    assert.equal(r.status, 200, show(r));
  });

  // /_scwd/routes and /_scwd/whoami are admin endpoints of the server (besides health).
  for (const p of ['/_scwd/routes', '/_scwd/whoami']) {
    it(`GET ${p}: without auth -> 401; unknown key -> 401; the Owner's key -> 200 JSON`, async () => {
      assertDenied(await raw(server, 'GET', p, { token: null }), {}, `${p} no auth`);
      assertDenied(await raw(server, 'GET', p, { token: crypto.randomUUID() }), {}, `${p} unknown key`);
      const ok = await raw(server, 'GET', p);
      assert.equal(ok.status, 200, show(ok));
      assertWire(ok, `${p} owner`);
    });
  }

  it('an unknown /_scwd/ path without auth -> 401 (the whole admin prefix needs the Owner\'s key)', async () => {
    assertDenied(await raw(server, 'GET', '/_scwd/not-health', { token: null }), {}, '/_scwd/not-health no auth');
    const ok = await raw(server, 'GET', '/_scwd/not-health');
    assert.equal(ok.status, 404, `with the Owner's key an unknown admin path is a 404: ${show(ok)}`);
    assertWire(ok, 'unknown admin path');
  });
});
