// Serverless Containers (containers v1beta1) end to end through the official JS SDK
// (@scaleway/sdk-container): namespaces, containers with their settings, deploy, and the crons,
// domains, tokens and triggers it shares with Functions. Images are not run here: a request to a
// container's host answers 503 saying so.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Containerv1beta1 } from '@scaleway/sdk-container';

import { UUID_RE, advanceClock, makeClient, raw, rawHttp, show, startServer, tag } from './lib/harness.mjs';

const R = '/containers/v1beta1/regions/fr-par';
const WAIT = { minDelay: 1, maxDelay: 1, timeout: 60 };

let server;
let api;
const called = new Set();

before(async () => {
  server = await startServer();
  const real = new Containerv1beta1.API(makeClient(server));
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

describe('containers', () => {
  let ns;

  it('creates a namespace with its registry, lists and updates it', async () => {
    const name = `cns-${tag()}`;
    ns = await api.createNamespace({ name, environmentVariables: { A: '1' }, secretEnvironmentVariables: [{ key: 'K', value: 'v' }] });
    assert.equal(ns.status, 'pending');
    const waiting = api.waitForNamespace({ namespaceId: ns.id }, WAIT);
    await advance(20);
    ns = await waiting;
    assert.equal(ns.status, 'ready');
    assert.match(ns.registryEndpoint, /^rg\.fr-par\.scw\.cloud\/funcscw/);
    assert.match(ns.secretEnvironmentVariables[0].hashedValue, /^\$argon2id\$/);
    assert.equal((await api.listNamespaces({ name })).totalCount, 1);
    assert.equal((await api.getNamespace({ namespaceId: ns.id })).id, ns.id);
    const up = await api.updateNamespace({ namespaceId: ns.id, description: 'd' });
    assert.equal(up.description, 'd');
    await advance(10);
  });

  it('creates a container with the observed defaults, updates and deploys it', async () => {
    const name = `co-${tag()}`;
    const c = await api.createContainer({ namespaceId: ns.id, name });
    assert.equal(c.status, 'created');
    assert.equal(c.memoryLimit, 2048);
    assert.equal(c.cpuLimit, 1000);
    assert.equal(c.port, 8080);
    assert.equal(c.protocol, 'http1');
    assert.equal(c.maxConcurrency, 50);
    assert.equal(c.localStorageLimit, 1000);
    assert.equal(c.scalingOption.concurrentRequestsThreshold, 50);
    assert.equal(c.healthCheck.failureThreshold, 30);
    assert.equal(c.healthCheck.interval, '10s');
    assert.equal(c.registryImage, `${ns.registryEndpoint}/${name}:latest`);
    assert.match(c.domainName, new RegExp(`-${name}\\.functions\\.fnc\\.fr-par\\.scw\\.cloud$`));

    const badPort = await raw(server, 'PATCH', `${R}/containers/${c.id}`, { body: { port: 70000 } });
    assert.equal(badPort.status, 400, show(badPort));
    const updated = await api.updateContainer({
      containerId: c.id,
      registryImage: 'rg.fr-par.scw.cloud/other/app:1.0',
      port: 3000,
      memoryLimit: 1024,
      cpuLimit: 560,
      healthCheck: { http: { path: '/health' }, failureThreshold: 5, interval: '20s' },
      scalingOption: { cpuUsageThreshold: 70 },
      privacy: 'private',
      protocol: 'h2c',
    });
    assert.equal(updated.port, 3000);
    assert.equal(updated.protocol, 'h2c');
    assert.equal(updated.healthCheck.http.path, '/health');
    assert.equal(updated.healthCheck.tcp, undefined);
    assert.equal(updated.scalingOption.cpuUsageThreshold, 70);
    assert.equal(updated.scalingOption.concurrentRequestsThreshold, undefined);

    assert.equal(updated.status, 'pending', 'an update deploys again');
    await advance(60);
    const pending = await api.deployContainer({ containerId: c.id });
    assert.equal(pending.status, 'pending');
    const waiting = api.waitForContainer({ containerId: c.id }, WAIT);
    await advance(60);
    const ready = await waiting;
    assert.equal(ready.status, 'ready');
    assert.ok(ready.readyAt instanceof Date);

    // Images are not run: the container's host says so.
    const res = await rawHttp(server, 'GET', '/', { headers: { Host: ready.domainName } });
    assert.equal(res.status, 503, res.text);
    assert.match(res.json.message, /not run here/);

    const { containers } = await api.listContainers({ namespaceId: ns.id });
    assert.deepEqual(containers.map((x) => x.id), [c.id]);
    assert.equal((await api.getContainer({ containerId: c.id })).port, 3000);
  });

  it('manages crons, domains, tokens and triggers of a container', async () => {
    const c = await api.createContainer({ namespaceId: ns.id, name: `sub-${tag()}` });
    const cron = await api.createCron({ containerId: c.id, schedule: '0 0 * * *', args: { a: 1 }, name: 'nightly' });
    assert.equal(cron.containerId, c.id);
    await advance(2);
    assert.equal((await api.getCron({ cronId: cron.id })).status, 'ready');
    assert.equal((await api.updateCron({ cronId: cron.id, schedule: '0 12 * * *' })).schedule, '0 12 * * *');
    assert.equal((await api.listCrons({ containerId: c.id })).totalCount, 1);
    const badCron = await raw(server, 'POST', `${R}/crons`, { body: { container_id: c.id, schedule: 'every day', args: {} } });
    assert.equal(badCron.status, 400, show(badCron));
    assert.equal((await api.deleteCron({ cronId: cron.id })).status, 'deleting');

    const d = await api.createDomain({ containerId: c.id, hostname: `c-${tag()}.example.org` });
    assert.equal(d.status, 'pending');
    await advance(15);
    assert.equal((await api.getDomain({ domainId: d.id })).url, `https://${d.hostname}`);
    assert.equal((await api.listDomains({ containerId: c.id })).totalCount, 1);
    assert.equal((await api.deleteDomain({ domainId: d.id })).status, 'deleting');

    const t = await api.createToken({ containerId: c.id, description: 'ci' });
    assert.equal(t.containerId, c.id);
    await advance(2);
    assert.equal((await api.getToken({ tokenId: t.id })).status, 'ready');
    assert.equal((await api.listTokens({ containerId: c.id })).totalCount, 1);
    assert.equal((await api.deleteToken({ tokenId: t.id })).status, 'deleting');

    const trigger = await api.createTrigger({
      name: 'q',
      containerId: c.id,
      sqsConfig: { endpoint: 'https://sqs.example.com', queueUrl: 'https://sqs.example.com/q', accessKey: 'AK', secretKey: 'SK' },
    });
    assert.equal(trigger.inputType, 'sqs');
    assert.equal(trigger.sqsConfig.secretKey, '', 'the external secret is not given back');
    const wire = await raw(server, 'GET', `${R}/triggers/${trigger.id}`);
    assert.ok(!wire.text.includes('"SK"'));
    const up = await api.updateTrigger({ triggerId: trigger.id, sqsConfig: { accessKey: 'AK2', secretKey: 'SK2' } });
    assert.equal(up.sqsConfig.accessKey, 'AK2');
    assert.equal((await api.getTrigger({ triggerId: trigger.id })).name, 'q');
    assert.equal((await api.listTriggers({ containerId: c.id })).totalCount, 1);
    assert.equal((await api.deleteTrigger({ triggerId: trigger.id })).status, 'deleting');
  });

  it('deletes containers and namespaces with what they hold', async () => {
    const c = await api.createContainer({ namespaceId: ns.id, name: `del-${tag()}` });
    const cron = await api.createCron({ containerId: c.id, schedule: '* * * * *', args: {} });
    assert.equal((await api.deleteContainer({ containerId: c.id })).status, 'deleting');
    await advance(10);
    assert.deepEqual((await raw(server, 'GET', `${R}/containers/${c.id}`)).json, { message: 'Container was not found' });
    assert.deepEqual((await raw(server, 'GET', `${R}/crons/${cron.id}`)).json, { message: 'Cron was not found' });
    const left = await api.createContainer({ namespaceId: ns.id, name: `left-${tag()}` });
    assert.equal((await api.deleteNamespace({ namespaceId: ns.id })).status, 'deleting');
    assert.equal((await api.getContainer({ containerId: left.id })).status, 'deleting');
    await advance(10);
    assert.equal((await raw(server, 'GET', `${R}/containers/${left.id}`)).status, 404);
    assert.match(ns.id, UUID_RE);
  });

  it('serves v1 domains and triggers (the Go SDK and Terraform use them): v1 domains are the domains v1beta1 lists', async () => {
    const V1 = '/containers/v1/regions/fr-par';
    const space = await api.createNamespace({ name: `v1-${tag()}` });
    await advance(10);
    const c = await api.createContainer({ namespaceId: space.id, name: `v1-${tag()}` });
    const d = await raw(server, 'POST', `${V1}/domains`, { body: { container_id: c.id, hostname: `v1-${tag()}.example.com`, tags: ['t'] } });
    assert.equal(d.status, 200, show(d));
    assert.equal(d.json.status, 'creating');
    assert.deepEqual(d.json.tags, ['t']);
    await advance(20);
    const seen = await api.getDomain({ domainId: d.json.id });
    assert.equal(seen.hostname, d.json.hostname);
    assert.equal(seen.status, 'ready');
    assert.equal((await raw(server, 'GET', `${V1}/domains/${d.json.id}`)).json.status, 'ready');

    const t = await raw(server, 'POST', `${V1}/triggers`, {
      body: { container_id: c.id, name: 'v1-cron', cron_config: { schedule: '5 4 * * *', timezone: 'Europe/Paris', body: '', headers: {} } },
    });
    assert.equal(t.status, 200, show(t));
    assert.deepEqual(t.json.destination_config, { http_path: '/', http_method: 'post' });
    assert.equal(t.json.source_type, 'cron');
    // The redeploy the v1 API has instead of deploy.
    const r = await raw(server, 'POST', `${V1}/containers/${c.id}/redeploy`, { body: {} });
    assert.equal(r.status, 200, show(r));
    assert.equal(r.json.status, 'updating');

    // Bad input changes nothing; an unknown container is the standard not_found.
    const bad = await raw(server, 'POST', `${V1}/triggers`, { body: { container_id: c.id, name: 'x', cron_config: { schedule: 'never' } } });
    assert.equal(bad.status, 400, show(bad));
    const missing = await raw(server, 'POST', `${V1}/triggers`, {
      body: { container_id: '00000000-0000-4000-8000-000000000000', name: 'x', cron_config: { schedule: '* * * * *' } },
    });
    assert.equal(missing.status, 404, show(missing));
    assert.equal(missing.json.resource, 'container');
    assert.equal((await raw(server, 'GET', `${V1}/triggers?container_id=${c.id}`)).json.total_count, 1);
  });

  it('called every operation of the SDK', () => {
    const fresh = new Containerv1beta1.API(makeClient(server));
    const ops = [];
    for (const k in fresh) if (typeof fresh[k] === 'function' && !k.startsWith('waitFor') && !k.startsWith('pageOf')) ops.push(k);
    assert.deepEqual(ops.filter((op) => !called.has(op)), []);
    assert.equal(ops.length, 29);
  });
});
