package auth

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	msalerrors "github.com/AzureAD/microsoft-authentication-library-for-go/apps/errors"

	"github.com/patctl/patctl/internal/config"
	"github.com/patctl/patctl/internal/credstore"
	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
)

func startEmulator(t *testing.T) *emulator.Emulator { return emulatortest.Start(t, emulator.Options{}) }

func newAuthenticator(t *testing.T, em *emulator.Emulator, dir string, kr credstore.Keyring) *Authenticator {
	t.Helper()
	return &Authenticator{
		Settings: config.Settings{
			Authority: em.Authority(emulator.DefaultTenantID),
			ClientID:  config.DefaultClientID,
			Scopes:    []string{config.DefaultScopes},
			ConfigDir: dir,
		},
		HTTPClient: em.HTTPClient(),
		Store:      credstore.Open(dir, kr),
		Stderr:     io.Discard,
	}
}

func TestLoginThenTokensReadTheKeyringOnce(t *testing.T) {
	em := startEmulator(t)
	kr := &credstore.Memory{Limit: 2560}
	a := newAuthenticator(t, em, t.TempDir(), kr)
	login, err := a.Login(context.Background(), LoginOptions{Storage: credstore.StorageKeyring, DeviceCode: true})
	if err != nil {
		t.Fatal(err)
	}
	if login.Username != emulator.DefaultUserUPN || login.TenantID != emulator.DefaultTenantID || login.HomeAccountID == "" {
		t.Fatalf("login %+v", login)
	}

	// A later process: a fresh store over the same directory and keyring.
	later := newAuthenticator(t, em, a.Settings.ConfigDir, kr)
	gets, _, _ := kr.Counts()
	ts, src, err := later.TokenSource(context.Background())
	if err != nil || src != SourceLogin {
		t.Fatalf("token source %v %v", src, err)
	}
	for i := 0; i < 3; i++ {
		tok, err := ts.Token()
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := ParseClaims(tok.AccessToken); c.Account() != emulator.DefaultUserUPN {
			t.Fatalf("token for %q", c.Account())
		}
	}
	if after, sets, _ := kr.Counts(); after-gets != 1 || sets != 1 {
		t.Fatalf("%d keyring reads for three tokens (want 1), %d writes in all (want 1)", after-gets, sets)
	}
	for _, v := range kr.Values() {
		if len(v) > 2560 {
			t.Fatalf("a %d-byte keyring item", len(v))
		}
	}
}

// failingTransport fails every request, counting them.
type failingTransport struct{ calls atomic.Int32 }

func (f *failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.calls.Add(1)
	return nil, errors.New("no request may leave: " + r.URL.Host)
}

