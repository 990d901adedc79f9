package emulator_test

import (
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
)

// TestConcurrentRequests runs every kind of request at once; under the race
// detector (make test) it proves the emulator's locking.
func TestConcurrentRequests(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{NewSecret: func() string { return "concurrent-secret" }})
	api := emulatortest.NewAPI(t, em)
	p := emulatortest.PatTokenOf(t, api.Create("shared", "vso.code", em.Now().Add(time.Hour), false))
	id := p["authorizationId"].(string)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 5; j++ {
				api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1&displayFilterOption=all", nil)
				api.Do("PUT", emulatortest.PATsPath+"?api-version=7.1-preview.1", map[string]any{"authorizationId": id, "displayName": fmt.Sprint("n", i, j), "allOrgs": j%2 == 0})
				api.Do("GET", "/fabrikam/_apis/connectionData", nil)
				api.Create(fmt.Sprint("c", i, j), "vso.code", em.Now().Add(time.Hour), false)
				em.Update(func(c *emulator.Config) { c.DefaultPageSize = 10 + j })
				_ = em.Config()
				_ = em.Requests()
			}
		}(i)
	}
	wg.Wait()
	page := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1&$top=100", nil).JSON(t)
	if n := len(page["patTokens"].([]any)); n != 41 {
		t.Fatalf("%d tokens after 40 concurrent creates and one before", n)
	}
}

func TestPagingSkipsNothingWhenTokensAreRevokedMeanwhile(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	api := emulatortest.NewAPI(t, em)
	for i := 0; i < 30; i++ {
		api.Create(fmt.Sprintf("t%02d", i), "vso.code", em.Now().Add(time.Hour), false)
	}
	first := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1&$top=10", nil).JSON(t)
	var seen []string
	for _, it := range first["patTokens"].([]any) {
		m := it.(map[string]any)
		seen = append(seen, m["displayName"].(string))
		// Revoke what was just listed, as a clean-up script would.
		api.Do("DELETE", emulatortest.PATsPath+"?api-version=7.1-preview.1&authorizationId="+m["authorizationId"].(string), nil)
	}
	ct := first["continuationToken"].(string)
	for ct != "" {
		page := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1&$top=10&continuationToken="+url.QueryEscape(ct), nil).JSON(t)
		for _, it := range page["patTokens"].([]any) {
			seen = append(seen, it.(map[string]any)["displayName"].(string))
		}
		ct = page["continuationToken"].(string)
	}
	if len(seen) != 30 || seen[10] != "t10" || seen[29] != "t29" {
		t.Fatalf("saw %d tokens: %v", len(seen), seen)
	}
}

func TestFailedRefreshDoesNotUseUpTheToken(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	c := emulatortest.Entra{T: t, Em: em}
	rt := c.DeviceLogin(nil)["refresh_token"].(string)
	status, body := c.Post("organizations", "token", url.Values{"client_id": {emulator.AzureCLIClientID}, "grant_type": {"refresh_token"},
		"refresh_token": {rt}, "scope": {"https://unknown.example/.default"}})
	emulatortest.WantEntraError(t, status, body, 400, "invalid_resource", "AADSTS500011")
	if status, body := c.Refresh(rt); status != 200 {
		t.Fatalf("the refresh token was used up by a failed request: %d %v", status, body)
	}
}

func TestReusableRefreshTokens(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	em.Update(func(c *emulator.Config) { c.ReusableRefreshTokens = true })
	c := emulatortest.Entra{T: t, Em: em}
	rt := c.DeviceLogin(nil)["refresh_token"].(string)
	for i := 0; i < 2; i++ {
		if status, body := c.Refresh(rt); status != 200 {
			t.Fatalf("use %d: %d %v", i, status, body)
		}
	}
}

func TestConfigValidationAndMerge(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	for _, bad := range []func(*emulator.Config){
		func(c *emulator.Config) { c.DefaultPageSize = 0 },
		func(c *emulator.Config) { c.DefaultPageSize = 101 },
		func(c *emulator.Config) { c.ServicePrincipalStatus = 99 },
		func(c *emulator.Config) { c.DeviceCodeOutcome = "maybe" },
		func(c *emulator.Config) { c.SignInAnswer = "500" },
		func(c *emulator.Config) { c.AccessTokenLifetime = 0 },
	} {
		if err := em.Update(bad); err == nil {
			t.Errorf("an invalid change was accepted")
		}
	}
	if cfg := em.Config(); cfg.DefaultPageSize != 20 || cfg.DeviceCodeOutcome != emulator.DeviceCodeApprove {
		t.Fatalf("a refused change stuck: %+v", cfg)
	}
	if _, err := emulator.Start(emulator.Options{Config: &emulator.Config{}}); err == nil {
		t.Fatal("Start accepted an empty configuration")
	}

	// A list in a patch replaces the list; it does not merge into its entries.
	merged, err := emulator.MergeConfig(emulator.DefaultConfig(), []byte(`{"users":[{"oid":"1","tid":"`+emulator.DefaultTenantID+`","upn":"bob@x"}],"defaultPageSize":7}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(merged.Users) != 1 || merged.Users[0].Name != "" || merged.Users[0].UPN != "bob@x" || merged.DefaultPageSize != 7 || len(merged.Tenants) != 1 {
		t.Fatalf("merged %+v", merged)
	}
	for _, bad := range []string{`{"defaultPageSize":-1}`, `{"nosuchfield":1}`, `[1]`} {
		if _, err := emulator.MergeConfig(emulator.DefaultConfig(), []byte(bad)); err == nil {
			t.Errorf("%s was accepted", bad)
		}
	}
	for _, f := range []emulator.Fault{{Op: "list", Kind: "explode"}, {Kind: emulator.FaultStatus}, {Op: "list", Kind: emulator.FaultStatus, Status: 42}, {Op: "list", Kind: emulator.FaultReset, Times: -1}} {
		if err := em.AddFault(f); err == nil {
			t.Errorf("fault %+v was accepted", f)
		}
	}
}

func TestAdminConfigHidesClientSecrets(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	em.Update(func(c *emulator.Config) {
		c.Clients = append(c.Clients, emulator.Client{ID: "x", Confidential: true, Secret: "do-not-show"})
	})
	resp, err := em.HTTPClient().Get(em.URL() + "/_emulator/config")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body := emulatortest.ReadAll(t, resp.Body)
	if strings.Contains(body, "do-not-show") || !strings.Contains(body, `"secret":"(set)"`) {
		t.Fatalf("config %s", body)
	}
}

func TestFarFutureValidTo(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	api := emulatortest.NewAPI(t, em)
	p := emulatortest.PatTokenOf(t, api.Create("forever", "vso.code", time.Date(9999, 12, 31, 23, 59, 59, 999_999_999, time.UTC), false))
	if p["validTo"] != "9999-12-31T23:59:59.997Z" {
		t.Fatalf("validTo %v", p["validTo"])
	}
}

func TestLogOmitsTokenEndpointQueries(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	resp, err := em.HTTPClient().PostForm(em.URL()+"/organizations/oauth2/v2.0/token?refresh_token=leaked", url.Values{"grant_type": {"refresh_token"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, r := range em.Requests() {
		if strings.Contains(r.Query, "leaked") {
			t.Fatalf("logged %+v", r)
		}
	}
}
