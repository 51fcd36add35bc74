// Serverless Functions (functions v1beta1) end to end through the official JS SDK
// (@scaleway/sdk-function): namespaces with secret variables, functions, the runtimes, code
// uploaded to the presigned URL and deployed, then served at the function's host name by Node.js
// and Python workers; crons on the virtual clock, custom domains, tokens for private functions,
// triggers. Scaleway's own local runtime (@scaleway/serverless-functions) is the oracle of what a
// handler's answer becomes.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import urlData from '@fastify/url-data';
import Fastify from 'fastify';
import { emulateCoreProcess } from '@scaleway/serverless-functions/framework/dist/framework/local/serving.js';
import { Billingv2beta1 } from '@scaleway/sdk-billing';
import { Functionv1beta1 } from '@scaleway/sdk-function';
import { Iamv1alpha1 } from '@scaleway/sdk-iam';
import { Mnqv1beta1 } from '@scaleway/sdk-mnq';
import { StringCodec, connect, credsAuthenticator } from 'nats';

import {
  UUID_RE, advanceClock, caught, freePort, makeClient, natsServerInstalled, raw, rawHttp, show, sleep, startServer, tag,
} from './lib/harness.mjs';
import { makeZip } from './lib/zip.mjs';

const R = '/functions/v1beta1/regions/fr-par';
const WAIT = { minDelay: 1, maxDelay: 1, timeout: 60 };

const NODE_HANDLER = `
export async function handle(event, context) {
  console.log('node handler called on', event.path);
  return {
    statusCode: 201,
    headers: { 'Content-Type': 'application/json', 'X-Handler': 'node' },
    body: JSON.stringify({
      method: event.httpMethod,
      path: event.path,
      query: event.queryStringParameters,
      body: event.body,
      custom: event.headers['x-custom'],
      env: [process.env.NS_VAR, process.env.FN_VAR, process.env.NS_SECRET, process.env.FN_SECRET],
      uid: process.getuid(),
    }),
  };
}
`;

const PYTHON_HANDLER = `
import json, os

def handle(event, context):
    print("python handler called on", event["path"])
    return {
        "statusCode": 202,
        "headers": {"Content-Type": "application/json", "X-Handler": "python"},
        "body": json.dumps({
            "method": event["httpMethod"],
            "path": event["path"],
            "query": event["queryStringParameters"],
            "body": event["body"],
            "custom": event["headers"].get("x-custom"),
            "env": [os.environ.get("NS_VAR"), os.environ.get("FN_VAR")],
            "uid": os.getuid(),
        }),
    }
`;

let server;
let api;
const called = new Set();

