package k8s_test

import (
	"errors"
	"strings"
	"testing"

	ipam "github.com/scaleway/scaleway-sdk-go/api/ipam/v1"
	k8s "github.com/scaleway/scaleway-sdk-go/api/k8s/v1"
	vpc "github.com/scaleway/scaleway-sdk-go/api/vpc/v2"
	"github.com/scaleway/scaleway-sdk-go/scw"

	. "scwd.test/clients/go/internal/scwdtest"
)

func TestMain(m *testing.M) { Main(m) }

const region = scw.RegionFrPar

// The Kapsule story through the Go SDK and its waiters: a cluster in a Private Network with a
// pool, WaitForClusterPool, the nodes with their IPAM addresses, the kubeconfig, a scale-up, an
// upgrade of cluster and pools, then deletion with the additional resources.
func TestKapsuleClusterStory(t *testing.T) {
	defer Catch(t)
	c := Client(t)
	api, vpcs, ipams := k8s.NewAPI(c), vpc.NewAPI(c), ipam.NewAPI(c)
	project := Env["SCW_DEFAULT_PROJECT_ID"]

	versions := Must(api.ListVersions(&k8s.ListVersionsRequest{Region: region})).Versions
	if len(versions) < 2 {
		t.Fatalf("versions %+v", versions)
	}
	older, newest := versions[1], versions[0]
	pn := Must(vpcs.CreatePrivateNetwork(&vpc.CreatePrivateNetworkRequest{Region: region, Name: "go-k8s-pn"}))
	cluster := Must(api.CreateCluster(&k8s.CreateClusterRequest{Region: region, ProjectID: &project,
		Name: "go-k8s", Version: older.Name, Cni: k8s.CNICilium, PrivateNetworkID: &pn.ID,
		Tags: []string{"go"}, Pools: []*k8s.CreateClusterRequestPoolConfig{{Name: "default",
			NodeType: "PRO2-XXS", Size: 2, Zone: scw.ZoneFrPar1, RootVolumeType: k8s.PoolVolumeTypeDefaultVolumeType}}}))
	if cluster.Status != k8s.ClusterStatusCreating || *cluster.PrivateNetworkID != pn.ID || !cluster.UpgradeAvailable {
		t.Fatalf("created %+v", cluster)
	}
	Must(api.WaitForClusterPool(&k8s.WaitForClusterRequest{Region: region, ClusterID: cluster.ID,
		Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	// The waiter answers the cluster it read before the pools, so it may still say pool_required
	// if the pool became ready in between; the cluster is ready with its pool.
	cluster = Must(api.GetCluster(&k8s.GetClusterRequest{Region: region, ClusterID: cluster.ID}))
	if cluster.Status != k8s.ClusterStatusReady {
		t.Fatalf("cluster %s", cluster.Status)
	}
	pools := Must(api.ListPools(&k8s.ListPoolsRequest{Region: region, ClusterID: cluster.ID}, scw.WithAllPages())).Pools
	if len(pools) != 1 || pools[0].Status != k8s.PoolStatusReady || pools[0].NodeType != "pro2_xxs" {
		t.Fatalf("pools %+v", pools)
	}
	nodes := Must(api.ListNodes(&k8s.ListNodesRequest{Region: region, ClusterID: cluster.ID}, scw.WithAllPages())).Nodes
	if len(nodes) != 2 {
		t.Fatalf("nodes %+v", nodes)
	}
	for _, n := range nodes {
		n = Must(api.WaitForNode(&k8s.WaitForNodeRequest{Region: region, NodeID: n.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
		if n.Status != k8s.NodeStatusReady || len(n.Name) != 46 || !strings.HasPrefix(n.ProviderID, "scaleway://instance/fr-par-1/") {
			t.Fatalf("node %+v", n)
		}
		ips := Must(ipams.ListIPs(&ipam.ListIPsRequest{Region: region, ResourceName: &n.Name, ProjectID: &project}, scw.WithAllPages())).IPs
		if len(ips) != 2 || ips[0].Resource == nil || ips[0].Resource.Type != ipam.ResourceTypeInstancePrivateNic {
			t.Fatalf("node %s addresses %+v", n.Name, ips)
		}
	}

	kc := Must(api.GetClusterKubeConfig(&k8s.GetClusterKubeConfigRequest{Region: region, ClusterID: cluster.ID}))
	server := Must(kc.GetServer())
	token := Must(kc.GetToken())
	ca := Must(kc.GetCertificateAuthorityData())
	if server == "" || len(token) != 56 || ca == "" || kc.CurrentContext != "admin@go-k8s" {
		t.Fatalf("kubeconfig server %q token %q", server, token)
	}

	pool := Must(api.UpdatePool(&k8s.UpdatePoolRequest{Region: region, PoolID: pools[0].ID, Size: scw.Uint32Ptr(3)}))
	if pool.Status != k8s.PoolStatusScaling {
		t.Fatalf("scaling %+v", pool)
	}
	pool = Must(api.WaitForPool(&k8s.WaitForPoolRequest{Region: region, PoolID: pool.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if got := Must(api.ListNodes(&k8s.ListNodesRequest{Region: region, ClusterID: cluster.ID}, scw.WithAllPages())).TotalCount; got != 3 || pool.Size != 3 {
		t.Fatalf("after scale-up: %d nodes, pool %+v", got, pool)
	}

	cluster = Must(api.UpgradeCluster(&k8s.UpgradeClusterRequest{Region: region, ClusterID: cluster.ID, Version: newest.Name, UpgradePools: true}))
	if cluster.Version != newest.Name || cluster.Status != k8s.ClusterStatusUpdating {
		t.Fatalf("upgrade %+v", cluster)
	}
	cluster = Must(api.WaitForClusterPool(&k8s.WaitForClusterRequest{Region: region, ClusterID: cluster.ID,
		Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if p := Must(api.GetPool(&k8s.GetPoolRequest{Region: region, PoolID: pool.ID})); p.Version != newest.Name || p.Status != k8s.PoolStatusReady {
		t.Fatalf("pool after upgrade %+v", p)
	}

	Must(api.DeleteCluster(&k8s.DeleteClusterRequest{Region: region, ClusterID: cluster.ID, WithAdditionalResources: true}))
	_, err := api.WaitForCluster(&k8s.WaitForClusterRequest{Region: region, ClusterID: cluster.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)})
	var nf *scw.ResourceNotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("cluster after delete: %v", err)
	}
	// Its Private Network, empty now, went with it (with_additional_resources).
	if _, err := vpcs.GetPrivateNetwork(&vpc.GetPrivateNetworkRequest{Region: region, PrivateNetworkID: pn.ID}); !errors.As(err, &nf) {
		t.Fatalf("Private Network after delete: %v", err)
	}
}
