// Cross-cutting error behaviour and wire rules: authentication, routing (404/405/501),
// localities, body limit, Content-Type / Content-Length / X-Request-Id, DELETE 204.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import { Accountv3 } from '@scaleway/sdk-account';
import { Billingv2beta1 } from '@scaleway/sdk-billing';
import { Errors } from '@scaleway/sdk-client';

import { caught, makeClient, raw, rawHttp, show, startServer, tag } from './lib/harness.mjs';
import { assertDenied, assertInvalidArguments, assertProject, assertWire } from './lib/shapes.mjs';

const P = '/account/v3/projects';

let server;
let projects;

before(async () => {
  // Billing left out: its operations stand for the operations not built yet (501).
  server = await startServer({ args: ['--without', 'billing'] });
  projects = new Accountv3.ProjectAPI(makeClient(server));
});

after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly on SIGTERM: ${JSON.stringify(r)}`);
  }
});

// ---------------------------------------------------------------------------------------------

describe('authentication', () => {
  it('no auth header -> 401 denied_authentication, reason invalid_argument', async () => {
    const r = await raw(server, 'GET', P, { token: null });
    assertDenied(r, { reason: 'invalid_argument', method: ['api_key', 'unknown_method'] }, 'no header');
  });

  it('empty X-Auth-Token -> 401 reason invalid_argument', async () => {
    const r = await rawHttp(server, 'GET', P, { headers: { 'X-Auth-Token': '' } });
    assertDenied(r, { reason: 'invalid_argument', method: 'api_key' }, 'empty token');
  });

  it('malformed X-Auth-Token (not a UUID) -> 401 method api_key, reason invalid_argument', async () => {
    for (const tok of ['not-a-uuid', 'SCWXXXXXXXXXXXXXXXXX', `${crypto.randomUUID()}x`]) {
      const r = await raw(server, 'GET', P, { token: tok });
      assertDenied(r, { reason: 'invalid_argument', method: 'api_key' }, `token ${tok}`);
    }
  });

  it('unknown X-Auth-Token -> exactly the recorded 401 body', async () => {
    const r = await raw(server, 'GET', P, { token: crypto.randomUUID() });
    assert.equal(r.status, 401, show(r));
    assertWire(r, 'unknown token');
    assert.deepEqual(r.json, {
      message: 'authentication is denied',
      method: 'api_key',
      reason: 'not_found',
      type: 'denied_authentication',
    });
  });

  it('unknown key through the SDK -> DeniedAuthenticationError(api_key, not_found)', async () => {
    const bad = new Accountv3.ProjectAPI(makeClient(server, { secretKey: crypto.randomUUID() }));
    const e = await caught(() => bad.listProjects());
    assert.ok(e instanceof Errors.DeniedAuthenticationError, `got ${e}`);
    assert.equal(e.status, 401);
    assert.equal(e.method, 'api_key');
    assert.equal(e.reason, 'not_found');
  });

  it('the header name is case-insensitive (X-Auth-Token, x-auth-token, X-AUTH-TOKEN, x-AuTh-ToKeN)', async () => {
    for (const name of ['X-Auth-Token', 'x-auth-token', 'X-AUTH-TOKEN', 'x-AuTh-ToKeN']) {
      const r = await rawHttp(server, 'GET', `${P}/${server.creds.organizationId}`, {
        headers: { [name]: server.creds.secretKey, Accept: 'application/json' },
      });
      assert.equal(r.status, 200, `${name}: ${show(r)}`);
      assert.equal(r.json.id, server.creds.organizationId);
    }
  });

  it('X-Session-Token (JWT auth) -> 401 with method "jwt"', async () => {
    const jwt =
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwiaWF0IjoxNTE2MjM5MDIyfQ.' +
      'SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
    for (const tok of [jwt, crypto.randomUUID()]) {
      const r = await rawHttp(server, 'GET', P, { headers: { 'X-Session-Token': tok } });
      assertDenied(r, { method: 'jwt' }, `session token ${tok.slice(0, 12)}`);
    }
  });

  it('the secret key of the Owner is accepted (control)', async () => {
    const r = await raw(server, 'GET', P);
    assert.equal(r.status, 200, show(r));
  });
});

// ---------------------------------------------------------------------------------------------

describe('routing errors', () => {
  for (const path of ['/nope', '/account/v3/nope', '/account/v99/projects', `${P}/${crypto.randomUUID()}/nope`]) {
    it(`unknown path ${path} -> 404 JSON with a type`, async () => {
      const r = await raw(server, 'GET', path);
      assert.equal(r.status, 404, show(r));
      assertWire(r, path);
      assert.equal(typeof r.json?.type, 'string', show(r));
      assert.equal(typeof r.json?.message, 'string', show(r));
    });
  }

  // The platform's APIs that scwd does not build answer 501 naming the API, not 404.
  for (const [m, path, api] of [
    ['POST', '/lb/v1/zones/fr-par-1/lbs', 'lb/v1'],
    ['GET', '/rdb/v1/regions/fr-par/instances', 'rdb/v1'],
    ['GET', '/domain/v2beta1/dns-zones', 'domain/v2beta1'],
  ]) {
    it(`API not served: ${m} ${path} -> 501 naming ${api}`, async () => {
      const r = await raw(server, m, path, m === 'GET' ? {} : { body: {} });
      assert.equal(r.status, 501, show(r));
      assertWire(r, `${m} ${path}`);
      assert.equal(r.json.type, 'not_implemented', show(r));
      assert.equal(r.json.api, api, show(r));
      assert.match(r.json.message, new RegExp(`API \\(${api}\\) is not served by scwd`));
    });
  }

  for (const [m, path] of [
    ['PUT', P],
    ['DELETE', P],
    ['POST', `${P}/00000000-0000-4000-8000-000000000000`],
    ['PUT', `${P}/00000000-0000-4000-8000-000000000000`],
    ['GET', `${P}/00000000-0000-4000-8000-000000000000/project-qualification`],
  ]) {
    it(`wrong method ${m} ${path} -> 405 JSON with a type`, async () => {
      const r = await raw(server, m, path, m === 'GET' || m === 'DELETE' ? {} : { body: {} });
      assert.equal(r.status, 405, show(r));
      assertWire(r, `${m} ${path}`);
      assert.equal(typeof r.json?.type, 'string', show(r));
    });
  }

  it('a published SDK operation not served -> 501 naming it (GET /billing/v2beta1/invoices, billing left out)', async () => {
    const r = await raw(server, 'GET', '/billing/v2beta1/invoices');
    assert.equal(r.status, 501, show(r));
    assertWire(r, '501');
    assert.equal(typeof r.json?.type, 'string', show(r));
    assert.match(r.json.message, /ListInvoices|listInvoices/, show(r));
  });

  it('the SDK sees the 501 as a ScalewayError with status 501', async () => {
    const billing = new Billingv2beta1.API(makeClient(server));
    const e = await caught(() => billing.listInvoices({}));
    assert.ok(e instanceof Errors.ScalewayError, `got ${e}`);
    assert.equal(e.status, 501);
    assert.match(String(e.message), /ListInvoices|listInvoices/);
  });

  for (const [path, arg] of [
    ['/instance/v1/zones/not-a-zone/servers', 'zone'],
    ['/instance/v1/zones/fr-par-9/servers', 'zone'],
    ['/instance/v1/zones/FR-PAR-1/servers', 'zone'],
    ['/k8s/v1/regions/xx-yyy/clusters', 'region'],
    ['/k8s/v1/regions/fr_par/clusters', 'region'],
    ['/vpc/v2/regions/fr-par-1/private-networks', 'region'],
  ]) {
    it(`bad locality ${path} -> 400 invalid_arguments on ${arg}`, async () => {
      assertInvalidArguments(await raw(server, 'GET', path), arg, path);
    });
  }
});

// ---------------------------------------------------------------------------------------------

describe('body size limit', () => {
  let small;
  before(async () => {
    small = await startServer({ args: ['--body-limit', '4096'] });
  });
  after(async () => {
    if (small) await small.stop();
  });

  it('--body-limit 4096: an 8 KiB body -> 413 JSON with a type', async () => {
    const body = JSON.stringify({ name: 'big', description: '', padding: 'x'.repeat(8192) });
    const r = await raw(small, 'POST', P, { body });
    assert.equal(r.status, 413, show(r));
    assertWire(r, '413');
    assert.equal(typeof r.json?.type, 'string', show(r));
  });

  it('--body-limit 4096: a 3 KiB body is accepted', async () => {
    const body = JSON.stringify({ name: `fits-${tag()}`, description: '', padding: 'x'.repeat(3000) });
    const r = await raw(small, 'POST', P, { body });
    assert.equal(r.status, 200, show(r));
  });

  it('default limit (1 MiB): a body just over 1 MiB -> 413', async () => {
    const body = JSON.stringify({ name: 'big', description: '', padding: 'x'.repeat(1024 * 1024) });
    const r = await raw(server, 'POST', P, { body });
    assert.equal(r.status, 413, show(r));
    assertWire(r, '413 default');
  });

  it('default limit (1 MiB): a 900 KiB body is accepted (unknown fields ignored)', async () => {
    const body = JSON.stringify({ name: `large-${tag()}`, description: '', padding: 'x'.repeat(900 * 1024) });
    const r = await raw(server, 'POST', P, { body });
    assert.equal(r.status, 200, show(r));
    await raw(server, 'DELETE', `${P}/${r.json.id}`);
  });

  it('the server still answers after the oversized requests', async () => {
    assert.equal((await raw(server, 'GET', P)).status, 200);
    assert.equal((await raw(small, 'GET', P)).status, 200);
  });
});

// ---------------------------------------------------------------------------------------------

describe('wire format', () => {
  const created = [];
  after(async () => {
    for (const id of created) await raw(server, 'DELETE', `${P}/${id}`);
  });

  it('every kind of answer: Content-Type exactly application/json, exact Content-Length, X-Request-Id', async () => {
    const id0 = crypto.randomUUID();
    const samples = [
      ['200 list', await raw(server, 'GET', P)],
      ['200 get', await raw(server, 'GET', `${P}/${server.creds.organizationId}`)],
      ['401', await raw(server, 'GET', P, { token: crypto.randomUUID() })],
      ['401 no header', await raw(server, 'GET', P, { token: null })],
      ['404 unknown project', await raw(server, 'GET', `${P}/${id0}`)],
      ['404 unknown path', await raw(server, 'GET', '/definitely/not/here')],
      ['405', await raw(server, 'PUT', P, { body: {} })],
      ['400', await raw(server, 'GET', `${P}?order_by=bogus`)],
      ['412', await raw(server, 'DELETE', `${P}/${server.creds.organizationId}`)],
      ['501', await raw(server, 'GET', '/billing/v2beta1/invoices')],
      ['health', await raw(server, 'GET', '/_scwd/health', { token: null })],
    ];
    for (const [what, r] of samples) assertWire(r, what);
    const expected = [200, 200, 401, 401, 404, 404, 405, 400, 412, 501, 200];
    assert.deepEqual(samples.map(([, r]) => r.status), expected, samples.map(([w, r]) => `${w}: ${r.status}`).join(', '));
  });

  it('X-Request-Id differs between requests', async () => {
    const a = await raw(server, 'GET', P);
    const b = await raw(server, 'GET', P);
    assert.notEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'));
  });

  for (const ct of ['application/json', 'application/json; charset=utf-8', 'application/json;charset=UTF-8']) {
    it(`request Content-Type "${ct}" is accepted (POST and PATCH)`, async () => {
      const r = await raw(server, 'POST', P, {
        body: JSON.stringify({ name: `ct-${tag()}`, description: 'ct' }),
        headers: { 'Content-Type': ct },
      });
      assert.equal(r.status, 200, show(r));
      created.push(r.json.id);
      const u = await raw(server, 'PATCH', `${P}/${r.json.id}`, {
        body: JSON.stringify({ description: 'patched' }),
        headers: { 'Content-Type': ct },
      });
      assert.equal(u.status, 200, show(u));
      assert.equal(u.json.description, 'patched');
    });
  }

  it('non-ASCII and escaped characters round-trip; Content-Length counts bytes', async () => {
    const description = 'Déjà vu — ünïcödé ✓ 😀 "quoted" \\ back\nslash\ttab';
    const r = await raw(server, 'POST', P, { body: { name: `utf8-${tag()}`, description } });
    assert.equal(r.status, 200, show(r));
    created.push(r.json.id);
    assertWire(r, 'utf8 create');
    assert.equal(r.json.description, description);
    const g = await raw(server, 'GET', `${P}/${r.json.id}`);
    assertWire(g, 'utf8 get');
    assert.equal(g.json.description, description);
    assertProject(g.json);
  });

  it('DELETE -> 204, empty body, Content-Type application/json, X-Request-Id', async () => {
    const p = await projects.createProject({ name: `del-${tag()}` });
    const r = await raw(server, 'DELETE', `${P}/${p.id}`);
    assert.equal(r.status, 204, show(r));
    assert.equal(r.text, '');
    assert.ok(['0', null].includes(r.headers.get('content-length')), `content-length ${r.headers.get('content-length')}`);
    assert.equal(r.headers.get('content-type'), 'application/json', 'recorded: 204 answers carry Content-Type application/json');
    assert.ok(r.headers.get('x-request-id'));
  });

  it('keep-alive: many requests on one connection (SDK client) all succeed', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, () => projects.getProject()));
    assert.equal(results.length, 40);
    assert.ok(results.every((p) => p.id === server.creds.organizationId));
  });
});