before(async () => {
  // NATS triggers listen on the nats-server scwd runs: on a port of its own.
  server = await startServer({ args: ['--nats-listen', `127.0.0.1:${await freePort()}`] });
  const real = new Functionv1beta1.API(makeClient(server));
  api = new Proxy(real, {
    get(target, prop) {
      const v = target[prop];
      if (typeof v === 'function' && typeof prop === 'string' && !prop.startsWith('waitFor')) called.add(prop);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
});

after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly: ${JSON.stringify(r)}`);
  }
});

const advance = (seconds) => advanceClock(server, seconds);

async function readyNamespace(extra = {}) {
  const ns = await api.createNamespace({ name: `ns-${tag()}`, ...extra });
  const waiting = api.waitForNamespace({ namespaceId: ns.id }, WAIT);
  await advance(20);
  return waiting;
}

// Uploads `zip` through the presigned URL as clients do (the headers it lists), then deploys.
async function upload(fn, zip) {
  const up = await api.getFunctionUploadURL({ functionId: fn.id, contentLength: zip.length });
  const headers = Object.fromEntries(Object.entries(up.headers).map(([k, v]) => [k, v[0]]));
  const res = await fetch(up.url, { method: 'PUT', headers, body: zip });
  assert.equal(res.status, 200, await res.text());
  return up;
}

async function deploy(fn, zip) {
  if (zip) await upload(fn, zip);
  const pending = await api.deployFunction({ functionId: fn.id });
  assert.equal(pending.status, 'pending');
  const waiting = api.waitForFunction({ functionId: fn.id }, WAIT);
  await advance(120);
  return waiting;
}

function call(fn, path, opts = {}) {
  return rawHttp(server, opts.method ?? 'GET', path, {
    headers: { Host: fn.domainName, ...(opts.headers ?? {}) },
    body: opts.body,
    timeoutMs: opts.timeoutMs ?? 30_000,
  });
}

async function logs(fn) {
  const r = await raw(server, 'GET', `/_scwd/functions/${fn.id}/logs`);
  assert.equal(r.status, 200, show(r));
  return r.json.logs;
}

describe('runtimes', () => {
  it('lists the runtimes with their versions, handlers and statuses', async () => {
    const { runtimes, totalCount } = await api.listFunctionRuntimes({});
    assert.equal(totalCount, runtimes.length);
    const node = runtimes.find((r) => r.name === 'node22');
    assert.equal(node.language, 'Node');
    assert.equal(node.version, '22');
    assert.equal(node.defaultHandler, 'handler.handle');
    assert.equal(node.extension, 'js');
    assert.equal(node.status, 'available');
    const py = runtimes.find((r) => r.name === 'python311');
    assert.equal(py.version, '3.11');
    assert.equal(runtimes.find((r) => r.name === 'go124').defaultHandler, 'Handle');
  });
});

describe('namespaces', () => {
  it('creates one with variables and hashed secrets, lists, updates and deletes it', async () => {
    const name = `ns-${tag()}`;
    const ns = await api.createNamespace({
      name,
      description: 'demo',
      environmentVariables: { A: '1' },
      secretEnvironmentVariables: [{ key: 'S', value: 'top-secret' }],
      tags: ['x'],
    });
    assert.equal(ns.status, 'pending');
    assert.equal(ns.registryEndpoint, '');
    assert.deepEqual(ns.environmentVariables, { A: '1' });
    assert.equal(ns.secretEnvironmentVariables[0].key, 'S');
    assert.match(ns.secretEnvironmentVariables[0].hashedValue, /^\$argon2id\$v=19\$m=65536,t=1,/);
    const wire = await raw(server, 'GET', `${R}/namespaces/${ns.id}`);
    assert.ok(!wire.text.includes('top-secret'), 'the secret never comes back');
    const waiting = api.waitForNamespace({ namespaceId: ns.id }, WAIT);
    await advance(20);
    const ready = await waiting;
    assert.equal(ready.status, 'ready');
    assert.match(ready.registryNamespaceId, UUID_RE);
    assert.match(ready.registryEndpoint, new RegExp(`^rg\\.fr-par\\.scw\\.cloud/funcscw${name.replace(/[^a-z0-9]/g, '').slice(0, 20)}[a-z0-9]{8}$`));

    const { namespaces, totalCount } = await api.listNamespaces({ name });
    assert.equal(totalCount, 1);
    assert.equal(namespaces[0].id, ns.id);

    const updated = await api.updateNamespace({
      namespaceId: ns.id,
      description: 'changed',
      environmentVariables: { B: '2' },
      secretEnvironmentVariables: [{ key: 'S' }, { key: 'T', value: 'other' }],
    });
    assert.equal(updated.status, 'pending');
    assert.deepEqual(updated.environmentVariables, { B: '2' });
    assert.deepEqual(updated.secretEnvironmentVariables.map((s) => s.key), ['T']);
    await advance(10);
    assert.equal((await api.getNamespace({ namespaceId: ns.id })).status, 'ready');

    const gone = await api.deleteNamespace({ namespaceId: ns.id });
    assert.equal(gone.status, 'deleting');
    await advance(10);
    const missing = await raw(server, 'GET', `${R}/namespaces/${ns.id}`);
    assert.equal(missing.status, 404, show(missing));
    assert.deepEqual(missing.json, { message: 'Namespace was not found' });
  });
});

describe('functions', () => {
  let ns;
  before(async () => {
    ns = await readyNamespace({
      environmentVariables: { NS_VAR: 'from-namespace' },
      secretEnvironmentVariables: [{ key: 'NS_SECRET', value: 'ns-secret' }],
    });
  });

  it('creates a function with defaults and derived CPU, updates, lists, deletes', async () => {
    const fn = await api.createFunction({ namespaceId: ns.id, name: `fn-${tag()}`, runtime: 'node22' });
    assert.equal(fn.status, 'created');
    assert.equal(fn.minScale, 0);
    assert.equal(fn.maxScale, 5);
    assert.equal(fn.memoryLimit, 256);
    assert.equal(fn.cpuLimit, 140);
    assert.equal(fn.timeout, '300s');
    assert.equal(fn.privacy, 'public');
    assert.equal(fn.httpOption, 'enabled');
    assert.equal(fn.sandbox, 'v2');
    assert.equal(fn.handler, 'handler.handle');
    assert.equal(fn.readyAt, undefined);
    assert.match(fn.domainName, /-fn-[a-z0-9]+\.functions\.fnc\.fr-par\.scw\.cloud$/);

    const up = await api.updateFunction({ functionId: fn.id, memoryLimit: 1024, timeout: '60s', maxScale: 3 });
    assert.equal(up.cpuLimit, 560);
    assert.equal(up.timeout, '60s');
    assert.equal(up.status, 'pending', 'an update deploys again');
    await advance(5);
    const failed = await api.getFunction({ functionId: fn.id });
    assert.equal(failed.status, 'error', 'with no code uploaded');
    assert.match(failed.errorMessage, /no code was uploaded/);
    const bad = await raw(server, 'PATCH', `${R}/functions/${fn.id}`, { body: { memory_limit: 300 } });
    assert.equal(bad.status, 400, show(bad));
    const { functions } = await api.listFunctions({ namespaceId: ns.id });
    assert.ok(functions.some((f) => f.id === fn.id));
    const dup = await raw(server, 'POST', `${R}/functions`, { body: { namespace_id: ns.id, name: fn.name, runtime: 'node22' } });
    assert.equal(dup.status, 409, show(dup));

    const gone = await api.deleteFunction({ functionId: fn.id });
    assert.equal(gone.status, 'deleting');
    await advance(10);
    const missing = await raw(server, 'GET', `${R}/functions/${fn.id}`);
    assert.deepEqual(missing.json, { message: 'Function was not found' });
  });

  it('deploys a Node.js function from a zip and serves it at its host name', async () => {
    const fn = await api.createFunction({
      namespaceId: ns.id,
      name: `node-${tag()}`,
      runtime: 'node22',
      environmentVariables: { FN_VAR: 'from-function' },
      secretEnvironmentVariables: [{ key: 'FN_SECRET', value: 'fn-secret' }],
    });
    const zip = makeZip({ 'handler.js': NODE_HANDLER, 'package.json': '{"type":"module"}' });
    const ready = await deploy(fn, zip);
    assert.equal(ready.status, 'ready');
    assert.ok(ready.readyAt instanceof Date);

    const res = await call(fn, '/some/path?x=1&x=2&y=3', {
      method: 'POST',
      headers: { 'X-Custom': 'hello', 'Content-Type': 'text/plain' },
      body: 'the body',
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.headers['x-handler'], 'node');
    assert.deepEqual(res.json, {
      method: 'POST',
      path: '/some/path',
      query: { x: ['1', '2'], y: '3' },
      body: 'the body',
      custom: 'hello',
      env: ['from-namespace', 'from-function', 'ns-secret', 'fn-secret'],
      uid: 65534,
    });
    // The path form, for clients that cannot set Host.
    const viaPath = await rawHttp(server, 'GET', `/_fn/${fn.domainName}/other?z=9`, {});
    assert.equal(viaPath.status, 201, viaPath.text);
    assert.equal(viaPath.json.path, '/other');
    assert.deepEqual(viaPath.json.query, { z: '9' });

    const entries = await logs(fn);
    assert.ok(entries.length >= 2);
    assert.match(entries[0].output, /node handler called on \/some\/path/);
    assert.equal(entries[0].status, 201);

    // The code comes back from the download URL.
    const dl = await api.getFunctionDownloadURL({ functionId: fn.id });
    const got = Buffer.from(await (await fetch(dl.url)).arrayBuffer());
    assert.ok(got.equals(zip));
    const forged = await fetch(dl.url.replace(/signature=[^&]+/, 'signature=AAAA'));
    assert.equal(forged.status, 403);

    // Billing counts the invocations and the memory they held while they ran.
    const billing = new Billingv2beta1.API(makeClient(server));
    const lines = (await billing.listConsumptions({ categoryName: 'Serverless' })).consumptions;
    const requests = lines.find((l) => l.sku === '/serverless/functions/requests/fr-par');
    assert.ok(requests && Number(requests.billedQuantity) >= 2, JSON.stringify(lines));
    const memory = lines.find((l) => l.sku === '/serverless/functions/memory/fr-par');
    assert.ok(memory && Number(memory.billedQuantity) >= 2 * 256, JSON.stringify(lines));
  });

  it('deploys a Python function and serves it', async () => {
    const fn = await api.createFunction({
      namespaceId: ns.id,
      name: `py-${tag()}`,
      runtime: 'python311',
      environmentVariables: { FN_VAR: 'py-var' },
    });
    await deploy(fn, makeZip({ 'handler.py': PYTHON_HANDLER }));
    const res = await call(fn, '/hello?name=scw', {
      method: 'PUT',
      headers: { 'X-Custom': 'py' },
      body: '{"k":1}',
    });
    assert.equal(res.status, 202, res.text);
    assert.equal(res.headers['x-handler'], 'python');
    assert.deepEqual(res.json, {
      method: 'PUT',
      path: '/hello',
      query: { name: 'scw' },
      body: '{"k":1}',
      custom: 'py',
      env: ['from-namespace', 'py-var'],
      uid: 65534,
    });
    assert.match((await logs(fn))[0].output, /python handler called on \/hello/);
  });

  it('refuses uploads that do not match their signature', async () => {
    const fn = await api.createFunction({ namespaceId: ns.id, name: `up-${tag()}`, runtime: 'node22' });
    const zip = makeZip({ 'handler.js': NODE_HANDLER });
    const up = await api.getFunctionUploadURL({ functionId: fn.id, contentLength: zip.length });
    const longer = Buffer.concat([zip, Buffer.from('x')]);
    let res = await fetch(up.url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: longer });
    assert.equal(res.status, 403, 'a body of another size than signed');
    res = await fetch(up.url.replace(fn.id, '00000000-0000-4000-8000-000000000000'), {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: zip,
    });
    assert.equal(res.status, 403, 'another function');
    // Deploy without code: an error naming why.
    await api.deployFunction({ functionId: fn.id });
    await advance(5);
    const failed = await api.getFunction({ functionId: fn.id });
    assert.equal(failed.status, 'error');
    assert.match(failed.errorMessage, /no code was uploaded/);
  });

  it('ends in error with a message for a bad handler, a bad archive or a runtime it cannot run', async () => {
    const badHandler = await api.createFunction({ namespaceId: ns.id, name: `bh-${tag()}`, runtime: 'node22', handler: 'missing.handle' });
    await upload(badHandler, makeZip({ 'handler.js': NODE_HANDLER }));
    await api.deployFunction({ functionId: badHandler.id });
    await advance(5);
    let f = await api.getFunction({ functionId: badHandler.id });
    assert.equal(f.status, 'error');
    assert.match(f.errorMessage, /missing\.js is not in the archive/);

    const badZip = await api.createFunction({ namespaceId: ns.id, name: `bz-${tag()}`, runtime: 'python311' });
    await upload(badZip, Buffer.from('this is not a zip archive'));
    await api.deployFunction({ functionId: badZip.id });
    await advance(5);
    f = await api.getFunction({ functionId: badZip.id });
    assert.equal(f.status, 'error');
    assert.match(f.errorMessage, /not a zip/);

    const go = await api.createFunction({ namespaceId: ns.id, name: `go-${tag()}`, runtime: 'go124' });
    await upload(go, makeZip({ 'handler.go': 'package main' }));
    await api.deployFunction({ functionId: go.id });
    await advance(5);
    f = await api.getFunction({ functionId: go.id });
    assert.equal(f.status, 'error');
    assert.match(f.errorMessage, /cannot run here/);
  });

  it('answers 504 past the timeout and 500 for a handler that throws', async () => {
    const fn = await api.createFunction({ namespaceId: ns.id, name: `slow-${tag()}`, runtime: 'node22', timeout: '1s' });
    const code = `
export async function handle(event) {
  if (event.path === '/throw') throw new Error('boom');
  await new Promise((r) => setTimeout(r, 30000));
  return 'late';
}`;
    await deploy(fn, makeZip({ 'handler.mjs': code }));
    const started = Date.now();
    const slow = await call(fn, '/');
    assert.equal(slow.status, 504, slow.text);
    // Killed at its 1 s timeout, long before its 30 s sleep ends (room for a slow machine).
    assert.ok(Date.now() - started < 15000, 'killed at the timeout');
    const thrown = await call(fn, '/throw');
    assert.equal(thrown.status, 500);
    assert.match(thrown.text, /function invocation failed: Error: boom/);
  });

  it('serves a private function only with a token of the function or its namespace', async () => {
    const fn = await api.createFunction({ namespaceId: ns.id, name: `priv-${tag()}`, runtime: 'node22', privacy: 'private' });
    await deploy(fn, makeZip({ 'handler.js': NODE_HANDLER }));
    const denied = await call(fn, '/');
    assert.equal(denied.status, 403, denied.text);
    const wrong = await call(fn, '/', { headers: { 'X-Auth-Token': 'not-a-token' } });
    assert.equal(wrong.status, 403);

    // An API key whose bearer may write Functions in the project (here the Owner's) invokes it too;
    // an unknown key does not.
    const owner = await call(fn, '/', { headers: { 'X-Auth-Token': server.creds.secretKey } });
    assert.equal(owner.status, 201, owner.text);
    const unknown = await call(fn, '/', { headers: { 'X-Auth-Token': '00000000-0000-4000-8000-000000000000' } });
    assert.equal(unknown.status, 403);

    const token = await api.createToken({ functionId: fn.id, description: 'ci' });
    assert.equal(token.status, 'creating');
    assert.ok(token.token.length >= 32);
    await advance(5);
    const ok = await call(fn, '/', { headers: { 'X-Auth-Token': token.token } });
    assert.equal(ok.status, 201, ok.text);

    const expires = new Date(Date.now() + 3600_000);
    const nsToken = await api.createToken({ namespaceId: ns.id, expiresAt: expires });
    assert.equal(nsToken.namespaceId, ns.id);
    await advance(5);
    assert.equal((await call(fn, '/', { headers: { 'X-Auth-Token': nsToken.token } })).status, 201);
    const got = await api.getToken({ tokenId: nsToken.id });
    assert.equal(got.status, 'ready');
    assert.equal(got.token, nsToken.token);
    const { tokens } = await api.listTokens({ functionId: fn.id });
    assert.deepEqual(tokens.map((t) => t.id), [token.id]);
    const byNs = await api.listTokens({ namespaceId: ns.id });
    assert.deepEqual(byNs.tokens.map((t) => t.id), [nsToken.id]);
    assert.equal((await api.deleteToken({ tokenId: token.id })).status, 'deleting');
    await advance(5);
    assert.equal((await call(fn, '/', { headers: { 'X-Auth-Token': token.token } })).status, 403);
  });

  it('fires a cron with its arguments when the virtual clock passes its schedule', async () => {
    const fn = await api.createFunction({ namespaceId: ns.id, name: `cron-${tag()}`, runtime: 'node22' });
    await deploy(fn, makeZip({ 'handler.js': 'export function handle(e) { console.log("cron body", e.body); return 1; }' }));
    const bad = await caught(() => api.createCron({ functionId: fn.id, schedule: '61 * * * *', args: {} }));
    assert.equal(bad.status ?? bad.statusCode ?? 400, 400);
    const cron = await api.createCron({ functionId: fn.id, schedule: '*/5 * * * *', args: { hello: 'cron' }, name: 'every5' });
    assert.equal(cron.status, 'pending');
    assert.deepEqual(cron.args, { hello: 'cron' });
    await advance(2);
    assert.equal((await api.getCron({ cronId: cron.id })).status, 'ready');
    const updated = await api.updateCron({ cronId: cron.id, name: 'renamed', args: { hello: 'again' } });
    assert.equal(updated.name, 'renamed');
    await advance(2);
    await advance(301);
    let fired;
    for (let i = 0; i < 50 && !fired; i++) {
      fired = (await logs(fn)).find((l) => l.trigger === 'cron');
      if (!fired) await sleep(200);
    }
    assert.ok(fired, 'the cron fired');
    assert.match(fired.output, /cron body \{"hello":"again"\}/);
    const { crons } = await api.listCrons({ functionId: fn.id });
    assert.deepEqual(crons.map((c) => c.id), [cron.id]);
    assert.equal((await api.deleteCron({ cronId: cron.id })).status, 'deleting');
  });

  it('serves a function at a custom domain once it is ready', async () => {
    const fn = await api.createFunction({ namespaceId: ns.id, name: `dom-${tag()}`, runtime: 'node22' });
    await deploy(fn, makeZip({ 'handler.js': NODE_HANDLER }));
    const hostname = `app-${tag()}.example.com`;
    const d = await api.createDomain({ functionId: fn.id, hostname });
    assert.equal(d.status, 'pending');
    assert.equal(d.url, '');
    const waiting = api.waitForDomain({ domainId: d.id }, WAIT);
    await advance(15);
    const ready = await waiting;
    assert.equal(ready.url, `https://${hostname}`);
    const res = await rawHttp(server, 'GET', '/via-domain', { headers: { Host: hostname } });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.json.path, '/via-domain');
    assert.equal((await api.getDomain({ domainId: d.id })).status, 'ready');
    const { domains } = await api.listDomains({ functionId: fn.id });
    assert.deepEqual(domains.map((x) => x.hostname), [hostname]);
    const dup = await raw(server, 'POST', `${R}/domains`, { body: { function_id: fn.id, hostname } });
    assert.equal(dup.status, 409, show(dup));
    assert.equal((await api.deleteDomain({ domainId: d.id })).status, 'deleting');
    await advance(10);
    assert.equal((await raw(server, 'GET', `${R}/domains/${d.id}`)).json.message, 'Domain was not found');
  });

  it('stores triggers with their SQS or NATS configuration', async () => {
    const fn = await api.createFunction({ namespaceId: ns.id, name: `trg-${tag()}`, runtime: 'node22' });
    const project = server.creds.projectId;
    const sqs = await api.createTrigger({
      name: 'on-queue',
      functionId: fn.id,
      scwSqsConfig: { queue: 'jobs', mnqProjectId: project, mnqRegion: 'fr-par' },
    });
    assert.equal(sqs.status, 'creating');
    assert.equal(sqs.inputType, 'scw_sqs');
    assert.equal(sqs.scwSqsConfig.queue, 'jobs');
    assert.equal(sqs.scwSqsConfig.mnqCredentialId ?? null, null, 'no credential before ready');
    const waiting = api.waitForTrigger({ triggerId: sqs.id }, WAIT);
    await advance(20);
    const ready = await waiting;
    assert.match(ready.scwSqsConfig.mnqCredentialId, UUID_RE);

    const nats = await api.createTrigger({
      name: 'on-subject',
      functionId: fn.id,
      description: 'nats',
      scwNatsConfig: { subject: 'orders.new', mnqNatsAccountId: 'A'.repeat(56), mnqProjectId: project, mnqRegion: 'fr-par' },
    });
    assert.equal(nats.inputType, 'scw_nats');
    const badSubject = await raw(server, 'POST', `${R}/triggers`, {
      body: { name: 'x', function_id: fn.id, scw_nats_config: { subject: 'a b', mnq_nats_account_id: 'A', mnq_project_id: project, mnq_region: 'fr-par' } },
    });
    assert.equal(badSubject.status, 400, show(badSubject));
    const none = await raw(server, 'POST', `${R}/triggers`, { body: { name: 'x', function_id: fn.id } });
    assert.equal(none.status, 400, show(none));

    const renamed = await api.updateTrigger({ triggerId: nats.id, name: 'renamed', description: 'changed' });
    assert.equal(renamed.name, 'renamed');
    assert.equal((await api.getTrigger({ triggerId: nats.id })).description, 'changed');
    const { triggers } = await api.listTriggers({ functionId: fn.id });
    assert.deepEqual(triggers.map((t) => t.id).sort(), [sqs.id, nats.id].sort());
    assert.equal((await api.listTriggers({ namespaceId: ns.id })).totalCount, 2);
    assert.equal((await api.deleteTrigger({ triggerId: sqs.id })).status, 'deleting');
    await advance(30);
    assert.deepEqual((await raw(server, 'GET', `${R}/triggers/${sqs.id}`)).json, { message: 'trigger does not exist' });
  });
});

