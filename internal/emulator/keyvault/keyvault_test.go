package keyvault

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

const (
	tenant = "6a1d3b52-8f0e-4c7a-9d21-3f5e8b7c4a10"
	// otherTenant has a vault, kv-partner, where the user is a guest.
	otherTenant = "0c5d1f3e-7a2b-4e6d-9c8f-1b2a3d4e5f60"
	userOID     = "b6f0c2e1-5a3d-4f8e-9c7b-1d2e3f4a5b6c"
	appID       = "c0ffee00-0000-0000-0000-00000000000a"
)

// newFake serves the fake; tokens are "user", "app" or "other-audience".
func newFake(t *testing.T) (*Server, *httptest.Server) {
	t.Helper()
	kv := New(Options{Prefix: "/keyvault", Vaults: DefaultVaults(userOID, appID), Tenant: func() string { return tenant },
		Verify: func(token, audience string) (Principal, error) {
			switch {
			case audience != Resource:
				t.Fatalf("verified for audience %q", audience)
			case token == "user":
				return Principal{ObjectID: userOID, TenantID: tenant}, nil
			case token == "app":
				return Principal{ObjectID: "sp-oid", AppID: appID, TenantID: tenant}, nil
			case token == "guest":
				return Principal{ObjectID: userOID, TenantID: otherTenant}, nil
			}
			return Principal{}, errors.New("invalid audience")
		}})
	srv := httptest.NewTLSServer(kv)
	client = srv.Client()
	t.Cleanup(srv.Close)
	return kv, srv
}

func call(t *testing.T, method, url, token, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("%s %s: %v in %q", method, url, err, data)
	}
	return resp, out
}

// example reads an official example: its parameters and its 200 body.
func example(t *testing.T, name string) (params map[string]any, body map[string]any) {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		Parameters map[string]any `json:"parameters"`
		Responses  map[string]struct {
			Body map[string]any `json:"body"`
		} `json:"responses"`
	}
	if err := json.Unmarshal(data, &ex); err != nil {
		t.Fatal(err)
	}
	return ex.Parameters, ex.Responses["200"].Body
}

// sameShape fails unless got has every key of want, with values of the same
// JSON type, recursively into objects.
func sameShape(t *testing.T, where string, want, got map[string]any) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s: %q missing", where, k)
			continue
		}
		if wm, ok := w.(map[string]any); ok {
			gm, ok := g.(map[string]any)
			if !ok {
				t.Errorf("%s: %q is %T, want an object", where, k, g)
				continue
			}
			sameShape(t, where+"."+k, wm, gm)
		} else if wl, ok := w.([]any); ok && len(wl) > 0 {
			gl, ok := g.([]any)
			if !ok || len(gl) == 0 {
				t.Errorf("%s: %q is %v, want a list", where, k, g)
				continue
			}
			sameShape(t, where+"."+k+"[0]", wl[0].(map[string]any), gl[0].(map[string]any))
		} else if typeName(w) != typeName(g) {
			t.Errorf("%s: %q is %T, want %T", where, k, g, w)
		}
	}
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "bool"
	}
	return "other"
}

var client *http.Client

var versionID = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestSetAndGetAsTheExamplesShow(t *testing.T) {
	kv, srv := newFake(t)
	vault := srv.URL + "/keyvault/kv-main"
	params, want := example(t, "SetSecret-example.json")
	sent, _ := json.Marshal(params["parameters"])
	resp, got := call(t, "PUT", vault+"/secrets/crpsecret?api-version=2025-07-01", "user", string(sent))
	if resp.StatusCode != 200 {
		t.Fatalf("Set: %d %v", resp.StatusCode, got)
	}
	sameShape(t, "Set", want, got)
	id := got["id"].(string)
	prefix := srv.URL + "/keyvault/kv-main/secrets/crpsecret/"
	if !strings.HasPrefix(id, prefix) || !versionID.MatchString(strings.TrimPrefix(id, prefix)) {
		t.Fatalf("id %q, want %s<32 hex>", id, prefix)
	}
	if got["value"] != "mysecretvalue" {
		t.Fatalf("value %v", got["value"])
	}

	// A second Set is a second version; Get without a version is the latest.
	_, second := call(t, "PUT", vault+"/secrets/crpsecret?api-version=2025-07-01", "user",
		`{"value":"v2","tags":{"pat-org":"fabrikam"},"attributes":{"exp":1800000000}}`)
	_, wantGet := example(t, "GetSecret-example.json")
	_, latest := call(t, "GET", vault+"/secrets/CRPSECRET?api-version=2025-07-01", "user", "")
	sameShape(t, "Get", wantGet, latest)
	if latest["id"] != second["id"] || latest["value"] != "v2" || latest["attributes"].(map[string]any)["exp"] != 1.8e9 {
		t.Fatalf("latest %v, want the second version with exp", latest)
	}
	_, first := call(t, "GET", id+"?api-version=2025-07-01", "user", "")
	if first["value"] != "mysecretvalue" {
		t.Fatalf("by version: %v", first)
	}
	s, ok := kv.Latest("kv-main", "crpsecret")
	if !ok || s.Value != "v2" || s.Tags["pat-org"] != "fabrikam" || !s.Expires.Equal(time.Unix(1.8e9, 0)) || s.Versions != 2 {
		t.Fatalf("readback %+v", s)
	}

	// Versions, one a page: no values, a nextLink to follow as given.
	_, wantList := example(t, "GetSecretVersions-example.json")
	_, page := call(t, "GET", vault+"/secrets/crpsecret/versions?api-version=2025-07-01&maxresults=1", "user", "")
	sameShape(t, "Versions", wantList, page)
	if _, hasValue := page["value"].([]any)[0].(map[string]any)["value"]; hasValue {
		t.Fatal("a versions list shows a value")
	}
	_, last := call(t, "GET", page["nextLink"].(string), "user", "")
	if len(last["value"].([]any)) != 1 || last["nextLink"] != nil {
		t.Fatalf("second page %v", last)
	}
}

