package emulator

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// entra talks to the emulator's Entra ID side with plain HTTP.
type entra struct {
	t  *testing.T
	em *Emulator
}

func (c entra) post(tenant, endpoint string, form url.Values) (int, map[string]any) {
	c.t.Helper()
	resp, err := c.em.HTTPClient().PostForm(c.em.URL()+"/"+tenant+"/oauth2/v2.0/"+endpoint, form)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, m
}

// deviceLogin signs in with the device-code flow and returns the token answer.
func (c entra) deviceLogin(extra url.Values) map[string]any {
	c.t.Helper()
	scope := AzureDevOpsResource + "/.default openid profile offline_access"
	status, dc := c.post(DefaultTenantID, "devicecode", url.Values{"client_id": {AzureCLIClientID}, "scope": {scope}})
	if status != 200 {
		c.t.Fatalf("devicecode: %d %v", status, dc)
	}
	form := url.Values{"client_id": {AzureCLIClientID}, "grant_type": {"device_code"}, "device_code": {dc["device_code"].(string)}}
	for k, v := range extra {
		form[k] = v
	}
	status, tok := c.post(DefaultTenantID, "token", form)
	if status != 200 {
		c.t.Fatalf("token: %d %v", status, tok)
	}
	return tok
}

func (c entra) refresh(rt string) (int, map[string]any) {
	return c.post("organizations", "token", url.Values{"client_id": {AzureCLIClientID}, "grant_type": {"refresh_token"},
		"refresh_token": {rt}, "scope": {AzureDevOpsResource + "/.default openid offline_access"}})
}

