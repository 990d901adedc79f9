package auth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
)

func TestDiscoverAuthority(t *testing.T) {
	for name, tc := range map[string]struct {
		headers map[string]string
		want    string
		wantErr error
	}{
		"challenge":         {map[string]string{"WWW-Authenticate": `Bearer authorization_uri=https://login.microsoftonline.com/abc, Basic realm="x"`}, "https://login.microsoftonline.com/abc", nil},
		"quoted challenge":  {map[string]string{"WWW-Authenticate": `Bearer authorization_uri="https://login.example/t1/"`}, "https://login.example/t1", nil},
		"resource tenant":   {map[string]string{"X-VSS-ResourceTenant": "00000000-0000-0000-0000-000000000000, 11111111-2222-3333-4444-555555555555"}, "https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555", nil},
		"microsoft account": {map[string]string{"X-VSS-ResourceTenant": "00000000-0000-0000-0000-000000000000"}, "", ErrMicrosoftAccountOrg},
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodHead || r.Header.Get("Authorization") != "" {
					t.Errorf("%s with auth %q", r.Method, r.Header.Get("Authorization"))
				}
				for k, v := range tc.headers {
					w.Header().Set(k, v)
				}
				w.WriteHeader(401)
			}))
			defer srv.Close()
			got, err := DiscoverAuthority(context.Background(), srv.Client(), srv.URL, "org", "https://login.microsoftonline.com/organizations")
			if got != tc.want || !errors.Is(err, tc.wantErr) {
				t.Fatalf("%q %v", got, err)
			}
		})
	}
}

func TestNeedsDiscoveryAndCache(t *testing.T) {
	for authority, want := range map[string]bool{
		"https://login.microsoftonline.com/organizations": true,
		"https://login.microsoftonline.com/Common":        true,
		"https://login.microsoftonline.com":               true,
		"https://login.microsoftonline.com/contoso.com":   false,
	} {
		if NeedsDiscovery(authority) != want {
			t.Errorf("%s", authority)
		}
	}
	c := TenantCache{Path: filepath.Join(t.TempDir(), "tenants.json")}
	const base = "https://login.microsoftonline.com/organizations"
	if _, ok := c.Get(base, "Fabrikam"); ok {
		t.Fatal("empty cache hit")
	}
	c.Put(base, "Fabrikam", "https://x/t")
	if a, ok := c.Get("https://login.microsoftonline.com", "fabrikam"); !ok || a != "https://x/t" {
		t.Fatal(a, ok)
	}
	if _, ok := c.Get("https://127.0.0.1:8443/organizations", "fabrikam"); ok {
		t.Fatal("another sign-in host shares the entry")
	}
	c.Forget(base, "FABRIKAM")
	if _, ok := c.Get(base, "fabrikam"); ok {
		t.Fatal("not forgotten")
	}
}
