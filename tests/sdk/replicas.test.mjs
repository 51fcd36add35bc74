// Several scwd replicas serving one cloud from one PostgreSQL database (docs/deployment.md), end
// to end through the official JS SDK: three processes started at the same moment on an empty
// database (migrations and bootstrap race), one SDK client per replica and requests spread
// round-robin over them. Concurrent creates and updates, IPAM bookings in one subnet, quota
// edges, lifecycle steps settled while every replica reads and writes, a `kill -9` of one replica
// under a create load, and a deleted API key refused by every replica at once.
// Runs only with SCWD_TEST_PG (a throwaway cluster, scripts/pg-cluster.sh); skipped on SQLite.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { Accountv3 } from '@scaleway/sdk-account';
import { Errors } from '@scaleway/sdk-client';
import { Iamv1alpha1 } from '@scaleway/sdk-iam';
import { Instancev1 } from '@scaleway/sdk-instance';
import { Ipamv1 } from '@scaleway/sdk-ipam';
import { Vpcv2 } from '@scaleway/sdk-vpc';

import {
  UUID_RE,
  caught,
  generateCreds,
  makeClient,
  pgDatabaseName,
  pgStoreFor,
  raw,
  show,
  sleep,
  startServer,
  storeBackend,
  tag,
} from './lib/harness.mjs';
import { appWithKey } from './lib/iam.mjs';
import { assertDenied, assertWire } from './lib/shapes.mjs';

const SKIP =
  storeBackend() === 'postgres'
    ? false
    : 'replicas share a PostgreSQL store: set SCWD_TEST_PG (scripts/pg-cluster.sh start DIR)';
const Z = '/instance/v1/zones/fr-par-1';
const N = 3; // replicas
const NAMES = ['A', 'B', 'C'];

// ---------------------------------------------------------------------------------------------
// a trio of replicas on one database of the SCWD_TEST_PG cluster

/**
 * Starts N replicas at the same moment on one fresh database, with the same SCW_* credentials.
 * Should the simultaneous start fail, the missing replicas are started one after the other (so
 * that the rest of the file can run) and `failures` tells what went wrong.
 */
async function startTrio(label, args = []) {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), `scwd-replicas-${label}-`));
  const store = pgStoreFor(dir);
  const creds = generateCreds();
  const opts = (dataDir) => ({
    creds,
    dataDir,
    args: ['--store', store, ...args],
    timeoutMs: 30_000,
  });
  const t0 = Date.now();
  const settled = await Promise.allSettled(Array.from({ length: N }, () => startServer(opts())));
  const ms = Date.now() - t0;
  const failures = [];
  const replicas = [];
  for (const [i, s] of settled.entries()) {
    if (s.status === 'fulfilled') {
      replicas.push(s.value);
    } else {
      failures.push(`replica ${NAMES[i]}: ${s.reason?.stack ?? s.reason}`);
    }
  }
  while (replicas.length < N) replicas.push(await startServer(opts()));
  return { dir, store, creds, args, replicas, failures, ms };
}

