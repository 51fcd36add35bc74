// Test harness: start/stop a real `build/scwd` process and talk to it, either through the
// official Scaleway JS SDK (makeClient) or with raw HTTP (raw / rawHttp).
//
// Every server binds 127.0.0.1 on a random port and gets its own data directory under the OS
// temp dir (unless one is given). Servers that a test file forgets to stop are SIGKILLed when
// the test process exits, and the temp directories the harness created are removed then
// (set SCWD_KEEP_DATA=1 to keep them for post-mortem).
//
// With SCWD_TEST_PG=postgres://scwd@127.0.0.1:PORT (a throwaway cluster, scripts/pg-cluster.sh),
// every server stores into PostgreSQL instead of the SQLite file: the database of a data
// directory is named after its path, so a restart on the same directory finds its data again and
// a fresh directory starts empty.

import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { createClient } from '@scaleway/sdk-client';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(here, '..', '..', '..');
export const SCWD_BIN = process.env.SCWD_BIN
  ? path.resolve(process.env.SCWD_BIN)
  : path.join(REPO_ROOT, 'build', 'scwd');

export const LISTEN_RE = /^scwd: listening on (http:\/\/127\.0\.0\.1:(\d+))\s*$/m;
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ACCESS_KEY_RE = /^SCW[A-Z0-9]{17}$/;

const CRED_VARS = [
  'SCW_ACCESS_KEY',
  'SCW_SECRET_KEY',
  'SCW_DEFAULT_ORGANIZATION_ID',
  'SCW_DEFAULT_PROJECT_ID',
];

// ---------------------------------------------------------------------------------------------
// process bookkeeping: nothing may outlive the test process

const live = new Set(); // ChildProcess
const tempDirs = new Set(); // string

process.on('exit', () => {
  for (const p of live) {
    try {
      p.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  if (!process.env.SCWD_KEEP_DATA) {
    for (const d of tempDirs) {
      try {
        fs.rmSync(d, { recursive: true, force: true });
      } catch {
        /* ignore */
      }
    }
    dropPgDatabases([...tempDirs]);
  }
});

// ---------------------------------------------------------------------------------------------
// store back end: the SQLite file in the data directory, or PostgreSQL with SCWD_TEST_PG

const PG_URL = (process.env.SCWD_TEST_PG ?? '').replace(/\/+$/, '');

/** 'postgres' when the servers store into the SCWD_TEST_PG cluster, else 'sqlite'. */
export function storeBackend() {
  return PG_URL ? 'postgres' : 'sqlite';
}

/** The database name of a data directory: `scwd_` + a hash of its absolute path. */
export function pgDatabaseName(dataDir) {
  return `scwd_${crypto.createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12)}`;
}

function psql(sqlCommands) {
  const args = [`${PG_URL}/postgres`, '-X', '-q', '-v', 'ON_ERROR_STOP=1'];
  for (const c of sqlCommands) args.push('-c', c);
  return spawnSync('psql', args, { encoding: 'utf8', timeout: 60_000 });
}

/** The store URL for a data directory's database in the SCWD_TEST_PG cluster, created if new. */
export function pgStoreFor(dataDir) {
  const db = pgDatabaseName(dataDir);
  const r = psql([`CREATE DATABASE ${db}`]);
  if (r.error) throw new Error(`psql (needed with SCWD_TEST_PG): ${r.error.message}`);
  if (r.status !== 0 && !/already exists/.test(r.stderr)) {
    throw new Error(`CREATE DATABASE ${db} in ${PG_URL} failed (exit ${r.status}): ${r.stderr}`);
  }
  return `${PG_URL}/${db}`;
}

// The databases of data directories the harness removes go with them (FORCE: a SIGKILLed
// server's sessions may not be closed yet). Those of directories the caller gave are left in
// the cluster, which is thrown away after the run.
function dropPgDatabases(dataDirs) {
  if (!PG_URL || dataDirs.length === 0) return;
  psql(dataDirs.map((d) => `DROP DATABASE IF EXISTS ${pgDatabaseName(d)} WITH (FORCE)`));
}

// ---------------------------------------------------------------------------------------------
// credentials

const AK_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function randomAccessKey() {
  let s = 'SCW';
  for (let i = 0; i < 17; i += 1) s += AK_ALPHABET[crypto.randomInt(AK_ALPHABET.length)];
  return s;
}

/** Fresh credentials in the shape the server takes from the environment. */
export function generateCreds() {
  const organizationId = crypto.randomUUID();
  return {
    accessKey: randomAccessKey(),
    secretKey: crypto.randomUUID(),
    organizationId,
    projectId: organizationId, // default project id == organization id
  };
}

export function credsToEnv(c) {
  return {
    SCW_ACCESS_KEY: c.accessKey,
    SCW_SECRET_KEY: c.secretKey,
    SCW_DEFAULT_ORGANIZATION_ID: c.organizationId,
    SCW_DEFAULT_PROJECT_ID: c.projectId,
  };
}

/** Parses `export NAME=value` (or `NAME=value`) lines; quotes around the value are removed. */
export function parseExports(text) {
  const out = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2].trim();
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) {
      v = v.slice(1, -1);
    }
    out[m[1]] = v;
  }
  return out;
}

