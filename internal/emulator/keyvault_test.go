package emulator_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
	"github.com/patctl/patctl/internal/emulator/keyvault"
)

// TestKeyVaultMounted: Entra issues tokens for Key Vault's audience, to a
// service principal (client credentials) and to a user, and the mounted fake
// takes those and only those.
func TestKeyVaultMounted(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	em.Update(func(c *emulator.Config) {
		c.Clients = append(c.Clients, emulator.Client{ID: emulator.KeyVaultClientID, Confidential: true, Secret: emulator.KeyVaultClientSecret})
	})
	c := emulatortest.Entra{T: t, Em: em}
	status, tok := c.Post(emulator.DefaultTenantID, "token", url.Values{"client_id": {emulator.KeyVaultClientID},
		"grant_type": {"client_credentials"}, "client_secret": {emulator.KeyVaultClientSecret}, "scope": {keyvault.Resource + "/.default"}})
	if status != 200 {
		t.Fatalf("client credentials: %d %v", status, tok)
	}
	at, err := em.Entra().Verify(tok["access_token"].(string), keyvault.Resource)
	if err != nil || at.IDType != "app" || at.AppID != emulator.KeyVaultClientID {
		t.Fatalf("app token %+v %v", at, err)
	}
	put := func(token, vault string) int {
		req, _ := http.NewRequest("PUT", em.URL()+emulator.KeyVaultPrefix+"/"+vault+"/secrets/pat?api-version=2025-07-01", strings.NewReader(`{"value":"v"}`))
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := em.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := put(tok["access_token"].(string), "kv-main"); got != 200 {
		t.Fatalf("the service principal at kv: %d", got)
	}
	if got := put(tok["access_token"].(string), "kv-denied"); got != 403 {
		t.Fatalf("the service principal at kv-denied: %d", got)
	}
	devops, _ := em.AccessToken(emulator.DefaultUserUPN)
	if got := put(devops, "kv-main"); got != 401 {
		t.Fatalf("an Azure DevOps token at kv: %d", got)
	}
	if s, ok := em.KeyVault().Latest("kv-main", "pat"); !ok || s.Value != "v" {
		t.Fatalf("readback %+v", s)
	}
	if ops := em.Requests(); ops[len(ops)-1].Op != keyvault.OpSet {
		t.Fatalf("logged as %q", ops[len(ops)-1].Op)
	}
}
