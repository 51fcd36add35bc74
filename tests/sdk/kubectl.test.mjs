// The Kubernetes API server of Kapsule clusters end to end: a cluster and a pool made through the
// official JS SDK (@scaleway/sdk-k8s 1.8.0), its kubeconfig downloaded, then the machine's
// `kubectl` (Debian's kubernetes-client on CI) and @kubernetes/client-node 1.4.0 against it over
// HTTPS (the cluster's CA, its host name as tls-server-name).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import * as k8s from '@kubernetes/client-node';
import { K8Sv1 } from '@scaleway/sdk-k8s';

import { advanceClock, makeClient, startServer, tag } from './lib/harness.mjs';

// KUBECTL: another kubectl binary (e.g. Debian's 1.20 from kubernetes-client, or a newer one).
const KUBECTL = process.env.KUBECTL || 'kubectl';
const VERSION = '1.34.6';
const POOL_SIZE = 2;

function kubectlPresent() {
  const r = spawnSync(KUBECTL, ['version', '--client'], { encoding: 'utf8' });
  return r.status === 0;
}

describe('kubectl and client-node against a Kapsule cluster', () => {
  let server;
  let api;
  let cluster;
  let pool;
  let dir;
  let kubeconfigPath;

  // Runs kubectl with the cluster's kubeconfig and a discovery cache of this test's own.
  function kubectl(args, { input, config = kubeconfigPath } = {}) {
    const r = spawnSync(
      KUBECTL,
      ['--kubeconfig', config, '--cache-dir', path.join(dir, 'cache'), '--request-timeout', '20s', ...args],
      { encoding: 'utf8', input, timeout: 60_000 },
    );
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  function ok(args, opts) {
    const r = kubectl(args, opts);
    assert.equal(r.status, 0, `kubectl ${args.join(' ')} failed:\n${r.stderr}${r.stdout}`);
    return r.stdout;
  }

  async function downloadKubeconfig() {
    const blob = await api.getClusterKubeConfig({ clusterId: cluster.id });
    return typeof blob === 'string' ? blob : await blob.text();
  }

  before(async () => {
    assert.ok(kubectlPresent(), 'kubectl is needed (Debian package kubernetes-client)');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scwd-kubectl-'));
    server = await startServer();
    api = new K8Sv1.API(makeClient(server));
    cluster = await api.createCluster({
      type: 'kapsule',
      name: `kubectl-${tag()}`,
      description: '',
      version: VERSION,
      cni: 'cilium',
    });
    pool = await api.createPool({
      clusterId: cluster.id,
      name: 'default',
      nodeType: 'PRO2-XXS',
      size: POOL_SIZE,
      autoscaling: false,
      autohealing: false,
      publicIpDisabled: false,
    });
    // The control plane's plans run on the virtual clock: advance it until all is ready.
    for (let i = 0; i < 60; i += 1) {
      const c = await api.getCluster({ clusterId: cluster.id });
      const p = await api.getPool({ poolId: pool.id });
      if (c.status === 'ready' && p.status === 'ready') break;
      await advanceClock(server, 60);
    }
    assert.equal((await api.getPool({ poolId: pool.id })).status, 'ready');
    kubeconfigPath = path.join(dir, 'kubeconfig');
    fs.writeFileSync(kubeconfigPath, await downloadKubeconfig(), { mode: 0o600 });
  });

  after(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('kubectl version names the cluster version', () => {
    const out = JSON.parse(ok(['version', '-o', 'json']));
    assert.equal(out.serverVersion.gitVersion, `v${VERSION}`);
    assert.equal(out.serverVersion.major, '1');
    assert.equal(out.serverVersion.minor, VERSION.split('.')[1]);
  });

  it('kubectl get nodes lists the pool nodes, Ready', async () => {
    const nodes = await api.listNodes({ clusterId: cluster.id });
    assert.equal(nodes.nodes.length, POOL_SIZE);
    const out = ok(['get', 'nodes']);
    const lines = out.trim().split('\n');
    assert.match(lines[0], /^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
    assert.equal(lines.length, 1 + POOL_SIZE, out);
    for (const n of nodes.nodes) {
      const line = lines.find((l) => l.startsWith(`${n.name} `));
      assert.ok(line, `${n.name} missing from:\n${out}`);
      assert.match(line, new RegExp(`^${n.name}\\s+Ready\\s+<none>\\s+\\S+\\s+v${VERSION}$`));
    }
    const json = JSON.parse(ok(['get', 'nodes', '-o', 'json']));
    for (const item of json.items) {
      assert.equal(item.metadata.labels['k8s.scaleway.com/pool-name'], 'default');
      assert.equal(item.metadata.labels['k8s.scaleway.com/pool'], pool.id);
      assert.equal(item.metadata.labels['topology.kubernetes.io/region'], 'fr-par');
      assert.ok(item.status.addresses.some((a) => a.type === 'InternalIP'));
    }
  });

  it('kubectl get ns, create ns', () => {
    const out = ok(['get', 'ns']);
    assert.match(out.split('\n')[0], /^NAME\s+STATUS\s+AGE$/);
    for (const ns of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) {
      assert.match(out, new RegExp(`^${ns}\\s+Active\\s+\\S+$`, 'm'));
    }
    assert.match(ok(['create', 'ns', 'team-a']), /^namespace\/team-a created$/m);
    assert.match(ok(['get', 'ns', 'team-a']), /^team-a\s+Active\s+\S+$/m);
    const again = kubectl(['create', 'ns', 'team-a']);
    assert.notEqual(again.status, 0);
    assert.match(again.stderr, /AlreadyExists|already exists/);
  });

  it('kubectl apply of a ConfigMap twice: created, then unchanged; get -o yaml; delete', () => {
    const manifest = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: settings',
      '  namespace: team-a',
      '  labels:',
      '    app: web',
      'data:',
      '  color: blue',
      '  size: "3"',
      '',
    ].join('\n');
    const file = path.join(dir, 'cm.yaml');
    fs.writeFileSync(file, manifest);
    assert.match(ok(['apply', '-f', file]), /^configmap\/settings created$/m);
    assert.match(ok(['apply', '-f', file]), /^configmap\/settings unchanged$/m);

    const yaml = ok(['get', 'configmap', 'settings', '-n', 'team-a', '-o', 'yaml']);
    assert.match(yaml, /^kind: ConfigMap$/m);
    assert.match(yaml, /^ {2}color: blue$/m);
    assert.match(yaml, /kubectl\.kubernetes\.io\/last-applied-configuration/);
    const first = JSON.parse(ok(['get', 'configmap', 'settings', '-n', 'team-a', '-o', 'json']));

    // A changed file is patched (the change lands, the version moves on).
    fs.writeFileSync(file, manifest.replace('color: blue', 'color: green'));
    assert.match(ok(['apply', '-f', file]), /^configmap\/settings configured$/m);
    const second = JSON.parse(ok(['get', 'configmap', 'settings', '-n', 'team-a', '-o', 'json']));
    assert.equal(second.data.color, 'green');
    assert.equal(second.metadata.uid, first.metadata.uid);
    assert.ok(Number(second.metadata.resourceVersion) > Number(first.metadata.resourceVersion));

    assert.match(ok(['get', 'cm', '-n', 'team-a']), /^settings\s+2\s+\S+$/m);
    assert.match(ok(['delete', 'configmap', 'settings', '-n', 'team-a']), /configmap "settings" deleted/);
    const gone = kubectl(['get', 'configmap', 'settings', '-n', 'team-a']);
    assert.notEqual(gone.status, 0);
    assert.match(gone.stderr, /NotFound|not found/);
  });

  it('kubectl delete ns removes it', () => {
    assert.match(ok(['delete', 'ns', 'team-a']), /namespace "team-a" deleted/);
    assert.doesNotMatch(ok(['get', 'ns']), /^team-a\s/m);
    const refused = kubectl(['delete', 'ns', 'default']);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /forbidden: this namespace may not be deleted/);
  });

  it('@kubernetes/client-node lists nodes and creates a ConfigMap', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromString(fs.readFileSync(kubeconfigPath, 'utf8'));
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const nodes = await core.listNode();
    assert.equal(nodes.items.length, POOL_SIZE);
    assert.ok(nodes.items.every((n) => n.status.conditions.find((c) => c.type === 'Ready').status === 'True'));
    const created = await core.createNamespacedConfigMap({
      namespace: 'default',
      body: { metadata: { name: 'from-node' }, data: { k: 'v' } },
    });
    assert.equal(created.metadata.name, 'from-node');
    const read = await core.readNamespacedConfigMap({ name: 'from-node', namespace: 'default' });
    assert.deepEqual(read.data, { k: 'v' });
    assert.match(ok(['get', 'cm', 'from-node', '-n', 'default']), /^from-node\s+1\s+\S+$/m);
  });

  it('a reset admin token makes the old kubeconfig fail with 401', async () => {
    await api.resetClusterAdminToken({ clusterId: cluster.id });
    const stale = kubectl(['get', 'ns']);
    assert.notEqual(stale.status, 0);
    assert.match(stale.stderr, /Unauthorized|must be logged in/);

    const fresh = path.join(dir, 'kubeconfig-new');
    fs.writeFileSync(fresh, await downloadKubeconfig(), { mode: 0o600 });
    assert.match(ok(['get', 'ns', 'default'], { config: fresh }), /^default\s+Active/m);
  });
});
