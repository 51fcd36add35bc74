// Message framing over raw sockets (RFC 9112 section 6): a request whose body length is
// ambiguous or invalid gets a 400 (501 for a transfer coding scwd does not decode) with a JSON
// body, and its connection is closed. Every such request below is followed, on the same
// connection, by a second "smuggled" request that creates a project: it must never be answered
// nor executed.

import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';

import { raw, sleep, startServer } from './lib/harness.mjs';

let server;
let token;

before(async () => {
  server = await startServer({ args: ['--read-timeout-ms', '2000'] });
  token = server.creds.secretKey;
});

after(async () => {
  const r = await server.stop();
  assert.equal(r.code, 0, server.logs());
});

// Sends `bytes` on a fresh connection and collects the answer until the server closes the
// connection or `ms` pass. Resolves {text, closed}.
function exchange(bytes, ms = 3000) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port: server.port });
    let text = '';
    let done = false;
    const finish = (closed) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => finish(false), ms);
    sock.on('connect', () => sock.write(bytes));
    sock.on('data', (d) => {
      text += d.toString('latin1');
    });
    sock.on('close', () => finish(true));
    sock.on('error', (e) => (text ? finish(true) : reject(e)));
  });
}

// The status codes of the responses in a raw byte stream, in order (each response is delimited
// by its Content-Length); anything left that is not a complete response fails the test.
function statuses(text) {
  const out = [];
  let rest = text;
  while (rest.length > 0) {
    const m = /^HTTP\/1\.[01] (\d{3}) [^\r\n]*\r\n/.exec(rest);
    const end = rest.indexOf('\r\n\r\n');
    const len = /\r\ncontent-length: (\d+)\r\n/i.exec(rest.slice(0, end + 2));
    assert.ok(m && end > 0 && len, `not a complete response: ${JSON.stringify(rest.slice(0, 200))}`);
    out.push(Number(m[1]));
    rest = rest.slice(end + 4 + Number(len[1]));
  }
  return out;
}

function firstBody(text) {
  const start = text.indexOf('\r\n\r\n') + 4;
  const len = Number(/\r\ncontent-length: (\d+)\r\n/i.exec(text)[1]);
  return JSON.parse(text.slice(start, start + len));
}

let smuggledSeq = 0;

// A complete request that would create a project if it were ever read as a request.
function smuggled() {
  smuggledSeq += 1;
  const body = JSON.stringify({ name: `smuggled-${smuggledSeq}`, description: 'must not exist' });
  return (
    `POST /account/v3/projects HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`
  );
}

function head(fields, { version = '1.1', method = 'POST' } = {}) {
  return (
    `${method} /account/v3/projects HTTP/${version}\r\nHost: x\r\nX-Auth-Token: ${token}\r\n` +
    `Content-Type: application/json\r\n${fields.map((f) => `${f}\r\n`).join('')}\r\n`
  );
}

async function expectRefused(bytes, status = 400, why = '') {
  const { text, closed } = await exchange(bytes);
  assert.deepEqual(statuses(text), [status], `${why}: expected exactly one ${status}, got:\n${text}`);
  assert.ok(closed, `${why}: connection left open after the ${status}`);
  assert.match(text, /\r\nContent-Type: application\/json\r\n/i, why);
  assert.match(text, /\r\nConnection: close\r\n/i, why);
  const body = firstBody(text);
  assert.equal(typeof body.type, 'string', why);
  assert.equal(typeof body.message, 'string', why);
  return body;
}

async function assertNothingSmuggled() {
  const list = await raw(server, 'GET', '/account/v3/projects?page_size=100');
  assert.equal(list.status, 200, list.text);
  const names = list.json.projects.map((p) => p.name).filter((n) => n.startsWith('smuggled-'));
  assert.deepEqual(names, [], 'a smuggled request was executed');
}

