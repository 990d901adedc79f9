package emulator

import (
	"net/http"
	"strings"

	"github.com/patctl/patctl/internal/emulator/core"
	"github.com/patctl/patctl/internal/emulator/entra"
	"github.com/patctl/patctl/internal/emulator/keyvault"
)

// KeyVaultPrefix is where the fake Key Vault is mounted: a vault's URL is
// URL() + KeyVaultPrefix + "/" + name.
const KeyVaultPrefix = "/keyvault"

// KeyVaultClientID and KeyVaultClientSecret are a service principal that the
// default vault "kv-main" admits; add it to Config.Clients (confidential) to use it.
const (
	KeyVaultClientID     = "5e1f9a2c-7b3d-4c8e-a6f0-2d9b8c7a1e34"
	KeyVaultClientSecret = "kv-test-secret"
)

// newKeyVault makes the fake Key Vault, which takes Entra tokens for
// https://vault.azure.net.
func (e *Emulator) newKeyVault() *keyvault.Server {
	e.entra.AddResource(entra.Resource{AppID: keyvault.Resource})
	return keyvault.New(keyvault.Options{
		Prefix: KeyVaultPrefix,
		Vaults: keyvault.DefaultVaults(DefaultUserOID, KeyVaultClientID),
		Now:    e.srv.Now,
		Tenant: func() string { return e.Config().Tenants[0].ID },
		Verify: func(raw, audience string) (keyvault.Principal, error) {
			t, err := e.entra.Verify(raw, audience)
			return keyvault.Principal{ObjectID: t.OID, AppID: t.AppID, TenantID: t.TenantID}, err
		},
	})
}

// keyVaultRoutes puts the fake Key Vault on the core, under KeyVaultPrefix.
type keyVaultRoutes struct{ kv *keyvault.Server }

func (k keyVaultRoutes) Route(r *http.Request) (core.Route, bool) {
	first, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if "/"+first != KeyVaultPrefix {
		return core.Route{}, false
	}
	return core.Route{Op: k.kv.Op(r), Handler: k.kv.ServeHTTP}, true
}

// KeyVault is the fake Key Vault, for tests to read back and set up.
func (e *Emulator) KeyVault() *keyvault.Server { return e.kv }
