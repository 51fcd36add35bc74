// Kubernetes Kapsule (k8s v1) end to end through the official JS SDK (@scaleway/sdk-k8s):
// versions and cluster types, clusters with their Private Network, pools and nodes (with their
// IPAM addresses), upgrades, set-type, ACL rules, the kubeconfig and its admin token. Transient
// states pass by advancing the server's virtual clock while the SDK waiters poll.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { Errors } from '@scaleway/sdk-client';
import { Ipamv1 } from '@scaleway/sdk-ipam';
import { K8Sv1 } from '@scaleway/sdk-k8s';
import { Vpcv2 } from '@scaleway/sdk-vpc';

import { UUID_RE, advanceClock, caught, makeClient, raw, show, startServer, tag } from './lib/harness.mjs';
import { TS_RE, assertInvalidArguments } from './lib/shapes.mjs';

const R = '/k8s/v1/regions/fr-par';
const WAIT = { minDelay: 1, maxDelay: 1, timeout: 60 };
const CLUSTER_KEYS = [
  'acl_available', 'admission_plugins', 'apiserver_cert_sans', 'auto_upgrade',
  'autoscaler_config', 'cluster_url', 'cni', 'commitment_ends_at', 'created_at', 'description',
  'dns_wildcard', 'feature_gates', 'iam_nodes_group_id', 'id', 'name', 'open_id_connect_config',
  'organization_id', 'pod_cidr', 'private_network_id', 'project_id', 'region', 'service_cidr',
  'service_dns_ip', 'status', 'tags', 'type', 'updated_at', 'upgrade_available', 'version',
].sort();
const POOL_KEYS = [
  'autohealing', 'autoscaling', 'cluster_id', 'container_runtime', 'created_at', 'error_message', 'id',
  'kubelet_args', 'labels', 'max_size', 'min_size', 'name', 'node_type', 'placement_group_id',
  'public_ip_disabled', 'region', 'root_volume_size', 'root_volume_type', 'security_group_id',
  'size', 'startup_taints', 'status', 'tags', 'taints', 'updated_at', 'upgrade_policy',
  'version', 'zone',
].sort();
const NODE_KEYS = [
  'cluster_id', 'conditions', 'created_at', 'error_message', 'id', 'name', 'pool_id',
  'provider_id', 'public_ip_v4', 'public_ip_v6', 'region', 'status', 'updated_at',
].sort();

let server;
let api; // K8Sv1.API, wrapped to record which operations the tests called
let vpc;
let ipam;
const called = new Set();

before(async () => {
  server = await startServer();
  const client = makeClient(server);
  const real = new K8Sv1.API(client);
  api = new Proxy(real, {
    get(target, prop) {
      const v = target[prop];
      if (typeof v === 'function' && typeof prop === 'string' && !prop.startsWith('waitFor'))
        called.add(prop);
      return v;
    },
  });
  vpc = new Vpcv2.API(client);
  ipam = new Ipamv1.API(client);
});

after(async () => {
  if (server) {
    const r = await server.stop();
    assert.equal(r.code, 0, `scwd did not exit cleanly: ${JSON.stringify(r)}`);
  }
});

const advance = (seconds) => advanceClock(server, seconds);

async function waitCluster(clusterId, seconds) {
  const waiting = api.waitForCluster({ clusterId }, WAIT);
  await advance(seconds);
  return waiting;
}

async function waitPool(poolId, seconds) {
  const waiting = api.waitForPool({ poolId }, WAIT);
  await advance(seconds);
  return waiting;
}

async function latest() {
  const { versions } = await api.listVersions({});
  return versions[0];
}

