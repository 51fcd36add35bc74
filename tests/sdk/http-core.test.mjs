// The HTTP core under a real process: header limit, read and idle timeouts (a slow client
// cannot hold a connection), graceful shutdown with a request in flight, the JSON-lines access
// log (and that it never contains a secret).

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';

import { raw, sleep, startServer } from './lib/harness.mjs';

// Opens a raw TCP connection; resolves with helpers to write and to collect what comes back.
function connect(port) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port }, () => {
      let data = '';
      let closed = false;
      const closedP = new Promise((r) => sock.on('close', () => { closed = true; r(); }));
      sock.on('data', (d) => { data += d.toString('utf8'); });
      sock.on('error', () => {});
      resolve({
        sock,
        write: (s) => sock.write(s),
        data: () => data,
        closed: () => closed,
        waitClosed: (ms) => Promise.race([closedP.then(() => true), sleep(ms).then(() => false)]),
      });
    });
    sock.on('error', reject);
  });
}

describe('timeouts and limits', () => {
  let server;
  before(async () => {
    server = await startServer({ args: ['--read-timeout-ms', '500', '--idle-timeout-ms', '800'] });
  });
  after(async () => {
    const r = await server.stop();
    assert.equal(r.code, 0, server.logs());
  });

  it('a client that stops in the middle of its headers is cut off after the read timeout', async () => {
    const c = await connect(server.port);
    c.write('GET /_scwd/health HTTP/1.1\r\nHost: x\r\n');  // never finishes the header block
    const closed = await c.waitClosed(3000);
    assert.ok(closed, 'connection still open 3 s after a 500 ms read timeout');
    c.sock.destroy();
  });

  it('a slow-drip client (a byte every 200 ms) is still cut off after the read timeout', async () => {
    const c = await connect(server.port);
    const req = 'GET /_scwd/health HTTP/1.1\r\nHost: x\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n';
    let i = 0;
    const timer = setInterval(() => { if (i < req.length && !c.closed()) c.write(req[i++]); }, 200);
    const closed = await c.waitClosed(4000);
    clearInterval(timer);
    assert.ok(closed, 'a drip-feeding client held the connection past the read timeout');
    assert.ok(i < req.length, 'the request was not expected to complete');
    c.sock.destroy();
  });

  it('an idle keep-alive connection is closed after the idle timeout', async () => {
    const c = await connect(server.port);
    c.write('GET /_scwd/health HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(200);
    assert.match(c.data(), /^HTTP\/1\.1 200/);
    const closed = await c.waitClosed(3000);
    assert.ok(closed, 'idle connection kept open past the idle timeout');
    c.sock.destroy();
  });

  it('headers larger than the limit -> 431 JSON', async () => {
    const c = await connect(server.port);
    c.write(`GET /_scwd/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`);
    await c.waitClosed(3000);
    const text = c.data();
    assert.match(text, /^HTTP\/1\.1 431/, text.slice(0, 200));
    assert.match(text, /\r\nContent-Type: application\/json\r\n/i);
    const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
    assert.equal(typeof body.type, 'string');
    c.sock.destroy();
  });

  it('a request that is not HTTP -> 400 JSON, and the server keeps serving', async () => {
    const c = await connect(server.port);
    c.write('HELLO THERE\r\n\r\n');
    await c.waitClosed(3000);
    assert.match(c.data(), /^HTTP\/1\.1 400/);
    c.sock.destroy();
    const r = await raw(server, 'GET', '/_scwd/health', { token: null });
    assert.equal(r.status, 200);
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM lets an in-flight request finish, closes idle connections and exits 0', async () => {
    const server = await startServer({ args: ['--read-timeout-ms', '5000'] });
    const idle = await connect(server.port);
    const busy = await connect(server.port);
    const body = JSON.stringify({ name: 'in-flight', description: 'sent across SIGTERM' });
    busy.write(
      `POST /account/v3/projects HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${server.creds.secretKey}\r\n` +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await sleep(200);
    const exited = server.stop(8000);
    await sleep(300);
    busy.write(body.slice(10));
    const r = await exited;
    assert.equal(r.code, 0, server.logs());
    assert.equal(r.forced, false, 'had to be killed');
    assert.match(busy.data(), /^HTTP\/1\.1 200/, busy.data().slice(0, 300));
    assert.match(busy.data(), /"name":"in-flight"/);
    assert.ok(idle.closed() || (await idle.waitClosed(1000)), 'idle connection left open');
    // The acknowledged write is in the store after a restart.
    const again = await startServer({ dataDir: server.dataDir, creds: server.creds });
    const list = await raw(again, 'GET', '/account/v3/projects?name=in-flight');
    assert.equal(list.json.total_count, 1, JSON.stringify(list.json));
    await again.stop();
    await server.removeDataDir();
  });
});

describe('access log', () => {
  it('one JSON line per request with method, path, status, duration, request id and principal; never a secret', async () => {
    const server = await startServer();
    const ok = await raw(server, 'GET', '/account/v3/projects');
    const denied = await raw(server, 'GET', '/account/v3/projects', { token: '00000000-0000-4000-8000-00000000beef' });
    assert.equal(ok.status, 200);
    assert.equal(denied.status, 401);
    await server.stop();
    const lines = server.stderr().split('\n').filter((l) => l.startsWith('{'));
    const entries = lines.map((l) => JSON.parse(l));
    const okEntry = entries.find((e) => e.request_id === ok.headers.get('x-request-id'));
    assert.ok(okEntry, `no access-log line for ${ok.headers.get('x-request-id')}:\n${lines.join('\n')}`);
    assert.equal(okEntry.method, 'GET');
    assert.equal(okEntry.path, '/account/v3/projects');
    assert.equal(okEntry.status, 200);
    assert.equal(typeof okEntry.duration_ms, 'number');
    assert.match(okEntry.principal_id, /^[0-9a-f-]{36}$/);
    const deniedEntry = entries.find((e) => e.request_id === denied.headers.get('x-request-id'));
    assert.equal(deniedEntry.status, 401);
    assert.equal(deniedEntry.principal_id, '');
    const all = server.stdout().replace(/export SCW_SECRET_KEY=.*\n/, '') + server.stderr();
    assert.ok(!all.includes(server.creds.secretKey), 'the secret key appears in the logs');
    assert.ok(!all.includes('00000000-0000-4000-8000-00000000beef'), 'a presented token appears in the logs');
    await server.removeDataDir();
  });
});
