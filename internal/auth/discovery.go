package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/patctl/patctl/internal/regexpx"

	"github.com/patctl/patctl/internal/atomicfile"
	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/netfail"
)

// ErrMicrosoftAccountOrg means an organization backed by Microsoft accounts,
// which the PAT Lifecycle API cannot serve: it needs an Entra ID tenant.
var ErrMicrosoftAccountOrg = errors.New("backed by Microsoft accounts, not a Microsoft Entra ID tenant: the PAT Lifecycle Management API works only with Entra ID organizations")

// ErrUnknownOrg means Azure DevOps knows no organization of that name.
var ErrUnknownOrg = errors.New("there is no such organization")

const zeroTenant = "00000000-0000-0000-0000-000000000000"

var (
	authorizationURIRE = regexpx.Lazy(`(?i)authorization_uri\s*=\s*"?([^",\s]+)"?`)
	guidRE             = regexpx.Lazy(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
)

// NeedsDiscovery reports whether the tenant must be found from the
// organization: the authority names none (config.NamesNoTenant).
func NeedsDiscovery(authority string) bool { return config.NamesNoTenant(authority) }

// DiscoverAuthority finds the authority of an organization's tenant the way
// Git Credential Manager does: an unauthenticated HEAD of the organization,
// whose WWW-Authenticate challenge names the authority, or whose
// X-VSS-ResourceTenant names the tenant (which then replaces the tenant of
// base).
func DiscoverAuthority(ctx context.Context, client *http.Client, devopsURL, org, base string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, strings.TrimRight(devopsURL, "/")+"/"+url.PathEscape(org), nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("find the tenant of %s: %w", org, netfail.Wrap("Azure DevOps", req, err))
	}
	resp.Body.Close()
	for _, challenge := range resp.Header.Values("WWW-Authenticate") {
		if !strings.HasPrefix(strings.ToLower(strings.TrimSpace(challenge)), "bearer") {
			continue
		}
		if m := authorizationURIRE().FindStringSubmatch(challenge); m != nil {
			if err := config.CheckAuthority(m[1]); err == nil {
				return strings.TrimRight(m[1], "/"), nil
			}
		}
	}
	sawZero := false
	for _, v := range resp.Header.Values("X-VSS-ResourceTenant") {
		for _, id := range strings.Split(v, ",") {
			id = strings.TrimSpace(id)
			switch {
			case id == zeroTenant:
				sawZero = true
			case guidRE().MatchString(id):
				return config.WithTenant(base, id), nil
			}
		}
	}
	if sawZero {
		return "", fmt.Errorf("organization %s is %w", org, ErrMicrosoftAccountOrg)
	}
	if resp.StatusCode == http.StatusNotFound {
		return "", fmt.Errorf("find the tenant of %s: %w", org, ErrUnknownOrg)
	}
	return "", fmt.Errorf("find the tenant of %s: Azure DevOps did not say (HTTP %d); give --tenant or set %s", org, resp.StatusCode, config.EnvAuthority)
}

// TenantCache remembers the authority found for each organization, per
// sign-in host (an emulator's answers do not stand for Microsoft's).
type TenantCache struct{ Path string }

type tenantEntry struct {
	Authority string    `json:"authority"`
	FoundAt   time.Time `json:"foundAt"`
}

func cacheKey(base, org string) string {
	return strings.ToLower(config.RootOf(base) + " " + org)
}

func (c TenantCache) load() map[string]tenantEntry {
	entries := map[string]tenantEntry{}
	if data, err := os.ReadFile(c.Path); err == nil {
		_ = json.Unmarshal(data, &entries)
	}
	return entries
}

// Get returns the cached authority of org for the base authority's host.
func (c TenantCache) Get(base, org string) (string, bool) {
	e, ok := c.load()[cacheKey(base, org)]
	return e.Authority, ok && e.Authority != ""
}

// Put remembers org's authority. Parallel logins may each write the file:
// the last one wins, and the others' answers are found again next time.
func (c TenantCache) Put(base, org, authority string) error {
	entries := c.load()
	entries[cacheKey(base, org)] = tenantEntry{Authority: authority, FoundAt: time.Now().UTC()}
	return c.save(entries)
}

// Forget drops org, after a sign-in there failed: the tenant may have moved.
func (c TenantCache) Forget(base, org string) error {
	entries := c.load()
	if _, ok := entries[cacheKey(base, org)]; !ok {
		return nil
	}
	delete(entries, cacheKey(base, org))
	return c.save(entries)
}

func (c TenantCache) save(entries map[string]tenantEntry) error {
	data, err := json.MarshalIndent(entries, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c.Path), 0o700); err != nil {
		return err
	}
	return atomicfile.Write(c.Path, data, 0o600)
}
