package iam_test

import (
	"errors"
	"fmt"
	"os"
	"testing"

	account "github.com/scaleway/scaleway-sdk-go/api/account/v3"
	iam "github.com/scaleway/scaleway-sdk-go/api/iam/v1alpha1"
	instance "github.com/scaleway/scaleway-sdk-go/api/instance/v1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	. "scwd.test/clients/go/internal/scwdtest"
)

// instance_ips=1: the second Instance IP of the organization is refused with quotas_exceeded.
func TestMain(m *testing.M) { Main(m, "--quota", "instance_ips=1") }

const zone = scw.ZoneFrPar1

func as[T error](err error) (T, bool) {
	var target T
	ok := err != nil && errors.As(err, &target)
	return target, ok
}

func TestProjectsPaging(t *testing.T) {
	defer Catch(t)
	p := account.NewProjectAPI(Client(t))
	var ids []string
	for i := 0; i < 5; i++ {
		pr := Must(p.CreateProject(&account.ProjectAPICreateProjectRequest{Name: fmt.Sprintf("go-project-%d", i), Description: "from the Go SDK"}))
		if pr.OrganizationID != Env["SCW_DEFAULT_ORGANIZATION_ID"] || pr.Description != "from the Go SDK" {
			t.Fatalf("project %+v", pr)
		}
		ids = append(ids, pr.ID)
	}
	first := Must(p.ListProjects(&account.ProjectAPIListProjectsRequest{PageSize: scw.Uint32Ptr(2)}))
	if len(first.Projects) != 2 || first.TotalCount != 6 { // 5 + the default project
		t.Fatalf("first page %d of %d", len(first.Projects), first.TotalCount)
	}
	all := Must(p.ListProjects(&account.ProjectAPIListProjectsRequest{PageSize: scw.Uint32Ptr(2)}, scw.WithAllPages()))
	if len(all.Projects) != 6 {
		t.Fatalf("all pages: %d", len(all.Projects))
	}
	upd := Must(p.UpdateProject(&account.ProjectAPIUpdateProjectRequest{ProjectID: ids[0], Name: scw.StringPtr("renamed")}))
	if upd.Name != "renamed" {
		t.Fatalf("update %+v", upd)
	}
	if err := p.DeleteProject(&account.ProjectAPIDeleteProjectRequest{ProjectID: ids[4]}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	_, err := p.GetProject(&account.ProjectAPIGetProjectRequest{ProjectID: ids[4]})
	nf, ok := as[*scw.ResourceNotFoundError](err)
	// as recorded: Account names the resource by its path parameter
	if !ok || nf.Resource != "project_id" || nf.ResourceID != ids[4] {
		t.Fatalf("deleted project: %v (%+v)", err, nf)
	}

	// the default project cannot go: precondition_failed
	err = p.DeleteProject(&account.ProjectAPIDeleteProjectRequest{ProjectID: Env["SCW_DEFAULT_PROJECT_ID"]})
	pf, ok := as[*scw.PreconditionFailedError](err)
	if !ok || pf.Precondition != "resource_still_in_use" || pf.HelpMessage == "" {
		t.Fatalf("delete default project: %v (%+v)", err, pf)
	}
}

// An application with a read-only policy and an API key; the key, put in the environment,
// reads servers but cannot create one (permissions_denied).
func TestApplicationPolicyAPIKey(t *testing.T) {
	defer Catch(t)
	a := iam.NewAPI(Client(t))
	app := Must(a.CreateApplication(&iam.CreateApplicationRequest{Name: "go-app", Description: "ci", Tags: []string{"go"}}))
	if app.OrganizationID != Env["SCW_DEFAULT_ORGANIZATION_ID"] || !app.Editable {
		t.Fatalf("application %+v", app)
	}
	pol := Must(a.CreatePolicy(&iam.CreatePolicyRequest{
		Name: "go-readonly", ApplicationID: scw.StringPtr(app.ID),
		Rules: []*iam.RuleSpecs{{
			PermissionSetNames: &[]string{"InstancesReadOnly"},
			ProjectIDs:         &[]string{Env["SCW_DEFAULT_PROJECT_ID"]},
		}},
	}))
	if pol.NbRules != 1 || pol.NbPermissionSets != 1 {
		t.Fatalf("policy %+v", pol)
	}
	rules := Must(a.ListRules(&iam.ListRulesRequest{PolicyID: pol.ID}, scw.WithAllPages()))
	if len(rules.Rules) != 1 || rules.Rules[0].PermissionSetNames == nil || (*rules.Rules[0].PermissionSetNames)[0] != "InstancesReadOnly" ||
		rules.Rules[0].ProjectIDs == nil || (*rules.Rules[0].ProjectIDs)[0] != Env["SCW_DEFAULT_PROJECT_ID"] {
		t.Fatalf("rules %+v", rules.Rules)
	}
	key := Must(a.CreateAPIKey(&iam.CreateAPIKeyRequest{ApplicationID: scw.StringPtr(app.ID), Description: "go key", DefaultProjectID: scw.StringPtr(Env["SCW_DEFAULT_PROJECT_ID"])}))
	if key.SecretKey == nil || key.AccessKey == "" || key.ApplicationID == nil || *key.ApplicationID != app.ID {
		t.Fatalf("api key %+v", key)
	}
	got := Must(a.GetAPIKey(&iam.GetAPIKeyRequest{AccessKey: key.AccessKey}))
	if got.SecretKey != nil {
		t.Fatalf("the secret is shown only at creation")
	}
	apps := Must(a.ListApplications(&iam.ListApplicationsRequest{Name: scw.StringPtr("go-app")}, scw.WithAllPages()))
	if len(apps.Applications) != 1 || apps.Applications[0].NbAPIKeys != 1 {
		t.Fatalf("applications %+v", apps.Applications)
	}

	// switch the environment to the application's key
	os.Setenv("SCW_ACCESS_KEY", key.AccessKey)
	os.Setenv("SCW_SECRET_KEY", *key.SecretKey)
	defer func() {
		os.Setenv("SCW_ACCESS_KEY", Env["SCW_ACCESS_KEY"])
		os.Setenv("SCW_SECRET_KEY", Env["SCW_SECRET_KEY"])
	}()
	inst := instance.NewAPI(Client(t))
	list := Must(inst.ListServers(&instance.ListServersRequest{Zone: zone}))
	_ = list
	_, err := inst.CreateServer(&instance.CreateServerRequest{Zone: zone, Name: "denied", CommercialType: "DEV1-S", Image: scw.StringPtr("ubuntu_jammy")})
	pd, ok := as[*scw.PermissionsDeniedError](err)
	if !ok || len(pd.Details) == 0 || pd.Details[0].Resource == "" || pd.Details[0].Action == "" {
		t.Fatalf("create with a read-only key: %v (%+v)", err, pd)
	}
	if pd.Details[0].Action != "write" {
		t.Fatalf("permissions_denied details: %+v", pd.Details)
	}
	os.Setenv("SCW_ACCESS_KEY", Env["SCW_ACCESS_KEY"])
	os.Setenv("SCW_SECRET_KEY", Env["SCW_SECRET_KEY"])

	if err := a.DeleteAPIKey(&iam.DeleteAPIKeyRequest{AccessKey: key.AccessKey}); err != nil {
		t.Fatalf("delete key: %v", err)
	}
	if err := a.DeletePolicy(&iam.DeletePolicyRequest{PolicyID: pol.ID}); err != nil {
		t.Fatalf("delete policy: %v", err)
	}
	if err := a.DeleteApplication(&iam.DeleteApplicationRequest{ApplicationID: app.ID}); err != nil {
		t.Fatalf("delete application: %v", err)
	}
}

func TestTypedErrors(t *testing.T) {
	defer Catch(t)
	inst := instance.NewAPI(Client(t))
	const missing = "11111111-2222-4333-8444-555555555555"

	_, err := inst.GetServer(&instance.GetServerRequest{Zone: zone, ServerID: missing})
	nf, ok := as[*scw.ResourceNotFoundError](err)
	if !ok || nf.Resource != "instance_server" || nf.ResourceID != missing {
		t.Fatalf("not found: %v (%+v)", err, nf)
	}

	// quota: instance_ips=1
	ip := Must(inst.CreateIP(&instance.CreateIPRequest{Zone: zone, Type: instance.IPTypeRoutedIPv4})).IP
	_, err = inst.CreateIP(&instance.CreateIPRequest{Zone: zone, Type: instance.IPTypeRoutedIPv4})
	qe, ok := as[*scw.QuotasExceededError](err)
	if !ok || len(qe.Details) != 1 || qe.Details[0].Resource != "instance_ips" || qe.Details[0].Quota != 1 || qe.Details[0].Current != 1 {
		t.Fatalf("quota: %v (%+v)", err, qe)
	}

	// transient state: a server that is starting cannot be powered off
	srv := Must(inst.CreateServer(&instance.CreateServerRequest{Zone: zone, Name: "go-err", CommercialType: "DEV1-S", Image: scw.StringPtr("ubuntu_jammy")})).Server
	Must(inst.ServerAction(&instance.ServerActionRequest{Zone: zone, ServerID: srv.ID, Action: instance.ServerActionPoweron}))
	_, err = inst.ServerAction(&instance.ServerActionRequest{Zone: zone, ServerID: srv.ID, Action: instance.ServerActionPoweroff})
	ts, ok := as[*scw.TransientStateError](err)
	if !ok || ts.Resource != "instance_server" || ts.ResourceID != srv.ID || ts.CurrentState != "starting" {
		t.Fatalf("transient: %v (%+v)", err, ts)
	}

	// precondition: an IP attached to a server cannot be attached to another one
	other := Must(inst.CreateServer(&instance.CreateServerRequest{Zone: zone, Name: "go-err-2", CommercialType: "DEV1-S", Image: scw.StringPtr("ubuntu_jammy")})).Server
	Must(inst.UpdateIP(&instance.UpdateIPRequest{Zone: zone, IP: ip.ID, Server: &instance.NullableStringValue{Value: other.ID}}))
	_, err = inst.UpdateServer(&instance.UpdateServerRequest{Zone: zone, ServerID: srv.ID, PublicIPs: &[]string{ip.ID}})
	pf, ok := as[*scw.PreconditionFailedError](err)
	if !ok || pf.Precondition != "resource_still_in_use" {
		t.Fatalf("precondition: %v (%+v)", err, pf)
	}

	// invalid arguments: the details name the argument and the reason
	_, err = inst.CreateVolume(&instance.CreateVolumeRequest{Zone: zone, Name: "too-big", VolumeType: instance.VolumeVolumeTypeLSSD, Size: scw.SizePtr(100 * scw.TB)})
	ia, ok := as[*scw.InvalidArgumentsError](err)
	if !ok || len(ia.Details) == 0 || ia.Details[0].ArgumentName != "size" || ia.Details[0].Reason == "" {
		t.Fatalf("invalid arguments: %v (%+v)", err, ia)
	}
}

// A secret key the store does not know: denied_authentication, method api_key, reason not_found.
func TestDeniedAuthentication(t *testing.T) {
	defer func() {
		os.Setenv("SCW_SECRET_KEY", Env["SCW_SECRET_KEY"])
	}()
	os.Setenv("SCW_SECRET_KEY", "0b7a7c5e-0000-4000-8000-000000000000")
	_, err := account.NewProjectAPI(Client(t)).ListProjects(&account.ProjectAPIListProjectsRequest{})
	da, ok := as[*scw.DeniedAuthenticationError](err)
	if !ok || da.Method != "api_key" || da.Reason != "not_found" {
		t.Fatalf("unknown key: %v (%+v)", err, da)
	}
}

// Groups with an application member, SSH keys, the permission-set catalog over pages.
func TestGroupsSSHKeysPermissionSets(t *testing.T) {
	defer Catch(t)
	a := iam.NewAPI(Client(t))
	app := Must(a.CreateApplication(&iam.CreateApplicationRequest{Name: "go-member"}))
	g := Must(a.CreateGroup(&iam.CreateGroupRequest{Name: "go-group", Description: "d"}))
	g = Must(a.AddGroupMember(&iam.AddGroupMemberRequest{GroupID: g.ID, ApplicationID: scw.StringPtr(app.ID)}))
	if len(g.ApplicationIDs) != 1 || g.ApplicationIDs[0] != app.ID {
		t.Fatalf("group %+v", g)
	}
	pol := Must(a.CreatePolicy(&iam.CreatePolicyRequest{Name: "go-group-policy", GroupID: scw.StringPtr(g.ID),
		Rules: []*iam.RuleSpecs{{PermissionSetNames: &[]string{"IAMReadOnly"}, OrganizationID: scw.StringPtr(Env["SCW_DEFAULT_ORGANIZATION_ID"])}}}))
	if pol.NbRules != 1 {
		t.Fatalf("group policy %+v", pol)
	}
	key := Must(a.CreateSSHKey(&iam.CreateSSHKeyRequest{Name: "go-key",
		PublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE3wp1oUSuOU1V6n5cIeYV1bIZs9ykzSzsuOEVrb5wIw go@scwd"}))
	if key.Fingerprint == "" || key.ProjectID != Env["SCW_DEFAULT_PROJECT_ID"] {
		t.Fatalf("ssh key %+v", key)
	}
	keys := Must(a.ListSSHKeys(&iam.ListSSHKeysRequest{}, scw.WithAllPages()))
	if keys.TotalCount != 1 || keys.SSHKeys[0].ID != key.ID {
		t.Fatalf("ssh keys %+v", keys.SSHKeys)
	}
	first := Must(a.ListPermissionSets(&iam.ListPermissionSetsRequest{PageSize: scw.Uint32Ptr(5)}))
	all := Must(a.ListPermissionSets(&iam.ListPermissionSetsRequest{PageSize: scw.Uint32Ptr(5)}, scw.WithAllPages()))
	if len(first.PermissionSets) != 5 || uint32(len(all.PermissionSets)) != all.TotalCount || all.TotalCount <= 5 {
		t.Fatalf("permission sets: page %d, all %d of %d", len(first.PermissionSets), len(all.PermissionSets), all.TotalCount)
	}
	if err := a.DeleteSSHKey(&iam.DeleteSSHKeyRequest{SSHKeyID: key.ID}); err != nil {
		t.Fatalf("delete ssh key: %v", err)
	}
	if err := a.DeleteGroup(&iam.DeleteGroupRequest{GroupID: g.ID}); err != nil {
		t.Fatalf("delete group: %v", err)
	}
}