describe('an SQS trigger', () => {
  it('delivers a message sent to its queue with the AWS SDK to the function, which deletes it', async () => {
    const mnq = new Mnqv1beta1.SqsAPI(makeClient(server));
    const info = await mnq.activateSqs({});
    const creds = await mnq.createSqsCredentials({
      name: 'trigger', permissions: { canPublish: true, canReceive: true, canManage: true },
    });
    const sqs = new SQSClient({
      region: 'fr-par',
      endpoint: info.sqsEndpointUrl,
      credentials: { accessKeyId: creds.accessKey, secretAccessKey: creds.secretKey },
      maxAttempts: 1,
    });
    const queue = `jobs-${tag()}`;
    const ns = await readyNamespace();
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: queue }));
    const fn = await api.createFunction({ namespaceId: ns.id, name: `sqs-${tag()}`, runtime: 'node22' });
    await deploy(fn, makeZip({ 'handler.js': 'export function handle(e) { console.log("got", e.body); return { statusCode: 200 }; }' }));
    const t = await api.createTrigger({
      name: 'on-jobs', functionId: fn.id,
      scwSqsConfig: { queue, mnqProjectId: server.creds.projectId, mnqRegion: 'fr-par' },
    });
    const waiting = api.waitForTrigger({ triggerId: t.id }, WAIT);
    await advance(20);
    assert.equal((await waiting).status, 'ready');
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'job #1' }));
    let got;
    for (let i = 0; i < 100 && !got; i++) {
      got = (await logs(fn)).find((l) => l.trigger === 'sqs');
      if (!got) await sleep(100);
    }
    assert.ok(got, 'the function was invoked by the trigger');
    assert.match(got.output, /got job #1/);
    // Handled, so deleted: nothing left to receive.
    let left;
    for (let i = 0; i < 50; i++) {
      left = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
      if (left.Attributes.ApproximateNumberOfMessagesNotVisible === '0') break;
      await sleep(100);
    }
    assert.equal(left.Attributes.ApproximateNumberOfMessages, '0');
    assert.equal(left.Attributes.ApproximateNumberOfMessagesNotVisible, '0');
    sqs.destroy();

    // The trigger's credentials are real SQS credentials of the queue's project, which may
    // receive and nothing else, and go with the trigger.
    const credId = (await api.getTrigger({ triggerId: t.id })).scwSqsConfig.mnqCredentialId;
    const made = await mnq.getSqsCredentials({ sqsCredentialsId: credId });
    assert.equal(made.projectId, server.creds.projectId);
    assert.deepEqual(made.permissions, { canPublish: false, canReceive: true, canManage: false });
    assert.equal((await api.deleteTrigger({ triggerId: t.id })).status, 'deleting');
    await advance(30);
    assert.equal((await raw(server, 'GET', `${R}/triggers/${t.id}`)).status, 404);
    const gone = await raw(server, 'GET', `/mnq/v1beta1/regions/fr-par/sqs-credentials/${credId}`);
    assert.equal(gone.status, 404, show(gone));
  });
});

