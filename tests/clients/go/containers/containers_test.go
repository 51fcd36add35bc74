package containers_test

import (
	"errors"
	"testing"

	container "github.com/scaleway/scaleway-sdk-go/api/container/v1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	. "scwd.test/clients/go/internal/scwdtest"
)

func TestMain(m *testing.M) { Main(m) }

const region = scw.RegionFrPar

// Serverless Containers v1 through the Go SDK (the API the Terraform provider uses): a container's
// custom domain and its cron, SQS and NATS triggers, from creation to ready, through updates, and
// gone with the container; redeploy.
func TestDomainsTriggersAndRedeploy(t *testing.T) {
	defer Catch(t)
	api := container.NewAPI(Client(t))
	wait := func(id string) *container.Trigger {
		return Must(api.WaitForTrigger(&container.WaitForTriggerRequest{Region: region, TriggerID: id, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	}
	ns := Must(api.CreateNamespace(&container.CreateNamespaceRequest{Region: region, Name: "go-v1"}))
	Must(api.WaitForNamespace(&container.WaitForNamespaceRequest{Region: region, NamespaceID: ns.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	c := Must(api.CreateContainer(&container.CreateContainerRequest{Region: region, NamespaceID: ns.ID, Name: "go-v1-app", Image: "rg.fr-par.scw.cloud/demo/app:latest"}))
	Must(api.WaitForContainer(&container.WaitForContainerRequest{Region: region, ContainerID: c.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))

	// A custom domain: creating, then ready; its tags change.
	d := Must(api.CreateDomain(&container.CreateDomainRequest{Region: region, ContainerID: c.ID, Hostname: "App.Example.com", Tags: []string{"web"}}))
	if d.Hostname != "app.example.com" || d.ContainerID != c.ID || d.Status != container.DomainStatusCreating || len(d.Tags) != 1 {
		t.Fatalf("domain %+v", d)
	}
	d = Must(api.WaitForDomain(&container.WaitForDomainRequest{Region: region, DomainID: d.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	if d.Status != container.DomainStatusReady || d.ErrorMessage == nil || *d.ErrorMessage != "" {
		t.Fatalf("ready domain %+v", d)
	}
	d = Must(api.UpdateDomain(&container.UpdateDomainRequest{Region: region, DomainID: d.ID, Tags: &[]string{"web", "prod"}}))
	if len(d.Tags) != 2 {
		t.Fatalf("updated domain %+v", d)
	}
	_, err := api.CreateDomain(&container.CreateDomainRequest{Region: region, ContainerID: c.ID, Hostname: "app.example.com"})
	var exists *scw.ResponseError
	if !errors.As(err, &exists) || exists.StatusCode != 409 {
		t.Fatalf("the same hostname again: %v", err)
	}

	// A cron trigger: POST / by default; a new name does not redeploy it, a new schedule does.
	cron := Must(api.CreateTrigger(&container.CreateTriggerRequest{
		Region: region, ContainerID: c.ID, Name: "nightly", Tags: []string{"cron"},
		CronConfig: &container.CreateTriggerRequestCronConfig{Schedule: "5 4 * * *", Timezone: "Europe/Paris", Body: `{"from":"go"}`, Headers: map[string]string{"X-From": "go"}},
	}))
	if cron.Status != container.TriggerStatusCreating || cron.SourceType != container.TriggerSourceTypeCron || cron.DestinationConfig == nil ||
		cron.DestinationConfig.HTTPPath != "/" || cron.DestinationConfig.HTTPMethod != "post" || cron.CronConfig == nil ||
		cron.CronConfig.Schedule != "5 4 * * *" || cron.CronConfig.Headers["X-From"] != "go" || cron.SqsConfig != nil {
		t.Fatalf("cron trigger %+v", cron)
	}
	if got := wait(cron.ID); got.Status != container.TriggerStatusReady {
		t.Fatalf("cron trigger %+v", got)
	}
	cron = Must(api.UpdateTrigger(&container.UpdateTriggerRequest{Region: region, TriggerID: cron.ID, Name: scw.StringPtr("nightly-renamed")}))
	if cron.Status != container.TriggerStatusReady || cron.Name != "nightly-renamed" {
		t.Fatalf("renamed trigger %+v", cron)
	}
	cron = Must(api.UpdateTrigger(&container.UpdateTriggerRequest{Region: region, TriggerID: cron.ID,
		CronConfig: &container.UpdateTriggerRequestCronConfig{Schedule: scw.StringPtr("0 0 * * 1")}}))
	if cron.Status != container.TriggerStatusUpdating || cron.CronConfig.Schedule != "0 0 * * 1" || cron.CronConfig.Timezone != "Europe/Paris" {
		t.Fatalf("rescheduled trigger %+v", cron)
	}
	wait(cron.ID)

	// SQS and NATS triggers: their secrets are never shown.
	sqs := Must(api.CreateTrigger(&container.CreateTriggerRequest{
		Region: region, ContainerID: c.ID, Name: "queue",
		DestinationConfig: &container.CreateTriggerRequestDestinationConfig{HTTPPath: "/jobs", HTTPMethod: "put"},
		SqsConfig: &container.CreateTriggerRequestSQSConfig{Endpoint: "https://sqs.mnq.fr-par.scaleway.com", AccessKeyID: "AK",
			SecretAccessKey: "not-shown", QueueURL: "https://sqs.mnq.fr-par.scaleway.com/project-x/jobs"},
	}))
	if sqs.SqsConfig == nil || sqs.SqsConfig.Region != region || sqs.SqsConfig.AccessKeyID != "AK" || sqs.DestinationConfig.HTTPMethod != "put" {
		t.Fatalf("sqs trigger %+v", sqs)
	}
	nats := Must(api.CreateTrigger(&container.CreateTriggerRequest{
		Region: region, ContainerID: c.ID, Name: "events",
		NatsConfig: &container.CreateTriggerRequestNATSConfig{ServerURLs: []string{"nats://nats.mnq.fr-par.scaleway.com:4222"}, Subject: "events", CredentialsFileContent: "creds"},
	}))
	if nats.NatsConfig == nil || nats.NatsConfig.Subject != "events" {
		t.Fatalf("nats trigger %+v", nats)
	}
	all := Must(api.ListTriggers(&container.ListTriggersRequest{Region: region, ContainerID: &c.ID}, scw.WithAllPages()))
	crons := Must(api.ListTriggers(&container.ListTriggersRequest{Region: region, NamespaceID: &ns.ID, TriggerType: container.TriggerSourceTypeCron}))
	if all.TotalCount != 3 || crons.TotalCount != 1 || crons.Triggers[0].ID != cron.ID {
		t.Fatalf("triggers %+v, crons %+v", all, crons)
	}

	// Bad input: two sources, none, another source on update, a bad method.
	var invalid *scw.InvalidArgumentsError
	_, err = api.CreateTrigger(&container.CreateTriggerRequest{Region: region, ContainerID: c.ID, Name: "two",
		CronConfig: &container.CreateTriggerRequestCronConfig{Schedule: "* * * * *"},
		NatsConfig: &container.CreateTriggerRequestNATSConfig{ServerURLs: []string{"nats://x:4222"}, Subject: "s", CredentialsFileContent: "c"}})
	if !errors.As(err, &invalid) {
		t.Fatalf("two sources: %v", err)
	}
	_, err = api.CreateTrigger(&container.CreateTriggerRequest{Region: region, ContainerID: c.ID, Name: "none"})
	if !errors.As(err, &invalid) {
		t.Fatalf("no source: %v", err)
	}
	_, err = api.UpdateTrigger(&container.UpdateTriggerRequest{Region: region, TriggerID: sqs.ID,
		CronConfig: &container.UpdateTriggerRequestCronConfig{Schedule: scw.StringPtr("* * * * *")}})
	if !errors.As(err, &invalid) {
		t.Fatalf("another source: %v", err)
	}
	_, err = api.CreateTrigger(&container.CreateTriggerRequest{Region: region, ContainerID: c.ID, Name: "bad",
		CronConfig: &container.CreateTriggerRequestCronConfig{Schedule: "every day"}})
	if !errors.As(err, &invalid) {
		t.Fatalf("bad schedule: %v", err)
	}

	// Redeploy, then the container goes with its domain and triggers.
	c = Must(api.RedeployContainer(&container.RedeployContainerRequest{Region: region, ContainerID: c.ID}))
	if c.Status != container.ContainerStatusUpdating {
		t.Fatalf("redeployed container %+v", c)
	}
	Must(api.WaitForContainer(&container.WaitForContainerRequest{Region: region, ContainerID: c.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)}))
	deleted := Must(api.DeleteTrigger(&container.DeleteTriggerRequest{Region: region, TriggerID: nats.ID}))
	if deleted.Status != container.TriggerStatusDeleting {
		t.Fatalf("deleted trigger %+v", deleted)
	}
	Must(api.DeleteContainer(&container.DeleteContainerRequest{Region: region, ContainerID: c.ID}))
	_, err = api.WaitForContainer(&container.WaitForContainerRequest{Region: region, ContainerID: c.ID, Timeout: Dur(Timeout), RetryInterval: Dur(Poll)})
	var notFound *scw.ResourceNotFoundError
	if !errors.As(err, &notFound) {
		t.Fatalf("deleted container: %v", err)
	}
	_, err = api.GetTrigger(&container.GetTriggerRequest{Region: region, TriggerID: cron.ID})
	if !errors.As(err, &notFound) || notFound.Resource != "trigger" {
		t.Fatalf("trigger of a deleted container: %v", err)
	}
	_, err = api.GetDomain(&container.GetDomainRequest{Region: region, DomainID: d.ID})
	if !errors.As(err, &notFound) || notFound.Resource != "domain" {
		t.Fatalf("domain of a deleted container: %v", err)
	}
}