func TestRefusals(t *testing.T) {
	kv, srv := newFake(t)
	vault := srv.URL + "/keyvault/kv-main"
	resp, body := call(t, "GET", vault+"/secrets/x?api-version=2025-07-01", "", "")
	if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != `Bearer authorization="https://login.windows.net/`+tenant+`", resource="https://vault.azure.net"` ||
		body["error"].(map[string]any)["message"] != "AKV10000: Request is missing a Bearer or PoP token." {
		t.Fatalf("no token: %d %v %v", resp.StatusCode, resp.Header, body)
	}
	if resp, _ := call(t, "GET", vault+"/secrets/x?api-version=2025-07-01", "other-audience", ""); resp.StatusCode != 401 {
		t.Fatalf("a token for another audience: %d", resp.StatusCode)
	}
	if resp, body := call(t, "GET", vault+"/secrets/x?api-version=2025-07-01", "user", ""); resp.StatusCode != 404 || body["error"].(map[string]any)["code"] != "SecretNotFound" {
		t.Fatalf("missing: %d %v", resp.StatusCode, body)
	}
	if resp, body := call(t, "GET", srv.URL+"/keyvault/kv-denied/secrets/x?api-version=2025-07-01", "user", ""); resp.StatusCode != 403 || body["error"].(map[string]any)["code"] != "Forbidden" {
		t.Fatalf("no access: %d %v", resp.StatusCode, body)
	}
	if resp, _ := call(t, "PUT", vault+"/secrets/x?api-version=2025-07-01", "app", `{"value":"a"}`); resp.StatusCode != 200 {
		t.Fatalf("the service principal: %d", resp.StatusCode)
	}
	// A vault of another tenant challenges with its tenant, and takes only
	// that tenant's tokens.
	kv.SetVault(Vault{Name: "kv-partner", Access: []string{userOID}, Tenant: otherTenant})
	partner := srv.URL + "/keyvault/kv-partner/secrets/x?api-version=2025-07-01"
	if resp, body := call(t, "GET", partner, "user", ""); resp.StatusCode != 401 ||
		resp.Header.Get("WWW-Authenticate") != `Bearer authorization="https://login.windows.net/`+otherTenant+`", resource="https://vault.azure.net"` ||
		!strings.HasPrefix(body["error"].(map[string]any)["message"].(string), "AKV10032: Invalid issuer.") {
		t.Fatalf("a token of the home tenant: %d %v %v", resp.StatusCode, resp.Header, body)
	}
	if resp, _ := call(t, "GET", partner, "guest", ""); resp.StatusCode != 404 {
		t.Fatalf("a token of the vault's tenant: %d", resp.StatusCode)
	}
	if resp, _ := call(t, "PUT", vault+"/secrets/bad_name?api-version=2025-07-01", "user", `{"value":"a"}`); resp.StatusCode != 400 {
		t.Fatalf("bad name: %d", resp.StatusCode)
	}

	kv.MarkDeleted("kv-main", "gone")
	resp, body = call(t, "PUT", vault+"/secrets/gone?api-version=2025-07-01", "user", `{"value":"a"}`)
	e := body["error"].(map[string]any)
	if resp.StatusCode != 409 || e["code"] != "Conflict" || e["innererror"].(map[string]any)["code"] != "ObjectIsDeletedButRecoverable" {
		t.Fatalf("soft-deleted: %d %v", resp.StatusCode, body)
	}
	if resp, _ := call(t, "GET", vault+"/secrets/gone?api-version=2025-07-01", "user", ""); resp.StatusCode != 404 {
		t.Fatalf("get of a soft-deleted name: %d", resp.StatusCode)
	}
	if resp, body := call(t, "GET", vault+"/deletedsecrets/gone?api-version=2025-07-01", "user", ""); resp.StatusCode != 200 || body["recoveryId"] == nil || body["value"] != nil {
		t.Fatalf("deleted secret: %d %v", resp.StatusCode, body)
	}
}