describe('accepted framings', () => {
  it('pipelined requests on one connection are all answered (the detector works)', async () => {
    const get = 'GET /_scwd/health HTTP/1.1\r\nHost: x\r\n\r\n';
    const { text } = await exchange(get + get + get, 1500);
    assert.deepEqual(statuses(text), [200, 200, 200], text);
  });

  it('a chunked body with chunk extensions is read whole', async () => {
    const body = JSON.stringify({ name: 'chunked-ext', description: 'in three chunks' });
    const [a, b, c] = [body.slice(0, 7), body.slice(7, 20), body.slice(20)];
    const bytes =
      head(['Transfer-Encoding: chunked']) +
      `${a.length.toString(16)};foo=bar\r\n${a}\r\n` +
      `${b.length.toString(16)};name="quoted value";flag\r\n${b}\r\n` +
      `${c.length.toString(16).toUpperCase()}\r\n${c}\r\n0;last=1\r\n\r\n` +
      'GET /_scwd/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    const { text } = await exchange(bytes);
    assert.deepEqual(statuses(text), [200, 200], text);
    assert.match(text, /"name":"chunked-ext"/);
  });

  it('trailer fields are read but never merged into the header section', async () => {
    const body = JSON.stringify({ name: 'trailer-auth' });
    // No X-Auth-Token in the header section: one in the trailer must not authenticate.
    const bytes =
      'POST /account/v3/projects HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
      `Transfer-Encoding: chunked\r\nTrailer: X-Auth-Token\r\n\r\n` +
      `${body.length.toString(16)}\r\n${body}\r\n0\r\nX-Auth-Token: ${token}\r\n\r\n`;
    const { text } = await exchange(bytes, 1500);
    assert.deepEqual(statuses(text), [401], text);
    const ok =
      head(['Transfer-Encoding: chunked']) +
      `${body.length.toString(16)}\r\n${body}\r\n0\r\nX-Checksum: abc\r\nX-Other: 1\r\n\r\n`;
    const r = await exchange(ok, 1500);
    assert.deepEqual(statuses(r.text), [200], r.text);
  });

  it('an HTTP/1.0 request with Content-Length is served', async () => {
    const body = JSON.stringify({ name: 'http10' });
    const { text, closed } = await exchange(
      head([`Content-Length: ${body.length}`], { version: '1.0' }) + body,
    );
    assert.deepEqual(statuses(text), [200], text);
    assert.ok(closed, 'HTTP/1.0 without keep-alive: the connection closes after the answer');
  });
});

describe('Transfer-Encoding whose final coding is not chunked: 400 and close', () => {
  for (const te of ['chunked, identity', 'gzip', 'identity', 'chunked, gzip', 'xchunked',
    'chunked;q=1', 'chunked, chunked', '"chunked"', '']) {
    it(`Transfer-Encoding: ${JSON.stringify(te)}`, async () => {
      const body = await expectRefused(
        head([`Transfer-Encoding: ${te}`]) + '0\r\n\r\n' + smuggled(),
        400,
        te,
      );
      assert.equal(body.type, 'invalid_arguments');
      assert.match(body.details[0].help_message, /malformed HTTP request/);
    });
  }

  it('two Transfer-Encoding fields combine: chunked then gzip', async () => {
    await expectRefused(
      head(['Transfer-Encoding: chunked', 'Transfer-Encoding: gzip']) + '0\r\n\r\n' + smuggled(),
    );
  });

  it('two Transfer-Encoding fields: chunked twice', async () => {
    await expectRefused(
      head(['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked']) + '0\r\n\r\n' + smuggled(),
    );
  });

  it('nothing smuggled was executed', assertNothingSmuggled);
});

describe('unknown or undecoded transfer codings under chunked: 501 and close', () => {
  for (const te of ['gzip, chunked', 'deflate, chunked', 'x-custom, chunked']) {
    it(`Transfer-Encoding: ${te}`, async () => {
      const body = await expectRefused(
        head([`Transfer-Encoding: ${te}`]) + '0\r\n\r\n' + smuggled(),
        501,
        te,
      );
      assert.equal(body.type, 'not_implemented');
      assert.match(body.message, /transfer coding '[a-z-]+' is not implemented/);
    });
  }

  it('nothing smuggled was executed', assertNothingSmuggled);
});

