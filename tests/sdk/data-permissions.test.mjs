// The data directory holds every resource, user data and key hash: under a permissive umask a
// new one is still 0700 and every file scwd writes in it 0600; an existing directory others can
// read is left as the user set it, with a warning at start.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';

import { raw, sleep, startServer, storeBackend } from './lib/harness.mjs';

const parents = [];
after(() => {
  for (const p of parents) fs.rmSync(p, { recursive: true, force: true });
});

function freshParent() {
  const p = fs.mkdtempSync(path.join(os.tmpdir(), 'scwd-perm-'));
  parents.push(p);
  return p;
}

const mode = (p) => fs.statSync(p).mode & 0o777;
const octal = (m) => m.toString(8).padStart(4, '0');
// The first two tests check the modes of the SQLite files (scwd.db, -wal, -shm) by name.
const sqliteFiles = {
  skip: storeBackend() === 'postgres' && 'tests the SQLite file (scwd.db and its -wal/-shm modes)',
};

// Every file in `dir` with its mode.
function fileModes(dir) {
  return Object.fromEntries(fs.readdirSync(dir).map((f) => [f, octal(mode(path.join(dir, f)))]));
}

async function someWrites(server, prefix) {
  for (let i = 0; i < 3; i += 1) {
    const r = await raw(server, 'POST', '/account/v3/projects', { body: { name: `${prefix}-${i}` } });
    assert.equal(r.status, 200, r.text);
  }
}

// The start-up log (stderr) up to its "serving" line, which follows any data directory warning.
async function startupLog(server) {
  for (let i = 0; i < 100 && !/ serving \d+ operations/.test(server.stderr()); i += 1) await sleep(20);
  return server.stderr();
}

function assertPrivateFiles(dir, expected) {
  const modes = fileModes(dir);
  for (const f of expected) assert.ok(f in modes, `${f} missing from ${JSON.stringify(modes)}`);
  for (const [f, m] of Object.entries(modes)) assert.equal(m, '0600', `${f} is ${m}`);
}

describe('data directory permissions', () => {
  it('a new data directory is 0700 and its files 0600 under umask 022', sqliteFiles, async () => {
    const dataDir = path.join(freshParent(), 'nested', 'data');
    // creds: false lets the server generate its secret and write credentials.env.
    const server = await startServer({ dataDir, creds: false, shell: 'umask 022' });
    await someWrites(server, 'perm');
    assert.equal(octal(mode(dataDir)), '0700');
    assertPrivateFiles(dataDir, ['scwd.db', 'scwd.db-wal', 'scwd.db-shm', 'credentials.env']);
    assert.doesNotMatch(await startupLog(server), /accessible by other users/);
    const r = await server.stop();
    assert.equal(r.code, 0, server.logs());
    assert.equal(octal(mode(dataDir)), '0700');
    assertPrivateFiles(dataDir, ['scwd.db', 'credentials.env']);
  });

  it('a directory readable by others: warned about, left as is; files narrowed to 0600', sqliteFiles, async () => {
    const dataDir = path.join(freshParent(), 'data');
    fs.mkdirSync(dataDir);
    fs.chmodSync(dataDir, 0o755);
    const first = await startServer({ dataDir, shell: 'umask 022' });
    assert.match(await startupLog(first), /data directory .* is accessible by other users \(mode 0755\)/);
    await someWrites(first, 'before');
    assert.equal((await first.stop()).code, 0, first.logs());
    assert.equal(octal(mode(dataDir)), '0755', 'scwd changed a directory the user created');

    // Files an earlier version left world-readable are narrowed at the next start.
    for (const f of fs.readdirSync(dataDir)) fs.chmodSync(path.join(dataDir, f), 0o644);
    const second = await startServer({ dataDir, creds: first.creds, shell: 'umask 022' });
    await someWrites(second, 'after');
    assertPrivateFiles(dataDir, ['scwd.db', 'scwd.db-wal', 'scwd.db-shm']);
    assert.match(await startupLog(second), /accessible by other users/);
    assert.equal((await second.stop()).code, 0, second.logs());
    assert.equal(octal(mode(dataDir)), '0755');
  });

  it('a private existing directory gets no warning', async () => {
    const dataDir = path.join(freshParent(), 'data');
    fs.mkdirSync(dataDir, { mode: 0o700 });
    const server = await startServer({ dataDir, shell: 'umask 022' });
    assert.doesNotMatch(await startupLog(server), /accessible by other users/);
    assert.equal((await server.stop()).code, 0, server.logs());
  });
});
