package sink

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/httptrace"
)

// keyVaultEnv points Key Vault sinks at the emulator, acting as its test
// service principal, with the HTTP trace in trace.
func keyVaultEnv(t *testing.T, trace *bytes.Buffer) (*emulator.Emulator, Env) {
	t.Helper()
	em, err := emulator.Start(emulator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { em.Close() })
	em.Update(func(c *emulator.Config) {
		c.Clients = append(c.Clients, emulator.Client{ID: emulator.KeyVaultClientID, Confidential: true, Secret: emulator.KeyVaultClientSecret})
	})
	hc := em.HTTPClient()
	hc.Transport = &httptrace.Transport{Base: hc.Transport, Out: trace}
	cred, err := azidentity.NewClientSecretCredential(emulator.DefaultTenantID, emulator.KeyVaultClientID, emulator.KeyVaultClientSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: azcore.ClientOptions{Transport: hc, Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: em.URL()}},
			DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	return em, Env{
		Getenv: func(k string) string {
			return map[string]string{"PATCTL_KEYVAULT_URL": em.URL() + "/keyvault/{vault}"}[k]
		},
		HTTP: func() (*http.Client, error) { return hc, nil },
		AzureCredential: func() (azcore.TokenCredential, error) {
			return credential{TokenCredential: cred, tenant: emulator.DefaultTenantID}, nil
		},
	}
}

func TestKeyVaultWritesAVersionThatExpiresWithThePAT(t *testing.T) {
	var trace bytes.Buffer
	em, env := keyVaultEnv(t, &trace)
	s, err := Parse("keyvault://kv-main/ado-pat", env)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Preflight(context.Background()); err != nil {
		t.Fatal(err)
	}
	version, err := s.Write(context.Background(), secret)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := em.KeyVault().Latest("kv-main", "ado-pat")
	if !ok || got.Value != secret.Value || got.Version != version || !got.Expires.Equal(secret.ExpiresAt) ||
		got.Tags["pat-authorization-id"] != secret.ID || got.Tags["pat-org"] != "fabrikam" || got.Tags["pat-name"] != "ci" {
		t.Fatalf("stored %+v, version %q", got, version)
	}
	if !strings.Contains(trace.String(), "2025-07-01") || !strings.Contains(trace.String(), `"value":"(redacted)"`) {
		t.Fatalf("the trace lacks the api-version or a redacted value:\n%s", trace.String())
	}
	if strings.Contains(trace.String(), secret.Value) {
		t.Fatalf("the trace shows the secret:\n%s", trace.String())
	}
	// Another write is another version.
	if v2, err := s.Write(context.Background(), secret); err != nil || v2 == version {
		t.Fatalf("second write: %q %v", v2, err)
	}
}

func TestKeyVaultRefusals(t *testing.T) {
	em, env := keyVaultEnv(t, &bytes.Buffer{})
	em.KeyVault().MarkDeleted("kv-main", "gone")
	for uri, want := range map[string]struct {
		code int
		msg  string
	}{
		"keyvault://kv-denied/x":  {cmdutil.ExitRefused, "no access to the vault kv-denied"},
		"keyvault://kv-main/gone": {cmdutil.ExitRefused, "deleted but recoverable"},
	} {
		s, err := Parse(uri, env)
		if err != nil {
			t.Fatal(err)
		}
		err = s.Preflight(context.Background())
		var coded interface{ ExitCode() int }
		if !errors.As(err, &coded) || coded.ExitCode() != want.code || !strings.Contains(err.Error(), want.msg) || !strings.Contains(err.Error(), uri) {
			t.Errorf("%s: %v, want exit %d saying %q", uri, err, want.code, want.msg)
		}
	}
	// Without a credential: sign in.
	s, _ := Parse("keyvault://kv-main/x", Env{Getenv: env.Getenv, HTTP: env.HTTP, AzureCredential: func() (azcore.TokenCredential, error) {
		return nil, errors.New("not logged in")
	}})
	var coded interface{ ExitCode() int }
	if err := s.Preflight(context.Background()); !errors.As(err, &coded) || coded.ExitCode() != cmdutil.ExitAuth {
		t.Errorf("no credential: %v", err)
	}
}

func TestKeyVaultNames(t *testing.T) {
	for uri, want := range map[string]string{
		"keyvault:kv/x":               "keyvault://VAULT/NAME",
		"keyvault://kv":               "keyvault://VAULT/NAME",
		"keyvault://k/x":              "not a vault name",
		"keyvault://a--b/x":           "not a vault name",
		"keyvault://kv-main/bad_name": "not a secret name",
		"keyvault://kv-main/1st":      "must start with a letter",
		"keyvault://kv-main/" + strings.Repeat("a", 128): "not a secret name",
	} {
		wantRefused(t, uri, want)
	}
	if s, err := Parse("keyvault://My-Vault/ado-pat", Env{}); err != nil || s.(*keyVault).url != "https://my-vault.vault.azure.net" {
		t.Fatalf("default URL: %v", err)
	}
}