describe('Transfer-Encoding with Content-Length: 400 and close', () => {
  const cases = {
    'TE chunked then CL': ['Transfer-Encoding: chunked', 'Content-Length: 5'],
    'CL then TE chunked': ['Content-Length: 5', 'Transfer-Encoding: chunked'],
    'TE gzip then CL': ['Transfer-Encoding: gzip', 'Content-Length: 5'],
    'CL then TE gzip': ['Content-Length: 5', 'Transfer-Encoding: gzip'],
    'TE chunked and CL 0': ['Transfer-Encoding: chunked', 'Content-Length: 0'],
  };
  for (const [name, fields] of Object.entries(cases)) {
    it(name, async () => {
      // Read by Content-Length, "0\r\n\r\n" would be the body; read as chunked, the body ends
      // there: either way the smuggled request follows.
      await expectRefused(head(fields) + '0\r\n\r\n' + smuggled(), 400, name);
    });
  }

  it('nothing smuggled was executed', assertNothingSmuggled);
});

describe('invalid, repeated or listed Content-Length: 400 and close', () => {
  const cases = {
    'list of different values': ['Content-Length: 5, 6'],
    'two fields with different values': ['Content-Length: 5', 'Content-Length: 6'],
    'list of identical values (refused by choice)': ['Content-Length: 5, 5'],
    'two identical fields (refused by choice)': ['Content-Length: 5', 'Content-Length: 5'],
    'non-digits': ['Content-Length: abc'],
    'digits then letters': ['Content-Length: 5x'],
    negative: ['Content-Length: -5'],
    'plus sign': ['Content-Length: +5'],
    hexadecimal: ['Content-Length: 0x5'],
    'more than 64 bits': ['Content-Length: 99999999999999999999999'],
    'exactly 2^64': ['Content-Length: 18446744073709551616'],
    empty: ['Content-Length: '],
  };
  for (const [name, fields] of Object.entries(cases)) {
    it(name, async () => {
      await expectRefused(head(fields) + 'hello' + smuggled(), 400, name);
    });
  }

  it('nothing smuggled was executed', assertNothingSmuggled);
});

describe('bad chunks: 400 and close', () => {
  const cases = {
    'non-hex size': 'zz\r\nhello\r\n0\r\n\r\n',
    'negative size': '-5\r\nhello\r\n0\r\n\r\n',
    'size overflowing 64 bits': '1ffffffffffffffff\r\nhello\r\n0\r\n\r\n',
    'space before the size': ' 5\r\nhello\r\n0\r\n\r\n',
    'missing CRLF after the data': '5\r\nhelloXY0\r\n\r\n',
    'data longer than the size': '3\r\nhello\r\n0\r\n\r\n',
    'bad chunk extension': '5;=x\r\nhello\r\n0\r\n\r\n',
    'bare LF after the size': '5\nhello\r\n0\r\n\r\n',
  };
  for (const [name, chunks] of Object.entries(cases)) {
    it(name, async () => {
      await expectRefused(head(['Transfer-Encoding: chunked']) + chunks + smuggled(), 400, name);
    });
  }

  it('a chunk larger than the body limit: 413 and close', async () => {
    await expectRefused(
      head(['Transfer-Encoding: chunked']) + '7fffffff\r\nhello\r\n' + smuggled(),
      413,
    );
  });

  it('nothing smuggled was executed', assertNothingSmuggled);
});

describe('HTTP/1.0 with Transfer-Encoding: 400 and close', () => {
  it('Transfer-Encoding: chunked', async () => {
    await expectRefused(
      head(['Transfer-Encoding: chunked', 'Connection: keep-alive'], { version: '1.0' }) +
        '0\r\n\r\n' +
        smuggled(),
    );
  });

  it('Transfer-Encoding with Content-Length', async () => {
    await expectRefused(
      head(['Transfer-Encoding: chunked', 'Content-Length: 5', 'Connection: keep-alive'], {
        version: '1.0',
      }) +
        'hello' +
        smuggled(),
    );
  });

  it('nothing smuggled was executed, and the server still serves', async () => {
    await assertNothingSmuggled();
    await sleep(10);
    const r = await raw(server, 'GET', '/_scwd/health', { token: null });
    assert.equal(r.status, 200);
  });
});
