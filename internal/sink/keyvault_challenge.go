package sink

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// primedChallenge saves the round trip the Azure SDK spends learning a
// vault's tenant. The SDK's challenge policy sends its first request to a
// vault without a token, to be told the tenant and resource in a 401. When
// patctl already knows the tenant (the login's, or AZURE_TENANT_ID), this
// policy, which runs after the SDK's, answers that one request itself with
// the challenge the vault would give, and the SDK sends it again with a
// token: one request instead of two.
//
// A vault in another tenant refuses that token with its own challenge. The
// policy remembers the tenant named there (otherTenant), and the sink starts
// again with a client primed for it.
type primedChallenge struct {
	resource, tenant string
	answered         atomic.Bool

	mu    sync.Mutex
	other string
}

func newPrimedChallenge(vaultURL, tenant string) *primedChallenge {
	return &primedChallenge{resource: vaultResource(vaultURL), tenant: tenant}
}

func (p *primedChallenge) Do(req *policy.Request) (*http.Response, error) {
	if req.Raw().Header.Get("Authorization") == "" && p.answered.CompareAndSwap(false, true) {
		h := http.Header{}
		h.Set("WWW-Authenticate", `Bearer authorization="https://login.microsoftonline.com/`+p.tenant+`", resource="`+p.resource+`"`)
		return &http.Response{
			Status: "401 Unauthorized", StatusCode: http.StatusUnauthorized,
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: h, Body: http.NoBody, Request: req.Raw(),
		}, nil
	}
	res, err := req.Next()
	if err == nil && res.StatusCode == http.StatusUnauthorized {
		if t := challengeTenant(res.Header.Get("WWW-Authenticate")); t != "" && !strings.EqualFold(t, p.tenant) {
			p.mu.Lock()
			p.other = t
			p.mu.Unlock()
		}
	}
	return res, err
}

// otherTenant is the tenant a vault named when it refused the primed
// tenant's token, "" if none did.
func (p *primedChallenge) otherTenant() string {
	if p == nil {
		return ""
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.other
}

// vaultResource is the audience of a vault's tokens: the vault's DNS suffix
// (vault.azure.net, vault.azure.cn, vault.usgovcloudapi.net…), or Azure's
// public one for a vault elsewhere (PATCTL_KEYVAULT_URL).
func vaultResource(vaultURL string) string {
	if u, err := url.Parse(vaultURL); err == nil {
		if _, suffix, ok := strings.Cut(u.Hostname(), "."); ok && strings.HasPrefix(suffix, "vault.") {
			return "https://" + suffix
		}
	}
	return "https://vault.azure.net"
}

// challengeTenant is the tenant of a challenge's authorization URL
// (Bearer authorization="https://login.microsoftonline.com/TENANT", …).
func challengeTenant(header string) string {
	_, rest, ok := strings.Cut(header, `authorization="`)
	if !ok {
		_, rest, ok = strings.Cut(header, `authorization_uri="`)
	}
	if !ok {
		return ""
	}
	authority, _, _ := strings.Cut(rest, `"`)
	u, err := url.Parse(authority)
	if err != nil {
		return ""
	}
	tenant, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	return tenant
}
