package sink

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/patctl/patctl/internal/auth"
	"github.com/patctl/patctl/internal/cmdutil"
	"github.com/patctl/patctl/internal/regexpx"
)

// AzureCredential is the credential of sinks in Azure (Key Vault): the
// patctl login's account, asking its cache for a token of the service's
// resource (and of the tenant the service names). With PATCTL_TOKEN set
// there is no login, and with PATCTL_LOGIN_FROM the login is a borrowed
// one, run where the pipeline has an Azure identity of its own: then
// Azure's default chain (DefaultAzureCredential).
func AzureCredential(authn func() (*auth.Authenticator, error), httpClient func() (*http.Client, error), getenv func(string) string) func() (azcore.TokenCredential, error) {
	chain := DefaultAzureCredential(httpClient, getenv)
	return sync.OnceValues(func() (azcore.TokenCredential, error) {
		a, err := authn()
		if err != nil {
			return nil, err
		}
		if a.Settings.Token == "" && a.Settings.LoginFrom == "" {
			return credential{TokenCredential: loginCredential{a}, tenant: a.LoginTenant()}, nil
		}
		return chain()
	})
}

// DefaultAzureCredential is Azure's default chain — a service principal in
// AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET, workload identity,
// managed identity, Azure CLI — which, unlike the PAT API, Key Vault takes.
// AZURE_AUTHORITY_HOST is honoured.
func DefaultAzureCredential(httpClient func() (*http.Client, error), getenv func(string) string) func() (azcore.TokenCredential, error) {
	return sync.OnceValues(func() (azcore.TokenCredential, error) {
		hc, err := httpClient()
		if err != nil {
			return nil, err
		}
		opts := &azidentity.DefaultAzureCredentialOptions{ClientOptions: azcore.ClientOptions{Transport: hc}}
		if host := getenv("AZURE_AUTHORITY_HOST"); host != "" {
			// Instance discovery asks Microsoft about the host: only for Microsoft's.
			opts.Cloud.ActiveDirectoryAuthorityHost = host
			opts.DisableInstanceDiscovery = !microsoftAuthority(host)
		}
		c, err := azidentity.NewDefaultAzureCredential(opts)
		if err != nil {
			return nil, &CredentialError{Err: err, chain: true}
		}
		return credential{TokenCredential: c, tenant: getenv("AZURE_TENANT_ID"), chain: true}, nil
	})
}

func microsoftAuthority(host string) bool {
	u, err := url.Parse(host)
	if err != nil {
		return false
	}
	switch strings.ToLower(u.Hostname()) {
	case "login.microsoftonline.com", "login.microsoftonline.us", "login.chinacloudapi.cn":
		return true
	}
	return false
}

// loginCredential is the login's account as an azcore.TokenCredential.
type loginCredential struct{ a *auth.Authenticator }

func (c loginCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	ts, err := c.a.TokenFor(ctx, opts.Scopes, opts.TenantID)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	tok, err := ts.Token()
	if err != nil {
		return azcore.AccessToken{}, err
	}
	return azcore.AccessToken{Token: tok.AccessToken, ExpiresOn: tok.Expiry}, nil
}

// credential marks every failure to get a token as a CredentialError, so
// that a sink can tell it from the service's answers. tenant is the one it
// stands in, when known: a Key Vault client primes its challenge with it.
// chain marks Azure's default chain.
type credential struct {
	azcore.TokenCredential
	tenant string
	chain  bool
}

func (c credential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	tok, err := c.TokenCredential.GetToken(ctx, opts)
	if err != nil {
		return tok, &CredentialError{Err: err, chain: c.chain}
	}
	return tok, nil
}

// CredentialError is a token that could not be had: sign in (exit 4).
type CredentialError struct {
	Err error
	// chain: Err is the default chain's report, many lines naming every
	// credential tried and the requests they sent; it is summed up in a
	// line, and shown whole under --debug.
	chain bool
}

func (e *CredentialError) Error() string {
	if e.chain {
		return "no token for it: " + chainSummary(e.Err)
	}
	return "no token for it: " + e.Err.Error()
}

// Detail is the chain's report, for --debug.
func (e *CredentialError) Detail() string {
	if e.chain {
		return strings.ReplaceAll(e.Err.Error(), "\t", "  ")
	}
	var d interface{ Detail() string }
	if errors.As(e.Err, &d) {
		return d.Detail()
	}
	return ""
}

func (e *CredentialError) Unwrap() error { return e.Err }
func (e *CredentialError) ExitCode() int { return cmdutil.ExitAuth }

// chainSummary says in a line why Azure's default chain got no token: no
// identity configured, or one whose credential was refused or could not ask.
func chainSummary(err error) string {
	const more = "; --debug shows what each credential answered"
	var failed *azidentity.AuthenticationFailedError
	if !errors.As(err, &failed) {
		return "no Azure identity here: set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET, " +
			"or run where workload identity, a managed identity or `az login` provides one" + more
	}
	who := lastCredential(err.Error())
	if failed.RawResponse == nil {
		return who + " could not get a token" + more
	}
	why := fmt.Sprintf("HTTP %d", failed.RawResponse.StatusCode)
	if code := aadstsCode().FindString(err.Error()); code != "" {
		why += ", " + code
	}
	return who + " was refused (" + why + "): check the identity's settings (AZURE_CLIENT_ID, AZURE_TENANT_ID, its secret or certificate)" + more
}

// lastCredential is the credential the chain's report names last — on a
// line of its own, indented once — the one whose failure ended it; or "the
// Azure identity".
func lastCredential(report string) string {
	name := "the Azure identity"
	for _, line := range strings.Split(report, "\n") {
		if !strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "\t\t") {
			continue
		}
		word, _, _ := strings.Cut(line[1:], " ")
		if word = strings.TrimSuffix(word, ":"); strings.HasSuffix(word, "Credential") {
			name = word
		}
	}
	return name
}

// aadstsCode finds the first AADSTS error code in a message ("AADSTS7000215").
var aadstsCode = regexpx.Lazy(`AADSTS[0-9]+`)