describe('a NATS trigger', () => {
  const NO_SERVER = natsServerInstalled() ? false : 'nats-server is not installed (Debian package nats-server)';
  const sc = StringCodec();

  it('delivers messages published on its subject with the NATS client to the function, until deleted', { skip: NO_SERVER }, async () => {
    const nats = new Mnqv1beta1.NatsAPI(makeClient(server));
    const account = await nats.createNatsAccount({ name: `trg-${tag()}` });
    const creds = await nats.createNatsCredentials({ natsAccountId: account.id, name: 'publisher' });
    const ns = await readyNamespace();
    const fn = await api.createFunction({ namespaceId: ns.id, name: `nats-${tag()}`, runtime: 'node22' });
    await deploy(fn, makeZip({ 'handler.js': 'export function handle(e) { console.log("got", e.body); return { statusCode: 200 }; }' }));
    const t = await api.createTrigger({
      name: 'on-orders', functionId: fn.id,
      scwNatsConfig: { subject: 'orders.*', mnqNatsAccountId: account.id, mnqProjectId: server.creds.projectId, mnqRegion: 'fr-par' },
    });
    const waiting = api.waitForTrigger({ triggerId: t.id }, WAIT);
    await advance(20);
    const ready = await waiting;
    assert.equal(ready.status, 'ready');

    // Its credentials are NATS credentials of the account.
    const credId = ready.scwNatsConfig.mnqCredentialId;
    const made = await nats.getNatsCredentials({ natsCredentialsId: credId });
    assert.equal(made.natsAccountId, account.id);

    let nc;
    for (let i = 0; i < 50 && !nc; i++) {
      try {
        nc = await connect({
          servers: account.endpoint,
          authenticator: credsAuthenticator(new TextEncoder().encode(creds.credentials.content)),
          reconnect: false,
        });
      } catch {
        await sleep(100);
      }
    }
    assert.ok(nc, 'connected to the account');
    // Core NATS delivers to the subscribers present when a message is published: the trigger
    // subscribes moments after it is ready, so publish until the function was called.
    const seen = async () => (await logs(fn)).filter((l) => l.trigger === 'nats');
    let got = [];
    for (let i = 0; i < 100 && got.length === 0; i++) {
      nc.publish('orders.new', sc.encode(`order #${i}`));
      nc.publish('invoices.new', sc.encode('not its subject'));
      await nc.flush();
      await sleep(150);
      got = await seen();
    }
    assert.ok(got.length > 0, 'the function was invoked by the trigger');
    assert.match(got[0].output, /got order #\d+/);
    assert.ok(!got.some((l) => /not its subject/.test(l.output)));

    // Deleted: unsubscribed, and its credentials are gone.
    assert.equal((await api.deleteTrigger({ triggerId: t.id })).status, 'deleting');
    await advance(30);
    assert.equal((await raw(server, 'GET', `${R}/triggers/${t.id}`)).status, 404);
    const gone = await raw(server, 'GET', `/mnq/v1beta1/regions/fr-par/nats-credentials/${credId}`);
    assert.equal(gone.status, 404, show(gone));
    await sleep(1500);
    const before = (await seen()).length;
    nc.publish('orders.new', sc.encode('after the trigger'));
    await nc.flush();
    await sleep(1500);
    const after = await seen();
    assert.equal(after.length, before);
    await nc.close();
  });

  it('ends in error for an account that is not in its project', async () => {
    const fn = await api.createFunction({ namespaceId: (await readyNamespace()).id, name: `nats-${tag()}`, runtime: 'node22' });
    const t = await api.createTrigger({
      name: 'nowhere', functionId: fn.id,
      scwNatsConfig: { subject: 'x', mnqNatsAccountId: 'A'.repeat(56), mnqProjectId: server.creds.projectId, mnqRegion: 'fr-par' },
    });
    await advance(20);
    const errored = await api.getTrigger({ triggerId: t.id });
    assert.equal(errored.status, 'error');
    assert.match(errored.errorMessage, /NATS account A+ was not found/);
    assert.equal(errored.scwNatsConfig.mnqCredentialId ?? null, null);
  });
});

describe('private functions and IAM', () => {
  it('lets a member invoke a private function only with write access to Functions in its project', async () => {
    const ns = await readyNamespace();
    const fn = await api.createFunction({ namespaceId: ns.id, name: `iam-${tag()}`, runtime: 'node22', privacy: 'private' });
    await deploy(fn, makeZip({ 'handler.js': NODE_HANDLER }));
    const iam = new Iamv1alpha1.API(makeClient(server));
    const app = await iam.createApplication({ name: `fn-${tag()}`, description: '' });
    const key = await iam.createAPIKey({ applicationId: app.id, description: '' });
    assert.equal((await call(fn, '/', { headers: { 'X-Auth-Token': key.secretKey } })).status, 403);
    await iam.createPolicy({
      name: `fn-${tag()}`, description: '', applicationId: app.id,
      rules: [{ permissionSetNames: ['FunctionsReadOnly'], projectIds: [server.creds.projectId], condition: '' }],
    });
    assert.equal((await call(fn, '/', { headers: { 'X-Auth-Token': key.secretKey } })).status, 403, 'read-only is not enough');
    await iam.createPolicy({
      name: `fn-${tag()}`, description: '', applicationId: app.id,
      rules: [{ permissionSetNames: ['FunctionsFullAccess'], projectIds: [server.creds.projectId], condition: '' }],
    });
    const ok = await call(fn, '/', { headers: { 'X-Auth-Token': key.secretKey } });
    assert.equal(ok.status, 201, ok.text);
  });
});

describe('the oracle: Scaleway\'s local runtime answers like scwd', () => {
  const HANDLERS = {
    object: `export function handle(event) { return { statusCode: 418, headers: { 'X-A': 'b' }, body: JSON.stringify({ p: event.path, q: event.queryStringParameters, b: event.body, m: event.httpMethod, c: event.headers['x-c'] }) }; }`,
    plainObject: `export function handle(event) { return { hello: 'world', n: 1 }; }`,
    number: `export function handle() { return 42; }`,
    string: `export function handle() { return 'just a string'; }`,
    base64: `export function handle() { return { body: Buffer.from('bin').toString('base64'), isBase64Encoded: true }; }`,
    callback: `export function handle(event, context, callback) { callback(null, { statusCode: 202, body: 'cb' }); }`,
    throws: `export function handle() { throw new Error('nope'); }`,
  };

  let ns;
  before(async () => {
    ns = await readyNamespace();
  });

  for (const [name, code] of Object.entries(HANDLERS)) {
    it(`answers alike: ${name}`, async () => {
      const mod = await import(`data:text/javascript,${encodeURIComponent(code)}`);
      // serveHandler()'s server, listening on 127.0.0.1 only (serveHandler binds "localhost").
      const local = Fastify();
      await local.register(urlData);
      for (const type of ['text/json', 'application/x-www-form-urlencoded', 'application/json'])
        local.addContentTypeParser(type, { parseAs: 'string' }, local.defaultTextParser);
      local.addHook('onRequest', (request, reply, done) => {
        reply.header('Access-Control-Allow-Origin', '*');
        reply.header('Access-Control-Allow-Headers', 'Content-Type');
        done();
      });
      local.all('/*', (request, reply) => emulateCoreProcess(mod.handle, request, reply));
      await local.listen({ port: 0, host: '127.0.0.1' });
      try {
        const request = { method: 'POST', headers: { 'X-C': 'see', 'Content-Type': 'text/plain' }, body: 'payload' };
        const oracle = await rawHttp({ port: local.server.address().port }, 'POST', '/a/b?k=v', request);
        const fn = await api.createFunction({ namespaceId: ns.id, name: `or-${name.toLowerCase()}-${tag(4)}`, runtime: 'node22' });
        await deploy(fn, makeZip({ 'handler.mjs': code }));
        const ours = await call(fn, '/a/b?k=v', request);
        assert.equal(ours.status, oracle.status, `${ours.text} vs ${oracle.text}`);
        assert.equal(ours.text, oracle.text);
        assert.equal(ours.headers['content-type'], oracle.headers['content-type']);
        for (const h of ['x-a', 'access-control-allow-origin', 'access-control-allow-headers'])
          assert.equal(ours.headers[h], oracle.headers[h], h);
      } finally {
        await local.close();
      }
    });
  }
});

describe('workers', () => {
  it('runs at most max_scale at once: requests beyond wait, then get 429', async () => {
    const ns = await readyNamespace();
    const fn = await api.createFunction({ namespaceId: ns.id, name: `scale-${tag()}`, runtime: 'node22', maxScale: 1, timeout: '30s' });
    await deploy(fn, makeZip({ 'handler.js': 'export async function handle() { await new Promise((r) => setTimeout(r, 1500)); return { body: String(process.pid) }; }' }));
    const a = call(fn, '/');
    await sleep(100);
    const b = call(fn, '/');
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(ra.status, 200);
    assert.equal(rb.status, 200, 'the second waited for the only worker');
    assert.equal(ra.text, rb.text, 'one worker, reused');
    // 16 waiting per slot at most: the 18th concurrent request is refused at once.
    const many = await Promise.all(Array.from({ length: 18 }, () => call(fn, '/', { timeoutMs: 60_000 })));
    assert.ok(many.some((r) => r.status === 429), many.map((r) => r.status).join(','));
  });
});

describe('coverage', () => {
  it('called every operation of the SDK', () => {
    const ops = [];
    const fresh = new Functionv1beta1.API(makeClient(server));
    for (const k in fresh) if (typeof fresh[k] === 'function' && !k.startsWith('waitFor') && !k.startsWith('pageOf')) ops.push(k);
    const missing = ops.filter((op) => !called.has(op));
    assert.deepEqual(missing, []);
    assert.equal(ops.length, 32);
  });
});
