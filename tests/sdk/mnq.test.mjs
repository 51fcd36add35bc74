// Messaging and Queuing end to end through the official JS SDK (@scaleway/sdk-mnq): NATS accounts
// and credentials (real NKEYs and a user JWT signed by the account, checked with the nats
// client's nkeys), SQS and SNS activation, and SQS and SNS credentials.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';

import { Mnqv1beta1 } from '@scaleway/sdk-mnq';
import { nkeys } from 'nats';

import { UUID_RE, makeClient, raw, show, startServer } from './lib/harness.mjs';
import { TS_RE, assertInvalidArguments, assertNotFound } from './lib/shapes.mjs';

const R = '/mnq/v1beta1/regions/fr-par';
const ACCOUNT_KEYS = ['created_at', 'endpoint', 'id', 'name', 'project_id', 'region', 'updated_at'];
const NATS_CREDS_KEYS = [
  'checksum',
  'created_at',
  'credentials',
  'id',
  'name',
  'nats_account_id',
  'region',
  'updated_at',
];
const CREDS_KEYS = [
  'access_key',
  'created_at',
  'id',
  'name',
  'permissions',
  'project_id',
  'region',
  'secret_checksum',
  'secret_key',
  'updated_at',
];

let server;
let nats;
let sqs;
let sns;
const called = new Set();
const OPERATIONS = {
  nats: [
    'createNatsAccount',
    'deleteNatsAccount',
    'updateNatsAccount',
    'getNatsAccount',
    'listNatsAccounts',
    'createNatsCredentials',
    'deleteNatsCredentials',
    'getNatsCredentials',
    'listNatsCredentials',
  ],
  sns: [
    'activateSns',
    'getSnsInfo',
    'deactivateSns',
    'createSnsCredentials',
    'deleteSnsCredentials',
    'updateSnsCredentials',
    'getSnsCredentials',
    'listSnsCredentials',
  ],
  sqs: [
    'activateSqs',
    'getSqsInfo',
    'deactivateSqs',
    'createSqsCredentials',
    'deleteSqsCredentials',
    'updateSqsCredentials',
    'getSqsCredentials',
    'listSqsCredentials',
  ],
};

function recording(api, names, prefix) {
  return new Proxy(api, {
    get(target, prop) {
      const v = target[prop];
      if (typeof v === 'function' && names.includes(prop)) called.add(`${prefix}.${prop}`);
      return v;
    },
  });
}

// A port of its own for the NATS server the accounts start, so that no other server's is taken.
function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  server = await startServer({ args: ['--nats-listen', `127.0.0.1:${await freePort()}`] });
  const client = makeClient(server);
  nats = recording(new Mnqv1beta1.NatsAPI(client), OPERATIONS.nats, 'nats');
  sqs = recording(new Mnqv1beta1.SqsAPI(client), OPERATIONS.sqs, 'sqs');
  sns = recording(new Mnqv1beta1.SnsAPI(client), OPERATIONS.sns, 'sns');
});