async function stopTrio(trio) {
  if (!trio) return [];
  const exits = [];
  for (const r of trio.replicas) exits.push(await r.stop());
  await fsp.rm(trio.dir, { recursive: true, force: true });
  if (!process.env.SCWD_KEEP_DATA) {
    const pg = process.env.SCWD_TEST_PG.replace(/\/+$/, '');
    spawnSync(
      'psql',
      [
        `${pg}/postgres`,
        '-X',
        '-q',
        '-c',
        `DROP DATABASE IF EXISTS ${pgDatabaseName(trio.dir)} WITH (FORCE)`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
  }
  return exits;
}

/** The SDK APIs of one replica, optionally with another default project. */
function apisOf(server, projectId) {
  const client = makeClient(server, projectId ? { defaultProjectId: projectId } : {});
  return {
    server,
    instance: new Instancev1.API(client),
    vpc: new Vpcv2.API(client),
    ipam: new Ipamv1.API(client),
    iam: new Iamv1alpha1.API(client),
    projects: new Accountv3.ProjectAPI(client),
  };
}

async function advance(server, seconds) {
  const r = await raw(server, 'POST', '/_scwd/clock/advance', { body: { seconds } });
  assert.equal(r.status, 200, show(r));
}

/** Runs fn(i) for i in 0..n-1 all at once; resolves the settled results in order. */
function burst(n, fn) {
  return Promise.allSettled(Array.from({ length: n }, (_, i) => fn(i)));
}

const errText = (e) => `${e?.name ?? ''} ${e?.status ?? ''} ${e?.message ?? e}`.trim();
const ms = (t0) => `${Date.now() - t0} ms`;

function rejections(results) {
  return results.flatMap((r, i) =>
    r.status === 'rejected' ? [`#${i}: ${errText(r.reason)}`] : [],
  );
}

/** Where each replica's log is now: serverErrors(trio, mark) reads what came after. */
const logMark = (trio) => trio.replicas.map((s) => s.stderr().length);

/** The first error lines the replicas logged since `mark` (why a request answered 500). */
function serverErrors(trio, mark = [], max = 4) {
  const lines = trio.replicas.flatMap((s, i) =>
    s
      .stderr()
      .slice(mark[i] ?? 0)
      .split('\n')
      .filter((l) => / error /.test(l))
      .map((l) => `${NAMES[i]}: ${l}`),
  );
  const more = lines.length > max ? `\n... (${lines.length} error lines)` : '';
  return lines.length ? `${lines.slice(0, max).join('\n')}${more}` : '(no error logged)';
}

/** Fails with every rejection of a burst and the replicas' error lines since `mark`. */
function assertAllFulfilled(results, what, trio, mark) {
  const bad = rejections(results);
  if (bad.length) {
    assert.fail(
      `${what}: ${bad.length} of ${results.length} failed:\n${bad.slice(0, 5).join('\n')}` +
        `${bad.length > 5 ? '\n...' : ''}\nserver log:\n${serverErrors(trio, mark)}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------

describe('three replicas on one PostgreSQL database', { skip: SKIP }, () => {
  let trio;
  let R; // [{server, instance, vpc, ipam, iam, projects}] per replica, default project
  let localJammy;

  const rr = (i) => R[i % N];

  before(async () => {
    // Flexible IPs for the kill -9 load: well past the default 50.
    trio = await startTrio('main', ['--quota', 'instance_ips=5000']);
    R = trio.replicas.map((s) => apisOf(s));
    const r = await raw(
      trio.replicas[0],
      'GET',
      '/marketplace/v2/local-images?image_label=ubuntu_jammy&zone=fr-par-1' +
        '&type=instance_local&arch=x86_64',
    );
    assert.equal(r.status, 200, show(r));
    localJammy = r.json.local_images.find(
      (i) => i.arch === 'x86_64' && i.type === 'instance_local',
    ).id;
  });

  after(async () => {
    const exits = await stopTrio(trio);
    for (const [i, e] of exits.entries()) {
      assert.equal(e.code, 0, `replica ${NAMES[i]} did not exit cleanly: ${JSON.stringify(e)}`);
    }
  });

  it('start at once on an empty database: one bootstrap, every replica serves', async (t) => {
    t.diagnostic(`3 replicas started at once in ${trio.ms} ms; failures: ${trio.failures.length}`);
    assert.deepEqual(
      trio.failures,
      [],
      'simultaneous start of three replicas on one empty database',
    );
    const bootstrapped = trio.replicas.map((s) => /new organization bootstrapped/.test(s.stdout()));
    t.diagnostic(`bootstrapped by: ${NAMES.filter((_, i) => bootstrapped[i]).join(', ')}`);
    assert.equal(bootstrapped.filter(Boolean).length, 1, 'exactly one replica bootstraps');
    const { organizationId: org, projectId } = trio.creds;
    for (const [i, a] of R.entries()) {
      const what = `replica ${NAMES[i]}`;
      const projects = await a.projects.listProjects({ organizationId: org });
      assert.deepEqual(
        projects.projects.map((p) => p.id),
        [projectId],
        `${what}: one default project`,
      );
      assert.equal(projects.totalCount, 1, what);
      const owners = await a.iam.listUsers({ organizationId: org });
      assert.equal(owners.totalCount, 1, `${what}: one owner user, bootstrapped once`);
      const keys = await a.iam.listAPIKeys({ organizationId: org });
      assert.deepEqual(
        keys.apiKeys.map((k) => k.accessKey),
        [trio.creds.accessKey],
        `${what}: one API key`,
      );
      const clock = await raw(a.server, 'GET', '/_scwd/clock');
      assert.equal(clock.status, 200, show(clock));
    }
  });

  // -------------------------------------------------------------------------------------------

  it('concurrent creates through every replica: all acknowledged, listed everywhere', async (t) => {
    const mark = logMark(trio);
    const prefix = `sg-${tag()}`;
    const COUNT = 60;
    const t0 = Date.now();
    const res = await burst(COUNT, (i) =>
      rr(i).instance.createSecurityGroup({
        name: `${prefix}-${i}`,
        stateful: true,
        inboundDefaultPolicy: 'accept',
        outboundDefaultPolicy: 'accept',
      }),
    );
    const elapsed = ms(t0);
    const ok = res.filter((r) => r.status === 'fulfilled').map((r) => r.value.securityGroup);
    t.diagnostic(
      `${COUNT} security group creates over 3 replicas: ${ok.length} acknowledged in ${elapsed}`,
    );
    assertAllFulfilled(res, 'security group creates', trio, mark);
    const ids = ok.map((s) => s.id).sort();
    assert.equal(new Set(ids).size, COUNT, 'distinct ids');
    for (const [i, a] of R.entries()) {
      const listed = await a.instance.listSecurityGroups({ name: prefix, perPage: 100 });
      assert.equal(listed.totalCount, COUNT, `replica ${NAMES[i]}: total_count`);
      assert.deepEqual(
        listed.securityGroups.map((s) => s.id).sort(),
        ids,
        `replica ${NAMES[i]}: ids`,
      );
    }
  });

  it('concurrent rule appends to groups through every replica: positions 1..N', async (t) => {
    const mark = logMark(trio);
    // Three groups (one made on each replica), 15 appends to each, all 45 at once.
    const GROUPS = 3;
    const PER = 15;
    const sgs = [];
    for (const a of R) {
      const made = await a.instance.createSecurityGroup({
        name: `rules-${tag()}`,
        stateful: true,
        inboundDefaultPolicy: 'drop',
        outboundDefaultPolicy: 'accept',
      });
      sgs.push(made.securityGroup.id);
    }
    const t0 = Date.now();
    const res = await burst(GROUPS * PER, (i) =>
      rr(i).instance.createSecurityGroupRule({
        securityGroupId: sgs[i % GROUPS],
        protocol: 'TCP',
        direction: 'inbound',
        action: 'accept',
        ipRange: '0.0.0.0/0',
        destPortFrom: 1000 + i,
        position: 0,
        editable: true,
      }),
    );
    t.diagnostic(`${GROUPS * PER} concurrent rule appends over 3 replicas in ${ms(t0)}`);
    assertAllFulfilled(res, 'rule creates', trio, mark);
    // What every replica lists, group by group.
    const listed = [];
    for (const a of R) {
      const groups = [];
      for (const id of sgs) {
        const all = await a.instance
          .listSecurityGroupRules({ securityGroupId: id, perPage: 100 })
          .all();
        groups.push(all.filter((x) => x.editable));
      }
      listed.push(groups);
    }
    t.diagnostic(
      `replica A lists ${listed[0].map((g) => g.length).join('/')} rules, distinct positions ` +
        `${listed[0].map((g) => new Set(g.map((x) => x.position)).size).join('/')}`,
    );
    for (const [g, id] of sgs.entries()) {
      const ports = Array.from({ length: PER }, (_, k) => 1000 + g + k * GROUPS);
      for (const [i, groups] of listed.entries()) {
        const mine = groups[g];
        const what = `replica ${NAMES[i]}, group ${id}`;
        const pairs = JSON.stringify(mine.map((x) => [x.destPortFrom, x.position]));
        assert.deepEqual(
          mine.map((x) => x.destPortFrom).sort((x, y) => x - y),
          ports,
          `${what}: every rule`,
        );
        assert.deepEqual(
          mine.map((x) => x.position).sort((x, y) => x - y),
          Array.from({ length: PER }, (_, k) => k + 1),
          `${what}: the appended rules hold the positions 1..${PER}, each once ` +
            `(got [port, position] ${pairs})`,
        );
      }
    }
    const views = listed.map((groups) =>
      JSON.stringify(groups.map((g) => g.map((x) => [x.id, x.position]))),
    );
    assert.equal(views[1], views[0], 'B shows what A shows');
    assert.equal(views[2], views[0], 'C shows what A shows');
  });

  it('concurrent PATCHes of one group through different replicas: no lost update', async (t) => {
    const mark = logMark(trio);
    const sg = (
      await R[1].instance.createSecurityGroup({
        name: `patch-${tag()}`,
        stateful: true,
        inboundDefaultPolicy: 'accept',
        outboundDefaultPolicy: 'accept',
      })
    ).securityGroup;
    const t0 = Date.now();
    // Each round patches six different fields at once, each through another replica.
    for (let round = 0; round < 4; round += 1) {
      const want = {
        name: `patch-r${round}`,
        description: `round ${round}`,
        tags: [`r${round}`],
        inboundDefaultPolicy: round % 2 ? 'accept' : 'drop',
        outboundDefaultPolicy: round % 2 ? 'accept' : 'drop',
        stateful: round % 2 === 1,
      };
      const res = await burst(6, (i) => {
        const field = Object.keys(want)[i];
        return rr(i + round).instance.updateSecurityGroup({
          securityGroupId: sg.id,
          [field]: want[field],
        });
      });
      assertAllFulfilled(res, `round ${round}: PATCHes`, trio, mark);
      for (const [i, a] of R.entries()) {
        const got = (await a.instance.getSecurityGroup({ securityGroupId: sg.id })).securityGroup;
        const seen = Object.fromEntries(Object.keys(want).map((k) => [k, got[k]]));
        assert.deepEqual(
          seen,
          want,
          `round ${round}, replica ${NAMES[i]}: every field patched kept`,
        );
      }
    }
    // Many PATCHes of the same field: one of them wins, the same everywhere.
    const res = await burst(24, (i) =>
      rr(i).instance.updateSecurityGroup({ securityGroupId: sg.id, tags: [`same-${i}`] }),
    );
    assertAllFulfilled(res, 'PATCHes of one field', trio, mark);
    const finals = [];
    for (const a of R) {
      const got = await a.instance.getSecurityGroup({ securityGroupId: sg.id });
      finals.push(got.securityGroup.tags);
    }
    assert.match(finals[0].join(), /^same-\d+$/);
    assert.deepEqual(finals[1], finals[0]);
    assert.deepEqual(finals[2], finals[0]);
    t.diagnostic(
      `4 rounds x 6 field PATCHes + 24 PATCHes of one field in ${ms(t0)}; winner ${finals[0]}`,
    );
  });

  // -------------------------------------------------------------------------------------------

  it('IPAM: concurrent first-free bookings in one subnet: no address twice', async (t) => {
    const mark = logMark(trio);
    const pn = await R[0].vpc.createPrivateNetwork({
      name: `pn-${tag()}`,
      subnets: ['10.77.0.0/24'],
    });
    const COUNT = 45;
    const t0 = Date.now();
    const res = await burst(COUNT, (i) =>
      rr(i).ipam.bookIP({ source: { privateNetworkId: pn.id }, isIpv6: false }),
    );
    const elapsed = ms(t0);
    const booked = res.filter((r) => r.status === 'fulfilled').map((r) => r.value);
    const addresses = booked.map((b) => b.address);
    const distinct = new Set(addresses);
    t.diagnostic(
      `${COUNT} first-free bookings over 3 replicas in ${elapsed}: ${booked.length} booked, ` +
        `${distinct.size} distinct addresses, ${COUNT - booked.length} refused`,
    );
    // The invariant first, then what the clients were told.
    assert.equal(
      distinct.size,
      addresses.length,
      `an address booked twice: ${addresses.sort().join(' ')}`,
    );
    for (const a of addresses) assert.match(a, /^10\.77\.0\.\d+\/24$/);
    for (const [i, a] of R.entries()) {
      const l = await a.ipam.listIPs({ privateNetworkId: pn.id, pageSize: 100 });
      assert.equal(l.totalCount, addresses.length, `replica ${NAMES[i]}: total_count`);
      assert.deepEqual(
        l.ips.map((x) => x.address).sort(),
        [...addresses].sort(),
        `replica ${NAMES[i]}: addresses`,
      );
    }
    assertAllFulfilled(res, 'first-free bookings (the /24 has room for 250)', trio, mark);
  });

  it('IPAM: a chosen address asked through every replica at once is booked once', async (t) => {
    const mark = logMark(trio);
    const pn = await R[1].vpc.createPrivateNetwork({
      name: `pn-${tag()}`,
      subnets: ['10.78.0.0/24'],
    });
    // Three addresses, each asked six times at once (twice through each replica).
    const CHOSEN = ['10.78.0.200', '10.78.0.201', '10.78.0.202'];
    const ASKS = 6;
    const res = await burst(CHOSEN.length * ASKS, (i) =>
      rr(i).ipam.bookIP({
        source: { privateNetworkId: pn.id },
        isIpv6: false,
        address: CHOSEN[Math.floor(i / ASKS)],
      }),
    );
    const per = CHOSEN.map((address, k) => {
      const mine = res.slice(k * ASKS, (k + 1) * ASKS);
      return {
        address,
        won: mine.filter((r) => r.status === 'fulfilled').length,
        lost: mine.filter((r) => r.status === 'rejected').map((r) => r.reason),
      };
    });
    t.diagnostic(
      per
        .map(
          (p) =>
            `${ASKS} concurrent bookings of ${p.address}: ${p.won} booked, the others ` +
            `${p.lost.map((e) => `${e.constructor?.name} ${e.status ?? ''}`.trim()).join(', ')}`,
        )
        .join('; '),
    );
    for (const [i, a] of R.entries()) {
      const l = await a.ipam.listIPs({ privateNetworkId: pn.id });
      assert.deepEqual(
        l.ips.map((x) => x.address).sort(),
        CHOSEN.map((x) => `${x}/24`),
        `replica ${NAMES[i]}: each address booked once`,
      );
    }
    for (const p of per) {
      assert.equal(p.won, 1, `one of ${ASKS} bookings of ${p.address} wins`);
      for (const e of p.lost) {
        assert.ok(
          e instanceof Errors.AlreadyExistsError,
          `the other bookings of ${p.address}: already exists (409), got ${errText(e)}; ` +
            `server log:\n${serverErrors(trio, mark)}`,
        );
      }
    }
  });

  // -------------------------------------------------------------------------------------------

  it('lifecycle: on via A, clock via B, reads and writes on all: one IP each', async (t) => {
    const mark = logMark(trio);
    const p = await R[0].projects.createProject({ name: `life-${tag()}`, description: '' });
    const P = trio.replicas.map((s) => apisOf(s, p.id));
    const COUNT = 6;
    const t0 = Date.now();
    const made = await burst(COUNT, (i) =>
      P[i % N].instance.createServer({
        name: `life-${i}`,
        commercialType: 'DEV1-S',
        image: localJammy,
        dynamicIpRequired: true,
      }),
    );
    assertAllFulfilled(made, 'server creates', trio, mark);
    const ids = made.map((r) => r.value.server.id);
    const on = await burst(COUNT, (i) =>
      P[0].instance.serverAction({ serverId: ids[i], action: 'poweron' }),
    );
    assertAllFulfilled(on, 'power-ons through A', trio, mark);

    // The clock moves through B while all three read and write the servers.
    const anomalies = [];
    let requests = 0;
    const check = (s, where) => {
      const dyn = s.publicIps.filter((x) => x.dynamic);
      if (dyn.length > 1) {
        anomalies.push(`${where}: ${dyn.length} dynamic IPs ${JSON.stringify(dyn)}`);
      }
      if (!['starting', 'running'].includes(s.state)) anomalies.push(`${where}: state ${s.state}`);
    };
    const storm = async () => {
      for (let round = 0; round < 5; round += 1) {
        const calls = [];
        for (const [k, id] of ids.entries()) {
          for (const [i, a] of P.entries()) {
            calls.push(
              a.instance
                .getServer({ serverId: id })
                .then((r) => check(r.server, `GET ${NAMES[i]}`)),
            );
          }
          const w = P[(k + round) % 2 === 0 ? 0 : 2];
          calls.push(
            w.instance
              .updateServer({ serverId: id, tags: [`round-${round}`] })
              .then((r) => check(r.server, 'PATCH')),
          );
        }
        for (const a of P) {
          calls.push(
            a.instance.listServers({}).then((r) => r.servers.forEach((s) => check(s, 'list'))),
          );
        }
        requests += calls.length;
        const res = await Promise.allSettled(calls);
        anomalies.push(...rejections(res).map((x) => `round ${round} ${x}`));
      }
    };
    const t1 = Date.now();
    await Promise.all([storm(), sleep(30).then(() => advance(trio.replicas[1], 120))]);
    const stormMs = Date.now() - t1;
    // Late writers: every replica's lifecycle watermark has been refreshed (250 ms) by now.
    await sleep(600);
    const late = await burst(COUNT * N, (i) =>
      P[i % N].instance.updateServer({ serverId: ids[Math.floor(i / N)], tags: ['settled'] }),
    );
    assertAllFulfilled(late, 'late writes', trio, mark);
    assert.deepEqual(
      anomalies.slice(0, 10),
      [],
      `${anomalies.length} anomalies: a request failed, or a server showed two dynamic IPs or ` +
        `another state; server log:\n${serverErrors(trio, mark)}`,
    );

    // What every replica shows once settled: the servers, and the project's instance IPs (the
    // dashboard counts dynamic IPs too; the IP list shows the flexible ones only).
    const seen = [];
    for (const a of P) {
      const servers = [];
      for (const id of ids) servers.push((await a.instance.getServer({ serverId: id })).server);
      const dashboard = (await a.instance.getDashboard({ project: p.id })).dashboard;
      const flexible = (await a.instance.listIps({ project: p.id })).totalCount;
      seen.push({ servers, dashboard, flexible });
    }
    const clocks = [];
    for (const s of trio.replicas) clocks.push((await raw(s, 'GET', '/_scwd/clock')).json);
    const ipsPerServer = seen.map((v) => v.servers.map((s) => s.publicIps.length).join(','));
    t.diagnostic(
      `${COUNT} servers; public IPs per server on A/B/C: ${ipsPerServer.join(' / ')}; ` +
        `dashboard ips_count A/B/C: ${seen.map((v) => v.dashboard.ipsCount).join('/')}; ` +
        `${requests} reads/writes during the clock move in ${stormMs} ms, whole test ${ms(t0)}`,
    );
    t.diagnostic(`clocks: ${JSON.stringify(clocks.map((c) => [c.offset_seconds, c.now]))}`);

    const views = [];
    for (const [i, { servers, dashboard: d, flexible }] of seen.entries()) {
      const what = `replica ${NAMES[i]}`;
      for (const s of servers) {
        assert.equal(s.state, 'running', `${what}: ${s.id} state`);
        assert.equal(s.publicIps.length, 1, `${what}: ${s.id} IPs ${JSON.stringify(s.publicIps)}`);
        assert.equal(s.publicIps[0].dynamic, true, what);
        assert.equal(s.publicIp?.address, s.publicIps[0].address, what);
      }
      // The dynamic IPs are instance IPs of the project: exactly one per server, none flexible.
      assert.equal(d.serversCount, COUNT, `${what}: servers_count`);
      assert.equal(d.runningServersCount, COUNT, `${what}: running_servers_count`);
      assert.equal(d.ipsCount, COUNT, `${what}: ips_count counts one IP per server (not two)`);
      assert.equal(d.ipsUnused, 0, `${what}: ips_unused`);
      assert.equal(flexible, 0, `${what}: no flexible IP`);
      views.push(
        JSON.stringify(
          servers.map((s) => [s.id, s.state, s.publicIps[0].id, s.publicIps[0].address, s.tags]),
        ),
      );
    }
    assert.equal(views[1], views[0], 'B shows the settled state A shows');
    assert.equal(views[2], views[0], 'C shows the settled state A shows');
    const addresses = seen[0].servers.map((s) => s.publicIps[0].address);
    assert.equal(new Set(addresses).size, COUNT, `distinct dynamic addresses: ${addresses}`);
    assert.equal(new Set(clocks.map((c) => c.offset_seconds)).size, 1, 'one clock offset');
  });

  // -------------------------------------------------------------------------------------------

  it('kill -9 of one replica under a create load: every acknowledged create stays', async (t) => {
    const p = await R[0].projects.createProject({ name: `kill-${tag()}`, description: '' });
    const P = trio.replicas.map((s) => apisOf(s, p.id));
    const VICTIM = 2;
    const victim = trio.replicas[VICTIM];
    const KILL_AT_MS = 1000;
    const MAX_MS = 4000;
    const MAX_REQUESTS = 1200;
    const IN_FLIGHT = 9;

    const acked = new Map(); // id -> {address, n, replica}
    const failed = []; // {n, replica, sentAt: 'before'|'during'|'after', endedAfterKill, msg}
    let phase = 'before'; // 'before' | 'during' (signal sent) | 'after' (process gone)
    let seq = 0;
    let ackedByVictimAfterKill = 0;
    let ackedBySurvivorsAfterKill = 0;
    const start = Date.now();
    let killing = null;
    const kill = () => {
      if (!killing) {
        phase = 'during';
        killing = victim.kill9().then((e) => {
          phase = 'after';
          return e;
        });
      }
      return killing;
    };
    const timer = setTimeout(kill, KILL_AT_MS);
    const worker = async () => {
      while (Date.now() - start < MAX_MS && seq < MAX_REQUESTS) {
        const n = seq;
        seq += 1;
        const replica = n % N;
        // Kill at the latest half way through the request budget, so it always lands mid-load.
        if (n >= MAX_REQUESTS / 2) kill();
        const sentAt = phase;
        try {
          const ip = (await P[replica].instance.createIp({ tags: [`n-${n}`] })).ip;
          acked.set(ip.id, { address: ip.address, n, replica });
          if (phase === 'after' && replica === VICTIM) ackedByVictimAfterKill += 1;
          if (sentAt === 'after' && replica !== VICTIM) ackedBySurvivorsAfterKill += 1;
        } catch (e) {
          failed.push({ n, replica, sentAt, endedAfterKill: phase !== 'before', msg: errText(e) });
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    clearTimeout(timer);
    const exit = await kill();
    const loadMs = Date.now() - start;

    const byKill = failed.filter((f) => f.replica === VICTIM && f.endedAfterKill);
    const unknown = byKill.filter((f) => f.sentAt !== 'after').length; // may have committed
    t.diagnostic(
      `load ${loadMs} ms: ${seq} creates sent, ${acked.size} acknowledged, ` +
        `${failed.length} failed ` +
        `(${byKill.length} by the kill, ${unknown} of them in flight when it came), ` +
        `${ackedBySurvivorsAfterKill} acknowledged by the survivors after the kill`,
    );
    assert.equal(exit.signal, 'SIGKILL', `victim exit: ${JSON.stringify(exit)}`);
    const otherFailures = failed.filter((f) => !(f.replica === VICTIM && f.endedAfterKill));
    assert.deepEqual(
      otherFailures.slice(0, 5),
      [],
      `${otherFailures.length} failures not caused by the kill`,
    );
    assert.equal(
      ackedByVictimAfterKill,
      0,
      'the killed replica acknowledges nothing after its death',
    );
    assert.ok(byKill.length > 0, 'requests to the killed replica fail');
    assert.ok(acked.size >= 30, `only ${acked.size} creates acknowledged`);
    assert.ok(
      ackedBySurvivorsAfterKill > 0,
      'the survivors go on acknowledging creates after the kill',
    );

    // Every acknowledged create is listed through each survivor; nothing else is off.
    const listings = [];
    for (const i of [0, 1]) {
      const what = `survivor ${NAMES[i]}`;
      const all = await P[i].instance.listIps({ project: p.id, perPage: 100 }).all();
      const total = (await P[i].instance.listIps({ project: p.id, perPage: 1 })).totalCount;
      assert.equal(total, all.length, `${what}: total_count equals the number of listed IPs`);
      const listed = new Map(all.map((x) => [x.id, x.address]));
      assert.equal(listed.size, all.length, `${what}: no IP listed twice`);
      const missing = [...acked.keys()].filter((id) => !listed.has(id));
      assert.deepEqual(
        missing.slice(0, 10),
        [],
        `${what}: ${missing.length} of ${acked.size} acknowledged IPs lost`,
      );
      for (const [id, v] of acked) {
        assert.equal(listed.get(id), v.address, `${what}: address of ${id}`);
      }
      const extra = all.length - acked.size;
      assert.ok(
        extra >= 0 && extra <= unknown,
        `${what}: ${extra} unacknowledged IPs exist, ` +
          `at most ${unknown} were in flight to the victim`,
      );
      const addresses = all.map((x) => x.address);
      assert.equal(new Set(addresses).size, addresses.length, `${what}: an address given twice`);
      const d = (await P[i].instance.getDashboard({ project: p.id })).dashboard;
      assert.equal(d.ipsCount, all.length, `${what}: the dashboard counts the listed IPs`);
      listings.push(JSON.stringify(all.map((x) => [x.id, x.address]).sort()));
      t.diagnostic(
        `${what}: ${all.length} IPs listed (${acked.size} acknowledged, ${extra} unacknowledged)`,
      );
    }
    assert.equal(listings[1], listings[0], 'both survivors list the same IPs');

    // The killed replica comes back on the same store and sees the same.
    const t0 = Date.now();
    const back = await startServer({
      creds: trio.creds,
      dataDir: victim.dataDir,
      args: ['--store', trio.store, ...trio.args],
    });
    trio.replicas[VICTIM] = back;
    R[VICTIM] = apisOf(back);
    const again = await apisOf(back, p.id).instance.listIps({ project: p.id, perPage: 100 }).all();
    assert.equal(
      JSON.stringify(again.map((x) => [x.id, x.address]).sort()),
      listings[0],
      'restarted C',
    );
    t.diagnostic(`replica C restarted in ${ms(t0)} and lists the same ${again.length} IPs`);
  });

  // -------------------------------------------------------------------------------------------

  it('an API key made on A, used on B, deleted on C is refused at once by A and B', async (t) => {
    const org = trio.creds.organizationId;
    const [A, B, C] = trio.replicas;
    const rules = [{ permissionSetNames: ['ProjectReadOnly'], organizationId: org, condition: '' }];
    const app = await appWithKey(A, R[0].iam, { rules });
    const hit = (s) => raw(s, 'GET', '/account/v3/projects', { token: app.secretKey });
    for (const [i, s] of [B, A, C].entries()) {
      const r = await hit(s);
      assert.equal(r.status, 200, `the new key on ${['B', 'A', 'C'][i]}: ${show(r)}`);
    }
    // Requests in flight on A and B while C deletes the key.
    const storm = Array.from({ length: 12 }, (_, i) => hit(i % 2 ? A : B));
    const t0 = Date.now();
    await R[2].iam.deleteAPIKey({ accessKey: app.accessKey });
    const deleteMs = Date.now() - t0;
    const answers = [];
    for (const [name, s] of [
      ['A', A],
      ['B', B],
      ['C', C],
    ]) {
      for (let k = 0; k < 3; k += 1) {
        assertDenied(
          await hit(s),
          { method: 'api_key', reason: 'not_found' },
          `${name} after delete #${k}`,
        );
      }
      answers.push(name);
    }
    const during = (await Promise.all(storm)).map((r) => r.status);
    assert.ok(
      during.every((s) => s === 200 || s === 401),
      `requests in flight: ${during}`,
    );
    // The SDK sees it too.
    const e = await caught(() =>
      new Accountv3.ProjectAPI(app.client).listProjects({ organizationId: org }),
    );
    assert.ok(e instanceof Errors.DeniedAuthenticationError, `got ${e}`);
    const gone = await caught(() => R[1].iam.getAPIKey({ accessKey: app.accessKey }));
    assert.ok(gone instanceof Errors.ResourceNotFoundError, `B reads the key as gone: ${gone}`);
    t.diagnostic(
      `deleted on C in ${deleteMs} ms; refused right after by ${answers.join(', ')}; ` +
        `in flight: ${during}`,
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('quota edges across three replicas', { skip: SKIP }, () => {
  const LIMIT = 10;
  // Wide enough for checks far from it to run side by side (docs/deployment.md, quotas).
  const WIDE = 150;
  let trio;
  let R;

  before(async () => {
    trio = await startTrio('quota', [
      '--quota',
      `instance_security_groups=${LIMIT}`,
      '--quota',
      `instance_placement_groups=${WIDE}`,
    ]);
    R = trio.replicas.map((s) => apisOf(s));
  });

  after(async () => {
    const exits = await stopTrio(trio);
    for (const [i, e] of exits.entries()) {
      assert.equal(e.code, 0, `replica ${NAMES[i]} did not exit cleanly: ${JSON.stringify(e)}`);
    }
  });

  it('start at the same moment (with the same --quota) on an empty database', (t) => {
    t.diagnostic(`3 replicas started at once in ${trio.ms} ms; failures: ${trio.failures.length}`);
    assert.deepEqual(
      trio.failures,
      [],
      'simultaneous start of three replicas on one empty database',
    );
  });

  it(`25 concurrent creates: exactly ${LIMIT} pass, the rest quotas_exceeded`, async (t) => {
    const base = (await R[0].instance.listSecurityGroups({})).totalCount;
    assert.equal(base, 0, 'a fresh organization has no security group');
    const COUNT = 25;
    const t0 = Date.now();
    const res = await burst(COUNT, (i) =>
      R[i % N].instance.createSecurityGroup({
        name: `q-${i}`,
        stateful: true,
        inboundDefaultPolicy: 'accept',
        outboundDefaultPolicy: 'accept',
      }),
    );
    const elapsed = ms(t0);
    const ok = res.filter((r) => r.status === 'fulfilled');
    const refused = res.filter((r) => r.status === 'rejected');
    const perReplica = [0, 1, 2].map(
      (k) => res.filter((r, i) => i % N === k && r.status === 'fulfilled').length,
    );
    t.diagnostic(
      `${COUNT} creates against a quota of ${LIMIT} in ${elapsed}: ${ok.length} succeeded ` +
        `(A/B/C ${perReplica.join('/')}), ${refused.length} refused`,
    );
    for (const r of refused) {
      const e = r.reason;
      assert.ok(e instanceof Errors.QuotasExceededError, `refusal: got ${errText(e)}`);
      assert.equal(e.status, 403);
      assert.equal(e.list[0].resource, 'instance_security_groups');
      assert.equal(e.list[0].quota, LIMIT);
      assert.equal(e.list[0].current, LIMIT, 'refused only once the limit is reached');
    }
    assert.equal(ok.length, LIMIT, `exactly ${LIMIT} creates pass the quota together`);
    assert.equal(refused.length, COUNT - LIMIT);
    for (const [i, a] of R.entries()) {
      const listed = await a.instance.listSecurityGroups({ perPage: 100 });
      assert.equal(listed.totalCount, LIMIT, `replica ${NAMES[i]}: total_count`);
      assert.equal(listed.securityGroups.length, LIMIT, `replica ${NAMES[i]}: listed`);
    }
  });

  it(`${WIDE + 40} concurrent creates against a quota of ${WIDE}: side by side, then exactly`, async (t) => {
    const COUNT = WIDE + 40;
    const t0 = Date.now();
    const res = await burst(COUNT, (i) =>
      R[i % N].instance.createPlacementGroup({ name: `pg-${i}` }),
    );
    const ok = res.filter((r) => r.status === 'fulfilled');
    const refused = res.filter((r) => r.status === 'rejected');
    t.diagnostic(
      `${COUNT} placement group creates against a quota of ${WIDE} in ${ms(t0)}: ` +
        `${ok.length} succeeded, ${refused.length} refused`,
    );
    for (const r of refused) {
      const e = r.reason;
      assert.ok(e instanceof Errors.QuotasExceededError, `refusal: got ${errText(e)}`);
      assert.equal(e.list[0].current, WIDE, 'refused only once the limit is reached');
    }
    assert.equal(ok.length, WIDE, `exactly ${WIDE} creates pass the quota together`);
    for (const [i, a] of R.entries()) {
      const listed = await a.instance.listPlacementGroups({ perPage: 100 });
      assert.equal(listed.totalCount, WIDE, `replica ${NAMES[i]}: total_count`);
    }
  });

  it('the refusal has the recorded shape; a delete on one replica frees a slot', async () => {
    const body = { name: 'over', project: trio.creds.projectId, stateful: true };
    const r = await raw(trio.replicas[1], 'POST', `${Z}/security_groups`, {
      body: { ...body, inbound_default_policy: 'accept', outbound_default_policy: 'accept' },
    });
    assert.equal(r.status, 403, show(r));
    assertWire(r, 'quota');
    assert.equal(r.json.type, 'quotas_exceeded', show(r));
    assert.equal(typeof r.json.message, 'string');
    assert.deepEqual(
      r.json.details.map((d) => [d.resource, d.quota, d.current]),
      [['instance_security_groups', LIMIT, LIMIT]],
      show(r),
    );

    const victim = (await R[0].instance.listSecurityGroups({ perPage: 1 })).securityGroups[0];
    await R[1].instance.deleteSecurityGroup({ securityGroupId: victim.id });
    // Two replicas race for the one free slot.
    const res = await burst(4, (i) =>
      R[(i % 2) * 2].instance.createSecurityGroup({
        name: `slot-${i}`,
        stateful: true,
        inboundDefaultPolicy: 'accept',
        outboundDefaultPolicy: 'accept',
      }),
    );
    const won = res.filter((x) => x.status === 'fulfilled');
    assert.equal(won.length, 1, `one create takes the freed slot: ${rejections(res).join('; ')}`);
    assert.match(won[0].value.securityGroup.id, UUID_RE);
    for (const a of R) assert.equal((await a.instance.listSecurityGroups({})).totalCount, LIMIT);
  });
});