function credsFromVars(vars) {
  if (!vars.SCW_SECRET_KEY) return null;
  return {
    accessKey: vars.SCW_ACCESS_KEY,
    secretKey: vars.SCW_SECRET_KEY,
    organizationId: vars.SCW_DEFAULT_ORGANIZATION_ID,
    projectId: vars.SCW_DEFAULT_PROJECT_ID,
  };
}

// ---------------------------------------------------------------------------------------------
// server lifecycle

/**
 * Starts `build/scwd serve` and resolves once it printed its listening line.
 *
 * @param {object} [opts]
 * @param {object} [opts.env]      extra environment; a value of `undefined` removes the variable
 * @param {string[]} [opts.args]   extra arguments appended after `serve --listen --data`
 * @param {string} [opts.dataDir]  reuse this data directory (else a fresh mkdtemp dir)
 * @param {object|false} [opts.creds] credentials to pass in the environment; default: freshly
 *        generated; `false`: pass none (the server generates and prints its own)
 * @param {number} [opts.timeoutMs] how long to wait for the listening line (default 20 s)
 * @param {string} [opts.shell]    shell commands run before the server is exec'd in the same
 *        process (e.g. 'umask 022; ulimit -n 256'); the server keeps the shell's pid
 */
export async function startServer(opts = {}) {
  const { args = [], timeoutMs = 20_000 } = opts;
  if (!fs.existsSync(SCWD_BIN)) {
    throw new Error(`server binary not found at ${SCWD_BIN} (build it with: cmake --build build)`);
  }
  let { dataDir } = opts;
  let ownsDir = false;
  if (!dataDir) {
    dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'scwd-test-'));
    tempDirs.add(dataDir);
    ownsDir = true;
  }

  const credsGiven = opts.creds === undefined ? generateCreds() : opts.creds;

  // Never inherit the developer's real Scaleway settings.
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('SCW_') || k.startsWith('SCALEWAY_') || k.startsWith('SCWD_')) continue;
    env[k] = v;
  }
  if (credsGiven) Object.assign(env, credsToEnv(credsGiven));
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = String(v);
  }

  // Against the SCWD_TEST_PG cluster unless the caller chose a store itself.
  const storeChosen =
    args.some((a) => a === '--store' || a.startsWith('--store=')) || opts.env?.SCWD_STORE !== undefined;
  const store = PG_URL && !storeChosen ? pgStoreFor(dataDir) : null;

  // The Kubernetes API server of Kapsule clusters on a free port too, so that servers started side
  // by side never compete for the default one.
  const k8sChosen = args.some((a) => a === '--k8s-listen' || a.startsWith('--k8s-listen='));
  const argv = [
    'serve',
    '--listen',
    '127.0.0.1:0',
    '--data',
    dataDir,
    ...(store ? ['--store', store] : []),
    ...(k8sChosen ? [] : ['--k8s-listen', '127.0.0.1:0']),
    ...args,
  ];
  // With opts.shell, the shell execs the server, which keeps its pid.
  const [file, fileArgs] = opts.shell
    ? ['/bin/sh', ['-c', `${opts.shell}; exec "$0" "$@"`, SCWD_BIN, ...argv]]
    : [SCWD_BIN, argv];
  const proc = spawn(file, fileArgs, {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);

  let out = '';
  let err = '';
  proc.stdout.setEncoding('utf8');
  proc.stderr.setEncoding('utf8');
  proc.stdout.on('data', (d) => {
    out += d;
  });
  proc.stderr.on('data', (d) => {
    err += d;
  });

  const exited = new Promise((resolve) => {
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      resolve({ code, signal });
    });
  });
  let exitInfo = null;
  exited.then((e) => {
    exitInfo = e;
  });

  const url = await new Promise((resolve, reject) => {
    let done = false;
    const finish = (fn, v) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      fn(v);
    };
    const check = () => {
      const m = LISTEN_RE.exec(out);
      if (m) finish(resolve, m[1]);
    };
    const poll = setInterval(check, 20);
    proc.stdout.on('data', check);
    proc.once('error', (e) => finish(reject, e));
    exited.then(({ code, signal }) => {
      check();
      finish(
        reject,
        new Error(
          `scwd exited before listening (code=${code} signal=${signal})\n` +
            `argv: ${argv.join(' ')}\n--- stdout ---\n${out}\n--- stderr ---\n${err}`,
        ),
      );
    });
    const timer = setTimeout(() => {
      try {
        proc.kill('SIGKILL');
      } catch {
        /* ignore */
      }
      finish(
        reject,
        new Error(
          `scwd did not print its listening line within ${timeoutMs} ms\n` +
            `--- stdout ---\n${out}\n--- stderr ---\n${err}`,
        ),
      );
    }, timeoutMs);
  });

  const printed = parseExports(out);
  let creds = credsGiven || credsFromVars(printed);
  if (!creds) {
    try {
      creds = credsFromVars(parseExports(await fsp.readFile(path.join(dataDir, 'credentials.env'), 'utf8')));
    } catch {
      creds = null;
    }
  }

  const waitExit = async (ms) => {
    if (exitInfo) return exitInfo;
    let t;
    const timeout = new Promise((resolve) => {
      t = setTimeout(() => resolve(null), ms);
    });
    const r = await Promise.race([exited, timeout]);
    clearTimeout(t);
    return r;
  };

  const server = {
    url,
    port: Number(new URL(url).port),
    dataDir,
    ownsDir,
    /** the PostgreSQL store URL it was given (SCWD_TEST_PG), else null (the SQLite file) */
    store,
    creds,
    printed,
    proc,
    argv,
    stdout: () => out,
    stderr: () => err,
    logs: () => `--- stdout ---\n${out}\n--- stderr ---\n${err}`,
    get exited() {
      return exitInfo;
    },
    /** SIGTERM, wait (default 10 s), SIGKILL if still alive. Resolves {code, signal, forced}. */
    async stop(ms = 10_000) {
      if (exitInfo) return { ...exitInfo, forced: false };
      proc.kill('SIGTERM');
      const r = await waitExit(ms);
      if (r) return { ...r, forced: false };
      proc.kill('SIGKILL');
      return { ...(await exited), forced: true };
    },
    /** SIGKILL (kill -9) and wait for the process to be gone. */
    async kill9() {
      if (exitInfo) return exitInfo;
      proc.kill('SIGKILL');
      return exited;
    },
    /** Removes the data directory if the harness created it. */
    async removeDataDir() {
      if (ownsDir && !process.env.SCWD_KEEP_DATA) {
        await fsp.rm(dataDir, { recursive: true, force: true });
        tempDirs.delete(dataDir);
        dropPgDatabases([dataDir]);
      }
    },
  };
  return server;
}