func wantEntraError(t *testing.T, status int, body map[string]any, wantStatus int, wantCode, wantAADSTS string) {
	t.Helper()
	if status != wantStatus || body["error"] != wantCode {
		t.Fatalf("got %d %v, want %d %s", status, body["error"], wantStatus, wantCode)
	}
	desc, _ := body["error_description"].(string)
	if !strings.HasPrefix(desc, wantAADSTS+":") {
		t.Fatalf("error_description %q does not start with %s", desc, wantAADSTS)
	}
	codes, _ := body["error_codes"].([]any)
	if len(codes) != 1 || "AADSTS"+jsonString(codes[0]) != wantAADSTS {
		t.Fatalf("error_codes %v, want %s", body["error_codes"], wantAADSTS)
	}
	for _, k := range []string{"timestamp", "trace_id", "correlation_id"} {
		if body[k] == nil {
			t.Fatalf("error lacks %s: %v", k, body)
		}
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestOpenIDConfiguration(t *testing.T) {
	em := startEmulator(t, Options{})
	for tenant, issuer := range map[string]string{
		DefaultTenantID:     em.URL() + "/" + DefaultTenantID + "/v2.0",
		DefaultTenantDomain: em.URL() + "/" + DefaultTenantID + "/v2.0",
		"organizations":     em.URL() + "/{tenantid}/v2.0",
	} {
		resp, err := em.HTTPClient().Get(em.URL() + "/" + tenant + "/v2.0/.well-known/openid-configuration")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.NewDecoder(resp.Body).Decode(&m)
		resp.Body.Close()
		if m["issuer"] != issuer {
			t.Errorf("%s: issuer %v, want %s", tenant, m["issuer"], issuer)
		}
		for _, k := range []string{"authorization_endpoint", "token_endpoint", "device_authorization_endpoint", "jwks_uri"} {
			if v, _ := m[k].(string); !strings.HasPrefix(v, em.URL()+"/") {
				t.Errorf("%s: %s = %v", tenant, k, m[k])
			}
		}
	}
	resp, err := em.HTTPClient().Get(em.URL() + "/nowhere.example/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	resp.Body.Close()
	wantEntraError(t, resp.StatusCode, m, 400, "invalid_tenant", "AADSTS90002")
}

func TestTokenAnswerShape(t *testing.T) {
	em := startEmulator(t, Options{})
	c := entra{t, em}
	tok := c.deviceLogin(url.Values{"client_info": {"1"}})
	for _, k := range []string{"access_token", "refresh_token", "id_token", "client_info", "expires_in", "ext_expires_in", "scope", "token_type"} {
		if tok[k] == nil {
			t.Errorf("answer lacks %s", k)
		}
	}
	if got := tok["scope"]; got != AzureDevOpsResource+"/user_impersonation "+AzureDevOpsResource+"/.default" {
		t.Errorf("scope %v", got)
	}
	ci, err := base64.RawURLEncoding.DecodeString(tok["client_info"].(string))
	if err != nil || !strings.Contains(string(ci), `"uid":"`+DefaultUserOID+`"`) || !strings.Contains(string(ci), `"utid":"`+DefaultTenantID+`"`) {
		t.Errorf("client_info %s %v", ci, err)
	}
	// client_info comes only when asked for, as from Entra ID.
	if tok := c.deviceLogin(nil); tok["client_info"] != nil {
		t.Error("client_info without client_info=1")
	}
	// The RFC 8628 grant type name works too.
	status, dc := c.post(DefaultTenantID, "devicecode", url.Values{"client_id": {AzureCLIClientID}, "scope": {AzureDevOpsResource + "/vso.pats"}})
	if status != 200 {
		t.Fatal(dc)
	}
	status, tok = c.post(DefaultTenantID, "token", url.Values{"client_id": {AzureCLIClientID},
		"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {dc["device_code"].(string)}})
	if status != 200 {
		t.Fatalf("URN grant: %d %v", status, tok)
	}
	at, err := em.verifyAccessToken(tok["access_token"].(string))
	if err != nil || at.Scp != "vso.pats" {
		t.Fatalf("vso.pats token: %+v %v", at, err)
	}
	if tok["refresh_token"] != nil || tok["id_token"] != nil {
		t.Error("refresh or id token without offline_access or openid")
	}
}

func TestRefreshTokenRotation(t *testing.T) {
	clock := &testClock{}
	clock.Set(time.Now())
	em := startEmulator(t, Options{Now: clock.Now})
	c := entra{t, em}
	rt1 := c.deviceLogin(nil)["refresh_token"].(string)

	status, tok := c.refresh(rt1)
	if status != 200 {
		t.Fatalf("refresh: %d %v", status, tok)
	}
	rt2 := tok["refresh_token"].(string)
	if rt2 == rt1 {
		t.Fatal("refresh did not issue a new refresh token")
	}
	status, body := c.refresh(rt1)
	wantEntraError(t, status, body, 400, "invalid_grant", "AADSTS70000")

	status, body = c.refresh("garbage")
	wantEntraError(t, status, body, 400, "invalid_grant", "AADSTS9002313")

	// Expiry by inactivity.
	em.Update(func(c *Config) { c.RefreshTokenLifetime = Duration(time.Hour) })
	status, tok = c.refresh(rt2)
	if status != 200 {
		t.Fatal(tok)
	}
	clock.Set(clock.Now().Add(2 * time.Hour))
	status, body = c.refresh(tok["refresh_token"].(string))
	wantEntraError(t, status, body, 400, "invalid_grant", "AADSTS700082")

	// Revocation.
	clock.Set(time.Now())
	rt := c.deviceLogin(nil)["refresh_token"].(string)
	em.RevokeSessions(DefaultUserUPN)
	status, body = c.refresh(rt)
	wantEntraError(t, status, body, 400, "invalid_grant", "AADSTS50173")
}

// authorize asks for a code with response_mode=query and returns it.
func authorize(t *testing.T, em *Emulator, redirect, challenge string) string {
	t.Helper()
	q := url.Values{"client_id": {AzureCLIClientID}, "response_type": {"code"}, "redirect_uri": {redirect},
		"scope": {AzureDevOpsResource + "/.default openid offline_access"}, "state": {"s1"},
		"code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	resp, err := em.HTTPClient().Get(em.URL() + "/organizations/oauth2/v2.0/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		t.Fatalf("no redirect: %d", resp.StatusCode)
	}
	if loc.Query().Get("state") != "s1" || loc.Query().Get("code") == "" {
		t.Fatalf("redirect %s", loc)
	}
	return loc.Query().Get("code")
}

func TestAuthorizationCodeWithPKCE(t *testing.T) {
	em := startEmulator(t, Options{})
	c := entra{t, em}
	verifier := "a-verifier-of-enough-length-0123456789-abcdefghijklmnop"
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	redeem := func(code, redirect, verifier string) (int, map[string]any) {
		return c.post("organizations", "token", url.Values{"client_id": {AzureCLIClientID}, "grant_type": {"authorization_code"},
			"code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}})
	}
	const redirect = "http://localhost:53117"

	code := authorize(t, em, redirect, challenge)
	status, body := redeem(code, redirect, "wrong-verifier")
	wantEntraError(t, status, body, 400, "invalid_grant", "AADSTS50148")

	code = authorize(t, em, redirect, challenge)
	status, body = redeem(code, "http://localhost:9", verifier)
	wantEntraError(t, status, body, 400, "invalid_grant", "AADSTS500112")

	code = authorize(t, em, redirect, challenge)
	if status, body = redeem(code, redirect, verifier); status != 200 {
		t.Fatalf("redeem: %d %v", status, body)
	}
	status, body = redeem(code, redirect, verifier)
	wantEntraError(t, status, body, 400, "invalid_grant", "AADSTS54005")

	// A redirect URI the app did not register gets an error page, not a redirect.
	q := url.Values{"client_id": {AzureCLIClientID}, "response_type": {"code"}, "redirect_uri": {"https://evil.example/cb"},
		"scope": {AzureDevOpsResource + "/.default"}}
	resp, err := em.HTTPClient().Get(em.URL() + "/organizations/oauth2/v2.0/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(page), "AADSTS50011") {
		t.Fatalf("unregistered redirect: %d %s", resp.StatusCode, page)
	}
}

func TestAuthorizeFormPostPage(t *testing.T) {
	em := startEmulator(t, Options{})
	q := url.Values{"client_id": {AzureCLIClientID}, "response_type": {"code"}, "redirect_uri": {"http://localhost:4000"},
		"scope": {AzureDevOpsResource + "/.default"}, "state": {"xyz"}, "response_mode": {"form_post"}}
	resp, err := em.HTTPClient().Get(em.URL() + "/" + DefaultTenantID + "/oauth2/v2.0/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`<form method="POST" name="hiddenform" action="http://localhost:4000">`, `name="code"`, `name="state" value="xyz"`, "document.forms[0].submit()"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
}

func TestClientRules(t *testing.T) {
	em := startEmulator(t, Options{})
	em.Update(func(c *Config) {
		c.Clients = append(c.Clients, Client{ID: "c0ffee00-0000-0000-0000-000000000001", Confidential: true, Secret: "sekret", RedirectURIs: []string{"http://localhost"}})
	})
	c := entra{t, em}
	status, dc := c.post(DefaultTenantID, "devicecode", url.Values{"client_id": {"c0ffee00-0000-0000-0000-000000000001"}, "scope": {AzureDevOpsResource + "/.default"}})
	if status != 200 {
		t.Fatal(dc)
	}
	status, body := c.post(DefaultTenantID, "token", url.Values{"client_id": {"c0ffee00-0000-0000-0000-000000000001"}, "grant_type": {"device_code"}, "device_code": {dc["device_code"].(string)}})
	wantEntraError(t, status, body, 401, "invalid_client", "AADSTS7000218")

	status, body = c.post(DefaultTenantID, "token", url.Values{"client_id": {AzureCLIClientID}, "grant_type": {"password"}})
	wantEntraError(t, status, body, 400, "unsupported_grant_type", "AADSTS70003")
	status, body = c.post(DefaultTenantID, "token", url.Values{"grant_type": {"refresh_token"}})
	wantEntraError(t, status, body, 400, "invalid_request", "AADSTS900144")
	status, body = c.post(DefaultTenantID, "devicecode", url.Values{"client_id": {AzureCLIClientID}, "scope": {"https://unknown.example/.default"}})
	wantEntraError(t, status, body, 400, "invalid_resource", "AADSTS500011")

	// A service principal's client credentials give an app-only token, which
	// the PAT API refuses.
	status, tok := c.post(DefaultTenantID, "token", url.Values{"client_id": {"c0ffee00-0000-0000-0000-000000000001"},
		"grant_type": {"client_credentials"}, "client_secret": {"sekret"}, "scope": {AzureDevOpsResource + "/.default"}})
	if status != 200 {
		t.Fatalf("client credentials: %d %v", status, tok)
	}
	at, err := em.verifyAccessToken(tok["access_token"].(string))
	if err != nil || at.IDType != "app" || at.UPN != "" {
		t.Fatalf("app token %+v %v", at, err)
	}
	api := newAPIClient(t, em)
	api.token = tok["access_token"].(string)
	r := api.do("GET", patsPath+"?api-version=7.1-preview.1", nil)
	if r.status != 403 || !strings.Contains(string(r.body), "Service principals are not allowed") {
		t.Fatalf("app token at the PAT API: %d %s", r.status, r.body)
	}
	status, body = c.post(DefaultTenantID, "token", url.Values{"client_id": {"c0ffee00-0000-0000-0000-000000000001"},
		"grant_type": {"client_credentials"}, "client_secret": {"wrong"}, "scope": {AzureDevOpsResource + "/.default"}})
	wantEntraError(t, status, body, 401, "invalid_client", "AADSTS7000215")
}

func TestJWKSVerifiesTokens(t *testing.T) {
	em := startEmulator(t, Options{})
	resp, err := em.HTTPClient().Get(em.URL() + "/" + DefaultTenantID + "/discovery/v2.0/keys")
	if err != nil {
		t.Fatal(err)
	}
	var jwks struct {
		Keys []map[string]string `json:"keys"`
	}
	json.NewDecoder(resp.Body).Decode(&jwks)
	resp.Body.Close()
	tok, _ := em.AccessToken(DefaultUserUPN)
	var header map[string]any
	h, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	json.Unmarshal(h, &header)
	if len(jwks.Keys) != 1 || jwks.Keys[0]["kid"] != header["kid"] || header["alg"] != "RS256" {
		t.Fatalf("jwks %v, token header %v", jwks, header)
	}
}

func TestHTTPSOnly(t *testing.T) {
	em := startEmulator(t, Options{})
	plain := strings.Replace(em.URL(), "https://", "http://", 1)
	resp, err := http.Get(plain + "/" + DefaultTenantID + "/v2.0/.well-known/openid-configuration")
	if err == nil {
		defer resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Fatalf("plain HTTP answered %d", resp.StatusCode)
		}
	}
}

func TestAppOnlyModeIssuesServicePrincipalTokens(t *testing.T) {
	em := startEmulator(t, Options{})
	em.Update(func(c *Config) { c.AppOnlyTokens = true })
	tok := entra{t, em}.deviceLogin(url.Values{"client_info": {"1"}})
	at, err := em.verifyAccessToken(tok["access_token"].(string))
	if err != nil || at.IDType != "app" || at.UPN != "" || at.Scp != "" {
		t.Fatalf("token %+v %v", at, err)
	}
	if tok["refresh_token"] != nil || tok["id_token"] != nil || tok["client_info"] != nil {
		t.Fatalf("an app-only answer carries user artefacts: %v", tok)
	}
	api := newAPIClient(t, em)
	api.token = tok["access_token"].(string)
	if r := api.do("GET", patsPath+"?api-version=7.1-preview.1", nil); r.status != 403 || !strings.Contains(string(r.body), "Service principals") {
		t.Fatalf("PAT API: %d %s", r.status, r.body)
	}
}