// TestCachedTokenSendsNothingToMicrosoft uses the production authority: a
// cached, valid access token must come back without any request, not even
// for instance metadata.
func TestCachedTokenSendsNothingToMicrosoft(t *testing.T) {
	em := startEmulator(t)
	dir := t.TempDir()
	a := newAuthenticator(t, em, dir, &credstore.Memory{})
	login, err := a.Login(context.Background(), LoginOptions{Storage: credstore.StorageFile, DeviceCode: true})
	if err != nil {
		t.Fatal(err)
	}
	// Move the cache to login.microsoftonline.com, as if the sign-in had
	// happened there.
	emHost := strings.TrimPrefix(em.URL(), "https://")
	cachePath := filepath.Join(dir, "auth", "msal_cache.json")
	blob, err := os.ReadFile(cachePath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(blob, []byte(emHost)) {
		t.Fatal("the cache does not name the emulator's host")
	}
	blob = bytes.ReplaceAll(blob, []byte(emHost), []byte("login.microsoftonline.com"))
	if err := os.WriteFile(cachePath, blob, 0o600); err != nil {
		t.Fatal(err)
	}
	// The same holds for the default, multi-tenant authority.
	for _, tenant := range []string{emulator.DefaultTenantID, "organizations"} {
		if tenant == "organizations" {
			// MSAL keys cached tokens by the authority's tenant segment.
			blob = bytes.ReplaceAll(blob, []byte(`"realm":"`+emulator.DefaultTenantID+`"`), []byte(`"realm":"organizations"`))
			if !bytes.Contains(blob, []byte(`"realm":"organizations"`)) {
				t.Fatal("the cache has no realm to move")
			}
			if err := os.WriteFile(cachePath, blob, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		login.Authority = "https://login.microsoftonline.com/" + tenant
		if err := a.Store.SaveLogin(login, true); err != nil {
			t.Fatal(err)
		}
		transport := &failingTransport{}
		offline := newAuthenticator(t, em, dir, &credstore.Memory{})
		offline.HTTPClient = &http.Client{Transport: transport}
		offline.Settings.Authority = login.Authority
		ts, _, err := offline.TokenSource(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ts.Token(); err != nil {
			t.Fatalf("%s: a cached token needed the network: %v", tenant, err)
		}
		if n := transport.calls.Load(); n != 0 {
			t.Fatalf("%s: %d requests left for Microsoft", tenant, n)
		}
	}
}

func TestNotLoggedIn(t *testing.T) {
	em := startEmulator(t)
	a := newAuthenticator(t, em, t.TempDir(), &credstore.Memory{})
	var signIn *SignInRequiredError
	if _, _, err := a.TokenSource(context.Background()); !errors.As(err, &signIn) {
		t.Fatalf("error %v", err)
	}
	if _, err := a.CurrentStatus(context.Background()); !errors.As(err, &signIn) {
		t.Fatalf("status error %v", err)
	}
}

func TestLoginWithoutKeyringNamesTheWaysOut(t *testing.T) {
	em := startEmulator(t)
	a := newAuthenticator(t, em, t.TempDir(), &credstore.Memory{Fail: credstore.ErrTimeout})
	_, err := a.Login(context.Background(), LoginOptions{Storage: credstore.StorageKeyring, DeviceCode: true})
	var noKeyring *NoKeyringError
	if !errors.As(err, &noKeyring) || !strings.Contains(err.Error(), "--insecure-storage") || !strings.Contains(err.Error(), "PATCTL_TOKEN") {
		t.Fatalf("error %v", err)
	}
	if len(em.Requests()) != 0 {
		t.Fatal("login went to Entra ID without a place to keep the result")
	}
}

func callErr(status int, body string) error {
	resp := &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(body))}
	return msalerrors.CallErr{Req: &http.Request{URL: &url.URL{}}, Resp: resp, Err: errors.New("http call failed")}
}

func TestClassifyGivesHints(t *testing.T) {
	for _, tc := range []struct {
		body      string
		signIn    bool
		wantInMsg string
	}{
		{`{"error":"invalid_grant","error_description":"AADSTS700082: The refresh token has expired. Trace ID: x Correlation ID: y","error_codes":[700082]}`, true, "about 90 days"},
		{`{"error":"interaction_required","error_description":"AADSTS50076: MFA. Trace ID: x","error_codes":[50076]}`, true, "multi-factor"},
		{`{"error":"invalid_grant","error_description":"AADSTS53003: Blocked by Conditional Access.","error_codes":[53003]}`, true, "without --device-code"},
		{`{"error":"invalid_grant","error_description":"AADSTS65001: consent.","error_codes":[65001]}`, true, "consent"},
		{`{"error":"invalid_client","error_description":"AADSTS7000218: The request body must contain client_secret.","error_codes":[7000218]}`, false, "Allow public client flows"},
		{`{"error":"unauthorized_client","error_description":"AADSTS700016: Application not found.","error_codes":[700016]}`, false, "PATCTL_CLIENT_ID"},
		// Entra's text reaches the terminal escaped.
		{`{"error":"invalid_grant","error_description":"AADSTS50173: \u001b]0;pwned\u0007 gone\u009b2J\r\nTrace ID: x"}`, true, `\x1b]0;pwned\a gone\u009b2J;`},
		{`{"error":"invalid_client","error_description":"AADSTS1: no\u001b[2J\ttab"}`, false, `no\x1b[2J\ttab`},
	} {
		err := classify(callErr(400, tc.body))
		var signIn *SignInRequiredError
		if errors.As(err, &signIn) != tc.signIn || !strings.Contains(err.Error(), tc.wantInMsg) {
			t.Errorf("%s: got %T %q", tc.body, err, err)
		}
		if strings.Contains(err.Error(), "Trace ID") {
			t.Errorf("trace ids kept: %q", err)
		}
	}
	if err := classify(context.Canceled); !errors.Is(err, ErrCancelled) {
		t.Errorf("cancel: %v", err)
	}
	if err := classify(callErr(500, "<html>oops</html>")); err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("html: %v", err)
	}
}

func TestParseClaims(t *testing.T) {
	em := startEmulator(t)
	tok, _ := em.AccessToken(emulator.DefaultUserUPN)
	c, err := ParseClaims(tok)
	if err != nil || c.Account() != emulator.DefaultUserUPN || c.TenantID != emulator.DefaultTenantID || c.Expiry().IsZero() {
		t.Fatalf("%+v %v", c, err)
	}
	for _, bad := range []string{"", "a.b", "a.!!!.c", "a.bm90IGpzb24.c"} {
		if _, err := ParseClaims(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestBearerClientReachesThePATAPI(t *testing.T) {
	em := startEmulator(t)
	kr := &credstore.Memory{}
	a := newAuthenticator(t, em, t.TempDir(), kr)
	if _, err := a.Login(context.Background(), LoginOptions{Storage: credstore.StorageKeyring, DeviceCode: true}); err != nil {
		t.Fatal(err)
	}
	later := newAuthenticator(t, em, a.Settings.ConfigDir, kr)
	ts, _, err := later.TokenSource(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	client := BearerClient(em.HTTPClient(), ts)
	em.ResetRequests()
	for i := 0; i < 3; i++ {
		resp, err := client.Get(em.URL() + "/fabrikam/_apis/tokens/pats?api-version=7.1-preview.1")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	for _, r := range em.Requests() {
		if r.Op != emulator.OpList {
			t.Fatalf("unexpected request %+v", r)
		}
	}
}

// TestBrowserSignInTimesOut: a browser that opens but never signs in ends
// the sign-in with a message, not a wait without end.
func TestBrowserSignInTimesOut(t *testing.T) {
	em := startEmulator(t)
	a := newAuthenticator(t, em, t.TempDir(), &credstore.Memory{})
	client, err := a.newClient(a.Settings.Authority, a.Settings.ClientID, a.Store.Cache(credstore.StorageFile), a.HTTPClient)
	if err != nil {
		t.Fatal(err)
	}
	flow := BrowserFlow{Open: func(context.Context, string) error { return nil }, Out: io.Discard, Timeout: 300 * time.Millisecond}
	start := time.Now()
	_, err = flow.Acquire(context.Background(), client, a.Settings.Scopes)
	if !errors.Is(err, ErrBrowserTimeout) || !strings.Contains(err.Error(), "patctl login --device-code") || time.Since(start) > 5*time.Second {
		t.Fatalf("%v after %v", err, time.Since(start))
	}
}

// TestOnlyARefreshWaitsForTheLock: while another patctl holds the store's
// lock, a valid cached token is handed out at once; a token that needs a
// refresh waits, saying why, and is refreshed once the lock is free.
func TestOnlyARefreshWaitsForTheLock(t *testing.T) {
	for _, refresh := range []bool{false, true} {
		em := startEmulator(t)
		if refresh {
			// MSAL refreshes a token within five minutes of its expiry.
			em.Update(func(c *emulator.Config) { c.AccessTokenLifetime = emulator.Duration(time.Minute) })
		}
		dir := t.TempDir()
		kr := &credstore.Memory{}
		if _, err := newAuthenticator(t, em, dir, kr).Login(context.Background(), LoginOptions{Storage: credstore.StorageKeyring, DeviceCode: true}); err != nil {
			t.Fatal(err)
		}
		unlock, err := credstore.Open(dir, kr).Lock(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		token := func(timeout time.Duration) (string, error) {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			var stderr strings.Builder
			later := newAuthenticator(t, em, dir, kr)
			later.Stderr = &stderr
			ts, _, err := later.TokenSource(ctx)
			if err == nil {
				_, err = ts.Token()
			}
			return stderr.String(), err
		}
		if !refresh {
			if stderr, err := token(5 * time.Second); err != nil || stderr != "" {
				t.Fatalf("a valid cached token: %v\n%s", err, stderr)
			}
			unlock()
			continue
		}
		stderr, err := token(1500 * time.Millisecond)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(stderr, fmt.Sprintf("Waiting for another patctl (pid %d)", os.Getpid())) {
			t.Fatalf("a refresh while the lock is held: %v\n%s", err, stderr)
		}
		unlock()
		if stderr, err := token(5 * time.Second); err != nil {
			t.Fatalf("a refresh once the lock is free: %v\n%s", err, stderr)
		}
	}
}
