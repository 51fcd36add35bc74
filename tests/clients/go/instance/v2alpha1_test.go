package instance_test

import (
	"fmt"
	"testing"

	instance "github.com/scaleway/scaleway-sdk-go/api/instance/v1"
	instancev2 "github.com/scaleway/scaleway-sdk-go/api/instance/v2alpha1"
	productcatalog "github.com/scaleway/scaleway-sdk-go/api/product_catalog/v2alpha1"
	"github.com/scaleway/scaleway-sdk-go/scw"

	. "scwd.test/clients/go/internal/scwdtest"
)

// Placement groups through Instance v2alpha1 (what the Terraform provider uses) are the v1
// records: created on v2, seen and changed on v1 and back; listed by page token; deleted on v2.
func TestPlacementGroupsV2alpha1(t *testing.T) {
	defer Catch(t)
	c := Client(t)
	v2 := instancev2.NewAPI(c)
	v1 := instance.NewAPI(c)

	var ids []string
	for i := 0; i < 3; i++ {
		pg := Must(v2.CreatePlacementGroup(&instancev2.CreatePlacementGroupRequest{
			Zone: zone, ProjectID: Env["SCW_DEFAULT_PROJECT_ID"], Name: fmt.Sprintf("go-v2-pg-%d", i),
			PolicyType: instancev2.PlacementGroupPolicyTypeLowLatency, Tags: []string{"go-v2"},
		}))
		if pg.Zone != zone || pg.ProjectID != Env["SCW_DEFAULT_PROJECT_ID"] || pg.CreatedAt == nil ||
			pg.PolicyType != instancev2.PlacementGroupPolicyTypeLowLatency {
			t.Fatalf("created: %+v", pg)
		}
		ids = append(ids, pg.ID)
	}
	old := Must(v1.GetPlacementGroup(&instance.GetPlacementGroupRequest{Zone: zone, PlacementGroupID: ids[0]}))
	if old.PlacementGroup.Name != "go-v2-pg-0" || old.PlacementGroup.PolicyType != instance.PlacementGroupPolicyTypeLowLatency {
		t.Fatalf("v1 view: %+v", old.PlacementGroup)
	}

	upd := Must(v2.UpdatePlacementGroup(&instancev2.UpdatePlacementGroupRequest{
		Zone: zone, PlacementGroupID: ids[0], Name: scw.StringPtr("go-v2-renamed"),
		PolicyType: instancev2.PlacementGroupPolicyTypeMaxAvailability,
	}))
	if upd.Name != "go-v2-renamed" || upd.PolicyType != instancev2.PlacementGroupPolicyTypeMaxAvailability ||
		!upd.UpdatedAt.After(*upd.CreatedAt) && !upd.UpdatedAt.Equal(*upd.CreatedAt) {
		t.Fatalf("updated: %+v", upd)
	}

	// What Terraform sends for a rename: policy_type "unknown_policy_type" leaves the policy.
	ren := Must(v2.UpdatePlacementGroup(&instancev2.UpdatePlacementGroupRequest{
		Zone: zone, PlacementGroupID: ids[0], Name: scw.StringPtr("go-v2-renamed-again"),
		PolicyType: instancev2.PlacementGroupPolicyTypeUnknownPolicyType,
	}))
	if ren.Name != "go-v2-renamed-again" || ren.PolicyType != instancev2.PlacementGroupPolicyTypeMaxAvailability {
		t.Fatalf("renamed: %+v", ren)
	}

	// Two per page, oldest first, until no next_page_token.
	var seen []string
	var token *string
	for pages := 0; pages < 5; pages++ {
		res := Must(v2.ListPlacementGroups(&instancev2.ListPlacementGroupsRequest{
			Zone: zone, PageSize: scw.Uint32Ptr(2), PageToken: token, Tags: []string{"go-v2"},
			OrderBy: instancev2.ListPlacementGroupsRequestOrderByCreatedAtAsc,
		}))
		if res.TotalCount != 3 {
			t.Fatalf("total_count %d, want 3", res.TotalCount)
		}
		for _, pg := range res.PlacementGroups {
			seen = append(seen, pg.ID)
		}
		if res.NextPageToken == nil {
			break
		}
		token = res.NextPageToken
	}
	if fmt.Sprint(seen) != fmt.Sprint(ids) {
		t.Fatalf("paged ids %v, want %v", seen, ids)
	}
	byID := Must(v2.ListPlacementGroups(&instancev2.ListPlacementGroupsRequest{
		Zone: zone, PlacementGroupIDs: []string{ids[1], ids[2]},
	}))
	if byID.TotalCount != 2 {
		t.Fatalf("placement_group_ids filter: %d", byID.TotalCount)
	}

	for _, id := range ids {
		if err := v2.DeletePlacementGroup(&instancev2.DeletePlacementGroupRequest{Zone: zone, PlacementGroupID: id}); err != nil {
			t.Fatalf("delete %s: %v", id, err)
		}
	}
	_, err := v2.GetPlacementGroup(&instancev2.GetPlacementGroupRequest{Zone: zone, PlacementGroupID: ids[0]})
	var nf *scw.ResourceNotFoundError
	if !asErr(err, &nf) || nf.Resource != "instance_placement_group" || nf.ResourceID != ids[0] {
		t.Fatalf("get after delete: %v", err)
	}
}

// The public catalogue prices each commercial type per zone as /products/servers does.
func TestProductCatalogInstanceOffers(t *testing.T) {
	defer Catch(t)
	c := Client(t)
	z := zone
	res := Must(productcatalog.NewPublicCatalogAPI(c).ListPublicCatalogProducts(
		&productcatalog.PublicCatalogAPIListPublicCatalogProductsRequest{
			ProductTypes: []productcatalog.ListPublicCatalogProductsRequestProductType{
				productcatalog.ListPublicCatalogProductsRequestProductTypeInstance},
			Zone: &z,
		}, scw.WithAllPages()))
	types := Must(instance.NewAPI(c).ListServersTypes(&instance.ListServersTypesRequest{Zone: zone}, scw.WithAllPages()))
	if int(res.TotalCount) != len(types.Servers) || len(res.Products) != len(types.Servers) {
		t.Fatalf("%d products (total %d), %d server types", len(res.Products), res.TotalCount, len(types.Servers))
	}
	for _, p := range res.Products {
		st := types.Servers[p.Product]
		if st == nil || p.Locality == nil || p.Locality.Zone == nil || *p.Locality.Zone != zone {
			t.Fatalf("product %+v", p)
		}
		if p.Properties == nil || p.Properties.Instance == nil || p.Properties.Instance.OfferID != p.Product ||
			p.Properties.Hardware == nil || p.Properties.Hardware.CPU == nil || uint64(p.Properties.Hardware.RAM.Size) != st.RAM {
			t.Fatalf("properties of %s: %+v", p.Product, p.Properties)
		}
		price := p.Price.RetailPrice.ToFloat()
		if p.UnitOfMeasure.Unit == productcatalog.PublicCatalogProductUnitOfMeasureCountableUnitMinute {
			price *= 60
		}
		if d := price - float64(st.HourlyPrice); d > 1e-6 || d < -1e-6 {
			t.Fatalf("%s: catalogue %v per hour, products/servers %v", p.Product, price, st.HourlyPrice)
		}
	}
}
