// Bad input on every served route: malformed JSON, wrong types for each declared body field, huge
// numbers, deep nesting, invalid UTF-8, NUL bytes, very long strings, bad ids and localities in
// path parameters, negative and huge paging. Every answer must be below 500 (501 for an
// operation not built is fine), carry `Content-Type: application/json` and a JSON body (an error
// body for every write), and leave the store exactly as it was.
//
// The route list and each route's declared query and body fields come from `scwd routes` (the
// same table `routes --served-json` and docs/coverage.md come from). Path ids are well-formed
// UUIDs of resources that do not exist, so a bad value that happens to be acceptable (a 100 KB
// name, an escaped NUL) can only reach a 404. On routes whose path names no resource (creations),
// such values are sent next to a field of the wrong type, so the request is invalid whatever the
// value does; the value still goes through parsing and the catalogue's rules. A second pass sends
// what is invalid whatever the values to the routes naming resources that exist (seeded first).
// The store is compared table by table (a hash of every row) before and after each route.

import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, describe, it } from 'node:test';

import { SCWD_BIN, startServer, storeBackend } from './lib/harness.mjs';

const CONCURRENCY = 8;
const LONG = 100 * 1024; // "very long": 100 KB in bodies (over the 16 KiB header limit in URLs)
const LONG_URL = 8 * 1024; // long, yet under the header limit

const allRoutes = JSON.parse(execFileSync(SCWD_BIN, ['routes'], { encoding: 'utf8' }));
const servedList = JSON.parse(execFileSync(SCWD_BIN, ['routes', '--served-json'], { encoding: 'utf8' }));
const served = allRoutes.filter((r) => r.implemented && !r.path.startsWith('/_scwd'));

let server;
let agent;
let baseline;
// Answers that are not valid UTF-8 although JSON otherwise: invalid bytes of the input echoed in
// an error body (checked by the last test).
const utf8Echoes = [];

// ---------------------------------------------------------------------------------------------
// the store, hashed table by table (read-only, next to the running server: WAL allows it; on
// PostgreSQL (SCWD_TEST_PG) the same through psql, one query per snapshot)

// One Python process for the whole file (starting one per snapshot costs more than the requests):
// each line it reads asks for a snapshot, answered as one line of JSON {table: sha256}.
const SNAPSHOT_PY = `
import hashlib, json, sqlite3, sys
c = sqlite3.connect('file:' + sys.argv[1] + '?mode=ro', uri=True)
for _ in sys.stdin:
    out = {}
    for (t,) in c.execute("select name from sqlite_master where type='table' order by name"):
        h = hashlib.sha256()
        for r in sorted(repr(row) for row in c.execute('select * from "%s"' % t)):
            h.update(r.encode())
        out[t] = h.hexdigest()
    print(json.dumps(out), flush=True)
`;

// The PostgreSQL form: {table: md5 of its rows as text, sorted}, every table outside the catalogs
// (named schema.table outside `public`).
const SNAPSHOT_SQL = `
SELECT coalesce(json_object_agg(t.name, (xpath('/row/h/text()', query_to_xml(format(
  'SELECT md5(coalesce(string_agg(r::text, E''\\n'' ORDER BY r::text), '''')) AS h FROM %I.%I r',
  t.s, t.n), false, true, '')))[1]::text), '{}')
FROM (SELECT table_schema AS s, table_name AS n,
             CASE table_schema WHEN 'public' THEN table_name ELSE table_schema || '.' || table_name END AS name
      FROM information_schema.tables
      WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')) t
`;

let snapshotter;

function startSnapshotter() {
  if (storeBackend() === 'postgres') {
    const psqlArgs = [server.store, '-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', SNAPSHOT_SQL];
    return {
      take: () =>
        new Promise((resolve, reject) => {
          execFile('psql', psqlArgs, { encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
            if (err) reject(new Error(`snapshot through psql failed: ${err.message}\n${stderr}`));
            else resolve(JSON.parse(stdout));
          });
        }),
      stop: () => {},
    };
  }
  const proc = spawn('python3', ['-c', SNAPSHOT_PY, path.join(server.dataDir, 'scwd.db')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = readline.createInterface({ input: proc.stdout });
  const waiting = [];
  lines.on('line', (l) => waiting.shift()?.resolve(JSON.parse(l)));
  proc.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`snapshot process exited (${code})`));
  });
  return {
    take: () =>
      new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        proc.stdin.write('\n');
      }),
    stop: () => proc.stdin.end(),
  };
}

