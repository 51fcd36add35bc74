// NATS through the official NATS client (npm `nats`) with the .creds file the Messaging and
// Queuing API returns: scwd runs nats-server in operator mode and hands it the accounts it signs.
// Publishing, subscribing and a JetStream stream work; deleting credentials or an account shuts
// their clients out.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Mnqv1beta1 } from '@scaleway/sdk-mnq';
import { StringCodec, connect, credsAuthenticator } from 'nats';

import { caught, freePort, makeClient, natsServerInstalled, sleep, startServer } from './lib/harness.mjs';

let server;
let api;
const sc = StringCodec();
const NO_SERVER = natsServerInstalled() ? false : 'nats-server is not installed (Debian package nats-server)';

before(async () => {
  server = await startServer({ args: ['--nats-listen', `127.0.0.1:${await freePort()}`] });
  api = new Mnqv1beta1.NatsAPI(makeClient(server));
});

after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly: ${JSON.stringify(r)}`);
  }
});

const auth = (creds) => credsAuthenticator(new TextEncoder().encode(creds.credentials.content));

// The server starts (or reloads) once the account exists: connect when it accepts the user.
async function connectWith(endpoint, creds) {
  let last;
  for (let i = 0; i < 50; i += 1) {
    try {
      return await connect({ servers: endpoint, authenticator: auth(creds), reconnect: false });
    } catch (e) {
      last = e;
      await sleep(100);
    }
  }
  throw last;
}

async function refused(endpoint, creds) {
  // The change reaches the server within moments: wait until a connection is refused.
  for (let i = 0; i < 50; i += 1) {
    try {
      const nc = await connect({ servers: endpoint, authenticator: auth(creds), reconnect: false });
      await nc.close();
      await sleep(100);
    } catch (e) {
      // The server may close a refused connection before the client has written all it sends,
      // or revoke one accepted a moment before the change arrived: try again to read its reason.
      if (!/EPIPE|ECONNRESET|Revoked/i.test(`${e.code} ${e.message}`)) return e;
      await sleep(100);
    }
  }
  throw new Error('still accepted');
}

describe('NATS with the API credentials', { skip: NO_SERVER }, () => {
  let account;
  let creds;
  let nc;

  it('connects with the .creds file, publishes and subscribes', async () => {
    account = await api.createNatsAccount({ name: 'nats-e2e' });
    assert.match(account.endpoint, /^nats:\/\/127\.0\.0\.1:\d+$/);
    creds = await api.createNatsCredentials({ natsAccountId: account.id, name: 'app' });
    nc = await connectWith(account.endpoint, creds);
    const sub = nc.subscribe('orders.*', { max: 2 });
    nc.publish('orders.1', sc.encode('first'));
    nc.publish('orders.2', sc.encode('second'));
    const got = [];
    for await (const m of sub) got.push([m.subject, sc.decode(m.data)]);
    assert.deepEqual(got, [
      ['orders.1', 'first'],
      ['orders.2', 'second'],
    ]);
    const reply = nc.subscribe('svc.echo');
    (async () => {
      for await (const m of reply) m.respond(m.data);
    })();
    const r = await nc.request('svc.echo', sc.encode('ping'), { timeout: 2000 });
    assert.equal(sc.decode(r.data), 'ping');
  });

  it('uses a JetStream stream and a durable consumer', async () => {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: 'EVENTS', subjects: ['events.>'] });
    const js = nc.jetstream();
    for (let i = 1; i <= 3; i += 1) {
      const ack = await js.publish(`events.${i}`, sc.encode(`e${i}`));
      assert.equal(ack.stream, 'EVENTS');
      assert.equal(ack.seq, i);
    }
    const info = await jsm.streams.info('EVENTS');
    assert.equal(info.state.messages, 3);
    await jsm.consumers.add('EVENTS', { durable_name: 'worker', ack_policy: 'explicit' });
    const consumer = await js.consumers.get('EVENTS', 'worker');
    const batch = await consumer.fetch({ max_messages: 3, expires: 2000 });
    const bodies = [];
    for await (const m of batch) {
      bodies.push(sc.decode(m.data));
      m.ack();
      if (bodies.length === 3) break;
    }
    assert.deepEqual(bodies, ['e1', 'e2', 'e3']);
  });

  it('keeps accounts apart', async () => {
    const other = await api.createNatsAccount({ name: 'other' });
    const oc = await api.createNatsCredentials({ natsAccountId: other.id, name: 'o' });
    const onc = await connectWith(other.endpoint, oc);
    const sub = nc.subscribe('shared.subject', { max: 1 });
    onc.publish('shared.subject', sc.encode('from the other account'));
    await onc.flush();
    nc.publish('shared.subject', sc.encode('mine'));
    for await (const m of sub) assert.equal(sc.decode(m.data), 'mine');
    await onc.close();
  });

  it('deleting credentials closes and refuses their connections', async () => {
    const closed = nc.closed();
    await api.deleteNatsCredentials({ natsCredentialsId: creds.id });
    const e = await refused(account.endpoint, creds);
    assert.match(`${e.code} ${e.message}`, /AUTHORIZATION_VIOLATION|Authorization/i);
    const err = await Promise.race([closed, sleep(5000).then(() => 'still open')]);
    assert.notEqual(err, 'still open');
  });

  it('deleting an account refuses its users', async () => {
    const c2 = await api.createNatsCredentials({ natsAccountId: account.id, name: 'second' });
    const nc2 = await connectWith(account.endpoint, c2);
    await nc2.close();
    await api.deleteNatsAccount({ natsAccountId: account.id });
    const e = await refused(account.endpoint, c2);
    assert.ok(e);
  });

  it('signed JWTs of another operator are refused', async () => {
    const foreign = await caught(() =>
      connect({
        servers: account.endpoint,
        authenticator: credsAuthenticator(
          new TextEncoder().encode(
            '-----BEGIN NATS USER JWT-----\neyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.AA\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\nSUAMK2FG4MI6UE3ACF3FK3OIQBCEIEZV7NSWFFEW63UXMRLFM2XLAXK4GY\n------END USER NKEY SEED------\n',
          ),
        ),
        reconnect: false,
      }),
    );
    assert.ok(foreign);
  });
});

describe('without nats-server', () => {
  it('the API still works, a log line says why, connecting is refused', async () => {
    const port = await freePort();
    const s = await startServer({
      args: ['--nats-listen', `127.0.0.1:${port}`, '--nats-server', '/nonexistent/nats-server'],
    });
    try {
      const a = new Mnqv1beta1.NatsAPI(makeClient(s));
      const acc = await a.createNatsAccount({ name: 'no-server' });
      const creds = await a.createNatsCredentials({ natsAccountId: acc.id, name: 'u' });
      assert.ok(creds.credentials.content.includes('-----BEGIN USER NKEY SEED-----'));
      assert.match(s.stderr(), /nats-server is not installed at \/nonexistent\/nats-server .*NATS clients cannot connect to 127\.0\.0\.1:\d+/);
      const e = await caught(() =>
        connect({ servers: acc.endpoint, authenticator: auth(creds), reconnect: false, timeout: 2000 }),
      );
      assert.match(`${e.code} ${e.message}`, /CONNECTION_REFUSED|ECONNREFUSED/);
    } finally {
      await s.stop();
    }
  });
});