describe('catalogues', () => {
  it('lists versions newest first with what each offers, and gets one', async () => {
    const { versions } = await api.listVersions({});
    assert.ok(versions.length >= 3);
    const wire = await raw(server, 'GET', `${R}/versions`);
    assert.equal(wire.status, 200, show(wire));
    assert.equal(wire.json.total_count, undefined, 'versions are not paged');
    const v = versions[0];
    assert.match(v.name, /^1\.\d+\.\d+$/);
    assert.equal(v.label, `Kubernetes ${v.name}`);
    assert.ok(v.availableCnis.includes('cilium'));
    assert.deepEqual(v.availableContainerRuntimes, ['containerd']);
    assert.equal(v.availableKubeletArgs.maxPods, 'uint16');
    const one = await api.getVersion({ versionName: v.name });
    assert.equal(one.name, v.name);
    const missing = await raw(server, 'GET', `${R}/versions/0.0.1`);
    assert.equal(missing.status, 404, show(missing));
  });

  it('lists the cluster types', async () => {
    const { clusterTypes, totalCount } = await api.listClusterTypes({});
    assert.equal(totalCount, clusterTypes.length);
    const kapsule = clusterTypes.find((t) => t.name === 'kapsule');
    assert.equal(kapsule.maxNodes, 150);
    assert.equal(kapsule.commitmentDelay, '0s');
    const dedicated = clusterTypes.find((t) => t.name === 'kapsule-dedicated-4');
    assert.equal(dedicated.commitmentDelay, '2592000s');
    assert.equal(dedicated.resiliency, 'high_availability');
  });
});