function snapshot() {
  return snapshotter.take();
}

function changedTables(before, now) {
  const names = new Set([...Object.keys(before), ...Object.keys(now)]);
  return [...names].filter((t) => before[t] !== now[t]);
}

// ---------------------------------------------------------------------------------------------
// requests

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function send(method, urlPath, { body, contentType = 'application/json' } = {}) {
  return new Promise((resolve, reject) => {
    const headers = { 'X-Auth-Token': server.creds.secretKey, Accept: 'application/json' };
    if (body !== undefined) {
      headers['Content-Type'] = contentType;
      headers['Content-Length'] = Buffer.byteLength(body);
    }
    const req = http.request(
      { host: '127.0.0.1', port: server.port, method, path: urlPath, headers, agent },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, raw: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error('timeout after 20 s')));
    req.on('error', reject);
    req.end(body);
  });
}

async function pool(items, n, fn) {
  let next = 0;
  const workers = Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next;
      next += 1;
      // eslint-disable-next-line no-await-in-loop
      await fn(items[i]);
    }
  });
  await Promise.all(workers);
}

// ---------------------------------------------------------------------------------------------
// the cases of one route

const WRONG = {
  string: [12345, true, { a: 1 }],
  enum: [7, ['x']],
  date: [1700000000, false],
  int: ['12', true, 1.5, {}],
  float: ['1.5', false],
  bool: ['true', 1],
  object: ['x', 3, ['a']],
  map: ['x', [1]],
};
// Wrong type for a repeated (array) field, and an array of the wrong element type.
const WRONG_REPEATED = { string: ['x', [1, 2]], enum: ['x', [1]], int: ['1', ['x']], float: ['1', ['x']], bool: [true, ['x']], date: ['x', [1]], object: ['x', ['x']], map: ['x', ['x']] };

function wrongValues(f) {
  if (f.kind === 'any') return [];
  return f.repeated ? WRONG_REPEATED[f.kind] ?? [] : WRONG[f.kind] ?? [];
}

// A value that makes any body of the operation invalid: a declared field of the wrong type.
function poisonFor(route, except) {
  const f = (route.body ?? []).find((x) => x.name !== except && wrongValues(x).length > 0);
  return f ? { [f.name]: wrongValues(f)[0] } : null;
}

const PARAM_RE = /\{([a-z_]+)\}/g;

function fillPath(template, override = {}) {
  return template.replace(PARAM_RE, (_, name) => {
    if (name in override) return override[name];
    if (name === 'zone') return 'fr-par-1';
    if (name === 'region') return 'fr-par';
    return crypto.randomUUID();
  });
}

const BAD_IDS = ['not-a-uuid', '%ff%fe', '%00', "'%20OR%201=1--", '..', '%2F%2F', 'a'.repeat(LONG_URL), 'a'.repeat(LONG)];
const BAD_ZONES = ['xx-yyy-99', 'fr-par-9', 'FR-PAR-1', 'fr-par', '%ff', '%00', 'z'.repeat(LONG_URL)];
const BAD_REGIONS = ['mars', 'fr-par-1', 'FR-PAR', '%ff%fe', '%00', 'r'.repeat(LONG_URL)];

const HUGE = ['1e400', '-1e400', '18446744073709551616', '-9223372036854775809', '1' + '0'.repeat(400)];

// Bodies as raw text, so that huge numbers and invalid bytes reach the server as written.
function bodyWith(fields, rawField) {
  const base = JSON.stringify(fields);
  if (!rawField) return base;
  const [name, rawValue] = rawField;
  const inner = base === '{}' ? '' : `,${base.slice(1, -1)}`;
  return Buffer.concat([Buffer.from(`{${JSON.stringify(name)}:`), Buffer.from(rawValue), Buffer.from(`${inner}}`)]);
}

