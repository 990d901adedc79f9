package emulator_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/cache"
	"github.com/AzureAD/microsoft-authentication-library-for-go/apps/public"

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
	"github.com/patctl/patctl/internal/emulator/fakebrowser"
)

// These tests drive Microsoft's own MSAL Go against the emulator over TLS:
// whatever MSAL needs from Entra ID, the emulator must provide.

var adoScopes = []string{emulator.AzureDevOpsResource + "/.default"}

func start(t *testing.T) *emulator.Emulator { return emulatortest.Start(t, emulator.Options{}) }

// memCache is the simplest cache.ExportReplace: one blob in memory.
type memCache struct{ blob []byte }

func (m *memCache) Replace(_ context.Context, u cache.Unmarshaler, _ cache.ReplaceHints) error {
	if m.blob == nil {
		return nil
	}
	return u.Unmarshal(m.blob)
}

func (m *memCache) Export(_ context.Context, c cache.Marshaler, _ cache.ExportHints) error {
	b, err := c.Marshal()
	m.blob = b
	return err
}

func newMSAL(t *testing.T, em *emulator.Emulator, tenant string, c *memCache) public.Client {
	t.Helper()
	client, err := public.New(emulator.AzureCLIClientID,
		public.WithAuthority(em.Authority(tenant)),
		public.WithHTTPClient(em.HTTPClient()),
		public.WithInstanceDiscovery(false),
		public.WithCache(c),
	)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// claims decodes a JWT's payload (the emulator's signature is checked by its
// own Azure DevOps side; here we only read).
func claims(t *testing.T, jwt string) map[string]any {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %d parts", len(parts))
	}
	data, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func countOps(em *emulator.Emulator, op, grant string) int {
	n := 0
	for _, r := range em.Requests() {
		if r.Op == op && (grant == "" || r.GrantType == grant) {
			n++
		}
	}
	return n
}

// listPATs calls the PAT API with an access token and returns the status.
func listPATs(t *testing.T, em *emulator.Emulator, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", em.URL()+"/fabrikam/_apis/tokens/pats?api-version=7.1-preview.1", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := em.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestMSALDeviceCode(t *testing.T) {
	em := start(t)
	ctx := context.Background()
	client := newMSAL(t, em, emulator.DefaultTenantID, &memCache{})
	dc, err := client.AcquireTokenByDeviceCode(ctx, adoScopes)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(dc.Result.Message, em.URL()+"/devicelogin") || !strings.Contains(dc.Result.Message, dc.Result.UserCode) {
		t.Fatalf("message %q", dc.Result.Message)
	}
	res, err := dc.AuthenticationResult(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Account.PreferredUsername != emulator.DefaultUserUPN {
		t.Fatalf("account %+v", res.Account)
	}
	c := claims(t, res.AccessToken)
	want := map[string]any{"aud": emulator.AzureDevOpsResource, "scp": "user_impersonation", "tid": emulator.DefaultTenantID,
		"oid": emulator.DefaultUserOID, "upn": emulator.DefaultUserUPN, "idtyp": "user"}
	for k, v := range want {
		if c[k] != v {
			t.Errorf("claim %s = %v, want %v", k, c[k], v)
		}
	}
	if exp, _ := c["exp"].(float64); time.Unix(int64(exp), 0).Before(time.Now().Add(50 * time.Minute)) {
		t.Errorf("exp %v is too soon", c["exp"])
	}
	if got := listPATs(t, em, res.AccessToken); got != 200 {
		t.Fatalf("the PAT API refuses the token: %d", got)
	}
}

func TestMSALDeviceCodeOutcomes(t *testing.T) {
	for _, tc := range []struct {
		outcome   string
		polls     int
		wantError string
	}{
		{emulator.DeviceCodeApprove, 2, ""},
		{emulator.DeviceCodeAccessDenied, 0, "authorization_declined"},
		{emulator.DeviceCodeExpired, 0, "expired_token"},
	} {
		t.Run(tc.outcome, func(t *testing.T) {
			em := start(t)
			em.Update(func(c *emulator.Config) { c.DeviceCodeOutcome, c.ApproveAfterPolls = tc.outcome, tc.polls })
			client := newMSAL(t, em, "organizations", &memCache{})
			dc, err := client.AcquireTokenByDeviceCode(context.Background(), adoScopes)
			if err != nil {
				t.Fatal(err)
			}
			_, err = dc.AuthenticationResult(context.Background())
			if tc.wantError == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := countOps(em, emulator.OpToken, "device_code"); got != tc.polls+1 {
					t.Fatalf("%d polls, want %d", got, tc.polls+1)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantError) {
				t.Fatalf("error %v, want %s", err, tc.wantError)
			}
		})
	}
}

func TestMSALDeviceCodePendingIsCancelledByContext(t *testing.T) {
	em := start(t)
	em.Update(func(c *emulator.Config) { c.DeviceCodeOutcome = emulator.DeviceCodePending })
	client := newMSAL(t, em, emulator.DefaultTenantID, &memCache{})
	dc, err := client.AcquireTokenByDeviceCode(context.Background(), adoScopes)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := dc.AuthenticationResult(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v", err)
	}
	// A person approves at the device login page; the next poll succeeds.
	if !em.ApproveDeviceCode(dc.Result.UserCode) {
		t.Fatal("approve failed")
	}
	if _, err := dc.AuthenticationResult(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func browser(t *testing.T, em *emulator.Emulator) func(string) error {
	return func(u string) error {
		_, err := fakebrowser.Follow(context.Background(), fakebrowser.Client(em.HTTPClient()), u)
		return err
	}
}

func TestMSALBrowserSignInSilentAndRefresh(t *testing.T) {
	em := start(t)
	// Access tokens that MSAL counts as expired at once (it refreshes within
	// five minutes of expiry), so that every silent call refreshes.
	em.Update(func(c *emulator.Config) { c.AccessTokenLifetime = emulator.Duration(time.Minute) })
	store := &memCache{}
	client := newMSAL(t, em, "organizations", store)
	ctx := context.Background()

	res, err := client.AcquireTokenInteractive(ctx, adoScopes, public.WithOpenURL(browser(t, em)))
	if err != nil {
		t.Fatal(err)
	}
	if res.Account.PreferredUsername != emulator.DefaultUserUPN {
		t.Fatalf("account %+v", res.Account)
	}
	if got := countOps(em, emulator.OpToken, "authorization_code"); got != 1 {
		t.Fatalf("%d authorization_code grants", got)
	}
	before := store.blob

	// Silent: the cached token is too close to expiry, so MSAL refreshes.
	res2, err := client.AcquireTokenSilent(ctx, adoScopes, public.WithSilentAccount(res.Account))
	if err != nil {
		t.Fatal(err)
	}
	if res2.AccessToken == res.AccessToken || countOps(em, emulator.OpToken, "refresh_token") != 1 {
		t.Fatalf("no refresh happened: %d refresh grants", countOps(em, emulator.OpToken, "refresh_token"))
	}
	if string(store.blob) == string(before) {
		t.Fatal("the refreshed tokens were not exported to the cache")
	}
	if got := listPATs(t, em, res2.AccessToken); got != 200 {
		t.Fatalf("refreshed token refused: %d", got)
	}

	// A new client over the exported cache, with long-lived tokens: a silent
	// call is a cache hit and sends nothing to Entra ID.
	em.Update(func(c *emulator.Config) { c.AccessTokenLifetime = emulator.Duration(time.Hour) })
	if _, err := client.AcquireTokenSilent(ctx, adoScopes, public.WithSilentAccount(res.Account)); err != nil {
		t.Fatal(err)
	}
	fresh := newMSAL(t, em, "organizations", store)
	accounts, err := fresh.Accounts(ctx)
	if err != nil || len(accounts) != 1 {
		t.Fatalf("accounts %v %v", accounts, err)
	}
	em.ResetRequests()
	hit, err := fresh.AcquireTokenSilent(ctx, adoScopes, public.WithSilentAccount(accounts[0]))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range em.Requests() {
		if r.Op == emulator.OpToken {
			t.Fatalf("a cache hit sent a token request: %+v", r)
		}
	}
	if got := listPATs(t, em, hit.AccessToken); got != 200 {
		t.Fatalf("cached token refused: %d", got)
	}

	// Revoked sessions: the refresh fails with invalid_grant, and MSAL says so.
	em.Update(func(c *emulator.Config) { c.AccessTokenLifetime = emulator.Duration(time.Minute) })
	other := newMSAL(t, em, "organizations", &memCache{})
	res3, err := other.AcquireTokenInteractive(ctx, adoScopes, public.WithOpenURL(browser(t, em)))
	if err != nil {
		t.Fatal(err)
	}
	if n := em.RevokeSessions(emulator.DefaultUserUPN); n == 0 {
		t.Fatal("nothing to revoke")
	}
	_, err = other.AcquireTokenSilent(ctx, adoScopes, public.WithSilentAccount(res3.Account))
	if err == nil || !strings.Contains(err.Error(), "invalid_grant") || !strings.Contains(err.Error(), "AADSTS50173") {
		t.Fatalf("after revocation: %v", err)
	}
}

func TestMSALBrowserSignInForTenantAndUser(t *testing.T) {
	em := start(t)
	em.Update(func(c *emulator.Config) {
		c.Users = append(c.Users, emulator.User{ObjectID: "0c4e5d6f-1111-2222-3333-444455556666", TenantID: emulator.DefaultTenantID, UPN: "grace@contoso.onmicrosoft.com", Name: "Grace Hopper"})
	})
	client := newMSAL(t, em, emulator.DefaultTenantDomain, &memCache{})
	res, err := client.AcquireTokenInteractive(context.Background(), adoScopes,
		public.WithOpenURL(browser(t, em)), public.WithLoginHint("grace@contoso.onmicrosoft.com"))
	if err != nil {
		t.Fatal(err)
	}
	if c := claims(t, res.AccessToken); c["upn"] != "grace@contoso.onmicrosoft.com" {
		t.Fatalf("signed in as %v", c["upn"])
	}
}

func TestMSALErrorsForUnknownTenantAndClient(t *testing.T) {
	em := start(t)
	ctx := context.Background()
	_, err := newMSAL(t, em, "no-such-tenant.onmicrosoft.com", &memCache{}).AcquireTokenByDeviceCode(ctx, adoScopes)
	if err == nil || !strings.Contains(err.Error(), "AADSTS90002") {
		t.Fatalf("unknown tenant: %v", err)
	}
	client, err := public.New("11111111-0000-0000-0000-000000000000",
		public.WithAuthority(em.Authority(emulator.DefaultTenantID)),
		public.WithHTTPClient(em.HTTPClient()), public.WithInstanceDiscovery(false))
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.AcquireTokenByDeviceCode(ctx, adoScopes)
	if err == nil || !strings.Contains(err.Error(), "AADSTS700016") {
		t.Fatalf("unknown client: %v", err)
	}
}

func TestInjectedGrantErrorsReachMSAL(t *testing.T) {
	em := start(t)
	if err := em.InjectGrantError("device_code", 53003); err != nil {
		t.Fatal(err)
	}
	client := newMSAL(t, em, emulator.DefaultTenantID, &memCache{})
	dc, err := client.AcquireTokenByDeviceCode(context.Background(), adoScopes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dc.AuthenticationResult(context.Background()); err == nil || !strings.Contains(err.Error(), "AADSTS53003") {
		t.Fatalf("error %v", err)
	}
	if err := em.InjectGrantError("device_code", 12345); err == nil {
		t.Fatal("an unknown AADSTS number was accepted")
	}
}
