package entra_test

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

	"github.com/patctl/patctl/internal/emulator"
	"github.com/patctl/patctl/internal/emulator/emulatortest"
)

func TestOpenIDConfiguration(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	for tenant, issuer := range map[string]string{
		emulator.DefaultTenantID:     em.URL() + "/" + emulator.DefaultTenantID + "/v2.0",
		emulator.DefaultTenantDomain: em.URL() + "/" + emulator.DefaultTenantID + "/v2.0",
		"organizations":              em.URL() + "/{tenantid}/v2.0",
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
	emulatortest.WantEntraError(t, resp.StatusCode, m, 400, "invalid_tenant", "AADSTS90002")
}

func TestTokenAnswerShape(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	c := emulatortest.Entra{T: t, Em: em}
	tok := c.DeviceLogin(url.Values{"client_info": {"1"}})
	for _, k := range []string{"access_token", "refresh_token", "id_token", "client_info", "expires_in", "ext_expires_in", "scope", "token_type"} {
		if tok[k] == nil {
			t.Errorf("answer lacks %s", k)
		}
	}
	if got := tok["scope"]; got != emulator.AzureDevOpsResource+"/user_impersonation "+emulator.AzureDevOpsResource+"/.default" {
		t.Errorf("scope %v", got)
	}
	ci, err := base64.RawURLEncoding.DecodeString(tok["client_info"].(string))
	if err != nil || !strings.Contains(string(ci), `"uid":"`+emulator.DefaultUserOID+`"`) || !strings.Contains(string(ci), `"utid":"`+emulator.DefaultTenantID+`"`) {
		t.Errorf("client_info %s %v", ci, err)
	}
	// client_info comes only when asked for, as from Entra ID.
	if tok := c.DeviceLogin(nil); tok["client_info"] != nil {
		t.Error("client_info without client_info=1")
	}
	// The RFC 8628 grant type name works too.
	status, dc := c.Post(emulator.DefaultTenantID, "devicecode", url.Values{"client_id": {emulator.AzureCLIClientID}, "scope": {emulator.AzureDevOpsResource + "/vso.pats"}})
	if status != 200 {
		t.Fatal(dc)
	}
	status, tok = c.Post(emulator.DefaultTenantID, "token", url.Values{"client_id": {emulator.AzureCLIClientID},
		"grant_type": {"urn:ietf:params:oauth:grant-type:device_code"}, "device_code": {dc["device_code"].(string)}})
	if status != 200 {
		t.Fatalf("URN grant: %d %v", status, tok)
	}
	at, err := em.Entra().Verify(tok["access_token"].(string), emulator.AzureDevOpsResource)
	if err != nil || at.Scp != "vso.pats" {
		t.Fatalf("vso.pats token: %+v %v", at, err)
	}
	if tok["refresh_token"] != nil || tok["id_token"] != nil {
		t.Error("refresh or id token without offline_access or openid")
	}
}

func TestRefreshTokenRotation(t *testing.T) {
	clock := &emulatortest.Clock{}
	clock.Set(time.Now())
	em := emulatortest.Start(t, emulator.Options{Now: clock.Now})
	c := emulatortest.Entra{T: t, Em: em}
	rt1 := c.DeviceLogin(nil)["refresh_token"].(string)

	status, tok := c.Refresh(rt1)
	if status != 200 {
		t.Fatalf("refresh: %d %v", status, tok)
	}
	rt2 := tok["refresh_token"].(string)
	if rt2 == rt1 {
		t.Fatal("refresh did not issue a new refresh token")
	}
	status, body := c.Refresh(rt1)
	emulatortest.WantEntraError(t, status, body, 400, "invalid_grant", "AADSTS70000")

	status, body = c.Refresh("garbage")
	emulatortest.WantEntraError(t, status, body, 400, "invalid_grant", "AADSTS9002313")

	// Expiry by inactivity.
	em.Update(func(c *emulator.Config) { c.RefreshTokenLifetime = emulator.Duration(time.Hour) })
	status, tok = c.Refresh(rt2)
	if status != 200 {
		t.Fatal(tok)
	}
	clock.Set(clock.Now().Add(2 * time.Hour))
	status, body = c.Refresh(tok["refresh_token"].(string))
	emulatortest.WantEntraError(t, status, body, 400, "invalid_grant", "AADSTS700082")

	// Revocation.
	clock.Set(time.Now())
	rt := c.DeviceLogin(nil)["refresh_token"].(string)
	em.RevokeSessions(emulator.DefaultUserUPN)
	status, body = c.Refresh(rt)
	emulatortest.WantEntraError(t, status, body, 400, "invalid_grant", "AADSTS50173")
}

// authorize asks for a code with response_mode=query and returns it.
func authorize(t *testing.T, em *emulator.Emulator, redirect, challenge string) string {
	t.Helper()
	q := url.Values{"client_id": {emulator.AzureCLIClientID}, "response_type": {"code"}, "redirect_uri": {redirect},
		"scope": {emulator.AzureDevOpsResource + "/.default openid offline_access"}, "state": {"s1"},
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
	em := emulatortest.Start(t, emulator.Options{})
	c := emulatortest.Entra{T: t, Em: em}
	verifier := "a-verifier-of-enough-length-0123456789-abcdefghijklmnop"
	sum := sha256.Sum256([]byte(verifier))
	challenge := base64.RawURLEncoding.EncodeToString(sum[:])
	redeem := func(code, redirect, verifier string) (int, map[string]any) {
		return c.Post("organizations", "token", url.Values{"client_id": {emulator.AzureCLIClientID}, "grant_type": {"authorization_code"},
			"code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}})
	}
	const redirect = "http://localhost:53117"

	code := authorize(t, em, redirect, challenge)
	status, body := redeem(code, redirect, "wrong-verifier")
	emulatortest.WantEntraError(t, status, body, 400, "invalid_grant", "AADSTS50148")

	code = authorize(t, em, redirect, challenge)
	status, body = redeem(code, "http://localhost:9", verifier)
	emulatortest.WantEntraError(t, status, body, 400, "invalid_grant", "AADSTS500112")

	code = authorize(t, em, redirect, challenge)
	if status, body = redeem(code, redirect, verifier); status != 200 {
		t.Fatalf("redeem: %d %v", status, body)
	}
	status, body = redeem(code, redirect, verifier)
	emulatortest.WantEntraError(t, status, body, 400, "invalid_grant", "AADSTS54005")

	// A redirect URI the app did not register gets an error page, not a redirect.
	q := url.Values{"client_id": {emulator.AzureCLIClientID}, "response_type": {"code"}, "redirect_uri": {"https://evil.example/cb"},
		"scope": {emulator.AzureDevOpsResource + "/.default"}}
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
	em := emulatortest.Start(t, emulator.Options{})
	q := url.Values{"client_id": {emulator.AzureCLIClientID}, "response_type": {"code"}, "redirect_uri": {"http://localhost:4000"},
		"scope": {emulator.AzureDevOpsResource + "/.default"}, "state": {"xyz"}, "response_mode": {"form_post"}}
	resp, err := em.HTTPClient().Get(em.URL() + "/" + emulator.DefaultTenantID + "/oauth2/v2.0/authorize?" + q.Encode())
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
	em := emulatortest.Start(t, emulator.Options{})
	em.Update(func(c *emulator.Config) {
		c.Clients = append(c.Clients, emulator.Client{ID: "c0ffee00-0000-0000-0000-000000000001", Confidential: true, Secret: "sekret", RedirectURIs: []string{"http://localhost"}})
	})
	c := emulatortest.Entra{T: t, Em: em}
	status, dc := c.Post(emulator.DefaultTenantID, "devicecode", url.Values{"client_id": {"c0ffee00-0000-0000-0000-000000000001"}, "scope": {emulator.AzureDevOpsResource + "/.default"}})
	if status != 200 {
		t.Fatal(dc)
	}
	status, body := c.Post(emulator.DefaultTenantID, "token", url.Values{"client_id": {"c0ffee00-0000-0000-0000-000000000001"}, "grant_type": {"device_code"}, "device_code": {dc["device_code"].(string)}})
	emulatortest.WantEntraError(t, status, body, 401, "invalid_client", "AADSTS7000218")

	status, body = c.Post(emulator.DefaultTenantID, "token", url.Values{"client_id": {emulator.AzureCLIClientID}, "grant_type": {"password"}})
	emulatortest.WantEntraError(t, status, body, 400, "unsupported_grant_type", "AADSTS70003")
	status, body = c.Post(emulator.DefaultTenantID, "token", url.Values{"grant_type": {"refresh_token"}})
	emulatortest.WantEntraError(t, status, body, 400, "invalid_request", "AADSTS900144")
	status, body = c.Post(emulator.DefaultTenantID, "devicecode", url.Values{"client_id": {emulator.AzureCLIClientID}, "scope": {"https://unknown.example/.default"}})
	emulatortest.WantEntraError(t, status, body, 400, "invalid_resource", "AADSTS500011")

	// A service principal's client credentials give an app-only token, which
	// the PAT API refuses.
	status, tok := c.Post(emulator.DefaultTenantID, "token", url.Values{"client_id": {"c0ffee00-0000-0000-0000-000000000001"},
		"grant_type": {"client_credentials"}, "client_secret": {"sekret"}, "scope": {emulator.AzureDevOpsResource + "/.default"}})
	if status != 200 {
		t.Fatalf("client credentials: %d %v", status, tok)
	}
	at, err := em.Entra().Verify(tok["access_token"].(string), emulator.AzureDevOpsResource)
	if err != nil || at.IDType != "app" || at.UPN != "" {
		t.Fatalf("app token %+v %v", at, err)
	}
	api := emulatortest.NewAPI(t, em)
	api.Token = tok["access_token"].(string)
	r := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil)
	if r.Status != 403 || !strings.Contains(string(r.Body), "Service principals are not allowed") {
		t.Fatalf("app token at the PAT API: %d %s", r.Status, r.Body)
	}
	status, body = c.Post(emulator.DefaultTenantID, "token", url.Values{"client_id": {"c0ffee00-0000-0000-0000-000000000001"},
		"grant_type": {"client_credentials"}, "client_secret": {"wrong"}, "scope": {emulator.AzureDevOpsResource + "/.default"}})
	emulatortest.WantEntraError(t, status, body, 401, "invalid_client", "AADSTS7000215")
}

func TestJWKSVerifiesTokens(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	resp, err := em.HTTPClient().Get(em.URL() + "/" + emulator.DefaultTenantID + "/discovery/v2.0/keys")
	if err != nil {
		t.Fatal(err)
	}
	var jwks struct {
		Keys []map[string]string `json:"keys"`
	}
	json.NewDecoder(resp.Body).Decode(&jwks)
	resp.Body.Close()
	tok, _ := em.AccessToken(emulator.DefaultUserUPN)
	var header map[string]any
	h, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	json.Unmarshal(h, &header)
	if len(jwks.Keys) != 1 || jwks.Keys[0]["kid"] != header["kid"] || header["alg"] != "RS256" {
		t.Fatalf("jwks %v, token header %v", jwks, header)
	}
}

func TestHTTPSOnly(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	plain := strings.Replace(em.URL(), "https://", "http://", 1)
	resp, err := http.Get(plain + "/" + emulator.DefaultTenantID + "/v2.0/.well-known/openid-configuration")
	if err == nil {
		defer resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Fatalf("plain HTTP answered %d", resp.StatusCode)
		}
	}
}

func TestAppOnlyModeIssuesServicePrincipalTokens(t *testing.T) {
	em := emulatortest.Start(t, emulator.Options{})
	em.Update(func(c *emulator.Config) { c.AppOnlyTokens = true })
	tok := emulatortest.Entra{T: t, Em: em}.DeviceLogin(url.Values{"client_info": {"1"}})
	at, err := em.Entra().Verify(tok["access_token"].(string), emulator.AzureDevOpsResource)
	if err != nil || at.IDType != "app" || at.UPN != "" || at.Scp != "" {
		t.Fatalf("token %+v %v", at, err)
	}
	if tok["refresh_token"] != nil || tok["id_token"] != nil || tok["client_info"] != nil {
		t.Fatalf("an app-only answer carries user artefacts: %v", tok)
	}
	api := emulatortest.NewAPI(t, em)
	api.Token = tok["access_token"].(string)
	if r := api.Do("GET", emulatortest.PATsPath+"?api-version=7.1-preview.1", nil); r.Status != 403 || !strings.Contains(string(r.Body), "Service principals") {
		t.Fatalf("PAT API: %d %s", r.Status, r.Body)
	}
}