/**
 * Every case for one route: {name, method, path, body?, contentType?, utf8: true when the input
 * carries invalid UTF-8}. `safe`: the path names a resource that does not exist (or the method is
 * GET), so a value that happens to be valid cannot change anything.
 */
function casesFor(route, existing = null) {
  const out = [];
  const { method } = route;
  const params = [...route.path.matchAll(PARAM_RE)].map((m) => m[1]);
  const hasId = params.some((p) => p !== 'zone' && p !== 'region');
  // With `existing` (param -> id of a resource that exists), only what is invalid whatever the
  // values sent: the path names real resources, so an acceptable value would change them.
  const safe = method === 'GET' || (hasId && !existing);
  const writes = ['POST', 'PUT', 'PATCH'].includes(method);
  const raw = route.body_kind === 'raw';
  const base = fillPath(route.path, existing ?? {});
  const add = (name, extra) => out.push({ name, method, path: base, ...extra });

  // Path parameters: bad ids and localities, one parameter at a time.
  for (const p of existing ? [] : params) {
    const values = p === 'zone' ? BAD_ZONES : p === 'region' ? BAD_REGIONS : BAD_IDS;
    for (const v of values) {
      out.push({
        name: `path ${p}=${v.slice(0, 24)}${v.length > 24 ? `...(${v.length})` : ''}`,
        method,
        path: fillPath(route.path, { [p]: v }),
        body: writes && !raw ? '{}' : undefined,
        utf8: v.includes('%ff'),
      });
    }
  }

  // Query parameters: wrong types, huge numbers, invalid UTF-8, NUL, long values, paging.
  const query = route.query ?? [];
  const q = (name, key, value, { valid = false, utf8 = false } = {}) => {
    if (valid && !safe) return; // a creation could accept it: only where nothing can be created
    add(name, { path: `${base}?${key}=${value}`, body: writes && !raw ? '{}' : undefined, utf8 });
  };
  for (const f of query) {
    const k = encodeURIComponent(f.name);
    if (f.kind === 'int' || f.kind === 'float') {
      q(`query ${f.name} not a number`, k, 'abc');
      for (const h of HUGE) q(`query ${f.name}=${h.slice(0, 24)}`, k, h, { valid: f.kind === 'float' });
    }
    if (f.kind === 'bool') q(`query ${f.name} not a boolean`, k, 'maybe');
    if (f.kind === 'enum') q(`query ${f.name} not in the enum`, k, 'no_such_value');
    if (f.kind === 'date') q(`query ${f.name} not a date`, k, 'yesterday');
    q(`query ${f.name} invalid UTF-8`, k, '%ff%fe%c3', { valid: true, utf8: true });
    q(`query ${f.name} NUL`, k, 'a%00b', { valid: true });
    q(`query ${f.name} long`, k, 'q'.repeat(LONG_URL), { valid: true });
    q(`query ${f.name} very long`, k, 'q'.repeat(LONG));
  }
  for (const key of ['page', 'page_size', 'per_page']) {
    if (!query.some((f) => f.name === key)) continue;
    for (const v of ['-1', '0', '1e30', '100000', '18446744073709551616', '1.5', '']) {
      q(`paging ${key}=${v}`, key, v, { valid: true });
    }
  }

  if (!writes) return out;

  // Bodies.
  const ct = raw ? 'text/plain' : 'application/json';
  add('malformed JSON', { body: '{"a": ', contentType: ct });
  add('not an object', { body: '[1,2]', contentType: ct });
  add('trailing garbage', { body: '{} {}', contentType: ct });
  add('deep nesting', { body: `{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, contentType: ct });
  add('deep nesting, top level', { body: `${'['.repeat(10_000)}${']'.repeat(10_000)}`, contentType: ct });
  add('invalid UTF-8', { body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), contentType: ct, utf8: true });
  add('raw NUL', { body: Buffer.from('{"a":"x\u0000y"}'), contentType: ct });
  add('lone NUL', { body: Buffer.from([0]), contentType: ct });
  add('unpaired surrogate', { body: '{"a":"\\ud800"}', contentType: ct });
  add('huge number', { body: bodyWith({}, ['a', '1e400']), contentType: ct });
  if (raw) return out;

  for (const f of route.body ?? []) {
    for (const v of wrongValues(f)) add(`body ${f.name} wrong type ${JSON.stringify(v)}`, { body: JSON.stringify({ [f.name]: v }) });
    // Values that may be acceptable: sent where nothing can be created, or next to a poison.
    const maybe = (name, rawValue) => {
      if (safe) {
        add(name, { body: bodyWith({}, [f.name, rawValue]) });
      } else {
        const poison = poisonFor(route, f.name);
        if (poison) add(`${name} (+ wrong-typed field)`, { body: bodyWith(poison, [f.name, rawValue]) });
      }
    };
    if (f.kind === 'int') {
      // No integer of the platform goes past 64 bits: refused wherever it is sent.
      for (const h of ['18446744073709551616', '-9223372036854775809', '1e400', '1' + '0'.repeat(400)]) {
        add(`body ${f.name}=${h.slice(0, 24)}`, { body: bodyWith({}, [f.name, f.repeated ? `[${h}]` : h]) });
      }
    }
    if (f.kind === 'float') {
      for (const h of ['1e400', '-1e400']) add(`body ${f.name}=${h}`, { body: bodyWith({}, [f.name, f.repeated ? `[${h}]` : h]) });
      maybe(`body ${f.name}=2^64`, f.repeated ? '[18446744073709551616]' : '18446744073709551616');
    }
    if (f.kind === 'string' && !f.repeated) {
      maybe(`body ${f.name} 100 KB`, JSON.stringify('s'.repeat(LONG)));
      maybe(`body ${f.name} escaped NUL`, JSON.stringify('a\u0000b'));
      maybe(`body ${f.name} huge number as text`, JSON.stringify('1e400'));
    }
    if (f.kind === 'string' && f.repeated) maybe(`body ${f.name} 100 KB item`, JSON.stringify(['s'.repeat(LONG)]));
    add(`body ${f.name} deep`, { body: bodyWith({}, [f.name, `${'['.repeat(10_000)}${']'.repeat(10_000)}`]) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

function describeAnswer(c, r, text) {
  const shown = text.length > 300 ? `${text.slice(0, 300)}...` : text;
  return `${c.method} ${c.path.length > 120 ? `${c.path.slice(0, 120)}...` : c.path} [${c.name}] -> ${r.status} ${r.headers['content-type']} ${shown}`;
}

// Returns the problem with one answer, or null.
function check(c, r) {
  let text;
  try {
    text = strictUtf8.decode(r.raw);
  } catch {
    text = r.raw.toString('utf8');
    if (c.utf8) utf8Echoes.push(describeAnswer(c, r, text));
    else return `not UTF-8: ${describeAnswer(c, r, text)}`;
  }
  if (r.status >= 500 && r.status !== 501) return `server error: ${describeAnswer(c, r, text)}`;
  if (r.headers['content-type'] !== 'application/json') return `not JSON: ${describeAnswer(c, r, text)}`;
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    return `body is not JSON: ${describeAnswer(c, r, text)}`;
  }
  if (r.status >= 400) {
    if (!json || typeof json !== 'object' || (typeof json.message !== 'string' && typeof json.type !== 'string'))
      return `not an error body: ${describeAnswer(c, r, text)}`;
  } else if (c.method !== 'GET') {
    return `a write accepted bad input: ${describeAnswer(c, r, text)}`;
  }
  return null;
}

// Resources that exist, by path parameter name, for a second pass over the routes that name them.
async function seed() {
  const ids = { organization_id: server.creds.organizationId, project_id: server.creds.projectId };
  const project = server.creds.projectId;
  const organization = server.creds.organizationId;
  const create = async (key, method, p, body, pick) => {
    const r = await send(method, p, { body: JSON.stringify(body) });
    const text = r.raw.toString('utf8');
    assert.ok(r.status >= 200 && r.status < 300, `seeding ${key}: ${method} ${p} -> ${r.status} ${text}`);
    ids[key] = pick(JSON.parse(text));
  };
  const z = '/instance/v1/zones/fr-par-1';
  await create('security_group_id', 'POST', `${z}/security_groups`, { name: 'bad-input', project, stateful: true }, (j) => j.security_group.id);
  await create('placement_group_id', 'POST', `${z}/placement_groups`, { name: 'bad-input', project }, (j) => j.placement_group.id);
  await create('ip_id', 'POST', `${z}/ips`, { project }, (j) => j.ip.id);
  ids.ip = ids.ip_id;
  await create('private_network_id', 'POST', '/vpc/v2/regions/fr-par/private-networks', { name: 'bad-input', project_id: project }, (j) => j.id);
  await create('vpc_id', 'POST', '/vpc/v2/regions/fr-par/vpcs', { name: 'bad-input', project_id: project }, (j) => j.id);
  await create('group_id', 'POST', '/iam/v1alpha1/groups', { name: 'bad-input', organization_id: organization }, (j) => j.id);
  await create('application_id', 'POST', '/iam/v1alpha1/applications', { name: 'bad-input', organization_id: organization }, (j) => j.id);
  await create('volume_id', 'POST', '/block/v1/zones/fr-par-1/volumes', { name: 'bad-input', perf_iops: 5000, from_empty: { size: 10_000_000_000 }, project_id: project }, (j) => j.id);
  return ids;
}

let seeded;
let sent = 0;

before(async () => {
  // Instant lifecycle: what the seeding creates settles at once, never during the routes' checks.
  server = await startServer({ args: ['--lifecycle-speed', 'instant'] });
  agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  snapshotter = startSnapshotter();
  seeded = await seed();
  // Some lists create what the platform creates on first need (the default VPC): one ordinary
  // call of each list first, so that the baseline already holds it.
  for (const r of served) {
    if (r.method === 'GET' && r.list_key && !/\{(?!zone\}|region\})/.test(r.path)) await send('GET', fillPath(r.path));
  }
  baseline = await snapshot();
});

after(async () => {
  agent?.destroy();
  snapshotter?.stop();
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly: ${JSON.stringify(r)}\n${server.stderr().slice(-2000)}`);
  }
});

