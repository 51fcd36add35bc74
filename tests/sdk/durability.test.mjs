// Crash durability: every project create that was acknowledged (2xx) before a `kill -9`
// must still be there after a restart on the same data directory.

import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';

import { Accountv3 } from '@scaleway/sdk-account';

import { makeClient, raw, show, startServer } from './lib/harness.mjs';

const P = '/account/v3/projects';
const MAX_REQUESTS = 3000;
const MAX_MS = 10_000;
const KILL_AFTER_MS = 1_000;
const IN_FLIGHT = 8;

describe('durability across kill -9', { timeout: 60_000 }, () => {
  const env = { SCWD_QUOTA_PROJECTS: '100000' };
  let first;
  let second;
  const acked = new Map(); // id -> name
  const failuresBeforeKill = [];
  let sent = 0;
  let unacked = 0;
  let killedAt = null;

  after(async () => {
    if (first) await first.kill9();
    if (second) await second.stop();
  });

  it('runs a stream of creates and kills the server in the middle of it', async () => {
    first = await startServer({ env });
    const api = new Accountv3.ProjectAPI(makeClient(first));

    const start = Date.now();
    let stop = false;
    let killing = null;
    const kill = () => {
      if (!killing) {
        killedAt = { ms: Date.now() - start, sent, acked: acked.size };
        killing = first.kill9().then(() => {
          stop = true;
        });
      }
      return killing;
    };
    const timer = setTimeout(kill, KILL_AFTER_MS);

    const worker = async () => {
      while (!stop && sent < MAX_REQUESTS && Date.now() - start < MAX_MS) {
        const n = sent;
        sent += 1;
        // Kill at the latest half way through the request budget, so it always lands mid-stream.
        if (n >= MAX_REQUESTS / 2) kill();
        const name = `dur-${n}`;
        try {
          const p = await api.createProject({ name, description: `n=${n}` });
          acked.set(p.id, name);
        } catch (e) {
          if (killing) unacked += 1;
          else failuresBeforeKill.push(`${name}: ${e?.status ?? ''} ${e?.message ?? e}`);
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    clearTimeout(timer);
    await kill();

    assert.deepEqual(
      failuresBeforeKill.slice(0, 5),
      [],
      `${failuresBeforeKill.length} creates failed before the kill (quota not raised by SCWD_QUOTA_PROJECTS?)`,
    );
    assert.ok(first.exited?.signal === 'SIGKILL', `process state after kill: ${JSON.stringify(first.exited)}`);
    assert.ok(acked.size >= 20, `only ${acked.size} creates acknowledged before the kill (${JSON.stringify(killedAt)})`);
  });

  it('after a restart on the same data directory every acknowledged project is there', async (t) => {
    assert.ok(first?.exited, 'first server must be dead');
    second = await startServer({ env, dataDir: first.dataDir, creds: first.creds });
    t.diagnostic(`sent=${sent} acked=${acked.size} unacked(after kill)=${unacked} killedAt=${JSON.stringify(killedAt)}`);

    // list everything, 100 per page
    const listed = new Map();
    let total = null;
    for (let page = 1; page <= 1000; page += 1) {
      const r = await raw(second, 'GET', `${P}?page=${page}&page_size=100&order_by=created_at_asc`);
      assert.equal(r.status, 200, show(r));
      total = r.json.total_count;
      for (const p of r.json.projects) {
        assert.ok(!listed.has(p.id), `project ${p.id} listed twice`);
        listed.set(p.id, p.name);
      }
      if (r.json.projects.length < 100) break;
    }
    assert.equal(listed.size, total, 'total_count equals the number of listed projects');

    const missing = [...acked.keys()].filter((id) => !listed.has(id));
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} of ${acked.size} acknowledged projects lost`);
    for (const [id, name] of acked) assert.equal(listed.get(id), name, `name of ${id}`);

    // the most recent acknowledgements are the ones most at risk: read them one by one too
    const recent = [...acked.keys()].slice(-25);
    for (const id of recent) {
      const r = await raw(second, 'GET', `${P}/${id}`);
      assert.equal(r.status, 200, `GET ${id}: ${show(r)}`);
    }
    // at most the in-flight requests can have been committed without an answer
    assert.ok(listed.size - 1 - acked.size <= IN_FLIGHT, `${listed.size - 1 - acked.size} unacknowledged projects appeared (max ${IN_FLIGHT} in flight)`);
  });

  it('the restarted server accepts writes and stops cleanly', async () => {
    const api = new Accountv3.ProjectAPI(makeClient(second));
    const p = await api.createProject({ name: 'after-crash' });
    assert.equal((await api.getProject({ projectId: p.id })).name, 'after-crash');
    const r = await second.stop();
    assert.equal(r.code, 0, `exit after SIGTERM: ${JSON.stringify(r)}`);
    second = null;
  });
});
