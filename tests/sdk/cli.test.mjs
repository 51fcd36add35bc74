// The binary's command line: --version, --help, the store it is given, bad flags, and the
// route table used for docs/coverage.md.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';

import { REPO_ROOT, SCWD_BIN } from './lib/harness.mjs';

function run(args, env = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SCW')));
  return spawnSync(SCWD_BIN, args, { cwd: REPO_ROOT, env: { ...clean, ...env }, encoding: 'utf8', timeout: 20_000 });
}

describe('command line', () => {
  it('--version prints the version and exits 0', () => {
    const r = run(['--version']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^scwd \d+\.\d+\.\d+/);
  });

  it('--help and serve --help describe the flags', () => {
    const top = run(['--help']);
    assert.equal(top.status, 0);
    assert.match(top.stdout, /serve/);
    const serve = run(['serve', '--help']);
    assert.equal(serve.status, 0);
    for (const flag of ['--listen', '--data', '--log-level', '--store', '--body-limit', 'SCWD_LISTEN', 'SCWD_DATA']) {
      assert.ok(serve.stdout.includes(flag), `serve --help lacks ${flag}`);
    }
  });

  it('--store postgres://... that cannot be reached exits 1, without showing its password', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scwd-cli-'));
    try {
      // Port 1 on loopback: nothing listens there, so the connection is refused at once.
      const r = run(['serve', '--listen', '127.0.0.1:0', '--data', dir, '--store', 'postgres://u:s3cret@127.0.0.1:1/db']);
      assert.equal(r.status, 1, r.stdout + r.stderr);
      assert.match(r.stderr, /cannot open the store/);
      assert.ok(!(r.stdout + r.stderr).includes('s3cret'), 'the password must not be shown');
      assert.ok(!r.stdout.includes('listening'), 'it must not serve');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SCWD_STORE of an unknown kind is refused with exit 2', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scwd-cli-'));
    try {
      const r = run(['serve', '--listen', '127.0.0.1:0', '--data', dir], { SCWD_STORE: 'mysql://x' });
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /unknown --store/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad flag values are refused before serving', () => {
    for (const args of [['serve', '--listen', 'nonsense'], ['serve', '--log-level', 'loud'], ['serve', '--bogus']]) {
      const r = run(args);
      assert.notEqual(r.status, 0, `${args.join(' ')} was accepted`);
      assert.ok(!r.stdout.includes('listening'));
    }
  });

  it('--without names a product, or the server refuses to start', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scwd-cli-'));
    try {
      const r = run(['serve', '--listen', '127.0.0.1:0', '--data', dir, '--without', 'nosuch']);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /no product is named 'nosuch'/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('malformed SCW_* bootstrap values are refused with a message', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scwd-cli-'));
    try {
      const r = run(['serve', '--listen', '127.0.0.1:0', '--data', dir], { SCW_SECRET_KEY: 'not-a-uuid' });
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stderr, /SCW_SECRET_KEY/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('routes --served-json lists the 11 Account operations as served', () => {
    const r = run(['routes', '--served-json']);
    assert.equal(r.status, 0, r.stderr);
    const served = JSON.parse(r.stdout);
    const account = served.filter((x) => x.path.startsWith('/account/v3/'));
    assert.equal(account.length, 11, JSON.stringify(account));
    const all = JSON.parse(run(['routes']).stdout);
    assert.ok(all.length >= 462, `only ${all.length} routes`);
    assert.ok(all.some((x) => x.path === '/billing/v2beta1/invoices' && x.implemented === true));
    // Each published route carries the fields the catalogue declares for it.
    const create = all.find((x) => x.method === 'POST' && x.path === '/account/v3/projects');
    assert.equal(create.body_kind, 'json');
    assert.deepEqual(create.body.find((f) => f.name === 'name'), { name: 'name', kind: 'string', repeated: false });
    const list = all.find((x) => x.method === 'GET' && x.path === '/account/v3/projects');
    assert.equal(list.list_key, 'projects');
    assert.deepEqual(list.query.find((f) => f.name === 'page_size'), { name: 'page_size', kind: 'int', repeated: false });
  });
});
