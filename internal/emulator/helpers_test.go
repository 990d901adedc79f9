package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// testClock is a clock tests set and move.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// startEmulator starts an emulator that stops with the test.
func startEmulator(t *testing.T, opts Options) *Emulator {
	t.Helper()
	em, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { em.Close() })
	return em
}

// apiClient calls the emulator's Azure DevOps side as a user.
type apiClient struct {
	t     *testing.T
	em    *Emulator
	http  *http.Client
	token string
	org   string
}

func newAPIClient(t *testing.T, em *Emulator) *apiClient {
	t.Helper()
	tok, err := em.AccessToken(DefaultUserUPN)
	if err != nil {
		t.Fatal(err)
	}
	return &apiClient{t: t, em: em, http: em.HTTPClient(), token: tok, org: DefaultOrg}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(bytes.TrimPrefix(r.body, []byte("\xef\xbb\xbf")), &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// do sends a request; pathAndQuery is relative to the emulator's root.
func (c *apiClient) do(method, pathAndQuery string, body any) response {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		switch b := body.(type) {
		case string:
			rd = strings.NewReader(b)
		default:
			data, err := json.Marshal(b)
			if err != nil {
				c.t.Fatal(err)
			}
			rd = bytes.NewReader(data)
		}
	}
	req, err := http.NewRequest(method, c.em.URL()+pathAndQuery, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

const patsPath = "/" + DefaultOrg + "/_apis/tokens/pats"

func (c *apiClient) create(name, scope string, validTo time.Time, allOrgs bool) map[string]any {
	c.t.Helper()
	r := c.do("POST", patsPath+"?api-version=7.1-preview.1", map[string]any{
		"displayName": name, "scope": scope, "validTo": validTo.UTC().Format(time.RFC3339Nano), "allOrgs": allOrgs,
	})
	if r.status != 200 {
		c.t.Fatalf("create: %d %s", r.status, r.body)
	}
	return r.json(c.t)
}

func patTokenOf(t *testing.T, m map[string]any) map[string]any {
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

func readAll(t *testing.T, r io.Reader) string {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
