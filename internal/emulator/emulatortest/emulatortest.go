// Package emulatortest starts an emulator for a test and stops it after, and
// talks to it the way the tests of the emulator and its services do: plain
// HTTP, no patctl code, so that the emulator is checked against the
// documentation rather than against the client.
package emulatortest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/patctl/patctl/internal/emulator"
)

// Start runs an emulator with opts until the test ends.
func Start(t testing.TB, opts emulator.Options) *emulator.Emulator {
	t.Helper()
	em, err := emulator.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { em.Close() })
	return em
}

// Clock is a clock tests set and move.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// MustTime parses an RFC 3339 time.
func MustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// ReadAll reads r to the end.
func ReadAll(t testing.TB, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// PATsPath is the PAT API of the default organization.
const PATsPath = "/" + emulator.DefaultOrg + "/_apis/tokens/pats"

// API calls the emulator's Azure DevOps side as a user.
type API struct {
	T     testing.TB
	Em    *emulator.Emulator
	HTTP  *http.Client
	Token string
	Org   string
}

// NewAPI is an API client signed in as the default user.
func NewAPI(t testing.TB, em *emulator.Emulator) *API {
	t.Helper()
	tok, err := em.AccessToken(emulator.DefaultUserUPN)
	if err != nil {
		t.Fatal(err)
	}
	return &API{T: t, Em: em, HTTP: em.HTTPClient(), Token: tok, Org: emulator.DefaultOrg}
}

// Response is an answer read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body as an object, after any byte order mark.
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(bytes.TrimPrefix(r.Body, []byte("\xef\xbb\xbf")), &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// Do sends a request; pathAndQuery is relative to the emulator's root. A
// string body is sent as is, anything else as JSON.
func (c *API) Do(method, pathAndQuery string, body any) Response {
	c.T.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			rd = strings.NewReader(b)
		default:
			data, err := json.Marshal(b)
			if err != nil {
				c.T.Fatal(err)
			}
			rd = bytes.NewReader(data)
		}
	}
	req, err := http.NewRequest(method, c.Em.URL()+pathAndQuery, rd)
	if err != nil {
		c.T.Fatal(err)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.T.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.T.Fatal(err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
}

// Create creates a token and returns the decoded answer.
func (c *API) Create(name, scope string, validTo time.Time, allOrgs bool) map[string]any {
	c.T.Helper()
	r := c.Do("POST", PATsPath+"?api-version=7.1-preview.1", map[string]any{
		"displayName": name, "scope": scope, "validTo": validTo.UTC().Format(time.RFC3339Nano), "allOrgs": allOrgs,
	})
	if r.Status != 200 {
		c.T.Fatalf("create: %d %s", r.Status, r.Body)
	}
	return r.JSON(c.T)
}

// CreateRequest is a create of a token named name, for sending by hand
// where the answer is not meant to arrive whole.
func (c *API) CreateRequest(name string) *http.Request {
	body, _ := json.Marshal(map[string]any{"displayName": name, "scope": "vso.code", "validTo": c.Em.Now().Add(time.Hour)})
	req, _ := http.NewRequest("POST", c.Em.URL()+PATsPath+"?api-version=7.1-preview.1", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", "application/json")
	return req
}

// PatTokenOf is the patToken of a successful answer.
func PatTokenOf(t testing.TB, m map[string]any) map[string]any {
	t.Helper()
	if m["patTokenError"] != "none" {
		t.Fatalf("patTokenError %v", m["patTokenError"])
	}
	p, ok := m["patToken"].(map[string]any)
	if !ok {
		t.Fatalf("no patToken in %v", m)
	}
	return p
}

// Entra talks to the emulator's Entra ID side with plain HTTP.
type Entra struct {
	T  testing.TB
	Em *emulator.Emulator
}

// Post sends a form to an endpoint under /{tenant}/oauth2/v2.0/ and decodes the answer.
func (c Entra) Post(tenant, endpoint string, form url.Values) (int, map[string]any) {
	c.T.Helper()
	resp, err := c.Em.HTTPClient().PostForm(c.Em.URL()+"/"+tenant+"/oauth2/v2.0/"+endpoint, form)
	if err != nil {
		c.T.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		c.T.Fatal(err)
	}
	return resp.StatusCode, m
}

// DeviceLogin signs in with the device-code flow and returns the token answer.
func (c Entra) DeviceLogin(extra url.Values) map[string]any {
	c.T.Helper()
	scope := emulator.AzureDevOpsResource + "/.default openid profile offline_access"
	status, dc := c.Post(emulator.DefaultTenantID, "devicecode", url.Values{"client_id": {emulator.AzureCLIClientID}, "scope": {scope}})
	if status != 200 {
		c.T.Fatalf("devicecode: %d %v", status, dc)
	}
	form := url.Values{"client_id": {emulator.AzureCLIClientID}, "grant_type": {"device_code"}, "device_code": {dc["device_code"].(string)}}
	for k, v := range extra {
		form[k] = v
	}
	status, tok := c.Post(emulator.DefaultTenantID, "token", form)
	if status != 200 {
		c.T.Fatalf("token: %d %v", status, tok)
	}
	return tok
}

// Refresh redeems a refresh token for an Azure DevOps token.
func (c Entra) Refresh(rt string) (int, map[string]any) {
	return c.Post("organizations", "token", url.Values{"client_id": {emulator.AzureCLIClientID}, "grant_type": {"refresh_token"},
		"refresh_token": {rt}, "scope": {emulator.AzureDevOpsResource + "/.default openid offline_access"}})
}

// WantEntraError checks an error answer of Entra ID's token endpoint.
func WantEntraError(t testing.TB, status int, body map[string]any, wantStatus int, wantCode, wantAADSTS string) {
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
