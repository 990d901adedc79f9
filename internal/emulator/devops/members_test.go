package devops_test

import (
	"testing"

	"github.com/patctl/patctl/internal/emulator"
)

func TestOrgMembers(t *testing.T) {
	const home, other = "6a1d3b52-8f0e-4c7a-9d21-3f5e8b7c4a10", "0d6e1a7b-2c3d-4e5f-8a9b-0c1d2e3f4a5b"
	ada := emulator.User{ObjectID: "b6f0c2e1-5a3d-4f8e-9c7b-1d2e3f4a5b6c", TenantID: home, UPN: "ada@contoso.onmicrosoft.com"}
	dir := emulator.Config{}.EntraSettings.Directory
	dir.Tenants = []emulator.Tenant{{ID: home}, {ID: other, Guests: []string{"B6F0C2E1-5A3D-4F8E-9C7B-1D2E3F4A5B6C"}}}
	for _, tc := range []struct {
		org  emulator.Org
		want bool
	}{
		{emulator.Org{TenantID: home}, true},
		{emulator.Org{TenantID: other}, true}, // a guest of its tenant
		{emulator.Org{TenantID: "11111111-2222-4333-8444-555555555555"}, false},
		{emulator.Org{TenantID: home, Members: []string{"grace@contoso.onmicrosoft.com"}}, false},
		{emulator.Org{TenantID: home, Members: []string{"ADA@contoso.onmicrosoft.com"}}, true},
		{emulator.Org{TenantID: other, Members: []string{ada.ObjectID}}, true},
	} {
		if got := tc.org.HasMember(ada, &dir); got != tc.want {
			t.Errorf("%+v: %v", tc.org, got)
		}
	}
	if !(emulator.Org{Owner: ada.UPN}).IsOwner(ada) || (emulator.Org{}).IsOwner(ada) {
		t.Error("owner")
	}
}