// ---------------------------------------------------------------------------------------------
// clients

/** An official SDK client pointed at `server`, authenticated with its credentials. */
export function makeClient(server, overrides = {}) {
  const c = server.creds ?? {};
  return createClient({
    accessKey: c.accessKey,
    secretKey: c.secretKey,
    apiURL: server.url,
    defaultOrganizationId: c.organizationId,
    defaultProjectId: c.projectId,
    defaultRegion: 'fr-par',
    defaultZone: 'fr-par-1',
    ...overrides,
  });
}

function finishResponse(status, headersObj, text) {
  let json;
  if (text.length > 0) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status, headers: headersObj, json, text };
}

/**
 * Raw HTTP with fetch. `token`: secret key sent as X-Auth-Token (default: the server's own;
 * `null` sends no auth header). `body`: object -> JSON with `Content-Type: application/json`,
 * string/Buffer -> sent as is. Returns {status, headers (Headers), json, text}.
 */
export async function raw(server, method, urlPath, opts = {}) {
  const { body, headers = {} } = opts;
  const token = opts.token === undefined ? server.creds?.secretKey : opts.token;
  const h = { Accept: 'application/json', ...headers };
  if (token !== null && token !== undefined) h['X-Auth-Token'] = token;
  let payload;
  if (body !== undefined) {
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      payload = body;
    } else {
      payload = JSON.stringify(body);
    }
    if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) {
      h['Content-Type'] = 'application/json';
    }
  }
  const res = await fetch(server.url + urlPath, {
    method,
    headers: h,
    body: payload,
    signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  return finishResponse(res.status, res.headers, text);
}

/**
 * Raw HTTP with node:http, which keeps header names exactly as given (fetch lower-cases them)
 * and lets the caller set any header. `headers` is sent verbatim; no auth is added.
 * Returns {status, headers (plain object, lower-case names), json, text}; rejects on transport
 * errors (the error carries `.partial` with whatever was received).
 */
/** Moves the server's virtual clock forward (the admin plane), so that tests never sleep. */
export async function advanceClock(server, seconds) {
  const r = await raw(server, 'POST', '/_scwd/clock/advance', { body: { seconds } });
  if (r.status !== 200) throw new Error(`clock advance: ${show(r)}`);
}

export function rawHttp(server, method, urlPath, { headers = {}, body, timeoutMs = 15_000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path: urlPath,
        headers,
        agent: false,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          resolve(finishResponse(res.statusCode, res.headers, Buffer.concat(chunks).toString('utf8')));
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// small helpers shared by the tests

/** Runs `fn` and returns what it threw (fails if it did not throw). */
export async function caught(fn) {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected the call to throw, it succeeded');
}

export function sleep(ms) {
  return new Promise((r) => {
    setTimeout(r, ms);
  });
}

/** Short description of a raw response, for assertion messages. */
export function show(r) {
  return `HTTP ${r.status} ${r.text.length > 600 ? `${r.text.slice(0, 600)}...` : r.text}`;
}

/** A random lower-case tag that makes names unique inside one run. */
export function tag(n = 8) {
  return crypto.randomBytes(n).toString('hex').slice(0, n);
}

/** A loopback port free right now (for the servers scwd runs beside its listener). */
export function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Whether Debian's nats-server (which scwd runs for NATS accounts) is installed. */
export function natsServerInstalled() {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/usr/local/bin'];
  return dirs.some((d) => {
    try {
      fs.accessSync(path.join(d, 'nats-server'), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export { CRED_VARS };