describe('clusters, pools and nodes', () => {
  it('creates a cluster with its own Private Network, waits for a pool, and gets ready with it', async () => {
    const v = await latest();
    const name = `k8s-${tag()}`;
    const c = await api.createCluster({
      name,
      description: 'demo',
      version: v.name,
      cni: 'cilium',
      tags: ['k8s', 'e2e'],
      featureGates: [v.availableFeatureGates[0]],
      admissionPlugins: ['AlwaysPullImages'],
      apiserverCertSans: ['api.example.com'],
      autoscalerConfig: { scaleDownDelayAfterAdd: '20m', expander: 'most_pods' },
      autoUpgrade: { enable: true, maintenanceWindow: { startHour: 3, day: 'monday' } },
      openIdConnectConfig: { issuerUrl: 'https://oidc.example.com', clientId: 'kube' },
    });
    assert.equal(c.status, 'creating');
    assert.equal(c.type, 'kapsule');
    assert.match(c.privateNetworkId, UUID_RE);
    assert.equal(c.clusterUrl, `https://${c.id}.api.k8s.fr-par.scw.cloud:6443`);
    assert.equal(c.autoscalerConfig.scaleDownDelayAfterAdd, '20m');
    assert.equal(c.autoscalerConfig.expander, 'most_pods');
    assert.equal(c.autoscalerConfig.estimator, 'binpacking');
    assert.equal(c.autoUpgrade.enabled, true);
    assert.equal(c.autoUpgrade.maintenanceWindow.day, 'monday');
    assert.equal(c.openIdConnectConfig.issuerUrl, 'https://oidc.example.com');
    assert.deepEqual(c.apiserverCertSans, ['api.example.com']);
    assert.equal(c.podCidr, '100.64.0.0/15');

    const wire = await raw(server, 'GET', `${R}/clusters/${c.id}`);
    assert.equal(wire.status, 200, show(wire));
    assert.deepEqual(Object.keys(wire.json).sort(), CLUSTER_KEYS);
    assert.match(wire.json.commitment_ends_at, TS_RE);

    // The Private Network was made for it, in the default VPC.
    const pn = await vpc.getPrivateNetwork({ privateNetworkId: c.privateNetworkId });
    assert.equal(pn.name, name);

    const waited = await waitCluster(c.id, 10);
    assert.equal(waited.status, 'pool_required');
    assert.match(waited.iamNodesGroupId, UUID_RE);

    const pool = await api.createPool({
      clusterId: c.id,
      name: 'default',
      nodeType: 'PRO2-XXS',
      size: 2,
      autoscaling: false,
      autohealing: true,
      tags: ['p'],
      kubeletArgs: { maxPods: '50' },
      zone: 'fr-par-1',
      publicIpDisabled: false,
      containerRuntime: 'containerd',
      rootVolumeType: 'default_volume_type',
    });
    assert.equal(pool.status, 'scaling');
    assert.equal(pool.nodeType, 'pro2_xxs');
    assert.equal(pool.rootVolumeType, 'sbs_5k');
    assert.equal(pool.rootVolumeSize, 20000000000);
    assert.equal(pool.version, v.name);
    assert.deepEqual(pool.kubeletArgs, { maxPods: '50' });
    const pwire = await raw(server, 'GET', `${R}/pools/${pool.id}`);
    assert.deepEqual(Object.keys(pwire.json).sort(), POOL_KEYS);

    const readyPool = await waitPool(pool.id, 140);
    assert.equal(readyPool.status, 'ready');
    const ready = await api.waitForCluster({ clusterId: c.id }, WAIT);
    assert.equal(ready.status, 'ready');

    const { nodes, totalCount } = await api.listNodes({ clusterId: c.id, poolId: pool.id });
    assert.equal(totalCount, 2);
    for (const n of nodes) {
      assert.equal(n.status, 'ready');
      assert.equal(n.name.length, 46, n.name);
      assert.ok(n.name.startsWith(`scw-${name.slice(0, 17)}-default-`), n.name);
      assert.match(n.providerId, /^scaleway:\/\/instance\/fr-par-1\/[0-9a-f-]{36}$/);
      assert.equal(n.conditions.Ready, 'True');
      assert.match(n.publicIpV4, /^\d+\.\d+\.\d+\.\d+$/);
      // Its private addresses are booked in IPAM under its name.
      const { ips } = await ipam.listIPs({ resourceName: n.name, projectId: server.creds.projectId });
      assert.equal(ips.length, 2, `IPv4 and IPv6 for ${n.name}`);
      assert.equal(ips[0].resource.type, 'instance_private_nic');
    }
    const nwire = await raw(server, 'GET', `${R}/nodes/${nodes[0].id}`);
    assert.equal(nwire.status, 200, show(nwire));
    assert.deepEqual(Object.keys(nwire.json).sort(), NODE_KEYS);
    const got = await api.getNode({ nodeId: nodes[0].id });
    assert.equal(got.id, nodes[0].id);

    // Lists and filters.
    const byName = await api.listClusters({ name: name.slice(4) });
    assert.deepEqual(byName.clusters.map((x) => x.id), [c.id]);
    const byPn = await api.listClusters({ privateNetworkId: c.privateNetworkId });
    assert.equal(byPn.totalCount, 1);
    const pools = await api.listPools({ clusterId: c.id, status: 'ready' });
    assert.deepEqual(pools.pools.map((p) => p.id), [pool.id]);

    // A Private Network holding nodes cannot be deleted.
    const held = await caught(() => vpc.deletePrivateNetwork({ privateNetworkId: c.privateNetworkId }));
    assert.ok(held instanceof Errors.ScalewayError);
    assert.equal(held.status, 412);

    // Scale up then down: the newest node leaves.
    const up = await api.updatePool({ poolId: pool.id, size: 3 });
    assert.equal(up.status, 'scaling');
    await waitPool(pool.id, 90);
    assert.equal((await api.listNodes({ clusterId: c.id })).totalCount, 3);
    const down = await api.updatePool({ poolId: pool.id, size: 1 });
    assert.equal(down.size, 1);
    await waitPool(pool.id, 40);
    const after = await api.listNodes({ clusterId: c.id });
    assert.equal(after.totalCount, 1);
    assert.equal(after.nodes[0].id, nodes[0].id, 'the oldest node stays');

    // Node operations.
    const rebooting = await api.rebootNode({ nodeId: nodes[0].id });
    assert.equal(rebooting.status, 'rebooting');
    const busy = await caught(() => api.rebootNode({ nodeId: nodes[0].id }));
    assert.equal(busy.status, 409);
    const waitingNode = api.waitForNode({ nodeId: nodes[0].id }, WAIT);
    await advance(40);
    assert.equal((await waitingNode).status, 'ready');
    const replaced = await api.replaceNode({ nodeId: nodes[0].id });
    assert.equal(replaced.status, 'creating');
    assert.notEqual(replaced.providerId, nodes[0].providerId);
    await advance(100);
    const deleting = await api.deleteNode({ nodeId: nodes[0].id, skipDrain: true, replace: true });
    assert.equal(deleting.status, 'deleting');
    await advance(100);
    const refilled = await api.listNodes({ clusterId: c.id });
    assert.equal(refilled.totalCount, 1, 'the pool refills');
    assert.notEqual(refilled.nodes[0].id, nodes[0].id);
    const gone = await raw(server, 'GET', `${R}/nodes/${nodes[0].id}`);
    assert.equal(gone.status, 404, show(gone));

    // Labels and taints (newer clients' settings) round-trip.
    const labelled = await raw(server, 'PUT', `${R}/pools/${pool.id}/set-labels`, { body: { labels: { tier: 'web' } } });
    assert.equal(labelled.status, 200, show(labelled));
    assert.deepEqual(labelled.json.labels, { tier: 'web' });
    const tainted = await raw(server, 'PUT', `${R}/pools/${pool.id}/set-taints`, {
      body: { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] },
    });
    assert.deepEqual(tainted.json.taints, [{ key: 'k', value: 'v', effect: 'NoSchedule' }]);

    // Update the cluster: updating, then back to ready.
    const updated = await api.updateCluster({
      clusterId: c.id,
      description: 'changed',
      autoscalerConfig: { scaleDownUtilizationThreshold: 0.7 },
      autoUpgrade: { enable: false },
      admissionPlugins: [],
    });
    assert.equal(updated.status, 'updating');
    assert.equal(updated.autoscalerConfig.scaleDownUtilizationThreshold, 0.7);
    assert.equal(updated.autoscalerConfig.scaleDownDelayAfterAdd, '20m', 'partial update');
    assert.equal(updated.autoUpgrade.enabled, false);
    assert.equal(updated.autoUpgrade.maintenanceWindow.day, 'monday');
    assert.deepEqual(updated.admissionPlugins, []);
    const bad = await raw(server, 'PATCH', `${R}/clusters/${c.id}`, {
      body: { autoscaler_config: { scale_down_utilization_threshold: 1.5 } },
    });
    assert.equal(bad.status, 400, show(bad));
    assert.equal((await waitCluster(c.id, 15)).status, 'ready');

    // Delete the pool: the cluster waits for a pool again.
    const pd = await api.deletePool({ poolId: pool.id });
    assert.equal(pd.status, 'deleting');
    await advance(70);
    const again = await api.getCluster({ clusterId: c.id });
    assert.equal(again.status, 'pool_required');
    assert.equal((await raw(server, 'GET', `${R}/pools/${pool.id}`)).status, 404);

    // Delete with what was made for it: the Private Network goes too.
    const cd = await api.deleteCluster({ clusterId: c.id, withAdditionalResources: true });
    assert.equal(cd.status, 'deleting');
    await advance(15);
    const missing = await raw(server, 'GET', `${R}/clusters/${c.id}`);
    assert.equal(missing.status, 404, show(missing));
    assert.deepEqual(missing.json, {
      message: 'resource is not found', resource: 'cluster', resource_id: c.id, type: 'not_found',
    });
    const pnGone = await raw(server, 'GET', `/vpc/v2/regions/fr-par/private-networks/${c.privateNetworkId}`);
    assert.equal(pnGone.status, 404, show(pnGone));
  });

  it('creates a cluster with its pools in a given Private Network, and upgrades cluster and pools', async () => {
    const { versions } = await api.listVersions({});
    const old = versions[1];
    const pn = await vpc.createPrivateNetwork({ name: `pn-${tag()}` });
    const c = await api.createCluster({
      name: `up-${tag()}`,
      version: old.name,
      cni: 'calico',
      privateNetworkId: pn.id,
      pools: [{ name: 'workers', nodeType: 'DEV1-M', size: 1, autoscaling: true, minSize: 1, maxSize: 3, zone: 'fr-par-2' }],
    });
    assert.equal(c.privateNetworkId, pn.id);
    assert.equal(c.upgradeAvailable, true);
    const { pools } = await api.listPools({ clusterId: c.id });
    assert.equal(pools.length, 1);
    assert.equal(pools[0].nodeType, 'dev1_m');
    assert.equal(pools[0].rootVolumeType, 'l_ssd');
    assert.equal(pools[0].zone, 'fr-par-2');
    assert.equal(pools[0].maxSize, 3);
    await advance(140);
    assert.equal((await api.waitForCluster({ clusterId: c.id }, WAIT)).status, 'ready');

    const { versions: choices } = await api.listClusterAvailableVersions({ clusterId: c.id });
    assert.deepEqual(choices.map((v) => v.name), [versions[0].name]);
    await api.getCluster({ clusterId: c.id });
    const tooFar = await caught(() => api.upgradeCluster({ clusterId: c.id, version: '1.20.0', upgradePools: false }));
    assert.equal(tooFar.status, 400);
    const up = await api.upgradeCluster({ clusterId: c.id, version: versions[0].name, upgradePools: true });
    assert.equal(up.status, 'updating');
    assert.equal(up.version, versions[0].name);
    const p = await api.getPool({ poolId: pools[0].id });
    assert.equal(p.status, 'upgrading');
    assert.equal(p.version, versions[0].name);
    await advance(80);
    assert.equal((await api.getPool({ poolId: pools[0].id })).status, 'ready');
    const mismatch = await caught(() => api.upgradePool({ poolId: pools[0].id, version: old.name }));
    assert.equal(mismatch.status, 400);
    const same = await api.upgradePool({ poolId: pools[0].id, version: versions[0].name });
    assert.equal(same.status, 'upgrading');
    await advance(70);

    // set-type: to a dedicated control plane, committed for 30 days.
    const { clusterTypes } = await api.listClusterAvailableTypes({ clusterId: c.id });
    assert.ok(clusterTypes.some((t) => t.name === 'kapsule-dedicated-8'));
    const dedicated = await api.setClusterType({ clusterId: c.id, type: 'kapsule-dedicated-8' });
    assert.equal(dedicated.type, 'kapsule-dedicated-8');
    assert.equal(dedicated.status, 'updating');
    await advance(100);
    const { clusterTypes: now } = await api.listClusterAvailableTypes({ clusterId: c.id });
    assert.deepEqual(now.map((t) => t.name), ['kapsule-dedicated-8', 'kapsule-dedicated-16']);
    const down = await caught(() => api.setClusterType({ clusterId: c.id, type: 'kapsule-dedicated-4' }));
    assert.equal(down.status, 412);

    await api.deleteCluster({ clusterId: c.id, withAdditionalResources: false });
    await advance(15);
    // The Private Network it was given stays.
    assert.equal((await vpc.getPrivateNetwork({ privateNetworkId: pn.id })).id, pn.id);
    await vpc.deletePrivateNetwork({ privateNetworkId: pn.id });
  });

  it('refuses bad input and changes nothing', async () => {
    const before = (await api.listClusters({})).totalCount;
    const v = await latest();
    const r1 = await raw(server, 'POST', `${R}/clusters`, {
      body: { project_id: server.creds.projectId, name: 'x', version: '0.1.0', cni: 'cilium' },
    });
    assertInvalidArguments(r1, 'version');
    const r2 = await raw(server, 'POST', `${R}/clusters`, {
      body: { project_id: server.creds.projectId, name: 'x', version: v.name, cni: 'weave' },
    });
    assert.equal(r2.status, 400, show(r2));
    const r3 = await raw(server, 'POST', `${R}/clusters`, {
      body: { project_id: server.creds.projectId, name: 'x', version: v.name, cni: 'cilium', type: 'nope' },
    });
    assertInvalidArguments(r3, 'type');
    const r4 = await raw(server, 'POST', `${R}/clusters`, {
      body: {
        project_id: server.creds.projectId, name: 'x', version: v.name, cni: 'cilium',
        pools: [{ name: 'p', node_type: 'STARDUST1-S', size: 1 }],
      },
    });
    assertInvalidArguments(r4, 'pools.0.node_type');
    assert.equal((await api.listClusters({})).totalCount, before);
    const missing = await raw(server, 'GET', `${R}/clusters/00000000-0000-4000-8000-000000000000`);
    assert.equal(missing.status, 404, show(missing));
    const pool404 = await raw(server, 'GET', `${R}/pools/00000000-0000-4000-8000-000000000000`);
    assert.deepEqual(pool404.json.resource, 'pool');
  });
});

