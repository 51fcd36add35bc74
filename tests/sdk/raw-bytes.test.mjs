// Raw bytes end to end: server user data is bytes (gzip'd cloud-init, NULs, anything that is not
// UTF-8) and round-trips byte-exact, also after a restart on the same data directory, without
// breaking the user-data list or the server's deletion; a missing key is the JSON not_found
// error; and no response carries invalid UTF-8 in JSON, whatever bytes the path, the query or
// the body held.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import zlib from 'node:zlib';

import { Errors } from '@scaleway/sdk-client';
import { Instancev1 } from '@scaleway/sdk-instance';

import { caught, makeClient, raw, show, startServer } from './lib/harness.mjs';

const Z = '/instance/v1/zones/fr-par-1';

let server;
let api; // Instancev1.API
let image;

// The body as bytes, and the response's content type.
async function getBytes(path) {
  const res = await fetch(server.url + path, {
    headers: { 'X-Auth-Token': server.creds.secretKey },
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
}

async function putBytes(path, bytes, contentType = 'text/plain') {
  const res = await fetch(server.url + path, {
    method: 'PATCH',
    headers: { 'X-Auth-Token': server.creds.secretKey, 'Content-Type': contentType },
    body: bytes,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, text: await res.text() };
}

// Every JSON body must be well-formed UTF-8 and parse.
function assertValidJson(bytes, where) {
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    assert.fail(`${where}: body is not valid UTF-8 (${e.message}): ${bytes.toString('hex').slice(0, 200)}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    return assert.fail(`${where}: body is not JSON (${e.message}): ${text.slice(0, 200)}`);
  }
}

async function newServer() {
  const res = await api.createServer({ name: `srv-${crypto.randomUUID().slice(0, 8)}`, commercialType: 'DEV1-S', image });
  return res.server;
}

before(async () => {
  server = await startServer({ args: ['--lifecycle-speed', 'instant'] });
  api = new Instancev1.API(makeClient(server));
  const r = await raw(server, 'GET', '/marketplace/v2/local-images?image_label=ubuntu_jammy&zone=fr-par-1&type=instance_local&arch=x86_64');
  assert.equal(r.status, 200, show(r));
  image = r.json.local_images.find((i) => i.arch === 'x86_64' && i.type === 'instance_local').id;
});

after(async () => {
  if (server) await server.stop();
});

describe('user data is bytes', () => {
  it('gzip bytes, NULs and bytes that are not UTF-8 round-trip; the server stays usable, also after a restart', async () => {
    const s = await newServer();
    const gz = zlib.gzipSync('#cloud-config\npackages:\n  - nginx\n');
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const blob = Buffer.concat([gz, Buffer.from([0, 0, 0xff, 0xfe, 0xc3]), all]);
    const key = `${Z}/servers/${s.id}/user_data`;
    assert.equal((await putBytes(`${key}/cloud-init`, blob)).status, 204);
    assert.equal((await putBytes(`${key}/octets`, gz, 'application/octet-stream')).status, 204);
    // Text through the SDK next to them.
    await api.setServerUserData({ serverId: s.id, key: 'text', content: 'héllo\n' });

    const check = async (when) => {
      const got = await getBytes(`${key}/cloud-init`);
      assert.equal(got.status, 200, `${when}: ${got.bytes.toString('hex').slice(0, 100)}`);
      assert.equal(got.type, 'text/plain', when);
      assert.ok(got.bytes.equals(blob), `${when}: bytes differ`);
      assert.equal(zlib.gunzipSync((await getBytes(`${key}/octets`)).bytes).toString(), '#cloud-config\npackages:\n  - nginx\n', when);
      assert.equal(await api.getServerUserData({ serverId: s.id, key: 'text' }), 'héllo\n', when);
      const list = await api.listServerUserData({ serverId: s.id });
      assert.deepEqual(list.userData, ['cloud-init', 'octets', 'text'], when);
    };
    await check('after writing');

    // Overwriting a binary value with another one.
    const again = Buffer.concat([Buffer.from([0x1f, 0x8b, 0]), crypto.randomBytes(4096)]);
    assert.equal((await putBytes(`${key}/octets`, again)).status, 204);
    assert.ok((await getBytes(`${key}/octets`)).bytes.equals(again));
    assert.equal((await putBytes(`${key}/octets`, gz)).status, 204);
    // The largest value the body limit lets through (1 MiB), random bytes.
    const big = crypto.randomBytes(1024 * 1024);
    assert.equal((await putBytes(`${key}/big`, big)).status, 204);
    assert.ok((await getBytes(`${key}/big`)).bytes.equals(big), 'a 1 MiB value differs');
    await api.deleteServerUserData({ serverId: s.id, key: 'big' });

    // The same data directory after a restart.
    const { dataDir, creds } = server;
    const stopped = await server.stop();
    assert.equal(stopped.code, 0, server.logs().slice(-2000));
    server = await startServer({ dataDir, creds, args: ['--lifecycle-speed', 'instant'] });
    api = new Instancev1.API(makeClient(server));
    await check('after a restart');

    await api.deleteServerUserData({ serverId: s.id, key: 'text' });
    const del = await raw(server, 'DELETE', `${Z}/servers/${s.id}`);
    assert.equal(del.status, 204, show(del));
    const gone = await raw(server, 'GET', `${key}`);
    assert.equal(gone.status, 404, show(gone));
  });

  it('a missing key is the JSON not_found error', async () => {
    const s = await newServer();
    const key = `${Z}/servers/${s.id}/user_data/nope`;
    for (const method of ['GET', 'DELETE']) {
      const r = await raw(server, method, key);
      assert.equal(r.status, 404, show(r));
      assert.equal(r.headers.get('content-type'), 'application/json');
      assert.deepEqual(r.json, { type: 'not_found', message: 'resource is not found', resource: 'instance_user_data', resource_id: 'nope' });
    }
    const e = await caught(() => api.getServerUserData({ serverId: s.id, key: 'nope' }));
    assert.ok(e instanceof Errors.ResourceNotFoundError, String(e));
    await api.deleteServer({ serverId: s.id });
  });
});

describe('JSON bodies are valid UTF-8 whatever the request carried', () => {
  const req = async (method, path, body, contentType = 'application/json') => {
    const res = await fetch(server.url + path, {
      method,
      headers: { 'X-Auth-Token': server.creds.secretKey, ...(body !== undefined ? { 'Content-Type': contentType } : {}) },
      body,
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
  };

  it('in the path: the resource id is echoed with U+FFFD', async () => {
    const r = await req('GET', `${Z}/placement_groups/%ff%fe`);
    assert.ok(r.status >= 400 && r.status < 500, `${r.status}`);
    assert.equal(r.type, 'application/json');
    const j = assertValidJson(r.bytes, 'placement group %ff%fe');
    assert.equal(j.resource_id, '\ufffd\ufffd', JSON.stringify(j));
    // Every product's resource path, and an unknown route.
    for (const p of [`${Z}/servers/%ff%fe`, `${Z}/security_groups/a%c3`, '/vpc/v2/regions/fr-par/private-networks/%ed%a0%80', '/account/v3/projects/%ff', '/iam/v1alpha1/users/%fe', '/nowhere/%ff%fe', '/_scwd/%ff']) {
      const x = await req('GET', p);
      assert.ok(x.status >= 400 && x.status < 500, `${p}: ${x.status}`);
      assert.equal(x.type, 'application/json', p);
      assertValidJson(x.bytes, p);
    }
  });

  it('in the query and the body', async () => {
    const echo = await req('GET', '/marketplace/v2/local-images?image_label=%ff&zone=fr-par-1');
    assert.equal(echo.status, 404);
    assert.equal(assertValidJson(echo.bytes, 'image_label=%ff').resource_id, '\ufffd');
    for (const p of [`${Z}/servers?name=%ff&order=%ff%fe`, `${Z}/security_groups?project=%ff`, '/account/v3/projects?order_by=%c3%28', '/vpc/v2/regions/fr-par/private-networks?project_id=%fe&page_size=%ff']) {
      const x = await req('GET', p);
      assert.ok(x.status < 500, `${p}: ${x.status}`);
      assert.equal(x.type, 'application/json', p);
      assertValidJson(x.bytes, p);
    }
    const bodies = [
      Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), // {"name":"\xff\xfe"}
      Buffer.from('{"name":"\\udcff"}'),
      Buffer.from([0xff, 0xfe, 0x00]),
    ];
    for (const b of bodies) {
      for (const p of [`${Z}/security_groups`, '/account/v3/projects', '/vpc/v2/regions/fr-par/private-networks']) {
        const x = await req('POST', p, b);
        assert.ok(x.status >= 400 && x.status < 500, `${p} ${b.toString('hex')}: ${x.status}`);
        assert.equal(x.type, 'application/json', p);
        assertValidJson(x.bytes, `${p} ${b.toString('hex')}`);
      }
    }
  });

  it('raw bytes in the request line: the answer and the access log line are valid JSON', async () => {
    const id = `${crypto.randomUUID().slice(0, 8)}`;
    const head = Buffer.concat([
      Buffer.from(`GET ${Z}/placement_groups/${id}`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(` HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${server.creds.secretKey}\r\nConnection: close\r\n\r\n`),
    ]);
    const answer = await new Promise((resolve, reject) => {
      const c = net.connect(server.port, '127.0.0.1', () => c.write(head));
      const chunks = [];
      c.setTimeout(10_000, () => c.destroy(new Error('timeout')));
      c.on('data', (d) => chunks.push(d));
      c.on('end', () => resolve(Buffer.concat(chunks)));
      c.on('error', reject);
    });
    const split = answer.indexOf('\r\n\r\n');
    assert.match(answer.subarray(0, split).toString('latin1'), /^HTTP\/1\.1 404 /);
    const j = assertValidJson(answer.subarray(split + 4), 'raw request line');
    assert.equal(j.resource_id, `${id}\ufffd\ufffd`);
    // The access log (stderr, one JSON object a line) escapes the bytes rather than copying them.
    let line;
    for (let i = 0; i < 50 && !line; i += 1) {
      line = server.stderr().split('\n').find((l) => l.includes(id));
      if (!line) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(line, 'no access log line');
    assert.ok(line.includes('\\ufffd\\ufffd') && !line.includes('\ufffd'), line);
    assert.equal(JSON.parse(line).path, `${Z}/placement_groups/${id}\ufffd\ufffd`);
  });

  it('stored bytes: a user-data key that is not UTF-8 is listed as valid JSON', async () => {
    const s = await newServer();
    assert.equal((await putBytes(`${Z}/servers/${s.id}/user_data/k%ff`, Buffer.from('v'))).status, 204);
    const r = await req('GET', `${Z}/servers/${s.id}/user_data`);
    assert.equal(r.status, 200);
    const j = assertValidJson(r.bytes, 'user data list');
    assert.deepEqual(j.user_data, ['k\ufffd']);
    const del = await raw(server, 'DELETE', `${Z}/servers/${s.id}`);
    assert.equal(del.status, 204, show(del));
  });
});