describe('bad input on every served route', () => {
  it('covers exactly the routes of routes --served-json', () => {
    const key = (r) => `${r.method} ${r.path}`;
    assert.deepEqual(served.map(key).sort(), servedList.map(key).sort());
    assert.ok(served.length > 100, `only ${served.length} served routes`);
  });

  for (const route of served) {
    it(`${route.method} ${route.path}`, async () => {
      const cases = casesFor(route);
      // Again on resources that exist, where the route names some (never DELETE: it reads no
      // input that could make it invalid).
      const params = [...route.path.matchAll(PARAM_RE)].map((m) => m[1]);
      const existing = Object.fromEntries(params.filter((p) => p in seeded).map((p) => [p, seeded[p]]));
      if (route.method !== 'DELETE' && Object.keys(existing).length > 0) {
        for (const c of casesFor(route, existing)) cases.push({ ...c, name: `existing: ${c.name}` });
      }
      sent += cases.length;
      const problems = [];
      await pool(cases, CONCURRENCY, async (c) => {
        let r;
        try {
          r = await send(c.method, c.path, { body: c.body, contentType: c.contentType });
        } catch (e) {
          problems.push(`transport error: ${c.method} ${c.path.slice(0, 120)} [${c.name}]: ${e.message}`);
          return;
        }
        const p = check(c, r);
        if (p) problems.push(p);
      });
      assert.deepEqual(problems, [], `${problems.length} of ${cases.length} answers wrong:\n${problems.slice(0, 20).join('\n')}`);
      const now = await snapshot();
      const changed = changedTables(baseline, now);
      baseline = now; // one route's change must not fail the routes after it
      assert.deepEqual(changed, [], `bad input changed the store (tables ${changed.join(', ')})`);
    });
  }

  it('sent every kind of bad input, and the server is still healthy', async (t) => {
    t.diagnostic(`${sent} requests`);
    assert.ok(sent > 10_000, `only ${sent} requests`);
    const r = await send('GET', '/_scwd/health');
    assert.equal(r.status, 200, r.raw.toString('utf8'));
  });

  it('invalid UTF-8 of the input is never echoed raw into a JSON body', () => {
    assert.deepEqual(utf8Echoes, [], `${utf8Echoes.length} answers are not valid UTF-8:\n${utf8Echoes.slice(0, 10).join('\n')}`);
  });
});