describe('ACL rules, kubeconfig and admin token', () => {
  it('adds, lists, replaces and deletes ACL rules; serves a kubeconfig whose token a reset changes', async () => {
    const v = await latest();
    const c = await api.createCluster({ name: `acl-${tag()}`, version: v.name, cni: 'cilium' });
    await waitCluster(c.id, 10);

    assert.equal((await api.listClusterACLRules({ clusterId: c.id })).totalCount, 0);
    const added = await api.addClusterACLRules({
      clusterId: c.id,
      acls: [{ ip: '1.2.3.4/32', description: 'office' }, { scalewayRanges: true, description: 'scw' }],
    });
    assert.equal(added.rules.length, 2);
    assert.equal(added.rules[1].scalewayRanges, true);
    const twice = await caught(() => api.addClusterACLRules({ clusterId: c.id, acls: [{ scalewayRanges: true }] }));
    assert.equal(twice.status, 400);
    const badIp = await caught(() => api.addClusterACLRules({ clusterId: c.id, acls: [{ ip: 'nope' }] }));
    assert.equal(badIp.status, 400);
    const set = await api.setClusterACLRules({
      clusterId: c.id,
      acls: [{ ip: '12.2.3.4/32', description: 'b' }, { ip: '1.2.3.7/32', description: 'a' }],
    });
    assert.deepEqual(set.rules.map((r) => r.ip), ['12.2.3.4/32', '1.2.3.7/32']);
    const listed = await api.listClusterACLRules({ clusterId: c.id });
    assert.deepEqual(listed.rules.map((r) => r.ip), ['1.2.3.7/32', '12.2.3.4/32']);
    await api.deleteACLRule({ aclId: listed.rules[0].id });
    assert.equal((await api.listClusterACLRules({ clusterId: c.id })).totalCount, 1);
    const cleared = await raw(server, 'PUT', `${R}/clusters/${c.id}/acls`, { body: { acls: null } });
    assert.deepEqual(cleared.json, { rules: [] });

    const k = await raw(server, 'GET', `${R}/clusters/${c.id}/kubeconfig`);
    assert.equal(k.status, 200, show(k));
    assert.equal(k.json.name, 'kubeconfig');
    assert.equal(k.json.content_type, 'application/octet-stream');
    const yaml = Buffer.from(k.json.content, 'base64').toString();
    assert.match(yaml, /certificate-authority-data: \S+/);
    const ca = Buffer.from(yaml.match(/certificate-authority-data: (\S+)/)[1], 'base64').toString();
    assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
    const token = yaml.match(/token: ([A-Za-z0-9]+)/)[1];
    assert.equal(token.length, 56);
    assert.match(yaml, new RegExp(`current-context: admin@${c.name}`));
    const blob = await api.getClusterKubeConfig({ clusterId: c.id });
    const text = typeof blob === 'string' ? blob : await blob.text();
    assert.match(text, /^apiVersion: v1/);
    const redacted = await raw(server, 'GET', `${R}/clusters/${c.id}/kubeconfig?redacted=true`);
    assert.doesNotMatch(Buffer.from(redacted.json.content, 'base64').toString(), /token:/);

    await api.resetClusterAdminToken({ clusterId: c.id });
    const k2 = await raw(server, 'GET', `${R}/clusters/${c.id}/kubeconfig`);
    const token2 = Buffer.from(k2.json.content, 'base64').toString().match(/token: ([A-Za-z0-9]+)/)[1];
    assert.notEqual(token2, token);

    await api.deleteCluster({ clusterId: c.id, withAdditionalResources: true });
    await advance(15);
  });
});