after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly: ${JSON.stringify(r)}`);
  }
});

function parseCreds(content) {
  const jwt = /-----BEGIN NATS USER JWT-----\n(.+)\n------END NATS USER JWT------/.exec(content);
  const seed = /-----BEGIN USER NKEY SEED-----\n(.+)\n------END USER NKEY SEED------/.exec(content);
  assert.ok(jwt && seed, `creds layout: ${content}`);
  return { jwt: jwt[1], seed: seed[1] };
}

function decodeJwt(jwt) {
  const [h, p, s] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()),
    claims: JSON.parse(Buffer.from(p, 'base64url').toString()),
    signed: Buffer.from(`${h}.${p}`),
    signature: Buffer.from(s, 'base64url'),
  };
}

describe('NATS accounts', () => {
  let account;

  it('creates an account whose id is an account public NKEY', async () => {
    account = await nats.createNatsAccount({ name: 'mnq-acc-1' });
    const r = await raw(server, 'GET', `${R}/nats-accounts/${account.id}`);
    assert.equal(r.status, 200, show(r));
    assert.deepEqual(Object.keys(r.json).sort(), ACCOUNT_KEYS);
    assert.match(account.id, /^A[A-Z2-7]{55}$/);
    const pub = nkeys.fromPublic(account.id); // throws on a bad checksum or prefix
    assert.equal(pub.getPublicKey(), account.id);
    assert.equal(account.name, 'mnq-acc-1');
    assert.equal(account.region, 'fr-par');
    assert.equal(account.projectId, server.creds.projectId);
    assert.match(account.endpoint, /^nats:\/\/127\.0\.0\.1:\d+$/);
    assert.match(r.json.created_at, TS_RE);
  });

  it('gets, renames and lists accounts', async () => {
    const got = await nats.getNatsAccount({ natsAccountId: account.id });
    assert.equal(got.id, account.id);
    const renamed = await nats.updateNatsAccount({ natsAccountId: account.id, name: 'renamed' });
    assert.equal(renamed.name, 'renamed');
    const other = await nats.createNatsAccount({ name: 'mnq-acc-2' });
    assert.notEqual(other.id, account.id);
    const all = (await nats.listNatsAccounts({ orderBy: 'name_asc' })).natsAccounts;
    assert.deepEqual(
      all.map((a) => a.name),
      ['mnq-acc-2', 'renamed'],
    );
    const page = await raw(server, 'GET', `${R}/nats-accounts?page_size=1&order_by=created_at_desc`);
    assert.equal(page.json.total_count, 2);
    assert.equal(page.json.nats_accounts[0].id, other.id);
    await nats.deleteNatsAccount({ natsAccountId: other.id });
  });

  it('refuses malformed and unknown ids as the platform does', async () => {
    const bad = await raw(server, 'GET', `${R}/nats-accounts/Wrong-id`);
    assertInvalidArguments(bad, 'nats_account_id');
    assert.equal(bad.json.details[0].help_message, 'value length must be 56 runes');
    const unknown = nkeys.createAccount().getPublicKey();
    const r = await raw(server, 'GET', `${R}/nats-accounts/${unknown}`);
    assertNotFound(r, 'namespace', unknown);
    const del = await raw(server, 'DELETE', `${R}/nats-accounts/${unknown}`);
    assertNotFound(del, 'namespace', unknown);
  });

  it('creates credentials: a user JWT signed by the account and the user seed', async () => {
    const creds = await nats.createNatsCredentials({ natsAccountId: account.id, name: 'user-1' });
    assert.match(creds.id, UUID_RE);
    assert.equal(creds.natsAccountId, account.id);
    assert.equal(creds.credentials.name, 'user.creds');
    const content = creds.credentials.content;
    assert.equal(creds.checksum, crypto.createHash('sha1').update(content).digest('hex'));
    assert.match(content, /\*{25} IMPORTANT \*{25}\n/);
    const { jwt, seed } = parseCreds(content);
    const user = nkeys.fromSeed(Buffer.from(seed));
    const userPub = user.getPublicKey();
    assert.match(userPub, /^U/);
    const t = decodeJwt(jwt);
    assert.deepEqual(t.header, { typ: 'JWT', alg: 'ed25519-nkey' });
    assert.equal(t.claims.sub, userPub);
    assert.equal(t.claims.name, 'user-1');
    assert.equal(t.claims.nats.type, 'user');
    assert.equal(t.claims.nats.issuer_account, account.id);
    assert.match(t.claims.iss, /^A/);
    assert.notEqual(t.claims.iss, account.id, 'signed by a signing key of the account');
    assert.ok(nkeys.fromPublic(t.claims.iss).verify(t.signed, t.signature), 'JWT signature');
    const tampered = Buffer.from(t.signed);
    tampered[tampered.length - 1] ^= 1;
    assert.ok(!nkeys.fromPublic(t.claims.iss).verify(tampered, t.signature));

    // The file is shown once.
    const got = await nats.getNatsCredentials({ natsCredentialsId: creds.id });
    assert.equal(got.credentials, undefined);
    const r = await raw(server, 'GET', `${R}/nats-credentials/${creds.id}`);
    assert.deepEqual(Object.keys(r.json).sort(), NATS_CREDS_KEYS);
    assert.equal(r.json.credentials, null);
    assert.equal(r.json.checksum, creds.checksum);

    const second = await nats.createNatsCredentials({ natsAccountId: account.id, name: 'user-2' });
    assert.notEqual(parseCreds(second.credentials.content).seed, seed);
    const list = (await nats.listNatsCredentials({ natsAccountId: account.id, orderBy: 'name_asc' })).natsCredentials;
    assert.deepEqual(
      list.map((c) => c.name),
      ['user-1', 'user-2'],
    );
    const none = await nats.listNatsCredentials({ natsAccountId: 'A'.repeat(56) });
    assert.equal(none.totalCount, 0);
    await nats.deleteNatsCredentials({ natsCredentialsId: second.id });
    const gone = await raw(server, 'DELETE', `${R}/nats-credentials/${second.id}`);
    assertNotFound(gone, 'credentials', second.id);
  });

  it('refuses credentials for an unknown account', async () => {
    const unknown = nkeys.createAccount().getPublicKey();
    const r = await raw(server, 'POST', `${R}/nats-credentials`, {
      body: { nats_account_id: unknown, name: 'x' },
    });
    assertNotFound(r, 'namespace', unknown);
  });

  it('deleting an account deletes its credentials', async () => {
    const creds = (await nats.listNatsCredentials({ natsAccountId: account.id })).natsCredentials;
    assert.equal(creds.length, 1);
    await nats.deleteNatsAccount({ natsAccountId: account.id });
    const r = await raw(server, 'GET', `${R}/nats-credentials/${creds[0].id}`);
    assertNotFound(r, 'credentials', creds[0].id);
  });
});

for (const [name, api, field, resource] of [
  ['SQS', () => sqs, 'sqs_endpoint_url', 'MnqSQSNamespace'],
  ['SNS', () => sns, 'sns_endpoint_url', 'MnqSNSNamespace'],
]) {
  const lower = name.toLowerCase();
  const Cap = name[0] + lower.slice(1);
  describe(`${name} activation and credentials`, () => {
    it('is disabled until activated, then enabled once', async () => {
      const before = await api()[`get${Cap}Info`]({});
      assert.equal(before.status, 'disabled');
      const on = await api()[`activate${Cap}`]({});
      assert.equal(on.status, 'enabled');
      assert.equal(on.projectId, server.creds.projectId);
      assert.equal(on.region, 'fr-par');
      assert.equal(on[`${lower}EndpointUrl`], `${server.url}/mnq-${lower}/fr-par`);
      const again = await raw(server, 'POST', `${R}/activate-${lower}`, {
        body: { project_id: server.creds.projectId },
      });
      assert.equal(again.status, 409, show(again));
      assert.equal(again.json.type, 'already_exists');
      assert.equal(again.json.resource, resource);
      assert.equal(again.json.resource_id, server.creds.projectId);
      assert.equal(again.json.help_message, `${name} is already enabled on this project`);
      const info = await raw(server, 'GET', `${R}/${lower}-info?project_id=${server.creds.projectId}`);
      assert.equal(info.json.status, 'enabled');
      assert.match(info.json.created_at, TS_RE);
      assert.equal(info.json[field], `${server.url}/mnq-${lower}/fr-par`);
    });

    it('creates credentials with permissions and changes them', async () => {
      const c = await api()[`create${Cap}Credentials`]({
        name: `${lower}-creds`,
        permissions: { canPublish: true, canReceive: false, canManage: true },
      });
      assert.match(c.accessKey, /^[A-Za-z0-9]{20}$/);
      assert.match(c.secretKey, UUID_RE);
      assert.equal(c.secretChecksum, crypto.createHash('sha1').update(c.secretKey).digest('hex'));
      assert.deepEqual(c.permissions, { canPublish: true, canReceive: false, canManage: true });
      const r = await raw(server, 'GET', `${R}/${lower}-credentials/${c.id}`);
      assert.deepEqual(Object.keys(r.json).sort(), CREDS_KEYS);
      assert.equal(r.json.secret_key, c.secretKey, 'the secret reads back, as recorded');
      // Members sent as null are left unchanged.
      const p = await raw(server, 'PATCH', `${R}/${lower}-credentials/${c.id}`, {
        body: { permissions: { can_publish: false, can_receive: null, can_manage: null } },
      });
      assert.equal(p.status, 200, show(p));
      assert.deepEqual(p.json.permissions, {
        can_publish: false,
        can_receive: false,
        can_manage: true,
      });
      const u = await api()[`update${Cap}Credentials`]({
        [`${lower}CredentialsId`]: c.id,
        name: 'renamed',
        permissions: { canReceive: true },
      });
      assert.equal(u.name, 'renamed');
      assert.deepEqual(u.permissions, { canPublish: false, canReceive: true, canManage: true });
      const d = await api()[`create${Cap}Credentials`]({ name: 'defaults' });
      assert.deepEqual(d.permissions, { canPublish: false, canReceive: false, canManage: false });
      const list = (await api()[`list${Cap}Credentials`]({ orderBy: 'name_desc' }))[`${lower}Credentials`];
      assert.deepEqual(
        list.map((x) => x.name),
        ['renamed', 'defaults'],
      );
      const got = await api()[`get${Cap}Credentials`]({ [`${lower}CredentialsId`]: d.id });
      assert.equal(got.accessKey, d.accessKey);
      await api()[`delete${Cap}Credentials`]({ [`${lower}CredentialsId`]: d.id });
      const gone = await raw(server, 'DELETE', `${R}/${lower}-credentials/${d.id}`);
      assertNotFound(gone, 'credentials', d.id);
    });

    it('deactivates once', async () => {
      const off = await api()[`deactivate${Cap}`]({});
      assert.equal(off.status, 'disabled');
      const r = await raw(server, 'POST', `${R}/deactivate-${lower}`, {
        body: { project_id: server.creds.projectId },
      });
      assertNotFound(r, resource, server.creds.projectId);
      const info = await raw(server, 'GET', `${R}/${lower}-info?project_id=${server.creds.projectId}`);
      assert.equal(info.json.status, 'disabled');
      assert.equal(info.json.created_at, null);
    });
  });
}

describe('coverage', () => {
  it('called every operation of the SDK', () => {
    const all = Object.entries(OPERATIONS).flatMap(([p, ops]) => ops.map((o) => `${p}.${o}`));
    assert.deepEqual([...called].sort(), all.sort());
  });
});