describe('Kosmos external nodes and new node images', () => {
  it('registers external nodes in an external pool, serves their metadata by node secret, and migrates pools', async () => {
    const v = await latest();
    const c = await api.createCluster({ name: `kosmos-${tag()}`, type: 'multicloud', version: v.name, cni: 'kilo' });
    assert.equal(c.privateNetworkId, null);
    assert.equal((await waitCluster(c.id, 100)).status, 'ready', 'a Kosmos cluster needs no pool');
    const pool = await api.createPool({ clusterId: c.id, name: 'edge', nodeType: 'external', size: 0, labels: {} });
    assert.equal(pool.nodeType, 'external');
    const node = await api.createExternalNode({ poolId: pool.id });
    assert.match(node.id, UUID_RE);
    assert.equal(node.poolVersion, v.name);
    assert.match(Buffer.from(node.clusterCa, 'base64').toString(), /BEGIN CERTIFICATE/);
    assert.equal(node.nodeLabels['k8s.scaleway.com/pool-name'], 'edge');
    const auth = await api.authExternalNode({ poolId: pool.id });
    assert.ok(auth.nodeSecretKey.length >= 32);
    assert.ok(auth.metadataUrl.endsWith('/k8s/v1/regions/fr-par/node-metadata'), auth.metadataUrl);
    const meta = await raw(server, 'GET', `${R}/node-metadata`, { token: auth.nodeSecretKey });
    assert.equal(meta.status, 200, show(meta));
    assert.equal(meta.json.pool_version, v.name);
    assert.match(meta.json.kubelet_config, /KubeletConfiguration/);
    const denied = await raw(server, 'GET', `${R}/node-metadata`, { token: 'not-a-node-secret' });
    assert.equal(denied.status, 401, show(denied));
    const sdkMeta = await caught(() => api.getNodeMetadata({}));
    assert.equal(sdkMeta.status, 401, 'an IAM key is not a node secret');
    const { nodes } = await api.listNodes({ clusterId: c.id, poolId: pool.id });
    assert.equal(nodes.length, 2);
    assert.equal(nodes[0].status, 'registering');

    // An Instance pool cannot take external nodes.
    const kapsule = await api.createCluster({ name: `mig-${tag()}`, version: v.name, cni: 'cilium' });
    await waitCluster(kapsule.id, 10);
    const p = await api.createPool({ clusterId: kapsule.id, name: 'p', nodeType: 'DEV1-M', size: 1 });
    const refused = await caught(() => api.createExternalNode({ poolId: p.id }));
    assert.equal(refused.status, 412);
    await advance(140);
    await api.migratePoolsToNewImages({ clusterId: kapsule.id, poolIds: [p.id] });
    assert.equal((await api.getPool({ poolId: p.id })).status, 'upgrading');
    await advance(70);
    assert.equal((await api.getPool({ poolId: p.id })).status, 'ready');
    await api.deleteCluster({ clusterId: kapsule.id, withAdditionalResources: true });
    await api.deleteCluster({ clusterId: c.id, withAdditionalResources: true });
    await advance(15);
  });
});

describe('coverage', () => {
  it('exercised every served k8s operation through the SDK', () => {
    const expected = [
      'listClusters', 'createCluster', 'getCluster', 'updateCluster', 'deleteCluster', 'upgradeCluster',
      'setClusterType', 'listClusterAvailableVersions', 'listClusterAvailableTypes', 'getClusterKubeConfig',
      'resetClusterAdminToken', 'listClusterACLRules', 'addClusterACLRules', 'setClusterACLRules',
      'deleteACLRule', 'listPools', 'createPool', 'getPool', 'upgradePool', 'updatePool', 'deletePool',
      'listNodes', 'getNode', 'replaceNode', 'rebootNode', 'deleteNode', 'listVersions', 'getVersion',
      'listClusterTypes', 'createExternalNode', 'authExternalNode', 'getNodeMetadata',
      'migratePoolsToNewImages',
    ];
    for (const op of expected) assert.ok(called.has(op), `not exercised: ${op}`);
  });
});
